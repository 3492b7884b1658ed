//! External commits (RFC 9420 §12.4.3.2): publishing a GroupInfo with the `external_pub`
//! extension, joining a group by an external commit (optionally a "resync" that removes the
//! joiner's old leaf, and external PSKs), and processing such a commit as a member.
//!
//! The init secret of the new epoch comes from HPKE (§8.3): the joiner runs
//! `kem_output, context = SetupBaseS(external_pub, "")` and takes
//! `context.export("MLS 1.0 external init secret", KDF.Nh)`; the members decapsulate the
//! ExternalInit's `kem_output` with the epoch's external private key and export the same.

use std::sync::Arc;

use mls_codec::{
    AuthenticatedContent, Commit, Decode, Encode, Extension, ExtensionType, ExternalInit,
    ExternalPub, FramedContent, FramedContentAuthData, FramedContentBody, GroupContext, GroupInfo,
    GroupInfoTbs, MlsMessageBody, PreSharedKey, PreSharedKeyId, Proposal, ProposalOrRef,
    ProtocolVersion, Psk, Remove, Sender, VarBytes, WireFormat,
};
use mls_crypto::{CipherSuiteProvider, Secret};
use mls_framing::public::{self, PublicEpoch};
use mls_key_schedule::{KeySchedule, TranscriptHashes, confirmation_tag};
use mls_tree::low_level::TreeTransactions;
use mls_tree::{LeafIndex, RatchetTree};

use super::authenticate::Authenticator;
use super::commit::{context_with_tree_hash, psk_secret_of};
use super::join::{TreeSource, receive_tree};
use super::messages::{decode_message, encode_message};
use super::staged::{Effect, StagedCommit};
use super::{Epoch, Group, Member};
use crate::client::Client;
use crate::proposals::{self, ProposalContext, ProposalPlan, SenderProposal};
use crate::{CredentialSource, GroupConfig, GroupError, welcome};

/// The exporter context of the external init secret (RFC 9420 §8.3).
const EXTERNAL_INIT_LABEL: &[u8] = b"MLS 1.0 external init secret";

/// `context.export("MLS 1.0 external init secret", KDF.Nh)` on the receiver's side (§8.3).
fn receive_init_secret(
    suite: &dyn CipherSuiteProvider,
    epoch: &Epoch,
    kem_output: &[u8],
) -> Result<Secret, GroupError> {
    let external = epoch.secrets.external_key_pair(suite)?;
    Ok(suite.hpke_export_receiver(
        &external.private_key,
        kem_output,
        b"",
        EXTERNAL_INIT_LABEL,
        suite.hash_len(),
    )?)
}

/// The signature key of a `new_member_commit` sender (§6.1): the one in the leaf node of the
/// commit's path. The content must be a commit with a path.
pub(super) fn new_member_commit_signature_key(
    content: &FramedContent,
) -> Result<Vec<u8>, GroupError> {
    match &content.content {
        FramedContentBody::Commit(Commit {
            path: Some(path), ..
        }) => Ok(path.leaf_node.signature_key.to_vec()),
        FramedContentBody::Commit(_) => Err(GroupError::MissingPath),
        _ => Err(GroupError::UnexpectedContent),
    }
}

/// The `external_pub` extension of a GroupInfo (§12.4.3.2).
fn external_pub(group_info: &GroupInfo) -> Result<Vec<u8>, GroupError> {
    let extension = group_info
        .extensions
        .iter()
        .find(|e| e.extension_type == ExtensionType::EXTERNAL_PUB)
        .ok_or(GroupError::MissingExternalPub)?;
    Ok(ExternalPub::from_bytes(&extension.extension_data)?
        .external_pub
        .into_vec())
}

/// The Remove of a resync must remove an old version of the joiner: a member that the
/// application's validator takes for the same member as the joiner's new credential (§12.2,
/// §12.4.3.2; [`crate::CredentialValidator::is_same_member`]).
fn check_resync(
    config: &GroupConfig,
    tree: &RatchetTree,
    plan: &ProposalPlan,
    joiner: &mls_codec::Credential,
) -> Result<(), GroupError> {
    for &leaf in &plan.removes {
        match tree.leaf(leaf) {
            Some(node)
                if config
                    .credential_validator
                    .is_same_member(&node.credential, joiner) => {}
            _ => return Err(GroupError::ResyncCredentialMismatch { leaf }),
        }
    }
    Ok(())
}

