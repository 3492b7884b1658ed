//! The `mls` binary as a user runs it: help, exit codes and messages.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};

use mls_crypto::CipherSuiteParams;

/// Runs `mls` with `args`.
fn mls(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mls"))
        .args(args)
        .output()
        .expect("the mls binary runs")
}

/// The standard output and standard error of a run, as text.
fn text(output: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// A new empty folder under the system's temporary folder, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(tag: &str) -> Self {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let path = std::env::temp_dir().join(format!(
            "mls-cli-test-{tag}-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).expect("a temporary folder can be created");
        TempDir(path)
    }

    fn path(&self) -> &Path {
        &self.0
    }

    fn path_str(&self) -> &str {
        self.0
            .to_str()
            .expect("the temporary folder's path is UTF-8")
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The official vector files of the repository.
fn official_vectors() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../test-vectors")
}

#[test]
fn help_works_for_every_command() {
    for args in [
        &["--help"][..],
        &["help"],
        &["vectors", "--help"],
        &["vectors", "verify", "--help"],
        &["vectors", "generate", "--help"],
        &["demo", "--help"],
        &["help", "demo"],
    ] {
        let output = mls(args);
        let (stdout, stderr) = text(&output);
        assert!(output.status.success(), "mls {args:?}: {stderr}");
        assert!(stdout.contains("Usage: mls"), "mls {args:?}: {stdout}");
    }
    let (stdout, _) = text(&mls(&["demo", "--help"]));
    for flag in ["--members", "--messages", "--seed", "--external-joins"] {
        assert!(stdout.contains(flag), "{flag} missing from: {stdout}");
    }
    let (stdout, _) = text(&mls(&["vectors", "verify", "--help"]));
    assert!(stdout.contains("[DIR]"), "{stdout}");
    let (stdout, _) = text(&mls(&["vectors", "generate", "--help"]));
    for flag in ["--out", "--suites"] {
        assert!(stdout.contains(flag), "{flag} missing from: {stdout}");
    }
}

#[test]
fn no_command_or_an_unknown_one_is_a_usage_error() {
    for args in [&[][..], &["frobnicate"], &["vectors"], &["demo", "--bogus"]] {
        let output = mls(args);
        assert_eq!(output.status.code(), Some(2), "mls {args:?}");
        assert!(text(&output).1.contains("Usage: mls"), "mls {args:?}");
    }
}

#[test]
fn verify_passes_on_the_official_vectors() {
    let dir = official_vectors();
    let output = mls(&["vectors", "verify", dir.to_str().expect("UTF-8 path")]);
    let (stdout, stderr) = text(&output);
    assert!(output.status.success(), "{stdout}{stderr}");
    assert!(stdout.contains("tree-math.json: "), "{stdout}");
    let total = stdout.lines().last().unwrap_or_default();
    assert!(total.starts_with("total: 16 files, "), "{total}");
    assert!(total.contains(" 0 failed"), "{total}");
}

#[test]
fn verify_with_the_aws_lc_provider_passes_and_skips_only_suites_4_and_6() {
    let dir = official_vectors();
    let output = mls(&[
        "vectors",
        "verify",
        "--provider",
        "aws-lc",
        dir.to_str().expect("UTF-8 path"),
    ]);
    let (stdout, stderr) = text(&output);
    assert!(output.status.success(), "{stdout}{stderr}");
    assert!(!stdout.contains("FAILED"), "{stdout}");
    // 130 cases of the official vectors are in suites 4 and 6 (X448/Ed448), which AWS-LC
    // lacks; every other case passes.
    let total = stdout.lines().last().unwrap_or_default();
    assert_eq!(
        total, "total: 16 files, 785 cases: 655 passed, 0 failed, 130 skipped",
        "{stdout}"
    );
    // Files without a cipher suite skip nothing.
    for file in ["tree-math.json", "deserialization.json", "messages.json"] {
        let line = stdout
            .lines()
            .find(|line| line.starts_with(file))
            .unwrap_or_default();
        assert!(line.ends_with(" 0 failed, 0 skipped"), "{line}");
    }
}

#[test]
fn verify_names_the_providers_and_refuses_an_unknown_one() {
    let output = mls(&["vectors", "verify", "--provider", "openssl"]);
    let (stdout, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(2), "{stdout}{stderr}");
    assert!(
        stderr.contains("rustcrypto") && stderr.contains("aws-lc"),
        "{stderr}"
    );
    let output = mls(&["vectors", "verify", "--help"]);
    let (stdout, _) = text(&output);
    assert!(stdout.contains("--provider <PROVIDER>"), "{stdout}");
    assert!(stdout.contains("aws-lc"), "{stdout}");
}

