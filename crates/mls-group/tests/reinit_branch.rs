//! Reinitialization (RFC 9420 §11.2, §12.1.5) and subgroup branching (§11.3): new groups
//! linked to an old one by a resumption PSK of usage reinit or branch.
#![expect(
    clippy::unwrap_used,
    reason = "a test fails by panicking, helpers included"
)]

mod common;

use std::sync::Arc;

use mls_codec::{CipherSuite, ProtocolVersion, ResumptionPskUsage};
use mls_crypto::CryptoProvider;
use mls_crypto::test_support::for_each_suite;
use mls_group::{Client, CommitOptions, Group, GroupError, ProcessedMessage};

use common::providers;

fn client(provider: &Arc<dyn CryptoProvider>, name: &[u8], suite: CipherSuite) -> Client {
    Client::new(provider.clone(), suite, name).unwrap()
}

/// The suite a group of `suite` is reinitialized into: the provider's next one (the first
/// after the last), so that every suite is both left and entered.
fn new_suite(provider: &Arc<dyn CryptoProvider>, suite: CipherSuite) -> CipherSuite {
    let suites = provider.supported_suites();
    let position = suites.iter().position(|s| *s == suite).unwrap();
    suites[(position + 1) % suites.len()]
}

/// Alice, Bob and Carol in one group.
fn three_members(provider: &Arc<dyn CryptoProvider>, suite: CipherSuite) -> Vec<Group> {
    let alice = client(provider, b"alice", suite);
    let mut bob = client(provider, b"bob", suite);
    let mut carol = client(provider, b"carol", suite);
    let mut a = alice.create_group(b"old group").unwrap();
    let out = a
        .add_members(&[bob.key_package().unwrap(), carol.key_package().unwrap()])
        .unwrap();
    a.merge_pending_commit().unwrap();
    let welcome = out.welcome.unwrap();
    let b = bob.join(&welcome, None).unwrap();
    let c = carol.join(&welcome, None).unwrap();
    vec![a, b, c]
}

/// Alice commits a ReInit to [`new_suite`]; everyone processes it.
fn reinitialized(provider: &Arc<dyn CryptoProvider>, suite: CipherSuite) -> Vec<Group> {
    let mut groups = three_members(provider, suite);
    let out = groups[0]
        .commit_reinit(
            b"new group",
            ProtocolVersion::MLS10,
            new_suite(provider, suite),
            Vec::new(),
        )
        .unwrap();
    groups[0].merge_pending_commit().unwrap();
    groups[1].process_message(&out.commit).unwrap();
    groups[2].process_message(&out.commit).unwrap();
    groups
}

#[test]
fn reinit_end_to_end() {
    for_each_suite(&providers(), |provider, suite| {
        let new_suite = new_suite(provider, suite);
        let mut groups = reinitialized(provider, suite);
        for group in &groups {
            let reinit = group.reinit().unwrap();
            assert_eq!(reinit.group_id.as_slice(), b"new group");
            assert_eq!(reinit.cipher_suite, new_suite);
        }
        // The old group is frozen for everyone.
        let before = groups[1].save().unwrap();
        assert!(matches!(
            groups[1].encrypt_application_message(b"late"),
            Err(GroupError::GroupReinitialized)
        ));
        assert!(matches!(
            groups[1].commit(CommitOptions::default()),
            Err(GroupError::GroupReinitialized)
        ));
        assert!(matches!(
            groups[1].propose_update(),
            Err(GroupError::GroupReinitialized)
        ));
        assert_eq!(*groups[1].save().unwrap(), *before);

        // Bob, who did not commit the ReInit, creates the new group in the new suite.
        let mut alice2 = client(provider, b"alice", new_suite);
        let bob2 = client(provider, b"bob", new_suite);
        let mut carol2 = client(provider, b"carol", new_suite);
        let (mut new_b, out) = groups[1]
            .reinit_group(
                &bob2,
                &[alice2.key_package().unwrap(), carol2.key_package().unwrap()],
            )
            .unwrap();
        let welcome = out.welcome.unwrap();
        let mut new_a = alice2.join_reinit(&welcome, None, &groups[0]).unwrap();
        let new_c = carol2.join_reinit(&welcome, None, &groups[2]).unwrap();
        for group in [&new_a, &new_b, &new_c] {
            assert_eq!(group.group_id(), b"new group");
            assert_eq!(group.cipher_suite(), new_suite);
            assert_eq!(group.epoch(), 1);
            assert_eq!(group.member_count(), 3);
            assert_eq!(group.epoch_authenticator(), new_b.epoch_authenticator());
        }
        let message = new_a.encrypt_application_message(b"fresh start").unwrap();
        assert!(matches!(
            new_b.process_message(&message).unwrap(),
            ProcessedMessage::Application { data, .. } if data == b"fresh start"
        ));
        // A frozen group survives a save and load, still frozen.
        let saved = groups[2].save().unwrap();
        let operations = provider.suite(suite).unwrap();
        let loaded = Group::load(
            provider.clone(),
            Arc::from(
                operations
                    .signer(
                        &operations
                            .generate_signature_key_pair()
                            .unwrap()
                            .private_key,
                    )
                    .unwrap(),
            ),
            mls_group::GroupConfig::default(),
            &saved,
        )
        .unwrap();
        assert!(loaded.reinit().is_some());
    });
}

