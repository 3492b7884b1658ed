//! PrivateMessage: signed and encrypted (RFC 9420 §6.3).
//!
//! The keys come from the key schedule: the [`SenderDataKey`] is derived here from the
//! epoch's sender_data_secret and the ciphertext, and the content is encrypted with a
//! [`MessageKey`] of the sender's ratchet in the epoch's
//! [`SecretTree`](mls_key_schedule::SecretTree), from the ratchet
//! [`RatchetKind::for_content_type`](mls_key_schedule::RatchetKind::for_content_type) names.
//!
//! Receiving is split in two so that the caller can stage the sender's key between the steps
//! and delete it only once the message is verified: [`decrypt_sender_data`] says which leaf
//! and generation encrypted the content, the caller stages that key with
//! [`SecretTree::stage_decryption_key`](mls_key_schedule::SecretTree::stage_decryption_key),
//! then [`open`] decrypts and verifies the content, and only if it succeeds the caller
//! commits the staged key. A rejected message consumes nothing.

use mls_codec::{
    AuthenticatedContent, Decode, Encode, FramedContent, FramedContentAuthData, FramedContentBody,
    LeafIndex, Mac, PrivateContentAad, PrivateMessage, PrivateMessageContent, Sender, SenderData,
    SenderDataAad, VarBytes, WireFormat,
};
use mls_crypto::{CipherSuiteProvider, CryptoError, Secret, Signer, VerifyingKey};
use mls_key_schedule::{MessageKey, SenderDataKey};

use crate::FramingError;
use crate::auth::{
    HEADERS, body_size_hint, check_sender, sign_content, verify_encoded_content_signature,
};
use crate::public::check_confirmation_tag;

/// The epoch state a PrivateMessage is protected and checked against.
#[derive(Clone, Copy)]
pub struct PrivateEpoch<'a> {
    /// The group's cipher suite.
    pub suite: &'a dyn CipherSuiteProvider,
    /// The encoded GroupContext of the epoch.
    pub group_context: &'a [u8],
    /// The epoch's sender_data_secret (§8).
    pub sender_data_secret: &'a Secret,
}

/// Signs and encrypts `content` from a member as a PrivateMessage (RFC 9420 §6.3), with
/// `padding` zero bytes.
///
/// `key` is the sender's next key of the ratchet that
/// [`RatchetKind::for_content_type`](mls_key_schedule::RatchetKind::for_content_type) names
/// (handshake for proposals and commits, application for application data), as
/// [`SecretTree::encryption_key`](mls_key_schedule::SecretTree::encryption_key) hands it out;
/// its generation goes into the sender data. A commit needs its `confirmation_tag`, other
/// content must have none.
pub fn protect(
    epoch: PrivateEpoch<'_>,
    signer: &dyn Signer,
    content: FramedContent,
    confirmation_tag: Option<Mac>,
    key: &MessageKey,
    padding: usize,
) -> Result<PrivateMessage, FramingError> {
    let signature = sign_content(
        signer,
        WireFormat::MLS_PRIVATE_MESSAGE,
        &content,
        epoch.group_context,
    )?;
    protect_authenticated(
        epoch,
        AuthenticatedContent {
            wire_format: WireFormat::MLS_PRIVATE_MESSAGE,
            content,
            auth: FramedContentAuthData {
                signature: VarBytes(signature),
                confirmation_tag,
            },
        },
        key,
        padding,
    )
}

