//! Key packages (RFC 9420 §10): creating our own and validating those of others.

use mls_codec::{
    Capabilities, CipherSuite, Credential, Encode, Extension, ExtensionType, KeyPackage,
    KeyPackageRef, LeafNode, LeafNodeSourceData, Lifetime, ProtocolVersion, VarBytes,
};
use mls_crypto::{
    CipherSuiteProvider, HpkePrivateKey, Signer, make_key_package_ref, sign_with_label,
    verify_with_label,
};

use mls_tree::{LeafIndex, sign_leaf_node, verify_leaf_node_signature};

use crate::{Grease, GroupError};

/// The label of a key package's signature (RFC 9420 §10).
const KEY_PACKAGE_TBS_LABEL: &str = "KeyPackageTBS";

/// A key package with the private keys its owner keeps until it joins a group with it. The
/// private keys never leave it: they are used by the join, and zeroized when it is dropped.
pub struct KeyPackageBundle {
    /// The key package to publish.
    pub(crate) key_package: KeyPackage,
    /// The private key of `init_key`, used once to decrypt the Welcome (§12.4.3.1).
    pub(crate) init_private_key: HpkePrivateKey,
    /// The private key of the leaf node's `encryption_key`.
    pub(crate) encryption_private_key: HpkePrivateKey,
}

impl KeyPackageBundle {
    /// A key package with the private keys of its `init_key` and of its leaf node's
    /// `encryption_key`, e.g. restored from storage or given by a test vector.
    pub fn new(
        key_package: KeyPackage,
        init_private_key: HpkePrivateKey,
        encryption_private_key: HpkePrivateKey,
    ) -> Self {
        Self {
            key_package,
            init_private_key,
            encryption_private_key,
        }
    }

    /// The key package to publish.
    pub fn key_package(&self) -> &KeyPackage {
        &self.key_package
    }
}

impl std::fmt::Debug for KeyPackageBundle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyPackageBundle")
            .field("key_package", &self.key_package)
            .finish_non_exhaustive()
    }
}

/// What goes into a new key package besides the keys. Made with [`KeyPackageOptions::new`],
/// then adjusted field by field.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct KeyPackageOptions {
    /// The validity of the leaf node, in seconds since the Unix epoch.
    pub lifetime: Lifetime,
    /// What the client supports (§7.2).
    pub capabilities: Capabilities,
    /// Extensions of the leaf node.
    pub leaf_extensions: Vec<Extension>,
    /// Extensions of the key package (e.g. last_resort).
    pub extensions: Vec<Extension>,
    /// The client's `application_id` (RFC 9420 §5.3.3), put in the leaf node as an
    /// `application_id` extension whose data is `opaque application_id<V>`. The leaf node
    /// keeps it through updates and commits, which copy its extensions. It is not
    /// authenticated by the Authentication Service, nor necessarily unique.
    pub application_id: Option<Vec<u8>>,
    /// Where to add random GREASE values (RFC 9420 §13.5): by default
    /// [`Grease::Capabilities`], in the capability lists only (see [`Grease`] for why).
    pub grease: Grease,
}

impl KeyPackageOptions {
    /// A key package valid from now for `validity_seconds`, supporting `cipher_suite`, MLS 1.0
    /// and basic credentials.
    pub fn new(cipher_suite: CipherSuite, now: u64, validity_seconds: u64) -> Self {
        Self {
            lifetime: Lifetime {
                not_before: now.saturating_sub(3600),
                not_after: now.saturating_add(validity_seconds),
            },
            capabilities: Capabilities {
                versions: vec![ProtocolVersion::MLS10],
                cipher_suites: vec![cipher_suite],
                extensions: vec![],
                proposals: vec![],
                credentials: vec![mls_codec::CredentialType::BASIC],
            },
            leaf_extensions: vec![],
            extensions: vec![],
            application_id: None,
            grease: Grease::default(),
        }
    }
}

/// Picks `count` GREASE values (RFC 9420 §13.5: 0x0A0A, 0x1A1A, ..., 0xEAEA) from `random`.
fn grease_values(random: &[u8]) -> impl Iterator<Item = u16> + '_ {
    random.iter().map(|byte| {
        let nibble = u16::from(byte % 15);
        0x0a0a | (nibble << 12) | (nibble << 4)
    })
}

