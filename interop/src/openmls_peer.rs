//! The OpenMLS 0.9 adapter, on its RustCrypto provider.

use std::rc::Rc;

use openmls::prelude::tls_codec::{Deserialize as _, Serialize as _};
use openmls::prelude::*;
use openmls::schedule::{ExternalPsk, PreSharedKeyId, Psk};
use openmls_basic_credential::SignatureKeyPair;
use openmls_rust_crypto::OpenMlsRustCrypto;
use openmls_traits::OpenMlsProvider;

use crate::{Commit, Error, PSK, PSK_ID, Received, Result, failed};

/// OpenMLS 0.9 with `openmls_rust_crypto` and default settings, except the wire-format
/// policy: handshake messages are sent encrypted (as ours and mls-rs send them) and both
/// kinds are accepted, since external commits and external proposals are PublicMessages.
pub struct OpenMls;

fn ciphersuite(suite: u16) -> Option<Ciphersuite> {
    Ciphersuite::try_from(suite).ok()
}

impl crate::Implementation for OpenMls {
    fn name(&self) -> &'static str {
        "openmls"
    }

    fn supports(&self, suite: u16) -> bool {
        ciphersuite(suite)
            .is_some_and(|cs| OpenMlsRustCrypto::default().crypto().supports(cs).is_ok())
    }

    fn external_sender(&self, suite: u16, _identity: &[u8]) -> Box<dyn crate::ExternalSender> {
        let cs = ciphersuite(suite).expect("a known suite");
        let signer = SignatureKeyPair::new(cs.signature_algorithm()).expect("a key pair");
        Box::new(OpenMlsExternalSender {
            provider: OpenMlsRustCrypto::default(),
            signer,
        })
    }

    fn client(&self, suite: u16, identity: &[u8]) -> Box<dyn crate::Client> {
        let cs = ciphersuite(suite).expect("a known suite");
        let provider = OpenMlsRustCrypto::default();
        let signer = SignatureKeyPair::new(cs.signature_algorithm()).expect("a key pair");
        signer.store(provider.storage()).expect("stored");
        let credential = CredentialWithKey {
            credential: BasicCredential::new(identity.to_vec()).into(),
            signature_key: signer.to_public_vec().into(),
        };
        Box::new(OpenMlsClient {
            state: Rc::new(State {
                provider,
                signer,
                credential,
                cs,
            }),
            tree_in_welcome: true,
        })
    }
}

struct State {
    provider: OpenMlsRustCrypto,
    signer: SignatureKeyPair,
    credential: CredentialWithKey,
    cs: Ciphersuite,
}

struct OpenMlsClient {
    state: Rc<State>,
    tree_in_welcome: bool,
}

impl OpenMlsClient {
    fn join_config(&self) -> MlsGroupJoinConfig {
        MlsGroupJoinConfig::builder()
            .use_ratchet_tree_extension(self.tree_in_welcome)
            .wire_format_policy(MIXED_CIPHERTEXT_WIRE_FORMAT_POLICY)
            .build()
    }

    fn member(&self, group: MlsGroup) -> Box<dyn crate::Member> {
        Box::new(OpenMlsMember {
            state: Rc::clone(&self.state),
            group,
            tree_in_welcome: self.tree_in_welcome,
        })
    }
}

fn read(bytes: &[u8]) -> Result<MlsMessageIn> {
    MlsMessageIn::tls_deserialize_exact(bytes).map_err(failed("decode MLSMessage"))
}

fn wire(message: &MlsMessageOut) -> Result<Vec<u8>> {
    message
        .tls_serialize_detached()
        .map_err(failed("encode MLSMessage"))
}

fn key_package(state: &State, bytes: &[u8]) -> Result<KeyPackage> {
    match read(bytes)?.extract() {
        MlsMessageBodyIn::KeyPackage(key_package) => key_package
            .validate(state.provider.crypto(), ProtocolVersion::Mls10)
            .map_err(failed("validate key package")),
        _ => Err(Error::Failed("not a key package".into())),
    }
}

fn tree(bytes: Option<&[u8]>) -> Result<Option<RatchetTreeIn>> {
    bytes
        .map(|bytes| RatchetTreeIn::tls_deserialize_exact(bytes).map_err(failed("decode tree")))
        .transpose()
}

/// The id under which the external PSK is stored (the nonce plays no part in storage).
fn psk_id() -> PreSharedKeyId {
    PreSharedKeyId::external(PSK_ID.to_vec(), vec![0; 32])
}

