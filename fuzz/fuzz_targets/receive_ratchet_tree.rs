//! Receives arbitrary bytes as a group's ratchet tree (RFC 9420 §12.4.3.1): decoding it while
//! its leaf signatures are verified from the encoding must give exactly the outcome of decoding
//! it and verifying the decoded tree, the same tree and signature result or the same error, and
//! never panic; and decoding it node by node (`RatchetTree::from_bytes`) exactly the outcome of
//! decoding the whole node vector and then `RatchetTree::from_nodes`. The input is a group ID
//! (one length byte, then the ID) and the tree's encoding.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mls_codec::Encode;
use mls_crypto::CryptoProvider;
use mls_tree::RatchetTree;

fuzz_target!(|data: &[u8]| {
    let Some((&length, rest)) = data.split_first() else {
        return;
    };
    let Some((group_id, tree)) = rest.split_at_checked(usize::from(length)) else {
        return;
    };
    let provider = mls_crypto_rustcrypto::RustCryptoProvider::new();
    let suite = provider
        .suite(mls_codec::CipherSuite::MLS_128_DHKEMX25519_AES128GCM_SHA256_ED25519)
        .expect("suite 1 is supported");
    let outcome = |tree: &RatchetTree, verified: Result<(), mls_tree::TreeError>| {
        (
            tree.to_bytes().expect("a decoded tree encodes"),
            format!("{verified:?}"),
        )
    };
    let whole_vector = <Vec<Option<mls_codec::Node>> as mls_codec::Decode>::from_bytes(tree)
        .map_err(mls_tree::TreeError::from)
        .and_then(RatchetTree::from_nodes);
    assert_eq!(
        format!(
            "{:?}",
            RatchetTree::from_bytes(tree).map(|decoded| decoded.to_bytes())
        ),
        format!("{:?}", whole_vector.map(|decoded| decoded.to_bytes())),
    );
    let plain = RatchetTree::from_bytes(tree)
        .map(|decoded| {
            let verified = decoded.verify_leaf_signatures(suite, group_id);
            outcome(&decoded, verified)
        })
        .map_err(|error| format!("{error:?}"));
    let from_encoding = mls_tree::low_level::decode_verifying_leaves(
        suite,
        tree,
        group_id,
        mls_tree::DEFAULT_MAX_LEAVES,
        |decoded| decoded.member_count(),
    )
    .map(|(decoded, members, verified)| {
        assert_eq!(members, decoded.member_count());
        outcome(&decoded, verified)
    })
    .map_err(|error| format!("{error:?}"));
    assert_eq!(from_encoding, plain);
});
