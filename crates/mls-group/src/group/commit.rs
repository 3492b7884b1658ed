//! Creating and processing commits (RFC 9420 §12.4): the proposals' effect on the tree, the
//! UpdatePath, the new GroupContext and key schedule, the confirmation tag, and the Welcome.

use mls_codec::{
    AuthenticatedContent, Commit, Credential, Encode, Extension, ExtensionType, FramedContentBody,
    GroupContext, GroupInfoTbs, KeyPackage, LeafNodeSource, MlsMessageBody, PreSharedKeyId,
    Proposal, ProposalOrRef, Psk, ResumptionPskUsage, Sender, UpdatePath, VarBytes,
};
use mls_crypto::{CipherSuiteProvider, Secret};
use mls_key_schedule::{
    EpochSecrets, KeySchedule, PskInput, TranscriptHashes, confirmation_tag, psk_secret,
    verify_confirmation_tag, zero_secret,
};
use mls_tree::low_level::TreeTransactions;
use mls_tree::{LeafIndex, TreePrivateKeys, check_leaf_node_source, verify_leaf_node_signature};

use super::messages::encode_message;
use super::reinit::ImportedPsk;
use super::select::OmittedProposal;
use super::staged::{CommitSummary, Effect, StagedCommit};
use super::{Epoch, Group, Member, PendingCommit};
use crate::proposals::{self, ProposalContext, ProposalPlan, SenderProposal};
use crate::welcome::{self, NewMemberSecrets};
use crate::{CredentialSource, GroupError};
use std::sync::Arc;

/// What to put in a commit besides the proposals received in the epoch, which are always
/// included by reference (§12.4).
#[derive(Debug, Default)]
#[non_exhaustive]
pub struct CommitOptions {
    /// Proposals of our own, included by value.
    pub proposals: Vec<Proposal>,
    /// Include an UpdatePath even when the proposals do not require one (a self-update,
    /// §12.4.1).
    pub force_path: bool,
    /// The commit message's `authenticated_data` (§6), returned to receivers in
    /// [`crate::ProcessedMessage::Commit`].
    pub authenticated_data: Vec<u8>,
}

impl CommitOptions {
    /// Our own `proposals`, included by value (§12.4).
    pub fn with_proposals(mut self, proposals: Vec<Proposal>) -> Self {
        self.proposals = proposals;
        self
    }

    /// Whether to include an UpdatePath even when the proposals do not require one (§12.4.1).
    pub fn with_force_path(mut self, force_path: bool) -> Self {
        self.force_path = force_path;
        self
    }

    /// The commit message's `authenticated_data` (§6).
    pub fn with_authenticated_data(mut self, authenticated_data: Vec<u8>) -> Self {
        self.authenticated_data = authenticated_data;
        self
    }
}

/// The messages a commit produces.
#[derive(Debug)]
#[non_exhaustive]
pub struct CommitOutput {
    /// The commit, an MLSMessage for every member.
    pub commit: Vec<u8>,
    /// The Welcome for the members it adds, an MLSMessage, if it adds any.
    pub welcome: Option<Vec<u8>>,
    /// The proposals cached in the epoch that the commit left out, and why (RFC 9420 §12.2;
    /// the rule is in [`crate::OmittedProposal`]'s module). They are gone once the commit is
    /// merged.
    pub omitted: Vec<OmittedProposal>,
}

/// What a commit's proposals did besides changing the tree (§12.4.2 steps before the path).
struct Staged {
    extensions: Vec<Extension>,
    added: Vec<(LeafIndex, KeyPackage)>,
    psks: Vec<PreSharedKeyId>,
}

impl Group {
    /// Adds the members of the given key packages (MLSMessages) in one commit (§12.1.1).
    pub fn add_members(&mut self, key_packages: &[Vec<u8>]) -> Result<CommitOutput, GroupError> {
        let proposals = key_packages
            .iter()
            .map(|bytes| {
                crate::client::parse_key_package(bytes)
                    .map(|kp| Proposal::Add(mls_codec::Add { key_package: kp }))
            })
            .collect::<Result<_, _>>()?;
        self.commit(CommitOptions::default().with_proposals(proposals))
    }

