//! The group engine end to end (RFC 9420 §10-15), through `mls-group`'s public API, in cipher
//! suites 1 (MLS_128_DHKEMX25519_AES128GCM_SHA256_ED25519) and 2
//! (MLS_128_DHKEMP256_AES128GCM_SHA256_P256), at 2, 16, 128, 1024, 4096 and 8192 members
//! (joins also at 32768), beside the *crypto floor* of each scenario: the public-key and AEAD
//! operations the scenario cannot avoid, timed on the same provider in the same run.
//!
//! Benchmark groups (`s1` / `s2` is the suite on the default provider, `awslc_s1` /
//! `awslc_s2` the same suite on the aws-lc provider at 1024 and 4096 members; each entry of
//! [`SETUPS`] is a provider and a suite, and has its own three groups):
//!
//! - `group_s1` / `group_s2`, one id per scenario and group size N:
//!   - `commit_create/N`: leaf 1 commits a self-update (`self_update` + `merge_pending_commit`);
//!   - `commit_process/N`: leaf 0 processes such a commit (`process_message`, which merges);
//!   - `add_K/N` (K = 1, 100, 1000): leaf 0 adds K members from pre-made key packages in one
//!     commit (`add_members` + `merge_pending_commit`, Welcome included, no UpdatePath), each
//!     time on a fresh copy of the same state (loaded, untimed, from a saved snapshot);
//!   - `join/N`: a member joins from a Welcome, the ratchet tree passed **out of band**
//!     (`Client::join(welcome, Some(tree))`); the Welcome is the one of the bulk add that
//!     created the group (it has N-1 entries) and the joiner's key package is a last-resort
//!     one, so it can join again and again;
//!   - `group_info/N`: leaf 0 makes a GroupInfo (signed, with `external_pub`, no tree);
//!   - `external_join/N`: a new client joins from it by external commit, the tree passed out of
//!     band (`join_by_external_commit(group_info, Some(tree), None)`);
//!   - `external_process/N`: leaf 0 processes that external commit (each time on a fresh copy
//!     of the snapshot);
//!   - `app_protect/N` / `app_unprotect/N`: a 1 KiB application message, leaf 1 to leaf 0;
//!   - `save/N` / `load/N`: leaf 0's `save()` and `Group::load`;
//!   - `key_package` (no N): `Client::key_package`.
//! - `floor_s1` / `floor_s2`: the floor of each of these scenarios under the same id (add
//!   floors do not depend on N: `add_K`), as a composite of provider calls (see [`Ops`]):
//!   - protect: 1 signature + AEAD seal of 1 KiB; unprotect: 1 verification + AEAD open;
//!   - commit create: 1 + P DeriveKeyPair (leaf and each filtered direct path node), one HPKE
//!     seal per node of the copath resolutions, 2 signatures (leaf node, commit);
//!   - commit process: 2 verifications, 1 HPKE open, one DeriveKeyPair per path node from the
//!     first common ancestor up (the receiver checks every public key it can derive);
//!   - add K: K × (2 verifications + 1 HPKE seal) + 2 signatures (commit, GroupInfo);
//!   - join at N: N + 1 verifications (every leaf, single core, and the GroupInfo) + 1 HPKE
//!     open;
//!   - group info: 1 signature + 1 DeriveKeyPair (the external key pair);
//!   - external join: the join's N + 1 verifications, 1 HPKE export (sender), the commit's
//!     path as for commit create;
//!   - external process: 2 verifications, 1 HPKE export (receiver), 1 HPKE open and the
//!     receiver's DeriveKeyPairs;
//!   - key package: 2 signatures + 2 HPKE key generations.
//!
//!   The path counts are read from the actual trees (filtered direct path and resolutions).
//!   Hashes, KDFs and the small AEADs of handshake framing are left out of the floors.
//! - `primitive_s1` / `primitive_s2`: each provider operation alone.
//!
//! The groups: leaf 0 (the creator) adds everybody else in one commit without a path, from key
//! packages made beforehand; the Welcome does not carry the ratchet tree
//! (`GroupConfig::ratchet_tree_extension = false`), and every joiner gets the tree out of band.
//! Then the group is brought to the steady state of a long-lived group *for leaf 1*: one
//! member in each of leaf 1's copath subtrees (leaves N/2, N/4, ..., 2, in this order) commits
//! a self-update, so that every node of leaf 1's copath is filled and each copath resolution
//! is a single node; leaf 0 and leaf 1 process these commits, the helpers are then dropped.
//! Leaf 1 is the committer of `commit_create`, leaf 0 (its sibling, the receiver that derives
//! the most path secrets) processes. Handshake messages are PrivateMessages (the default).
//!
//! Each (suite, N) fixture is built once, on first use, so a filtered run builds only the
//! sizes it measures (at 8192 members in suite 2 this takes about a minute); the join-only
//! size 32768 skips the steady-state part.
//!
//! Quick mode (the whole crate in under 5 minutes on 2 cores, see `docs/performance.md`):
//!
//! ```text
//! cargo bench -p mls-benches -- --quick --measurement-time 1
//! ```
//!
//! In quick mode criterion stops a benchmark whose first iteration took longer than the
//! measurement time after that single iteration, so the large sizes get minimal samples.

