//! Ed448 (pure, with the empty context, RFC 8032 §5.2), the signature scheme of suites 0x0004
//! and 0x0006 (TLS 1.3 scheme ed448, RFC 9420 §5.1.2): 57-byte private keys (the seed) and
//! public keys, 114-byte signatures; from the `ed448-goldilocks` crate.

use std::borrow::Cow;
use std::sync::Arc;

use ed448_goldilocks::{PUBLIC_KEY_LENGTH, SECRET_KEY_LENGTH, Signature, SigningKey};
use mls_crypto::{
    CryptoError, SignatureKeyPair, SignaturePrivateKey, SignatureScheme, Signer, VerifyingKey,
};
use rand::Rng as _;
use zeroize::Zeroizing;

use crate::signature::SignatureAlg;

/// Ed448 (RFC 8032 §5.2), pure, with the empty context.
pub(crate) struct Ed448;

/// An Ed448 signing key, expanded once (RFC 8032 §5.2.5: the secret scalar, the prefix and
/// the public key), zeroized on drop by `ed448-goldilocks`.
struct Ed448Signer {
    key: SigningKey,
    public_key: [u8; PUBLIC_KEY_LENGTH],
}

impl Ed448Signer {
    fn from_seed(seed: &[u8]) -> Result<Self, CryptoError> {
        // SigningKey checks the length (57 bytes) before anything else.
        let key = SigningKey::try_from(seed).map_err(|_| CryptoError::InvalidPrivateKey)?;
        let public_key = key.verifying_key().to_bytes();
        Ok(Self { key, public_key })
    }
}

impl Signer for Ed448Signer {
    fn signature_scheme(&self) -> SignatureScheme {
        SignatureScheme::Ed448
    }

    fn public_key(&self) -> &[u8] {
        &self.public_key
    }

    /// RFC 8032 §5.2.6 with `dom4(0, "")`: deterministic, no randomness.
    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, CryptoError> {
        Ok(self.key.sign_raw(message).to_bytes().to_vec())
    }
}

impl SignatureAlg for Ed448 {
    fn generate() -> SignatureKeyPair {
        // The private key is a random 57-byte string (RFC 8032 §5.2.5).
        let mut seed = Zeroizing::new([0u8; SECRET_KEY_LENGTH]);
        rand::rng().fill_bytes(&mut *seed);
        let signer = Ed448Signer::from_seed(&*seed)
            .unwrap_or_else(|_| unreachable!("a 57-byte seed is an Ed448 private key"));
        SignatureKeyPair {
            private_key: SignaturePrivateKey::from_slice(&*seed),
            public_key: signer.public_key.to_vec(),
        }
    }

    fn signer(private_key: &SignaturePrivateKey) -> Result<Box<dyn Signer>, CryptoError> {
        Ok(Box::new(Ed448Signer::from_seed(private_key.as_bytes())?))
    }

    fn verify(public_key: &[u8], message: &[&[u8]], signature: &[u8]) -> Result<(), CryptoError> {
        verify_ed448(&decode_ed448(public_key)?, message, signature)
    }

    fn verifying_key(public_key: &[u8]) -> Result<VerifyingKey, CryptoError> {
        Ok(VerifyingKey::with_decoded(
            public_key,
            Arc::new(decode_ed448(public_key)?),
        ))
    }

    fn verify_with_key(
        key: &VerifyingKey,
        message: &[&[u8]],
        signature: &[u8],
    ) -> Result<(), CryptoError> {
        verify_ed448(&*ed448_key(key)?, message, signature)
    }
}

/// The Ed448 key of `key`: as this provider decoded it, or decoded from its bytes.
fn ed448_key(key: &VerifyingKey) -> Result<Cow<'_, ed448_goldilocks::VerifyingKey>, CryptoError> {
    match key.decoded::<ed448_goldilocks::VerifyingKey>() {
        Some(decoded) => Ok(Cow::Borrowed(decoded)),
        None => decode_ed448(key.as_bytes()).map(Cow::Owned),
    }
}

/// A 57-byte encoded point (RFC 8032 §5.2.3) that decodes to a point other than the identity.
fn decode_ed448(public_key: &[u8]) -> Result<ed448_goldilocks::VerifyingKey, CryptoError> {
    let bytes: &[u8; PUBLIC_KEY_LENGTH] = public_key
        .try_into()
        .map_err(|_| CryptoError::InvalidPublicKey)?;
    ed448_goldilocks::VerifyingKey::from_bytes(bytes).map_err(|_| CryptoError::InvalidPublicKey)
}

/// RFC 8032 §5.2.7 with `dom4(0, "")` over `message[0] || message[1] || ...`: the signature
/// is 114 bytes, R decodes to a point, S is canonical (below the group order, top byte zero).
fn verify_ed448(
    public_key: &ed448_goldilocks::VerifyingKey,
    message: &[&[u8]],
    signature: &[u8],
) -> Result<(), CryptoError> {
    let signature = Signature::from_slice(signature).map_err(|_| CryptoError::InvalidSignature)?;
    let message: Cow<'_, [u8]> = match message {
        [single] => Cow::Borrowed(single),
        parts => Cow::Owned(parts.concat()),
    };
    public_key
        .verify_raw(&signature, &message)
        .map_err(|_| CryptoError::InvalidSignature)
}