    /// Removes the members at `leaves` in one commit (§12.1.3).
    pub fn remove_members(&mut self, leaves: &[LeafIndex]) -> Result<CommitOutput, GroupError> {
        let proposals = leaves
            .iter()
            .map(|leaf| Proposal::Remove(mls_codec::Remove { removed: leaf.0 }))
            .collect();
        self.commit(CommitOptions::default().with_proposals(proposals))
    }

    /// A commit with a fresh UpdatePath: new keys for our leaf and direct path (§12.4.1),
    /// for post-compromise security.
    pub fn self_update(&mut self) -> Result<CommitOutput, GroupError> {
        self.commit(CommitOptions::default().with_force_path(true))
    }

    /// Creates a commit of the proposals received in this epoch and `options.proposals`
    /// (§12.4.1). The group stays in its epoch until [`Group::merge_pending_commit`].
    pub fn commit(&mut self, options: CommitOptions) -> Result<CommitOutput, GroupError> {
        self.commit_with_psk(options, None)
    }

    /// [`Group::commit`], where `import` is a resumption PSK of another group (usage reinit
    /// or branch) that the commit's PreSharedKey proposals may name (§11.2, §11.3).
    pub(super) fn commit_with_psk(
        &mut self,
        options: CommitOptions,
        import: Option<&ImportedPsk>,
    ) -> Result<CommitOutput, GroupError> {
        if self.pending_commit.is_some() {
            return Err(GroupError::PendingCommit);
        }
        self.check_active()?;
        let usage = import.map_or(ResumptionPskUsage::Application, |i| i.usage);
        let authenticated_data = options.authenticated_data;
        // Cached proposals were checked when they arrived; the application's own by value
        // are now.
        let committer = Sender::Member(self.own_leaf());
        for proposal in &options.proposals {
            crate::rules::check(&*self.config.proposal_rules, &committer, proposal)?;
            self.authenticator().proposal(&committer, proposal)?;
        }
        let selection = self.select_proposals(options.proposals, usage)?;
        let plan = selection.plan;
        let path_sent = options.force_path || self.config.require_path || plan.path_sent();
        // The commit is staged on the tree, whose changes are then undone and kept until the
        // commit is merged.
        self.tree.begin_changes()?;
        let staged = self.stage_own_commit(
            selection.entries,
            &plan,
            path_sent,
            import,
            &authenticated_data,
        );
        let tree_changes = self.tree.stash_changes();
        let (mut output, epoch) = staged?;
        output.omitted = selection.omitted;
        self.pending_commit = Some(PendingCommit {
            epoch,
            tree_changes,
        });
        Ok(output)
    }

