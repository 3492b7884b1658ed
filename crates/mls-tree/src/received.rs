//! A ratchet tree received in a `ratchet_tree` extension (RFC 9420 §12.4.3.1), decoded while
//! its leaf signatures are verified from its encoding.
//!
//! Joining a large group is mostly verifying one signature per leaf (§7.3), which can use
//! every core, after decoding the tree, which cannot. Each leaf node's signature covers its
//! encoding minus the signature (then its group and index for the `update` and `commit`
//! sources), so the signatures need not wait for the decoded tree: the encoding is first split
//! into nodes (a read of the vector lengths only), then the leaves are verified from their
//! bytes while each node is decoded from exactly its bytes, the tree built and the caller's
//! checks run on it: with the `parallel` feature one pool thread decodes and checks, the
//! others verify, and the first joins them when it is done.

use std::borrow::Cow;
use std::sync::atomic::{AtomicBool, Ordering};

use mls_codec::{
    CodecError, Decode, LeafNode, LeafNodeSource, Node, NodeType, ParentNode, Reader,
    SignedLeafNode,
};
use mls_crypto::CipherSuiteProvider;

use crate::tree::NodeCounts;
use crate::validate::{
    LeafSignature, encode_tbs_location, first_chunk_error, verify_leaf_signature_chunk,
};
use crate::{LeafIndex, RatchetTree, TreeError};

