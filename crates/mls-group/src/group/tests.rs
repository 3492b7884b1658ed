//! Negative tests of commit and message processing (RFC 9420 §12.2, §12.4.2): each rejected
//! message yields its own error and leaves the saved state byte-identical.
//!
//! The messages are crafted with the sender's own state — its signer, its membership key, its
//! secret tree — so that they are exactly what a malicious or buggy member could send: they
//! carry a valid signature and membership tag unless the test is about those. A crafted commit
//! whose proposal list or path is invalid carries a placeholder confirmation tag: the receiver
//! rejects it before it could compute the tag (the error variant each test asserts shows which
//! check fired), and the tests of the tag start from a commit the engine made.

use std::sync::Arc;

use mls_codec::{
    Add, CipherSuite, Commit, Credential, Decode, Encode, ExternalInit, FramedContent,
    FramedContentAuthData, FramedContentBody, GroupContext, GroupContextExtensions, HpkeCiphertext,
    LeafNode, LeafNodeSourceData, MlsMessage, MlsMessageBody, PreSharedKey, PreSharedKeyId,
    Proposal, ProposalOrRef, ProtocolVersion, Psk, ReInit, Remove, Sender, SenderType, Update,
    UpdatePath, VarBytes, WireFormat,
};
use mls_crypto::{CryptoProvider, Secret, SignatureKeyPair, encrypt_with_label};
use mls_crypto_rustcrypto::RustCryptoProvider;
use mls_framing::FramingError;
use mls_key_schedule::KeyScheduleError;
use mls_tree::{LeafIndex, NodeIndex, TreeError, UPDATE_PATH_NODE_LABEL, sign_leaf_node};

use super::Group;
use crate::{Client, GroupConfig, GroupError, ProcessedMessage, ProposalError};

const SUITE: CipherSuite = CipherSuite::MLS_128_DHKEMX25519_AES128GCM_SHA256_ED25519;
const GROUP_ID: &[u8] = b"negative tests";

/// Member indices of the fixture: Alice commits, Bob receives, Carol is a third member.
const ALICE: usize = 0;
const BOB: usize = 1;
const CAROL: usize = 2;

fn provider() -> Arc<dyn CryptoProvider> {
    Arc::new(RustCryptoProvider::new())
}

fn config(wire_format: WireFormat) -> GroupConfig {
    GroupConfig::default().with_handshake_wire_format(wire_format)
}

/// A group of `size` members (leaves 0..size) who all processed every commit.
struct Fixture {
    provider: Arc<dyn CryptoProvider>,
    groups: Vec<Group>,
    /// Each member's signature key pair, to make other clients with the same key.
    keys: Vec<SignatureKeyPair>,
}

fn fixture(size: usize, wire_format: WireFormat) -> Fixture {
    let provider = provider();
    let mut clients = Vec::new();
    let mut keys = Vec::new();
    for i in 0..size {
        let (client, key_pair) = client(&provider, &format!("member {i}"), wire_format);
        clients.push(client);
        keys.push(key_pair);
    }
    let mut groups = vec![clients[0].create_group(GROUP_ID).unwrap()];
    let key_packages: Vec<Vec<u8>> = clients[1..]
        .iter_mut()
        .map(|client| client.key_package().unwrap())
        .collect();
    let added = groups[0].add_members(&key_packages).unwrap();
    groups[0].merge_pending_commit().unwrap();
    let welcome = added.welcome.unwrap();
    for client in &mut clients[1..] {
        groups.push(client.join(&welcome, None).unwrap());
    }
    let fixture = Fixture {
        provider,
        groups,
        keys,
    };
    fixture.assert_in_sync();
    fixture
}

fn client(
    provider: &Arc<dyn CryptoProvider>,
    name: &str,
    wire_format: WireFormat,
) -> (Client, SignatureKeyPair) {
    let key_pair = provider
        .suite(SUITE)
        .unwrap()
        .generate_signature_key_pair()
        .unwrap();
    let mut client = Client::with_signature_key(
        Arc::clone(provider),
        SUITE,
        basic(name),
        &key_pair.private_key,
    )
    .unwrap();
    client.set_config(config(wire_format));
    (client, key_pair)
}

fn basic(name: &str) -> Credential {
    Credential::Basic {
        identity: VarBytes::from(name.as_bytes()),
    }
}

impl Fixture {
    /// Every member is in the same epoch with the same epoch authenticator and tree hash.
    fn assert_in_sync(&self) {
        let first = &self.groups[0];
        for group in &self.groups[1..] {
            assert_eq!(group.epoch(), first.epoch());
            assert_eq!(group.epoch_authenticator(), first.epoch_authenticator());
            assert_eq!(group.tree_hash(), first.tree_hash());
        }
    }

    /// After a rejection the group still works: `committer` (whose crafted commits are
    /// discarded) makes a real self-update that every other member processes.
    fn assert_still_works(&mut self, committer: usize) {
        let group = &mut self.groups[committer];
        group.clear_pending_commit();
        let update = group.self_update().unwrap();
        group.merge_pending_commit().unwrap();
        for (i, group) in self.groups.iter_mut().enumerate() {
            if i != committer {
                group.process_message(&update.commit).unwrap();
            }
        }
        self.assert_in_sync();
    }

    /// A key package (an MLSMessage) of a new client, or of one with `key`'s signature key.
    fn key_package(&self, name: &str, key: Option<&SignatureKeyPair>) -> Vec<u8> {
        let mut client = match key {
            None => client(&self.provider, name, WireFormat::MLS_PUBLIC_MESSAGE).0,
            Some(key) => Client::with_signature_key(
                Arc::clone(&self.provider),
                SUITE,
                basic(name),
                &key.private_key,
            )
            .unwrap(),
        };
        client.key_package().unwrap()
    }
}

/// Feeds `message` to `group`, expects an error, and checks that the saved state did not
/// change at all.
fn reject(group: &mut Group, message: &[u8]) -> GroupError {
    let before = group.save().unwrap();
    let error = group
        .process_message(message)
        .expect_err("the message must be rejected");
    let after = group.save().unwrap();
    assert!(
        *before == *after,
        "a rejected message ({error}) changed the state"
    );
    error
}

/// Signs `body` as content of `sender` in its current epoch and protects it in its handshake
/// wire format (for a PrivateMessage, with the next key of its handshake ratchet).
fn send(sender: &mut Group, body: FramedContentBody, tag: Option<Vec<u8>>) -> Vec<u8> {
    let content = sender.framed_content(body, &[]);
    send_content(sender, content, tag)
}

fn send_content(sender: &mut Group, content: FramedContent, tag: Option<Vec<u8>>) -> Vec<u8> {
    let wire_format = sender.config.handshake_wire_format;
    let authenticated = sender
        .sign(wire_format, content, tag.map(VarBytes))
        .unwrap();
    sender.protect(authenticated).unwrap()
}

