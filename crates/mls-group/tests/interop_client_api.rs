//! The small API the working group's interop client needs: the ratchet tree of a pending
//! commit, the ratchet_tree extension switched per group, resumption PSK proposals, branch and
//! ReInit groups with chosen extensions and an UpdatePath, and key packages made elsewhere.
#![expect(
    clippy::unwrap_used,
    reason = "a test fails by panicking, helpers included"
)]

use std::sync::Arc;

use mls_codec::{CipherSuite, Extension, ExtensionType, ProtocolVersion, VarBytes};
use mls_crypto::CryptoProvider;
use mls_crypto_rustcrypto::RustCryptoProvider;
use mls_group::low_level::{KeyPackageOptions, create_key_package};
use mls_group::{Client, CommitOptions, Group, GroupError, ProcessedMessage};

const SUITE: CipherSuite = CipherSuite::MLS_128_DHKEMX25519_AES128GCM_SHA256_ED25519;

fn provider() -> Arc<dyn CryptoProvider> {
    Arc::new(RustCryptoProvider::new())
}

/// Alice and Bob in one group; the Welcome carried no tree, Bob took it out of band from
/// Alice's pending commit.
fn alice_and_bob(provider: &Arc<dyn CryptoProvider>) -> (Group, Group) {
    let alice = Client::new(provider.clone(), SUITE, b"alice").unwrap();
    let mut bob = Client::new(provider.clone(), SUITE, b"bob").unwrap();
    let mut a = alice.create_group(b"group").unwrap();
    a.set_ratchet_tree_extension(false);
    assert_eq!(a.pending_commit_ratchet_tree().unwrap(), None);
    let out = a.add_members(&[bob.key_package().unwrap()]).unwrap();
    let tree = a.pending_commit_ratchet_tree().unwrap().unwrap();
    let welcome = out.welcome.unwrap();
    assert!(matches!(
        bob.join(&welcome, None),
        Err(GroupError::MissingRatchetTree)
    ));
    a.merge_pending_commit().unwrap();
    assert_eq!(tree, a.ratchet_tree().unwrap());
    let b = bob.join(&welcome, Some(&tree)).unwrap();
    assert_eq!(a.epoch_authenticator(), b.epoch_authenticator());
    (a, b)
}

#[test]
fn a_pending_commits_tree_lets_a_joiner_in_without_the_extension() {
    alice_and_bob(&provider());
}

#[test]
fn a_resumption_psk_proposal_is_committed_by_reference() {
    let provider = provider();
    let (mut a, mut b) = alice_and_bob(&provider);
    assert!(matches!(
        b.propose_resumption_psk(7),
        Err(GroupError::UnknownPsk)
    ));
    let proposal = b.propose_resumption_psk(1).unwrap();
    a.process_message(&proposal).unwrap();
    let out = a.commit(CommitOptions::default()).unwrap();
    a.merge_pending_commit().unwrap();
    assert!(matches!(
        b.process_message(&out.commit).unwrap(),
        ProcessedMessage::Commit { epoch: 2, .. }
    ));
    assert_eq!(a.epoch_authenticator(), b.epoch_authenticator());
}

#[test]
fn a_branch_takes_the_given_extensions_and_a_path() {
    let provider = provider();
    let (mut a, b) = alice_and_bob(&provider);
    // The branch takes the parent's settings: its Welcome carries the tree again.
    a.set_ratchet_tree_extension(true);
    let mut bob = Client::new(provider.clone(), SUITE, b"bob").unwrap();
    let extensions = vec![Extension {
        extension_type: ExtensionType::REQUIRED_CAPABILITIES,
        extension_data: VarBytes(vec![0, 0, 0]),
    }];
    let (branch, out) = a
        .branch_with_extensions(
            b"branch",
            extensions.clone(),
            &[bob.key_package().unwrap()],
            true,
        )
        .unwrap();
    assert_eq!(branch.group_context().extensions, extensions);
    let joined = bob.join_branch(&out.welcome.unwrap(), None, &b).unwrap();
    assert_eq!(joined.epoch_authenticator(), branch.epoch_authenticator());
    assert_eq!(joined.group_context().extensions, extensions);
}

#[test]
fn a_reinit_group_with_a_path_is_joined() {
    let provider = provider();
    let (mut a, mut b) = alice_and_bob(&provider);
    let out = a
        .commit_reinit(b"new", ProtocolVersion::MLS10, SUITE, Vec::new())
        .unwrap();
    a.merge_pending_commit().unwrap();
    b.process_message(&out.commit).unwrap();
    let alice2 = Client::new(provider.clone(), SUITE, b"alice").unwrap();
    let mut bob2 = Client::new(provider.clone(), SUITE, b"bob").unwrap();
    let (new_a, out) = a
        .reinit_group_with_path(&alice2, &[bob2.key_package().unwrap()], true)
        .unwrap();
    let new_b = bob2.join_reinit(&out.welcome.unwrap(), None, &b).unwrap();
    assert_eq!(new_a.epoch_authenticator(), new_b.epoch_authenticator());
}

#[test]
fn a_key_package_made_elsewhere_is_joined_only_with_its_signer() {
    let provider = provider();
    let suite = provider.suite(SUITE).unwrap();
    let keys = suite.generate_signature_key_pair().unwrap();
    let signer = suite.signer(&keys.private_key).unwrap();
    let credential = mls_codec::Credential::Basic {
        identity: VarBytes::from(&b"carol"[..]),
    };
    let options = KeyPackageOptions::new(SUITE, 1_700_000_000, 1 << 40);
    let bundle = create_key_package(suite, &*signer, credential.clone(), options.clone()).unwrap();

    let mut stranger = Client::new(provider.clone(), SUITE, b"carol").unwrap();
    assert!(matches!(
        stranger.add_key_package(bundle),
        Err(GroupError::KeyPackageSignerMismatch)
    ));

    let bundle = create_key_package(suite, &*signer, credential.clone(), options).unwrap();
    let mut carol =
        Client::with_signature_key(provider.clone(), SUITE, credential, &keys.private_key).unwrap();
    let key_package = carol.add_key_package(bundle).unwrap();
    let alice = Client::new(provider.clone(), SUITE, b"alice").unwrap();
    let mut a = alice.create_group(b"group").unwrap();
    let out = a.add_members(&[key_package]).unwrap();
    a.merge_pending_commit().unwrap();
    let c = carol.join(&out.welcome.unwrap(), None).unwrap();
    assert_eq!(a.epoch_authenticator(), c.epoch_authenticator());
}
