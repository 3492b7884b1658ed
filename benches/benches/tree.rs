//! The per-commit cost of the ratchet tree as the group grows (RFC 9420 §7.4-7.8), suite 1.
//!
//! At 2^4, 2^7, 2^10 and 2^13 leaves, each group's tree is in TreeKEM steady state: every leaf
//! holds a member and every parent node is non-blank with valid parent hashes and no unmerged
//! leaves, so each copath resolution is a single node. It is built once per size (a few
//! seconds at 2^13): every member is added, then every even leaf commits with an UpdatePath
//! that is merged without ciphertexts (nobody decrypts these; the receivers below take their
//! keys from the recorded path secrets), and the result is validated (parent hashes, leaf
//! signatures, unmerged leaves). On that tree this measures
//!
//! - `generate_update_path`: the committer (leaf 0) generates an UpdatePath and merges it;
//! - `apply_update_path_sibling`: leaf 1 merges and decrypts it (it decrypts with its leaf key
//!   and derives every path secret up to the root: the most expensive receiver);
//! - `apply_update_path_far`: the last leaf merges and decrypts it (it decrypts the root's path
//!   secret: the case of half the members);
//! - `update_leaf_tree_hash`: an Update replaces leaf 0 (blanking its direct path), then the
//!   tree hash is recomputed from the per-node cache.
//!
//! Each of these runs on its own clone of the steady-state tree, made (and dropped) outside the
//! timed region: the tree is fresh in memory but, at 2^13 leaves (about 7.5 MiB), larger than
//! a CPU's L2 cache. The `_in_place` variants run the same operations one after another on a
//! single tree that lives across iterations, as a member's tree does from commit to commit (the
//! generated paths follow each other, the two received paths alternate, and an untimed merge
//! refills the path that each Update blanks).
//!
//! After a run that measured every size, an interleaved pass times each operation again at the
//! four sizes in turn, round after round (each timed run after an untimed one of the same
//! size), and prints the median per size and the ratio 2^13 / 2^4: on a shared machine the
//! load changes from one criterion benchmark to the next, and interleaving gives every size the
//! same conditions.

use std::cell::OnceCell;
use std::collections::HashMap;
use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{BatchSize, BenchmarkId, Criterion, criterion_group, criterion_main};
use mls_codec::{
    Capabilities, CipherSuite, CodecError, Credential, Encode, GroupContext, LeafNode,
    LeafNodeSourceData, Lifetime, ProtocolVersion, UpdatePath, UpdatePathNode, VarBytes,
    encode_opaque,
};
use mls_crypto::{CipherSuiteProvider, CryptoProvider, HpkePrivateKey, Secret, Signer};
use mls_crypto_rustcrypto::RustCryptoProvider;
use mls_tree::{
    GeneratedPath, LeafIndex, NodeIndex, RatchetTree, TreePrivateKeys, next_path_secret,
    node_key_pair, sign_leaf_node,
};

const GROUP_ID: &[u8] = b"tree benchmark group";

/// The group sizes, as powers of two.
const SIZES: [u32; 4] = [4, 7, 10, 13];

/// The committer of the measured UpdatePath, and the member that sends the measured Update.
const SENDER: LeafIndex = LeafIndex(0);

/// The encoded GroupContext of the epoch that the measured commit creates, given its tree hash.
fn group_context(tree_hash: &[u8]) -> Result<Vec<u8>, CodecError> {
    GroupContext {
        version: ProtocolVersion::MLS10,
        cipher_suite: CipherSuite::MLS_128_DHKEMX25519_AES128GCM_SHA256_ED25519,
        group_id: VarBytes::from(GROUP_ID),
        epoch: 7,
        tree_hash: VarBytes::from(tree_hash),
        confirmed_transcript_hash: VarBytes(vec![0x5a; 32]),
        extensions: vec![],
    }
    .to_bytes()
}

/// The input keying material of member `i`'s initial leaf key.
fn leaf_ikm(i: u32) -> [u8; 32] {
    let mut ikm = [0x11; 32];
    ikm[..4].copy_from_slice(&i.to_be_bytes());
    ikm
}

