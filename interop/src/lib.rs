//! Groups shared between this implementation, OpenMLS and mls-rs, exchanging only bytes.
//!
//! Each implementation is driven through one small adapter ([`Client`] and [`Member`]), so
//! that the scenarios in `tests/` are written once and run for every ordered pair of
//! implementations and every cipher suite both support. Every message crosses from one
//! implementation to another as an encoded MLSMessage (RFC 9420 §6), never as a typed value.
//!
//! An operation an implementation cannot perform returns [`Error::Unsupported`] with the
//! reason; scenarios count it as skipped and print it, never as passed.

pub mod matrix;
mod mlsrs;
mod openmls_peer;
mod ours;

pub use mlsrs::MlsRs;
pub use openmls_peer::OpenMls;
pub use ours::Ours;

/// Why an operation did not happen.
#[derive(Debug, Clone)]
pub enum Error {
    /// The implementation cannot do this (a missing feature, or a known fault of the
    /// implementation): counted as skipped, with the reason.
    Unsupported(String),
    /// The operation failed: a test failure.
    Failed(String),
}

/// The result of an adapter operation.
pub type Result<T> = std::result::Result<T, Error>;

/// Turns any error of an implementation into [`Error::Failed`], with `what` was done.
pub(crate) fn failed<E: std::fmt::Debug>(what: &'static str) -> impl FnOnce(E) -> Error {
    move |error| Error::Failed(format!("{what}: {error:?}"))
}

/// The label and context of the secret every member exports after each epoch (§8.5).
pub const EXPORT_LABEL: &str = "interop";
/// See [`EXPORT_LABEL`].
pub const EXPORT_CONTEXT: &[u8] = b"epoch check";
/// The length of the exported secret.
pub const EXPORT_LENGTH: usize = 32;

/// The external PSK every scenario that uses one registers (§8.4).
pub const PSK_ID: &[u8] = b"interop psk";
/// The value of [`PSK_ID`].
pub const PSK: [u8; 32] = [0x42; 32];

/// A commit (an MLSMessage) and, if it adds members, the Welcome (an MLSMessage).
#[derive(Debug, Clone)]
pub struct Commit {
    /// The commit.
    pub commit: Vec<u8>,
    /// The Welcome for its new members.
    pub welcome: Option<Vec<u8>>,
}

/// What a member made of a received message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Received {
    /// Application data.
    Application(Vec<u8>),
    /// A proposal, kept for a commit of this epoch.
    Proposal,
    /// A commit, merged: the member is in the next epoch.
    Commit,
    /// A commit that removed this member.
    Removed,
}

/// One implementation, as a factory of clients.
pub trait Implementation {
    /// Its name in reports.
    fn name(&self) -> &'static str;
    /// Whether it supports cipher suite `suite` (RFC 9420 §17.1).
    fn supports(&self, suite: u16) -> bool;
    /// A client with a basic credential of `identity` in `suite`.
    fn client(&self, suite: u16, identity: &[u8]) -> Box<dyn Client>;
    /// An external sender (§12.1.8.1) with a basic credential of `identity` in `suite`.
    fn external_sender(&self, suite: u16, identity: &[u8]) -> Box<dyn ExternalSender>;
}

/// An external sender of one implementation (RFC 9420 §12.1.8.1): it proposes to a group it
/// is not a member of, as entry 0 of the group's `external_senders` extension.
pub trait ExternalSender {
    /// Its signature public key, for its `external_senders` entry.
    fn signature_key(&self) -> Vec<u8>;
    /// An external Remove of `leaf`, for the epoch of `group_info` (a GroupInfo MLSMessage
    /// carrying the ratchet tree).
    fn propose_remove(&mut self, group_info: &[u8], leaf: u32) -> Result<Vec<u8>>;
    /// An external Add of `key_package` (an MLSMessage), for the epoch of `group_info`.
    fn propose_add(&mut self, group_info: &[u8], key_package: &[u8]) -> Result<Vec<u8>>;
}

/// The group ID and epoch of a GroupInfo (an MLSMessage).
pub(crate) fn group_id_and_epoch(group_info: &[u8]) -> Result<(Vec<u8>, u64)> {
    let message = <mls_codec::MlsMessage as mls_codec::Decode>::from_bytes(group_info)
        .map_err(failed("decode GroupInfo"))?;
    match message.body {
        mls_codec::MlsMessageBody::GroupInfo(info) => {
            Ok((info.group_context.group_id.0, info.group_context.epoch))
        }
        _ => Err(Error::Failed("not a GroupInfo".into())),
    }
}

