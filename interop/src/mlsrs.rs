//! The mls-rs 0.57 adapter, on its RustCrypto provider.

use std::convert::Infallible;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use mls_rs::client_builder::{MlsConfig, PaddingMode};
use mls_rs::external_client::builder::MlsConfig as ExternalMlsConfig;
use mls_rs::external_client::{ExternalClient, ExternalGroup};
use mls_rs::group::{
    CommitEffect, ExportedTree, GroupContext, ReceivedMessage, ReinitClient, Roster,
};
use mls_rs::identity::SigningIdentity;
use mls_rs::identity::basic::{BasicCredential, BasicIdentityProvider};
use mls_rs::mls_rules::{
    CommitDirection, CommitOptions, CommitSource, EncryptionOptions, ProposalBundle,
};
use mls_rs::psk::{ExternalPskId, PreSharedKey};
use mls_rs::storage_provider::in_memory::InMemoryPreSharedKeyStorage;
use mls_rs::{
    CipherSuite, CipherSuiteProvider, CryptoProvider, Extension, ExtensionList, MlsMessage,
    MlsRules, ProtocolVersion,
};
use mls_rs_crypto_rustcrypto::RustCryptoProvider;

use crate::{Commit, Error, PSK, PSK_ID, Received, Result, failed};

/// mls-rs 0.57 with `mls-rs-crypto-rustcrypto`, basic credentials and default features.
/// Its rules: every commit carries a path, one Welcome per commit, handshake messages
/// encrypted, and the ratchet tree in the Welcome as [`crate::Client::set_tree_in_welcome`]
/// says.
pub struct MlsRs;

impl crate::Implementation for MlsRs {
    fn name(&self) -> &'static str {
        "mls-rs"
    }

    fn supports(&self, suite: u16) -> bool {
        RustCryptoProvider::default()
            .cipher_suite_provider(CipherSuite::from(suite))
            .is_some()
    }

    fn external_sender(&self, suite: u16, identity: &[u8]) -> Box<dyn crate::ExternalSender> {
        let crypto = RustCryptoProvider::default();
        let suite = CipherSuite::from(suite);
        let (secret, public) = crypto
            .cipher_suite_provider(suite)
            .expect("a supported suite")
            .signature_key_generate()
            .expect("a key pair");
        let signing_identity = SigningIdentity::new(
            BasicCredential::new(identity.to_vec()).into_credential(),
            public.clone(),
        );
        let client = ExternalClient::builder()
            .identity_provider(BasicIdentityProvider)
            .crypto_provider(crypto)
            .signer(secret, signing_identity)
            .build();
        Box::new(MlsRsExternalSender {
            client,
            signature_key: public.to_vec(),
        })
    }

    fn client(&self, suite: u16, identity: &[u8]) -> Box<dyn crate::Client> {
        let tree_in_welcome = Arc::new(AtomicBool::new(true));
        let psks = InMemoryPreSharedKeyStorage::default();
        Box::new(MlsRsClient {
            client: client(
                suite,
                identity,
                Rules(Arc::clone(&tree_in_welcome)),
                psks.clone(),
            ),
            tree_in_welcome,
            psks,
        })
    }
}

/// The commit and encryption rules, with a switch for the ratchet tree in Welcomes.
#[derive(Debug, Clone)]
struct Rules(Arc<AtomicBool>);

impl MlsRules for Rules {
    type Error = Infallible;

    fn filter_proposals(
        &self,
        _: CommitDirection,
        _: CommitSource,
        _: &Roster,
        _: &GroupContext,
        proposals: ProposalBundle,
    ) -> std::result::Result<ProposalBundle, Infallible> {
        Ok(proposals)
    }

    fn commit_options(
        &self,
        _: &Roster,
        _: &GroupContext,
        _: &ProposalBundle,
    ) -> std::result::Result<CommitOptions, Infallible> {
        Ok(CommitOptions::new()
            .with_path_required(true)
            .with_ratchet_tree_extension(self.0.load(Ordering::Relaxed))
            .with_single_welcome_message(true))
    }

