//! Helpers for tests that must hold in every cipher suite of every provider.
//!
//! A test written for one suite says little about the others: the suites differ in hash
//! length (32, 48 or 64 bytes), KEM, AEAD and signature encoding, and code that hard-codes
//! one of them passes in suite 1 and fails elsewhere. [`for_each_suite`] runs a test body once
//! per (provider, suite) pair, so a test can be written once and run everywhere.

use std::sync::Arc;

use crate::{CipherSuite, CryptoProvider};

/// Runs `body` once for every suite of every provider in `providers`, in the providers'
/// order and each provider's order of [`CryptoProvider::supported_suites`].
///
/// If `body` panics, the provider's position in `providers` and the suite are printed to
/// standard error before the panic goes on, so a failing test says which suite failed.
///
/// ```
/// use std::sync::Arc;
/// use mls_crypto::test_support::for_each_suite;
/// use mls_crypto::{CryptoProvider, labeled};
/// use mls_crypto_rustcrypto::RustCryptoProvider;
///
/// let providers: [Arc<dyn CryptoProvider>; 1] = [Arc::new(RustCryptoProvider::new())];
/// let mut runs = 0;
/// for_each_suite(&providers, |provider, cipher_suite| {
///     let suite = provider.suite(cipher_suite).unwrap();
///     let secret = labeled::derive_secret(suite, &[0; 64][..suite.hash_len()], "epoch").unwrap();
///     assert_eq!(secret.len(), suite.hash_len());
///     runs += 1;
/// });
/// assert_eq!(runs, 7); // suites 1 to 7
/// ```
pub fn for_each_suite(
    providers: &[Arc<dyn CryptoProvider>],
    mut body: impl FnMut(&Arc<dyn CryptoProvider>, CipherSuite),
) {
    for (position, provider) in providers.iter().enumerate() {
        for &cipher_suite in provider.supported_suites() {
            let _guard = SayWhereOnPanic {
                position,
                cipher_suite,
            };
            body(provider, cipher_suite);
        }
    }
}

/// Prints which provider and suite were running if dropped while the thread panics.
struct SayWhereOnPanic {
    position: usize,
    cipher_suite: CipherSuite,
}

impl Drop for SayWhereOnPanic {
    fn drop(&mut self) {
        if std::thread::panicking() {
            eprintln!(
                "for_each_suite: the test failed with provider {} in cipher suite {:?} (0x{:04x})",
                self.position, self.cipher_suite, self.cipher_suite.0
            );
        }
    }
}
