//! The condition of a customer list: the organization's customers that are not deleted, narrowed
//! by Lago's filters (`CustomersQuery`). Each filter is one condition of the same query; metadata
//! filters are subqueries on the indexed `(organization_id, key, value)`.

use std::collections::BTreeMap;

use entitlements_domain::{CustomerFilters, CustomerTypeFilter, Error, OrganizationId};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{ColumnTrait, Condition};

use crate::db::IN_LIST_CHUNK;
use crate::db::error::StoreError;
use crate::db::text_search::contains_ignoring_case;
use crate::entity::customer;
use crate::entity::customer_metadata;

/// The columns `search_term` looks in (`CustomersQuery::SEARCHABLE_FIELDS`).
const SEARCHABLE_COLUMNS: [customer::Column; 6] = [
    customer::Column::Name,
    customer::Column::Firstname,
    customer::Column::Lastname,
    customer::Column::LegalName,
    customer::Column::ExternalId,
    customer::Column::Email,
];

/// The condition selecting the customers these filters let through.
///
/// # Errors
/// `BadRequest` when a list filter has more values than one query can bind.
pub(crate) fn list_condition(
    organization_id: OrganizationId,
    filters: &CustomerFilters,
) -> Result<Condition, StoreError> {
    let CustomerFilters {
        external_id,
        account_types,
        countries,
        states,
        zipcodes,
        currencies,
        has_tax_identification_number,
        customer_type,
        metadata_present,
        metadata_absent,
        search_term,
    } = filters;
    let mut condition = Condition::all()
        .add(customer::Column::OrganizationId.eq(organization_id.0))
        .add(customer::Column::DeletedAt.is_null());
    if let Some(external_id) = external_id {
        condition = condition.add(customer::Column::ExternalId.eq(external_id.as_str()));
    }
    condition = match customer_type {
        CustomerTypeFilter::Any => condition,
        CustomerTypeFilter::Is(customer_type) => {
            condition.add(customer::Column::CustomerType.eq(customer_type.as_str()))
        }
        CustomerTypeFilter::Present(true) => condition.add(customer::Column::CustomerType.is_not_null()),
        CustomerTypeFilter::Present(false) => condition.add(customer::Column::CustomerType.is_null()),
        CustomerTypeFilter::Nothing => condition.add(Expr::cust("1 = 0")),
    };
    if let Some(account_types) = account_types {
        // Unlike the lists below, an empty list here asked for no account type: nothing matches.
        let names: Vec<&str> = account_types.iter().map(|account_type| account_type.as_str()).collect();
        if names.len() > IN_LIST_CHUNK {
            return Err(
                Error::BadRequest(format!("account_types has more than {IN_LIST_CHUNK} values")).into()
            );
        }
        condition = condition.add(customer::Column::AccountType.is_in(names));
    }
    for (column, values, name) in [
        (customer::Column::Country, as_strs(countries), "countries"),
        (customer::Column::State, as_strs(states), "states"),
        (customer::Column::Zipcode, as_strs(zipcodes), "zipcodes"),
        (customer::Column::Currency, as_strs(currencies), "currencies"),
    ] {
        if values.len() > IN_LIST_CHUNK {
            return Err(Error::BadRequest(format!("{name} has more than {IN_LIST_CHUNK} values")).into());
        }
        if !values.is_empty() {
            condition = condition.add(column.is_in(values));
        }
    }
    condition = match has_tax_identification_number {
        None => condition,
        Some(true) => condition.add(customer::Column::TaxIdentificationNumber.is_not_null()),
        Some(false) => condition.add(customer::Column::TaxIdentificationNumber.is_null()),
    };
    if !metadata_present.is_empty() {
        condition =
            condition.add(customer::Column::Id.in_subquery(with_metadata(organization_id, metadata_present)));
    }
    if !metadata_absent.is_empty() {
        let keys = Query::select()
            .column(customer_metadata::Column::CustomerId)
            .from(customer_metadata::Entity)
            .and_where(customer_metadata::Column::OrganizationId.eq(organization_id.0))
            .and_where(customer_metadata::Column::Key.is_in(metadata_absent.iter().map(String::as_str)))
            .to_owned();
        condition = condition.add(customer::Column::Id.not_in_subquery(keys));
    }
    // Lago ignores the search term when an external id is given.
    if let (None, Some(term)) = (external_id, search_term) {
        condition = condition.add(contains_ignoring_case(SEARCHABLE_COLUMNS, term));
    }
    Ok(condition)
}

fn as_strs(values: &[String]) -> Vec<&str> {
    values.iter().map(String::as_str).collect()
}

/// The customers having every one of these pairs (a key given twice keeps its last value, as a
/// query string does). Keys are unique per customer, so counting matches counts keys.
fn with_metadata(
    organization_id: OrganizationId,
    pairs: &[(String, String)],
) -> sea_orm::sea_query::SelectStatement {
    let pairs: BTreeMap<&str, &str> =
        pairs.iter().map(|(key, value)| (key.as_str(), value.as_str())).collect();
    let matches = pairs.iter().fold(Condition::any(), |matches, (key, value)| {
        matches.add(
            Condition::all()
                .add(customer_metadata::Column::Key.eq(*key))
                .add(customer_metadata::Column::Value.eq(*value)),
        )
    });
    let count = i64::try_from(pairs.len()).unwrap_or(i64::MAX);
    Query::select()
        .column(customer_metadata::Column::CustomerId)
        .from(customer_metadata::Entity)
        .and_where(customer_metadata::Column::OrganizationId.eq(organization_id.0))
        .cond_where(matches)
        .group_by_col(customer_metadata::Column::CustomerId)
        .and_having(Expr::col(customer_metadata::Column::Id).count().eq(count))
        .to_owned()
}
