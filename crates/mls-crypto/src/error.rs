//! The error type of the crypto layer.

use mls_codec::{CipherSuite, CodecError};

/// Why a cryptographic operation failed.
///
/// The variants say which check failed but never carry secret material. Verification and
/// decryption failures are deliberately coarse (no "which byte") so that they leak nothing.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CryptoError {
    /// The provider does not implement this cipher suite (RFC 9420 §17.1).
    #[error("unsupported cipher suite {0:?}")]
    UnsupportedCipherSuite(CipherSuite),
    /// A public key (HPKE or signature) is malformed or not on the curve.
    #[error("invalid public key")]
    InvalidPublicKey,
    /// A private key (HPKE or signature) is malformed or out of range.
    #[error("invalid private key")]
    InvalidPrivateKey,
    /// A signature is malformed or does not verify.
    #[error("invalid signature")]
    InvalidSignature,
    /// A MAC does not match (RFC 9420 §6.2, §8.1).
    #[error("invalid MAC")]
    InvalidMac,
    /// AEAD encryption failed (e.g. a plaintext longer than the AEAD allows).
    #[error("AEAD encryption failed")]
    AeadEncryptFailed,
    /// AEAD decryption failed: wrong key, nonce or associated data, or a modified ciphertext.
    #[error("AEAD decryption failed")]
    AeadDecryptFailed,
    /// HPKE encapsulation or encryption failed (RFC 9180 §5.1, §6.1).
    #[error("HPKE seal failed")]
    HpkeSealFailed,
    /// HPKE decapsulation or decryption failed (RFC 9180 §5.1, §6.1).
    #[error("HPKE open failed")]
    HpkeOpenFailed,
    /// An input has the wrong length.
    #[error("invalid length of {what}: expected {expected}, got {actual}")]
    InvalidLength {
        /// What had the wrong length.
        what: &'static str,
        /// The length required.
        expected: usize,
        /// The length given.
        actual: usize,
    },
    /// A KDF was asked for more output than it can produce (255 * Nh for HKDF, or more than a
    /// `uint16` length in ExpandWithLabel).
    #[error("KDF output of {length} bytes is too long")]
    KdfOutputTooLong {
        /// The requested length.
        length: usize,
    },
    /// Signing failed.
    #[error("signing failed")]
    SigningFailed,
    /// The random number generator failed.
    #[error("random number generation failed")]
    RandomFailed,
    /// Encoding a labeled structure failed (a field longer than 2^30 - 1 bytes, §2.1.2).
    #[error("encoding failed: {0}")]
    Encoding(#[from] CodecError),
}