    /// Applies our commit of `plan` to the tree (with a fresh UpdatePath if `path_sent`) and
    /// builds its messages and the epoch it leads to (§12.4.1).
    fn stage_own_commit(
        &mut self,
        entries: Vec<ProposalOrRef>,
        plan: &ProposalPlan,
        path_sent: bool,
        import: Option<&ImportedPsk>,
        authenticated_data: &[u8],
    ) -> Result<(CommitOutput, Epoch), GroupError> {
        let provider = Arc::clone(&self.provider);
        let suite = provider.suite(self.epoch.context.cipher_suite)?;
        let own = self.own_leaf();
        let staged = self.stage_proposals(plan)?;
        let new_members: Vec<LeafIndex> = staged.added.iter().map(|(leaf, _)| *leaf).collect();
        let provisional = self.provisional_context(&staged.extensions)?;

        let (path, private_keys, commit_secret, generated) = if path_sent {
            let own_leaf_node = self
                .tree
                .leaf(own)
                .ok_or(GroupError::Internal("our leaf is blank"))?
                .clone();
            let generated = self.tree.generate_update_path(
                suite,
                own,
                own_leaf_node,
                &*self.signer,
                &self.epoch.context.group_id,
                &new_members,
                |tree_hash| context_with_tree_hash(&provisional, tree_hash),
            )?;
            (
                Some(generated.update_path.clone()),
                generated.private_keys.clone(),
                Secret::from_slice(generated.commit_secret.as_bytes()),
                Some(generated),
            )
        } else {
            (
                None,
                self.epoch.private_keys.clone(),
                zero_secret(suite),
                None,
            )
        };

        let wire_format = self.config.handshake_wire_format;
        let content = self.framed_content(
            FramedContentBody::Commit(Commit {
                proposals: entries,
                path,
            }),
            authenticated_data,
        );
        let mut authenticated = self.sign(wire_format, content, None)?;
        let tree_hash = self.tree.tree_hash(suite)?;
        let confirmed = mls_key_schedule::confirmed_transcript_hash(
            suite,
            &self.epoch.transcript.interim,
            wire_format,
            &authenticated.content,
            &authenticated.auth.signature,
        )?;
        let context = GroupContext {
            tree_hash: VarBytes(tree_hash),
            confirmed_transcript_hash: VarBytes(confirmed.clone()),
            ..provisional
        };
        let psk_secret = self.psk_secret_with(suite, &staged.psks, import)?;
        let schedule = KeySchedule::new_epoch(
            suite,
            self.epoch.secrets.init_secret(),
            &commit_secret,
            &psk_secret,
            &context.to_bytes()?,
        )?;
        let tag = confirmation_tag(
            suite,
            schedule.epoch_secrets().confirmation_key(),
            &confirmed,
        );
        authenticated.auth.confirmation_tag = Some(VarBytes(tag.clone()));
        let transcript = TranscriptHashes {
            interim: mls_key_schedule::interim_transcript_hash(suite, &confirmed, &tag)?,
            confirmed,
        };

        let (joiner_secret, _, epoch_secrets) = schedule.into_parts();
        let welcome = if staged.added.is_empty() {
            None
        } else {
            let mut extensions = vec![crate::key_package::grease_extension(suite)?];
            if self.config.ratchet_tree_extension {
                extensions.push(Extension {
                    extension_type: ExtensionType::RATCHET_TREE,
                    extension_data: VarBytes(self.tree.to_bytes()?),
                });
            }
            let group_info = welcome::sign_group_info(
                &*self.signer,
                GroupInfoTbs {
                    group_context: context.clone(),
                    extensions,
                    confirmation_tag: VarBytes(tag.clone()),
                    signer: own.0,
                },
            )?;
            let members: Vec<NewMemberSecrets<'_>> = staged
                .added
                .iter()
                .map(|(leaf, key_package)| NewMemberSecrets {
                    key_package,
                    path_secret: generated.as_ref().and_then(|g| g.path_secret_for(*leaf)),
                })
                .collect();
            let welcome = welcome::build_welcome(
                suite,
                &group_info,
                &joiner_secret,
                &psk_secret,
                &staged.psks,
                &members,
            )?;
            Some(encode_message(MlsMessageBody::Welcome(welcome))?)
        };
        let mut next = Epoch::new(
            suite,
            context,
            self.tree.size(),
            private_keys,
            epoch_secrets,
            transcript,
            self.config.secret_tree,
        )?;
        next.reinit = plan.reinit.clone();
        let commit = self.protect(authenticated)?;
        Ok((
            CommitOutput {
                commit,
                welcome,
                omitted: Vec::new(),
            },
            next,
        ))
    }

    /// Processes a commit from another member (§12.4.2) and, if every check passes, moves the
    /// group to the new epoch; `transcript` is its transcript hashes if already computed. On
    /// error nothing changes.
    pub(super) fn stage_commit(
        &mut self,
        authenticated: &AuthenticatedContent,
        transcript: Option<TranscriptHashes>,
    ) -> Result<StagedCommit, GroupError> {
        let FramedContentBody::Commit(commit) = &authenticated.content.content else {
            return Err(GroupError::UnexpectedContent);
        };
        let committer_index = match authenticated.content.sender {
            Sender::Member(leaf) => leaf,
            // An external commit (§12.4.3.2): see `external_commit.rs`.
            Sender::NewMemberCommit => return self.stage_external_commit_message(authenticated),
            other => return Err(GroupError::UnsupportedSender(other.sender_type())),
        };
        let committer = committer_index;
        if committer == self.own_leaf() {
            return Err(GroupError::OwnCommit);
        }
        let credential = self.sender_credential(&authenticated.content)?;
        let sender_proposals = self.resolve_proposals(&authenticated.content.sender, commit)?;
        for entry in &sender_proposals {
            crate::rules::check(&*self.config.proposal_rules, &entry.sender, &entry.proposal)?;
        }
        let plan = proposals::plan(
            &self.proposal_context(authenticated.content.sender)?,
            sender_proposals,
        )?;
        if commit.path.is_none() && plan.path_required() {
            return Err(GroupError::MissingPath);
        }
        if commit.path.is_none() && self.config.require_path {
            return Err(GroupError::PathRequiredByConfig);
        }
        let authenticator = self.authenticator();
        authenticator.plan(&plan)?;
        if let Some(path) = &commit.path {
            authenticator.leaf_node(
                CredentialSource::UpdatePath,
                Some(committer),
                &path.leaf_node,
            )?;
        }
        let mut summary = self.summary(authenticated, committer, credential, &plan);
        if plan.removes.contains(&self.own_leaf()) {
            return Ok(StagedCommit {
                summary,
                effect: Effect::Leave,
                consumed: None,
            });
        }
        self.tree.begin_changes()?;
        let staged = self
            .stage_received_commit(authenticated, transcript, commit, committer, &plan)
            .map(|(next, added)| {
                summary.added = added;
                (next, summary)
            });
        self.stash_commit(staged)
    }

