//! The wire format of Messaging Layer Security (RFC 9420 §2.1) and every struct of the RFC as
//! plain data with an exact encoding.
//!
//! This crate has no cryptography and no protocol logic: a delivery service that only routes
//! messages can depend on it alone. Decoding never panics, rejects trailing bytes, non-minimal
//! variable-length integers and over-long vectors with a typed [`CodecError`], and allocates no
//! more than the input holds.
//!
//! ```
//! use mls_codec::{Decode, Encode, VarBytes};
//!
//! let value: Vec<VarBytes> = vec![VarBytes::from(b"alice"), VarBytes::from(b"bob")];
//! let bytes = value.to_bytes()?;
//! assert_eq!(bytes[0], 10); // the vector's length header: 1 + 5 + 1 + 3 bytes of body
//! assert_eq!(Vec::<VarBytes>::from_bytes(&bytes)?, value);
//!
//! // A length header that uses more bytes than needed is malformed (§2.1.2).
//! assert!(VarBytes::from_bytes(&[0x40, 0x01, 0xff]).is_err());
//! # Ok::<(), mls_codec::CodecError>(())
//! ```
#![forbid(unsafe_code)]

#[macro_use]
mod macros;
#[cfg(test)]
mod arbitrary;
mod cipher_suite;
mod codec;
mod error;
pub mod labels;
mod reader;
pub mod varint;

pub use cipher_suite::{CipherSuite, ProtocolVersion};
pub use codec::{Decode, Encode, VarBytes, decode_vector, encode_opaque, encode_vector};
pub use error::CodecError;
pub use reader::Reader;

/// Whether `value` is one of the GREASE values of RFC 9420 §13.5 (0x0A0A, 0x1A1A, ..., 0xEAEA).
pub fn is_grease(value: u64) -> bool {
    value <= 0xeaea && value & 0x0f0f == 0x0a0a && (value >> 12) == ((value >> 4) & 0x0f)
}

#[cfg(test)]
mod grease_tests {
    #[test]
    fn exactly_the_fifteen_grease_values() {
        let grease: Vec<u64> = (0..=0xffff).filter(|v| super::is_grease(*v)).collect();
        let expected: Vec<u64> = (0..15).map(|i| 0x0a0a + i * 0x1010).collect();
        assert_eq!(grease, expected);
    }
}
