//! The entitlements domain: typed values, validation and decisions, with no I/O and no knowledge of
//! the wire (proto, JSON) or the database. Every rule of Lago's observable behaviour that does not
//! need the database lives here, so that the gRPC service and the store share one implementation.

mod error;
mod feature;
mod feature_input;
mod ids;
mod pagination;
mod privilege;
mod validation;

pub use error::{Error, Resource};
pub use feature::{Feature, FeatureCode, FeatureDescription, FeatureName};
pub use feature_input::{
    FeatureCreateInput, FeatureUpdateInput, NewFeature, NewPrivilege, PrivilegeChange, PrivilegeInput,
    PrivilegeUpdate, ValueTypeInput, parse_feature_update,
};
pub use ids::{FeatureId, OrganizationId, PrivilegeId};
pub use pagination::{Page, PageRequest, PaginationMeta};
pub use privilege::{Privilege, PrivilegeCode, PrivilegeType, SelectOptions, ValueType};
pub use validation::{ErrorCode, ValidationErrors};