use std::cell::{OnceCell, RefCell};
use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::measurement::WallTime;
use criterion::{
    BatchSize, BenchmarkGroup, BenchmarkId, Criterion, criterion_group, criterion_main,
};
use mls_codec::{CipherSuite, Credential, VarBytes};
use mls_crypto::{
    CipherSuiteProvider, CryptoError, CryptoProvider, HpkeKeyPair, HpkeSealed, Signer, Zeroizing,
};
use mls_crypto_awslc::AwsLcProvider;
use mls_crypto_rustcrypto::RustCryptoProvider;
use mls_group::{Client, Group, GroupConfig, ProcessedMessage};
use mls_tree::{LeafIndex, RatchetTree};

/// The default provider.
static RUST_CRYPTO: RustCryptoProvider = RustCryptoProvider;

/// The second provider, compared with the first at [`PROVIDER_SIZES`].
static AWS_LC: AwsLcProvider = AwsLcProvider;

/// One measured configuration: a provider and a suite, the short name of the pair in
/// benchmark ids, and the group sizes of its scenarios.
#[derive(Clone, Copy)]
struct Setup {
    short: &'static str,
    provider: &'static (dyn CryptoProvider + 'static),
    cipher_suite: CipherSuite,
    sizes: &'static [u32],
}

impl Setup {
    /// The provider, shared as clients and groups hold it.
    fn provider(&self) -> Arc<dyn CryptoProvider> {
        Arc::new(StaticProvider(self.provider))
    }

    fn suite(&self) -> &'static dyn CipherSuiteProvider {
        self.provider
            .suite(self.cipher_suite)
            .expect("a supported suite")
    }

    fn client(&self, name: &str) -> Client {
        let mut client = Client::new(self.provider(), self.cipher_suite, name.as_bytes())
            .expect("creating a client");
        client.set_config(config());
        client
    }

    /// Key packages (MLSMessage bytes) of fresh clients, made on two threads.
    fn key_packages(&self, prefix: &str, count: usize) -> Vec<Vec<u8>> {
        mls_benches::on_two_threads(count, |i| {
            self.client(&format!("{prefix}{i}"))
                .key_package()
                .expect("creating a key package")
        })
    }
}

