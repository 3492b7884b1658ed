//! `mls demo`: a group of separate clients that exchange only serialized messages, checked at
//! every step.

use std::io::IsTerminal;
use std::sync::Arc;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};
use mls_codec::CipherSuite;
use mls_crypto_rustcrypto::RustCryptoProvider;
use mls_group::{Client, Group, GroupError, ProcessedMessage};
use rand::{RngExt, SeedableRng, rngs::StdRng};

use crate::plural::count;

/// What the demo does.
pub(crate) struct DemoOptions {
    /// The number of members the group grows to.
    pub(crate) members: usize,
    /// The number of application messages sent.
    pub(crate) messages: usize,
    /// The seed of the random choices.
    pub(crate) seed: u64,
    /// Some members join by external commit (RFC 9420 §12.4.3.2) instead of a Welcome, and
    /// one member resyncs.
    pub(crate) external_joins: bool,
}

/// One participant: a client and, while it is a member, its group state.
struct Participant {
    client: Client,
    group: Option<Group>,
}

/// Timings of the phases.
#[derive(Default)]
struct Timings {
    adds: Duration,
    churn: Duration,
    messages: Duration,
    epochs: usize,
    commits_processed: usize,
    messages_decrypted: usize,
    external_joins: usize,
    resyncs: usize,
}

