//! Known answers and negative tests of X448, DHKEM(X448, HKDF-SHA512) and Ed448 (suites 4 and
//! 6); the round trips of every suite are in `tests.rs`, the MLS vectors in `mls-vectors`.

use hpke::{Deserializable, Kem, Serializable};
use mls_crypto::{
    CipherSuite, CipherSuiteProvider, CryptoError, CryptoProvider, HpkePrivateKey,
    SignaturePrivateKey, labeled,
};

use crate::RustCryptoProvider;
use crate::dhkem_x448::{PrivateKey, PublicKey, X448HkdfSha512, dh};

fn suite_4() -> &'static dyn CipherSuiteProvider {
    static PROVIDER: RustCryptoProvider = RustCryptoProvider::new();
    PROVIDER
        .suite(CipherSuite::MLS_256_DHKEMX448_AES256GCM_SHA512_ED448)
        .unwrap()
}

fn suite_6() -> &'static dyn CipherSuiteProvider {
    static PROVIDER: RustCryptoProvider = RustCryptoProvider::new();
    PROVIDER
        .suite(CipherSuite::MLS_256_DHKEMX448_CHACHA20POLY1305_SHA512_ED448)
        .unwrap()
}

fn x448(scalar: &[u8], u: &[u8]) -> Result<Vec<u8>, hpke::HpkeError> {
    let scalar = PrivateKey::from_bytes(scalar)?;
    let u = PublicKey::from_bytes(u)?;
    dh(&scalar, &u).map(|out| out.to_vec())
}

fn unhex(hex: &str) -> Vec<u8> {
    hex::decode(hex).unwrap()
}

/// RFC 7748 §5.2, the two X448 test vectors (the scalar is clamped by the function).
#[test]
fn x448_matches_rfc_7748_section_5_2() {
    let cases = [
        (
            "3d262fddf9ec8e88495266fea19a34d28882acef045104d0d1aae121700a779c984c24f8cdd78fbff44943eba368f54b29259a4f1c600ad3",
            "06fce640fa3487bfda5f6cf2d5263f8aad88334cbd07437f020f08f9814dc031ddbdc38c19c6da2583fa5429db94ada18aa7a7fb4ef8a086",
            "ce3e4ff95a60dc6697da1db1d85e6afbdf79b50a2412d7546d5f239fe14fbaadeb445fc66a01b0779d98223961111e21766282f73dd96b6f",
        ),
        (
            "203d494428b8399352665ddca42f9de8fef600908e0d461cb021f8c538345dd77c3e4806e25f46d3315c44e0a5b4371282dd2c8d5be3095f",
            "0fbcc2f993cd56d3305b0b7d9e55d4c1a8fb5dbb52f8e9a1e9b6201b165d015894e56c4d3570bee52fe205e28a78b91cdfbde71ce8d157db",
            "884a02576239ff7a2f2f63b2db6a9ff37047ac13568e1e30fe63c4a7ad1b3ee3a5700df34321d62077e63633c575c1c954514e99da7c179d",
        ),
    ];
    for (scalar, u, expected) in cases {
        assert_eq!(
            hex::encode(x448(&unhex(scalar), &unhex(u)).unwrap()),
            expected
        );
    }
}

/// RFC 7748 §5.2, the iterated X448 vector after 1 and 1000 iterations, starting from k = u = 5.
#[test]
fn x448_iterated_matches_rfc_7748_section_5_2() {
    let mut k = vec![0u8; 56];
    k[0] = 5;
    let mut u = k.clone();
    for iteration in 1..=1000 {
        let out = x448(&k, &u).unwrap();
        u = k;
        k = out;
        if iteration == 1 {
            assert_eq!(
                hex::encode(&k),
                "3f482c8a9f19b01e6c46ee9711d9dc14fd4bf67af30765c2ae2b846a4d23a8cd0db897086239492caf350b51f833868b9bc2b3bca9cf4113"
            );
        }
    }
    assert_eq!(
        hex::encode(&k),
        "aa3b4749d55b9daf1e5b00288826c467274ce3ebbdd5c17b975e09d4af6c67cf10d087202db88286e2b79fceea3ec353ef54faa26e219f38"
    );
}

