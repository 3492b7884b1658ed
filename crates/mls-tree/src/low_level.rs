//! The parts of a ratchet tree that the group engine (`mls-group`) drives a tree with.
//!
//! They are public only because the engine lives in another crate: transactions that stage a
//! commit on the live tree and keep, undo or stash its changes; the count of credential types
//! that makes a new leaf's credential checks cost O(changes); and the checks that run while
//! a received tree's leaf signatures are verified on other threads. A library that works with
//! trees directly needs none of them, and they may change in any 0.x release.

use mls_crypto::CipherSuiteProvider;

pub use crate::census::CredentialCensus;
pub use crate::changed_nodes::ChangedNodes;
pub use crate::changes::{ReplacedLeaves, TreeChanges, TreeTransactions};
use crate::{RatchetTree, TreeError};

/// How many members of `tree` use and support each credential type (§7.3, §13.3).
pub fn credential_census(tree: &RatchetTree) -> &CredentialCensus {
    tree.credential_census()
}

/// Decodes a `ratchet_tree` extension body of at most `max_leaves` leaves as
/// [`RatchetTree::from_bytes_with_max_leaves`] does, and verifies every leaf's signature with
/// `group_id` as [`RatchetTree::verify_leaf_signatures`] does, running `checks` on the decoded
/// tree.
///
/// Returns the decoding's error, or the tree with the result of `checks` and the result of the
/// signatures, so that the caller reports errors in its own order. The signatures are verified
/// from the encoded leaf nodes, with the `parallel` feature while the tree is decoded and
/// `checks` runs. An encoding that does not split as it decodes is decoded and checked the
/// plain way, so the outcome never depends on the path taken.
pub fn decode_verifying_leaves<T: Send>(
    suite: &dyn CipherSuiteProvider,
    bytes: &[u8],
    group_id: &[u8],
    max_leaves: u32,
    checks: impl FnOnce(&RatchetTree) -> T + Send,
) -> Result<(RatchetTree, T, Result<(), TreeError>), TreeError> {
    RatchetTree::from_bytes_verifying_leaves(suite, bytes, group_id, max_leaves, checks)
}

/// Verifies every leaf's signature of `tree` as [`RatchetTree::verify_leaf_signatures`] does
/// while `checks` runs, and returns both results: with the `parallel` feature at the same
/// time, both on the thread pool, so that the thread that runs `checks` then helps with the
/// signatures.
pub fn verify_leaf_signatures_alongside<T: Send>(
    tree: &RatchetTree,
    suite: &dyn CipherSuiteProvider,
    group_id: &[u8],
    checks: impl FnOnce() -> T + Send,
) -> (T, Result<(), TreeError>) {
    tree.verify_leaf_signatures_alongside(suite, group_id, checks)
}
