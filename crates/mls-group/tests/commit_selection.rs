//! The committer's choice of proposals (RFC 9420 §12.2): whatever proposals a member has
//! received, it can commit, leaving out those that would make its commit invalid, and every
//! member agrees on the result.
#![expect(
    clippy::unwrap_used,
    reason = "a test fails by panicking, helpers included"
)]

use std::sync::Arc;

use mls_codec::{CipherSuite, Proposal, ProtocolVersion};
use mls_crypto::{CryptoProvider, Secret};
use mls_crypto_rustcrypto::RustCryptoProvider;
use mls_group::{Client, CommitOptions, Group, GroupError, ProcessedMessage, ProposalError};
use proptest::prelude::*;

/// `count` members in one group, each a separate client, with the external PSK "shared"
/// registered everywhere; and two clients outside it whose key packages can be proposed.
fn group_of(suite: CipherSuite, count: usize) -> (Vec<Group>, Vec<Client>) {
    let provider: Arc<dyn CryptoProvider> = Arc::new(RustCryptoProvider);
    let creator = Client::new(provider.clone(), suite, b"member 0").unwrap();
    let mut others: Vec<Client> = (1..count)
        .map(|i| Client::new(provider.clone(), suite, format!("member {i}").as_bytes()).unwrap())
        .collect();
    let outsiders = (0..2)
        .map(|i| Client::new(provider.clone(), suite, format!("outsider {i}").as_bytes()).unwrap())
        .collect();
    let mut first = creator.create_group(b"selection").unwrap();
    let key_packages: Vec<Vec<u8>> = others
        .iter_mut()
        .map(|c| c.key_package().unwrap())
        .collect();
    let out = first.add_members(&key_packages).unwrap();
    first.merge_pending_commit().unwrap();
    let welcome = out.welcome.unwrap();
    let mut groups = vec![first];
    groups.extend(others.iter_mut().map(|c| c.join(&welcome, None).unwrap()));
    for group in &mut groups {
        group.add_external_psk(b"shared", Secret::new(vec![7; 32]));
    }
    (groups, outsiders)
}

/// Delivers `message` from `groups[from]` to every other member in `groups`.
fn deliver(groups: &mut [Group], from: usize, message: &[u8]) {
    for (i, group) in groups.iter_mut().enumerate() {
        if i != from {
            group.process_message(message).unwrap();
        }
    }
}

/// `groups[committer]` commits what it has cached; the others process the commit. Returns
/// the output's omitted proposals' reasons and keeps, in `groups`, the members still in the
/// group, all of which must agree on the new epoch.
fn commit_and_check(groups: &mut Vec<Group>, committer: usize) -> Vec<String> {
    let out = groups[committer].commit(CommitOptions::default()).unwrap();
    groups[committer].merge_pending_commit().unwrap();
    let mut stayed = Vec::new();
    for (i, mut group) in std::mem::take(groups).into_iter().enumerate() {
        if i == committer {
            stayed.push(group);
            continue;
        }
        match group.process_message(&out.commit) {
            Ok(ProcessedMessage::Commit { .. }) => stayed.push(group),
            Ok(ProcessedMessage::Removed { .. }) => assert!(group.is_removed()),
            other => panic!("member {i} processes the commit as {other:?}"),
        }
    }
    let authenticator = stayed[0].epoch_authenticator().to_vec();
    for group in &stayed {
        assert_eq!(group.epoch_authenticator(), authenticator);
        assert_eq!(group.tree_hash(), stayed[0].tree_hash());
    }
    *groups = stayed;
    out.omitted.iter().map(|o| o.reason.to_string()).collect()
}