/// A member's key-package leaf node (signed) and its signer.
fn new_member(suite: &dyn CipherSuiteProvider, i: u32) -> (LeafNode, Box<dyn Signer>) {
    let hpke = suite
        .derive_hpke_key_pair(&leaf_ikm(i))
        .expect("leaf key derivation works");
    let signature = suite
        .generate_signature_key_pair()
        .expect("signature key generation works");
    let signer = suite
        .signer(&signature.private_key)
        .expect("a fresh signature key is valid");
    let mut leaf = LeafNode {
        encryption_key: VarBytes(hpke.public_key),
        signature_key: VarBytes(signature.public_key),
        credential: Credential::Basic {
            identity: VarBytes(format!("member {i}").into_bytes()),
        },
        capabilities: Capabilities {
            versions: vec![ProtocolVersion::MLS10],
            cipher_suites: vec![CipherSuite::MLS_128_DHKEMX25519_AES128GCM_SHA256_ED25519],
            extensions: vec![],
            proposals: vec![],
            credentials: vec![],
        },
        leaf_node_source: LeafNodeSourceData::KeyPackage(Lifetime {
            not_before: 0,
            not_after: u64::MAX,
        }),
        extensions: vec![],
        signature: VarBytes::default(),
    };
    sign_leaf_node(&*signer, &mut leaf, GROUP_ID, LeafIndex(i)).expect("signing works");
    (leaf, signer)
}

/// `Hash(ParentHashInput)` (RFC 9420 §7.9).
fn parent_hash_of(
    suite: &dyn CipherSuiteProvider,
    encryption_key: &[u8],
    parent_hash: &[u8],
    sibling_tree_hash: &[u8],
) -> Vec<u8> {
    let mut input = Vec::new();
    encode_opaque(encryption_key, &mut input).expect("short fields");
    encode_opaque(parent_hash, &mut input).expect("short fields");
    encode_opaque(sibling_tree_hash, &mut input).expect("short fields");
    suite.hash(&input)
}

/// Commits from `sender` with an UpdatePath whose path secrets are recorded in `secrets`, and
/// merges it into `tree`. The path carries no ciphertexts: nobody decrypts the commits that
/// build the tree, the benchmark's receivers get their keys from `secrets` instead.
fn merge_commit(
    suite: &dyn CipherSuiteProvider,
    tree: &mut RatchetTree,
    sender: LeafIndex,
    signer: &dyn Signer,
    secrets: &mut HashMap<NodeIndex, Secret>,
) {
    let filtered = tree
        .filtered_direct_path(sender)
        .expect("the sender is in the tree");
    let mut secret = Secret::new(suite.random_bytes(suite.hash_len()).expect("random bytes"));
    let (_, leaf_key) = node_key_pair(suite, secret.as_bytes()).expect("key derivation works");
    let mut keys = Vec::with_capacity(filtered.len());
    for &(node, _) in &filtered {
        secret = next_path_secret(suite, secret.as_bytes()).expect("derivation works");
        let (_, key) = node_key_pair(suite, secret.as_bytes()).expect("key derivation works");
        keys.push(key);
        secrets.insert(node, secret.clone());
    }
    // Parent hashes from the root down (§7.9): each over the tree hash of the copath child,
    // which the merge does not change.
    let mut above = Vec::new();
    for (&(_, copath_child), key) in filtered.iter().zip(&keys).rev() {
        let sibling = tree
            .node_tree_hash(suite, copath_child)
            .expect("the copath child is in the tree");
        above = parent_hash_of(suite, key, &above, &sibling);
    }
    let mut leaf_node = tree.leaf(sender).expect("the sender is a member").clone();
    leaf_node.encryption_key = VarBytes(leaf_key);
    leaf_node.leaf_node_source = LeafNodeSourceData::Commit(VarBytes(above));
    sign_leaf_node(signer, &mut leaf_node, GROUP_ID, sender).expect("signing works");
    let path = UpdatePath {
        leaf_node,
        nodes: keys
            .into_iter()
            .map(|key| UpdatePathNode {
                encryption_key: VarBytes(key),
                encrypted_path_secret: vec![],
            })
            .collect(),
    };
    tree.merge_update_path(suite, sender, &path)
        .expect("the path's parent hashes are valid");
}

