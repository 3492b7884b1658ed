//! Processing commits whose proposals blank part of the receiver's direct path (RFC 9420
//! §12.1.2-12.1.3, §12.4.2): the private keys of blanked nodes are forgotten, so the state
//! stays consistent with the tree (it saves and loads) and keeps working. And the members of
//! past epochs, whose late application messages are still accepted (§15), are remembered
//! across commits that remove them and reuse their leaves.

mod common;

use std::sync::Arc;

use mls_codec::CipherSuite;
use mls_crypto::test_support::for_each_suite;
use mls_crypto::{CryptoProvider, SignatureKeyPair, Signer};
use mls_group::{Client, Group, GroupConfig};
use mls_tree::LeafIndex;

use common::providers;

fn client(
    provider: &Arc<dyn CryptoProvider>,
    suite: CipherSuite,
    name: &str,
) -> (Client, SignatureKeyPair) {
    let keys = provider
        .suite(suite)
        .and_then(|suite| suite.generate_signature_key_pair())
        .expect("a signature key pair");
    let credential = mls_codec::Credential::Basic {
        identity: name.as_bytes().into(),
    };
    let client = Client::with_signature_key(provider.clone(), suite, credential, &keys.private_key)
        .expect("a client");
    (client, keys)
}

/// Saves `group` and loads it back with the signature key `keys`.
fn reload(provider: &Arc<dyn CryptoProvider>, group: &Group, keys: &SignatureKeyPair) -> Group {
    let signer: Arc<dyn Signer> = Arc::from(
        provider
            .suite(group.cipher_suite())
            .and_then(|suite| suite.signer(&keys.private_key))
            .expect("a signer"),
    );
    let saved = group.save().expect("the state saves");
    Group::load(provider.clone(), signer, GroupConfig::default(), &saved)
        .expect("the saved state loads")
}

/// Alice's group (leaf 0) after she added Bob (leaf 1) and Carol (leaf 2) in one commit:
/// the three members' groups, in epoch 1, and their signature keys.
fn alice_bob_and_carol(
    provider: &Arc<dyn CryptoProvider>,
    suite: CipherSuite,
) -> [(Group, SignatureKeyPair); 3] {
    let (alice, alice_keys) = client(provider, suite, "alice");
    let (mut bob, bob_keys) = client(provider, suite, "bob");
    let (mut carol, carol_keys) = client(provider, suite, "carol");
    let mut alice_group = alice.create_group(b"group").expect("a group");
    let added = alice_group
        .add_members(&[
            bob.key_package().expect("a key package"),
            carol.key_package().expect("a key package"),
        ])
        .expect("the add commit");
    alice_group.merge_pending_commit().expect("merged");
    let welcome = added.welcome.expect("a Welcome");
    [
        (alice_group, alice_keys),
        (bob.join(&welcome, None).expect("Bob joins"), bob_keys),
        (carol.join(&welcome, None).expect("Carol joins"), carol_keys),
    ]
}

/// Alice (leaf 0) holds the key of node 1 from Bob's (leaf 1) self-update; Carol (leaf 2)
/// then removes Bob, which blanks node 1, and her path does not cover it.
#[test]
fn a_remove_that_blanks_our_path_forgets_its_keys() {
    for_each_suite(&providers(), |provider, suite| {
        let [
            (mut alice_group, alice_keys),
            (mut bob_group, _),
            (mut carol_group, _),
        ] = alice_bob_and_carol(provider, suite);

        let update = bob_group.self_update().unwrap();
        bob_group.merge_pending_commit().unwrap();
        alice_group.process_message(&update.commit).unwrap();
        carol_group.process_message(&update.commit).unwrap();

        let removal = carol_group.remove_members(&[LeafIndex(1)]).unwrap();
        carol_group.merge_pending_commit().unwrap();
        alice_group.process_message(&removal.commit).unwrap();
        assert_eq!(
            alice_group.epoch_authenticator(),
            carol_group.epoch_authenticator()
        );

        let mut alice_group = reload(provider, &alice_group, &alice_keys);
        let update = carol_group.self_update().unwrap();
        carol_group.merge_pending_commit().unwrap();
        alice_group.process_message(&update.commit).unwrap();
        assert_eq!(
            alice_group.epoch_authenticator(),
            carol_group.epoch_authenticator()
        );
    });
}

/// Bob's message of epoch 1 arrives at Carol two commits late: after Alice removed Bob and
/// then added Dave into Bob's old leaf. Carol checks it with Bob's signature key of epoch 1,
/// not Dave's (the current tree's), before and after a save and load; and Dave's messages
/// with his key, not Bob's.
#[test]
fn a_late_message_is_checked_against_its_own_epochs_members() {
    for_each_suite(&providers(), |provider, suite| {
        let [
            (mut alice_group, _),
            (mut bob_group, _),
            (mut carol_group, carol_keys),
        ] = alice_bob_and_carol(provider, suite);
        let (mut dave, _) = client(provider, suite, "dave");
        let late = bob_group.encrypt_application_message(b"from bob").unwrap();
        // Carol reads one of Bob's messages in time: she now holds Bob's decoded key for leaf 1.
        let current = bob_group.encrypt_application_message(b"in time").unwrap();
        carol_group.process_message(&current).unwrap();

        let removal = alice_group.remove_members(&[LeafIndex(1)]).unwrap();
        alice_group.merge_pending_commit().unwrap();
        carol_group.process_message(&removal.commit).unwrap();
        let added = alice_group
            .add_members(&[dave.key_package().unwrap()])
            .unwrap();
        alice_group.merge_pending_commit().unwrap();
        carol_group.process_message(&added.commit).unwrap();
        let mut dave_group = dave.join(&added.welcome.unwrap(), None).unwrap();
        assert_eq!(dave_group.own_leaf(), LeafIndex(1));
        assert_eq!(carol_group.epoch(), 3);

        let mut reloaded = reload(provider, &carol_group, &carol_keys);
        for group in [&mut carol_group, &mut reloaded] {
            match group.process_message(&late).unwrap() {
                mls_group::ProcessedMessage::Application {
                    sender,
                    epoch,
                    data,
                    ..
                } => assert_eq!(
                    (sender, epoch, data.as_slice()),
                    (LeafIndex(1), 1, &b"from bob"[..])
                ),
                other => panic!("not an application message: {other:?}"),
            }
        }
        // Dave's own message of epoch 3 is his: checked with his key, not the one Carol decoded
        // for Bob at the same leaf.
        let current = dave_group
            .encrypt_application_message(b"from dave")
            .unwrap();
        assert!(matches!(
            carol_group.process_message(&current).unwrap(),
            mls_group::ProcessedMessage::Application {
                sender: LeafIndex(1),
                epoch: 3,
                ..
            }
        ));
    });
}
