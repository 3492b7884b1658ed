//! The ratchet tree as an array of nodes (RFC 9420 §4, §7.1-7.2, §7.7, §12.1.1-12.1.3,
//! §12.4.3.3).

use std::collections::{BTreeSet, HashMap};

use mls_codec::{
    CodecError, Encode, HpkePublicKey, LeafNode, Node, NodeType, ParentNode, encode_vector,
};

use crate::census::CredentialCensus;
use crate::changes::Change;
use crate::hash::HashCache;
use crate::{LeafIndex, NodeIndex, TreeError, TreeSize};

/// A borrowed non-blank node of the tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NodeRef<'a> {
    /// A leaf node.
    Leaf(&'a LeafNode),
    /// A parent node.
    Parent(&'a ParentNode),
}

impl<'a> NodeRef<'a> {
    /// The node's HPKE public key.
    pub fn encryption_key(self) -> &'a HpkePublicKey {
        match self {
            Self::Leaf(leaf) => &leaf.encryption_key,
            Self::Parent(parent) => &parent.encryption_key,
        }
    }
}

/// Which leaves hold members: the rightmost one, and the blank leaves to its left ("holes"),
/// so that the leftmost blank leaf (§12.1.1) and the truncation point (§12.1.3) are found in
/// O(log n).
#[derive(Debug, Clone, Default)]
struct Occupancy {
    rightmost: Option<u32>,
    holes: BTreeSet<u32>,
}

impl Occupancy {
    /// The leftmost blank leaf, which may be one past the end of the tree.
    fn leftmost_blank(&self) -> u32 {
        match (self.holes.first(), self.rightmost) {
            (Some(&hole), _) => hole,
            (None, Some(rightmost)) => rightmost + 1,
            (None, None) => 0,
        }
    }

    fn fill(&mut self, leaf: u32) {
        match self.rightmost {
            Some(rightmost) if leaf < rightmost => {
                self.holes.remove(&leaf);
            }
            Some(rightmost) if leaf == rightmost => {}
            Some(rightmost) => {
                self.holes.extend(rightmost + 1..leaf);
                self.rightmost = Some(leaf);
            }
            None => {
                self.holes.extend(0..leaf);
                self.rightmost = Some(leaf);
            }
        }
    }

    fn vacate(&mut self, leaf: u32) {
        match self.rightmost {
            Some(rightmost) if leaf < rightmost => {
                self.holes.insert(leaf);
            }
            Some(rightmost) if leaf == rightmost => {
                // Every blank leaf between the new rightmost member and this one leaves the
                // set of holes: each hole is removed at most once, so this is amortized O(1).
                let mut candidate = rightmost;
                self.rightmost = loop {
                    if candidate == 0 {
                        break None;
                    }
                    candidate -= 1;
                    if !self.holes.remove(&candidate) {
                        break Some(candidate);
                    }
                };
            }
            _ => {}
        }
    }
}

/// The ratchet tree of a group (RFC 9420 §4, §7): an array of optional nodes indexed by
/// [`NodeIndex`], with a power-of-two number of leaves.
///
/// Leaves and parents are stored apart, so a leaf position can only hold a [`LeafNode`] and a
/// parent position only a [`ParentNode`]. The tree keeps indexes of the encryption keys of all
/// nodes and the signature keys of all leaves (which must be unique, §7.3, §16.7), of its
/// blank leaves, and a cache of tree hashes (§7.8) that a change invalidates only along the
/// changed path, so each operation costs O(log n) besides the occasional doubling.
///
/// Every operation either succeeds or returns a [`TreeError`] and leaves the tree unchanged.
/// A group engine can also record a series of operations and undo them as one
/// ([`TreeTransactions::begin_changes`](crate::low_level::TreeTransactions::begin_changes)), so that staging a commit costs no copy of the tree.
#[derive(Debug, Clone)]
pub struct RatchetTree {
    size: TreeSize,
    /// Boxed, so that a blank slot takes a pointer's width: a received tree may be mostly
    /// blank, one byte per blank node on the wire.
    leaves: Vec<Option<Box<LeafNode>>>,
    parents: Vec<Option<Box<ParentNode>>>,
    occupancy: Occupancy,
    members: u32,
    encryption_keys: HashMap<Vec<u8>, NodeIndex>,
    signature_keys: HashMap<Vec<u8>, LeafIndex>,
    credentials: CredentialCensus,
    pub(crate) hashes: HashCache,
    /// The changes made since recording began, oldest first (see `changes.rs`).
    pub(crate) journal: Option<Vec<Change>>,
    /// The nodes changed since tracking began, if it has (see `changed_nodes.rs`).
    pub(crate) changed: Option<BTreeSet<u32>>,
}

