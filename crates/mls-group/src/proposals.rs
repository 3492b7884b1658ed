//! Validation of proposals (RFC 9420 §12.1) and of the list of proposals a commit covers
//! (§12.2, §12.4.3.2), and the plan of their effect in the order §12.3 applies them.
//!
//! [`plan`] is called by both the creator and the receivers of a commit: an invalid proposal,
//! whether sent by value or by reference, makes the whole list invalid and the commit is
//! rejected (§12.2). [`validate_proposal`] checks a proposal received on its own against the
//! current epoch before it is cached; [`plan`] checks it again in the context of the commit.
//!
//! Not checked here, because they need more than the epoch's public state: the validity of
//! credentials (§5.3.1, an application decision), the signature and authorization of an
//! external sender (§12.1.8), the availability of PSKs (§12.4.2), the leaf node of a commit's
//! UpdatePath (§12.4.2; [`check_leaf_capabilities`] covers its capability checks), and the
//! identity rules an application adds (§12.2). In an external commit, a proposal whose sender
//! is not `new_member_commit` can only have come by reference and is rejected (§12.4.3.2).

use std::collections::{BTreeSet, HashMap, HashSet};

use mls_codec::{
    CipherSuite, CodecError, CredentialType, Decode, Encode, Extension, ExtensionType,
    ExternalInit, GroupContext, KeyPackage, LeafNode, LeafNodeSource, PreSharedKeyId, Proposal,
    ProposalType, ProtocolVersion, Psk, ReInit, RequiredCapabilities, ResumptionPskUsage, Sender,
    SenderType,
};
use mls_crypto::CipherSuiteProvider;
use mls_tree::{
    LeafIndex, NodeIndex, RatchetTree, TreeError, check_leaf_node_source,
    verify_leaf_node_signature,
};

use crate::key_package::{KeyPackageError, validate_key_package};

/// A proposal with its sender, in the order the commit lists it (by value, or resolved by
/// reference).
#[derive(Debug, Clone)]
pub(crate) struct SenderProposal {
    /// Who sent the proposal: the committer for a proposal by value.
    pub(crate) sender: Sender,
    /// The proposal.
    pub(crate) proposal: Proposal,
}

/// What proposal validation needs to know about the group in its current epoch.
pub(crate) struct ProposalContext<'a> {
    /// The group's cipher suite.
    pub(crate) suite: &'a dyn CipherSuiteProvider,
    /// The ratchet tree of the current epoch.
    pub(crate) tree: &'a RatchetTree,
    /// The GroupContext of the current epoch.
    pub(crate) group_context: &'a GroupContext,
    /// The committer: `Sender::Member(LeafIndex(leaf))`, or `Sender::NewMemberCommit` for an external
    /// commit (§12.4.3.2). Ignored by [`validate_proposal`].
    pub(crate) committer: Sender,
    /// Seconds since the Unix epoch for lifetime checks (§7.3); `None` skips them (test
    /// vectors carry expired lifetimes).
    pub(crate) now: Option<u64>,
}

/// The validated effect of a commit's proposals, grouped in the order §12.3 applies them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct ProposalPlan {
    /// The new GroupContext extensions, applied first (§12.1.7).
    pub(crate) group_context_extensions: Option<Vec<Extension>>,
    /// Updates: the sender's leaf and its new leaf node (§12.1.2).
    pub(crate) updates: Vec<(LeafIndex, LeafNode)>,
    /// The leaves to remove (§12.1.3).
    pub(crate) removes: Vec<LeafIndex>,
    /// The key packages to add, in the order of the commit (§12.1.1).
    pub(crate) adds: Vec<KeyPackage>,
    /// The PSKs to inject, in the order of the commit (§8.4, §12.1.4).
    pub(crate) psks: Vec<PreSharedKeyId>,
    /// A ReInit, always the only proposal of its commit (§12.1.5).
    pub(crate) reinit: Option<ReInit>,
    /// The ExternalInit of an external commit (§12.1.6).
    pub(crate) external_init: Option<ExternalInit>,
    /// Proposals of custom (non-default) types with their senders, in the order of the
    /// commit (§13): supported by every member, they do not change the tree or the key
    /// schedule and are handed to the application.
    pub(crate) custom: Vec<(Sender, Proposal)>,
}

impl ProposalPlan {
    /// Whether the commit must carry an UpdatePath (RFC 9420 §12.4): when it covers no
    /// proposal at all, or any proposal of a "path required" type — update, remove,
    /// external_init or group_context_extensions. Add, PreSharedKey and ReInit alone do not
    /// require one.
    ///
    /// Whether a custom proposal type requires a path is for its specification to say
    /// (§17.4), which this implementation does not know: a receiver does not require a path
    /// for one (a commit covering one is not empty), and a committer always sends one
    /// ([`ProposalPlan::path_sent`]), which is valid either way.
    pub(crate) fn path_required(&self) -> bool {
        let path_required_types = self.group_context_extensions.is_some()
            || !self.updates.is_empty()
            || !self.removes.is_empty()
            || self.external_init.is_some();
        let empty = self.adds.is_empty()
            && self.psks.is_empty()
            && self.reinit.is_none()
            && self.custom.is_empty();
        path_required_types || empty
    }

    /// Whether our own commit carries an UpdatePath without being asked to: when one is
    /// required, or when it covers a custom proposal, whose need of a path we do not know.
    pub(crate) fn path_sent(&self) -> bool {
        self.path_required() || !self.custom.is_empty()
    }
}

/// Why a leaf node (of an Add's key package, of an Update, or of a member when the group's
/// extensions change) is invalid (RFC 9420 §7.3, §7.2, §11.1, §13.4).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum LeafNodeError {
    /// The leaf node has the wrong `leaf_node_source` for where it appears (§7.3).
    #[error("leaf_node_source {actual:?} where {expected:?} is required")]
    WrongSource {
        /// The source required here.
        expected: LeafNodeSource,
        /// The leaf node's source.
        actual: LeafNodeSource,
    },
    /// The leaf node's signature does not verify (§7.3).
    #[error("the signature does not verify")]
    InvalidSignature,
    /// An Update keeps the encryption key of the leaf it replaces (§7.3).
    #[error("the encryption key is the one of the leaf being replaced")]
    UnchangedEncryptionKey,
    /// The encryption key is already in the tree (§7.3: unique among the members).
    #[error("the encryption key is already used by {existing:?}")]
    DuplicateEncryptionKey {
        /// The node that holds it.
        existing: NodeIndex,
    },
    /// The signature key is another member's (§7.3: unique among the members).
    #[error("the signature key is already used by {existing:?}")]
    DuplicateSignatureKey {
        /// The member's leaf.
        existing: LeafIndex,
    },
    /// The leaf node lists two extensions of one type (§13.4).
    #[error("two extensions of type {extension_type:?}")]
    DuplicateExtension {
        /// The repeated type.
        extension_type: ExtensionType,
    },
    /// The leaf node carries a non-default extension its capabilities do not list (§7.2,
    /// §7.3).
    #[error("extension {extension_type:?} is not in the leaf's capabilities")]
    ExtensionNotInCapabilities {
        /// The extension type.
        extension_type: ExtensionType,
    },
    /// The leaf node's credential type is not in its own capabilities (§7.2).
    #[error("its credential type {credential_type:?} is not in its capabilities")]
    CredentialNotInCapabilities {
        /// The credential type.
        credential_type: CredentialType,
    },
    /// The capabilities do not list a non-default extension of the GroupContext (§13.4).
    #[error("group context extension {extension_type:?} is not supported")]
    UnsupportedGroupExtension {
        /// The extension type.
        extension_type: ExtensionType,
    },
    /// The capabilities do not list an extension type the group requires (§7.3, §11.1).
    #[error("required extension {extension_type:?} is not supported")]
    MissingRequiredExtension {
        /// The extension type.
        extension_type: ExtensionType,
    },
    /// The capabilities do not list a proposal type the group requires (§7.3, §11.1).
    #[error("required proposal type {proposal_type:?} is not supported")]
    MissingRequiredProposal {
        /// The proposal type.
        proposal_type: ProposalType,
    },
    /// The capabilities do not list a credential type the group requires (§7.3, §11.1).
    #[error("required credential type {credential_type:?} is not supported")]
    MissingRequiredCredential {
        /// The credential type.
        credential_type: CredentialType,
    },
    /// The capabilities do not list a credential type another member uses (§7.3, §13.3).
    #[error("credential type {credential_type:?}, used in the group, is not supported")]
    UnsupportedCredentialType {
        /// The credential type.
        credential_type: CredentialType,
    },
    /// The leaf node's credential type is not supported by some member (§7.3, §13.3).
    #[error("its credential type {credential_type:?} is not supported by every member")]
    CredentialTypeNotSupportedByMembers {
        /// The credential type.
        credential_type: CredentialType,
    },
}

