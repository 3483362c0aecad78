//! Customers, soft-deleted so that a deleted customer's `external_id` is free for a new customer,
//! and their metadata items. Customer taxes reuse `applied_taxes` (the customer is the owner).
//! `sequential_id` counts every customer of the organization, deleted ones included, as Lago's
//! `Sequenced` does.

use sea_orm_migration::prelude::*;

use super::execute_all;

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

#[derive(DeriveIden)]
enum Organizations {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Customers {
    Table,
    Id,
    OrganizationId,
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
    DeletedAt,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum CustomerMetadata {
    Table,
    Id,
    OrganizationId,
    CustomerId,
    Key,
    Value,
    DisplayInInvoice,
    CreatedAt,
    UpdatedAt,
}

#[async_trait::async_trait]
#[allow(
    elided_lifetimes_in_paths,
    reason = "the signature must match MigrationTrait, whose lifetime is late-bound"
)]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let text = |column: Customers| ColumnDef::new(column).text().null().to_owned();
        manager
            .create_table(
                Table::create()
                    .table(Customers::Table)
                    .col(ColumnDef::new(Customers::Id).uuid().not_null().primary_key())
                    .col(ColumnDef::new(Customers::OrganizationId).uuid().not_null())
                    .col(ColumnDef::new(Customers::ExternalId).text().not_null())
                    .col(ColumnDef::new(Customers::AccountType).string().not_null())
                    .col(ColumnDef::new(Customers::SequentialId).big_integer().not_null())
                    .col(ColumnDef::new(Customers::Slug).text().not_null())
                    .col(text(Customers::Name))
                    .col(text(Customers::Firstname))
                    .col(text(Customers::Lastname))
                    .col(ColumnDef::new(Customers::CustomerType).string().null())
                    .col(ColumnDef::new(Customers::Country).string().null())
                    .col(text(Customers::AddressLine1))
                    .col(text(Customers::AddressLine2))
                    .col(text(Customers::State))
                    .col(text(Customers::Zipcode))
                    .col(text(Customers::Email))
                    .col(text(Customers::City))
                    .col(text(Customers::Url))
                    .col(text(Customers::Phone))
                    .col(text(Customers::LogoUrl))
                    .col(text(Customers::LegalName))
                    .col(text(Customers::LegalNumber))
                    .col(ColumnDef::new(Customers::Currency).string().null())
                    .col(text(Customers::TaxIdentificationNumber))
                    .col(ColumnDef::new(Customers::Timezone).string().null())
                    .col(ColumnDef::new(Customers::NetPaymentTerm).big_integer().null())
                    .col(text(Customers::ExternalSalesforceId))
                    .col(ColumnDef::new(Customers::FinalizeZeroAmountInvoice).string().not_null())
                    .col(text(Customers::ShippingAddressLine1))
                    .col(text(Customers::ShippingAddressLine2))
                    .col(text(Customers::ShippingCity))
                    .col(text(Customers::ShippingZipcode))
                    .col(text(Customers::ShippingState))
                    .col(ColumnDef::new(Customers::ShippingCountry).string().null())
                    .col(ColumnDef::new(Customers::DeletedAt).timestamp_with_time_zone().null())
                    .col(ColumnDef::new(Customers::CreatedAt).timestamp_with_time_zone().not_null())
                    .col(ColumnDef::new(Customers::UpdatedAt).timestamp_with_time_zone().not_null())
                    .foreign_key(
                        ForeignKey::create()
                            .from(Customers::Table, Customers::OrganizationId)
                            .to(Organizations::Table, Organizations::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(CustomerMetadata::Table)
                    .col(ColumnDef::new(CustomerMetadata::Id).uuid().not_null().primary_key())
                    .col(ColumnDef::new(CustomerMetadata::OrganizationId).uuid().not_null())
                    .col(ColumnDef::new(CustomerMetadata::CustomerId).uuid().not_null())
                    .col(ColumnDef::new(CustomerMetadata::Key).text().not_null())
                    .col(ColumnDef::new(CustomerMetadata::Value).text().not_null())
                    .col(ColumnDef::new(CustomerMetadata::DisplayInInvoice).boolean().not_null())
                    .col(ColumnDef::new(CustomerMetadata::CreatedAt).timestamp_with_time_zone().not_null())
                    .col(ColumnDef::new(CustomerMetadata::UpdatedAt).timestamp_with_time_zone().not_null())
                    .foreign_key(
                        ForeignKey::create()
                            .from(CustomerMetadata::Table, CustomerMetadata::OrganizationId)
                            .to(Organizations::Table, Organizations::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(CustomerMetadata::Table, CustomerMetadata::CustomerId)
                            .to(Customers::Table, Customers::Id),
                    )
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
