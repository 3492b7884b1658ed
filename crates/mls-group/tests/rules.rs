//! The application's policy on proposals and paths (GroupConfig::proposal_rules,
//! require_path): a refused proposal or commit leaves the group byte-identical.
#![expect(
    clippy::unwrap_used,
    reason = "a test fails by panicking, helpers included"
)]

mod common;

use std::sync::Arc;

use mls_codec::{Proposal, Sender};
use mls_crypto::CryptoProvider;
use mls_crypto::test_support::for_each_suite;
use mls_group::{Client, Group, GroupConfig, GroupError, ProposalRefusal, ProposalRules};
use mls_tree::LeafIndex;

use common::providers;

/// Only leaf 0 adds and removes members.
#[derive(Debug)]
struct AdminManagesMembers;

impl ProposalRules for AdminManagesMembers {
    fn accept(&self, sender: &Sender, proposal: &Proposal) -> Result<(), ProposalRefusal> {
        let manages_members = matches!(proposal, Proposal::Add(_) | Proposal::Remove(_));
        match sender {
            Sender::Member(leaf) if manages_members && leaf.0 != 0 => Err(ProposalRefusal::msg(
                "only the administrator manages members",
            )),
            _ => Ok(()),
        }
    }
}

/// Alice (leaf 0) and Bob (leaf 1), each with its configuration.
fn pair(
    provider: &Arc<dyn CryptoProvider>,
    suite: mls_codec::CipherSuite,
    alice_config: GroupConfig,
    bob_config: GroupConfig,
) -> (Group, Group) {
    let mut alice = Client::new(provider.clone(), suite, b"alice").unwrap();
    alice.set_config(alice_config);
    let mut bob = Client::new(provider.clone(), suite, b"bob").unwrap();
    bob.set_config(bob_config);
    let mut a = alice.create_group(b"rules").unwrap();
    let out = a.add_members(&[bob.key_package().unwrap()]).unwrap();
    a.merge_pending_commit().unwrap();
    let b = bob.join(&out.welcome.unwrap(), None).unwrap();
    (a, b)
}

#[track_caller]
fn assert_unchanged<T: std::fmt::Debug>(
    result: Result<T, GroupError>,
    expected: fn(&GroupError) -> bool,
    group: &Group,
    saved: &[u8],
) {
    match result {
        Err(error) if expected(&error) => {}
        other => panic!("unexpected {other:?}"),
    }
    assert_eq!(group.save().unwrap().as_slice(), saved);
}

#[test]
fn refused_proposals_are_rejected_whoever_sends_them() {
    for_each_suite(&providers(), |provider, suite| {
        let strict = GroupConfig::default().with_proposal_rules(Arc::new(AdminManagesMembers));
        let (mut a, mut b) = pair(provider, suite, strict.clone(), GroupConfig::default());
        let refused = |e: &GroupError| matches!(e, GroupError::ProposalRefused { .. });

        // Bob's lenient client sends a Remove of Alice; Alice's rules refuse it.
        let remove = b.propose_remove(LeafIndex(0)).unwrap();
        let saved = a.save().unwrap();
        assert_unchanged(a.process_message(&remove), refused, &a, &saved);
        b.clear_proposals();

        // Bob commits an Add of Carol by value: Alice refuses the commit.
        let mut carol = Client::new(provider.clone(), suite, b"carol").unwrap();
        let add = b.add_members(&[carol.key_package().unwrap()]).unwrap();
        assert_unchanged(a.process_message(&add.commit), refused, &a, &saved);
        b.clear_pending_commit();

        // With the same rules, Bob cannot send either.
        let (_, mut b) = pair(provider, suite, strict.clone(), strict);
        let saved = b.save().unwrap();
        let key_package = carol.key_package().unwrap();
        assert_unchanged(b.propose_add(&key_package), refused, &b, &saved);
        assert_unchanged(
            b.add_members(std::slice::from_ref(&key_package)),
            refused,
            &b,
            &saved,
        );
        // What the rules allow goes through.
        b.self_update().unwrap();
    });
}

#[test]
fn a_required_path_is_sent_and_checked() {
    for_each_suite(&providers(), |provider, suite| {
        let requiring = GroupConfig::default().with_require_path(true);
        let (mut a, mut b) = pair(provider, suite, GroupConfig::default(), requiring.clone());
        let mut carol = Client::new(provider.clone(), suite, b"carol").unwrap();

        // Alice's Add-only commit goes without a path; Bob requires one.
        let add = a.add_members(&[carol.key_package().unwrap()]).unwrap();
        let saved = b.save().unwrap();
        assert_unchanged(
            b.process_message(&add.commit),
            |e| matches!(e, GroupError::PathRequiredByConfig),
            &b,
            &saved,
        );
        a.clear_pending_commit();

        // With require_path, Alice's Add-only commits carry one, and Bob takes them.
        let (mut a, mut b) = pair(provider, suite, requiring.clone(), requiring);
        let add = a.add_members(&[carol.key_package().unwrap()]).unwrap();
        a.merge_pending_commit().unwrap();
        b.process_message(&add.commit).unwrap();
        assert_eq!(a.epoch_authenticator(), b.epoch_authenticator());
    });
}
