//! Lago conformance for `/api/v1/webhook_endpoints` and the public key routes (the reference's
//! §1), with exact bodies, on SQLite and PostgreSQL; plus our routes: the delivery log, the retry
//! of a delivery, an endpoint's signing secret and the organization's HMAC key.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use reqwest::Method;
use rsa::pkcs8::DecodePublicKey as _;
use serde_json::{Value, json};

use crate::support::conformance::{
    assert_response, created_at, lago_id, meta, missing_param, validation_errors,
};
use crate::support::{
    Backend, HttpResponse, OTHER_API_KEY, TestApp, backend_tests, not_found, spawn_app_with, unauthorized,
};

mod delivery_log;

const ENDPOINTS: &str = "/api/v1/webhook_endpoints";

async fn post_endpoint(app: &TestApp, endpoint: Value) -> HttpResponse {
    app.post(ENDPOINTS, &json!({ "webhook_endpoint": endpoint })).await
}

/// The endpoint object as Lago renders it, from the identifiers the server chose.
fn endpoint_json(
    answered: &Value,
    organization_id: &str,
    url: &str,
    algo: &str,
    name: Value,
    event_types: Value,
) -> Value {
    json!({
        "webhook_endpoint": {
            "lago_id": lago_id(answered),
            "lago_organization_id": organization_id,
            "webhook_url": url,
            "signature_algo": algo,
            "name": name,
            "event_types": event_types,
            "created_at": created_at(answered),
        }
    })
}

/// Creates an endpoint and asserts it was created; returns its `lago_id`.
async fn create_endpoint(app: &TestApp, endpoint: Value) -> String {
    let response = post_endpoint(app, endpoint).await;
    assert_eq!(response.status, 200, "create endpoint: {}", response.body);
    response.body["webhook_endpoint"]["lago_id"].as_str().expect("a lago_id").to_owned()
}

fn path(id: &str) -> String {
    format!("{ENDPOINTS}/{id}")
}

#[track_caller]
fn assert_invalid(response: &HttpResponse, details: Value) {
    assert_response(response, 422, &validation_errors(details));
}

