//! `mls`: the command-line tool of this RFC 9420 (MLS) implementation.

mod demo;
mod plural;

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use clap::builder::RangedU64ValueParser;
use clap::{Args, Parser, Subcommand, ValueEnum};
use mls_crypto::CryptoProvider;

use plural::count;

/// The largest group `mls demo` builds.
const MAX_MEMBERS: u64 = 100_000;
/// The most application messages `mls demo` sends.
const MAX_MESSAGES: u64 = 1_000_000;

/// The command line.
#[derive(Parser)]
#[command(
    name = "mls",
    version,
    about = "The command-line tool of an RFC 9420 (MLS) implementation",
    propagate_version = true
)]
struct Cli {
    /// What to do.
    #[command(subcommand)]
    command: Command,
}

/// The commands of `mls`.
#[derive(Subcommand)]
enum Command {
    /// The official RFC 9420 test vectors
    Vectors {
        /// What to do with the vectors.
        #[command(subcommand)]
        command: VectorsCommand,
    },
    /// A group of separate clients exchanging only serialized messages, checked at every step
    #[command(long_about = "\
A group of N separate clients exchanging only serialized messages: batched adds, updates,
removes and re-adds, then M application messages, checking at every step that all members
agree (epoch, epoch authenticator, tree hash) and read every message. With
--external-joins, some members join (and one resyncs) by external commit from a GroupInfo
instead of a Welcome (RFC 9420 §12.4.3.2).

With --db DIR, every member's state is kept in SQLite in DIR (one member-N.sqlite per
member, and demo.sqlite with the options, the number of steps done and the commit being
delivered), persisted after every operation that changed it; a run stopped at any point
(Ctrl-C, kill) continues with the same options plus --resume, to the same final epoch with
all members agreeing. The random choices of each step depend only on --seed and the step.

Progress bars are drawn on standard error only when it is a terminal.")]
    Demo(DemoArgs),
}

/// The subcommands of `mls vectors`.
#[derive(Subcommand)]
enum VectorsCommand {
    /// Check the test vectors in DIR against this implementation
    #[command(long_about = "\
Check every *.json test-vector file in DIR against this implementation.

Prints one line per file (name: P passed, F failed, S skipped), every failure with its
case index and field, and a last line with the totals. Exits non-zero if any case failed,
if a file cannot be read, is truncated or invalid JSON, or has an unknown name, and if DIR
holds no *.json file at all. Cases in cipher suites the provider does not support are
counted as skipped, never as passed.

--provider chooses the crypto provider that runs the checks: rustcrypto (the default,
RustCrypto crates) or aws-lc (aws-lc-rs, which has no X448/Ed448: the cases of suites 4
and 6 are skipped with it).")]
    Verify {
        /// The folder of the vector files
        #[arg(default_value = "test-vectors")]
        dir: PathBuf,
        /// The crypto provider that runs the checks
        #[arg(long, value_enum, default_value_t = Provider::Rustcrypto)]
        provider: Provider,
    },
    /// Write fresh test vectors of every file type into a folder
    #[command(long_about = "\
Write every official test-vector file type (the files `mls vectors verify` knows, under
their official names and in their official JSON schema) into DIR, with fresh randomness,
computed by this implementation, so that other implementations can check themselves
against it. DIR is created if missing; existing files of those names are replaced.

The cases are made for each cipher suite of --suites (RFC 9420 §17.1 numbers; default:
every suite this build supports). A suite the provider does not support is reported as
skipped for each file that depends on the suite; a file left with no case is not written
(and an older file of its name in DIR is removed).
tree-math.json and deserialization.json do not depend on a suite and are always written.
Prints one line per file (its name, its number of cases, the suites skipped) and the
totals; exits non-zero if a file cannot be made or written. `mls vectors verify DIR` then
checks the files.")]
    Generate {
        /// The folder to write the vector files into
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
        /// The cipher suites to generate, comma-separated (default: every supported suite)
        #[arg(long, value_name = "SUITES", value_delimiter = ',', num_args = 1..)]
        suites: Vec<u16>,
    },
}

/// The crypto providers of this build.
#[derive(Clone, Copy, ValueEnum)]
enum Provider {
    /// RustCrypto crates and `hpke` (mls-crypto-rustcrypto)
    Rustcrypto,
    /// aws-lc-rs, HPKE composed on it (mls-crypto-awslc)
    #[value(name = "aws-lc")]
    AwsLc,
}

impl Provider {
    fn get(self) -> Arc<dyn CryptoProvider> {
        match self {
            Self::Rustcrypto => Arc::new(mls_crypto_rustcrypto::RustCryptoProvider::new()),
            Self::AwsLc => Arc::new(mls_crypto_awslc::AwsLcProvider::new()),
        }
    }
}

