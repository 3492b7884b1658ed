//! The nodes of the ratchet tree (RFC 9420 §7.1-7.2), update paths (§7.6), and the inputs of
//! the tree hash (§7.8) and the parent hash (§7.9).

use crate::{
    CipherSuite, CodecError, Credential, CredentialType, Decode, Encode, Extension, ExtensionType,
    HpkePublicKey, ProposalType, ProtocolVersion, Reader, SignaturePublicKey, VarBytes,
};

mls_struct! {
    /// What a client supports (RFC 9420 §7.2). GREASE values (§13.5) are kept.
    pub struct Capabilities {
        /// Supported protocol versions.
        pub versions: Vec<ProtocolVersion>,
        /// Supported cipher suites.
        pub cipher_suites: Vec<CipherSuite>,
        /// Supported extension types, beyond the defaults of §7.2.
        pub extensions: Vec<ExtensionType>,
        /// Supported proposal types, beyond the defaults of §7.2.
        pub proposals: Vec<ProposalType>,
        /// Supported credential types.
        pub credentials: Vec<CredentialType>,
    }
}

mls_struct! {
    /// The validity period of a key package's leaf node (RFC 9420 §7.2), in seconds since the
    /// Unix epoch, both ends inclusive.
    pub struct Lifetime {
        /// The first second the leaf node is valid.
        pub not_before: u64,
        /// The last second the leaf node is valid.
        pub not_after: u64,
    }
}

mls_enum! {
    /// How a leaf node was created (RFC 9420 §7.2): the tag of [`LeafNodeSourceData`].
    pub enum LeafNodeSource: u8 {
        /// In a key package.
        KeyPackage = 1,
        /// In an Update proposal.
        Update = 2,
        /// In the path of a Commit.
        Commit = 3,
    }
}

/// `leaf_node_source` and the field of a leaf node that depends on it (RFC 9420 §7.2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LeafNodeSourceData {
    /// `key_package`: the leaf node's lifetime.
    KeyPackage(Lifetime),
    /// `update`: no further field.
    Update,
    /// `commit`: the parent hash (§7.9) of the leaf's parent.
    Commit(VarBytes),
}

impl LeafNodeSourceData {
    /// The `leaf_node_source` this is encoded with.
    pub fn source(&self) -> LeafNodeSource {
        match self {
            Self::KeyPackage(_) => LeafNodeSource::KeyPackage,
            Self::Update => LeafNodeSource::Update,
            Self::Commit(_) => LeafNodeSource::Commit,
        }
    }
}

impl Encode for LeafNodeSourceData {
    fn encode(&self, out: &mut Vec<u8>) -> Result<(), CodecError> {
        self.source().encode(out)?;
        match self {
            Self::KeyPackage(lifetime) => lifetime.encode(out),
            Self::Update => Ok(()),
            Self::Commit(parent_hash) => parent_hash.encode(out),
        }
    }
}

impl Decode for LeafNodeSourceData {
    fn decode(reader: &mut Reader<'_>) -> Result<Self, CodecError> {
        Ok(match LeafNodeSource::decode(reader)? {
            LeafNodeSource::KeyPackage => Self::KeyPackage(Lifetime::decode(reader)?),
            LeafNodeSource::Update => Self::Update,
            LeafNodeSource::Commit => Self::Commit(VarBytes::decode(reader)?),
        })
    }
}

#[cfg(test)]
impl crate::arbitrary::Arb for LeafNodeSourceData {
    fn arb() -> proptest::strategy::BoxedStrategy<Self> {
        use proptest::prelude::*;
        prop_oneof![
            Lifetime::arb().prop_map(Self::KeyPackage),
            Just(Self::Update),
            VarBytes::arb().prop_map(Self::Commit),
        ]
        .boxed()
    }
}

