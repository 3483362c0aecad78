//! `entitlements.v1.CustomerService` over gRPC, through the generated client: every RPC, the
//! update mask of upserts (a listed unset field cleared, unlisted ones kept, shipping address
//! parts, unknown paths refused), metadata by id, the typed list filters (account types,
//! customer types, booleans), and the exact error details of the error table, including the list
//! filters' `field[index]` violations.

use entitlements::v1::customer_service_client::CustomerServiceClient;
use entitlements::v1::{
    AccountType, Customer, CustomerInput, CustomerMetadataFilter, CustomerMetadataInput, CustomerType,
    DeleteCustomerRequest, FinalizeZeroAmountInvoice, GetCustomerRequest, ListCustomersRequest,
    PaginationMeta, ShippingAddressInput, UpsertCustomerRequest,
};
use prost_types::FieldMask;
use tonic::Status;
use tonic::transport::Channel;

use crate::support::conformance::{
    assert_bad_request, assert_not_found, assert_unauthenticated, assert_violations, event,
};
use crate::support::{OTHER_API_KEY, authorized, authorized_as, backend_tests};

type Customers = CustomerServiceClient<Channel>;

fn text(value: &str) -> Option<String> {
    Some(value.to_owned())
}

fn input(external_id: &str) -> CustomerInput {
    CustomerInput { external_id: external_id.to_owned(), ..CustomerInput::default() }
}

fn mask(paths: &[&str]) -> Option<FieldMask> {
    Some(FieldMask { paths: paths.iter().map(|&path| path.to_owned()).collect() })
}

/// Upserts with the implied mask (every field set).
async fn upsert(client: &mut Customers, customer: CustomerInput) -> Result<Customer, Status> {
    upsert_masked(client, customer, None).await
}

