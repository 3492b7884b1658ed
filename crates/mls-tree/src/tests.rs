//! Unit tests of the ratchet tree: structure, proposals, hashes, validation (RFC 9420 §4, §7,
//! §12.1, §12.4.3.1).

use std::collections::BTreeSet;

use mls_codec::{
    Capabilities, CipherSuite, Credential, Decode, Encode, LeafNode, LeafNodeHashInput,
    LeafNodeLocation, LeafNodeSourceData, Lifetime, Node, ParentHashInput, ParentNode,
    ParentNodeHashInput, StateDecode, StateEncode, TreeHashInput, VarBytes,
};
use mls_crypto::{CipherSuiteProvider, CryptoProvider};
use mls_crypto_rustcrypto::RustCryptoProvider;
use proptest::prelude::*;
use serde_json::Value;

use crate::low_level::{ChangedNodes, CredentialCensus, TreeChanges, TreeTransactions};
use crate::{LeafIndex, NodeIndex, RatchetTree, TreeError, leaf_node_tbs};

pub(crate) fn suite() -> &'static dyn CipherSuiteProvider {
    static PROVIDER: RustCryptoProvider = RustCryptoProvider::new();
    PROVIDER
        .suite(CipherSuite::MLS_128_DHKEMX25519_AES128GCM_SHA256_ED25519)
        .unwrap()
}

/// An unsigned key-package leaf node whose keys are derived from `id`.
pub(crate) fn leaf(id: u32) -> LeafNode {
    LeafNode {
        encryption_key: VarBytes(format!("encryption key {id}").into_bytes()),
        signature_key: VarBytes(format!("signature key {id}").into_bytes()),
        credential: Credential::Basic {
            identity: VarBytes(id.to_be_bytes().to_vec()),
        },
        capabilities: Capabilities {
            versions: vec![],
            cipher_suites: vec![],
            extensions: vec![],
            proposals: vec![],
            credentials: vec![],
        },
        leaf_node_source: LeafNodeSourceData::KeyPackage(Lifetime {
            not_before: 0,
            not_after: u64::MAX,
        }),
        extensions: vec![],
        signature: VarBytes::default(),
    }
}

fn parent(id: u32, unmerged: Vec<u32>) -> ParentNode {
    ParentNode {
        encryption_key: VarBytes(format!("parent key {id}").into_bytes()),
        parent_hash: VarBytes::default(),
        unmerged_leaves: unmerged,
    }
}

fn tree_of(members: u32) -> RatchetTree {
    let mut tree = RatchetTree::new(leaf(0));
    for id in 1..members {
        tree.add_leaf(leaf(id)).unwrap();
    }
    tree
}

fn nodes(indexes: &[u32]) -> Vec<NodeIndex> {
    indexes.iter().map(|&i| NodeIndex(i)).collect()
}

/// The tree of RFC 9420 Figure 10: A B _ D E F _ H, X[B] over A..D, Y over E, F.
fn figure_10() -> RatchetTree {
    let mut array: Vec<Option<Node>> = vec![None; 15];
    for (id, leaf_index) in (0u32..).zip([0usize, 1, 3, 4, 5, 7]) {
        array[2 * leaf_index] = Some(Node::Leaf(leaf(id)));
    }
    array[3] = Some(Node::Parent(parent(0, vec![1])));
    array[9] = Some(Node::Parent(parent(1, vec![])));
    RatchetTree::from_nodes(array).unwrap()
}

/// The suite-1 trees of tree-validation.json, with their group ids.
pub(crate) fn vector_trees() -> Vec<(RatchetTree, Vec<u8>)> {
    let file = include_str!("../../../test-vectors/tree-validation.json");
    let cases: Vec<Value> = serde_json::from_str(file).unwrap();
    cases
        .iter()
        .filter(|case| case["cipher_suite"] == 1)
        .map(|case| {
            let tree = hex::decode(case["tree"].as_str().unwrap()).unwrap();
            let group_id = hex::decode(case["group_id"].as_str().unwrap()).unwrap();
            (RatchetTree::from_bytes(&tree).unwrap(), group_id)
        })
        .collect()
}

/// The encoding and tree hash, to check that a failed operation changed nothing.
fn snapshot(tree: &RatchetTree) -> (Vec<u8>, Vec<u8>) {
    (tree.to_bytes().unwrap(), tree.tree_hash(suite()).unwrap())
}

#[test]
fn resolutions_of_figure_10() {
    let tree = figure_10();
    assert_eq!(tree.resolution(NodeIndex(3)).unwrap(), nodes(&[3, 2]));
    assert_eq!(tree.resolution(NodeIndex(4)).unwrap(), nodes(&[]));
    assert_eq!(tree.resolution(NodeIndex(12)).unwrap(), nodes(&[]));
    assert_eq!(
        tree.resolution(NodeIndex(7)).unwrap(),
        nodes(&[3, 2, 9, 14])
    );
    assert_eq!(
        tree.resolution_excluding(NodeIndex(7), &[LeafIndex(1), LeafIndex(7)])
            .unwrap(),
        nodes(&[3, 9])
    );
    assert_eq!(
        tree.resolution(NodeIndex(15)),
        Err(TreeError::NodeOutOfRange {
            node: NodeIndex(15)
        })
    );
}

#[test]
fn filtered_direct_paths_of_figure_11() {
    // A B _ _ E F G _, T over A B, X over E F, Y over X and Z, W the root.
    let mut array: Vec<Option<Node>> = vec![None; 13];
    for (id, leaf_index) in (0u32..).zip([0usize, 1, 4, 5, 6]) {
        array[2 * leaf_index] = Some(Node::Leaf(leaf(id)));
    }
    array[1] = Some(Node::Parent(parent(0, vec![])));
    array[7] = Some(Node::Parent(parent(1, vec![])));
    array[9] = Some(Node::Parent(parent(2, vec![])));
    array[11] = Some(Node::Parent(parent(3, vec![])));
    let tree = RatchetTree::from_nodes(array).unwrap();
    let parents = |leaf: u32| -> Vec<u32> {
        let path = tree.filtered_direct_path(LeafIndex(leaf)).unwrap();
        path.into_iter().map(|(parent, _)| parent.0).collect()
    };
    assert_eq!(parents(0), [1, 7]);
    assert_eq!(parents(1), [1, 7]);
    assert_eq!(parents(4), [9, 11, 7]);
    assert_eq!(parents(6), [11, 7]);
    let copath: Vec<u32> = tree
        .filtered_direct_path(LeafIndex(6))
        .unwrap()
        .into_iter()
        .map(|(_, child)| child.0)
        .collect();
    assert_eq!(copath, [9, 3]);
}

