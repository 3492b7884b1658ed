//! The group engine of Messaging Layer Security (RFC 9420 §10-15). Work in progress.
#![forbid(unsafe_code)]

mod error;
pub mod key_package;
pub mod welcome;

pub use error::GroupError;
