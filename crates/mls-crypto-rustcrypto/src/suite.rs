//! One cipher suite as a combination of the algorithm families of [`crate::primitives`] and
//! [`crate::signature`], behind the [`CipherSuiteProvider`] trait object.

use std::marker::PhantomData;

use mls_crypto::{
    CipherSuiteParams, CipherSuiteProvider, CryptoError, HpkeKeyPair, HpkePrivateKey, HpkeSealed,
    Secret, SignatureKeyPair, SignaturePrivateKey, Signer, VerifyingKey, Zeroizing,
};
use rand::Rng as _;

use crate::primitives::{AeadAlg, HashAlg, HpkeAlg, Marker};
use crate::signature::SignatureAlg;

/// A cipher suite: hash `H`, AEAD `A`, HPKE `P` and signature scheme `S`, all fixed at compile
/// time; the provider keeps one static instance per suite.
pub(crate) struct Suite<H, A, P, S> {
    params: &'static CipherSuiteParams,
    _algorithms: Marker<(H, A, P, S)>,
}

impl<H, A, P, S> Suite<H, A, P, S> {
    pub(crate) const fn new(params: &'static CipherSuiteParams) -> Self {
        Self {
            params,
            _algorithms: PhantomData,
        }
    }
}

impl<H, A, P, S> CipherSuiteProvider for Suite<H, A, P, S>
where
    H: HashAlg,
    A: AeadAlg,
    P: HpkeAlg,
    S: SignatureAlg,
{
    fn params(&self) -> &CipherSuiteParams {
        self.params
    }

    fn hash(&self, data: &[u8]) -> Vec<u8> {
        H::hash(data)
    }

    fn hash_concat(&self, parts: &[&[u8]]) -> Vec<u8> {
        H::hash_concat(parts)
    }

    fn mac(&self, key: &[u8], data: &[u8]) -> Vec<u8> {
        H::mac(key, data)
    }

    fn kdf_extract(&self, salt: &[u8], ikm: &[u8]) -> Secret {
        H::extract(salt, ikm)
    }

    fn kdf_expand(&self, prk: &[u8], info: &[u8], length: usize) -> Result<Secret, CryptoError> {
        H::expand(prk, info, length)
    }

    fn kdf_expand_many(
        &self,
        prk: &[u8],
        requests: &[(&[u8], usize)],
    ) -> Result<Vec<Secret>, CryptoError> {
        H::expand_many(prk, requests)
    }

    fn aead_seal(
        &self,
        key: &[u8],
        nonce: &[u8],
        aad: &[u8],
        plaintext: &[u8],
    ) -> Result<Vec<u8>, CryptoError> {
        A::seal(key, nonce, aad, plaintext)
    }

    fn aead_open(
        &self,
        key: &[u8],
        nonce: &[u8],
        aad: &[u8],
        ciphertext: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
        A::open(key, nonce, aad, ciphertext)
    }

    fn hpke_seal(
        &self,
        public_key: &[u8],
        info: &[u8],
        aad: &[u8],
        plaintext: &[u8],
    ) -> Result<HpkeSealed, CryptoError> {
        P::seal(public_key, info, aad, plaintext)
    }

    fn hpke_seal_many(
        &self,
        info: &[u8],
        aad: &[u8],
        recipients: &[(&[u8], &[u8])],
    ) -> Result<Vec<HpkeSealed>, CryptoError> {
        P::seal_many(info, aad, recipients)
    }

    fn hpke_open(
        &self,
        private_key: &HpkePrivateKey,
        kem_output: &[u8],
        info: &[u8],
        aad: &[u8],
        ciphertext: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
        P::open(private_key, kem_output, info, aad, ciphertext)
    }

    fn hpke_export_sender(
        &self,
        public_key: &[u8],
        info: &[u8],
        exporter_context: &[u8],
        length: usize,
    ) -> Result<(Vec<u8>, Secret), CryptoError> {
        P::export_sender(public_key, info, exporter_context, length)
    }

    fn hpke_export_receiver(
        &self,
        private_key: &HpkePrivateKey,
        kem_output: &[u8],
        info: &[u8],
        exporter_context: &[u8],
        length: usize,
    ) -> Result<Secret, CryptoError> {
        P::export_receiver(private_key, kem_output, info, exporter_context, length)
    }

    fn derive_hpke_key_pair(&self, ikm: &[u8]) -> Result<HpkeKeyPair, CryptoError> {
        Ok(P::derive_key_pair(ikm))
    }

    fn generate_hpke_key_pair(&self) -> Result<HpkeKeyPair, CryptoError> {
        // GenerateKeyPair as DeriveKeyPair(random(Nsk)) (RFC 9180 §4, §7.1.3).
        let ikm = Zeroizing::new(self.random_bytes(self.params.kem.private_key_len())?);
        Ok(P::derive_key_pair(&ikm))
    }

    fn hpke_public_key(&self, private_key: &HpkePrivateKey) -> Result<Vec<u8>, CryptoError> {
        P::public_key(private_key)
    }

    fn generate_signature_key_pair(&self) -> Result<SignatureKeyPair, CryptoError> {
        Ok(S::generate())
    }

    fn signer(&self, private_key: &SignaturePrivateKey) -> Result<Box<dyn Signer>, CryptoError> {
        S::signer(private_key)
    }

    fn verify(
        &self,
        public_key: &[u8],
        message: &[u8],
        signature: &[u8],
    ) -> Result<(), CryptoError> {
        S::verify(public_key, &[message], signature)
    }

    fn verifying_key(&self, public_key: &[u8]) -> Result<VerifyingKey, CryptoError> {
        S::verifying_key(public_key)
    }

    fn verify_with_key(
        &self,
        key: &VerifyingKey,
        message: &[&[u8]],
        signature: &[u8],
    ) -> Result<(), CryptoError> {
        S::verify_with_key(key, message, signature)
    }

    fn verify_many(&self, items: &[(&VerifyingKey, &[u8], &[u8])]) -> Vec<Result<(), CryptoError>> {
        S::verify_many(items)
    }

    fn random_bytes(&self, length: usize) -> Result<Vec<u8>, CryptoError> {
        let mut bytes = vec![0u8; length];
        rand::rng().fill_bytes(&mut bytes);
        Ok(bytes)
    }
}
