//! `mls demo`: a group of separate clients that exchange only serialized messages, checked at
//! every step.
//!
//! The demo is a fixed plan of steps (create, adds, external joins, updates, removes,
//! re-adds, messages) made from the options alone; each step's random choices come from a
//! generator seeded by the seed and the step's number. With a database folder (`--db`),
//! every member is persisted to its own SQLite file after every operation that changed it,
//! and `demo.sqlite` holds the options, the number of steps done and, while a commit is
//! being delivered, that commit (a write-ahead record): a run stopped at any point resumes
//! (`--resume`) to the same final epoch, every member agreeing.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};
use mls_codec::CipherSuite;
use mls_crypto_rustcrypto::RustCryptoProvider;
use mls_group::{Client, Group, GroupError, ProcessedMessage, Store};
use mls_storage::{Batch, Storage};
use mls_storage_sqlite::{Durability, SqliteStorage};
use rand::{RngExt, SeedableRng, rngs::StdRng};

use crate::plural::count;

/// The group's identifier.
const GROUP_ID: &[u8] = b"mls demo group";
/// The demo database's keys: the options, the progress and the pending commit.
const OPTIONS_KEY: &[u8] = b"options";
const PROGRESS_KEY: &[u8] = b"progress";
const PENDING_KEY: &[u8] = b"pending";

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
    /// The folder of the databases: every member's state is persisted there.
    pub(crate) db: Option<PathBuf>,
    /// Continue the run stored in `db`.
    pub(crate) resume: bool,
    /// For tests: stop (successfully) once this many steps are done.
    pub(crate) stop_after_steps: Option<usize>,
}

/// One participant: a client and, while it is a member, its group state.
struct Participant {
    client: Client,
    group: Option<Group>,
}

/// One step of the plan.
#[derive(Clone, Debug)]
enum Step {
    /// Member 0 creates the group.
    Create,
    /// A random member adds these participants in one commit.
    Add(std::ops::Range<usize>),
    /// The participant joins by external commit.
    ExternalJoin(usize),
    /// A random member updates its leaf.
    Update,
    /// A random member removes another random member.
    Remove,
    /// The removed participant comes back, by external commit or from a Welcome.
    ReAdd { external: bool },
    /// A random member loses its state and rejoins by external commit.
    Resync,
    /// A random member sends message `n`.
    Message(usize),
}

impl Step {
    fn is_commit(&self) -> bool {
        !matches!(self, Step::Create | Step::Message(_))
    }
}

/// The plan of `options`: the same steps on every run.
fn plan(options: &DemoOptions) -> Vec<Step> {
    let mut steps = vec![Step::Create];
    let mut next = 1;
    let batch = 25.max(options.members / 8);
    while next < options.members {
        let end = (next + batch).min(options.members);
        let by_welcome = if options.external_joins {
            end - ((end - next) / 5).max(1)
        } else {
            end
        };
        if next < by_welcome {
            steps.push(Step::Add(next..by_welcome));
        }
        steps.extend((by_welcome..end).map(Step::ExternalJoin));
        next = end;
    }
    for round in 0..10.min(options.members) {
        match round % 3 {
            0 => steps.push(Step::Update),
            _ if options.members > 2 => {
                steps.push(Step::Remove);
                steps.push(Step::ReAdd {
                    external: options.external_joins && round % 3 == 1,
                });
            }
            _ => {}
        }
    }
    if options.external_joins {
        steps.push(Step::Resync);
    }
    steps.extend((0..options.messages).map(Step::Message));
    steps
}

/// A commit being delivered: written before anyone acts on it, so that a run stopped while
/// it is delivered finishes it on resume.
struct Pending {
    /// The epoch the commit leads to.
    epoch: u64,
    /// The member that made it (and already merged it once this record is written).
    initiator: usize,
    commit: Vec<u8>,
    welcome: Vec<u8>,
    /// The members that process the commit.
    receivers: Vec<usize>,
    /// The participants that join from the Welcome.
    joiners: Vec<usize>,
}

