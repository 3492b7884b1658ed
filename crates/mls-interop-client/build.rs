//! Compiles `proto/mls_client.proto` (the working group's interop contract, unchanged) with
//! `protox`, so that no system `protoc` is needed, and generates the tonic server and client.

fn main() -> Result<(), Box<dyn std::error::Error>> {
    println!("cargo:rerun-if-changed=proto/mls_client.proto");
    let descriptors = protox::compile(["proto/mls_client.proto"], ["proto"])?;
    tonic_prost_build::configure()
        .build_server(true)
        .build_client(true)
        .compile_fds(descriptors)?;
    Ok(())
}
