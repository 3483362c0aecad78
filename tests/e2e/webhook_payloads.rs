//! The body of every webhook we send, byte for byte, read from the outbox (`webhook_deliveries`):
//! Lago's envelope, the webhook key lists of Lago's serializers in their order (typed out below
//! from the reference, §4.2), the values the REST API shows for the same object at that moment,
//! and Rails' escaping. Also: each endpoint receives only its `event_types`, a failed write sends
//! nothing, a delivery carries its event's revision, and a payload is frozen at its event.

use serde_json::{Map, Value, json};

use crate::support::webhook_outbox::StoredDelivery;
use crate::support::{API_KEY, TestApp, backend_tests, clocked_backend_tests};

const FEATURE_KEYS: &[&str] = &["code", "name", "description", "privileges", "created_at"];

const PLAN_BASE_KEYS: &[&str] = &[
    "lago_id",
    "name",
    "invoice_display_name",
    "created_at",
    "code",
    "interval",
    "description",
    "amount_cents",
    "amount_currency",
    "trial_period",
    "pay_in_advance",
    "bill_charges_monthly",
    "bill_fixed_charges_monthly",
    "customers_count",
    "active_subscriptions_count",
    "draft_invoices_count",
    "parent_id",
    "pending_deletion",
];

const BILLABLE_METRIC_KEYS: &[&str] = &[
    "lago_id",
    "name",
    "code",
    "description",
    "aggregation_type",
    "weighted_interval",
    "recurring",
    "rounding_function",
    "rounding_precision",
    "created_at",
    "field_name",
    "expression",
    "filters",
];

const CUSTOMER_KEYS: &[&str] = &[
    "lago_id",
    "billing_entity_code",
    "external_id",
    "account_type",
    "name",
    "firstname",
    "lastname",
    "customer_type",
    "sequential_id",
    "slug",
    "created_at",
    "updated_at",
    "country",
    "address_line1",
    "address_line2",
    "state",
    "zipcode",
    "email",
    "city",
    "url",
    "phone",
    "logo_url",
    "legal_name",
    "legal_number",
    "currency",
    "tax_identification_number",
    "timezone",
    "applicable_timezone",
    "net_payment_term",
    "external_salesforce_id",
    "finalize_zero_amount_invoice",
    "billing_configuration",
    "shipping_address",
    "skip_invoice_custom_sections",
    "metadata",
];

const SUBSCRIPTION_BASE_KEYS: &[&str] = &[
    "lago_id",
    "external_id",
    "lago_customer_id",
    "external_customer_id",
    "name",
    "plan_code",
    "plan_amount_cents",
    "plan_amount_currency",
    "status",
    "billing_time",
    "subscription_at",
    "started_at",
    "trial_ended_at",
    "ending_at",
    "terminated_at",
    "canceled_at",
    "created_at",
    "previous_plan_code",
    "next_plan_code",
    "downgrade_plan_date",
    "current_billing_period_started_at",
    "current_billing_period_ending_at",
    "on_termination_credit_note",
    "on_termination_invoice",
    "progressive_billing_disabled",
    "consolidate_invoice",
    "purchase_order_number",
    "cancellation_reason",
    "activated_at",
];

/// The keys of `object` named in `keys`, in that order; a key `object` lacks is left out (the
/// optional `minimum_commitment` and `metadata` of plans).
fn pick(object: &Value, keys: &[&str]) -> Map<String, Value> {
    keys.iter().filter_map(|key| Some(((*key).to_owned(), object.get(*key)?.clone()))).collect()
}

/// A feature webhook's object: the REST feature's keys (they are the same).
fn feature_object(rest: &Value) -> Value {
    Value::Object(pick(rest, FEATURE_KEYS))
}

