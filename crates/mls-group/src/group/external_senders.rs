//! Proposals from senders outside the group (RFC 9420 §12.1.8): `external` senders listed in
//! the group's `external_senders` extension (§12.1.8.1), and `new_member_proposal` senders
//! proposing to add themselves (§6).

use mls_codec::{
    Decode, Extension, ExtensionType, ExternalSender, FramedContent, FramedContentBody, Proposal,
    Sender,
};

use super::Group;
use crate::GroupError;

/// The entries of an `external_senders` extension among `extensions`; none if it is absent
/// (§12.1.8.1).
pub(crate) fn parse_external_senders(
    extensions: &[Extension],
) -> Result<Vec<ExternalSender>, GroupError> {
    match extensions
        .iter()
        .find(|e| e.extension_type == ExtensionType::EXTERNAL_SENDERS)
    {
        Some(extension) => Ok(Vec::<ExternalSender>::from_bytes(
            &extension.extension_data,
        )?),
        None => Ok(Vec::new()),
    }
}

impl Group {
    /// The external senders the group accepts proposals from: the entries of its
    /// `external_senders` GroupContext extension (§12.1.8.1), in `sender_index` order.
    pub fn external_senders(&self) -> Result<Vec<ExternalSender>, GroupError> {
        parse_external_senders(&self.epoch.context.extensions)
    }

    /// Entry `index` of the group's `external_senders` extension (§12.1.8.1).
    pub(super) fn external_sender(&self, index: u32) -> Result<ExternalSender, GroupError> {
        let senders = self.external_senders()?;
        usize::try_from(index)
            .ok()
            .and_then(|i| senders.into_iter().nth(i))
            .ok_or(GroupError::UnknownExternalSender { index })
    }

    /// The key that verifies the signature of a PublicMessage from a non-member (§6.1):
    /// for `external` sender `i`, the signature key of entry `i` of the `external_senders`
    /// extension (§12.1.8.1); for `new_member_proposal`, the leaf signature key of the key
    /// package of its Add, the only proposal such a sender may send (§12.1.8). Such messages
    /// carry no membership tag.
    pub(super) fn external_signature_key(
        &self,
        content: &FramedContent,
    ) -> Result<Vec<u8>, GroupError> {
        match content.sender {
            Sender::External(index) => Ok(self.external_sender(index)?.signature_key.to_vec()),
            Sender::NewMemberProposal => match &content.content {
                FramedContentBody::Proposal(Proposal::Add(add)) => {
                    Ok(add.key_package.leaf_node.signature_key.to_vec())
                }
                FramedContentBody::Proposal(proposal) => {
                    Err(crate::ProposalError::ProposalTypeNotAllowedForSender {
                        sender_type: content.sender.sender_type(),
                        proposal_type: proposal.proposal_type(),
                    }
                    .into())
                }
                _ => Err(GroupError::UnexpectedContent),
            },
            other => Err(GroupError::UnsupportedSender(other.sender_type())),
        }
    }
}
