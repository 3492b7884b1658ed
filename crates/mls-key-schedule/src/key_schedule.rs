//! The epoch key schedule (RFC 9420 §8), the Welcome key and nonce (§12.4.3.1) and the
//! exporter (§8.5).
//!
//! ```text
//!                  init_secret_[n-1]
//!                        |
//! commit_secret --> KDF.Extract
//!                        |
//!          ExpandWithLabel(., "joiner", GroupContext_[n], KDF.Nh) = joiner_secret
//!                        |
//! psk_secret    --> KDF.Extract --> DeriveSecret(., "welcome") = welcome_secret
//!                        |
//!          ExpandWithLabel(., "epoch", GroupContext_[n], KDF.Nh) = epoch_secret
//!                        |
//!                        +--> DeriveSecret(., <label>) = <secret>   (see EpochSecrets)
//!                        |
//!                 DeriveSecret(., "init") = init_secret_[n]
//! ```
//!
//! A member that commits runs the whole schedule with [`KeySchedule::new_epoch`]; a joiner
//! starts from the joiner_secret of its GroupSecrets with [`WelcomeSecret::from_joiner_secret`]
//! and [`EpochSecrets::from_joiner_secret`]. The commit, joiner and epoch secrets are dropped
//! (and wiped) as soon as the secrets below them are derived (§9.2).

use mls_codec::TreeSize;
use mls_codec::{CipherSuite, CodecError, Decode, Reader, SecretWriter, StateDecode, StateEncode};
use mls_crypto::{CipherSuiteProvider, HpkeKeyPair, Secret, derive_secret, expand_with_label};

use crate::storage::{
    check_secret_len, decode_optional_secret, decode_secret, encode_optional_secret, encode_secret,
    suite_params,
};
use crate::{KeyScheduleError, SecretTree, SecretTreeConfig};

/// The label of DeriveSecret for each epoch secret (RFC 9420 §8, Table 4).
mod labels {
    pub(super) const JOINER: &str = "joiner";
    pub(super) const WELCOME: &str = "welcome";
    pub(super) const EPOCH: &str = "epoch";
    pub(super) const SENDER_DATA: &str = "sender data";
    pub(super) const ENCRYPTION: &str = "encryption";
    pub(super) const EXPORTER: &str = "exporter";
    pub(super) const EXTERNAL: &str = "external";
    pub(super) const CONFIRM: &str = "confirm";
    pub(super) const MEMBERSHIP: &str = "membership";
    pub(super) const RESUMPTION: &str = "resumption";
    pub(super) const AUTHENTICATION: &str = "authentication";
    pub(super) const INIT: &str = "init";
    pub(super) const EXPORTED: &str = "exported";
}

/// An all-zero secret of `KDF.Nh` bytes: the init_secret of a group's first epoch, the
/// commit_secret of a commit without a path, and the psk_secret without PSKs (RFC 9420 §8,
/// §8.4).
pub fn zero_secret(suite: &dyn CipherSuiteProvider) -> Secret {
    Secret::new(vec![0; suite.hash_len()])
}

/// Fails unless `secret` is `KDF.Nh` bytes long.
pub(crate) fn check_len(
    suite: &dyn CipherSuiteProvider,
    what: &'static str,
    secret: &[u8],
) -> Result<(), KeyScheduleError> {
    let expected = suite.hash_len();
    if secret.len() == expected {
        Ok(())
    } else {
        Err(KeyScheduleError::InvalidSecretLength {
            what,
            expected,
            actual: secret.len(),
        })
    }
}

/// Fails unless `suite` is the suite `expected` a state was built for.
pub(crate) fn check_suite(
    expected: CipherSuite,
    suite: &dyn CipherSuiteProvider,
) -> Result<(), KeyScheduleError> {
    let actual = suite.cipher_suite();
    if actual == expected {
        Ok(())
    } else {
        Err(KeyScheduleError::CipherSuiteMismatch { expected, actual })
    }
}

