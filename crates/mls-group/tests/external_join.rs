//! Joining by external commit (RFC 9420 §12.4.3.2, §8.3, §12.1.6): a GroupInfo with the
//! `external_pub` extension, the joiner's commit with its ExternalInit and path, resync, and
//! the rejections of §12.2 and §12.4.2, each leaving the members' saved state unchanged.
#![expect(
    clippy::unwrap_used,
    reason = "a test fails by panicking, helpers included"
)]

mod common;

use std::sync::Arc;

use mls_codec::{
    Commit, Decode, Encode, ExtensionType, ExternalInit, GroupContextExtensions, MlsMessage,
    MlsMessageBody, Proposal, ProposalOrRef, Remove, VarBytes, WireFormat,
};
use mls_crypto::test_support::for_each_suite;
use mls_crypto::{CipherSuite, CipherSuiteProvider, CryptoProvider, SignatureKeyPair, Signer};
use mls_group::{Client, Grease, Group, GroupConfig, GroupError, ProcessedMessage, ProposalError};
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

/// Alice creates a group and adds Bob and Carol by Welcome.
fn three_members(
    provider: &Arc<dyn CryptoProvider>,
    suite: CipherSuite,
) -> (Vec<Group>, SignatureKeyPair) {
    let (alice, alice_keys) = client(provider, suite, "alice");
    let (mut bob, _) = client(provider, suite, "bob");
    let (mut carol, _) = client(provider, suite, "carol");
    let mut alice_group = alice.create_group(b"external").unwrap();
    let added = alice_group
        .add_members(&[bob.key_package().unwrap(), carol.key_package().unwrap()])
        .unwrap();
    alice_group.merge_pending_commit().unwrap();
    let welcome = added.welcome.unwrap();
    let bob_group = bob.join(&welcome, None).unwrap();
    let carol_group = carol.join(&welcome, None).unwrap();
    (vec![alice_group, bob_group, carol_group], alice_keys)
}

/// Every group agrees on the epoch and its authenticator, and each one's message reaches all
/// the others.
fn assert_agree_and_talk(groups: &mut [Group]) {
    for group in groups.iter() {
        assert_eq!(group.epoch(), groups[0].epoch());
        assert_eq!(group.epoch_authenticator(), groups[0].epoch_authenticator());
        assert_eq!(group.tree_hash(), groups[0].tree_hash());
        assert_eq!(group.members(), groups[0].members());
    }
    for sender in 0..groups.len() {
        let text = format!("hello from {sender}");
        let message = groups[sender]
            .encrypt_application_message(text.as_bytes())
            .unwrap();
        for (receiver, group) in groups.iter_mut().enumerate() {
            if receiver == sender {
                continue;
            }
            match group.process_message(&message).unwrap() {
                ProcessedMessage::Application { data, .. } => assert_eq!(data, text.as_bytes()),
                other => panic!("unexpected {other:?}"),
            }
        }
    }
}

fn signer(
    provider: &Arc<dyn CryptoProvider>,
    suite: CipherSuite,
    keys: &SignatureKeyPair,
) -> Box<dyn Signer> {
    provider
        .suite(suite)
        .and_then(|suite| suite.signer(&keys.private_key))
        .unwrap()
}

/// Re-signs an external commit (a PublicMessage MLSMessage) after `edit` changed its proposals,
/// with the joiner's key, so that only the edit is wrong. The confirmation tag is kept.
fn edit_commit(
    commit: &[u8],
    joiner: &dyn Signer,
    group: &Group,
    edit: impl FnOnce(&mut Commit),
) -> Vec<u8> {
    let MlsMessage {
        version,
        body: MlsMessageBody::PublicMessage(mut message),
    } = MlsMessage::from_bytes(commit).unwrap()
    else {
        panic!("an external commit is a PublicMessage");
    };
    let mls_codec::FramedContentBody::Commit(inner) = &mut message.content.content else {
        panic!("a commit");
    };
    edit(inner);
    let context = group.group_context().to_bytes().unwrap();
    message.auth.signature = VarBytes(
        mls_framing::sign_content(
            joiner,
            WireFormat::MLS_PUBLIC_MESSAGE,
            &message.content,
            &context,
        )
        .unwrap(),
    );
    MlsMessage {
        version,
        body: MlsMessageBody::PublicMessage(message),
    }
    .to_bytes()
    .unwrap()
}

