//! The application's authentication service at every place a credential enters a group
//! (RFC 9420 §5.3.1): a refusal rejects the message or join, and leaves the group's saved
//! state byte-identical.
#![expect(
    clippy::unwrap_used,
    reason = "a test fails by panicking, helpers included"
)]

mod common;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use mls_codec::Credential;
use mls_crypto::test_support::for_each_suite;
use mls_group::{
    AcceptAnyCredential, Client, CredentialContext, CredentialRefusal, CredentialSource,
    CredentialValidator, Group, GroupError,
};
use mls_tree::LeafIndex;

use common::providers;

/// Refuses the identity `mallory`, and `carol` once revoked; the same member is the same
/// identity. Records every question asked.
#[derive(Debug, Default)]
struct Directory {
    carol_revoked: AtomicBool,
    asked: Mutex<Vec<(CredentialSource, Vec<u8>)>>,
}

fn identity(credential: &Credential) -> &[u8] {
    match credential {
        Credential::Basic { identity } => identity,
        Credential::X509 { .. } => b"",
    }
}

impl CredentialValidator for Directory {
    fn validate(&self, context: &CredentialContext<'_>) -> Result<(), CredentialRefusal> {
        let name = identity(context.credential);
        self.asked
            .lock()
            .unwrap()
            .push((context.source, name.to_vec()));
        let revoked = name == b"carol" && self.carol_revoked.load(Ordering::SeqCst);
        if name == b"mallory" || revoked {
            return Err(CredentialRefusal::msg(format!(
                "{} is not one of us",
                String::from_utf8_lossy(name)
            )));
        }
        Ok(())
    }

    fn is_same_member(&self, old: &Credential, new: &Credential) -> bool {
        identity(old) == identity(new)
    }
}

/// Takes every credential for every member: what a forger would use.
#[derive(Debug)]
struct AnyoneIsAnyone;

impl CredentialValidator for AnyoneIsAnyone {
    fn validate(&self, _: &CredentialContext<'_>) -> Result<(), CredentialRefusal> {
        Ok(())
    }

    fn is_same_member(&self, _: &Credential, _: &Credential) -> bool {
        true
    }
}

fn client(
    provider: &Arc<dyn mls_crypto::CryptoProvider>,
    suite: mls_codec::CipherSuite,
    name: &[u8],
    validator: Arc<dyn CredentialValidator>,
) -> Client {
    let mut client = Client::new(provider.clone(), suite, name).unwrap();
    client.set_credential_validator(validator);
    client
}

/// Asserts that `result` is a refusal from `source` and that `group` did not change.
#[track_caller]
fn assert_refused<T: std::fmt::Debug>(
    result: Result<T, GroupError>,
    source: CredentialSource,
    group: &Group,
    saved: &[u8],
) {
    match result {
        Err(GroupError::CredentialRefused { source_kind, .. }) => assert_eq!(source_kind, source),
        other => panic!("expected a refusal from {source:?}, got {other:?}"),
    }
    assert_eq!(group.save().unwrap().as_slice(), saved, "the group changed");
}

