//! Decoding the MLSMessages the vector files carry as hex, and the GroupContext they describe.

use mls_codec::{
    CipherSuite, CodecError, Decode, Encode, GroupContext, KeyPackage, MlsMessage, MlsMessageBody,
    ProtocolVersion, VarBytes, Welcome,
};

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

/// The GroupContext the vector files describe field by field: MLS 1.0 and no extensions
/// (RFC 9420 §8.1).
pub(crate) fn group_context(
    cipher_suite: u16,
    group_id: &[u8],
    epoch: u64,
    tree_hash: &[u8],
    confirmed_transcript_hash: &[u8],
) -> GroupContext {
    GroupContext {
        version: ProtocolVersion::MLS10,
        cipher_suite: CipherSuite(cipher_suite),
        group_id: VarBytes::from(group_id),
        epoch,
        tree_hash: VarBytes::from(tree_hash),
        confirmed_transcript_hash: VarBytes::from(confirmed_transcript_hash),
        extensions: Vec::new(),
    }
}

/// Encodes `body` as an MLS 1.0 MLSMessage (RFC 9420 §6).
pub(crate) fn encode_message(body: MlsMessageBody) -> Result<Vec<u8>, CodecError> {
    MlsMessage {
        version: ProtocolVersion::MLS10,
        body,
    }
    .to_bytes()
}
