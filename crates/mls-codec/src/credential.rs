//! Credentials (RFC 9420 §5.3).

use crate::{CodecError, Decode, Encode, Reader, VarBytes};

mls_registry! {
    /// A credential type (RFC 9420 §5.3, §17.5). Open registry: unknown and GREASE values are
    /// kept, as they appear in [`Capabilities`](crate::Capabilities).
    pub struct CredentialType(u16) {
        /// A bare identity (`basic`).
        BASIC = 0x0001,
        /// A chain of X.509 certificates (`x509`).
        X509 = 0x0002,
    }
}

mls_struct! {
    /// One DER-encoded certificate of an X.509 credential (RFC 9420 §5.3).
    pub struct Certificate {
        /// The certificate bytes.
        pub cert_data: VarBytes,
    }
}

/// A member's credential (RFC 9420 §5.3): the identity bound to its signature key.
///
/// Only the types whose structure the RFC defines can be decoded: the body of any other type
/// has no length prefix, so decoding one fails with [`CodecError::UnsupportedValue`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credential {
    /// `basic`: an application-defined identity.
    Basic {
        /// The identity.
        identity: VarBytes,
    },
    /// `x509`: a certificate chain, the end-entity certificate first.
    X509 {
        /// The certificates.
        certificates: Vec<Certificate>,
    },
}

impl Credential {
    /// The `credential_type` this credential is encoded with.
    pub fn credential_type(&self) -> CredentialType {
        match self {
            Self::Basic { .. } => CredentialType::BASIC,
            Self::X509 { .. } => CredentialType::X509,
        }
    }
}

impl Encode for Credential {
    fn encode(&self, out: &mut Vec<u8>) -> Result<(), CodecError> {
        self.credential_type().encode(out)?;
        match self {
            Self::Basic { identity } => identity.encode(out),
            Self::X509 { certificates } => certificates.encode(out),
        }
    }
}

impl Decode for Credential {
    fn decode(reader: &mut Reader<'_>) -> Result<Self, CodecError> {
        match CredentialType::decode(reader)? {
            CredentialType::BASIC => Ok(Self::Basic {
                identity: VarBytes::decode(reader)?,
            }),
            CredentialType::X509 => Ok(Self::X509 {
                certificates: Vec::decode(reader)?,
            }),
            other => Err(CodecError::UnsupportedValue {
                type_name: "CredentialType",
                value: other.0.into(),
            }),
        }
    }
}

#[cfg(test)]
impl crate::arbitrary::Arb for Credential {
    fn arb() -> proptest::strategy::BoxedStrategy<Self> {
        use proptest::prelude::*;
        prop_oneof![
            VarBytes::arb().prop_map(|identity| Self::Basic { identity }),
            Vec::<Certificate>::arb().prop_map(|certificates| Self::X509 { certificates }),
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
        fn credential_type_round_trips(value in CredentialType::arb()) { assert_round_trip(&value)?; }
        #[test]
        fn certificate_round_trips(value in Certificate::arb()) { assert_round_trip(&value)?; }
        #[test]
        fn credential_round_trips(value in Credential::arb()) { assert_round_trip(&value)?; }
    }

    #[test]
    fn basic_credential_encoding() {
        let credential = Credential::Basic {
            identity: VarBytes::from(b"alice"),
        };
        assert_eq!(
            credential.to_bytes().unwrap(),
            [0, 1, 5, b'a', b'l', b'i', b'c', b'e']
        );
    }

    #[test]
    fn unknown_credential_type_is_unsupported() {
        assert_eq!(
            Credential::from_bytes(&[0x0a, 0x0a, 0]),
            Err(CodecError::UnsupportedValue {
                type_name: "CredentialType",
                value: 0x0a0a,
            })
        );
    }
}
