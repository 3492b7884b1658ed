//! Unit tests of every supported suite: round trips, tampering, determinism.

use mls_crypto::CipherSuite;
use mls_crypto::{
    CipherSuiteProvider, CryptoError, CryptoProvider, HpkePrivateKey, SignaturePrivateKey,
    VerifyingKey, labeled,
};

use crate::RustCryptoProvider;

fn suites() -> Vec<&'static dyn CipherSuiteProvider> {
    static PROVIDER: RustCryptoProvider = RustCryptoProvider::new();
    PROVIDER
        .supported_suites()
        .iter()
        .map(|cs| PROVIDER.suite(*cs).unwrap())
        .collect()
}

fn flip_last_bit(bytes: &[u8]) -> Vec<u8> {
    let mut bytes = bytes.to_vec();
    *bytes.last_mut().unwrap() ^= 1;
    bytes
}

#[test]
fn supports_exactly_the_rfc_suites_of_its_features() {
    let provider = RustCryptoProvider::new();
    let mut supported: Vec<u16> = provider.supported_suites().iter().map(|cs| cs.0).collect();
    // The post-quantum suites of the `pq` feature are checked in `pq_tests`.
    supported.retain(|&cs| {
        mls_crypto::CipherSuiteParams::provisional()
            .iter()
            .all(|p| p.cipher_suite.0 != cs)
    });
    supported.sort_unstable();
    #[cfg(feature = "curve448")]
    let (expected, unsupported) = (vec![1, 2, 3, 4, 5, 6, 7], vec![0u16, 8, 0x0a0a]);
    #[cfg(not(feature = "curve448"))]
    let (expected, unsupported) = (vec![1, 2, 3, 5, 7], vec![0u16, 4, 6, 8, 0x0a0a]);
    assert_eq!(supported, expected);
    for value in unsupported {
        let cs = CipherSuite(value);
        assert!(!provider.supports(cs));
        assert_eq!(
            provider.suite(cs).err(),
            Some(CryptoError::UnsupportedCipherSuite(cs))
        );
    }
    for suite in suites() {
        assert!(provider.supports(suite.cipher_suite()));
    }
}

#[test]
fn output_lengths_follow_the_suite_parameters() {
    for suite in suites() {
        let params = *suite.params();
        assert_eq!(suite.hash(b"x").len(), params.hash_len());
        assert_eq!(suite.mac(b"k", b"x").len(), params.hash_len());
        assert_eq!(suite.kdf_extract(b"salt", b"ikm").len(), params.hash_len());
        let keys = suite.derive_hpke_key_pair(&[3; 32]).unwrap();
        assert_eq!(keys.public_key.len(), params.kem.public_key_len());
        assert_eq!(keys.private_key.len(), params.kem.private_key_len());
        let sealed = suite.hpke_seal(&keys.public_key, b"", b"", b"pt").unwrap();
        assert_eq!(sealed.kem_output.len(), params.kem.enc_len());
        assert_eq!(sealed.ciphertext.len(), 2 + params.aead.tag_len());
    }
}

#[test]
fn sign_verify_round_trip_and_tampering_is_rejected() {
    for suite in suites() {
        let keys = suite.generate_signature_key_pair().unwrap();
        let signer = suite.signer(&keys.private_key).unwrap();
        assert_eq!(signer.public_key(), keys.public_key.as_slice());
        assert_eq!(signer.signature_scheme(), suite.params().signature_scheme);
        let signature = signer.sign(b"message").unwrap();
        suite
            .verify(&keys.public_key, b"message", &signature)
            .unwrap();
        // A second signature with the same signer verifies too.
        let again = signer.sign(b"message").unwrap();
        suite.verify(&keys.public_key, b"message", &again).unwrap();

        let cs = suite.cipher_suite();
        assert_eq!(
            suite.verify(&keys.public_key, b"messagf", &signature),
            Err(CryptoError::InvalidSignature),
            "{cs:?}: other message"
        );
        assert!(
            suite
                .verify(&keys.public_key, b"message", &flip_last_bit(&signature))
                .is_err(),
            "{cs:?}: tampered signature"
        );
        assert!(
            suite.verify(&keys.public_key, b"message", &[]).is_err(),
            "{cs:?}: empty signature"
        );
        let other = suite.generate_signature_key_pair().unwrap();
        assert_eq!(
            suite.verify(&other.public_key, b"message", &signature),
            Err(CryptoError::InvalidSignature),
            "{cs:?}: other key"
        );
        assert_eq!(
            suite.verify(&keys.public_key[1..], b"message", &signature),
            Err(CryptoError::InvalidPublicKey),
            "{cs:?}: truncated key"
        );
    }
}

#[test]
fn signer_from_a_stored_private_key_matches() {
    for suite in suites() {
        let keys = suite.generate_signature_key_pair().unwrap();
        let stored = SignaturePrivateKey::from_slice(keys.private_key.as_bytes());
        let signer = suite.signer(&stored).unwrap();
        assert_eq!(signer.public_key(), keys.public_key.as_slice());
        assert!(suite.signer(&SignaturePrivateKey::default()).is_err());
    }
}

#[test]
fn ecdsa_public_keys_are_uncompressed_and_compressed_ones_are_refused() {
    for suite in suites() {
        use mls_crypto::SignatureScheme::*;
        let keys = suite.generate_signature_key_pair().unwrap();
        if !matches!(
            suite.params().signature_scheme,
            EcdsaSecp256r1Sha256 | EcdsaSecp384r1Sha384 | EcdsaSecp521r1Sha512
        ) {
            continue; // Ed25519, Ed448, ML-DSA
        }
        assert_eq!(keys.public_key[0], 0x04);
        let field_len = (keys.public_key.len() - 1) / 2;
        let y_is_odd = keys.public_key.last().unwrap() & 1;
        let mut compressed = vec![0x02 | y_is_odd];
        compressed.extend_from_slice(&keys.public_key[1..=field_len]);
        let signature = suite.signer(&keys.private_key).unwrap().sign(b"m").unwrap();
        assert_eq!(
            suite.verify(&compressed, b"m", &signature),
            Err(CryptoError::InvalidPublicKey)
        );
    }
}

