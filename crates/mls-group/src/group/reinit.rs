//! Reinitialization (RFC 9420 §11.2, §12.1.5) and subgroup branching (§11.3): a new group
//! linked to an old one by a resumption PSK (§8.6) of usage `reinit` or `branch`.
//!
//! - ReInit: a member proposes ([`Group::propose_reinit`]) or commits
//!   ([`Group::commit_reinit`]) a ReInit. Once the commit is merged the old group is frozen:
//!   it sends and accepts no more messages ([`GroupError::GroupReinitialized`]). Any member
//!   then creates the new group with [`Group::reinit_group`], from a client of the new cipher
//!   suite and fresh key packages of the other members; they join it with
//!   [`Client::join_reinit`], which resolves the PSK from their frozen old group.
//! - Branch: [`Group::branch`] creates a group of a subset of the members, with the same
//!   version, cipher suite and extensions; they join with [`Client::join_branch`].

use std::cell::Cell;
use std::sync::Arc;

use mls_codec::{
    Credential, Extension, PreSharedKey, PreSharedKeyId, Proposal, ProtocolVersion, Psk, ReInit,
    ResumptionPskUsage, VarBytes,
};
use mls_crypto::Secret;
use mls_tree::RatchetTree;

use super::{CommitOptions, CommitOutput, Group};
use crate::key_package::{KeyPackageOptions, create_key_package};
use crate::{Client, GroupError};

/// How long the key package of a branch's creator is valid: 90 days.
const BRANCH_KEY_PACKAGE_VALIDITY_SECONDS: u64 = 90 * 24 * 3600;

/// A resumption PSK of another group that the first commit of a new group names (§11.2,
/// §11.3): its usage, its PreSharedKeyID and its value.
pub(crate) struct ImportedPsk {
    pub(crate) usage: ResumptionPskUsage,
    pub(crate) id: PreSharedKeyId,
    pub(crate) value: Secret,
}

impl Group {
    /// The ReInit committed into the current epoch, if any: the group is then frozen, and
    /// [`Group::reinit_group`] creates its successor (§11.2).
    pub fn reinit(&self) -> Option<&ReInit> {
        self.epoch.reinit.as_ref()
    }

    /// An error once a commit removed us (§12.1.3) or a ReInit has been committed (the group
    /// is frozen, §11.2, §12.1.5): nothing more may be sent.
    pub(super) fn check_active(&self) -> Result<(), GroupError> {
        if self.removed_in.is_some() {
            return Err(GroupError::RemovedFromGroup);
        }
        self.check_not_frozen()
    }

    /// An error once a ReInit has been committed: the group is frozen (§11.2, §12.1.5).
    pub(super) fn check_not_frozen(&self) -> Result<(), GroupError> {
        match self.epoch.reinit {
            Some(_) => Err(GroupError::GroupReinitialized),
            None => Ok(()),
        }
    }

    /// Proposes reinitializing the group (§12.1.5) as group `group_id` with `version`,
    /// `cipher_suite` and GroupContext `extensions`. A commit must include it alone.
    pub fn propose_reinit(
        &mut self,
        group_id: &[u8],
        version: ProtocolVersion,
        cipher_suite: mls_codec::CipherSuite,
        extensions: Vec<Extension>,
    ) -> Result<Vec<u8>, GroupError> {
        self.propose(Proposal::ReInit(ReInit {
            group_id: VarBytes::from(group_id),
            version,
            cipher_suite,
            extensions,
        }))
    }

    /// Commits a ReInit by value (§12.1.5, §11.2 steps 1 and 2); the epoch must have no other
    /// proposals (§12.2). Once merged, the group is frozen.
    pub fn commit_reinit(
        &mut self,
        group_id: &[u8],
        version: ProtocolVersion,
        cipher_suite: mls_codec::CipherSuite,
        extensions: Vec<Extension>,
    ) -> Result<CommitOutput, GroupError> {
        self.commit(
            CommitOptions::default().with_proposals(vec![Proposal::ReInit(ReInit {
                group_id: VarBytes::from(group_id),
                version,
                cipher_suite,
                extensions,
            })]),
        )
    }

