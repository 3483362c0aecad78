//! `entitlements.v1.TaxService` and `entitlements.v1.BillableMetricService` over gRPC, through
//! the generated clients: every RPC, the update masks of updates (implied, listed and unset, the
//! filter list), decimal-text rates, open enums, and the exact error details of the error table.

use entitlements::v1::billable_metric_service_client::BillableMetricServiceClient;
use entitlements::v1::tax_service_client::TaxServiceClient;
use entitlements::v1::{
    AggregationType, BillableMetric, BillableMetricCreateInput, BillableMetricFilter,
    BillableMetricFilterInput, BillableMetricUpdateInput, CreateBillableMetricRequest, CreateTaxRequest,
    DeleteBillableMetricRequest, DeleteTaxRequest, GetBillableMetricRequest, GetTaxRequest,
    ListBillableMetricsRequest, ListTaxesRequest, PaginationMeta, RoundingFunction, Tax, TaxCreateInput,
    TaxUpdateInput, UpdateBillableMetricRequest, UpdateTaxRequest, WeightedInterval,
};
use tonic::Status;
use tonic::transport::Channel;

use crate::support::conformance::{
    assert_bad_request, assert_not_found, assert_unauthenticated, assert_violations, event,
};
use crate::support::{OTHER_API_KEY, authorized, authorized_as, backend_tests, field_mask};

type Taxes = TaxServiceClient<Channel>;
type Metrics = BillableMetricServiceClient<Channel>;

fn set_to(value: &str) -> Option<String> {
    Some(value.to_owned())
}

/// The mask of these paths; none (the implied mask) when empty.
fn mask_of(paths: &[&str]) -> Option<entitlements::prost_types::FieldMask> {
    if paths.is_empty() { None } else { field_mask(paths) }
}

fn tax_input(code: &str, rate: &str) -> TaxCreateInput {
    TaxCreateInput {
        code: code.to_owned(),
        name: "VAT".to_owned(),
        rate: rate.to_owned(),
        ..TaxCreateInput::default()
    }
}

async fn create_tax(client: &mut Taxes, tax: TaxCreateInput) -> Result<Tax, Status> {
    let response = client.create_tax(authorized(CreateTaxRequest { tax: Some(tax) })).await?;
    Ok(response.into_inner().tax.expect("a tax in the response"))
}

/// UpdateTax with the mask of `paths` (the implied one when empty).
async fn update_tax(
    client: &mut Taxes,
    code: &str,
    tax: TaxUpdateInput,
    paths: &[&str],
) -> Result<Tax, Status> {
    let request = UpdateTaxRequest { code: code.to_owned(), tax: Some(tax), update_mask: mask_of(paths) };
    Ok(client.update_tax(authorized(request)).await?.into_inner().tax.expect("a tax in the response"))
}

async fn get_tax(client: &mut Taxes, code: &str) -> Result<Tax, Status> {
    let response = client.get_tax(authorized(GetTaxRequest { code: code.to_owned() })).await?;
    Ok(response.into_inner().tax.expect("a tax in the response"))
}

fn metric_input(code: &str, aggregation_type: AggregationType) -> BillableMetricCreateInput {
    BillableMetricCreateInput {
        code: code.to_owned(),
        name: "Metric".to_owned(),
        aggregation_type: aggregation_type.into(),
        field_name: Some("amount".to_owned()),
        ..BillableMetricCreateInput::default()
    }
}

fn filter_input(key: &str, values: &[&str]) -> BillableMetricFilterInput {
    BillableMetricFilterInput {
        key: key.to_owned(),
        values: values.iter().map(|&value| value.to_owned()).collect(),
    }
}

fn filter(key: &str, values: &[&str]) -> BillableMetricFilter {
    BillableMetricFilter {
        key: key.to_owned(),
        values: values.iter().map(|&value| value.to_owned()).collect(),
    }
}