/// A PreSharedKeyID of the external PSK with a fresh nonce (§8.4), for a proposal.
fn fresh_psk_id(state: &State) -> Result<PreSharedKeyId> {
    PreSharedKeyId::new(
        state.cs,
        state.provider.rand(),
        Psk::External(ExternalPsk::new(PSK_ID.to_vec())),
    )
    .map_err(failed("psk id"))
}

impl crate::Client for OpenMlsClient {
    fn key_package(&mut self) -> Result<Vec<u8>> {
        let bundle = KeyPackage::builder()
            .build(
                self.state.cs,
                &self.state.provider,
                &self.state.signer,
                self.state.credential.clone(),
            )
            .map_err(failed("key package"))?;
        wire(&MlsMessageOut::from(bundle.key_package().clone()))
    }

    fn create_group(
        &mut self,
        group_id: &[u8],
        external_senders: Option<&[u8]>,
    ) -> Result<Box<dyn crate::Member>> {
        let mut builder = MlsGroupCreateConfig::builder()
            .ciphersuite(self.state.cs)
            .use_ratchet_tree_extension(self.tree_in_welcome)
            .wire_format_policy(MIXED_CIPHERTEXT_WIRE_FORMAT_POLICY);
        if let Some(data) = external_senders {
            let senders = ExternalSendersExtension::tls_deserialize_exact(data)
                .map_err(failed("decode external senders"))?;
            builder = builder.with_group_context_extensions(
                Extensions::single(Extension::ExternalSenders(senders))
                    .map_err(failed("extensions"))?,
            );
        }
        let group = MlsGroup::new_with_group_id(
            &self.state.provider,
            &self.state.signer,
            &builder.build(),
            GroupId::from_slice(group_id),
            self.state.credential.clone(),
        )
        .map_err(failed("create group"))?;
        Ok(self.member(group))
    }

    fn join(
        &mut self,
        welcome: &[u8],
        tree_bytes: Option<&[u8]>,
    ) -> Result<Box<dyn crate::Member>> {
        let MlsMessageBodyIn::Welcome(welcome) = read(welcome)?.extract() else {
            return Err(Error::Failed("not a Welcome".into()));
        };
        let group = StagedWelcome::new_from_welcome(
            &self.state.provider,
            &self.join_config(),
            welcome,
            tree(tree_bytes)?,
        )
        .map_err(failed("stage welcome"))?
        .into_group(&self.state.provider)
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
        let MlsMessageBodyIn::GroupInfo(group_info) = read(group_info)?.extract() else {
            return Err(Error::Failed("not a GroupInfo".into()));
        };
        // A resync needs no instruction: OpenMLS's external commit removes a leaf of the same
        // identity by itself.
        let _ = resync;
        let mut builder = MlsGroup::external_commit_builder().with_config(self.join_config());
        if let Some(tree) = tree(tree_bytes)? {
            builder = builder.with_ratchet_tree(tree);
        }
        let mut commit_builder = builder
            .build_group(
                &self.state.provider,
                group_info,
                self.state.credential.clone(),
            )
            .map_err(failed("external commit builder"))?;
        if psk {
            commit_builder = commit_builder
                .add_psk_proposal(PreSharedKeyProposal::new(fresh_psk_id(&self.state)?));
        }
        let (group, bundle) = commit_builder
            .load_psks(self.state.provider.storage())
            .map_err(failed("load psks"))?
            .build(
                self.state.provider.rand(),
                self.state.provider.crypto(),
                &self.state.signer,
                |_| true,
            )
            .map_err(failed("external commit"))?
            .finalize(&self.state.provider)
            .map_err(failed("finalize external commit"))?;
        let (commit, _, _) = bundle.into_contents();
        Ok((self.member(group), wire(&commit)?))
    }

    fn set_tree_in_welcome(&mut self, with_tree: bool) {
        self.tree_in_welcome = with_tree;
    }

    fn register_psk(&mut self) -> Result<()> {
        psk_id()
            .store(&self.state.provider, &PSK)
            .map_err(failed("store psk"))
    }
}

struct OpenMlsMember {
    state: Rc<State>,
    group: MlsGroup,
    tree_in_welcome: bool,
}

impl OpenMlsMember {
    fn merged(&mut self, commit: MlsMessageOut, welcome: Option<MlsMessageOut>) -> Result<Commit> {
        self.group
            .merge_pending_commit(&self.state.provider)
            .map_err(failed("merge"))?;
        Ok(Commit {
            commit: wire(&commit)?,
            welcome: welcome.as_ref().map(wire).transpose()?,
        })
    }
}

