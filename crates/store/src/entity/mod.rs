//! SeaORM entities: one module per table. They stay inside the store; callers see domain types.
#![allow(unreachable_pub, reason = "the SeaORM derives generate public items; the module itself is private")]

pub(crate) mod api_key;
pub(crate) mod applied_tax;
pub(crate) mod billable_metric;
pub(crate) mod billable_metric_filter;
pub(crate) mod change_event;
pub(crate) mod charge;
pub(crate) mod customer;
pub(crate) mod customer_metadata;
pub(crate) mod entitlement;
pub(crate) mod entitlement_removal;
pub(crate) mod entitlement_value;
pub(crate) mod feature;
pub(crate) mod minimum_commitment;
pub(crate) mod organization;
pub(crate) mod plan;
pub(crate) mod privilege;
pub(crate) mod subscription;
pub(crate) mod tax;
pub(crate) mod usage_threshold;
