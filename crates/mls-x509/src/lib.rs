//! X.509 credentials for MLS (RFC 9420 §5.3, §5.3.1): [`X509CredentialValidator`], a
//! [`CredentialValidator`] that accepts an `x509` credential when its certificate chain leads
//! to one of the application's trust anchors and its end-entity certificate holds the
//! member's signature key. An application gives it to its clients as their credential
//! validator, or calls it itself on the credentials of a group's members
//! ([`mls_group::Group::members`]).
//!
//! # What is checked
//!
//! For a credential `certificates[0..n]` (the end-entity certificate first, RFC 9420 §5.3):
//!
//! - there is at least one certificate, at most [`MAX_CHAIN_LENGTH`], and each is a DER
//!   X.509 certificate (parsed with the `x509-cert` crate), with no critical extension other
//!   than basicConstraints, keyUsage, subjectAltName and extendedKeyUsage (RFC 5280 §4.2;
//!   extendedKeyUsage is accepted but not enforced: MLS defines no key purpose);
//! - the end-entity certificate's public key is the leaf's `signature_key`, byte for byte
//!   (§5.3: "MUST be identical"), of a supported signature algorithm, its keyUsage (if any)
//!   allows digitalSignature, and it presents exactly one identity of the configured
//!   [`IdentitySource`];
//! - every certificate is valid at the context's `now` (the group's clock, RFC 5280
//!   §4.1.2.5, bounds included);
//! - each certificate's issuer is the next one's subject, the next one is a CA
//!   (basicConstraints cA true, keyUsage keyCertSign where present, pathLenConstraint
//!   respected, RFC 5280 §4.2.1.9 and §4.2.1.3) and its key verifies the signature;
//! - the last certificate is itself a trust anchor (equal byte for byte), or is signed by a
//!   trust anchor named as its issuer. An anchor issues certificates only if it is a CA
//!   (basicConstraints cA true); an end-entity certificate given as an anchor pins that one
//!   certificate. Anchors are trusted as configured: their own validity is not checked
//!   unless they are in the chain.
//!
//! Revocation (CRLs, OCSP) and name constraints are not checked; a CA with a critical
//! nameConstraints extension is refused rather than trusted beyond its constraints.
//!
//! # Algorithms
//!
//! Signatures are verified with the RustCrypto crates of the workspace, not with
//! rustls-webpki: Ed25519 (ed25519-dalek, strict verification, RFC 8410) and ECDSA (p256,
//! p384, p521, RFC 5758) with SHA-256, SHA-384 or SHA-512 on P-256, P-384 or P-521 keys.
//! Member keys are those of the MLS signature schemes (RFC 9420 §17.1): Ed25519 and ECDSA
//! P-256, P-384, P-521. Since an MLS `signature_key` is 32 raw bytes for Ed25519 and an
//! uncompressed point of a length unique to each curve for ECDSA, requiring the certificate's
//! key bytes to equal it also requires its algorithm to be the suite's.
//!
//! # Example
//!
//! ```
//! use mls_codec::{Certificate, Credential, VarBytes};
//! use mls_group::{CredentialContext, CredentialSource, CredentialValidator};
//! use mls_x509::{IdentitySource, X509CredentialValidator, X509Error};
//!
//! # let data = |name: &str| std::fs::read(format!("{}/tests/data/{name}", env!("CARGO_MANIFEST_DIR")));
//! # let (root, alice_certificate, alice_key) = (data("root.der")?, data("alice.der")?, data("alice.pub")?);
//! // The application's CA, and the identity in the subject's common name (the default).
//! let validator = X509CredentialValidator::new([&root])?
//!     .with_identity_source(IdentitySource::SubjectCommonName);
//!
//! // A member's credential: its certificate, for the signature key of its leaf.
//! let credential = Credential::X509 {
//!     certificates: vec![Certificate { cert_data: VarBytes::from(alice_certificate) }],
//! };
//! let at = |now| CredentialContext::new(
//!     CredentialSource::KeyPackage, b"group", 0, &credential, &alice_key, now,
//! );
//! validator.validate(&at(1_800_000_000))?;
//! assert_eq!(validator.identity(&credential)?, b"alice");
//!
//! // In 2100 the certificate has expired.
//! let refusal = validator.validate(&at(4_102_444_800)).unwrap_err();
//! assert!(matches!(refusal.downcast_ref::<X509Error>(), Some(X509Error::Expired { index: 0, .. })));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![forbid(unsafe_code)]

