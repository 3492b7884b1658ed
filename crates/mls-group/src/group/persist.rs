//! A group in a [`Store`], written incrementally: each [`Group::persist`] writes what changed
//! since the last one, in one atomic batch.
//!
//! The records of a group, under keys that start with its group id:
//!
//! | key | record | rewritten |
//! |---|---|---|
//! | `s` | the group state: tree size, current epoch (context, our path keys, secrets, transcript), retained epochs, PSKs, proposals, pending commit | when it changed |
//! | `n` node | one ratchet-tree node (§7) | when the node changed |
//! | `p` epoch | a retained past epoch (context, replaced leaves, sender-data secret) | once |
//! | `t` epoch `h` | the epoch's secret-tree header | once |
//! | `t` epoch `n` node / `l` leaf | one node secret / one leaf's ratchets of that secret tree (§9) | when a message used it |
//!
//! A processed commit writes the state, the O(log n) nodes it changed and the new epoch's
//! one-node secret tree; a message writes one leaf's ratchets and, the first time the leaf
//! sends, the O(log n) node secrets its derivation split. Nothing is ever written twice for
//! the same change, and nothing of the whole tree.

use std::collections::BTreeSet;
use std::sync::Arc;

use mls_codec::{
    Decode, GroupContext, Node, ReInit, Reader, SecretWriter, StateDecode, StateEncode, VarBytes,
};
use mls_crypto::{CryptoProvider, HpkePrivateKey, Secret, Signer};
use mls_key_schedule::{EpochSecrets, SecretTree, TranscriptHashes};
use mls_storage::Batch;
use mls_tree::low_level::{ChangedNodes, ReplacedLeaves};
use mls_tree::{NodeIndex, NodeRef, RatchetTree, TreePrivateKeys};

use super::storage::{
    check_trees, decode_keyed_secrets, decode_pending_commit, decode_proposals, decode_removed_in,
    decode_resumption_psks, decode_secret, encode_keyed_secrets, encode_pending_commit,
    encode_proposals, encode_resumption_psks,
};
use super::{Epoch, Group, PastEpoch};
use crate::store::payload;
use crate::{GroupConfig, GroupError, Store};

/// What the store holds of a group, as of the last successful [`Group::persist`].
#[derive(Debug)]
pub(crate) struct Persisted {
    /// The store written to ([`Store::id`]): another store gets everything.
    store: u64,
    /// The retained past epochs, each with its record.
    past: BTreeSet<u64>,
    /// The current epoch.
    current: u64,
    /// The hash of the state record.
    state_hash: Vec<u8>,
}

/// The keys of one group's records.
struct Keys {
    prefix: Vec<u8>,
}

impl Keys {
    fn new(group_id: &[u8]) -> Result<Self, GroupError> {
        let len = u32::try_from(group_id.len())
            .map_err(|_| GroupError::InvalidSavedState("a group id longer than 2^32 bytes"))?;
        let mut prefix = b"G".to_vec();
        prefix.extend_from_slice(&len.to_be_bytes());
        prefix.extend_from_slice(group_id);
        Ok(Self { prefix })
    }

    fn key(&self, parts: &[&[u8]]) -> Vec<u8> {
        let mut key = self.prefix.clone();
        parts.iter().for_each(|part| key.extend_from_slice(part));
        key
    }

    fn state(&self) -> Vec<u8> {
        self.key(&[b"s"])
    }

    fn nodes(&self) -> Vec<u8> {
        self.key(&[b"n"])
    }

    fn node(&self, node: u32) -> Vec<u8> {
        self.key(&[b"n", &node.to_be_bytes()])
    }

    fn past(&self, epoch: u64) -> Vec<u8> {
        self.key(&[b"p", &epoch.to_be_bytes()])
    }

    fn secret_tree(&self, epoch: u64) -> Vec<u8> {
        self.key(&[b"t", &epoch.to_be_bytes()])
    }

    fn secret_tree_part(&self, epoch: u64, kind: &[u8], index: u32) -> Vec<u8> {
        self.key(&[b"t", &epoch.to_be_bytes(), kind, &index.to_be_bytes()])
    }
}

const HEADER: &[u8] = b"h";
const NODE_SECRET: &[u8] = b"n";
const LEAF_RATCHETS: &[u8] = b"l";

impl Group {
    /// Writes this member's state of the group to `store`, in one atomic batch: the first
    /// time everything, then only what changed since the last successful call (see the
    /// module documentation of the records). Call it after every operation that changed the
    /// group and before acting on its result (showing a decrypted message, sending a commit):
    /// a state that was acted on but not stored would hand out the same message keys again
    /// after a crash (§9.2).
    ///
    /// On failure nothing is written and the next call writes everything this one would have.
    /// Returns how many bytes of keys and values the batch put.
    pub fn persist(&mut self, store: &Store) -> Result<usize, GroupError> {
        let mut batch = Batch::new();
        let staged = self.stage(store, &mut batch)?;
        store.write(&batch)?;
        self.mark_persisted(staged);
        Ok(batch.bytes_put())
    }

