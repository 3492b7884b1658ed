//! Chaining pre-shared keys into the psk_secret of an epoch (RFC 9420 §8.4).
//!
//! ```text
//! psk_extracted_[i] = KDF.Extract(0, psk_[i])
//! psk_input_[i]     = ExpandWithLabel(psk_extracted_[i], "derived psk", PSKLabel, KDF.Nh)
//! psk_secret_[i]    = KDF.Extract(psk_input_[i-1], psk_secret_[i-1])
//! psk_secret        = psk_secret_[n]          (psk_secret_[0] = 0, the all-zero vector)
//! ```

use mls_codec::{Encode, PreSharedKeyId, PskLabel};
use mls_crypto::{CipherSuiteProvider, Secret, expand_with_label};

use crate::KeyScheduleError;
use crate::key_schedule::zero_secret;

/// One pre-shared key to inject into the key schedule: its identifier, as the PreSharedKey
/// proposal or the Welcome names it, and its value.
#[derive(Debug, Clone, Copy)]
pub struct PskInput<'a> {
    /// The PreSharedKeyID (RFC 9420 §8.4).
    pub id: &'a PreSharedKeyId,
    /// The PSK's value: the external PSK, or the resumption_psk of the named epoch.
    pub psk: &'a Secret,
}

/// The psk_secret of the PSKs `psks`, in the order the Commit or Welcome lists them
/// (RFC 9420 §8.4); the all-zero vector of `KDF.Nh` bytes when there are none.
///
/// [`KeyScheduleError::TooManyPsks`] if there are more than 65535 (the `uint16` count of
/// PSKLabel).
pub fn psk_secret(
    suite: &dyn CipherSuiteProvider,
    psks: &[PskInput<'_>],
) -> Result<Secret, KeyScheduleError> {
    let count = u16::try_from(psks.len())
        .map_err(|_| KeyScheduleError::TooManyPsks { count: psks.len() })?;
    let zero = zero_secret(suite);
    let mut secret = zero.clone();
    for (index, input) in (0..count).zip(psks) {
        let extracted = suite.kdf_extract(zero.as_bytes(), input.psk.as_bytes());
        let label = PskLabel {
            id: input.id.clone(),
            index,
            count,
        }
        .to_bytes()?;
        let psk_input = expand_with_label(
            suite,
            extracted.as_bytes(),
            "derived psk",
            &label,
            suite.hash_len(),
        )?;
        secret = suite.kdf_extract(psk_input.as_bytes(), secret.as_bytes());
    }
    Ok(secret)
}

#[cfg(test)]
mod tests {
    use super::*;
    use mls_codec::{CipherSuite, Psk, VarBytes};
    use mls_crypto::CryptoProvider;
    use mls_crypto_rustcrypto::RustCryptoProvider;

    fn suite() -> &'static dyn CipherSuiteProvider {
        static PROVIDER: RustCryptoProvider = RustCryptoProvider::new();
        PROVIDER
            .suite(CipherSuite::MLS_256_DHKEMP384_AES256GCM_SHA384_P384)
            .unwrap()
    }

    fn id(name: &[u8]) -> PreSharedKeyId {
        PreSharedKeyId {
            psk: Psk::External {
                psk_id: VarBytes::from(name),
            },
            psk_nonce: VarBytes(vec![0; 48]),
        }
    }

    #[test]
    fn no_psks_give_the_zero_vector() {
        assert_eq!(psk_secret(suite(), &[]).unwrap(), Secret::new(vec![0; 48]));
    }

    #[test]
    fn order_and_values_matter() {
        let (a, b) = (id(b"a"), id(b"b"));
        let (x, y) = (Secret::new(vec![1; 48]), Secret::new(vec![2; 48]));
        let ab = psk_secret(
            suite(),
            &[PskInput { id: &a, psk: &x }, PskInput { id: &b, psk: &y }],
        )
        .unwrap();
        let ba = psk_secret(
            suite(),
            &[PskInput { id: &b, psk: &y }, PskInput { id: &a, psk: &x }],
        )
        .unwrap();
        assert_eq!(ab.len(), 48);
        assert_ne!(ab, ba);
        let one = psk_secret(suite(), &[PskInput { id: &a, psk: &x }]).unwrap();
        assert_ne!(one, ab);
        assert_ne!(one, Secret::new(vec![0; 48]));
    }
}