/// Generates an UpdatePath from [`SENDER`] and merges it into `tree`.
fn commit(
    suite: &dyn CipherSuiteProvider,
    tree: &mut RatchetTree,
    signer: &dyn Signer,
) -> GeneratedPath {
    let template = tree.leaf(SENDER).expect("the sender is a member").clone();
    tree.generate_update_path(
        suite,
        SENDER,
        template,
        signer,
        GROUP_ID,
        &[],
        group_context,
    )
    .expect("the sender generates a path")
}

/// A member's private view of the steady-state tree: its initial leaf key and the keys of its
/// direct path.
fn private_keys(
    suite: &dyn CipherSuiteProvider,
    tree: &RatchetTree,
    leaf: LeafIndex,
    secrets: &HashMap<NodeIndex, Secret>,
) -> TreePrivateKeys {
    let leaf_key: HpkePrivateKey = suite
        .derive_hpke_key_pair(&leaf_ikm(leaf.0))
        .expect("leaf key derivation works")
        .private_key;
    let mut keys = TreePrivateKeys::new(leaf, leaf_key);
    for node in tree.size().direct_path(leaf.node()) {
        let secret = secrets
            .get(&node)
            .expect("every parent was set by a commit");
        keys.insert_path_secret(suite, node, secret.as_bytes())
            .expect("key derivation works");
    }
    keys.verify(suite, tree)
        .expect("the keys match the tree's public keys");
    keys
}

/// A group of `2^log2` members in TreeKEM steady state, and the inputs of the measured
/// operations.
struct Fixture {
    /// The steady-state tree: full, every parent non-blank, no unmerged leaves.
    tree: RatchetTree,
    /// The signer of [`SENDER`].
    signer: Box<dyn Signer>,
    /// An UpdatePath from [`SENDER`] on `tree`, and one from [`SENDER`] on the tree the first
    /// produces.
    update_paths: [UpdatePath; 2],
    /// The private keys of leaf 1, the sender's sibling, which receives `update_path`.
    sibling: TreePrivateKeys,
    /// The private keys of the last leaf, which receives `update_path`.
    far: TreePrivateKeys,
    /// A new leaf node for [`SENDER`] with source `update`, for an Update.
    updated_leaf: LeafNode,
}

impl Fixture {
    fn build(suite: &dyn CipherSuiteProvider, log2: u32) -> Self {
        let start = Instant::now();
        let n = 1u32 << log2;
        let (first, mut signers) = {
            let (leaf, signer) = new_member(suite, 0);
            (leaf, vec![signer])
        };
        let mut tree = RatchetTree::new(first);
        for i in 1..n {
            let (leaf, signer) = new_member(suite, i);
            let index = tree.add_leaf(leaf).expect("a new member's keys are unique");
            assert_eq!(index, LeafIndex(i), "members fill the tree left to right");
            signers.push(signer);
        }
        // Every parent is on the direct path of an even leaf: a commit from each fills them.
        // The root's path ends up being the last committer's.
        let mut secrets = HashMap::new();
        for i in (0..n).step_by(2) {
            let signer = signers.get(i as usize).expect("a signer per member");
            merge_commit(suite, &mut tree, LeafIndex(i), &**signer, &mut secrets);
        }
        for k in 0..n - 1 {
            let node = NodeIndex(2 * k + 1);
            let parent = tree.parent_node(node).expect("every parent is non-blank");
            assert!(parent.unmerged_leaves.is_empty(), "no unmerged leaves");
        }
        tree.validate(suite, GROUP_ID)
            .expect("the steady-state tree is valid");

        let signer = signers.swap_remove(SENDER.0 as usize);
        drop(signers);
        let sibling = LeafIndex(1);
        let far = LeafIndex(n - 1);
        let sibling_keys = private_keys(suite, &tree, sibling, &secrets);
        let far_keys = private_keys(suite, &tree, far, &secrets);

        // Two successive commits from the sender: the first on the steady-state tree, the
        // second on the tree the first produces. Both change only the sender's leaf and direct
        // path, so each also applies to the tree the other produces (for the in-place runs).
        let mut committed = tree.clone();
        let first = commit(suite, &mut committed, &*signer);
        let mut recommitted = committed.clone();
        let second = commit(suite, &mut recommitted, &*signer);
        for (leaf, keys) in [(sibling, &sibling_keys), (far, &far_keys)] {
            let mut view = tree.clone();
            for (generated, expected) in [(&first, &committed), (&second, &recommitted)] {
                let received = view
                    .apply_update_path(
                        suite,
                        SENDER,
                        &generated.update_path,
                        keys,
                        &[],
                        group_context,
                    )
                    .expect("the receiver processes the path");
                assert_eq!(
                    received.commit_secret.as_bytes(),
                    generated.commit_secret.as_bytes(),
                    "leaf {} derives the committer's commit secret",
                    leaf.0
                );
                assert_eq!(
                    view.tree_hash(suite).expect("hashes"),
                    expected.tree_hash(suite).expect("hashes"),
                    "leaf {} agrees on the tree",
                    leaf.0
                );
            }
        }

        let mut updated_leaf = tree.leaf(SENDER).expect("the sender is a member").clone();
        updated_leaf.encryption_key = VarBytes(
            suite
                .generate_hpke_key_pair()
                .expect("key generation works")
                .public_key,
        );
        updated_leaf.leaf_node_source = LeafNodeSourceData::Update;
        sign_leaf_node(&*signer, &mut updated_leaf, GROUP_ID, SENDER).expect("signing works");

        eprintln!(
            "set up a steady-state tree of 2^{log2} = {n} leaves in {:.2?}",
            start.elapsed()
        );
        Self {
            tree,
            signer,
            update_paths: [first.update_path, second.update_path],
            sibling: sibling_keys,
            far: far_keys,
            updated_leaf,
        }
    }
}