async fn upsert_masked(
    client: &mut Customers,
    customer: CustomerInput,
    update_mask: Option<FieldMask>,
) -> Result<Customer, Status> {
    let request = UpsertCustomerRequest { customer: Some(customer), update_mask };
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
                name: text("Acme"),
                customer_type: Some(CustomerType::Company.into()),
                currency: text("EUR"),
                timezone: text("Europe/Paris"),
                net_payment_term: Some(30),
                finalize_zero_amount_invoice: Some(FinalizeZeroAmountInvoice::Skip.into()),
                shipping_address: Some(ShippingAddressInput { country: text("fr"), ..Default::default() }),
                metadata: vec![CustomerMetadataInput {
                    key: text("plan"),
                    value: text("pro"),
                    ..Default::default()
                }],
                ..input("acme")
            },
        )
        .await
        .expect("created");
        assert_eq!(
            (created.billing_entity_code.as_str(), created.account_type(), created.sequential_id),
            ("default", AccountType::Customer, 1)
        );
        assert_eq!(created.customer_type(), CustomerType::Company);
        assert_eq!(created.applicable_timezone, "Europe/Paris");
        assert_eq!(created.net_payment_term, Some(30));
        assert_eq!(created.finalize_zero_amount_invoice(), FinalizeZeroAmountInvoice::Skip);
        assert_eq!(created.shipping_address.as_ref().and_then(|address| address.country.as_deref()), Some("FR"));
        assert_eq!(created.metadata.len(), 1);
        assert_eq!(get(&mut client, "acme").await.expect("found"), created);

        // Listed unset fields clear, unlisted ones are kept, a metadata item named by id is
        // updated in place.
        let updated = upsert_masked(
            &mut client,
            CustomerInput {
                metadata: vec![CustomerMetadataInput {
                    id: Some(created.metadata[0].id.clone()),
                    value: text("enterprise"),
                    ..Default::default()
                }],
                ..input("acme")
            },
            mask(&["currency", "customer_type", "metadata"]),
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
            metadata: vec![CustomerMetadataFilter { key: "plan".to_owned(), value: "enterprise".to_owned() }],
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

    async fn the_update_mask_writes_exactly_its_paths(app) {
        let mut client = app.customer_client().await;
        let address = ShippingAddressInput { city: text("Paris"), zipcode: text("75001"), ..Default::default() };
        upsert(
            &mut client,
            CustomerInput {
                name: text("Acme"),
                email: text("billing@acme.io"),
                net_payment_term: Some(30),
                shipping_address: Some(address),
                ..input("acme")
            },
        )
        .await
        .expect("created");
        // Set but unlisted: not written. Listed but unset: cleared.
        let masked = upsert_masked(
            &mut client,
            CustomerInput { name: text("Ignored"), phone: text("+33 1"), ..input("acme") },
            mask(&["phone", "email", "net_payment_term"]),
        )
        .await
        .expect("updated");
        assert_eq!((masked.name.as_deref(), masked.phone.as_deref()), (Some("Acme"), Some("+33 1")));
        assert_eq!((masked.email, masked.net_payment_term), (None, None));
        // One shipping address part by its path; the others are kept.
        let city = ShippingAddressInput { city: text("Lyon"), zipcode: text("ignored"), ..Default::default() };
        let moved = upsert_masked(
            &mut client,
            CustomerInput { shipping_address: Some(city), ..input("acme") },
            mask(&["shipping_address.city"]),
        )
        .await
        .expect("updated");
        let shipping = moved.shipping_address.expect("an address");
        assert_eq!((shipping.city.as_deref(), shipping.zipcode.as_deref()), (Some("Lyon"), Some("75001")));
        // The whole sub-message: every part written, unset ones cleared.
        let cleared = upsert_masked(&mut client, input("acme"), mask(&["shipping_address"])).await.expect("updated");
        let shipping = cleared.shipping_address.expect("an address");
        assert_eq!((shipping.city, shipping.zipcode), (None, None));
        // Without a mask, only the fields set are written.
        let implied = upsert(&mut client, CustomerInput { email: text("new@acme.io"), ..input("acme") })
            .await
            .expect("updated");
        assert_eq!((implied.email.as_deref(), implied.phone.as_deref()), (Some("new@acme.io"), Some("+33 1")));
        // A path that names no field is refused, and nothing changes.
        for unknown in [&["names"][..], &["shipping_address.street"], &["name", "shipping"]] {
            let refused = upsert_masked(&mut client, CustomerInput { name: text("x"), ..input("acme") }, mask(unknown)).await;
            assert_violations(refused, &[("update_mask", "unknown_field")]);
        }
        assert_eq!(get(&mut client, "acme").await.expect("found").name.as_deref(), Some("Acme"));
    }

    async fn list_filters_are_typed(app) {
        let mut client = app.customer_client().await;
        upsert(
            &mut client,
            CustomerInput {
                customer_type: Some(CustomerType::Company.into()),
                tax_identification_number: text("FR1"),
                ..input("company")
            },
        )
        .await
        .expect("created");
        upsert(&mut client, CustomerInput { customer_type: Some(CustomerType::Individual.into()), ..input("person") })
            .await
            .expect("created");
        upsert(&mut client, input("untyped")).await.expect("created");
        let filter = |fields: ListCustomersRequest| fields;
        let cases: [(ListCustomersRequest, &[&str]); 9] = [
            (filter(ListCustomersRequest { has_tax_identification_number: Some(true), ..Default::default() }), &["company"]),
            (filter(ListCustomersRequest { has_tax_identification_number: Some(false), ..Default::default() }), &["untyped", "person"]),
            (filter(ListCustomersRequest { has_customer_type: Some(true), ..Default::default() }), &["person", "company"]),
            (filter(ListCustomersRequest { has_customer_type: Some(false), ..Default::default() }), &["untyped"]),
            (filter(ListCustomersRequest { customer_type: CustomerType::Individual.into(), ..Default::default() }), &["person"]),
            // A type together with "no type" matches nobody.
            (
                filter(ListCustomersRequest {
                    customer_type: CustomerType::Company.into(),
                    has_customer_type: Some(false),
                    ..Default::default()
                }),
                &[],
            ),
            (filter(ListCustomersRequest { account_types: vec![AccountType::Customer.into()], ..Default::default() }), &["untyped", "person", "company"]),
            (filter(ListCustomersRequest { account_types: vec![AccountType::Partner.into()], ..Default::default() }), &[]),
            (filter(ListCustomersRequest { account_types: vec![AccountType::Unspecified.into()], ..Default::default() }), &[]),
        ];
        for (request, expected) in cases {
            assert_eq!(list(&mut client, request.clone()).await.expect("listed"), expected, "{request:?}");
        }
    }

    async fn errors_carry_lagos_codes(app) {
        let mut client = app.customer_client().await;
        let missing =
            client.upsert_customer(authorized(UpsertCustomerRequest { customer: None, update_mask: None })).await;
        assert_bad_request(missing);
        let invalid = upsert(
            &mut client,
            CustomerInput {
                customer_type: Some(9),
                currency: text("invalid"),
                email: text("nope"),
                ..CustomerInput::default()
            },
        )
        .await;
        assert_violations(
            invalid,
            &[
                ("customer.customer_type", "value_is_invalid"),
                ("customer.currency", "value_is_invalid"),
                ("customer.external_id", "value_is_mandatory"),
                ("customer.email", "invalid_email_format"),
            ],
        );
        let finalize = upsert(&mut client, CustomerInput { finalize_zero_amount_invoice: Some(9), ..input("c") }).await;
        assert_violations(finalize, &[("customer.finalize_zero_amount_invoice", "invalid_value")]);
        let negative = upsert(&mut client, CustomerInput { net_payment_term: Some(-1), ..input("c") }).await;
        assert_violations(negative, &[("customer.net_payment_term", "value_is_out_of_range")]);
        let entity = upsert(&mut client, CustomerInput { billing_entity_code: "eu".to_owned(), ..input("c") }).await;
        assert_not_found(entity, "billing_entity_not_found");
        let tax = upsert(&mut client, CustomerInput { tax_codes: vec!["nope".to_owned()], ..input("c") }).await;
        assert_not_found(tax, "tax_not_found");
        assert_not_found(get(&mut client, "c").await, "customer_not_found");
        let filters = ListCustomersRequest {
            countries: vec!["US".to_owned(), "XX".to_owned()],
            currencies: vec!["usd".to_owned()],
            ..Default::default()
        };
        assert_violations(
            list(&mut client, filters).await,
            &[("countries[1]", "not_a_valid_country_code"), ("currencies[0]", "value_is_invalid")],
        );
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
