//! The public-key and signature algorithms of certificates, verified with the RustCrypto
//! crates of the workspace (ed25519-dalek, p256, p384, p521, sha2).

use p256::ecdsa::signature::hazmat::PrehashVerifier as _;
use sha2::Digest as _;
use x509_cert::der::asn1::ObjectIdentifier;
use x509_cert::der::oid::db::{rfc5912, rfc8410};
use x509_cert::spki::SubjectPublicKeyInfoOwned;

/// A certificate's public key, of an algorithm that MLS uses for signatures (the signature
/// schemes of the cipher suites of RFC 9420 §17.1 and ECDSA P-521).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum KeyAlgorithm {
    /// Ed25519 (RFC 8410): 32 raw bytes.
    Ed25519,
    /// ECDSA on P-256: an uncompressed SEC1 point of 65 bytes.
    P256,
    /// ECDSA on P-384: an uncompressed SEC1 point of 97 bytes.
    P384,
    /// ECDSA on P-521: an uncompressed SEC1 point of 133 bytes.
    P521,
}

impl KeyAlgorithm {
    /// The length of a raw public key, as MLS carries it in a leaf's `signature_key`.
    fn key_length(self) -> usize {
        match self {
            Self::Ed25519 => 32,
            Self::P256 => 65,
            Self::P384 => 97,
            Self::P521 => 133,
        }
    }
}

/// Why a public key or signature could not be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum AlgorithmError {
    /// An algorithm (or curve) this crate does not verify: its OID.
    Unsupported(ObjectIdentifier),
    /// A supported algorithm with malformed parameters or key bytes.
    Malformed,
}

/// The algorithm and raw key bytes of a SubjectPublicKeyInfo (RFC 5280 §4.1.2.7): the
/// bytes are what MLS puts in `signature_key` (RFC 9420 §5.1.1: Ed25519 keys raw, ECDSA
/// keys as uncompressed points).
pub(crate) fn public_key(
    spki: &SubjectPublicKeyInfoOwned,
) -> Result<(KeyAlgorithm, &[u8]), AlgorithmError> {
    let algorithm = match spki.algorithm.oid {
        // RFC 8410 §3: the parameters MUST be absent.
        rfc8410::ID_ED_25519 if spki.algorithm.parameters.is_none() => KeyAlgorithm::Ed25519,
        rfc8410::ID_ED_25519 => return Err(AlgorithmError::Malformed),
        // RFC 5480 §2.1.1: the parameters name the curve.
        rfc5912::ID_EC_PUBLIC_KEY => {
            let curve = spki
                .algorithm
                .parameters
                .as_ref()
                .and_then(|parameters| parameters.decode_as::<ObjectIdentifier>().ok())
                .ok_or(AlgorithmError::Malformed)?;
            match curve {
                rfc5912::SECP_256_R_1 => KeyAlgorithm::P256,
                rfc5912::SECP_384_R_1 => KeyAlgorithm::P384,
                rfc5912::SECP_521_R_1 => KeyAlgorithm::P521,
                other => return Err(AlgorithmError::Unsupported(other)),
            }
        }
        other => return Err(AlgorithmError::Unsupported(other)),
    };
    let key = spki
        .subject_public_key
        .as_bytes()
        .ok_or(AlgorithmError::Malformed)?;
    // Only uncompressed points (tag 4) are comparable with an MLS signature key.
    let well_formed = key.len() == algorithm.key_length()
        && (algorithm == KeyAlgorithm::Ed25519 || key.first() == Some(&4));
    if well_formed {
        Ok((algorithm, key))
    } else {
        Err(AlgorithmError::Malformed)
    }
}

/// The hash of an ECDSA signature algorithm (RFC 5758 §3.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum EcdsaHash {
    Sha256,
    Sha384,
    Sha512,
}

/// A certificate's signature algorithm (RFC 5280 §4.1.1.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SignatureAlgorithm {
    /// Ed25519 (RFC 8410 §6), pure.
    Ed25519,
    /// ECDSA with SHA-256, SHA-384 or SHA-512 (RFC 5758 §3.2), a DER-encoded signature.
    Ecdsa(EcdsaHash),
}

