//! Extensions (RFC 9420 §7.2, §13) and the bodies of the extension types the RFC defines
//! (§11.1, §12.1.8.1, §12.4.3.2, §12.4.3.3).

use crate::{Credential, Node, ProposalType, SignaturePublicKey, VarBytes};
use crate::{CredentialType, HpkePublicKey};

mls_registry! {
    /// An extension type (RFC 9420 §7.2, §17.3). Open registry: unknown and GREASE values are
    /// kept.
    pub struct ExtensionType(u16) {
        /// `application_id` (§5.3.3): an application-defined identifier for a leaf.
        APPLICATION_ID = 0x0001,
        /// `ratchet_tree` (§12.4.3.3): the public ratchet tree, in a GroupInfo.
        RATCHET_TREE = 0x0002,
        /// `required_capabilities` (§11.1): capabilities every member must support.
        REQUIRED_CAPABILITIES = 0x0003,
        /// `external_pub` (§12.4.3.2): the public key for external commits, in a GroupInfo.
        EXTERNAL_PUB = 0x0004,
        /// `external_senders` (§12.1.8.1): who may send external proposals.
        EXTERNAL_SENDERS = 0x0005,
        /// `last_resort` (0x000A), registered by IANA for MLS key packages
        /// (draft-ietf-mls-extensions): a key package extension with empty data marking a key
        /// package that may be used more than once, when no other is available.
        LAST_RESORT = 0x000A,
    }
}

mls_struct! {
    /// An extension (RFC 9420 §7.2): a type and its encoded body. Unknown types keep their
    /// body as bytes.
    pub struct Extension {
        /// The extension type.
        pub extension_type: ExtensionType,
        /// The encoded body, whose structure the type determines.
        pub extension_data: VarBytes,
    }
}

mls_struct! {
    /// The body of a `required_capabilities` extension (RFC 9420 §11.1).
    pub struct RequiredCapabilities {
        /// Extension types every member must support.
        pub extension_types: Vec<ExtensionType>,
        /// Proposal types every member must support.
        pub proposal_types: Vec<ProposalType>,
        /// Credential types every member must support.
        pub credential_types: Vec<CredentialType>,
    }
}

mls_struct! {
    /// The body of an `external_pub` extension (RFC 9420 §12.4.3.2).
    pub struct ExternalPub {
        /// The public key that external joiners encrypt their init secret to.
        pub external_pub: HpkePublicKey,
    }
}

mls_struct! {
    /// One entry of the body of an `external_senders` extension (RFC 9420 §12.1.8.1), which
    /// is `ExternalSender external_senders<V>`.
    pub struct ExternalSender {
        /// The sender's signature key.
        pub signature_key: SignaturePublicKey,
        /// The sender's credential.
        pub credential: Credential,
    }
}

/// `optional<Node> ratchet_tree<V>` (RFC 9420 §12.4.3.3): the nodes of a ratchet tree in
/// array order, `None` for a blank node. It is the body of a `ratchet_tree` extension.
pub type RatchetTree = Vec<Option<Node>>;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::arbitrary::{Arb, assert_round_trip};
    use crate::{Decode, Encode};
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn extension_type_round_trips(value in ExtensionType::arb()) { assert_round_trip(&value)?; }
        #[test]
        fn extension_round_trips(value in Extension::arb()) { assert_round_trip(&value)?; }
        #[test]
        fn required_capabilities_round_trips(value in RequiredCapabilities::arb()) {
            assert_round_trip(&value)?;
        }
        #[test]
        fn external_pub_round_trips(value in ExternalPub::arb()) { assert_round_trip(&value)?; }
        #[test]
        fn external_sender_round_trips(value in ExternalSender::arb()) { assert_round_trip(&value)?; }
        #[test]
        fn ratchet_tree_round_trips(value in RatchetTree::arb()) { assert_round_trip(&value)?; }
    }

    #[test]
    fn grease_extension_survives() {
        let bytes = [0x3a, 0x3a, 2, 0xde, 0xad];
        let extension = Extension::from_bytes(&bytes).unwrap();
        assert!(extension.extension_type.is_grease());
        assert_eq!(extension.extension_type.name(), None);
        assert_eq!(extension.to_bytes().unwrap(), bytes);
    }

    #[test]
    fn ratchet_tree_rejects_bad_optional_flag() {
        // One entry whose presence octet is 2.
        assert_eq!(
            RatchetTree::from_bytes(&[1, 2]),
            Err(crate::CodecError::InvalidOptionalFlag(2))
        );
    }
}