#[test]
fn verify_counts_one_file_in_the_singular() {
    let dir = TempDir::new("one");
    std::fs::copy(
        official_vectors().join("tree-math.json"),
        dir.path().join("tree-math.json"),
    )
    .unwrap();
    let output = mls(&["vectors", "verify", dir.path_str()]);
    let (stdout, stderr) = text(&output);
    assert!(output.status.success(), "{stdout}{stderr}");
    let total = stdout.lines().last().unwrap_or_default();
    assert!(total.starts_with("total: 1 file, 10 cases: "), "{total}");
}

#[test]
fn verify_fails_on_a_folder_without_vector_files() {
    let dir = TempDir::new("empty");
    let output = mls(&["vectors", "verify", dir.path_str()]);
    let (stdout, stderr) = text(&output);
    assert!(!output.status.success());
    assert_eq!(output.status.code(), Some(1));
    assert!(stdout.is_empty(), "{stdout}");
    assert!(stderr.contains("no vector file"), "{stderr}");
    assert!(stderr.contains(dir.path_str()), "{stderr}");

    // Files that are not `*.json` do not count either.
    std::fs::write(dir.path().join("README.txt"), "vectors go here").unwrap();
    let output = mls(&["vectors", "verify", dir.path_str()]);
    assert_eq!(output.status.code(), Some(1));
    assert!(text(&output).1.contains("no vector file"));
}

#[test]
fn verify_fails_on_a_missing_folder() {
    let dir = TempDir::new("missing");
    let missing = dir.path().join("no-such-folder");
    let output = mls(&["vectors", "verify", missing.to_str().expect("UTF-8 path")]);
    assert_eq!(output.status.code(), Some(1));
    assert!(text(&output).1.contains("cannot read the vector folder"));
}

#[test]
fn verify_says_a_truncated_file_is_truncated() {
    let dir = TempDir::new("truncated");
    let json = std::fs::read(official_vectors().join("tree-math.json")).unwrap();
    std::fs::write(dir.path().join("tree-math.json"), &json[..json.len() / 2]).unwrap();
    let output = mls(&["vectors", "verify", dir.path_str()]);
    let (_, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr.contains("tree-math.json"), "{stderr}");
    assert!(stderr.contains("truncated"), "{stderr}");
}

#[test]
fn verify_says_an_invalid_file_is_invalid() {
    let dir = TempDir::new("invalid");
    std::fs::write(dir.path().join("tree-math.json"), "[{\"n\": 1,, }]").unwrap();
    let output = mls(&["vectors", "verify", dir.path_str()]);
    let (_, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr.contains("tree-math.json"), "{stderr}");
    assert!(stderr.contains("invalid"), "{stderr}");
}

#[test]
fn demo_rejects_sizes_out_of_bounds() {
    for args in [
        &["demo", "--members", "0"][..],
        &["demo", "--members", "1"],
        &["demo", "--members", "100001"],
        &["demo", "--members", "-3"],
        &["demo", "--members", "many"],
        &["demo", "--messages", "1000001"],
        &["demo", "--messages", "18446744073709551616"],
    ] {
        let output = mls(args);
        let (stdout, stderr) = text(&output);
        assert_eq!(output.status.code(), Some(2), "mls {args:?}");
        assert!(stdout.is_empty(), "mls {args:?}: {stdout}");
        assert!(stderr.contains("invalid value"), "mls {args:?}: {stderr}");
        assert!(stderr.contains(args[1]), "mls {args:?}: {stderr}");
    }
}

#[test]
fn a_tiny_demo_succeeds_without_progress_bars_when_not_on_a_terminal() {
    let output = mls(&["demo", "--members", "3", "--messages", "5", "--seed", "7"]);
    let (stdout, stderr) = text(&output);
    assert!(output.status.success(), "{stdout}{stderr}");
    // Standard error is a pipe here: no progress bar is drawn.
    assert!(stderr.is_empty(), "{stderr}");
    assert!(!stdout.contains('\r'), "{stdout}");
    let lines: Vec<&str> = stdout.lines().collect();
    assert!(
        lines[0].starts_with("mls demo: 3 members, 5 messages, "),
        "{stdout}"
    );
    assert!(
        lines[1].starts_with("ok: 3 members agree on epoch "),
        "{stdout}"
    );
    assert!(lines[2].starts_with("  adding 2 members: "), "{stdout}");
    assert!(
        lines[3].starts_with("  5 messages, 10 decryptions: "),
        "{stdout}"
    );
}

