//! The error type of message framing.

use mls_codec::{CodecError, ContentType, SenderType, WireFormat};
use mls_crypto::CryptoError;
use mls_key_schedule::KeyScheduleError;

/// Why a message could not be protected or unprotected (RFC 9420 §6).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FramingError {
    /// The message or its plaintext is malformed.
    #[error(transparent)]
    Codec(#[from] CodecError),
    /// A cryptographic operation failed for a reason other than those below.
    #[error(transparent)]
    Crypto(#[from] CryptoError),
    /// Deriving the sender-data key failed (§6.3.2).
    #[error(transparent)]
    KeySchedule(#[from] KeyScheduleError),
    /// The signature over FramedContentTBS does not verify (§6.1).
    #[error("the content signature does not verify")]
    InvalidSignature,
    /// The membership tag of a member's PublicMessage does not verify (§6.2).
    #[error("the membership tag does not verify")]
    InvalidMembershipTag,
    /// The content ciphertext of a PrivateMessage does not decrypt (§6.3.1).
    #[error("the PrivateMessage content does not decrypt")]
    ContentDecryptionFailed,
    /// The sender data of a PrivateMessage does not decrypt (§6.3.2).
    #[error("the PrivateMessage sender data does not decrypt")]
    SenderDataDecryptionFailed,
    /// The key passed to open a PrivateMessage is not of the generation its sender data
    /// names (§6.3.2).
    #[error("the message is of generation {expected}, the key of generation {actual}")]
    GenerationMismatch {
        /// The generation in the sender data.
        expected: u32,
        /// The generation of the key given.
        actual: u32,
    },
    /// The content type may not be sent in this wire format (§6, §6.2).
    #[error("{content_type:?} content may not be sent as {wire_format:?}")]
    ContentTypeNotAllowed {
        /// The content type.
        content_type: ContentType,
        /// The wire format.
        wire_format: WireFormat,
    },
    /// The sender type may not send this content or use this wire format (§6.1, §6.3.2).
    #[error("a {sender_type:?} sender may not send this message")]
    SenderNotAllowed {
        /// The sender type.
        sender_type: SenderType,
    },
    /// A commit lacks its confirmation tag, or other content carries one (§6.1).
    #[error("the confirmation tag must be present exactly for commits")]
    ConfirmationTagMismatch,
    /// A member's PublicMessage was to be protected without the membership key (§6.2).
    #[error("a member's PublicMessage needs the membership key")]
    MissingMembershipKey,
    /// Content signed for one wire format was to be sent in another (§6.1: the signature
    /// covers the wire format).
    #[error("content signed for {0:?} cannot be sent in this wire format")]
    WireFormatMismatch(WireFormat),
}
