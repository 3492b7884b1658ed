//! HPKE in mode base (RFC 9180), composed from the primitives of aws-lc-rs, which has no HPKE
//! of its own: the DHKEM of [`dhkem`] (§4.1), the key schedule (§5.1), the encryption context
//! (§5.2) and the secret export (§5.3), with the single-shot APIs of §6.1.
//!
//! - [`labeled`]: `LabeledExtract` and `LabeledExpand` (§4).
//! - [`dhkem`]: `DeriveKeyPair` (§7.1.3), `Encap` and `Decap` with `ExtractAndExpand` (§4.1).
//! - this module: `KeySchedule` for `mode_base`, `ContextS.Seal`/`ContextR.Open` with the nonce
//!   `base_nonce XOR I2OSP(seq, Nn)`, `Export`, and SealBase/OpenBase.

pub(crate) mod dhkem;
pub(crate) mod labeled;

use mls_crypto::{CryptoError, HpkePrivateKey, HpkeSealed, Secret, Zeroizing};

use crate::primitives::{Aead, Hash};
use dhkem::Dhkem;
use labeled::LabeledKdf;

/// `mode_base` (RFC 9180 §5, Table 1).
const MODE_BASE: u8 = 0x00;

/// One HPKE suite: KEM, KDF and AEAD (RFC 9180 §7).
#[derive(Clone, Copy)]
pub(crate) struct Hpke {
    kem: Dhkem,
    kdf: Hash,
    kdf_id: u16,
    aead: Aead,
    aead_id: u16,
}

/// The encryption context of a sender or a recipient (RFC 9180 §5.1, §5.2): the AEAD key, the
/// base nonce, the exporter secret and the sequence number.
pub(crate) struct Context {
    aead: Aead,
    kdf: LabeledKdf,
    key: Secret,
    base_nonce: Secret,
    exporter_secret: Secret,
    seq: u64,
}

impl Context {
    /// `ComputeNonce(seq) = xor(base_nonce, I2OSP(seq, Nn))` (RFC 9180 §5.2).
    fn nonce(&self) -> Zeroizing<Vec<u8>> {
        let mut nonce = Zeroizing::new(self.base_nonce.as_bytes().to_vec());
        let seq = self.seq.to_be_bytes();
        for (byte, seq_byte) in nonce.iter_mut().rev().zip(seq.iter().rev()) {
            *byte ^= seq_byte;
        }
        nonce
    }

    /// `IncrementSeq()` (RFC 9180 §5.2): a sequence number never repeats. With a 64-bit
    /// counter and `Nn = 12` the limit `2^96 - 1` cannot be reached; the counter refuses to
    /// wrap instead.
    fn increment_seq(&mut self) -> Result<(), CryptoError> {
        self.seq = self.seq.checked_add(1).ok_or(CryptoError::HpkeSealFailed)?;
        Ok(())
    }

    /// `ContextS.Seal(aad, pt)` (RFC 9180 §5.2).
    pub(crate) fn seal(&mut self, aad: &[u8], plaintext: &[u8]) -> Result<Vec<u8>, CryptoError> {
        let ciphertext = self
            .aead
            .seal(self.key.as_bytes(), &self.nonce(), aad, plaintext)
            .map_err(|_| CryptoError::HpkeSealFailed)?;
        self.increment_seq()?;
        Ok(ciphertext)
    }

    /// `ContextR.Open(aad, ct)` (RFC 9180 §5.2).
    pub(crate) fn open(
        &mut self,
        aad: &[u8],
        ciphertext: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
        let plaintext = self
            .aead
            .open(self.key.as_bytes(), &self.nonce(), aad, ciphertext)
            .map_err(|_| CryptoError::HpkeOpenFailed)?;
        self.increment_seq()?;
        Ok(plaintext)
    }

    /// `Context.Export(exporter_context, L) = LabeledExpand(exporter_secret, "sec",
    /// exporter_context, L)` (RFC 9180 §5.3).
    pub(crate) fn export(
        &self,
        exporter_context: &[u8],
        length: usize,
    ) -> Result<Secret, CryptoError> {
        self.kdf.labeled_expand(
            self.exporter_secret.as_bytes(),
            b"sec",
            exporter_context,
            length,
        )
    }
}

impl Hpke {
    /// The HPKE suite of `kem`, the KDF `kdf` (id `kdf_id`) and the AEAD `aead` (id `aead_id`).
    pub(crate) const fn new(kem: Dhkem, kdf: Hash, kdf_id: u16, aead: Aead, aead_id: u16) -> Self {
        Self {
            kem,
            kdf,
            kdf_id,
            aead,
            aead_id,
        }
    }

    /// The KEM.
    pub(crate) fn kem(&self) -> Dhkem {
        self.kem
    }

    /// The KDF of the key schedule, with `suite_id = concat("HPKE", kem_id, kdf_id, aead_id)`.
    fn kdf(&self) -> LabeledKdf {
        LabeledKdf::for_suite(self.kdf, self.kem.id(), self.kdf_id, self.aead_id)
    }

