//! Unit tests of the provider beyond the RFC 9180 vectors (in `hpke::tests`); the comparison
//! with the RustCrypto provider is in `tests/differential.rs`.

use mls_crypto::{CipherSuite, CryptoError, CryptoProvider, HpkePrivateKey, labeled};

use crate::AwsLcProvider;

fn suites() -> impl Iterator<Item = &'static dyn mls_crypto::CipherSuiteProvider> {
    static PROVIDER: AwsLcProvider = AwsLcProvider::new();
    PROVIDER
        .supported_suites()
        .iter()
        .map(|&suite| PROVIDER.suite(suite).expect("supported"))
}

#[test]
fn supports_exactly_suites_1_2_3_5_7() {
    let provider = AwsLcProvider::new();
    for value in 0..=8u16 {
        let expected = matches!(value, 1 | 2 | 3 | 5 | 7);
        assert_eq!(
            provider.supports(CipherSuite(value)),
            expected,
            "suite {value}"
        );
        assert_eq!(provider.suite(CipherSuite(value)).is_ok(), expected);
    }
    assert!(matches!(
        provider.suite(CipherSuite::MLS_256_DHKEMX448_CHACHA20POLY1305_SHA512_ED448),
        Err(CryptoError::UnsupportedCipherSuite(_))
    ));
}

#[test]
fn hkdf_matches_rfc_5869_test_case_1() {
    let suite = AwsLcProvider
        .suite(CipherSuite::MLS_128_DHKEMX25519_AES128GCM_SHA256_ED25519)
        .expect("suite 1");
    let ikm = [0x0b; 22];
    let salt = hex::decode("000102030405060708090a0b0c").expect("hex");
    let info = hex::decode("f0f1f2f3f4f5f6f7f8f9").expect("hex");
    let prk = suite.kdf_extract(&salt, &ikm);
    assert_eq!(
        hex::encode(prk.as_bytes()),
        "077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5"
    );
    let okm = suite.kdf_expand(prk.as_bytes(), &info, 42).expect("expand");
    assert_eq!(
        hex::encode(okm.as_bytes()),
        "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865"
    );
    assert_eq!(
        suite.kdf_expand(&[0; 31], &info, 42).err(),
        Some(CryptoError::InvalidLength {
            what: "KDF.Expand secret",
            expected: 32,
            actual: 31
        })
    );
    assert_eq!(
        suite.kdf_expand(prk.as_bytes(), &info, 255 * 32 + 1).err(),
        Some(CryptoError::KdfOutputTooLong {
            length: 255 * 32 + 1
        })
    );
    let many = suite
        .kdf_expand_many(prk.as_bytes(), &[(&info, 42), (b"", 255 * 32)])
        .expect("expand many");
    assert_eq!(many[0], okm);
    assert_eq!(many[1].len(), 255 * 32);
}