#[test]
fn a_demo_of_two_members_and_one_message_reads_in_the_singular() {
    let output = mls(&[
        "demo",
        "--members",
        "2",
        "--messages",
        "1",
        "--external-joins",
    ]);
    let (stdout, stderr) = text(&output);
    assert!(output.status.success(), "{stdout}{stderr}");
    assert!(stdout.contains("2 members, 1 message, "), "{stdout}");
    assert!(stdout.contains("  adding 1 member: "), "{stdout}");
    assert!(stdout.contains("  1 message, 1 decryption: "), "{stdout}");
    assert!(
        stdout.contains("1 member joined by external commit, 1 member resynced"),
        "{stdout}"
    );
}

#[test]
fn generated_vectors_verify_with_nothing_failed() {
    let dir = TempDir::new("generate");
    let output = mls(&["vectors", "generate", "--out", dir.path_str()]);
    let (stdout, stderr) = text(&output);
    assert!(output.status.success(), "{stdout}{stderr}");
    assert_eq!(stdout.lines().count(), 17, "{stdout}");
    assert!(!stdout.contains("skipped for unsupported"), "{stdout}");
    let total = stdout.lines().last().unwrap_or_default();
    assert!(total.starts_with("total: 16 files written to "), "{total}");
    // Suites 1 to 7 and, with the feature `pq`, every provisional post-quantum suite, in
    // ascending order.
    let mut suites: Vec<u16> = (1..=7).collect();
    if cfg!(feature = "pq") {
        suites.extend(
            CipherSuiteParams::provisional()
                .iter()
                .map(|p| p.cipher_suite.0),
        );
    }
    suites.sort_unstable();
    let suites: Vec<String> = suites.iter().map(u16::to_string).collect();
    assert!(
        total.contains(&format!("(suites {})", suites.join(", "))),
        "{total}"
    );
    assert!(
        total.ends_with(", 0 file generations skipped for an unsupported suite"),
        "{total}"
    );

    let output = mls(&["vectors", "verify", dir.path_str()]);
    let (stdout, stderr) = text(&output);
    assert!(output.status.success(), "{stdout}{stderr}");
    let total = stdout.lines().last().unwrap_or_default();
    assert!(total.starts_with("total: 16 files, "), "{total}");
    assert!(total.ends_with(" 0 failed, 0 skipped"), "{total}");

    // The other provider checks what this one generated (it serves no post-quantum suite:
    // those cases count as skipped).
    let output = mls(&["vectors", "verify", "--provider", "aws-lc", dir.path_str()]);
    let (stdout, stderr) = text(&output);
    assert!(output.status.success(), "{stdout}{stderr}");
    let total = stdout.lines().last().unwrap_or_default();
    assert!(total.starts_with("total: 16 files, "), "{total}");
    assert!(total.contains(" 0 failed, "), "{total}");
}

#[test]
fn generate_reports_unsupported_suites_as_skipped_and_verify_catches_a_changed_value() {
    let dir = TempDir::new("generate-skipped");
    let output = mls(&[
        "vectors",
        "generate",
        "--out",
        dir.path_str(),
        "--suites",
        // 2570 = 0x0a0a, not an assigned suite (a GREASE value).
        "2570,1",
    ]);
    let (stdout, stderr) = text(&output);
    assert!(output.status.success(), "{stdout}{stderr}");
    assert!(
        stdout.contains("welcome.json: 1 case, skipped for unsupported suite 2570"),
        "{stdout}"
    );
    assert!(stdout.contains("tree-math.json: 11 cases\n"), "{stdout}");
    let total = stdout.lines().last().unwrap_or_default();
    assert!(
        total.ends_with(
            "(suites 1, 2570), 43 cases, 14 file generations skipped for an unsupported suite"
        ),
        "{total}"
    );

    // One byte of the confirmation key changed: the confirmation tag no longer verifies.
    let path = dir.path().join("transcript-hashes.json");
    let json = std::fs::read_to_string(&path).expect("the file was written");
    let key = json
        .split("\"confirmation_key\": \"")
        .nth(1)
        .and_then(|rest| rest.get(..2))
        .expect("a confirmation key");
    let flipped = if key == "00" { "01" } else { "00" };
    let changed = json.replacen(
        &format!("\"confirmation_key\": \"{key}"),
        &format!("\"confirmation_key\": \"{flipped}"),
        1,
    );
    std::fs::write(&path, changed).expect("the file is rewritten");
    let output = mls(&["vectors", "verify", dir.path_str()]);
    let (stdout, _) = text(&output);
    assert_eq!(output.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains("transcript-hashes.json: 0 passed, 1 failed, 0 skipped"),
        "{stdout}"
    );
    assert!(
        stdout.contains("FAILED transcript-hashes.json case 0 field confirmation_tag"),
        "{stdout}"
    );
}

