//! deserialization.json: MLS variable-length integer headers (RFC 9420 §2.1.2).

use std::sync::Arc;

use mls_codec::{Reader, varint};
use mls_crypto::CryptoProvider;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::Outcome;
use crate::hex_field::Hex;
use crate::registry::{VectorError, parse_cases};

#[derive(Serialize, Deserialize)]
pub(crate) struct Case {
    pub(crate) vlbytes_header: Hex,
    pub(crate) length: u32,
}

/// Decoding each header gives `length` and consumes the whole header; encoding `length` gives
/// the header.
pub(crate) fn check(
    _provider: &Arc<dyn CryptoProvider>,
    name: &str,
    cases: Vec<Value>,
) -> Result<Outcome, VectorError> {
    let mut outcome = Outcome::default();
    for (index, case) in parse_cases::<Case>(name, cases)?.into_iter().enumerate() {
        let mut check = outcome.case(index);
        let mut reader = Reader::new(&case.vlbytes_header);
        let decoded = varint::read(&mut reader).map(|v| (v, reader.is_empty()));
        check.expect_ok_eq("length (decode)", &decoded, &(case.length, true));
        let mut encoded = Vec::new();
        let encoded = varint::write(case.length as usize, &mut encoded).map(|()| encoded);
        check.expect_ok_eq("vlbytes_header (encode)", &encoded, &case.vlbytes_header.0);
    }
    Ok(outcome)
}
