//! Random operation sequences on a group of 2 to 40 members, through the public API only:
//! every member is its own `Client` and `Group`, and members exchange nothing but encoded
//! messages (`Vec<u8>`). Commits add (one or several), update, remove, with or without an
//! UpdatePath, and include proposals sent earlier by reference; application messages are
//! sent in the current epoch or delivered one epoch late.
//!
//! After every epoch change every member has the same epoch, epoch authenticator, tree hash
//! and member list; every application message is read by every other member; a removed member
//! learns that it was removed; a joiner joins from the Welcome.
//!
//! Each case runs in every suite of the provider, at full size in suite 1 and scaled down in
//! the others (see `scaled`).

mod common;

use std::collections::HashMap;
use std::sync::Arc;

use mls_codec::{
    Add, CipherSuite, Credential, Decode, MlsMessage, MlsMessageBody, Proposal, Remove, WireFormat,
};
use mls_crypto::test_support::for_each_suite;
use mls_crypto::{CryptoProvider, SignatureKeyPair, Signer};
use mls_group::{
    Client, CommitOptions, CommitOutput, Group, GroupConfig, GroupError, ProcessedMessage,
};
use mls_tree::LeafIndex;
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;

use common::providers;

/// The most members the group may have at once.
const MAX_MEMBERS: usize = 40;
/// The suite a case runs in at full size; see [`scaled`] for the others.
const FULL_SIZE_SUITE: CipherSuite = CipherSuite::MLS_128_DHKEMX25519_AES128GCM_SHA256_ED25519;

/// The initial group size and the operations a case runs with in `suite`: all of them in
/// [`FULL_SIZE_SUITE`]; at most 6 members and the first 8 operations in the other suites
/// of the 128-bit level; at most 3 members and 4 operations in P-384 and P-521, whose
/// public-key operations cost 10 to 20 times more than X25519's and Ed25519's (a case of 8
/// members and 10 operations took 1 to 2 s there, against 0.05 to 0.8 s for the full case
/// in suite 1), and in the X448/Ed448 suites 4 and 6, which cost as much as P-384 (measured
/// in the test profile: Ed448 signs in 1 to 2 ms and verifies in 3 to 6 ms, an X448 HPKE
/// seal takes 6 to 7 ms, against 0.15, 0.3 and 0.7 ms in suite 1).
fn scaled(suite: CipherSuite, size: usize, ops: &[Op]) -> (usize, &[Op]) {
    let (members, operations) = if suite == FULL_SIZE_SUITE {
        (size, ops.len())
    } else if suite == CipherSuite::MLS_256_DHKEMP384_AES256GCM_SHA384_P384
        || suite == CipherSuite::MLS_256_DHKEMP521_AES256GCM_SHA512_P521
        || suite == CipherSuite::MLS_256_DHKEMX448_AES256GCM_SHA512_ED448
        || suite == CipherSuite::MLS_256_DHKEMX448_CHACHA20POLY1305_SHA512_ED448
    {
        (3, 4)
    } else {
        (6, 8)
    };
    (size.min(members), &ops[..ops.len().min(operations)])
}