    fn encryption_options(
        &self,
        _: &Roster,
        _: &GroupContext,
    ) -> std::result::Result<EncryptionOptions, Infallible> {
        Ok(EncryptionOptions::new(true, PaddingMode::None))
    }
}

fn client(
    suite: u16,
    identity: &[u8],
    rules: Rules,
    psks: InMemoryPreSharedKeyStorage,
) -> mls_rs::Client<impl MlsConfig + use<>> {
    let crypto = RustCryptoProvider::default();
    let suite = CipherSuite::from(suite);
    let (secret, public) = crypto
        .cipher_suite_provider(suite)
        .expect("a supported suite")
        .signature_key_generate()
        .expect("a key pair");
    let identity = SigningIdentity::new(
        BasicCredential::new(identity.to_vec()).into_credential(),
        public,
    );
    mls_rs::Client::builder()
        .identity_provider(BasicIdentityProvider)
        .crypto_provider(crypto)
        .mls_rules(rules)
        .psk_store(psks)
        .signing_identity(identity, secret, suite)
        .build()
}

struct MlsRsClient<C: MlsConfig> {
    client: mls_rs::Client<C>,
    tree_in_welcome: Arc<AtomicBool>,
    /// The client's PSK store (shared with it).
    psks: InMemoryPreSharedKeyStorage,
}

fn read(bytes: &[u8]) -> Result<MlsMessage> {
    MlsMessage::from_bytes(bytes).map_err(failed("decode MLSMessage"))
}

fn wire(message: &MlsMessage) -> Result<Vec<u8>> {
    message.to_bytes().map_err(failed("encode MLSMessage"))
}

fn tree(bytes: Option<&[u8]>) -> Result<Option<ExportedTree<'static>>> {
    bytes
        .map(|bytes| ExportedTree::from_bytes(bytes).map_err(failed("decode tree")))
        .transpose()
}

fn psk_id() -> ExternalPskId {
    ExternalPskId::new(PSK_ID.to_vec())
}

impl<C: MlsConfig + 'static> crate::Client for MlsRsClient<C> {
    fn key_package(&mut self) -> Result<Vec<u8>> {
        let message = self
            .client
            .generate_key_package_message(ExtensionList::new(), ExtensionList::new(), None)
            .map_err(failed("key package"))?;
        wire(&message)
    }

    fn create_group(
        &mut self,
        group_id: &[u8],
        external_senders: Option<&[u8]>,
    ) -> Result<Box<dyn crate::Member>> {
        let mut extensions = ExtensionList::new();
        if let Some(data) = external_senders {
            extensions.set(Extension::new(5.into(), data.to_vec()));
        }
        let group = self
            .client
            .create_group_with_id(group_id.to_vec(), extensions, ExtensionList::new(), None)
            .map_err(failed("create group"))?;
        Ok(self.member(group))
    }

    fn join(
        &mut self,
        welcome: &[u8],
        tree_bytes: Option<&[u8]>,
    ) -> Result<Box<dyn crate::Member>> {
        let (group, _) = self
            .client
            .join_group(tree(tree_bytes)?, &read(welcome)?, None)
            .map_err(failed("join"))?;
        Ok(self.member(group))
    }

    fn external_join(
        &mut self,
        group_info: &[u8],
        tree_bytes: Option<&[u8]>,
        resync: Option<u32>,
        psk: bool,
    ) -> Result<(Box<dyn crate::Member>, Vec<u8>)> {
        let mut builder = self
            .client
            .external_commit_builder()
            .map_err(failed("external commit builder"))?;
        if let Some(tree) = tree(tree_bytes)? {
            builder = builder.with_tree_data(tree);
        }
        if let Some(leaf) = resync {
            builder = builder.with_removal(leaf);
        }
        if psk {
            builder = builder.with_external_psk(psk_id());
        }
        let (group, commit) = builder
            .build(read(group_info)?)
            .map_err(failed("external commit"))?;
        Ok((self.member(group), wire(&commit)?))
    }

    fn set_tree_in_welcome(&mut self, with_tree: bool) {
        self.tree_in_welcome.store(with_tree, Ordering::Relaxed);
    }

    fn register_psk(&mut self) -> Result<()> {
        self.psks.insert(psk_id(), PreSharedKey::new(PSK.to_vec()));
        Ok(())
    }
}

