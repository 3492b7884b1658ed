//! A member's view of a group (RFC 9420 §8-§15): the current epoch, the past epochs whose
//! application keys are kept, received proposals, and our own pending commit.

mod authenticate;
mod commit;
mod epoch;
mod external_commit;
mod external_senders;
mod join;
mod messages;
mod persist;
mod propose;
mod reinit;
mod select;
mod staged;
mod storage;
#[cfg(test)]
mod tests;

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;

use mls_codec::{CipherSuite, Credential, GroupContext, Proposal, ProposalRef, Sender};
use mls_crypto::{
    CipherSuiteProvider, CryptoProvider, HpkePrivateKey, Secret, Signer, VerifyingKey,
};
use mls_tree::low_level::{ReplacedLeaves, TreeChanges, TreeTransactions};
use mls_tree::{LeafIndex, RatchetTree};

use crate::{GroupConfig, GroupError};
pub use commit::{CommitOptions, CommitOutput};
pub(crate) use epoch::{Epoch, PastEpoch};
pub use messages::ProcessedMessage;
pub(crate) use messages::{RELEASE_ELSEWHERE_FROM, decode_message, release};
pub use select::OmittedProposal;
pub use staged::StagedCommit;
pub(crate) use storage::{decode_keyed_secrets, encode_keyed_secrets};

/// A member of the group, as the ratchet tree lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Member {
    /// The member's leaf.
    pub leaf: LeafIndex,
    /// Its credential (§5.3).
    pub credential: Credential,
    /// Its signature public key.
    pub signature_key: Vec<u8>,
    /// Its `application_id` (§5.3.3), from its leaf node's extension, if it has a
    /// well-formed one. Not authenticated by the Authentication Service, nor necessarily
    /// unique.
    pub application_id: Option<Vec<u8>>,
    /// What its client supports (§7.2).
    pub capabilities: mls_codec::Capabilities,
}

impl Member {
    /// The member at `leaf`, whose leaf node is `node`.
    pub(super) fn of(leaf: LeafIndex, node: &mls_codec::LeafNode) -> Self {
        Self {
            leaf,
            credential: node.credential.clone(),
            signature_key: node.signature_key.to_vec(),
            capabilities: node.capabilities.clone(),
            application_id: crate::key_package::leaf_application_id(node),
        }
    }
}

/// A proposal received (or sent) in the current epoch, which a commit may include by
/// reference (§12.4).
#[derive(Debug, Clone)]
pub(crate) struct CachedProposal {
    pub(crate) reference: ProposalRef,
    pub(crate) sender: Sender,
    pub(crate) proposal: Proposal,
    /// Whether the application declined it for our commits ([`Group::clear_proposals`]).
    pub(crate) declined: bool,
}

/// Our commit, sent but not yet merged: the group moves to its epoch only when the
/// application merges it, after the delivery service accepted it (§14). Its changes to the
/// tree are stashed, to be replayed on the tree of the current epoch.
pub(crate) struct PendingCommit {
    pub(crate) epoch: Epoch,
    pub(crate) tree_changes: TreeChanges,
}

/// One member's state of one group.
pub struct Group {
    provider: Arc<dyn CryptoProvider>,
    signer: Arc<dyn Signer>,
    config: GroupConfig,
    /// The ratchet tree of the current epoch (§7), changed in place by each commit.
    tree: RatchetTree,
    epoch: Epoch,
    past_epochs: VecDeque<PastEpoch>,
    resumption_psks: VecDeque<(u64, Secret)>,
    external_psks: HashMap<Vec<u8>, Secret>,
    proposals: Vec<CachedProposal>,
    /// Private keys of the leaf nodes of our own Update proposals of this epoch, by public key.
    update_keys: HashMap<Vec<u8>, HpkePrivateKey>,
    pending_commit: Option<PendingCommit>,
    /// Members' signature keys as the provider decoded them, by leaf, each checked against the
    /// leaf's key bytes before use (not saved: a cache).
    verifying_keys: HashMap<u32, VerifyingKey>,
    /// The epoch of the commit that removed us, once one has (§12.1.3): the group then sends
    /// nothing and accepts only the application messages of its last epoch.
    removed_in: Option<u64>,
    /// The `authenticated_data` of the proposals we send, set only for the duration of
    /// [`Group::propose_with_authenticated_data`] (not saved).
    proposal_authenticated_data: Vec<u8>,
    /// What the [`crate::Store`] holds of this group, once it holds it: what the next
    /// [`Group::persist`] need not write again (not saved).
    persisted: Option<persist::Persisted>,
}

