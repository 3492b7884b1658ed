//! Proposals (RFC 9420 §12.1).

use crate::{
    CipherSuite, CodecError, Decode, Encode, Extension, KeyPackage, LeafNode, PreSharedKeyId,
    ProtocolVersion, Reader, VarBytes,
};

mls_registry! {
    /// A proposal type (RFC 9420 §12.1, §17.4). Open registry: unknown and GREASE values are
    /// kept, as they appear in [`Capabilities`](crate::Capabilities).
    pub struct ProposalType(u16) {
        /// `add` (§12.1.1).
        ADD = 0x0001,
        /// `update` (§12.1.2).
        UPDATE = 0x0002,
        /// `remove` (§12.1.3).
        REMOVE = 0x0003,
        /// `psk` (§12.1.4).
        PSK = 0x0004,
        /// `reinit` (§12.1.5).
        REINIT = 0x0005,
        /// `external_init` (§12.1.6).
        EXTERNAL_INIT = 0x0006,
        /// `group_context_extensions` (§12.1.7).
        GROUP_CONTEXT_EXTENSIONS = 0x0007,
    }
}

mls_struct! {
    /// An Add proposal (RFC 9420 §12.1.1): add the client of a key package.
    pub struct Add {
        /// The new member's key package.
        pub key_package: KeyPackage,
    }
}

mls_struct! {
    /// An Update proposal (RFC 9420 §12.1.2): replace the sender's leaf node.
    pub struct Update {
        /// The sender's new leaf node.
        pub leaf_node: LeafNode,
    }
}

mls_struct! {
    /// A Remove proposal (RFC 9420 §12.1.3): remove the member at a leaf.
    pub struct Remove {
        /// The leaf index of the member to remove.
        pub removed: u32,
    }
}

mls_struct! {
    /// A PreSharedKey proposal (RFC 9420 §12.1.4): inject a PSK into the next epoch.
    pub struct PreSharedKey {
        /// The PSK.
        pub psk: PreSharedKeyId,
    }
}

mls_struct! {
    /// A ReInit proposal (RFC 9420 §12.1.5): reinitialize the group with new parameters.
    pub struct ReInit {
        /// The new group's identifier.
        pub group_id: VarBytes,
        /// The new group's protocol version.
        pub version: ProtocolVersion,
        /// The new group's cipher suite.
        pub cipher_suite: CipherSuite,
        /// The new group's GroupContext extensions.
        pub extensions: Vec<Extension>,
    }
}

mls_struct! {
    /// An ExternalInit proposal (RFC 9420 §12.1.6), in an external commit.
    pub struct ExternalInit {
        /// The KEM output that gives the init secret (§8.3).
        pub kem_output: VarBytes,
    }
}

mls_struct! {
    /// A GroupContextExtensions proposal (RFC 9420 §12.1.7): replace the group's extensions.
    pub struct GroupContextExtensions {
        /// The new GroupContext extensions.
        pub extensions: Vec<Extension>,
    }
}

/// A proposal (RFC 9420 §12.1): `proposal_type` and the body it selects.
///
/// The default types 1-7 have their structured variants. RFC 9420 leaves the body format of
/// any other (future or private) proposal type to the specification that defines it (§13);
/// this implementation carries such a proposal as [`Proposal::Custom`], whose body is an
/// `opaque data<V>` vector, and encodes it back byte for byte. A custom proposal type is
/// only valid in a group whose members all list it in `capabilities.proposals` (§12.2), a
/// rule the group engine enforces, not the codec.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Proposal {
    /// `add`.
    Add(Add),
    /// `update`.
    Update(Update),
    /// `remove`.
    Remove(Remove),
    /// `psk`.
    PreSharedKey(PreSharedKey),
    /// `reinit`.
    ReInit(ReInit),
    /// `external_init`.
    ExternalInit(ExternalInit),
    /// `group_context_extensions`.
    GroupContextExtensions(GroupContextExtensions),
    /// A proposal of a type other than 1-7 (§13): its body on the wire is the
    /// `opaque data<V>` vector `data`, whose meaning the type's specification defines.
    ///
    /// Encoding one whose `proposal_type` is a default type (1-7) fails with
    /// [`CodecError::InvalidField`], since it would decode as the structured variant.
    Custom {
        /// The proposal type, not one of the default types 1-7.
        proposal_type: ProposalType,
        /// The body.
        data: VarBytes,
    },
}

impl Proposal {
    /// The `proposal_type` this proposal is encoded with.
    pub fn proposal_type(&self) -> ProposalType {
        match self {
            Self::Add(_) => ProposalType::ADD,
            Self::Update(_) => ProposalType::UPDATE,
            Self::Remove(_) => ProposalType::REMOVE,
            Self::PreSharedKey(_) => ProposalType::PSK,
            Self::ReInit(_) => ProposalType::REINIT,
            Self::ExternalInit(_) => ProposalType::EXTERNAL_INIT,
            Self::GroupContextExtensions(_) => ProposalType::GROUP_CONTEXT_EXTENSIONS,
            Self::Custom { proposal_type, .. } => *proposal_type,
        }
    }
}

impl ProposalType {
    /// Whether this is one of the types 1-7 that RFC 9420 defines, which every client
    /// supports without listing them in its capabilities (§7.2) and which decode as a
    /// structured [`Proposal`] variant.
    pub fn is_default(self) -> bool {
        (Self::ADD.0..=Self::GROUP_CONTEXT_EXTENSIONS.0).contains(&self.0)
    }
}

