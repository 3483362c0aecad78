//! The checks of subscription requests, in Lago's order.

use super::*;

fn at(text: &str) -> DateTime<Utc> {
    text.parse().expect("an RFC 3339 instant")
}

const NOW: &str = "2026-06-20T12:00:00Z";

fn create(fields: impl FnOnce(&mut SubscriptionCreateInput)) -> SubscriptionCreateInput {
    let mut input = SubscriptionCreateInput {
        external_customer_id: Some(" cust ".to_owned()),
        plan_code: Some("startup".to_owned()),
        external_id: Some(" sub ".to_owned()),
        ..SubscriptionCreateInput::default()
    };
    fields(&mut input);
    input
}

fn errors(result: Result<impl std::fmt::Debug, Error>) -> String {
    match result {
        Err(Error::Validation(errors)) => errors.to_string(),
        other => panic!("validation errors expected, got {other:?}"),
    }
}

#[test]
fn defaults_and_stripping() {
    let request = create(|_| {}).validate(at(NOW)).expect("valid");
    assert_eq!((request.external_customer_id.as_str(), request.external_id.as_str()), ("cust", "sub"));
    assert_eq!((request.name.as_str(), request.subscription_at, request.ending_at), ("", at(NOW), None));
    assert_eq!(request.new_subscription_billing_time(), Ok(BillingTime::Calendar));
}

#[test]
fn dates_come_first_then_the_customer() {
    let input = create(|input| {
        input.subscription_at = Some(Err(InvalidInstant));
        input.ending_at = Some(Some(Ok(at("2027-01-01T00:00:00Z"))));
        input.external_customer_id = None;
    });
    assert_eq!(errors(input.validate(at(NOW))), "subscription_at: invalid_date, ending_at: invalid_date");
    let out_of_range = create(|input| input.ending_at = Some(Some(Err(InvalidInstant))));
    assert_eq!(errors(out_of_range.validate(at(NOW))), "ending_at: invalid_date");
    let no_customer = create(|input| input.external_customer_id = Some("  ".to_owned()));
    assert_eq!(errors(no_customer.validate(at(NOW))), "external_customer_id: value_is_mandatory");
}

#[test]
fn ending_at_must_be_after_today_and_the_start_date() {
    let ending = |ending_at: &str, subscription_at: Option<&str>| {
        create(|input| {
            input.ending_at = Some(Some(Ok(at(ending_at))));
            input.subscription_at = subscription_at.map(|text| Ok(at(text)));
        })
        .validate(at(NOW))
    };
    assert!(ending("2026-06-20T23:59:59Z", None).is_err(), "today is not after today");
    assert_eq!(
        ending("2026-06-21T00:00:00Z", None).map(|request| request.ending_at),
        Ok(Some(at("2026-06-21T00:00:00Z")))
    );
    assert!(ending("2026-07-01T00:00:00Z", Some("2026-07-01T10:00:00Z")).is_err(), "the start date itself");
    // Dates are UTC dates: June 21 01:00 at UTC+14 is June 20 in UTC, today.
    assert!(ending("2026-06-20T11:00:00Z", None).is_err());
    let no_end = create(|input| input.ending_at = Some(None)).validate(at(NOW)).expect("valid");
    assert_eq!((no_end.ending_at, no_end.ending_at_given), (None, true));
    let not_given = create(|_| {}).validate(at(NOW)).expect("valid");
    assert!(!not_given.ending_at_given);
}

#[test]
fn the_model_checks_of_a_new_subscription() {
    let request = |billing_time, external_id: &str| {
        create(|input| {
            input.billing_time = billing_time;
            input.external_id = Some(external_id.to_owned());
        })
        .validate(at(NOW))
        .expect("valid")
        .new_subscription_billing_time()
        .map_err(|errors| errors.to_string())
    };
    assert_eq!(request(Some(EnumInput::Unknown), ""), Err("billing_time: value_is_invalid".to_owned()));
    assert_eq!(
        request(Some(EnumInput::Null), " "),
        Err("external_id: value_is_mandatory, billing_time: value_is_mandatory".to_owned())
    );
    assert_eq!(request(Some(EnumInput::Known(BillingTime::Anniversary)), "x"), Ok(BillingTime::Anniversary));
    assert!(
        create(|input| input.billing_entity_code = Some("eu".to_owned())).check_billing_entity().is_err()
    );
    assert!(
        create(|input| input.billing_entity_code = Some("default".to_owned())).check_billing_entity().is_ok()
    );
}