impl Pending {
    fn encode(&self) -> Vec<u8> {
        let mut out = Vec::new();
        out.extend_from_slice(&self.epoch.to_be_bytes());
        put_u64(&mut out, self.initiator);
        put_bytes(&mut out, &self.commit);
        put_bytes(&mut out, &self.welcome);
        for list in [&self.receivers, &self.joiners] {
            put_u64(&mut out, list.len());
            list.iter().for_each(|i| put_u64(&mut out, *i));
        }
        out
    }

    fn decode(bytes: &[u8]) -> Result<Self, String> {
        let mut reader = bytes;
        let epoch = take_u64(&mut reader)?;
        let initiator = take_index(&mut reader)?;
        let commit = take_bytes(&mut reader)?;
        let welcome = take_bytes(&mut reader)?;
        let mut lists = [Vec::new(), Vec::new()];
        for list in &mut lists {
            for _ in 0..take_index(&mut reader)? {
                list.push(take_index(&mut reader)?);
            }
        }
        let [receivers, joiners] = lists;
        Ok(Self {
            epoch,
            initiator,
            commit,
            welcome,
            receivers,
            joiners,
        })
    }
}

fn put_u64(out: &mut Vec<u8>, value: usize) {
    out.extend_from_slice(&(value as u64).to_be_bytes());
}

fn put_bytes(out: &mut Vec<u8>, bytes: &[u8]) {
    put_u64(out, bytes.len());
    out.extend_from_slice(bytes);
}

fn take_u64(reader: &mut &[u8]) -> Result<u64, String> {
    let (head, rest) = reader
        .split_first_chunk::<8>()
        .ok_or("the demo database holds a truncated record")?;
    *reader = rest;
    Ok(u64::from_be_bytes(*head))
}

fn take_index(reader: &mut &[u8]) -> Result<usize, String> {
    usize::try_from(take_u64(reader)?).map_err(|e| e.to_string())
}

fn take_bytes(reader: &mut &[u8]) -> Result<Vec<u8>, String> {
    let len = take_index(reader)?;
    if reader.len() < len {
        return Err("the demo database holds a truncated record".into());
    }
    let (bytes, rest) = reader.split_at(len);
    *reader = rest;
    Ok(bytes.to_vec())
}

