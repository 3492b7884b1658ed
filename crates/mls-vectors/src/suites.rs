//! The crypto provider the vector checks run on, and which suites it supports.

use std::sync::Arc;

use mls_crypto::{CipherSuite, CipherSuiteProvider, CryptoError, CryptoProvider};
use mls_crypto_rustcrypto::RustCryptoProvider;

use crate::Outcome;

/// The provider of [`crate::check_dir`] and [`crate::check_file`]: the RustCrypto one.
pub(crate) fn default_provider() -> Arc<dyn CryptoProvider> {
    Arc::new(RustCryptoProvider::new())
}

/// The operations of suite number `cipher_suite` for case `case`, or `None` when the case is
/// not to be checked further: a suite the provider does not implement (suites 4 and 6,
/// X448/Ed448, in the RustCrypto provider built without its `curve448` feature) counts the
/// case as skipped; any other error of the provider counts it as failed, with the error's
/// message.
pub(crate) fn suite<'p>(
    provider: &'p Arc<dyn CryptoProvider>,
    outcome: &mut Outcome,
    case: usize,
    cipher_suite: u16,
) -> Option<&'p dyn CipherSuiteProvider> {
    match provider.suite(CipherSuite(cipher_suite)) {
        Ok(suite) => Some(suite),
        Err(CryptoError::UnsupportedCipherSuite(_)) => {
            outcome.skip();
            None
        }
        Err(error) => {
            outcome.case(case).fail("cipher_suite", error.to_string());
            None
        }
    }
}
