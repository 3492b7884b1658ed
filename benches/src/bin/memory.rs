//! The memory of a group member (suite 1), for the group sizes given on the command line:
//!
//! ```text
//! cargo run --release -p mls-benches --bin memory -- 1024 8192 16384
//! ```
//!
//! For each size N the creator adds N-1 members in one commit (no UpdatePath; the Welcome
//! without the ratchet tree, which the joiner gets out of band), the member at leaf 1 joins,
//! commits a self-update and the creator processes it. For the creator (leaf 0) and that
//! joined member (leaf 1) it prints
//!
//! - `saved`: the length of `Group::save()`, the member's whole state as bytes;
//! - `in memory`: the resident memory the state takes once loaded with `Group::load`.
//!
//! The workspace forbids unsafe code (`unsafe_code = "forbid"`, which no `#[allow]` can lift),
//! and a counting `#[global_allocator]` needs an `unsafe impl GlobalAlloc`. So the in-memory
//! size is measured from the outside: the growth of the process's resident set (`VmRSS` in
//! `/proc/self/status`) while [`COPIES`] copies of the state are loaded from the saved bytes
//! and kept alive, divided by [`COPIES`]. The temporary allocations of one load are freed and
//! reused by the next, so they count once, not per copy; allocator overhead and fragmentation
//! are included, as they are in a real process. The figure is an estimate to within a few
//! hundred KiB (the granularity of the heap's growth), not an exact byte count. Linux only.
#![forbid(unsafe_code)]

use std::sync::Arc;
use std::time::Instant;

use mls_codec::{CipherSuite, Credential, VarBytes};
use mls_crypto::{CryptoProvider, SignaturePrivateKey, Signer};
use mls_crypto_rustcrypto::RustCryptoProvider;
use mls_group::{Client, Group, GroupConfig, ProcessedMessage};

const SUITE: CipherSuite = CipherSuite::MLS_128_DHKEMX25519_AES128GCM_SHA256_ED25519;

/// How many copies of a state are loaded to measure one.
const COPIES: usize = 4;

fn config() -> GroupConfig {
    GroupConfig::default().with_ratchet_tree_extension(false)
}

/// A client and its signature private key, from which a measuring process makes the signer
/// that `Group::load` needs.
fn client(name: &str) -> (Client, Vec<u8>) {
    let suite = RustCryptoProvider.suite(SUITE).expect("suite 1");
    let keys = suite.generate_signature_key_pair().expect("key generation");
    let credential = Credential::Basic {
        identity: VarBytes::from(name.as_bytes()),
    };
    let mut client = Client::with_signature_key(
        Arc::new(RustCryptoProvider),
        SUITE,
        credential,
        &keys.private_key,
    )
    .expect("a client");
    client.set_config(config());
    (client, keys.private_key.as_bytes().to_vec())
}

/// Key packages of `count` fresh clients, made on two threads.
fn key_packages(count: usize) -> Vec<Vec<u8>> {
    mls_benches::on_two_threads(count, |i| {
        client(&format!("member{i}"))
            .0
            .key_package()
            .expect("a key package")
    })
}

/// The resident set size of this process in bytes.
fn rss() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("reading /proc/self/status");
    let kib: u64 = status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("a VmRSS line");
    kib * 1024
}

