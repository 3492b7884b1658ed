//! The [`Encode`] and [`Decode`] traits and their implementations for the basic types of the
//! TLS presentation language as MLS uses it (RFC 9420 §2.1).

use crate::{CodecError, Reader, varint};

/// A value with an MLS wire encoding.
pub trait Encode {
    /// Appends the encoding of `self` to `out`.
    ///
    /// Fails only if a vector is longer than 2^30 - 1 bytes (§2.1.2).
    fn encode(&self, out: &mut Vec<u8>) -> Result<(), CodecError>;

    /// The encoding of `self` as a new byte vector.
    fn to_bytes(&self) -> Result<Vec<u8>, CodecError> {
        let mut out = Vec::new();
        self.encode(&mut out)?;
        Ok(out)
    }
}

/// A value that can be decoded from its MLS wire encoding.
pub trait Decode: Sized {
    /// Decodes one value from the front of `reader`.
    fn decode(reader: &mut Reader<'_>) -> Result<Self, CodecError>;

    /// Decodes a value that must fill `bytes` exactly; trailing bytes are an error.
    fn from_bytes(bytes: &[u8]) -> Result<Self, CodecError> {
        let mut reader = Reader::new(bytes);
        let value = Self::decode(&mut reader)?;
        reader.finish()?;
        Ok(value)
    }
}

/// Appends a variable-length vector whose body `body` writes (RFC 9420 §2.1.2).
///
/// The body is written after room for the longest (4-byte) length header; a shorter header
/// then moves the body back by the unused bytes. A body that needs the 4-byte header (16 KiB
/// or more) is therefore never moved, so nested vectors cost no copy of a large body.
pub fn encode_vector<F>(out: &mut Vec<u8>, body: F) -> Result<(), CodecError>
where
    F: FnOnce(&mut Vec<u8>) -> Result<(), CodecError>,
{
    const ROOM: usize = 4;
    let start = out.len();
    out.extend_from_slice(&[0; ROOM]);
    body(out)?;
    let mut header = [0u8; ROOM];
    let header = varint::encode(out.len() - start - ROOM, &mut header)?;
    let unused = ROOM - header.len();
    if let Some(slot) = out.get_mut(start + unused..start + ROOM) {
        slot.copy_from_slice(header);
    }
    if unused > 0 {
        out.copy_within(start + unused.., start);
        out.truncate(out.len() - unused);
    }
    Ok(())
}

/// Decodes a variable-length vector of `T` (RFC 9420 §2.1.2).
///
/// The elements must fill the declared length exactly. Memory grows only with the input: each
/// element consumes at least one byte or the vector is rejected.
pub fn decode_vector<T, F>(reader: &mut Reader<'_>, mut element: F) -> Result<Vec<T>, CodecError>
where
    F: FnMut(&mut Reader<'_>) -> Result<T, CodecError>,
{
    let mut body = reader.read_vector_body()?;
    let mut items = Vec::new();
    while !body.is_empty() {
        let before = body.remaining().len();
        items.push(element(&mut body)?);
        if body.remaining().len() == before {
            return Err(CodecError::VectorLengthMismatch);
        }
    }
    Ok(items)
}

macro_rules! impl_uint {
    ($($ty:ty),*) => {$(
        impl Encode for $ty {
            fn encode(&self, out: &mut Vec<u8>) -> Result<(), CodecError> {
                out.extend_from_slice(&self.to_be_bytes());
                Ok(())
            }
        }

        impl Decode for $ty {
            fn decode(reader: &mut Reader<'_>) -> Result<Self, CodecError> {
                Ok(<$ty>::from_be_bytes(reader.read_array()?))
            }
        }
    )*};
}

impl_uint!(u8, u16, u32, u64);

impl<const N: usize> Encode for [u8; N] {
    fn encode(&self, out: &mut Vec<u8>) -> Result<(), CodecError> {
        out.extend_from_slice(self);
        Ok(())
    }
}

impl<const N: usize> Decode for [u8; N] {
    fn decode(reader: &mut Reader<'_>) -> Result<Self, CodecError> {
        reader.read_array()
    }
}

/// `T vector<V>`: a variable-length vector of encoded values.
impl<T: Encode> Encode for Vec<T> {
    fn encode(&self, out: &mut Vec<u8>) -> Result<(), CodecError> {
        encode_vector(out, |out| self.iter().try_for_each(|item| item.encode(out)))
    }
}

impl<T: Decode> Decode for Vec<T> {
    fn decode(reader: &mut Reader<'_>) -> Result<Self, CodecError> {
        decode_vector(reader, T::decode)
    }
}

/// `optional<T>` (RFC 9420 §2.1.1): a presence octet of 0 or 1, then the value if present.
impl<T: Encode> Encode for Option<T> {
    fn encode(&self, out: &mut Vec<u8>) -> Result<(), CodecError> {
        match self {
            None => {
                out.push(0);
                Ok(())
            }
            Some(value) => {
                out.push(1);
                value.encode(out)
            }
        }
    }
}

impl<T: Decode> Decode for Option<T> {
    fn decode(reader: &mut Reader<'_>) -> Result<Self, CodecError> {
        match u8::decode(reader)? {
            0 => Ok(None),
            1 => T::decode(reader).map(Some),
            flag => Err(CodecError::InvalidOptionalFlag(flag)),
        }
    }
}

/// `opaque data<V>`: a variable-length byte string (RFC 9420 §2.1.2).
#[derive(Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct VarBytes(pub Vec<u8>);

impl VarBytes {
    /// The bytes.
    pub fn as_slice(&self) -> &[u8] {
        &self.0
    }

    /// The bytes, by value.
    pub fn into_vec(self) -> Vec<u8> {
        self.0
    }
}

impl std::fmt::Debug for VarBytes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for byte in &self.0 {
            write!(f, "{byte:02x}")?;
        }
        Ok(())
    }
}

impl std::ops::Deref for VarBytes {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        &self.0
    }
}

