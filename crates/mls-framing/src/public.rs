//! PublicMessage: signed, and for members MACed, but not encrypted (RFC 9420 §6.2).

use mls_codec::{
    AuthenticatedContent, ContentType, Encode, FramedContent, FramedContentAuthData, Mac,
    PublicMessage, Sender, VarBytes, WireFormat,
};
use mls_crypto::{CipherSuiteProvider, Secret, Signer};

use crate::FramingError;
use crate::auth::{check_sender, encode_tbs, sign_content, verify_content_signature};

/// The epoch state a PublicMessage is protected and checked against.
#[derive(Clone, Copy)]
pub struct PublicEpoch<'a> {
    /// The group's cipher suite.
    pub suite: &'a dyn CipherSuiteProvider,
    /// The encoded GroupContext of the epoch.
    pub group_context: &'a [u8],
    /// The epoch's membership_key (§8); needed for `member` senders only.
    pub membership_key: Option<&'a Secret>,
}

/// Signs `content` and wraps it as a PublicMessage (RFC 9420 §6.2), with the membership tag
/// for a `member` sender.
///
/// Application data may not be sent as a PublicMessage (§6); a commit needs its
/// `confirmation_tag`, other content must have none.
pub fn protect(
    epoch: PublicEpoch<'_>,
    signer: &dyn Signer,
    content: FramedContent,
    confirmation_tag: Option<Mac>,
) -> Result<PublicMessage, FramingError> {
    check_wire_format(&content)?;
    check_sender(&content)?;
    let signature = sign_content(
        signer,
        WireFormat::MLS_PUBLIC_MESSAGE,
        &content,
        epoch.group_context,
    )?;
    protect_authenticated(
        epoch,
        AuthenticatedContent {
            wire_format: WireFormat::MLS_PUBLIC_MESSAGE,
            content,
            auth: FramedContentAuthData {
                signature: VarBytes(signature),
                confirmation_tag,
            },
        },
    )
}

/// Wraps content that is already signed for the PublicMessage wire format (its
/// confirmation tag, for a commit, computed after the signature, §8.2) as a PublicMessage,
/// with the membership tag for a `member` sender (RFC 9420 §6.2).
pub fn protect_authenticated(
    epoch: PublicEpoch<'_>,
    authenticated: AuthenticatedContent,
) -> Result<PublicMessage, FramingError> {
    let AuthenticatedContent {
        wire_format,
        content,
        auth,
    } = authenticated;
    if wire_format != WireFormat::MLS_PUBLIC_MESSAGE {
        return Err(FramingError::WireFormatMismatch(wire_format));
    }
    check_wire_format(&content)?;
    check_sender(&content)?;
    check_confirmation_tag(&content, auth.confirmation_tag.as_ref())?;
    let membership_tag = match content.sender {
        Sender::Member(_) => {
            let key = epoch
                .membership_key
                .ok_or(FramingError::MissingMembershipKey)?;
            Some(VarBytes(
                epoch
                    .suite
                    .mac(key.as_bytes(), &tbm(epoch, &content, &auth)?),
            ))
        }
        Sender::External(_) | Sender::NewMemberProposal | Sender::NewMemberCommit => None,
    };
    Ok(PublicMessage {
        content,
        auth,
        membership_tag,
    })
}

/// Checks a received PublicMessage (RFC 9420 §6.2): the content type and sender rules, the
/// membership tag for a `member` sender, and the signature with `signature_key`, the key the
/// caller looked up for the sender (§6.1). Returns the authenticated content; nothing is
/// changed if any check fails.
pub fn unprotect(
    epoch: PublicEpoch<'_>,
    message: &PublicMessage,
    signature_key: &[u8],
) -> Result<AuthenticatedContent, FramingError> {
    let content = &message.content;
    check_wire_format(content)?;
    check_sender(content)?;
    check_confirmation_tag(content, message.auth.confirmation_tag.as_ref())?;
    if let Sender::Member(_) = content.sender {
        let key = epoch
            .membership_key
            .ok_or(FramingError::MissingMembershipKey)?;
        let tag = message
            .membership_tag
            .as_ref()
            .ok_or(FramingError::InvalidMembershipTag)?;
        epoch
            .suite
            .verify_mac(key.as_bytes(), &tbm(epoch, content, &message.auth)?, tag)
            .map_err(|_| FramingError::InvalidMembershipTag)?;
    }
    verify_content_signature(
        epoch.suite,
        signature_key,
        WireFormat::MLS_PUBLIC_MESSAGE,
        content,
        epoch.group_context,
        &message.auth.signature,
    )?;
    Ok(AuthenticatedContent {
        wire_format: WireFormat::MLS_PUBLIC_MESSAGE,
        content: content.clone(),
        auth: message.auth.clone(),
    })
}

/// The encoded `AuthenticatedContentTBM` the membership tag covers (RFC 9420 §6.2).
fn tbm(
    epoch: PublicEpoch<'_>,
    content: &FramedContent,
    auth: &FramedContentAuthData,
) -> Result<Vec<u8>, FramingError> {
    let mut out = Vec::new();
    encode_tbs(
        &mut out,
        WireFormat::MLS_PUBLIC_MESSAGE,
        content,
        epoch.group_context,
    )?;
    auth.encode(&mut out)?;
    Ok(out)
}

/// Applications MUST send application data as PrivateMessage (RFC 9420 §6).
fn check_wire_format(content: &FramedContent) -> Result<(), FramingError> {
    match content.content_type() {
        ContentType::Application => Err(FramingError::ContentTypeNotAllowed {
            content_type: ContentType::Application,
            wire_format: WireFormat::MLS_PUBLIC_MESSAGE,
        }),
        ContentType::Proposal | ContentType::Commit => Ok(()),
    }
}

/// The confirmation tag is present exactly for commits (RFC 9420 §6.1).
pub(crate) fn check_confirmation_tag(
    content: &FramedContent,
    tag: Option<&Mac>,
) -> Result<(), FramingError> {
    if tag.is_some() == (content.content_type() == ContentType::Commit) {
        Ok(())
    } else {
        Err(FramingError::ConfirmationTagMismatch)
    }
}
