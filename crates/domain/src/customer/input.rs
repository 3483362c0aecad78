//! A customer upsert as a client sent it (Lago's `POST /customers`, which creates or updates by
//! `external_id`), and its validation. Only fields present in the request change on update: the
//! outer `None` keeps a field, `Some(None)` sets it to null.
//!
//! Checks run in Lago's order (`Customers::UpsertFromApiService`, then the `Customer` model):
//! the billing entity (404), the metadata count, `finalize_zero_amount_invoice`; then, together,
//! `customer_type`, `country`, `shipping_country`, `currency`, `external_id`, `net_payment_term`,
//! `timezone`, `email` and `name`. Taxes and metadata items are checked by the store afterwards.

use std::str::FromStr;

use crate::currency::CURRENCIES;
use crate::customer::country::is_country_code;
use crate::customer::email::{is_valid_email, sanitize_email};
use crate::customer::metadata::{CustomerMetadataInput, METADATA_PER_CUSTOMER};
use crate::customer::{
    CustomerAttributes, CustomerType, DEFAULT_BILLING_ENTITY_CODE, FinalizeZeroAmountInvoice, ShippingAddress,
};
use crate::enum_input::EnumInput;
use crate::error::{Error, Resource};
use crate::validation::{ErrorCode, ValidationErrors, check_length, is_blank};

/// Longest customer name, in characters.
const NAME_MAX_LENGTH: usize = 255;

/// A change of a nullable text field: `None` keeps it, `Some(None)` clears it.
pub type TextChange = Option<Option<String>>;

/// The shipping address parts a client sent.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ShippingAddressInput {
    pub address_line1: TextChange,
    pub address_line2: TextChange,
    pub city: TextChange,
    pub zipcode: TextChange,
    pub state: TextChange,
    pub country: TextChange,
}

/// A customer as a client sent it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CustomerInput {
    /// Which customer to create or update; `None` when missing or null (`value_is_mandatory`).
    pub external_id: Option<String>,
    /// `None` or blank means the default billing entity; any other code is unknown here.
    pub billing_entity_code: Option<String>,
    pub name: TextChange,
    pub firstname: TextChange,
    pub lastname: TextChange,
    pub customer_type: Option<EnumInput<CustomerType>>,
    pub country: TextChange,
    pub address_line1: TextChange,
    pub address_line2: TextChange,
    pub state: TextChange,
    pub zipcode: TextChange,
    pub email: TextChange,
    pub city: TextChange,
    pub url: TextChange,
    pub phone: TextChange,
    pub logo_url: TextChange,
    pub legal_name: TextChange,
    pub legal_number: TextChange,
    pub currency: TextChange,
    pub tax_identification_number: TextChange,
    pub timezone: TextChange,
    pub net_payment_term: Option<Option<i64>>,
    pub external_salesforce_id: TextChange,
    /// Null means `inherit`, as in Lago.
    pub finalize_zero_amount_invoice: Option<EnumInput<FinalizeZeroAmountInvoice>>,
    pub shipping_address: ShippingAddressInput,
    /// Replaces the customer's taxes when present (empty removes them all).
    pub tax_codes: Option<Vec<String>>,
    /// Reconciled with the stored metadata when present (see `reconcile_metadata`).
    pub metadata: Option<Vec<CustomerMetadataInput>>,
}

impl CustomerInput {
    /// Lago's checks before it touches the customer: the billing entity, then single-field
    /// failures that stop everything else.
    ///
    /// # Errors
    /// `NotFound(BillingEntity)` for a code other than `default`; `Validation` with
    /// `metadata: invalid_count` (more than 5 items) or `finalize_zero_amount_invoice: invalid_value`.
    pub fn check_before_upsert(&self) -> Result<(), Error> {
        if let Some(code) = self
            .billing_entity_code
            .as_deref()
            .filter(|code| !is_blank(Some(code)) && *code != DEFAULT_BILLING_ENTITY_CODE)
        {
            return Err(Error::not_found(Resource::BillingEntity, code));
        }
        if self.metadata.as_ref().is_some_and(|items| items.len() > METADATA_PER_CUSTOMER) {
            return Err(ValidationErrors::single("metadata", ErrorCode::Named("invalid_count")).into());
        }
        if matches!(self.finalize_zero_amount_invoice, Some(EnumInput::Unknown)) {
            return Err(ValidationErrors::single(
                "finalize_zero_amount_invoice",
                ErrorCode::Named("invalid_value"),
            )
            .into());
        }
        Ok(())
    }

