//! Generated gRPC stubs of the entitlements service: the messages, a client and a server trait per
//! service, and the file descriptor set (for reflection). Backend services depend on this crate to
//! call the service; the server implements the traits.
//!
//! ```no_run
//! # async fn example() -> Result<(), Box<dyn std::error::Error>> {
//! use entitlements::v1::{GetFeatureRequest, feature_service_client::FeatureServiceClient};
//!
//! let mut client = FeatureServiceClient::connect("http://127.0.0.1:50051").await?;
//! let mut request = tonic::Request::new(GetFeatureRequest { code: "seats".into() });
//! request.metadata_mut().insert("authorization", "Bearer my-api-key".parse()?);
//! let feature = client.get_feature(request).await?.into_inner().feature;
//! # Ok(()) }
//! ```

pub mod errors;

pub use prost;
pub use prost_types;
pub use tonic;

/// The `entitlements.v1` package.
#[allow(missing_debug_implementations, unreachable_pub, clippy::all, reason = "generated code")]
pub mod v1 {
    tonic::include_proto!("entitlements.v1");
}

/// googleapis' common types that the API uses (`google.type.Date` for calendar dates).
pub mod google {
    /// The `google.type` package.
    #[allow(missing_debug_implementations, unreachable_pub, clippy::all, reason = "generated code")]
    pub mod r#type {
        // prost names the file after the module path, the keyword escaped.
        tonic::include_proto!("google.r#type");
    }
}

/// The encoded `FileDescriptorSet` of every proto file of this crate, of `google.type.Date` and of
/// `google.rpc`'s status and error details (with their imports), for gRPC reflection.
pub const FILE_DESCRIPTOR_SET: &[u8] = tonic::include_file_descriptor_set!("entitlements_descriptor");
