//! Feeds fuzzed messages to a live member of a group (RFC 9420 §6, §12, §15) and checks that
//! processing is a transaction: a rejected message leaves the saved state byte-identical, and
//! an accepted one leaves a state that saves and loads back.
//!
//! The group is set up once: Alice (leaf 0, PublicMessage handshakes), Bob (leaf 1, the
//! receiver), Carol (leaf 2, PrivateMessage handshakes) and Dave (leaf 3), in epoch 2, with a
//! pending Update proposal of Carol's that everyone has cached and an application message of
//! Carol's from epoch 1 that Bob has not read yet. Messages that Bob has not processed are
//! recorded: application messages (current and past epoch), proposals, and commits (a
//! self-update, a removal, an add, Bob's own removal, one by Dave).
//!
//! The first input byte selects the mode:
//! - 0: the rest of the input as raw bytes;
//! - 1: a recorded message, mutated by the rest of the input (XOR, overwrite, insert or
//!   truncate-and-append at an offset);
//! - 2: a recorded commit or proposal body, mutated, then framed, signed and MACed (or
//!   encrypted) with the keys of a real member (Alice or Carol), so that it passes message
//!   authentication and reaches proposal and commit validation;
//! - 3: the rest of the input decoded as FramedContentBody, then authenticated as in mode 2.
//!
//! Alice's and Carol's membership key, sender-data secret and secret tree are read from their
//! saved states (the storage layout of `Group::save`); they are what a member holds anyway.
#![no_main]

use std::sync::{Arc, LazyLock, Mutex};

use libfuzzer_sys::fuzz_target;
use mls_codec::{
    CipherSuite, Credential, Decode, Encode, FramedContent, FramedContentBody, GroupContext,
    MlsMessage, MlsMessageBody, Reader, Sender, StateDecode, VarBytes, WireFormat,
};
use mls_crypto::{CryptoProvider, Secret, SignaturePrivateKey, Signer, Zeroizing};
use mls_crypto_rustcrypto::RustCryptoProvider;
use mls_framing::private::{self, PrivateEpoch};
use mls_framing::public::{self, PublicEpoch};
use mls_group::{Client, CommitOptions, Group, GroupConfig, GroupError};
use mls_key_schedule::{EpochSecrets, RatchetKind, SecretTree};
use mls_tree::{LeafIndex, TreePrivateKeys};

const SUITE: CipherSuite = CipherSuite::MLS_128_DHKEMX25519_AES128GCM_SHA256_ED25519;

/// A member whose messages the harness can forge: its signer and epoch keys.
struct Forger {
    leaf: u32,
    signer: Arc<dyn Signer>,
    membership_key: Secret,
    sender_data_secret: Secret,
    /// The encoded secret tree, decoded afresh for every input (sending uses a key up).
    secret_tree: Vec<u8>,
}

/// Content recorded from a PublicMessage, to be mutated and authenticated again.
struct Recorded {
    content: FramedContent,
    confirmation_tag: Option<VarBytes>,
}

struct Harness {
    provider: Arc<dyn CryptoProvider>,
    bob: Group,
    bob_signer: Arc<dyn Signer>,
    bob_config: GroupConfig,
    bob_saved: Zeroizing<Vec<u8>>,
    context_bytes: Vec<u8>,
    messages: Vec<Vec<u8>>,
    contents: Vec<Recorded>,
    senders: Vec<Forger>,
}

fn member(
    provider: &Arc<dyn CryptoProvider>,
    name: &str,
    wire_format: WireFormat,
) -> (Client, SignaturePrivateKey, GroupConfig) {
    let keys = provider
        .suite(SUITE)
        .and_then(|suite| suite.generate_signature_key_pair())
        .expect("signature key");
    let credential = Credential::Basic {
        identity: VarBytes::from(name.as_bytes()),
    };
    let mut client =
        Client::with_signature_key(Arc::clone(provider), SUITE, credential, &keys.private_key)
            .expect("client");
    let config = GroupConfig::default().with_handshake_wire_format(wire_format);
    client.set_config(config.clone());
    (client, keys.private_key, config)
}

fn signer(provider: &Arc<dyn CryptoProvider>, key: &SignaturePrivateKey) -> Arc<dyn Signer> {
    Arc::from(
        provider
            .suite(SUITE)
            .and_then(|suite| suite.signer(key))
            .expect("signer"),
    )
}

/// The epoch keys of a member, from its saved state: magic, version, the tree (a vector),
/// GroupContext, the tree's private keys, the epoch secrets, the secret tree.
fn forger(group: &Group, signer: Arc<dyn Signer>) -> Forger {
    let saved = group.save().expect("save");
    let mut reader = Reader::new(&saved);
    reader.read_bytes(8 + 2).expect("magic and version");
    VarBytes::decode(&mut reader).expect("tree");
    GroupContext::decode(&mut reader).expect("group context");
    TreePrivateKeys::decode_state(&mut reader).expect("private keys");
    let secrets = EpochSecrets::decode_state(&mut reader).expect("epoch secrets");
    let before = reader.remaining();
    SecretTree::decode_state(&mut reader).expect("secret tree");
    let secret_tree = before[..before.len() - reader.remaining().len()].to_vec();
    Forger {
        leaf: group.own_leaf().0,
        signer,
        membership_key: Secret::from_slice(secrets.membership_key().as_bytes()),
        sender_data_secret: Secret::from_slice(secrets.sender_data_secret().as_bytes()),
        secret_tree,
    }
}