    /// Puts in `batch` what [`Group::persist`] writes; returns what the store will hold once
    /// the batch is written ([`Group::mark_persisted`]).
    pub(crate) fn stage(&self, store: &Store, batch: &mut Batch) -> Result<Persisted, GroupError> {
        let keys = Keys::new(&self.epoch.context.group_id)?;
        let state = payload(|out| self.encode_state_record(out))?;
        let state_hash = self.provider.suite(store.cipher_suite())?.hash(&state);
        let stored = self
            .persisted
            .as_ref()
            .filter(|stored| stored.store == store.id());
        let everything = stored.is_none();
        if everything {
            batch.delete_prefix(&keys.prefix);
        }
        if stored.is_none_or(|stored| stored.state_hash != state_hash) {
            store.put(batch, &keys.state(), &state)?;
        }
        self.write_tree(store, &keys, everything, batch)?;
        let current = self.epoch.context.epoch;
        let secret_tree = &self.epoch.secret_tree;
        write_secret_tree(store, &keys, current, secret_tree, everything, batch)?;
        let mut past_numbers = BTreeSet::new();
        for past in &self.past_epochs {
            past_numbers.insert(past.epoch);
            if stored.is_none_or(|stored| !stored.past.contains(&past.epoch)) {
                store.put(
                    batch,
                    &keys.past(past.epoch),
                    &payload(|out| encode_past_record(past, out))?,
                )?;
            }
            write_secret_tree(
                store,
                &keys,
                past.epoch,
                &past.secret_tree,
                everything,
                batch,
            )?;
        }
        if let Some(stored) = stored {
            let kept = |epoch: &u64| *epoch == current || past_numbers.contains(epoch);
            for gone in stored
                .past
                .iter()
                .chain([&stored.current])
                .filter(|e| !kept(e))
            {
                batch.delete(&keys.past(*gone));
                batch.delete_prefix(&keys.secret_tree(*gone));
            }
        }
        Ok(Persisted {
            store: store.id(),
            past: past_numbers,
            current,
            state_hash,
        })
    }

    /// Records that the batch [`Group::stage`] filled is written: later persists write what
    /// changes from here.
    pub(crate) fn mark_persisted(&mut self, persisted: Persisted) {
        self.tree.track_changed_nodes();
        self.epoch.secret_tree.track_changes();
        self.past_epochs
            .iter_mut()
            .for_each(|past| past.secret_tree.track_changes());
        self.persisted = Some(persisted);
    }

    /// Puts the ratchet tree's changed nodes (every node if asked, or if changes are not
    /// tracked).
    fn write_tree(
        &self,
        store: &Store,
        keys: &Keys,
        everything: bool,
        batch: &mut Batch,
    ) -> Result<(), GroupError> {
        let all: BTreeSet<u32>;
        let nodes = match self.tree.changed_nodes().filter(|_| !everything) {
            Some(changed) => changed,
            None => {
                batch.delete_prefix(&keys.nodes());
                all = (0..self.tree.size().node_count()).collect();
                &all
            }
        };
        for &node in nodes {
            let bytes = match self.tree.node(NodeIndex(node)) {
                None => {
                    batch.delete(&keys.node(node));
                    continue;
                }
                Some(NodeRef::Leaf(leaf)) => {
                    payload(|out| Ok(out.put_wire(&Node::Leaf(leaf.clone()))?))?
                }
                Some(NodeRef::Parent(parent)) => {
                    payload(|out| Ok(out.put_wire(&Node::Parent(parent.clone()))?))?
                }
            };
            store.put(batch, &keys.node(node), &bytes)?;
        }
        Ok(())
    }

    /// The state record: everything but the tree's nodes, the secret trees and the past
    /// epochs' own records.
    fn encode_state_record(&self, out: &mut SecretWriter) -> Result<(), GroupError> {
        let Epoch {
            context,
            context_bytes: _,
            private_keys,
            secrets,
            secret_tree: _,
            transcript,
            reinit,
        } = &self.epoch;
        out.put_wire(&self.tree.size().leaf_count())?;
        out.put_wire(context)?;
        private_keys.encode_state(out)?;
        secrets.encode_state(out)?;
        transcript.encode_state(out)?;
        out.put_optional(reinit.as_ref(), |reinit, out| out.put_wire(reinit))?;
        out.put_vector(|out| {
            self.past_epochs
                .iter()
                .try_for_each(|past| out.put_wire(&past.epoch))
        })?;
        encode_resumption_psks(&self.resumption_psks, out)?;
        encode_keyed_secrets(&self.external_psks, Secret::as_bytes, out)?;
        encode_proposals(&self.proposals, out)?;
        encode_keyed_secrets(&self.update_keys, HpkePrivateKey::as_bytes, out)?;
        encode_pending_commit(self.pending_commit.as_ref(), out)?;
        out.put_optional(self.removed_in.as_ref(), |epoch, out| out.put_wire(epoch))?;
        Ok(())
    }