impl Group {
    /// A GroupInfo of the current epoch (RFC 9420 §12.4.3), as an MLSMessage signed by us,
    /// with which a non-member can join by an external commit
    /// ([`Client::join_by_external_commit`]): it carries the `external_pub` extension, the
    /// public key of the epoch's external key pair (§8.3, §12.4.3.2), and the `ratchet_tree`
    /// extension if [`crate::GroupConfig::ratchet_tree_extension`] is set (otherwise the
    /// joiner needs [`Group::ratchet_tree`] from elsewhere).
    ///
    /// A GroupInfo serves one external join: the join moves the group to a new epoch.
    pub fn group_info(&self) -> Result<Vec<u8>, GroupError> {
        self.check_active()?;
        let suite = self.suite()?;
        // The epoch's confirmation tag is MAC(confirmation_key, confirmed_transcript_hash)
        // (§8.1), whichever way we entered the epoch; it is recomputed, not stored.
        let tag = confirmation_tag(
            suite,
            self.epoch.secrets.confirmation_key(),
            &self.epoch.transcript.confirmed,
        );
        let external = self.epoch.secrets.external_key_pair(suite)?;
        let mut extensions = vec![Extension {
            extension_type: ExtensionType::EXTERNAL_PUB,
            extension_data: VarBytes(
                ExternalPub {
                    external_pub: VarBytes(external.public_key),
                }
                .to_bytes()?,
            ),
        }];
        if self.config.ratchet_tree_extension {
            extensions.push(Extension {
                extension_type: ExtensionType::RATCHET_TREE,
                extension_data: VarBytes(self.tree.to_bytes()?),
            });
        }
        if self.config.grease.in_extensions() {
            extensions.push(crate::key_package::grease_extension(suite)?);
        }
        let group_info = welcome::sign_group_info(
            &*self.signer,
            GroupInfoTbs {
                group_context: self.epoch.context.clone(),
                extensions,
                confirmation_tag: VarBytes(tag),
                signer: self.own_leaf().0,
            },
        )?;
        encode_message(MlsMessageBody::GroupInfo(group_info))
    }

