//! tree-math.json: the array tree math of RFC 9420 Appendix C.

use std::sync::Arc;

use mls_crypto::CryptoProvider;
use mls_tree::{NodeIndex, TreeSize};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::Outcome;
use crate::registry::{VectorError, parse_cases};

/// A relation between nodes: left, right, parent or sibling.
type Relation<'a> = dyn Fn(NodeIndex) -> Option<NodeIndex> + 'a;

#[derive(Serialize, Deserialize)]
pub(crate) struct Case {
    pub(crate) n_leaves: u32,
    pub(crate) n_nodes: u32,
    pub(crate) root: u32,
    pub(crate) left: Vec<Option<u32>>,
    pub(crate) right: Vec<Option<u32>>,
    pub(crate) parent: Vec<Option<u32>>,
    pub(crate) sibling: Vec<Option<u32>>,
}

/// Root, node count, and the left, right, parent and sibling of every node.
pub(crate) fn check(
    _provider: &Arc<dyn CryptoProvider>,
    name: &str,
    cases: Vec<Value>,
) -> Result<Outcome, VectorError> {
    let mut outcome = Outcome::default();
    for (index, case) in parse_cases::<Case>(name, cases)?.into_iter().enumerate() {
        let mut check = outcome.case(index);
        let Some(size) = TreeSize::from_leaf_count(case.n_leaves) else {
            check.fail(
                "n_leaves",
                format!("{} is not a valid tree size", case.n_leaves),
            );
            continue;
        };
        check.expect_eq("n_nodes", &size.node_count(), &case.n_nodes);
        check.expect_eq("root", &size.root().0, &case.root);
        let relations: [(&str, &[Option<u32>], &Relation<'_>); 4] = [
            ("left", &case.left, &|n| n.left()),
            ("right", &case.right, &|n| n.right()),
            ("parent", &case.parent, &|n| n.parent(size)),
            ("sibling", &case.sibling, &|n| n.sibling(size)),
        ];
        for (field, expected, relation) in relations {
            check.expect_eq(
                &format!("{field} (length)"),
                &expected.len(),
                &(size.node_count() as usize),
            );
            for (node, expected) in (0..).zip(expected) {
                let actual = relation(NodeIndex(node)).map(|n| n.0);
                check.expect_eq(&format!("{field}[{node}]"), &actual, expected);
            }
        }
    }
    Ok(outcome)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(json: &str) -> Outcome {
        let cases: Vec<Value> = serde_json::from_str(json).unwrap();
        check(&crate::suites::default_provider(), "tree-math.json", cases).unwrap()
    }

    #[test]
    fn a_correct_case_passes_and_a_wrong_one_names_its_field() {
        let good = r#"[{"n_leaves": 2, "n_nodes": 3, "root": 1, "left": [null, 0, null],
            "right": [null, 2, null], "parent": [1, null, 1], "sibling": [2, null, 0]}]"#;
        assert_eq!(run(good).passed, 1);
        let bad = good.replace(r#""parent": [1, null, 1]"#, r#""parent": [1, null, 0]"#);
        let outcome = run(&bad);
        assert_eq!(outcome.failed, 1);
        assert_eq!(outcome.failures[0].field, "parent[2]");
    }
}