/// A plan webhook's object: no `fixed_charges` nor `applicable_usage_thresholds`; entitlements
/// except in `plan.deleted`.
fn plan_object(rest: &Value, entitlements: bool) -> Value {
    let mut object = pick(rest, PLAN_BASE_KEYS);
    let mut tail = vec!["charges"];
    if entitlements {
        tail.push("entitlements");
    }
    tail.extend(["usage_thresholds", "taxes", "minimum_commitment", "metadata"]);
    object.extend(pick(rest, &tail));
    Value::Object(object)
}

/// A customer webhook's object: no `taxes`, custom sections or errors; `integration_customers`
/// unless it is embedded in a subscription.
fn customer_object(rest: &Value, integration_customers: bool) -> Value {
    let mut object = pick(rest, CUSTOMER_KEYS);
    if integration_customers {
        object.insert("integration_customers".to_owned(), json!([]));
    }
    Value::Object(object)
}

/// A subscription webhook's object: the base keys, the customer, the entitlements (`started` and
/// `updated`), the payment method, the plan and the activation rules.
pub(crate) fn subscription_object(rest: &Value, customer: &Value, entitlements: bool) -> Value {
    let mut object = pick(rest, SUBSCRIPTION_BASE_KEYS);
    object.insert("customer".to_owned(), customer_object(customer, false));
    if entitlements {
        object.insert("entitlements".to_owned(), rest["entitlements"].clone());
    }
    object.insert(
        "payment_method".to_owned(),
        json!({"payment_method_id": null, "payment_method_type": "provider"}),
    );
    object.insert("plan".to_owned(), rest["plan"].clone());
    object.insert("activation_rules".to_owned(), json!([]));
    Value::Object(object)
}

/// JSON as Rails writes it, for the expected bodies: compact, then the HTML-safe escapes (a
/// second implementation, independent of the server's formatter).
fn rails_json(value: &Value) -> String {
    value
        .to_string()
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
        .replace('\u{2028}', "\\u2028")
        .replace('\u{2029}', "\\u2029")
}

/// The expected body of a webhook.
pub(crate) async fn envelope(app: &TestApp, webhook_type: &str, object: Value) -> String {
    let object_type = webhook_type.split('.').next().expect("a dotted webhook type");
    let mut envelope = Map::new();
    envelope.insert("webhook_type".to_owned(), json!(webhook_type));
    envelope.insert("object_type".to_owned(), json!(object_type));
    envelope.insert("organization_id".to_owned(), json!(app.organization_id().await.0.to_string()));
    envelope.insert(object_type.to_owned(), object);
    rails_json(&Value::Object(envelope))
}

/// The deliveries made since `before` of them.
pub(crate) async fn deliveries_since(app: &TestApp, before: usize) -> Vec<StoredDelivery> {
    app.webhook_deliveries().await.split_off(before)
}

pub(crate) fn types(deliveries: &[StoredDelivery]) -> Vec<&str> {
    deliveries.iter().map(|delivery| delivery.webhook_type.as_str()).collect()
}

/// Asserts the deliveries since `before` are exactly `expected` (type, body), in order.
#[track_caller]
pub(crate) fn assert_payloads(deliveries: &[StoredDelivery], expected: &[(&str, String)]) {
    let actual: Vec<(&str, &str)> = deliveries
        .iter()
        .map(|delivery| (delivery.webhook_type.as_str(), delivery.payload.as_str()))
        .collect();
    let expected: Vec<(&str, &str)> = expected.iter().map(|(kind, body)| (*kind, body.as_str())).collect();
    assert_eq!(actual, expected);
}

/// Sends a request and answers its status, JSON body and `x-entitlements-revision`.
async fn send_with_revision(
    app: &TestApp,
    method: reqwest::Method,
    path: &str,
    body: Option<&Value>,
) -> (u16, Value, Option<i64>) {
    let mut request = reqwest::Client::new()
        .request(method, app.url(path))
        .header("Authorization", format!("Bearer {API_KEY}"));
    if let Some(body) = body {
        request = request.json(body);
    }
    let response = request.send().await.expect("the request reaches the server");
    let revision =
        response.headers().get("x-entitlements-revision").and_then(|value| value.to_str().ok()?.parse().ok());
    let status = response.status().as_u16();
    let body = response.json().await.unwrap_or(Value::Null);
    (status, body, revision)
}

