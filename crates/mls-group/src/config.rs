//! The settings of a group member.

use std::sync::Arc;

use mls_codec::WireFormat;
use mls_key_schedule::SecretTreeConfig;

use crate::{
    AcceptAllProposals, AcceptAnyCredential, Clock, CredentialValidator, ProposalRules, SystemClock,
};

/// How a member of a group behaves. [`GroupConfig::default`] gives the settings most
/// applications want; the `with_*` methods change one setting each:
///
/// ```
/// use mls_group::GroupConfig;
///
/// let config = GroupConfig::default()
///     .with_ratchet_tree_extension(false)
///     .with_retained_epochs(5);
/// assert_eq!(config.retained_epochs, 5);
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct GroupConfig {
    /// The wire format of the proposals and commits we send: PrivateMessage by default, as
    /// RFC 9420 §6 recommends; PublicMessage lets a delivery service inspect them.
    pub handshake_wire_format: WireFormat,
    /// How many past epochs keep their message keys so that late application messages can
    /// still be decrypted (default 3). After that the keys are deleted (§9.2).
    pub retained_epochs: usize,
    /// How many past epochs keep their resumption PSK for PreSharedKey proposals (§8.6).
    pub retained_resumption_psks: usize,
    /// Put the ratchet tree in the GroupInfo of Welcome messages (§12.4.3.3); otherwise the
    /// application delivers it out of band.
    pub ratchet_tree_extension: bool,
    /// The window of out-of-order message generations and the bound on skipped keys (§9).
    pub secret_tree: SecretTreeConfig,
    /// Pad each PrivateMessage plaintext to a multiple of this many bytes (0: no padding).
    pub padding_block: usize,
    /// The application's policy on proposals, asked about every proposal sent or received
    /// (see [`ProposalRules`]). Default [`AcceptAllProposals`].
    pub proposal_rules: Arc<dyn ProposalRules>,
    /// Whether every commit, sent or received, must carry an UpdatePath (§12.4), even one
    /// that §12.4 lets go without (only Adds, PSKs or ReInit): each commit then also
    /// refreshes the committer's keys (post-compromise security). A received commit without
    /// one fails with [`crate::GroupError::PathRequiredByConfig`]. Default off.
    pub require_path: bool,
    /// The application's authentication service (§5.3.1), asked about every credential that
    /// enters or changes in the group: see [`CredentialValidator`]. The default,
    /// [`AcceptAnyCredential`], accepts everyone and is for tests and demos only: a real
    /// application sets its own, or [`crate::BasicCredentialValidator`].
    pub credential_validator: Arc<dyn CredentialValidator>,
    /// Where the time of lifetime checks (§7.3) and of the validator's checks comes from
    /// (default [`SystemClock`]).
    pub clock: Arc<dyn Clock>,
    /// The widest ratchet tree accepted from others (in a Welcome, a GroupInfo, or given out
    /// of band), in leaves, blank ones included: a wider tree is refused
    /// ([`mls_tree::TreeError::TooManyLeaves`]) before more nodes than the bound are read, so
    /// that a hostile tree of millions of blank nodes (one byte each on the wire) costs no
    /// more than one at the bound. Default [`mls_tree::DEFAULT_MAX_LEAVES`] (65,536).
    pub max_tree_leaves: u32,
}

impl Default for GroupConfig {
    fn default() -> Self {
        Self {
            handshake_wire_format: WireFormat::MLS_PRIVATE_MESSAGE,
            retained_epochs: 3,
            retained_resumption_psks: 16,
            ratchet_tree_extension: true,
            secret_tree: SecretTreeConfig::default(),
            padding_block: 0,
            proposal_rules: Arc::new(AcceptAllProposals),
            require_path: false,
            credential_validator: Arc::new(AcceptAnyCredential),
            clock: Arc::new(SystemClock),
            max_tree_leaves: mls_tree::DEFAULT_MAX_LEAVES,
        }
    }
}

/// One `with_FIELD(value)` method per setting, documented by the field it sets.
macro_rules! setters {
    ($($setter:ident => $field:ident: $ty:ty;)*) => {
        impl GroupConfig {
            $(
                #[doc = concat!("Sets [`GroupConfig::", stringify!($field), "`].")]
                pub fn $setter(mut self, $field: $ty) -> Self {
                    self.$field = $field;
                    self
                }
            )*
        }
    };
}

setters! {
    with_handshake_wire_format => handshake_wire_format: WireFormat;
    with_retained_epochs => retained_epochs: usize;
    with_retained_resumption_psks => retained_resumption_psks: usize;
    with_ratchet_tree_extension => ratchet_tree_extension: bool;
    with_secret_tree => secret_tree: SecretTreeConfig;
    with_padding_block => padding_block: usize;
    with_proposal_rules => proposal_rules: Arc<dyn ProposalRules>;
    with_require_path => require_path: bool;
    with_credential_validator => credential_validator: Arc<dyn CredentialValidator>;
    with_clock => clock: Arc<dyn Clock>;
    with_max_tree_leaves => max_tree_leaves: u32;
}

impl GroupConfig {
    /// The time of lifetime checks (§7.3), from the clock. (Only the low-level key package
    /// checks can be run without one.)
    pub(crate) fn now(&self) -> Option<u64> {
        Some(self.clock.now())
    }

    /// The padding that brings the encoded `body` to the next block boundary (§6.3.1); the
    /// body is encoded only if there is a block size.
    pub(crate) fn padding_for(
        &self,
        body: &mls_codec::FramedContentBody,
    ) -> Result<usize, mls_codec::CodecError> {
        Ok(match self.padding_block {
            0 => 0,
            block => (block - mls_codec::Encode::to_bytes(body)?.len() % block) % block,
        })
    }
}