/// The joiner_secret of an epoch (RFC 9420 §8): what a Welcome's GroupSecrets carries to new
/// members. Wiped on drop; `Debug` shows no bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JoinerSecret {
    cipher_suite: CipherSuite,
    secret: Secret,
}

impl JoinerSecret {
    /// `ExpandWithLabel(KDF.Extract(init_secret, commit_secret), "joiner", GroupContext_[n],
    /// KDF.Nh)` (RFC 9420 §8), with `group_context` the encoded GroupContext of the new epoch.
    ///
    /// `init_secret` and `commit_secret` must be `KDF.Nh` bytes (all zero where the RFC says
    /// 0, see [`zero_secret`]).
    pub fn derive(
        suite: &dyn CipherSuiteProvider,
        init_secret: &Secret,
        commit_secret: &Secret,
        group_context: &[u8],
    ) -> Result<Self, KeyScheduleError> {
        check_len(suite, "init_secret", init_secret.as_bytes())?;
        check_len(suite, "commit_secret", commit_secret.as_bytes())?;
        let extracted = suite.kdf_extract(init_secret.as_bytes(), commit_secret.as_bytes());
        let secret = expand_with_label(
            suite,
            extracted.as_bytes(),
            labels::JOINER,
            group_context,
            suite.hash_len(),
        )?;
        Ok(Self {
            cipher_suite: suite.cipher_suite(),
            secret,
        })
    }

    /// A joiner_secret received in a Welcome's GroupSecrets (RFC 9420 §12.4.3.1); it must be
    /// `KDF.Nh` bytes.
    pub fn from_bytes(
        suite: &dyn CipherSuiteProvider,
        bytes: &[u8],
    ) -> Result<Self, KeyScheduleError> {
        check_len(suite, "joiner_secret", bytes)?;
        Ok(Self {
            cipher_suite: suite.cipher_suite(),
            secret: Secret::from_slice(bytes),
        })
    }

    /// The secret, e.g. to put into GroupSecrets.
    pub fn as_secret(&self) -> &Secret {
        &self.secret
    }

    /// `KDF.Extract(joiner_secret, psk_secret)`: the secret from which both the welcome_secret
    /// and the epoch_secret are derived (RFC 9420 §8).
    fn with_psk(
        &self,
        suite: &dyn CipherSuiteProvider,
        psk_secret: &Secret,
    ) -> Result<Secret, KeyScheduleError> {
        check_suite(self.cipher_suite, suite)?;
        check_len(suite, "psk_secret", psk_secret.as_bytes())?;
        Ok(suite.kdf_extract(self.secret.as_bytes(), psk_secret.as_bytes()))
    }
}

/// The welcome_secret of an epoch (RFC 9420 §8): the key and nonce that encrypt the GroupInfo
/// of a Welcome derive from it (§12.4.3.1). Wiped on drop; `Debug` shows no bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WelcomeSecret {
    cipher_suite: CipherSuite,
    secret: Secret,
}

impl WelcomeSecret {
    /// `DeriveSecret(KDF.Extract(joiner_secret, psk_secret), "welcome")` (RFC 9420 §8): what a
    /// joiner computes before it can decrypt the GroupInfo. `psk_secret` is the all-zero
    /// vector when the Welcome names no PSKs.
    pub fn from_joiner_secret(
        suite: &dyn CipherSuiteProvider,
        joiner_secret: &JoinerSecret,
        psk_secret: &Secret,
    ) -> Result<Self, KeyScheduleError> {
        let member = joiner_secret.with_psk(suite, psk_secret)?;
        Self::from_member_secret(suite, &member)
    }

    fn from_member_secret(
        suite: &dyn CipherSuiteProvider,
        member: &Secret,
    ) -> Result<Self, KeyScheduleError> {
        Ok(Self {
            cipher_suite: suite.cipher_suite(),
            secret: derive_secret(suite, member.as_bytes(), labels::WELCOME)?,
        })
    }

    /// The secret.
    pub fn as_secret(&self) -> &Secret {
        &self.secret
    }

