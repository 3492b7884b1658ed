//! Test certificate chains made with rcgen, signed with ed25519-dalek and p256 through rcgen's
//! `SigningKey` trait (rcgen is built without a crypto backend).

#![allow(dead_code, reason = "each test binary uses a part of it")]

use ed25519_dalek::Signer as _;
use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, IsCa, Issuer, KeyIdMethod,
    KeyUsagePurpose, PublicKeyData, SanType, SignatureAlgorithm, SigningKey,
};

/// A time inside the default validity of the test certificates: 2026-06-01.
pub(crate) fn now() -> u64 {
    u64::try_from(rcgen::date_time_ymd(2026, 6, 1).unix_timestamp()).expect("after 1970")
}

/// The parameters valid from January 1st of `from` to January 1st of `to`.
pub(crate) fn valid(mut params: CertificateParams, from: i32, to: i32) -> CertificateParams {
    params.not_before = rcgen::date_time_ymd(from, 1, 1);
    params.not_after = rcgen::date_time_ymd(to, 1, 1);
    params
}

/// The key types of the tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Algorithm {
    Ed25519,
    P256,
    P384,
}

enum Private {
    Ed25519(ed25519_dalek::SigningKey),
    P256(p256::ecdsa::SigningKey),
    P384(p384::ecdsa::SigningKey),
}

/// A key pair that signs certificates.
pub(crate) struct TestKey {
    private: Private,
    public: Vec<u8>,
}

impl TestKey {
    /// A deterministic key from a one-byte seed (not zero).
    pub(crate) fn new(algorithm: Algorithm, seed: u8) -> Self {
        match algorithm {
            Algorithm::Ed25519 => {
                let key = ed25519_dalek::SigningKey::from_bytes(&[seed; 32]);
                let public = key.verifying_key().to_bytes().to_vec();
                Self {
                    private: Private::Ed25519(key),
                    public,
                }
            }
            Algorithm::P256 => {
                let key = p256::ecdsa::SigningKey::from_slice(&[seed; 32]).expect("valid scalar");
                let public = key.verifying_key().to_sec1_point(false).as_bytes().to_vec();
                Self {
                    private: Private::P256(key),
                    public,
                }
            }
            Algorithm::P384 => {
                let key = p384::ecdsa::SigningKey::from_slice(&[seed; 48]).expect("valid scalar");
                let public = key.verifying_key().to_sec1_point(false).as_bytes().to_vec();
                Self {
                    private: Private::P384(key),
                    public,
                }
            }
        }
    }

    /// The raw public key, as MLS puts it in a leaf's signature_key.
    pub(crate) fn public(&self) -> &[u8] {
        &self.public
    }
}

/// The algorithm of a raw MLS signature key, told by its length.
fn rcgen_algorithm(public: &[u8]) -> &'static SignatureAlgorithm {
    match public.len() {
        32 => &rcgen::PKCS_ED25519,
        97 => &rcgen::PKCS_ECDSA_P384_SHA384,
        _ => &rcgen::PKCS_ECDSA_P256_SHA256,
    }
}

impl PublicKeyData for TestKey {
    fn der_bytes(&self) -> &[u8] {
        &self.public
    }

    fn algorithm(&self) -> &'static SignatureAlgorithm {
        rcgen_algorithm(&self.public)
    }
}

impl SigningKey for TestKey {
    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, rcgen::Error> {
        Ok(match &self.private {
            Private::Ed25519(key) => key.sign(message).to_bytes().to_vec(),
            Private::P256(key) => {
                let signature: p256::ecdsa::DerSignature = key.sign(message);
                signature.as_bytes().to_vec()
            }
            Private::P384(key) => {
                let signature: p384::ecdsa::DerSignature = key.sign(message);
                signature.as_bytes().to_vec()
            }
        })
    }
}

/// A public key only (an MLS client's, whose private key the crypto provider holds).
pub(crate) struct PublicKey(pub(crate) Vec<u8>);

impl PublicKeyData for PublicKey {
    fn der_bytes(&self) -> &[u8] {
        &self.0
    }

    fn algorithm(&self) -> &'static SignatureAlgorithm {
        rcgen_algorithm(&self.0)
    }
}

