//! passive-client-welcome.json, passive-client-handling-commit.json and
//! passive-client-random.json: a client that joins a group from a Welcome (RFC 9420
//! §12.4.3.1) and then only processes the proposals and commits of the other members
//! (§12.1, §12.4.2), checking the epoch authenticator (§8.7) of every epoch.

use std::collections::HashMap;
use std::sync::Arc;

use mls_codec::{PreSharedKeyId, Psk};
use mls_crypto::{
    CipherSuiteProvider, CryptoProvider, HpkeKem, HpkePrivateKey, Secret, SignaturePrivateKey,
};
use mls_group::KeyPackageBundle;
use mls_group::{FixedClock, Group, GroupConfig, ProcessedMessage};
use mls_tree::RatchetTree;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::Outcome;

/// The time at which the passive-client vectors are checked, in seconds since the Unix epoch:
/// July 2023, when RFC 9420 and its vectors were published, inside every lifetime they carry
/// (the joiners' key packages are valid from March 2023 to March 2024, other leaves from 0 to
/// 2^64 - 1). The lifetime checks stay on. The generated passive-client vectors are made at
/// this time too (`generate::group`).
pub(crate) const VECTOR_TIME: u64 = 1_690_000_000;

use crate::hex_field::Hex;
use crate::outcome::CaseCheck;
use crate::registry::{VectorError, parse_cases};
use crate::suites;
use crate::wire::{key_package, welcome};

#[derive(Serialize, Deserialize)]
pub(crate) struct ExternalPsk {
    pub(crate) psk_id: Hex,
    pub(crate) psk: Hex,
}

#[derive(Serialize, Deserialize)]
pub(crate) struct EpochCase {
    pub(crate) proposals: Vec<Hex>,
    pub(crate) commit: Hex,
    pub(crate) epoch_authenticator: Hex,
}

#[derive(Serialize, Deserialize)]
pub(crate) struct Case {
    pub(crate) cipher_suite: u16,
    pub(crate) external_psks: Vec<ExternalPsk>,
    pub(crate) key_package: Hex,
    pub(crate) signature_priv: Hex,
    pub(crate) encryption_priv: Hex,
    pub(crate) init_priv: Hex,
    pub(crate) welcome: Hex,
    pub(crate) ratchet_tree: Option<Hex>,
    pub(crate) initial_epoch_authenticator: Hex,
    pub(crate) epochs: Vec<EpochCase>,
}

/// For each case: the private keys match the key package, the client joins from the Welcome
/// (with the out-of-band ratchet tree if given) to the initial epoch authenticator, and every
/// epoch's proposals and commit lead to that epoch's authenticator.
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
        check_case(&mut check, provider, suite, &case);
    }
    Ok(outcome)
}

/// An HPKE private key of the vectors. They write NIST-curve scalars as minimal big-endian
/// integers (a P-521 key may have 65 bytes); SerializePrivateKey (RFC 9180 §7.1.2) has exactly
/// `Nsk` bytes, so shorter scalars get their leading zero bytes back.
fn hpke_private_key(suite: &dyn CipherSuiteProvider, bytes: &[u8]) -> HpkePrivateKey {
    let length = suite.params().kem.private_key_len();
    let big_endian = matches!(
        suite.params().kem,
        HpkeKem::DhKemP256 | HpkeKem::DhKemP384 | HpkeKem::DhKemP521
    );
    if big_endian && bytes.len() < length {
        let mut padded = vec![0; length - bytes.len()];
        padded.extend_from_slice(bytes);
        HpkePrivateKey::new(padded)
    } else {
        HpkePrivateKey::from_slice(bytes)
    }
}

/// Checks that the public key of the HPKE private key `private` is `public`.
fn check_hpke_key(
    suite: &dyn CipherSuiteProvider,
    private: &HpkePrivateKey,
    public: &[u8],
) -> Result<(), String> {
    let derived = suite.hpke_public_key(private).map_err(|e| e.to_string())?;
    if derived == public {
        Ok(())
    } else {
        Err("the private key does not match the key package's public key".to_owned())
    }
}

