//! The symmetric primitives of a suite on aws-lc-rs: the hash with its HMAC and HKDF
//! (RFC 9420 §5.1, RFC 5869), and the AEAD (RFC 5116).

use aws_lc_rs::{aead, digest, hmac};
use mls_crypto::{CryptoError, Secret, Zeroizing};

/// A hash function with the HMAC and HKDF built on it.
#[derive(Clone, Copy)]
pub(crate) struct Hash {
    digest: &'static digest::Algorithm,
    hmac: hmac::Algorithm,
}

/// SHA-256, HMAC-SHA256, HKDF-SHA256.
pub(crate) const SHA256: Hash = Hash {
    digest: &digest::SHA256,
    hmac: hmac::HMAC_SHA256,
};

/// SHA-384, HMAC-SHA384, HKDF-SHA384.
pub(crate) const SHA384: Hash = Hash {
    digest: &digest::SHA384,
    hmac: hmac::HMAC_SHA384,
};

/// SHA-512, HMAC-SHA512, HKDF-SHA512.
pub(crate) const SHA512: Hash = Hash {
    digest: &digest::SHA512,
    hmac: hmac::HMAC_SHA512,
};

impl Hash {
    /// `Nh`, the output length.
    pub(crate) fn len(self) -> usize {
        self.digest.output_len()
    }

    /// `Hash(parts[0] || parts[1] || ...)`.
    pub(crate) fn hash_concat(self, parts: &[&[u8]]) -> Vec<u8> {
        let mut context = digest::Context::new(self.digest);
        for part in parts {
            context.update(part);
        }
        context.finish().as_ref().to_vec()
    }

    /// `HMAC(key, parts[0] || parts[1] || ...)` (RFC 2104); keys of every length are accepted.
    pub(crate) fn mac_concat(self, key: &[u8], parts: &[&[u8]]) -> Zeroizing<Vec<u8>> {
        let key = hmac::Key::new(self.hmac, key);
        Self::mac_keyed(&key, parts)
    }

    fn mac_keyed(key: &hmac::Key, parts: &[&[u8]]) -> Zeroizing<Vec<u8>> {
        let mut context = hmac::Context::with_key(key);
        for part in parts {
            context.update(part);
        }
        Zeroizing::new(context.sign().as_ref().to_vec())
    }

    /// `HKDF-Extract(salt, parts[0] || parts[1] || ...)` = HMAC keyed with the salt
    /// (RFC 5869 §2.2).
    pub(crate) fn extract_concat(self, salt: &[u8], ikm_parts: &[&[u8]]) -> Secret {
        Secret::from(self.mac_concat(salt, ikm_parts))
    }

    /// HMAC keyed with a PRK of at least `Nh` bytes, for HKDF-Expand (RFC 5869 §2.3).
    fn prk_key(self, prk: &[u8]) -> Result<hmac::Key, CryptoError> {
        if prk.len() < self.len() {
            return Err(CryptoError::InvalidLength {
                what: "KDF.Expand secret",
                expected: self.len(),
                actual: prk.len(),
            });
        }
        Ok(hmac::Key::new(self.hmac, prk))
    }

    /// `HKDF-Expand(prk, info_parts[0] || info_parts[1] || ..., length)` (RFC 5869 §2.3).
    pub(crate) fn expand_concat(
        self,
        prk: &[u8],
        info_parts: &[&[u8]],
        length: usize,
    ) -> Result<Secret, CryptoError> {
        self.expand_keyed(&self.prk_key(prk)?, info_parts, length)
    }

    /// [`Hash::expand_concat`] with one info each for many requests, HMAC keyed once.
    pub(crate) fn expand_many(
        self,
        prk: &[u8],
        requests: &[(&[u8], usize)],
    ) -> Result<Vec<Secret>, CryptoError> {
        let key = self.prk_key(prk)?;
        requests
            .iter()
            .map(|&(info, length)| self.expand_keyed(&key, &[info], length))
            .collect()
    }

