//! Message framing of Messaging Layer Security (RFC 9420 §6): turning authenticated content
//! into a PublicMessage (signed, and MACed for members) or a PrivateMessage (signed and
//! encrypted), and back.
//!
//! The functions here are stateless: the caller passes the epoch's secrets and the sender's
//! keys, and receives the [`AuthenticatedContent`](mls_codec::AuthenticatedContent) only if
//! every check passed. The keys themselves come from `mls-key-schedule`: the sender-data key
//! ([`SenderDataKey`](mls_key_schedule::SenderDataKey)) is derived here, the content key
//! ([`MessageKey`](mls_key_schedule::MessageKey)) is taken by the caller from the epoch's
//! [`SecretTree`](mls_key_schedule::SecretTree), so that it can be deleted only once the
//! message it opens has been verified.
//!
//! ```
//! use mls_codec::{CipherSuite, Commit, FramedContent, FramedContentBody, LeafIndex, Sender, VarBytes};
//! use mls_crypto::{CryptoProvider, Secret};
//! use mls_crypto_rustcrypto::RustCryptoProvider;
//! use mls_framing::private::{self, PrivateEpoch};
//! use mls_framing::public::{self, PublicEpoch};
//! use mls_key_schedule::{RatchetKind, SecretTree};
//! use mls_tree::TreeSize;
//!
//! let suite = RustCryptoProvider.suite(CipherSuite::MLS_128_DHKEMX25519_AES128GCM_SHA256_ED25519)?;
//! let keys = suite.generate_signature_key_pair()?;
//! let signer = suite.signer(&keys.private_key)?;
//! let group_context = b"encoded group context";
//!
//! // A commit from leaf 1 as a PublicMessage (§6.2).
//! let membership_key = Secret::new(vec![7; 32]);
//! let epoch = PublicEpoch { suite, group_context, membership_key: Some(&membership_key) };
//! let content = FramedContent {
//!     group_id: VarBytes::from(b"group"),
//!     epoch: 1,
//!     sender: Sender::Member(LeafIndex(1)),
//!     authenticated_data: VarBytes::default(),
//!     content: FramedContentBody::Commit(Commit { proposals: vec![], path: None }),
//! };
//! let message = public::protect(epoch, &*signer, content.clone(), Some(VarBytes::from(&[1; 32])))?;
//! let received = public::unprotect(epoch, &message, &keys.public_key)?;
//! assert_eq!(received.content, content);
//!
//! // Application data from leaf 1 as a PrivateMessage (§6.3), keyed by the secret tree (§9).
//! let sender_data_secret = Secret::new(vec![5; 32]);
//! let epoch = PrivateEpoch { suite, group_context, sender_data_secret: &sender_data_secret };
//! let size = TreeSize::for_leaves(2).ok_or("no tree")?;
//! let mut sender_tree = SecretTree::new(suite, Secret::new(vec![3; 32]), size);
//! let mut receiver_tree = SecretTree::new(suite, Secret::new(vec![3; 32]), size);
//! let content = FramedContent {
//!     content: FramedContentBody::Application(VarBytes::from(b"hello, group")),
//!     ..content
//! };
//! let key = sender_tree.encryption_key(suite, 1, RatchetKind::Application)?;
//! let message = private::protect(epoch, &*signer, content.clone(), None, &key, 0)?;
//!
//! // Receiving: read the sender data, stage the sender's key, open, and only then delete the
//! // key by committing it. Dropping the staged key instead (on an error) consumes nothing.
//! let sender_data = private::decrypt_sender_data(epoch, &message)?;
//! let kind = RatchetKind::for_content_type(message.content_type);
//! let staged = receiver_tree.stage_decryption_key(
//!     suite,
//!     sender_data.leaf_index,
//!     kind,
//!     sender_data.generation,
//! )?;
//! let received = private::open(epoch, &message, &sender_data, staged.key(), &keys.public_key)?;
//! staged.commit();
//! assert_eq!(received.content, content);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![forbid(unsafe_code)]

mod auth;
mod error;
pub mod private;
pub mod public;

pub use auth::{sign_content, verify_content_signature};
pub use error::FramingError;

#[cfg(test)]
mod tests;
