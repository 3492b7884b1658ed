//! A client lists its own credential type in its capabilities (RFC 9420 §7.2), so clients
//! with `x509` credentials can form a group. The engine does not parse certificates (that is
//! the application's validator's work, e.g. mls-x509's), so opaque bytes stand in for them.
#![expect(
    clippy::unwrap_used,
    reason = "a test fails by panicking, helpers included"
)]

mod common;

use std::sync::Arc;

use mls_codec::{Certificate, CipherSuite, Credential, VarBytes};
use mls_crypto::CryptoProvider;
use mls_crypto::test_support::for_each_suite;
use mls_group::{Client, ProcessedMessage};

use common::providers;

fn x509_client(provider: &Arc<dyn CryptoProvider>, suite: CipherSuite, name: &str) -> Client {
    let keys = provider
        .suite(suite)
        .unwrap()
        .generate_signature_key_pair()
        .unwrap();
    let credential = Credential::X509 {
        certificates: vec![Certificate {
            cert_data: VarBytes::from(format!("certificate of {name}").into_bytes()),
        }],
    };
    Client::with_signature_key(Arc::clone(provider), suite, credential, &keys.private_key).unwrap()
}

#[test]
fn clients_with_x509_credentials_form_a_group() {
    for_each_suite(&providers(), |provider, suite| {
        let alice = x509_client(provider, suite, "alice");
        let mut bob = x509_client(provider, suite, "bob");
        let mut alice_group = alice.create_group(b"group").unwrap();
        let added = alice_group
            .add_members(&[bob.key_package().unwrap()])
            .unwrap();
        alice_group.merge_pending_commit().unwrap();
        let mut bob_group = bob.join(&added.welcome.unwrap(), None).unwrap();
        let credentials: Vec<_> = bob_group
            .members()
            .into_iter()
            .map(|member| member.credential)
            .collect();
        assert_eq!(
            credentials,
            [alice.credential().clone(), bob.credential().clone()]
        );
        let message = bob_group.encrypt_application_message(b"hi").unwrap();
        assert!(matches!(
            alice_group.process_message(&message).unwrap(),
            ProcessedMessage::Application { data, .. } if data == b"hi"
        ));
    });
}
