//! Forward secrecy, replay and window tests of the secret tree (RFC 9420 §9.2).

use std::sync::atomic::{AtomicUsize, Ordering};

use mls_crypto::{
    CipherSuiteParams, CryptoError, CryptoProvider, HpkeKeyPair, HpkePrivateKey, HpkeSealed,
    SignatureKeyPair, SignaturePrivateKey, Signer,
};
use mls_crypto_rustcrypto::RustCryptoProvider;
use zeroize::{ZeroizeOnDrop, Zeroizing};

use super::*;

const APP: RatchetKind = RatchetKind::Application;
const HS: RatchetKind = RatchetKind::Handshake;

fn inner() -> &'static dyn CipherSuiteProvider {
    static PROVIDER: RustCryptoProvider = RustCryptoProvider::new();
    PROVIDER
        .suite(CipherSuite::MLS_128_DHKEMX25519_AES128GCM_SHA256_ED25519)
        .unwrap()
}

/// The real suite, counting every KDF expansion (every derivation of the tree is one).
#[derive(Default)]
struct Counting {
    expansions: AtomicUsize,
}

impl Counting {
    fn expansions(&self) -> usize {
        self.expansions.load(Ordering::SeqCst)
    }
}

impl CipherSuiteProvider for Counting {
    fn params(&self) -> &CipherSuiteParams {
        inner().params()
    }
    fn hash(&self, data: &[u8]) -> Vec<u8> {
        inner().hash(data)
    }
    fn mac(&self, key: &[u8], data: &[u8]) -> Vec<u8> {
        inner().mac(key, data)
    }
    fn kdf_extract(&self, salt: &[u8], ikm: &[u8]) -> Secret {
        inner().kdf_extract(salt, ikm)
    }
    fn kdf_expand(&self, prk: &[u8], info: &[u8], length: usize) -> Result<Secret, CryptoError> {
        self.expansions.fetch_add(1, Ordering::SeqCst);
        inner().kdf_expand(prk, info, length)
    }
    fn aead_seal(&self, k: &[u8], n: &[u8], a: &[u8], p: &[u8]) -> Result<Vec<u8>, CryptoError> {
        inner().aead_seal(k, n, a, p)
    }
    fn aead_open(
        &self,
        k: &[u8],
        n: &[u8],
        a: &[u8],
        c: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
        inner().aead_open(k, n, a, c)
    }
    fn hpke_seal(
        &self,
        pk: &[u8],
        i: &[u8],
        a: &[u8],
        p: &[u8],
    ) -> Result<HpkeSealed, CryptoError> {
        inner().hpke_seal(pk, i, a, p)
    }
    fn hpke_open(
        &self,
        sk: &HpkePrivateKey,
        enc: &[u8],
        i: &[u8],
        a: &[u8],
        c: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
        inner().hpke_open(sk, enc, i, a, c)
    }
    fn hpke_export_sender(
        &self,
        pk: &[u8],
        i: &[u8],
        c: &[u8],
        l: usize,
    ) -> Result<(Vec<u8>, Secret), CryptoError> {
        inner().hpke_export_sender(pk, i, c, l)
    }
    fn hpke_export_receiver(
        &self,
        sk: &HpkePrivateKey,
        enc: &[u8],
        i: &[u8],
        c: &[u8],
        l: usize,
    ) -> Result<Secret, CryptoError> {
        inner().hpke_export_receiver(sk, enc, i, c, l)
    }
    fn derive_hpke_key_pair(&self, ikm: &[u8]) -> Result<HpkeKeyPair, CryptoError> {
        inner().derive_hpke_key_pair(ikm)
    }
    fn generate_hpke_key_pair(&self) -> Result<HpkeKeyPair, CryptoError> {
        inner().generate_hpke_key_pair()
    }
    fn hpke_public_key(&self, sk: &HpkePrivateKey) -> Result<Vec<u8>, CryptoError> {
        inner().hpke_public_key(sk)
    }
    fn generate_signature_key_pair(&self) -> Result<SignatureKeyPair, CryptoError> {
        inner().generate_signature_key_pair()
    }
    fn signer(&self, sk: &SignaturePrivateKey) -> Result<Box<dyn Signer>, CryptoError> {
        inner().signer(sk)
    }
    fn verify(&self, pk: &[u8], m: &[u8], s: &[u8]) -> Result<(), CryptoError> {
        inner().verify(pk, m, s)
    }
    fn random_bytes(&self, length: usize) -> Result<Vec<u8>, CryptoError> {
        inner().random_bytes(length)
    }
}