    /// What a commit of `plan` by `committer` does, but for the members it adds, known once
    /// they are placed.
    pub(super) fn summary(
        &self,
        authenticated: &AuthenticatedContent,
        committer: LeafIndex,
        credential: Credential,
        plan: &ProposalPlan,
    ) -> CommitSummary {
        CommitSummary {
            group_id: self.epoch.context.group_id.to_vec(),
            from_epoch: self.epoch(),
            sender: authenticated.content.sender,
            committer,
            credential,
            authenticated_data: authenticated.content.authenticated_data.to_vec(),
            added: Vec::new(),
            removed: plan
                .removes
                .iter()
                .filter_map(|&leaf| self.tree.leaf(leaf).map(|node| Member::of(leaf, node)))
                .collect(),
            updated: plan
                .updates
                .iter()
                .map(|(leaf, node)| Member::of(*leaf, node))
                .collect(),
            psks: plan.psks.clone(),
            group_context_extensions: plan.group_context_extensions.clone(),
            reinit: plan.reinit.clone(),
            custom_proposals: plan.custom.clone(),
        }
    }

    /// Applies a received commit of `plan` to the tree, decrypts its path and checks its
    /// confirmation tag (§12.4.2); returns the epoch it leads to and the members it adds.
    fn stage_received_commit(
        &mut self,
        authenticated: &AuthenticatedContent,
        transcript: Option<TranscriptHashes>,
        commit: &Commit,
        committer: LeafIndex,
        plan: &ProposalPlan,
    ) -> Result<(Epoch, Vec<Member>), GroupError> {
        let provider = Arc::clone(&self.provider);
        let suite = provider.suite(self.epoch.context.cipher_suite)?;
        let staged = self.stage_proposals(plan)?;
        let new_members: Vec<LeafIndex> = staged.added.iter().map(|(leaf, _)| *leaf).collect();
        let provisional = self.provisional_context(&staged.extensions)?;
        let own_private_keys = self.private_keys_after_updates(plan)?;

        let (private_keys, commit_secret) = match &commit.path {
            Some(path) => {
                self.check_path_leaf_node(suite, &staged.extensions, committer, path)?;
                let received = self.tree.apply_update_path(
                    suite,
                    committer,
                    path,
                    &own_private_keys,
                    &new_members,
                    |tree_hash| context_with_tree_hash(&provisional, tree_hash),
                )?;
                (received.private_keys, received.commit_secret)
            }
            None => (own_private_keys, zero_secret(suite)),
        };

        let transcript = match transcript {
            Some(transcript) => transcript,
            None => self.epoch.transcript.after_commit(suite, authenticated)?,
        };
        let context = GroupContext {
            tree_hash: VarBytes(self.tree.tree_hash(suite)?),
            confirmed_transcript_hash: VarBytes(transcript.confirmed.clone()),
            ..provisional
        };
        let psk_secret = self.psk_secret(suite, &staged.psks)?;
        let epoch_secrets = confirmed_epoch_secrets(
            suite,
            self.epoch.secrets.init_secret(),
            &commit_secret,
            &psk_secret,
            &context,
            &transcript,
            authenticated,
        )?;
        let mut next = Epoch::new(
            suite,
            context,
            self.tree.size(),
            private_keys,
            epoch_secrets,
            transcript,
            self.config.secret_tree,
        )?;
        next.reinit = plan.reinit.clone();
        let added = staged
            .added
            .iter()
            .map(|(leaf, key_package)| Member::of(*leaf, &key_package.leaf_node))
            .collect();
        Ok((next, added))
    }

