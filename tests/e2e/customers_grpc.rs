//! `entitlements.v1.CustomerService` over gRPC, through the generated client: every RPC, the
//! presence semantics of upserts (NullableString, the enums, metadata by id), and the exact error
//! details of the error table, including the list filters' `field[index]` violations.

use entitlements::v1::customer_service_client::CustomerServiceClient;
use entitlements::v1::{
    Customer, CustomerInput, CustomerMetadataFilter, CustomerMetadataInput, CustomerMetadataInputs,
    CustomerType, DeleteCustomerRequest, FinalizeZeroAmountInvoice, GetCustomerRequest, ListCustomersRequest,
    NullableCustomerType, NullableInt32, NullableString, PaginationMeta, ShippingAddressInput,
    UpsertCustomerRequest,
};
use tonic::Status;
use tonic::transport::Channel;

use crate::support::conformance::{
    assert_bad_request, assert_not_found, assert_unauthenticated, assert_violations, event,
};
use crate::support::{OTHER_API_KEY, authorized, authorized_as, backend_tests};

type Customers = CustomerServiceClient<Channel>;

fn set_to(value: &str) -> Option<NullableString> {
    Some(NullableString { value: Some(value.to_owned()) })
}

fn null() -> Option<NullableString> {
    Some(NullableString { value: None })
}

fn input(external_id: &str) -> CustomerInput {
    CustomerInput { external_id: Some(external_id.to_owned()), ..CustomerInput::default() }
}

async fn upsert(client: &mut Customers, customer: CustomerInput) -> Result<Customer, Status> {
    let request = UpsertCustomerRequest { customer: Some(customer) };
    Ok(client.upsert_customer(authorized(request)).await?.into_inner().customer.expect("a customer"))
}

async fn get(client: &mut Customers, external_id: &str) -> Result<Customer, Status> {
    let request = GetCustomerRequest { external_id: external_id.to_owned() };
    Ok(client.get_customer(authorized(request)).await?.into_inner().customer.expect("a customer"))
}

async fn list(client: &mut Customers, request: ListCustomersRequest) -> Result<Vec<String>, Status> {
    let response = client.list_customers(authorized(request)).await?.into_inner();
    Ok(response.customers.into_iter().map(|customer| customer.external_id).collect())
}