const ROOT: [u8; 32] = [0x5a; 32];

fn tree(leaves: u32, config: SecretTreeConfig) -> SecretTree {
    let size = TreeSize::from_leaf_count(leaves).unwrap();
    SecretTree::with_config(inner(), Secret::from_slice(&ROOT), size, config)
}

fn window(max_forward_distance: u32, max_skipped_keys: usize) -> SecretTreeConfig {
    SecretTreeConfig {
        max_forward_distance,
        max_skipped_keys,
    }
}

/// The keys a sender hands out for generations `0..count` of a ratchet, in order.
fn sender_keys(leaves: u32, leaf: u32, kind: RatchetKind, count: u32) -> Vec<MessageKey> {
    let mut sender = tree(leaves, SecretTreeConfig::default());
    (0..count)
        .map(|_| sender.encryption_key(inner(), leaf, kind).unwrap())
        .collect()
}

#[test]
fn the_sender_and_the_receiver_agree_and_generations_count_up() {
    let sent = sender_keys(4, 1, APP, 3);
    assert_eq!(
        sent.iter().map(MessageKey::generation).collect::<Vec<_>>(),
        [0, 1, 2]
    );
    assert_ne!(sent[0].key(), sent[1].key());
    let mut receiver = tree(4, SecretTreeConfig::default());
    for key in &sent {
        let received = receiver
            .decryption_key(inner(), 1, APP, key.generation())
            .unwrap();
        assert_eq!(&received, key);
    }
    // The handshake ratchet of the same leaf is independent.
    let handshake = receiver.decryption_key(inner(), 1, HS, 0).unwrap();
    assert_ne!(handshake.key(), sent[0].key());
}

#[test]
fn a_replayed_generation_is_rejected() {
    let mut receiver = tree(2, SecretTreeConfig::default());
    receiver.decryption_key(inner(), 1, APP, 0).unwrap();
    let replay = receiver.decryption_key(inner(), 1, APP, 0);
    assert_eq!(
        replay,
        Err(KeyScheduleError::GenerationConsumed {
            leaf: 1,
            kind: APP,
            generation: 0
        })
    );
    // The same holds for a key that came out of the cache of skipped keys.
    receiver.decryption_key(inner(), 1, APP, 5).unwrap();
    receiver.decryption_key(inner(), 1, APP, 3).unwrap();
    assert!(matches!(
        receiver.decryption_key(inner(), 1, APP, 3),
        Err(KeyScheduleError::GenerationConsumed { generation: 3, .. })
    ));
    assert!(matches!(
        receiver.decryption_key(inner(), 1, APP, 5),
        Err(KeyScheduleError::GenerationConsumed { generation: 5, .. })
    ));
}

#[test]
fn a_generation_beyond_the_window_is_rejected_without_deriving_anything() {
    let counting = Counting::default();
    let mut receiver = tree(8, window(10, 1000));
    let too_far = receiver.decryption_key(&counting, 3, APP, 11);
    assert_eq!(
        too_far,
        Err(KeyScheduleError::GenerationTooFarAhead {
            leaf: 3,
            kind: APP,
            generation: 11,
            next_generation: 0,
            max_forward_distance: 10,
        })
    );
    assert_eq!(counting.expansions(), 0);
    assert_eq!(receiver.stored_node_secrets(), 1);
    assert_eq!(receiver.next_generation(3, APP), Some(0));

    // The window moves with the ratchet: from generation 5 on, 16 is one too far.
    receiver.decryption_key(&counting, 3, APP, 4).unwrap();
    let (expansions, stored) = (counting.expansions(), receiver.stored_node_secrets());
    assert!(receiver.decryption_key(&counting, 3, APP, 16).is_err());
    assert!(
        receiver
            .decryption_key(&counting, 3, APP, u32::MAX)
            .is_err()
    );
    assert_eq!(counting.expansions(), expansions);
    assert_eq!(receiver.stored_node_secrets(), stored);
    assert_eq!(receiver.next_generation(3, APP), Some(5));
    assert_eq!(receiver.skipped_keys(3, APP), 4);
    // The edge of the window is accepted.
    receiver.decryption_key(&counting, 3, APP, 15).unwrap();

    // A leaf outside the tree is rejected before any derivation too.
    let expansions = counting.expansions();
    assert_eq!(
        receiver.decryption_key(&counting, 8, APP, 0),
        Err(KeyScheduleError::LeafOutOfRange {
            leaf: 8,
            leaf_count: 8
        })
    );
    assert_eq!(counting.expansions(), expansions);
}

