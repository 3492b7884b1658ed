//! The algorithm families behind a suite, each as a trait over a marker type so that one
//! generic [`crate::suite::Suite`] can combine them: the hash (with its HMAC and HKDF), the
//! AEAD, HPKE and the signature scheme.

use std::marker::PhantomData;

use aes_gcm::aead::{Aead, KeyInit, Payload};
use hmac::{EagerHash, Hmac, Mac};
use hpke::aead::{AesGcm128, AesGcm256, ChaCha20Poly1305 as HpkeChaCha};
use hpke::kdf::{HkdfSha256, HkdfSha384, HkdfSha512};
use hpke::{Deserializable, Kem, OpModeR, OpModeS, Serializable};
use mls_crypto::{CryptoError, HpkeKeyPair, HpkePrivateKey, HpkeSealed, Secret, Zeroizing};
use sha2::{Sha256, Sha384, Sha512};
use zeroize::Zeroize;

/// A type parameter that is only named, never stored; `fn() -> T` keeps it `Send + Sync`.
pub(crate) type Marker<T> = PhantomData<fn() -> T>;

/// A hash function with the HMAC and HKDF built on it (RFC 9420 §5.1).
pub(crate) trait HashAlg: 'static {
    fn hash(data: &[u8]) -> Vec<u8>;
    /// `Hash(concat(parts))`, without copying the parts into one buffer.
    fn hash_concat(parts: &[&[u8]]) -> Vec<u8>;
    fn mac(key: &[u8], data: &[u8]) -> Vec<u8>;
    fn extract(salt: &[u8], ikm: &[u8]) -> Secret;
    /// `Extract(salt, concat(ikm_parts))`, without copying the parts into one buffer.
    fn extract_concat(salt: &[u8], ikm_parts: &[&[u8]]) -> Secret;
    fn expand(prk: &[u8], info: &[u8], length: usize) -> Result<Secret, CryptoError>;
    /// [`HashAlg::expand`] for each `(info, length)`, HMAC keyed with `prk` once.
    fn expand_many(prk: &[u8], requests: &[(&[u8], usize)]) -> Result<Vec<Secret>, CryptoError>;
}

/// The RustCrypto hash `H` (SHA-256, SHA-384 or SHA-512).
pub(crate) struct Sha<H>(Marker<H>);

impl<H: EagerHash + 'static> HashAlg for Sha<H> {
    fn hash(data: &[u8]) -> Vec<u8> {
        H::digest(data).to_vec()
    }

    fn hash_concat(parts: &[&[u8]]) -> Vec<u8> {
        let mut hasher = H::new();
        for part in parts {
            hasher.update(part);
        }
        hasher.finalize().to_vec()
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

    fn extract_concat(salt: &[u8], ikm_parts: &[&[u8]]) -> Secret {
        // HKDF-Extract is HMAC keyed with the salt (RFC 5869 §2.2); HMAC is fed part by part.
        let mut mac = <Hmac<H> as KeyInit>::new_from_slice(salt)
            .unwrap_or_else(|_| unreachable!("HMAC accepts keys of every length"));
        for part in ikm_parts {
            mac.update(part);
        }
        let mut prk = mac.finalize().into_bytes();
        let out = Secret::from_slice(&prk);
        prk.zeroize();
        out
    }

    fn expand(prk: &[u8], info: &[u8], length: usize) -> Result<Secret, CryptoError> {
        expand_keyed(&Self::hkdf(prk)?, info, length)
    }

    fn expand_many(prk: &[u8], requests: &[(&[u8], usize)]) -> Result<Vec<Secret>, CryptoError> {
        // The HKDF holds HMAC keyed with the PRK; each expansion starts from a copy of it.
        let hkdf = Self::hkdf(prk)?;
        requests
            .iter()
            .map(|&(info, length)| expand_keyed(&hkdf, info, length))
            .collect()
    }
}

impl<H: EagerHash + 'static> Sha<H> {
    /// HKDF from a PRK of at least `Nh` bytes (RFC 5869 §2.3): HMAC keyed with it.
    fn hkdf(prk: &[u8]) -> Result<hkdf::Hkdf<H>, CryptoError> {
        hkdf::Hkdf::<H>::from_prk(prk).map_err(|_| CryptoError::InvalidLength {
            what: "KDF.Expand secret",
            expected: <H as hmac::digest::OutputSizeUser>::output_size(),
            actual: prk.len(),
        })
    }
}

