//! DHKEM(X448, HKDF-SHA512) of RFC 9180 §4.1 (KEM id 0x0021), the KEM of suites 0x0004 and
//! 0x0006, written against the public [`hpke::Kem`] trait so that the `hpke` crate's key
//! schedule, AEADs and single-shot API (and [`crate::primitives::Hpke`]) run on it unchanged.
//!
//! The `hpke` crate has DHKEM over X25519 and the NIST curves only; X448 comes from the `x448`
//! crate. Sizes (RFC 9180 §7.1): `Nsecret` = 64, `Nenc` = `Npk` = `Nsk` = 56.

use std::fmt;

use hpke::hybrid_array::sizes::{U56, U64};
use hpke::kem::SharedSecret;
use hpke::rand_core::CryptoRng;
use hpke::{Deserializable, HpkeError, Kem, Serializable};
use sha2::Sha512;
use subtle::{Choice, ConstantTimeEq};
use zeroize::Zeroizing;

use crate::primitives::{Sha, labeled_expand, labeled_extract};

/// The KEM identifier of DHKEM(X448, HKDF-SHA512) (RFC 9180 §7.1).
const KEM_ID: u16 = 0x0021;

/// `suite_id = concat("KEM", I2OSP(kem_id, 2))` (RFC 9180 §4.1).
const SUITE_ID: [u8; 5] = [b'K', b'E', b'M', 0x00, 0x21];

/// `Npk`, `Nenc` and `Nsk` of X448 (RFC 9180 §7.1).
const KEY_LEN: usize = 56;

/// `Nsecret`, the KEM shared secret's length: `Nh` of HKDF-SHA512 (RFC 9180 §7.1).
const SECRET_LEN: usize = 64;

/// The hash of the KEM's KDF, HKDF-SHA512.
type KemHash = Sha<Sha512>;

/// DHKEM(X448, HKDF-SHA512) (RFC 9180 §4.1, §7.1).
pub(crate) struct X448HkdfSha512;

/// An X448 public key: the 56-byte little-endian u-coordinate (RFC 7748 §5). Any 56 bytes
/// are accepted here, as `DeserializePublicKey` of RFC 9180 §7.1.1 is the identity for X448;
/// a key of small order is caught by the all-zero check on the DH output (RFC 9180 §7.1.4).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct PublicKey(x448::PublicKey);

/// An X448 private key, clamped (RFC 7748 §5), zeroized on drop. RFC 9180 §7.1.2:
/// SerializePrivateKey clamps its output and DeserializePrivateKey clamps its input.
#[derive(Clone)]
pub(crate) struct PrivateKey(x448::StaticSecret);

/// The encapsulated key: the ephemeral public key `pkE` (RFC 9180 §4.1).
#[derive(Clone, Debug)]
pub(crate) struct EncappedKey(PublicKey);

impl fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PrivateKey(..)")
    }
}

/// The fixed-size bytes of `encoded`, or the length error of the `hpke` crate.
fn key_bytes(encoded: &[u8]) -> Result<[u8; KEY_LEN], HpkeError> {
    encoded
        .try_into()
        .map_err(|_| HpkeError::IncorrectInputLength(KEY_LEN, encoded.len()))
}

/// `buf` is exactly `T::size()` long: [`Serializable::write_exact`]'s contract, a bug of the
/// caller otherwise (the `hpke` crate's own keys panic there too).
fn write_key(buf: &mut [u8], bytes: &[u8; KEY_LEN]) {
    assert_eq!(
        buf.len(),
        KEY_LEN,
        "write_exact(): serialized size does not equal buffer length"
    );
    buf.copy_from_slice(bytes);
}

impl Serializable for PublicKey {
    type OutputSize = U56;

    fn write_exact(&self, buf: &mut [u8]) {
        write_key(buf, self.0.as_bytes());
    }
}

impl Deserializable for PublicKey {
    fn from_bytes(encoded: &[u8]) -> Result<Self, HpkeError> {
        let bytes = key_bytes(encoded)?;
        x448::PublicKey::from_bytes_unchecked(&bytes)
            .map(Self)
            .ok_or(HpkeError::ValidationError)
    }
}

impl Serializable for PrivateKey {
    type OutputSize = U56;

