//! Sending proposals on their own (RFC 9420 §12.1), for a later commit to include by
//! reference (§12.4).

use mls_codec::{
    Add, Extension, FramedContentBody, GroupContextExtensions, LeafNodeSourceData, PreSharedKey,
    PreSharedKeyId, Proposal, ProposalType, Psk, Remove, ResumptionPskUsage, Update, VarBytes,
};
use mls_tree::{LeafIndex, sign_leaf_node};

use super::Group;
use crate::GroupError;

impl Group {
    /// Proposes adding the member of a key package (an MLSMessage, §12.1.1).
    pub fn propose_add(&mut self, key_package: &[u8]) -> Result<Vec<u8>, GroupError> {
        let key_package = crate::client::parse_key_package(key_package)?;
        self.propose(Proposal::Add(Add { key_package }))
    }

    /// Proposes removing the member at `leaf` (§12.1.3).
    pub fn propose_remove(&mut self, leaf: LeafIndex) -> Result<Vec<u8>, GroupError> {
        self.propose(Proposal::Remove(Remove { removed: leaf.0 }))
    }

    /// Proposes replacing our leaf with one with a fresh encryption key (§12.1.2). Another
    /// member's commit applies it; we keep the private key until then.
    pub fn propose_update(&mut self) -> Result<Vec<u8>, GroupError> {
        let suite = self.suite()?;
        let own = self.own_leaf();
        let mut leaf_node = self
            .tree
            .leaf(own)
            .ok_or(GroupError::Internal("our leaf is blank"))?
            .clone();
        let keys = suite.generate_hpke_key_pair()?;
        leaf_node.encryption_key = VarBytes(keys.public_key.clone());
        leaf_node.leaf_node_source = LeafNodeSourceData::Update;
        sign_leaf_node(&*self.signer, &mut leaf_node, self.group_id(), own)?;
        let message = self.propose(Proposal::Update(Update { leaf_node }))?;
        self.update_keys.insert(keys.public_key, keys.private_key);
        Ok(message)
    }

    /// Proposes injecting the external PSK `psk_id` (§8.4, §12.1.4), which every member must
    /// have registered with `add_external_psk`.
    pub fn propose_external_psk(&mut self, psk_id: &[u8]) -> Result<Vec<u8>, GroupError> {
        let suite = self.suite()?;
        let psk = PreSharedKeyId {
            psk: Psk::External {
                psk_id: VarBytes::from(psk_id),
            },
            psk_nonce: VarBytes(suite.random_bytes(suite.hash_len())?),
        };
        self.propose(Proposal::PreSharedKey(PreSharedKey { psk }))
    }

    /// Proposes injecting the resumption PSK (usage `application`, RFC 9420 §8.6, §12.1.4)
    /// of this group's epoch `epoch`, which must be the current one or one whose resumption
    /// PSK is still kept ([`crate::GroupConfig::retained_resumption_psks`]).
    pub fn propose_resumption_psk(&mut self, epoch: u64) -> Result<Vec<u8>, GroupError> {
        if self.resumption_psk(epoch).is_none() {
            return Err(GroupError::UnknownPsk);
        }
        let suite = self.suite()?;
        let psk = PreSharedKeyId {
            psk: Psk::Resumption {
                usage: ResumptionPskUsage::Application,
                psk_group_id: self.epoch.context.group_id.clone(),
                psk_epoch: epoch,
            },
            psk_nonce: VarBytes(suite.random_bytes(suite.hash_len())?),
        };
        self.propose(Proposal::PreSharedKey(PreSharedKey { psk }))
    }

    /// Proposes replacing the group's extensions (§12.1.7).
    pub fn propose_group_context_extensions(
        &mut self,
        extensions: Vec<Extension>,
    ) -> Result<Vec<u8>, GroupError> {
        self.propose(Proposal::GroupContextExtensions(GroupContextExtensions {
            extensions,
        }))
    }

