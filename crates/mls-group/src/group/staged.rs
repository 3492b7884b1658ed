//! Received commits the application inspects before they take effect (RFC 9420 §12.4.2).
//!
//! A commit is checked in full (proposals, credentials, UpdatePath, confirmation tag) and its
//! changes to the tree recorded, then undone: the group stays as it was, and a
//! [`StagedCommit`] says what the commit does. [`Group::merge_staged_commit`] replays it;
//! dropping it discards it. [`Group::process_message`] does both steps at once.

use mls_codec::{Credential, Extension, PreSharedKeyId, Proposal, ReInit, Sender};
use mls_tree::LeafIndex;
use mls_tree::low_level::{TreeChanges, TreeTransactions};

use super::messages::Consumed;
use super::{Epoch, Group, Member, ProcessedMessage};
use crate::GroupError;

/// A received commit, checked but not yet in effect: what it changes, for the application to
/// show or refuse, and what merging it needs. Merge it with [`Group::merge_staged_commit`]
/// while the group is still in the epoch it was staged in; drop it to discard it, which
/// leaves the group as if the commit had never arrived.
#[derive(Debug)]
pub struct StagedCommit {
    pub(super) summary: CommitSummary,
    pub(super) effect: Effect,
    /// The message key of a PrivateMessage commit, consumed only when it is merged (§9.2).
    pub(super) consumed: Option<Consumed>,
}

/// What merging a staged commit does.
pub(super) enum Effect {
    /// Enters the new epoch, replaying the recorded tree changes.
    Enter {
        next: Box<Epoch>,
        tree_changes: TreeChanges,
    },
    /// The commit removes us (§12.1.3).
    Leave,
}

impl std::fmt::Debug for Effect {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            // The next epoch's secrets stay out of logs.
            Self::Enter { tree_changes, .. } => f
                .debug_struct("Enter")
                .field("tree_changes", &tree_changes.len())
                .finish_non_exhaustive(),
            Self::Leave => f.write_str("Leave"),
        }
    }
}

/// What a commit does, as the application sees it.
#[derive(Debug, Clone)]
pub(super) struct CommitSummary {
    pub(super) group_id: Vec<u8>,
    pub(super) from_epoch: u64,
    pub(super) sender: Sender,
    pub(super) committer: LeafIndex,
    pub(super) credential: Credential,
    pub(super) authenticated_data: Vec<u8>,
    pub(super) added: Vec<Member>,
    pub(super) removed: Vec<Member>,
    pub(super) updated: Vec<Member>,
    pub(super) psks: Vec<PreSharedKeyId>,
    pub(super) group_context_extensions: Option<Vec<Extension>>,
    pub(super) reinit: Option<ReInit>,
    pub(super) custom_proposals: Vec<(Sender, Proposal)>,
}

impl StagedCommit {
    /// The committer: `Member(leaf)`, or `NewMemberCommit` for an external commit
    /// (§12.4.3.2).
    pub fn sender(&self) -> Sender {
        self.summary.sender
    }

    /// The committer's leaf: its current leaf, or for an external commit the leaf it joins
    /// at.
    pub fn committer(&self) -> LeafIndex {
        self.summary.committer
    }

    /// The committer's credential: as its leaf held it when it signed the commit, or, for an
    /// external commit, its new leaf's.
    pub fn credential(&self) -> &Credential {
        &self.summary.credential
    }

    /// The commit message's `authenticated_data` (§6).
    pub fn authenticated_data(&self) -> &[u8] {
        &self.summary.authenticated_data
    }

    /// The epoch the commit starts.
    pub fn epoch(&self) -> u64 {
        self.summary.from_epoch.saturating_add(1)
    }

    /// The members it adds (§12.1.1), at the leaves they will hold. An external joiner is
    /// among them.
    pub fn added(&self) -> &[Member] {
        &self.summary.added
    }

    /// The members it removes (§12.1.3), as they are now.
    pub fn removed(&self) -> &[Member] {
        &self.summary.removed
    }

    /// The members whose leaves its Update proposals replace (§12.1.2), as they will be.
    /// (Every commit with a path also gives the committer a new leaf: see
    /// [`StagedCommit::committer`].)
    pub fn updated(&self) -> &[Member] {
        &self.summary.updated
    }

    /// The pre-shared keys it injects (§8.4, §12.1.4).
    pub fn psks(&self) -> &[PreSharedKeyId] {
        &self.summary.psks
    }

    /// The group's new extensions, if it changes them (§12.1.7).
    pub fn group_context_extensions(&self) -> Option<&[Extension]> {
        self.summary.group_context_extensions.as_deref()
    }