impl crate::Member for OpenMlsMember {
    fn epoch(&self) -> u64 {
        self.group.epoch().as_u64()
    }

    fn epoch_authenticator(&self) -> Vec<u8> {
        self.group.epoch_authenticator().as_slice().to_vec()
    }

    fn export(&self) -> Vec<u8> {
        self.group
            .export_secret(
                self.state.provider.crypto(),
                crate::EXPORT_LABEL,
                crate::EXPORT_CONTEXT,
                crate::EXPORT_LENGTH,
            )
            .unwrap_or_default()
    }

    fn roster(&self) -> Vec<(u32, Vec<u8>)> {
        self.group
            .members()
            .map(|member| {
                let identity = BasicCredential::try_from(member.credential)
                    .map(|basic| basic.identity().to_vec())
                    .unwrap_or_default();
                (member.index.u32(), identity)
            })
            .collect()
    }

    fn own_leaf(&self) -> u32 {
        self.group.own_leaf_index().u32()
    }

    fn ratchet_tree(&self) -> Result<Vec<u8>> {
        self.group
            .export_ratchet_tree()
            .tls_serialize_detached()
            .map_err(failed("encode tree"))
    }

    fn group_info(&mut self) -> Result<Vec<u8>> {
        let info = self
            .group
            .export_group_info(
                self.state.provider.crypto(),
                &self.state.signer,
                self.tree_in_welcome,
            )
            .map_err(failed("group info"))?;
        wire(&info)
    }

    fn protect(&mut self, data: &[u8]) -> Result<Vec<u8>> {
        let message = self
            .group
            .create_message(&self.state.provider, &self.state.signer, data)
            .map_err(failed("protect"))?;
        wire(&message)
    }

    fn process(&mut self, message: &[u8]) -> Result<Received> {
        let message = read(message)?
            .try_into_protocol_message()
            .map_err(failed("not a protocol message"))?;
        let processed = self
            .group
            .process_message(&self.state.provider, message)
            .map_err(failed("process"))?;
        match processed.into_content() {
            ProcessedMessageContent::ApplicationMessage(data) => {
                Ok(Received::Application(data.into_bytes()))
            }
            ProcessedMessageContent::ProposalMessage(proposal)
            | ProcessedMessageContent::ExternalJoinProposalMessage(proposal) => {
                self.group
                    .store_pending_proposal(self.state.provider.storage(), *proposal)
                    .map_err(failed("store proposal"))?;
                Ok(Received::Proposal)
            }
            ProcessedMessageContent::StagedCommitMessage(staged) => {
                let removed = staged.self_removed();
                self.group
                    .merge_staged_commit(&self.state.provider, *staged)
                    .map_err(failed("merge staged commit"))?;
                Ok(if removed {
                    Received::Removed
                } else {
                    Received::Commit
                })
            }
            other => Err(Error::Failed(format!("unexpected {other:?}"))),
        }
    }

    fn add(&mut self, key_packages: &[Vec<u8>]) -> Result<Commit> {
        let key_packages = key_packages
            .iter()
            .map(|bytes| key_package(&self.state, bytes))
            .collect::<Result<Vec<_>>>()?;
        let (commit, welcome, _) = self
            .group
            .add_members(&self.state.provider, &self.state.signer, &key_packages)
            .map_err(failed("add"))?;
        self.merged(commit, Some(welcome))
    }

    fn remove(&mut self, leaf: u32) -> Result<Commit> {
        let (commit, welcome, _) = self
            .group
            .remove_members(
                &self.state.provider,
                &self.state.signer,
                &[LeafNodeIndex::new(leaf)],
            )
            .map_err(failed("remove"))?;
        self.merged(commit, welcome)
    }

    fn update(&mut self) -> Result<Commit> {
        let bundle = self
            .group
            .self_update(
                &self.state.provider,
                &self.state.signer,
                LeafNodeParameters::default(),
            )
            .map_err(failed("update"))?;
        let (commit, welcome, _) = bundle.into_contents();
        self.merged(
            commit,
            welcome.map(|w| MlsMessageOut::from_welcome(w, ProtocolVersion::Mls10)),
        )
    }

    fn commit_pending(&mut self) -> Result<Commit> {
        let (commit, welcome, _) = self
            .group
            .commit_to_pending_proposals(&self.state.provider, &self.state.signer)
            .map_err(failed("commit"))?;
        self.merged(commit, welcome)
    }