/// Why a proposal, or the list of proposals of a commit, is invalid (RFC 9420 §12.1, §12.2,
/// §12.4.3.2). An Add is named by its position among the commit's Add proposals (0 for a
/// proposal validated on its own).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ProposalError {
    /// The committer is neither a member nor a new member committing externally (§12.4).
    #[error("{sender:?} cannot commit")]
    InvalidCommitter {
        /// The committer.
        sender: Sender,
    },
    /// A proposal from a leaf that holds no member (§12.1).
    #[error("the proposal's sender {leaf:?} is not a member")]
    SenderNotMember {
        /// The sender's leaf.
        leaf: LeafIndex,
    },
    /// A proposal whose sender type cannot send proposals here: `new_member_commit` outside
    /// an external commit, or anything but `new_member_commit` (a proposal by reference)
    /// inside one (§6, §12.4.3.2).
    #[error("a proposal from {sender:?} is not allowed here")]
    InvalidProposalSender {
        /// The sender.
        sender: Sender,
    },
    /// A proposal type the sender type may not send: external senders only add, remove, psk,
    /// reinit and group_context_extensions (§12.1.8); new_member_proposal only add (§6).
    #[error("a {sender_type:?} sender cannot send a {proposal_type:?} proposal")]
    ProposalTypeNotAllowedForSender {
        /// The sender type.
        sender_type: SenderType,
        /// The proposal type.
        proposal_type: ProposalType,
    },
    /// An Update from a sender that is not a member (§12.1.2).
    #[error("an Update from a non-member")]
    UpdateFromNonMember,
    /// An Update from the committer (§12.2).
    #[error("the commit contains an Update from the committer")]
    UpdateByCommitter,
    /// A Remove of the committer (§12.2).
    #[error("the commit removes the committer")]
    RemovesCommitter,
    /// Several Update and/or Remove proposals for one leaf (§12.2).
    #[error("several Update or Remove proposals for {leaf:?}")]
    DuplicateUpdateOrRemove {
        /// The leaf.
        leaf: LeafIndex,
    },
    /// A Remove of a leaf outside the tree (§12.1.3).
    #[error("the removed {leaf:?} lies outside the tree")]
    RemoveOutOfRange {
        /// The leaf.
        leaf: LeafIndex,
    },
    /// A Remove of a blank leaf (§12.1.3).
    #[error("the removed {leaf:?} is blank")]
    RemoveOfBlankLeaf {
        /// The leaf.
        leaf: LeafIndex,
    },
    /// The leaf node of an Update is invalid (§12.1.2, §7.3).
    #[error("the Update of {leaf:?} is invalid: {reason}")]
    InvalidUpdateLeafNode {
        /// The sender's leaf.
        leaf: LeafIndex,
        /// What is wrong with the new leaf node.
        reason: LeafNodeError,
    },
    /// An Add's key package has another protocol version than the group (§10.1).
    #[error("Add {add}: key package version {found:?}, the group's is {expected:?}")]
    KeyPackageVersionMismatch {
        /// The Add's position.
        add: usize,
        /// The group's version.
        expected: ProtocolVersion,
        /// The key package's.
        found: ProtocolVersion,
    },
    /// An Add's key package has another cipher suite than the group (§10.1).
    #[error("Add {add}: key package cipher suite {found:?}, the group's is {expected:?}")]
    KeyPackageCipherSuiteMismatch {
        /// The Add's position.
        add: usize,
        /// The group's suite.
        expected: CipherSuite,
        /// The key package's.
        found: CipherSuite,
    },
    /// An Add's key package is invalid on its own (§10.1): signature, init key, leaf node
    /// source, signature or lifetime.
    #[error("Add {add}: invalid key package")]
    InvalidKeyPackage {
        /// The Add's position.
        add: usize,
        /// What [`validate_key_package`] found.
        source: KeyPackageError,
    },
    /// An Add's key package lists two extensions of one type (§13.4).
    #[error("Add {add}: the key package has two extensions of type {extension_type:?}")]
    KeyPackageDuplicateExtension {
        /// The Add's position.
        add: usize,
        /// The repeated type.
        extension_type: ExtensionType,
    },
    /// The leaf node of an Add's key package is invalid for this group (§10.1, §7.3).
    #[error("Add {add}: invalid leaf node: {reason}")]
    InvalidAddLeafNode {
        /// The Add's position.
        add: usize,
        /// What is wrong with the leaf node.
        reason: LeafNodeError,
    },
    /// The leaf node of a commit's UpdatePath does not meet the capability checks of §7.3.
    #[error("the UpdatePath's leaf node is invalid: {reason}")]
    InvalidCommitLeafNode {
        /// What is wrong with the leaf node.
        reason: LeafNodeError,
    },
    /// Two Adds of the same client, i.e. with the same signature key (§12.2).
    #[error("Adds {first} and {add} add the same client")]
    DuplicateAdd {
        /// The earlier Add's position.
        first: usize,
        /// The later Add's position.
        add: usize,
    },
    /// An Add of a client already in the group (same signature key) that the commit does
    /// not remove (§12.2).
    #[error("Add {add} adds the client already at {leaf:?}")]
    AddOfExistingMember {
        /// The Add's position.
        add: usize,
        /// The member's leaf.
        leaf: LeafIndex,
    },
    /// Two new leaf nodes of the commit (of Adds or Updates) share an encryption key or a
    /// signature key (§7.3: unique among the members after the commit).
    #[error("two leaf nodes of the commit share a key")]
    DuplicateLeafKeyInCommit,
    /// A resumption PSK whose usage is not allowed here: `reinit` and `branch` only in the
    /// reinitialization or branching they belong to (§12.1.4).
    #[error("a resumption PSK with usage {usage:?} is not allowed here")]
    InvalidPskUsage {
        /// The PSK's usage.
        usage: ResumptionPskUsage,
    },
    /// A psk_nonce that is not KDF.Nh bytes long (§12.1.4).
    #[error("a psk_nonce of {actual} bytes, expected {expected}")]
    InvalidPskNonceLength {
        /// KDF.Nh.
        expected: usize,
        /// The nonce's length.
        actual: usize,
    },
    /// Two PreSharedKey proposals with the same PreSharedKeyID (§12.2).
    #[error("two PreSharedKey proposals with the same PreSharedKeyID")]
    DuplicatePsk,
    /// A GroupContextExtensions or ReInit proposal lists two extensions of one type (§13.4).
    #[error("two extensions of type {extension_type:?}")]
    DuplicateExtension {
        /// The repeated type.
        extension_type: ExtensionType,
    },
    /// A required_capabilities extension that does not decode (§11.1).
    #[error("malformed required_capabilities extension: {0}")]
    MalformedRequiredCapabilities(CodecError),
    /// More than one GroupContextExtensions proposal (§12.2).
    #[error("several GroupContextExtensions proposals")]
    MultipleGroupContextExtensions,
    /// A member that stays in the group does not support the new GroupContext extensions or
    /// required capabilities (§12.1.7, §11.1, §13.4).
    #[error("{leaf:?} does not support the new group context extensions: {reason}")]
    UnsupportedGroupContextExtensions {
        /// The member's leaf.
        leaf: LeafIndex,
        /// What it does not support.
        reason: LeafNodeError,
    },
    /// A ReInit to a lower protocol version than the group's (§12.1.5).
    #[error("ReInit to version {proposed:?}, lower than the group's {current:?}")]
    ReInitVersionDowngrade {
        /// The group's version.
        current: ProtocolVersion,
        /// The ReInit's version.
        proposed: ProtocolVersion,
    },
    /// A ReInit together with another proposal (§12.2).
    #[error("a ReInit together with other proposals")]
    ReInitWithOtherProposals,
    /// An ExternalInit outside an external commit: in a regular commit (§12.2) or on its own
    /// (§12.1.6).
    #[error("an ExternalInit outside an external commit")]
    ExternalInitOutsideExternalCommit,
    /// An external commit without an ExternalInit (§12.2).
    #[error("an external commit without an ExternalInit")]
    ExternalCommitMissingExternalInit,
    /// An external commit with several ExternalInit proposals (§12.2).
    #[error("an external commit with several ExternalInit proposals")]
    ExternalCommitMultipleExternalInits,
    /// An external commit with several Remove proposals (§12.2).
    #[error("an external commit with several Remove proposals")]
    ExternalCommitMultipleRemoves,
    /// An external commit with a proposal other than ExternalInit, Remove and PreSharedKey
    /// (§12.2).
    #[error("an external commit with a {proposal_type:?} proposal")]
    ExternalCommitDisallowedProposal {
        /// The proposal type.
        proposal_type: ProposalType,
    },
    /// A non-default proposal type that a member processing the commit does not support
    /// (§12.2, §13.2).
    #[error("{leaf:?} does not support proposal type {proposal_type:?}")]
    UnsupportedProposalType {
        /// The proposal type.
        proposal_type: ProposalType,
        /// A member that does not support it.
        leaf: LeafIndex,
    },
    /// A proposal of a GREASE type (§13.5), which no client may send, whatever the members'
    /// capabilities list.
    #[error("a proposal of the GREASE type {proposal_type:?}")]
    GreaseProposalType {
        /// The proposal type.
        proposal_type: ProposalType,
    },
    /// A tree operation failed for another reason than the proposal's validity.
    #[error(transparent)]
    Tree(#[from] TreeError),
    /// A value could not be encoded.
    #[error(transparent)]
    Codec(#[from] CodecError),
}

/// Whether every client supports `proposal_type` without listing it: types 1-7 (§7.2).
pub(crate) fn is_default_proposal_type(proposal_type: ProposalType) -> bool {
    proposal_type.is_default()
}

/// Whether every client supports `extension_type` without listing it: types 1-5 (§7.2).
pub(crate) fn is_default_extension_type(extension_type: ExtensionType) -> bool {
    (ExtensionType::APPLICATION_ID.0..=ExtensionType::EXTERNAL_SENDERS.0)
        .contains(&extension_type.0)
}

/// The proposal types an external sender may send (§12.1.8).
const EXTERNAL_SENDER_TYPES: [ProposalType; 5] = [
    ProposalType::ADD,
    ProposalType::REMOVE,
    ProposalType::PSK,
    ProposalType::REINIT,
    ProposalType::GROUP_CONTEXT_EXTENSIONS,
];

/// The first extension type that appears twice in `extensions` (§13.4).
fn duplicate_extension(extensions: &[Extension]) -> Option<ExtensionType> {
    let mut seen = HashSet::with_capacity(extensions.len());
    extensions
        .iter()
        .map(|extension| extension.extension_type)
        .find(|extension_type| !seen.insert(*extension_type))
}

/// What the group requires of every leaf: support for its GroupContext extensions,
/// including the parsed required_capabilities (§7.3, §11.1, §13.4). Not the group's cipher
/// suite or version in the leaf's capabilities: see [`check_new_leaf`].
struct Requirements<'e> {
    extensions: &'e [Extension],
    required: Option<RequiredCapabilities>,
}

impl<'e> Requirements<'e> {
    /// The requirements of a group whose GroupContext extensions are `extensions`.
    fn new(extensions: &'e [Extension]) -> Result<Self, ProposalError> {
        if let Some(extension_type) = duplicate_extension(extensions) {
            return Err(ProposalError::DuplicateExtension { extension_type });
        }
        let required = extensions
            .iter()
            .find(|extension| extension.extension_type == ExtensionType::REQUIRED_CAPABILITIES)
            .map(|extension| RequiredCapabilities::from_bytes(&extension.extension_data))
            .transpose()
            .map_err(ProposalError::MalformedRequiredCapabilities)?;
        Ok(Self {
            extensions,
            required,
        })
    }
}

fn supports_extension(leaf: &LeafNode, extension_type: ExtensionType) -> bool {
    is_default_extension_type(extension_type)
        || leaf.capabilities.extensions.contains(&extension_type)
}

fn supports_proposal(leaf: &LeafNode, proposal_type: ProposalType) -> bool {
    is_default_proposal_type(proposal_type) || leaf.capabilities.proposals.contains(&proposal_type)
}

/// The checks of a leaf node against itself (§7.2, §7.3, §13.4): no repeated extension type,
/// every non-default extension and its credential type listed in its capabilities.
fn check_leaf_consistency(leaf: &LeafNode) -> Result<(), LeafNodeError> {
    if let Some(extension_type) = duplicate_extension(&leaf.extensions) {
        return Err(LeafNodeError::DuplicateExtension { extension_type });
    }
    if let Some(extension) = leaf
        .extensions
        .iter()
        .find(|extension| !supports_extension(leaf, extension.extension_type))
    {
        return Err(LeafNodeError::ExtensionNotInCapabilities {
            extension_type: extension.extension_type,
        });
    }
    let credential_type = leaf.credential.credential_type();
    if !leaf.capabilities.credentials.contains(&credential_type) {
        return Err(LeafNodeError::CredentialNotInCapabilities { credential_type });
    }
    Ok(())
}

/// Whether `leaf` supports the group's extensions and required capabilities (§7.3, §11.1,
/// §13.4). Default extension and proposal types count as supported; credential types have no
/// defaults.
fn check_extension_support(
    requirements: &Requirements<'_>,
    leaf: &LeafNode,
) -> Result<(), LeafNodeError> {
    if let Some(extension) = requirements
        .extensions
        .iter()
        .find(|extension| !supports_extension(leaf, extension.extension_type))
    {
        return Err(LeafNodeError::UnsupportedGroupExtension {
            extension_type: extension.extension_type,
        });
    }
    let Some(required) = &requirements.required else {
        return Ok(());
    };
    if let Some(&extension_type) = required
        .extension_types
        .iter()
        .find(|&&extension_type| !supports_extension(leaf, extension_type))
    {
        return Err(LeafNodeError::MissingRequiredExtension { extension_type });
    }
    if let Some(&proposal_type) = required
        .proposal_types
        .iter()
        .find(|&&proposal_type| !supports_proposal(leaf, proposal_type))
    {
        return Err(LeafNodeError::MissingRequiredProposal { proposal_type });
    }
    if let Some(&credential_type) = required
        .credential_types
        .iter()
        .find(|credential_type| !leaf.capabilities.credentials.contains(credential_type))
    {
        return Err(LeafNodeError::MissingRequiredCredential { credential_type });
    }
    Ok(())
}

/// The capability checks of a leaf node (of an Add, an Update, a commit's path, or a
/// received tree) against itself and the group (RFC 9420 §7.3): consistency, and support
/// for the group's extensions and required capabilities.
///
/// The leaf's `capabilities.cipher_suites` and `versions` need not list the group's suite and
/// version: §7.3 does not ask it, and the checks that bind a leaf to the group's suite and
/// version are elsewhere, on the key package's own `cipher_suite` and `version` fields for an
/// Add (§10.1) and on the signatures and keys, which only work in the group's suite.
/// Implementations differ here (a suite-7 leaf of another implementation lists only suites
/// 1-6), so one rule applies everywhere: Adds, Updates, UpdatePaths (of commits and external
/// commits) and received trees (§12.4.3.1), in none of which the lists are checked.
fn check_new_leaf(requirements: &Requirements<'_>, leaf: &LeafNode) -> Result<(), LeafNodeError> {
    check_leaf_consistency(leaf)?;
    check_extension_support(requirements, leaf)
}

