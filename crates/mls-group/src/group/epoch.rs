//! The state of one epoch (RFC 9420 §8): its GroupContext, ratchet tree, our private keys, its
//! secrets and transcript hashes; and what is kept of it once the group moves on.

use mls_codec::{Encode, GroupContext, ReInit};
use mls_crypto::{CipherSuiteProvider, Secret};
use mls_key_schedule::{EpochSecrets, SecretTree, SecretTreeConfig, TranscriptHashes};
use mls_tree::{RatchetTree, TreePrivateKeys};

use crate::GroupError;

/// The current epoch of a group, as one member sees it.
pub(crate) struct Epoch {
    /// The GroupContext (§8.1).
    pub(crate) context: GroupContext,
    /// Its encoding, made once per epoch: every signature and HPKE context covers it.
    pub(crate) context_bytes: Vec<u8>,
    /// The ratchet tree (§7).
    pub(crate) tree: RatchetTree,
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
        tree: RatchetTree,
        private_keys: TreePrivateKeys,
        mut secrets: EpochSecrets,
        transcript: TranscriptHashes,
        config: SecretTreeConfig,
    ) -> Result<Self, GroupError> {
        let context_bytes = context.to_bytes()?;
        let secret_tree = secrets
            .take_secret_tree(suite, tree.size(), config)?
            .ok_or(GroupError::Internal(
                "the encryption secret was already used",
            ))?;
        Ok(Self {
            context,
            context_bytes,
            tree,
            private_keys,
            secrets,
            secret_tree,
            transcript,
            reinit: None,
        })
    }

    /// What is kept once the group has left this epoch: the message keys of late application
    /// messages, and separately its resumption PSK. The tree's private keys, the init secret
    /// and every other secret are dropped and wiped here (§9.2, §16.6).
    pub(crate) fn into_past(self) -> (PastEpoch, Secret) {
        let resumption_psk = Secret::from_slice(self.secrets.resumption_psk().as_bytes());
        let past = PastEpoch {
            epoch: self.context.epoch,
            context_bytes: self.context_bytes,
            tree: self.tree,
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
    /// The tree, for the senders' signature keys.
    pub(crate) tree: RatchetTree,
    /// The sender-data secret, to find a message's sender and generation.
    pub(crate) sender_data_secret: Secret,
    /// The remaining message keys.
    pub(crate) secret_tree: SecretTree,
}
