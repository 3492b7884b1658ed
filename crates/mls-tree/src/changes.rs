//! Recording changes to a ratchet tree, to undo them, or to undo them now and replay them
//! later.
//!
//! A group engine stages a commit (RFC 9420 §12.4.2) on its live tree: the proposals, the
//! UpdatePath, the new tree hash. If the commit is rejected, the changes are undone; if it is
//! accepted, they are kept, and what they replaced tells which members' leaves the previous
//! epoch had (for its late application messages, §15). Our own commit is staged the same way,
//! then undone and stashed until the delivery service accepts it (§14). Every step costs
//! O(changes), never a copy of the tree.

use std::collections::BTreeMap;

use mls_codec::{
    CodecError, Decode, LeafNode, ParentNode, Reader, SecretWriter, StateDecode, StateEncode,
    decode_vector,
};

use crate::{LeafIndex, NodeIndex, RatchetTree, TreeError, TreeSize};

/// One change to a tree, holding the value it replaced (when recorded for undo) or the value
/// it sets (when stashed for replay).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Change {
    /// A leaf was set or blanked.
    Leaf(LeafIndex, Option<LeafNode>),
    /// A parent node was set or blanked.
    Parent(NodeIndex, Option<ParentNode>),
    /// A leaf was added to a parent's unmerged leaves (§7.7); its own inverse's inverse.
    UnmergedLeaf(NodeIndex, LeafIndex),
    /// The tree was resized.
    Size(TreeSize),
}

/// A point in the recording to roll back to (for the tree's own all-or-nothing operations).
#[derive(Debug)]
pub(crate) struct Mark {
    len: usize,
    /// Whether this mark started the recording, and so ends it.
    started: bool,
}

/// The leaves that recorded changes replaced, each with its value before the first change:
/// what a past epoch needs to know its members from the current tree (§15).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReplacedLeaves(BTreeMap<u32, Option<LeafNode>>);

impl ReplacedLeaves {
    /// `Some(node)` if the changes replaced `leaf`, with its leaf node before them (`None`
    /// if it was blank); `None` if they left it alone.
    pub fn get(&self, leaf: LeafIndex) -> Option<Option<&LeafNode>> {
        self.0.get(&leaf.0).map(Option::as_ref)
    }

    /// The number of leaves replaced.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether no leaf was replaced.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    fn from_undo(undo: &[Change]) -> Self {
        let mut replaced = BTreeMap::new();
        for change in undo {
            if let Change::Leaf(leaf, old) = change {
                replaced.entry(leaf.0).or_insert_with(|| old.clone());
            }
        }
        Self(replaced)
    }
}

/// Changes undone by [`RatchetTree::stash_changes`], to be replayed on the same tree by
/// [`RatchetTree::apply_changes`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TreeChanges(Vec<Change>);

impl TreeChanges {
    /// The number of recorded changes.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// Transactions over a ratchet tree: the group engine stages a commit's changes, then keeps,
/// undoes or stashes them (see the module documentation).
pub trait TreeTransactions {
    /// Starts recording changes, so that [`Self::discard_changes`] can undo them.
    ///
    /// Fails with [`TreeError::AlreadyRecording`] if a recording is in progress.
    fn begin_changes(&mut self) -> Result<(), TreeError>;

    /// Ends the recording and keeps the changes; returns the leaves they replaced.
    fn keep_changes(&mut self) -> ReplacedLeaves;

    /// Ends the recording and undoes every change since [`Self::begin_changes`].
    fn discard_changes(&mut self);

    /// Ends the recording, undoes every change since [`Self::begin_changes`] and returns
    /// them, to be replayed by [`Self::apply_changes`] while the tree is as it is now.
    fn stash_changes(&mut self) -> TreeChanges;

    /// Replays stashed changes and returns the leaves they replaced. The tree must be as it
    /// was when they were stashed; changes that do not fit it (e.g. from a corrupted saved
    /// state) fail with [`TreeError::InvalidChanges`] and leave the tree unchanged.
    fn apply_changes(&mut self, changes: &TreeChanges) -> Result<ReplacedLeaves, TreeError>;
}

impl TreeTransactions for RatchetTree {
    fn begin_changes(&mut self) -> Result<(), TreeError> {
        if self.journal.is_some() {
            return Err(TreeError::AlreadyRecording);
        }
        self.journal = Some(Vec::new());
        Ok(())
    }

    fn keep_changes(&mut self) -> ReplacedLeaves {
        self.journal
            .take()
            .map(|undo| ReplacedLeaves::from_undo(&undo))
            .unwrap_or_default()
    }

    fn discard_changes(&mut self) {
        self.stash_changes();
    }

    fn stash_changes(&mut self) -> TreeChanges {
        let mut redo = self.undo_to(0);
        self.journal = None;
        redo.reverse();
        TreeChanges(redo)
    }

    fn apply_changes(&mut self, changes: &TreeChanges) -> Result<ReplacedLeaves, TreeError> {
        let mark = self.mark();
        for change in &changes.0 {
            if let Err(error) = self.replay(change.clone()) {
                self.rollback_to(mark);
                return Err(error);
            }
        }
        let replaced = self
            .journal
            .as_deref()
            .map_or_else(ReplacedLeaves::default, |undo| {
                ReplacedLeaves::from_undo(undo.get(mark.len..).unwrap_or_default())
            });
        self.release(mark);
        Ok(replaced)
    }
}

impl RatchetTree {
    /// Records `change` if a recording is in progress.
    pub(crate) fn record(&mut self, change: Change) {
        if let Some(journal) = &mut self.journal {
            journal.push(change);
        }
    }