/// `mls demo --members 8 --messages 40` with `extra` arguments.
fn demo_with(extra: &[&str]) -> Output {
    let mut args = vec!["demo", "--members", "8", "--messages", "40"];
    args.extend_from_slice(extra);
    mls(&args)
}

/// The epoch the 8-member, 40-message demo ends on, from an uninterrupted run without a
/// database.
fn planned_demo_epoch() -> String {
    let output = demo_with(&[]);
    let (stdout, stderr) = text(&output);
    assert!(output.status.success(), "{stderr}");
    let line = stdout
        .lines()
        .find(|line| line.starts_with("ok: 8 members agree on epoch "))
        .unwrap_or_else(|| panic!("no agreement line in: {stdout}"));
    let epoch = line["ok: 8 members agree on epoch ".len()..]
        .split(' ')
        .next()
        .expect("an epoch number");
    assert!(line.contains(&format!("(planned {epoch})")), "{line}");
    epoch.to_owned()
}

#[test]
fn demo_with_a_database_stops_and_resumes_to_the_planned_epoch() {
    let epoch = planned_demo_epoch();
    for stop in ["2", "3", "7", "20"] {
        let dir = TempDir::new("demo-db");
        let output = demo_with(&["--db", dir.path_str(), "--stop-after-steps", stop]);
        let (stdout, stderr) = text(&output);
        assert!(output.status.success(), "{stderr}");
        assert!(
            stdout.contains(&format!("stopped after {stop} steps")),
            "{stdout}"
        );
        assert!(dir.path().join("demo.sqlite").exists());
        assert!(dir.path().join("member-7.sqlite").exists());

        // Without --resume, the folder of a run is refused.
        let output = demo_with(&["--db", dir.path_str()]);
        let (_, stderr) = text(&output);
        assert!(!output.status.success());
        assert!(stderr.contains("--resume"), "{stderr}");

        let output = demo_with(&["--db", dir.path_str(), "--resume"]);
        let (stdout, stderr) = text(&output);
        assert!(output.status.success(), "stopped after {stop}: {stderr}");
        assert!(
            stdout.contains(&format!("resuming after {stop} steps")),
            "{stdout}"
        );
        assert!(
            stdout.contains(&format!(
                "ok: 8 members agree on epoch {epoch} (planned {epoch}), epoch authenticator "
            )),
            "{stdout}"
        );
    }
}

#[test]
fn demo_with_a_database_survives_being_killed() {
    let epoch = planned_demo_epoch();
    let dir = TempDir::new("demo-kill");
    let mut child = Command::new(env!("CARGO_BIN_EXE_mls"))
        .args([
            "demo",
            "--members",
            "8",
            "--messages",
            "40",
            "--db",
            dir.path_str(),
        ])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("the mls binary runs");
    std::thread::sleep(std::time::Duration::from_millis(150));
    let _ = child.kill();
    let _ = child.wait();
    let output = demo_with(&["--db", dir.path_str(), "--resume"]);
    let (stdout, stderr) = text(&output);
    if !dir.path().join("demo.sqlite").exists() || stderr.contains("holds no run to resume") {
        // Killed before the run was recorded: nothing to check.
        return;
    }
    assert!(output.status.success(), "{stderr}");
    assert!(
        stdout.contains(&format!(
            "ok: 8 members agree on epoch {epoch} (planned {epoch})"
        )),
        "{stdout}"
    );
}

#[test]
fn demo_resume_needs_a_database() {
    let output = demo_with(&["--resume"]);
    let (_, stderr) = text(&output);
    assert!(!output.status.success());
    assert!(stderr.contains("--resume needs --db"), "{stderr}");
    let dir = TempDir::new("demo-empty");
    let output = demo_with(&["--db", dir.path_str(), "--resume"]);
    let (_, stderr) = text(&output);
    assert!(!output.status.success());
    assert!(stderr.contains("holds no run to resume"), "{stderr}");
}