/// A placeholder confirmation tag of the right length.
fn placeholder_tag() -> Vec<u8> {
    vec![0x5a; 32]
}

/// A commit of `proposals` with `path`, signed and MACed by `committer`, with a placeholder
/// confirmation tag.
fn craft_commit(
    committer: &mut Group,
    proposals: Vec<ProposalOrRef>,
    path: Option<UpdatePath>,
) -> Vec<u8> {
    send(
        committer,
        FramedContentBody::Commit(Commit { proposals, path }),
        Some(placeholder_tag()),
    )
}

fn by_value(proposals: impl IntoIterator<Item = Proposal>) -> Vec<ProposalOrRef> {
    proposals.into_iter().map(ProposalOrRef::Proposal).collect()
}

fn decode_public(message: &[u8]) -> (FramedContent, FramedContentAuthData, Option<VarBytes>) {
    match MlsMessage::from_bytes(message).unwrap().body {
        MlsMessageBody::PublicMessage(public) => {
            (public.content, public.auth, public.membership_tag)
        }
        other => panic!("not a PublicMessage: {:?}", other.wire_format()),
    }
}

/// Takes a PublicMessage of `sender`, lets `edit_content` change its content, signs it again,
/// lets `edit_auth` change the signature and confirmation tag, and computes the membership
/// tag again.
fn republish(
    sender: &mut Group,
    message: &[u8],
    edit_content: impl FnOnce(&mut FramedContent),
    edit_auth: impl FnOnce(&mut FramedContentAuthData),
) -> Vec<u8> {
    let (mut content, auth, _) = decode_public(message);
    edit_content(&mut content);
    let mut authenticated = sender
        .sign(
            WireFormat::MLS_PUBLIC_MESSAGE,
            content,
            auth.confirmation_tag,
        )
        .unwrap();
    edit_auth(&mut authenticated.auth);
    sender.protect(authenticated).unwrap()
}

/// The commit inside a PublicMessage's content.
fn commit_of(content: &mut FramedContent) -> &mut Commit {
    match &mut content.content {
        FramedContentBody::Commit(commit) => commit,
        _ => panic!("not a commit"),
    }
}

/// The path of a commit inside a PublicMessage's content.
fn path_of(content: &mut FramedContent) -> &mut UpdatePath {
    commit_of(content)
        .path
        .as_mut()
        .expect("the commit has a path")
}

/// A valid Update leaf node for `member`: a fresh encryption key, source `update`, signed.
fn update_leaf_node(member: &Group) -> LeafNode {
    let suite = member.suite().unwrap();
    let own = member.own_leaf();
    let mut leaf_node = member.tree.leaf(own).unwrap().clone();
    leaf_node.encryption_key = VarBytes(suite.generate_hpke_key_pair().unwrap().public_key);
    leaf_node.leaf_node_source = LeafNodeSourceData::Update;
    sign_leaf_node(&*member.signer, &mut leaf_node, GROUP_ID, own).unwrap();
    leaf_node
}

/// Sends `proposal` from `sender` to every member in `receivers`, who cache it; returns its
/// ProposalRef.
fn propose(
    fixture: &mut Fixture,
    sender: usize,
    receivers: &[usize],
    proposal: Proposal,
) -> Vec<u8> {
    let message = send(
        &mut fixture.groups[sender],
        FramedContentBody::Proposal(proposal),
        None,
    );
    let mut reference = None;
    for &receiver in receivers {
        let group = &mut fixture.groups[receiver];
        match group.process_message(&message).unwrap() {
            ProcessedMessage::Proposal { .. } => {}
            other => panic!("unexpected {other:?}"),
        }
        let cached = group.proposals.last().unwrap().reference.to_vec();
        assert!(reference.is_none_or(|r| r == cached));
        reference = Some(cached);
    }
    reference.unwrap()
}

fn remove(leaf: usize) -> Proposal {
    Proposal::Remove(Remove {
        removed: u32::try_from(leaf).unwrap(),
    })
}

fn add(key_package: &[u8]) -> Proposal {
    Proposal::Add(Add {
        key_package: crate::client::parse_key_package(key_package).unwrap(),
    })
}

fn external_psk(id: &[u8]) -> Proposal {
    Proposal::PreSharedKey(PreSharedKey {
        psk: PreSharedKeyId {
            psk: Psk::External {
                psk_id: VarBytes::from(id),
            },
            psk_nonce: VarBytes(vec![7; 32]),
        },
    })
}

fn assert_proposal_error(error: &GroupError, expected: impl Fn(&ProposalError) -> bool) {
    match error {
        GroupError::Proposal(proposal_error) if expected(proposal_error) => {}
        other => panic!("unexpected error {other:?}"),
    }
}

// §12.2: the proposal list rules.

#[test]
fn update_by_the_committer_is_rejected() {
    let mut f = fixture(3, WireFormat::MLS_PUBLIC_MESSAGE);
    let leaf_node = update_leaf_node(&f.groups[ALICE]);
    let by_value = craft_commit(
        &mut f.groups[ALICE],
        by_value([Proposal::Update(Update { leaf_node })]),
        None,
    );
    let error = reject(&mut f.groups[BOB], &by_value);
    assert_proposal_error(&error, |e| matches!(e, ProposalError::UpdateByCommitter));

    // The same by reference: Alice proposed the Update herself, then commits it.
    let leaf_node = update_leaf_node(&f.groups[ALICE]);
    let reference = propose(
        &mut f,
        ALICE,
        &[BOB],
        Proposal::Update(Update { leaf_node }),
    );
    let by_reference = craft_commit(
        &mut f.groups[ALICE],
        vec![ProposalOrRef::Reference(VarBytes(reference))],
        None,
    );
    let error = reject(&mut f.groups[BOB], &by_reference);
    assert_proposal_error(&error, |e| matches!(e, ProposalError::UpdateByCommitter));
}

#[test]
fn remove_of_the_committer_is_rejected() {
    let mut f = fixture(3, WireFormat::MLS_PUBLIC_MESSAGE);
    let commit = craft_commit(&mut f.groups[ALICE], by_value([remove(ALICE)]), None);
    let error = reject(&mut f.groups[BOB], &commit);
    assert_proposal_error(&error, |e| matches!(e, ProposalError::RemovesCommitter));
    f.assert_still_works(ALICE);
}

#[test]
fn two_removes_of_one_leaf_are_rejected() {
    let mut f = fixture(3, WireFormat::MLS_PUBLIC_MESSAGE);
    let commit = craft_commit(
        &mut f.groups[ALICE],
        by_value([remove(CAROL), remove(CAROL)]),
        None,
    );
    let error = reject(&mut f.groups[BOB], &commit);
    assert_proposal_error(
        &error,
        |e| matches!(e, ProposalError::DuplicateUpdateOrRemove { leaf } if *leaf == LeafIndex(2)),
    );
}

