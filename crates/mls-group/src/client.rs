//! A client: one identity (credential and signature key) in one cipher suite, with the key
//! packages it has published, from which it creates and joins groups.

use std::collections::HashMap;
use std::sync::Arc;

use mls_codec::{
    CipherSuite, Credential, ExtensionType, KeyPackage, MlsMessage, MlsMessageBody, ProposalType,
    Psk, VarBytes,
};
use mls_crypto::{CryptoProvider, Secret, SignaturePrivateKey, Signer};
use mls_tree::RatchetTree;

use crate::group::{Group, RELEASE_ELSEWHERE_FROM, decode_message, release};
use crate::key_package::{
    KeyPackageBundle, KeyPackageOptions, create_key_package, is_last_resort, key_package_ref,
    last_resort_extension,
};
use crate::{CredentialValidator, GroupConfig, GroupError};

mod persist;

/// How long a new key package is valid: 90 days.
const KEY_PACKAGE_VALIDITY_SECONDS: u64 = 90 * 24 * 3600;

/// One identity in one cipher suite: creates groups, publishes key packages and joins groups
/// from Welcome messages.
pub struct Client {
    provider: Arc<dyn CryptoProvider>,
    cipher_suite: CipherSuite,
    credential: Credential,
    signer: Arc<dyn Signer>,
    /// The signature private key, when the client holds it (not with [`Client::with_signer`]):
    /// kept for [`Client::persist`].
    signature_private_key: Option<SignaturePrivateKey>,
    key_packages: HashMap<Vec<u8>, KeyPackageBundle>,
    config: GroupConfig,
    /// Our `application_id` (§5.3.3), put in every new leaf node.
    application_id: Option<Vec<u8>>,
    /// The custom proposal types (§13) we advertise in every new leaf node's capabilities.
    custom_proposal_types: Vec<ProposalType>,
    /// External PSKs (§8.4) known to every group we create or join from now on.
    external_psks: HashMap<Vec<u8>, Secret>,
    /// What the [`crate::Store`] holds of this client, once it holds it.
    persisted: Option<persist::PersistedClient>,
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
        let (credential, key) = fresh_basic_identity(&*provider, cipher_suite, identity)?;
        Self::with_signature_key(provider, cipher_suite, credential, &key)
    }

    /// A client with the given credential and signature private key.
    pub fn with_signature_key(
        provider: Arc<dyn CryptoProvider>,
        cipher_suite: CipherSuite,
        credential: Credential,
        signature_key: &SignaturePrivateKey,
    ) -> Result<Self, GroupError> {
        let signer = signer_for(&*provider, cipher_suite, signature_key)?;
        let mut client = Self::with_signer(provider, cipher_suite, credential, signer)?;
        client.signature_private_key = Some(signature_key.clone());
        Ok(client)
    }

    /// A client whose signature key is held elsewhere (a hardware module, a platform key
    /// store): `signer` signs for it, and its private key never reaches this library. Fails
    /// with [`GroupError::SignatureSchemeMismatch`] if `signer`'s scheme is not the suite's.
    pub fn with_signer(
        provider: Arc<dyn CryptoProvider>,
        cipher_suite: CipherSuite,
        credential: Credential,
        signer: Arc<dyn Signer>,
    ) -> Result<Self, GroupError> {
        let expected = provider.suite(cipher_suite)?.params().signature_scheme;
        if signer.signature_scheme() != expected {
            return Err(GroupError::SignatureSchemeMismatch {
                expected,
                found: signer.signature_scheme(),
            });
        }
        Ok(Self {
            provider,
            cipher_suite,
            credential,
            signer,
            signature_private_key: None,
            key_packages: HashMap::new(),
            config: GroupConfig::default(),
            application_id: None,
            custom_proposal_types: Vec::new(),
            external_psks: HashMap::new(),
            persisted: None,
        })
    }

    /// Sets our `application_id` (RFC 9420 §5.3.3), an application-defined identifier of
    /// this client that goes into the leaf node of every key package (and so every group) we
    /// create from now on, as an `application_id` extension. Other members see it in
    /// [`crate::Member::application_id`]; it stays through our updates and commits. It is
    /// not authenticated by the Authentication Service: applications must not rely on it as
    /// an identity, nor on its uniqueness.
    pub fn set_application_id(&mut self, application_id: Option<Vec<u8>>) {
        self.application_id = application_id;
    }

    /// Our `application_id` (§5.3.3), if set.
    pub fn application_id(&self) -> Option<&[u8]> {
        self.application_id.as_deref()
    }

    /// Sets the custom (non-default) proposal types (RFC 9420 §13) this client supports:
    /// from now on they are listed in the `capabilities.proposals` of our new leaf nodes, so
    /// that groups of members who all list a type may send proposals of it
    /// ([`Group::propose_custom`], §12.2). Default types (1-7) need not be listed.
    pub fn set_custom_proposal_types(&mut self, proposal_types: Vec<ProposalType>) {
        self.custom_proposal_types = proposal_types;
    }

    /// The custom proposal types this client advertises.
    pub fn custom_proposal_types(&self) -> &[ProposalType] {
        &self.custom_proposal_types
    }

    /// Registers an external pre-shared key (§8.4) once for the client: a Welcome that names
    /// it can be joined, and every group the client creates or joins from now on knows it
    /// (as if given to [`Group::add_external_psk`]).
    pub fn add_external_psk(&mut self, psk_id: &[u8], psk: Secret) {
        self.external_psks.insert(psk_id.to_vec(), psk);
    }

    /// Gives `group` the client's external PSKs.
    fn with_external_psks(&self, mut group: Group) -> Group {
        for (psk_id, psk) in &self.external_psks {
            group.add_external_psk(psk_id, psk.clone());
        }
        group
    }

    /// Sets the configuration of the groups this client creates or joins from now on, and of
    /// its new key packages (their GREASE values, [`GroupConfig::grease`]).
    pub fn set_config(&mut self, config: GroupConfig) {
        self.config = config;
    }

    /// Sets the application's authentication service for the groups this client creates or
    /// joins from now on ([`GroupConfig::credential_validator`]): every credential that
    /// enters or changes in them is checked with it (RFC 9420 §5.3.1).
    pub fn set_credential_validator(&mut self, validator: Arc<dyn CredentialValidator>) {
        self.config.credential_validator = validator;
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
        self.publish(bundle)
    }

    /// A new last-resort key package (a key package carrying the `last_resort` extension,
    /// type 0x000A, registered by IANA for MLS), as an MLSMessage to publish. Unlike an
    /// ordinary key package it may be used more than once: the client keeps its private keys
    /// after a join, so that several groups can add it while no fresh key package is
    /// available. Its reuse weakens forward secrecy for the init key: publish a fresh one
    /// regularly. [`Client::forget_key_package`] drops it.
    pub fn last_resort_key_package(&mut self) -> Result<Vec<u8>, GroupError> {
        let mut options = self.key_package_options();
        // Not a default extension type: listed in the capabilities (RFC 9420 §10).
        options
            .capabilities
            .extensions
            .push(ExtensionType::LAST_RESORT);
        options.extensions.push(last_resort_extension());
        let bundle = create_key_package(
            self.provider.suite(self.cipher_suite)?,
            &*self.signer,
            self.credential.clone(),
            options,
        )?;
        self.publish(bundle)
    }

    /// Forgets one of our key packages (an MLSMessage as returned by
    /// [`Client::key_package`] or [`Client::last_resort_key_package`]): a Welcome for it can
    /// no longer be joined. Returns whether we had it.
    pub fn forget_key_package(&mut self, key_package: &[u8]) -> Result<bool, GroupError> {
        let key_package = parse_key_package(key_package)?;
        let suite = self.provider.suite(self.cipher_suite)?;
        let reference = key_package_ref(suite, &key_package)?;
        Ok(self.key_packages.remove(reference.as_slice()).is_some())
    }

    /// Keeps a key package made elsewhere with its private keys (e.g. by
    /// [`crate::low_level::create_key_package`] with this client's signature key), as if
    /// this client had published it: a Welcome for it can then be joined with
    /// [`Client::join`], [`Client::join_reinit`] or [`Client::join_branch`]. Returns it as
    /// an MLSMessage. Its cipher suite must be the client's, and its leaf must carry the
    /// client's signature key (RFC 9420 §10).
    pub fn add_key_package(&mut self, bundle: KeyPackageBundle) -> Result<Vec<u8>, GroupError> {
        if bundle.key_package.cipher_suite != self.cipher_suite {
            return Err(GroupError::CipherSuiteMismatch {
                expected: self.cipher_suite,
                found: bundle.key_package.cipher_suite,
            });
        }
        if bundle.key_package.leaf_node.signature_key.as_slice() != self.signer.public_key() {
            return Err(GroupError::KeyPackageSignerMismatch);
        }
        self.publish(bundle)
    }

    /// Keeps a new key package's private keys and encodes it as an MLSMessage.
    fn publish(&mut self, bundle: KeyPackageBundle) -> Result<Vec<u8>, GroupError> {
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
        let group = Group::create(
            Arc::clone(&self.provider),
            Arc::clone(&self.signer),
            self.new_bundle()?,
            group_id.to_vec(),
            self.config.clone(),
        )?;
        Ok(self.with_external_psks(group))
    }

    /// Creates a group of which this client is the only member, with GroupContext
    /// `extensions` (§11), such as an `external_senders` extension (§12.1.8.1) made with
    /// [`crate::external_senders_extension`].
    pub fn create_group_with_extensions(
        &self,
        group_id: &[u8],
        extensions: Vec<mls_codec::Extension>,
    ) -> Result<Group, GroupError> {
        let group = Group::create_with_extensions(
            Arc::clone(&self.provider),
            Arc::clone(&self.signer),
            self.new_bundle()?,
            group_id.to_vec(),
            extensions,
            self.config.clone(),
        )?;
        Ok(self.with_external_psks(group))
    }

    /// Joins a group from a Welcome (an MLSMessage) made for one of our key packages
    /// (§12.4.3.1); `ratchet_tree` is the encoded tree when the Welcome does not carry it.
    /// The key package's private keys are used up.
    pub fn join(
        &mut self,
        welcome: &[u8],
        ratchet_tree: Option<&[u8]>,
    ) -> Result<Group, GroupError> {
        let message = decode_message(welcome)?;
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
        let tree = ratchet_tree
            .map(|bytes| {
                RatchetTree::from_bytes_with_max_leaves(bytes, self.config.max_tree_leaves)
            })
            .transpose()?;
        let group = Group::join_with_psks(
            Arc::clone(&self.provider),
            Arc::clone(&self.signer),
            bundle,
            &welcome,
            tree,
            self.config.clone(),
            |id| match &id.psk {
                Psk::External { psk_id } => self.external_psks.get(psk_id.as_slice()),
                Psk::Resumption { .. } => None,
            },
        );
        let large = welcome.secrets.len() >= RELEASE_ELSEWHERE_FROM;
        release(welcome, large);
        let group = self.with_external_psks(group?);
        // The key package is used up only by a successful join, and a last-resort one not
        // even then.
        if !is_last_resort(&bundle.key_package) {
            self.key_packages.remove(&reference);
        }
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
        let message = decode_message(welcome)?;
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

    /// Forgets the key package `reference`, used up by a successful join (unless it is a
    /// last-resort key package, which stays).
    pub(crate) fn remove_bundle(&mut self, reference: &[u8]) {
        if self
            .key_packages
            .get(reference)
            .is_some_and(|bundle| !is_last_resort(&bundle.key_package))
        {
            self.key_packages.remove(reference);
        }
    }

    /// The options of our new key packages and leaf nodes: valid from now, with our
    /// application id and custom proposal types, and our credential's type among the
    /// supported ones (RFC 9420 §7.2: a leaf's capabilities list its own credential type, so
    /// a client with an `x509` credential advertises `x509` beside `basic`).
    pub(crate) fn key_package_options(&self) -> KeyPackageOptions {
        let now = self.config.clock.now();
        let mut options =
            KeyPackageOptions::new(self.cipher_suite, now, KEY_PACKAGE_VALIDITY_SECONDS);
        options.application_id = self.application_id.clone();
        options.grease = self.config.grease;
        options
            .capabilities
            .proposals
            .extend_from_slice(&self.custom_proposal_types);
        let credential_type = self.credential.credential_type();
        if !options.capabilities.credentials.contains(&credential_type) {
            options.capabilities.credentials.push(credential_type);
        }
        options
    }

    pub(crate) fn new_bundle(&self) -> Result<KeyPackageBundle, GroupError> {
        create_key_package(
            self.provider.suite(self.cipher_suite)?,
            &*self.signer,
            self.credential.clone(),
            self.key_package_options(),
        )
    }
}