fn record(contents: &mut Vec<Recorded>, message: &[u8]) {
    if let Ok(MlsMessage {
        body: MlsMessageBody::PublicMessage(public),
        ..
    }) = MlsMessage::from_bytes(message)
    {
        contents.push(Recorded {
            content: public.content,
            confirmation_tag: public.auth.confirmation_tag,
        });
    }
}

fn setup() -> Harness {
    let provider: Arc<dyn CryptoProvider> = Arc::new(RustCryptoProvider::new());
    let public = WireFormat::MLS_PUBLIC_MESSAGE;
    let private = WireFormat::MLS_PRIVATE_MESSAGE;
    let (alice_client, alice_key, _) = member(&provider, "alice", public);
    let (mut bob_client, bob_key, bob_config) = member(&provider, "bob", private);
    let (mut carol_client, carol_key, _) = member(&provider, "carol", private);
    let (mut dave_client, _, _) = member(&provider, "dave", public);
    let (mut eve_client, _, _) = member(&provider, "eve", public);

    let mut alice = alice_client.create_group(b"fuzzed group").expect("group");
    let added = alice
        .add_members(&[
            bob_client.key_package().expect("kp"),
            carol_client.key_package().expect("kp"),
            dave_client.key_package().expect("kp"),
        ])
        .expect("add");
    alice.merge_pending_commit().expect("merge");
    let welcome = added.welcome.expect("welcome");
    let mut bob = bob_client.join(&welcome, None).expect("bob joins");
    let mut carol = carol_client.join(&welcome, None).expect("carol joins");
    let mut dave = dave_client.join(&welcome, None).expect("dave joins");

    // An application message of epoch 1 that Bob reads only later.
    let late = carol.encrypt_application_message(b"late").expect("late");
    let update = alice.self_update().expect("update");
    alice.merge_pending_commit().expect("merge");
    for group in [&mut bob, &mut carol, &mut dave] {
        group.process_message(&update.commit).expect("update");
    }
    // Carol's Update proposal, cached by everyone; Bob's own application message.
    let proposal = carol.propose_update().expect("propose");
    for group in [&mut alice, &mut bob, &mut dave] {
        group.process_message(&proposal).expect("proposal");
    }
    let own = bob.encrypt_application_message(b"mine").expect("own");

    let mut messages = vec![
        carol.encrypt_application_message(b"now").expect("app"),
        late,
        own,
        dave.propose_add(&eve_client.key_package().expect("kp"))
            .expect("propose add"),
    ];
    let commit = |group: &mut Group, options: CommitOptions| {
        let output = group.commit(options).expect("commit");
        group.clear_pending_commit();
        output.commit
    };
    messages.push(commit(&mut alice, CommitOptions::default()));
    let remove_dave = alice.remove_members(&[LeafIndex(3)]).expect("remove");
    alice.clear_pending_commit();
    messages.push(remove_dave.commit);
    let add_eve = alice
        .add_members(&[eve_client.key_package().expect("kp")])
        .expect("add eve");
    alice.clear_pending_commit();
    messages.push(add_eve.commit);
    let remove_bob = alice.remove_members(&[LeafIndex(1)]).expect("remove bob");
    alice.clear_pending_commit();
    messages.push(remove_bob.commit);
    messages.push(commit(
        &mut dave,
        CommitOptions::default().with_force_path(true),
    ));
    messages.push(alice.propose_remove(LeafIndex(3)).expect("propose remove"));

    let mut contents = Vec::new();
    for message in &messages {
        record(&mut contents, message);
    }
    let senders = vec![
        forger(&alice, signer(&provider, &alice_key)),
        forger(&carol, signer(&provider, &carol_key)),
    ];
    let context_bytes = bob.group_context().to_bytes().expect("context");
    let bob_saved = bob.save().expect("save");
    let bob_signer = signer(&provider, &bob_key);
    Harness {
        provider,
        bob,
        bob_signer,
        bob_config,
        bob_saved,
        context_bytes,
        messages,
        contents,
        senders,
    }
}

static HARNESS: LazyLock<Mutex<Harness>> = LazyLock::new(|| Mutex::new(setup()));

/// Mutates `base` with `data`: `data[0]` picks the operation, `data[1..3]` the offset.
fn mutate(base: &[u8], data: &[u8]) -> Vec<u8> {
    let mut out = base.to_vec();
    let (Some(&op), Some(offset)) = (data.first(), data.get(1..3)) else {
        return out;
    };
    let rest = &data[3..];
    let offset = usize::from(u16::from_be_bytes([offset[0], offset[1]])) % (out.len() + 1);
    match op % 4 {
        0 => {
            for (byte, x) in out[offset..].iter_mut().zip(rest) {
                *byte ^= x;
            }
        }
        1 => {
            for (byte, x) in out[offset..].iter_mut().zip(rest) {
                *byte = *x;
            }
        }
        2 => {
            out.splice(offset..offset, rest.iter().copied());
        }
        _ => {
            out.truncate(offset);
            out.extend_from_slice(rest);
        }
    }
    out
}

