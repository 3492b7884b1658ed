//! One group mixing all three implementations, driven by seeded random operations: adds
//! (by value, by reference and by external commit), removes, self-updates, proposals by
//! reference, empty commits and application messages. Everyone agrees after every epoch.

use mls_interop::matrix::Tally;
use mls_interop::{Client, Error, Implementation, Party, Received, Result, implementations};

/// A small deterministic generator (xorshift64*), so that a failing run can be replayed
/// from its seed.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        let value = self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 33;
        usize::try_from(value).unwrap_or(0) % n
    }
}

/// Picks a member other than those in `not`.
fn other(rng: &mut Rng, party: &Party, not: &[usize]) -> Option<usize> {
    let candidates: Vec<usize> = (0..party.members.len())
        .filter(|i| !not.contains(i))
        .collect();
    (!candidates.is_empty()).then(|| candidates[rng.below(candidates.len())])
}

struct World {
    impls: Vec<Box<dyn Implementation>>,
    /// The client behind each member of the party, same order.
    clients: Vec<Box<dyn Client>>,
    party: Party,
    suite: u16,
    joined: usize,
}

impl World {
    fn new_client(&mut self, rng: &mut Rng) -> Box<dyn Client> {
        let which = rng.below(self.impls.len());
        self.joined += 1;
        let name = format!("{}-{}", self.impls[which].name(), self.joined);
        self.impls[which].client(self.suite, name.as_bytes())
    }

    /// Adds a member by value from `committer`.
    fn add(&mut self, rng: &mut Rng, committer: usize) -> Result<String> {
        let mut client = self.new_client(rng);
        let commit = self.party.members[committer].add(&[client.key_package()?])?;
        self.commit_and_welcome(committer, &commit, client)
    }

    fn commit_and_welcome(
        &mut self,
        committer: usize,
        commit: &mls_interop::Commit,
        mut client: Box<dyn Client>,
    ) -> Result<String> {
        self.commit(committer, commit)?;
        let welcome = commit
            .welcome
            .as_deref()
            .ok_or_else(|| Error::Failed("no Welcome".into()))?;
        self.party.members.push(client.join(welcome, None)?);
        self.clients.push(client);
        self.party.check()?;
        Ok(format!("{committer} adds"))
    }

    /// Delivers a commit, dropping the clients of removed members in step with the party.
    fn commit(&mut self, committer: usize, commit: &mls_interop::Commit) -> Result<()> {
        let before: Vec<u32> = self.party.members.iter().map(|m| m.own_leaf()).collect();
        self.party.commit(committer, commit)?;
        let after: Vec<u32> = self.party.members.iter().map(|m| m.own_leaf()).collect();
        let mut kept = Vec::new();
        let clients = std::mem::take(&mut self.clients);
        for (client, leaf) in clients.into_iter().zip(before) {
            if after.contains(&leaf) {
                kept.push(client);
            }
        }
        self.clients = kept;
        Ok(())
    }

