//! Helpers of the storage encodings of the key-schedule state ([`crate::EpochSecrets`],
//! [`crate::SecretTree`], [`crate::TranscriptHashes`]).
//!
//! These encodings are not RFC 9420 wire structs: they let a member save and load its own
//! state. They are written in the TLS presentation language with the codec's primitives
//! (RFC 9420 §2.1) and are minimal and deterministic: maps are written in ascending key order
//! and a decoder rejects any other order, so one state has exactly one encoding. The format
//! version belongs to the enclosing group state; a change to any of these encodings must
//! change that version.
//!
//! They go through the codec's [`StateEncode`](mls_codec::StateEncode) and
//! [`StateDecode`](mls_codec::StateDecode), never the wire traits. Secret bytes are written
//! straight from the secret into a [`SecretWriter`], which wipes every allocation it leaves,
//! and read straight from the input into a [`Secret`], which wipes them when dropped.

use mls_codec::{CipherSuite, CodecError, Reader, SecretWriter};
use mls_crypto::{CipherSuiteParams, Secret};

/// A [`CodecError::InvalidField`] for a storage encoding.
pub(crate) fn invalid(field: &'static str, reason: &'static str) -> CodecError {
    CodecError::InvalidField { field, reason }
}

/// The parameters of a registered cipher suite, needed to check secret lengths.
pub(crate) fn suite_params(
    cipher_suite: CipherSuite,
) -> Result<&'static CipherSuiteParams, CodecError> {
    CipherSuiteParams::lookup(cipher_suite)
        .ok_or_else(|| invalid("cipher_suite", "not a cipher suite registered by RFC 9420"))
}

/// Fails unless `secret` is `expected` bytes long.
pub(crate) fn check_secret_len(
    secret: &Secret,
    expected: usize,
    field: &'static str,
) -> Result<(), CodecError> {
    if secret.len() == expected {
        Ok(())
    } else {
        Err(invalid(field, "length differs from the cipher suite's"))
    }
}

/// Writes `opaque secret<V>` from the secret's bytes directly into `out`.
pub(crate) fn encode_secret(secret: &Secret, out: &mut SecretWriter) -> Result<(), CodecError> {
    out.put_opaque(secret.as_bytes())
}

/// Reads `opaque secret<V>` straight into a [`Secret`].
pub(crate) fn decode_secret(reader: &mut Reader<'_>) -> Result<Secret, CodecError> {
    Ok(Secret::from_slice(reader.read_vector_body()?.read_rest()))
}

/// Writes `optional<opaque secret<V>>` (RFC 9420 §2.1.1).
pub(crate) fn encode_optional_secret(
    secret: Option<&Secret>,
    out: &mut SecretWriter,
) -> Result<(), CodecError> {
    out.put_optional(secret, encode_secret)
}

/// Reads `optional<opaque secret<V>>` (RFC 9420 §2.1.1).
pub(crate) fn decode_optional_secret(
    reader: &mut Reader<'_>,
) -> Result<Option<Secret>, CodecError> {
    match reader.read_array::<1>()? {
        [0] => Ok(None),
        [1] => decode_secret(reader).map(Some),
        [flag] => Err(CodecError::InvalidOptionalFlag(flag)),
    }
}

/// Fails unless `keys` is strictly ascending: the canonical order of a map's entries.
pub(crate) fn check_ascending<K: Ord>(
    keys: impl IntoIterator<Item = K>,
    field: &'static str,
) -> Result<(), CodecError> {
    let mut previous = None;
    for key in keys {
        if previous.as_ref().is_some_and(|previous| *previous >= key) {
            return Err(invalid(field, "entries not in strictly ascending order"));
        }
        previous = Some(key);
    }
    Ok(())
}
