//! Errors read once: printing an error and its `source()` chain, as error reporters do,
//! shows every message once. A wrapper either prints its inner error (`transparent`) or
//! returns it as its source, never both.

use std::error::Error;
use std::sync::Arc;

use mls_codec::CipherSuite;
use mls_crypto_rustcrypto::RustCryptoProvider;
use mls_group::{Client, GroupError, KeyPackageError, ProposalError};

const SUITE: CipherSuite = CipherSuite::MLS_128_DHKEMX25519_AES128GCM_SHA256_ED25519;

/// The messages of `error` and of each of its sources, outermost first.
fn chain(error: &(dyn Error + 'static)) -> Vec<String> {
    let mut messages = vec![error.to_string()];
    let mut next = error.source();
    while let Some(source) = next {
        messages.push(source.to_string());
        next = source.source();
    }
    messages
}

/// Asserts that no message of the chain repeats one of its sources' messages.
fn reads_once(error: &GroupError) -> Vec<String> {
    let messages = chain(error);
    for (i, outer) in messages.iter().enumerate() {
        for inner in &messages[i + 1..] {
            assert!(
                !outer.contains(inner.as_str()),
                "{outer:?} repeats its source {inner:?} (chain {messages:?})"
            );
        }
    }
    messages
}

#[test]
fn nested_errors_print_each_message_once() {
    let provider = Arc::new(RustCryptoProvider);
    let alice = Client::new(provider.clone(), SUITE, b"alice").expect("a client");
    let mut bob = Client::new(provider, SUITE, b"bob").expect("a client");
    let mut group = alice.create_group(b"errors").expect("a group");

    // A key package whose signature is broken: group -> proposal -> key package.
    let mut key_package = bob.key_package().expect("a key package");
    let last = key_package.len() - 1;
    key_package[last] ^= 1;
    let error = group
        .add_members(&[key_package])
        .expect_err("a broken key package");
    assert!(matches!(
        &error,
        GroupError::Proposal(ProposalError::InvalidKeyPackage {
            source: KeyPackageError::InvalidSignature,
            ..
        })
    ));
    let messages = reads_once(&error);
    assert_eq!(messages.len(), 2, "{messages:?}");

    // Malformed bytes: the codec's message, once.
    let error = group.process_message(&[0, 1, 0]).expect_err("malformed");
    reads_once(&error);

    // A tree that does not decode: group -> tree -> codec.
    let added = group
        .add_members(&[bob.key_package().expect("a key package")])
        .expect("an add");
    let error = bob
        .join(&added.welcome.expect("a welcome"), Some(&[1, 2, 3]))
        .expect_err("a malformed tree");
    reads_once(&error);
}
