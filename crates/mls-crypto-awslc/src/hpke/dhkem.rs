//! DHKEM (RFC 9180 §4.1) over X25519 and the NIST curves P-256, P-384 and P-521, on the key
//! agreement of aws-lc-rs, with DeriveKeyPair (§7.1.3) and the key serializations of §7.1.

use aws_lc_rs::agreement::{self, PrivateKey, UnparsedPublicKey};
use mls_crypto::{CryptoError, HpkeKeyPair, HpkePrivateKey, Secret, Zeroizing};

use super::labeled::LabeledKdf;
use crate::primitives::{Hash, SHA256, SHA384, SHA512};

/// One DHKEM: its group, its KDF and its sizes (RFC 9180 §7.1, Table 2).
#[derive(Clone, Copy)]
pub(crate) struct Dhkem {
    /// The KEM identifier (RFC 9180 §7.1).
    id: u16,
    /// The Diffie-Hellman group.
    group: &'static agreement::Algorithm,
    /// The KDF of the KEM (HKDF with this hash).
    hash: Hash,
    /// `Nsecret`, the length of the shared secret.
    secret_len: usize,
    /// `Npk` (= `Nenc`), the length of a serialized public key.
    public_key_len: usize,
    /// `Nsk`, the length of a serialized private key.
    private_key_len: usize,
    /// For the NIST curves, the group order (big-endian, `Nsk` bytes) and the bitmask of the
    /// first byte of a DeriveKeyPair candidate (RFC 9180 §7.1.3); `None` for X25519.
    order: Option<(&'static [u8], u8)>,
}

/// The order of P-256 (SEC 2 §2.4.2).
const P256_ORDER: [u8; 32] =
    hex::<32>("ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551");
/// The order of P-384 (SEC 2 §2.5.1).
const P384_ORDER: [u8; 48] = hex::<48>(
    "ffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973",
);
/// The order of P-521 (SEC 2 §2.6.1), as 66 bytes.
const P521_ORDER: [u8; 66] = hex::<66>(concat!(
    "01ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
    "fa51868783bf2f966b7fcc0148f709a5d03bb5c9b8899c47aebb6fb71e91386409",
));

/// DHKEM(X25519, HKDF-SHA256), KEM id 0x0020.
pub(crate) const X25519: Dhkem = Dhkem {
    id: 0x0020,
    group: &agreement::X25519,
    hash: SHA256,
    secret_len: 32,
    public_key_len: 32,
    private_key_len: 32,
    order: None,
};

/// DHKEM(P-256, HKDF-SHA256), KEM id 0x0010.
pub(crate) const P256: Dhkem = Dhkem {
    id: 0x0010,
    group: &agreement::ECDH_P256,
    hash: SHA256,
    secret_len: 32,
    public_key_len: 65,
    private_key_len: 32,
    order: Some((&P256_ORDER, 0xff)),
};

/// DHKEM(P-384, HKDF-SHA384), KEM id 0x0011.
pub(crate) const P384: Dhkem = Dhkem {
    id: 0x0011,
    group: &agreement::ECDH_P384,
    hash: SHA384,
    secret_len: 48,
    public_key_len: 97,
    private_key_len: 48,
    order: Some((&P384_ORDER, 0xff)),
};

/// DHKEM(P-521, HKDF-SHA512), KEM id 0x0012.
pub(crate) const P521: Dhkem = Dhkem {
    id: 0x0012,
    group: &agreement::ECDH_P521,
    hash: SHA512,
    secret_len: 64,
    public_key_len: 133,
    private_key_len: 66,
    order: Some((&P521_ORDER, 0x01)),
};

/// The result of `Encap(pkR)` (RFC 9180 §4.1).
pub(crate) struct Encapsulation {
    /// The KEM shared secret, `Nsecret` bytes.
    pub(crate) shared_secret: Secret,
    /// `enc`, the serialized ephemeral public key.
    pub(crate) enc: Vec<u8>,
}

impl Dhkem {
    /// The KEM identifier.
    pub(crate) fn id(self) -> u16 {
        self.id
    }

