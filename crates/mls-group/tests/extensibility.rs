//! Extensibility (RFC 9420 §5.3.3, §13): application ids in leaf nodes, last-resort key
//! packages, and proposals of custom types.
#![expect(
    clippy::unwrap_used,
    reason = "a test fails by panicking, helpers included"
)]

mod common;

use std::sync::Arc;

use mls_codec::{
    CipherSuite, Decode, ExtensionType, MlsMessage, MlsMessageBody, Proposal, ProposalType, Sender,
    VarBytes,
};
use mls_crypto::CryptoProvider;
use mls_crypto::test_support::for_each_suite;
use mls_group::{Client, CommitOptions, Group, GroupError, ProcessedMessage, ProposalError};
use mls_tree::LeafIndex;

use common::providers;

const CUSTOM: ProposalType = ProposalType(0xf00d);

fn client(provider: &Arc<dyn CryptoProvider>, suite: CipherSuite, identity: &[u8]) -> Client {
    Client::new(provider.clone(), suite, identity).unwrap()
}

fn application_ids(group: &Group) -> Vec<Option<Vec<u8>>> {
    group
        .members()
        .into_iter()
        .map(|member| member.application_id)
        .collect()
}

/// Alice creates a group and adds the others from their key packages.
fn group_of(alice: &Client, others: &mut [Client]) -> Vec<Group> {
    let mut a = alice.create_group(b"extensible").unwrap();
    let key_packages: Vec<Vec<u8>> = others
        .iter_mut()
        .map(|c| c.key_package().unwrap())
        .collect();
    let out = a.add_members(&key_packages).unwrap();
    a.merge_pending_commit().unwrap();
    let welcome = out.welcome.unwrap();
    let mut groups = vec![a];
    for other in others {
        groups.push(other.join(&welcome, None).unwrap());
    }
    groups
}

fn assert_agree(groups: &[Group]) {
    for group in &groups[1..] {
        assert_eq!(group.epoch(), groups[0].epoch());
        assert_eq!(group.epoch_authenticator(), groups[0].epoch_authenticator());
    }
}

#[test]
fn application_ids_are_visible_after_join_and_self_update() {
    for_each_suite(&providers(), |provider, suite| {
        let mut alice = client(provider, suite, b"alice");
        alice.set_application_id(Some(b"alice's phone".to_vec()));
        assert_eq!(alice.application_id(), Some(&b"alice's phone"[..]));
        let mut bob = client(provider, suite, b"bob");
        bob.set_application_id(Some(b"bob's laptop".to_vec()));
        let mut others = [bob, client(provider, suite, b"carol")];
        let mut groups = group_of(&alice, &mut others);
        let expected = vec![
            Some(b"alice's phone".to_vec()),
            Some(b"bob's laptop".to_vec()),
            None,
        ];
        for group in &groups {
            assert_eq!(application_ids(group), expected);
        }

        // Bob commits a self-update (a new leaf node through the UpdatePath): his id stays.
        let out = groups[1].self_update().unwrap();
        groups[1].merge_pending_commit().unwrap();
        groups[0].process_message(&out.commit).unwrap();
        groups[2].process_message(&out.commit).unwrap();
        assert_agree(&groups);
        for group in &groups {
            assert_eq!(application_ids(group), expected);
        }

        // Alice proposes an Update (a new leaf node by proposal), Carol commits it: it stays.
        let proposal = groups[0].propose_update().unwrap();
        for group in &mut groups[1..] {
            group.process_message(&proposal).unwrap();
        }
        let out = groups[2].commit(CommitOptions::default()).unwrap();
        groups[2].merge_pending_commit().unwrap();
        groups[0].process_message(&out.commit).unwrap();
        groups[1].process_message(&out.commit).unwrap();
        assert_agree(&groups);
        for group in &groups {
            assert_eq!(application_ids(group), expected);
        }
    });
}

#[test]
fn a_last_resort_key_package_joins_several_groups() {
    for_each_suite(&providers(), |provider, suite| {
        let mut dave = client(provider, suite, b"dave");
        let last_resort = dave.last_resort_key_package().unwrap();
        let MlsMessageBody::KeyPackage(key_package) =
            MlsMessage::from_bytes(&last_resort).unwrap().body
        else {
            panic!("not a key package")
        };
        assert!(key_package.extensions.iter().any(|extension| {
            extension.extension_type == ExtensionType::LAST_RESORT
                && extension.extension_data.is_empty()
        }));
        // A non-default extension type, listed in the capabilities (RFC 9420 §10).
        assert!(
            key_package
                .leaf_node
                .capabilities
                .extensions
                .contains(&ExtensionType::LAST_RESORT)
        );

        let mut joined = Vec::new();
        for (creator, group_id) in [(b"alice", b"first"), (b"bobby", b"other")] {
            let creator = client(provider, suite, creator);
            let mut group = creator.create_group(group_id).unwrap();
            let out = group
                .add_members(std::slice::from_ref(&last_resort))
                .unwrap();
            group.merge_pending_commit().unwrap();
            let dave_group = dave.join(&out.welcome.unwrap(), None).unwrap();
            assert_eq!(
                dave_group.epoch_authenticator(),
                group.epoch_authenticator()
            );
            joined.push(dave_group);
        }
        assert_eq!(joined[0].group_id(), b"first");
        assert_eq!(joined[1].group_id(), b"other");

        // An ordinary key package is used up by its join.
        let ordinary = dave.key_package().unwrap();
        let erin = client(provider, suite, b"erin");
        let mut group = erin.create_group(b"third").unwrap();
        let out = group.add_members(std::slice::from_ref(&ordinary)).unwrap();
        group.merge_pending_commit().unwrap();
        let welcome = out.welcome.unwrap();
        dave.join(&welcome, None).unwrap();
        assert!(matches!(
            dave.join(&welcome, None),
            Err(GroupError::NoMatchingKeyPackage)
        ));
        // The last-resort one can be forgotten explicitly.
        assert!(dave.forget_key_package(&last_resort).unwrap());
        assert!(!dave.forget_key_package(&last_resort).unwrap());
    });
}