mod algorithm;
mod error;

use std::collections::BTreeSet;
use std::fmt;

use mls_codec::Credential;
use mls_group::{CredentialContext, CredentialRefusal, CredentialValidator};
use x509_cert::Certificate;
use x509_cert::der::asn1::ObjectIdentifier;
use x509_cert::der::oid::db::{rfc4519, rfc5280};
use x509_cert::der::{Decode as _, Encode as _};
use x509_cert::ext::pkix::name::{DirectoryString, GeneralName};
use x509_cert::ext::pkix::{BasicConstraints, KeyUsage, SubjectAltName};

use algorithm::{AlgorithmError, KeyAlgorithm, SignatureAlgorithm};
pub use error::X509Error;

/// The most certificates a credential may carry: longer chains are refused before any
/// signature is verified, so that a hostile credential costs a bounded amount of work.
pub const MAX_CHAIN_LENGTH: usize = 10;

/// Where a member's identity is read from in its end-entity certificate (RFC 9420 §5.3:
/// the credential's "presented identifiers"). The certificate must present exactly one of
/// the chosen kind.
///
/// The default is the subject's common name: it is what every certificate has, public and
/// private PKIs alike. Applications whose CA issues identities in the subjectAltName
/// extension (RFC 5280 §4.2.1.6), e.g. URIs naming users, choose that kind instead.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum IdentitySource {
    /// The subject's commonName attribute (RFC 5280 §4.1.2.6), as UTF-8.
    #[default]
    SubjectCommonName,
    /// A dNSName of the subjectAltName extension.
    DnsName,
    /// A uniformResourceIdentifier of the subjectAltName extension.
    Uri,
    /// An rfc822Name (email address) of the subjectAltName extension.
    Email,
}

impl fmt::Display for IdentitySource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::SubjectCommonName => "subject common name",
            Self::DnsName => "subjectAltName dNSName",
            Self::Uri => "subjectAltName URI",
            Self::Email => "subjectAltName email address",
        })
    }
}

/// A trust anchor, parsed once.
#[derive(Clone)]
struct Anchor {
    der: Vec<u8>,
    certificate: Certificate,
    /// The anchor's key, if the anchor may issue certificates (it is a CA).
    issuer_key: Option<(KeyAlgorithm, Vec<u8>)>,
    /// Its pathLenConstraint, if it has one.
    path_length: Option<u8>,
}

/// The [`CredentialValidator`] of `x509` credentials (RFC 9420 §5.3.1): see the crate
/// documentation for what it checks. Two credentials are the same member when the
/// identities derived from them (see [`IdentitySource`]) are equal, whatever their keys and
/// certificates, so that a member can renew its certificate and rotate its key.
#[derive(Clone)]
pub struct X509CredentialValidator {
    anchors: Vec<Anchor>,
    identity_source: IdentitySource,
}

impl fmt::Debug for X509CredentialValidator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("X509CredentialValidator")
            .field("anchors", &self.anchors.len())
            .field("identity_source", &self.identity_source)
            .finish()
    }
}

impl X509CredentialValidator {
    /// A validator trusting `anchors` (DER certificates, at least one), deriving identities
    /// from the subject's common name.
    pub fn new<A: AsRef<[u8]>>(anchors: impl IntoIterator<Item = A>) -> Result<Self, X509Error> {
        let anchors = anchors
            .into_iter()
            .enumerate()
            .map(|(index, der)| parse_anchor(index, der.as_ref()))
            .collect::<Result<Vec<_>, _>>()?;
        if anchors.is_empty() {
            return Err(X509Error::NoTrustAnchor);
        }
        Ok(Self {
            anchors,
            identity_source: IdentitySource::default(),
        })
    }

    /// The validator with members' identities derived from `source`.
    pub fn with_identity_source(mut self, source: IdentitySource) -> Self {
        self.identity_source = source;
        self
    }

    /// Where the validator derives members' identities from.
    pub fn identity_source(&self) -> IdentitySource {
        self.identity_source
    }

