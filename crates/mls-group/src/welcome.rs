//! GroupInfo signatures (RFC 9420 §12.4.3) and Welcome messages (§12.4.3.1): building them
//! for new members, and the joiner's side of opening one.
//!
//! A joiner opens a Welcome in two steps, because the PSKs it names must be resolved in
//! between:
//!
//! 1. [`decrypt_group_secrets`] finds the entry for our key package by its KeyPackageRef and
//!    decrypts the GroupSecrets with our init private key;
//! 2. the caller computes the psk_secret of [`JoinerGroupSecrets::psks`] (the all-zero secret,
//!    `mls_key_schedule::zero_secret`, when there are none) and [`decrypt_group_info`]
//!    decrypts the GroupInfo with the welcome key and nonce.
//!
//! The GroupInfo's signature is then checked with [`verify_group_info`] against the signer's
//! leaf in the ratchet tree.

use mls_codec::{
    Decode, Encode, EncryptedGroupSecrets, GroupInfo, GroupInfoTbs, GroupSecrets, HpkeCiphertext,
    KeyPackage, PathSecret, PreSharedKeyId, ProtocolVersion, VarBytes, Welcome,
};
use mls_crypto::{
    CipherSuiteProvider, HpkePrivateKey, Secret, Signer, VerifyingKey, Zeroizing,
    decrypt_with_label, encrypt_with_label_many, sign_with_label, verify_with_label_concat,
};
use mls_key_schedule::{JoinerSecret, WelcomeSecret};
use zeroize::Zeroize;

use crate::GroupError;
use crate::key_package::key_package_ref;

/// The label of a GroupInfo's signature (RFC 9420 §12.4.3).
const GROUP_INFO_TBS_LABEL: &str = "GroupInfoTBS";

/// The label of EncryptWithLabel for GroupSecrets (RFC 9420 §12.4.3.1).
const WELCOME_LABEL: &str = "Welcome";

/// Signs a GroupInfo (RFC 9420 §12.4.3): `signature = SignWithLabel(., "GroupInfoTBS",
/// GroupInfoTBS)` with the signer's key; `tbs.signer` must be the signer's leaf index.
pub fn sign_group_info(signer: &dyn Signer, tbs: GroupInfoTbs) -> Result<GroupInfo, GroupError> {
    let signature = sign_with_label(signer, GROUP_INFO_TBS_LABEL, &tbs.to_bytes()?)?;
    let GroupInfoTbs {
        group_context,
        extensions,
        confirmation_tag,
        signer,
    } = tbs;
    Ok(GroupInfo {
        group_context,
        extensions,
        confirmation_tag,
        signer,
        signature: VarBytes(signature),
    })
}

/// Verifies a GroupInfo's signature (RFC 9420 §12.4.3) with `signer_key`, the signature key
/// of the leaf `group_info.signer`; [`GroupError::InvalidGroupInfoSignature`] otherwise.
pub fn verify_group_info(
    suite: &dyn CipherSuiteProvider,
    group_info: &GroupInfo,
    signer_key: &[u8],
) -> Result<(), GroupError> {
    let mut tbs = Vec::new();
    group_info.encode_tbs(&mut tbs)?;
    verify_with_label_concat(
        suite,
        &VerifyingKey::unparsed(signer_key),
        GROUP_INFO_TBS_LABEL,
        &[&tbs],
        &group_info.signature,
    )
    .map_err(|_| GroupError::InvalidGroupInfoSignature)
}

/// A new member of a Welcome: its key package and, if the commit had a path, the path secret
/// of the lowest common ancestor of the committer and the new member (RFC 9420 §12.4.3.1).
#[derive(Debug, Clone, Copy)]
pub struct NewMemberSecrets<'a> {
    /// The new member's key package, already validated (§10.1) when its Add was.
    pub key_package: &'a KeyPackage,
    /// The path secret for this member, or `None` for a commit without a path.
    pub path_secret: Option<&'a Secret>,
}