    /// The customer's attributes after this upsert: `current` is `None` for a new customer
    /// (absent fields take their defaults) and the stored attributes otherwise.
    ///
    /// # Errors
    /// The model's violations, in Lago's order: `customer_type: value_is_invalid`,
    /// `country | shipping_address.country: not_a_valid_country_code`, `currency: value_is_invalid`,
    /// `external_id: value_is_mandatory`, `net_payment_term: value_is_out_of_range`,
    /// `timezone: invalid_timezone`, `email: invalid_email_format`, `name: value_is_too_long`.
    pub fn apply(
        &self,
        current: Option<&CustomerAttributes>,
    ) -> Result<CustomerAttributes, ValidationErrors> {
        let stored = current.cloned().unwrap_or_default();
        let mut errors = ValidationErrors::new();
        let customer_type = match &self.customer_type {
            None => stored.customer_type,
            Some(EnumInput::Null) => None,
            Some(EnumInput::Known(customer_type)) => Some(*customer_type),
            Some(EnumInput::Unknown) => {
                errors.add("customer_type", ErrorCode::ValueIsInvalid);
                None
            }
        };
        let country = address_part(&self.country, stored.country, true);
        check_country(&mut errors, "country", country.as_deref());
        let shipping = &self.shipping_address;
        let shipping_address = ShippingAddress {
            address_line1: address_part(
                &shipping.address_line1,
                stored.shipping_address.address_line1,
                false,
            ),
            address_line2: address_part(
                &shipping.address_line2,
                stored.shipping_address.address_line2,
                false,
            ),
            city: address_part(&shipping.city, stored.shipping_address.city, false),
            zipcode: address_part(&shipping.zipcode, stored.shipping_address.zipcode, false),
            state: address_part(&shipping.state, stored.shipping_address.state, false),
            country: address_part(&shipping.country, stored.shipping_address.country, true),
        };
        check_country(&mut errors, "shipping_address.country", shipping_address.country.as_deref());
        let currency = changed(&self.currency, stored.currency);
        if currency.as_deref().is_some_and(|currency| !CURRENCIES.contains(&currency)) {
            errors.add("currency", ErrorCode::ValueIsInvalid);
        }
        if current.is_none() && is_blank(self.external_id.as_deref()) {
            errors.add("external_id", ErrorCode::ValueIsMandatory);
        }
        let net_payment_term = self.net_payment_term.unwrap_or(stored.net_payment_term);
        if net_payment_term.is_some_and(|days| days < 0) {
            errors.add("net_payment_term", ErrorCode::Named("value_is_out_of_range"));
        }
        let timezone = changed(&self.timezone, stored.timezone);
        if timezone.as_deref().is_some_and(|timezone| !is_timezone(timezone)) {
            errors.add("timezone", ErrorCode::Named("invalid_timezone"));
        }
        let email = match &self.email {
            None => stored.email,
            Some(email) => {
                let email = email.as_deref().map(sanitize_email);
                // Lago checks the format of a changed, non-blank email only.
                if email.as_deref().is_some_and(|email| !is_blank(Some(email)) && !is_valid_email(email)) {
                    errors.add("email", ErrorCode::Named("invalid_email_format"));
                }
                email
            }
        };
        let name = person_name(&self.name, stored.name);
        check_length(&mut errors, "name", name.as_deref(), NAME_MAX_LENGTH);
        errors.into_result()?;
        Ok(CustomerAttributes {
            name,
            firstname: person_name(&self.firstname, stored.firstname),
            lastname: person_name(&self.lastname, stored.lastname),
            customer_type,
            country,
            address_line1: address_part(&self.address_line1, stored.address_line1, false),
            address_line2: address_part(&self.address_line2, stored.address_line2, false),
            state: address_part(&self.state, stored.state, false),
            zipcode: address_part(&self.zipcode, stored.zipcode, false),
            email,
            city: address_part(&self.city, stored.city, false),
            url: changed(&self.url, stored.url),
            phone: changed(&self.phone, stored.phone),
            logo_url: changed(&self.logo_url, stored.logo_url),
            legal_name: changed(&self.legal_name, stored.legal_name),
            legal_number: changed(&self.legal_number, stored.legal_number),
            currency,
            tax_identification_number: changed(
                &self.tax_identification_number,
                stored.tax_identification_number,
            ),
            timezone,
            net_payment_term,
            external_salesforce_id: changed(&self.external_salesforce_id, stored.external_salesforce_id),
            finalize_zero_amount_invoice: match self.finalize_zero_amount_invoice {
                None => stored.finalize_zero_amount_invoice,
                Some(EnumInput::Known(option)) => option,
                Some(EnumInput::Null | EnumInput::Unknown) => FinalizeZeroAmountInvoice::Inherit,
            },
            shipping_address,
        })
    }
}

