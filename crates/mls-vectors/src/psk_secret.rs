//! psk_secret.json: chaining pre-shared keys into the psk_secret (RFC 9420 §8.4).

use std::sync::Arc;

use mls_codec::{PreSharedKeyId, Psk, VarBytes};
use mls_crypto::{CryptoProvider, Secret};
use mls_key_schedule::{PskInput, psk_secret};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::Outcome;
use crate::hex_field::Hex;
use crate::registry::{VectorError, parse_cases};
use crate::suites;

#[derive(Serialize, Deserialize)]
pub(crate) struct Case {
    pub(crate) cipher_suite: u16,
    pub(crate) psks: Vec<ExternalPsk>,
    pub(crate) psk_secret: Hex,
}

#[derive(Serialize, Deserialize)]
pub(crate) struct ExternalPsk {
    pub(crate) psk_id: Hex,
    pub(crate) psk: Hex,
    pub(crate) psk_nonce: Hex,
}

/// Each PSK of a case as an external PreSharedKeyID (with its nonce) and its value.
pub(crate) fn external_psk_ids(psks: &[ExternalPsk]) -> Vec<(PreSharedKeyId, Secret)> {
    psks.iter()
        .map(|entry| {
            let id = PreSharedKeyId {
                psk: Psk::External {
                    psk_id: VarBytes(entry.psk_id.0.clone()),
                },
                psk_nonce: VarBytes(entry.psk_nonce.0.clone()),
            };
            (id, Secret::from_slice(&entry.psk))
        })
        .collect()
}

/// The PSKs, as external PreSharedKeyIDs with their nonces, chain to `psk_secret`.
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
        let ids = external_psk_ids(&case.psks);
        let inputs: Vec<PskInput<'_>> = ids.iter().map(|(id, psk)| PskInput { id, psk }).collect();
        if let Some(secret) = check.ok("psk_secret", psk_secret(suite, &inputs)) {
            check.expect_eq(
                "psk_secret",
                &Hex(secret.as_bytes().to_vec()),
                &case.psk_secret,
            );
        }
    }
    Ok(outcome)
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = include_str!("../../../test-vectors/psk_secret.json");

    #[test]
    fn the_official_cases_pass_and_a_wrong_secret_is_reported() {
        let cases: Vec<Value> = serde_json::from_str(FILE).unwrap();
        let outcome = check(
            &crate::suites::default_provider(),
            "psk_secret.json",
            cases.clone(),
        )
        .unwrap();
        assert_eq!(outcome.failed, 0, "{outcome:?}");
        assert!(outcome.passed > 0 && outcome.skipped == 0, "{outcome:?}");

        // Swapping the order of two PSKs changes the secret.
        let mut case = cases
            .into_iter()
            .find(|c| c["cipher_suite"] == 1 && c["psks"].as_array().unwrap().len() > 1)
            .unwrap();
        case["psks"].as_array_mut().unwrap().swap(0, 1);
        let outcome = check(
            &crate::suites::default_provider(),
            "psk_secret.json",
            vec![case],
        )
        .unwrap();
        assert_eq!(outcome.failed, 1);
        assert_eq!(outcome.failures[0].field, "psk_secret");
    }
}