    /// `welcome_key = ExpandWithLabel(welcome_secret, "key", "", AEAD.Nk)`
    /// (RFC 9420 §12.4.3.1).
    pub fn key(&self, suite: &dyn CipherSuiteProvider) -> Result<Secret, KeyScheduleError> {
        check_suite(self.cipher_suite, suite)?;
        let length = suite.params().aead_key_len();
        Ok(expand_with_label(
            suite,
            self.secret.as_bytes(),
            "key",
            &[],
            length,
        )?)
    }

    /// `welcome_nonce = ExpandWithLabel(welcome_secret, "nonce", "", AEAD.Nn)`
    /// (RFC 9420 §12.4.3.1).
    pub fn nonce(&self, suite: &dyn CipherSuiteProvider) -> Result<Secret, KeyScheduleError> {
        check_suite(self.cipher_suite, suite)?;
        let length = suite.params().aead_nonce_len();
        Ok(expand_with_label(
            suite,
            self.secret.as_bytes(),
            "nonce",
            &[],
            length,
        )?)
    }
}

/// The secrets of one epoch, derived from its epoch_secret (RFC 9420 §8, Table 4).
///
/// The epoch_secret itself is not kept: it is consumed by deriving these (§9.2). The
/// encryption_secret is moved into the epoch's [`SecretTree`] by
/// [`EpochSecrets::take_secret_tree`], after which it is gone from here too. Every secret is
/// wiped on drop, and `Debug` shows no bytes.
#[derive(Debug, PartialEq, Eq)]
pub struct EpochSecrets {
    cipher_suite: CipherSuite,
    sender_data_secret: Secret,
    encryption_secret: Option<Secret>,
    exporter_secret: Secret,
    external_secret: Secret,
    confirmation_key: Secret,
    membership_key: Secret,
    resumption_psk: Secret,
    epoch_authenticator: Secret,
    init_secret: Secret,
}

impl EpochSecrets {
    /// The secrets of the epoch a joiner enters (RFC 9420 §8, §12.4.3.1): from the
    /// joiner_secret of its GroupSecrets, the psk_secret of the PSKs the Welcome names (all
    /// zero without PSKs) and the encoded GroupContext of the GroupInfo.
    pub fn from_joiner_secret(
        suite: &dyn CipherSuiteProvider,
        joiner_secret: &JoinerSecret,
        psk_secret: &Secret,
        group_context: &[u8],
    ) -> Result<Self, KeyScheduleError> {
        let member = joiner_secret.with_psk(suite, psk_secret)?;
        Self::from_member_secret(suite, &member, group_context)
    }

    /// `epoch_secret = ExpandWithLabel(member, "epoch", GroupContext_[n], KDF.Nh)`, then every
    /// secret of Table 4 and the next init_secret.
    fn from_member_secret(
        suite: &dyn CipherSuiteProvider,
        member: &Secret,
        group_context: &[u8],
    ) -> Result<Self, KeyScheduleError> {
        let epoch_secret = expand_with_label(
            suite,
            member.as_bytes(),
            labels::EPOCH,
            group_context,
            suite.hash_len(),
        )?;
        let derive = |label| derive_secret(suite, epoch_secret.as_bytes(), label);
        Ok(Self {
            cipher_suite: suite.cipher_suite(),
            sender_data_secret: derive(labels::SENDER_DATA)?,
            encryption_secret: Some(derive(labels::ENCRYPTION)?),
            exporter_secret: derive(labels::EXPORTER)?,
            external_secret: derive(labels::EXTERNAL)?,
            confirmation_key: derive(labels::CONFIRM)?,
            membership_key: derive(labels::MEMBERSHIP)?,
            resumption_psk: derive(labels::RESUMPTION)?,
            epoch_authenticator: derive(labels::AUTHENTICATION)?,
            init_secret: derive(labels::INIT)?,
        })
    }

    /// The cipher suite these secrets belong to.
    pub fn cipher_suite(&self) -> CipherSuite {
        self.cipher_suite
    }

    /// `sender_data_secret = DeriveSecret(epoch_secret, "sender data")`: the root of the
    /// sender-data keys of PrivateMessages (§6.3.2, see [`crate::SenderDataKey`]).
    pub fn sender_data_secret(&self) -> &Secret {
        &self.sender_data_secret
    }