/// One step. The selectors are reduced modulo the current number of members (or candidates),
/// so that every generated sequence is meaningful and shrinks well; a step that cannot apply
/// in the current state (e.g. every member is blocked by pending proposals) is skipped.
#[derive(Debug, Clone)]
enum Op {
    /// A commit adding `count` new clients by value, with a forced UpdatePath or without.
    Add {
        committer: u16,
        count: u8,
        path: bool,
    },
    /// A self-update: a commit with only an UpdatePath.
    Update { member: u16 },
    /// A commit removing `count` other members (at least one member stays), plus `adds` new
    /// clients by value.
    Remove {
        committer: u16,
        count: u8,
        seed: u16,
        adds: u8,
    },
    /// A commit of the proposals received so far, by reference, with or without a forced path.
    Commit { committer: u16, path: bool },
    /// A proposal to update the proposer's leaf, sent to every member.
    ProposeUpdate { member: u16 },
    /// A proposal to remove another member.
    ProposeRemove { proposer: u16, target: u16 },
    /// A proposal to add a new client.
    ProposeAdd { proposer: u16 },
    /// An application message, read by every other member now.
    Application { sender: u16, len: u8 },
    /// An application message delivered after the next commit (from a retained past epoch).
    LateApplication { sender: u16, len: u8 },
    /// A member saves its state and goes on with the state loaded from the saved bytes.
    Reload { member: u16 },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => (any::<u16>(), 1..=4u8, any::<bool>())
            .prop_map(|(committer, count, path)| Op::Add { committer, count, path }),
        3 => any::<u16>().prop_map(|member| Op::Update { member }),
        3 => (any::<u16>(), 1..=3u8, any::<u16>(), 0..=2u8).prop_map(
            |(committer, count, seed, adds)| Op::Remove { committer, count, seed, adds }
        ),
        2 => (any::<u16>(), any::<bool>()).prop_map(|(committer, path)| Op::Commit { committer, path }),
        2 => any::<u16>().prop_map(|member| Op::ProposeUpdate { member }),
        2 => (any::<u16>(), any::<u16>())
            .prop_map(|(proposer, target)| Op::ProposeRemove { proposer, target }),
        2 => any::<u16>().prop_map(|proposer| Op::ProposeAdd { proposer }),
        3 => (any::<u16>(), any::<u8>()).prop_map(|(sender, len)| Op::Application { sender, len }),
        1 => (any::<u16>(), any::<u8>())
            .prop_map(|(sender, len)| Op::LateApplication { sender, len }),
        1 => any::<u16>().prop_map(|member| Op::Reload { member }),
    ]
}

/// How each client behaves, chosen per client.
#[derive(Debug, Clone, Copy)]
struct Behaviour {
    public_handshakes: bool,
    ratchet_tree_extension: bool,
}

fn behaviour() -> impl Strategy<Value = Behaviour> {
    (any::<bool>(), any::<bool>()).prop_map(|(public_handshakes, ratchet_tree_extension)| {
        Behaviour {
            public_handshakes,
            ratchet_tree_extension,
        }
    })
}

/// A proposal received by every member and not yet committed.
enum Pending {
    Update(LeafIndex),
    Remove(LeafIndex),
    Add(String, Box<Client>),
}

struct Member {
    name: String,
    group: Group,
}

/// An application message sent in an earlier epoch, for the members who were there.
struct Late {
    message: Vec<u8>,
    data: Vec<u8>,
    sender: LeafIndex,
    recipients: Vec<String>,
}

struct World {
    provider: Arc<dyn CryptoProvider>,
    suite: CipherSuite,
    behaviours: Vec<Behaviour>,
    next_client: usize,
    members: Vec<Member>,
    pending: Vec<Pending>,
    late: Vec<Late>,
    /// Each client's signature key and configuration, to load its saved group.
    identities: HashMap<String, (SignatureKeyPair, GroupConfig)>,
    epochs: usize,
    messages: usize,
    reloads: usize,
}

fn check(condition: bool, what: impl FnOnce() -> String) -> Result<(), TestCaseError> {
    if condition {
        Ok(())
    } else {
        Err(TestCaseError::fail(what()))
    }
}

fn ok<T>(result: Result<T, GroupError>, what: &str) -> Result<T, TestCaseError> {
    result.map_err(|error| TestCaseError::fail(format!("{what}: {error}")))
}

impl World {
    fn new(
        provider: &Arc<dyn CryptoProvider>,
        suite: CipherSuite,
        behaviours: Vec<Behaviour>,
    ) -> Self {
        Self {
            provider: Arc::clone(provider),
            suite,
            behaviours,
            next_client: 0,
            members: Vec::new(),
            pending: Vec::new(),
            late: Vec::new(),
            identities: HashMap::new(),
            epochs: 0,
            messages: 0,
            reloads: 0,
        }
    }

