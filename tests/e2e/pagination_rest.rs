//! Lago has no maximum page size, while a list RPC serves at most 1000 items a page: the gateway
//! serves a larger REST page from consecutive gRPC pages. Proven on taxes, inserted in one
//! statement so that a list longer than a gRPC page stays cheap to build.

use sea_orm::prelude::DateTimeUtc;
use sea_orm::sea_query::{Alias, Query};
use sea_orm::{ConnectionTrait, Database};
use serde_json::{Value, json};

use crate::support::{TestApp, backend_tests};

/// How many taxes the scenario lists: more than one gRPC page of the size the gateway picks for
/// a REST page of 1002 (501, the largest divisor of 1002 within the gRPC maximum).
const TAX_COUNT: usize = 502;

/// Inserts taxes `tax_0000`, `tax_0001`, ... for the test organization straight into the database.
async fn insert_taxes(app: &TestApp, count: usize) {
    let connection = Database::connect(&app.database_url).await.expect("connect to the database");
    let organization_id = app.organization_id().await.0;
    let now = DateTimeUtc::from(std::time::SystemTime::now());
    let columns = [
        "id",
        "organization_id",
        "code",
        "name",
        "rate",
        "description",
        "applied_to_organization",
        "created_at",
        "updated_at",
    ];
    let mut insert = Query::insert();
    insert.into_table(Alias::new("taxes")).columns(columns.map(Alias::new));
    for index in 0..count {
        insert.values_panic([
            uuid::Uuid::now_v7().into(),
            organization_id.into(),
            format!("tax_{index:04}").into(),
            format!("Tax {index:04}").into(),
            20.0_f64.into(),
            Option::<String>::None.into(),
            false.into(),
            now.into(),
            now.into(),
        ]);
    }
    connection.execute(&insert).await.expect("insert the taxes");
}

fn codes(body: &Value) -> Vec<String> {
    body["taxes"]
        .as_array()
        .expect("a tax list")
        .iter()
        .map(|tax| tax["code"].as_str().expect("a code").to_owned())
        .collect()
}

fn expected_codes(range: std::ops::Range<usize>) -> Vec<String> {
    range.map(|index| format!("tax_{index:04}")).collect()
}

backend_tests! {
    async fn a_rest_page_above_the_grpc_maximum_is_stitched_from_grpc_pages(app) {
        insert_taxes(&app, TAX_COUNT).await;

        // Two gRPC pages of 501 (the RPC refuses 1002), stitched in order.
        let stitched = app.get("/api/v1/taxes?per_page=1002").await;
        assert_eq!(stitched.status, 200, "{}", stitched.body);
        assert_eq!(codes(&stitched.body), expected_codes(0..TAX_COUNT));
        assert_eq!(
            stitched.body["meta"],
            json!({"current_page": 1, "next_page": null, "prev_page": null, "total_pages": 1, "total_count": 502})
        );
        // The same items as small pages give.
        let second_small_page = app.get("/api/v1/taxes?per_page=300&page=2").await;
        assert_eq!(codes(&second_small_page.body), expected_codes(300..TAX_COUNT));

        // 1001 has no large divisor: pages of 1000 trimmed to the window, here past the end.
        let past_the_end = app.get("/api/v1/taxes?per_page=1001&page=2").await;
        assert_eq!(past_the_end.status, 200, "{}", past_the_end.body);
        assert_eq!(
            past_the_end.body,
            json!({
                "taxes": [],
                "meta": {"current_page": 2, "next_page": null, "prev_page": 1, "total_pages": 1, "total_count": 502},
            })
        );
        let first = app.get("/api/v1/taxes?per_page=1001").await;
        assert_eq!(codes(&first.body), expected_codes(0..TAX_COUNT));
    }
}
