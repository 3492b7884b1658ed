//! The provider conformance kit at work: a crypto provider other than the RustCrypto one (here
//! a wrapper around it, standing for a provider author's own) is checked against every official
//! vector file through `mls_vectors::check_dir_with`, and a provider's own failure
//! (`CryptoError::other`) reaches the caller in the failure text.

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;

use mls_crypto::{
    CipherSuite, CipherSuiteParams, CipherSuiteProvider, CryptoError, CryptoProvider, HpkeKeyPair,
    HpkePrivateKey, HpkeSealed, Secret, SignatureKeyPair, SignaturePrivateKey, SignatureScheme,
    Signer, VerifyingKey, Zeroizing,
};
use mls_crypto_rustcrypto::RustCryptoProvider;
use mls_vectors::Report;

/// The provider the wrapper delegates to.
static INNER: RustCryptoProvider = RustCryptoProvider::new();

/// What the wrapper does wrong, on purpose.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Fault {
    /// Nothing: every operation is the inner provider's.
    None,
    /// `kdf_expand` (and `kdf_expand_many`) fail with [`HsmError`].
    KdfExpand,
    /// `suite` fails with [`HsmError`] for suite 2 (a provider error other than an
    /// unsupported suite).
    SuiteLookup,
}

/// A provider's own error, as a hardware security module might report one.
#[derive(Debug)]
struct HsmError;

const HSM_MESSAGE: &str = "the HSM refused the operation (slot 7)";

impl fmt::Display for HsmError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(HSM_MESSAGE)
    }
}

impl std::error::Error for HsmError {}

/// A provider that owns one [`WrappedSuite`] per suite of the RustCrypto provider.
struct WrappedProvider {
    suites: Vec<WrappedSuite>,
    fault: Fault,
}

impl WrappedProvider {
    fn shared(fault: Fault) -> Arc<dyn CryptoProvider> {
        let suites = INNER
            .supported_suites()
            .iter()
            .map(|&cipher_suite| WrappedSuite {
                inner: INNER.suite(cipher_suite).expect("a supported suite"),
                fault,
            })
            .collect();
        Arc::new(Self { suites, fault })
    }
}

impl CryptoProvider for WrappedProvider {
    fn suite(&self, cipher_suite: CipherSuite) -> Result<&dyn CipherSuiteProvider, CryptoError> {
        if self.fault == Fault::SuiteLookup
            && cipher_suite == CipherSuite::MLS_128_DHKEMP256_AES128GCM_SHA256_P256
        {
            return Err(CryptoError::other(HsmError));
        }
        self.suites
            .iter()
            .find(|suite| suite.cipher_suite() == cipher_suite)
            .map(|suite| suite as &dyn CipherSuiteProvider)
            .ok_or(CryptoError::UnsupportedCipherSuite(cipher_suite))
    }

    fn supported_suites(&self) -> &[CipherSuite] {
        INNER.supported_suites()
    }
}

/// One suite: every operation, the defaulted ones included, goes to the inner suite, except
/// the one that [`Fault::KdfExpand`] breaks.
struct WrappedSuite {
    inner: &'static dyn CipherSuiteProvider,
    fault: Fault,
}

impl WrappedSuite {
    fn expand_fault(&self) -> Result<(), CryptoError> {
        if self.fault == Fault::KdfExpand {
            Err(CryptoError::other(HsmError))
        } else {
            Ok(())
        }
    }
}

impl CipherSuiteProvider for WrappedSuite {
    fn params(&self) -> &CipherSuiteParams {
        self.inner.params()
    }

    fn hash(&self, data: &[u8]) -> Vec<u8> {
        self.inner.hash(data)
    }

    fn hash_concat(&self, parts: &[&[u8]]) -> Vec<u8> {
        self.inner.hash_concat(parts)
    }

    fn mac(&self, key: &[u8], data: &[u8]) -> Vec<u8> {
        self.inner.mac(key, data)
    }

    fn verify_mac(&self, key: &[u8], data: &[u8], tag: &[u8]) -> Result<(), CryptoError> {
        self.inner.verify_mac(key, data, tag)
    }

    fn kdf_extract(&self, salt: &[u8], ikm: &[u8]) -> Secret {
        self.inner.kdf_extract(salt, ikm)
    }

    fn kdf_expand(&self, prk: &[u8], info: &[u8], length: usize) -> Result<Secret, CryptoError> {
        self.expand_fault()?;
        self.inner.kdf_expand(prk, info, length)
    }

    fn kdf_expand_many(
        &self,
        prk: &[u8],
        requests: &[(&[u8], usize)],
    ) -> Result<Vec<Secret>, CryptoError> {
        self.expand_fault()?;
        self.inner.kdf_expand_many(prk, requests)
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
        self.inner.hpke_seal(public_key, info, aad, plaintext)
    }

    fn hpke_seal_many(
        &self,
        info: &[u8],
        aad: &[u8],
        recipients: &[(&[u8], &[u8])],
    ) -> Result<Vec<HpkeSealed>, CryptoError> {
        self.inner.hpke_seal_many(info, aad, recipients)
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
        Ok(Box::new(WrappedSigner(self.inner.signer(private_key)?)))
    }