/// RFC 7748 §6.2: the key pairs of Alice and Bob and their shared secret, through the KEM's
/// key conversion (`sk_to_pk`) and DH.
#[test]
fn x448_diffie_hellman_matches_rfc_7748_section_6_2() {
    let alice = PrivateKey::from_bytes(&unhex("9a8f4925d1519f5775cf46b04b5800d4ee9ee8bae8bc5565d498c28dd9c9baf574a9419744897391006382a6f127ab1d9ac2d8c0a598726b")).unwrap();
    let bob = PrivateKey::from_bytes(&unhex("1c306a7ac2a0e2e0990b294470cba339e6453772b075811d8fad0d1d6927c120bb5ee8972b0d3e21374c9c921b09d1b0366f10b65173992d")).unwrap();
    let alice_pub = X448HkdfSha512::sk_to_pk(&alice);
    let bob_pub = X448HkdfSha512::sk_to_pk(&bob);
    assert_eq!(
        hex::encode(alice_pub.to_bytes()),
        "9b08f7cc31b7e3e67d22d5aea121074a273bd2b83de09c63faa73d2c22c5d9bbc836647241d953d40c5b12da88120d53177f80e532c41fa0"
    );
    assert_eq!(
        hex::encode(bob_pub.to_bytes()),
        "3eb7a829b0cd20f5bcfc0b599b6feccf6da4627107bdb0d4f345b43027d8b972fc3e34fb4232a13ca706dcb57aec3dae07bdc1c67bf33609"
    );
    let shared = "07fff4181ac6cc95ec1c16a94a0f74d12da232ce40a77552281d282bb60c0b56fd2464c335543936521c24403085d59a449a5037514a879d";
    assert_eq!(hex::encode(*dh(&alice, &bob_pub).unwrap()), shared);
    assert_eq!(hex::encode(*dh(&bob, &alice_pub).unwrap()), shared);
}

/// Private keys are clamped when deserialized and when serialized (RFC 9180 §7.1.2), so
/// keys that differ only in the clamped bits are the same key.
#[test]
fn x448_private_keys_are_clamped() {
    let raw = [0xffu8; 56];
    let key = PrivateKey::from_bytes(&raw).unwrap();
    let bytes = key.to_bytes();
    assert_eq!(bytes[0], 0xfc);
    assert_eq!(bytes[55], 0xff);
    let mut low = [0x55u8; 56];
    let a = PrivateKey::from_bytes(&low).unwrap();
    low[0] |= 3;
    low[55] |= 0x80;
    let b = PrivateKey::from_bytes(&low).unwrap();
    assert_eq!(a.to_bytes(), b.to_bytes());
    assert_eq!(X448HkdfSha512::sk_to_pk(&a), X448HkdfSha512::sk_to_pk(&b));
}

/// Public keys whose X448 output is all zero, whatever the private key: the points of small
/// order (on the curve or its twist) u = 0, u = 1 and u = -1, and the non-canonical encodings
/// u = p and u = p + 1 of the first two (p = 2^448 - 2^224 - 1; RFC 7748 §5 processes a
/// non-canonical u as if reduced modulo p).
fn small_order_public_keys() -> Vec<[u8; 56]> {
    let zero = [0u8; 56];
    let mut one = [0u8; 56];
    one[0] = 1;
    // p, little-endian: 0xff (28 bytes), then 0xfe, then 0xff (27 bytes).
    let mut p = [0xffu8; 56];
    p[28] = 0xfe;
    let mut minus_one = p;
    minus_one[0] = 0xfe;
    // p + 1 = 2^448 - 2^224: 0x00 (28 bytes), then 0xff (28 bytes).
    let mut p_plus_one = [0xffu8; 56];
    p_plus_one[..28].fill(0);
    vec![zero, one, minus_one, p, p_plus_one]
}