fn leaf_slot(leaf: LeafIndex) -> usize {
    leaf.0 as usize
}

fn parent_slot(node: NodeIndex) -> usize {
    (node.0 >> 1) as usize
}

/// What building a tree needs to know of its nodes before it sees them: how many there are,
/// whether the last is blank, and how many leaf and parent positions are not blank.
#[derive(Debug, Default)]
pub(crate) struct NodeCounts {
    nodes: usize,
    last_blank: bool,
    leaves: usize,
    parents: usize,
}

impl NodeCounts {
    /// Counts the next node, `blank` or not.
    pub(crate) fn add_node(&mut self, blank: bool) {
        if !blank {
            if self.nodes.is_multiple_of(2) {
                self.leaves += 1;
            } else {
                self.parents += 1;
            }
        }
        self.nodes += 1;
        self.last_blank = blank;
    }

    /// Counts the next node.
    pub(crate) fn add(&mut self, node: &Option<Node>) {
        self.add_node(node.is_none());
    }

    /// How many nodes are counted.
    pub(crate) fn nodes(&self) -> usize {
        self.nodes
    }

    /// Fails once the nodes counted are more than a tree of `max_leaves` leaves has: called
    /// before each node is read, so that a tree over the bound costs no more than the bound.
    pub(crate) fn check_room(&self, max_leaves: u32) -> Result<(), TreeError> {
        let max_nodes = (u64::from(max_leaves) * 2).saturating_sub(1);
        if self.nodes as u64 >= max_nodes {
            return Err(TreeError::TooManyLeaves { max_leaves });
        }
        Ok(())
    }

    /// The size of the tree these nodes make, or why they make none.
    fn size(&self) -> Result<TreeSize, TreeError> {
        if self.nodes == 0 {
            return Err(TreeError::EmptyTree);
        }
        if self.last_blank {
            return Err(TreeError::TrailingBlankNode);
        }
        u32::try_from(self.nodes)
            .ok()
            .and_then(TreeSize::for_nodes)
            .ok_or(TreeError::TooManyNodes { count: self.nodes })
    }
}

impl RatchetTree {
    /// The tree of a new group (RFC 9420 §11): one leaf, the creator's.
    pub fn new(leaf: LeafNode) -> Self {
        let mut tree = Self::empty(TreeSize::ONE);
        tree.set_leaf(LeafIndex(0), Some(leaf));
        tree
    }

    fn empty(size: TreeSize) -> Self {
        let leaves = size.leaf_count() as usize;
        Self {
            size,
            leaves: vec![None; leaves],
            parents: vec![None; leaves - 1],
            occupancy: Occupancy::default(),
            members: 0,
            encryption_keys: HashMap::new(),
            signature_keys: HashMap::new(),
            credentials: CredentialCensus::default(),
            hashes: HashCache::default(),
            journal: None,
            changed: None,
        }
    }

    /// Builds the tree from the nodes of a `ratchet_tree` extension (RFC 9420 §12.4.3.3): the
    /// nodes in array order, `None` for blank, without trailing blank nodes. The tree is
    /// widened with blank nodes to the smallest power-of-two number of leaves.
    ///
    /// Fails if there are no nodes, the last node is blank, a node has the wrong type for its
    /// position, or an encryption key or signature key appears twice. The other rules of
    /// §12.4.3.1 are checked by [`RatchetTree::validate`].
    pub fn from_nodes(nodes: Vec<Option<Node>>) -> Result<Self, TreeError> {
        let mut counts = NodeCounts::default();
        nodes.iter().for_each(|node| counts.add(node));
        Self::build(&counts, nodes.into_iter().map(Ok))
    }