/// GroupSecrets whose secret fields are wiped when dropped.
struct ZeroizingGroupSecrets(GroupSecrets);

impl Drop for ZeroizingGroupSecrets {
    fn drop(&mut self) {
        self.0.joiner_secret.0.zeroize();
        if let Some(path_secret) = &mut self.0.path_secret {
            path_secret.path_secret.0.zeroize();
        }
    }
}

/// Fails unless `suite` is the provider of the cipher suite `found` of some structure.
fn check_suite(
    suite: &dyn CipherSuiteProvider,
    found: mls_codec::CipherSuite,
) -> Result<(), GroupError> {
    if found == suite.cipher_suite() {
        Ok(())
    } else {
        Err(GroupError::CipherSuiteMismatch {
            expected: suite.cipher_suite(),
            found,
        })
    }
}

/// The welcome_key and welcome_nonce of RFC 9420 §12.4.3.1.
fn welcome_key_nonce(
    suite: &dyn CipherSuiteProvider,
    joiner_secret: &JoinerSecret,
    psk_secret: &Secret,
) -> Result<(Secret, Secret), GroupError> {
    let welcome_secret = WelcomeSecret::from_joiner_secret(suite, joiner_secret, psk_secret)?;
    Ok((welcome_secret.key(suite)?, welcome_secret.nonce(suite)?))
}

/// The encoded `GroupSecrets { joiner_secret, path_secret, psks }` of one new member
/// (RFC 9420 §12.4.3.1), after checking that its key package is of `suite`; wiped when dropped.
fn group_secrets_plaintext(
    suite: &dyn CipherSuiteProvider,
    member: &NewMemberSecrets<'_>,
    joiner_secret: &JoinerSecret,
    psks: &[PreSharedKeyId],
) -> Result<Zeroizing<Vec<u8>>, GroupError> {
    check_suite(suite, member.key_package.cipher_suite)?;
    let group_secrets = ZeroizingGroupSecrets(GroupSecrets {
        joiner_secret: VarBytes(joiner_secret.as_secret().as_bytes().to_vec()),
        path_secret: member.path_secret.map(|secret| PathSecret {
            path_secret: VarBytes(secret.as_bytes().to_vec()),
        }),
        psks: psks.to_vec(),
    });
    // Room for the secrets and their length headers, so that the buffer holding them is
    // not reallocated (which would leave copies behind).
    let mut plaintext = Zeroizing::new(Vec::with_capacity(
        2 * suite.hash_len() + 16 + psks.len() * (3 * suite.hash_len() + 32),
    ));
    group_secrets.0.encode(&mut plaintext)?;
    Ok(plaintext)
}

