//! This implementation's adapter.

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Arc;

use mls_codec::{CipherSuite, Credential, Extension, ExtensionType, ProtocolVersion, VarBytes};
use mls_crypto::Secret;
use mls_crypto_rustcrypto::RustCryptoProvider;
use mls_group::{
    CommitOptions, CommitOutput, ExternalProposer, Grease, Group, GroupConfig, ProcessedMessage,
};
use mls_tree::LeafIndex;

use crate::{Commit, Error, PSK, PSK_ID, Received, Result, failed};

/// This implementation, with the RustCrypto provider and default settings except, if set,
/// its GREASE ([`Ours::with_grease`]).
#[derive(Debug, Default)]
pub struct Ours {
    grease: Option<Grease>,
}

impl Ours {
    /// Ours with `grease` in place of the default GREASE setting.
    pub fn with_grease(grease: Grease) -> Self {
        Self {
            grease: Some(grease),
        }
    }

    fn config(&self) -> GroupConfig {
        let config = GroupConfig::default();
        match self.grease {
            Some(grease) => config.with_grease(grease),
            None => config,
        }
    }
}

impl crate::Implementation for Ours {
    fn name(&self) -> &'static str {
        "ours"
    }

    fn supports(&self, suite: u16) -> bool {
        mls_crypto::CryptoProvider::suite(&RustCryptoProvider, CipherSuite(suite)).is_ok()
    }

    fn external_sender(&self, suite: u16, identity: &[u8]) -> Box<dyn crate::ExternalSender> {
        Box::new(
            ExternalProposer::new(Arc::new(RustCryptoProvider), CipherSuite(suite), identity)
                .expect("an external proposer of a supported suite"),
        )
    }

    fn client(&self, suite: u16, identity: &[u8]) -> Box<dyn crate::Client> {
        let mut client =
            mls_group::Client::new(Arc::new(RustCryptoProvider), CipherSuite(suite), identity)
                .expect("a client of a supported suite");
        let config = self.config();
        client.set_config(config.clone());
        Box::new(OurClient {
            client: Rc::new(RefCell::new(client)),
            config,
            psk: false,
        })
    }
}

struct OurClient {
    /// Shared with the client's members, which need it for ReInit and branching.
    client: Rc<RefCell<mls_group::Client>>,
    config: GroupConfig,
    psk: bool,
}

impl OurClient {
    fn member(&self, group: Group) -> Box<dyn crate::Member> {
        member(&self.client, self.psk, group)
    }
}

fn member(
    client: &Rc<RefCell<mls_group::Client>>,
    psk: bool,
    mut group: Group,
) -> Box<dyn crate::Member> {
    if psk {
        group.add_external_psk(PSK_ID, Secret::new(PSK.to_vec()));
    }
    Box::new(OurMember {
        client: Rc::clone(client),
        psk,
        group,
    })
}

impl crate::Client for OurClient {
    fn key_package(&mut self) -> Result<Vec<u8>> {
        self.client
            .borrow_mut()
            .key_package()
            .map_err(failed("key package"))
    }

    fn create_group(
        &mut self,
        group_id: &[u8],
        external_senders: Option<&[u8]>,
    ) -> Result<Box<dyn crate::Member>> {
        let extensions = external_senders
            .map(|data| Extension {
                extension_type: ExtensionType::EXTERNAL_SENDERS,
                extension_data: VarBytes(data.to_vec()),
            })
            .into_iter()
            .collect();
        let group = self
            .client
            .borrow()
            .create_group_with_extensions(group_id, extensions)
            .map_err(failed("create group"))?;
        Ok(self.member(group))
    }

    fn join(&mut self, welcome: &[u8], tree: Option<&[u8]>) -> Result<Box<dyn crate::Member>> {
        let group = self
            .client
            .borrow_mut()
            .join(welcome, tree)
            .map_err(failed("join"))?;
        Ok(self.member(group))
    }

