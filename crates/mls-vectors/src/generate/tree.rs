//! Ratchet trees of random shape with every member's private state known, for the tree
//! files: built by the tree layer's own operations (add, remove, UpdatePath; RFC 9420 §7.4-7.7,
//! §12.1), so that parent hashes, unmerged leaves and blanks are as a group would leave them.

use std::collections::BTreeMap;

use mls_codec::{CodecError, Encode};
use mls_crypto::{CipherSuiteProvider, HpkePrivateKey, Secret};
use mls_tree::{GeneratedPath, LeafIndex, NodeIndex, RatchetTree};

use super::member::Member;
use super::{LayerError, pick};
use crate::wire::group_context;

/// What a member of the tree holds: its keys and the path secrets of the nodes above it.
pub(crate) struct LeafState {
    /// Its key package's keys (the signature key stays; the leaf key changes with paths).
    pub(crate) member: Member,
    /// The private key of its leaf's current encryption key.
    pub(crate) leaf_key: HpkePrivateKey,
    /// The path secret of each non-blank node above it whose private key it holds (§7.4).
    pub(crate) path_secrets: BTreeMap<NodeIndex, Secret>,
}

/// A ratchet tree of a group and the private state of each of its members.
pub(crate) struct TreeBuilder<'s> {
    suite: &'s dyn CipherSuiteProvider,
    /// The group the leaves sign for.
    pub(crate) group_id: Vec<u8>,
    /// The public tree.
    pub(crate) tree: RatchetTree,
    /// The state of the member at each leaf index, `None` for a blank leaf.
    pub(crate) leaves: Vec<Option<LeafState>>,
}

impl<'s> TreeBuilder<'s> {
    /// A tree of one member, for `group_id`.
    pub(crate) fn new(
        suite: &'s dyn CipherSuiteProvider,
        group_id: Vec<u8>,
    ) -> Result<Self, LayerError> {
        let member = Member::new(suite, b"leaf 0")?;
        let tree = RatchetTree::new(member.key_package.leaf_node.clone());
        Ok(Self {
            suite,
            group_id,
            tree,
            leaves: vec![Some(LeafState {
                leaf_key: member.encryption_key.clone(),
                member,
                path_secrets: BTreeMap::new(),
            })],
        })
    }

    /// A tree of random shape: a few members added, a path from a random member, a removal,
    /// another path, a member added after it (an unmerged leaf, in the removed one's place),
    /// and a last removal (a blank leaf, unless it was the last one). Parent-hash chains then
    /// skip blank parents.
    pub(crate) fn random(
        suite: &'s dyn CipherSuiteProvider,
        group_id: Vec<u8>,
    ) -> Result<Self, LayerError> {
        let mut builder = Self::new(suite, group_id)?;
        for _ in 0..pick(4..9) {
            builder.add()?;
        }
        let sender = builder.random_member(None);
        builder.commit_path(sender)?;
        builder.remove(builder.random_member(Some(sender)))?;
        let sender = builder.random_member(None);
        builder.commit_path(sender)?;
        builder.add()?;
        builder.remove(builder.random_member(Some(sender)))?;
        Ok(builder)
    }

    /// Adds a fresh member at the leftmost blank leaf (§7.7).
    pub(crate) fn add(&mut self) -> Result<LeafIndex, LayerError> {
        let identity = format!("leaf {}", self.leaves.len());
        let member = Member::new(self.suite, identity.as_bytes())?;
        let leaf = self.tree.add_leaf(member.key_package.leaf_node.clone())?;
        let index = leaf.0 as usize;
        if self.leaves.len() <= index {
            self.leaves.resize_with(index + 1, || None);
        }
        self.leaves[index] = Some(LeafState {
            leaf_key: member.encryption_key.clone(),
            member,
            path_secrets: BTreeMap::new(),
        });
        Ok(leaf)
    }

