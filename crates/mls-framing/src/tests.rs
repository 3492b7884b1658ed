//! Round trips and tamper tests of both wire formats.

use mls_codec::{
    CipherSuite, Commit, ContentType, FramedContent, FramedContentBody, PrivateMessage, Proposal,
    Remove, Sender, VarBytes,
};
use mls_crypto::{CipherSuiteProvider, CryptoProvider, SignatureKeyPair};
use mls_crypto_rustcrypto::RustCryptoProvider;

use crate::FramingError;
use crate::private::{self, PrivateEpoch, RatchetKey};
use crate::public::{self, PublicEpoch};

const GROUP_CONTEXT: &[u8] = b"the encoded group context";
const MEMBERSHIP_KEY: &[u8] = &[9; 32];
const SENDER_DATA_SECRET: &[u8] = &[5; 32];
const KEY: &[u8] = &[1; 16];
const NONCE: &[u8] = &[2; 12];

fn suite() -> &'static dyn CipherSuiteProvider {
    RustCryptoProvider
        .suite(CipherSuite::MLS_128_DHKEMX25519_AES128GCM_SHA256_ED25519)
        .unwrap()
}

fn new_keys() -> SignatureKeyPair {
    suite().generate_signature_key_pair().unwrap()
}

fn content(sender: Sender, body: FramedContentBody) -> FramedContent {
    FramedContent {
        group_id: VarBytes::from(b"group"),
        epoch: 4,
        sender,
        authenticated_data: VarBytes::from(b"aad"),
        content: body,
    }
}

fn proposal() -> FramedContentBody {
    FramedContentBody::Proposal(Proposal::Remove(Remove { removed: 3 }))
}

fn public_epoch() -> PublicEpoch<'static> {
    PublicEpoch {
        suite: suite(),
        group_context: GROUP_CONTEXT,
        membership_key: Some(MEMBERSHIP_KEY),
    }
}

fn private_epoch() -> PrivateEpoch<'static> {
    PrivateEpoch {
        suite: suite(),
        group_context: GROUP_CONTEXT,
        sender_data_secret: SENDER_DATA_SECRET,
    }
}

fn ratchet_key() -> RatchetKey<'static> {
    RatchetKey {
        generation: 7,
        key: KEY,
        nonce: NONCE,
    }
}

#[test]
fn public_message_round_trips_and_detects_tampering() {
    let keys = new_keys();
    let signer = suite().signer(&keys.private_key).unwrap();
    let sent = content(Sender::Member(1), proposal());
    let message = public::protect(public_epoch(), &*signer, sent.clone(), None).unwrap();
    let received = public::unprotect(public_epoch(), &message, &keys.public_key).unwrap();
    assert_eq!(received.content, sent);

    let mut bad_tag = message.clone();
    if let Some(tag) = bad_tag.membership_tag.as_mut() {
        tag.0[0] ^= 1;
    }
    assert!(matches!(
        public::unprotect(public_epoch(), &bad_tag, &keys.public_key),
        Err(FramingError::InvalidMembershipTag)
    ));

    let mut bad_aad = message.clone();
    bad_aad.content.authenticated_data = VarBytes::from(b"AAD");
    assert!(matches!(
        public::unprotect(public_epoch(), &bad_aad, &keys.public_key),
        Err(FramingError::InvalidMembershipTag)
    ));

    // A valid membership tag but a signature by someone else.
    let other = new_keys(); // a fresh, unrelated key pair
    assert!(matches!(
        public::unprotect(public_epoch(), &message, &other.public_key),
        Err(FramingError::InvalidSignature)
    ));
}

#[test]
fn external_sender_signature_is_checked_without_membership_tag() {
    let keys = new_keys();
    let signer = suite().signer(&keys.private_key).unwrap();
    let sent = content(Sender::External(0), proposal());
    let mut message = public::protect(public_epoch(), &*signer, sent, None).unwrap();
    assert!(message.membership_tag.is_none());
    assert!(public::unprotect(public_epoch(), &message, &keys.public_key).is_ok());
    message.auth.signature.0[3] ^= 0x10;
    assert!(matches!(
        public::unprotect(public_epoch(), &message, &keys.public_key),
        Err(FramingError::InvalidSignature)
    ));
}

#[test]
fn application_data_is_refused_as_public_message() {
    let keys = new_keys();
    let signer = suite().signer(&keys.private_key).unwrap();
    let sent = content(
        Sender::Member(0),
        FramedContentBody::Application(VarBytes::from(b"hi")),
    );
    assert!(matches!(
        public::protect(public_epoch(), &*signer, sent, None),
        Err(FramingError::ContentTypeNotAllowed {
            content_type: ContentType::Application,
            ..
        })
    ));
}

#[test]
fn commits_need_exactly_a_confirmation_tag() {
    let keys = new_keys();
    let signer = suite().signer(&keys.private_key).unwrap();
    let commit = content(
        Sender::Member(0),
        FramedContentBody::Commit(Commit {
            proposals: vec![],
            path: None,
        }),
    );
    assert!(matches!(
        public::protect(public_epoch(), &*signer, commit, None),
        Err(FramingError::ConfirmationTagMismatch)
    ));
    let proposal = content(Sender::Member(0), proposal());
    assert!(matches!(
        public::protect(
            public_epoch(),
            &*signer,
            proposal,
            Some(VarBytes::from(b"t"))
        ),
        Err(FramingError::ConfirmationTagMismatch)
    ));
}

