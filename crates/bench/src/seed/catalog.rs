//! What is created through the REST API, as a client would: the features, the plans with their
//! entitlements, and the template subscriptions (with the override of those that have one).

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::seed::{
    FEATURES, PLANS, TEMPLATES, customer_external_id, feature_code, has_override, is_template, plan_code,
    plan_features, plan_of, subscription_external_id,
};

/// The privileges of every feature: one of each kind a check compares differently.
pub(crate) const PRIVILEGES: [(&str, &str); 3] =
    [("limit", "integer"), ("enabled", "boolean"), ("tier", "select")];
const TIERS: [&str; 3] = ["basic", "pro", "enterprise"];
/// An override's `limit`: no plan grants it, so it is always stored as an override.
const OVERRIDE_LIMIT: u64 = 1_000_000;

/// The body of `PATCH /subscriptions/{id}/entitlements` that overrides the `limit` of the first
/// feature of `plan`.
pub(crate) fn override_body(plan: u64, limit: u64) -> Value {
    let feature = plan_features(plan).next().unwrap_or_default();
    json!({"entitlements": {feature_code(feature): {"limit": limit}}})
}

/// Creates the catalog and the template subscriptions; answers how long it took.
///
/// # Errors
/// When a request fails or is refused.
pub(crate) async fn create_catalog_and_templates(
    http_address: SocketAddr,
    api_key: &str,
) -> Result<Duration, String> {
    let started = Instant::now();
    let api = Api { client: reqwest::Client::new(), base: format!("http://{http_address}/api/v1"), api_key };
    for feature in 0..FEATURES {
        let privileges: Vec<Value> = PRIVILEGES
            .iter()
            .map(|(code, value_type)| match *value_type {
                "select" => {
                    json!({"code": code, "value_type": value_type, "config": {"select_options": TIERS}})
                }
                _ => json!({"code": code, "value_type": value_type}),
            })
            .collect();
        let code = feature_code(feature);
        api.send(
            reqwest::Method::POST,
            "/features",
            json!({"feature": {"code": code, "name": code, "privileges": privileges}}),
        )
        .await?;
    }
    for plan in 0..PLANS {
        let code = plan_code(plan);
        let plan_body = json!({"plan": {
            "name": code, "code": code, "interval": "monthly", "amount_cents": 1_000 * (plan + 1),
            "amount_currency": "USD", "pay_in_advance": false
        }});
        api.send(reqwest::Method::POST, "/plans", plan_body).await?;
        let tier =
            TIERS.get(usize::try_from(plan).unwrap_or_default() % TIERS.len()).copied().unwrap_or("basic");
        let entitlements: serde_json::Map<String, Value> = (0_u64..)
            .zip(plan_features(plan))
            .map(|(offset, feature)| {
                let limit = 100 * (plan + 1) + offset;
                (feature_code(feature), json!({"limit": limit, "enabled": true, "tier": tier}))
            })
            .collect();
        api.send(
            reqwest::Method::POST,
            &format!("/plans/{code}/entitlements"),
            json!({"entitlements": entitlements}),
        )
        .await?;
    }
    for index in (0..TEMPLATES).filter(|index| is_template(*index)) {
        let subscription = json!({"subscription": {
            "external_customer_id": customer_external_id(index),
            "plan_code": plan_code(plan_of(index)),
            "external_id": subscription_external_id(index),
        }});
        api.send(reqwest::Method::POST, "/subscriptions", subscription).await?;
        if has_override(index) {
            let path = format!("/subscriptions/{}/entitlements", subscription_external_id(index));
            api.send(reqwest::Method::PATCH, &path, override_body(plan_of(index), OVERRIDE_LIMIT)).await?;
        }
    }
    Ok(started.elapsed())
}

/// The REST API, authenticated.
struct Api<'key> {
    client: reqwest::Client,
    base: String,
    api_key: &'key str,
}

impl Api<'_> {
    async fn send(&self, method: reqwest::Method, path: &str, body: Value) -> Result<(), String> {
        let response = self
            .client
            .request(method.clone(), format!("{}{path}", self.base))
            .bearer_auth(self.api_key)
            .json(&body)
            .send()
            .await
            .map_err(|error| format!("{method} {path}: {error}"))?;
        let status = response.status();
        if status.is_success() {
            return Ok(());
        }
        let text = response.text().await.unwrap_or_default();
        Err(format!("{method} {path} answered {status}: {text}"))
    }
}
