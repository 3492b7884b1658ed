//! RFC 9180 Appendix A test vectors, mode base.

use super::*;
use crate::primitives::{AES_128_GCM, SHA256};

fn unhex(hex: &str) -> Vec<u8> {
    hex::decode(hex).expect("hex")
}

/// One base-mode vector of RFC 9180 Appendix A, with the first encryption (sequence 0).
struct Vector {
    info: &'static str,
    ikm_e: &'static str,
    pk_em: &'static str,
    sk_em: &'static str,
    ikm_r: &'static str,
    pk_rm: &'static str,
    sk_rm: &'static str,
    shared_secret: &'static str,
    key: &'static str,
    base_nonce: &'static str,
    exporter_secret: &'static str,
    aad: &'static str,
    plaintext: &'static str,
    ciphertext: &'static str,
}

fn check(hpke: Hpke, v: &Vector) {
    let kem = hpke.kem();
    let ephemeral = kem
        .derive_key_pair(&unhex(v.ikm_e))
        .expect("DeriveKeyPair(ikmE)");
    assert_eq!(
        hex::encode(ephemeral.private_key.as_bytes()),
        v.sk_em,
        "skEm"
    );
    assert_eq!(hex::encode(&ephemeral.public_key), v.pk_em, "pkEm");
    let recipient = kem
        .derive_key_pair(&unhex(v.ikm_r))
        .expect("DeriveKeyPair(ikmR)");
    assert_eq!(
        hex::encode(recipient.private_key.as_bytes()),
        v.sk_rm,
        "skRm"
    );
    assert_eq!(hex::encode(&recipient.public_key), v.pk_rm, "pkRm");

    let encapsulation = kem
        .encap_derived(&recipient.public_key, &unhex(v.ikm_e))
        .expect("Encap");
    assert_eq!(hex::encode(&encapsulation.enc), v.pk_em, "enc");
    assert_eq!(
        hex::encode(encapsulation.shared_secret.as_bytes()),
        v.shared_secret,
        "shared_secret"
    );
    let decapsulated = kem
        .decap(&encapsulation.enc, &recipient.private_key)
        .expect("Decap");
    assert_eq!(decapsulated, encapsulation.shared_secret, "Decap");

    let info = unhex(v.info);
    let mut sender = hpke
        .key_schedule(
            &encapsulation.shared_secret,
            &hpke.key_schedule_context(&info),
        )
        .expect("KeySchedule");
    assert_eq!(hex::encode(sender.key.as_bytes()), v.key, "key");
    assert_eq!(
        hex::encode(sender.base_nonce.as_bytes()),
        v.base_nonce,
        "base_nonce"
    );
    assert_eq!(
        hex::encode(sender.exporter_secret.as_bytes()),
        v.exporter_secret,
        "exporter_secret"
    );
    let ciphertext = sender
        .seal(&unhex(v.aad), &unhex(v.plaintext))
        .expect("Seal");
    assert_eq!(
        hex::encode(&ciphertext),
        v.ciphertext,
        "ciphertext of sequence 0"
    );

    // The single-shot API opens the vector's ciphertext.
    let opened = hpke
        .open(
            &recipient.private_key,
            &encapsulation.enc,
            &info,
            &unhex(v.aad),
            &unhex(v.ciphertext),
        )
        .expect("OpenBase");
    assert_eq!(hex::encode(opened.as_slice()), v.plaintext);
}