    /// Proposes a proposal of a custom type (RFC 9420 §13) with body `data`, carried as
    /// [`Proposal::Custom`]: its body on the wire is `opaque data<V>`. It is valid only if
    /// every member lists `proposal_type` in its capabilities (§12.2; see
    /// [`crate::Client::set_custom_proposal_types`]), and never for a GREASE type (§13.5).
    /// It changes neither the tree nor the key schedule: receivers get it in
    /// [`crate::ProcessedMessage::Proposal`], and once committed (by reference, like any
    /// cached proposal) in [`crate::ProcessedMessage::Commit`]'s `custom_proposals`.
    pub fn propose_custom(
        &mut self,
        proposal_type: ProposalType,
        data: Vec<u8>,
    ) -> Result<Vec<u8>, GroupError> {
        if proposal_type.is_default() {
            return Err(GroupError::NotACustomProposalType(proposal_type));
        }
        self.propose(Proposal::Custom {
            proposal_type,
            data: VarBytes(data),
        })
    }

    /// Runs `propose`, in which every proposal this group sends (with any of the `propose_*`
    /// methods) carries `authenticated_data` (§6): sent beside the proposal, authenticated
    /// by its signature (and, in a PrivateMessage, by the AEAD) but not encrypted, and returned
    /// to receivers in [`crate::ProcessedMessage::Proposal`]. Outside of it, proposals carry
    /// none.
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # use mls_codec::CipherSuite;
    /// # use mls_crypto_rustcrypto::RustCryptoProvider;
    /// # use mls_group::{Client, ProcessedMessage};
    /// # let provider = Arc::new(RustCryptoProvider);
    /// # let suite = CipherSuite::MLS_128_DHKEMX25519_AES128GCM_SHA256_ED25519;
    /// # let alice = Client::new(provider.clone(), suite, b"alice")?;
    /// # let mut bob = Client::new(provider, suite, b"bob")?;
    /// # let mut alice_group = alice.create_group(b"group")?;
    /// # let added = alice_group.add_members(&[bob.key_package()?])?;
    /// # alice_group.merge_pending_commit()?;
    /// # let mut bob_group = bob.join(&added.welcome.expect("welcome"), None)?;
    /// let proposal = bob_group
    ///     .propose_with_authenticated_data(b"ticket 42", |group| group.propose_update())?;
    /// match alice_group.process_message(&proposal)? {
    ///     ProcessedMessage::Proposal { authenticated_data, .. } => {
    ///         assert_eq!(authenticated_data, b"ticket 42")
    ///     }
    ///     other => panic!("unexpected {other:?}"),
    /// }
    /// # Ok::<(), mls_group::GroupError>(())
    /// ```
    pub fn propose_with_authenticated_data<T>(
        &mut self,
        authenticated_data: &[u8],
        propose: impl FnOnce(&mut Self) -> Result<T, GroupError>,
    ) -> Result<T, GroupError> {
        self.proposal_authenticated_data = authenticated_data.to_vec();
        let result = propose(self);
        self.proposal_authenticated_data.clear();
        result
    }

    /// Validates, signs, protects and caches one of our proposals; the result is the
    /// MLSMessage to send.
    pub(super) fn propose(&mut self, proposal: Proposal) -> Result<Vec<u8>, GroupError> {
        if self.pending_commit.is_some() {
            return Err(GroupError::PendingCommit);
        }
        self.check_active()?;
        let sender = mls_codec::Sender::Member(self.own_leaf());
        self.validate_proposal(&sender, &proposal)?;
        let content = self.framed_content(
            FramedContentBody::Proposal(proposal.clone()),
            &self.proposal_authenticated_data,
        );
        let authenticated = self.sign(self.config.handshake_wire_format, content, None)?;
        let message = self.protect(authenticated.clone())?;
        self.cache_proposal(&authenticated, sender, proposal)?;
        Ok(message)
    }
}
