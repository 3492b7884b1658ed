//! Cipher suite parameters (RFC 9420 §5.1, §17.1) and the algorithm identifiers they combine.

use mls_codec::CipherSuite;

use crate::CryptoError;

/// An HPKE KEM (RFC 9180 §7.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum HpkeKem {
    /// DHKEM(P-256, HKDF-SHA256), KEM id 0x0010.
    DhKemP256,
    /// DHKEM(P-384, HKDF-SHA384), KEM id 0x0011.
    DhKemP384,
    /// DHKEM(P-521, HKDF-SHA512), KEM id 0x0012.
    DhKemP521,
    /// DHKEM(X25519, HKDF-SHA256), KEM id 0x0020.
    DhKemX25519,
    /// DHKEM(X448, HKDF-SHA512), KEM id 0x0021.
    DhKemX448,
}

impl HpkeKem {
    /// The KEM identifier of RFC 9180 §7.1.
    pub const fn id(self) -> u16 {
        match self {
            Self::DhKemP256 => 0x0010,
            Self::DhKemP384 => 0x0011,
            Self::DhKemP521 => 0x0012,
            Self::DhKemX25519 => 0x0020,
            Self::DhKemX448 => 0x0021,
        }
    }

    /// `Npk`: the length of a serialized public key (and of the KEM output, `Nenc`).
    pub const fn public_key_len(self) -> usize {
        match self {
            Self::DhKemP256 => 65,
            Self::DhKemP384 => 97,
            Self::DhKemP521 => 133,
            Self::DhKemX25519 => 32,
            Self::DhKemX448 => 56,
        }
    }

    /// `Nsk`: the length of a serialized private key.
    pub const fn private_key_len(self) -> usize {
        match self {
            Self::DhKemP256 => 32,
            Self::DhKemP384 => 48,
            Self::DhKemP521 => 66,
            Self::DhKemX25519 => 32,
            Self::DhKemX448 => 56,
        }
    }
}

/// An HPKE KDF (RFC 9180 §7.2); MLS uses the same KDF for its key schedule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum HpkeKdf {
    /// HKDF-SHA256, KDF id 0x0001.
    HkdfSha256,
    /// HKDF-SHA384, KDF id 0x0002.
    HkdfSha384,
    /// HKDF-SHA512, KDF id 0x0003.
    HkdfSha512,
}

impl HpkeKdf {
    /// The KDF identifier of RFC 9180 §7.2.
    pub const fn id(self) -> u16 {
        match self {
            Self::HkdfSha256 => 0x0001,
            Self::HkdfSha384 => 0x0002,
            Self::HkdfSha512 => 0x0003,
        }
    }

    /// `Nh`: the output length of the hash (and of KDF.Extract).
    pub const fn hash_len(self) -> usize {
        match self {
            Self::HkdfSha256 => 32,
            Self::HkdfSha384 => 48,
            Self::HkdfSha512 => 64,
        }
    }
}

/// An HPKE AEAD (RFC 9180 §7.3); MLS uses the same AEAD for its messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum HpkeAead {
    /// AES-128-GCM, AEAD id 0x0001.
    Aes128Gcm,
    /// AES-256-GCM, AEAD id 0x0002.
    Aes256Gcm,
    /// ChaCha20Poly1305, AEAD id 0x0003.
    ChaCha20Poly1305,
}

impl HpkeAead {
    /// The AEAD identifier of RFC 9180 §7.3.
    pub const fn id(self) -> u16 {
        match self {
            Self::Aes128Gcm => 0x0001,
            Self::Aes256Gcm => 0x0002,
            Self::ChaCha20Poly1305 => 0x0003,
        }
    }

    /// `Nk`: the key length.
    pub const fn key_len(self) -> usize {
        match self {
            Self::Aes128Gcm => 16,
            Self::Aes256Gcm | Self::ChaCha20Poly1305 => 32,
        }
    }

    /// `Nn`: the nonce length.
    pub const fn nonce_len(self) -> usize {
        12
    }

    /// `Nt`: the authentication tag length.
    pub const fn tag_len(self) -> usize {
        16
    }
}

/// A TLS 1.3 signature scheme as MLS uses it (RFC 9420 §5.1.2, RFC 8446 §4.2.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SignatureScheme {
    /// ecdsa_secp256r1_sha256 (0x0403): DER signatures, uncompressed SEC1 public keys.
    EcdsaSecp256r1Sha256,
    /// ecdsa_secp384r1_sha384 (0x0503): DER signatures, uncompressed SEC1 public keys.
    EcdsaSecp384r1Sha384,
    /// ecdsa_secp521r1_sha512 (0x0603): DER signatures, uncompressed SEC1 public keys.
    EcdsaSecp521r1Sha512,
    /// ed25519 (0x0807), pure (no prehash).
    Ed25519,
    /// ed448 (0x0808), pure (no prehash).
    Ed448,
}

impl SignatureScheme {
    /// The TLS SignatureScheme code point.
    pub const fn id(self) -> u16 {
        match self {
            Self::EcdsaSecp256r1Sha256 => 0x0403,
            Self::EcdsaSecp384r1Sha384 => 0x0503,
            Self::EcdsaSecp521r1Sha512 => 0x0603,
            Self::Ed25519 => 0x0807,
            Self::Ed448 => 0x0808,
        }
    }
}

/// The algorithms of one MLS cipher suite (RFC 9420 §5.1, §17.1).
///
/// The hash of the suite is the hash of its KDF; `Nh`, `Nk` and `Nn` follow from the KDF and
/// AEAD.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CipherSuiteParams {
    /// The suite these parameters describe.
    pub cipher_suite: CipherSuite,
    /// The HPKE KEM.
    pub kem: HpkeKem,
    /// The KDF (HPKE and MLS key schedule).
    pub kdf: HpkeKdf,
    /// The AEAD (HPKE and MLS messages).
    pub aead: HpkeAead,
    /// The signature scheme.
    pub signature_scheme: SignatureScheme,
}

