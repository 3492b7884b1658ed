//! A future member whose every private key is known: a key package (RFC 9420 §10) made here
//! from fresh key pairs, since the vector files publish the private keys (init, encryption,
//! signature) that the group engine's own key packages never give out.

use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use mls_codec::{
    Capabilities, Credential, CredentialType, Encode, KeyPackage, LeafNode, LeafNodeSourceData,
    Lifetime, MlsMessageBody, ProtocolVersion, VarBytes,
};
use mls_crypto::{CipherSuiteProvider, HpkePrivateKey, SignaturePrivateKey, Signer, labeled};
use mls_tree::{LeafIndex, sign_leaf_node};

use super::LayerError;
use crate::hex_field::Hex;
use crate::passive_client::VECTOR_TIME;
use crate::wire::encode_message;

/// How long before the passive-client checker's fixed time ([`VECTOR_TIME`]) the key packages
/// made here are valid: a day.
const VALID_BEFORE_SECONDS: u64 = 24 * 3600;
/// How long after now they stay valid: 90 days, as the group engine's own key packages. So a
/// checker accepts them at the fixed time of the vectors and on today's clock alike.
const VALID_AFTER_SECONDS: u64 = 90 * 24 * 3600;

/// A key package and its private keys.
pub(crate) struct Member {
    /// The signature private key of the leaf.
    pub(crate) signature_key: SignaturePrivateKey,
    /// Its signer.
    pub(crate) signer: Arc<dyn Signer>,
    /// The private key of the key package's `init_key`.
    pub(crate) init_key: HpkePrivateKey,
    /// The private key of the leaf's `encryption_key`.
    pub(crate) encryption_key: HpkePrivateKey,
    /// The key package, signed.
    pub(crate) key_package: KeyPackage,
}

impl Member {
    /// A key package for a basic credential of `identity` in `suite`, with fresh keys, MLS
    /// 1.0 and basic credentials as capabilities, no extensions, valid from a day before the
    /// vectors' fixed time (July 2023) to 90 days from now.
    pub(crate) fn new(
        suite: &dyn CipherSuiteProvider,
        identity: &[u8],
    ) -> Result<Self, LayerError> {
        let signature = suite.generate_signature_key_pair()?;
        let signer: Arc<dyn Signer> = Arc::from(suite.signer(&signature.private_key)?);
        let init = suite.generate_hpke_key_pair()?;
        let encryption = suite.generate_hpke_key_pair()?;
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |elapsed| elapsed.as_secs());
        let mut leaf_node = LeafNode {
            encryption_key: VarBytes(encryption.public_key),
            signature_key: VarBytes(signature.public_key),
            credential: Credential::Basic {
                identity: VarBytes::from(identity),
            },
            capabilities: Capabilities {
                versions: vec![ProtocolVersion::MLS10],
                cipher_suites: vec![suite.cipher_suite()],
                extensions: Vec::new(),
                proposals: Vec::new(),
                credentials: vec![CredentialType::BASIC],
            },
            leaf_node_source: LeafNodeSourceData::KeyPackage(Lifetime {
                not_before: VECTOR_TIME.saturating_sub(VALID_BEFORE_SECONDS),
                not_after: now.saturating_add(VALID_AFTER_SECONDS),
            }),
            extensions: Vec::new(),
            signature: VarBytes::default(),
        };
        // A key package's leaf node is signed without group id and leaf index (§7.2).
        sign_leaf_node(&*signer, &mut leaf_node, &[], LeafIndex(0))?;
        let mut key_package = KeyPackage {
            version: ProtocolVersion::MLS10,
            cipher_suite: suite.cipher_suite(),
            init_key: VarBytes(init.public_key),
            leaf_node,
            extensions: Vec::new(),
            signature: VarBytes::default(),
        };
        let tbs = key_package.to_tbs().to_bytes()?;
        key_package.signature =
            VarBytes(labeled::sign_with_label(&*signer, "KeyPackageTBS", &tbs)?);
        Ok(Self {
            signature_key: signature.private_key,
            signer,
            init_key: init.private_key,
            encryption_key: encryption.private_key,
            key_package,
        })
    }

    /// The key package as an MLSMessage, as it is published.
    pub(crate) fn key_package_message(&self) -> Result<Vec<u8>, LayerError> {
        Ok(encode_message(MlsMessageBody::KeyPackage(
            self.key_package.clone(),
        ))?)
    }

    /// The signature private key as the vector files write it.
    pub(crate) fn signature_priv(&self) -> Hex {
        Hex::from(self.signature_key.as_bytes())
    }
}

/// `leaf_node` made into the leaf of an Update proposal (RFC 9420 §12.1.2): a fresh
/// encryption key, source `update`, signed by `signer` for `group_id` and `leaf`.
pub(crate) fn update_leaf_node(
    suite: &dyn CipherSuiteProvider,
    mut leaf_node: LeafNode,
    signer: &dyn Signer,
    group_id: &[u8],
    leaf: LeafIndex,
) -> Result<LeafNode, LayerError> {
    leaf_node.encryption_key = VarBytes(suite.generate_hpke_key_pair()?.public_key);
    leaf_node.leaf_node_source = LeafNodeSourceData::Update;
    sign_leaf_node(signer, &mut leaf_node, group_id, leaf)?;
    Ok(leaf_node)
}
