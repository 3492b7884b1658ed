//! The mls-rs 0.57 adapter, on its RustCrypto provider.

use std::convert::Infallible;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use mls_rs::client_builder::{MlsConfig, PaddingMode};
use mls_rs::group::{CommitEffect, ExportedTree, GroupContext, ReceivedMessage, Roster};
use mls_rs::identity::SigningIdentity;
use mls_rs::identity::basic::{BasicCredential, BasicIdentityProvider};
use mls_rs::mls_rules::{
    CommitDirection, CommitOptions, CommitSource, EncryptionOptions, ProposalBundle,
};
use mls_rs::psk::{ExternalPskId, PreSharedKey};
use mls_rs::storage_provider::in_memory::InMemoryPreSharedKeyStorage;
use mls_rs::{
    CipherSuite, CipherSuiteProvider, CryptoProvider, Extension, ExtensionList, MlsMessage,
    MlsRules,
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
    group: mls_rs::Group<C>,
    tree_in_welcome: Arc<AtomicBool>,
}

impl<C: MlsConfig + 'static> MlsRsClient<C> {
    fn member(&self, group: mls_rs::Group<C>) -> Box<dyn crate::Member> {
        Box::new(MlsRsMember {
            group,
            tree_in_welcome: Arc::clone(&self.tree_in_welcome),
        })
    }
}

impl<C: MlsConfig> MlsRsMember<C> {
    fn merged(&mut self, output: mls_rs::group::CommitOutput) -> Result<Commit> {
        self.group.apply_pending_commit().map_err(failed("merge"))?;
        Ok(Commit {
            commit: wire(&output.commit_message)?,
            welcome: output.welcome_messages.first().map(wire).transpose()?,
        })
    }
}

impl<C: MlsConfig> crate::Member for MlsRsMember<C> {
    fn epoch(&self) -> u64 {
        self.group.current_epoch()
    }

    fn epoch_authenticator(&self) -> Vec<u8> {
        self.group
            .epoch_authenticator()
            .map(|secret| secret.to_vec())
            .unwrap_or_default()
    }

    fn export(&self) -> Vec<u8> {
        self.group
            .export_secret(
                crate::EXPORT_LABEL.as_bytes(),
                crate::EXPORT_CONTEXT,
                crate::EXPORT_LENGTH,
            )
            .map(|secret| secret.to_vec())
            .unwrap_or_default()
    }

    fn roster(&self) -> Vec<(u32, Vec<u8>)> {
        self.group
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
        self.group.current_member_index()
    }

    fn ratchet_tree(&self) -> Result<Vec<u8>> {
        self.group
            .export_tree()
            .to_bytes()
            .map_err(failed("encode tree"))
    }

    fn group_info(&mut self) -> Result<Vec<u8>> {
        let info = self
            .group
            .group_info_message_allowing_ext_commit(self.tree_in_welcome.load(Ordering::Relaxed))
            .map_err(failed("group info"))?;
        wire(&info)
    }

    fn protect(&mut self, data: &[u8]) -> Result<Vec<u8>> {
        let message = self
            .group
            .encrypt_application_message(data, vec![])
            .map_err(failed("protect"))?;
        wire(&message)
    }

    fn process(&mut self, message: &[u8]) -> Result<Received> {
        match self
            .group
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
        let mut builder = self.group.commit_builder();
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
            .group
            .commit_builder()
            .remove_member(leaf)
            .map_err(failed("remove member"))?
            .build()
            .map_err(failed("remove"))?;
        self.merged(output)
    }

    fn update(&mut self) -> Result<Commit> {
        let output = self
            .group
            .commit_builder()
            .build()
            .map_err(failed("update"))?;
        self.merged(output)
    }

    fn commit_pending(&mut self) -> Result<Commit> {
        let output = self.group.commit(vec![]).map_err(failed("commit"))?;
        self.merged(output)
    }

    fn propose_add(&mut self, key_package: &[u8]) -> Result<Vec<u8>> {
        let message = self
            .group
            .propose_add(read(key_package)?, vec![])
            .map_err(failed("propose add"))?;
        wire(&message)
    }

    fn propose_remove(&mut self, leaf: u32) -> Result<Vec<u8>> {
        let message = self
            .group
            .propose_remove(leaf, vec![])
            .map_err(failed("propose remove"))?;
        wire(&message)
    }

    fn propose_update(&mut self) -> Result<Vec<u8>> {
        let message = self
            .group
            .propose_update(vec![])
            .map_err(failed("propose update"))?;
        wire(&message)
    }

    fn propose_psk(&mut self) -> Result<Vec<u8>> {
        let message = self
            .group
            .propose_external_psk(psk_id(), vec![])
            .map_err(failed("propose psk"))?;
        wire(&message)
    }
}
