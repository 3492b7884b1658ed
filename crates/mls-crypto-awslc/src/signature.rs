//! The signature schemes on aws-lc-rs: Ed25519 (pure, RFC 8032) and ECDSA over P-256, P-384
//! and P-521 with SHA-256, SHA-384 and SHA-512 (DER signatures, uncompressed SEC1 public
//! keys), as TLS 1.3 defines them (RFC 9420 §5.1.2).

use std::sync::Arc;

use aws_lc_rs::encoding::{AsBigEndian, Curve25519SeedBin, EcPrivateKeyBin};
use aws_lc_rs::signature::{
    self, EcdsaKeyPair, EcdsaSigningAlgorithm, EcdsaVerificationAlgorithm, Ed25519KeyPair, KeyPair,
    ParsedPublicKey, UnparsedPublicKey, VerificationAlgorithm,
};
use aws_lc_rs::{agreement, digest, rand::SystemRandom};
use mls_crypto::{
    CryptoError, SignatureKeyPair, SignaturePrivateKey, SignatureScheme, Signer, VerifyingKey,
    Zeroizing,
};

/// A signature scheme of MLS on aws-lc-rs.
#[derive(Clone, Copy)]
pub(crate) enum Scheme {
    /// Ed25519, pure.
    Ed25519,
    /// ECDSA over a NIST curve with the curve's hash.
    Ecdsa(&'static Ecdsa),
}

/// ECDSA over one NIST curve.
pub(crate) struct Ecdsa {
    scheme: SignatureScheme,
    signing: &'static EcdsaSigningAlgorithm,
    verifying: &'static EcdsaVerificationAlgorithm,
    /// The same curve for key agreement, to compute a public key from a private scalar.
    curve: &'static agreement::Algorithm,
    digest: &'static digest::Algorithm,
    scalar_len: usize,
    point_len: usize,
}

/// ecdsa_secp256r1_sha256.
pub(crate) static ECDSA_P256: Ecdsa = Ecdsa {
    scheme: SignatureScheme::EcdsaSecp256r1Sha256,
    signing: &signature::ECDSA_P256_SHA256_ASN1_SIGNING,
    verifying: &signature::ECDSA_P256_SHA256_ASN1,
    curve: &agreement::ECDH_P256,
    digest: &digest::SHA256,
    scalar_len: 32,
    point_len: 65,
};

/// ecdsa_secp384r1_sha384.
pub(crate) static ECDSA_P384: Ecdsa = Ecdsa {
    scheme: SignatureScheme::EcdsaSecp384r1Sha384,
    signing: &signature::ECDSA_P384_SHA384_ASN1_SIGNING,
    verifying: &signature::ECDSA_P384_SHA384_ASN1,
    curve: &agreement::ECDH_P384,
    digest: &digest::SHA384,
    scalar_len: 48,
    point_len: 97,
};

/// ecdsa_secp521r1_sha512.
pub(crate) static ECDSA_P521: Ecdsa = Ecdsa {
    scheme: SignatureScheme::EcdsaSecp521r1Sha512,
    signing: &signature::ECDSA_P521_SHA512_ASN1_SIGNING,
    verifying: &signature::ECDSA_P521_SHA512_ASN1,
    curve: &agreement::ECDH_P521,
    digest: &digest::SHA512,
    scalar_len: 66,
    point_len: 133,
};

/// A public key as this provider decodes it once for many verifications.
struct DecodedKey {
    scheme: SignatureScheme,
    key: ParsedPublicKey,
}

impl Scheme {
    fn id(self) -> SignatureScheme {
        match self {
            Self::Ed25519 => SignatureScheme::Ed25519,
            Self::Ecdsa(ecdsa) => ecdsa.scheme,
        }
    }

    fn verification_algorithm(self) -> &'static dyn VerificationAlgorithm {
        match self {
            Self::Ed25519 => &signature::ED25519,
            Self::Ecdsa(ecdsa) => ecdsa.verifying,
        }
    }