    /// `key_schedule_context = concat(mode_base, psk_id_hash, info_hash)` (RFC 9180 §5.1)
    /// with the default (empty) `psk_id`: everything of the key schedule that does not depend
    /// on the shared secret, so that many recipients of one `info` hash it once.
    fn key_schedule_context(&self, info: &[u8]) -> Vec<u8> {
        let kdf = self.kdf();
        let psk_id_hash = kdf.labeled_extract(&[], b"psk_id_hash", &[]);
        let info_hash = kdf.labeled_extract(&[], b"info_hash", info);
        let mut context = Vec::with_capacity(1 + psk_id_hash.len() + info_hash.len());
        context.push(MODE_BASE);
        context.extend_from_slice(psk_id_hash.as_bytes());
        context.extend_from_slice(info_hash.as_bytes());
        context
    }

    /// The rest of `KeySchedule(mode_base, shared_secret, info, "", "")` (RFC 9180 §5.1):
    /// `secret = LabeledExtract(shared_secret, "secret", psk)` with the empty psk, then
    /// `key`, `base_nonce` and `exporter_secret` by `LabeledExpand` of the context.
    fn key_schedule(
        &self,
        shared_secret: &Secret,
        key_schedule_context: &[u8],
    ) -> Result<Context, CryptoError> {
        let kdf = self.kdf();
        let secret = kdf.labeled_extract(shared_secret.as_bytes(), b"secret", &[]);
        let expand = |label: &[u8], length| {
            kdf.labeled_expand(secret.as_bytes(), label, key_schedule_context, length)
        };
        Ok(Context {
            aead: self.aead,
            kdf,
            key: expand(b"key", self.aead.key_len())?,
            base_nonce: expand(b"base_nonce", self.aead.nonce_len())?,
            exporter_secret: expand(b"exp", kdf.hash_len())?,
            seq: 0,
        })
    }

    /// `SetupBaseS(pkR, info)` (RFC 9180 §5.1.1): `enc` and the sender's context.
    pub(crate) fn setup_sender(
        &self,
        public_key: &[u8],
        info: &[u8],
    ) -> Result<(Vec<u8>, Context), CryptoError> {
        let encapsulation = self.kem.encap(public_key)?;
        let context = self.key_schedule(
            &encapsulation.shared_secret,
            &self.key_schedule_context(info),
        )?;
        Ok((encapsulation.enc, context))
    }

    /// `SetupBaseR(enc, skR, info)` (RFC 9180 §5.1.1): the recipient's context.
    pub(crate) fn setup_receiver(
        &self,
        private_key: &HpkePrivateKey,
        kem_output: &[u8],
        info: &[u8],
    ) -> Result<Context, CryptoError> {
        let shared_secret = self.kem.decap(kem_output, private_key)?;
        self.key_schedule(&shared_secret, &self.key_schedule_context(info))
    }

    /// `SealBase(pkR, info, aad, pt)` (RFC 9180 §6.1): sequence number 0, so the nonce is
    /// `base_nonce`.
    pub(crate) fn seal(
        &self,
        public_key: &[u8],
        info: &[u8],
        aad: &[u8],
        plaintext: &[u8],
    ) -> Result<HpkeSealed, CryptoError> {
        self.seal_many(info, aad, &[(public_key, plaintext)])?
            .pop()
            .ok_or(CryptoError::HpkeSealFailed)
    }

    /// `SealBase` to each `(pkR, pt)` of `recipients` with one `info` and `aad`, in input
    /// order; `info_hash` is computed once (RFC 9180 §5.1 does not make it depend on the
    /// recipient).
    pub(crate) fn seal_many(
        &self,
        info: &[u8],
        aad: &[u8],
        recipients: &[(&[u8], &[u8])],
    ) -> Result<Vec<HpkeSealed>, CryptoError> {
        if recipients.is_empty() {
            return Ok(Vec::new());
        }
        let key_schedule_context = self.key_schedule_context(info);
        recipients
            .iter()
            .map(|&(public_key, plaintext)| {
                let encapsulation = self.kem.encap(public_key)?;
                let mut context =
                    self.key_schedule(&encapsulation.shared_secret, &key_schedule_context)?;
                Ok(HpkeSealed {
                    kem_output: encapsulation.enc,
                    ciphertext: context.seal(aad, plaintext)?,
                })
            })
            .collect()
    }

    /// `OpenBase(enc, skR, info, aad, ct)` (RFC 9180 §6.1).
    pub(crate) fn open(
        &self,
        private_key: &HpkePrivateKey,
        kem_output: &[u8],
        info: &[u8],
        aad: &[u8],
        ciphertext: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
        self.setup_receiver(private_key, kem_output, info)?
            .open(aad, ciphertext)
    }

    /// `SetupBaseS(pkR, info)` then `Export(exporter_context, L)` (RFC 9180 §6.2).
    pub(crate) fn export_sender(
        &self,
        public_key: &[u8],
        info: &[u8],
        exporter_context: &[u8],
        length: usize,
    ) -> Result<(Vec<u8>, Secret), CryptoError> {
        let (enc, context) = self.setup_sender(public_key, info)?;
        Ok((enc, context.export(exporter_context, length)?))
    }

    /// `SetupBaseR(enc, skR, info)` then `Export(exporter_context, L)` (RFC 9180 §6.2).
    pub(crate) fn export_receiver(
        &self,
        private_key: &HpkePrivateKey,
        kem_output: &[u8],
        info: &[u8],
        exporter_context: &[u8],
        length: usize,
    ) -> Result<Secret, CryptoError> {
        self.setup_receiver(private_key, kem_output, info)?
            .export(exporter_context, length)
    }
}

#[cfg(test)]
mod tests;
