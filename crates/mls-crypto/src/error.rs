//! The error type of the crypto layer.

use std::error::Error;
use std::fmt;
use std::sync::Arc;

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
    #[error(transparent)]
    Encoding(#[from] CodecError),
    /// A failure of the provider's own that no other variant describes (a hardware token that
    /// is unplugged, a key store that refused, a remote signer that timed out). Made with
    /// [`CryptoError::other`]; the message of the provider's error is part of this error's
    /// message, and [`ProviderError::downcast_ref`] gives the error back.
    #[error("provider error: {0}")]
    Other(ProviderError),
}

impl CryptoError {
    /// A [`CryptoError::Other`] that carries `error`, a provider's own failure.
    ///
    /// ```
    /// use mls_crypto::CryptoError;
    ///
    /// #[derive(Debug)]
    /// struct TokenRemoved;
    /// impl std::fmt::Display for TokenRemoved {
    ///     fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
    ///         f.write_str("the signing token was removed")
    ///     }
    /// }
    /// impl std::error::Error for TokenRemoved {}
    ///
    /// let error = CryptoError::other(TokenRemoved);
    /// assert_eq!(error.to_string(), "provider error: the signing token was removed");
    /// let CryptoError::Other(inner) = &error else { unreachable!() };
    /// assert!(inner.downcast_ref::<TokenRemoved>().is_some());
    /// ```
    pub fn other(error: impl Error + Send + Sync + 'static) -> Self {
        Self::Other(ProviderError(Arc::new(error)))
    }
}

/// A provider's own error, as [`CryptoError::Other`] carries it.
///
/// It displays as the provider's error does. Its message is in the [`CryptoError`]'s message,
/// so neither this type nor the `CryptoError` reports it again as [`Error::source`]; the
/// provider error's own sources stay reachable from [`ProviderError::get`]. Two values are
/// equal when they are the same error (clones of one [`CryptoError::other`]), not when their
/// messages are.
#[derive(Clone)]
pub struct ProviderError(Arc<dyn Error + Send + Sync>);

impl ProviderError {
    /// The provider's error.
    pub fn get(&self) -> &(dyn Error + Send + Sync + 'static) {
        &*self.0
    }

    /// The provider's error as its own type `E`, if it is one.
    pub fn downcast_ref<E: Error + 'static>(&self) -> Option<&E> {
        self.0.downcast_ref::<E>()
    }
}

impl fmt::Debug for ProviderError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.0, f)
    }
}

impl fmt::Display for ProviderError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&*self.0, f)
    }
}

impl PartialEq for ProviderError {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl Eq for ProviderError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug)]
    struct Unplugged;

    impl fmt::Display for Unplugged {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("token unplugged")
        }
    }

    impl Error for Unplugged {}

    #[test]
    fn other_prints_its_message_once_and_has_no_source() {
        let error = CryptoError::other(Unplugged);
        assert_eq!(error.to_string(), "provider error: token unplugged");
        assert!(error.source().is_none());
        let CryptoError::Other(inner) = &error else {
            panic!("not Other: {error:?}");
        };
        assert!(inner.downcast_ref::<Unplugged>().is_some());
        assert_eq!(inner.get().to_string(), "token unplugged");
        assert_eq!(format!("{error:?}"), "Other(Unplugged)");
    }

    #[test]
    fn other_errors_are_equal_only_to_their_clones() {
        let error = CryptoError::other(Unplugged);
        assert_eq!(error, error.clone());
        assert_ne!(error, CryptoError::other(Unplugged));
        assert_ne!(error, CryptoError::SigningFailed);
    }
}
