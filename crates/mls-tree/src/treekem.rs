//! TreeKEM (RFC 9420 §7.4-7.6, §12.4.2, §12.4.3.1): generating an UpdatePath as a committer,
//! merging a received one into the tree, decrypting its path secret, and the private keys a
//! member holds for its leaf and direct path.

use std::collections::BTreeMap;
use std::fmt;

use mls_codec::{
    CodecError, Decode, HpkeCiphertext, LeafNode, LeafNodeSource, LeafNodeSourceData, ParentNode,
    Reader, SecretWriter, StateDecode, StateEncode, UpdatePath, UpdatePathNode, VarBytes,
    decode_vector,
};
use mls_crypto::{CipherSuiteParams, CipherSuiteProvider, HpkePrivateKey, Secret, Signer, labeled};

use crate::hash::parent_hash_of;
use crate::validate::sign_leaf_node;
use crate::{LeafIndex, MAX_LEAVES, NodeIndex, RatchetTree, TreeError};

/// The label of path secret encryption (RFC 9420 §7.6).
pub const UPDATE_PATH_NODE_LABEL: &str = "UpdatePathNode";

/// The private keys a member holds (RFC 9420 §4.2): its leaf's and those of the nodes of its
/// direct path whose path secret it knows. Keys are wiped when dropped; equality compares
/// each key in constant time (which nodes hold keys is not secret).
#[derive(Clone, PartialEq, Eq)]
pub struct TreePrivateKeys {
    own_leaf: LeafIndex,
    keys: BTreeMap<NodeIndex, HpkePrivateKey>,
}

impl fmt::Debug for TreePrivateKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TreePrivateKeys")
            .field("own_leaf", &self.own_leaf)
            .field("nodes", &self.keys.keys().collect::<Vec<_>>())
            .finish()
    }
}

/// Storage encoding (not an RFC 9420 wire struct): a member's private keys, for saving and
/// loading its group state, in the TLS presentation language (RFC 9420 §2.1):
///
/// ```text
/// struct {
///     uint32 node;
///     opaque private_key<V>;     /* SerializePrivateKey, RFC 9180 §7.1.2 */
/// } NodePrivateKey;
///
/// struct {
///     uint32 own_leaf;
///     NodePrivateKey keys<V>;    /* strictly ascending node */
/// } TreePrivateKeysState;
/// ```
///
/// Encoding and decoding check ([`CodecError::InvalidField`] otherwise) that the own leaf
/// lies within the largest tree ([`crate::MAX_LEAVES`] leaves) and its key is held, that every
/// other key is of a node on its direct path, and that the keys are non-empty, all of the
/// same length, and that length is `Nsk` of a KEM of a registered suite. The value does not
/// record its cipher suite or tree: after loading, [`TreePrivateKeys::verify`] against the
/// group's suite and tree checks every key against its public key.
///
/// The private key bytes only ever live in a [`SecretWriter`], which wipes them; protect
/// them at rest.
impl StateEncode for TreePrivateKeys {
    fn encode_state(&self, out: &mut SecretWriter) -> Result<(), CodecError> {
        self.check_storage()?;
        out.put_wire(&self.own_leaf.0)?;
        out.put_vector(|out| {
            self.keys.iter().try_for_each(|(node, key)| {
                out.put_wire(&node.0)?;
                out.put_opaque(key.as_bytes())
            })
        })
    }
}

/// Decodes the storage encoding above, each key going straight into an [`HpkePrivateKey`],
/// with every check of the encoding; never panics and allocates no more than the input
/// holds.
impl StateDecode for TreePrivateKeys {
    fn decode_state(reader: &mut Reader<'_>) -> Result<Self, CodecError> {
        let own_leaf = LeafIndex(u32::decode(reader)?);
        let entries = decode_vector(reader, |reader| {
            let node = NodeIndex(u32::decode(reader)?);
            let key = HpkePrivateKey::from_slice(reader.read_vector_body()?.read_rest());
            Ok((node, key))
        })?;
        if entries.windows(2).any(|pair| pair[0].0 >= pair[1].0) {
            return Err(storage_error("keys not in strictly ascending node order"));
        }
        let keys = Self {
            own_leaf,
            keys: entries.into_iter().collect(),
        };
        keys.check_storage()?;
        Ok(keys)
    }
}

