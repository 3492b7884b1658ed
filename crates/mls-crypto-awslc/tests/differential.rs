//! The aws-lc-rs provider against the RustCrypto provider, in every suite both serve: the same
//! inputs give the same outputs for the deterministic operations (hash, MAC, KDF, AEAD,
//! DeriveKeyPair, public keys of HPKE private keys, Ed25519 signatures), and what one provider
//! produces with randomness (HPKE encapsulations, ECDSA signatures, exports) the other opens or
//! verifies.

use mls_crypto::{
    CipherSuite, CipherSuiteProvider, CryptoProvider, HpkePrivateKey, SignatureScheme, labeled,
};
use mls_crypto_awslc::AwsLcProvider;
use mls_crypto_rustcrypto::RustCryptoProvider;

/// `(suite, aws-lc, RustCrypto)` for every suite both providers serve.
fn pairs() -> Vec<(
    CipherSuite,
    &'static dyn CipherSuiteProvider,
    &'static dyn CipherSuiteProvider,
)> {
    static AWS_LC: AwsLcProvider = AwsLcProvider::new();
    static RUST_CRYPTO: RustCryptoProvider = RustCryptoProvider::new();
    let pairs: Vec<_> = AWS_LC
        .supported_suites()
        .iter()
        .filter(|&&suite| RUST_CRYPTO.supports(suite))
        .map(|&suite| {
            (
                suite,
                AWS_LC.suite(suite).expect("aws-lc suite"),
                RUST_CRYPTO.suite(suite).expect("RustCrypto suite"),
            )
        })
        .collect();
    assert_eq!(pairs.len(), 5, "suites 1, 2, 3, 5 and 7 are served by both");
    pairs
}

/// Deterministic inputs of many lengths (0, 1, a block, more than a block).
fn inputs() -> Vec<Vec<u8>> {
    [0usize, 1, 31, 64, 65, 200, 1000]
        .iter()
        .map(|&len| (0..len).map(|i| (i * 7 + len).to_le_bytes()[0]).collect())
        .collect()
}

#[test]
fn hash_mac_and_kdf_agree() {
    for (suite, aws, rc) in pairs() {
        let nh = aws.hash_len();
        assert_eq!(nh, rc.hash_len());
        for input in inputs() {
            assert_eq!(aws.hash(&input), rc.hash(&input), "{suite:?} hash");
            assert_eq!(
                aws.hash_concat(&[&input, b"", &input]),
                rc.hash_concat(&[&input, b"", &input]),
                "{suite:?} hash_concat"
            );
            for key in inputs() {
                assert_eq!(aws.mac(&key, &input), rc.mac(&key, &input), "{suite:?} mac");
                assert_eq!(
                    aws.kdf_extract(&key, &input),
                    rc.kdf_extract(&key, &input),
                    "{suite:?} extract"
                );
            }
            let prk = rc.kdf_extract(b"salt", &input);
            for length in [0, 1, nh - 1, nh, nh + 1, 3 * nh + 5, 255 * nh] {
                assert_eq!(
                    aws.kdf_expand(prk.as_bytes(), &input, length),
                    rc.kdf_expand(prk.as_bytes(), &input, length),
                    "{suite:?} expand {length}"
                );
            }
            assert_eq!(
                aws.kdf_expand(prk.as_bytes(), &input, 255 * nh + 1),
                rc.kdf_expand(prk.as_bytes(), &input, 255 * nh + 1),
                "{suite:?} expand too long"
            );
            // A PRK longer than Nh (an HMAC key of any length) and one too short.
            let long_prk = [prk.as_bytes(), &input, &[0xaa; 70]].concat();
            assert_eq!(
                aws.kdf_expand(&long_prk, b"info", 2 * nh),
                rc.kdf_expand(&long_prk, b"info", 2 * nh),
                "{suite:?} long PRK"
            );
            assert_eq!(
                aws.kdf_expand(&prk.as_bytes()[1..], b"info", nh),
                rc.kdf_expand(&prk.as_bytes()[1..], b"info", nh),
                "{suite:?} short PRK"
            );
            let requests: [(&[u8], usize); 3] = [(b"key", 16), (&input, nh), (b"", 1)];
            assert_eq!(
                aws.kdf_expand_many(prk.as_bytes(), &requests),
                rc.kdf_expand_many(prk.as_bytes(), &requests),
                "{suite:?} expand_many"
            );
            // The labeled operations of RFC 9420 §5 and §8 on top of them.
            assert_eq!(
                labeled::derive_secret(aws, prk.as_bytes(), "epoch"),
                labeled::derive_secret(rc, prk.as_bytes(), "epoch"),
            );
            assert_eq!(
                labeled::ref_hash(aws, "MLS 1.0 KeyPackage Reference", &input),
                labeled::ref_hash(rc, "MLS 1.0 KeyPackage Reference", &input),
            );
        }
    }
}