backend_tests! {
    async fn upsert_get_list_and_delete(app) {
        let mut client = app.customer_client().await;
        let created = upsert(
            &mut client,
            CustomerInput {
                name: set_to("Acme"),
                customer_type: Some(NullableCustomerType { value: Some(CustomerType::Company.into()) }),
                currency: set_to("EUR"),
                timezone: set_to("Europe/Paris"),
                net_payment_term: Some(NullableInt32 { value: Some(30) }),
                finalize_zero_amount_invoice: Some(FinalizeZeroAmountInvoice::Skip.into()),
                shipping_address: Some(ShippingAddressInput { country: set_to("fr"), ..Default::default() }),
                metadata: Some(CustomerMetadataInputs {
                    items: vec![CustomerMetadataInput {
                        key: Some("plan".to_owned()),
                        value: Some("pro".to_owned()),
                        ..Default::default()
                    }],
                }),
                ..input("acme")
            },
        )
        .await
        .expect("created");
        assert_eq!(
            (created.billing_entity_code.as_str(), created.account_type.as_str(), created.sequential_id),
            ("default", "customer", 1)
        );
        assert_eq!(created.customer_type(), CustomerType::Company);
        assert_eq!(created.applicable_timezone, "Europe/Paris");
        assert_eq!(created.net_payment_term, Some(30));
        assert_eq!(created.finalize_zero_amount_invoice(), FinalizeZeroAmountInvoice::Skip);
        assert_eq!(created.shipping_address.as_ref().and_then(|address| address.country.as_deref()), Some("FR"));
        assert_eq!(created.metadata.len(), 1);
        assert_eq!(get(&mut client, "acme").await.expect("found"), created);

        // Absent fields are kept, null clears, a metadata item named by id is updated in place.
        let updated = upsert(
            &mut client,
            CustomerInput {
                currency: null(),
                customer_type: Some(NullableCustomerType { value: None }),
                metadata: Some(CustomerMetadataInputs {
                    items: vec![CustomerMetadataInput {
                        id: Some(created.metadata[0].id.clone()),
                        value: Some("enterprise".to_owned()),
                        ..Default::default()
                    }],
                }),
                ..input("acme")
            },
        )
        .await
        .expect("updated");
        assert_eq!((updated.id.as_str(), updated.name.as_deref()), (created.id.as_str(), Some("Acme")));
        assert_eq!((updated.currency, updated.customer_type), (None, None));
        assert_eq!(
            (updated.metadata[0].id.as_str(), updated.metadata[0].key.as_str(), updated.metadata[0].value.as_str()),
            (created.metadata[0].id.as_str(), "plan", "enterprise")
        );

        upsert(&mut client, input("other")).await.expect("created");
        let response = client
            .list_customers(authorized(ListCustomersRequest { per_page: 1, ..Default::default() }))
            .await
            .expect("listed")
            .into_inner();
        assert_eq!(response.customers[0].external_id, "other");
        assert_eq!(
            response.meta,
            Some(PaginationMeta { current_page: 1, next_page: Some(2), prev_page: None, total_pages: 2, total_count: 2 })
        );
        let filtered = ListCustomersRequest {
            metadata: vec![CustomerMetadataFilter { key: "plan".to_owned(), value: Some("enterprise".to_owned()) }],
            ..Default::default()
        };
        assert_eq!(list(&mut client, filtered).await.expect("listed"), ["acme"]);

        let request = DeleteCustomerRequest { external_id: "acme".to_owned() };
        let deleted = client.delete_customer(authorized(request)).await.expect("deleted").into_inner();
        assert_eq!(deleted.customer.map(|customer| customer.id), Some(created.id));
        assert_not_found(get(&mut client, "acme").await, "customer_not_found");
        assert_eq!(
            app.change_event_codes().await,
            [event("customer.created", "acme"), event("customer.updated", "acme"),
             event("customer.created", "other"), event("customer.deleted", "acme")]
        );
    }

    async fn errors_carry_lagos_codes(app) {
        let mut client = app.customer_client().await;
        let missing = client.upsert_customer(authorized(UpsertCustomerRequest { customer: None })).await;
        assert_bad_request(missing);
        let invalid = upsert(
            &mut client,
            CustomerInput {
                external_id: None,
                customer_type: Some(NullableCustomerType { value: Some(CustomerType::Unspecified.into()) }),
                currency: set_to("invalid"),
                email: set_to("nope"),
                ..CustomerInput::default()
            },
        )
        .await;
        assert_violations(
            invalid,
            &[
                ("customer_type", "value_is_invalid"),
                ("currency", "value_is_invalid"),
                ("external_id", "value_is_mandatory"),
                ("email", "invalid_email_format"),
            ],
        );
        let finalize = upsert(&mut client, CustomerInput { finalize_zero_amount_invoice: Some(9), ..input("c") }).await;
        assert_violations(finalize, &[("finalize_zero_amount_invoice", "invalid_value")]);
        let entity = upsert(&mut client, CustomerInput { billing_entity_code: Some("eu".to_owned()), ..input("c") }).await;
        assert_not_found(entity, "billing_entity_not_found");
        let tax = upsert(
            &mut client,
            CustomerInput {
                tax_codes: Some(entitlements::v1::TaxCodes { codes: vec!["nope".to_owned()] }),
                ..input("c")
            },
        )
        .await;
        assert_not_found(tax, "tax_not_found");
        assert_not_found(get(&mut client, "c").await, "customer_not_found");
        let filters = ListCustomersRequest {
            countries: vec!["US".to_owned(), "XX".to_owned()],
            has_customer_type: Some("maybe".to_owned()),
            metadata: vec![CustomerMetadataFilter { key: "k".to_owned(), value: None }],
            ..Default::default()
        };
        let status = list(&mut client, filters).await.expect_err("invalid filters");
        let details = tonic_types::StatusExt::get_error_details(&status);
        let fields: Vec<&str> = details
            .bad_request()
            .expect("field violations")
            .field_violations
            .iter()
            .map(|violation| violation.field.as_str())
            .collect();
        assert_eq!(fields, ["countries[1]", "has_customer_type", "metadata[k]"]);
        let unknown_entity =
            ListCustomersRequest { billing_entity_codes: vec!["eu".to_owned()], ..Default::default() };
        assert_not_found(list(&mut client, unknown_entity).await, "billing_entity_not_found");
        let too_large = ListCustomersRequest { per_page: 1001, ..Default::default() };
        assert_violations(list(&mut client, too_large).await, &[("per_page", "value_is_out_of_range")]);
        assert_eq!(app.change_event_codes().await, []);
    }

    async fn keys_select_the_organization(app) {
        let mut client = app.customer_client().await;
        upsert(&mut client, input("mine")).await.expect("created");
        let request = GetCustomerRequest { external_id: "mine".to_owned() };
        assert_not_found(
            client.get_customer(authorized_as(OTHER_API_KEY, request.clone())).await,
            "customer_not_found",
        );
        let delete = DeleteCustomerRequest { external_id: "mine".to_owned() };
        assert_not_found(client.delete_customer(authorized_as(OTHER_API_KEY, delete)).await, "customer_not_found");
        assert_unauthenticated(client.get_customer(tonic::Request::new(request)).await);
        assert_eq!(get(&mut client, "mine").await.expect("still there").external_id, "mine");
    }
}
