//! A second crypto provider for this RFC 9420 (MLS) implementation, on
//! [aws-lc-rs](https://crates.io/crates/aws-lc-rs) (AWS-LC, a BoringSSL descendant):
//! independent of the RustCrypto crates of the default provider, so that the provider traits
//! of `mls-crypto` are shown to fit a second library and each provider checks the other.
//!
//! [`AwsLcProvider`] implements cipher suites 0x0001, 0x0002, 0x0003, 0x0005 and 0x0007 of
//! RFC 9420 §17.1 (X25519 and P-256/P-384/P-521 DHKEM, AES-128/256-GCM and ChaCha20-Poly1305,
//! SHA-256/384/512, Ed25519 and ECDSA). AWS-LC has no X448 or Ed448, so suites 0x0004 and
//! 0x0006 are [`CryptoError::UnsupportedCipherSuite`].
//!
//! aws-lc-rs has no HPKE: RFC 9180 (mode base) is composed here from its key agreement, HMAC
//! and AEAD (module `hpke`: LabeledExtract/LabeledExpand, DHKEM with DeriveKeyPair, the key
//! schedule and the encryption context), and checked against the test vectors of RFC 9180
//! Appendix A. HKDF is computed on aws-lc's HMAC (RFC 5869).
//!
//! ```
//! use mls_crypto::{CipherSuite, CryptoProvider, labeled};
//! use mls_crypto_awslc::AwsLcProvider;
//!
//! let provider = AwsLcProvider::new();
//! let suite = provider.suite(CipherSuite::MLS_128_DHKEMP256_AES128GCM_SHA256_P256)?;
//! assert_eq!(suite.hash(b"abc").len(), 32);
//!
//! // SignWithLabel / VerifyWithLabel (RFC 9420 §5.1.2) with ECDSA P-256.
//! let keys = suite.generate_signature_key_pair()?;
//! let signer = suite.signer(&keys.private_key)?;
//! let signature = labeled::sign_with_label(&*signer, "LeafNodeTBS", b"leaf")?;
//! labeled::verify_with_label(suite, &keys.public_key, "LeafNodeTBS", b"leaf", &signature)?;
//!
//! // EncryptWithLabel / DecryptWithLabel (RFC 9420 §5.1.3): HPKE composed on aws-lc-rs.
//! let node = suite.derive_hpke_key_pair(&[7u8; 32])?;
//! let sealed = labeled::encrypt_with_label(suite, &node.public_key, "UpdatePathNode", b"ctx", b"secret")?;
//! let opened = labeled::decrypt_with_label(
//!     suite, &node.private_key, "UpdatePathNode", b"ctx", &sealed.kem_output, &sealed.ciphertext,
//! )?;
//! assert_eq!(opened.as_slice(), b"secret");
//!
//! // No X448/Ed448 in AWS-LC.
//! assert!(!provider.supports(CipherSuite::MLS_256_DHKEMX448_AES256GCM_SHA512_ED448));
//! # Ok::<(), mls_crypto::CryptoError>(())
//! ```
#![forbid(unsafe_code)]

mod hpke;
mod primitives;
mod signature;
mod suite;

use mls_crypto::{
    CipherSuite, CipherSuiteParams, CipherSuiteProvider, CryptoError, CryptoProvider, HpkeAead,
    HpkeKdf,
};

use crate::hpke::Hpke;
use crate::hpke::dhkem::{self, Dhkem};
use crate::primitives::{AES_128_GCM, AES_256_GCM, Aead, CHACHA20_POLY1305, Hash};
use crate::primitives::{SHA256, SHA384, SHA512};
use crate::signature::{ECDSA_P256, ECDSA_P384, ECDSA_P521, Scheme};
use crate::suite::Suite;

/// The registry parameters of a suite, checked at compile time.
const fn params(cipher_suite: CipherSuite) -> &'static CipherSuiteParams {
    match CipherSuiteParams::lookup(cipher_suite) {
        Some(params) => params,
        None => panic!("not a registered cipher suite"),
    }
}

/// The KDF of the registry parameters.
const fn hash_of(kdf: HpkeKdf) -> Hash {
    match kdf {
        HpkeKdf::HkdfSha256 => SHA256,
        HpkeKdf::HkdfSha384 => SHA384,
        HpkeKdf::HkdfSha512 => SHA512,
        _ => panic!("no registered suite of this provider uses this KDF"),
    }
}

