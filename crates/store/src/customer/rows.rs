//! Customer rows: the conversions between `customers` rows and domain customers, and loading
//! customers with their metadata and taxes in a fixed number of queries, whatever their number.

use std::collections::HashMap;

use entitlements_domain::{
    AccountType, Customer, CustomerAttributes, CustomerId, CustomerMetadataItem, CustomerType, Error,
    FinalizeZeroAmountInvoice, OrganizationId, ShippingAddress,
};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};
use uuid::Uuid;

use crate::db::IN_LIST_CHUNK;
use crate::db::error::StoreError;
use crate::entity::customer;
use crate::entity::customer_metadata;
use crate::tax::taxes_by_owner;

/// The organization's customer (not deleted) with this external id; `for_update` locks its row
/// (on PostgreSQL; SQLite write transactions hold the database lock already).
pub(crate) async fn find_customer_row(
    connection: &impl ConnectionTrait,
    organization_id: OrganizationId,
    external_id: &str,
    for_update: bool,
) -> Result<Option<customer::Model>, StoreError> {
    let mut query = customer::Entity::find()
        .filter(customer::Column::OrganizationId.eq(organization_id.0))
        .filter(customer::Column::ExternalId.eq(external_id))
        .filter(customer::Column::DeletedAt.is_null());
    if for_update {
        query = query.lock_exclusive();
    }
    Ok(query.one(connection).await?)
}

/// Customers (rows already loaded) with their metadata and taxes, in the rows' order.
pub(crate) async fn load_customers(
    connection: &impl ConnectionTrait,
    organization_id: OrganizationId,
    rows: Vec<customer::Model>,
) -> Result<Vec<Customer>, StoreError> {
    let customer_ids: Vec<Uuid> = rows.iter().map(|row| row.id).collect();
    let mut metadata: HashMap<Uuid, Vec<CustomerMetadataItem>> = HashMap::new();
    for chunk in customer_ids.chunks(IN_LIST_CHUNK) {
        let items = customer_metadata::Entity::find()
            .filter(customer_metadata::Column::CustomerId.is_in(chunk.iter().copied()))
            .order_by_asc(customer_metadata::Column::CreatedAt)
            .order_by_asc(customer_metadata::Column::Id)
            .all(connection)
            .await?;
        for item in items {
            metadata.entry(item.customer_id).or_default().push(CustomerMetadataItem {
                id: item.id,
                key: item.key,
                value: item.value,
                display_in_invoice: item.display_in_invoice,
                created_at: item.created_at,
            });
        }
    }
    let mut taxes = taxes_by_owner(connection, organization_id, &customer_ids).await?;
    rows.into_iter()
        .map(|row| {
            let id = row.id;
            customer_from_row(
                row,
                metadata.remove(&id).unwrap_or_default(),
                taxes.remove(&id).unwrap_or_default(),
            )
        })
        .collect()
}

/// One customer (row already loaded) with its metadata and taxes.
pub(crate) async fn load_customer(
    connection: &impl ConnectionTrait,
    organization_id: OrganizationId,
    row: customer::Model,
) -> Result<Customer, StoreError> {
    let id = row.id;
    Ok(load_customers(connection, organization_id, vec![row])
        .await?
        .pop()
        .ok_or_else(|| Error::Internal(format!("customer {id} vanished while loading")))?)
}

fn customer_from_row(
    row: customer::Model,
    metadata: Vec<CustomerMetadataItem>,
    taxes: Vec<entitlements_domain::Tax>,
) -> Result<Customer, StoreError> {
    let unknown =
        |column: &str, value: &str| Error::Internal(format!("customer {} has {column} {value:?}", row.id));
    let account_type =
        AccountType::parse(&row.account_type).ok_or_else(|| unknown("account_type", &row.account_type))?;
    let customer_type = match &row.customer_type {
        None => None,
        Some(text) => Some(CustomerType::parse(text).ok_or_else(|| unknown("customer_type", text))?),
    };
    let finalize_zero_amount_invoice = FinalizeZeroAmountInvoice::parse(&row.finalize_zero_amount_invoice)
        .ok_or_else(|| unknown("finalize_zero_amount_invoice", &row.finalize_zero_amount_invoice))?;
    Ok(Customer {
        id: CustomerId(row.id),
        external_id: row.external_id,
        account_type,
        sequential_id: row.sequential_id,
        slug: row.slug,
        attributes: CustomerAttributes {
            name: row.name,
            firstname: row.firstname,
            lastname: row.lastname,
            customer_type,
            country: row.country,
            address_line1: row.address_line1,
            address_line2: row.address_line2,
            state: row.state,
            zipcode: row.zipcode,
            email: row.email,
            city: row.city,
            url: row.url,
            phone: row.phone,
            logo_url: row.logo_url,
            legal_name: row.legal_name,
            legal_number: row.legal_number,
            currency: row.currency,
            tax_identification_number: row.tax_identification_number,
            timezone: row.timezone,
            net_payment_term: row.net_payment_term,
            external_salesforce_id: row.external_salesforce_id,
            finalize_zero_amount_invoice,
            shipping_address: ShippingAddress {
                address_line1: row.shipping_address_line1,
                address_line2: row.shipping_address_line2,
                city: row.shipping_city,
                zipcode: row.shipping_zipcode,
                state: row.shipping_state,
                country: row.shipping_country,
            },
        },
        metadata,
        taxes,
        created_at: row.created_at,
        updated_at: row.updated_at,
    })
}

/// Sets every attribute column of `row` (the whole of an upsert's result).
pub(crate) fn set_attributes(row: &mut customer::ActiveModel, attributes: &CustomerAttributes) {
    let CustomerAttributes {
        name,
        firstname,
        lastname,
        customer_type,
        country,
        address_line1,
        address_line2,
        state,
        zipcode,
        email,
        city,
        url,
        phone,
        logo_url,
        legal_name,
        legal_number,
        currency,
        tax_identification_number,
        timezone,
        net_payment_term,
        external_salesforce_id,
        finalize_zero_amount_invoice,
        shipping_address,
    } = attributes.clone();
    row.name = Set(name);
    row.firstname = Set(firstname);
    row.lastname = Set(lastname);
    row.customer_type = Set(customer_type.map(|customer_type| customer_type.as_str().to_owned()));
    row.country = Set(country);
    row.address_line1 = Set(address_line1);
    row.address_line2 = Set(address_line2);
    row.state = Set(state);
    row.zipcode = Set(zipcode);
    row.email = Set(email);
    row.city = Set(city);
    row.url = Set(url);
    row.phone = Set(phone);
    row.logo_url = Set(logo_url);
    row.legal_name = Set(legal_name);
    row.legal_number = Set(legal_number);
    row.currency = Set(currency);
    row.tax_identification_number = Set(tax_identification_number);
    row.timezone = Set(timezone);
    row.net_payment_term = Set(net_payment_term);
    row.external_salesforce_id = Set(external_salesforce_id);
    row.finalize_zero_amount_invoice = Set(finalize_zero_amount_invoice.as_str().to_owned());
    row.shipping_address_line1 = Set(shipping_address.address_line1);
    row.shipping_address_line2 = Set(shipping_address.address_line2);
    row.shipping_city = Set(shipping_address.city);
    row.shipping_zipcode = Set(shipping_address.zipcode);
    row.shipping_state = Set(shipping_address.state);
    row.shipping_country = Set(shipping_address.country);
}
