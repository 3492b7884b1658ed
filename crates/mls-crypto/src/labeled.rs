//! The labeled operations of RFC 9420 §5.1-5.2 and §8: every KDF derivation, reference hash,
//! signature and public-key encryption of the protocol goes through one of these.
//!
//! The inputs are the structs of [`mls_codec::labels`]; they are encoded here field by field
//! straight into one buffer (the tests check the bytes against the structs' own encoding), so
//! that signing a large message or hashing a key package does not copy the content twice.

use mls_codec::{CodecError, Encode, encode_opaque, encode_vector, varint};
use zeroize::Zeroizing;

use crate::{
    CipherSuiteProvider, CryptoError, HpkePrivateKey, HpkeSealed, Secret, Signer, VerifyingKey,
};

/// The prefix RFC 9420 §5.1 puts before every label of ExpandWithLabel, SignWithLabel and
/// EncryptWithLabel (not RefHash).
pub const LABEL_PREFIX: &[u8] = b"MLS 1.0 ";

/// The RefHash label of a KeyPackageRef (RFC 9420 §5.2).
pub const KEY_PACKAGE_REF_LABEL: &str = "MLS 1.0 KeyPackage Reference";

/// The RefHash label of a ProposalRef (RFC 9420 §5.2).
pub const PROPOSAL_REF_LABEL: &str = "MLS 1.0 Proposal Reference";

/// Appends `opaque label<V> = "MLS 1.0 " + label`.
fn encode_prefixed_label(label: &str, out: &mut Vec<u8>) -> Result<(), CryptoError> {
    varint::write(LABEL_PREFIX.len() + label.len(), out)?;
    out.extend_from_slice(LABEL_PREFIX);
    out.extend_from_slice(label.as_bytes());
    Ok(())
}

/// The encoded `KDFLabel` (RFC 9420 §8).
fn kdf_label(label: &str, context: &[u8], length: u16) -> Result<Vec<u8>, CryptoError> {
    let mut out = Vec::with_capacity(2 + 2 + LABEL_PREFIX.len() + label.len() + 4 + context.len());
    length.encode(&mut out)?;
    encode_prefixed_label(label, &mut out)?;
    encode_opaque(context, &mut out)?;
    Ok(out)
}

/// The encoded `RefHashInput` (RFC 9420 §5.2).
fn ref_hash_input(label: &str, value: &[u8]) -> Result<Vec<u8>, CryptoError> {
    let mut out = Vec::with_capacity(4 + label.len() + 4 + value.len());
    encode_opaque(label.as_bytes(), &mut out)?;
    encode_opaque(value, &mut out)?;
    Ok(out)
}

/// The encoded `SignContent` (RFC 9420 §5.1.2) or `EncryptContext` (§5.1.3): they have the
/// same shape, a prefixed label and an opaque value.
fn labeled_content(label: &str, content: &[u8]) -> Result<Vec<u8>, CryptoError> {
    let mut out = Vec::with_capacity(4 + LABEL_PREFIX.len() + label.len() + 4 + content.len());
    encode_prefixed_label(label, &mut out)?;
    encode_opaque(content, &mut out)?;
    Ok(out)
}

/// `ExpandWithLabel(Secret, Label, Context, Length)` (RFC 9420 §8):
/// `KDF.Expand(Secret, KDFLabel, Length)` with `KDFLabel.label = "MLS 1.0 " + Label`.
///
/// `length` must fit the `uint16` of KDFLabel ([`CryptoError::KdfOutputTooLong`] otherwise).
pub fn expand_with_label(
    suite: &dyn CipherSuiteProvider,
    secret: &[u8],
    label: &str,
    context: &[u8],
    length: usize,
) -> Result<Secret, CryptoError> {
    let length16 = u16::try_from(length).map_err(|_| CryptoError::KdfOutputTooLong { length })?;
    let info = kdf_label(label, context, length16)?;
    suite.kdf_expand(secret, &info, length)
}

/// `DeriveSecret(Secret, Label) = ExpandWithLabel(Secret, Label, "", KDF.Nh)` (RFC 9420 §8).
pub fn derive_secret(
    suite: &dyn CipherSuiteProvider,
    secret: &[u8],
    label: &str,
) -> Result<Secret, CryptoError> {
    expand_with_label(suite, secret, label, &[], suite.hash_len())
}