    /// `encryption_secret = DeriveSecret(epoch_secret, "encryption")`: the root of the secret
    /// tree (§9); `None` once [`EpochSecrets::take_secret_tree`] has moved it into the tree.
    pub fn encryption_secret(&self) -> Option<&Secret> {
        self.encryption_secret.as_ref()
    }

    /// `exporter_secret = DeriveSecret(epoch_secret, "exporter")` (§8.5); applications use
    /// [`EpochSecrets::export`].
    pub fn exporter_secret(&self) -> &Secret {
        &self.exporter_secret
    }

    /// `external_secret = DeriveSecret(epoch_secret, "external")`: the seed of the external
    /// key pair (§8.3, see [`EpochSecrets::external_key_pair`]).
    pub fn external_secret(&self) -> &Secret {
        &self.external_secret
    }

    /// `confirmation_key = DeriveSecret(epoch_secret, "confirm")`: the key of the confirmation
    /// tag (§8.1, see [`crate::confirmation_tag`]).
    pub fn confirmation_key(&self) -> &Secret {
        &self.confirmation_key
    }

    /// `membership_key = DeriveSecret(epoch_secret, "membership")`: the key of the membership
    /// tag of PublicMessages (§6.2).
    pub fn membership_key(&self) -> &Secret {
        &self.membership_key
    }

    /// `resumption_psk = DeriveSecret(epoch_secret, "resumption")`: the resumption PSK of
    /// this epoch (§8.6).
    pub fn resumption_psk(&self) -> &Secret {
        &self.resumption_psk
    }

    /// `epoch_authenticator = DeriveSecret(epoch_secret, "authentication")` (§8.7).
    pub fn epoch_authenticator(&self) -> &Secret {
        &self.epoch_authenticator
    }

    /// `init_secret = DeriveSecret(epoch_secret, "init")`: the init_secret of the next epoch
    /// (§8).
    pub fn init_secret(&self) -> &Secret {
        &self.init_secret
    }

    /// The external key pair `KEM.DeriveKeyPair(external_secret)` (RFC 9420 §8.3), whose
    /// public key the `external_pub` extension of a GroupInfo carries.
    pub fn external_key_pair(
        &self,
        suite: &dyn CipherSuiteProvider,
    ) -> Result<HpkeKeyPair, KeyScheduleError> {
        check_suite(self.cipher_suite, suite)?;
        Ok(suite.derive_hpke_key_pair(self.external_secret.as_bytes())?)
    }

    /// `MLS-Exporter(Label, Context, Length) = ExpandWithLabel(DeriveSecret(exporter_secret,
    /// Label), "exported", Hash(Context), Length)` (RFC 9420 §8.5).
    pub fn export(
        &self,
        suite: &dyn CipherSuiteProvider,
        label: &str,
        context: &[u8],
        length: usize,
    ) -> Result<Secret, KeyScheduleError> {
        check_suite(self.cipher_suite, suite)?;
        let derived = derive_secret(suite, self.exporter_secret.as_bytes(), label)?;
        Ok(expand_with_label(
            suite,
            derived.as_bytes(),
            labels::EXPORTED,
            &suite.hash(context),
            length,
        )?)
    }

    /// Moves the encryption_secret into the secret tree of a group of `size` (RFC 9420 §9),
    /// so that it is deleted from here (§9.2). `None` if it was already taken.
    pub fn take_secret_tree(
        &mut self,
        suite: &dyn CipherSuiteProvider,
        size: TreeSize,
        config: SecretTreeConfig,
    ) -> Result<Option<SecretTree>, KeyScheduleError> {
        check_suite(self.cipher_suite, suite)?;
        Ok(self
            .encryption_secret
            .take()
            .map(|secret| SecretTree::with_config(suite, secret, size, config)))
    }
}