    /// Opens the group `group_id` from `store`, with the provider and signer the application
    /// keeps and its configuration. Every record is checked (its envelope, then its contents
    /// as [`Group::load`] checks a saved state); a missing group is
    /// [`GroupError::GroupNotStored`]. Later [`Group::persist`] calls to the same store are
    /// incremental.
    pub fn open(
        store: &Store,
        group_id: &[u8],
        provider: Arc<dyn CryptoProvider>,
        signer: Arc<dyn Signer>,
        config: GroupConfig,
    ) -> Result<Self, GroupError> {
        let keys = Keys::new(group_id)?;
        let state = store
            .get(&keys.state(), "group state")?
            .ok_or(GroupError::GroupNotStored)?;
        let mut reader = Reader::new(&state);
        let leaf_count = u32::decode(&mut reader)?;
        let context = GroupContext::decode(&mut reader)?;
        if context.group_id.as_slice() != group_id {
            return Err(GroupError::InvalidSavedState("the state of another group"));
        }
        let private_keys = TreePrivateKeys::decode_state(&mut reader)?;
        let secrets = EpochSecrets::decode_state(&mut reader)?;
        let transcript = TranscriptHashes::decode_state(&mut reader)?;
        let reinit = match u8::decode(&mut reader)? {
            0 => None,
            1 => Some(ReInit::decode(&mut reader)?),
            flag => return Err(mls_codec::CodecError::InvalidOptionalFlag(flag).into()),
        };
        let past_numbers = mls_codec::decode_vector(&mut reader, u64::decode)?;
        let resumption_psks = decode_resumption_psks(&mut reader)?;
        let external_psks = decode_keyed_secrets(&mut reader, Secret::new)?;
        let proposals = decode_proposals(&mut reader)?;
        let update_keys = decode_keyed_secrets(&mut reader, HpkePrivateKey::new)?;
        let pending_commit = decode_pending_commit(&mut reader)?;
        let removed_in = decode_removed_in(&mut reader)?;
        reader.finish()?;

        let mut tree = read_tree(store, &keys, leaf_count)?;
        let epoch = Epoch {
            context_bytes: mls_codec::Encode::to_bytes(&context)?,
            secret_tree: read_secret_tree(store, &keys, context.epoch)?,
            context,
            private_keys,
            secrets,
            transcript,
            reinit,
        };
        let past_epochs = past_numbers
            .into_iter()
            .map(|number| read_past(store, &keys, number))
            .collect::<Result<_, _>>()?;
        let suite = provider.suite(epoch.context.cipher_suite)?;
        check_trees(suite, &mut tree, &epoch, pending_commit.as_ref())?;
        let mut group = Self {
            provider,
            signer,
            config,
            tree,
            epoch,
            past_epochs,
            resumption_psks,
            external_psks,
            proposals,
            update_keys,
            pending_commit,
            verifying_keys: std::collections::HashMap::new(),
            removed_in,
            proposal_authenticated_data: Vec::new(),
            persisted: None,
        };
        let state_hash = group.provider.suite(store.cipher_suite())?.hash(&state);
        group.tree.track_changed_nodes();
        group.epoch.secret_tree.track_changes();
        let mut past = BTreeSet::new();
        for epoch in &mut group.past_epochs {
            epoch.secret_tree.track_changes();
            past.insert(epoch.epoch);
        }
        group.persisted = Some(Persisted {
            store: store.id(),
            past,
            current: group.epoch.context.epoch,
            state_hash,
        });
        Ok(group)
    }
}

/// Puts a secret tree's changed parts (all of them if asked, or if changes are not tracked).
fn write_secret_tree(
    store: &Store,
    keys: &Keys,
    epoch: u64,
    tree: &SecretTree,
    everything: bool,
    batch: &mut Batch,
) -> Result<(), GroupError> {
    let untracked;
    let parts = match tree.changes().filter(|_| !everything) {
        Some(changes) => changes,
        None => {
            batch.delete_prefix(&keys.secret_tree(epoch));
            let header = payload(|out| Ok(tree.encode_header_state(out)?))?;
            store.put(batch, &keys.secret_tree_part(epoch, HEADER, 0), &header)?;
            untracked = tree.stored_parts();
            &untracked
        }
    };
    for &node in &parts.nodes {
        let mut out = SecretWriter::new();
        let key = keys.secret_tree_part(epoch, NODE_SECRET, node);
        if tree.encode_node_state(node, &mut out)? {
            store.put(batch, &key, &out.into_bytes())?;
        } else {
            batch.delete(&key);
        }
    }
    for &leaf in &parts.leaves {
        let mut out = SecretWriter::new();
        let key = keys.secret_tree_part(epoch, LEAF_RATCHETS, leaf);
        if tree.encode_leaf_state(leaf, &mut out)? {
            store.put(batch, &key, &out.into_bytes())?;
        } else {
            batch.delete(&key);
        }
    }
    Ok(())
}