#[test]
fn aead_agrees_both_ways() {
    for (suite, aws, rc) in pairs() {
        let key: Vec<u8> = (0..aws.params().aead_key_len())
            .map(|i| i.to_le_bytes()[0])
            .collect();
        let nonce = [0x5a; 12];
        for plaintext in inputs() {
            for aad in [&b""[..], b"aad", &plaintext] {
                let sealed = aws.aead_seal(&key, &nonce, aad, &plaintext).expect("seal");
                assert_eq!(
                    sealed,
                    rc.aead_seal(&key, &nonce, aad, &plaintext).expect("seal"),
                    "{suite:?} seal"
                );
                assert_eq!(
                    rc.aead_open(&key, &nonce, aad, &sealed)
                        .expect("open")
                        .as_slice(),
                    plaintext.as_slice()
                );
                let mut tampered = sealed.clone();
                if let Some(last) = tampered.last_mut() {
                    *last ^= 1;
                }
                assert_eq!(
                    aws.aead_open(&key, &nonce, aad, &tampered).err(),
                    rc.aead_open(&key, &nonce, aad, &tampered).err(),
                );
            }
        }
        assert_eq!(
            aws.aead_seal(&key[1..], &nonce, b"", b"x").err(),
            rc.aead_seal(&key[1..], &nonce, b"", b"x").err(),
            "{suite:?} short key"
        );
        assert_eq!(
            aws.aead_open(&key, &nonce, b"", &[0; 15]).err(),
            rc.aead_open(&key, &nonce, b"", &[0; 15]).err(),
            "{suite:?} shorter than a tag"
        );
    }
}

/// The X25519 private keys of the two providers may differ in the clamped bits (the `hpke`
/// crate serializes the clamped scalar, RFC 9180 §7.1.2 the 32 bytes DeriveKeyPair gives);
/// both denote the same scalar.
fn clamp(private_key: &HpkePrivateKey) -> Vec<u8> {
    let mut bytes = private_key.as_bytes().to_vec();
    bytes[0] &= 248;
    bytes[31] &= 127;
    bytes[31] |= 64;
    bytes
}

#[test]
fn derive_key_pair_and_public_keys_agree() {
    for (suite, aws, rc) in pairs() {
        let x25519 = aws.params().kem.id() == 0x0020;
        for ikm in inputs().into_iter().chain([vec![0xff; 66]]) {
            let a = aws.derive_hpke_key_pair(&ikm).expect("derive");
            let r = rc.derive_hpke_key_pair(&ikm).expect("derive");
            assert_eq!(a.public_key, r.public_key, "{suite:?} public key");
            if x25519 {
                assert_eq!(clamp(&a.private_key), clamp(&r.private_key), "{suite:?}");
            } else {
                assert_eq!(a.private_key, r.private_key, "{suite:?} private key");
            }
            // Each provider computes the same public key from the other's private key.
            assert_eq!(
                aws.hpke_public_key(&r.private_key).expect("pk"),
                a.public_key
            );
            assert_eq!(
                rc.hpke_public_key(&a.private_key).expect("pk"),
                a.public_key
            );
        }
        let fresh = aws.generate_hpke_key_pair().expect("generate");
        assert_eq!(
            rc.hpke_public_key(&fresh.private_key).expect("pk"),
            fresh.public_key
        );
    }
}

#[test]
fn hpke_seal_opens_in_the_other_provider_both_ways() {
    for (suite, aws, rc) in pairs() {
        for (sender, receiver, direction) in [
            (aws, rc, "aws-lc to RustCrypto"),
            (rc, aws, "RustCrypto to aws-lc"),
        ] {
            let keys = receiver.generate_hpke_key_pair().expect("keys");
            for plaintext in inputs() {
                let sealed = sender
                    .hpke_seal(&keys.public_key, b"info", b"aad", &plaintext)
                    .expect("seal");
                let opened = receiver
                    .hpke_open(
                        &keys.private_key,
                        &sealed.kem_output,
                        b"info",
                        b"aad",
                        &sealed.ciphertext,
                    )
                    .unwrap_or_else(|e| panic!("{suite:?} {direction}: {e}"));
                assert_eq!(opened.as_slice(), plaintext.as_slice());
            }
            let recipients: Vec<(Vec<u8>, Vec<u8>)> = (0..3)
                .map(|i| {
                    let keys = receiver.derive_hpke_key_pair(&[i; 32]).expect("derive");
                    (keys.public_key, vec![i; 10])
                })
                .collect();
            let borrowed: Vec<(&[u8], &[u8])> = recipients
                .iter()
                .map(|(pk, pt)| (pk.as_slice(), pt.as_slice()))
                .collect();
            let sealed = sender
                .hpke_seal_many(b"shared info", b"", &borrowed)
                .expect("seal many");
            for (i, one) in (0u8..).zip(&sealed) {
                let keys = receiver.derive_hpke_key_pair(&[i; 32]).expect("derive");
                let opened = receiver
                    .hpke_open(
                        &keys.private_key,
                        &one.kem_output,
                        b"shared info",
                        b"",
                        &one.ciphertext,
                    )
                    .unwrap_or_else(|e| panic!("{suite:?} {direction} seal_many: {e}"));
                assert_eq!(opened.as_slice(), &[i; 10]);
            }
            // EncryptWithLabel / DecryptWithLabel (RFC 9420 §5.1.3).
            let sealed = labeled::encrypt_with_label(
                sender,
                &keys.public_key,
                "UpdatePathNode",
                b"context",
                b"path secret",
            )
            .expect("encrypt");
            let opened = labeled::decrypt_with_label(
                receiver,
                &keys.private_key,
                "UpdatePathNode",
                b"context",
                &sealed.kem_output,
                &sealed.ciphertext,
            )
            .expect("decrypt");
            assert_eq!(opened.as_slice(), b"path secret");
        }
    }
}