    fn write_exact(&self, buf: &mut [u8]) {
        // Clamped: StaticSecret clamps on construction.
        write_key(buf, self.0.as_bytes());
    }
}

impl Deserializable for PrivateKey {
    fn from_bytes(encoded: &[u8]) -> Result<Self, HpkeError> {
        let bytes = Zeroizing::new(key_bytes(encoded)?);
        // Clamps (RFC 9180 §7.1.2, RFC 7748 §5).
        Ok(Self(x448::StaticSecret::from(*bytes)))
    }
}

impl ConstantTimeEq for PrivateKey {
    fn ct_eq(&self, other: &Self) -> Choice {
        self.0.as_bytes().ct_eq(other.0.as_bytes())
    }
}

impl Serializable for EncappedKey {
    type OutputSize = U56;

    fn write_exact(&self, buf: &mut [u8]) {
        self.0.write_exact(buf);
    }
}

impl Deserializable for EncappedKey {
    fn from_bytes(encoded: &[u8]) -> Result<Self, HpkeError> {
        PublicKey::from_bytes(encoded).map(Self)
    }
}

/// `pk(sk) = X448(sk, 5)` (RFC 7748 §6.2).
fn public_key_of(private_key: &PrivateKey) -> PublicKey {
    PublicKey(x448::PublicKey::from(&private_key.0))
}

/// `DH(sk, pk)`: X448 (RFC 7748 §5), refused when the result is all zero, which happens
/// exactly for a public key of small order (RFC 9180 §7.1.4, RFC 7748 §6.2). The comparison
/// is in constant time.
pub(crate) fn dh(
    private_key: &PrivateKey,
    public_key: &PublicKey,
) -> Result<Zeroizing<[u8; KEY_LEN]>, HpkeError> {
    let shared = private_key.0.diffie_hellman(&public_key.0);
    let bytes = Zeroizing::new(*shared.as_bytes());
    if bool::from(bytes.ct_eq(&[0u8; KEY_LEN])) {
        return Err(HpkeError::ValidationError);
    }
    Ok(bytes)
}

/// `ExtractAndExpand(dh, kem_context)` (RFC 9180 §4.1):
/// `eae_prk = LabeledExtract("", "eae_prk", dh)`, then
/// `LabeledExpand(eae_prk, "shared_secret", kem_context, Nsecret)`.
fn extract_and_expand(dh: &[u8], kem_context: &[u8]) -> SharedSecret<X448HkdfSha512> {
    let eae_prk = labeled_extract::<KemHash>(&SUITE_ID, &[], b"eae_prk", dh);
    let secret = labeled_expand::<KemHash>(
        &SUITE_ID,
        &eae_prk,
        b"shared_secret",
        kem_context,
        SECRET_LEN,
    )
    .unwrap_or_else(|_| unreachable!("64 bytes are within HKDF-SHA512's output limit"));
    let mut shared_secret = SharedSecret::<X448HkdfSha512>::default();
    shared_secret.0.copy_from_slice(secret.as_bytes());
    shared_secret
}

/// The DH value and kem_context of Encap and Decap (RFC 9180 §4.1), in base mode (one DH) or
/// auth mode (`dh = concat(DH(skE or skR, ...), DH(skS or skR, ...))`, `kem_context` with
/// `pkS`).
fn shared_secret(
    dhs: &[&[u8; KEY_LEN]],
    kem_context_keys: &[&PublicKey],
) -> SharedSecret<X448HkdfSha512> {
    let mut dh = Zeroizing::new(Vec::with_capacity(dhs.len() * KEY_LEN));
    for part in dhs {
        dh.extend_from_slice(*part);
    }
    let mut kem_context = Vec::with_capacity(kem_context_keys.len() * KEY_LEN);
    for key in kem_context_keys {
        kem_context.extend_from_slice(key.0.as_bytes());
    }
    extract_and_expand(&dh, &kem_context)
}