    fn new_client(&mut self) -> Result<(String, Client), TestCaseError> {
        let name = format!("client {}", self.next_client);
        let behaviour = self.behaviours[self.next_client % self.behaviours.len()];
        self.next_client += 1;
        let keys = ok(
            self.provider
                .suite(self.suite)
                .and_then(|suite| suite.generate_signature_key_pair())
                .map_err(GroupError::from),
            "signature key",
        )?;
        let credential = Credential::Basic {
            identity: name.as_bytes().into(),
        };
        let mut client = ok(
            Client::with_signature_key(
                Arc::clone(&self.provider),
                self.suite,
                credential,
                &keys.private_key,
            ),
            "new client",
        )?;
        let config = GroupConfig::default()
            .with_handshake_wire_format(if behaviour.public_handshakes {
                WireFormat::MLS_PUBLIC_MESSAGE
            } else {
                WireFormat::MLS_PRIVATE_MESSAGE
            })
            .with_ratchet_tree_extension(behaviour.ratchet_tree_extension);
        client.set_config(config.clone());
        self.identities.insert(name.clone(), (keys, config));
        Ok((name, client))
    }

    /// A group of `size` members, created by one of them and joined by the others.
    fn create(&mut self, size: usize) -> Result<(), TestCaseError> {
        let (name, creator) = self.new_client()?;
        let group = ok(creator.create_group(b"random ops"), "create group")?;
        self.members.push(Member { name, group });
        self.epochs = 0;
        let mut remaining = size - 1;
        // Several commits of up to 8 adds each.
        let mut committer = 0u16;
        while remaining > 0 {
            let count = remaining.min(8);
            self.commit_adds(committer, count, false)?;
            remaining -= count;
            committer = committer.wrapping_add(7);
        }
        Ok(())
    }

    fn index(&self, selector: u16) -> usize {
        usize::from(selector) % self.members.len()
    }

    /// Whether the member at `index` may commit the pending proposals: it proposed no Update
    /// and is not removed by one (§12.2).
    fn can_commit(&self, index: usize) -> bool {
        let leaf = self.members[index].group.own_leaf();
        !self.pending.iter().any(|pending| match pending {
            Pending::Update(l) | Pending::Remove(l) => *l == leaf,
            Pending::Add(..) => false,
        })
    }

    /// Whether a pending Update or Remove already names `leaf`.
    fn touched(&self, leaf: LeafIndex) -> bool {
        self.pending.iter().any(|pending| match pending {
            Pending::Update(l) | Pending::Remove(l) => *l == leaf,
            Pending::Add(..) => false,
        })
    }

    fn pending_removes(&self) -> usize {
        self.pending
            .iter()
            .filter(|p| matches!(p, Pending::Remove(_)))
            .count()
    }

    fn pending_adds(&self) -> usize {
        self.pending
            .iter()
            .filter(|p| matches!(p, Pending::Add(..)))
            .count()
    }

    /// The first member from `selector` on that may commit.
    fn committer(&self, selector: u16) -> Option<usize> {
        let start = self.index(selector);
        (0..self.members.len())
            .map(|offset| (start + offset) % self.members.len())
            .find(|&index| self.can_commit(index))
    }

    /// How many more members may be added, given the pending proposals.
    fn room(&self) -> usize {
        (MAX_MEMBERS + self.pending_removes())
            .saturating_sub(self.members.len() + self.pending_adds())
    }

