//! The vector files this crate knows (with how each is checked and generated), and running
//! the checks on a folder.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use mls_crypto::CryptoProvider;
use serde_json::Value;

use crate::Outcome;
use crate::generate::{self, Generator};
use crate::suites::default_provider;

/// Why a vector file or folder could not be checked at all.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum VectorError {
    /// The folder does not exist or cannot be listed.
    #[error("cannot read the vector folder {path}: {source}")]
    Folder {
        /// The folder.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A file cannot be read.
    #[error("cannot read {path}: {source}")]
    Unreadable {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The folder holds no `*.json` file: nothing would be checked.
    #[error("no vector file (*.json) in {path}: nothing to check")]
    NoVectorFiles {
        /// The folder.
        path: PathBuf,
    },
    /// A file is not JSON (truncated or invalid), or its JSON does not have the shape of its vector type.
    #[error("{name}: malformed vector file: {reason}")]
    Malformed {
        /// The file name.
        name: String,
        /// What was wrong.
        reason: String,
    },
    /// A file name this checker does not know.
    #[error("{name}: unknown vector file (known: {})", known_files().join(", "))]
    UnknownFile {
        /// The file name.
        name: String,
    },
}

/// A checker of one file's cases, with the provider it runs on.
type CheckFn = fn(&Arc<dyn CryptoProvider>, &str, Vec<Value>) -> Result<Outcome, VectorError>;

/// How one file is checked.
enum Checker {
    /// The layer exists: check every case.
    Check(CheckFn),
    /// The layer this file covers is not implemented yet: every case is skipped.
    #[allow(
        dead_code,
        reason = "every file has a checker now; kept for vector files of future layers"
    )]
    NotYetImplemented,
}

/// One official vector file type: its name, how it is checked and how it is generated.
pub(crate) struct VectorFile {
    /// The file name.
    pub(crate) name: &'static str,
    /// How its cases are checked.
    checker: Checker,
    /// How its cases are made.
    pub(crate) generator: Generator,
}

/// Every official vector file, with how it is checked and generated.
pub(crate) const FILES: &[VectorFile] = &[
    VectorFile {
        name: "crypto-basics.json",
        checker: Checker::Check(crate::crypto_basics::check),
        generator: Generator::PerSuite(generate::crypto_basics::generate),
    },
    VectorFile {
        name: "deserialization.json",
        checker: Checker::Check(crate::deserialization::check),
        generator: Generator::SuiteFree(generate::deserialization::generate),
    },
    VectorFile {
        name: "key-schedule.json",
        checker: Checker::Check(crate::key_schedule::check),
        generator: Generator::PerSuite(generate::key_schedule::generate),
    },
    VectorFile {
        name: "message-protection.json",
        checker: Checker::Check(crate::message_protection::check),
        generator: Generator::PerSuite(generate::message_protection::generate),
    },
    VectorFile {
        name: "messages.json",
        checker: Checker::Check(crate::messages::check),
        generator: Generator::PerSuite(generate::messages::generate),
    },
    VectorFile {
        name: "passive-client-handling-commit.json",
        checker: Checker::Check(crate::passive_client::check),
        generator: Generator::PerSuite(generate::passive_client::handling_commit),
    },
    VectorFile {
        name: "passive-client-random.json",
        checker: Checker::Check(crate::passive_client::check),
        generator: Generator::PerSuite(generate::passive_client::random),
    },
    VectorFile {
        name: "passive-client-welcome.json",
        checker: Checker::Check(crate::passive_client::check),
        generator: Generator::PerSuite(generate::passive_client::welcome),
    },
    VectorFile {
        name: "psk_secret.json",
        checker: Checker::Check(crate::psk_secret::check),
        generator: Generator::PerSuite(generate::psk_secret::generate),
    },
    VectorFile {
        name: "secret-tree.json",
        checker: Checker::Check(crate::secret_tree::check),
        generator: Generator::PerSuite(generate::secret_tree::generate),
    },
    VectorFile {
        name: "transcript-hashes.json",
        checker: Checker::Check(crate::transcript_hashes::check),
        generator: Generator::PerSuite(generate::transcript_hashes::generate),
    },
    VectorFile {
        name: "tree-math.json",
        checker: Checker::Check(crate::tree_math::check),
        generator: Generator::SuiteFree(generate::tree_math::generate),
    },
    VectorFile {
        name: "tree-operations.json",
        checker: Checker::Check(crate::tree_operations::check),
        generator: Generator::PerSuite(generate::tree_operations::generate),
    },
    VectorFile {
        name: "tree-validation.json",
        checker: Checker::Check(crate::tree_validation::check),
        generator: Generator::PerSuite(generate::tree_validation::generate),
    },
    VectorFile {
        name: "treekem.json",
        checker: Checker::Check(crate::treekem::check),
        generator: Generator::PerSuite(generate::treekem::generate),
    },
    VectorFile {
        name: "welcome.json",
        checker: Checker::Check(crate::welcome::check),
        generator: Generator::PerSuite(generate::welcome::generate),
    },
];

