//! passive-client-welcome.json, passive-client-handling-commit.json and
//! passive-client-random.json: a passive client's key package and private keys, the Welcome
//! that adds it (RFC 9420 §12.4.3.1), and then every epoch's proposals and commit (§12.1,
//! §12.4.2) made by a group of the group engine's clients, with the epoch authenticators
//! (§8.7) it must reach.

use mls_codec::WireFormat;
use mls_group::{CommitOptions, GroupConfig};
use serde_json::Value;

use super::group::Simulation;
use super::member::Member;
use super::{LayerError, SuiteContext, pick, to_values};
use crate::hex_field::Hex;
use crate::passive_client::{Case, EpochCase};

/// The epochs of a case of passive-client-random.json (kept small for speed).
const RANDOM_EPOCHS: usize = 8;

/// What happens in one epoch after the passive client joined.
#[derive(Debug, Clone, Copy)]
enum Step {
    /// A commit adds a fresh client (Add by value, no path).
    AddByValue,
    /// A member proposes an Update; another commits it by reference.
    UpdateByReference,
    /// A member proposes removing another, and commits it by reference.
    RemoveByReference,
    /// A commit removes a member (Remove by value).
    RemoveByValue,
    /// A member proposes a fresh external PSK; a member commits it.
    ExternalPsk,
    /// A commit includes by value a PSK proposal of the resumption PSK of this epoch or an
    /// earlier one (§8.6).
    ResumptionPsk,
    /// A commit with only an UpdatePath.
    SelfUpdate,
    /// A member proposes an Update and the removal of a third member, another proposes an
    /// external PSK and commits all three by reference.
    SeveralProposals,
    /// A fresh client joins by external commit.
    ExternalJoin,
    /// A member proposes GroupContext extensions that list an external sender; another
    /// commits them.
    GroupContextExtensions,
    /// The external sender proposes a removal; a member commits it (before the group lists
    /// an external sender, this is [`Step::GroupContextExtensions`]).
    ExternalRemove,
}

/// Every step, in the order passive-client-handling-commit.json takes them.
const STEPS: [Step; 11] = [
    Step::AddByValue,
    Step::SeveralProposals,
    Step::UpdateByReference,
    Step::RemoveByReference,
    Step::ExternalPsk,
    Step::ResumptionPsk,
    Step::SelfUpdate,
    Step::ExternalJoin,
    Step::GroupContextExtensions,
    Step::ExternalRemove,
    Step::RemoveByValue,
];

/// How the passive client is added.
#[derive(Clone, Copy)]
struct Join {
    /// The Welcome carries the ratchet tree (otherwise it is given out of band).
    tree_in_welcome: bool,
    /// A PSK proposal is committed with the Add, so the Welcome names a PSK.
    psk: bool,
    /// The commit has an UpdatePath, so the Welcome carries a path secret for the joiner.
    path: bool,
}

/// How the passive client is added in the cases that go on with epochs.
const PLAIN_JOIN: Join = Join {
    tree_in_welcome: true,
    psk: false,
    path: false,
};

/// Three cases, no epoch after the join: the tree in the Welcome; the tree out of band and a
/// path secret; a PSK and a path secret.
pub(crate) fn welcome(context: &SuiteContext<'_>) -> Result<Vec<Value>, LayerError> {
    let joins = [
        PLAIN_JOIN,
        Join {
            tree_in_welcome: false,
            psk: false,
            path: true,
        },
        Join {
            tree_in_welcome: true,
            psk: true,
            path: true,
        },
    ];
    let cases = joins
        .into_iter()
        .map(|join| {
            let config = GroupConfig::default().with_ratchet_tree_extension(join.tree_in_welcome);
            case(context, config, join, &[])
        })
        .collect::<Result<Vec<_>, _>>()?;
    to_values(cases)
}

/// One case, handshake messages as PublicMessages, with one epoch of every [`Step`].
pub(crate) fn handling_commit(context: &SuiteContext<'_>) -> Result<Vec<Value>, LayerError> {
    let config = GroupConfig::default().with_handshake_wire_format(WireFormat::MLS_PUBLIC_MESSAGE);
    to_values(vec![case(context, config, PLAIN_JOIN, &STEPS)?])
}

/// One case, handshake messages as PrivateMessages, of [`RANDOM_EPOCHS`] random steps.
pub(crate) fn random(context: &SuiteContext<'_>) -> Result<Vec<Value>, LayerError> {
    let steps: Vec<Step> = (0..RANDOM_EPOCHS)
        .map(|_| STEPS[pick(0..STEPS.len())])
        .collect();
    to_values(vec![case(
        context,
        GroupConfig::default(),
        PLAIN_JOIN,
        &steps,
    )?])
}