    /// A fresh key pair: the Ed25519 seed or the big-endian ECDSA scalar, and the public key.
    pub(crate) fn generate(self) -> Result<SignatureKeyPair, CryptoError> {
        match self {
            Self::Ed25519 => {
                let key = Ed25519KeyPair::generate().map_err(|_| CryptoError::RandomFailed)?;
                let seed: Curve25519SeedBin<'_> = key
                    .seed()
                    .and_then(|seed| seed.as_be_bytes())
                    .map_err(|_| CryptoError::InvalidPrivateKey)?;
                Ok(SignatureKeyPair {
                    private_key: SignaturePrivateKey::from_slice(seed.as_ref()),
                    public_key: key.public_key().as_ref().to_vec(),
                })
            }
            Self::Ecdsa(ecdsa) => {
                let key =
                    EcdsaKeyPair::generate(ecdsa.signing).map_err(|_| CryptoError::RandomFailed)?;
                let scalar: EcPrivateKeyBin<'_> = key
                    .private_key()
                    .as_be_bytes()
                    .map_err(|_| CryptoError::InvalidPrivateKey)?;
                Ok(SignatureKeyPair {
                    private_key: SignaturePrivateKey::from_slice(scalar.as_ref()),
                    public_key: key.public_key().as_ref().to_vec(),
                })
            }
        }
    }

    /// Parses a private key once: the 32-byte Ed25519 seed (RFC 8032 §5.1.5), or the
    /// big-endian ECDSA scalar (left-padded with zeros if shorter than the curve's).
    pub(crate) fn signer(
        self,
        private_key: &SignaturePrivateKey,
    ) -> Result<Box<dyn Signer>, CryptoError> {
        match self {
            Self::Ed25519 => {
                if private_key.len() != 32 {
                    return Err(CryptoError::InvalidPrivateKey);
                }
                let key = Ed25519KeyPair::from_seed_unchecked(private_key.as_bytes())
                    .map_err(|_| CryptoError::InvalidPrivateKey)?;
                let public_key = key.public_key().as_ref().to_vec();
                Ok(Box::new(Ed25519Signer { key, public_key }))
            }
            Self::Ecdsa(ecdsa) => {
                let scalar = private_key.as_bytes();
                if scalar.len() > ecdsa.scalar_len {
                    return Err(CryptoError::InvalidPrivateKey);
                }
                let mut padded = Zeroizing::new(vec![0u8; ecdsa.scalar_len]);
                padded[ecdsa.scalar_len - scalar.len()..].copy_from_slice(scalar);
                // aws-lc-rs imports an ECDSA key with its public key; the key-agreement key of
                // the same curve computes that from the scalar (and checks it is in range).
                let public_key = agreement::PrivateKey::from_private_key(ecdsa.curve, &padded)
                    .map_err(|_| CryptoError::InvalidPrivateKey)?
                    .compute_public_key()
                    .map_err(|_| CryptoError::InvalidPrivateKey)?
                    .as_ref()
                    .to_vec();
                let key = EcdsaKeyPair::from_private_key_and_public_key(
                    ecdsa.signing,
                    &padded,
                    &public_key,
                )
                .map_err(|_| CryptoError::InvalidPrivateKey)?;
                Ok(Box::new(EcdsaSigner {
                    key,
                    public_key,
                    scheme: ecdsa.scheme,
                    rng: SystemRandom::new(),
                }))
            }
        }
    }