/// The capability checks of RFC 9420 §7.3 for a new leaf node that joins the tree of `ctx`
/// with GroupContext extensions `extensions` (e.g. the leaf node of a commit's UpdatePath):
/// consistency of its extensions and credential with its capabilities, support for the
/// group's extensions and required capabilities, and credential types
/// compatible with every other member's. `replacing` is the leaf it replaces, if any. The
/// signature, source and key uniqueness are the caller's to check.
pub(crate) fn check_leaf_capabilities(
    ctx: &ProposalContext<'_>,
    extensions: &[Extension],
    leaf_node: &LeafNode,
    replacing: Option<LeafIndex>,
) -> Result<(), ProposalError> {
    let requirements = Requirements::new(extensions)?;
    let wrap = |reason| ProposalError::InvalidCommitLeafNode { reason };
    check_new_leaf(&requirements, leaf_node).map_err(wrap)?;
    let excluded: HashSet<LeafIndex> = replacing.into_iter().collect();
    CredentialSummary::of(ctx.tree, &excluded)
        .check(leaf_node, &[leaf_node.credential.credential_type()])
        .map_err(wrap)
}

/// The checks of RFC 9420 §7.3 for every leaf of a ratchet tree received on joining a group,
/// by Welcome or external commit (§12.4.3.1: "For each non-empty leaf node, validate the
/// LeafNode as described in Section 7.3"), the capability checks of a new leaf node
/// ([`check_new_leaf`]) applied to each: consistency with its own capabilities, support for
/// the GroupContext's extensions and required capabilities; and every credential type in use
/// is supported by every member. The leaf signatures are checked as the tree is received, and
/// key uniqueness holds for every tree by construction. Lifetimes are not checked: §7.3 only
/// recommends it for received leaf nodes, and the key-package leaf of a member added long
/// ago has expired in a healthy group.
pub(crate) fn check_received_tree(
    group_context: &GroupContext,
    tree: &RatchetTree,
) -> Result<(), crate::GroupError> {
    let requirements = Requirements::new(&group_context.extensions)?;
    for (leaf, node) in tree.members() {
        check_new_leaf(&requirements, node)
            .map_err(|reason| crate::GroupError::InvalidTreeLeafNode { leaf, reason })?;
    }
    let census = mls_tree::low_level::credential_census(tree);
    let members = tree.member_count();
    for (credential_type, _) in census.in_use() {
        let supported = census
            .supported()
            .find(|&(t, _)| t == credential_type)
            .map_or(0, |(_, count)| count);
        if supported == members {
            continue;
        }
        let (leaf, _) = tree
            .members()
            .find(|(_, node)| !node.capabilities.credentials.contains(&credential_type))
            .ok_or(crate::GroupError::Internal("credential census out of step"))?;
        return Err(crate::GroupError::InvalidTreeLeafNode {
            leaf,
            reason: LeafNodeError::UnsupportedCredentialType { credential_type },
        });
    }
    Ok(())
}

/// The credential types of the members that stay unchanged by a commit (§7.3, §13.3): those
/// in use, and those every one of them supports.
struct CredentialSummary {
    in_use: BTreeSet<CredentialType>,
    /// `None` if no member stays unchanged.
    supported_by_all: Option<BTreeSet<CredentialType>>,
}

impl CredentialSummary {
    /// The summary of the members of `tree` outside `excluded` (removed or updated leaves),
    /// from the tree's credential census: O(|excluded|), not a pass over the members.
    fn of(tree: &RatchetTree, excluded: &HashSet<LeafIndex>) -> Self {
        let excluded: Vec<&LeafNode> = excluded.iter().filter_map(|&l| tree.leaf(l)).collect();
        let remaining = tree
            .member_count()
            .saturating_sub(u32::try_from(excluded.len()).unwrap_or(u32::MAX));
        let census = mls_tree::low_level::credential_census(tree).without(excluded);
        Self {
            in_use: census.in_use().map(|(t, _)| t).collect(),
            supported_by_all: (remaining > 0).then(|| {
                census
                    .supported()
                    .filter(|&(_, count)| count == remaining)
                    .map(|(t, _)| t)
                    .collect()
            }),
        }
    }

    /// Checks a new leaf node, given the credential types of all new leaf nodes of the commit
    /// (`new_types`, its own included): it supports every type in use after the commit, and
    /// every unchanged member supports its type.
    fn check(&self, leaf: &LeafNode, new_types: &[CredentialType]) -> Result<(), LeafNodeError> {
        if let Some(&credential_type) = self
            .in_use
            .iter()
            .chain(new_types)
            .find(|credential_type| !leaf.capabilities.credentials.contains(credential_type))
        {
            return Err(LeafNodeError::UnsupportedCredentialType { credential_type });
        }
        let credential_type = leaf.credential.credential_type();
        match &self.supported_by_all {
            Some(supported) if !supported.contains(&credential_type) => {
                Err(LeafNodeError::CredentialTypeNotSupportedByMembers { credential_type })
            }
            _ => Ok(()),
        }
    }
}

/// Checks that `sender` may send a proposal of `proposal_type` to the group (§6, §12.1.2,
/// §12.1.8): a member must hold a leaf; external senders and new members are limited to some
/// types; `new_member_commit` sends no standalone proposals.
fn check_sender(
    ctx: &ProposalContext<'_>,
    sender: &Sender,
    proposal_type: ProposalType,
) -> Result<(), ProposalError> {
    let allowed = match *sender {
        Sender::Member(leaf) => {
            if ctx.tree.leaf(leaf).is_none() {
                return Err(ProposalError::SenderNotMember { leaf });
            }
            return Ok(());
        }
        Sender::External(_) => EXTERNAL_SENDER_TYPES.contains(&proposal_type),
        Sender::NewMemberProposal => proposal_type == ProposalType::ADD,
        Sender::NewMemberCommit => {
            return Err(ProposalError::InvalidProposalSender { sender: *sender });
        }
    };
    if proposal_type == ProposalType::UPDATE {
        Err(ProposalError::UpdateFromNonMember)
    } else if allowed {
        Ok(())
    } else {
        Err(ProposalError::ProposalTypeNotAllowedForSender {
            sender_type: sender.sender_type(),
            proposal_type,
        })
    }
}

/// Checks that every member that processes the commit (all but the `removed` ones) supports
/// `proposal_type` if it is not a default type (§12.2, §13.2). A GREASE type is never
/// supported: it MUST NOT be sent (§13.5), and members list GREASE values in their
/// capabilities only to exercise their peers' parsers.
fn check_proposal_type_supported(
    tree: &RatchetTree,
    proposal_type: ProposalType,
    removed: &HashSet<LeafIndex>,
) -> Result<(), ProposalError> {
    if is_default_proposal_type(proposal_type) {
        return Ok(());
    }
    if proposal_type.is_grease() {
        return Err(ProposalError::GreaseProposalType { proposal_type });
    }
    match tree
        .members()
        .find(|(leaf, node)| !removed.contains(leaf) && !supports_proposal(node, proposal_type))
    {
        Some((leaf, _)) => Err(ProposalError::UnsupportedProposalType {
            proposal_type,
            leaf,
        }),
        None => Ok(()),
    }
}

/// The checks of an Update's leaf node (§12.1.2, §7.3) that do not depend on the other
/// proposals, except `removed`: the members whose signature key may be taken over.
fn check_update(
    ctx: &ProposalContext<'_>,
    requirements: &Requirements<'_>,
    leaf: LeafIndex,
    leaf_node: &LeafNode,
    removed: &HashSet<LeafIndex>,
) -> Result<(), ProposalError> {
    let invalid = |reason| ProposalError::InvalidUpdateLeafNode { leaf, reason };
    check_leaf_node_source(leaf_node, leaf, LeafNodeSource::Update).map_err(
        |error| match error {
            TreeError::WrongLeafNodeSource {
                expected, actual, ..
            } => invalid(LeafNodeError::WrongSource { expected, actual }),
            other => ProposalError::Tree(other),
        },
    )?;
    verify_leaf_node_signature(ctx.suite, leaf_node, &ctx.group_context.group_id, leaf).map_err(
        |error| match error {
            TreeError::InvalidLeafSignature { .. } => invalid(LeafNodeError::InvalidSignature),
            other => ProposalError::Tree(other),
        },
    )?;
    check_new_leaf(requirements, leaf_node).map_err(invalid)?;
    match ctx.tree.find_encryption_key(&leaf_node.encryption_key) {
        Some(existing) if existing == leaf.node() => {
            return Err(invalid(LeafNodeError::UnchangedEncryptionKey));
        }
        Some(existing) => return Err(invalid(LeafNodeError::DuplicateEncryptionKey { existing })),
        None => {}
    }
    match ctx.tree.find_signature_key(&leaf_node.signature_key) {
        Some(existing) if existing != leaf && !removed.contains(&existing) => {
            Err(invalid(LeafNodeError::DuplicateSignatureKey { existing }))
        }
        _ => Ok(()),
    }
}

/// The checks of an Add (§12.1.1): its key package is valid (§10.1) for this group, and its
/// leaf node is valid (§7.3) with an encryption key new to the tree. The uniqueness of its
/// signature key is a rule of the proposal list (§12.2).
fn check_add(
    ctx: &ProposalContext<'_>,
    requirements: &Requirements<'_>,
    add: usize,
    key_package: &KeyPackage,
) -> Result<(), ProposalError> {
    let group = ctx.group_context;
    if key_package.version != group.version {
        return Err(ProposalError::KeyPackageVersionMismatch {
            add,
            expected: group.version,
            found: key_package.version,
        });
    }
    if key_package.cipher_suite != group.cipher_suite {
        return Err(ProposalError::KeyPackageCipherSuiteMismatch {
            add,
            expected: group.cipher_suite,
            found: key_package.cipher_suite,
        });
    }
    validate_key_package(ctx.suite, key_package, ctx.now)
        .map_err(|error| ProposalError::InvalidKeyPackage { add, source: error })?;
    if let Some(extension_type) = duplicate_extension(&key_package.extensions) {
        return Err(ProposalError::KeyPackageDuplicateExtension {
            add,
            extension_type,
        });
    }
    let leaf_node = &key_package.leaf_node;
    let invalid = |reason| ProposalError::InvalidAddLeafNode { add, reason };
    check_new_leaf(requirements, leaf_node).map_err(invalid)?;
    if let Some(existing) = ctx.tree.find_encryption_key(&leaf_node.encryption_key) {
        return Err(invalid(LeafNodeError::DuplicateEncryptionKey { existing }));
    }
    Ok(())
}

/// The checks of a PreSharedKey proposal (§12.1.4): a resumption PSK of usage `reinit` or
/// `branch` only where `allowed_usage` says so, and a psk_nonce of KDF.Nh bytes. (The psktype
/// is `external` or `resumption` by construction: other values do not decode.)
fn check_psk(
    ctx: &ProposalContext<'_>,
    id: &PreSharedKeyId,
    allowed_usage: ResumptionPskUsage,
) -> Result<(), ProposalError> {
    if let Psk::Resumption { usage, .. } = &id.psk
        && *usage != ResumptionPskUsage::Application
        && *usage != allowed_usage
    {
        return Err(ProposalError::InvalidPskUsage { usage: *usage });
    }
    let expected = ctx.suite.hash_len();
    if id.psk_nonce.len() != expected {
        return Err(ProposalError::InvalidPskNonceLength {
            expected,
            actual: id.psk_nonce.len(),
        });
    }
    Ok(())
}

/// The checks of a ReInit (§12.1.5): a version not lower than the group's, and no extension
/// type twice (§13.4).
fn check_reinit(ctx: &ProposalContext<'_>, reinit: &ReInit) -> Result<(), ProposalError> {
    if reinit.version < ctx.group_context.version {
        return Err(ProposalError::ReInitVersionDowngrade {
            current: ctx.group_context.version,
            proposed: reinit.version,
        });
    }
    if let Some(extension_type) = duplicate_extension(&reinit.extensions) {
        return Err(ProposalError::DuplicateExtension { extension_type });
    }
    Ok(())
}

/// Checks that every member outside `excluded` supports the extensions and required
/// capabilities of `requirements` (§12.1.7, §11.1).
fn check_members_support(
    tree: &RatchetTree,
    requirements: &Requirements<'_>,
    excluded: &HashSet<LeafIndex>,
) -> Result<(), ProposalError> {
    for (leaf, node) in tree.members() {
        if excluded.contains(&leaf) {
            continue;
        }
        check_extension_support(requirements, node)
            .map_err(|reason| ProposalError::UnsupportedGroupContextExtensions { leaf, reason })?;
    }
    Ok(())
}