/// An encoded `optional<Node> ratchet_tree<V>`: the position and bytes of each node that is
/// not blank (a blank node costs nothing here), and the signed parts of the leaf nodes at
/// leaf positions.
struct EncodedTree<'a> {
    nodes: Vec<(usize, &'a [u8])>,
    counts: NodeCounts,
    leaves: Vec<(LeafIndex, SignedLeafNode<'a>)>,
}

impl<'a> EncodedTree<'a> {
    /// Splits `bytes` into nodes as decoding them would, reading only their structure, and
    /// fails with [`TreeError::TooManyLeaves`] as soon as there are more nodes than a tree of
    /// `max_leaves` leaves has.
    fn split(bytes: &'a [u8], max_leaves: u32) -> Result<Self, TreeError> {
        let mut reader = Reader::new(bytes);
        let mut body = reader.read_vector_body()?;
        reader.finish()?;
        let (mut nodes, mut counts, mut leaves) = (Vec::new(), NodeCounts::default(), Vec::new());
        while !body.is_empty() {
            counts.check_room(max_leaves)?;
            let start = body.remaining();
            let index = counts.nodes();
            let presence = u8::decode(&mut body)?;
            counts.add_node(presence == 0);
            match presence {
                0 => continue,
                1 => match NodeType::decode(&mut body)? {
                    NodeType::Leaf => {
                        let leaf_node = LeafNode::split_signed(&mut body)?;
                        // A leaf node in a parent's place fails when the tree is built.
                        if index.is_multiple_of(2) {
                            let leaf = u32::try_from(index / 2)
                                .map_err(|_| CodecError::VectorLengthMismatch)?;
                            leaves.push((LeafIndex(leaf), leaf_node));
                        }
                    }
                    NodeType::Parent => {
                        ParentNode::decode(&mut body)?;
                    }
                },
                flag => return Err(CodecError::InvalidOptionalFlag(flag).into()),
            }
            nodes.push((index, &start[..start.len() - body.remaining().len()]));
        }
        Ok(Self {
            nodes,
            counts,
            leaves,
        })
    }

    /// Decodes every node from exactly its bytes and builds the tree. The split leaf nodes
    /// must be the tree's: same places, keys, signatures and sources. Then each one's signed
    /// bytes are the tree's leaf node encoded without its signature, since both end with the
    /// same signature vector at the same place.
    fn decode(&self) -> Result<RatchetTree, TreeError> {
        let mut present = self.nodes.iter().peekable();
        let nodes = (0..self.counts.nodes()).map(|index| {
            match present.next_if(|(position, _)| *position == index) {
                Some((_, bytes)) => Option::<Node>::from_bytes(bytes),
                None => Ok(None),
            }
        });
        let tree = RatchetTree::build(&self.counts, nodes)?;
        let same_leaves = tree.member_count() as usize == self.leaves.len()
            && self.leaves.iter().all(|(leaf, split)| {
                tree.leaf(*leaf).is_some_and(|node| {
                    node.signature_key.as_slice() == split.signature_key
                        && node.signature.as_slice() == split.signature
                        && node.leaf_node_source.source() == split.source
                })
            });
        if same_leaves {
            Ok(tree)
        } else {
            Err(TreeError::Codec(CodecError::InvalidField {
                field: "ratchet_tree",
                reason: "leaf nodes read differently when split and when decoded",
            }))
        }
    }

    /// Verifies every split leaf node's signature, as
    /// [`RatchetTree::verify_leaf_signatures`] does on the decoded tree.
    /// Chunks not started once `stop` is set are skipped.
    fn verify_leaf_signatures(
        &self,
        suite: &dyn CipherSuiteProvider,
        group_id: &[u8],
        stop: &AtomicBool,
    ) -> Result<(), TreeError> {
        first_chunk_error(&self.leaves, |chunk| {
            if stop.load(Ordering::Relaxed) {
                return Ok(());
            }
            verify_leaf_signature_chunk(
                suite,
                chunk
                    .iter()
                    .map(|(leaf, split)| leaf_signature(split, group_id, *leaf)),
            )
        })
    }

    /// Decodes the tree and runs `checks` on it, and verifies the leaf signatures: with the
    /// `parallel` feature at the same time. If the tree does not decode, `checks` comes back
    /// unused and the signatures are left (the pool stops at its next chunk).
    fn decode_verifying_leaves<T: Send, F: FnOnce(&RatchetTree) -> T + Send>(
        &self,
        suite: &dyn CipherSuiteProvider,
        group_id: &[u8],
        checks: F,
    ) -> (Result<(RatchetTree, T), F>, Result<(), TreeError>) {
        let stop = AtomicBool::new(false);
        side_by_side(
            || {
                let decoded = match self.decode() {
                    Ok(tree) => {
                        let checked = checks(&tree);
                        Ok((tree, checked))
                    }
                    Err(_) => Err(checks),
                };
                stop.store(decoded.is_err(), Ordering::Relaxed);
                decoded
            },
            || self.verify_leaf_signatures(suite, group_id, &stop),
        )
    }
}

/// The signature of a split leaf node at `leaf` of group `group_id`: its LeafNodeTBS is its
/// signed bytes, followed by the group and the leaf for the `update` and `commit` sources.
fn leaf_signature<'a>(
    split: &SignedLeafNode<'a>,
    group_id: &[u8],
    leaf: LeafIndex,
) -> Result<LeafSignature<'a>, TreeError> {
    let tbs = match split.source {
        LeafNodeSource::KeyPackage => Cow::Borrowed(split.signed),
        LeafNodeSource::Update | LeafNodeSource::Commit => {
            let mut tbs = Vec::with_capacity(split.signed.len() + group_id.len() + 8);
            tbs.extend_from_slice(split.signed);
            encode_tbs_location(split.source, group_id, leaf, &mut tbs)?;
            Cow::Owned(tbs)
        }
    };
    Ok(LeafSignature {
        leaf,
        key: split.signature_key,
        tbs,
        signature: split.signature,
    })
}

/// The nodes of an encoded `optional<Node> ratchet_tree<V>`, decoded one at a time as decoding
/// the whole vector would (its length header first, then each node), and the bytes after it.
fn nodes_one_by_one(
    bytes: &[u8],
) -> Result<
    (
        impl Iterator<Item = Result<Option<Node>, CodecError>>,
        Reader<'_>,
    ),
    CodecError,
> {
    let mut reader = Reader::new(bytes);
    let mut body = reader.read_vector_body()?;
    let nodes =
        std::iter::from_fn(move || (!body.is_empty()).then(|| Option::<Node>::decode(&mut body)));
    Ok((nodes, reader))
}