/// `HKDF-Expand(PRK, info, length)` (RFC 5869 §2.3) with an HKDF already keyed with the PRK.
fn expand_keyed<H: EagerHash>(
    hkdf: &hkdf::Hkdf<H>,
    info: &[u8],
    length: usize,
) -> Result<Secret, CryptoError> {
    if length > 255 * <H as hmac::digest::OutputSizeUser>::output_size() {
        return Err(CryptoError::KdfOutputTooLong { length });
    }
    let mut okm = Zeroizing::new(vec![0u8; length]);
    hkdf.expand(info, &mut okm)
        .map_err(|_| CryptoError::KdfOutputTooLong { length })?;
    Ok(Secret::from(okm))
}

/// An AEAD (RFC 9420 §5.1, RFC 5116).
pub(crate) trait AeadAlg: 'static {
    /// `Nk`, the key length in bytes.
    fn key_len() -> usize;
    /// `Nn`, the nonce length in bytes.
    fn nonce_len() -> usize;
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
    fn key_len() -> usize {
        A::key_size()
    }

    fn nonce_len() -> usize {
        <A::NonceSize as hpke::hybrid_array::typenum::Unsigned>::USIZE
    }

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
    /// SealBase to each `(public_key, plaintext)` with one `info` and `aad`, in input order;
    /// the error of the first failing recipient otherwise.
    fn seal_many(
        info: &[u8],
        aad: &[u8],
        recipients: &[(&[u8], &[u8])],
    ) -> Result<Vec<HpkeSealed>, CryptoError>;
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

/// `"HPKE-v1"`, the version label of LabeledExtract and LabeledExpand (RFC 9180 §4).
const HPKE_VERSION_LABEL: &[u8] = b"HPKE-v1";

/// `LabeledExtract(salt, label, ikm) = Extract(salt, concat("HPKE-v1", suite_id, label, ikm))`
/// (RFC 9180 §4), with the hash of `H`. `suite_id` is the KEM's (`"KEM" || I2OSP(kem_id, 2)`,
/// §4.1) or the whole suite's (`"HPKE" || ...`, §5.1).
pub(crate) fn labeled_extract<H: HashAlg>(
    suite_id: &[u8],
    salt: &[u8],
    label: &[u8],
    ikm: &[u8],
) -> Secret {
    H::extract_concat(salt, &[HPKE_VERSION_LABEL, suite_id, label, ikm])
}

/// `LabeledExpand(prk, label, info, L) = Expand(prk, concat(I2OSP(L, 2), "HPKE-v1", suite_id,
/// label, info), L)` (RFC 9180 §4), with the hash of `H`.
pub(crate) fn labeled_expand<H: HashAlg>(
    suite_id: &[u8],
    prk: &Secret,
    label: &[u8],
    info: &[u8],
    length: usize,
) -> Result<Secret, CryptoError> {
    let length16 = u16::try_from(length).map_err(|_| CryptoError::KdfOutputTooLong { length })?;
    let labeled_info = [
        &length16.to_be_bytes()[..],
        HPKE_VERSION_LABEL,
        suite_id,
        label,
        info,
    ]
    .concat();
    H::expand(prk.as_bytes(), &labeled_info, length)
}

/// `mode_base` (RFC 9180 §5, Table 1).
const MODE_BASE: u8 = 0x00;

/// An HPKE KDF of the `hpke` crate with the HKDF of this crate that computes the same function
/// (RFC 9180 §7.2), for the key schedule that [`HpkeAlg::seal_many`] runs itself.
pub(crate) trait HpkeKdfAlg: hpke::kdf::Kdf + 'static {
    /// The KDF identifier of RFC 9180 §7.2.
    const ID: u16;
    /// The HKDF with the same hash.
    type Hash: HashAlg;
}

impl HpkeKdfAlg for HkdfSha256 {
    const ID: u16 = 0x0001;
    type Hash = Sha<Sha256>;
}

impl HpkeKdfAlg for HkdfSha384 {
    const ID: u16 = 0x0002;
    type Hash = Sha<Sha384>;
}

impl HpkeKdfAlg for HkdfSha512 {
    const ID: u16 = 0x0003;
    type Hash = Sha<Sha512>;
}