/// Adds random GREASE values where `options.grease` asks for them, among the fields where
/// RFC 9420 §13.5 says a client SHOULD: the leaf's capabilities (cipher suites, extensions,
/// proposals, credentials) and, with [`Grease::Full`], an extension in the leaf node and one
/// in the key package, whose types are listed in the leaf's capabilities too (§7.2, §10:
/// "Extensions included in the extensions or leaf_node.extensions fields MUST be included in
/// the leaf_node.capabilities field").
fn add_grease(
    suite: &dyn CipherSuiteProvider,
    options: &mut KeyPackageOptions,
) -> Result<(), GroupError> {
    if !options.grease.in_capabilities() {
        return Ok(());
    }
    let random = suite.random_bytes(4)?;
    let mut values = grease_values(&random);
    let mut next = || values.next().unwrap_or(0x0a0a);
    let capabilities = &mut options.capabilities;
    capabilities.cipher_suites.push(CipherSuite(next()));
    capabilities.proposals.push(mls_codec::ProposalType(next()));
    capabilities
        .credentials
        .push(mls_codec::CredentialType(next()));
    capabilities.extensions.push(ExtensionType(next()));
    if options.grease.in_extensions() {
        // A leaf extension's data is not said to be free, as the key package's and
        // GroupInfo's are (§13.5): it stays empty.
        let leaf_extension = Extension {
            extension_data: VarBytes::default(),
            ..grease_extension(suite)?
        };
        let key_package_extension = grease_extension(suite)?;
        for extension_type in [
            leaf_extension.extension_type,
            key_package_extension.extension_type,
        ] {
            if !capabilities.extensions.contains(&extension_type) {
                capabilities.extensions.push(extension_type);
            }
        }
        // Two GREASE extensions of one type in one list would be a duplicate (§13.4).
        if !options
            .leaf_extensions
            .iter()
            .any(|e| e.extension_type == leaf_extension.extension_type)
        {
            options.leaf_extensions.push(leaf_extension);
        }
        if !options
            .extensions
            .iter()
            .any(|e| e.extension_type == key_package_extension.extension_type)
        {
            options.extensions.push(key_package_extension);
        }
    }
    Ok(())
}

/// An extension of a random GREASE type with a few random bytes, for the key package and
/// GroupInfo extensions we send (RFC 9420 §13.5: its contents may be anything).
pub(crate) fn grease_extension(suite: &dyn CipherSuiteProvider) -> Result<Extension, GroupError> {
    let random = suite.random_bytes(8)?;
    let extension_type = grease_values(&random[..1]).next().unwrap_or(0x0a0a);
    Ok(Extension {
        extension_type: ExtensionType(extension_type),
        extension_data: VarBytes(random[1..1 + usize::from(random[7] % 7)].to_vec()),
    })
}

/// Creates a key package (RFC 9420 §10) with fresh init and encryption keys, signed by
/// `signer` for `credential`.
pub fn create_key_package(
    suite: &dyn CipherSuiteProvider,
    signer: &dyn Signer,
    credential: Credential,
    mut options: KeyPackageOptions,
) -> Result<KeyPackageBundle, GroupError> {
    if let Some(application_id) = options.application_id.take() {
        // A default extension type (§7.2): no need to list it in the capabilities.
        options
            .leaf_extensions
            .push(application_id_extension(&application_id)?);
    }
    add_grease(suite, &mut options)?;
    let init = suite.generate_hpke_key_pair()?;
    let encryption = suite.generate_hpke_key_pair()?;
    let mut leaf_node = LeafNode {
        encryption_key: VarBytes(encryption.public_key),
        signature_key: VarBytes(signer.public_key().to_vec()),
        credential,
        capabilities: options.capabilities,
        leaf_node_source: LeafNodeSourceData::KeyPackage(options.lifetime),
        extensions: options.leaf_extensions,
        signature: VarBytes::default(),
    };
    // A key package's leaf node is signed without group id and leaf index (§7.2).
    sign_leaf_node(signer, &mut leaf_node, &[], LeafIndex(0))?;
    let mut key_package = KeyPackage {
        version: ProtocolVersion::MLS10,
        cipher_suite: suite.cipher_suite(),
        init_key: VarBytes(init.public_key),
        leaf_node,
        extensions: options.extensions,
        signature: VarBytes::default(),
    };
    key_package.signature = VarBytes(sign_with_label(
        signer,
        KEY_PACKAGE_TBS_LABEL,
        &key_package.to_tbs().to_bytes()?,
    )?);
    Ok(KeyPackageBundle {
        key_package,
        init_private_key: init.private_key,
        encryption_private_key: encryption.private_key,
    })
}