/// A [`CodecError::InvalidField`] of the storage encoding of [`TreePrivateKeys`].
fn storage_error(reason: &'static str) -> CodecError {
    CodecError::InvalidField {
        field: "TreePrivateKeys",
        reason,
    }
}

impl TreePrivateKeys {
    /// The invariants the storage encoding checks (see its [`Encode`] impl).
    fn check_storage(&self) -> Result<(), CodecError> {
        if self.own_leaf.0 >= MAX_LEAVES {
            return Err(storage_error("own leaf beyond the largest tree"));
        }
        let own = self.own_leaf.node();
        if !self.keys.contains_key(&own) {
            return Err(storage_error("no key for the own leaf"));
        }
        // The largest tree's root, MAX_LEAVES - 1, is the highest node on any direct path.
        let highest = NodeIndex(MAX_LEAVES - 1);
        if self
            .keys
            .keys()
            .any(|&node| !own.is_in_subtree_of(node) || !node.is_in_subtree_of(highest))
        {
            return Err(storage_error(
                "key of a node not on the own leaf's direct path",
            ));
        }
        let mut lengths = self.keys.values().map(HpkePrivateKey::len);
        let first = lengths.next().unwrap_or(0);
        let registered = CipherSuiteParams::all()
            .iter()
            .chain(CipherSuiteParams::provisional())
            .any(|params| params.kem.private_key_len() == first);
        if !registered || lengths.any(|len| len != first) {
            return Err(storage_error(
                "private keys not all Nsk bytes of one registered KEM",
            ));
        }
        Ok(())
    }
}

/// `DeriveKeyPair(DeriveSecret(path_secret, "node"))` (RFC 9420 §7.4): the private key and
/// public key of the node a path secret belongs to.
pub fn node_key_pair(
    suite: &dyn CipherSuiteProvider,
    path_secret: &[u8],
) -> Result<(HpkePrivateKey, Vec<u8>), TreeError> {
    let node_secret = labeled::derive_secret(suite, path_secret, "node")?;
    let pair = suite.derive_hpke_key_pair(node_secret.as_bytes())?;
    Ok((pair.private_key, pair.public_key))
}

/// `DeriveSecret(path_secret, "path")` (RFC 9420 §7.4): the next path secret up the filtered
/// direct path, or the commit secret after the root (§12.4.2).
pub fn next_path_secret(
    suite: &dyn CipherSuiteProvider,
    path_secret: &[u8],
) -> Result<Secret, TreeError> {
    Ok(labeled::derive_secret(suite, path_secret, "path")?)
}

impl TreePrivateKeys {
    /// The private state of the member at `own_leaf` whose leaf private key is `leaf_key`.
    pub fn new(own_leaf: LeafIndex, leaf_key: HpkePrivateKey) -> Self {
        let mut keys = BTreeMap::new();
        keys.insert(own_leaf.node(), leaf_key);
        Self { own_leaf, keys }
    }

    /// The member's leaf.
    pub fn own_leaf(&self) -> LeafIndex {
        self.own_leaf
    }

    /// The private key of `node`, if held.
    pub fn private_key(&self, node: NodeIndex) -> Option<&HpkePrivateKey> {
        self.keys.get(&node)
    }