/// Processing `commit` fails as `check` expects, and every member's saved state is unchanged.
fn assert_rejected(groups: &mut [Group], commit: &[u8], check: impl Fn(&GroupError) -> bool) {
    for group in groups.iter_mut() {
        let before = group.save().unwrap();
        let error = group.process_message(commit).unwrap_err();
        assert!(check(&error), "{error:?}");
        assert_eq!(*group.save().unwrap(), *before);
    }
}

#[test]
fn a_non_member_joins_by_external_commit() {
    for_each_suite(&providers(), |provider, suite| {
        let (mut groups, _) = three_members(provider, suite);
        // Carol leaves, so Dave takes the blank leaf 2 (the leftmost blank leaf).
        let removed = groups[0].remove_members(&[LeafIndex(2)]).unwrap();
        groups[0].merge_pending_commit().unwrap();
        groups[1].process_message(&removed.commit).unwrap();
        groups.truncate(2);

        let group_info = groups[1].group_info().unwrap();
        let MlsMessageBody::GroupInfo(info) = MlsMessage::from_bytes(&group_info).unwrap().body
        else {
            panic!("a GroupInfo");
        };
        assert!(
            info.extensions
                .iter()
                .any(|e| e.extension_type == ExtensionType::EXTERNAL_PUB)
        );
        assert_eq!(info.signer, 1);
        assert_eq!(info.group_context.epoch, groups[1].epoch());

        let (mut dave, _) = client(provider, suite, "dave");
        let (dave_group, commit) = dave
            .join_by_external_commit(&group_info, None, None)
            .unwrap();
        assert!(!dave_group.has_pending_commit());
        assert_eq!(dave_group.own_leaf(), LeafIndex(2));
        assert_eq!(dave_group.epoch(), groups[0].epoch() + 1);
        for group in groups.iter_mut() {
            match group.process_message(&commit).unwrap() {
                ProcessedMessage::Commit { sender, epoch, .. } => {
                    assert_eq!(sender, LeafIndex(2));
                    assert_eq!(epoch, dave_group.epoch());
                }
                other => panic!("unexpected {other:?}"),
            }
        }
        groups.push(dave_group);
        assert_agree_and_talk(&mut groups);

        // The group goes on: a regular commit from the new member, then another external join,
        // this time with the tree given out of band.
        let update = groups[2].self_update().unwrap();
        groups[2].merge_pending_commit().unwrap();
        groups[0].process_message(&update.commit).unwrap();
        groups[1].process_message(&update.commit).unwrap();
        let saved = groups[0].save().unwrap();
        let (mut erin, _) = client(provider, suite, "erin");
        // The tree may also be given out of band (here on top of the extension).
        let group_info = groups[0].group_info().unwrap();
        let tree = groups[0].ratchet_tree().unwrap();
        let (erin_group, commit) = erin
            .join_by_external_commit(&group_info, Some(&tree), None)
            .unwrap();
        assert_eq!(erin_group.own_leaf(), LeafIndex(3));
        assert_eq!(
            *groups[0].save().unwrap(),
            *saved,
            "group_info() changes nothing"
        );
        for group in groups.iter_mut() {
            group.process_message(&commit).unwrap();
        }
        groups.push(erin_group);
        assert_agree_and_talk(&mut groups);
    });
}

