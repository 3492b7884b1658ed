//! A group in a `Store`: written incrementally, opened back to exactly the in-memory state,
//! and every corrupted record reported as an error.
#![expect(
    clippy::unwrap_used,
    reason = "a test fails by panicking, helpers included"
)]

mod common;

use std::sync::Arc;

use mls_codec::CipherSuite;
use mls_crypto::test_support::for_each_suite;
use mls_crypto::{CryptoProvider, Secret, SignatureKeyPair};
use mls_group::{Client, Group, GroupConfig, GroupError, ProcessedMessage, Store};
use mls_storage::{Batch, MemoryStorage, Storage, StorageError};

use common::providers;

fn client(
    provider: &Arc<dyn CryptoProvider>,
    suite: CipherSuite,
    name: &str,
) -> (Client, SignatureKeyPair) {
    let keys = provider
        .suite(suite)
        .unwrap()
        .generate_signature_key_pair()
        .unwrap();
    let credential = mls_codec::Credential::Basic {
        identity: name.as_bytes().into(),
    };
    let client =
        Client::with_signature_key(provider.clone(), suite, credential, &keys.private_key).unwrap();
    (client, keys)
}

fn signer(
    provider: &Arc<dyn CryptoProvider>,
    suite: CipherSuite,
    keys: &SignatureKeyPair,
) -> Arc<dyn mls_crypto::Signer> {
    Arc::from(
        provider
            .suite(suite)
            .unwrap()
            .signer(&keys.private_key)
            .unwrap(),
    )
}

/// Opens Bob's group from `store` and checks it is his in-memory state, byte for byte.
fn assert_stored(
    store: &Store,
    group: &Group,
    provider: &Arc<dyn CryptoProvider>,
    suite: CipherSuite,
    keys: &SignatureKeyPair,
) {
    let opened = Group::open(
        store,
        group.group_id(),
        provider.clone(),
        signer(provider, suite, keys),
        GroupConfig::default(),
    )
    .unwrap();
    assert_eq!(*opened.save().unwrap(), *group.save().unwrap());
}

#[test]
fn a_persisted_group_opens_to_its_in_memory_state_after_every_operation() {
    for_each_suite(&providers(), |provider, suite| {
        let (alice, _) = client(provider, suite, "alice");
        let (mut bob, bob_keys) = client(provider, suite, "bob");
        let mut alice_group = alice.create_group(b"group").unwrap();
        let mut key_packages: Vec<Vec<u8>> = vec![bob.key_package().unwrap()];
        for name in ["carol", "dave", "erin"] {
            key_packages.push(client(provider, suite, name).0.key_package().unwrap());
        }
        let added = alice_group.add_members(&key_packages).unwrap();
        alice_group.merge_pending_commit().unwrap();
        let mut bob_group = bob.join(&added.welcome.unwrap(), None).unwrap();
        let store = Store::new(Arc::new(MemoryStorage::new()), provider.clone(), suite);
        bob_group.persist(&store).unwrap();
        assert_stored(&store, &bob_group, provider, suite, &bob_keys);

        for round in 0..3u8 {
            // Messages from Alice, one out of order, and one from Bob.
            let first = alice_group.encrypt_application_message(&[round]).unwrap();
            let second = alice_group
                .encrypt_application_message(&[round, 1])
                .unwrap();
            for message in [&second, &first] {
                assert!(matches!(
                    bob_group.process_message(message).unwrap(),
                    ProcessedMessage::Application { .. }
                ));
                let written = bob_group.persist(&store).unwrap();
                assert!(written < 4096, "a message wrote {written} bytes");
                assert_stored(&store, &bob_group, provider, suite, &bob_keys);
            }
            let own = bob_group.encrypt_application_message(b"hi").unwrap();
            bob_group.persist(&store).unwrap();
            alice_group.process_message(&own).unwrap();
            // A commit from Alice: the epoch moves on, the old one is retained.
            let update = alice_group.self_update().unwrap();
            alice_group.merge_pending_commit().unwrap();
            bob_group.process_message(&update.commit).unwrap();
            bob_group.persist(&store).unwrap();
            assert_stored(&store, &bob_group, provider, suite, &bob_keys);
            // Bob's own commit, pending and then merged.
            let commit = bob_group.self_update().unwrap();
            bob_group.persist(&store).unwrap();
            assert_stored(&store, &bob_group, provider, suite, &bob_keys);
            bob_group.merge_pending_commit().unwrap();
            bob_group.persist(&store).unwrap();
            assert_stored(&store, &bob_group, provider, suite, &bob_keys);
            alice_group.process_message(&commit.commit).unwrap();
            assert_eq!(
                alice_group.epoch_authenticator(),
                bob_group.epoch_authenticator()
            );
        }
        // A late message of a retained epoch, after reopening.
        let late = alice_group.encrypt_application_message(b"late").unwrap();
        let update = alice_group.self_update().unwrap();
        alice_group.merge_pending_commit().unwrap();
        bob_group.process_message(&update.commit).unwrap();
        bob_group.persist(&store).unwrap();
        let mut reopened = Group::open(
            &store,
            bob_group.group_id(),
            provider.clone(),
            signer(provider, suite, &bob_keys),
            GroupConfig::default(),
        )
        .unwrap();
        reopened.process_message(&late).unwrap();
        reopened.persist(&store).unwrap();
        assert_stored(&store, &reopened, provider, suite, &bob_keys);
        // The key is consumed in the store too.
        let mut again = Group::open(
            &store,
            bob_group.group_id(),
            provider.clone(),
            signer(provider, suite, &bob_keys),
            GroupConfig::default(),
        )
        .unwrap();
        assert!(again.process_message(&late).is_err());
    });
}