/// The options of `mls demo`.
#[derive(Args)]
struct DemoArgs {
    /// The number of members the group grows to (2 to 100000)
    #[arg(long, value_name = "N", default_value_t = 50, allow_negative_numbers = true,
          value_parser = RangedU64ValueParser::<usize>::new().range(2..=MAX_MEMBERS))]
    members: usize,
    /// The number of application messages sent (0 to 1000000)
    #[arg(long, value_name = "M", default_value_t = 100, allow_negative_numbers = true,
          value_parser = RangedU64ValueParser::<usize>::new().range(0..=MAX_MESSAGES))]
    messages: usize,
    /// The seed of the random choices (who commits, who is removed, who sends)
    #[arg(long, value_name = "S", default_value_t = 1)]
    seed: u64,
    /// Some members join by external commit, and one resyncs
    #[arg(long)]
    external_joins: bool,
    /// Persist every member in the folder DIR (created if missing): member-N.sqlite per
    /// member, demo.sqlite for the options and progress; a stopped run resumes with --resume
    #[arg(long, value_name = "DIR")]
    db: Option<PathBuf>,
    /// Continue the run stored in --db DIR (same options) after it was stopped
    #[arg(long)]
    resume: bool,
    /// For tests: stop once K steps of the plan are done (resume with --resume)
    #[arg(long, value_name = "K", hide = true)]
    stop_after_steps: Option<usize>,
}

fn main() -> ExitCode {
    match Cli::parse().command {
        Command::Vectors {
            command: VectorsCommand::Verify { dir, provider },
        } => verify_vectors(dir, &provider.get()),
        Command::Vectors {
            command: VectorsCommand::Generate { out, suites },
        } => generate_vectors(&out, suites),
        Command::Demo(args) => {
            let options = demo::DemoOptions {
                members: args.members,
                messages: args.messages,
                seed: args.seed,
                external_joins: args.external_joins,
                db: args.db,
                resume: args.resume,
                stop_after_steps: args.stop_after_steps,
            };
            match demo::run(&options) {
                Ok(()) => ExitCode::SUCCESS,
                Err(error) => {
                    eprintln!("mls demo: {error}");
                    ExitCode::FAILURE
                }
            }
        }
    }
}

/// `mls vectors verify [DIR]`: one line per file, failures with their case and field, then the
/// totals; exits non-zero if any case failed, a file could not be checked, or there was no file.
fn verify_vectors(dir: PathBuf, provider: &Arc<dyn CryptoProvider>) -> ExitCode {
    let report = match mls_vectors::check_dir_with(provider, &dir) {
        Ok(report) => report,
        Err(error) => {
            eprintln!("mls vectors verify: {error}");
            return ExitCode::FAILURE;
        }
    };
    for file in &report.files {
        println!("{file}");
        for failure in &file.outcome.failures {
            println!(
                "  FAILED {} case {} field {}: {}",
                file.name, failure.case, failure.field, failure.detail
            );
        }
    }
    let total = report.total();
    println!(
        "total: {}, {}: {total}",
        count(report.files.len(), "file", "files"),
        count(total.passed + total.failed + total.skipped, "case", "cases"),
    );
    if total.failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// `mls vectors generate --out DIR [--suites ...]`: one line per file, then the totals; exits
/// non-zero if a file could not be made or written.
fn generate_vectors(out: &Path, suites: Vec<u16>) -> ExitCode {
    let suites = if suites.is_empty() {
        mls_vectors::default_suites()
    } else {
        let mut suites = suites;
        suites.sort_unstable();
        suites.dedup();
        suites
    };
    let files = match mls_vectors::generate_dir(out, &suites) {
        Ok(files) => files,
        Err(error) => {
            eprintln!("mls vectors generate: {error}");
            return ExitCode::FAILURE;
        }
    };
    for file in &files {
        println!("{file}");
    }
    let written = files.iter().filter(|file| file.cases > 0).count();
    let cases: usize = files.iter().map(|file| file.cases).sum();
    let skipped: usize = files.iter().map(|file| file.skipped_suites.len()).sum();
    let suites: Vec<String> = suites.iter().map(u16::to_string).collect();
    println!(
        "total: {} written to {} (suites {}), {}, {} skipped for an unsupported suite",
        count(written, "file", "files"),
        out.display(),
        suites.join(", "),
        count(cases, "case", "cases"),
        count(skipped, "file generation", "file generations"),
    );
    ExitCode::SUCCESS
}
