//! The post-quantum suites of draft-ietf-mls-pq-ciphersuites (feature `pq`), with the
//! PROVISIONAL code points of `mls_crypto::CipherSuiteParams::provisional`.
//!
//! The KEMs are the `hpke` crate's (its feature `mlkem`): X-Wing (KEM id 0x647a), ML-KEM-768
//! (0x0041), ML-KEM-1024 (0x0042) and the hybrids ML-KEM-768 + P-256 (0x0050) and ML-KEM-1024 +
//! P-384 (0x0051), driven by the same generic HPKE code as the DHKEMs. DeriveKeyPair is the
//! KEM's own (`hpke::Kem::derive_keypair`: SHAKE256 LabeledDerive of draft-ietf-hpke-pq), and a
//! private key is the seed the `hpke` crate serializes (64 bytes for ML-KEM, 32 for X-Wing and
//! the hybrids), so the KEM output (`Nenc`) differs from the public key length (`Npk`).
//! The signature schemes are Ed25519, ECDSA and ML-DSA ([`crate::ml_dsa`]).

use aes_gcm::{Aes128Gcm, Aes256Gcm};
use chacha20poly1305::ChaCha20Poly1305;
use hpke::aead::{AesGcm128, AesGcm256, ChaCha20Poly1305 as HpkeChaCha};
use hpke::kdf::{HkdfSha256, HkdfSha384};
use hpke::kem::{MlKem768, MlKem768P256, MlKem1024, MlKem1024P384, XWing};
use mls_crypto::{CipherSuite, CipherSuiteProvider};
use sha2::{Sha256, Sha384};

use crate::ml_dsa::{MlDsa44, MlDsa65, MlDsa87};
use crate::params;
use crate::primitives::{Hpke, RcAead, Sha};
use crate::signature::{EcdsaP256, EcdsaP384, Ed25519};
use crate::suite::Suite;

/// A suite with the hash and HPKE KDF `SHA-256` or `SHA-384`.
type Sha256Suite<A, HA, K, S> = Suite<Sha<Sha256>, RcAead<A>, Hpke<K, HkdfSha256, HA>, S>;
type Sha384Suite<A, HA, K, S> = Suite<Sha<Sha384>, RcAead<A>, Hpke<K, HkdfSha384, HA>, S>;

/// TBD1: X-Wing, HKDF-SHA256, AES-128-GCM, Ed25519.
static TBD1: Sha256Suite<Aes128Gcm, AesGcm128, XWing, Ed25519> = Suite::new(params(
    CipherSuite::MLS_128_MLKEM768X25519_AES128GCM_SHA256_ED25519,
));
/// TBD2: X-Wing, HKDF-SHA384, AES-256-GCM, Ed25519.
static TBD2: Sha384Suite<Aes256Gcm, AesGcm256, XWing, Ed25519> = Suite::new(params(
    CipherSuite::MLS_128_MLKEM768X25519_AES256GCM_SHA384_ED25519,
));
/// TBD3: ML-KEM-768 + P-256, HKDF-SHA256, AES-128-GCM, ECDSA P-256.
static TBD3: Sha256Suite<Aes128Gcm, AesGcm128, MlKem768P256, EcdsaP256> = Suite::new(params(
    CipherSuite::MLS_128_MLKEM768P256_AES128GCM_SHA256_P256,
));
/// TBD4: ML-KEM-768 + P-256, HKDF-SHA384, AES-256-GCM, ECDSA P-256.
static TBD4: Sha384Suite<Aes256Gcm, AesGcm256, MlKem768P256, EcdsaP256> = Suite::new(params(
    CipherSuite::MLS_128_MLKEM768P256_AES256GCM_SHA384_P256,
));
/// TBD5: ML-KEM-1024 + P-384, HKDF-SHA384, AES-256-GCM, ECDSA P-384.
static TBD5: Sha384Suite<Aes256Gcm, AesGcm256, MlKem1024P384, EcdsaP384> = Suite::new(params(
    CipherSuite::MLS_192_MLKEM1024P384_AES256GCM_SHA384_P384,
));
/// TBD6: ML-KEM-768, HKDF-SHA384, AES-256-GCM, Ed25519.
static TBD6: Sha384Suite<Aes256Gcm, AesGcm256, MlKem768, Ed25519> = Suite::new(params(
    CipherSuite::MLS_128_MLKEM768_AES256GCM_SHA384_ED25519,
));
/// TBD7: ML-KEM-768, HKDF-SHA384, AES-256-GCM, ECDSA P-256.
static TBD7: Sha384Suite<Aes256Gcm, AesGcm256, MlKem768, EcdsaP256> =
    Suite::new(params(CipherSuite::MLS_128_MLKEM768_AES256GCM_SHA384_P256));