/// [`RatchetTree::from_bytes`] without the split: each node is decoded twice, once to count
/// the nodes (and find the first decoding error, or more nodes than a tree of `max_leaves`
/// leaves has), then to build the tree, so that memory never holds every decoded node. For
/// encodings the split refuses, which decoding refuses too.
fn decode_one_by_one(bytes: &[u8], max_leaves: u32) -> Result<RatchetTree, TreeError> {
    let mut counts = NodeCounts::default();
    let (nodes, rest) = nodes_one_by_one(bytes)?;
    for node in nodes {
        counts.check_room(max_leaves)?;
        counts.add(&node?);
    }
    rest.finish()?;
    let (nodes, _) = nodes_one_by_one(bytes)?;
    RatchetTree::build(&counts, nodes)
}

/// The default bound on the leaves of a received ratchet tree: 2^16, i.e. groups of up to
/// 65,536 members. Over the bound a tree is refused before more nodes than the bound allows
/// are read ([`TreeError::TooManyLeaves`]), so that a hostile tree of millions of blank nodes
/// (one byte each on the wire) costs no more than a tree at the bound.
pub const DEFAULT_MAX_LEAVES: u32 = 1 << 16;

impl RatchetTree {
    /// Decodes a `ratchet_tree` extension body (`optional<Node> ratchet_tree<V>`) of at most
    /// [`DEFAULT_MAX_LEAVES`] leaves and builds the tree as [`RatchetTree::from_nodes`] does,
    /// with the same errors. Each node is put in place as it is decoded, so that memory never
    /// holds the tree and every decoded node besides: a blank node is one byte of the
    /// encoding.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, TreeError> {
        Self::from_bytes_with_max_leaves(bytes, DEFAULT_MAX_LEAVES)
    }

    /// [`RatchetTree::from_bytes`] with a tree of at most `max_leaves` leaves (blank ones
    /// included), refused with [`TreeError::TooManyLeaves`] as soon as more nodes are read.
    pub fn from_bytes_with_max_leaves(bytes: &[u8], max_leaves: u32) -> Result<Self, TreeError> {
        match EncodedTree::split(bytes, max_leaves) {
            Ok(encoded) => {
                if let Ok(tree) = encoded.decode() {
                    return Ok(tree);
                }
            }
            Err(error @ TreeError::TooManyLeaves { .. }) => return Err(error),
            Err(_) => {}
        }
        decode_one_by_one(bytes, max_leaves)
    }

    /// Decodes a `ratchet_tree` extension body of at most `max_leaves` leaves as
    /// [`RatchetTree::from_bytes_with_max_leaves`] does, and verifies every leaf's signature
    /// with `group_id` as [`RatchetTree::verify_leaf_signatures`] does, running `checks` on
    /// the decoded tree.
    ///
    /// Returns the decoding's error, or the tree with the result of `checks` and the result
    /// of the signatures, so that the caller reports errors in its own order. The signatures
    /// are verified from the encoded leaf nodes (see the module documentation); with the
    /// `parallel` feature while the tree is decoded and `checks` runs. An encoding that does
    /// not split as it decodes is decoded and checked the plain way, so the outcome never
    /// depends on the path taken.
    pub(crate) fn from_bytes_verifying_leaves<T>(
        suite: &dyn CipherSuiteProvider,
        bytes: &[u8],
        group_id: &[u8],
        max_leaves: u32,
        checks: impl FnOnce(&Self) -> T + Send,
    ) -> Result<(Self, T, Result<(), TreeError>), TreeError>
    where
        T: Send,
    {
        let checks = match EncodedTree::split(bytes, max_leaves) {
            Ok(encoded) => match encoded.decode_verifying_leaves(suite, group_id, checks) {
                (Ok((tree, checked)), verified) => return Ok((tree, checked, verified)),
                // Decoded the plain way below: for its error, or for its tree should the
                // split and the decoding ever disagree.
                (Err(checks), _) => checks,
            },
            Err(error @ TreeError::TooManyLeaves { .. }) => return Err(error),
            Err(_) => checks,
        };
        let tree = decode_one_by_one(bytes, max_leaves)?;
        let (checked, verified) =
            tree.verify_leaf_signatures_alongside(suite, group_id, || checks(&tree));
        Ok((tree, checked, verified))
    }

    /// Verifies every leaf's signature as [`RatchetTree::verify_leaf_signatures`] does while
    /// `checks` runs, and returns both results: with the `parallel` feature at the same time,
    /// both on the pool, so that the thread that runs `checks` then helps with the signatures.
    pub(crate) fn verify_leaf_signatures_alongside<T: Send>(
        &self,
        suite: &dyn CipherSuiteProvider,
        group_id: &[u8],
        checks: impl FnOnce() -> T + Send,
    ) -> (T, Result<(), TreeError>) {
        side_by_side(checks, || self.verify_leaf_signatures(suite, group_id))
    }
}