#[test]
fn the_tree_may_come_out_of_band() {
    for_each_suite(&providers(), |provider, suite| {
        let (mut alice, _) = client(provider, suite, "alice");
        alice.set_config(GroupConfig::default().with_ratchet_tree_extension(false));
        let mut alice_group = alice.create_group(b"no tree").unwrap();
        let group_info = alice_group.group_info().unwrap();
        let MlsMessageBody::GroupInfo(info) = MlsMessage::from_bytes(&group_info).unwrap().body
        else {
            panic!("a GroupInfo");
        };
        assert!(
            !info
                .extensions
                .iter()
                .any(|e| e.extension_type == ExtensionType::RATCHET_TREE)
        );
        let (mut bob, _) = client(provider, suite, "bob");
        assert!(matches!(
            bob.join_by_external_commit(&group_info, None, None),
            Err(GroupError::MissingRatchetTree)
        ));
        let tree = alice_group.ratchet_tree().unwrap();
        let (bob_group, commit) = bob
            .join_by_external_commit(&group_info, Some(&tree), None)
            .unwrap();
        alice_group.process_message(&commit).unwrap();
        assert_agree_and_talk(&mut [alice_group, bob_group]);
    });
}

#[test]
fn a_member_resyncs_by_replacing_its_old_leaf() {
    for_each_suite(&providers(), |provider, suite| {
        let (alice, _) = client(provider, suite, "alice");
        let (mut bob, bob_keys) = client(provider, suite, "bob");
        let (mut carol, _) = client(provider, suite, "carol");
        let mut alice_group = alice.create_group(b"resync").unwrap();
        let added = alice_group
            .add_members(&[bob.key_package().unwrap(), carol.key_package().unwrap()])
            .unwrap();
        alice_group.merge_pending_commit().unwrap();
        let welcome = added.welcome.unwrap();
        let bob_group = bob.join(&welcome, None).unwrap();
        let carol_group = carol.join(&welcome, None).unwrap();
        let bob_leaf = bob_group.own_leaf();
        // Bob loses his state.
        drop(bob_group);
        let mut groups = vec![alice_group, carol_group];

        // Removing someone else is refused already by the joiner.
        let group_info = groups[1].group_info().unwrap();
        assert!(matches!(
            bob.join_by_external_commit(&group_info, None, Some(LeafIndex(0))),
            Err(GroupError::ResyncCredentialMismatch { leaf: LeafIndex(0) })
        ));

        let (bob_group, commit) = bob
            .join_by_external_commit(&group_info, None, Some(bob_leaf))
            .unwrap();
        // Removed, then re-added at the leftmost blank leaf: his old place.
        assert_eq!(bob_group.own_leaf(), bob_leaf);
        for group in groups.iter_mut() {
            group.process_message(&commit).unwrap();
        }
        groups.push(bob_group);
        assert_eq!(groups[0].member_count(), 3);
        assert_agree_and_talk(&mut groups);

        // The members reject a resync that removes someone else (re-signed by Bob, otherwise
        // valid).
        let group_info = groups[0].group_info().unwrap();
        let mut bob_again = Client::with_signature_key(
            provider.clone(),
            suite,
            mls_codec::Credential::Basic {
                identity: b"bob".as_slice().into(),
            },
            &bob_keys.private_key,
        )
        .unwrap();
        let (_, commit) = bob_again
            .join_by_external_commit(&group_info, None, Some(bob_leaf))
            .unwrap();
        let bob_signer = signer(provider, suite, &bob_keys);
        let bad = edit_commit(&commit, &*bob_signer, &groups[0], |commit| {
            for entry in &mut commit.proposals {
                if let ProposalOrRef::Proposal(Proposal::Remove(remove)) = entry {
                    remove.removed = 0;
                }
            }
        });
        let (members, _) = groups.split_at_mut(2);
        // Alice (leaf 0) is removed by it, so only Carol can check the credential rule.
        assert_rejected(&mut members[1..], &bad, |e| {
            matches!(
                e,
                GroupError::ResyncCredentialMismatch { leaf: LeafIndex(0) }
            )
        });
    });
}

