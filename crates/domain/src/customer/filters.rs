//! The filters of a customer list (Lago's `GET /customers`, `CustomersQuery`) and their
//! validation: billing entity codes first (an unknown one is a 404), then the country and
//! currency codes. An invalid element of a list is reported under `field[index]`. (Lago's
//! `CustomersQueryFiltersContract`, with its English messages for values that are not even of
//! the right type, is the REST gateway's.)

use crate::currency::CURRENCIES;
use crate::customer::country::is_country_code;
use crate::customer::{AccountType, CustomerType, DEFAULT_BILLING_ENTITY_CODE};
use crate::enum_input::EnumInput;
use crate::error::{Error, Resource};
use crate::validation::{ErrorCode, ValidationErrors, is_blank};

/// The filters as the client sent them; empty lists and `None` filter nothing.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CustomerListFilters {
    pub external_id: Option<String>,
    /// `None` is a value naming no account type (it matches nothing).
    pub account_types: Vec<Option<AccountType>>,
    pub billing_entity_codes: Vec<String>,
    pub countries: Vec<String>,
    pub states: Vec<String>,
    pub zipcodes: Vec<String>,
    pub currencies: Vec<String>,
    pub has_tax_identification_number: Option<bool>,
    pub has_customer_type: Option<bool>,
    /// `Null` filters nothing; `Unknown` (a type this server does not know) matches nothing.
    pub customer_type: EnumInput<CustomerType>,
    /// Key -> value: an empty value asks for customers without the key.
    pub metadata: Vec<(String, String)>,
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
    /// A type asked together with no type, or a type this server does not know: no customer.
    Nothing,
}

/// Validated filters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomerFilters {
    pub external_id: Option<String>,
    /// `None` filters nothing; empty matches nothing.
    pub account_types: Option<Vec<AccountType>>,
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
    /// `countries[i]: not_a_valid_country_code` and `currencies[i]: value_is_invalid`.
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
        for (index, country) in countries.iter().enumerate() {
            if !is_country_code(country) {
                errors.add(format!("countries[{index}]"), ErrorCode::Named("not_a_valid_country_code"));
            }
        }
        for (index, currency) in currencies.iter().enumerate() {
            if !CURRENCIES.contains(&currency.as_str()) {
                errors.add(format!("currencies[{index}]"), ErrorCode::ValueIsInvalid);
            }
        }
        errors.into_result()?;
        let account_types =
            (!account_types.is_empty()).then(|| account_types.into_iter().flatten().collect());
        let customer_type = match (customer_type, has_customer_type) {
            (EnumInput::Unknown, _) | (EnumInput::Known(_), Some(false)) => CustomerTypeFilter::Nothing,
            (EnumInput::Known(customer_type), _) => CustomerTypeFilter::Is(customer_type),
            (EnumInput::Null, Some(present)) => CustomerTypeFilter::Present(present),
            (EnumInput::Null, None) => CustomerTypeFilter::Any,
        };
        let (absent, present): (Vec<_>, Vec<_>) =
            metadata.into_iter().partition(|(_, value)| value.is_empty());
        Ok(CustomerFilters {
            external_id: external_id.filter(|id| !is_blank(Some(id))),
            account_types,
            countries,
            states,
            zipcodes,
            currencies,
            has_tax_identification_number,
            customer_type,
            metadata_present: present,
            metadata_absent: absent.into_iter().map(|(key, _)| key).collect(),
            search_term: search_term.filter(|term| !is_blank(Some(term))),
        })
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
            ..CustomerListFilters::default()
        };
        assert_eq!(
            errors(filters).to_string(),
            "countries[1]: not_a_valid_country_code, currencies[0]: value_is_invalid"
        );
    }

    #[test]
    fn types_flags_and_metadata() {
        let valid = CustomerListFilters {
            account_types: vec![None],
            has_customer_type: Some(true),
            metadata: vec![("a".to_owned(), "1".to_owned()), ("b".to_owned(), String::new())],
            search_term: Some("  ".to_owned()),
            ..CustomerListFilters::default()
        }
        .validate()
        .expect("valid");
        assert_eq!(valid.account_types, Some(vec![]));
        assert_eq!(valid.customer_type, CustomerTypeFilter::Present(true));
        assert_eq!(
            (valid.metadata_present, valid.metadata_absent),
            (vec![("a".into(), "1".into())], vec!["b".into()])
        );
        assert_eq!(valid.search_term, None);
        let contradiction = CustomerListFilters {
            has_customer_type: Some(false),
            customer_type: EnumInput::Known(CustomerType::Company),
            ..CustomerListFilters::default()
        };
        assert_eq!(contradiction.validate().expect("valid").customer_type, CustomerTypeFilter::Nothing);
        let any = CustomerListFilters::default().validate().expect("valid");
        assert_eq!((any.account_types, any.customer_type), (None, CustomerTypeFilter::Any));
    }
}