    /// The ReInit it commits, after which the group is frozen (§11.2, §12.1.5).
    pub fn reinit(&self) -> Option<&ReInit> {
        self.summary.reinit.as_ref()
    }

    /// The proposals of custom types (§13) it covers, with their senders, in its order.
    pub fn custom_proposals(&self) -> &[(Sender, Proposal)] {
        &self.summary.custom_proposals
    }

    /// Whether it removes us: merging it then leaves the group (§12.1.3).
    pub fn removes_us(&self) -> bool {
        matches!(self.effect, Effect::Leave)
    }
}

impl Group {
    /// Processes a message as [`Group::process_message`] does, except that a commit is only
    /// staged: it comes back as [`ProcessedMessage::StagedCommit`], checked in full, and the
    /// group stays in its epoch until [`Group::merge_staged_commit`]. Application messages
    /// and proposals are processed as usual (proposals are cached; a cached proposal can be
    /// left out of our commits with [`Group::clear_proposals`]).
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # use mls_codec::CipherSuite;
    /// # use mls_crypto_rustcrypto::RustCryptoProvider;
    /// # use mls_group::{Client, ProcessedMessage};
    /// # let provider = Arc::new(RustCryptoProvider);
    /// # let suite = CipherSuite::MLS_128_DHKEMX25519_AES128GCM_SHA256_ED25519;
    /// # let alice = Client::new(provider.clone(), suite, b"alice")?;
    /// # let mut bob = Client::new(provider.clone(), suite, b"bob")?;
    /// # let mut carol = Client::new(provider, suite, b"carol")?;
    /// # let mut alice_group = alice.create_group(b"group")?;
    /// # let added = alice_group.add_members(&[bob.key_package()?])?;
    /// # alice_group.merge_pending_commit()?;
    /// # let mut bob_group = bob.join(&added.welcome.expect("welcome"), None)?;
    /// let commit = alice_group.add_members(&[carol.key_package()?])?.commit;
    /// alice_group.merge_pending_commit()?;
    ///
    /// let ProcessedMessage::StagedCommit(staged) = bob_group.process_message_staged(&commit)?
    /// else {
    ///     panic!("a commit is staged");
    /// };
    /// assert_eq!(staged.added().len(), 1); // "alice added carol"
    /// assert_eq!(bob_group.epoch(), 1); // nothing changed yet
    /// bob_group.merge_staged_commit(*staged)?;
    /// assert_eq!(bob_group.epoch_authenticator(), alice_group.epoch_authenticator());
    /// # Ok::<(), mls_group::GroupError>(())
    /// ```
    pub fn process_message_staged(&mut self, bytes: &[u8]) -> Result<ProcessedMessage, GroupError> {
        self.receive(bytes, true)
    }

    /// Merges a commit staged by [`Group::process_message_staged`]: the group enters the
    /// commit's epoch (or, if it removes us, leaves the group), as [`Group::process_message`]
    /// would have. Fails with [`GroupError::StaleStagedCommit`] if the group is no longer in
    /// the epoch the commit was staged in, or is another group.
    pub fn merge_staged_commit(
        &mut self,
        staged: StagedCommit,
    ) -> Result<ProcessedMessage, GroupError> {
        let StagedCommit {
            summary,
            effect,
            consumed,
        } = staged;
        if summary.group_id != self.epoch.context.group_id.as_slice()
            || summary.from_epoch != self.epoch()
        {
            return Err(GroupError::StaleStagedCommit);
        }
        let processed = match effect {
            Effect::Leave => self.leave(summary.sender)?,
            Effect::Enter { next, tree_changes } => {
                let replaced = self.tree.apply_changes(&tree_changes)?;
                self.enter_epoch(*next, replaced);
                ProcessedMessage::Commit {
                    sender: summary.committer,
                    credential: summary.credential,
                    authenticated_data: summary.authenticated_data,
                    epoch: self.epoch(),
                    custom_proposals: summary.custom_proposals,
                }
            }
        };
        if let Some(consumed) = consumed {
            self.consume(&consumed)?;
        }
        Ok(processed)
    }

    /// Ends the recording of a commit's changes to the tree: undoes them and returns what
    /// merging the commit needs, or, if staging failed, undoes them and returns the error.
    pub(super) fn stash_commit(
        &mut self,
        staged: Result<(Epoch, CommitSummary), GroupError>,
    ) -> Result<StagedCommit, GroupError> {
        let tree_changes = self.tree.stash_changes();
        let (next, summary) = staged?;
        Ok(StagedCommit {
            summary,
            effect: Effect::Enter {
                next: Box::new(next),
                tree_changes,
            },
            consumed: None,
        })
    }
}