#[test]
fn add_fills_the_leftmost_blank_leaf_then_extends() {
    let mut tree = tree_of(3);
    assert_eq!(tree.leaf_count(), 4);
    assert_eq!(tree.leftmost_blank_leaf(), LeafIndex(3));
    // A parent over leaves 0..3 learns that leaf 3 is unmerged; blank parents do not.
    tree.set_parent(NodeIndex(3), Some(parent(0, vec![2])));
    assert_eq!(tree.add_leaf(leaf(3)).unwrap(), LeafIndex(3));
    assert_eq!(tree.unmerged_leaves(NodeIndex(3)), [2, 3]);
    assert_eq!(tree.unmerged_leaves(NodeIndex(5)), [0u32; 0]);
    // Full: the tree doubles and the new member takes the first new leaf.
    assert_eq!(tree.add_leaf(leaf(4)).unwrap(), LeafIndex(4));
    assert_eq!(tree.leaf_count(), 8);
    assert_eq!(tree.root(), NodeIndex(7));
    assert_eq!(tree.member_count(), 5);
    // A hole is filled before the tree grows again.
    tree.remove_leaf(LeafIndex(1)).unwrap();
    assert_eq!(tree.leftmost_blank_leaf(), LeafIndex(1));
    assert_eq!(tree.add_leaf(leaf(5)).unwrap(), LeafIndex(1));
    assert_eq!(tree.leftmost_blank_leaf(), LeafIndex(5));
}

#[test]
fn update_replaces_the_leaf_and_blanks_its_direct_path() {
    let mut tree = tree_of(4);
    tree.set_parent(NodeIndex(1), Some(parent(0, vec![])));
    tree.set_parent(NodeIndex(3), Some(parent(1, vec![])));
    tree.set_parent(NodeIndex(5), Some(parent(2, vec![])));
    tree.update_leaf(LeafIndex(0), leaf(10)).unwrap();
    assert_eq!(tree.leaf(LeafIndex(0)), Some(&leaf(10)));
    assert!(tree.is_blank(NodeIndex(1)) && tree.is_blank(NodeIndex(3)));
    assert!(!tree.is_blank(NodeIndex(5)));
    assert_eq!(tree.find_encryption_key(&leaf(0).encryption_key), None);
    assert_eq!(
        tree.find_encryption_key(&parent(1, vec![]).encryption_key),
        None
    );
    assert_eq!(
        tree.find_encryption_key(&leaf(10).encryption_key),
        Some(NodeIndex(0))
    );
    // The member may keep its signature key.
    let same_signer = LeafNode {
        signature_key: leaf(10).signature_key,
        ..leaf(11)
    };
    tree.update_leaf(LeafIndex(0), same_signer).unwrap();
}

#[test]
fn remove_blanks_and_truncates_as_in_figure_17() {
    let mut tree = tree_of(3);
    tree.set_parent(NodeIndex(1), Some(parent(0, vec![])));
    tree.set_parent(NodeIndex(3), Some(parent(1, vec![])));
    let removed = tree.remove_leaf(LeafIndex(2)).unwrap();
    assert_eq!(removed, leaf(2));
    assert_eq!(tree.leaf_count(), 2);
    assert_eq!(tree.root(), NodeIndex(1));
    assert!(!tree.is_blank(NodeIndex(1)));
    assert_eq!(
        tree.find_encryption_key(&parent(1, vec![]).encryption_key),
        None
    );
    // Removing a member on the left does not truncate while the right half has one.
    let mut tree = tree_of(5);
    tree.remove_leaf(LeafIndex(0)).unwrap();
    assert_eq!(tree.leaf_count(), 8);
    // Removing the only member on the right truncates by as many levels as it can.
    let mut tree = tree_of(5);
    tree.remove_leaf(LeafIndex(2)).unwrap();
    tree.remove_leaf(LeafIndex(3)).unwrap();
    tree.remove_leaf(LeafIndex(4)).unwrap();
    assert_eq!(tree.leaf_count(), 2);
    assert_eq!(tree.to_nodes().len(), 3);
}

#[test]
fn operations_on_non_members_fail_and_change_nothing() {
    let mut tree = tree_of(3);
    let before = snapshot(&tree);
    assert_eq!(
        tree.remove_leaf(LeafIndex(3)),
        Err(TreeError::BlankLeaf { leaf: LeafIndex(3) })
    );
    assert_eq!(
        tree.remove_leaf(LeafIndex(4)),
        Err(TreeError::LeafOutOfRange { leaf: LeafIndex(4) })
    );
    assert_eq!(
        tree.update_leaf(LeafIndex(3), leaf(9)),
        Err(TreeError::BlankLeaf { leaf: LeafIndex(3) })
    );
    assert_eq!(
        tree.update_leaf(LeafIndex(u32::MAX), leaf(9)),
        Err(TreeError::LeafOutOfRange {
            leaf: LeafIndex(u32::MAX)
        })
    );
    assert_eq!(snapshot(&tree), before);
}

#[test]
fn duplicate_encryption_key_is_rejected_and_the_tree_is_unchanged() {
    let mut tree = tree_of(4);
    tree.set_parent(NodeIndex(5), Some(parent(7, vec![])));
    let before = snapshot(&tree);
    // The key of another leaf, of a parent, or of the leaf being replaced.
    let reuse_leaf = LeafNode {
        encryption_key: leaf(1).encryption_key,
        ..leaf(20)
    };
    assert_eq!(
        tree.add_leaf(reuse_leaf.clone()),
        Err(TreeError::DuplicateEncryptionKey {
            node: NodeIndex(8),
            existing: NodeIndex(2)
        })
    );
    let reuse_parent = LeafNode {
        encryption_key: parent(7, vec![]).encryption_key,
        ..leaf(20)
    };
    assert_eq!(
        tree.update_leaf(LeafIndex(0), reuse_parent),
        Err(TreeError::DuplicateEncryptionKey {
            node: NodeIndex(0),
            existing: NodeIndex(5)
        })
    );
    let reuse_own = LeafNode {
        encryption_key: leaf(1).encryption_key,
        ..leaf(20)
    };
    assert_eq!(
        tree.update_leaf(LeafIndex(1), reuse_own),
        Err(TreeError::DuplicateEncryptionKey {
            node: NodeIndex(2),
            existing: NodeIndex(2)
        })
    );
    assert_eq!(snapshot(&tree), before);
    assert_eq!(tree.member_count(), 4);
}