    fn verify(
        &self,
        public_key: &[u8],
        message: &[u8],
        signature: &[u8],
    ) -> Result<(), CryptoError> {
        self.inner.verify(public_key, message, signature)
    }

    fn verifying_key(&self, public_key: &[u8]) -> Result<VerifyingKey, CryptoError> {
        self.inner.verifying_key(public_key)
    }

    fn verify_with_key(
        &self,
        key: &VerifyingKey,
        message: &[&[u8]],
        signature: &[u8],
    ) -> Result<(), CryptoError> {
        self.inner.verify_with_key(key, message, signature)
    }

    fn verify_many(&self, items: &[(&VerifyingKey, &[u8], &[u8])]) -> Vec<Result<(), CryptoError>> {
        self.inner.verify_many(items)
    }

    fn random_bytes(&self, length: usize) -> Result<Vec<u8>, CryptoError> {
        self.inner.random_bytes(length)
    }
}

/// A signer that delegates to the inner provider's.
struct WrappedSigner(Box<dyn Signer>);

impl Signer for WrappedSigner {
    fn signature_scheme(&self) -> SignatureScheme {
        self.0.signature_scheme()
    }

    fn public_key(&self) -> &[u8] {
        self.0.public_key()
    }

    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, CryptoError> {
        self.0.sign(message)
    }
}

fn vector_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../test-vectors")
}

/// Each file's name and (passed, failed, skipped).
fn counts(report: &Report) -> Vec<(String, (usize, usize, usize))> {
    report
        .files
        .iter()
        .map(|file| {
            let o = &file.outcome;
            (file.name.clone(), (o.passed, o.failed, o.skipped))
        })
        .collect()
}

fn print(report: &Report) {
    for file in &report.files {
        println!("{file}");
        for failure in file.outcome.failures.iter().take(3) {
            println!(
                "  case {} field {}: {}",
                failure.case, failure.field, failure.detail
            );
        }
    }
    println!("{}", report.total());
}

#[test]
fn a_wrapping_provider_passes_every_official_vector_as_the_rustcrypto_one_does() {
    let provider = WrappedProvider::shared(Fault::None);
    let report = mls_vectors::check_dir_with(&provider, &vector_dir()).expect("vectors readable");
    print(&report);
    assert_eq!(report.files.len(), mls_vectors::known_files().len());
    let total = report.total();
    assert_eq!(total.failed, 0, "vector cases failed");
    assert!(total.passed > 0);

    let reference = mls_vectors::check_dir(&vector_dir()).expect("vectors readable");
    assert_eq!(counts(&report), counts(&reference));
}

#[test]
fn a_provider_error_reaches_the_caller_in_the_failure_text() {
    let provider = WrappedProvider::shared(Fault::KdfExpand);
    let report = mls_vectors::check_dir_with(&provider, &vector_dir()).expect("vectors readable");
    print(&report);
    let total = report.total();
    assert!(total.failed > 0);
    // Every failed case has a failure that carries the provider's message.
    for file in &report.files {
        let failed_cases: std::collections::BTreeSet<usize> =
            file.outcome.failures.iter().map(|f| f.case).collect();
        assert_eq!(failed_cases.len(), file.outcome.failed, "{}", file.name);
        for case in failed_cases {
            assert!(
                file.outcome
                    .failures
                    .iter()
                    .any(|f| f.case == case && f.detail.contains(HSM_MESSAGE)),
                "{} case {case}: no failure carries the provider's message",
                file.name
            );
        }
    }
    let file = |name: &str| {
        &report
            .files
            .iter()
            .find(|file| file.name == name)
            .expect("file checked")
            .outcome
    };
    // Every key-schedule case expands secrets: none passes, each failure says why.
    let key_schedule = file("key-schedule.json");
    assert_eq!(key_schedule.passed, 0);
    assert!(key_schedule.failed > 0);
    assert!(
        key_schedule
            .failures
            .iter()
            .any(|failure| failure.detail.contains(HSM_MESSAGE))
    );
    // Files that need no cryptography are unaffected.
    assert_eq!(file("tree-math.json").failed, 0);
    assert_eq!(file("messages.json").failed, 0);
}

#[test]
fn a_suite_lookup_error_other_than_unsupported_fails_the_case() {
    let faulty = WrappedProvider::shared(Fault::SuiteLookup);
    let json = std::fs::read_to_string(vector_dir().join("crypto-basics.json")).expect("readable");
    let outcome = mls_vectors::check_file_with(&faulty, "crypto-basics.json", &json).unwrap();
    let reference = mls_vectors::check_file("crypto-basics.json", &json).unwrap();
    // The suite-2 cases move from passed to failed; nothing is skipped in either run (every
    // suite of the file, 4 and 6 included, is in the RustCrypto provider).
    assert!(outcome.failed > 0);
    assert_eq!(outcome.skipped, reference.skipped);
    assert_eq!(outcome.passed + outcome.failed, reference.passed);
    assert!(
        outcome
            .failures
            .iter()
            .all(|failure| failure.field == "cipher_suite" && failure.detail.contains(HSM_MESSAGE))
    );
}
