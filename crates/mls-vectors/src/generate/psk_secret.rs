//! psk_secret.json: the psk_secret of lists of 0 to 3 fresh external PSKs (RFC 9420 §8.4).

use mls_key_schedule::{PskInput, psk_secret};
use serde_json::Value;

use super::{LayerError, SuiteContext, pick, to_values};
use crate::hex_field::Hex;
use crate::psk_secret::{Case, ExternalPsk, external_psk_ids};

/// One case for each number of PSKs from 0 to 3, with random ids, values and nonces.
pub(crate) fn generate(context: &SuiteContext<'_>) -> Result<Vec<Value>, LayerError> {
    let suite = context.suite;
    let mut cases = Vec::new();
    for count in 0..4 {
        let psks = (0..count)
            .map(|_| {
                Ok(ExternalPsk {
                    psk_id: context.random(pick(1..33))?,
                    psk: context.random(pick(1..65))?,
                    psk_nonce: context.secret()?,
                })
            })
            .collect::<Result<Vec<_>, LayerError>>()?;
        let ids = external_psk_ids(&psks);
        let inputs: Vec<PskInput<'_>> = ids.iter().map(|(id, psk)| PskInput { id, psk }).collect();
        let secret = psk_secret(suite, &inputs)?;
        cases.push(Case {
            cipher_suite: context.number(),
            psk_secret: Hex::from(secret.as_bytes()),
            psks,
        });
    }
    to_values(cases)
}
