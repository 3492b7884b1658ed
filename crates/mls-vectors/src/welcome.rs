//! welcome.json: opening a Welcome (RFC 9420 §12.4.3.1) with a key package's init key, and
//! checking its GroupInfo's signature (§12.4.3) and confirmation tag (§8.1).

use std::sync::Arc;

use mls_codec::Encode;
use mls_crypto::{CipherSuiteProvider, CryptoProvider, HpkePrivateKey};
use mls_group::low_level::{decrypt_group_info, decrypt_group_secrets, verify_group_info};
use mls_key_schedule::{EpochSecrets, verify_confirmation_tag, zero_secret};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::Outcome;
use crate::hex_field::Hex;
use crate::outcome::CaseCheck;
use crate::registry::{VectorError, parse_cases};
use crate::suites;
use crate::wire::{key_package, welcome};

#[derive(Serialize, Deserialize)]
pub(crate) struct Case {
    pub(crate) cipher_suite: u16,
    pub(crate) init_priv: Hex,
    pub(crate) signer_pub: Hex,
    pub(crate) key_package: Hex,
    pub(crate) welcome: Hex,
}

/// For each case: the Welcome's group secrets for the key package decrypt with `init_priv`,
/// its GroupInfo decrypts (no PSKs) and its signature verifies with `signer_pub`, and the
/// epoch built from the joiner_secret confirms the GroupInfo's confirmed transcript hash.
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
        check_case(&mut check, suite, &case);
    }
    Ok(outcome)
}

/// Checks one case; stops at the first step that fails, since the later ones depend on it.
fn check_case(check: &mut CaseCheck<'_>, suite: &dyn CipherSuiteProvider, case: &Case) {
    let Some(key_package) = check.ok("key_package", key_package(&case.key_package)) else {
        return;
    };
    let Some(welcome) = check.ok("welcome", welcome(&case.welcome)) else {
        return;
    };
    let init_private_key = HpkePrivateKey::from_slice(&case.init_priv);
    let Some(secrets) = check.ok(
        "group secrets",
        decrypt_group_secrets(suite, &welcome, &key_package, &init_private_key),
    ) else {
        return;
    };
    let psk_secret = zero_secret(suite);
    let Some(group_info) = check.ok(
        "group info",
        decrypt_group_info(suite, &welcome, &secrets.joiner_secret, &psk_secret),
    ) else {
        return;
    };
    check.ok(
        "signer_pub",
        verify_group_info(suite, &group_info, &case.signer_pub),
    );
    let Some(group_context) = check.ok("group context", group_info.group_context.to_bytes()) else {
        return;
    };
    let Some(epoch) = check.ok(
        "epoch",
        EpochSecrets::from_joiner_secret(
            suite,
            &secrets.joiner_secret,
            &psk_secret,
            &group_context,
        ),
    ) else {
        return;
    };
    check.ok(
        "confirmation_tag",
        verify_confirmation_tag(
            suite,
            epoch.confirmation_key(),
            &group_info.group_context.confirmed_transcript_hash,
            &group_info.confirmation_tag,
        ),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = include_str!("../../../test-vectors/welcome.json");

    fn run(cases: Vec<Value>) -> Outcome {
        check(&crate::suites::default_provider(), "welcome.json", cases).unwrap()
    }

    #[test]
    fn the_official_cases_pass() {
        let outcome = run(serde_json::from_str(FILE).unwrap());
        assert_eq!(
            (outcome.passed, outcome.failed, outcome.skipped),
            (7, 0, 0),
            "{outcome:?}"
        );
    }

    /// Case 0 with `field` replaced by `value`.
    fn first_case_with(field: &str, value: Value) -> Vec<Value> {
        let mut cases: Vec<Value> = serde_json::from_str(FILE).unwrap();
        cases.truncate(1);
        cases[0][field] = value;
        cases
    }

    #[test]
    fn a_wrong_signer_key_is_reported() {
        let mut cases: Vec<Value> = serde_json::from_str(FILE).unwrap();
        cases.truncate(2);
        let other_signer = cases[1]["signer_pub"].clone();
        cases[0]["signer_pub"] = other_signer;
        cases.truncate(1);
        let outcome = run(cases);
        assert_eq!(outcome.failed, 1, "{outcome:?}");
        assert_eq!(outcome.failures[0].field, "signer_pub");
    }

    #[test]
    fn a_wrong_init_key_is_reported() {
        let outcome = run(first_case_with("init_priv", Value::String("11".repeat(32))));
        assert_eq!(outcome.failed, 1, "{outcome:?}");
        assert_eq!(outcome.failures[0].field, "group secrets");
    }

    #[test]
    fn a_tampered_welcome_is_reported() {
        let cases: Vec<Value> = serde_json::from_str(FILE).unwrap();
        let mut bytes = hex::decode(cases[0]["welcome"].as_str().unwrap()).unwrap();
        // The last byte is in the encrypted GroupInfo.
        *bytes.last_mut().unwrap() ^= 1;
        let outcome = run(first_case_with(
            "welcome",
            Value::String(hex::encode(bytes)),
        ));
        assert_eq!(outcome.failed, 1, "{outcome:?}");
        // The group secrets' HPKE context is the encrypted GroupInfo, so they fail first.
        assert_eq!(outcome.failures[0].field, "group secrets");
    }

    #[test]
    fn a_key_package_message_of_another_type_is_reported() {
        let cases: Vec<Value> = serde_json::from_str(FILE).unwrap();
        let welcome = cases[0]["welcome"].clone();
        let outcome = run(first_case_with("key_package", welcome));
        assert_eq!(outcome.failed, 1, "{outcome:?}");
        assert_eq!(outcome.failures[0].field, "key_package");
    }
}
