//! GREASE (RFC 9420 §13.5) against the peers: our default (GREASE values in capability
//! lists only) is what the pair tests use; this checks what full GREASE (also a GREASE
//! extension in each leaf node, key package and GroupInfo) meets, step by step, and that
//! the documented outcome still holds: mls-rs and ours accept it, OpenMLS 0.9 does not.

use mls_group::Grease;
use mls_interop::{Error, Implementation, MlsRs, OpenMls, Ours, Party, Received, Result};

const SUITE: u16 = 1;

/// Our key package with full GREASE, added by `peer`.
fn peer_adds_us(peer: &dyn Implementation, ours: &Ours) -> Result<()> {
    let mut us = ours.client(SUITE, b"us");
    let mut creator = peer.client(SUITE, b"peer").create_group(b"g", None)?;
    let commit = creator.add(&[us.key_package()?])?;
    let joined = us.join(commit.welcome.as_deref().unwrap_or_default(), None)?;
    Party {
        members: vec![creator, joined],
    }
    .check()
}

/// The peer joins our group from our Welcome (GREASE in its GroupInfo and our leaf), and we
/// commit a self-update.
fn we_add_peer(peer: &dyn Implementation, ours: &Ours) -> Result<()> {
    let mut them = peer.client(SUITE, b"peer");
    let mut creator = ours.client(SUITE, b"us").create_group(b"g", None)?;
    let commit = creator.add(&[them.key_package()?])?;
    let joined = them.join(commit.welcome.as_deref().unwrap_or_default(), None)?;
    let mut party = Party {
        members: vec![creator, joined],
    };
    party.check()?;
    let commit = party.members[0].update()?;
    party.commit(0, &commit)
}

/// The peer joins our group by external commit, from our GroupInfo.
fn peer_joins_externally(peer: &dyn Implementation, ours: &Ours) -> Result<()> {
    let mut creator = ours.client(SUITE, b"us").create_group(b"g", None)?;
    let group_info = creator.group_info()?;
    let (joined, commit) =
        peer.client(SUITE, b"peer")
            .external_join(&group_info, None, None, false)?;
    let mut party = Party {
        members: vec![creator, joined],
    };
    party.deliver(1, &commit, &Received::Commit)?;
    party.check()
}

type Step = fn(&dyn Implementation, &Ours) -> Result<()>;

fn outcomes(grease: Grease, peer: &dyn Implementation) -> Vec<(&'static str, bool)> {
    let ours = Ours::with_grease(grease);
    let steps: [(&str, Step); 3] = [
        ("peer adds our key package", peer_adds_us),
        ("peer joins by our Welcome", we_add_peer),
        ("peer joins by external commit", peer_joins_externally),
    ];
    steps
        .into_iter()
        .map(|(name, step)| {
            let outcome = step(peer, &ours);
            println!(
                "{:?} with {}: {name}: {}",
                grease,
                peer.name(),
                match &outcome {
                    Ok(()) => "ok".to_string(),
                    Err(Error::Failed(reason) | Error::Unsupported(reason)) => reason.clone(),
                }
            );
            (name, outcome.is_ok())
        })
        .collect()
}

#[test]
fn default_grease_meets_every_peer() {
    for peer in [&Ours::default() as &dyn Implementation, &OpenMls, &MlsRs] {
        for (step, ok) in outcomes(Grease::default(), peer) {
            assert!(ok, "{step} with {}", peer.name());
        }
    }
}

#[test]
fn full_grease_meets_mls_rs_and_ours_but_not_openmls() {
    for peer in [&Ours::default() as &dyn Implementation, &MlsRs] {
        for (step, ok) in outcomes(Grease::Full, peer) {
            assert!(ok, "{step} with {}", peer.name());
        }
    }
    // OpenMLS 0.9 refuses a leaf node with a GREASE extension even when its capabilities
    // list it. If this starts to pass, OpenMLS has fixed it and the default can widen.
    let openmls = outcomes(Grease::Full, &OpenMls);
    assert!(openmls.iter().any(|(_, ok)| !ok), "{openmls:?}");
}
