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
