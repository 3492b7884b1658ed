//! A client: one identity (credential and signature key) in one cipher suite, with the key
//! packages it has published, from which it creates and joins groups.

use std::collections::HashMap;
use std::sync::Arc;

use mls_codec::{
    CipherSuite, Credential, Decode, KeyPackage, MlsMessage, MlsMessageBody, VarBytes,
};
use mls_crypto::{CryptoProvider, SignaturePrivateKey, Signer};
use mls_tree::RatchetTree;

use crate::group::Group;
use crate::key_package::{
    KeyPackageBundle, KeyPackageOptions, create_key_package, key_package_ref,
};
use crate::{GroupConfig, GroupError};

/// How long a new key package is valid: 90 days.
const KEY_PACKAGE_VALIDITY_SECONDS: u64 = 90 * 24 * 3600;

/// One identity in one cipher suite: creates groups, publishes key packages and joins groups
/// from Welcome messages.
pub struct Client {
    provider: Arc<dyn CryptoProvider>,
    cipher_suite: CipherSuite,
    credential: Credential,
    signer: Arc<dyn Signer>,
    key_packages: HashMap<Vec<u8>, KeyPackageBundle>,
    config: GroupConfig,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("cipher_suite", &self.cipher_suite)
            .field("credential", &self.credential)
            .field("key_packages", &self.key_packages.len())
            .finish_non_exhaustive()
    }
}

impl Client {
    /// A client with a basic credential for `identity` (§5.3) and a fresh signature key.
    pub fn new(
        provider: Arc<dyn CryptoProvider>,
        cipher_suite: CipherSuite,
        identity: &[u8],
    ) -> Result<Self, GroupError> {
        let keys = provider
            .suite(cipher_suite)?
            .generate_signature_key_pair()?;
        let credential = Credential::Basic {
            identity: VarBytes::from(identity),
        };
        Self::with_signature_key(provider, cipher_suite, credential, &keys.private_key)
    }

    /// A client with the given credential and signature private key.
    pub fn with_signature_key(
        provider: Arc<dyn CryptoProvider>,
        cipher_suite: CipherSuite,
        credential: Credential,
        signature_key: &SignaturePrivateKey,
    ) -> Result<Self, GroupError> {
        let signer: Arc<dyn Signer> =
            Arc::from(provider.suite(cipher_suite)?.signer(signature_key)?);
        Ok(Self {
            provider,
            cipher_suite,
            credential,
            signer,
            key_packages: HashMap::new(),
            config: GroupConfig::default(),
        })
    }

    /// Sets the configuration of the groups this client creates or joins from now on.
    pub fn set_config(&mut self, config: GroupConfig) {
        self.config = config;
    }

    /// The client's credential.
    pub fn credential(&self) -> &Credential {
        &self.credential
    }

    /// The client's signature public key.
    pub fn signature_key(&self) -> &[u8] {
        self.signer.public_key()
    }

    /// A new key package (§10), as an MLSMessage to publish. The client keeps its private keys
    /// until a Welcome for it arrives.
    pub fn key_package(&mut self) -> Result<Vec<u8>, GroupError> {
        let bundle = self.new_bundle()?;
        let suite = self.provider.suite(self.cipher_suite)?;
        let reference = key_package_ref(suite, &bundle.key_package)?;
        let message = MlsMessage {
            version: mls_codec::ProtocolVersion::MLS10,
            body: MlsMessageBody::KeyPackage(bundle.key_package.clone()),
        };
        let bytes = mls_codec::Encode::to_bytes(&message)?;
        self.key_packages.insert(reference.into_vec(), bundle);
        Ok(bytes)
    }

    /// Creates a group of which this client is the only member (§11).
    pub fn create_group(&self, group_id: &[u8]) -> Result<Group, GroupError> {
        Group::create(
            Arc::clone(&self.provider),
            Arc::clone(&self.signer),
            self.new_bundle()?,
            group_id.to_vec(),
            self.config.clone(),
        )
    }

    /// Creates a group of which this client is the only member, with GroupContext
    /// `extensions` (§11), such as an `external_senders` extension (§12.1.8.1) made with
    /// [`crate::external_senders_extension`].
    pub fn create_group_with_extensions(
        &self,
        group_id: &[u8],
        extensions: Vec<mls_codec::Extension>,
    ) -> Result<Group, GroupError> {
        Group::create_with_extensions(
            Arc::clone(&self.provider),
            Arc::clone(&self.signer),
            self.new_bundle()?,
            group_id.to_vec(),
            extensions,
            self.config.clone(),
        )
    }

