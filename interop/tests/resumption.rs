//! ReInit (RFC 9420 §11.2) and branching (§11.3) across implementations, for every ordered
//! pair and suite both support; OpenMLS 0.9 has neither, so its pairs are skipped.

use mls_interop::matrix::{Tally, for_each_pair};
use mls_interop::{Commit, Error, Implementation, Party, Received, Result};

fn pair(a: &dyn Implementation, b: &dyn Implementation, suite: u16) -> Result<Party> {
    let mut bob = b.client(suite, b"bob");
    let mut creator = a.client(suite, b"alice").create_group(b"old group", None)?;
    let commit = creator.add(&[bob.key_package()?])?;
    let joiner = bob.join(welcome(&commit)?, None)?;
    let party = Party {
        members: vec![creator, joiner],
    };
    party.check()?;
    Ok(party)
}

fn welcome(commit: &Commit) -> Result<&[u8]> {
    commit
        .welcome
        .as_deref()
        .ok_or_else(|| Error::Failed("no Welcome".into()))
}

/// The two members of a new group talk, and the joiner commits a self-update.
fn use_new_group(mut party: Party) -> Result<()> {
    party.check()?;
    let message = party.members[1].protect(b"in the new group")?;
    party.deliver(
        1,
        &message,
        &Received::Application(b"in the new group".to_vec()),
    )?;
    let commit = party.members[1].update()?;
    party.commit(1, &commit)
}

/// `a` commits a ReInit; `b` processes it; `a` creates the successor group from `b`'s new
/// key package and `b` joins it.
fn reinit(a: &dyn Implementation, b: &dyn Implementation, suite: u16) -> Result<()> {
    let mut party = pair(a, b, suite)?;
    let commit = party.members[0].commit_reinit(b"new group")?;
    party.commit(0, &commit)?;
    let key_package = party.members[1].reinit_key_package()?;
    let (creator, commit) = party.members[0].reinit_create(&[key_package])?;
    let joiner = party.members[1].reinit_join(welcome(&commit)?)?;
    use_new_group(Party {
        members: vec![creator, joiner],
    })
}

/// `a` branches a subgroup with `b`, who joins it from the parent group.
fn branch(a: &dyn Implementation, b: &dyn Implementation, suite: u16) -> Result<()> {
    let mut party = pair(a, b, suite)?;
    let key_package = party.members[1].branch_key_package()?;
    let (creator, commit) = party.members[0].branch(b"subgroup", &[key_package])?;
    let joiner = party.members[1].join_branch(welcome(&commit)?)?;
    use_new_group(Party {
        members: vec![creator, joiner],
    })
}

#[test]
fn reinit_and_branching() {
    let mut tally = Tally::default();
    for_each_pair(&mut tally, "reinit", reinit);
    for_each_pair(&mut tally, "branch", branch);
    tally.report();
}
