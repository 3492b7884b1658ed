//! treekem.json: TreeKEM private state, merging and decrypting UpdatePaths, and generating
//! fresh ones (RFC 9420 §7.4-7.6, §7.9.2, §12.4.2).

use std::sync::Arc;

use mls_codec::{Decode, Encode, UpdatePath};
use mls_crypto::{CipherSuiteProvider, CryptoProvider, HpkePrivateKey, SignaturePrivateKey};
use mls_tree::{LeafIndex, NodeIndex, RatchetTree, TreePrivateKeys, verify_leaf_node_signature};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::Outcome;
use crate::hex_field::Hex;
use crate::outcome::CaseCheck;
use crate::registry::{VectorError, parse_cases};
use crate::suites;

#[derive(Serialize, Deserialize)]
pub(crate) struct Case {
    pub(crate) cipher_suite: u16,
    pub(crate) group_id: Hex,
    pub(crate) epoch: u64,
    pub(crate) confirmed_transcript_hash: Hex,
    pub(crate) ratchet_tree: Hex,
    pub(crate) leaves_private: Vec<LeafPrivate>,
    pub(crate) update_paths: Vec<PathCase>,
}

#[derive(Serialize, Deserialize)]
pub(crate) struct LeafPrivate {
    pub(crate) index: u32,
    pub(crate) encryption_priv: Hex,
    pub(crate) signature_priv: Hex,
    pub(crate) path_secrets: Vec<NodeSecret>,
}

#[derive(Serialize, Deserialize)]
pub(crate) struct NodeSecret {
    pub(crate) node: u32,
    pub(crate) path_secret: Hex,
}

#[derive(Serialize, Deserialize)]
pub(crate) struct PathCase {
    pub(crate) sender: u32,
    pub(crate) update_path: Hex,
    pub(crate) path_secrets: Vec<Option<Hex>>,
    pub(crate) commit_secret: Hex,
    pub(crate) tree_hash_after: Hex,
}

/// The case's GroupContext with `tree_hash`, encoded.
pub(crate) fn group_context(
    case: &Case,
    tree_hash: &[u8],
) -> Result<Vec<u8>, mls_codec::CodecError> {
    crate::wire::group_context(
        case.cipher_suite,
        &case.group_id,
        case.epoch,
        tree_hash,
        &case.confirmed_transcript_hash,
    )
    .to_bytes()
}

/// Each leaf's private state matches the tree. Each given UpdatePath merges (its parent
/// hashes valid) to `tree_hash_after`, and every other leaf with private state decrypts it to
/// its `path_secrets[j]` and `commit_secret`. Then the sender generates a fresh path over the
/// original tree, which every other such leaf processes to the same commit secret and tree.
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
        let tree = RatchetTree::from_bytes(&case.ratchet_tree);
        let Some(tree) = check.ok("ratchet_tree (decode)", tree) else {
            continue;
        };
        let mut privates = Vec::new();
        for leaf in &case.leaves_private {
            let field = format!("leaves_private[{}]", leaf.index);
            let mut keys = TreePrivateKeys::new(
                LeafIndex(leaf.index),
                HpkePrivateKey::from_slice(&leaf.encryption_priv),
            );
            for secret in &leaf.path_secrets {
                let inserted =
                    keys.insert_path_secret(suite, NodeIndex(secret.node), &secret.path_secret);
                check.ok(&field, inserted);
            }
            if check.ok(&field, keys.verify(suite, &tree)).is_some() {
                privates.push((keys, leaf));
            }
        }
        for (p, path_case) in case.update_paths.iter().enumerate() {
            check_given_path(&mut check, suite, &case, &tree, &privates, p, path_case);
            check_fresh_path(&mut check, suite, &case, &tree, &privates, p, path_case);
        }
    }
    Ok(outcome)
}

/// The given UpdatePath merges to `tree_hash_after` and decrypts to the given secrets.
fn check_given_path(
    check: &mut CaseCheck<'_>,
    suite: &dyn CipherSuiteProvider,
    case: &Case,
    tree: &RatchetTree,
    privates: &[(TreePrivateKeys, &LeafPrivate)],
    p: usize,
    path_case: &PathCase,
) {
    let field = |what: &str| format!("update_paths[{p}].{what}");
    let sender = LeafIndex(path_case.sender);
    let Some(path) = check.ok(
        &field("update_path (decode)"),
        UpdatePath::from_bytes(&path_case.update_path),
    ) else {
        return;
    };
    let signed = verify_leaf_node_signature(suite, &path.leaf_node, &case.group_id, sender);
    check.ok(&field("leaf signature"), signed);
    let mut merged = tree.clone();
    let merge = merged.merge_update_path(suite, sender, &path);
    if check.ok(&field("merge"), merge).is_none() {
        return;
    }
    check.ok(&field("parent hashes"), merged.verify_parent_hashes(suite));
    let Some(tree_hash) = check.ok(&field("tree hash"), merged.tree_hash(suite)) else {
        return;
    };
    check.expect_eq(
        &field("tree_hash_after"),
        &Hex(tree_hash.clone()),
        &path_case.tree_hash_after,
    );
    let Some(context) = check.ok(&field("group context"), group_context(case, &tree_hash)) else {
        return;
    };
    for (keys, leaf) in privates {
        if leaf.index == path_case.sender {
            continue;
        }
        let j = leaf.index as usize;
        let received = keys.decrypt_update_path(suite, &merged, sender, &path, &[], &context);
        let Some(received) = check.ok(&field(&format!("decrypt by leaf {j}")), received) else {
            continue;
        };
        let expected = path_case.path_secrets.get(j).cloned().flatten();
        check.expect_eq(
            &field(&format!("path_secrets[{j}]")),
            &Some(Hex(received.path_secret.1.as_bytes().to_vec())),
            &expected,
        );
        check.expect_eq(
            &field(&format!("commit_secret (leaf {j})")),
            &Hex(received.commit_secret.as_bytes().to_vec()),
            &path_case.commit_secret,
        );
        let verified = received.private_keys.verify(suite, &merged);
        check.ok(&field(&format!("private keys of leaf {j} after")), verified);
    }
}