/// The measured operations, for the interleaved pass.
#[derive(Clone, Copy)]
enum Operation {
    Generate,
    Apply { far: bool },
    Update,
}

impl Operation {
    const ALL: [Self; 4] = [
        Self::Generate,
        Self::Apply { far: false },
        Self::Apply { far: true },
        Self::Update,
    ];

    fn name(self) -> &'static str {
        match self {
            Self::Generate => "generate_update_path",
            Self::Apply { far: false } => "apply_update_path_sibling",
            Self::Apply { far: true } => "apply_update_path_far",
            Self::Update => "update_leaf_tree_hash",
        }
    }

    /// Runs the operation on `tree` and returns its time; `round` alternates the received
    /// paths and says whether `tree` comes from a previous round ([`Self::prepare`]).
    fn run(
        self,
        suite: &dyn CipherSuiteProvider,
        f: &Fixture,
        tree: &mut RatchetTree,
        round: usize,
    ) -> Duration {
        match self {
            Self::Generate => {
                let template = tree.leaf(SENDER).expect("the sender is a member").clone();
                let start = Instant::now();
                let generated = tree
                    .generate_update_path(
                        suite,
                        SENDER,
                        black_box(template),
                        &*f.signer,
                        GROUP_ID,
                        &[],
                        group_context,
                    )
                    .expect("the sender generates a path");
                let elapsed = start.elapsed();
                drop(black_box(generated));
                elapsed
            }
            Self::Apply { far } => {
                let keys = if far { &f.far } else { &f.sibling };
                let path = &f.update_paths[round % 2];
                let start = Instant::now();
                let received = tree
                    .apply_update_path(suite, SENDER, black_box(path), keys, &[], group_context)
                    .expect("the receiver processes the path");
                let elapsed = start.elapsed();
                drop(black_box(received));
                elapsed
            }
            Self::Update => {
                let leaf = f.updated_leaf.clone();
                let start = Instant::now();
                tree.update_leaf(SENDER, black_box(leaf))
                    .expect("the update is valid");
                let hash = tree.tree_hash(suite).expect("hashes");
                let elapsed = start.elapsed();
                drop(black_box(hash));
                elapsed
            }
        }
    }

    /// Readies a tree that a previous round left for the next run in place: an untimed merge
    /// refills the path that an Update blanked.
    fn prepare(self, suite: &dyn CipherSuiteProvider, f: &Fixture, tree: &mut RatchetTree) {
        if let Self::Update = self {
            tree.merge_update_path(suite, SENDER, &f.update_paths[0])
                .expect("the path applies after the update");
        }
    }
}

/// The rounds of the interleaved pass.
const ROUNDS: usize = 101;

