//! Lago's subscription status words as SubscriptionStatus numbers. A word that names no status
//! (Lago's `incomplete`, which no subscription here has, or anything else) is sent as a number
//! outside the enum, which the services read as a status no subscription has: a lookup finds
//! nothing, a list filter matches nothing, as Lago answers.

use entitlements::v1 as pb;

/// A status number no subscription has.
const NO_SUCH_STATUS: i32 = -1;

/// The status a word names, exactly as Lago spells it.
pub(crate) fn status_number(word: &str) -> i32 {
    let status = match word {
        "pending" => pb::SubscriptionStatus::Pending,
        "active" => pb::SubscriptionStatus::Active,
        "terminated" => pb::SubscriptionStatus::Terminated,
        "canceled" => pb::SubscriptionStatus::Canceled,
        _ => return NO_SUCH_STATUS,
    };
    status.into()
}

/// Whether a word is one of Lago's statuses, `incomplete` included.
pub(crate) fn is_lago_status(word: &str) -> bool {
    word == "incomplete" || status_number(word) != NO_SUCH_STATUS
}

/// A lookup's status (`GET /subscriptions/{external_id}?status=`, the entitlement routes'
/// `subscription_status`): none means active (UNSPECIFIED); a word that names no status finds
/// nothing.
pub(crate) fn lookup_status(word: Option<&str>) -> i32 {
    word.map_or(pb::SubscriptionStatus::Unspecified.into(), status_number)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_are_lagos_exactly() {
        assert_eq!(lookup_status(None), 0);
        assert_eq!(lookup_status(Some("terminated")), i32::from(pb::SubscriptionStatus::Terminated));
        for nothing in ["incomplete", "Active", "", "whatever"] {
            assert_eq!(lookup_status(Some(nothing)), NO_SUCH_STATUS, "{nothing}");
        }
        assert!(is_lago_status("incomplete") && is_lago_status("canceled") && !is_lago_status("nope"));
    }
}
