//! The delivery log over REST (our routes, not Lago's): an endpoint's deliveries with their
//! attempts, one delivery, the manual retry, and the refusal to retry one that succeeded.

use super::*;

async fn delivery_log_scenario(app: TestApp) {
    let id = create_endpoint(
        &app,
        json!({"webhook_url": "http://127.0.0.1:9/hook", "event_types": ["feature.created"]}),
    )
    .await;
    app.create_feature(json!({"code": "seats", "name": "Seats"})).await;
    // One attempt only: once the dispatcher made it (port 9 refuses), nothing touches the
    // delivery again until it is retried.
    settle(&app, &id).await;
    let log = app.get(&format!("{}/webhooks", path(&id))).await;
    assert_eq!(log.status, 200, "{}", log.body);
    assert_eq!(log.body["meta"], meta(1, None, None, 1, 1));
    let delivery = log.body["webhooks"][0].clone();
    let keys: Vec<&str> = delivery.as_object().expect("an object").keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        [
            "lago_id",
            "lago_webhook_endpoint_id",
            "webhook_type",
            "object_type",
            "revision",
            "status",
            "attempts",
            "last_http_status",
            "last_response",
            "last_attempt_at",
            "next_attempt_at",
            "created_at",
            "updated_at",
            "payload",
        ]
    );
    assert_eq!(
        (
            &delivery["lago_webhook_endpoint_id"],
            &delivery["webhook_type"],
            &delivery["object_type"],
            &delivery["last_http_status"]
        ),
        (&json!(id), &json!("feature.created"), &json!("feature"), &Value::Null)
    );
    assert!(matches!(delivery["status"].as_str(), Some("pending" | "retrying" | "failed")), "{delivery}");
    let payload: Value =
        serde_json::from_str(delivery["payload"].as_str().expect("a payload")).expect("JSON");
    assert_eq!(payload["webhook_type"], "feature.created");
    let delivery_id = delivery["lago_id"].as_str().expect("an id").to_owned();
    let one = app.get(&format!("/api/v1/webhooks/{delivery_id}")).await;
    assert_eq!((one.status, &one.body["webhook"]["lago_id"]), (200, &json!(delivery_id)));

    let retried = app.post(&format!("/api/v1/webhooks/{delivery_id}/retry"), &json!({})).await;
    assert_eq!(retried.status, 200, "{}", retried.body);
    assert!(retried.body["webhook"]["next_attempt_at"].is_string(), "{}", retried.body);

    // Filters.
    let succeeded = app.get(&format!("{}/webhooks?status=succeeded", path(&id))).await;
    assert_response(&succeeded, 200, &json!({"webhooks": [], "meta": meta(0, None, None, 0, 0)}));
    assert_invalid(
        &app.get(&format!("{}/webhooks?status=nope", path(&id))).await,
        json!({"status": ["value_is_invalid"]}),
    );

    // A delivery that succeeded is not retried.
    settle(&app, &id).await;
    app.store
        .record_webhook_attempt(entitlements_store::DeliveryAttempt {
            delivery_id: uuid::Uuid::parse_str(&delivery_id).expect("a UUID"),
            endpoint_id: uuid::Uuid::parse_str(&id).expect("a UUID"),
            leased_until: None,
            step: entitlements_domain::webhook::delivery::NextStep::Succeeded,
            http_status: Some(200),
            response: "ok".to_owned(),
            attempted_at: chrono::Utc::now(),
        })
        .await
        .expect("record a success");
    assert_response(
        &app.post(&format!("/api/v1/webhooks/{delivery_id}/retry"), &json!({})).await,
        405,
        &json!({"status": 405, "error": "Method Not Allowed", "code": "is_succeeded"}),
    );
    let log = app.get(&format!("{}/webhooks?status=succeeded", path(&id))).await;
    assert_eq!(
        (&log.body["webhooks"][0]["last_http_status"], &log.body["webhooks"][0]["last_response"]),
        (&json!(200), &json!("ok"))
    );

    for unknown in ["0190a0a0-0000-7000-8000-000000000000", "nope"] {
        assert_response(
            &app.get(&format!("/api/v1/webhooks/{unknown}")).await,
            404,
            &not_found("webhook_not_found"),
        );
        assert_response(
            &app.post(&format!("/api/v1/webhooks/{unknown}/retry"), &json!({})).await,
            404,
            &not_found("webhook_not_found"),
        );
        assert_response(
            &app.get(&format!("{}/webhooks", path(unknown))).await,
            404,
            &not_found("webhook_endpoint_not_found"),
        );
    }
    let other =
        app.send_as(Some(OTHER_API_KEY), Method::GET, &format!("/api/v1/webhooks/{delivery_id}"), None).await;
    assert_response(&other, 404, &not_found("webhook_not_found"));

    // Deleting the endpoint deletes its log.
    app.delete(&path(&id)).await;
    assert_response(
        &app.get(&format!("/api/v1/webhooks/{delivery_id}")).await,
        404,
        &not_found("webhook_not_found"),
    );
}

/// Waits (a few seconds at most) until the endpoint's deliveries are not due any more: the
/// dispatcher made their attempt. Without a dispatcher they stay due, which the scenario accepts.
async fn settle(app: &TestApp, endpoint_id: &str) {
    for _ in 0..200 {
        let log = app.get(&format!("{}/webhooks", path(endpoint_id))).await;
        let deliveries = log.body["webhooks"].as_array().cloned().unwrap_or_default();
        if deliveries.iter().all(|delivery| delivery["next_attempt_at"].is_null()) {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("the deliveries of {endpoint_id} stayed due");
}

/// The delivery log over REST, on a server whose deliveries get one attempt.
async fn delivery_log(backend: Backend) {
    let Some(app) = spawn_app_with(backend, |config| config.args.webhooks.webhook_max_attempts = 1).await
    else {
        return;
    };
    delivery_log_scenario(app).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delivery_log_on_sqlite() {
    delivery_log(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delivery_log_on_postgres() {
    delivery_log(Backend::Postgres).await;
}