/// Builds a Welcome for new members (RFC 9420 §12.4.3.1): the GroupInfo encrypted with the
/// welcome_key and welcome_nonce derived from `joiner_secret` and `psk_secret` (the all-zero
/// secret without PSKs), and for each new member, in order, `GroupSecrets { joiner_secret,
/// path_secret, psks }` encrypted with `EncryptWithLabel(init_key, "Welcome",
/// encrypted_group_info, .)` and indexed by the KeyPackageRef of its key package.
///
/// `psks` are the PreSharedKeyIDs of the new epoch, in the commit's order, from which
/// `psk_secret` was computed. The GroupInfo and every key package must be of `suite`.
pub fn build_welcome(
    suite: &dyn CipherSuiteProvider,
    group_info: &GroupInfo,
    joiner_secret: &JoinerSecret,
    psk_secret: &Secret,
    psks: &[PreSharedKeyId],
    new_members: &[NewMemberSecrets<'_>],
) -> Result<Welcome, GroupError> {
    let found = group_info.group_context.cipher_suite;
    if found != suite.cipher_suite() {
        return Err(GroupError::GroupInfoCipherSuiteMismatch {
            expected: suite.cipher_suite(),
            found,
        });
    }
    let (key, nonce) = welcome_key_nonce(suite, joiner_secret, psk_secret)?;
    let encrypted_group_info = suite.aead_seal(
        key.as_bytes(),
        nonce.as_bytes(),
        &[],
        &group_info.to_bytes()?,
    )?;
    // Every member's suite check, GroupSecrets and KeyPackageRef first; then the
    // EncryptWithLabel of every member in one batch, which hashes the (large) encrypted
    // GroupInfo once rather than once per member (RFC 9180 §5.1).
    let plaintexts = new_members
        .iter()
        .map(|member| group_secrets_plaintext(suite, member, joiner_secret, psks))
        .collect::<Result<Vec<_>, _>>()?;
    let refs = new_members
        .iter()
        .map(|member| key_package_ref(suite, member.key_package))
        .collect::<Result<Vec<_>, _>>()?;
    let recipients: Vec<(&[u8], &[u8])> = new_members
        .iter()
        .zip(&plaintexts)
        .map(|(member, plaintext)| (&member.key_package.init_key[..], plaintext.as_slice()))
        .collect();
    let sealed = encrypt_with_label_many(suite, WELCOME_LABEL, &encrypted_group_info, &recipients)?;
    let secrets = refs
        .into_iter()
        .zip(sealed)
        .map(|(new_member, sealed)| EncryptedGroupSecrets {
            new_member,
            encrypted_group_secrets: HpkeCiphertext {
                kem_output: VarBytes(sealed.kem_output),
                ciphertext: VarBytes(sealed.ciphertext),
            },
        })
        .collect();
    Ok(Welcome {
        cipher_suite: suite.cipher_suite(),
        secrets,
        encrypted_group_info: VarBytes(encrypted_group_info),
    })
}

/// The GroupSecrets a joiner decrypted from a Welcome (RFC 9420 §12.4.3.1), its secrets in
/// types that are wiped on drop.
#[derive(Debug)]
pub struct JoinerGroupSecrets {
    /// The joiner_secret of the epoch being joined.
    pub joiner_secret: JoinerSecret,
    /// The path secret at the lowest common ancestor of the committer and the joiner, if the
    /// commit had a path.
    pub path_secret: Option<Secret>,
    /// The PSKs the joiner must have to compute the psk_secret, in order (§8.4).
    pub psks: Vec<PreSharedKeyId>,
}

/// The joiner's first step (RFC 9420 §12.4.3.1): finds the EncryptedGroupSecrets for
/// `key_package` by its KeyPackageRef and decrypts them with `init_private_key`, the private
/// key of its init_key.
///
/// Errors: [`GroupError::CipherSuiteMismatch`] if the Welcome is not of the key package's
/// suite (or `suite` is of neither), [`GroupError::NoWelcomeSecretsForKeyPackage`] if no
/// entry names our key package, [`GroupError::GroupSecretsDecryptionFailed`] if HPKE
/// decryption fails, [`GroupError::Codec`] if the GroupSecrets are malformed and
/// [`GroupError::KeySchedule`] if the joiner_secret is not `KDF.Nh` bytes.
pub fn decrypt_group_secrets(
    suite: &dyn CipherSuiteProvider,
    welcome: &Welcome,
    key_package: &KeyPackage,
    init_private_key: &HpkePrivateKey,
) -> Result<JoinerGroupSecrets, GroupError> {
    check_suite(suite, key_package.cipher_suite)?;
    check_suite(suite, welcome.cipher_suite)?;
    let our_ref = key_package_ref(suite, key_package)?;
    let entry = welcome
        .secrets
        .iter()
        .find(|entry| entry.new_member == our_ref)
        .ok_or(GroupError::NoWelcomeSecretsForKeyPackage)?;
    let plaintext = decrypt_with_label(
        suite,
        init_private_key,
        WELCOME_LABEL,
        &welcome.encrypted_group_info,
        &entry.encrypted_group_secrets.kem_output,
        &entry.encrypted_group_secrets.ciphertext,
    )
    .map_err(|_| GroupError::GroupSecretsDecryptionFailed)?;
    let mut group_secrets = ZeroizingGroupSecrets(GroupSecrets::from_bytes(&plaintext)?);
    let joiner_secret = JoinerSecret::from_bytes(suite, &group_secrets.0.joiner_secret)?;
    let path_secret = group_secrets
        .0
        .path_secret
        .as_ref()
        .map(|path| Secret::from_slice(&path.path_secret));
    Ok(JoinerGroupSecrets {
        joiner_secret,
        path_secret,
        psks: std::mem::take(&mut group_secrets.0.psks),
    })
}

/// The joiner's second step (RFC 9420 §12.4.3.1): derives the welcome_key and welcome_nonce
/// from the joiner_secret and the psk_secret of the Welcome's PSKs (the all-zero secret
/// without PSKs), decrypts the GroupInfo and checks that it is of the Welcome's cipher suite
/// and protocol version.
///
/// The GroupInfo's signature is not checked here: the signer's key is in the ratchet tree,
/// see [`verify_group_info`].
///
/// Errors: [`GroupError::GroupInfoDecryptionFailed`] if the AEAD fails (a wrong joiner or psk
/// secret, or a tampered ciphertext), [`GroupError::GroupInfoCipherSuiteMismatch`] and
/// [`GroupError::UnsupportedVersion`] for a GroupInfo of another suite or version.
pub fn decrypt_group_info(
    suite: &dyn CipherSuiteProvider,
    welcome: &Welcome,
    joiner_secret: &JoinerSecret,
    psk_secret: &Secret,
) -> Result<GroupInfo, GroupError> {
    check_suite(suite, welcome.cipher_suite)?;
    let (key, nonce) = welcome_key_nonce(suite, joiner_secret, psk_secret)?;
    let plaintext = suite
        .aead_open(
            key.as_bytes(),
            nonce.as_bytes(),
            &[],
            &welcome.encrypted_group_info,
        )
        .map_err(|_| GroupError::GroupInfoDecryptionFailed)?;
    let group_info = GroupInfo::from_bytes(&plaintext)?;
    let context = &group_info.group_context;
    if context.cipher_suite != welcome.cipher_suite {
        return Err(GroupError::GroupInfoCipherSuiteMismatch {
            expected: welcome.cipher_suite,
            found: context.cipher_suite,
        });
    }
    if context.version != ProtocolVersion::MLS10 {
        return Err(GroupError::UnsupportedVersion(context.version));
    }
    Ok(group_info)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::key_package::{KeyPackageBundle, KeyPackageOptions, create_key_package};
    use mls_codec::{CipherSuite, Credential, GroupContext, Psk};
    use mls_crypto::{CryptoError, CryptoProvider};
    use mls_crypto_rustcrypto::RustCryptoProvider;
    use mls_key_schedule::zero_secret;

    fn suite() -> &'static dyn CipherSuiteProvider {
        static PROVIDER: RustCryptoProvider = RustCryptoProvider::new();
        PROVIDER
            .suite(CipherSuite::MLS_128_DHKEMX25519_AES128GCM_SHA256_ED25519)
            .unwrap()
    }

    fn key_package(name: &str) -> KeyPackageBundle {
        let suite = suite();
        let keys = suite.generate_signature_key_pair().unwrap();
        let signer = suite.signer(&keys.private_key).unwrap();
        create_key_package(
            suite,
            &*signer,
            Credential::Basic {
                identity: VarBytes::from(name.as_bytes()),
            },
            KeyPackageOptions::new(suite.cipher_suite(), 1_700_000_000, 86_400),
        )
        .unwrap()
    }

    /// A GroupInfo of `cipher_suite` signed by a fresh key; returns it and the key.
    fn group_info(cipher_suite: CipherSuite) -> (GroupInfo, Vec<u8>) {
        let suite = suite();
        let keys = suite.generate_signature_key_pair().unwrap();
        let signer = suite.signer(&keys.private_key).unwrap();
        let tbs = GroupInfoTbs {
            group_context: GroupContext {
                version: ProtocolVersion::MLS10,
                cipher_suite,
                group_id: VarBytes::from(&b"group"[..]),
                epoch: 7,
                tree_hash: VarBytes(vec![1; 32]),
                confirmed_transcript_hash: VarBytes(vec![2; 32]),
                extensions: vec![],
            },
            extensions: vec![],
            confirmation_tag: VarBytes(vec![3; 32]),
            signer: 0,
        };
        (sign_group_info(&*signer, tbs).unwrap(), keys.public_key)
    }

    fn joiner_secret() -> JoinerSecret {
        JoinerSecret::from_bytes(suite(), &[9; 32]).unwrap()
    }

    struct Fixture {
        alice: KeyPackageBundle,
        bob: KeyPackageBundle,
        group_info: GroupInfo,
        signer_key: Vec<u8>,
        welcome: Welcome,
    }

    fn fixture() -> Fixture {
        let suite = suite();
        let alice = key_package("alice");
        let bob = key_package("bob");
        let (group_info, signer_key) = group_info(suite.cipher_suite());
        let path_secret = Secret::new(vec![5; 32]);
        let welcome = build_welcome(
            suite,
            &group_info,
            &joiner_secret(),
            &zero_secret(suite),
            &[],
            &[
                NewMemberSecrets {
                    key_package: &alice.key_package,
                    path_secret: Some(&path_secret),
                },
                NewMemberSecrets {
                    key_package: &bob.key_package,
                    path_secret: None,
                },
            ],
        )
        .unwrap();
        Fixture {
            alice,
            bob,
            group_info,
            signer_key,
            welcome,
        }
    }

    #[test]
    fn each_new_member_opens_the_welcome() {
        let suite = suite();
        let f = fixture();
        // The Welcome survives the wire.
        let welcome = Welcome::from_bytes(&f.welcome.to_bytes().unwrap()).unwrap();
        assert_eq!(welcome.secrets.len(), 2);
        for (bundle, path_secret) in [(&f.alice, Some(vec![5; 32])), (&f.bob, None)] {
            let secrets = decrypt_group_secrets(
                suite,
                &welcome,
                &bundle.key_package,
                &bundle.init_private_key,
            )
            .unwrap();
            assert_eq!(secrets.joiner_secret, joiner_secret());
            assert_eq!(
                secrets.path_secret,
                path_secret.map(Secret::new),
                "path secret"
            );
            assert!(secrets.psks.is_empty());
            let group_info =
                decrypt_group_info(suite, &welcome, &secrets.joiner_secret, &zero_secret(suite))
                    .unwrap();
            assert_eq!(group_info, f.group_info);
            verify_group_info(suite, &group_info, &f.signer_key).unwrap();
        }
    }

    #[test]
    fn psks_are_carried_and_bind_the_group_info() {
        let suite = suite();
        let alice = key_package("alice");
        let (group_info, _) = group_info(suite.cipher_suite());
        let psks = vec![PreSharedKeyId {
            psk: Psk::External {
                psk_id: VarBytes::from(&b"psk"[..]),
            },
            psk_nonce: VarBytes(vec![4; 32]),
        }];
        let psk_secret = Secret::new(vec![6; 32]);
        let welcome = build_welcome(
            suite,
            &group_info,
            &joiner_secret(),
            &psk_secret,
            &psks,
            &[NewMemberSecrets {
                key_package: &alice.key_package,
                path_secret: None,
            }],
        )
        .unwrap();
        let secrets =
            decrypt_group_secrets(suite, &welcome, &alice.key_package, &alice.init_private_key)
                .unwrap();
        assert_eq!(secrets.psks, psks);
        assert!(matches!(
            decrypt_group_info(suite, &welcome, &secrets.joiner_secret, &zero_secret(suite)),
            Err(GroupError::GroupInfoDecryptionFailed)
        ));
        let opened =
            decrypt_group_info(suite, &welcome, &secrets.joiner_secret, &psk_secret).unwrap();
        assert_eq!(opened, group_info);
    }

    #[test]
    fn a_key_package_not_in_the_welcome_is_rejected() {
        let suite = suite();
        let f = fixture();
        let carol = key_package("carol");
        assert!(matches!(
            decrypt_group_secrets(
                suite,
                &f.welcome,
                &carol.key_package,
                &carol.init_private_key
            ),
            Err(GroupError::NoWelcomeSecretsForKeyPackage)
        ));
    }

    #[test]
    fn a_wrong_init_key_is_rejected() {
        let suite = suite();
        let f = fixture();
        assert!(matches!(
            decrypt_group_secrets(
                suite,
                &f.welcome,
                &f.alice.key_package,
                &f.bob.init_private_key
            ),
            Err(GroupError::GroupSecretsDecryptionFailed)
        ));
    }

    #[test]
    fn a_tampered_encrypted_group_info_is_rejected() {
        let suite = suite();
        let f = fixture();
        let secrets = decrypt_group_secrets(
            suite,
            &f.welcome,
            &f.alice.key_package,
            &f.alice.init_private_key,
        )
        .unwrap();
        let mut tampered = f.welcome.clone();
        tampered.encrypted_group_info.0[0] ^= 1;
        assert!(matches!(
            decrypt_group_info(
                suite,
                &tampered,
                &secrets.joiner_secret,
                &zero_secret(suite)
            ),
            Err(GroupError::GroupInfoDecryptionFailed)
        ));
        // The group secrets are bound to the encrypted GroupInfo too (their HPKE context).
        assert!(matches!(
            decrypt_group_secrets(
                suite,
                &tampered,
                &f.alice.key_package,
                &f.alice.init_private_key
            ),
            Err(GroupError::GroupSecretsDecryptionFailed)
        ));
    }

    #[test]
    fn a_group_info_signed_by_another_key_is_rejected() {
        let suite = suite();
        let f = fixture();
        let (other, _) = group_info(suite.cipher_suite());
        let forged = GroupInfo {
            signature: other.signature,
            ..f.group_info.clone()
        };
        assert!(matches!(
            verify_group_info(suite, &forged, &f.signer_key),
            Err(GroupError::InvalidGroupInfoSignature)
        ));
        let other_key = suite.generate_signature_key_pair().unwrap().public_key;
        assert!(matches!(
            verify_group_info(suite, &f.group_info, &other_key),
            Err(GroupError::InvalidGroupInfoSignature)
        ));
    }

    #[test]
    fn a_group_info_of_another_suite_is_rejected() {
        let suite = suite();
        let alice = key_package("alice");
        let (group_info, _) = group_info(CipherSuite::MLS_128_DHKEMP256_AES128GCM_SHA256_P256);
        assert!(matches!(
            build_welcome(
                suite,
                &group_info,
                &joiner_secret(),
                &zero_secret(suite),
                &[],
                &[]
            ),
            Err(GroupError::GroupInfoCipherSuiteMismatch { .. })
        ));
        // A sender that does not check: seal it by hand.
        let (key, nonce) = welcome_key_nonce(suite, &joiner_secret(), &zero_secret(suite)).unwrap();
        let sealed = suite
            .aead_seal(
                key.as_bytes(),
                nonce.as_bytes(),
                &[],
                &group_info.to_bytes().unwrap(),
            )
            .unwrap();
        let welcome = Welcome {
            cipher_suite: suite.cipher_suite(),
            secrets: vec![],
            encrypted_group_info: VarBytes(sealed),
        };
        assert!(matches!(
            decrypt_group_info(suite, &welcome, &joiner_secret(), &zero_secret(suite)),
            Err(GroupError::GroupInfoCipherSuiteMismatch { .. })
        ));
        // A Welcome of another suite than our key package's.
        let other_suite = Welcome {
            cipher_suite: CipherSuite::MLS_128_DHKEMP256_AES128GCM_SHA256_P256,
            ..welcome
        };
        assert!(matches!(
            decrypt_group_secrets(
                suite,
                &other_suite,
                &alice.key_package,
                &alice.init_private_key
            ),
            Err(GroupError::CipherSuiteMismatch { .. })
        ));
    }

    #[test]
    fn entries_follow_the_members_and_checks_come_before_encryption() {
        let suite = suite();
        let (group_info, _) = group_info(suite.cipher_suite());
        let bundles: Vec<KeyPackageBundle> = ["a", "b", "c", "d"].map(key_package).into();
        let build = |key_packages: &[&KeyPackage]| {
            let members: Vec<NewMemberSecrets<'_>> = key_packages
                .iter()
                .map(|&key_package| NewMemberSecrets {
                    key_package,
                    path_secret: None,
                })
                .collect();
            build_welcome(
                suite,
                &group_info,
                &joiner_secret(),
                &zero_secret(suite),
                &[],
                &members,
            )
        };

        // One entry per member, in order, each opened by its member.
        let all: Vec<&KeyPackage> = bundles.iter().map(|b| &b.key_package).collect();
        let welcome = build(&all).unwrap();
        assert_eq!(welcome.secrets.len(), bundles.len());
        for (entry, bundle) in welcome.secrets.iter().zip(&bundles) {
            assert_eq!(
                entry.new_member,
                key_package_ref(suite, &bundle.key_package).unwrap()
            );
            decrypt_group_secrets(
                suite,
                &welcome,
                &bundle.key_package,
                &bundle.init_private_key,
            )
            .unwrap();
        }
        assert!(build(&[]).unwrap().secrets.is_empty());

        let mut bad_init_key = bundles[1].key_package.clone();
        bad_init_key.init_key = VarBytes(vec![7; 31]);
        let mut other_suite = bundles[2].key_package.clone();
        other_suite.cipher_suite = CipherSuite::MLS_128_DHKEMP256_AES128GCM_SHA256_P256;
        let (a, d) = (&bundles[0].key_package, &bundles[3].key_package);
        // A member of another suite is refused before anyone's GroupSecrets are encrypted.
        assert!(matches!(
            build(&[a, &bad_init_key, &other_suite, d]),
            Err(GroupError::CipherSuiteMismatch { .. })
        ));
        assert!(matches!(
            build(&[a, &other_suite, &bad_init_key, d]),
            Err(GroupError::CipherSuiteMismatch { .. })
        ));
        assert!(matches!(
            build(&[a, d, &bad_init_key]),
            Err(GroupError::Crypto(CryptoError::InvalidPublicKey))
        ));
    }

    #[test]
    fn malformed_entries_do_not_panic() {
        let suite = suite();
        let mut f = fixture();
        f.welcome.secrets[0].encrypted_group_secrets.kem_output = VarBytes(vec![]);
        f.welcome.secrets[1].encrypted_group_secrets.ciphertext = VarBytes(vec![1]);
        for bundle in [&f.alice, &f.bob] {
            assert!(matches!(
                decrypt_group_secrets(
                    suite,
                    &f.welcome,
                    &bundle.key_package,
                    &bundle.init_private_key
                ),
                Err(GroupError::GroupSecretsDecryptionFailed)
            ));
        }
        let empty = Welcome {
            encrypted_group_info: VarBytes(vec![]),
            ..f.welcome
        };
        assert!(matches!(
            decrypt_group_info(suite, &empty, &joiner_secret(), &zero_secret(suite)),
            Err(GroupError::GroupInfoDecryptionFailed)
        ));
    }
}