#[test]
fn two_removes_of_one_member_leave_one_out() {
    for &suite in RustCryptoProvider.supported_suites() {
        let (mut groups, _) = group_of(suite, 4);
        let dave = groups[3].own_leaf();
        for proposer in [0, 1] {
            let proposal = groups[proposer].propose_remove(dave).unwrap();
            deliver(&mut groups, proposer, &proposal);
        }
        // Carol received both: her commit includes one and reports the other.
        let out = groups[2].commit(CommitOptions::default()).unwrap();
        assert_eq!(out.omitted.len(), 1);
        assert!(matches!(
            out.omitted[0].reason,
            GroupError::Proposal(ProposalError::DuplicateUpdateOrRemove { leaf }) if leaf == dave
        ));
        groups[2].clear_pending_commit();
        // A self-update works as well, and everyone follows it.
        let out = groups[2].self_update().unwrap();
        groups[2].merge_pending_commit().unwrap();
        for i in [0, 1] {
            groups[i].process_message(&out.commit).unwrap();
        }
        assert!(matches!(
            groups[3].process_message(&out.commit),
            Ok(ProcessedMessage::Removed { .. })
        ));
        assert_eq!(groups[0].member_count(), 3);
        assert_eq!(
            groups[0].epoch_authenticator(),
            groups[2].epoch_authenticator()
        );
        assert_eq!(
            groups[1].epoch_authenticator(),
            groups[2].epoch_authenticator()
        );
    }
}

#[test]
fn our_own_update_proposal_is_left_out_of_our_commit() {
    let suite = CipherSuite::MLS_128_DHKEMX25519_AES128GCM_SHA256_ED25519;
    let (mut groups, _) = group_of(suite, 3);
    let proposal = groups[1].propose_update().unwrap();
    deliver(&mut groups, 1, &proposal);
    let omitted = commit_and_check(&mut groups, 1);
    assert_eq!(omitted.len(), 1, "{omitted:?}");
    assert_eq!(groups.len(), 3);
}

#[test]
fn declined_proposals_stay_out_of_our_commits_but_not_of_others() {
    let suite = CipherSuite::MLS_128_DHKEMX25519_AES128GCM_SHA256_ED25519;
    let (mut groups, _) = group_of(suite, 3);
    let carol = groups[2].own_leaf();
    let proposal = groups[1].propose_remove(carol).unwrap();
    deliver(&mut groups, 1, &proposal);
    groups[0].clear_proposals();
    let out = groups[0].commit(CommitOptions::default()).unwrap();
    assert!(matches!(
        out.omitted.as_slice(),
        [omitted] if matches!(omitted.reason, GroupError::ProposalDeclined)
    ));
    groups[0].clear_pending_commit();
    // Bob commits the Remove by reference: Alice still knows it and follows.
    let omitted = commit_and_check(&mut groups, 1);
    assert!(omitted.is_empty());
    assert_eq!(groups.len(), 2);
    assert_eq!(groups[0].member_count(), 2);
}

#[test]
fn a_cached_reinit_is_left_out_beside_other_proposals() {
    let suite = CipherSuite::MLS_128_DHKEMX25519_AES128GCM_SHA256_ED25519;
    let (mut groups, _) = group_of(suite, 3);
    let carol = groups[2].own_leaf();
    let remove = groups[1].propose_remove(carol).unwrap();
    deliver(&mut groups, 1, &remove);
    let reinit = groups[1]
        .propose_reinit(b"next", ProtocolVersion::MLS10, suite, Vec::new())
        .unwrap();
    deliver(&mut groups, 1, &reinit);
    let omitted = commit_and_check(&mut groups, 0);
    assert_eq!(omitted.len(), 1, "{omitted:?}");
    assert!(groups[0].reinit().is_none());
    assert_eq!(groups.len(), 2);
}

/// One proposal a member sends in the property test below.
#[derive(Debug, Clone)]
enum Action {
    /// Remove the member at this position (modulo the group's size) of `groups`.
    Remove(usize),
    Update,
    /// Add outsider `.0` with a fresh key package (`.1` false) or its first one again.
    Add(usize, bool),
    /// A PSK every member has (true) or none has (false).
    Psk(bool),
    GroupContextExtensions,
    ReInit,
}

