//! The group scenario the peer comparison runs on OpenMLS and mls-rs, on this project's
//! engine, driven only through `mls-group`'s public API as an application would drive it:
//!
//! ```text
//! scenario --members N --iters K [--at start|middle] [--warm]
//! ```
//!
//! Steps (suite 1, basic credentials, ratchet tree in the Welcome, handshake and application
//! messages as PrivateMessage, no padding; every message crosses between members as bytes):
//!
//! 1. `add_all_ms`: the creator adds N-1 members from key packages in one commit and merges it.
//! 2. `join_ms`: one member joins from that Welcome (a second one joins untimed).
//! 3. `commit_create_ms` / `commit_process_ms`: those two alternate self-update commits,
//!    `--iters` times; create = create and merge by the sender, process = process by the other
//!    (our `process_message` merges a commit); medians. `commit_bytes` is the median size.
//! 4. `app_protect_us` / `app_unprotect_us`: a 1 KiB application message, medians of 200.
//! 5. `add_one_ms`: one more member is added (commit and merge).
//!
//! `--at middle` puts the committers at leaves N/2 and N/2+1 instead of 1 and 2; `--warm` has
//! one member in each blank subtree of the committers' copath commit once before timing, so
//! that the timed self-updates run on a filled copath. Each step asserts that the members
//! agree on the epoch authenticator and that decrypted messages equal the sent ones.
//!
//! Adds are committed with an UpdatePath, as both peers do; `--add-without-path` uses
//! `Group::add_members` instead, whose add-only commits carry no path (§12.4 allows it), so
//! that the creator's direct path stays blank.
//!
//! Prints one JSON line with the same fields, in the same order, as the peers' binaries; like
//! each peer's, the last field is our own (`add_path`).
#![forbid(unsafe_code)]

use std::fs::File;
use std::io::{Read, Write};
use std::sync::Arc;
use std::time::Instant;

use mls_codec::{Add, CipherSuite, Decode, MlsMessage, MlsMessageBody, Proposal, WireFormat};
use mls_crypto_rustcrypto::RustCryptoProvider;
use mls_group::{Client, CommitOptions, CommitOutput, Group, GroupConfig, ProcessedMessage};

const SUITE: CipherSuite = CipherSuite::MLS_128_DHKEMX25519_AES128GCM_SHA256_ED25519;

/// The scenario's settings, spelled out although they are our defaults.
fn config() -> GroupConfig {
    GroupConfig::default()
        .with_handshake_wire_format(WireFormat::MLS_PRIVATE_MESSAGE)
        .with_ratchet_tree_extension(true)
        .with_padding_block(0)
}

fn client(provider: &Arc<RustCryptoProvider>, name: &str) -> Client {
    let mut client =
        Client::new(provider.clone(), SUITE, name.as_bytes()).expect("creating a suite-1 client");
    client.set_config(config());
    client
}

/// Adds the members of `key_packages` (MLSMessage bytes) in one commit. Both peers commit
/// adds with an UpdatePath (OpenMLS always, mls-rs with `path_required`), which fills the
/// committer's direct path; so does this, through [`CommitOptions::force_path`], unless
/// `with_path` is off (then it is [`Group::add_members`], whose add-only commits have no path,
/// as RFC 9420 §12.4 allows). The key packages are decoded here, inside the timed region, as
/// `add_members` would do.
fn add(group: &mut Group, key_packages: &[Vec<u8>], with_path: bool) -> CommitOutput {
    if !with_path {
        return group.add_members(key_packages).expect("add commit");
    }
    let proposals = key_packages
        .iter()
        .map(|bytes| {
            match MlsMessage::from_bytes(bytes)
                .expect("decoding a key package message")
                .body
            {
                MlsMessageBody::KeyPackage(key_package) => Proposal::Add(Add { key_package }),
                other => panic!("expected a key package, got {:?}", other.wire_format()),
            }
        })
        .collect();
    group
        .commit(
            CommitOptions::default()
                .with_proposals(proposals)
                .with_force_path(true),
        )
        .expect("add commit with a path")
}

