//! `mls-interop-client [--host ADDR] [--port N]`: serves the working group's `MLSClient`
//! gRPC service (`mls_client.proto`) on ADDR:N (default 127.0.0.1:50051; port 0 picks a free
//! one). The first line on standard output is `listening on ADDR:PORT`.
#![forbid(unsafe_code)]

use std::net::SocketAddr;

use mls_interop_client::InteropClient;
use mls_interop_client::proto::mls_client_server::MlsClientServer;

const USAGE: &str = "usage: mls-interop-client [--host ADDR] [--port N]";

fn parse_args() -> Result<SocketAddr, String> {
    let mut host = "127.0.0.1".to_owned();
    let mut port = 50051u16;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--port" => {
                let value = args.next().ok_or(USAGE)?;
                port = value.parse().map_err(|_| format!("bad port {value}"))?;
            }
            "--host" => host = args.next().ok_or(USAGE)?,
            _ => return Err(USAGE.to_owned()),
        }
    }
    format!("{host}:{port}")
        .parse()
        .map_err(|_| format!("bad address {host}:{port}"))
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let address = parse_args()?;
    let listener = tokio::net::TcpListener::bind(address).await?;
    println!("listening on {}", listener.local_addr()?);
    tonic::transport::Server::builder()
        .add_service(MlsClientServer::new(InteropClient::default()))
        .serve_with_incoming(
            tonic::transport::server::TcpIncoming::from(listener).with_nodelay(Some(true)),
        )
        .await?;
    Ok(())
}
