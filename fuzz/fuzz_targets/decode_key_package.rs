//! Decodes arbitrary bytes as a KeyPackage (RFC 9420 §10) and checks that decoding is canonical.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    mls_fuzz::check_canonical::<mls_codec::KeyPackage>(data);
});
