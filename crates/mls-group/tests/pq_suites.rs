//! The post-quantum suites of draft-ietf-mls-pq-ciphersuites (provisional code points, feature
//! `pq`) through the whole group engine: every suite runs a group's life (Welcome, commits
//! with an UpdatePath, a removal, application messages, a save and load), and a group of 1024
//! members runs end to end in the X-Wing suite (TBD1) and in the ML-KEM-768 + ML-DSA-65 suite
//! (TBD10).
//!
//! `cargo test -p mls-group --features pq --test pq_suites` (add `-- --include-ignored` for the
//! 1024-member groups, which take a while in a debug build).
#![cfg(feature = "pq")]

use std::sync::Arc;

use mls_codec::CipherSuite;
use mls_crypto::{CipherSuiteParams, CryptoProvider};
use mls_crypto_rustcrypto::RustCryptoProvider;
use mls_group::{Client, Group, GroupConfig, ProcessedMessage};
use mls_tree::LeafIndex;

fn provider() -> Arc<dyn CryptoProvider> {
    Arc::new(RustCryptoProvider::new())
}

fn client(provider: &Arc<dyn CryptoProvider>, suite: CipherSuite, name: &str) -> Client {
    Client::new(provider.clone(), suite, name.as_bytes()).expect("a client")
}

/// `sender` sends `data`; every one of `receivers` reads it from `sender`'s leaf.
fn send(sender: &mut Group, receivers: &mut [&mut Group], data: &[u8]) {
    let message = sender
        .encrypt_application_message(data)
        .expect("an application message");
    for receiver in receivers {
        match receiver.process_message(&message).expect("it decrypts") {
            ProcessedMessage::Application {
                sender: from,
                data: received,
                ..
            } => {
                assert_eq!(from, sender.own_leaf());
                assert_eq!(received, data);
            }
            other => panic!("not an application message: {other:?}"),
        }
    }
}

/// `committer`'s commit (already merged by it) processed by each of `others`, which must then
/// agree with it on the epoch authenticator.
fn deliver(commit: &[u8], committer: &Group, others: &mut [&mut Group]) {
    for other in others {
        other.process_message(commit).expect("the commit processes");
        assert_eq!(other.epoch(), committer.epoch());
        assert_eq!(other.epoch_authenticator(), committer.epoch_authenticator());
    }
}

