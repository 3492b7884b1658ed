//! crypto-basics.json: the labeled operations of RFC 9420 §5 and §8 per cipher suite.

use std::sync::Arc;

use mls_crypto::{
    CipherSuiteProvider, CryptoProvider, HpkePrivateKey, SignaturePrivateKey, labeled,
};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::Outcome;
use crate::hex_field::Hex;
use crate::outcome::CaseCheck;
use crate::registry::{VectorError, parse_cases};
use crate::suites;

#[derive(Serialize, Deserialize)]
pub(crate) struct Case {
    pub(crate) cipher_suite: u16,
    pub(crate) ref_hash: RefHash,
    pub(crate) expand_with_label: ExpandWithLabel,
    pub(crate) derive_secret: DeriveSecret,
    pub(crate) derive_tree_secret: DeriveTreeSecret,
    pub(crate) sign_with_label: SignWithLabel,
    pub(crate) encrypt_with_label: EncryptWithLabel,
}

#[derive(Serialize, Deserialize)]
pub(crate) struct RefHash {
    pub(crate) label: String,
    pub(crate) value: Hex,
    pub(crate) out: Hex,
}

#[derive(Serialize, Deserialize)]
pub(crate) struct ExpandWithLabel {
    pub(crate) secret: Hex,
    pub(crate) label: String,
    pub(crate) context: Hex,
    pub(crate) length: u16,
    pub(crate) out: Hex,
}

#[derive(Serialize, Deserialize)]
pub(crate) struct DeriveSecret {
    pub(crate) label: String,
    pub(crate) secret: Hex,
    pub(crate) out: Hex,
}

#[derive(Serialize, Deserialize)]
pub(crate) struct DeriveTreeSecret {
    pub(crate) secret: Hex,
    pub(crate) label: String,
    pub(crate) generation: u32,
    pub(crate) length: u16,
    pub(crate) out: Hex,
}

#[derive(Serialize, Deserialize)]
pub(crate) struct SignWithLabel {
    #[serde(rename = "priv")]
    pub(crate) private_key: Hex,
    #[serde(rename = "pub")]
    pub(crate) public_key: Hex,
    pub(crate) content: Hex,
    pub(crate) label: String,
    pub(crate) signature: Hex,
}

#[derive(Serialize, Deserialize)]
pub(crate) struct EncryptWithLabel {
    #[serde(rename = "priv")]
    pub(crate) private_key: Hex,
    #[serde(rename = "pub")]
    pub(crate) public_key: Hex,
    pub(crate) label: String,
    pub(crate) context: Hex,
    pub(crate) plaintext: Hex,
    pub(crate) kem_output: Hex,
    pub(crate) ciphertext: Hex,
}

/// Every derivation equals `out`; the given signature verifies and so does one we make; the
/// given ciphertext decrypts to the plaintext and so does one we make. Cases in a suite the
/// provider does not implement are skipped.
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
        check_derivations(&mut check, suite, &case);
        check_signature(&mut check, suite, &case.sign_with_label);
        check_encryption(&mut check, suite, &case.encrypt_with_label);
    }
    Ok(outcome)
}

fn check_derivations(check: &mut CaseCheck<'_>, suite: &dyn CipherSuiteProvider, case: &Case) {
    let v = &case.ref_hash;
    let out = labeled::ref_hash(suite, &v.label, &v.value).map(Hex);
    check.expect_ok_eq("ref_hash", &out, &v.out);

    let v = &case.expand_with_label;
    let out = labeled::expand_with_label(
        suite,
        &v.secret,
        &v.label,
        &v.context,
        usize::from(v.length),
    )
    .map(|s| Hex(s.as_bytes().to_vec()));
    check.expect_ok_eq("expand_with_label", &out, &v.out);

    let v = &case.derive_secret;
    let out =
        labeled::derive_secret(suite, &v.secret, &v.label).map(|s| Hex(s.as_bytes().to_vec()));
    check.expect_ok_eq("derive_secret", &out, &v.out);

    let v = &case.derive_tree_secret;
    let out = labeled::derive_tree_secret(
        suite,
        &v.secret,
        &v.label,
        v.generation,
        usize::from(v.length),
    )
    .map(|s| Hex(s.as_bytes().to_vec()));
    check.expect_ok_eq("derive_tree_secret", &out, &v.out);
}