/// An HPKE AEAD of the `hpke` crate with the AEAD of this crate that computes the same function
/// (RFC 9180 §7.3).
pub(crate) trait HpkeAeadAlg: hpke::aead::Aead + 'static {
    /// The same AEAD.
    type Aead: AeadAlg;
}

impl HpkeAeadAlg for AesGcm128 {
    type Aead = RcAead<aes_gcm::Aes128Gcm>;
}

impl HpkeAeadAlg for AesGcm256 {
    type Aead = RcAead<aes_gcm::Aes256Gcm>;
}

impl HpkeAeadAlg for HpkeChaCha {
    type Aead = RcAead<chacha20poly1305::ChaCha20Poly1305>;
}

/// The part of the HPKE key schedule in mode_base (RFC 9180 §5.1) that depends only on the
/// suite and `info`: computed once, then shared by every recipient of
/// [`HpkeAlg::seal_many`].
struct BaseKeySchedule<H> {
    /// `suite_id = concat("HPKE", I2OSP(kem_id, 2), I2OSP(kdf_id, 2), I2OSP(aead_id, 2))`
    /// (RFC 9180 §5.1).
    suite_id: [u8; 10],
    /// `key_schedule_context = concat(mode_base, psk_id_hash, info_hash)` (RFC 9180 §5.1).
    context: Vec<u8>,
    _hash: Marker<H>,
}

impl<H: HashAlg> BaseKeySchedule<H> {
    /// Hashes `info` (and the empty psk_id of mode_base) into the key schedule context
    /// (RFC 9180 §5.1).
    fn new(kem_id: u16, kdf_id: u16, aead_id: u16, info: &[u8]) -> Self {
        let mut suite_id = [0u8; 10];
        suite_id[..4].copy_from_slice(b"HPKE");
        suite_id[4..6].copy_from_slice(&kem_id.to_be_bytes());
        suite_id[6..8].copy_from_slice(&kdf_id.to_be_bytes());
        suite_id[8..].copy_from_slice(&aead_id.to_be_bytes());
        let mut schedule = Self {
            suite_id,
            context: Vec::new(),
            _hash: PhantomData,
        };
        // psk_id_hash = LabeledExtract("", "psk_id_hash", psk_id) with the default psk_id "".
        let psk_id_hash = schedule.labeled_extract(&[], b"psk_id_hash", &[]);
        // info_hash = LabeledExtract("", "info_hash", info): the one pass over `info`.
        let info_hash = schedule.labeled_extract(&[], b"info_hash", info);
        let mut context = Vec::with_capacity(1 + psk_id_hash.len() + info_hash.len());
        context.push(MODE_BASE);
        context.extend_from_slice(psk_id_hash.as_bytes());
        context.extend_from_slice(info_hash.as_bytes());
        schedule.context = context;
        schedule
    }

    /// [`labeled_extract`] with the HPKE suite_id.
    fn labeled_extract(&self, salt: &[u8], label: &[u8], ikm: &[u8]) -> Secret {
        labeled_extract::<H>(&self.suite_id, salt, label, ikm)
    }

    /// [`labeled_expand`] with the HPKE suite_id.
    fn labeled_expand(
        &self,
        prk: &Secret,
        label: &[u8],
        info: &[u8],
        length: usize,
    ) -> Result<Secret, CryptoError> {
        labeled_expand::<H>(&self.suite_id, prk, label, info, length)
    }

    /// The rest of the key schedule for one recipient (RFC 9180 §5.1):
    /// `secret = LabeledExtract(shared_secret, "secret", psk)` with the default psk "", then
    /// `key = LabeledExpand(secret, "key", key_schedule_context, Nk)` and
    /// `base_nonce = LabeledExpand(secret, "base_nonce", key_schedule_context, Nn)`. The
    /// exporter secret is not derived: a single-shot seal never exports.
    fn key_and_base_nonce(
        &self,
        shared_secret: &[u8],
        key_len: usize,
        nonce_len: usize,
    ) -> Result<(Secret, Secret), CryptoError> {
        let secret = self.labeled_extract(shared_secret, b"secret", &[]);
        let key = self.labeled_expand(&secret, b"key", &self.context, key_len)?;
        let base_nonce = self.labeled_expand(&secret, b"base_nonce", &self.context, nonce_len)?;
        Ok((key, base_nonce))
    }
}

