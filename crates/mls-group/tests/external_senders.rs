//! Proposals from outside the group (RFC 9420 §12.1.8): external senders listed in the
//! `external_senders` extension (§12.1.8.1) and `new_member_proposal` senders (§6).
#![expect(
    clippy::unwrap_used,
    reason = "a test fails by panicking, helpers included"
)]

mod common;

use std::sync::Arc;

use mls_codec::{CipherSuite, Sender};
use mls_crypto::CryptoProvider;
use mls_crypto::test_support::for_each_suite;
use mls_group::{
    Client, CommitOptions, ExternalProposer, Group, GroupError, ProcessedMessage,
    external_senders_extension,
};
use mls_tree::LeafIndex;

use common::providers;

/// Alice, Bob and Carol in a group whose `external_senders` extension lists `proposer`.
fn group_with(
    provider: &Arc<dyn CryptoProvider>,
    suite: CipherSuite,
    proposer: &ExternalProposer,
) -> Vec<Group> {
    let alice = Client::new(provider.clone(), suite, b"alice").unwrap();
    let mut bob = Client::new(provider.clone(), suite, b"bob").unwrap();
    let mut carol = Client::new(provider.clone(), suite, b"carol").unwrap();
    let extension = external_senders_extension(&[proposer.external_sender()]).unwrap();
    let mut a = alice
        .create_group_with_extensions(b"external", vec![extension])
        .unwrap();
    let out = a
        .add_members(&[bob.key_package().unwrap(), carol.key_package().unwrap()])
        .unwrap();
    a.merge_pending_commit().unwrap();
    let welcome = out.welcome.unwrap();
    let b = bob.join(&welcome, None).unwrap();
    let c = carol.join(&welcome, None).unwrap();
    assert_eq!(
        b.external_senders().unwrap(),
        vec![proposer.external_sender()]
    );
    vec![a, b, c]
}

fn proposer(
    provider: &Arc<dyn CryptoProvider>,
    suite: CipherSuite,
    identity: &[u8],
) -> ExternalProposer {
    ExternalProposer::new(provider.clone(), suite, identity).unwrap()
}

#[test]
fn a_remove_by_an_external_sender_is_committed_by_a_member() {
    for_each_suite(&providers(), |provider, suite| {
        let ds = proposer(provider, suite, b"delivery service");
        let mut groups = group_with(provider, suite, &ds);
        let (id, epoch) = (groups[0].group_id().to_vec(), groups[0].epoch());
        let proposal = ds.propose_remove(&id, epoch, 0, LeafIndex(2)).unwrap();
        for group in &mut groups {
            match group.process_message(&proposal).unwrap() {
                ProcessedMessage::Proposal { sender, .. } => {
                    assert_eq!(sender, Sender::External(0))
                }
                other => panic!("unexpected {other:?}"),
            }
        }
        // Bob commits the cached proposal by reference.
        let out = groups[1].commit(CommitOptions::default()).unwrap();
        groups[1].merge_pending_commit().unwrap();
        groups[0].process_message(&out.commit).unwrap();
        assert!(matches!(
            groups[2].process_message(&out.commit),
            Ok(ProcessedMessage::Removed { .. })
        ));
        assert_eq!(
            groups[0].epoch_authenticator(),
            groups[1].epoch_authenticator()
        );
        assert_eq!(groups[0].member_count(), 2);
        assert_eq!(groups[1].epoch(), epoch + 1);
    });
}

#[test]
fn an_add_by_an_external_sender_is_committed_by_a_member() {
    for_each_suite(&providers(), |provider, suite| {
        let ds = proposer(provider, suite, b"delivery service");
        let mut groups = group_with(provider, suite, &ds);
        let mut dave = Client::new(provider.clone(), suite, b"dave").unwrap();
        let (id, epoch) = (groups[0].group_id().to_vec(), groups[0].epoch());
        let proposal = ds
            .propose_add(&id, epoch, 0, &dave.key_package().unwrap())
            .unwrap();
        for group in &mut groups {
            group.process_message(&proposal).unwrap();
        }
        let out = groups[2].commit(CommitOptions::default()).unwrap();
        groups[2].merge_pending_commit().unwrap();
        groups[0].process_message(&out.commit).unwrap();
        groups[1].process_message(&out.commit).unwrap();
        let d = dave.join(&out.welcome.unwrap(), None).unwrap();
        for group in &groups {
            assert_eq!(group.epoch_authenticator(), d.epoch_authenticator());
        }
        assert_eq!(d.member_count(), 4);
    });
}

#[test]
fn a_new_member_proposal_adds_its_sender() {
    for_each_suite(&providers(), |provider, suite| {
        let ds = proposer(provider, suite, b"delivery service");
        let mut groups = group_with(provider, suite, &ds);
        let mut dave = Client::new(provider.clone(), suite, b"dave").unwrap();
        let (id, epoch) = (groups[0].group_id().to_vec(), groups[0].epoch());
        let proposal = dave.propose_self_add(&id, epoch).unwrap();
        for group in &mut groups {
            match group.process_message(&proposal).unwrap() {
                ProcessedMessage::Proposal { sender, .. } => {
                    assert_eq!(sender, Sender::NewMemberProposal);
                }
                other => panic!("unexpected {other:?}"),
            }
        }
        let out = groups[0].commit(CommitOptions::default()).unwrap();
        groups[0].merge_pending_commit().unwrap();
        groups[1].process_message(&out.commit).unwrap();
        groups[2].process_message(&out.commit).unwrap();
        let mut d = dave.join(&out.welcome.unwrap(), None).unwrap();
        for group in &groups {
            assert_eq!(group.epoch_authenticator(), d.epoch_authenticator());
        }
        // Dave is a full member: he sends, the others read.
        let message = d.encrypt_application_message(b"hi").unwrap();
        assert!(matches!(
            groups[1].process_message(&message).unwrap(),
            ProcessedMessage::Application { data, .. } if data == b"hi"
        ));
    });
}

