//! `mls`: the command-line tool of this RFC 9420 (MLS) implementation.

mod demo;

use std::path::PathBuf;
use std::process::ExitCode;

const USAGE: &str = "\
usage: mls <command>

commands:
  vectors verify [DIR]   check the official test vectors in DIR (default: test-vectors)
  demo [--members N] [--messages M] [--seed S] [--external-joins]
                         a group of N separate clients (default 50) exchanging only serialized
                         messages: batched adds, updates, removes and re-adds, then M
                         application messages (default 100), checking at every step that all
                         members agree and read every message; with --external-joins, some
                         members join (and one resyncs) by external commit from a GroupInfo
                         instead of a Welcome (RFC 9420 §12.4.3.2)
  help                   print this message";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    match args.as_slice() {
        ["vectors", "verify"] => verify_vectors(PathBuf::from("test-vectors")),
        ["vectors", "verify", dir] => verify_vectors(PathBuf::from(dir)),
        ["demo", flags @ ..] => match parse_demo(flags) {
            Ok(options) => match demo::run(&options) {
                Ok(()) => ExitCode::SUCCESS,
                Err(error) => {
                    eprintln!("mls demo: {error}");
                    ExitCode::FAILURE
                }
            },
            Err(error) => {
                eprintln!("mls demo: {error}\n{USAGE}");
                ExitCode::from(2)
            }
        },
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

/// Parses the flags of `mls demo`.
fn parse_demo(flags: &[&str]) -> Result<demo::DemoOptions, String> {
    let mut options = demo::DemoOptions {
        members: 50,
        messages: 100,
        seed: 1,
        external_joins: false,
    };
    let mut flags = flags.iter();
    while let Some(flag) = flags.next() {
        if *flag == "--external-joins" {
            options.external_joins = true;
            continue;
        }
        let value = flags
            .next()
            .ok_or_else(|| format!("{flag} needs a value"))?;
        let number = || {
            value
                .parse::<u64>()
                .map_err(|_| format!("{flag}: {value} is not a number"))
        };
        match *flag {
            "--members" => {
                options.members = usize::try_from(number()?).map_err(|e| e.to_string())?
            }
            "--messages" => {
                options.messages = usize::try_from(number()?).map_err(|e| e.to_string())?;
            }
            "--seed" => options.seed = number()?,
            other => return Err(format!("unknown flag {other}")),
        }
    }
    if options.members < 2 {
        return Err("--members must be at least 2".into());
    }
    Ok(options)
}
