//! The confirmed and interim transcript hashes and the confirmation tag (RFC 9420 §8.1, §8.2).
//!
//! ```text
//! confirmed_transcript_hash_[n] = Hash(interim_transcript_hash_[n-1] ||
//!                                      ConfirmedTranscriptHashInput_[n])
//! interim_transcript_hash_[n]   = Hash(confirmed_transcript_hash_[n] ||
//!                                      InterimTranscriptHashInput_[n])
//! confirmation_tag              = MAC(confirmation_key, confirmed_transcript_hash)
//! ```
//!
//! A group's first epoch has empty transcript hashes; a joiner takes the confirmed hash and
//! the confirmation tag from the GroupInfo and computes the interim hash
//! ([`TranscriptHashes::from_group_info`]).

use mls_codec::{
    AuthenticatedContent, CodecError, ContentType, Decode, Encode, FramedContent, Reader,
    SecretWriter, StateDecode, StateEncode, VarBytes, WireFormat, encode_opaque,
};
use mls_crypto::{CipherSuiteParams, CipherSuiteProvider, CryptoError, Secret};

use crate::KeyScheduleError;
use crate::storage::invalid;

/// `Hash(interim_transcript_hash_before || ConfirmedTranscriptHashInput)` (RFC 9420 §8.2),
/// where the input is the commit's wire format, framed content and signature.
///
/// The content must be a commit ([`KeyScheduleError::NotACommit`]).
pub fn confirmed_transcript_hash(
    suite: &dyn CipherSuiteProvider,
    interim_transcript_hash_before: &[u8],
    wire_format: WireFormat,
    content: &FramedContent,
    signature: &[u8],
) -> Result<Vec<u8>, KeyScheduleError> {
    confirmed_transcript_hash_of_encoded(
        suite,
        interim_transcript_hash_before,
        wire_format,
        content.content_type(),
        &[&content.to_bytes()?],
        signature,
    )
}

/// [`confirmed_transcript_hash`] of a content of type `content_type` given by its encoding,
/// `content_parts[0] || content_parts[1] || ...`: a received commit is hashed where it was
/// decrypted, without being encoded again or copied.
pub fn confirmed_transcript_hash_of_encoded(
    suite: &dyn CipherSuiteProvider,
    interim_transcript_hash_before: &[u8],
    wire_format: WireFormat,
    content_type: ContentType,
    content_parts: &[&[u8]],
    signature: &[u8],
) -> Result<Vec<u8>, KeyScheduleError> {
    if content_type != ContentType::Commit {
        return Err(KeyScheduleError::NotACommit);
    }
    // ConfirmedTranscriptHashInput = wire_format || content || signature<V>, after the
    // interim hash.
    let mut head = interim_transcript_hash_before.to_vec();
    wire_format.encode(&mut head)?;
    let mut tail = Vec::with_capacity(signature.len() + 4);
    encode_opaque(signature, &mut tail)?;
    let mut parts = Vec::with_capacity(content_parts.len() + 2);
    parts.push(head.as_slice());
    parts.extend_from_slice(content_parts);
    parts.push(tail.as_slice());
    Ok(suite.hash_concat(&parts))
}

/// `Hash(confirmed_transcript_hash || InterimTranscriptHashInput)` (RFC 9420 §8.2), where the
/// input is the commit's confirmation tag.
pub fn interim_transcript_hash(
    suite: &dyn CipherSuiteProvider,
    confirmed_transcript_hash: &[u8],
    confirmation_tag: &[u8],
) -> Result<Vec<u8>, KeyScheduleError> {
    let mut input = confirmed_transcript_hash.to_vec();
    encode_opaque(confirmation_tag, &mut input)?;
    Ok(suite.hash(&input))
}

/// `confirmation_tag = MAC(confirmation_key, confirmed_transcript_hash)` (RFC 9420 §8.1).
pub fn confirmation_tag(
    suite: &dyn CipherSuiteProvider,
    confirmation_key: &Secret,
    confirmed_transcript_hash: &[u8],
) -> Vec<u8> {
    suite.mac(confirmation_key.as_bytes(), confirmed_transcript_hash)
}