#[test]
fn every_operation_round_trips_and_tampering_is_refused() {
    for suite in suites() {
        let name = format!("{:?}", suite.cipher_suite());
        // Signatures.
        let keys = suite.generate_signature_key_pair().expect("keys");
        let signer = suite.signer(&keys.private_key).expect("signer");
        assert_eq!(signer.public_key(), keys.public_key.as_slice(), "{name}");
        let signature = labeled::sign_with_label(&*signer, "Label", b"content").expect("sign");
        labeled::verify_with_label(suite, &keys.public_key, "Label", b"content", &signature)
            .expect(&name);
        assert_eq!(
            labeled::verify_with_label(suite, &keys.public_key, "Label", b"other", &signature),
            Err(CryptoError::InvalidSignature),
            "{name}"
        );
        let key = suite
            .verifying_key(&keys.public_key)
            .expect("verifying key");
        suite
            .verify_with_key(
                &key,
                &[b"con", b"", b"tent"],
                &signer.sign(b"content").expect("sign"),
            )
            .expect(&name);
        assert!(
            suite.verifying_key(&keys.public_key[1..]).is_err(),
            "{name}"
        );

        // HPKE.
        let node = suite.generate_hpke_key_pair().expect("hpke keys");
        assert_eq!(
            suite.hpke_public_key(&node.private_key).expect("public"),
            node.public_key
        );
        let sealed = suite
            .hpke_seal(&node.public_key, b"info", b"aad", b"plaintext")
            .expect("seal");
        assert_eq!(sealed.kem_output.len(), suite.params().kem.public_key_len());
        let opened = suite
            .hpke_open(
                &node.private_key,
                &sealed.kem_output,
                b"info",
                b"aad",
                &sealed.ciphertext,
            )
            .expect("open");
        assert_eq!(opened.as_slice(), b"plaintext");
        for (info, aad) in [(&b"infO"[..], &b"aad"[..]), (b"info", b"aaD")] {
            assert_eq!(
                suite
                    .hpke_open(
                        &node.private_key,
                        &sealed.kem_output,
                        info,
                        aad,
                        &sealed.ciphertext
                    )
                    .err(),
                Some(CryptoError::HpkeOpenFailed),
                "{name}"
            );
        }
        let (enc, secret) = suite
            .hpke_export_sender(&node.public_key, b"", b"context", 40)
            .expect("export");
        let received = suite
            .hpke_export_receiver(&node.private_key, &enc, b"", b"context", 40)
            .expect("export");
        assert_eq!(secret, received, "{name}");
        assert!(
            suite
                .hpke_export_receiver(&node.private_key, &enc[1..], b"", b"context", 40)
                .is_err()
        );
        assert!(
            suite
                .hpke_public_key(&HpkePrivateKey::from_slice(
                    &node.private_key.as_bytes()[1..]
                ))
                .is_err()
        );

        // AEAD.
        let key = vec![9u8; suite.params().aead_key_len()];
        let nonce = [3u8; 12];
        let ciphertext = suite
            .aead_seal(&key, &nonce, b"aad", b"message")
            .expect("seal");
        assert_eq!(
            suite
                .aead_open(&key, &nonce, b"aad", &ciphertext)
                .expect("open")
                .as_slice(),
            b"message"
        );
        let mut tampered = ciphertext.clone();
        tampered[0] ^= 1;
        assert_eq!(
            suite.aead_open(&key, &nonce, b"aad", &tampered).err(),
            Some(CryptoError::AeadDecryptFailed)
        );
        assert!(matches!(
            suite.aead_seal(&key[1..], &nonce, b"", b""),
            Err(CryptoError::InvalidLength {
                what: "AEAD key",
                ..
            })
        ));
        assert!(matches!(
            suite.aead_seal(&key, &nonce[1..], b"", b""),
            Err(CryptoError::InvalidLength {
                what: "AEAD nonce",
                ..
            })
        ));
    }
}

#[test]
fn ed25519_verification_refuses_small_order_keys_and_r_and_non_canonical_s() {
    let suite = AwsLcProvider
        .suite(CipherSuite::MLS_128_DHKEMX25519_AES128GCM_SHA256_ED25519)
        .expect("suite 1");
    let identity = mls_crypto::ed25519::SMALL_ORDER_ENCODINGS[0];
    // With A = R = identity and S = 0, [S]B = R + [k]A holds for every message: the
    // signature a non-strict verifier accepts for a weak key.
    let mut forged = identity.to_vec();
    forged.extend_from_slice(&[0; 32]);
    assert_eq!(
        suite.verify(&identity, b"anything", &forged),
        Err(CryptoError::InvalidPublicKey)
    );
    // A valid signature with S + L (the same S modulo the group order) is not canonical.
    let keys = suite.generate_signature_key_pair().expect("keys");
    let signer = suite.signer(&keys.private_key).expect("signer");
    let signature = signer.sign(b"message").expect("sign");
    suite
        .verify(&keys.public_key, b"message", &signature)
        .expect("valid");
    const L: [u8; 32] = [
        0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde,
        0x14, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
    ];
    let mut non_canonical = signature.clone();
    let mut carry = 0u16;
    for (byte, l) in non_canonical[32..].iter_mut().zip(L) {
        let sum = u16::from(*byte) + u16::from(l) + carry;
        *byte = sum.to_le_bytes()[0];
        carry = sum >> 8;
    }
    assert_eq!(
        suite.verify(&keys.public_key, b"message", &non_canonical),
        Err(CryptoError::InvalidSignature)
    );
    // R of small order.
    let mut small_r = signature;
    small_r[..32].copy_from_slice(&identity);
    assert_eq!(
        suite.verify(&keys.public_key, b"message", &small_r),
        Err(CryptoError::InvalidSignature)
    );
}

#[test]
fn ecdsa_refuses_compressed_and_spki_public_keys() {
    let suite = AwsLcProvider
        .suite(CipherSuite::MLS_128_DHKEMP256_AES128GCM_SHA256_P256)
        .expect("suite 2");
    let keys = suite.generate_signature_key_pair().expect("keys");
    assert_eq!(keys.public_key.len(), 65);
    assert_eq!(keys.private_key.len(), 32);
    let signature = suite
        .signer(&keys.private_key)
        .expect("signer")
        .sign(b"m")
        .expect("sign");
    suite
        .verify(&keys.public_key, b"m", &signature)
        .expect("valid");
    let mut compressed = vec![0x02 | (keys.public_key[64] & 1)];
    compressed.extend_from_slice(&keys.public_key[1..33]);
    assert_eq!(
        suite.verify(&compressed, b"m", &signature),
        Err(CryptoError::InvalidPublicKey)
    );
}
