//! Unit tests of the post-quantum suites (feature `pq`): sizes, HPKE, DeriveKeyPair, ML-DSA,
//! and malformed inputs rejected with typed errors. The generic tests of [`crate::tests`] run
//! over these suites too.

use mls_crypto::{
    CipherSuiteParams, CipherSuiteProvider, CryptoError, CryptoProvider, HpkeKem, HpkePrivateKey,
    SignaturePrivateKey, SignatureScheme, labeled,
};

use crate::RustCryptoProvider;

fn pq_suites() -> Vec<&'static dyn CipherSuiteProvider> {
    static PROVIDER: RustCryptoProvider = RustCryptoProvider::new();
    CipherSuiteParams::provisional()
        .iter()
        .map(|params| PROVIDER.suite(params.cipher_suite).unwrap())
        .collect()
}

/// `(public key, signature)` lengths of a signature scheme (FIPS 204 Table 2 for ML-DSA).
fn signature_sizes(scheme: SignatureScheme) -> (usize, Option<usize>) {
    match scheme {
        SignatureScheme::Ed25519 => (32, Some(64)),
        SignatureScheme::EcdsaSecp256r1Sha256 => (65, None),
        SignatureScheme::EcdsaSecp384r1Sha384 => (97, None),
        SignatureScheme::MlDsa44 => (1312, Some(2420)),
        SignatureScheme::MlDsa65 => (1952, Some(3309)),
        SignatureScheme::MlDsa87 => (2592, Some(4627)),
        other => panic!("not a signature scheme of the PQ suites: {other:?}"),
    }
}

fn is_ml_dsa(scheme: SignatureScheme) -> bool {
    matches!(
        scheme,
        SignatureScheme::MlDsa44 | SignatureScheme::MlDsa65 | SignatureScheme::MlDsa87
    )
}

#[test]
fn every_provisional_suite_is_supported_after_the_rfc_suites() {
    let provider = RustCryptoProvider::new();
    let supported = provider.supported_suites();
    assert_eq!(supported.len(), crate::SUPPORTED.len() + 11);
    let tail: Vec<_> = supported[supported.len() - 11..].to_vec();
    let provisional: Vec<_> = CipherSuiteParams::provisional()
        .iter()
        .map(|p| p.cipher_suite)
        .collect();
    assert_eq!(tail, provisional);
    for suite in pq_suites() {
        assert!(provider.supports(suite.cipher_suite()));
        assert_eq!(
            suite.params(),
            CipherSuiteParams::for_suite(suite.cipher_suite()).unwrap()
        );
    }
}

#[test]
fn key_and_output_sizes_follow_the_draft() {
    for suite in pq_suites() {
        let cs = suite.cipher_suite();
        let params = *suite.params();
        let keys = suite.generate_hpke_key_pair().unwrap();
        assert_eq!(keys.public_key.len(), params.kem.public_key_len(), "{cs:?}");
        assert_eq!(
            keys.private_key.len(),
            params.kem.private_key_len(),
            "{cs:?}"
        );
        let sealed = suite.hpke_seal(&keys.public_key, b"", b"", b"").unwrap();
        assert_eq!(sealed.kem_output.len(), params.kem.enc_len(), "{cs:?}");
        assert_eq!(sealed.ciphertext.len(), params.aead.tag_len(), "{cs:?}");

        let signature_keys = suite.generate_signature_key_pair().unwrap();
        let (public_len, signature_len) = signature_sizes(params.signature_scheme);
        assert_eq!(signature_keys.public_key.len(), public_len, "{cs:?}");
        if is_ml_dsa(params.signature_scheme) {
            // The private key is the seed ξ.
            assert_eq!(signature_keys.private_key.len(), 32, "{cs:?}");
        }
        let signature = suite
            .signer(&signature_keys.private_key)
            .unwrap()
            .sign(b"m")
            .unwrap();
        if let Some(len) = signature_len {
            assert_eq!(signature.len(), len, "{cs:?}");
        }
    }
}

