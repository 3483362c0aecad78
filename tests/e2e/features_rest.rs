//! Lago conformance for `/api/v1/features` (reference §12 items 1-38), with exact bodies.

use serde_json::json;

use crate::support::backend_tests;

backend_tests! {
    async fn create_returns_the_feature_with_its_privileges(app) {
        let response = app.post("/api/v1/features", &json!({"feature": {
            "code": "new_feature", "name": "New Feature", "description": "A new feature",
            "privileges": [
                {"code": "priv1", "value_type": "string"},
                {"code": "priv2", "name": "Maximum", "value_type": "integer"},
                {"code": "priv3", "value_type": "boolean"},
                {"code": "priv4", "name": "SELECT", "value_type": "select", "config": {"select_options": ["a", "b", "c"]}}
            ]
        }})).await;
        assert_eq!(response.status, 200);
        assert_eq!(response.content_type, "application/json; charset=utf-8");
        let created_at = response.body["feature"]["created_at"].clone();
        assert_eq!(response.body, json!({"feature": {
            "code": "new_feature", "name": "New Feature", "description": "A new feature",
            "privileges": [
                {"code": "priv1", "name": null, "value_type": "string", "config": {}},
                {"code": "priv2", "name": "Maximum", "value_type": "integer", "config": {}},
                {"code": "priv3", "name": null, "value_type": "boolean", "config": {}},
                {"code": "priv4", "name": "SELECT", "value_type": "select", "config": {"select_options": ["a", "b", "c"]}}
            ],
            "created_at": created_at
        }}));
    }
}
