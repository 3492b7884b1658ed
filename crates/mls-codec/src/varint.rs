//! MLS variable-length integers (RFC 9420 §2.1.2): 1, 2 or 4 bytes, minimal, at most 2^30 - 1.

use crate::{CodecError, Reader};

/// The largest value a variable-length integer can hold.
pub const MAX_VARINT: u32 = (1 << 30) - 1;

/// Appends the minimal encoding of `value`.
///
/// Fails with [`CodecError::VectorTooLong`] above [`MAX_VARINT`].
pub fn write(value: usize, out: &mut Vec<u8>) -> Result<(), CodecError> {
    let mut header = [0u8; 4];
    let header = encode(value, &mut header)?;
    out.extend_from_slice(header);
    Ok(())
}

/// Writes the minimal encoding of `value` into `buf` and returns the bytes used.
pub(crate) fn encode(value: usize, buf: &mut [u8; 4]) -> Result<&[u8], CodecError> {
    let too_long = CodecError::VectorTooLong { length: value };
    let v = u32::try_from(value).map_err(|_| too_long.clone())?;
    if v > MAX_VARINT {
        return Err(too_long);
    }
    *buf = v.to_be_bytes();
    Ok(if v < 1 << 6 {
        &buf[3..]
    } else if v < 1 << 14 {
        buf[2] |= 0x40;
        &buf[2..]
    } else {
        buf[0] |= 0x80;
        &buf[..]
    })
}

/// Reads one variable-length integer, rejecting the `11` prefix and non-minimal encodings.
pub fn read(reader: &mut Reader<'_>) -> Result<u32, CodecError> {
    let [first] = reader.read_array::<1>()?;
    let (length, min) = match first >> 6 {
        0 => return Ok(u32::from(first)),
        1 => (2, 1 << 6),
        2 => (4, 1 << 14),
        _ => return Err(CodecError::InvalidVarintPrefix),
    };
    let rest = reader.read_bytes(length - 1)?;
    let value = rest
        .iter()
        .fold(u32::from(first & 0x3f), |acc, b| (acc << 8) | u32::from(*b));
    if value < min {
        return Err(CodecError::NonMinimalVarint { value });
    }
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(bytes: &[u8]) -> Result<u32, CodecError> {
        let mut reader = Reader::new(bytes);
        let value = read(&mut reader)?;
        reader.finish()?;
        Ok(value)
    }

    #[test]
    fn rfc_examples_decode() {
        assert_eq!(decode(&[0x9d, 0x7f, 0x3e, 0x7d]), Ok(494_878_333));
        assert_eq!(decode(&[0x7b, 0xbd]), Ok(15_293));
        assert_eq!(decode(&[0x25]), Ok(37));
    }

    #[test]
    fn boundaries_round_trip_minimally() {
        for (value, len) in [
            (0, 1),
            (63, 1),
            (64, 2),
            (16_383, 2),
            (16_384, 4),
            (MAX_VARINT as usize, 4),
        ] {
            let mut out = Vec::new();
            write(value, &mut out).unwrap();
            assert_eq!(out.len(), len, "length of {value}");
            assert_eq!(decode(&out), Ok(u32::try_from(value).unwrap()));
        }
    }

    #[test]
    fn rejects_non_minimal_encodings() {
        assert_eq!(
            decode(&[0x40, 0x25]),
            Err(CodecError::NonMinimalVarint { value: 37 })
        );
        assert_eq!(
            decode(&[0x80, 0x00, 0x3f, 0xff]),
            Err(CodecError::NonMinimalVarint { value: 16_383 })
        );
    }

    #[test]
    fn rejects_prefix_11_and_values_over_30_bits() {
        assert_eq!(
            decode(&[0xc0, 0, 0, 0, 0, 0, 0, 1]),
            Err(CodecError::InvalidVarintPrefix)
        );
        assert_eq!(
            write(1 << 30, &mut Vec::new()),
            Err(CodecError::VectorTooLong { length: 1 << 30 })
        );
    }

    #[test]
    fn rejects_truncated_input() {
        assert_eq!(
            decode(&[0x80, 0x01]),
            Err(CodecError::UnexpectedEnd { needed: 2 })
        );
    }
}