    /// Joins by an external commit (§12.4.3.2); see [`Client::join_by_external_commit`].
    fn join_external(
        client: &Client,
        group_info: &[u8],
        ratchet_tree: Option<&[u8]>,
        resync_leaf: Option<LeafIndex>,
        external_psks: &[(&[u8], &Secret)],
    ) -> Result<(Self, Vec<u8>), GroupError> {
        let message = decode_message(group_info)?;
        let MlsMessageBody::GroupInfo(group_info) = message.body else {
            return Err(GroupError::UnexpectedWireFormat(message.body.wire_format()));
        };
        let current = &group_info.group_context;
        if current.cipher_suite != client.cipher_suite() {
            return Err(GroupError::GroupInfoCipherSuiteMismatch {
                expected: client.cipher_suite(),
                found: current.cipher_suite,
            });
        }
        if current.version != ProtocolVersion::MLS10 {
            return Err(GroupError::UnsupportedVersion(current.version));
        }
        let provider = Arc::clone(client.provider());
        let signer = Arc::clone(client.signer());
        let config = client.config().clone();
        let suite = provider.suite(current.cipher_suite)?;

        // The GroupInfo and its tree, checked as a Welcome's are (§12.4.3.1).
        let encoded_tree = match group_info
            .extensions
            .iter()
            .find(|e| e.extension_type == ExtensionType::RATCHET_TREE)
        {
            Some(extension) => &extension.extension_data[..],
            None => ratchet_tree.ok_or(GroupError::MissingRatchetTree)?,
        };
        let mut tree = receive_tree(
            suite,
            TreeSource::Encoded(encoded_tree),
            LeafIndex(group_info.signer),
            &current.tree_hash,
            &current.group_id,
            client.config().max_tree_leaves,
            |signer_key| welcome::verify_group_info(suite, &group_info, signer_key),
            |tree| {
                let authenticator = Authenticator {
                    config: &config,
                    group_id: &current.group_id,
                    epoch: current.epoch,
                };
                authenticator.tree(tree)?;
                proposals::check_received_tree(current, tree)?;
                authenticator.external_senders(&current.extensions)
            },
        )?;
        let external_pub = external_pub(&group_info)?;
        let current_bytes = current.to_bytes()?;
        let before = TranscriptHashes::from_group_info(
            suite,
            &current.confirmed_transcript_hash,
            &group_info.confirmation_tag,
        )?;

        // The proposals: ExternalInit (§8.3, §12.1.6), for a resync the Remove of our old
        // leaf, and a PreSharedKey for each external PSK, each with a fresh nonce (§8.4),
        // validated by the rules every member applies (§12.2).
        let (kem_output, init_secret) =
            suite.hpke_export_sender(&external_pub, b"", EXTERNAL_INIT_LABEL, suite.hash_len())?;
        let mut proposals = vec![Proposal::ExternalInit(ExternalInit {
            kem_output: VarBytes(kem_output),
        })];
        if let Some(leaf) = resync_leaf {
            proposals.push(Proposal::Remove(Remove { removed: leaf.0 }));
        }
        for (psk_id, _) in external_psks {
            proposals.push(Proposal::PreSharedKey(PreSharedKey {
                psk: PreSharedKeyId {
                    psk: Psk::External {
                        psk_id: VarBytes::from(*psk_id),
                    },
                    psk_nonce: VarBytes(suite.random_bytes(suite.hash_len())?),
                },
            }));
        }
        let plan = proposals::plan(
            &ProposalContext {
                suite,
                tree: &tree,
                group_context: current,
                committer: Sender::NewMemberCommit,
                now: config.now(),
            },
            proposals
                .iter()
                .map(|proposal| SenderProposal {
                    sender: Sender::NewMemberCommit,
                    proposal: proposal.clone(),
                })
                .collect(),
        )?;
        check_resync(&config, &tree, &plan, client.credential())?;
        let psk_secret = psk_secret_of(suite, &plan.psks, |id| match &id.psk {
            Psk::External { psk_id } => external_psks
                .iter()
                .find(|(given, _)| *given == psk_id.as_slice())
                .map(|&(_, psk)| psk)
                .ok_or(GroupError::UnknownPsk),
            Psk::Resumption { .. } => Err(GroupError::UnknownPsk),
        })?;
        for &leaf in &plan.removes {
            tree.remove_leaf(leaf)?;
        }

        // Our leaf at the leftmost blank leaf, as an Add would place it, then the path from
        // there (§12.4.3.2). The key package's keys are replaced by the path's.
        let bundle = client.new_bundle()?;
        let leaf_node = bundle.key_package.leaf_node;
        let own = tree.add_leaf(leaf_node.clone())?;
        let provisional = GroupContext {
            epoch: current
                .epoch
                .checked_add(1)
                .ok_or(GroupError::EpochExhausted)?,
            ..current.clone()
        };
        let generated = tree.generate_update_path(
            suite,
            own,
            leaf_node,
            &*signer,
            &current.group_id,
            &[],
            |tree_hash| context_with_tree_hash(&provisional, tree_hash),
        )?;

        let content = FramedContent {
            group_id: current.group_id.clone(),
            epoch: current.epoch,
            sender: Sender::NewMemberCommit,
            authenticated_data: VarBytes::default(),
            content: FramedContentBody::Commit(Commit {
                proposals: proposals.into_iter().map(ProposalOrRef::Proposal).collect(),
                path: Some(generated.update_path.clone()),
            }),
        };
        let wire_format = WireFormat::MLS_PUBLIC_MESSAGE;
        let signature = mls_framing::sign_content(&*signer, wire_format, &content, &current_bytes)?;
        let confirmed = mls_key_schedule::confirmed_transcript_hash(
            suite,
            &before.interim,
            wire_format,
            &content,
            &signature,
        )?;
        let context = GroupContext {
            tree_hash: VarBytes(tree.tree_hash(suite)?),
            confirmed_transcript_hash: VarBytes(confirmed.clone()),
            ..provisional
        };
        let epoch_secrets = KeySchedule::new_epoch(
            suite,
            &init_secret,
            &generated.commit_secret,
            &psk_secret,
            &context.to_bytes()?,
        )?
        .into_epoch_secrets();
        let tag = confirmation_tag(suite, epoch_secrets.confirmation_key(), &confirmed);
        let transcript = TranscriptHashes {
            interim: mls_key_schedule::interim_transcript_hash(suite, &confirmed, &tag)?,
            confirmed,
        };
        let commit = public::protect_authenticated(
            PublicEpoch {
                suite,
                group_context: &current_bytes,
                membership_key: None,
            },
            AuthenticatedContent {
                wire_format,
                content,
                auth: FramedContentAuthData {
                    signature: VarBytes(signature),
                    confirmation_tag: Some(VarBytes(tag)),
                },
            },
        )?;
        let commit = encode_message(MlsMessageBody::PublicMessage(commit))?;
        let epoch = Epoch::new(
            suite,
            context,
            tree.size(),
            generated.private_keys,
            epoch_secrets,
            transcript,
            config.secret_tree,
        )?;
        let mut group = Self::from_epoch(provider, signer, config, tree, epoch);
        for &(psk_id, psk) in external_psks {
            group.add_external_psk(psk_id, psk.clone());
        }
        Ok((group, commit))
    }

