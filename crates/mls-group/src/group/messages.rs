//! Sending application messages and receiving any message (RFC 9420 §6, §15).

use std::sync::Arc;

use mls_codec::{
    AuthenticatedContent, ContentType, Credential, Decode, Encode, FramedContent,
    FramedContentBody, MlsMessage, MlsMessageBody, PrivateMessage, Proposal, ProtocolVersion,
    PublicMessage, Sender, VarBytes, WireFormat,
};
use mls_crypto::make_proposal_ref;
use mls_framing::private::{self, PrivateEpoch};
use mls_framing::public::{self, PublicEpoch};
use mls_key_schedule::{RatchetKind, TranscriptHashes};
use mls_tree::LeafIndex;

use super::epoch::past_leaf;
use super::external_commit::new_member_commit_signature_key;
use super::staged::StagedCommit;
use super::{CachedProposal, Group};
use crate::GroupError;

/// What a received message was.
#[derive(Debug)]
#[non_exhaustive]
pub enum ProcessedMessage {
    /// An application message (§15).
    Application {
        /// The sender's leaf.
        sender: LeafIndex,
        /// The sender's credential, from its leaf in the epoch the message was sent in.
        credential: Credential,
        /// The epoch it was sent in (it may be a retained past epoch).
        epoch: u64,
        /// The message.
        data: Vec<u8>,
        /// The message's `authenticated_data` (§6): sent in the clear beside the ciphertext,
        /// and authenticated with it.
        authenticated_data: Vec<u8>,
    },
    /// A proposal, now cached for a commit of this epoch (§12.1).
    Proposal {
        /// Who sent it.
        sender: Sender,
        /// The sender's credential: a member's from its leaf, an external sender's from the
        /// `external_senders` extension, a new member's from its key package.
        credential: Credential,
        /// The proposal.
        proposal: Box<Proposal>,
        /// The message's `authenticated_data` (§6).
        authenticated_data: Vec<u8>,
    },
    /// A commit, now merged: the group is in the new epoch (§12.4.2).
    Commit {
        /// The committer's leaf.
        sender: LeafIndex,
        /// The committer's credential: as its leaf held it when it signed the commit, or,
        /// for an external commit, its new leaf's.
        credential: Credential,
        /// The message's `authenticated_data` (§6).
        authenticated_data: Vec<u8>,
        /// The new epoch.
        epoch: u64,
        /// The proposals of custom types (§13) the commit covered, with their senders, in
        /// the commit's order: every member supports their types, and they took effect with
        /// this epoch; what they mean is the application's to apply.
        custom_proposals: Vec<(Sender, Proposal)>,
    },
    /// A commit checked but not yet in effect, from [`Group::process_message_staged`]: see
    /// [`StagedCommit`]; [`Group::merge_staged_commit`] merges it.
    StagedCommit(Box<StagedCommit>),
    /// A valid commit that removes us (§12.1.3): the group stays in its epoch, sends
    /// nothing more ([`GroupError::RemovedFromGroup`]) and reads only the application
    /// messages of the epochs it kept; [`crate::Group::is_removed`] now says so.
    Removed {
        /// The committer: a member, or `NewMemberCommit` for an external commit of our own
        /// identity rejoining (a resync, §12.4.3.2).
        sender: Sender,
        /// The epoch the commit starts, which we do not enter.
        epoch: u64,
    },
}

/// A message key to consume once the message has been fully accepted.
#[derive(Debug)]
pub(super) struct Consumed {
    epoch: u64,
    leaf: u32,
    kind: RatchetKind,
    generation: u32,
}

impl Group {
    /// Encrypts an application message for the group (§15) as an MLSMessage.
    pub fn encrypt_application_message(&mut self, data: &[u8]) -> Result<Vec<u8>, GroupError> {
        self.encrypt_application_message_with_aad(data, &[])
    }

    /// Encrypts an application message (§15) with `authenticated_data` (§6): sent in the
    /// clear beside the ciphertext, authenticated with it, and returned to receivers in
    /// [`ProcessedMessage::Application`].
    pub fn encrypt_application_message_with_aad(
        &mut self,
        data: &[u8],
        authenticated_data: &[u8],
    ) -> Result<Vec<u8>, GroupError> {
        if self.pending_commit.is_some() {
            // §15: a member that has sent a commit sends no message until it is merged.
            return Err(GroupError::PendingCommit);
        }
        self.check_active()?;
        let content = self.framed_content(
            FramedContentBody::Application(VarBytes::from(data)),
            authenticated_data,
        );
        let authenticated = self.sign(WireFormat::MLS_PRIVATE_MESSAGE, content, None)?;
        self.protect_private(authenticated)
    }