/// After criterion's runs, each operation again at every size in turn, round after round, so
/// that all sizes share whatever load the machine has at the time, and a run descheduled by
/// another process's work does not move the median. Prints the median time per size and the
/// ratio of the largest size to the smallest.
fn interleaved(suite: &dyn CipherSuiteProvider, fixtures: &[&Fixture; SIZES.len()]) {
    let sizes: Vec<String> = SIZES.iter().map(|l| format!("2^{l}")).collect();
    eprintln!("\ninterleaved pass: median of {ROUNDS} rounds, sizes in turn within each round");
    eprintln!("| operation | {} | 2^13 / 2^4 |", sizes.join(" | "));
    eprintln!("|---|{}---|", "---|".repeat(SIZES.len()));
    for in_place in [false, true] {
        for operation in Operation::ALL {
            let mut times: [Vec<Duration>; SIZES.len()] = Default::default();
            let mut trees: Vec<RatchetTree> = fixtures.iter().map(|f| f.tree.clone()).collect();
            let mut runs = [0usize; SIZES.len()];
            for _ in 0..ROUNDS {
                let sizes = fixtures
                    .iter()
                    .zip(&mut trees)
                    .zip(&mut times)
                    .zip(&mut runs);
                for (((f, tree), times), runs) in sizes {
                    // Each timed run follows an untimed one of the same size, so that what runs
                    // just before it (and what it left in the caches) is as in criterion's loop.
                    for timed in [false, true] {
                        let elapsed = if in_place {
                            if *runs > 0 {
                                operation.prepare(suite, f, tree);
                            }
                            operation.run(suite, f, tree, *runs)
                        } else {
                            let mut fresh = f.tree.clone();
                            let elapsed = operation.run(suite, f, &mut fresh, 0);
                            drop(fresh);
                            elapsed
                        };
                        *runs += 1;
                        if timed {
                            times.push(elapsed);
                        }
                    }
                }
            }
            let medians: Vec<Duration> = times
                .iter_mut()
                .map(|t| {
                    t.sort_unstable();
                    t.get(t.len() / 2).copied().unwrap_or_default()
                })
                .collect();
            let cells: Vec<String> = medians
                .iter()
                .map(|d| {
                    let us = d.as_secs_f64() * 1e6;
                    if us < 1000.0 {
                        format!("{us:.1} µs")
                    } else {
                        format!("{:.2} ms", us / 1000.0)
                    }
                })
                .collect();
            let ratio = match (medians.first(), medians.last()) {
                (Some(small), Some(large)) if !small.is_zero() => {
                    format!("{:.2}", large.as_secs_f64() / small.as_secs_f64())
                }
                _ => "-".to_owned(),
            };
            let suffix = if in_place { "_in_place" } else { "" };
            eprintln!(
                "| `{}{suffix}` | {} | {ratio} |",
                operation.name(),
                cells.join(" | ")
            );
        }
    }
}

/// Times `iters` runs of `routine` on one tree that lives across iterations, each run after
/// an untimed `prepare`; what a run returns is dropped outside the timed region.
fn in_place<T, O>(
    iters: u64,
    mut state: T,
    mut prepare: impl FnMut(&mut T, u64),
    mut routine: impl FnMut(&mut T) -> O,
) -> Duration {
    let mut total = Duration::ZERO;
    for i in 0..iters {
        prepare(&mut state, i);
        let start = Instant::now();
        let output = routine(&mut state);
        total += start.elapsed();
        drop(black_box(output));
    }
    total
}