    /// The nodes whose private keys are held, in index order.
    pub fn nodes(&self) -> impl Iterator<Item = NodeIndex> + '_ {
        self.keys.keys().copied()
    }

    /// Sets the private key of `node` from its path secret (RFC 9420 §7.4).
    pub fn insert_path_secret(
        &mut self,
        suite: &dyn CipherSuiteProvider,
        node: NodeIndex,
        path_secret: &[u8],
    ) -> Result<(), TreeError> {
        let (private_key, _) = node_key_pair(suite, path_secret)?;
        self.keys.insert(node, private_key);
        Ok(())
    }

    /// Drops (and wipes) the keys of nodes that are blank or outside `tree`: after a Remove or
    /// Update blanked part of this member's direct path (RFC 9420 §12.1.2-12.1.3), or a
    /// truncation.
    pub fn forget_blank_nodes(&mut self, tree: &RatchetTree) {
        self.keys.retain(|&node, _| !tree.is_blank(node));
    }

    /// Checks every held key against `tree` (RFC 9420 §12.4.3.1): its node is non-blank and
    /// holds the matching public key, and the own leaf is a member.
    pub fn verify(
        &self,
        suite: &dyn CipherSuiteProvider,
        tree: &RatchetTree,
    ) -> Result<(), TreeError> {
        if tree.leaf(self.own_leaf).is_none() {
            return Err(TreeError::InvalidReceiver {
                leaf: self.own_leaf,
            });
        }
        for (&node, private_key) in &self.keys {
            let public_key = tree
                .node(node)
                .map(|n| n.encryption_key())
                .ok_or(TreeError::PublicKeyMismatch { node })?;
            if suite.hpke_public_key(private_key)? != public_key.as_slice() {
                return Err(TreeError::PublicKeyMismatch { node });
            }
        }
        Ok(())
    }

    /// The private state of a new member joining by Welcome (RFC 9420 §12.4.3.1): its leaf
    /// key and, if the GroupSecrets carry a path secret, the keys of the lowest common
    /// ancestor of its leaf and the committer's and of every non-blank node above it, derived
    /// in turn and checked against the public keys in `tree`.
    pub fn join(
        suite: &dyn CipherSuiteProvider,
        tree: &RatchetTree,
        own_leaf: LeafIndex,
        leaf_key: HpkePrivateKey,
        committer: LeafIndex,
        path_secret: Option<&[u8]>,
    ) -> Result<Self, TreeError> {
        if tree.leaf(own_leaf).is_none() {
            return Err(TreeError::InvalidReceiver { leaf: own_leaf });
        }
        let mut keys = Self::new(own_leaf, leaf_key);
        if let Some(path_secret) = path_secret {
            if committer == own_leaf || tree.leaf(committer).is_none() {
                return Err(TreeError::InvalidReceiver { leaf: own_leaf });
            }
            let size = tree.size();
            let ancestor = size.common_ancestor(own_leaf.node(), committer.node());
            let nodes = std::iter::once(ancestor)
                .chain(size.direct_path(ancestor))
                .filter(|&node| node == ancestor || !tree.is_blank(node));
            let mut secret = Secret::from_slice(path_secret);
            for (k, node) in nodes.enumerate() {
                if k > 0 {
                    secret = next_path_secret(suite, secret.as_bytes())?;
                }
                keys.insert_path_secret(suite, node, secret.as_bytes())?;
            }
        }
        keys.verify(suite, tree)?;
        Ok(keys)
    }

    /// Decrypts the path secret of an UpdatePath already merged into `tree`
    /// ([`RatchetTree::merge_update_path`]) and derives the rest of the sender's path
    /// (RFC 9420 §7.5, §12.4.2): finds the lowest node of the sender's filtered direct path
    /// whose copath child covers this member, decrypts the ciphertext for the node of that
    /// child's resolution (new members excluded) whose key this member holds, derives the
    /// path secrets above, checks each derived public key against the path, and derives the
    /// commit secret.
    ///
    /// `group_context` is the encoded provisional GroupContext (with the tree hash of
    /// `tree`). Returns the new private state; `self` is unchanged.
    pub fn decrypt_update_path(
        &self,
        suite: &dyn CipherSuiteProvider,
        tree: &RatchetTree,
        sender: LeafIndex,
        path: &UpdatePath,
        new_members: &[LeafIndex],
        group_context: &[u8],
    ) -> Result<ReceivedPath, TreeError> {
        let own = self.own_leaf;
        if own == sender || tree.leaf(own).is_none() || new_members.contains(&own) {
            return Err(TreeError::InvalidReceiver { leaf: own });
        }
        let filtered = tree.filtered_direct_path(sender)?;
        if filtered.len() != path.nodes.len() {
            return Err(TreeError::PathLengthMismatch {
                expected: filtered.len(),
                actual: path.nodes.len(),
            });
        }
        let mut start = None;
        for (i, (&(node, copath_child), path_node)) in filtered.iter().zip(&path.nodes).enumerate()
        {
            let resolution = tree.resolution_excluding(copath_child, new_members)?;
            if resolution.len() != path_node.encrypted_path_secret.len() {
                return Err(TreeError::CiphertextCountMismatch {
                    node,
                    expected: resolution.len(),
                    actual: path_node.encrypted_path_secret.len(),
                });
            }
            if start.is_none() && own.node().is_in_subtree_of(copath_child) {
                start = Some((i, resolution));
            }
        }
        let (first, resolution) = start.ok_or(TreeError::NoDecryptionKey { node: tree.root() })?;
        let (first_node, _) = filtered[first];
        let (position, private_key) = resolution
            .iter()
            .enumerate()
            .find_map(|(j, node)| Some((j, self.keys.get(node)?)))
            .ok_or(TreeError::NoDecryptionKey { node: first_node })?;
        let ciphertext = path.nodes[first]
            .encrypted_path_secret
            .get(position)
            .ok_or(TreeError::NoDecryptionKey { node: first_node })?;
        let decrypted = labeled::decrypt_with_label(
            suite,
            private_key,
            UPDATE_PATH_NODE_LABEL,
            group_context,
            &ciphertext.kem_output,
            &ciphertext.ciphertext,
        )?;
        let path_secret = Secret::from(decrypted);

        let mut keys = self.clone();
        keys.forget_blank_nodes(tree);
        for node in tree.size().direct_path(sender.node()) {
            keys.keys.remove(&node);
        }
        let mut secret = path_secret.clone();
        for (k, (&(node, _), path_node)) in filtered.iter().zip(&path.nodes).enumerate().skip(first)
        {
            if k > first {
                secret = next_path_secret(suite, secret.as_bytes())?;
            }
            let (private_key, public_key) = node_key_pair(suite, secret.as_bytes())?;
            if public_key != path_node.encryption_key.as_slice()
                || tree.node(node).map(|n| n.encryption_key().as_slice()) != Some(&public_key)
            {
                return Err(TreeError::PublicKeyMismatch { node });
            }
            keys.keys.insert(node, private_key);
        }
        let commit_secret = next_path_secret(suite, secret.as_bytes())?;
        Ok(ReceivedPath {
            private_keys: keys,
            commit_secret,
            path_secret: (first_node, path_secret),
        })
    }
}

