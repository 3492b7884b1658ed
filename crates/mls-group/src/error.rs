//! The error type of the group engine.

use mls_codec::{CipherSuite, CodecError, ProtocolVersion};
use mls_crypto::CryptoError;

/// Why a group operation failed (RFC 9420 §10-15). A failed operation leaves the group as it
/// was.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum GroupError {
    /// A message or structure is malformed.
    #[error(transparent)]
    Codec(#[from] CodecError),
    /// A ratchet tree operation or check failed.
    #[error(transparent)]
    Tree(#[from] mls_tree::TreeError),
    /// A cryptographic operation failed.
    #[error(transparent)]
    Crypto(#[from] CryptoError),
    /// A key schedule derivation failed (a secret of the wrong length, RFC 9420 §8).
    #[error(transparent)]
    KeySchedule(#[from] mls_key_schedule::KeyScheduleError),
    /// The application's [`crate::CredentialValidator`] refused a credential (§5.3.1): the
    /// message, join or call that carried it had no effect.
    #[error("credential refused ({source_kind:?}{}): {reason}", leaf.map(|l| format!(", leaf {}", l.0)).unwrap_or_default())]
    CredentialRefused {
        /// Where the credential came from.
        source_kind: crate::CredentialSource,
        /// Its leaf, when known.
        leaf: Option<mls_tree::LeafIndex>,
        /// The validator's reason.
        #[source]
        reason: crate::CredentialRefusal,
    },
    /// A signer's signature scheme is not the cipher suite's (§5.1).
    #[error("a signer of {found:?} for a suite that signs with {expected:?}")]
    SignatureSchemeMismatch {
        /// The suite's scheme.
        expected: mls_crypto::SignatureScheme,
        /// The signer's.
        found: mls_crypto::SignatureScheme,
    },
    /// The application's [`crate::ProposalRules`] refused a proposal, sent on its own or in a
    /// commit: the message or call that carried it had no effect.
    #[error("proposal of type {proposal_type:?} from {sender:?} refused: {reason}")]
    ProposalRefused {
        /// Who sent it.
        sender: mls_codec::Sender,
        /// Its type.
        proposal_type: mls_codec::ProposalType,
        /// The rules' reason.
        #[source]
        reason: crate::Refusal,
    },
    /// A commit without an UpdatePath, where [`crate::GroupConfig::require_path`] asks for
    /// one on every commit.
    #[error("the commit has no UpdatePath, which the group's configuration requires")]
    PathRequiredByConfig,
    /// A staged commit was merged into a group no longer in the epoch it was staged in, or
    /// into another group.
    #[error("the staged commit is not for the group's current epoch")]
    StaleStagedCommit,
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
    /// A message could not be protected or unprotected (§6).
    #[error(transparent)]
    Framing(#[from] mls_framing::FramingError),
    /// A message for another group (§12.4.2).
    #[error("the message is for another group")]
    WrongGroup,
    /// A handshake message for another epoch, or an application message for an epoch whose
    /// keys are no longer kept (§12.4.2, §15).
    #[error("the message is for epoch {found}, the group is in epoch {expected}")]
    WrongEpoch {
        /// The group's epoch.
        expected: u64,
        /// The message's epoch.
        found: u64,
    },
    /// An MLSMessage of a wire format that is not expected here.
    #[error("unexpected wire format {0:?}")]
    UnexpectedWireFormat(mls_codec::WireFormat),
    /// A sender type this group does not accept for this message.
    #[error("unsupported sender type {0:?}")]
    UnsupportedSender(mls_codec::SenderType),
    /// A message from a leaf that holds no member (§6.3.2).
    #[error("no member at {0:?}")]
    UnknownSender(mls_tree::LeafIndex),
    /// Content of a type that is not allowed where it appeared.
    #[error("unexpected content")]
    UnexpectedContent,
    /// A message we sent ourselves came back (the delivery service echoes it).
    #[error("the message is our own")]
    OwnMessage,
    /// Our own commit came back: merge it with `merge_pending_commit` instead (§14).
    #[error("the commit is our own: merge the pending commit instead")]
    OwnCommit,
    /// A commit has removed us from the group (§12.1.3): nothing more can be sent in it, and
    /// only application messages of its kept epochs are read.
    #[error("this member has been removed from the group")]
    RemovedFromGroup,
    /// A commit lacks the UpdatePath its proposals require (§12.4.1-12.4.2).
    #[error("the commit needs an UpdatePath")]
    MissingPath,
    /// A commit's or GroupInfo's confirmation tag does not verify (§8.1, §12.4.2).
    #[error("the confirmation tag does not verify")]
    InvalidConfirmationTag,
    /// A commit refers to a proposal that was not received in this epoch (§12.4.2).
    #[error("the commit refers to an unknown proposal")]
    UnknownProposalReference,
    /// A committed Update replaces our leaf with a leaf node we did not propose (§12.1.2).
    #[error("a committed Update of our leaf is not ours")]
    UnknownUpdate,
    /// A PreSharedKeyID names a PSK we do not have (§8.4).
    #[error("unknown pre-shared key")]
    UnknownPsk,
    /// A Welcome without the ratchet_tree extension, and no tree given (§12.4.3.3).
    #[error("no ratchet tree: the Welcome does not carry it and none was given")]
    MissingRatchetTree,
    /// The ratchet tree does not hash to the GroupContext's tree hash (§12.4.3.1).
    #[error("the ratchet tree does not match the group context's tree hash")]
    TreeHashMismatch,
    /// A leaf node of a received ratchet tree fails the checks of RFC 9420 §7.3
    /// (§12.4.3.1): an extension its capabilities do not list, a GroupContext extension or
    /// required capability it does not support, or a credential type in use that it does not
    /// support.
    #[error("the ratchet tree's leaf {leaf:?} is invalid: {reason}")]
    InvalidTreeLeafNode {
        /// The leaf.
        leaf: mls_tree::LeafIndex,
        /// What is wrong with it.
        reason: crate::LeafNodeError,
    },
    /// Our key package's leaf node is not in the tree of the Welcome (§12.4.3.1).
    #[error("our leaf node is not in the group's tree")]
    NotInTree,
    /// A Welcome for none of our key packages.
    #[error("the Welcome is for none of our key packages")]
    NoMatchingKeyPackage,
    /// A commit of ours is pending: merge or clear it first (§14, §15).
    #[error("a commit of ours is pending")]
    PendingCommit,
    /// There is no pending commit to merge.
    #[error("there is no pending commit")]
    NoPendingCommit,
    /// A broken internal invariant; a bug, never the peer's fault.
    #[error("internal error: {0}")]
    Internal(&'static str),
    /// A key package is invalid on its own (§10.1).
    #[error(transparent)]
    KeyPackage(#[from] crate::key_package::KeyPackageError),
    /// A proposal, or the list of proposals of a commit, is invalid (§12.1, §12.2,
    /// §12.4.3.2).
    #[error(transparent)]
    Proposal(#[from] crate::proposals::ProposalError),
    /// A custom proposal (§13) of a default type (1-7), whose body is structured: use the
    /// proposal's own method.
    #[error("{0:?} is a default proposal type, not a custom one")]
    NotACustomProposalType(mls_codec::ProposalType),
    /// The group is in the last epoch a uint64 can number: no commit can follow (§8.1).
    #[error("the epoch counter is exhausted")]
    EpochExhausted,
    /// A PublicMessage from `external` sender `index`, which the group's `external_senders`
    /// extension does not list (§12.1.8.1).
    #[error("no external sender {index} in the group's external_senders extension")]
    UnknownExternalSender {
        /// The sender_index of the message.
        index: u32,
    },
    /// The group committed a ReInit and is frozen: nothing more is sent or accepted in it
    /// (§11.2, §12.1.5).
    #[error("the group has been reinitialized: use the new group")]
    GroupReinitialized,
    /// The operation needs a group whose last commit was a ReInit (§11.2).
    #[error("the group's last commit was not a ReInit")]
    NotReinitialized,
    /// A Welcome with a resumption PSK of usage reinit or branch whose new group does not
    /// match the old group or the ReInit (§11.2, §11.3, §12.4.3.1).
    #[error("the new group does not match its {0}")]
    ResumptionMismatch(&'static str),
    /// A GroupInfo for an external join without the `external_pub` extension (§12.4.3.2).
    #[error("the GroupInfo has no external_pub extension")]
    MissingExternalPub,
    /// An external commit includes a proposal by reference (§12.4.3.2: only by value).
    #[error("an external commit includes a proposal by reference")]
    ExternalCommitProposalByReference,
    /// The Remove of a resync external commit names a member whose credential is not the
    /// joiner's (§12.2, §12.4.3.2: the joiner removes only an old version of itself).
    #[error("the resync external commit removes {leaf:?}, whose credential is not the joiner's")]
    ResyncCredentialMismatch {
        /// The removed leaf.
        leaf: mls_tree::LeafIndex,
    },
    /// The storage backend failed; nothing was written.
    #[error(transparent)]
    Storage(#[from] mls_storage::StorageError),
    /// A stored record failed its check: changed, truncated, moved to another key, or sealed
    /// under another at-rest key.
    #[error("corrupted {record} record: {reason}")]
    CorruptRecord {
        /// What the record holds.
        record: &'static str,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A stored record in a format this release does not know (written by a later one).
    #[error("{record} record in format {found}; this release reads format {supported}")]
    UnsupportedRecordFormat {
        /// What the record holds.
        record: &'static str,
        /// Its format.
        found: u16,
        /// The format this release reads.
        supported: u16,
    },
    /// [`crate::Client::open`] found no client in the store.
    #[error("no client in the store")]
    ClientNotStored,
    /// [`crate::Group::open`] found no group of that id in the store.
    #[error("no group of that id in the store")]
    GroupNotStored,
    /// Bytes given to `Group::load` that are not a consistent saved group.
    #[error("invalid saved group state: {0}")]
    InvalidSavedState(&'static str),
    /// A cached proposal the application declined with `Group::clear_proposals`, left out of
    /// our commit (RFC 9420 §12.2).
    #[error("the application declined the proposal")]
    ProposalDeclined,
    /// A proposal that is already cached in this epoch (a replayed PublicMessage, §12.4).
    #[error("the proposal was already received in this epoch")]
    DuplicateProposal,
    /// A key package given to `Client::add_key_package` whose leaf carries another signature
    /// key than the client's (RFC 9420 §10).
    #[error("the key package is signed with another signature key than the client's")]
    KeyPackageSignerMismatch,
}