    fn external_join(
        &mut self,
        group_info: &[u8],
        tree: Option<&[u8]>,
        resync: Option<u32>,
        psk: bool,
    ) -> Result<(Box<dyn crate::Member>, Vec<u8>)> {
        let secret = Secret::new(PSK.to_vec());
        let psks: Vec<(&[u8], &Secret)> = if psk { vec![(PSK_ID, &secret)] } else { vec![] };
        let (group, commit) = self
            .client
            .borrow_mut()
            .join_by_external_commit_with_psks(group_info, tree, resync.map(LeafIndex), &psks)
            .map_err(failed("external join"))?;
        Ok((self.member(group), commit))
    }

    fn set_tree_in_welcome(&mut self, with_tree: bool) {
        self.config = self.config.clone().with_ratchet_tree_extension(with_tree);
        self.client.borrow_mut().set_config(self.config.clone());
    }

    fn register_psk(&mut self) -> Result<()> {
        self.psk = true;
        Ok(())
    }
}

struct OurMember {
    client: Rc<RefCell<mls_group::Client>>,
    psk: bool,
    group: Group,
}

impl OurMember {
    fn merged(&mut self, output: CommitOutput) -> Result<Commit> {
        self.group.merge_pending_commit().map_err(failed("merge"))?;
        Ok(Commit {
            commit: output.commit,
            welcome: output.welcome,
        })
    }
}

impl crate::Member for OurMember {
    fn epoch(&self) -> u64 {
        self.group.epoch()
    }

    fn epoch_authenticator(&self) -> Vec<u8> {
        self.group.epoch_authenticator().to_vec()
    }

    fn export(&self) -> Vec<u8> {
        self.group
            .export_secret(
                crate::EXPORT_LABEL,
                crate::EXPORT_CONTEXT,
                crate::EXPORT_LENGTH,
            )
            .map(|secret| secret.as_bytes().to_vec())
            .unwrap_or_default()
    }

    fn roster(&self) -> Vec<(u32, Vec<u8>)> {
        self.group
            .members()
            .into_iter()
            .map(|member| {
                let identity = match member.credential {
                    Credential::Basic { identity } => identity.0,
                    other => format!("{other:?}").into_bytes(),
                };
                (member.leaf.0, identity)
            })
            .collect()
    }

    fn own_leaf(&self) -> u32 {
        self.group.own_leaf().0
    }

    fn ratchet_tree(&self) -> Result<Vec<u8>> {
        self.group.ratchet_tree().map_err(failed("ratchet tree"))
    }

    fn group_info(&mut self) -> Result<Vec<u8>> {
        self.group.group_info().map_err(failed("group info"))
    }

    fn protect(&mut self, data: &[u8]) -> Result<Vec<u8>> {
        self.group
            .encrypt_application_message(data)
            .map_err(failed("protect"))
    }

    fn process(&mut self, message: &[u8]) -> Result<Received> {
        match self
            .group
            .process_message(message)
            .map_err(failed("process"))?
        {
            ProcessedMessage::Application { data, .. } => Ok(Received::Application(data)),
            ProcessedMessage::Proposal { .. } => Ok(Received::Proposal),
            ProcessedMessage::Removed { .. } => Ok(Received::Removed),
            ProcessedMessage::Commit { .. } => Ok(Received::Commit),
            other => Err(Error::Failed(format!("unexpected {other:?}"))),
        }
    }

    fn add(&mut self, key_packages: &[Vec<u8>]) -> Result<Commit> {
        let output = self
            .group
            .add_members(key_packages)
            .map_err(failed("add"))?;
        self.merged(output)
    }

    fn remove(&mut self, leaf: u32) -> Result<Commit> {
        let output = self
            .group
            .remove_members(&[LeafIndex(leaf)])
            .map_err(failed("remove"))?;
        self.merged(output)
    }

    fn update(&mut self) -> Result<Commit> {
        let output = self.group.self_update().map_err(failed("update"))?;
        self.merged(output)
    }