#[test]
fn update_checks_in_lagos_order() {
    let stored = at("2026-07-01T00:00:00Z");
    let input = SubscriptionUpdateInput {
        subscription_at: Some(None),
        ending_at: Some(Some(Err(InvalidInstant))),
        on_termination_credit_note: Some(EnumInput::Unknown),
        on_termination_invoice: Some(EnumInput::Unknown),
        billing_entity_code: Some("eu".to_owned()),
        ..SubscriptionUpdateInput::default()
    };
    assert_eq!(
        errors(input.validate(stored, at(NOW))),
        "subscription_at: invalid_date, ending_at: invalid_date, on_termination_credit_note: invalid_value, \
         on_termination_invoice: invalid_value"
    );
    let entity = SubscriptionUpdateInput {
        billing_entity_code: Some("eu".to_owned()),
        ..SubscriptionUpdateInput::default()
    };
    assert_eq!(entity.validate(stored, at(NOW)), Err(Error::not_found(Resource::BillingEntity, "eu")));
    // The stored start date bounds `ending_at`.
    let too_early = SubscriptionUpdateInput {
        ending_at: Some(Some(Ok(at("2026-07-01T12:00:00Z")))),
        ..SubscriptionUpdateInput::default()
    };
    assert_eq!(errors(too_early.validate(stored, at(NOW))), "ending_at: invalid_date");
    let changes = SubscriptionUpdateInput {
        name: Some(None),
        ending_at: Some(None),
        on_termination_credit_note: Some(EnumInput::Null),
        on_termination_invoice: Some(EnumInput::Null),
        purchase_order_number: Some(Some("  ".to_owned())),
        ..SubscriptionUpdateInput::default()
    }
    .validate(stored, at(NOW))
    .expect("valid");
    assert_eq!(
        changes,
        SubscriptionChanges {
            name: Some(None),
            ending_at: Some(None),
            on_termination_credit_note: Some(None),
            on_termination_invoice: Some(OnTerminationInvoice::Generate),
            purchase_order_number: Some(None),
            ..SubscriptionChanges::default()
        }
    );
}

#[test]
fn termination_choices() {
    let invalid = TerminationInput {
        on_termination_credit_note: Some(EnumInput::Unknown),
        on_termination_invoice: Some(EnumInput::Unknown),
    };
    assert_eq!(
        invalid.validate().map_err(|errors| errors.to_string()),
        Err("on_termination_credit_note: invalid_value, on_termination_invoice: invalid_value".to_owned())
    );
    let blank =
        TerminationInput { on_termination_credit_note: Some(EnumInput::Null), on_termination_invoice: None };
    assert_eq!(blank.validate(), Ok(TerminationChoices::default()));
}

#[test]
fn a_purchase_order_number_changes_only_while_pending_or_active() {
    let change = |number: Option<&str>| SubscriptionUpdateInput {
        purchase_order_number: Some(number.map(str::to_owned)),
        ..SubscriptionUpdateInput::default()
    };
    let not_editable = Err(Error::NotAllowed(PURCHASE_ORDER_NUMBER_NOT_EDITABLE));
    for status in [SubscriptionStatus::Pending, SubscriptionStatus::Active] {
        assert_eq!(change(Some("PO-2")).check_purchase_order_number(Some("PO-1"), status), Ok(()));
    }
    for status in [SubscriptionStatus::Terminated, SubscriptionStatus::Canceled] {
        assert_eq!(change(Some("PO-2")).check_purchase_order_number(Some("PO-1"), status), not_editable);
        assert_eq!(change(None).check_purchase_order_number(Some("PO-1"), status), not_editable);
        // The number it has (blanks stripped) is no change.
        assert_eq!(change(Some(" PO-1 ")).check_purchase_order_number(Some("PO-1"), status), Ok(()));
        assert_eq!(SubscriptionUpdateInput::default().check_purchase_order_number(None, status), Ok(()));
    }
}
