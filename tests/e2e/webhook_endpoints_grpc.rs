//! WebhookService over gRPC, on SQLite and PostgreSQL: endpoints with their update masks, the
//! errors with their proto field paths, the keys, and the delivery log with its retry.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use entitlements::v1 as pb;
use entitlements::v1::webhook_service_client::WebhookServiceClient;
use tonic::Code;
use tonic::transport::Channel;

use crate::support::conformance::{
    assert_error_info, assert_missing, assert_missing_param, assert_unauthenticated, assert_violations,
};
use crate::support::{Backend, TestApp, authorized, backend_tests, field_mask, spawn_app_with};

async fn webhooks(app: &TestApp) -> WebhookServiceClient<Channel> {
    WebhookServiceClient::new(app.grpc_channel().await)
}

fn create_request(url: &str) -> pb::CreateWebhookEndpointRequest {
    pb::CreateWebhookEndpointRequest {
        webhook_endpoint: Some(pb::WebhookEndpointCreateInput {
            webhook_url: url.to_owned(),
            ..pb::WebhookEndpointCreateInput::default()
        }),
    }
}

async fn create(
    client: &mut WebhookServiceClient<Channel>,
    request: pb::CreateWebhookEndpointRequest,
) -> pb::WebhookEndpoint {
    client
        .create_webhook_endpoint(authorized(request))
        .await
        .expect("create an endpoint")
        .into_inner()
        .webhook_endpoint
        .expect("an endpoint")
}

fn names(names: &[&str]) -> Option<pb::WebhookEventTypes> {
    Some(pb::WebhookEventTypes { names: names.iter().map(|name| (*name).to_owned()).collect() })
}

