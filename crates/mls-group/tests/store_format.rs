//! Databases written by record format 1 open in this release: the fixtures in
//! `tests/fixtures/` are SQLite files made by `write_format_1_fixtures` (run it with
//! `--ignored` only to make them again, never for a later format: they stand for what users of
//! format 1 have on disk).
//!
//! Each fixture holds Bob's client (with an unused key package) and his group with Alice,
//! one message and one commit in; `*.expected` holds, in hex, the group's epoch
//! authenticator, then an application message from Alice in the stored epoch that the
//! opened group must decrypt to `format 1`, then a Welcome for Bob's unused key package.
#![expect(
    clippy::unwrap_used,
    reason = "a test fails by panicking, helpers included"
)]

use std::path::PathBuf;
use std::sync::Arc;

use mls_codec::CipherSuite;
use mls_crypto::{CryptoProvider, Secret};
use mls_crypto_rustcrypto::RustCryptoProvider;
use mls_group::{Client, ProcessedMessage, Store};
use mls_storage_sqlite::SqliteStorage;

const SUITE: CipherSuite = CipherSuite::MLS_128_DHKEMX25519_AES128GCM_SHA256_ED25519;
const GROUP_ID: &[u8] = b"format 1 group";

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn at_rest_key() -> Secret {
    Secret::new(vec![0x17; 32])
}

fn store(path: &std::path::Path, sealed: bool) -> Store {
    let provider: Arc<dyn CryptoProvider> = Arc::new(RustCryptoProvider);
    let backend = Arc::new(SqliteStorage::open(path).unwrap());
    if sealed {
        Store::with_at_rest_key(backend, provider, SUITE, &at_rest_key()).unwrap()
    } else {
        Store::new(backend, provider, SUITE)
    }
}

/// Copies a fixture aside, so that opening it (SQLite may write its WAL) leaves the
/// committed file as it is.
fn copy_of(name: &str) -> (PathBuf, PathBuf) {
    let dir = std::env::temp_dir().join(format!("mls-format-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::copy(fixture(name), &path).unwrap();
    (dir, path)
}

#[test]
fn format_1_databases_open_and_keep_working() {
    let provider: Arc<dyn CryptoProvider> = Arc::new(RustCryptoProvider);
    for (name, sealed) in [
        ("format-1-sealed.sqlite", true),
        ("format-1-hashed.sqlite", false),
    ] {
        let expected = std::fs::read_to_string(fixture(&format!("{name}.expected"))).unwrap();
        let lines: Vec<Vec<u8>> = expected.lines().map(|l| hex::decode(l).unwrap()).collect();
        let (dir, path) = copy_of(name);
        let store = store(&path, sealed);
        let mut bob = Client::open(&store, provider.clone()).unwrap();
        let mut group = bob.open_group(&store, GROUP_ID).unwrap();
        assert_eq!(group.epoch_authenticator(), lines[0], "{name}");
        match group.process_message(&lines[1]).unwrap() {
            ProcessedMessage::Application { data, .. } => assert_eq!(data, b"format 1"),
            other => panic!("unexpected {other:?}"),
        }
        bob.join(&lines[2], None).unwrap();
        drop(store);
        std::fs::remove_dir_all(dir).unwrap();
    }
}

#[test]
#[ignore = "writes the committed fixtures; run only to make them again for format 1"]
fn write_format_1_fixtures() {
    assert_eq!(
        mls_group::RECORD_FORMAT,
        1,
        "fixtures of a later format go in new files"
    );
    let provider: Arc<dyn CryptoProvider> = Arc::new(RustCryptoProvider);
    for (name, sealed) in [
        ("format-1-sealed.sqlite", true),
        ("format-1-hashed.sqlite", false),
    ] {
        let path = fixture(name);
        let _ = std::fs::remove_file(&path);
        let store = store(&path, sealed);
        let alice = Client::new(provider.clone(), SUITE, b"alice").unwrap();
        let mut bob = Client::new(provider.clone(), SUITE, b"bob").unwrap();
        let mut alice_group = alice.create_group(GROUP_ID).unwrap();
        let added = alice_group
            .add_members(&[bob.key_package().unwrap()])
            .unwrap();
        alice_group.merge_pending_commit().unwrap();
        let unused = bob.key_package().unwrap();
        let mut group = bob.join(&added.welcome.unwrap(), None).unwrap();
        let message = alice_group.encrypt_application_message(b"first").unwrap();
        group.process_message(&message).unwrap();
        let update = alice_group.self_update().unwrap();
        alice_group.merge_pending_commit().unwrap();
        group.process_message(&update.commit).unwrap();
        bob.persist(&store).unwrap();
        group.persist(&store).unwrap();
        let later = alice_group
            .encrypt_application_message(b"format 1")
            .unwrap();
        let mut other = alice.create_group(b"another group").unwrap();
        let welcome = other.add_members(&[unused]).unwrap().welcome.unwrap();
        // Closing the last connection folds the write-ahead log into the one file.
        drop(store);
        std::fs::write(
            fixture(&format!("{name}.expected")),
            format!(
                "{}\n{}\n{}\n",
                hex::encode(group.epoch_authenticator()),
                hex::encode(later),
                hex::encode(welcome)
            ),
        )
        .unwrap();
    }
}
