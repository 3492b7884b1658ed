//! The default crypto provider of this RFC 9420 (MLS) implementation, on the RustCrypto crates
//! and the `hpke` crate.
//!
//! [`RustCryptoProvider`] implements all seven cipher suites of RFC 9420 §17.1. Suites 0x0004
//! and 0x0006 (DHKEM(X448, HKDF-SHA512) and Ed448) are behind the default feature `curve448`,
//! which brings in pre-releases of the `x448` and `ed448-goldilocks` crates (pinned exactly);
//! without it they are reported as [`CryptoError::UnsupportedCipherSuite`]. The `hpke` crate
//! has no X448 KEM, so this crate implements DHKEM(X448, HKDF-SHA512) (RFC 9180 §4.1) against
//! the `hpke` crate's public `Kem` trait.
//!
//! With the cargo feature `pq` (off by default) it also implements the eleven post-quantum
//! suites of draft-ietf-mls-pq-ciphersuites (X-Wing, ML-KEM and ML-KEM + P-256/P-384 KEMs;
//! Ed25519, ECDSA or ML-DSA signatures), under the PROVISIONAL code points of
//! [`CipherSuiteParams::provisional`], listed after the RFC 9420 suites.
//!
//! The `hpke` crate fixes its KEM, KDF and AEAD at compile time; each suite is one static,
//! monomorphized instance behind the [`CipherSuiteProvider`] trait object, so choosing a suite
//! at run time is a `match`, not an allocation.
//!
//! ```
//! use mls_crypto::{CipherSuite, CryptoProvider, labeled};
//! use mls_crypto_rustcrypto::RustCryptoProvider;
//!
//! let provider = RustCryptoProvider::new();
//! for &cipher_suite in provider.supported_suites() {
//!     let suite = provider.suite(cipher_suite)?;
//!     let keys = suite.generate_signature_key_pair()?;
//!     let signer = suite.signer(&keys.private_key)?;
//!     let signature = labeled::sign_with_label(&*signer, "GroupInfoTBS", b"group info")?;
//!     labeled::verify_with_label(suite, &keys.public_key, "GroupInfoTBS", b"group info", &signature)?;
//! }
//! # Ok::<(), mls_crypto::CryptoError>(())
//! ```
#![forbid(unsafe_code)]

#[cfg(feature = "curve448")]
mod dhkem_x448;
#[cfg(feature = "curve448")]
mod ed448;
#[cfg(feature = "pq")]
mod ml_dsa;
#[cfg(feature = "pq")]
mod pq_suites;
mod primitives;
mod signature;
mod suite;

use aes_gcm::{Aes128Gcm, Aes256Gcm};
use chacha20poly1305::ChaCha20Poly1305;
use hpke::aead::{AesGcm128, AesGcm256, ChaCha20Poly1305 as HpkeChaCha};
use hpke::kdf::{HkdfSha256, HkdfSha384, HkdfSha512};
use hpke::kem::{DhP256HkdfSha256, DhP384HkdfSha384, DhP521HkdfSha512, X25519HkdfSha256};
use mls_crypto::{
    CipherSuite, CipherSuiteParams, CipherSuiteProvider, CryptoError, CryptoProvider,
};
use sha2::{Sha256, Sha384, Sha512};

use crate::primitives::{Hpke, RcAead, Sha};
use crate::signature::{EcdsaP256, EcdsaP384, EcdsaP521, Ed25519};
use crate::suite::Suite;

/// The registry parameters of a suite, checked at compile time.
const fn params(cipher_suite: CipherSuite) -> &'static CipherSuiteParams {
    match CipherSuiteParams::lookup(cipher_suite) {
        Some(params) => params,
        None => panic!("not a registered cipher suite"),
    }
}

type Suite1 =
    Suite<Sha<Sha256>, RcAead<Aes128Gcm>, Hpke<X25519HkdfSha256, HkdfSha256, AesGcm128>, Ed25519>;
type Suite2 =
    Suite<Sha<Sha256>, RcAead<Aes128Gcm>, Hpke<DhP256HkdfSha256, HkdfSha256, AesGcm128>, EcdsaP256>;
type Suite3 = Suite<
    Sha<Sha256>,
    RcAead<ChaCha20Poly1305>,
    Hpke<X25519HkdfSha256, HkdfSha256, HpkeChaCha>,
    Ed25519,
>;
type Suite5 =
    Suite<Sha<Sha512>, RcAead<Aes256Gcm>, Hpke<DhP521HkdfSha512, HkdfSha512, AesGcm256>, EcdsaP521>;
type Suite7 =
    Suite<Sha<Sha384>, RcAead<Aes256Gcm>, Hpke<DhP384HkdfSha384, HkdfSha384, AesGcm256>, EcdsaP384>;

#[cfg(feature = "curve448")]
type Suite4 = Suite<
    Sha<Sha512>,
    RcAead<Aes256Gcm>,
    Hpke<dhkem_x448::X448HkdfSha512, HkdfSha512, AesGcm256>,
    ed448::Ed448,
>;
#[cfg(feature = "curve448")]
type Suite6 = Suite<
    Sha<Sha512>,
    RcAead<ChaCha20Poly1305>,
    Hpke<dhkem_x448::X448HkdfSha512, HkdfSha512, HpkeChaCha>,
    ed448::Ed448,
>;

