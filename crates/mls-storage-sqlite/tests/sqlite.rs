//! `SqliteStorage` against the `Storage` contract: order, prefixes, atomic batches,
//! persistence, sharing a file, and refusing files it cannot read.
#![expect(
    clippy::unwrap_used,
    reason = "tests fail loudly on any unexpected error"
)]

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use mls_storage::{Batch, Storage};
use mls_storage_sqlite::{Durability, SCHEMA_VERSION, SqliteStorage};

/// A directory of its own for one test, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> Self {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_nanos();
        let dir = std::env::temp_dir().join(format!(
            "mls-storage-sqlite-test-{}-{}-{nanos}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&dir).unwrap();
        Self(dir)
    }

    fn file(&self) -> PathBuf {
        self.0.join("state.db")
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn put(storage: &SqliteStorage, key: &[u8], value: &[u8]) {
    let mut batch = Batch::new();
    batch.put(key, value.to_vec());
    storage.write(&batch).unwrap();
}

fn keys(storage: &SqliteStorage, prefix: &[u8]) -> Vec<Vec<u8>> {
    storage
        .scan(prefix)
        .unwrap()
        .into_iter()
        .map(|(key, _)| key)
        .collect()
}

fn value(storage: &SqliteStorage, key: &[u8]) -> Option<Vec<u8>> {
    storage.get(key).unwrap().map(|value| value.to_vec())
}

#[test]
fn a_value_reads_back_and_is_replaced() {
    let storage = SqliteStorage::open_in_memory().unwrap();
    assert_eq!(value(&storage, b"k"), None);
    put(&storage, b"k", b"one");
    assert_eq!(value(&storage, b"k"), Some(b"one".to_vec()));
    put(&storage, b"k", b"two");
    assert_eq!(value(&storage, b"k"), Some(b"two".to_vec()));
    put(&storage, b"empty", b"");
    assert_eq!(value(&storage, b"empty"), Some(Vec::new()));
}

#[test]
fn scan_is_ordered_and_keeps_to_its_prefix() {
    let storage = SqliteStorage::open_in_memory().unwrap();
    for key in [
        &b"b"[..],
        b"a\xff\xff",
        b"a\xff",
        b"a",
        b"a\x00",
        b"ab",
        b"\xff",
        b"\xff\x00",
        b"",
    ] {
        put(&storage, key, key);
    }
    assert_eq!(
        keys(&storage, b"a"),
        [&b"a"[..], b"a\x00", b"ab", b"a\xff", b"a\xff\xff"]
    );
    // A prefix ending in 0xff: its range ends at the next key after `a`, not at `b\x00`.
    assert_eq!(keys(&storage, b"a\xff"), [&b"a\xff"[..], b"a\xff\xff"]);
    // An all-0xff prefix has no end: the range runs to the last key.
    assert_eq!(keys(&storage, b"\xff"), [&b"\xff"[..], b"\xff\x00"]);
    // The empty prefix is everything, in order.
    assert_eq!(
        keys(&storage, b""),
        [
            &b""[..],
            b"a",
            b"a\x00",
            b"ab",
            b"a\xff",
            b"a\xff\xff",
            b"b",
            b"\xff",
            b"\xff\x00"
        ]
    );
    assert!(keys(&storage, b"c").is_empty());
    let entries = storage.scan(b"ab").unwrap();
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].1.as_slice(), b"ab");
}

#[test]
fn delete_and_delete_prefix_remove_only_their_keys() {
    let storage = SqliteStorage::open_in_memory().unwrap();
    for key in [
        &b"g/1/a"[..],
        b"g/1/b",
        b"g/10",
        b"g/2/a",
        b"g/\xff",
        b"g/\xff/x",
    ] {
        put(&storage, key, b"v");
    }
    let mut batch = Batch::new();
    batch.delete(b"g/1/a");
    batch.delete(b"absent");
    storage.write(&batch).unwrap();
    assert_eq!(value(&storage, b"g/1/a"), None);
    assert_eq!(value(&storage, b"g/1/b"), Some(b"v".to_vec()));

    let mut batch = Batch::new();
    batch.delete_prefix(b"g/1/");
    storage.write(&batch).unwrap();
    assert_eq!(
        keys(&storage, b""),
        [&b"g/10"[..], b"g/2/a", b"g/\xff", b"g/\xff/x"]
    );

    let mut batch = Batch::new();
    batch.delete_prefix(b"g/\xff");
    storage.write(&batch).unwrap();
    assert_eq!(keys(&storage, b""), [&b"g/10"[..], b"g/2/a"]);

    let mut batch = Batch::new();
    batch.delete_prefix(b"");
    storage.write(&batch).unwrap();
    assert!(keys(&storage, b"").is_empty());
}

