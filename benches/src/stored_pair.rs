//! Two members of one group whose states live in SQLite: the fixture of the `persist`
//! binary and of the criterion `persist` benchmark.
//!
//! Suite 1, a group of N members made by one add commit; Bob's and Carol's states each live in
//! their own SQLite file ([`SqliteStorage`], WAL) behind a [`Store`] with an at-rest key
//! (records sealed), and each has a second database for whole-state snapshots (the
//! alternative [`Group::persist`] replaces).

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use mls_codec::{CipherSuite, WireFormat};
use mls_crypto::Secret;
use mls_crypto_rustcrypto::RustCryptoProvider;
use mls_group::{Client, Group, GroupConfig, ProcessedMessage, Store};
use mls_storage::{Batch, Storage};
use mls_storage_sqlite::{Durability, SqliteStorage};

/// The suite of the pair.
pub const SUITE: CipherSuite = CipherSuite::MLS_128_DHKEMX25519_AES128GCM_SHA256_ED25519;

/// The size of the application messages.
pub const MESSAGE: usize = 1024;

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

/// A member with its databases.
pub struct Member {
    /// The client, to reopen the group with.
    pub client: Client,
    /// The member's state of the group.
    pub group: Group,
    /// Where [`Group::persist`] writes.
    pub store: Store,
    /// Another database, for the whole-state snapshots: in the store's, their megabytes
    /// would make SQLite checkpoint its write-ahead log inside the timed persists.
    snapshots: SqliteStorage,
}

impl Member {
    fn new(
        client: Client,
        group: Group,
        path: &Path,
        durability: Durability,
        provider: &Arc<RustCryptoProvider>,
    ) -> Self {
        let backend =
            Arc::new(SqliteStorage::open_with(path, durability).expect("opening the database"));
        let store = Store::with_at_rest_key(
            backend,
            provider.clone(),
            SUITE,
            &Secret::new(vec![0x42; 32]),
        )
        .expect("a store");
        let snapshots = SqliteStorage::open_with(path.with_extension("snapshots"), durability)
            .expect("opening the snapshot database");
        let mut member = Self {
            client,
            group,
            store,
            snapshots,
        };
        member.persist();
        member
    }

    /// [`Group::persist`]: the bytes written.
    pub fn persist(&mut self) -> usize {
        self.group.persist(&self.store).expect("persist")
    }

    /// The alternative to [`Member::persist`]: [`Group::save`] of the whole state, written as
    /// one value. Returns its size.
    pub fn snapshot(&self) -> usize {
        let state = self.group.save().expect("save");
        let mut batch = Batch::new();
        batch.put(b"snapshot", state.to_vec());
        self.snapshots.write(&batch).expect("snapshot write");
        state.len()
    }

    /// A self-update commit, merged and persisted.
    pub fn commit(&mut self) -> Vec<u8> {
        let commit = self.group.self_update().expect("self-update").commit;
        self.group.merge_pending_commit().expect("merge");
        self.persist();
        commit
    }

    /// A [`MESSAGE`]-byte application message, persisted after.
    pub fn message(&mut self) -> Vec<u8> {
        let message = self
            .group
            .encrypt_application_message(&[7; MESSAGE])
            .expect("encrypt");
        self.persist();
        message
    }

    /// Processes a commit in memory (not persisted).
    pub fn process_commit(&mut self, commit: &[u8]) {
        let processed = self.group.process_message(commit);
        assert!(matches!(processed, Ok(ProcessedMessage::Commit { .. })));
    }

    /// Decrypts an application message in memory (not persisted).
    pub fn process_message(&mut self, message: &[u8]) {
        let processed = self.group.process_message(message);
        assert!(matches!(
            processed,
            Ok(ProcessedMessage::Application { .. })
        ));
    }

    /// Panics unless the group reopened from the database is the one in memory.
    pub fn check_stored(&self) {
        let opened = self
            .client
            .open_group(&self.store, self.group.group_id())
            .expect("reopening the group");
        assert_eq!(
            *opened.save().expect("save"),
            *self.group.save().expect("save"),
            "the stored state is the one in memory"
        );
    }
}

/// Bob and Carol in a group of N, in a temporary folder removed on drop.
pub struct StoredPair {
    /// Leaf 1.
    pub bob: Member,
    /// Leaf 2.
    pub carol: Member,
    /// The time Bob took to join and write his state the first time, in seconds.
    pub first_write_seconds: f64,
    dir: PathBuf,
}

impl StoredPair {
    /// Builds the group of `n` members (at least 3) and the two members' databases.
    pub fn new(n: usize, durability: Durability) -> Self {
        assert!(n >= 3, "a group of Alice, Bob, Carol and others");
        let provider = Arc::new(RustCryptoProvider);
        let dir =
            std::env::temp_dir().join(format!("mls-persist-bench-{}-{n}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("a temporary directory");
        let alice = client(&provider, "alice");
        let mut bob = client(&provider, "bob");
        let mut carol = client(&provider, "carol");
        let mut key_packages = vec![
            bob.key_package().expect("key package"),
            carol.key_package().expect("key package"),
        ];
        key_packages.extend(crate::on_two_threads(n - 3, |i| {
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
        let file = |name: &str| dir.join(format!("{name}.sqlite"));
        let start = Instant::now();
        let bob_group = bob.join(&welcome, None).expect("join");
        let bob = Member::new(bob, bob_group, &file("bob"), durability, &provider);
        let first_write_seconds = start.elapsed().as_secs_f64();
        let carol_group = carol.join(&welcome, None).expect("join");
        let carol = Member::new(carol, carol_group, &file("carol"), durability, &provider);
        Self {
            bob,
            carol,
            first_write_seconds,
            dir,
        }
    }
}

impl Drop for StoredPair {
    fn drop(&mut self) {
        std::fs::remove_dir_all(&self.dir).ok();
    }
}
