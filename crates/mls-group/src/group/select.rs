//! Which proposals our commit covers (RFC 9420 §12.2, §12.4.1): the ones the application
//! passes by value, always, and of the proposals cached in the epoch those that keep the
//! commit valid.
//!
//! §12.2 leaves the choice among valid proposals to the committer ("the committer chooses
//! one and includes only that one"). The rule here, in the order it is applied:
//!
//! 1. The application's proposals by value are all included; if they are invalid together,
//!    the commit fails, since the application asked for exactly them.
//! 2. Cached proposals the application declined ([`Group::clear_proposals`]) are left out.
//! 3. The other cached proposals are considered Removes first, then the rest in the order
//!    they were received. One is left out if, beside what is already chosen, it would break
//!    a rule of §12.2 or §12.4: an Update of our own leaf (our UpdatePath replaces it), a
//!    Remove of us, a second Update or Remove of one leaf (the first chosen wins, so a Remove
//!    beats an Update), a Remove of a blank leaf, an Add of a client already added or still
//!    in the group, a PreSharedKey naming a PSK already named or one we do not have, a second
//!    GroupContextExtensions, or a ReInit together with anything else.
//! 4. If the list so chosen still fails the full validation of §12.2 (which every receiver
//!    runs), the cached proposals are taken one by one in the order received and each is kept
//!    only if the list with it still validates.
//!
//! Whatever was received, a member can therefore always commit: at worst its commit covers
//! only its own proposals. [`crate::CommitOutput::omitted`] lists what was left out and why.

use std::collections::{HashMap, HashSet};

use mls_codec::{PreSharedKeyId, Proposal, ProposalOrRef, ProposalRef, ResumptionPskUsage, Sender};
use mls_tree::LeafIndex;

use super::{CachedProposal, Group};
use crate::GroupError;
use crate::proposals::{self, ProposalError, ProposalPlan, SenderProposal};

/// A cached proposal that our commit left out, and why (RFC 9420 §12.2 lets the committer
/// choose among the proposals of the epoch).
#[derive(Debug)]
#[non_exhaustive]
pub struct OmittedProposal {
    /// The proposal's reference (§5.2).
    pub reference: ProposalRef,
    /// Who sent it.
    pub sender: Sender,
    /// The proposal.
    pub proposal: Proposal,
    /// Why it was left out: the rule of §12.2 it would break beside the proposals chosen
    /// ([`GroupError::Proposal`]), an unknown PSK ([`GroupError::UnknownPsk`]), or
    /// [`GroupError::ProposalDeclined`] for a proposal the application declined.
    pub reason: GroupError,
}

/// The proposals of our commit, in the order it lists them, and their validated effect.
pub(super) struct Selection {
    /// The commit's proposals: the chosen cached ones by reference, in the order received,
    /// then ours by value.
    pub(super) entries: Vec<ProposalOrRef>,
    /// Their effect (§12.3).
    pub(super) plan: ProposalPlan,
    /// The cached proposals left out.
    pub(super) omitted: Vec<OmittedProposal>,
}

impl Group {
    /// Chooses the proposals of our commit besides `by_value` (see the module documentation)
    /// and validates the list as a receiver will; `usage` is the resumption PSK usage its
    /// PreSharedKey proposals may carry besides `application` (§11.2, §11.3).
    pub(super) fn select_proposals(
        &self,
        by_value: Vec<Proposal>,
        usage: ResumptionPskUsage,
    ) -> Result<Selection, GroupError> {
        let own = self.own_leaf();
        let committer = Sender::Member(own);
        let mut chosen = Chosen::default();
        for proposal in &by_value {
            chosen.record(committer, proposal);
        }
        let mut omitted = Vec::new();
        let mut kept = Vec::new();
        let removes_first = self
            .proposals
            .iter()
            .enumerate()
            .filter(|(_, cached)| matches!(cached.proposal, Proposal::Remove(_)))
            .chain(
                self.proposals
                    .iter()
                    .enumerate()
                    .filter(|(_, cached)| !matches!(cached.proposal, Proposal::Remove(_))),
            );
        for (index, cached) in removes_first {
            let conflict = if cached.declined {
                Some(GroupError::ProposalDeclined)
            } else {
                chosen.conflict(self, own, cached)
            };
            match conflict {
                Some(reason) => omitted.push((index, reason)),
                None => {
                    chosen.record(cached.sender, &cached.proposal);
                    kept.push(index);
                }
            }
        }
        kept.sort_unstable();

        let ctx = self.proposal_context(committer)?;
        let list = |cached: &[usize]| -> Vec<SenderProposal> {
            cached
                .iter()
                .map(|&index| SenderProposal {
                    sender: self.proposals[index].sender,
                    proposal: self.proposals[index].proposal.clone(),
                })
                .chain(by_value.iter().map(|proposal| SenderProposal {
                    sender: committer,
                    proposal: proposal.clone(),
                }))
                .collect()
        };
        let plan = match proposals::plan_with_psk_usage(&ctx, list(&kept), usage) {
            Ok(plan) => plan,
            Err(_) => {
                // Rule 4: the application's proposals alone must be valid; then each cached
                // proposal is kept only if the list with it is.
                let mut plan = proposals::plan_with_psk_usage(&ctx, list(&[]), usage)?;
                let candidates = std::mem::take(&mut kept);
                for index in candidates {
                    kept.push(index);
                    match proposals::plan_with_psk_usage(&ctx, list(&kept), usage) {
                        Ok(with_it) => plan = with_it,
                        Err(error) => {
                            kept.pop();
                            omitted.push((index, error.into()));
                        }
                    }
                }
                plan
            }
        };
        omitted.sort_unstable_by_key(|(index, _)| *index);

        let entries = kept
            .iter()
            .map(|&index| ProposalOrRef::Reference(self.proposals[index].reference.clone()))
            .chain(by_value.into_iter().map(ProposalOrRef::Proposal))
            .collect();
        let omitted = omitted
            .into_iter()
            .map(|(index, reason)| {
                let cached = &self.proposals[index];
                OmittedProposal {
                    reference: cached.reference.clone(),
                    sender: cached.sender,
                    proposal: cached.proposal.clone(),
                    reason,
                }
            })
            .collect();
        Ok(Selection {
            entries,
            plan,
            omitted,
        })
    }
}

