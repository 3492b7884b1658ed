//! Checks the official RFC 9420 interoperability test vectors against this implementation.
//!
//! Each vector file is checked by one module, through the public API of the layer it covers.
//! A file whose layer does not exist yet, and a case in a cipher suite the provider does not
//! support, is counted as skipped, never as passed.
//!
//! ```no_run
//! let report = mls_vectors::check_dir("test-vectors".as_ref())?;
//! for file in &report.files {
//!     println!("{}: {}", file.name, file.outcome);
//! }
//! println!("{}", report.total());
//! # Ok::<(), mls_vectors::VectorError>(())
//! ```
#![forbid(unsafe_code)]

mod crypto_basics;
mod deserialization;
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

pub use outcome::{Failure, Outcome};
pub use registry::{FileReport, Report, VectorError, check_dir, check_file, known_files};