/// The names of the vector files this checker knows.
pub fn known_files() -> Vec<&'static str> {
    FILES.iter().map(|file| file.name).collect()
}

/// Checks one vector file given its name and JSON text, with the RustCrypto provider
/// ([`check_file_with`] takes another).
pub fn check_file(name: &str, json: &str) -> Result<Outcome, VectorError> {
    check_file_with(&default_provider(), name, json)
}

/// Checks one vector file given its name and JSON text, with `provider` for every
/// cryptographic operation (the group engine's too, for the passive-client files).
///
/// A case in a suite the provider does not implement
/// ([`mls_crypto::CryptoError::UnsupportedCipherSuite`]) counts as skipped. Any other error
/// of the provider fails the case, and the failure's [`Failure::detail`](crate::Failure)
/// carries the error's message (that of a [`mls_crypto::CryptoError::Other`] too).
pub fn check_file_with(
    provider: &Arc<dyn CryptoProvider>,
    name: &str,
    json: &str,
) -> Result<Outcome, VectorError> {
    let file =
        FILES
            .iter()
            .find(|file| file.name == name)
            .ok_or_else(|| VectorError::UnknownFile {
                name: name.to_owned(),
            })?;
    let cases: Vec<Value> = serde_json::from_str(json).map_err(|e| VectorError::Malformed {
        name: name.to_owned(),
        reason: json_problem(&e),
    })?;
    match file.checker {
        Checker::Check(check) => check(provider, name, cases),
        Checker::NotYetImplemented => Ok(Outcome {
            skipped: cases.len(),
            ..Outcome::default()
        }),
    }
}

/// Says whether a file's JSON is truncated, invalid, or valid but not an array of cases.
fn json_problem(error: &serde_json::Error) -> String {
    use serde_json::error::Category;
    match error.classify() {
        Category::Eof => format!("the JSON is truncated ({error})"),
        Category::Syntax => format!("the JSON is invalid ({error})"),
        Category::Data => format!("the JSON is not an array of test cases ({error})"),
        Category::Io => error.to_string(),
    }
}

/// Decodes the cases of a file into the file's case type.
pub(crate) fn parse_cases<T: serde::de::DeserializeOwned>(
    name: &str,
    cases: Vec<Value>,
) -> Result<Vec<T>, VectorError> {
    cases
        .into_iter()
        .enumerate()
        .map(|(index, case)| {
            serde_json::from_value(case).map_err(|e| VectorError::Malformed {
                name: name.to_owned(),
                reason: format!("case {index}: {e}"),
            })
        })
        .collect()
}

/// The outcome of one file in a folder.
#[derive(Debug)]
pub struct FileReport {
    /// The file name.
    pub name: String,
    /// Its outcome.
    pub outcome: Outcome,
}

/// The outcome of every file in a folder.
#[derive(Debug, Default)]
pub struct Report {
    /// One entry per file, in name order.
    pub files: Vec<FileReport>,
}

impl Report {
    /// The counts over all files.
    pub fn total(&self) -> Outcome {
        let mut total = Outcome::default();
        for file in &self.files {
            total.absorb(Outcome {
                failures: Vec::new(),
                ..file.outcome.clone()
            });
        }
        total
    }
}

