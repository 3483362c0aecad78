//! The create-plan request of seed 003 (Lago's documentation example, kept verbatim in
//! `seed_003_request.json`): with its placeholder metric ids, with the ids removed so that
//! `billable_metric_code` resolves them (our extension: Lago drops that key), and with real ids.

use serde_json::json;

use super::*;
use crate::support::conformance::{assert_response, event};
use crate::support::{backend_tests, not_found};

/// The seed's request body, verbatim.
const SEED_REQUEST: &str = include_str!("seed_003_request.json");

/// The metrics the seed's charges name, in the charges' order, with an aggregation each fits.
const SEED_METRICS: [(&str, &str); 10] = [
    ("api_request", "count_agg"),
    ("requests", "count_agg"),
    ("payments", "sum_agg"),
    ("seat", "count_agg"),
    ("sms_sent", "count_agg"),
    ("api_request_groups", "count_agg"),
    ("request_groups", "count_agg"),
    ("payment_groups", "sum_agg"),
    ("seats_groups", "count_agg"),
    ("sms_sent_groups", "count_agg"),
];

fn seed_body() -> Value {
    serde_json::from_str(SEED_REQUEST).expect("the seed's request is JSON")
}

/// The seed's body with each charge's `billable_metric_id` changed by `change`.
fn seed_with_metric_ids(change: impl Fn(&mut Map<String, Value>, usize)) -> Value {
    let mut body = seed_body();
    let charges = body["plan"]["charges"].as_array_mut().expect("the seed has charges");
    for (index, charge) in charges.iter_mut().enumerate() {
        change(charge.as_object_mut().expect("each charge is an object"), index);
    }
    body
}

/// Creates the seed's metrics and its tax; returns the metric objects (in the charges' order) and
/// the embedded tax.
async fn create_seed_catalog(app: &TestApp) -> (Vec<Value>, Value) {
    let mut metrics = Vec::new();
    for (code, aggregation_type) in SEED_METRICS {
        metrics.push(create_metric(app, code, aggregation_type).await);
    }
    (metrics, create_tax(app, "french_standard_vat", 20.0).await)
}

/// The charges Lago answers for the seed: codes from the metric codes, properties as sent
/// (`group_properties` ignored), keys in Lago's order.
fn seed_charges(answered: &Value, metrics: &[Value]) -> Vec<Value> {
    let graduated = |to: i64, per: (&str, &str), flat: (&str, &str)| {
        json!({"graduated_ranges": [
            {"from_value": 0, "to_value": to, "flat_amount": flat.0, "per_unit_amount": per.0},
            {"from_value": to + 1, "to_value": null, "flat_amount": flat.1, "per_unit_amount": per.1}
        ]})
    };
    let open_range = |key: &str| {
        json!({ key: [{"from_value": 0, "to_value": null, "flat_amount": "0",
        "per_unit_amount": "0"}] })
    };
    let expected = [
        ("graduated", json!("New name on invoice 1"), graduated(10000, ("0.02", "0.01"), ("50", "100"))),
        ("package", json!(""), json!({"amount": "30", "free_units": 1000, "package_size": 10000})),
        (
            "percentage",
            json!("New name on invoice 2"),
            json!({
                "rate": "0.15", "fixed_amount": "0.5", "free_units_per_events": 5,
                "free_units_per_total_aggregation": "500", "per_transaction_max_amount": "2",
                "per_transaction_min_amount": "1.75"
            }),
        ),
        ("standard", json!(""), json!({"amount": "10"})),
        (
            "volume",
            json!(""),
            json!({"volume_ranges": [
                {"from_value": 0, "to_value": 1000, "flat_amount": "0", "per_unit_amount": "0.75"},
                {"from_value": 1001, "to_value": null, "flat_amount": "0", "per_unit_amount": "0.50"}
            ]}),
        ),
        ("graduated", json!(""), open_range("graduated_ranges")),
        ("package", json!(null), json!({"amount": "0", "free_units": 0, "package_size": 1})),
        ("percentage", json!(null), json!({"rate": "0"})),
        ("standard", json!(null), json!({"amount": "0"})),
        ("volume", json!(null), open_range("volume_ranges")),
    ];
    expected
        .into_iter()
        .zip(metrics)
        .enumerate()
        .map(|(index, ((charge_model, name, properties), metric))| {
            charge_json(
                &answered["charges"][index],
                metric,
                json!({
                    "invoice_display_name": name, "charge_model": charge_model, "properties": properties
                }),
            )
        })
        .collect()
}

/// Lago's plan object for the seed.
fn seed_plan(answered: &Value, metrics: &[Value], vat: &Value) -> Value {
    plan_json(
        answered,
        json!({
            "invoice_display_name": "", "amount_cents": 1000, "trial_period": 10.0,
            "charges": seed_charges(answered, metrics), "taxes": [vat]
        }),
    )
}

backend_tests! {
    async fn the_seed_with_placeholder_ids_is_404_billable_metrics_not_found(app) {
        // Even with every metric present: the placeholder is not an id of this organization.
        create_seed_catalog(&app).await;
        let response = app.post("/api/v1/plans", &seed_body()).await;
        assert_response(&response, 404, &not_found("billable_metrics_not_found"));
        assert_eq!(stored_plan_codes(&app).await, Vec::<String>::new());
        assert!(
            !app.change_event_codes().await.iter().any(|(event_type, _)| event_type.starts_with("plan."))
        );
    }

    async fn the_seed_without_ids_resolves_metrics_by_code(app) {
        let (metrics, vat) = create_seed_catalog(&app).await;
        let body = seed_with_metric_ids(|charge, _| {
            charge.remove("billable_metric_id");
        });
        let response = app.post("/api/v1/plans", &body).await;
        let plan = seed_plan(&response.body["plan"], &metrics, &vat);
        assert_response(&response, 200, &json!({ "plan": plan }));
        assert_eq!(charges_of(&plan).len(), 10);
        assert_response(&get_plan(&app, "startup").await, 200, &json!({ "plan": plan }));
        assert_eq!(app.change_event_codes().await.last(), Some(&event("plan.created", "startup")));
    }

    async fn the_seed_with_real_ids_is_accepted(app) {
        let (metrics, vat) = create_seed_catalog(&app).await;
        let body = seed_with_metric_ids(|charge, index| {
            charge.insert("billable_metric_id".to_owned(), metrics[index]["lago_id"].clone());
        });
        let response = app.post("/api/v1/plans", &body).await;
        let plan = seed_plan(&response.body["plan"], &metrics, &vat);
        assert_response(&response, 200, &json!({ "plan": plan }));
        assert_response(&get_plan(&app, "startup").await, 200, &json!({ "plan": plan }));
    }

    async fn the_seed_without_ids_or_metrics_is_404_billable_metric_not_found(app) {
        create_tax(&app, "french_standard_vat", 20.0).await;
        let body = seed_with_metric_ids(|charge, _| {
            charge.remove("billable_metric_id");
        });
        let response = app.post("/api/v1/plans", &body).await;
        assert_response(&response, 404, &not_found("billable_metric_not_found"));
        assert_eq!(stored_plan_codes(&app).await, Vec::<String>::new());
    }
}
