//! `LabeledExtract` and `LabeledExpand` (RFC 9180 §4): the KDF with the version label and the
//! suite identifier of the KEM (§4.1) or of the whole HPKE suite (§5.1) in front of every
//! label.

use mls_crypto::{CryptoError, Secret};

use crate::primitives::Hash;

/// `"HPKE-v1"`, the version label (RFC 9180 §4).
const VERSION_LABEL: &[u8] = b"HPKE-v1";

/// A KDF bound to a `suite_id`: `concat("KEM", I2OSP(kem_id, 2))` for the DHKEM (RFC 9180
/// §4.1), `concat("HPKE", I2OSP(kem_id, 2), I2OSP(kdf_id, 2), I2OSP(aead_id, 2))` for the
/// key schedule (§5.1).
#[derive(Clone, Copy)]
pub(crate) struct LabeledKdf {
    hash: Hash,
    suite_id: [u8; 10],
    suite_id_len: usize,
}

impl LabeledKdf {
    /// The KDF of the DHKEM with id `kem_id` (RFC 9180 §4.1).
    pub(crate) fn for_kem(hash: Hash, kem_id: u16) -> Self {
        let mut suite_id = [0u8; 10];
        suite_id[..3].copy_from_slice(b"KEM");
        suite_id[3..5].copy_from_slice(&kem_id.to_be_bytes());
        Self {
            hash,
            suite_id,
            suite_id_len: 5,
        }
    }

    /// The KDF of the key schedule of the HPKE suite (`kem_id`, `kdf_id`, `aead_id`)
    /// (RFC 9180 §5.1).
    pub(crate) fn for_suite(hash: Hash, kem_id: u16, kdf_id: u16, aead_id: u16) -> Self {
        let mut suite_id = [0u8; 10];
        suite_id[..4].copy_from_slice(b"HPKE");
        suite_id[4..6].copy_from_slice(&kem_id.to_be_bytes());
        suite_id[6..8].copy_from_slice(&kdf_id.to_be_bytes());
        suite_id[8..].copy_from_slice(&aead_id.to_be_bytes());
        Self {
            hash,
            suite_id,
            suite_id_len: 10,
        }
    }

    /// The `suite_id`.
    pub(crate) fn suite_id(&self) -> &[u8] {
        &self.suite_id[..self.suite_id_len]
    }

    /// `Nh` of the KDF.
    pub(crate) fn hash_len(&self) -> usize {
        self.hash.len()
    }

    /// `LabeledExtract(salt, label, ikm) = Extract(salt, concat("HPKE-v1", suite_id, label,
    /// ikm))` (RFC 9180 §4).
    pub(crate) fn labeled_extract(&self, salt: &[u8], label: &[u8], ikm: &[u8]) -> Secret {
        self.hash
            .extract_concat(salt, &[VERSION_LABEL, self.suite_id(), label, ikm])
    }

    /// `LabeledExpand(prk, label, info, L) = Expand(prk, concat(I2OSP(L, 2), "HPKE-v1",
    /// suite_id, label, info), L)` (RFC 9180 §4); `L` must fit in two bytes and be at most
    /// `255 * Nh`.
    pub(crate) fn labeled_expand(
        &self,
        prk: &[u8],
        label: &[u8],
        info: &[u8],
        length: usize,
    ) -> Result<Secret, CryptoError> {
        let length16 =
            u16::try_from(length).map_err(|_| CryptoError::KdfOutputTooLong { length })?;
        self.hash.expand_concat(
            prk,
            &[
                &length16.to_be_bytes(),
                VERSION_LABEL,
                self.suite_id(),
                label,
                info,
            ],
            length,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::primitives::SHA256;

    #[test]
    fn suite_ids_are_those_of_rfc_9180() {
        assert_eq!(
            LabeledKdf::for_kem(SHA256, 0x0020).suite_id(),
            b"KEM\x00\x20"
        );
        assert_eq!(
            LabeledKdf::for_suite(SHA256, 0x0010, 0x0001, 0x0003).suite_id(),
            b"HPKE\x00\x10\x00\x01\x00\x03"
        );
    }

    #[test]
    fn labeled_expand_refuses_lengths_beyond_two_bytes() {
        let kdf = LabeledKdf::for_kem(SHA256, 0x0020);
        assert_eq!(
            kdf.labeled_expand(&[0; 32], b"x", b"", 70_000).err(),
            Some(CryptoError::KdfOutputTooLong { length: 70_000 })
        );
    }
}
