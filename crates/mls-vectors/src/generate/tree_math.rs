//! tree-math.json: the array tree math of RFC 9420 Appendix C. Tree math has no randomness:
//! the cases are the trees of 2^0 to 2^10 leaves (the official file stops at 2^9).

use mls_tree::{NodeIndex, TreeSize};
use serde_json::Value;

use super::{LayerError, as_u32, to_values};
use crate::tree_math::Case;

/// The trees of 1, 2, 4, ... 1024 leaves (the array representation has power-of-two sizes).
pub(crate) fn generate() -> Result<Vec<Value>, LayerError> {
    let sizes = (0..=10).map(|power| 1usize << power);
    let cases = sizes
        .map(|leaves| {
            let leaves = as_u32(leaves)?;
            let size = TreeSize::from_leaf_count(leaves)
                .ok_or_else(|| LayerError::Scenario(format!("no tree of {leaves} leaves")))?;
            let nodes = (0..size.node_count()).map(NodeIndex);
            let relation = |f: &dyn Fn(NodeIndex) -> Option<NodeIndex>| {
                nodes.clone().map(|n| f(n).map(|n| n.0)).collect()
            };
            Ok(Case {
                n_leaves: leaves,
                n_nodes: size.node_count(),
                root: size.root().0,
                left: relation(&|n| n.left()),
                right: relation(&|n| n.right()),
                parent: relation(&|n| n.parent(size)),
                sibling: relation(&|n| n.sibling(size)),
            })
        })
        .collect::<Result<Vec<_>, LayerError>>()?;
    to_values(cases)
}
