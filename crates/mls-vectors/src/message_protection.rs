//! message-protection.json: PublicMessage and PrivateMessage protection and unprotection
//! (RFC 9420 §6.2, §6.3) with the sender-data key (§6.3.2) and the secret tree (§9).

use std::sync::Arc;

use mls_codec::{
    CodecError, Commit, Decode, Encode, FramedContent, FramedContentBody, LeafIndex, MlsMessage,
    MlsMessageBody, PrivateMessage, Proposal, ProtocolVersion, PublicMessage, Sender, VarBytes,
};
use mls_crypto::{CipherSuiteProvider, CryptoProvider, Secret, SignaturePrivateKey, Signer};
use mls_framing::FramingError;
use mls_framing::private::{self, PrivateEpoch};
use mls_framing::public::{self, PublicEpoch};
use mls_key_schedule::{RatchetKind, SecretTree};
use mls_tree::TreeSize;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::Outcome;
use crate::hex_field::Hex;
use crate::outcome::CaseCheck;
use crate::registry::{VectorError, parse_cases};
use crate::suites;
use crate::wire::group_context;

/// The sender of every message of the file: leaf 1 of a group of two.
pub(crate) const SENDER: u32 = 1;

#[derive(Serialize, Deserialize)]
pub(crate) struct Case {
    pub(crate) cipher_suite: u16,
    pub(crate) group_id: Hex,
    pub(crate) epoch: u64,
    pub(crate) tree_hash: Hex,
    pub(crate) confirmed_transcript_hash: Hex,
    pub(crate) signature_priv: Hex,
    pub(crate) signature_pub: Hex,
    pub(crate) encryption_secret: Hex,
    pub(crate) sender_data_secret: Hex,
    pub(crate) membership_key: Hex,
    pub(crate) proposal: Hex,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) proposal_pub: Option<Hex>,
    pub(crate) proposal_priv: Hex,
    pub(crate) commit: Hex,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) commit_pub: Option<Hex>,
    pub(crate) commit_priv: Hex,
    pub(crate) application: Hex,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) application_pub: Option<Hex>,
    pub(crate) application_priv: Hex,
}

/// The epoch of a case: everything needed to protect and unprotect its messages.
pub(crate) struct Epoch<'p> {
    pub(crate) suite: &'p dyn CipherSuiteProvider,
    pub(crate) group_id: VarBytes,
    pub(crate) epoch: u64,
    pub(crate) group_context: Vec<u8>,
    pub(crate) membership_key: Secret,
    pub(crate) sender_data_secret: Secret,
    pub(crate) encryption_secret: Secret,
    pub(crate) size: TreeSize,
    pub(crate) signer: Box<dyn Signer>,
    pub(crate) signature_pub: Vec<u8>,
}

/// One content type of a case: its name, the raw value decoded, and the messages that carry
/// it.
struct Message<'a> {
    name: &'static str,
    body: Result<FramedContentBody, CodecError>,
    public: Option<&'a [u8]>,
    private: &'a [u8],
}

/// For each of proposal, commit and application: the `*_pub` message (where present)
/// unprotects with membership_key and signature_pub to the raw value, and so does a
/// PublicMessage we protect ourselves (application data must be refused as one); the `*_priv`
/// message unprotects with sender_data_secret, the secret tree of two leaves and
/// signature_pub to the raw value, and so does a PrivateMessage we protect ourselves. The
/// sender is leaf 1; every PrivateMessage is received with a fresh secret tree.
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
        let Some(epoch) = epoch(&mut check, suite, &case) else {
            continue;
        };
        let messages = [
            Message {
                name: "proposal",
                body: Proposal::from_bytes(&case.proposal).map(FramedContentBody::Proposal),
                public: case.proposal_pub.as_deref(),
                private: &case.proposal_priv,
            },
            Message {
                name: "commit",
                body: Commit::from_bytes(&case.commit).map(FramedContentBody::Commit),
                public: case.commit_pub.as_deref(),
                private: &case.commit_priv,
            },
            Message {
                name: "application",
                body: Ok(FramedContentBody::Application(VarBytes(
                    case.application.0.clone(),
                ))),
                public: case.application_pub.as_deref(),
                private: &case.application_priv,
            },
        ];
        for message in &messages {
            check_message(&mut check, &epoch, message);
        }
    }
    Ok(outcome)
}

