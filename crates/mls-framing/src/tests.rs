//! Round trips and tamper tests of both wire formats.

use std::sync::LazyLock;

use mls_codec::{
    CipherSuite, Commit, ContentType, FramedContent, FramedContentBody, LeafIndex, PrivateMessage,
    Proposal, Remove, Sender, VarBytes,
};
use mls_crypto::{CipherSuiteProvider, CryptoProvider, Secret, SignatureKeyPair};
use mls_crypto_rustcrypto::RustCryptoProvider;
use mls_key_schedule::{KeyScheduleError, MessageKey, RatchetKind, SecretTree, SenderDataKey};
use mls_tree::TreeSize;

use crate::FramingError;
use crate::private::{self, PrivateEpoch};
use crate::public::{self, PublicEpoch};

const GROUP_CONTEXT: &[u8] = b"the encoded group context";
static MEMBERSHIP_KEY: LazyLock<Secret> = LazyLock::new(|| Secret::new(vec![9; 32]));
static SENDER_DATA_SECRET: LazyLock<Secret> = LazyLock::new(|| Secret::new(vec![5; 32]));
const ENCRYPTION_SECRET: &[u8] = &[6; 32];
/// The sender of every PrivateMessage here, in a tree of two leaves.
const SENDER: u32 = 1;

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
        membership_key: Some(&MEMBERSHIP_KEY),
    }
}

fn private_epoch() -> PrivateEpoch<'static> {
    PrivateEpoch {
        suite: suite(),
        group_context: GROUP_CONTEXT,
        sender_data_secret: &SENDER_DATA_SECRET,
    }
}

/// A fresh secret tree of the epoch: every member builds the same one (RFC 9420 §9).
fn secret_tree() -> SecretTree {
    SecretTree::new(
        suite(),
        Secret::from_slice(ENCRYPTION_SECRET),
        TreeSize::for_leaves(2).unwrap(),
    )
}

#[test]
fn public_message_round_trips_and_detects_tampering() {
    let keys = new_keys();
    let signer = suite().signer(&keys.private_key).unwrap();
    let sent = content(Sender::Member(LeafIndex(1)), proposal());
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
        Sender::Member(LeafIndex(0)),
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
        Sender::Member(LeafIndex(0)),
        FramedContentBody::Commit(Commit {
            proposals: vec![],
            path: None,
        }),
    );
    assert!(matches!(
        public::protect(public_epoch(), &*signer, commit, None),
        Err(FramingError::ConfirmationTagMismatch)
    ));
    let proposal = content(Sender::Member(LeafIndex(0)), proposal());
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

fn application(data: &[u8]) -> FramedContent {
    content(
        Sender::Member(LeafIndex(SENDER)),
        FramedContentBody::Application(VarBytes::from(data)),
    )
}

/// Protects `sent` with the sender's next key of the ratchet for its content type.
fn protect_from(
    tree: &mut SecretTree,
    keys: &SignatureKeyPair,
    sent: FramedContent,
    confirmation_tag: Option<VarBytes>,
    padding: usize,
) -> PrivateMessage {
    let signer = suite().signer(&keys.private_key).unwrap();
    let kind = RatchetKind::for_content_type(sent.content_type());
    let key = tree.encryption_key(suite(), SENDER, kind).unwrap();
    private::protect(
        private_epoch(),
        &*signer,
        sent,
        confirmation_tag,
        &key,
        padding,
    )
    .unwrap()
}

fn sent_private(padding: usize) -> (SignatureKeyPair, FramedContent, PrivateMessage) {
    let keys = new_keys();
    let sent = application(b"hello, group");
    let message = protect_from(&mut secret_tree(), &keys, sent.clone(), None, padding);
    (keys, sent, message)
}

/// Receives `message` as a group engine does: decrypt the sender data, stage the sender's key,
/// open the message with it, and commit (delete) the key only if the message was accepted.
fn receive_with(
    tree: &mut SecretTree,
    message: &PrivateMessage,
    signature_key: &[u8],
) -> Result<FramedContent, FramingError> {
    let sender_data = private::decrypt_sender_data(private_epoch(), message)?;
    let kind = RatchetKind::for_content_type(message.content_type);
    let staged = tree.stage_decryption_key(
        suite(),
        sender_data.leaf_index,
        kind,
        sender_data.generation,
    )?;
    let authenticated = private::open(
        private_epoch(),
        message,
        &sender_data,
        staged.key(),
        signature_key,
    )?;
    staged.commit();
    Ok(authenticated.content)
}

/// Receives `message` with a fresh secret tree.
fn receive(
    message: &PrivateMessage,
    keys: &SignatureKeyPair,
) -> Result<FramedContent, FramingError> {
    receive_with(&mut secret_tree(), message, &keys.public_key)
}

/// The receiver's key of `generation` of the sender's application ratchet.
fn application_key(generation: u32) -> MessageKey {
    secret_tree()
        .decryption_key(suite(), SENDER, RatchetKind::Application, generation)
        .unwrap()
}

