//! message-protection.json: a proposal, a commit and application data protected as
//! PublicMessages (RFC 9420 §6.2) and PrivateMessages (§6.3) in a fresh random epoch.

use mls_codec::{
    Commit, Encode, FramedContentBody, MlsMessageBody, Proposal, ProposalOrRef, Remove, VarBytes,
};
use mls_crypto::Secret;
use mls_framing::{private, public};
use mls_key_schedule::RatchetKind;
use mls_tree::TreeSize;
use serde_json::Value;

use super::{LayerError, SuiteContext, any, pick, to_values};
use crate::hex_field::Hex;
use crate::message_protection::{
    Case, Epoch, SENDER, framed_content, new_tree, private_epoch, public_epoch,
};
use crate::wire::{encode_message, group_context};

/// One case: a Remove proposal, a commit of it by reference and random application data,
/// each protected by leaf 1 of a group of two.
pub(crate) fn generate(context: &SuiteContext<'_>) -> Result<Vec<Value>, LayerError> {
    let suite = context.suite;
    let nh = suite.hash_len();
    let (group_id, epoch) = (context.random(pick(8..33))?, any::<u32>().into());
    let (tree_hash, confirmed_transcript_hash) = (context.secret()?, context.secret()?);
    let keys = suite.generate_signature_key_pair()?;
    let size = TreeSize::for_leaves(2)
        .ok_or_else(|| LayerError::Scenario("no tree of 2 leaves".to_owned()))?;
    let state = Epoch {
        suite,
        group_id: VarBytes(group_id.0.clone()),
        epoch,
        group_context: group_context(
            context.number(),
            &group_id,
            epoch,
            &tree_hash,
            &confirmed_transcript_hash,
        )
        .to_bytes()?,
        membership_key: Secret::new(context.secret()?.0),
        sender_data_secret: Secret::new(context.secret()?.0),
        encryption_secret: Secret::new(context.secret()?.0),
        size,
        signer: suite.signer(&keys.private_key)?,
        signature_pub: keys.public_key.clone(),
    };

    let proposal = Proposal::Remove(Remove { removed: 0 });
    let commit = Commit {
        proposals: vec![ProposalOrRef::Reference(VarBytes(context.random(nh)?.0))],
        path: None,
    };
    let application = context.random(pick(1..100))?;
    let proposal_bytes = Hex(proposal.to_bytes()?);
    let commit_bytes = Hex(commit.to_bytes()?);
    let proposal = FramedContentBody::Proposal(proposal);
    let commit = FramedContentBody::Commit(commit);
    let application_body = FramedContentBody::Application(VarBytes(application.0.clone()));

    to_values(vec![Case {
        cipher_suite: context.number(),
        group_id,
        epoch,
        tree_hash,
        confirmed_transcript_hash,
        signature_priv: Hex::from(keys.private_key.as_bytes()),
        signature_pub: Hex(keys.public_key),
        encryption_secret: Hex::from(state.encryption_secret.as_bytes()),
        sender_data_secret: Hex::from(state.sender_data_secret.as_bytes()),
        membership_key: Hex::from(state.membership_key.as_bytes()),
        proposal: proposal_bytes,
        proposal_pub: Some(protect_public(&state, proposal.clone())?),
        proposal_priv: protect_private(&state, proposal)?,
        commit: commit_bytes,
        commit_pub: Some(protect_public(&state, commit.clone())?),
        commit_priv: protect_private(&state, commit)?,
        application,
        // Application data is never sent as a PublicMessage (§6).
        application_pub: None,
        application_priv: protect_private(&state, application_body)?,
    }])
}

/// `body` as an MLSMessage holding a PublicMessage of the epoch.
fn protect_public(epoch: &Epoch<'_>, body: FramedContentBody) -> Result<Hex, LayerError> {
    let (content, confirmation_tag) = framed_content(epoch, body);
    let message = public::protect(
        public_epoch(epoch),
        &*epoch.signer,
        content,
        confirmation_tag,
    )?;
    Ok(Hex(encode_message(MlsMessageBody::PublicMessage(message))?))
}

/// `body` as an MLSMessage holding a PrivateMessage of the epoch, under the first key of its
/// ratchet in a fresh secret tree (as the checker receives each message).
fn protect_private(epoch: &Epoch<'_>, body: FramedContentBody) -> Result<Hex, LayerError> {
    let (content, confirmation_tag) = framed_content(epoch, body);
    let kind = RatchetKind::for_content_type(content.content_type());
    let key = new_tree(epoch).encryption_key(epoch.suite, SENDER, kind)?;
    let message = private::protect(
        private_epoch(epoch),
        &*epoch.signer,
        content,
        confirmation_tag,
        &key,
        0,
    )?;
    Ok(Hex(encode_message(MlsMessageBody::PrivateMessage(
        message,
    ))?))
}