    fn apply(&mut self, op: &Op) -> Result<(), TestCaseError> {
        match *op {
            Op::Add {
                committer,
                count,
                path,
            } => {
                let count = usize::from(count).min(self.room());
                if count > 0 {
                    self.commit_adds(committer, count, path)?;
                }
            }
            Op::Update { member } => {
                let Some(committer) = self.committer(member) else {
                    return Ok(());
                };
                let output = ok(self.members[committer].group.self_update(), "self update")?;
                self.finish_commit(committer, output, Vec::new(), Vec::new())?;
            }
            Op::Remove {
                committer,
                count,
                seed,
                adds,
            } => {
                let Some(committer) = self.committer(committer) else {
                    return Ok(());
                };
                // Other members not named by a pending proposal; keep at least the committer.
                let candidates: Vec<LeafIndex> = self
                    .members
                    .iter()
                    .enumerate()
                    .filter(|&(i, _)| i != committer)
                    .map(|(_, member)| member.group.own_leaf())
                    .filter(|&leaf| !self.touched(leaf))
                    .collect();
                if candidates.is_empty() {
                    return Ok(());
                }
                let count = usize::from(count).min(candidates.len());
                let start = usize::from(seed) % candidates.len();
                let removed: Vec<LeafIndex> = (0..count)
                    .map(|k| candidates[(start + k * 7) % candidates.len()])
                    .collect::<std::collections::BTreeSet<_>>()
                    .into_iter()
                    .collect();
                let adds = usize::from(adds).min(self.room() + removed.len());
                let mut joiners = Vec::new();
                let mut proposals = Vec::new();
                for leaf in &removed {
                    proposals.push(Proposal::Remove(Remove { removed: leaf.0 }));
                }
                let mut key_packages = Vec::new();
                for _ in 0..adds {
                    let (name, mut client) = self.new_client()?;
                    key_packages.push(ok(client.key_package(), "key package")?);
                    joiners.push((name, client));
                }
                let output = if key_packages.is_empty() && removed.len() == 1 && seed % 2 == 0 {
                    // The convenience API for the plain case.
                    ok(
                        self.members[committer].group.remove_members(&removed),
                        "remove members",
                    )?
                } else {
                    for key_package in &key_packages {
                        proposals.push(add_proposal(key_package)?);
                    }
                    ok(
                        self.members[committer]
                            .group
                            .commit(CommitOptions::default().with_proposals(proposals)),
                        "commit removes and adds",
                    )?
                };
                self.finish_commit(committer, output, removed, joiners)?;
            }
            Op::Commit { committer, path } => {
                let Some(committer) = self.committer(committer) else {
                    return Ok(());
                };
                let output = ok(
                    self.members[committer]
                        .group
                        .commit(CommitOptions::default().with_force_path(path)),
                    "commit",
                )?;
                self.finish_commit(committer, output, Vec::new(), Vec::new())?;
            }
            Op::ProposeUpdate { member } => {
                let index = self.index(member);
                let leaf = self.members[index].group.own_leaf();
                if self.touched(leaf) {
                    return Ok(());
                }
                let message = ok(self.members[index].group.propose_update(), "propose update")?;
                self.deliver_proposal(index, &message)?;
                self.pending.push(Pending::Update(leaf));
            }
            Op::ProposeRemove { proposer, target } => {
                let proposer = self.index(proposer);
                let target = self.index(target);
                let leaf = self.members[target].group.own_leaf();
                // Someone must stay able to commit: at least one member outside the pending
                // Updates and Removes besides the target.
                let committers = (0..self.members.len())
                    .filter(|&i| i != target && self.can_commit(i))
                    .count();
                if self.touched(leaf) || committers == 0 {
                    return Ok(());
                }
                let message = ok(
                    self.members[proposer].group.propose_remove(leaf),
                    "propose remove",
                )?;
                self.deliver_proposal(proposer, &message)?;
                self.pending.push(Pending::Remove(leaf));
            }
            Op::ProposeAdd { proposer } => {
                if self.room() == 0 {
                    return Ok(());
                }
                let proposer = self.index(proposer);
                let (name, mut client) = self.new_client()?;
                let key_package = ok(client.key_package(), "key package")?;
                let message = ok(
                    self.members[proposer].group.propose_add(&key_package),
                    "propose add",
                )?;
                self.deliver_proposal(proposer, &message)?;
                self.pending.push(Pending::Add(name, Box::new(client)));
            }
            Op::Application { sender, len } => {
                let sender = self.index(sender);
                let data = self.data(len);
                let message = ok(
                    self.members[sender]
                        .group
                        .encrypt_application_message(&data),
                    "encrypt",
                )?;
                let leaf = self.members[sender].group.own_leaf();
                let epoch = self.members[sender].group.epoch();
                for (i, member) in self.members.iter_mut().enumerate() {
                    if i != sender {
                        read(member, &message, &data, leaf, epoch)?;
                    }
                }
                self.messages += 1;
            }
            Op::LateApplication { sender, len } => {
                let sender = self.index(sender);
                let data = self.data(len);
                let message = ok(
                    self.members[sender]
                        .group
                        .encrypt_application_message(&data),
                    "encrypt",
                )?;
                let recipients = self
                    .members
                    .iter()
                    .enumerate()
                    .filter(|&(i, _)| i != sender)
                    .map(|(_, member)| member.name.clone())
                    .collect();
                self.late.push(Late {
                    message,
                    data,
                    sender: self.members[sender].group.own_leaf(),
                    recipients,
                });
            }
            Op::Reload { member } => {
                let index = self.index(member);
                let member = &mut self.members[index];
                let (keys, config) = &self.identities[&member.name];
                let saved = ok(member.group.save(), "save")?;
                let signer: Arc<dyn Signer> = Arc::from(ok(
                    self.provider
                        .suite(self.suite)
                        .and_then(|suite| suite.signer(&keys.private_key))
                        .map_err(GroupError::from),
                    "signer",
                )?);
                let loaded = ok(
                    Group::load(Arc::clone(&self.provider), signer, config.clone(), &saved),
                    "load",
                )?;
                let resaved = ok(loaded.save(), "save again")?;
                check(*resaved == *saved, || {
                    format!("{}: the loaded state saves differently", member.name)
                })?;
                member.group = loaded;
                self.reloads += 1;
            }
        }
        Ok(())
    }

