//! The default `CipherSuiteProvider::hpke_seal_many` (a loop over `hpke_seal`), as a provider
//! that does not override it gets it, and `encrypt_with_label_many` on top of it; likewise
//! the default `verify_many` and `verify_with_label_many`.
#![expect(
    clippy::unwrap_used,
    reason = "a test fails by panicking, helpers included"
)]

use std::sync::atomic::{AtomicUsize, Ordering};

use mls_codec::CipherSuite;
use mls_crypto::{
    CipherSuiteParams, CipherSuiteProvider, CryptoError, CryptoProvider, HpkeKeyPair,
    HpkePrivateKey, HpkeSealed, Secret, SignatureKeyPair, SignaturePrivateKey, Signer,
    VerifyingKey, Zeroizing, labeled,
};
use mls_crypto_rustcrypto::RustCryptoProvider;

/// Delegates every required method to a RustCrypto suite and keeps the default
/// `hpke_seal_many` and `verify_many`; counts the calls of `hpke_seal` and `verify`.
struct Plain {
    inner: &'static dyn CipherSuiteProvider,
    seals: AtomicUsize,
    verifies: AtomicUsize,
}

impl CipherSuiteProvider for Plain {
    fn params(&self) -> &CipherSuiteParams {
        self.inner.params()
    }
    fn hash(&self, data: &[u8]) -> Vec<u8> {
        self.inner.hash(data)
    }
    fn mac(&self, key: &[u8], data: &[u8]) -> Vec<u8> {
        self.inner.mac(key, data)
    }
    fn kdf_extract(&self, salt: &[u8], ikm: &[u8]) -> Secret {
        self.inner.kdf_extract(salt, ikm)
    }
    fn kdf_expand(&self, prk: &[u8], info: &[u8], length: usize) -> Result<Secret, CryptoError> {
        self.inner.kdf_expand(prk, info, length)
    }
    fn aead_seal(
        &self,
        key: &[u8],
        nonce: &[u8],
        aad: &[u8],
        plaintext: &[u8],
    ) -> Result<Vec<u8>, CryptoError> {
        self.inner.aead_seal(key, nonce, aad, plaintext)
    }
    fn aead_open(
        &self,
        key: &[u8],
        nonce: &[u8],
        aad: &[u8],
        ciphertext: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
        self.inner.aead_open(key, nonce, aad, ciphertext)
    }
    fn hpke_seal(
        &self,
        public_key: &[u8],
        info: &[u8],
        aad: &[u8],
        plaintext: &[u8],
    ) -> Result<HpkeSealed, CryptoError> {
        self.seals.fetch_add(1, Ordering::Relaxed);
        self.inner.hpke_seal(public_key, info, aad, plaintext)
    }
    fn hpke_open(
        &self,
        private_key: &HpkePrivateKey,
        kem_output: &[u8],
        info: &[u8],
        aad: &[u8],
        ciphertext: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
        self.inner
            .hpke_open(private_key, kem_output, info, aad, ciphertext)
    }
    fn hpke_export_sender(
        &self,
        public_key: &[u8],
        info: &[u8],
        exporter_context: &[u8],
        length: usize,
    ) -> Result<(Vec<u8>, Secret), CryptoError> {
        self.inner
            .hpke_export_sender(public_key, info, exporter_context, length)
    }
    fn hpke_export_receiver(
        &self,
        private_key: &HpkePrivateKey,
        kem_output: &[u8],
        info: &[u8],
        exporter_context: &[u8],
        length: usize,
    ) -> Result<Secret, CryptoError> {
        self.inner
            .hpke_export_receiver(private_key, kem_output, info, exporter_context, length)
    }
    fn derive_hpke_key_pair(&self, ikm: &[u8]) -> Result<HpkeKeyPair, CryptoError> {
        self.inner.derive_hpke_key_pair(ikm)
    }
    fn generate_hpke_key_pair(&self) -> Result<HpkeKeyPair, CryptoError> {
        self.inner.generate_hpke_key_pair()
    }
    fn hpke_public_key(&self, private_key: &HpkePrivateKey) -> Result<Vec<u8>, CryptoError> {
        self.inner.hpke_public_key(private_key)
    }
    fn generate_signature_key_pair(&self) -> Result<SignatureKeyPair, CryptoError> {
        self.inner.generate_signature_key_pair()
    }
    fn signer(&self, private_key: &SignaturePrivateKey) -> Result<Box<dyn Signer>, CryptoError> {
        self.inner.signer(private_key)
    }
    fn verify(
        &self,
        public_key: &[u8],
        message: &[u8],
        signature: &[u8],
    ) -> Result<(), CryptoError> {
        self.verifies.fetch_add(1, Ordering::Relaxed);
        self.inner.verify(public_key, message, signature)
    }
    fn random_bytes(&self, length: usize) -> Result<Vec<u8>, CryptoError> {
        self.inner.random_bytes(length)
    }
}