impl std::fmt::Debug for Group {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Group")
            .field("group_id", &self.epoch.context.group_id)
            .field("epoch", &self.epoch.context.epoch)
            .field("own_leaf", &self.own_leaf())
            .field("members", &self.tree.member_count())
            .finish_non_exhaustive()
    }
}

impl Group {
    fn from_epoch(
        provider: Arc<dyn CryptoProvider>,
        signer: Arc<dyn Signer>,
        config: GroupConfig,
        tree: RatchetTree,
        epoch: Epoch,
    ) -> Self {
        Self {
            provider,
            signer,
            config,
            tree,
            epoch,
            past_epochs: VecDeque::new(),
            resumption_psks: VecDeque::new(),
            external_psks: HashMap::new(),
            proposals: Vec::new(),
            update_keys: HashMap::new(),
            pending_commit: None,
            verifying_keys: HashMap::new(),
            removed_in: None,
            proposal_authenticated_data: Vec::new(),
            persisted: None,
        }
    }

    /// The operations of the group's cipher suite.
    pub(crate) fn suite(&self) -> Result<&dyn CipherSuiteProvider, GroupError> {
        Ok(self.provider.suite(self.epoch.context.cipher_suite)?)
    }

    /// The group's identifier.
    pub fn group_id(&self) -> &[u8] {
        &self.epoch.context.group_id
    }

    /// The current epoch number.
    pub fn epoch(&self) -> u64 {
        self.epoch.context.epoch
    }

    /// The group's cipher suite.
    pub fn cipher_suite(&self) -> CipherSuite {
        self.epoch.context.cipher_suite
    }

    /// The GroupContext of the current epoch (§8.1).
    pub fn group_context(&self) -> &GroupContext {
        &self.epoch.context
    }

    /// Our leaf in the tree.
    pub fn own_leaf(&self) -> LeafIndex {
        self.epoch.private_keys.own_leaf()
    }

    /// The members of the current epoch, in leaf order.
    pub fn members(&self) -> Vec<Member> {
        self.tree
            .members()
            .map(|(leaf, node)| Member::of(leaf, node))
            .collect()
    }

    /// The number of members.
    pub fn member_count(&self) -> u32 {
        self.tree.member_count()
    }

    /// The epoch authenticator (§8.7): equal for every member of the epoch, so that
    /// applications can compare it out of band.
    pub fn epoch_authenticator(&self) -> &[u8] {
        self.epoch.secrets.epoch_authenticator().as_bytes()
    }

    /// The tree hash of the current epoch's ratchet tree (§7.8).
    pub fn tree_hash(&self) -> &[u8] {
        &self.epoch.context.tree_hash
    }

    /// The encoded ratchet tree (the `ratchet_tree` extension value, §12.4.3.3), for a
    /// joiner whose Welcome does not carry it.
    pub fn ratchet_tree(&self) -> Result<Vec<u8>, GroupError> {
        Ok(mls_codec::Encode::to_bytes(&self.tree)?)
    }

    /// The encoded ratchet tree of the epoch our pending commit leads to (the
    /// `ratchet_tree` extension value, RFC 9420 §12.4.3.3), for the joiners of its Welcome
    /// when the tree is delivered out of band; `None` without a pending commit. It copies the
    /// tree once: not for the hot path.
    pub fn pending_commit_ratchet_tree(&self) -> Result<Option<Vec<u8>>, GroupError> {
        let Some(pending) = &self.pending_commit else {
            return Ok(None);
        };
        let mut tree = self.tree.clone();
        tree.apply_changes(&pending.tree_changes)?;
        Ok(Some(mls_codec::Encode::to_bytes(&tree)?))
    }

    /// Sets [`GroupConfig::ratchet_tree_extension`] for this group from now on: whether the
    /// Welcome of our next commit and our next GroupInfo carry the ratchet tree
    /// (RFC 9420 §12.4.3.3), or the application delivers it out of band.
    pub fn set_ratchet_tree_extension(&mut self, ratchet_tree_extension: bool) {
        self.config.ratchet_tree_extension = ratchet_tree_extension;
    }

    /// `MLS-Exporter(label, context, length)` (§8.5): a secret for the application, bound to
    /// the epoch.
    pub fn export_secret(
        &self,
        label: &str,
        context: &[u8],
        length: usize,
    ) -> Result<Secret, GroupError> {
        Ok(self
            .epoch
            .secrets
            .export(self.suite()?, label, context, length)?)
    }

