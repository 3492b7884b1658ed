//! messages.json: every message and struct of RFC 9420 decodes and re-encodes to the same
//! bytes (MACs and signatures inside are not meant to verify).

use std::sync::Arc;

use mls_codec::{
    Add, Commit, ContentType, Decode, Encode, ExternalInit, GroupContextExtensions, GroupSecrets,
    MlsMessage, MlsMessageBody, PreSharedKey, RatchetTree, ReInit, Remove, Update, WireFormat,
};
use mls_crypto::CryptoProvider;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::Outcome;
use crate::hex_field::Hex;
use crate::outcome::CaseCheck;
use crate::registry::{VectorError, parse_cases};

#[derive(Serialize, Deserialize)]
pub(crate) struct Case {
    pub(crate) mls_welcome: Hex,
    pub(crate) mls_group_info: Hex,
    pub(crate) mls_key_package: Hex,
    pub(crate) ratchet_tree: Hex,
    pub(crate) group_secrets: Hex,
    pub(crate) add_proposal: Hex,
    pub(crate) update_proposal: Hex,
    pub(crate) remove_proposal: Hex,
    pub(crate) pre_shared_key_proposal: Hex,
    pub(crate) re_init_proposal: Hex,
    pub(crate) external_init_proposal: Hex,
    pub(crate) group_context_extensions_proposal: Hex,
    pub(crate) commit: Hex,
    pub(crate) public_message_application: Hex,
    pub(crate) public_message_proposal: Hex,
    pub(crate) public_message_commit: Hex,
    pub(crate) private_message: Hex,
}

/// Decodes `bytes` as a `T` that fills them exactly, and checks that it re-encodes to them.
fn round_trip<T: Decode + Encode>(
    check: &mut CaseCheck<'_>,
    field: &str,
    bytes: &[u8],
) -> Option<T> {
    let value = check.ok(field, T::from_bytes(bytes))?;
    let encoded = check.ok(field, value.to_bytes())?;
    check.expect(encoded == bytes, field, || {
        format!(
            "re-encodes to {}, expected {}",
            hex::encode(&encoded),
            hex::encode(bytes)
        )
    });
    Some(value)
}

/// Round-trips an MLSMessage and checks its wire format (and, for public messages, the content
/// type its content has).
fn message(
    check: &mut CaseCheck<'_>,
    field: &str,
    bytes: &[u8],
    wire_format: WireFormat,
    content_type: Option<ContentType>,
) {
    let Some(message) = round_trip::<MlsMessage>(check, field, bytes) else {
        return;
    };
    check.expect_eq(field, &message.body.wire_format(), &wire_format);
    if let (MlsMessageBody::PublicMessage(public), Some(expected)) = (&message.body, content_type) {
        check.expect_eq(field, &public.content.content_type(), &expected);
    }
}

/// Each field decodes as its type and re-encodes to the same bytes.
pub(crate) fn check(
    _provider: &Arc<dyn CryptoProvider>,
    name: &str,
    cases: Vec<Value>,
) -> Result<Outcome, VectorError> {
    let mut outcome = Outcome::default();
    for (index, case) in parse_cases::<Case>(name, cases)?.into_iter().enumerate() {
        let mut check = outcome.case(index);
        let check = &mut check;
        message(
            check,
            "mls_welcome",
            &case.mls_welcome,
            WireFormat::MLS_WELCOME,
            None,
        );
        message(
            check,
            "mls_group_info",
            &case.mls_group_info,
            WireFormat::MLS_GROUP_INFO,
            None,
        );
        message(
            check,
            "mls_key_package",
            &case.mls_key_package,
            WireFormat::MLS_KEY_PACKAGE,
            None,
        );
        round_trip::<RatchetTree>(check, "ratchet_tree", &case.ratchet_tree);
        round_trip::<GroupSecrets>(check, "group_secrets", &case.group_secrets);
        round_trip::<Add>(check, "add_proposal", &case.add_proposal);
        round_trip::<Update>(check, "update_proposal", &case.update_proposal);
        round_trip::<Remove>(check, "remove_proposal", &case.remove_proposal);
        round_trip::<PreSharedKey>(
            check,
            "pre_shared_key_proposal",
            &case.pre_shared_key_proposal,
        );
        round_trip::<ReInit>(check, "re_init_proposal", &case.re_init_proposal);
        round_trip::<ExternalInit>(
            check,
            "external_init_proposal",
            &case.external_init_proposal,
        );
        round_trip::<GroupContextExtensions>(
            check,
            "group_context_extensions_proposal",
            &case.group_context_extensions_proposal,
        );
        round_trip::<Commit>(check, "commit", &case.commit);
        for (field, bytes, content_type) in [
            (
                "public_message_application",
                &case.public_message_application,
                ContentType::Application,
            ),
            (
                "public_message_proposal",
                &case.public_message_proposal,
                ContentType::Proposal,
            ),
            (
                "public_message_commit",
                &case.public_message_commit,
                ContentType::Commit,
            ),
        ] {
            message(
                check,
                field,
                bytes,
                WireFormat::MLS_PUBLIC_MESSAGE,
                Some(content_type),
            );
        }
        message(
            check,
            "private_message",
            &case.private_message,
            WireFormat::MLS_PRIVATE_MESSAGE,
            None,
        );
    }
    Ok(outcome)
}

#[cfg(test)]
mod tests {
    use super::*;

    const FIELDS: [&str; 17] = [
        "mls_welcome",
        "mls_group_info",
        "mls_key_package",
        "ratchet_tree",
        "group_secrets",
        "add_proposal",
        "update_proposal",
        "remove_proposal",
        "pre_shared_key_proposal",
        "re_init_proposal",
        "external_init_proposal",
        "group_context_extensions_proposal",
        "commit",
        "public_message_application",
        "public_message_proposal",
        "public_message_commit",
        "private_message",
    ];

    fn vector_case() -> Value {
        let json = include_str!("../../../test-vectors/messages.json");
        let cases: Vec<Value> = serde_json::from_str(json).unwrap();
        cases[0].clone()
    }

    #[test]
    fn first_official_case_passes() {
        let outcome = check(
            &crate::suites::default_provider(),
            "messages.json",
            vec![vector_case()],
        )
        .unwrap();
        assert_eq!(outcome.failures, vec![]);
        assert_eq!(outcome.passed, 1);
    }

    #[test]
    fn a_failure_names_the_field() {
        for field in FIELDS {
            let mut case = vector_case();
            let hex = case[field].as_str().unwrap().to_owned();
            // A trailing byte makes every field fail to decode.
            case[field] = Value::String(format!("{hex}00"));
            let outcome = check(
                &crate::suites::default_provider(),
                "messages.json",
                vec![case],
            )
            .unwrap();
            assert_eq!(outcome.failed, 1, "{field}");
            assert_eq!(outcome.failures.len(), 1, "{field}");
            assert_eq!(outcome.failures[0].field, field);
        }
    }

    #[test]
    fn a_message_of_the_wrong_wire_format_fails() {
        let mut case = vector_case();
        case["mls_welcome"] = case["mls_group_info"].clone();
        let outcome = check(
            &crate::suites::default_provider(),
            "messages.json",
            vec![case],
        )
        .unwrap();
        assert_eq!(outcome.failures.len(), 1);
        assert_eq!(outcome.failures[0].field, "mls_welcome");
    }
}
