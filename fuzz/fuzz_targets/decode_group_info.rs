//! Decodes arbitrary bytes as a GroupInfo (RFC 9420 §12.4.3) and checks that decoding is canonical.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    mls_fuzz::check_canonical::<mls_codec::GroupInfo>(data);
});