impl SignatureAlgorithm {
    /// The algorithm named by `oid`; parameters must be absent for all of them (RFC 8410 §6,
    /// RFC 5758 §3.2).
    pub(crate) fn from_identifier(
        oid: ObjectIdentifier,
        has_parameters: bool,
    ) -> Result<Self, AlgorithmError> {
        let algorithm = match oid {
            rfc8410::ID_ED_25519 => Self::Ed25519,
            rfc5912::ECDSA_WITH_SHA_256 => Self::Ecdsa(EcdsaHash::Sha256),
            rfc5912::ECDSA_WITH_SHA_384 => Self::Ecdsa(EcdsaHash::Sha384),
            rfc5912::ECDSA_WITH_SHA_512 => Self::Ecdsa(EcdsaHash::Sha512),
            other => return Err(AlgorithmError::Unsupported(other)),
        };
        if has_parameters {
            Err(AlgorithmError::Malformed)
        } else {
            Ok(algorithm)
        }
    }
}

/// Whether `signature` by `key` (of `key_algorithm`) over `message` verifies with
/// `algorithm`. An Ed25519 signature needs an Ed25519 key; an ECDSA signature an ECDSA key,
/// with any of the three hashes (as in the Web PKI, e.g. P-384 with SHA-256). Ed25519 is
/// verified strictly (no small-order keys, canonical S).
pub(crate) fn verify(
    algorithm: SignatureAlgorithm,
    key_algorithm: KeyAlgorithm,
    key: &[u8],
    message: &[u8],
    signature: &[u8],
) -> bool {
    match (algorithm, key_algorithm) {
        (SignatureAlgorithm::Ed25519, KeyAlgorithm::Ed25519) => {
            let (Ok(key), Ok(signature)) = (
                <&[u8; 32]>::try_from(key),
                ed25519_dalek::Signature::from_slice(signature),
            ) else {
                return false;
            };
            ed25519_dalek::VerifyingKey::from_bytes(key)
                .is_ok_and(|key| key.verify_strict(message, &signature).is_ok())
        }
        (SignatureAlgorithm::Ecdsa(hash), curve) => {
            let prehash = match hash {
                EcdsaHash::Sha256 => sha2::Sha256::digest(message).to_vec(),
                EcdsaHash::Sha384 => sha2::Sha384::digest(message).to_vec(),
                EcdsaHash::Sha512 => sha2::Sha512::digest(message).to_vec(),
            };
            macro_rules! ecdsa {
                ($curve:ident) => {{
                    let (Ok(key), Ok(signature)) = (
                        $curve::ecdsa::VerifyingKey::from_sec1_bytes(key),
                        $curve::ecdsa::DerSignature::try_from(signature),
                    ) else {
                        return false;
                    };
                    key.verify_prehash(&prehash, &signature).is_ok()
                }};
            }
            match curve {
                KeyAlgorithm::P256 => ecdsa!(p256),
                KeyAlgorithm::P384 => ecdsa!(p384),
                KeyAlgorithm::P521 => ecdsa!(p521),
                KeyAlgorithm::Ed25519 => false,
            }
        }
        (SignatureAlgorithm::Ed25519, _) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use p256::ecdsa::signature::hazmat::PrehashSigner as _;

    // The certificate tests sign with Ed25519, P-256 and P-384 through rcgen, which has no
    // P-521 without a crypto backend: P-521 is checked here.
    #[test]
    fn ecdsa_p521_signatures_verify_with_each_hash() {
        let key = p521::ecdsa::SigningKey::from_slice(&[1; 66]).unwrap();
        let public = key.verifying_key().to_sec1_point(false).as_bytes().to_vec();
        let message = b"to be signed";
        for (hash, prehash) in [
            (EcdsaHash::Sha512, sha2::Sha512::digest(message).to_vec()),
            (EcdsaHash::Sha256, sha2::Sha256::digest(message).to_vec()),
        ] {
            let signature: p521::ecdsa::Signature = key.sign_prehash(&prehash).unwrap();
            let der = signature.to_der();
            let algorithm = SignatureAlgorithm::Ecdsa(hash);
            let der = der.as_bytes();
            assert!(verify(algorithm, KeyAlgorithm::P521, &public, message, der));
            assert!(!verify(
                algorithm,
                KeyAlgorithm::P521,
                &public,
                b"other",
                der
            ));
            assert!(!verify(
                algorithm,
                KeyAlgorithm::P384,
                &public,
                message,
                der
            ));
            let ed25519 = SignatureAlgorithm::Ed25519;
            assert!(!verify(ed25519, KeyAlgorithm::P521, &public, message, der));
        }
    }
}