fn tree_benches(c: &mut Criterion) {
    let provider = RustCryptoProvider::new();
    let suite = provider
        .suite(CipherSuite::MLS_128_DHKEMX25519_AES128GCM_SHA256_ED25519)
        .expect("suite 1 is supported");
    // Built on first use, so a filtered run skips the sizes it does not measure.
    let fixtures: [OnceCell<Fixture>; SIZES.len()] = Default::default();
    let mut group = c.benchmark_group("tree");
    group.sample_size(20);
    for (log2, fixture) in SIZES.into_iter().zip(&fixtures) {
        let n = 1u32 << log2;
        let fixture = || fixture.get_or_init(|| Fixture::build(suite, log2));
        let generate = |tree: &mut RatchetTree, template: LeafNode, signer: &dyn Signer| {
            tree.generate_update_path(
                suite,
                SENDER,
                black_box(template),
                signer,
                GROUP_ID,
                &[],
                group_context,
            )
            .expect("the sender generates a path")
        };
        let apply = |tree: &mut RatchetTree, path: &UpdatePath, keys: &TreePrivateKeys| {
            tree.apply_update_path(suite, SENDER, black_box(path), keys, &[], group_context)
                .expect("the receiver processes the path")
        };
        let update = |tree: &mut RatchetTree, leaf: LeafNode| {
            tree.update_leaf(SENDER, black_box(leaf))
                .expect("the update is valid");
            tree.tree_hash(suite).expect("hashes")
        };

        // Each iteration on a fresh clone of the steady-state tree.
        group.bench_function(BenchmarkId::new("generate_update_path", n), |b| {
            let f = fixture();
            let template = f.tree.leaf(SENDER).expect("the sender is a member");
            b.iter_batched(
                || (f.tree.clone(), template.clone()),
                |(mut tree, template)| {
                    let generated = generate(&mut tree, template, &*f.signer);
                    (tree, generated)
                },
                BatchSize::LargeInput,
            );
        });
        for (name, far) in [("sibling", false), ("far", true)] {
            let id = BenchmarkId::new(format!("apply_update_path_{name}"), n);
            group.bench_function(id, |b| {
                let f = fixture();
                let keys = if far { &f.far } else { &f.sibling };
                b.iter_batched(
                    || f.tree.clone(),
                    |mut tree| {
                        let received = apply(&mut tree, &f.update_paths[0], keys);
                        (tree, received)
                    },
                    BatchSize::LargeInput,
                );
            });
        }
        group.bench_function(BenchmarkId::new("update_leaf_tree_hash", n), |b| {
            let f = fixture();
            b.iter_batched(
                || (f.tree.clone(), f.updated_leaf.clone()),
                |(mut tree, leaf)| {
                    let hash = update(&mut tree, leaf);
                    (tree, hash)
                },
                BatchSize::LargeInput,
            );
        });

        // The same operations, one after another on a single tree that stays in memory (and
        // in the caches as far as it fits), as a member's tree does from commit to commit.
        group.bench_function(BenchmarkId::new("generate_update_path_in_place", n), |b| {
            let f = fixture();
            b.iter_custom(|iters| {
                in_place(
                    iters,
                    (f.tree.clone(), None),
                    |(tree, template): &mut (RatchetTree, Option<LeafNode>), _| {
                        *template = tree.leaf(SENDER).cloned();
                    },
                    |(tree, template)| {
                        let template = template.take().expect("the sender is a member");
                        generate(tree, template, &*f.signer)
                    },
                )
            });
        });
        for (name, far) in [("sibling", false), ("far", true)] {
            let id = BenchmarkId::new(format!("apply_update_path_{name}_in_place"), n);
            group.bench_function(id, |b| {
                let f = fixture();
                let keys = if far { &f.far } else { &f.sibling };
                // The two paths alternate: each applies to the tree the other produces.
                b.iter_custom(|iters| {
                    in_place(
                        iters,
                        (f.tree.clone(), 0),
                        |(_, round): &mut (RatchetTree, usize), i| *round = (i % 2) as usize,
                        |(tree, round)| apply(tree, &f.update_paths[*round], keys),
                    )
                });
            });
        }
        group.bench_function(BenchmarkId::new("update_leaf_tree_hash_in_place", n), |b| {
            let f = fixture();
            // Before each Update, the (untimed) merge of a path from the sender refills its
            // direct path.
            b.iter_custom(|iters| {
                in_place(
                    iters,
                    (f.tree.clone(), None),
                    |(tree, leaf): &mut (RatchetTree, Option<LeafNode>), i| {
                        if i > 0 {
                            tree.merge_update_path(suite, SENDER, &f.update_paths[0])
                                .expect("the path applies after the update");
                        }
                        *leaf = Some(f.updated_leaf.clone());
                    },
                    |(tree, leaf)| update(tree, leaf.take().expect("prepared")),
                )
            });
        });
    }
    group.finish();
    // Only after a run that measured every size (not a filtered one).
    if let [Some(a), Some(b), Some(c), Some(d)] = fixtures.each_ref().map(OnceCell::get) {
        interleaved(suite, &[a, b, c, d]);
    }
}

criterion_group!(benches, tree_benches);
criterion_main!(benches);
