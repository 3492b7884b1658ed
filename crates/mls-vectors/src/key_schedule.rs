//! key-schedule.json: the epoch key schedule of RFC 9420 §8, the external key pair (§8.3)
//! and the exporter (§8.5), over a chain of epochs.

use std::sync::Arc;

use mls_codec::Encode;
use mls_crypto::{CipherSuiteProvider, CryptoProvider, Secret};
use mls_key_schedule::{EpochSecrets, JoinerSecret, KeySchedule, WelcomeSecret};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::Outcome;
use crate::hex_field::Hex;
use crate::outcome::CaseCheck;
use crate::registry::{VectorError, parse_cases};
use crate::suites;
use crate::wire::group_context;

#[derive(Serialize, Deserialize)]
pub(crate) struct Case {
    pub(crate) cipher_suite: u16,
    pub(crate) group_id: Hex,
    pub(crate) initial_init_secret: Hex,
    pub(crate) epochs: Vec<Epoch>,
}

#[derive(Serialize, Deserialize)]
pub(crate) struct Epoch {
    pub(crate) tree_hash: Hex,
    pub(crate) commit_secret: Hex,
    pub(crate) psk_secret: Hex,
    pub(crate) confirmed_transcript_hash: Hex,
    pub(crate) group_context: Hex,
    pub(crate) joiner_secret: Hex,
    pub(crate) welcome_secret: Hex,
    pub(crate) init_secret: Hex,
    pub(crate) sender_data_secret: Hex,
    pub(crate) encryption_secret: Hex,
    pub(crate) exporter_secret: Hex,
    pub(crate) epoch_authenticator: Hex,
    pub(crate) external_secret: Hex,
    pub(crate) confirmation_key: Hex,
    pub(crate) membership_key: Hex,
    pub(crate) resumption_psk: Hex,
    pub(crate) external_pub: Hex,
    pub(crate) exporter: Exporter,
}

#[derive(Serialize, Deserialize)]
pub(crate) struct Exporter {
    /// A plain string label, not hex.
    pub(crate) label: String,
    pub(crate) context: Hex,
    pub(crate) length: u32,
    pub(crate) secret: Hex,
}

/// Records that the bytes of `actual` must equal `expected`.
fn expect_bytes(check: &mut CaseCheck<'_>, field: &str, actual: &[u8], expected: &Hex) {
    check.expect_eq(field, &Hex(actual.to_vec()), expected);
}

/// For each epoch: the GroupContext encoding, every secret of the key schedule run from the
/// previous epoch's init secret (our own, chained), the external public key and the exporter
/// output; and a joiner starting from the given joiner_secret reaches the same epoch.
pub(crate) fn check(
    provider: &Arc<dyn CryptoProvider>,
    name: &str,
    cases: Vec<Value>,
) -> Result<Outcome, VectorError> {
    let mut outcome = Outcome::default();
    for (index, case) in parse_cases::<Case>(name, cases)?.into_iter().enumerate() {
        let Some(suite) = suites::suite(provider, &mut outcome, index, case.cipher_suite) else {
            continue;
        };
        let mut check = outcome.case(index);
        let mut init_secret = Secret::from_slice(&case.initial_init_secret);
        for (epoch_number, epoch) in (0u64..).zip(&case.epochs) {
            let Some(next) =
                check_epoch(&mut check, suite, &case, epoch_number, epoch, &init_secret)
            else {
                break;
            };
            init_secret = next;
        }
    }
    Ok(outcome)
}

