//! Concurrent writes to one plan's entitlements: each write locks the plan, so none is lost, and
//! a replace racing a merge ends as one of the two serial outcomes, never a mix.

use futures_util::future::join_all;
use serde_json::{Value, json};

use super::{
    create_plan, current_entitlements, max, max_admins, patch_entitlements, post_entitlements, seats,
    seats_and_startup,
};
use crate::support::backend_tests;

/// How many privileges the concurrent merges set, one each.
const CONCURRENT_WRITERS: usize = 8;

backend_tests! {
    async fn concurrent_merges_of_different_privileges_all_apply(app) {
        let privileges: Vec<Value> =
            (0..CONCURRENT_WRITERS).map(|index| json!({"code": format!("p{index}"), "value_type": "integer"})).collect();
        app.create_feature(json!({"code": "limits", "privileges": privileges})).await;
        create_plan(&app, "startup").await;
        let writes = (0..CONCURRENT_WRITERS).map(|index| {
            let app = &app;
            async move {
                let entitlements = json!({"limits": { format!("p{index}"): index }});
                patch_entitlements(app, "startup", entitlements).await
            }
        });
        for response in join_all(writes).await {
            assert_eq!(response.status, 200, "{}", response.body);
        }
        let entitlements = current_entitlements(&app, "startup").await;
        let mut values: Vec<(String, i64)> = entitlements[0]["privileges"]
            .as_array()
            .expect("privileges")
            .iter()
            .map(|privilege| (privilege["code"].as_str().unwrap_or_default().to_owned(), privilege["value"].as_i64().unwrap_or(-1)))
            .collect();
        values.sort();
        let expected: Vec<(String, i64)> =
            (0..CONCURRENT_WRITERS).map(|index| (format!("p{index}"), i64::try_from(index).unwrap_or(-1))).collect();
        assert_eq!(values, expected);
    }

    async fn a_replace_racing_a_merge_ends_in_a_serial_outcome(app) {
        seats_and_startup(&app).await;
        let replace_then_merge = json!([seats(json!([max(1), max_admins("2")]))]);
        let merge_then_replace = json!([seats(json!([max(1)]))]);
        for round in 0..5 {
            assert_eq!(post_entitlements(&app, "startup", json!({"seats": {"max": 9, "root": true}})).await.status, 200);
            let (replaced, merged) = tokio::join!(
                post_entitlements(&app, "startup", json!({"seats": {"max": 1}})),
                patch_entitlements(&app, "startup", json!({"seats": {"max_admins": "2"}})),
            );
            assert_eq!((replaced.status, merged.status), (200, 200), "round {round}");
            let outcome = current_entitlements(&app, "startup").await;
            assert!(
                outcome == replace_then_merge || outcome == merge_then_replace,
                "round {round}: {outcome} is not a serial outcome"
            );
        }
    }
}
