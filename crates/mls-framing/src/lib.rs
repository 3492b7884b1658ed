//! Message framing of Messaging Layer Security (RFC 9420 §6): turning authenticated content
//! into a PublicMessage (signed, and MACed for members) or a PrivateMessage (signed and
//! encrypted), and back.
//!
//! The functions here are stateless: the caller passes the epoch's secrets and the sender's
//! keys, and receives the [`AuthenticatedContent`](mls_codec::AuthenticatedContent) only if
//! every check passed.
//!
//! ```
//! use mls_codec::{CipherSuite, Commit, FramedContent, FramedContentBody, Sender, VarBytes};
//! use mls_crypto::CryptoProvider;
//! use mls_crypto_rustcrypto::RustCryptoProvider;
//! use mls_framing::public::{self, PublicEpoch};
//!
//! let suite = RustCryptoProvider.suite(CipherSuite::MLS_128_DHKEMX25519_AES128GCM_SHA256_ED25519)?;
//! let keys = suite.generate_signature_key_pair()?;
//! let signer = suite.signer(&keys.private_key)?;
//! let epoch = PublicEpoch { suite, group_context: b"encoded group context", membership_key: Some(&[7; 32]) };
//! let content = FramedContent {
//!     group_id: VarBytes::from(b"group"),
//!     epoch: 1,
//!     sender: Sender::Member(0),
//!     authenticated_data: VarBytes::default(),
//!     content: FramedContentBody::Commit(Commit { proposals: vec![], path: None }),
//! };
//! let message = public::protect(epoch, &*signer, content.clone(), Some(VarBytes::from(&[1; 32])))?;
//! let received = public::unprotect(epoch, &message, &keys.public_key)?;
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
