//! Creating a group (RFC 9420 §11) and joining one from a Welcome (§12.4.3.1).

use std::sync::Arc;

use mls_codec::{Encode, ExtensionType, GroupContext, ProtocolVersion, VarBytes, Welcome};
use mls_crypto::{CipherSuiteProvider, CryptoProvider, Signer};
use mls_key_schedule::{EpochSecrets, KeySchedule, TranscriptHashes, zero_secret};
use mls_tree::low_level::{decode_verifying_leaves, verify_leaf_signatures_alongside};
use mls_tree::{LeafIndex, RatchetTree, TreePrivateKeys};

use super::authenticate::Authenticator;
use super::commit::psk_secret_of;
use super::{Epoch, Group};
use crate::key_package::KeyPackageBundle;
use crate::{GroupConfig, GroupError, welcome};

impl Group {
    /// Creates a one-member group with `group_id` in the cipher suite of `bundle`, whose leaf
    /// node becomes ours (§11). The first epoch is 0, with empty transcript hashes.
    pub fn create(
        provider: Arc<dyn CryptoProvider>,
        signer: Arc<dyn Signer>,
        bundle: KeyPackageBundle,
        group_id: Vec<u8>,
        config: GroupConfig,
    ) -> Result<Self, GroupError> {
        Self::create_with_extensions(provider, signer, bundle, group_id, Vec::new(), config)
    }

    /// [`Group::create`] with GroupContext `extensions` (§11, §13), for example an
    /// `external_senders` extension (§12.1.8.1). They are checked as a
    /// GroupContextExtensions proposal would be (§12.1.7): our leaf must support them.
    pub fn create_with_extensions(
        provider: Arc<dyn CryptoProvider>,
        signer: Arc<dyn Signer>,
        bundle: KeyPackageBundle,
        group_id: Vec<u8>,
        extensions: Vec<mls_codec::Extension>,
        config: GroupConfig,
    ) -> Result<Self, GroupError> {
        let cipher_suite = bundle.key_package.cipher_suite;
        let suite = provider.suite(cipher_suite)?;
        let tree = RatchetTree::new(bundle.key_package.leaf_node);
        let mut context = GroupContext {
            version: ProtocolVersion::MLS10,
            cipher_suite,
            group_id: VarBytes(group_id),
            epoch: 0,
            tree_hash: VarBytes(tree.tree_hash(suite)?),
            confirmed_transcript_hash: VarBytes::default(),
            extensions: Vec::new(),
        };
        if !extensions.is_empty() {
            super::external_senders::parse_external_senders(&extensions)?;
            let ctx = crate::proposals::ProposalContext {
                suite,
                tree: &tree,
                group_context: &context,
                committer: mls_codec::Sender::Member(LeafIndex(0)),
                now: config.now(),
            };
            crate::proposals::validate_proposal(
                &ctx,
                &mls_codec::Sender::Member(LeafIndex(0)),
                &mls_codec::Proposal::GroupContextExtensions(mls_codec::GroupContextExtensions {
                    extensions: extensions.clone(),
                }),
            )?;
            context.extensions = extensions;
        }
        // §11: the epoch secret is fresh randomness; a random init secret with no commit
        // secret or PSK gives exactly that through the key schedule.
        let init_secret = mls_crypto::Secret::new(suite.random_bytes(suite.hash_len())?);
        let zero = zero_secret(suite);
        let secrets =
            KeySchedule::new_epoch(suite, &init_secret, &zero, &zero, &context.to_bytes()?)?
                .into_epoch_secrets();
        // §11: the interim transcript hash follows from a confirmation tag over the empty
        // confirmed transcript hash.
        let tag = mls_key_schedule::confirmation_tag(suite, secrets.confirmation_key(), &[]);
        let transcript = TranscriptHashes::from_group_info(suite, &[], &tag)?;
        let private_keys = TreePrivateKeys::new(LeafIndex(0), bundle.encryption_private_key);
        let epoch = Epoch::new(
            suite,
            context,
            tree.size(),
            private_keys,
            secrets,
            transcript,
            config.secret_tree,
        )?;
        Ok(Self::from_epoch(provider, signer, config, tree, epoch))
    }

    /// Joins a group from a Welcome with the key package it was made for (§12.4.3.1):
    /// decrypts the group secrets and the GroupInfo, takes the ratchet tree from the
    /// GroupInfo's extension or from `ratchet_tree` (delivered out of band), validates the
    /// tree, finds our leaf, derives the path keys the Welcome gives us, runs the key schedule
    /// and checks the confirmation tag.
    pub fn join(
        provider: Arc<dyn CryptoProvider>,
        signer: Arc<dyn Signer>,
        bundle: &KeyPackageBundle,
        welcome: &Welcome,
        ratchet_tree: Option<RatchetTree>,
        config: GroupConfig,
    ) -> Result<Self, GroupError> {
        Self::join_with_psks(
            provider,
            signer,
            bundle,
            welcome,
            ratchet_tree,
            config,
            |_| None,
        )
    }