impl AsRef<[u8]> for VarBytes {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

impl From<Vec<u8>> for VarBytes {
    fn from(bytes: Vec<u8>) -> Self {
        Self(bytes)
    }
}

impl From<&[u8]> for VarBytes {
    fn from(bytes: &[u8]) -> Self {
        Self(bytes.to_vec())
    }
}

impl<const N: usize> From<&[u8; N]> for VarBytes {
    fn from(bytes: &[u8; N]) -> Self {
        Self(bytes.to_vec())
    }
}

impl Encode for VarBytes {
    fn encode(&self, out: &mut Vec<u8>) -> Result<(), CodecError> {
        encode_opaque(&self.0, out)
    }
}

impl Decode for VarBytes {
    fn decode(reader: &mut Reader<'_>) -> Result<Self, CodecError> {
        Ok(Self(reader.read_vector_body()?.read_rest().to_vec()))
    }
}

/// Appends `bytes` as `opaque data<V>` without copying them into a [`VarBytes`] first.
pub fn encode_opaque(bytes: &[u8], out: &mut Vec<u8>) -> Result<(), CodecError> {
    varint::write(bytes.len(), out)?;
    out.extend_from_slice(bytes);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vector_rejects_overlong_declared_length() {
        // Declares 5 bytes, provides 2.
        assert_eq!(
            VarBytes::from_bytes(&[0x05, 1, 2]),
            Err(CodecError::UnexpectedEnd { needed: 3 })
        );
        assert_eq!(
            Vec::<u32>::from_bytes(&[0x05, 0, 0, 0, 1, 0]),
            Err(CodecError::UnexpectedEnd { needed: 3 })
        );
    }

    #[test]
    fn vector_rejects_partial_element() {
        // 6 bytes of body is one u32 and half of another.
        assert_eq!(
            Vec::<u32>::from_bytes(&[0x06, 0, 0, 0, 1, 0, 2]),
            Err(CodecError::UnexpectedEnd { needed: 2 })
        );
    }

    #[test]
    fn trailing_bytes_are_rejected() {
        assert_eq!(
            u16::from_bytes(&[0, 1, 2]),
            Err(CodecError::TrailingBytes { count: 1 })
        );
        assert_eq!(
            VarBytes::from_bytes(&[0x01, 7, 7]),
            Err(CodecError::TrailingBytes { count: 1 })
        );
    }

    #[test]
    fn non_minimal_vector_length_is_rejected() {
        assert_eq!(
            VarBytes::from_bytes(&[0x40, 0x01, 7]),
            Err(CodecError::NonMinimalVarint { value: 1 })
        );
    }

    #[test]
    fn optional_flag_must_be_zero_or_one() {
        assert_eq!(Option::<u8>::from_bytes(&[0]), Ok(None));
        assert_eq!(Option::<u8>::from_bytes(&[1, 9]), Ok(Some(9)));
        assert_eq!(
            Option::<u8>::from_bytes(&[2, 9]),
            Err(CodecError::InvalidOptionalFlag(2))
        );
    }

    #[test]
    fn nested_vectors_round_trip() {
        let value: Vec<VarBytes> = vec![vec![1u8; 70].into(), VarBytes::default()];
        let bytes = value.to_bytes().unwrap();
        // outer header (1 byte: 2 + 70 + 1 = 73 -> 2 bytes), inner 2-byte header + 70, 1-byte header.
        assert_eq!(bytes.len(), 2 + 2 + 70 + 1);
        assert_eq!(Vec::<VarBytes>::from_bytes(&bytes), Ok(value));
    }

    /// Every header length (1, 2 and 4 bytes, at their boundaries), alone and nested in a
    /// vector whose header is of another length.
    #[test]
    fn vectors_at_every_header_length_round_trip() {
        for (length, header) in [(0, 1), (63, 1), (64, 2), (16383, 2), (16384, 4), (70000, 4)] {
            let body = VarBytes::from(vec![0xa5u8; length]);
            let bytes = body.to_bytes().unwrap();
            assert_eq!(bytes.len(), header + length);
            assert!(bytes[header..].iter().all(|&b| b == 0xa5));
            assert_eq!(VarBytes::from_bytes(&bytes), Ok(body.clone()));
            let nested = vec![VarBytes::from(vec![1u8; 3]), body];
            assert_eq!(
                Vec::<VarBytes>::from_bytes(&nested.to_bytes().unwrap()),
                Ok(nested)
            );
        }
    }
}