/// A small group's store, one message and one commit in, with the keys to open it.
fn small_store(
    at_rest_key: Option<&Secret>,
) -> (
    Arc<MemoryStorage>,
    Store,
    Vec<u8>,
    Arc<dyn CryptoProvider>,
    SignatureKeyPair,
) {
    let provider = providers()[0].clone();
    let suite = CipherSuite::MLS_128_DHKEMX25519_AES128GCM_SHA256_ED25519;
    let (alice, _) = client(&provider, suite, "alice");
    let (mut bob, bob_keys) = client(&provider, suite, "bob");
    let mut alice_group = alice.create_group(b"group").unwrap();
    let added = alice_group
        .add_members(&[bob.key_package().unwrap()])
        .unwrap();
    alice_group.merge_pending_commit().unwrap();
    let mut bob_group = bob.join(&added.welcome.unwrap(), None).unwrap();
    let backend = Arc::new(MemoryStorage::new());
    let store = match at_rest_key {
        None => Store::new(backend.clone(), provider.clone(), suite),
        Some(key) => {
            Store::with_at_rest_key(backend.clone(), provider.clone(), suite, key).unwrap()
        }
    };
    let message = alice_group.encrypt_application_message(b"m").unwrap();
    bob_group.process_message(&message).unwrap();
    let update = alice_group.self_update().unwrap();
    alice_group.merge_pending_commit().unwrap();
    bob_group.process_message(&update.commit).unwrap();
    bob_group.persist(&store).unwrap();
    (
        backend,
        store,
        bob_group.group_id().to_vec(),
        provider,
        bob_keys,
    )
}

fn open(
    store: &Store,
    group_id: &[u8],
    provider: &Arc<dyn CryptoProvider>,
    keys: &SignatureKeyPair,
) -> Result<Group, GroupError> {
    let suite = CipherSuite::MLS_128_DHKEMX25519_AES128GCM_SHA256_ED25519;
    Group::open(
        store,
        group_id,
        provider.clone(),
        signer(provider, suite, keys),
        GroupConfig::default(),
    )
}

