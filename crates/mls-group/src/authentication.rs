//! The application's authentication service (RFC 9420 §5.3.1): who may be in a group.
//!
//! MLS authenticates every message to a leaf's signature key, but which identities those keys
//! belong to, and which identities may be members at all, only the application knows. RFC 9420
//! asks that every credential be checked when it enters a group or changes in it ("Verify that
//! the credential in the LeafNode is valid", §7.3, §10.1, §12.4.3.1), and that a member that
//! replaces its own leaf (a resync, a ReInit or a branch) stay the same member (§11.2, §11.3,
//! §12.4.3.2). A [`CredentialValidator`] answers both questions.
//!
//! Two validators come with the library:
//!
//! - [`BasicCredentialValidator`]: `basic` credentials, each identity with the signature keys
//!   the application has bound to it (from its directory, a key transparency log...).
//! - [`AcceptAnyCredential`]: accepts every credential. It is for tests and demos only: a group
//!   that uses it lets anyone who obtains a key package or GroupInfo claim any identity.
//!
//! ```
//! use mls_codec::{Credential, VarBytes};
//! use mls_group::{BasicCredentialValidator, CredentialContext, CredentialSource,
//!                 CredentialValidator};
//!
//! let alice = Credential::Basic { identity: VarBytes::from(b"alice") };
//! let validator = BasicCredentialValidator::new().with_identity(b"alice", [b"alice key".to_vec()]);
//!
//! let context = |key: &'static [u8]| CredentialContext::new(
//!     CredentialSource::KeyPackage, b"group", 3, &alice, key, 1_700_000_000,
//! );
//! assert!(validator.validate(&context(b"alice key")).is_ok());
//! assert!(validator.validate(&context(b"mallory's key")).is_err());
//! ```

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::sync::Arc;

use mls_codec::{Credential, LeafIndex, LeafNode};

/// Where a credential enters a group or changes in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CredentialSource {
    /// The key package of an Add proposal (§12.1.1), whoever proposes or commits it, and the
    /// key packages an application asks its group to add.
    KeyPackage,
    /// The leaf node of an Update proposal (§12.1.2).
    Update,
    /// The committer's new leaf node in a commit's UpdatePath (§12.4.2).
    UpdatePath,
    /// The leaf node of a non-member joining by external commit (§12.4.3.2).
    ExternalCommit,
    /// An entry of the `external_senders` extension (§12.1.8.1), when the group takes it.
    ExternalSender,
    /// A leaf of a ratchet tree received in a Welcome or with a GroupInfo (§12.4.3.1): the
    /// members the joiner is told about.
    ReceivedTree,
}

/// What a [`CredentialValidator`] is asked about one credential.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct CredentialContext<'a> {
    /// Where the credential comes from.
    pub source: CredentialSource,
    /// The group's ID.
    pub group_id: &'a [u8],
    /// The epoch the credential appears in: the epoch of the proposal or commit that carries
    /// it, or the epoch joined for a received tree.
    pub epoch: u64,
    /// The leaf the credential is for, when known: not for a key package not yet placed, nor
    /// for an external sender.
    pub leaf: Option<LeafIndex>,
    /// The credential.
    pub credential: &'a Credential,
    /// The signature key bound to it (the leaf node's, or the external sender's).
    pub signature_key: &'a [u8],
    /// The leaf node that carries it (none for an external sender).
    pub leaf_node: Option<&'a LeafNode>,
    /// The time of the check, in seconds since the Unix epoch, from the group's clock.
    pub now: u64,
}

impl<'a> CredentialContext<'a> {
    /// A context with no leaf index and no leaf node; add them with
    /// [`CredentialContext::with_leaf`] and [`CredentialContext::with_leaf_node`].
    pub fn new(
        source: CredentialSource,
        group_id: &'a [u8],
        epoch: u64,
        credential: &'a Credential,
        signature_key: &'a [u8],
        now: u64,
    ) -> Self {
        Self {
            source,
            group_id,
            epoch,
            leaf: None,
            credential,
            signature_key,
            leaf_node: None,
            now,
        }
    }

    /// The context for the credential of `leaf_node`, its signature key included.
    pub fn for_leaf_node(
        source: CredentialSource,
        group_id: &'a [u8],
        epoch: u64,
        leaf_node: &'a LeafNode,
        now: u64,
    ) -> Self {
        Self::new(
            source,
            group_id,
            epoch,
            &leaf_node.credential,
            &leaf_node.signature_key,
            now,
        )
        .with_leaf_node(leaf_node)
    }