/// One group's life in `suite`: Alice adds Bob and Carol (Welcome), Bob commits an update
/// with a path, Carol adds Dave, Alice removes Carol, Dave commits with a path; messages go
/// both ways in between, and a saved state loads and keeps up.
fn lifecycle(suite: CipherSuite) {
    let provider = provider();
    let alice = client(&provider, suite, "alice");
    let bob_keys = provider
        .suite(suite)
        .and_then(|s| s.generate_signature_key_pair())
        .expect("a signature key pair");
    let mut bob = Client::with_signature_key(
        provider.clone(),
        suite,
        mls_codec::Credential::Basic {
            identity: b"bob".as_slice().into(),
        },
        &bob_keys.private_key,
    )
    .expect("a client");
    let mut carol = client(&provider, suite, "carol");
    let mut dave = client(&provider, suite, "dave");

    let mut a = alice.create_group(b"pq group").expect("a group");
    let added = a
        .add_members(&[
            bob.key_package().expect("a key package"),
            carol.key_package().expect("a key package"),
        ])
        .expect("the add commit");
    a.merge_pending_commit().expect("merged");
    let welcome = added.welcome.expect("a Welcome");
    let mut b = bob.join(&welcome, None).expect("Bob joins");
    let mut c = carol.join(&welcome, None).expect("Carol joins");
    assert_eq!(b.epoch_authenticator(), a.epoch_authenticator());
    assert_eq!(c.epoch_authenticator(), a.epoch_authenticator());
    send(&mut a, &mut [&mut b, &mut c], b"hello from alice");
    send(&mut c, &mut [&mut a, &mut b], b"hello from carol");

    // An update commit, with an UpdatePath (HPKE to the KEM of the suite).
    let update = b.self_update().expect("Bob's update");
    b.merge_pending_commit().expect("merged");
    deliver(&update.commit, &b, &mut [&mut a, &mut c]);
    send(&mut b, &mut [&mut a, &mut c], b"after the update");

    // Carol adds Dave; her commit carries a path too (the forced path of an add).
    let added = c
        .commit(
            mls_group::CommitOptions::default()
                .with_proposals(vec![mls_codec::Proposal::Add(mls_codec::Add {
                    key_package: key_package_of(&dave.key_package().expect("a key package")),
                })])
                .with_force_path(true),
        )
        .expect("Carol's add");
    c.merge_pending_commit().expect("merged");
    deliver(&added.commit, &c, &mut [&mut a, &mut b]);
    let mut d = dave
        .join(&added.welcome.expect("a Welcome"), None)
        .expect("Dave joins");
    assert_eq!(d.epoch_authenticator(), a.epoch_authenticator());

    // Alice removes Carol (leaf 2); the others follow, Carol learns she is out.
    let removal = a.remove_members(&[LeafIndex(2)]).expect("the removal");
    a.merge_pending_commit().expect("merged");
    deliver(&removal.commit, &a, &mut [&mut b, &mut d]);
    assert!(c.process_message(&removal.commit).is_ok());
    assert_eq!(a.members().len(), 3);

    // A saved state loads and processes the next commit.
    let saved = b.save().expect("Bob's state saves");
    let signer: Arc<dyn mls_crypto::Signer> = Arc::from(
        provider
            .suite(suite)
            .and_then(|s| s.signer(&bob_keys.private_key))
            .expect("a signer"),
    );
    let mut reloaded =
        Group::load(provider.clone(), signer, GroupConfig::default(), &saved).expect("it loads");
    let update = d.self_update().expect("Dave's update");
    d.merge_pending_commit().expect("merged");
    deliver(&update.commit, &d, &mut [&mut a, &mut b, &mut reloaded]);
    send(
        &mut reloaded,
        &mut [&mut a, &mut d],
        b"from the reloaded state",
    );
    send(&mut d, &mut [&mut a, &mut b], b"bye");
}

/// The KeyPackage inside an MLSMessage.
fn key_package_of(bytes: &[u8]) -> mls_codec::KeyPackage {
    use mls_codec::Decode as _;
    match mls_codec::MlsMessage::from_bytes(bytes)
        .expect("an MLSMessage")
        .body
    {
        mls_codec::MlsMessageBody::KeyPackage(key_package) => key_package,
        other => panic!("not a key package: {:?}", other.wire_format()),
    }
}

#[test]
fn the_provider_supports_every_provisional_suite() {
    let provider = provider();
    for params in CipherSuiteParams::provisional() {
        assert!(provider.supports(params.cipher_suite), "{params:?}");
    }
}

macro_rules! lifecycle_tests {
    ($($name:ident => $suite:ident,)*) => {
        $(
            #[test]
            fn $name() {
                lifecycle(CipherSuite::$suite);
            }
        )*
    };
}

lifecycle_tests! {
    tbd1_xwing_aes128_sha256_ed25519 => MLS_128_MLKEM768X25519_AES128GCM_SHA256_ED25519,
    tbd2_xwing_aes256_sha384_ed25519 => MLS_128_MLKEM768X25519_AES256GCM_SHA384_ED25519,
    tbd3_mlkem768p256_aes128_sha256_p256 => MLS_128_MLKEM768P256_AES128GCM_SHA256_P256,
    tbd4_mlkem768p256_aes256_sha384_p256 => MLS_128_MLKEM768P256_AES256GCM_SHA384_P256,
    tbd5_mlkem1024p384_aes256_sha384_p384 => MLS_192_MLKEM1024P384_AES256GCM_SHA384_P384,
    tbd6_mlkem768_aes256_sha384_ed25519 => MLS_128_MLKEM768_AES256GCM_SHA384_ED25519,
    tbd7_mlkem768_aes256_sha384_p256 => MLS_128_MLKEM768_AES256GCM_SHA384_P256,
    tbd8_mlkem1024_aes256_sha384_p384 => MLS_192_MLKEM1024_AES256GCM_SHA384_P384,
    tbd9_xwing_chacha_sha384_mldsa44 => MLS_128_MLKEM768X25519_CHACHA20POLY1305_SHA384_MLDSA44,
    tbd10_mlkem768_aes256_sha384_mldsa65 => MLS_192_MLKEM768_AES256GCM_SHA384_MLDSA65,
    tbd11_mlkem1024_aes256_sha384_mldsa87 => MLS_256_MLKEM1024_AES256GCM_SHA384_MLDSA87,
}