    /// The identity an `x509` credential presents (RFC 9420 §5.3), read from its end-entity
    /// certificate as the validator's [`IdentitySource`] says. It does not validate the
    /// credential: call [`CredentialValidator::validate`] for that.
    pub fn identity(&self, credential: &Credential) -> Result<Vec<u8>, X509Error> {
        let Credential::X509 { certificates } = credential else {
            return Err(X509Error::NotX509);
        };
        let end_entity = certificates.first().ok_or(X509Error::EmptyChain)?;
        let certificate = parse(0, &end_entity.cert_data)?;
        identity(&certificate, self.identity_source)
    }

    /// The checks of the crate documentation, with a typed error.
    fn check(&self, context: &CredentialContext<'_>) -> Result<(), X509Error> {
        let Credential::X509 { certificates } = context.credential else {
            return Err(X509Error::NotX509);
        };
        if certificates.is_empty() {
            return Err(X509Error::EmptyChain);
        }
        if certificates.len() > MAX_CHAIN_LENGTH {
            return Err(X509Error::ChainTooLong {
                length: certificates.len(),
                max: MAX_CHAIN_LENGTH,
            });
        }
        let chain = certificates
            .iter()
            .enumerate()
            .map(|(index, certificate)| parse(index, &certificate.cert_data))
            .collect::<Result<Vec<_>, _>>()?;

        check_end_entity(&chain[0], context.signature_key)?;
        identity(&chain[0], self.identity_source)?;
        for (index, certificate) in chain.iter().enumerate() {
            check_validity(index, certificate, context.now)?;
        }
        for (index, pair) in chain.windows(2).enumerate() {
            let (subject, issuer) = (&pair[0], &pair[1]);
            if subject.tbs_certificate().issuer() != issuer.tbs_certificate().subject() {
                return Err(X509Error::IssuerMismatch { index });
            }
            let issuer_index = index + 1;
            let path_length = ca_path_length(issuer, issuer_index)?;
            // The intermediate certificates below this issuer: all but the end-entity one.
            if path_length.is_some_and(|max| usize::from(max) < issuer_index - 1) {
                return Err(X509Error::PathTooLong {
                    index: issuer_index,
                });
            }
            let (key_algorithm, key) = public_key(issuer_index, issuer)?;
            verify_signature(index, subject, key_algorithm, key)?;
        }
        self.check_anchor(&certificates[chain.len() - 1].cert_data, &chain)
    }

    /// The last certificate of `chain` (`last_der` encoded) is an anchor or is signed by one.
    fn check_anchor(&self, last_der: &[u8], chain: &[Certificate]) -> Result<(), X509Error> {
        if self.anchors.iter().any(|anchor| anchor.der == last_der) {
            return Ok(());
        }
        let index = chain.len() - 1;
        let last = &chain[index];
        let mut named = false;
        for anchor in &self.anchors {
            let Some((key_algorithm, key)) = &anchor.issuer_key else {
                continue;
            };
            if anchor.certificate.tbs_certificate().subject() != last.tbs_certificate().issuer() {
                continue;
            }
            named = true;
            if anchor
                .path_length
                .is_some_and(|max| usize::from(max) < index)
            {
                continue;
            }
            if verify_signature(index, last, *key_algorithm, key).is_ok() {
                return Ok(());
            }
        }
        if !named {
            return Err(X509Error::UnknownIssuer);
        }
        // Named anchors exist: say why none issued the certificate.
        let path_too_long = self.anchors.iter().all(|anchor| {
            anchor.issuer_key.is_none()
                || anchor.certificate.tbs_certificate().subject() != last.tbs_certificate().issuer()
                || anchor
                    .path_length
                    .is_some_and(|max| usize::from(max) < index)
        });
        if path_too_long {
            Err(X509Error::PathTooLong { index: chain.len() })
        } else {
            // An unsupported signature algorithm is reported as such.
            signature_algorithm(index, last)?;
            Err(X509Error::BadSignature { index })
        }
    }
}

impl CredentialValidator for X509CredentialValidator {
    /// RFC 9420 §5.3.1: validates an `x509` credential with the leaf's signature key at the
    /// group's time; a refusal carries an [`X509Error`].
    fn validate(&self, context: &CredentialContext<'_>) -> Result<(), CredentialRefusal> {
        self.check(context).map_err(CredentialRefusal::new)
    }

