//! Commits (RFC 9420 §12.4).

use crate::{CodecError, Decode, Encode, LeafNode, Proposal, ProposalRef, Reader, UpdatePath};

mls_enum! {
    /// Whether a commit carries a proposal by value or by reference (RFC 9420 §12.4).
    pub enum ProposalOrRefType: u8 {
        /// By value.
        Proposal = 1,
        /// By reference.
        Reference = 2,
    }
}

/// A proposal in a commit, by value or by reference (RFC 9420 §12.4).
#[derive(Debug, Clone, PartialEq, Eq)]
#[expect(
    clippy::large_enum_variant,
    reason = "plain wire data; boxing the proposal would burden every match for a few hundred bytes"
)]
pub enum ProposalOrRef {
    /// `proposal`: the proposal itself.
    Proposal(Proposal),
    /// `reference`: the ProposalRef of an AuthenticatedContent sent earlier in the epoch.
    Reference(ProposalRef),
}

impl ProposalOrRef {
    /// The `type` this entry is encoded with.
    pub fn proposal_or_ref_type(&self) -> ProposalOrRefType {
        match self {
            Self::Proposal(_) => ProposalOrRefType::Proposal,
            Self::Reference(_) => ProposalOrRefType::Reference,
        }
    }
}

impl Encode for ProposalOrRef {
    fn encode(&self, out: &mut Vec<u8>) -> Result<(), CodecError> {
        self.proposal_or_ref_type().encode(out)?;
        match self {
            Self::Proposal(proposal) => proposal.encode(out),
            Self::Reference(reference) => reference.encode(out),
        }
    }
}

impl Decode for ProposalOrRef {
    fn decode(reader: &mut Reader<'_>) -> Result<Self, CodecError> {
        Ok(match ProposalOrRefType::decode(reader)? {
            ProposalOrRefType::Proposal => Self::Proposal(Decode::decode(reader)?),
            ProposalOrRefType::Reference => Self::Reference(Decode::decode(reader)?),
        })
    }
}

#[cfg(test)]
impl crate::arbitrary::Arb for ProposalOrRef {
    fn arb() -> proptest::strategy::BoxedStrategy<Self> {
        use proptest::prelude::*;
        prop_oneof![
            Proposal::arb().prop_map(Self::Proposal),
            ProposalRef::arb().prop_map(Self::Reference),
        ]
        .boxed()
    }
}

mls_struct! {
    /// A commit (RFC 9420 §12.4): the proposals it applies and, optionally, a new path.
    pub struct Commit {
        /// The proposals, in the order they are applied.
        pub proposals: Vec<ProposalOrRef>,
        /// The committer's update path; required in some cases (§12.4).
        pub path: Option<UpdatePath>,
    }
}

impl Commit {
    /// Reads past an encoded Commit as [`Commit::decode`] would, without building it: the
    /// proposals and the UpdatePath's nodes are vectors whose length headers say where they
    /// end, and the path's leaf node is read for its structure only
    /// ([`LeafNode::split_signed`]). The skipped bytes are not checked: decode them with
    /// [`Commit::decode`] to use them.
    pub fn skip(reader: &mut Reader<'_>) -> Result<(), CodecError> {
        reader.read_vector_body()?;
        match u8::decode(reader)? {
            0 => Ok(()),
            1 => {
                LeafNode::split_signed(reader)?;
                reader.read_vector_body().map(drop)
            }
            flag => Err(CodecError::InvalidOptionalFlag(flag)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::arbitrary::{Arb, assert_round_trip};
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn skip_reads_exactly_the_commit(value in Commit::arb(), trailing in any::<u8>()) {
            let mut bytes = value.to_bytes().unwrap();
            let commit_len = bytes.len();
            bytes.push(trailing);
            let mut reader = Reader::new(&bytes);
            Commit::skip(&mut reader).unwrap();
            prop_assert_eq!(reader.remaining().len(), bytes.len() - commit_len);
        }
        #[test]
        fn proposal_or_ref_type_round_trips(value in ProposalOrRefType::arb()) {
            assert_round_trip(&value)?;
        }
        #[test]
        fn proposal_or_ref_round_trips(value in ProposalOrRef::arb()) { assert_round_trip(&value)?; }
        #[test]
        fn commit_round_trips(value in Commit::arb()) { assert_round_trip(&value)?; }
    }

    #[test]
    fn empty_commit_encoding() {
        let commit = Commit {
            proposals: vec![],
            path: None,
        };
        assert_eq!(commit.to_bytes().unwrap(), [0, 0]);
    }

    #[test]
    fn commit_rejects_bad_path_flag() {
        assert_eq!(
            Commit::from_bytes(&[0, 7]),
            Err(CodecError::InvalidOptionalFlag(7))
        );
    }

    #[test]
    fn invalid_proposal_or_ref_type_is_rejected() {
        assert_eq!(
            Commit::from_bytes(&[2, 3, 0, 0]),
            Err(CodecError::InvalidEnumValue {
                type_name: "ProposalOrRefType",
                value: 3,
            })
        );
    }
}