#[test]
fn hpke_seal_open_and_export_round_trip() {
    for suite in pq_suites() {
        let cs = suite.cipher_suite();
        let keys = suite.generate_hpke_key_pair().unwrap();
        let sealed = suite
            .hpke_seal(&keys.public_key, b"info", b"aad", b"plaintext")
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
        assert_eq!(opened.as_slice(), b"plaintext", "{cs:?}");
        // EncryptWithLabel / DecryptWithLabel (RFC 9420 §5.1.3).
        let sealed =
            labeled::encrypt_with_label(suite, &keys.public_key, "UpdatePathNode", b"c", b"pt")
                .unwrap();
        let decrypted = labeled::decrypt_with_label(
            suite,
            &keys.private_key,
            "UpdatePathNode",
            b"c",
            &sealed.kem_output,
            &sealed.ciphertext,
        )
        .unwrap();
        assert_eq!(decrypted.as_slice(), b"pt", "{cs:?}");
        // The exporter of an external init (RFC 9420 §8.3).
        let (kem_output, sent) = suite
            .hpke_export_sender(&keys.public_key, b"", b"ctx", 32)
            .unwrap();
        let received = suite
            .hpke_export_receiver(&keys.private_key, &kem_output, b"", b"ctx", 32)
            .unwrap();
        assert_eq!(sent, received, "{cs:?}");
    }
}

#[test]
fn derive_hpke_key_pair_is_deterministic_and_its_public_key_follows_from_the_private_one() {
    for suite in pq_suites() {
        let cs = suite.cipher_suite();
        let first = suite.derive_hpke_key_pair(b"path secret").unwrap();
        let second = suite.derive_hpke_key_pair(b"path secret").unwrap();
        assert_eq!(first.public_key, second.public_key, "{cs:?}");
        // The seed is the private key, so it is deterministic too.
        assert_eq!(
            first.private_key.as_bytes(),
            second.private_key.as_bytes(),
            "{cs:?}"
        );
        assert_eq!(
            suite.hpke_public_key(&first.private_key).unwrap(),
            first.public_key,
            "{cs:?}"
        );
        let other = suite.derive_hpke_key_pair(b"path secreu").unwrap();
        assert_ne!(first.public_key, other.public_key, "{cs:?}");
        let generated = suite.generate_hpke_key_pair().unwrap();
        assert_eq!(
            suite.hpke_public_key(&generated.private_key).unwrap(),
            generated.public_key,
            "{cs:?}"
        );
    }
}

#[test]
fn derive_hpke_key_pair_is_the_kem_of_the_suite() {
    // Suites with the same KEM derive the same key pair; the KEMs differ from each other.
    let mut by_kem: Vec<(HpkeKem, Vec<u8>)> = Vec::new();
    for suite in pq_suites() {
        let public_key = suite.derive_hpke_key_pair(&[9; 32]).unwrap().public_key;
        match by_kem.iter().find(|(kem, _)| *kem == suite.params().kem) {
            Some((_, known)) => assert_eq!(known, &public_key),
            None => by_kem.push((suite.params().kem, public_key)),
        }
    }
    assert_eq!(by_kem.len(), 5);
}

