//! The data set of a run, the shape: 20 features of 3 privileges each, 5 plans of 10
//! features, one customer per subscription, subscriptions spread over the plans in blocks of 10,
//! and an override on every 10th subscription.
//!
//! The catalog and ten template subscriptions (per plan, one with an override and one without)
//! are created through the REST API (`catalog`); every other subscription is a copy of its
//! template's rows, written in bulk while the server is down (`bulk`).

pub(crate) mod bulk;
pub(crate) mod catalog;
mod template_copy;

/// Features in the catalog; each has the privileges of `catalog::PRIVILEGES`.
pub(crate) const FEATURES: u64 = 20;
pub(crate) const PLANS: u64 = 5;
pub(crate) const FEATURES_PER_PLAN: u64 = 10;
/// Every 10th subscription has an override; subscriptions go to plans in blocks of this size, so
/// that overridden ones fall on every plan.
const OVERRIDE_EVERY: u64 = 10;
/// Subscriptions created through the API: indexes 0 and 1 of each plan's first block.
pub(crate) const TEMPLATES: u64 = PLANS * OVERRIDE_EVERY;

pub(crate) fn subscription_external_id(index: u64) -> String {
    format!("bench-sub-{index:07}")
}

pub(crate) fn customer_external_id(index: u64) -> String {
    format!("bench-cus-{index:07}")
}

pub(crate) fn feature_code(feature: u64) -> String {
    format!("feature_{feature:02}")
}

pub(crate) fn plan_code(plan: u64) -> String {
    format!("plan_{plan}")
}

/// The plan of subscription `index`.
pub(crate) fn plan_of(index: u64) -> u64 {
    (index / OVERRIDE_EVERY) % PLANS
}

/// The features plan `plan` grants: 10 consecutive ones (wrapping), so plans overlap.
pub(crate) fn plan_features(plan: u64) -> impl Iterator<Item = u64> {
    (0..FEATURES_PER_PLAN).map(move |offset| (plan * 2 + offset) % FEATURES)
}

pub(crate) fn has_override(index: u64) -> bool {
    index.is_multiple_of(OVERRIDE_EVERY)
}

/// The API-created subscription whose rows subscription `index` copies: the first of its plan's
/// first block if it has an override, else the second.
pub(crate) fn template_of(index: u64) -> u64 {
    plan_of(index) * OVERRIDE_EVERY + u64::from(!has_override(index))
}

pub(crate) fn is_template(index: u64) -> bool {
    template_of(index) == index
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_cover_every_plan_with_and_without_override() {
        let templates: Vec<u64> = (0..1_000).filter(|index| is_template(*index)).collect();
        assert_eq!(templates, vec![0, 1, 10, 11, 20, 21, 30, 31, 40, 41]);
        assert!(templates.iter().all(|index| *index < TEMPLATES));
        for index in 0..1_000 {
            let template = template_of(index);
            assert_eq!((plan_of(template), has_override(template)), (plan_of(index), has_override(index)));
        }
    }

    #[test]
    fn every_10th_subscription_has_an_override_on_every_plan() {
        let overridden: Vec<u64> = (0..100).filter(|index| has_override(*index)).collect();
        assert_eq!(overridden.len(), 10);
        let mut plans: Vec<u64> = overridden.iter().map(|index| plan_of(*index)).collect();
        plans.sort_unstable();
        plans.dedup();
        assert_eq!(plans, vec![0, 1, 2, 3, 4]);
    }
}