/// `DeriveTreeSecret(Secret, Label, Generation, Length) =
/// ExpandWithLabel(Secret, Label, Generation, Length)` with the generation encoded as a
/// big-endian `uint32` (RFC 9420 §9).
pub fn derive_tree_secret(
    suite: &dyn CipherSuiteProvider,
    secret: &[u8],
    label: &str,
    generation: u32,
    length: usize,
) -> Result<Secret, CryptoError> {
    expand_with_label(suite, secret, label, &generation.to_be_bytes(), length)
}

/// `RefHash(label, value) = Hash(RefHashInput)` (RFC 9420 §5.2). The label is used exactly as
/// given: callers pass the full label, e.g. [`KEY_PACKAGE_REF_LABEL`].
pub fn ref_hash(
    suite: &dyn CipherSuiteProvider,
    label: &str,
    value: &[u8],
) -> Result<Vec<u8>, CryptoError> {
    Ok(suite.hash(&ref_hash_input(label, value)?))
}

/// `KeyPackageRef = RefHash("MLS 1.0 KeyPackage Reference", KeyPackage)` (RFC 9420 §5.2),
/// over the encoded KeyPackage.
pub fn make_key_package_ref(
    suite: &dyn CipherSuiteProvider,
    encoded_key_package: &[u8],
) -> Result<Vec<u8>, CryptoError> {
    ref_hash(suite, KEY_PACKAGE_REF_LABEL, encoded_key_package)
}

/// `ProposalRef = RefHash("MLS 1.0 Proposal Reference", AuthenticatedContent)`
/// (RFC 9420 §5.2), over the encoded AuthenticatedContent that carries the proposal.
pub fn make_proposal_ref(
    suite: &dyn CipherSuiteProvider,
    encoded_authenticated_content: &[u8],
) -> Result<Vec<u8>, CryptoError> {
    ref_hash(suite, PROPOSAL_REF_LABEL, encoded_authenticated_content)
}

/// `SignWithLabel(SignatureKey, Label, Content)` (RFC 9420 §5.1.2): signs the encoded
/// `SignContent` with `label = "MLS 1.0 " + Label`.
pub fn sign_with_label(
    signer: &dyn Signer,
    label: &str,
    content: &[u8],
) -> Result<Vec<u8>, CryptoError> {
    signer.sign(&labeled_content(label, content)?)
}

/// `VerifyWithLabel(VerificationKey, Label, Content, SignatureValue)` (RFC 9420 §5.1.2):
/// [`CryptoError::InvalidSignature`] unless `signature` is valid over the encoded
/// `SignContent`.
pub fn verify_with_label(
    suite: &dyn CipherSuiteProvider,
    public_key: &[u8],
    label: &str,
    content: &[u8],
    signature: &[u8],
) -> Result<(), CryptoError> {
    suite.verify(public_key, &labeled_content(label, content)?, signature)
}

/// `VerifyWithLabel(VerificationKey, Label, Content, SignatureValue)` (RFC 9420 §5.1.2) for
/// each `(key, content, signature)` of `items`, all with the same `label`, through
/// [`CipherSuiteProvider::verify_many`] so that a provider can share work across the
/// signatures (as joining a group does for every leaf, RFC 9420 §12.4.3.1).
///
/// One result per item, in input order, each the one [`verify_with_label`] gives for that item
/// alone: an item whose `SignContent` cannot be encoded gets that error and is not verified.
pub fn verify_with_label_many(
    suite: &dyn CipherSuiteProvider,
    label: &str,
    items: &[(&VerifyingKey, &[u8], &[u8])],
) -> Vec<Result<(), CryptoError>> {
    let contents: Vec<Result<Vec<u8>, CryptoError>> = items
        .iter()
        .map(|&(_, content, _)| labeled_content(label, content))
        .collect();
    let batch: Vec<(&VerifyingKey, &[u8], &[u8])> = items
        .iter()
        .zip(&contents)
        .filter_map(|(&(key, _, signature), content)| {
            Some((key, content.as_ref().ok()?.as_slice(), signature))
        })
        .collect();
    let mut verified = suite.verify_many(&batch).into_iter();
    contents
        .into_iter()
        .map(|content| {
            content?;
            // A provider that returns too few results fails closed.
            verified
                .next()
                .unwrap_or(Err(CryptoError::InvalidSignature))
        })
        .collect()
}

