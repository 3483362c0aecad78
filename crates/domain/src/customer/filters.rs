//! The filters of a customer list (Lago's `GET /customers`), as raw query values, and their
//! validation: billing entity codes first (an unknown one is a 404), then Lago's
//! `CustomersQueryFiltersContract`, whose messages (Dry-validation's English, such as
//! "must be one of: true, false") are the codes of the 422. An invalid element of a list is
//! reported under `field[index]`, a metadata value under `metadata[key]`, which Lago's error
//! details nest as `{"field": {"index": [...]}}`.

use std::sync::LazyLock;

use crate::currency::CURRENCIES;
use crate::customer::country::COUNTRY_CODES;
use crate::customer::{AccountType, CustomerType, DEFAULT_BILLING_ENTITY_CODE};
use crate::error::{Error, Resource};
use crate::validation::{ErrorCode, ValidationErrors, is_blank};

static ACCOUNT_TYPE_MESSAGE: LazyLock<String> =
    LazyLock::new(|| one_of(AccountType::ALL.iter().map(|account_type| account_type.as_str())));
static COUNTRY_MESSAGE: LazyLock<String> = LazyLock::new(|| one_of(COUNTRY_CODES.iter().copied()));
static CURRENCY_MESSAGE: LazyLock<String> = LazyLock::new(|| one_of(CURRENCIES.iter().copied()));
static CUSTOMER_TYPE_MESSAGE: LazyLock<String> =
    LazyLock::new(|| one_of(CustomerType::ALL.iter().map(|customer_type| customer_type.as_str())));
const BOOLEAN_MESSAGE: &str = "must be one of: true, false";
const NOT_A_STRING_MESSAGE: &str = "must be a string";
const CUSTOMER_TYPE_WITHOUT_TYPE_MESSAGE: &str = "must be nil when has_customer_type is false";

/// The filters as the client sent them (query strings); empty lists and `None` filter nothing.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CustomerListFilters {
    pub external_id: Option<String>,
    pub account_types: Vec<String>,
    pub billing_entity_codes: Vec<String>,
    pub countries: Vec<String>,
    pub states: Vec<String>,
    pub zipcodes: Vec<String>,
    pub currencies: Vec<String>,
    /// `true` or `false`.
    pub has_tax_identification_number: Option<String>,
    /// `true` or `false`.
    pub has_customer_type: Option<String>,
    pub customer_type: Option<String>,
    /// Key -> value: an empty value asks for customers without the key; `None` is a value that
    /// is not a string (rejected).
    pub metadata: Vec<(String, Option<String>)>,
    /// Matched, ignoring case, anywhere in the name, first name, last name, legal name,
    /// external id or email.
    pub search_term: Option<String>,
}

/// How the list filters on `customer_type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CustomerTypeFilter {
    Any,
    Is(CustomerType),
    /// Any type, or none.
    Present(bool),
}

/// Validated filters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomerFilters {
    pub external_id: Option<String>,
    pub account_types: Vec<AccountType>,
    pub countries: Vec<String>,
    pub states: Vec<String>,
    pub zipcodes: Vec<String>,
    pub currencies: Vec<String>,
    pub has_tax_identification_number: Option<bool>,
    pub customer_type: CustomerTypeFilter,
    /// Customers with every one of these key-value pairs.
    pub metadata_present: Vec<(String, String)>,
    /// Customers with none of these keys.
    pub metadata_absent: Vec<String>,
    /// Not blank; ignored when `external_id` is given, as in Lago.
    pub search_term: Option<String>,
}

impl CustomerListFilters {
    /// Validates the filters in Lago's order.
    ///
    /// # Errors
    /// `NotFound(BillingEntity)` when a billing entity code is not `default`; `Validation` with
    /// Lago's messages (see the module documentation).
    pub fn validate(self) -> Result<CustomerFilters, Error> {
        let Self {
            external_id,
            account_types,
            billing_entity_codes,
            countries,
            states,
            zipcodes,
            currencies,
            has_tax_identification_number,
            has_customer_type,
            customer_type,
            metadata,
            search_term,
        } = self;
        if let Some(unknown) = billing_entity_codes.iter().find(|code| *code != DEFAULT_BILLING_ENTITY_CODE) {
            return Err(Error::not_found(Resource::BillingEntity, unknown.as_str()));
        }
        let mut errors = ValidationErrors::new();
        let account_types: Vec<AccountType> = account_types
            .iter()
            .enumerate()
            .filter_map(|(index, text)| {
                let parsed = AccountType::parse(text);
                if parsed.is_none() {
                    errors.add(format!("account_type[{index}]"), ErrorCode::Named(&ACCOUNT_TYPE_MESSAGE));
                }
                parsed
            })
            .collect();
        check_members(&mut errors, "countries", &countries, COUNTRY_CODES, &COUNTRY_MESSAGE);
        check_members(&mut errors, "currencies", &currencies, CURRENCIES, &CURRENCY_MESSAGE);
        let has_tax_identification_number =
            parse_boolean(&mut errors, "has_tax_identification_number", has_tax_identification_number);
        let has_customer_type = parse_boolean(&mut errors, "has_customer_type", has_customer_type);
        let customer_type = customer_type.map(|text| {
            let parsed = CustomerType::parse(&text);
            if parsed.is_none() {
                errors.add("customer_type", ErrorCode::Named(&CUSTOMER_TYPE_MESSAGE));
            }
            parsed
        });
        let mut metadata_present = Vec::new();
        let mut metadata_absent = Vec::new();
        for (key, value) in metadata {
            match value {
                None => errors.add(format!("metadata[{key}]"), ErrorCode::Named(NOT_A_STRING_MESSAGE)),
                Some(value) if value.is_empty() => metadata_absent.push(key),
                Some(value) => metadata_present.push((key, value)),
            }
        }
        if has_customer_type == Some(false) && customer_type.is_some_and(|parsed| parsed.is_some()) {
            errors.add("customer_type", ErrorCode::Named(CUSTOMER_TYPE_WITHOUT_TYPE_MESSAGE));
        }
        errors.into_result()?;
        let customer_type = match (customer_type.flatten(), has_customer_type) {
            (Some(customer_type), _) => CustomerTypeFilter::Is(customer_type),
            (None, Some(present)) => CustomerTypeFilter::Present(present),
            (None, None) => CustomerTypeFilter::Any,
        };
        Ok(CustomerFilters {
            external_id: external_id.filter(|id| !is_blank(Some(id))),
            account_types,
            countries,
            states,
            zipcodes,
            currencies,
            has_tax_identification_number,
            customer_type,
            metadata_present,
            metadata_absent,
            search_term: search_term.filter(|term| !is_blank(Some(term))),
        })
    }
}