    /// [`Group::join`] for a Welcome that names PSKs: `psks` returns the value of each.
    pub fn join_with_psks<'p>(
        provider: Arc<dyn CryptoProvider>,
        signer: Arc<dyn Signer>,
        bundle: &KeyPackageBundle,
        welcome: &Welcome,
        ratchet_tree: Option<RatchetTree>,
        config: GroupConfig,
        psks: impl Fn(&mls_codec::PreSharedKeyId) -> Option<&'p mls_crypto::Secret>,
    ) -> Result<Self, GroupError> {
        let cipher_suite = bundle.key_package.cipher_suite;
        let suite = provider.suite(cipher_suite)?;
        let group_secrets = welcome::decrypt_group_secrets(
            suite,
            welcome,
            &bundle.key_package,
            &bundle.init_private_key,
        )?;
        let psk_secret = psk_secret_of(suite, &group_secrets.psks, |id| {
            psks(id).ok_or(GroupError::UnknownPsk)
        })?;
        let joiner_secret = &group_secrets.joiner_secret;
        let group_info = welcome::decrypt_group_info(suite, welcome, joiner_secret, &psk_secret)?;
        let context = group_info.group_context.clone();
        let source = match group_info
            .extensions
            .iter()
            .find(|e| e.extension_type == ExtensionType::RATCHET_TREE)
        {
            Some(extension) => TreeSource::Encoded(&extension.extension_data),
            None => TreeSource::Decoded(Box::new(
                ratchet_tree.ok_or(GroupError::MissingRatchetTree)?,
            )),
        };
        let signer_leaf = LeafIndex(group_info.signer);
        let tree = receive_tree(
            suite,
            source,
            signer_leaf,
            &context.tree_hash,
            &context.group_id,
            config.max_tree_leaves,
            |signer_key| welcome::verify_group_info(suite, &group_info, signer_key),
            |tree| {
                let authenticator = Authenticator {
                    config: &config,
                    group_id: &context.group_id,
                    epoch: context.epoch,
                };
                authenticator.tree(tree)?;
                crate::proposals::check_received_tree(&context, tree)?;
                authenticator.external_senders(&context.extensions)
            },
        )?;
        let own_leaf = tree
            .members()
            .find(|(_, leaf)| **leaf == bundle.key_package.leaf_node)
            .map(|(leaf, _)| leaf)
            .ok_or(GroupError::NotInTree)?;
        let private_keys = TreePrivateKeys::join(
            suite,
            &tree,
            own_leaf,
            bundle.encryption_private_key.clone(),
            signer_leaf,
            group_secrets.path_secret.as_ref().map(|p| p.as_bytes()),
        )?;
        let secrets = EpochSecrets::from_joiner_secret(
            suite,
            joiner_secret,
            &psk_secret,
            &context.to_bytes()?,
        )?;
        mls_key_schedule::verify_confirmation_tag(
            suite,
            secrets.confirmation_key(),
            &context.confirmed_transcript_hash,
            &group_info.confirmation_tag,
        )
        .map_err(|_| GroupError::InvalidConfirmationTag)?;
        let transcript = TranscriptHashes::from_group_info(
            suite,
            &context.confirmed_transcript_hash,
            &group_info.confirmation_tag,
        )?;
        let epoch = Epoch::new(
            suite,
            context,
            tree.size(),
            private_keys,
            secrets,
            transcript,
            config.secret_tree,
        )?;
        Ok(Self::from_epoch(provider, signer, config, tree, epoch))
    }
}

/// Where the tree of a group we join comes from (RFC 9420 §12.4.3.3).
pub(crate) enum TreeSource<'a> {
    /// An encoded `ratchet_tree` (the GroupInfo's extension, or bytes given out of band):
    /// decoded while its leaf signatures are verified from the encoding.
    Encoded(&'a [u8]),
    /// A tree already decoded.
    Decoded(Box<RatchetTree>),
}

/// The tree of a group we join, by Welcome or by external commit, checked as RFC 9420
/// §12.4.3.1 requires and its errors reported in this order: decoding; the GroupInfo's
/// signer, `signer`, is not a member ([`GroupError::UnknownSender`]); `check_group_info`, given
/// the signer's key (the GroupInfo's signature, which covers the tree when the GroupInfo
/// carries it); the tree hash is not `tree_hash`, the GroupContext's
/// ([`GroupError::TreeHashMismatch`]); unmerged leaves and parent hashes (§7.9.2);
/// `check_members` (the leaves' capabilities and the application's validator); then every
/// leaf's signature (§7.3) with `group_id`. An encoded tree of more than `max_leaves` leaves
/// is refused before more nodes than that are read.
///
/// With the `parallel` feature the leaf signatures are verified while the tree is decoded and
/// the rest is checked, serial work which would otherwise leave a core idle.
#[expect(
    clippy::too_many_arguments,
    reason = "what a received tree is checked against, and the two checks run beside its signatures"
)]
pub(crate) fn receive_tree(
    suite: &dyn CipherSuiteProvider,
    source: TreeSource<'_>,
    signer: LeafIndex,
    tree_hash: &[u8],
    group_id: &[u8],
    max_leaves: u32,
    check_group_info: impl FnOnce(&[u8]) -> Result<(), GroupError> + Send,
    check_members: impl FnOnce(&RatchetTree) -> Result<(), GroupError> + Send,
) -> Result<RatchetTree, GroupError> {
    let structure = |tree: &RatchetTree| {
        let signer_key = &tree
            .leaf(signer)
            .ok_or(GroupError::UnknownSender(signer))?
            .signature_key;
        check_group_info(signer_key)?;
        if tree.tree_hash(suite)? != tree_hash {
            return Err(GroupError::TreeHashMismatch);
        }
        tree.verify_unmerged_leaves()?;
        tree.verify_parent_hashes(suite)?;
        check_members(tree)
    };
    let (tree, structure, signatures) = match source {
        TreeSource::Encoded(bytes) => {
            decode_verifying_leaves(suite, bytes, group_id, max_leaves, structure)?
        }
        TreeSource::Decoded(tree) => {
            let (structure, signatures) =
                verify_leaf_signatures_alongside(&tree, suite, group_id, || structure(&tree));
            (*tree, structure, signatures)
        }
    };
    structure?;
    signatures?;
    Ok(tree)
}