    fn data(&self, len: u8) -> Vec<u8> {
        (0..len)
            .map(|i| {
                i.wrapping_mul(31)
                    .wrapping_add(u8::try_from(self.messages % 251).unwrap_or(0))
            })
            .collect()
    }

    /// A commit adding `count` fresh clients by value.
    fn commit_adds(
        &mut self,
        selector: u16,
        count: usize,
        path: bool,
    ) -> Result<(), TestCaseError> {
        let Some(committer) = self.committer(selector) else {
            return Ok(());
        };
        let mut joiners = Vec::new();
        let mut key_packages = Vec::new();
        for _ in 0..count {
            let (name, mut client) = self.new_client()?;
            key_packages.push(ok(client.key_package(), "key package")?);
            joiners.push((name, client));
        }
        let group = &mut self.members[committer].group;
        let output = if path {
            let proposals = key_packages
                .iter()
                .map(|bytes| add_proposal(bytes))
                .collect::<Result<_, _>>()?;
            ok(
                group.commit(
                    CommitOptions::default()
                        .with_proposals(proposals)
                        .with_force_path(true),
                ),
                "commit adds with path",
            )?
        } else {
            ok(group.add_members(&key_packages), "add members")?
        };
        self.finish_commit(committer, output, Vec::new(), joiners)
    }

    /// Every other member processes a proposal and caches it.
    fn deliver_proposal(&mut self, proposer: usize, message: &[u8]) -> Result<(), TestCaseError> {
        for (i, member) in self.members.iter_mut().enumerate() {
            if i == proposer {
                continue;
            }
            match member.group.process_message(message) {
                Ok(ProcessedMessage::Proposal { .. }) => {}
                Ok(other) => {
                    return Err(TestCaseError::fail(format!(
                        "{}: a proposal processed as {other:?}",
                        member.name
                    )));
                }
                Err(error) => {
                    return Err(TestCaseError::fail(format!(
                        "{}: proposal rejected: {error}",
                        member.name
                    )));
                }
            }
        }
        Ok(())
    }