    /// Frames `body` as sent by us in the current epoch.
    pub(super) fn framed_content(
        &self,
        body: FramedContentBody,
        authenticated_data: &[u8],
    ) -> FramedContent {
        FramedContent {
            group_id: self.epoch.context.group_id.clone(),
            epoch: self.epoch(),
            sender: Sender::Member(self.own_leaf()),
            authenticated_data: VarBytes::from(authenticated_data),
            content: body,
        }
    }

    /// Signs `content` for `wire_format` with the current GroupContext (§6.1).
    pub(super) fn sign(
        &self,
        wire_format: WireFormat,
        content: FramedContent,
        confirmation_tag: Option<VarBytes>,
    ) -> Result<AuthenticatedContent, GroupError> {
        let signature = mls_framing::sign_content(
            &*self.signer,
            wire_format,
            &content,
            &self.epoch.context_bytes,
        )?;
        Ok(AuthenticatedContent {
            wire_format,
            content,
            auth: mls_codec::FramedContentAuthData {
                signature: VarBytes(signature),
                confirmation_tag,
            },
        })
    }

    /// Protects signed content in its wire format with the current epoch's keys and encodes
    /// it as an MLSMessage.
    pub(super) fn protect(
        &mut self,
        authenticated: AuthenticatedContent,
    ) -> Result<Vec<u8>, GroupError> {
        if authenticated.wire_format == WireFormat::MLS_PUBLIC_MESSAGE {
            let epoch = PublicEpoch {
                suite: self.suite()?,
                group_context: &self.epoch.context_bytes,
                membership_key: Some(self.epoch.secrets.membership_key()),
            };
            let message = public::protect_authenticated(epoch, authenticated)?;
            encode_message(MlsMessageBody::PublicMessage(message))
        } else {
            self.protect_private(authenticated)
        }
    }

    /// Encrypts signed content as a PrivateMessage with the next key of our ratchet (§6.3).
    fn protect_private(
        &mut self,
        authenticated: AuthenticatedContent,
    ) -> Result<Vec<u8>, GroupError> {
        let suite = self.provider.suite(self.epoch.context.cipher_suite)?;
        let kind = RatchetKind::for_content_type(authenticated.content.content_type());
        let key = self
            .epoch
            .secret_tree
            .encryption_key(suite, self.own_leaf().0, kind)?;
        let padding = self.config.padding_for(&authenticated.content.content)?;
        let epoch = PrivateEpoch {
            suite,
            group_context: &self.epoch.context_bytes,
            sender_data_secret: self.epoch.secrets.sender_data_secret(),
        };
        let message = private::protect_authenticated(epoch, authenticated, &key, padding)?;
        encode_message(MlsMessageBody::PrivateMessage(message))
    }

    /// Processes a message received from the delivery service (§6, §12, §15).
    ///
    /// On any error the group is exactly as it was: nothing is consumed or cached.
    pub fn process_message(&mut self, bytes: &[u8]) -> Result<ProcessedMessage, GroupError> {
        self.receive(bytes, false)
    }

    /// Processes a message; a commit is staged, and merged at once unless `stage_commits`.
    pub(super) fn receive(
        &mut self,
        bytes: &[u8],
        stage_commits: bool,
    ) -> Result<ProcessedMessage, GroupError> {
        let message = decode_message(bytes)?;
        let (authenticated, consumed, transcript) = match &message.body {
            MlsMessageBody::PublicMessage(public) => (self.unprotect_public(public)?, None, None),
            MlsMessageBody::PrivateMessage(private) => {
                if private.epoch != self.epoch() && private.content_type == ContentType::Application
                {
                    return self.process_past_application(private);
                }
                let (authenticated, consumed, transcript) = self.unprotect_private(private)?;
                (authenticated, Some(consumed), transcript)
            }
            other => {
                return Err(GroupError::UnexpectedWireFormat(other.wire_format()));
            }
        };
        if let FramedContentBody::Commit(_) = &authenticated.content.content {
            self.check_active()?;
            let staged = self.stage_commit(&authenticated, transcript);
            // A commit encrypted to thousands of members is freed after it is processed.
            let large = path_ciphertexts(&authenticated) >= RELEASE_ELSEWHERE_FROM;
            release(authenticated, large);
            let staged = StagedCommit {
                consumed,
                ..staged?
            };
            return if stage_commits {
                Ok(ProcessedMessage::StagedCommit(Box::new(staged)))
            } else {
                self.merge_staged_commit(staged)
            };
        }
        let processed = self.process_authenticated(authenticated)?;
        if let Some(consumed) = consumed {
            self.consume(&consumed)?;
        }
        Ok(processed)
    }