#[test]
fn aead_round_trip_and_tampering_is_rejected() {
    for suite in suites() {
        let params = suite.params();
        let key = suite.random_bytes(params.aead_key_len()).unwrap();
        let nonce = suite.random_bytes(params.aead_nonce_len()).unwrap();
        let ciphertext = suite.aead_seal(&key, &nonce, b"aad", b"plaintext").unwrap();
        let opened = suite.aead_open(&key, &nonce, b"aad", &ciphertext).unwrap();
        assert_eq!(opened.as_slice(), b"plaintext");

        let fail = Err(CryptoError::AeadDecryptFailed);
        assert_eq!(
            suite.aead_open(&key, &nonce, b"aad", &flip_last_bit(&ciphertext)),
            fail
        );
        let mut modified = ciphertext.clone();
        modified[0] ^= 0x80;
        assert_eq!(suite.aead_open(&key, &nonce, b"aad", &modified), fail);
        assert_eq!(suite.aead_open(&key, &nonce, b"aae", &ciphertext), fail);
        assert_eq!(
            suite.aead_open(&flip_last_bit(&key), &nonce, b"aad", &ciphertext),
            fail
        );
        assert_eq!(
            suite.aead_open(&key, &flip_last_bit(&nonce), b"aad", &ciphertext),
            fail
        );
        assert_eq!(
            suite.aead_open(&key, &nonce, b"aad", &ciphertext[..10]),
            fail
        );
        assert!(matches!(
            suite.aead_seal(&key[1..], &nonce, b"", b""),
            Err(CryptoError::InvalidLength { .. })
        ));
        assert!(matches!(
            suite.aead_seal(&key, &nonce[1..], b"", b""),
            Err(CryptoError::InvalidLength { .. })
        ));
    }
}

#[test]
fn hpke_round_trip_and_tampering_is_rejected() {
    for suite in suites() {
        let keys = suite.generate_hpke_key_pair().unwrap();
        assert_eq!(
            suite.hpke_public_key(&keys.private_key).unwrap(),
            keys.public_key
        );
        let sealed = suite
            .hpke_seal(&keys.public_key, b"info", b"aad", b"secret")
            .unwrap();
        let opened = suite
            .hpke_open(
                &keys.private_key,
                &sealed.kem_output,
                b"info",
                b"aad",
                &sealed.ciphertext,
            )
            .unwrap();
        assert_eq!(opened.as_slice(), b"secret");

        let open = |kem_output: &[u8], info: &[u8], ciphertext: &[u8]| {
            suite.hpke_open(&keys.private_key, kem_output, info, b"aad", ciphertext)
        };
        let fail = Err(CryptoError::HpkeOpenFailed);
        assert_eq!(open(&sealed.kem_output, b"infp", &sealed.ciphertext), fail);
        assert_eq!(
            open(
                &sealed.kem_output,
                b"info",
                &flip_last_bit(&sealed.ciphertext)
            ),
            fail
        );
        assert!(
            open(
                &flip_last_bit(&sealed.kem_output),
                b"info",
                &sealed.ciphertext
            )
            .is_err()
        );
        let other = suite.generate_hpke_key_pair().unwrap();
        assert_eq!(
            suite.hpke_open(
                &other.private_key,
                &sealed.kem_output,
                b"info",
                b"aad",
                &sealed.ciphertext
            ),
            fail
        );
        assert_eq!(
            suite.hpke_seal(&keys.public_key[1..], b"", b"", b""),
            Err(CryptoError::InvalidPublicKey)
        );
        assert_eq!(
            suite.hpke_public_key(&HpkePrivateKey::from_slice(&[1, 2, 3])),
            Err(CryptoError::InvalidPrivateKey)
        );
    }
}

#[test]
fn derive_key_pair_is_deterministic() {
    for suite in suites() {
        let first = suite.derive_hpke_key_pair(&[7; 32]).unwrap();
        let second = suite.derive_hpke_key_pair(&[7; 32]).unwrap();
        // X25519 private keys are clamped on serialization: compare the public keys.
        assert_eq!(first.public_key, second.public_key);
        assert_eq!(
            suite.hpke_public_key(&first.private_key).unwrap(),
            first.public_key
        );
        let other = suite.derive_hpke_key_pair(&[8; 32]).unwrap();
        assert_ne!(first.public_key, other.public_key);
        // The derived key pair decrypts what is sealed to its public key.
        let sealed = suite.hpke_seal(&first.public_key, b"", b"", b"x").unwrap();
        let opened = suite
            .hpke_open(
                &second.private_key,
                &sealed.kem_output,
                b"",
                b"",
                &sealed.ciphertext,
            )
            .unwrap();
        assert_eq!(opened.as_slice(), b"x");
    }
}

#[test]
fn derive_key_pair_matches_the_official_key_schedule_vectors() {
    // key-schedule.json, epoch 0 of each supported suite: external_pub is the public key of
    // DeriveKeyPair(external_secret) (RFC 9420 §8, RFC 9180 §7.1.3).
    let cases = [
        (
            1,
            "b5cb5666cfb9c501ed76715c6ed1cafbed5061cd6b86898ae5d3fd4cb05abb26",
            "640117516be304ac1160933c894a6df9290231f1843f3685c124fc42c785c02c",
        ),
        (
            2,
            "1f0124fdbb08c0d72123838e3731ab6953a53d565496f523bb3a4e539c949aac",
            "0404c9d6889bc661210f8c74d9e07e355755268949b606694c395516b978e76e88d30be4f47e427abf0e64126dee99df85a62a90de44fc7feafab3e355d6338d8c",
        ),
        (
            3,
            "46f51f54ce4c3457ee5681925b9d1a282de166f04e28a4a316404bd14dda3138",
            "8206ea1eb4d8d5730a2737f7470718b9d00c2276d24a98ac4e6d7ef52cba0631",
        ),
        (
            5,
            "8ae3acfc2dd7189a19324bbbddfd1499b4db824b1d1bba60234b25dd9134a7bb63d4f36d83d23ef57f929a04ebeb71367940e4eedc33052f1e59fd0f42e6228a",
            "0400044cc9ff41f273e2d0bc6494c12313f53bd8b243fc908599a5b99818ab78581bb3dc05068e7211dd94e023417e16c7861188601e6bc8aad781f1ad5e8322b85f4800a8616c8204811b49fb07b90a388cd387c5fe425f70bf6f2e200a0e8215f905f4527ae9e8bd9210ef4842b91d2762c5f0afcc375c248ae6621ddaa42fc8b9de3b3c",
        ),
        (
            7,
            "7239c2eae6454a64ad3e77aff3c775b947fcfaee5fbe7fecef57876e7f06095034ff89b158114490aa79bd0f043746cb",
            "049084276638ff07d5c9c83d45bcb72f03ce87949a21f5ee0a9962c4c32d0441cf35270ec337854716426aa54650b8b6f536a3fa833ba08d6d37549000bb7e847b7c48a662b86de75078786accc241fe811432d00b187b793a59f67381ab658630",
        ),
        #[cfg(feature = "curve448")]
        (
            4,
            "deb40d7fc2ec760462fcccf24435bc5fa746445cbcc7b61296c4c417c5843c4a60c1346aa9fbc8ed6a414f465f64b5045099418cee5cbb7d1c78694265a59a49",
            "818b2a6166547b384cd136df622e532ed678547bebcc3876dc807969a06322a52eb8ccca644daf8f71f08d78f018d4b686d9ed063d72f04e",
        ),
        #[cfg(feature = "curve448")]
        (
            6,
            "7cd214a8fa2be38a15956bc774e73a142f7eb323e1f205c6cc66523853f1cbcd05d4039ef82db1e340eed26a6a59f270a8a666fe0a93e5a5b26aca22afce6e1a",
            "17a80b2b58453f8f4567fcd958cd38da1f900229bf1f8d5685f9b3e5be0be31c6cae957c8d6127d99061e48d890f2151159bb9864e81ea80",
        ),
    ];
    for (cs, ikm, public_key) in cases {
        let suite = RustCryptoProvider.suite(CipherSuite(cs)).unwrap();
        let keys = suite
            .derive_hpke_key_pair(&hex::decode(ikm).unwrap())
            .unwrap();
        assert_eq!(hex::encode(&keys.public_key), public_key, "suite {cs}");
    }
}

