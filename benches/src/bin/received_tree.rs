//! What a hostile received ratchet tree costs (suite 1): a `ratchet_tree` of 2^K - 1 nodes,
//! all blank but the first and the last leaf (one byte per blank node on the wire), is
//! received as a joiner receives it (decoded while its leaf signatures are verified, then
//! hashed and its parent hashes and unmerged leaves checked), under the bound on leaves given
//! on the command line:
//!
//! ```text
//! cargo run --release -p mls-benches --bin received_tree -- K [MAX_LEAVES]
//! ```
//!
//! It prints the encoding's size, the outcome, the time taken and the peak memory the
//! processing added to the process (`VmHWM` in `/proc/self/status`, after the input was
//! built), in total and per node. `MAX_LEAVES` defaults to the library's default bound,
//! [`mls_tree::DEFAULT_MAX_LEAVES`]. Linux only (for the peak memory).
#![forbid(unsafe_code)]

use std::time::Instant;

use mls_codec::{Decode, Encode, MlsMessage, MlsMessageBody, NodeType, encode_vector};
use mls_crypto::CryptoProvider;
use mls_crypto_rustcrypto::RustCryptoProvider;
use mls_group::Client;

const SUITE: mls_codec::CipherSuite =
    mls_codec::CipherSuite::MLS_128_DHKEMX25519_AES128GCM_SHA256_ED25519;

/// The peak resident memory of this process so far, in bytes.
fn peak_memory() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|value| {
            value
                .trim()
                .trim_end_matches("kB")
                .trim()
                .parse::<u64>()
                .ok()
        })
        .map_or(0, |kib| kib * 1024)
}

/// The encoded leaf node of a fresh key package of a new client.
fn leaf_node_bytes(name: &[u8]) -> Vec<u8> {
    let provider = std::sync::Arc::new(RustCryptoProvider);
    let mut client = Client::new(provider, SUITE, name).expect("a client");
    let message = MlsMessage::from_bytes(&client.key_package().expect("a key package"))
        .expect("an MLSMessage");
    let MlsMessageBody::KeyPackage(key_package) = message.body else {
        unreachable!("a key package")
    };
    key_package.leaf_node.to_bytes().expect("encodable")
}

fn main() {
    let mut args = std::env::args().skip(1);
    let log2: u32 = args.next().and_then(|a| a.parse().ok()).unwrap_or(24);
    let max_leaves: u32 = args
        .next()
        .and_then(|a| a.parse().ok())
        .unwrap_or(mls_tree::DEFAULT_MAX_LEAVES);
    let nodes = (1usize << log2) - 1;
    let mut bytes = Vec::with_capacity(nodes + 1024);
    encode_vector(&mut bytes, |out| {
        for (index, name) in [(0, b"first".as_slice()), (nodes - 1, b"last")] {
            if index > 0 {
                out.resize(out.len() + nodes - 2, 0);
            }
            out.push(1);
            NodeType::Leaf.encode(out)?;
            out.extend_from_slice(&leaf_node_bytes(name));
        }
        Ok(())
    })
    .expect("encodable");
    let suite = RustCryptoProvider.suite(SUITE).expect("suite 1");
    let before = peak_memory();
    let start = Instant::now();
    let outcome =
        mls_tree::low_level::decode_verifying_leaves(suite, &bytes, b"group", max_leaves, |tree| {
            tree.tree_hash(suite)?;
            tree.verify_unmerged_leaves()?;
            tree.verify_parent_hashes(suite)
        });
    let elapsed = start.elapsed();
    let result = match &outcome {
        Ok((_, Ok(()), Ok(()))) => "processed".to_owned(),
        Ok((_, checks, signatures)) => format!("checks {checks:?}, signatures {signatures:?}"),
        Err(error) => format!("rejected: {error}"),
    };
    let added = peak_memory().saturating_sub(before);
    println!(
        "{nodes} nodes, {} bytes, max {max_leaves} leaves: {result} in {:.1} ms; peak memory +{:.1} MiB, {:.1} bytes per node",
        bytes.len(),
        elapsed.as_secs_f64() * 1e3,
        added as f64 / (1 << 20) as f64,
        added as f64 / nodes as f64,
    );
    drop(outcome);
}
