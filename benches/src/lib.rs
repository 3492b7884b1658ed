//! Criterion benchmarks of this RFC 9420 implementation; see `benches/` and
//! `docs/performance.md`. Run them with `cargo bench -p mls-benches`.
#![forbid(unsafe_code)]

/// `make(i)` for every `i` in `0..count`, in order, computed on two threads: building the
/// key packages of a large group (two signatures and two key generations each) halves.
pub fn on_two_threads<T: Send>(count: usize, make: impl Fn(usize) -> T + Sync) -> Vec<T> {
    let half = count / 2;
    let make = &make;
    std::thread::scope(|scope| {
        let first = scope.spawn(move || (0..half).map(make).collect::<Vec<T>>());
        let second: Vec<T> = (half..count).map(make).collect();
        let mut all = first.join().expect("the first thread");
        all.extend(second);
        all
    })
}

pub mod stored_pair;
