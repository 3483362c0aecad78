//! Compiles `proto/entitlements/v1/*.proto` into the stubs of this crate, with the protoc shipped
//! by protoc-bin-vendored so that a fresh machine needs no system protoc. The vendored
//! `google/rpc` files go into the descriptor set too, so that reflection serves the error details
//! under their usual names (their Rust types come from tonic-types).

use std::path::PathBuf;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let well_known_types = protoc_bin_vendored::include_path()?;
    let mut config = tonic_prost_build::Config::new();
    config.protoc_executable(protoc_bin_vendored::protoc_bin_path()?);

    let proto_root = PathBuf::from("proto");
    let mut protos = Vec::new();
    for entry in std::fs::read_dir(proto_root.join("entitlements/v1"))? {
        let path = entry?.path();
        if path.extension().is_some_and(|extension| extension == "proto") {
            protos.push(path);
        }
    }
    protos.sort();
    protos.extend(
        ["google/rpc/status.proto", "google/rpc/error_details.proto"].map(|file| proto_root.join(file)),
    );

    let out_dir = PathBuf::from(std::env::var("OUT_DIR")?);
    tonic_prost_build::configure()
        .file_descriptor_set_path(out_dir.join("entitlements_descriptor.bin"))
        .compile_with_config(config, &protos, &[proto_root, well_known_types])?;
    println!("cargo:rerun-if-changed=proto");
    Ok(())
}
