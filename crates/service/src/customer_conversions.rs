//! Conversions between the CustomerService messages and domain customers. Proto -> domain
//! destructures every message, so that a new field is a compile error here until it is handled.

use entitlements::v1 as pb;
use entitlements_domain::{
    Customer, CustomerInput, CustomerListFilters, CustomerMetadataInput, CustomerType, EnumInput, Error,
    FinalizeZeroAmountInvoice, ShippingAddressInput,
};

use crate::feature_conversions::{nullable, timestamp};
use crate::tax_conversions::tax_to_pb;

/// The request's customer, or Lago's 400 when it carries none.
pub(crate) fn customer_input_from_pb(customer: Option<pb::CustomerInput>) -> Result<CustomerInput, Error> {
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
    } = customer.ok_or_else(|| Error::missing_param("customer"))?;
    let text = |value: Option<pb::NullableString>| value.map(nullable);
    Ok(CustomerInput {
        external_id,
        billing_entity_code,
        name: text(name),
        firstname: text(firstname),
        lastname: text(lastname),
        customer_type: customer_type.map(|pb::NullableCustomerType { value }| match value {
            None => EnumInput::Null,
            Some(number) => customer_type_from_pb(number).map_or(EnumInput::Unknown, EnumInput::Known),
        }),
        country: text(country),
        address_line1: text(address_line1),
        address_line2: text(address_line2),
        state: text(state),
        zipcode: text(zipcode),
        email: text(email),
        city: text(city),
        url: text(url),
        phone: text(phone),
        logo_url: text(logo_url),
        legal_name: text(legal_name),
        legal_number: text(legal_number),
        currency: text(currency),
        tax_identification_number: text(tax_identification_number),
        timezone: text(timezone),
        net_payment_term: net_payment_term.map(|pb::NullableInt32 { value }| value.map(i64::from)),
        external_salesforce_id: text(external_salesforce_id),
        finalize_zero_amount_invoice: finalize_zero_amount_invoice.map(finalize_from_pb),
        shipping_address: shipping_address.map(shipping_address_input).unwrap_or_default(),
        tax_codes: tax_codes.map(|pb::TaxCodes { codes }| codes),
        metadata: metadata.map(|pb::CustomerMetadataInputs { items }| {
            items
                .into_iter()
                .map(|pb::CustomerMetadataInput { id, key, value, display_in_invoice }| {
                    CustomerMetadataInput { id, key, value, display_in_invoice }
                })
                .collect()
        }),
    })
}

fn shipping_address_input(address: pb::ShippingAddressInput) -> ShippingAddressInput {
    let pb::ShippingAddressInput { address_line1, address_line2, city, zipcode, state, country } = address;
    ShippingAddressInput {
        address_line1: address_line1.map(nullable),
        address_line2: address_line2.map(nullable),
        city: city.map(nullable),
        zipcode: zipcode.map(nullable),
        state: state.map(nullable),
        country: country.map(nullable),
    }
}

fn customer_type_from_pb(number: i32) -> Option<CustomerType> {
    match pb::CustomerType::try_from(number).ok()? {
        pb::CustomerType::Unspecified => None,
        pb::CustomerType::Company => Some(CustomerType::Company),
        pb::CustomerType::Individual => Some(CustomerType::Individual),
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

/// The list request's filters (pagination aside), as raw values for the domain to validate.
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
        account_types,
        billing_entity_codes,
        countries,
        states,
        zipcodes,
        currencies,
        has_tax_identification_number,
        has_customer_type,
        customer_type,
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
        account_type: customer.account_type.as_str().to_owned(),
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
        net_payment_term: attributes.net_payment_term,
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
