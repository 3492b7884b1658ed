//! Tree hashes (RFC 9420 §7.8) with a per-node cache, and parent hashes (§7.9) with their
//! verification on join (§7.9.2).

use std::borrow::Cow;
use std::fmt;
use std::sync::OnceLock;

use mls_codec::{CipherSuite, Encode, NodeType, ParentNode, encode_opaque, encode_vector};
use mls_crypto::CipherSuiteProvider;

use crate::tree::NodeRef;
use crate::{LeafIndex, NodeIndex, RatchetTree, TreeError, TreeSize};

/// The cached tree hash of every parent node, for one cipher suite.
///
/// Entry `i` is either empty or the tree hash of parent node `2i + 1`, where nodes outside the
/// current tree count as blank: the tree hash of a node depends only on its subtree, so the entries of
/// a right half dropped by truncation stay valid (as blank subtrees) for a later extension.
/// Every change to a node empties its entry and those of its ancestors.
///
/// Leaves are not cached: a leaf's hash is one hash of its leaf node, recomputed when its
/// parent's is (once per commit on the committer's copath), and leaving them out halves the
/// memory of a large tree, which a received tree of mostly blank nodes makes matter (a blank
/// node is one byte on the wire).
#[derive(Clone, Default)]
pub(crate) struct HashCache {
    suite: OnceLock<CipherSuite>,
    parents: Vec<OnceLock<Box<[u8]>>>,
}

impl fmt::Debug for HashCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let cached = self.parents.iter().filter(|n| n.get().is_some()).count();
        write!(f, "HashCache({cached} of {} cached)", self.parents.len())
    }
}

impl HashCache {
    /// Empties the entries of `node` and of its direct path in a tree of `size`, and makes
    /// room for every parent node of such a tree.
    pub(crate) fn invalidate_path(&mut self, node: NodeIndex, size: TreeSize) {
        let needed = size.leaf_count() as usize - 1;
        if self.parents.len() < needed {
            self.parents.resize_with(needed, OnceLock::new);
        }
        for n in std::iter::once(node).chain(size.direct_path(node)) {
            if let Some(cell) = Self::slot(n).and_then(|slot| self.parents.get_mut(slot)) {
                cell.take();
            }
        }
    }

    /// The entry of `node`, if it is a parent node.
    fn slot(node: NodeIndex) -> Option<usize> {
        node.leaf().is_none().then_some((node.0 >> 1) as usize)
    }

    /// The cache cell of `node`, if it is a parent node and the cache holds hashes of
    /// `suite`'s hash function.
    fn cell(
        &self,
        suite: &dyn CipherSuiteProvider,
        node: NodeIndex,
    ) -> Option<&OnceLock<Box<[u8]>>> {
        let slot = Self::slot(node)?;
        let cached_suite = *self.suite.get_or_init(|| suite.cipher_suite());
        if cached_suite != suite.cipher_suite() {
            return None;
        }
        self.parents.get(slot)
    }

    /// The cached hash of the parent node `node`, if any (for tests).
    #[cfg(test)]
    pub(crate) fn get(&self, node: NodeIndex) -> Option<&[u8]> {
        self.parents
            .get(Self::slot(node)?)?
            .get()
            .map(|hash| &**hash)
    }
}

/// The leaves of the subtree of `node`, as a half-open range of leaf indices.
fn leaf_range(node: NodeIndex) -> (u64, u64) {
    let width = 1u64 << node.level();
    let first = (u64::from(node.0) + 1 - width) >> 1;
    (first, first + width)
}

/// The entries of the sorted list `excluded` that lie below `node`.
fn excluded_below(excluded: &[u32], node: NodeIndex) -> &[u32] {
    let (first, end) = leaf_range(node);
    let start = excluded.partition_point(|&leaf| u64::from(leaf) < first);
    let stop = excluded.partition_point(|&leaf| u64::from(leaf) < end);
    excluded.get(start..stop).unwrap_or(&[])
}

/// Appends a `ParentNode` whose unmerged leaves lack the (sorted) `excluded` ones.
fn encode_parent_without(
    parent: &ParentNode,
    excluded: &[u32],
    out: &mut Vec<u8>,
) -> Result<(), TreeError> {
    if excluded.is_empty() {
        parent.encode(out)?;
        return Ok(());
    }
    parent.encryption_key.encode(out)?;
    parent.parent_hash.encode(out)?;
    encode_vector(out, |out| {
        parent
            .unmerged_leaves
            .iter()
            .filter(|leaf| excluded.binary_search(leaf).is_err())
            .try_for_each(|leaf| leaf.encode(out))
    })?;
    Ok(())
}