/// A `'static` provider behind the `Arc<dyn CryptoProvider>` that clients take.
struct StaticProvider(&'static dyn CryptoProvider);

impl CryptoProvider for StaticProvider {
    fn suite(&self, cipher_suite: CipherSuite) -> Result<&dyn CipherSuiteProvider, CryptoError> {
        self.0.suite(cipher_suite)
    }

    fn supported_suites(&self) -> &[CipherSuite] {
        self.0.supported_suites()
    }
}

/// The configurations measured: suites 1 and 2 on each provider.
const SETUPS: [Setup; 4] = [
    Setup {
        short: "s1",
        provider: &RUST_CRYPTO,
        cipher_suite: CipherSuite::MLS_128_DHKEMX25519_AES128GCM_SHA256_ED25519,
        sizes: &SIZES,
    },
    Setup {
        short: "s2",
        provider: &RUST_CRYPTO,
        cipher_suite: CipherSuite::MLS_128_DHKEMP256_AES128GCM_SHA256_P256,
        sizes: &SIZES,
    },
    Setup {
        short: "awslc_s1",
        provider: &AWS_LC,
        cipher_suite: CipherSuite::MLS_128_DHKEMX25519_AES128GCM_SHA256_ED25519,
        sizes: &PROVIDER_SIZES,
    },
    Setup {
        short: "awslc_s2",
        provider: &AWS_LC,
        cipher_suite: CipherSuite::MLS_128_DHKEMP256_AES128GCM_SHA256_P256,
        sizes: &PROVIDER_SIZES,
    },
];

/// The group sizes at which the second provider is measured.
const PROVIDER_SIZES: [u32; 2] = [1024, 4096];

/// The group sizes of the default provider's scenarios, the join-only size included.
const SIZES: [u32; 7] = [2, 16, 128, 1024, 4096, 8192, JOIN_ONLY];

/// The extra size of the join benchmark.
const JOIN_ONLY: u32 = 32768;

/// The largest size of suite 2 in quick mode (see [`sizes`]).
const QUICK_S2_MAX: u32 = 4096;

/// How many members one commit adds.
const ADDS: [usize; 3] = [1, 100, 1000];

/// Floors time at most this many runs of one operation and scale (see [`Material::run`]).
const SCALE_ABOVE: usize = 256;

/// The application message size.
const MESSAGE: usize = 1024;

/// The committer (leaf 1) and the receiver (leaf 0, the creator).
const COMMITTER: LeafIndex = LeafIndex(1);
const RECEIVER: LeafIndex = LeafIndex(0);

/// The settings of every member: the Welcome and the GroupInfo carry no ratchet tree.
fn config() -> GroupConfig {
    GroupConfig::default().with_ratchet_tree_extension(false)
}

/// Processes `bytes`, which must be a commit.
fn process_commit(group: &mut Group, bytes: &[u8]) {
    match group.process_message(bytes) {
        Ok(ProcessedMessage::Commit { .. }) => {}
        Ok(other) => panic!("expected a commit, got {other:?}"),
        Err(error) => panic!("processing a commit failed: {error}"),
    }
}

/// Counts of provider operations: the crypto floor of a scenario.
#[derive(Debug, Default, Clone, Copy)]
struct Ops {
    sign: usize,
    verify: usize,
    seal: usize,
    open: usize,
    derive: usize,
    generate: usize,
    export_sender: usize,
    export_receiver: usize,
    aead_seal: usize,
    aead_open: usize,
}

/// The floor of sending (`sender`) and of receiving (`receiver`) an UpdatePath from
/// `sender` in `tree`, whose copath children the path does not change.
fn path_ops(tree: &RatchetTree, sender: LeafIndex, receiver: LeafIndex) -> (Ops, Ops) {
    let path = tree
        .filtered_direct_path(sender)
        .expect("the sender is in the tree");
    let seals = path
        .iter()
        .map(|(_, copath)| tree.resolution(*copath).expect("a node of the tree").len())
        .sum();
    let above_receiver = path
        .iter()
        .filter(|(parent, _)| receiver.node().is_in_subtree_of(*parent))
        .count();
    let send = Ops {
        derive: 1 + path.len(),
        seal: seals,
        sign: 2,
        ..Ops::default()
    };
    let receive = Ops {
        verify: 2,
        open: usize::from(above_receiver > 0),
        derive: above_receiver,
        ..Ops::default()
    };
    (send, receive)
}

/// One provider operation on [`Material`].
type Operation = fn(&Material);

/// Inputs for every provider operation of a suite.
struct Material {
    suite: &'static dyn CipherSuiteProvider,
    signer: Box<dyn Signer>,
    message: Vec<u8>,
    signature: Vec<u8>,
    key_pair: HpkeKeyPair,
    sealed: HpkeSealed,
    export_kem_output: Vec<u8>,
    aead_key: Vec<u8>,
    nonce: Vec<u8>,
    plaintext: Vec<u8>,
    aead_ciphertext: Vec<u8>,
}

impl Material {
    fn new(setup: Setup) -> Self {
        let suite = setup.suite();
        let keys = suite.generate_signature_key_pair().expect("key generation");
        let signer = suite.signer(&keys.private_key).expect("a valid key");
        // About the size of a LeafNodeTBS or a FramedContentTBS.
        let message = vec![0x5a; 256];
        let signature = signer.sign(&message).expect("signing");
        let key_pair = suite.derive_hpke_key_pair(&[7; 32]).expect("DeriveKeyPair");
        let sealed = suite
            .hpke_seal(&key_pair.public_key, &[1; 64], &[], &[2; 32])
            .expect("HPKE seal");
        let (export_kem_output, _) = suite
            .hpke_export_sender(
                &key_pair.public_key,
                &[],
                b"MLS 1.0 external init secret",
                32,
            )
            .expect("HPKE export");
        let key_len = suite.params().aead.key_len();
        let nonce_len = suite.params().aead.nonce_len();
        let aead_key = vec![3; key_len];
        let nonce = vec![4; nonce_len];
        let plaintext = vec![0x61; MESSAGE];
        let aead_ciphertext = suite
            .aead_seal(&aead_key, &nonce, &[5; 64], &plaintext)
            .expect("AEAD seal");
        Self {
            suite,
            signer,
            message,
            signature,
            key_pair,
            sealed,
            export_kem_output,
            aead_key,
            nonce,
            plaintext,
            aead_ciphertext,
        }
    }

    fn sign(&self) {
        black_box(self.signer.sign(black_box(&self.message)).expect("signing"));
    }

    fn verify(&self) {
        self.suite
            .verify(
                self.signer.public_key(),
                black_box(&self.message),
                &self.signature,
            )
            .expect("a valid signature");
    }

    fn seal(&self) {
        black_box(
            self.suite
                .hpke_seal(
                    &self.key_pair.public_key,
                    &[1; 64],
                    &[],
                    black_box(&[2; 32]),
                )
                .expect("HPKE seal"),
        );
    }

    fn open(&self) {
        black_box(
            self.suite
                .hpke_open(
                    &self.key_pair.private_key,
                    &self.sealed.kem_output,
                    &[1; 64],
                    &[],
                    black_box(&self.sealed.ciphertext),
                )
                .expect("HPKE open"),
        );
    }

    fn derive(&self) {
        black_box(
            self.suite
                .derive_hpke_key_pair(black_box(&[9; 32]))
                .expect("DeriveKeyPair"),
        );
    }

    fn generate(&self) {
        black_box(
            self.suite
                .generate_hpke_key_pair()
                .expect("GenerateKeyPair"),
        );
    }

    fn export_sender(&self) {
        black_box(
            self.suite
                .hpke_export_sender(
                    black_box(&self.key_pair.public_key),
                    &[],
                    b"MLS 1.0 external init secret",
                    32,
                )
                .expect("HPKE export"),
        );
    }

    fn export_receiver(&self) {
        black_box(
            self.suite
                .hpke_export_receiver(
                    &self.key_pair.private_key,
                    black_box(&self.export_kem_output),
                    &[],
                    b"MLS 1.0 external init secret",
                    32,
                )
                .expect("HPKE export"),
        );
    }

    fn aead_seal(&self) {
        black_box(
            self.suite
                .aead_seal(
                    &self.aead_key,
                    &self.nonce,
                    &[5; 64],
                    black_box(&self.plaintext),
                )
                .expect("AEAD seal"),
        );
    }

    fn aead_open(&self) {
        black_box(
            self.suite
                .aead_open(
                    &self.aead_key,
                    &self.nonce,
                    &[5; 64],
                    black_box(&self.aead_ciphertext),
                )
                .expect("AEAD open"),
        );
    }

    fn hash(&self) {
        black_box(self.suite.hash(black_box(&self.plaintext)));
    }

    /// Times the operations of a floor, one after the other on one core. An operation that
    /// occurs more than [`SCALE_ABOVE`] times is timed on [`SCALE_ABOVE`] runs and its time
    /// scaled linearly (each run repeats the same independent computation).
    fn run(&self, ops: &Ops) -> Duration {
        let steps: [(usize, Operation); 10] = [
            (ops.sign, Self::sign),
            (ops.verify, Self::verify),
            (ops.seal, Self::seal),
            (ops.open, Self::open),
            (ops.derive, Self::derive),
            (ops.generate, Self::generate),
            (ops.export_sender, Self::export_sender),
            (ops.export_receiver, Self::export_receiver),
            (ops.aead_seal, Self::aead_seal),
            (ops.aead_open, Self::aead_open),
        ];
        let mut total = Duration::ZERO;
        for (count, step) in steps {
            let runs = count.min(SCALE_ABOVE);
            let start = Instant::now();
            for _ in 0..runs {
                step(self);
            }
            let elapsed = start.elapsed();
            total += if runs == count {
                elapsed
            } else {
                elapsed.mul_f64(count as f64 / runs as f64)
            };
        }
        total
    }
}

/// Leaf 0 and leaf 1 of a group in steady state, and what the benchmarks need of them.
struct Live {
    /// Leaf 0, the creator: receiver of the commits and application messages.
    alice: Group,
    /// Leaf 1: the committer and sender.
    bob: Group,
}

/// A snapshot of leaf 0, to start some benchmarks from the same state every time.
struct Snapshot {
    setup: Setup,
    bytes: Zeroizing<Vec<u8>>,
    signer: Arc<dyn Signer>,
}

impl Snapshot {
    fn load(&self) -> Group {
        Group::load(
            self.setup.provider(),
            self.signer.clone(),
            config(),
            &self.bytes,
        )
        .expect("loading")
    }
}

/// An external join prepared against the snapshot.
struct External {
    group_info: Vec<u8>,
    tree: Vec<u8>,
    joiner: RefCell<Client>,
    commit: Vec<u8>,
    join_ops: Ops,
    process_ops: Ops,
}

/// A steady-state group and its material (absent at the join-only size).
struct Steady {
    live: RefCell<Live>,
    snapshot: Snapshot,
    create_ops: Ops,
    process_ops: Ops,
    external: OnceCell<External>,
}

/// One (setup, N) fixture.
struct Fixture {
    n: u32,
    setup: Setup,
    /// The Welcome of the bulk add, the tree for it, and the client whose last-resort key
    /// package it adds at leaf 1.
    welcome: Vec<u8>,
    tree: Vec<u8>,
    joiner: RefCell<Client>,
    steady: Option<Steady>,
}

impl Fixture {
    fn build(setup: Setup, n: u32, steady: bool) -> Self {
        let start = Instant::now();
        let cipher_suite = setup.cipher_suite;
        let suite = setup.suite();
        let keys = suite.generate_signature_key_pair().expect("key generation");
        let credential = Credential::Basic {
            identity: VarBytes::from(&b"alice"[..]),
        };
        let mut alice = Client::with_signature_key(
            setup.provider(),
            cipher_suite,
            credential,
            &keys.private_key,
        )
        .expect("alice's client");
        alice.set_config(config());
        let alice_signer: Arc<dyn Signer> =
            Arc::from(suite.signer(&keys.private_key).expect("a valid key"));

        let mut bob = setup.client("bob");
        // Leaf 2^j is the first leaf of leaf 1's j-th copath subtree (j >= 1).
        let levels = n.trailing_zeros();
        let helper_leaves: Vec<u32> = if steady {
            (1..levels).map(|j| 1 << j).collect()
        } else {
            vec![]
        };
        let mut helpers: Vec<Client> = helper_leaves
            .iter()
            .map(|leaf| setup.client(&format!("helper{leaf}")))
            .collect();

        // Leaf i+1 gets key_packages[i]: adds fill the leftmost blank leaf (§7.7).
        let count = usize::try_from(n - 1).expect("a small count");
        let mut kps = setup.key_packages("member", count);
        kps[0] = bob.last_resort_key_package().expect("bob's key package");
        for (leaf, helper) in helper_leaves.iter().zip(&mut helpers) {
            kps[usize::try_from(leaf - 1).expect("a small index")] =
                helper.key_package().expect("a helper's key package");
        }
        let kp_time = start.elapsed();

        let mut ga = alice
            .create_group(b"benchmark group")
            .expect("creating the group");
        let out = ga.add_members(&kps).expect("the bulk add");
        ga.merge_pending_commit().expect("merging the bulk add");
        drop(kps);
        let welcome = out.welcome.expect("the bulk add has a Welcome");
        let tree = ga.ratchet_tree().expect("encoding the tree");
        let add_time = start.elapsed() - kp_time;
        assert_eq!(ga.member_count(), n, "the group has N members");

        let steady = steady.then(|| {
            let mut gb = bob.join(&welcome, Some(&tree)).expect("bob joins");
            assert_eq!(gb.own_leaf(), COMMITTER, "bob's leaf");
            let mut gh: Vec<Group> = helpers
                .iter_mut()
                .map(|h| h.join(&welcome, Some(&tree)).expect("a helper joins"))
                .collect();
            // Largest subtree first: each helper's commit then encrypts to about half the
            // leaves the previous one did (2N HPKE seals in all, not N log N).
            while let Some(mut helper) = gh.pop() {
                let out = helper.self_update().expect("a helper's self-update");
                helper.merge_pending_commit().expect("merging it");
                for g in std::iter::once(&mut ga)
                    .chain(std::iter::once(&mut gb))
                    .chain(&mut gh)
                {
                    process_commit(g, &out.commit);
                }
            }
            // One commit of bob's fills his direct path.
            let out = gb.self_update().expect("bob's self-update");
            gb.merge_pending_commit().expect("merging it");
            process_commit(&mut ga, &out.commit);
            assert_eq!(
                ga.epoch_authenticator(),
                gb.epoch_authenticator(),
                "agreement"
            );

            let tree = RatchetTree::from_bytes(&ga.ratchet_tree().expect("encoding"))
                .expect("decoding the tree");
            let (create_ops, process_ops) = path_ops(&tree, COMMITTER, RECEIVER);
            // Steady state: one node per copath resolution.
            assert_eq!(create_ops.seal, levels as usize, "steady state for leaf 1");
            let snapshot = Snapshot {
                setup,
                bytes: ga.save().expect("saving"),
                signer: alice_signer,
            };
            Steady {
                live: RefCell::new(Live { alice: ga, bob: gb }),
                snapshot,
                create_ops,
                process_ops,
                external: OnceCell::new(),
            }
        });
        eprintln!(
            "fixture {} N={n}: key packages {kp_time:.2?}, bulk add {add_time:.2?}, total {:.2?}",
            setup.short,
            start.elapsed()
        );
        Self {
            n,
            setup,
            welcome,
            tree,
            joiner: RefCell::new(bob),
            steady,
        }
    }

    fn steady(&self) -> &Steady {
        self.steady.as_ref().expect("a steady-state fixture")
    }

    fn external(&self) -> &External {
        let steady = self.steady();
        steady.external.get_or_init(|| {
            let group = steady.snapshot.load();
            let group_info = group.group_info().expect("a GroupInfo");
            let tree = group.ratchet_tree().expect("the tree");
            let mut joiner = self.setup.client("external joiner");
            let (joined, commit) = joiner
                .join_by_external_commit(&group_info, Some(&tree), None)
                .expect("an external join");
            let after = RatchetTree::from_bytes(&joined.ratchet_tree().expect("encoding"))
                .expect("decoding");
            let (mut join_ops, mut process_ops) = path_ops(&after, joined.own_leaf(), RECEIVER);
            join_ops.verify = usize::try_from(self.n).expect("small") + 1;
            join_ops.export_sender = 1;
            process_ops.export_receiver = 1;
            External {
                group_info,
                tree,
                joiner: RefCell::new(joiner),
                commit,
                join_ops,
                process_ops,
            }
        })
    }
}

/// Lazily built fixtures of one setup, by size.
struct Fixtures {
    setup: Setup,
    by_size: Vec<(u32, OnceCell<Fixture>)>,
    add_key_packages: OnceCell<Vec<Vec<u8>>>,
}

impl Fixtures {
    fn new(setup: Setup, sizes: &[u32]) -> Self {
        Self {
            setup,
            by_size: sizes.iter().map(|&n| (n, OnceCell::new())).collect(),
            add_key_packages: OnceCell::new(),
        }
    }

    fn get(&self, n: u32) -> &Fixture {
        let (_, cell) = self
            .by_size
            .iter()
            .find(|(size, _)| *size == n)
            .expect("a benchmarked size");
        cell.get_or_init(|| Fixture::build(self.setup, n, n != JOIN_ONLY))
    }

    /// The key packages of the add benchmarks (the largest count; smaller adds take a prefix).
    fn add_key_packages(&self, count: usize) -> &[Vec<u8>] {
        let all = self
            .add_key_packages
            .get_or_init(|| self.setup.key_packages("added", ADDS[ADDS.len() - 1]));
        &all[..count]
    }
}

/// Times `iters` runs of `routine`, each followed by an untimed `after` that receives the
/// routine's output.
fn timed<T>(iters: u64, mut routine: impl FnMut() -> T, mut after: impl FnMut(T)) -> Duration {
    let mut total = Duration::ZERO;
    for _ in 0..iters {
        let start = Instant::now();
        let output = routine();
        total += start.elapsed();
        after(output);
    }
    total
}

fn scenarios(group: &mut BenchmarkGroup<'_, WallTime>, fixtures: &Fixtures, sizes: &[u32]) {
    group.bench_function("key_package", |b| {
        let mut client = fixtures.setup.client("kp");
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let start = Instant::now();
                let kp = client.key_package().expect("a key package");
                total += start.elapsed();
                client.forget_key_package(&kp).expect("forgetting it");
            }
            total
        });
    });
    for &n in sizes {
        group.bench_function(BenchmarkId::new("join", n), |b| {
            let f = fixtures.get(n);
            let mut joiner = f.joiner.borrow_mut();
            b.iter_with_large_drop(|| {
                joiner
                    .join(black_box(&f.welcome), Some(&f.tree))
                    .expect("joining")
            });
        });
        if n == JOIN_ONLY {
            continue;
        }
        group.bench_function(BenchmarkId::new("commit_create", n), |b| {
            let mut live = fixtures.get(n).steady().live.borrow_mut();
            let Live { alice, bob } = &mut *live;
            b.iter_custom(|iters| {
                timed(
                    iters,
                    || {
                        let out = bob.self_update().expect("a self-update");
                        bob.merge_pending_commit().expect("merging it");
                        out
                    },
                    |out| process_commit(alice, &out.commit),
                )
            });
        });
        group.bench_function(BenchmarkId::new("commit_process", n), |b| {
            let mut live = fixtures.get(n).steady().live.borrow_mut();
            let Live { alice, bob } = &mut *live;
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    let out = bob.self_update().expect("a self-update");
                    bob.merge_pending_commit().expect("merging it");
                    let start = Instant::now();
                    let processed = alice.process_message(black_box(&out.commit));
                    total += start.elapsed();
                    assert!(matches!(processed, Ok(ProcessedMessage::Commit { .. })));
                }
                total
            });
        });
        for k in ADDS {
            group.bench_function(BenchmarkId::new(format!("add_{k}"), n), |b| {
                let steady = fixtures.get(n).steady();
                let kps = fixtures.add_key_packages(k);
                b.iter_batched(
                    || steady.snapshot.load(),
                    |mut group| {
                        let out = group.add_members(kps).expect("adding");
                        group.merge_pending_commit().expect("merging the add");
                        (group, out)
                    },
                    BatchSize::LargeInput,
                );
            });
        }
        group.bench_function(BenchmarkId::new("group_info", n), |b| {
            let live = fixtures.get(n).steady().live.borrow();
            b.iter_with_large_drop(|| live.alice.group_info().expect("a GroupInfo"));
        });
        group.bench_function(BenchmarkId::new("external_join", n), |b| {
            let external = fixtures.get(n).external();
            let mut joiner = external.joiner.borrow_mut();
            b.iter_with_large_drop(|| {
                joiner
                    .join_by_external_commit(
                        black_box(&external.group_info),
                        Some(&external.tree),
                        None,
                    )
                    .expect("an external join")
            });
        });
        group.bench_function(BenchmarkId::new("external_process", n), |b| {
            let f = fixtures.get(n);
            let external = f.external();
            b.iter_batched(
                || f.steady().snapshot.load(),
                |mut group| {
                    process_commit(&mut group, black_box(&external.commit));
                    group
                },
                BatchSize::LargeInput,
            );
        });
        let payload = vec![0x61; MESSAGE];
        group.bench_function(BenchmarkId::new("app_protect", n), |b| {
            let mut live = fixtures.get(n).steady().live.borrow_mut();
            let Live { alice, bob } = &mut *live;
            b.iter_custom(|iters| {
                timed(
                    iters,
                    || {
                        bob.encrypt_application_message(black_box(&payload))
                            .expect("protect")
                    },
                    |bytes| {
                        alice.process_message(&bytes).expect("unprotect");
                    },
                )
            });
        });
        group.bench_function(BenchmarkId::new("app_unprotect", n), |b| {
            let mut live = fixtures.get(n).steady().live.borrow_mut();
            let Live { alice, bob } = &mut *live;
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    let bytes = bob.encrypt_application_message(&payload).expect("protect");
                    let start = Instant::now();
                    let received = alice.process_message(black_box(&bytes));
                    total += start.elapsed();
                    match received {
                        Ok(ProcessedMessage::Application { data, .. }) => {
                            assert_eq!(data, payload, "the decrypted message");
                        }
                        other => panic!("expected an application message, got {other:?}"),
                    }
                }
                total
            });
        });
        group.bench_function(BenchmarkId::new("save", n), |b| {
            let live = fixtures.get(n).steady().live.borrow();
            b.iter_with_large_drop(|| live.alice.save().expect("saving"));
        });
        group.bench_function(BenchmarkId::new("load", n), |b| {
            let snapshot = &fixtures.get(n).steady().snapshot;
            b.iter_with_large_drop(|| snapshot.load());
        });
    }
}

