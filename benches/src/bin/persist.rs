//! What storing a member's state costs, beside what processing costs, at the peer scenario's
//! group sizes:
//!
//! ```text
//! persist --members N [--iters K] [--durability full|normal]
//! ```
//!
//! Suite 1, a group of N members made by one add commit; Bob's and Carol's states each live in
//! their own SQLite file ([`mls_storage_sqlite::SqliteStorage`], WAL) behind a [`Store`] with
//! an at-rest key (records sealed). Carol and Bob alternate roles for `--iters` rounds:
//!
//! - `commit_process_ms`: Bob processes Carol's self-update commit in memory;
//!   `commit_persist_ms` / `commit_persist_bytes`: then [`Group::persist`] writes what it
//!   changed, one SQLite transaction;
//! - `snapshot_ms` / `snapshot_bytes`: the alternative this replaces, [`Group::save`] of the
//!   whole state written as one value (in a database of its own);
//! - `app_unprotect_us`: Bob decrypts a 1 KiB application message from Carol;
//!   `app_persist_us` / `app_persist_bytes`: then persists it.
//!
//! Medians; prints one JSON line. Each round checks that the state reopened from the database
//! is the one in memory (outside the timings).
#![forbid(unsafe_code)]

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use mls_codec::{CipherSuite, WireFormat};
use mls_crypto::Secret;
use mls_crypto_rustcrypto::RustCryptoProvider;
use mls_group::{Client, Group, GroupConfig, ProcessedMessage, Store};
use mls_storage::{Batch, Storage};
use mls_storage_sqlite::{Durability, SqliteStorage};

const SUITE: CipherSuite = CipherSuite::MLS_128_DHKEMX25519_AES128GCM_SHA256_ED25519;

fn config() -> GroupConfig {
    GroupConfig::default()
        .with_handshake_wire_format(WireFormat::MLS_PRIVATE_MESSAGE)
        .with_ratchet_tree_extension(true)
        .with_padding_block(0)
}

fn client(provider: &Arc<RustCryptoProvider>, name: &str) -> Client {
    let mut client =
        Client::new(provider.clone(), SUITE, name.as_bytes()).expect("creating a suite-1 client");
    client.set_config(config());
    client
}

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

/// A member with its database.
struct Member {
    group: Group,
    store: Store,
    /// Another database, for the whole-state snapshots: in the store's, their megabytes
    /// would make SQLite checkpoint its write-ahead log inside the timed persists.
    snapshots: SqliteStorage,
}

impl Member {
    fn new(
        group: Group,
        path: &std::path::Path,
        durability: Durability,
        provider: &Arc<RustCryptoProvider>,
    ) -> Self {
        let backend =
            Arc::new(SqliteStorage::open_with(path, durability).expect("opening the database"));
        let store = Store::with_at_rest_key(
            backend.clone(),
            provider.clone(),
            SUITE,
            &Secret::new(vec![0x42; 32]),
        )
        .expect("a store");
        let snapshots = SqliteStorage::open_with(path.with_extension("snapshots"), durability)
            .expect("opening the snapshot database");
        let mut member = Self {
            group,
            store,
            snapshots,
        };
        member.group.persist(&member.store).expect("first write");
        member
    }

    fn check_stored(&self, client: &Client) {
        let opened = client
            .open_group(&self.store, self.group.group_id())
            .expect("reopening the group");
        assert_eq!(
            *opened.save().expect("save"),
            *self.group.save().expect("save"),
            "the stored state is the one in memory"
        );
    }
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
    let provider = Arc::new(RustCryptoProvider);
    let dir = std::env::temp_dir().join(format!("mls-persist-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a temporary directory");

    let alice = client(&provider, "alice");
    let mut bob = client(&provider, "bob");
    let mut carol = client(&provider, "carol");
    let mut key_packages = vec![
        bob.key_package().expect("key package"),
        carol.key_package().expect("key package"),
    ];
    key_packages.extend(mls_benches::on_two_threads(n - 3, |i| {
        client(&provider, &format!("m{i}"))
            .key_package()
            .expect("key package")
    }));
    let mut group = alice.create_group(b"persist").expect("group");
    let welcome = group
        .add_members(&key_packages)
        .expect("add")
        .welcome
        .expect("welcome");
    group.merge_pending_commit().expect("merge");
    let file = |name: &str| -> PathBuf { dir.join(format!("{name}.sqlite")) };
    let (mut b, first_seconds) = timed(|| {
        Member::new(
            bob.join(&welcome, None).expect("join"),
            &file("bob"),
            durability,
            &provider,
        )
    });
    let mut c = Member::new(
        carol.join(&welcome, None).expect("join"),
        &file("carol"),
        durability,
        &provider,
    );
    drop(group);

    let (mut process, mut persist, mut persist_bytes) = (vec![], vec![], vec![]);
    let (mut snapshot, mut snapshot_bytes) = (vec![], vec![]);
    let (mut unprotect, mut app_persist, mut app_bytes) = (vec![], vec![], vec![]);
    let payload = vec![7u8; 1024];
    for round in 0..iters {
        let (sender, receiver) = if round % 2 == 0 {
            (&mut c, &mut b)
        } else {
            (&mut b, &mut c)
        };
        let commit = sender.group.self_update().expect("self-update").commit;
        sender.group.merge_pending_commit().expect("merge");
        sender.group.persist(&sender.store).expect("persist");
        let (processed, seconds) = timed(|| receiver.group.process_message(&commit));
        assert!(matches!(processed, Ok(ProcessedMessage::Commit { .. })));
        process.push(seconds * 1e3);
        let (written, seconds) =
            timed(|| receiver.group.persist(&receiver.store).expect("persist"));
        persist.push(seconds * 1e3);
        persist_bytes.push(written as f64);
        let (bytes, seconds) = timed(|| {
            let state = receiver.group.save().expect("save");
            let mut batch = Batch::new();
            batch.put(b"snapshot", state.to_vec());
            receiver.snapshots.write(&batch).expect("snapshot write");
            state.len()
        });
        snapshot.push(seconds * 1e3);
        snapshot_bytes.push(bytes as f64);

        for _ in 0..10 {
            let message = sender
                .group
                .encrypt_application_message(&payload)
                .expect("encrypt");
            sender.group.persist(&sender.store).expect("persist");
            let (received, seconds) = timed(|| receiver.group.process_message(&message));
            assert!(matches!(received, Ok(ProcessedMessage::Application { .. })));
            unprotect.push(seconds * 1e6);
            let (written, seconds) =
                timed(|| receiver.group.persist(&receiver.store).expect("persist"));
            app_persist.push(seconds * 1e6);
            app_bytes.push(written as f64);
        }
        assert_eq!(
            sender.group.epoch_authenticator(),
            receiver.group.epoch_authenticator()
        );
    }
    b.check_stored(&bob);
    c.check_stored(&carol);
    std::fs::remove_dir_all(&dir).ok();

    println!(
        "{{\"members\":{n},\"durability\":\"{}\",\"first_write_with_join_ms\":{:.1},\"commit_process_ms\":{:.3},\"commit_persist_ms\":{:.3},\"commit_persist_bytes\":{},\"snapshot_ms\":{:.3},\"snapshot_bytes\":{},\"app_unprotect_us\":{:.1},\"app_persist_us\":{:.1},\"app_persist_bytes\":{}}}",
        match durability {
            Durability::Normal => "normal",
            _ => "full",
        },
        first_seconds * 1e3,
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
