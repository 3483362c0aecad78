//! `customers`, soft-deleted so that a deleted customer's external id can be reused. Enumerations
//! (`account_type`, `customer_type`, `finalize_zero_amount_invoice`) are stored as Lago spells them.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "customers")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub organization_id: Uuid,
    pub external_id: String,
    pub account_type: String,
    pub sequential_id: i64,
    pub slug: String,
    pub name: Option<String>,
    pub firstname: Option<String>,
    pub lastname: Option<String>,
    pub customer_type: Option<String>,
    pub country: Option<String>,
    pub address_line1: Option<String>,
    pub address_line2: Option<String>,
    pub state: Option<String>,
    pub zipcode: Option<String>,
    pub email: Option<String>,
    pub city: Option<String>,
    pub url: Option<String>,
    pub phone: Option<String>,
    pub logo_url: Option<String>,
    pub legal_name: Option<String>,
    pub legal_number: Option<String>,
    pub currency: Option<String>,
    pub tax_identification_number: Option<String>,
    pub timezone: Option<String>,
    pub net_payment_term: Option<i64>,
    pub external_salesforce_id: Option<String>,
    pub finalize_zero_amount_invoice: String,
    pub shipping_address_line1: Option<String>,
    pub shipping_address_line2: Option<String>,
    pub shipping_city: Option<String>,
    pub shipping_zipcode: Option<String>,
    pub shipping_state: Option<String>,
    pub shipping_country: Option<String>,
    pub deleted_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

plain_entity!();