impl fmt::Display for FileReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.name, self.outcome)
    }
}

/// Checks every `*.json` file in `dir`, in name order, with the RustCrypto provider
/// ([`check_dir_with`] takes another).
///
/// Fails if the folder holds no `*.json` file, and on the first file that cannot be read, is
/// malformed or has an unknown name.
pub fn check_dir(dir: &Path) -> Result<Report, VectorError> {
    check_dir_with(&default_provider(), dir)
}

/// Checks every `*.json` file in `dir`, in name order, with `provider`: the conformance
/// check of a crypto provider against the official vectors. Each file is checked as
/// [`check_file_with`] does.
///
/// Fails on the first file that cannot be read, is malformed or has an unknown name.
pub fn check_dir_with(
    provider: &Arc<dyn CryptoProvider>,
    dir: &Path,
) -> Result<Report, VectorError> {
    let folder_error = |source| VectorError::Folder {
        path: dir.to_owned(),
        source,
    };
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(folder_error)?
        .map(|entry| entry.map(|e| e.path()))
        .collect::<Result<_, _>>()
        .map_err(folder_error)?;
    paths.retain(|path| path.extension().is_some_and(|ext| ext == "json"));
    if paths.is_empty() {
        return Err(VectorError::NoVectorFiles {
            path: dir.to_owned(),
        });
    }
    paths.sort();
    let mut report = Report::default();
    for path in paths {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let json = std::fs::read_to_string(&path).map_err(|source| VectorError::Unreadable {
            path: path.clone(),
            source,
        })?;
        let outcome = check_file_with(provider, &name, &json)?;
        report.files.push(FileReport { name, outcome });
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_file_is_an_error() {
        assert!(matches!(
            check_file("nope.json", "[]"),
            Err(VectorError::UnknownFile { .. })
        ));
    }

    #[test]
    fn malformed_json_is_an_error() {
        assert!(matches!(
            check_file("tree-math.json", "{not json"),
            Err(VectorError::Malformed { .. })
        ));
        assert!(matches!(
            check_file("deserialization.json", r#"[{"length": "x"}]"#),
            Err(VectorError::Malformed { .. })
        ));
    }

    #[test]
    fn truncated_json_says_so() {
        let json = include_str!("../../../test-vectors/tree-math.json");
        let error = check_file("tree-math.json", &json[..json.len() / 2]).unwrap_err();
        let message = error.to_string();
        assert!(message.starts_with("tree-math.json: "), "{message}");
        assert!(message.contains("truncated"), "{message}");
    }

    #[test]
    fn cases_of_unsupported_suites_count_as_skipped() {
        let cases: Vec<Value> = serde_json::from_str(include_str!(
            "../../../test-vectors/passive-client-welcome.json"
        ))
        .unwrap();
        // The cases of suites 4 and 6, moved to 0x0a0a, a value no suite is assigned (the
        // provider has every assigned one).
        let unsupported: Vec<Value> = cases
            .into_iter()
            .filter(|case| case["cipher_suite"] == 4 || case["cipher_suite"] == 6)
            .map(|mut case| {
                case["cipher_suite"] = Value::from(0x0a0a);
                case
            })
            .collect();
        let json = serde_json::to_string(&unsupported).unwrap();
        let outcome = check_file("passive-client-welcome.json", &json).unwrap();
        assert_eq!(
            (outcome.passed, outcome.failed, outcome.skipped),
            (0, 0, unsupported.len())
        );
        assert!(outcome.skipped > 0);
    }

    #[test]
    fn missing_folder_is_an_error() {
        assert!(matches!(
            check_dir(Path::new("/no/such/folder")),
            Err(VectorError::Folder { .. })
        ));
    }

    #[test]
    fn folder_without_vector_files_is_an_error() {
        let dir = std::env::temp_dir().join(format!("mls-vectors-empty-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("notes.txt"), "not a vector file").unwrap();
        let result = check_dir(&dir);
        std::fs::remove_dir_all(&dir).unwrap();
        assert!(matches!(result, Err(VectorError::NoVectorFiles { .. })));
    }
}
