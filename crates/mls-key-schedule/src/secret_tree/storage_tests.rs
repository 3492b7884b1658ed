//! Tests of the storage encoding of the secret tree: lossless round trips, identical
//! behaviour after loading, and rejection of every malformed or inconsistent encoding.

use mls_codec::{Encode, SecretWriter, encode_opaque, encode_vector};
use mls_crypto::CryptoProvider;
use mls_crypto_rustcrypto::RustCryptoProvider;
use proptest::prelude::*;

use super::*;

const APP: RatchetKind = RatchetKind::Application;
const HS: RatchetKind = RatchetKind::Handshake;

fn suite_of(cipher_suite: CipherSuite) -> &'static dyn CipherSuiteProvider {
    static PROVIDER: RustCryptoProvider = RustCryptoProvider::new();
    PROVIDER.suite(cipher_suite).unwrap()
}

fn suite() -> &'static dyn CipherSuiteProvider {
    suite_of(CipherSuite::MLS_128_DHKEMX25519_AES128GCM_SHA256_ED25519)
}

fn tree(leaves: u32, config: SecretTreeConfig) -> SecretTree {
    let size = TreeSize::from_leaf_count(leaves).unwrap();
    SecretTree::with_config(suite(), Secret::from_slice(&[0x5a; 32]), size, config)
}

fn window() -> SecretTreeConfig {
    SecretTreeConfig {
        max_forward_distance: 40,
        max_skipped_keys: 4,
    }
}

/// A tree of 8 leaves after keys were used out of order: partially derived node secrets,
/// ratchets at different generations and caches of skipped keys, one of which overflowed.
fn populated() -> SecretTree {
    let s = suite();
    let mut tree = tree(8, window());
    tree.decryption_key(s, 2, APP, 7).unwrap(); // skips 0..7, keeps the last 4
    tree.decryption_key(s, 2, APP, 5).unwrap(); // from the cache
    tree.encryption_key(s, 2, HS).unwrap();
    tree.decryption_key(s, 5, APP, 3).unwrap();
    tree.decryption_key(s, 5, APP, 1).unwrap();
    tree.decryption_key(s, 5, HS, 2).unwrap();
    tree.encryption_key(s, 0, APP).unwrap();
    assert!(tree.stored_node_secrets() > 1);
    assert_eq!(tree.skipped_keys(2, APP), 3);
    tree
}

fn round_trip(tree: &SecretTree) -> SecretTree {
    let bytes = tree.to_state_bytes().unwrap();
    let loaded = SecretTree::from_state_bytes(&bytes).unwrap();
    assert_eq!(&loaded, tree);
    assert_eq!(loaded.to_state_bytes().unwrap(), bytes);
    loaded
}

/// Every key request a receiver could make of the trees after `populated`: used, skipped,
/// evicted, current, future and out-of-window generations of every leaf, and leaves outside
/// the tree.
fn requests() -> Vec<(u32, RatchetKind, u32)> {
    let mut requests = Vec::new();
    for leaf in [0, 1, 2, 3, 5, 7, 8] {
        for kind in [HS, APP] {
            for generation in [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 30, 60] {
                requests.push((leaf, kind, generation));
            }
        }
    }
    requests
}

#[test]
fn a_populated_tree_round_trips() {
    let tree = populated();
    round_trip(&tree);
    // A fresh tree, a single-leaf tree and a larger one.
    round_trip(&self::tree(1, SecretTreeConfig::default()));
    round_trip(&self::tree(64, SecretTreeConfig::default()));
    let mut single = self::tree(1, SecretTreeConfig::default());
    single.encryption_key(suite(), 0, APP).unwrap();
    round_trip(&single);
}

#[test]
fn every_registered_suite_round_trips() {
    for cipher_suite in [
        CipherSuite::MLS_128_DHKEMP256_AES128GCM_SHA256_P256,
        CipherSuite::MLS_128_DHKEMX25519_CHACHA20POLY1305_SHA256_ED25519,
        CipherSuite::MLS_256_DHKEMP521_AES256GCM_SHA512_P521,
        CipherSuite::MLS_256_DHKEMP384_AES256GCM_SHA384_P384,
    ] {
        let s = suite_of(cipher_suite);
        let size = TreeSize::from_leaf_count(4).unwrap();
        let root = Secret::new(vec![3; s.hash_len()]);
        let mut tree = SecretTree::with_config(s, root, size, window());
        tree.decryption_key(s, 3, APP, 6).unwrap();
        tree.decryption_key(s, 3, APP, 4).unwrap();
        round_trip(&tree);
    }
}