    /// Builds the tree from nodes that `nodes` decodes one at a time, each put in place as it
    /// comes, so that memory never holds the tree and every decoded node besides; `counts`
    /// must count the same nodes. Reports what decoding every node first and then
    /// [`RatchetTree::from_nodes`] would: the first decoding error, then an empty tree, a
    /// trailing blank node or too many nodes, then the first node in order that does not fit.
    pub(crate) fn build(
        counts: &NodeCounts,
        nodes: impl Iterator<Item = Result<Option<Node>, CodecError>>,
    ) -> Result<Self, TreeError> {
        let mut tree = counts.size().ok().map(|size| {
            let mut tree = Self::empty(size);
            // The key indexes get their final size at once instead of growing by rehashing.
            tree.encryption_keys.reserve(counts.leaves + counts.parents);
            tree.signature_keys.reserve(counts.leaves);
            tree
        });
        let mut placed = Ok(());
        for (index, node) in nodes.enumerate() {
            let node = node?;
            if placed.is_ok()
                && let Some(tree) = &mut tree
            {
                placed = tree.place(index, node);
            }
        }
        counts.size()?;
        placed?;
        tree.ok_or(TreeError::EmptyTree)
    }

    /// Puts the `index`th node of a `ratchet_tree` in place, checking its type and the
    /// uniqueness of its keys.
    fn place(&mut self, index: usize, node: Option<Node>) -> Result<(), TreeError> {
        let node_index = NodeIndex(u32::try_from(index).map_err(|_| TreeError::TooManyNodes {
            count: index.saturating_add(1),
        })?);
        match (node_index.leaf(), node) {
            (_, None) => {}
            (Some(leaf), Some(Node::Leaf(leaf_node))) => {
                self.check_leaf_keys(&leaf_node, leaf, None)?;
                self.set_leaf(leaf, Some(leaf_node));
            }
            (None, Some(Node::Parent(parent))) => {
                self.check_encryption_key(&parent.encryption_key, node_index)?;
                self.set_parent(node_index, Some(parent));
            }
            (_, Some(_)) => return Err(TreeError::WrongNodeType { node: node_index }),
        }
        Ok(())
    }

    /// The nodes as a `ratchet_tree` extension carries them (RFC 9420 §12.4.3.3): array
    /// order, trailing blank nodes removed.
    pub fn to_nodes(&self) -> Vec<Option<Node>> {
        (0..self.encoded_len())
            .map(|i| {
                self.node(NodeIndex(i)).map(|node| match node {
                    NodeRef::Leaf(leaf) => Node::Leaf(leaf.clone()),
                    NodeRef::Parent(parent) => Node::Parent(parent.clone()),
                })
            })
            .collect()
    }

    /// The number of nodes up to and including the last non-blank one.
    fn encoded_len(&self) -> u32 {
        (0..self.size.node_count())
            .rev()
            .find(|&i| !self.is_blank(NodeIndex(i)))
            .map_or(0, |last| last + 1)
    }

    /// The size of the tree.
    pub fn size(&self) -> TreeSize {
        self.size
    }

    /// The number of leaves, blank or not (a power of two).
    pub fn leaf_count(&self) -> u32 {
        self.size.leaf_count()
    }

    /// The number of non-blank leaves.
    pub fn member_count(&self) -> u32 {
        self.members
    }

    /// The root of the tree.
    pub fn root(&self) -> NodeIndex {
        self.size.root()
    }

    /// The leaf node at `leaf`, `None` if blank or outside the tree.
    pub fn leaf(&self, leaf: LeafIndex) -> Option<&LeafNode> {
        self.leaves.get(leaf_slot(leaf))?.as_deref()
    }

    /// The parent node at `node`, `None` if blank, a leaf position or outside the tree.
    pub fn parent_node(&self, node: NodeIndex) -> Option<&ParentNode> {
        if node.is_leaf() {
            return None;
        }
        self.parents.get(parent_slot(node))?.as_deref()
    }

