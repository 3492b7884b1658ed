//! A group of clients of the group engine exchanging only serialized messages, with a passive
//! client among them whose view is recorded for the passive-client files (RFC 9420 §12):
//! every proposal and commit is processed by every other active member, and each epoch is
//! recorded as its proposals, its commit and the new epoch authenticator.

use mls_codec::{
    Add, CipherSuite, ExtensionType, PreSharedKey, PreSharedKeyId, Proposal, Psk,
    ResumptionPskUsage, VarBytes,
};
use std::sync::Arc;

use mls_crypto::Secret;
use mls_group::{
    Client, CommitOptions, CommitOutput, ExternalProposer, FixedClock, Group, GroupConfig,
    GroupError, ProcessedMessage, external_senders_extension,
};
use mls_tree::LeafIndex;

use super::member::Member;
use super::{LayerError, SuiteContext, pick};
use crate::hex_field::Hex;
use crate::passive_client::{EpochCase, ExternalPsk, VECTOR_TIME};

/// The group, its active members, and what the passive client needs to follow it.
pub(crate) struct Simulation<'c> {
    context: &'c SuiteContext<'c>,
    config: GroupConfig,
    /// The active members' views of the group.
    members: Vec<Group>,
    /// The external PSKs every member holds (the passive client gets them from the file).
    pub(crate) external_psks: Vec<ExternalPsk>,
    /// Clients made so far, for their identities.
    clients: usize,
    /// The external sender the group lists, once a GroupContextExtensions proposal added it.
    external: Option<ExternalProposer>,
    /// The epoch of the latest join: every active member and the passive client hold the
    /// resumption PSKs of this epoch and the later ones (§8.6).
    latest_join: u64,
}

/// What the passive client joins with.
pub(crate) struct Joined {
    /// The Welcome, an MLSMessage.
    pub(crate) welcome: Hex,
    /// The ratchet tree when the Welcome does not carry it.
    pub(crate) ratchet_tree: Option<Hex>,
    /// The epoch authenticator of the epoch it joins.
    pub(crate) epoch_authenticator: Hex,
}

impl<'c> Simulation<'c> {
    /// A group of `size` active members (at least one) with `config`, grown by one commit.
    /// Every member's clock is the passive-client checker's fixed time ([`VECTOR_TIME`], as
    /// the official files): the key packages the clients make are valid then.
    pub(crate) fn new(
        context: &'c SuiteContext<'c>,
        config: GroupConfig,
        size: usize,
    ) -> Result<Self, LayerError> {
        let mut simulation = Self {
            context,
            config: config.with_clock(Arc::new(FixedClock(VECTOR_TIME))),
            members: Vec::new(),
            external_psks: Vec::new(),
            clients: 0,
            external: None,
            latest_join: 0,
        };
        let creator = simulation.new_client()?;
        let group = creator.create_group(&context.random(16)?)?;
        simulation.members.push(group);
        if size > 1 {
            simulation.add_clients(0, size - 1)?;
        }
        Ok(simulation)
    }

    /// A fresh client with the group's configuration.
    fn new_client(&mut self) -> Result<Client, LayerError> {
        self.clients += 1;
        let identity = format!("client {}", self.clients);
        let mut client = Client::new(
            self.context.provider.clone(),
            CipherSuite(self.context.number()),
            identity.as_bytes(),
        )?;
        client.set_config(self.config.clone());
        Ok(client)
    }

    /// The number of active members.
    pub(crate) fn size(&self) -> usize {
        self.members.len()
    }

    /// A random active member.
    pub(crate) fn random_member(&self) -> usize {
        pick(0..self.members.len())
    }

    /// The leaf of a random active member not in `except`, if any (the passive client is
    /// not active, so it is never removed).
    pub(crate) fn removable_leaf(&self, except: &[usize]) -> Option<LeafIndex> {
        let leaves: Vec<LeafIndex> = (0..self.members.len())
            .filter(|member| !except.contains(member))
            .map(|member| self.members[member].own_leaf())
            .collect();
        (!leaves.is_empty()).then(|| leaves[pick(0..leaves.len())])
    }

