//! Key packages (RFC 9420 §10).

use crate::{CipherSuite, Extension, HpkePublicKey, LeafNode, ProtocolVersion, VarBytes};

mls_struct! {
    /// A key package (RFC 9420 §10): what a client publishes so that others can add it to a
    /// group.
    pub struct KeyPackage {
        /// The protocol version.
        pub version: ProtocolVersion,
        /// The cipher suite.
        pub cipher_suite: CipherSuite,
        /// The HPKE public key the Welcome's group secrets are encrypted to.
        pub init_key: HpkePublicKey,
        /// The leaf node the client will occupy (source `key_package`).
        pub leaf_node: LeafNode,
        /// The key package's extensions.
        pub extensions: Vec<Extension>,
        /// SignWithLabel(., "KeyPackageTBS", KeyPackageTBS).
        pub signature: VarBytes,
    }
}

impl KeyPackage {
    /// The signed part of this key package (RFC 9420 §10).
    pub fn to_tbs(&self) -> KeyPackageTbs {
        KeyPackageTbs {
            version: self.version,
            cipher_suite: self.cipher_suite,
            init_key: self.init_key.clone(),
            leaf_node: self.leaf_node.clone(),
            extensions: self.extensions.clone(),
        }
    }
}

mls_struct! {
    /// `KeyPackageTBS` (RFC 9420 §10): what a key package's signature covers.
    pub struct KeyPackageTbs {
        /// The protocol version.
        pub version: ProtocolVersion,
        /// The cipher suite.
        pub cipher_suite: CipherSuite,
        /// The HPKE init key.
        pub init_key: HpkePublicKey,
        /// The leaf node.
        pub leaf_node: LeafNode,
        /// The key package's extensions.
        pub extensions: Vec<Extension>,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Encode;
    use crate::arbitrary::{Arb, assert_round_trip};
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn key_package_round_trips(value in KeyPackage::arb()) { assert_round_trip(&value)?; }
        #[test]
        fn key_package_tbs_round_trips(value in KeyPackageTbs::arb()) { assert_round_trip(&value)?; }

        #[test]
        fn tbs_is_the_key_package_without_its_signature(value in KeyPackage::arb()) {
            let full = value.to_bytes().unwrap();
            let tbs = value.to_tbs().to_bytes().unwrap();
            let signature = value.signature.to_bytes().unwrap();
            prop_assert_eq!([tbs, signature].concat(), full);
        }
    }
}