#[test]
fn a_loaded_tree_behaves_exactly_like_the_original() {
    let s = suite();
    let original = populated();
    let mut loaded = round_trip(&original);
    let mut original = original;
    let (mut served, mut refused) = (0, 0);
    for (leaf, kind, generation) in requests() {
        let result = loaded.decryption_key(s, leaf, kind, generation);
        assert_eq!(
            result,
            original.decryption_key(s, leaf, kind, generation),
            "leaf {leaf} {kind:?} generation {generation}"
        );
        if result.is_ok() {
            served += 1;
        } else {
            refused += 1;
        }
    }
    // Both outcomes are exercised: used, evicted, out-of-window and outside leaves are
    // refused, cached and next generations served.
    assert!(
        served > 20 && refused > 20,
        "{served} served, {refused} refused"
    );
    for leaf in [1, 4, 6] {
        assert_eq!(
            loaded.encryption_key(s, leaf, HS),
            original.encryption_key(s, leaf, HS)
        );
    }
    assert_eq!(loaded, original);
    assert_eq!(
        loaded.to_state_bytes().unwrap(),
        original.to_state_bytes().unwrap()
    );
}

#[test]
fn a_loaded_tree_gives_the_senders_keys_and_rejects_replays() {
    let s = suite();
    let mut sender = tree(8, window());
    let sent: Vec<MessageKey> = (0..8)
        .map(|_| sender.encryption_key(s, 2, APP).unwrap())
        .collect();
    let loaded_sender = round_trip(&sender);
    assert_eq!(loaded_sender.next_generation(2, APP), Some(8));

    let mut receiver = tree(8, window());
    receiver.decryption_key(s, 2, APP, 6).unwrap();
    receiver.decryption_key(s, 2, APP, 3).unwrap();
    let mut loaded = round_trip(&receiver);
    // Replays of used keys are still rejected, and so are evicted ones.
    for generation in [6, 3, 0, 1] {
        assert_eq!(
            loaded.decryption_key(s, 2, APP, generation),
            Err(KeyScheduleError::GenerationConsumed {
                leaf: 2,
                kind: APP,
                generation
            })
        );
    }
    // Cached and future keys are the sender's.
    for generation in [2, 4, 5, 7] {
        assert_eq!(
            loaded.decryption_key(s, 2, APP, generation).unwrap(),
            sent[generation as usize]
        );
    }
    // Used after loading, they are gone from the reloaded state too.
    let mut reloaded = round_trip(&loaded);
    assert!(matches!(
        reloaded.decryption_key(s, 2, APP, 7),
        Err(KeyScheduleError::GenerationConsumed { .. })
    ));
}

#[test]
fn an_exhausted_ratchet_round_trips() {
    let s = suite();
    let mut tree = tree(2, SecretTreeConfig::default());
    tree.decryption_key(s, 1, APP, 3).unwrap();
    tree.leaves.get_mut(&1).unwrap().application.generation = u32::MAX;
    tree.encryption_key(s, 1, APP).unwrap();
    assert_eq!(tree.next_generation(1, APP), None);
    let mut loaded = round_trip(&tree);
    assert_eq!(loaded.next_generation(1, APP), None);
    assert_eq!(
        loaded.encryption_key(s, 1, APP),
        Err(KeyScheduleError::RatchetExhausted { leaf: 1, kind: APP })
    );
    // The keys skipped before exhaustion are still served once.
    assert!(loaded.decryption_key(s, 1, APP, 2).is_ok());
    assert!(loaded.decryption_key(s, 1, APP, 2).is_err());
}

/// The encoding of `tree` without the invariant checks of `encode_state`.
fn unchecked(tree: &SecretTree) -> Vec<u8> {
    let mut out = SecretWriter::new();
    tree.encode_storage(&mut out).unwrap();
    out.into_bytes().to_vec()
}

/// Encoding and decoding `tree` both fail with an invalid-field error.
#[track_caller]
fn assert_rejected(tree: &SecretTree) {
    assert!(matches!(
        tree.to_state_bytes(),
        Err(CodecError::InvalidField { .. })
    ));
    assert!(matches!(
        SecretTree::from_state_bytes(&unchecked(tree)),
        Err(CodecError::InvalidField { .. })
    ));
}

/// The application ratchet of leaf 2 of `populated`.
fn ratchet(tree: &mut SecretTree) -> &mut SenderRatchet {
    &mut tree.leaves.get_mut(&2).unwrap().application
}

