//! The provider traits: what the protocol layers need from a cryptographic library.
//!
//! A [`CryptoProvider`] hands out one [`CipherSuiteProvider`] per supported suite; every
//! operation of RFC 9420 goes through that per-suite object, so a protocol crate never names a
//! concrete algorithm. Signing goes through a [`Signer`] made once from a private key, so that
//! a key is parsed and expanded once, not once per signature.

use mls_codec::CipherSuite;
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use crate::{
    CipherSuiteParams, CryptoError, HpkeKeyPair, HpkePrivateKey, HpkeSealed, Secret,
    SignatureKeyPair, SignaturePrivateKey, SignatureScheme, VerifyingKey,
};

/// A cryptographic library: the set of cipher suites it implements.
pub trait CryptoProvider: Send + Sync {
    /// The operations of cipher suite `cipher_suite`, or
    /// [`CryptoError::UnsupportedCipherSuite`]. Cheap: callers may call it per operation.
    fn suite(&self, cipher_suite: CipherSuite) -> Result<&dyn CipherSuiteProvider, CryptoError>;

    /// The suites this provider implements, in order of preference.
    fn supported_suites(&self) -> &[CipherSuite];

    /// Whether `cipher_suite` is implemented.
    fn supports(&self, cipher_suite: CipherSuite) -> bool {
        self.supported_suites().contains(&cipher_suite)
    }
}

/// The primitives of one cipher suite (RFC 9420 §5.1): its hash, KDF, AEAD, HPKE and signature
/// scheme.
///
/// Public keys are passed as their serialized bytes (RFC 9420 §5.1.1: the KEM's
/// SerializePublicKey; for signatures the raw Ed25519 key or the uncompressed SEC1 point).
pub trait CipherSuiteProvider: Send + Sync {
    /// The algorithms of this suite.
    fn params(&self) -> &CipherSuiteParams;

    /// The suite's code point.
    fn cipher_suite(&self) -> CipherSuite {
        self.params().cipher_suite
    }

    /// `KDF.Nh`, the hash and secret length.
    fn hash_len(&self) -> usize {
        self.params().hash_len()
    }

    /// `Hash(data)` with the suite's hash function (RFC 9420 §5.1).
    fn hash(&self, data: &[u8]) -> Vec<u8>;

    /// `Hash(parts[0] || parts[1] || ...)`: [`Self::hash`] of a message given in pieces, such
    /// as a received commit whose large body is hashed where it was decrypted. The default
    /// joins the pieces first; a provider can hash them in place.
    fn hash_concat(&self, parts: &[&[u8]]) -> Vec<u8> {
        self.hash(&parts.concat())
    }

    /// `MAC(key, data)`: HMAC with the suite's hash (RFC 9420 §5.1, RFC 2104).
    fn mac(&self, key: &[u8], data: &[u8]) -> Vec<u8>;

    /// Checks `tag == MAC(key, data)` in constant time (RFC 9420 §6.2 membership tag, §8.1
    /// confirmation tag); [`CryptoError::InvalidMac`] otherwise.
    fn verify_mac(&self, key: &[u8], data: &[u8], tag: &[u8]) -> Result<(), CryptoError> {
        let expected = self.mac(key, data);
        if bool::from(expected.as_slice().ct_eq(tag)) {
            Ok(())
        } else {
            Err(CryptoError::InvalidMac)
        }
    }

    /// `KDF.Extract(salt, ikm)` (RFC 5869 §2.2, RFC 9180 §4): `Nh` bytes.
    fn kdf_extract(&self, salt: &[u8], ikm: &[u8]) -> Secret;

    /// `KDF.Expand(prk, info, length)` (RFC 5869 §2.3). `prk` must be at least `Nh` bytes and
    /// `length` at most `255 * Nh`.
    fn kdf_expand(&self, prk: &[u8], info: &[u8], length: usize) -> Result<Secret, CryptoError>;

    /// `KDF.Expand(prk, info, length)` (RFC 5869 §2.3) for each `(info, length)` of
    /// `requests`, all from the same `prk`: one [`Secret`] per request, in order, each what
    /// [`kdf_expand`] would return for it.
    ///
    /// RFC 9420 derives several secrets from one: the key, nonce and next secret of a ratchet
    /// generation (§9.1), the sender data key and nonce (§6.3.2). HKDF-Expand keys HMAC with
    /// `prk`, which costs two hash compressions before any output; a provider should override
    /// this method to key HMAC once for all the requests. The default implementation calls
    /// [`kdf_expand`] once per request. On failure the error is the one of the first failing
    /// request, and no output is returned.
    ///
    /// [`kdf_expand`]: CipherSuiteProvider::kdf_expand
    fn kdf_expand_many(
        &self,
        prk: &[u8],
        requests: &[(&[u8], usize)],
    ) -> Result<Vec<Secret>, CryptoError> {
        requests
            .iter()
            .map(|&(info, length)| self.kdf_expand(prk, info, length))
            .collect()
    }