/// Runs the demo; any disagreement between members is an error.
pub(crate) fn run(options: &DemoOptions) -> Result<(), String> {
    let provider = Arc::new(RustCryptoProvider);
    let suite = CipherSuite::MLS_128_DHKEMX25519_AES128GCM_SHA256_ED25519;
    let mut rng = StdRng::seed_from_u64(options.seed);
    println!(
        "mls demo: {}, {}, suite {:?}{}",
        count(options.members, "member", "members"),
        count(options.messages, "message", "messages"),
        suite,
        if options.external_joins {
            ", with external joins"
        } else {
            ""
        }
    );

    let bar = phase_bar("creating clients", options.members);
    let mut participants = (0..options.members)
        .map(|i| {
            let client = Client::new(provider.clone(), suite, format!("member {i}").as_bytes());
            bar.inc(1);
            client.map(|client| Participant {
                client,
                group: None,
            })
        })
        .collect::<Result<Vec<_>, GroupError>>()
        .map_err(|e| e.to_string())?;
    finish(&bar);
    let mut timings = Timings::default();

    let start = Instant::now();
    let bar = phase_bar("adding members", options.members);
    let creator = participants[0]
        .client
        .create_group(b"mls demo group")
        .map_err(|e| e.to_string())?;
    participants[0].group = Some(creator);
    bar.inc(1);
    let mut next = 1;
    let batch = 25.max(options.members / 8);
    while next < options.members {
        let end = (next + batch).min(options.members);
        let committer = rng.random_range(0..next);
        // With external joins, a fifth of each batch (at least one) joins by external
        // commit, one at a time, from a GroupInfo of a random member.
        let by_welcome = if options.external_joins {
            end - ((end - next) / 5).max(1)
        } else {
            end
        };
        if next < by_welcome {
            add(&mut participants, committer, next..by_welcome, &mut timings)?;
        }
        for joiner in by_welcome..end {
            let members = member_indices(&participants);
            let publisher = members[rng.random_range(0..members.len())];
            external_join(&mut participants, publisher, joiner, false, &mut timings)?;
        }
        next = end;
        bar.set_position(position(next));
    }
    finish(&bar);
    timings.adds = start.elapsed();

    let start = Instant::now();
    let rounds = 10.min(options.members);
    let bar = phase_bar("updates, removes, re-adds", rounds);
    for round in 0..rounds {
        let members = member_indices(&participants);
        let committer = members[rng.random_range(0..members.len())];
        match round % 3 {
            0 => {
                let output = group_of(&mut participants, committer)?
                    .self_update()
                    .map_err(|e| e.to_string())?;
                finish_commit(&mut participants, committer, &output.commit, &mut timings)?;
            }
            _ if members.len() > 2 => {
                let candidates: Vec<usize> = members
                    .iter()
                    .copied()
                    .filter(|m| *m != committer)
                    .collect();
                let removed = candidates[rng.random_range(0..candidates.len())];
                let leaf = group_of(&mut participants, removed)?.own_leaf();
                let output = group_of(&mut participants, committer)?
                    .remove_members(&[leaf])
                    .map_err(|e| e.to_string())?;
                participants[removed].group = None;
                finish_commit(&mut participants, committer, &output.commit, &mut timings)?;
                // The removed client comes back with a fresh key package, or by an external
                // commit.
                let members = member_indices(&participants);
                let adder = members[rng.random_range(0..members.len())];
                if options.external_joins && round % 3 == 1 {
                    external_join(&mut participants, adder, removed, false, &mut timings)?;
                } else {
                    add(&mut participants, adder, removed..removed + 1, &mut timings)?;
                }
            }
            _ => {}
        }
        bar.inc(1);
    }
    if options.external_joins {
        // A member loses its state and rejoins, replacing its old leaf (a resync).
        let members = member_indices(&participants);
        let resyncing = members[rng.random_range(0..members.len())];
        let others: Vec<usize> = members
            .iter()
            .copied()
            .filter(|m| *m != resyncing)
            .collect();
        let publisher = others[rng.random_range(0..others.len())];
        external_join(&mut participants, publisher, resyncing, true, &mut timings)?;
    }
    finish(&bar);
    timings.churn = start.elapsed();

    let start = Instant::now();
    let bar = phase_bar("application messages", options.messages);
    for sent in 0..options.messages {
        let members = member_indices(&participants);
        let sender = members[rng.random_range(0..members.len())];
        let text = format!("message {sent} from member {sender}");
        let ciphertext = group_of(&mut participants, sender)?
            .encrypt_application_message(text.as_bytes())
            .map_err(|e| e.to_string())?;
        for &receiver in members.iter().filter(|m| **m != sender) {
            match group_of(&mut participants, receiver)?.process_message(&ciphertext) {
                Ok(ProcessedMessage::Application { data, .. }) if data == text.as_bytes() => {
                    timings.messages_decrypted += 1;
                }
                other => {
                    return Err(format!(
                        "member {receiver} did not read message {sent}: {other:?}"
                    ));
                }
            }
        }
        bar.inc(1);
    }
    finish(&bar);
    timings.messages = start.elapsed();

    let members = member_indices(&participants);
    println!(
        "ok: {} {} on epoch {} (epoch authenticator and tree hash checked after {})",
        count(members.len(), "member", "members"),
        if members.len() == 1 { "is" } else { "agree" },
        group_of(&mut participants, members[0])?.epoch(),
        count(timings.epochs, "epoch change", "epoch changes"),
    );
    println!(
        "  adding {}: {:.2?}; churn: {:.2?}; {} processed",
        count(options.members - 1, "member", "members"),
        timings.adds,
        timings.churn,
        count(timings.commits_processed, "commit", "commits"),
    );
    if options.external_joins {
        println!(
            "  {} by external commit, {} resynced",
            count(timings.external_joins, "member joined", "members joined"),
            count(timings.resyncs, "member", "members"),
        );
    }
    println!(
        "  {}, {}: {:.2?} ({:.1} µs per decryption with encryption)",
        count(options.messages, "message", "messages"),
        count(timings.messages_decrypted, "decryption", "decryptions"),
        timings.messages,
        timings.messages.as_secs_f64() * 1e6 / timings.messages_decrypted.max(1) as f64
    );
    Ok(())
}

/// The group of participant `index`, who must be a member.
fn group_of(participants: &mut [Participant], index: usize) -> Result<&mut Group, String> {
    participants[index]
        .group
        .as_mut()
        .ok_or_else(|| format!("participant {index} is not a member"))
}

/// The participants that are members, in order.
fn member_indices(participants: &[Participant]) -> Vec<usize> {
    participants
        .iter()
        .enumerate()
        .filter(|(_, p)| p.group.is_some())
        .map(|(i, _)| i)
        .collect()
}

