//! PrivateMessage: signed and encrypted (RFC 9420 §6.3).
//!
//! Receiving is split in two so that the caller can look up (and stage, without consuming)
//! the sender's ratchet key between the steps: [`decrypt_sender_data`] says which leaf and
//! generation encrypted the content, then [`open`] decrypts and verifies it.

use mls_codec::{
    AuthenticatedContent, ContentType, Decode, Encode, FramedContent, FramedContentAuthData, Mac,
    PrivateContentAad, PrivateMessage, PrivateMessageContent, Sender, SenderData, SenderDataAad,
    SenderType, VarBytes, WireFormat,
};
use mls_crypto::{CipherSuiteProvider, Secret, Signer, expand_with_label};

use crate::FramingError;
use crate::auth::{check_sender, sign_content, verify_content_signature};
use crate::public::check_confirmation_tag;

/// The epoch state a PrivateMessage is protected and checked against.
#[derive(Clone, Copy)]
pub struct PrivateEpoch<'a> {
    /// The group's cipher suite.
    pub suite: &'a dyn CipherSuiteProvider,
    /// The encoded GroupContext of the epoch.
    pub group_context: &'a [u8],
    /// The epoch's sender_data_secret (§8).
    pub sender_data_secret: &'a [u8],
}

/// The key and nonce of one generation of a sender's ratchet (RFC 9420 §9.1).
#[derive(Clone, Copy)]
pub struct RatchetKey<'a> {
    /// The generation.
    pub generation: u32,
    /// `ratchet_key_[i]_[j]`.
    pub key: &'a [u8],
    /// `ratchet_nonce_[i]_[j]`, before the reuse guard is applied.
    pub nonce: &'a [u8],
}

