//! Customers: the people and companies an organization bills, identified by the organization's
//! own `external_id`. Billing entities are out of scope: every customer belongs to the
//! organization's one implicit billing entity, `default`, and every account is a `customer`
//! (Lago's `partner` accounts need its revenue-share integration).

pub(crate) mod country;
pub(crate) mod email;
pub(crate) mod filters;
pub(crate) mod input;
pub(crate) mod metadata;

use std::str::FromStr;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use uuid::Uuid;

use crate::ids::{CustomerId, OrganizationId};
use crate::tax::Tax;

/// The code of the organization's one implicit billing entity.
pub const DEFAULT_BILLING_ENTITY_CODE: &str = "default";

/// The timezone of a customer that has none (Lago falls back to the billing entity's, which is
/// UTC here).
const DEFAULT_TIMEZONE: &str = "UTC";

/// Whether the customer is a company or a person.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CustomerType {
    Company,
    Individual,
}

impl CustomerType {
    pub const ALL: [Self; 2] = [Self::Company, Self::Individual];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Company => "company",
            Self::Individual => "individual",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|candidate| candidate.as_str() == text)
    }
}

/// Lago's account types; only `customer` accounts are created here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccountType {
    Customer,
    Partner,
}

impl AccountType {
    pub const ALL: [Self; 2] = [Self::Customer, Self::Partner];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Customer => "customer",
            Self::Partner => "partner",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|candidate| candidate.as_str() == text)
    }
}

/// What happens to the customer's invoices whose total is zero.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FinalizeZeroAmountInvoice {
    /// Follow the organization's setting.
    #[default]
    Inherit,
    Skip,
    Finalize,
}

impl FinalizeZeroAmountInvoice {
    pub const ALL: [Self; 3] = [Self::Inherit, Self::Skip, Self::Finalize];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Inherit => "inherit",
            Self::Skip => "skip",
            Self::Finalize => "finalize",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|candidate| candidate.as_str() == text)
    }
}

/// Where goods are shipped; every part optional.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ShippingAddress {
    pub address_line1: Option<String>,
    pub address_line2: Option<String>,
    pub city: Option<String>,
    pub zipcode: Option<String>,
    pub state: Option<String>,
    /// An accepted country code (see `COUNTRY_CODES`).
    pub country: Option<String>,
}

/// A customer's own attributes, validated: what an upsert writes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CustomerAttributes {
    /// At most 255 characters, without NUL characters.
    pub name: Option<String>,
    pub firstname: Option<String>,
    pub lastname: Option<String>,
    pub customer_type: Option<CustomerType>,
    /// An accepted country code (see `COUNTRY_CODES`).
    pub country: Option<String>,
    pub address_line1: Option<String>,
    pub address_line2: Option<String>,
    pub state: Option<String>,
    pub zipcode: Option<String>,
    /// Sanitized; one address or several separated by commas, each valid, when not blank.
    pub email: Option<String>,
    pub city: Option<String>,
    pub url: Option<String>,
    pub phone: Option<String>,
    pub logo_url: Option<String>,
    pub legal_name: Option<String>,
    pub legal_number: Option<String>,
    /// One of `CURRENCIES`.
    pub currency: Option<String>,
    pub tax_identification_number: Option<String>,
    /// An IANA timezone name.
    pub timezone: Option<String>,
    /// Days, at least 0.
    pub net_payment_term: Option<i64>,
    pub external_salesforce_id: Option<String>,
    pub finalize_zero_amount_invoice: FinalizeZeroAmountInvoice,
    pub shipping_address: ShippingAddress,
}

impl CustomerAttributes {
    /// The timezone billing uses: the customer's, else UTC.
    pub fn applicable_timezone(&self) -> &str {
        self.timezone.as_deref().filter(|timezone| !timezone.is_empty()).unwrap_or(DEFAULT_TIMEZONE)
    }

    /// `applicable_timezone` as a timezone: dates of the customer's subscriptions are read in it.
    /// A stored name is validated on the way in; UTC stands for one that is not.
    pub fn applicable_tz(&self) -> Tz {
        Tz::from_str(self.applicable_timezone()).unwrap_or(Tz::UTC)
    }
}

/// One key-value pair attached to a customer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomerMetadataItem {
    pub id: Uuid,
    /// Unique among the customer's metadata; 1 to 20 characters.
    pub key: String,
    /// 1 to 100 characters.
    pub value: String,
    pub display_in_invoice: bool,
    pub created_at: DateTime<Utc>,
}

/// A customer as stored, with its metadata (oldest first) and taxes.
#[derive(Debug, Clone, PartialEq)]
pub struct Customer {
    pub id: CustomerId,
    /// Unique among the organization's customers that are not deleted.
    pub external_id: String,
    pub account_type: AccountType,
    /// The customer's rank of creation in its organization, from 1 (deleted customers included).
    pub sequential_id: i64,
    pub slug: String,
    pub attributes: CustomerAttributes,
    pub metadata: Vec<CustomerMetadataItem>,
    pub taxes: Vec<Tax>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Customer {
    /// The code of the customer's billing entity: always the implicit `default`.
    pub fn billing_entity_code(&self) -> &'static str {
        DEFAULT_BILLING_ENTITY_CODE
    }
}

/// Lago's slug (`Customer#ensure_slug`): the organization's document number prefix (the first
/// three characters of its name and the last four of its id, upper-cased) and the sequential id
/// on at least three digits, such as `ACM-3F2A-001`.
pub fn customer_slug(organization_name: &str, organization_id: OrganizationId, sequential_id: i64) -> String {
    let name_part: String = organization_name.chars().take(3).collect::<String>().to_uppercase();
    let id_text = organization_id.to_string();
    let id_part = id_text[id_text.len().saturating_sub(4)..].to_uppercase();
    format!("{name_part}-{id_part}-{sequential_id:03}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slug_follows_lagos_document_number_prefix() {
        let organization_id =
            OrganizationId(Uuid::parse_str("01890a5d-ac96-774b-bcce-b302099a8f3a").expect("a valid uuid"));
        assert_eq!(customer_slug("acme corp", organization_id, 1), "ACM-8F3A-001");
        assert_eq!(customer_slug("é", organization_id, 1234), "É-8F3A-1234");
    }

    #[test]
    fn applicable_timezone_falls_back_to_utc() {
        let mut attributes = CustomerAttributes::default();
        assert_eq!(attributes.applicable_timezone(), "UTC");
        assert_eq!(attributes.applicable_tz(), Tz::UTC);
        attributes.timezone = Some("Europe/Paris".to_owned());
        assert_eq!(attributes.applicable_timezone(), "Europe/Paris");
        assert_eq!(attributes.applicable_tz(), chrono_tz::Europe::Paris);
    }
}
