//! `subscriptions`, never deleted. `status`, `billing_time` and the on-termination choices are
//! stored as Lago spells them; `transition_due_at` is when time alone next changes the row;
//! `trial_ended_at` and the last termination alert are the sweeper's notices (written only by it).

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
    CreditNote <=> OnTerminationCreditNote {
        Credit = "credit",
        Skip = "skip",
        Refund = "refund",
        Offset = "offset",
    }
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
    /// When the free trial ended, recorded by the sweeper.
    pub trial_ended_at: Option<DateTimeUtc>,
    /// The `ending_at` the last termination alert announced, and its threshold in days.
    pub termination_alert_ending_at: Option<DateTimeUtc>,
    pub termination_alert_days: Option<i32>,
    pub on_termination_credit_note: Option<CreditNote>,
    pub on_termination_invoice: Invoice,
    pub progressive_billing_disabled: bool,
    pub consolidate_invoice: bool,
    pub purchase_order_number: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

plain_entity!();

#[cfg(test)]
mod tests {
    use super::*;
    use crate::entity::tests::assert_stored_enum;

    #[test]
    fn status_billing_time_and_termination_choices_are_stored_in_lago_spelling() {
        assert_stored_enum::<Status, SubscriptionStatus>(
            Column::Status,
            &["pending", "active", "terminated", "canceled"],
            &SubscriptionStatus::ALL,
            SubscriptionStatus::as_str,
        );
        assert_stored_enum::<StoredBillingTime, BillingTime>(
            Column::BillingTime,
            &["calendar", "anniversary"],
            &BillingTime::ALL,
            BillingTime::as_str,
        );
        assert_stored_enum::<CreditNote, OnTerminationCreditNote>(
            Column::OnTerminationCreditNote,
            &["credit", "skip", "refund", "offset"],
            &OnTerminationCreditNote::ALL,
            OnTerminationCreditNote::as_str,
        );
        assert_stored_enum::<Invoice, OnTerminationInvoice>(
            Column::OnTerminationInvoice,
            &["generate", "skip"],
            &OnTerminationInvoice::ALL,
            OnTerminationInvoice::as_str,
        );
    }
}
