//! External joins and resyncs, external-sender proposals and external PSKs, for every
//! ordered pair (creator -> joiner) and every suite both support.

use mls_interop::matrix::{Tally, for_each_pair};
use mls_interop::{Error, Implementation, Party, Received, Result};

const GROUP: &[u8] = b"interop group";

fn welcome(commit: &mls_interop::Commit) -> Result<&[u8]> {
    commit
        .welcome
        .as_deref()
        .ok_or_else(|| Error::Failed("no Welcome".into()))
}

/// `a` creates the group and adds `b`'s client; `external_senders` goes into the GroupContext.
fn pair(
    a: &dyn Implementation,
    b: &dyn Implementation,
    suite: u16,
    external_senders: Option<&[u8]>,
    psk: bool,
) -> Result<Party> {
    let mut alice = a.client(suite, b"alice");
    let mut bob = b.client(suite, b"bob");
    if psk {
        alice.register_psk()?;
        bob.register_psk()?;
    }
    let mut creator = alice.create_group(GROUP, external_senders)?;
    let commit = creator.add(&[bob.key_package()?])?;
    let joiner = bob.join(welcome(&commit)?, None)?;
    let party = Party {
        members: vec![creator, joiner],
    };
    party.check()?;
    Ok(party)
}

/// A client of `b` joins `a`'s group by external commit from a GroupInfo of `a`'s member
/// (tree in the GroupInfo, or out of band); then `b`'s member resyncs by an external commit
/// that removes its old leaf. Application messages flow after each.
fn external_join(
    a: &dyn Implementation,
    b: &dyn Implementation,
    suite: u16,
    tree_in_group_info: bool,
) -> Result<()> {
    let mut alice = a.client(suite, b"alice");
    alice.set_tree_in_welcome(tree_in_group_info);
    let mut creator = alice.create_group(GROUP, None)?;
    let mut bob = b.client(suite, b"bob");
    let group_info = creator.group_info()?;
    let tree = (!tree_in_group_info)
        .then(|| creator.ratchet_tree())
        .transpose()?;
    let (joiner, commit) = bob.external_join(&group_info, tree.as_deref(), None, false)?;
    let mut party = Party {
        members: vec![creator, joiner],
    };
    party.deliver(1, &commit, &Received::Commit)?;
    party.check()?;
    let message = party.members[1].protect(b"joined")?;
    party.deliver(1, &message, &Received::Application(b"joined".to_vec()))?;

    // Resync: bob lost his state and rejoins, removing his old leaf.
    let old_leaf = party.members[1].own_leaf();
    let group_info = party.members[0].group_info()?;
    let tree = (!tree_in_group_info)
        .then(|| party.members[0].ratchet_tree())
        .transpose()?;
    let (rejoined, commit) =
        bob.external_join(&group_info, tree.as_deref(), Some(old_leaf), false)?;
    party.members.truncate(1);
    party.deliver(usize::MAX, &commit, &Received::Commit)?;
    party.members.push(rejoined);
    party.check()?;
    if party.members[0].roster().len() != 2 {
        return Err(Error::Failed("the resync left the old leaf".into()));
    }
    let message = party.members[0].protect(b"welcome back")?;
    party.deliver(
        0,
        &message,
        &Received::Application(b"welcome back".to_vec()),
    )
}

#[test]
fn external_joins_and_resyncs() {
    let mut tally = Tally::default();
    for (name, tree) in [
        ("external join+tree", true),
        ("external join, tree out of band", false),
    ] {
        for_each_pair(&mut tally, name, |a, b, suite| {
            external_join(a, b, suite, tree)
        });
    }
    tally.report();
}

/// The group lists an external sender (RFC 9420 §12.1.8.1) of `b`'s implementation: it
/// proposes to remove a third member (of `b`) and to add a fourth (of `a`); the group's
/// members receive both, and each side commits one by reference.
fn external_proposals(a: &dyn Implementation, b: &dyn Implementation, suite: u16) -> Result<()> {
    let mut sender = b.external_sender(suite, b"delivery service");
    let data = mls_interop::external_senders_data(b"delivery service", &sender.signature_key())?;
    let mut party = pair(a, b, suite, Some(&data), false)?;
    let mut carol = b.client(suite, b"carol");
    let commit = party.members[1].add(&[carol.key_package()?])?;
    party.commit(1, &commit)?;
    party.members.push(carol.join(welcome(&commit)?, None)?);
    party.check()?;

    let leaf = party.members[2].own_leaf();
    let group_info = party.members[0].group_info()?;
    let remove = sender.propose_remove(&group_info, leaf)?;
    party.deliver(usize::MAX, &remove, &Received::Proposal)?;
    let commit = party.members[0].commit_pending()?;
    party.commit(0, &commit)?;
    if party.members.len() != 2 {
        return Err(Error::Failed(
            "the externally removed member is still there".into(),
        ));
    }

    let mut dave = a.client(suite, b"dave");
    let group_info = party.members[1].group_info()?;
    let add = sender.propose_add(&group_info, &dave.key_package()?)?;
    party.deliver(usize::MAX, &add, &Received::Proposal)?;
    let commit = party.members[1].commit_pending()?;
    party.commit(1, &commit)?;
    party.members.push(dave.join(welcome(&commit)?, None)?);
    party.check()
}

#[test]
fn external_sender_proposals() {
    let mut tally = Tally::default();
    for_each_pair(&mut tally, "external proposals", external_proposals);
    tally.report();
}

/// Both members hold the external PSK (§8.4): each proposes it and the other commits it by
/// reference; then a client of `b` holding it joins by an external commit that injects it.
fn external_psk(a: &dyn Implementation, b: &dyn Implementation, suite: u16) -> Result<()> {
    let mut party = pair(a, b, suite, None, true)?;
    for (proposer, committer) in [(0, 1), (1, 0)] {
        let proposal = party.members[proposer].propose_psk()?;
        party.deliver(proposer, &proposal, &Received::Proposal)?;
        let commit = party.members[committer].commit_pending()?;
        party.commit(committer, &commit)?;
    }
    let mut erin = b.client(suite, b"erin");
    erin.register_psk()?;
    let group_info = party.members[0].group_info()?;
    let (joined, commit) = erin.external_join(&group_info, None, None, true)?;
    party.deliver(usize::MAX, &commit, &Received::Commit)?;
    party.members.push(joined);
    party.check()
}

#[test]
fn external_psks() {
    let mut tally = Tally::default();
    for_each_pair(&mut tally, "external psk", external_psk);
    tally.report();
}