#[test]
fn duplicate_signature_key_is_rejected_and_the_tree_is_unchanged() {
    let mut tree = tree_of(4);
    let before = snapshot(&tree);
    let reuse = LeafNode {
        signature_key: leaf(2).signature_key,
        ..leaf(20)
    };
    assert_eq!(
        tree.add_leaf(reuse.clone()),
        Err(TreeError::DuplicateSignatureKey {
            leaf: LeafIndex(4),
            existing: LeafIndex(2)
        })
    );
    assert_eq!(
        tree.update_leaf(LeafIndex(0), reuse),
        Err(TreeError::DuplicateSignatureKey {
            leaf: LeafIndex(0),
            existing: LeafIndex(2)
        })
    );
    assert_eq!(snapshot(&tree), before);
    assert_eq!(tree.leaf_count(), 4);
}

#[test]
fn received_trees_are_checked_for_shape_and_unique_keys() {
    assert_eq!(
        RatchetTree::from_nodes(vec![]).unwrap_err(),
        TreeError::EmptyTree
    );
    assert_eq!(
        RatchetTree::from_nodes(vec![Some(Node::Leaf(leaf(0))), None]).unwrap_err(),
        TreeError::TrailingBlankNode
    );
    assert_eq!(
        RatchetTree::from_nodes(vec![Some(Node::Parent(parent(0, vec![])))]).unwrap_err(),
        TreeError::WrongNodeType { node: NodeIndex(0) }
    );
    assert_eq!(
        RatchetTree::from_nodes(vec![Some(Node::Leaf(leaf(0))), Some(Node::Leaf(leaf(1)))])
            .unwrap_err(),
        TreeError::WrongNodeType { node: NodeIndex(1) }
    );
    let twin = LeafNode {
        encryption_key: leaf(0).encryption_key,
        ..leaf(1)
    };
    assert_eq!(
        RatchetTree::from_nodes(vec![
            Some(Node::Leaf(leaf(0))),
            None,
            Some(Node::Leaf(twin))
        ])
        .unwrap_err(),
        TreeError::DuplicateEncryptionKey {
            node: NodeIndex(2),
            existing: NodeIndex(0)
        }
    );
    let parent_twin = ParentNode {
        encryption_key: leaf(0).encryption_key,
        ..parent(0, vec![])
    };
    assert_eq!(
        RatchetTree::from_nodes(vec![
            Some(Node::Leaf(leaf(0))),
            Some(Node::Parent(parent_twin)),
            Some(Node::Leaf(leaf(1)))
        ])
        .unwrap_err(),
        TreeError::DuplicateEncryptionKey {
            node: NodeIndex(1),
            existing: NodeIndex(0)
        }
    );
    let signer_twin = LeafNode {
        signature_key: leaf(0).signature_key,
        ..leaf(1)
    };
    assert_eq!(
        RatchetTree::from_nodes(vec![
            Some(Node::Leaf(leaf(0))),
            None,
            Some(Node::Leaf(signer_twin))
        ])
        .unwrap_err(),
        TreeError::DuplicateSignatureKey {
            leaf: LeafIndex(1),
            existing: LeafIndex(0)
        }
    );
    // Malformed bytes are a codec error, not a panic.
    assert!(matches!(
        RatchetTree::from_bytes(&[0x02, 0x01, 0x07]),
        Err(TreeError::Codec(_))
    ));
}

#[test]
fn a_tree_is_widened_to_a_power_of_two_and_encodes_without_trailing_blanks() {
    // Five nodes: leaves 0..2 and the parent between the first two; widened to 4 leaves.
    let array = vec![
        Some(Node::Leaf(leaf(0))),
        Some(Node::Parent(parent(0, vec![]))),
        Some(Node::Leaf(leaf(1))),
        None,
        Some(Node::Leaf(leaf(2))),
    ];
    let tree = RatchetTree::from_nodes(array.clone()).unwrap();
    assert_eq!(tree.leaf_count(), 4);
    assert_eq!(tree.to_nodes(), array);
    let bytes = tree.to_bytes().unwrap();
    assert_eq!(bytes, array.to_bytes().unwrap());
    assert_eq!(Vec::<Option<Node>>::from_bytes(&bytes).unwrap(), array);
}

#[test]
fn tree_hash_inputs_match_the_codec_structs() {
    let tree = figure_10();
    let hash = |input: TreeHashInput| suite().hash(&input.to_bytes().unwrap());
    let th = |i: u32| tree.node_tree_hash(suite(), NodeIndex(i)).unwrap();
    assert_eq!(
        th(2),
        hash(TreeHashInput::Leaf(LeafNodeHashInput {
            leaf_index: 1,
            leaf_node: Some(leaf(1)),
        }))
    );
    assert_eq!(
        th(4),
        hash(TreeHashInput::Leaf(LeafNodeHashInput {
            leaf_index: 2,
            leaf_node: None,
        }))
    );
    assert_eq!(
        th(3),
        hash(TreeHashInput::Parent(ParentNodeHashInput {
            parent_node: Some(parent(0, vec![1])),
            left_hash: VarBytes(th(1)),
            right_hash: VarBytes(th(5)),
        }))
    );
    assert_eq!(
        th(11),
        hash(TreeHashInput::Parent(ParentNodeHashInput {
            parent_node: None,
            left_hash: VarBytes(th(9)),
            right_hash: VarBytes(th(13)),
        }))
    );
    assert_eq!(tree.tree_hash(suite()).unwrap(), th(7));
}

