//! `subscriptions`, never deleted. `status`, `billing_time` and the on-termination choices are
//! stored as Lago spells them; `transition_due_at` is when time alone next changes the row.

use entitlements_domain::{BillingTime, OnTerminationCreditNote, OnTerminationInvoice, SubscriptionStatus};
use sea_orm::entity::prelude::*;

stored_enum! {
    /// `status`.
    Status <=> SubscriptionStatus {
        Pending = "pending",
        Active = "active",
        Terminated = "terminated",
        Canceled = "canceled",
    }
}

stored_enum! {
    /// `billing_time`.
    StoredBillingTime <=> BillingTime { Calendar = "calendar", Anniversary = "anniversary" }
}

stored_enum! {
    /// `on_termination_credit_note`.
    CreditNote <=> OnTerminationCreditNote { Credit = "credit", Skip = "skip", Refund = "refund", Offset = "offset" }
}

stored_enum! {
    /// `on_termination_invoice`.
    Invoice <=> OnTerminationInvoice { Generate = "generate", Skip = "skip" }
}

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "subscriptions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub organization_id: Uuid,
    pub customer_id: Uuid,
    pub plan_id: Uuid,
    pub previous_subscription_id: Option<Uuid>,
    pub external_id: String,
    pub name: Option<String>,
    pub status: Status,
    pub billing_time: StoredBillingTime,
    pub subscription_at: DateTimeUtc,
    pub started_at: Option<DateTimeUtc>,
    pub ending_at: Option<DateTimeUtc>,
    pub terminated_at: Option<DateTimeUtc>,
    pub canceled_at: Option<DateTimeUtc>,
    pub downgrade_at: Option<DateTimeUtc>,
    pub transition_due_at: Option<DateTimeUtc>,
    pub on_termination_credit_note: Option<CreditNote>,
    pub on_termination_invoice: Invoice,
    pub progressive_billing_disabled: bool,
    pub consolidate_invoice: bool,
    pub purchase_order_number: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

#[cfg(test)]
mod tests {
    use entitlements_domain::{
        BillingTime, OnTerminationCreditNote, OnTerminationInvoice, SubscriptionStatus,
    };
    use sea_orm::{ActiveEnum, Iterable};

    use super::{CreditNote, Invoice, Status, StoredBillingTime};

    #[test]
    fn every_stored_value_is_the_string_its_domain_value_is_spelled_as() {
        for status in Status::iter() {
            assert_eq!(status.to_value(), SubscriptionStatus::from(status).as_str());
            assert_eq!(Status::from(SubscriptionStatus::from(status)), status);
        }
        for billing_time in StoredBillingTime::iter() {
            assert_eq!(billing_time.to_value(), BillingTime::from(billing_time).as_str());
            assert_eq!(StoredBillingTime::from(BillingTime::from(billing_time)), billing_time);
        }
        for credit_note in CreditNote::iter() {
            assert_eq!(credit_note.to_value(), OnTerminationCreditNote::from(credit_note).as_str());
            assert_eq!(CreditNote::from(OnTerminationCreditNote::from(credit_note)), credit_note);
        }
        for invoice in Invoice::iter() {
            assert_eq!(invoice.to_value(), OnTerminationInvoice::from(invoice).as_str());
            assert_eq!(Invoice::from(OnTerminationInvoice::from(invoice)), invoice);
        }
    }
}
