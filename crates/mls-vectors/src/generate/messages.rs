//! messages.json: one of each message and struct of RFC 9420 in its wire encoding, made by
//! the group engine and the lower layers in a fresh group of the suite.

use mls_codec::{
    Add, Decode, Encode, ExternalInit, FramedContent, FramedContentAuthData, FramedContentBody,
    GroupContext, GroupContextExtensions, GroupSecrets, LeafIndex, MlsMessage, MlsMessageBody,
    PathSecret, PreSharedKey, PreSharedKeyId, ProtocolVersion, Psk, PublicMessage, ReInit, Remove,
    Sender, Update, VarBytes, WireFormat,
};
use mls_crypto::labeled;
use mls_framing::sign_content;
use mls_group::low_level::decrypt_group_secrets;
use mls_group::{Client, GroupConfig};
use serde_json::Value;

use super::group::welcome_of;
use super::member::{Member, update_leaf_node};
use super::{LayerError, SuiteContext, pick, to_values};
use crate::hex_field::Hex;
use crate::messages::Case;
use crate::wire::{encode_message, welcome};

/// One case: a group whose handshake messages are PublicMessages adds a member (the
/// Welcome, its GroupSecrets, the commit), then proposes an update and sends application
/// data; the proposal bodies are made on their own with fresh values.
pub(crate) fn generate(context: &SuiteContext<'_>) -> Result<Vec<Value>, LayerError> {
    let suite = context.suite;
    let mut creator = Client::new(context.provider.clone(), suite.cipher_suite(), b"creator")?;
    creator.set_config(
        GroupConfig::default().with_handshake_wire_format(WireFormat::MLS_PUBLIC_MESSAGE),
    );
    let group_id = context.random(16)?;
    let mut group = creator.create_group(&group_id)?;
    let joiner = Member::new(suite, b"joiner")?;
    let added = group.add_members(&[joiner.key_package_message()?])?;
    group.merge_pending_commit()?;
    let mls_welcome = welcome_of(&added)?;
    let secrets = decrypt_group_secrets(
        suite,
        &welcome(&mls_welcome).map_err(LayerError::Scenario)?,
        &joiner.key_package,
        &joiner.init_key,
    )?;
    let group_secrets = GroupSecrets {
        joiner_secret: VarBytes::from(secrets.joiner_secret.as_secret().as_bytes()),
        path_secret: secrets.path_secret.map(|secret| PathSecret {
            path_secret: VarBytes::from(secret.as_bytes()),
        }),
        psks: secrets.psks,
    };
    let MlsMessageBody::PublicMessage(commit) = MlsMessage::from_bytes(&added.commit)?.body else {
        return Err(LayerError::Scenario(
            "the commit is not a PublicMessage".to_owned(),
        ));
    };
    let FramedContentBody::Commit(commit) = commit.content.content else {
        return Err(LayerError::Scenario(
            "the commit holds no Commit".to_owned(),
        ));
    };

    let leaf = LeafIndex(1);
    let update = update_leaf_node(
        suite,
        joiner.key_package.leaf_node.clone(),
        &*joiner.signer,
        &group_id,
        leaf,
    )?;
    let psk = PreSharedKeyId {
        psk: Psk::External {
            psk_id: VarBytes(context.random(pick(4..17))?.0),
        },
        psk_nonce: VarBytes(context.secret()?.0),
    };
    let re_init = ReInit {
        group_id: VarBytes(context.random(16)?.0),
        version: ProtocolVersion::MLS10,
        cipher_suite: suite.cipher_suite(),
        extensions: Vec::new(),
    };
    let keys = suite.generate_hpke_key_pair()?;
    let kem_output =
        labeled::encrypt_with_label(suite, &keys.public_key, "external init", &[], &[])?.kem_output;

    let case = Case {
        mls_group_info: Hex(group.group_info()?),
        mls_key_package: Hex(joiner.key_package_message()?),
        ratchet_tree: Hex(group.ratchet_tree()?),
        group_secrets: Hex(group_secrets.to_bytes()?),
        add_proposal: Hex(Add {
            key_package: joiner.key_package.clone(),
        }
        .to_bytes()?),
        update_proposal: Hex(Update { leaf_node: update }.to_bytes()?),
        remove_proposal: Hex(Remove { removed: leaf.0 }.to_bytes()?),
        pre_shared_key_proposal: Hex(PreSharedKey { psk }.to_bytes()?),
        re_init_proposal: Hex(re_init.to_bytes()?),
        external_init_proposal: Hex(ExternalInit {
            kem_output: VarBytes(kem_output),
        }
        .to_bytes()?),
        group_context_extensions_proposal: Hex(GroupContextExtensions {
            extensions: group.group_context().extensions.clone(),
        }
        .to_bytes()?),
        commit: Hex(commit.to_bytes()?),
        public_message_application: public_application(context, group.group_context())?,
        public_message_proposal: Hex(group.propose_update()?),
        public_message_commit: Hex(added.commit),
        private_message: Hex(group.encrypt_application_message(&context.random(pick(1..64))?)?),
        mls_welcome: Hex(mls_welcome),
    };
    to_values(vec![case])
}

/// Application data as a PublicMessage, which RFC 9420 §6 forbids and the framing layer
/// refuses to make: built field by field for the group's epoch, signed with a fresh key, its
/// membership tag a MAC under a random key (as in the official file, it is only meant to
/// decode).
fn public_application(
    context: &SuiteContext<'_>,
    group_context: &GroupContext,
) -> Result<Hex, LayerError> {
    let suite = context.suite;
    let content = FramedContent {
        group_id: group_context.group_id.clone(),
        epoch: group_context.epoch,
        sender: Sender::Member(LeafIndex(0)),
        authenticated_data: VarBytes::default(),
        content: FramedContentBody::Application(VarBytes(context.random(pick(1..64))?.0)),
    };
    let keys = suite.generate_signature_key_pair()?;
    let signature = sign_content(
        &*suite.signer(&keys.private_key)?,
        WireFormat::MLS_PUBLIC_MESSAGE,
        &content,
        &group_context.to_bytes()?,
    )?;
    let membership_tag = suite.mac(&context.secret()?, &content.to_bytes()?);
    let message = PublicMessage {
        content,
        auth: FramedContentAuthData {
            signature: VarBytes(signature),
            confirmation_tag: None,
        },
        membership_tag: Some(VarBytes(membership_tag)),
    };
    Ok(Hex(encode_message(MlsMessageBody::PublicMessage(message))?))
}