/// `committer` adds the participants `joining` in one commit; they join from the Welcome.
fn add(
    participants: &mut [Participant],
    committer: usize,
    joining: std::ops::Range<usize>,
    timings: &mut Timings,
) -> Result<(), String> {
    let key_packages = participants[joining.clone()]
        .iter_mut()
        .map(|p| p.client.key_package())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| e.to_string())?;
    let output = group_of(participants, committer)?
        .add_members(&key_packages)
        .map_err(|e| e.to_string())?;
    finish_commit(participants, committer, &output.commit, timings)?;
    let welcome = output.welcome.ok_or("an add without a Welcome")?;
    for index in joining {
        let group = participants[index]
            .client
            .join(&welcome, None)
            .map_err(|e| format!("participant {index} cannot join: {e}"))?;
        participants[index].group = Some(group);
    }
    check_agreement(participants)
}

/// `joiner` joins by an external commit (RFC 9420 §12.4.3.2) from a GroupInfo that member
/// `publisher` makes; every member processes the commit. With `resync`, the joiner is a
/// member that lost its state: its commit removes its old leaf.
fn external_join(
    participants: &mut [Participant],
    publisher: usize,
    joiner: usize,
    resync: bool,
    timings: &mut Timings,
) -> Result<(), String> {
    let group_info = group_of(participants, publisher)?
        .group_info()
        .map_err(|e| e.to_string())?;
    let old_leaf = match resync {
        true => {
            let leaf = group_of(participants, joiner)?.own_leaf();
            participants[joiner].group = None;
            Some(leaf)
        }
        false => None,
    };
    let (group, commit) = participants[joiner]
        .client
        .join_by_external_commit(&group_info, None, old_leaf)
        .map_err(|e| format!("participant {joiner} cannot join by external commit: {e}"))?;
    for index in member_indices(participants) {
        group_of(participants, index)?
            .process_message(&commit)
            .map_err(|e| format!("member {index} rejected an external commit: {e}"))?;
        timings.commits_processed += 1;
    }
    participants[joiner].group = Some(group);
    timings.epochs += 1;
    match resync {
        true => timings.resyncs += 1,
        false => timings.external_joins += 1,
    }
    check_agreement(participants)
}

/// The committer merges its commit and every other member processes it.
fn finish_commit(
    participants: &mut [Participant],
    committer: usize,
    commit: &[u8],
    timings: &mut Timings,
) -> Result<(), String> {
    group_of(participants, committer)?
        .merge_pending_commit()
        .map_err(|e| e.to_string())?;
    for index in member_indices(participants) {
        if index == committer {
            continue;
        }
        group_of(participants, index)?
            .process_message(commit)
            .map_err(|e| format!("member {index} rejected a commit: {e}"))?;
        timings.commits_processed += 1;
    }
    timings.epochs += 1;
    check_agreement(participants)
}

/// Every member is in the same epoch with the same authenticator and tree hash.
fn check_agreement(participants: &[Participant]) -> Result<(), String> {
    let mut groups = participants.iter().filter_map(|p| p.group.as_ref());
    let Some(first) = groups.next() else {
        return Ok(());
    };
    for group in groups {
        if group.epoch() != first.epoch()
            || group.epoch_authenticator() != first.epoch_authenticator()
            || group.tree_hash() != first.tree_hash()
        {
            return Err(format!(
                "members disagree in epoch {}: {:?} vs {:?}",
                first.epoch(),
                first,
                group
            ));
        }
    }
    Ok(())
}

/// The progress bar of a phase of `total` steps, drawn on standard error only when it is a
/// terminal (hidden otherwise, so that piped or captured output holds only the normal lines).
/// It is drawn at once and ticks on its own, so a long first step shows too.
fn phase_bar(phase: &str, total: usize) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let style = ProgressStyle::with_template(
        "  {prefix:<28} [{bar:30}] {pos}/{len} {elapsed_precise} {spinner}",
    )
    .map(|style| style.progress_chars("#>-"))
    .unwrap_or_else(|_| ProgressStyle::default_bar());
    let bar = ProgressBar::new(position(total))
        .with_style(style)
        .with_prefix(phase.to_owned());
    bar.enable_steady_tick(Duration::from_millis(100));
    bar
}

/// Leaves a phase's finished bar on its own line of the terminal.
fn finish(bar: &ProgressBar) {
    bar.finish();
    if !bar.is_hidden() {
        eprintln!();
    }
}

/// A count as a progress bar position.
fn position(done: usize) -> u64 {
    u64::try_from(done).unwrap_or(u64::MAX)
}