#[test]
fn hpke_rejects_malformed_keys_and_kem_outputs_with_typed_errors() {
    for suite in pq_suites() {
        let cs = suite.cipher_suite();
        let params = *suite.params();
        let keys = suite.generate_hpke_key_pair().unwrap();
        let sealed = suite.hpke_seal(&keys.public_key, b"", b"", b"x").unwrap();
        // Public keys of the wrong length, or whose ML-KEM part has coefficients >= q.
        for bad in [
            &keys.public_key[1..],
            &[keys.public_key.as_slice(), &[0]].concat()[..],
            &vec![0xff; params.kem.public_key_len()][..],
            &[][..],
        ] {
            assert_eq!(
                suite.hpke_seal(bad, b"", b"", b"x"),
                Err(CryptoError::InvalidPublicKey),
                "{cs:?}"
            );
            assert_eq!(
                suite.hpke_export_sender(bad, b"", b"", 32).map(|_| ()),
                Err(CryptoError::InvalidPublicKey),
                "{cs:?}"
            );
        }
        // Private keys of the wrong length.
        for len in [
            0,
            params.kem.private_key_len() - 1,
            params.kem.private_key_len() + 1,
        ] {
            let bad = HpkePrivateKey::new(vec![1; len]);
            assert_eq!(
                suite.hpke_public_key(&bad),
                Err(CryptoError::InvalidPrivateKey),
                "{cs:?}"
            );
            assert_eq!(
                suite.hpke_open(&bad, &sealed.kem_output, b"", b"", &sealed.ciphertext),
                Err(CryptoError::InvalidPrivateKey),
                "{cs:?}"
            );
        }
        // KEM outputs of the wrong length, or altered (ML-KEM's implicit rejection yields
        // another shared secret, so the AEAD fails).
        let mut altered = sealed.kem_output.clone();
        altered[0] ^= 1;
        for bad in [
            &sealed.kem_output[1..],
            &[sealed.kem_output.as_slice(), &[0]].concat()[..],
            &[][..],
            &altered[..],
            &vec![0xff; params.kem.enc_len()][..],
        ] {
            assert_eq!(
                suite.hpke_open(&keys.private_key, bad, b"", b"", &sealed.ciphertext),
                Err(CryptoError::HpkeOpenFailed),
                "{cs:?}"
            );
            // The exporter has no AEAD: an altered ML-KEM ciphertext of the right length
            // exports another secret (implicit rejection); one of another length is refused.
            let export = suite.hpke_export_receiver(&keys.private_key, bad, b"", b"", 32);
            if bad.len() != params.kem.enc_len() {
                assert_eq!(export.err(), Some(CryptoError::HpkeOpenFailed), "{cs:?}");
            }
        }
    }
}

#[test]
fn ml_dsa_sign_verify_and_tampering_is_rejected() {
    for suite in pq_suites() {
        let cs = suite.cipher_suite();
        let scheme = suite.params().signature_scheme;
        if !is_ml_dsa(scheme) {
            continue;
        }
        let keys = suite.generate_signature_key_pair().unwrap();
        let signer = suite.signer(&keys.private_key).unwrap();
        assert_eq!(signer.signature_scheme(), scheme);
        assert_eq!(signer.public_key(), keys.public_key.as_slice());
        let signature = signer.sign(b"message").unwrap();
        suite
            .verify(&keys.public_key, b"message", &signature)
            .unwrap();
        // Hedged signing: two signatures of one message differ, both verify.
        let again = signer.sign(b"message").unwrap();
        assert_ne!(signature, again, "{cs:?}");
        suite.verify(&keys.public_key, b"message", &again).unwrap();
        // The prepared key verifies the same, also over a message in parts.
        let key = suite.verifying_key(&keys.public_key).unwrap();
        suite
            .verify_with_key(&key, &[b"mes", b"sage"], &signature)
            .unwrap();
        assert_eq!(
            suite.verify_with_key(&key, &[b"messagf"], &signature),
            Err(CryptoError::InvalidSignature)
        );
        // A stored private key gives the same signer.
        let stored = SignaturePrivateKey::from_slice(keys.private_key.as_bytes());
        assert_eq!(
            suite.signer(&stored).unwrap().public_key(),
            keys.public_key.as_slice()
        );
        // Every byte of the signature matters (a flip in the hint or response may make it
        // malformed, which is the same typed error).
        for index in [0, 40, signature.len() / 2, signature.len() - 1] {
            let mut tampered = signature.clone();
            tampered[index] ^= 0x01;
            assert_eq!(
                suite.verify(&keys.public_key, b"message", &tampered),
                Err(CryptoError::InvalidSignature),
                "{cs:?} byte {index}"
            );
        }
        let mut tampered_key = keys.public_key.clone();
        tampered_key[100] ^= 1;
        assert_eq!(
            suite.verify(&tampered_key, b"message", &signature),
            Err(CryptoError::InvalidSignature),
            "{cs:?}"
        );
        let other = suite.generate_signature_key_pair().unwrap();
        assert_eq!(
            suite.verify(&other.public_key, b"message", &signature),
            Err(CryptoError::InvalidSignature)
        );
    }
}