/// Validates a proposal received on its own, before it is cached for a later commit
/// (RFC 9420 §12.1), against the current epoch: the sender may send it, and it is valid for
/// its type. The rules that concern a whole list (§12.2), such as an Add of a current member,
/// wait for [`plan`], which also checks every proposal again in the context of its commit.
pub(crate) fn validate_proposal(
    ctx: &ProposalContext<'_>,
    sender: &Sender,
    proposal: &Proposal,
) -> Result<(), ProposalError> {
    if let Proposal::ExternalInit(_) = proposal {
        // Only an external commit carries an ExternalInit, and only by value (§12.1.6).
        return Err(ProposalError::ExternalInitOutsideExternalCommit);
    }
    check_sender(ctx, sender, proposal.proposal_type())?;
    check_proposal_type_supported(ctx.tree, proposal.proposal_type(), &HashSet::new())?;
    let current = Requirements::new(&ctx.group_context.extensions)?;
    let nobody = HashSet::new();
    match proposal {
        Proposal::Add(add) => {
            check_add(ctx, &current, 0, &add.key_package)?;
            CredentialSummary::of(ctx.tree, &nobody)
                .check(
                    &add.key_package.leaf_node,
                    &[add.key_package.leaf_node.credential.credential_type()],
                )
                .map_err(|reason| ProposalError::InvalidAddLeafNode { add: 0, reason })
        }
        Proposal::Update(update) => {
            let Sender::Member(leaf) = *sender else {
                return Err(ProposalError::UpdateFromNonMember);
            };
            check_update(ctx, &current, leaf, &update.leaf_node, &nobody)?;
            let excluded = HashSet::from([leaf]);
            CredentialSummary::of(ctx.tree, &excluded)
                .check(
                    &update.leaf_node,
                    &[update.leaf_node.credential.credential_type()],
                )
                .map_err(|reason| ProposalError::InvalidUpdateLeafNode { leaf, reason })
        }
        Proposal::Remove(remove) => check_remove_target(ctx.tree, LeafIndex(remove.removed)),
        Proposal::PreSharedKey(psk) => check_psk(ctx, &psk.psk, ResumptionPskUsage::Application),
        Proposal::ReInit(reinit) => check_reinit(ctx, reinit),
        Proposal::GroupContextExtensions(gce) => {
            let requirements = Requirements::new(&gce.extensions)?;
            check_members_support(ctx.tree, &requirements, &nobody)
        }
        Proposal::ExternalInit(_) => Err(ProposalError::ExternalInitOutsideExternalCommit),
        // Its type is supported by every member (checked above); its body is the
        // application's to interpret (§13).
        Proposal::Custom { .. } => Ok(()),
    }
}

/// Checks that `leaf` holds a member that a Remove can remove (§12.1.3).
pub(crate) fn check_remove_target(
    tree: &RatchetTree,
    leaf: LeafIndex,
) -> Result<(), ProposalError> {
    if leaf.0 >= tree.leaf_count() {
        Err(ProposalError::RemoveOutOfRange { leaf })
    } else if tree.leaf(leaf).is_none() {
        Err(ProposalError::RemoveOfBlankLeaf { leaf })
    } else {
        Ok(())
    }
}

/// Validates the proposals of a commit (RFC 9420 §12.2, §12.4.3.2 for an external commit)
/// and returns their effect in the order of §12.3. Any invalid proposal makes the list, and
/// the commit, invalid.
pub(crate) fn plan(
    ctx: &ProposalContext<'_>,
    proposals: Vec<SenderProposal>,
) -> Result<ProposalPlan, ProposalError> {
    plan_with_psk_usage(ctx, proposals, ResumptionPskUsage::Application)
}

/// [`plan`] for the first commit of a group created by a reinitialization (§11.2) or a branch
/// (§11.3), whose PreSharedKey proposals may carry a resumption PSK of usage `allowed_usage`
/// (`Reinit` or `Branch`) besides `Application`.
pub(crate) fn plan_with_psk_usage(
    ctx: &ProposalContext<'_>,
    proposals: Vec<SenderProposal>,
    allowed_usage: ResumptionPskUsage,
) -> Result<ProposalPlan, ProposalError> {
    let tree = ctx.tree;
    let (external, committer) = match ctx.committer {
        Sender::Member(leaf) if tree.leaf(leaf).is_some() => (false, Some(leaf)),
        Sender::NewMemberCommit => (true, None),
        sender => return Err(ProposalError::InvalidCommitter { sender }),
    };

    // Senders and the rules on the shape of the list.
    let total = proposals.len();
    let mut types = BTreeSet::new();
    let mut gces = Vec::new();
    let mut updates = Vec::new();
    let mut removes = Vec::new();
    let mut adds = Vec::new();
    let mut psks = Vec::new();
    let mut reinits = Vec::new();
    let mut external_inits = Vec::new();
    let mut customs = Vec::new();
    for SenderProposal { sender, proposal } in proposals {
        let proposal_type = proposal.proposal_type();
        types.insert(proposal_type);
        if external {
            if ![
                ProposalType::EXTERNAL_INIT,
                ProposalType::REMOVE,
                ProposalType::PSK,
            ]
            .contains(&proposal_type)
            {
                return Err(ProposalError::ExternalCommitDisallowedProposal { proposal_type });
            }
            if sender != Sender::NewMemberCommit {
                return Err(ProposalError::InvalidProposalSender { sender });
            }
        } else {
            if proposal_type == ProposalType::EXTERNAL_INIT {
                return Err(ProposalError::ExternalInitOutsideExternalCommit);
            }
            check_sender(ctx, &sender, proposal_type)?;
        }
        match proposal {
            Proposal::Add(add) => adds.push(add.key_package),
            Proposal::Update(update) => {
                let Sender::Member(leaf) = sender else {
                    return Err(ProposalError::UpdateFromNonMember);
                };
                updates.push((leaf, update.leaf_node));
            }
            Proposal::Remove(remove) => removes.push(LeafIndex(remove.removed)),
            Proposal::PreSharedKey(psk) => psks.push(psk.psk),
            Proposal::ReInit(reinit) => reinits.push(reinit),
            Proposal::ExternalInit(init) => external_inits.push(init),
            Proposal::GroupContextExtensions(gce) => gces.push(gce.extensions),
            custom @ Proposal::Custom { .. } => customs.push((sender, custom)),
        }
    }
    if external {
        match external_inits.len() {
            0 => return Err(ProposalError::ExternalCommitMissingExternalInit),
            1 => {}
            _ => return Err(ProposalError::ExternalCommitMultipleExternalInits),
        }
        if removes.len() > 1 {
            return Err(ProposalError::ExternalCommitMultipleRemoves);
        }
    }
    if !reinits.is_empty() && total > 1 {
        return Err(ProposalError::ReInitWithOtherProposals);
    }
    if gces.len() > 1 {
        return Err(ProposalError::MultipleGroupContextExtensions);
    }
    let group_context_extensions = gces.pop();
    let requirements = Requirements::new(
        group_context_extensions
            .as_deref()
            .unwrap_or(&ctx.group_context.extensions),
    )?;

    // Updates and Removes: at most one per leaf, never the committer's.
    let mut touched = HashSet::with_capacity(updates.len() + removes.len());
    for (leaf, _) in &updates {
        if Some(*leaf) == committer {
            return Err(ProposalError::UpdateByCommitter);
        }
        if !touched.insert(*leaf) {
            return Err(ProposalError::DuplicateUpdateOrRemove { leaf: *leaf });
        }
    }
    for &leaf in &removes {
        check_remove_target(tree, leaf)?;
        if Some(leaf) == committer {
            return Err(ProposalError::RemovesCommitter);
        }
        if !touched.insert(leaf) {
            return Err(ProposalError::DuplicateUpdateOrRemove { leaf });
        }
    }
    let removed: HashSet<LeafIndex> = removes.iter().copied().collect();
    for proposal_type in &types {
        check_proposal_type_supported(tree, *proposal_type, &removed)?;
    }

    // The new leaf nodes: each valid, and unique after the commit.
    for (leaf, leaf_node) in &updates {
        check_update(ctx, &requirements, *leaf, leaf_node, &removed)?;
    }
    // Each key package on its own (two signature verifications each) on every core with the
    // `parallel` feature; the error reported is the first add's either way.
    let check = |(add, key_package): (usize, &KeyPackage)| {
        check_add(ctx, &requirements, add, key_package).err()
    };
    #[cfg(feature = "parallel")]
    let first_error = {
        use rayon::prelude::*;
        adds.par_iter().enumerate().find_map_first(check)
    };
    #[cfg(not(feature = "parallel"))]
    let first_error = adds.iter().enumerate().find_map(check);
    if let Some(error) = first_error {
        return Err(error);
    }
    let mut add_signature_keys: HashMap<&[u8], usize> = HashMap::with_capacity(adds.len());
    for (add, key_package) in adds.iter().enumerate() {
        let signature_key = key_package.leaf_node.signature_key.as_slice();
        if let Some(&first) = add_signature_keys.get(signature_key) {
            return Err(ProposalError::DuplicateAdd { first, add });
        }
        add_signature_keys.insert(signature_key, add);
        if let Some(leaf) = tree.find_signature_key(signature_key)
            && !removed.contains(&leaf)
        {
            return Err(ProposalError::AddOfExistingMember { add, leaf });
        }
    }
    let new_leaves: Vec<&LeafNode> = updates
        .iter()
        .map(|(_, leaf_node)| leaf_node)
        .chain(adds.iter().map(|key_package| &key_package.leaf_node))
        .collect();
    let mut encryption_keys = HashSet::with_capacity(new_leaves.len());
    let mut signature_keys = HashSet::with_capacity(new_leaves.len());
    for leaf_node in &new_leaves {
        if !encryption_keys.insert(leaf_node.encryption_key.as_slice())
            || !signature_keys.insert(leaf_node.signature_key.as_slice())
        {
            return Err(ProposalError::DuplicateLeafKeyInCommit);
        }
    }

    // Credential types compatible across the group after the commit (§7.3, §13.3), and
    // the members that stay supporting new GroupContext extensions (§12.1.7).
    let mut replaced = removed.clone();
    replaced.extend(updates.iter().map(|(leaf, _)| *leaf));
    if !new_leaves.is_empty() {
        let summary = CredentialSummary::of(tree, &replaced);
        let new_types: Vec<CredentialType> = new_leaves
            .iter()
            .map(|leaf_node| leaf_node.credential.credential_type())
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        for (leaf, leaf_node) in &updates {
            summary.check(leaf_node, &new_types).map_err(|reason| {
                ProposalError::InvalidUpdateLeafNode {
                    leaf: *leaf,
                    reason,
                }
            })?;
        }
        for (add, key_package) in adds.iter().enumerate() {
            summary
                .check(&key_package.leaf_node, &new_types)
                .map_err(|reason| ProposalError::InvalidAddLeafNode { add, reason })?;
        }
    }
    if group_context_extensions.is_some() {
        check_members_support(tree, &requirements, &replaced)?;
    }

    // PreSharedKeys, ReInit.
    let mut psk_ids = HashSet::with_capacity(psks.len());
    for id in &psks {
        check_psk(ctx, id, allowed_usage)?;
        // The whole PreSharedKeyID, nonce included, identifies the PSK (§8.4, §12.2).
        if !psk_ids.insert(id.to_bytes()?) {
            return Err(ProposalError::DuplicatePsk);
        }
    }
    let reinit = reinits.pop();
    if let Some(reinit) = &reinit {
        check_reinit(ctx, reinit)?;
    }

    Ok(ProposalPlan {
        group_context_extensions,
        updates,
        removes,
        adds,
        psks,
        reinit,
        external_init: external_inits.pop(),
        custom: customs,
    })
}

#[cfg(test)]
mod tests {
    use mls_codec::{
        Add, Credential, Encode, GroupContextExtensions, LeafNodeSourceData, PreSharedKey, Remove,
        Update, VarBytes,
    };
    use mls_crypto::{CryptoProvider, Signer, sign_with_label};
    use mls_crypto_rustcrypto::RustCryptoProvider;
    use mls_tree::sign_leaf_node;

    use super::*;
    use crate::key_package::{KeyPackageOptions, create_key_package};

