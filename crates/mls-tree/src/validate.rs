//! Validation of leaf nodes (RFC 9420 §7.2-7.3) and of a received tree (§12.4.3.1).

use std::borrow::Cow;

use mls_codec::{Encode, LeafNode, LeafNodeSource, encode_opaque};
use mls_crypto::{CipherSuiteProvider, CryptoError, Signer, VerifyingKey, labeled};

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
    encode_tbs_location(
        leaf_node.leaf_node_source.source(),
        group_id,
        leaf,
        &mut out,
    )?;
    Ok(out)
}

/// Appends the end of a LeafNodeTBS after the leaf node's fields (RFC 9420 §7.2):
/// `group_id` and `leaf_index` for the `update` and `commit` sources, nothing for
/// `key_package`.
pub(crate) fn encode_tbs_location(
    source: LeafNodeSource,
    group_id: &[u8],
    leaf: LeafIndex,
    out: &mut Vec<u8>,
) -> Result<(), TreeError> {
    match source {
        LeafNodeSource::KeyPackage => {}
        LeafNodeSource::Update | LeafNodeSource::Commit => {
            encode_opaque(group_id, out)?;
            leaf.0.encode(out)?;
        }
    }
    Ok(())
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
    .map_err(|error| leaf_signature_error(error, leaf))
}

/// The largest number of leaf signatures [`RatchetTree::verify_leaf_signatures`] hands to
/// the provider at once. A chunk shares one field inversion among its Ed25519 signatures; past
/// a few dozen the saving per signature no longer grows, while smaller chunks balance the
/// cores better.
pub(crate) const LEAF_SIGNATURE_CHUNK: usize = 64;

/// What verifying one leaf's signature takes (RFC 9420 §7.3): its signature key, its encoded
/// LeafNodeTBS and its signature.
pub(crate) struct LeafSignature<'a> {
    pub(crate) leaf: LeafIndex,
    pub(crate) key: &'a [u8],
    pub(crate) tbs: Cow<'a, [u8]>,
    pub(crate) signature: &'a [u8],
}

impl<'a> LeafSignature<'a> {
    /// The signature of `leaf_node` at `leaf` of group `group_id`, its TBS encoded here.
    fn of_node(
        leaf_node: &'a LeafNode,
        group_id: &[u8],
        leaf: LeafIndex,
    ) -> Result<Self, TreeError> {
        Ok(Self {
            leaf,
            key: &leaf_node.signature_key,
            tbs: Cow::Owned(leaf_node_tbs(leaf_node, group_id, leaf)?),
            signature: &leaf_node.signature,
        })
    }
}

/// Verifies the leaf signatures `signatures` yields, together by
/// [`labeled::verify_with_label_many`]: the error of the first failing leaf, the same as
/// verifying them one by one in order would report. An item that is an error (a TBS that
/// cannot be encoded) fails after the leaves before it.
pub(crate) fn verify_leaf_signature_chunk<'a>(
    suite: &dyn CipherSuiteProvider,
    signatures: impl Iterator<Item = Result<LeafSignature<'a>, TreeError>>,
) -> Result<(), TreeError> {
    let mut chunk = Vec::with_capacity(LEAF_SIGNATURE_CHUNK);
    let mut encode_error = None;
    for signature in signatures {
        match signature {
            Ok(signature) => chunk.push(signature),
            Err(error) => {
                encode_error = Some(error);
                break;
            }
        }
    }
    let keys: Vec<VerifyingKey> = chunk
        .iter()
        .map(|signature| VerifyingKey::unparsed(signature.key))
        .collect();
    let items: Vec<(&VerifyingKey, &[u8], &[u8])> = chunk
        .iter()
        .zip(&keys)
        .map(|(signature, key)| (key, &signature.tbs[..], signature.signature))
        .collect();
    let results = labeled::verify_with_label_many(suite, LEAF_NODE_TBS_LABEL, &items);
    for (signature, result) in chunk.iter().zip(results) {
        result.map_err(|error| leaf_signature_error(error, signature.leaf))?;
    }
    encode_error.map_or(Ok(()), Err)
}

/// The error of the lowest failing item of `items`, checked in chunks by `verify` (each
/// reporting its own first error): with the `parallel` feature on every core, at least two
/// chunks per thread so that small trees spread too.
pub(crate) fn first_chunk_error<T: Sync>(
    items: &[T],
    verify: impl Fn(&[T]) -> Result<(), TreeError> + Sync + Send,
) -> Result<(), TreeError> {
    let verify = |chunk: &[T]| verify(chunk).err();
    #[cfg(feature = "parallel")]
    let first_error = {
        use rayon::prelude::*;
        let chunk = items
            .len()
            .div_ceil(2 * rayon::current_num_threads())
            .clamp(1, LEAF_SIGNATURE_CHUNK);
        items.par_chunks(chunk).find_map_first(verify)
    };
    #[cfg(not(feature = "parallel"))]
    let first_error = items.chunks(LEAF_SIGNATURE_CHUNK).find_map(verify);
    first_error.map_or(Ok(()), Err)
}

/// The error of a leaf signature that does not verify: [`TreeError::InvalidLeafSignature`]
/// for a bad signature or key, the crypto error otherwise.
fn leaf_signature_error(error: CryptoError, leaf: LeafIndex) -> TreeError {
    match error {
        CryptoError::InvalidSignature | CryptoError::InvalidPublicKey => {
            TreeError::InvalidLeafSignature { leaf }
        }
        other => TreeError::Crypto(other),
    }
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
    /// The leaves are verified in chunks of up to 64 with
    /// [`labeled::verify_with_label_many`], so that the provider can share work across a
    /// chunk while still checking every signature on its own. With the `parallel` feature (on
    /// by default) the chunks are checked on every core; either way the error reported is the
    /// one of the lowest failing leaf.
    pub fn verify_leaf_signatures(
        &self,
        suite: &dyn CipherSuiteProvider,
        group_id: &[u8],
    ) -> Result<(), TreeError> {
        let members: Vec<(LeafIndex, &LeafNode)> = self.members().collect();
        first_chunk_error(&members, |chunk| {
            verify_leaf_signature_chunk(
                suite,
                chunk
                    .iter()
                    .map(|&(leaf, node)| LeafSignature::of_node(node, group_id, leaf)),
            )
        })
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