/// The new value when given (null included), else the stored one.
fn changed(given: &TextChange, stored: Option<String>) -> Option<String> {
    match given {
        Some(value) => value.clone(),
        None => stored,
    }
}

/// Names lose their NUL characters (Lago strips them to avoid failing on them).
fn person_name(given: &TextChange, stored: Option<String>) -> Option<String> {
    changed(given, stored).map(|name| name.replace('\0', ""))
}

/// Lago normalizes address parts: NUL characters removed, blank becomes null; countries are
/// upper-cased first.
fn address_part(given: &TextChange, stored: Option<String>, is_country: bool) -> Option<String> {
    let Some(value) = given else { return stored };
    value
        .as_deref()
        .map(|text| if is_country { text.to_uppercase() } else { text.to_owned() })
        .map(|text| text.replace('\0', ""))
        .filter(|text| !is_blank(Some(text)))
}

fn check_country(errors: &mut ValidationErrors, field: &str, country: Option<&str>) {
    if country.is_some_and(|country| !is_country_code(country)) {
        errors.add(field, ErrorCode::Named("not_a_valid_country_code"));
    }
}

/// An IANA timezone name from the tz database embedded in `chrono-tz` (names are case-sensitive).
fn is_timezone(name: &str) -> bool {
    name == "UTC" || chrono_tz::Tz::from_str(name).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(value: &str) -> TextChange {
        Some(Some(value.to_owned()))
    }

    fn errors(input: &CustomerInput, current: Option<&CustomerAttributes>) -> String {
        input.apply(current).expect_err("invalid input").to_string()
    }

    #[test]
    fn the_spec_example_reports_currency_before_external_id() {
        let input =
            CustomerInput { name: text("Foo Bar"), currency: text("invalid"), ..CustomerInput::default() };
        assert_eq!(errors(&input, None), "currency: value_is_invalid, external_id: value_is_mandatory");
    }

    #[test]
    fn every_model_check_in_order() {
        let input = CustomerInput {
            external_id: Some(" ".to_owned()),
            customer_type: Some(EnumInput::Unknown),
            country: text("XX"),
            shipping_address: ShippingAddressInput { country: text("zz"), ..ShippingAddressInput::default() },
            currency: text("usd"),
            net_payment_term: Some(Some(-1)),
            timezone: text("Mars/Olympus"),
            email: text("not an email"),
            name: text(&"n".repeat(256)),
            ..CustomerInput::default()
        };
        assert_eq!(
            errors(&input, None),
            "customer_type: value_is_invalid, country: not_a_valid_country_code, \
             shipping_address.country: not_a_valid_country_code, currency: value_is_invalid, \
             external_id: value_is_mandatory, net_payment_term: value_is_out_of_range, \
             timezone: invalid_timezone, email: invalid_email_format, name: value_is_too_long"
        );
    }

    #[test]
    fn normalizes_names_addresses_countries_and_emails() {
        let input = CustomerInput {
            external_id: Some("cust".to_owned()),
            name: text("Foo\0 Bar"),
            firstname: text("\0Foo"),
            country: text("fr"),
            address_line1: text("  "),
            city: text("Pa\0ris"),
            email: text("foo\u{200C}bar@example.com"),
            timezone: text("America/New_York"),
            ..CustomerInput::default()
        };
        let attributes = input.apply(None).expect("valid");
        assert_eq!(attributes.name.as_deref(), Some("Foo Bar"));
        assert_eq!(attributes.firstname.as_deref(), Some("Foo"));
        assert_eq!(attributes.country.as_deref(), Some("FR"));
        assert_eq!(attributes.address_line1, None);
        assert_eq!(attributes.city.as_deref(), Some("Paris"));
        assert_eq!(attributes.email.as_deref(), Some("foobar@example.com"));
        assert_eq!(attributes.finalize_zero_amount_invoice, FinalizeZeroAmountInvoice::Inherit);
    }

    #[test]
    fn updates_keep_absent_fields_and_clear_null_ones() {
        let current = CustomerAttributes {
            name: Some("Acme".to_owned()),
            currency: Some("EUR".to_owned()),
            customer_type: Some(CustomerType::Company),
            finalize_zero_amount_invoice: FinalizeZeroAmountInvoice::Skip,
            ..CustomerAttributes::default()
        };
        let update = CustomerInput {
            currency: Some(None),
            customer_type: Some(EnumInput::Null),
            ..CustomerInput::default()
        };
        let updated = update.apply(Some(&current)).expect("valid");
        assert_eq!(updated.name.as_deref(), Some("Acme"));
        assert_eq!((updated.currency, updated.customer_type), (None, None));
        assert_eq!(updated.finalize_zero_amount_invoice, FinalizeZeroAmountInvoice::Skip);
        let reset =
            CustomerInput { finalize_zero_amount_invoice: Some(EnumInput::Null), ..CustomerInput::default() };
        assert_eq!(
            reset.apply(Some(&current)).expect("valid").finalize_zero_amount_invoice,
            FinalizeZeroAmountInvoice::Inherit
        );
    }

    #[test]
    fn checks_before_the_upsert() {
        let unknown_entity =
            CustomerInput { billing_entity_code: Some("eu".to_owned()), ..CustomerInput::default() };
        assert_eq!(
            unknown_entity.check_before_upsert(),
            Err(Error::not_found(Resource::BillingEntity, "eu"))
        );
        let default_entity =
            CustomerInput { billing_entity_code: Some("default".to_owned()), ..CustomerInput::default() };
        assert_eq!(default_entity.check_before_upsert(), Ok(()));
        let too_many = CustomerInput {
            metadata: Some(vec![CustomerMetadataInput::default(); 6]),
            ..CustomerInput::default()
        };
        assert!(
            matches!(too_many.check_before_upsert(), Err(Error::Validation(errors)) if errors.to_string() == "metadata: invalid_count")
        );
        let finalize = CustomerInput {
            finalize_zero_amount_invoice: Some(EnumInput::Unknown),
            ..CustomerInput::default()
        };
        assert!(
            matches!(finalize.check_before_upsert(), Err(Error::Validation(errors)) if errors.to_string() == "finalize_zero_amount_invoice: invalid_value")
        );
    }

    #[test]
    fn timezones_are_iana_names() {
        assert!(
            is_timezone("UTC") && is_timezone("Europe/Paris") && is_timezone("America/Argentina/Cordoba")
        );
        assert!(!is_timezone("europe/paris") && !is_timezone("CEST+2") && !is_timezone(""));
    }
}
