//! Conversions between the CustomerService messages and domain customers. Proto -> domain
//! destructures every message, so that a new field is a compile error here until it is handled.

use entitlements::v1 as pb;
use entitlements_domain::{
    AccountType, Customer, CustomerInput, CustomerListFilters, CustomerMetadataInput, CustomerType,
    EnumInput, Error, FinalizeZeroAmountInvoice, ShippingAddressInput,
};
use prost_types::FieldMask;

use crate::feature_conversions::timestamp;
use crate::tax_conversions::tax_to_pb;
use crate::update_mask::{UpdateMask, populated_path};

/// Every path of CustomerInput a mask may name (the identifying fields included, which are read
/// whatever the mask says).
const CUSTOMER_PATHS: &[&str] = &[
    "external_id",
    "billing_entity_code",
    "name",
    "firstname",
    "lastname",
    "customer_type",
    "country",
    "address_line1",
    "address_line2",
    "state",
    "zipcode",
    "email",
    "city",
    "url",
    "phone",
    "logo_url",
    "legal_name",
    "legal_number",
    "currency",
    "tax_identification_number",
    "timezone",
    "net_payment_term",
    "external_salesforce_id",
    "finalize_zero_amount_invoice",
    "shipping_address",
    "shipping_address.address_line1",
    "shipping_address.address_line2",
    "shipping_address.city",
    "shipping_address.zipcode",
    "shipping_address.state",
    "shipping_address.country",
    "tax_codes",
    "metadata",
];

/// The request's customer and mask, or Lago's 400 when it carries no customer.
///
/// # Errors
/// `BadRequest` without a customer; `Validation` with `update_mask: unknown_field`.
pub(crate) fn customer_input_from_pb(
    customer: Option<pb::CustomerInput>,
    update_mask: Option<FieldMask>,
) -> Result<CustomerInput, Error> {
    let customer = customer.ok_or_else(|| Error::missing_param("customer"))?;
    let mask = UpdateMask::read(update_mask, CUSTOMER_PATHS, || populated_paths(&customer))?;
    let pb::CustomerInput {
        external_id,
        billing_entity_code,
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
        tax_codes,
        metadata,
    } = customer;
    let pb::ShippingAddressInput {
        address_line1: shipping_address_line1,
        address_line2: shipping_address_line2,
        city: shipping_city,
        zipcode: shipping_zipcode,
        state: shipping_state,
        country: shipping_country,
    } = shipping_address.unwrap_or_default();
    Ok(CustomerInput {
        external_id: Some(external_id),
        billing_entity_code: Some(billing_entity_code),
        name: mask.field("name", name),
        firstname: mask.field("firstname", firstname),
        lastname: mask.field("lastname", lastname),
        customer_type: mask.field("customer_type", customer_type).map(|number| {
            number.map_or(EnumInput::Null, |number| {
                customer_type_from_pb(number)
                    .map_or(EnumInput::Unknown, |known| known.map_or(EnumInput::Null, EnumInput::Known))
            })
        }),
        country: mask.field("country", country),
        address_line1: mask.field("address_line1", address_line1),
        address_line2: mask.field("address_line2", address_line2),
        state: mask.field("state", state),
        zipcode: mask.field("zipcode", zipcode),
        email: mask.field("email", email),
        city: mask.field("city", city),
        url: mask.field("url", url),
        phone: mask.field("phone", phone),
        logo_url: mask.field("logo_url", logo_url),
        legal_name: mask.field("legal_name", legal_name),
        legal_number: mask.field("legal_number", legal_number),
        currency: mask.field("currency", currency),
        tax_identification_number: mask.field("tax_identification_number", tax_identification_number),
        timezone: mask.field("timezone", timezone),
        net_payment_term: mask.field("net_payment_term", net_payment_term).map(|days| days.map(i64::from)),
        external_salesforce_id: mask.field("external_salesforce_id", external_salesforce_id),
        finalize_zero_amount_invoice: mask
            .field("finalize_zero_amount_invoice", finalize_zero_amount_invoice)
            .map(|number| number.map_or(EnumInput::Null, finalize_from_pb)),
        shipping_address: ShippingAddressInput {
            address_line1: mask.field("shipping_address.address_line1", shipping_address_line1),
            address_line2: mask.field("shipping_address.address_line2", shipping_address_line2),
            city: mask.field("shipping_address.city", shipping_city),
            zipcode: mask.field("shipping_address.zipcode", shipping_zipcode),
            state: mask.field("shipping_address.state", shipping_state),
            country: mask.field("shipping_address.country", shipping_country),
        },
        tax_codes: mask.contains("tax_codes").then_some(tax_codes),
        metadata: mask.contains("metadata").then(|| {
            metadata
                .into_iter()
                .map(|pb::CustomerMetadataInput { id, key, value, display_in_invoice }| {
                    CustomerMetadataInput { id, key, value, display_in_invoice }
                })
                .collect()
        }),
    })
}