/// What a receiver learns from an UpdatePath (RFC 9420 §7.5, §12.4.2).
#[derive(Debug, Clone)]
pub struct ReceivedPath {
    /// The receiver's new private state: keys of the sender's direct path replaced by those
    /// derived from the path.
    pub private_keys: TreePrivateKeys,
    /// The commit secret: DeriveSecret of the last path secret, "path".
    pub commit_secret: Secret,
    /// The decrypted path secret and its node: the lowest node of the sender's filtered direct
    /// path above the receiver.
    pub path_secret: (NodeIndex, Secret),
}

/// What a committer produces with an UpdatePath (RFC 9420 §7.4-7.6).
#[derive(Debug, Clone)]
pub struct GeneratedPath {
    /// The UpdatePath to put in the Commit.
    pub update_path: UpdatePath,
    /// The committer's new private state: its new leaf key and the keys of its filtered
    /// direct path.
    pub private_keys: TreePrivateKeys,
    /// The commit secret: DeriveSecret of the last path secret, "path".
    pub commit_secret: Secret,
    /// The path secret of each node of the filtered direct path, leaf to root.
    pub path_secrets: Vec<(NodeIndex, Secret)>,
}

impl GeneratedPath {
    /// The path secret a new member at `leaf` receives in its GroupSecrets (RFC 9420
    /// §12.4.3.1): the one of the lowest node of the filtered direct path above it.
    pub fn path_secret_for(&self, leaf: LeafIndex) -> Option<&Secret> {
        self.path_secrets
            .iter()
            .find(|(node, _)| leaf.node().is_in_subtree_of(*node))
            .map(|(_, secret)| secret)
    }
}