#[test]
fn hkdf_matches_rfc_5869_test_case_1() {
    let suite = RustCryptoProvider
        .suite(CipherSuite::MLS_128_DHKEMX25519_AES128GCM_SHA256_ED25519)
        .unwrap();
    let ikm = [0x0b; 22];
    let salt = hex::decode("000102030405060708090a0b0c").unwrap();
    let info = hex::decode("f0f1f2f3f4f5f6f7f8f9").unwrap();
    let prk = suite.kdf_extract(&salt, &ikm);
    assert_eq!(
        hex::encode(prk.as_bytes()),
        "077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5"
    );
    let okm = suite.kdf_expand(prk.as_bytes(), &info, 42).unwrap();
    assert_eq!(
        hex::encode(okm.as_bytes()),
        "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865"
    );
    assert_eq!(
        suite.kdf_expand(prk.as_bytes(), &info, 255 * 32 + 1),
        Err(CryptoError::KdfOutputTooLong {
            length: 255 * 32 + 1
        })
    );
    assert!(matches!(
        suite.kdf_expand(&prk.as_bytes()[1..], &info, 16),
        Err(CryptoError::InvalidLength { .. })
    ));
}

#[test]
fn mac_verification_is_exact() {
    for suite in suites() {
        let tag = suite.mac(b"key", b"data");
        suite.verify_mac(b"key", b"data", &tag).unwrap();
        let fail = Err(CryptoError::InvalidMac);
        assert_eq!(
            suite.verify_mac(b"key", b"data", &flip_last_bit(&tag)),
            fail
        );
        assert_eq!(suite.verify_mac(b"key", b"data", &tag[1..]), fail);
        assert_eq!(suite.verify_mac(b"kez", b"data", &tag), fail);
    }
}

#[test]
fn labeled_operations_round_trip() {
    for suite in suites() {
        let keys = suite.generate_hpke_key_pair().unwrap();
        let sealed =
            labeled::encrypt_with_label(suite, &keys.public_key, "Welcome", b"ctx", b"pt").unwrap();
        let opened = labeled::decrypt_with_label(
            suite,
            &keys.private_key,
            "Welcome",
            b"ctx",
            &sealed.kem_output,
            &sealed.ciphertext,
        )
        .unwrap();
        assert_eq!(opened.as_slice(), b"pt");
        // The label and context are bound.
        for (label, context) in [("Welcomf", &b"ctx"[..]), ("Welcome", b"cty")] {
            assert!(
                labeled::decrypt_with_label(
                    suite,
                    &keys.private_key,
                    label,
                    context,
                    &sealed.kem_output,
                    &sealed.ciphertext,
                )
                .is_err()
            );
        }

        let signature_keys = suite.generate_signature_key_pair().unwrap();
        let signer = suite.signer(&signature_keys.private_key).unwrap();
        let signature = labeled::sign_with_label(&*signer, "LeafNodeTBS", b"leaf").unwrap();
        labeled::verify_with_label(
            suite,
            &signature_keys.public_key,
            "LeafNodeTBS",
            b"leaf",
            &signature,
        )
        .unwrap();
        // The label is bound; the raw content alone does not verify.
        assert!(
            labeled::verify_with_label(
                suite,
                &signature_keys.public_key,
                "GroupInfoTBS",
                b"leaf",
                &signature
            )
            .is_err()
        );
        assert!(
            suite
                .verify(&signature_keys.public_key, b"leaf", &signature)
                .is_err()
        );
        // For contents under and over 16 KiB (1- to 4-byte length headers): the in-place
        // signing variant signs the same SignContent whatever the capacity guess, and the
        // Content to verify may come in pieces, split anywhere, with a decoded or unparsed key.
        let long: Vec<u8> = (0..20_000u32).map(|i| i.to_le_bytes()[0]).collect();
        for content in [&b"leaf"[..], &long[..]] {
            let signature = labeled::sign_with_label(&*signer, "LeafNodeTBS", content).unwrap();
            let keys = [
                suite.verifying_key(&signature_keys.public_key).unwrap(),
                VerifyingKey::unparsed(&signature_keys.public_key),
            ];
            for (key, split) in keys
                .iter()
                .flat_map(|key| [0, 1, content.len() / 2, content.len()].map(|split| (key, split)))
            {
                let (head, tail) = content.split_at(split);
                let verify = |label: &str, parts: &[&[u8]]| {
                    labeled::verify_with_label_concat(suite, key, label, parts, &signature)
                };
                verify("LeafNodeTBS", &[head, tail]).unwrap();
                verify("LeafNodeTBS", &[head, &[], tail]).unwrap();
                assert!(verify("GroupInfoTBS", &[head, tail]).is_err());
                if !head.is_empty() && !tail.is_empty() {
                    assert!(verify("LeafNodeTBS", &[tail, head]).is_err());
                    assert!(verify("LeafNodeTBS", &[head]).is_err());
                }
            }
            for capacity in [0, content.len()] {
                let written =
                    labeled::sign_with_label_writing(&*signer, "LeafNodeTBS", capacity, |out| {
                        out.extend_from_slice(content);
                        Ok(())
                    })
                    .unwrap();
                labeled::verify_with_label(
                    suite,
                    &signature_keys.public_key,
                    "LeafNodeTBS",
                    content,
                    &written,
                )
                .unwrap();
            }
            assert_eq!(
                suite.hash_concat(&[&content[..1], &content[1..]]),
                suite.hash(content)
            );
        }

        let nh = suite.hash_len();
        let secret = labeled::derive_secret(suite, &vec![1; nh], "epoch").unwrap();
        assert_eq!(secret.len(), nh);
        assert_eq!(
            labeled::expand_with_label(suite, &vec![1; nh], "epoch", &[], nh).unwrap(),
            secret
        );
        assert_eq!(
            labeled::expand_with_label(suite, &vec![1; nh], "epoch", &[], 65536),
            Err(CryptoError::KdfOutputTooLong { length: 65536 })
        );
        let tree = labeled::derive_tree_secret(suite, secret.as_bytes(), "key", 1, 16).unwrap();
        assert_eq!(
            tree,
            labeled::expand_with_label(suite, secret.as_bytes(), "key", &[0, 0, 0, 1], 16).unwrap()
        );
        // Several expansions from one secret give what they give one by one, in order,
        // including an output longer than one hash block and a context long enough for a
        // two-byte length prefix.
        let long_context = [5u8; 70];
        let requests = [
            ("key", &[0u8, 0, 0, 1][..], 16),
            ("secret", &long_context[..], 3 * nh + 1),
            ("nonce", &[][..], 12),
        ];
        let many = labeled::expand_with_labels(suite, secret.as_bytes(), requests).unwrap();
        for ((label, context, length), got) in requests.into_iter().zip(&many) {
            let one = labeled::expand_with_label(suite, secret.as_bytes(), label, context, length);
            assert_eq!(got, &one.unwrap());
        }
        assert_eq!(many[0], tree);
        assert_eq!(
            labeled::expand_with_labels(suite, &vec![1; nh], [("a", &[][..], 65536)]),
            Err(CryptoError::KdfOutputTooLong { length: 65536 })
        );
        assert!(matches!(
            labeled::expand_with_labels(suite, &[1; 3], [("a", &[][..], 16)]),
            Err(CryptoError::InvalidLength { .. })
        ));
        let kp_ref = labeled::make_key_package_ref(suite, b"kp").unwrap();
        assert_eq!(
            kp_ref,
            labeled::ref_hash(suite, "MLS 1.0 KeyPackage Reference", b"kp").unwrap()
        );
        assert_ne!(kp_ref, labeled::make_proposal_ref(suite, b"kp").unwrap());
    }
}

