//! What a client holds for all its groups: external PSKs registered once (RFC 9420 §8.4).

mod common;

use mls_codec::{PreSharedKey, PreSharedKeyId, Proposal, Psk, VarBytes};
use mls_crypto::Secret;
use mls_crypto::test_support::for_each_suite;
use mls_group::{Client, CommitOptions, GroupError};

use common::providers;

#[test]
fn an_external_psk_registered_on_the_client_serves_every_group() {
    for_each_suite(&providers(), |provider, suite| {
        let psk = Secret::new(vec![5; 32]);
        let mut alice = Client::new(provider.clone(), suite, b"alice").unwrap();
        alice.add_external_psk(b"team", psk.clone());
        let mut bob = Client::new(provider.clone(), suite, b"bob").unwrap();

        // A group created after the registration knows the PSK: Alice's commit adding Bob
        // injects it, so the Welcome names it.
        let mut a = alice.create_group(b"psk").unwrap();
        let hash_len = provider.suite(suite).unwrap().hash_len();
        let inject = Proposal::PreSharedKey(PreSharedKey {
            psk: PreSharedKeyId {
                psk: Psk::External {
                    psk_id: VarBytes::from(b"team"),
                },
                psk_nonce: VarBytes(vec![3; hash_len]),
            },
        });
        let add = Proposal::Add(mls_codec::Add {
            key_package: match mls_codec::Decode::from_bytes(&bob.key_package().unwrap()) {
                Ok(mls_codec::MlsMessage {
                    body: mls_codec::MlsMessageBody::KeyPackage(key_package),
                    ..
                }) => key_package,
                other => panic!("a key package, not {other:?}"),
            },
        });
        let out = a
            .commit(CommitOptions::default().with_proposals(vec![add, inject]))
            .unwrap();
        a.merge_pending_commit().unwrap();
        let welcome = out.welcome.unwrap();

        // Bob cannot join without the PSK; with it registered on his client, he can.
        assert!(matches!(
            bob.join(&welcome, None),
            Err(GroupError::UnknownPsk)
        ));
        bob.add_external_psk(b"team", psk.clone());
        let mut b = bob.join(&welcome, None).unwrap();
        assert_eq!(a.epoch_authenticator(), b.epoch_authenticator());

        // The joined group knows it too: Bob can inject it again.
        b.propose_external_psk(b"team").unwrap();
    });
}