#[test]
fn inconsistent_trees_are_rejected() {
    let base = populated;

    let mut tree = base();
    tree.cipher_suite = CipherSuite(0x0a0a);
    assert_rejected(&tree);

    // A 64-byte secret in a SHA-256 suite.
    let mut tree = base();
    tree.cipher_suite = CipherSuite::MLS_256_DHKEMP521_AES256GCM_SHA512_P521;
    assert_rejected(&tree);

    // Node secrets: wrong length, outside the tree, overlapping, missing.
    let mut tree = base();
    let node = *tree.nodes.keys().next().unwrap();
    tree.nodes.insert(node, Secret::new(vec![1; 31]));
    assert_rejected(&tree);
    let mut tree = base();
    tree.nodes.insert(15, Secret::new(vec![1; 32]));
    assert_rejected(&tree);
    let mut tree = base();
    tree.nodes
        .insert(tree.size.root().0, Secret::new(vec![1; 32]));
    assert_rejected(&tree);
    let mut tree = base();
    tree.nodes.insert(4, Secret::new(vec![1; 32])); // leaf 2, already derived
    assert_rejected(&tree);
    let mut tree = base();
    tree.nodes.pop_last();
    assert_rejected(&tree);

    // Leaves: outside the tree, or derived twice over (as a leaf and inside a stored node).
    let mut tree = self::tree(2, window());
    tree.encryption_key(suite(), 0, APP).unwrap();
    let ratchets = tree.leaves.remove(&0).unwrap();
    tree.leaves.insert(2, ratchets);
    assert_rejected(&tree);
    let mut tree = self::tree(2, window());
    tree.encryption_key(suite(), 0, APP).unwrap();
    let secret = tree.nodes.remove(&2).unwrap();
    tree.nodes.insert(1, secret);
    assert_rejected(&tree);

    // Ratchets: no secret before the last generation, wrong secret, key and nonce lengths,
    // skipped generations at or above the next one, mislabelled, or too many.
    let mut tree = base();
    ratchet(&mut tree).secret = None;
    assert_rejected(&tree);
    let mut tree = base();
    ratchet(&mut tree).secret = Some(Secret::new(vec![1; 33]));
    assert_rejected(&tree);
    let mut tree = base();
    ratchet(&mut tree).skipped.values_mut().next().unwrap().key = Secret::new(vec![1; 32]);
    assert_rejected(&tree);
    let mut tree = base();
    ratchet(&mut tree)
        .skipped
        .values_mut()
        .next()
        .unwrap()
        .nonce = Secret::new(vec![1; 16]);
    assert_rejected(&tree);
    let mut tree = base();
    let r = ratchet(&mut tree);
    let (_, mut key) = r.skipped.pop_first().unwrap();
    key.generation = r.generation;
    r.skipped.insert(r.generation, key);
    assert_rejected(&tree);
    let mut tree = base();
    let r = ratchet(&mut tree);
    r.skipped.values_mut().next().unwrap().generation += 100;
    let out = unchecked(&tree);
    assert!(tree.to_state_bytes().is_err());
    // (The mislabelled key encodes under its map key, so it decodes consistently.)
    assert!(SecretTree::from_state_bytes(&out).is_ok());
    let mut tree = base();
    tree.config.max_skipped_keys = 2;
    assert_rejected(&tree);
}

/// A byte builder for encodings the struct cannot even represent.
fn encoding(leaf_count: u32, nodes: &[(u32, &[u8])], leaves: &[(u32, Vec<u8>)]) -> Vec<u8> {
    let mut out = Vec::new();
    CipherSuite::MLS_128_DHKEMX25519_AES128GCM_SHA256_ED25519
        .encode(&mut out)
        .unwrap();
    leaf_count.encode(&mut out).unwrap();
    10u32.encode(&mut out).unwrap();
    10u64.encode(&mut out).unwrap();
    encode_vector(&mut out, |out| {
        for (node, secret) in nodes {
            node.encode(out)?;
            encode_opaque(secret, out)?;
        }
        Ok(())
    })
    .unwrap();
    encode_vector(&mut out, |out| {
        for (leaf, ratchets) in leaves {
            leaf.encode(out)?;
            out.extend_from_slice(ratchets);
        }
        Ok(())
    })
    .unwrap();
    out
}

/// A SenderRatchetState at `generation` with a secret and the given skipped generations.
fn ratchet_bytes(generation: u32, skipped: &[u32]) -> Vec<u8> {
    let mut out = Vec::new();
    generation.encode(&mut out).unwrap();
    out.push(1);
    encode_opaque(&[2; 32], &mut out).unwrap();
    encode_vector(&mut out, |out| {
        for generation in skipped {
            generation.encode(out)?;
            encode_opaque(&[3; 16], out)?;
            encode_opaque(&[4; 12], out)?;
        }
        Ok(())
    })
    .unwrap();
    out
}