/// Signs and encrypts `content` from a member as a PrivateMessage (RFC 9420 §6.3), with
/// `key` from the sender's handshake or application ratchet and `padding` zero bytes.
pub fn protect(
    epoch: PrivateEpoch<'_>,
    signer: &dyn Signer,
    content: FramedContent,
    confirmation_tag: Option<Mac>,
    key: RatchetKey<'_>,
    padding: usize,
) -> Result<PrivateMessage, FramingError> {
    let Sender::Member(leaf_index) = content.sender else {
        return Err(FramingError::SenderNotAllowed {
            sender_type: content.sender.sender_type(),
        });
    };
    check_confirmation_tag(&content, confirmation_tag.as_ref())?;
    let signature = sign_content(
        signer,
        WireFormat::MLS_PRIVATE_MESSAGE,
        &content,
        epoch.group_context,
    )?;
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
        auth: FramedContentAuthData {
            signature: VarBytes(signature),
            confirmation_tag,
        },
        length_of_padding: padding,
    }
    .to_bytes()?;
    let aad = PrivateContentAad {
        group_id,
        epoch: epoch_number,
        content_type,
        authenticated_data,
    };
    let reuse_guard: [u8; 4] =
        epoch
            .suite
            .random_bytes(4)?
            .try_into()
            .map_err(|bytes: Vec<u8>| mls_crypto::CryptoError::InvalidLength {
                what: "reuse guard",
                expected: 4,
                actual: bytes.len(),
            })?;
    let nonce = guarded_nonce(key.nonce, reuse_guard);
    let ciphertext = epoch
        .suite
        .aead_seal(key.key, &nonce, &aad.to_bytes()?, &plaintext)?;
    let sender_data = SenderData {
        leaf_index,
        generation: key.generation,
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
    let (sd_key, sd_nonce) = sender_data_key(epoch, &ciphertext)?;
    let encrypted_sender_data = epoch.suite.aead_seal(
        sd_key.as_bytes(),
        sd_nonce.as_bytes(),
        &sender_data_aad.to_bytes()?,
        &sender_data.to_bytes()?,
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

/// Decrypts the sender data of a PrivateMessage (RFC 9420 §6.3.2): which leaf sent it, with
/// which generation and reuse guard. The caller must check that the leaf is not blank.
pub fn decrypt_sender_data(
    epoch: PrivateEpoch<'_>,
    message: &PrivateMessage,
) -> Result<SenderData, FramingError> {
    let (key, nonce) = sender_data_key(epoch, &message.ciphertext)?;
    let aad = SenderDataAad {
        group_id: message.group_id.clone(),
        epoch: message.epoch,
        content_type: message.content_type,
    };
    let plaintext = epoch
        .suite
        .aead_open(
            key.as_bytes(),
            nonce.as_bytes(),
            &aad.to_bytes()?,
            &message.encrypted_sender_data,
        )
        .map_err(|_| FramingError::SenderDataDecryptionFailed)?;
    Ok(SenderData::from_bytes(&plaintext)?)
}

/// Decrypts the content of a PrivateMessage with the sender's ratchet key for the generation
/// in `sender_data`, checks the padding, and verifies the signature with the sender's
/// `signature_key` (RFC 9420 §6.3.1, §6.1).
pub fn open(
    epoch: PrivateEpoch<'_>,
    message: &PrivateMessage,
    sender_data: &SenderData,
    key: RatchetKey<'_>,
    signature_key: &[u8],
) -> Result<AuthenticatedContent, FramingError> {
    let aad = PrivateContentAad {
        group_id: message.group_id.clone(),
        epoch: message.epoch,
        content_type: message.content_type,
        authenticated_data: message.authenticated_data.clone(),
    };
    let nonce = guarded_nonce(key.nonce, sender_data.reuse_guard);
    let plaintext = epoch
        .suite
        .aead_open(key.key, &nonce, &aad.to_bytes()?, &message.ciphertext)
        .map_err(|_| FramingError::ContentDecryptionFailed)?;
    let PrivateMessageContent { content, auth, .. } =
        PrivateMessageContent::from_bytes_for(&plaintext, message.content_type)?;
    let PrivateContentAad {
        group_id,
        epoch: epoch_number,
        authenticated_data,
        ..
    } = aad;
    let content = FramedContent {
        group_id,
        epoch: epoch_number,
        sender: Sender::Member(sender_data.leaf_index),
        authenticated_data,
        content,
    };
    check_sender(&content)?;
    check_confirmation_tag(&content, auth.confirmation_tag.as_ref())?;
    verify_content_signature(
        epoch.suite,
        signature_key,
        WireFormat::MLS_PRIVATE_MESSAGE,
        &content,
        epoch.group_context,
        &auth.signature,
    )?;
    Ok(AuthenticatedContent {
        wire_format: WireFormat::MLS_PRIVATE_MESSAGE,
        content,
        auth,
    })
}

/// The content type's ratchet: handshake for proposals and commits, application otherwise
/// (RFC 9420 §9.1).
pub fn uses_handshake_ratchet(content_type: ContentType) -> bool {
    content_type != ContentType::Application
}

/// Only members send PrivateMessages (RFC 9420 §6.3.2).
pub fn sender_type_allowed(sender_type: SenderType) -> bool {
    sender_type == SenderType::Member
}

/// `sender_data_key` and `sender_data_nonce` from the first `KDF.Nh` bytes of the content
/// ciphertext, or all of it if shorter (RFC 9420 §6.3.2).
pub fn sender_data_key(
    epoch: PrivateEpoch<'_>,
    ciphertext: &[u8],
) -> Result<(Secret, Secret), FramingError> {
    let suite = epoch.suite;
    let sample = &ciphertext[..ciphertext.len().min(suite.hash_len())];
    let params = suite.params();
    let key = expand_with_label(
        suite,
        epoch.sender_data_secret,
        "key",
        sample,
        params.aead_key_len(),
    )?;
    let nonce = expand_with_label(
        suite,
        epoch.sender_data_secret,
        "nonce",
        sample,
        params.aead_nonce_len(),
    )?;
    Ok((key, nonce))
}

/// The ratchet nonce with the reuse guard XORed into its first four bytes (RFC 9420 §6.3.1).
fn guarded_nonce(nonce: &[u8], reuse_guard: [u8; 4]) -> Vec<u8> {
    let mut guarded = nonce.to_vec();
    for (byte, guard) in guarded.iter_mut().zip(reuse_guard) {
        *byte ^= guard;
    }
    guarded
}
