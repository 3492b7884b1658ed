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
    /// A key schedule derivation failed (a secret of the wrong length, RFC 9420 §8).
    #[error("key schedule: {0}")]
    KeySchedule(#[from] mls_key_schedule::KeyScheduleError),
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
    /// A Welcome has no EncryptedGroupSecrets for our key package's KeyPackageRef
    /// (§12.4.3.1).
    #[error("the Welcome has no group secrets for our key package")]
    NoWelcomeSecretsForKeyPackage,
    /// The GroupSecrets of a Welcome do not decrypt with our init key (§12.4.3.1).
    #[error("the Welcome's group secrets do not decrypt with our init key")]
    GroupSecretsDecryptionFailed,
    /// The GroupInfo of a Welcome does not decrypt with the welcome key and nonce: a wrong
    /// joiner or psk secret, or a tampered ciphertext (§12.4.3.1).
    #[error("the Welcome's GroupInfo does not decrypt")]
    GroupInfoDecryptionFailed,
    /// A GroupInfo's signature does not verify with the signer's key (§12.4.3).
    #[error("the GroupInfo signature does not verify")]
    InvalidGroupInfoSignature,
    /// A GroupInfo is of another cipher suite than its Welcome or group (§12.4.3.1).
    #[error("GroupInfo of cipher suite {found:?} where {expected:?} was expected")]
    GroupInfoCipherSuiteMismatch {
        /// The suite of the Welcome or group.
        expected: CipherSuite,
        /// The GroupInfo's suite.
        found: CipherSuite,
    },
}
