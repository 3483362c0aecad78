//! Subscriptions: a customer on a plan, identified by the organization's `external_id`. An
//! upgrade or a downgrade makes a new subscription with the same external id (linked to the one
//! it replaces), so one external id names a short history of subscriptions, at most one of them
//! active.

pub(crate) mod chain;
pub(crate) mod entitlements;
pub(crate) mod filters;
pub(crate) mod input;
pub(crate) mod lifecycle;
pub(crate) mod notices;
pub(crate) mod selection;

use chrono::{DateTime, NaiveDate, Utc};

use crate::billing_period::{BillingPeriod, BillingTime};
use crate::ids::{CustomerId, SubscriptionId};
use crate::plan::{Plan, PlanInterval};
use crate::subscription::entitlements::SubscriptionEntitlement;

/// Where a subscription is in its life. Lago's `incomplete` (payment-gated activation) is out of
/// scope: no subscription is ever incomplete here.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SubscriptionStatus {
    /// Starts on a later date, or is a downgrade waiting for the period boundary.
    Pending,
    Active,
    Terminated,
    /// Ended before it started.
    Canceled,
}

impl SubscriptionStatus {
    pub const ALL: [Self; 4] = [Self::Pending, Self::Active, Self::Terminated, Self::Canceled];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Active => "active",
            Self::Terminated => "terminated",
            Self::Canceled => "canceled",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|status| status.as_str() == text)
    }

    /// Terminated and canceled subscriptions never change again.
    pub fn is_final(self) -> bool {
        matches!(self, Self::Terminated | Self::Canceled)
    }
}

/// What happens to the unconsumed part of a pay-in-advance period when the subscription ends.
/// Lago stores it only for pay-in-advance plans; without invoices it is recorded, not acted on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnTerminationCreditNote {
    Credit,
    Skip,
    Refund,
    Offset,
}

impl OnTerminationCreditNote {
    pub const ALL: [Self; 4] = [Self::Credit, Self::Skip, Self::Refund, Self::Offset];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Credit => "credit",
            Self::Skip => "skip",
            Self::Refund => "refund",
            Self::Offset => "offset",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|option| option.as_str() == text)
    }
}

/// Whether the termination bills a final invoice (recorded, not acted on: no invoices here).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OnTerminationInvoice {
    #[default]
    Generate,
    Skip,
}

impl OnTerminationInvoice {
    pub const ALL: [Self; 2] = [Self::Generate, Self::Skip];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Generate => "generate",
            Self::Skip => "skip",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|option| option.as_str() == text)
    }
}

/// Lago's `yearly_amount_cents`: the plan's price over a year, which decides whether a plan
/// change is an upgrade (more or equal) or a downgrade (less).
pub fn yearly_amount_cents(interval: PlanInterval, amount_cents: i64) -> i128 {
    let periods_per_year = match interval {
        PlanInterval::Weekly => 52,
        PlanInterval::Monthly => 12,
        PlanInterval::Quarterly => 4,
        PlanInterval::Semiannual => 2,
        PlanInterval::Yearly => 1,
    };
    i128::from(amount_cents) * periods_per_year
}

/// A subscription with everything Lago's subscription object shows, in its effective state
/// (time-driven transitions applied).
#[derive(Debug, Clone, PartialEq)]
pub struct Subscription {
    pub id: SubscriptionId,
    pub external_id: String,
    pub customer_id: CustomerId,
    pub external_customer_id: String,
    /// `""` when none was given at creation; null once an update sets it so.
    pub name: Option<String>,
    /// The plan, as it is (or was, when deleted since).
    pub plan: Plan,
    pub status: SubscriptionStatus,
    pub billing_time: BillingTime,
    pub subscription_at: DateTime<Utc>,
    pub started_at: Option<DateTime<Utc>>,
    pub ending_at: Option<DateTime<Utc>>,
    pub terminated_at: Option<DateTime<Utc>>,
    pub canceled_at: Option<DateTime<Utc>>,
    /// When its free trial ended, once the sweeper has recorded it.
    pub trial_ended_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    /// The plan code of the subscription this one replaced.
    pub previous_plan_code: Option<String>,
    /// The plan code of the latest subscription replacing this one that is not canceled.
    pub next_plan_code: Option<String>,
    /// The local date a scheduled downgrade takes (or took) effect.
    pub downgrade_plan_date: Option<NaiveDate>,
    /// `None` until the subscription starts.
    pub current_billing_period: Option<BillingPeriod>,
    pub on_termination_credit_note: Option<OnTerminationCreditNote>,
    pub on_termination_invoice: OnTerminationInvoice,
    pub progressive_billing_disabled: bool,
    pub consolidate_invoice: bool,
    pub purchase_order_number: Option<String>,
    /// Filled only where Lago embeds them (creation and lookup by external id).
    pub entitlements: Option<Vec<SubscriptionEntitlement>>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yearly_amounts_compare_intervals() {
        assert_eq!(yearly_amount_cents(PlanInterval::Weekly, 100), 5200);
        assert_eq!(yearly_amount_cents(PlanInterval::Monthly, 500), 6000);
        assert_eq!(yearly_amount_cents(PlanInterval::Yearly, i64::MAX), i128::from(i64::MAX));
        assert_eq!(SubscriptionStatus::parse("incomplete"), None);
        assert!(SubscriptionStatus::Canceled.is_final() && !SubscriptionStatus::Pending.is_final());
    }
}
