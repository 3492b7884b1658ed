//! The key and nonce of the sender data of a PrivateMessage (RFC 9420 §6.3.2).

use mls_crypto::{CipherSuiteProvider, Secret, expand_with_labels};

use crate::KeyScheduleError;

/// The AEAD key and nonce that encrypt a PrivateMessage's SenderData (RFC 9420 §6.3.2).
/// Wiped on drop; `Debug` shows no bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SenderDataKey {
    key: Secret,
    nonce: Secret,
}

impl SenderDataKey {
    /// The key and nonce for a PrivateMessage whose content ciphertext is `ciphertext`:
    ///
    /// ```text
    /// ciphertext_sample = ciphertext[0..KDF.Nh-1]   (the whole ciphertext if shorter)
    /// sender_data_key   = ExpandWithLabel(sender_data_secret, "key", ciphertext_sample, AEAD.Nk)
    /// sender_data_nonce = ExpandWithLabel(sender_data_secret, "nonce", ciphertext_sample, AEAD.Nn)
    /// ```
    pub fn derive(
        suite: &dyn CipherSuiteProvider,
        sender_data_secret: &Secret,
        ciphertext: &[u8],
    ) -> Result<Self, KeyScheduleError> {
        let sample = ciphertext.get(..suite.hash_len()).unwrap_or(ciphertext);
        let params = suite.params();
        let [key, nonce] = expand_with_labels(
            suite,
            sender_data_secret.as_bytes(),
            [
                ("key", sample, params.aead_key_len()),
                ("nonce", sample, params.aead_nonce_len()),
            ],
        )?;
        Ok(Self { key, nonce })
    }

    /// The AEAD key (`AEAD.Nk` bytes).
    pub fn key(&self) -> &Secret {
        &self.key
    }

    /// The AEAD nonce (`AEAD.Nn` bytes).
    pub fn nonce(&self) -> &Secret {
        &self.nonce
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mls_codec::CipherSuite;
    use mls_crypto::CryptoProvider;
    use mls_crypto_rustcrypto::RustCryptoProvider;

    #[test]
    fn only_the_first_nh_bytes_are_sampled() {
        static PROVIDER: RustCryptoProvider = RustCryptoProvider::new();
        let suite = PROVIDER
            .suite(CipherSuite::MLS_128_DHKEMX25519_CHACHA20POLY1305_SHA256_ED25519)
            .unwrap();
        let secret = Secret::new(vec![4; 32]);
        let long = [[1u8; 32].as_slice(), &[2; 10]].concat();
        let a = SenderDataKey::derive(suite, &secret, &long).unwrap();
        let b = SenderDataKey::derive(suite, &secret, &long[..32]).unwrap();
        let c = SenderDataKey::derive(suite, &secret, &long[..31]).unwrap();
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert_eq!((a.key().len(), a.nonce().len()), (32, 12));
        assert!(SenderDataKey::derive(suite, &secret, &[]).is_ok());
    }
}
