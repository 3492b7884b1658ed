//! The ratchet tree of Messaging Layer Security (RFC 9420 §4 and §7).
//!
//! [`RatchetTree`] is the array of nodes of §4 and Appendix C, indexed by [`NodeIndex`]: it
//! decodes from and encodes to the `ratchet_tree` extension (§12.4.3.3), applies the tree
//! effect of Add, Update and Remove proposals (§12.1.1-12.1.3, §7.7), computes resolutions
//! (§4.1.1), tree hashes (§7.8, cached per node) and parent hashes (§7.9), and validates a
//! received tree (§7.9.2, §12.4.3.1).
//!
//! ```
//! use mls_codec::{Capabilities, Credential, LeafNode, LeafNodeSourceData, Lifetime, VarBytes};
//! use mls_crypto::CryptoProvider;
//! use mls_crypto_rustcrypto::RustCryptoProvider;
//! use mls_tree::{LeafIndex, NodeIndex, RatchetTree, TreeSize};
//!
//! let size = TreeSize::for_leaves(5).expect("within 2^30 leaves");
//! assert_eq!(size.leaf_count(), 8);
//! let path: Vec<NodeIndex> = size.direct_path(LeafIndex(2).node()).collect();
//! assert_eq!(path, [NodeIndex(5), NodeIndex(3), NodeIndex(7)]);
//!
//! let leaf = |name: &str| LeafNode {
//!     encryption_key: VarBytes::from(format!("{name} encryption key").into_bytes()),
//!     signature_key: VarBytes::from(format!("{name} signature key").into_bytes()),
//!     credential: Credential::Basic { identity: VarBytes::from(name.as_bytes()) },
//!     capabilities: Capabilities {
//!         versions: vec![], cipher_suites: vec![], extensions: vec![], proposals: vec![],
//!         credentials: vec![],
//!     },
//!     leaf_node_source: LeafNodeSourceData::KeyPackage(Lifetime { not_before: 0, not_after: 1 }),
//!     extensions: vec![],
//!     signature: VarBytes::default(),
//! };
//! let mut tree = RatchetTree::new(leaf("alice"));
//! assert_eq!(tree.add_leaf(leaf("bob"))?, LeafIndex(1));
//! assert_eq!(tree.add_leaf(leaf("carol"))?, LeafIndex(2)); // doubles the tree
//! assert_eq!(tree.leaf_count(), 4);
//! assert_eq!(tree.resolution(tree.root())?, [NodeIndex(0), NodeIndex(2), NodeIndex(4)]);
//!
//! let provider = RustCryptoProvider::new();
//! let suite = provider.suite(mls_codec::CipherSuite(1))?;
//! let before = tree.tree_hash(suite)?;
//! tree.remove_leaf(LeafIndex(2))?; // truncates back to two leaves
//! assert_eq!(tree.leaf_count(), 2);
//! assert_ne!(tree.tree_hash(suite)?, before);
//!
//! // The tree round-trips through the ratchet_tree extension.
//! let bytes = mls_codec::Encode::to_bytes(&tree)?;
//! assert_eq!(RatchetTree::from_bytes(&bytes)?.tree_hash(suite)?, tree.tree_hash(suite)?);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![forbid(unsafe_code)]

mod census;
mod changed_nodes;
mod changes;
mod error;
mod hash;
pub mod low_level;
mod received;
#[cfg(test)]
mod tests;
mod tree;
mod treekem;
#[cfg(test)]
mod treekem_tests;
mod validate;

pub use error::TreeError;
pub use mls_codec::tree_math::{LeafIndex, MAX_LEAVES, NodeIndex, TreeSize};
pub use received::DEFAULT_MAX_LEAVES;
pub use tree::{NodeRef, RatchetTree};
pub use treekem::{
    GeneratedPath, ReceivedPath, TreePrivateKeys, UPDATE_PATH_NODE_LABEL, next_path_secret,
    node_key_pair,
};
pub use validate::{
    LEAF_NODE_TBS_LABEL, check_leaf_node_source, leaf_node_tbs, sign_leaf_node,
    verify_leaf_node_signature,
};