/// A group of `members` members in `suite`: the creator adds all the others from key packages
/// in one commit; members at the first, middle and last leaves join from the Welcome; then
/// commits with paths by three of them, each processed by the other joined members, and an
/// application message read by all of them.
fn large_group(suite: CipherSuite, members: u32) {
    let provider = provider();
    let creator = client(&provider, suite, "member 0");
    let mut clients: Vec<Client> = (1..members)
        .map(|i| client(&provider, suite, &format!("member {i}")))
        .collect();
    let key_packages: Vec<Vec<u8>> = clients
        .iter_mut()
        .map(|c| c.key_package().expect("a key package"))
        .collect();
    let mut group0 = creator.create_group(b"large pq group").expect("a group");
    let added = group0.add_members(&key_packages).expect("the add commit");
    group0.merge_pending_commit().expect("merged");
    assert_eq!(group0.members().len(), members as usize);
    let welcome = added.welcome.expect("a Welcome");

    let last = clients.len() - 1;
    let joiners = [0, last / 2, last];
    let mut groups: Vec<Group> = vec![group0];
    for index in joiners {
        let group = clients[index].join(&welcome, None).expect("a member joins");
        let leaf = u32::try_from(index + 1).expect("a leaf index");
        assert_eq!(group.own_leaf(), LeafIndex(leaf));
        assert_eq!(group.epoch_authenticator(), groups[0].epoch_authenticator());
        groups.push(group);
    }

    // Commits with paths: first a joined member's update (its path covers the mostly blank
    // tree's resolution: HPKE to every other leaf on its copath), then the creator's, then
    // the last member's; each processed by the other joined members.
    for committer in [1, 0, 3] {
        let update = groups[committer].self_update().expect("an update");
        groups[committer].merge_pending_commit().expect("merged");
        let (before, rest) = groups.split_at_mut(committer);
        let (this, after) = rest.split_first_mut().expect("the committer");
        let mut others: Vec<&mut Group> = before.iter_mut().chain(after.iter_mut()).collect();
        deliver(&update.commit, this, &mut others);
    }
    let (first, rest) = groups.split_first_mut().expect("the creator");
    let mut others: Vec<&mut Group> = rest.iter_mut().collect();
    send(first, &mut others, b"to 1024 members");
}

#[test]
#[ignore = "a 1024-member group: run with --include-ignored (best in release)"]
fn a_1024_member_group_in_the_xwing_suite() {
    large_group(
        CipherSuite::MLS_128_MLKEM768X25519_AES128GCM_SHA256_ED25519,
        1024,
    );
}

#[test]
#[ignore = "a 1024-member group: run with --include-ignored (best in release)"]
fn a_1024_member_group_in_the_ml_dsa_suite() {
    large_group(CipherSuite::MLS_192_MLKEM768_AES256GCM_SHA384_MLDSA65, 1024);
}

/// The same scenario at a size a debug test run takes in stride.
#[test]
fn a_64_member_group_in_the_xwing_and_ml_dsa_suites() {
    large_group(
        CipherSuite::MLS_128_MLKEM768X25519_AES128GCM_SHA256_ED25519,
        64,
    );
    large_group(CipherSuite::MLS_192_MLKEM768_AES256GCM_SHA384_MLDSA65, 64);
}
