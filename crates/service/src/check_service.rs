//! `entitlements.v1.CheckService`: validate each check, read every subscription a request names
//! from one revision of the in-memory view at least as fresh as asked (or, past the wait, from a
//! database snapshot: `EntitlementsView::check_snapshot`), and answer each check by the domain's
//! rules. A batch reads each subscription once,
//! however many items name it, and answers a malformed item with its own error.

use std::sync::Arc;

use entitlements::v1 as pb;
use entitlements::v1::check_service_server::CheckService;
use entitlements_domain::{
    Check, CheckAnswer, CheckSnapshot, Error, OrganizationId, SubscriptionSelector, distinct_subscriptions,
    parse_check, validate_batch_size,
};
use entitlements_engine::EntitlementsView;
use tonic::{Request, Response, Status};

use crate::auth::organization_of;
use crate::check_conversions::{check_input_from_pb, check_response_to_pb, item_error_to_pb};
use crate::error_status::status_from_error;
use crate::min_revision::{RequestedRevision, RevisionWait};
use crate::service_counters::ServiceCounters;

/// The CheckService implementation.
#[derive(Debug, Clone)]
pub struct CheckApi {
    view: EntitlementsView,
    revision_wait: RevisionWait,
    /// Where answers are counted by reason, when the server reports metrics.
    counters: Option<Arc<ServiceCounters>>,
}

impl CheckApi {
    pub fn new(
        view: EntitlementsView,
        revision_wait: RevisionWait,
        counters: Option<Arc<ServiceCounters>>,
    ) -> Self {
        Self { view, revision_wait, counters }
    }

    /// `answer`, counted by its reason.
    fn counted(&self, answer: CheckAnswer) -> CheckAnswer {
        if let Some(counters) = &self.counters {
            counters.count_check_answer(answer.reason);
        }
        answer
    }

    /// The snapshot of `selectors` (with the grants of `feature_codes`, the features checked of
    /// each), at the request's `min_revision` or later (the larger of the message's and the
    /// metadata's), from the view when it is that fresh in time.
    async fn snapshot_at_least(
        &self,
        organization_id: OrganizationId,
        selectors: &[SubscriptionSelector],
        feature_codes: &[Vec<&str>],
        min_revision: u64,
        requested: RequestedRevision,
    ) -> Result<CheckSnapshot, Status> {
        let at = requested.read_at(min_revision, self.revision_wait);
        self.view
            .check_snapshot(organization_id, selectors, feature_codes, at)
            .await
            .map_err(|error| self.revision_wait.status(error))
    }
}

/// A check as the domain reads it, and its `min_revision`; `field_prefix` names where the check
/// sits in the request (`items[3].` in a batch), so that its field violations name it.
fn parse(request: pb::CheckRequest, field_prefix: &str) -> (Result<Check, Status>, u64) {
    let (input, min_revision) = check_input_from_pb(request);
    let check = parse_check(input)
        .map_err(|errors| status_from_error(Error::Validation(errors.prefixed(field_prefix))));
    (check, min_revision)
}

#[tonic::async_trait]
impl CheckService for CheckApi {
    async fn check(&self, request: Request<pb::CheckRequest>) -> Result<Response<pb::CheckResponse>, Status> {
        let organization_id = organization_of(&request)?;
        let requested = RequestedRevision::of(&request);
        let (check, min_revision) = parse(request.into_inner(), "");
        let check = check?;
        let feature_codes = [vec![check.target.feature_code()]];
        let selectors = std::slice::from_ref(&check.subscription);
        let snapshot = self
            .snapshot_at_least(organization_id, selectors, &feature_codes, min_revision, requested)
            .await?;
        let subscription = snapshot.subscriptions.first().ok_or_else(|| {
            status_from_error(Error::Internal("a check snapshot without its subscription".to_owned()))
        })?;
        let answer = self.counted(subscription.check(&check.target));
        Ok(Response::new(check_response_to_pb(answer, snapshot.revision)))
    }

    async fn check_bulk(
        &self,
        request: Request<pb::CheckBulkRequest>,
    ) -> Result<Response<pb::CheckBulkResponse>, Status> {
        let organization_id = organization_of(&request)?;
        let requested = RequestedRevision::of(&request);
        let pb::CheckBulkRequest { items, min_revision } = request.into_inner();
        validate_batch_size(items.len()).map_err(|errors| status_from_error(Error::Validation(errors)))?;
        let mut batch_min_revision = min_revision;
        let checks: Vec<Result<Check, Status>> = items
            .into_iter()
            .enumerate()
            .map(|(index, item)| {
                let (check, item_min_revision) = parse(item, &format!("items[{index}]."));
                batch_min_revision = batch_min_revision.max(item_min_revision);
                check
            })
            .collect();
        let (selectors, positions) = distinct_subscriptions(
            checks.iter().map(|check| check.as_ref().ok().map(|check| &check.subscription)),
        );
        let mut feature_codes: Vec<Vec<&str>> = vec![Vec::new(); selectors.len()];
        for (check, position) in checks.iter().zip(&positions) {
            if let (Ok(check), Some(codes)) =
                (check, position.and_then(|position| feature_codes.get_mut(position)))
            {
                codes.push(check.target.feature_code());
            }
        }
        let snapshot = self
            .snapshot_at_least(organization_id, &selectors, &feature_codes, batch_min_revision, requested)
            .await?;
        let results = checks
            .into_iter()
            .zip(positions)
            .map(|(check, position)| {
                let subscription = position.and_then(|position| snapshot.subscriptions.get(position));
                let result = match (check, subscription) {
                    (Ok(check), Some(subscription)) => {
                        pb::check_bulk_result::Result::Response(check_response_to_pb(
                            self.counted(subscription.check(&check.target)),
                            snapshot.revision,
                        ))
                    }
                    (Err(status), _) => pb::check_bulk_result::Result::Error(item_error_to_pb(&status)),
                    (Ok(_), None) => {
                        pb::check_bulk_result::Result::Error(item_error_to_pb(&status_from_error(
                            Error::Internal("a check snapshot without an item's subscription".to_owned()),
                        )))
                    }
                };
                pb::CheckBulkResult { result: Some(result) }
            })
            .collect();
        Ok(Response::new(pb::CheckBulkResponse { results, revision: snapshot.revision }))
    }
}