#[test]
fn two_updates_of_one_leaf_are_rejected() {
    let mut f = fixture(3, WireFormat::MLS_PUBLIC_MESSAGE);
    // Carol proposes two updates; Alice commits both, Bob rejects the commit.
    let first = update_leaf_node(&f.groups[CAROL]);
    let second = update_leaf_node(&f.groups[CAROL]);
    let first = propose(
        &mut f,
        CAROL,
        &[ALICE, BOB],
        Proposal::Update(Update { leaf_node: first }),
    );
    let second = propose(
        &mut f,
        CAROL,
        &[ALICE, BOB],
        Proposal::Update(Update { leaf_node: second }),
    );
    let commit = craft_commit(
        &mut f.groups[ALICE],
        vec![
            ProposalOrRef::Reference(VarBytes(first)),
            ProposalOrRef::Reference(VarBytes(second)),
        ],
        None,
    );
    let error = reject(&mut f.groups[BOB], &commit);
    assert_proposal_error(
        &error,
        |e| matches!(e, ProposalError::DuplicateUpdateOrRemove { leaf } if *leaf == LeafIndex(2)),
    );
}

#[test]
fn update_and_remove_of_one_leaf_are_rejected() {
    let mut f = fixture(3, WireFormat::MLS_PUBLIC_MESSAGE);
    let leaf_node = update_leaf_node(&f.groups[CAROL]);
    let update = propose(
        &mut f,
        CAROL,
        &[ALICE, BOB],
        Proposal::Update(Update { leaf_node }),
    );
    let mut proposals = vec![ProposalOrRef::Reference(VarBytes(update))];
    proposals.extend(by_value([remove(CAROL)]));
    let commit = craft_commit(&mut f.groups[ALICE], proposals, None);
    let error = reject(&mut f.groups[BOB], &commit);
    assert_proposal_error(
        &error,
        |e| matches!(e, ProposalError::DuplicateUpdateOrRemove { leaf } if *leaf == LeafIndex(2)),
    );
}

#[test]
fn two_adds_of_one_client_are_rejected() {
    let mut f = fixture(3, WireFormat::MLS_PUBLIC_MESSAGE);
    let key_package = f.key_package("dave", None);
    let commit = craft_commit(
        &mut f.groups[ALICE],
        by_value([add(&key_package), add(&key_package)]),
        None,
    );
    let error = reject(&mut f.groups[BOB], &commit);
    assert_proposal_error(&error, |e| {
        matches!(e, ProposalError::DuplicateAdd { first: 0, add: 1 })
    });

    // Two different key packages of one client (one signature key) are the same client too.
    let (dave, dave_key) = client(&f.provider, "dave", WireFormat::MLS_PUBLIC_MESSAGE);
    drop(dave);
    let first = f.key_package("dave", Some(&dave_key));
    let second = f.key_package("dave", Some(&dave_key));
    let commit = craft_commit(
        &mut f.groups[ALICE],
        by_value([add(&first), add(&second)]),
        None,
    );
    let error = reject(&mut f.groups[BOB], &commit);
    assert_proposal_error(&error, |e| {
        matches!(e, ProposalError::DuplicateAdd { first: 0, add: 1 })
    });
}

#[test]
fn add_of_an_existing_member_is_rejected() {
    let mut f = fixture(3, WireFormat::MLS_PUBLIC_MESSAGE);
    // A new key package of Carol's: same signature key as her leaf.
    let key_package = f.key_package("member 2", Some(&f.keys[CAROL]));
    let commit = craft_commit(&mut f.groups[ALICE], by_value([add(&key_package)]), None);
    let error = reject(&mut f.groups[BOB], &commit);
    assert_proposal_error(
        &error,
        |e| matches!(e, ProposalError::AddOfExistingMember { add: 0, leaf } if *leaf == LeafIndex(2)),
    );
    f.assert_still_works(ALICE);
}

#[test]
fn two_psks_with_one_id_are_rejected() {
    let mut f = fixture(3, WireFormat::MLS_PUBLIC_MESSAGE);
    for group in &mut f.groups {
        group.add_external_psk(b"psk", Secret::from_slice(&[1; 32]));
    }
    let commit = craft_commit(
        &mut f.groups[ALICE],
        by_value([external_psk(b"psk"), external_psk(b"psk")]),
        None,
    );
    let error = reject(&mut f.groups[BOB], &commit);
    assert_proposal_error(&error, |e| matches!(e, ProposalError::DuplicatePsk));
}

#[test]
fn two_group_context_extensions_are_rejected() {
    let mut f = fixture(3, WireFormat::MLS_PUBLIC_MESSAGE);
    let gce = || {
        Proposal::GroupContextExtensions(GroupContextExtensions {
            extensions: Vec::new(),
        })
    };
    let commit = craft_commit(&mut f.groups[ALICE], by_value([gce(), gce()]), None);
    let error = reject(&mut f.groups[BOB], &commit);
    assert_proposal_error(&error, |e| {
        matches!(e, ProposalError::MultipleGroupContextExtensions)
    });
}

#[test]
fn reinit_with_another_proposal_is_rejected() {
    let mut f = fixture(3, WireFormat::MLS_PUBLIC_MESSAGE);
    let reinit = Proposal::ReInit(ReInit {
        group_id: VarBytes::from(&b"next group"[..]),
        version: ProtocolVersion::MLS10,
        cipher_suite: SUITE,
        extensions: Vec::new(),
    });
    let commit = craft_commit(
        &mut f.groups[ALICE],
        by_value([reinit, remove(CAROL)]),
        None,
    );
    let error = reject(&mut f.groups[BOB], &commit);
    assert_proposal_error(&error, |e| {
        matches!(e, ProposalError::ReInitWithOtherProposals)
    });
}

#[test]
fn external_init_in_a_member_commit_is_rejected() {
    let mut f = fixture(3, WireFormat::MLS_PUBLIC_MESSAGE);
    let external_init = Proposal::ExternalInit(ExternalInit {
        kem_output: VarBytes(vec![9; 32]),
    });
    let commit = craft_commit(&mut f.groups[ALICE], by_value([external_init]), None);
    let error = reject(&mut f.groups[BOB], &commit);
    assert_proposal_error(&error, |e| {
        matches!(e, ProposalError::ExternalInitOutsideExternalCommit)
    });
}

