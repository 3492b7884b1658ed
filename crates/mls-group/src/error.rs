//! The error type of the group engine.

use mls_codec::{CipherSuite, CodecError, ProtocolVersion};
use mls_crypto::CryptoError;

/// Why a group operation failed (RFC 9420 §10-15). A failed operation leaves the group as it
/// was.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum GroupError {
    /// A message or structure is malformed.
    #[error("malformed input: {0}")]
    Codec(#[from] CodecError),
    /// A ratchet tree operation or check failed.
    #[error("ratchet tree: {0}")]
    Tree(#[from] mls_tree::TreeError),
    /// A cryptographic operation failed.
    #[error("cryptographic failure: {0}")]
    Crypto(#[from] CryptoError),
    /// The protocol version is not MLS 1.0.
    #[error("unsupported protocol version {0:?}")]
    UnsupportedVersion(ProtocolVersion),
    /// A structure is for another cipher suite than the group's.
    #[error("cipher suite {found:?} where {expected:?} was expected")]
    CipherSuiteMismatch {
        /// The group's suite.
        expected: CipherSuite,
        /// The suite found.
        found: CipherSuite,
    },
    /// A key package's signature does not verify (§10.1).
    #[error("the key package signature does not verify")]
    InvalidKeyPackageSignature,
    /// A key package's init key equals its leaf's encryption key (§10.1).
    #[error("the key package's init key equals its encryption key")]
    InitKeyIsEncryptionKey,
    /// A leaf node has the wrong leaf_node_source for where it appears (§7.3).
    #[error("the leaf node has the wrong leaf_node_source")]
    InvalidLeafNodeSource,
    /// A leaf node's signature does not verify (§7.3).
    #[error("the leaf node signature does not verify")]
    InvalidLeafNodeSignature,
    /// A leaf node's lifetime does not cover the current time (§7.3).
    #[error("the leaf node's lifetime has expired or not begun")]
    LifetimeExpired,
}
