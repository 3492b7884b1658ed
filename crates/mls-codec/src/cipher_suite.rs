//! The cipher suite and protocol version identifiers carried on the wire (RFC 9420 §17.1).

mls_registry! {
    /// A cipher suite identifier (RFC 9420 §17.1). Open registry: unknown values are kept.
    pub struct CipherSuite(u16) {
        /// MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519
        MLS_128_DHKEMX25519_AES128GCM_SHA256_ED25519 = 0x0001,
        /// MLS_128_DHKEMP256_AES128GCM_SHA256_P256
        MLS_128_DHKEMP256_AES128GCM_SHA256_P256 = 0x0002,
        /// MLS_128_DHKEMX25519_CHACHA20POLY1305_SHA256_Ed25519
        MLS_128_DHKEMX25519_CHACHA20POLY1305_SHA256_ED25519 = 0x0003,
        /// MLS_256_DHKEMX448_AES256GCM_SHA512_Ed448
        MLS_256_DHKEMX448_AES256GCM_SHA512_ED448 = 0x0004,
        /// MLS_256_DHKEMP521_AES256GCM_SHA512_P521
        MLS_256_DHKEMP521_AES256GCM_SHA512_P521 = 0x0005,
        /// MLS_256_DHKEMX448_CHACHA20POLY1305_SHA512_Ed448
        MLS_256_DHKEMX448_CHACHA20POLY1305_SHA512_ED448 = 0x0006,
        /// MLS_256_DHKEMP384_AES256GCM_SHA384_P384
        MLS_256_DHKEMP384_AES256GCM_SHA384_P384 = 0x0007,

        // ---- PROVISIONAL: draft-ietf-mls-pq-ciphersuites, no IANA assignment yet. ----
        // The values are this project's choice, documented with the suites' parameters in
        // `mls_crypto::CipherSuiteParams::provisional` and in docs/architecture.md: where
        // OpenMLS 0.8 (openmls_traits 0.6) defines the same suite its value is used, otherwise
        // a private-use value 0xF0xx. They change when IANA assigns code points.

        /// MLS_128_MLKEM768X25519_AES128GCM_SHA256_Ed25519 (draft TBD1; provisional value,
        /// OpenMLS's).
        MLS_128_MLKEM768X25519_AES128GCM_SHA256_ED25519 = 0x004F,
        /// MLS_128_MLKEM768X25519_AES256GCM_SHA384_Ed25519 (draft TBD2; provisional value,
        /// OpenMLS's).
        MLS_128_MLKEM768X25519_AES256GCM_SHA384_ED25519 = 0x004E,
        /// MLS_128_MLKEM768P256_AES128GCM_SHA256_P256 (draft TBD3; provisional private-use
        /// value).
        MLS_128_MLKEM768P256_AES128GCM_SHA256_P256 = 0xF003,
        /// MLS_128_MLKEM768P256_AES256GCM_SHA384_P256 (draft TBD4; provisional private-use
        /// value).
        MLS_128_MLKEM768P256_AES256GCM_SHA384_P256 = 0xF004,
        /// MLS_192_MLKEM1024P384_AES256GCM_SHA384_P384 (draft TBD5; provisional private-use
        /// value).
        MLS_192_MLKEM1024P384_AES256GCM_SHA384_P384 = 0xF005,
        /// MLS_128_MLKEM768_AES256GCM_SHA384_Ed25519 (draft TBD6; provisional private-use
        /// value).
        MLS_128_MLKEM768_AES256GCM_SHA384_ED25519 = 0xF042,
        /// MLS_128_MLKEM768_AES256GCM_SHA384_P256 (draft TBD7; provisional value, OpenMLS's).
        MLS_128_MLKEM768_AES256GCM_SHA384_P256 = 0x0050,
        /// MLS_192_MLKEM1024_AES256GCM_SHA384_P384 (draft TBD8; provisional value, OpenMLS's).
        MLS_192_MLKEM1024_AES256GCM_SHA384_P384 = 0x0042,
        /// MLS_128_MLKEM768X25519_CHACHA20POLY1305_SHA384_MLDSA44 (draft TBD9; provisional
        /// value, OpenMLS's).
        MLS_128_MLKEM768X25519_CHACHA20POLY1305_SHA384_MLDSA44 = 0x0052,
        /// MLS_192_MLKEM768_AES256GCM_SHA384_MLDSA65 (draft TBD10; provisional value,
        /// OpenMLS's).
        MLS_192_MLKEM768_AES256GCM_SHA384_MLDSA65 = 0x0051,
        /// MLS_256_MLKEM1024_AES256GCM_SHA384_MLDSA87 (draft TBD11; provisional value,
        /// OpenMLS's).
        MLS_256_MLKEM1024_AES256GCM_SHA384_MLDSA87 = 0x0907,
        // ---- end of the provisional block ----
    }
}

mls_registry! {
    /// The protocol version (RFC 9420 §6). Kept open so that capabilities listing future or
    /// GREASE versions round-trip.
    pub struct ProtocolVersion(u16) {
        /// MLS 1.0, the version RFC 9420 defines.
        MLS10 = 1,
    }
}