/// Storage encoding (not an RFC 9420 wire struct): the secrets of one epoch, for saving and
/// loading a member's group state, in the TLS presentation language (RFC 9420 §2.1):
///
/// ```text
/// struct {
///     CipherSuite cipher_suite;
///     opaque sender_data_secret<V>;
///     optional<opaque encryption_secret<V>>;  /* absent once moved into the secret tree */
///     opaque exporter_secret<V>;
///     opaque external_secret<V>;
///     opaque confirmation_key<V>;
///     opaque membership_key<V>;
///     opaque resumption_psk<V>;
///     opaque epoch_authenticator<V>;
///     opaque init_secret<V>;
/// } EpochSecretsState;
/// ```
///
/// The suite must be one RFC 9420 registers and every secret must be `KDF.Nh` bytes, on
/// encoding and on decoding ([`CodecError::InvalidField`] otherwise).
///
/// The bytes hold every secret of the epoch: they only ever live in a [`SecretWriter`], which
/// wipes them; protect them at rest.
impl StateEncode for EpochSecrets {
    fn encode_state(&self, out: &mut SecretWriter) -> Result<(), CodecError> {
        self.check_storage()?;
        out.put_wire(&self.cipher_suite)?;
        encode_secret(&self.sender_data_secret, out)?;
        encode_optional_secret(self.encryption_secret.as_ref(), out)?;
        for secret in self.storage_secrets_after_encryption() {
            encode_secret(secret, out)?;
        }
        Ok(())
    }
}

/// Decodes the storage encoding above; each secret goes straight into a [`Secret`]. Rejects
/// an unregistered suite, a secret that is not `KDF.Nh` bytes and a malformed encoding with
/// an error; never panics and allocates no more than the input holds.
impl StateDecode for EpochSecrets {
    fn decode_state(reader: &mut Reader<'_>) -> Result<Self, CodecError> {
        let secrets = Self {
            cipher_suite: CipherSuite::decode(reader)?,
            sender_data_secret: decode_secret(reader)?,
            encryption_secret: decode_optional_secret(reader)?,
            exporter_secret: decode_secret(reader)?,
            external_secret: decode_secret(reader)?,
            confirmation_key: decode_secret(reader)?,
            membership_key: decode_secret(reader)?,
            resumption_psk: decode_secret(reader)?,
            epoch_authenticator: decode_secret(reader)?,
            init_secret: decode_secret(reader)?,
        };
        secrets.check_storage()?;
        Ok(secrets)
    }
}

impl EpochSecrets {
    /// The secrets after the encryption_secret, in the order of the storage encoding.
    fn storage_secrets_after_encryption(&self) -> [&Secret; 7] {
        [
            &self.exporter_secret,
            &self.external_secret,
            &self.confirmation_key,
            &self.membership_key,
            &self.resumption_psk,
            &self.epoch_authenticator,
            &self.init_secret,
        ]
    }

    /// The invariants the storage encoding checks: a registered suite, `KDF.Nh`-byte secrets.
    fn check_storage(&self) -> Result<(), CodecError> {
        let hash_len = suite_params(self.cipher_suite)?.hash_len();
        let field = "EpochSecrets";
        check_secret_len(&self.sender_data_secret, hash_len, field)?;
        if let Some(secret) = &self.encryption_secret {
            check_secret_len(secret, hash_len, field)?;
        }
        self.storage_secrets_after_encryption()
            .into_iter()
            .try_for_each(|secret| check_secret_len(secret, hash_len, field))
    }
}

/// One run of the key schedule by a member that creates an epoch (RFC 9420 §8): the
/// joiner_secret and welcome_secret for the Welcome, and the new epoch's [`EpochSecrets`].
#[derive(Debug, PartialEq, Eq)]
pub struct KeySchedule {
    joiner_secret: JoinerSecret,
    welcome_secret: WelcomeSecret,
    epoch_secrets: EpochSecrets,
}