mls_struct! {
    /// A leaf node (RFC 9420 §7.2): a member's keys, credential and capabilities, signed by
    /// the member.
    pub struct LeafNode {
        /// The leaf's HPKE public key.
        pub encryption_key: HpkePublicKey,
        /// The member's signature key.
        pub signature_key: SignaturePublicKey,
        /// The member's credential.
        pub credential: Credential,
        /// What the member's client supports.
        pub capabilities: Capabilities,
        /// `leaf_node_source` and the field that depends on it.
        pub leaf_node_source: LeafNodeSourceData,
        /// The leaf's extensions.
        pub extensions: Vec<Extension>,
        /// SignWithLabel(., "LeafNodeTBS", LeafNodeTBS).
        pub signature: VarBytes,
    }
}

impl LeafNode {
    /// The signed part of this leaf node (RFC 9420 §7.2). `location` must be given exactly
    /// when the source is `update` or `commit`.
    pub fn to_tbs(&self, location: Option<LeafNodeLocation>) -> LeafNodeTbs {
        LeafNodeTbs {
            encryption_key: self.encryption_key.clone(),
            signature_key: self.signature_key.clone(),
            credential: self.credential.clone(),
            capabilities: self.capabilities.clone(),
            leaf_node_source: self.leaf_node_source.clone(),
            extensions: self.extensions.clone(),
            location,
        }
    }
}

/// An encoded leaf node split where its signature starts (RFC 9420 §7.2), read by
/// [`LeafNode::split_signed`] without decoding its fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SignedLeafNode<'a> {
    /// The encoding of every field but the signature: the start of the LeafNodeTBS, which
    /// for the `update` and `commit` sources goes on with the [`LeafNodeLocation`].
    pub signed: &'a [u8],
    /// The signature key.
    pub signature_key: &'a [u8],
    /// The leaf node's source.
    pub source: LeafNodeSource,
    /// The signature.
    pub signature: &'a [u8],
}

impl LeafNode {
    /// Reads past an encoded leaf node as [`LeafNode::decode`] would and returns its parts
    /// that a signature check needs, as slices of the input: a leaf node's signature can be
    /// verified from its encoding while the node is decoded elsewhere. Only the field
    /// structure is read (vector lengths, the credential type, the source); the bytes inside
    /// the vectors are not checked, so decode the same bytes with [`LeafNode::decode`] to use
    /// the leaf node.
    pub fn split_signed<'a>(reader: &mut Reader<'a>) -> Result<SignedLeafNode<'a>, CodecError> {
        let start = reader.remaining();
        reader.read_vector_body()?; // encryption_key
        let signature_key = reader.read_vector_body()?.read_rest();
        match CredentialType::decode(reader)? {
            CredentialType::BASIC | CredentialType::X509 => {
                reader.read_vector_body()?; // identity, certificates
            }
            other => {
                return Err(CodecError::UnsupportedValue {
                    type_name: "CredentialType",
                    value: other.0.into(),
                });
            }
        }
        for _capability_list in 0..5 {
            reader.read_vector_body()?;
        }
        let source = LeafNodeSource::decode(reader)?;
        match source {
            LeafNodeSource::KeyPackage => {
                reader.read_bytes(16)?; // lifetime
            }
            LeafNodeSource::Update => {}
            LeafNodeSource::Commit => {
                reader.read_vector_body()?; // parent_hash
            }
        }
        reader.read_vector_body()?; // extensions
        let signed = &start[..start.len() - reader.remaining().len()];
        let signature = reader.read_vector_body()?.read_rest();
        Ok(SignedLeafNode {
            signed,
            signature_key,
            source,
            signature,
        })
    }
}

mls_struct! {
    /// The group and leaf a leaf node is signed for, part of [`LeafNodeTbs`] for the
    /// `update` and `commit` sources (RFC 9420 §7.2).
    pub struct LeafNodeLocation {
        /// The group's identifier.
        pub group_id: VarBytes,
        /// The leaf's index.
        pub leaf_index: u32,
    }
}