fn floors(
    group: &mut BenchmarkGroup<'_, WallTime>,
    fixtures: &Fixtures,
    m: &Material,
    sizes: &[u32],
) {
    let mut bench = |id: BenchmarkId, ops: &dyn Fn() -> Ops| {
        group.bench_function(id, |b| {
            let ops = ops();
            b.iter_custom(|iters| (0..iters).map(|_| m.run(&ops)).sum());
        });
    };
    bench(BenchmarkId::from_parameter("key_package"), &|| Ops {
        sign: 2,
        generate: 2,
        ..Ops::default()
    });
    for k in ADDS {
        bench(BenchmarkId::from_parameter(format!("add_{k}")), &|| Ops {
            verify: 2 * k,
            seal: k,
            sign: 2,
            ..Ops::default()
        });
    }
    for &n in sizes {
        let size = usize::try_from(n).expect("a small size");
        bench(BenchmarkId::new("join", n), &|| Ops {
            verify: size + 1,
            open: 1,
            ..Ops::default()
        });
        if n == JOIN_ONLY {
            continue;
        }
        bench(BenchmarkId::new("commit_create", n), &|| {
            fixtures.get(n).steady().create_ops
        });
        bench(BenchmarkId::new("commit_process", n), &|| {
            fixtures.get(n).steady().process_ops
        });
        bench(BenchmarkId::new("group_info", n), &|| Ops {
            sign: 1,
            derive: 1,
            ..Ops::default()
        });
        bench(BenchmarkId::new("external_join", n), &|| {
            fixtures.get(n).external().join_ops
        });
        bench(BenchmarkId::new("external_process", n), &|| {
            fixtures.get(n).external().process_ops
        });
        bench(BenchmarkId::new("app_protect", n), &|| Ops {
            sign: 1,
            aead_seal: 1,
            ..Ops::default()
        });
        bench(BenchmarkId::new("app_unprotect", n), &|| Ops {
            verify: 1,
            aead_open: 1,
            ..Ops::default()
        });
    }
}

