//! Decoding the MLSMessages the vector files carry as hex.

use mls_codec::{Decode, KeyPackage, MlsMessage, MlsMessageBody, Welcome};

/// Decodes an MLSMessage that must carry a KeyPackage.
pub(crate) fn key_package(bytes: &[u8]) -> Result<KeyPackage, String> {
    match MlsMessage::from_bytes(bytes)
        .map_err(|e| e.to_string())?
        .body
    {
        MlsMessageBody::KeyPackage(key_package) => Ok(key_package),
        other => Err(format!(
            "{:?} instead of a key package",
            other.wire_format()
        )),
    }
}

/// Decodes an MLSMessage that must carry a Welcome.
pub(crate) fn welcome(bytes: &[u8]) -> Result<Welcome, String> {
    match MlsMessage::from_bytes(bytes)
        .map_err(|e| e.to_string())?
        .body
    {
        MlsMessageBody::Welcome(welcome) => Ok(welcome),
        other => Err(format!("{:?} instead of a Welcome", other.wire_format())),
    }
}
