//! Asking the application's authentication service (RFC 9420 §5.3.1) about every credential
//! that enters or changes in the group: the key package of an Add, the leaf node of an
//! Update, a commit's UpdatePath leaf, an external joiner's leaf, the external senders a
//! GroupContextExtensions sets, and every member of a tree we join (see
//! [`crate::CredentialValidator`]). Each check runs before the message or join it belongs to
//! changes anything, so a refusal leaves the group as it was.

use mls_codec::{Extension, LeafNode, Proposal, Sender};
use mls_tree::{LeafIndex, RatchetTree};

use super::Group;
use super::external_senders::parse_external_senders;
use crate::proposals::ProposalPlan;
use crate::{CredentialContext, CredentialSource, GroupConfig, GroupError};

/// Where in a group the checks run: its ID and epoch, and the configuration that holds the
/// validator and the clock.
#[derive(Clone, Copy)]
pub(crate) struct Authenticator<'a> {
    pub(crate) config: &'a GroupConfig,
    pub(crate) group_id: &'a [u8],
    pub(crate) epoch: u64,
}

impl Authenticator<'_> {
    /// Asks about `leaf_node`'s credential and signature key, from `source`, at `leaf` if
    /// known.
    pub(crate) fn leaf_node(
        &self,
        source: CredentialSource,
        leaf: Option<LeafIndex>,
        leaf_node: &LeafNode,
    ) -> Result<(), GroupError> {
        let mut context = CredentialContext::for_leaf_node(
            source,
            self.group_id,
            self.epoch,
            leaf_node,
            self.config.clock.now(),
        );
        context.leaf = leaf;
        self.ask(&context)
    }

    /// Asks about every member of `tree`, a tree we are joining (§12.4.3.1).
    pub(crate) fn tree(&self, tree: &RatchetTree) -> Result<(), GroupError> {
        tree.members().try_for_each(|(leaf, leaf_node)| {
            self.leaf_node(CredentialSource::ReceivedTree, Some(leaf), leaf_node)
        })
    }

    /// Asks about the entries of an `external_senders` extension among `extensions`.
    pub(crate) fn external_senders(&self, extensions: &[Extension]) -> Result<(), GroupError> {
        let now = self.config.clock.now();
        parse_external_senders(extensions)?
            .iter()
            .try_for_each(|sender| {
                self.ask(&CredentialContext::new(
                    CredentialSource::ExternalSender,
                    self.group_id,
                    self.epoch,
                    &sender.credential,
                    &sender.signature_key,
                    now,
                ))
            })
    }

    /// Asks about the credentials a set of proposals brings in: the Adds' key packages, the
    /// Updates' leaf nodes, and the external senders of a GroupContextExtensions.
    pub(crate) fn plan(&self, plan: &ProposalPlan) -> Result<(), GroupError> {
        for key_package in &plan.adds {
            self.leaf_node(CredentialSource::KeyPackage, None, &key_package.leaf_node)?;
        }
        for (leaf, leaf_node) in &plan.updates {
            self.leaf_node(CredentialSource::Update, Some(*leaf), leaf_node)?;
        }
        match &plan.group_context_extensions {
            Some(extensions) => self.external_senders(extensions),
            None => Ok(()),
        }
    }

    /// Asks about the credentials one proposal received on its own brings in.
    pub(crate) fn proposal(&self, sender: &Sender, proposal: &Proposal) -> Result<(), GroupError> {
        match (proposal, sender) {
            (Proposal::Add(add), _) => self.leaf_node(
                CredentialSource::KeyPackage,
                None,
                &add.key_package.leaf_node,
            ),
            (Proposal::Update(update), Sender::Member(leaf)) => {
                self.leaf_node(CredentialSource::Update, Some(*leaf), &update.leaf_node)
            }
            (Proposal::GroupContextExtensions(gce), _) => self.external_senders(&gce.extensions),
            _ => Ok(()),
        }
    }

    fn ask(&self, context: &CredentialContext<'_>) -> Result<(), GroupError> {
        self.config
            .credential_validator
            .validate(context)
            .map_err(|reason| GroupError::CredentialRefused {
                source_kind: context.source,
                leaf: context.leaf,
                reason,
            })
    }
}

impl Group {
    /// The checks of the application's validator in the current epoch.
    pub(super) fn authenticator(&self) -> Authenticator<'_> {
        Authenticator {
            config: &self.config,
            group_id: &self.epoch.context.group_id,
            epoch: self.epoch(),
        }
    }
}