    /// Marks the current point of the recording, starting one if none is in progress.
    pub(crate) fn mark(&mut self) -> Mark {
        match &self.journal {
            Some(journal) => Mark {
                len: journal.len(),
                started: false,
            },
            None => {
                self.journal = Some(Vec::new());
                Mark {
                    len: 0,
                    started: true,
                }
            }
        }
    }

    /// Undoes the changes made since `mark`.
    pub(crate) fn rollback_to(&mut self, mark: Mark) {
        self.undo_to(mark.len);
        self.release(mark);
    }

    /// Keeps the changes made since `mark`; ends the recording if `mark` started it.
    pub(crate) fn release(&mut self, mark: Mark) {
        if mark.started {
            self.journal = None;
        }
    }

    /// Undoes the recorded changes after the first `len`, newest first; returns the values
    /// they had set, newest first.
    fn undo_to(&mut self, len: usize) -> Vec<Change> {
        let Some(mut journal) = self.journal.take() else {
            return Vec::new();
        };
        let undone = journal.split_off(len.min(journal.len()));
        let redo = undone
            .into_iter()
            .rev()
            .map(|change| self.undo(change))
            .collect();
        self.journal = Some(journal);
        redo
    }

    /// Restores what `change` replaced, without recording; returns the change that redoes it.
    fn undo(&mut self, change: Change) -> Change {
        match change {
            Change::Leaf(leaf, old) => Change::Leaf(leaf, self.write_leaf(leaf, old)),
            Change::Parent(node, old) => Change::Parent(node, self.write_parent(node, old)),
            Change::UnmergedLeaf(node, leaf) => {
                self.write_merged_leaf(node, leaf);
                Change::UnmergedLeaf(node, leaf)
            }
            Change::Size(old) => Change::Size(self.write_size(old)),
        }
    }

    /// Makes a stashed change again, recorded, after checking that it fits the tree.
    fn replay(&mut self, change: Change) -> Result<(), TreeError> {
        match change {
            Change::Leaf(leaf, node) if leaf.0 < self.leaf_count() => self.set_leaf(leaf, node),
            Change::Parent(node, parent) if !node.is_leaf() && self.size().contains(node) => {
                self.set_parent(node, parent);
            }
            Change::UnmergedLeaf(node, leaf)
                if self.parent_node(node).is_some() && leaf.0 < self.leaf_count() =>
            {
                self.add_unmerged_leaf(node, leaf);
            }
            Change::Size(size) if self.can_resize(size) => self.set_size(size),
            _ => return Err(TreeError::InvalidChanges),
        }
        Ok(())
    }

    /// Whether the tree may take `size`: a tree only ever doubles (§7.7) or halves, and a
    /// halving drops only blank nodes. (So a corrupted change cannot make the tree allocate
    /// 2^30 leaves at once.)
    fn can_resize(&self, size: TreeSize) -> bool {
        let current = self.size();
        Some(size) == current.doubled()
            || (Some(size) == current.halved()
                && (size.node_count()..current.node_count()).all(|i| self.is_blank(NodeIndex(i))))
    }
}

// Storage encodings (not RFC 9420 wire structs): a saved group keeps the leaves its past
// epochs replaced and the stashed changes of its pending commit.

impl StateEncode for ReplacedLeaves {
    fn encode_state(&self, out: &mut SecretWriter) -> Result<(), CodecError> {
        out.put_vector(|out| {
            self.0.iter().try_for_each(|(leaf, node)| {
                out.put_wire(leaf)?;
                out.put_wire(node)
            })
        })
    }
}

impl StateDecode for ReplacedLeaves {
    fn decode_state(reader: &mut Reader<'_>) -> Result<Self, CodecError> {
        let entries = decode_vector(reader, |r| {
            Ok((u32::decode(r)?, Option::<LeafNode>::decode(r)?))
        })?;
        Ok(Self(entries.into_iter().collect()))
    }
}

impl StateEncode for TreeChanges {
    fn encode_state(&self, out: &mut SecretWriter) -> Result<(), CodecError> {
        out.put_vector(|out| {
            self.0.iter().try_for_each(|change| match change {
                Change::Leaf(leaf, node) => {
                    out.put(&[0]);
                    out.put_wire(&leaf.0)?;
                    out.put_wire(node)
                }
                Change::Parent(node, parent) => {
                    out.put(&[1]);
                    out.put_wire(&node.0)?;
                    out.put_wire(parent)
                }
                Change::UnmergedLeaf(node, leaf) => {
                    out.put(&[2]);
                    out.put_wire(&node.0)?;
                    out.put_wire(&leaf.0)
                }
                Change::Size(size) => {
                    out.put(&[3]);
                    out.put_wire(&size.leaf_count())
                }
            })
        })
    }
}

impl StateDecode for TreeChanges {
    fn decode_state(reader: &mut Reader<'_>) -> Result<Self, CodecError> {
        let changes = decode_vector(reader, |r| {
            Ok(match u8::decode(r)? {
                0 => Change::Leaf(LeafIndex(u32::decode(r)?), Option::decode(r)?),
                1 => Change::Parent(NodeIndex(u32::decode(r)?), Option::decode(r)?),
                2 => Change::UnmergedLeaf(NodeIndex(u32::decode(r)?), LeafIndex(u32::decode(r)?)),
                3 => Change::Size(TreeSize::from_leaf_count(u32::decode(r)?).ok_or(
                    CodecError::InvalidField {
                        field: "saved tree size",
                        reason: "not a power of two within 2^30 leaves",
                    },
                )?),
                _ => {
                    return Err(CodecError::InvalidField {
                        field: "saved tree change",
                        reason: "unknown kind",
                    });
                }
            })
        })?;
        Ok(Self(changes))
    }
}
