//! The error type of the key-schedule layer.

use mls_codec::{CipherSuite, CodecError};
use mls_crypto::CryptoError;

use crate::RatchetKind;

/// Why a key-schedule, PSK, transcript-hash or secret-tree operation failed.
///
/// No variant carries secret material: generations, leaf indices and lengths only.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum KeyScheduleError {
    /// A cryptographic operation failed.
    #[error(transparent)]
    Crypto(#[from] CryptoError),
    /// Encoding a structure failed (a field longer than 2^30 - 1 bytes, RFC 9420 §2.1.2).
    #[error(transparent)]
    Codec(#[from] CodecError),
    /// A secret given as input does not have the length the suite requires (`KDF.Nh` for
    /// the init, commit, psk and joiner secrets of RFC 9420 §8).
    #[error("{what} has {actual} bytes, expected {expected}")]
    InvalidSecretLength {
        /// Which secret.
        what: &'static str,
        /// The length required.
        expected: usize,
        /// The length given.
        actual: usize,
    },
    /// A state built for one cipher suite was used with the provider of another.
    #[error("state of cipher suite {expected:?} used with cipher suite {actual:?}")]
    CipherSuiteMismatch {
        /// The suite the state was built for.
        expected: CipherSuite,
        /// The suite of the provider passed in.
        actual: CipherSuite,
    },
    /// More PSKs than the `uint16` count of PSKLabel can express (RFC 9420 §8.4).
    #[error("{count} PSKs exceed the maximum of 65535")]
    TooManyPsks {
        /// The number of PSKs given.
        count: usize,
    },
    /// A transcript hash was asked for content that is not a commit (RFC 9420 §8.2).
    #[error("transcript hashes are only updated by commits")]
    NotACommit,
    /// Commit content without a confirmation tag (RFC 9420 §6.1, §8.2).
    #[error("commit without a confirmation tag")]
    MissingConfirmationTag,
    /// A confirmation tag does not match `MAC(confirmation_key, confirmed_transcript_hash)`
    /// (RFC 9420 §8.1, §12.4.2).
    #[error("invalid confirmation tag")]
    InvalidConfirmationTag,
    /// A leaf index outside the secret tree (RFC 9420 §9).
    #[error("leaf {leaf} is outside a secret tree of {leaf_count} leaves")]
    LeafOutOfRange {
        /// The leaf index asked for.
        leaf: u32,
        /// The number of leaves of the tree.
        leaf_count: u32,
    },
    /// The key of this generation was already used (a replay), or was skipped and then evicted
    /// from the bounded cache of skipped keys; either way it is deleted (RFC 9420 §9.2).
    #[error("{kind:?} key of leaf {leaf} generation {generation} is consumed or expired")]
    GenerationConsumed {
        /// The sender's leaf.
        leaf: u32,
        /// The ratchet.
        kind: RatchetKind,
        /// The generation asked for.
        generation: u32,
    },
    /// A generation further ahead of the ratchet than the forward window allows; nothing was
    /// derived.
    #[error(
        "{kind:?} generation {generation} of leaf {leaf} is more than {max_forward_distance} \
         ahead of the next generation {next_generation}"
    )]
    GenerationTooFarAhead {
        /// The sender's leaf.
        leaf: u32,
        /// The ratchet.
        kind: RatchetKind,
        /// The generation asked for.
        generation: u32,
        /// The ratchet's next unused generation.
        next_generation: u32,
        /// The configured forward window.
        max_forward_distance: u32,
    },
    /// Every generation of a ratchet (up to 2^32 - 1) has been used.
    #[error("the {kind:?} ratchet of leaf {leaf} is exhausted")]
    RatchetExhausted {
        /// The sender's leaf.
        leaf: u32,
        /// The ratchet.
        kind: RatchetKind,
    },
    /// The secret tree lost a secret it needs (an internal inconsistency; never expected).
    #[error("secret tree has no secret on the path of leaf {leaf}")]
    MissingTreeSecret {
        /// The leaf whose path was derived.
        leaf: u32,
    },
}
