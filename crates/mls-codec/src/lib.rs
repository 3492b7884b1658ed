//! The wire format of Messaging Layer Security (RFC 9420 §2.1) and every struct of the RFC as
//! plain data with an exact encoding.
//!
//! This crate has no cryptography and no protocol logic: a delivery service that only routes
//! messages can depend on it alone. Decoding never panics, rejects trailing bytes, non-minimal
//! variable-length integers and over-long vectors with a typed [`CodecError`], and allocates no
//! more than the input holds.
//!
//! ```
//! use mls_codec::{Decode, Encode, VarBytes};
//!
//! let value: Vec<VarBytes> = vec![VarBytes::from(b"alice"), VarBytes::from(b"bob")];
//! let bytes = value.to_bytes()?;
//! assert_eq!(bytes[0], 10); // the vector's length header: 1 + 5 + 1 + 3 bytes of body
//! assert_eq!(Vec::<VarBytes>::from_bytes(&bytes)?, value);
//!
//! // A length header that uses more bytes than needed is malformed (§2.1.2).
//! assert!(VarBytes::from_bytes(&[0x40, 0x01, 0xff]).is_err());
//! # Ok::<(), mls_codec::CodecError>(())
//! ```
//!
//! The RFC's structs are plain data. A field selected by an earlier field (a `select` in the
//! RFC) is a Rust enum that carries its tag, such as [`Proposal`], [`Sender`] or
//! [`MlsMessageBody`]; a value whose encoding depends on something outside it has a
//! `decode_for` that takes it, such as [`PrivateMessageContent::decode_for`].
//!
//! ```
//! use mls_codec::{Decode, Encode, MlsMessage, MlsMessageBody, Proposal, Remove, WireFormat};
//!
//! let proposal = Proposal::Remove(Remove { removed: 3 });
//! assert_eq!(proposal.to_bytes()?, [0, 3, 0, 0, 0, 3]); // proposal_type remove, then the index
//!
//! // An MLSMessage: version mls10, wire format mls_welcome, then a Welcome with cipher suite 1,
//! // no secrets and an empty encrypted GroupInfo.
//! let message = MlsMessage::from_bytes(&[0, 1, 0, 3, 0, 1, 0, 0])?;
//! assert_eq!(message.body.wire_format(), WireFormat::MLS_WELCOME);
//! assert!(matches!(message.body, MlsMessageBody::Welcome(_)));
//! # Ok::<(), mls_codec::CodecError>(())
//! ```
#![forbid(unsafe_code)]

#[macro_use]
mod macros;
#[cfg(test)]
mod arbitrary;
mod cipher_suite;
mod codec;
mod commit;
mod credential;
mod error;
mod extensions;
mod framing;
mod group_info;
mod key_package;
pub mod labels;
mod primitives;
mod proposals;
mod psk;
mod reader;
mod state;
mod tree;
pub mod tree_math;
pub mod varint;

pub use cipher_suite::{CipherSuite, ProtocolVersion};
pub use codec::{Decode, Encode, VarBytes, decode_vector, encode_opaque, encode_vector};
pub use commit::{Commit, ProposalOrRef, ProposalOrRefType};
pub use credential::{Certificate, Credential, CredentialType};
pub use error::CodecError;
pub use extensions::{
    Extension, ExtensionType, ExternalPub, ExternalSender, RatchetTree, RequiredCapabilities,
};
pub use framing::{
    AuthenticatedContent, AuthenticatedContentTbm, ConfirmedTranscriptHashInput, ContentType,
    FramedContent, FramedContentAuthData, FramedContentBody, FramedContentTbs,
    InterimTranscriptHashInput, MlsMessage, MlsMessageBody, PrivateContentAad, PrivateMessage,
    PrivateMessageContent, PublicMessage, Sender, SenderData, SenderDataAad, SenderType,
    WireFormat,
};
pub use group_info::{
    EncryptedGroupSecrets, GroupContext, GroupInfo, GroupInfoTbs, GroupSecrets, PathSecret, Welcome,
};
pub use key_package::{KeyPackage, KeyPackageTbs};
pub use primitives::{
    HashReference, HpkePublicKey, KeyPackageRef, Mac, ProposalRef, SignaturePublicKey,
};
pub use proposals::{
    Add, ExternalInit, GroupContextExtensions, PreSharedKey, Proposal, ProposalType, ReInit,
    Remove, Update,
};
pub use psk::{PreSharedKeyId, Psk, PskLabel, PskType, ResumptionPskUsage};
pub use reader::Reader;
pub use state::{SecretWriter, StateDecode, StateEncode};
pub use tree::{
    Capabilities, HpkeCiphertext, LeafNode, LeafNodeHashInput, LeafNodeLocation, LeafNodeSource,
    LeafNodeSourceData, LeafNodeTbs, Lifetime, Node, NodeType, ParentHashInput, ParentNode,
    ParentNodeHashInput, SignedLeafNode, TreeHashInput, UpdatePath, UpdatePathNode,
};
pub use tree_math::{LeafIndex, MAX_LEAVES, NodeIndex, TreeSize};

/// Whether `value` is one of the GREASE values of RFC 9420 §13.5 (0x0A0A, 0x1A1A, ..., 0xEAEA).
pub fn is_grease(value: u64) -> bool {
    value <= 0xeaea && value & 0x0f0f == 0x0a0a && (value >> 12) == ((value >> 4) & 0x0f)
}

#[cfg(test)]
mod grease_tests {
    #[test]
    fn exactly_the_fifteen_grease_values() {
        let grease: Vec<u64> = (0..=0xffff).filter(|v| super::is_grease(*v)).collect();
        let expected: Vec<u64> = (0..15).map(|i| 0x0a0a + i * 0x1010).collect();
        assert_eq!(grease, expected);
    }
}