    /// Removes the member at `leaf` (§12.1.3): its leaf and direct path become blank.
    pub(crate) fn remove(&mut self, leaf: LeafIndex) -> Result<(), LayerError> {
        self.tree.remove_leaf(leaf)?;
        self.leaves[leaf.0 as usize] = None;
        self.leaves.truncate(self.tree.leaf_count() as usize);
        for state in self.leaves.iter_mut().flatten() {
            state
                .path_secrets
                .retain(|&node, _| !self.tree.is_blank(node));
        }
        Ok(())
    }

    /// The members' leaf indices, in order.
    pub(crate) fn members(&self) -> Vec<LeafIndex> {
        (0u32..)
            .zip(&self.leaves)
            .filter(|(_, state)| state.is_some())
            .map(|(index, _)| LeafIndex(index))
            .collect()
    }

    /// A random member other than `except`.
    pub(crate) fn random_member(&self, except: Option<LeafIndex>) -> LeafIndex {
        let candidates: Vec<LeafIndex> = self
            .members()
            .into_iter()
            .filter(|&leaf| Some(leaf) != except)
            .collect();
        candidates[pick(0..candidates.len())]
    }

    /// The state of the member at `leaf`.
    pub(crate) fn state(&self, leaf: LeafIndex) -> Result<&LeafState, LayerError> {
        self.leaves
            .get(leaf.0 as usize)
            .and_then(Option::as_ref)
            .ok_or_else(|| LayerError::Scenario(format!("leaf {} is blank", leaf.0)))
    }

    /// A fresh UpdatePath from `sender` merged into `tree` (this builder's tree or a copy),
    /// encrypted under the GroupContext that `context` encodes given the new tree hash.
    pub(crate) fn generate_path(
        &self,
        tree: &mut RatchetTree,
        sender: LeafIndex,
        context: impl FnOnce(&[u8]) -> Result<Vec<u8>, CodecError>,
    ) -> Result<GeneratedPath, LayerError> {
        let template = tree
            .leaf(sender)
            .cloned()
            .ok_or_else(|| LayerError::Scenario(format!("leaf {} is blank", sender.0)))?;
        let signer = &*self.state(sender)?.member.signer;
        Ok(tree.generate_update_path(
            self.suite,
            sender,
            template,
            signer,
            &self.group_id,
            &[],
            context,
        )?)
    }

    /// A commit's UpdatePath from `sender` applied to the tree and to every member's state:
    /// the sender holds every new path secret, each other member those above its lowest
    /// common ancestor with the sender.
    pub(crate) fn commit_path(&mut self, sender: LeafIndex) -> Result<(), LayerError> {
        let suite = self.suite.cipher_suite().0;
        let group_id = self.group_id.clone();
        let mut tree = self.tree.clone();
        let path = self.generate_path(&mut tree, sender, |tree_hash| {
            group_context(suite, &group_id, 0, tree_hash, &[]).to_bytes()
        })?;
        self.tree = tree;
        for (index, state) in (0u32..).zip(self.leaves.iter_mut()) {
            let Some(state) = state else { continue };
            let leaf = LeafIndex(index).node();
            state.path_secrets.retain(|&node, _| {
                !sender.node().is_in_subtree_of(node) && !self.tree.is_blank(node)
            });
            for (node, secret) in &path.path_secrets {
                if leaf.is_in_subtree_of(*node) {
                    state.path_secrets.insert(*node, secret.clone());
                }
            }
            if index == sender.0 {
                state.leaf_key = path
                    .private_keys
                    .private_key(leaf)
                    .cloned()
                    .ok_or_else(|| LayerError::Scenario("no new leaf key".to_owned()))?;
            }
        }
        Ok(())
    }

    /// The state of each leaf of the tree (blank ones included, up to its power-of-two
    /// width), with its index.
    pub(crate) fn all_leaves(&self) -> impl Iterator<Item = (LeafIndex, Option<&LeafState>)> {
        (0..self.tree.leaf_count()).map(|index| {
            (
                LeafIndex(index),
                self.leaves.get(index as usize).and_then(Option::as_ref),
            )
        })
    }
}
