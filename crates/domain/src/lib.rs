//! The entitlements domain: typed values, validation and decisions, with no I/O and no knowledge of
//! the wire (proto, JSON) or the database. Every rule of Lago's observable behaviour that does not
//! need the database lives here, so that the gRPC service and the store share one implementation.

mod billable_metric;
mod billing_period;
mod charge;
mod check;
mod currency;
mod customer;
mod decimal_text;
mod entitlement;
mod enum_input;
mod error;
mod feature;
mod ids;
mod pagination;
mod plan;
mod subscription;
mod tax;
mod validation;
pub mod webhook;

pub use billable_metric::charge_filter_pruning::prune_charge_filters;
pub use billable_metric::expression::{ExpressionError, MAX_NESTING_DEPTH, validate_expression};
pub use billable_metric::input::{
    BillableMetricCreateInput, BillableMetricFilterInput, BillableMetricUpdateInput, NewBillableMetric,
};
pub use billable_metric::{BillableMetric, BillableMetricFilter, RoundingFunction, WeightedInterval};
pub use billing_period::{
    BillingPeriod, BillingTime, PeriodSchedule, start_of_local_day, starts_on_or_before_today,
};
pub use charge::model::{ChargeMetric, ChargeModel, MetricAggregation};
pub use charge::properties::{
    ChargeProperties, ModelProperties, PercentageRange, PresentationGroupKey, PriceRange,
};
pub use charge::property_validation::validate_properties;
pub use charge::{
    ALL_FILTER_VALUES, ChargeFilter, ChargeFilterInput, ChargeInput, ChargeModelInput, ChargeSettings,
    generate_charge_code, validate_charge,
};
pub use check::{
    Check, CheckAnswer, CheckInput, CheckReason, CheckSnapshot, CheckTarget, CheckedSubscription,
    CheckedValue, MAX_CHECK_BATCH, RequirementInput, RequirementOutcome, SubscriptionGrants,
    ValueRequirement, distinct_subscriptions, parse_check, validate_batch_size,
};
/// Timezones (of customers, in which subscription dates are read).
pub use chrono_tz::Tz;
pub use currency::CURRENCIES;
pub use customer::country::{COUNTRY_CODES, is_country_code};
pub use customer::filters::{CustomerFilters, CustomerListFilters, CustomerTypeFilter};
pub use customer::input::{CustomerInput, ShippingAddressInput, TextChange};
pub use customer::metadata::{
    CustomerMetadataInput, METADATA_PER_CUSTOMER, MetadataChanges, NewCustomerMetadata, reconcile_metadata,
};
pub use customer::{
    AccountType, Customer, CustomerAttributes, CustomerMetadataItem, CustomerType,
    DEFAULT_BILLING_ENTITY_CODE, FinalizeZeroAmountInvoice, ShippingAddress, customer_slug,
};
pub use decimal_text::{is_valid_amount, parse_decimal};
pub use entitlement::{
    EntitlementChanges, EntitlementInput, EntitlementsWrite, GrantedPrivilege, PlanEntitlement,
    StoredEntitlement, StoredValue, ValueWrite, plan_entitlement_changes, privilege_of,
};
pub use enum_input::EnumInput;
pub use error::{Error, Resource};
pub use feature::input::{
    FeatureCreateInput, FeatureUpdateInput, NewFeature, NewPrivilege, PrivilegeChange, PrivilegeInput,
    PrivilegeUpdate, ValueTypeInput, parse_feature_update,
};
pub use feature::privilege::{Privilege, PrivilegeCode, PrivilegeType, SelectOptions, ValueType};
pub use feature::privilege_value::{PrivilegeValue, PrivilegeValueInput};
pub use feature::{Feature, FeatureCode, FeatureDescription, FeatureName};
pub use ids::{
    BillableMetricId, ChargeId, CustomerId, EntitlementId, EntitlementValueId, FeatureId, OrganizationId,
    PlanId, PrivilegeId, RemovalId, SubscriptionId, TaxId, WebhookDeliveryId, WebhookEndpointId,
};
pub use pagination::{Page, PageRequest, PaginationMeta};
pub use plan::input::{
    MinimumCommitmentInput, PlanInput, UsageThresholdInput, validate_minimum_commitment,
    validate_usage_thresholds,
};
pub use plan::{
    MinimumCommitment, Plan, PlanAttributes, PlanCharge, PlanInterval, PlanMetadata, UsageThreshold,
    validate_plan_attributes,
};
pub use subscription::chain::{ChainMember, SubscriptionChain};
pub use subscription::entitlements::{
    EffectivePrivilege, EntitlementLayers, RemovalTarget, StoredRemoval, SubscriptionEntitlement,
    SubscriptionEntitlementChanges, effective_entitlements, feature_removal_changes, override_changes,
    override_is_kept, privilege_removal_changes,
};
pub use subscription::filters::{SubscriptionFilters, SubscriptionListFilters};
pub use subscription::input::{
    InstantChange, InstantInput, InvalidInstant, PURCHASE_ORDER_NUMBER_NOT_EDITABLE, SubscriptionChanges,
    SubscriptionCreateInput, SubscriptionRequest, SubscriptionUpdateInput, TerminationChoices,
    TerminationInput, purchase_order_number,
};
pub use subscription::lifecycle::{
    Lifecycle, Transition, TransitionKind, advance, end_on_request, next_transition_at,
};
pub use subscription::notices::{
    DEFAULT_TERMINATION_ALERT_DAYS, TerminationAlert, TerminationAlertDays, TerminationAlertWindow,
    trial_duration, trial_end_at,
};
pub use subscription::selection::{
    SubscriptionSelector, WantedStatus, editable_subscription, find_by_status, is_taken_by_another_customer,
    is_upgrade, lookup_order, update_target,
};
pub use subscription::{
    OnTerminationCreditNote, OnTerminationInvoice, Subscription, SubscriptionStatus, yearly_amount_cents,
};
pub use tax::Tax;
pub use tax::input::{NewTax, TaxCreateInput, TaxUpdateInput};
pub use validation::{ErrorCode, ValidationErrors};
