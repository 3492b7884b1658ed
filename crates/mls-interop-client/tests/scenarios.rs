//! Plays the working group's scenario configs (copied unchanged into `configs/`) against
//! three instances of the `mls-interop-client` binary over gRPC on 127.0.0.1, in every
//! supported cipher suite and in both handshake modes (PublicMessage, PrivateMessage); and
//! checks that a run with one changed expectation or a tampered commit fails.
#![expect(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test fails by panicking, helpers included"
)]

mod driver;

use driver::{Instance, Outcome, Run};
use serde_json::Value;

/// How many client instances the actors are spread over.
const INSTANCES: usize = 3;

/// The scripts of a config, in file order.
fn scripts(config: &str) -> Vec<(String, Vec<Value>)> {
    let config: Value = serde_json::from_str(config).expect("a config is JSON");
    let mut scripts: Vec<(String, Vec<Value>)> = config["scripts"]
        .as_object()
        .expect("a config has scripts")
        .iter()
        .map(|(name, actions)| {
            (
                name.clone(),
                actions.as_array().cloned().unwrap_or_default(),
            )
        })
        .collect();
    scripts.sort_by(|a, b| a.0.cmp(&b.0));
    scripts
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

fn start() -> (Vec<Instance>, Vec<String>) {
    let instances: Vec<Instance> = (0..INSTANCES).map(|_| Instance::start().unwrap()).collect();
    let addresses = instances.iter().map(|i| i.address.clone()).collect();
    (instances, addresses)
}

/// The counts of one config over every script, suite and mode.
#[derive(Default)]
struct Tally {
    passed: usize,
    failed: Vec<String>,
    skipped: Vec<String>,
    updates_checked: usize,
}

/// Plays every script of `config` in every suite the client announces, in both modes; the
/// scripts given by `prefix` stop after that many actions (for the large generated one).
fn play_config(name: &str, config: &str, suites_filter: Option<&[u32]>, prefix: Option<usize>) {
    let (_instances, addresses) = start();
    let runtime = runtime();
    let mut tally = Tally::default();
    let suites = runtime.block_on(async {
        Run::new(&addresses, 1, false)
            .await
            .unwrap()
            .suites()
            .to_vec()
    });
    assert_eq!(
        suites,
        [1, 3, 2, 7, 5, 4, 6],
        "the client announces suites 1 to 7"
    );
    for suite in suites {
        if suites_filter.is_some_and(|only| !only.contains(&suite)) {
            continue;
        }
        for encrypt in [false, true] {
            for (script, actions) in scripts(config) {
                let actions = &actions[..prefix.unwrap_or(actions.len()).min(actions.len())];
                let label = format!(
                    "{name}/{script} suite {suite} {}",
                    if encrypt { "private" } else { "public" }
                );
                let (outcome, checked) = runtime.block_on(async {
                    let mut run = Run::new(&addresses, suite, encrypt).await.unwrap();
                    let outcome = run.play(actions).await;
                    (outcome, run.updates_checked)
                });
                tally.updates_checked += checked;
                match outcome {
                    Outcome::Passed => tally.passed += 1,
                    Outcome::Skipped(reason) => tally.skipped.push(format!("{label}: {reason}")),
                    Outcome::Failed(reason) => tally.failed.push(format!("{label}: {reason}")),
                }
            }
        }
    }
    for skipped in &tally.skipped {
        println!("SKIPPED {skipped}");
    }
    for failed in &tally.failed {
        println!("FAILED {failed}");
    }
    println!(
        "{name}: {} passed, {} failed, {} skipped ({} stateUpdates read off the wire)",
        tally.passed,
        tally.failed.len(),
        tally.skipped.len(),
        tally.updates_checked
    );
    assert!(tally.failed.is_empty(), "{name}: {:#?}", tally.failed);
    assert!(tally.passed > 0);
}

#[test]
fn welcome_join() {
    play_config(
        "welcome_join",
        include_str!("../configs/welcome_join.json"),
        None,
        None,
    );
}

#[test]
fn application() {
    play_config(
        "application",
        include_str!("../configs/application.json"),
        None,
        None,
    );
}

#[test]
fn commit() {
    play_config("commit", include_str!("../configs/commit.json"), None, None);
}

#[test]
fn external_join() {
    play_config(
        "external_join",
        include_str!("../configs/external_join.json"),
        None,
        None,
    );
}

#[test]
fn external_proposals() {
    play_config(
        "external_proposals",
        include_str!("../configs/external_proposals.json"),
        None,
        None,
    );
}

#[test]
fn reinit() {
    play_config("reinit", include_str!("../configs/reinit.json"), None, None);
}

#[test]
fn branch() {
    play_config("branch", include_str!("../configs/branch.json"), None, None);
}

/// The generated script (1670 actions, 90 commits, up to 60 members) in full in suite 1.
#[test]
fn deep_random() {
    play_config(
        "deep_random",
        include_str!("../configs/deep_random.json"),
        Some(&[1]),
        None,
    );
}

/// The other suites (the NIST curves several times slower per operation) play the first 150
/// actions of the generated script, so that the test stays CI-sized.
#[test]
fn deep_random_prefix_other_suites() {
    play_config(
        "deep_random (first 150 actions)",
        include_str!("../configs/deep_random.json"),
        Some(&[2, 3, 5, 7]),
        Some(150),
    );
}

/// Plays one script, changed by `edit`, in suite 1 and the given mode, with `tamper` set.
fn play_edited(
    config: &str,
    script: &str,
    encrypt: bool,
    tamper_commit_at: Option<usize>,
    edit: impl Fn(&mut Vec<Value>),
) -> Outcome {
    let (_instances, addresses) = start();
    let (_, mut actions) = scripts(config)
        .into_iter()
        .find(|(name, _)| name == script)
        .unwrap();
    edit(&mut actions);
    runtime().block_on(async {
        let mut run = Run::new(&addresses, 1, encrypt).await.unwrap();
        run.tamper_commit_at = tamper_commit_at;
        run.play(&actions).await
    })
}

#[test]
fn an_unchanged_script_passes_where_the_changed_ones_fail() {
    for encrypt in [false, true] {
        let outcome = play_edited(
            include_str!("../configs/commit.json"),
            "remove",
            encrypt,
            None,
            |_| {},
        );
        assert!(matches!(outcome, Outcome::Passed), "{outcome:?}");
    }
}

/// The script says bob stays a member; with the by-value Remove changed from charlie3 to bob,
/// bob's HandleCommit no longer gives the group's authenticator.
#[test]
fn a_config_with_one_changed_value_fails() {
    for encrypt in [false, true] {
        let outcome = play_edited(
            include_str!("../configs/commit.json"),
            "remove",
            encrypt,
            None,
            |actions| actions[10]["byValue"][0]["removed"] = Value::from("bob"),
        );
        assert!(matches!(outcome, Outcome::Failed(_)), "{outcome:?}");
    }
}

/// One flipped bit in a commit delivered to a member fails the run.
#[test]
fn a_tampered_commit_fails() {
    for encrypt in [false, true] {
        let outcome = play_edited(
            include_str!("../configs/commit.json"),
            "update",
            encrypt,
            Some(2),
            |_| {},
        );
        match outcome {
            Outcome::Failed(reason) => assert!(reason.contains("action 2"), "{reason}"),
            other => panic!("{other:?}"),
        }
    }
}

/// The committer commits its own proposal whether or not the script lists it; a script that
/// does not list it implies another stateUpdate than the wire shows (PublicMessage mode).
#[test]
fn a_state_update_other_than_the_scripts_fails() {
    let outcome = play_edited(
        include_str!("../configs/commit.json"),
        "add",
        false,
        None,
        |actions| actions[6]["byReference"] = serde_json::json!([5]),
    );
    match outcome {
        Outcome::Failed(reason) => assert!(reason.contains("references"), "{reason}"),
        other => panic!("{other:?}"),
    }
}
