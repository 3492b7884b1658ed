//! The signature schemes: Ed25519 (pure, RFC 8032) and ECDSA over P-256, P-384 and P-521 with
//! SHA-256, SHA-384 and SHA-512 (DER signatures, uncompressed SEC1 public keys), as TLS 1.3
//! defines them (RFC 9420 §5.1.2).

use std::borrow::Cow;
use std::sync::Arc;

use mls_crypto::{
    CryptoError, SignatureKeyPair, SignaturePrivateKey, SignatureScheme, Signer, VerifyingKey,
    ed25519,
};

/// One signature scheme.
pub(crate) trait SignatureAlg: 'static {
    fn generate() -> SignatureKeyPair;
    fn signer(private_key: &SignaturePrivateKey) -> Result<Box<dyn Signer>, CryptoError>;
    /// Verifies `signature` over the message `message[0] || message[1] || ...`.
    fn verify(public_key: &[u8], message: &[&[u8]], signature: &[u8]) -> Result<(), CryptoError>;
    /// Decodes a public key once for [`SignatureAlg::verify_with_key`]; by default only its
    /// bytes are kept.
    fn verifying_key(public_key: &[u8]) -> Result<VerifyingKey, CryptoError> {
        Ok(VerifyingKey::unparsed(public_key))
    }
    /// Verifies with a prepared key; by default from its bytes.
    fn verify_with_key(
        key: &VerifyingKey,
        message: &[&[u8]],
        signature: &[u8],
    ) -> Result<(), CryptoError> {
        Self::verify(key.as_bytes(), message, signature)
    }
    /// [`SignatureAlg::verify_with_key`] for each item, in order; by default one by one.
    fn verify_many(items: &[(&VerifyingKey, &[u8], &[u8])]) -> Vec<Result<(), CryptoError>> {
        items
            .iter()
            .map(|&(key, message, signature)| Self::verify_with_key(key, &[message], signature))
            .collect()
    }
}

/// Ed25519 (pure, RFC 8032 §5.1).
pub(crate) struct Ed25519;

/// An Ed25519 signing key, expanded once (RFC 8032 §5.1.5): the secret scalar `a`, the
/// `prefix` that derives each signature's nonce, and the public key `A = [a]B`. Both secrets
/// are zeroized on drop.
struct Ed25519Signer {
    scalar: curve25519_dalek::Scalar,
    prefix: zeroize::Zeroizing<[u8; 32]>,
    public_key: [u8; 32],
}

impl Ed25519Signer {
    /// Expands the 32-byte seed: SHA-512 of it, the lower half clamped into the scalar, the
    /// upper half the prefix.
    fn from_seed(seed: &[u8; 32]) -> Self {
        use curve25519_dalek::traits::BasepointTable as _;
        use sha2::Digest as _;
        use zeroize::Zeroize as _;
        let mut hash: [u8; 64] = sha2::Sha512::digest(seed).into();
        let mut lower = [0u8; 32];
        lower.copy_from_slice(&hash[..32]);
        lower[0] &= 248;
        lower[31] &= 127;
        lower[31] |= 64;
        let scalar = curve25519_dalek::Scalar::from_bytes_mod_order(lower);
        let mut prefix = zeroize::Zeroizing::new([0u8; 32]);
        prefix.copy_from_slice(&hash[32..]);
        lower.zeroize();
        hash.zeroize();
        let public_key = basepoint_table().mul_base(&scalar).compress().to_bytes();
        Self {
            scalar,
            prefix,
            public_key,
        }
    }
}

impl Drop for Ed25519Signer {
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.scalar);
    }
}

/// The radix-32 table of multiples of the Ed25519 basepoint, built on first use (about 2 ms,
/// 60 KiB): a signature's `[r]B`, most of the cost of signing, takes 52 point additions
/// instead of the 64 of the radix-16 table curve25519-dalek ships (4 % faster, measured).
fn basepoint_table() -> &'static curve25519_dalek::edwards::EdwardsBasepointTableRadix32 {
    use curve25519_dalek::traits::BasepointTable as _;
    static TABLE: std::sync::OnceLock<curve25519_dalek::edwards::EdwardsBasepointTableRadix32> =
        std::sync::OnceLock::new();
    TABLE.get_or_init(|| {
        curve25519_dalek::edwards::EdwardsBasepointTableRadix32::create(
            &curve25519_dalek::constants::ED25519_BASEPOINT_POINT,
        )
    })
}