#[test]
fn every_single_bit_flip_of_every_record_is_an_error() {
    for at_rest_key in [None, Some(Secret::new(vec![9; 32]))] {
        let (backend, store, group_id, provider, keys) = small_store(at_rest_key.as_ref());
        open(&store, &group_id, &provider, &keys).unwrap();
        let records = backend.scan(&[]).unwrap();
        let mut flips = 0;
        for (key, value) in &records {
            for bit in 0..value.len() * 8 {
                let mut flipped = value.to_vec();
                flipped[bit / 8] ^= 1 << (bit % 8);
                backend.tamper(key, flipped).unwrap();
                assert!(
                    open(&store, &group_id, &provider, &keys).is_err(),
                    "bit {bit} of {key:?} loaded silently"
                );
                flips += 1;
            }
            backend.tamper(key, value.to_vec()).unwrap();
        }
        assert!(flips > 10_000, "{flips} flips");
        open(&store, &group_id, &provider, &keys).unwrap();
    }
}

#[test]
fn moved_truncated_or_unsealed_records_are_errors() {
    let key = Secret::new(vec![9; 32]);
    let (backend, store, group_id, provider, keys) = small_store(Some(&key));
    let records = backend.scan(&[]).unwrap();
    // A record moved under another record's key.
    let (first, second) = (&records[0], &records[1]);
    backend.tamper(&first.0, second.1.to_vec()).unwrap();
    assert!(matches!(
        open(&store, &group_id, &provider, &keys),
        Err(GroupError::CorruptRecord { .. })
    ));
    backend.tamper(&first.0, first.1.to_vec()).unwrap();
    // Truncated at every length.
    for len in 0..first.1.len() {
        backend.tamper(&first.0, first.1[..len].to_vec()).unwrap();
        assert!(open(&store, &group_id, &provider, &keys).is_err());
    }
    backend.tamper(&first.0, first.1.to_vec()).unwrap();
    // The same records read without the key, or with another.
    let suite = store.cipher_suite();
    let unkeyed = Store::new(backend.clone(), provider.clone(), suite);
    assert!(matches!(
        open(&unkeyed, &group_id, &provider, &keys),
        Err(GroupError::CorruptRecord { .. })
    ));
    let other = Store::with_at_rest_key(
        backend.clone(),
        provider.clone(),
        suite,
        &Secret::new(vec![8; 32]),
    )
    .unwrap();
    assert!(matches!(
        open(&other, &group_id, &provider, &keys),
        Err(GroupError::CorruptRecord { .. })
    ));
    // No stored byte string contains a secret in the clear: the epoch authenticator of the
    // group is nowhere in the backend.
    let group = open(&store, &group_id, &provider, &keys).unwrap();
    let authenticator = group.epoch_authenticator();
    for (_, value) in backend.scan(&[]).unwrap() {
        assert!(
            !value
                .windows(authenticator.len())
                .any(|w| w == authenticator)
        );
    }
}

