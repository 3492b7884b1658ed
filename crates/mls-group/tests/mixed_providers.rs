//! Groups whose members run on different crypto providers: some on RustCrypto, some on
//! aws-lc-rs. Everything one member produces (key packages, commits with their HPKE-encrypted
//! path secrets, Welcomes, GroupInfos with their external key, signatures, application
//! messages) is processed by members on the other provider, in every suite both serve.
#![expect(
    clippy::unwrap_used,
    reason = "a test fails by panicking, helpers included"
)]

use std::sync::Arc;

use mls_crypto::{CipherSuite, CryptoProvider};
use mls_crypto_awslc::AwsLcProvider;
use mls_crypto_rustcrypto::RustCryptoProvider;
use mls_group::{Client, Group, ProcessedMessage};
use mls_tree::LeafIndex;

fn rust_crypto() -> Arc<dyn CryptoProvider> {
    Arc::new(RustCryptoProvider::new())
}

fn aws_lc() -> Arc<dyn CryptoProvider> {
    Arc::new(AwsLcProvider::new())
}

/// The suites both providers serve.
fn shared_suites() -> Vec<CipherSuite> {
    let aws_lc = aws_lc();
    let suites: Vec<CipherSuite> = rust_crypto()
        .supported_suites()
        .iter()
        .copied()
        .filter(|&suite| aws_lc.supports(suite))
        .collect();
    assert_eq!(suites.len(), 5, "suites 1, 2, 3, 5 and 7");
    suites
}

fn client(provider: &Arc<dyn CryptoProvider>, suite: CipherSuite, name: &str) -> Client {
    Client::new(provider.clone(), suite, name.as_bytes()).unwrap()
}

/// Every group agrees on the epoch, its authenticator, the tree and the members, and each
/// one's application message reaches all the others.
fn assert_agree_and_talk(groups: &mut [&mut Group], suite: CipherSuite) {
    let first = (groups[0].epoch(), groups[0].epoch_authenticator().to_vec());
    for group in groups.iter() {
        assert_eq!(group.epoch(), first.0, "{suite:?}");
        assert_eq!(group.epoch_authenticator(), first.1.as_slice(), "{suite:?}");
        assert_eq!(group.tree_hash(), groups[0].tree_hash(), "{suite:?}");
        assert_eq!(group.members(), groups[0].members(), "{suite:?}");
    }
    for sender in 0..groups.len() {
        let text = format!("hello from member {sender} in {suite:?}");
        let message = groups[sender]
            .encrypt_application_message(text.as_bytes())
            .unwrap();
        for (receiver, group) in groups.iter_mut().enumerate() {
            if receiver == sender {
                continue;
            }
            match group.process_message(&message).unwrap() {
                ProcessedMessage::Application { data, .. } => {
                    assert_eq!(data, text.as_bytes(), "{suite:?}");
                }
                other => panic!("{suite:?}: unexpected {other:?}"),
            }
        }
    }
}

/// Each member processes `commit` as a commit.
fn process_commit(groups: &mut [&mut Group], commit: &[u8], suite: CipherSuite) {
    for group in groups.iter_mut() {
        match group.process_message(commit).unwrap() {
            ProcessedMessage::Commit { .. } => {}
            other => panic!("{suite:?}: unexpected {other:?}"),
        }
    }
}

#[test]
fn members_on_both_providers_create_add_update_remove_and_talk() {
    for suite in shared_suites() {
        for (creator, other) in [(rust_crypto(), aws_lc()), (aws_lc(), rust_crypto())] {
            // Alice creates the group on one provider and adds Bob (the other provider) and
            // Carol (her own provider) with one commit: both join from the same Welcome.
            let alice = client(&creator, suite, "alice");
            let mut bob = client(&other, suite, "bob");
            let mut carol = client(&creator, suite, "carol");
            let mut alice_group = alice.create_group(b"mixed").unwrap();
            let added = alice_group
                .add_members(&[bob.key_package().unwrap(), carol.key_package().unwrap()])
                .unwrap();
            alice_group.merge_pending_commit().unwrap();
            let welcome = added.welcome.unwrap();
            let mut bob_group = bob.join(&welcome, None).unwrap();
            let mut carol_group = carol.join(&welcome, None).unwrap();
            assert_agree_and_talk(
                &mut [&mut alice_group, &mut bob_group, &mut carol_group],
                suite,
            );

            // Bob (other provider) adds Dave (creator's provider): a Welcome sealed by one
            // provider's HPKE to the other's init key, and a path encrypted to both.
            let mut dave = client(&creator, suite, "dave");
            let added = bob_group
                .add_members(&[dave.key_package().unwrap()])
                .unwrap();
            bob_group.merge_pending_commit().unwrap();
            process_commit(
                &mut [&mut alice_group, &mut carol_group],
                &added.commit,
                suite,
            );
            let mut dave_group = dave.join(&added.welcome.unwrap(), None).unwrap();
            let mut all = [
                &mut alice_group,
                &mut bob_group,
                &mut carol_group,
                &mut dave_group,
            ];
            assert_agree_and_talk(&mut all, suite);

            // Updates from a member of each provider.
            for updater in [1, 2] {
                let update = all[updater].self_update().unwrap();
                all[updater].merge_pending_commit().unwrap();
                for (index, group) in all.iter_mut().enumerate() {
                    if index != updater {
                        group.process_message(&update.commit).unwrap();
                    }
                }
                assert_agree_and_talk(&mut all, suite);
            }

            // Dave (creator's provider) removes Carol; the others process the commit.
            let carol_leaf = all[2].own_leaf();
            let removed = all[3].remove_members(&[carol_leaf]).unwrap();
            all[3].merge_pending_commit().unwrap();
            match all[2].process_message(&removed.commit).unwrap() {
                ProcessedMessage::Removed { .. } => {}
                other => panic!("{suite:?}: Carol sees {other:?}"),
            }
            let [alice_group, bob_group, _, dave_group] = all;
            process_commit(
                &mut [&mut *alice_group, &mut *bob_group],
                &removed.commit,
                suite,
            );
            assert_agree_and_talk(&mut [alice_group, bob_group, dave_group], suite);
            assert_eq!(carol_leaf, LeafIndex(2));
        }
    }
}

#[test]
fn an_external_joiner_on_the_other_provider_joins_from_a_group_info() {
    for suite in shared_suites() {
        for (members, joiner) in [(rust_crypto(), aws_lc()), (aws_lc(), rust_crypto())] {
            let alice = client(&members, suite, "alice");
            let mut bob = client(&members, suite, "bob");
            let mut alice_group = alice.create_group(b"external").unwrap();
            let added = alice_group
                .add_members(&[bob.key_package().unwrap()])
                .unwrap();
            alice_group.merge_pending_commit().unwrap();
            let mut bob_group = bob.join(&added.welcome.unwrap(), None).unwrap();

            // The GroupInfo's external_pub is an HPKE key of one provider; the joiner's
            // external commit exports the init secret with the other (RFC 9420 §8.3).
            let group_info = bob_group.group_info().unwrap();
            let mut erin = client(&joiner, suite, "erin");
            let (mut erin_group, commit) = erin
                .join_by_external_commit(&group_info, None, None)
                .unwrap();
            process_commit(&mut [&mut alice_group, &mut bob_group], &commit, suite);
            assert_agree_and_talk(
                &mut [&mut alice_group, &mut bob_group, &mut erin_group],
                suite,
            );
        }
    }
}