/// [`verify_with_label`] with a prepared key, for a Content that `write_content` appends to
/// the encoded `SignContent` in place, so that a large Content (a commit's FramedContentTBS)
/// is encoded once, into a buffer of about `capacity` bytes, rather than encoded and then
/// copied.
pub fn verify_with_label_writing(
    suite: &dyn CipherSuiteProvider,
    key: &VerifyingKey,
    label: &str,
    capacity: usize,
    write_content: impl FnOnce(&mut Vec<u8>) -> Result<(), CodecError>,
    signature: &[u8],
) -> Result<(), CryptoError> {
    let mut out = Vec::with_capacity(4 + LABEL_PREFIX.len() + label.len() + 4 + capacity);
    encode_prefixed_label(label, &mut out)?;
    encode_vector(&mut out, write_content)?;
    suite.verify_with_key(key, &out, signature)
}

/// `EncryptWithLabel(PublicKey, Label, Context, Plaintext)` (RFC 9420 §5.1.3): HPKE SealBase
/// with `info` = the encoded `EncryptContext` (label `"MLS 1.0 " + Label`) and an empty aad.
pub fn encrypt_with_label(
    suite: &dyn CipherSuiteProvider,
    public_key: &[u8],
    label: &str,
    context: &[u8],
    plaintext: &[u8],
) -> Result<HpkeSealed, CryptoError> {
    suite.hpke_seal(
        public_key,
        &labeled_content(label, context)?,
        &[],
        plaintext,
    )
}

/// `EncryptWithLabel(PublicKey, Label, Context, Plaintext)` (RFC 9420 §5.1.3) for many
/// `(public_key, plaintext)` pairs that share `label` and `context`, as RFC 9420 §12.4.3.1 does
/// for the GroupSecrets of every new member of a Welcome (label `"Welcome"`, context the
/// encrypted GroupInfo).
///
/// The EncryptContext is encoded once and passed to
/// [`CipherSuiteProvider::hpke_seal_many`], so a provider that overrides it hashes the context
/// once (RFC 9180 §5.1) instead of once per recipient. The result has one [`HpkeSealed`] per
/// recipient, in input order, each opened by [`decrypt_with_label`]; on failure the error is
/// the one of the first failing recipient.
pub fn encrypt_with_label_many(
    suite: &dyn CipherSuiteProvider,
    label: &str,
    context: &[u8],
    recipients: &[(&[u8], &[u8])],
) -> Result<Vec<HpkeSealed>, CryptoError> {
    if recipients.is_empty() {
        return Ok(Vec::new());
    }
    suite.hpke_seal_many(&labeled_content(label, context)?, &[], recipients)
}

/// `DecryptWithLabel(PrivateKey, Label, Context, KEMOutput, Ciphertext)` (RFC 9420 §5.1.3):
/// HPKE OpenBase with the same `info` and empty aad as [`encrypt_with_label`].
pub fn decrypt_with_label(
    suite: &dyn CipherSuiteProvider,
    private_key: &HpkePrivateKey,
    label: &str,
    context: &[u8],
    kem_output: &[u8],
    ciphertext: &[u8],
) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
    suite.hpke_open(
        private_key,
        kem_output,
        &labeled_content(label, context)?,
        &[],
        ciphertext,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use mls_codec::VarBytes;
    use mls_codec::labels::{EncryptContext, KdfLabel, RefHashInput, SignContent};

    fn prefixed(label: &str) -> VarBytes {
        VarBytes([LABEL_PREFIX, label.as_bytes()].concat())
    }

    #[test]
    fn encodings_match_the_codec_structs() {
        let context = vec![7u8; 70]; // long enough for a two-byte varint length
        assert_eq!(
            kdf_label("key", &context, 42).unwrap(),
            KdfLabel {
                length: 42,
                label: prefixed("key"),
                context: VarBytes(context.clone()),
            }
            .to_bytes()
            .unwrap()
        );
        assert_eq!(
            ref_hash_input(KEY_PACKAGE_REF_LABEL, &context).unwrap(),
            RefHashInput {
                label: VarBytes::from(KEY_PACKAGE_REF_LABEL.as_bytes()),
                value: VarBytes(context.clone()),
            }
            .to_bytes()
            .unwrap()
        );
        assert_eq!(
            labeled_content("LeafNodeTBS", &context).unwrap(),
            SignContent {
                label: prefixed("LeafNodeTBS"),
                content: VarBytes(context.clone()),
            }
            .to_bytes()
            .unwrap()
        );
        assert_eq!(
            labeled_content("UpdatePathNode", &context).unwrap(),
            EncryptContext {
                label: prefixed("UpdatePathNode"),
                context: VarBytes(context),
            }
            .to_bytes()
            .unwrap()
        );
    }
}
