//! A signature public key decoded once by a provider, for many verifications.

use std::any::Any;
use std::fmt;
use std::sync::Arc;

/// A signature public key (RFC 9420 §5.1.2) as the provider prepared it with
/// [`CipherSuiteProvider::verifying_key`](crate::CipherSuiteProvider::verifying_key): its
/// encoding, and whatever decoded form the provider keeps so as not to decode the key (an
/// elliptic-curve point decompression) for every signature it checks.
///
/// Cheap to clone. A key without a decoded form (made by [`VerifyingKey::unparsed`], or by a
/// provider that keeps none) is verified from its bytes.
#[derive(Clone)]
pub struct VerifyingKey {
    bytes: Vec<u8>,
    decoded: Option<Arc<dyn Any + Send + Sync>>,
}

impl VerifyingKey {
    /// A key known only by its encoding.
    pub fn unparsed(public_key: &[u8]) -> Self {
        Self {
            bytes: public_key.to_vec(),
            decoded: None,
        }
    }

    /// A key with the provider's decoded form of it.
    pub fn with_decoded(public_key: &[u8], decoded: Arc<dyn Any + Send + Sync>) -> Self {
        Self {
            bytes: public_key.to_vec(),
            decoded: Some(decoded),
        }
    }

    /// The encoded public key.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The decoded form, if the provider kept one of type `T`.
    pub fn decoded<T: Any>(&self) -> Option<&T> {
        self.decoded.as_deref()?.downcast_ref()
    }
}

impl fmt::Debug for VerifyingKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VerifyingKey")
            .field("bytes", &self.bytes)
            .field("decoded", &self.decoded.is_some())
            .finish()
    }
}
