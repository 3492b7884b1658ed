//! Commits the application inspects before they take effect (RFC 9420 §12.4.2): a staged
//! commit lists exactly what the commit does, discarding it leaves the group byte-identical,
//! and merging it (or processing the same commit again) gives what processing it once gives.
#![expect(
    clippy::unwrap_used,
    reason = "a test fails by panicking, helpers included"
)]

mod common;

use std::sync::Arc;

use mls_codec::{
    Add, Decode, GroupContextExtensions, MlsMessage, MlsMessageBody, PreSharedKey, PreSharedKeyId,
    Proposal, Psk, Remove, VarBytes,
};
use mls_crypto::test_support::for_each_suite;
use mls_crypto::{Secret, Signer};
use mls_group::{
    Client, CommitOptions, ExternalProposer, Group, GroupError, Member, ProcessedMessage,
    StagedCommit, external_senders_extension,
};
use mls_tree::LeafIndex;

use common::providers;

fn staged(group: &mut Group, commit: &[u8]) -> StagedCommit {
    match group.process_message_staged(commit).unwrap() {
        ProcessedMessage::StagedCommit(staged) => *staged,
        other => panic!("expected a staged commit, got {other:?}"),
    }
}

fn names(members: &[Member]) -> Vec<(u32, Vec<u8>)> {
    members
        .iter()
        .map(|member| {
            let mls_codec::Credential::Basic { identity } = &member.credential else {
                panic!("basic credentials only");
            };
            (member.leaf.0, identity.to_vec())
        })
        .collect()
}

#[test]
fn a_staged_commit_lists_what_the_commit_does() {
    for_each_suite(&providers(), |provider, suite| {
        let alice = Client::new(provider.clone(), suite, b"alice").unwrap();
        let mut clients: Vec<Client> = [b"bob".as_slice(), b"carol", b"dave", b"erin"]
            .iter()
            .map(|name| Client::new(provider.clone(), suite, name).unwrap())
            .collect();
        let mut a = alice.create_group(b"staged").unwrap();
        let key_packages: Vec<Vec<u8>> = clients[..3]
            .iter_mut()
            .map(|c| c.key_package().unwrap())
            .collect();
        let out = a.add_members(&key_packages).unwrap();
        a.merge_pending_commit().unwrap();
        let welcome = out.welcome.unwrap();
        let mut groups: Vec<Group> = clients[..3]
            .iter_mut()
            .map(|c| c.join(&welcome, None).unwrap())
            .collect();
        let psk = Secret::new(vec![9; 32]);
        a.add_external_psk(b"psk", psk.clone());
        for group in &mut groups {
            group.add_external_psk(b"psk", psk.clone());
        }

        // Carol proposes an Update (by reference); Alice commits it with an Add of Erin, a
        // Remove of Dave, a PSK and new group extensions (by value).
        let update = groups[1].propose_update().unwrap();
        a.process_message(&update).unwrap();
        for index in [0, 2] {
            groups[index].process_message(&update).unwrap();
        }
        let erin = clients[3].key_package().unwrap();
        let MlsMessageBody::KeyPackage(key_package) = MlsMessage::from_bytes(&erin).unwrap().body
        else {
            panic!("a key package");
        };
        let service = ExternalProposer::new(provider.clone(), suite, b"service").unwrap();
        let senders = external_senders_extension(&[service.external_sender()]).unwrap();
        let proposals = vec![
            Proposal::Add(Add { key_package }),
            Proposal::Remove(Remove { removed: 3 }),
            Proposal::PreSharedKey(PreSharedKey {
                psk: PreSharedKeyId {
                    psk: Psk::External {
                        psk_id: VarBytes::from(b"psk"),
                    },
                    psk_nonce: VarBytes(vec![1; provider.suite(suite).unwrap().hash_len()]),
                },
            }),
            Proposal::GroupContextExtensions(GroupContextExtensions {
                extensions: vec![senders.clone()],
            }),
        ];
        let out = a
            .commit(
                CommitOptions::default()
                    .with_proposals(proposals)
                    .with_authenticated_data(b"weekly rotation".to_vec()),
            )
            .unwrap();
        a.merge_pending_commit().unwrap();

        let bob = &mut groups[0];
        let before = bob.save().unwrap();
        let commit = staged(bob, &out.commit);
        assert_eq!(bob.save().unwrap(), before, "staging changed nothing");
        assert_eq!(commit.committer(), LeafIndex(0));
        assert_eq!(commit.epoch(), 2);
        assert_eq!(commit.authenticated_data(), b"weekly rotation");
        assert_eq!(names(commit.added()), [(3, b"erin".to_vec())]);
        assert_eq!(names(commit.removed()), [(3, b"dave".to_vec())]);
        assert_eq!(names(commit.updated()), [(2, b"carol".to_vec())]);
        assert!(matches!(
            commit.psks(),
            [id] if matches!(&id.psk, Psk::External { psk_id } if psk_id.as_slice() == b"psk")
        ));
        assert_eq!(commit.group_context_extensions(), Some(&[senders][..]));
        assert!(commit.reinit().is_none() && !commit.removes_us());

        // Discarding and processing again gives what processing once gives (Carol).
        drop(commit);
        assert_eq!(bob.save().unwrap(), before);
        bob.process_message(&out.commit).unwrap();
        let carol = &mut groups[1];
        let commit = staged(carol, &out.commit);
        carol.merge_staged_commit(commit).unwrap();
        assert_eq!(a.epoch_authenticator(), groups[0].epoch_authenticator());
        assert_eq!(a.epoch_authenticator(), groups[1].epoch_authenticator());

        // Dave, removed: his staged commit says so, and merging it removes him.
        let dave = &mut groups[2];
        let commit = staged(dave, &out.commit);
        assert!(commit.removes_us());
        assert!(matches!(
            dave.merge_staged_commit(commit).unwrap(),
            ProcessedMessage::Removed { .. }
        ));
        assert!(dave.is_removed());
    });
}