    /// The node at `node`, `None` if blank or outside the tree.
    pub fn node(&self, node: NodeIndex) -> Option<NodeRef<'_>> {
        match node.leaf() {
            Some(leaf) => self.leaf(leaf).map(NodeRef::Leaf),
            None => self.parent_node(node).map(NodeRef::Parent),
        }
    }

    /// Whether `node` is blank (nodes outside the tree count as blank).
    pub fn is_blank(&self, node: NodeIndex) -> bool {
        self.node(node).is_none()
    }

    /// The non-blank leaves, left to right.
    pub fn members(&self) -> impl Iterator<Item = (LeafIndex, &LeafNode)> {
        (0u32..)
            .zip(&self.leaves)
            .filter_map(|(i, leaf)| Some((LeafIndex(i), leaf.as_deref()?)))
    }

    /// The unmerged leaves of a parent node (empty for leaves and blank nodes).
    pub fn unmerged_leaves(&self, node: NodeIndex) -> &[u32] {
        self.parent_node(node)
            .map_or(&[], |parent| parent.unmerged_leaves.as_slice())
    }

    /// The node that holds `key` as its encryption key, if any.
    pub fn find_encryption_key(&self, key: &[u8]) -> Option<NodeIndex> {
        self.encryption_keys.get(key).copied()
    }

    /// How many members use and support each credential type (§7.3, §13.3).
    pub(crate) fn credential_census(&self) -> &CredentialCensus {
        &self.credentials
    }

    /// The leaf that holds `key` as its signature key, if any.
    pub fn find_signature_key(&self, key: &[u8]) -> Option<LeafIndex> {
        self.signature_keys.get(key).copied()
    }

    /// The leaf an Add would fill (RFC 9420 §12.1.1): the leftmost blank leaf, or
    /// [`Self::leaf_count`] if there is none and the tree must be extended.
    pub fn leftmost_blank_leaf(&self) -> LeafIndex {
        LeafIndex(self.occupancy.leftmost_blank())
    }

    fn check_node(&self, node: NodeIndex) -> Result<(), TreeError> {
        if self.size.contains(node) {
            Ok(())
        } else {
            Err(TreeError::NodeOutOfRange { node })
        }
    }

    pub(crate) fn check_member(&self, leaf: LeafIndex) -> Result<&LeafNode, TreeError> {
        match self.leaves.get(leaf_slot(leaf)) {
            None => Err(TreeError::LeafOutOfRange { leaf }),
            Some(None) => Err(TreeError::BlankLeaf { leaf }),
            Some(Some(node)) => Ok(node),
        }
    }

    /// The resolution of `node` (RFC 9420 §4.1.1): the non-blank nodes that together cover
    /// every non-blank node below it, each followed by its unmerged leaves, left to right.
    pub fn resolution(&self, node: NodeIndex) -> Result<Vec<NodeIndex>, TreeError> {
        self.resolution_excluding(node, &[])
    }

    /// The resolution of `node` without the leaves in `excluded` (the new members of a Commit,
    /// RFC 9420 §7.5, §7.6).
    pub fn resolution_excluding(
        &self,
        node: NodeIndex,
        excluded: &[LeafIndex],
    ) -> Result<Vec<NodeIndex>, TreeError> {
        self.check_node(node)?;
        // Sorted, so that each leaf is looked up in O(log k): a commit that adds thousands of
        // members excludes them all from resolutions that hold them all.
        let mut sorted = excluded.to_vec();
        sorted.sort_unstable();
        let mut out = Vec::new();
        self.collect_resolution(node, &sorted, &mut out);
        Ok(out)
    }

    /// Appends the resolution of `node` without the leaves of the sorted `excluded`;
    /// recursion depth is the tree height (at most 30).
    fn collect_resolution(
        &self,
        node: NodeIndex,
        excluded: &[LeafIndex],
        out: &mut Vec<NodeIndex>,
    ) {
        match node.leaf() {
            Some(leaf) => {
                if self.leaf(leaf).is_some() && excluded.binary_search(&leaf).is_err() {
                    out.push(node);
                }
            }
            None => match self.parent_node(node) {
                Some(parent) => {
                    out.push(node);
                    out.extend(
                        parent
                            .unmerged_leaves
                            .iter()
                            .filter(|&&leaf| leaf < self.leaf_count())
                            .map(|&leaf| LeafIndex(leaf))
                            .filter(|leaf| excluded.binary_search(leaf).is_err())
                            .map(LeafIndex::node),
                    );
                }
                None => {
                    if let (Some(left), Some(right)) = (node.left(), node.right()) {
                        self.collect_resolution(left, excluded, out);
                        self.collect_resolution(right, excluded, out);
                    }
                }
            },
        }
    }

    /// Whether the resolution of `node` is empty, i.e. every node below it is blank.
    fn resolution_is_empty(&self, node: NodeIndex) -> bool {
        if !self.is_blank(node) {
            return false;
        }
        match (node.left(), node.right()) {
            (Some(left), Some(right)) => {
                self.resolution_is_empty(left) && self.resolution_is_empty(right)
            }
            _ => true,
        }
    }

    /// The filtered direct path of `leaf` (RFC 9420 §4.1.2) as pairs of (parent, copath
    /// child), from the leaf up: the direct path without the nodes whose copath child has an
    /// empty resolution.
    pub fn filtered_direct_path(
        &self,
        leaf: LeafIndex,
    ) -> Result<Vec<(NodeIndex, NodeIndex)>, TreeError> {
        let start = leaf.node();
        self.check_node(start)?;
        let path = std::iter::once(start)
            .chain(self.size.direct_path(start))
            .zip(self.size.direct_path(start));
        Ok(path
            .filter_map(|(child, parent)| {
                let copath_child = child.sibling(self.size)?;
                (!self.resolution_is_empty(copath_child)).then_some((parent, copath_child))
            })
            .collect())
    }

    /// Checks that `leaf_node` may be placed at `leaf` without repeating an encryption key of
    /// any node or a signature key of another member (RFC 9420 §7.3, §16.7). `replacing` is
    /// the leaf it replaces (an Update or a Commit's path), whose signature key may be kept.
    pub fn check_leaf_keys(
        &self,
        leaf_node: &LeafNode,
        leaf: LeafIndex,
        replacing: Option<LeafIndex>,
    ) -> Result<(), TreeError> {
        self.check_encryption_key(&leaf_node.encryption_key, leaf.node())?;
        match self.find_signature_key(&leaf_node.signature_key) {
            Some(existing) if Some(existing) != replacing => {
                Err(TreeError::DuplicateSignatureKey { leaf, existing })
            }
            _ => Ok(()),
        }
    }

    /// Checks that no node of the tree holds `key` as its encryption key (RFC 9420 §12.4.2,
    /// §12.4.3.1); `node` names the node the key is meant for in the error.
    pub fn check_encryption_key(&self, key: &[u8], node: NodeIndex) -> Result<(), TreeError> {
        match self.find_encryption_key(key) {
            Some(existing) => Err(TreeError::DuplicateEncryptionKey { node, existing }),
            None => Ok(()),
        }
    }

    /// Adds a member (RFC 9420 §12.1.1, §7.7): its leaf node goes to the leftmost blank leaf,
    /// or to the first new leaf after doubling the tree if there is none; the leaf is added to
    /// the unmerged leaves of every non-blank parent on its direct path.
    ///
    /// Fails, leaving the tree unchanged, if the leaf node's encryption key or signature key
    /// is already in the tree, or if the tree is full.
    pub fn add_leaf(&mut self, leaf_node: LeafNode) -> Result<LeafIndex, TreeError> {
        let leaf = self.leftmost_blank_leaf();
        self.check_leaf_keys(&leaf_node, leaf, None)?;
        if leaf.0 >= self.leaf_count() {
            let doubled = self.size.doubled().ok_or(TreeError::TreeFull)?;
            self.set_size(doubled);
        }
        self.set_leaf(leaf, Some(leaf_node));
        let direct_path: Vec<NodeIndex> = self.size.direct_path(leaf.node()).collect();
        for node in direct_path {
            self.add_unmerged_leaf(node, leaf);
        }
        Ok(leaf)
    }

    /// Replaces the leaf node of a member and blanks its direct path (RFC 9420 §12.1.2).
    ///
    /// Fails, leaving the tree unchanged, if the leaf is blank or outside the tree, if the new
    /// encryption key is already in the tree (including the leaf being replaced), or if the new
    /// signature key belongs to another member.
    pub fn update_leaf(&mut self, leaf: LeafIndex, leaf_node: LeafNode) -> Result<(), TreeError> {
        self.check_member(leaf)?;
        self.check_leaf_keys(&leaf_node, leaf, Some(leaf))?;
        self.set_leaf(leaf, Some(leaf_node));
        self.blank_direct_path(leaf);
        Ok(())
    }

    /// Removes a member (RFC 9420 §12.1.3): blanks its leaf and direct path, then truncates the
    /// tree while the right half of the root holds no member. Returns the removed leaf node.
    ///
    /// Fails, leaving the tree unchanged, if the leaf is blank or outside the tree.
    pub fn remove_leaf(&mut self, leaf: LeafIndex) -> Result<LeafNode, TreeError> {
        let removed = self.check_member(leaf)?.clone();
        self.set_leaf(leaf, None);
        self.blank_direct_path(leaf);
        self.truncate();
        Ok(removed)
    }

    /// Sets or blanks a leaf (which must lie in the tree), recording the change.
    pub(crate) fn set_leaf(&mut self, leaf: LeafIndex, leaf_node: Option<LeafNode>) {
        let old = self.write_leaf(leaf, leaf_node);
        self.record(Change::Leaf(leaf, old));
    }

    /// Sets or blanks a parent node (which must lie in the tree), recording the change. The
    /// caller checks that a new key is unique.
    pub(crate) fn set_parent(&mut self, node: NodeIndex, parent: Option<ParentNode>) {
        let old = self.write_parent(node, parent);
        self.record(Change::Parent(node, old));
    }

    /// Adds `leaf` to the unmerged leaves of `node` if it is a non-blank parent, recording
    /// the change.
    pub(crate) fn add_unmerged_leaf(&mut self, node: NodeIndex, leaf: LeafIndex) {
        if let Some(Some(parent)) = self.parents.get_mut(parent_slot(node))
            && let Err(position) = parent.unmerged_leaves.binary_search(&leaf.0)
        {
            parent.unmerged_leaves.insert(position, leaf.0);
            self.hashes.invalidate_path(node, self.size);
            self.note_changed(node);
            self.record(Change::UnmergedLeaf(node, leaf));
        }
    }

    /// Resizes the tree, recording the change; the nodes a shrink drops must be blank.
    pub(crate) fn set_size(&mut self, size: TreeSize) {
        let old = self.write_size(size);
        self.record(Change::Size(old));
    }

    /// Sets or blanks a leaf without recording it, keeping the key indexes, the member
    /// count, the occupancy and the hash cache in step; returns the old leaf node.
    pub(crate) fn write_leaf(
        &mut self,
        leaf: LeafIndex,
        leaf_node: Option<LeafNode>,
    ) -> Option<LeafNode> {
        let slot = self.leaves.get_mut(leaf_slot(leaf))?;
        let old = std::mem::replace(slot, leaf_node.map(Box::new)).map(|old| *old);
        if let Some(old) = &old {
            remove_if(&mut self.encryption_keys, &old.encryption_key, leaf.node());
            remove_if(&mut self.signature_keys, &old.signature_key, leaf);
            self.credentials.remove(old);
        }
        if let Some(new) = slot.as_ref() {
            self.encryption_keys
                .insert(new.encryption_key.to_vec(), leaf.node());
            self.signature_keys.insert(new.signature_key.to_vec(), leaf);
            self.credentials.add(new);
        }
        match (old.is_some(), slot.is_some()) {
            (false, true) => {
                self.members += 1;
                self.occupancy.fill(leaf.0);
            }
            (true, false) => {
                self.members -= 1;
                self.occupancy.vacate(leaf.0);
            }
            _ => {}
        }
        self.hashes.invalidate_path(leaf.node(), self.size);
        self.note_changed(leaf.node());
        old
    }

    /// Sets or blanks a parent node without recording it, keeping the key index and hash
    /// cache in step; returns the old one.
    pub(crate) fn write_parent(
        &mut self,
        node: NodeIndex,
        parent: Option<ParentNode>,
    ) -> Option<ParentNode> {
        if node.is_leaf() {
            return None;
        }
        let slot = self.parents.get_mut(parent_slot(node))?;
        let old = std::mem::replace(slot, parent.map(Box::new)).map(|old| *old);
        if let Some(old) = &old {
            remove_if(&mut self.encryption_keys, &old.encryption_key, node);
        }
        if let Some(new) = slot.as_ref() {
            self.encryption_keys
                .insert(new.encryption_key.to_vec(), node);
        }
        self.hashes.invalidate_path(node, self.size);
        self.note_changed(node);
        old
    }

    /// Removes `leaf` from the unmerged leaves of `node` without recording it.
    pub(crate) fn write_merged_leaf(&mut self, node: NodeIndex, leaf: LeafIndex) {
        if let Some(Some(parent)) = self.parents.get_mut(parent_slot(node))
            && let Ok(position) = parent.unmerged_leaves.binary_search(&leaf.0)
        {
            parent.unmerged_leaves.remove(position);
            self.hashes.invalidate_path(node, self.size);
            self.note_changed(node);
        }
    }

    /// Resizes the tree without recording it; returns the old size. Growing adds blank nodes
    /// (the old tree becomes the leftmost subtree, §7.7); the nodes a shrink drops must be
    /// blank.
    pub(crate) fn write_size(&mut self, size: TreeSize) -> TreeSize {
        let old = self.size;
        if size.leaf_count() > old.leaf_count() {
            self.leaves.resize(size.leaf_count() as usize, None);
            self.parents.resize(size.leaf_count() as usize - 1, None);
            self.size = size;
            self.hashes.invalidate_path(size.root(), size);
        } else {
            self.hashes.invalidate_path(old.root(), old);
            self.leaves.truncate(size.leaf_count() as usize);
            self.parents.truncate(size.leaf_count() as usize - 1);
            self.size = size;
        }
        old
    }

    /// Blanks every parent on the direct path of `leaf`.
    pub(crate) fn blank_direct_path(&mut self, leaf: LeafIndex) {
        let path: Vec<NodeIndex> = self.size.direct_path(leaf.node()).collect();
        for node in path {
            if !self.is_blank(node) {
                self.set_parent(node, None);
            }
        }
    }

    /// Halves the tree while the right subtree of the root holds no member (§7.7, §12.1.3).
    fn truncate(&mut self) {
        while let Some(half) = self.size.halved() {
            if self
                .occupancy
                .rightmost
                .is_some_and(|rightmost| rightmost >= half.leaf_count())
            {
                break;
            }
            // The dropped right subtree holds no leaf; blank any parent left in it (possible
            // only in a tree that was never validated) so the indexes stay exact.
            for k in half.leaf_count() - 1..self.size.leaf_count() - 1 {
                let node = NodeIndex(2 * k + 1);
                if !self.is_blank(node) {
                    self.set_parent(node, None);
                }
            }
            self.set_size(half);
        }
    }
}

/// Removes `key` from `index` if it maps to `value` (a key found twice in a tree that is
/// being validated maps to its other node).
fn remove_if<V: PartialEq>(index: &mut HashMap<Vec<u8>, V>, key: &[u8], value: V) {
    if index.get(key) == Some(&value) {
        index.remove(key);
    }
}

impl Encode for RatchetTree {
    /// Encodes the tree as the body of a `ratchet_tree` extension (RFC 9420 §12.4.3.3):
    /// `optional<Node> ratchet_tree<V>` without trailing blank nodes.
    fn encode(&self, out: &mut Vec<u8>) -> Result<(), CodecError> {
        let count = self.encoded_len();
        encode_vector(out, |out| {
            for i in 0..count {
                match self.node(NodeIndex(i)) {
                    None => out.push(0),
                    Some(NodeRef::Leaf(leaf)) => {
                        out.push(1);
                        NodeType::Leaf.encode(out)?;
                        leaf.encode(out)?;
                    }
                    Some(NodeRef::Parent(parent)) => {
                        out.push(1);
                        NodeType::Parent.encode(out)?;
                        parent.encode(out)?;
                    }
                }
            }
            Ok(())
        })
    }
}