/// Runs `first` and `second`; with the `parallel` feature at the same time, both on the pool
/// (`rayon::join`): the worker that runs `first` (serial work) then helps with what is left of
/// `second` (chunks of signatures). Running `first` on the calling thread instead, beside the
/// pool's threads, puts three busy threads on a two-core machine: that cost 4 % of a join of
/// 16384 members.
fn side_by_side<A: Send, B: Send>(
    first: impl FnOnce() -> A + Send,
    second: impl FnOnce() -> B + Send,
) -> (A, B) {
    #[cfg(feature = "parallel")]
    return rayon::join(first, second);
    #[cfg(not(feature = "parallel"))]
    (first(), second())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::TreeSize;
    use crate::tests::{suite, vector_trees};
    use mls_codec::Encode;

    /// A valid encoding takes the path from the encoding: it splits into its nodes and its
    /// leaf nodes, decodes from those pieces to the same tree, and its signatures verify.
    #[test]
    fn a_valid_tree_splits_into_its_nodes_and_leaf_nodes() {
        for (tree, group_id) in vector_trees() {
            let bytes = tree.to_bytes().unwrap();
            let encoded = EncodedTree::split(&bytes, crate::DEFAULT_MAX_LEAVES).unwrap();
            let nodes = tree.to_nodes();
            assert_eq!(encoded.counts.nodes(), nodes.len());
            assert_eq!(encoded.nodes.len(), nodes.iter().flatten().count());
            assert_eq!(encoded.leaves.len(), tree.member_count() as usize);
            assert_eq!(encoded.decode().unwrap().to_bytes().unwrap(), bytes);
            let stop = AtomicBool::new(false);
            encoded
                .verify_leaf_signatures(suite(), &group_id, &stop)
                .unwrap();
        }
    }

    /// A tree over the bound is refused by both paths as soon as the bound is passed, with
    /// the bound in the error; a tree at the bound is accepted.
    #[test]
    fn the_bound_on_leaves_is_checked_before_the_nodes_past_it() {
        for (tree, group_id) in vector_trees() {
            let bytes = tree.to_bytes().unwrap();
            let leaves = TreeSize::for_nodes(u32::try_from(tree.to_nodes().len()).unwrap())
                .unwrap()
                .leaf_count();
            assert!(RatchetTree::from_bytes_with_max_leaves(&bytes, leaves).is_ok());
            if leaves == 1 {
                continue;
            }
            let bound = leaves / 2;
            let too_many = Err(TreeError::TooManyLeaves { max_leaves: bound });
            assert_eq!(
                RatchetTree::from_bytes_with_max_leaves(&bytes, bound).map(drop),
                too_many
            );
            assert_eq!(decode_one_by_one(&bytes, bound).map(drop), too_many);
            let received =
                RatchetTree::from_bytes_verifying_leaves(suite(), &bytes, &group_id, bound, |_| {
                    panic!("no check runs on a refused tree")
                });
            assert_eq!(received.map(drop), too_many);
        }
        // Past the bound, a malformed tail is not even read.
        let mut hostile = vec![0x80, 0, 0x40, 0];
        hostile.extend(std::iter::repeat_n(0, 0x4000 - 1));
        hostile.push(7);
        assert_eq!(
            RatchetTree::from_bytes_with_max_leaves(&hostile, 8).map(drop),
            Err(TreeError::TooManyLeaves { max_leaves: 8 })
        );
    }
}