fn median(mut values: Vec<f64>) -> f64 {
    assert!(!values.is_empty(), "median of no samples");
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

/// Times the scenario's steps and, for profiling, switches `perf record` on around one of
/// them. With `SCENARIO_PERF_CTL=FIFO` (and optionally `SCENARIO_PERF_ACK=FIFO`) naming the
/// fifos of `perf record -D -1 --control=fifo:FIFO[,ACK]`, and `SCENARIO_PERF_PHASE` one of
/// `add_all`, `join`, `warm`, `create`, `process`, `protect`, `unprotect`, `add_one`, only that
/// step is sampled. Without these variables nothing but the clock is touched.
struct Timer {
    phase: Option<String>,
    control: Option<File>,
    ack: Option<File>,
}

impl Timer {
    fn from_env() -> Self {
        let open = |var: &str, write: bool| {
            std::env::var_os(var).map(|path| {
                File::options()
                    .read(!write)
                    .write(write)
                    .open(&path)
                    .unwrap_or_else(|e| panic!("opening {var}={path:?}: {e}"))
            })
        };
        Self {
            phase: std::env::var("SCENARIO_PERF_PHASE").ok(),
            control: open("SCENARIO_PERF_CTL", true),
            ack: open("SCENARIO_PERF_ACK", false),
        }
    }

    fn perf(&mut self, phase: &str, command: &str) {
        if self.phase.as_deref() != Some(phase) {
            return;
        }
        if let Some(control) = &mut self.control {
            control
                .write_all(command.as_bytes())
                .expect("writing to the perf control fifo");
            if let Some(ack) = &mut self.ack {
                let mut reply = [0u8; 5];
                ack.read_exact(&mut reply)
                    .expect("reading the perf ack fifo");
            }
        }
    }

    /// Runs `f` as the step `phase` and returns its result and its duration in seconds.
    fn time<T>(&mut self, phase: &str, f: impl FnOnce() -> T) -> (T, f64) {
        self.perf(phase, "enable\n");
        let start = Instant::now();
        let result = f();
        let seconds = start.elapsed().as_secs_f64();
        self.perf(phase, "disable\n");
        (result, seconds)
    }
}

/// Processes `bytes`, which must be a commit, and checks that it moved `group` forward.
fn process_commit(group: &mut Group, bytes: &[u8], what: &str) {
    let before = group.epoch();
    match group.process_message(bytes) {
        Ok(ProcessedMessage::Commit { epoch, .. }) => {
            assert_eq!(
                epoch,
                before + 1,
                "{what}: commit did not advance the epoch"
            );
        }
        Ok(other) => panic!("{what}: expected a commit, got {other:?}"),
        Err(error) => panic!("{what}: processing the commit failed: {error}"),
    }
}

fn assert_agree(a: &Group, b: &Group, what: &str) {
    assert_eq!(a.epoch(), b.epoch(), "{what}: epochs differ");
    assert_eq!(
        a.epoch_authenticator(),
        b.epoch_authenticator(),
        "{what}: epoch authenticators differ"
    );
}

/// Leaves (other than the creator's and the committers') whose commit fills the blank copath
/// nodes of leaf `b`; `carol_helps` when one of those subtrees holds `c` itself. The same
/// computation as the peers'.
fn helpers(n: usize, b: usize, c: usize) -> (Vec<usize>, bool) {
    let levels = n.next_power_of_two().trailing_zeros() as usize;
    let (mut hs, mut carol) = (vec![], false);
    for k in 2..=levels {
        let s = 1usize << (k - 1);
        let start = ((b >> (k - 1)) ^ 1) << (k - 1);
        if start == 0 || start >= n {
            continue; // on the creator's (filled) direct path, or only blank leaves
        }
        if (start..start + s).contains(&c) {
            carol = true;
        } else {
            hs.push(start);
        }
    }
    (hs, carol)
}

struct Args {
    n: usize,
    iters: usize,
    middle: bool,
    warm: bool,
    add_path: bool,
}

fn parse_args() -> Args {
    let args: Vec<String> = std::env::args().collect();
    let value = |key: &str| -> Option<&str> {
        args.iter().position(|a| a == key).map(|i| {
            args.get(i + 1)
                .map(String::as_str)
                .unwrap_or_else(|| panic!("{key} needs a value"))
        })
    };
    let number = |key: &str, default: usize| -> usize {
        value(key).map_or(default, |v| {
            v.parse()
                .unwrap_or_else(|_| panic!("{key} takes a number, not {v:?}"))
        })
    };
    let middle = match value("--at") {
        None | Some("start") => false,
        Some("middle") => true,
        Some(other) => panic!("--at takes start or middle, not {other:?}"),
    };
    let parsed = Args {
        n: number("--members", 16),
        iters: number("--iters", 10),
        middle,
        warm: args.iter().any(|a| a == "--warm"),
        add_path: !args.iter().any(|a| a == "--add-without-path"),
    };
    assert!(parsed.n >= 4, "--members must be at least 4");
    assert!(parsed.iters >= 1, "--iters must be at least 1");
    parsed
}

fn main() {
    let Args {
        n,
        iters,
        middle,
        warm,
        add_path,
    } = parse_args();
    let provider = Arc::new(RustCryptoProvider);

    let b_leaf = if middle { n / 2 } else { 1 };
    let c_leaf = b_leaf + 1;
    let (helper_leaves, carol_helps) = if warm {
        helpers(n, b_leaf, c_leaf)
    } else {
        (vec![], false)
    };

    let alice = client(&provider, "alice");
    // clients[0] = bob, [1] = carol, then the helpers; each keeps its key package's private
    // keys until it joins.
    let mut clients = vec![client(&provider, "bob"), client(&provider, "carol")];
    for h in &helper_leaves {
        clients.push(client(&provider, &format!("h{h}")));
    }
    // Key packages as the MLSMessage bytes a client publishes, leaf i+1 at key_packages[i]:
    // adds fill the leftmost blank leaf (§7.7), so the order of the key packages is the order
    // of the leaves. The join below checks that each member landed where expected.
    let mut key_packages = Vec::with_capacity(n - 1);
    for leaf in 1..n {
        let who = if leaf == b_leaf {
            Some(0)
        } else if leaf == c_leaf {
            Some(1)
        } else {
            helper_leaves.iter().position(|h| *h == leaf).map(|j| j + 2)
        };
        let key_package = match who {
            Some(m) => clients[m].key_package(),
            None => client(&provider, &format!("m{leaf}")).key_package(),
        };
        key_packages.push(key_package.expect("creating a key package"));
    }

    let mut ga = alice
        .create_group(b"peer scenario")
        .expect("creating the group");
    let mut timer = Timer::from_env();
    let (out, add_all) = timer.time("add_all", || {
        let out = add(&mut ga, &key_packages, add_path);
        ga.merge_pending_commit()
            .expect("merging the bulk add commit");
        out
    });
    let add_all_ms = add_all * 1e3;
    let welcome = out.welcome.expect("the bulk add produces a Welcome");
    assert_eq!(ga.member_count() as usize, n, "the group has N members");

    let mut joined = Vec::with_capacity(clients.len());
    let (first, join) = timer.time("join", || {
        clients[0]
            .join(&welcome, None)
            .expect("bob joins from the Welcome")
    });
    let join_ms = join * 1e3;
    joined.push(first);
    for c in clients.iter_mut().skip(1) {
        joined.push(c.join(&welcome, None).expect("joining from the Welcome"));
    }
    for g in &joined {
        assert_agree(&ga, g, "after the joins");
    }
    assert_eq!(joined[0].own_leaf().0 as usize, b_leaf, "bob's leaf");
    assert_eq!(joined[1].own_leaf().0 as usize, c_leaf, "carol's leaf");
    for (g, h) in joined.iter().skip(2).zip(&helper_leaves) {
        assert_eq!(g.own_leaf().0 as usize, *h, "a helper's leaf");
    }
    drop(ga);

    // Warm-up: carol (if her subtree is a copath subtree of bob's) and each helper commit
    // once; every member still taking part processes each commit. Helpers drop out after
    // committing.
    let mut order: Vec<usize> = vec![];
    if carol_helps {
        order.push(1);
    }
    order.extend(2..joined.len());
    let mut active = vec![true; joined.len()];
    let ((), warm_seconds) = timer.time("warm", || {
        for &s in &order {
            let out = joined[s].self_update().expect("warm-up self-update");
            joined[s]
                .merge_pending_commit()
                .expect("merging the warm-up commit");
            for (i, g) in joined.iter_mut().enumerate() {
                if i != s && active[i] {
                    process_commit(g, &out.commit, "warm-up");
                }
            }
            if s >= 2 {
                active[s] = false;
            }
        }
    });
    let warm_ms = warm_seconds * 1e3;
    joined.truncate(2);
    let mut gc = joined.pop().expect("carol's group");
    let mut gb = joined.pop().expect("bob's group");
    assert_agree(&gb, &gc, "after the warm-up");

    let (mut create, mut process, mut sizes) = (vec![], vec![], vec![]);
    for i in 0..iters {
        let (gs, gr) = if i % 2 == 0 {
            (&mut gb, &mut gc)
        } else {
            (&mut gc, &mut gb)
        };
        let (out, seconds) = timer.time("create", || {
            let out = gs.self_update().expect("self-update commit");
            gs.merge_pending_commit().expect("merging our self-update");
            out
        });
        create.push(seconds * 1e3);
        assert!(out.welcome.is_none(), "a self-update adds nobody");
        #[expect(clippy::cast_precision_loss, reason = "a message size")]
        sizes.push(out.commit.len() as f64);
        let ((), seconds) = timer.time("process", || {
            process_commit(gr, &out.commit, "self-update");
        });
        process.push(seconds * 1e3);
        assert_agree(gs, gr, "after a self-update");
    }

    let payload = vec![7u8; 1024];
    let (mut prot, mut unprot) = (vec![], vec![]);
    for _ in 0..200 {
        let (bytes, seconds) = timer.time("protect", || {
            gb.encrypt_application_message(&payload)
                .expect("protecting an application message")
        });
        prot.push(seconds * 1e6);
        let (received, seconds) = timer.time("unprotect", || gc.process_message(&bytes));
        unprot.push(seconds * 1e6);
        match received {
            Ok(ProcessedMessage::Application { data, sender, .. }) => {
                assert_eq!(data, payload, "decrypted message differs from the sent one");
                assert_eq!(sender, gb.own_leaf(), "application message sender");
            }
            Ok(other) => panic!("expected application data, got {other:?}"),
            Err(error) => panic!("unprotecting the application message failed: {error}"),
        }
    }

    let key_package = client(&provider, "dave")
        .key_package()
        .expect("dave's key package");
    let (out, add_one) = timer.time("add_one", || {
        let out = add(&mut gb, &[key_package], add_path);
        gb.merge_pending_commit().expect("merging the add commit");
        out
    });
    let add_one_ms = add_one * 1e3;
    assert!(out.welcome.is_some(), "adding a member produces a Welcome");
    let add_one_bytes = out.commit.len();
    process_commit(&mut gc, &out.commit, "add one");
    assert_agree(&gb, &gc, "after adding one member");
    assert_eq!(
        gb.member_count() as usize,
        n + 1,
        "the group has N+1 members"
    );

    println!(
        "{{\"impl\":\"this\",\"version\":\"{}\",\"members\":{n},\"add_all_ms\":{add_all_ms:.2},\"join_ms\":{join_ms:.2},\"commit_create_ms\":{:.3},\"commit_process_ms\":{:.3},\"app_protect_us\":{:.1},\"app_unprotect_us\":{:.1},\"add_one_ms\":{add_one_ms:.2},\"commit_bytes\":{},\"add_one_bytes\":{add_one_bytes},\"at\":\"{}\",\"committer_leaves\":[{b_leaf},{c_leaf}],\"warm\":{warm},\"warm_commits\":{},\"warm_ms\":{warm_ms:.1},\"add_path\":{add_path}}}",
        env!("CARGO_PKG_VERSION"),
        median(create),
        median(process),
        median(prot),
        median(unprot),
        median(sizes),
        if middle { "middle" } else { "start" },
        order.len(),
    );
}