    /// Whether both credentials are `x509` credentials presenting the same identity (RFC
    /// 9420 §5.3.1: the new credential's identifiers are "valid as a successor" of the
    /// old's), whatever their keys and other certificates.
    fn is_same_member(&self, old: &Credential, new: &Credential) -> bool {
        matches!((self.identity(old), self.identity(new)), (Ok(old), Ok(new)) if old == new)
    }
}

/// The extensions this crate processes (or, for extendedKeyUsage, accepts), so may be
/// critical (RFC 5280 §4.2).
const KNOWN_CRITICAL_EXTENSIONS: [ObjectIdentifier; 4] = [
    rfc5280::ID_CE_BASIC_CONSTRAINTS,
    rfc5280::ID_CE_KEY_USAGE,
    rfc5280::ID_CE_SUBJECT_ALT_NAME,
    rfc5280::ID_CE_EXT_KEY_USAGE,
];

/// Parses certificate `index`: DER with no trailing bytes, the same signature algorithm
/// inside and outside the signed part (RFC 5280 §4.1.1.2), no extension twice (§4.2), and
/// no critical extension this crate does not process.
fn parse(index: usize, der: &[u8]) -> Result<Certificate, X509Error> {
    let malformed = X509Error::Malformed { index };
    let certificate = Certificate::from_der(der).map_err(|_| malformed.clone())?;
    if certificate.signature_algorithm() != certificate.tbs_certificate().signature() {
        return Err(malformed);
    }
    let mut seen = BTreeSet::new();
    for extension in certificate
        .tbs_certificate()
        .extensions()
        .into_iter()
        .flatten()
    {
        if !seen.insert(extension.extn_id) {
            return Err(malformed);
        }
        if extension.critical && !KNOWN_CRITICAL_EXTENSIONS.contains(&extension.extn_id) {
            return Err(X509Error::UnsupportedCriticalExtension {
                index,
                extension: extension.extn_id.to_string(),
            });
        }
    }
    Ok(certificate)
}

/// Parses a trust anchor, keeping its key if it is a CA.
fn parse_anchor(index: usize, der: &[u8]) -> Result<Anchor, X509Error> {
    let certificate = parse(index, der).map_err(|_| X509Error::MalformedAnchor { index })?;
    let malformed = || X509Error::MalformedAnchor { index };
    let constraints = certificate
        .tbs_certificate()
        .get_extension::<BasicConstraints>()
        .map_err(|_| malformed())?;
    let (issuer_key, path_length) = match constraints {
        Some((_, constraints)) if constraints.ca => {
            let (algorithm, key) =
                algorithm::public_key(certificate.tbs_certificate().subject_public_key_info())
                    .map_err(|error| match error {
                        AlgorithmError::Unsupported(oid) => X509Error::UnsupportedAnchorKey {
                            index,
                            algorithm: oid.to_string(),
                        },
                        AlgorithmError::Malformed => malformed(),
                    })?;
            (
                Some((algorithm, key.to_vec())),
                constraints.path_len_constraint,
            )
        }
        _ => (None, None),
    };
    Ok(Anchor {
        der: der.to_vec(),
        certificate,
        issuer_key,
        path_length,
    })
}

/// The algorithm and raw bytes of certificate `index`'s public key.
fn public_key(index: usize, certificate: &Certificate) -> Result<(KeyAlgorithm, &[u8]), X509Error> {
    algorithm::public_key(certificate.tbs_certificate().subject_public_key_info()).map_err(
        |error| match error {
            AlgorithmError::Unsupported(oid) => X509Error::UnsupportedAlgorithm {
                index,
                algorithm: oid.to_string(),
            },
            AlgorithmError::Malformed => X509Error::Malformed { index },
        },
    )
}

/// Certificate `index`'s signature algorithm.
fn signature_algorithm(
    index: usize,
    certificate: &Certificate,
) -> Result<SignatureAlgorithm, X509Error> {
    let identifier = certificate.signature_algorithm();
    SignatureAlgorithm::from_identifier(identifier.oid, identifier.parameters.is_some()).map_err(
        |error| match error {
            AlgorithmError::Unsupported(oid) => X509Error::UnsupportedAlgorithm {
                index,
                algorithm: oid.to_string(),
            },
            AlgorithmError::Malformed => X509Error::Malformed { index },
        },
    )
}