    static PROVIDER: RustCryptoProvider = RustCryptoProvider::new();
    const SUITE: CipherSuite = CipherSuite::MLS_128_DHKEMX25519_AES128GCM_SHA256_ED25519;
    const NOW: u64 = 1_700_000_000;
    const GROUP_ID: &[u8] = b"group";
    const NEW_EXTENSION: ExtensionType = ExtensionType(0xff00);
    const NEW_PROPOSAL: ProposalType = ProposalType(0xff05);

    fn suite() -> &'static dyn CipherSuiteProvider {
        PROVIDER.suite(SUITE).unwrap()
    }

    struct Client {
        signer: Box<dyn Signer>,
        key_package: KeyPackage,
    }

    fn client(name: &str) -> Client {
        client_with(name, |_| {})
    }

    /// A client whose key package options (and credential) `edit` may change.
    fn client_with(name: &str, edit: impl FnOnce(&mut KeyPackageOptions)) -> Client {
        let keys = suite().generate_signature_key_pair().unwrap();
        let signer = suite().signer(&keys.private_key).unwrap();
        let key_package = key_package_for(&*signer, name, edit);
        Client {
            signer,
            key_package,
        }
    }

    /// A client with an (empty) x509 credential that lists basic and x509.
    fn x509_client() -> Client {
        let keys = suite().generate_signature_key_pair().unwrap();
        let signer = suite().signer(&keys.private_key).unwrap();
        let mut options = KeyPackageOptions::new(SUITE, NOW, 86_400);
        options.capabilities.credentials = vec![CredentialType::BASIC, CredentialType::X509];
        let key_package = create_key_package(
            suite(),
            &*signer,
            Credential::X509 {
                certificates: vec![],
            },
            options,
        )
        .unwrap()
        .key_package;
        Client {
            signer,
            key_package,
        }
    }

    fn key_package_for(
        signer: &dyn Signer,
        name: &str,
        edit: impl FnOnce(&mut KeyPackageOptions),
    ) -> KeyPackage {
        let mut options = KeyPackageOptions::new(SUITE, NOW, 86_400);
        edit(&mut options);
        let credential = Credential::Basic {
            identity: VarBytes::from(name.as_bytes()),
        };
        create_key_package(suite(), signer, credential, options)
            .unwrap()
            .key_package
    }

    /// Signs a modified key package and its leaf node again.
    fn resign(signer: &dyn Signer, key_package: &mut KeyPackage) {
        sign_leaf_node(signer, &mut key_package.leaf_node, &[], LeafIndex(0)).unwrap();
        let tbs = key_package.to_tbs().to_bytes().unwrap();
        key_package.signature = VarBytes(sign_with_label(signer, "KeyPackageTBS", &tbs).unwrap());
    }

    struct Fixture {
        clients: Vec<Client>,
        tree: RatchetTree,
        context: GroupContext,
    }

    fn group(size: usize) -> Fixture {
        group_of((0..size).map(|i| client(&format!("member {i}"))).collect())
    }

    fn group_of(clients: Vec<Client>) -> Fixture {
        let mut tree = RatchetTree::new(clients[0].key_package.leaf_node.clone());
        for member in &clients[1..] {
            tree.add_leaf(member.key_package.leaf_node.clone()).unwrap();
        }
        let context = GroupContext {
            version: ProtocolVersion::MLS10,
            cipher_suite: SUITE,
            group_id: VarBytes::from(GROUP_ID),
            epoch: 3,
            tree_hash: VarBytes::default(),
            confirmed_transcript_hash: VarBytes::default(),
            extensions: vec![],
        };
        Fixture {
            clients,
            tree,
            context,
        }
    }

    impl Fixture {
        fn ctx(&self, committer: Sender) -> ProposalContext<'_> {
            ProposalContext {
                suite: suite(),
                tree: &self.tree,
                group_context: &self.context,
                committer,
                now: Some(NOW),
            }
        }

        fn plan(
            &self,
            committer: u32,
            proposals: Vec<SenderProposal>,
        ) -> Result<ProposalPlan, ProposalError> {
            plan(&self.ctx(Sender::Member(LeafIndex(committer))), proposals)
        }

        fn reject(&self, committer: u32, proposals: Vec<SenderProposal>) -> ProposalError {
            self.plan(committer, proposals).unwrap_err()
        }

        /// A valid Update leaf node for the member at `leaf`, transformed by `edit` and signed
        /// by `signer` (default: the member's) for `signed_leaf`.
        fn update_node_with(
            &self,
            leaf: u32,
            signed_leaf: u32,
            signer: Option<&dyn Signer>,
            edit: impl FnOnce(&mut LeafNode),
        ) -> LeafNode {
            let mut node = self.tree.leaf(LeafIndex(leaf)).unwrap().clone();
            node.encryption_key = VarBytes(suite().generate_hpke_key_pair().unwrap().public_key);
            node.leaf_node_source = LeafNodeSourceData::Update;
            edit(&mut node);
            let signer = signer.unwrap_or(&*self.clients[leaf as usize].signer);
            sign_leaf_node(signer, &mut node, GROUP_ID, LeafIndex(signed_leaf)).unwrap();
            node
        }

        fn update_node(&self, leaf: u32) -> LeafNode {
            self.update_node_with(leaf, leaf, None, |_| {})
        }
    }

    fn by(sender: Sender, proposal: Proposal) -> SenderProposal {
        SenderProposal { sender, proposal }
    }

    fn member(leaf: u32, proposal: Proposal) -> SenderProposal {
        by(Sender::Member(LeafIndex(leaf)), proposal)
    }

    fn add(key_package: &KeyPackage) -> Proposal {
        Proposal::Add(Add {
            key_package: key_package.clone(),
        })
    }

    fn update(leaf_node: LeafNode) -> Proposal {
        Proposal::Update(Update { leaf_node })
    }

    fn remove(leaf: u32) -> Proposal {
        Proposal::Remove(Remove { removed: leaf })
    }

    fn external_psk(id: &[u8], nonce_length: usize) -> PreSharedKeyId {
        PreSharedKeyId {
            psk: Psk::External {
                psk_id: VarBytes::from(id),
            },
            psk_nonce: VarBytes(vec![7; nonce_length]),
        }
    }

    fn resumption_psk(usage: ResumptionPskUsage) -> PreSharedKeyId {
        PreSharedKeyId {
            psk: Psk::Resumption {
                usage,
                psk_group_id: VarBytes::from(GROUP_ID),
                psk_epoch: 2,
            },
            psk_nonce: VarBytes(vec![9; 32]),
        }
    }

    fn psk(id: PreSharedKeyId) -> Proposal {
        Proposal::PreSharedKey(PreSharedKey { psk: id })
    }

    fn gce(extensions: Vec<Extension>) -> Proposal {
        Proposal::GroupContextExtensions(GroupContextExtensions { extensions })
    }

    fn reinit(version: ProtocolVersion) -> Proposal {
        Proposal::ReInit(ReInit {
            group_id: VarBytes::from(b"new group"),
            version,
            cipher_suite: SUITE,
            extensions: vec![],
        })
    }

    fn external_init() -> Proposal {
        Proposal::ExternalInit(ExternalInit {
            kem_output: VarBytes::from(b"kem output"),
        })
    }

    fn extension(extension_type: ExtensionType) -> Extension {
        Extension {
            extension_type,
            extension_data: VarBytes::default(),
        }
    }

    fn required_capabilities(required: RequiredCapabilities) -> Extension {
        Extension {
            extension_type: ExtensionType::REQUIRED_CAPABILITIES,
            extension_data: VarBytes(required.to_bytes().unwrap()),
        }
    }

    fn requiring_extension(extension_type: ExtensionType) -> Extension {
        required_capabilities(RequiredCapabilities {
            extension_types: vec![extension_type],
            proposal_types: vec![],
            credential_types: vec![],
        })
    }

    fn supporting_new_extension(options: &mut KeyPackageOptions) {
        options.capabilities.extensions.push(NEW_EXTENSION);
    }

    // A valid list, and the path rule.

    #[test]
    fn valid_list_gives_the_plan_in_application_order() {
        let group = group(4);
        let alice = client("alice");
        let bob = client("bob");
        let new_leaf = group.update_node(1);
        let extensions = vec![required_capabilities(RequiredCapabilities {
            extension_types: vec![ExtensionType::EXTERNAL_SENDERS],
            proposal_types: vec![ProposalType::REINIT],
            credential_types: vec![CredentialType::BASIC],
        })];
        let id = external_psk(b"psk", 32);
        let plan = group
            .plan(
                0,
                vec![
                    member(0, add(&alice.key_package)),
                    member(3, psk(id.clone())),
                    member(1, update(new_leaf.clone())),
                    by(Sender::External(0), remove(2)),
                    member(0, gce(extensions.clone())),
                    by(Sender::NewMemberProposal, add(&bob.key_package)),
                ],
            )
            .unwrap();
        assert_eq!(
            plan,
            ProposalPlan {
                group_context_extensions: Some(extensions),
                updates: vec![(LeafIndex(1), new_leaf)],
                removes: vec![LeafIndex(2)],
                adds: vec![alice.key_package, bob.key_package],
                psks: vec![id],
                reinit: None,
                external_init: None,
                custom: vec![],
            }
        );
        assert!(plan.path_required());
    }

    #[test]
    fn path_is_required_unless_only_add_psk_or_reinit() {
        let group = group(2);
        let empty = group.plan(0, vec![]).unwrap();
        assert_eq!(empty, ProposalPlan::default());
        assert!(empty.path_required(), "an empty commit needs a path");

        let alice = client("alice");
        let adds = group
            .plan(0, vec![member(0, add(&alice.key_package))])
            .unwrap();
        assert!(!adds.path_required());
        let psks = group
            .plan(0, vec![member(0, psk(external_psk(b"p", 32)))])
            .unwrap();
        assert!(!psks.path_required());
        let reinit = group
            .plan(0, vec![member(1, reinit(ProtocolVersion::MLS10))])
            .unwrap();
        assert!(reinit.reinit.is_some());
        assert!(!reinit.path_required());

        let with_remove = group
            .plan(
                0,
                vec![member(0, add(&alice.key_package)), member(0, remove(1))],
            )
            .unwrap();
        assert!(with_remove.path_required());
        let with_update = group
            .plan(0, vec![member(1, update(group.update_node(1)))])
            .unwrap();
        assert!(with_update.path_required());
        let with_gce = group.plan(0, vec![member(0, gce(vec![]))]).unwrap();
        assert!(with_gce.path_required());
        let external = ProposalPlan {
            external_init: Some(ExternalInit {
                kem_output: VarBytes::default(),
            }),
            ..ProposalPlan::default()
        };
        assert!(external.path_required());
    }

    // The rules of the proposal list (§12.2).

    #[test]
    fn update_by_committer_is_rejected() {
        let group = group(3);
        let error = group.reject(1, vec![member(1, update(group.update_node(1)))]);
        assert!(
            matches!(error, ProposalError::UpdateByCommitter),
            "{error:?}"
        );
    }

    #[test]
    fn remove_of_committer_is_rejected() {
        let group = group(3);
        let error = group.reject(2, vec![member(0, remove(2))]);
        assert!(
            matches!(error, ProposalError::RemovesCommitter),
            "{error:?}"
        );
    }

    #[test]
    fn several_updates_or_removes_of_one_leaf_are_rejected() {
        let group = group(3);
        let error = group.reject(
            0,
            vec![
                member(1, update(group.update_node(1))),
                member(0, remove(1)),
            ],
        );
        assert!(
            matches!(
                error,
                ProposalError::DuplicateUpdateOrRemove { leaf: LeafIndex(1) }
            ),
            "{error:?}"
        );
        let error = group.reject(0, vec![member(0, remove(2)), member(1, remove(2))]);
        assert!(
            matches!(
                error,
                ProposalError::DuplicateUpdateOrRemove { leaf: LeafIndex(2) }
            ),
            "{error:?}"
        );
        let error = group.reject(
            0,
            vec![
                member(1, update(group.update_node(1))),
                member(1, update(group.update_node(1))),
            ],
        );
        assert!(
            matches!(
                error,
                ProposalError::DuplicateUpdateOrRemove { leaf: LeafIndex(1) }
            ),
            "{error:?}"
        );
    }

    #[test]
    fn two_adds_of_one_client_are_rejected() {
        let group = group(2);
        let alice = client("alice");
        let again = key_package_for(&*alice.signer, "alice", |_| {});
        let error = group.reject(
            0,
            vec![member(0, add(&alice.key_package)), member(0, add(&again))],
        );
        assert!(
            matches!(error, ProposalError::DuplicateAdd { first: 0, add: 1 }),
            "{error:?}"
        );
    }

    #[test]
    fn add_of_a_member_is_rejected_unless_it_is_removed() {
        let group = group(3);
        let again = key_package_for(&*group.clients[1].signer, "member 1", |_| {});
        let error = group.reject(0, vec![member(0, add(&again))]);
        assert!(
            matches!(
                error,
                ProposalError::AddOfExistingMember {
                    add: 0,
                    leaf: LeafIndex(1)
                }
            ),
            "{error:?}"
        );
        let plan = group
            .plan(0, vec![member(0, add(&again)), member(0, remove(1))])
            .unwrap();
        assert_eq!(plan.removes, [LeafIndex(1)]);
        assert_eq!(plan.adds, [again]);
    }

    #[test]
    fn duplicate_psk_ids_are_rejected() {
        let group = group(2);
        let id = external_psk(b"psk", 32);
        let error = group.reject(
            0,
            vec![member(0, psk(id.clone())), member(1, psk(id.clone()))],
        );
        assert!(matches!(error, ProposalError::DuplicatePsk), "{error:?}");
        // Another nonce makes another PreSharedKeyID.
        let other_nonce = PreSharedKeyId {
            psk_nonce: VarBytes(vec![8; 32]),
            ..id.clone()
        };
        let plan = group
            .plan(0, vec![member(0, psk(id)), member(1, psk(other_nonce))])
            .unwrap();
        assert_eq!(plan.psks.len(), 2);
    }

    #[test]
    fn several_group_context_extensions_are_rejected() {
        let group = group(2);
        let error = group.reject(0, vec![member(0, gce(vec![])), member(1, gce(vec![]))]);
        assert!(
            matches!(error, ProposalError::MultipleGroupContextExtensions),
            "{error:?}"
        );
    }

    #[test]
    fn reinit_with_another_proposal_is_rejected() {
        let group = group(3);
        let error = group.reject(
            0,
            vec![
                member(1, reinit(ProtocolVersion::MLS10)),
                member(0, remove(2)),
            ],
        );
        assert!(
            matches!(error, ProposalError::ReInitWithOtherProposals),
            "{error:?}"
        );
        let error = group.reject(
            0,
            vec![
                member(1, reinit(ProtocolVersion::MLS10)),
                member(2, reinit(ProtocolVersion::MLS10)),
            ],
        );
        assert!(
            matches!(error, ProposalError::ReInitWithOtherProposals),
            "{error:?}"
        );
    }

    #[test]
    fn external_init_in_a_regular_commit_is_rejected() {
        let group = group(2);
        let error = group.reject(0, vec![member(0, external_init())]);
        assert!(
            matches!(error, ProposalError::ExternalInitOutsideExternalCommit),
            "{error:?}"
        );
    }

    #[test]
    fn non_default_proposal_types_must_be_supported_by_the_remaining_members() {
        let supporting = |name: &str| {
            client_with(name, |options| {
                options.capabilities.proposals.push(NEW_PROPOSAL)
            })
        };
        let group = group_of(vec![supporting("a"), supporting("b"), client("c")]);
        let nobody = HashSet::new();
        let error = check_proposal_type_supported(&group.tree, NEW_PROPOSAL, &nobody).unwrap_err();
        assert!(
            matches!(
                error,
                ProposalError::UnsupportedProposalType {
                    proposal_type: NEW_PROPOSAL,
                    leaf: LeafIndex(2)
                }
            ),
            "{error:?}"
        );
        let removed = HashSet::from([LeafIndex(2)]);
        check_proposal_type_supported(&group.tree, NEW_PROPOSAL, &removed).unwrap();
        for default in 1..=7 {
            check_proposal_type_supported(&group.tree, ProposalType(default), &nobody).unwrap();
        }
    }

    fn custom(proposal_type: ProposalType) -> Proposal {
        Proposal::Custom {
            proposal_type,
            data: VarBytes::from(b"body"),
        }
    }

    #[test]
    fn custom_proposals_supported_by_all_are_planned_for_the_application() {
        let supporting = |name: &str| {
            client_with(name, |options| {
                options.capabilities.proposals.push(NEW_PROPOSAL)
            })
        };
        let group = group_of(vec![supporting("a"), supporting("b")]);
        validate_proposal(
            &group.ctx(Sender::Member(LeafIndex(0))),
            &Sender::Member(LeafIndex(1)),
            &custom(NEW_PROPOSAL),
        )
        .unwrap();
        let plan = group
            .plan(
                0,
                vec![
                    member(1, custom(NEW_PROPOSAL)),
                    member(0, custom(NEW_PROPOSAL)),
                ],
            )
            .unwrap();
        assert_eq!(
            plan.custom,
            vec![
                (Sender::Member(LeafIndex(1)), custom(NEW_PROPOSAL)),
                (Sender::Member(LeafIndex(0)), custom(NEW_PROPOSAL)),
            ]
        );
        // A receiver does not require a path for a custom proposal; we always send one.
        assert!(!plan.path_required());
        assert!(plan.path_sent());
        // External senders may not send one (§12.1.8).
        let error = group.reject(0, vec![by(Sender::External(0), custom(NEW_PROPOSAL))]);
        assert!(
            matches!(error, ProposalError::ProposalTypeNotAllowedForSender { .. }),
            "{error:?}"
        );
    }

    #[test]
    fn grease_proposal_types_are_rejected_even_if_listed() {
        let grease = ProposalType(0x0a0a);
        let listing = |name: &str| {
            client_with(name, |options| {
                options.grease = crate::Grease::Off;
                options.capabilities.proposals.push(grease);
            })
        };
        let group = group_of(vec![listing("a"), listing("b")]);
        let error = group.reject(0, vec![member(1, custom(grease))]);
        assert!(
            matches!(error, ProposalError::GreaseProposalType { proposal_type } if proposal_type == grease),
            "{error:?}"
        );
        let error = validate_proposal(
            &group.ctx(Sender::Member(LeafIndex(0))),
            &Sender::Member(LeafIndex(1)),
            &custom(grease),
        )
        .unwrap_err();
        assert!(
            matches!(error, ProposalError::GreaseProposalType { .. }),
            "{error:?}"
        );
    }

    // Senders and committers.

    #[test]
    fn invalid_committers_are_rejected() {
        let group = group(3); // four leaves, leaf 3 blank
        for committer in [
            Sender::External(0),
            Sender::NewMemberProposal,
            Sender::Member(LeafIndex(3)),
            Sender::Member(LeafIndex(9)),
        ] {
            let error = plan(&group.ctx(committer), vec![]).unwrap_err();
            assert!(
                matches!(error, ProposalError::InvalidCommitter { sender } if sender == committer),
                "{error:?}"
            );
        }
    }

    #[test]
    fn sender_rules_are_enforced() {
        let group = group(3);
        let error = group.reject(0, vec![member(3, remove(1))]);
        assert!(
            matches!(error, ProposalError::SenderNotMember { leaf: LeafIndex(3) }),
            "{error:?}"
        );
        let error = group.reject(
            0,
            vec![by(Sender::External(0), update(group.update_node(1)))],
        );
        assert!(
            matches!(error, ProposalError::UpdateFromNonMember),
            "{error:?}"
        );
        let error = group.reject(0, vec![by(Sender::NewMemberProposal, remove(1))]);
        assert!(
            matches!(
                error,
                ProposalError::ProposalTypeNotAllowedForSender {
                    sender_type: SenderType::NewMemberProposal,
                    proposal_type: ProposalType::REMOVE,
                }
            ),
            "{error:?}"
        );
        let error = group.reject(0, vec![by(Sender::NewMemberCommit, remove(1))]);
        assert!(
            matches!(error, ProposalError::InvalidProposalSender { .. }),
            "{error:?}"
        );
    }

    // Remove (§12.1.3).

    #[test]
    fn remove_must_name_a_member() {
        let group = group(3); // four leaves, leaf 3 blank
        let error = group.reject(0, vec![member(0, remove(3))]);
        assert!(
            matches!(
                error,
                ProposalError::RemoveOfBlankLeaf { leaf: LeafIndex(3) }
            ),
            "{error:?}"
        );
        let error = group.reject(0, vec![member(0, remove(4))]);
        assert!(
            matches!(
                error,
                ProposalError::RemoveOutOfRange { leaf: LeafIndex(4) }
            ),
            "{error:?}"
        );
        let error = group.reject(0, vec![member(0, remove(u32::MAX))]);
        assert!(
            matches!(error, ProposalError::RemoveOutOfRange { .. }),
            "{error:?}"
        );
    }

    // Update (§12.1.2, §7.3).

    fn update_reason(error: ProposalError) -> LeafNodeError {
        match error {
            ProposalError::InvalidUpdateLeafNode { reason, .. } => reason,
            other => panic!("expected an invalid Update leaf node, got {other:?}"),
        }
    }

    #[test]
    fn update_leaf_node_must_have_the_update_source() {
        let group = group(3);
        let node = group.update_node_with(1, 1, None, |node| {
            node.leaf_node_source = LeafNodeSourceData::Commit(VarBytes::default());
        });
        let reason = update_reason(group.reject(0, vec![member(1, update(node))]));
        assert_eq!(
            reason,
            LeafNodeError::WrongSource {
                expected: LeafNodeSource::Update,
                actual: LeafNodeSource::Commit,
            }
        );
    }

    #[test]
    fn update_leaf_node_must_be_signed_for_the_sender_leaf() {
        let group = group(3);
        let node = group.update_node_with(1, 2, None, |_| {});
        let reason = update_reason(group.reject(0, vec![member(1, update(node))]));
        assert_eq!(reason, LeafNodeError::InvalidSignature);
    }

    #[test]
    fn update_must_change_the_encryption_key() {
        let group = group(3);
        let old_key = group
            .tree
            .leaf(LeafIndex(1))
            .unwrap()
            .encryption_key
            .clone();
        let node = group.update_node_with(1, 1, None, |node| node.encryption_key = old_key);
        let reason = update_reason(group.reject(0, vec![member(1, update(node))]));
        assert_eq!(reason, LeafNodeError::UnchangedEncryptionKey);
    }

    #[test]
    fn update_encryption_key_must_be_new_to_the_tree() {
        let group = group(3);
        let taken = group
            .tree
            .leaf(LeafIndex(2))
            .unwrap()
            .encryption_key
            .clone();
        let node = group.update_node_with(1, 1, None, |node| node.encryption_key = taken);
        let reason = update_reason(group.reject(0, vec![member(1, update(node))]));
        assert_eq!(
            reason,
            LeafNodeError::DuplicateEncryptionKey {
                existing: NodeIndex(4)
            }
        );
    }

    #[test]
    fn update_signature_key_must_not_be_another_members() {
        let group = group(3);
        let taken = group.tree.leaf(LeafIndex(2)).unwrap().signature_key.clone();
        let node = group.update_node_with(1, 1, Some(&*group.clients[2].signer), |node| {
            node.signature_key = taken;
        });
        let reason = update_reason(group.reject(0, vec![member(1, update(node.clone()))]));
        assert_eq!(
            reason,
            LeafNodeError::DuplicateSignatureKey {
                existing: LeafIndex(2)
            }
        );
        // Unless that member leaves in the same commit.
        group
            .plan(0, vec![member(1, update(node)), member(0, remove(2))])
            .unwrap();
    }

    /// The rule of [`check_new_leaf`]: a leaf's capabilities need not list the group's
    /// cipher suite or version (§7.3 does not ask it; other implementations' leaves omit
    /// suites they are used in).
    #[test]
    fn update_leaf_node_need_not_list_the_group_suite_or_version() {
        let group = group(3);
        let node = group.update_node_with(1, 1, None, |node| {
            node.capabilities.cipher_suites = vec![CipherSuite(2)];
            node.capabilities.versions = vec![ProtocolVersion(2)];
        });
        group.plan(0, vec![member(1, update(node))]).unwrap();
    }

    // Add (§12.1.1, §10.1, §7.3).

    fn add_reason(error: ProposalError) -> LeafNodeError {
        match error {
            ProposalError::InvalidAddLeafNode { reason, .. } => reason,
            other => panic!("expected an invalid Add leaf node, got {other:?}"),
        }
    }

    #[test]
    fn add_key_package_must_be_of_the_group_version_and_suite() {
        let group = group(2);
        let mut key_package = client("alice").key_package;
        key_package.cipher_suite = CipherSuite(2);
        let error = group.reject(0, vec![member(0, add(&key_package))]);
        assert!(
            matches!(
                error,
                ProposalError::KeyPackageCipherSuiteMismatch { add: 0, .. }
            ),
            "{error:?}"
        );
        let mut key_package = client("alice").key_package;
        key_package.version = ProtocolVersion(2);
        let error = group.reject(0, vec![member(0, add(&key_package))]);
        assert!(
            matches!(
                error,
                ProposalError::KeyPackageVersionMismatch { add: 0, .. }
            ),
            "{error:?}"
        );
    }

    #[test]
    fn add_key_package_must_be_valid() {
        let group = group(2);
        let alice = client("alice");
        let mut tampered = alice.key_package.clone();
        tampered.init_key = VarBytes(suite().generate_hpke_key_pair().unwrap().public_key);
        let error = group.reject(
            0,
            vec![
                member(0, add(&client("bob").key_package)),
                member(0, add(&tampered)),
            ],
        );
        match error {
            ProposalError::InvalidKeyPackage { add: 1, source } => {
                assert!(
                    matches!(source, KeyPackageError::InvalidSignature),
                    "{source:?}"
                );
            }
            other => panic!("{other:?}"),
        }

        let expired = plan(
            &ProposalContext {
                now: Some(NOW + 10 * 86_400),
                ..group.ctx(Sender::Member(LeafIndex(0)))
            },
            vec![member(0, add(&alice.key_package))],
        )
        .unwrap_err();
        match expired {
            ProposalError::InvalidKeyPackage { add: 0, source } => {
                assert!(
                    matches!(source, KeyPackageError::LifetimeExpired),
                    "{source:?}"
                );
            }
            other => panic!("{other:?}"),
        }
        // Without a clock, lifetimes are not checked.
        plan(
            &ProposalContext {
                now: None,
                ..group.ctx(Sender::Member(LeafIndex(0)))
            },
            vec![member(0, add(&alice.key_package))],
        )
        .unwrap();
    }

    #[test]
    fn add_key_package_must_not_repeat_an_extension_type() {
        let group = group(2);
        let alice = client_with("alice", |options| {
            options.extensions = vec![
                extension(ExtensionType(0x0a0a)),
                extension(ExtensionType(0x0a0a)),
            ];
        });
        let error = group.reject(0, vec![member(0, add(&alice.key_package))]);
        assert!(
            matches!(
                error,
                ProposalError::KeyPackageDuplicateExtension { add: 0, .. }
            ),
            "{error:?}"
        );
    }

    #[test]
    fn add_leaf_extensions_must_be_in_its_capabilities() {
        let group = group(2);
        let alice = client_with("alice", |options| {
            options.leaf_extensions = vec![extension(ExtensionType(0xff03))];
        });
        let reason = add_reason(group.reject(0, vec![member(0, add(&alice.key_package))]));
        assert_eq!(
            reason,
            LeafNodeError::ExtensionNotInCapabilities {
                extension_type: ExtensionType(0xff03)
            }
        );
        // Default extension types need not be listed.
        let bob = client_with("bob", |options| {
            options.leaf_extensions = vec![extension(ExtensionType::APPLICATION_ID)];
        });
        group
            .plan(0, vec![member(0, add(&bob.key_package))])
            .unwrap();
    }

    #[test]
    fn add_encryption_key_must_be_new_to_the_tree() {
        let group = group(2);
        let mut alice = client("alice");
        alice.key_package.leaf_node.encryption_key = group
            .tree
            .leaf(LeafIndex(1))
            .unwrap()
            .encryption_key
            .clone();
        resign(&*alice.signer, &mut alice.key_package);
        let reason = add_reason(group.reject(0, vec![member(0, add(&alice.key_package))]));
        assert_eq!(
            reason,
            LeafNodeError::DuplicateEncryptionKey {
                existing: NodeIndex(2)
            }
        );
    }

    #[test]
    fn new_leaf_nodes_of_a_commit_must_not_share_keys() {
        let group = group(2);
        let alice = client("alice");
        let mut bob = client("bob");
        bob.key_package.leaf_node.encryption_key =
            alice.key_package.leaf_node.encryption_key.clone();
        resign(&*bob.signer, &mut bob.key_package);
        let error = group.reject(
            0,
            vec![
                member(0, add(&alice.key_package)),
                member(0, add(&bob.key_package)),
            ],
        );
        assert!(
            matches!(error, ProposalError::DuplicateLeafKeyInCommit),
            "{error:?}"
        );
    }

    #[test]
    fn add_must_meet_the_required_capabilities() {
        let mut group = group(2);
        group.context.extensions = vec![requiring_extension(NEW_EXTENSION)];
        let alice = client("alice");
        let reason = add_reason(group.reject(0, vec![member(0, add(&alice.key_package))]));
        assert_eq!(
            reason,
            LeafNodeError::MissingRequiredExtension {
                extension_type: NEW_EXTENSION
            }
        );
        let bob = client_with("bob", supporting_new_extension);
        group
            .plan(0, vec![member(0, add(&bob.key_package))])
            .unwrap();

        group.context.extensions = vec![required_capabilities(RequiredCapabilities {
            extension_types: vec![],
            proposal_types: vec![NEW_PROPOSAL],
            credential_types: vec![CredentialType::X509],
        })];
        let reason = add_reason(group.reject(0, vec![member(0, add(&bob.key_package))]));
        assert_eq!(
            reason,
            LeafNodeError::MissingRequiredProposal {
                proposal_type: NEW_PROPOSAL
            }
        );
        let carol = client_with("carol", |options| {
            options.capabilities.proposals.push(NEW_PROPOSAL)
        });
        let reason = add_reason(group.reject(0, vec![member(0, add(&carol.key_package))]));
        assert_eq!(
            reason,
            LeafNodeError::MissingRequiredCredential {
                credential_type: CredentialType::X509
            }
        );
    }

    #[test]
    fn add_must_support_the_group_context_extensions() {
        let mut group = group(2);
        group.context.extensions = vec![extension(NEW_EXTENSION)];
        let alice = client("alice");
        let reason = add_reason(group.reject(0, vec![member(0, add(&alice.key_package))]));
        assert_eq!(
            reason,
            LeafNodeError::UnsupportedGroupExtension {
                extension_type: NEW_EXTENSION
            }
        );
    }

    #[test]
    fn credential_types_must_be_supported_across_the_group() {
        let group = group(2);
        // Alice uses a basic credential but lists only x509.
        let alice = client_with("alice", |options| {
            options.capabilities.credentials = vec![CredentialType::X509];
        });
        let reason = add_reason(group.reject(0, vec![member(0, add(&alice.key_package))]));
        assert_eq!(
            reason,
            LeafNodeError::CredentialNotInCapabilities {
                credential_type: CredentialType::BASIC
            }
        );

        // Bob uses x509, which the members do not support.
        let bob = x509_client().key_package;
        let reason = add_reason(group.reject(0, vec![member(0, add(&bob))]));
        assert_eq!(
            reason,
            LeafNodeError::CredentialTypeNotSupportedByMembers {
                credential_type: CredentialType::X509
            }
        );

        // Carol supports only basic, but another new member uses x509.
        let both = |name: &str| {
            client_with(name, |options| {
                options.capabilities.credentials =
                    vec![CredentialType::BASIC, CredentialType::X509];
            })
        };
        let group = group_of(vec![both("a"), both("b")]);
        group.plan(0, vec![member(0, add(&bob))]).unwrap();
        let carol = client("carol");
        let reason = add_reason(group.reject(
            0,
            vec![member(0, add(&bob)), member(0, add(&carol.key_package))],
        ));
        assert_eq!(
            reason,
            LeafNodeError::UnsupportedCredentialType {
                credential_type: CredentialType::X509
            }
        );
    }

    // A received tree (§12.4.3.1): each leaf gets the checks of a new leaf node (§7.3).

    fn tree_reason(fixture: &Fixture) -> (LeafIndex, LeafNodeError) {
        match check_received_tree(&fixture.context, &fixture.tree) {
            Err(crate::GroupError::InvalidTreeLeafNode { leaf, reason }) => (leaf, reason),
            other => panic!("expected an invalid tree leaf, got {other:?}"),
        }
    }

    #[test]
    fn received_tree_leaves_need_not_list_the_group_suite_or_version() {
        let other_suite = client_with("a", |options| {
            options.capabilities.cipher_suites = vec![CipherSuite(2)];
            options.capabilities.versions = vec![ProtocolVersion(2)];
        });
        let fixture = group_of(vec![client("z"), other_suite]);
        check_received_tree(&fixture.context, &fixture.tree).unwrap();
    }

    #[test]
    fn received_tree_leaf_extensions_must_be_in_its_capabilities() {
        let unlisted = client_with("a", |options| {
            options.leaf_extensions.push(Extension {
                extension_type: NEW_EXTENSION,
                extension_data: VarBytes::default(),
            });
        });
        let fixture = group_of(vec![client("z"), unlisted]);
        assert_eq!(
            tree_reason(&fixture),
            (
                LeafIndex(1),
                LeafNodeError::ExtensionNotInCapabilities {
                    extension_type: NEW_EXTENSION
                }
            )
        );
        // Listed, it is fine.
        let listed = client_with("a", |options| {
            options.capabilities.extensions.push(NEW_EXTENSION);
            options.leaf_extensions.push(Extension {
                extension_type: NEW_EXTENSION,
                extension_data: VarBytes::default(),
            });
        });
        let fixture = group_of(vec![client("z"), listed]);
        check_received_tree(&fixture.context, &fixture.tree).unwrap();
    }

    #[test]
    fn received_tree_leaves_must_meet_the_required_capabilities() {
        let supporting = |name: &str| {
            client_with(name, |options| {
                options.capabilities.extensions.push(NEW_EXTENSION)
            })
        };
        let mut fixture = group_of(vec![supporting("a"), supporting("b"), client("c")]);
        fixture.context.extensions = vec![requiring_extension(NEW_EXTENSION)];
        assert_eq!(
            tree_reason(&fixture),
            (
                LeafIndex(2),
                LeafNodeError::MissingRequiredExtension {
                    extension_type: NEW_EXTENSION
                }
            )
        );
    }

    #[test]
    fn received_tree_credential_types_must_be_supported_by_all() {
        let basic_only = client_with("a", |_| {});
        let lists_own_only = client_with("b", |options| {
            options.capabilities.credentials = vec![CredentialType::X509];
        });
        let fixture = group_of(vec![basic_only, lists_own_only]);
        assert_eq!(
            tree_reason(&fixture),
            (
                LeafIndex(1),
                LeafNodeError::CredentialNotInCapabilities {
                    credential_type: CredentialType::BASIC
                }
            )
        );

        // An x509 member, whose type the first member does not list.
        let x509 = x509_client();
        let both = client_with("c", |options| {
            options.capabilities.credentials = vec![CredentialType::BASIC, CredentialType::X509];
        });
        let fixture = group_of(vec![client("z"), x509, both]);
        assert_eq!(
            tree_reason(&fixture),
            (
                LeafIndex(0),
                LeafNodeError::UnsupportedCredentialType {
                    credential_type: CredentialType::X509
                }
            )
        );
    }

    // PreSharedKey (§12.1.4).

    #[test]
    fn psk_usage_must_be_application_in_a_normal_commit() {
        let group = group(2);
        for usage in [ResumptionPskUsage::Reinit, ResumptionPskUsage::Branch] {
            let error = group.reject(0, vec![member(0, psk(resumption_psk(usage)))]);
            assert!(
                matches!(error, ProposalError::InvalidPskUsage { usage: u } if u == usage),
                "{error:?}"
            );
        }
        group
            .plan(
                0,
                vec![member(
                    0,
                    psk(resumption_psk(ResumptionPskUsage::Application)),
                )],
            )
            .unwrap();
        let plan = plan_with_psk_usage(
            &group.ctx(Sender::Member(LeafIndex(0))),
            vec![member(0, psk(resumption_psk(ResumptionPskUsage::Reinit)))],
            ResumptionPskUsage::Reinit,
        )
        .unwrap();
        assert_eq!(plan.psks.len(), 1);
    }

    #[test]
    fn psk_nonce_must_be_nh_bytes() {
        let group = group(2);
        let error = group.reject(0, vec![member(0, psk(external_psk(b"psk", 16)))]);
        assert!(
            matches!(
                error,
                ProposalError::InvalidPskNonceLength {
                    expected: 32,
                    actual: 16
                }
            ),
            "{error:?}"
        );
    }

    // ReInit (§12.1.5).

    #[test]
    fn reinit_must_not_lower_the_version() {
        let group = group(2);
        let error = group.reject(0, vec![member(1, reinit(ProtocolVersion(0)))]);
        assert!(
            matches!(error, ProposalError::ReInitVersionDowngrade { .. }),
            "{error:?}"
        );
        group
            .plan(0, vec![member(1, reinit(ProtocolVersion(2)))])
            .unwrap();
    }

    // GroupContextExtensions (§12.1.7).

    #[test]
    fn group_context_extensions_must_be_supported_by_every_member() {
        let group = group_of(vec![
            client_with("a", supporting_new_extension),
            client_with("b", supporting_new_extension),
            client("c"),
        ]);
        let error = group.reject(0, vec![member(0, gce(vec![extension(NEW_EXTENSION)]))]);
        assert!(
            matches!(
                error,
                ProposalError::UnsupportedGroupContextExtensions {
                    leaf: LeafIndex(2),
                    reason: LeafNodeError::UnsupportedGroupExtension {
                        extension_type: NEW_EXTENSION
                    },
                }
            ),
            "{error:?}"
        );
        let error = group.reject(
            0,
            vec![member(0, gce(vec![requiring_extension(NEW_EXTENSION)]))],
        );
        assert!(
            matches!(
                error,
                ProposalError::UnsupportedGroupContextExtensions {
                    leaf: LeafIndex(2),
                    reason: LeafNodeError::MissingRequiredExtension {
                        extension_type: NEW_EXTENSION
                    },
                }
            ),
            "{error:?}"
        );
        // Members removed by the commit need not support them...
        let plan = group
            .plan(
                0,
                vec![
                    member(0, gce(vec![extension(NEW_EXTENSION)])),
                    member(0, remove(2)),
                ],
            )
            .unwrap();
        assert_eq!(
            plan.group_context_extensions,
            Some(vec![extension(NEW_EXTENSION)])
        );
        // ... but members added by it must (the new extensions apply first, §12.3).
        let dave = client("dave");
        let reason = add_reason(group.reject(
            0,
            vec![
                member(0, remove(2)),
                member(0, add(&dave.key_package)),
                member(0, gce(vec![extension(NEW_EXTENSION)])),
            ],
        ));
        assert_eq!(
            reason,
            LeafNodeError::UnsupportedGroupExtension {
                extension_type: NEW_EXTENSION
            }
        );
        // An updated member is judged by its new leaf node.
        let node = group.update_node_with(2, 2, None, |node| {
            node.capabilities.extensions.push(NEW_EXTENSION);
        });
        group
            .plan(
                0,
                vec![
                    member(2, update(node)),
                    member(0, gce(vec![extension(NEW_EXTENSION)])),
                ],
            )
            .unwrap();
    }

    #[test]
    fn group_context_extensions_must_be_well_formed() {
        let group = group(2);
        let error = group.reject(
            0,
            vec![member(
                0,
                gce(vec![
                    extension(ExtensionType::EXTERNAL_SENDERS),
                    extension(ExtensionType::EXTERNAL_SENDERS),
                ]),
            )],
        );
        assert!(
            matches!(
                error,
                ProposalError::DuplicateExtension {
                    extension_type: ExtensionType::EXTERNAL_SENDERS
                }
            ),
            "{error:?}"
        );
        let malformed = Extension {
            extension_type: ExtensionType::REQUIRED_CAPABILITIES,
            extension_data: VarBytes(vec![0xff]),
        };
        let error = group.reject(0, vec![member(0, gce(vec![malformed]))]);
        assert!(
            matches!(error, ProposalError::MalformedRequiredCapabilities(_)),
            "{error:?}"
        );
    }

    // External commits (§12.2, §12.4.3.2).

    fn joiner(proposal: Proposal) -> SenderProposal {
        by(Sender::NewMemberCommit, proposal)
    }

    fn plan_external(
        group: &Fixture,
        proposals: Vec<SenderProposal>,
    ) -> Result<ProposalPlan, ProposalError> {
        plan(&group.ctx(Sender::NewMemberCommit), proposals)
    }

    #[test]
    fn valid_external_commit() {
        let group = group(3);
        let id = external_psk(b"psk", 32);
        let plan = plan_external(
            &group,
            vec![
                joiner(psk(id.clone())),
                joiner(external_init()),
                joiner(remove(1)),
            ],
        )
        .unwrap();
        assert_eq!(
            plan,
            ProposalPlan {
                removes: vec![LeafIndex(1)],
                psks: vec![id],
                external_init: Some(ExternalInit {
                    kem_output: VarBytes::from(b"kem output"),
                }),
                ..ProposalPlan::default()
            }
        );
        assert!(plan.path_required());
    }

    #[test]
    fn external_commit_rules() {
        let group = group(3);
        let error = plan_external(&group, vec![]).unwrap_err();
        assert!(
            matches!(error, ProposalError::ExternalCommitMissingExternalInit),
            "{error:?}"
        );
        let error = plan_external(
            &group,
            vec![joiner(external_init()), joiner(external_init())],
        )
        .unwrap_err();
        assert!(
            matches!(error, ProposalError::ExternalCommitMultipleExternalInits),
            "{error:?}"
        );
        let error = plan_external(
            &group,
            vec![
                joiner(external_init()),
                joiner(remove(1)),
                joiner(remove(2)),
            ],
        )
        .unwrap_err();
        assert!(
            matches!(error, ProposalError::ExternalCommitMultipleRemoves),
            "{error:?}"
        );
        let alice = client("alice");
        let error = plan_external(
            &group,
            vec![joiner(external_init()), joiner(add(&alice.key_package))],
        )
        .unwrap_err();
        assert!(
            matches!(
                error,
                ProposalError::ExternalCommitDisallowedProposal {
                    proposal_type: ProposalType::ADD
                }
            ),
            "{error:?}"
        );
        let error =
            plan_external(&group, vec![joiner(external_init()), joiner(gce(vec![]))]).unwrap_err();
        assert!(
            matches!(
                error,
                ProposalError::ExternalCommitDisallowedProposal {
                    proposal_type: ProposalType::GROUP_CONTEXT_EXTENSIONS
                }
            ),
            "{error:?}"
        );
        let error =
            plan_external(&group, vec![joiner(external_init()), member(1, remove(2))]).unwrap_err();
        assert!(
            matches!(error, ProposalError::InvalidProposalSender { .. }),
            "{error:?}"
        );
        let error =
            plan_external(&group, vec![joiner(external_init()), joiner(remove(3))]).unwrap_err();
        assert!(
            matches!(error, ProposalError::RemoveOfBlankLeaf { .. }),
            "{error:?}"
        );
        let error = plan_external(
            &group,
            vec![joiner(external_init()), joiner(psk(external_psk(b"p", 3)))],
        )
        .unwrap_err();
        assert!(
            matches!(error, ProposalError::InvalidPskNonceLength { .. }),
            "{error:?}"
        );
    }

    // Proposals received on their own (§12.1).

    #[test]
    fn standalone_proposals() {
        let group = group(3);
        let ctx = group.ctx(Sender::Member(LeafIndex(0)));
        let alice = client("alice");
        validate_proposal(
            &ctx,
            &Sender::Member(LeafIndex(2)),
            &add(&alice.key_package),
        )
        .unwrap();
        validate_proposal(&ctx, &Sender::NewMemberProposal, &add(&alice.key_package)).unwrap();
        validate_proposal(
            &ctx,
            &Sender::Member(LeafIndex(1)),
            &update(group.update_node(1)),
        )
        .unwrap();
        validate_proposal(&ctx, &Sender::External(0), &remove(1)).unwrap();
        validate_proposal(
            &ctx,
            &Sender::Member(LeafIndex(1)),
            &psk(external_psk(b"p", 32)),
        )
        .unwrap();
        validate_proposal(
            &ctx,
            &Sender::Member(LeafIndex(1)),
            &reinit(ProtocolVersion::MLS10),
        )
        .unwrap();
        validate_proposal(&ctx, &Sender::Member(LeafIndex(1)), &gce(vec![])).unwrap();

        let error =
            validate_proposal(&ctx, &Sender::Member(LeafIndex(1)), &external_init()).unwrap_err();
        assert!(
            matches!(error, ProposalError::ExternalInitOutsideExternalCommit),
            "{error:?}"
        );
        let error = validate_proposal(&ctx, &Sender::External(0), &update(group.update_node(1)))
            .unwrap_err();
        assert!(
            matches!(error, ProposalError::UpdateFromNonMember),
            "{error:?}"
        );
        let error = validate_proposal(
            &ctx,
            &Sender::Member(LeafIndex(2)),
            &update(group.update_node(1)),
        )
        .unwrap_err();
        assert_eq!(update_reason(error), LeafNodeError::InvalidSignature);
        let error = validate_proposal(&ctx, &Sender::Member(LeafIndex(3)), &remove(1)).unwrap_err();
        assert!(
            matches!(error, ProposalError::SenderNotMember { .. }),
            "{error:?}"
        );
        let error = validate_proposal(&ctx, &Sender::Member(LeafIndex(1)), &remove(3)).unwrap_err();
        assert!(
            matches!(error, ProposalError::RemoveOfBlankLeaf { .. }),
            "{error:?}"
        );
        let error = validate_proposal(
            &ctx,
            &Sender::Member(LeafIndex(1)),
            &gce(vec![extension(NEW_EXTENSION)]),
        )
        .unwrap_err();
        assert!(
            matches!(
                error,
                ProposalError::UnsupportedGroupContextExtensions { .. }
            ),
            "{error:?}"
        );
        let error = validate_proposal(&ctx, &Sender::NewMemberProposal, &remove(1)).unwrap_err();
        assert!(
            matches!(error, ProposalError::ProposalTypeNotAllowedForSender { .. }),
            "{error:?}"
        );
        let error = validate_proposal(&ctx, &Sender::NewMemberCommit, &remove(1)).unwrap_err();
        assert!(
            matches!(error, ProposalError::InvalidProposalSender { .. }),
            "{error:?}"
        );
        let error = validate_proposal(
            &ctx,
            &Sender::Member(LeafIndex(1)),
            &psk(resumption_psk(ResumptionPskUsage::Branch)),
        )
        .unwrap_err();
        assert!(
            matches!(error, ProposalError::InvalidPskUsage { .. }),
            "{error:?}"
        );
    }

    #[test]
    fn commit_leaf_capabilities() {
        let group = group(2);
        let supported = group.update_node(1);
        check_leaf_capabilities(
            &group.ctx(Sender::Member(LeafIndex(1))),
            &[],
            &supported,
            Some(LeafIndex(1)),
        )
        .unwrap();
        let error = check_leaf_capabilities(
            &group.ctx(Sender::Member(LeafIndex(1))),
            &[extension(NEW_EXTENSION)],
            &supported,
            Some(LeafIndex(1)),
        )
        .unwrap_err();
        assert!(
            matches!(
                error,
                ProposalError::InvalidCommitLeafNode {
                    reason: LeafNodeError::UnsupportedGroupExtension { .. }
                }
            ),
            "{error:?}"
        );
    }

    #[test]
    fn default_types() {
        assert!((1..=7).all(|t| is_default_proposal_type(ProposalType(t))));
        assert!(!is_default_proposal_type(ProposalType(0)));
        assert!(!is_default_proposal_type(ProposalType(8)));
        assert!((1..=5).all(|t| is_default_extension_type(ExtensionType(t))));
        assert!(!is_default_extension_type(ExtensionType(0)));
        assert!(!is_default_extension_type(ExtensionType(6)));
    }
}