    /// Checks a PublicMessage of the current epoch: group, epoch, membership tag and signature.
    fn unprotect_public(
        &self,
        message: &PublicMessage,
    ) -> Result<AuthenticatedContent, GroupError> {
        self.check_group_and_epoch(&message.content.group_id, message.content.epoch)?;
        let signature_key = match &message.content.sender {
            Sender::Member(leaf) => self.member_signature_key(*leaf)?,
            Sender::External(_) | Sender::NewMemberProposal => {
                self.external_signature_key(&message.content)?
            }
            Sender::NewMemberCommit => new_member_commit_signature_key(&message.content)?,
        };
        let epoch = PublicEpoch {
            suite: self.suite()?,
            group_context: &self.epoch.context_bytes,
            membership_key: Some(self.epoch.secrets.membership_key()),
        };
        Ok(public::unprotect(epoch, message, &signature_key)?)
    }

    /// Decrypts and checks a PrivateMessage of the current epoch, staging its message key
    /// without consuming it. For a commit, also returns the transcript hashes it leads to
    /// (§8.2), computed while its signature is checked.
    fn unprotect_private(
        &mut self,
        message: &PrivateMessage,
    ) -> Result<(AuthenticatedContent, Consumed, Option<TranscriptHashes>), GroupError> {
        self.check_group_and_epoch(&message.group_id, message.epoch)?;
        let provider = Arc::clone(&self.provider);
        let suite = provider.suite(self.epoch.context.cipher_suite)?;
        let epoch = PrivateEpoch {
            suite,
            group_context: &self.epoch.context_bytes,
            sender_data_secret: self.epoch.secrets.sender_data_secret(),
        };
        let sender_data = private::decrypt_sender_data(epoch, message)?;
        let leaf = LeafIndex(sender_data.leaf_index);
        if leaf == self.own_leaf() {
            return Err(GroupError::OwnMessage);
        }
        let signature_key = self.member_signature_key(leaf)?;
        let signature_key = self.verifying_key(leaf, &signature_key)?;
        let kind = RatchetKind::for_content_type(message.content_type);
        let staged = self.epoch.secret_tree.stage_decryption_key(
            suite,
            sender_data.leaf_index,
            kind,
            sender_data.generation,
        )?;
        let epoch = PrivateEpoch {
            suite,
            group_context: &self.epoch.context_bytes,
            sender_data_secret: self.epoch.secrets.sender_data_secret(),
        };
        let transcript = &self.epoch.transcript;
        let (authenticated, transcript) = private::open_with(
            epoch,
            message,
            &sender_data,
            staged.key(),
            &signature_key,
            |content, encoded| {
                (message.content_type == ContentType::Commit)
                    .then(|| transcript.after_encoded_commit(suite, content, encoded))
            },
        )?;
        drop(staged);
        Ok((
            authenticated,
            Consumed {
                epoch: message.epoch,
                leaf: sender_data.leaf_index,
                kind,
                generation: sender_data.generation,
            },
            transcript.transpose()?,
        ))
    }

    /// Consumes the message key of an accepted message (§9.2): it is deleted, and with it
    /// every secret it came from.
    pub(super) fn consume(&mut self, consumed: &Consumed) -> Result<(), GroupError> {
        let suite = self.provider.suite(self.epoch.context.cipher_suite)?;
        let tree = if consumed.epoch == self.epoch() {
            &mut self.epoch.secret_tree
        } else if let Some(past) = self
            .past_epochs
            .iter_mut()
            .find(|p| p.epoch == consumed.epoch)
        {
            &mut past.secret_tree
        } else {
            // The epoch was left while processing (a commit): its keys are gone anyway.
            return Ok(());
        };
        tree.decryption_key(suite, consumed.leaf, consumed.kind, consumed.generation)?;
        Ok(())
    }

