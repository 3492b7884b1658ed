//! Loads fuzzed saved states (`Group::load`): a saved state is only as trusted as the storage
//! it comes from, so loading one never panics, and a state that loads saves back to bytes
//! that load to the same state.
//!
//! The base state is Bob's in a group of four after commits that removed, added and updated
//! members (so that its past epochs record replaced leaves), with a pending commit of his
//! own that adds a member (so that it holds stashed tree changes). The first input byte
//! selects the mode:
//! - 0: the rest of the input as a saved state;
//! - 1: the base state edited by the rest of the input, three bytes per edit: a two-byte
//!   offset (modulo the length) and a byte XORed in there; a last odd byte truncates the
//!   state at that many 256ths of its length.
#![no_main]

use std::sync::{Arc, LazyLock};

use libfuzzer_sys::fuzz_target;
use mls_codec::CipherSuite;
use mls_crypto::{CryptoProvider, SignaturePrivateKey, Signer, Zeroizing};
use mls_crypto_rustcrypto::RustCryptoProvider;
use mls_group::{Client, Group, GroupConfig};
use mls_tree::LeafIndex;

const SUITE: CipherSuite = CipherSuite::MLS_128_DHKEMX25519_AES128GCM_SHA256_ED25519;

struct Base {
    provider: Arc<dyn CryptoProvider>,
    signer: Arc<dyn Signer>,
    saved: Zeroizing<Vec<u8>>,
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

static BASE: LazyLock<Base> = LazyLock::new(|| {
    let provider: Arc<dyn CryptoProvider> = Arc::new(RustCryptoProvider::new());
    let (alice, _) = client(&provider, "alice", 1);
    let (mut bob, bob_signer) = client(&provider, "bob", 2);
    let (mut carol, _) = client(&provider, "carol", 3);
    let (mut dave, _) = client(&provider, "dave", 4);
    let (mut erin, _) = client(&provider, "erin", 5);
    let mut a = alice.create_group(b"fuzzed state").expect("group");
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
    let steps: [&dyn Fn(&mut Group) -> Vec<u8>; 3] = [
        &|g| g.remove_members(&[LeafIndex(2)]).expect("remove").commit,
        &|g| {
            g.add_members(&[dave_key_package.clone()])
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
    Base {
        provider,
        signer: bob_signer,
        saved: b.save().expect("save"),
    }
});

fuzz_target!(|data: &[u8]| {
    let base = &*BASE;
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let state: Vec<u8> = match mode % 2 {
        0 => rest.to_vec(),
        _ => {
            let mut state = base.saved.to_vec();
            let mut edits = rest.chunks_exact(3);
            for edit in &mut edits {
                let offset = usize::from(u16::from_be_bytes([edit[0], edit[1]])) % state.len();
                state[offset] ^= edit[2];
            }
            if let [cut] = edits.remainder() {
                state.truncate(state.len() * usize::from(*cut) / 256);
            }
            state
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
