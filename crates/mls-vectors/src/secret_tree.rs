//! secret-tree.json: the sender-data key and nonce (RFC 9420 §6.3.2) and the handshake and
//! application ratchets of every leaf of a secret tree (§9).

use std::sync::Arc;

use mls_crypto::{CryptoProvider, Secret};
use mls_key_schedule::{RatchetKind, SecretTree, SenderDataKey};
use mls_tree::TreeSize;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::Outcome;
use crate::hex_field::Hex;
use crate::registry::{VectorError, parse_cases};
use crate::suites;

#[derive(Serialize, Deserialize)]
pub(crate) struct Case {
    pub(crate) cipher_suite: u16,
    pub(crate) encryption_secret: Hex,
    pub(crate) sender_data: SenderData,
    pub(crate) leaves: Vec<Vec<Generation>>,
}

#[derive(Serialize, Deserialize)]
pub(crate) struct SenderData {
    pub(crate) sender_data_secret: Hex,
    pub(crate) ciphertext: Hex,
    pub(crate) key: Hex,
    pub(crate) nonce: Hex,
}

#[derive(Serialize, Deserialize)]
pub(crate) struct Generation {
    pub(crate) generation: u32,
    pub(crate) handshake_key: Hex,
    pub(crate) handshake_nonce: Hex,
    pub(crate) application_key: Hex,
    pub(crate) application_nonce: Hex,
}

/// The sender-data key and nonce; then, in a tree with one leaf per entry of `leaves`, the
/// key and nonce of each listed generation of both ratchets of each leaf, taken in the order
/// listed (later generations come out of the ratchet, skipping the ones between).
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
        let sender_data = &case.sender_data;
        let secret = Secret::from_slice(&sender_data.sender_data_secret);
        if let Some(keys) = check.ok(
            "sender_data",
            SenderDataKey::derive(suite, &secret, &sender_data.ciphertext),
        ) {
            let actual = (
                Hex(keys.key().as_bytes().to_vec()),
                Hex(keys.nonce().as_bytes().to_vec()),
            );
            let expected = (sender_data.key.clone(), sender_data.nonce.clone());
            check.expect_eq("sender_data.key/nonce", &actual, &expected);
        }

        let size = u32::try_from(case.leaves.len())
            .ok()
            .and_then(TreeSize::for_leaves);
        let Some(size) = size else {
            check.fail("leaves", format!("{} leaves is no tree", case.leaves.len()));
            continue;
        };
        let mut tree = SecretTree::new(suite, Secret::from_slice(&case.encryption_secret), size);
        for (leaf, generations) in (0u32..).zip(&case.leaves) {
            for entry in generations {
                let generation = entry.generation;
                for (kind, key, nonce) in [
                    (
                        RatchetKind::Handshake,
                        &entry.handshake_key,
                        &entry.handshake_nonce,
                    ),
                    (
                        RatchetKind::Application,
                        &entry.application_key,
                        &entry.application_nonce,
                    ),
                ] {
                    let field = format!("leaves[{leaf}] {kind:?} generation {generation}");
                    let derived = tree.decryption_key(suite, leaf, kind, generation);
                    if let Some(derived) = check.ok(&field, derived) {
                        let actual = (
                            Hex(derived.key().as_bytes().to_vec()),
                            Hex(derived.nonce().as_bytes().to_vec()),
                        );
                        check.expect_eq(&field, &actual, &(key.clone(), nonce.clone()));
                    }
                }
            }
        }
    }
    Ok(outcome)
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = include_str!("../../../test-vectors/secret-tree.json");

    #[test]
    fn the_official_cases_pass_and_wrong_keys_are_reported() {
        let cases: Vec<Value> = serde_json::from_str(FILE).unwrap();
        let outcome = check(
            &crate::suites::default_provider(),
            "secret-tree.json",
            cases.clone(),
        )
        .unwrap();
        assert_eq!(
            (outcome.passed, outcome.failed, outcome.skipped),
            (21, 0, 0),
            "{outcome:?}"
        );

        let mut case = cases[1].clone();
        case["leaves"][3][1]["application_nonce"] = Value::String("00".repeat(12));
        case["sender_data"]["key"] = Value::String("00".repeat(16));
        let outcome = check(
            &crate::suites::default_provider(),
            "secret-tree.json",
            vec![case],
        )
        .unwrap();
        assert_eq!(outcome.failed, 1);
        let fields: Vec<&str> = outcome.failures.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "sender_data.key/nonce",
                "leaves[3] Application generation 15"
            ]
        );
    }
}