#[test]
fn a_tampered_group_info_signature_is_rejected() {
    for_each_suite(&providers(), |provider, suite| {
        let (mut groups, alice_keys) = three_members(provider, suite);
        let group_info = groups[0].group_info().unwrap();
        let MlsMessage {
            version,
            body: MlsMessageBody::GroupInfo(mut info),
        } = MlsMessage::from_bytes(&group_info).unwrap()
        else {
            panic!("a GroupInfo");
        };
        let saved: Vec<_> = groups.iter().map(|g| g.save().unwrap()).collect();
        let (mut dave, _) = client(provider, suite, "dave");

        let mut signature = info.signature.clone().into_vec();
        signature[0] ^= 1;
        info.signature = VarBytes(signature.clone());
        let tampered = MlsMessage {
            version,
            body: MlsMessageBody::GroupInfo(info.clone()),
        }
        .to_bytes()
        .unwrap();
        assert!(matches!(
            dave.join_by_external_commit(&tampered, None, None),
            Err(GroupError::InvalidGroupInfoSignature)
        ));

        // A changed field under a valid-looking signature is rejected too.
        signature[0] ^= 1;
        info.signature = VarBytes(signature);
        info.group_context.epoch += 1;
        let tampered = MlsMessage {
            version,
            body: MlsMessageBody::GroupInfo(info.clone()),
        }
        .to_bytes()
        .unwrap();
        assert!(matches!(
            dave.join_by_external_commit(&tampered, None, None),
            Err(GroupError::InvalidGroupInfoSignature)
        ));

        // Without external_pub (validly signed) there is no external join.
        info.group_context.epoch -= 1;
        let mut tbs = info.to_tbs();
        tbs.extensions
            .retain(|e| e.extension_type != ExtensionType::EXTERNAL_PUB);
        let alice_signer = signer(provider, suite, &alice_keys);
        let without = MlsMessage {
            version,
            body: MlsMessageBody::GroupInfo(
                mls_group::low_level::sign_group_info(&*alice_signer, tbs).unwrap(),
            ),
        }
        .to_bytes()
        .unwrap();
        assert!(matches!(
            dave.join_by_external_commit(&without, None, None),
            Err(GroupError::MissingExternalPub)
        ));
        for (group, saved) in groups.iter_mut().zip(&saved) {
            assert_eq!(*group.save().unwrap(), **saved);
        }
    });
}

/// In every suite, a joiner whose commit is edited (given the suite's operations) and
/// re-signed with its own key: the members reject it.
fn tampered_commits(
    edit: impl Fn(&dyn CipherSuiteProvider, &mut Commit),
    check: impl Fn(&GroupError) -> bool,
) {
    for_each_suite(&providers(), |provider, suite| {
        let (mut groups, _) = three_members(provider, suite);
        let group_info = groups[0].group_info().unwrap();
        let (mut dave, dave_keys) = client(provider, suite, "dave");
        let (_, commit) = dave
            .join_by_external_commit(&group_info, None, None)
            .unwrap();
        let dave_signer = signer(provider, suite, &dave_keys);
        let operations = provider.suite(suite).unwrap();
        let bad = edit_commit(&commit, &*dave_signer, &groups[0], |commit| {
            edit(operations, commit)
        });
        assert_rejected(&mut groups, &bad, &check);
        // The untouched commit still works for everyone afterwards.
        for group in groups.iter_mut() {
            group.process_message(&commit).unwrap();
        }
    });
}

#[test]
fn a_wrong_kem_output_fails_the_confirmation_tag() {
    tampered_commits(
        |suite, commit| {
            // A well-formed encapsulation of the suite's KEM, to another key.
            let other = suite.generate_hpke_key_pair().unwrap();
            let (kem_output, _) = suite
                .hpke_export_sender(&other.public_key, b"", b"MLS 1.0 external init secret", 32)
                .unwrap();
            for entry in &mut commit.proposals {
                if let ProposalOrRef::Proposal(Proposal::ExternalInit(init)) = entry {
                    init.kem_output = VarBytes(kem_output.clone());
                }
            }
        },
        |e| matches!(e, GroupError::InvalidConfirmationTag),
    );
}

#[test]
fn two_external_inits_are_rejected() {
    tampered_commits(
        |_, commit| {
            commit
                .proposals
                .push(ProposalOrRef::Proposal(Proposal::ExternalInit(
                    ExternalInit {
                        kem_output: VarBytes(vec![7; 32]),
                    },
                )))
        },
        |e| {
            matches!(
                e,
                GroupError::Proposal(ProposalError::ExternalCommitMultipleExternalInits)
            )
        },
    );
}

