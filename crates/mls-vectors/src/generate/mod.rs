//! Generating every vector file type with fresh randomness, in the official JSON schema, so
//! that other implementations can check themselves against this one.
//!
//! Each submodule makes the cases of one file type through the public API of the layer it
//! covers, and builds them as the very structs its checker reads (which serialize back to the
//! official field names). Files that do not depend on a cipher suite (tree math, varint
//! headers) are made once; the others once per chosen suite, and a suite the provider does not
//! support is counted as skipped for that file, never silently dropped.

pub(crate) mod crypto_basics;
pub(crate) mod deserialization;
mod group;
pub(crate) mod key_schedule;
mod member;
pub(crate) mod message_protection;
pub(crate) mod messages;
pub(crate) mod passive_client;
pub(crate) mod psk_secret;
pub(crate) mod secret_tree;
pub(crate) mod transcript_hashes;
mod tree;
pub(crate) mod tree_math;
pub(crate) mod tree_operations;
pub(crate) mod tree_validation;
pub(crate) mod treekem;
pub(crate) mod welcome;

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use mls_codec::{CipherSuite, CodecError};
use mls_crypto::{CipherSuiteProvider, CryptoError, CryptoProvider};
use rand::RngExt;
use rand::distr::uniform::SampleUniform;
use rand::distr::{Distribution, StandardUniform};
use serde::Serialize;
use serde_json::Value;

use crate::hex_field::Hex;
use crate::registry::FILES;
use crate::suites::default_provider;

