//! The crypto provider the vector checks use, and which suites it supports.

use mls_codec::CipherSuite;
use mls_crypto::{CipherSuiteProvider, CryptoProvider};
use mls_crypto_rustcrypto::RustCryptoProvider;

/// The provider every vector check runs on.
pub(crate) fn provider() -> &'static RustCryptoProvider {
    static PROVIDER: RustCryptoProvider = RustCryptoProvider::new();
    &PROVIDER
}

/// The operations of suite number `cipher_suite`, or `None` when the provider does not
/// implement it (suites 4 and 6, X448/Ed448): such a case is counted as skipped.
pub(crate) fn supported(cipher_suite: u16) -> Option<&'static dyn CipherSuiteProvider> {
    provider().suite(CipherSuite(cipher_suite)).ok()
}
