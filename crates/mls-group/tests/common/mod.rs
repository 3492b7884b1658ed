//! What the integration tests share: the providers whose suites every test runs in.

use std::sync::Arc;

use mls_crypto::CryptoProvider;
use mls_crypto_awslc::AwsLcProvider;
use mls_crypto_rustcrypto::RustCryptoProvider;

/// The providers the tests run on, for [`mls_crypto::test_support::for_each_suite`]: the
/// RustCrypto one and the aws-lc-rs one, so every test runs in all seven suites of RFC 9420 on
/// the first (4 and 6 with its default feature `curve448`) and in suites 1, 2, 3, 5 and 7 on
/// the second.
pub(crate) fn providers() -> [Arc<dyn CryptoProvider>; 2] {
    [
        Arc::new(RustCryptoProvider::new()),
        Arc::new(AwsLcProvider::new()),
    ]
}
