//! The error type of the ratchet tree.

use mls_codec::{CodecError, LeafNodeSource};
use mls_crypto::CryptoError;

use crate::{LeafIndex, NodeIndex};

/// Why a ratchet tree could not be built, changed or validated.
///
/// Every operation that returns this error leaves the tree exactly as it was.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TreeError {
    /// A value could not be encoded or decoded.
    #[error(transparent)]
    Codec(#[from] CodecError),
    /// A cryptographic operation failed.
    #[error(transparent)]
    Crypto(#[from] CryptoError),
    /// A received ratchet tree has no nodes (RFC 9420 §12.4.3.3).
    #[error("the ratchet tree has no nodes")]
    EmptyTree,
    /// A received ratchet tree ends in a blank node (RFC 9420 §12.4.3.3).
    #[error("the ratchet tree ends in a blank node")]
    TrailingBlankNode,
    /// A received ratchet tree has more nodes than a tree of 2^30 leaves.
    #[error("the ratchet tree has too many nodes ({count})")]
    TooManyNodes {
        /// The number of nodes received.
        count: usize,
    },
    /// A received ratchet tree is wider than the bound the receiver set (the
    /// `max_leaves` of [`crate::low_level::decode_verifying_leaves`]), found before
    /// more nodes than the bound allows were read.
    #[error("the ratchet tree has more than {max_leaves} leaves, the bound set for received trees")]
    TooManyLeaves {
        /// The bound.
        max_leaves: u32,
    },
    /// A leaf position holds a parent node or a parent position holds a leaf node.
    #[error("{node:?} holds a node of the wrong type")]
    WrongNodeType {
        /// The node.
        node: NodeIndex,
    },
    /// A leaf index lies outside the tree.
    #[error("{leaf:?} lies outside the tree")]
    LeafOutOfRange {
        /// The leaf.
        leaf: LeafIndex,
    },
    /// A node index lies outside the tree.
    #[error("{node:?} lies outside the tree")]
    NodeOutOfRange {
        /// The node.
        node: NodeIndex,
    },
    /// The operation needs a member at this leaf, but the leaf is blank.
    #[error("{leaf:?} is blank")]
    BlankLeaf {
        /// The leaf.
        leaf: LeafIndex,
    },
    /// [`crate::low_level::TreeTransactions::begin_changes`] was called while changes were being recorded.
    #[error("the tree is already recording changes")]
    AlreadyRecording,
    /// Stashed changes do not fit the tree they are applied to (e.g. a corrupted saved state).
    #[error("the changes do not fit the tree")]
    InvalidChanges,
    /// The tree already has 2^30 leaves and cannot be extended.
    #[error("the tree is full")]
    TreeFull,
    /// An encryption key appears in two nodes of the tree (RFC 9420 §7.3, §12.4.3.1, §16.7).
    #[error("the encryption key of {node:?} already appears in {existing:?}")]
    DuplicateEncryptionKey {
        /// The node whose key was new (or later in the tree).
        node: NodeIndex,
        /// The node that already holds the key.
        existing: NodeIndex,
    },
    /// A signature key appears in two leaves of the tree (RFC 9420 §7.3, §16.7).
    #[error("the signature key of {leaf:?} already appears in {existing:?}")]
    DuplicateSignatureKey {
        /// The leaf whose key was new (or later in the tree).
        leaf: LeafIndex,
        /// The leaf that already holds the key.
        existing: LeafIndex,
    },
    /// A non-blank parent node is not parent-hash valid (RFC 9420 §7.9.2): no descendant
    /// chains to it, or more than one does.
    #[error("{node:?} is not parent-hash valid ({chains} descendants chain to it)")]
    InvalidParentHash {
        /// The parent node.
        node: NodeIndex,
        /// How many descendants are parent-hash valid with respect to it (valid: exactly one).
        chains: usize,
    },
    /// A leaf node's signature does not verify (RFC 9420 §7.2, §7.3).
    #[error("the signature of {leaf:?} does not verify")]
    InvalidLeafSignature {
        /// The leaf.
        leaf: LeafIndex,
    },
    /// A leaf node has the wrong `leaf_node_source` for where it appears (RFC 9420 §7.3).
    #[error("{leaf:?} has leaf_node_source {actual:?}, expected {expected:?}")]
    WrongLeafNodeSource {
        /// The leaf the node is for.
        leaf: LeafIndex,
        /// The source required here.
        expected: LeafNodeSource,
        /// The source the node has.
        actual: LeafNodeSource,
    },
    /// A parent's unmerged_leaves are not strictly increasing (RFC 9420 §7.1).
    #[error("the unmerged leaves of {node:?} are not strictly increasing")]
    UnsortedUnmergedLeaves {
        /// The parent node.
        node: NodeIndex,
    },
    /// An unmerged leaf is blank, outside the tree or not below its parent
    /// (RFC 9420 §12.4.3.1).
    #[error("{node:?} lists {leaf:?} as unmerged, which is not a non-blank leaf below it")]
    InvalidUnmergedLeaf {
        /// The parent node.
        node: NodeIndex,
        /// The unmerged leaf.
        leaf: LeafIndex,
    },
    /// A non-blank node between an unmerged leaf and its parent does not list the leaf as
    /// unmerged too (RFC 9420 §12.4.3.1).
    #[error("{intermediate:?} lies between {leaf:?} and {node:?} but does not list it as unmerged")]
    MissingUnmergedLeaf {
        /// The parent node that lists the leaf.
        node: NodeIndex,
        /// The unmerged leaf.
        leaf: LeafIndex,
        /// The non-blank node in between that does not list it.
        intermediate: NodeIndex,
    },
    /// An UpdatePath has a different number of nodes than the sender's filtered direct path
    /// (RFC 9420 §7.6).
    #[error("the update path has {actual} nodes, the filtered direct path {expected}")]
    PathLengthMismatch {
        /// The length of the filtered direct path.
        expected: usize,
        /// The number of nodes in the UpdatePath.
        actual: usize,
    },
    /// An UpdatePath node has a different number of ciphertexts than the resolution of its
    /// copath child (RFC 9420 §7.6).
    #[error("{node:?} has {actual} encrypted path secrets for a resolution of {expected}")]
    CiphertextCountMismatch {
        /// The node of the filtered direct path.
        node: NodeIndex,
        /// The size of the copath child's resolution, new members excluded.
        expected: usize,
        /// The number of ciphertexts.
        actual: usize,
    },
    /// The parent_hash of the committer's new leaf node does not match the parent hash
    /// computed from the UpdatePath (RFC 9420 §7.9.2).
    #[error("the parent hash of the committer's {leaf:?} does not match its update path")]
    InvalidLeafParentHash {
        /// The committer's leaf.
        leaf: LeafIndex,
    },
    /// A public key derived from a path secret does not match the one in the UpdatePath or
    /// in the tree (RFC 9420 §7.5, §12.4.3.1).
    #[error("the public key derived for {node:?} does not match the tree")]
    PublicKeyMismatch {
        /// The node.
        node: NodeIndex,
    },
    /// The receiver has no private key for any node it could decrypt the path secret with
    /// (RFC 9420 §7.5).
    #[error("no private key to decrypt the path secret of {node:?}")]
    NoDecryptionKey {
        /// The node of the filtered direct path whose secret was to be decrypted.
        node: NodeIndex,
    },
    /// The receiver's own leaf is the sender's, or is not a member of the tree.
    #[error("{leaf:?} cannot receive this update path")]
    InvalidReceiver {
        /// The receiver's leaf.
        leaf: LeafIndex,
    },
}