/// The implied mask: the fields the client set (shipping address parts one by one, lists when
/// not empty).
fn populated_paths(customer: &pb::CustomerInput) -> Vec<&'static str> {
    let pb::CustomerInput {
        external_id: _,
        billing_entity_code: _,
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
        tax_codes,
        metadata,
    } = customer;
    let mut paths: Vec<&'static str> = [
        populated_path("name", name.is_some()),
        populated_path("firstname", firstname.is_some()),
        populated_path("lastname", lastname.is_some()),
        populated_path("customer_type", customer_type.is_some()),
        populated_path("country", country.is_some()),
        populated_path("address_line1", address_line1.is_some()),
        populated_path("address_line2", address_line2.is_some()),
        populated_path("state", state.is_some()),
        populated_path("zipcode", zipcode.is_some()),
        populated_path("email", email.is_some()),
        populated_path("city", city.is_some()),
        populated_path("url", url.is_some()),
        populated_path("phone", phone.is_some()),
        populated_path("logo_url", logo_url.is_some()),
        populated_path("legal_name", legal_name.is_some()),
        populated_path("legal_number", legal_number.is_some()),
        populated_path("currency", currency.is_some()),
        populated_path("tax_identification_number", tax_identification_number.is_some()),
        populated_path("timezone", timezone.is_some()),
        populated_path("net_payment_term", net_payment_term.is_some()),
        populated_path("external_salesforce_id", external_salesforce_id.is_some()),
        populated_path("finalize_zero_amount_invoice", finalize_zero_amount_invoice.is_some()),
        populated_path("tax_codes", !tax_codes.is_empty()),
        populated_path("metadata", !metadata.is_empty()),
    ]
    .into_iter()
    .flatten()
    .collect();
    if let Some(pb::ShippingAddressInput { address_line1, address_line2, city, zipcode, state, country }) =
        shipping_address
    {
        paths.extend(
            [
                populated_path("shipping_address.address_line1", address_line1.is_some()),
                populated_path("shipping_address.address_line2", address_line2.is_some()),
                populated_path("shipping_address.city", city.is_some()),
                populated_path("shipping_address.zipcode", zipcode.is_some()),
                populated_path("shipping_address.state", state.is_some()),
                populated_path("shipping_address.country", country.is_some()),
            ]
            .into_iter()
            .flatten(),
        );
    }
    paths
}

/// `None` for a number outside the enum; `Some(None)` for UNSPECIFIED (no type).
fn customer_type_from_pb(number: i32) -> Option<Option<CustomerType>> {
    match pb::CustomerType::try_from(number).ok()? {
        pb::CustomerType::Unspecified => Some(None),
        pb::CustomerType::Company => Some(Some(CustomerType::Company)),
        pb::CustomerType::Individual => Some(Some(CustomerType::Individual)),
    }
}

/// `None` for UNSPECIFIED and numbers outside the enum (they match no customer).
fn account_type_from_pb(number: i32) -> Option<AccountType> {
    match pb::AccountType::try_from(number).ok()? {
        pb::AccountType::Unspecified => None,
        pb::AccountType::Customer => Some(AccountType::Customer),
        pb::AccountType::Partner => Some(AccountType::Partner),
    }
}

fn account_type_to_pb(account_type: AccountType) -> pb::AccountType {
    match account_type {
        AccountType::Customer => pb::AccountType::Customer,
        AccountType::Partner => pb::AccountType::Partner,
    }
}

fn customer_type_to_pb(customer_type: CustomerType) -> pb::CustomerType {
    match customer_type {
        CustomerType::Company => pb::CustomerType::Company,
        CustomerType::Individual => pb::CustomerType::Individual,
    }
}