#[test]
fn hpke_export_sender_and_receiver_agree() {
    for suite in suites() {
        let nh = suite.hash_len();
        let keys = suite.generate_hpke_key_pair().unwrap();
        let (kem_output, sent) = suite
            .hpke_export_sender(&keys.public_key, b"", b"MLS 1.0 external init secret", nh)
            .unwrap();
        assert_eq!(kem_output.len(), suite.params().kem.enc_len());
        assert_eq!(sent.len(), nh);
        let received = suite
            .hpke_export_receiver(
                &keys.private_key,
                &kem_output,
                b"",
                b"MLS 1.0 external init secret",
                nh,
            )
            .unwrap();
        assert_eq!(sent, received);

        // A fresh encapsulation gives a fresh secret.
        let (kem_output_2, sent_2) = suite
            .hpke_export_sender(&keys.public_key, b"", b"MLS 1.0 external init secret", nh)
            .unwrap();
        assert_ne!(kem_output, kem_output_2);
        assert_ne!(sent, sent_2);

        // Another private key, another info or another exporter context: another secret.
        let other = suite.generate_hpke_key_pair().unwrap();
        let export = |sk: &HpkePrivateKey, info: &[u8], ctx: &[u8]| {
            suite
                .hpke_export_receiver(sk, &kem_output, info, ctx, nh)
                .unwrap()
        };
        assert_ne!(
            export(&other.private_key, b"", b"MLS 1.0 external init secret"),
            sent
        );
        assert_ne!(
            export(&keys.private_key, b"x", b"MLS 1.0 external init secret"),
            sent
        );
        assert_ne!(export(&keys.private_key, b"", b"other"), sent);

        // Malformed inputs are typed errors.
        assert_eq!(
            suite.hpke_export_receiver(&keys.private_key, &kem_output[1..], b"", b"", nh),
            Err(CryptoError::HpkeOpenFailed)
        );
        assert_eq!(
            suite
                .hpke_export_sender(&keys.public_key[1..], b"", b"", nh)
                .map(|(enc, _)| enc),
            Err(CryptoError::InvalidPublicKey)
        );
        assert!(
            suite
                .hpke_export_sender(&keys.public_key, b"", b"", 255 * nh + 1)
                .is_err()
        );
    }
}

/// `n` fresh key pairs and distinct plaintexts of distinct lengths.
fn recipients(
    suite: &dyn CipherSuiteProvider,
    n: usize,
) -> (Vec<mls_crypto::HpkeKeyPair>, Vec<Vec<u8>>) {
    let keys = (0..n)
        .map(|_| suite.generate_hpke_key_pair().unwrap())
        .collect();
    let plaintexts = (0..n)
        .map(|i| vec![u8::try_from(i).unwrap(); 20 + i])
        .collect();
    (keys, plaintexts)
}

fn pairs<'a>(
    keys: &'a [mls_crypto::HpkeKeyPair],
    plaintexts: &'a [Vec<u8>],
) -> Vec<(&'a [u8], &'a [u8])> {
    keys.iter()
        .zip(plaintexts)
        .map(|(k, p)| (k.public_key.as_slice(), p.as_slice()))
        .collect()
}

#[test]
fn hpke_seal_many_is_opened_by_the_single_open_in_input_order() {
    // Larger than one hash block many times over, like the EncryptContext of a Welcome.
    let info: Vec<u8> = (0..100_000u32).map(|i| i.to_le_bytes()[0]).collect();
    for suite in suites() {
        let cs = suite.cipher_suite();
        let (keys, plaintexts) = recipients(suite, 7);
        let sealed = suite
            .hpke_seal_many(&info, b"aad", &pairs(&keys, &plaintexts))
            .unwrap();
        assert_eq!(sealed.len(), keys.len(), "{cs:?}");
        for (i, ((key, plaintext), sealed)) in keys.iter().zip(&plaintexts).zip(&sealed).enumerate()
        {
            assert_eq!(sealed.kem_output.len(), suite.params().kem.enc_len());
            assert_eq!(
                sealed.ciphertext.len(),
                plaintext.len() + suite.params().aead.tag_len()
            );
            let opened = suite
                .hpke_open(
                    &key.private_key,
                    &sealed.kem_output,
                    &info,
                    b"aad",
                    &sealed.ciphertext,
                )
                .unwrap_or_else(|e| panic!("{cs:?} recipient {i}: {e}"));
            assert_eq!(opened.as_slice(), plaintext.as_slice(), "{cs:?} {i}");
        }
        // Every recipient has its own encapsulation.
        for (i, a) in sealed.iter().enumerate() {
            for b in &sealed[i + 1..] {
                assert_ne!(a.kem_output, b.kem_output, "{cs:?}");
            }
        }

        // Another key, another info, another aad or a flipped bit: the open fails.
        let fail = Err(CryptoError::HpkeOpenFailed);
        let open = |key: &HpkePrivateKey, info: &[u8], aad: &[u8], ct: &[u8]| {
            suite.hpke_open(key, &sealed[0].kem_output, info, aad, ct)
        };
        let ct = &sealed[0].ciphertext;
        assert_eq!(open(&keys[1].private_key, &info, b"aad", ct), fail);
        assert_eq!(open(&keys[0].private_key, &info[1..], b"aad", ct), fail);
        assert_eq!(open(&keys[0].private_key, &info, b"aae", ct), fail);
        assert_eq!(
            open(&keys[0].private_key, &info, b"aad", &flip_last_bit(ct)),
            fail
        );
        assert!(open(&keys[0].private_key, &info, b"aad", ct).is_ok());
    }
}