/// Encrypts content that is already signed for the PrivateMessage wire format (its
/// confirmation tag, for a commit, computed after the signature, §8.2) as a PrivateMessage
/// (RFC 9420 §6.3), with `key` and `padding` as for [`protect`].
pub fn protect_authenticated(
    epoch: PrivateEpoch<'_>,
    authenticated: AuthenticatedContent,
    key: &MessageKey,
    padding: usize,
) -> Result<PrivateMessage, FramingError> {
    let AuthenticatedContent {
        wire_format,
        content,
        auth,
    } = authenticated;
    if wire_format != WireFormat::MLS_PRIVATE_MESSAGE {
        return Err(FramingError::WireFormatMismatch(wire_format));
    }
    let Sender::Member(leaf_index) = content.sender else {
        return Err(FramingError::SenderNotAllowed {
            sender_type: content.sender.sender_type(),
        });
    };
    check_confirmation_tag(&content, auth.confirmation_tag.as_ref())?;
    let content_type = content.content_type();
    let FramedContent {
        group_id,
        epoch: epoch_number,
        authenticated_data,
        content: body,
        ..
    } = content;
    let plaintext = PrivateMessageContent {
        content: body,
        auth,
        length_of_padding: padding,
    };
    let plaintext = encode_sized(&plaintext, plaintext_size_hint(&plaintext))?;
    let aad = PrivateContentAad {
        group_id,
        epoch: epoch_number,
        content_type,
        authenticated_data,
    };
    let encoded_aad = encode_sized(
        &aad,
        aad.group_id.len() + aad.authenticated_data.len() + HEADERS,
    )?;
    let reuse_guard: [u8; 4] =
        epoch
            .suite
            .random_bytes(4)?
            .try_into()
            .map_err(|bytes: Vec<u8>| CryptoError::InvalidLength {
                what: "reuse guard",
                expected: 4,
                actual: bytes.len(),
            })?;
    let ciphertext = epoch.suite.aead_seal(
        key.key().as_bytes(),
        key.guarded_nonce(reuse_guard).as_bytes(),
        &encoded_aad,
        &plaintext,
    )?;
    let sender_data = SenderData {
        leaf_index: leaf_index.0,
        generation: key.generation(),
        reuse_guard,
    };
    let PrivateContentAad {
        group_id,
        epoch: epoch_number,
        authenticated_data,
        ..
    } = aad;
    let sender_data_aad = SenderDataAad {
        group_id,
        epoch: epoch_number,
        content_type,
    };
    let sender_data_key =
        SenderDataKey::derive(epoch.suite, epoch.sender_data_secret, &ciphertext)?;
    let encrypted_sender_data = epoch.suite.aead_seal(
        sender_data_key.key().as_bytes(),
        sender_data_key.nonce().as_bytes(),
        &encode_sized(&sender_data_aad, sender_data_aad.group_id.len() + HEADERS)?,
        &encode_sized(&sender_data, SENDER_DATA_LEN)?,
    )?;
    let SenderDataAad { group_id, .. } = sender_data_aad;
    Ok(PrivateMessage {
        group_id,
        epoch: epoch_number,
        content_type,
        authenticated_data,
        encrypted_sender_data: VarBytes(encrypted_sender_data),
        ciphertext: VarBytes(ciphertext),
    })
}

/// The encoded length of a SenderData (RFC 9420 §6.3.2): `uint32`, `uint32`, `opaque[4]`.
const SENDER_DATA_LEN: usize = 12;

/// The encoding of `value` in a buffer allocated once for about `capacity` bytes, rather than
/// grown from empty.
fn encode_sized(value: &impl Encode, capacity: usize) -> Result<Vec<u8>, FramingError> {
    let mut out = Vec::with_capacity(capacity);
    value.encode(&mut out)?;
    Ok(out)
}

/// About the encoded size of a PrivateMessageContent (RFC 9420 §6.3.1): exact up to a few
/// bytes of headers for application data, without the body for proposals and commits.
fn plaintext_size_hint(content: &PrivateMessageContent) -> usize {
    let body = body_size_hint(&content.content);
    let tag = content
        .auth
        .confirmation_tag
        .as_ref()
        .map_or(0, |tag| tag.len());
    HEADERS + body + content.auth.signature.len() + tag + content.length_of_padding
}

/// Decrypts the sender data of a PrivateMessage (RFC 9420 §6.3.2): which leaf sent it, with
/// which generation and reuse guard. The caller must check that the leaf is not blank and look
/// up (stage) the key of that leaf and generation for [`open`].
pub fn decrypt_sender_data(
    epoch: PrivateEpoch<'_>,
    message: &PrivateMessage,
) -> Result<SenderData, FramingError> {
    let key = SenderDataKey::derive(epoch.suite, epoch.sender_data_secret, &message.ciphertext)?;
    let aad = SenderDataAad {
        group_id: message.group_id.clone(),
        epoch: message.epoch,
        content_type: message.content_type,
    };
    let plaintext = epoch
        .suite
        .aead_open(
            key.key().as_bytes(),
            key.nonce().as_bytes(),
            &aad.to_bytes()?,
            &message.encrypted_sender_data,
        )
        .map_err(|_| FramingError::SenderDataDecryptionFailed)?;
    Ok(SenderData::from_bytes(&plaintext)?)
}

/// Decrypts the content of a PrivateMessage with `key`, the sender's ratchet key of the
/// generation in `sender_data`, checks the padding, and verifies the signature with the
/// sender's `signature_key` (RFC 9420 §6.3.1, §6.1).
///
/// `key` is meant to be the [`StagedKey::key`](mls_key_schedule::StagedKey::key) of
/// [`SecretTree::stage_decryption_key`](mls_key_schedule::SecretTree::stage_decryption_key)
/// for the sender's leaf, the ratchet of the message's content type and the generation:
/// commit the staged key only if this returns `Ok`, so that a rejected message does not
/// consume the generation.
pub fn open(
    epoch: PrivateEpoch<'_>,
    message: &PrivateMessage,
    sender_data: &SenderData,
    key: &MessageKey,
    signature_key: &[u8],
) -> Result<AuthenticatedContent, FramingError> {
    let signature_key = VerifyingKey::unparsed(signature_key);
    open_with(epoch, message, sender_data, key, &signature_key, |_, _| ())
        .map(|(content, ())| content)
}