    /// HKDF-Expand (RFC 5869 §2.3) with HMAC already keyed with the PRK:
    /// `T(0) = ""`, `T(i) = HMAC(PRK, T(i-1) || info || i)`, the first `length` bytes of
    /// `T(1) || T(2) || ...`; at most `255 * Nh` bytes.
    fn expand_keyed(
        self,
        key: &hmac::Key,
        info_parts: &[&[u8]],
        length: usize,
    ) -> Result<Secret, CryptoError> {
        let hash_len = self.len();
        if length > 255 * hash_len {
            return Err(CryptoError::KdfOutputTooLong { length });
        }
        let mut okm = Zeroizing::new(Vec::with_capacity(length + hash_len));
        let mut previous = Zeroizing::new(Vec::new());
        let mut counter = 1u8;
        while okm.len() < length {
            let mut context = hmac::Context::with_key(key);
            context.update(&previous);
            for part in info_parts {
                context.update(part);
            }
            context.update(&[counter]);
            previous = Zeroizing::new(context.sign().as_ref().to_vec());
            okm.extend_from_slice(&previous);
            // At most 255 blocks (checked above), so the counter never wraps before the end.
            counter = counter.wrapping_add(1);
        }
        okm.truncate(length);
        Ok(Secret::from(okm))
    }
}

/// An AEAD of aws-lc-rs (AES-128-GCM, AES-256-GCM or ChaCha20-Poly1305).
#[derive(Clone, Copy)]
pub(crate) struct Aead(&'static aead::Algorithm);

/// AES-128-GCM.
pub(crate) const AES_128_GCM: Aead = Aead(&aead::AES_128_GCM);
/// AES-256-GCM.
pub(crate) const AES_256_GCM: Aead = Aead(&aead::AES_256_GCM);
/// ChaCha20-Poly1305.
pub(crate) const CHACHA20_POLY1305: Aead = Aead(&aead::CHACHA20_POLY1305);

impl Aead {
    /// `Nk`.
    pub(crate) fn key_len(self) -> usize {
        self.0.key_len()
    }

    /// `Nn`.
    pub(crate) fn nonce_len(self) -> usize {
        self.0.nonce_len()
    }

    fn key_and_nonce(
        self,
        key: &[u8],
        nonce: &[u8],
    ) -> Result<(aead::LessSafeKey, aead::Nonce), CryptoError> {
        let unbound =
            aead::UnboundKey::new(self.0, key).map_err(|_| CryptoError::InvalidLength {
                what: "AEAD key",
                expected: self.key_len(),
                actual: key.len(),
            })?;
        let nonce = aead::Nonce::try_assume_unique_for_key(nonce).map_err(|_| {
            CryptoError::InvalidLength {
                what: "AEAD nonce",
                expected: self.nonce_len(),
                actual: nonce.len(),
            }
        })?;
        Ok((aead::LessSafeKey::new(unbound), nonce))
    }

    /// `Seal(key, nonce, aad, pt)`: the ciphertext with the tag appended.
    pub(crate) fn seal(
        self,
        key: &[u8],
        nonce: &[u8],
        aad: &[u8],
        plaintext: &[u8],
    ) -> Result<Vec<u8>, CryptoError> {
        let (key, nonce) = self.key_and_nonce(key, nonce)?;
        let mut in_out = Vec::with_capacity(plaintext.len() + self.0.tag_len());
        in_out.extend_from_slice(plaintext);
        key.seal_in_place_append_tag(nonce, aead::Aad::from(aad), &mut in_out)
            .map_err(|_| CryptoError::AeadEncryptFailed)?;
        Ok(in_out)
    }

    /// `Open(key, nonce, aad, ct)`: the plaintext, wiped when dropped.
    pub(crate) fn open(
        self,
        key: &[u8],
        nonce: &[u8],
        aad: &[u8],
        ciphertext: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
        let (key, nonce) = self.key_and_nonce(key, nonce)?;
        let mut in_out = Zeroizing::new(ciphertext.to_vec());
        let plaintext_len = key
            .open_in_place(nonce, aead::Aad::from(aad), &mut in_out)
            .map_err(|_| CryptoError::AeadDecryptFailed)?
            .len();
        in_out.truncate(plaintext_len);
        Ok(in_out)
    }
}

/// `length` random bytes from aws-lc's CSPRNG.
pub(crate) fn random_bytes(length: usize) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
    let mut bytes = Zeroizing::new(vec![0u8; length]);
    aws_lc_rs::rand::fill(&mut bytes).map_err(|_| CryptoError::RandomFailed)?;
    Ok(bytes)
}