/// The `external_senders` extension data (§12.1.8.1) listing one sender with a basic
/// credential of `identity` and `signature_key`.
pub fn external_senders_data(identity: &[u8], signature_key: &[u8]) -> Result<Vec<u8>> {
    let sender = mls_codec::ExternalSender {
        signature_key: mls_codec::VarBytes(signature_key.to_vec()),
        credential: mls_codec::Credential::Basic {
            identity: mls_codec::VarBytes(identity.to_vec()),
        },
    };
    mls_group::external_senders_extension(&[sender])
        .map(|extension| extension.extension_data.0)
        .map_err(failed("external_senders extension"))
}

/// One identity in one cipher suite.
pub trait Client {
    /// A fresh key package, as an MLSMessage.
    fn key_package(&mut self) -> Result<Vec<u8>>;
    /// Creates a group of which the client is the only member; `external_senders` is the
    /// encoded `external_senders` GroupContext extension data (§12.1.8.1), if any.
    fn create_group(
        &mut self,
        group_id: &[u8],
        external_senders: Option<&[u8]>,
    ) -> Result<Box<dyn Member>>;
    /// Joins from a Welcome; `tree` is the encoded ratchet tree when the Welcome lacks it.
    fn join(&mut self, welcome: &[u8], tree: Option<&[u8]>) -> Result<Box<dyn Member>>;
    /// Joins by external commit (§12.4.3.2) from a GroupInfo (an MLSMessage), removing
    /// `resync` (our old leaf) if given, with the external PSK [`PSK_ID`] if `psk`. Returns
    /// the group and the commit.
    fn external_join(
        &mut self,
        group_info: &[u8],
        tree: Option<&[u8]>,
        resync: Option<u32>,
        psk: bool,
    ) -> Result<(Box<dyn Member>, Vec<u8>)>;
    /// Whether the Welcomes of the groups this client creates or joins from now on carry the
    /// ratchet tree (§12.4.3.3); on by default.
    fn set_tree_in_welcome(&mut self, with_tree: bool);
    /// Registers the external PSK [`PSK_ID`] = [`PSK`] for the groups this client joins.
    fn register_psk(&mut self) -> Result<()>;
}

/// One member's state of one group. Every commit method creates the commit and merges it
/// at once (the delivery service is assumed to accept it).
pub trait Member {
    /// The current epoch.
    fn epoch(&self) -> u64;
    /// The epoch authenticator (§8.7).
    fn epoch_authenticator(&self) -> Vec<u8>;
    /// `MLS-Exporter(EXPORT_LABEL, EXPORT_CONTEXT, EXPORT_LENGTH)` (§8.5).
    fn export(&self) -> Vec<u8>;
    /// The members as (leaf index, basic credential identity), in leaf order.
    fn roster(&self) -> Vec<(u32, Vec<u8>)>;
    /// Our leaf index.
    fn own_leaf(&self) -> u32;
    /// The encoded ratchet tree (§12.4.3.3).
    fn ratchet_tree(&self) -> Result<Vec<u8>>;
    /// A GroupInfo (an MLSMessage) allowing external joins, with the ratchet tree if the
    /// client's Welcomes carry it ([`Client::set_tree_in_welcome`]).
    fn group_info(&mut self) -> Result<Vec<u8>>;
    /// Encrypts application data.
    fn protect(&mut self, data: &[u8]) -> Result<Vec<u8>>;
    /// Processes a message (an MLSMessage); a proposal is kept, a commit merged.
    fn process(&mut self, message: &[u8]) -> Result<Received>;
    /// Commits Adds of the key packages (MLSMessages) by value.
    fn add(&mut self, key_packages: &[Vec<u8>]) -> Result<Commit>;
    /// Commits a Remove of `leaf` by value.
    fn remove(&mut self, leaf: u32) -> Result<Commit>;
    /// A commit with an UpdatePath and no proposal of our own (a self-update, §12.4.1).
    fn update(&mut self) -> Result<Commit>;
    /// A commit of the proposals received in the epoch, by reference (§12.4).
    fn commit_pending(&mut self) -> Result<Commit>;
    /// Proposes an Add of `key_package`.
    fn propose_add(&mut self, key_package: &[u8]) -> Result<Vec<u8>>;
    /// Proposes to remove `leaf`.
    fn propose_remove(&mut self, leaf: u32) -> Result<Vec<u8>>;
    /// Proposes an Update of our own leaf.
    fn propose_update(&mut self) -> Result<Vec<u8>>;
    /// Proposes the external PSK [`PSK_ID`], registered with [`Client::register_psk`].
    fn propose_psk(&mut self) -> Result<Vec<u8>>;
    /// Commits a ReInit (§12.1.5) by value, into group `group_id` of the same version and
    /// suite; the group is then frozen (§11.2).
    fn commit_reinit(&mut self, group_id: &[u8]) -> Result<Commit>;
    /// After a ReInit: a key package for the successor group (§11.2).
    fn reinit_key_package(&mut self) -> Result<Vec<u8>>;
    /// After a ReInit: creates the successor group, whose first commit adds the members of
    /// `key_packages` with the resumption PSK of usage reinit (§11.2).
    fn reinit_create(&mut self, key_packages: &[Vec<u8>]) -> Result<(Box<dyn Member>, Commit)>;
    /// After a ReInit: joins the successor group from its Welcome (§11.2, §12.4.3.1).
    fn reinit_join(&mut self, welcome: &[u8]) -> Result<Box<dyn Member>>;
    /// A key package of ours for a subgroup branched from this group (§11.3).
    fn branch_key_package(&mut self) -> Result<Vec<u8>>;
    /// Creates subgroup `group_id` of this group with the members of `key_packages` and the
    /// resumption PSK of usage branch (§11.3).
    fn branch(
        &mut self,
        group_id: &[u8],
        key_packages: &[Vec<u8>],
    ) -> Result<(Box<dyn Member>, Commit)>;
    /// Joins a subgroup branched from this group from its Welcome (§11.3, §12.4.3.1).
    fn join_branch(&mut self, welcome: &[u8]) -> Result<Box<dyn Member>>;
}

