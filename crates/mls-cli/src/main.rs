//! `mls`: the command-line tool of this RFC 9420 (MLS) implementation.

use std::path::PathBuf;
use std::process::ExitCode;

const USAGE: &str = "\
usage: mls <command>

commands:
  vectors verify [DIR]   check the official test vectors in DIR (default: test-vectors)
  help                   print this message";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    match args.as_slice() {
        ["vectors", "verify"] => verify_vectors(PathBuf::from("test-vectors")),
        ["vectors", "verify", dir] => verify_vectors(PathBuf::from(dir)),
        ["help" | "--help" | "-h"] => {
            println!("{USAGE}");
            ExitCode::SUCCESS
        }
        _ => {
            eprintln!("{USAGE}");
            ExitCode::from(2)
        }
    }
}

/// `mls vectors verify [DIR]`: one line per file, failures with their case and field, then the
/// totals; exits non-zero if any case failed or a file could not be checked.
fn verify_vectors(dir: PathBuf) -> ExitCode {
    let report = match mls_vectors::check_dir(&dir) {
        Ok(report) => report,
        Err(error) => {
            eprintln!("mls: {error}");
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
    println!("{total}");
    if total.failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