    /// Registers an external pre-shared key (§8.4) that PreSharedKey proposals may name.
    pub fn add_external_psk(&mut self, psk_id: &[u8], psk: Secret) {
        self.external_psks.insert(psk_id.to_vec(), psk);
    }

    /// Whether a commit has removed us from the group (RFC 9420 §12.1.3), reported as
    /// [`ProcessedMessage::Removed`]. The group then refuses to send anything
    /// ([`GroupError::RemovedFromGroup`]); it still decrypts application messages of the
    /// epochs it kept, sent before the removal.
    pub fn is_removed(&self) -> bool {
        self.removed_in.is_some()
    }

    /// Whether a commit of ours awaits [`Group::merge_pending_commit`].
    pub fn has_pending_commit(&self) -> bool {
        self.pending_commit.is_some()
    }

    /// Moves the group to the epoch of our pending commit, once the delivery service has
    /// accepted it (§14).
    pub fn merge_pending_commit(&mut self) -> Result<(), GroupError> {
        let pending = self
            .pending_commit
            .as_ref()
            .ok_or(GroupError::NoPendingCommit)?;
        let replaced = self.tree.apply_changes(&pending.tree_changes)?;
        let pending = self
            .pending_commit
            .take()
            .ok_or(GroupError::NoPendingCommit)?;
        self.enter_epoch(pending.epoch, replaced);
        Ok(())
    }

    /// Notes that a valid commit from `sender` removed us (§12.1.3): we cannot enter its
    /// epoch, whose secrets are encrypted only to the remaining members, and drop what only
    /// a member could use (cached proposals, the keys of our Update proposals, a pending
    /// commit).
    fn leave(&mut self, sender: Sender) -> Result<ProcessedMessage, GroupError> {
        let epoch = self
            .epoch()
            .checked_add(1)
            .ok_or(GroupError::EpochExhausted)?;
        self.removed_in = Some(epoch);
        self.proposals.clear();
        self.update_keys.clear();
        self.pending_commit = None;
        Ok(ProcessedMessage::Removed { sender, epoch })
    }

    /// Leaves every proposal cached so far in this epoch out of our commits (RFC 9420 §12.2
    /// lets the committer choose; see [`CommitOutput::omitted`]). They are still known, so
    /// that a commit of another member that includes them by reference can be processed.
    /// Proposals received afterwards are cached as usual.
    pub fn clear_proposals(&mut self) {
        for cached in &mut self.proposals {
            cached.declined = true;
        }
    }

    /// Discards our pending commit (the delivery service rejected it); the group stays in
    /// its current epoch.
    pub fn clear_pending_commit(&mut self) {
        self.pending_commit = None;
    }

    /// Replaces the current epoch with `next`, whose tree is already in place, the commit
    /// having `replaced` these leaves: the current epoch becomes a past epoch (only its
    /// message keys are kept, and only for `retained_epochs`), and this epoch's proposals and
    /// pending commit are dropped.
    fn enter_epoch(&mut self, next: Epoch, replaced: ReplacedLeaves) {
        let previous = std::mem::replace(&mut self.epoch, next);
        let (past, resumption_psk) = previous.into_past(replaced);
        self.resumption_psks
            .push_front((past.epoch, resumption_psk));
        self.resumption_psks
            .truncate(self.config.retained_resumption_psks);
        self.past_epochs.push_front(past);
        self.past_epochs.truncate(self.config.retained_epochs);
        self.proposals.clear();
        self.update_keys.clear();
        self.pending_commit = None;
    }

    /// The signature key `signature_key` of the member at `leaf`, decoded by the provider
    /// once per key rather than once per message.
    fn verifying_key(
        &mut self,
        leaf: LeafIndex,
        signature_key: &[u8],
    ) -> Result<VerifyingKey, GroupError> {
        if let Some(key) = self.verifying_keys.get(&leaf.0)
            && key.as_bytes() == signature_key
        {
            return Ok(key.clone());
        }
        let key = self.suite()?.verifying_key(signature_key)?;
        self.verifying_keys.insert(leaf.0, key.clone());
        Ok(key)
    }

    /// The value of the resumption PSK of `epoch` of this group (§8.6), if still kept.
    fn resumption_psk(&self, epoch: u64) -> Option<&Secret> {
        if epoch == self.epoch() {
            return Some(self.epoch.secrets.resumption_psk());
        }
        self.resumption_psks
            .iter()
            .find(|(e, _)| *e == epoch)
            .map(|(_, secret)| secret)
    }
}