/// The resident memory of one loaded copy of a saved state, as described at the top, measured
/// in a child process (this program with `--measure FILE`) so that no memory freed by
/// building the groups is reused by the loads. The file holds the signature private key (as
/// a u32 length and the bytes), then the saved state.
fn in_memory(saved: &[u8], signature_key: &[u8]) -> u64 {
    let path = std::env::temp_dir().join(format!("mls-memory-{}.state", std::process::id()));
    let mut file = Vec::with_capacity(4 + signature_key.len() + saved.len());
    let key_len = u32::try_from(signature_key.len()).expect("a short key");
    file.extend_from_slice(&key_len.to_be_bytes());
    file.extend_from_slice(signature_key);
    file.extend_from_slice(saved);
    std::fs::write(&path, &file).expect("writing the state file");
    let output = std::process::Command::new(std::env::current_exe().expect("this program"))
        .arg("--measure")
        .arg(&path)
        .output()
        .expect("running the measuring process");
    std::fs::remove_file(&path).expect("removing the state file");
    assert!(
        output.status.success(),
        "the measuring process failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout)
        .trim()
        .parse()
        .expect("a number of bytes")
}

/// The child's side of [`in_memory`]: prints the RSS growth per loaded copy.
fn measure(path: &str) {
    let file = std::fs::read(path).expect("reading the state file");
    let (len, rest) = file.split_at(4);
    let key_len =
        usize::try_from(u32::from_be_bytes(len.try_into().expect("4 bytes"))).expect("a short key");
    let (key, saved) = rest.split_at(key_len);
    let suite = RustCryptoProvider.suite(SUITE).expect("suite 1");
    let signer: Arc<dyn Signer> = Arc::from(
        suite
            .signer(&SignaturePrivateKey::from_slice(key))
            .expect("a valid key"),
    );
    let load = || {
        Group::load(
            Arc::new(RustCryptoProvider),
            signer.clone(),
            config(),
            saved,
        )
        .expect("loading the state")
    };
    let before = rss();
    let copies: Vec<Group> = (0..COPIES).map(|_| load()).collect();
    let after = rss();
    drop(copies);
    println!("{}", after.saturating_sub(before) / COPIES as u64);
}

fn mib(bytes: u64) -> String {
    #[expect(clippy::cast_precision_loss, reason = "a size for display")]
    let value = bytes as f64 / (1024.0 * 1024.0);
    format!("{value:.2} MiB")
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let [_, flag, path] = args.as_slice()
        && flag == "--measure"
    {
        measure(path);
        return;
    }
    let sizes: Vec<u32> = std::env::args()
        .skip(1)
        .map(|arg| {
            arg.parse()
                .unwrap_or_else(|_| panic!("sizes are numbers, not {arg:?}"))
        })
        .collect();
    let sizes = if sizes.is_empty() {
        vec![1024, 8192, 16384]
    } else {
        sizes
    };
    let mut rows = Vec::new();
    for n in sizes {
        assert!(n >= 2, "a group has at least 2 members");
        let start = Instant::now();
        let (alice, alice_key) = client("alice");
        let (mut bob, bob_key) = client("bob");
        let mut kps = key_packages(usize::try_from(n - 2).expect("a small size"));
        kps.insert(0, bob.key_package().expect("bob's key package"));
        let mut ga = alice.create_group(b"memory group").expect("a group");
        let out = ga.add_members(&kps).expect("the bulk add");
        ga.merge_pending_commit().expect("merging it");
        drop(kps);
        let welcome = out.welcome.expect("a Welcome");
        let tree = ga.ratchet_tree().expect("the tree");
        let mut gb = bob.join(&welcome, Some(&tree)).expect("bob joins");
        drop(welcome);
        let update = gb.self_update().expect("a self-update");
        gb.merge_pending_commit().expect("merging it");
        assert!(matches!(
            ga.process_message(&update.commit),
            Ok(ProcessedMessage::Commit { .. })
        ));
        assert_eq!(ga.epoch_authenticator(), gb.epoch_authenticator());
        let tree_bytes = ga.ratchet_tree().expect("the tree").len();
        eprintln!("N={n}: group built in {:.2?}", start.elapsed());
        for (who, group, key) in [("creator", ga, alice_key), ("joined", gb, bob_key)] {
            let saved = group.save().expect("saving");
            drop(group);
            let memory = in_memory(&saved, &key);
            rows.push((n, who, saved.len() as u64, memory, tree_bytes as u64));
        }
    }
    println!(
        "| members | member | saved (`save()`) | in memory (RSS per loaded copy) | in memory per member | encoded ratchet tree |"
    );
    println!("|---:|---|---:|---:|---:|---:|");
    for (n, who, saved, memory, tree) in rows {
        println!(
            "| {n} | {who} | {} ({saved} B) | {} | {} B | {} |",
            mib(saved),
            mib(memory),
            memory / u64::from(n),
            mib(tree),
        );
    }
}