    /// The ratchet tree to give joiners when the Welcome does not carry it.
    fn tree_for_joiners(&self, member: usize) -> Result<Option<Vec<u8>>, LayerError> {
        if self.config.ratchet_tree_extension {
            return Ok(None);
        }
        Ok(Some(self.members[member].ratchet_tree()?))
    }

    /// `proposer` sends a proposal made by `make`; every other active member processes it.
    pub(crate) fn propose(
        &mut self,
        proposer: usize,
        make: impl FnOnce(&mut Group) -> Result<Vec<u8>, GroupError>,
    ) -> Result<Hex, LayerError> {
        let message = make(&mut self.members[proposer])?;
        self.deliver_proposal(Some(proposer), &message)?;
        Ok(Hex(message))
    }

    /// Every active member but `proposer` processes the proposal `message`.
    fn deliver_proposal(
        &mut self,
        proposer: Option<usize>,
        message: &[u8],
    ) -> Result<(), LayerError> {
        for (index, member) in self.members.iter_mut().enumerate() {
            if Some(index) != proposer {
                match member.process_message(message)? {
                    ProcessedMessage::Proposal { .. } => {}
                    other => return Err(unexpected("a proposal", &other)),
                }
            }
        }
        Ok(())
    }

    /// `proposer` proposes GroupContext extensions (§12.1.7) that add a fresh external sender
    /// (§12.1.8.1) to the group's `external_senders` extension, which this simulation then
    /// proposes with. Returns the proposal.
    pub(crate) fn propose_external_sender(&mut self, proposer: usize) -> Result<Hex, LayerError> {
        let external = ExternalProposer::new(
            self.context.provider.clone(),
            CipherSuite(self.context.number()),
            b"external sender",
        )?;
        let mut extensions = self.members[proposer].group_context().extensions.clone();
        extensions.retain(|extension| extension.extension_type != ExtensionType::EXTERNAL_SENDERS);
        extensions.push(external_senders_extension(&[external.external_sender()])?);
        let proposal = self.propose(proposer, |group| {
            group.propose_group_context_extensions(extensions)
        })?;
        self.external = Some(external);
        Ok(proposal)
    }

    /// The external sender, once the group lists it, proposes removing `removed` (§12.1.3);
    /// every active member processes the proposal. `None` if the group has no external sender
    /// of this simulation yet.
    pub(crate) fn external_remove(
        &mut self,
        removed: LeafIndex,
    ) -> Result<Option<Hex>, LayerError> {
        let Some(external) = &self.external else {
            return Ok(None);
        };
        let context = self.members[0].group_context();
        let message = external.propose_remove(&context.group_id, context.epoch, 0, removed)?;
        self.deliver_proposal(None, &message)?;
        Ok(Some(Hex(message)))
    }

    /// `committer` commits with `make` and merges it; every other active member processes
    /// the commit, and the removed ones leave (so indices after `committer` may shift). Returns the commit's output.
    pub(crate) fn commit(
        &mut self,
        committer: usize,
        make: impl FnOnce(&mut Group) -> Result<CommitOutput, GroupError>,
    ) -> Result<CommitOutput, LayerError> {
        let output = make(&mut self.members[committer])?;
        self.members[committer].merge_pending_commit()?;
        self.deliver_commit(Some(committer), &output.commit)?;
        Ok(output)
    }

    /// Every active member but `committer` processes `commit`; removed members leave.
    fn deliver_commit(
        &mut self,
        committer: Option<usize>,
        commit: &[u8],
    ) -> Result<(), LayerError> {
        for (index, member) in self.members.iter_mut().enumerate() {
            if Some(index) != committer {
                match member.process_message(commit)? {
                    ProcessedMessage::Commit { .. } | ProcessedMessage::Removed { .. } => {}
                    other => return Err(unexpected("a commit", &other)),
                }
            }
        }
        self.members.retain(|member| !member.is_removed());
        Ok(())
    }

    /// `committer` adds `count` fresh clients by one commit; they join from its Welcome.
    pub(crate) fn add_clients(
        &mut self,
        committer: usize,
        count: usize,
    ) -> Result<Hex, LayerError> {
        let mut clients = Vec::with_capacity(count);
        let mut key_packages = Vec::with_capacity(count);
        for _ in 0..count {
            let mut client = self.new_client()?;
            key_packages.push(client.key_package()?);
            clients.push(client);
        }
        let output = self.commit(committer, |group| group.add_members(&key_packages))?;
        let welcome = welcome_of(&output)?;
        let tree = self.tree_for_joiners(committer)?;
        for mut client in clients {
            let group = client.join(&welcome, tree.as_deref())?;
            self.members.push(group);
        }
        self.latest_join = self.epoch_number();
        Ok(Hex(output.commit))
    }