    /// Joins a group from a Welcome (an MLSMessage) made for one of our key packages
    /// (§12.4.3.1); `ratchet_tree` is the encoded tree when the Welcome does not carry it.
    /// The key package's private keys are used up.
    pub fn join(
        &mut self,
        welcome: &[u8],
        ratchet_tree: Option<&[u8]>,
    ) -> Result<Group, GroupError> {
        let message = MlsMessage::from_bytes(welcome)?;
        let MlsMessageBody::Welcome(welcome) = message.body else {
            return Err(GroupError::UnexpectedWireFormat(message.body.wire_format()));
        };
        let reference = welcome
            .secrets
            .iter()
            .map(|secrets| secrets.new_member.as_slice())
            .find(|reference| self.key_packages.contains_key(*reference))
            .ok_or(GroupError::NoMatchingKeyPackage)?
            .to_vec();
        let bundle = self
            .key_packages
            .get(&reference)
            .ok_or(GroupError::NoMatchingKeyPackage)?;
        let tree = ratchet_tree.map(RatchetTree::from_bytes).transpose()?;
        let group = Group::join(
            Arc::clone(&self.provider),
            Arc::clone(&self.signer),
            bundle,
            &welcome,
            tree,
            self.config.clone(),
        )?;
        // The key package is used up only by a successful join.
        self.key_packages.remove(&reference);
        Ok(group)
    }

    /// The client's crypto provider.
    pub(crate) fn provider(&self) -> &Arc<dyn CryptoProvider> {
        &self.provider
    }

    /// The client's signer.
    pub(crate) fn signer(&self) -> &Arc<dyn Signer> {
        &self.signer
    }

    /// The client's cipher suite.
    pub fn cipher_suite(&self) -> CipherSuite {
        self.cipher_suite
    }

    /// The configuration of the groups this client creates or joins.
    pub(crate) fn config(&self) -> &GroupConfig {
        &self.config
    }

    /// Keeps the private keys of a key package we published, until a Welcome uses them up.
    pub(crate) fn store_bundle(&mut self, bundle: KeyPackageBundle) -> Result<(), GroupError> {
        let suite = self.provider.suite(self.cipher_suite)?;
        let reference = key_package_ref(suite, &bundle.key_package)?;
        self.key_packages.insert(reference.into_vec(), bundle);
        Ok(())
    }

    /// The reference and bundle of the key package a Welcome (an MLSMessage) was made for.
    pub(crate) fn welcome_bundle(
        &self,
        welcome: &[u8],
    ) -> Result<(mls_codec::Welcome, Vec<u8>, &KeyPackageBundle), GroupError> {
        let message = MlsMessage::from_bytes(welcome)?;
        let MlsMessageBody::Welcome(welcome) = message.body else {
            return Err(GroupError::UnexpectedWireFormat(message.body.wire_format()));
        };
        let (reference, bundle) = welcome
            .secrets
            .iter()
            .find_map(|secrets| {
                self.key_packages
                    .get_key_value(secrets.new_member.as_slice())
            })
            .ok_or(GroupError::NoMatchingKeyPackage)?;
        Ok((welcome, reference.clone(), bundle))
    }

    /// Forgets the key package `reference`, used up by a successful join.
    pub(crate) fn remove_bundle(&mut self, reference: &[u8]) {
        self.key_packages.remove(reference);
    }

    pub(crate) fn new_bundle(&self) -> Result<KeyPackageBundle, GroupError> {
        let suite = self.provider.suite(self.cipher_suite)?;
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        create_key_package(
            suite,
            &*self.signer,
            self.credential.clone(),
            KeyPackageOptions::new(self.cipher_suite, now, KEY_PACKAGE_VALIDITY_SECONDS),
        )
    }
}

/// Decodes a key package sent as an MLSMessage.
pub(crate) fn parse_key_package(bytes: &[u8]) -> Result<KeyPackage, GroupError> {
    let message = MlsMessage::from_bytes(bytes)?;
    match message.body {
        MlsMessageBody::KeyPackage(key_package) => Ok(key_package),
        other => Err(GroupError::UnexpectedWireFormat(other.wire_format())),
    }
}