#[test]
fn parent_hash_uses_the_original_sibling_tree_hash() {
    // Figure 21 in small: P = node 3 lists leaf 3 as unmerged; its copath child for a path
    // from leaf 0 is node 5, whose tree hash is taken with leaf 3 blanked and removed from
    // node 5's unmerged leaves.
    let mut array: Vec<Option<Node>> = vec![None; 7];
    for (id, leaf_index) in (0u32..).zip(0usize..4) {
        array[2 * leaf_index] = Some(Node::Leaf(leaf(id)));
    }
    array[3] = Some(Node::Parent(parent(0, vec![3])));
    array[5] = Some(Node::Parent(parent(1, vec![3])));
    let tree = RatchetTree::from_nodes(array.clone()).unwrap();

    // The original tree: leaf 3 blank (a trailing blank, so it is dropped) and node 5
    // without it in its unmerged leaves.
    let mut original = array;
    original[5] = Some(Node::Parent(parent(1, vec![])));
    original.truncate(6);
    let original_hash = RatchetTree::from_nodes(original)
        .unwrap()
        .node_tree_hash(suite(), NodeIndex(5))
        .unwrap();
    let p = parent(0, vec![3]);
    let expected = suite().hash(
        &ParentHashInput {
            encryption_key: p.encryption_key.clone(),
            parent_hash: p.parent_hash.clone(),
            original_sibling_tree_hash: VarBytes(original_hash.clone()),
        }
        .to_bytes()
        .unwrap(),
    );
    assert_eq!(
        tree.parent_hash(suite(), NodeIndex(3), NodeIndex(5))
            .unwrap(),
        expected
    );
    assert_ne!(
        original_hash,
        tree.node_tree_hash(suite(), NodeIndex(5)).unwrap()
    );
    assert!(
        tree.parent_hash(suite(), NodeIndex(3), NodeIndex(7))
            .is_err()
    );
    assert!(
        tree.parent_hash(suite(), NodeIndex(1), NodeIndex(0))
            .is_err()
    );
}

#[test]
fn leaf_node_tbs_matches_the_codec_struct() {
    let group_id = b"group";
    let mut node = leaf(3);
    assert_eq!(
        leaf_node_tbs(&node, group_id, LeafIndex(5)).unwrap(),
        node.to_tbs(None).to_bytes().unwrap()
    );
    node.leaf_node_source = LeafNodeSourceData::Commit(VarBytes::from(b"ph"));
    let location = LeafNodeLocation {
        group_id: VarBytes::from(group_id),
        leaf_index: 5,
    };
    assert_eq!(
        leaf_node_tbs(&node, group_id, LeafIndex(5)).unwrap(),
        node.to_tbs(Some(location)).to_bytes().unwrap()
    );
}

#[test]
fn vector_trees_validate() {
    let trees = vector_trees();
    assert!(trees.len() >= 10);
    for (tree, group_id) in &trees {
        tree.validate(suite(), group_id).unwrap();
    }
}

/// A vector tree with a non-blank parent, rebuilt with one node changed by `change`.
fn corrupted_vector_tree(
    change: impl Fn(&mut Vec<Option<Node>>) -> bool,
) -> (RatchetTree, Vec<u8>) {
    vector_trees()
        .into_iter()
        .find_map(|(tree, group_id)| {
            let mut array = tree.to_nodes();
            change(&mut array).then(|| (RatchetTree::from_nodes(array).unwrap(), group_id))
        })
        .unwrap()
}

#[test]
fn corrupted_parent_hash_is_rejected_and_the_tree_is_unchanged() {
    let (tree, group_id) = corrupted_vector_tree(|array| {
        let Some(Some(Node::Parent(parent))) = array.get_mut(1) else {
            return false;
        };
        parent.parent_hash.0.push(0);
        true
    });
    let before = snapshot(&tree);
    let error = tree.verify_parent_hashes(suite()).unwrap_err();
    assert!(
        matches!(error, TreeError::InvalidParentHash { .. }),
        "{error:?}"
    );
    assert!(matches!(
        tree.validate(suite(), &group_id),
        Err(TreeError::InvalidParentHash { .. })
    ));
    tree.verify_leaf_signatures(suite(), &group_id).unwrap();
    assert_eq!(snapshot(&tree), before);
}

#[test]
fn changed_parent_key_breaks_the_chain_to_it() {
    let (tree, _) = corrupted_vector_tree(|array| {
        let Some(Some(Node::Parent(parent))) = array.get_mut(1) else {
            return false;
        };
        parent.encryption_key.0[0] ^= 1;
        true
    });
    assert!(matches!(
        tree.verify_parent_hashes(suite()),
        Err(TreeError::InvalidParentHash {
            node: NodeIndex(1),
            chains: 0
        })
    ));
}

#[test]
fn bad_leaf_signature_is_rejected_and_the_tree_is_unchanged() {
    let (tree, group_id) = corrupted_vector_tree(|array| {
        let Some(Some(Node::Leaf(leaf))) = array.get_mut(2) else {
            return false;
        };
        leaf.signature.0[0] ^= 1;
        true
    });
    let before = snapshot(&tree);
    assert_eq!(
        tree.verify_leaf_signatures(suite(), &group_id),
        Err(TreeError::InvalidLeafSignature { leaf: LeafIndex(1) })
    );
    // The wrong group id breaks every update or commit leaf's signature.
    assert!(matches!(
        tree.validate(suite(), b"another group"),
        Err(TreeError::InvalidLeafSignature { .. } | TreeError::InvalidParentHash { .. })
    ));
    assert_eq!(snapshot(&tree), before);
}

