//! tree-validation.json: random trees (blanks, unmerged leaves, parent-hash chains that skip
//! blank parents) with the resolution (RFC 9420 §4.1.1) and tree hash (§7.8) of every node.

use mls_codec::Encode;
use mls_tree::NodeIndex;
use serde_json::Value;

use super::tree::TreeBuilder;
use super::{LayerError, SuiteContext, pick, to_values};
use crate::hex_field::Hex;
use crate::tree_validation::Case;

/// The number of random trees per suite.
const TREES: usize = 2;

/// [`TREES`] cases, each a random tree with every node's resolution and tree hash.
pub(crate) fn generate(context: &SuiteContext<'_>) -> Result<Vec<Value>, LayerError> {
    let mut cases = Vec::with_capacity(TREES);
    for _ in 0..TREES {
        let group_id = context.random(pick(8..33))?;
        let builder = TreeBuilder::random(context.suite, group_id.0.clone())?;
        let tree = &builder.tree;
        let nodes = (0..tree.size().node_count()).map(NodeIndex);
        cases.push(Case {
            cipher_suite: context.number(),
            tree: Hex(tree.to_bytes()?),
            group_id,
            resolutions: nodes
                .clone()
                .map(|node| Ok(tree.resolution(node)?.into_iter().map(|n| n.0).collect()))
                .collect::<Result<_, LayerError>>()?,
            tree_hashes: nodes
                .map(|node| Ok(Hex(tree.node_tree_hash(context.suite, node)?)))
                .collect::<Result<_, LayerError>>()?,
        });
    }
    to_values(cases)
}