impl KeySchedule {
    /// Runs the key schedule of RFC 9420 §8 for a new epoch.
    ///
    /// - `init_secret`: the previous epoch's [`EpochSecrets::init_secret`], or all zero
    ///   ([`zero_secret`]) for a group's first epoch (the external-commit and ReInit cases
    ///   pass theirs, §8.3, §11.2);
    /// - `commit_secret`: the commit secret of the commit's path (§7.4), or all zero;
    /// - `psk_secret`: the chained PSKs ([`crate::psk_secret`]), all zero without PSKs;
    /// - `group_context`: the encoded GroupContext of the new epoch.
    ///
    /// The secrets are `KDF.Nh` bytes ([`KeyScheduleError::InvalidSecretLength`] otherwise).
    pub fn new_epoch(
        suite: &dyn CipherSuiteProvider,
        init_secret: &Secret,
        commit_secret: &Secret,
        psk_secret: &Secret,
        group_context: &[u8],
    ) -> Result<Self, KeyScheduleError> {
        let joiner_secret = JoinerSecret::derive(suite, init_secret, commit_secret, group_context)?;
        let member = joiner_secret.with_psk(suite, psk_secret)?;
        let welcome_secret = WelcomeSecret::from_member_secret(suite, &member)?;
        let epoch_secrets = EpochSecrets::from_member_secret(suite, &member, group_context)?;
        Ok(Self {
            joiner_secret,
            welcome_secret,
            epoch_secrets,
        })
    }

    /// The joiner_secret, for the GroupSecrets of a Welcome (§12.4.3.1).
    pub fn joiner_secret(&self) -> &JoinerSecret {
        &self.joiner_secret
    }

    /// The welcome_secret, whose key and nonce encrypt the Welcome's GroupInfo (§12.4.3.1).
    pub fn welcome_secret(&self) -> &WelcomeSecret {
        &self.welcome_secret
    }

    /// The secrets of the new epoch.
    pub fn epoch_secrets(&self) -> &EpochSecrets {
        &self.epoch_secrets
    }

    /// The three parts: the joiner and welcome secrets (to drop once the Welcome is sent) and
    /// the epoch's secrets.
    pub fn into_parts(self) -> (JoinerSecret, WelcomeSecret, EpochSecrets) {
        (self.joiner_secret, self.welcome_secret, self.epoch_secrets)
    }

    /// The epoch's secrets alone; the joiner and welcome secrets are dropped and wiped.
    pub fn into_epoch_secrets(self) -> EpochSecrets {
        self.epoch_secrets
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mls_crypto::{CipherSuiteParams, CryptoProvider};
    use mls_crypto_rustcrypto::RustCryptoProvider;

    fn suite() -> &'static dyn CipherSuiteProvider {
        static PROVIDER: RustCryptoProvider = RustCryptoProvider::new();
        PROVIDER
            .suite(CipherSuite::MLS_128_DHKEMX25519_AES128GCM_SHA256_ED25519)
            .unwrap()
    }

    fn run(context: &[u8]) -> KeySchedule {
        let s = suite();
        let zero = zero_secret(s);
        KeySchedule::new_epoch(s, &zero, &Secret::new(vec![7; 32]), &zero, context).unwrap()
    }

    #[test]
    fn a_joiner_derives_the_same_epoch_as_the_committer() {
        let s = suite();
        let committer = run(b"group context");
        let joiner =
            JoinerSecret::from_bytes(s, committer.joiner_secret().as_secret().as_bytes()).unwrap();
        let zero = zero_secret(s);
        assert_eq!(
            &WelcomeSecret::from_joiner_secret(s, &joiner, &zero).unwrap(),
            committer.welcome_secret()
        );
        let epoch = EpochSecrets::from_joiner_secret(s, &joiner, &zero, b"group context").unwrap();
        assert_eq!(&epoch, committer.epoch_secrets());
        assert_ne!(
            &run(b"other context").into_epoch_secrets(),
            committer.epoch_secrets()
        );
    }

    #[test]
    fn secrets_of_the_wrong_length_are_rejected() {
        let s = suite();
        let zero = zero_secret(s);
        let short = Secret::new(vec![0; 31]);
        assert_eq!(
            KeySchedule::new_epoch(s, &zero, &short, &zero, b"").unwrap_err(),
            KeyScheduleError::InvalidSecretLength {
                what: "commit_secret",
                expected: 32,
                actual: 31
            }
        );
        assert!(KeySchedule::new_epoch(s, &zero, &zero, &short, b"").is_err());
        assert!(JoinerSecret::from_bytes(s, &[1; 33]).is_err());
    }