/// A validated UpdatePath, ready to be merged.
struct PreparedMerge {
    sender: LeafIndex,
    leaf_node: LeafNode,
    parents: Vec<(NodeIndex, ParentNode)>,
}

impl RatchetTree {
    /// The parent_hash field of each node of `sender`'s filtered direct path when it takes
    /// the keys `keys` (leaf to root), and the leaf's (RFC 9420 §7.9): computed from the root
    /// down, each over the tree hash of the node's copath child, which the merge leaves as it
    /// is (the new nodes have no unmerged leaves).
    pub(crate) fn path_parent_hashes(
        &self,
        suite: &dyn CipherSuiteProvider,
        filtered: &[(NodeIndex, NodeIndex)],
        keys: &[&[u8]],
    ) -> Result<(Vec<Vec<u8>>, Vec<u8>), TreeError> {
        let mut fields = vec![Vec::new(); filtered.len()];
        let mut above = Vec::new();
        for (i, &(_, copath_child)) in filtered.iter().enumerate().rev() {
            let sibling_hash = self.node_tree_hash(suite, copath_child)?;
            let hash = parent_hash_of(suite, keys[i], &above, &sibling_hash)?;
            fields[i] = std::mem::replace(&mut above, hash);
        }
        Ok((fields, above))
    }

    /// Validates an UpdatePath from `sender` against the tree without changing it.
    fn prepare_merge(
        &self,
        suite: &dyn CipherSuiteProvider,
        sender: LeafIndex,
        path: &UpdatePath,
    ) -> Result<PreparedMerge, TreeError> {
        self.check_member(sender)?;
        let filtered = self.filtered_direct_path(sender)?;
        if filtered.len() != path.nodes.len() {
            return Err(TreeError::PathLengthMismatch {
                expected: filtered.len(),
                actual: path.nodes.len(),
            });
        }
        let LeafNodeSourceData::Commit(leaf_parent_hash) = &path.leaf_node.leaf_node_source else {
            return Err(TreeError::WrongLeafNodeSource {
                leaf: sender,
                expected: LeafNodeSource::Commit,
                actual: path.leaf_node.leaf_node_source.source(),
            });
        };
        // None of the new keys may appear in the tree or twice in the path (§12.4.2).
        self.check_leaf_keys(&path.leaf_node, sender, Some(sender))?;
        let mut seen: BTreeMap<&[u8], NodeIndex> = BTreeMap::new();
        seen.insert(&path.leaf_node.encryption_key, sender.node());
        for (&(node, _), path_node) in filtered.iter().zip(&path.nodes) {
            self.check_encryption_key(&path_node.encryption_key, node)?;
            if let Some(&existing) = seen.get(path_node.encryption_key.as_slice()) {
                return Err(TreeError::DuplicateEncryptionKey { node, existing });
            }
            seen.insert(&path_node.encryption_key, node);
        }
        let keys: Vec<&[u8]> = path
            .nodes
            .iter()
            .map(|n| n.encryption_key.as_slice())
            .collect();
        let (fields, leaf_field) = self.path_parent_hashes(suite, &filtered, &keys)?;
        if leaf_parent_hash.as_slice() != leaf_field.as_slice() {
            return Err(TreeError::InvalidLeafParentHash { leaf: sender });
        }
        let parents = filtered
            .iter()
            .zip(&path.nodes)
            .zip(fields)
            .map(|((&(node, _), path_node), parent_hash)| {
                let parent = ParentNode {
                    encryption_key: path_node.encryption_key.clone(),
                    parent_hash: VarBytes(parent_hash),
                    unmerged_leaves: Vec::new(),
                };
                (node, parent)
            })
            .collect();
        Ok(PreparedMerge {
            sender,
            leaf_node: path.leaf_node.clone(),
            parents,
        })
    }

    /// Applies a prepared merge: blanks the sender's direct path, sets the new parent nodes
    /// and the new leaf (RFC 9420 §7.5).
    fn apply_merge(&mut self, prepared: PreparedMerge) {
        self.blank_direct_path(prepared.sender);
        for (node, parent) in prepared.parents {
            self.set_parent(node, Some(parent));
        }
        self.set_leaf(prepared.sender, Some(prepared.leaf_node));
    }