#[test]
fn private_message_round_trips_with_padding() {
    let (keys, sent, message) = sent_private(100);
    let sender_data = private::decrypt_sender_data(private_epoch(), &message).unwrap();
    assert_eq!(
        (sender_data.leaf_index, sender_data.generation),
        (SENDER, 0)
    );
    assert_eq!(receive(&message, &keys).unwrap(), sent);
}

#[test]
fn handshake_and_application_ratchets_advance_separately() {
    let keys = new_keys();
    let mut sender = secret_tree();
    let mut receiver = secret_tree();
    let commit = content(
        Sender::Member(LeafIndex(SENDER)),
        FramedContentBody::Commit(Commit {
            proposals: vec![],
            path: None,
        }),
    );
    let tag = Some(VarBytes::from(&[3; 32]));
    let sent = [
        (application(b"a0"), None),
        (application(b"a1"), None),
        (content(Sender::Member(LeafIndex(SENDER)), proposal()), None),
        (commit, tag),
        (application(b"a2"), None),
    ];
    let messages: Vec<(FramedContent, PrivateMessage)> = sent
        .into_iter()
        .map(|(content, tag)| {
            let message = protect_from(&mut sender, &keys, content.clone(), tag, 0);
            (content, message)
        })
        .collect();
    let generations: Vec<u32> = messages
        .iter()
        .map(|(_, m)| {
            private::decrypt_sender_data(private_epoch(), m)
                .unwrap()
                .generation
        })
        .collect();
    assert_eq!(generations, [0, 1, 0, 1, 2]);
    // Out of order: the receiver keeps the keys of skipped generations.
    for index in [4, 0, 3, 1, 2] {
        let (content, message) = &messages[index];
        assert_eq!(
            &receive_with(&mut receiver, message, &keys.public_key).unwrap(),
            content
        );
    }
    assert_eq!(receiver.skipped_keys(SENDER, RatchetKind::Application), 0);
    assert_eq!(receiver.skipped_keys(SENDER, RatchetKind::Handshake), 0);
}

#[test]
fn a_key_of_another_generation_is_refused() {
    let (keys, _, message) = sent_private(0);
    let sender_data = private::decrypt_sender_data(private_epoch(), &message).unwrap();
    assert!(matches!(
        private::open(
            private_epoch(),
            &message,
            &sender_data,
            &application_key(1),
            &keys.public_key
        ),
        Err(FramingError::GenerationMismatch {
            expected: 0,
            actual: 1
        })
    ));
}

