//! A group whose members hold X.509 credentials, in suites 1 (Ed25519) and 2 (ECDSA P-256):
//! create, add, commit, update, application messages. Every client has the
//! X509CredentialValidator as its authentication service, so the engine validates every
//! credential that enters the group; the test also validates every member of every member's
//! roster itself after every step ([`check_rosters`]), and checks that a key package whose
//! certificate does not lead to the trust anchor is refused.
#![expect(
    clippy::unwrap_used,
    reason = "a test fails by panicking, helpers included"
)]

mod common;

use std::sync::Arc;

use common::{Algorithm, Ca, PublicKey};
use mls_codec::CipherSuite;
use mls_crypto::CryptoProvider;
use mls_crypto_rustcrypto::RustCryptoProvider;
use mls_group::{
    Client, Clock, CredentialContext, CredentialSource, CredentialValidator, Group, GroupError,
    ProcessedMessage, SystemClock,
};
use mls_x509::{X509CredentialValidator, X509Error};

/// The application's PKI in one cipher suite: a root, an intermediate that issues the
/// members' certificates, and the validator trusting the root.
struct Pki {
    provider: Arc<dyn CryptoProvider>,
    suite: CipherSuite,
    intermediate: Ca,
    validator: Arc<X509CredentialValidator>,
}

impl Pki {
    fn new(suite: CipherSuite, algorithm: Algorithm) -> Self {
        let root = Ca::root(algorithm, "Example Root CA", 1);
        let intermediate = root.intermediate(common::ca_params("Example Members CA"), algorithm, 2);
        let validator = Arc::new(X509CredentialValidator::new([root.der.as_slice()]).unwrap());
        Self {
            provider: Arc::new(RustCryptoProvider::new()),
            suite,
            intermediate,
            validator,
        }
    }

    /// A client whose credential is a certificate, issued by `ca`, for a fresh signature key
    /// of the suite, with the intermediate certificate after it.
    fn client_from(&self, ca: &Ca, name: &str) -> Client {
        let keys = self
            .provider
            .suite(self.suite)
            .unwrap()
            .generate_signature_key_pair()
            .unwrap();
        // Valid for long: the engine's key packages use the system clock.
        let params = common::valid(common::end_entity_params(name), 2020, 2100);
        let certificate = ca.issue(&params, &PublicKey(keys.public_key.clone()));
        let credential = common::credential(&[certificate, ca.der.clone()]);
        let mut client = Client::with_signature_key(
            self.provider.clone(),
            self.suite,
            credential,
            &keys.private_key,
        )
        .unwrap();
        assert_eq!(client.signature_key(), keys.public_key);
        client.set_credential_validator(self.validator.clone());
        client
    }

    fn client(&self, name: &str) -> Client {
        self.client_from(&self.intermediate, name)
    }

    /// The validator's verdict on a client's own credential, as an Add of its key package
    /// would ask it.
    fn check_client(&self, client: &Client) -> Result<(), X509Error> {
        let context = CredentialContext::new(
            CredentialSource::KeyPackage,
            b"group",
            0,
            client.credential(),
            client.signature_key(),
            SystemClock.now(),
        );
        self.validator
            .validate(&context)
            .map_err(|refusal| refusal.downcast_ref::<X509Error>().unwrap().clone())
    }
}

/// Validates every member's credential in every member's view of the group, and checks that
/// the rosters name `expected` (in leaf order).
fn check_rosters(validator: &X509CredentialValidator, groups: &[&Group], expected: &[&str]) {
    for group in groups {
        let members = group.members();
        let mut names = Vec::new();
        for member in &members {
            let context = CredentialContext::new(
                CredentialSource::ReceivedTree,
                group.group_id(),
                group.epoch(),
                &member.credential,
                &member.signature_key,
                SystemClock.now(),
            )
            .with_leaf(member.leaf);
            validator
                .validate(&context)
                .unwrap_or_else(|refusal| panic!("leaf {:?} refused: {refusal}", member.leaf));
            let identity = validator.identity(&member.credential).unwrap();
            names.push(String::from_utf8(identity).unwrap());
        }
        assert_eq!(names, expected);
        assert_eq!(group.epoch_authenticator(), groups[0].epoch_authenticator());
    }
}

/// An application message: its sender, named by the validator from its credential, and
/// its data.
fn read(
    validator: &X509CredentialValidator,
    group: &mut Group,
    message: &[u8],
) -> (String, Vec<u8>) {
    match group.process_message(message).unwrap() {
        ProcessedMessage::Application {
            credential, data, ..
        } => {
            let sender = validator.identity(&credential).unwrap();
            (String::from_utf8(sender).unwrap(), data)
        }
        other => panic!("expected an application message, got {other:?}"),
    }
}