    /// What proposal validation needs about the current epoch.
    pub(super) fn proposal_context(
        &self,
        committer: Sender,
    ) -> Result<ProposalContext<'_>, GroupError> {
        Ok(ProposalContext {
            suite: self.suite()?,
            tree: &self.tree,
            group_context: &self.epoch.context,
            committer,
            now: self.config.now(),
        })
    }

    /// Checks a proposal received on its own (§12.1).
    pub(super) fn validate_proposal(
        &self,
        sender: &Sender,
        proposal: &Proposal,
    ) -> Result<(), GroupError> {
        let context = self.proposal_context(*sender)?;
        proposals::validate_proposal(&context, sender, proposal)?;
        crate::rules::check(&*self.config.proposal_rules, sender, proposal)?;
        self.authenticator().proposal(sender, proposal)
    }

    /// The proposals of a received commit with their senders: by value from the committer,
    /// by reference from this epoch's cache (§12.4.2).
    fn resolve_proposals(
        &self,
        committer: &Sender,
        commit: &Commit,
    ) -> Result<Vec<SenderProposal>, GroupError> {
        commit
            .proposals
            .iter()
            .map(|entry| match entry {
                ProposalOrRef::Proposal(proposal) => Ok(SenderProposal {
                    sender: *committer,
                    proposal: proposal.clone(),
                }),
                ProposalOrRef::Reference(reference) => self
                    .proposals
                    .iter()
                    .find(|cached| &cached.reference == reference)
                    .map(|cached| SenderProposal {
                        sender: cached.sender,
                        proposal: cached.proposal.clone(),
                    })
                    .ok_or(GroupError::UnknownProposalReference),
            })
            .collect()
    }

    /// Applies the proposals of a plan to the tree, in the order of §12.4.2:
    /// GroupContextExtensions, Update, Remove, Add; PreSharedKeys are collected.
    fn stage_proposals(&mut self, plan: &ProposalPlan) -> Result<Staged, GroupError> {
        let tree = &mut self.tree;
        let extensions = plan
            .group_context_extensions
            .clone()
            .unwrap_or_else(|| self.epoch.context.extensions.clone());
        for (leaf, leaf_node) in &plan.updates {
            tree.update_leaf(*leaf, leaf_node.clone())?;
        }
        for leaf in &plan.removes {
            tree.remove_leaf(*leaf)?;
        }
        let mut added = Vec::with_capacity(plan.adds.len());
        for key_package in &plan.adds {
            let leaf = tree.add_leaf(key_package.leaf_node.clone())?;
            added.push((leaf, key_package.clone()));
        }
        Ok(Staged {
            extensions,
            added,
            psks: plan.psks.clone(),
        })
    }

    /// Our private keys after the plan's updates: if a committed Update replaced our leaf,
    /// its private key is the one we kept when we proposed it, and our direct path is blank.
    fn private_keys_after_updates(
        &self,
        plan: &ProposalPlan,
    ) -> Result<TreePrivateKeys, GroupError> {
        let own = self.own_leaf();
        match plan.updates.iter().find(|(leaf, _)| *leaf == own) {
            None => Ok(self.epoch.private_keys.clone()),
            Some((_, leaf_node)) => {
                let key = self
                    .update_keys
                    .get(leaf_node.encryption_key.as_slice())
                    .ok_or(GroupError::UnknownUpdate)?;
                Ok(TreePrivateKeys::new(own, key.clone()))
            }
        }
    }

    /// The checks of §7.3 on the leaf node of a commit's UpdatePath (§12.4.2) that the tree
    /// does not make itself when it merges the path: its source, its signature, and its
    /// capabilities against the group after the commit's proposals — the tree as staged, with
    /// the new GroupContext `extensions` — whose other members must also support its
    /// credential type. (The tree checks that its keys are unique, and its parent hash.)
    pub(super) fn check_path_leaf_node(
        &self,
        suite: &dyn CipherSuiteProvider,
        extensions: &[Extension],
        committer: LeafIndex,
        path: &UpdatePath,
    ) -> Result<(), GroupError> {
        check_leaf_node_source(&path.leaf_node, committer, LeafNodeSource::Commit)?;
        verify_leaf_node_signature(
            suite,
            &path.leaf_node,
            &self.epoch.context.group_id,
            committer,
        )?;
        let after_proposals = ProposalContext {
            suite,
            tree: &self.tree,
            group_context: &self.epoch.context,
            committer: Sender::Member(committer),
            now: self.config.now(),
        };
        proposals::check_leaf_capabilities(
            &after_proposals,
            extensions,
            &path.leaf_node,
            Some(committer),
        )?;
        Ok(())
    }

    /// The provisional GroupContext of §12.4.2: the next epoch, the new extensions, and the
    /// current confirmed transcript hash; the tree hash is filled in once the path is merged.
    pub(super) fn provisional_context(
        &self,
        extensions: &[Extension],
    ) -> Result<GroupContext, GroupError> {
        Ok(GroupContext {
            epoch: self
                .epoch()
                .checked_add(1)
                .ok_or(GroupError::EpochExhausted)?,
            extensions: extensions.to_vec(),
            ..self.epoch.context.clone()
        })
    }

    /// The psk_secret of a commit's PreSharedKey proposals (§8.4).
    pub(super) fn psk_secret(
        &self,
        suite: &dyn CipherSuiteProvider,
        ids: &[PreSharedKeyId],
    ) -> Result<Secret, GroupError> {
        self.psk_secret_with(suite, ids, None)
    }

    /// [`Group::psk_secret`], where `import` is a resumption PSK of another group that
    /// `ids` may name (§11.2, §11.3).
    fn psk_secret_with(
        &self,
        suite: &dyn CipherSuiteProvider,
        ids: &[PreSharedKeyId],
        import: Option<&ImportedPsk>,
    ) -> Result<Secret, GroupError> {
        psk_secret_of(suite, ids, |id| match import {
            Some(import) if import.id == *id => Ok(&import.value),
            _ => self.psk_value(id),
        })
    }

    /// The value of the PSK `id` names: a registered external PSK, or the resumption PSK of a
    /// kept epoch of this group (§8.4, §8.6).
    pub(crate) fn psk_value(&self, id: &PreSharedKeyId) -> Result<&Secret, GroupError> {
        match &id.psk {
            Psk::External { psk_id } => self
                .external_psks
                .get(psk_id.as_slice())
                .ok_or(GroupError::UnknownPsk),
            Psk::Resumption {
                usage: ResumptionPskUsage::Application,
                psk_group_id,
                psk_epoch,
            } if psk_group_id == &self.epoch.context.group_id => self
                .resumption_psk(*psk_epoch)
                .ok_or(GroupError::UnknownPsk),
            Psk::Resumption { .. } => Err(GroupError::UnknownPsk),
        }
    }
}