#[test]
fn a_disallowed_proposal_is_rejected() {
    tampered_commits(
        |_, commit| {
            commit
                .proposals
                .push(ProposalOrRef::Proposal(Proposal::GroupContextExtensions(
                    GroupContextExtensions {
                        extensions: Vec::new(),
                    },
                )))
        },
        |e| {
            matches!(
                e,
                GroupError::Proposal(ProposalError::ExternalCommitDisallowedProposal { .. })
            )
        },
    );
}

#[test]
fn two_removes_are_rejected() {
    tampered_commits(
        |_, commit| {
            for removed in [1, 2] {
                commit
                    .proposals
                    .push(ProposalOrRef::Proposal(Proposal::Remove(Remove {
                        removed,
                    })));
            }
        },
        |e| {
            matches!(
                e,
                GroupError::Proposal(ProposalError::ExternalCommitMultipleRemoves)
            )
        },
    );
}

#[test]
fn a_proposal_by_reference_is_rejected() {
    tampered_commits(
        |_, commit| {
            commit
                .proposals
                .push(ProposalOrRef::Reference(VarBytes(vec![1; 32])))
        },
        |e| matches!(e, GroupError::ExternalCommitProposalByReference),
    );
}

#[test]
fn an_external_commit_without_a_path_is_rejected() {
    tampered_commits(
        |_, commit| commit.path = None,
        |e| matches!(e, GroupError::MissingPath),
    );
}

#[test]
fn a_saved_and_loaded_member_publishes_a_valid_group_info() {
    for_each_suite(&providers(), |provider, suite| {
        let (mut alice, alice_keys) = client(provider, suite, "alice");
        let config = GroupConfig::default().with_grease(Grease::Full);
        alice.set_config(config.clone());
        let mut alice_group = alice.create_group(b"reload").unwrap();
        let saved = alice_group.save().unwrap();
        let signer: Arc<dyn Signer> = Arc::from(signer(provider, suite, &alice_keys));
        let loaded = Group::load(provider.clone(), signer, config, &saved).unwrap();
        // With full GREASE, GroupInfos carry a random GREASE extension (§13.5); everything
        // else is the same.
        let essentials = |bytes: Vec<u8>| {
            let message = mls_codec::MlsMessage::from_bytes(&bytes).unwrap();
            let mls_codec::MlsMessageBody::GroupInfo(info) = message.body else {
                panic!("not a GroupInfo");
            };
            assert!(info.extensions.iter().any(|e| e.extension_type.is_grease()));
            (info.group_context, info.confirmation_tag, info.signer)
        };
        assert_eq!(
            essentials(loaded.group_info().unwrap()),
            essentials(alice_group.group_info().unwrap())
        );
        let (mut bob, _) = client(provider, suite, "bob");
        let (bob_group, commit) = bob
            .join_by_external_commit(&loaded.group_info().unwrap(), None, None)
            .unwrap();
        alice_group.process_message(&commit).unwrap();
        assert_agree_and_talk(&mut [alice_group, bob_group]);
    });
}

#[test]
fn external_joins_work_in_every_supported_suite() {
    for_each_suite(&providers(), |provider, suite| {
        let alice = Client::new(provider.clone(), suite, b"alice").unwrap();
        let mut bob = Client::new(provider.clone(), suite, b"bob").unwrap();
        let mut carol = Client::new(provider.clone(), suite, b"carol").unwrap();
        let mut alice_group = alice.create_group(b"suites").unwrap();
        let (bob_group, commit) = bob
            .join_by_external_commit(&alice_group.group_info().unwrap(), None, None)
            .unwrap();
        alice_group.process_message(&commit).unwrap();
        let mut groups = vec![alice_group, bob_group];
        let (carol_group, commit) = carol
            .join_by_external_commit(&groups[1].group_info().unwrap(), None, None)
            .unwrap();
        for group in groups.iter_mut() {
            group.process_message(&commit).unwrap();
        }
        groups.push(carol_group);
        assert_agree_and_talk(&mut groups);
        // A client of another suite cannot use the GroupInfo.
        let other = provider
            .supported_suites()
            .iter()
            .copied()
            .find(|s| *s != suite)
            .unwrap();
        let mut dave = Client::new(provider.clone(), other, b"dave").unwrap();
        assert!(matches!(
            dave.join_by_external_commit(&groups[0].group_info().unwrap(), None, None),
            Err(GroupError::GroupInfoCipherSuiteMismatch { .. })
        ));
    });
}

