//! The algorithm families behind a suite, each as a trait over a marker type so that one
//! generic [`crate::suite::Suite`] can combine them: the hash (with its HMAC and HKDF), the
//! AEAD, HPKE and the signature scheme.

use std::marker::PhantomData;

use aes_gcm::aead::{Aead, KeyInit, Payload};
use hmac::{EagerHash, Hmac, Mac};
use hpke::{Deserializable, Kem, OpModeR, OpModeS, Serializable};
use mls_crypto::{CryptoError, HpkeKeyPair, HpkePrivateKey, HpkeSealed, Secret, Zeroizing};
use zeroize::Zeroize;

/// A type parameter that is only named, never stored; `fn() -> T` keeps it `Send + Sync`.
pub(crate) type Marker<T> = PhantomData<fn() -> T>;

/// A hash function with the HMAC and HKDF built on it (RFC 9420 §5.1).
pub(crate) trait HashAlg: 'static {
    fn hash(data: &[u8]) -> Vec<u8>;
    fn mac(key: &[u8], data: &[u8]) -> Vec<u8>;
    fn extract(salt: &[u8], ikm: &[u8]) -> Secret;
    fn expand(prk: &[u8], info: &[u8], length: usize) -> Result<Secret, CryptoError>;
}

/// The RustCrypto hash `H` (SHA-256, SHA-384 or SHA-512).
pub(crate) struct Sha<H>(Marker<H>);

impl<H: EagerHash + 'static> HashAlg for Sha<H> {
    fn hash(data: &[u8]) -> Vec<u8> {
        H::digest(data).to_vec()
    }

    fn mac(key: &[u8], data: &[u8]) -> Vec<u8> {
        // HMAC takes keys of any length (RFC 2104 §2), so this never fails.
        let mut mac = <Hmac<H> as KeyInit>::new_from_slice(key)
            .unwrap_or_else(|_| unreachable!("HMAC accepts keys of every length"));
        mac.update(data);
        let mut tag = mac.finalize().into_bytes();
        let out = tag.to_vec();
        tag.zeroize();
        out
    }

    fn extract(salt: &[u8], ikm: &[u8]) -> Secret {
        // HKDF-Extract(salt, IKM) = HMAC-Hash(salt, IKM) (RFC 5869 §2.2).
        Secret::new(Self::mac(salt, ikm))
    }

    fn expand(prk: &[u8], info: &[u8], length: usize) -> Result<Secret, CryptoError> {
        let hash_len = <H as hmac::digest::OutputSizeUser>::output_size();
        let hkdf = hkdf::Hkdf::<H>::from_prk(prk).map_err(|_| CryptoError::InvalidLength {
            what: "KDF.Expand secret",
            expected: hash_len,
            actual: prk.len(),
        })?;
        if length > 255 * hash_len {
            return Err(CryptoError::KdfOutputTooLong { length });
        }
        let mut okm = Zeroizing::new(vec![0u8; length]);
        hkdf.expand(info, &mut okm)
            .map_err(|_| CryptoError::KdfOutputTooLong { length })?;
        Ok(Secret::from(okm))
    }
}

/// An AEAD (RFC 9420 §5.1, RFC 5116).
pub(crate) trait AeadAlg: 'static {
    fn seal(key: &[u8], nonce: &[u8], aad: &[u8], plaintext: &[u8])
    -> Result<Vec<u8>, CryptoError>;
    fn open(
        key: &[u8],
        nonce: &[u8],
        aad: &[u8],
        ciphertext: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>, CryptoError>;
}

/// The RustCrypto AEAD `A` (AES-128-GCM, AES-256-GCM or ChaCha20Poly1305).
pub(crate) struct RcAead<A>(Marker<A>);

impl<A: KeyInit + Aead + 'static> RcAead<A> {
    fn cipher(key: &[u8], nonce: &[u8]) -> Result<(A, aes_gcm::aead::Nonce<A>), CryptoError> {
        let cipher = A::new_from_slice(key).map_err(|_| CryptoError::InvalidLength {
            what: "AEAD key",
            expected: A::key_size(),
            actual: key.len(),
        })?;
        let nonce_len = <A::NonceSize as hpke::hybrid_array::typenum::Unsigned>::USIZE;
        let nonce =
            aes_gcm::aead::Nonce::<A>::try_from(nonce).map_err(|_| CryptoError::InvalidLength {
                what: "AEAD nonce",
                expected: nonce_len,
                actual: nonce.len(),
            })?;
        Ok((cipher, nonce))
    }
}

impl<A: KeyInit + Aead + 'static> AeadAlg for RcAead<A> {
    fn seal(
        key: &[u8],
        nonce: &[u8],
        aad: &[u8],
        plaintext: &[u8],
    ) -> Result<Vec<u8>, CryptoError> {
        let (cipher, nonce) = Self::cipher(key, nonce)?;
        cipher
            .encrypt(
                &nonce,
                Payload {
                    msg: plaintext,
                    aad,
                },
            )
            .map_err(|_| CryptoError::AeadEncryptFailed)
    }

    fn open(
        key: &[u8],
        nonce: &[u8],
        aad: &[u8],
        ciphertext: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
        let (cipher, nonce) = Self::cipher(key, nonce)?;
        cipher
            .decrypt(
                &nonce,
                Payload {
                    msg: ciphertext,
                    aad,
                },
            )
            .map(Zeroizing::new)
            .map_err(|_| CryptoError::AeadDecryptFailed)
    }
}