impl Signer for Ed25519Signer {
    fn signature_scheme(&self) -> SignatureScheme {
        SignatureScheme::Ed25519
    }

    fn public_key(&self) -> &[u8] {
        &self.public_key
    }

    /// RFC 8032 §5.1.6: `r = SHA-512(prefix || M)`, `R = [r]B`,
    /// `k = SHA-512(R || A || M)`, `S = r + k * a`, all modulo the group order.
    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, CryptoError> {
        use curve25519_dalek::Scalar;
        use curve25519_dalek::traits::BasepointTable as _;
        use sha2::Digest as _;
        use zeroize::Zeroize as _;
        let mut nonce: [u8; 64] = sha2::Sha512::new()
            .chain_update(*self.prefix)
            .chain_update(message)
            .finalize()
            .into();
        let mut r = Scalar::from_bytes_mod_order_wide(&nonce);
        nonce.zeroize();
        let big_r = basepoint_table().mul_base(&r).compress();
        let challenge: [u8; 64] = sha2::Sha512::new()
            .chain_update(big_r.as_bytes())
            .chain_update(self.public_key)
            .chain_update(message)
            .finalize()
            .into();
        let s = Scalar::from_bytes_mod_order_wide(&challenge) * self.scalar + r;
        r.zeroize();
        let mut signature = Vec::with_capacity(64);
        signature.extend_from_slice(big_r.as_bytes());
        signature.extend_from_slice(s.as_bytes());
        Ok(signature)
    }
}

impl SignatureAlg for Ed25519 {
    fn generate() -> SignatureKeyPair {
        let key = ed25519_dalek::SigningKey::generate(&mut rand::rng());
        SignatureKeyPair {
            private_key: SignaturePrivateKey::from_slice(key.as_bytes()),
            public_key: key.verifying_key().to_bytes().to_vec(),
        }
    }

    fn signer(private_key: &SignaturePrivateKey) -> Result<Box<dyn Signer>, CryptoError> {
        // The private key is the 32-byte seed (RFC 8032 §5.1.5).
        let seed: &[u8; 32] = private_key
            .as_bytes()
            .try_into()
            .map_err(|_| CryptoError::InvalidPrivateKey)?;
        Ok(Box::new(Ed25519Signer::from_seed(seed)))
    }

    fn verify(public_key: &[u8], message: &[&[u8]], signature: &[u8]) -> Result<(), CryptoError> {
        verify_ed25519(&decode_ed25519(public_key)?, message, signature)
    }

    fn verifying_key(public_key: &[u8]) -> Result<VerifyingKey, CryptoError> {
        Ok(VerifyingKey::with_decoded(
            public_key,
            Arc::new(decode_ed25519(public_key)?),
        ))
    }

    fn verify_with_key(
        key: &VerifyingKey,
        message: &[&[u8]],
        signature: &[u8],
    ) -> Result<(), CryptoError> {
        verify_ed25519(&*ed25519_key(key)?, message, signature)
    }

