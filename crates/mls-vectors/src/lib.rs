//! Checks the official RFC 9420 interoperability test vectors against this implementation, and
//! generates fresh vectors of every file type for other implementations to check.
//!
//! Each vector file is checked by one module, through the public API of the layer it covers.
//! A file whose layer does not exist yet, and a case in a cipher suite the provider does not
//! support, is counted as skipped, never as passed.
//!
//! [`check_dir`] and [`check_file`] run on the RustCrypto provider. [`check_dir_with`] and
//! [`check_file_with`] take any [`mls_crypto::CryptoProvider`]: this is the conformance kit
//! for a provider author. Every operation of every layer, the group engine's included, then
//! goes through that provider; an error of the provider other than an unsupported suite fails
//! the case, and the failure's text carries the error's message.
//!
//! [`generate_dir`] writes every file type with fresh randomness, in the official schema, for
//! the chosen suites (RFC 9420 §17.1 numbers), so that other implementations can check
//! themselves against this one; `check_dir` on the result passes. [`generate_file_with`]
//! makes one file's cases:
//!
//! ```
//! use std::sync::Arc;
//! use mls_crypto::CryptoProvider;
//!
//! let provider: Arc<dyn CryptoProvider> = Arc::new(mls_crypto_rustcrypto::RustCryptoProvider);
//! // 0x0a0a is not an assigned suite, so no provider has it: it is reported as skipped.
//! let (cases, made) =
//!     mls_vectors::generate_file_with(&provider, "key-schedule.json", &[1, 0x0a0a])?;
//! assert_eq!((made.cases, made.skipped_suites), (1, vec![0x0a0a]));
//! let json = serde_json::to_string(&cases).expect("JSON");
//! let outcome = mls_vectors::check_file("key-schedule.json", &json)?;
//! assert_eq!((outcome.passed, outcome.failed), (1, 0));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! ```no_run
//! use std::sync::Arc;
//! use mls_crypto::CryptoProvider;
//!
//! // Stands for a provider under test.
//! let provider: Arc<dyn CryptoProvider> = Arc::new(mls_crypto_rustcrypto::RustCryptoProvider);
//! let report = mls_vectors::check_dir_with(&provider, "test-vectors".as_ref())?;
//! for file in &report.files {
//!     println!("{}: {}", file.name, file.outcome);
//!     for failure in &file.outcome.failures {
//!         println!("  case {} {}: {}", failure.case, failure.field, failure.detail);
//!     }
//! }
//! assert_eq!(report.total().failed, 0);
//! # Ok::<(), mls_vectors::VectorError>(())
//! ```
#![forbid(unsafe_code)]

mod crypto_basics;
mod deserialization;
mod generate;
mod hex_field;
mod key_schedule;
mod message_protection;
mod messages;
mod outcome;
mod passive_client;
mod psk_secret;
mod registry;
mod secret_tree;
mod suites;
mod transcript_hashes;
mod tree_math;
mod tree_operations;
mod tree_validation;
mod treekem;
mod welcome;
mod wire;

pub use generate::{
    GenerateError, GeneratedFile, LayerError, default_suites, generate_dir, generate_dir_with,
    generate_file_with,
};
pub use outcome::{Failure, Outcome};
pub use registry::{
    FileReport, Report, VectorError, check_dir, check_dir_with, check_file, check_file_with,
    known_files,
};