backend_tests! {
    async fn create_get_list_and_delete_with_lago_defaults(app) {
        let organization_id = app.organization_id().await.to_string();
        let response = post_endpoint(&app, json!({"webhook_url": "https://example.com/lago", "id": "ignored", "foo": 1})).await;
        let expected = endpoint_json(
            &response.body["webhook_endpoint"], &organization_id, "https://example.com/lago", "jwt", Value::Null, Value::Null,
        );
        assert_response(&response, 200, &expected);
        let id = expected["webhook_endpoint"]["lago_id"].as_str().expect("an id").to_owned();
        assert_response(&app.get(&path(&id)).await, 200, &expected);
        let listed = app.get(ENDPOINTS).await;
        assert_response(
            &listed,
            200,
            &json!({"webhook_endpoints": [expected["webhook_endpoint"]], "meta": meta(1, None, None, 1, 1)}),
        );
        assert_response(&app.delete(&path(&id)).await, 200, &expected);
        assert_response(&app.get(&path(&id)).await, 404, &not_found("webhook_endpoint_not_found"));
        assert_response(&app.delete(&path(&id)).await, 404, &not_found("webhook_endpoint_not_found"));
        assert_response(
            &app.get(ENDPOINTS).await,
            200,
            &json!({"webhook_endpoints": [], "meta": meta(0, None, None, 0, 0)}),
        );
        // Writes to endpoints are not change events (Lago sends no webhook for them).
        assert!(app.change_event_codes().await.is_empty());
    }

    async fn event_types_are_normalized_and_every_field_echoed(app) {
        let organization_id = app.organization_id().await.to_string();
        let response = post_endpoint(&app, json!({
            "webhook_url": "http://a.example/hook",
            "signature_algo": "hmac",
            "name": "EC2-production",
            "event_types": [" Customer.Created ", "invoice.drafted ", " Invoice.DRAFTED", null, "  ", ""],
        }))
        .await;
        let expected = endpoint_json(
            &response.body["webhook_endpoint"],
            &organization_id,
            "http://a.example/hook",
            "hmac",
            json!("EC2-production"),
            json!(["customer.created", "invoice.drafted"]),
        );
        assert_response(&response, 200, &expected);
        let star = post_endpoint(&app, json!({"webhook_url": "http://b.example", "event_types": ["*"]})).await;
        assert_eq!(star.body["webhook_endpoint"]["event_types"], Value::Null);
        let none = post_endpoint(&app, json!({"webhook_url": "http://c.example", "event_types": []})).await;
        assert_eq!(none.body["webhook_endpoint"]["event_types"], json!([]));
        let explicit_null =
            post_endpoint(&app, json!({"webhook_url": "http://d.example", "event_types": null, "signature_algo": null})).await;
        assert_eq!(
            (&explicit_null.body["webhook_endpoint"]["event_types"], &explicit_null.body["webhook_endpoint"]["signature_algo"]),
            (&Value::Null, &json!("jwt"))
        );
    }

    async fn create_validations_give_lago_codes(app) {
        assert_invalid(
            &post_endpoint(&app, json!({"name": "no url"})).await,
            json!({"webhook_url": ["value_is_mandatory", "url_is_invalid"]}),
        );
        assert_invalid(
            &post_endpoint(&app, json!({"webhook_url": null})).await,
            json!({"webhook_url": ["value_is_mandatory", "url_is_invalid"]}),
        );
        for url in ["ftp://example.com", " https://example.com", "https://example.com ", "example.com", "http://", "https://ex ample.com"] {
            assert_invalid(&post_endpoint(&app, json!({"webhook_url": url})).await, json!({"webhook_url": ["url_is_invalid"]}));
        }
        assert_invalid(&post_endpoint(&app, json!({"webhook_url": 5})).await, json!({"webhook_url": ["url_is_invalid"]}));
        for algo in [json!("JWT"), json!(""), json!(5), json!(["jwt"])] {
            assert_invalid(
                &post_endpoint(&app, json!({"webhook_url": "https://x.example", "signature_algo": algo})).await,
                json!({"signature_algo": ["value_is_invalid"]}),
            );
        }
        for not_an_array in [json!("wrong"), json!(5), json!({"a": 1}), json!(true)] {
            assert_invalid(
                &post_endpoint(&app, json!({"webhook_url": "https://x.example", "event_types": not_an_array})).await,
                json!({"event_types": ["must_be_array"]}),
            );
        }
        for bad_elements in [json!([1]), json!(["plan.updated", {"a": 1}]), json!([["plan.updated"]])] {
            assert_invalid(
                &post_endpoint(&app, json!({"webhook_url": "https://x.example", "event_types": bad_elements})).await,
                json!({"event_types": ["value_is_invalid"]}),
            );
        }
        assert_invalid(
            &post_endpoint(&app, json!({
                "webhook_url": "https://x.example",
                "event_types": ["wrong.type", "*", "Customer.Created", "invoice.add_on_added"],
            }))
            .await,
            json!({"event_types": ["contains invalid types: [\"wrong.type\", \"*\", \"invoice.add_on_added\"]"]}),
        );
        create_endpoint(&app, json!({"webhook_url": "https://x.example"})).await;
        assert_invalid(
            &post_endpoint(&app, json!({"webhook_url": "https://x.example", "signature_algo": "JWT", "event_types": ["nope"]})).await,
            json!({
                "webhook_url": ["value_already_exist"],
                "event_types": ["contains invalid types: [\"nope\"]"],
                "signature_algo": ["value_is_invalid"],
            }),
        );
        // Exact strings: a trailing slash is another URL.
        create_endpoint(&app, json!({"webhook_url": "https://x.example/"})).await;
        // Nothing else was created.
        assert_eq!(app.get(ENDPOINTS).await.body["meta"]["total_count"], 2);
    }

    async fn missing_roots_are_bad_requests(app) {
        let id = create_endpoint(&app, json!({"webhook_url": "https://x.example"})).await;
        for body in [json!({}), json!({"webhook_endpoint": {}}), json!({"webhook_endpoint": null}), json!({"webhook_endpoint": "x"})] {
            assert_response(&app.post(ENDPOINTS, &body).await, 400, &missing_param("webhook_endpoint"));
            assert_response(&app.put(&path(&id), &body).await, 400, &missing_param("webhook_endpoint"));
            assert_response(&app.patch(&path(&id), &body).await, 400, &missing_param("webhook_endpoint"));
        }
        let not_json = app.send_raw(Method::POST, ENDPOINTS, "application/json", "{").await;
        assert_eq!(not_json.status, 400, "{}", not_json.body);
    }

    async fn updates_write_only_the_given_keys(app) {
        let organization_id = app.organization_id().await.to_string();
        let id = create_endpoint(
            &app,
            json!({"webhook_url": "https://x.example", "signature_algo": "hmac", "name": "n", "event_types": ["plan.updated"]}),
        )
        .await;
        let response = app.put(&path(&id), &json!({"webhook_endpoint": {"webhook_url": "https://y.example", "id": "x"}})).await;
        let expected = endpoint_json(
            &response.body["webhook_endpoint"], &organization_id, "https://y.example", "hmac", json!("n"), json!(["plan.updated"]),
        );
        assert_response(&response, 200, &expected);
        let response = app
            .patch(&path(&id), &json!({"webhook_endpoint": {"event_types": null, "name": null, "signature_algo": "jwt"}}))
            .await;
        let expected =
            endpoint_json(&response.body["webhook_endpoint"], &organization_id, "https://y.example", "jwt", Value::Null, Value::Null);
        assert_response(&response, 200, &expected);
        let star = app.patch(&path(&id), &json!({"webhook_endpoint": {"event_types": ["*"]}})).await;
        assert_eq!(star.body["webhook_endpoint"]["event_types"], Value::Null);
        let none = app.patch(&path(&id), &json!({"webhook_endpoint": {"event_types": []}})).await;
        assert_eq!(none.body["webhook_endpoint"]["event_types"], json!([]));
        // Only unknown keys: nothing changes.
        let unchanged = app.patch(&path(&id), &json!({"webhook_endpoint": {"foo": 1}})).await;
        assert_eq!((unchanged.status, &unchanged.body["webhook_endpoint"]["webhook_url"]), (200, &json!("https://y.example")));

        assert_invalid(
            &app.put(&path(&id), &json!({"webhook_endpoint": {"signature_algo": null}})).await,
            json!({"signature_algo": ["value_is_invalid"]}),
        );
        assert_invalid(
            &app.put(&path(&id), &json!({"webhook_endpoint": {"webhook_url": null}})).await,
            json!({"webhook_url": ["value_is_mandatory", "url_is_invalid"]}),
        );
        assert_invalid(
            &app.put(&path(&id), &json!({"webhook_endpoint": {"event_types": "wrong"}})).await,
            json!({"event_types": ["must_be_array"]}),
        );
        create_endpoint(&app, json!({"webhook_url": "https://z.example"})).await;
        assert_invalid(
            &app.put(&path(&id), &json!({"webhook_endpoint": {"webhook_url": "https://z.example"}})).await,
            json!({"webhook_url": ["value_already_exist"]}),
        );
        // Its own URL is not taken.
        let same = app.put(&path(&id), &json!({"webhook_endpoint": {"webhook_url": "https://y.example"}})).await;
        assert_eq!(same.status, 200, "{}", same.body);

        for unknown in ["0190a0a0-0000-7000-8000-000000000000", "not-a-uuid"] {
            let body = json!({"webhook_endpoint": {"name": "x"}});
            assert_response(&app.put(&path(unknown), &body).await, 404, &not_found("webhook_endpoint_not_found"));
            assert_response(&app.get(&path(unknown)).await, 404, &not_found("webhook_endpoint_not_found"));
            assert_response(&app.delete(&path(unknown)).await, 404, &not_found("webhook_endpoint_not_found"));
            // A malformed event_types waits for the lookup's 404.
            let malformed = json!({"webhook_endpoint": {"event_types": 5}});
            assert_response(&app.put(&path(unknown), &malformed).await, 404, &not_found("webhook_endpoint_not_found"));
        }
    }

    async fn lists_are_ordered_by_url_and_paginated(app) {
        for url in ["https://b.example", "https://a.example", "https://C.example"] {
            create_endpoint(&app, json!({"webhook_url": url})).await;
        }
        let urls = |response: &HttpResponse| -> Vec<String> {
            response.body["webhook_endpoints"]
                .as_array()
                .expect("a list")
                .iter()
                .map(|endpoint| endpoint["webhook_url"].as_str().expect("a url").to_owned())
                .collect()
        };
        let all = app.get(ENDPOINTS).await;
        assert_eq!(urls(&all), ["https://C.example", "https://a.example", "https://b.example"]);
        assert_eq!(all.body["meta"], meta(1, None, None, 1, 3));
        let second = app.get(&format!("{ENDPOINTS}?page=2&per_page=2")).await;
        assert_eq!(urls(&second), ["https://b.example"]);
        assert_eq!(second.body["meta"], meta(2, None, Some(1), 2, 3));
        let zero = app.get(&format!("{ENDPOINTS}?per_page=0")).await;
        assert_eq!(zero.status, 400, "{}", zero.body);
    }

    async fn an_organization_has_at_most_ten_endpoints(app) {
        for index in 0..10 {
            create_endpoint(&app, json!({"webhook_url": format!("https://e{index}.example")})).await;
        }
        assert_invalid(
            &post_endpoint(&app, json!({"webhook_url": "https://e10.example"})).await,
            json!({"base": ["Maximum number of webhook endpoints was reached"]}),
        );
        assert_invalid(
            &post_endpoint(&app, json!({"webhook_url": "https://e0.example"})).await,
            json!({"webhook_url": ["value_already_exist"], "base": ["Maximum number of webhook endpoints was reached"]}),
        );
        // The other organization has its own ten.
        let other = app
            .send_as(Some(OTHER_API_KEY), Method::POST, ENDPOINTS, Some(&json!({"webhook_endpoint": {"webhook_url": "https://e0.example"}})))
            .await;
        assert_eq!(other.status, 200, "{}", other.body);
    }

    async fn endpoints_are_private_to_their_organization(app) {
        let id = create_endpoint(&app, json!({"webhook_url": "https://x.example"})).await;
        let other = app.send_as(Some(OTHER_API_KEY), Method::GET, &path(&id), None).await;
        assert_response(&other, 404, &not_found("webhook_endpoint_not_found"));
        let other_list = app.send_as(Some(OTHER_API_KEY), Method::GET, ENDPOINTS, None).await;
        assert_eq!(other_list.body["meta"]["total_count"], 0);
        for (method, route) in [
            (Method::GET, ENDPOINTS.to_owned()),
            (Method::POST, ENDPOINTS.to_owned()),
            (Method::GET, path(&id)),
            (Method::DELETE, path(&id)),
            (Method::GET, "/api/v1/webhooks/public_key".to_owned()),
            (Method::GET, "/api/v1/webhooks/json_public_key".to_owned()),
            (Method::GET, "/api/v1/webhooks/hmac_key".to_owned()),
            (Method::GET, format!("{}/webhooks", path(&id))),
        ] {
            let response = app.send_as(None, method, &route, Some(&json!({"webhook_endpoint": {"webhook_url": "https://y.example"}}))).await;
            assert_response(&response, 401, &unauthorized());
        }
    }

    async fn concurrent_creates_of_one_url_make_one_endpoint(app) {
        let app = std::sync::Arc::new(app);
        let creates = (0..10).map(|_| {
            let app = std::sync::Arc::clone(&app);
            tokio::spawn(async move { post_endpoint(&app, json!({"webhook_url": "https://same.example"})).await })
        });
        let responses = futures_util::future::join_all(creates).await;
        let mut statuses: Vec<u16> = Vec::new();
        for response in responses {
            let response = response.expect("the request task");
            if response.status == 422 {
                assert_invalid(&response, json!({"webhook_url": ["value_already_exist"]}));
            }
            statuses.push(response.status);
        }
        statuses.sort_unstable();
        assert_eq!(statuses, [200, 422, 422, 422, 422, 422, 422, 422, 422, 422]);
        assert_eq!(app.get(ENDPOINTS).await.body["meta"]["total_count"], 1);
    }

    async fn concurrent_creates_respect_the_limit(app) {
        let app = std::sync::Arc::new(app);
        let creates = (0..15).map(|index| {
            let app = std::sync::Arc::clone(&app);
            tokio::spawn(async move { post_endpoint(&app, json!({"webhook_url": format!("https://c{index}.example")})).await })
        });
        let responses = futures_util::future::join_all(creates).await;
        let mut created = 0;
        for response in responses {
            let response = response.expect("the request task");
            match response.status {
                200 => created += 1,
                _ => assert_invalid(&response, json!({"base": ["Maximum number of webhook endpoints was reached"]})),
            }
        }
        assert_eq!(created, 10);
        assert_eq!(app.get(ENDPOINTS).await.body["meta"]["total_count"], 10);
    }

    async fn the_public_key_is_lagos_base64_pem_and_shared_by_replicas(app) {
        let text = app.http_get_text("/api/v1/webhooks/public_key").await;
        assert_eq!((text.0, text.1.as_str()), (200, "text/plain; charset=utf-8"));
        let encoded = text.2;
        // MIME Base64: a newline every 60 characters and one at the end.
        assert!(encoded.ends_with('\n') && encoded.lines().all(|line| line.len() <= 60), "{encoded:?}");
        let pem = String::from_utf8(STANDARD.decode(encoded.replace('\n', "")).expect("base64")).expect("utf-8");
        assert!(pem.starts_with("-----BEGIN PUBLIC KEY-----\n") && pem.ends_with("-----END PUBLIC KEY-----\n"), "{pem}");
        rsa::RsaPublicKey::from_public_key_pem(&pem).expect("an RSA public key");
        assert_response(&app.get("/api/v1/webhooks/json_public_key").await, 200, &json!({"webhook": {"public_key": encoded}}));
        // The other organization, and another server on the same database, answer the same key.
        let other = app.send_as(Some(OTHER_API_KEY), Method::GET, "/api/v1/webhooks/json_public_key", None).await;
        assert_eq!(other.body["webhook"]["public_key"], json!(encoded));
        let replica = app.spawn_replica(|_| {}).await;
        assert_eq!(replica.get("/api/v1/webhooks/json_public_key").await.body["webhook"]["public_key"], json!(encoded));
        replica.stop().await;
    }

    async fn hmac_keys_and_signing_secrets_are_readable_and_the_hmac_key_rotates(app) {
        let first = app.get("/api/v1/webhooks/hmac_key").await;
        let key = first.body["webhook"]["hmac_key"].as_str().expect("a key").to_owned();
        assert!(uuid::Uuid::parse_str(&key).is_ok(), "a UUID string, as Lago's: {key}");
        assert_response(&app.get("/api/v1/webhooks/hmac_key").await, 200, &json!({"webhook": {"hmac_key": key}}));
        let rotated = app.post("/api/v1/webhooks/hmac_key/rotate", &json!({})).await;
        let new_key = rotated.body["webhook"]["hmac_key"].as_str().expect("a key").to_owned();
        assert_ne!(new_key, key);
        assert_response(&app.get("/api/v1/webhooks/hmac_key").await, 200, &json!({"webhook": {"hmac_key": new_key}}));
        let other = app.send_as(Some(OTHER_API_KEY), Method::GET, "/api/v1/webhooks/hmac_key", None).await;
        assert_ne!(other.body["webhook"]["hmac_key"], json!(new_key));

        let id = create_endpoint(&app, json!({"webhook_url": "https://x.example"})).await;
        let secret = app.get(&format!("{}/signing_secret", path(&id))).await;
        let text = secret.body["webhook_endpoint"]["signing_secret"].as_str().expect("a secret").to_owned();
        assert!(text.starts_with("whsec_") && STANDARD.decode(&text["whsec_".len()..]).is_ok_and(|bytes| bytes.len() == 32), "{text}");
        assert_response(&secret, 200, &json!({"webhook_endpoint": {"lago_id": id, "signing_secret": text}}));
        assert_response(
            &app.get(&format!("{}/signing_secret", path("nope"))).await,
            404,
            &not_found("webhook_endpoint_not_found"),
        );
    }

    async fn the_admin_cli_shows_and_rotates_an_organizations_hmac_key(app) {
        use clap::Parser as _;
        use entitlements_server::config::{AdminCommand, Cli, Command};
        for (subcommand, rotates) in [("show-webhook-hmac-key", false), ("rotate-webhook-hmac-key", true)] {
            let cli = Cli::try_parse_from(["entitlements-server", "admin", subcommand, "--organization", "test"])
                .expect("the subcommand parses");
            let organization = match cli.command {
                Some(Command::Admin(AdminCommand::ShowWebhookHmacKey { organization })) if !rotates => organization,
                Some(Command::Admin(AdminCommand::RotateWebhookHmacKey { organization })) if rotates => organization,
                other => panic!("unexpected command {other:?}"),
            };
            assert_eq!(organization, "test");
        }
        let shown = entitlements_server::admin::webhook_hmac_key(&app.store, "test").await.expect("show");
        assert_eq!(app.get("/api/v1/webhooks/hmac_key").await.body["webhook"]["hmac_key"], json!(shown));
        let rotated = entitlements_server::admin::rotate_webhook_hmac_key(&app.store, "test").await.expect("rotate");
        assert_ne!(rotated, shown);
        assert_eq!(app.get("/api/v1/webhooks/hmac_key").await.body["webhook"]["hmac_key"], json!(rotated));
        assert_eq!(entitlements_server::admin::webhook_hmac_key(&app.store, "test").await.expect("show"), rotated);
        let unknown = entitlements_server::admin::webhook_hmac_key(&app.store, "nobody").await;
        assert!(unknown.is_err_and(|error| error.to_string().contains("organization_not_found")), "an unknown organization");
    }

    async fn private_networks_are_allowed_by_the_test_settings(app) {
        for url in ["http://127.0.0.1:9/hook", "http://localhost/x", "http://10.0.0.1", "http://169.254.169.254", "http://[::1]/"] {
            create_endpoint(&app, json!({"webhook_url": url})).await;
        }
    }
}