impl X448HkdfSha512 {
    /// `Encap(pkR)` or `AuthEncap(pkR, skS)` with the ephemeral key `sk_eph` (RFC 9180 §4.1).
    fn encap_with_ephemeral(
        pk_recip: &PublicKey,
        sender_id_keypair: Option<(&PrivateKey, &PublicKey)>,
        sk_eph: &PrivateKey,
    ) -> Result<(SharedSecret<Self>, EncappedKey), HpkeError> {
        let dh_eph = dh(sk_eph, pk_recip).map_err(|_| HpkeError::EncapError)?;
        let pk_eph = public_key_of(sk_eph);
        let shared_secret = match sender_id_keypair {
            None => shared_secret(&[&dh_eph], &[&pk_eph, pk_recip]),
            Some((sk_sender, pk_sender)) => {
                let dh_sender = dh(sk_sender, pk_recip).map_err(|_| HpkeError::EncapError)?;
                shared_secret(&[&dh_eph, &dh_sender], &[&pk_eph, pk_recip, pk_sender])
            }
        };
        Ok((shared_secret, EncappedKey(pk_eph)))
    }

    /// [`Kem::encap_with_rng`] with a given ephemeral key, for known-answer tests.
    #[cfg(test)]
    pub(crate) fn encap_deterministic(
        pk_recip: &PublicKey,
        sk_eph: &PrivateKey,
    ) -> Result<(SharedSecret<Self>, EncappedKey), HpkeError> {
        Self::encap_with_ephemeral(pk_recip, None, sk_eph)
    }
}

impl Kem for X448HkdfSha512 {
    type PublicKey = PublicKey;
    type PrivateKey = PrivateKey;
    type EncappedKey = EncappedKey;
    type NSecret = U64;

    const KEM_ID: u16 = KEM_ID;

    fn sk_to_pk(sk: &PrivateKey) -> PublicKey {
        public_key_of(sk)
    }

    /// `DeriveKeyPair(ikm)` (RFC 9180 §7.1.3) for X448:
    /// `dkp_prk = LabeledExtract("", "dkp_prk", ikm)`,
    /// `sk = LabeledExpand(dkp_prk, "sk", "", Nsk)`; every 56-byte string is a valid X448
    /// private key, so there is no rejection loop.
    fn derive_keypair(ikm: &[u8]) -> (PrivateKey, PublicKey) {
        let dkp_prk = labeled_extract::<KemHash>(&SUITE_ID, &[], b"dkp_prk", ikm);
        let sk = labeled_expand::<KemHash>(&SUITE_ID, &dkp_prk, b"sk", &[], KEY_LEN)
            .unwrap_or_else(|_| unreachable!("56 bytes are within HKDF-SHA512's output limit"));
        let mut bytes = Zeroizing::new([0u8; KEY_LEN]);
        bytes.copy_from_slice(sk.as_bytes());
        let private_key = PrivateKey(x448::StaticSecret::from(*bytes));
        let public_key = public_key_of(&private_key);
        (private_key, public_key)
    }

    /// `GenerateKeyPair()` as `DeriveKeyPair(random(Nsk))` (RFC 9180 §7.1.3), then `Encap`.
    fn encap_with_rng(
        pk_recip: &PublicKey,
        sender_id_keypair: Option<(&PrivateKey, &PublicKey)>,
        csprng: &mut impl CryptoRng,
    ) -> Result<(SharedSecret<Self>, EncappedKey), HpkeError> {
        let mut ikm = Zeroizing::new([0u8; KEY_LEN]);
        csprng.fill_bytes(&mut *ikm);
        let (sk_eph, _) = Self::derive_keypair(&ikm[..]);
        Self::encap_with_ephemeral(pk_recip, sender_id_keypair, &sk_eph)
    }

    /// `Decap(enc, skR)` or `AuthDecap(enc, skR, pkS)` (RFC 9180 §4.1).
    fn decap(
        sk_recip: &PrivateKey,
        pk_sender_id: Option<&PublicKey>,
        encapped_key: &EncappedKey,
    ) -> Result<SharedSecret<Self>, HpkeError> {
        let dh_eph = dh(sk_recip, &encapped_key.0).map_err(|_| HpkeError::DecapError)?;
        let pk_recip = public_key_of(sk_recip);
        match pk_sender_id {
            None => Ok(shared_secret(&[&dh_eph], &[&encapped_key.0, &pk_recip])),
            Some(pk_sender) => {
                let dh_sender = dh(sk_recip, pk_sender).map_err(|_| HpkeError::DecapError)?;
                Ok(shared_secret(
                    &[&dh_eph, &dh_sender],
                    &[&encapped_key.0, &pk_recip, pk_sender],
                ))
            }
        }
    }
}
