//! Signing and verifying framed content (RFC 9420 §6.1).

use mls_codec::{
    CodecError, ContentType, Encode, FramedContent, FramedContentBody, ProtocolVersion, Sender,
    WireFormat,
};
use mls_crypto::{
    CipherSuiteProvider, CryptoError, Signer, VerifyingKey, sign_with_label_writing,
    verify_with_label_concat,
};

use crate::FramingError;

/// The label of the content signature (RFC 9420 §6.1).
const FRAMED_CONTENT_TBS_LABEL: &str = "FramedContentTBS";

/// Whether the FramedContentTBS of content from `sender` carries the GroupContext: for
/// `member` and `new_member_commit` senders only (RFC 9420 §6.1).
fn signs_group_context(sender: &Sender) -> bool {
    matches!(sender, Sender::Member(_) | Sender::NewMemberCommit)
}

/// Appends the encoding of `FramedContentTBS` (RFC 9420 §6.1) without copying the content.
///
/// `group_context` is the encoded GroupContext of the epoch; it is signed for `member` and
/// `new_member_commit` senders only.
pub(crate) fn encode_tbs(
    out: &mut Vec<u8>,
    wire_format: WireFormat,
    content: &FramedContent,
    group_context: &[u8],
) -> Result<(), CodecError> {
    ProtocolVersion::MLS10.encode(out)?;
    wire_format.encode(out)?;
    content.encode(out)?;
    if signs_group_context(&content.sender) {
        out.extend_from_slice(group_context);
    }
    Ok(())
}

/// `SignWithLabel(., "FramedContentTBS", FramedContentTBS)` (RFC 9420 §6.1).
pub fn sign_content(
    signer: &dyn Signer,
    wire_format: WireFormat,
    content: &FramedContent,
    group_context: &[u8],
) -> Result<Vec<u8>, FramingError> {
    sign_with_label_writing(
        signer,
        FRAMED_CONTENT_TBS_LABEL,
        tbs_size_hint(content, group_context),
        |out| encode_tbs(out, wire_format, content, group_context),
    )
    .map_err(|error| match error {
        CryptoError::Encoding(error) => FramingError::Codec(error),
        error => FramingError::Crypto(error),
    })
}

/// About the encoded size of the FramedContentTBS of `content`: exact up to a few bytes of
/// headers for application data, a lower bound for proposals and commits (whose buffer grows).
fn tbs_size_hint(content: &FramedContent, group_context: &[u8]) -> usize {
    HEADERS
        + content.group_id.len()
        + content.authenticated_data.len()
        + body_size_hint(&content.content)
        + group_context.len()
}

/// Room for the fixed-size fields and the length prefixes of a framing struct (§6).
pub(crate) const HEADERS: usize = 32;

/// About the encoded size of a content's body, for sizing a buffer before encoding it: the
/// length of application data, and 0 for proposals and commits, which are not measured
/// without being encoded (their buffer grows instead).
pub(crate) fn body_size_hint(body: &FramedContentBody) -> usize {
    match body {
        FramedContentBody::Application(data) => data.len(),
        FramedContentBody::Proposal(_) | FramedContentBody::Commit(_) => 0,
    }
}

/// Verifies the content signature with the sender's signature key (RFC 9420 §6.1).
pub fn verify_content_signature(
    suite: &dyn CipherSuiteProvider,
    signature_key: &[u8],
    wire_format: WireFormat,
    content: &FramedContent,
    group_context: &[u8],
    signature: &[u8],
) -> Result<(), FramingError> {
    verify_encoded_content_signature(
        suite,
        &VerifyingKey::unparsed(signature_key),
        wire_format,
        &content.sender,
        &[&content.to_bytes()?],
        group_context,
        signature,
    )
}

/// [`verify_content_signature`] for content from `sender` given by its encoding,
/// `encoded_content[0] || encoded_content[1] || ...`, with the sender's key as the provider
/// prepared it: the FramedContentTBS is signed in pieces, so a large received content is
/// neither encoded again nor copied.
pub(crate) fn verify_encoded_content_signature(
    suite: &dyn CipherSuiteProvider,
    signature_key: &VerifyingKey,
    wire_format: WireFormat,
    sender: &Sender,
    encoded_content: &[&[u8]],
    group_context: &[u8],
    signature: &[u8],
) -> Result<(), FramingError> {
    let mut head = Vec::with_capacity(4);
    ProtocolVersion::MLS10.encode(&mut head)?;
    wire_format.encode(&mut head)?;
    let group_context = if signs_group_context(sender) {
        group_context
    } else {
        &[]
    };
    let mut tbs = Vec::with_capacity(encoded_content.len() + 2);
    tbs.push(head.as_slice());
    tbs.extend_from_slice(encoded_content);
    tbs.push(group_context);
    verify_with_label_concat(
        suite,
        signature_key,
        FRAMED_CONTENT_TBS_LABEL,
        &tbs,
        signature,
    )
    .map_err(|error| match error {
        CryptoError::Encoding(error) => FramingError::Codec(error),
        _ => FramingError::InvalidSignature,
    })
}

/// Checks the sender rules of RFC 9420 §6.1: external senders send proposals, new members
/// send a commit (`new_member_commit`) or a proposal (`new_member_proposal`).
pub(crate) fn check_sender(content: &FramedContent) -> Result<(), FramingError> {
    let allowed = match content.sender {
        Sender::Member(_) => true,
        Sender::External(_) | Sender::NewMemberProposal => {
            content.content_type() == ContentType::Proposal
        }
        Sender::NewMemberCommit => content.content_type() == ContentType::Commit,
    };
    if allowed {
        Ok(())
    } else {
        Err(FramingError::SenderNotAllowed {
            sender_type: content.sender.sender_type(),
        })
    }
}