/// Checks one case; stops at the first step that fails, since the later ones depend on it.
fn check_case(
    check: &mut CaseCheck<'_>,
    provider: &Arc<dyn CryptoProvider>,
    suite: &dyn CipherSuiteProvider,
    case: &Case,
) {
    let Some(key_package) = check.ok("key_package", key_package(&case.key_package)) else {
        return;
    };
    let init_private_key = hpke_private_key(suite, &case.init_priv);
    let encryption_private_key = hpke_private_key(suite, &case.encryption_priv);
    let init_ok = check.ok(
        "init_priv",
        check_hpke_key(suite, &init_private_key, &key_package.init_key),
    );
    let encryption_ok = check.ok(
        "encryption_priv",
        check_hpke_key(
            suite,
            &encryption_private_key,
            &key_package.leaf_node.encryption_key,
        ),
    );
    let Some(signer) = check.ok(
        "signature_priv",
        suite.signer(&SignaturePrivateKey::from_slice(&case.signature_priv)),
    ) else {
        return;
    };
    check.expect(
        signer.public_key() == key_package.leaf_node.signature_key.as_slice(),
        "signature_priv",
        || "the private key does not match the key package's signature key".to_owned(),
    );
    if init_ok.is_none() || encryption_ok.is_none() {
        return;
    }
    let Some(welcome) = check.ok("welcome", welcome(&case.welcome)) else {
        return;
    };
    let ratchet_tree = match &case.ratchet_tree {
        None => None,
        Some(bytes) => match check.ok("ratchet_tree", RatchetTree::from_bytes(bytes)) {
            Some(tree) => Some(tree),
            None => return,
        },
    };
    let external_psks: HashMap<&[u8], Secret> = case
        .external_psks
        .iter()
        .map(|psk| (&*psk.psk_id, Secret::from_slice(&psk.psk)))
        .collect();
    let bundle = KeyPackageBundle::new(key_package, init_private_key, encryption_private_key);
    let config = GroupConfig::default()
        .with_clock(Arc::new(FixedClock(VECTOR_TIME)))
        .with_retained_resumption_psks(case.epochs.len() + 1);
    let joined = Group::join_with_psks(
        Arc::clone(provider),
        Arc::from(signer),
        &bundle,
        &welcome,
        ratchet_tree,
        config,
        |id: &PreSharedKeyId| match &id.psk {
            Psk::External { psk_id } => external_psks.get(psk_id.as_slice()),
            Psk::Resumption { .. } => None,
        },
    );
    let Some(mut group) = check.ok("welcome", joined) else {
        return;
    };
    for (psk_id, psk) in &external_psks {
        group.add_external_psk(psk_id, psk.clone());
    }
    check.expect_eq(
        "initial_epoch_authenticator",
        &Hex(group.epoch_authenticator().to_vec()),
        &case.initial_epoch_authenticator,
    );
    for (index, epoch) in case.epochs.iter().enumerate() {
        for (proposal_index, proposal) in epoch.proposals.iter().enumerate() {
            let field = format!("epochs[{index}].proposals[{proposal_index}]");
            match check.ok(&field, group.process_message(proposal)) {
                Some(ProcessedMessage::Proposal { .. }) => {}
                Some(other) => {
                    check.fail(&field, format!("processed as {other:?}, not a proposal"));
                    return;
                }
                None => return,
            }
        }
        let field = format!("epochs[{index}].commit");
        let before = group.epoch();
        match check.ok(&field, group.process_message(&epoch.commit)) {
            Some(ProcessedMessage::Commit { epoch: after, .. })
                if before.checked_add(1) == Some(after) => {}
            Some(other) => {
                check.fail(&field, format!("processed as {other:?}, not a commit"));
                return;
            }
            None => return,
        }
        let field = format!("epochs[{index}].epoch_authenticator");
        if group.epoch_authenticator() != &*epoch.epoch_authenticator {
            check.fail(
                &field,
                format!(
                    "got {:?}, expected {:?}",
                    Hex(group.epoch_authenticator().to_vec()),
                    epoch.epoch_authenticator
                ),
            );
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const WELCOME: &str = include_str!("../../../test-vectors/passive-client-welcome.json");
    const COMMIT: &str = include_str!("../../../test-vectors/passive-client-handling-commit.json");

    fn run(name: &str, cases: Vec<Value>) -> Outcome {
        check(&crate::suites::default_provider(), name, cases).unwrap()
    }

    /// The first case of `file` whose suite is 1, edited by `edit`.
    fn first_case(file: &str, edit: impl FnOnce(&mut Value)) -> Vec<Value> {
        let mut cases: Vec<Value> = serde_json::from_str(file).unwrap();
        cases.truncate(1);
        edit(&mut cases[0]);
        cases
    }

    #[test]
    fn the_welcome_cases_pass() {
        let outcome = run(
            "passive-client-welcome.json",
            serde_json::from_str(WELCOME).unwrap(),
        );
        assert_eq!(
            (outcome.passed, outcome.failed, outcome.skipped),
            (56, 0, 0),
            "{outcome:?}"
        );
    }

    #[test]
    fn a_wrong_init_key_is_reported() {
        let cases = first_case(WELCOME, |case| {
            case["init_priv"] = case["encryption_priv"].clone();
        });
        let outcome = run("passive-client-welcome.json", cases);
        assert_eq!(outcome.failed, 1, "{outcome:?}");
        assert_eq!(outcome.failures[0].field, "init_priv");
    }

    #[test]
    fn a_wrong_signature_key_is_reported() {
        let cases = first_case(WELCOME, |case| {
            case["signature_priv"] = Value::String("11".repeat(32));
        });
        let outcome = run("passive-client-welcome.json", cases);
        assert_eq!(outcome.failed, 1, "{outcome:?}");
        assert_eq!(outcome.failures[0].field, "signature_priv");
    }

    #[test]
    fn a_wrong_initial_authenticator_is_reported() {
        let cases = first_case(WELCOME, |case| {
            case["initial_epoch_authenticator"] = Value::String("00".repeat(32));
        });
        let outcome = run("passive-client-welcome.json", cases);
        assert_eq!(outcome.failed, 1, "{outcome:?}");
        assert_eq!(outcome.failures[0].field, "initial_epoch_authenticator");
    }

    #[test]
    fn a_tampered_commit_names_its_epoch() {
        let cases = first_case(COMMIT, |case| {
            let commit = case["epochs"][1]["commit"].as_str().unwrap().to_owned();
            let mut bytes = hex::decode(commit).unwrap();
            let last = bytes.len() - 1;
            bytes[last] ^= 1;
            case["epochs"][1]["commit"] = Value::String(hex::encode(bytes));
        });
        let outcome = run("passive-client-handling-commit.json", cases);
        assert_eq!(outcome.failed, 1, "{outcome:?}");
        assert_eq!(outcome.failures[0].field, "epochs[1].commit");
    }

    #[test]
    fn a_wrong_epoch_authenticator_names_its_epoch() {
        let cases = first_case(COMMIT, |case| {
            case["epochs"][0]["epoch_authenticator"] = Value::String("00".repeat(32));
        });
        let outcome = run("passive-client-handling-commit.json", cases);
        assert_eq!(outcome.failed, 1, "{outcome:?}");
        assert_eq!(outcome.failures[0].field, "epochs[0].epoch_authenticator");
    }
}
