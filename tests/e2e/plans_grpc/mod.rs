//! `entitlements.v1.PlanService` over gRPC, through the generated client: every RPC, the update
//! masks of updates (the plan's and each charge's), typed charge properties round-tripping for each charge model, and the
//! exact error details (NOT_FOUND reasons, BadRequest field violations in Lago's order). Fixtures
//! (metrics, taxes) come from their own gRPC services.

use entitlements::prost_types::FieldMask;
use entitlements::v1::charge_properties::Model;
use entitlements::v1::plan_service_client::PlanServiceClient;
use entitlements::v1::{
    AggregationType, BillableMetric, BillableMetricCreateInput, BillableMetricFilterInput, Charge,
    ChargeFilterInput, ChargeFilterValues, ChargeInput, ChargeModel, ChargeProperties,
    CreateBillableMetricRequest, CreatePlanRequest, CreateTaxRequest, CustomProperties, DeletePlanRequest,
    DynamicProperties, GetPlanRequest, GraduatedPercentageProperties, GraduatedProperties, ListPlansRequest,
    MetadataEntry, MinimumCommitmentInput, PackageProperties, PaginationMeta, PercentageProperties,
    PercentageRange, Plan, PlanInput, PlanInterval, PlanMetadata, PresentationGroupKey, PriceRange,
    StandardProperties, Tax, TaxCreateInput, UpdatePlanRequest, UsageThresholdInput, VolumeProperties,
};
use tonic::Status;
use tonic::transport::Channel;

use crate::support::conformance::{
    assert_bad_request, assert_not_found, assert_unauthenticated, assert_violations, event,
};
use crate::support::{OTHER_API_KEY, TestApp, authorized, authorized_as, backend_tests, field_mask};

type Plans = PlanServiceClient<Channel>;

async fn plan_client(app: &TestApp) -> Plans {
    PlanServiceClient::new(app.grpc_channel().await)
}

/// Creates a billable metric through its gRPC service.
async fn create_metric(app: &TestApp, code: &str, aggregation_type: AggregationType) -> BillableMetric {
    let metric = BillableMetricCreateInput {
        code: code.to_owned(),
        name: code.to_owned(),
        aggregation_type: aggregation_type.into(),
        field_name: (aggregation_type != AggregationType::CountAgg).then(|| "value".to_owned()),
        filters: vec![BillableMetricFilterInput { key: "region".to_owned(), values: vec!["eu".to_owned()] }],
        ..BillableMetricCreateInput::default()
    };
    let request = CreateBillableMetricRequest { billable_metric: Some(metric) };
    let response = app.billable_metric_client().await.create_billable_metric(authorized(request)).await;
    response
        .expect("create a billable metric")
        .into_inner()
        .billable_metric
        .expect("a metric in the response")
}

/// Creates a tax through its gRPC service.
async fn create_tax(app: &TestApp, code: &str) -> Tax {
    let tax = TaxCreateInput {
        code: code.to_owned(),
        name: code.to_owned(),
        rate: "20".to_owned(),
        ..TaxCreateInput::default()
    };
    let response = app.tax_client().await.create_tax(authorized(CreateTaxRequest { tax: Some(tax) })).await;
    response.expect("create a tax").into_inner().tax.expect("a tax in the response")
}

/// The smallest valid plan.
fn startup() -> PlanInput {
    PlanInput {
        name: Some("Startup".to_owned()),
        code: Some("startup".to_owned()),
        interval: Some(PlanInterval::Monthly.into()),
        amount_cents: Some(10000),
        amount_currency: Some("USD".to_owned()),
        pay_in_advance: Some(true),
        ..PlanInput::default()
    }
}

/// The plan `startup()` creates, with the identifiers of `answered`.
fn startup_plan(answered: &Plan) -> Plan {
    Plan {
        id: answered.id.clone(),
        name: "Startup".to_owned(),
        invoice_display_name: None,
        created_at: answered.created_at,
        code: "startup".to_owned(),
        interval: PlanInterval::Monthly.into(),
        description: None,
        amount_cents: 10000,
        amount_currency: "USD".to_owned(),
        trial_period: None,
        pay_in_advance: true,
        bill_charges_monthly: None,
        bill_fixed_charges_monthly: None,
        pending_deletion: false,
        charges: vec![],
        usage_thresholds: vec![],
        taxes: vec![],
        minimum_commitment: None,
        metadata: None,
        entitlements: vec![],
    }
}

