//! What a change of a billable metric's filters does to the filters of the charges on it, as
//! Lago's `BillableMetricFilters::CreateOrUpdateBatchService` does: a value the metric no longer
//! has leaves every charge filter that named it, a key the metric no longer has leaves them all,
//! and a charge filter left with no key at all is deleted.

use crate::billable_metric::BillableMetricFilter;
use crate::charge::ChargeFilter;

/// The charge filters (with their ids) that remain once the metric's filters went from `before`
/// to `after`, or `None` when none of them changes.
pub fn prune_charge_filters<Id: Copy>(
    filters: &[(ChargeFilter, Id)],
    before: &[BillableMetricFilter],
    after: &[BillableMetricFilter],
) -> Option<Vec<(ChargeFilter, Id)>> {
    let mut changed = false;
    let mut remaining = Vec::with_capacity(filters.len());
    for (filter, id) in filters {
        let mut values = Vec::with_capacity(filter.values.len());
        for (key, key_values) in &filter.values {
            match pruned_values(key, key_values, before, after) {
                Pruned::Kept => values.push((key.clone(), key_values.clone())),
                Pruned::Narrowed(narrowed) => {
                    changed = true;
                    values.push((key.clone(), narrowed));
                }
                Pruned::Removed => changed = true,
            }
        }
        if !values.is_empty() {
            remaining.push((ChargeFilter { values, ..filter.clone() }, *id));
        }
    }
    changed.then_some(remaining)
}

enum Pruned {
    Kept,
    Narrowed(Vec<String>),
    Removed,
}

/// One key of a charge filter: removed with the metric's key; otherwise, when it names a value
/// the metric dropped, narrowed to the values the metric still has (removed if none is left).
/// `__ALL_FILTER_VALUES__` names no value, so it stays while the key does.
fn pruned_values(
    key: &str,
    values: &[String],
    before: &[BillableMetricFilter],
    after: &[BillableMetricFilter],
) -> Pruned {
    let Some(kept) = after.iter().find(|filter| filter.key == key) else {
        return Pruned::Removed;
    };
    let dropped = |value: &String| {
        !kept.values.contains(value)
            && before.iter().any(|filter| filter.key == key && filter.values.contains(value))
    };
    if !values.iter().any(dropped) {
        return Pruned::Kept;
    }
    let narrowed: Vec<String> = values.iter().filter(|value| kept.values.contains(value)).cloned().collect();
    if narrowed.is_empty() { Pruned::Removed } else { Pruned::Narrowed(narrowed) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::charge::ALL_FILTER_VALUES;
    use crate::charge::model::ChargeModel;
    use crate::charge::properties::ChargeProperties;

    fn metric_filter(key: &str, values: &[&str]) -> BillableMetricFilter {
        BillableMetricFilter::new(key.to_owned(), values.iter().map(|&value| value.to_owned()).collect())
    }

    fn charge_filter(values: &[(&str, &[&str])]) -> ChargeFilter {
        ChargeFilter {
            invoice_display_name: None,
            properties: ChargeProperties::defaults(ChargeModel::Standard),
            values: values
                .iter()
                .map(|(key, values)| {
                    ((*key).to_owned(), values.iter().map(|&value| value.to_owned()).collect())
                })
                .collect(),
        }
    }

    #[test]
    fn unchanged_metric_filters_change_no_charge() {
        let before = [metric_filter("region", &["eu", "us"])];
        let filters = [(charge_filter(&[("region", &["eu"])]), 1)];
        assert_eq!(prune_charge_filters(&filters, &before, &before), None);
    }

    #[test]
    fn an_added_value_changes_no_charge() {
        let before = [metric_filter("region", &["eu"])];
        let after = [metric_filter("region", &["eu", "us"])];
        let filters = [(charge_filter(&[("region", &["eu"])]), 1)];
        assert_eq!(prune_charge_filters(&filters, &before, &after), None);
    }

    #[test]
    fn a_dropped_value_narrows_the_filters_naming_it() {
        let before = [metric_filter("region", &["eu", "uk", "us"])];
        let after = [metric_filter("region", &["eu", "us"])];
        let filters =
            [(charge_filter(&[("region", &["eu", "uk"])]), 1), (charge_filter(&[("region", &["us"])]), 2)];
        assert_eq!(
            prune_charge_filters(&filters, &before, &after),
            Some(vec![
                (charge_filter(&[("region", &["eu"])]), 1),
                (charge_filter(&[("region", &["us"])]), 2)
            ])
        );
    }

    #[test]
    fn a_filter_left_without_values_is_deleted_and_one_with_other_keys_kept() {
        let before = [metric_filter("method", &["card", "sepa"]), metric_filter("region", &["eu", "us"])];
        let after = [metric_filter("method", &["card", "sepa"]), metric_filter("region", &["eu"])];
        let filters = [
            (charge_filter(&[("region", &["us"])]), 1),
            (charge_filter(&[("region", &["us"]), ("method", &["card"])]), 2),
        ];
        assert_eq!(
            prune_charge_filters(&filters, &before, &after),
            Some(vec![(charge_filter(&[("method", &["card"])]), 2)])
        );
    }

    #[test]
    fn a_removed_key_leaves_every_filter_even_all_values() {
        let before = [metric_filter("method", &["card"]), metric_filter("region", &["eu"])];
        let after = [metric_filter("method", &["card"])];
        let filters = [
            (charge_filter(&[("region", &[ALL_FILTER_VALUES]), ("method", &["card"])]), 1),
            (charge_filter(&[("region", &["eu"])]), 2),
        ];
        assert_eq!(
            prune_charge_filters(&filters, &before, &after),
            Some(vec![(charge_filter(&[("method", &["card"])]), 1)])
        );
    }

    #[test]
    fn all_values_stays_while_its_key_does() {
        let before = [metric_filter("region", &["eu", "us"])];
        let after = [metric_filter("region", &["eu"])];
        let filters = [(charge_filter(&[("region", &[ALL_FILTER_VALUES])]), 1)];
        assert_eq!(prune_charge_filters(&filters, &before, &after), None);
    }
}