    /// The strict check of [`verify_ed25519`] for every item, with the recomputed points
    /// `R'` compressed together: Montgomery's trick turns their field inversions (one per
    /// compression) into one inversion and three multiplications per point. The comparison
    /// of each `R'` with its own R is unchanged, so exactly the same signatures are accepted.
    fn verify_many(items: &[(&VerifyingKey, &[u8], &[u8])]) -> Vec<Result<(), CryptoError>> {
        let mut results = Vec::with_capacity(items.len());
        // The items that reach the comparison: their index, their R and their R'.
        let mut expected = Vec::with_capacity(items.len());
        let mut recomputed = Vec::with_capacity(items.len());
        for (index, &(key, message, signature)) in items.iter().enumerate() {
            let recomputed_r = ed25519_key(key)
                .and_then(|public_key| recompute_r_ed25519(&public_key, &[message], signature));
            match recomputed_r {
                Ok((r, r_prime)) => {
                    // Replaced by the outcome of the comparison below.
                    results.push(Err(CryptoError::InvalidSignature));
                    expected.push((index, r));
                    recomputed.push(r_prime);
                }
                Err(error) => results.push(Err(error)),
            }
        }
        if !recomputed.is_empty() {
            let compressed = curve25519_dalek::EdwardsPoint::compress_batch_alloc(&recomputed);
            for ((index, r), r_prime) in expected.into_iter().zip(compressed) {
                if r_prime.as_bytes() == &r
                    && let Some(result) = results.get_mut(index)
                {
                    *result = Ok(());
                }
            }
        }
        results
    }
}

/// The Ed25519 key of `key`: as this provider decoded it, or decoded from its bytes.
fn ed25519_key(key: &VerifyingKey) -> Result<Cow<'_, ed25519_dalek::VerifyingKey>, CryptoError> {
    match key.decoded::<ed25519_dalek::VerifyingKey>() {
        Some(decoded) => Ok(Cow::Borrowed(decoded)),
        None => decode_ed25519(key.as_bytes()).map(Cow::Owned),
    }
}

fn decode_ed25519(public_key: &[u8]) -> Result<ed25519_dalek::VerifyingKey, CryptoError> {
    ed25519_dalek::VerifyingKey::try_from(public_key).map_err(|_| CryptoError::InvalidPublicKey)
}

/// Strict verification, as `verify_strict` of ed25519-dalek defines it (neither the public
/// key nor R of small order), without decompressing R: the recomputed R' must compress to R's
/// bytes, which only the canonical encoding of a point does, so R is of small order exactly
/// when its bytes are one of the eight canonical encodings of such points.
fn verify_ed25519(
    public_key: &ed25519_dalek::VerifyingKey,
    message: &[&[u8]],
    signature: &[u8],
) -> Result<(), CryptoError> {
    let (r, r_prime) = recompute_r_ed25519(public_key, message, signature)?;
    if r_prime.compress().as_bytes() == &r {
        Ok(())
    } else {
        Err(CryptoError::InvalidSignature)
    }
}

/// The checks of [`verify_ed25519`] up to the comparison, as ed25519-dalek 3 does them
/// (`VerifyingKey::verify`, `RCompute`): the signature's R bytes and the point
/// `R' = [s]B - [k]A` (projective, not yet compressed) with `s` canonical and
/// `k = SHA-512(R || A || M) mod l` over R's bytes, the public key's bytes as given and the
/// message `message[0] || message[1] || ...` (RFC 8032 §5.1.7). The signature is valid
/// exactly when `R'` compresses to R's bytes.
fn recompute_r_ed25519(
    public_key: &ed25519_dalek::VerifyingKey,
    message: &[&[u8]],
    signature: &[u8],
) -> Result<([u8; 32], curve25519_dalek::EdwardsPoint), CryptoError> {
    use curve25519_dalek::{EdwardsPoint, Scalar};
    use sha2::Digest as _;
    let signature = ed25519_dalek::Signature::from_slice(signature)
        .map_err(|_| CryptoError::InvalidSignature)?;
    let r = *signature.r_bytes();
    if ed25519::is_small_order(public_key.as_bytes()) || ed25519::SMALL_ORDER_ENCODINGS.contains(&r)
    {
        return Err(CryptoError::InvalidSignature);
    }
    let s = Option::<Scalar>::from(Scalar::from_canonical_bytes(*signature.s_bytes()))
        .ok_or(CryptoError::InvalidSignature)?;
    let mut hasher = sha2::Sha512::new()
        .chain_update(r)
        .chain_update(public_key.as_bytes());
    for part in message {
        hasher.update(part);
    }
    let hash: [u8; 64] = hasher.finalize().into();
    let k = Scalar::from_bytes_mod_order_wide(&hash);
    let minus_a = -public_key.to_edwards();
    Ok((
        r,
        EdwardsPoint::vartime_double_scalar_mul_basepoint(&k, &minus_a, &s),
    ))
}