/// What the proposals chosen so far claim, for the list rules of §12.2 that are cheap to
/// check one proposal at a time.
#[derive(Default)]
struct Chosen<'a> {
    /// How many proposals are chosen.
    count: usize,
    /// Leaves with a chosen Update or Remove.
    touched: HashSet<LeafIndex>,
    /// Leaves with a chosen Remove.
    removed: HashSet<LeafIndex>,
    /// The signature keys of the chosen Adds, with each Add's position among them.
    added: HashMap<&'a [u8], usize>,
    /// The chosen PreSharedKey proposals' IDs.
    psks: Vec<&'a PreSharedKeyId>,
    /// Whether a GroupContextExtensions proposal is chosen.
    group_context_extensions: bool,
    /// Whether a ReInit is chosen.
    reinit: bool,
}

impl<'a> Chosen<'a> {
    /// Notes a chosen proposal.
    fn record(&mut self, sender: Sender, proposal: &'a Proposal) {
        self.count += 1;
        match proposal {
            Proposal::Update(_) => {
                if let Sender::Member(leaf) = sender {
                    self.touched.insert(leaf);
                }
            }
            Proposal::Remove(remove) => {
                self.touched.insert(LeafIndex(remove.removed));
                self.removed.insert(LeafIndex(remove.removed));
            }
            Proposal::Add(add) => {
                let position = self.added.len();
                self.added
                    .entry(add.key_package.leaf_node.signature_key.as_slice())
                    .or_insert(position);
            }
            Proposal::PreSharedKey(psk) => self.psks.push(&psk.psk),
            Proposal::GroupContextExtensions(_) => self.group_context_extensions = true,
            Proposal::ReInit(_) => self.reinit = true,
            Proposal::ExternalInit(_) | Proposal::Custom { .. } => {}
        }
    }

    /// Why `cached` cannot join the chosen proposals in a commit by `own`, if it cannot.
    fn conflict(
        &self,
        group: &Group,
        own: LeafIndex,
        cached: &CachedProposal,
    ) -> Option<GroupError> {
        let proposal = &cached.proposal;
        let reason = if self.reinit || (self.count > 0 && matches!(proposal, Proposal::ReInit(_))) {
            ProposalError::ReInitWithOtherProposals
        } else {
            match proposal {
                Proposal::Update(_) => match cached.sender {
                    Sender::Member(leaf) if leaf == own => ProposalError::UpdateByCommitter,
                    Sender::Member(leaf) if self.touched.contains(&leaf) => {
                        ProposalError::DuplicateUpdateOrRemove { leaf }
                    }
                    _ => return None,
                },
                Proposal::Remove(remove) => {
                    let leaf = LeafIndex(remove.removed);
                    if leaf == own {
                        ProposalError::RemovesCommitter
                    } else if self.touched.contains(&leaf) {
                        ProposalError::DuplicateUpdateOrRemove { leaf }
                    } else {
                        return proposals::check_remove_target(&group.tree, leaf)
                            .err()
                            .map(GroupError::from);
                    }
                }
                Proposal::Add(add) => {
                    let key = add.key_package.leaf_node.signature_key.as_slice();
                    let position = self.added.len();
                    if let Some(&first) = self.added.get(key) {
                        ProposalError::DuplicateAdd {
                            first,
                            add: position,
                        }
                    } else {
                        match group.tree.find_signature_key(key) {
                            Some(leaf) if !self.removed.contains(&leaf) => {
                                ProposalError::AddOfExistingMember {
                                    add: position,
                                    leaf,
                                }
                            }
                            _ => return None,
                        }
                    }
                }
                Proposal::PreSharedKey(psk) => {
                    if self.psks.contains(&&psk.psk) {
                        ProposalError::DuplicatePsk
                    } else {
                        return group.psk_value(&psk.psk).err();
                    }
                }
                Proposal::GroupContextExtensions(_) if self.group_context_extensions => {
                    ProposalError::MultipleGroupContextExtensions
                }
                _ => return None,
            }
        };
        Some(reason.into())
    }
}
