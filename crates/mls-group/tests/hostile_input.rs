//! Input that must cost little and change nothing: MLSMessages of another protocol version,
//! of every kind, and a received ratchet tree far wider than the bound on group size.
#![expect(
    clippy::unwrap_used,
    reason = "a test fails by panicking, helpers included"
)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use mls_codec::{
    CipherSuite, Decode, Encode, MlsMessage, MlsMessageBody, NodeType, ProtocolVersion,
    encode_vector,
};
use mls_crypto_rustcrypto::RustCryptoProvider;
use mls_group::{Client, ExternalProposer, GroupConfig, GroupError};
use mls_tree::{DEFAULT_MAX_LEAVES, TreeError};

const SUITE: CipherSuite = CipherSuite::MLS_128_DHKEMX25519_AES128GCM_SHA256_ED25519;

fn client(name: &str) -> Client {
    let mut client = Client::new(Arc::new(RustCryptoProvider), SUITE, name.as_bytes()).unwrap();
    client.set_config(GroupConfig::default().with_ratchet_tree_extension(false));
    client
}

/// `message` (an MLSMessage) claiming protocol version 2.
fn version_2(message: &[u8]) -> Vec<u8> {
    let mut message = message.to_vec();
    message[..2].copy_from_slice(&[0, 2]);
    message
}

fn is_version_2<T: std::fmt::Debug>(result: Result<T, GroupError>) -> bool {
    matches!(
        result,
        Err(GroupError::UnsupportedVersion(ProtocolVersion(2)))
    )
}

#[test]
fn every_kind_of_mls_message_of_another_version_is_refused() {
    let alice = client("alice");
    let mut bob = client("bob");
    let mut carol = client("carol");
    let mut alice_group = alice.create_group(b"versions").unwrap();

    // A KeyPackage, in a commit, a proposal and an external proposal.
    let key_package = version_2(&bob.key_package().unwrap());
    assert!(is_version_2(
        alice_group.add_members(std::slice::from_ref(&key_package))
    ));
    assert!(is_version_2(alice_group.propose_add(&key_package)));
    let service = ExternalProposer::new(Arc::new(RustCryptoProvider), SUITE, b"ds").unwrap();
    assert!(is_version_2(service.propose_add(
        b"versions",
        0,
        0,
        &key_package
    )));

    // A Welcome.
    let added = alice_group
        .add_members(&[bob.key_package().unwrap()])
        .unwrap();
    alice_group.merge_pending_commit().unwrap();
    let tree = alice_group.ratchet_tree().unwrap();
    let welcome = added.welcome.unwrap();
    assert!(is_version_2(bob.join(&version_2(&welcome), Some(&tree))));
    let mut bob_group = bob.join(&welcome, Some(&tree)).unwrap();

    // A GroupInfo for an external join.
    let group_info = alice_group.group_info().unwrap();
    assert!(is_version_2(carol.join_by_external_commit(
        &version_2(&group_info),
        Some(&tree),
        None
    )));

    // A PrivateMessage and a PublicMessage: refused, and the receiver is unchanged.
    let before = bob_group.save().unwrap();
    let private = alice_group.encrypt_application_message(b"hi").unwrap();
    assert!(is_version_2(
        bob_group.process_message(&version_2(&private))
    ));
    let public = service
        .propose_remove(b"versions", 1, 0, bob_group.own_leaf())
        .unwrap();
    assert!(is_version_2(bob_group.process_message(&version_2(&public))));
    assert_eq!(*bob_group.save().unwrap(), *before);
    bob_group.process_message(&private).unwrap();
}

/// An encoded `ratchet_tree` of 2^24 - 1 nodes (16 MiB): a valid first leaf, then blank
/// nodes, then a last byte that is not even a valid node, which is never read.
fn hostile_tree() -> Vec<u8> {
    let nodes = (1usize << 24) - 1;
    let message = MlsMessage::from_bytes(&client("leaf").key_package().unwrap()).unwrap();
    let MlsMessageBody::KeyPackage(key_package) = message.body else {
        panic!("not a key package");
    };
    let mut bytes = Vec::with_capacity(nodes + 1024);
    encode_vector(&mut bytes, |out| {
        out.push(1);
        NodeType::Leaf.encode(out)?;
        key_package.leaf_node.encode(out)?;
        out.resize(out.len() + nodes - 2, 0);
        out.push(7);
        Ok(())
    })
    .unwrap();
    bytes
}

#[test]
fn a_huge_mostly_blank_tree_is_refused_at_the_bound_at_once() {
    let alice = client("alice");
    let mut bob = client("bob");
    let mut alice_group = alice.create_group(b"huge").unwrap();
    let added = alice_group
        .add_members(&[bob.key_package().unwrap()])
        .unwrap();
    let welcome = added.welcome.unwrap();
    let tree = hostile_tree();
    let start = Instant::now();
    let result = bob.join(&welcome, Some(&tree));
    let elapsed = start.elapsed();
    assert!(
        matches!(
            result,
            Err(GroupError::Tree(TreeError::TooManyLeaves { max_leaves })) if max_leaves == DEFAULT_MAX_LEAVES
        ),
        "{result:?}"
    );
    // Reading up to the bound is a fraction of a millisecond; the margin is for slow CI.
    assert!(elapsed < Duration::from_secs(1), "took {elapsed:?}");
}