    /// The context with the leaf index of the credential.
    pub fn with_leaf(mut self, leaf: LeafIndex) -> Self {
        self.leaf = Some(leaf);
        self
    }

    /// The context with the leaf node that carries the credential.
    pub fn with_leaf_node(mut self, leaf_node: &'a LeafNode) -> Self {
        self.leaf_node = Some(leaf_node);
        self
    }
}

/// The application's authentication service, given to a [`crate::Client`] and called for
/// every credential that enters or changes in its groups (see the module documentation).
pub trait CredentialValidator: fmt::Debug + Send + Sync {
    /// Accepts `context.credential` with its signature key, or refuses it with the reason.
    /// A refusal makes the message, join or call that carries the credential fail with
    /// [`crate::GroupError::CredentialRefused`], and leaves the group as it was.
    fn validate(&self, context: &CredentialContext<'_>) -> Result<(), CredentialRefusal>;

    /// Whether `new` names the same member as `old`, for a member that replaces its own leaf:
    /// a resync by external commit (§12.4.3.2), and the joins of a ReInit or a branch
    /// (§11.2, §11.3). Both credentials have passed [`CredentialValidator::validate`].
    fn is_same_member(&self, old: &Credential, new: &Credential) -> bool;
}

/// Why the application refused something: any error of its own, kept as the `source` of the
/// [`crate::GroupError`] that reports the refusal (and reachable with
/// [`Refusal::downcast_ref`]).
#[derive(Clone)]
pub struct Refusal(Arc<dyn std::error::Error + Send + Sync>);

/// Why a [`CredentialValidator`] refused a credential ([`crate::GroupError::CredentialRefused`]).
pub type CredentialRefusal = Refusal;

impl Refusal {
    /// A refusal for `reason`.
    pub fn new(reason: impl std::error::Error + Send + Sync + 'static) -> Self {
        Self(Arc::new(reason))
    }

    /// A refusal with a message only.
    pub fn msg(message: impl Into<String>) -> Self {
        Self(Arc::from(Box::<dyn std::error::Error + Send + Sync>::from(
            message.into(),
        )))
    }

    /// The application's error, if it is a `T`.
    pub fn downcast_ref<T: std::error::Error + 'static>(&self) -> Option<&T> {
        self.0.downcast_ref()
    }
}

impl fmt::Debug for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

impl std::error::Error for Refusal {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.0.source()
    }
}

/// Why [`BasicCredentialValidator`] refused a credential.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BasicCredentialError {
    /// The credential is not of type `basic`.
    #[error("not a basic credential")]
    NotBasic,
    /// No signature key is bound to the identity.
    #[error("unknown identity {identity:?}")]
    UnknownIdentity {
        /// The identity, lossily as UTF-8.
        identity: String,
    },
    /// The identity is known, but not with this signature key.
    #[error("the signature key is not one bound to identity {identity:?}")]
    WrongSignatureKey {
        /// The identity, lossily as UTF-8.
        identity: String,
    },
}

/// A validator of `basic` credentials: the application binds each identity it accepts to
/// the signature keys it knows for it, and every other credential is refused. Two
/// credentials are the same member when their identities are equal.
#[derive(Debug, Clone, Default)]
pub struct BasicCredentialValidator {
    keys: HashMap<Vec<u8>, HashSet<Vec<u8>>>,
}

impl BasicCredentialValidator {
    /// A validator that accepts nobody yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Accepts `identity` with any of `signature_keys` (in addition to keys bound before).
    pub fn with_identity(
        mut self,
        identity: &[u8],
        signature_keys: impl IntoIterator<Item = Vec<u8>>,
    ) -> Self {
        self.add_identity(identity, signature_keys);
        self
    }

    /// Accepts `identity` with any of `signature_keys` (in addition to keys bound before).
    pub fn add_identity(
        &mut self,
        identity: &[u8],
        signature_keys: impl IntoIterator<Item = Vec<u8>>,
    ) {
        self.keys
            .entry(identity.to_vec())
            .or_default()
            .extend(signature_keys);
    }
}

