//! Cipher suites, the crypto provider traits and the labeled operations of Messaging Layer
//! Security (RFC 9420 §5, §8).
//!
//! This crate names no concrete algorithm implementation. A [`CryptoProvider`] (such as
//! `mls_crypto_rustcrypto::RustCryptoProvider`) hands out a [`CipherSuiteProvider`] per suite,
//! and the protocol layers call the labeled operations of [`labeled`] with it. Secrets and
//! private keys live in [`Secret`], [`HpkePrivateKey`] and [`SignaturePrivateKey`], which are
//! wiped on drop and never printed.
//!
//! A provider author needs only this crate: it re-exports every type the traits name
//! ([`CipherSuite`], [`CodecError`], [`Zeroizing`]); a failure of the provider's own that no
//! variant describes is [`CryptoError::other`]. [`test_support::for_each_suite`] runs a test
//! in every suite of a list of providers, and the `mls-vectors` crate checks a provider
//! against the official test vectors (`mls_vectors::check_dir_with`).
//!
//! ```
//! use mls_crypto::{CipherSuite, CryptoProvider, labeled};
//! use mls_crypto_rustcrypto::RustCryptoProvider;
//!
//! let suite = RustCryptoProvider.suite(CipherSuite::MLS_128_DHKEMX25519_AES128GCM_SHA256_ED25519)?;
//!
//! // Key schedule: DeriveSecret(init_secret, "epoch") is Nh bytes (§8).
//! let secret = labeled::derive_secret(suite, &[0u8; 32], "epoch")?;
//! assert_eq!(secret.len(), suite.hash_len());
//!
//! // Signatures: SignWithLabel / VerifyWithLabel (§5.1.2).
//! let keys = suite.generate_signature_key_pair()?;
//! let signer = suite.signer(&keys.private_key)?;
//! let signature = labeled::sign_with_label(&*signer, "LeafNodeTBS", b"content")?;
//! labeled::verify_with_label(suite, &keys.public_key, "LeafNodeTBS", b"content", &signature)?;
//!
//! // Public-key encryption: EncryptWithLabel / DecryptWithLabel (§5.1.3).
//! let node = suite.derive_hpke_key_pair(&[1u8; 32])?;
//! let sealed = labeled::encrypt_with_label(suite, &node.public_key, "UpdatePathNode", b"ctx", b"path secret")?;
//! let opened = labeled::decrypt_with_label(
//!     suite, &node.private_key, "UpdatePathNode", b"ctx", &sealed.kem_output, &sealed.ciphertext,
//! )?;
//! assert_eq!(opened.as_slice(), b"path secret");
//!
//! // A suite the provider lacks (0x0a0a is not an assigned suite) is an error, not a panic.
//! assert!(RustCryptoProvider.suite(CipherSuite(0x0a0a)).is_err());
//! # Ok::<(), mls_crypto::CryptoError>(())
//! ```
#![forbid(unsafe_code)]

pub mod ed25519;
mod error;
pub mod labeled;
mod provider;
mod secret;
mod suite;
pub mod test_support;
mod verifying_key;

pub use error::{CryptoError, ProviderError};
pub use labeled::{
    decrypt_with_label, derive_secret, derive_tree_secret, encrypt_with_label,
    encrypt_with_label_many, expand_with_label, expand_with_labels, make_key_package_ref,
    make_proposal_ref, ref_hash, sign_with_label, sign_with_label_writing, verify_with_label,
    verify_with_label_concat, verify_with_label_many,
};
/// The wire types a provider's traits name, so that a provider needs only this crate: the
/// cipher suite code point ([`CryptoProvider::suite`]) and the codec error that
/// [`CryptoError::Encoding`] carries.
pub use mls_codec::{CipherSuite, CodecError};
pub use provider::{CipherSuiteProvider, CryptoProvider, Signer};
pub use secret::{
    HpkeKeyPair, HpkePrivateKey, HpkeSealed, Secret, SignatureKeyPair, SignaturePrivateKey,
};
pub use suite::{CipherSuiteParams, HpkeAead, HpkeKdf, HpkeKem, SignatureScheme};
pub use verifying_key::VerifyingKey;
pub use zeroize::Zeroizing;