#[test]
fn hpke_seal_many_of_no_recipients_is_empty() {
    for suite in suites() {
        assert_eq!(suite.hpke_seal_many(b"info", b"", &[]), Ok(Vec::new()));
        assert_eq!(
            labeled::encrypt_with_label_many(suite, "Welcome", b"ctx", &[]),
            Ok(Vec::new())
        );
    }
}

#[test]
fn hpke_seal_many_fails_like_the_single_seal_at_the_first_bad_key() {
    for suite in suites() {
        let cs = suite.cipher_suite();
        let (keys, plaintexts) = recipients(suite, 3);
        let good = keys[0].public_key.as_slice();
        let truncated = &keys[1].public_key[1..];
        // The right length but not a usable key: the identity for X25519 (its DH output is
        // all zeros, RFC 9180 §7.1.4), not a curve point for the NIST curves.
        let zeros = vec![0u8; suite.params().kem.public_key_len()];
        // An all-zero ML-KEM encapsulation key is a valid one (every coefficient below q):
        // only the truncated key is bad for the KEMs built on ML-KEM alone or with X25519.
        let zeros_is_bad = !matches!(
            suite.params().kem,
            mls_crypto::HpkeKem::MlKem768
                | mls_crypto::HpkeKem::MlKem1024
                | mls_crypto::HpkeKem::XWing
        );
        let bads: &[&[u8]] = if zeros_is_bad {
            &[truncated, zeros.as_slice()]
        } else {
            &[truncated]
        };
        for &bad in bads {
            let single = suite.hpke_seal(bad, b"info", b"", b"pt").unwrap_err();
            let batch = [(good, b"a".as_slice()), (bad, b"b"), (truncated, b"c")];
            assert_eq!(
                suite.hpke_seal_many(b"info", b"", &batch),
                Err(single.clone()),
                "{cs:?}"
            );
            assert_eq!(
                suite.hpke_seal_many(b"info", b"", &batch[1..2]),
                Err(single),
                "{cs:?}"
            );
        }
        assert_eq!(
            suite.hpke_seal_many(b"info", b"", &[(good, b"a"), (truncated, b"b")]),
            Err(CryptoError::InvalidPublicKey)
        );
        // The good recipients alone succeed.
        assert!(
            suite
                .hpke_seal_many(b"info", b"", &pairs(&keys, &plaintexts))
                .is_ok()
        );
    }
}

#[test]
fn encrypt_with_label_many_is_opened_by_decrypt_with_label() {
    let context = vec![0x5a; 3000];
    for suite in suites() {
        let (keys, plaintexts) = recipients(suite, 4);
        let sealed = labeled::encrypt_with_label_many(
            suite,
            "Welcome",
            &context,
            &pairs(&keys, &plaintexts),
        )
        .unwrap();
        assert_eq!(sealed.len(), keys.len());
        for ((key, plaintext), sealed) in keys.iter().zip(&plaintexts).zip(&sealed) {
            let decrypt = |label: &str, context: &[u8]| {
                labeled::decrypt_with_label(
                    suite,
                    &key.private_key,
                    label,
                    context,
                    &sealed.kem_output,
                    &sealed.ciphertext,
                )
            };
            assert_eq!(
                decrypt("Welcome", &context).unwrap().as_slice(),
                plaintext.as_slice()
            );
            assert_eq!(
                decrypt("Welcomf", &context),
                Err(CryptoError::HpkeOpenFailed)
            );
            assert_eq!(
                decrypt("Welcome", &context[1..]),
                Err(CryptoError::HpkeOpenFailed)
            );
        }
        // And the single EncryptWithLabel is opened the same way, with the same info.
        let single =
            labeled::encrypt_with_label(suite, &keys[0].public_key, "Welcome", &context, b"x")
                .unwrap();
        assert_eq!(
            labeled::decrypt_with_label(
                suite,
                &keys[0].private_key,
                "Welcome",
                &context,
                &single.kem_output,
                &single.ciphertext
            )
            .unwrap()
            .as_slice(),
            b"x"
        );
    }
}

/// With the same randomness, the batch key schedule gives exactly the bytes of the `hpke`
/// crate's own single-shot SealBase, recipient after recipient: same suite_id, labels,
/// info_hash, key, nonce and AEAD.
fn check_seal_many_matches_hpke_single_shot<K, F, A>()
where
    K: hpke::Kem + 'static,
    F: crate::primitives::HpkeKdfAlg,
    A: crate::primitives::HpkeAeadAlg,
{
    use hpke::Serializable;
    use rand::SeedableRng;

    let info: Vec<u8> = (0..5000u32).map(|i| i.to_be_bytes()[3]).collect();
    let keys: Vec<K::PublicKey> = (0..4u8).map(|i| K::derive_keypair(&[i; 32]).1).collect();
    let encoded: Vec<Vec<u8>> = keys
        .iter()
        .map(|pk| {
            let mut bytes = vec![0u8; K::PublicKey::size()];
            pk.write_exact(&mut bytes);
            bytes
        })
        .collect();
    let plaintexts: Vec<Vec<u8>> = (0..4u8).map(|i| vec![i; 10 + usize::from(i)]).collect();
    let batch: Vec<(&[u8], &[u8])> = encoded
        .iter()
        .zip(&plaintexts)
        .map(|(k, p)| (k.as_slice(), p.as_slice()))
        .collect();
    for seed in [1u64, 2, 3] {
        let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
        let ours =
            crate::primitives::Hpke::<K, F, A>::seal_many_with_rng(&info, b"aad", &batch, &mut rng)
                .unwrap();
        let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
        let theirs: Vec<(Vec<u8>, Vec<u8>)> = keys
            .iter()
            .zip(&plaintexts)
            .map(|(pk, pt)| {
                let (enc, ct) = hpke::single_shot_seal_with_rng::<A, F, K>(
                    &hpke::OpModeS::Base,
                    pk,
                    &info,
                    pt,
                    b"aad",
                    &mut rng,
                )
                .unwrap();
                let mut enc_bytes = vec![0u8; K::EncappedKey::size()];
                enc.write_exact(&mut enc_bytes);
                (enc_bytes, ct)
            })
            .collect();
        assert_eq!(ours.len(), theirs.len());
        for (ours, (enc, ct)) in ours.iter().zip(&theirs) {
            assert_eq!(&ours.kem_output, enc, "kem {} seed {seed}", K::KEM_ID);
            assert_eq!(&ours.ciphertext, ct, "kem {} seed {seed}", K::KEM_ID);
        }
    }
}

