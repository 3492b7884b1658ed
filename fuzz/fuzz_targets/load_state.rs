//! Loads fuzzed stored states: a saved state (`Group::load`) or a store's records
//! (`Group::open`, `Client::open`) are only as trusted as the storage they come from, so
//! loading them never panics, and a state that loads stores back to bytes that load to the
//! same state.
//!
//! The base state is Bob's in a group of four after commits that removed, added and updated
//! members (so that its past epochs record replaced leaves), with a pending commit of his
//! own that adds a member (so that it holds stashed tree changes); his client holds an
//! unused key package. The first input byte selects the mode; an *edit* of bytes is three
//! input bytes per change, a two-byte offset (modulo the length) and a byte XORed in there,
//! and a last odd byte truncates at that many 256ths of the length:
//! - 0: the rest of the input as a saved state;
//! - 1: the base saved state, edited;
//! - 2: the base store, with the payload of one record (chosen by the next byte) edited
//!   and its hash recomputed, so that the contents get past the envelope's check to the
//!   decoders behind it;
//! - 3: the base store, with one record edited as stored (envelope included);
//! - 4: the base store without one record.
#![no_main]

use std::sync::{Arc, LazyLock};

use libfuzzer_sys::fuzz_target;
use mls_codec::CipherSuite;
use mls_crypto::{CryptoProvider, SignaturePrivateKey, Signer, Zeroizing};
use mls_crypto_rustcrypto::RustCryptoProvider;
use mls_group::{Client, Group, GroupConfig, RECORD_FORMAT, Store};
use mls_storage::{Batch, MemoryStorage, Storage};
use mls_tree::LeafIndex;

const SUITE: CipherSuite = CipherSuite::MLS_128_DHKEMX25519_AES128GCM_SHA256_ED25519;

const GROUP_ID: &[u8] = b"fuzzed state";

/// The label of a stored record's hash (the envelope documented in `mls_group::store`).
const RECORD_LABEL: &[u8] = b"MLS 1.0 stored record";

/// A record's envelope header: its format and protection (0: hashed).
const HASHED_HEADER_LEN: usize = 3;

struct Base {
    provider: Arc<dyn CryptoProvider>,
    signer: Arc<dyn Signer>,
    saved: Zeroizing<Vec<u8>>,
    /// Bob's client and group as stored: (key, record) in key order.
    records: Vec<(Vec<u8>, Vec<u8>)>,
}

fn client(provider: &Arc<dyn CryptoProvider>, name: &str, seed: u8) -> (Client, Arc<dyn Signer>) {
    let key = SignaturePrivateKey::from_slice(&[seed; 32]);
    let credential = mls_codec::Credential::Basic {
        identity: name.as_bytes().into(),
    };
    let client =
        Client::with_signature_key(provider.clone(), SUITE, credential, &key).expect("a client");
    let signer = Arc::from(
        provider
            .suite(SUITE)
            .and_then(|s| s.signer(&key))
            .expect("signer"),
    );
    (client, signer)
}

/// A commit of the base group's history: its bytes.
type Step<'a> = dyn Fn(&mut Group) -> Vec<u8> + 'a;

static BASE: LazyLock<Base> = LazyLock::new(|| {
    let provider: Arc<dyn CryptoProvider> = Arc::new(RustCryptoProvider::new());
    let (alice, _) = client(&provider, "alice", 1);
    let (mut bob, bob_signer) = client(&provider, "bob", 2);
    let (mut carol, _) = client(&provider, "carol", 3);
    let (mut dave, _) = client(&provider, "dave", 4);
    let (mut erin, _) = client(&provider, "erin", 5);
    let mut a = alice.create_group(GROUP_ID).expect("group");
    let added = a
        .add_members(&[
            bob.key_package().expect("kp"),
            carol.key_package().expect("kp"),
        ])
        .expect("add");
    a.merge_pending_commit().expect("merge");
    let welcome = added.welcome.expect("welcome");
    let mut b = bob.join(&welcome, None).expect("bob joins");
    let _carol = carol.join(&welcome, None).expect("carol joins");
    let dave_key_package = dave.key_package().expect("kp");
    let steps: [&Step<'_>; 3] = [
        &|g| g.remove_members(&[LeafIndex(2)]).expect("remove").commit,
        &|g| {
            g.add_members(std::slice::from_ref(&dave_key_package))
                .expect("add")
                .commit
        },
        &|g| g.self_update().expect("update").commit,
    ];
    for step in steps {
        let commit = step(&mut a);
        a.merge_pending_commit().expect("merge");
        b.process_message(&commit).expect("bob processes");
    }
    b.add_members(&[erin.key_package().expect("kp")])
        .expect("bob's pending add");
    bob.key_package().expect("an unused key package");
    let storage = Arc::new(MemoryStorage::new());
    let store = Store::new(storage.clone(), provider.clone(), SUITE);
    bob.persist(&store).expect("bob's client persists");
    b.persist(&store).expect("bob's group persists");
    let records = storage
        .scan(&[])
        .expect("records")
        .into_iter()
        .map(|(key, value)| (key, value.to_vec()))
        .collect();
    Base {
        provider,
        signer: bob_signer,
        saved: b.save().expect("save"),
        records,
    }
});