fn supporting(provider: &Arc<dyn CryptoProvider>, suite: CipherSuite, identity: &[u8]) -> Client {
    let mut client = client(provider, suite, identity);
    client.set_custom_proposal_types(vec![CUSTOM]);
    client
}

#[test]
fn a_custom_proposal_supported_by_all_is_committed_by_reference() {
    for_each_suite(&providers(), |provider, suite| {
        let alice = supporting(provider, suite, b"alice");
        let mut others = [
            supporting(provider, suite, b"bob"),
            supporting(provider, suite, b"carol"),
        ];
        let mut groups = group_of(&alice, &mut others);
        for group in &groups {
            for member in group.members() {
                assert_eq!(member.application_id, None);
            }
        }

        let proposal = groups[1]
            .propose_custom(CUSTOM, b"pin message 7".to_vec())
            .unwrap();
        let expected = Proposal::Custom {
            proposal_type: CUSTOM,
            data: VarBytes::from(b"pin message 7"),
        };
        for leaf in [0, 2] {
            match groups[leaf].process_message(&proposal).unwrap() {
                ProcessedMessage::Proposal {
                    sender, proposal, ..
                } => {
                    assert_eq!(sender, Sender::Member(LeafIndex(1)));
                    assert_eq!(*proposal, expected);
                }
                other => panic!("unexpected {other:?}"),
            }
        }

        // Carol commits it by reference; everyone gets it with the commit.
        let epoch = groups[0].epoch();
        let out = groups[2].commit(CommitOptions::default()).unwrap();
        groups[2].merge_pending_commit().unwrap();
        for leaf in [0, 1] {
            match groups[leaf].process_message(&out.commit).unwrap() {
                ProcessedMessage::Commit {
                    sender,
                    epoch: new_epoch,
                    custom_proposals,
                    ..
                } => {
                    assert_eq!(sender, LeafIndex(2));
                    assert_eq!(new_epoch, epoch + 1);
                    assert_eq!(
                        custom_proposals,
                        vec![(Sender::Member(LeafIndex(1)), expected.clone())]
                    );
                }
                other => panic!("unexpected {other:?}"),
            }
        }
        assert_agree(&groups);

        // By value too.
        let out = groups[0]
            .commit(CommitOptions::default().with_proposals(vec![expected.clone()]))
            .unwrap();
        groups[0].merge_pending_commit().unwrap();
        for group in &mut groups[1..] {
            match group.process_message(&out.commit).unwrap() {
                ProcessedMessage::Commit {
                    custom_proposals, ..
                } => assert_eq!(
                    custom_proposals,
                    vec![(Sender::Member(LeafIndex(0)), expected.clone())]
                ),
                other => panic!("unexpected {other:?}"),
            }
        }
        assert_agree(&groups);
    });
}

#[test]
fn a_custom_proposal_not_supported_by_a_member_is_rejected() {
    for_each_suite(&providers(), |provider, suite| {
        let alice = supporting(provider, suite, b"alice");
        let mut others = [
            supporting(provider, suite, b"bob"),
            client(provider, suite, b"carol"),
        ];
        let mut groups = group_of(&alice, &mut others);
        let before = groups[0].save().unwrap();

        // Alice cannot propose it: Carol does not support it.
        let error = groups[0].propose_custom(CUSTOM, b"x".to_vec()).unwrap_err();
        assert!(
            matches!(
                error,
                GroupError::Proposal(ProposalError::UnsupportedProposalType {
                    proposal_type: CUSTOM,
                    leaf: LeafIndex(2),
                })
            ),
            "{error:?}"
        );
        // Nor commit it by value.
        let error = groups[0]
            .commit(
                CommitOptions::default().with_proposals(vec![Proposal::Custom {
                    proposal_type: CUSTOM,
                    data: VarBytes::from(b"x"),
                }]),
            )
            .unwrap_err();
        assert!(
            matches!(
                error,
                GroupError::Proposal(ProposalError::UnsupportedProposalType { .. })
            ),
            "{error:?}"
        );
        assert_eq!(*groups[0].save().unwrap(), *before);
        assert!(!groups[0].has_pending_commit());

        // A default type is not a custom one.
        assert!(matches!(
            groups[0].propose_custom(ProposalType::REMOVE, vec![]),
            Err(GroupError::NotACustomProposalType(ProposalType::REMOVE))
        ));

        // The group still works.
        let out = groups[1].self_update().unwrap();
        groups[1].merge_pending_commit().unwrap();
        groups[0].process_message(&out.commit).unwrap();
        groups[2].process_message(&out.commit).unwrap();
        assert_agree(&groups);
    });
}