impl CredentialValidator for BasicCredentialValidator {
    fn validate(&self, context: &CredentialContext<'_>) -> Result<(), CredentialRefusal> {
        let Credential::Basic { identity } = context.credential else {
            return Err(CredentialRefusal::new(BasicCredentialError::NotBasic));
        };
        let name = || String::from_utf8_lossy(identity).into_owned();
        match self.keys.get(identity.as_slice()) {
            None => Err(CredentialRefusal::new(
                BasicCredentialError::UnknownIdentity { identity: name() },
            )),
            Some(keys) if !keys.contains(context.signature_key) => Err(CredentialRefusal::new(
                BasicCredentialError::WrongSignatureKey { identity: name() },
            )),
            Some(_) => Ok(()),
        }
    }

    fn is_same_member(&self, old: &Credential, new: &Credential) -> bool {
        matches!(
            (old, new),
            (Credential::Basic { identity: a }, Credential::Basic { identity: b }) if a == b
        )
    }
}

/// Accepts every credential, and takes two credentials for the same member when they are
/// equal byte for byte.
///
/// **For tests and demos only.** With it, anyone holding a key package or a GroupInfo of the
/// group can claim any identity in it: a production application authenticates credentials
/// with its own [`CredentialValidator`] (or [`BasicCredentialValidator`]).
#[derive(Debug, Clone, Copy, Default)]
pub struct AcceptAnyCredential;

impl CredentialValidator for AcceptAnyCredential {
    fn validate(&self, _: &CredentialContext<'_>) -> Result<(), CredentialRefusal> {
        Ok(())
    }

    fn is_same_member(&self, old: &Credential, new: &Credential) -> bool {
        old == new
    }
}

/// The application's clock: lifetime checks of leaf nodes (§7.3) and validators (e.g. the
/// validity of X.509 certificates) take the time from it.
pub trait Clock: fmt::Debug + Send + Sync {
    /// Seconds since the Unix epoch.
    fn now(&self) -> u64;
}

/// The system's clock (the default).
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> u64 {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |elapsed| elapsed.as_secs())
    }
}

/// A clock stopped at one time, in seconds since the Unix epoch: for tests and test vectors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FixedClock(pub u64);

impl Clock for FixedClock {
    fn now(&self) -> u64 {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mls_codec::VarBytes;

    fn basic(identity: &[u8]) -> Credential {
        Credential::Basic {
            identity: VarBytes::from(identity),
        }
    }

    fn check(validator: &dyn CredentialValidator, credential: &Credential, key: &[u8]) -> String {
        let context = CredentialContext::new(CredentialSource::Update, b"g", 1, credential, key, 0);
        match validator.validate(&context) {
            Ok(()) => "accepted".into(),
            Err(refusal) => refusal.to_string(),
        }
    }

    #[test]
    fn basic_validator_binds_identities_to_keys() {
        let validator = BasicCredentialValidator::new()
            .with_identity(b"alice", [b"k1".to_vec(), b"k2".to_vec()])
            .with_identity(b"bob", [b"k3".to_vec()]);
        assert_eq!(check(&validator, &basic(b"alice"), b"k2"), "accepted");
        assert_eq!(
            check(&validator, &basic(b"alice"), b"k3"),
            "the signature key is not one bound to identity \"alice\""
        );
        assert_eq!(
            check(&validator, &basic(b"carol"), b"k1"),
            "unknown identity \"carol\""
        );
        let x509 = Credential::X509 {
            certificates: vec![],
        };
        assert_eq!(check(&validator, &x509, b"k1"), "not a basic credential");
        let context = CredentialContext::new(CredentialSource::Update, b"g", 1, &x509, b"k1", 0);
        let refusal = validator.validate(&context).unwrap_err();
        assert_eq!(
            refusal.downcast_ref::<BasicCredentialError>(),
            Some(&BasicCredentialError::NotBasic)
        );

        assert!(validator.is_same_member(&basic(b"alice"), &basic(b"alice")));
        assert!(!validator.is_same_member(&basic(b"alice"), &basic(b"bob")));
    }

    #[test]
    fn accept_any_takes_equal_credentials_for_one_member() {
        assert_eq!(check(&AcceptAnyCredential, &basic(b"x"), b"k"), "accepted");
        assert!(AcceptAnyCredential.is_same_member(&basic(b"a"), &basic(b"a")));
        assert!(!AcceptAnyCredential.is_same_member(&basic(b"a"), &basic(b"b")));
    }

    #[test]
    fn clocks() {
        assert_eq!(FixedClock(42).now(), 42);
        assert!(SystemClock.now() > 1_700_000_000);
    }
}