fn finalize_from_pb(number: i32) -> EnumInput<FinalizeZeroAmountInvoice> {
    match pb::FinalizeZeroAmountInvoice::try_from(number) {
        Ok(pb::FinalizeZeroAmountInvoice::Unspecified) => EnumInput::Null,
        Ok(pb::FinalizeZeroAmountInvoice::Inherit) => EnumInput::Known(FinalizeZeroAmountInvoice::Inherit),
        Ok(pb::FinalizeZeroAmountInvoice::Skip) => EnumInput::Known(FinalizeZeroAmountInvoice::Skip),
        Ok(pb::FinalizeZeroAmountInvoice::Finalize) => EnumInput::Known(FinalizeZeroAmountInvoice::Finalize),
        Err(_) => EnumInput::Unknown,
    }
}

fn finalize_to_pb(option: FinalizeZeroAmountInvoice) -> pb::FinalizeZeroAmountInvoice {
    match option {
        FinalizeZeroAmountInvoice::Inherit => pb::FinalizeZeroAmountInvoice::Inherit,
        FinalizeZeroAmountInvoice::Skip => pb::FinalizeZeroAmountInvoice::Skip,
        FinalizeZeroAmountInvoice::Finalize => pb::FinalizeZeroAmountInvoice::Finalize,
    }
}

/// The list request's filters (pagination aside), for the domain to validate.
pub(crate) fn list_filters_from_pb(request: pb::ListCustomersRequest) -> CustomerListFilters {
    let pb::ListCustomersRequest {
        page: _,
        per_page: _,
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
    } = request;
    CustomerListFilters {
        external_id,
        account_types: account_types.into_iter().map(account_type_from_pb).collect(),
        billing_entity_codes,
        countries,
        states,
        zipcodes,
        currencies,
        has_tax_identification_number,
        has_customer_type,
        customer_type: customer_type_from_pb(customer_type)
            .map_or(EnumInput::Unknown, |known| known.map_or(EnumInput::Null, EnumInput::Known)),
        metadata: metadata
            .into_iter()
            .map(|pb::CustomerMetadataFilter { key, value }| (key, value))
            .collect(),
        search_term,
    }
}

pub(crate) fn customer_to_pb(customer: Customer) -> pb::Customer {
    let billing_entity_code = customer.billing_entity_code().to_owned();
    let applicable_timezone = customer.attributes.applicable_timezone().to_owned();
    let attributes = customer.attributes;
    let shipping = attributes.shipping_address;
    pb::Customer {
        id: customer.id.to_string(),
        billing_entity_code,
        external_id: customer.external_id,
        account_type: account_type_to_pb(customer.account_type).into(),
        name: attributes.name,
        firstname: attributes.firstname,
        lastname: attributes.lastname,
        customer_type: attributes
            .customer_type
            .map(|customer_type| customer_type_to_pb(customer_type).into()),
        sequential_id: customer.sequential_id,
        slug: customer.slug,
        created_at: Some(timestamp(customer.created_at)),
        updated_at: Some(timestamp(customer.updated_at)),
        country: attributes.country,
        address_line1: attributes.address_line1,
        address_line2: attributes.address_line2,
        state: attributes.state,
        zipcode: attributes.zipcode,
        email: attributes.email,
        city: attributes.city,
        url: attributes.url,
        phone: attributes.phone,
        logo_url: attributes.logo_url,
        legal_name: attributes.legal_name,
        legal_number: attributes.legal_number,
        currency: attributes.currency,
        tax_identification_number: attributes.tax_identification_number,
        timezone: attributes.timezone,
        applicable_timezone,
        // Stored from an i32 and checked non-negative, so it fits; a corrupt value shows as none.
        net_payment_term: attributes.net_payment_term.and_then(|days| i32::try_from(days).ok()),
        external_salesforce_id: attributes.external_salesforce_id,
        finalize_zero_amount_invoice: finalize_to_pb(attributes.finalize_zero_amount_invoice).into(),
        shipping_address: Some(pb::ShippingAddress {
            address_line1: shipping.address_line1,
            address_line2: shipping.address_line2,
            city: shipping.city,
            zipcode: shipping.zipcode,
            state: shipping.state,
            country: shipping.country,
        }),
        metadata: customer
            .metadata
            .into_iter()
            .map(|item| pb::CustomerMetadata {
                id: item.id.to_string(),
                key: item.key,
                value: item.value,
                display_in_invoice: item.display_in_invoice,
                created_at: Some(timestamp(item.created_at)),
            })
            .collect(),
        taxes: customer.taxes.iter().map(tax_to_pb).collect(),
    }
}