/// HPKE in base mode (RFC 9180) with one KEM, KDF and AEAD.
pub(crate) trait HpkeAlg: 'static {
    fn seal(
        public_key: &[u8],
        info: &[u8],
        aad: &[u8],
        plaintext: &[u8],
    ) -> Result<HpkeSealed, CryptoError>;
    fn open(
        private_key: &HpkePrivateKey,
        kem_output: &[u8],
        info: &[u8],
        aad: &[u8],
        ciphertext: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>, CryptoError>;
    fn export_sender(
        public_key: &[u8],
        info: &[u8],
        exporter_context: &[u8],
        length: usize,
    ) -> Result<(Vec<u8>, Secret), CryptoError>;
    fn export_receiver(
        private_key: &HpkePrivateKey,
        kem_output: &[u8],
        info: &[u8],
        exporter_context: &[u8],
        length: usize,
    ) -> Result<Secret, CryptoError>;
    fn derive_key_pair(ikm: &[u8]) -> HpkeKeyPair;
    fn public_key(private_key: &HpkePrivateKey) -> Result<Vec<u8>, CryptoError>;
}

/// The `hpke` crate's suite (KEM `K`, KDF `F`, AEAD `A`), fixed at compile time.
pub(crate) struct Hpke<K, F, A>(Marker<(K, F, A)>);

fn serialize_private<T: Serializable>(key: &T) -> HpkePrivateKey {
    let mut bytes = Zeroizing::new(vec![0u8; T::size()]);
    key.write_exact(&mut bytes);
    HpkePrivateKey::from(bytes)
}

fn serialize_public<T: Serializable>(key: &T) -> Vec<u8> {
    let mut bytes = vec![0u8; T::size()];
    key.write_exact(&mut bytes);
    bytes
}

impl<K, F, A> HpkeAlg for Hpke<K, F, A>
where
    K: Kem + 'static,
    F: hpke::kdf::Kdf + 'static,
    A: hpke::aead::Aead + 'static,
{
    fn seal(
        public_key: &[u8],
        info: &[u8],
        aad: &[u8],
        plaintext: &[u8],
    ) -> Result<HpkeSealed, CryptoError> {
        let public_key =
            K::PublicKey::from_bytes(public_key).map_err(|_| CryptoError::InvalidPublicKey)?;
        let (encapped, ciphertext) = hpke::single_shot_seal_with_rng::<A, F, K>(
            &OpModeS::Base,
            &public_key,
            info,
            plaintext,
            aad,
            &mut rand::rng(),
        )
        .map_err(|_| CryptoError::HpkeSealFailed)?;
        Ok(HpkeSealed {
            kem_output: serialize_public(&encapped),
            ciphertext,
        })
    }

    fn open(
        private_key: &HpkePrivateKey,
        kem_output: &[u8],
        info: &[u8],
        aad: &[u8],
        ciphertext: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
        let private_key = K::PrivateKey::from_bytes(private_key.as_bytes())
            .map_err(|_| CryptoError::InvalidPrivateKey)?;
        let encapped =
            K::EncappedKey::from_bytes(kem_output).map_err(|_| CryptoError::HpkeOpenFailed)?;
        hpke::single_shot_open::<A, F, K>(
            &OpModeR::Base,
            &private_key,
            &encapped,
            info,
            ciphertext,
            aad,
        )
        .map(Zeroizing::new)
        .map_err(|_| CryptoError::HpkeOpenFailed)
    }

    fn export_sender(
        public_key: &[u8],
        info: &[u8],
        exporter_context: &[u8],
        length: usize,
    ) -> Result<(Vec<u8>, Secret), CryptoError> {
        let public_key =
            K::PublicKey::from_bytes(public_key).map_err(|_| CryptoError::InvalidPublicKey)?;
        let (encapped, context) = hpke::setup_sender_with_rng::<A, F, K>(
            &OpModeS::Base,
            &public_key,
            info,
            &mut rand::rng(),
        )
        .map_err(|_| CryptoError::HpkeSealFailed)?;
        let mut secret = Zeroizing::new(vec![0u8; length]);
        context
            .export(exporter_context, &mut secret)
            .map_err(|_| CryptoError::KdfOutputTooLong { length })?;
        Ok((serialize_public(&encapped), Secret::from(secret)))
    }

    fn export_receiver(
        private_key: &HpkePrivateKey,
        kem_output: &[u8],
        info: &[u8],
        exporter_context: &[u8],
        length: usize,
    ) -> Result<Secret, CryptoError> {
        let private_key = K::PrivateKey::from_bytes(private_key.as_bytes())
            .map_err(|_| CryptoError::InvalidPrivateKey)?;
        let encapped =
            K::EncappedKey::from_bytes(kem_output).map_err(|_| CryptoError::HpkeOpenFailed)?;
        let context =
            hpke::setup_receiver::<A, F, K>(&OpModeR::Base, &private_key, &encapped, info)
                .map_err(|_| CryptoError::HpkeOpenFailed)?;
        let mut secret = Zeroizing::new(vec![0u8; length]);
        context
            .export(exporter_context, &mut secret)
            .map_err(|_| CryptoError::KdfOutputTooLong { length })?;
        Ok(Secret::from(secret))
    }

    fn derive_key_pair(ikm: &[u8]) -> HpkeKeyPair {
        let (private_key, public_key) = K::derive_keypair(ikm);
        HpkeKeyPair {
            private_key: serialize_private(&private_key),
            public_key: serialize_public(&public_key),
        }
    }

    fn public_key(private_key: &HpkePrivateKey) -> Result<Vec<u8>, CryptoError> {
        let private_key = K::PrivateKey::from_bytes(private_key.as_bytes())
            .map_err(|_| CryptoError::InvalidPrivateKey)?;
        Ok(serialize_public(&K::sk_to_pk(&private_key)))
    }
}