#[test]
fn generations_within_the_window_can_be_consumed_out_of_order() {
    let sent = sender_keys(8, 6, HS, 12);
    let mut receiver = tree(8, SecretTreeConfig::default());
    for generation in [7, 2, 11, 0, 9, 1, 8, 10, 3, 6, 5, 4] {
        let key = receiver.decryption_key(inner(), 6, HS, generation).unwrap();
        assert_eq!(&key, &sent[usize::try_from(generation).unwrap()]);
    }
    assert_eq!(receiver.skipped_keys(6, HS), 0);
    assert_eq!(receiver.next_generation(6, HS), Some(12));
}

#[test]
fn a_used_key_and_the_secrets_it_came_from_are_deleted() {
    let counting = Counting::default();
    let mut receiver = tree(4, SecretTreeConfig::default());
    assert_eq!(receiver.stored_node_secrets(), 1);
    receiver.decryption_key(&counting, 0, APP, 2).unwrap();
    // The root (node 3) and node 1 are split into children and deleted; leaf 0's secret is
    // split into its ratchets and deleted. Left: the secrets of node 2 (leaf 1) and node 5.
    let stored: Vec<u32> = receiver.nodes.keys().copied().collect();
    assert_eq!(stored, [2, 5]);
    // Ratchet secrets 0..=2 are gone: the ratchet holds only generation 3's secret and the
    // keys of the skipped generations 0 and 1.
    let ratchet = receiver.leaves[&0].get(APP);
    assert_eq!(ratchet.generation, 3);
    assert_eq!(ratchet.skipped.keys().copied().collect::<Vec<_>>(), [0, 1]);
    // So generation 2 cannot be had again, neither from the cache nor by re-deriving.
    let expansions = counting.expansions();
    assert!(matches!(
        receiver.decryption_key(&counting, 0, APP, 2),
        Err(KeyScheduleError::GenerationConsumed { .. })
    ));
    assert_eq!(counting.expansions(), expansions);
    // Deriving every other leaf empties the tree of node secrets.
    for leaf in 1..4 {
        receiver.decryption_key(inner(), leaf, HS, 0).unwrap();
    }
    assert_eq!(receiver.stored_node_secrets(), 0);
}

#[test]
fn the_cache_of_skipped_keys_is_bounded_and_evicts_the_oldest() {
    let sent = sender_keys(2, 0, APP, 11);
    let mut receiver = tree(2, window(1000, 3));
    receiver.decryption_key(inner(), 0, APP, 10).unwrap();
    assert_eq!(receiver.skipped_keys(0, APP), 3);
    assert!(matches!(
        receiver.decryption_key(inner(), 0, APP, 6),
        Err(KeyScheduleError::GenerationConsumed { generation: 6, .. })
    ));
    assert_eq!(
        receiver.decryption_key(inner(), 0, APP, 8).unwrap(),
        sent[8]
    );
    assert_eq!(receiver.skipped_keys(0, APP), 2);

    // With no cache, skipped generations are simply lost.
    let mut strict = tree(2, window(1000, 0));
    strict.decryption_key(inner(), 0, APP, 4).unwrap();
    assert_eq!(strict.skipped_keys(0, APP), 0);
    assert!(strict.decryption_key(inner(), 0, APP, 3).is_err());
}

#[test]
fn a_staged_key_changes_nothing_until_committed() {
    let sent = sender_keys(4, 2, APP, 5);
    let mut receiver = tree(4, SecretTreeConfig::default());
    let staged = receiver.stage_decryption_key(inner(), 2, APP, 4).unwrap();
    assert_eq!(staged.key(), &sent[4]);
    drop(staged); // e.g. the message did not decrypt
    assert_eq!(receiver.stored_node_secrets(), 1);
    assert_eq!(receiver.next_generation(2, APP), Some(0));

    let staged = receiver.stage_decryption_key(inner(), 2, APP, 4).unwrap();
    assert_eq!(staged.commit(), sent[4]);
    assert_eq!(receiver.next_generation(2, APP), Some(5));
    // A skipped key stays cached until a staged use of it is committed.
    drop(receiver.stage_decryption_key(inner(), 2, APP, 1).unwrap());
    assert_eq!(receiver.skipped_keys(2, APP), 4);
    let staged = receiver.stage_decryption_key(inner(), 2, APP, 1).unwrap();
    assert_eq!(staged.commit(), sent[1]);
    assert_eq!(receiver.skipped_keys(2, APP), 3);
}

