//! Crash safety: a writer process that persists a group into SQLite after every message is
//! killed with SIGKILL at random points, hundreds of times, and after every kill the database
//! must open, the group must open, and it must be exactly at the last acknowledged state or
//! one step later, with every consumed message key still consumed (RFC 9420 §9.2).
//!
//! The writer is this test binary run again: [`crash_child_writer`] does nothing unless the
//! parent, [`a_writer_killed_at_random_points_leaves_a_consistent_group`], set
//! [`CHILD_DIR`] in its environment.
#![cfg(unix)]
#![expect(
    clippy::unwrap_used,
    reason = "a test fails by panicking, helpers included"
)]

use std::io::{Read, Write};
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use mls_codec::CipherSuite;
use mls_crypto::{CryptoProvider, Signer};
use mls_crypto_rustcrypto::RustCryptoProvider;
use mls_group::{Client, Group, GroupConfig, Store};
use mls_storage_sqlite::SqliteStorage;

/// The variable that makes [`crash_child_writer`] a writer: the directory of the script.
const CHILD_DIR: &str = "MLS_CRASH_CHILD";
/// The database file the writer opens, in [`CHILD_DIR`].
const CHILD_DB: &str = "MLS_CRASH_DB";
/// The index of the first script message the writer processes.
const CHILD_START: &str = "MLS_CRASH_START";
/// What the writer prints before a step it stored. The test harness may print its own text
/// before it on the same line.
const DONE: &str = "crash-done ";

const SUITE: CipherSuite = CipherSuite::MLS_128_DHKEMX25519_AES128GCM_SHA256_ED25519;
const GROUP_ID: &[u8] = b"crash group";
/// How many messages Alice's script has.
const STEPS: usize = 60;
/// Every how many steps the script has a commit instead of an application message.
const COMMIT_EVERY: usize = 5;
/// How many kills the test makes at least.
const KILLS: usize = 500;
/// The fixed seed of the kill times.
const SEED: u64 = 0x6d6c_735f_6372_6173;

