//! The inputs of the labeled cryptographic operations of RFC 9420 §5 and §8.

use crate::VarBytes;

mls_struct! {
    /// The `info` of ExpandWithLabel (RFC 9420 §8): `"MLS 1.0 " + Label` goes in `label`.
    pub struct KdfLabel {
        /// The output length in bytes.
        pub length: u16,
        /// The full label, including the "MLS 1.0 " prefix.
        pub label: VarBytes,
        /// The context.
        pub context: VarBytes,
    }
}

mls_struct! {
    /// The input of RefHash (RFC 9420 §5.2).
    pub struct RefHashInput {
        /// The label, as given (RefHash adds no prefix).
        pub label: VarBytes,
        /// The value being referenced.
        pub value: VarBytes,
    }
}

mls_struct! {
    /// What SignWithLabel signs (RFC 9420 §5.1.2).
    pub struct SignContent {
        /// The full label, including the "MLS 1.0 " prefix.
        pub label: VarBytes,
        /// The content being signed.
        pub content: VarBytes,
    }
}

mls_struct! {
    /// The HPKE `info` of EncryptWithLabel (RFC 9420 §5.1.3).
    pub struct EncryptContext {
        /// The full label, including the "MLS 1.0 " prefix.
        pub label: VarBytes,
        /// The context.
        pub context: VarBytes,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::arbitrary::{Arb, assert_round_trip};
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn kdf_label_round_trips(value in KdfLabel::arb()) { assert_round_trip(&value)?; }
        #[test]
        fn ref_hash_input_round_trips(value in RefHashInput::arb()) { assert_round_trip(&value)?; }
        #[test]
        fn sign_content_round_trips(value in SignContent::arb()) { assert_round_trip(&value)?; }
        #[test]
        fn encrypt_context_round_trips(value in EncryptContext::arb()) { assert_round_trip(&value)?; }
    }
}