async fn create_metric(
    client: &mut Metrics,
    metric: BillableMetricCreateInput,
) -> Result<BillableMetric, Status> {
    let request = CreateBillableMetricRequest { billable_metric: Some(metric) };
    let response = client.create_billable_metric(authorized(request)).await?;
    Ok(response.into_inner().billable_metric.expect("a metric in the response"))
}

/// UpdateBillableMetric with the mask of `paths` (the implied one when empty).
async fn update_metric(
    client: &mut Metrics,
    code: &str,
    metric: BillableMetricUpdateInput,
    paths: &[&str],
) -> Result<BillableMetric, Status> {
    let request = UpdateBillableMetricRequest {
        code: code.to_owned(),
        billable_metric: Some(metric),
        update_mask: mask_of(paths),
    };
    let response = client.update_billable_metric(authorized(request)).await?;
    Ok(response.into_inner().billable_metric.expect("a metric in the response"))
}

async fn get_metric(client: &mut Metrics, code: &str) -> Result<BillableMetric, Status> {
    let response =
        client.get_billable_metric(authorized(GetBillableMetricRequest { code: code.to_owned() })).await?;
    Ok(response.into_inner().billable_metric.expect("a metric in the response"))
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

backend_tests! {
    async fn tax_rpcs_round_trip(app) {
        let mut client = app.tax_client().await;
        let created = create_tax(
            &mut client,
            TaxCreateInput {
                description: Some("French VAT".to_owned()),
                applied_to_organization: Some(true),
                ..tax_input("vat", "20.5")
            },
        )
        .await
        .expect("create a tax");
        uuid::Uuid::parse_str(&created.id).expect("the id is a UUID");
        assert_eq!(
            (
                created.code.as_str(),
                created.name.as_str(),
                created.rate.as_str(),
                created.description.as_deref(),
                created.applied_to_organization
            ),
            ("vat", "VAT", "20.5", Some("French VAT"), true)
        );
        assert!(created.created_at.is_some());
        assert_eq!(get_tax(&mut client, "vat").await.expect("get the tax"), created);

        // Fields not in the mask are kept; a listed field that is unset is null. Rates read back as
        // decimal text with a fractional digit.
        let updated = update_tax(
            &mut client,
            "vat",
            TaxUpdateInput { rate: set_to("-1.5e1"), ..TaxUpdateInput::default() },
            &["rate", "description"],
        )
        .await
        .expect("update the tax");
        assert_eq!(updated, Tax { rate: "-15.0".to_owned(), description: None, ..created.clone() });
        // Without a mask, the fields that are set; a listed `applied_to_organization` unset is false.
        let renamed = update_tax(
            &mut client,
            "vat",
            TaxUpdateInput { name: set_to("TVA"), ..TaxUpdateInput::default() },
            &[],
        )
        .await
        .expect("rename the tax");
        assert_eq!(renamed, Tax { name: "TVA".to_owned(), ..updated.clone() });
        let unapplied = update_tax(&mut client, "vat", TaxUpdateInput::default(), &["applied_to_organization"])
            .await
            .expect("unapply the tax");
        assert_eq!(unapplied, Tax { applied_to_organization: false, ..renamed.clone() });

        create_tax(&mut client, TaxCreateInput { name: "GST".to_owned(), ..tax_input("gst", "10") })
            .await
            .expect("create a tax");
        let page = client
            .list_taxes(authorized(ListTaxesRequest { page: 1, per_page: 1 }))
            .await
            .expect("list")
            .into_inner();
        assert_eq!(page.taxes.iter().map(|tax| tax.code.as_str()).collect::<Vec<_>>(), ["gst"]);
        assert_eq!(page.meta, Some(meta(1, Some(2), None, 2, 2)));

        let deleted = client
            .delete_tax(authorized(DeleteTaxRequest { code: "vat".to_owned() }))
            .await
            .expect("delete")
            .into_inner();
        assert_eq!(deleted.tax, Some(unapplied));
        assert_not_found(get_tax(&mut client, "vat").await, "tax_not_found");
        assert_eq!(
            app.change_event_codes().await,
            [
                event("tax.created", "vat"),
                event("tax.updated", "vat"),
                event("tax.updated", "vat"),
                event("tax.updated", "vat"),
                event("tax.created", "gst"),
                event("tax.deleted", "vat"),
            ]
        );
    }

    async fn tax_errors_carry_lagos_codes(app) {
        let mut client = app.tax_client().await;
        assert_bad_request(client.create_tax(authorized(CreateTaxRequest { tax: None })).await);
        assert_violations(
            create_tax(&mut client, TaxCreateInput::default()).await,
            &[("tax.name", "value_is_mandatory"), ("tax.rate", "value_is_mandatory"), ("tax.code", "value_is_mandatory")],
        );
        assert_violations(
            create_tax(&mut client, tax_input("vat", "twenty")).await,
            &[("tax.rate", "value_is_invalid")],
        );
        create_tax(&mut client, tax_input("vat", "20")).await.expect("create a tax");
        create_tax(&mut client, tax_input("gst", "10")).await.expect("create a tax");
        assert_violations(
            create_tax(&mut client, tax_input("vat", "5")).await,
            &[("tax.code", "value_already_exist")],
        );
        assert_violations(
            update_tax(
                &mut client,
                "gst",
                TaxUpdateInput { code: set_to("vat"), ..TaxUpdateInput::default() },
                &["code", "name"],
            )
            .await,
            &[("tax.name", "value_is_mandatory"), ("tax.code", "value_already_exist")],
        );
        assert_violations(
            update_tax(&mut client, "gst", TaxUpdateInput::default(), &["rate", "percentage"]).await,
            &[("update_mask", "unknown_field")],
        );
        assert_not_found(
            update_tax(&mut client, "unknown", TaxUpdateInput::default(), &[]).await,
            "tax_not_found",
        );
        assert_bad_request(
            client
                .update_tax(authorized(UpdateTaxRequest { code: "vat".to_owned(), tax: None, update_mask: None }))
                .await,
        );
        assert_not_found(
            client.delete_tax(authorized(DeleteTaxRequest { code: "unknown".to_owned() })).await,
            "tax_not_found",
        );
        assert_violations(
            client.list_taxes(authorized(ListTaxesRequest { page: 1, per_page: 1001 })).await,
            &[("per_page", "value_is_out_of_range")],
        );
        assert_unauthenticated(
            client.get_tax(tonic::Request::new(GetTaxRequest { code: "vat".to_owned() })).await,
        );
        assert_not_found(
            client.get_tax(authorized_as(OTHER_API_KEY, GetTaxRequest { code: "vat".to_owned() })).await,
            "tax_not_found",
        );
        assert_eq!(
            app.change_event_codes().await,
            [event("tax.created", "vat"), event("tax.created", "gst")]
        );
    }

    async fn billable_metric_rpcs_round_trip(app) {
        let mut client = app.billable_metric_client().await;
        let created = create_metric(
            &mut client,
            BillableMetricCreateInput {
                description: Some("Storage".to_owned()),
                recurring: Some(true),
                weighted_interval: WeightedInterval::Seconds.into(),
                rounding_function: RoundingFunction::Ceil.into(),
                rounding_precision: Some(-1),
                expression: Some("ceil(event.properties.gb / 1024)".to_owned()),
                filters: vec![filter_input("region", &["us", "eu", "us"]), filter_input("cloud", &["aws"])],
                ..metric_input("gb", AggregationType::WeightedSumAgg)
            },
        )
        .await
        .expect("create a metric");
        uuid::Uuid::parse_str(&created.id).expect("the id is a UUID");
        assert_eq!(created.aggregation_type(), AggregationType::WeightedSumAgg);
        assert_eq!(created.weighted_interval(), WeightedInterval::Seconds);
        assert_eq!(created.rounding_function(), RoundingFunction::Ceil);
        assert_eq!((created.rounding_precision, created.recurring), (Some(-1), true));
        assert_eq!(created.filters, [filter("cloud", &["aws"]), filter("region", &["eu", "us"])]);
        assert_eq!(get_metric(&mut client, "gb").await.expect("get the metric"), created);

        // Fields and filters not in the mask are kept; a listed field that is unset is null, and
        // so is an enumeration set to UNSPECIFIED.
        let renamed = update_metric(
            &mut client,
            "gb",
            BillableMetricUpdateInput {
                code: set_to("storage"),
                rounding_function: Some(RoundingFunction::Unspecified.into()),
                ..BillableMetricUpdateInput::default()
            },
            &["code", "rounding_precision", "rounding_function"],
        )
        .await
        .expect("update the metric");
        assert_eq!(
            renamed,
            BillableMetric {
                code: "storage".to_owned(),
                rounding_precision: None,
                rounding_function: RoundingFunction::Unspecified.into(),
                ..created.clone()
            }
        );
        // A written filter list replaces them all (without a mask: a non-empty one); a listed
        // empty one removes them.
        let refiltered = update_metric(
            &mut client,
            "storage",
            BillableMetricUpdateInput {
                filters: vec![filter_input("tier", &["gold"])],
                ..BillableMetricUpdateInput::default()
            },
            &[],
        )
        .await
        .expect("replace the filters");
        assert_eq!(refiltered.filters, [filter("tier", &["gold"])]);
        let unfiltered = update_metric(
            &mut client,
            "storage",
            BillableMetricUpdateInput {
                aggregation_type: Some(AggregationType::CountAgg.into()),
                ..BillableMetricUpdateInput::default()
            },
            &["filters", "aggregation_type", "recurring"],
        )
        .await
        .expect("remove the filters");
        // A count has no field name.
        assert_eq!((unfiltered.filters.len(), unfiltered.field_name.as_deref()), (0, None));

        create_metric(&mut client, metric_input("calls", AggregationType::CountAgg))
            .await
            .expect("create a metric");
        let page = client
            .list_billable_metrics(authorized(ListBillableMetricsRequest { page: 2, per_page: 1 }))
            .await
            .expect("list")
            .into_inner();
        assert_eq!(page.billable_metrics, std::slice::from_ref(&unfiltered));
        assert_eq!(page.meta, Some(meta(2, None, Some(1), 2, 2)));

        let deleted = client
            .delete_billable_metric(authorized(DeleteBillableMetricRequest { code: "storage".to_owned() }))
            .await
            .expect("delete")
            .into_inner();
        assert_eq!(deleted.billable_metric, Some(unfiltered));
        assert_not_found(get_metric(&mut client, "storage").await, "billable_metric_not_found");
        assert_eq!(
            app.change_event_codes().await,
            [
                event("billable_metric.created", "gb"),
                event("billable_metric.updated", "storage"),
                event("billable_metric.updated", "storage"),
                event("billable_metric.updated", "storage"),
                event("billable_metric.created", "calls"),
                event("billable_metric.deleted", "storage"),
            ]
        );
    }

    async fn billable_metric_errors_carry_lagos_codes(app) {
        let mut client = app.billable_metric_client().await;
        assert_bad_request(
            client
                .create_billable_metric(authorized(CreateBillableMetricRequest { billable_metric: None }))
                .await,
        );
        // UNSPECIFIED, and numbers this server does not know, are invalid values.
        assert_violations(
            create_metric(&mut client, metric_input("a", AggregationType::Unspecified)).await,
            &[("billable_metric.aggregation_type", "value_is_invalid")],
        );
        let unknown_numbers = BillableMetricCreateInput {
            aggregation_type: 99,
            weighted_interval: 7,
            rounding_function: -1,
            ..metric_input("a", AggregationType::SumAgg)
        };
        assert_violations(
            create_metric(&mut client, unknown_numbers).await,
            &[
                ("billable_metric.aggregation_type", "value_is_invalid"),
                ("billable_metric.weighted_interval", "value_is_invalid"),
                ("billable_metric.rounding_function", "value_is_invalid"),
            ],
        );
        assert_violations(
            create_metric(&mut client, metric_input("a", AggregationType::CustomAgg)).await,
            &[("billable_metric.custom_aggregator", "value_is_mandatory")],
        );
        let bad_filters = BillableMetricCreateInput {
            filters: vec![filter_input(" ", &[])],
            ..metric_input("a", AggregationType::SumAgg)
        };
        assert_violations(
            create_metric(&mut client, bad_filters).await,
            &[("billable_metric.filters[0].key", "value_is_mandatory"), ("billable_metric.filters[0].values", "value_is_mandatory")],
        );
        let everything = BillableMetricCreateInput {
            code: String::new(),
            name: String::new(),
            field_name: None,
            recurring: Some(true),
            expression: Some("round(".to_owned()),
            ..metric_input("", AggregationType::LatestAgg)
        };
        assert_violations(
            create_metric(&mut client, everything).await,
            &[
                ("billable_metric.recurring", "not_compatible_with_aggregation_type"),
                ("billable_metric.expression", "invalid_expression"),
                ("billable_metric.name", "value_is_mandatory"),
                ("billable_metric.field_name", "value_is_mandatory"),
                ("billable_metric.code", "value_is_mandatory"),
            ],
        );
        create_metric(&mut client, metric_input("a", AggregationType::SumAgg))
            .await
            .expect("create a metric");
        create_metric(&mut client, metric_input("b", AggregationType::SumAgg))
            .await
            .expect("create a metric");
        assert_violations(
            create_metric(&mut client, metric_input("a", AggregationType::SumAgg)).await,
            &[("billable_metric.code", "value_already_exist")],
        );
        assert_violations(
            update_metric(
                &mut client,
                "b",
                BillableMetricUpdateInput { code: set_to("a"), ..Default::default() },
                &["code", "field_name"],
            )
            .await,
            &[("billable_metric.field_name", "value_is_mandatory"), ("billable_metric.code", "value_already_exist")],
        );
        assert_violations(
            update_metric(
                &mut client,
                "b",
                BillableMetricUpdateInput {
                    aggregation_type: Some(AggregationType::WeightedSumAgg.into()),
                    ..Default::default()
                },
                &[],
            )
            .await,
            &[("billable_metric.weighted_interval", "value_is_invalid")],
        );
        assert_not_found(
            update_metric(&mut client, "unknown", BillableMetricUpdateInput::default(), &[]).await,
            "billable_metric_not_found",
        );
        assert_violations(
            update_metric(&mut client, "b", BillableMetricUpdateInput::default(), &["filters.key"]).await,
            &[("update_mask", "unknown_field")],
        );
        assert_bad_request(
            client
                .update_billable_metric(authorized(UpdateBillableMetricRequest {
                    code: "a".to_owned(),
                    billable_metric: None,
                    update_mask: None,
                }))
                .await,
        );
        assert_not_found(
            client
                .delete_billable_metric(authorized(DeleteBillableMetricRequest {
                    code: "unknown".to_owned(),
                }))
                .await,
            "billable_metric_not_found",
        );
        assert_violations(
            client.list_billable_metrics(authorized(ListBillableMetricsRequest { page: 0, per_page: 5000 })).await,
            &[("per_page", "value_is_out_of_range")],
        );
        assert_unauthenticated(
            client
                .get_billable_metric(tonic::Request::new(GetBillableMetricRequest { code: "a".to_owned() }))
                .await,
        );
        assert_not_found(
            client
                .get_billable_metric(authorized_as(
                    OTHER_API_KEY,
                    GetBillableMetricRequest { code: "a".to_owned() },
                ))
                .await,
            "billable_metric_not_found",
        );
        assert_eq!(
            app.change_event_codes().await,
            [event("billable_metric.created", "a"), event("billable_metric.created", "b")]
        );
    }
}