    /// Creates the group that succeeds this reinitialized one (§11.2 step 3): `client` (of
    /// the ReInit's cipher suite, usually our identity there) creates a group with the
    /// ReInit's group ID and extensions, and its first commit adds the members of
    /// `key_packages` (MLSMessages, one per other member) with a PreSharedKey proposal of
    /// the resumption PSK of usage `reinit` of this group's current epoch. That commit is
    /// already merged: the new group is in epoch 1, and the output's Welcome is for the
    /// members, who join with [`Client::join_reinit`].
    pub fn reinit_group(
        &self,
        client: &Client,
        key_packages: &[Vec<u8>],
    ) -> Result<(Group, CommitOutput), GroupError> {
        self.reinit_group_with_path(client, key_packages, false)
    }

    /// [`Group::reinit_group`], whose first commit carries an UpdatePath if `force_path`
    /// (RFC 9420 §12.4.1), so that the Welcome gives the members path secrets.
    pub fn reinit_group_with_path(
        &self,
        client: &Client,
        key_packages: &[Vec<u8>],
        force_path: bool,
    ) -> Result<(Group, CommitOutput), GroupError> {
        let reinit = self.reinit().ok_or(GroupError::NotReinitialized)?;
        if reinit.version != ProtocolVersion::MLS10 {
            return Err(GroupError::UnsupportedVersion(reinit.version));
        }
        if client.cipher_suite() != reinit.cipher_suite {
            return Err(GroupError::CipherSuiteMismatch {
                expected: reinit.cipher_suite,
                found: client.cipher_suite(),
            });
        }
        let group = Group::create_with_extensions(
            Arc::clone(client.provider()),
            Arc::clone(client.signer()),
            client.new_bundle()?,
            reinit.group_id.to_vec(),
            reinit.extensions.clone(),
            client.config().clone(),
        )?;
        self.resume_into(group, ResumptionPskUsage::Reinit, key_packages, force_path)
    }

    /// Creates a subgroup of this group (§11.3) with `new_group_id`: the same version,
    /// cipher suite and GroupContext extensions, our identity and signature key, and the
    /// members of `key_packages` (fresh MLSMessages of some of the other members). Its first
    /// commit carries a PreSharedKey proposal of the resumption PSK of usage `branch` of
    /// this group's current epoch, and is already merged: the new group is in epoch 1, and
    /// the output's Welcome is for the members, who join with [`Client::join_branch`].
    pub fn branch(
        &self,
        new_group_id: &[u8],
        key_packages: &[Vec<u8>],
    ) -> Result<(Group, CommitOutput), GroupError> {
        let extensions = self.epoch.context.extensions.clone();
        self.branch_with_extensions(new_group_id, extensions, key_packages, false)
    }

    /// [`Group::branch`] with the subgroup's GroupContext `extensions` (RFC 9420 §11.3 asks
    /// only for the same version and cipher suite; they are checked as at group creation,
    /// §11), and an UpdatePath in its first commit if `force_path` (§12.4.1).
    pub fn branch_with_extensions(
        &self,
        new_group_id: &[u8],
        extensions: Vec<Extension>,
        key_packages: &[Vec<u8>],
        force_path: bool,
    ) -> Result<(Group, CommitOutput), GroupError> {
        self.check_active()?;
        let suite = self.suite()?;
        let own_leaf = self
            .tree
            .leaf(self.own_leaf())
            .ok_or(GroupError::Internal("our leaf is blank"))?;
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        let mut options = KeyPackageOptions::new(
            self.cipher_suite(),
            now,
            BRANCH_KEY_PACKAGE_VALIDITY_SECONDS,
        );
        options.capabilities = own_leaf.capabilities.clone();
        options.application_id = crate::key_package::leaf_application_id(own_leaf);
        let bundle =
            create_key_package(suite, &*self.signer, own_leaf.credential.clone(), options)?;
        let group = Group::create_with_extensions(
            Arc::clone(&self.provider),
            Arc::clone(&self.signer),
            bundle,
            new_group_id.to_vec(),
            extensions,
            self.config.clone(),
        )?;
        self.resume_into(group, ResumptionPskUsage::Branch, key_packages, force_path)
    }

