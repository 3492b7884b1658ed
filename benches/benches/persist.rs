//! What storing a member's state costs (`Group::persist` into SQLite, records sealed), beside
//! what processing costs in memory and what a whole-state snapshot costs, at the peer
//! scenario's group sizes 1024, 4096 and 16384, in suite 1. The fixture is
//! [`mls_benches::stored_pair`]: Bob and Carol in a group made by one add commit, each with
//! a SQLite database in WAL mode at the default durability (every write synced).
//!
//! Benchmark group `persist`, one id per operation and size N (Carol sends, Bob receives):
//!
//! - `commit_process/N`: Bob processes Carol's self-update commit in memory;
//! - `commit_persist/N`: then writes what changed (`Group::persist`, one transaction);
//! - `commit_snapshot/N`: the alternative, `Group::save` of the whole state written as one
//!   value;
//! - `app_unprotect/N`: Bob decrypts a 1 KiB application message in memory;
//! - `app_persist/N`: then persists the consumed key.
//!
//! The bytes each write puts are printed once per size (criterion measures time only).
//!
//! ```text
//! cargo bench -p mls-benches --bench persist -- --quick
//! ```

use std::cell::{OnceCell, RefCell};
use std::time::{Duration, Instant};

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use mls_benches::stored_pair::StoredPair;
use mls_storage_sqlite::Durability;

/// The peer scenario's sizes.
const SIZES: [usize; 3] = [1024, 4096, 16384];

/// What one round measures: which part of a commit's or a message's handling.
#[derive(Clone, Copy, PartialEq)]
enum Timed {
    Process,
    Persist,
    Snapshot,
}

/// Carol commits and Bob receives `iters` times; returns the time of the `timed` part of
/// Bob's handling.
fn commit_rounds(pair: &mut StoredPair, iters: u64, timed: Timed) -> Duration {
    let mut total = Duration::ZERO;
    for _ in 0..iters {
        let commit = pair.carol.commit();
        let bob = &mut pair.bob;
        total += time_if(timed == Timed::Process, || bob.process_commit(&commit));
        total += time_if(timed == Timed::Persist, || {
            bob.persist();
        });
        if timed == Timed::Snapshot {
            let start = Instant::now();
            bob.snapshot();
            total += start.elapsed();
        }
    }
    total
}

/// Carol sends and Bob decrypts `iters` application messages; returns the time of the
/// `timed` part of Bob's handling.
fn message_rounds(pair: &mut StoredPair, iters: u64, timed: Timed) -> Duration {
    let mut total = Duration::ZERO;
    for _ in 0..iters {
        let message = pair.carol.message();
        let bob = &mut pair.bob;
        total += time_if(timed == Timed::Process, || bob.process_message(&message));
        total += time_if(timed == Timed::Persist, || {
            bob.persist();
        });
    }
    total
}

/// Runs `f`, and returns how long it took if `measured`, else zero.
fn time_if(measured: bool, f: impl FnOnce()) -> Duration {
    let start = Instant::now();
    f();
    if measured {
        start.elapsed()
    } else {
        Duration::ZERO
    }
}

/// Prints the bytes Bob's writes put at this size: a commit's persist, its snapshot, and
/// the persists of the first two messages of the epoch (the first derives the secret tree's
/// nodes from the root to the sender's leaf, a later one only ratchets the leaf).
fn report_bytes(n: usize, pair: &mut StoredPair) {
    let commit = pair.carol.commit();
    pair.bob.process_commit(&commit);
    let commit_bytes = pair.bob.persist();
    let snapshot_bytes = pair.bob.snapshot();
    let mut message_bytes = [0; 2];
    for bytes in &mut message_bytes {
        let message = pair.carol.message();
        pair.bob.process_message(&message);
        *bytes = pair.bob.persist();
    }
    let [first, later] = message_bytes;
    eprintln!(
        "persist at {n} members: a processed commit writes {commit_bytes} B (its snapshot \
         {snapshot_bytes} B); a decrypted message {first} B (the epoch's first), {later} B \
         (a later one)"
    );
}

fn persist(c: &mut Criterion) {
    let mut group = c.benchmark_group("persist");
    for n in SIZES {
        let cell: OnceCell<RefCell<StoredPair>> = OnceCell::new();
        let pair = || {
            cell.get_or_init(|| {
                let mut pair = StoredPair::new(n, Durability::Full);
                report_bytes(n, &mut pair);
                RefCell::new(pair)
            })
            .borrow_mut()
        };
        let commits: [(&str, Timed); 3] = [
            ("commit_process", Timed::Process),
            ("commit_persist", Timed::Persist),
            ("commit_snapshot", Timed::Snapshot),
        ];
        for (name, timed) in commits {
            group.bench_function(BenchmarkId::new(name, n), |b| {
                let mut pair = pair();
                b.iter_custom(|iters| commit_rounds(&mut pair, iters, timed));
            });
        }
        let messages: [(&str, Timed); 2] = [
            ("app_unprotect", Timed::Process),
            ("app_persist", Timed::Persist),
        ];
        for (name, timed) in messages {
            group.bench_function(BenchmarkId::new(name, n), |b| {
                let mut pair = pair();
                b.iter_custom(|iters| message_rounds(&mut pair, iters, timed));
            });
        }
        if let Some(pair) = cell.get() {
            pair.borrow().bob.check_stored();
        }
    }
    group.finish();
}

criterion_group!(benches, persist);
criterion_main!(benches);
