//! treekem.json: a random tree with every member's private state, and fresh UpdatePaths
//! from some of its members (RFC 9420 §7.4-7.6) with the path secret each other member
//! decrypts.

use mls_codec::Encode;
use mls_crypto::CipherSuiteProvider;
use mls_tree::{LeafIndex, NodeIndex};
use serde_json::Value;

use super::tree::TreeBuilder;
use super::{LayerError, SuiteContext, any, pick, to_values};
use crate::hex_field::Hex;
use crate::treekem::{Case, LeafPrivate, NodeSecret, PathCase, group_context};

/// The number of UpdatePaths of a case, each from a different random member.
const PATHS: usize = 2;

/// One case: a random tree, every member's private state, and [`PATHS`] UpdatePaths.
pub(crate) fn generate(context: &SuiteContext<'_>) -> Result<Vec<Value>, LayerError> {
    let suite = context.suite;
    let group_id = context.random(pick(8..33))?;
    let builder = TreeBuilder::random(suite, group_id.0.clone())?;
    let mut case = Case {
        cipher_suite: context.number(),
        group_id,
        epoch: any::<u32>().into(),
        confirmed_transcript_hash: context.secret()?,
        ratchet_tree: Hex(builder.tree.to_bytes()?),
        leaves_private: leaves_private(&builder),
        update_paths: Vec::new(),
    };
    let mut senders = builder.members();
    while case.update_paths.len() < PATHS && !senders.is_empty() {
        let sender = senders.remove(pick(0..senders.len()));
        case.update_paths
            .push(update_path(suite, &builder, &case, sender)?);
    }
    to_values(vec![case])
}

/// The private state of every member of the tree.
fn leaves_private(builder: &TreeBuilder<'_>) -> Vec<LeafPrivate> {
    builder
        .all_leaves()
        .filter_map(|(leaf, state)| state.map(|state| (leaf, state)))
        .map(|(leaf, state)| LeafPrivate {
            index: leaf.0,
            encryption_priv: Hex::from(state.leaf_key.as_bytes()),
            signature_priv: state.member.signature_priv(),
            path_secrets: state
                .path_secrets
                .iter()
                .map(|(node, secret): (&NodeIndex, _)| NodeSecret {
                    node: node.0,
                    path_secret: Hex::from(secret.as_bytes()),
                })
                .collect(),
        })
        .collect()
}

/// A fresh UpdatePath from `sender` over a copy of the tree, under the case's GroupContext.
fn update_path(
    suite: &dyn CipherSuiteProvider,
    builder: &TreeBuilder<'_>,
    case: &Case,
    sender: LeafIndex,
) -> Result<PathCase, LayerError> {
    let mut tree = builder.tree.clone();
    let path = builder.generate_path(&mut tree, sender, |tree_hash| {
        group_context(case, tree_hash)
    })?;
    let path_secrets = builder
        .all_leaves()
        .map(|(leaf, state)| {
            let receives = state.is_some() && leaf != sender;
            receives
                .then(|| path.path_secret_for(leaf))
                .flatten()
                .map(|secret| Hex::from(secret.as_bytes()))
        })
        .collect();
    Ok(PathCase {
        sender: sender.0,
        update_path: Hex(path.update_path.to_bytes()?),
        path_secrets,
        commit_secret: Hex::from(path.commit_secret.as_bytes()),
        tree_hash_after: Hex(tree.tree_hash(suite)?),
    })
}
