//! The application's policy on proposals (RFC 9420 §12.1-12.2): which proposals its groups
//! accept, beyond what the RFC requires of every member.
//!
//! The RFC leaves policy to the application: a group may forbid members to add others, take
//! external senders' Removes only, or refuse custom proposals it does not understand. A
//! [`ProposalRules`] in the [`crate::GroupConfig`] is asked about every proposal the group
//! sends or receives, on its own or in a commit (by value or by reference); a refusal fails
//! the message or call with [`crate::GroupError::ProposalRefused`] and leaves the group as it
//! was. Every member of a group should apply the same rules, or their views of which commits
//! are valid part.
//!
//! ```
//! use mls_codec::{Proposal, Sender};
//! use mls_group::{ProposalRefusal, ProposalRules};
//!
//! /// Only the group's first member (its administrator) adds and removes members.
//! #[derive(Debug)]
//! struct AdminManagesMembers;
//!
//! impl ProposalRules for AdminManagesMembers {
//!     fn accept(&self, sender: &Sender, proposal: &Proposal) -> Result<(), ProposalRefusal> {
//!         let manages_members = matches!(proposal, Proposal::Add(_) | Proposal::Remove(_));
//!         match sender {
//!             Sender::Member(leaf) if manages_members && leaf.0 != 0 => {
//!                 Err(ProposalRefusal::msg("only the administrator adds and removes members"))
//!             }
//!             _ => Ok(()),
//!         }
//!     }
//! }
//! ```

use std::fmt;

use mls_codec::{Proposal, Sender};

use crate::GroupError;
use crate::authentication::Refusal;

/// Why [`ProposalRules`] refused a proposal ([`crate::GroupError::ProposalRefused`]).
pub type ProposalRefusal = Refusal;

/// The application's policy on proposals (see the module documentation).
pub trait ProposalRules: fmt::Debug + Send + Sync {
    /// Accepts `proposal` from `sender`, or refuses it with the reason.
    fn accept(&self, sender: &Sender, proposal: &Proposal) -> Result<(), ProposalRefusal>;
}

/// Accepts every proposal the RFC allows (the default).
#[derive(Debug, Clone, Copy, Default)]
pub struct AcceptAllProposals;

impl ProposalRules for AcceptAllProposals {
    fn accept(&self, _: &Sender, _: &Proposal) -> Result<(), ProposalRefusal> {
        Ok(())
    }
}

/// Asks `rules` about `proposal` from `sender`.
pub(crate) fn check(
    rules: &dyn ProposalRules,
    sender: &Sender,
    proposal: &Proposal,
) -> Result<(), GroupError> {
    rules
        .accept(sender, proposal)
        .map_err(|reason| GroupError::ProposalRefused {
            sender: *sender,
            proposal_type: proposal.proposal_type(),
            reason,
        })
}
