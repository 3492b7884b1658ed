//! The group engine of Messaging Layer Security (RFC 9420 §10-15): key packages, groups,
//! proposals, commits, Welcome messages and application messages.
//!
//! A [`Client`] is one identity in one cipher suite. It publishes key packages, creates
//! groups and joins them from Welcome messages. A [`Group`] is one member's state of one
//! group; everything it sends and receives is an encoded MLSMessage, so members can live in
//! different processes and only exchange bytes.
//!
//! ```
//! use std::sync::Arc;
//! use mls_codec::CipherSuite;
//! use mls_crypto_rustcrypto::RustCryptoProvider;
//! use mls_group::{Client, ProcessedMessage};
//!
//! let provider = Arc::new(RustCryptoProvider);
//! let suite = CipherSuite::MLS_128_DHKEMX25519_AES128GCM_SHA256_ED25519;
//! let alice = Client::new(provider.clone(), suite, b"alice")?;
//! let mut bob = Client::new(provider.clone(), suite, b"bob")?;
//! let mut carol = Client::new(provider, suite, b"carol")?;
//!
//! // Alice creates a group and adds Bob from his key package.
//! let mut alice_group = alice.create_group(b"our group")?;
//! let added = alice_group.add_members(&[bob.key_package()?])?;
//! alice_group.merge_pending_commit()?;
//! let mut bob_group = bob.join(&added.welcome.expect("bob was added"), None)?;
//!
//! // Bob adds Carol; Alice processes his commit.
//! let added = bob_group.add_members(&[carol.key_package()?])?;
//! bob_group.merge_pending_commit()?;
//! alice_group.process_message(&added.commit)?;
//! let mut carol_group = carol.join(&added.welcome.expect("carol was added"), None)?;
//! assert_eq!(alice_group.epoch_authenticator(), carol_group.epoch_authenticator());
//!
//! // Carol says hello; both others read it.
//! let message = carol_group.encrypt_application_message(b"hello")?;
//! for group in [&mut alice_group, &mut bob_group] {
//!     match group.process_message(&message)? {
//!         ProcessedMessage::Application { data, .. } => assert_eq!(data, b"hello"),
//!         other => panic!("unexpected {other:?}"),
//!     }
//! }
//! # Ok::<(), mls_group::GroupError>(())
//! ```
#![forbid(unsafe_code)]

#[doc = include_str!("../../../docs/guide.md")]
pub mod guide {}

/// The README's examples, run as tests.
#[doc = include_str!("../../../README.md")]
#[cfg(doctest)]
pub struct ReadmeExamples;

mod authentication;
mod client;
mod config;
mod error;
mod external;
mod group;
mod key_package;
pub mod low_level;
mod proposals;
mod rules;
mod store;
mod welcome;

pub use authentication::{
    AcceptAnyCredential, BasicCredentialError, BasicCredentialValidator, Clock, CredentialContext,
    CredentialRefusal, CredentialSource, CredentialValidator, FixedClock, Refusal, SystemClock,
};
pub use client::Client;
pub use config::{Grease, GroupConfig};
pub use error::GroupError;
pub use external::{ExternalProposer, external_senders_extension};
pub use group::{
    CommitOptions, CommitOutput, Group, Member, OmittedProposal, ProcessedMessage, StagedCommit,
};
pub use key_package::{KeyPackageBundle, KeyPackageError};
pub use proposals::{LeafNodeError, ProposalError};
pub use rules::{AcceptAllProposals, ProposalRefusal, ProposalRules};
pub use store::{RECORD_FORMAT, Store};