const fn params(
    cipher_suite: CipherSuite,
    kem: HpkeKem,
    kdf: HpkeKdf,
    aead: HpkeAead,
    signature_scheme: SignatureScheme,
) -> CipherSuiteParams {
    CipherSuiteParams {
        cipher_suite,
        kem,
        kdf,
        aead,
        signature_scheme,
    }
}

/// The seven suites registered by RFC 9420 §17.1, in code point order.
const KNOWN: [CipherSuiteParams; 7] = [
    params(
        CipherSuite::MLS_128_DHKEMX25519_AES128GCM_SHA256_ED25519,
        HpkeKem::DhKemX25519,
        HpkeKdf::HkdfSha256,
        HpkeAead::Aes128Gcm,
        SignatureScheme::Ed25519,
    ),
    params(
        CipherSuite::MLS_128_DHKEMP256_AES128GCM_SHA256_P256,
        HpkeKem::DhKemP256,
        HpkeKdf::HkdfSha256,
        HpkeAead::Aes128Gcm,
        SignatureScheme::EcdsaSecp256r1Sha256,
    ),
    params(
        CipherSuite::MLS_128_DHKEMX25519_CHACHA20POLY1305_SHA256_ED25519,
        HpkeKem::DhKemX25519,
        HpkeKdf::HkdfSha256,
        HpkeAead::ChaCha20Poly1305,
        SignatureScheme::Ed25519,
    ),
    params(
        CipherSuite::MLS_256_DHKEMX448_AES256GCM_SHA512_ED448,
        HpkeKem::DhKemX448,
        HpkeKdf::HkdfSha512,
        HpkeAead::Aes256Gcm,
        SignatureScheme::Ed448,
    ),
    params(
        CipherSuite::MLS_256_DHKEMP521_AES256GCM_SHA512_P521,
        HpkeKem::DhKemP521,
        HpkeKdf::HkdfSha512,
        HpkeAead::Aes256Gcm,
        SignatureScheme::EcdsaSecp521r1Sha512,
    ),
    params(
        CipherSuite::MLS_256_DHKEMX448_CHACHA20POLY1305_SHA512_ED448,
        HpkeKem::DhKemX448,
        HpkeKdf::HkdfSha512,
        HpkeAead::ChaCha20Poly1305,
        SignatureScheme::Ed448,
    ),
    params(
        CipherSuite::MLS_256_DHKEMP384_AES256GCM_SHA384_P384,
        HpkeKem::DhKemP384,
        HpkeKdf::HkdfSha384,
        HpkeAead::Aes256Gcm,
        SignatureScheme::EcdsaSecp384r1Sha384,
    ),
];

impl CipherSuiteParams {
    /// The parameters of a suite registered in RFC 9420 §17.1, `None` for any other value
    /// (unknown or GREASE). Usable in constant expressions.
    pub const fn lookup(cipher_suite: CipherSuite) -> Option<&'static CipherSuiteParams> {
        let mut i = 0;
        while i < KNOWN.len() {
            if KNOWN[i].cipher_suite.0 == cipher_suite.0 {
                return Some(&KNOWN[i]);
            }
            i += 1;
        }
        None
    }

    /// The parameters of a registered suite, or [`CryptoError::UnsupportedCipherSuite`].
    pub fn for_suite(cipher_suite: CipherSuite) -> Result<&'static CipherSuiteParams, CryptoError> {
        Self::lookup(cipher_suite).ok_or(CryptoError::UnsupportedCipherSuite(cipher_suite))
    }

    /// Every suite registered by RFC 9420 §17.1.
    pub fn all() -> &'static [CipherSuiteParams] {
        &KNOWN
    }

    /// `KDF.Nh`: the hash and secret length of the suite.
    pub const fn hash_len(&self) -> usize {
        self.kdf.hash_len()
    }

    /// `AEAD.Nk`: the AEAD key length.
    pub const fn aead_key_len(&self) -> usize {
        self.aead.key_len()
    }

    /// `AEAD.Nn`: the AEAD nonce length.
    pub const fn aead_nonce_len(&self) -> usize {
        self.aead.nonce_len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registry_matches_rfc_9420_section_17_1() {
        let table: Vec<(u16, u16, u16, u16, u16, usize)> = CipherSuiteParams::all()
            .iter()
            .map(|p| {
                (
                    p.cipher_suite.0,
                    p.kem.id(),
                    p.kdf.id(),
                    p.aead.id(),
                    p.signature_scheme.id(),
                    p.hash_len(),
                )
            })
            .collect();
        assert_eq!(
            table,
            vec![
                (1, 0x20, 1, 1, 0x0807, 32),
                (2, 0x10, 1, 1, 0x0403, 32),
                (3, 0x20, 1, 3, 0x0807, 32),
                (4, 0x21, 3, 2, 0x0808, 64),
                (5, 0x12, 3, 2, 0x0603, 64),
                (6, 0x21, 3, 3, 0x0808, 64),
                (7, 0x11, 2, 2, 0x0503, 48),
            ]
        );
    }

    #[test]
    fn unknown_and_grease_suites_are_unsupported() {
        for value in [0u16, 8, 0x0a0a, 0xffff] {
            assert_eq!(
                CipherSuiteParams::for_suite(CipherSuite(value)),
                Err(CryptoError::UnsupportedCipherSuite(CipherSuite(value)))
            );
        }
    }
}