/// An error of a library layer while making a case. Generation uses only valid inputs, so
/// any of these is a fault of this implementation (or of the provider), never of the input.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LayerError {
    /// The wire format.
    #[error(transparent)]
    Codec(#[from] CodecError),
    /// The crypto provider.
    #[error(transparent)]
    Crypto(#[from] CryptoError),
    /// The ratchet tree.
    #[error(transparent)]
    Tree(#[from] mls_tree::TreeError),
    /// The key schedule.
    #[error(transparent)]
    KeySchedule(#[from] mls_key_schedule::KeyScheduleError),
    /// Message framing.
    #[error(transparent)]
    Framing(#[from] mls_framing::FramingError),
    /// The group engine.
    #[error(transparent)]
    Group(#[from] mls_group::GroupError),
    /// A case could not be written as JSON.
    #[error(transparent)]
    Json(#[from] serde_json::Error),
    /// What a generator relies on did not hold (a message processed as another kind than
    /// sent, a commit adding members without a Welcome, a size out of range).
    #[error("{0}")]
    Scenario(String),
}

/// Why vector files could not be generated.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum GenerateError {
    /// The output folder cannot be created.
    #[error("cannot create the folder {path}: {source}")]
    Folder {
        /// The folder.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A file cannot be written.
    #[error("cannot write {path}: {source}")]
    Write {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A file name no generator knows.
    #[error("{name}: unknown vector file (known: {})", crate::known_files().join(", "))]
    UnknownFile {
        /// The file name.
        name: String,
    },
    /// A case could not be made.
    #[error("{name}{}: {source}", suite.map(|s| format!(", suite {s}")).unwrap_or_default())]
    Case {
        /// The file name.
        name: &'static str,
        /// The cipher suite of the case, if the file has suites.
        suite: Option<u16>,
        /// What failed.
        source: LayerError,
    },
}

/// What was generated for one file type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GeneratedFile {
    /// The file name, as in the official vectors.
    pub name: &'static str,
    /// The number of cases made.
    pub cases: usize,
    /// The chosen suites the provider does not support, for which this file has no case.
    /// A file with no case at all is not written by [`generate_dir`].
    pub skipped_suites: Vec<u16>,
}

impl fmt::Display for GeneratedFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let cases = if self.cases == 1 { "case" } else { "cases" };
        write!(f, "{}: {} {cases}", self.name, self.cases)?;
        if !self.skipped_suites.is_empty() {
            let suites: Vec<String> = self.skipped_suites.iter().map(u16::to_string).collect();
            let noun = if suites.len() == 1 { "suite" } else { "suites" };
            write!(f, ", skipped for unsupported {noun} {}", suites.join(", "))?;
        }
        if self.cases == 0 {
            write!(f, ", not written (no case)")?;
        }
        Ok(())
    }
}

/// The suite a per-suite generator works in, with the provider (the group engine needs it).
pub(crate) struct SuiteContext<'p> {
    /// The provider, for the group engine.
    pub(crate) provider: &'p Arc<dyn CryptoProvider>,
    /// The suite's operations.
    pub(crate) suite: &'p dyn CipherSuiteProvider,
}

impl SuiteContext<'_> {
    /// The suite's number, as the vector files write it.
    pub(crate) fn number(&self) -> u16 {
        self.suite.cipher_suite().0
    }

    /// `length` fresh random bytes from the provider.
    pub(crate) fn random(&self, length: usize) -> Result<Hex, LayerError> {
        Ok(Hex(self.suite.random_bytes(length)?))
    }

    /// A fresh random secret of the suite's hash length (KDF.Nh).
    pub(crate) fn secret(&self) -> Result<Hex, LayerError> {
        self.random(self.suite.hash_len())
    }
}

/// A number in `range`, for the shapes of the cases (sizes, counts, who acts).
pub(crate) fn pick<T: SampleUniform + PartialOrd>(range: std::ops::Range<T>) -> T {
    rand::rng().random_range(range)
}

/// `value` as a `u32`, for the counts and indices the files write as numbers.
pub(crate) fn as_u32(value: usize) -> Result<u32, LayerError> {
    u32::try_from(value).map_err(|_| LayerError::Scenario(format!("{value} exceeds 32 bits")))
}

/// A random number of any value, for epochs and generations.
pub(crate) fn any<T>() -> T
where
    StandardUniform: Distribution<T>,
{
    rand::rng().random()
}

/// A generator of cases that do not depend on a cipher suite.
type SuiteFreeFn = fn() -> Result<Vec<Value>, LayerError>;
/// A generator of the cases of one cipher suite.
type PerSuiteFn = fn(&SuiteContext<'_>) -> Result<Vec<Value>, LayerError>;

/// How one file's cases are made.
pub(crate) enum Generator {
    /// Once, whatever the suites.
    SuiteFree(SuiteFreeFn),
    /// Once per chosen suite.
    PerSuite(PerSuiteFn),
}

/// The JSON values of `cases`.
pub(crate) fn to_values<T: Serialize>(cases: Vec<T>) -> Result<Vec<Value>, LayerError> {
    cases
        .into_iter()
        .map(|case| serde_json::to_value(case).map_err(LayerError::from))
        .collect()
}

/// The suites generated by default: every suite the RustCrypto provider supports, in
/// increasing order.
pub fn default_suites() -> Vec<u16> {
    let mut suites: Vec<u16> = default_provider()
        .supported_suites()
        .iter()
        .map(|suite| suite.0)
        .collect();
    suites.sort_unstable();
    suites
}

/// Generates the cases of the file `name` for the cipher suite numbers `suites` with
/// `provider`: the JSON array of the cases and what was made.
pub fn generate_file_with(
    provider: &Arc<dyn CryptoProvider>,
    name: &str,
    suites: &[u16],
) -> Result<(Vec<Value>, GeneratedFile), GenerateError> {
    let file =
        FILES
            .iter()
            .find(|file| file.name == name)
            .ok_or_else(|| GenerateError::UnknownFile {
                name: name.to_owned(),
            })?;
    let name = file.name;
    let failed = |suite: Option<u16>| {
        move |source| GenerateError::Case {
            name,
            suite,
            source,
        }
    };
    let mut generated = GeneratedFile {
        name,
        cases: 0,
        skipped_suites: Vec::new(),
    };
    let mut cases = Vec::new();
    match file.generator {
        Generator::SuiteFree(generate) => match generate() {
            Ok(made) => cases = made,
            Err(error) => return Err(failed(None)(error)),
        },
        Generator::PerSuite(generate) => {
            for &number in suites {
                let Ok(suite) = provider.suite(CipherSuite(number)) else {
                    generated.skipped_suites.push(number);
                    continue;
                };
                let context = SuiteContext { provider, suite };
                match generate(&context) {
                    Ok(made) => cases.extend(made),
                    Err(error) => return Err(failed(Some(number))(error)),
                }
            }
        }
    }
    generated.cases = cases.len();
    Ok((cases, generated))
}

/// Writes every known vector file type into `dir` (created if missing) for the cipher suite
/// numbers `suites`, with the RustCrypto provider ([`generate_dir_with`] takes another).
pub fn generate_dir(dir: &Path, suites: &[u16]) -> Result<Vec<GeneratedFile>, GenerateError> {
    generate_dir_with(&default_provider(), dir, suites)
}

/// Writes every known vector file type into `dir` (created if missing) for the cipher suite
/// numbers `suites`, with `provider`. Returns what was made for each file, in name order; a
/// file left with no case (every chosen suite unsupported) is not written, and an older file
/// of its name in `dir` is removed.
pub fn generate_dir_with(
    provider: &Arc<dyn CryptoProvider>,
    dir: &Path,
    suites: &[u16],
) -> Result<Vec<GeneratedFile>, GenerateError> {
    std::fs::create_dir_all(dir).map_err(|source| GenerateError::Folder {
        path: dir.to_owned(),
        source,
    })?;
    let mut report = Vec::new();
    for file in FILES {
        let (cases, generated) = generate_file_with(provider, file.name, suites)?;
        let path = dir.join(file.name);
        let write_error = |source| GenerateError::Write {
            path: path.clone(),
            source,
        };
        if cases.is_empty() {
            // An older file of that name would be checked as if it were of this run.
            match std::fs::remove_file(&path) {
                Err(error) if error.kind() != std::io::ErrorKind::NotFound => {
                    return Err(write_error(error));
                }
                _ => {}
            }
        } else {
            let json = serde_json::to_string_pretty(&cases)
                .map_err(|e| write_error(std::io::Error::other(e)))?;
            std::fs::write(&path, json + "\n").map_err(write_error)?;
        }
        report.push(generated);
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unknown_file_is_an_error() {
        let result = generate_file_with(&default_provider(), "nope.json", &[1]);
        assert!(matches!(result, Err(GenerateError::UnknownFile { .. })));
    }

    #[test]
    fn unsupported_suites_are_skipped_with_their_numbers() {
        let (cases, file) =
            // None of them is an assigned suite (0x0a0a and 0x1a1a are GREASE values).
            generate_file_with(&default_provider(), "psk_secret.json", &[0x0a0a, 1, 0x1a1a, 0xbeef])
                .unwrap();
        assert_eq!(file.skipped_suites, [0x0a0a, 0x1a1a, 0xbeef]);
        assert_eq!(file.cases, cases.len());
        assert!(cases.iter().all(|case| case["cipher_suite"] == 1));
        assert_eq!(
            file.to_string(),
            format!(
                "psk_secret.json: {} cases, skipped for unsupported suites 2570, 6682, 48879",
                cases.len()
            )
        );
    }

    #[test]
    fn suite_free_files_ignore_the_suites() {
        let (cases, file) =
            generate_file_with(&default_provider(), "deserialization.json", &[0x0a0a]).unwrap();
        assert!(file.skipped_suites.is_empty());
        assert_eq!(cases.len(), 9);
    }
}
