//! The driver's model of the roster (who sits at which leaf), from which it computes the
//! `stateUpdate` a script implies, and reads the one a PublicMessage commit carries.

use std::collections::BTreeSet;

use mls_codec::{
    Credential, Decode, FramedContentBody, MlsMessage, MlsMessageBody, Proposal, ProposalOrRef,
    Psk, Sender,
};

use super::{Step, StepError};

/// One change a script asks for.
#[derive(Debug, Clone)]
pub(crate) enum Change {
    Add(String),
    Update(String),
    Remove(String),
    ExternalPsk(Vec<u8>),
    ResumptionPsk(u64),
    /// GroupContextExtensions: not part of a stateUpdate.
    Extensions,
    /// ReInit: not part of a stateUpdate.
    Reinit,
}

/// A commit's `stateUpdate` (test-config.md): leaves added (with who), updated, removed,
/// and the PSKs mixed in (without nonce). Compared as sets: the order of proposals of one
/// kind within a commit is the committer's choice.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct StateUpdate {
    pub(crate) added: BTreeSet<u32>,
    pub(crate) added_members: BTreeSet<String>,
    pub(crate) updated: BTreeSet<u32>,
    pub(crate) removed: BTreeSet<u32>,
    pub(crate) psks: BTreeSet<String>,
}

/// The members by leaf; `None` is a blank leaf.
#[derive(Debug, Default, Clone)]
pub(crate) struct Roster {
    leaves: Vec<Option<String>>,
}

fn identity(credential: &Credential) -> String {
    match credential {
        Credential::Basic { identity } => String::from_utf8_lossy(identity).into_owned(),
        other => format!("{other:?}"),
    }
}

impl Roster {
    /// Puts `name` in the leftmost blank leaf, or a new one (RFC 9420 §12.1.1, §7.7).
    pub(crate) fn add(&mut self, name: &str) -> u32 {
        let leaf = match self.leaves.iter().position(Option::is_none) {
            Some(leaf) => {
                self.leaves[leaf] = Some(name.to_owned());
                leaf
            }
            None => {
                self.leaves.push(Some(name.to_owned()));
                self.leaves.len() - 1
            }
        };
        u32::try_from(leaf).expect("small group")
    }

    fn leaf(&self, name: &str) -> Step<u32> {
        self.leaves
            .iter()
            .position(|n| n.as_deref() == Some(name))
            .and_then(|leaf| u32::try_from(leaf).ok())
            .ok_or_else(|| StepError::Failed(format!("{name} is not in the group (model)")))
    }

    fn remove_leaf(&mut self, leaf: u32) {
        if let Some(slot) = self.leaves.get_mut(leaf as usize) {
            *slot = None;
        }
        while self.leaves.last().is_some_and(Option::is_none) {
            self.leaves.pop();
        }
    }

    /// Applies a commit of `changes` (updates, then removes, then adds: RFC 9420 §12.3) to
    /// the roster and returns its stateUpdate. An Update by the committer is not one (§12.2).
    pub(crate) fn apply(
        &mut self,
        changes: &[(Option<String>, Change)],
        committer: &str,
    ) -> Step<StateUpdate> {
        let mut update = StateUpdate::default();
        for (_, change) in changes {
            match change {
                Change::Update(who) if who != committer => {
                    update.updated.insert(self.leaf(who)?);
                }
                Change::ExternalPsk(id) => {
                    update.psks.insert(format!("external {}", hex::encode(id)));
                }
                Change::ResumptionPsk(epoch) => {
                    update.psks.insert(format!("resumption {epoch}"));
                }
                _ => {}
            }
        }
        for (_, change) in changes {
            if let Change::Remove(who) = change {
                let leaf = self.leaf(who)?;
                update.removed.insert(leaf);
                self.remove_leaf(leaf);
            }
        }
        for (_, change) in changes {
            if let Change::Add(who) = change {
                update.added.insert(self.add(who));
                update.added_members.insert(who.clone());
            }
        }
        Ok(update)
    }

    /// The stateUpdate of a PublicMessage commit on this roster (the one before the commit),
    /// with the proposals it includes by reference given as the messages that carried them;
    /// and the roster after it.
    pub(crate) fn observe(
        &self,
        commit: &[u8],
        proposals: &[Vec<u8>],
    ) -> Step<(StateUpdate, Roster)> {
        let (sender, body) = public_content(commit)?;
        let FramedContentBody::Commit(commit) = body else {
            return Err("not a commit".into());
        };
        let mut referenced = Vec::new();
        for message in proposals {
            let (sender, body) = public_content(message)?;
            let FramedContentBody::Proposal(proposal) = body else {
                return Err("a referenced message is not a proposal".into());
            };
            referenced.push((sender, proposal));
        }
        let references = commit
            .proposals
            .iter()
            .filter(|p| matches!(p, ProposalOrRef::Reference(_)))
            .count();
        if references != referenced.len() {
            return Err(StepError::Failed(format!(
                "the commit references {references} proposals, the script {}",
                referenced.len()
            )));
        }
        let mut all: Vec<(Sender, Proposal)> = referenced;
        for proposal in commit.proposals {
            if let ProposalOrRef::Proposal(proposal) = proposal {
                all.push((sender, proposal));
            }
        }
        let mut roster = self.clone();
        let mut update = StateUpdate::default();
        for (sender, proposal) in &all {
            match proposal {
                Proposal::Update(_) => {
                    if let Sender::Member(leaf) = sender {
                        update.updated.insert(leaf.0);
                    }
                }
                Proposal::PreSharedKey(psk) => {
                    update.psks.insert(match &psk.psk.psk {
                        Psk::External { psk_id } => format!("external {}", hex::encode(psk_id)),
                        Psk::Resumption { psk_epoch, .. } => format!("resumption {psk_epoch}"),
                    });
                }
                Proposal::Remove(remove) => {
                    update.removed.insert(remove.removed);
                    roster.remove_leaf(remove.removed);
                }
                _ => {}
            }
        }
        for (_, proposal) in &all {
            if let Proposal::Add(add) = proposal {
                let who = identity(&add.key_package.leaf_node.credential);
                update.added.insert(roster.add(&who));
                update.added_members.insert(who);
            }
        }
        // An external commit adds its sender from the path's leaf node (§12.4.3.2).
        if sender == Sender::NewMemberCommit {
            let path = commit.path.ok_or("an external commit without a path")?;
            let who = identity(&path.leaf_node.credential);
            update.added.insert(roster.add(&who));
            update.added_members.insert(who);
        }
        Ok((update, roster))
    }
}

/// The sender and content of a PublicMessage MLSMessage.
fn public_content(message: &[u8]) -> Step<(Sender, FramedContentBody)> {
    let message = MlsMessage::from_bytes(message).map_err(|e| StepError::Failed(e.to_string()))?;
    match message.body {
        MlsMessageBody::PublicMessage(public) => {
            Ok((public.content.sender, public.content.content))
        }
        _ => Err("a handshake message is not a PublicMessage in public mode".into()),
    }
}
