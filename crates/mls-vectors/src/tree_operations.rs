//! tree-operations.json: the tree effect of Add, Update and Remove proposals (RFC 9420
//! §12.1.1-12.1.3, §7.7) and the tree hash before and after (§7.8).

use std::sync::Arc;

use mls_codec::{Decode, Encode, Proposal};
use mls_crypto::CryptoProvider;
use mls_tree::{LeafIndex, RatchetTree, TreeError};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::Outcome;
use crate::hex_field::Hex;
use crate::registry::{VectorError, parse_cases};
use crate::suites;

#[derive(Serialize, Deserialize)]
pub(crate) struct Case {
    pub(crate) cipher_suite: u16,
    pub(crate) tree_before: Hex,
    pub(crate) proposal: Hex,
    pub(crate) proposal_sender: u32,
    pub(crate) tree_hash_before: Hex,
    pub(crate) tree_after: Hex,
    pub(crate) tree_hash_after: Hex,
}

/// Applies a proposal's tree effect as sent by `sender`.
pub(crate) fn apply(tree: &mut RatchetTree, proposal: Proposal, sender: u32) -> Result<(), String> {
    let result: Result<(), TreeError> = match proposal {
        Proposal::Add(add) => tree.add_leaf(add.key_package.leaf_node).map(drop),
        Proposal::Update(update) => tree.update_leaf(LeafIndex(sender), update.leaf_node),
        Proposal::Remove(remove) => tree.remove_leaf(LeafIndex(remove.removed)).map(drop),
        other => return Err(format!("{:?} has no tree effect", other.proposal_type())),
    };
    result.map_err(|e| e.to_string())
}

/// The tree before hashes to `tree_hash_before`; after the proposal it encodes to
/// `tree_after` exactly and hashes to `tree_hash_after`.
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
        let tree = RatchetTree::from_bytes(&case.tree_before);
        let Some(mut tree) = check.ok("tree_before (decode)", tree) else {
            continue;
        };
        let before = tree.tree_hash(suite).map(Hex);
        check.expect_ok_eq("tree_hash_before", &before, &case.tree_hash_before);
        let Some(proposal) = check.ok("proposal (decode)", Proposal::from_bytes(&case.proposal))
        else {
            continue;
        };
        if check
            .ok(
                "proposal (apply)",
                apply(&mut tree, proposal, case.proposal_sender),
            )
            .is_none()
        {
            continue;
        }
        let after = tree.to_bytes().map(Hex);
        check.expect_ok_eq("tree_after", &after, &case.tree_after);
        let hash = tree.tree_hash(suite).map(Hex);
        check.expect_ok_eq("tree_hash_after", &hash, &case.tree_hash_after);
    }
    Ok(outcome)
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = include_str!("../../../test-vectors/tree-operations.json");

    fn cases() -> Vec<Value> {
        serde_json::from_str(FILE).unwrap()
    }

    #[test]
    fn official_file_passes() {
        let cases = cases();
        let outcome = check(
            &crate::suites::default_provider(),
            "tree-operations.json",
            cases.clone(),
        )
        .unwrap();
        assert_eq!(outcome.failures, vec![]);
        assert_eq!(outcome.passed, cases.len());
    }

    #[test]
    fn wrong_values_are_reported_by_field() {
        let mut cases = cases();
        let flip = |value: &mut Value| {
            let text = value.as_str().unwrap();
            let last = if text.ends_with('0') { '1' } else { '0' };
            *value = Value::from(format!("{}{last}", &text[..text.len() - 1]));
        };
        flip(&mut cases[0]["tree_hash_after"]);
        flip(&mut cases[1]["tree_hash_before"]);
        let outcome = check(
            &crate::suites::default_provider(),
            "tree-operations.json",
            cases.clone(),
        )
        .unwrap();
        assert_eq!(outcome.failed, 2);
        let fields: Vec<(usize, &str)> = outcome
            .failures
            .iter()
            .map(|f| (f.case, f.field.as_str()))
            .collect();
        assert_eq!(fields, [(0, "tree_hash_after"), (1, "tree_hash_before")]);
    }
}
