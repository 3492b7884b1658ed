//! ML-DSA (FIPS 204) as an MLS signature scheme for the post-quantum suites of
//! draft-ietf-mls-pq-ciphersuites (feature `pq`): the TLS schemes mldsa44 (0x0904), mldsa65
//! (0x0905) and mldsa87 (0x0906), that is pure ML-DSA with an empty context string.
//!
//! A private key is the 32-byte seed ξ of `ML-DSA.KeyGen_internal` (FIPS 204 Algorithm 6), from
//! which the signer expands the signing key once. A public key is `pkEncode(ρ, t1)` (FIPS 204
//! Algorithm 22) and a signature `sigEncode(c̃, z, h)` (Algorithm 26), both of fixed length.
//! Signing is hedged (FIPS 204 Algorithm 2 with fresh randomness `rnd`), the default the
//! standard recommends.

use std::borrow::Cow;
use std::sync::Arc;

use ml_dsa::signature::MultipartVerifier as _;
use ml_dsa::{EncodedVerifyingKey, ExpandedSigningKey, MlDsaParams};
use mls_crypto::{
    CryptoError, SignatureKeyPair, SignaturePrivateKey, SignatureScheme, Signer, VerifyingKey,
};
use rand::Rng as _;

use crate::primitives::Marker;
use crate::signature::SignatureAlg;

/// The length of an ML-DSA private key as this provider stores it: the seed ξ.
const SEED_LEN: usize = 32;

/// An ML-DSA parameter set with its TLS signature scheme.
pub(crate) trait MlDsaScheme: MlDsaParams + 'static {
    /// The TLS SignatureScheme.
    const SCHEME: SignatureScheme;
}

impl MlDsaScheme for ml_dsa::MlDsa44 {
    const SCHEME: SignatureScheme = SignatureScheme::MlDsa44;
}

impl MlDsaScheme for ml_dsa::MlDsa65 {
    const SCHEME: SignatureScheme = SignatureScheme::MlDsa65;
}

impl MlDsaScheme for ml_dsa::MlDsa87 {
    const SCHEME: SignatureScheme = SignatureScheme::MlDsa87;
}

/// Pure ML-DSA with the parameter set `P` and an empty context (FIPS 204 Algorithms 2 and 3).
pub(crate) struct MlDsa<P>(Marker<P>);

/// ML-DSA-44.
pub(crate) type MlDsa44 = MlDsa<ml_dsa::MlDsa44>;
/// ML-DSA-65.
pub(crate) type MlDsa65 = MlDsa<ml_dsa::MlDsa65>;
/// ML-DSA-87.
pub(crate) type MlDsa87 = MlDsa<ml_dsa::MlDsa87>;

/// A signing key expanded once from its seed, with its encoded public key. The expanded key
/// zeroizes itself on drop (ml-dsa's `zeroize` feature).
struct MlDsaSigner<P: MlDsaParams> {
    key: ExpandedSigningKey<P>,
    public_key: Vec<u8>,
}

impl<P: MlDsaScheme> MlDsaSigner<P> {
    /// `ML-DSA.KeyGen_internal(ξ)` (FIPS 204 Algorithm 6).
    fn from_seed(seed: &[u8; SEED_LEN]) -> Self {
        let seed = ml_dsa::Seed::from(*seed);
        let signing_key = ml_dsa::SigningKey::<P>::from_seed(&seed);
        let public_key = ml_dsa::signature::Keypair::verifying_key(&signing_key)
            .encode()
            .to_vec();
        Self {
            key: ExpandedSigningKey::from_seed(&seed),
            public_key,
        }
    }
}

impl<P: MlDsaScheme> Signer for MlDsaSigner<P> {
    fn signature_scheme(&self) -> SignatureScheme {
        P::SCHEME
    }

    fn public_key(&self) -> &[u8] {
        &self.public_key
    }