#[test]
fn discarding_a_private_commit_keeps_its_key_for_later() {
    for_each_suite(&providers(), |provider, suite| {
        let alice = Client::new(provider.clone(), suite, b"alice").unwrap();
        let keys = provider
            .suite(suite)
            .unwrap()
            .generate_signature_key_pair()
            .unwrap();
        let credential = mls_codec::Credential::Basic {
            identity: VarBytes::from(b"bob"),
        };
        let mut bob =
            Client::with_signature_key(provider.clone(), suite, credential, &keys.private_key)
                .unwrap();
        let signer: Arc<dyn Signer> = Arc::from(
            provider
                .suite(suite)
                .unwrap()
                .signer(&keys.private_key)
                .unwrap(),
        );
        let mut a = alice.create_group(b"private").unwrap();
        let out = a.add_members(&[bob.key_package().unwrap()]).unwrap();
        a.merge_pending_commit().unwrap();
        let mut b = bob.join(&out.welcome.unwrap(), None).unwrap();
        let mut twin = Group::load(
            provider.clone(),
            signer,
            mls_group::GroupConfig::default(),
            &b.save().unwrap(),
        )
        .unwrap();

        // A PrivateMessage commit (the default): staged, discarded, staged again, merged.
        let update = a.self_update().unwrap();
        a.merge_pending_commit().unwrap();
        let before = b.save().unwrap();
        drop(staged(&mut b, &update.commit));
        assert_eq!(b.save().unwrap(), before);
        let commit = staged(&mut b, &update.commit);
        assert!(matches!(
            b.merge_staged_commit(commit).unwrap(),
            ProcessedMessage::Commit { epoch: 2, .. }
        ));
        // Its key is consumed now: the same commit again is refused.
        assert!(b.process_message(&update.commit).is_err());

        // Processed once, by a twin of Bob's state: the same state.
        twin.process_message(&update.commit).unwrap();
        assert_eq!(twin.save().unwrap(), b.save().unwrap());

        // A commit staged in an earlier epoch cannot be merged.
        let first = a.self_update().unwrap();
        a.clear_pending_commit();
        let old = staged(&mut b, &first.commit);
        let second = a.self_update().unwrap();
        a.merge_pending_commit().unwrap();
        b.process_message(&second.commit).unwrap();
        assert!(matches!(
            b.merge_staged_commit(old),
            Err(GroupError::StaleStagedCommit)
        ));
    });
}

#[test]
fn an_external_joiner_is_listed_as_added() {
    for_each_suite(&providers(), |provider, suite| {
        let alice = Client::new(provider.clone(), suite, b"alice").unwrap();
        let mut bob = Client::new(provider.clone(), suite, b"bob").unwrap();
        let mut a = alice.create_group(b"external").unwrap();
        let (b, commit) = bob
            .join_by_external_commit(&a.group_info().unwrap(), None, None)
            .unwrap();
        let staged = staged(&mut a, &commit);
        assert_eq!(staged.sender(), mls_codec::Sender::NewMemberCommit);
        assert_eq!(names(staged.added()), [(1, b"bob".to_vec())]);
        assert_eq!(staged.committer(), LeafIndex(1));
        a.merge_staged_commit(staged).unwrap();
        assert_eq!(a.epoch_authenticator(), b.epoch_authenticator());
    });
}