/// The databases of a run: one store per member, and the demo's own records.
struct Db {
    members: Vec<Store>,
    demo: SqliteStorage,
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

/// The running demo.
struct Demo {
    participants: Vec<Participant>,
    db: Option<Db>,
    timings: Timings,
}

fn err(e: impl std::fmt::Display) -> String {
    e.to_string()
}

/// The encoding of the options that must match on resume.
fn options_record(options: &DemoOptions) -> Vec<u8> {
    format!(
        "members={} messages={} seed={} external_joins={}",
        options.members, options.messages, options.seed, options.external_joins
    )
    .into_bytes()
}

/// Opens a SQLite database of the demo.
fn open_sqlite(path: &Path) -> Result<SqliteStorage, String> {
    // A crash of the demo loses nothing at `Normal`; only a power loss could.
    SqliteStorage::open_with(path, Durability::Normal)
        .map_err(|e| format!("cannot open {}: {e}", path.display()))
}

/// Runs the demo; any disagreement between members is an error.
pub(crate) fn run(options: &DemoOptions) -> Result<(), String> {
    let provider = Arc::new(RustCryptoProvider);
    let suite = CipherSuite::MLS_128_DHKEMX25519_AES128GCM_SHA256_ED25519;
    if options.resume && options.db.is_none() {
        return Err("--resume needs --db DIR, the folder of the run to resume".into());
    }
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
    let steps = plan(options);
    let planned_epoch = steps.iter().filter(|s| s.is_commit()).count() as u64;

    // The databases, the steps done, and the participants.
    let mut done = 0;
    let mut epoch = 0;
    let mut pending = None;
    let db = match &options.db {
        None => None,
        Some(dir) => {
            std::fs::create_dir_all(dir)
                .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
            let demo = open_sqlite(&dir.join("demo.sqlite"))?;
            let stored_options = demo.get(OPTIONS_KEY).map_err(err)?;
            match (&stored_options, options.resume) {
                (Some(_), false) => {
                    return Err(format!(
                        "{} holds a run already: resume it with --resume, or use a new folder",
                        dir.display()
                    ));
                }
                (Some(stored), true) if stored.as_slice() != options_record(options) => {
                    return Err(format!(
                        "{} holds a run of other options ({}): resume it with those",
                        dir.display(),
                        String::from_utf8_lossy(stored)
                    ));
                }
                (None, true) => {
                    return Err(format!("{} holds no run to resume", dir.display()));
                }
                _ => {}
            }
            if let Some(progress) = demo.get(PROGRESS_KEY).map_err(err)? {
                let mut reader = progress.as_slice();
                done = take_index(&mut reader)?;
                epoch = take_u64(&mut reader)?;
            }
            if let Some(record) = demo.get(PENDING_KEY).map_err(err)? {
                pending = Some(Pending::decode(&record)?);
            }
            let members = (0..options.members)
                .map(|i| {
                    let storage = open_sqlite(&dir.join(format!("member-{i}.sqlite")))?;
                    Ok(Store::new(Arc::new(storage), provider.clone(), suite))
                })
                .collect::<Result<Vec<_>, String>>()?;
            Some(Db { members, demo })
        }
    };
    let resuming = done > 0;
    let bar = phase_bar(
        if resuming {
            "opening members"
        } else {
            "creating clients"
        },
        options.members,
    );
    let mut participants = Vec::with_capacity(options.members);
    for i in 0..options.members {
        let participant = match &db {
            Some(db) if resuming => {
                let store = &db.members[i];
                let client = Client::open(store, provider.clone())
                    .map_err(|e| format!("cannot open member {i}: {e}"))?;
                let group = match client.open_group(store, GROUP_ID) {
                    Ok(group) => Some(group),
                    Err(GroupError::GroupNotStored) => None,
                    Err(e) => return Err(format!("cannot open member {i}'s group: {e}")),
                };
                Participant { client, group }
            }
            _ => {
                let mut client =
                    Client::new(provider.clone(), suite, format!("member {i}").as_bytes())
                        .map_err(err)?;
                if let Some(db) = &db {
                    client.persist(&db.members[i]).map_err(err)?;
                }
                Participant {
                    client,
                    group: None,
                }
            }
        };
        participants.push(participant);
        bar.inc(1);
    }
    finish(&bar);
    if let Some(db) = &db
        && !resuming
    {
        let mut batch = Batch::new();
        batch.put(OPTIONS_KEY, options_record(options));
        batch.delete(PENDING_KEY);
        batch.delete(PROGRESS_KEY);
        db.demo.write(&batch).map_err(err)?;
    }
    let mut demo = Demo {
        participants,
        db,
        timings: Timings::default(),
    };

    if resuming {
        // Finish the commit being delivered, if its maker got to merge it; otherwise it was
        // never seen by anyone and its step is done again.
        let finishing = match pending.take() {
            Some(p) if demo.epoch_of(p.initiator) == Some(p.epoch) => Some(p),
            _ => None,
        };
        let current = finishing.as_ref().map_or(epoch, |p| p.epoch);
        if let Some(p) = &finishing {
            for &receiver in &p.receivers {
                if demo.epoch_of(receiver) == Some(epoch) {
                    demo.process_commit(receiver, &p.commit)?;
                }
            }
            for &joiner in &p.joiners {
                if demo.epoch_of(joiner) != Some(p.epoch) {
                    demo.join(joiner, &p.welcome)?;
                }
            }
        }
        // Members are those in the current epoch; a stale group is a removed member's.
        for participant in &mut demo.participants {
            if participant.group.as_ref().map(Group::epoch) != Some(current) {
                participant.group = None;
            }
        }
        if finishing.is_some() {
            done += 1;
            demo.step_done(done, current)?;
        }
        println!(
            "resuming after {} of {} (epoch {current}, {})",
            count(done, "step", "steps"),
            steps.len(),
            count(
                member_indices(&demo.participants).len(),
                "member",
                "members"
            ),
        );
        demo.check_agreement()?;
    }

    let bar = phase_bar("steps", steps.len());
    bar.set_position(position(done));
    for (index, step) in steps.iter().enumerate().skip(done) {
        if options.stop_after_steps.is_some_and(|stop| index >= stop) {
            finish(&bar);
            println!(
                "stopped after {} (--stop-after-steps)",
                count(index, "step", "steps")
            );
            return Ok(());
        }
        let mut rng = StdRng::seed_from_u64(
            options.seed ^ (index as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15),
        );
        let start = Instant::now();
        demo.step(step, &mut rng)?;
        let elapsed = start.elapsed();
        match step {
            Step::Create | Step::Add(_) | Step::ExternalJoin(_) => demo.timings.adds += elapsed,
            Step::Message(_) => demo.timings.messages += elapsed,
            _ => demo.timings.churn += elapsed,
        }
        let members = member_indices(&demo.participants);
        let epoch = demo.group_of(members[0])?.epoch();
        demo.step_done(index + 1, epoch)?;
        bar.inc(1);
    }
    finish(&bar);

    let members = member_indices(&demo.participants);
    demo.check_agreement()?;
    let first = demo.group_of(members[0])?;
    let (final_epoch, authenticator) = (first.epoch(), hex(first.epoch_authenticator()));
    println!(
        "ok: {} {} on epoch {final_epoch} (planned {planned_epoch}), epoch authenticator {authenticator}",
        count(members.len(), "member", "members"),
        if members.len() == 1 { "is" } else { "agree" },
    );
    if final_epoch != planned_epoch {
        return Err(format!(
            "the group ended on epoch {final_epoch}, not the planned {planned_epoch}"
        ));
    }
    let timings = &demo.timings;
    println!(
        "  adding {}: {:.2?}; churn: {:.2?}; {} processed, {} checked{}",
        count(options.members - 1, "member", "members"),
        timings.adds,
        timings.churn,
        count(timings.commits_processed, "commit", "commits"),
        count(timings.epochs, "epoch change", "epoch changes"),
        if resuming { " in this run" } else { "" },
    );
    if options.external_joins {
        println!(
            "  {} by external commit, {} resynced{}",
            count(timings.external_joins, "member joined", "members joined"),
            count(timings.resyncs, "member", "members"),
            if resuming { " in this run" } else { "" },
        );
    }
    println!(
        "  {}, {}: {:.2?} ({:.1} µs per decryption with encryption{})",
        count(options.messages, "message", "messages"),
        count(timings.messages_decrypted, "decryption", "decryptions"),
        timings.messages,
        timings.messages.as_secs_f64() * 1e6 / timings.messages_decrypted.max(1) as f64,
        if demo.db.is_some() {
            ", each member persisted after each"
        } else {
            ""
        },
    );
    Ok(())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

impl Demo {
    fn group_of(&mut self, index: usize) -> Result<&mut Group, String> {
        group_of(&mut self.participants, index)
    }

    fn epoch_of(&self, index: usize) -> Option<u64> {
        self.participants[index].group.as_ref().map(Group::epoch)
    }

    fn check_agreement(&self) -> Result<(), String> {
        check_agreement(&self.participants)
    }

    /// Persists participant `index`'s group (and, with `client`, its client, in the same
    /// transaction).
    fn persist(&mut self, index: usize, client: bool) -> Result<(), String> {
        let Some(db) = &self.db else {
            return Ok(());
        };
        let store = &db.members[index];
        let participant = &mut self.participants[index];
        let written = match (&mut participant.group, client) {
            (Some(group), true) => participant.client.persist_with(store, &mut [group]),
            (Some(group), false) => group.persist(store),
            (None, true) => participant.client.persist(store),
            (None, false) => return Ok(()),
        };
        written
            .map(drop)
            .map_err(|e| format!("cannot persist member {index}: {e}"))
    }

    /// Records that `done` steps are done, in `epoch`; drops the pending commit.
    fn step_done(&self, done: usize, epoch: u64) -> Result<(), String> {
        let Some(db) = &self.db else {
            return Ok(());
        };
        let mut record = Vec::new();
        put_u64(&mut record, done);
        record.extend_from_slice(&epoch.to_be_bytes());
        let mut batch = Batch::new();
        batch.put(PROGRESS_KEY, record);
        batch.delete(PENDING_KEY);
        db.demo.write(&batch).map_err(err)
    }

    fn write_pending(&self, pending: &Pending) -> Result<(), String> {
        let Some(db) = &self.db else {
            return Ok(());
        };
        let mut batch = Batch::new();
        batch.put(PENDING_KEY, pending.encode());
        db.demo.write(&batch).map_err(err)
    }

    fn process_commit(&mut self, index: usize, commit: &[u8]) -> Result<(), String> {
        self.group_of(index)?
            .process_message(commit)
            .map_err(|e| format!("member {index} rejected a commit: {e}"))?;
        self.timings.commits_processed += 1;
        self.persist(index, false)
    }

    fn join(&mut self, index: usize, welcome: &[u8]) -> Result<(), String> {
        let group = self.participants[index]
            .client
            .join(welcome, None)
            .map_err(|e| format!("participant {index} cannot join: {e}"))?;
        self.participants[index].group = Some(group);
        self.persist(index, true)
    }

    /// Delivers a commit its initiator merged (and persisted): write-ahead first.
    fn deliver(&mut self, pending: Pending) -> Result<(), String> {
        self.write_pending(&pending)?;
        self.persist(pending.initiator, true)?;
        for &receiver in &pending.receivers {
            self.process_commit(receiver, &pending.commit)?;
        }
        for &joiner in &pending.joiners {
            self.join(joiner, &pending.welcome)?;
        }
        self.timings.epochs += 1;
        self.check_agreement()
    }

    fn step(&mut self, step: &Step, rng: &mut StdRng) -> Result<(), String> {
        let members = member_indices(&self.participants);
        let random_member = |rng: &mut StdRng| members[rng.random_range(0..members.len())];
        match step {
            Step::Create => {
                let group = self.participants[0]
                    .client
                    .create_group(GROUP_ID)
                    .map_err(err)?;
                self.participants[0].group = Some(group);
                self.persist(0, true)
            }
            Step::Add(joining) => {
                let committer = random_member(rng);
                self.add(committer, joining.clone().collect())
            }
            Step::ExternalJoin(joiner) => {
                let publisher = random_member(rng);
                self.external_join(publisher, *joiner, false)
            }
            Step::Update => {
                let committer = random_member(rng);
                let output = self.group_of(committer)?.self_update().map_err(err)?;
                self.merge_and_deliver(committer, output.commit, Vec::new(), Vec::new())
            }
            Step::Remove => {
                let committer = random_member(rng);
                let candidates: Vec<usize> = members
                    .iter()
                    .copied()
                    .filter(|m| *m != committer)
                    .collect();
                let removed = candidates[rng.random_range(0..candidates.len())];
                let leaf = self.group_of(removed)?.own_leaf();
                let output = self
                    .group_of(committer)?
                    .remove_members(&[leaf])
                    .map_err(err)?;
                self.participants[removed].group = None;
                self.merge_and_deliver(committer, output.commit, Vec::new(), Vec::new())
            }
            Step::ReAdd { external } => {
                let removed = (0..self.participants.len())
                    .find(|i| self.participants[*i].group.is_none())
                    .ok_or("no removed participant to re-add")?;
                let adder = random_member(rng);
                if *external {
                    self.external_join(adder, removed, false)
                } else {
                    self.add(adder, vec![removed])
                }
            }
            Step::Resync => {
                let resyncing = random_member(rng);
                let others: Vec<usize> = members
                    .iter()
                    .copied()
                    .filter(|m| *m != resyncing)
                    .collect();
                let publisher = others[rng.random_range(0..others.len())];
                self.external_join(publisher, resyncing, true)
            }
            Step::Message(sent) => {
                let sender = random_member(rng);
                let text = format!("message {sent} from member {sender}");
                let ciphertext = self
                    .group_of(sender)?
                    .encrypt_application_message(text.as_bytes())
                    .map_err(err)?;
                // Stored before the message leaves, so that its key is never used again.
                self.persist(sender, false)?;
                for &receiver in members.iter().filter(|m| **m != sender) {
                    match self.group_of(receiver)?.process_message(&ciphertext) {
                        Ok(ProcessedMessage::Application { data, .. })
                            if data == text.as_bytes() =>
                        {
                            self.timings.messages_decrypted += 1;
                        }
                        other => {
                            return Err(format!(
                                "member {receiver} did not read message {sent}: {other:?}"
                            ));
                        }
                    }
                    self.persist(receiver, false)?;
                }
                Ok(())
            }
        }
    }

    /// `committer` merges its commit; the other members (but `excluded`) process it and
    /// `joiners` join from the Welcome.
    fn merge_and_deliver(
        &mut self,
        committer: usize,
        commit: Vec<u8>,
        welcome: Vec<u8>,
        joiners: Vec<usize>,
    ) -> Result<(), String> {
        let receivers: Vec<usize> = member_indices(&self.participants)
            .into_iter()
            .filter(|m| *m != committer)
            .collect();
        let group = self.group_of(committer)?;
        group.merge_pending_commit().map_err(err)?;
        let epoch = group.epoch();
        self.deliver(Pending {
            epoch,
            initiator: committer,
            commit,
            welcome,
            receivers,
            joiners,
        })
    }

    /// `committer` adds the participants `joining` in one commit; they join from the Welcome.
    fn add(&mut self, committer: usize, joining: Vec<usize>) -> Result<(), String> {
        let mut key_packages = Vec::with_capacity(joining.len());
        for &index in &joining {
            key_packages.push(self.participants[index].client.key_package().map_err(err)?);
            // The key package's private keys are stored before it is handed out.
            if let Some(db) = &self.db {
                self.participants[index]
                    .client
                    .persist(&db.members[index])
                    .map_err(err)?;
            }
        }
        let output = self
            .group_of(committer)?
            .add_members(&key_packages)
            .map_err(err)?;
        let welcome = output.welcome.ok_or("an add without a Welcome")?;
        self.merge_and_deliver(committer, output.commit, welcome, joining)
    }

    /// `joiner` joins by an external commit (RFC 9420 §12.4.3.2) from a GroupInfo that
    /// member `publisher` makes; every member processes the commit. With `resync`, the
    /// joiner is a member that lost its state: its commit removes its old leaf.
    fn external_join(
        &mut self,
        publisher: usize,
        joiner: usize,
        resync: bool,
    ) -> Result<(), String> {
        let group_info = self.group_of(publisher)?.group_info().map_err(err)?;
        let old_leaf = match resync {
            true => {
                let leaf = self.group_of(joiner)?.own_leaf();
                self.participants[joiner].group = None;
                Some(leaf)
            }
            false => None,
        };
        let (group, commit) = self.participants[joiner]
            .client
            .join_by_external_commit(&group_info, None, old_leaf)
            .map_err(|e| format!("participant {joiner} cannot join by external commit: {e}"))?;
        let receivers = member_indices(&self.participants);
        let epoch = group.epoch();
        self.participants[joiner].group = Some(group);
        match resync {
            true => self.timings.resyncs += 1,
            false => self.timings.external_joins += 1,
        }
        self.deliver(Pending {
            epoch,
            initiator: joiner,
            commit,
            welcome: Vec::new(),
            receivers,
            joiners: Vec::new(),
        })
    }
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