/// Checks one epoch and returns its init secret, or `None` if the schedule failed to run.
fn check_epoch(
    check: &mut CaseCheck<'_>,
    suite: &dyn CipherSuiteProvider,
    case: &Case,
    epoch_number: u64,
    epoch: &Epoch,
    init_secret: &Secret,
) -> Option<Secret> {
    let field = |name: &str| format!("epochs[{epoch_number}].{name}");
    let context = group_context(
        case.cipher_suite,
        &case.group_id,
        epoch_number,
        &epoch.tree_hash,
        &epoch.confirmed_transcript_hash,
    );
    if let Some(encoded) = check.ok(&field("group_context"), context.to_bytes()) {
        expect_bytes(
            check,
            &field("group_context"),
            &encoded,
            &epoch.group_context,
        );
    }
    // The schedule runs on the given encoding, so that its secrets are checked on their own.
    let commit_secret = Secret::from_slice(&epoch.commit_secret);
    let psk_secret = Secret::from_slice(&epoch.psk_secret);
    let schedule = check.ok(
        &field("key schedule"),
        KeySchedule::new_epoch(
            suite,
            init_secret,
            &commit_secret,
            &psk_secret,
            &epoch.group_context,
        ),
    )?;
    expect_bytes(
        check,
        &field("joiner_secret"),
        schedule.joiner_secret().as_secret().as_bytes(),
        &epoch.joiner_secret,
    );
    expect_bytes(
        check,
        &field("welcome_secret"),
        schedule.welcome_secret().as_secret().as_bytes(),
        &epoch.welcome_secret,
    );
    let secrets = schedule.epoch_secrets();
    let encryption_secret = secrets.encryption_secret().map(Secret::as_bytes);
    let expected: [(&str, &[u8], &Hex); 9] = [
        (
            "init_secret",
            secrets.init_secret().as_bytes(),
            &epoch.init_secret,
        ),
        (
            "sender_data_secret",
            secrets.sender_data_secret().as_bytes(),
            &epoch.sender_data_secret,
        ),
        (
            "encryption_secret",
            encryption_secret.unwrap_or_default(),
            &epoch.encryption_secret,
        ),
        (
            "exporter_secret",
            secrets.exporter_secret().as_bytes(),
            &epoch.exporter_secret,
        ),
        (
            "epoch_authenticator",
            secrets.epoch_authenticator().as_bytes(),
            &epoch.epoch_authenticator,
        ),
        (
            "external_secret",
            secrets.external_secret().as_bytes(),
            &epoch.external_secret,
        ),
        (
            "confirmation_key",
            secrets.confirmation_key().as_bytes(),
            &epoch.confirmation_key,
        ),
        (
            "membership_key",
            secrets.membership_key().as_bytes(),
            &epoch.membership_key,
        ),
        (
            "resumption_psk",
            secrets.resumption_psk().as_bytes(),
            &epoch.resumption_psk,
        ),
    ];
    for (name, actual, expected) in expected {
        expect_bytes(check, &field(name), actual, expected);
    }
    if let Some(pair) = check.ok(&field("external_pub"), secrets.external_key_pair(suite)) {
        expect_bytes(
            check,
            &field("external_pub"),
            &pair.public_key,
            &epoch.external_pub,
        );
    }
    let exporter = &epoch.exporter;
    let exported = usize::try_from(exporter.length)
        .map_err(|e| e.to_string())
        .and_then(|length| {
            secrets
                .export(suite, &exporter.label, &exporter.context, length)
                .map_err(|e| e.to_string())
        });
    if let Some(exported) = check.ok(&field("exporter.secret"), exported) {
        expect_bytes(
            check,
            &field("exporter.secret"),
            exported.as_bytes(),
            &exporter.secret,
        );
    }
    check_joiner(check, suite, epoch, &field, secrets);
    Some(secrets.init_secret().clone())
}

/// A joiner that starts from the joiner_secret (§8, §12.4.3.1) reaches the same secrets.
fn check_joiner(
    check: &mut CaseCheck<'_>,
    suite: &dyn CipherSuiteProvider,
    epoch: &Epoch,
    field: &dyn Fn(&str) -> String,
    committer: &EpochSecrets,
) {
    let psk_secret = Secret::from_slice(&epoch.psk_secret);
    let Some(joiner) = check.ok(
        &field("joiner_secret (as joiner)"),
        JoinerSecret::from_bytes(suite, &epoch.joiner_secret),
    ) else {
        return;
    };
    if let Some(welcome) = check.ok(
        &field("welcome_secret (as joiner)"),
        WelcomeSecret::from_joiner_secret(suite, &joiner, &psk_secret),
    ) {
        expect_bytes(
            check,
            &field("welcome_secret (as joiner)"),
            welcome.as_secret().as_bytes(),
            &epoch.welcome_secret,
        );
    }
    if let Some(secrets) = check.ok(
        &field("epoch (as joiner)"),
        EpochSecrets::from_joiner_secret(suite, &joiner, &psk_secret, &epoch.group_context),
    ) {
        check.expect(secrets == *committer, &field("epoch (as joiner)"), || {
            "a joiner derives other epoch secrets than the committer".to_owned()
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = include_str!("../../../test-vectors/key-schedule.json");

    fn run(json: &str) -> Outcome {
        let cases: Vec<Value> = serde_json::from_str(json).unwrap();
        check(
            &crate::suites::default_provider(),
            "key-schedule.json",
            cases,
        )
        .unwrap()
    }

    #[test]
    fn the_official_cases_pass_and_a_wrong_secret_is_reported() {
        let outcome = run(FILE);
        assert_eq!(
            (outcome.passed, outcome.failed, outcome.skipped),
            (7, 0, 0),
            "{outcome:?}"
        );

        let mut cases: Vec<Value> = serde_json::from_str(FILE).unwrap();
        let epoch = &mut cases[0]["epochs"][1];
        let wrong = epoch["membership_key"].as_str().unwrap().replace('a', "b");
        epoch["membership_key"] = Value::String(wrong);
        let outcome = check(
            &crate::suites::default_provider(),
            "key-schedule.json",
            cases.drain(..1).collect(),
        )
        .unwrap();
        assert_eq!(outcome.failed, 1);
        assert_eq!(outcome.failures[0].field, "epochs[1].membership_key");
    }

    #[test]
    fn a_wrong_init_secret_fails_the_chain() {
        let mut cases: Vec<Value> = serde_json::from_str(FILE).unwrap();
        cases[0]["initial_init_secret"] = Value::String("00".repeat(32));
        let outcome = check(
            &crate::suites::default_provider(),
            "key-schedule.json",
            cases.drain(..1).collect(),
        )
        .unwrap();
        assert_eq!(outcome.failed, 1);
        assert_eq!(outcome.failures[0].field, "epochs[0].joiner_secret");
    }
}