    /// Checks the MLS form of a public key (RFC 9420 §5.1.2): 32 bytes for Ed25519 and not a
    /// point of small order, an uncompressed SEC1 point for ECDSA. aws-lc-rs would also take a
    /// SubjectPublicKeyInfo or a compressed point.
    fn check_public_key(self, public_key: &[u8]) -> Result<(), CryptoError> {
        let well_formed = match self {
            Self::Ed25519 => <&[u8; 32]>::try_from(public_key)
                .is_ok_and(|encoding| !mls_crypto::ed25519::is_small_order(encoding)),
            Self::Ecdsa(ecdsa) => {
                public_key.len() == ecdsa.point_len && public_key.first() == Some(&0x04)
            }
        };
        if well_formed {
            Ok(())
        } else {
            Err(CryptoError::InvalidPublicKey)
        }
    }

    /// Decodes a public key for [`Scheme::verify_with_key`].
    pub(crate) fn verifying_key(self, public_key: &[u8]) -> Result<VerifyingKey, CryptoError> {
        Ok(VerifyingKey::with_decoded(
            public_key,
            Arc::new(self.decode(public_key)?),
        ))
    }

    fn decode(self, public_key: &[u8]) -> Result<DecodedKey, CryptoError> {
        self.check_public_key(public_key)?;
        let key = UnparsedPublicKey::new(self.verification_algorithm(), public_key)
            .parse()
            .map_err(|_| CryptoError::InvalidPublicKey)?;
        Ok(DecodedKey {
            scheme: self.id(),
            key,
        })
    }

    /// `Verify(public_key, message[0] || message[1] || ..., signature)`. Ed25519 is strict:
    /// besides aws-lc's checks (a canonical S), an R of small order is refused, as the
    /// public key of small order is refused when the key is decoded.
    pub(crate) fn verify_with_key(
        self,
        key: &VerifyingKey,
        message: &[&[u8]],
        signature: &[u8],
    ) -> Result<(), CryptoError> {
        let decoded_here;
        let decoded = match key.decoded::<DecodedKey>() {
            Some(decoded) if decoded.scheme == self.id() => decoded,
            _ => {
                decoded_here = self.decode(key.as_bytes())?;
                &decoded_here
            }
        };
        let verified = match self {
            Self::Ed25519 => {
                let r_is_small = signature
                    .get(..32)
                    .and_then(|r| <&[u8; 32]>::try_from(r).ok())
                    .is_some_and(mls_crypto::ed25519::is_small_order);
                !r_is_small && decoded.key.verify_sig(&message.concat(), signature).is_ok()
            }
            Self::Ecdsa(ecdsa) => {
                let mut context = digest::Context::new(ecdsa.digest);
                for part in message {
                    context.update(part);
                }
                decoded
                    .key
                    .verify_digest_sig(&context.finish(), signature)
                    .is_ok()
            }
        };
        if verified {
            Ok(())
        } else {
            Err(CryptoError::InvalidSignature)
        }
    }
}

/// An Ed25519 key, expanded once.
struct Ed25519Signer {
    key: Ed25519KeyPair,
    public_key: Vec<u8>,
}

impl Signer for Ed25519Signer {
    fn signature_scheme(&self) -> SignatureScheme {
        SignatureScheme::Ed25519
    }

    fn public_key(&self) -> &[u8] {
        &self.public_key
    }

    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, CryptoError> {
        self.key
            .try_sign(message)
            .map(|signature| signature.as_ref().to_vec())
            .map_err(|_| CryptoError::SigningFailed)
    }
}

/// An ECDSA key with its public key.
struct EcdsaSigner {
    key: EcdsaKeyPair,
    public_key: Vec<u8>,
    scheme: SignatureScheme,
    rng: SystemRandom,
}

impl Signer for EcdsaSigner {
    fn signature_scheme(&self) -> SignatureScheme {
        self.scheme
    }

    fn public_key(&self) -> &[u8] {
        &self.public_key
    }

    /// A DER-encoded signature with the curve's hash; aws-lc draws the nonce at random.
    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, CryptoError> {
        self.key
            .sign(&self.rng, message)
            .map(|signature| signature.as_ref().to_vec())
            .map_err(|_| CryptoError::SigningFailed)
    }
}