/// `LeafNodeTBS` (RFC 9420 §7.2): what a leaf node's signature covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeafNodeTbs {
    /// The leaf's HPKE public key.
    pub encryption_key: HpkePublicKey,
    /// The member's signature key.
    pub signature_key: SignaturePublicKey,
    /// The member's credential.
    pub credential: Credential,
    /// What the member's client supports.
    pub capabilities: Capabilities,
    /// `leaf_node_source` and the field that depends on it.
    pub leaf_node_source: LeafNodeSourceData,
    /// The leaf's extensions.
    pub extensions: Vec<Extension>,
    /// `group_id` and `leaf_index`: present exactly for the `update` and `commit` sources.
    pub location: Option<LeafNodeLocation>,
}

impl Encode for LeafNodeTbs {
    fn encode(&self, out: &mut Vec<u8>) -> Result<(), CodecError> {
        self.encryption_key.encode(out)?;
        self.signature_key.encode(out)?;
        self.credential.encode(out)?;
        self.capabilities.encode(out)?;
        self.leaf_node_source.encode(out)?;
        self.extensions.encode(out)?;
        match (self.leaf_node_source.source(), &self.location) {
            (LeafNodeSource::KeyPackage, None) => Ok(()),
            (LeafNodeSource::Update | LeafNodeSource::Commit, Some(location)) => {
                location.encode(out)
            }
            (LeafNodeSource::KeyPackage, Some(_)) => Err(CodecError::InvalidField {
                field: "LeafNodeTBS.group_id",
                reason: "must be absent for a key_package leaf node",
            }),
            (LeafNodeSource::Update | LeafNodeSource::Commit, None) => {
                Err(CodecError::InvalidField {
                    field: "LeafNodeTBS.group_id",
                    reason: "must be present for an update or commit leaf node",
                })
            }
        }
    }
}

impl Decode for LeafNodeTbs {
    fn decode(reader: &mut Reader<'_>) -> Result<Self, CodecError> {
        let encryption_key = Decode::decode(reader)?;
        let signature_key = Decode::decode(reader)?;
        let credential = Decode::decode(reader)?;
        let capabilities = Decode::decode(reader)?;
        let leaf_node_source = LeafNodeSourceData::decode(reader)?;
        let extensions = Decode::decode(reader)?;
        let location = match leaf_node_source.source() {
            LeafNodeSource::KeyPackage => None,
            LeafNodeSource::Update | LeafNodeSource::Commit => {
                Some(LeafNodeLocation::decode(reader)?)
            }
        };
        Ok(Self {
            encryption_key,
            signature_key,
            credential,
            capabilities,
            leaf_node_source,
            extensions,
            location,
        })
    }
}

#[cfg(test)]
impl crate::arbitrary::Arb for LeafNodeTbs {
    fn arb() -> proptest::strategy::BoxedStrategy<Self> {
        use proptest::prelude::*;
        (LeafNode::arb(), LeafNodeLocation::arb())
            .prop_map(|(leaf, location)| {
                let location = match leaf.leaf_node_source.source() {
                    LeafNodeSource::KeyPackage => None,
                    LeafNodeSource::Update | LeafNodeSource::Commit => Some(location),
                };
                leaf.to_tbs(location)
            })
            .boxed()
    }
}

mls_struct! {
    /// A parent node (RFC 9420 §7.1).
    pub struct ParentNode {
        /// The node's HPKE public key.
        pub encryption_key: HpkePublicKey,
        /// The parent hash (§7.9) of this node's parent.
        pub parent_hash: VarBytes,
        /// The leaves below this node that do not know its private key, in increasing order.
        pub unmerged_leaves: Vec<u32>,
    }
}

mls_enum! {
    /// The kind of a tree node (RFC 9420 §7.8).
    pub enum NodeType: u8 {
        /// A leaf node.
        Leaf = 1,
        /// A parent node.
        Parent = 2,
    }
}

/// A non-blank node of the ratchet tree (RFC 9420 §12.4.3.3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Node {
    /// `leaf`.
    Leaf(LeafNode),
    /// `parent`.
    Parent(ParentNode),
}