    /// `ML-DSA.Sign(sk, M, ctx = "")` (FIPS 204 Algorithm 2), hedged with 32 fresh random
    /// bytes.
    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, CryptoError> {
        let signature = self
            .key
            .sign_randomized(message, &[], &mut rand::rng())
            .map_err(|_| CryptoError::SigningFailed)?;
        Ok(signature.encode().to_vec())
    }
}

/// `pkDecode` (FIPS 204 Algorithm 23) of a public key of exactly the parameter set's length.
fn decode_public_key<P: MlDsaParams>(
    public_key: &[u8],
) -> Result<ml_dsa::VerifyingKey<P>, CryptoError> {
    let encoded = EncodedVerifyingKey::<P>::try_from(public_key)
        .map_err(|_| CryptoError::InvalidPublicKey)?;
    Ok(ml_dsa::VerifyingKey::decode(&encoded))
}

/// The ML-DSA key of `key`: as this provider decoded it, or decoded from its bytes.
fn ml_dsa_key<P: MlDsaParams + 'static>(
    key: &VerifyingKey,
) -> Result<Cow<'_, ml_dsa::VerifyingKey<P>>, CryptoError> {
    match key.decoded::<ml_dsa::VerifyingKey<P>>() {
        Some(decoded) => Ok(Cow::Borrowed(decoded)),
        None => decode_public_key(key.as_bytes()).map(Cow::Owned),
    }
}

/// `ML-DSA.Verify(pk, M, σ, ctx = "")` (FIPS 204 Algorithm 3): a signature of the wrong length,
/// or whose hint or response is malformed (`sigDecode` fails), is rejected before the check.
fn verify_decoded<P: MlDsaParams>(
    key: &ml_dsa::VerifyingKey<P>,
    message: &[&[u8]],
    signature: &[u8],
) -> Result<(), CryptoError> {
    let signature =
        ml_dsa::Signature::<P>::try_from(signature).map_err(|_| CryptoError::InvalidSignature)?;
    key.multipart_verify(message, &signature)
        .map_err(|_| CryptoError::InvalidSignature)
}

impl<P: MlDsaScheme> SignatureAlg for MlDsa<P> {
    fn generate() -> SignatureKeyPair {
        let mut seed = zeroize::Zeroizing::new([0u8; SEED_LEN]);
        rand::rng().fill_bytes(&mut *seed);
        let signer = MlDsaSigner::<P>::from_seed(&seed);
        SignatureKeyPair {
            private_key: SignaturePrivateKey::from_slice(&*seed),
            public_key: signer.public_key.clone(),
        }
    }

    fn signer(private_key: &SignaturePrivateKey) -> Result<Box<dyn Signer>, CryptoError> {
        // The private key is the seed ξ (FIPS 204 Algorithm 6).
        let seed: &[u8; SEED_LEN] = private_key
            .as_bytes()
            .try_into()
            .map_err(|_| CryptoError::InvalidPrivateKey)?;
        Ok(Box::new(MlDsaSigner::<P>::from_seed(seed)))
    }

    fn verify(public_key: &[u8], message: &[&[u8]], signature: &[u8]) -> Result<(), CryptoError> {
        verify_decoded(&decode_public_key::<P>(public_key)?, message, signature)
    }

    /// Decodes the key and expands its matrix Â once (FIPS 204 Algorithm 8, step 5), which
    /// most of a verification would otherwise spend.
    fn verifying_key(public_key: &[u8]) -> Result<VerifyingKey, CryptoError> {
        Ok(VerifyingKey::with_decoded(
            public_key,
            Arc::new(decode_public_key::<P>(public_key)?),
        ))
    }

    fn verify_with_key(
        key: &VerifyingKey,
        message: &[&[u8]],
        signature: &[u8],
    ) -> Result<(), CryptoError> {
        verify_decoded(&*ml_dsa_key::<P>(key)?, message, signature)
    }
}
