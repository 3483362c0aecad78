//! Concurrent writes to one subscription's entitlements (each locks the subscription, so none is
//! lost), and the cost of the effective-entitlements read: a fixed number of queries, whatever the
//! number of features.

use entitlements_domain::{EnumInput, SubscriptionSelector};
use futures_util::future::join_all;
use serde_json::{Map, Value, json};

use super::{create_plan, current, patch, subscribe};
use crate::support::{TestApp, backend_tests};

/// How many overrides the concurrent writes set, one each.
const CONCURRENT_WRITERS: usize = 16;

/// Creates a feature `code` with integer privileges `p0`..`p{count-1}`.
async fn create_feature_with_privileges(app: &TestApp, code: &str, count: usize) {
    let privileges: Vec<Value> =
        (0..count).map(|index| json!({"code": format!("p{index}"), "value_type": "integer"})).collect();
    app.create_feature(json!({"code": code, "privileges": privileges})).await;
}

/// The statements one read of `external_id`'s entitlements sends.
async fn statements_of_one_read(app: &TestApp, external_id: &str) -> u64 {
    let (store, counter) = entitlements_store::Store::connect(&app.database_url)
        .await
        .expect("connect a counting store")
        .with_statement_counter();
    let organization_id = app.organization_id().await;
    let before = counter.count();
    let entitlements = store
        .subscription_entitlements(
            organization_id,
            &SubscriptionSelector::new(external_id.to_owned(), EnumInput::Null),
        )
        .await
        .expect("read the entitlements");
    assert!(!entitlements.is_empty(), "{external_id} has entitlements");
    counter.count() - before
}

backend_tests! {
    async fn concurrent_overrides_of_different_privileges_all_apply(app) {
        create_feature_with_privileges(&app, "limits", CONCURRENT_WRITERS).await;
        create_plan(&app, "startup", 10_000, json!({"limits": {"p0": 1000}})).await;
        assert_eq!(subscribe(&app, "startup", "sub_1").await.status, 200);
        let writes = (0..CONCURRENT_WRITERS).map(|index| {
            let app = &app;
            async move { patch(app, json!({"limits": { format!("p{index}"): index }})).await }
        });
        for response in join_all(writes).await {
            assert_eq!(response.status, 200, "{}", response.body);
        }
        let entitlements = current(&app).await;
        let overrides = entitlements[0]["overrides"].as_object().cloned().unwrap_or_default();
        let expected: Map<String, Value> =
            (0..CONCURRENT_WRITERS).map(|index| (format!("p{index}"), json!(index))).collect();
        let mut overrides: Vec<_> = overrides.into_iter().collect();
        let mut expected: Vec<_> = expected.into_iter().collect();
        overrides.sort_by(|left, right| left.0.cmp(&right.0));
        expected.sort_by(|left, right| left.0.cmp(&right.0));
        assert_eq!(overrides, expected, "every concurrent write applied");
    }

    async fn the_effective_read_costs_the_same_whatever_the_number_of_features(app) {
        let (small, large) = (1, 40);
        let mut grants = Map::new();
        for index in 0..large {
            let code = format!("feature_{index}");
            create_feature_with_privileges(&app, &code, 3).await;
            grants.insert(code, json!({"p0": index, "p1": 1}));
        }
        let one: Map<String, Value> = grants.iter().take(small).map(|(code, grant)| (code.clone(), grant.clone())).collect();
        create_plan(&app, "one_feature", 10_000, Value::Object(one)).await;
        create_plan(&app, "many_features", 10_000, Value::Object(grants)).await;
        assert_eq!(subscribe(&app, "one_feature", "sub_small").await.status, 200);
        assert_eq!(subscribe(&app, "many_features", "sub_large").await.status, 200);
        // Overrides and removals on every feature of the large one, so that every layer is full.
        for index in 0..large {
            let path = format!("/api/v1/subscriptions/sub_large/entitlements/feature_{index}/privileges/p1");
            let body = json!({"entitlements": { format!("feature_{index}"): {"p2": 7} }});
            assert_eq!(app.patch("/api/v1/subscriptions/sub_large/entitlements", &body).await.status, 200);
            assert_eq!(app.delete(&path).await.status, 200);
        }
        let small_cost = statements_of_one_read(&app, "sub_small").await;
        let large_cost = statements_of_one_read(&app, "sub_large").await;
        assert_eq!(small_cost, large_cost, "{small} feature(s): {small_cost} statements; {large}: {large_cost}");
        assert!(large_cost <= 7, "the read takes {large_cost} statements");
    }
}
