//! The state of one epoch (RFC 9420 §8): its GroupContext, our private keys, its secrets and
//! transcript hashes; and what is kept of it once the group moves on. The ratchet tree is
//! the group's, changed in place from epoch to epoch.

use std::collections::VecDeque;

use mls_codec::LeafNode;
use mls_codec::{Encode, GroupContext, ReInit};
use mls_crypto::{CipherSuiteProvider, Secret};
use mls_key_schedule::{EpochSecrets, SecretTree, SecretTreeConfig, TranscriptHashes};
use mls_tree::low_level::ReplacedLeaves;
use mls_tree::{LeafIndex, RatchetTree, TreePrivateKeys, TreeSize};

use crate::GroupError;

/// The current epoch of a group, as one member sees it.
pub(crate) struct Epoch {
    /// The GroupContext (§8.1).
    pub(crate) context: GroupContext,
    /// Its encoding, made once per epoch: every signature and HPKE context covers it.
    pub(crate) context_bytes: Vec<u8>,
    /// Our leaf and the private keys we hold for it and our direct path (§4.2).
    pub(crate) private_keys: TreePrivateKeys,
    /// The epoch's secrets (§8), the encryption secret moved into `secret_tree`.
    pub(crate) secrets: EpochSecrets,
    /// The message keys of every sender (§9).
    pub(crate) secret_tree: SecretTree,
    /// The confirmed and interim transcript hashes (§8.2).
    pub(crate) transcript: TranscriptHashes,
    /// The ReInit committed into this epoch, if any: the group is then frozen (§11.2).
    pub(crate) reinit: Option<ReInit>,
}

impl Epoch {
    /// Assembles an epoch from its parts, moving the encryption secret into a new secret tree.
    pub(crate) fn new(
        suite: &dyn CipherSuiteProvider,
        context: GroupContext,
        tree_size: TreeSize,
        private_keys: TreePrivateKeys,
        mut secrets: EpochSecrets,
        transcript: TranscriptHashes,
        config: SecretTreeConfig,
    ) -> Result<Self, GroupError> {
        let context_bytes = context.to_bytes()?;
        let secret_tree =
            secrets
                .take_secret_tree(suite, tree_size, config)?
                .ok_or(GroupError::Internal(
                    "the encryption secret was already used",
                ))?;
        Ok(Self {
            context,
            context_bytes,
            private_keys,
            secrets,
            secret_tree,
            transcript,
            reinit: None,
        })
    }

    /// What is kept once the group has left this epoch: the message keys of late application
    /// messages with the leaves the commit that ended it `replaced`, and separately its
    /// resumption PSK. The tree's private keys, the init secret and every other secret are
    /// dropped and wiped here (§9.2, §16.6).
    pub(crate) fn into_past(self, replaced: ReplacedLeaves) -> (PastEpoch, Secret) {
        let resumption_psk = Secret::from_slice(self.secrets.resumption_psk().as_bytes());
        let past = PastEpoch {
            epoch: self.context.epoch,
            context_bytes: self.context_bytes,
            replaced,
            sender_data_secret: Secret::from_slice(self.secrets.sender_data_secret().as_bytes()),
            secret_tree: self.secret_tree,
        };
        (past, resumption_psk)
    }
}

/// A past epoch whose application message keys are still kept (`retained_epochs`).
pub(crate) struct PastEpoch {
    /// The epoch number.
    pub(crate) epoch: u64,
    /// The encoded GroupContext, which senders' signatures cover.
    pub(crate) context_bytes: Vec<u8>,
    /// The leaves that the commit ending this epoch replaced, with their leaf nodes in this
    /// epoch: with the later epochs' and the current tree, they give this epoch's members.
    pub(crate) replaced: ReplacedLeaves,
    /// The sender-data secret, to find a message's sender and generation.
    pub(crate) sender_data_secret: Secret,
    /// The remaining message keys.
    pub(crate) secret_tree: SecretTree,
}

/// The leaf node at `leaf` in the epoch of `past[index]`, where `past` lists the past epochs
/// newest first and `tree` is the current tree: the value before the first later commit that
/// replaced it, or the current one if none did. `None` if it was blank.
pub(crate) fn past_leaf<'a>(
    past: &'a VecDeque<PastEpoch>,
    index: usize,
    tree: &'a RatchetTree,
    leaf: LeafIndex,
) -> Option<&'a LeafNode> {
    past.range(..=index)
        .rev()
        .find_map(|epoch| epoch.replaced.get(leaf))
        .unwrap_or_else(|| tree.leaf(leaf))
}
