//! Array-based tree math (RFC 9420 §4.2, Appendix C): the indices that the wire format
//! carries (a sender's or signer's `leaf_index`, `unmerged_leaves`) and the relations between
//! them, used by the ratchet tree and the secret tree alike.
//!
//! Leaves sit at even node indices (leaf `i` at node `2i`), parents at odd ones. MLS trees
//! always have a power-of-two number of leaves (§7.7), up to 2^30 here, so every index fits in
//! a `u32` and every relation is a few bit operations: nothing loops or recurses on input.

use std::fmt;

use crate::{CodecError, Decode, Encode, Reader};

/// The largest number of leaves a tree may have: 2^30 (node indices stay below 2^31).
pub const MAX_LEAVES: u32 = 1 << 30;

/// The index of a leaf, counted from the left (RFC 9420 §4.2).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LeafIndex(pub u32);

/// The index of a node in the array representation (RFC 9420 Appendix C).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NodeIndex(pub u32);

impl fmt::Debug for LeafIndex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "leaf {}", self.0)
    }
}

impl fmt::Debug for NodeIndex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "node {}", self.0)
    }
}

/// A `uint32 leaf_index` on the wire (a sender's, §6).
impl Encode for LeafIndex {
    fn encode(&self, out: &mut Vec<u8>) -> Result<(), CodecError> {
        self.0.encode(out)
    }
}

impl Decode for LeafIndex {
    fn decode(reader: &mut Reader<'_>) -> Result<Self, CodecError> {
        u32::decode(reader).map(Self)
    }
}

impl LeafIndex {
    /// The node that holds this leaf: `2 * index`.
    pub fn node(self) -> NodeIndex {
        NodeIndex(self.0 << 1)
    }
}

impl NodeIndex {
    /// The level of the node: 0 for leaves, one more than its children's for parents.
    pub fn level(self) -> u32 {
        self.0.trailing_ones()
    }

    /// Whether the node is a leaf (an even index).
    pub fn is_leaf(self) -> bool {
        self.0 & 1 == 0
    }

    /// The leaf this node holds, if it is a leaf.
    pub fn leaf(self) -> Option<LeafIndex> {
        self.is_leaf().then_some(LeafIndex(self.0 >> 1))
    }

    /// The left child of a parent node; `None` for a leaf.
    pub fn left(self) -> Option<NodeIndex> {
        let k = self.level();
        (k > 0).then(|| NodeIndex(self.0 ^ (1 << (k - 1))))
    }

    /// The right child of a parent node; `None` for a leaf.
    pub fn right(self) -> Option<NodeIndex> {
        let k = self.level();
        (k > 0).then(|| NodeIndex(self.0 ^ (3 << (k - 1))))
    }

    /// The parent of the node in a tree of `size`; `None` for the root or a node outside it.
    pub fn parent(self, size: TreeSize) -> Option<NodeIndex> {
        if self == size.root() || !size.contains(self) {
            return None;
        }
        let k = self.level();
        let b = (self.0 >> (k + 1)) & 1;
        Some(NodeIndex((self.0 | (1 << k)) ^ (b << (k + 1))))
    }

    /// The other child of the node's parent; `None` for the root or a node outside the tree.
    pub fn sibling(self, size: TreeSize) -> Option<NodeIndex> {
        let parent = self.parent(size)?;
        if self < parent {
            parent.right()
        } else {
            parent.left()
        }
    }

    /// Whether `self` is `ancestor` or lies in its subtree.
    pub fn is_in_subtree_of(self, ancestor: NodeIndex) -> bool {
        // The subtree of a node at level k spans the 2^(k+1) - 1 indices centred on it.
        // In u64: a level of 32 (index u32::MAX, outside every tree) must not overflow.
        let half_width = (1u64 << ancestor.level()) - 1;
        u64::from(self.0.abs_diff(ancestor.0)) <= half_width
    }
}

/// The size of a tree: a power-of-two number of leaves between 1 and [`MAX_LEAVES`].
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Debug)]
pub struct TreeSize(u32);

impl TreeSize {
    /// The tree of a single leaf.
    pub const ONE: Self = Self(1);

    /// A tree of exactly `leaves` leaves, if that is a power of two no greater than 2^30.
    pub fn from_leaf_count(leaves: u32) -> Option<Self> {
        (leaves.is_power_of_two() && leaves <= MAX_LEAVES).then_some(Self(leaves))
    }

    /// The smallest tree that holds `leaves` leaves (at least one), if within 2^30.
    pub fn for_leaves(leaves: u32) -> Option<Self> {
        Self::from_leaf_count(leaves.max(1).checked_next_power_of_two()?)
    }

    /// The smallest tree whose array holds `nodes` nodes, if within 2^30 leaves.
    pub fn for_nodes(nodes: u32) -> Option<Self> {
        Self::for_leaves(nodes.div_ceil(2))
    }

    /// The number of leaves.
    pub fn leaf_count(self) -> u32 {
        self.0
    }

    /// The number of nodes in the array: `2n - 1`.
    pub fn node_count(self) -> u32 {
        2 * self.0 - 1
    }