/// A charge of `model` on `metric` with these properties.
fn charge_input(
    metric: &BillableMetric,
    model: ChargeModel,
    properties: Option<ChargeProperties>,
) -> ChargeInput {
    ChargeInput {
        id: None,
        code: None,
        invoice_display_name: None,
        billable_metric_id: Some(metric.id.clone()),
        billable_metric_code: None,
        charge_model: Some(model.into()),
        pay_in_advance: None,
        prorated: None,
        invoiceable: None,
        regroup_paid_fees: None,
        min_amount_cents: None,
        properties,
        filters: vec![],
        tax_codes: vec![],
        update_mask: None,
    }
}

/// The charge stored from `charge_input(metric, model, Some(properties))`, with the identifiers of
/// `answered` and `code`.
fn expected_charge(
    answered: &Charge,
    metric: &BillableMetric,
    code: &str,
    model: ChargeModel,
    properties: ChargeProperties,
) -> Charge {
    Charge {
        id: answered.id.clone(),
        billable_metric_id: metric.id.clone(),
        billable_metric_code: metric.code.clone(),
        code: code.to_owned(),
        invoice_display_name: None,
        charge_model: model.into(),
        invoiceable: true,
        regroup_paid_fees: None,
        pay_in_advance: false,
        prorated: false,
        min_amount_cents: 0,
        accepts_target_wallet: false,
        properties: Some(properties),
        filters: vec![],
        taxes: vec![],
        created_at: answered.created_at,
    }
}

/// Properties of one model, without grouping keys.
fn properties(model: Model) -> ChargeProperties {
    ChargeProperties { model: Some(model), ..ChargeProperties::default() }
}

fn text(value: &str) -> Option<String> {
    Some(value.to_owned())
}

fn price_range(from: &str, to: Option<&str>, per_unit: &str, flat: &str) -> PriceRange {
    PriceRange {
        from_value: text(from),
        to_value: to.map(str::to_owned),
        per_unit_amount: text(per_unit),
        flat_amount: text(flat),
    }
}

fn with_charges(charges: Vec<ChargeInput>) -> PlanInput {
    PlanInput { charges, ..startup() }
}

async fn create(client: &mut Plans, plan: PlanInput) -> Result<Plan, Status> {
    let response = client.create_plan(authorized(CreatePlanRequest { plan: Some(plan) })).await?;
    Ok(response.into_inner().plan.expect("a plan in the response"))
}

async fn get(client: &mut Plans, code: &str) -> Result<Plan, Status> {
    let response = client.get_plan(authorized(GetPlanRequest { code: code.to_owned() })).await?;
    Ok(response.into_inner().plan.expect("a plan in the response"))
}

/// UpdatePlan with the implied mask (the fields that are set).
async fn update(client: &mut Plans, code: &str, plan: PlanInput) -> Result<Plan, Status> {
    update_masked(client, code, plan, None).await
}

async fn update_masked(
    client: &mut Plans,
    code: &str,
    plan: PlanInput,
    update_mask: Option<FieldMask>,
) -> Result<Plan, Status> {
    let request = UpdatePlanRequest { code: code.to_owned(), plan: Some(plan), update_mask };
    Ok(client.update_plan(authorized(request)).await?.into_inner().plan.expect("a plan in the response"))
}

async fn delete(client: &mut Plans, code: &str) -> Result<Plan, Status> {
    let response = client.delete_plan(authorized(DeletePlanRequest { code: code.to_owned() })).await?;
    Ok(response.into_inner().plan.expect("a plan in the response"))
}

fn meta(
    current_page: u32,
    next_page: Option<u32>,
    prev_page: Option<u32>,
    total_pages: u32,
    total_count: u32,
) -> PaginationMeta {
    PaginationMeta { current_page, next_page, prev_page, total_pages, total_count }
}

mod charges;
mod masks;
mod rpcs;
