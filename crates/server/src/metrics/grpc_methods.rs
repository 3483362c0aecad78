//! The metric handles of each gRPC method this server serves (see `served_methods`), so that a
//! request finds its handles by its path with a binary search: no allocation, no hashing. A path
//! that names no served method shares one `unknown` entry, so that a client cannot add series by
//! inventing paths.

use std::sync::{Arc, OnceLock};

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::{Family, MetricConstructor};
use prometheus_client::metrics::histogram::Histogram;

use super::GRPC_HANDLING_BUCKETS;
use super::grpc_code::{GRPC_CODE_NAMES, GrpcCodeIndex};
use crate::served_methods::ServedMethods;

/// `grpc_type`, `grpc_service`, `grpc_method`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
pub(crate) struct GrpcMethodLabels {
    pub(crate) grpc_type: &'static str,
    pub(crate) grpc_service: String,
    pub(crate) grpc_method: String,
}

/// The method's labels and `grpc_code`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
pub(crate) struct GrpcHandledLabels {
    pub(crate) grpc_type: &'static str,
    pub(crate) grpc_service: String,
    pub(crate) grpc_method: String,
    pub(crate) grpc_code: &'static str,
}

/// The classic buckets of `grpc_server_handling_seconds`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct HandlingBuckets;

impl MetricConstructor<Histogram> for HandlingBuckets {
    fn new_metric(&self) -> Histogram {
        Histogram::new(GRPC_HANDLING_BUCKETS)
    }
}

/// The three gRPC families of one registry.
#[derive(Debug, Clone)]
pub(crate) struct GrpcFamilies {
    pub(crate) started: Family<GrpcMethodLabels, Counter>,
    pub(crate) handled: Family<GrpcHandledLabels, Counter>,
    pub(crate) handling: Family<GrpcMethodLabels, Histogram, HandlingBuckets>,
}

impl GrpcFamilies {
    pub(crate) fn new() -> Self {
        Self {
            started: Family::default(),
            handled: Family::default(),
            handling: Family::new_with_constructor(HandlingBuckets),
        }
    }
}

/// One method's handles, each made on first use (a method never called adds no series).
#[derive(Debug)]
pub(crate) struct MethodMetrics {
    labels: GrpcMethodLabels,
    families: GrpcFamilies,
    started: OnceLock<Counter>,
    handling: OnceLock<Histogram>,
    handled: [OnceLock<Counter>; GRPC_CODE_NAMES.len()],
}

impl MethodMetrics {
    fn new(labels: GrpcMethodLabels, families: GrpcFamilies) -> Self {
        Self {
            labels,
            families,
            started: OnceLock::new(),
            handling: OnceLock::new(),
            handled: std::array::from_fn(|_| OnceLock::new()),
        }
    }

    pub(crate) fn started(&self) {
        self.started.get_or_init(|| self.families.started.get_or_create_owned(&self.labels)).inc();
    }

    /// A call that ended with `code` after `seconds`.
    pub(crate) fn handled(&self, code: GrpcCodeIndex, seconds: f64) {
        if let (Some(cell), Some(code_name)) = (self.handled.get(code), GRPC_CODE_NAMES.get(code)) {
            let counter = cell.get_or_init(|| {
                self.families.handled.get_or_create_owned(&GrpcHandledLabels {
                    grpc_type: self.labels.grpc_type,
                    grpc_service: self.labels.grpc_service.clone(),
                    grpc_method: self.labels.grpc_method.clone(),
                    grpc_code: code_name,
                })
            });
            counter.inc();
        }
        let histogram =
            self.handling.get_or_init(|| self.families.handling.get_or_create_owned(&self.labels));
        histogram.observe(seconds);
    }
}

/// Every served method's handles, by path, and the shared `unknown` entry.
#[derive(Debug)]
pub(crate) struct MethodTable {
    methods: ServedMethods,
    handles: Vec<Arc<MethodMetrics>>,
    unknown: Arc<MethodMetrics>,
}

impl MethodTable {
    /// The handles of every method in `methods`, in the same order.
    pub(crate) fn new(methods: ServedMethods, families: &GrpcFamilies) -> Self {
        let handles = methods
            .iter()
            .map(|method| {
                let labels = GrpcMethodLabels {
                    grpc_type: method.grpc_type,
                    grpc_service: method.service.clone(),
                    grpc_method: method.method.clone(),
                };
                Arc::new(MethodMetrics::new(labels, families.clone()))
            })
            .collect();
        let unknown_labels = GrpcMethodLabels {
            grpc_type: "unary",
            grpc_service: "unknown".to_owned(),
            grpc_method: "unknown".to_owned(),
        };
        Self { methods, handles, unknown: Arc::new(MethodMetrics::new(unknown_labels, families.clone())) }
    }

    /// The handles of the method a request path names, or the shared `unknown` ones.
    pub(crate) fn find(&self, path: &str) -> &Arc<MethodMetrics> {
        self.methods.position(path).and_then(|index| self.handles.get(index)).unwrap_or(&self.unknown)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn served_methods_are_found_by_path_and_others_are_unknown() {
        let families = GrpcFamilies::new();
        let Ok(methods) = ServedMethods::of_this_server() else { panic!("the descriptor sets decode") };
        let table = MethodTable::new(methods, &families);
        let check = table.find("/entitlements.v1.CheckService/Check");
        assert_eq!(check.labels.grpc_service, "entitlements.v1.CheckService");
        assert_eq!((check.labels.grpc_method.as_str(), check.labels.grpc_type), ("Check", "unary"));
        let watch = table.find("/grpc.health.v1.Health/Watch");
        assert_eq!(watch.labels.grpc_type, "server_stream");
        let invented = table.find("/entitlements.v1.CheckService/Invented");
        assert_eq!(
            (invented.labels.grpc_service.as_str(), invented.labels.grpc_method.as_str()),
            ("unknown", "unknown")
        );
    }
}