    fn commit_pending(&mut self) -> Result<Commit> {
        let output = self
            .group
            .commit(CommitOptions::default())
            .map_err(failed("commit"))?;
        self.merged(output)
    }

    fn propose_add(&mut self, key_package: &[u8]) -> Result<Vec<u8>> {
        self.group
            .propose_add(key_package)
            .map_err(failed("propose add"))
    }

    fn propose_remove(&mut self, leaf: u32) -> Result<Vec<u8>> {
        self.group
            .propose_remove(LeafIndex(leaf))
            .map_err(failed("propose remove"))
    }

    fn propose_update(&mut self) -> Result<Vec<u8>> {
        self.group
            .propose_update()
            .map_err(failed("propose update"))
    }

    fn propose_psk(&mut self) -> Result<Vec<u8>> {
        self.group
            .propose_external_psk(PSK_ID)
            .map_err(failed("propose psk"))
    }

    fn commit_reinit(&mut self, group_id: &[u8]) -> Result<Commit> {
        let output = self
            .group
            .commit_reinit(
                group_id,
                ProtocolVersion::MLS10,
                self.group.cipher_suite(),
                vec![],
            )
            .map_err(failed("commit reinit"))?;
        self.merged(output)
    }

    fn reinit_key_package(&mut self) -> Result<Vec<u8>> {
        self.client
            .borrow_mut()
            .key_package()
            .map_err(failed("key package"))
    }

    fn reinit_create(
        &mut self,
        key_packages: &[Vec<u8>],
    ) -> Result<(Box<dyn crate::Member>, Commit)> {
        let (group, output) = self
            .group
            .reinit_group(&self.client.borrow(), key_packages)
            .map_err(failed("reinit group"))?;
        let commit = Commit {
            commit: output.commit,
            welcome: output.welcome,
        };
        Ok((member(&self.client, self.psk, group), commit))
    }

    fn reinit_join(&mut self, welcome: &[u8]) -> Result<Box<dyn crate::Member>> {
        let group = self
            .client
            .borrow_mut()
            .join_reinit(welcome, None, &self.group)
            .map_err(failed("join reinit"))?;
        Ok(member(&self.client, self.psk, group))
    }

    fn branch_key_package(&mut self) -> Result<Vec<u8>> {
        self.reinit_key_package()
    }

    fn branch(
        &mut self,
        group_id: &[u8],
        key_packages: &[Vec<u8>],
    ) -> Result<(Box<dyn crate::Member>, Commit)> {
        let (group, output) = self
            .group
            .branch(group_id, key_packages)
            .map_err(failed("branch"))?;
        let commit = Commit {
            commit: output.commit,
            welcome: output.welcome,
        };
        Ok((member(&self.client, self.psk, group), commit))
    }

    fn join_branch(&mut self, welcome: &[u8]) -> Result<Box<dyn crate::Member>> {
        let group = self
            .client
            .borrow_mut()
            .join_branch(welcome, None, &self.group)
            .map_err(failed("join branch"))?;
        Ok(member(&self.client, self.psk, group))
    }
}

impl crate::ExternalSender for ExternalProposer {
    fn signature_key(&self) -> Vec<u8> {
        self.external_sender().signature_key.0
    }

    fn propose_remove(&mut self, group_info: &[u8], leaf: u32) -> Result<Vec<u8>> {
        let (group_id, epoch) = crate::group_id_and_epoch(group_info)?;
        ExternalProposer::propose_remove(self, &group_id, epoch, 0, LeafIndex(leaf))
            .map_err(failed("external remove"))
    }

    fn propose_add(&mut self, group_info: &[u8], key_package: &[u8]) -> Result<Vec<u8>> {
        let (group_id, epoch) = crate::group_id_and_epoch(group_info)?;
        ExternalProposer::propose_add(self, &group_id, epoch, 0, key_package)
            .map_err(failed("external add"))
    }
}