/// An `application_id` leaf node extension (RFC 9420 §5.3.3) for `application_id`: its data
/// is the encoded `opaque application_id<V>`.
pub fn application_id_extension(application_id: &[u8]) -> Result<Extension, GroupError> {
    Ok(Extension {
        extension_type: ExtensionType::APPLICATION_ID,
        extension_data: VarBytes(VarBytes::from(application_id).to_bytes()?),
    })
}

/// The application id of a leaf node (RFC 9420 §5.3.3): the body of its `application_id`
/// extension, `None` if it has none or its data is not a well-formed
/// `opaque application_id<V>`.
pub fn leaf_application_id(leaf_node: &LeafNode) -> Option<Vec<u8>> {
    let extension = leaf_node
        .extensions
        .iter()
        .find(|extension| extension.extension_type == ExtensionType::APPLICATION_ID)?;
    <VarBytes as mls_codec::Decode>::from_bytes(&extension.extension_data)
        .ok()
        .map(|id| id.0)
}

/// A `last_resort` key package extension (0x000A, registered by IANA for MLS): it marks a key
/// package that may be used more than once, and has empty data.
pub fn last_resort_extension() -> Extension {
    Extension {
        extension_type: ExtensionType::LAST_RESORT,
        extension_data: VarBytes::default(),
    }
}

/// Whether a key package carries the `last_resort` extension, so that its owner keeps it
/// after a join.
pub fn is_last_resort(key_package: &KeyPackage) -> bool {
    key_package
        .extensions
        .iter()
        .any(|extension| extension.extension_type == ExtensionType::LAST_RESORT)
}

/// `KeyPackageRef` of a key package (RFC 9420 §5.2).
pub fn key_package_ref(
    suite: &dyn CipherSuiteProvider,
    key_package: &KeyPackage,
) -> Result<KeyPackageRef, GroupError> {
    Ok(VarBytes(make_key_package_ref(
        suite,
        &key_package.to_bytes()?,
    )?))
}

/// Why a key package is invalid on its own (RFC 9420 §10.1).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum KeyPackageError {
    /// The key package is not of MLS 1.0.
    #[error("key package of protocol version {0:?}")]
    UnsupportedVersion(ProtocolVersion),
    /// The key package is for another cipher suite than the one it is checked in.
    #[error("key package of cipher suite {found:?} where {expected:?} was expected")]
    CipherSuiteMismatch {
        /// The suite it is checked in.
        expected: CipherSuite,
        /// The key package's.
        found: CipherSuite,
    },
    /// The key package's signature does not verify.
    #[error("the key package signature does not verify")]
    InvalidSignature,
    /// The init key equals the leaf's encryption key.
    #[error("the key package's init key equals its encryption key")]
    InitKeyIsEncryptionKey,
    /// The leaf node's source is not `key_package` (§7.3).
    #[error("the key package's leaf node is not of source key_package")]
    WrongLeafNodeSource,
    /// The leaf node's signature does not verify (§7.3).
    #[error("the key package's leaf node signature does not verify")]
    InvalidLeafNodeSignature,
    /// The leaf node's lifetime does not cover the current time (§7.3).
    #[error("the key package's lifetime has expired or not begun")]
    LifetimeExpired,
    /// The key package could not be encoded for its signature check.
    #[error(transparent)]
    Codec(#[from] mls_codec::CodecError),
}

