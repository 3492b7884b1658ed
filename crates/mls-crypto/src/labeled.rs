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
    let mut out = Vec::with_capacity(kdf_label_len(label, context));
    write_kdf_label(label, context, length, &mut out)?;
    Ok(out)
}

/// At least the encoded length of a `KDFLabel` (RFC 9420 §8) with `label` and `context`.
fn kdf_label_len(label: &str, context: &[u8]) -> usize {
    2 + 2 + LABEL_PREFIX.len() + label.len() + 4 + context.len()
}

/// Appends the encoded `KDFLabel` (RFC 9420 §8).
fn write_kdf_label(
    label: &str,
    context: &[u8],
    length: u16,
    out: &mut Vec<u8>,
) -> Result<(), CryptoError> {
    length.encode(out)?;
    encode_prefixed_label(label, out)?;
    encode_opaque(context, out)?;
    Ok(())
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

/// The encoded `SignContent` (RFC 9420 §5.1.2) of a Content that `write_content` appends in
/// place ([`encode_vector`] writes its length header), in a buffer made for about `capacity`
/// bytes of Content, so that the Content is encoded once and not copied.
fn labeled_content_writing(
    label: &str,
    capacity: usize,
    write_content: impl FnOnce(&mut Vec<u8>) -> Result<(), CodecError>,
) -> Result<Vec<u8>, CryptoError> {
    let mut out = Vec::with_capacity(4 + LABEL_PREFIX.len() + label.len() + 4 + capacity);
    encode_prefixed_label(label, &mut out)?;
    encode_vector(&mut out, write_content)?;
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

/// `ExpandWithLabel(Secret, Label, Context, Length)` (RFC 9420 §8) for each
/// `(Label, Context, Length)` of `requests`, all from the same `secret`, as RFC 9420 does for
/// the key, nonce and next secret of a ratchet generation (§9.1) or the sender data key and
/// nonce (§6.3.2): one [`Secret`] per request, in order, equal to what [`expand_with_label`]
/// returns for it.
///
/// The KDFLabels are encoded into one buffer and expanded with
/// [`CipherSuiteProvider::kdf_expand_many`], so that a provider keys HMAC with `secret` once.
pub fn expand_with_labels<const N: usize>(
    suite: &dyn CipherSuiteProvider,
    secret: &[u8],
    requests: [(&str, &[u8], usize); N],
) -> Result<[Secret; N], CryptoError> {
    let capacity = requests
        .iter()
        .map(|&(label, context, _)| kdf_label_len(label, context))
        .sum();
    let mut infos = Vec::with_capacity(capacity);
    let mut ends = [0; N];
    for (end, &(label, context, length)) in ends.iter_mut().zip(&requests) {
        let length16 =
            u16::try_from(length).map_err(|_| CryptoError::KdfOutputTooLong { length })?;
        write_kdf_label(label, context, length16, &mut infos)?;
        *end = infos.len();
    }
    let mut rest = infos.as_slice();
    let mut start = 0;
    let pieces: [(&[u8], usize); N] = std::array::from_fn(|i| {
        let (info, tail) = rest.split_at(ends[i] - start);
        (start, rest) = (ends[i], tail);
        (info, requests[i].2)
    });
    let secrets = suite.kdf_expand_many(secret, &pieces)?;
    let actual = secrets.len();
    secrets.try_into().map_err(|_| CryptoError::InvalidLength {
        what: "KDF.Expand outputs",
        expected: N,
        actual,
    })
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

/// [`sign_with_label`] for a Content that `write_content` appends to the encoded
/// `SignContent` in place, so that a large Content (a message's FramedContentTBS) is encoded
/// once, into a buffer of about `capacity` bytes, rather than encoded and then copied.
pub fn sign_with_label_writing(
    signer: &dyn Signer,
    label: &str,
    capacity: usize,
    write_content: impl FnOnce(&mut Vec<u8>) -> Result<(), CodecError>,
) -> Result<Vec<u8>, CryptoError> {
    signer.sign(&labeled_content_writing(label, capacity, write_content)?)
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

/// [`verify_with_label`] with a prepared key, for a Content given in pieces
/// (`content_parts[0] || content_parts[1] || ...`), so that a large Content (a received
/// commit's FramedContentTBS, whose body is hashed where it was decrypted) is not copied into
/// one buffer. Only the label and the Content's length header are encoded here.
pub fn verify_with_label_concat(
    suite: &dyn CipherSuiteProvider,
    key: &VerifyingKey,
    label: &str,
    content_parts: &[&[u8]],
    signature: &[u8],
) -> Result<(), CryptoError> {
    let mut prefix = Vec::with_capacity(4 + LABEL_PREFIX.len() + label.len() + 4);
    encode_prefixed_label(label, &mut prefix)?;
    varint::write(
        content_parts.iter().map(|part| part.len()).sum(),
        &mut prefix,
    )?;
    let mut parts = Vec::with_capacity(1 + content_parts.len());
    parts.push(prefix.as_slice());
    parts.extend_from_slice(content_parts);
    suite.verify_with_key(key, &parts, signature)
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
    fn sign_content_written_in_place_matches_the_codec_struct() {
        // Contents whose length prefix takes 1, 2 and 4 bytes, with a capacity guess too
        // small, exact and too large.
        for len in [0, 63, 64, 16_383, 16_384, 70_000] {
            let content = vec![3u8; len];
            let expected = SignContent {
                label: prefixed("FramedContentTBS"),
                content: VarBytes(content.clone()),
            }
            .to_bytes()
            .unwrap();
            for capacity in [0, len, 2 * len + 10] {
                let out = labeled_content_writing("FramedContentTBS", capacity, |out| {
                    out.extend_from_slice(&content);
                    Ok(())
                })
                .unwrap();
                assert_eq!(out, expected);
            }
        }
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