#[test]
fn a_single_leaf_tree_uses_the_encryption_secret_as_the_leaf_secret() {
    let mut one = tree(1, SecretTreeConfig::default());
    let key = one.encryption_key(inner(), 0, HS).unwrap();
    assert_eq!(one.stored_node_secrets(), 0);
    let handshake = expand_with_label(inner(), &ROOT, "handshake", &[], 32).unwrap();
    let expected = MessageKey::derive(inner(), &handshake, 0).unwrap();
    assert_eq!(key, expected);
}

#[test]
fn an_exhausted_ratchet_refuses_further_generations() {
    let mut sender = tree(2, SecretTreeConfig::default());
    sender.encryption_key(inner(), 1, APP).unwrap();
    sender.leaves.get_mut(&1).unwrap().application.generation = u32::MAX;
    let last = sender.encryption_key(inner(), 1, APP).unwrap();
    assert_eq!(last.generation(), u32::MAX);
    assert_eq!(sender.next_generation(1, APP), None);
    assert_eq!(
        sender.encryption_key(inner(), 1, APP),
        Err(KeyScheduleError::RatchetExhausted { leaf: 1, kind: APP })
    );
    assert!(matches!(
        sender.decryption_key(inner(), 1, APP, u32::MAX),
        Err(KeyScheduleError::GenerationConsumed { .. })
    ));
    // The other ratchet of the leaf is unaffected.
    assert_eq!(
        sender.encryption_key(inner(), 1, HS).unwrap().generation(),
        0
    );
}

#[test]
fn the_reuse_guard_is_xored_into_the_first_four_bytes() {
    let key = sender_keys(2, 0, APP, 1).remove(0);
    let guarded = key.guarded_nonce([0xff, 0, 0x0f, 1]);
    let (plain, guarded) = (key.nonce().as_bytes(), guarded.as_bytes());
    assert_eq!(guarded[0], plain[0] ^ 0xff);
    assert_eq!(guarded[1], plain[1]);
    assert_eq!(guarded[2], plain[2] ^ 0x0f);
    assert_eq!(guarded[3], plain[3] ^ 1);
    assert_eq!(guarded[4..], plain[4..]);
}

#[test]
fn another_suite_is_refused() {
    static PROVIDER: RustCryptoProvider = RustCryptoProvider::new();
    let other = PROVIDER
        .suite(CipherSuite::MLS_256_DHKEMP384_AES256GCM_SHA384_P384)
        .unwrap();
    let mut receiver = tree(2, SecretTreeConfig::default());
    assert!(matches!(
        receiver.decryption_key(other, 0, APP, 0),
        Err(KeyScheduleError::CipherSuiteMismatch { .. })
    ));
}

#[test]
fn secrets_are_wiped_on_drop_and_never_printed() {
    fn wiped_on_drop<T: ZeroizeOnDrop>() {}
    wiped_on_drop::<Zeroizing<Vec<u8>>>(); // what Secret wraps
    wiped_on_drop::<SecretTree>();
    wiped_on_drop::<MessageKey>();
    wiped_on_drop::<crate::EpochSecrets>();
    wiped_on_drop::<crate::SenderDataKey>();

    let mut receiver = tree(4, SecretTreeConfig::default());
    let printed_fresh = format!("{receiver:?}");
    let key = receiver.decryption_key(inner(), 1, APP, 3).unwrap();
    let printed = format!("{receiver:?} {key:?}");
    let root_hex = hex::encode(ROOT);
    let key_hex = hex::encode(key.key().as_bytes());
    let nonce_hex = hex::encode(key.nonce().as_bytes());
    for text in [&printed_fresh, &printed] {
        assert!(!text.contains(&root_hex));
        assert!(!text.contains(&key_hex));
        assert!(!text.contains(&nonce_hex));
        assert!(!text.contains("90, 90, 90")); // ROOT as a decimal byte list
        assert!(text.contains("redacted"));
    }
}

/// The node secrets and leaves whose stored value differs between `a` and `b`.
fn differing_parts(a: &SecretTree, b: &SecretTree) -> SecretTreeChanges {
    let nodes = a.nodes.keys().chain(b.nodes.keys());
    let leaves = a.leaves.keys().chain(b.leaves.keys());
    SecretTreeChanges {
        nodes: nodes
            .filter(|node| a.nodes.get(node) != b.nodes.get(node))
            .copied()
            .collect(),
        leaves: leaves
            .filter(|leaf| a.leaves.get(leaf) != b.leaves.get(leaf))
            .copied()
            .collect(),
    }
}