struct MlsRsMember<C: MlsConfig> {
    /// The group; given up to a [`ReinitClient`] once a ReInit is merged (mls-rs consumes it).
    group: Option<mls_rs::Group<C>>,
    /// After a ReInit, what creates or joins the successor group.
    reinit: Option<ReinitClient<C>>,
    client: mls_rs::Client<C>,
    tree_in_welcome: Arc<AtomicBool>,
}

impl<C: MlsConfig + 'static> MlsRsClient<C> {
    fn member(&self, group: mls_rs::Group<C>) -> Box<dyn crate::Member> {
        member(&self.client, &self.tree_in_welcome, group)
    }
}

fn member<C: MlsConfig + 'static>(
    client: &mls_rs::Client<C>,
    tree_in_welcome: &Arc<AtomicBool>,
    group: mls_rs::Group<C>,
) -> Box<dyn crate::Member> {
    Box::new(MlsRsMember {
        group: Some(group),
        reinit: None,
        client: client.clone(),
        tree_in_welcome: Arc::clone(tree_in_welcome),
    })
}

impl<C: MlsConfig> MlsRsMember<C> {
    fn group(&self) -> &mls_rs::Group<C> {
        self.group
            .as_ref()
            .expect("the group, not yet given up for a ReInit")
    }

    fn group_mut(&mut self) -> &mut mls_rs::Group<C> {
        self.group
            .as_mut()
            .expect("the group, not yet given up for a ReInit")
    }

    fn merged(&mut self, output: mls_rs::group::CommitOutput) -> Result<Commit> {
        self.group_mut()
            .apply_pending_commit()
            .map_err(failed("merge"))?;
        Ok(Commit {
            commit: wire(&output.commit_message)?,
            welcome: output.welcome_messages.first().map(wire).transpose()?,
        })
    }
}

