//! What storing a member's state costs, beside what processing costs, at the peer scenario's
//! group sizes:
//!
//! ```text
//! persist --members N [--iters K] [--durability full|normal]
//! ```
//!
//! The group is [`mls_benches::stored_pair`]'s: Bob's and Carol's states each in their own
//! SQLite file, records sealed. Carol and Bob alternate roles for `--iters` rounds:
//!
//! - `commit_process_ms`: Bob processes Carol's self-update commit in memory;
//!   `commit_persist_ms` / `commit_persist_bytes`: then [`mls_group::Group::persist`] writes
//!   what it changed, one SQLite transaction;
//! - `snapshot_ms` / `snapshot_bytes`: the alternative this replaces,
//!   [`mls_group::Group::save`] of the whole state written as one value (in a database of
//!   its own);
//! - `app_unprotect_us`: Bob decrypts a 1 KiB application message from Carol;
//!   `app_persist_us` / `app_persist_bytes`: then persists it.
//!
//! Medians; prints one JSON line. At the end, checks that each state reopened from its
//! database is the one in memory.
#![forbid(unsafe_code)]

use std::time::Instant;

use mls_benches::stored_pair::StoredPair;
use mls_storage_sqlite::Durability;

fn median(mut values: Vec<f64>) -> f64 {
    assert!(!values.is_empty(), "median of no samples");
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn timed<T>(f: impl FnOnce() -> T) -> (T, f64) {
    let start = Instant::now();
    let value = f();
    (value, start.elapsed().as_secs_f64())
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let value = |key: &str| {
        args.iter()
            .position(|a| a == key)
            .and_then(|i| args.get(i + 1))
            .map(String::as_str)
    };
    let n: usize = value("--members").map_or(1024, |v| v.parse().expect("--members N"));
    let iters: usize = value("--iters").map_or(10, |v| v.parse().expect("--iters K"));
    let durability = match value("--durability") {
        None | Some("full") => Durability::Full,
        Some("normal") => Durability::Normal,
        Some(other) => panic!("--durability takes full or normal, not {other:?}"),
    };
    let mut pair = StoredPair::new(n, durability);

    let (mut process, mut persist, mut persist_bytes) = (vec![], vec![], vec![]);
    let (mut snapshot, mut snapshot_bytes) = (vec![], vec![]);
    let (mut unprotect, mut app_persist, mut app_bytes) = (vec![], vec![], vec![]);
    for round in 0..iters {
        let (sender, receiver) = if round % 2 == 0 {
            (&mut pair.carol, &mut pair.bob)
        } else {
            (&mut pair.bob, &mut pair.carol)
        };
        let commit = sender.commit();
        let ((), seconds) = timed(|| receiver.process_commit(&commit));
        process.push(seconds * 1e3);
        let (written, seconds) = timed(|| receiver.persist());
        persist.push(seconds * 1e3);
        persist_bytes.push(written as f64);
        let (bytes, seconds) = timed(|| receiver.snapshot());
        snapshot.push(seconds * 1e3);
        snapshot_bytes.push(bytes as f64);

        for _ in 0..10 {
            let message = sender.message();
            let ((), seconds) = timed(|| receiver.process_message(&message));
            unprotect.push(seconds * 1e6);
            let (written, seconds) = timed(|| receiver.persist());
            app_persist.push(seconds * 1e6);
            app_bytes.push(written as f64);
        }
        assert_eq!(
            sender.group.epoch_authenticator(),
            receiver.group.epoch_authenticator()
        );
    }
    pair.bob.check_stored();
    pair.carol.check_stored();

    println!(
        "{{\"members\":{n},\"durability\":\"{}\",\"first_write_with_join_ms\":{:.1},\"commit_process_ms\":{:.3},\"commit_persist_ms\":{:.3},\"commit_persist_bytes\":{},\"snapshot_ms\":{:.3},\"snapshot_bytes\":{},\"app_unprotect_us\":{:.1},\"app_persist_us\":{:.1},\"app_persist_bytes\":{}}}",
        match durability {
            Durability::Normal => "normal",
            _ => "full",
        },
        pair.first_write_seconds * 1e3,
        median(process),
        median(persist),
        median(persist_bytes),
        median(snapshot),
        median(snapshot_bytes),
        median(unprotect),
        median(app_persist),
        median(app_bytes),
    );
}
