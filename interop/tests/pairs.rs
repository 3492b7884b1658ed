//! Two implementations in one group, for every ordered pair (creator -> joiner) and every
//! suite both support: Welcome joins, application messages, ten epochs of commits.

use mls_interop::matrix::{Tally, for_each_pair};
use mls_interop::{Commit, Error, Implementation, Party, Received, Result};

const GROUP: &[u8] = b"interop group";

/// `a` creates a group and adds a client of `b`, with the tree in the Welcome or given out of
/// band; both then agree.
fn two(
    a: &dyn Implementation,
    b: &dyn Implementation,
    suite: u16,
    tree_in_welcome: bool,
) -> Result<Party> {
    let mut alice = a.client(suite, b"alice");
    let mut bob = b.client(suite, b"bob");
    alice.set_tree_in_welcome(tree_in_welcome);
    bob.set_tree_in_welcome(tree_in_welcome);
    let mut creator = alice.create_group(GROUP, None)?;
    let Commit { welcome, .. } = creator.add(&[bob.key_package()?])?;
    let welcome = welcome.ok_or_else(|| Error::Failed("no Welcome".into()))?;
    let tree = (!tree_in_welcome)
        .then(|| creator.ratchet_tree())
        .transpose()?;
    let joiner = bob.join(&welcome, tree.as_deref())?;
    let party = Party {
        members: vec![creator, joiner],
    };
    party.check()?;
    Ok(party)
}

/// Application messages both ways, then three from one side read in reverse order.
fn talk(party: &mut Party) -> Result<()> {
    for from in [0, 1] {
        let data = format!("hello from {from}").into_bytes();
        let message = party.members[from].protect(&data)?;
        party.deliver(from, &message, &Received::Application(data))?;
    }
    let messages: Vec<(Vec<u8>, Vec<u8>)> = (0..3)
        .map(|i| {
            let data = vec![i; 100];
            party.members[0].protect(&data).map(|m| (m, data))
        })
        .collect::<Result<_>>()?;
    for (message, data) in messages.into_iter().rev() {
        party.deliver(0, &message, &Received::Application(data))?;
    }
    Ok(())
}

#[test]
fn welcome_join_and_application_messages() {
    let mut tally = Tally::default();
    for (name, tree_in_welcome) in [("welcome+tree", true), ("welcome, tree out of band", false)] {
        for_each_pair(&mut tally, name, |a, b, suite| {
            let mut party = two(a, b, suite, tree_in_welcome)?;
            talk(&mut party)
        });
    }
    tally.report();
}

/// Ten epochs after the join, committers alternating between the two implementations: an
/// Add (of a client of the other implementation), a self-update, a Remove, proposals by
/// reference from the other side (Update, Add, Remove) and empty commits. Everyone agrees
/// after every epoch.
fn ten_epochs(a: &dyn Implementation, b: &dyn Implementation, suite: u16) -> Result<()> {
    let mut party = two(a, b, suite, true)?;
    let impls = [a, b];
    // Party index of the committer in epoch i: 0 (a) and 1 (b) alternate.
    for epoch in 0..10usize {
        let committer = epoch % 2;
        let other = 1 - committer;
        match epoch {
            // Add a client of the other implementation.
            0 | 4 => {
                let mut carol = impls[other].client(suite, format!("carol{epoch}").as_bytes());
                let key_package = carol.key_package()?;
                let commit = if epoch == 0 {
                    party.members[committer].add(&[key_package])?
                } else {
                    // By reference: the other side proposes, the committer commits.
                    let proposal = party.members[other].propose_add(&key_package)?;
                    party.deliver(other, &proposal, &Received::Proposal)?;
                    party.members[committer].commit_pending()?
                };
                party.commit(committer, &commit)?;
                let welcome = commit
                    .welcome
                    .ok_or_else(|| Error::Failed("no Welcome".into()))?;
                party.members.push(carol.join(&welcome, None)?);
                party.check()?;
            }
            1 | 8 => {
                let commit = party.members[committer].update()?;
                party.commit(committer, &commit)?;
            }
            // Remove the member added in the previous add, by value or by reference.
            2 | 5 => {
                let leaf = party.members[2].own_leaf();
                let commit = if epoch == 2 {
                    party.members[committer].remove(leaf)?
                } else {
                    let proposal = party.members[other].propose_remove(leaf)?;
                    party.deliver(other, &proposal, &Received::Proposal)?;
                    party.members[committer].commit_pending()?
                };
                party.commit(committer, &commit)?;
                if party.members.len() != 2 {
                    return Err(Error::Failed("the removed member is still there".into()));
                }
            }
            // An Update proposed by the other side, committed by reference.
            3 | 9 => {
                let proposal = party.members[other].propose_update()?;
                party.deliver(other, &proposal, &Received::Proposal)?;
                let commit = party.members[committer].commit_pending()?;
                party.commit(committer, &commit)?;
            }
            // Empty commits.
            _ => {
                let commit = party.members[committer].commit_pending()?;
                party.commit(committer, &commit)?;
            }
        }
        talk(&mut party)?;
    }
    if party.members[0].epoch() != 11 {
        return Err(Error::Failed(format!("epoch {}", party.members[0].epoch())));
    }
    Ok(())
}

#[test]
fn ten_epochs_of_commits() {
    let mut tally = Tally::default();
    for_each_pair(&mut tally, "ten epochs", ten_epochs);
    tally.report();
}