    fn kdf(self) -> LabeledKdf {
        LabeledKdf::for_kem(self.hash, self.id)
    }

    /// `DeriveKeyPair(ikm)` (RFC 9180 §7.1.3): `dkp_prk = LabeledExtract("", "dkp_prk", ikm)`;
    /// for X25519 `sk = LabeledExpand(dkp_prk, "sk", "", Nsk)`; for the NIST curves the first
    /// candidate `LabeledExpand(dkp_prk, "candidate", I2OSP(counter, 1), Nsk)`, its first byte
    /// masked, that is neither zero nor at least the group order, for counter 0 to 255.
    pub(crate) fn derive_key_pair(self, ikm: &[u8]) -> Result<HpkeKeyPair, CryptoError> {
        let kdf = self.kdf();
        let dkp_prk = kdf.labeled_extract(&[], b"dkp_prk", ikm);
        let private_key = match self.order {
            None => kdf.labeled_expand(dkp_prk.as_bytes(), b"sk", &[], self.private_key_len)?,
            Some((order, bitmask)) => {
                let mut found = None;
                for counter in 0..=255u8 {
                    let candidate = kdf.labeled_expand(
                        dkp_prk.as_bytes(),
                        b"candidate",
                        &[counter],
                        self.private_key_len,
                    )?;
                    let mut bytes = Zeroizing::new(candidate.as_bytes().to_vec());
                    if let Some(first) = bytes.first_mut() {
                        *first &= bitmask;
                    }
                    if is_valid_scalar(&bytes, order) {
                        found = Some(Secret::from(bytes));
                        break;
                    }
                }
                // RFC 9180 §7.1.3: DeriveKeyPairError after 256 rejected candidates (each
                // rejected with probability below 2^-32).
                found.ok_or(CryptoError::InvalidPrivateKey)?
            }
        };
        let private_key = HpkePrivateKey::from_slice(private_key.as_bytes());
        let public_key = self.public_key(&private_key)?;
        Ok(HpkeKeyPair {
            private_key,
            public_key,
        })
    }

    /// `DeserializePrivateKey` (RFC 9180 §7.1.2): the 32 bytes of X25519 (clamped by the
    /// scalar multiplication, RFC 7748 §5), the big-endian scalar of `Nsk` bytes in
    /// `[1, order)` for the NIST curves.
    fn private_key(self, private_key: &HpkePrivateKey) -> Result<PrivateKey, CryptoError> {
        if private_key.len() != self.private_key_len {
            return Err(CryptoError::InvalidPrivateKey);
        }
        PrivateKey::from_private_key(self.group, private_key.as_bytes())
            .map_err(|_| CryptoError::InvalidPrivateKey)
    }

    /// `SerializePublicKey(pk(sk))` (RFC 9180 §7.1.1): 32 bytes for X25519, the uncompressed
    /// SEC1 point for the NIST curves.
    pub(crate) fn public_key(self, private_key: &HpkePrivateKey) -> Result<Vec<u8>, CryptoError> {
        Self::serialize_public(&self.private_key(private_key)?)
    }

    fn serialize_public(private_key: &PrivateKey) -> Result<Vec<u8>, CryptoError> {
        private_key
            .compute_public_key()
            .map(|public_key| public_key.as_ref().to_vec())
            .map_err(|_| CryptoError::InvalidPrivateKey)
    }

    /// Checks the form of a serialized public key (RFC 9180 §7.1.1): `Npk` bytes, and an
    /// uncompressed point for the NIST curves (aws-lc-rs would also take a compressed point
    /// or a SubjectPublicKeyInfo, which HPKE does not allow). aws-lc-rs checks that the point
    /// is on the curve when it computes the shared secret.
    fn check_public_key_form(self, public_key: &[u8]) -> bool {
        public_key.len() == self.public_key_len
            && (self.order.is_none() || public_key.first() == Some(&0x04))
    }

