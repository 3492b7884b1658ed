//! Which nodes of a ratchet tree changed, so that a member's durable state can be written
//! incrementally: a commit changes O(log n) nodes of an n-leaf tree (its path, §7.5, and the
//! leaves its proposals touch), and only those need writing, never the whole tree.

use std::collections::BTreeSet;

use crate::RatchetTree;

/// Tracks the nodes whose value changed (set, blanked, or an unmerged leaf added or removed).
///
/// Tracking is off until [`Self::track_changed_nodes`], so that a tree that is never stored
/// keeps no set. Undoing a change (a discarded staged commit) counts as a change too: the set
/// may name nodes whose value is back to what was stored, never miss one that is not.
pub trait ChangedNodes {
    /// Starts tracking, with an empty set; restarts it if already on.
    fn track_changed_nodes(&mut self);

    /// The indices of the nodes changed since tracking started or was last cleared, or `None`
    /// if tracking is off.
    fn changed_nodes(&self) -> Option<&BTreeSet<u32>>;

    /// Empties the set, once its nodes are stored.
    fn clear_changed_nodes(&mut self);
}

impl ChangedNodes for RatchetTree {
    fn track_changed_nodes(&mut self) {
        self.changed = Some(BTreeSet::new());
    }

    fn changed_nodes(&self) -> Option<&BTreeSet<u32>> {
        self.changed.as_ref()
    }

    fn clear_changed_nodes(&mut self) {
        if let Some(changed) = &mut self.changed {
            changed.clear();
        }
    }
}

impl RatchetTree {
    /// Notes that `node` changed, if tracking is on.
    pub(crate) fn note_changed(&mut self, node: crate::NodeIndex) {
        if let Some(changed) = &mut self.changed {
            changed.insert(node.0);
        }
    }
}
