//! Compiles `proto/entitlements/v1/*.proto` into the stubs of this crate, with the protoc shipped
//! by protoc-bin-vendored so that a fresh machine needs no system protoc. The vendored
//! `google/rpc` files go into the descriptor set too, so that reflection serves the error details
//! under their usual names (their Rust types come from tonic-types). The vendored
//! `google/type/date.proto`, which the API uses for calendar dates, is compiled into this crate's
//! `google::type` module (no crate of ours ships it) and served by reflection the same way.

use std::path::PathBuf;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let well_known_types = protoc_bin_vendored::include_path()?;
    let protoc = protoc_bin_vendored::protoc_bin_path()?;
    let mut config = tonic_prost_build::Config::new();
    config.protoc_executable(&protoc);

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
        ["google/rpc/status.proto", "google/rpc/error_details.proto", "google/type/date.proto"]
            .map(|file| proto_root.join(file)),
    );

    let out_dir = PathBuf::from(std::env::var("OUT_DIR")?);
    let includes = [proto_root.clone(), well_known_types];
    // `entitlements.v1` is mounted at the crate root (`entitlements::v1`), so the generated
    // relative path to `google.type` would climb one module too far: name it absolutely, and
    // generate `google.type` on its own (an extern path is not generated).
    config.extern_path(".google.type", "crate::google::type");
    // `google.rpc.Status` (CheckBulk's per-item errors) is tonic-types' own, so that a client
    // reads an item's error with the same `StatusExt` tools as a call's.
    config.extern_path(".google.rpc", "::tonic_types::pb");
    tonic_prost_build::configure()
        .file_descriptor_set_path(out_dir.join("entitlements_descriptor.bin"))
        .compile_with_config(config, &protos, &includes)?;
    let mut google_type_config = tonic_prost_build::Config::new();
    google_type_config.protoc_executable(&protoc);
    tonic_prost_build::configure().build_client(false).build_server(false).compile_with_config(
        google_type_config,
        &[proto_root.join("google/type/date.proto")],
        &includes,
    )?;
    println!("cargo:rerun-if-changed=proto");
    Ok(())
}