/// Verifies certificate `index`'s signature with its issuer's key.
fn verify_signature(
    index: usize,
    certificate: &Certificate,
    key_algorithm: KeyAlgorithm,
    key: &[u8],
) -> Result<(), X509Error> {
    let algorithm = signature_algorithm(index, certificate)?;
    let malformed = X509Error::Malformed { index };
    // DER is canonical, and a certificate that parses is DER: re-encoding the signed part
    // gives back the bytes that were signed.
    let signed = certificate
        .tbs_certificate()
        .to_der()
        .map_err(|_| malformed.clone())?;
    let signature = certificate.signature().as_bytes().ok_or(malformed)?;
    if algorithm::verify(algorithm, key_algorithm, key, &signed, signature) {
        Ok(())
    } else {
        Err(X509Error::BadSignature { index })
    }
}

/// RFC 9420 §5.3: the end-entity certificate's key is the leaf's signature key, and may
/// sign.
fn check_end_entity(certificate: &Certificate, signature_key: &[u8]) -> Result<(), X509Error> {
    let (_, key) = public_key(0, certificate)?;
    if key != signature_key {
        return Err(X509Error::KeyMismatch);
    }
    let key_usage = certificate
        .tbs_certificate()
        .get_extension::<KeyUsage>()
        .map_err(|_| X509Error::Malformed { index: 0 })?;
    match key_usage {
        Some((_, usage)) if !usage.digital_signature() => Err(X509Error::NotForSigning),
        _ => Ok(()),
    }
}

/// RFC 5280 §4.1.2.5: `now` is within the certificate's validity, bounds included.
fn check_validity(index: usize, certificate: &Certificate, now: u64) -> Result<(), X509Error> {
    let validity = certificate.tbs_certificate().validity();
    let not_before = validity.not_before.to_unix_duration().as_secs();
    let not_after = validity.not_after.to_unix_duration().as_secs();
    if now < not_before {
        Err(X509Error::NotYetValid { index, not_before })
    } else if now > not_after {
        Err(X509Error::Expired { index, not_after })
    } else {
        Ok(())
    }
}

/// RFC 5280 §4.2.1.9 and §4.2.1.3: certificate `index` may issue certificates (basicConstraints
/// cA, and keyCertSign if it has a keyUsage); its pathLenConstraint, if any.
fn ca_path_length(certificate: &Certificate, index: usize) -> Result<Option<u8>, X509Error> {
    let tbs = certificate.tbs_certificate();
    let malformed = |_| X509Error::Malformed { index };
    let Some((_, constraints)) = tbs.get_extension::<BasicConstraints>().map_err(malformed)? else {
        return Err(X509Error::NotACa { index });
    };
    if !constraints.ca {
        return Err(X509Error::NotACa { index });
    }
    match tbs.get_extension::<KeyUsage>().map_err(malformed)? {
        Some((_, usage)) if !usage.key_cert_sign() => Err(X509Error::NotACa { index }),
        _ => Ok(constraints.path_len_constraint),
    }
}

/// The one identity of kind `source` that the end-entity certificate presents.
fn identity(certificate: &Certificate, source: IdentitySource) -> Result<Vec<u8>, X509Error> {
    let malformed = || X509Error::Malformed { index: 0 };
    let tbs = certificate.tbs_certificate();
    let mut found: Vec<Vec<u8>> = Vec::new();
    if source == IdentitySource::SubjectCommonName {
        for attribute in tbs.subject().iter() {
            if attribute.oid == rfc4519::CN {
                let name = DirectoryString::try_from(&attribute.value).map_err(|_| malformed())?;
                found.push(name.value().as_bytes().to_vec());
            }
        }
    } else if let Some((_, names)) = tbs
        .get_extension::<SubjectAltName>()
        .map_err(|_| malformed())?
    {
        for name in names.0 {
            match (source, name) {
                (IdentitySource::DnsName, GeneralName::DnsName(name))
                | (IdentitySource::Uri, GeneralName::UniformResourceIdentifier(name))
                | (IdentitySource::Email, GeneralName::Rfc822Name(name)) => {
                    found.push(name.as_bytes().to_vec());
                }
                _ => {}
            }
        }
    }
    match found.len() {
        0 => Err(X509Error::NoIdentity { identity: source }),
        1 => Ok(found.remove(0)),
        _ => Err(X509Error::AmbiguousIdentity { identity: source }),
    }
}