/// Applies the edit that `input` describes to `bytes`.
fn edit(bytes: &mut Vec<u8>, input: &[u8]) {
    let mut edits = input.chunks_exact(3);
    for edit in &mut edits {
        if bytes.is_empty() {
            return;
        }
        let offset = usize::from(u16::from_be_bytes([edit[0], edit[1]])) % bytes.len();
        bytes[offset] ^= edit[2];
    }
    if let [cut] = edits.remainder() {
        bytes.truncate(bytes.len() * usize::from(*cut) / 256);
    }
}

/// `record` (hashed) with its payload edited by `input` and its hash recomputed.
fn edit_payload(base: &Base, key: &[u8], record: &[u8], input: &[u8]) -> Vec<u8> {
    let suite = base.provider.suite(SUITE).expect("suite");
    let (header, rest) = record.split_at(HASHED_HEADER_LEN);
    assert_eq!(
        header[..2],
        RECORD_FORMAT.to_be_bytes(),
        "a format-1 record"
    );
    let mut payload = rest[..rest.len() - suite.hash_len()].to_vec();
    edit(&mut payload, input);
    let hash = suite.hash_concat(&[RECORD_LABEL, key, header, &payload]);
    [header, &payload, &hash].concat()
}

/// Opens Bob's group and client from `records`; what opens stores and opens again to the
/// same state.
fn open(base: &Base, records: &[(Vec<u8>, Vec<u8>)]) {
    let fresh_store = || Store::new(Arc::new(MemoryStorage::new()), base.provider.clone(), SUITE);
    let storage = Arc::new(MemoryStorage::new());
    let mut batch = Batch::new();
    for (key, value) in records {
        batch.put(key, value.clone());
    }
    storage.write(&batch).expect("a memory write");
    let store = Store::new(storage, base.provider.clone(), SUITE);
    let open_group = |store: &Store| {
        Group::open(
            store,
            GROUP_ID,
            base.provider.clone(),
            base.signer.clone(),
            GroupConfig::default(),
        )
    };
    if let Ok(mut group) = open_group(&store) {
        group.persist(&store).expect("an opened group persists");
        let copy = fresh_store();
        group.persist(&copy).expect("an opened group persists anew");
        let again = open_group(&copy).expect("a persisted group opens");
        assert!(*again.save().expect("saves") == *group.save().expect("saves"));
    }
    if let Ok(mut client) = Client::open(&store, base.provider.clone()) {
        let copy = fresh_store();
        client.persist(&copy).expect("an opened client persists");
        Client::open(&copy, base.provider.clone()).expect("a persisted client opens");
    }
}

fuzz_target!(|data: &[u8]| {
    let base = &*BASE;
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let state: Vec<u8> = match mode % 5 {
        0 => rest.to_vec(),
        1 => {
            let mut state = base.saved.to_vec();
            edit(&mut state, rest);
            state
        }
        store_mode => {
            let Some((&choice, input)) = rest.split_first() else {
                return;
            };
            let mut records = base.records.clone();
            let index = usize::from(choice) % records.len();
            match store_mode {
                2 => {
                    let (key, record) = &records[index];
                    records[index].1 = edit_payload(base, key, record, input);
                }
                3 => edit(&mut records[index].1, input),
                _ => {
                    records.remove(index);
                }
            }
            open(base, &records);
            return;
        }
    };
    let load = |bytes: &[u8]| {
        Group::load(
            base.provider.clone(),
            base.signer.clone(),
            GroupConfig::default(),
            bytes,
        )
    };
    if let Ok(group) = load(&state) {
        let saved = group.save().expect("a loaded state saves");
        let again = load(&saved).expect("a saved state loads");
        assert!(*again.save().expect("saves again") == *saved);
    }
});
