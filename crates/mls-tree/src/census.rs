//! How many members use and support each credential type, kept in step with the leaves, so
//! that the credential checks of a new leaf node (RFC 9420 §7.3, §13.3) cost O(changes)
//! rather than a pass over the membership.

use std::collections::BTreeMap;

use mls_codec::{CredentialType, LeafNode};

/// The number of members whose credential is of each type, and the number that list each
/// type in their capabilities (each type counted once per member).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CredentialCensus {
    in_use: BTreeMap<CredentialType, u32>,
    supported: BTreeMap<CredentialType, u32>,
}

impl CredentialCensus {
    /// The credential types in use, with the number of members using each.
    pub fn in_use(&self) -> impl Iterator<Item = (CredentialType, u32)> + '_ {
        self.in_use.iter().map(|(&t, &count)| (t, count))
    }

    /// The credential types some member supports, with the number of members supporting
    /// each.
    pub fn supported(&self) -> impl Iterator<Item = (CredentialType, u32)> + '_ {
        self.supported.iter().map(|(&t, &count)| (t, count))
    }

    /// The census without the given members' leaf nodes (e.g. those a commit removes or
    /// replaces).
    pub fn without<'a>(&self, leaves: impl IntoIterator<Item = &'a LeafNode>) -> Self {
        let mut census = self.clone();
        for leaf in leaves {
            census.remove(leaf);
        }
        census
    }

    /// Counts a member's leaf node.
    pub(crate) fn add(&mut self, leaf: &LeafNode) {
        *self
            .in_use
            .entry(leaf.credential.credential_type())
            .or_default() += 1;
        for credential_type in distinct_supported(leaf) {
            *self.supported.entry(credential_type).or_default() += 1;
        }
    }

    /// Stops counting a member's leaf node.
    pub(crate) fn remove(&mut self, leaf: &LeafNode) {
        decrement(&mut self.in_use, leaf.credential.credential_type());
        for credential_type in distinct_supported(leaf) {
            decrement(&mut self.supported, credential_type);
        }
    }
}

/// The credential types a leaf node's capabilities list, each once.
fn distinct_supported(leaf: &LeafNode) -> impl Iterator<Item = CredentialType> + '_ {
    let listed = &leaf.capabilities.credentials;
    listed
        .iter()
        .enumerate()
        .filter(|&(i, t)| !listed.get(..i).is_some_and(|before| before.contains(t)))
        .map(|(_, &t)| t)
}

fn decrement(counts: &mut BTreeMap<CredentialType, u32>, credential_type: CredentialType) {
    if let Some(count) = counts.get_mut(&credential_type) {
        *count -= 1;
        if *count == 0 {
            counts.remove(&credential_type);
        }
    }
}
