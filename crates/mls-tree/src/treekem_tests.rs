//! Tests of TreeKEM (RFC 9420 §7.4-7.6, §12.4.2, §12.4.3.1) on groups with real keys.

use mls_codec::{
    Capabilities, Credential, HpkeCiphertext, LeafNode, LeafNodeSourceData, Lifetime, UpdatePath,
    VarBytes,
};
use mls_crypto::Signer;

use crate::tests::suite;
use crate::{LeafIndex, NodeIndex, RatchetTree, TreeError, TreePrivateKeys, sign_leaf_node};

const GROUP_ID: &[u8] = b"treekem group";

struct Member {
    keys: TreePrivateKeys,
    signer: Box<dyn Signer>,
}

/// A client's signed key-package leaf node with fresh keys, its leaf key and its signer.
fn new_client(name: &str) -> (LeafNode, mls_crypto::HpkePrivateKey, Box<dyn Signer>) {
    let s = suite();
    let hpke = s.generate_hpke_key_pair().unwrap();
    let signature = s.generate_signature_key_pair().unwrap();
    let signer = s.signer(&signature.private_key).unwrap();
    let mut leaf = LeafNode {
        encryption_key: VarBytes(hpke.public_key),
        signature_key: VarBytes(signature.public_key),
        credential: Credential::Basic {
            identity: VarBytes::from(name.as_bytes()),
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
    };
    sign_leaf_node(&*signer, &mut leaf, GROUP_ID, LeafIndex(0)).unwrap();
    (leaf, hpke.private_key, signer)
}

fn context(tree_hash: &[u8]) -> Result<Vec<u8>, mls_codec::CodecError> {
    Ok([b"context:".as_slice(), tree_hash].concat())
}

/// A group and every member's view of it (each member's tree is the same).
struct Group {
    tree: RatchetTree,
    members: Vec<Option<Member>>,
}

impl Group {
    fn new() -> Self {
        let (leaf, key, signer) = new_client("member 0");
        Self {
            tree: RatchetTree::new(leaf),
            members: vec![Some(Member {
                keys: TreePrivateKeys::new(LeafIndex(0), key),
                signer,
            })],
        }
    }

    /// `committer` adds `adds` new clients, removes `removes`, and commits with a path that
    /// every other member processes and the new members join from.
    fn commit(&mut self, committer: u32, adds: usize, removes: &[u32]) {
        let s = suite();
        let mut tree = self.tree.clone();
        for &removed in removes {
            tree.remove_leaf(LeafIndex(removed)).unwrap();
            self.members[removed as usize] = None;
        }
        let mut joiners = Vec::new();
        for i in 0..adds {
            let (leaf, key, signer) = new_client(&format!("joiner {i}"));
            let index = tree.add_leaf(leaf).unwrap();
            joiners.push((index, key, signer));
        }
        let new_members: Vec<LeafIndex> = joiners.iter().map(|(i, _, _)| *i).collect();
        let before_commit = tree.clone();
        let sender = LeafIndex(committer);
        let committer_member = self.members[committer as usize].as_ref().unwrap();
        let template = tree.leaf(sender).unwrap().clone();
        let generated = tree
            .generate_update_path(
                s,
                sender,
                template,
                &*committer_member.signer,
                GROUP_ID,
                &new_members,
                context,
            )
            .unwrap();
        tree.validate(s, GROUP_ID).unwrap();
        generated.private_keys.verify(s, &tree).unwrap();
        let tree_hash = tree.tree_hash(s).unwrap();

        for (index, member) in self.members.iter_mut().enumerate() {
            let Some(member) = member else { continue };
            if index == committer as usize {
                member.keys = generated.private_keys.clone();
                continue;
            }
            let mut view = before_commit.clone();
            let received = view
                .apply_update_path(
                    s,
                    sender,
                    &generated.update_path,
                    &member.keys,
                    &new_members,
                    context,
                )
                .unwrap();
            assert_eq!(received.commit_secret, generated.commit_secret);
            assert_eq!(view.tree_hash(s).unwrap(), tree_hash);
            received.private_keys.verify(s, &view).unwrap();
            member.keys = received.private_keys;
        }
        for (index, key, signer) in joiners {
            let path_secret = generated.path_secret_for(index).unwrap();
            let keys =
                TreePrivateKeys::join(s, &tree, index, key, sender, Some(path_secret.as_bytes()))
                    .unwrap();
            // The joiner holds the keys of every non-blank node from the common ancestor up.
            assert!(keys.private_key(tree.root()).is_some());
            let slot = index.0 as usize;
            if self.members.len() <= slot {
                self.members.resize_with(slot + 1, || None);
            }
            self.members[slot] = Some(Member { keys, signer });
        }
        self.tree = tree;
    }
}

#[test]
fn members_and_joiners_agree_on_commit_secrets_and_trees() {
    let mut group = Group::new();
    group.commit(0, 1, &[]);
    group.commit(1, 3, &[]);
    group.commit(2, 4, &[]);
    group.commit(5, 0, &[3, 6]);
    group.commit(0, 2, &[]);
    // A member whose leaf is unmerged receives through its own leaf key.
    group.commit(4, 1, &[]);
    group.commit(8, 0, &[]);
    group.commit(7, 0, &[1, 2, 4]);
    assert_eq!(group.tree.member_count(), 7);
    group.tree.validate(suite(), GROUP_ID).unwrap();
    let bytes = mls_codec::Encode::to_bytes(&group.tree).unwrap();
    RatchetTree::from_bytes(&bytes)
        .unwrap()
        .validate(suite(), GROUP_ID)
        .unwrap();
}

#[test]
fn a_lone_member_commits_with_an_empty_path() {
    let mut group = Group::new();
    group.commit(0, 0, &[]);
    let mut tree = group.tree.clone();
    let member = group.members[0].as_ref().unwrap();
    let template = tree.leaf(LeafIndex(0)).unwrap().clone();
    let generated = tree
        .generate_update_path(
            suite(),
            LeafIndex(0),
            template,
            &*member.signer,
            GROUP_ID,
            &[],
            context,
        )
        .unwrap();
    assert!(generated.update_path.nodes.is_empty());
    assert_eq!(generated.commit_secret.len(), suite().hash_len());
    tree.validate(suite(), GROUP_ID).unwrap();
}

/// A group of five, a fresh path from member 0 over its tree, and the tree hash after it.
fn group_and_path() -> (Group, UpdatePath, Vec<u8>) {
    let mut group = Group::new();
    group.commit(0, 4, &[]);
    let mut tree = group.tree.clone();
    let member = group.members[0].as_ref().unwrap();
    let template = tree.leaf(LeafIndex(0)).unwrap().clone();
    let generated = tree
        .generate_update_path(
            suite(),
            LeafIndex(0),
            template,
            &*member.signer,
            GROUP_ID,
            &[],
            context,
        )
        .unwrap();
    let tree_hash = tree.tree_hash(suite()).unwrap();
    (group, generated.update_path, tree_hash)
}

/// Processing `path` as member 1 (under the GroupContext `context` makes of the tree hash
/// after the merge) fails with `expected` and leaves the tree unchanged.
fn assert_rejected_in(
    group: &Group,
    path: &UpdatePath,
    context: impl FnOnce(&[u8]) -> Result<Vec<u8>, mls_codec::CodecError>,
    expected: &TreeError,
) {
    let mut tree = group.tree.clone();
    let before = (
        mls_codec::Encode::to_bytes(&tree).unwrap(),
        tree.tree_hash(suite()).unwrap(),
    );
    let receiver = &group.members[1].as_ref().unwrap().keys;
    let error = tree
        .apply_update_path(suite(), LeafIndex(0), path, receiver, &[], context)
        .unwrap_err();
    assert_eq!(&error, expected);
    let after = (
        mls_codec::Encode::to_bytes(&tree).unwrap(),
        tree.tree_hash(suite()).unwrap(),
    );
    assert_eq!(after, before);
    tree.validate(suite(), GROUP_ID).unwrap();
}

fn assert_rejected(group: &Group, path: &UpdatePath, expected: &TreeError) {
    assert_rejected_in(group, path, context, expected);
}

#[test]
fn a_path_with_a_wrong_public_key_is_rejected_and_the_tree_is_unchanged() {
    let (group, mut path, tree_hash) = group_and_path();
    // The root key no longer matches the path secret: the leaf's parent hash breaks first...
    let other = suite().generate_hpke_key_pair().unwrap();
    path.nodes[2].encryption_key = VarBytes(other.public_key);
    assert_rejected(
        &group,
        &path,
        &TreeError::InvalidLeafParentHash { leaf: LeafIndex(0) },
    );
    // ...and once the committer signs a leaf with the matching parent hash, the receiver
    // (decrypting under the context the secrets were encrypted with) derives a root key that
    // does not match.
    let filtered = group.tree.filtered_direct_path(LeafIndex(0)).unwrap();
    let keys: Vec<&[u8]> = path
        .nodes
        .iter()
        .map(|n| n.encryption_key.as_slice())
        .collect();
    let (_, leaf_hash) = group
        .tree
        .path_parent_hashes(suite(), &filtered, &keys)
        .unwrap();
    path.leaf_node.leaf_node_source = LeafNodeSourceData::Commit(VarBytes(leaf_hash));
    let signer = &group.members[0].as_ref().unwrap().signer;
    sign_leaf_node(&**signer, &mut path.leaf_node, GROUP_ID, LeafIndex(0)).unwrap();
    assert_rejected_in(
        &group,
        &path,
        |_| context(&tree_hash),
        &TreeError::PublicKeyMismatch { node: NodeIndex(7) },
    );
}

#[test]
fn a_ciphertext_for_another_node_does_not_decrypt() {
    let (group, mut path, _) = group_and_path();
    // Member 1 decrypts at node 1: give it the ciphertext of node 3's secret for leaf 2.
    let swapped = path.nodes[1].encrypted_path_secret[0].clone();
    path.nodes[0].encrypted_path_secret[0] = swapped;
    let mut tree = group.tree.clone();
    let receiver = &group.members[1].as_ref().unwrap().keys;
    let error = tree
        .apply_update_path(suite(), LeafIndex(0), &path, receiver, &[], context)
        .unwrap_err();
    assert!(matches!(error, TreeError::Crypto(_)), "{error:?}");
    assert_rejected(&group, &path, &error);
}

#[test]
fn malformed_paths_are_rejected_and_the_tree_is_unchanged() {
    let (group, path, _) = group_and_path();

    let mut short = path.clone();
    short.nodes.pop();
    assert_rejected(
        &group,
        &short,
        &TreeError::PathLengthMismatch {
            expected: 3,
            actual: 2,
        },
    );

    let mut extra = path.clone();
    extra.nodes[1].encrypted_path_secret.push(HpkeCiphertext {
        kem_output: VarBytes::default(),
        ciphertext: VarBytes::default(),
    });
    assert_rejected(
        &group,
        &extra,
        &TreeError::CiphertextCountMismatch {
            node: NodeIndex(3),
            expected: 2,
            actual: 3,
        },
    );

    let mut tampered_hash = path.clone();
    if let LeafNodeSourceData::Commit(parent_hash) = &mut tampered_hash.leaf_node.leaf_node_source {
        parent_hash.0[0] ^= 1;
    }
    assert_rejected(
        &group,
        &tampered_hash,
        &TreeError::InvalidLeafParentHash { leaf: LeafIndex(0) },
    );

    let mut not_commit = path.clone();
    not_commit.leaf_node.leaf_node_source = LeafNodeSourceData::Update;
    assert!(matches!(
        group
            .tree
            .clone()
            .merge_update_path(suite(), LeafIndex(0), &not_commit),
        Err(TreeError::WrongLeafNodeSource { .. })
    ));

    let mut reused = path.clone();
    reused.nodes[0].encryption_key = group
        .tree
        .leaf(LeafIndex(3))
        .unwrap()
        .encryption_key
        .clone();
    assert_rejected(
        &group,
        &reused,
        &TreeError::DuplicateEncryptionKey {
            node: NodeIndex(1),
            existing: NodeIndex(6),
        },
    );

    let mut twice = path.clone();
    twice.nodes[1].encryption_key = twice.nodes[0].encryption_key.clone();
    assert_rejected(
        &group,
        &twice,
        &TreeError::DuplicateEncryptionKey {
            node: NodeIndex(3),
            existing: NodeIndex(1),
        },
    );

    let mut wrong_context = group.tree.clone();
    let receiver = &group.members[1].as_ref().unwrap().keys;
    let error = wrong_context
        .apply_update_path(suite(), LeafIndex(0), &path, receiver, &[], |_| {
            Ok(b"another context".to_vec())
        })
        .unwrap_err();
    assert!(matches!(error, TreeError::Crypto(_)));

    // The sender cannot process its own path.
    let sender_keys = &group.members[0].as_ref().unwrap().keys;
    assert_eq!(
        group
            .tree
            .clone()
            .apply_update_path(suite(), LeafIndex(0), &path, sender_keys, &[], context)
            .unwrap_err(),
        TreeError::InvalidReceiver { leaf: LeafIndex(0) }
    );
}

#[test]
fn private_keys_must_match_the_tree() {
    let (group, _, _) = group_and_path();
    let member = group.members[2].as_ref().unwrap();
    member.keys.verify(suite(), &group.tree).unwrap();
    let mut wrong = member.keys.clone();
    wrong
        .insert_path_secret(suite(), NodeIndex(3), &[7u8; 32])
        .unwrap();
    assert_eq!(
        wrong.verify(suite(), &group.tree),
        Err(TreeError::PublicKeyMismatch { node: NodeIndex(3) })
    );
    let mut blank = member.keys.clone();
    blank
        .insert_path_secret(suite(), NodeIndex(9), &[7u8; 32])
        .unwrap();
    assert_eq!(
        blank.verify(suite(), &group.tree),
        Err(TreeError::PublicKeyMismatch { node: NodeIndex(9) })
    );
    assert!(!format!("{:?}", member.keys).contains("HpkePrivateKey"));
}

/// The storage encoding of `own` and `keys` as given, unchecked.
fn raw_private_keys(own: u32, keys: &[(u32, Vec<u8>)]) -> Vec<u8> {
    use mls_codec::Encode;
    let mut out = own.to_bytes().unwrap();
    mls_codec::encode_vector(&mut out, |out| {
        for (node, key) in keys {
            node.encode(out)?;
            mls_codec::encode_opaque(key, out)?;
        }
        Ok(())
    })
    .unwrap();
    out
}

fn store(keys: &TreePrivateKeys) -> Vec<u8> {
    mls_codec::StateEncode::to_state_bytes(keys)
        .unwrap()
        .to_vec()
}

fn load(bytes: &[u8]) -> Result<TreePrivateKeys, mls_codec::CodecError> {
    mls_codec::StateDecode::from_state_bytes(bytes)
}

#[test]
fn private_keys_round_trip_through_storage() {
    let mut group = Group::new();
    group.commit(0, 4, &[]);
    group.commit(3, 2, &[1]);
    let mut with_path_keys = 0;
    for member in group.members.iter().flatten() {
        let bytes = store(&member.keys);
        let loaded = load(&bytes).unwrap();
        assert_eq!(loaded, member.keys);
        assert_eq!(store(&loaded), bytes);
        assert_eq!(loaded.own_leaf(), member.keys.own_leaf());
        assert!(loaded.nodes().eq(member.keys.nodes()));
        loaded.verify(suite(), &group.tree).unwrap();
        if loaded.nodes().count() > 1 {
            with_path_keys += 1;
        }
        for len in 0..bytes.len() {
            assert!(load(&bytes[..len]).is_err(), "prefix of {len} bytes");
        }
    }
    assert!(with_path_keys >= 3);
    // The committer holds its leaf and its whole direct path: the leaf index, the vector's
    // 2-byte header, then node index, 1-byte header and 32 bytes per key.
    let committer = group.members[3].as_ref().unwrap();
    assert_eq!(committer.keys.nodes().count(), 4);
    assert_eq!(store(&committer.keys).len(), 4 + 2 + 4 * (4 + 1 + 32));
}

#[test]
fn loaded_private_keys_decrypt_the_next_path() {
    let (group, path, tree_hash) = group_and_path();
    for index in 1..5 {
        let keys = &group.members[index].as_ref().unwrap().keys;
        let loaded = load(&store(keys)).unwrap();
        let receive = |keys: &TreePrivateKeys| {
            let mut tree = group.tree.clone();
            let received = tree
                .apply_update_path(suite(), LeafIndex(0), &path, keys, &[], context)
                .unwrap();
            assert_eq!(tree.tree_hash(suite()).unwrap(), tree_hash);
            received
        };
        let (original, from_loaded) = (receive(keys), receive(&loaded));
        assert_eq!(from_loaded.commit_secret, original.commit_secret);
        assert_eq!(from_loaded.private_keys, original.private_keys);
    }
}

#[test]
fn invalid_private_key_encodings_are_rejected() {
    let key = |len: usize| vec![5u8; len];
    let invalid_field =
        |bytes: &[u8]| matches!(load(bytes), Err(mls_codec::CodecError::InvalidField { .. }));
    // Leaf 2 (node 4) with its parent 5 and the root 3 of a four-leaf tree; a P-521 key.
    assert!(
        load(&raw_private_keys(
            2,
            &[(3, key(32)), (4, key(32)), (5, key(32))]
        ))
        .is_ok()
    );
    assert!(load(&raw_private_keys(2, &[(4, key(66))])).is_ok());
    // Not in ascending order, or a node twice.
    assert!(invalid_field(&raw_private_keys(
        2,
        &[(4, key(32)), (3, key(32))]
    )));
    assert!(invalid_field(&raw_private_keys(
        2,
        &[(4, key(32)), (4, key(32))]
    )));
    // No key for the own leaf; a key of a node off the direct path (a sibling, another leaf,
    // a node above the largest tree); an own leaf beyond the largest tree.
    assert!(invalid_field(&raw_private_keys(2, &[(3, key(32))])));
    assert!(invalid_field(&raw_private_keys(
        2,
        &[(1, key(32)), (4, key(32))]
    )));
    assert!(invalid_field(&raw_private_keys(
        2,
        &[(4, key(32)), (6, key(32))]
    )));
    assert!(invalid_field(&raw_private_keys(
        0,
        &[(0, key(32)), (u32::MAX >> 1, key(32))]
    )));
    assert!(invalid_field(&raw_private_keys(
        1 << 30,
        &[(1 << 31, key(32))]
    )));
    // Keys of no registered KEM's length, or of two lengths.
    assert!(invalid_field(&raw_private_keys(2, &[(4, key(31))])));
    assert!(invalid_field(&raw_private_keys(2, &[(4, key(0))])));
    assert!(invalid_field(&raw_private_keys(
        2,
        &[(3, key(48)), (4, key(32))]
    )));
    // Trailing bytes.
    let mut trailing = raw_private_keys(2, &[(4, key(32))]);
    trailing.push(0);
    assert!(load(&trailing).is_err());

    // Encoding refuses a value that could not be loaded: a key off the direct path.
    let (group, _, _) = group_and_path();
    let mut off_path = group.members[2].as_ref().unwrap().keys.clone();
    off_path
        .insert_path_secret(suite(), NodeIndex(9), &[7u8; 32])
        .unwrap();
    assert!(matches!(
        mls_codec::StateEncode::to_state_bytes(&off_path),
        Err(mls_codec::CodecError::InvalidField { .. })
    ));
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(256))]

    /// Corrupted encodings never panic; what still decodes re-encodes to the same bytes.
    #[test]
    fn corrupted_private_keys_are_rejected_or_canonical(
        flips in proptest::collection::vec((0usize..1000, 0u8..8), 1..4),
        cut in 0usize..400,
    ) {
        static BYTES: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();
        let bytes = BYTES.get_or_init(|| {
            let mut group = Group::new();
            group.commit(0, 4, &[]);
            store(&group.members[0].as_ref().unwrap().keys)
        });
        let mut corrupted = bytes.clone();
        for (position, bit) in flips {
            let position = position % corrupted.len();
            corrupted[position] ^= 1 << bit;
        }
        corrupted.truncate(cut);
        if let Ok(loaded) = load(&corrupted) {
            proptest::prop_assert_eq!(store(&loaded), corrupted);
        }
    }
}