#[test]
fn seal_many_matches_the_hpke_crate_byte_for_byte() {
    use hpke::aead::{AesGcm128, AesGcm256, ChaCha20Poly1305};
    use hpke::kdf::{HkdfSha256, HkdfSha384, HkdfSha512};
    use hpke::kem::{DhP256HkdfSha256, DhP384HkdfSha384, DhP521HkdfSha512, X25519HkdfSha256};
    // The HPKE algorithms of suites 1, 2, 3, 5 and 7.
    check_seal_many_matches_hpke_single_shot::<X25519HkdfSha256, HkdfSha256, AesGcm128>();
    check_seal_many_matches_hpke_single_shot::<DhP256HkdfSha256, HkdfSha256, AesGcm128>();
    check_seal_many_matches_hpke_single_shot::<X25519HkdfSha256, HkdfSha256, ChaCha20Poly1305>();
    check_seal_many_matches_hpke_single_shot::<DhP521HkdfSha512, HkdfSha512, AesGcm256>();
    check_seal_many_matches_hpke_single_shot::<DhP384HkdfSha384, HkdfSha384, AesGcm256>();
    // And of suites 4 and 6, on this crate's DHKEM(X448, HKDF-SHA512).
    #[cfg(feature = "curve448")]
    {
        use crate::dhkem_x448::X448HkdfSha512;
        check_seal_many_matches_hpke_single_shot::<X448HkdfSha512, HkdfSha512, AesGcm256>();
        check_seal_many_matches_hpke_single_shot::<X448HkdfSha512, HkdfSha512, ChaCha20Poly1305>();
    }
}

/// The eight encodings the Ed25519 verifier refuses as R are exactly the canonical encodings
/// of the points of small order (each decodes to a weak point, and they are distinct).
#[test]
fn ed25519_small_order_encodings_are_the_eight_torsion_points() {
    use mls_crypto::ed25519::SMALL_ORDER_ENCODINGS;
    for (i, encoding) in SMALL_ORDER_ENCODINGS.iter().enumerate() {
        let point = ed25519_dalek::VerifyingKey::from_bytes(encoding).unwrap();
        assert!(point.is_weak(), "encoding {i} is not of small order");
        assert_eq!(&point.to_bytes(), encoding, "encoding {i} is not canonical");
        assert!(!SMALL_ORDER_ENCODINGS[..i].contains(encoding));
    }
}

/// Ed25519 signatures are RFC 8032's, deterministic: byte for byte those of ed25519-dalek's
/// `SigningKey` for the same seed and message, with the same public key, for messages from
/// empty to several SHA-512 blocks; and a seed that is not 32 bytes is refused.
#[test]
fn ed25519_signatures_match_rfc_8032_as_ed25519_dalek_computes_them() {
    use ed25519_dalek::Signer as _;
    let suite = ed25519_suite();
    for seed in 0u8..32 {
        let seed_bytes: [u8; 32] =
            std::array::from_fn(|i| seed.wrapping_mul(31) ^ i.to_le_bytes()[0]);
        let reference = ed25519_dalek::SigningKey::from_bytes(&seed_bytes);
        let signer = suite
            .signer(&SignaturePrivateKey::from_slice(&seed_bytes))
            .unwrap();
        assert_eq!(signer.public_key(), reference.verifying_key().as_bytes());
        for len in [0usize, 1, 63, 64, 111, 112, 128, 255, 1100] {
            let message: Vec<u8> = (0..len).map(|i| i.to_le_bytes()[0] ^ seed).collect();
            assert_eq!(
                signer.sign(&message).unwrap(),
                reference.sign(&message).to_bytes(),
                "seed {seed}, message of {len} bytes"
            );
        }
    }
    for wrong in [&[7u8; 31][..], &[7u8; 33][..]] {
        assert_eq!(
            suite.signer(&SignaturePrivateKey::from_slice(wrong)).err(),
            Some(CryptoError::InvalidPrivateKey)
        );
    }
}

/// The weak-key check from the bytes agrees with ed25519-dalek's `is_weak` on every decodable
/// encoding near the small-order y-coordinates (0, 1, p - 1, p, p + 1, ±y8 and their
/// neighbours, with either sign bit) and on ordinary keys.
#[test]
fn ed25519_weak_keys_are_recognised_by_their_bytes() {
    use mls_crypto::ed25519::{SMALL_ORDER_ENCODINGS, is_small_order as is_small_order_key};
    // y as a little-endian 255-bit number plus a small offset, with the sign bit.
    let offset = |base: &[u8; 32], delta: i16, sign: bool| -> [u8; 32] {
        let mut bytes = *base;
        bytes[31] &= 0x7f;
        let mut carry = i32::from(delta);
        for byte in &mut bytes {
            let sum = i32::from(*byte) + carry;
            *byte = sum.rem_euclid(256).to_le_bytes()[0];
            carry = sum.div_euclid(256);
        }
        bytes[31] = (bytes[31] & 0x7f) | if sign { 0x80 } else { 0 };
        bytes
    };
    let p_minus_1 = SMALL_ORDER_ENCODINGS[1];
    let mut candidates = vec![];
    for base in SMALL_ORDER_ENCODINGS {
        for delta in -20i16..=20 {
            for sign in [false, true] {
                candidates.push(offset(&base, delta, sign));
            }
        }
    }
    // Every encoding at or above p (p - 1 + 1 ..= 2^255 - 1).
    for delta in 1i16..=19 {
        for sign in [false, true] {
            candidates.push(offset(&p_minus_1, delta, sign));
        }
    }
    for seed in 0u8..64 {
        let key = ed25519_dalek::SigningKey::from_bytes(&[seed; 32]);
        candidates.push(key.verifying_key().to_bytes());
    }
    let (mut weak, mut decoded) = (0, 0);
    for candidate in candidates {
        let Ok(point) = ed25519_dalek::VerifyingKey::from_bytes(&candidate) else {
            continue;
        };
        decoded += 1;
        weak += usize::from(point.is_weak());
        assert_eq!(
            is_small_order_key(&candidate),
            point.is_weak(),
            "{}",
            hex::encode(candidate)
        );
    }
    // The eight canonical encodings, the non-canonical ones of y = 0 and y = 1 at p and
    // p + 1, and x = 0 with the sign bit set where the decoder takes it.
    assert!(weak >= 10, "only {weak} weak encodings among {decoded}");
}

