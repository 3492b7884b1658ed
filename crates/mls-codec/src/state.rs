//! Storage encodings of a member's state, kept apart from the wire.
//!
//! [`Encode`] and [`Decode`] are for the structs RFC 9420 puts on the wire. A member's state
//! (epoch secrets, the secret tree, private keys, the transcript hashes and tree changes it
//! keeps between messages) is no such struct: it is written only to be stored, and much of it
//! is secret. It has its own pair of traits, [`StateEncode`] and [`StateDecode`], so that a
//! secret can never be sent by mistake through a wire encoder, and so that its bytes only ever
//! live in a [`SecretWriter`]: a buffer that wipes every allocation it leaves behind, whether it
//! outgrew it or is dropped.
//!
//! ```
//! use mls_codec::{CodecError, Reader, SecretWriter, StateDecode, StateEncode, VarBytes};
//!
//! /// A key a member keeps, with the epoch it belongs to.
//! struct StoredKey {
//!     epoch: u64,
//!     key: Vec<u8>,
//! }
//!
//! impl StateEncode for StoredKey {
//!     fn encode_state(&self, out: &mut SecretWriter) -> Result<(), CodecError> {
//!         out.put_wire(&self.epoch)?;
//!         out.put_opaque(&self.key)
//!     }
//! }
//!
//! impl StateDecode for StoredKey {
//!     fn decode_state(reader: &mut Reader<'_>) -> Result<Self, CodecError> {
//!         use mls_codec::Decode;
//!         Ok(Self { epoch: u64::decode(reader)?, key: VarBytes::decode(reader)?.into_vec() })
//!     }
//! }
//!
//! let bytes = StoredKey { epoch: 7, key: vec![0xaa; 32] }.to_state_bytes()?; // wiped on drop
//! let stored = StoredKey::from_state_bytes(&bytes)?;
//! assert_eq!((stored.epoch, stored.key.len()), (7, 32));
//! # Ok::<(), CodecError>(())
//! ```

use zeroize::Zeroizing;

use crate::{CodecError, Encode, Reader, varint};

/// A value of a member's state with a storage encoding (not an RFC 9420 wire struct).
pub trait StateEncode {
    /// Appends the storage encoding of `self` to `out`.
    fn encode_state(&self, out: &mut SecretWriter) -> Result<(), CodecError>;

    /// The storage encoding of `self`, in a buffer wiped when dropped.
    fn to_state_bytes(&self) -> Result<Zeroizing<Vec<u8>>, CodecError> {
        let mut out = SecretWriter::new();
        self.encode_state(&mut out)?;
        Ok(out.into_bytes())
    }
}

/// A value of a member's state that can be read back from its storage encoding.
///
/// Stored state is input like any other: a decoder must reject malformed or inconsistent
/// bytes with an error, never panic, and allocate no more than the input holds.
pub trait StateDecode: Sized {
    /// Decodes one value from the front of `reader`.
    fn decode_state(reader: &mut Reader<'_>) -> Result<Self, CodecError>;

    /// Decodes a value that must fill `bytes` exactly; trailing bytes are an error.
    fn from_state_bytes(bytes: &[u8]) -> Result<Self, CodecError> {
        let mut reader = Reader::new(bytes);
        let value = Self::decode_state(&mut reader)?;
        reader.finish()?;
        Ok(value)
    }
}

/// A growable byte buffer for secret-bearing encodings.
///
/// A `Vec<u8>` that grows moves its bytes to a larger allocation and frees the old one as it
/// is, leaving a copy of every secret written so far in freed memory. This buffer instead
/// copies into the larger allocation itself and wipes the old one, and wipes its last one
/// when dropped; [`SecretWriter::into_bytes`] hands that last one over in a [`Zeroizing`].
#[derive(Default)]
pub struct SecretWriter {
    bytes: Zeroizing<Vec<u8>>,
}

impl SecretWriter {
    /// The smallest allocation the buffer makes, so that small states do not grow byte by byte.
    const MIN_CAPACITY: usize = 256;

    /// An empty buffer.
    pub fn new() -> Self {
        Self::default()
    }

    /// The number of bytes written so far.
    pub fn len(&self) -> usize {
        self.bytes.len()
    }

    /// Whether nothing has been written yet.
    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    /// Appends `bytes` as they are.
    pub fn put(&mut self, bytes: &[u8]) {
        self.make_room(bytes.len());
        self.bytes.extend_from_slice(bytes);
    }

    /// Appends the wire encoding of a public value (an integer, a group context, a leaf
    /// node...). It passes through an ordinary buffer first: never use it for a secret.
    pub fn put_wire<T: Encode + ?Sized>(&mut self, value: &T) -> Result<(), CodecError> {
        self.put(&value.to_bytes()?);
        Ok(())
    }