pub(crate) async fn ok(app: &TestApp, method: reqwest::Method, path: &str, body: Option<&Value>) -> Value {
    let response = app.send(method, path, body).await;
    assert_eq!(response.status, 200, "{path}: {}", response.body);
    response.body
}

async fn create_plan(app: &TestApp, code: &str, amount_cents: i64) -> Value {
    let plan = json!({"plan": {
        "name": code, "code": code, "interval": "monthly", "amount_cents": amount_cents,
        "amount_currency": "USD", "pay_in_advance": false
    }});
    ok(app, reqwest::Method::POST, "/api/v1/plans", Some(&plan)).await["plan"].clone()
}

pub(crate) async fn get(app: &TestApp, path: &str, root: &str) -> Value {
    ok(app, reqwest::Method::GET, path, None).await[root].clone()
}

pub(crate) const HOOK: &str = "http://127.0.0.1:9/hooks";

backend_tests! {
    async fn feature_events_carry_the_feature_and_the_plans_granting_it(app) {
        app.insert_webhook_endpoint(HOOK, None).await;
        // Rails escapes <, >, & and the line separators, keys and values alike.
        let feature = json!({"feature": {
            "code": "seats", "name": "Seats <&> \u{2028}", "description": "Zoë\u{2029}",
            "privileges": [
                {"code": "max", "name": "Max", "value_type": "integer"},
                {"code": "tier", "value_type": "select", "config": {"select_options": ["a<b", "c"]}}
            ]
        }});
        let created = ok(&app, reqwest::Method::POST, "/api/v1/features", Some(&feature)).await["feature"].clone();
        let deliveries = deliveries_since(&app, 0).await;
        assert_payloads(&deliveries, &[("feature.created", envelope(&app, "feature.created", feature_object(&created)).await)]);
        assert!(deliveries[0].payload.contains(r#""name":"Seats \u003c\u0026\u003e \u2028""#), "{}", deliveries[0].payload);
        assert!(deliveries[0].payload.contains(r#""description":"Zoë\u2029""#));

        create_plan(&app, "startup", 1_000).await;
        let before = app.webhook_deliveries().await.len();
        let grant = json!({"entitlements": {"seats": {"max": 10, "tier": "c"}}});
        ok(&app, reqwest::Method::POST, "/api/v1/plans/startup/entitlements", Some(&grant)).await;
        let plan = get(&app, "/api/v1/plans/startup", "plan").await;
        assert_payloads(
            &deliveries_since(&app, before).await,
            &[("plan.updated", envelope(&app, "plan.updated", plan_object(&plan, true)).await)],
        );

        // An update: `plan.updated` for the plan granting it, then `feature.updated`.
        let before = app.webhook_deliveries().await.len();
        let update = json!({"feature": {"name": "Seats", "privileges": [{"code": "max", "name": "Maximum"}]}});
        let updated = ok(&app, reqwest::Method::PATCH, "/api/v1/features/seats", Some(&update)).await["feature"].clone();
        let plan = get(&app, "/api/v1/plans/startup", "plan").await;
        assert_eq!(plan["entitlements"][0]["name"], "Seats");
        assert_payloads(
            &deliveries_since(&app, before).await,
            &[
                ("plan.updated", envelope(&app, "plan.updated", plan_object(&plan, true)).await),
                ("feature.updated", envelope(&app, "feature.updated", feature_object(&updated)).await),
            ],
        );

        // A privilege's deletion: the same pair.
        let before = app.webhook_deliveries().await.len();
        let without_tier =
            ok(&app, reqwest::Method::DELETE, "/api/v1/features/seats/privileges/tier", None).await["feature"].clone();
        let plan = get(&app, "/api/v1/plans/startup", "plan").await;
        assert_payloads(
            &deliveries_since(&app, before).await,
            &[
                ("plan.updated", envelope(&app, "plan.updated", plan_object(&plan, true)).await),
                ("feature.updated", envelope(&app, "feature.updated", feature_object(&without_tier)).await),
            ],
        );

        // The deletion: the plans first, then the feature with its privileges as they were
        // (Lago's serializer would show `[]`).
        let before = app.webhook_deliveries().await.len();
        let deleted = ok(&app, reqwest::Method::DELETE, "/api/v1/features/seats", None).await["feature"].clone();
        assert_eq!(deleted["privileges"].as_array().map(Vec::len), Some(1));
        let plan = get(&app, "/api/v1/plans/startup", "plan").await;
        assert_eq!(plan["entitlements"], json!([]));
        assert_payloads(
            &deliveries_since(&app, before).await,
            &[
                ("plan.updated", envelope(&app, "plan.updated", plan_object(&plan, true)).await),
                ("feature.deleted", envelope(&app, "feature.deleted", feature_object(&deleted)).await),
            ],
        );
    }

    async fn plan_and_billable_metric_events_carry_their_objects(app) {
        app.insert_webhook_endpoint(HOOK, None).await;
        let metric = json!({"billable_metric": {
            "name": "Calls", "code": "calls", "aggregation_type": "sum_agg", "field_name": "amount",
            "filters": [{"key": "region", "values": ["us", "eu"]}, {"key": "cloud", "values": ["aws"]}]
        }});
        let created =
            ok(&app, reqwest::Method::POST, "/api/v1/billable_metrics", Some(&metric)).await["billable_metric"].clone();
        let update = json!({"billable_metric": {"description": "API calls"}});
        let updated = ok(&app, reqwest::Method::PUT, "/api/v1/billable_metrics/calls", Some(&update)).await
            ["billable_metric"]
            .clone();
        let tax = json!({"tax": {"name": "VAT", "code": "vat", "rate": 20.0}});
        ok(&app, reqwest::Method::POST, "/api/v1/taxes", Some(&tax)).await;
        let plan = json!({"plan": {
            "name": "Startup", "code": "startup", "interval": "monthly", "amount_cents": 1000,
            "amount_currency": "EUR", "pay_in_advance": true, "trial_period": 5, "tax_codes": ["vat"],
            "minimum_commitment": {"amount_cents": 500, "invoice_display_name": "Commitment"},
            "usage_thresholds": [{"amount_cents": 2000, "threshold_display_name": "Alert"}],
            "metadata": {"team": "growth"},
            "charges": [{"billable_metric_id": created["lago_id"], "charge_model": "standard",
                         "properties": {"amount": "0.5"}}]
        }});
        let plan_created = ok(&app, reqwest::Method::POST, "/api/v1/plans", Some(&plan)).await["plan"].clone();
        let plan_update = json!({"plan": {"name": "Startup 2"}});
        let plan_updated =
            ok(&app, reqwest::Method::PUT, "/api/v1/plans/startup", Some(&plan_update)).await["plan"].clone();
        assert_payloads(
            &app.webhook_deliveries().await,
            &[
                ("billable_metric.created", envelope(&app, "billable_metric.created", Value::Object(pick(&created, BILLABLE_METRIC_KEYS))).await),
                ("billable_metric.updated", envelope(&app, "billable_metric.updated", Value::Object(pick(&updated, BILLABLE_METRIC_KEYS))).await),
                ("plan.created", envelope(&app, "plan.created", plan_object(&plan_created, true)).await),
                ("plan.updated", envelope(&app, "plan.updated", plan_object(&plan_updated, true)).await),
            ],
        );
        // Unlike the REST answers: no counters on the metric, no fixed charges or applicable
        // thresholds on the plan.
        let deliveries = app.webhook_deliveries().await;
        assert!(!deliveries[0].payload.contains("\"plans_count\":"), "{}", deliveries[0].payload);
        for absent in ["\"fixed_charges\":", "\"applicable_usage_thresholds\":"] {
            assert!(!deliveries[2].payload.contains(absent), "{absent} in {}", deliveries[2].payload);
        }

        // Plan entitlements: `plan.updated` for each write, even one that changes nothing.
        app.create_feature(json!({"code": "seats", "privileges": [{"code": "max", "value_type": "integer"}]})).await;
        let before = app.webhook_deliveries().await.len();
        let grant = json!({"entitlements": {"seats": {"max": 3}}});
        ok(&app, reqwest::Method::POST, "/api/v1/plans/startup/entitlements", Some(&grant)).await;
        ok(&app, reqwest::Method::PATCH, "/api/v1/plans/startup/entitlements", Some(&json!({"entitlements": {}}))).await;
        let with_seats = get(&app, "/api/v1/plans/startup", "plan").await;
        ok(&app, reqwest::Method::DELETE, "/api/v1/plans/startup/entitlements/seats/privileges/max", None).await;
        let without_max = get(&app, "/api/v1/plans/startup", "plan").await;
        ok(&app, reqwest::Method::DELETE, "/api/v1/plans/startup/entitlements/seats", None).await;
        let without_seats = get(&app, "/api/v1/plans/startup", "plan").await;
        assert_payloads(
            &deliveries_since(&app, before).await,
            &[
                ("plan.updated", envelope(&app, "plan.updated", plan_object(&with_seats, true)).await),
                ("plan.updated", envelope(&app, "plan.updated", plan_object(&with_seats, true)).await),
                ("plan.updated", envelope(&app, "plan.updated", plan_object(&without_max, true)).await),
                ("plan.updated", envelope(&app, "plan.updated", plan_object(&without_seats, true)).await),
            ],
        );

        // Deletions carry the objects as they were: the plan pending deletion with its charges and
        // no entitlements, the metric with its filters.
        ok(&app, reqwest::Method::POST, "/api/v1/plans/startup/entitlements", Some(&grant)).await;
        let before = app.webhook_deliveries().await.len();
        let deleted_plan = ok(&app, reqwest::Method::DELETE, "/api/v1/plans/startup", None).await["plan"].clone();
        assert_eq!((&deleted_plan["pending_deletion"], deleted_plan["charges"].as_array().map(Vec::len)), (&json!(true), Some(1)));
        let deleted_metric =
            ok(&app, reqwest::Method::DELETE, "/api/v1/billable_metrics/calls", None).await["billable_metric"].clone();
        assert_eq!(deleted_metric["filters"].as_array().map(Vec::len), Some(2));
        assert_payloads(
            &deliveries_since(&app, before).await,
            &[
                ("plan.deleted", envelope(&app, "plan.deleted", plan_object(&deleted_plan, false)).await),
                ("billable_metric.deleted", envelope(&app, "billable_metric.deleted", Value::Object(pick(&deleted_metric, BILLABLE_METRIC_KEYS))).await),
            ],
        );
    }

    async fn customer_and_subscription_events_carry_their_objects(app) {
        app.insert_webhook_endpoint(HOOK, None).await;
        let customer = json!({"customer": {"external_id": "cust_1", "name": "Acme & Co", "currency": "USD",
            "metadata": [{"key": "tier", "value": "gold", "display_in_invoice": true}]}});
        let created = ok(&app, reqwest::Method::POST, "/api/v1/customers", Some(&customer)).await["customer"].clone();
        // The same customer again: `customer.updated`, although nothing changed.
        let again = json!({"customer": {"external_id": "cust_1"}});
        let updated = ok(&app, reqwest::Method::POST, "/api/v1/customers", Some(&again)).await["customer"].clone();
        assert_eq!(updated["metadata"], created["metadata"]);
        assert_payloads(
            &app.webhook_deliveries().await,
            &[
                ("customer.created", envelope(&app, "customer.created", customer_object(&created, true)).await),
                ("customer.updated", envelope(&app, "customer.updated", customer_object(&updated, true)).await),
            ],
        );

        app.create_feature(json!({"code": "seats", "privileges": [{"code": "max", "value_type": "integer"}]})).await;
        create_plan(&app, "startup", 1_000).await;
        let grant = json!({"entitlements": {"seats": {"max": 3}}});
        ok(&app, reqwest::Method::POST, "/api/v1/plans/startup/entitlements", Some(&grant)).await;
        let before = app.webhook_deliveries().await.len();
        let subscription = json!({"subscription": {"external_customer_id": "cust_1", "plan_code": "startup", "external_id": "sub_1"}});
        let started =
            ok(&app, reqwest::Method::POST, "/api/v1/subscriptions", Some(&subscription)).await["subscription"].clone();
        assert_eq!(started["entitlements"][0]["code"], "seats");
        let customer = get(&app, "/api/v1/customers/cust_1", "customer").await;
        let update = json!({"subscription": {"name": "Main"}});
        ok(&app, reqwest::Method::PUT, "/api/v1/subscriptions/sub_1", Some(&update)).await;
        let renamed = get(&app, "/api/v1/subscriptions/sub_1", "subscription").await;
        let overrides = json!({"entitlements": {"seats": {"max": 7}}});
        ok(&app, reqwest::Method::PATCH, "/api/v1/subscriptions/sub_1/entitlements", Some(&overrides)).await;
        let overridden = get(&app, "/api/v1/subscriptions/sub_1", "subscription").await;
        assert_eq!(overridden["entitlements"][0]["overrides"], json!({"max": 7}));
        ok(&app, reqwest::Method::DELETE, "/api/v1/subscriptions/sub_1/entitlements/seats/privileges/max", None).await;
        let without_max = get(&app, "/api/v1/subscriptions/sub_1", "subscription").await;
        ok(&app, reqwest::Method::DELETE, "/api/v1/subscriptions/sub_1/entitlements/seats", None).await;
        let without_seats = get(&app, "/api/v1/subscriptions/sub_1", "subscription").await;
        let terminated =
            ok(&app, reqwest::Method::DELETE, "/api/v1/subscriptions/sub_1", None).await["subscription"].clone();
        assert_payloads(
            &deliveries_since(&app, before).await,
            &[
                ("subscription.started", envelope(&app, "subscription.started", subscription_object(&started, &customer, true)).await),
                ("subscription.updated", envelope(&app, "subscription.updated", subscription_object(&renamed, &customer, true)).await),
                ("subscription.updated", envelope(&app, "subscription.updated", subscription_object(&overridden, &customer, true)).await),
                ("subscription.updated", envelope(&app, "subscription.updated", subscription_object(&without_max, &customer, true)).await),
                ("subscription.updated", envelope(&app, "subscription.updated", subscription_object(&without_seats, &customer, true)).await),
                ("subscription.terminated", envelope(&app, "subscription.terminated", subscription_object(&terminated, &customer, false)).await),
            ],
        );

        // A pending subscription sends nothing until it starts; canceled, it is announced as
        // terminated, with the status `canceled`.
        let before = app.webhook_deliveries().await.len();
        let future = json!({"subscription": {"external_customer_id": "cust_1", "plan_code": "startup",
            "external_id": "sub_2", "subscription_at": "2099-01-01T00:00:00Z"}});
        ok(&app, reqwest::Method::POST, "/api/v1/subscriptions", Some(&future)).await;
        assert_eq!(types(&deliveries_since(&app, before).await), Vec::<&str>::new());
        let canceled = ok(&app, reqwest::Method::DELETE, "/api/v1/subscriptions/sub_2?status=pending", None).await
            ["subscription"]
            .clone();
        assert_eq!(canceled["status"], "canceled");
        assert_payloads(
            &deliveries_since(&app, before).await,
            &[("subscription.terminated", envelope(&app, "subscription.terminated", subscription_object(&canceled, &customer, false)).await)],
        );
    }

    async fn plan_changes_of_a_subscription_send_lagos_events(app) {
        app.insert_webhook_endpoint(HOOK, None).await;
        create_plan(&app, "small", 1_000).await;
        create_plan(&app, "large", 5_000).await;
        let subscribe = |plan: &str| json!({"subscription": {"external_customer_id": "cust_1", "plan_code": plan, "external_id": "sub_1"}});
        ok(&app, reqwest::Method::POST, "/api/v1/subscriptions", Some(&subscribe("small"))).await;
        // An upgrade: the old subscription terminated, then the new one started.
        let before = app.webhook_deliveries().await.len();
        ok(&app, reqwest::Method::POST, "/api/v1/subscriptions", Some(&subscribe("large"))).await;
        let upgrade = deliveries_since(&app, before).await;
        assert_eq!(types(&upgrade), ["subscription.terminated", "subscription.started"]);
        let bodies: Vec<Value> = upgrade.iter().map(|delivery| serde_json::from_str(&delivery.payload).expect("json")).collect();
        assert_eq!(
            (&bodies[0]["subscription"]["plan_code"], &bodies[0]["subscription"]["status"], &bodies[0]["subscription"]["next_plan_code"]),
            (&json!("small"), &json!("terminated"), &json!("large"))
        );
        assert_eq!(
            (&bodies[1]["subscription"]["plan_code"], &bodies[1]["subscription"]["status"], &bodies[1]["subscription"]["previous_plan_code"]),
            (&json!("large"), &json!("active"), &json!("small"))
        );
        // A downgrade: `subscription.updated` of the current one, showing the next plan.
        let before = app.webhook_deliveries().await.len();
        ok(&app, reqwest::Method::POST, "/api/v1/subscriptions", Some(&subscribe("small"))).await;
        let downgrade = deliveries_since(&app, before).await;
        assert_eq!(types(&downgrade), ["subscription.updated"]);
        let body: Value = serde_json::from_str(&downgrade[0].payload).expect("json");
        assert_eq!((&body["subscription"]["plan_code"], &body["subscription"]["next_plan_code"]), (&json!("large"), &json!("small")));
    }

    async fn endpoints_receive_only_their_event_types(app) {
        let everything = app.insert_webhook_endpoint(HOOK, None).await;
        let plans_updated = app.insert_webhook_endpoint("http://127.0.0.1:9/plans", Some(&["plan.updated"])).await;
        app.insert_webhook_endpoint("http://127.0.0.1:9/nothing", Some(&[])).await;
        create_plan(&app, "startup", 1_000).await;
        ok(&app, reqwest::Method::PUT, "/api/v1/plans/startup", Some(&json!({"plan": {"name": "Startup"}}))).await;
        let received: Vec<(uuid::Uuid, String)> = app
            .webhook_deliveries()
            .await
            .into_iter()
            .map(|delivery| (delivery.endpoint_id, delivery.webhook_type))
            .collect();
        let mut updated = vec![(everything, "plan.updated".to_owned()), (plans_updated, "plan.updated".to_owned())];
        updated.sort();
        let mut expected = vec![(everything, "plan.created".to_owned())];
        expected.extend(updated);
        let mut received_updates = received[1..].to_vec();
        received_updates.sort();
        assert_eq!([&received[..1], &received_updates[..]].concat(), expected);
        // The same bytes for both endpoints.
        let deliveries = app.webhook_deliveries().await;
        assert_eq!(deliveries[1].payload, deliveries[2].payload);
    }

    async fn a_failed_write_sends_nothing_and_a_delivery_carries_its_events_revision(app) {
        app.insert_webhook_endpoint(HOOK, None).await;
        create_plan(&app, "startup", 1_000).await;
        let before = app.webhook_deliveries().await.len();
        let (status, _, _) = send_with_revision(&app, reqwest::Method::PUT, "/api/v1/plans/unknown", Some(&json!({"plan": {"name": "x"}}))).await;
        assert_eq!(status, 404);
        let (status, _, _) = send_with_revision(&app, reqwest::Method::POST, "/api/v1/plans", Some(&json!({"plan": {"code": "startup", "name": "dup", "interval": "monthly", "amount_cents": 1, "amount_currency": "USD"}}))).await;
        assert_eq!(status, 422);
        let (status, _, _) = send_with_revision(&app, reqwest::Method::PATCH, "/api/v1/subscriptions/unknown/entitlements", Some(&json!({"entitlements": {}}))).await;
        assert_eq!(status, 404);
        let (status, _, _) = send_with_revision(&app, reqwest::Method::POST, "/api/v1/plans/startup/entitlements", Some(&json!({"entitlements": {"unknown": {"max": 1}}}))).await;
        assert_eq!(status, 404);
        assert_eq!(deliveries_since(&app, before).await, []);

        // Two quick updates: two deliveries, each frozen at its own state and revision.
        let (status, _, first_revision) = send_with_revision(&app, reqwest::Method::PUT, "/api/v1/plans/startup", Some(&json!({"plan": {"name": "First"}}))).await;
        assert_eq!(status, 200);
        let (status, _, second_revision) = send_with_revision(&app, reqwest::Method::PUT, "/api/v1/plans/startup", Some(&json!({"plan": {"name": "Second"}}))).await;
        assert_eq!(status, 200);
        let updates = deliveries_since(&app, before).await;
        assert_eq!(types(&updates), ["plan.updated", "plan.updated"]);
        let revisions: Vec<Option<i64>> = updates.iter().map(|delivery| Some(delivery.revision)).collect();
        assert_eq!(revisions, [first_revision, second_revision]);
        let names: Vec<Value> = updates
            .iter()
            .map(|delivery| serde_json::from_str::<Value>(&delivery.payload).expect("json")["plan"]["name"].clone())
            .collect();
        assert_eq!(names, [json!("First"), json!("Second")]);
    }
}

clocked_backend_tests! { "2026-06-20T10:00:00Z";
    async fn the_sweeper_announces_time_driven_starts_and_terminations(app) {
        app.insert_webhook_endpoint(HOOK, None).await;
        create_plan(&app, "startup", 1_000).await;
        let pending = json!({"subscription": {"external_customer_id": "cust_1", "plan_code": "startup",
            "external_id": "sub_1", "subscription_at": "2026-06-22T00:00:00Z", "ending_at": "2026-06-25T00:00:00Z"}});
        ok(&app, reqwest::Method::POST, "/api/v1/subscriptions", Some(&pending)).await;
        let before = app.webhook_deliveries().await.len();
        app.clock.set("2026-06-22T00:00:00Z".parse().expect("an instant"));
        app.store.sweep_subscription_transitions().await.expect("a sweeper step");
        let customer = get(&app, "/api/v1/customers/cust_1", "customer").await;
        let started = get(&app, "/api/v1/subscriptions/sub_1", "subscription").await;
        app.clock.set("2026-06-25T00:00:00Z".parse().expect("an instant"));
        app.store.sweep_subscription_transitions().await.expect("a sweeper step");
        let terminated = get(&app, "/api/v1/subscriptions/sub_1?status=terminated", "subscription").await;
        assert_eq!(terminated["status"], "terminated");
        let deliveries = deliveries_since(&app, before).await;
        assert_eq!(types(&deliveries), ["subscription.started", "subscription.terminated"]);
        assert_eq!(
            deliveries[0].payload,
            envelope(&app, "subscription.started", subscription_object(&started, &customer, true)).await
        );
        let body: Value = serde_json::from_str(&deliveries[1].payload).expect("json");
        assert_eq!(
            (&body["subscription"]["status"], &body["subscription"]["terminated_at"]),
            (&json!("terminated"), &json!("2026-06-25T00:00:00Z"))
        );
    }
}