    /// Merges an UpdatePath received from `sender` into the tree (RFC 9420 §7.5, §12.4.2):
    /// checks that it has one node per node of the sender's filtered direct path, that its
    /// leaf node has source `commit`, that none of its keys appears in the tree (or twice),
    /// and that the leaf's parent_hash matches the parent hashes computed for the path; then
    /// blanks the sender's direct path, sets the new parent nodes with their parent hashes and
    /// empty unmerged leaves, and replaces the sender's leaf.
    ///
    /// The caller verifies the leaf node's signature and the rest of §7.3. On error the tree
    /// is unchanged.
    pub fn merge_update_path(
        &mut self,
        suite: &dyn CipherSuiteProvider,
        sender: LeafIndex,
        path: &UpdatePath,
    ) -> Result<(), TreeError> {
        let prepared = self.prepare_merge(suite, sender, path)?;
        self.apply_merge(prepared);
        Ok(())
    }

    /// Merges an UpdatePath from `sender` and decrypts it as the member `receiver`
    /// ([`Self::merge_update_path`], then [`TreePrivateKeys::decrypt_update_path`]).
    /// `group_context` encodes the provisional GroupContext given the tree hash after the
    /// merge. On error the tree is unchanged.
    pub fn apply_update_path(
        &mut self,
        suite: &dyn CipherSuiteProvider,
        sender: LeafIndex,
        path: &UpdatePath,
        receiver: &TreePrivateKeys,
        new_members: &[LeafIndex],
        group_context: impl FnOnce(&[u8]) -> Result<Vec<u8>, CodecError>,
    ) -> Result<ReceivedPath, TreeError> {
        let prepared = self.prepare_merge(suite, sender, path)?;
        let mark = self.mark();
        self.apply_merge(prepared);
        let received = self
            .tree_hash(suite)
            .and_then(|tree_hash| Ok(group_context(&tree_hash)?))
            .and_then(|context| {
                receiver.decrypt_update_path(suite, self, sender, path, new_members, &context)
            });
        match received {
            Ok(_) => self.release(mark),
            Err(_) => self.rollback_to(mark),
        }
        received
    }