/// Checks the parts of a received key package that do not depend on a group (RFC 9420
/// §10.1): version, cipher suite, the signature, init key distinct from the encryption key,
/// the leaf node's source, signature and lifetime (`now` in seconds since the Unix epoch;
/// `None` skips the lifetime check).
pub fn validate_key_package(
    suite: &dyn CipherSuiteProvider,
    key_package: &KeyPackage,
    now: Option<u64>,
) -> Result<(), KeyPackageError> {
    if key_package.version != ProtocolVersion::MLS10 {
        return Err(KeyPackageError::UnsupportedVersion(key_package.version));
    }
    if key_package.cipher_suite != suite.cipher_suite() {
        return Err(KeyPackageError::CipherSuiteMismatch {
            expected: suite.cipher_suite(),
            found: key_package.cipher_suite,
        });
    }
    let leaf = &key_package.leaf_node;
    verify_with_label(
        suite,
        &leaf.signature_key,
        KEY_PACKAGE_TBS_LABEL,
        &key_package.to_tbs().to_bytes()?,
        &key_package.signature,
    )
    .map_err(|_| KeyPackageError::InvalidSignature)?;
    if key_package.init_key == leaf.encryption_key {
        return Err(KeyPackageError::InitKeyIsEncryptionKey);
    }
    let LeafNodeSourceData::KeyPackage(lifetime) = &leaf.leaf_node_source else {
        return Err(KeyPackageError::WrongLeafNodeSource);
    };
    verify_leaf_node_signature(suite, leaf, &[], LeafIndex(0))
        .map_err(|_| KeyPackageError::InvalidLeafNodeSignature)?;
    if let Some(now) = now
        && !(lifetime.not_before <= now && now <= lifetime.not_after)
    {
        return Err(KeyPackageError::LifetimeExpired);
    }
    Ok(())
}

#[cfg(test)]
mod grease_tests {
    use super::*;
    use mls_crypto::CryptoProvider;
    use mls_crypto_rustcrypto::RustCryptoProvider;

    #[test]
    fn grease_values_are_the_reserved_ones() {
        let all: Vec<u8> = (0..=255).collect();
        assert!(grease_values(&all).all(|v| mls_codec::is_grease(u64::from(v))));
    }

    fn key_package(grease: Grease) -> KeyPackage {
        let provider = RustCryptoProvider;
        let suite = provider.suite(CipherSuite(1)).unwrap();
        let keys = suite.generate_signature_key_pair().unwrap();
        let signer = suite.signer(&keys.private_key).unwrap();
        let credential = Credential::Basic {
            identity: VarBytes::from(b"grease"),
        };
        let mut options = KeyPackageOptions::new(CipherSuite(1), 1_000_000, 1000);
        options.grease = grease;
        let bundle = create_key_package(suite, &*signer, credential, options).unwrap();
        validate_key_package(suite, &bundle.key_package, Some(1_000_000)).unwrap();
        bundle.key_package
    }

    fn has_grease_extension(extensions: &[Extension]) -> bool {
        extensions.iter().any(|e| e.extension_type.is_grease())
    }

    fn has_grease_capabilities(kp: &KeyPackage) -> bool {
        let caps = &kp.leaf_node.capabilities;
        caps.cipher_suites.iter().any(|c| c.is_grease())
            && caps.extensions.iter().any(|e| e.is_grease())
            && caps.proposals.iter().any(|p| p.is_grease())
            && caps.credentials.iter().any(|c| c.is_grease())
    }

    #[test]
    fn by_default_grease_is_in_the_capabilities_only() {
        let kp = key_package(Grease::default());
        assert!(has_grease_capabilities(&kp));
        assert!(!has_grease_extension(&kp.extensions));
        assert!(!has_grease_extension(&kp.leaf_node.extensions));
    }

    #[test]
    fn without_grease_nothing_is_added() {
        let kp = key_package(Grease::Off);
        let caps = &kp.leaf_node.capabilities;
        assert_eq!(caps.cipher_suites, vec![CipherSuite(1)]);
        assert!(caps.extensions.is_empty() && caps.proposals.is_empty());
        assert_eq!(caps.credentials, vec![mls_codec::CredentialType::BASIC]);
        assert!(kp.extensions.is_empty() && kp.leaf_node.extensions.is_empty());
    }

    /// RFC 9420 §10: "Extensions included in the extensions or leaf_node.extensions fields
    /// MUST be included in the leaf_node.capabilities field".
    #[test]
    fn full_grease_extensions_are_listed_in_the_capabilities() {
        for _ in 0..20 {
            let kp = key_package(Grease::Full);
            assert!(has_grease_capabilities(&kp));
            assert!(has_grease_extension(&kp.extensions));
            assert!(has_grease_extension(&kp.leaf_node.extensions));
            let listed = &kp.leaf_node.capabilities.extensions;
            for extension in kp.extensions.iter().chain(&kp.leaf_node.extensions) {
                assert!(listed.contains(&extension.extension_type));
            }
        }
    }
}
