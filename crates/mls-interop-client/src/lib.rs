//! The MLS working group's interop test client (`mls_client.proto`, a gRPC service from the
//! mlswg/mls-implementations repository) for this RFC 9420 implementation.
//!
//! The test-runner drives clients of several implementations through the RPCs of
//! [`proto::mls_client_server::MlsClient`]; [`InteropClient`] implements all of them on
//! `mls-group`. The binary `mls-interop-client --port N` serves it on `127.0.0.1:N`.
//!
//! ```
//! use mls_interop_client::InteropClient;
//! use mls_interop_client::proto::{SupportedCiphersuitesRequest, mls_client_server::MlsClient};
//!
//! let client = InteropClient::default();
//! let runtime = tokio::runtime::Builder::new_current_thread().build()?;
//! let suites = runtime
//!     .block_on(client.supported_ciphersuites(tonic::Request::new(SupportedCiphersuitesRequest {})))?
//!     .into_inner()
//!     .ciphersuites;
//! assert!(suites.contains(&1));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![forbid(unsafe_code)]

/// The messages, server and client generated from `proto/mls_client.proto`.
#[allow(missing_docs, unreachable_pub, clippy::all, reason = "generated code")]
pub mod proto {
    tonic::include_proto!("mls_client");
}

mod service;

pub use service::{CLIENT_NAME, InteropClient};