#[test]
fn refused_credentials_are_rejected_wherever_they_enter() {
    for_each_suite(&providers(), |provider, suite| {
        let directory = Arc::new(Directory::default());
        let lenient: Arc<dyn CredentialValidator> = Arc::new(AcceptAnyCredential);
        // Alice accepts anyone (so that she can send what Bob must refuse); Bob asks the
        // directory.
        let alice = client(provider, suite, b"alice", lenient.clone());
        let mut bob = client(provider, suite, b"bob", directory.clone());
        let mut carol = client(provider, suite, b"carol", lenient.clone());
        let mut mallory = client(provider, suite, b"mallory", lenient.clone());

        let mut a = alice.create_group(b"authenticated").unwrap();
        let out = a
            .add_members(&[bob.key_package().unwrap(), carol.key_package().unwrap()])
            .unwrap();
        a.merge_pending_commit().unwrap();
        let welcome = out.welcome.unwrap();
        let mut b = bob.join(&welcome, None).unwrap();
        let mut c = carol.join(&welcome, None).unwrap();
        assert!(
            directory
                .asked
                .lock()
                .unwrap()
                .iter()
                .filter(|(source, _)| *source == CredentialSource::ReceivedTree)
                .count()
                == 3,
            "Bob asked about each member of the tree he joined"
        );

        // An Add of Mallory, in Alice's commit.
        let saved = b.save().unwrap();
        let add = a.add_members(&[mallory.key_package().unwrap()]).unwrap();
        assert_refused(
            b.process_message(&add.commit),
            CredentialSource::KeyPackage,
            &b,
            &saved,
        );
        a.clear_pending_commit();

        // Bob cannot add her either, nor propose it.
        let saved = b.save().unwrap();
        let key_package = mallory.key_package().unwrap();
        assert_refused(
            b.add_members(std::slice::from_ref(&key_package)),
            CredentialSource::KeyPackage,
            &b,
            &saved,
        );
        assert_refused(
            b.propose_add(&key_package),
            CredentialSource::KeyPackage,
            &b,
            &saved,
        );

        // Carol, revoked, updates her leaf through a commit's UpdatePath.
        let update = c.self_update().unwrap();
        c.merge_pending_commit().unwrap();
        directory.carol_revoked.store(true, Ordering::SeqCst);
        let saved = b.save().unwrap();
        assert_refused(
            b.process_message(&update.commit),
            CredentialSource::UpdatePath,
            &b,
            &saved,
        );
        directory.carol_revoked.store(false, Ordering::SeqCst);
        b.process_message(&update.commit).unwrap();
        a.process_message(&update.commit).unwrap();

        // Mallory joins by external commit.
        let (_, external) = mallory
            .join_by_external_commit(&a.group_info().unwrap(), None, None)
            .unwrap();
        let saved = b.save().unwrap();
        assert_refused(
            b.process_message(&external),
            CredentialSource::ExternalCommit,
            &b,
            &saved,
        );

        // A Welcome whose tree holds Mallory: Alice adds her and Dave; Dave refuses to join.
        let mut dave = client(provider, suite, b"dave", directory.clone());
        let out = a
            .add_members(&[mallory.key_package().unwrap(), dave.key_package().unwrap()])
            .unwrap();
        a.merge_pending_commit().unwrap();
        match dave.join(&out.welcome.unwrap(), None) {
            Err(GroupError::CredentialRefused {
                source_kind: CredentialSource::ReceivedTree,
                leaf: Some(_),
                ..
            }) => {}
            other => panic!("expected Dave to refuse the tree, got {other:?}"),
        }
    });
}

#[test]
fn a_resync_must_be_the_same_member() {
    for_each_suite(&providers(), |provider, suite| {
        let directory: Arc<dyn CredentialValidator> = Arc::new(Directory::default());
        let alice = client(provider, suite, b"alice", directory.clone());
        let mut bob = client(provider, suite, b"bob", directory.clone());
        let mut a = alice.create_group(b"resync").unwrap();
        let out = a.add_members(&[bob.key_package().unwrap()]).unwrap();
        a.merge_pending_commit().unwrap();
        bob.join(&out.welcome.unwrap(), None).unwrap();
        let bobs_leaf = LeafIndex(1);

        // Eve claims Bob's leaf. Her client, asking the directory too, refuses to send it;
        // one that takes everyone for the same member sends it, and Alice refuses it.
        let mut eve = client(provider, suite, b"eve", directory.clone());
        assert!(matches!(
            eve.join_by_external_commit(&a.group_info().unwrap(), None, Some(bobs_leaf)),
            Err(GroupError::ResyncCredentialMismatch { leaf }) if leaf == bobs_leaf
        ));
        eve.set_credential_validator(Arc::new(AnyoneIsAnyone));
        let (_, commit) = eve
            .join_by_external_commit(&a.group_info().unwrap(), None, Some(bobs_leaf))
            .unwrap();
        let saved = a.save().unwrap();
        assert!(matches!(
            a.process_message(&commit),
            Err(GroupError::ResyncCredentialMismatch { leaf }) if leaf == bobs_leaf
        ));
        assert_eq!(a.save().unwrap().as_slice(), saved.as_slice());

        // Bob on a new device (the same identity, a new signature key) is accepted.
        let mut new_bob = client(provider, suite, b"bob", directory.clone());
        assert_ne!(new_bob.signature_key(), bob.signature_key());
        let (new_b, commit) = new_bob
            .join_by_external_commit(&a.group_info().unwrap(), None, Some(bobs_leaf))
            .unwrap();
        a.process_message(&commit).unwrap();
        assert_eq!(a.epoch_authenticator(), new_b.epoch_authenticator());
        assert_eq!(
            a.members().len(),
            2,
            "Bob's old leaf was replaced, not added to"
        );
    });
}

