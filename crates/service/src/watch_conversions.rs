//! `WatchRequest` into where a stream starts and what it lets through; change events and
//! checkpoints into their messages.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use entitlements::v1 as pb;
use entitlements_domain::{ErrorCode, ValidationErrors};
use entitlements_store::{ChangeEvent, ChangeEventType};

use crate::feature_conversions::timestamp;

/// Where a stream starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum WatchStart {
    /// After the organization's latest revision when the stream opens.
    Now,
    /// Exactly after this revision (saturated to the store's range: a revision that large is
    /// beyond any organization's and refused as such).
    After(i64),
}

/// What a stream lets through; empty sets let everything through.
#[derive(Debug, Clone, Default)]
pub(crate) struct WatchFilter {
    event_types: HashSet<&'static str>,
    subscription_external_ids: HashSet<String>,
}

impl WatchFilter {
    pub(crate) fn matches(&self, event: &ChangeEvent) -> bool {
        let type_matches =
            self.event_types.is_empty() || self.event_types.contains(event.event_type.as_str());
        let object_matches = self.subscription_external_ids.is_empty()
            || (event.object_type == ChangeEventType::SubscriptionUpdated.object_type()
                && self.subscription_external_ids.contains(&event.object_code));
        type_matches && object_matches
    }
}

/// The start and the filter of a watch request.
///
/// # Errors
/// `event_types[i]: value_is_invalid` for a name that is not an event type.
pub(crate) fn watch_query(request: pb::WatchRequest) -> Result<(WatchStart, WatchFilter), ValidationErrors> {
    let pb::WatchRequest { after_revision, event_types, subscription_external_ids } = request;
    let start = match after_revision {
        None => WatchStart::Now,
        Some(revision) => WatchStart::After(i64::try_from(revision).unwrap_or(i64::MAX)),
    };
    let mut errors = ValidationErrors::new();
    let mut known_types = HashSet::new();
    for (index, name) in event_types.iter().enumerate() {
        match ChangeEventType::parse(name) {
            Some(event_type) => {
                known_types.insert(event_type.as_str());
            }
            None => errors.add(format!("event_types[{index}]"), ErrorCode::ValueIsInvalid),
        }
    }
    errors.into_result()?;
    let filter = WatchFilter {
        event_types: known_types,
        subscription_external_ids: subscription_external_ids.into_iter().collect(),
    };
    Ok((start, filter))
}

/// A revision as the wire carries it. Revisions count from 1 (0 before the first event), so a
/// negative one cannot come from the store; it would read as 0.
pub(crate) fn revision_to_pb(revision: i64) -> u64 {
    u64::try_from(revision).unwrap_or_default()
}

pub(crate) fn event_to_pb(event: ChangeEvent) -> pb::WatchResponse {
    let ChangeEvent { sequence, event_type, object_type, object_id, object_code, created_at } = event;
    let event = pb::ChangeEvent {
        revision: revision_to_pb(sequence),
        event_type,
        object_type,
        object_id: object_id.to_string(),
        object_code,
        created_at: Some(timestamp(created_at)),
    };
    pb::WatchResponse { kind: Some(pb::watch_response::Kind::Event(event)) }
}

pub(crate) fn checkpoint_to_pb(revision: i64, at: DateTime<Utc>) -> pb::WatchResponse {
    let checkpoint = pb::Checkpoint { revision: revision_to_pb(revision), at: Some(timestamp(at)) };
    pb::WatchResponse { kind: Some(pb::watch_response::Kind::Checkpoint(checkpoint)) }
}

#[cfg(test)]
mod tests {
    use uuid::Uuid;

    use super::*;

    fn event(event_type: ChangeEventType, object_code: &str) -> ChangeEvent {
        ChangeEvent {
            sequence: 7,
            event_type: event_type.as_str().to_owned(),
            object_type: event_type.object_type().to_owned(),
            object_id: Uuid::nil(),
            object_code: object_code.to_owned(),
            created_at: DateTime::UNIX_EPOCH,
        }
    }

    fn request(event_types: &[&str], subscription_external_ids: &[&str]) -> pb::WatchRequest {
        pb::WatchRequest {
            after_revision: None,
            event_types: event_types.iter().map(|&name| name.to_owned()).collect(),
            subscription_external_ids: subscription_external_ids.iter().map(|&id| id.to_owned()).collect(),
        }
    }

    #[test]
    fn an_empty_filter_lets_everything_through() {
        let (start, filter) = watch_query(request(&[], &[])).expect("valid");
        assert_eq!(start, WatchStart::Now);
        assert!(filter.matches(&event(ChangeEventType::PlanUpdated, "pro")));
    }

    #[test]
    fn filters_combine() {
        let (_, filter) = watch_query(request(&["subscription.updated"], &["sub_1"])).expect("valid");
        assert!(filter.matches(&event(ChangeEventType::SubscriptionUpdated, "sub_1")));
        assert!(!filter.matches(&event(ChangeEventType::SubscriptionUpdated, "sub_2")));
        assert!(!filter.matches(&event(ChangeEventType::SubscriptionStarted, "sub_1")));
        // A customer or plan with the same code is not the subscription.
        let (_, by_id) = watch_query(request(&[], &["sub_1"])).expect("valid");
        assert!(!by_id.matches(&event(ChangeEventType::CustomerUpdated, "sub_1")));
        assert!(by_id.matches(&event(ChangeEventType::SubscriptionTerminated, "sub_1")));
    }

    #[test]
    fn unknown_event_types_are_named_by_index() {
        let errors = watch_query(request(&["plan.updated", "plan.exploded"], &[])).expect_err("invalid");
        assert_eq!(errors, ValidationErrors::single("event_types[1]", ErrorCode::ValueIsInvalid));
    }

    #[test]
    fn a_huge_revision_saturates() {
        let mut huge = request(&[], &[]);
        huge.after_revision = Some(u64::MAX);
        assert_eq!(watch_query(huge).map(|(start, _)| start), Ok(WatchStart::After(i64::MAX)));
    }
}
