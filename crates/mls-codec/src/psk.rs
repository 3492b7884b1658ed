//! Pre-shared keys (RFC 9420 §8.4).

use crate::{CodecError, Decode, Encode, Reader, VarBytes};

mls_enum! {
    /// The kind of a pre-shared key (RFC 9420 §8.4).
    pub enum PskType: u8 {
        /// A key agreed out of band.
        External = 1,
        /// The resumption PSK of an earlier epoch of a group.
        Resumption = 2,
    }
}

mls_enum! {
    /// What a resumption PSK is used for (RFC 9420 §8.4).
    pub enum ResumptionPskUsage: u8 {
        /// Application-defined use.
        Application = 1,
        /// Reinitializing a group (§11.2).
        Reinit = 2,
        /// Branching a subgroup (§11.3).
        Branch = 3,
    }
}

/// Which pre-shared key a [`PreSharedKeyId`] names: the part of it that depends on
/// `psktype` (RFC 9420 §8.4).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Psk {
    /// `external`: a key known by its identifier.
    External {
        /// The identifier.
        psk_id: VarBytes,
    },
    /// `resumption`: the resumption PSK of an epoch of a group.
    Resumption {
        /// What the PSK is used for.
        usage: ResumptionPskUsage,
        /// The group.
        psk_group_id: VarBytes,
        /// The epoch.
        psk_epoch: u64,
    },
}

impl Psk {
    /// The `psktype` this PSK is encoded with.
    pub fn psk_type(&self) -> PskType {
        match self {
            Self::External { .. } => PskType::External,
            Self::Resumption { .. } => PskType::Resumption,
        }
    }
}

impl Encode for Psk {
    fn encode(&self, out: &mut Vec<u8>) -> Result<(), CodecError> {
        self.psk_type().encode(out)?;
        match self {
            Self::External { psk_id } => psk_id.encode(out),
            Self::Resumption {
                usage,
                psk_group_id,
                psk_epoch,
            } => {
                usage.encode(out)?;
                psk_group_id.encode(out)?;
                psk_epoch.encode(out)
            }
        }
    }
}

impl Decode for Psk {
    fn decode(reader: &mut Reader<'_>) -> Result<Self, CodecError> {
        Ok(match PskType::decode(reader)? {
            PskType::External => Self::External {
                psk_id: VarBytes::decode(reader)?,
            },
            PskType::Resumption => Self::Resumption {
                usage: ResumptionPskUsage::decode(reader)?,
                psk_group_id: VarBytes::decode(reader)?,
                psk_epoch: u64::decode(reader)?,
            },
        })
    }
}

#[cfg(test)]
impl crate::arbitrary::Arb for Psk {
    fn arb() -> proptest::strategy::BoxedStrategy<Self> {
        use proptest::prelude::*;
        prop_oneof![
            VarBytes::arb().prop_map(|psk_id| Self::External { psk_id }),
            (ResumptionPskUsage::arb(), VarBytes::arb(), any::<u64>()).prop_map(
                |(usage, psk_group_id, psk_epoch)| Self::Resumption {
                    usage,
                    psk_group_id,
                    psk_epoch,
                }
            ),
        ]
        .boxed()
    }
}

mls_struct! {
    /// `PreSharedKeyID` (RFC 9420 §8.4): names a PSK and carries a fresh nonce.
    pub struct PreSharedKeyId {
        /// `psktype` and the fields that depend on it.
        pub psk: Psk,
        /// A fresh random value of length KDF.Nh.
        pub psk_nonce: VarBytes,
    }
}

mls_struct! {
    /// `PSKLabel` (RFC 9420 §8.4): the context of the i-th PSK when chaining PSKs.
    pub struct PskLabel {
        /// The PSK.
        pub id: PreSharedKeyId,
        /// Its position in the list.
        pub index: u16,
        /// The number of PSKs in the list.
        pub count: u16,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::arbitrary::{Arb, assert_round_trip};
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn psk_type_round_trips(value in PskType::arb()) { assert_round_trip(&value)?; }
        #[test]
        fn resumption_psk_usage_round_trips(value in ResumptionPskUsage::arb()) {
            assert_round_trip(&value)?;
        }
        #[test]
        fn psk_round_trips(value in Psk::arb()) { assert_round_trip(&value)?; }
        #[test]
        fn pre_shared_key_id_round_trips(value in PreSharedKeyId::arb()) { assert_round_trip(&value)?; }
        #[test]
        fn psk_label_round_trips(value in PskLabel::arb()) { assert_round_trip(&value)?; }
    }

    #[test]
    fn reserved_and_unknown_psk_types_are_rejected() {
        for value in [0u8, 3, 255] {
            assert_eq!(
                PreSharedKeyId::from_bytes(&[value, 0, 0]),
                Err(CodecError::InvalidEnumValue {
                    type_name: "PskType",
                    value: value.into(),
                })
            );
        }
        assert_eq!(
            Psk::from_bytes(&[2, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0]),
            Err(CodecError::InvalidEnumValue {
                type_name: "ResumptionPskUsage",
                value: 4,
            })
        );
    }
}