#[test]
fn rfc_9180_a_1_1_dhkem_x25519_hkdf_sha256_aes_128_gcm_base() {
    check(
        Hpke::new(dhkem::X25519, SHA256, 0x0001, AES_128_GCM, 0x0001),
        &Vector {
            info: "4f6465206f6e2061204772656369616e2055726e",
            ikm_e: "7268600d403fce431561aef583ee1613527cff655c1343f29812e66706df3234",
            pk_em: "37fda3567bdbd628e88668c3c8d7e97d1d1253b6d4ea6d44c150f741f1bf4431",
            sk_em: "52c4a758a802cd8b936eceea314432798d5baf2d7e9235dc084ab1b9cfa2f736",
            ikm_r: "6db9df30aa07dd42ee5e8181afdb977e538f5e1fec8a06223f33f7013e525037",
            pk_rm: "3948cfe0ad1ddb695d780e59077195da6c56506b027329794ab02bca80815c4d",
            sk_rm: "4612c550263fc8ad58375df3f557aac531d26850903e55a9f23f21d8534e8ac8",
            shared_secret: "fe0e18c9f024ce43799ae393c7e8fe8fce9d218875e8227b0187c04e7d2ea1fc",
            key: "4531685d41d65f03dc48f6b8302c05b0",
            base_nonce: "56d890e5accaaf011cff4b7d",
            exporter_secret: "45ff1c2e220db587171952c0592d5f5ebe103f1561a2614e38f2ffd47e99e3f8",
            aad: "436f756e742d30",
            plaintext: "4265617574792069732074727574682c20747275746820626561757479",
            ciphertext: "f938558b5d72f1a23810b4be2ab4f84331acc02fc97babc53a52ae8218a355a9\
                         6d8770ac83d07bea87e13c512a",
        },
    );
}

#[test]
fn rfc_9180_a_3_1_dhkem_p256_hkdf_sha256_aes_128_gcm_base() {
    check(
        Hpke::new(dhkem::P256, SHA256, 0x0001, AES_128_GCM, 0x0001),
        &Vector {
            info: "4f6465206f6e2061204772656369616e2055726e",
            ikm_e: "4270e54ffd08d79d5928020af4686d8f6b7d35dbe470265f1f5aa22816ce860e",
            pk_em: "04a92719c6195d5085104f469a8b9814d5838ff72b60501e2c4466e5e67b325ac9\
                    8536d7b61a1af4b78e5b7f951c0900be863c403ce65c9bfcb9382657222d18c4",
            sk_em: "4995788ef4b9d6132b249ce59a77281493eb39af373d236a1fe415cb0c2d7beb",
            ikm_r: "668b37171f1072f3cf12ea8a236a45df23fc13b82af3609ad1e354f6ef817550",
            pk_rm: "04fe8c19ce0905191ebc298a9245792531f26f0cece2460639e8bc39cb7f706a82\
                    6a779b4cf969b8a0e539c7f62fb3d30ad6aa8f80e30f1d128aafd68a2ce72ea0",
            sk_rm: "f3ce7fdae57e1a310d87f1ebbde6f328be0a99cdbcadf4d6589cf29de4b8ffd2",
            shared_secret: "c0d26aeab536609a572b07695d933b589dcf363ff9d93c93adea537aeabb8cb8",
            key: "868c066ef58aae6dc589b6cfdd18f97e",
            base_nonce: "4e0bc5018beba4bf004cca59",
            exporter_secret: "14ad94af484a7ad3ef40e9f3be99ecc6fa9036df9d4920548424df127ee0d99f",
            aad: "436f756e742d30",
            plaintext: "4265617574792069732074727574682c20747275746820626561757479",
            ciphertext: "5ad590bb8baa577f8619db35a36311226a896e7342a6d836d8b7bcd2f20b6c7f\
                         9076ac232e3ab2523f39513434",
        },
    );
}

#[test]
fn the_nonce_is_the_base_nonce_xor_the_sequence_number() {
    let mut context = Context {
        aead: AES_128_GCM,
        kdf: LabeledKdf::for_suite(SHA256, 0x20, 1, 1),
        key: Secret::from_slice(&[0; 16]),
        base_nonce: Secret::from_slice(&[0xff; 12]),
        exporter_secret: Secret::from_slice(&[0; 32]),
        seq: 0,
    };
    assert_eq!(context.nonce().as_slice(), &[0xff; 12]);
    context.seq = 0x0102;
    let mut expected = [0xff; 12];
    expected[10] = 0xfe;
    expected[11] = 0xfd;
    assert_eq!(context.nonce().as_slice(), &expected);
    // Two seals under one context use sequence numbers 0 and 1: different ciphertexts.
    context.seq = 0;
    let first = context.seal(b"", b"same").expect("seal");
    let second = context.seal(b"", b"same").expect("seal");
    assert_ne!(first, second);
}