/// Decodes a key package sent as an MLSMessage.
pub(crate) fn parse_key_package(bytes: &[u8]) -> Result<KeyPackage, GroupError> {
    let message = decode_message(bytes)?;
    match message.body {
        MlsMessageBody::KeyPackage(key_package) => Ok(key_package),
        other => Err(GroupError::UnexpectedWireFormat(other.wire_format())),
    }
}

/// A basic credential for `identity` (§5.3) and a fresh signature private key of the suite.
pub(crate) fn fresh_basic_identity(
    provider: &dyn CryptoProvider,
    cipher_suite: CipherSuite,
    identity: &[u8],
) -> Result<(Credential, SignaturePrivateKey), GroupError> {
    let keys = provider
        .suite(cipher_suite)?
        .generate_signature_key_pair()?;
    let credential = Credential::Basic {
        identity: VarBytes::from(identity),
    };
    Ok((credential, keys.private_key))
}

/// The signer of `signature_key` in the suite, its key expanded once.
pub(crate) fn signer_for(
    provider: &dyn CryptoProvider,
    cipher_suite: CipherSuite,
    signature_key: &SignaturePrivateKey,
) -> Result<Arc<dyn Signer>, GroupError> {
    Ok(Arc::from(
        provider.suite(cipher_suite)?.signer(signature_key)?,
    ))
}