    /// Appends `bytes` as an `opaque<V>`: a variable-length size, then the bytes (§2.1.2).
    pub fn put_opaque(&mut self, bytes: &[u8]) -> Result<(), CodecError> {
        let mut header = [0; 4];
        self.put(varint::encode(bytes.len(), &mut header)?);
        self.put(bytes);
        Ok(())
    }

    /// Appends an optional value: a presence byte, then the value if there is one, as the
    /// wire encodes `optional<T>` (§2.1.3).
    pub fn put_optional<T>(
        &mut self,
        value: Option<&T>,
        encode: impl FnOnce(&T, &mut Self) -> Result<(), CodecError>,
    ) -> Result<(), CodecError> {
        match value {
            None => {
                self.put(&[0]);
                Ok(())
            }
            Some(value) => {
                self.put(&[1]);
                encode(value, self)
            }
        }
    }

    /// Appends a variable-length vector whose body `body` writes (§2.1.2). Like
    /// [`crate::encode_vector`], the body is written after room for the longest length
    /// header and moved back over the room it did not need, within the same allocation.
    pub fn put_vector(
        &mut self,
        body: impl FnOnce(&mut Self) -> Result<(), CodecError>,
    ) -> Result<(), CodecError> {
        const ROOM: usize = 4;
        let start = self.len();
        self.put(&[0; ROOM]);
        body(self)?;
        let mut header = [0; ROOM];
        let header = varint::encode(self.len() - start - ROOM, &mut header)?;
        let unused = ROOM - header.len();
        if let Some(slot) = self.bytes.get_mut(start + unused..start + ROOM) {
            slot.copy_from_slice(header);
        }
        if unused > 0 {
            self.bytes.copy_within(start + unused.., start);
            // The bytes cut off stay in the allocation's spare capacity, which `Zeroizing`
            // wipes along with the rest.
            let len = self.len() - unused;
            self.bytes.truncate(len);
        }
        Ok(())
    }

    /// The bytes written, in a buffer wiped when dropped.
    pub fn into_bytes(self) -> Zeroizing<Vec<u8>> {
        self.bytes
    }

    /// Ensures room for `additional` more bytes, moving to a larger allocation (at least
    /// twice the size) and wiping the old one if needed.
    fn make_room(&mut self, additional: usize) {
        let needed = self.len().saturating_add(additional);
        if needed <= self.bytes.capacity() {
            return;
        }
        let capacity = needed
            .max(self.bytes.capacity().saturating_mul(2))
            .max(Self::MIN_CAPACITY);
        let mut larger = Zeroizing::new(Vec::with_capacity(capacity));
        larger.extend_from_slice(&self.bytes);
        // The old allocation is wiped as `Zeroizing` drops it.
        self.bytes = larger;
    }
}

impl std::fmt::Debug for SecretWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SecretWriter")
            .field("len", &self.len())
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{VarBytes, encode_vector};

    #[test]
    fn vectors_and_opaques_encode_as_on_the_wire() {
        for len in [0, 1, 63, 64, 16383, 16384, 70_000] {
            let body = vec![0x5a; len];
            let mut writer = SecretWriter::new();
            writer
                .put_vector(|out| {
                    out.put_opaque(&body)?;
                    out.put_wire(&7u16)
                })
                .unwrap();
            let mut wire = Vec::new();
            encode_vector(&mut wire, |out| {
                VarBytes::from(body.as_slice()).encode(out)?;
                7u16.encode(out)
            })
            .unwrap();
            assert_eq!(
                writer.into_bytes().as_slice(),
                wire.as_slice(),
                "length {len}"
            );
        }
    }

    #[test]
    fn optional_values_have_a_presence_byte() {
        let mut writer = SecretWriter::new();
        writer
            .put_optional(None::<&u8>, |v, out| out.put_wire(v))
            .unwrap();
        writer
            .put_optional(Some(&9u8), |v, out| out.put_wire(v))
            .unwrap();
        assert_eq!(writer.into_bytes().as_slice(), [0, 1, 9]);
    }

    #[test]
    fn growth_keeps_every_byte() {
        let mut writer = SecretWriter::new();
        let mut expected = Vec::new();
        for i in 0..5000u32 {
            let chunk = i.to_be_bytes();
            writer.put(&chunk);
            expected.extend_from_slice(&chunk);
        }
        assert_eq!(writer.len(), expected.len());
        assert_eq!(writer.into_bytes().as_slice(), expected.as_slice());
    }

    #[test]
    fn an_overlong_vector_is_an_error() {
        let mut writer = SecretWriter::new();
        let result = writer.put_vector(|out| {
            out.put(&vec![0; 1 << 30]);
            Ok(())
        });
        assert!(result.is_err());
    }
}
