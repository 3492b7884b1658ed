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
    /// ML-KEM-768 (FIPS 203) as an HPKE KEM, KEM id 0x0041 (draft-ietf-hpke-pq).
    MlKem768,
    /// ML-KEM-1024 (FIPS 203) as an HPKE KEM, KEM id 0x0042 (draft-ietf-hpke-pq).
    MlKem1024,
    /// The hybrid of ML-KEM-768 and P-256 (draft-ietf-hpke-pq), KEM id 0x0050.
    MlKem768P256,
    /// The hybrid of ML-KEM-1024 and P-384 (draft-ietf-hpke-pq), KEM id 0x0051.
    MlKem1024P384,
    /// X-Wing, the hybrid of ML-KEM-768 and X25519 (draft-connolly-cfrg-xwing-kem), KEM id
    /// 0x647a.
    XWing,
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
            Self::MlKem768 => 0x0041,
            Self::MlKem1024 => 0x0042,
            Self::MlKem768P256 => 0x0050,
            Self::MlKem1024P384 => 0x0051,
            Self::XWing => 0x647a,
        }
    }

    /// `Npk`: the length of a serialized public key (for a DHKEM also the length of the KEM
    /// output; see [`HpkeKem::enc_len`] for the KEMs where it is not).
    pub const fn public_key_len(self) -> usize {
        match self {
            Self::DhKemP256 => 65,
            Self::DhKemP384 => 97,
            Self::DhKemP521 => 133,
            Self::DhKemX25519 => 32,
            Self::DhKemX448 => 56,
            Self::MlKem768 => 1184,
            Self::MlKem1024 => 1568,
            // The ML-KEM encapsulation key, then the uncompressed point.
            Self::MlKem768P256 => 1184 + 65,
            Self::MlKem1024P384 => 1568 + 97,
            // The ML-KEM-768 encapsulation key, then the X25519 key.
            Self::XWing => 1184 + 32,
        }
    }

    /// `Nenc`: the length of the KEM output (the encapsulated key). It equals `Npk` for a DHKEM
    /// but not for the ML-KEM based KEMs, whose output is an ML-KEM ciphertext.
    pub const fn enc_len(self) -> usize {
        match self {
            Self::DhKemP256
            | Self::DhKemP384
            | Self::DhKemP521
            | Self::DhKemX25519
            | Self::DhKemX448 => self.public_key_len(),
            Self::MlKem768 => 1088,
            Self::MlKem1024 => 1568,
            Self::MlKem768P256 => 1088 + 65,
            Self::MlKem1024P384 => 1568 + 97,
            Self::XWing => 1088 + 32,
        }
    }

    /// `Nsk`: the length of a serialized private key. For the ML-KEM based KEMs this is the
    /// seed the key pair is expanded from, as the `hpke` crate serializes it: the 64-byte
    /// `d || z` of FIPS 203 for ML-KEM, a 32-byte seed for X-Wing and the hybrids.
    pub const fn private_key_len(self) -> usize {
        match self {
            Self::DhKemP256 => 32,
            Self::DhKemP384 => 48,
            Self::DhKemP521 => 66,
            Self::DhKemX25519 => 32,
            Self::DhKemX448 => 56,
            Self::MlKem768 | Self::MlKem1024 => 64,
            Self::MlKem768P256 | Self::MlKem1024P384 | Self::XWing => 32,
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
    /// mldsa44 (0x0904): pure ML-DSA-44 (FIPS 204) with an empty context.
    MlDsa44,
    /// mldsa65 (0x0905): pure ML-DSA-65 (FIPS 204) with an empty context.
    MlDsa65,
    /// mldsa87 (0x0906): pure ML-DSA-87 (FIPS 204) with an empty context.
    MlDsa87,
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
            Self::MlDsa44 => 0x0904,
            Self::MlDsa65 => 0x0905,
            Self::MlDsa87 => 0x0906,
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

/// The eleven post-quantum suites of draft-ietf-mls-pq-ciphersuites (TBD1 to TBD11, in the
/// draft's order), with PROVISIONAL code points: IANA has not assigned any yet.
///
/// This table (with the constants of [`CipherSuite`] it names) is the one place the values are
/// chosen. Where OpenMLS 0.8 (openmls_traits 0.6) defines the same suite, its value is used, so
/// that the two implementations can share groups: 0x004F (TBD1), 0x004E (TBD2), 0x0050 (TBD7),
/// 0x0042 (TBD8), 0x0052 (TBD9), 0x0051 (TBD10) and 0x0907 (TBD11). The others are this
/// project's private-use values (RFC 9420 §17.1 reserves 0xF000-0xFFFF): 0xF003 (TBD3), 0xF004
/// (TBD4), 0xF005 (TBD5) and 0xF042 (TBD6). The values change when IANA assigns code points;
/// groups created with them do not carry over.
const PROVISIONAL: [CipherSuiteParams; 11] = [
    params(
        CipherSuite::MLS_128_MLKEM768X25519_AES128GCM_SHA256_ED25519,
        HpkeKem::XWing,
        HpkeKdf::HkdfSha256,
        HpkeAead::Aes128Gcm,
        SignatureScheme::Ed25519,
    ),
    params(
        CipherSuite::MLS_128_MLKEM768X25519_AES256GCM_SHA384_ED25519,
        HpkeKem::XWing,
        HpkeKdf::HkdfSha384,
        HpkeAead::Aes256Gcm,
        SignatureScheme::Ed25519,
    ),
    params(
        CipherSuite::MLS_128_MLKEM768P256_AES128GCM_SHA256_P256,
        HpkeKem::MlKem768P256,
        HpkeKdf::HkdfSha256,
        HpkeAead::Aes128Gcm,
        SignatureScheme::EcdsaSecp256r1Sha256,
    ),
    params(
        CipherSuite::MLS_128_MLKEM768P256_AES256GCM_SHA384_P256,
        HpkeKem::MlKem768P256,
        HpkeKdf::HkdfSha384,
        HpkeAead::Aes256Gcm,
        SignatureScheme::EcdsaSecp256r1Sha256,
    ),
    params(
        CipherSuite::MLS_192_MLKEM1024P384_AES256GCM_SHA384_P384,
        HpkeKem::MlKem1024P384,
        HpkeKdf::HkdfSha384,
        HpkeAead::Aes256Gcm,
        SignatureScheme::EcdsaSecp384r1Sha384,
    ),
    params(
        CipherSuite::MLS_128_MLKEM768_AES256GCM_SHA384_ED25519,
        HpkeKem::MlKem768,
        HpkeKdf::HkdfSha384,
        HpkeAead::Aes256Gcm,
        SignatureScheme::Ed25519,
    ),
    params(
        CipherSuite::MLS_128_MLKEM768_AES256GCM_SHA384_P256,
        HpkeKem::MlKem768,
        HpkeKdf::HkdfSha384,
        HpkeAead::Aes256Gcm,
        SignatureScheme::EcdsaSecp256r1Sha256,
    ),
    params(
        CipherSuite::MLS_192_MLKEM1024_AES256GCM_SHA384_P384,
        HpkeKem::MlKem1024,
        HpkeKdf::HkdfSha384,
        HpkeAead::Aes256Gcm,
        SignatureScheme::EcdsaSecp384r1Sha384,
    ),
    params(
        CipherSuite::MLS_128_MLKEM768X25519_CHACHA20POLY1305_SHA384_MLDSA44,
        HpkeKem::XWing,
        HpkeKdf::HkdfSha384,
        HpkeAead::ChaCha20Poly1305,
        SignatureScheme::MlDsa44,
    ),
    params(
        CipherSuite::MLS_192_MLKEM768_AES256GCM_SHA384_MLDSA65,
        HpkeKem::MlKem768,
        HpkeKdf::HkdfSha384,
        HpkeAead::Aes256Gcm,
        SignatureScheme::MlDsa65,
    ),
    params(
        CipherSuite::MLS_256_MLKEM1024_AES256GCM_SHA384_MLDSA87,
        HpkeKem::MlKem1024,
        HpkeKdf::HkdfSha384,
        HpkeAead::Aes256Gcm,
        SignatureScheme::MlDsa87,
    ),
];

/// The entry of `table` for `cipher_suite`, in a constant expression.
const fn find(
    table: &'static [CipherSuiteParams],
    cipher_suite: CipherSuite,
) -> Option<&'static CipherSuiteParams> {
    let mut i = 0;
    while i < table.len() {
        if table[i].cipher_suite.0 == cipher_suite.0 {
            return Some(&table[i]);
        }
        i += 1;
    }
    None
}

impl CipherSuiteParams {
    /// The parameters of a suite registered in RFC 9420 §17.1 or of one of the
    /// [provisional](CipherSuiteParams::provisional) post-quantum suites, `None` for any other
    /// value (unknown or GREASE). Usable in constant expressions.
    pub const fn lookup(cipher_suite: CipherSuite) -> Option<&'static CipherSuiteParams> {
        match find(&KNOWN, cipher_suite) {
            Some(params) => Some(params),
            None => find(&PROVISIONAL, cipher_suite),
        }
    }

    /// The parameters of a registered or provisional suite, or
    /// [`CryptoError::UnsupportedCipherSuite`].
    pub fn for_suite(cipher_suite: CipherSuite) -> Result<&'static CipherSuiteParams, CryptoError> {
        Self::lookup(cipher_suite).ok_or(CryptoError::UnsupportedCipherSuite(cipher_suite))
    }

    /// Every suite registered by RFC 9420 §17.1.
    pub fn all() -> &'static [CipherSuiteParams] {
        &KNOWN
    }

    /// The eleven post-quantum suites of draft-ietf-mls-pq-ciphersuites, TBD1 to TBD11 in the
    /// draft's order, with PROVISIONAL code points (no IANA assignment yet): see the table's
    /// documentation in this module's source and `docs/architecture.md` for which values match
    /// OpenMLS's and which are private-use values of this project. Not part of
    /// [`CipherSuiteParams::all`], which lists the suites of RFC 9420 only.
    pub fn provisional() -> &'static [CipherSuiteParams] {
        &PROVISIONAL
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
    fn provisional_pq_suites_match_the_draft_and_the_chosen_code_points() {
        // (code point, KEM id, Npk, Nenc, Nsk, KDF id, AEAD id, signature scheme, Nh)
        let table: Vec<_> = CipherSuiteParams::provisional()
            .iter()
            .map(|p| {
                (
                    p.cipher_suite.0,
                    p.kem.id(),
                    p.kem.public_key_len(),
                    p.kem.enc_len(),
                    p.kem.private_key_len(),
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
                (0x004F, 0x647a, 1216, 1120, 32, 1, 1, 0x0807, 32),
                (0x004E, 0x647a, 1216, 1120, 32, 2, 2, 0x0807, 48),
                (0xF003, 0x0050, 1249, 1153, 32, 1, 1, 0x0403, 32),
                (0xF004, 0x0050, 1249, 1153, 32, 2, 2, 0x0403, 48),
                (0xF005, 0x0051, 1665, 1665, 32, 2, 2, 0x0503, 48),
                (0xF042, 0x0041, 1184, 1088, 64, 2, 2, 0x0807, 48),
                (0x0050, 0x0041, 1184, 1088, 64, 2, 2, 0x0403, 48),
                (0x0042, 0x0042, 1568, 1568, 64, 2, 2, 0x0503, 48),
                (0x0052, 0x647a, 1216, 1120, 32, 2, 3, 0x0904, 48),
                (0x0051, 0x0041, 1184, 1088, 64, 2, 2, 0x0905, 48),
                (0x0907, 0x0042, 1568, 1568, 64, 2, 2, 0x0906, 48),
            ]
        );
        for params in CipherSuiteParams::provisional() {
            assert_eq!(
                CipherSuiteParams::for_suite(params.cipher_suite),
                Ok(params)
            );
            // Named in the codec's registry, never a GREASE value, distinct from RFC 9420's.
            assert!(params.cipher_suite.name().is_some());
            assert!(!params.cipher_suite.is_grease());
            assert!(
                CipherSuiteParams::all()
                    .iter()
                    .all(|known| known.cipher_suite != params.cipher_suite)
            );
        }
        // The code points are pairwise distinct.
        let mut values: Vec<u16> = CipherSuiteParams::provisional()
            .iter()
            .map(|p| p.cipher_suite.0)
            .collect();
        values.sort_unstable();
        values.dedup();
        assert_eq!(values.len(), 11);
    }

    #[test]
    fn dhkem_output_is_as_long_as_the_public_key() {
        for params in CipherSuiteParams::all() {
            assert_eq!(params.kem.enc_len(), params.kem.public_key_len());
        }
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