/// TBD8: ML-KEM-1024, HKDF-SHA384, AES-256-GCM, ECDSA P-384.
static TBD8: Sha384Suite<Aes256Gcm, AesGcm256, MlKem1024, EcdsaP384> =
    Suite::new(params(CipherSuite::MLS_192_MLKEM1024_AES256GCM_SHA384_P384));
/// TBD9: X-Wing, HKDF-SHA384, ChaCha20Poly1305, ML-DSA-44.
static TBD9: Sha384Suite<ChaCha20Poly1305, HpkeChaCha, XWing, MlDsa44> = Suite::new(params(
    CipherSuite::MLS_128_MLKEM768X25519_CHACHA20POLY1305_SHA384_MLDSA44,
));
/// TBD10: ML-KEM-768, HKDF-SHA384, AES-256-GCM, ML-DSA-65.
static TBD10: Sha384Suite<Aes256Gcm, AesGcm256, MlKem768, MlDsa65> = Suite::new(params(
    CipherSuite::MLS_192_MLKEM768_AES256GCM_SHA384_MLDSA65,
));
/// TBD11: ML-KEM-1024, HKDF-SHA384, AES-256-GCM, ML-DSA-87.
static TBD11: Sha384Suite<Aes256Gcm, AesGcm256, MlKem1024, MlDsa87> = Suite::new(params(
    CipherSuite::MLS_256_MLKEM1024_AES256GCM_SHA384_MLDSA87,
));

/// The post-quantum suites this provider implements, in the draft's order (TBD1 to TBD11);
/// the provider lists them after the suites of RFC 9420.
pub(crate) const SUPPORTED: [CipherSuite; 11] = [
    CipherSuite::MLS_128_MLKEM768X25519_AES128GCM_SHA256_ED25519,
    CipherSuite::MLS_128_MLKEM768X25519_AES256GCM_SHA384_ED25519,
    CipherSuite::MLS_128_MLKEM768P256_AES128GCM_SHA256_P256,
    CipherSuite::MLS_128_MLKEM768P256_AES256GCM_SHA384_P256,
    CipherSuite::MLS_192_MLKEM1024P384_AES256GCM_SHA384_P384,
    CipherSuite::MLS_128_MLKEM768_AES256GCM_SHA384_ED25519,
    CipherSuite::MLS_128_MLKEM768_AES256GCM_SHA384_P256,
    CipherSuite::MLS_192_MLKEM1024_AES256GCM_SHA384_P384,
    CipherSuite::MLS_128_MLKEM768X25519_CHACHA20POLY1305_SHA384_MLDSA44,
    CipherSuite::MLS_192_MLKEM768_AES256GCM_SHA384_MLDSA65,
    CipherSuite::MLS_256_MLKEM1024_AES256GCM_SHA384_MLDSA87,
];

/// The post-quantum suite `cipher_suite`, `None` if it is not one.
pub(crate) fn suite(cipher_suite: CipherSuite) -> Option<&'static dyn CipherSuiteProvider> {
    Some(match cipher_suite {
        CipherSuite::MLS_128_MLKEM768X25519_AES128GCM_SHA256_ED25519 => &TBD1,
        CipherSuite::MLS_128_MLKEM768X25519_AES256GCM_SHA384_ED25519 => &TBD2,
        CipherSuite::MLS_128_MLKEM768P256_AES128GCM_SHA256_P256 => &TBD3,
        CipherSuite::MLS_128_MLKEM768P256_AES256GCM_SHA384_P256 => &TBD4,
        CipherSuite::MLS_192_MLKEM1024P384_AES256GCM_SHA384_P384 => &TBD5,
        CipherSuite::MLS_128_MLKEM768_AES256GCM_SHA384_ED25519 => &TBD6,
        CipherSuite::MLS_128_MLKEM768_AES256GCM_SHA384_P256 => &TBD7,
        CipherSuite::MLS_192_MLKEM1024_AES256GCM_SHA384_P384 => &TBD8,
        CipherSuite::MLS_128_MLKEM768X25519_CHACHA20POLY1305_SHA384_MLDSA44 => &TBD9,
        CipherSuite::MLS_192_MLKEM768_AES256GCM_SHA384_MLDSA65 => &TBD10,
        CipherSuite::MLS_256_MLKEM1024_AES256GCM_SHA384_MLDSA87 => &TBD11,
        _ => return None,
    })
}

/// `first` followed by `second`, in a constant expression (`N` must be `A + B`).
pub(crate) const fn concat<const A: usize, const B: usize, const N: usize>(
    first: [CipherSuite; A],
    second: [CipherSuite; B],
) -> [CipherSuite; N] {
    assert!(A + B == N, "the lengths of the two lists must add up");
    let mut out = [CipherSuite(0); N];
    let mut i = 0;
    while i < A {
        out[i] = first[i];
        i += 1;
    }
    while i < N {
        out[i] = second[i - A];
        i += 1;
    }
    out
}
