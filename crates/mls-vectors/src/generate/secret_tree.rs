//! secret-tree.json: the sender-data key and nonce (RFC 9420 §6.3.2) and the ratchets of
//! every leaf of a secret tree (§9) on fresh secrets.

use mls_crypto::Secret;
use mls_key_schedule::{RatchetKind, SecretTree, SenderDataKey};
use mls_tree::TreeSize;
use serde_json::Value;

use super::{LayerError, SuiteContext, as_u32, pick, to_values};
use crate::hex_field::Hex;
use crate::secret_tree::{Case, Generation, SenderData};

/// Two cases: a tree of one leaf and one of a random size, each leaf with a few increasing
/// random generations.
pub(crate) fn generate(context: &SuiteContext<'_>) -> Result<Vec<Value>, LayerError> {
    let cases = [1, pick(2..12)]
        .into_iter()
        .map(|leaves| case(context, leaves))
        .collect::<Result<Vec<_>, _>>()?;
    to_values(cases)
}

fn case(context: &SuiteContext<'_>, leaves: usize) -> Result<Case, LayerError> {
    let suite = context.suite;
    let sender_data_secret = context.secret()?;
    let ciphertext = context.random(pick(suite.hash_len()..100))?;
    let keys = SenderDataKey::derive(suite, &Secret::from_slice(&sender_data_secret), &ciphertext)?;
    let sender_data = SenderData {
        key: Hex::from(keys.key().as_bytes()),
        nonce: Hex::from(keys.nonce().as_bytes()),
        sender_data_secret,
        ciphertext,
    };

    let encryption_secret = context.secret()?;
    let size = TreeSize::for_leaves(as_u32(leaves)?)
        .ok_or_else(|| LayerError::Scenario(format!("no tree of {leaves} leaves")))?;
    let mut tree = SecretTree::new(suite, Secret::from_slice(&encryption_secret), size);
    let mut generations = Vec::with_capacity(leaves);
    for leaf in 0..as_u32(leaves)? {
        let mut entries = Vec::new();
        let mut generation = 0;
        for _ in 0..3 {
            let handshake = tree.decryption_key(suite, leaf, RatchetKind::Handshake, generation)?;
            let application =
                tree.decryption_key(suite, leaf, RatchetKind::Application, generation)?;
            entries.push(Generation {
                generation,
                handshake_key: Hex::from(handshake.key().as_bytes()),
                handshake_nonce: Hex::from(handshake.nonce().as_bytes()),
                application_key: Hex::from(application.key().as_bytes()),
                application_nonce: Hex::from(application.nonce().as_bytes()),
            });
            generation += pick(1..20);
        }
        generations.push(entries);
    }
    Ok(Case {
        cipher_suite: context.number(),
        encryption_secret,
        sender_data,
        leaves: generations,
    })
}
