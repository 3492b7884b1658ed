//! deserialization.json: MLS variable-length integer headers (RFC 9420 §2.1.2) of lengths at
//! the edges of each header size and random ones within each.

use mls_codec::varint;
use serde_json::Value;

use super::{LayerError, as_u32, pick, to_values};
use crate::deserialization::Case;
use crate::hex_field::Hex;

/// The largest length of each header size: 1, 2 and 4 bytes (§2.1.2; 30 bits at most).
const LARGEST: [usize; 3] = [(1 << 6) - 1, (1 << 14) - 1, (1 << 30) - 1];

/// For each header size: its smallest and largest length and a random one between.
pub(crate) fn generate() -> Result<Vec<Value>, LayerError> {
    let mut smallest = 0;
    let mut lengths = Vec::new();
    for largest in LARGEST {
        lengths.extend([smallest, pick(smallest..largest), largest]);
        smallest = largest + 1;
    }
    let cases = lengths
        .into_iter()
        .map(|length| {
            let mut header = Vec::new();
            varint::write(length, &mut header)?;
            let length = as_u32(length)?;
            Ok(Case {
                vlbytes_header: Hex(header),
                length,
            })
        })
        .collect::<Result<Vec<_>, LayerError>>()?;
    to_values(cases)
}