#[test]
fn remove_of_a_blank_or_absent_leaf_is_rejected() {
    let mut f = fixture(3, WireFormat::MLS_PUBLIC_MESSAGE);
    // Three members fill leaves 0..3 of a tree of four: leaf 3 is blank, leaf 4 is outside.
    let commit = craft_commit(&mut f.groups[ALICE], by_value([remove(3)]), None);
    let error = reject(&mut f.groups[BOB], &commit);
    assert_proposal_error(
        &error,
        |e| matches!(e, ProposalError::RemoveOfBlankLeaf { leaf } if *leaf == LeafIndex(3)),
    );
    let commit = craft_commit(&mut f.groups[ALICE], by_value([remove(4)]), None);
    let error = reject(&mut f.groups[BOB], &commit);
    assert_proposal_error(
        &error,
        |e| matches!(e, ProposalError::RemoveOutOfRange { leaf } if *leaf == LeafIndex(4)),
    );
}

// §12.4.2: checks of a received commit.

#[test]
fn unknown_proposal_reference_is_rejected() {
    let mut f = fixture(3, WireFormat::MLS_PUBLIC_MESSAGE);
    let commit = craft_commit(
        &mut f.groups[ALICE],
        vec![ProposalOrRef::Reference(VarBytes(vec![0xab; 32]))],
        None,
    );
    let error = reject(&mut f.groups[BOB], &commit);
    assert!(
        matches!(error, GroupError::UnknownProposalReference),
        "{error:?}"
    );

    // A reference to a proposal Bob did not receive (only Alice did) is unknown to him too.
    let leaf_node = update_leaf_node(&f.groups[CAROL]);
    let reference = propose(
        &mut f,
        CAROL,
        &[ALICE],
        Proposal::Update(Update { leaf_node }),
    );
    let commit = craft_commit(
        &mut f.groups[ALICE],
        vec![ProposalOrRef::Reference(VarBytes(reference))],
        None,
    );
    let error = reject(&mut f.groups[BOB], &commit);
    assert!(
        matches!(error, GroupError::UnknownProposalReference),
        "{error:?}"
    );
}

#[test]
fn unavailable_psk_is_rejected() {
    let mut f = fixture(3, WireFormat::MLS_PUBLIC_MESSAGE);
    // Alice knows the PSK, Bob does not (§12.4.2: every PSK must be available).
    f.groups[ALICE].add_external_psk(b"secret", Secret::from_slice(&[3; 32]));
    let commit = f.groups[ALICE]
        .commit(super::CommitOptions::default().with_proposals(vec![external_psk(b"secret")]))
        .unwrap()
        .commit;
    let error = reject(&mut f.groups[BOB], &commit);
    assert!(matches!(error, GroupError::UnknownPsk), "{error:?}");

    // With the PSK, the same commit is accepted.
    f.groups[BOB].add_external_psk(b"secret", Secret::from_slice(&[3; 32]));
    f.groups[BOB].process_message(&commit).unwrap();
    f.groups[ALICE].merge_pending_commit().unwrap();
    assert_eq!(
        f.groups[ALICE].epoch_authenticator(),
        f.groups[BOB].epoch_authenticator()
    );
}

#[test]
fn commit_of_another_epoch_is_rejected() {
    let mut f = fixture(3, WireFormat::MLS_PUBLIC_MESSAGE);
    let epoch = f.groups[BOB].epoch();
    let commit = f.groups[ALICE].self_update().unwrap().commit;

    // A future epoch, signed and MACed by Alice.
    let future = republish(
        &mut f.groups[ALICE],
        &commit,
        |content| content.epoch += 1,
        |_| {},
    );
    let error = reject(&mut f.groups[BOB], &future);
    assert!(
        matches!(error, GroupError::WrongEpoch { expected, found } if expected == epoch && found == epoch + 1),
        "{error:?}"
    );

    // The real commit, replayed once Bob has moved on.
    f.groups[BOB].process_message(&commit).unwrap();
    let error = reject(&mut f.groups[BOB], &commit);
    assert!(
        matches!(error, GroupError::WrongEpoch { expected, found } if expected == epoch + 1 && found == epoch),
        "{error:?}"
    );
}

#[test]
fn commit_for_another_group_is_rejected() {
    let mut f = fixture(3, WireFormat::MLS_PUBLIC_MESSAGE);
    let commit = f.groups[ALICE].self_update().unwrap().commit;
    let other = republish(
        &mut f.groups[ALICE],
        &commit,
        |content| content.group_id = VarBytes::from(&b"another group"[..]),
        |_| {},
    );
    let error = reject(&mut f.groups[BOB], &other);
    assert!(matches!(error, GroupError::WrongGroup), "{error:?}");
    f.groups[BOB].process_message(&commit).unwrap();
}

#[test]
fn bad_confirmation_tag_is_rejected() {
    let mut f = fixture(3, WireFormat::MLS_PUBLIC_MESSAGE);
    let commit = f.groups[ALICE].self_update().unwrap().commit;
    let tampered = republish(
        &mut f.groups[ALICE],
        &commit,
        |_| {},
        |auth| auth.confirmation_tag.as_mut().unwrap().0[0] ^= 1,
    );
    let error = reject(&mut f.groups[BOB], &tampered);
    assert!(
        matches!(error, GroupError::InvalidConfirmationTag),
        "{error:?}"
    );

    // The real commit is still accepted.
    f.groups[BOB].process_message(&commit).unwrap();
    f.groups[ALICE].merge_pending_commit().unwrap();
    assert_eq!(
        f.groups[ALICE].epoch_authenticator(),
        f.groups[BOB].epoch_authenticator()
    );
}

#[test]
fn bad_confirmation_tag_in_a_private_message_consumes_no_key() {
    let mut f = fixture(3, WireFormat::MLS_PRIVATE_MESSAGE);
    let alice = &mut f.groups[ALICE];
    // A real self-update of Alice's, made as a PublicMessage, then signed again and sent as a
    // PrivateMessage under her next handshake key: its confirmation tag is the one of the
    // PublicMessage, whose transcript differs (§8.2), so it does not verify.
    alice.config.handshake_wire_format = WireFormat::MLS_PUBLIC_MESSAGE;
    let commit = alice.self_update().unwrap().commit;
    alice.config.handshake_wire_format = WireFormat::MLS_PRIVATE_MESSAGE;
    let (content, auth, _) = decode_public(&commit);
    let tampered = send_content(
        alice,
        content,
        auth.confirmation_tag.map(VarBytes::into_vec),
    );
    assert!(matches!(
        MlsMessage::from_bytes(&tampered).unwrap().body,
        MlsMessageBody::PrivateMessage(_)
    ));
    let error = reject(&mut f.groups[BOB], &tampered);
    assert!(
        matches!(error, GroupError::InvalidConfirmationTag),
        "{error:?}"
    );
    f.assert_still_works(ALICE);
}

