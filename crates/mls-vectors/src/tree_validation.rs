//! tree-validation.json: resolutions and tree hashes of every node, parent hashes and leaf
//! signatures of received ratchet trees (RFC 9420 §4.1.1, §7.8, §7.9.2, §7.3).

use std::sync::Arc;

use mls_codec::Encode;
use mls_crypto::CryptoProvider;
use mls_tree::{NodeIndex, RatchetTree};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::Outcome;
use crate::hex_field::Hex;
use crate::registry::{VectorError, parse_cases};
use crate::suites;

#[derive(Serialize, Deserialize)]
pub(crate) struct Case {
    pub(crate) cipher_suite: u16,
    pub(crate) tree: Hex,
    pub(crate) group_id: Hex,
    pub(crate) resolutions: Vec<Vec<u32>>,
    pub(crate) tree_hashes: Vec<Hex>,
}

/// The tree decodes and re-encodes exactly; over the tree widened to a power of two, every
/// node's resolution and tree hash match; the unmerged leaves and parent hashes are valid and
/// every leaf signature verifies with `group_id`. Cases in unsupported suites are skipped.
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
        let Some(tree) = check.ok("tree (decode)", RatchetTree::from_bytes(&case.tree)) else {
            continue;
        };
        let encoded = tree.to_bytes().map(Hex);
        check.expect_ok_eq("tree (re-encode)", &encoded, &case.tree);
        let nodes = tree.size().node_count() as usize;
        check.expect_eq("resolutions (length)", &case.resolutions.len(), &nodes);
        check.expect_eq("tree_hashes (length)", &case.tree_hashes.len(), &nodes);
        for (i, expected) in (0u32..).zip(&case.resolutions) {
            let actual = tree
                .resolution(NodeIndex(i))
                .map(|r| r.into_iter().map(|n| n.0).collect::<Vec<_>>());
            check.expect_ok_eq(&format!("resolutions[{i}]"), &actual, expected);
        }
        for (i, expected) in (0u32..).zip(&case.tree_hashes) {
            let actual = tree.node_tree_hash(suite, NodeIndex(i)).map(Hex);
            check.expect_ok_eq(&format!("tree_hashes[{i}]"), &actual, expected);
        }
        check.ok("unmerged leaves", tree.verify_unmerged_leaves());
        check.ok("parent hashes", tree.verify_parent_hashes(suite));
        check.ok(
            "leaf signatures",
            tree.verify_leaf_signatures(suite, &case.group_id),
        );
    }
    Ok(outcome)
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = include_str!("../../../test-vectors/tree-validation.json");

    fn cases() -> Vec<Value> {
        serde_json::from_str(FILE).unwrap()
    }

    #[test]
    fn official_file_passes_in_every_suite() {
        let cases = cases();
        let x448 = cases
            .iter()
            .filter(|c| matches!(c["cipher_suite"].as_u64(), Some(4 | 6)))
            .count();
        assert!(x448 > 0);
        let outcome = check(
            &crate::suites::default_provider(),
            "tree-validation.json",
            cases.clone(),
        )
        .unwrap();
        assert_eq!(outcome.failures, vec![]);
        assert_eq!(outcome.skipped, 0);
        assert_eq!(outcome.passed, cases.len());
    }

    #[test]
    fn wrong_values_are_reported_by_field() {
        let mut cases = cases();
        cases.truncate(1);
        let case = &mut cases[0];
        case["resolutions"][0] = serde_json::json!([2]);
        let hash = case["tree_hashes"][1].as_str().unwrap().to_owned();
        let flipped = if hash.ends_with('0') { "1" } else { "0" };
        case["tree_hashes"][1] = Value::from(format!("{}{flipped}", &hash[..hash.len() - 1]));
        let group_id = case["group_id"].as_str().unwrap().to_owned();
        case["group_id"] = Value::from(format!("00{group_id}"));
        let outcome = check(
            &crate::suites::default_provider(),
            "tree-validation.json",
            cases,
        )
        .unwrap();
        assert_eq!((outcome.passed, outcome.failed), (0, 1));
        let fields: Vec<&str> = outcome.failures.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(
            fields,
            ["resolutions[0]", "tree_hashes[1]", "leaf signatures"]
        );
    }
}