    #[test]
    fn a_state_refuses_another_suite() {
        static PROVIDER: RustCryptoProvider = RustCryptoProvider::new();
        let other = PROVIDER
            .suite(CipherSuite::MLS_128_DHKEMP256_AES128GCM_SHA256_P256)
            .unwrap();
        let epoch = run(b"").into_epoch_secrets();
        assert!(matches!(
            epoch.export(other, "label", b"", 32),
            Err(KeyScheduleError::CipherSuiteMismatch { .. })
        ));
    }

    #[test]
    fn the_secret_tree_takes_the_encryption_secret() {
        let s = suite();
        let mut epoch = run(b"").into_epoch_secrets();
        let size = TreeSize::for_leaves(2).unwrap();
        assert!(epoch.encryption_secret().is_some());
        let tree = epoch.take_secret_tree(s, size, SecretTreeConfig::default());
        assert!(tree.unwrap().is_some());
        assert!(epoch.encryption_secret().is_none());
        let again = epoch.take_secret_tree(s, size, SecretTreeConfig::default());
        assert!(again.unwrap().is_none());
    }

    #[test]
    fn debug_shows_no_secret_bytes() {
        let schedule = run(b"");
        let text = format!("{schedule:?}");
        let init = schedule.epoch_secrets().init_secret().as_bytes();
        let init_hex: String = init.iter().map(|b| format!("{b:02x}")).collect();
        assert!(!text.contains(&init_hex));
        assert!(!text.contains(&format!("{:?}", init)));
        assert!(text.contains("redacted"));
    }

    /// A real epoch of `cipher_suite`, before and after its secret tree is taken.
    fn epochs_of(cipher_suite: CipherSuite) -> [EpochSecrets; 2] {
        static PROVIDER: RustCryptoProvider = RustCryptoProvider::new();
        let s = PROVIDER.suite(cipher_suite).unwrap();
        let zero = zero_secret(s);
        let commit = Secret::new(vec![9; s.hash_len()]);
        let epoch = || {
            KeySchedule::new_epoch(s, &zero, &commit, &zero, b"context")
                .unwrap()
                .into_epoch_secrets()
        };
        let mut taken = epoch();
        let size = TreeSize::for_leaves(4).unwrap();
        taken
            .take_secret_tree(s, size, SecretTreeConfig::default())
            .unwrap()
            .unwrap();
        [epoch(), taken]
    }

    #[test]
    fn epoch_secrets_round_trip_through_storage() {
        for cipher_suite in [
            CipherSuite::MLS_128_DHKEMX25519_AES128GCM_SHA256_ED25519,
            CipherSuite::MLS_128_DHKEMP256_AES128GCM_SHA256_P256,
            CipherSuite::MLS_256_DHKEMP521_AES256GCM_SHA512_P521,
            CipherSuite::MLS_256_DHKEMP384_AES256GCM_SHA384_P384,
        ] {
            let [full, taken] = epochs_of(cipher_suite);
            let hash_len = CipherSuiteParams::lookup(cipher_suite).unwrap().hash_len();
            for (epoch, secrets) in [(full, 9), (taken, 8)] {
                let bytes = epoch.to_state_bytes().unwrap();
                // A varint header of 1 byte below 64 bytes, of 2 from 64 (§2.1.2).
                let header = if hash_len < 64 { 1 } else { 2 };
                assert_eq!(bytes.len(), 2 + 1 + secrets * (header + hash_len));
                let loaded = EpochSecrets::from_state_bytes(&bytes).unwrap();
                assert_eq!(loaded, epoch);
                assert_eq!(loaded.to_state_bytes().unwrap(), bytes);
                assert_eq!(loaded.cipher_suite(), cipher_suite);
                assert_eq!(
                    loaded.encryption_secret().is_some(),
                    epoch.encryption_secret().is_some()
                );
            }
        }
    }