    fn step(&mut self, rng: &mut Rng) -> Result<String> {
        let committer = rng.below(self.party.members.len());
        match rng.below(7) {
            0 => self.add(rng, committer),
            1 => {
                let commit = self.party.members[committer].update()?;
                self.commit(committer, &commit)?;
                Ok(format!("{committer} updates"))
            }
            2 if self.party.members.len() > 2 => {
                let Some(target) = other(rng, &self.party, &[committer]) else {
                    return Ok("nothing".into());
                };
                let leaf = self.party.members[target].own_leaf();
                let commit = self.party.members[committer].remove(leaf)?;
                self.commit(committer, &commit)?;
                Ok(format!("{committer} removes {target}"))
            }
            3 => {
                let Some(proposer) = other(rng, &self.party, &[committer]) else {
                    return Ok("nothing".into());
                };
                let (proposal, what, added) = match rng.below(3) {
                    0 => (
                        self.party.members[proposer].propose_update()?,
                        "an update",
                        None,
                    ),
                    1 if self.party.members.len() > 2 => {
                        let Some(target) = other(rng, &self.party, &[committer, proposer]) else {
                            return Ok("nothing".into());
                        };
                        let leaf = self.party.members[target].own_leaf();
                        (
                            self.party.members[proposer].propose_remove(leaf)?,
                            "a remove",
                            None,
                        )
                    }
                    _ => {
                        let mut client = self.new_client(rng);
                        let key_package = client.key_package()?;
                        let proposal = self.party.members[proposer].propose_add(&key_package)?;
                        (proposal, "an add", Some(client))
                    }
                };
                self.party
                    .deliver(proposer, &proposal, &Received::Proposal)?;
                let commit = self.party.members[committer].commit_pending()?;
                match added {
                    Some(client) => {
                        self.commit_and_welcome(committer, &commit, client)?;
                    }
                    None => self.commit(committer, &commit)?,
                }
                Ok(format!(
                    "{proposer} proposes {what}, {committer} commits it"
                ))
            }
            4 => {
                let data = format!("message from {committer}").into_bytes();
                let message = self.party.members[committer].protect(&data)?;
                self.party
                    .deliver(committer, &message, &Received::Application(data))?;
                Ok(format!("{committer} talks"))
            }
            5 => {
                let commit = self.party.members[committer].commit_pending()?;
                self.commit(committer, &commit)?;
                Ok(format!("{committer} commits nothing"))
            }
            _ => {
                let mut client = self.new_client(rng);
                let group_info = self.party.members[committer].group_info()?;
                let (member, commit) = client.external_join(&group_info, None, None, false)?;
                self.party.deliver(usize::MAX, &commit, &Received::Commit)?;
                self.party.members.push(member);
                self.clients.push(client);
                self.party.check()?;
                Ok(format!("a new client joins from {committer}'s GroupInfo"))
            }
        }
    }
}

const STEPS: usize = 40;

fn run(suite: u16, seed: u64) -> Result<()> {
    let mut rng = Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1);
    let impls = implementations();
    let creator = rng.below(impls.len());
    let mut client = impls[creator].client(suite, b"creator");
    let member = client.create_group(b"mixed", None)?;
    let mut world = World {
        impls,
        clients: vec![client],
        party: Party {
            members: vec![member],
        },
        suite,
        joined: 0,
    };
    // Every implementation is in the group before the random part.
    for which in 0..world.impls.len() {
        let mut client = world.impls[which].client(suite, format!("first {which}").as_bytes());
        let commit = world.party.members[0].add(&[client.key_package()?])?;
        world.commit_and_welcome(0, &commit, client)?;
    }
    let mut log = Vec::with_capacity(STEPS);
    for step in 0..STEPS {
        log.push(world.step(&mut rng).map_err(|error| match error {
            Error::Failed(reason) => Error::Failed(format!(
                "seed {seed} step {step} after [{}]: {reason}",
                log.join("; ")
            )),
            unsupported => unsupported,
        })?);
    }
    let members = &world.party.members;
    println!(
        "suite {suite} seed {seed}: epoch {}, {} members; {}",
        members[0].epoch(),
        members.len(),
        log.join("; ")
    );
    Ok(())
}

#[test]
fn a_group_of_all_three_through_random_operations() {
    let mut tally = Tally::default();
    let impls = implementations();
    for suite in mls_interop::SUITES {
        for seed in 1..=4 {
            let case = format!("mixed suite {suite} seed {seed}");
            let lacking: Vec<&str> = impls
                .iter()
                .filter(|i| !i.supports(suite))
                .map(|i| i.name())
                .collect();
            let outcome = if lacking.is_empty() {
                run(suite, seed)
            } else {
                Err(Error::Unsupported(format!(
                    "{} lacks suite {suite}",
                    lacking.join(", ")
                )))
            };
            tally.record("mixed group", case, outcome);
        }
    }
    tally.report();
}