impl Encode for Proposal {
    fn encode(&self, out: &mut Vec<u8>) -> Result<(), CodecError> {
        self.proposal_type().encode(out)?;
        match self {
            Self::Add(body) => body.encode(out),
            Self::Update(body) => body.encode(out),
            Self::Remove(body) => body.encode(out),
            Self::PreSharedKey(body) => body.encode(out),
            Self::ReInit(body) => body.encode(out),
            Self::ExternalInit(body) => body.encode(out),
            Self::GroupContextExtensions(body) => body.encode(out),
            Self::Custom {
                proposal_type,
                data,
            } => {
                if proposal_type.is_default() {
                    return Err(CodecError::InvalidField {
                        field: "Proposal::Custom.proposal_type",
                        reason: "a default proposal type has a structured body",
                    });
                }
                data.encode(out)
            }
        }
    }
}

impl Decode for Proposal {
    fn decode(reader: &mut Reader<'_>) -> Result<Self, CodecError> {
        Ok(match ProposalType::decode(reader)? {
            ProposalType::ADD => Self::Add(Decode::decode(reader)?),
            ProposalType::UPDATE => Self::Update(Decode::decode(reader)?),
            ProposalType::REMOVE => Self::Remove(Decode::decode(reader)?),
            ProposalType::PSK => Self::PreSharedKey(Decode::decode(reader)?),
            ProposalType::REINIT => Self::ReInit(Decode::decode(reader)?),
            ProposalType::EXTERNAL_INIT => Self::ExternalInit(Decode::decode(reader)?),
            ProposalType::GROUP_CONTEXT_EXTENSIONS => {
                Self::GroupContextExtensions(Decode::decode(reader)?)
            }
            proposal_type => Self::Custom {
                proposal_type,
                data: Decode::decode(reader)?,
            },
        })
    }
}

#[cfg(test)]
impl crate::arbitrary::Arb for Proposal {
    fn arb() -> proptest::strategy::BoxedStrategy<Self> {
        use proptest::prelude::*;
        prop_oneof![
            Add::arb().prop_map(Self::Add),
            Update::arb().prop_map(Self::Update),
            Remove::arb().prop_map(Self::Remove),
            PreSharedKey::arb().prop_map(Self::PreSharedKey),
            ReInit::arb().prop_map(Self::ReInit),
            ExternalInit::arb().prop_map(Self::ExternalInit),
            GroupContextExtensions::arb().prop_map(Self::GroupContextExtensions),
            (
                any::<u16>().prop_filter("custom type", |t| !ProposalType(*t).is_default()),
                VarBytes::arb()
            )
                .prop_map(|(t, data)| Self::Custom {
                    proposal_type: ProposalType(t),
                    data
                }),
        ]
        .boxed()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::arbitrary::{Arb, assert_round_trip};
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn proposal_type_round_trips(value in ProposalType::arb()) { assert_round_trip(&value)?; }
        #[test]
        fn add_round_trips(value in Add::arb()) { assert_round_trip(&value)?; }
        #[test]
        fn update_round_trips(value in Update::arb()) { assert_round_trip(&value)?; }
        #[test]
        fn remove_round_trips(value in Remove::arb()) { assert_round_trip(&value)?; }
        #[test]
        fn pre_shared_key_round_trips(value in PreSharedKey::arb()) { assert_round_trip(&value)?; }
        #[test]
        fn re_init_round_trips(value in ReInit::arb()) { assert_round_trip(&value)?; }
        #[test]
        fn external_init_round_trips(value in ExternalInit::arb()) { assert_round_trip(&value)?; }
        #[test]
        fn group_context_extensions_round_trips(value in GroupContextExtensions::arb()) {
            assert_round_trip(&value)?;
        }
        #[test]
        fn proposal_round_trips(value in Proposal::arb()) { assert_round_trip(&value)?; }
    }

    #[test]
    fn remove_encoding() {
        let proposal = Proposal::Remove(Remove { removed: 5 });
        assert_eq!(proposal.to_bytes().unwrap(), [0, 3, 0, 0, 0, 5]);
    }

    #[test]
    fn unknown_proposal_types_round_trip_as_custom() {
        for value in [0u16, 8, 0x0a0a, 0xf000, 0xffff] {
            let mut bytes = value.to_be_bytes().to_vec();
            bytes.extend_from_slice(&[3, 1, 2, 3]);
            let proposal = Proposal::from_bytes(&bytes).unwrap();
            assert_eq!(
                proposal,
                Proposal::Custom {
                    proposal_type: ProposalType(value),
                    data: VarBytes(vec![1, 2, 3]),
                }
            );
            assert_eq!(proposal.proposal_type(), ProposalType(value));
            assert_eq!(proposal.to_bytes().unwrap(), bytes);
        }
    }

    #[test]
    fn a_custom_body_is_a_length_prefixed_vector() {
        // No length prefix, or one longer than the body: rejected, not guessed.
        assert!(Proposal::from_bytes(&[0xf0, 0x00]).is_err());
        assert!(Proposal::from_bytes(&[0xf0, 0x00, 4, 1, 2, 3]).is_err());
        // Trailing bytes after the vector are rejected.
        assert!(Proposal::from_bytes(&[0xf0, 0x00, 1, 1, 9]).is_err());
    }

    #[test]
    fn a_custom_proposal_of_a_default_type_does_not_encode() {
        let proposal = Proposal::Custom {
            proposal_type: ProposalType::REMOVE,
            data: VarBytes(vec![0, 0, 0, 5]),
        };
        assert!(matches!(
            proposal.to_bytes(),
            Err(CodecError::InvalidField { .. })
        ));
    }
}