    #[test]
    fn a_loaded_epoch_derives_what_the_original_does() {
        let s = suite();
        let [mut original, _] = epochs_of(s.cipher_suite());
        let mut loaded =
            EpochSecrets::from_state_bytes(&original.to_state_bytes().unwrap()).unwrap();
        assert_eq!(
            loaded.export(s, "label", b"ctx", 20).unwrap(),
            original.export(s, "label", b"ctx", 20).unwrap()
        );
        assert_eq!(
            loaded.external_key_pair(s).unwrap().public_key,
            original.external_key_pair(s).unwrap().public_key
        );
        let size = TreeSize::for_leaves(2).unwrap();
        let config = SecretTreeConfig::default();
        let mut a = loaded.take_secret_tree(s, size, config).unwrap().unwrap();
        let mut b = original.take_secret_tree(s, size, config).unwrap().unwrap();
        let kind = crate::RatchetKind::Application;
        assert_eq!(
            a.encryption_key(s, 1, kind).unwrap(),
            b.encryption_key(s, 1, kind).unwrap()
        );
    }

    /// The storage encoding of the given fields, unchecked.
    fn raw(cipher_suite: u16, flag: u8, lengths: [usize; 9]) -> Vec<u8> {
        let mut out = cipher_suite.to_be_bytes().to_vec();
        for (i, len) in lengths.into_iter().enumerate() {
            if i == 1 {
                out.push(flag);
                if flag != 1 {
                    continue;
                }
            }
            mls_codec::encode_opaque(&vec![u8::try_from(i).unwrap(); len], &mut out).unwrap();
        }
        out
    }

    #[test]
    fn invalid_epoch_secrets_are_rejected() {
        let ok = raw(1, 1, [32; 9]);
        assert!(EpochSecrets::from_state_bytes(&ok).is_ok());
        assert!(EpochSecrets::from_state_bytes(&raw(1, 0, [32; 9])).is_ok());
        let invalid_field = |bytes: &[u8]| {
            matches!(
                EpochSecrets::from_state_bytes(bytes),
                Err(CodecError::InvalidField { .. })
            )
        };
        // An unregistered suite (GREASE), and a secret of the wrong length in each position.
        assert!(invalid_field(&raw(0x0a0a, 1, [32; 9])));
        assert!(invalid_field(&raw(5, 1, [32; 9])));
        for i in 0..9 {
            let mut lengths = [32; 9];
            lengths[i] = 48;
            assert!(invalid_field(&raw(1, 1, lengths)), "secret {i}");
        }
        assert_eq!(
            EpochSecrets::from_state_bytes(&raw(1, 2, [32; 9])),
            Err(CodecError::InvalidOptionalFlag(2))
        );
        for len in 0..ok.len() {
            assert!(EpochSecrets::from_state_bytes(&ok[..len]).is_err());
        }
        let mut trailing = ok.clone();
        trailing.push(0);
        assert!(EpochSecrets::from_state_bytes(&trailing).is_err());
        // Encoding refuses an inconsistent value instead of writing what cannot be loaded.
        let mut epoch = run(b"").into_epoch_secrets();
        epoch.init_secret = Secret::new(vec![0; 31]);
        assert!(matches!(
            epoch.to_state_bytes(),
            Err(CodecError::InvalidField { .. })
        ));
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(256))]

        /// Corrupted encodings never panic; what still decodes re-encodes to the same bytes.
        #[test]
        fn corrupted_epoch_secrets_are_rejected_or_canonical(
            flips in proptest::collection::vec((0usize..1000, 0u8..8), 1..4),
            cut in 0usize..1200,
        ) {
            let [epoch, _] = epochs_of(suite().cipher_suite());
            let mut bytes = epoch.to_state_bytes().unwrap();
            for (position, bit) in flips {
                let position = position % bytes.len();
                bytes[position] ^= 1 << bit;
            }
            bytes.truncate(cut);
            if let Ok(loaded) = EpochSecrets::from_state_bytes(&bytes) {
                proptest::prop_assert_eq!(loaded.to_state_bytes().unwrap(), bytes);
            }
        }
    }
}