    /// Generates an UpdatePath for the committer at `sender` and merges it into the tree
    /// (RFC 9420 §7.4-7.6, §12.4.1): a fresh leaf secret gives the leaf key pair and, through
    /// DeriveSecret(., "path"), one path secret per node of the filtered direct path; each
    /// node key pair is DeriveKeyPair(DeriveSecret(path_secret, "node")). The new leaf node is
    /// `leaf_node` with the new encryption key, source `commit` and the leaf's parent hash,
    /// signed by `signer` for `group_id`. Each path secret is encrypted to every node of the
    /// resolution of its copath child, except the leaves in `new_members`, under the
    /// GroupContext that `group_context` encodes given the tree hash after the merge.
    ///
    /// On error the tree is unchanged.
    #[expect(
        clippy::too_many_arguments,
        reason = "each input is a distinct protocol value"
    )]
    pub fn generate_update_path(
        &mut self,
        suite: &dyn CipherSuiteProvider,
        sender: LeafIndex,
        leaf_node: LeafNode,
        signer: &dyn Signer,
        group_id: &[u8],
        new_members: &[LeafIndex],
        group_context: impl FnOnce(&[u8]) -> Result<Vec<u8>, CodecError>,
    ) -> Result<GeneratedPath, TreeError> {
        self.check_member(sender)?;
        let filtered = self.filtered_direct_path(sender)?;
        let leaf_secret = Secret::new(suite.random_bytes(suite.hash_len())?);
        let (leaf_private, leaf_public) = node_key_pair(suite, leaf_secret.as_bytes())?;
        let mut private_keys = TreePrivateKeys::new(sender, leaf_private);
        let mut path_secrets = Vec::with_capacity(filtered.len());
        let mut public_keys = Vec::with_capacity(filtered.len());
        let mut secret = leaf_secret;
        for &(node, _) in &filtered {
            secret = next_path_secret(suite, secret.as_bytes())?;
            let (private_key, public_key) = node_key_pair(suite, secret.as_bytes())?;
            private_keys.keys.insert(node, private_key);
            public_keys.push(public_key);
            path_secrets.push((node, secret.clone()));
        }
        let commit_secret = next_path_secret(suite, secret.as_bytes())?;

        let keys: Vec<&[u8]> = public_keys.iter().map(Vec::as_slice).collect();
        let (_, leaf_parent_hash) = self.path_parent_hashes(suite, &filtered, &keys)?;
        let mut leaf_node = leaf_node;
        leaf_node.encryption_key = VarBytes(leaf_public);
        leaf_node.leaf_node_source = LeafNodeSourceData::Commit(VarBytes(leaf_parent_hash));
        sign_leaf_node(signer, &mut leaf_node, group_id, sender)?;
        let mut update_path = UpdatePath {
            leaf_node,
            nodes: public_keys
                .into_iter()
                .map(|key| UpdatePathNode {
                    encryption_key: VarBytes(key),
                    encrypted_path_secret: Vec::new(),
                })
                .collect(),
        };

        let prepared = self.prepare_merge(suite, sender, &update_path)?;
        let mark = self.mark();
        self.apply_merge(prepared);
        let encrypted = self
            .tree_hash(suite)
            .and_then(|tree_hash| Ok(group_context(&tree_hash)?))
            .and_then(|context| {
                self.encrypt_path_secrets(suite, &filtered, &path_secrets, new_members, &context)
            });
        match encrypted {
            Ok(ciphertexts) => {
                self.release(mark);
                for (path_node, ciphertexts) in update_path.nodes.iter_mut().zip(ciphertexts) {
                    path_node.encrypted_path_secret = ciphertexts;
                }
                Ok(GeneratedPath {
                    update_path,
                    private_keys,
                    commit_secret,
                    path_secrets,
                })
            }
            Err(error) => {
                self.rollback_to(mark);
                Err(error)
            }
        }
    }

    /// Encrypts each path secret to the resolution of its copath child, new members excluded
    /// (RFC 9420 §7.5-7.6). With the `parallel` feature (on by default) the encryptions, one
    /// per member in a mostly blank tree, run on every core.
    fn encrypt_path_secrets(
        &self,
        suite: &dyn CipherSuiteProvider,
        filtered: &[(NodeIndex, NodeIndex)],
        path_secrets: &[(NodeIndex, Secret)],
        new_members: &[LeafIndex],
        group_context: &[u8],
    ) -> Result<Vec<Vec<HpkeCiphertext>>, TreeError> {
        // Every (path secret, recipient key) pair, in the order of the UpdatePath.
        let mut counts = Vec::with_capacity(filtered.len());
        let mut jobs: Vec<(&Secret, &[u8])> = Vec::new();
        for (&(_, copath_child), (_, secret)) in filtered.iter().zip(path_secrets) {
            let resolution = self.resolution_excluding(copath_child, new_members)?;
            counts.push(resolution.len());
            for node in resolution {
                let key = self
                    .node(node)
                    .map(|n| n.encryption_key().as_slice())
                    .ok_or(TreeError::NodeOutOfRange { node })?;
                jobs.push((secret, key));
            }
        }
        let seal = |&(secret, key): &(&Secret, &[u8])| {
            let sealed = labeled::encrypt_with_label(
                suite,
                key,
                UPDATE_PATH_NODE_LABEL,
                group_context,
                secret.as_bytes(),
            )?;
            Ok(HpkeCiphertext {
                kem_output: VarBytes(sealed.kem_output),
                ciphertext: VarBytes(sealed.ciphertext),
            })
        };
        #[cfg(feature = "parallel")]
        let sealed: Result<Vec<HpkeCiphertext>, TreeError> = {
            use rayon::prelude::*;
            jobs.par_iter().map(seal).collect()
        };
        #[cfg(not(feature = "parallel"))]
        let sealed: Result<Vec<HpkeCiphertext>, TreeError> = jobs.iter().map(seal).collect();
        let mut sealed = sealed?.into_iter();
        Ok(counts
            .into_iter()
            .map(|count| sealed.by_ref().take(count).collect())
            .collect())
    }
}