/// The operator did not allow private networks: URLs reaching them are refused at creation and
/// on update, and public ones are accepted.
async fn private_networks_are_refused(backend: Backend) {
    let Some(app) =
        spawn_app_with(backend, |config| config.args.webhooks.webhook_allow_private_networks = false).await
    else {
        return;
    };
    let refused = json!({"webhook_url": ["url_resolves_to_private_network"]});
    for url in [
        "http://127.0.0.1:9/hook",
        "http://localhost/x",
        "http://10.0.0.1",
        "http://169.254.169.254/latest",
        "http://[::1]/",
    ] {
        assert_invalid(&post_endpoint(&app, json!({"webhook_url": url})).await, refused.clone());
    }
    // A name that does not resolve is accepted: every delivery checks again.
    create_endpoint(&app, json!({"webhook_url": "https://unresolvable.invalid/hook"})).await;
    let id = create_endpoint(&app, json!({"webhook_url": "https://93.184.216.34/hook"})).await;
    assert_invalid(
        &app.put(&path(&id), &json!({"webhook_endpoint": {"webhook_url": "http://127.0.0.1/"}})).await,
        refused,
    );
    // Malformed URLs keep their own code.
    assert_invalid(
        &post_endpoint(&app, json!({"webhook_url": "ftp://127.0.0.1"})).await,
        json!({"webhook_url": ["url_is_invalid"]}),
    );
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn private_networks_are_refused_on_sqlite() {
    private_networks_are_refused(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn private_networks_are_refused_on_postgres() {
    private_networks_are_refused(Backend::Postgres).await;
}

impl TestApp {
    /// A GET as the test organization: status, content type and the body as text.
    async fn http_get_text(&self, route: &str) -> (u16, String, String) {
        let response = reqwest::Client::new()
            .get(self.url(route))
            .header("Authorization", format!("Bearer {}", crate::support::API_KEY))
            .send()
            .await
            .expect("the request reaches the server");
        let status = response.status().as_u16();
        let content_type = response
            .headers()
            .get("content-type")
            .and_then(|value| value.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        (status, content_type, response.text().await.expect("a body"))
    }
}