/// The AEAD of the registry parameters.
const fn aead_of(aead: HpkeAead) -> Aead {
    match aead {
        HpkeAead::Aes128Gcm => AES_128_GCM,
        HpkeAead::Aes256Gcm => AES_256_GCM,
        HpkeAead::ChaCha20Poly1305 => CHACHA20_POLY1305,
        _ => panic!("no registered suite of this provider uses this AEAD"),
    }
}

/// The suite of `cipher_suite` with the KEM `kem` and the signature scheme `signature`; the
/// hash and AEAD follow from the registry.
const fn suite(cipher_suite: CipherSuite, kem: Dhkem, signature: Scheme) -> Suite {
    let params = params(cipher_suite);
    let hash = hash_of(params.kdf);
    let aead = aead_of(params.aead);
    Suite {
        params,
        hash,
        aead,
        hpke: Hpke::new(kem, hash, params.kdf.id(), aead, params.aead.id()),
        signature,
    }
}

static SUITE_1: Suite = suite(
    CipherSuite::MLS_128_DHKEMX25519_AES128GCM_SHA256_ED25519,
    dhkem::X25519,
    Scheme::Ed25519,
);
static SUITE_2: Suite = suite(
    CipherSuite::MLS_128_DHKEMP256_AES128GCM_SHA256_P256,
    dhkem::P256,
    Scheme::Ecdsa(&ECDSA_P256),
);
static SUITE_3: Suite = suite(
    CipherSuite::MLS_128_DHKEMX25519_CHACHA20POLY1305_SHA256_ED25519,
    dhkem::X25519,
    Scheme::Ed25519,
);
static SUITE_5: Suite = suite(
    CipherSuite::MLS_256_DHKEMP521_AES256GCM_SHA512_P521,
    dhkem::P521,
    Scheme::Ecdsa(&ECDSA_P521),
);
static SUITE_7: Suite = suite(
    CipherSuite::MLS_256_DHKEMP384_AES256GCM_SHA384_P384,
    dhkem::P384,
    Scheme::Ecdsa(&ECDSA_P384),
);

/// The suites this provider implements, most preferred first (the order of the RustCrypto
/// provider).
const SUPPORTED: [CipherSuite; 5] = [
    CipherSuite::MLS_128_DHKEMX25519_AES128GCM_SHA256_ED25519,
    CipherSuite::MLS_128_DHKEMX25519_CHACHA20POLY1305_SHA256_ED25519,
    CipherSuite::MLS_128_DHKEMP256_AES128GCM_SHA256_P256,
    CipherSuite::MLS_256_DHKEMP384_AES256GCM_SHA384_P384,
    CipherSuite::MLS_256_DHKEMP521_AES256GCM_SHA512_P521,
];

/// The aws-lc-rs provider: suites 0x0001, 0x0002, 0x0003, 0x0005 and 0x0007.
///
/// Stateless and free to construct; randomness comes from AWS-LC's CSPRNG (seeded from the
/// operating system).
#[derive(Debug, Clone, Copy, Default)]
pub struct AwsLcProvider;

impl AwsLcProvider {
    /// The provider.
    pub const fn new() -> Self {
        Self
    }
}

impl CryptoProvider for AwsLcProvider {
    fn suite(&self, cipher_suite: CipherSuite) -> Result<&dyn CipherSuiteProvider, CryptoError> {
        match cipher_suite {
            CipherSuite::MLS_128_DHKEMX25519_AES128GCM_SHA256_ED25519 => Ok(&SUITE_1),
            CipherSuite::MLS_128_DHKEMP256_AES128GCM_SHA256_P256 => Ok(&SUITE_2),
            CipherSuite::MLS_128_DHKEMX25519_CHACHA20POLY1305_SHA256_ED25519 => Ok(&SUITE_3),
            CipherSuite::MLS_256_DHKEMP521_AES256GCM_SHA512_P521 => Ok(&SUITE_5),
            CipherSuite::MLS_256_DHKEMP384_AES256GCM_SHA384_P384 => Ok(&SUITE_7),
            other => Err(CryptoError::UnsupportedCipherSuite(other)),
        }
    }

    fn supported_suites(&self) -> &[CipherSuite] {
        &SUPPORTED
    }
}

#[cfg(test)]
mod tests;