static SUITE_1: Suite1 = Suite::new(params(
    CipherSuite::MLS_128_DHKEMX25519_AES128GCM_SHA256_ED25519,
));
static SUITE_2: Suite2 = Suite::new(params(CipherSuite::MLS_128_DHKEMP256_AES128GCM_SHA256_P256));
static SUITE_3: Suite3 = Suite::new(params(
    CipherSuite::MLS_128_DHKEMX25519_CHACHA20POLY1305_SHA256_ED25519,
));
#[cfg(feature = "curve448")]
static SUITE_4: Suite4 = Suite::new(params(
    CipherSuite::MLS_256_DHKEMX448_AES256GCM_SHA512_ED448,
));
#[cfg(feature = "curve448")]
static SUITE_6: Suite6 = Suite::new(params(
    CipherSuite::MLS_256_DHKEMX448_CHACHA20POLY1305_SHA512_ED448,
));
static SUITE_5: Suite5 = Suite::new(params(CipherSuite::MLS_256_DHKEMP521_AES256GCM_SHA512_P521));
static SUITE_7: Suite7 = Suite::new(params(CipherSuite::MLS_256_DHKEMP384_AES256GCM_SHA384_P384));

/// The suites this provider implements, most preferred first.
#[cfg(not(feature = "curve448"))]
const SUPPORTED: [CipherSuite; 5] = [
    CipherSuite::MLS_128_DHKEMX25519_AES128GCM_SHA256_ED25519,
    CipherSuite::MLS_128_DHKEMX25519_CHACHA20POLY1305_SHA256_ED25519,
    CipherSuite::MLS_128_DHKEMP256_AES128GCM_SHA256_P256,
    CipherSuite::MLS_256_DHKEMP384_AES256GCM_SHA384_P384,
    CipherSuite::MLS_256_DHKEMP521_AES256GCM_SHA512_P521,
];

/// The suites this provider implements, most preferred first.
#[cfg(feature = "curve448")]
const SUPPORTED: [CipherSuite; 7] = [
    CipherSuite::MLS_128_DHKEMX25519_AES128GCM_SHA256_ED25519,
    CipherSuite::MLS_128_DHKEMX25519_CHACHA20POLY1305_SHA256_ED25519,
    CipherSuite::MLS_128_DHKEMP256_AES128GCM_SHA256_P256,
    CipherSuite::MLS_256_DHKEMP384_AES256GCM_SHA384_P384,
    CipherSuite::MLS_256_DHKEMP521_AES256GCM_SHA512_P521,
    CipherSuite::MLS_256_DHKEMX448_AES256GCM_SHA512_ED448,
    CipherSuite::MLS_256_DHKEMX448_CHACHA20POLY1305_SHA512_ED448,
];

/// [`SUPPORTED`], then the post-quantum suites of draft-ietf-mls-pq-ciphersuites (feature
/// `pq`, provisional code points).
#[cfg(feature = "pq")]
const SUPPORTED_WITH_PQ: [CipherSuite; SUPPORTED.len() + pq_suites::SUPPORTED.len()] =
    pq_suites::concat(SUPPORTED, pq_suites::SUPPORTED);

/// The RustCrypto provider: suites 0x0001, 0x0002, 0x0003, 0x0005 and 0x0007, 0x0004 and
/// 0x0006 with the feature `curve448` (on by default), and the provisional post-quantum suites
/// with the feature `pq`.
///
/// Stateless and free to construct; randomness comes from the thread-local CSPRNG of `rand`
/// (seeded from the operating system).
#[derive(Debug, Clone, Copy, Default)]
pub struct RustCryptoProvider;

impl RustCryptoProvider {
    /// The provider.
    pub const fn new() -> Self {
        Self
    }
}

impl CryptoProvider for RustCryptoProvider {
    fn suite(&self, cipher_suite: CipherSuite) -> Result<&dyn CipherSuiteProvider, CryptoError> {
        match cipher_suite {
            CipherSuite::MLS_128_DHKEMX25519_AES128GCM_SHA256_ED25519 => Ok(&SUITE_1),
            CipherSuite::MLS_128_DHKEMP256_AES128GCM_SHA256_P256 => Ok(&SUITE_2),
            CipherSuite::MLS_128_DHKEMX25519_CHACHA20POLY1305_SHA256_ED25519 => Ok(&SUITE_3),
            #[cfg(feature = "curve448")]
            CipherSuite::MLS_256_DHKEMX448_AES256GCM_SHA512_ED448 => Ok(&SUITE_4),
            CipherSuite::MLS_256_DHKEMP521_AES256GCM_SHA512_P521 => Ok(&SUITE_5),
            #[cfg(feature = "curve448")]
            CipherSuite::MLS_256_DHKEMX448_CHACHA20POLY1305_SHA512_ED448 => Ok(&SUITE_6),
            CipherSuite::MLS_256_DHKEMP384_AES256GCM_SHA384_P384 => Ok(&SUITE_7),
            #[cfg(feature = "pq")]
            other => pq_suites::suite(other).ok_or(CryptoError::UnsupportedCipherSuite(other)),
            #[cfg(not(feature = "pq"))]
            other => Err(CryptoError::UnsupportedCipherSuite(other)),
        }
    }

    fn supported_suites(&self) -> &[CipherSuite] {
        #[cfg(feature = "pq")]
        return &SUPPORTED_WITH_PQ;
        #[cfg(not(feature = "pq"))]
        &SUPPORTED
    }
}

#[cfg(test)]
#[cfg(feature = "pq")]
mod pq_tests;
#[cfg(test)]
mod tests;
#[cfg(test)]
#[cfg(feature = "curve448")]
mod tests_curve448;