    fn propose_add(&mut self, key_package_bytes: &[u8]) -> Result<Vec<u8>> {
        let key_package = key_package(&self.state, key_package_bytes)?;
        let (message, _) = self
            .group
            .propose_add_member(&self.state.provider, &self.state.signer, &key_package)
            .map_err(failed("propose add"))?;
        wire(&message)
    }

    fn propose_remove(&mut self, leaf: u32) -> Result<Vec<u8>> {
        let (message, _) = self
            .group
            .propose_remove_member(
                &self.state.provider,
                &self.state.signer,
                LeafNodeIndex::new(leaf),
            )
            .map_err(failed("propose remove"))?;
        wire(&message)
    }

    fn propose_update(&mut self) -> Result<Vec<u8>> {
        let (message, _) = self
            .group
            .propose_self_update(
                &self.state.provider,
                &self.state.signer,
                LeafNodeParameters::default(),
            )
            .map_err(failed("propose update"))?;
        wire(&message)
    }

    fn propose_psk(&mut self) -> Result<Vec<u8>> {
        let psk = fresh_psk_id(&self.state)?;
        let (message, _) = self
            .group
            .propose_pre_shared_key(&self.state.provider, &self.state.signer, psk)
            .map_err(failed("propose psk"))?;
        wire(&message)
    }

    fn commit_reinit(&mut self, _: &[u8]) -> Result<Commit> {
        Err(no_resumption("ReInit"))
    }

    fn reinit_key_package(&mut self) -> Result<Vec<u8>> {
        Err(no_resumption("ReInit"))
    }

    fn reinit_create(&mut self, _: &[Vec<u8>]) -> Result<(Box<dyn crate::Member>, Commit)> {
        Err(no_resumption("ReInit"))
    }

    fn reinit_join(&mut self, _: &[u8]) -> Result<Box<dyn crate::Member>> {
        Err(no_resumption("ReInit"))
    }

    fn branch_key_package(&mut self) -> Result<Vec<u8>> {
        Err(no_resumption("branching"))
    }

    fn branch(&mut self, _: &[u8], _: &[Vec<u8>]) -> Result<(Box<dyn crate::Member>, Commit)> {
        Err(no_resumption("branching"))
    }

    fn join_branch(&mut self, _: &[u8]) -> Result<Box<dyn crate::Member>> {
        Err(no_resumption("branching"))
    }
}

/// OpenMLS 0.9 has no API to commit a ReInit or to create or join a group resumed from
/// another (§11.2, §11.3): its `MlsGroup` offers neither, and `Proposal::ReInit` is only
/// decoded.
fn no_resumption(what: &str) -> Error {
    Error::Unsupported(format!("OpenMLS 0.9 has no {what} API"))
}

struct OpenMlsExternalSender {
    provider: OpenMlsRustCrypto,
    signer: SignatureKeyPair,
}

impl crate::ExternalSender for OpenMlsExternalSender {
    fn signature_key(&self) -> Vec<u8> {
        self.signer.to_public_vec()
    }

    fn propose_remove(&mut self, group_info: &[u8], leaf: u32) -> Result<Vec<u8>> {
        let (group_id, epoch) = crate::group_id_and_epoch(group_info)?;
        let message = ExternalProposal::new_remove::<OpenMlsRustCrypto>(
            LeafNodeIndex::new(leaf),
            GroupId::from_slice(&group_id),
            GroupEpoch::from(epoch),
            &self.signer,
            SenderExtensionIndex::new(0),
        )
        .map_err(failed("external remove"))?;
        wire(&message)
    }

    fn propose_add(&mut self, group_info: &[u8], key_package_bytes: &[u8]) -> Result<Vec<u8>> {
        let (group_id, epoch) = crate::group_id_and_epoch(group_info)?;
        let key_package = match read(key_package_bytes)?.extract() {
            MlsMessageBodyIn::KeyPackage(key_package) => key_package
                .validate(self.provider.crypto(), ProtocolVersion::Mls10)
                .map_err(failed("validate key package"))?,
            _ => return Err(Error::Failed("not a key package".into())),
        };
        let message = ExternalProposal::new_add::<OpenMlsRustCrypto>(
            key_package,
            GroupId::from_slice(&group_id),
            GroupEpoch::from(epoch),
            &self.signer,
            SenderExtensionIndex::new(0),
        )
        .map_err(failed("external add"))?;
        wire(&message)
    }
}
