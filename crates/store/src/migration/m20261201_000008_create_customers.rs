//! Customers, soft-deleted so that a deleted customer's `external_id` is free for a new customer,
//! and their metadata items. Customer taxes reuse `applied_taxes` (the customer is the owner).
//! `sequential_id` counts every customer of the organization, deleted ones included, as Lago's
//! `Sequenced` does.

use sea_orm_migration::{prelude::*, schema::*};

use super::{
    created_at, deleted_at, execute_all, id, organization_id, organization_key, references, updated_at,
};

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

#[derive(DeriveIden)]
pub(super) enum Customers {
    Table,
    ExternalId,
    AccountType,
    SequentialId,
    Slug,
    Name,
    Firstname,
    Lastname,
    CustomerType,
    Country,
    AddressLine1,
    AddressLine2,
    State,
    Zipcode,
    Email,
    City,
    Url,
    Phone,
    LogoUrl,
    LegalName,
    LegalNumber,
    Currency,
    TaxIdentificationNumber,
    Timezone,
    NetPaymentTerm,
    ExternalSalesforceId,
    FinalizeZeroAmountInvoice,
    ShippingAddressLine1,
    ShippingAddressLine2,
    ShippingCity,
    ShippingZipcode,
    ShippingState,
    ShippingCountry,
}

#[derive(DeriveIden)]
enum CustomerMetadata {
    Table,
    CustomerId,
    Key,
    Value,
    DisplayInInvoice,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Customers::Table)
                    .col(id())
                    .col(organization_id())
                    .col(text(Customers::ExternalId))
                    .col(string(Customers::AccountType))
                    .col(big_integer(Customers::SequentialId))
                    .col(text(Customers::Slug))
                    .col(text_null(Customers::Name))
                    .col(text_null(Customers::Firstname))
                    .col(text_null(Customers::Lastname))
                    .col(string_null(Customers::CustomerType))
                    .col(string_null(Customers::Country))
                    .col(text_null(Customers::AddressLine1))
                    .col(text_null(Customers::AddressLine2))
                    .col(text_null(Customers::State))
                    .col(text_null(Customers::Zipcode))
                    .col(text_null(Customers::Email))
                    .col(text_null(Customers::City))
                    .col(text_null(Customers::Url))
                    .col(text_null(Customers::Phone))
                    .col(text_null(Customers::LogoUrl))
                    .col(text_null(Customers::LegalName))
                    .col(text_null(Customers::LegalNumber))
                    .col(string_null(Customers::Currency))
                    .col(text_null(Customers::TaxIdentificationNumber))
                    .col(string_null(Customers::Timezone))
                    .col(big_integer_null(Customers::NetPaymentTerm))
                    .col(text_null(Customers::ExternalSalesforceId))
                    .col(string(Customers::FinalizeZeroAmountInvoice))
                    .col(text_null(Customers::ShippingAddressLine1))
                    .col(text_null(Customers::ShippingAddressLine2))
                    .col(text_null(Customers::ShippingCity))
                    .col(text_null(Customers::ShippingZipcode))
                    .col(text_null(Customers::ShippingState))
                    .col(string_null(Customers::ShippingCountry))
                    .col(deleted_at())
                    .col(created_at())
                    .col(updated_at())
                    .foreign_key(&mut organization_key(Customers::Table))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(CustomerMetadata::Table)
                    .col(id())
                    .col(organization_id())
                    .col(uuid(CustomerMetadata::CustomerId))
                    .col(text(CustomerMetadata::Key))
                    .col(text(CustomerMetadata::Value))
                    .col(boolean(CustomerMetadata::DisplayInInvoice))
                    .col(created_at())
                    .col(updated_at())
                    .foreign_key(&mut organization_key(CustomerMetadata::Table))
                    .foreign_key(&mut references(
                        CustomerMetadata::Table,
                        CustomerMetadata::CustomerId,
                        Customers::Table,
                    ))
                    .to_owned(),
            )
            .await?;
        execute_all(
            manager,
            &[
                // Lookups by external id, and uniqueness among customers that are not deleted.
                "CREATE UNIQUE INDEX idx_customers_external_id_unique_per_organization \
                 ON customers (organization_id, external_id) WHERE deleted_at IS NULL",
                // The next sequential id (deleted customers included), and its uniqueness.
                "CREATE UNIQUE INDEX idx_customers_sequential_id_per_organization \
                 ON customers (organization_id, sequential_id)",
                // The list: newest first.
                "CREATE INDEX idx_customers_organization_created_at \
                 ON customers (organization_id, created_at DESC, id) WHERE deleted_at IS NULL",
                // A customer's items, oldest first, and the uniqueness of their keys.
                "CREATE UNIQUE INDEX idx_customer_metadata_key_per_customer ON customer_metadata (customer_id, key)",
                "CREATE INDEX idx_customer_metadata_customer ON customer_metadata (customer_id, created_at, id)",
                // The list's metadata filters.
                "CREATE INDEX idx_customer_metadata_organization_key_value \
                 ON customer_metadata (organization_id, key, value)",
            ],
        )
        .await
    }
}