/// RFC 9180 §7.1.4: an all-zero DH output is an error, for the sender and the recipient.
#[test]
fn all_zero_dh_output_is_rejected() {
    let (sk, pk) = X448HkdfSha512::derive_keypair(&[9; 56]);
    for (index, small) in small_order_public_keys().iter().enumerate() {
        let small_key = PublicKey::from_bytes(small).unwrap();
        assert_eq!(
            dh(&sk, &small_key).err(),
            Some(hpke::HpkeError::ValidationError),
            "key {index}"
        );
        // Encap to it and Decap of it.
        assert!(
            X448HkdfSha512::encap_deterministic(&small_key, &sk).is_err(),
            "key {index}"
        );
        let encapped = <X448HkdfSha512 as Kem>::EncappedKey::from_bytes(small).unwrap();
        assert!(
            X448HkdfSha512::decap(&sk, None, &encapped).is_err(),
            "key {index}"
        );
        for suite in [suite_4(), suite_6()] {
            assert_eq!(
                suite.hpke_seal(small, b"info", b"", b"pt").err(),
                Some(CryptoError::HpkeSealFailed),
                "key {index}"
            );
            let private_key = HpkePrivateKey::from(sk.to_bytes().to_vec());
            assert_eq!(
                suite
                    .hpke_open(&private_key, small, b"info", b"", &[0; 32])
                    .err(),
                Some(CryptoError::HpkeOpenFailed),
                "key {index}"
            );
        }
    }
    // A good key still works.
    let (shared, encapped) = X448HkdfSha512::encap_deterministic(&pk, &sk).unwrap();
    let decapped = X448HkdfSha512::decap(&sk, None, &encapped).unwrap();
    assert_eq!(shared.0, decapped.0);
}

/// Keys and encapsulations of the wrong length are typed errors.
#[test]
fn x448_keys_of_the_wrong_length_are_rejected() {
    for suite in [suite_4(), suite_6()] {
        let keys = suite.derive_hpke_key_pair(&[1; 56]).unwrap();
        assert_eq!(keys.public_key.len(), 56);
        assert_eq!(keys.private_key.len(), 56);
        let sealed = suite.hpke_seal(&keys.public_key, b"", b"", b"pt").unwrap();
        for length in [0usize, 32, 55, 57, 112] {
            let bytes = vec![7u8; length];
            assert_eq!(
                suite.hpke_seal(&bytes, b"", b"", b"pt").err(),
                Some(CryptoError::InvalidPublicKey),
                "{length}"
            );
            assert_eq!(
                suite
                    .hpke_open(&keys.private_key, &bytes, b"", b"", &sealed.ciphertext)
                    .err(),
                Some(CryptoError::HpkeOpenFailed),
                "{length}"
            );
            let private_key = HpkePrivateKey::from(bytes.clone());
            assert_eq!(
                suite
                    .hpke_open(
                        &private_key,
                        &sealed.kem_output,
                        b"",
                        b"",
                        &sealed.ciphertext
                    )
                    .err(),
                Some(CryptoError::InvalidPrivateKey),
                "{length}"
            );
            assert_eq!(
                suite.hpke_public_key(&private_key).err(),
                Some(CryptoError::InvalidPrivateKey),
                "{length}"
            );
        }
        let opened = suite
            .hpke_open(
                &keys.private_key,
                &sealed.kem_output,
                b"",
                b"",
                &sealed.ciphertext,
            )
            .unwrap();
        assert_eq!(opened.as_slice(), b"pt");
    }
}