fn encode_past_record(past: &PastEpoch, out: &mut SecretWriter) -> Result<(), GroupError> {
    out.put_wire(&past.epoch)?;
    out.put_opaque(&past.context_bytes)?;
    past.replaced.encode_state(out)?;
    out.put_opaque(past.sender_data_secret.as_bytes())?;
    Ok(())
}

fn read_past(store: &Store, keys: &Keys, number: u64) -> Result<PastEpoch, GroupError> {
    let record =
        store
            .get(&keys.past(number), "past epoch")?
            .ok_or(GroupError::InvalidSavedState(
                "a retained epoch's record is missing",
            ))?;
    let mut reader = Reader::new(&record);
    let epoch = u64::decode(&mut reader)?;
    if epoch != number {
        return Err(GroupError::InvalidSavedState(
            "a past epoch stored under another number",
        ));
    }
    let context_bytes = VarBytes::decode(&mut reader)?.into_vec();
    let replaced = ReplacedLeaves::decode_state(&mut reader)?;
    let sender_data_secret = decode_secret(&mut reader)?;
    reader.finish()?;
    Ok(PastEpoch {
        epoch,
        context_bytes,
        replaced,
        sender_data_secret,
        secret_tree: read_secret_tree(store, keys, number)?,
    })
}

fn read_tree(store: &Store, keys: &Keys, leaf_count: u32) -> Result<RatchetTree, GroupError> {
    let prefix = keys.nodes();
    let records = store.scan(&prefix, "ratchet tree node")?;
    let node_count = usize::try_from(leaf_count)
        .ok()
        .and_then(|leaves| leaves.checked_mul(2))
        .and_then(|nodes| nodes.checked_sub(1))
        .filter(|_| leaf_count.is_power_of_two())
        .ok_or(GroupError::InvalidSavedState(
            "the tree size is not a power of two",
        ))?;
    if records.len() > node_count {
        return Err(GroupError::InvalidSavedState(
            "more tree nodes than the tree has",
        ));
    }
    let mut nodes: Vec<Option<Node>> = vec![None; node_count];
    for (key, value) in records {
        let index = index_after(&key, prefix.len())?;
        let slot = nodes
            .get_mut(index as usize)
            .ok_or(GroupError::InvalidSavedState(
                "a tree node outside the tree",
            ))?;
        *slot = Some(Node::from_bytes(&value)?);
    }
    while nodes.last().is_some_and(Option::is_none) {
        nodes.pop();
    }
    let tree = RatchetTree::from_nodes(nodes)?;
    if tree.size().leaf_count() != leaf_count {
        return Err(GroupError::InvalidSavedState(
            "the tree's nodes do not fill its size",
        ));
    }
    Ok(tree)
}

fn read_secret_tree(store: &Store, keys: &Keys, epoch: u64) -> Result<SecretTree, GroupError> {
    let prefix = keys.secret_tree(epoch);
    let records = store.scan(&prefix, "secret tree")?;
    let mut header = None;
    let mut nodes = Vec::new();
    let mut leaves = Vec::new();
    for (key, value) in &records {
        let rest = &key[prefix.len()..];
        let index = index_after(key, prefix.len() + 1)?;
        match rest.first().map(std::slice::from_ref) {
            Some(HEADER) if index == 0 => header = Some(&value[..]),
            Some(NODE_SECRET) => nodes.push((index, &value[..])),
            Some(LEAF_RATCHETS) => leaves.push((index, &value[..])),
            _ => {
                return Err(GroupError::InvalidSavedState(
                    "an unknown secret tree record",
                ));
            }
        }
    }
    let header = header.ok_or(GroupError::InvalidSavedState("a secret tree has no header"))?;
    Ok(SecretTree::decode_parts(header, &nodes, &leaves)?)
}

/// The big-endian u32 that ends `key` at `offset`.
fn index_after(key: &[u8], offset: usize) -> Result<u32, GroupError> {
    key.get(offset..)
        .and_then(|bytes| <[u8; 4]>::try_from(bytes).ok())
        .map(u32::from_be_bytes)
        .ok_or(GroupError::InvalidSavedState(
            "a record key of the wrong length",
        ))
}