/// A directory of its own for the test, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> Self {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_nanos();
        let dir = std::env::temp_dir().join(format!(
            "mls-storage-sqlite-crash-{}-{nanos}",
            std::process::id()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        Self(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A xorshift64* generator: enough to spread the kills, with no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, bound: u64) -> u64 {
        self.next() % bound
    }
}

fn provider() -> Arc<dyn CryptoProvider> {
    Arc::new(RustCryptoProvider::new())
}

/// Bob's signer, rebuilt from his private key.
fn signer(provider: &Arc<dyn CryptoProvider>, private_key: &[u8]) -> Arc<dyn Signer> {
    let key = mls_crypto::SignaturePrivateKey::from_slice(private_key);
    Arc::from(provider.suite(SUITE).unwrap().signer(&key).unwrap())
}

fn message_path(dir: &Path, step: usize) -> PathBuf {
    dir.join(format!("message-{step:03}"))
}

fn is_commit(step: usize) -> bool {
    step % COMMIT_EVERY == COMMIT_EVERY - 1
}

/// Opens Bob's group in the database `path`.
fn open_group(
    path: &Path,
    provider: &Arc<dyn CryptoProvider>,
    private_key: &[u8],
) -> Result<Group, String> {
    let storage = SqliteStorage::open(path).map_err(|e| format!("database: {e}"))?;
    let store = Store::new(Arc::new(storage), provider.clone(), SUITE);
    Group::open(
        &store,
        GROUP_ID,
        provider.clone(),
        signer(provider, private_key),
        GroupConfig::default(),
    )
    .map_err(|e| format!("group: {e}"))
}

/// The writer: processes the script from [`CHILD_START`] on, persisting after every message
/// and printing `done <step>` once the step is stored. Returns at once in a normal run.
#[test]
fn crash_child_writer() {
    let Some(dir) = std::env::var_os(CHILD_DIR) else {
        return;
    };
    let dir = PathBuf::from(dir);
    let db = dir.join(std::env::var(CHILD_DB).unwrap());
    let start: usize = std::env::var(CHILD_START).unwrap().parse().unwrap();
    let provider = provider();
    let private_key = std::fs::read(dir.join("bob.key")).unwrap();
    let storage = SqliteStorage::open(&db).unwrap();
    let store = Store::new(Arc::new(storage), provider.clone(), SUITE);
    let mut group = Group::open(
        &store,
        GROUP_ID,
        provider.clone(),
        signer(&provider, &private_key),
        GroupConfig::default(),
    )
    .unwrap();
    let mut out = std::io::stdout();
    for step in start..STEPS {
        let message = std::fs::read(message_path(&dir, step)).unwrap();
        group.process_message(&message).unwrap();
        group.persist(&store).unwrap();
        writeln!(out, "{DONE}{step}").unwrap();
        out.flush().unwrap();
    }
}

/// The test's fixed material: the script, Bob's key, and his state after every step.
struct Setup {
    dir: TempDir,
    private_key: Vec<u8>,
    /// Bob's first state, saved.
    initial: Vec<u8>,
    /// `states[i]`: Bob's saved state after `i` steps.
    states: Vec<Vec<u8>>,
    /// `epochs[i]`: Bob's epoch and epoch authenticator after `i` steps.
    epochs: Vec<(u64, Vec<u8>)>,
    messages: Vec<Vec<u8>>,
}

fn setup(provider: &Arc<dyn CryptoProvider>) -> Setup {
    let dir = TempDir::new();
    let suite = provider.suite(SUITE).unwrap();
    let client = |name: &str| {
        let keys = suite.generate_signature_key_pair().unwrap();
        let credential = mls_codec::Credential::Basic {
            identity: name.as_bytes().into(),
        };
        let client =
            Client::with_signature_key(provider.clone(), SUITE, credential, &keys.private_key)
                .unwrap();
        (client, keys)
    };
    let (alice, _) = client("alice");
    let (mut bob, bob_keys) = client("bob");
    let mut alice_group = alice.create_group(GROUP_ID).unwrap();
    let added = alice_group
        .add_members(&[bob.key_package().unwrap()])
        .unwrap();
    alice_group.merge_pending_commit().unwrap();
    let bob_group = bob.join(&added.welcome.unwrap(), None).unwrap();
    let private_key = bob_keys.private_key.as_bytes().to_vec();
    std::fs::write(dir.0.join("bob.key"), &private_key).unwrap();

    let mut messages = Vec::new();
    for step in 0..STEPS {
        let message = if is_commit(step) {
            let update = alice_group.self_update().unwrap();
            alice_group.merge_pending_commit().unwrap();
            update.commit
        } else {
            alice_group
                .encrypt_application_message(format!("message {step}").as_bytes())
                .unwrap()
        };
        std::fs::write(message_path(&dir.0, step), &message).unwrap();
        messages.push(message);
    }

    // The expected states, replayed on an in-memory copy.
    let initial = bob_group.save().unwrap().to_vec();
    let mut replay = Group::load(
        provider.clone(),
        signer(provider, &private_key),
        GroupConfig::default(),
        &initial,
    )
    .unwrap();
    let mut states = vec![initial.clone()];
    let mut epochs = vec![(replay.epoch(), replay.epoch_authenticator().to_vec())];
    for message in &messages {
        replay.process_message(message).unwrap();
        states.push(replay.save().unwrap().to_vec());
        epochs.push((replay.epoch(), replay.epoch_authenticator().to_vec()));
    }
    assert_eq!(
        replay.epoch_authenticator(),
        alice_group.epoch_authenticator()
    );
    Setup {
        dir,
        private_key,
        initial,
        states,
        epochs,
        messages,
    }
}

/// A fresh database holding Bob's first state, named after `generation`.
fn fresh_database(setup: &Setup, provider: &Arc<dyn CryptoProvider>, generation: u32) -> String {
    let name = format!("state-{generation}.db");
    let storage = SqliteStorage::open(setup.dir.0.join(&name)).unwrap();
    let store = Store::new(Arc::new(storage), provider.clone(), SUITE);
    let mut group = Group::load(
        provider.clone(),
        signer(provider, &setup.private_key),
        GroupConfig::default(),
        &setup.initial,
    )
    .unwrap();
    group.persist(&store).unwrap();
    name
}

/// Starts the writer on the database `db` (a file name in the setup's directory) from step
/// `start`, its standard output piped.
fn spawn_writer(setup: &Setup, db: &str, start: usize) -> Child {
    Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "crash_child_writer", "--nocapture"])
        .env(CHILD_DIR, &setup.dir.0)
        .env(CHILD_DB, db)
        .env(CHILD_START, start.to_string())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