/// Checks in constant time that `tag` is the confirmation tag of `confirmed_transcript_hash`
/// (RFC 9420 §8.1, §12.4.2); [`KeyScheduleError::InvalidConfirmationTag`] otherwise.
pub fn verify_confirmation_tag(
    suite: &dyn CipherSuiteProvider,
    confirmation_key: &Secret,
    confirmed_transcript_hash: &[u8],
    tag: &[u8],
) -> Result<(), KeyScheduleError> {
    suite
        .verify_mac(confirmation_key.as_bytes(), confirmed_transcript_hash, tag)
        .map_err(|error| match error {
            CryptoError::InvalidMac => KeyScheduleError::InvalidConfirmationTag,
            other => KeyScheduleError::Crypto(other),
        })
}

/// The two transcript hashes of an epoch (RFC 9420 §8.2).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TranscriptHashes {
    /// The confirmed transcript hash, which the GroupContext carries.
    pub confirmed: Vec<u8>,
    /// The interim transcript hash, from which the next epoch's confirmed hash is computed.
    pub interim: Vec<u8>,
}

impl TranscriptHashes {
    /// The transcript hashes of a group's first epoch: both empty (RFC 9420 §8.2, §11).
    pub fn initial() -> Self {
        Self::default()
    }

    /// The transcript hashes of a joiner, from the GroupInfo's confirmed transcript hash (in
    /// its GroupContext) and confirmation tag (RFC 9420 §8.2, §12.4.3.1).
    pub fn from_group_info(
        suite: &dyn CipherSuiteProvider,
        confirmed_transcript_hash: &[u8],
        confirmation_tag: &[u8],
    ) -> Result<Self, KeyScheduleError> {
        Ok(Self {
            confirmed: confirmed_transcript_hash.to_vec(),
            interim: interim_transcript_hash(suite, confirmed_transcript_hash, confirmation_tag)?,
        })
    }

    /// The transcript hashes after the commit `commit` (RFC 9420 §8.2). `self` is not changed.
    ///
    /// The content must be a commit with its confirmation tag. The tag itself is checked by
    /// [`verify_confirmation_tag`] once the new epoch's confirmation key is known.
    pub fn after_commit(
        &self,
        suite: &dyn CipherSuiteProvider,
        commit: &AuthenticatedContent,
    ) -> Result<Self, KeyScheduleError> {
        self.after_encoded_commit(suite, commit, &[&commit.content.to_bytes()?])
    }

    /// [`Self::after_commit`] for a commit whose FramedContent is encoded as
    /// `encoded_content[0] || encoded_content[1] || ...`, as it was received (see
    /// [`confirmed_transcript_hash_of_encoded`]). The encoding must be that of
    /// `commit.content`.
    pub fn after_encoded_commit(
        &self,
        suite: &dyn CipherSuiteProvider,
        commit: &AuthenticatedContent,
        encoded_content: &[&[u8]],
    ) -> Result<Self, KeyScheduleError> {
        let confirmed = confirmed_transcript_hash_of_encoded(
            suite,
            &self.interim,
            commit.wire_format,
            commit.content.content_type(),
            encoded_content,
            commit.auth.signature.as_slice(),
        )?;
        let tag = commit
            .auth
            .confirmation_tag
            .as_ref()
            .ok_or(KeyScheduleError::MissingConfirmationTag)?;
        let interim = interim_transcript_hash(suite, &confirmed, tag.as_slice())?;
        Ok(Self { confirmed, interim })
    }
}

/// Storage encoding (not an RFC 9420 wire struct): the transcript hashes of an epoch, for
/// saving and loading a member's group state, in the TLS presentation language (RFC 9420
/// §2.1):
///
/// ```text
/// struct {
///     opaque confirmed_transcript_hash<V>;
///     opaque interim_transcript_hash<V>;
/// } TranscriptHashesState;
/// ```
///
/// Each hash is empty (a group's first epoch, §8.2, §11) or as long as the hash of a suite
/// RFC 9420 registers (32, 48 or 64 bytes), and two non-empty hashes have the same length;
/// encoding and decoding check this ([`CodecError::InvalidField`] otherwise). The hashes are
/// public values.
impl StateEncode for TranscriptHashes {
    fn encode_state(&self, out: &mut SecretWriter) -> Result<(), CodecError> {
        self.check_storage()?;
        out.put_opaque(&self.confirmed)?;
        out.put_opaque(&self.interim)
    }
}

