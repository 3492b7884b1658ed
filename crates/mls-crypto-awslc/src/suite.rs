//! One cipher suite as a combination of the primitives of [`crate::primitives`], the HPKE of
//! [`crate::hpke`] and a signature scheme of [`crate::signature`], behind the
//! [`CipherSuiteProvider`] trait object. The algorithms are chosen at run time from the
//! fields of one static value per suite.

use mls_crypto::{
    CipherSuiteParams, CipherSuiteProvider, CryptoError, HpkeKeyPair, HpkePrivateKey, HpkeSealed,
    Secret, SignatureKeyPair, SignaturePrivateKey, Signer, VerifyingKey, Zeroizing,
};

use crate::hpke::Hpke;
use crate::primitives::{Aead, Hash, random_bytes};
use crate::signature::Scheme;

/// A cipher suite of the aws-lc-rs provider.
pub(crate) struct Suite {
    pub(crate) params: &'static CipherSuiteParams,
    pub(crate) hash: Hash,
    pub(crate) aead: Aead,
    pub(crate) hpke: Hpke,
    pub(crate) signature: Scheme,
}

impl CipherSuiteProvider for Suite {
    fn params(&self) -> &CipherSuiteParams {
        self.params
    }

    fn hash(&self, data: &[u8]) -> Vec<u8> {
        self.hash.hash_concat(&[data])
    }

    fn hash_concat(&self, parts: &[&[u8]]) -> Vec<u8> {
        self.hash.hash_concat(parts)
    }

    fn mac(&self, key: &[u8], data: &[u8]) -> Vec<u8> {
        self.hash.mac_concat(key, &[data]).to_vec()
    }

    fn kdf_extract(&self, salt: &[u8], ikm: &[u8]) -> Secret {
        self.hash.extract_concat(salt, &[ikm])
    }

    fn kdf_expand(&self, prk: &[u8], info: &[u8], length: usize) -> Result<Secret, CryptoError> {
        self.hash.expand_concat(prk, &[info], length)
    }

    fn kdf_expand_many(
        &self,
        prk: &[u8],
        requests: &[(&[u8], usize)],
    ) -> Result<Vec<Secret>, CryptoError> {
        self.hash.expand_many(prk, requests)
    }

    fn aead_seal(
        &self,
        key: &[u8],
        nonce: &[u8],
        aad: &[u8],
        plaintext: &[u8],
    ) -> Result<Vec<u8>, CryptoError> {
        self.aead.seal(key, nonce, aad, plaintext)
    }

    fn aead_open(
        &self,
        key: &[u8],
        nonce: &[u8],
        aad: &[u8],
        ciphertext: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
        self.aead.open(key, nonce, aad, ciphertext)
    }

    fn hpke_seal(
        &self,
        public_key: &[u8],
        info: &[u8],
        aad: &[u8],
        plaintext: &[u8],
    ) -> Result<HpkeSealed, CryptoError> {
        self.hpke.seal(public_key, info, aad, plaintext)
    }

    fn hpke_seal_many(
        &self,
        info: &[u8],
        aad: &[u8],
        recipients: &[(&[u8], &[u8])],
    ) -> Result<Vec<HpkeSealed>, CryptoError> {
        self.hpke.seal_many(info, aad, recipients)
    }

    fn hpke_open(
        &self,
        private_key: &HpkePrivateKey,
        kem_output: &[u8],
        info: &[u8],
        aad: &[u8],
        ciphertext: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
        self.hpke
            .open(private_key, kem_output, info, aad, ciphertext)
    }

    fn hpke_export_sender(
        &self,
        public_key: &[u8],
        info: &[u8],
        exporter_context: &[u8],
        length: usize,
    ) -> Result<(Vec<u8>, Secret), CryptoError> {
        self.hpke
            .export_sender(public_key, info, exporter_context, length)
    }

    fn hpke_export_receiver(
        &self,
        private_key: &HpkePrivateKey,
        kem_output: &[u8],
        info: &[u8],
        exporter_context: &[u8],
        length: usize,
    ) -> Result<Secret, CryptoError> {
        self.hpke
            .export_receiver(private_key, kem_output, info, exporter_context, length)
    }

    fn derive_hpke_key_pair(&self, ikm: &[u8]) -> Result<HpkeKeyPair, CryptoError> {
        self.hpke.kem().derive_key_pair(ikm)
    }

    /// `GenerateKeyPair()` as `DeriveKeyPair(random(Nsk))` (RFC 9180 §4, §7.1.3), so that the
    /// private key has the serialization DeriveKeyPair gives it.
    fn generate_hpke_key_pair(&self) -> Result<HpkeKeyPair, CryptoError> {
        let ikm = random_bytes(self.params.kem.private_key_len())?;
        self.hpke.kem().derive_key_pair(&ikm)
    }

    fn hpke_public_key(&self, private_key: &HpkePrivateKey) -> Result<Vec<u8>, CryptoError> {
        self.hpke.kem().public_key(private_key)
    }

    fn generate_signature_key_pair(&self) -> Result<SignatureKeyPair, CryptoError> {
        self.signature.generate()
    }

    fn signer(&self, private_key: &SignaturePrivateKey) -> Result<Box<dyn Signer>, CryptoError> {
        self.signature.signer(private_key)
    }

    fn verify(
        &self,
        public_key: &[u8],
        message: &[u8],
        signature: &[u8],
    ) -> Result<(), CryptoError> {
        self.signature
            .verify_with_key(&VerifyingKey::unparsed(public_key), &[message], signature)
    }

    fn verifying_key(&self, public_key: &[u8]) -> Result<VerifyingKey, CryptoError> {
        self.signature.verifying_key(public_key)
    }

    fn verify_with_key(
        &self,
        key: &VerifyingKey,
        message: &[&[u8]],
        signature: &[u8],
    ) -> Result<(), CryptoError> {
        self.signature.verify_with_key(key, message, signature)
    }

    fn random_bytes(&self, length: usize) -> Result<Vec<u8>, CryptoError> {
        Ok(random_bytes(length)?.to_vec())
    }
}