#[test]
fn bad_membership_tag_is_rejected() {
    let mut f = fixture(3, WireFormat::MLS_PUBLIC_MESSAGE);
    let commit = f.groups[ALICE].self_update().unwrap().commit;
    let (content, auth, membership_tag) = decode_public(&commit);
    let mut membership_tag = membership_tag.unwrap();
    membership_tag.0[0] ^= 1;
    let message = mls_codec::PublicMessage {
        content,
        auth,
        membership_tag: Some(membership_tag),
    };
    let tampered = super::messages::encode_message(MlsMessageBody::PublicMessage(message)).unwrap();
    let error = reject(&mut f.groups[BOB], &tampered);
    assert!(
        matches!(
            error,
            GroupError::Framing(FramingError::InvalidMembershipTag)
        ),
        "{error:?}"
    );

    f.groups[BOB].process_message(&commit).unwrap();
}

#[test]
fn bad_signature_is_rejected() {
    let mut f = fixture(3, WireFormat::MLS_PUBLIC_MESSAGE);
    let commit = f.groups[ALICE].self_update().unwrap().commit;
    // The membership tag is valid (computed over the tampered signature).
    let tampered = republish(
        &mut f.groups[ALICE],
        &commit,
        |_| {},
        |auth| auth.signature.0[0] ^= 1,
    );
    let error = reject(&mut f.groups[BOB], &tampered);
    assert!(
        matches!(error, GroupError::Framing(FramingError::InvalidSignature)),
        "{error:?}"
    );

    // Signed by Carol but claiming to be from Alice (a valid membership tag: Carol is a
    // member).
    let (content, auth, _) = decode_public(&commit);
    let forged = f.groups[CAROL]
        .sign(
            WireFormat::MLS_PUBLIC_MESSAGE,
            content,
            auth.confirmation_tag,
        )
        .unwrap();
    let forged = f.groups[CAROL].protect(forged).unwrap();
    let error = reject(&mut f.groups[BOB], &forged);
    assert!(
        matches!(error, GroupError::Framing(FramingError::InvalidSignature)),
        "{error:?}"
    );
    f.groups[BOB].process_message(&commit).unwrap();
}

#[test]
fn commit_from_a_non_member_is_rejected() {
    let mut f = fixture(3, WireFormat::MLS_PUBLIC_MESSAGE);
    let commit = f.groups[ALICE].self_update().unwrap().commit;
    let blank = republish(
        &mut f.groups[ALICE],
        &commit,
        |content| content.sender = Sender::Member(LeafIndex(3)),
        |_| {},
    );
    let error = reject(&mut f.groups[BOB], &blank);
    assert!(
        matches!(error, GroupError::UnknownSender(LeafIndex(3))),
        "{error:?}"
    );
    let outside = republish(
        &mut f.groups[ALICE],
        &commit,
        |content| content.sender = Sender::Member(LeafIndex(1000)),
        |_| {},
    );
    let error = reject(&mut f.groups[BOB], &outside);
    assert!(
        matches!(error, GroupError::UnknownSender(LeafIndex(1000))),
        "{error:?}"
    );
    // A new_member_commit without an ExternalInit: external commits are not accepted here.
    let external = republish(
        &mut f.groups[ALICE],
        &commit,
        |content| content.sender = Sender::NewMemberCommit,
        |_| {},
    );
    let error = reject(&mut f.groups[BOB], &external);
    assert!(
        matches!(
            error,
            GroupError::UnsupportedSender(SenderType::NewMemberCommit)
                | GroupError::Proposal(ProposalError::ExternalCommitMissingExternalInit)
        ),
        "{error:?}"
    );
}

#[test]
fn own_commit_echoed_is_rejected() {
    let mut f = fixture(3, WireFormat::MLS_PUBLIC_MESSAGE);
    let commit = f.groups[ALICE].self_update().unwrap().commit;
    let error = reject(&mut f.groups[ALICE], &commit);
    assert!(matches!(error, GroupError::OwnCommit), "{error:?}");
}

#[test]
fn missing_path_is_rejected() {
    let mut f = fixture(3, WireFormat::MLS_PUBLIC_MESSAGE);
    // A Remove requires a path.
    let commit = craft_commit(&mut f.groups[ALICE], by_value([remove(CAROL)]), None);
    let error = reject(&mut f.groups[BOB], &commit);
    assert!(matches!(error, GroupError::MissingPath), "{error:?}");
    // So does an empty commit.
    let commit = craft_commit(&mut f.groups[ALICE], Vec::new(), None);
    let error = reject(&mut f.groups[BOB], &commit);
    assert!(matches!(error, GroupError::MissingPath), "{error:?}");
    // And a GroupContextExtensions.
    let gce = Proposal::GroupContextExtensions(GroupContextExtensions {
        extensions: Vec::new(),
    });
    let commit = craft_commit(&mut f.groups[ALICE], by_value([gce]), None);
    let error = reject(&mut f.groups[BOB], &commit);
    assert!(matches!(error, GroupError::MissingPath), "{error:?}");
    f.assert_still_works(ALICE);
    // So does an Update (by reference, from Carol).
    let leaf_node = update_leaf_node(&f.groups[CAROL]);
    let update = propose(
        &mut f,
        CAROL,
        &[ALICE, BOB],
        Proposal::Update(Update { leaf_node }),
    );
    let commit = craft_commit(
        &mut f.groups[ALICE],
        vec![ProposalOrRef::Reference(VarBytes(update))],
        None,
    );
    let error = reject(&mut f.groups[BOB], &commit);
    assert!(matches!(error, GroupError::MissingPath), "{error:?}");
}

#[test]
fn path_with_a_wrong_number_of_nodes_is_rejected() {
    let mut f = fixture(3, WireFormat::MLS_PUBLIC_MESSAGE);
    let commit = f.groups[ALICE].self_update().unwrap().commit;
    // Alice's filtered direct path has two nodes (1 and 3).
    let short = republish(
        &mut f.groups[ALICE],
        &commit,
        |content| {
            let path = path_of(content);
            assert_eq!(path.nodes.len(), 2);
            path.nodes.pop();
        },
        |_| {},
    );
    let error = reject(&mut f.groups[BOB], &short);
    assert!(
        matches!(
            error,
            GroupError::Tree(TreeError::PathLengthMismatch {
                expected: 2,
                actual: 1
            })
        ),
        "{error:?}"
    );
    let long = republish(
        &mut f.groups[ALICE],
        &commit,
        |content| {
            let path = path_of(content);
            let extra = path.nodes[1].clone();
            path.nodes.push(extra);
        },
        |_| {},
    );
    let error = reject(&mut f.groups[BOB], &long);
    assert!(
        matches!(
            error,
            GroupError::Tree(TreeError::PathLengthMismatch {
                expected: 2,
                actual: 3
            })
        ),
        "{error:?}"
    );
    // A node with one ciphertext too many for its copath child's resolution.
    let extra_ciphertext = republish(
        &mut f.groups[ALICE],
        &commit,
        |content| {
            let node = &mut path_of(content).nodes[0];
            let extra = node.encrypted_path_secret[0].clone();
            node.encrypted_path_secret.push(extra);
        },
        |_| {},
    );
    let error = reject(&mut f.groups[BOB], &extra_ciphertext);
    assert!(
        matches!(
            error,
            GroupError::Tree(TreeError::CiphertextCountMismatch {
                expected: 1,
                actual: 2,
                ..
            })
        ),
        "{error:?}"
    );
    f.groups[BOB].process_message(&commit).unwrap();
}