/// The psk_secret (RFC 9420 §8.4) of the PSKs `ids` names, in order, each valued by `value`
/// (whose error, such as [`GroupError::UnknownPsk`], is the first reported).
pub(crate) fn psk_secret_of<'a>(
    suite: &dyn CipherSuiteProvider,
    ids: &'a [PreSharedKeyId],
    value: impl Fn(&'a PreSharedKeyId) -> Result<&'a Secret, GroupError>,
) -> Result<Secret, GroupError> {
    let inputs = ids
        .iter()
        .map(|id| {
            Ok(PskInput {
                id,
                psk: value(id)?,
            })
        })
        .collect::<Result<Vec<_>, GroupError>>()?;
    Ok(psk_secret(suite, &inputs)?)
}

/// The encoding of `context` with `tree_hash` as its tree hash.
pub(super) fn context_with_tree_hash(
    context: &GroupContext,
    tree_hash: &[u8],
) -> Result<Vec<u8>, mls_codec::CodecError> {
    GroupContext {
        tree_hash: VarBytes::from(tree_hash),
        ..context.clone()
    }
    .to_bytes()
}

/// The key schedule of a received commit's epoch (§8), returned only if the commit's
/// confirmation tag verifies against the new confirmed transcript hash (§12.4.2).
pub(super) fn confirmed_epoch_secrets(
    suite: &dyn CipherSuiteProvider,
    init_secret: &Secret,
    commit_secret: &Secret,
    psk_secret: &Secret,
    context: &GroupContext,
    transcript: &TranscriptHashes,
    commit: &AuthenticatedContent,
) -> Result<EpochSecrets, GroupError> {
    let epoch_secrets = KeySchedule::new_epoch(
        suite,
        init_secret,
        commit_secret,
        psk_secret,
        &context.to_bytes()?,
    )?
    .into_epoch_secrets();
    let tag = commit
        .auth
        .confirmation_tag
        .as_ref()
        .ok_or(GroupError::InvalidConfirmationTag)?;
    verify_confirmation_tag(
        suite,
        epoch_secrets.confirmation_key(),
        &transcript.confirmed,
        tag,
    )
    .map_err(|_| GroupError::InvalidConfirmationTag)?;
    Ok(epoch_secrets)
}