impl<K, F, A> Hpke<K, F, A>
where
    K: Kem + 'static,
    F: HpkeKdfAlg,
    A: HpkeAeadAlg,
{
    /// The recipient-independent part of the key schedule for `info`.
    fn base_key_schedule(info: &[u8]) -> BaseKeySchedule<F::Hash> {
        BaseKeySchedule::new(K::KEM_ID, F::ID, A::AEAD_ID, info)
    }

    /// `SealBase(pkR, info, aad, pt)` (RFC 9180 §6.1) with the `info` part of the key schedule
    /// already computed: `Encap(pkR)` (§4), the rest of the key schedule (§5.1), then
    /// `ContextS.Seal(aad, pt)` with sequence number 0, whose nonce is
    /// `base_nonce XOR I2OSP(0, Nn) = base_nonce` (§5.2).
    fn seal_with_schedule<R: hpke::rand_core::CryptoRng>(
        schedule: &BaseKeySchedule<F::Hash>,
        public_key: &[u8],
        aad: &[u8],
        plaintext: &[u8],
        rng: &mut R,
    ) -> Result<HpkeSealed, CryptoError> {
        let public_key =
            K::PublicKey::from_bytes(public_key).map_err(|_| CryptoError::InvalidPublicKey)?;
        // The shared secret is wiped when dropped (hpke's SharedSecret zeroizes on drop).
        let (shared_secret, encapped) =
            K::encap_with_rng(&public_key, None, rng).map_err(|_| CryptoError::HpkeSealFailed)?;
        let (key, base_nonce) = schedule.key_and_base_nonce(
            &shared_secret.0,
            <A::Aead as AeadAlg>::key_len(),
            <A::Aead as AeadAlg>::nonce_len(),
        )?;
        drop(shared_secret);
        let ciphertext =
            <A::Aead as AeadAlg>::seal(key.as_bytes(), base_nonce.as_bytes(), aad, plaintext)
                .map_err(|_| CryptoError::HpkeSealFailed)?;
        Ok(HpkeSealed {
            kem_output: serialize_public(&encapped),
            ciphertext,
        })
    }

    /// [`HpkeAlg::seal_many`] on one thread with the randomness of `rng`; stops at the first
    /// failing recipient.
    #[cfg(any(test, not(feature = "parallel")))]
    pub(crate) fn seal_many_with_rng<R: hpke::rand_core::CryptoRng>(
        info: &[u8],
        aad: &[u8],
        recipients: &[(&[u8], &[u8])],
        rng: &mut R,
    ) -> Result<Vec<HpkeSealed>, CryptoError> {
        let schedule = Self::base_key_schedule(info);
        recipients
            .iter()
            .map(|&(public_key, plaintext)| {
                Self::seal_with_schedule(&schedule, public_key, aad, plaintext, rng)
            })
            .collect()
    }
}

impl<K, F, A> HpkeAlg for Hpke<K, F, A>
where
    K: Kem + 'static,
    F: HpkeKdfAlg,
    A: HpkeAeadAlg,
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

    /// RFC 9180 §5.1 hashes `info` into the key schedule context independently of the
    /// recipient, so it is hashed here once for all recipients; each recipient then costs one
    /// encapsulation, a few small HKDF calls and one AEAD seal. With the `parallel` feature the
    /// recipients are sealed on every core; the output order is the input order either way.
    fn seal_many(
        info: &[u8],
        aad: &[u8],
        recipients: &[(&[u8], &[u8])],
    ) -> Result<Vec<HpkeSealed>, CryptoError> {
        if recipients.is_empty() {
            return Ok(Vec::new());
        }
        #[cfg(feature = "parallel")]
        {
            use rayon::prelude::*;
            let schedule = Self::base_key_schedule(info);
            let sealed: Vec<Result<HpkeSealed, CryptoError>> = recipients
                .par_iter()
                .map(|&(public_key, plaintext)| {
                    Self::seal_with_schedule(
                        &schedule,
                        public_key,
                        aad,
                        plaintext,
                        &mut rand::rng(),
                    )
                })
                .collect();
            // In input order, so that the error is the one of the first failing recipient.
            sealed.into_iter().collect()
        }
        #[cfg(not(feature = "parallel"))]
        {
            Self::seal_many_with_rng(info, aad, recipients, &mut rand::rng())
        }
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