/// An external joiner may bring external PSKs (§12.4.3.2: zero or more PreSharedKey
/// proposals): the commit names each with a fresh nonce and the new epoch's key schedule
/// takes their psk_secret. Members holding the PSK agree with the joiner; a member missing it
/// rejects the commit and stays as it was; the joiner keeps the PSK for later commits.
#[test]
fn external_join_with_psks() {
    for_each_suite(&providers(), |provider, suite| {
        let (mut groups, _) = three_members(provider, suite);
        let psk = mls_crypto::Secret::new(vec![0x5a; 32]);
        let other = mls_crypto::Secret::new(vec![0x33; 32]);
        groups[0].add_external_psk(b"psk one", psk.clone());
        groups[0].add_external_psk(b"psk two", other.clone());
        groups[1].add_external_psk(b"psk one", psk.clone());
        groups[1].add_external_psk(b"psk two", other.clone());
        // Carol holds only the first.
        groups[2].add_external_psk(b"psk one", psk.clone());

        let group_info = groups[0].group_info().unwrap();
        let (mut dave, _) = client(provider, suite, "dave");
        let (dave_group, commit) = dave
            .join_by_external_commit_with_psks(
                &group_info,
                None,
                None,
                &[(b"psk one", &psk), (b"psk two", &other)],
            )
            .unwrap();
        let MlsMessageBody::PublicMessage(message) = MlsMessage::from_bytes(&commit).unwrap().body
        else {
            panic!("a PublicMessage");
        };
        let mls_codec::FramedContentBody::Commit(body) = &message.content.content else {
            panic!("a commit");
        };
        let nonces: Vec<Vec<u8>> = body
            .proposals
            .iter()
            .filter_map(|p| match p {
                ProposalOrRef::Proposal(Proposal::PreSharedKey(psk)) => {
                    Some(psk.psk.psk_nonce.to_vec())
                }
                _ => None,
            })
            .collect();
        assert_eq!(nonces.len(), 2, "one PreSharedKey proposal per PSK");
        // A PSK nonce is KDF.Nh bytes (§8.4).
        let nh = provider.suite(suite).unwrap().hash_len();
        assert!(nonces.iter().all(|nonce| nonce.len() == nh) && nonces[0] != nonces[1]);

        let carol_saved = groups[2].save().unwrap();
        assert!(matches!(
            groups[2].process_message(&commit),
            Err(GroupError::UnknownPsk)
        ));
        assert_eq!(
            *groups[2].save().unwrap(),
            *carol_saved,
            "rejection changes nothing"
        );
        groups.truncate(2);
        for group in groups.iter_mut() {
            group.process_message(&commit).unwrap();
        }
        groups.push(dave_group);
        assert_agree_and_talk(&mut groups);

        // A joiner with the wrong value for a PSK reaches an epoch the members do not: their
        // confirmation tag check fails and they stay as they were.
        let (mut erin, _) = client(provider, suite, "erin");
        let group_info = groups[0].group_info().unwrap();
        let (_, commit) = erin
            .join_by_external_commit_with_psks(&group_info, None, None, &[(b"psk one", &other)])
            .unwrap();
        let saved = groups[0].save().unwrap();
        assert!(matches!(
            groups[0].process_message(&commit),
            Err(GroupError::InvalidConfirmationTag)
        ));
        assert_eq!(*groups[0].save().unwrap(), *saved);

        // Dave kept the PSKs: his own commit may name one.
        let proposal = groups[2].propose_external_psk(b"psk two").unwrap();
        for group in groups.iter_mut().take(2) {
            group.process_message(&proposal).unwrap();
        }
        let committed = groups[2].commit(Default::default()).unwrap();
        groups[2].merge_pending_commit().unwrap();
        for group in groups.iter_mut().take(2) {
            group.process_message(&committed.commit).unwrap();
        }
        assert_agree_and_talk(&mut groups);
    });
}
