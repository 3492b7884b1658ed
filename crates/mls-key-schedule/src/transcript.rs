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
    AuthenticatedContent, ContentType, Encode, FramedContent, WireFormat, encode_opaque,
};
use mls_crypto::{CipherSuiteProvider, CryptoError, Secret};

use crate::KeyScheduleError;

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
    if content.content_type() != ContentType::Commit {
        return Err(KeyScheduleError::NotACommit);
    }
    // The encoding of ConfirmedTranscriptHashInput, written field by field after the interim
    // hash so that the content is not copied into a struct first.
    let mut input = interim_transcript_hash_before.to_vec();
    wire_format.encode(&mut input)?;
    content.encode(&mut input)?;
    encode_opaque(signature, &mut input)?;
    Ok(suite.hash(&input))
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
        let confirmed = confirmed_transcript_hash(
            suite,
            &self.interim,
            commit.wire_format,
            &commit.content,
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

#[cfg(test)]
mod tests {
    use super::*;
    use mls_codec::{
        CipherSuite, Commit, ConfirmedTranscriptHashInput, FramedContentBody,
        InterimTranscriptHashInput, Sender, VarBytes,
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
            sender: Sender::Member(1),
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
}