    /// The first commit of `group`, new and alone: it adds the members of `key_packages`
    /// and injects this group's current resumption PSK with `usage` (§8.6), with an
    /// UpdatePath if `force_path`; merged.
    fn resume_into(
        &self,
        mut group: Group,
        usage: ResumptionPskUsage,
        key_packages: &[Vec<u8>],
        force_path: bool,
    ) -> Result<(Group, CommitOutput), GroupError> {
        let new_suite = group.suite()?;
        let id = PreSharedKeyId {
            psk: Psk::Resumption {
                usage,
                psk_group_id: self.epoch.context.group_id.clone(),
                psk_epoch: self.epoch(),
            },
            psk_nonce: VarBytes(new_suite.random_bytes(new_suite.hash_len())?),
        };
        let import = ImportedPsk {
            usage,
            id: id.clone(),
            value: Secret::from_slice(self.epoch.secrets.resumption_psk().as_bytes()),
        };
        let mut proposals = key_packages
            .iter()
            .map(|bytes| {
                crate::client::parse_key_package(bytes)
                    .map(|key_package| Proposal::Add(mls_codec::Add { key_package }))
            })
            .collect::<Result<Vec<_>, _>>()?;
        proposals.push(Proposal::PreSharedKey(PreSharedKey { psk: id }));
        let output = group.commit_with_psk(
            CommitOptions::default()
                .with_proposals(proposals)
                .with_force_path(force_path),
            Some(&import),
        )?;
        group.merge_pending_commit()?;
        Ok((group, output))
    }

    /// Joins the group of a Welcome whose GroupSecrets name a resumption PSK of usage
    /// `usage` (reinit or branch) of `old`, and checks the new group against `old` as
    /// §12.4.3.1 requires.
    #[expect(
        clippy::too_many_arguments,
        reason = "Group::join's arguments and the old group"
    )]
    fn join_resumed(
        provider: Arc<dyn mls_crypto::CryptoProvider>,
        signer: Arc<dyn mls_crypto::Signer>,
        bundle: &crate::key_package::KeyPackageBundle,
        welcome: &mls_codec::Welcome,
        ratchet_tree: Option<RatchetTree>,
        config: crate::GroupConfig,
        old: &Group,
        usage: ResumptionPskUsage,
    ) -> Result<Group, GroupError> {
        let resumed = Cell::new(0usize);
        let validator = Arc::clone(&config.credential_validator);
        let group = Group::join_with_psks(
            provider,
            signer,
            bundle,
            welcome,
            ratchet_tree,
            config,
            |id: &PreSharedKeyId| match &id.psk {
                Psk::Resumption {
                    usage: found,
                    psk_group_id,
                    psk_epoch,
                } if *found == usage => {
                    if psk_group_id != &old.epoch.context.group_id {
                        return None;
                    }
                    // A reinit PSK is of the epoch the ReInit was committed into (§11.2).
                    if usage == ResumptionPskUsage::Reinit
                        && (old.reinit().is_none() || *psk_epoch != old.epoch())
                    {
                        return None;
                    }
                    resumed.set(resumed.get() + 1);
                    old.resumption_psk(*psk_epoch)
                }
                Psk::Resumption {
                    usage: ResumptionPskUsage::Application,
                    ..
                }
                | Psk::External { .. } => old.psk_value(id).ok(),
                Psk::Resumption { .. } => None,
            },
        )?;
        if resumed.get() != 1 {
            return Err(GroupError::ResumptionMismatch(
                "Welcome: it needs exactly one resumption PSK of this usage",
            ));
        }
        let context = group.group_context();
        if context.epoch != 1 {
            return Err(GroupError::ResumptionMismatch("first epoch"));
        }
        let new_members: Vec<Credential> =
            group.members().into_iter().map(|m| m.credential).collect();
        let old_members: Vec<Credential> =
            old.members().into_iter().map(|m| m.credential).collect();
        // Whether every one of `members` is, for the application's validator, the same
        // member as one of `among` (§11.2, §11.3).
        let all_among = |members: &[Credential], among: &[Credential]| {
            members
                .iter()
                .all(|m| among.iter().any(|a| validator.is_same_member(m, a)))
        };
        if usage == ResumptionPskUsage::Reinit {
            let reinit = old.reinit().ok_or(GroupError::NotReinitialized)?;
            if context.group_id != reinit.group_id
                || context.version != reinit.version
                || context.cipher_suite != reinit.cipher_suite
                || context.extensions != reinit.extensions
            {
                return Err(GroupError::ResumptionMismatch("ReInit"));
            }
            if !all_among(&old_members, &new_members) {
                return Err(GroupError::ResumptionMismatch("old group's members"));
            }
        } else {
            if context.version != old.epoch.context.version
                || context.cipher_suite != old.cipher_suite()
            {
                return Err(GroupError::ResumptionMismatch("parent group's parameters"));
            }
            if !all_among(&new_members, &old_members) {
                return Err(GroupError::ResumptionMismatch("parent group's members"));
            }
        }
        Ok(group)
    }
}