fn run(suite: CipherSuite, algorithm: Algorithm) {
    let pki = Pki::new(suite, algorithm);
    let validator = &*pki.validator;
    let alice = pki.client("alice");
    let mut bob = pki.client("bob");
    let mut carol = pki.client("carol");
    for client in [&alice, &bob, &carol] {
        assert_eq!(pki.check_client(client), Ok(()));
    }

    // Alice creates the group and adds Bob.
    let mut alice_group = alice.create_group(b"x509 group").unwrap();
    check_rosters(validator, &[&alice_group], &["alice"]);
    let added = alice_group
        .add_members(&[bob.key_package().unwrap()])
        .unwrap();
    alice_group.merge_pending_commit().unwrap();
    let mut bob_group = bob.join(&added.welcome.unwrap(), None).unwrap();
    check_rosters(validator, &[&alice_group, &bob_group], &["alice", "bob"]);

    // Bob adds Carol; Alice processes the commit.
    let added = bob_group
        .add_members(&[carol.key_package().unwrap()])
        .unwrap();
    bob_group.merge_pending_commit().unwrap();
    alice_group.process_message(&added.commit).unwrap();
    let mut carol_group = carol.join(&added.welcome.unwrap(), None).unwrap();
    check_rosters(
        validator,
        &[&alice_group, &bob_group, &carol_group],
        &["alice", "bob", "carol"],
    );

    // Carol commits an update of her leaf (same certificate, new encryption key).
    let update = carol_group.self_update().unwrap();
    carol_group.merge_pending_commit().unwrap();
    for group in [&mut alice_group, &mut bob_group] {
        group.process_message(&update.commit).unwrap();
    }
    check_rosters(
        validator,
        &[&alice_group, &bob_group, &carol_group],
        &["alice", "bob", "carol"],
    );

    // Application messages each way, each sender named by its certificate.
    let groups = [&mut alice_group, &mut bob_group, &mut carol_group];
    let [alice_group, bob_group, carol_group] = groups;
    let message = alice_group
        .encrypt_application_message(b"hello from alice")
        .unwrap();
    for group in [&mut *bob_group, &mut *carol_group] {
        let (sender, data) = read(validator, group, &message);
        assert_eq!(sender, "alice");
        assert_eq!(data, b"hello from alice");
    }
    let message = carol_group
        .encrypt_application_message(b"hi, carol here")
        .unwrap();
    for group in [&mut *alice_group, &mut *bob_group] {
        let (sender, data) = read(validator, group, &message);
        assert_eq!(sender, "carol");
        assert_eq!(data, b"hi, carol here");
    }

    // A client whose certificate comes from a CA outside the PKI is refused, as its key
    // package would be.
    let rogue_root = Ca::root(algorithm, "Rogue CA", 9);
    let mut mallory = pki.client_from(&rogue_root, "mallory");
    assert_eq!(pki.check_client(&mallory), Err(X509Error::UnknownIssuer));
    // The engine asks the validator: Alice cannot add her, and her group is unchanged.
    let epoch = alice_group.epoch();
    match alice_group.add_members(&[mallory.key_package().unwrap()]) {
        Err(GroupError::CredentialRefused {
            source_kind: CredentialSource::KeyPackage,
            reason,
            ..
        }) => assert_eq!(
            reason.downcast_ref::<X509Error>(),
            Some(&X509Error::UnknownIssuer)
        ),
        other => panic!("expected a refusal, got {other:?}"),
    }
    assert_eq!(alice_group.epoch(), epoch);
    check_rosters(
        validator,
        &[alice_group, bob_group, carol_group],
        &["alice", "bob", "carol"],
    );
    // And one presenting Alice's certificate with its own key.
    let impostor = Client::with_signature_key(
        pki.provider.clone(),
        suite,
        alice.credential().clone(),
        &pki.provider
            .suite(suite)
            .unwrap()
            .generate_signature_key_pair()
            .unwrap()
            .private_key,
    )
    .unwrap();
    assert_eq!(pki.check_client(&impostor), Err(X509Error::KeyMismatch));
}

#[test]
fn an_x509_group_works_end_to_end_in_suite_1() {
    run(
        CipherSuite::MLS_128_DHKEMX25519_AES128GCM_SHA256_ED25519,
        Algorithm::Ed25519,
    );
}

#[test]
fn an_x509_group_works_end_to_end_in_suite_2() {
    run(
        CipherSuite::MLS_128_DHKEMP256_AES128GCM_SHA256_P256,
        Algorithm::P256,
    );
}