/// Every implementation, ours first.
pub fn implementations() -> Vec<Box<dyn Implementation>> {
    vec![
        Box::new(Ours::default()),
        Box::new(OpenMls),
        Box::new(MlsRs),
    ]
}

/// The cipher suites of the matrix (§17.1): 1, 2, 3 and 7.
pub const SUITES: [u16; 4] = [1, 2, 3, 7];

/// Checks that `members` agree on the epoch, the epoch authenticator, an exported secret
/// and the roster; the error names the first difference.
pub fn check_agreement(members: &[&dyn Member]) -> std::result::Result<(), String> {
    let Some((first, rest)) = members.split_first() else {
        return Ok(());
    };
    let expected = (
        first.epoch(),
        first.epoch_authenticator(),
        first.export(),
        first.roster(),
    );
    // An implementation that fails to export returns nothing: never let that agree.
    if expected.1.is_empty() || expected.2.is_empty() {
        return Err("member 0 has no epoch authenticator or exported secret".into());
    }
    for (i, member) in rest.iter().enumerate() {
        let found = (
            member.epoch(),
            member.epoch_authenticator(),
            member.export(),
            member.roster(),
        );
        if found.0 != expected.0 {
            return Err(format!(
                "member {} is in epoch {}, not {}",
                i + 1,
                found.0,
                expected.0
            ));
        }
        if found.1 != expected.1 {
            return Err(format!("member {} has another epoch authenticator", i + 1));
        }
        if found.2 != expected.2 {
            return Err(format!("member {} exports another secret", i + 1));
        }
        if found.3 != expected.3 {
            return Err(format!(
                "member {} sees roster {:?}, not {:?}",
                i + 1,
                names(&found.3),
                names(&expected.3)
            ));
        }
    }
    Ok(())
}

fn names(roster: &[(u32, Vec<u8>)]) -> Vec<String> {
    roster
        .iter()
        .map(|(leaf, id)| format!("{leaf}:{}", String::from_utf8_lossy(id)))
        .collect()
}

/// The members of one group, one per implementation instance, and the delivery of
/// messages between them.
#[derive(Default)]
pub struct Party {
    /// The members, in the order they joined.
    pub members: Vec<Box<dyn Member>>,
}

impl Party {
    /// Every member but `from` processes `message`, which must give `expected` (for a
    /// commit that removes a member, that member gets [`Received::Removed`] and leaves the
    /// party).
    pub fn deliver(&mut self, from: usize, message: &[u8], expected: &Received) -> Result<()> {
        let mut removed = Vec::new();
        for (i, member) in self.members.iter_mut().enumerate() {
            if i == from {
                continue;
            }
            match member.process(message)? {
                Received::Removed if *expected == Received::Commit => removed.push(i),
                received if received == *expected => {}
                received => {
                    return Err(Error::Failed(format!(
                        "member {i} got {received:?}, not {expected:?}"
                    )));
                }
            }
        }
        for i in removed.into_iter().rev() {
            self.members.remove(i);
        }
        Ok(())
    }

    /// Delivers a commit from `from` and checks that everyone agrees on the new epoch.
    pub fn commit(&mut self, from: usize, commit: &Commit) -> Result<()> {
        self.deliver(from, &commit.commit, &Received::Commit)?;
        self.check()
    }

    /// Checks that every member agrees ([`check_agreement`]).
    pub fn check(&self) -> Result<()> {
        let members: Vec<&dyn Member> = self.members.iter().map(|m| m.as_ref()).collect();
        check_agreement(&members).map_err(Error::Failed)
    }

    /// The index in the party of the member at `leaf`.
    pub fn at_leaf(&self, leaf: u32) -> Result<usize> {
        self.members
            .iter()
            .position(|m| m.own_leaf() == leaf)
            .ok_or_else(|| Error::Failed(format!("no member at leaf {leaf}")))
    }
}
