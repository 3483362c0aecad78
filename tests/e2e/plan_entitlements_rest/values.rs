//! Every value-type rule of Lago's `validate_value`, through PATCH: the forms each type accepts
//! (answered typed: integers as JSON numbers, booleans as JSON booleans) and the forms it refuses,
//! with Lago's exact error. Integers are 64-bit: a larger one is `value_is_invalid`.

use serde_json::{Value, json};

use super::{
    current_entitlements, invitation, max, max_admins, patch_entitlements, root, seats, seats_and_startup,
};
use crate::support::conformance::{assert_response, validation_errors};
use crate::support::{TestApp, backend_tests};

/// PATCHes `seats.<privilege> = value` and asserts the answer lists `expected` for it.
async fn assert_accepted(app: &TestApp, privilege: &str, value: Value, expected: Value) {
    let response = patch_entitlements(app, "startup", json!({"seats": { privilege: value.clone() }})).await;
    assert_eq!(response.status, 200, "{privilege} = {value}: {}", response.body);
    assert_eq!(response.body["entitlements"][0]["privileges"][0], expected, "{privilege} = {value}");
}

/// PATCHes `seats.<privilege> = value` and asserts Lago's 422 with `details`.
async fn assert_refused(app: &TestApp, privilege: &str, value: Value, details: Value) {
    let response = patch_entitlements(app, "startup", json!({"seats": { privilege: value.clone() }})).await;
    assert_eq!(response.status, 422, "{privilege} = {value}: {}", response.body);
    assert_response(&response, 422, &validation_errors(details));
}

fn invalid(privilege: &str) -> Value {
    json!({ format!("{privilege}_privilege_value"): ["value_is_invalid"] })
}

fn mandatory() -> Value {
    json!({"privilege.value": ["value_is_mandatory"]})
}

backend_tests! {
    async fn integers_take_json_integers_and_their_canonical_text(app) {
        seats_and_startup(&app).await;
        for (value, expected) in [
            (json!(10), 10),
            (json!(-5), -5),
            (json!("10"), 10),
            (json!("-5"), -5),
            (json!("0"), 0),
            (json!(i64::MAX), i64::MAX),
            (json!("-9223372036854775808"), i64::MIN),
        ] {
            assert_accepted(&app, "max", value, max(expected)).await;
        }
        for value in [
            json!(1.5), json!(10.0), json!("010"), json!("+5"), json!(" 5"), json!("-0"), json!("1.5"),
            json!("one thousand!!"), json!([12, 13]), json!(true), json!({"a": 1}),
            // Beyond 64 bits: refused (Lago keeps Ruby bignums).
            json!(9_223_372_036_854_775_808_u64), json!("9223372036854775808"), json!(1e30),
        ] {
            assert_refused(&app, "max", value, invalid("max")).await;
        }
    }

    async fn booleans_take_json_booleans_and_their_exact_text(app) {
        seats_and_startup(&app).await;
        for (value, expected) in [(json!(true), true), (json!(false), false), (json!("true"), true), (json!("false"), false)] {
            assert_accepted(&app, "root", value, root(expected)).await;
        }
        for value in [json!("TRUE"), json!("1"), json!(1), json!("yes"), json!(0), json!(["true"])] {
            assert_refused(&app, "root", value, invalid("root")).await;
        }
    }

    async fn selects_take_one_of_their_options_exactly(app) {
        seats_and_startup(&app).await;
        assert_accepted(&app, "invitation", json!("slack"), invitation("slack")).await;
        let details = json!({"invitation_privilege_value": ["value_not_in_select_options"]});
        for value in [json!("Slack"), json!("okta"), json!(1), json!(true), json!(["email"]), json!("")] {
            assert_refused(&app, "invitation", value, details.clone()).await;
        }
    }

    async fn strings_take_any_text_that_is_not_blank(app) {
        seats_and_startup(&app).await;
        for value in ["5", "anything at all", " padded ", "é"] {
            assert_accepted(&app, "max_admins", json!(value), max_admins(value)).await;
        }
        for value in [json!(5), json!(1.5), json!(true), json!(["a"]), json!({"a": "b"})] {
            assert_refused(&app, "max_admins", value, invalid("max_admins")).await;
        }
        for value in [json!(""), json!("   ")] {
            assert_refused(&app, "max_admins", value, mandatory()).await;
        }
    }

    async fn null_is_mandatory_for_every_type(app) {
        seats_and_startup(&app).await;
        for privilege in ["max", "max_admins", "root", "invitation"] {
            assert_refused(&app, privilege, Value::Null, mandatory()).await;
        }
        assert_eq!(current_entitlements(&app, "startup").await, json!([]));
    }

    async fn only_the_first_invalid_value_is_reported(app) {
        seats_and_startup(&app).await;
        let response = patch_entitlements(&app, "startup", json!({"seats": {"root": "yes", "max": "x"}})).await;
        assert_response(&response, 422, &validation_errors(invalid("root")));
        let response = patch_entitlements(&app, "startup", json!({"seats": {"max": 1, "root": "yes"}})).await;
        assert_response(&response, 422, &validation_errors(invalid("root")));
        // The valid value before it was rolled back with the request.
        assert_eq!(current_entitlements(&app, "startup").await, json!([]));
        assert_eq!(patch_entitlements(&app, "startup", json!({"seats": {"max": 1}})).await.status, 200);
        assert_eq!(current_entitlements(&app, "startup").await, json!([seats(json!([max(1)]))]));
    }
}