/// The steps a writer acknowledged: the number after the last whole `crash-done` line.
fn last_acknowledged(child: &mut Child) -> Option<usize> {
    let mut output = String::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut output)
        .unwrap();
    // Whole lines only: a step is acknowledged by its newline.
    output
        .split_inclusive('\n')
        .filter_map(|line| line.strip_suffix('\n')?.split_once(DONE))
        .map(|(_, step)| step.parse::<usize>().unwrap())
        .max()
}

/// How long an uninterrupted writer takes from its spawn, on a database of its own: to start
/// and open the group only, and to run the whole script.
fn calibrate(setup: &Setup, provider: &Arc<dyn CryptoProvider>) -> (Duration, Duration) {
    let db = fresh_database(setup, provider, u32::MAX);
    let time = |start: usize| {
        let began = Instant::now();
        let mut child = spawn_writer(setup, &db, start);
        let status = child.wait().unwrap();
        let elapsed = began.elapsed();
        assert!(status.success(), "the writer failed: {status}");
        assert_eq!(
            last_acknowledged(&mut child),
            STEPS.checked_sub(1).filter(|_| start == 0)
        );
        elapsed
    };
    let startup = time(STEPS);
    let script = time(0);
    (startup, script)
}

/// What the kills left behind.
#[derive(Debug, Default)]
struct Figures {
    runs: usize,
    kills: usize,
    kills_before_any_acknowledgement: usize,
    kills_after_acknowledgements: usize,
    databases_ok: usize,
    corrupted_databases: usize,
    groups_at_old_state: usize,
    groups_at_new_state: usize,
    groups_at_other_state: usize,
    reused_keys: usize,
    next_messages_refused: usize,
    completed_scripts: usize,
}

