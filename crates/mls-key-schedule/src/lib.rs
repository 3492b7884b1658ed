//! The key schedule of Messaging Layer Security (RFC 9420 §8-9): the epoch secrets, PSKs,
//! the exporter, transcript hashes and confirmation tags, the sender-data keys and the secret
//! tree with its per-sender ratchets.
//!
//! Every operation takes the cipher suite's [`mls_crypto::CipherSuiteProvider`] from a
//! [`mls_crypto::CryptoProvider`]. Secrets live in [`Secret`] (or types made of them), which
//! are wiped on drop and never printed; secrets the RFC says to delete once consumed (§9.2)
//! are dropped by the types that consume them.
//!
//! ```
//! use mls_codec::CipherSuite;
//! use mls_crypto::CryptoProvider;
//! use mls_crypto_rustcrypto::RustCryptoProvider;
//! use mls_key_schedule::{
//!     KeySchedule, RatchetKind, SecretTreeConfig, TranscriptHashes, confirmation_tag,
//!     psk_secret, verify_confirmation_tag, zero_secret,
//! };
//! use mls_codec::TreeSize;
//!
//! let provider = RustCryptoProvider::new();
//! let suite = provider.suite(CipherSuite::MLS_128_DHKEMX25519_AES128GCM_SHA256_ED25519)?;
//!
//! // A group's first epoch: all-zero init secret, no PSKs (§8, §8.4).
//! let zero = zero_secret(suite);
//! let commit_secret = mls_crypto::Secret::new(vec![7; 32]);
//! let psks = psk_secret(suite, &[])?;
//! let schedule = KeySchedule::new_epoch(suite, &zero, &commit_secret, &psks, b"GroupContext")?;
//! let mut epoch = schedule.into_epoch_secrets();
//!
//! // Exporter (§8.5) and confirmation tag (§8.1).
//! let exported = epoch.export(suite, "example", b"context", 16)?;
//! assert_eq!(exported.len(), 16);
//! let transcript = TranscriptHashes::initial();
//! let tag = confirmation_tag(suite, epoch.confirmation_key(), &transcript.confirmed);
//! verify_confirmation_tag(suite, epoch.confirmation_key(), &transcript.confirmed, &tag)?;
//!
//! // The secret tree (§9): the sender uses generation 0, the receiver decrypts it once.
//! let size = TreeSize::for_leaves(3).expect("a small tree");
//! let mut sender = epoch
//!     .take_secret_tree(suite, size, SecretTreeConfig::default())?
//!     .expect("not taken before");
//! let sent = sender.encryption_key(suite, 2, RatchetKind::Application)?;
//! let receiver_epoch = KeySchedule::new_epoch(suite, &zero, &commit_secret, &psks, b"GroupContext")?;
//! let mut receiver = receiver_epoch
//!     .into_epoch_secrets()
//!     .take_secret_tree(suite, size, SecretTreeConfig::default())?
//!     .expect("not taken before");
//! let received = receiver.decryption_key(suite, 2, RatchetKind::Application, sent.generation())?;
//! assert_eq!(received, sent);
//! // A replay of the same generation is refused: the key is gone.
//! assert!(receiver.decryption_key(suite, 2, RatchetKind::Application, 0).is_err());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![forbid(unsafe_code)]

mod error;
mod key_schedule;
mod psk;
mod secret_tree;
mod sender_data;
mod storage;
mod transcript;

pub use error::KeyScheduleError;
pub use key_schedule::{EpochSecrets, JoinerSecret, KeySchedule, WelcomeSecret, zero_secret};
pub use mls_crypto::Secret;
pub use psk::{PskInput, psk_secret};
pub use secret_tree::{
    MessageKey, RatchetKind, SecretTree, SecretTreeChanges, SecretTreeConfig, StagedKey,
};
pub use sender_data::SenderDataKey;
pub use transcript::{
    TranscriptHashes, confirmation_tag, confirmed_transcript_hash,
    confirmed_transcript_hash_of_encoded, interim_transcript_hash, verify_confirmation_tag,
};

/// Every type here that holds secrets holds them only in [`Secret`] (a
/// `Zeroizing<Vec<u8>>`), so its secret bytes are wiped when it is dropped.
mod zeroize_on_drop {
    use zeroize::ZeroizeOnDrop;

    impl ZeroizeOnDrop for super::JoinerSecret {}
    impl ZeroizeOnDrop for super::WelcomeSecret {}
    impl ZeroizeOnDrop for super::EpochSecrets {}
    impl ZeroizeOnDrop for super::KeySchedule {}
    impl ZeroizeOnDrop for super::SecretTree {}
    impl ZeroizeOnDrop for super::MessageKey {}
    impl ZeroizeOnDrop for super::SenderDataKey {}
}