    /// `DH(sk, pk)` (RFC 9180 §4.1): the X25519 output or the x-coordinate of the shared
    /// point. An all-zero output (a small-order X25519 public key) is refused (§7.1.4).
    fn dh(self, private_key: &PrivateKey, public_key: &[u8]) -> Option<Zeroizing<Vec<u8>>> {
        if !self.check_public_key_form(public_key) {
            return None;
        }
        let dh = agreement::agree(
            private_key,
            UnparsedPublicKey::new(self.group, public_key),
            (),
            |shared| Ok(Zeroizing::new(shared.to_vec())),
        )
        .ok()?;
        if dh.iter().all(|&byte| byte == 0) {
            return None;
        }
        Some(dh)
    }

    /// `ExtractAndExpand(dh, kem_context)` (RFC 9180 §4.1):
    /// `eae_prk = LabeledExtract("", "eae_prk", dh)`, then
    /// `LabeledExpand(eae_prk, "shared_secret", kem_context, Nsecret)`.
    fn extract_and_expand(self, dh: &[u8], kem_context: &[u8]) -> Result<Secret, CryptoError> {
        let kdf = self.kdf();
        let eae_prk = kdf.labeled_extract(&[], b"eae_prk", dh);
        kdf.labeled_expand(
            eae_prk.as_bytes(),
            b"shared_secret",
            kem_context,
            self.secret_len,
        )
    }

    /// `Encap(pkR)` (RFC 9180 §4.1) with a fresh ephemeral key pair.
    pub(crate) fn encap(self, public_key: &[u8]) -> Result<Encapsulation, CryptoError> {
        let ephemeral = PrivateKey::generate(self.group).map_err(|_| CryptoError::RandomFailed)?;
        self.encap_with(public_key, &ephemeral)
    }

    /// `Encap(pkR)` with the ephemeral key `ephemeral` (RFC 9180 §4.1): `dh = DH(skE, pkR)`,
    /// `enc = SerializePublicKey(pkE)`, `kem_context = concat(enc, pkRm)`, and the shared
    /// secret `ExtractAndExpand(dh, kem_context)`.
    pub(crate) fn encap_with(
        self,
        public_key: &[u8],
        ephemeral: &PrivateKey,
    ) -> Result<Encapsulation, CryptoError> {
        if !self.check_public_key_form(public_key) {
            return Err(CryptoError::InvalidPublicKey);
        }
        let dh = self
            .dh(ephemeral, public_key)
            .ok_or(CryptoError::HpkeSealFailed)?;
        let enc = Self::serialize_public(ephemeral).map_err(|_| CryptoError::HpkeSealFailed)?;
        let kem_context = [enc.as_slice(), public_key].concat();
        let shared_secret = self.extract_and_expand(&dh, &kem_context)?;
        Ok(Encapsulation { shared_secret, enc })
    }

    /// `Encap(pkR)` with the ephemeral key pair `DeriveKeyPair(ikm_e)`, as the test vectors
    /// of RFC 9180 Appendix A compute it.
    #[cfg(test)]
    pub(crate) fn encap_derived(
        self,
        public_key: &[u8],
        ikm_e: &[u8],
    ) -> Result<Encapsulation, CryptoError> {
        let ephemeral = self.derive_key_pair(ikm_e)?;
        self.encap_with(public_key, &self.private_key(&ephemeral.private_key)?)
    }

