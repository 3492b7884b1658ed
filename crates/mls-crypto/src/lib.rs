//! Placeholder: replaced by the crypto work in progress.