#[test]
fn a_new_member_proposal_needs_no_external_senders_extension() {
    for_each_suite(&providers(), |provider, suite| {
        let alice = Client::new(provider.clone(), suite, b"alice").unwrap();
        let mut dave = Client::new(provider.clone(), suite, b"dave").unwrap();
        let mut a = alice.create_group(b"plain").unwrap();
        let proposal = dave.propose_self_add(b"plain", 0).unwrap();
        a.process_message(&proposal).unwrap();
        let out = a.commit(CommitOptions::default()).unwrap();
        a.merge_pending_commit().unwrap();
        let d = dave.join(&out.welcome.unwrap(), None).unwrap();
        assert_eq!(a.epoch_authenticator(), d.epoch_authenticator());
    });
}

#[test]
fn a_bad_external_signature_is_rejected_and_changes_nothing() {
    for_each_suite(&providers(), |provider, suite| {
        let ds = proposer(provider, suite, b"delivery service");
        let impostor = proposer(provider, suite, b"delivery service");
        let mut groups = group_with(provider, suite, &ds);
        let (id, epoch) = (groups[0].group_id().to_vec(), groups[0].epoch());
        let before = groups[0].save().unwrap();
        let proposal = impostor
            .propose_remove(&id, epoch, 0, LeafIndex(1))
            .unwrap();
        assert!(matches!(
            groups[0].process_message(&proposal),
            Err(GroupError::Framing(
                mls_framing::FramingError::InvalidSignature
            ))
        ));
        assert_eq!(*groups[0].save().unwrap(), *before);
        // The genuine sender's proposal is still accepted.
        let proposal = ds.propose_remove(&id, epoch, 0, LeafIndex(1)).unwrap();
        groups[0].process_message(&proposal).unwrap();
    });
}

#[test]
fn an_unknown_external_sender_index_is_rejected_and_changes_nothing() {
    for_each_suite(&providers(), |provider, suite| {
        let ds = proposer(provider, suite, b"delivery service");
        let mut groups = group_with(provider, suite, &ds);
        let (id, epoch) = (groups[0].group_id().to_vec(), groups[0].epoch());
        let before = groups[1].save().unwrap();
        let proposal = ds.propose_remove(&id, epoch, 1, LeafIndex(2)).unwrap();
        assert!(matches!(
            groups[1].process_message(&proposal),
            Err(GroupError::UnknownExternalSender { index: 1 })
        ));
        assert_eq!(*groups[1].save().unwrap(), *before);
    });
}

#[test]
fn a_group_without_external_senders_rejects_external_proposals() {
    for_each_suite(&providers(), |provider, suite| {
        let alice = Client::new(provider.clone(), suite, b"alice").unwrap();
        let mut a = alice.create_group(b"closed").unwrap();
        let ds = proposer(provider, suite, b"delivery service");
        let before = a.save().unwrap();
        let proposal = ds.propose_remove(b"closed", 0, 0, LeafIndex(0)).unwrap();
        assert!(matches!(
            a.process_message(&proposal),
            Err(GroupError::UnknownExternalSender { index: 0 })
        ));
        assert_eq!(*a.save().unwrap(), *before);
    });
}

#[test]
fn an_external_proposal_for_another_epoch_is_rejected() {
    for_each_suite(&providers(), |provider, suite| {
        let ds = proposer(provider, suite, b"delivery service");
        let mut groups = group_with(provider, suite, &ds);
        let id = groups[0].group_id().to_vec();
        let proposal = ds.propose_remove(&id, 0, 0, LeafIndex(2)).unwrap();
        assert!(matches!(
            groups[0].process_message(&proposal),
            Err(GroupError::WrongEpoch { .. })
        ));
    });
}

#[test]
fn external_senders_can_be_added_by_a_group_context_extensions_commit() {
    for_each_suite(&providers(), |provider, suite| {
        let alice = Client::new(provider.clone(), suite, b"alice").unwrap();
        let mut bob = Client::new(provider.clone(), suite, b"bob").unwrap();
        let mut a = alice.create_group(b"later").unwrap();
        let out = a.add_members(&[bob.key_package().unwrap()]).unwrap();
        a.merge_pending_commit().unwrap();
        let mut b = bob.join(&out.welcome.unwrap(), None).unwrap();
        let ds = proposer(provider, suite, b"delivery service");
        let extension = external_senders_extension(&[ds.external_sender()]).unwrap();
        let out = a
            .commit(CommitOptions::default().with_proposals(vec![
                mls_codec::Proposal::GroupContextExtensions(mls_codec::GroupContextExtensions {
                    extensions: vec![extension],
                }),
            ]))
            .unwrap();
        a.merge_pending_commit().unwrap();
        b.process_message(&out.commit).unwrap();
        let proposal = ds
            .propose_remove(a.group_id(), a.epoch(), 0, LeafIndex(1))
            .unwrap();
        a.process_message(&proposal).unwrap();
        b.process_message(&proposal).unwrap();
        a.commit(CommitOptions::default()).unwrap();
        a.merge_pending_commit().unwrap();
        assert_eq!(a.member_count(), 1);
    });
}
