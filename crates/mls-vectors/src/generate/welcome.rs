//! welcome.json: a Welcome (RFC 9420 §12.4.3.1) made by the group engine when a fresh group
//! adds a key package whose init private key is published.

use mls_codec::CipherSuite;
use mls_group::Client;
use serde_json::Value;

use super::group::welcome_of;
use super::member::Member;
use super::{LayerError, SuiteContext, to_values};
use crate::hex_field::Hex;
use crate::welcome::Case;

/// One case: a one-member group adds the key package by a commit.
pub(crate) fn generate(context: &SuiteContext<'_>) -> Result<Vec<Value>, LayerError> {
    let joiner = Member::new(context.suite, b"joiner")?;
    let creator = Client::new(
        context.provider.clone(),
        CipherSuite(context.number()),
        b"creator",
    )?;
    let mut group = creator.create_group(&context.random(16)?)?;
    let output = group.add_members(&[joiner.key_package_message()?])?;
    group.merge_pending_commit()?;
    let welcome = welcome_of(&output)?;
    to_values(vec![Case {
        cipher_suite: context.number(),
        init_priv: Hex::from(joiner.init_key.as_bytes()),
        signer_pub: Hex::from(creator.signature_key()),
        key_package: Hex(joiner.key_package_message()?),
        welcome: Hex(welcome),
    }])
}
