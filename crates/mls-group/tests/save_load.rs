//! A saved group loads back to the same state and keeps working.
#![expect(
    clippy::unwrap_used,
    reason = "a test fails by panicking, helpers included"
)]

mod common;

use std::sync::Arc;

use mls_codec::CipherSuite;
use mls_crypto::test_support::for_each_suite;
use mls_crypto::{CryptoProvider, SignatureKeyPair};
use mls_group::{Client, Group, GroupConfig, ProcessedMessage};

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

/// The signer a member rebuilds from its signature private key to load its saved state.
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

/// Alice's new group, in which she has added Bob, and Bob's, joined from her Welcome.
fn group_of_two(alice: &Client, bob: &mut Client) -> (Group, Group) {
    let mut alice_group = alice.create_group(b"group").unwrap();
    let added = alice_group
        .add_members(&[bob.key_package().unwrap()])
        .unwrap();
    alice_group.merge_pending_commit().unwrap();
    let bob_group = bob.join(&added.welcome.unwrap(), None).unwrap();
    (alice_group, bob_group)
}

#[test]
fn a_loaded_group_equals_the_saved_one_and_keeps_working() {
    for_each_suite(&providers(), |provider, suite| {
        let (alice, _) = client(provider, suite, "alice");
        let (mut bob, bob_keys) = client(provider, suite, "bob");
        let (mut alice_group, bob_group) = group_of_two(&alice, &mut bob);

        // Consume some message keys so that the secret tree has state worth saving.
        let message = alice_group.encrypt_application_message(b"one").unwrap();
        let saved = bob_group.save().unwrap();
        let signer = signer(provider, suite, &bob_keys);
        let mut loaded =
            Group::load(provider.clone(), signer, GroupConfig::default(), &saved).unwrap();
        assert_eq!(*loaded.save().unwrap(), *saved);
        assert_eq!(
            loaded.epoch_authenticator(),
            alice_group.epoch_authenticator()
        );

        match loaded.process_message(&message).unwrap() {
            ProcessedMessage::Application { data, .. } => assert_eq!(data, b"one"),
            other => panic!("unexpected {other:?}"),
        }
        // The key is used up, in the loaded state too.
        assert!(loaded.process_message(&message).is_err());

        let update = alice_group.self_update().unwrap();
        alice_group.merge_pending_commit().unwrap();
        loaded.process_message(&update.commit).unwrap();
        assert_eq!(
            loaded.epoch_authenticator(),
            alice_group.epoch_authenticator()
        );
    });
}

#[test]
fn corrupted_saved_state_is_rejected_without_panicking() {
    for_each_suite(&providers(), |provider, suite| {
        let (alice, keys) = client(provider, suite, "alice");
        let group = alice.create_group(b"group").unwrap();
        let saved = group.save().unwrap();
        let signer = signer(provider, suite, &keys);
        for cut in [0, 7, 10, saved.len() / 2, saved.len() - 1] {
            assert!(
                Group::load(
                    provider.clone(),
                    signer.clone(),
                    GroupConfig::default(),
                    &saved[..cut]
                )
                .is_err()
            );
        }
        for position in (0..saved.len()).step_by(7) {
            let mut corrupted = saved.to_vec();
            corrupted[position] ^= 0x41;
            // Either rejected or, if the flipped byte was inside a secret, a different state;
            // never a panic.
            let _ = Group::load(
                provider.clone(),
                signer.clone(),
                GroupConfig::default(),
                &corrupted,
            );
        }
    });
}

/// A state with past epochs and a pending commit (its tree changes stashed, §14) saves and
/// loads to the same bytes; the loaded member merges the commit and the others follow it.
#[test]
fn a_pending_commit_survives_save_and_load() {
    for_each_suite(&providers(), |provider, suite| {
        let (alice, alice_keys) = client(provider, suite, "alice");
        let (mut bob, _) = client(provider, suite, "bob");
        let (mut carol, _) = client(provider, suite, "carol");
        let (mut alice_group, mut bob_group) = group_of_two(&alice, &mut bob);
        let update = bob_group.self_update().unwrap();
        bob_group.merge_pending_commit().unwrap();
        alice_group.process_message(&update.commit).unwrap();

        // Alice adds Carol: the commit grows the tree and updates her path; it is not merged.
        let pending = alice_group
            .add_members(&[carol.key_package().unwrap()])
            .unwrap();
        let saved = alice_group.save().unwrap();
        let signer = signer(provider, suite, &alice_keys);
        let mut loaded =
            Group::load(provider.clone(), signer, GroupConfig::default(), &saved).unwrap();
        assert_eq!(*loaded.save().unwrap(), *saved);
        assert!(loaded.has_pending_commit());
        assert_eq!(loaded.member_count(), 2);

        loaded.merge_pending_commit().unwrap();
        bob_group.process_message(&pending.commit).unwrap();
        let carol_group = carol.join(&pending.welcome.unwrap(), None).unwrap();
        assert_eq!(loaded.member_count(), 3);
        for other in [&bob_group, &carol_group] {
            assert_eq!(loaded.epoch_authenticator(), other.epoch_authenticator());
            assert_eq!(loaded.tree_hash(), other.tree_hash());
        }
    });
}