#[test]
fn path_secret_not_matching_the_public_key_is_rejected() {
    let mut f = fixture(3, WireFormat::MLS_PUBLIC_MESSAGE);
    let alice = &f.groups[ALICE];
    let suite = alice.suite().unwrap();
    let own = alice.own_leaf();
    // A genuine path of Alice's, merged into a copy of the tree, for the provisional
    // GroupContext of the next epoch.
    let mut tree = alice.tree.clone();
    let provisional = GroupContext {
        epoch: alice.epoch() + 1,
        ..alice.epoch.context.clone()
    };
    let with_tree_hash = |tree_hash: &[u8]| GroupContext {
        tree_hash: VarBytes::from(tree_hash),
        ..provisional.clone()
    };
    let generated = tree
        .generate_update_path(
            suite,
            own,
            tree.leaf(own).unwrap().clone(),
            &*alice.signer,
            GROUP_ID,
            &[],
            |tree_hash| with_tree_hash(tree_hash).to_bytes(),
        )
        .unwrap();
    let context = with_tree_hash(&tree.tree_hash(suite).unwrap())
        .to_bytes()
        .unwrap();
    // The ciphertext for Bob (node 1's copath child is Bob's leaf) encrypts another secret,
    // properly, to Bob's leaf key under the right context.
    let bob_key = f.groups[BOB]
        .tree
        .leaf(LeafIndex(1))
        .unwrap()
        .encryption_key
        .clone();
    let sealed = encrypt_with_label(
        suite,
        &bob_key,
        UPDATE_PATH_NODE_LABEL,
        &context,
        &[0x42; 32],
    )
    .unwrap();
    let mut path = generated.update_path;
    path.nodes[0].encrypted_path_secret[0] = HpkeCiphertext {
        kem_output: VarBytes(sealed.kem_output),
        ciphertext: VarBytes(sealed.ciphertext),
    };
    let commit = craft_commit(&mut f.groups[ALICE], Vec::new(), Some(path.clone()));
    let error = reject(&mut f.groups[BOB], &commit);
    assert!(
        matches!(
            error,
            GroupError::Tree(TreeError::PublicKeyMismatch { node: NodeIndex(1) })
        ),
        "{error:?}"
    );
    // A ciphertext that does not decrypt at all (Carol's, for node 3, given to Bob).
    path.nodes[0].encrypted_path_secret[0] = path.nodes[1].encrypted_path_secret[0].clone();
    let commit = craft_commit(&mut f.groups[ALICE], Vec::new(), Some(path));
    let error = reject(&mut f.groups[BOB], &commit);
    assert!(
        matches!(error, GroupError::Tree(TreeError::Crypto(_))),
        "{error:?}"
    );
    f.assert_still_works(ALICE);
}

#[test]
fn path_leaf_node_violations_are_rejected() {
    let mut f = fixture(3, WireFormat::MLS_PUBLIC_MESSAGE);
    let commit = f.groups[ALICE].self_update().unwrap().commit;
    let signer = Arc::clone(&f.groups[ALICE].signer);
    let alice_key = f.groups[ALICE]
        .tree
        .leaf(LeafIndex(0))
        .unwrap()
        .encryption_key
        .clone();
    let bob_key = f.groups[BOB]
        .tree
        .leaf(LeafIndex(1))
        .unwrap()
        .encryption_key
        .clone();

    // A leaf node whose signature does not verify.
    let unsigned = republish(
        &mut f.groups[ALICE],
        &commit,
        |content| path_of(content).leaf_node.signature.0[0] ^= 1,
        |_| {},
    );
    let error = reject(&mut f.groups[BOB], &unsigned);
    assert!(
        matches!(
            error,
            GroupError::Tree(TreeError::InvalidLeafSignature { leaf: LeafIndex(0) })
        ),
        "{error:?}"
    );

    // A leaf node of source `update` (§12.4.2: it must be `commit`), properly signed.
    let wrong_source = republish(
        &mut f.groups[ALICE],
        &commit,
        |content| {
            let leaf_node = &mut path_of(content).leaf_node;
            leaf_node.leaf_node_source = LeafNodeSourceData::Update;
            sign_leaf_node(&*signer, leaf_node, GROUP_ID, LeafIndex(0)).unwrap();
        },
        |_| {},
    );
    let error = reject(&mut f.groups[BOB], &wrong_source);
    assert!(
        matches!(
            error,
            GroupError::Tree(TreeError::WrongLeafNodeSource { .. })
        ),
        "{error:?}"
    );

    // A leaf node that keeps the committer's current encryption key (§12.4.2), properly
    // signed: the parent hashes do not cover the leaf's own key, so only this rule catches it.
    let same_key = republish(
        &mut f.groups[ALICE],
        &commit,
        |content| {
            let leaf_node = &mut path_of(content).leaf_node;
            leaf_node.encryption_key = alice_key.clone();
            sign_leaf_node(&*signer, leaf_node, GROUP_ID, LeafIndex(0)).unwrap();
        },
        |_| {},
    );
    let error = reject(&mut f.groups[BOB], &same_key);
    assert!(
        matches!(
            error,
            GroupError::Tree(TreeError::DuplicateEncryptionKey { .. })
        ),
        "{error:?}"
    );

    // A path node whose public key is already in the tree (Bob's leaf key) (§12.4.2).
    let reused = republish(
        &mut f.groups[ALICE],
        &commit,
        |content| path_of(content).nodes[1].encryption_key = bob_key.clone(),
        |_| {},
    );
    let error = reject(&mut f.groups[BOB], &reused);
    assert!(
        matches!(
            error,
            GroupError::Tree(TreeError::DuplicateEncryptionKey { .. })
        ),
        "{error:?}"
    );

    // A path node whose key changed: the leaf's parent hash no longer matches (§7.9.2).
    let rekeyed = republish(
        &mut f.groups[ALICE],
        &commit,
        |content| path_of(content).nodes[1].encryption_key.0[0] ^= 1,
        |_| {},
    );
    let error = reject(&mut f.groups[BOB], &rekeyed);
    assert!(
        matches!(
            error,
            GroupError::Tree(TreeError::InvalidLeafParentHash { leaf: LeafIndex(0) })
        ),
        "{error:?}"
    );

    f.groups[BOB].process_message(&commit).unwrap();
}