/// AuthEncap and AuthDecap (RFC 9180 §4.1), which MLS does not use, agree too: through the
/// `hpke` crate's auth mode on this KEM.
#[test]
fn x448_auth_mode_round_trips_through_the_hpke_crate() {
    use hpke::aead::AesGcm256;
    use hpke::kdf::HkdfSha512;
    let (sk_r, pk_r) = X448HkdfSha512::derive_keypair(b"recipient");
    let (sk_s, pk_s) = X448HkdfSha512::derive_keypair(b"sender");
    let mut rng = rand::rng();
    let (encapped, ciphertext) =
        hpke::single_shot_seal_with_rng::<AesGcm256, HkdfSha512, X448HkdfSha512>(
            &hpke::OpModeS::Auth((sk_s, pk_s.clone())),
            &pk_r,
            b"info",
            b"plaintext",
            b"aad",
            &mut rng,
        )
        .unwrap();
    let opened = hpke::single_shot_open::<AesGcm256, HkdfSha512, X448HkdfSha512>(
        &hpke::OpModeR::Auth(pk_s),
        &sk_r,
        &encapped,
        b"info",
        &ciphertext,
        b"aad",
    )
    .unwrap();
    assert_eq!(opened, b"plaintext");
    // Another sender's key does not open it.
    let (_, pk_other) = X448HkdfSha512::derive_keypair(b"other");
    assert!(
        hpke::single_shot_open::<AesGcm256, HkdfSha512, X448HkdfSha512>(
            &hpke::OpModeR::Auth(pk_other),
            &sk_r,
            &encapped,
            b"info",
            &ciphertext,
            b"aad",
        )
        .is_err()
    );
}

/// RFC 8032 §7.4, the Ed448 vectors without context: "-----TEST 1" (empty message) and
/// "-----TEST 1 octet".
const ED448_VECTORS: [(&str, &str, &str, &str); 2] = [
    (
        "6c82a562cb808d10d632be89c8513ebf6c929f34ddfa8c9f63c9960ef6e348a3528c8a3fcc2f044e39a3fc5b94492f8f032e7549a20098f95b",
        "5fd7449b59b461fd2ce787ec616ad46a1da1342485a70e1f8a0ea75d80e96778edf124769b46c7061bd6783df1e50f6cd1fa1abeafe8256180",
        "",
        "533a37f6bbe457251f023c0d88f976ae2dfb504a843e34d2074fd823d41a591f2b233f034f628281f2fd7a22ddd47d7828c59bd0a21bfd3980ff0d2028d4b18a9df63e006c5d1c2d345b925d8dc00b4104852db99ac5c7cdda8530a113a0f4dbb61149f05a7363268c71d95808ff2e652600",
    ),
    (
        "c4eab05d357007c632f3dbb48489924d552b08fe0c353a0d4a1f00acda2c463afbea67c5e8d2877c5e3bc397a659949ef8021e954e0a12274e",
        "43ba28f430cdff456ae531545f7ecd0ac834a55d9358c0372bfa0c6c6798c0866aea01eb00742802b8438ea4cb82169c235160627b4c3a9480",
        "03",
        "26b8f91727bd62897af15e41eb43c377efb9c610d48f2335cb0bd0087810f4352541b143c4b981b7e18f62de8ccdf633fc1bf037ab7cd779805e0dbcc0aae1cbcee1afb2e027df36bc04dcecbf154336c19f0af7e0a6472905e799f1953d2a0ff3348ab21aa4adafd1d234441cf807c03a00",
    ),
];

#[test]
fn ed448_matches_rfc_8032_section_7_4() {
    for suite in [suite_4(), suite_6()] {
        for (secret, public, message, signature) in ED448_VECTORS {
            let signer = suite
                .signer(&SignaturePrivateKey::from_slice(&unhex(secret)))
                .unwrap();
            assert_eq!(hex::encode(signer.public_key()), public);
            assert_eq!(
                signer.signature_scheme(),
                mls_crypto::SignatureScheme::Ed448
            );
            let produced = signer.sign(&unhex(message)).unwrap();
            assert_eq!(hex::encode(&produced), signature);
            suite
                .verify(&unhex(public), &unhex(message), &unhex(signature))
                .unwrap();
            let key = suite.verifying_key(&unhex(public)).unwrap();
            suite
                .verify_with_key(&key, &[&unhex(message)], &unhex(signature))
                .unwrap();
            // A modified message or signature does not verify.
            assert_eq!(
                suite.verify(&unhex(public), b"x", &unhex(signature)).err(),
                Some(CryptoError::InvalidSignature)
            );
            let mut bad = unhex(signature);
            bad[10] ^= 1;
            assert_eq!(
                suite.verify(&unhex(public), &unhex(message), &bad).err(),
                Some(CryptoError::InvalidSignature)
            );
        }
    }
}