impl RatchetTree {
    /// The tree hash of the whole tree: the tree hash of the root (RFC 9420 §7.8).
    ///
    /// Hashes are cached per node; after a change only the changed paths are rehashed.
    pub fn tree_hash(&self, suite: &dyn CipherSuiteProvider) -> Result<Vec<u8>, TreeError> {
        self.node_tree_hash(suite, self.root())
    }

    /// The tree hash of the subtree under `node` (RFC 9420 §7.8).
    pub fn node_tree_hash(
        &self,
        suite: &dyn CipherSuiteProvider,
        node: NodeIndex,
    ) -> Result<Vec<u8>, TreeError> {
        if !self.size().contains(node) {
            return Err(TreeError::NodeOutOfRange { node });
        }
        Ok(self.hash_of(suite, node, &[])?.into_owned())
    }

    /// The tree hash of `node` with the sorted leaves `excluded` blanked and removed from
    /// every unmerged_leaves list (the "original" tree hash of §7.9). Uses and fills the cache
    /// for subtrees that hold no excluded leaf. Recursion depth is the tree height.
    fn hash_of<'a>(
        &'a self,
        suite: &dyn CipherSuiteProvider,
        node: NodeIndex,
        excluded: &[u32],
    ) -> Result<Cow<'a, [u8]>, TreeError> {
        let excluded = excluded_below(excluded, node);
        if excluded.is_empty()
            && let Some(cell) = self.hashes.cell(suite, node)
        {
            if let Some(hash) = cell.get() {
                return Ok(Cow::Borrowed(hash));
            }
            let hash = self.compute_hash(suite, node, excluded)?.into_boxed_slice();
            return Ok(Cow::Borrowed(cell.get_or_init(|| hash)));
        }
        Ok(Cow::Owned(self.compute_hash(suite, node, excluded)?))
    }

    /// Hashes the `TreeHashInput` of `node` (RFC 9420 §7.8), encoded directly from the tree.
    fn compute_hash(
        &self,
        suite: &dyn CipherSuiteProvider,
        node: NodeIndex,
        excluded: &[u32],
    ) -> Result<Vec<u8>, TreeError> {
        let mut input = Vec::new();
        match (node.leaf(), node.left(), node.right()) {
            (Some(leaf), _, _) => {
                NodeType::Leaf.encode(&mut input)?;
                leaf.0.encode(&mut input)?;
                match self.leaf(leaf).filter(|_| excluded.is_empty()) {
                    None => input.push(0),
                    Some(leaf_node) => {
                        input.push(1);
                        leaf_node.encode(&mut input)?;
                    }
                }
            }
            (None, Some(left), Some(right)) => {
                let left_hash = self.hash_of(suite, left, excluded)?;
                let right_hash = self.hash_of(suite, right, excluded)?;
                NodeType::Parent.encode(&mut input)?;
                match self.parent_node(node) {
                    None => input.push(0),
                    Some(parent) => {
                        input.push(1);
                        encode_parent_without(parent, excluded, &mut input)?;
                    }
                }
                encode_opaque(&left_hash, &mut input)?;
                encode_opaque(&right_hash, &mut input)?;
            }
            _ => return Err(TreeError::NodeOutOfRange { node }),
        }
        Ok(suite.hash(&input))
    }

    /// The parent hash of the parent node `parent` with copath child `copath_child`
    /// (RFC 9420 §7.9): the hash of its `ParentHashInput`, whose original sibling tree hash is
    /// the tree hash of the copath child with `parent`'s unmerged leaves blanked.
    pub fn parent_hash(
        &self,
        suite: &dyn CipherSuiteProvider,
        parent: NodeIndex,
        copath_child: NodeIndex,
    ) -> Result<Vec<u8>, TreeError> {
        let node = self
            .parent_node(parent)
            .ok_or(TreeError::NodeOutOfRange { node: parent })?;
        if copath_child.parent(self.size()) != Some(parent) {
            return Err(TreeError::NodeOutOfRange { node: copath_child });
        }
        let mut unmerged = node.unmerged_leaves.clone();
        unmerged.sort_unstable();
        let sibling_hash = self.hash_of(suite, copath_child, &unmerged)?;
        parent_hash_of(
            suite,
            &node.encryption_key,
            &node.parent_hash,
            &sibling_hash,
        )
    }

    /// Verifies that every non-blank parent node is parent-hash valid (RFC 9420 §7.9.2), "top
    /// down": exactly one node in the resolution of one of its children carries a parent
    /// hash that is valid with respect to it.
    ///
    /// Each check is against the tree as it is; the tree is not changed.
    pub fn verify_parent_hashes(&self, suite: &dyn CipherSuiteProvider) -> Result<(), TreeError> {
        for k in 0..self.leaf_count() - 1 {
            let node = NodeIndex(2 * k + 1);
            if let Some(parent) = self.parent_node(node) {
                let chains = self.count_parent_hash_chains(suite, node, parent)?;
                if chains != 1 {
                    return Err(TreeError::InvalidParentHash { node, chains });
                }
            }
        }
        Ok(())
    }

    /// How many descendants D of `node` have a parent hash valid with respect to it: D is in
    /// the resolution of a child C, D's parent_hash is the parent hash of `node` with the other
    /// child as copath child, and `node`'s unmerged leaves below C are exactly the rest of the
    /// resolution of C.
    fn count_parent_hash_chains(
        &self,
        suite: &dyn CipherSuiteProvider,
        node: NodeIndex,
        parent: &ParentNode,
    ) -> Result<usize, TreeError> {
        let (Some(left), Some(right)) = (node.left(), node.right()) else {
            return Ok(0);
        };
        let mut chains = 0;
        for (child, copath_child) in [(left, right), (right, left)] {
            let resolution = self.resolution(child)?;
            let mut expected: Option<Vec<u8>> = None;
            for &descendant in &resolution {
                let Some(field) = self.parent_hash_field(descendant) else {
                    continue;
                };
                let expected = match &mut expected {
                    Some(hash) => hash,
                    None => expected.insert(self.parent_hash(suite, node, copath_child)?),
                };
                if field != expected.as_slice() {
                    continue;
                }
                let mut rest: Vec<u32> = resolution
                    .iter()
                    .filter(|&&n| n != descendant)
                    .map(|n| n.0)
                    .collect();
                rest.sort_unstable();
                let mut unmerged: Vec<u32> = parent
                    .unmerged_leaves
                    .iter()
                    .filter(|&&leaf| leaf < self.leaf_count())
                    .map(|&leaf| LeafIndex(leaf).node())
                    .filter(|n| n.is_in_subtree_of(child))
                    .map(|n| n.0)
                    .collect();
                unmerged.sort_unstable();
                if rest == unmerged {
                    chains += 1;
                }
            }
        }
        Ok(chains)
    }

    /// The parent_hash field of a node: a parent's, or a leaf's whose source is `commit`.
    fn parent_hash_field(&self, node: NodeIndex) -> Option<&[u8]> {
        match self.node(node)? {
            NodeRef::Parent(parent) => Some(&parent.parent_hash),
            NodeRef::Leaf(leaf) => match &leaf.leaf_node_source {
                mls_codec::LeafNodeSourceData::Commit(parent_hash) => Some(parent_hash),
                _ => None,
            },
        }
    }

    /// Recomputes the tree hash of every node from scratch, without the cache (for tests).
    #[cfg(test)]
    pub(crate) fn uncached_hashes(
        &self,
        suite: &dyn CipherSuiteProvider,
    ) -> Result<Vec<Vec<u8>>, TreeError> {
        let mut fresh = self.clone();
        fresh.hashes = HashCache::default();
        (0..self.size().node_count())
            .map(|i| fresh.node_tree_hash(suite, NodeIndex(i)))
            .collect()
    }
}

/// `Hash(ParentHashInput)` (RFC 9420 §7.9).
pub(crate) fn parent_hash_of(
    suite: &dyn CipherSuiteProvider,
    encryption_key: &[u8],
    parent_hash: &[u8],
    original_sibling_tree_hash: &[u8],
) -> Result<Vec<u8>, TreeError> {
    let mut input = Vec::new();
    encode_opaque(encryption_key, &mut input)?;
    encode_opaque(parent_hash, &mut input)?;
    encode_opaque(original_sibling_tree_hash, &mut input)?;
    Ok(suite.hash(&input))
}