/// Ed25519 verification agrees with ed25519-dalek's `verify_strict` on valid, tampered and
/// weak-key signatures.
#[test]
fn ed25519_verification_is_strict() {
    use ed25519_dalek::Signer as _;
    let suite = RustCryptoProvider::new();
    let suite = suite
        .suite(CipherSuite::MLS_128_DHKEMX25519_AES128GCM_SHA256_ED25519)
        .unwrap();
    for seed in 0u8..16 {
        let key = ed25519_dalek::SigningKey::from_bytes(&[seed; 32]);
        let public = key.verifying_key();
        let message = vec![seed; usize::from(seed) * 17];
        let signature = key.sign(&message).to_bytes();
        let tampered = flip_last_bit(&signature);
        for candidate in [&signature[..], &tampered] {
            let strict = ed25519_dalek::Signature::from_slice(candidate)
                .ok()
                .and_then(|s| public.verify_strict(&message, &s).ok());
            assert_eq!(
                suite.verify(public.as_bytes(), &message, candidate).is_ok(),
                strict.is_some()
            );
            // A key decoded once verifies alike, and so does one known only by its bytes.
            for key in [
                suite.verifying_key(public.as_bytes()).unwrap(),
                mls_crypto::VerifyingKey::unparsed(public.as_bytes()),
            ] {
                assert_eq!(
                    suite.verify_with_key(&key, &[&message], candidate).is_ok(),
                    strict.is_some()
                );
            }
        }
    }
    // A small-order public key is refused whatever the signature.
    let weak = mls_crypto::ed25519::SMALL_ORDER_ENCODINGS[0];
    assert_eq!(
        suite.verify(&weak, b"message", &[0; 64]),
        Err(CryptoError::InvalidSignature)
    );
    let weak_key = suite.verifying_key(&weak).unwrap();
    assert_eq!(
        suite.verify_with_key(&weak_key, &[b"message"], &[0; 64]),
        Err(CryptoError::InvalidSignature)
    );
    assert_eq!(
        suite.verifying_key(&[1; 31]).unwrap_err(),
        CryptoError::InvalidPublicKey
    );
}

fn ed25519_suite() -> &'static dyn CipherSuiteProvider {
    static PROVIDER: RustCryptoProvider = RustCryptoProvider::new();
    PROVIDER
        .suite(CipherSuite::MLS_128_DHKEMX25519_AES128GCM_SHA256_ED25519)
        .unwrap()
}

/// The group order l of edwards25519, little-endian.
const ED25519_ORDER: [u8; 32] = [
    0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
];

/// `a + b` as 256-bit little-endian integers (the caller keeps the sum below 2^256).
fn add_le(a: &[u8], b: &[u8; 32]) -> [u8; 32] {
    let mut out = [0u8; 32];
    let mut carry = 0u16;
    for i in 0..32 {
        let sum = u16::from(a[i]) + u16::from(b[i]) + carry;
        out[i] = sum.to_le_bytes()[0];
        carry = sum >> 8;
    }
    assert_eq!(carry, 0);
    out
}

/// Whether ed25519-dalek's `verify_strict` accepts `signature` by `public_key` on `message`
/// (false if the key or the signature does not even parse).
fn dalek_strict(public_key: &[u8], message: &[u8], signature: &[u8]) -> bool {
    let Ok(key) = ed25519_dalek::VerifyingKey::try_from(public_key) else {
        return false;
    };
    ed25519_dalek::Signature::from_slice(signature)
        .is_ok_and(|signature| key.verify_strict(message, &signature).is_ok())
}

/// A public key, a message and a signature, owned, for building batches.
type Case = (Vec<u8>, Vec<u8>, Vec<u8>);

/// Checks `verify_many` on `cases` against the single verifications, item by item, with keys
/// decoded by the suite (where they decode) and keys known only by their bytes, and against
/// `verify_strict`.
fn check_verify_many(suite: &dyn CipherSuiteProvider, cases: &[Case]) {
    let decoded: Vec<mls_crypto::VerifyingKey> = cases
        .iter()
        .map(|(key, _, _)| {
            suite
                .verifying_key(key)
                .unwrap_or_else(|_| mls_crypto::VerifyingKey::unparsed(key))
        })
        .collect();
    let unparsed: Vec<mls_crypto::VerifyingKey> = cases
        .iter()
        .map(|(key, _, _)| mls_crypto::VerifyingKey::unparsed(key))
        .collect();
    for keys in [&decoded, &unparsed] {
        let items: Vec<(&mls_crypto::VerifyingKey, &[u8], &[u8])> = keys
            .iter()
            .zip(cases)
            .map(|(key, (_, message, signature))| (key, message.as_slice(), signature.as_slice()))
            .collect();
        let batch = suite.verify_many(&items);
        assert_eq!(batch.len(), cases.len());
        for (i, ((key, message, signature), result)) in items.iter().zip(&batch).enumerate() {
            let alone = suite.verify_with_key(key, &[message], signature);
            assert_eq!(result, &alone, "item {i}");
            assert_eq!(
                result,
                &suite.verify(key.as_bytes(), message, signature),
                "item {i}"
            );
            if suite.params().signature_scheme == mls_crypto::SignatureScheme::Ed25519 {
                assert_eq!(
                    result.is_ok(),
                    dalek_strict(key.as_bytes(), message, signature),
                    "item {i}"
                );
            }
        }
        // The same items in reverse order give the same results, reversed.
        let reversed: Vec<_> = items.iter().rev().copied().collect();
        let mut again = suite.verify_many(&reversed);
        again.reverse();
        assert_eq!(again, batch);
    }
}

/// A 32-byte string that is not the encoding of a point of edwards25519.
fn ed25519_non_point() -> [u8; 32] {
    (0u8..=255)
        .map(|b| [b; 32])
        .find(|bytes| ed25519_dalek::VerifyingKey::from_bytes(bytes).is_err())
        .unwrap()
}

/// `verify_many` with its shared inversion gives, item by item, what `verify` and
/// `verify_with_key` give, and accepts what `verify_strict` accepts, on a batch that mixes
/// valid signatures with every kind of bad one.
#[test]
fn ed25519_verify_many_agrees_with_single_verification() {
    use ed25519_dalek::Signer as _;
    let suite = ed25519_suite();
    let mut cases: Vec<Case> = Vec::new();
    for seed in 0u8..6 {
        let key = ed25519_dalek::SigningKey::from_bytes(&[seed; 32]);
        let public = key.verifying_key().to_bytes().to_vec();
        let message = vec![seed; usize::from(seed) * 29];
        let signature = key.sign(&message).to_bytes();
        let (r, s) = signature.split_at(32);
        let mut other_message = message.clone();
        other_message.push(1);
        let mut tampered_r = signature;
        tampered_r[0] ^= 4;
        let mut tampered_s = signature;
        tampered_s[32] ^= 1;
        // s + l: the same scalar, not canonically encoded (malleability).
        let s_plus_l = [r, &add_le(s, &ED25519_ORDER)].concat();
        let s_is_l = [r, &ED25519_ORDER[..]].concat();
        let mut s_high_bit = signature;
        s_high_bit[63] |= 0x80;
        let case = |m: &[u8], sig: &[u8]| (public.clone(), m.to_vec(), sig.to_vec());
        cases.extend([
            case(&message, &signature),
            case(&other_message, &signature),
            case(&message, &tampered_r),
            case(&message, &tampered_s),
            case(&message, &s_plus_l),
            case(&message, &s_is_l),
            case(&message, &s_high_bit),
            case(&message, &signature[..63]),
            case(&message, &[&signature[..], &[0]].concat()),
            case(&message, &[]),
            case(&message, &signature),
        ]);
        // Every R of small order, with this signature's s.
        for small in mls_crypto::ed25519::SMALL_ORDER_ENCODINGS {
            cases.push(case(&message, &[&small[..], s].concat()));
        }
        // Another key, a weak key, a malformed key, a truncated key.
        let other = ed25519_dalek::SigningKey::from_bytes(&[seed ^ 0x80; 32]).verifying_key();
        cases.push((
            other.to_bytes().to_vec(),
            message.clone(),
            signature.to_vec(),
        ));
        for weak in mls_crypto::ed25519::SMALL_ORDER_ENCODINGS {
            cases.push((weak.to_vec(), message.clone(), signature.to_vec()));
        }
        cases.push((
            ed25519_non_point().to_vec(),
            message.clone(),
            signature.to_vec(),
        ));
        cases.push((public[1..].to_vec(), message.clone(), signature.to_vec()));
    }
    // The identity as key and as R with s = 0 satisfies the cofactorless equation; the
    // strict check refuses it.
    let identity = mls_crypto::ed25519::SMALL_ORDER_ENCODINGS[0];
    cases.push((
        identity.to_vec(),
        b"any".to_vec(),
        [&identity[..], &[0; 32]].concat(),
    ));
    assert!(
        cases
            .iter()
            .filter(|(k, m, s)| dalek_strict(k, m, s))
            .count()
            >= 12
    );
    check_verify_many(suite, &cases);
    // A batch of one item, of valid items only, and an empty batch.
    check_verify_many(suite, &cases[..1]);
    let valid: Vec<Case> = cases
        .iter()
        .filter(|(k, m, s)| dalek_strict(k, m, s))
        .cloned()
        .collect();
    check_verify_many(suite, &valid);
    assert!(suite.verify_many(&[]).is_empty());
}