backend_tests! {
    async fn endpoints_round_trip_with_their_secret(app) {
        let mut client = webhooks(&app).await;
        let organization_id = app.organization_id().await.to_string();
        let created = create(
            &mut client,
            pb::CreateWebhookEndpointRequest {
                webhook_endpoint: Some(pb::WebhookEndpointCreateInput {
                    webhook_url: "https://example.com/lago".to_owned(),
                    signature_algo: pb::WebhookSignatureAlgorithm::Hmac.into(),
                    name: Some("prod".to_owned()),
                    event_types: names(&[" Plan.Updated", "plan.updated", "feature.created"]),
                }),
            },
        )
        .await;
        assert_eq!(created.organization_id, organization_id);
        assert_eq!(created.signature_algo(), pb::WebhookSignatureAlgorithm::Hmac);
        assert_eq!(created.event_types, names(&["plan.updated", "feature.created"]));
        assert!(created.signing_secret.starts_with("whsec_"), "{}", created.signing_secret);
        assert_eq!((created.disabled_at, created.created_at.is_some()), (None, true));
        assert_eq!(created.created_at, created.updated_at);

        let got = client
            .get_webhook_endpoint(authorized(pb::GetWebhookEndpointRequest { id: created.id.clone() }))
            .await
            .expect("get")
            .into_inner()
            .webhook_endpoint;
        assert_eq!(got.as_ref(), Some(&created));
        let listed = client
            .list_webhook_endpoints(authorized(pb::ListWebhookEndpointsRequest { page: 0, per_page: 0 }))
            .await
            .expect("list")
            .into_inner();
        assert_eq!(listed.webhook_endpoints, std::slice::from_ref(&created));
        assert_eq!(listed.meta.map(|meta| meta.total_count), Some(1));

        // A mask writes exactly its paths: the name cleared, every event, the algorithm kept.
        let updated = client
            .update_webhook_endpoint(authorized(pb::UpdateWebhookEndpointRequest {
                id: created.id.clone(),
                webhook_endpoint: Some(pb::WebhookEndpointUpdateInput {
                    webhook_url: Some("https://ignored.example".to_owned()),
                    ..pb::WebhookEndpointUpdateInput::default()
                }),
                update_mask: field_mask(&["name", "event_types"]),
            }))
            .await
            .expect("update")
            .into_inner()
            .webhook_endpoint
            .expect("an endpoint");
        assert_eq!(
            (updated.name.as_deref(), updated.event_types.as_ref(), updated.webhook_url.as_str(), updated.signature_algo()),
            (None, None, "https://example.com/lago", pb::WebhookSignatureAlgorithm::Hmac)
        );
        assert_eq!(updated.signing_secret, created.signing_secret);

        let deleted = client
            .delete_webhook_endpoint(authorized(pb::DeleteWebhookEndpointRequest { id: created.id.clone() }))
            .await
            .expect("delete")
            .into_inner()
            .webhook_endpoint;
        assert_eq!(deleted.as_ref(), Some(&updated));
        let gone = client.get_webhook_endpoint(authorized(pb::GetWebhookEndpointRequest { id: created.id.clone() })).await;
        assert_missing(gone, "webhook_endpoint", &created.id);
    }

    async fn errors_name_their_proto_fields(app) {
        let mut client = webhooks(&app).await;
        let missing = client.create_webhook_endpoint(authorized(pb::CreateWebhookEndpointRequest { webhook_endpoint: None })).await;
        assert_missing_param(missing, "webhook_endpoint");
        let invalid = client
            .create_webhook_endpoint(authorized(pb::CreateWebhookEndpointRequest {
                webhook_endpoint: Some(pb::WebhookEndpointCreateInput {
                    webhook_url: String::new(),
                    signature_algo: 7,
                    name: None,
                    event_types: names(&["wrong.type"]),
                }),
            }))
            .await;
        assert_violations(
            invalid,
            &[
                ("webhook_endpoint.webhook_url", "value_is_mandatory"),
                ("webhook_endpoint.webhook_url", "url_is_invalid"),
                ("webhook_endpoint.event_types", "contains invalid types: [\"wrong.type\"]"),
                ("webhook_endpoint.signature_algo", "value_is_invalid"),
            ],
        );
        let created = create(&mut client, create_request("https://x.example")).await;
        let taken = client.create_webhook_endpoint(authorized(create_request("https://x.example"))).await;
        assert_violations(taken, &[("webhook_endpoint.webhook_url", "value_already_exist")]);

        let unknown_path = client
            .update_webhook_endpoint(authorized(pb::UpdateWebhookEndpointRequest {
                id: created.id.clone(),
                webhook_endpoint: Some(pb::WebhookEndpointUpdateInput::default()),
                update_mask: field_mask(&["secret"]),
            }))
            .await;
        assert_violations(unknown_path, &[("update_mask", "unknown_field")]);
        let null_algorithm = client
            .update_webhook_endpoint(authorized(pb::UpdateWebhookEndpointRequest {
                id: created.id.clone(),
                webhook_endpoint: Some(pb::WebhookEndpointUpdateInput::default()),
                update_mask: field_mask(&["signature_algo"]),
            }))
            .await;
        assert_violations(null_algorithm, &[("webhook_endpoint.signature_algo", "value_is_invalid")]);
        let no_body = client
            .update_webhook_endpoint(authorized(pb::UpdateWebhookEndpointRequest {
                id: "not-a-uuid".to_owned(),
                webhook_endpoint: None,
                update_mask: None,
            }))
            .await;
        assert_missing_param(no_body, "webhook_endpoint");
        let malformed = client.get_webhook_endpoint(authorized(pb::GetWebhookEndpointRequest { id: "not-a-uuid".to_owned() })).await;
        assert_missing(malformed, "webhook_endpoint", "not-a-uuid");
        let too_many = client.list_webhook_endpoints(authorized(pb::ListWebhookEndpointsRequest { page: 1, per_page: 1001 })).await;
        assert_violations(too_many, &[("per_page", "value_is_out_of_range")]);
        let unauthenticated = client.list_webhook_endpoints(pb::ListWebhookEndpointsRequest::default()).await;
        assert_unauthenticated(unauthenticated);

        for index in 1..10 {
            create(&mut client, create_request(&format!("https://e{index}.example"))).await;
        }
        let eleventh = client.create_webhook_endpoint(authorized(create_request("https://e10.example"))).await;
        assert_violations(eleventh, &[("webhook_endpoint.base", "Maximum number of webhook endpoints was reached")]);
    }

    async fn keys_are_served_and_the_hmac_key_rotates(app) {
        let mut client = webhooks(&app).await;
        let key = client
            .get_webhook_public_key(authorized(pb::GetWebhookPublicKeyRequest {}))
            .await
            .expect("the public key")
            .into_inner();
        assert!(key.public_key_pem.starts_with("-----BEGIN PUBLIC KEY-----"), "{}", key.public_key_pem);
        let decoded = STANDARD.decode(key.public_key_base64.replace('\n', "")).expect("base64");
        assert_eq!(String::from_utf8(decoded).expect("utf-8"), key.public_key_pem);

        let hmac = client.get_webhook_hmac_key(authorized(pb::GetWebhookHmacKeyRequest {})).await.expect("hmac").into_inner();
        let rotated =
            client.rotate_webhook_hmac_key(authorized(pb::RotateWebhookHmacKeyRequest {})).await.expect("rotate").into_inner();
        assert_ne!(hmac.hmac_key, rotated.hmac_key);
        let again = client.get_webhook_hmac_key(authorized(pb::GetWebhookHmacKeyRequest {})).await.expect("hmac").into_inner();
        assert_eq!(again.hmac_key, rotated.hmac_key);
        assert_eq!(app.store.webhook_hmac_key(app.organization_id().await).await.expect("stored"), rotated.hmac_key);
    }
}