    /// Processes an external commit (sender `new_member_commit`, §12.4.2, §12.4.3.2) whose
    /// signature was verified with its path's leaf node key: proposals only by value and by
    /// the external-commit rules (§12.2), the joiner's leaf added at the leftmost blank leaf
    /// after the Remove of a resync, its path merged and decrypted, the init secret from the
    /// ExternalInit (§8.3), and the confirmation tag checked. On error nothing changes.
    pub(super) fn stage_external_commit_message(
        &mut self,
        authenticated: &AuthenticatedContent,
    ) -> Result<StagedCommit, GroupError> {
        let FramedContentBody::Commit(commit) = &authenticated.content.content else {
            return Err(GroupError::UnexpectedContent);
        };
        let path = commit.path.as_ref().ok_or(GroupError::MissingPath)?;
        let sender_proposals = commit
            .proposals
            .iter()
            .map(|entry| match entry {
                ProposalOrRef::Proposal(proposal) => Ok(SenderProposal {
                    sender: Sender::NewMemberCommit,
                    proposal: proposal.clone(),
                }),
                ProposalOrRef::Reference(_) => Err(GroupError::ExternalCommitProposalByReference),
            })
            .collect::<Result<Vec<_>, _>>()?;
        for entry in &sender_proposals {
            crate::rules::check(&*self.config.proposal_rules, &entry.sender, &entry.proposal)?;
        }
        let plan = proposals::plan(
            &self.proposal_context(Sender::NewMemberCommit)?,
            sender_proposals,
        )?;
        let kem_output = &plan
            .external_init
            .as_ref()
            .ok_or(GroupError::Internal(
                "an external commit without ExternalInit",
            ))?
            .kem_output;
        let authenticator = self.authenticator();
        authenticator.plan(&plan)?;
        authenticator.leaf_node(CredentialSource::ExternalCommit, None, &path.leaf_node)?;
        check_resync(&self.config, &self.tree, &plan, &path.leaf_node.credential)?;
        // The joiner's leaf is known once it is placed; an external commit covers no custom
        // proposal (§12.2).
        let mut summary = self.summary(
            authenticated,
            self.tree.leftmost_blank_leaf(),
            path.leaf_node.credential.clone(),
            &plan,
        );
        if plan.removes.contains(&self.own_leaf()) {
            // Our identity rejoined from elsewhere (a resync, §12.4.3.2).
            return Ok(StagedCommit {
                summary,
                effect: Effect::Leave,
                consumed: None,
            });
        }
        self.tree.begin_changes()?;
        let staged = self
            .stage_external_commit(authenticated, path, &plan, kem_output)
            .map(|(joiner, next)| {
                summary.committer = joiner;
                summary.added = vec![Member::of(joiner, &path.leaf_node)];
                (next, summary)
            });
        self.stash_commit(staged)
    }

    /// Applies a received external commit to the tree, decrypts its path and checks its
    /// confirmation tag; returns the joiner's leaf and the epoch it leads to.
    fn stage_external_commit(
        &mut self,
        authenticated: &AuthenticatedContent,
        path: &mls_codec::UpdatePath,
        plan: &ProposalPlan,
        kem_output: &[u8],
    ) -> Result<(LeafIndex, Epoch), GroupError> {
        let provider = Arc::clone(&self.provider);
        let suite = provider.suite(self.epoch.context.cipher_suite)?;
        for &leaf in &plan.removes {
            self.tree.remove_leaf(leaf)?;
        }
        let extensions = self.epoch.context.extensions.clone();
        let provisional = self.provisional_context(&extensions)?;
        // The joiner's leaf goes where an Add would put it (§12.4.3.2); until the path is
        // merged, it holds the path's leaf node without its encryption key, which the merge
        // checks is new to the tree.
        let joiner = self.tree.add_leaf(mls_codec::LeafNode {
            encryption_key: VarBytes::default(),
            ..path.leaf_node.clone()
        })?;
        self.check_path_leaf_node(suite, &extensions, joiner, path)?;
        let received = self.tree.apply_update_path(
            suite,
            joiner,
            path,
            &self.epoch.private_keys,
            &[],
            |tree_hash| context_with_tree_hash(&provisional, tree_hash),
        )?;

        let transcript = self.epoch.transcript.after_commit(suite, authenticated)?;
        let context = GroupContext {
            tree_hash: VarBytes(self.tree.tree_hash(suite)?),
            confirmed_transcript_hash: VarBytes(transcript.confirmed.clone()),
            ..provisional
        };
        let init_secret = receive_init_secret(suite, &self.epoch, kem_output)?;
        let psk_secret = self.psk_secret(suite, &plan.psks)?;
        let epoch_secrets = super::commit::confirmed_epoch_secrets(
            suite,
            &init_secret,
            &received.commit_secret,
            &psk_secret,
            &context,
            &transcript,
            authenticated,
        )?;
        let next = Epoch::new(
            suite,
            context,
            self.tree.size(),
            received.private_keys,
            epoch_secrets,
            transcript,
            self.config.secret_tree,
        )?;
        Ok((joiner, next))
    }
}