    /// `AEAD.Seal(key, nonce, aad, plaintext)` (RFC 9180 §5.2, RFC 9420 §6.3): the ciphertext
    /// with the tag appended.
    fn aead_seal(
        &self,
        key: &[u8],
        nonce: &[u8],
        aad: &[u8],
        plaintext: &[u8],
    ) -> Result<Vec<u8>, CryptoError>;

    /// `AEAD.Open(key, nonce, aad, ciphertext)` (RFC 9180 §5.2, RFC 9420 §6.3). The plaintext
    /// is wiped when dropped.
    fn aead_open(
        &self,
        key: &[u8],
        nonce: &[u8],
        aad: &[u8],
        ciphertext: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>, CryptoError>;

    /// HPKE `SealBase(pkR, info, aad, pt)` (RFC 9180 §6.1): a fresh encapsulation to
    /// `public_key` and the encryption of `plaintext`.
    fn hpke_seal(
        &self,
        public_key: &[u8],
        info: &[u8],
        aad: &[u8],
        plaintext: &[u8],
    ) -> Result<HpkeSealed, CryptoError>;

    /// HPKE `SealBase(pkR, info, aad, pt)` (RFC 9180 §6.1) to many recipients that share one
    /// `info` and `aad`: one [`HpkeSealed`] per `(public_key, plaintext)` of `recipients`, in
    /// the same order, each with its own fresh encapsulation. An empty `recipients` gives an
    /// empty result.
    ///
    /// RFC 9420 §12.4.3.1 encrypts every new member's GroupSecrets with the same `info` (the
    /// EncryptContext of the encrypted GroupInfo, which carries the ratchet tree), and the
    /// HPKE key schedule (RFC 9180 §5.1) hashes `info` into
    /// `info_hash = LabeledExtract("", "info_hash", info)`, which does not depend on the
    /// recipient. A provider should override this method to compute `info_hash` once, which
    /// makes a Welcome to `n` members linear in `n` instead of `n` times the GroupInfo size;
    /// the output must stay what [`hpke_seal`] would produce for each recipient.
    ///
    /// The default implementation calls [`hpke_seal`] once per recipient. On failure the
    /// error is the one of the first failing recipient in input order, and no output is
    /// returned.
    ///
    /// [`hpke_seal`]: CipherSuiteProvider::hpke_seal
    fn hpke_seal_many(
        &self,
        info: &[u8],
        aad: &[u8],
        recipients: &[(&[u8], &[u8])],
    ) -> Result<Vec<HpkeSealed>, CryptoError> {
        recipients
            .iter()
            .map(|&(public_key, plaintext)| self.hpke_seal(public_key, info, aad, plaintext))
            .collect()
    }

    /// HPKE `OpenBase(enc, skR, info, aad, ct)` (RFC 9180 §6.1). The plaintext is wiped when
    /// dropped.
    fn hpke_open(
        &self,
        private_key: &HpkePrivateKey,
        kem_output: &[u8],
        info: &[u8],
        aad: &[u8],
        ciphertext: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>, CryptoError>;

    /// HPKE `SetupBaseS(pkR, info)` followed by `context.Export(exporter_context, length)`
    /// (RFC 9180 §5.1.1, §5.3): a fresh encapsulation to `public_key` (the `enc`, returned
    /// first) and `length` bytes of exported secret. RFC 9420 §8.3 uses it with an empty `info`
    /// for the init secret of an external commit.
    fn hpke_export_sender(
        &self,
        public_key: &[u8],
        info: &[u8],
        exporter_context: &[u8],
        length: usize,
    ) -> Result<(Vec<u8>, Secret), CryptoError>;

    /// HPKE `SetupBaseR(enc, skR, info)` followed by `context.Export(exporter_context, length)`
    /// (RFC 9180 §5.1.1, §5.3): the secret that [`hpke_export_sender`] produced for the
    /// encapsulation `kem_output`. [`CryptoError::HpkeOpenFailed`] if `kem_output` is malformed;
    /// a well-formed `kem_output` for another key yields a different secret, not an error.
    ///
    /// [`hpke_export_sender`]: CipherSuiteProvider::hpke_export_sender
    fn hpke_export_receiver(
        &self,
        private_key: &HpkePrivateKey,
        kem_output: &[u8],
        info: &[u8],
        exporter_context: &[u8],
        length: usize,
    ) -> Result<Secret, CryptoError>;

    /// `DeriveKeyPair(ikm)` of the suite's KEM (RFC 9180 §7.1.3), as RFC 9420 uses it for node
    /// keys (§7.4) and the external key pair (§8).
    fn derive_hpke_key_pair(&self, ikm: &[u8]) -> Result<HpkeKeyPair, CryptoError>;

    /// A fresh random HPKE key pair (RFC 9180 §4 `GenerateKeyPair`), e.g. for init keys.
    fn generate_hpke_key_pair(&self) -> Result<HpkeKeyPair, CryptoError>;

    /// The public key of an HPKE private key, to check that a private key matches a published
    /// public key.
    fn hpke_public_key(&self, private_key: &HpkePrivateKey) -> Result<Vec<u8>, CryptoError>;

    /// A fresh random signature key pair of the suite's scheme.
    fn generate_signature_key_pair(&self) -> Result<SignatureKeyPair, CryptoError>;

    /// Parses `private_key` once into a [`Signer`] that keeps the expanded key for repeated
    /// signing.
    fn signer(&self, private_key: &SignaturePrivateKey) -> Result<Box<dyn Signer>, CryptoError>;

    /// `Verify(public_key, message, signature)` with the suite's signature scheme
    /// (RFC 9420 §5.1.2): [`CryptoError::InvalidSignature`] unless the signature is valid.
    fn verify(
        &self,
        public_key: &[u8],
        message: &[u8],
        signature: &[u8],
    ) -> Result<(), CryptoError>;

    /// Prepares a signature public key for many verifications with
    /// [`Self::verify_with_key`]. The default keeps the bytes; a provider can decode the key
    /// once here. Fails only if the key cannot be decoded.
    fn verifying_key(&self, public_key: &[u8]) -> Result<VerifyingKey, CryptoError> {
        Ok(VerifyingKey::unparsed(public_key))
    }

    /// [`Self::verify`] with a key from [`Self::verifying_key`] (of this or another provider:
    /// a key without this provider's decoded form is verified from its bytes), of the message
    /// `message[0] || message[1] || ...`: a large signed content (a received commit's
    /// FramedContentTBS) can be given in pieces instead of copied into one buffer, and a
    /// message in one piece is `&[message]`. The default joins the pieces and verifies from
    /// the key's bytes; a provider can hash the pieces in place.
    fn verify_with_key(
        &self,
        key: &VerifyingKey,
        message: &[&[u8]],
        signature: &[u8],
    ) -> Result<(), CryptoError> {
        self.verify(key.as_bytes(), &message.concat(), signature)
    }

    /// [`Self::verify_with_key`] for each `(key, message, signature)` of `items`: one result
    /// per item, in input order, each the same as verifying that item on its own would give.
    /// An empty `items` gives an empty result.
    ///
    /// Every signature is still checked individually (RFC 9420 §5.1.2), so that a batch
    /// accepts exactly the signatures that [`Self::verify_with_key`] accepts; a provider may
    /// only share work across items that does not change the outcome, e.g. one field
    /// inversion for all the recomputed points of Ed25519 (Montgomery's trick). Joining a
    /// group verifies every leaf's signature (RFC 9420 §7.3, §12.4.3.1) this way.
    ///
    /// The default implementation calls [`Self::verify_with_key`] once per item.
    fn verify_many(&self, items: &[(&VerifyingKey, &[u8], &[u8])]) -> Vec<Result<(), CryptoError>> {
        items
            .iter()
            .map(|&(key, message, signature)| self.verify_with_key(key, &[message], signature))
            .collect()
    }

    /// `length` bytes from a cryptographically secure random number generator.
    fn random_bytes(&self, length: usize) -> Result<Vec<u8>, CryptoError>;
}

/// A signature private key, parsed once and ready to sign many messages
/// (RFC 9420 §5.1.2 `Signature.Sign`).
pub trait Signer: Send + Sync {
    /// The signature scheme.
    fn signature_scheme(&self) -> SignatureScheme;

    /// The matching public key, encoded as MLS carries it (raw Ed25519 key or uncompressed SEC1
    /// point).
    fn public_key(&self) -> &[u8];

    /// Signs `message` (DER-encoded for ECDSA, 64 bytes for Ed25519).
    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, CryptoError>;
}