    /// An application message of a retained past epoch (§15: late messages).
    fn process_past_application(
        &mut self,
        message: &PrivateMessage,
    ) -> Result<ProcessedMessage, GroupError> {
        if message.group_id != self.epoch.context.group_id {
            return Err(GroupError::WrongGroup);
        }
        let suite = self.provider.suite(self.epoch.context.cipher_suite)?;
        let own_leaf = self.own_leaf();
        let index = self
            .past_epochs
            .iter()
            .position(|p| p.epoch == message.epoch)
            .ok_or(GroupError::WrongEpoch {
                expected: self.epoch.context.epoch,
                found: message.epoch,
            })?;
        let past = self
            .past_epochs
            .get(index)
            .ok_or(GroupError::Internal("a past epoch just found"))?;
        let epoch = PrivateEpoch {
            suite,
            group_context: &past.context_bytes,
            sender_data_secret: &past.sender_data_secret,
        };
        let sender_data = private::decrypt_sender_data(epoch, message)?;
        let leaf = LeafIndex(sender_data.leaf_index);
        if leaf == own_leaf {
            return Err(GroupError::OwnMessage);
        }
        let sender_leaf = past_leaf(&self.past_epochs, index, &self.tree, leaf)
            .ok_or(GroupError::UnknownSender(leaf))?;
        let signature_key = sender_leaf.signature_key.to_vec();
        let credential = sender_leaf.credential.clone();
        let past = self
            .past_epochs
            .get_mut(index)
            .ok_or(GroupError::Internal("a past epoch just found"))?;
        let epoch = PrivateEpoch {
            suite,
            group_context: &past.context_bytes,
            sender_data_secret: &past.sender_data_secret,
        };
        let staged = past.secret_tree.stage_decryption_key(
            suite,
            sender_data.leaf_index,
            RatchetKind::Application,
            sender_data.generation,
        )?;
        let authenticated =
            private::open(epoch, message, &sender_data, staged.key(), &signature_key)?;
        staged.commit();
        let FramedContent {
            authenticated_data,
            content: FramedContentBody::Application(data),
            ..
        } = authenticated.content
        else {
            return Err(GroupError::UnexpectedContent);
        };
        Ok(ProcessedMessage::Application {
            sender: leaf,
            credential,
            epoch: message.epoch,
            data: data.into_vec(),
            authenticated_data: authenticated_data.into_vec(),
        })
    }

    /// Acts on a verified application message or proposal of the current epoch.
    fn process_authenticated(
        &mut self,
        authenticated: AuthenticatedContent,
    ) -> Result<ProcessedMessage, GroupError> {
        match &authenticated.content.content {
            // A removed member still reads what was sent before its removal.
            FramedContentBody::Application(_) => self.check_not_frozen()?,
            _ => self.check_active()?,
        }
        match &authenticated.content.content {
            FramedContentBody::Application(_) => {
                let Sender::Member(leaf) = authenticated.content.sender else {
                    return Err(GroupError::UnexpectedContent);
                };
                let credential = self.sender_credential(&authenticated.content)?;
                let FramedContent {
                    authenticated_data,
                    content: FramedContentBody::Application(data),
                    ..
                } = authenticated.content
                else {
                    return Err(GroupError::UnexpectedContent);
                };
                Ok(ProcessedMessage::Application {
                    sender: leaf,
                    credential,
                    epoch: self.epoch(),
                    data: data.into_vec(),
                    authenticated_data: authenticated_data.into_vec(),
                })
            }
            FramedContentBody::Proposal(proposal) => {
                let sender = authenticated.content.sender;
                self.validate_proposal(&sender, proposal)?;
                let credential = self.sender_credential(&authenticated.content)?;
                let proposal = proposal.clone();
                self.cache_proposal(&authenticated, sender, proposal.clone())?;
                Ok(ProcessedMessage::Proposal {
                    sender,
                    credential,
                    proposal: Box::new(proposal),
                    authenticated_data: authenticated.content.authenticated_data.to_vec(),
                })
            }
            FramedContentBody::Commit(_) => Err(GroupError::Internal("a commit is staged")),
        }
    }

    /// The credential of the sender of `content` in the current epoch: a member's from its
    /// leaf, an external sender's from the `external_senders` extension (§12.1.8.1), a new
    /// member's from the leaf node of its Add or of its commit's UpdatePath.
    pub(super) fn sender_credential(
        &self,
        content: &FramedContent,
    ) -> Result<Credential, GroupError> {
        match (&content.sender, &content.content) {
            (Sender::Member(leaf), _) => self
                .tree
                .leaf(*leaf)
                .map(|node| node.credential.clone())
                .ok_or(GroupError::UnknownSender(*leaf)),
            (Sender::External(index), _) => Ok(self.external_sender(*index)?.credential),
            (Sender::NewMemberProposal, FramedContentBody::Proposal(Proposal::Add(add))) => {
                Ok(add.key_package.leaf_node.credential.clone())
            }
            (Sender::NewMemberCommit, FramedContentBody::Commit(commit)) => commit
                .path
                .as_ref()
                .map(|path| path.leaf_node.credential.clone())
                .ok_or(GroupError::MissingPath),
            _ => Err(GroupError::UnexpectedContent),
        }
    }

