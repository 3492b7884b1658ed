//! Secret byte strings that are wiped from memory when dropped and never printed.

use subtle::{Choice, ConstantTimeEq};
use zeroize::Zeroizing;

macro_rules! secret_bytes {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        ///
        /// The bytes are zeroized on drop, `Debug` prints only the length, and equality is
        /// constant-time in the contents (the lengths are not secret).
        #[derive(Clone, Default)]
        pub struct $name(Zeroizing<Vec<u8>>);

        impl $name {
            /// Takes ownership of `bytes`.
            pub fn new(bytes: Vec<u8>) -> Self {
                Self(Zeroizing::new(bytes))
            }

            /// Copies `bytes`.
            pub fn from_slice(bytes: &[u8]) -> Self {
                Self::new(bytes.to_vec())
            }

            /// The secret bytes. Copying them out loses the zeroize-on-drop protection.
            pub fn as_bytes(&self) -> &[u8] {
                &self.0
            }

            /// The length in bytes.
            pub fn len(&self) -> usize {
                self.0.len()
            }

            /// Whether there are no bytes.
            pub fn is_empty(&self) -> bool {
                self.0.is_empty()
            }
        }

        impl From<Vec<u8>> for $name {
            fn from(bytes: Vec<u8>) -> Self {
                Self::new(bytes)
            }
        }

        impl From<Zeroizing<Vec<u8>>> for $name {
            fn from(bytes: Zeroizing<Vec<u8>>) -> Self {
                Self(bytes)
            }
        }

        impl std::fmt::Debug for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(f, concat!(stringify!($name), "([redacted; {} bytes])"), self.0.len())
            }
        }

        impl ConstantTimeEq for $name {
            fn ct_eq(&self, other: &Self) -> Choice {
                self.0.as_slice().ct_eq(other.0.as_slice())
            }
        }

        impl PartialEq for $name {
            fn eq(&self, other: &Self) -> bool {
                self.ct_eq(other).into()
            }
        }

        impl Eq for $name {}
    };
}

secret_bytes! {
    /// A secret of the key schedule, the secret tree or a path (RFC 9420 §8, §9, §7.4), or any
    /// other KDF output.
    Secret
}

secret_bytes! {
    /// An HPKE private key, serialized as the KEM's SerializePrivateKey (RFC 9180 §7.1.2):
    /// 32 bytes for X25519, the big-endian scalar for the NIST curves.
    HpkePrivateKey
}

secret_bytes! {
    /// A signature private key: the 32-byte seed for Ed25519, the big-endian scalar for ECDSA.
    SignaturePrivateKey
}

/// An HPKE key pair (RFC 9180 §4).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HpkeKeyPair {
    /// The private key.
    pub private_key: HpkePrivateKey,
    /// The serialized public key (SerializePublicKey, RFC 9180 §7.1.1).
    pub public_key: Vec<u8>,
}

/// A signature key pair.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignatureKeyPair {
    /// The private key.
    pub private_key: SignaturePrivateKey,
    /// The public key: 32 bytes for Ed25519, an uncompressed SEC1 point for ECDSA.
    pub public_key: Vec<u8>,
}

/// The output of HPKE SealBase (RFC 9180 §6.1): the encapsulated key and the ciphertext.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HpkeSealed {
    /// `enc`, the KEM output.
    pub kem_output: Vec<u8>,
    /// The AEAD ciphertext, tag included.
    pub ciphertext: Vec<u8>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_bytes() {
        let secret = Secret::new(vec![0xab; 4]);
        assert_eq!(format!("{secret:?}"), "Secret([redacted; 4 bytes])");
        let key = SignaturePrivateKey::from_slice(&[0xcd; 3]);
        assert!(!format!("{key:?}").contains("cd"));
        let pair = HpkeKeyPair {
            private_key: HpkePrivateKey::from_slice(&[0xef; 2]),
            public_key: vec![1],
        };
        assert!(!format!("{pair:?}").to_lowercase().contains("ef"));
    }

    #[test]
    fn equality_compares_contents() {
        assert_eq!(Secret::from_slice(b"abc"), Secret::new(b"abc".to_vec()));
        assert_ne!(Secret::from_slice(b"abc"), Secret::from_slice(b"abd"));
        assert_ne!(Secret::from_slice(b"abc"), Secret::from_slice(b"ab"));
    }
}