    /// Merges the committer's commit, has every other member process it (the removed ones
    /// learn they are out), lets the joiners in, and checks that everyone agrees.
    fn finish_commit(
        &mut self,
        committer: usize,
        output: CommitOutput,
        removed_by_value: Vec<LeafIndex>,
        mut joiners: Vec<(String, Client)>,
    ) -> Result<(), TestCaseError> {
        let mut removed = removed_by_value;
        for pending in std::mem::take(&mut self.pending) {
            match pending {
                Pending::Remove(leaf) => removed.push(leaf),
                Pending::Update(_) => {}
                Pending::Add(name, client) => joiners.push((name, *client)),
            }
        }
        ok(
            self.members[committer].group.merge_pending_commit(),
            "merge",
        )?;
        let expected_epoch = self.members[committer].group.epoch();
        let mut stay = Vec::with_capacity(self.members.len());
        for (i, mut member) in std::mem::take(&mut self.members).into_iter().enumerate() {
            if i == committer {
                stay.push(member);
                continue;
            }
            let leaf = member.group.own_leaf();
            let result = member.group.process_message(&output.commit);
            if removed.contains(&leaf) {
                check(
                    matches!(result, Ok(ProcessedMessage::Removed { .. })),
                    || format!("{}: removed, but processing gave {result:?}", member.name),
                )?;
            } else {
                match result {
                    Ok(ProcessedMessage::Commit { epoch, .. }) if epoch == expected_epoch => {}
                    other => {
                        return Err(TestCaseError::fail(format!(
                            "{}: commit processed as {other:?}",
                            member.name
                        )));
                    }
                }
                stay.push(member);
            }
        }
        self.members = stay;

        if !joiners.is_empty() {
            let welcome = output
                .welcome
                .ok_or_else(|| TestCaseError::fail("no Welcome for the added members"))?;
            let tree = ok(self.members[0].group.ratchet_tree(), "ratchet tree")?;
            for (name, mut client) in joiners {
                // The tree goes out of band when the committer left it out of the Welcome;
                // giving it anyway must also work.
                let group = match client.join(&welcome, None) {
                    Ok(group) => group,
                    Err(GroupError::MissingRatchetTree) => {
                        ok(client.join(&welcome, Some(&tree)), "join with tree")?
                    }
                    Err(error) => {
                        return Err(TestCaseError::fail(format!("{name}: join failed: {error}")));
                    }
                };
                self.members.push(Member { name, group });
            }
        } else {
            check(output.welcome.is_none(), || {
                "a Welcome without joiners".into()
            })?;
        }
        self.epochs += 1;
        self.check_agreement()?;
        self.deliver_late()
    }

    /// Application messages of the previous epochs, delivered now.
    fn deliver_late(&mut self) -> Result<(), TestCaseError> {
        for late in std::mem::take(&mut self.late) {
            for member in &mut self.members {
                if !late.recipients.contains(&member.name) {
                    continue;
                }
                let message = member.group.process_message(&late.message);
                match message {
                    Ok(ProcessedMessage::Application {
                        data,
                        sender,
                        epoch,
                        ..
                    }) if data == late.data
                        && sender == late.sender
                        && epoch + 1 == member.group.epoch() => {}
                    other => {
                        return Err(TestCaseError::fail(format!(
                            "{}: late application message gave {other:?}",
                            member.name
                        )));
                    }
                }
            }
            self.messages += 1;
        }
        Ok(())
    }

    /// Every member sees the same epoch, epoch authenticator, tree hash and members.
    fn check_agreement(&self) -> Result<(), TestCaseError> {
        let first = &self.members[0].group;
        let members = first.members();
        check(members.len() == self.members.len(), || {
            format!(
                "the tree lists {} members, the world has {}",
                members.len(),
                self.members.len()
            )
        })?;
        for member in &self.members[1..] {
            let group = &member.group;
            check(group.epoch() == first.epoch(), || {
                format!(
                    "{}: epoch {} vs {}",
                    member.name,
                    group.epoch(),
                    first.epoch()
                )
            })?;
            check(
                group.epoch_authenticator() == first.epoch_authenticator(),
                || format!("{}: epoch authenticators differ", member.name),
            )?;
            check(group.tree_hash() == first.tree_hash(), || {
                format!("{}: tree hashes differ", member.name)
            })?;
            check(group.members() == members, || {
                format!("{}: member lists differ", member.name)
            })?;
        }
        Ok(())
    }
}

