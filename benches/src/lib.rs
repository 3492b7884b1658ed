//! Criterion benchmarks of this RFC 9420 implementation; see `benches/` and
//! `docs/performance.md`. Run them with `cargo bench -p mls-benches`.
#![forbid(unsafe_code)]