#[test]
fn unmerged_leaves_must_be_sorted_members_below_and_listed_on_the_way() {
    let build = |n3: Vec<u32>, n1: Vec<u32>| {
        let mut array: Vec<Option<Node>> = vec![None; 7];
        for (id, leaf_index) in [(0u32, 0usize), (1, 1), (3, 3)] {
            array[2 * leaf_index] = Some(Node::Leaf(leaf(id)));
        }
        array[1] = Some(Node::Parent(parent(1, n1)));
        array[3] = Some(Node::Parent(parent(3, n3)));
        RatchetTree::from_nodes(array).unwrap()
    };
    build(vec![1, 3], vec![1]).verify_unmerged_leaves().unwrap();
    assert_eq!(
        build(vec![3, 1], vec![1]).verify_unmerged_leaves(),
        Err(TreeError::UnsortedUnmergedLeaves { node: NodeIndex(3) })
    );
    assert_eq!(
        build(vec![1, 1], vec![1]).verify_unmerged_leaves(),
        Err(TreeError::UnsortedUnmergedLeaves { node: NodeIndex(3) })
    );
    assert_eq!(
        build(vec![2], vec![]).verify_unmerged_leaves(),
        Err(TreeError::InvalidUnmergedLeaf {
            node: NodeIndex(3),
            leaf: LeafIndex(2)
        })
    );
    assert_eq!(
        build(vec![], vec![3]).verify_unmerged_leaves(),
        Err(TreeError::InvalidUnmergedLeaf {
            node: NodeIndex(1),
            leaf: LeafIndex(3)
        })
    );
    assert_eq!(
        build(vec![], vec![u32::MAX]).verify_unmerged_leaves(),
        Err(TreeError::InvalidUnmergedLeaf {
            node: NodeIndex(1),
            leaf: LeafIndex(u32::MAX)
        })
    );
    assert_eq!(
        build(vec![1], vec![]).verify_unmerged_leaves(),
        Err(TreeError::MissingUnmergedLeaf {
            node: NodeIndex(3),
            leaf: LeafIndex(1),
            intermediate: NodeIndex(1)
        })
    );
    // Out-of-range unmerged leaves do not disturb resolutions or hashes.
    let tree = build(vec![], vec![u32::MAX]);
    assert_eq!(tree.resolution(NodeIndex(1)).unwrap(), nodes(&[1]));
    tree.tree_hash(suite()).unwrap();
}

#[test]
fn a_change_invalidates_only_its_path() {
    let mut tree = tree_of(256);
    tree.tree_hash(suite()).unwrap();
    let empty = |tree: &RatchetTree| {
        (0..tree.size().node_count())
            .filter(|&i| NodeIndex(i).leaf().is_none() && tree.hashes.get(NodeIndex(i)).is_none())
            .count()
    };
    assert_eq!(empty(&tree), 0);
    tree.update_leaf(LeafIndex(77), leaf(1000)).unwrap();
    assert_eq!(empty(&tree), 8); // the leaf's 8 ancestors (leaves are not cached)
    tree.tree_hash(suite()).unwrap();
    tree.remove_leaf(LeafIndex(3)).unwrap();
    assert_eq!(empty(&tree), 8);
    tree.tree_hash(suite()).unwrap();
    tree.add_leaf(leaf(1001)).unwrap();
    assert_eq!(empty(&tree), 8);
    // Extending past 256 leaves hashes the new blank half once; truncating back and
    // extending again reuses those hashes.
    tree.add_leaf(leaf(1002)).unwrap();
    tree.tree_hash(suite()).unwrap();
    tree.remove_leaf(LeafIndex(256)).unwrap();
    assert_eq!(tree.leaf_count(), 256);
    tree.tree_hash(suite()).unwrap();
    tree.add_leaf(leaf(1003)).unwrap();
    assert_eq!(empty(&tree), 9); // the 9 ancestors of leaf 256 up to the root
    assert_eq!(
        tree.tree_hash(suite()).unwrap(),
        tree.uncached_hashes(suite()).unwrap()[511]
    );
}

#[test]
fn the_cache_is_per_suite() {
    let tree = tree_of(5);
    let provider = RustCryptoProvider::new();
    let p384 = provider
        .suite(CipherSuite::MLS_256_DHKEMP384_AES256GCM_SHA384_P384)
        .unwrap();
    let sha256 = tree.tree_hash(suite()).unwrap();
    let sha384 = tree.tree_hash(p384).unwrap();
    assert_eq!((sha256.len(), sha384.len()), (32, 48));
    assert_eq!(tree.tree_hash(suite()).unwrap(), sha256);
}

/// One random step of the proptest.
#[derive(Debug, Clone)]
enum Op {
    Add,
    Remove(usize),
    Update(usize),
    /// Sets fresh keys on the filtered direct path of a member, as a Commit merge would.
    Commit(usize),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => Just(Op::Add),
        3 => any::<usize>().prop_map(Op::Remove),
        1 => any::<usize>().prop_map(Op::Update),
        2 => any::<usize>().prop_map(Op::Commit),
    ]
}

fn nth_member(tree: &RatchetTree, pick: usize) -> Option<LeafIndex> {
    let count = tree.member_count() as usize;
    (count > 0).then(|| tree.members().nth(pick % count).map(|(leaf, _)| leaf))?
}

fn apply(tree: &mut RatchetTree, op: &Op, next_id: &mut u32) {
    *next_id += 1;
    let id = *next_id;
    match *op {
        Op::Add => {
            tree.add_leaf(leaf(id)).unwrap();
        }
        Op::Remove(pick) => {
            if tree.member_count() > 1 {
                let member = nth_member(tree, pick).unwrap();
                tree.remove_leaf(member).unwrap();
            }
        }
        Op::Update(pick) => {
            if let Some(member) = nth_member(tree, pick) {
                tree.update_leaf(member, leaf(id)).unwrap();
            }
        }
        Op::Commit(pick) => {
            if let Some(member) = nth_member(tree, pick) {
                let path = tree.filtered_direct_path(member).unwrap();
                tree.blank_direct_path(member);
                for (k, (node, _)) in (0u32..).zip(path) {
                    tree.set_parent(node, Some(parent(id * 64 + k, vec![])));
                }
            }
        }
    }
}

/// Checks the cached hash of every node against a recomputation, and the indexes.
fn check_invariants(tree: &RatchetTree) -> Result<(), TestCaseError> {
    let root = tree.tree_hash(suite()).unwrap();
    let fresh = tree.uncached_hashes(suite()).unwrap();
    prop_assert_eq!(&root, &fresh[tree.root().0 as usize]);
    for (i, expected) in (0u32..).zip(&fresh).skip(1).step_by(2) {
        prop_assert_eq!(tree.hashes.get(NodeIndex(i)), Some(expected.as_slice()));
    }
    let first_blank = (0..tree.leaf_count())
        .find(|&i| tree.leaf(LeafIndex(i)).is_none())
        .unwrap_or(tree.leaf_count());
    prop_assert_eq!(tree.leftmost_blank_leaf(), LeafIndex(first_blank));
    prop_assert_eq!(tree.member_count() as usize, tree.members().count());
    if let Some(half) = tree.size().halved() {
        prop_assert!(
            (half.leaf_count()..tree.leaf_count()).any(|i| tree.leaf(LeafIndex(i)).is_some())
        );
    }
    let rebuilt = RatchetTree::from_bytes(&tree.to_bytes().unwrap()).unwrap();
    prop_assert_eq!(rebuilt.tree_hash(suite()).unwrap(), root);
    tree.verify_unmerged_leaves().unwrap();
    let mut census = CredentialCensus::default();
    for (_, node) in tree.members() {
        census.add(node);
    }
    prop_assert_eq!(tree.credential_census(), &census);
    Ok(())
}