fn primitives(group: &mut BenchmarkGroup<'_, WallTime>, m: &Material) {
    let all: [(&str, Operation); 11] = [
        ("sign", Material::sign),
        ("verify", Material::verify),
        ("hpke_seal", Material::seal),
        ("hpke_open", Material::open),
        ("derive_key_pair", Material::derive),
        ("generate_key_pair", Material::generate),
        ("hpke_export_sender", Material::export_sender),
        ("hpke_export_receiver", Material::export_receiver),
        ("aead_seal_1k", Material::aead_seal),
        ("aead_open_1k", Material::aead_open),
        ("hash_1k", Material::hash),
    ];
    for (name, operation) in all {
        group.bench_function(name, |b| b.iter(|| operation(m)));
    }
}

/// The sizes measured in a setup. All of them, except in criterion's quick mode
/// (`--quick`), where suite 2 stops at [`QUICK_S2_MAX`] members unless the environment sets
/// `MLS_BENCH_ALL_SIZES=1`: its fixtures at 8192 and 32768 members take minutes to build on
/// two cores (P-256 verifications and HPKE seals are 5 to 7 times slower than suite 1's).
fn sizes(setup: Setup) -> Vec<u32> {
    let quick = std::env::args().any(|arg| arg == "--quick");
    let all = std::env::var_os("MLS_BENCH_ALL_SIZES").is_some_and(|v| v == "1");
    let cap = if quick
        && !all
        && setup.cipher_suite == CipherSuite::MLS_128_DHKEMP256_AES128GCM_SHA256_P256
    {
        QUICK_S2_MAX
    } else {
        u32::MAX
    };
    setup.sizes.iter().copied().filter(|&n| n <= cap).collect()
}

fn group_benches(c: &mut Criterion) {
    for setup in SETUPS {
        let short = setup.short;
        let sizes = sizes(setup);
        let fixtures = Fixtures::new(setup, &sizes);
        let material = Material::new(setup);
        let mut group = c.benchmark_group(format!("primitive_{short}"));
        primitives(&mut group, &material);
        group.finish();
        let mut group = c.benchmark_group(format!("group_{short}"));
        group.sample_size(10);
        scenarios(&mut group, &fixtures, &sizes);
        group.finish();
        let mut group = c.benchmark_group(format!("floor_{short}"));
        group.sample_size(10);
        floors(&mut group, &fixtures, &material, &sizes);
        group.finish();
    }
}

criterion_group!(benches, group_benches);
criterion_main!(benches);