fn sent_private(padding: usize) -> (SignatureKeyPair, FramedContent, PrivateMessage) {
    let keys = new_keys();
    let signer = suite().signer(&keys.private_key).unwrap();
    let sent = content(
        Sender::Member(1),
        FramedContentBody::Application(VarBytes::from(b"hello, group")),
    );
    let message = private::protect(
        private_epoch(),
        &*signer,
        sent.clone(),
        None,
        ratchet_key(),
        padding,
    )
    .unwrap();
    (keys, sent, message)
}

fn receive(
    message: &PrivateMessage,
    keys: &SignatureKeyPair,
) -> Result<FramedContent, FramingError> {
    let sender_data = private::decrypt_sender_data(private_epoch(), message)?;
    private::open(
        private_epoch(),
        message,
        &sender_data,
        ratchet_key(),
        &keys.public_key,
    )
    .map(|authenticated| authenticated.content)
}

#[test]
fn private_message_round_trips_with_padding() {
    let (keys, sent, message) = sent_private(100);
    let sender_data = private::decrypt_sender_data(private_epoch(), &message).unwrap();
    assert_eq!((sender_data.leaf_index, sender_data.generation), (1, 7));
    assert_eq!(receive(&message, &keys).unwrap(), sent);
}

#[test]
fn tampered_private_messages_are_rejected_with_their_error() {
    let (keys, _, message) = sent_private(0);

    let mut ciphertext = message.clone();
    ciphertext.ciphertext.0[20] ^= 1;
    // The sample of the ciphertext changed, so the sender data key did too.
    assert!(matches!(
        receive(&ciphertext, &keys),
        Err(FramingError::SenderDataDecryptionFailed)
    ));

    let mut tail = message.clone();
    let last = tail.ciphertext.0.len() - 1;
    tail.ciphertext.0[last] ^= 1;
    assert!(matches!(
        receive(&tail, &keys),
        Err(FramingError::ContentDecryptionFailed)
    ));

    let mut aad = message.clone();
    aad.authenticated_data = VarBytes::from(b"other");
    assert!(matches!(
        receive(&aad, &keys),
        Err(FramingError::ContentDecryptionFailed)
    ));

    let mut sender_data = message.clone();
    sender_data.encrypted_sender_data.0[0] ^= 1;
    assert!(matches!(
        receive(&sender_data, &keys),
        Err(FramingError::SenderDataDecryptionFailed)
    ));

    let mut epoch = message.clone();
    epoch.epoch += 1;
    assert!(matches!(
        receive(&epoch, &keys),
        Err(FramingError::SenderDataDecryptionFailed)
    ));

    assert!(matches!(
        receive(&message, &new_keys()),
        Err(FramingError::InvalidSignature)
    ));
}

#[test]
fn non_zero_padding_is_rejected() {
    // Encrypt a plaintext whose padding has a non-zero byte, as a malicious sender could.
    let (keys, _, message) = sent_private(4);
    let sender_data = private::decrypt_sender_data(private_epoch(), &message).unwrap();
    let nonce: Vec<u8> = NONCE
        .iter()
        .zip(sender_data.reuse_guard.iter().chain(std::iter::repeat(&0)))
        .map(|(n, g)| n ^ g)
        .collect();
    let aad = mls_codec::Encode::to_bytes(&mls_codec::PrivateContentAad {
        group_id: message.group_id.clone(),
        epoch: message.epoch,
        content_type: message.content_type,
        authenticated_data: message.authenticated_data.clone(),
    })
    .unwrap();
    let mut plaintext = suite()
        .aead_open(KEY, &nonce, &aad, &message.ciphertext)
        .unwrap()
        .to_vec();
    let last = plaintext.len() - 1;
    plaintext[last] = 1;
    let mut forged = message.clone();
    forged.ciphertext = VarBytes(suite().aead_seal(KEY, &nonce, &aad, &plaintext).unwrap());
    // Re-encrypt the sender data under the new ciphertext sample.
    let (sd_key, sd_nonce) = private::sender_data_key(private_epoch(), &forged.ciphertext).unwrap();
    let sd_aad = mls_codec::Encode::to_bytes(&mls_codec::SenderDataAad {
        group_id: message.group_id.clone(),
        epoch: message.epoch,
        content_type: message.content_type,
    })
    .unwrap();
    forged.encrypted_sender_data = VarBytes(
        suite()
            .aead_seal(
                sd_key.as_bytes(),
                sd_nonce.as_bytes(),
                &sd_aad,
                &mls_codec::Encode::to_bytes(&sender_data).unwrap(),
            )
            .unwrap(),
    );
    assert!(matches!(
        receive(&forged, &keys),
        Err(FramingError::Codec(
            mls_codec::CodecError::NonZeroPadding { .. }
        ))
    ));
}