#[test]
fn non_canonical_and_malformed_encodings_are_rejected() {
    let secret = [1u8; 32];
    let both = [ratchet_bytes(1, &[]), ratchet_bytes(0, &[])].concat();
    // The well-formed baseline: two leaves, leaf 0 derived, leaf 1 still a node secret.
    let good = encoding(2, &[(2, &secret)], &[(0, both.clone())]);
    assert!(SecretTree::from_state_bytes(&good).is_ok());
    // A leaf count that is not a power of two, or zero.
    assert!(
        SecretTree::from_state_bytes(&encoding(3, &[(2, &secret)], &[(0, both.clone())])).is_err()
    );
    assert!(SecretTree::from_state_bytes(&encoding(0, &[], &[])).is_err());
    assert!(SecretTree::from_state_bytes(&encoding(1 << 31, &[(0, &secret)], &[])).is_err());
    // Node secrets out of order or repeated.
    assert!(
        SecretTree::from_state_bytes(&encoding(
            4,
            &[(6, &secret), (4, &secret)],
            &[(0, both.clone()), (1, both.clone())]
        ))
        .is_err()
    );
    assert!(
        SecretTree::from_state_bytes(&encoding(
            4,
            &[(4, &secret), (4, &secret), (6, &secret)],
            &[(0, both.clone()), (1, both.clone())]
        ))
        .is_err()
    );
    assert!(
        SecretTree::from_state_bytes(&encoding(
            4,
            &[(4, &secret), (6, &secret)],
            &[(0, both.clone()), (1, both.clone())]
        ))
        .is_ok()
    );
    // Leaves out of order or repeated.
    assert!(
        SecretTree::from_state_bytes(&encoding(2, &[], &[(1, both.clone()), (0, both.clone())]))
            .is_err()
    );
    assert!(
        SecretTree::from_state_bytes(&encoding(2, &[], &[(0, both.clone()), (0, both.clone())]))
            .is_err()
    );
    assert!(
        SecretTree::from_state_bytes(&encoding(2, &[], &[(0, both.clone()), (1, both.clone())]))
            .is_ok()
    );
    // Skipped keys out of order or repeated.
    let leaf = |skipped: &[u32]| [ratchet_bytes(9, skipped), ratchet_bytes(0, &[])].concat();
    assert!(
        SecretTree::from_state_bytes(&encoding(2, &[(2, &secret)], &[(0, leaf(&[3, 5]))])).is_ok()
    );
    assert!(
        SecretTree::from_state_bytes(&encoding(2, &[(2, &secret)], &[(0, leaf(&[5, 3]))])).is_err()
    );
    assert!(
        SecretTree::from_state_bytes(&encoding(2, &[(2, &secret)], &[(0, leaf(&[3, 3]))])).is_err()
    );
    // An optional flag other than 0 or 1, and trailing bytes.
    let mut flag = ratchet_bytes(1, &[]);
    flag[4] = 2;
    let bad_flag = [flag, ratchet_bytes(0, &[])].concat();
    assert_eq!(
        SecretTree::from_state_bytes(&encoding(2, &[(2, &secret)], &[(0, bad_flag)])),
        Err(CodecError::InvalidOptionalFlag(2))
    );
    let mut trailing = good.clone();
    trailing.push(0);
    assert_eq!(
        SecretTree::from_state_bytes(&trailing),
        Err(CodecError::TrailingBytes { count: 1 })
    );
    // A vector that claims more bytes than there are allocates nothing and fails.
    let mut overlong = good[..18].to_vec();
    overlong.extend_from_slice(&[0xbf, 0xff, 0xff, 0xff]); // 2^30 - 1 bytes
    assert!(SecretTree::from_state_bytes(&overlong).is_err());
}

#[test]
fn every_truncation_is_rejected() {
    let bytes = populated().to_state_bytes().unwrap();
    for len in 0..bytes.len() {
        assert!(
            SecretTree::from_state_bytes(&bytes[..len]).is_err(),
            "prefix of {len} bytes"
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Corrupted encodings never panic; whatever still decodes is a consistent tree whose
    /// encoding is exactly the input (the encoding is canonical).
    #[test]
    fn corrupted_encodings_are_rejected_or_canonical(
        flips in proptest::collection::vec((any::<usize>(), 0u8..8), 1..4),
        cut in any::<usize>(),
    ) {
        static BYTES: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();
        let bytes = BYTES.get_or_init(|| populated().to_state_bytes().unwrap().to_vec());
        let mut corrupted = bytes.clone();
        for (position, bit) in flips {
            let position = position % corrupted.len();
            corrupted[position] ^= 1 << bit;
        }
        if cut % 4 == 0 {
            corrupted.truncate(cut / 4 % corrupted.len());
        }
        if let Ok(tree) = SecretTree::from_state_bytes(&corrupted) {
            prop_assert_eq!(tree.to_state_bytes().unwrap().to_vec(), corrupted);
        }
    }

    /// Arbitrary bytes never panic the decoder.
    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
        let _ = SecretTree::from_state_bytes(&bytes);
    }
}