    /// `committer` adds the passive client's key package by value, with every proposal cached
    /// in the epoch (e.g. PSKs) by reference, and with an UpdatePath if `path` (then the
    /// Welcome carries a path secret for the passive client, §12.4.3.1).
    pub(crate) fn add_passive(
        &mut self,
        committer: usize,
        passive: &Member,
        path: bool,
    ) -> Result<Joined, LayerError> {
        let add = Proposal::Add(Add {
            key_package: passive.key_package.clone(),
        });
        let options = CommitOptions::default()
            .with_proposals(vec![add])
            .with_force_path(path);
        let output = self.commit(committer, |group| group.commit(options))?;
        self.latest_join = self.epoch_number();
        let group = &self.members[committer];
        Ok(Joined {
            welcome: Hex(welcome_of(&output)?),
            ratchet_tree: self.tree_for_joiners(committer)?.map(Hex),
            epoch_authenticator: Hex::from(group.epoch_authenticator()),
        })
    }

    /// A fresh client joins by external commit (§12.4.3.2) from a member's GroupInfo; every
    /// member processes the commit. Returns the commit.
    pub(crate) fn external_join(&mut self) -> Result<Hex, LayerError> {
        let member = self.random_member();
        let group_info = self.members[member].group_info()?;
        let tree = self.tree_for_joiners(member)?;
        let mut client = self.new_client()?;
        let (group, commit) = client.join_by_external_commit(&group_info, tree.as_deref(), None)?;
        self.deliver_commit(None, &commit)?;
        self.members.push(group);
        self.latest_join = self.epoch_number();
        Ok(Hex(commit))
    }

    /// A fresh external PSK, registered with every active member and listed for the passive
    /// client. Returns its id.
    pub(crate) fn new_external_psk(&mut self) -> Result<Vec<u8>, LayerError> {
        let psk_id = self.context.random(pick(4..17))?;
        let psk = self.context.secret()?;
        for member in &mut self.members {
            member.add_external_psk(&psk_id, Secret::from_slice(&psk));
        }
        self.external_psks.push(ExternalPsk {
            psk_id: psk_id.clone(),
            psk,
        });
        Ok(psk_id.0)
    }

    /// The group's current epoch.
    fn epoch_number(&self) -> u64 {
        self.members[0].epoch()
    }

    /// A PreSharedKey proposal of the resumption PSK (usage `application`, §8.6) of a random
    /// epoch of the group that every member holds: the current one or one since the latest
    /// join.
    pub(crate) fn resumption_psk_proposal(&self) -> Result<Proposal, LayerError> {
        let group_id = self.members[0].group_id().to_vec();
        let psk_epoch = pick(self.latest_join..self.epoch_number() + 1);
        Ok(Proposal::PreSharedKey(PreSharedKey {
            psk: PreSharedKeyId {
                psk: Psk::Resumption {
                    usage: ResumptionPskUsage::Application,
                    psk_group_id: VarBytes(group_id),
                    psk_epoch,
                },
                psk_nonce: VarBytes(self.context.secret()?.0),
            },
        }))
    }

    /// The epoch that `proposals` and `commit` led to, as the passive client must see it.
    pub(crate) fn epoch(&self, proposals: Vec<Hex>, commit: Hex) -> EpochCase {
        EpochCase {
            proposals,
            commit,
            epoch_authenticator: Hex::from(self.members[0].epoch_authenticator()),
        }
    }
}

/// The Welcome of a commit that adds members.
pub(crate) fn welcome_of(output: &CommitOutput) -> Result<Vec<u8>, LayerError> {
    output
        .welcome
        .clone()
        .ok_or_else(|| LayerError::Scenario("a commit adding members made no Welcome".to_owned()))
}

/// A message processed as another kind than `expected`.
fn unexpected(expected: &str, processed: &ProcessedMessage) -> LayerError {
    LayerError::Scenario(format!("expected {expected}, processed {processed:?}"))
}