impl Client {
    /// Joins a group by an external commit (RFC 9420 §12.4.3.2), without a Welcome.
    ///
    /// `group_info` is a GroupInfo MLSMessage of the group's current epoch with the
    /// `external_pub` extension (from [`Group::group_info`]); `ratchet_tree` is the encoded
    /// tree when the GroupInfo does not carry the `ratchet_tree` extension. The GroupInfo's
    /// signature, the tree and its hash are checked as for a Welcome. `resync_leaf` makes it a
    /// "resync": the commit also removes that leaf, an old version of ourselves (it must have
    /// our credential).
    ///
    /// The commit holds an ExternalInit whose `kem_output` gives the new epoch's init secret
    /// (§8.3), the optional Remove, and an UpdatePath from our new leaf, the leftmost blank
    /// leaf after the Remove; its sender is `new_member_commit` and it is a PublicMessage
    /// (signed by us, no membership tag). Returns our group, already in the new epoch (there
    /// is no pending commit to merge), and the commit, an MLSMessage for every member. If the
    /// delivery service rejects the commit (another commit won the epoch), discard the group
    /// and retry with a fresh GroupInfo.
    pub fn join_by_external_commit(
        &mut self,
        group_info: &[u8],
        ratchet_tree: Option<&[u8]>,
        resync_leaf: Option<LeafIndex>,
    ) -> Result<(Group, Vec<u8>), GroupError> {
        Group::join_external(self, group_info, ratchet_tree, resync_leaf, &[])
    }

    /// [`Client::join_by_external_commit`] with external pre-shared keys (RFC 9420 §8.4,
    /// §12.4.3.2): the commit carries a PreSharedKey proposal for each `(psk_id, psk)`, with
    /// a fresh nonce, and the new epoch's key schedule takes their psk_secret, so only
    /// members that also hold every one of these PSKs (registered with
    /// [`Group::add_external_psk`]) can process the commit. The PSKs are registered in the
    /// returned group too.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use mls_codec::CipherSuite;
    /// use mls_crypto::Secret;
    /// use mls_crypto_rustcrypto::RustCryptoProvider;
    /// use mls_group::{Client, ProcessedMessage};
    ///
    /// let suite = CipherSuite::MLS_128_DHKEMX25519_AES128GCM_SHA256_ED25519;
    /// let provider = Arc::new(RustCryptoProvider::new());
    /// let alice = Client::new(provider.clone(), suite, b"alice")?;
    /// let mut group = alice.create_group(b"group")?;
    /// group.add_external_psk(b"shared", Secret::new(vec![7; 32]));
    ///
    /// let mut bob = Client::new(provider, suite, b"bob")?;
    /// let (bobs_group, commit) = bob.join_by_external_commit_with_psks(
    ///     &group.group_info()?,
    ///     None,
    ///     None,
    ///     &[(b"shared", &Secret::new(vec![7; 32]))],
    /// )?;
    /// assert!(matches!(group.process_message(&commit)?, ProcessedMessage::Commit { .. }));
    /// assert_eq!(group.epoch_authenticator(), bobs_group.epoch_authenticator());
    /// # Ok::<(), mls_group::GroupError>(())
    /// ```
    pub fn join_by_external_commit_with_psks(
        &mut self,
        group_info: &[u8],
        ratchet_tree: Option<&[u8]>,
        resync_leaf: Option<LeafIndex>,
        external_psks: &[(&[u8], &Secret)],
    ) -> Result<(Group, Vec<u8>), GroupError> {
        Group::join_external(self, group_info, ratchet_tree, resync_leaf, external_psks)
    }
}