/// A case: a group of a few members adds the passive client as `join` says, then takes
/// `steps`, one epoch each.
fn case(
    context: &SuiteContext<'_>,
    config: GroupConfig,
    join: Join,
    steps: &[Step],
) -> Result<Case, LayerError> {
    let mut simulation = Simulation::new(context, config, pick(3..6))?;
    let passive = Member::new(context.suite, b"passive client")?;
    if join.psk {
        let psk_id = simulation.new_external_psk()?;
        let proposer = simulation.random_member();
        simulation.propose(proposer, |group| group.propose_external_psk(&psk_id))?;
    }
    let committer = simulation.random_member();
    let joined = simulation.add_passive(committer, &passive, join.path)?;
    let epochs = steps
        .iter()
        .map(|&step| run(&mut simulation, step))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Case {
        cipher_suite: context.number(),
        external_psks: simulation.external_psks,
        key_package: Hex(passive.key_package_message()?),
        signature_priv: passive.signature_priv(),
        encryption_priv: Hex::from(passive.encryption_key.as_bytes()),
        init_priv: Hex::from(passive.init_key.as_bytes()),
        welcome: joined.welcome,
        ratchet_tree: joined.ratchet_tree,
        initial_epoch_authenticator: joined.epoch_authenticator,
        epochs,
    })
}

/// Takes one step, from a random member. A removal with no other active member to remove
/// adds one instead, an Update proposal with no other member to commit it becomes a
/// self-update, and an external proposal before the group lists an external sender lists
/// one.
fn run(simulation: &mut Simulation<'_>, step: Step) -> Result<EpochCase, LayerError> {
    let actor = simulation.random_member();
    let (proposals, commit) = match step {
        Step::AddByValue => (Vec::new(), simulation.add_clients(actor, 1)?),
        Step::UpdateByReference if simulation.size() > 1 => {
            let proposal = simulation.propose(actor, |group| group.propose_update())?;
            let committer = (actor + pick(1..simulation.size())) % simulation.size();
            let commit =
                simulation.commit(committer, |group| group.commit(CommitOptions::default()))?;
            (vec![proposal], Hex(commit.commit))
        }
        Step::RemoveByReference | Step::RemoveByValue => {
            let Some(removed) = simulation.removable_leaf(&[actor]) else {
                return run(simulation, Step::AddByValue);
            };
            if matches!(step, Step::RemoveByValue) {
                let commit = simulation.commit(actor, |group| group.remove_members(&[removed]))?;
                (Vec::new(), Hex(commit.commit))
            } else {
                let proposal = simulation.propose(actor, |group| group.propose_remove(removed))?;
                let commit =
                    simulation.commit(actor, |group| group.commit(CommitOptions::default()))?;
                (vec![proposal], Hex(commit.commit))
            }
        }
        Step::ExternalPsk => {
            let psk_id = simulation.new_external_psk()?;
            let proposal =
                simulation.propose(actor, |group| group.propose_external_psk(&psk_id))?;
            let committer = simulation.random_member();
            let commit =
                simulation.commit(committer, |group| group.commit(CommitOptions::default()))?;
            (vec![proposal], Hex(commit.commit))
        }
        Step::ResumptionPsk => {
            let options = CommitOptions::default()
                .with_proposals(vec![simulation.resumption_psk_proposal()?]);
            let commit = simulation.commit(actor, |group| group.commit(options))?;
            (Vec::new(), Hex(commit.commit))
        }
        Step::SeveralProposals => {
            // The committer neither updates (§12.2) nor is removed; three members at least.
            let committer = (actor + 1) % simulation.size();
            let Some(removed) = simulation.removable_leaf(&[actor, committer]) else {
                return run(simulation, Step::AddByValue);
            };
            let update = simulation.propose(actor, |group| group.propose_update())?;
            let psk_id = simulation.new_external_psk()?;
            let psk = simulation.propose(committer, |group| group.propose_external_psk(&psk_id))?;
            let remove = simulation.propose(actor, |group| group.propose_remove(removed))?;
            let commit =
                simulation.commit(committer, |group| group.commit(CommitOptions::default()))?;
            (vec![update, psk, remove], Hex(commit.commit))
        }
        Step::SelfUpdate | Step::UpdateByReference => {
            let commit = simulation.commit(actor, |group| group.self_update())?;
            (Vec::new(), Hex(commit.commit))
        }
        Step::ExternalJoin => (Vec::new(), simulation.external_join()?),
        Step::GroupContextExtensions => {
            let proposal = simulation.propose_external_sender(actor)?;
            let committer = simulation.random_member();
            let commit =
                simulation.commit(committer, |group| group.commit(CommitOptions::default()))?;
            (vec![proposal], Hex(commit.commit))
        }
        Step::ExternalRemove => {
            let Some(removed) = simulation.removable_leaf(&[actor]) else {
                return run(simulation, Step::AddByValue);
            };
            let Some(proposal) = simulation.external_remove(removed)? else {
                return run(simulation, Step::GroupContextExtensions);
            };
            let commit =
                simulation.commit(actor, |group| group.commit(CommitOptions::default()))?;
            (vec![proposal], Hex(commit.commit))
        }
    };
    Ok(simulation.epoch(proposals, commit))
}