#[test]
fn a_commit_removing_the_receiver_is_reported_and_stops_it() {
    let mut f = fixture(3, WireFormat::MLS_PUBLIC_MESSAGE);
    let before_removal = f.groups[CAROL]
        .encrypt_application_message(b"sent before the removal")
        .unwrap();
    let commit = f.groups[ALICE]
        .remove_members(&[LeafIndex(1)])
        .unwrap()
        .commit;
    // A tampered removal is rejected like any other commit, leaving Bob as he was.
    let mut tampered = commit.clone();
    let last = tampered.len() - 1;
    tampered[last] ^= 1;
    reject(&mut f.groups[BOB], &tampered);
    assert!(!f.groups[BOB].is_removed());

    let epoch = f.groups[BOB].epoch();
    match f.groups[BOB].process_message(&commit).unwrap() {
        ProcessedMessage::Removed {
            sender,
            epoch: next,
        } => {
            assert_eq!(sender, Sender::Member(LeafIndex(0)));
            assert_eq!(next, epoch + 1);
        }
        other => panic!("expected Removed, got {other:?}"),
    }
    let bob = &mut f.groups[BOB];
    assert!(bob.is_removed());
    assert_eq!(bob.epoch(), epoch);
    // Nothing more is sent, and the removal survives a save and load.
    let saved = bob.save().unwrap();
    let signer = crate::client::signer_for(&*f.provider, SUITE, &f.keys[BOB].private_key).unwrap();
    let mut bob = Group::load(
        provider(),
        signer,
        config(WireFormat::MLS_PUBLIC_MESSAGE),
        &saved,
    )
    .unwrap();
    assert!(bob.is_removed());
    for result in [
        bob.encrypt_application_message(b"still here?").map(|_| ()),
        bob.self_update().map(|_| ()),
        bob.commit(crate::CommitOptions::default()).map(|_| ()),
        bob.propose_update().map(|_| ()),
        bob.propose_remove(LeafIndex(0)).map(|_| ()),
        bob.group_info().map(|_| ()),
    ] {
        assert!(
            matches!(result, Err(GroupError::RemovedFromGroup)),
            "{result:?}"
        );
    }
    // A message sent before the removal is still read; a replay of the commit is not.
    match bob.process_message(&before_removal).unwrap() {
        ProcessedMessage::Application { data, .. } => assert_eq!(data, b"sent before the removal"),
        other => panic!("expected the application message, got {other:?}"),
    }
    assert!(matches!(
        reject(&mut bob, &commit),
        GroupError::RemovedFromGroup
    ));
    // Carol processes it normally.
    f.groups[CAROL].process_message(&commit).unwrap();
    f.groups[ALICE].merge_pending_commit().unwrap();
    assert_eq!(
        f.groups[ALICE].epoch_authenticator(),
        f.groups[CAROL].epoch_authenticator()
    );
}

#[test]
fn commit_of_an_update_we_did_not_make_is_rejected() {
    let mut f = fixture(3, WireFormat::MLS_PUBLIC_MESSAGE);
    // An Update of Bob's leaf, signed with Bob's key but not made through Bob's engine (as if
    // his key were used elsewhere): Bob has no private key for it.
    let leaf_node = update_leaf_node(&f.groups[BOB]);
    let update = propose(
        &mut f,
        BOB,
        &[ALICE, BOB, CAROL],
        Proposal::Update(Update { leaf_node }),
    );
    let commit = f.groups[ALICE]
        .commit(super::CommitOptions::default())
        .unwrap()
        .commit;
    let (mut content, _, _) = decode_public(&commit);
    assert_eq!(
        commit_of(&mut content).proposals,
        vec![ProposalOrRef::Reference(VarBytes(update))]
    );
    let error = reject(&mut f.groups[BOB], &commit);
    assert!(matches!(error, GroupError::UnknownUpdate), "{error:?}");
    f.groups[CAROL].process_message(&commit).unwrap();
}

// §6, §15: application messages and malformed input.

#[test]
fn replayed_application_message_is_rejected() {
    let mut f = fixture(3, WireFormat::MLS_PRIVATE_MESSAGE);
    let message = f.groups[CAROL]
        .encrypt_application_message(b"once")
        .unwrap();
    match f.groups[BOB].process_message(&message).unwrap() {
        ProcessedMessage::Application { data, .. } => assert_eq!(data, b"once"),
        other => panic!("unexpected {other:?}"),
    }
    let error = reject(&mut f.groups[BOB], &message);
    assert!(
        matches!(
            error,
            GroupError::KeySchedule(KeyScheduleError::GenerationConsumed { leaf: 2, .. })
        ),
        "{error:?}"
    );

    // Replayed in a later (retained) epoch, it is still refused.
    f.assert_still_works(ALICE);
    let error = reject(&mut f.groups[BOB], &message);
    assert!(
        matches!(
            error,
            GroupError::KeySchedule(KeyScheduleError::GenerationConsumed { leaf: 2, .. })
        ),
        "{error:?}"
    );
}

#[test]
fn application_message_of_a_forgotten_epoch_is_rejected() {
    let mut f = fixture(3, WireFormat::MLS_PRIVATE_MESSAGE);
    let epoch = f.groups[BOB].epoch();
    let message = f.groups[CAROL]
        .encrypt_application_message(b"late")
        .unwrap();
    let retained = f.groups[BOB].config.retained_epochs;
    for _ in 0..=retained {
        f.assert_still_works(ALICE);
    }
    let error = reject(&mut f.groups[BOB], &message);
    assert!(
        matches!(error, GroupError::WrongEpoch { found, .. } if found == epoch),
        "{error:?}"
    );
}

#[test]
fn own_application_message_is_rejected() {
    let mut f = fixture(3, WireFormat::MLS_PRIVATE_MESSAGE);
    let message = f.groups[BOB].encrypt_application_message(b"me").unwrap();
    let error = reject(&mut f.groups[BOB], &message);
    assert!(matches!(error, GroupError::OwnMessage), "{error:?}");
}