/// The plaintext length from which [`open_with`] decodes the content while verifying its
/// signature, on two cores, and zeroizes the plaintext on another core.
#[cfg(feature = "parallel")]
const PARALLEL_MIN_CONTENT: usize = 64 * 1024;

/// [`open`], running `alongside` on the decrypted content while its signature is verified
/// (on another core with the `parallel` feature, for contents of 64 KiB or more): work that
/// the receiver does on every accepted message anyway, such as the confirmed transcript hash
/// of a commit, which is as large as the commit. Its result is returned only with content
/// whose signature verified. `signature_key` is the sender's key as the provider prepared it
/// ([`CipherSuiteProvider::verifying_key`]),
/// so that a member's key is decoded once, not per message.
///
/// `alongside` also gets the encoded FramedContent in two pieces, `encoded[0] || encoded[1]`:
/// a header rebuilt from the message and its sender data
/// ([`FramedContent::encode_header`]), and the body as it was decrypted. The signature is
/// verified over the same pieces, so a large commit is neither encoded again nor copied, and
/// while it is verified the body is decoded and `alongside` runs (decoding errors are
/// reported before a bad signature).
pub fn open_with<T: Send>(
    epoch: PrivateEpoch<'_>,
    message: &PrivateMessage,
    sender_data: &SenderData,
    key: &MessageKey,
    signature_key: &VerifyingKey,
    alongside: impl FnOnce(&AuthenticatedContent, &[&[u8]]) -> T + Send,
) -> Result<(AuthenticatedContent, T), FramingError> {
    if key.generation() != sender_data.generation {
        return Err(FramingError::GenerationMismatch {
            expected: sender_data.generation,
            actual: key.generation(),
        });
    }
    let aad = PrivateContentAad {
        group_id: message.group_id.clone(),
        epoch: message.epoch,
        content_type: message.content_type,
        authenticated_data: message.authenticated_data.clone(),
    };
    let plaintext = epoch
        .suite
        .aead_open(
            key.key().as_bytes(),
            key.guarded_nonce(sender_data.reuse_guard).as_bytes(),
            &aad.to_bytes()?,
            &message.ciphertext,
        )
        .map_err(|_| FramingError::ContentDecryptionFailed)?;
    let content_type = message.content_type;
    let (body, auth, _) = PrivateMessageContent::split_for(&plaintext, content_type)?;
    let PrivateContentAad {
        group_id,
        epoch: epoch_number,
        authenticated_data,
        ..
    } = aad;
    let sender = Sender::Member(LeafIndex(sender_data.leaf_index));
    let mut header = Vec::with_capacity(group_id.len() + authenticated_data.len() + 24);
    FramedContent::encode_header(
        &mut header,
        &group_id,
        epoch_number,
        &sender,
        &authenticated_data,
        content_type,
    )?;
    let encoded: [&[u8]; 2] = [&header, body];
    let verify = || {
        verify_encoded_content_signature(
            epoch.suite,
            signature_key,
            WireFormat::MLS_PRIVATE_MESSAGE,
            &sender,
            &encoded,
            epoch.group_context,
            &auth.signature,
        )
    };
    let decode = || {
        let content = FramedContent {
            group_id,
            epoch: epoch_number,
            sender,
            authenticated_data,
            content: FramedContentBody::decode_exact(body, content_type)?,
        };
        check_sender(&content)?;
        check_confirmation_tag(&content, auth.confirmation_tag.as_ref())?;
        let authenticated = AuthenticatedContent {
            wire_format: WireFormat::MLS_PRIVATE_MESSAGE,
            content,
            auth: auth.clone(),
        };
        let extra = alongside(&authenticated, &encoded);
        Ok::<_, FramingError>((authenticated, extra))
    };
    // Handing work to another core costs a thread wake-up, more than verifying a small
    // message: only large contents (a commit encrypted to thousands of members) are decoded
    // while the signature is verified. The calling thread verifies, the longer job (one pass
    // of the signature's hash over the whole content), and a pool thread decodes: with
    // `rayon::join`, called from outside the pool, both would move into the pool, and one
    // pool thread slow to wake made them run one after the other.
    #[cfg(feature = "parallel")]
    let (verified, opened) = if plaintext.len() >= PARALLEL_MIN_CONTENT {
        // Replaced by the decoding's result before the scope ends; never observed.
        let mut opened = Err(FramingError::InvalidSignature);
        let verified = rayon::in_place_scope(|scope| {
            scope.spawn(|_| opened = decode());
            verify()
        });
        (verified, opened)
    } else {
        (verify(), decode())
    };
    #[cfg(not(feature = "parallel"))]
    let (verified, opened) = (verify(), decode());
    // The plaintext is zeroized when dropped, byte by byte: for a large one that takes longer
    // than a thread wake-up, so it happens on another core.
    #[cfg(feature = "parallel")]
    if plaintext.len() >= PARALLEL_MIN_CONTENT {
        rayon::spawn(move || drop(plaintext));
    }
    let (authenticated, extra) = opened?;
    verified?;
    Ok((authenticated, extra))
}