impl<C: MlsConfig + 'static> crate::Member for MlsRsMember<C> {
    fn epoch(&self) -> u64 {
        self.group().current_epoch()
    }

    fn epoch_authenticator(&self) -> Vec<u8> {
        self.group()
            .epoch_authenticator()
            .map(|secret| secret.to_vec())
            .unwrap_or_default()
    }

    fn export(&self) -> Vec<u8> {
        self.group()
            .export_secret(
                crate::EXPORT_LABEL.as_bytes(),
                crate::EXPORT_CONTEXT,
                crate::EXPORT_LENGTH,
            )
            .map(|secret| secret.to_vec())
            .unwrap_or_default()
    }

    fn roster(&self) -> Vec<(u32, Vec<u8>)> {
        self.group()
            .roster()
            .members()
            .into_iter()
            .map(|member| {
                let identity = member
                    .signing_identity
                    .credential
                    .as_basic()
                    .map(|basic| basic.identifier().to_vec())
                    .unwrap_or_default();
                (member.index, identity)
            })
            .collect()
    }

    fn own_leaf(&self) -> u32 {
        self.group().current_member_index()
    }

    fn ratchet_tree(&self) -> Result<Vec<u8>> {
        self.group()
            .export_tree()
            .to_bytes()
            .map_err(failed("encode tree"))
    }

    fn group_info(&mut self) -> Result<Vec<u8>> {
        let with_tree = self.tree_in_welcome.load(Ordering::Relaxed);
        let info = self
            .group_mut()
            .group_info_message_allowing_ext_commit(with_tree)
            .map_err(failed("group info"))?;
        wire(&info)
    }

    fn protect(&mut self, data: &[u8]) -> Result<Vec<u8>> {
        let message = self
            .group_mut()
            .encrypt_application_message(data, vec![])
            .map_err(failed("protect"))?;
        wire(&message)
    }

    fn process(&mut self, message: &[u8]) -> Result<Received> {
        match self
            .group_mut()
            .process_incoming_message(read(message)?)
            .map_err(failed("process"))?
        {
            ReceivedMessage::ApplicationMessage(description) => {
                Ok(Received::Application(description.data().to_vec()))
            }
            ReceivedMessage::Proposal(_) => Ok(Received::Proposal),
            ReceivedMessage::Commit(description) => Ok(match description.effect {
                CommitEffect::Removed { .. } => Received::Removed,
                _ => Received::Commit,
            }),
            other => Err(Error::Failed(format!("unexpected {other:?}"))),
        }
    }

    fn add(&mut self, key_packages: &[Vec<u8>]) -> Result<Commit> {
        let mut builder = self.group_mut().commit_builder();
        for key_package in key_packages {
            builder = builder
                .add_member(read(key_package)?)
                .map_err(failed("add member"))?;
        }
        let output = builder.build().map_err(failed("add"))?;
        self.merged(output)
    }

    fn remove(&mut self, leaf: u32) -> Result<Commit> {
        let output = self
            .group_mut()
            .commit_builder()
            .remove_member(leaf)
            .map_err(failed("remove member"))?
            .build()
            .map_err(failed("remove"))?;
        self.merged(output)
    }

    fn update(&mut self) -> Result<Commit> {
        let output = self
            .group_mut()
            .commit_builder()
            .build()
            .map_err(failed("update"))?;
        self.merged(output)
    }

    fn commit_pending(&mut self) -> Result<Commit> {
        let output = self.group_mut().commit(vec![]).map_err(failed("commit"))?;
        self.merged(output)
    }

    fn propose_add(&mut self, key_package: &[u8]) -> Result<Vec<u8>> {
        let message = self
            .group_mut()
            .propose_add(read(key_package)?, vec![])
            .map_err(failed("propose add"))?;
        wire(&message)
    }

    fn propose_remove(&mut self, leaf: u32) -> Result<Vec<u8>> {
        let message = self
            .group_mut()
            .propose_remove(leaf, vec![])
            .map_err(failed("propose remove"))?;
        wire(&message)
    }

    fn propose_update(&mut self) -> Result<Vec<u8>> {
        let message = self
            .group_mut()
            .propose_update(vec![])
            .map_err(failed("propose update"))?;
        wire(&message)
    }

    fn propose_psk(&mut self) -> Result<Vec<u8>> {
        let message = self
            .group_mut()
            .propose_external_psk(psk_id(), vec![])
            .map_err(failed("propose psk"))?;
        wire(&message)
    }

    fn commit_reinit(&mut self, group_id: &[u8]) -> Result<Commit> {
        let suite = self.group().cipher_suite();
        let output = self
            .group_mut()
            .commit_builder()
            .reinit(
                Some(group_id.to_vec()),
                ProtocolVersion::MLS_10,
                suite,
                ExtensionList::new(),
            )
            .map_err(failed("reinit"))?
            .build()
            .map_err(failed("commit reinit"))?;
        self.merged(output)
    }

    fn reinit_key_package(&mut self) -> Result<Vec<u8>> {
        let group = self
            .group
            .take()
            .ok_or_else(|| Error::Failed("no group".into()))?;
        let reinit = group
            .get_reinit_client(None, None)
            .map_err(failed("reinit client"))?;
        let key_package = reinit
            .generate_key_package(None)
            .map_err(failed("reinit key package"))?;
        self.reinit = Some(reinit);
        wire(&key_package)
    }

    fn reinit_create(
        &mut self,
        key_packages: &[Vec<u8>],
    ) -> Result<(Box<dyn crate::Member>, Commit)> {
        let reinit = match self.reinit.take() {
            Some(reinit) => reinit,
            None => self
                .group
                .take()
                .ok_or_else(|| Error::Failed("no group".into()))?
                .get_reinit_client(None, None)
                .map_err(failed("reinit client"))?,
        };
        let key_packages = key_packages
            .iter()
            .map(|bytes| read(bytes))
            .collect::<Result<Vec<_>>>()?;
        let (group, welcomes) = reinit
            .commit(key_packages, ExtensionList::new(), None)
            .map_err(failed("reinit commit"))?;
        // The successor's first commit is already applied; its members join by Welcome.
        let commit = Commit {
            commit: Vec::new(),
            welcome: welcomes.first().map(wire).transpose()?,
        };
        Ok((member(&self.client, &self.tree_in_welcome, group), commit))
    }

    fn reinit_join(&mut self, welcome: &[u8]) -> Result<Box<dyn crate::Member>> {
        let reinit = self
            .reinit
            .take()
            .ok_or_else(|| Error::Failed("no reinit key package was made".into()))?;
        let (group, _) = reinit
            .join(&read(welcome)?, None, None)
            .map_err(failed("join reinit"))?;
        Ok(member(&self.client, &self.tree_in_welcome, group))
    }

    fn branch_key_package(&mut self) -> Result<Vec<u8>> {
        let message = self
            .client
            .generate_key_package_message(ExtensionList::new(), ExtensionList::new(), None)
            .map_err(failed("key package"))?;
        wire(&message)
    }

    fn branch(
        &mut self,
        group_id: &[u8],
        key_packages: &[Vec<u8>],
    ) -> Result<(Box<dyn crate::Member>, Commit)> {
        let key_packages = key_packages
            .iter()
            .map(|bytes| read(bytes))
            .collect::<Result<Vec<_>>>()?;
        let (group, welcomes) = self
            .group()
            .branch(group_id.to_vec(), key_packages, None)
            .map_err(failed("branch"))?;
        let commit = Commit {
            commit: Vec::new(),
            welcome: welcomes.first().map(wire).transpose()?,
        };
        Ok((member(&self.client, &self.tree_in_welcome, group), commit))
    }

    fn join_branch(&mut self, welcome: &[u8]) -> Result<Box<dyn crate::Member>> {
        let (group, _) = self
            .group()
            .join_subgroup(&read(welcome)?, None, None)
            .map_err(failed("join branch"))?;
        Ok(member(&self.client, &self.tree_in_welcome, group))
    }
}

struct MlsRsExternalSender<C: ExternalMlsConfig> {
    client: ExternalClient<C>,
    signature_key: Vec<u8>,
}

impl<C: ExternalMlsConfig> MlsRsExternalSender<C> {
    /// The group of `group_info`, observed from outside (mls-rs proposes from its state).
    fn observe(&self, group_info: &[u8]) -> Result<ExternalGroup<C>> {
        self.client
            .observe_group(read(group_info)?, None, None)
            .map_err(failed("observe group"))
    }
}

impl<C: ExternalMlsConfig> crate::ExternalSender for MlsRsExternalSender<C> {
    fn signature_key(&self) -> Vec<u8> {
        self.signature_key.clone()
    }

    fn propose_remove(&mut self, group_info: &[u8], leaf: u32) -> Result<Vec<u8>> {
        let message = self
            .observe(group_info)?
            .propose_remove(leaf, vec![])
            .map_err(failed("external remove"))?;
        wire(&message)
    }

    fn propose_add(&mut self, group_info: &[u8], key_package: &[u8]) -> Result<Vec<u8>> {
        let message = self
            .observe(group_info)?
            .propose_add(read(key_package)?, vec![])
            .map_err(failed("external add"))?;
        wire(&message)
    }
}