/// A large tree hashes as one computed node by node without the cache, whether its cache is
/// cold (just decoded) or partly filled.
#[test]
fn large_uncached_trees_hash_like_a_recomputation() {
    let mut tree = tree_of(3000);
    let fresh = tree.uncached_hashes(suite()).unwrap();
    let decoded = RatchetTree::from_bytes(&tree.to_bytes().unwrap()).unwrap();
    assert_eq!(
        decoded.tree_hash(suite()).unwrap(),
        fresh[tree.root().0 as usize]
    );
    for (i, expected) in (0u32..).zip(&fresh).skip(1).step_by(2) {
        assert_eq!(decoded.hashes.get(NodeIndex(i)), Some(expected.as_slice()));
    }
    tree.tree_hash(suite()).unwrap();
    tree.update_leaf(LeafIndex(2999), leaf(5000)).unwrap();
    let fresh = tree.uncached_hashes(suite()).unwrap();
    assert_eq!(
        tree.tree_hash(suite()).unwrap(),
        fresh[tree.root().0 as usize]
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn cached_tree_hashes_match_a_recomputation(
        members in 1u32..=300,
        ops in proptest::collection::vec(op(), 0..24),
    ) {
        let mut tree = tree_of(members);
        let mut next_id = members;
        check_invariants(&tree)?;
        for op in &ops {
            apply(&mut tree, op, &mut next_id);
            check_invariants(&tree)?;
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Corrupted trees never panic: they fail to load, or load and then validate, hash and
    /// resolve without panicking.
    #[test]
    fn corrupted_trees_never_panic(
        case in 0usize..8,
        flips in proptest::collection::vec((any::<usize>(), any::<u8>()), 1..6),
    ) {
        let file = include_str!("../../../test-vectors/tree-validation.json");
        let cases: Vec<Value> = serde_json::from_str(file).unwrap();
        let mut bytes = hex::decode(cases[case]["tree"].as_str().unwrap()).unwrap();
        for (position, value) in flips {
            let len = bytes.len();
            bytes[position % len] ^= value.max(1);
        }
        if let Ok(tree) = RatchetTree::from_bytes(&bytes) {
            let _ = tree.validate(suite(), b"group");
            for i in 0..tree.size().node_count() {
                tree.resolution(NodeIndex(i)).unwrap();
                tree.node_tree_hash(suite(), NodeIndex(i)).unwrap();
            }
            let reencoded = tree.to_bytes().unwrap();
            prop_assert_eq!(reencoded, bytes);
        }
    }
}

/// Everything observable of a tree: its encoding, its tree hash, and its indexes.
fn observable(tree: &RatchetTree) -> (Vec<u8>, Vec<u8>, u32, LeafIndex, Vec<Option<NodeIndex>>) {
    let keys = tree
        .members()
        .map(|(_, node)| tree.find_encryption_key(&node.encryption_key))
        .collect();
    (
        tree.to_bytes().unwrap(),
        tree.tree_hash(suite()).unwrap(),
        tree.member_count(),
        tree.leftmost_blank_leaf(),
        keys,
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// Recorded changes undo exactly, replay exactly, and report the leaves they replaced
    /// with their earlier values (`changes.rs`).
    #[test]
    fn recorded_changes_undo_replay_and_report_replaced_leaves(
        members in 1u32..=200,
        before in proptest::collection::vec(op(), 0..8),
        staged in proptest::collection::vec(op(), 0..16),
    ) {
        let mut tree = tree_of(members);
        let mut next_id = members;
        for op in &before {
            apply(&mut tree, op, &mut next_id);
        }
        let original = tree.clone();
        let start = observable(&tree);

        tree.begin_changes().unwrap();
        prop_assert_eq!(tree.begin_changes(), Err(TreeError::AlreadyRecording));
        let mut ids = next_id;
        for op in &staged {
            apply(&mut tree, op, &mut ids);
        }
        let end = observable(&tree);
        let expected_replaced: Vec<(u32, Option<LeafNode>)> = (0..original.leaf_count().max(tree.leaf_count()))
            .filter(|&i| original.leaf(LeafIndex(i)) != tree.leaf(LeafIndex(i)))
            .map(|i| (i, original.leaf(LeafIndex(i)).cloned()))
            .collect();

        // Stashed: the tree is back as it was, and replaying the changes gives the staged
        // tree again.
        let changes = tree.stash_changes();
        prop_assert_eq!(observable(&tree), start.clone());
        check_invariants(&tree)?;
        let replaced = tree.apply_changes(&changes).unwrap();
        prop_assert_eq!(observable(&tree), end.clone());
        check_invariants(&tree)?;
        for (leaf, old) in &expected_replaced {
            prop_assert_eq!(replaced.get(LeafIndex(*leaf)), Some(old.as_ref()));
        }
        // A leaf changed and changed back is reported too; never one left alone.
        prop_assert!(replaced.len() >= expected_replaced.len());
        for i in 0..tree.leaf_count() {
            if let Some(old) = replaced.get(LeafIndex(i)) {
                prop_assert_eq!(old, original.leaf(LeafIndex(i)));
            }
        }

        // Recorded and discarded: the tree is back as it was.
        let mut again = original.clone();
        again.begin_changes().unwrap();
        let mut ids = next_id;
        for op in &staged {
            apply(&mut again, op, &mut ids);
        }
        again.discard_changes();
        prop_assert_eq!(observable(&again), start);
        check_invariants(&again)?;
        // Recorded and kept: the staged tree, and the same replaced leaves.
        again.begin_changes().unwrap();
        let mut ids = next_id;
        for op in &staged {
            apply(&mut again, op, &mut ids);
        }
        prop_assert_eq!(again.keep_changes(), replaced);
        prop_assert_eq!(observable(&again), end);

        // The stash survives its storage encoding.
        let decoded = TreeChanges::from_state_bytes(&changes.to_state_bytes().unwrap()).unwrap();
        prop_assert_eq!(decoded, changes);
    }
}

/// Changes that do not fit the tree (a corrupted saved state) are refused and change nothing.
#[test]
fn changes_that_do_not_fit_are_refused() {
    let mut large = tree_of(8);
    large.begin_changes().unwrap();
    large.update_leaf(LeafIndex(0), leaf(100)).unwrap();
    large.update_leaf(LeafIndex(6), leaf(101)).unwrap();
    let changes = large.stash_changes();
    // The first change fits a two-leaf tree, the second does not: nothing is applied.
    let mut small = tree_of(2);
    let before = observable(&small);
    assert_eq!(
        small.apply_changes(&changes),
        Err(TreeError::InvalidChanges)
    );
    assert_eq!(observable(&small), before);
}

/// A stashed resize is replayed only as the doubling or halving it was: a corrupted one that
/// would jump to 2^30 leaves (and allocate for them) is refused, the tree unchanged.
#[test]
fn a_resize_that_is_not_a_doubling_or_halving_is_refused() {
    let mut grown = tree_of(2);
    grown.begin_changes().unwrap();
    grown.add_leaf(leaf(10)).unwrap(); // doubles to four leaves
    let changes = grown.stash_changes();
    let mut bytes = changes.to_state_bytes().unwrap();
    let encoded_four = 4u32.to_be_bytes();
    let at = bytes
        .windows(5)
        .position(|w| w[0] == 3 && w[1..] == encoded_four)
        .expect("the encoded resize");
    bytes[at + 1..at + 5].copy_from_slice(&(1u32 << 30).to_be_bytes());
    let corrupted = TreeChanges::from_state_bytes(&bytes).unwrap();
    let before = observable(&grown);
    assert_eq!(
        grown.apply_changes(&corrupted),
        Err(TreeError::InvalidChanges)
    );
    assert_eq!(observable(&grown), before);
    // The genuine change still replays.
    grown.apply_changes(&changes).unwrap();
    assert_eq!(grown.leaf_count(), 4);
}

/// A tree of `leaves` leaves, every third one blank (the last one not), each other one signed
/// by its own Ed25519 key for group `group_id`, with the three leaf node sources in turn.
fn signed_tree(leaves: u32, group_id: &[u8]) -> Vec<Option<Node>> {
    let mut array: Vec<Option<Node>> = vec![None; 2 * leaves as usize - 1];
    for index in (0..leaves).filter(|i| i % 3 != 1 || *i == leaves - 1) {
        let keys = suite().generate_signature_key_pair().unwrap();
        let signer = suite().signer(&keys.private_key).unwrap();
        let mut node = leaf(index);
        node.signature_key = VarBytes(keys.public_key);
        node.leaf_node_source = match index % 3 {
            0 => LeafNodeSourceData::Commit(VarBytes::from(b"parent hash")),
            1 => LeafNodeSourceData::Update,
            _ => node.leaf_node_source,
        };
        crate::sign_leaf_node(&*signer, &mut node, group_id, LeafIndex(index)).unwrap();
        array[2 * index as usize] = Some(Node::Leaf(node));
    }
    array
}

/// The first failing leaf, verifying the leaves one by one.
fn first_bad_leaf_one_by_one(tree: &RatchetTree, group_id: &[u8]) -> Result<(), TreeError> {
    tree.members().try_for_each(|(index, node)| {
        crate::verify_leaf_node_signature(suite(), node, group_id, index)
    })
}

#[test]
fn chunked_leaf_signature_checks_report_the_lowest_bad_leaf() {
    let group_id = b"large group";
    let leaves = 300;
    let array = signed_tree(leaves, group_id);
    let tree = RatchetTree::from_nodes(array.clone()).unwrap();
    assert_eq!(tree.members().count(), 200);
    tree.verify_leaf_signatures(suite(), group_id).unwrap();
    // Leaves at chunk boundaries, inside chunks, alone and in pairs; signatures and keys.
    let cases: &[&[u32]] = &[
        &[150],
        &[leaves - 1],
        &[0],
        &[63],
        &[65],
        &[150, 42],
        &[150, 152],
        &[129, 128],
        &[299, 3, 200],
    ];
    for bad in cases {
        for break_key in [false, true] {
            let mut array = array.clone();
            for &index in *bad {
                let Some(Node::Leaf(node)) = &mut array[2 * index as usize] else {
                    panic!("leaf {index} is blank");
                };
                if break_key {
                    node.signature_key.0.truncate(31);
                } else {
                    node.signature.0[40] ^= 0x10;
                }
            }
            let tree = RatchetTree::from_nodes(array).unwrap();
            let lowest = *bad.iter().min().unwrap();
            let expected = Err(TreeError::InvalidLeafSignature {
                leaf: LeafIndex(lowest),
            });
            assert_eq!(
                tree.verify_leaf_signatures(suite(), group_id),
                expected,
                "{bad:?}"
            );
            assert_eq!(
                first_bad_leaf_one_by_one(&tree, group_id),
                expected,
                "{bad:?}"
            );
        }
    }
    // Another group id breaks the update and commit leaves, the lowest of which is leaf 0.
    assert_eq!(
        tree.verify_leaf_signatures(suite(), b"other group"),
        Err(TreeError::InvalidLeafSignature { leaf: LeafIndex(0) })
    );
}

/// The outcome of decoding `bytes` and verifying its leaf signatures: the tree's encoding
/// and the signatures' result, or the decoding error.
type Received = Result<(Vec<u8>, String), String>;

/// [`RatchetTree::from_bytes_verifying_leaves`] against decoding then verifying the decoded
/// tree: the same tree and signature result, or the same error. And
/// [`RatchetTree::from_bytes`], which puts each node in place as it decodes it, against
/// decoding the whole node vector first and then [`RatchetTree::from_nodes`].
fn received_both_ways(bytes: &[u8], group_id: &[u8]) -> Received {
    let whole_vector = <Vec<Option<Node>> as mls_codec::Decode>::from_bytes(bytes)
        .map_err(TreeError::from)
        .and_then(RatchetTree::from_nodes);
    assert_eq!(
        format!(
            "{:?}",
            RatchetTree::from_bytes(bytes).map(|tree| tree.to_bytes())
        ),
        format!("{:?}", whole_vector.map(|tree| tree.to_bytes())),
        "{}",
        hex::encode(bytes)
    );
    let plain: Received = RatchetTree::from_bytes(bytes)
        .map(|tree| {
            let verified = tree.verify_leaf_signatures(suite(), group_id);
            (tree.to_bytes().unwrap(), format!("{verified:?}"))
        })
        .map_err(|error| format!("{error:?}"));
    let from_encoding: Received = RatchetTree::from_bytes_verifying_leaves(
        suite(),
        bytes,
        group_id,
        crate::DEFAULT_MAX_LEAVES,
        |tree| tree.member_count(),
    )
    .map(|(tree, members, verified)| {
        assert_eq!(
            members,
            tree.member_count(),
            "the checks saw the decoded tree"
        );
        (tree.to_bytes().unwrap(), format!("{verified:?}"))
    })
    .map_err(|error| format!("{error:?}"));
    assert_eq!(from_encoding, plain, "{}", hex::encode(bytes));
    plain
}

/// Verifying leaf signatures from a tree's encoding while it is decoded changes no outcome:
/// for every vector tree, and for every one-byte change of one of them (decoding errors,
/// other trees, broken signatures).
#[test]
fn leaf_signatures_verified_from_the_encoding_agree_with_the_decoded_tree() {
    let trees = vector_trees();
    for (tree, group_id) in &trees {
        let received = received_both_ways(&tree.to_bytes().unwrap(), group_id);
        assert_eq!(received.unwrap().1, "Ok(())");
    }
    let (tree, group_id) = trees
        .iter()
        .filter(|(tree, _)| tree.member_count() >= 3)
        .min_by_key(|(tree, _)| tree.to_bytes().unwrap().len())
        .unwrap();
    let bytes = tree.to_bytes().unwrap();
    // Shapes decoding node by node must refuse as the whole vector's decoding does: no
    // nodes, a trailing blank node, bytes after the vector, a truncated vector.
    for crafted in [
        &[0u8][..],
        &[1, 0],
        &[2, 0, 0],
        &[1, 0, 7],
        &[3, 0],
        &[0, 1],
    ] {
        assert!(received_both_ways(crafted, group_id).is_err());
    }
    let mut trailing = bytes.clone();
    trailing.push(0);
    assert!(received_both_ways(&trailing, group_id).is_err());
    let (mut undecodable, mut bad_signature) = (0, 0);
    for i in 0..bytes.len() {
        let mut changed = bytes.clone();
        changed[i] ^= 0x41;
        match received_both_ways(&changed, group_id) {
            Err(_) => undecodable += 1,
            Ok((_, verified)) if verified != "Ok(())" => bad_signature += 1,
            Ok(_) => {}
        }
    }
    assert!(
        undecodable > 0 && bad_signature > 0,
        "{undecodable} {bad_signature}"
    );
}

/// Every node whose value differs between `before` and `after` (as `to_nodes` lists them,
/// blank past the shorter one).
fn differing_nodes(before: &[Option<Node>], after: &[Option<Node>]) -> BTreeSet<u32> {
    (0..before.len().max(after.len()))
        .filter(|&i| before.get(i).cloned().flatten() != after.get(i).cloned().flatten())
        .map(|i| u32::try_from(i).unwrap())
        .collect()
}

#[test]
fn changed_nodes_are_off_until_tracking_starts() {
    let mut tree = tree_of(4);
    assert_eq!(tree.changed_nodes(), None);
    tree.track_changed_nodes();
    assert_eq!(tree.changed_nodes(), Some(&BTreeSet::new()));
}

/// An operation on a tree, for tests that run a series of them.
type TreeOperation = Box<dyn Fn(&mut RatchetTree)>;

#[test]
fn changed_nodes_cover_every_node_an_operation_changes() {
    let mut tree = figure_10();
    tree.track_changed_nodes();
    let operations: Vec<TreeOperation> = vec![
        Box::new(|tree| tree.add_leaf(leaf(100)).map(|_| ()).unwrap()),
        Box::new(|tree| tree.update_leaf(LeafIndex(1), leaf(101)).unwrap()),
        Box::new(|tree| tree.remove_leaf(LeafIndex(3)).map(|_| ()).unwrap()),
        Box::new(|tree| tree.set_parent(NodeIndex(11), Some(parent(7, vec![4])))),
        Box::new(|tree| tree.add_unmerged_leaf(NodeIndex(11), LeafIndex(5))),
        // Removing the rightmost members halves the tree: the dropped nodes were blanked.
        Box::new(|tree| {
            for leaf in 4..8 {
                if tree.leaf(LeafIndex(leaf)).is_some() {
                    tree.remove_leaf(LeafIndex(leaf)).unwrap();
                }
            }
        }),
        Box::new(|tree| {
            tree.begin_changes().unwrap();
            tree.add_leaf(leaf(102)).unwrap();
            tree.discard_changes();
        }),
    ];
    for (step, operation) in operations.iter().enumerate() {
        let before = tree.to_nodes();
        tree.clear_changed_nodes();
        operation(&mut tree);
        let changed = tree.changed_nodes().unwrap();
        let differing = differing_nodes(&before, &tree.to_nodes());
        assert!(
            differing.is_subset(changed),
            "step {step}: changed {differing:?}, tracked {changed:?}"
        );
        assert!(!changed.is_empty(), "step {step} changed nothing");
    }
}

#[test]
fn a_commit_path_changes_logarithmically_many_nodes() {
    let mut tree = tree_of(1024);
    tree.track_changed_nodes();
    tree.remove_leaf(LeafIndex(517)).unwrap();
    tree.add_leaf(leaf(5000)).unwrap();
    // The removed leaf, its blanked direct path (10 parents), and the new leaf in its slot.
    assert!(tree.changed_nodes().unwrap().len() <= 12);
}
