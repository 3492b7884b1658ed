//! A bounds-checked cursor over input bytes.

use crate::CodecError;
use crate::varint;

/// A cursor over a byte slice that never reads past its end.
///
/// Every read either returns the bytes it asked for or [`CodecError::UnexpectedEnd`]; nothing
/// here can panic or allocate more than the input holds.
#[derive(Debug, Clone)]
pub struct Reader<'a> {
    bytes: &'a [u8],
}

impl<'a> Reader<'a> {
    /// Starts reading `bytes`.
    pub fn new(bytes: &'a [u8]) -> Self {
        Self { bytes }
    }

    /// The bytes not read yet.
    pub fn remaining(&self) -> &'a [u8] {
        self.bytes
    }

    /// Whether every byte has been read.
    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    /// Takes the next `count` bytes.
    pub fn read_bytes(&mut self, count: usize) -> Result<&'a [u8], CodecError> {
        if count > self.bytes.len() {
            return Err(CodecError::UnexpectedEnd {
                needed: count - self.bytes.len(),
            });
        }
        let (head, tail) = self.bytes.split_at(count);
        self.bytes = tail;
        Ok(head)
    }

    /// Takes the next `N` bytes as an array.
    pub fn read_array<const N: usize>(&mut self) -> Result<[u8; N], CodecError> {
        let mut out = [0u8; N];
        out.copy_from_slice(self.read_bytes(N)?);
        Ok(out)
    }

    /// Takes every byte that is left.
    pub fn read_rest(&mut self) -> &'a [u8] {
        std::mem::take(&mut self.bytes)
    }

    /// Reads a variable-length vector header and returns a reader over exactly the vector's
    /// body (RFC 9420 §2.1.2).
    pub fn read_vector_body(&mut self) -> Result<Reader<'a>, CodecError> {
        let length = varint::read(self)?;
        let length = usize::try_from(length).map_err(|_| CodecError::VectorLengthMismatch)?;
        Ok(Reader::new(self.read_bytes(length)?))
    }

    /// Succeeds only if every byte has been read.
    pub fn finish(self) -> Result<(), CodecError> {
        if self.bytes.is_empty() {
            Ok(())
        } else {
            Err(CodecError::TrailingBytes {
                count: self.bytes.len(),
            })
        }
    }
}
