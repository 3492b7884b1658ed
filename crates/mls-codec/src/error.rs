//! The error type of the wire codec.

/// Why a value could not be encoded or decoded (RFC 9420 §2.1).
///
/// Every variant names what was wrong so that an interoperability problem can be found from
/// the message alone.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CodecError {
    /// The input ended before the value was complete.
    #[error("unexpected end of input: needed {needed} more bytes")]
    UnexpectedEnd {
        /// How many more bytes were needed.
        needed: usize,
    },
    /// The value was complete but bytes were left over.
    #[error("{count} trailing bytes after the value")]
    TrailingBytes {
        /// How many bytes were left over.
        count: usize,
    },
    /// A variable-length integer used more bytes than necessary (§2.1.2).
    #[error("variable-length integer {value} is not minimally encoded")]
    NonMinimalVarint {
        /// The decoded value.
        value: u32,
    },
    /// A variable-length integer started with the reserved prefix `11` (§2.1.2).
    #[error("variable-length integer has the invalid prefix 0b11")]
    InvalidVarintPrefix,
    /// A vector is longer than the 2^30 - 1 bytes a length header can express (§2.1.2).
    #[error("vector of {length} bytes exceeds the maximum of 2^30 - 1")]
    VectorTooLong {
        /// The length that could not be encoded.
        length: usize,
    },
    /// The elements of a vector did not exactly fill its declared length.
    #[error("vector elements do not fill the declared length")]
    VectorLengthMismatch,
    /// An `optional<T>` presence octet other than 0 or 1 (§2.1.1).
    #[error("optional presence octet {0} is neither 0 nor 1")]
    InvalidOptionalFlag(u8),
    /// A value of a closed enumeration that the RFC does not define (or reserves).
    #[error("invalid {type_name} value {value}")]
    InvalidEnumValue {
        /// The enumeration.
        type_name: &'static str,
        /// The value found on the wire.
        value: u64,
    },
    /// A value of an open registry that is known to exist but whose body cannot be parsed
    /// because this implementation does not know its structure.
    #[error("unsupported {type_name} value {value}")]
    UnsupportedValue {
        /// The registry.
        type_name: &'static str,
        /// The value found on the wire.
        value: u64,
    },
    /// The padding of a PrivateMessageContent has a non-zero byte (§6.3.1).
    #[error("PrivateMessageContent padding has a non-zero byte at offset {offset}")]
    NonZeroPadding {
        /// The offset of the first non-zero byte within the padding.
        offset: usize,
    },
    /// A field whose content breaks a rule of the RFC that the codec checks.
    #[error("invalid {field}: {reason}")]
    InvalidField {
        /// The field.
        field: &'static str,
        /// The rule that was broken.
        reason: &'static str,
    },
}
