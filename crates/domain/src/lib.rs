//! The entitlements domain: typed values, validation and decisions, with no I/O and no knowledge of
//! the wire (proto, JSON) or the database. Every rule of Lago's observable behaviour that does not
//! need the database lives here, so that the gRPC service and the store share one implementation.

mod billable_metric;
mod billable_metric_expression;
mod billable_metric_input;
mod billing_period;
mod charge;
mod charge_filter_pruning;
mod charge_model;
mod charge_properties;
mod charge_property_validation;
mod country;
mod customer;
mod customer_email;
mod customer_filters;
mod customer_input;
mod customer_metadata;
mod datetime_text;
mod decimal_text;
mod entitlement;
mod error;
mod feature;
mod feature_input;
mod ids;
mod pagination;
mod plan;
mod plan_input;
mod privilege;
mod privilege_value;
mod subscription;
mod subscription_entitlement;
mod subscription_filters;
mod subscription_input;
mod subscription_lifecycle;
mod tax;
mod tax_input;
mod validation;

pub use billable_metric::{BillableMetric, BillableMetricFilter, RoundingFunction, WeightedInterval};
pub use billable_metric_expression::{ExpressionError, MAX_NESTING_DEPTH, validate_expression};
pub use billable_metric_input::{
    BillableMetricCreateInput, BillableMetricFilterInput, BillableMetricUpdateInput, EnumInput,
    NewBillableMetric,
};
pub use billing_period::{
    BillingPeriod, BillingTime, PeriodSchedule, start_of_local_day, starts_on_or_before_today,
};
pub use charge::{
    ALL_FILTER_VALUES, ChargeFilter, ChargeFilterInput, ChargeInput, ChargeModelInput, ChargeSettings,
    generate_charge_code, validate_charge,
};
pub use charge_filter_pruning::prune_charge_filters;
pub use charge_model::{ChargeMetric, ChargeModel, MetricAggregation};
pub use charge_properties::{
    ChargeProperties, ModelProperties, PercentageRange, PresentationGroupKey, PriceRange,
};
pub use charge_property_validation::validate_properties;
/// Timezones (of customers, in which subscription dates are read).
pub use chrono_tz::Tz;
pub use country::{COUNTRY_CODES, is_country_code};
pub use customer::{
    AccountType, Customer, CustomerAttributes, CustomerMetadataItem, CustomerType,
    DEFAULT_BILLING_ENTITY_CODE, FinalizeZeroAmountInvoice, ShippingAddress, customer_slug,
};
pub use customer_filters::{CustomerFilters, CustomerListFilters, CustomerTypeFilter};
pub use customer_input::{CustomerInput, ShippingAddressInput, TextChange};
pub use customer_metadata::{
    CustomerMetadataInput, METADATA_PER_CUSTOMER, MetadataChanges, NewCustomerMetadata, reconcile_metadata,
};
pub use datetime_text::parse_iso8601;
pub use decimal_text::{is_valid_amount, parse_decimal};
pub use entitlement::{
    EntitlementChanges, EntitlementInput, EntitlementsWrite, GrantedPrivilege, PlanEntitlement,
    StoredEntitlement, StoredValue, ValueWrite, plan_entitlement_changes, privilege_of,
};
pub use error::{Error, Resource};
pub use feature::{Feature, FeatureCode, FeatureDescription, FeatureName};
pub use feature_input::{
    FeatureCreateInput, FeatureUpdateInput, NewFeature, NewPrivilege, PrivilegeChange, PrivilegeInput,
    PrivilegeUpdate, ValueTypeInput, parse_feature_update,
};
pub use ids::{
    BillableMetricId, ChargeId, CustomerId, EntitlementId, EntitlementValueId, FeatureId, OrganizationId,
    PlanId, PrivilegeId, RemovalId, SubscriptionId, TaxId,
};
pub use pagination::{Page, PageRequest, PaginationMeta};
pub use plan::{
    CURRENCIES, MinimumCommitment, Plan, PlanAttributes, PlanCharge, PlanInterval, PlanMetadata,
    UsageThreshold, validate_plan_attributes,
};
pub use plan_input::{
    MinimumCommitmentInput, PlanInput, UsageThresholdInput, validate_minimum_commitment,
    validate_usage_thresholds,
};
pub use privilege::{Privilege, PrivilegeCode, PrivilegeType, SelectOptions, ValueType};
pub use privilege_value::{PrivilegeValue, PrivilegeValueInput};
pub use subscription::{
    OnTerminationCreditNote, OnTerminationInvoice, Subscription, SubscriptionStatus, yearly_amount_cents,
};
pub use subscription_entitlement::{
    EffectivePrivilege, EntitlementLayers, RemovalTarget, StoredRemoval, SubscriptionEntitlement,
    SubscriptionEntitlementChanges, effective_entitlements, feature_removal_changes, override_changes,
    privilege_removal_changes,
};
pub use subscription_filters::{SubscriptionFilters, SubscriptionListFilters};
pub use subscription_input::{
    FEATURE_UNAVAILABLE, SubscriptionChanges, SubscriptionCreateInput, SubscriptionRequest,
    SubscriptionUpdateInput, TerminationChoices, TerminationInput, purchase_order_number,
};
pub use subscription_lifecycle::{
    Lifecycle, Transition, TransitionKind, advance, end_on_request, next_transition_at,
};
pub use tax::Tax;
pub use tax_input::{NewTax, TaxCreateInput, TaxUpdateInput};
pub use validation::{ErrorCode, ValidationErrors};