/// A message given in parts verifies as their concatenation.
#[test]
fn ed448_verifies_multipart_messages() {
    let suite = suite_4();
    let keys = suite.generate_signature_key_pair().unwrap();
    assert_eq!(keys.public_key.len(), 57);
    assert_eq!(keys.private_key.len(), 57);
    let signer = suite.signer(&keys.private_key).unwrap();
    assert_eq!(signer.public_key(), keys.public_key.as_slice());
    let signature = signer.sign(b"hello world").unwrap();
    assert_eq!(signature.len(), 114);
    let key = suite.verifying_key(&keys.public_key).unwrap();
    suite
        .verify_with_key(&key, &[b"hello", b" ", b"world"], &signature)
        .unwrap();
    assert!(
        suite
            .verify_with_key(&key, &[b"hello", b"world"], &signature)
            .is_err()
    );
    // SignWithLabel / VerifyWithLabel (RFC 9420 §5.1.2).
    let labeled = labeled::sign_with_label(&*signer, "LeafNodeTBS", b"content").unwrap();
    labeled::verify_with_label(suite, &keys.public_key, "LeafNodeTBS", b"content", &labeled)
        .unwrap();
    let results = suite.verify_many(&[
        (&key, b"hello world", &signature),
        (&key, b"hello", &signature),
    ]);
    assert_eq!(results, vec![Ok(()), Err(CryptoError::InvalidSignature)]);
}

/// Malformed keys and signatures are typed errors, never panics.
#[test]
fn ed448_malformed_keys_and_signatures_are_rejected() {
    let suite = suite_6();
    let (secret, public, message, signature) = ED448_VECTORS[1];
    let (public, message, signature) = (unhex(public), unhex(message), unhex(signature));
    for length in [0usize, 32, 56, 58, 114] {
        let bytes = vec![1u8; length];
        assert_eq!(
            suite.verify(&bytes, &message, &signature).err(),
            Some(CryptoError::InvalidPublicKey),
            "{length}"
        );
        assert_eq!(
            suite.verifying_key(&bytes).err(),
            Some(CryptoError::InvalidPublicKey),
            "{length}"
        );
        assert_eq!(
            suite
                .signer(&SignaturePrivateKey::from_slice(&bytes))
                .err()
                .map(|error| error.to_string()),
            Some(CryptoError::InvalidPrivateKey.to_string()),
            "{length}"
        );
    }
    for length in [0usize, 64, 113, 115, 228] {
        assert_eq!(
            suite.verify(&public, &message, &vec![0u8; length]).err(),
            Some(CryptoError::InvalidSignature),
            "{length}"
        );
    }
    // Not a point: y = p (non-canonical) with all bits set.
    let not_a_point = [0xffu8; 57];
    assert_eq!(
        suite.verify(&not_a_point, &message, &signature).err(),
        Some(CryptoError::InvalidPublicKey)
    );
    // The identity (y = 1) is refused as a public key.
    let mut identity = [0u8; 57];
    identity[0] = 1;
    assert_eq!(
        suite.verify(&identity, &message, &signature).err(),
        Some(CryptoError::InvalidPublicKey)
    );
    // S not canonical: its top byte must be zero, and S below the group order.
    let mut bad_s = signature.clone();
    bad_s[113] = 1;
    assert_eq!(
        suite.verify(&public, &message, &bad_s).err(),
        Some(CryptoError::InvalidSignature)
    );
    let mut big_s = signature.clone();
    big_s[57..113].fill(0xff);
    assert_eq!(
        suite.verify(&public, &message, &big_s).err(),
        Some(CryptoError::InvalidSignature)
    );
    // R not a point.
    let mut bad_r = signature.clone();
    bad_r[..57].fill(0xff);
    assert_eq!(
        suite.verify(&public, &message, &bad_r).err(),
        Some(CryptoError::InvalidSignature)
    );
    // The vector itself still verifies, with the private key's own signer too.
    suite.verify(&public, &message, &signature).unwrap();
    let signer = suite
        .signer(&SignaturePrivateKey::from_slice(&unhex(secret)))
        .unwrap();
    assert_eq!(signer.sign(&message).unwrap(), signature);
}