#[test]
fn a_reinit_proposal_committed_by_another_member_freezes_the_group() {
    for_each_suite(&providers(), |provider, suite| {
        let mut groups = three_members(provider, suite);
        let proposal = groups[2]
            .propose_reinit(b"renamed", ProtocolVersion::MLS10, suite, Vec::new())
            .unwrap();
        groups[0].process_message(&proposal).unwrap();
        groups[1].process_message(&proposal).unwrap();
        let out = groups[1].commit(CommitOptions::default()).unwrap();
        groups[1].merge_pending_commit().unwrap();
        groups[0].process_message(&out.commit).unwrap();
        groups[2].process_message(&out.commit).unwrap();
        assert!(groups.iter().all(|g| g.reinit().is_some()));
        // Carol creates the new group in the same suite with her own client.
        let carol2 = client(provider, b"carol", suite);
        let mut alice2 = client(provider, b"alice", suite);
        let mut bob2 = client(provider, b"bob", suite);
        let (new_c, out) = groups[2]
            .reinit_group(
                &carol2,
                &[alice2.key_package().unwrap(), bob2.key_package().unwrap()],
            )
            .unwrap();
        let welcome = out.welcome.unwrap();
        let new_a = alice2.join_reinit(&welcome, None, &groups[0]).unwrap();
        let new_b = bob2.join_reinit(&welcome, None, &groups[1]).unwrap();
        assert_eq!(new_a.epoch_authenticator(), new_c.epoch_authenticator());
        assert_eq!(new_b.epoch_authenticator(), new_c.epoch_authenticator());
        assert_eq!(new_a.group_id(), b"renamed");
    });
}

#[test]
fn a_group_that_was_not_reinitialized_cannot_be_reinitialized_into() {
    for_each_suite(&providers(), |provider, suite| {
        let new_suite = new_suite(provider, suite);
        let groups = three_members(provider, suite);
        let bob2 = client(provider, b"bob", new_suite);
        assert!(matches!(
            groups[1].reinit_group(&bob2, &[]),
            Err(GroupError::NotReinitialized)
        ));
    });
}

#[test]
fn reinit_with_a_client_of_another_suite_is_rejected() {
    for_each_suite(&providers(), |provider, suite| {
        let groups = reinitialized(provider, suite);
        let bob_old_suite = client(provider, b"bob", suite);
        assert!(matches!(
            groups[1].reinit_group(&bob_old_suite, &[]),
            Err(GroupError::CipherSuiteMismatch { .. })
        ));
    });
}

#[test]
fn a_joiner_whose_old_group_is_not_frozen_fails_cleanly() {
    for_each_suite(&providers(), |provider, suite| {
        let new_suite = new_suite(provider, suite);
        let mut groups = three_members(provider, suite);
        let reinit_commit = groups[0]
            .commit_reinit(b"new group", ProtocolVersion::MLS10, new_suite, Vec::new())
            .unwrap()
            .commit;
        groups[0].merge_pending_commit().unwrap();
        groups[1].process_message(&reinit_commit).unwrap();
        // Carol has not processed the ReInit commit.
        let bob2 = client(provider, b"bob", new_suite);
        let mut alice2 = client(provider, b"alice", new_suite);
        let mut carol2 = client(provider, b"carol", new_suite);
        let (new_b, out) = groups[1]
            .reinit_group(
                &bob2,
                &[alice2.key_package().unwrap(), carol2.key_package().unwrap()],
            )
            .unwrap();
        let welcome = out.welcome.unwrap();
        assert!(matches!(
            carol2.join_reinit(&welcome, None, &groups[2]),
            Err(GroupError::UnknownPsk)
        ));
        // Once she has, her key package is still there and the join succeeds.
        groups[2].process_message(&reinit_commit).unwrap();
        let new_c = carol2.join_reinit(&welcome, None, &groups[2]).unwrap();
        let new_a = alice2.join_reinit(&welcome, None, &groups[0]).unwrap();
        assert_eq!(new_a.epoch_authenticator(), new_b.epoch_authenticator());
        assert_eq!(new_c.epoch_authenticator(), new_b.epoch_authenticator());
    });
}