#[test]
fn tampered_private_message_is_rejected() {
    let mut f = fixture(3, WireFormat::MLS_PRIVATE_MESSAGE);
    let message = f.groups[CAROL]
        .encrypt_application_message(b"payload")
        .unwrap();
    // Flip the last byte: the content ciphertext no longer decrypts.
    let mut tampered = message.clone();
    *tampered.last_mut().unwrap() ^= 1;
    let error = reject(&mut f.groups[BOB], &tampered);
    assert!(
        matches!(
            error,
            GroupError::Framing(FramingError::ContentDecryptionFailed)
        ),
        "{error:?}"
    );
    // The real message still decrypts: its key was not used up by the failure.
    match f.groups[BOB].process_message(&message).unwrap() {
        ProcessedMessage::Application { data, .. } => assert_eq!(data, b"payload"),
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn truncated_and_garbage_bytes_are_rejected() {
    let mut f = fixture(3, WireFormat::MLS_PUBLIC_MESSAGE);
    let commit = f.groups[ALICE].self_update().unwrap().commit;
    let application = f.groups[CAROL]
        .encrypt_application_message(b"payload")
        .unwrap();
    for message in [&commit, &application] {
        for length in [0, 1, 2, 4, message.len() / 2, message.len() - 1] {
            let error = reject(&mut f.groups[BOB], &message[..length]);
            assert!(matches!(error, GroupError::Codec(_)), "{error:?}");
        }
        let mut trailing = message.clone();
        trailing.push(0);
        let error = reject(&mut f.groups[BOB], &trailing);
        assert!(matches!(error, GroupError::Codec(_)), "{error:?}");
    }
    let error = reject(&mut f.groups[BOB], &[0xff; 64]);
    assert!(matches!(error, GroupError::Codec(_)), "{error:?}");
    // A well-formed message of a type process_message does not take: a key package.
    let key_package = f.key_package("dave", None);
    let error = reject(&mut f.groups[BOB], &key_package);
    assert!(
        matches!(
            error,
            GroupError::UnexpectedWireFormat(WireFormat::MLS_KEY_PACKAGE)
        ),
        "{error:?}"
    );
    f.groups[BOB].process_message(&commit).unwrap();
    f.groups[BOB].process_message(&application).unwrap();
}

// §12.2, §13: proposals of custom types.

#[test]
fn a_received_custom_proposal_of_an_unsupported_type_is_rejected() {
    let mut f = fixture(3, WireFormat::MLS_PUBLIC_MESSAGE);
    let custom_type = mls_codec::ProposalType(0xf00d);
    let custom = Proposal::Custom {
        proposal_type: custom_type,
        data: VarBytes::from(b"custom"),
    };
    // On its own: no member lists the type.
    let message = send(
        &mut f.groups[ALICE],
        FramedContentBody::Proposal(custom.clone()),
        None,
    );
    let error = reject(&mut f.groups[BOB], &message);
    assert_proposal_error(
        &error,
        |e| matches!(e, ProposalError::UnsupportedProposalType { proposal_type, .. } if *proposal_type == custom_type),
    );
    // By value in a commit.
    let commit = craft_commit(&mut f.groups[ALICE], by_value([custom]), None);
    let error = reject(&mut f.groups[BOB], &commit);
    assert_proposal_error(&error, |e| {
        matches!(e, ProposalError::UnsupportedProposalType { .. })
    });
    // A GREASE type is never valid (§13.5), whatever the capabilities.
    let grease = Proposal::Custom {
        proposal_type: mls_codec::ProposalType(0x3a3a),
        data: VarBytes::default(),
    };
    let message = send(
        &mut f.groups[ALICE],
        FramedContentBody::Proposal(grease),
        None,
    );
    let error = reject(&mut f.groups[CAROL], &message);
    assert_proposal_error(&error, |e| {
        matches!(e, ProposalError::GreaseProposalType { .. })
    });
    f.assert_still_works(ALICE);
}

/// The checks of a received tree report the first failing one in the order of §12.4.3.1:
/// decoding, the GroupInfo's signer, the GroupInfo's signature, the tree hash, then unmerged
/// leaves and parent hashes, then leaf signatures, whichever thread found them; alike for an
/// encoded tree (whose leaf signatures are verified from the encoding) and a decoded one.
#[test]
fn received_tree_errors_keep_their_precedence() {
    use super::join::{TreeSource, receive_tree};
    let f = fixture(3, WireFormat::MLS_PUBLIC_MESSAGE);
    let group = &f.groups[BOB];
    let suite = f.provider.suite(SUITE).unwrap();
    let tree = &group.tree;
    let hash = tree.tree_hash(suite).unwrap();
    let check = |tree: &mls_tree::RatchetTree, signer: u32, hash: &[u8], group_info_ok: bool| {
        let bytes = tree.to_bytes().unwrap();
        let outcomes = [
            TreeSource::Encoded(&bytes),
            TreeSource::Decoded(Box::new(tree.clone())),
        ]
        .map(|source| {
            receive_tree(
                suite,
                source,
                LeafIndex(signer),
                hash,
                GROUP_ID,
                16,
                |_| {
                    if group_info_ok {
                        Ok(())
                    } else {
                        Err(GroupError::InvalidGroupInfoSignature)
                    }
                },
                |_| Ok(()),
            )
            .map(|received| assert_eq!(received.to_bytes().unwrap(), bytes))
            .map_err(|error| format!("{error:?}"))
        });
        assert_eq!(
            outcomes[0], outcomes[1],
            "encoded and decoded trees disagree"
        );
        outcomes[0].clone()
    };
    let error = |e: GroupError| Err(format!("{e:?}"));
    assert_eq!(check(tree, 0, &hash, true), Ok(()));
    assert_eq!(
        check(tree, 0, &[0; 32], true),
        error(GroupError::TreeHashMismatch)
    );
    assert_eq!(
        check(tree, 0, &[0; 32], false),
        error(GroupError::InvalidGroupInfoSignature)
    );
    assert_eq!(
        check(tree, 7, &[0; 32], false),
        error(GroupError::UnknownSender(LeafIndex(7)))
    );

    // Carol's leaf signature broken: with the tree's own hash the signature is what fails,
    // with the GroupContext's hash the hash fails first, and a bad GroupInfo before both.
    let mut nodes = tree.to_nodes();
    let Some(mls_codec::Node::Leaf(carol)) = &mut nodes[4] else {
        panic!("Carol's leaf is blank");
    };
    carol.signature.0[0] ^= 1;
    let tampered = mls_tree::RatchetTree::from_nodes(nodes).unwrap();
    let tampered_hash = tampered.tree_hash(suite).unwrap();
    assert_eq!(
        check(&tampered, 0, &tampered_hash, true),
        error(GroupError::Tree(TreeError::InvalidLeafSignature {
            leaf: LeafIndex(2)
        }))
    );
    assert_eq!(
        check(&tampered, 0, &hash, true),
        error(GroupError::TreeHashMismatch)
    );
    assert_eq!(
        check(&tampered, 0, &tampered_hash, false),
        error(GroupError::InvalidGroupInfoSignature)
    );

    // An encoding that does not decode fails as decoding fails, before any other check.
    let mut bytes = tree.to_bytes().unwrap();
    bytes.push(0);
    let decoded = mls_tree::RatchetTree::from_bytes(&bytes).map(drop);
    let received = receive_tree(
        suite,
        TreeSource::Encoded(&bytes),
        LeafIndex(7),
        &[],
        GROUP_ID,
        16,
        |_| Err(GroupError::InvalidGroupInfoSignature),
        |_| Ok(()),
    )
    .map(drop);
    assert_eq!(
        format!("{received:?}"),
        format!("{:?}", decoded.map_err(GroupError::from))
    );
    assert!(received.is_err());
}
