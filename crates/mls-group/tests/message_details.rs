//! What a receiver learns of a message besides its content (RFC 9420 §6): the sender's
//! credential and the message's `authenticated_data`, for application messages, proposals
//! (from members and external senders) and commits (from members and external joiners).

mod common;

use mls_codec::{Credential, Proposal, Remove, VarBytes, WireFormat};
use mls_crypto::test_support::for_each_suite;
use mls_group::{
    Client, CommitOptions, ExternalProposer, GroupConfig, ProcessedMessage,
    external_senders_extension,
};

use common::providers;

fn basic(name: &[u8]) -> Credential {
    Credential::Basic {
        identity: VarBytes::from(name),
    }
}

#[test]
fn receivers_get_the_senders_credential_and_the_authenticated_data() {
    for_each_suite(&providers(), |provider, suite| {
        let alice = Client::new(provider.clone(), suite, b"alice").unwrap();
        let mut bob = Client::new(provider.clone(), suite, b"bob").unwrap();
        let service = ExternalProposer::new(provider.clone(), suite, b"service").unwrap();
        let senders = external_senders_extension(&[service.external_sender()]).unwrap();
        let mut a = alice
            .create_group_with_extensions(b"details", vec![senders])
            .unwrap();
        let out = a.add_members(&[bob.key_package().unwrap()]).unwrap();
        a.merge_pending_commit().unwrap();
        let mut b = bob.join(&out.welcome.unwrap(), None).unwrap();

        // An application message with authenticated data.
        let message = a
            .encrypt_application_message_with_aad(b"hello", b"thread 7")
            .unwrap();
        match b.process_message(&message).unwrap() {
            ProcessedMessage::Application {
                credential,
                data,
                authenticated_data,
                ..
            } => {
                assert_eq!(credential, basic(b"alice"));
                assert_eq!(data, b"hello");
                assert_eq!(authenticated_data, b"thread 7");
            }
            other => panic!("unexpected {other:?}"),
        }

        // A proposal from an external sender carries the extension's credential, and its
        // authenticated data.
        let proposal = service
            .propose_with_authenticated_data(
                a.group_id(),
                a.epoch(),
                0,
                Proposal::Remove(Remove {
                    removed: b.own_leaf().0,
                }),
                b"policy 3",
            )
            .unwrap();
        match a.process_message(&proposal).unwrap() {
            ProcessedMessage::Proposal {
                credential,
                authenticated_data,
                ..
            } => {
                assert_eq!(credential, basic(b"service"));
                assert_eq!(authenticated_data, b"policy 3");
            }
            other => panic!("unexpected {other:?}"),
        }
        a.clear_proposals();

        // A commit with authenticated data, and the committer's credential.
        let update = b
            .commit(
                CommitOptions::default()
                    .with_force_path(true)
                    .with_authenticated_data(b"rotation".to_vec()),
            )
            .unwrap();
        b.merge_pending_commit().unwrap();
        match a.process_message(&update.commit).unwrap() {
            ProcessedMessage::Commit {
                credential,
                authenticated_data,
                ..
            } => {
                assert_eq!(credential, basic(b"bob"));
                assert_eq!(authenticated_data, b"rotation");
            }
            other => panic!("unexpected {other:?}"),
        }

        // Tampering with the authenticated data breaks the message.
        let mut tampered = a
            .encrypt_application_message_with_aad(b"hi", b"aad")
            .unwrap();
        let at = tampered
            .windows(3)
            .position(|w| w == b"aad")
            .expect("the aad is in the clear");
        tampered[at] ^= 1;
        assert!(b.process_message(&tampered).is_err());

        // An external joiner's commit carries its new leaf's credential.
        let mut carol = Client::new(provider.clone(), suite, b"carol").unwrap();
        let (_, commit) = carol
            .join_by_external_commit(&a.group_info().unwrap(), None, None)
            .unwrap();
        match a.process_message(&commit).unwrap() {
            ProcessedMessage::Commit { credential, .. } => {
                assert_eq!(credential, basic(b"carol"));
            }
            other => panic!("unexpected {other:?}"),
        }
    });
}

/// A member's proposals carry authenticated data only inside
/// `propose_with_authenticated_data`, as PublicMessage and as PrivateMessage, and a commit
/// that includes them by reference still processes.
#[test]
fn proposals_carry_authenticated_data_when_asked() {
    for wire_format in [
        WireFormat::MLS_PUBLIC_MESSAGE,
        WireFormat::MLS_PRIVATE_MESSAGE,
    ] {
        for_each_suite(&providers(), |provider, suite| {
            let mut alice = Client::new(provider.clone(), suite, b"alice").unwrap();
            let mut bob = Client::new(provider.clone(), suite, b"bob").unwrap();
            let config = GroupConfig::default().with_handshake_wire_format(wire_format);
            alice.set_config(config.clone());
            bob.set_config(config);
            let mut a = alice.create_group(b"proposal aad").unwrap();
            let out = a.add_members(&[bob.key_package().unwrap()]).unwrap();
            a.merge_pending_commit().unwrap();
            let mut b = bob.join(&out.welcome.unwrap(), None).unwrap();

            let received = |a: &mut mls_group::Group, message: &[u8]| match a
                .process_message(message)
                .unwrap()
            {
                ProcessedMessage::Proposal {
                    authenticated_data, ..
                } => authenticated_data,
                other => panic!("unexpected {other:?}"),
            };
            let update = b
                .propose_with_authenticated_data(b"key rotation", |group| group.propose_update())
                .unwrap();
            assert_eq!(received(&mut a, &update), b"key rotation");
            // A proposal that fails inside leaves no authenticated data behind either.
            let nobody = b.propose_with_authenticated_data(b"failing", |group| {
                group.propose_remove(mls_tree::LeafIndex(7))
            });
            assert!(nobody.is_err());
            let remove = b.propose_remove(a.own_leaf()).unwrap();
            assert_eq!(received(&mut a, &remove), b"");

            // Bob's Update is committed by reference by Alice; Bob processes the commit.
            let commit = a.commit(CommitOptions::default()).unwrap();
            a.merge_pending_commit().unwrap();
            b.process_message(&commit.commit).unwrap();
            assert_eq!(a.epoch_authenticator(), b.epoch_authenticator());
        });
    }
}
