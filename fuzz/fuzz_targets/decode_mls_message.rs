//! Decodes arbitrary bytes as an MLSMessage (RFC 9420 §6), of any wire format and checks that decoding is canonical.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    mls_fuzz::check_canonical::<mls_codec::MlsMessage>(data);
});