#[test]
fn a_batch_applies_in_order() {
    let storage = SqliteStorage::open_in_memory().unwrap();
    put(&storage, b"g/1/old", b"x");
    put(&storage, b"g/1/node", b"old");
    let mut batch = Batch::new();
    batch.delete_prefix(b"g/1/");
    batch.put(b"g/1/node", b"new".to_vec());
    batch.put(b"g/1/gone", b"1".to_vec());
    batch.delete(b"g/1/gone");
    storage.write(&batch).unwrap();
    assert_eq!(keys(&storage, b""), [b"g/1/node".to_vec()]);
    assert_eq!(value(&storage, b"g/1/node"), Some(b"new".to_vec()));
    storage.write(&Batch::new()).unwrap();
}

#[test]
fn state_persists_across_close_and_reopen() {
    let dir = TempDir::new();
    let storage = SqliteStorage::open(dir.file()).unwrap();
    put(&storage, b"k", b"v");
    drop(storage);
    let storage = SqliteStorage::open_with(dir.file(), Durability::Normal).unwrap();
    assert_eq!(value(&storage, b"k"), Some(b"v".to_vec()));
}

#[test]
fn two_handles_on_one_file_see_each_others_writes() {
    let dir = TempDir::new();
    let first = SqliteStorage::open(dir.file()).unwrap();
    let second = SqliteStorage::open(dir.file()).unwrap();
    put(&first, b"a", b"1");
    assert_eq!(value(&second, b"a"), Some(b"1".to_vec()));
    put(&second, b"b", b"2");
    assert_eq!(keys(&first, b""), [b"a".to_vec(), b"b".to_vec()]);
}

#[test]
fn a_file_that_is_not_a_database_is_an_error() {
    let dir = TempDir::new();
    let garbage: Vec<u8> = (0..8192u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13).to_le_bytes()[0])
        .collect();
    std::fs::write(dir.file(), &garbage).unwrap();
    let error = SqliteStorage::open(dir.file()).unwrap_err();
    assert!(error.to_string().contains("storage backend"), "{error}");
    // The file is left as it was.
    assert_eq!(std::fs::read(dir.file()).unwrap(), garbage);
}

#[test]
fn a_newer_schema_is_refused_by_name() {
    let dir = TempDir::new();
    drop(SqliteStorage::open(dir.file()).unwrap());
    let raw = rusqlite::Connection::open(dir.file()).unwrap();
    raw.execute("UPDATE mls_schema SET version = ?1", [SCHEMA_VERSION + 1])
        .unwrap();
    drop(raw);
    let error = SqliteStorage::open(dir.file()).unwrap_err();
    let message = format!("{error}");
    assert!(
        message.contains("schema version 2") && message.contains("version 1"),
        "{message}"
    );
}

#[test]
fn a_batch_that_fails_midway_leaves_nothing() {
    let dir = TempDir::new();
    let storage = SqliteStorage::open(dir.file()).unwrap();
    put(&storage, b"before", b"kept");
    let raw = rusqlite::Connection::open(dir.file()).unwrap();
    raw.execute_batch(
        "CREATE TRIGGER refuse_bad BEFORE INSERT ON mls_records
         WHEN NEW.key = CAST('bad' AS BLOB)
         BEGIN SELECT RAISE(ABORT, 'refused by the test'); END",
    )
    .unwrap();

    let mut batch = Batch::new();
    batch.put(b"a", b"1".to_vec());
    batch.delete(b"before");
    batch.put(b"bad", b"2".to_vec());
    batch.put(b"c", b"3".to_vec());
    let error = storage.write(&batch).unwrap_err();
    assert!(
        format!("{error:?}").contains("refused by the test"),
        "{error:?}"
    );
    assert_eq!(keys(&storage, b""), [b"before".to_vec()]);

    // The handle is still usable, and another handle agrees.
    put(&storage, b"a", b"1");
    let other = SqliteStorage::open(dir.file()).unwrap();
    assert_eq!(keys(&other, b""), [b"a".to_vec(), b"before".to_vec()]);
}

fn median_write(path: &Path, durability: Durability) -> std::time::Duration {
    let storage = SqliteStorage::open_with(path, durability).unwrap();
    let mut times = Vec::new();
    for round in 0..200u32 {
        let mut batch = Batch::new();
        for row in 0..10u32 {
            batch.put(
                format!("g/{round}/{row}").as_bytes(),
                vec![u8::try_from(row).unwrap(); 256],
            );
        }
        let start = Instant::now();
        storage.write(&batch).unwrap();
        times.push(start.elapsed());
    }
    times.sort();
    times[times.len() / 2]
}

/// `cargo test -p mls-storage-sqlite -- --ignored --nocapture`: the median time of one write
/// of a 10-row batch on a file, per durability.
#[test]
#[ignore = "a measurement, not a check"]
fn durability_cost_of_a_ten_row_batch() {
    let dir = TempDir::new();
    let full = median_write(&dir.0.join("full.db"), Durability::Full);
    let normal = median_write(&dir.0.join("normal.db"), Durability::Normal);
    println!("median write of 10 rows: Full {full:?}, Normal {normal:?}");
}