/// The delivery log over gRPC, on a server whose deliveries get one attempt.
async fn delivery_log(backend: Backend) {
    let Some(app) = spawn_app_with(backend, |config| config.args.webhooks.webhook_max_attempts = 1).await
    else {
        return;
    };
    let mut client = webhooks(&app).await;
    let endpoint = create(&mut client, create_request("http://127.0.0.1:9/hook")).await;
    app.create_feature(serde_json::json!({"code": "seats", "name": "Seats"})).await;
    let list = |status: pb::WebhookDeliveryStatus| pb::ListWebhookDeliveriesRequest {
        webhook_endpoint_id: endpoint.id.clone(),
        status: status.into(),
        page: 0,
        per_page: 0,
    };
    let deliveries = client
        .list_webhook_deliveries(authorized(list(pb::WebhookDeliveryStatus::Unspecified)))
        .await
        .expect("the delivery log")
        .into_inner();
    assert_eq!(deliveries.meta.map(|meta| meta.total_count), Some(1));
    let delivery = deliveries.webhook_deliveries.into_iter().next().expect("a delivery");
    assert_eq!(
        (
            delivery.webhook_endpoint_id.as_str(),
            delivery.webhook_type.as_str(),
            delivery.object_type.as_str(),
            delivery.last_http_status
        ),
        (endpoint.id.as_str(), "feature.created", "feature", None)
    );
    assert!(delivery.revision > 0 && delivery.payload.contains("\"feature.created\""), "{delivery:?}");
    let got = client
        .get_webhook_delivery(authorized(pb::GetWebhookDeliveryRequest { id: delivery.id.clone() }))
        .await
        .expect("one delivery")
        .into_inner()
        .webhook_delivery
        .expect("a delivery");
    assert_eq!((got.id.as_str(), got.payload.as_str()), (delivery.id.as_str(), delivery.payload.as_str()));
    let retried = client
        .retry_webhook_delivery(authorized(pb::RetryWebhookDeliveryRequest { id: delivery.id.clone() }))
        .await
        .expect("a retry")
        .into_inner()
        .webhook_delivery
        .expect("a delivery");
    assert!(retried.next_attempt_at.is_some(), "{retried:?}");

    let none_succeeded = client
        .list_webhook_deliveries(authorized(list(pb::WebhookDeliveryStatus::Succeeded)))
        .await
        .expect("a filtered log")
        .into_inner();
    assert!(none_succeeded.webhook_deliveries.is_empty());
    let mut bad_status = list(pb::WebhookDeliveryStatus::Unspecified);
    bad_status.status = 42;
    assert_violations(
        client.list_webhook_deliveries(authorized(bad_status)).await,
        &[("status", "value_is_invalid")],
    );
    let unknown = client
        .get_webhook_delivery(authorized(pb::GetWebhookDeliveryRequest { id: "nope".to_owned() }))
        .await;
    assert_missing(unknown, "webhook", "nope");
    let unknown_endpoint = client
        .list_webhook_deliveries(authorized(pb::ListWebhookDeliveriesRequest {
            webhook_endpoint_id: "0190a0a0-0000-7000-8000-000000000000".to_owned(),
            ..pb::ListWebhookDeliveriesRequest::default()
        }))
        .await;
    assert_missing(unknown_endpoint, "webhook_endpoint", "0190a0a0-0000-7000-8000-000000000000");

    // Once the delivery succeeded, a retry is refused.
    wait_until_not_due(&mut client, &endpoint.id).await;
    app.store
        .record_webhook_attempt(entitlements_store::DeliveryAttempt {
            delivery_id: uuid::Uuid::parse_str(&delivery.id).expect("a UUID"),
            endpoint_id: uuid::Uuid::parse_str(&endpoint.id).expect("a UUID"),
            leased_until: None,
            step: entitlements_domain::webhook::delivery::NextStep::Succeeded,
            http_status: Some(204),
            response: String::new(),
            attempted_at: chrono::Utc::now(),
        })
        .await
        .expect("record a success");
    let refused = client
        .retry_webhook_delivery(authorized(pb::RetryWebhookDeliveryRequest { id: delivery.id.clone() }))
        .await;
    assert_error_info(
        &refused.expect_err("FAILED_PRECONDITION expected"),
        Code::FailedPrecondition,
        "is_succeeded",
    );
    app.stop().await;
}

/// Waits (a few seconds at most) until the endpoint's deliveries are not due any more.
async fn wait_until_not_due(client: &mut WebhookServiceClient<Channel>, endpoint_id: &str) {
    for _ in 0..200 {
        let request = pb::ListWebhookDeliveriesRequest {
            webhook_endpoint_id: endpoint_id.to_owned(),
            ..Default::default()
        };
        let log = client.list_webhook_deliveries(authorized(request)).await.expect("the log").into_inner();
        if log.webhook_deliveries.iter().all(|delivery| delivery.next_attempt_at.is_none()) {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("the deliveries of {endpoint_id} stayed due");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delivery_log_on_sqlite() {
    delivery_log(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delivery_log_on_postgres() {
    delivery_log(Backend::Postgres).await;
}

/// A server that refuses private networks answers the refusal on the URL's proto path.
async fn private_network_refusal(backend: Backend) {
    let Some(app) =
        spawn_app_with(backend, |config| config.args.webhooks.webhook_allow_private_networks = false).await
    else {
        return;
    };
    let mut client = webhooks(&app).await;
    let refused = client.create_webhook_endpoint(authorized(create_request("http://localhost:9/hook"))).await;
    assert_violations(refused, &[("webhook_endpoint.webhook_url", "url_resolves_to_private_network")]);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn private_network_refusal_on_sqlite() {
    private_network_refusal(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn private_network_refusal_on_postgres() {
    private_network_refusal(Backend::Postgres).await;
}