/// An Add proposal of a key package (an MLSMessage), to commit by value.
fn add_proposal(key_package: &[u8]) -> Result<Proposal, TestCaseError> {
    match MlsMessage::from_bytes(key_package).map(|message| message.body) {
        Ok(MlsMessageBody::KeyPackage(key_package)) => Ok(Proposal::Add(Add { key_package })),
        _ => Err(TestCaseError::fail("not a key package")),
    }
}

/// `member` reads an application message.
fn read(
    member: &mut Member,
    message: &[u8],
    data: &[u8],
    sender: LeafIndex,
    epoch: u64,
) -> Result<(), TestCaseError> {
    match member.group.process_message(message) {
        Ok(ProcessedMessage::Application {
            data: received,
            sender: from,
            epoch: in_epoch,
            ..
        }) if received == data && from == sender && in_epoch == epoch => Ok(()),
        other => Err(TestCaseError::fail(format!(
            "{}: application message gave {other:?}",
            member.name
        ))),
    }
}

fn cases() -> u32 {
    std::env::var("RANDOM_OPS_CASES")
        .ok()
        .and_then(|cases| cases.parse().ok())
        .unwrap_or(8)
}

proptest! {
    // 8 cases keep `cargo test` fast; RANDOM_OPS_CASES=n runs more.
    #![proptest_config(ProptestConfig {
        cases: cases(),
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn random_operations_keep_every_member_in_agreement(
        size in 2..=MAX_MEMBERS,
        behaviours in prop::collection::vec(behaviour(), 1..=4),
        ops in prop::collection::vec(op(), 1..=24),
    ) {
        // Every suite runs the same case (scaled down outside FULL_SIZE_SUITE); the first
        // failure is the case's, with its suite.
        let mut result = Ok(());
        for_each_suite(&providers(), |provider, suite| {
            if result.is_ok() {
                let (size, ops) = scaled(suite, size, &ops);
                result = run(provider, suite, size, &behaviours, ops).map_err(|error| {
                    TestCaseError::fail(format!("in suite {suite:?}: {error}"))
                });
            }
        });
        result?;
    }
}

/// One case in one suite: a group of `size` members goes through `ops`.
fn run(
    provider: &Arc<dyn CryptoProvider>,
    suite: CipherSuite,
    size: usize,
    behaviours: &[Behaviour],
    ops: &[Op],
) -> Result<(), TestCaseError> {
    let started = std::time::Instant::now();
    let mut world = World::new(provider, suite, behaviours.to_vec());
    world.create(size)?;
    world.check_agreement()?;
    for op in ops {
        world.apply(op)?;
    }
    // Commit whatever is still pending so that every proposal is exercised.
    if !world.pending.is_empty() {
        world.apply(&Op::Commit {
            committer: 0,
            path: false,
        })?;
    }
    // A last round of messages: everyone reads everyone.
    for sender in 0..world.members.len() {
        world.apply(&Op::Application {
            sender: u16::try_from(sender).unwrap_or(0),
            len: 16,
        })?;
    }
    check(world.members.len() <= MAX_MEMBERS, || {
        format!("{} members", world.members.len())
    })?;
    if std::env::var_os("RANDOM_OPS_STATS").is_some() {
        eprintln!(
            "{suite:?}: start {size}, {} ops: {} epochs, {} members at the end, {} clients, {} messages, {} reloads, {:.2?}",
            ops.len(),
            world.epochs,
            world.members.len(),
            world.next_client,
            world.messages,
            world.reloads,
            started.elapsed()
        );
    }
    Ok(())
}