    /// Caches a proposal for commits of this epoch, under its ProposalRef (§5.2).
    pub(super) fn cache_proposal(
        &mut self,
        authenticated: &AuthenticatedContent,
        sender: Sender,
        proposal: Proposal,
    ) -> Result<(), GroupError> {
        let reference = make_proposal_ref(self.suite()?, &authenticated.to_bytes()?)?;
        if self
            .proposals
            .iter()
            .any(|cached| cached.reference.as_slice() == reference.as_slice())
        {
            // A PublicMessage can be replayed, and our own proposals echoed back; caching one
            // twice would make every commit of the epoch list it twice and fail §12.2.
            return Err(GroupError::DuplicateProposal);
        }
        self.proposals.push(CachedProposal {
            reference: VarBytes(reference),
            sender,
            proposal,
            declined: false,
        });
        Ok(())
    }

    /// The signature key of the member at `leaf`.
    pub(super) fn member_signature_key(&self, leaf: LeafIndex) -> Result<Vec<u8>, GroupError> {
        Ok(self
            .tree
            .leaf(leaf)
            .ok_or(GroupError::UnknownSender(leaf))?
            .signature_key
            .to_vec())
    }

    /// Handshake messages must be for this group and its current epoch (§12.4.2).
    fn check_group_and_epoch(&self, group_id: &[u8], epoch: u64) -> Result<(), GroupError> {
        if group_id != self.epoch.context.group_id.as_slice() {
            return Err(GroupError::WrongGroup);
        }
        if epoch != self.epoch() {
            return Err(GroupError::WrongEpoch {
                expected: self.epoch(),
                found: epoch,
            });
        }
        Ok(())
    }
}

/// The number of small allocations (HPKE ciphertexts, GroupSecrets) from which a decoded
/// message is freed on another core.
pub(crate) const RELEASE_ELSEWHERE_FROM: usize = 1024;

/// Drops `value`, on another core if it is `large` and the `parallel` feature is on: a
/// decoded message holding thousands of small allocations (a commit encrypted to every
/// member, a Welcome to thousands of new members) takes milliseconds to free.
pub(crate) fn release<T: Send + 'static>(value: T, large: bool) {
    #[cfg(feature = "parallel")]
    if large {
        rayon::spawn(move || drop(value));
        return;
    }
    #[cfg(not(feature = "parallel"))]
    let _ = large;
    drop(value);
}

/// The number of HPKE ciphertexts in a commit's path.
fn path_ciphertexts(commit: &AuthenticatedContent) -> usize {
    match &commit.content.content {
        FramedContentBody::Commit(mls_codec::Commit {
            path: Some(path), ..
        }) => path
            .nodes
            .iter()
            .map(|node| node.encrypted_path_secret.len())
            .sum(),
        _ => 0,
    }
}

/// Decodes an MLSMessage of any kind and checks that it is of MLS 1.0 (§6): the one place
/// every received message, Welcome, GroupInfo and key package is read.
pub(crate) fn decode_message(bytes: &[u8]) -> Result<MlsMessage, GroupError> {
    let message = MlsMessage::from_bytes(bytes)?;
    if message.version != ProtocolVersion::MLS10 {
        return Err(GroupError::UnsupportedVersion(message.version));
    }
    Ok(message)
}

/// Encodes an MLSMessage of MLS 1.0.
pub(super) fn encode_message(body: MlsMessageBody) -> Result<Vec<u8>, GroupError> {
    let capacity = match &body {
        MlsMessageBody::PrivateMessage(message) => private_message_size_hint(message),
        _ => 0,
    };
    let mut out = Vec::with_capacity(capacity);
    MlsMessage {
        version: ProtocolVersion::MLS10,
        body,
    }
    .encode(&mut out)?;
    Ok(out)
}

/// The encoded size of an MLSMessage carrying `message` (RFC 9420 §6.3), up to a few bytes
/// of length prefixes: one allocation for the whole message rather than a buffer grown from
/// empty around the ciphertext.
fn private_message_size_hint(message: &PrivateMessage) -> usize {
    // version, wire_format, epoch, content_type and four length prefixes of at most 4 bytes.
    let fixed = 2 + 2 + 8 + 1 + 4 * 4;
    fixed
        + message.group_id.len()
        + message.authenticated_data.len()
        + message.encrypted_sender_data.len()
        + message.ciphertext.len()
}