#[test]
fn a_record_of_a_later_format_is_refused_by_name() {
    let (backend, store, group_id, provider, keys) = small_store(None);
    let (key, value) = backend.scan(&[]).unwrap().remove(0);
    let mut later = value.to_vec();
    later[..2].copy_from_slice(&(mls_group::RECORD_FORMAT + 1).to_be_bytes());
    backend.tamper(&key, later).unwrap();
    match open(&store, &group_id, &provider, &keys) {
        Err(GroupError::UnsupportedRecordFormat {
            found, supported, ..
        }) => {
            assert_eq!((found, supported), (2, 1));
        }
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn a_group_not_in_the_store_is_reported() {
    let (_, store, _, provider, keys) = small_store(None);
    assert!(matches!(
        open(&store, b"another group", &provider, &keys),
        Err(GroupError::GroupNotStored)
    ));
}

/// A fresh directory for a test's database files, removed when dropped.
struct TempDir(std::path::PathBuf);

impl TempDir {
    fn new(name: &str) -> Self {
        let path = std::env::temp_dir().join(format!("mls-group-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).unwrap();
        Self(path)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[test]
fn a_client_restarted_from_its_database_joins_with_a_key_package_published_before() {
    for_each_suite(&providers(), |provider, suite| {
        let dir = TempDir::new(&format!("restart-{suite:?}"));
        let path = dir.0.join("bob.sqlite");
        let at_rest_key = Secret::new(vec![3; 64]);
        let store_at = |path: &std::path::Path| {
            let backend = Arc::new(mls_storage_sqlite::SqliteStorage::open(path).unwrap());
            Store::with_at_rest_key(backend, provider.clone(), suite, &at_rest_key).unwrap()
        };

        // Bob publishes two key packages and an external PSK, stores himself, and stops.
        let (mut bob, _) = client(provider, suite, "bob");
        bob.add_external_psk(b"psk", Secret::new(vec![5; 32]));
        let first = bob.key_package().unwrap();
        let second = bob.key_package().unwrap();
        bob.persist(&store_at(&path)).unwrap();
        let signature_key = bob.signature_key().to_vec();
        drop(bob);

        // Alice adds him with the first while he is down.
        let (alice, _) = client(provider, suite, "alice");
        let mut alice_group = alice.create_group(b"group").unwrap();
        let added = alice_group
            .add_members(std::slice::from_ref(&first))
            .unwrap();
        alice_group.merge_pending_commit().unwrap();

        // Bob restarts from the database alone and joins.
        let store = store_at(&path);
        let mut bob = Client::open(&store, provider.clone()).unwrap();
        assert_eq!(bob.signature_key(), signature_key);
        let mut bob_group = bob.join(&added.welcome.unwrap(), None).unwrap();
        bob.persist_with(&store, &mut [&mut bob_group]).unwrap();
        assert_eq!(
            bob_group.epoch_authenticator(),
            alice_group.epoch_authenticator()
        );
        drop((bob, bob_group, store));

        // Restarted again: the group opens from the same file and follows Alice, the used
        // key package is gone and the other still joins.
        let store = store_at(&path);
        let mut bob = Client::open(&store, provider.clone()).unwrap();
        let mut bob_group = bob.open_group(&store, b"group").unwrap();
        let update = alice_group.self_update().unwrap();
        alice_group.merge_pending_commit().unwrap();
        bob_group.process_message(&update.commit).unwrap();
        assert_eq!(
            bob_group.epoch_authenticator(),
            alice_group.epoch_authenticator()
        );
        let mut other_group = alice.create_group(b"other group").unwrap();
        let again = other_group.add_members(&[first]).unwrap();
        assert!(matches!(
            bob.join(&again.welcome.unwrap(), None),
            Err(GroupError::NoMatchingKeyPackage)
        ));
        let mut third_group = alice.create_group(b"third group").unwrap();
        let added = third_group.add_members(&[second]).unwrap();
        third_group.merge_pending_commit().unwrap();
        let joined = bob.join(&added.welcome.unwrap(), None).unwrap();
        assert_eq!(
            joined.epoch_authenticator(),
            third_group.epoch_authenticator()
        );
    });
}

/// A backend whose writes fail while `failing` is set (a full disk, a lost connection).
#[derive(Default)]
struct FailingStorage {
    inner: MemoryStorage,
    failing: std::sync::atomic::AtomicBool,
}

impl FailingStorage {
    fn fail(&self, failing: bool) {
        self.failing
            .store(failing, std::sync::atomic::Ordering::SeqCst);
    }

    fn records(&self) -> Vec<mls_storage::Entry> {
        self.inner.scan(&[]).unwrap()
    }
}

impl Storage for FailingStorage {
    fn get(&self, key: &[u8]) -> Result<Option<mls_crypto::Zeroizing<Vec<u8>>>, StorageError> {
        self.inner.get(key)
    }

    fn scan(&self, prefix: &[u8]) -> Result<Vec<mls_storage::Entry>, StorageError> {
        self.inner.scan(prefix)
    }

    fn write(&self, batch: &Batch) -> Result<(), StorageError> {
        if self.failing.load(std::sync::atomic::Ordering::SeqCst) {
            return Err(StorageError::backend(std::io::Error::other("disk full")));
        }
        self.inner.write(batch)
    }
}

#[test]
fn a_join_persists_the_client_and_the_group_together_or_not_at_all() {
    let provider = providers()[0].clone();
    let suite = CipherSuite::MLS_128_DHKEMX25519_AES128GCM_SHA256_ED25519;
    let backend = Arc::new(FailingStorage::default());
    let store = Store::new(backend.clone(), provider.clone(), suite);
    let (mut bob, _) = client(&provider, suite, "bob");
    let key_package = bob.key_package().unwrap();
    bob.persist(&store).unwrap();

    let (alice, _) = client(&provider, suite, "alice");
    let mut alice_group = alice.create_group(b"group").unwrap();
    let added = alice_group
        .add_members(std::slice::from_ref(&key_package))
        .unwrap();
    alice_group.merge_pending_commit().unwrap();
    let mut bob_group = bob.join(&added.welcome.unwrap(), None).unwrap();

    // The write fails: the store is as it was, with the key package and without the group.
    let before = backend.records();
    backend.fail(true);
    assert!(matches!(
        bob.persist_with(&store, &mut [&mut bob_group]),
        Err(GroupError::Storage(_))
    ));
    assert_eq!(backend.records(), before);
    let mut reopened = Client::open(&store, provider.clone()).unwrap();
    assert!(reopened.forget_key_package(&key_package).unwrap());
    assert!(matches!(
        reopened.open_group(&store, b"group"),
        Err(GroupError::GroupNotStored)
    ));

    // The group moves on; the next write stores everything the failed one would have, and
    // the key package is gone in the same transaction that stores the group.
    let update = alice_group.self_update().unwrap();
    alice_group.merge_pending_commit().unwrap();
    bob_group.process_message(&update.commit).unwrap();
    backend.fail(false);
    bob.persist_with(&store, &mut [&mut bob_group]).unwrap();
    let mut reopened = Client::open(&store, provider.clone()).unwrap();
    assert!(!reopened.forget_key_package(&key_package).unwrap());
    let opened = reopened.open_group(&store, b"group").unwrap();
    assert_eq!(*opened.save().unwrap(), *bob_group.save().unwrap());

    // Later writes are incremental again: an application message writes one leaf's ratchets.
    let message = alice_group.encrypt_application_message(b"m").unwrap();
    bob_group.process_message(&message).unwrap();
    let written = bob.persist_with(&store, &mut [&mut bob_group]).unwrap();
    assert!(written < 2048, "{written} bytes for one message");
}

#[test]
fn a_group_or_client_moved_to_another_store_writes_everything_there() {
    let (_, store, group_id, provider, keys) = small_store(None);
    let suite = CipherSuite::MLS_128_DHKEMX25519_AES128GCM_SHA256_ED25519;
    let other = Store::new(Arc::new(MemoryStorage::new()), provider.clone(), suite);

    // Opened from one store and persisted to another (a migration, a backup): the other
    // gets every record, though nothing changed since the group was opened.
    let mut group = open(&store, &group_id, &provider, &keys).unwrap();
    group.persist(&other).unwrap();
    let moved = open(&other, &group_id, &provider, &keys).unwrap();
    assert_eq!(*moved.save().unwrap(), *group.save().unwrap());
    // So does a client; and a key package it publishes after the move goes only where it
    // is persisted.
    let (mut carol, _) = client(&provider, suite, "carol");
    carol.key_package().unwrap();
    carol.persist(&store).unwrap();
    let mut carol = Client::open(&store, provider.clone()).unwrap();
    carol.persist(&other).unwrap();
    let key_package = carol.key_package().unwrap();
    carol.persist(&store).unwrap();
    let mut reopened = Client::open(&store, provider.clone()).unwrap();
    assert!(reopened.forget_key_package(&key_package).unwrap());
    let mut moved = Client::open(&other, provider.clone()).unwrap();
    assert!(!moved.forget_key_package(&key_package).unwrap());

    // Back to the first store: it opens to the state in memory.
    group.persist(&store).unwrap();
    let back = open(&store, &group_id, &provider, &keys).unwrap();
    assert_eq!(*back.save().unwrap(), *group.save().unwrap());
}