/// A signer standing for a key held elsewhere (a hardware module): counts what it signs.
struct CountingSigner {
    inner: Arc<dyn mls_crypto::Signer>,
    signed: std::sync::atomic::AtomicUsize,
}

impl mls_crypto::Signer for CountingSigner {
    fn signature_scheme(&self) -> mls_crypto::SignatureScheme {
        self.inner.signature_scheme()
    }

    fn public_key(&self) -> &[u8] {
        self.inner.public_key()
    }

    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, mls_crypto::CryptoError> {
        self.signed.fetch_add(1, Ordering::SeqCst);
        self.inner.sign(message)
    }
}

#[test]
fn a_client_signs_with_a_key_held_elsewhere() {
    for_each_suite(&providers(), |provider, suite| {
        let keys = provider
            .suite(suite)
            .unwrap()
            .generate_signature_key_pair()
            .unwrap();
        let signer = Arc::new(CountingSigner {
            inner: Arc::from(
                provider
                    .suite(suite)
                    .unwrap()
                    .signer(&keys.private_key)
                    .unwrap(),
            ),
            signed: Default::default(),
        });
        let credential = Credential::Basic {
            identity: b"hsm".as_slice().into(),
        };
        let alice =
            Client::with_signer(provider.clone(), suite, credential.clone(), signer.clone())
                .unwrap();
        let mut bob = Client::new(provider.clone(), suite, b"bob").unwrap();
        let mut a = alice.create_group(b"hsm").unwrap();
        let out = a.add_members(&[bob.key_package().unwrap()]).unwrap();
        a.merge_pending_commit().unwrap();
        let mut b = bob.join(&out.welcome.unwrap(), None).unwrap();
        let message = a.encrypt_application_message(b"signed elsewhere").unwrap();
        b.process_message(&message).unwrap();
        assert!(
            signer.signed.load(Ordering::SeqCst) >= 3,
            "commit, GroupInfo, message"
        );

        // A signer of another scheme does not fit the suite.
        // (The first supported suite with another scheme: with the feature `pq`, P-256 is
        // also the scheme of some post-quantum suites.)
        let scheme = provider.suite(suite).unwrap().params().signature_scheme;
        let other = *provider
            .supported_suites()
            .iter()
            .find(|&&cs| provider.suite(cs).unwrap().params().signature_scheme != scheme)
            .unwrap();
        assert_ne!(
            provider.suite(other).unwrap().params().signature_scheme,
            provider.suite(suite).unwrap().params().signature_scheme
        );
        assert!(matches!(
            Client::with_signer(provider.clone(), other, credential, signer),
            Err(GroupError::SignatureSchemeMismatch { .. })
        ));
    });
}

/// Takes nobody for the same member as anyone.
#[derive(Debug)]
struct Strangers;

impl CredentialValidator for Strangers {
    fn validate(&self, _: &CredentialContext<'_>) -> Result<(), CredentialRefusal> {
        Ok(())
    }

    fn is_same_member(&self, _: &Credential, _: &Credential) -> bool {
        false
    }
}

#[test]
fn a_branch_joiner_asks_the_validator_who_is_the_same_member() {
    for_each_suite(&providers(), |provider, suite| {
        let alice = Client::new(provider.clone(), suite, b"alice").unwrap();
        let mut bob = Client::new(provider.clone(), suite, b"bob").unwrap();
        let mut a = alice.create_group(b"parent").unwrap();
        let out = a.add_members(&[bob.key_package().unwrap()]).unwrap();
        a.merge_pending_commit().unwrap();
        let b = bob.join(&out.welcome.unwrap(), None).unwrap();

        // The subgroup's members are the parent's, byte for byte; a validator that takes
        // nobody for the same member still refuses them.
        let (_, out) = a.branch(b"sub", &[bob.key_package().unwrap()]).unwrap();
        bob.set_credential_validator(Arc::new(Strangers));
        assert!(matches!(
            bob.join_branch(out.welcome.as_ref().unwrap(), None, &b),
            Err(GroupError::ResumptionMismatch(_))
        ));
        bob.set_credential_validator(Arc::new(AcceptAnyCredential));
        let (_, out) = a.branch(b"sub", &[bob.key_package().unwrap()]).unwrap();
        bob.join_branch(&out.welcome.unwrap(), None, &b).unwrap();
    });
}