fn one_of<'a>(values: impl Iterator<Item = &'a str>) -> String {
    format!("must be one of: {}", values.collect::<Vec<_>>().join(", "))
}

fn check_members(
    errors: &mut ValidationErrors,
    field: &str,
    values: &[String],
    accepted: &[&str],
    message: &'static str,
) {
    for (index, value) in values.iter().enumerate() {
        if !accepted.contains(&value.as_str()) {
            errors.add(format!("{field}[{index}]"), ErrorCode::Named(message));
        }
    }
}

fn parse_boolean(errors: &mut ValidationErrors, field: &str, value: Option<String>) -> Option<bool> {
    match value.as_deref() {
        None => None,
        Some("true") => Some(true),
        Some("false") => Some(false),
        Some(_) => {
            errors.add(field, ErrorCode::Named(BOOLEAN_MESSAGE));
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(values: &[&str]) -> Vec<String> {
        values.iter().map(|&value| value.to_owned()).collect()
    }

    fn errors(filters: CustomerListFilters) -> ValidationErrors {
        match filters.validate() {
            Err(Error::Validation(errors)) => errors,
            other => panic!("expected validation errors, got {other:?}"),
        }
    }

    #[test]
    fn unknown_billing_entities_are_not_found() {
        let filters = CustomerListFilters {
            billing_entity_codes: strings(&["default", "eu"]),
            countries: strings(&["XX"]),
            ..CustomerListFilters::default()
        };
        assert_eq!(filters.validate(), Err(Error::not_found(Resource::BillingEntity, "eu")));
    }

    #[test]
    fn lists_report_each_invalid_element_by_index() {
        let filters = CustomerListFilters {
            countries: strings(&["US", "INVALID"]),
            currencies: strings(&["usd"]),
            account_types: strings(&["partner", "vendor"]),
            ..CustomerListFilters::default()
        };
        let fields: Vec<String> = errors(filters).fields().map(|(field, _)| field.to_owned()).collect();
        assert_eq!(fields, ["account_type[1]", "countries[1]", "currencies[0]"]);
        assert!(COUNTRY_MESSAGE.starts_with("must be one of: AD, ") && COUNTRY_MESSAGE.ends_with("ZW, XK"));
        assert!(
            CURRENCY_MESSAGE.starts_with("must be one of: AED, AFN") && CURRENCY_MESSAGE.ends_with("ZMW")
        );
    }

    #[test]
    fn flags_customer_types_and_metadata() {
        let filters = CustomerListFilters {
            has_tax_identification_number: Some("invalid".to_owned()),
            metadata: vec![("nested".to_owned(), None), ("is_synced".to_owned(), Some("true".to_owned()))],
            ..CustomerListFilters::default()
        };
        assert_eq!(
            errors(filters).to_string(),
            "has_tax_identification_number: must be one of: true, false, metadata[nested]: must be a string"
        );
        let contradiction = CustomerListFilters {
            has_customer_type: Some("false".to_owned()),
            customer_type: Some("company".to_owned()),
            ..CustomerListFilters::default()
        };
        assert_eq!(
            errors(contradiction).to_string(),
            "customer_type: must be nil when has_customer_type is false"
        );
        let valid = CustomerListFilters {
            has_customer_type: Some("true".to_owned()),
            metadata: vec![("a".to_owned(), Some("1".to_owned())), ("b".to_owned(), Some(String::new()))],
            search_term: Some("  ".to_owned()),
            ..CustomerListFilters::default()
        }
        .validate()
        .expect("valid");
        assert_eq!(valid.customer_type, CustomerTypeFilter::Present(true));
        assert_eq!(
            (valid.metadata_present, valid.metadata_absent),
            (vec![("a".into(), "1".into())], vec!["b".into()])
        );
        assert_eq!(valid.search_term, None);
    }
}
