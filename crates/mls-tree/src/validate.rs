//! Validation of leaf nodes (RFC 9420 §7.2-7.3) and of a received tree (§12.4.3.1).

use mls_codec::{Encode, LeafNode, LeafNodeSource, LeafNodeSourceData, encode_opaque};
use mls_crypto::{CipherSuiteProvider, CryptoError, Signer, labeled};

use crate::{LeafIndex, NodeIndex, RatchetTree, TreeError};

/// The label of a leaf node signature (RFC 9420 §7.2).
pub const LEAF_NODE_TBS_LABEL: &str = "LeafNodeTBS";

/// The encoded `LeafNodeTBS` of `leaf_node` (RFC 9420 §7.2): every field but the signature,
/// then `group_id` and `leaf_index` when the source is `update` or `commit` (they are ignored
/// for a key package leaf node).
pub fn leaf_node_tbs(
    leaf_node: &LeafNode,
    group_id: &[u8],
    leaf: LeafIndex,
) -> Result<Vec<u8>, TreeError> {
    let mut out = Vec::new();
    leaf_node.encryption_key.encode(&mut out)?;
    leaf_node.signature_key.encode(&mut out)?;
    leaf_node.credential.encode(&mut out)?;
    leaf_node.capabilities.encode(&mut out)?;
    leaf_node.leaf_node_source.encode(&mut out)?;
    leaf_node.extensions.encode(&mut out)?;
    match leaf_node.leaf_node_source {
        LeafNodeSourceData::KeyPackage(_) => {}
        LeafNodeSourceData::Update | LeafNodeSourceData::Commit(_) => {
            encode_opaque(group_id, &mut out)?;
            leaf.0.encode(&mut out)?;
        }
    }
    Ok(out)
}

/// Verifies the signature of `leaf_node`, placed at `leaf` of group `group_id`, with its own
/// signature key (RFC 9420 §7.3): [`TreeError::InvalidLeafSignature`] if it does not verify.
pub fn verify_leaf_node_signature(
    suite: &dyn CipherSuiteProvider,
    leaf_node: &LeafNode,
    group_id: &[u8],
    leaf: LeafIndex,
) -> Result<(), TreeError> {
    let tbs = leaf_node_tbs(leaf_node, group_id, leaf)?;
    labeled::verify_with_label(
        suite,
        &leaf_node.signature_key,
        LEAF_NODE_TBS_LABEL,
        &tbs,
        &leaf_node.signature,
    )
    .map_err(|error| match error {
        CryptoError::InvalidSignature | CryptoError::InvalidPublicKey => {
            TreeError::InvalidLeafSignature { leaf }
        }
        other => TreeError::Crypto(other),
    })
}

/// Signs `leaf_node` for `leaf` of group `group_id` (RFC 9420 §7.2), replacing its signature.
pub fn sign_leaf_node(
    signer: &dyn Signer,
    leaf_node: &mut LeafNode,
    group_id: &[u8],
    leaf: LeafIndex,
) -> Result<(), TreeError> {
    let tbs = leaf_node_tbs(leaf_node, group_id, leaf)?;
    leaf_node.signature = labeled::sign_with_label(signer, LEAF_NODE_TBS_LABEL, &tbs)?.into();
    Ok(())
}

/// Checks that `leaf_node`, meant for `leaf`, has the `leaf_node_source` required where it
/// appears (RFC 9420 §7.3): `key_package` in a KeyPackage, `update` in an Update proposal,
/// `commit` in an UpdatePath.
pub fn check_leaf_node_source(
    leaf_node: &LeafNode,
    leaf: LeafIndex,
    expected: LeafNodeSource,
) -> Result<(), TreeError> {
    let actual = leaf_node.leaf_node_source.source();
    if actual == expected {
        Ok(())
    } else {
        Err(TreeError::WrongLeafNodeSource {
            leaf,
            expected,
            actual,
        })
    }
}

impl RatchetTree {
    /// Verifies the signature of every non-blank leaf (RFC 9420 §7.3), with `group_id` and the
    /// leaf's index in the signed content for the `update` and `commit` sources.
    ///
    /// With the `parallel` feature (on by default) the signatures are checked on every core;
    /// either way the error reported is the one of the lowest failing leaf.
    pub fn verify_leaf_signatures(
        &self,
        suite: &dyn CipherSuiteProvider,
        group_id: &[u8],
    ) -> Result<(), TreeError> {
        let verify = |&(leaf, node): &(LeafIndex, &LeafNode)| {
            verify_leaf_node_signature(suite, node, group_id, leaf).err()
        };
        let members: Vec<(LeafIndex, &LeafNode)> = self.members().collect();
        #[cfg(feature = "parallel")]
        let first_error = {
            use rayon::prelude::*;
            members.par_iter().find_map_first(verify)
        };
        #[cfg(not(feature = "parallel"))]
        let first_error = members.iter().find_map(verify);
        first_error.map_or(Ok(()), Err)
    }

    /// Verifies the unmerged_leaves of every non-blank parent (RFC 9420 §7.1, §12.4.3.1):
    /// strictly increasing; each a non-blank leaf below the parent; and listed as unmerged by
    /// every non-blank node between the leaf and the parent.
    pub fn verify_unmerged_leaves(&self) -> Result<(), TreeError> {
        let parents = || {
            (0..self.leaf_count() - 1).filter_map(|k| {
                let node = NodeIndex(2 * k + 1);
                Some((node, self.parent_node(node)?))
            })
        };
        for (node, parent) in parents() {
            if !parent.unmerged_leaves.is_sorted_by(|a, b| a < b) {
                return Err(TreeError::UnsortedUnmergedLeaves { node });
            }
        }
        for (node, parent) in parents() {
            for &leaf in &parent.unmerged_leaves {
                let leaf = LeafIndex(leaf);
                if self.leaf(leaf).is_none() || !leaf.node().is_in_subtree_of(node) {
                    return Err(TreeError::InvalidUnmergedLeaf { node, leaf });
                }
                let between = self
                    .size()
                    .direct_path(leaf.node())
                    .take_while(|&n| n != node);
                for intermediate in between {
                    if let Some(other) = self.parent_node(intermediate)
                        && other.unmerged_leaves.binary_search(&leaf.0).is_err()
                    {
                        return Err(TreeError::MissingUnmergedLeaf {
                            node,
                            leaf,
                            intermediate,
                        });
                    }
                }
            }
        }
        Ok(())
    }

    /// The checks of a ratchet tree received on join (RFC 9420 §12.4.3.1) that concern the
    /// tree alone: unmerged leaves, parent hashes (§7.9.2) and leaf signatures (§7.3).
    /// Uniqueness of encryption and signature keys holds for every `RatchetTree` by
    /// construction. The caller still checks the tree hash against the GroupContext, the
    /// credentials, capabilities and lifetimes.
    pub fn validate(
        &self,
        suite: &dyn CipherSuiteProvider,
        group_id: &[u8],
    ) -> Result<(), TreeError> {
        self.verify_unmerged_leaves()?;
        self.verify_parent_hashes(suite)?;
        self.verify_leaf_signatures(suite, group_id)
    }
}