fn plain(cipher_suite: CipherSuite) -> Plain {
    static PROVIDER: RustCryptoProvider = RustCryptoProvider::new();
    Plain {
        inner: PROVIDER.suite(cipher_suite).unwrap(),
        seals: AtomicUsize::new(0),
        verifies: AtomicUsize::new(0),
    }
}

#[test]
fn the_default_seals_each_recipient_once_in_order() {
    for &cs in RustCryptoProvider::new().supported_suites() {
        let suite = plain(cs);
        let keys: Vec<HpkeKeyPair> = (0..3)
            .map(|_| suite.generate_hpke_key_pair().unwrap())
            .collect();
        let plaintexts: [&[u8]; 3] = [b"zero", b"one", b"two!"];
        let recipients: Vec<(&[u8], &[u8])> = keys
            .iter()
            .zip(plaintexts)
            .map(|(k, p)| (k.public_key.as_slice(), p))
            .collect();

        let sealed = suite.hpke_seal_many(b"info", b"aad", &recipients).unwrap();
        assert_eq!(suite.seals.load(Ordering::Relaxed), 3);
        assert_eq!(sealed.len(), 3);
        for ((key, plaintext), sealed) in keys.iter().zip(plaintexts).zip(&sealed) {
            let opened = suite
                .hpke_open(
                    &key.private_key,
                    &sealed.kem_output,
                    b"info",
                    b"aad",
                    &sealed.ciphertext,
                )
                .unwrap();
            assert_eq!(opened.as_slice(), plaintext);
        }
        // Recipient 1's key does not open recipient 0's ciphertext.
        assert_eq!(
            suite.hpke_open(
                &keys[1].private_key,
                &sealed[0].kem_output,
                b"info",
                b"aad",
                &sealed[0].ciphertext,
            ),
            Err(CryptoError::HpkeOpenFailed)
        );

        // The labeled form goes through the same default.
        let sealed =
            labeled::encrypt_with_label_many(&suite, "Welcome", b"ctx", &recipients).unwrap();
        assert_eq!(suite.seals.load(Ordering::Relaxed), 6);
        for ((key, plaintext), sealed) in keys.iter().zip(plaintexts).zip(&sealed) {
            let opened = labeled::decrypt_with_label(
                &suite,
                &key.private_key,
                "Welcome",
                b"ctx",
                &sealed.kem_output,
                &sealed.ciphertext,
            )
            .unwrap();
            assert_eq!(opened.as_slice(), plaintext);
        }

        // No recipients, no output; a bad key is the error of the first failing recipient.
        assert_eq!(suite.hpke_seal_many(b"info", b"", &[]), Ok(Vec::new()));
        let truncated = &keys[2].public_key[1..];
        assert_eq!(
            suite.hpke_seal_many(b"info", b"", &[recipients[0], (truncated, b"x")]),
            Err(CryptoError::InvalidPublicKey)
        );
    }
}

#[test]
fn the_default_verifies_each_item_once_in_order() {
    for &cs in RustCryptoProvider::new().supported_suites() {
        let suite = plain(cs);
        let pair = suite.generate_signature_key_pair().unwrap();
        let signer = suite.signer(&pair.private_key).unwrap();
        let key = VerifyingKey::unparsed(&pair.public_key);
        let good = labeled::sign_with_label(&*signer, "Label", b"content").unwrap();
        let items: [(&VerifyingKey, &[u8], &[u8]); 3] = [
            (&key, b"content", &good),
            (&key, b"other", &good),
            (&key, b"content", &good[1..]),
        ];
        let results = labeled::verify_with_label_many(&suite, "Label", &items);
        assert_eq!(suite.verifies.load(Ordering::Relaxed), 3);
        assert_eq!(results[0], Ok(()));
        assert!(results[1].is_err() && results[2].is_err());
        for (result, &(key, content, signature)) in results.iter().zip(&items) {
            assert_eq!(
                result,
                &labeled::verify_with_label(&suite, key.as_bytes(), "Label", content, signature)
            );
        }
        assert!(suite.verify_many(&[]).is_empty());
        assert_eq!(suite.verifies.load(Ordering::Relaxed), 6);
    }
}