impl Client {
    /// Joins the group that succeeds the reinitialized `old_group` (§11.2) from a Welcome
    /// made for one of our key packages: the resumption PSK of usage `reinit` is taken from
    /// `old_group`, which must be frozen by its ReInit; the new group must match the ReInit
    /// and hold every member of the old group (§12.4.3.1), as the application's validator
    /// tells members apart ([`crate::CredentialValidator::is_same_member`]).
    /// `ratchet_tree` is as for [`Client::join`].
    pub fn join_reinit(
        &mut self,
        welcome: &[u8],
        ratchet_tree: Option<&[u8]>,
        old_group: &Group,
    ) -> Result<Group, GroupError> {
        self.join_resumed(welcome, ratchet_tree, old_group, ResumptionPskUsage::Reinit)
    }

    /// Joins a subgroup branched from `parent` (§11.3) from a Welcome made for one of our key
    /// packages: the resumption PSK of usage `branch` is taken from `parent`, and the
    /// subgroup must have its version and cipher suite, and only members of it (§12.4.3.1), as
    /// the application's validator tells members apart
    /// ([`crate::CredentialValidator::is_same_member`]).
    pub fn join_branch(
        &mut self,
        welcome: &[u8],
        ratchet_tree: Option<&[u8]>,
        parent: &Group,
    ) -> Result<Group, GroupError> {
        self.join_resumed(welcome, ratchet_tree, parent, ResumptionPskUsage::Branch)
    }

    fn join_resumed(
        &mut self,
        welcome: &[u8],
        ratchet_tree: Option<&[u8]>,
        old: &Group,
        usage: ResumptionPskUsage,
    ) -> Result<Group, GroupError> {
        let (welcome, reference, bundle) = self.welcome_bundle(welcome)?;
        let tree = ratchet_tree.map(RatchetTree::from_bytes).transpose()?;
        let group = Group::join_resumed(
            Arc::clone(self.provider()),
            Arc::clone(self.signer()),
            bundle,
            &welcome,
            tree,
            self.config().clone(),
            old,
            usage,
        )?;
        self.remove_bundle(&reference);
        Ok(group)
    }
}