#[cfg(test)]
mod checks {
    use std::sync::Arc;

    use mls_codec::{CipherSuite, Commit, FramedContentBody, VarBytes, WireFormat};
    use mls_crypto_rustcrypto::RustCryptoProvider;

    use super::context_with_tree_hash;
    use crate::{Client, GroupError, LeafNodeError, ProposalError};

    const SUITE: CipherSuite = CipherSuite::MLS_128_DHKEMX25519_AES128GCM_SHA256_ED25519;

    /// The leaf node of a commit's UpdatePath is validated like any new leaf node (§12.4.2,
    /// §7.3): one whose capabilities lack its own credential type is rejected, and the
    /// receiver stays in its epoch.
    #[test]
    fn a_path_leaf_node_with_inconsistent_capabilities_is_rejected() {
        let provider = Arc::new(RustCryptoProvider::new());
        let alice = Client::new(provider.clone(), SUITE, b"alice").unwrap();
        let mut bob = Client::new(provider, SUITE, b"bob").unwrap();
        let mut alice_group = alice.create_group(b"group").unwrap();
        let added = alice_group
            .add_members(&[bob.key_package().unwrap()])
            .unwrap();
        alice_group.merge_pending_commit().unwrap();
        let mut bob_group = bob.join(&added.welcome.unwrap(), None).unwrap();

        // Bob crafts a self-update whose new leaf node no longer lists the basic credential.
        let suite = bob_group.suite().unwrap();
        let own = bob_group.own_leaf();
        let mut tree = bob_group.tree.clone();
        let mut leaf_node = tree.leaf(own).unwrap().clone();
        leaf_node.capabilities.credentials.clear();
        let provisional = bob_group
            .provisional_context(&bob_group.epoch.context.extensions)
            .unwrap();
        let generated = tree
            .generate_update_path(
                suite,
                own,
                leaf_node,
                &*bob_group.signer,
                &bob_group.epoch.context.group_id,
                &[],
                |tree_hash| context_with_tree_hash(&provisional, tree_hash),
            )
            .unwrap();
        let content = bob_group.framed_content(
            FramedContentBody::Commit(Commit {
                proposals: Vec::new(),
                path: Some(generated.update_path.clone()),
            }),
            &[],
        );
        // The receiver rejects the leaf node before it could check the confirmation tag.
        let placeholder_tag = Some(VarBytes(vec![0; suite.hash_len()]));
        let authenticated = bob_group
            .sign(WireFormat::MLS_PUBLIC_MESSAGE, content, placeholder_tag)
            .unwrap();
        let commit = bob_group.protect(authenticated).unwrap();

        let epoch = alice_group.epoch();
        let error = alice_group.process_message(&commit).unwrap_err();
        assert!(
            matches!(
                error,
                GroupError::Proposal(ProposalError::InvalidCommitLeafNode {
                    reason: LeafNodeError::CredentialNotInCapabilities { .. }
                })
            ),
            "{error:?}"
        );
        assert_eq!(alice_group.epoch(), epoch);
    }

    /// A group in the last epoch a uint64 can number cannot commit (§8.1): an error, not an
    /// overflow, and the group is unchanged.
    #[test]
    fn no_commit_after_the_last_epoch() {
        let provider = Arc::new(RustCryptoProvider::new());
        let alice = Client::new(provider, SUITE, b"alice").unwrap();
        let mut group = alice.create_group(b"group").unwrap();
        group.epoch.context.epoch = u64::MAX;
        assert!(matches!(
            group.self_update(),
            Err(GroupError::EpochExhausted)
        ));
        assert!(!group.has_pending_commit());
        assert_eq!(group.epoch(), u64::MAX);
    }
}
