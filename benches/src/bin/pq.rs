//! The post-quantum suites (draft-ietf-mls-pq-ciphersuites, provisional code points) beside
//! suite 1, one group scenario per suite in the same run:
//!
//! ```text
//! cargo run --release -p mls-benches --features pq --bin pq -- --members N [--iters K]
//!     [--suite 0x0001 --suite 0x004f ...]
//! ```
//!
//! By default the suites are 0x0001 (X25519 + Ed25519, for the ratios), TBD1 0x004F (X-Wing +
//! Ed25519) and TBD10 0x0051 (ML-KEM-768 + ML-DSA-65). Per suite (basic credentials, ratchet
//! tree in the Welcome, handshakes as PrivateMessage, every message through bytes):
//!
//! 1. `kp_bytes`: the size of one KeyPackage (an MLSMessage).
//! 2. `add_all_ms`: the creator adds N-1 members from their key packages in one commit (no
//!    path: `Group::add_members`) and merges it; `add_commit_bytes`, `welcome_bytes`.
//! 3. `join_ms`: the member at leaf 1 joins from that Welcome (leaf 2 joins untimed).
//! 4. `commit_create_ms` / `commit_process_ms`: the two alternate self-update commits (with an
//!    UpdatePath to the mostly blank tree's resolution, so about N HPKE encryptions),
//!    `--iters` times: create = create and merge, process = process by the other; medians,
//!    and the median `commit_bytes`.
//! 5. `app_protect_us` / `app_unprotect_us` / `app_bytes`: a 1 KiB application message,
//!    medians of 100.
//!
//! Prints a Markdown table, one row per suite, and the ratios to the first suite.
#![forbid(unsafe_code)]

use std::sync::Arc;
use std::time::Instant;

use mls_codec::CipherSuite;
use mls_crypto::CryptoProvider as _;
use mls_crypto_rustcrypto::RustCryptoProvider;
use mls_group::{Client, Group, ProcessedMessage};

/// The figures of one suite.
struct Figures {
    suite: CipherSuite,
    kp_bytes: usize,
    add_all_ms: f64,
    add_commit_bytes: usize,
    welcome_bytes: usize,
    join_ms: f64,
    commit_create_ms: f64,
    commit_process_ms: f64,
    commit_bytes: usize,
    app_protect_us: f64,
    app_unprotect_us: f64,
    app_bytes: usize,
}