/// An RSA public key (bytes that need not be a real one): an algorithm this crate does not
/// verify.
pub(crate) struct RsaKey;

impl PublicKeyData for RsaKey {
    fn der_bytes(&self) -> &[u8] {
        &[0x30, 0x03, 0x02, 0x01, 0x03]
    }

    fn algorithm(&self) -> &'static SignatureAlgorithm {
        &rcgen::PKCS_RSA_SHA256
    }
}

/// Certificate parameters for `common_name`, valid 2025-2028.
pub(crate) fn params(common_name: &str) -> CertificateParams {
    let mut params = CertificateParams::default();
    let mut name = DistinguishedName::new();
    name.push(DnType::CommonName, common_name);
    params.distinguished_name = name;
    let mut params = valid(params, 2025, 2028);
    params.key_identifier_method = KeyIdMethod::PreSpecified(common_name.as_bytes().to_vec());
    params.serial_number = Some(common_name.as_bytes().to_vec().into());
    params
}

/// Parameters of a CA certificate.
pub(crate) fn ca_params(common_name: &str) -> CertificateParams {
    let mut params = params(common_name);
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    params
}

/// Parameters of an end-entity certificate.
pub(crate) fn end_entity_params(common_name: &str) -> CertificateParams {
    let mut params = params(common_name);
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    params
}

/// The same parameters with subjectAltNames.
pub(crate) fn with_sans(mut params: CertificateParams, sans: Vec<SanType>) -> CertificateParams {
    params.subject_alt_names = sans;
    params
}

/// A CA: its parameters (to issue with) and its key.
pub(crate) struct Ca {
    pub(crate) params: CertificateParams,
    pub(crate) key: TestKey,
    pub(crate) der: Vec<u8>,
}

impl Ca {
    /// A self-signed root.
    pub(crate) fn root(algorithm: Algorithm, name: &str, seed: u8) -> Self {
        let params = ca_params(name);
        let key = TestKey::new(algorithm, seed);
        let der = params.self_signed(&key).expect("root").der().to_vec();
        Self { params, key, der }
    }

    /// A certificate with `params` for `public_key`, issued by this CA.
    pub(crate) fn issue(
        &self,
        params: &CertificateParams,
        public_key: &impl PublicKeyData,
    ) -> Vec<u8> {
        let issuer = Issuer::from_params(&self.params, &self.key);
        params
            .signed_by(public_key, &issuer)
            .expect("certificate")
            .der()
            .to_vec()
    }

    /// An intermediate CA with `params`, issued by this CA.
    pub(crate) fn intermediate(
        &self,
        params: CertificateParams,
        algorithm: Algorithm,
        seed: u8,
    ) -> Self {
        let key = TestKey::new(algorithm, seed);
        let der = self.issue(&params, &key);
        Self { params, key, der }
    }
}

/// A root CA → intermediate CA → end-entity chain, all of one algorithm.
pub(crate) struct Chain {
    pub(crate) root: Ca,
    pub(crate) intermediate: Ca,
    pub(crate) end_entity: Vec<u8>,
    pub(crate) end_entity_key: TestKey,
}

impl Chain {
    pub(crate) fn new(algorithm: Algorithm, common_name: &str) -> Self {
        let root = Ca::root(algorithm, "Test Root CA", 1);
        let intermediate = root.intermediate(ca_params("Test Intermediate CA"), algorithm, 2);
        let end_entity_key = TestKey::new(algorithm, 3);
        let end_entity = intermediate.issue(&end_entity_params(common_name), &end_entity_key);
        Self {
            root,
            intermediate,
            end_entity,
            end_entity_key,
        }
    }

    /// The end-entity certificate and the intermediate one, as a credential sends them.
    pub(crate) fn certificates(&self) -> Vec<Vec<u8>> {
        vec![self.end_entity.clone(), self.intermediate.der.clone()]
    }
}

/// An x509 credential of `certificates`.
pub(crate) fn credential(certificates: &[Vec<u8>]) -> mls_codec::Credential {
    mls_codec::Credential::X509 {
        certificates: certificates
            .iter()
            .map(|der| mls_codec::Certificate {
                cert_data: mls_codec::VarBytes::from(der.clone()),
            })
            .collect(),
    }
}