#[test]
fn ml_dsa_rejects_malformed_keys_and_signatures_with_typed_errors() {
    for suite in pq_suites() {
        let cs = suite.cipher_suite();
        if !is_ml_dsa(suite.params().signature_scheme) {
            continue;
        }
        let keys = suite.generate_signature_key_pair().unwrap();
        let signature = suite
            .signer(&keys.private_key)
            .unwrap()
            .sign(b"message")
            .unwrap();
        // Private keys other than a 32-byte seed.
        for len in [0, 31, 33, 64, 2560] {
            assert_eq!(
                suite
                    .signer(&SignaturePrivateKey::from_slice(&vec![7; len]))
                    .err(),
                Some(CryptoError::InvalidPrivateKey),
                "{cs:?} {len}"
            );
        }
        // Public keys of the wrong length.
        for bad in [
            &keys.public_key[1..],
            &[keys.public_key.as_slice(), &[0]].concat()[..],
            &[][..],
        ] {
            assert_eq!(
                suite.verify(bad, b"message", &signature),
                Err(CryptoError::InvalidPublicKey),
                "{cs:?}"
            );
            assert_eq!(
                suite.verifying_key(bad).err(),
                Some(CryptoError::InvalidPublicKey),
                "{cs:?}"
            );
        }
        // Signatures of the wrong length, or whose encoding is malformed: all 0xff bytes
        // decode to a response z out of range and to a hint whose indices do not increase.
        let (_, signature_len) = signature_sizes(suite.params().signature_scheme);
        let len = signature_len.unwrap();
        for bad in [
            &signature[1..],
            &[signature.as_slice(), &[0]].concat()[..],
            &[][..],
            &vec![0xff; len][..],
            &vec![0x00; len][..],
        ] {
            assert_eq!(
                suite.verify(&keys.public_key, b"message", bad),
                Err(CryptoError::InvalidSignature),
                "{cs:?}"
            );
        }
        // A signature of another parameter set never verifies.
        for other in pq_suites() {
            let scheme = other.params().signature_scheme;
            if !is_ml_dsa(scheme) || scheme == suite.params().signature_scheme {
                continue;
            }
            assert!(
                suite
                    .verify(
                        &other.generate_signature_key_pair().unwrap().public_key,
                        b"m",
                        &signature
                    )
                    .is_err()
            );
        }
    }
}

#[test]
fn ml_dsa_keys_from_one_seed_agree_with_the_ml_dsa_crate() {
    // FIPS 204 KeyGen_internal(ξ): the stored seed gives the ml-dsa crate's key pair, and its
    // signatures verify with the crate's verifier (empty context).
    use ml_dsa::signature::{Keypair as _, Verifier as _};
    let seed = [42u8; 32];
    static PROVIDER: RustCryptoProvider = RustCryptoProvider::new();
    let suite = PROVIDER
        .suite(mls_crypto::CipherSuite::MLS_192_MLKEM768_AES256GCM_SHA384_MLDSA65)
        .unwrap();
    let signer = suite
        .signer(&SignaturePrivateKey::from_slice(&seed))
        .unwrap();
    let reference = ml_dsa::SigningKey::<ml_dsa::MlDsa65>::from_seed(&seed.into());
    let public_key = reference.verifying_key();
    assert_eq!(signer.public_key(), public_key.encode().as_slice());
    let signature = signer.sign(b"message").unwrap();
    let decoded = ml_dsa::Signature::<ml_dsa::MlDsa65>::try_from(signature.as_slice()).unwrap();
    public_key.verify(b"message", &decoded).unwrap();
    // And the crate's deterministic signature verifies with the provider.
    let theirs = ml_dsa::signature::Signer::sign(&reference, b"message");
    suite
        .verify(signer.public_key(), b"message", theirs.encode().as_slice())
        .unwrap();
}