/// Keys with a torsion component (A = aB + T, T of order 2) pass the cofactorless equation
/// only when `[k]T` vanishes; `verify_many` accepts exactly the ones `verify_strict` accepts,
/// over many random keys and messages.
#[test]
fn ed25519_verify_many_matches_verify_strict_on_random_and_mixed_order_keys() {
    use curve25519_dalek::{EdwardsPoint, Scalar, constants};
    use sha2::Digest as _;
    let wide = |parts: &[&[u8]]| {
        let mut hash = sha2::Sha512::new();
        for part in parts {
            hash.update(part);
        }
        let bytes: [u8; 64] = hash.finalize().into();
        Scalar::from_bytes_mod_order_wide(&bytes)
    };
    let torsion = constants::EIGHT_TORSION[4];
    assert_eq!(
        torsion.compress().as_bytes(),
        &mls_crypto::ed25519::SMALL_ORDER_ENCODINGS[1]
    );
    let mut cases: Vec<Case> = Vec::new();
    for i in 0usize..96 {
        let seed = u32::try_from(i).unwrap().to_le_bytes();
        let a = wide(&[b"a", &seed]);
        let r = wide(&[b"r", &seed]);
        let mut public: EdwardsPoint = constants::ED25519_BASEPOINT_POINT * a;
        if i % 2 == 0 {
            public += torsion;
        }
        let public = public.compress().to_bytes();
        let message = wide(&[b"m", &seed]).to_bytes()[..i % 33].to_vec();
        let big_r = (constants::ED25519_BASEPOINT_POINT * r)
            .compress()
            .to_bytes();
        let k = wide(&[&big_r, &public, &message]);
        let s = r + k * a;
        let mut signature = [&big_r[..], s.as_bytes()].concat();
        if i % 7 == 3 {
            signature[i % 64] ^= 1 << (i % 8);
        }
        cases.push((public.to_vec(), message, signature));
    }
    let accepted = cases
        .iter()
        .filter(|(k, m, s)| dalek_strict(k, m, s))
        .count();
    // About half of the mixed-order keys and all the honest untampered ones pass.
    assert!((40..90).contains(&accepted), "{accepted}");
    check_verify_many(ed25519_suite(), &cases);
    // The same in chunks of 7.
    for chunk in cases.chunks(7) {
        check_verify_many(ed25519_suite(), chunk);
    }
}

/// The suites that keep the default `verify_many` (ECDSA) agree with their single
/// verification too.
#[test]
fn verify_many_agrees_with_verify_in_every_suite() {
    for suite in suites() {
        let keys = suite.generate_signature_key_pair().unwrap();
        let signer = suite.signer(&keys.private_key).unwrap();
        let signature = signer.sign(b"message").unwrap();
        let other = suite.generate_signature_key_pair().unwrap();
        let public = keys.public_key.clone();
        let cases: Vec<Case> = vec![
            (public.clone(), b"message".to_vec(), signature.clone()),
            (public.clone(), b"messagf".to_vec(), signature.clone()),
            (
                public.clone(),
                b"message".to_vec(),
                flip_last_bit(&signature),
            ),
            (public.clone(), b"message".to_vec(), Vec::new()),
            (other.public_key, b"message".to_vec(), signature.clone()),
            (public[1..].to_vec(), b"message".to_vec(), signature.clone()),
            (public, b"message".to_vec(), signature),
        ];
        check_verify_many(suite, &cases);
        let results = suite.verify_many(&[]);
        assert!(results.is_empty());
    }
}

/// `verify_with_label_many` gives what `verify_with_label` gives, item by item.
#[test]
fn verify_with_label_many_agrees_with_verify_with_label() {
    for suite in suites() {
        let keys = suite.generate_signature_key_pair().unwrap();
        let signer = suite.signer(&keys.private_key).unwrap();
        let contents: [&[u8]; 3] = [b"zero", b"", &[7; 300]];
        let mut signatures: Vec<Vec<u8>> = contents
            .iter()
            .map(|content| labeled::sign_with_label(&*signer, "LeafNodeTBS", content).unwrap())
            .collect();
        signatures[1] = flip_last_bit(&signatures[1]);
        let key = suite.verifying_key(&keys.public_key).unwrap();
        let items: Vec<(&mls_crypto::VerifyingKey, &[u8], &[u8])> = contents
            .iter()
            .zip(&signatures)
            .map(|(content, signature)| (&key, *content, signature.as_slice()))
            .collect();
        let results = labeled::verify_with_label_many(suite, "LeafNodeTBS", &items);
        let expected: Vec<_> = items
            .iter()
            .map(|&(_, content, signature)| {
                labeled::verify_with_label(
                    suite,
                    &keys.public_key,
                    "LeafNodeTBS",
                    content,
                    signature,
                )
            })
            .collect();
        assert_eq!(results, expected);
        assert!(results[0].is_ok() && results[1].is_err() && results[2].is_ok());
        // Another label does not verify.
        assert!(
            labeled::verify_with_label_many(suite, "Other", &items)
                .iter()
                .all(Result::is_err)
        );
        assert!(labeled::verify_with_label_many(suite, "LeafNodeTBS", &[]).is_empty());
    }
}
