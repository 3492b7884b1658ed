//! Proposals sent on their own and committed by reference by another member (§12.1, §12.4).
#![expect(
    clippy::unwrap_used,
    reason = "a test fails by panicking, helpers included"
)]

mod common;

use std::sync::Arc;

use mls_codec::CipherSuite;
use mls_crypto::test_support::for_each_suite;
use mls_crypto::{CryptoProvider, Secret};
use mls_group::{Client, CommitOptions, Group, ProcessedMessage};

use common::providers;

/// Alice, Bob and Carol in one group.
fn three_members(provider: &Arc<dyn CryptoProvider>, suite: CipherSuite) -> (Vec<Group>, Client) {
    let alice = Client::new(provider.clone(), suite, b"alice").unwrap();
    let mut bob = Client::new(provider.clone(), suite, b"bob").unwrap();
    let mut carol = Client::new(provider.clone(), suite, b"carol").unwrap();
    let dave = Client::new(provider.clone(), suite, b"dave").unwrap();
    let mut a = alice.create_group(b"proposals").unwrap();
    let out = a
        .add_members(&[bob.key_package().unwrap(), carol.key_package().unwrap()])
        .unwrap();
    a.merge_pending_commit().unwrap();
    let welcome = out.welcome.unwrap();
    let b = bob.join(&welcome, None).unwrap();
    let c = carol.join(&welcome, None).unwrap();
    (vec![a, b, c], dave)
}

/// Delivers `message` from member `from` to every other member.
fn deliver(groups: &mut [Group], from: usize, message: &[u8]) {
    for (i, group) in groups.iter_mut().enumerate() {
        if i != from {
            group.process_message(message).unwrap();
        }
    }
}

/// Member `committer` commits what it has received; everyone else processes the commit.
fn commit_all(groups: &mut [Group], committer: usize) {
    let out = groups[committer].commit(CommitOptions::default()).unwrap();
    groups[committer].merge_pending_commit().unwrap();
    deliver(groups, committer, &out.commit);
    let first = groups[0].epoch_authenticator().to_vec();
    assert!(groups.iter().all(|g| g.epoch_authenticator() == first));
}

#[test]
fn an_update_proposal_is_committed_by_another_member() {
    for_each_suite(&providers(), |provider, suite| {
        let (mut groups, _) = three_members(provider, suite);
        let before = groups[1].members()[1].clone();
        let proposal = groups[1].propose_update().unwrap();
        deliver(&mut groups, 1, &proposal);
        commit_all(&mut groups, 0);
        assert_eq!(groups[0].members()[1].credential, before.credential);
        // Bob still reads and sends messages with his new leaf key.
        let message = groups[1]
            .encrypt_application_message(b"after update")
            .unwrap();
        deliver(&mut groups, 1, &message);
        let update = groups[1].self_update().unwrap();
        groups[1].merge_pending_commit().unwrap();
        deliver(&mut groups, 1, &update.commit);
    });
}

#[test]
fn add_and_remove_proposals_are_committed_by_reference() {
    for_each_suite(&providers(), |provider, suite| {
        let (mut groups, mut dave) = three_members(provider, suite);
        let carol = groups[2].own_leaf();
        let remove = groups[1].propose_remove(carol).unwrap();
        deliver(&mut groups, 1, &remove);
        let add = groups[2].propose_add(&dave.key_package().unwrap()).unwrap();
        for (i, group) in groups.iter_mut().enumerate() {
            if i != 2 {
                match group.process_message(&add).unwrap() {
                    ProcessedMessage::Proposal { .. } => {}
                    other => panic!("expected a proposal, got {other:?}"),
                }
            }
        }
        let out = groups[0].commit(CommitOptions::default()).unwrap();
        groups[0].merge_pending_commit().unwrap();
        groups[1].process_message(&out.commit).unwrap();
        assert!(
            matches!(
                groups[2].process_message(&out.commit),
                Ok(ProcessedMessage::Removed { .. })
            ),
            "carol is removed"
        );
        let dave_group = dave.join(&out.welcome.unwrap(), None).unwrap();
        assert_eq!(
            dave_group.epoch_authenticator(),
            groups[0].epoch_authenticator()
        );
        assert_eq!(groups[0].member_count(), 3);
    });
}

#[test]
fn an_external_psk_proposal_is_committed() {
    for_each_suite(&providers(), |provider, suite| {
        let (mut groups, _) = three_members(provider, suite);
        for group in &mut groups {
            group.add_external_psk(b"shared psk", Secret::new(vec![7; 32]));
        }
        let proposal = groups[2].propose_external_psk(b"shared psk").unwrap();
        deliver(&mut groups, 2, &proposal);
        commit_all(&mut groups, 1);
    });
}

#[test]
fn a_replayed_or_echoed_proposal_is_rejected_and_commits_still_work() {
    for_each_suite(&providers(), |provider, suite| {
        let mut alice = Client::new(provider.clone(), suite, b"alice").unwrap();
        alice.set_config(
            mls_group::GroupConfig::default()
                .with_handshake_wire_format(mls_codec::WireFormat::MLS_PUBLIC_MESSAGE),
        );
        let mut bob = Client::new(provider.clone(), suite, b"bob").unwrap();
        let mut carol = Client::new(provider.clone(), suite, b"carol").unwrap();
        let mut a = alice.create_group(b"replay").unwrap();
        let out = a
            .add_members(&[bob.key_package().unwrap(), carol.key_package().unwrap()])
            .unwrap();
        a.merge_pending_commit().unwrap();
        let welcome = out.welcome.unwrap();
        let mut b = bob.join(&welcome, None).unwrap();
        let mut c = carol.join(&welcome, None).unwrap();

        let proposal = a.propose_remove(c.own_leaf()).unwrap();
        b.process_message(&proposal).unwrap();
        let before = b.save().unwrap();
        assert!(matches!(
            b.process_message(&proposal),
            Err(mls_group::GroupError::DuplicateProposal)
        ));
        assert_eq!(*b.save().unwrap(), *before);
        assert!(matches!(
            a.process_message(&proposal),
            Err(mls_group::GroupError::DuplicateProposal)
        ));
        c.process_message(&proposal).unwrap();

        let commit = b.commit(CommitOptions::default()).unwrap();
        b.merge_pending_commit().unwrap();
        a.process_message(&commit.commit).unwrap();
        assert_eq!(a.epoch_authenticator(), b.epoch_authenticator());
        assert_eq!(a.member_count(), 2);
    });
}