#[test]
fn a_rejected_message_does_not_consume_its_generation() {
    let keys = new_keys();
    let mut sender = secret_tree();
    let mut receiver = secret_tree();
    let sent = application(b"only once");
    let message = protect_from(&mut sender, &keys, sent.clone(), None, 0);

    // A forged signature: the content decrypts but does not verify.
    let impostor = new_keys();
    assert!(matches!(
        receive_with(&mut receiver, &message, &impostor.public_key),
        Err(FramingError::InvalidSignature)
    ));
    // A corrupted content ciphertext (its sample, and so the sender data, intact).
    let mut corrupted = message.clone();
    let last = corrupted.ciphertext.0.len() - 1;
    corrupted.ciphertext.0[last] ^= 1;
    assert!(matches!(
        receive_with(&mut receiver, &corrupted, &keys.public_key),
        Err(FramingError::ContentDecryptionFailed)
    ));
    // Nothing was consumed: the generation is still the next one, and no key was cached.
    assert_eq!(
        receiver.next_generation(SENDER, RatchetKind::Application),
        Some(0)
    );
    assert_eq!(receiver.stored_node_secrets(), 1);

    // The genuine message is accepted once, and then its key is gone.
    assert_eq!(
        receive_with(&mut receiver, &message, &keys.public_key).unwrap(),
        sent
    );
    assert_eq!(
        receiver.next_generation(SENDER, RatchetKind::Application),
        Some(1)
    );
    assert!(matches!(
        receive_with(&mut receiver, &message, &keys.public_key),
        Err(FramingError::KeySchedule(
            KeyScheduleError::GenerationConsumed { generation: 0, .. }
        ))
    ));
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

/// `message` re-encrypted, as a malicious sender holding the keys could, with its plaintext
/// changed by `edit`.
fn reencrypted(message: &PrivateMessage, edit: impl FnOnce(&mut Vec<u8>)) -> PrivateMessage {
    let sender_data = private::decrypt_sender_data(private_epoch(), message).unwrap();
    let key = application_key(sender_data.generation);
    let nonce = key.guarded_nonce(sender_data.reuse_guard);
    let (key, nonce) = (key.key().as_bytes(), nonce.as_bytes());
    let aad = mls_codec::Encode::to_bytes(&mls_codec::PrivateContentAad {
        group_id: message.group_id.clone(),
        epoch: message.epoch,
        content_type: message.content_type,
        authenticated_data: message.authenticated_data.clone(),
    })
    .unwrap();
    let mut plaintext = suite()
        .aead_open(key, nonce, &aad, &message.ciphertext)
        .unwrap()
        .to_vec();
    edit(&mut plaintext);
    let mut forged = message.clone();
    forged.ciphertext = VarBytes(suite().aead_seal(key, nonce, &aad, &plaintext).unwrap());
    // Re-encrypt the sender data under the new ciphertext sample.
    let sender_data_key =
        SenderDataKey::derive(suite(), &SENDER_DATA_SECRET, &forged.ciphertext).unwrap();
    let sd_aad = mls_codec::Encode::to_bytes(&mls_codec::SenderDataAad {
        group_id: message.group_id.clone(),
        epoch: message.epoch,
        content_type: message.content_type,
    })
    .unwrap();
    forged.encrypted_sender_data = VarBytes(
        suite()
            .aead_seal(
                sender_data_key.key().as_bytes(),
                sender_data_key.nonce().as_bytes(),
                &sd_aad,
                &mls_codec::Encode::to_bytes(&sender_data).unwrap(),
            )
            .unwrap(),
    );
    forged
}

#[test]
fn non_zero_padding_is_rejected() {
    let (keys, _, message) = sent_private(4);
    let forged = reencrypted(&message, |plaintext| {
        let last = plaintext.len() - 1;
        plaintext[last] = 1;
    });
    assert!(matches!(
        receive(&forged, &keys),
        Err(FramingError::Codec(
            mls_codec::CodecError::NonZeroPadding { .. }
        ))
    ));
}

/// Small contents and contents of 64 KiB and more (decoded while the signature is verified,
/// with the `parallel` feature) are accepted as sent, and refused when a byte of the body
/// changes under the sender's signature, or when the signature is another sender's.
#[test]
fn the_signature_covers_the_decrypted_body_whatever_its_size() {
    for len in [12, 70_000] {
        let keys = new_keys();
        let sent = application(&vec![0x5a; len]);
        let message = protect_from(&mut secret_tree(), &keys, sent.clone(), None, 0);
        assert_eq!(receive(&message, &keys).unwrap(), sent);
        assert!(matches!(
            receive(&message, &new_keys()),
            Err(FramingError::InvalidSignature)
        ));
        // The body is `data<V>` first: flip a byte of the data, keep the signature.
        let forged = reencrypted(&message, |plaintext| plaintext[len / 2] ^= 1);
        assert!(matches!(
            receive(&forged, &keys),
            Err(FramingError::InvalidSignature)
        ));
        // A body that does not decode is a codec error, whatever the signature.
        let truncated = reencrypted(&message, |plaintext| plaintext.truncate(len / 2));
        assert!(matches!(
            receive(&truncated, &keys),
            Err(FramingError::Codec(_))
        ));
    }
}

#[test]
fn content_signed_before_its_confirmation_tag_is_protected_in_its_wire_format() {
    let keys = new_keys();
    let signer = suite().signer(&keys.private_key).unwrap();
    let commit = content(
        Sender::Member(LeafIndex(SENDER)),
        FramedContentBody::Commit(Commit {
            proposals: vec![],
            path: None,
        }),
    );
    let signed = |wire_format| mls_codec::AuthenticatedContent {
        wire_format,
        content: commit.clone(),
        auth: mls_codec::FramedContentAuthData {
            signature: VarBytes(
                crate::sign_content(&*signer, wire_format, &commit, GROUP_CONTEXT).unwrap(),
            ),
            // Computed after the signature, as the confirmed transcript hash needs it (§8.2).
            confirmation_tag: Some(VarBytes::from(&[4; 32])),
        },
    };
    let public_signed = signed(mls_codec::WireFormat::MLS_PUBLIC_MESSAGE);
    let private_signed = signed(mls_codec::WireFormat::MLS_PRIVATE_MESSAGE);

    let message = public::protect_authenticated(public_epoch(), public_signed.clone()).unwrap();
    let received = public::unprotect(public_epoch(), &message, &keys.public_key).unwrap();
    assert_eq!(received, public_signed);

    let key = secret_tree()
        .encryption_key(suite(), SENDER, RatchetKind::Handshake)
        .unwrap();
    let message =
        private::protect_authenticated(private_epoch(), private_signed.clone(), &key, 8).unwrap();
    assert_eq!(
        receive_with(&mut secret_tree(), &message, &keys.public_key).unwrap(),
        commit
    );

    // A signature covers the wire format: content signed for one cannot be sent in the other.
    assert!(matches!(
        public::protect_authenticated(public_epoch(), private_signed),
        Err(FramingError::WireFormatMismatch(
            mls_codec::WireFormat::MLS_PRIVATE_MESSAGE
        ))
    ));
    assert!(matches!(
        private::protect_authenticated(private_epoch(), public_signed, &key, 0),
        Err(FramingError::WireFormatMismatch(
            mls_codec::WireFormat::MLS_PUBLIC_MESSAGE
        ))
    ));
}