/// The GroupContext, secrets and signer of a case; `None` (with the failure recorded) if the
/// signature key is unusable.
fn epoch<'p>(
    check: &mut CaseCheck<'_>,
    suite: &'p dyn CipherSuiteProvider,
    case: &Case,
) -> Option<Epoch<'p>> {
    let group_context = group_context(
        case.cipher_suite,
        &case.group_id,
        case.epoch,
        &case.tree_hash,
        &case.confirmed_transcript_hash,
    );
    let group_context = check.ok("group_context", group_context.to_bytes())?;
    let signer = check.ok(
        "signature_priv",
        suite.signer(&SignaturePrivateKey::from_slice(&case.signature_priv)),
    )?;
    check.expect_eq(
        "signature_pub (of signature_priv)",
        &Hex(signer.public_key().to_vec()),
        &case.signature_pub,
    );
    let size = check.ok(
        "secret tree",
        TreeSize::for_leaves(2).ok_or("no tree of 2 leaves"),
    )?;
    Some(Epoch {
        suite,
        group_id: VarBytes(case.group_id.0.clone()),
        epoch: case.epoch,
        group_context,
        membership_key: Secret::from_slice(&case.membership_key),
        sender_data_secret: Secret::from_slice(&case.sender_data_secret),
        encryption_secret: Secret::from_slice(&case.encryption_secret),
        size,
        signer,
        signature_pub: case.signature_pub.0.clone(),
    })
}

/// All the checks of one content type.
fn check_message(check: &mut CaseCheck<'_>, epoch: &Epoch<'_>, message: &Message<'_>) {
    let name = message.name;
    let Some(body) = check.ok(name, message.body.clone()) else {
        return;
    };
    let (content, confirmation_tag) = framed_content(epoch, body);

    if let Some(bytes) = message.public {
        let field = format!("{name}_pub");
        let received = decode_public(bytes)
            .and_then(|m| public::unprotect(public_epoch(epoch), &m, &epoch.signature_pub));
        if let Some(received) = check.ok(&field, received) {
            expect_content(check, &field, &received.content, &content);
        }
    }
    let field = format!("{name} (our PublicMessage)");
    let sent = public::protect(
        public_epoch(epoch),
        &*epoch.signer,
        content.clone(),
        confirmation_tag.clone(),
    );
    match (&content.content, sent) {
        (FramedContentBody::Application(_), Err(FramingError::ContentTypeNotAllowed { .. })) => {}
        (FramedContentBody::Application(_), other) => check.fail(
            &field,
            format!("application data must be refused as a PublicMessage, got {other:?}"),
        ),
        (_, sent) => {
            let received = sent.and_then(|m| {
                public::unprotect(public_epoch(epoch), &m, epoch.signer.public_key())
            });
            if let Some(received) = check.ok(&field, received) {
                expect_content(check, &field, &received.content, &content);
            }
        }
    }

    let field = format!("{name}_priv");
    let received = decode_private(message.private)
        .and_then(|m| receive(epoch, &mut new_tree(epoch), &m, &epoch.signature_pub));
    if let Some(received) = check.ok(&field, received) {
        expect_content(check, &field, &received, &content);
    }
    let field = format!("{name} (our PrivateMessage)");
    let kind = RatchetKind::for_content_type(content.content_type());
    let received = new_tree(epoch)
        .encryption_key(epoch.suite, SENDER, kind)
        .map_err(FramingError::from)
        .and_then(|key| {
            private::protect(
                private_epoch(epoch),
                &*epoch.signer,
                content.clone(),
                confirmation_tag,
                &key,
                0,
            )
        })
        .and_then(|m| receive(epoch, &mut new_tree(epoch), &m, epoch.signer.public_key()));
    if let Some(received) = check.ok(&field, received) {
        expect_content(check, &field, &received, &content);
    }
}

/// A raw value framed as the file's messages are: for this group and epoch, from leaf
/// [`SENDER`], with no authenticated data; and for a commit, a confirmation tag (any tag of
/// the right length: nothing here verifies confirmation tags, §8.1).
pub(crate) fn framed_content(
    epoch: &Epoch<'_>,
    body: FramedContentBody,
) -> (FramedContent, Option<VarBytes>) {
    let confirmation_tag = matches!(body, FramedContentBody::Commit(_))
        .then(|| VarBytes(vec![0xc7; epoch.suite.hash_len()]));
    let content = FramedContent {
        group_id: epoch.group_id.clone(),
        epoch: epoch.epoch,
        sender: Sender::Member(LeafIndex(SENDER)),
        authenticated_data: VarBytes::default(),
        content: body,
    };
    (content, confirmation_tag)
}

/// The received content must be the raw value, framed for this group, epoch and sender.
/// The vector's own messages may carry authenticated data, so that is not compared.
fn expect_content(
    check: &mut CaseCheck<'_>,
    field: &str,
    received: &FramedContent,
    expected: &FramedContent,
) {
    check.expect_eq(field, &received.content, &expected.content);
    check.expect_eq(
        &format!("{field} group_id, epoch, sender"),
        &(&received.group_id, received.epoch, received.sender),
        &(&expected.group_id, expected.epoch, expected.sender),
    );
}