impl Harness {
    /// Frames `content` as sent by `sender` and authenticates it: a PublicMessage with a
    /// membership tag, or a PrivateMessage under the sender's next handshake key.
    fn authenticate(
        &self,
        sender: usize,
        mut content: FramedContent,
        confirmation_tag: Option<VarBytes>,
        private_format: bool,
    ) -> Option<Vec<u8>> {
        let sender = &self.senders[sender % self.senders.len()];
        let suite = self.provider.suite(SUITE).ok()?;
        content.sender = Sender::Member(LeafIndex(sender.leaf));
        // The confirmation tag must be present exactly for commits.
        let confirmation_tag = match content.content {
            FramedContentBody::Commit(_) => {
                Some(confirmation_tag.unwrap_or_else(|| VarBytes(vec![0; 32])))
            }
            _ => None,
        };
        let body = if private_format {
            let mut tree = SecretTree::from_state_bytes(&sender.secret_tree).ok()?;
            let kind = RatchetKind::for_content_type(content.content_type());
            let key = tree.encryption_key(suite, sender.leaf, kind).ok()?;
            let epoch = PrivateEpoch {
                suite,
                group_context: &self.context_bytes,
                sender_data_secret: &sender.sender_data_secret,
            };
            let message =
                private::protect(epoch, &*sender.signer, content, confirmation_tag, &key, 0)
                    .ok()?;
            MlsMessageBody::PrivateMessage(message)
        } else {
            let epoch = PublicEpoch {
                suite,
                group_context: &self.context_bytes,
                membership_key: Some(&sender.membership_key),
            };
            let message =
                public::protect(epoch, &*sender.signer, content, confirmation_tag).ok()?;
            MlsMessageBody::PublicMessage(message)
        };
        MlsMessage {
            version: mls_codec::ProtocolVersion::MLS10,
            body,
        }
        .to_bytes()
        .ok()
    }

    /// The message an input stands for, if any.
    fn message(&self, data: &[u8]) -> Option<Vec<u8>> {
        let (&mode, rest) = data.split_first()?;
        match mode % 4 {
            0 => Some(rest.to_vec()),
            1 => {
                let (&index, rest) = rest.split_first()?;
                let base = &self.messages[usize::from(index) % self.messages.len()];
                Some(mutate(base, rest))
            }
            2 => {
                let (&index, rest) = rest.split_first()?;
                let (&flags, rest) = rest.split_first()?;
                let recorded = &self.contents[usize::from(index) % self.contents.len()];
                let body = recorded.content.content.to_bytes().ok()?;
                let body = FramedContentBody::from_bytes(&mutate(&body, rest)).ok()?;
                let mut content = recorded.content.clone();
                content.content = body;
                if flags & 4 != 0 {
                    content.authenticated_data = VarBytes(rest.to_vec());
                }
                self.authenticate(
                    usize::from(flags >> 4),
                    content,
                    recorded.confirmation_tag.clone(),
                    flags & 1 != 0,
                )
            }
            _ => {
                let (&flags, rest) = rest.split_first()?;
                let body = FramedContentBody::from_bytes(rest).ok()?;
                let recorded = &self.contents[0];
                let mut content = recorded.content.clone();
                content.content = body;
                self.authenticate(usize::from(flags >> 4), content, None, flags & 1 != 0)
            }
        }
    }

    fn run(&mut self, data: &[u8]) {
        let Some(message) = self.message(data) else {
            return;
        };
        let before = self.bob.save().expect("save before");
        match self.bob.process_message(&message) {
            Err(error) => {
                let after = self.bob.save().expect("save after");
                assert!(
                    *before == *after,
                    "a rejected message ({error}) changed the state"
                );
                // Internal errors are bugs, never the peer's fault.
                assert!(
                    !matches!(error, GroupError::Internal(_)),
                    "internal error: {error}"
                );
            }
            Ok(_) => {
                // An accepted message leaves a state that saves and loads back; then the
                // next input starts from the recorded state again.
                let saved = self.bob.save().expect("save an accepted state");
                let loaded = Group::load(
                    Arc::clone(&self.provider),
                    Arc::clone(&self.bob_signer),
                    self.bob_config.clone(),
                    &saved,
                )
                .expect("an accepted state loads");
                assert!(*loaded.save().expect("save loaded") == *saved);
                self.bob = Group::load(
                    Arc::clone(&self.provider),
                    Arc::clone(&self.bob_signer),
                    self.bob_config.clone(),
                    &self.bob_saved,
                )
                .expect("reload");
            }
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let mut harness = HARNESS
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    harness.run(data);
});