#[test]
fn a_writer_killed_at_random_points_leaves_a_consistent_group() {
    let began = Instant::now();
    let provider = provider();
    let setup = setup(&provider);
    // The kills land anywhere from the spawn to a little after the rest of the script would
    // be done: before the database is open, while a message is processed, while it is
    // persisted.
    let (startup, script) = calibrate(&setup, &provider);
    let startup_us = u64::try_from(startup.as_micros()).unwrap();
    let step_us = u64::try_from(script.saturating_sub(startup).as_micros()).unwrap() / STEPS as u64;
    let max_delay_us =
        |at: usize| ((startup_us + (STEPS - at) as u64 * step_us) * 11 / 10).max(1_000);
    println!(
        "crash test: seed {SEED:#x}, {STEPS} steps, at least {KILLS} kills; a writer starts in \
         {:.1} ms and runs the whole script in {:.1} ms; kills 0 to {:.1} ms after the spawn",
        startup.as_secs_f64() * 1e3,
        script.as_secs_f64() * 1e3,
        max_delay_us(0) as f64 / 1e3
    );
    let mut rng = Rng(SEED);
    let mut figures = Figures::default();
    let mut generation = 0;
    let mut db = fresh_database(&setup, &provider, generation);
    // How many steps the database holds, as the parent last checked.
    let mut at = 0;
    while figures.kills < KILLS {
        let mut child = spawn_writer(&setup, &db, at);
        // One kill in sixteen at once, the others anywhere in the range.
        let delay = if rng.below(16) == 0 {
            0
        } else {
            rng.below(max_delay_us(at))
        };
        std::thread::sleep(Duration::from_micros(delay));
        let _ = child.kill();
        let status = child.wait().unwrap();
        figures.runs += 1;
        if status.signal() == Some(9) {
            figures.kills += 1;
        } else {
            assert!(status.success(), "the writer failed: {status}");
        }
        let acknowledged = last_acknowledged(&mut child).map_or(at, |step| step + 1);
        if status.signal() == Some(9) {
            if acknowledged == at {
                figures.kills_before_any_acknowledgement += 1;
            } else {
                figures.kills_after_acknowledgements += 1;
            }
        }

        // The database opens and is intact.
        let path = setup.dir.0.join(&db);
        match SqliteStorage::open(&path) {
            Ok(storage) => drop(storage),
            Err(e) => {
                figures.corrupted_databases += 1;
                panic!("database after kill {}: {e}", figures.kills);
            }
        }
        let connection = rusqlite::Connection::open(&path).unwrap();
        let check: String = connection
            .query_row("PRAGMA integrity_check", [], |row| row.get(0))
            .unwrap();
        drop(connection);
        if check != "ok" {
            figures.corrupted_databases += 1;
            panic!("integrity check after kill {}: {check}", figures.kills);
        }
        figures.databases_ok += 1;

        // The group is at the acknowledged state or one step later.
        let group = open_group(&path, &provider, &setup.private_key).unwrap();
        let saved = group.save().unwrap();
        let found = setup.states.iter().position(|state| **state == *saved);
        let steps = match found {
            Some(steps) if steps == acknowledged => {
                figures.groups_at_old_state += 1;
                steps
            }
            Some(steps) if steps == acknowledged + 1 => {
                figures.groups_at_new_state += 1;
                steps
            }
            other => {
                figures.groups_at_other_state += 1;
                let epoch = (group.epoch(), group.epoch_authenticator().to_vec());
                panic!(
                    "after kill {}: {acknowledged} steps acknowledged, state of {other:?} steps \
                     (epoch {} matches after {:?} steps)",
                    figures.kills,
                    epoch.0,
                    setup.epochs.iter().position(|e| *e == epoch),
                );
            }
        };
        assert_eq!(
            (group.epoch(), group.epoch_authenticator()),
            (setup.epochs[steps].0, setup.epochs[steps].1.as_slice())
        );
        drop(group);

        // The last application message processed cannot be decrypted again; the next one can,
        // on a copy that is not persisted.
        if steps > 0 && !is_commit(steps - 1) {
            let mut again = open_group(&path, &provider, &setup.private_key).unwrap();
            if again.process_message(&setup.messages[steps - 1]).is_ok() {
                figures.reused_keys += 1;
            }
        }
        if steps < STEPS && !is_commit(steps) {
            let mut copy = open_group(&path, &provider, &setup.private_key).unwrap();
            if copy.process_message(&setup.messages[steps]).is_err() {
                figures.next_messages_refused += 1;
            }
        }

        at = steps;
        if at == STEPS {
            figures.completed_scripts += 1;
            generation += 1;
            db = fresh_database(&setup, &provider, generation);
            at = 0;
        }
    }
    println!("{figures:#?}");
    println!("crash test: {:.1} s", began.elapsed().as_secs_f64());
    assert_eq!(figures.corrupted_databases, 0);
    assert_eq!(figures.groups_at_other_state, 0);
    assert_eq!(figures.reused_keys, 0);
    assert_eq!(figures.next_messages_refused, 0);
    assert!(figures.kills >= KILLS);
    assert_eq!(
        figures.databases_ok,
        figures.groups_at_old_state + figures.groups_at_new_state
    );
}