fn check_signature(check: &mut CaseCheck<'_>, suite: &dyn CipherSuiteProvider, v: &SignWithLabel) {
    let given =
        labeled::verify_with_label(suite, &v.public_key, &v.label, &v.content, &v.signature);
    check.ok("sign_with_label (given signature verifies)", given);

    let signer = suite.signer(&SignaturePrivateKey::from_slice(&v.private_key));
    let Some(signer) = check.ok("sign_with_label (priv parses)", signer) else {
        return;
    };
    check.expect_eq(
        "sign_with_label (priv matches pub)",
        &Hex(signer.public_key().to_vec()),
        &v.public_key,
    );
    let ours = labeled::sign_with_label(&*signer, &v.label, &v.content);
    if let Some(signature) = check.ok("sign_with_label (our signature)", ours) {
        let verified =
            labeled::verify_with_label(suite, &v.public_key, &v.label, &v.content, &signature);
        check.ok("sign_with_label (our signature verifies)", verified);
    }
}

fn check_encryption(
    check: &mut CaseCheck<'_>,
    suite: &dyn CipherSuiteProvider,
    v: &EncryptWithLabel,
) {
    let private_key = HpkePrivateKey::from_slice(&v.private_key);
    let expected = Ok(v.plaintext.clone());
    let decrypt = |kem_output: &[u8], ciphertext: &[u8]| {
        labeled::decrypt_with_label(
            suite,
            &private_key,
            &v.label,
            &v.context,
            kem_output,
            ciphertext,
        )
        .map(|plaintext| Hex(plaintext.to_vec()))
    };
    check.expect_eq(
        "encrypt_with_label (given ciphertext decrypts)",
        &decrypt(&v.kem_output, &v.ciphertext),
        &expected,
    );
    let ours =
        labeled::encrypt_with_label(suite, &v.public_key, &v.label, &v.context, &v.plaintext);
    if let Some(sealed) = check.ok("encrypt_with_label (our encryption)", ours) {
        check.expect_eq(
            "encrypt_with_label (our ciphertext decrypts)",
            &decrypt(&sealed.kem_output, &sealed.ciphertext),
            &expected,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = include_str!("../../../test-vectors/crypto-basics.json");

    fn cases() -> Vec<Value> {
        serde_json::from_str(FILE).unwrap()
    }

    #[test]
    fn official_file_passes_in_every_suite() {
        let outcome = check(
            &crate::suites::default_provider(),
            "crypto-basics.json",
            cases(),
        )
        .unwrap();
        assert_eq!(outcome.failures, vec![]);
        assert_eq!((outcome.passed, outcome.failed, outcome.skipped), (7, 0, 0));
    }

    #[test]
    fn tampered_values_are_reported_by_field() {
        let mut cases = cases();
        let flip = |value: &mut Value| {
            let text = value.as_str().unwrap();
            let last = if text.ends_with('0') { '1' } else { '0' };
            *value = Value::from(format!("{}{last}", &text[..text.len() - 1]));
        };
        let case = &mut cases[0];
        flip(&mut case["ref_hash"]["out"]);
        flip(&mut case["derive_tree_secret"]["out"]);
        flip(&mut case["sign_with_label"]["signature"]);
        flip(&mut case["encrypt_with_label"]["ciphertext"]);
        let outcome = check(
            &crate::suites::default_provider(),
            "crypto-basics.json",
            cases,
        )
        .unwrap();
        assert_eq!((outcome.passed, outcome.failed, outcome.skipped), (6, 1, 0));
        let fields: Vec<&str> = outcome.failures.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(
            fields,
            vec![
                "ref_hash",
                "derive_tree_secret",
                "sign_with_label (given signature verifies)",
                "encrypt_with_label (given ciphertext decrypts)",
            ]
        );
    }
}