pub(crate) fn public_epoch<'e>(epoch: &'e Epoch<'_>) -> PublicEpoch<'e> {
    PublicEpoch {
        suite: epoch.suite,
        group_context: &epoch.group_context,
        membership_key: Some(&epoch.membership_key),
    }
}

pub(crate) fn private_epoch<'e>(epoch: &'e Epoch<'_>) -> PrivateEpoch<'e> {
    PrivateEpoch {
        suite: epoch.suite,
        group_context: &epoch.group_context,
        sender_data_secret: &epoch.sender_data_secret,
    }
}

/// A fresh secret tree of the epoch, as every member derives it (§9).
pub(crate) fn new_tree(epoch: &Epoch) -> SecretTree {
    SecretTree::new(epoch.suite, epoch.encryption_secret.clone(), epoch.size)
}

/// Receives a PrivateMessage as a member does: decrypt the sender data, stage the sender's
/// key, open the message, and only then delete the key.
fn receive(
    epoch: &Epoch,
    tree: &mut SecretTree,
    message: &PrivateMessage,
    signature_key: &[u8],
) -> Result<FramedContent, FramingError> {
    let sender_data = private::decrypt_sender_data(private_epoch(epoch), message)?;
    let staged = tree.stage_decryption_key(
        epoch.suite,
        sender_data.leaf_index,
        RatchetKind::for_content_type(message.content_type),
        sender_data.generation,
    )?;
    let received = private::open(
        private_epoch(epoch),
        message,
        &sender_data,
        staged.key(),
        signature_key,
    )?;
    staged.commit();
    Ok(received.content)
}

/// Decodes an MLSMessage (mls10) that must hold a PublicMessage.
fn decode_public(bytes: &[u8]) -> Result<PublicMessage, FramingError> {
    match decode_mls_message(bytes)? {
        MlsMessageBody::PublicMessage(message) => Ok(message),
        other => Err(wrong_wire_format(&other)),
    }
}

/// Decodes an MLSMessage (mls10) that must hold a PrivateMessage.
fn decode_private(bytes: &[u8]) -> Result<PrivateMessage, FramingError> {
    match decode_mls_message(bytes)? {
        MlsMessageBody::PrivateMessage(message) => Ok(message),
        other => Err(wrong_wire_format(&other)),
    }
}

fn decode_mls_message(bytes: &[u8]) -> Result<MlsMessageBody, FramingError> {
    let message = MlsMessage::from_bytes(bytes)?;
    if message.version != ProtocolVersion::MLS10 {
        return Err(CodecError::UnsupportedValue {
            type_name: "ProtocolVersion",
            value: u64::from(message.version.0),
        }
        .into());
    }
    Ok(message.body)
}

fn wrong_wire_format(body: &MlsMessageBody) -> FramingError {
    CodecError::UnsupportedValue {
        type_name: "WireFormat (of this field)",
        value: u64::from(body.wire_format().0),
    }
    .into()
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = include_str!("../../../test-vectors/message-protection.json");

    #[test]
    fn the_official_cases_pass() {
        let cases: Vec<Value> = serde_json::from_str(FILE).unwrap();
        let outcome = check(
            &crate::suites::default_provider(),
            "message-protection.json",
            cases,
        )
        .unwrap();
        assert_eq!(
            (outcome.passed, outcome.failed, outcome.skipped),
            (7, 0, 0),
            "{outcome:?}"
        );
    }

    #[test]
    fn wrong_values_are_reported_as_failed() {
        let cases: Vec<Value> = serde_json::from_str(FILE).unwrap();
        let mut case = cases[0].clone();
        // Another membership key: the vector's PublicMessages no longer verify, ours still do.
        case["membership_key"] = Value::String("00".repeat(32));
        // Another application value than the one the PrivateMessage carries.
        case["application"] = Value::String("00".repeat(8));
        // A PrivateMessage that is no MLSMessage at all must fail, not panic.
        case["commit_priv"] = Value::String("0001".to_owned());
        let outcome = check(
            &crate::suites::default_provider(),
            "message-protection.json",
            vec![case],
        )
        .unwrap();
        assert_eq!((outcome.passed, outcome.failed), (0, 1), "{outcome:?}");
        let fields: Vec<&str> = outcome.failures.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "proposal_pub",
                "commit_pub",
                "commit_priv",
                "application_priv"
            ]
        );
    }
}
