//! The group context (RFC 9420 §8.1), GroupInfo (§12.4.3) and Welcome (§12.4.3.1).

use crate::{
    CipherSuite, CodecError, Encode, Extension, HpkeCiphertext, KeyPackageRef, Mac, PreSharedKeyId,
    ProtocolVersion, VarBytes,
};

mls_struct! {
    /// The group context (RFC 9420 §8.1): the state every member agrees on in an epoch.
    pub struct GroupContext {
        /// The protocol version (`mls10`).
        pub version: ProtocolVersion,
        /// The group's cipher suite.
        pub cipher_suite: CipherSuite,
        /// The group's identifier.
        pub group_id: VarBytes,
        /// The epoch.
        pub epoch: u64,
        /// The tree hash of the ratchet tree's root (§7.8).
        pub tree_hash: VarBytes,
        /// The confirmed transcript hash (§8.2).
        pub confirmed_transcript_hash: VarBytes,
        /// The group's extensions.
        pub extensions: Vec<Extension>,
    }
}

mls_struct! {
    /// A GroupInfo (RFC 9420 §12.4.3): what a joiner needs about the group, signed by a
    /// member.
    pub struct GroupInfo {
        /// The group context of the epoch.
        pub group_context: GroupContext,
        /// Extensions for joiners (such as `ratchet_tree` or `external_pub`).
        pub extensions: Vec<Extension>,
        /// The confirmation tag of the epoch.
        pub confirmation_tag: Mac,
        /// The leaf index of the signer.
        pub signer: u32,
        /// SignWithLabel(., "GroupInfoTBS", GroupInfoTBS).
        pub signature: VarBytes,
    }
}

impl GroupInfo {
    /// The signed part of this GroupInfo (RFC 9420 §12.4.3).
    pub fn to_tbs(&self) -> GroupInfoTbs {
        GroupInfoTbs {
            group_context: self.group_context.clone(),
            extensions: self.extensions.clone(),
            confirmation_tag: self.confirmation_tag.clone(),
            signer: self.signer,
        }
    }

    /// Appends the encoding of [`Self::to_tbs`] without copying this GroupInfo first: its
    /// extensions can hold the whole ratchet tree.
    pub fn encode_tbs(&self, out: &mut Vec<u8>) -> Result<(), CodecError> {
        self.group_context.encode(out)?;
        self.extensions.encode(out)?;
        self.confirmation_tag.encode(out)?;
        self.signer.encode(out)
    }
}

mls_struct! {
    /// `GroupInfoTBS` (RFC 9420 §12.4.3): what a GroupInfo's signature covers.
    pub struct GroupInfoTbs {
        /// The group context of the epoch.
        pub group_context: GroupContext,
        /// Extensions for joiners.
        pub extensions: Vec<Extension>,
        /// The confirmation tag of the epoch.
        pub confirmation_tag: Mac,
        /// The leaf index of the signer.
        pub signer: u32,
    }
}

mls_struct! {
    /// A path secret given to a joiner (RFC 9420 §12.4.3.1).
    pub struct PathSecret {
        /// The secret at the lowest common ancestor of the committer and the joiner.
        pub path_secret: VarBytes,
    }
}

mls_struct! {
    /// The secrets a Welcome gives each joiner (RFC 9420 §12.4.3.1).
    pub struct GroupSecrets {
        /// The joiner secret of the new epoch.
        pub joiner_secret: VarBytes,
        /// The path secret for the joiner, if the commit had a path.
        pub path_secret: Option<PathSecret>,
        /// The PSKs of the new epoch, in the commit's order.
        pub psks: Vec<PreSharedKeyId>,
    }
}

mls_struct! {
    /// Group secrets encrypted to one joiner's init key (RFC 9420 §12.4.3.1).
    pub struct EncryptedGroupSecrets {
        /// The KeyPackageRef of the joiner's key package.
        pub new_member: KeyPackageRef,
        /// The encrypted [`GroupSecrets`].
        pub encrypted_group_secrets: HpkeCiphertext,
    }
}

mls_struct! {
    /// A Welcome message (RFC 9420 §12.4.3.1).
    pub struct Welcome {
        /// The group's cipher suite.
        pub cipher_suite: CipherSuite,
        /// The group secrets, once per joiner.
        pub secrets: Vec<EncryptedGroupSecrets>,
        /// The GroupInfo, encrypted under the welcome key and nonce.
        pub encrypted_group_info: VarBytes,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::arbitrary::{Arb, assert_round_trip};
    use crate::{CodecError, Decode, Encode};
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn group_context_round_trips(value in GroupContext::arb()) { assert_round_trip(&value)?; }
        #[test]
        fn group_info_round_trips(value in GroupInfo::arb()) { assert_round_trip(&value)?; }
        #[test]
        fn group_info_tbs_round_trips(value in GroupInfoTbs::arb()) { assert_round_trip(&value)?; }
        #[test]
        fn path_secret_round_trips(value in PathSecret::arb()) { assert_round_trip(&value)?; }
        #[test]
        fn group_secrets_round_trip(value in GroupSecrets::arb()) { assert_round_trip(&value)?; }
        #[test]
        fn encrypted_group_secrets_round_trip(value in EncryptedGroupSecrets::arb()) {
            assert_round_trip(&value)?;
        }
        #[test]
        fn welcome_round_trips(value in Welcome::arb()) { assert_round_trip(&value)?; }

        #[test]
        fn tbs_is_the_group_info_without_its_signature(value in GroupInfo::arb()) {
            let full = value.to_bytes().unwrap();
            let tbs = value.to_tbs().to_bytes().unwrap();
            let mut encoded = Vec::new();
            value.encode_tbs(&mut encoded).unwrap();
            prop_assert_eq!(&encoded, &tbs);
            let signature = value.signature.to_bytes().unwrap();
            prop_assert_eq!([tbs, signature].concat(), full);
        }
    }

    #[test]
    fn group_secrets_rejects_bad_optional_flag() {
        // joiner_secret = "", path_secret flag = 2.
        assert_eq!(
            GroupSecrets::from_bytes(&[0, 2, 0, 0]),
            Err(CodecError::InvalidOptionalFlag(2))
        );
    }
}
