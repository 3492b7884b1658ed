//! The side-by-side benchmark's peers: the scenario of `benches/src/bin/scenario.rs` (our
//! side), run on OpenMLS 0.9 or mls-rs 0.57, so that the comparison in
//! `docs/performance.md` can be reproduced from a clone (`interop/bench.sh` runs all three).
//!
//! `peers --impl openmls|mls-rs --members N --iters K [--at start|middle] [--warm] [--no-gi]`
//! prints one JSON line with the fields of our `scenario` binary:
//!
//! 1. `add_all_ms`: the creator adds N-1 members from key packages in one commit and merges it.
//! 2. `join_ms`: one member joins from that Welcome (two join; every leaf is validated).
//! 3. `commit_create_ms` / `commit_process_ms`: those two alternate self-update commits with
//!    a path, K times (medians); create = create and merge by the sender, process = process
//!    and merge by the other.
//! 4. `app_protect_us` / `app_unprotect_us`: a 1 KiB application message, medians of 200.
//! 5. `add_one_ms`: one more member is added (commit and merge).
//!
//! Suite 1, basic credentials, ratchet tree in the Welcome, handshake and application
//! messages as PrivateMessage, every message serialized to bytes and parsed back; each step
//! checks that the members agree on the epoch authenticator. `--at middle` puts the two
//! committers at leaves N/2 and N/2+1 instead of 1 and 2; `--warm` first has one member in
//! each blank subtree of the committers' copath commit once, so the timed self-updates run on
//! a filled copath (TreeKEM's log N case); `--no-gi` (OpenMLS only) makes the timed commits
//! without a GroupInfo.
#![expect(
    clippy::unwrap_used,
    reason = "a benchmark binary: any failure is a panic"
)]

mod mlsrs;
mod openmls;

/// The command line.
#[derive(Debug, Clone, Copy)]
struct Args {
    n: usize,
    iters: usize,
    middle: bool,
    warm: bool,
    no_gi: bool,
}

/// Leaves (other than the creator's and the committers') whose commit fills the blank
/// copath nodes of leaf `b`; the flag says whether one of those subtrees holds `c` itself.
fn helpers(n: usize, b: usize, c: usize) -> (Vec<usize>, bool) {
    let levels = n.next_power_of_two().trailing_zeros() as usize;
    let (mut hs, mut carol) = (vec![], false);
    for k in 2..=levels {
        let s = 1usize << (k - 1);
        let start = ((b >> (k - 1)) ^ 1) << (k - 1);
        if start == 0 || start >= n {
            continue; // on the creator's (filled) direct path, or only blank leaves
        }
        if (start..start + s).contains(&c) {
            carol = true;
        } else {
            hs.push(start);
        }
    }
    (hs, carol)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v[v.len() / 2]
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let value = |k: &str| {
        args.iter()
            .position(|a| a == k)
            .map(|i| args[i + 1].clone())
    };
    let number = |k: &str, d: usize| value(k).map(|v| v.parse().unwrap()).unwrap_or(d);
    let parsed = Args {
        n: number("--members", 16),
        iters: number("--iters", 10),
        middle: value("--at").is_some_and(|at| at == "middle"),
        warm: args.iter().any(|a| a == "--warm"),
        no_gi: args.iter().any(|a| a == "--no-gi"),
    };
    assert!(parsed.n >= 4, "--members must be at least 4");
    match value("--impl").as_deref() {
        Some("openmls") => openmls::run(&parsed),
        Some("mls-rs") => mlsrs::run(&parsed),
        _ => panic!("--impl openmls|mls-rs"),
    }
}