#[test]
fn hpke_export_agrees_across_providers() {
    for (suite, aws, rc) in pairs() {
        for (sender, receiver) in [(aws, rc), (rc, aws)] {
            let keys = receiver.generate_hpke_key_pair().expect("keys");
            for length in [1, 32, aws.hash_len(), 100] {
                let (enc, secret) = sender
                    .hpke_export_sender(
                        &keys.public_key,
                        b"",
                        b"MLS 1.0 external init secret",
                        length,
                    )
                    .expect("export");
                let received = receiver
                    .hpke_export_receiver(
                        &keys.private_key,
                        &enc,
                        b"",
                        b"MLS 1.0 external init secret",
                        length,
                    )
                    .expect("export");
                assert_eq!(secret, received, "{suite:?} export of {length}");
            }
        }
    }
}

#[test]
fn signatures_agree_or_cross_verify() {
    for (suite, aws, rc) in pairs() {
        let ed25519 = aws.params().signature_scheme == SignatureScheme::Ed25519;
        for (keys_from, other) in [(aws, rc), (rc, aws)] {
            let keys = keys_from.generate_signature_key_pair().expect("keys");
            let here = keys_from.signer(&keys.private_key).expect("signer");
            let there = other
                .signer(&keys.private_key)
                .expect("the other imports the key");
            assert_eq!(here.public_key(), there.public_key(), "{suite:?}");
            for message in inputs() {
                let a = here.sign(&message).expect("sign");
                let b = there.sign(&message).expect("sign");
                if ed25519 {
                    // Ed25519 is deterministic (RFC 8032 §5.1.6).
                    assert_eq!(a, b, "{suite:?} Ed25519 signature");
                }
                for (verifier, signature) in [(aws, &a), (aws, &b), (rc, &a), (rc, &b)] {
                    verifier
                        .verify(&keys.public_key, &message, signature)
                        .unwrap_or_else(|e| panic!("{suite:?}: {e}"));
                    let key = verifier.verifying_key(&keys.public_key).expect("key");
                    verifier
                        .verify_with_key(
                            &key,
                            &[&message[..message.len() / 2], &message[message.len() / 2..]],
                            signature,
                        )
                        .unwrap_or_else(|e| panic!("{suite:?} in pieces: {e}"));
                }
                let mut tampered = a.clone();
                let middle = tampered.len() / 2;
                tampered[middle] ^= 1;
                assert!(aws.verify(&keys.public_key, &message, &tampered).is_err());
                assert!(rc.verify(&keys.public_key, &message, &tampered).is_err());
            }
            // A verifying key prepared by one provider is accepted by the other.
            let signature = here.sign(b"m").expect("sign");
            let prepared = other.verifying_key(&keys.public_key).expect("key");
            keys_from
                .verify_with_key(&prepared, &[b"m"], &signature)
                .expect("a foreign prepared key");
        }
    }
}

#[test]
fn malformed_keys_are_refused_by_both() {
    for (suite, aws, rc) in pairs() {
        let keys = aws.generate_signature_key_pair().expect("keys");
        let signature = aws
            .signer(&keys.private_key)
            .expect("signer")
            .sign(b"m")
            .expect("sign");
        for bad in [&keys.public_key[1..], &[][..], &[0u8; 200][..]] {
            assert!(aws.verify(bad, b"m", &signature).is_err(), "{suite:?}");
            assert!(rc.verify(bad, b"m", &signature).is_err(), "{suite:?}");
        }
        let hpke = aws.generate_hpke_key_pair().expect("keys");
        for bad in [&hpke.public_key[1..], &[][..]] {
            assert!(aws.hpke_seal(bad, b"", b"", b"x").is_err(), "{suite:?}");
            assert!(rc.hpke_seal(bad, b"", b"", b"x").is_err(), "{suite:?}");
        }
        let short = HpkePrivateKey::from_slice(&hpke.private_key.as_bytes()[1..]);
        assert!(aws.hpke_public_key(&short).is_err(), "{suite:?}");
        assert!(rc.hpke_public_key(&short).is_err(), "{suite:?}");
    }
}
