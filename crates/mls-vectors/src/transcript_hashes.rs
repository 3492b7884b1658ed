//! transcript-hashes.json: the confirmation tag and the confirmed and interim transcript
//! hashes after a commit (RFC 9420 §8.1, §8.2).

use std::sync::Arc;

use mls_codec::{AuthenticatedContent, Decode};
use mls_crypto::{CryptoProvider, Secret};
use mls_key_schedule::{TranscriptHashes, verify_confirmation_tag};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::Outcome;
use crate::hex_field::Hex;
use crate::registry::{VectorError, parse_cases};
use crate::suites;

#[derive(Serialize, Deserialize)]
pub(crate) struct Case {
    pub(crate) cipher_suite: u16,
    pub(crate) confirmation_key: Hex,
    pub(crate) authenticated_content: Hex,
    pub(crate) interim_transcript_hash_before: Hex,
    pub(crate) confirmed_transcript_hash_after: Hex,
    pub(crate) interim_transcript_hash_after: Hex,
}

/// The commit's confirmation tag verifies over `confirmed_transcript_hash_after`, and
/// updating `interim_transcript_hash_before` with the commit gives both `*_after` hashes.
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
        let Some(content) = check.ok(
            "authenticated_content",
            AuthenticatedContent::from_bytes(&case.authenticated_content),
        ) else {
            continue;
        };
        let tag = content.auth.confirmation_tag.as_ref();
        let verified = tag
            .ok_or(mls_key_schedule::KeyScheduleError::MissingConfirmationTag)
            .and_then(|tag| {
                verify_confirmation_tag(
                    suite,
                    &Secret::from_slice(&case.confirmation_key),
                    &case.confirmed_transcript_hash_after,
                    tag.as_slice(),
                )
            });
        check.ok("confirmation_tag", verified);
        let before = TranscriptHashes {
            confirmed: Vec::new(),
            interim: case.interim_transcript_hash_before.0.clone(),
        };
        if let Some(after) = check.ok("transcript hashes", before.after_commit(suite, &content)) {
            check.expect_eq(
                "confirmed_transcript_hash_after",
                &Hex(after.confirmed),
                &case.confirmed_transcript_hash_after,
            );
            check.expect_eq(
                "interim_transcript_hash_after",
                &Hex(after.interim),
                &case.interim_transcript_hash_after,
            );
        }
    }
    Ok(outcome)
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = include_str!("../../../test-vectors/transcript-hashes.json");

    #[test]
    fn the_official_cases_pass_and_wrong_values_are_reported() {
        let cases: Vec<Value> = serde_json::from_str(FILE).unwrap();
        let outcome = check(
            &crate::suites::default_provider(),
            "transcript-hashes.json",
            cases.clone(),
        )
        .unwrap();
        assert_eq!(
            (outcome.passed, outcome.failed, outcome.skipped),
            (7, 0, 0),
            "{outcome:?}"
        );

        let mut case = cases[0].clone();
        case["confirmation_key"] = Value::String("00".repeat(32));
        case["interim_transcript_hash_before"] = Value::String("11".repeat(32));
        let outcome = check(
            &crate::suites::default_provider(),
            "transcript-hashes.json",
            vec![case],
        )
        .unwrap();
        assert_eq!(outcome.failed, 1);
        let fields: Vec<&str> = outcome.failures.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "confirmation_tag",
                "confirmed_transcript_hash_after",
                "interim_transcript_hash_after"
            ]
        );
    }
}