/// Decodes the storage encoding above, checking the lengths; never panics and allocates no
/// more than the input holds.
impl StateDecode for TranscriptHashes {
    fn decode_state(reader: &mut Reader<'_>) -> Result<Self, CodecError> {
        let hashes = Self {
            confirmed: VarBytes::decode(reader)?.into_vec(),
            interim: VarBytes::decode(reader)?.into_vec(),
        };
        hashes.check_storage()?;
        Ok(hashes)
    }
}

impl TranscriptHashes {
    /// The invariants the storage encoding checks.
    fn check_storage(&self) -> Result<(), CodecError> {
        let is_hash_len = |len: usize| CipherSuiteParams::all().iter().any(|p| p.hash_len() == len);
        for hash in [&self.confirmed, &self.interim] {
            if !hash.is_empty() && !is_hash_len(hash.len()) {
                return Err(invalid(
                    "TranscriptHashes",
                    "a hash is neither empty nor KDF.Nh bytes of a registered suite",
                ));
            }
        }
        if !self.confirmed.is_empty()
            && !self.interim.is_empty()
            && self.confirmed.len() != self.interim.len()
        {
            return Err(invalid(
                "TranscriptHashes",
                "confirmed and interim hashes have different lengths",
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mls_codec::{
        CipherSuite, Commit, ConfirmedTranscriptHashInput, FramedContentBody,
        InterimTranscriptHashInput, LeafIndex, Sender, VarBytes,
    };
    use mls_crypto::CryptoProvider;
    use mls_crypto_rustcrypto::RustCryptoProvider;

    fn suite() -> &'static dyn CipherSuiteProvider {
        static PROVIDER: RustCryptoProvider = RustCryptoProvider::new();
        PROVIDER
            .suite(CipherSuite::MLS_128_DHKEMX25519_AES128GCM_SHA256_ED25519)
            .unwrap()
    }

    fn content(body: FramedContentBody) -> FramedContent {
        FramedContent {
            group_id: VarBytes::from(b"group"),
            epoch: 3,
            sender: Sender::Member(LeafIndex(1)),
            authenticated_data: VarBytes::default(),
            content: body,
        }
    }

    fn commit() -> FramedContentBody {
        FramedContentBody::Commit(Commit {
            proposals: Vec::new(),
            path: None,
        })
    }

    #[test]
    fn hashes_cover_the_codec_structs() {
        let s = suite();
        let content = content(commit());
        let input = ConfirmedTranscriptHashInput {
            wire_format: WireFormat::MLS_PUBLIC_MESSAGE,
            content: content.clone(),
            signature: VarBytes(vec![9; 70]),
        };
        let mut expected = b"interim".to_vec();
        expected.extend(input.to_bytes().unwrap());
        let confirmed = confirmed_transcript_hash(
            s,
            b"interim",
            WireFormat::MLS_PUBLIC_MESSAGE,
            &content,
            &[9; 70],
        )
        .unwrap();
        assert_eq!(confirmed, s.hash(&expected));

        let tag = InterimTranscriptHashInput {
            confirmation_tag: VarBytes(vec![5; 32]),
        };
        let mut expected = confirmed.clone();
        expected.extend(tag.to_bytes().unwrap());
        assert_eq!(
            interim_transcript_hash(s, &confirmed, &[5; 32]).unwrap(),
            s.hash(&expected)
        );
    }

    #[test]
    fn only_commits_update_the_transcript() {
        let s = suite();
        let application = content(FramedContentBody::Application(VarBytes::from(b"hi")));
        assert_eq!(
            confirmed_transcript_hash(s, &[], WireFormat::MLS_PUBLIC_MESSAGE, &application, &[]),
            Err(KeyScheduleError::NotACommit)
        );
        let mut commit = AuthenticatedContent {
            wire_format: WireFormat::MLS_PUBLIC_MESSAGE,
            content: content(commit()),
            auth: mls_codec::FramedContentAuthData {
                signature: VarBytes::from(b"sig"),
                confirmation_tag: Some(VarBytes(vec![1; 32])),
            },
        };
        let before = TranscriptHashes::initial();
        let after = before.after_commit(s, &commit).unwrap();
        assert_eq!(after.confirmed.len(), 32);
        assert_eq!(
            after,
            TranscriptHashes::from_group_info(s, &after.confirmed, &[1; 32]).unwrap()
        );
        commit.auth.confirmation_tag = None;
        assert_eq!(
            before.after_commit(s, &commit),
            Err(KeyScheduleError::MissingConfirmationTag)
        );
    }

    #[test]
    fn confirmation_tags_verify_and_wrong_ones_do_not() {
        let s = suite();
        let key = Secret::new(vec![3; 32]);
        let tag = confirmation_tag(s, &key, b"confirmed");
        assert_eq!(verify_confirmation_tag(s, &key, b"confirmed", &tag), Ok(()));
        let mut wrong = tag.clone();
        wrong[0] ^= 1;
        assert_eq!(
            verify_confirmation_tag(s, &key, b"confirmed", &wrong),
            Err(KeyScheduleError::InvalidConfirmationTag)
        );
        assert_eq!(
            verify_confirmation_tag(s, &key, b"confirmed", &tag[..31]),
            Err(KeyScheduleError::InvalidConfirmationTag)
        );
    }

    #[test]
    fn transcript_hashes_round_trip_through_storage() {
        let s = suite();
        let created = TranscriptHashes::from_group_info(s, &[], &[7; 32]).unwrap();
        let commit = AuthenticatedContent {
            wire_format: WireFormat::MLS_PRIVATE_MESSAGE,
            content: content(commit()),
            auth: mls_codec::FramedContentAuthData {
                signature: VarBytes::from(b"sig"),
                confirmation_tag: Some(VarBytes(vec![1; 32])),
            },
        };
        let after = created.after_commit(s, &commit).unwrap();
        let wide = TranscriptHashes {
            confirmed: vec![1; 64],
            interim: vec![2; 64],
        };
        for hashes in [TranscriptHashes::initial(), created, after, wide] {
            let bytes = hashes.to_state_bytes().unwrap();
            assert_eq!(
                bytes.len(),
                // A varint header of 1 byte below 64 bytes, of 2 from 64 (§2.1.2).
                [&hashes.confirmed, &hashes.interim]
                    .iter()
                    .map(|hash| hash.len() + if hash.len() < 64 { 1 } else { 2 })
                    .sum::<usize>()
            );
            let loaded = TranscriptHashes::from_state_bytes(&bytes).unwrap();
            assert_eq!(loaded, hashes);
            assert_eq!(loaded.to_state_bytes().unwrap(), bytes);
            for len in 0..bytes.len() {
                assert!(TranscriptHashes::from_state_bytes(&bytes[..len]).is_err());
            }
        }
        assert_eq!(
            TranscriptHashes::initial()
                .to_state_bytes()
                .unwrap()
                .as_slice(),
            [0, 0]
        );
    }

    #[test]
    fn transcript_hashes_of_impossible_lengths_are_rejected() {
        let invalid = [
            (vec![1; 31], vec![2; 32]),
            (vec![1; 32], vec![2; 33]),
            (vec![], vec![2; 65]),
            (vec![1; 32], vec![2; 48]),
        ];
        for (confirmed, interim) in invalid {
            let hashes = TranscriptHashes { confirmed, interim };
            assert!(matches!(
                hashes.to_state_bytes(),
                Err(CodecError::InvalidField { .. })
            ));
            let mut bytes = Vec::new();
            encode_opaque(&hashes.confirmed, &mut bytes).unwrap();
            encode_opaque(&hashes.interim, &mut bytes).unwrap();
            assert!(matches!(
                TranscriptHashes::from_state_bytes(&bytes),
                Err(CodecError::InvalidField { .. })
            ));
        }
        // A confirmed hash without an interim one is what a joiner of epoch 0 would hold.
        let one_sided = TranscriptHashes {
            confirmed: vec![1; 48],
            interim: Vec::new(),
        };
        let bytes = one_sided.to_state_bytes().unwrap();
        assert_eq!(
            TranscriptHashes::from_state_bytes(&bytes).unwrap(),
            one_sided
        );
        assert_eq!(
            TranscriptHashes::from_state_bytes(&[0, 0, 0]),
            Err(CodecError::TrailingBytes { count: 1 })
        );
    }
}
