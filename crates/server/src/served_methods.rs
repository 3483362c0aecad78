//! The gRPC methods this server serves, read once at start-up from the descriptor sets of the
//! services on its routes (the API's, health and both reflection versions). Metrics and trace
//! spans take their method labels and names from here, so that a path naming no served method
//! cannot mint a label value or a span name.

use std::sync::Arc;

use entitlements::prost::Message as _;
use entitlements::prost_types::FileDescriptorSet;

use crate::ServerError;

/// The encoded descriptor sets of every service on the gRPC routes.
pub(crate) const SERVED_DESCRIPTOR_SETS: [&[u8]; 4] = [
    entitlements::FILE_DESCRIPTOR_SET,
    tonic_health::pb::FILE_DESCRIPTOR_SET,
    tonic_reflection::pb::v1::FILE_DESCRIPTOR_SET,
    tonic_reflection::pb::v1alpha::FILE_DESCRIPTOR_SET,
];

/// One served method.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ServedMethod {
    /// `/package.Service/Method`, as requests name it.
    pub(crate) path: String,
    /// `package.Service`.
    pub(crate) service: String,
    pub(crate) method: String,
    /// `unary`, `server_stream`, `client_stream` or `bidi_stream`.
    pub(crate) grpc_type: &'static str,
}

impl ServedMethod {
    /// `package.Service/Method`, as a span names the call.
    pub(crate) fn full_name(&self) -> &str {
        self.path.strip_prefix('/').unwrap_or(&self.path)
    }
}

/// Every served method, sorted by path for a binary search (no hashing, no allocation per call).
#[derive(Debug, Clone)]
pub(crate) struct ServedMethods(Arc<[ServedMethod]>);

impl ServedMethods {
    /// The methods of [`SERVED_DESCRIPTOR_SETS`].
    ///
    /// # Errors
    /// When a descriptor set cannot be decoded (a build defect, reported at start-up).
    pub(crate) fn of_this_server() -> Result<Self, ServerError> {
        Self::from_descriptor_sets(&SERVED_DESCRIPTOR_SETS)
            .map_err(|error| ServerError::Startup(format!("cannot read the served gRPC methods: {error}")))
    }

    /// The methods of every service in `descriptor_sets` (encoded `FileDescriptorSet`s).
    ///
    /// # Errors
    /// When a descriptor set cannot be decoded.
    pub(crate) fn from_descriptor_sets(
        descriptor_sets: &[&[u8]],
    ) -> Result<Self, entitlements::prost::DecodeError> {
        let mut methods = Vec::new();
        for encoded in descriptor_sets {
            let set = FileDescriptorSet::decode(*encoded)?;
            for file in set.file {
                let package = file.package.unwrap_or_default();
                for service in file.service {
                    let service_name = match (package.as_str(), service.name.as_deref()) {
                        ("", Some(name)) => name.to_owned(),
                        (package, Some(name)) => format!("{package}.{name}"),
                        (_, None) => continue,
                    };
                    for method in service.method {
                        let Some(method_name) = method.name else { continue };
                        methods.push(ServedMethod {
                            path: format!("/{service_name}/{method_name}"),
                            service: service_name.clone(),
                            method: method_name,
                            grpc_type: grpc_type(
                                method.client_streaming.unwrap_or(false),
                                method.server_streaming.unwrap_or(false),
                            ),
                        });
                    }
                }
            }
        }
        methods.sort_by(|left, right| left.path.cmp(&right.path));
        methods.dedup_by(|left, right| left.path == right.path);
        Ok(Self(methods.into()))
    }

    /// The method `path` names, if this server serves it.
    pub(crate) fn find(&self, path: &str) -> Option<&ServedMethod> {
        self.position(path).and_then(|index| self.0.get(index))
    }

    /// Where the method `path` names is in [`ServedMethods::iter`]'s order, if it is served.
    pub(crate) fn position(&self, path: &str) -> Option<usize> {
        self.0.binary_search_by(|method| method.path.as_str().cmp(path)).ok()
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = &ServedMethod> {
        self.0.iter()
    }
}

fn grpc_type(client_streaming: bool, server_streaming: bool) -> &'static str {
    match (client_streaming, server_streaming) {
        (false, false) => "unary",
        (false, true) => "server_stream",
        (true, false) => "client_stream",
        (true, true) => "bidi_stream",
    }
}

#[cfg(test)]
mod tests {
    use super::ServedMethods;

    #[test]
    fn served_methods_are_found_by_path_and_others_are_not() {
        let Ok(methods) = ServedMethods::of_this_server() else { panic!("the descriptor sets decode") };
        let Some(check) = methods.find("/entitlements.v1.CheckService/Check") else {
            panic!("Check is served")
        };
        assert_eq!(
            (check.service.as_str(), check.method.as_str(), check.grpc_type, check.full_name()),
            ("entitlements.v1.CheckService", "Check", "unary", "entitlements.v1.CheckService/Check")
        );
        let watch = methods.find("/grpc.health.v1.Health/Watch").map(|method| method.grpc_type);
        assert_eq!(watch, Some("server_stream"));
        assert!(methods.find("/grpc.reflection.v1.ServerReflection/ServerReflectionInfo").is_some());
        assert!(methods.find("/entitlements.v1.CheckService/Invented").is_none());
        assert!(methods.find("").is_none());
    }
}