impl Node {
    /// The `node_type` this node is encoded with.
    pub fn node_type(&self) -> NodeType {
        match self {
            Self::Leaf(_) => NodeType::Leaf,
            Self::Parent(_) => NodeType::Parent,
        }
    }
}

impl Encode for Node {
    fn encode(&self, out: &mut Vec<u8>) -> Result<(), CodecError> {
        self.node_type().encode(out)?;
        match self {
            Self::Leaf(leaf) => leaf.encode(out),
            Self::Parent(parent) => parent.encode(out),
        }
    }
}

impl Decode for Node {
    fn decode(reader: &mut Reader<'_>) -> Result<Self, CodecError> {
        Ok(match NodeType::decode(reader)? {
            NodeType::Leaf => Self::Leaf(LeafNode::decode(reader)?),
            NodeType::Parent => Self::Parent(ParentNode::decode(reader)?),
        })
    }
}

#[cfg(test)]
impl crate::arbitrary::Arb for Node {
    fn arb() -> proptest::strategy::BoxedStrategy<Self> {
        use proptest::prelude::*;
        prop_oneof![
            LeafNode::arb().prop_map(Self::Leaf),
            ParentNode::arb().prop_map(Self::Parent),
        ]
        .boxed()
    }
}

mls_struct! {
    /// An HPKE ciphertext (RFC 9420 §7.6), as produced by EncryptWithLabel.
    pub struct HpkeCiphertext {
        /// The KEM output (the encapsulated key).
        pub kem_output: VarBytes,
        /// The AEAD ciphertext.
        pub ciphertext: VarBytes,
    }
}

mls_struct! {
    /// One parent node of an update path (RFC 9420 §7.6).
    pub struct UpdatePathNode {
        /// The node's new HPKE public key.
        pub encryption_key: HpkePublicKey,
        /// The node's path secret, encrypted to each node of the copath child's resolution.
        pub encrypted_path_secret: Vec<HpkeCiphertext>,
    }
}

mls_struct! {
    /// An update path (RFC 9420 §7.6): the committer's new leaf and the new keys along its
    /// filtered direct path.
    pub struct UpdatePath {
        /// The committer's new leaf node.
        pub leaf_node: LeafNode,
        /// One entry per node of the filtered direct path, leaf to root.
        pub nodes: Vec<UpdatePathNode>,
    }
}

mls_struct! {
    /// The tree-hash input of a leaf (RFC 9420 §7.8).
    pub struct LeafNodeHashInput {
        /// The leaf's index.
        pub leaf_index: u32,
        /// The leaf node, absent if blank.
        pub leaf_node: Option<LeafNode>,
    }
}

mls_struct! {
    /// The tree-hash input of a parent (RFC 9420 §7.8).
    pub struct ParentNodeHashInput {
        /// The parent node, absent if blank.
        pub parent_node: Option<ParentNode>,
        /// The tree hash of the left child.
        pub left_hash: VarBytes,
        /// The tree hash of the right child.
        pub right_hash: VarBytes,
    }
}

/// `TreeHashInput` (RFC 9420 §7.8): what the tree hash of a node hashes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TreeHashInput {
    /// `leaf`.
    Leaf(LeafNodeHashInput),
    /// `parent`.
    Parent(ParentNodeHashInput),
}

impl TreeHashInput {
    /// The `node_type` this input is encoded with.
    pub fn node_type(&self) -> NodeType {
        match self {
            Self::Leaf(_) => NodeType::Leaf,
            Self::Parent(_) => NodeType::Parent,
        }
    }
}

impl Encode for TreeHashInput {
    fn encode(&self, out: &mut Vec<u8>) -> Result<(), CodecError> {
        self.node_type().encode(out)?;
        match self {
            Self::Leaf(leaf) => leaf.encode(out),
            Self::Parent(parent) => parent.encode(out),
        }
    }
}