    /// The root: node `n - 1` in a tree of `n` leaves.
    pub fn root(self) -> NodeIndex {
        NodeIndex(self.0 - 1)
    }

    /// Whether the node lies in this tree.
    pub fn contains(self, node: NodeIndex) -> bool {
        node.0 < self.node_count()
    }

    /// The tree with twice as many leaves, if within 2^30.
    pub fn doubled(self) -> Option<Self> {
        Self::from_leaf_count(self.0.checked_mul(2)?)
    }

    /// The tree with half as many leaves, if there is more than one.
    pub fn halved(self) -> Option<Self> {
        (self.0 > 1).then_some(Self(self.0 / 2))
    }

    /// The direct path of `node`, from its parent up to the root (RFC 9420 §4.1).
    pub fn direct_path(self, node: NodeIndex) -> impl Iterator<Item = NodeIndex> {
        std::iter::successors(node.parent(self), move |n| n.parent(self))
    }

    /// The copath of `node`: the sibling of the node and of each node on its direct path
    /// below the root (RFC 9420 §4.1), from the bottom up.
    pub fn copath(self, node: NodeIndex) -> impl Iterator<Item = NodeIndex> {
        std::iter::successors(Some(node), move |n| n.parent(self))
            .map_while(move |n| n.sibling(self))
    }

    /// The lowest node whose subtree holds both `a` and `b` (RFC 9420 Appendix C).
    pub fn common_ancestor(self, a: NodeIndex, b: NodeIndex) -> NodeIndex {
        std::iter::successors(Some(a), |n| n.parent(self))
            .find(|n| b.is_in_subtree_of(*n))
            .unwrap_or(self.root())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn size(leaves: u32) -> TreeSize {
        TreeSize::from_leaf_count(leaves).unwrap()
    }

    #[test]
    fn eight_leaf_tree_of_figure_32() {
        let s = size(8);
        assert_eq!(s.root(), NodeIndex(7));
        assert_eq!(NodeIndex(3).left(), Some(NodeIndex(1)));
        assert_eq!(NodeIndex(3).right(), Some(NodeIndex(5)));
        assert_eq!(NodeIndex(4).parent(s), Some(NodeIndex(5)));
        assert_eq!(NodeIndex(11).parent(s), Some(NodeIndex(7)));
        assert_eq!(NodeIndex(7).parent(s), None);
        assert_eq!(NodeIndex(2).left(), None);
        let path: Vec<_> = s.direct_path(LeafIndex(2).node()).collect();
        assert_eq!(path, [NodeIndex(5), NodeIndex(3), NodeIndex(7)]);
        let copath: Vec<_> = s.copath(LeafIndex(2).node()).collect();
        assert_eq!(copath, [NodeIndex(6), NodeIndex(1), NodeIndex(11)]);
        assert_eq!(s.common_ancestor(NodeIndex(0), NodeIndex(6)), NodeIndex(3));
    }

    #[test]
    fn sizes_are_powers_of_two_up_to_2_pow_30() {
        assert_eq!(TreeSize::from_leaf_count(3), None);
        assert_eq!(TreeSize::from_leaf_count(0), None);
        assert_eq!(TreeSize::for_leaves(5), Some(size(8)));
        assert_eq!(TreeSize::for_leaves(0), Some(size(1)));
        assert_eq!(TreeSize::for_nodes(9), Some(size(8)));
        assert_eq!(TreeSize::for_leaves(MAX_LEAVES + 1), None);
        let largest = size(MAX_LEAVES);
        assert_eq!(largest.direct_path(NodeIndex(0)).count(), 30);
        assert_eq!(largest.doubled(), None);
    }

    proptest! {
        #[test]
        fn parent_and_children_agree(log in 0u32..=30, pick in any::<u32>()) {
            let s = size(1 << log);
            let node = NodeIndex(pick % s.node_count());
            if let Some(parent) = node.parent(s) {
                prop_assert!(parent.left() == Some(node) || parent.right() == Some(node));
                prop_assert_eq!(node.sibling(s).and_then(|x| x.parent(s)), Some(parent));
                prop_assert!(node.is_in_subtree_of(parent));
            } else {
                prop_assert_eq!(node, s.root());
            }
            prop_assert_eq!(s.direct_path(node).last().unwrap_or(node), s.root());
        }

        #[test]
        fn common_ancestor_matches_the_semantic_definition(log in 0u32..=12, a in any::<u32>(), b in any::<u32>()) {
            let s = size(1 << log);
            let a = NodeIndex(a % s.node_count());
            let b = NodeIndex(b % s.node_count());
            let ancestor = s.common_ancestor(a, b);
            let path_a: Vec<_> = std::iter::once(a).chain(s.direct_path(a)).collect();
            let path_b: Vec<_> = std::iter::once(b).chain(s.direct_path(b)).collect();
            let lowest = path_a.iter().filter(|n| path_b.contains(n)).min_by_key(|n| n.level());
            prop_assert_eq!(Some(&ancestor), lowest);
        }
    }
}