fn median(mut values: Vec<f64>) -> f64 {
    assert!(!values.is_empty(), "median of no samples");
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn median_len(mut values: Vec<usize>) -> usize {
    assert!(!values.is_empty(), "median of no samples");
    values.sort_unstable();
    values[values.len() / 2]
}

fn time<T>(f: impl FnOnce() -> T) -> (T, f64) {
    let start = Instant::now();
    let result = f();
    (result, start.elapsed().as_secs_f64())
}

fn assert_agree(a: &Group, b: &Group) {
    assert_eq!(a.epoch(), b.epoch(), "epochs differ");
    assert_eq!(
        a.epoch_authenticator(),
        b.epoch_authenticator(),
        "epoch authenticators differ"
    );
}

fn run(suite: CipherSuite, n: usize, iters: usize) -> Figures {
    let provider = Arc::new(RustCryptoProvider::new());
    assert!(
        provider.supports(suite),
        "{suite:?} is not supported: build with --features pq"
    );
    let client = |name: &str| {
        Client::new(provider.clone(), suite, name.as_bytes()).expect("creating a client")
    };
    let alice = client("alice");
    let mut bob = client("bob");
    let mut carol = client("carol");
    let mut key_packages = Vec::with_capacity(n - 1);
    key_packages.push(bob.key_package().expect("a key package"));
    key_packages.push(carol.key_package().expect("a key package"));
    for leaf in 3..n {
        key_packages.push(
            client(&format!("m{leaf}"))
                .key_package()
                .expect("a key package"),
        );
    }
    let kp_bytes = key_packages[0].len();

    let mut ga = alice.create_group(b"pq scenario").expect("a group");
    let (out, add_all) = time(|| {
        let out = ga.add_members(&key_packages).expect("the add commit");
        ga.merge_pending_commit().expect("merged");
        out
    });
    let welcome = out.welcome.expect("a Welcome");
    let (mut gb, join) = time(|| bob.join(&welcome, None).expect("bob joins"));
    let mut gc = carol.join(&welcome, None).expect("carol joins");
    assert_agree(&ga, &gb);
    assert_agree(&ga, &gc);
    drop(ga);

    let (mut create, mut process, mut sizes) = (vec![], vec![], vec![]);
    for i in 0..iters {
        let (sender, receiver) = if i % 2 == 0 {
            (&mut gb, &mut gc)
        } else {
            (&mut gc, &mut gb)
        };
        let (commit, seconds) = time(|| {
            let out = sender.self_update().expect("an update");
            sender.merge_pending_commit().expect("merged");
            out.commit
        });
        create.push(seconds);
        sizes.push(commit.len());
        let (processed, seconds) = time(|| receiver.process_message(&commit));
        assert!(matches!(processed, Ok(ProcessedMessage::Commit { .. })));
        process.push(seconds);
        assert_agree(sender, receiver);
    }

    let data = vec![0x5a; 1024];
    let (mut protect, mut unprotect, mut app_sizes) = (vec![], vec![], vec![]);
    for _ in 0..100 {
        let (message, seconds) = time(|| gb.encrypt_application_message(&data).expect("sent"));
        protect.push(seconds);
        app_sizes.push(message.len());
        let (processed, seconds) = time(|| gc.process_message(&message).expect("read"));
        unprotect.push(seconds);
        assert!(
            matches!(processed, ProcessedMessage::Application { data: ref d, .. } if *d == data)
        );
    }

    Figures {
        suite,
        kp_bytes,
        add_all_ms: add_all * 1e3,
        add_commit_bytes: out.commit.len(),
        welcome_bytes: welcome.len(),
        join_ms: join * 1e3,
        commit_create_ms: median(create) * 1e3,
        commit_process_ms: median(process) * 1e3,
        commit_bytes: median_len(sizes),
        app_protect_us: median(protect) * 1e6,
        app_unprotect_us: median(unprotect) * 1e6,
        app_bytes: median_len(app_sizes),
    }
}

fn parse_suite(text: &str) -> CipherSuite {
    let digits = text.trim_start_matches("0x").trim_start_matches("0X");
    CipherSuite(u16::from_str_radix(digits, 16).expect("a suite in hexadecimal, e.g. 0x004f"))
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut n = 1024;
    let mut iters = 10;
    let mut suites = vec![];
    let mut i = 0;
    while i < args.len() {
        let value = args.get(i + 1).expect("every option takes a value");
        match args[i].as_str() {
            "--members" => n = value.parse().expect("--members N"),
            "--iters" => iters = value.parse().expect("--iters K"),
            "--suite" => suites.push(parse_suite(value)),
            other => panic!("unknown option {other}"),
        }
        i += 2;
    }
    assert!(n >= 3, "--members must be at least 3");
    if suites.is_empty() {
        suites = vec![
            CipherSuite::MLS_128_DHKEMX25519_AES128GCM_SHA256_ED25519,
            CipherSuite::MLS_128_MLKEM768X25519_AES128GCM_SHA256_ED25519,
            CipherSuite::MLS_192_MLKEM768_AES256GCM_SHA384_MLDSA65,
        ];
    }
    let figures: Vec<Figures> = suites.iter().map(|&s| run(s, n, iters)).collect();

    println!("N = {n}, {iters} commits, 100 messages of 1 KiB");
    println!();
    println!(
        "| suite | KeyPackage B | add_all ms | add commit B | Welcome B | join ms | commit create ms | commit process ms | commit B | app protect µs | app unprotect µs | app B |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for f in &figures {
        println!(
            "| 0x{:04x} | {} | {:.1} | {} | {} | {:.1} | {:.2} | {:.3} | {} | {:.1} | {:.1} | {} |",
            f.suite.0,
            f.kp_bytes,
            f.add_all_ms,
            f.add_commit_bytes,
            f.welcome_bytes,
            f.join_ms,
            f.commit_create_ms,
            f.commit_process_ms,
            f.commit_bytes,
            f.app_protect_us,
            f.app_unprotect_us,
            f.app_bytes
        );
    }
    let Some(base) = figures.first() else { return };
    println!();
    println!("Ratios to 0x{:04x}:", base.suite.0);
    println!();
    println!(
        "| suite | KeyPackage | add_all | Welcome | join | commit create | commit process | commit B | app protect | app unprotect |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    #[expect(
        clippy::cast_precision_loss,
        reason = "sizes far below 2^52 bytes, printed as ratios"
    )]
    let ratio = |a: usize, b: usize| a as f64 / b as f64;
    for f in figures.iter().skip(1) {
        println!(
            "| 0x{:04x} | {:.1} | {:.2} | {:.1} | {:.2} | {:.2} | {:.2} | {:.1} | {:.2} | {:.2} |",
            f.suite.0,
            ratio(f.kp_bytes, base.kp_bytes),
            f.add_all_ms / base.add_all_ms,
            ratio(f.welcome_bytes, base.welcome_bytes),
            f.join_ms / base.join_ms,
            f.commit_create_ms / base.commit_create_ms,
            f.commit_process_ms / base.commit_process_ms,
            ratio(f.commit_bytes, base.commit_bytes),
            f.app_protect_us / base.app_protect_us,
            f.app_unprotect_us / base.app_unprotect_us
        );
    }
}