impl Decode for TreeHashInput {
    fn decode(reader: &mut Reader<'_>) -> Result<Self, CodecError> {
        Ok(match NodeType::decode(reader)? {
            NodeType::Leaf => Self::Leaf(Decode::decode(reader)?),
            NodeType::Parent => Self::Parent(Decode::decode(reader)?),
        })
    }
}

#[cfg(test)]
impl crate::arbitrary::Arb for TreeHashInput {
    fn arb() -> proptest::strategy::BoxedStrategy<Self> {
        use proptest::prelude::*;
        prop_oneof![
            LeafNodeHashInput::arb().prop_map(Self::Leaf),
            ParentNodeHashInput::arb().prop_map(Self::Parent),
        ]
        .boxed()
    }
}

mls_struct! {
    /// `ParentHashInput` (RFC 9420 §7.9): what the parent hash of a parent node hashes.
    pub struct ParentHashInput {
        /// The parent's HPKE public key.
        pub encryption_key: HpkePublicKey,
        /// The parent hash of the next node up the filtered direct path (empty at the root).
        pub parent_hash: VarBytes,
        /// The tree hash of the copath child, as it was when the parent was set.
        pub original_sibling_tree_hash: VarBytes,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::arbitrary::{Arb, assert_round_trip};
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn capabilities_round_trip(value in Capabilities::arb()) { assert_round_trip(&value)?; }
        #[test]
        fn lifetime_round_trips(value in Lifetime::arb()) { assert_round_trip(&value)?; }
        #[test]
        fn leaf_node_source_round_trips(value in LeafNodeSource::arb()) { assert_round_trip(&value)?; }
        #[test]
        fn leaf_node_source_data_round_trips(value in LeafNodeSourceData::arb()) {
            assert_round_trip(&value)?;
        }
        #[test]
        fn leaf_node_round_trips(value in LeafNode::arb()) { assert_round_trip(&value)?; }
        #[test]
        fn leaf_node_location_round_trips(value in LeafNodeLocation::arb()) {
            assert_round_trip(&value)?;
        }
        #[test]
        fn leaf_node_tbs_round_trips(value in LeafNodeTbs::arb()) { assert_round_trip(&value)?; }
        #[test]
        fn parent_node_round_trips(value in ParentNode::arb()) { assert_round_trip(&value)?; }
        #[test]
        fn node_type_round_trips(value in NodeType::arb()) { assert_round_trip(&value)?; }
        #[test]
        fn node_round_trips(value in Node::arb()) { assert_round_trip(&value)?; }
        #[test]
        fn hpke_ciphertext_round_trips(value in HpkeCiphertext::arb()) { assert_round_trip(&value)?; }
        #[test]
        fn update_path_node_round_trips(value in UpdatePathNode::arb()) { assert_round_trip(&value)?; }
        #[test]
        fn update_path_round_trips(value in UpdatePath::arb()) { assert_round_trip(&value)?; }
        #[test]
        fn leaf_node_hash_input_round_trips(value in LeafNodeHashInput::arb()) {
            assert_round_trip(&value)?;
        }
        #[test]
        fn parent_node_hash_input_round_trips(value in ParentNodeHashInput::arb()) {
            assert_round_trip(&value)?;
        }
        #[test]
        fn tree_hash_input_round_trips(value in TreeHashInput::arb()) { assert_round_trip(&value)?; }
        #[test]
        fn parent_hash_input_round_trips(value in ParentHashInput::arb()) {
            assert_round_trip(&value)?;
        }
    }

    #[test]
    fn invalid_node_type_is_rejected() {
        for value in [0u8, 3] {
            assert_eq!(
                Node::from_bytes(&[value]),
                Err(CodecError::InvalidEnumValue {
                    type_name: "NodeType",
                    value: value.into(),
                })
            );
        }
    }

    proptest! {
        /// The split of an encoded leaf node gives its LeafNodeTBS (with the location for the
        /// sources that have one), its key and its signature, and reads exactly the node.
        #[test]
        fn split_signed_reads_the_leaf_node_as_decode_does(
            leaf in LeafNode::arb(),
            location in LeafNodeLocation::arb(),
            trailing in any::<u8>(),
        ) {
            let mut bytes = leaf.to_bytes().unwrap();
            bytes.push(trailing);
            let mut reader = Reader::new(&bytes);
            let split = LeafNode::split_signed(&mut reader).unwrap();
            prop_assert_eq!(reader.remaining(), &[trailing][..]);
            prop_assert_eq!(split.signature_key, leaf.signature_key.as_slice());
            prop_assert_eq!(split.signature, leaf.signature.as_slice());
            prop_assert_eq!(split.source, leaf.leaf_node_source.source());
            let location = match split.source {
                LeafNodeSource::KeyPackage => None,
                LeafNodeSource::Update | LeafNodeSource::Commit => Some(location),
            };
            let mut tbs = split.signed.to_vec();
            if let Some(location) = &location {
                location.encode(&mut tbs).unwrap();
            }
            prop_assert_eq!(tbs, leaf.to_tbs(location).to_bytes().unwrap());
        }

        /// Cut anywhere, an encoded leaf node fails to split as it fails to decode.
        #[test]
        fn split_signed_fails_on_a_truncated_leaf_node(leaf in LeafNode::arb(), cut in any::<prop::sample::Index>()) {
            let bytes = leaf.to_bytes().unwrap();
            let truncated = &bytes[..cut.index(bytes.len())];
            prop_assert!(LeafNode::split_signed(&mut Reader::new(truncated)).is_err());
        }
    }

    #[test]
    fn split_signed_refuses_an_unknown_credential_type() {
        // Empty encryption and signature keys, then credential type 0x7777.
        let bytes = [0, 0, 0x77, 0x77, 0];
        assert_eq!(
            LeafNode::split_signed(&mut Reader::new(&bytes)),
            Err(CodecError::UnsupportedValue {
                type_name: "CredentialType",
                value: 0x7777,
            })
        );
    }

    #[test]
    fn invalid_leaf_node_source_is_rejected() {
        assert_eq!(
            LeafNodeSourceData::from_bytes(&[4]),
            Err(CodecError::InvalidEnumValue {
                type_name: "LeafNodeSource",
                value: 4,
            })
        );
    }

    #[test]
    fn leaf_node_tbs_location_must_match_source() {
        let leaf = LeafNode {
            encryption_key: VarBytes::from(b"e"),
            signature_key: VarBytes::from(b"s"),
            credential: Credential::Basic {
                identity: VarBytes::from(b"id"),
            },
            capabilities: Capabilities {
                versions: vec![ProtocolVersion::MLS10],
                cipher_suites: vec![],
                extensions: vec![],
                proposals: vec![],
                credentials: vec![CredentialType::BASIC],
            },
            leaf_node_source: LeafNodeSourceData::Update,
            extensions: vec![],
            signature: VarBytes::default(),
        };
        assert!(matches!(
            leaf.to_tbs(None).to_bytes(),
            Err(CodecError::InvalidField { .. })
        ));
        let location = LeafNodeLocation {
            group_id: VarBytes::from(b"g"),
            leaf_index: 3,
        };
        let tbs = leaf.to_tbs(Some(location.clone()));
        let bytes = tbs.to_bytes().unwrap();
        assert!(bytes.ends_with(&[1, b'g', 0, 0, 0, 3]));
        assert_eq!(LeafNodeTbs::from_bytes(&bytes), Ok(tbs));

        let key_package_leaf = LeafNode {
            leaf_node_source: LeafNodeSourceData::KeyPackage(Lifetime {
                not_before: 0,
                not_after: u64::MAX,
            }),
            ..leaf
        };
        assert!(matches!(
            key_package_leaf.to_tbs(Some(location)).to_bytes(),
            Err(CodecError::InvalidField { .. })
        ));
    }
}