    /// `Decap(enc, skR)` (RFC 9180 §4.1): `dh = DH(skR, DeserializePublicKey(enc))`,
    /// `kem_context = concat(enc, SerializePublicKey(pk(skR)))`, and the shared secret
    /// `ExtractAndExpand(dh, kem_context)`. [`CryptoError::HpkeOpenFailed`] for an `enc` that
    /// is not a public key of the group or gives an all-zero DH output.
    pub(crate) fn decap(
        self,
        enc: &[u8],
        private_key: &HpkePrivateKey,
    ) -> Result<Secret, CryptoError> {
        let private_key = self.private_key(private_key)?;
        let dh = self
            .dh(&private_key, enc)
            .ok_or(CryptoError::HpkeOpenFailed)?;
        let public_key = Self::serialize_public(&private_key)?;
        let kem_context = [enc, public_key.as_slice()].concat();
        self.extract_and_expand(&dh, &kem_context)
    }
}

/// Whether the big-endian `scalar` is in `[1, order)`, for scalars and orders of the same
/// length, without a branch on the bytes (a DeriveKeyPair candidate is secret).
fn is_valid_scalar(scalar: &[u8], order: &[u8]) -> bool {
    if scalar.len() != order.len() {
        return false;
    }
    // scalar < order exactly when scalar - order borrows out of the most significant byte.
    let mut borrow = 0u16;
    let mut any_bit = 0u8;
    for (&s, &n) in scalar.iter().zip(order).rev() {
        let difference = u16::from(s).wrapping_sub(u16::from(n)).wrapping_sub(borrow);
        borrow = (difference >> 8) & 1;
        any_bit |= s;
    }
    borrow == 1 && any_bit != 0
}

/// `N` bytes from `2 * N` lowercase hex digits, at compile time.
const fn hex<const N: usize>(hex: &str) -> [u8; N] {
    const fn digit(c: u8) -> u8 {
        match c {
            b'0'..=b'9' => c - b'0',
            b'a'..=b'f' => c - b'a' + 10,
            _ => panic!("not a lowercase hex digit"),
        }
    }
    let hex = hex.as_bytes();
    assert!(hex.len() == 2 * N, "wrong number of hex digits");
    let mut out = [0u8; N];
    let mut i = 0;
    while i < N {
        out[i] = (digit(hex[2 * i]) << 4) | digit(hex[2 * i + 1]);
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `order - 1` and `order` as big-endian bytes.
    fn order_minus_one(order: &[u8]) -> Vec<u8> {
        let mut below = order.to_vec();
        for byte in below.iter_mut().rev() {
            let (value, borrow) = byte.overflowing_sub(1);
            *byte = value;
            if !borrow {
                break;
            }
        }
        below
    }

    #[test]
    fn the_group_orders_are_the_ones_aws_lc_enforces() {
        // aws-lc-rs accepts a private scalar in [1, order): order - 1 is the largest accepted,
        // order the smallest refused, which pins each constant to the curve's order.
        for kem in [P256, P384, P521] {
            let (order, _) = kem.order.expect("a NIST curve");
            let below = order_minus_one(order);
            assert!(is_valid_scalar(&below, order));
            assert!(!is_valid_scalar(order, order));
            assert!(!is_valid_scalar(&vec![0; order.len()], order));
            let mut one = vec![0; order.len()];
            *one.last_mut().expect("not empty") = 1;
            assert!(is_valid_scalar(&one, order));
            assert!(PrivateKey::from_private_key(kem.group, &below).is_ok());
            assert!(PrivateKey::from_private_key(kem.group, order).is_err());
            assert!(PrivateKey::from_private_key(kem.group, &vec![0; order.len()]).is_err());
        }
    }

    #[test]
    fn small_order_x25519_public_keys_are_refused() {
        let key_pair = X25519.derive_key_pair(&[7; 32]).expect("derive");
        // The point of order 1 (u = 0) and one of order 8 (RFC 7748 §6.1 warns of these).
        let zero = [0u8; 32];
        assert!(X25519.encap(&zero).is_err());
        assert_eq!(
            X25519.decap(&zero, &key_pair.private_key).err(),
            Some(CryptoError::HpkeOpenFailed)
        );
    }

    #[test]
    fn public_keys_of_the_wrong_form_are_refused() {
        let key_pair = P256.derive_key_pair(&[7; 32]).expect("derive");
        // Compressed form of the same point: aws-lc-rs would take it, HPKE does not.
        let y_is_odd = key_pair.public_key[64] & 1;
        let mut compressed = vec![0x02 | y_is_odd];
        compressed.extend_from_slice(&key_pair.public_key[1..33]);
        assert_eq!(
            P256.encap(&compressed).err(),
            Some(CryptoError::InvalidPublicKey)
        );
        assert!(P256.encap(&key_pair.public_key).is_ok());
        let mut off_curve = key_pair.public_key.clone();
        off_curve[64] ^= 1;
        assert!(P256.encap(&off_curve).is_err());
        assert_eq!(
            P256.decap(&off_curve, &key_pair.private_key).err(),
            Some(CryptoError::HpkeOpenFailed)
        );
    }
}