fn action() -> impl Strategy<Value = Action> {
    prop_oneof![
        4 => (0usize..8).prop_map(Action::Remove),
        3 => Just(Action::Update),
        3 => (0usize..2, any::<bool>()).prop_map(|(o, again)| Action::Add(o, again)),
        2 => any::<bool>().prop_map(Action::Psk),
        2 => Just(Action::GroupContextExtensions),
        1 => Just(Action::ReInit),
    ]
}

/// Rounds of (proposer, action) pairs followed by a committer, all as positions modulo the
/// number of members still in the group.
fn rounds() -> impl Strategy<Value = Vec<(Vec<(usize, Action)>, usize)>> {
    prop::collection::vec(
        (
            prop::collection::vec((0usize..8, action()), 1..7),
            0usize..8,
        ),
        1..4,
    )
}

/// The number of cases: `PROPTEST_CASES` if set (run 200 or more locally), else 8.
fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|cases| cases.parse().ok())
        .unwrap_or(8)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases()))]

    /// Random members send random, often conflicting proposals that every member receives;
    /// then a random member commits. The commit always succeeds, the members it keeps agree
    /// on the new epoch, and every cached proposal is either committed or reported omitted.
    #[test]
    fn any_member_can_always_commit(rounds in rounds()) {
        let suite = CipherSuite::MLS_128_DHKEMX25519_AES128GCM_SHA256_ED25519;
        let (mut groups, mut outsiders) = group_of(suite, 4);
        let mut first_key_packages: Vec<Option<Vec<u8>>> = vec![None, None];
        for (actions, committer) in rounds {
            if groups[0].reinit().is_some() {
                break;
            }
            for (proposer, action) in actions {
                let proposer = proposer % groups.len();
                let sent = match action {
                    Action::Remove(target) => {
                        let target = groups[target % groups.len()].own_leaf();
                        groups[proposer].propose_remove(target)
                    }
                    Action::Update => groups[proposer].propose_update(),
                    Action::Add(outsider, again) => {
                        let key_package = match (&first_key_packages[outsider], again) {
                            (Some(first), true) => first.clone(),
                            _ => {
                                let fresh = outsiders[outsider].key_package().unwrap();
                                first_key_packages[outsider].get_or_insert(fresh.clone());
                                fresh
                            }
                        };
                        groups[proposer].propose_add(&key_package)
                    }
                    Action::Psk(shared) => groups[proposer]
                        .propose_external_psk(if shared { b"shared" } else { b"nobody's" }),
                    Action::GroupContextExtensions => {
                        groups[proposer].propose_group_context_extensions(Vec::new())
                    }
                    Action::ReInit => groups[proposer].propose_reinit(
                        b"reinit",
                        ProtocolVersion::MLS10,
                        suite,
                        Vec::new(),
                    ),
                };
                // A proposal its sender accepts, every member accepts.
                if let Ok(message) = sent {
                    deliver(&mut groups, proposer, &message);
                }
            }
            let committer = committer % groups.len();
            commit_and_check(&mut groups, committer);
        }
    }
}

#[test]
fn our_own_proposals_by_value_are_never_dropped() {
    let suite = CipherSuite::MLS_128_DHKEMX25519_AES128GCM_SHA256_ED25519;
    let (mut groups, _) = group_of(suite, 3);
    let carol = groups[2].own_leaf();
    let remove = groups[1].propose_remove(carol).unwrap();
    deliver(&mut groups, 1, &remove);
    // Our Remove of Carol by value wins over Bob's cached one, which is reported.
    let out = groups[0]
        .commit(
            CommitOptions::default().with_proposals(vec![Proposal::Remove(mls_codec::Remove {
                removed: carol.0,
            })]),
        )
        .unwrap();
    assert_eq!(out.omitted.len(), 1);
    // Proposals of ours that are invalid together are an error, not silently dropped.
    groups[0].clear_pending_commit();
    let twice = Proposal::Remove(mls_codec::Remove { removed: carol.0 });
    assert!(matches!(
        groups[0].commit(CommitOptions::default().with_proposals(vec![twice.clone(), twice])),
        Err(GroupError::Proposal(
            ProposalError::DuplicateUpdateOrRemove { .. }
        ))
    ));
}