/// A copy of `tree` through its storage encoding.
fn copy(tree: &SecretTree) -> SecretTree {
    let mut out = SecretWriter::new();
    tree.encode_state(&mut out).unwrap();
    SecretTree::decode_state(&mut Reader::new(&out.into_bytes())).unwrap()
}

#[test]
fn tracked_changes_name_every_part_a_key_changed_and_nothing_else() {
    let mut tree = tree(16, window(10, 3));
    assert_eq!(tree.changes(), None);
    tree.track_changes();
    // Sending, receiving in order, out of order (a skipped key), on a fresh leaf and again.
    let steps: [(u32, RatchetKind, Option<u32>); 7] = [
        (5, APP, None),
        (5, APP, Some(4)),
        (5, APP, Some(2)),
        (9, HS, Some(0)),
        (9, APP, None),
        (0, APP, Some(7)),
        (4, HS, None),
    ];
    for (step, (leaf, kind, generation)) in steps.into_iter().enumerate() {
        let before = copy(&tree);
        tree.clear_changes();
        match generation {
            None => drop(tree.encryption_key(inner(), leaf, kind).unwrap()),
            Some(generation) => {
                drop(
                    tree.decryption_key(inner(), leaf, kind, generation)
                        .unwrap(),
                );
            }
        }
        assert_eq!(
            tree.changes(),
            Some(&differing_parts(&before, &tree)),
            "step {step}"
        );
    }
    // A key that is refused, or staged and dropped, changes nothing.
    tree.clear_changes();
    assert!(tree.decryption_key(inner(), 5, APP, 4).is_err());
    drop(tree.stage_decryption_key(inner(), 5, APP, 6).unwrap());
    assert_eq!(tree.changes(), Some(&SecretTreeChanges::default()));
}

/// The tree's parts as a store keeps them: header, then each node secret and derived leaf
/// by index.
type Parts = (Vec<u8>, Vec<(u32, Vec<u8>)>, Vec<(u32, Vec<u8>)>);

fn parts(tree: &SecretTree) -> Parts {
    let encode = |write: &dyn Fn(&mut SecretWriter) -> bool| {
        let mut out = SecretWriter::new();
        write(&mut out).then(|| out.into_bytes().to_vec())
    };
    let header = encode(&|out| tree.encode_header_state(out).is_ok()).unwrap();
    let nodes = (0..2 * tree.size().leaf_count())
        .filter_map(|node| {
            encode(&|out| tree.encode_node_state(node, out).unwrap()).map(|part| (node, part))
        })
        .collect();
    let leaves = (0..tree.size().leaf_count())
        .filter_map(|leaf| {
            encode(&|out| tree.encode_leaf_state(leaf, out).unwrap()).map(|part| (leaf, part))
        })
        .collect();
    (header, nodes, leaves)
}

fn from_parts((header, nodes, leaves): &Parts) -> Result<SecretTree, CodecError> {
    let nodes: Vec<(u32, &[u8])> = nodes.iter().map(|(i, part)| (*i, &part[..])).collect();
    let leaves: Vec<(u32, &[u8])> = leaves.iter().map(|(i, part)| (*i, &part[..])).collect();
    SecretTree::decode_parts(header, &nodes, &leaves)
}

#[test]
fn a_tree_stored_in_parts_reassembles_and_refuses_misplaced_or_missing_parts() {
    let mut tree = tree(16, window(10, 3));
    drop(tree.encryption_key(inner(), 5, APP).unwrap());
    drop(tree.decryption_key(inner(), 9, HS, 4).unwrap());
    let stored = parts(&tree);
    assert_eq!(from_parts(&stored).unwrap(), tree);

    let mut misplaced = stored.clone();
    misplaced.2[0].0 += 1;
    assert!(from_parts(&misplaced).is_err());
    let mut trailing = stored.clone();
    trailing.1[0].1.push(0);
    assert!(from_parts(&trailing).is_err());
    let mut missing = stored.clone();
    missing.1.remove(0);
    assert!(
        from_parts(&missing).is_err(),
        "a leaf's keys can no longer be derived"
    );
    let mut consumed_again = stored;
    consumed_again.2.remove(0);
    assert!(
        from_parts(&consumed_again).is_err(),
        "a used leaf would be derived afresh"
    );
}
