//! Proposals sent to a group from outside it (RFC 9420 §12.1.8): by an external sender that
//! the group's `external_senders` extension lists (§12.1.8.1), such as a delivery service or
//! an administrator, and by a client asking to be added (`new_member_proposal`, §6).
//!
//! Both are PublicMessages signed by the sender, without a membership tag; they name the
//! group and epoch they are for, and members cache them like any proposal until a member's
//! commit includes them by reference.

use std::sync::Arc;

use mls_codec::{
    Add, CipherSuite, Credential, Encode, Extension, ExtensionType, ExternalSender, FramedContent,
    FramedContentBody, MlsMessageBody, Proposal, Remove, Sender, VarBytes,
};
use mls_crypto::{CryptoProvider, SignaturePrivateKey, Signer};
use mls_framing::public::{self, PublicEpoch};
use mls_tree::LeafIndex;

use crate::{Client, GroupError};

/// The `external_senders` GroupContext extension (§12.1.8.1) listing `senders`; entry `i`
/// signs as `Sender::External(i)`.
pub fn external_senders_extension(senders: &[ExternalSender]) -> Result<Extension, GroupError> {
    Ok(Extension {
        extension_type: ExtensionType::EXTERNAL_SENDERS,
        extension_data: VarBytes(senders.to_vec().to_bytes()?),
    })
}

/// A party outside the group that the group's `external_senders` extension lists
/// (§12.1.8.1): it sends Add, Remove, PreSharedKey, ReInit and GroupContextExtensions
/// proposals, signed with its own key. It keeps no group state: the caller says which
/// group, epoch and `sender_index` (its position in the extension) each proposal is for.
pub struct ExternalProposer {
    provider: Arc<dyn CryptoProvider>,
    cipher_suite: CipherSuite,
    credential: Credential,
    signer: Arc<dyn Signer>,
}

impl std::fmt::Debug for ExternalProposer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ExternalProposer")
            .field("cipher_suite", &self.cipher_suite)
            .field("credential", &self.credential)
            .finish_non_exhaustive()
    }
}

impl ExternalProposer {
    /// An external sender with a basic credential for `identity` (§5.3) and a fresh signature
    /// key of `cipher_suite`.
    pub fn new(
        provider: Arc<dyn CryptoProvider>,
        cipher_suite: CipherSuite,
        identity: &[u8],
    ) -> Result<Self, GroupError> {
        let (credential, key) =
            crate::client::fresh_basic_identity(&*provider, cipher_suite, identity)?;
        Self::with_signature_key(provider, cipher_suite, credential, &key)
    }

    /// An external sender with the given credential and signature private key.
    pub fn with_signature_key(
        provider: Arc<dyn CryptoProvider>,
        cipher_suite: CipherSuite,
        credential: Credential,
        signature_key: &SignaturePrivateKey,
    ) -> Result<Self, GroupError> {
        let signer = crate::client::signer_for(&*provider, cipher_suite, signature_key)?;
        Ok(Self {
            provider,
            cipher_suite,
            credential,
            signer,
        })
    }

    /// Our entry for a group's `external_senders` extension (§12.1.8.1).
    pub fn external_sender(&self) -> ExternalSender {
        ExternalSender {
            signature_key: VarBytes::from(self.signer.public_key()),
            credential: self.credential.clone(),
        }
    }

    /// Proposes adding the member of `key_package` (an MLSMessage) to epoch `epoch` of group
    /// `group_id`, as external sender `sender_index` (§12.1.1, §12.1.8.1).
    pub fn propose_add(
        &self,
        group_id: &[u8],
        epoch: u64,
        sender_index: u32,
        key_package: &[u8],
    ) -> Result<Vec<u8>, GroupError> {
        let key_package = crate::client::parse_key_package(key_package)?;
        self.propose(
            group_id,
            epoch,
            sender_index,
            Proposal::Add(Add { key_package }),
        )
    }

    /// Proposes removing the member at `leaf` (§12.1.3, §12.1.8.1).
    pub fn propose_remove(
        &self,
        group_id: &[u8],
        epoch: u64,
        sender_index: u32,
        leaf: LeafIndex,
    ) -> Result<Vec<u8>, GroupError> {
        self.propose(
            group_id,
            epoch,
            sender_index,
            Proposal::Remove(Remove { removed: leaf.0 }),
        )
    }

    /// Signs any proposal as external sender `sender_index` and frames it as a PublicMessage
    /// MLSMessage (§6.2). Members reject types an external sender may not send (§12.1.8).
    pub fn propose(
        &self,
        group_id: &[u8],
        epoch: u64,
        sender_index: u32,
        proposal: Proposal,
    ) -> Result<Vec<u8>, GroupError> {
        self.propose_with_authenticated_data(group_id, epoch, sender_index, proposal, &[])
    }

    /// [`ExternalProposer::propose`] with `authenticated_data` (§6): covered by the
    /// signature, in the clear, and returned to members in
    /// [`crate::ProcessedMessage::Proposal`].
    pub fn propose_with_authenticated_data(
        &self,
        group_id: &[u8],
        epoch: u64,
        sender_index: u32,
        proposal: Proposal,
        authenticated_data: &[u8],
    ) -> Result<Vec<u8>, GroupError> {
        public_proposal(
            &*self.provider,
            self.cipher_suite,
            &*self.signer,
            (group_id, epoch),
            Sender::External(sender_index),
            proposal,
            authenticated_data,
        )
    }
}

impl Client {
    /// Asks to join epoch `epoch` of group `group_id`: an Add proposal of a fresh key package
    /// of ours, sent as `new_member_proposal` (§12.1.8) and signed with our key. A member
    /// that commits it sends us a Welcome, which [`Client::join`] accepts as usual (the
    /// client keeps the key package's private keys).
    pub fn propose_self_add(&mut self, group_id: &[u8], epoch: u64) -> Result<Vec<u8>, GroupError> {
        let bundle = self.new_bundle()?;
        let proposal = Proposal::Add(Add {
            key_package: bundle.key_package.clone(),
        });
        let message = public_proposal(
            &**self.provider(),
            self.cipher_suite(),
            &**self.signer(),
            (group_id, epoch),
            Sender::NewMemberProposal,
            proposal,
            &[],
        )?;
        self.store_bundle(bundle)?;
        Ok(message)
    }
}

/// A proposal from a non-member `sender` to epoch `epoch` of group `group_id`, signed and
/// framed as a PublicMessage MLSMessage. Its signature does not cover the GroupContext, which
/// non-members need not know (§6.1).
fn public_proposal(
    provider: &dyn CryptoProvider,
    cipher_suite: CipherSuite,
    signer: &dyn Signer,
    (group_id, epoch): (&[u8], u64),
    sender: Sender,
    proposal: Proposal,
    authenticated_data: &[u8],
) -> Result<Vec<u8>, GroupError> {
    let content = FramedContent {
        group_id: VarBytes::from(group_id),
        epoch,
        sender,
        authenticated_data: VarBytes::from(authenticated_data),
        content: FramedContentBody::Proposal(proposal),
    };
    let epoch = PublicEpoch {
        suite: provider.suite(cipher_suite)?,
        group_context: &[],
        membership_key: None,
    };
    let message = public::protect(epoch, signer, content, None)?;
    Ok(mls_codec::MlsMessage {
        version: mls_codec::ProtocolVersion::MLS10,
        body: MlsMessageBody::PublicMessage(message),
    }
    .to_bytes()?)
}