/// ECDSA over one NIST curve, with the curve's hash (RFC 9420 §5.1.2, TLS 1.3 schemes
/// ecdsa_secp256r1_sha256, ecdsa_secp384r1_sha384, ecdsa_secp521r1_sha512).
macro_rules! ecdsa_scheme {
    ($name:ident, $signer:ident, $curve:ident, $scheme:expr) => {
        /// ECDSA over this curve (DER signatures, uncompressed SEC1 public keys).
        pub(crate) struct $name;

        /// A parsed ECDSA signing key with its public key computed once.
        struct $signer {
            key: $curve::ecdsa::SigningKey,
            public_key: Vec<u8>,
        }

        impl $signer {
            fn new(key: $curve::ecdsa::SigningKey) -> Self {
                let public_key = key.verifying_key().to_sec1_point(false).as_bytes().to_vec();
                Self { key, public_key }
            }
        }

        impl Signer for $signer {
            fn signature_scheme(&self) -> SignatureScheme {
                $scheme
            }

            fn public_key(&self) -> &[u8] {
                &self.public_key
            }

            fn sign(&self, message: &[u8]) -> Result<Vec<u8>, CryptoError> {
                use $curve::ecdsa::signature::Signer as _;
                // Deterministic nonces (RFC 6979), hash of the curve, DER encoding.
                let signature: $curve::ecdsa::DerSignature = self
                    .key
                    .try_sign(message)
                    .map_err(|_| CryptoError::SigningFailed)?;
                Ok(signature.as_bytes().to_vec())
            }
        }

        impl SignatureAlg for $name {
            fn generate() -> SignatureKeyPair {
                use $curve::elliptic_curve::Generate as _;
                let key = $curve::ecdsa::SigningKey::generate_from_rng(&mut rand::rng());
                let signer = $signer::new(key);
                let mut scalar = signer.key.to_bytes();
                let private_key = SignaturePrivateKey::from_slice(&scalar);
                zeroize::Zeroize::zeroize(scalar.as_mut_slice());
                SignatureKeyPair {
                    private_key,
                    public_key: signer.public_key,
                }
            }

            fn signer(private_key: &SignaturePrivateKey) -> Result<Box<dyn Signer>, CryptoError> {
                // The private key is the big-endian scalar (shorter inputs are left-padded).
                let key = $curve::ecdsa::SigningKey::from_slice(private_key.as_bytes())
                    .map_err(|_| CryptoError::InvalidPrivateKey)?;
                Ok(Box::new($signer::new(key)))
            }

            fn verify(
                public_key: &[u8],
                message: &[&[u8]],
                signature: &[u8],
            ) -> Result<(), CryptoError> {
                use $curve::ecdsa::signature::MultipartVerifier as _;
                // Only uncompressed points (RFC 9420 §5.1.1 via TLS 1.3 §4.2.3).
                if public_key.first() != Some(&0x04) {
                    return Err(CryptoError::InvalidPublicKey);
                }
                let public_key = $curve::ecdsa::VerifyingKey::from_sec1_bytes(public_key)
                    .map_err(|_| CryptoError::InvalidPublicKey)?;
                let signature = $curve::ecdsa::DerSignature::from_bytes(signature)
                    .map_err(|_| CryptoError::InvalidSignature)?;
                public_key
                    .multipart_verify(message, &signature)
                    .map_err(|_| CryptoError::InvalidSignature)
            }
        }
    };
}

ecdsa_scheme!(
    EcdsaP256,
    EcdsaP256Signer,
    p256,
    SignatureScheme::EcdsaSecp256r1Sha256
);
ecdsa_scheme!(
    EcdsaP384,
    EcdsaP384Signer,
    p384,
    SignatureScheme::EcdsaSecp384r1Sha384
);
ecdsa_scheme!(
    EcdsaP521,
    EcdsaP521Signer,
    p521,
    SignatureScheme::EcdsaSecp521r1Sha512
);
