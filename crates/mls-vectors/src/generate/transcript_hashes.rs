//! transcript-hashes.json: a signed commit, its confirmation tag and the transcript hashes
//! around it (RFC 9420 §8.1, §8.2), from fresh random keys and hashes.

use mls_codec::{
    AuthenticatedContent, Commit, Encode, FramedContent, FramedContentAuthData, FramedContentBody,
    LeafIndex, ProposalOrRef, Sender, VarBytes, WireFormat,
};
use mls_crypto::Secret;
use mls_framing::sign_content;
use mls_key_schedule::{confirmation_tag, confirmed_transcript_hash, interim_transcript_hash};
use serde_json::Value;

use super::{LayerError, SuiteContext, any, pick, to_values};
use crate::hex_field::Hex;
use crate::transcript_hashes::Case;
use crate::wire::group_context;

/// One case: a commit of one proposal by reference, sent as a PublicMessage by a random
/// member and signed with a fresh key under a random GroupContext.
pub(crate) fn generate(context: &SuiteContext<'_>) -> Result<Vec<Value>, LayerError> {
    let suite = context.suite;
    let group_id = context.random(pick(8..33))?;
    let epoch = any::<u32>().into();
    let content = FramedContent {
        group_id: VarBytes(group_id.0.clone()),
        epoch,
        sender: Sender::Member(LeafIndex(pick(0..16))),
        authenticated_data: VarBytes::default(),
        content: FramedContentBody::Commit(Commit {
            proposals: vec![ProposalOrRef::Reference(VarBytes(context.secret()?.0))],
            path: None,
        }),
    };
    let encoded_context = group_context(
        context.number(),
        &group_id,
        epoch,
        &context.secret()?,
        &context.secret()?,
    )
    .to_bytes()?;
    let keys = suite.generate_signature_key_pair()?;
    let wire_format = WireFormat::MLS_PUBLIC_MESSAGE;
    let signature = sign_content(
        &*suite.signer(&keys.private_key)?,
        wire_format,
        &content,
        &encoded_context,
    )?;
    let interim_before = context.secret()?;
    let confirmed =
        confirmed_transcript_hash(suite, &interim_before, wire_format, &content, &signature)?;
    let confirmation_key = context.secret()?;
    let tag = confirmation_tag(suite, &Secret::from_slice(&confirmation_key), &confirmed);
    let interim_after = interim_transcript_hash(suite, &confirmed, &tag)?;
    let authenticated = AuthenticatedContent {
        wire_format,
        content,
        auth: FramedContentAuthData {
            signature: VarBytes(signature),
            confirmation_tag: Some(VarBytes(tag)),
        },
    };
    to_values(vec![Case {
        cipher_suite: context.number(),
        confirmation_key,
        authenticated_content: Hex(authenticated.to_bytes()?),
        interim_transcript_hash_before: interim_before,
        confirmed_transcript_hash_after: Hex(confirmed),
        interim_transcript_hash_after: Hex(interim_after),
    }])
}