#[test]
fn a_reinit_that_leaves_out_a_member_is_rejected_by_the_joiners() {
    for_each_suite(&providers(), |provider, suite| {
        let new_suite = new_suite(provider, suite);
        let groups = reinitialized(provider, suite);
        let bob2 = client(provider, b"bob", new_suite);
        let mut alice2 = client(provider, b"alice", new_suite);
        let (_, out) = groups[1]
            .reinit_group(&bob2, &[alice2.key_package().unwrap()])
            .unwrap();
        assert!(matches!(
            alice2.join_reinit(&out.welcome.unwrap(), None, &groups[0]),
            Err(GroupError::ResumptionMismatch(_))
        ));
    });
}

#[test]
fn branch_end_to_end() {
    for_each_suite(&providers(), |provider, suite| {
        let mut groups = three_members(provider, suite);
        let mut bob = client(provider, b"bob", suite);
        // The branch's joiners must be members of the parent: Bob's new client has his identity.
        let (mut sub_a, out) = groups[0]
            .branch(b"subgroup", &[bob.key_package().unwrap()])
            .unwrap();
        let mut sub_b = bob
            .join_branch(&out.welcome.unwrap(), None, &groups[1])
            .unwrap();
        assert_eq!(sub_a.epoch_authenticator(), sub_b.epoch_authenticator());
        assert_eq!(sub_b.group_id(), b"subgroup");
        assert_eq!(sub_b.epoch(), 1);
        assert_eq!(sub_b.member_count(), 2);
        let message = sub_b.encrypt_application_message(b"just us").unwrap();
        assert!(matches!(
            sub_a.process_message(&message).unwrap(),
            ProcessedMessage::Application { data, .. } if data == b"just us"
        ));
        // The parent group goes on.
        let out = groups[2].self_update().unwrap();
        groups[2].merge_pending_commit().unwrap();
        groups[0].process_message(&out.commit).unwrap();
        groups[1].process_message(&out.commit).unwrap();
        assert_eq!(
            groups[0].epoch_authenticator(),
            groups[2].epoch_authenticator()
        );
    });
}

#[test]
fn a_branch_joiner_without_the_psk_fails_cleanly() {
    for_each_suite(&providers(), |provider, suite| {
        let groups = three_members(provider, suite);
        let mut bob = client(provider, b"bob", suite);
        let (sub_a, out) = groups[0]
            .branch(b"subgroup", &[bob.key_package().unwrap()])
            .unwrap();
        let welcome = out.welcome.unwrap();
        // A plain join cannot resolve the branch PSK.
        assert!(matches!(
            bob.join(&welcome, None),
            Err(GroupError::UnknownPsk)
        ));
        // Nor can another group stand in for the parent.
        let other = client(provider, b"bob", suite)
            .create_group(b"other")
            .unwrap();
        assert!(matches!(
            bob.join_branch(&welcome, None, &other),
            Err(GroupError::UnknownPsk)
        ));
        // Nor a reinit join.
        assert!(matches!(
            bob.join_reinit(&welcome, None, &groups[1]),
            Err(GroupError::UnknownPsk)
        ));
        // The key package was not used up: with the parent the join succeeds.
        let sub_b = bob.join_branch(&welcome, None, &groups[1]).unwrap();
        assert_eq!(sub_a.epoch_authenticator(), sub_b.epoch_authenticator());
    });
}

#[test]
fn a_branch_with_a_stranger_is_rejected_by_the_joiners() {
    for_each_suite(&providers(), |provider, suite| {
        let groups = three_members(provider, suite);
        let mut bob = client(provider, b"bob", suite);
        let mut mallory = client(provider, b"mallory", suite);
        let (_, out) = groups[0]
            .branch(
                b"subgroup",
                &[bob.key_package().unwrap(), mallory.key_package().unwrap()],
            )
            .unwrap();
        assert!(matches!(
            bob.join_branch(&out.welcome.unwrap(), None, &groups[1]),
            Err(GroupError::ResumptionMismatch(_))
        ));
    });
}

#[test]
fn reinit_and_branch_psks_are_rejected_in_ordinary_commits() {
    for_each_suite(&providers(), |provider, suite| {
        let mut groups = three_members(provider, suite);
        let id = mls_codec::PreSharedKeyId {
            psk: mls_codec::Psk::Resumption {
                usage: ResumptionPskUsage::Branch,
                psk_group_id: mls_codec::VarBytes::from(&b"old group"[..]),
                psk_epoch: groups[0].epoch(),
            },
            psk_nonce: mls_codec::VarBytes(vec![0; provider.suite(suite).unwrap().hash_len()]),
        };
        let result = groups[0].commit(CommitOptions::default().with_proposals(vec![
            mls_codec::Proposal::PreSharedKey(mls_codec::PreSharedKey { psk: id }),
        ]));
        assert!(matches!(
            result,
            Err(GroupError::Proposal(
                mls_group::ProposalError::InvalidPskUsage { .. }
            ))
        ));
        assert!(!groups[0].has_pending_commit());
    });
}
