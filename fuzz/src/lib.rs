//! The property every fuzz target checks: decoding arbitrary bytes never panics, and when it
//! succeeds the codec is canonical.

use mls_codec::{Decode, Encode};

/// Decodes `data` as a `T`; if that succeeds, re-encoding must give `data` back exactly (the
/// MLS encoding is canonical) and decoding the re-encoding must give an equal value.
pub fn check_canonical<T>(data: &[u8])
where
    T: Decode + Encode + PartialEq + std::fmt::Debug,
{
    let Ok(value) = T::from_bytes(data) else {
        return;
    };
    let encoded = match value.to_bytes() {
        Ok(encoded) => encoded,
        Err(error) => panic!("decoded value does not re-encode: {error}: {value:?}"),
    };
    assert_eq!(encoded, data, "re-encoding differs from the input");
    match T::from_bytes(&encoded) {
        Ok(again) => assert_eq!(again, value, "decoding the re-encoding differs"),
        Err(error) => panic!("re-encoding does not decode: {error}"),
    }
}