/// The sender generates a fresh UpdatePath over the original tree; every other leaf with
/// private state merges and decrypts it to the same commit secret and tree hash.
fn check_fresh_path(
    check: &mut CaseCheck<'_>,
    suite: &dyn CipherSuiteProvider,
    case: &Case,
    tree: &RatchetTree,
    privates: &[(TreePrivateKeys, &LeafPrivate)],
    p: usize,
    path_case: &PathCase,
) {
    let field = |what: &str| format!("update_paths[{p}] (fresh).{what}");
    let sender = LeafIndex(path_case.sender);
    let Some((_, sender_private)) = privates.iter().find(|(_, l)| l.index == sender.0) else {
        return;
    };
    let signer = suite.signer(&SignaturePrivateKey::from_slice(
        &sender_private.signature_priv,
    ));
    let Some(signer) = check.ok(&field("signer"), signer) else {
        return;
    };
    let Some(template) = tree.leaf(sender).cloned() else {
        check.fail(&field("sender"), "the sender's leaf is blank".to_owned());
        return;
    };
    let mut committer_tree = tree.clone();
    let generated = committer_tree.generate_update_path(
        suite,
        sender,
        template,
        &*signer,
        &case.group_id,
        &[],
        |tree_hash| group_context(case, tree_hash),
    );
    let Some(generated) = check.ok(&field("generate"), generated) else {
        return;
    };
    check.ok(
        &field("committer private keys"),
        generated.private_keys.verify(suite, &committer_tree),
    );
    let committer_hash = committer_tree.tree_hash(suite).map(Hex);
    for (keys, leaf) in privates {
        if leaf.index == sender.0 {
            continue;
        }
        let j = leaf.index;
        let mut receiver_tree = tree.clone();
        let received = receiver_tree.apply_update_path(
            suite,
            sender,
            &generated.update_path,
            keys,
            &[],
            |tree_hash| group_context(case, tree_hash),
        );
        let Some(received) = check.ok(&field(&format!("process by leaf {j}")), received) else {
            continue;
        };
        check.expect_eq(
            &field(&format!("commit secret (leaf {j})")),
            &received.commit_secret,
            &generated.commit_secret,
        );
        check.expect_eq(
            &field(&format!("tree hash (leaf {j})")),
            &receiver_tree.tree_hash(suite).map(Hex),
            &committer_hash,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = include_str!("../../../test-vectors/treekem.json");

    fn cases() -> Vec<Value> {
        serde_json::from_str(FILE).unwrap()
    }

    #[test]
    fn official_file_passes_in_suites_1_and_4() {
        let cases: Vec<Value> = cases()
            .into_iter()
            .filter(|c| matches!(c["cipher_suite"].as_u64(), Some(1 | 4)))
            .collect();
        let outcome = check(
            &crate::suites::default_provider(),
            "treekem.json",
            cases.clone(),
        )
        .unwrap();
        assert_eq!(outcome.failures, vec![]);
        assert!(cases.iter().any(|c| c["cipher_suite"] == 4));
        assert_eq!((outcome.passed, outcome.skipped), (cases.len(), 0));
    }

    #[test]
    fn wrong_values_are_reported_by_field() {
        let mut cases = cases();
        cases.truncate(1);
        let flip = |value: &mut Value| {
            let text = value.as_str().unwrap();
            let last = if text.ends_with('0') { '1' } else { '0' };
            *value = Value::from(format!("{}{last}", &text[..text.len() - 1]));
        };
        let path = &mut cases[0]["update_paths"][0];
        flip(&mut path["commit_secret"]);
        flip(&mut path["tree_hash_after"]);
        let outcome = check(&crate::suites::default_provider(), "treekem.json", cases).unwrap();
        assert_eq!(outcome.failed, 1);
        let fields: Vec<&str> = outcome.failures.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "update_paths[0].tree_hash_after",
                "update_paths[0].commit_secret (leaf 1)"
            ]
        );
    }
}
