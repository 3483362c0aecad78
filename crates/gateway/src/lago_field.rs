//! Lago's `error_details` keys, rebuilt from the services' field violations. The services name a
//! field by its proto path in the request (`feature.privileges[1].code`,
//! `entitlements[0].privileges[2].value`, `plan.charges[0].charge_model`); Lago names it by the
//! attribute of the record that failed (`privilege.code`, `max_privilege_value`,
//! `charge_model`). The rules below are the whole difference.

/// The code of the privilege at `[entitlement][privilege]` in the request the gateway sent, for
/// Lago's `<privilege code>_privilege_value` keys.
pub(crate) type PrivilegeCodeAt<'a> = &'a dyn Fn(usize, usize) -> Option<String>;

/// Lago's key for a violation of `reason` at the proto field `path`.
pub(crate) fn lago_key(path: &str, reason: &str, privilege_code_at: Option<PrivilegeCodeAt<'_>>) -> String {
    if let Some((entitlement, privilege)) = value_position(path) {
        // Lago checks a value's type against the privilege (keyed by its code) and its presence
        // on the privilege record.
        let code = privilege_code_at.and_then(|code_at| code_at(entitlement, privilege));
        return match code {
            Some(code) if reason != "value_is_mandatory" => format!("{code}_privilege_value"),
            _ => "privilege.value".to_owned(),
        };
    }
    let segments: Vec<&str> = path.split('.').collect();
    match segments.as_slice() {
        [.., privilege, leaf] if indexed(privilege).is_some_and(|(name, _)| name == "privileges") => {
            format!("privilege.{leaf}")
        }
        // A charge filter's key that names no filter of the metric.
        [.., value, "key"] if indexed(value).is_some_and(|(name, _)| name == "values") => {
            "billable_metric_filter".to_owned()
        }
        [.., "shipping_address", leaf] => format!("shipping_{leaf}"),
        // A privilege code taken by a concurrent write, in a privilege the service cannot point to.
        [.., "privileges"] => "privilege.code".to_owned(),
        [.., leaf] => (*leaf).to_owned(),
        [] => String::new(),
    }
}

/// The `(entitlement, privilege)` position of a privilege value at `path`
/// (`entitlements[0].privileges[2].value`).
pub(crate) fn value_position(path: &str) -> Option<(usize, usize)> {
    let segments: Vec<&str> = path.split('.').collect();
    let [.., entitlement, privilege, "value"] = segments.as_slice() else { return None };
    match (indexed(entitlement)?, indexed(privilege)?) {
        (("entitlements", entitlement), ("privileges", privilege)) => Some((entitlement, privilege)),
        _ => None,
    }
}

/// `name[index]` as its parts.
fn indexed(segment: &str) -> Option<(&str, usize)> {
    let (name, rest) = segment.split_once('[')?;
    Some((name, rest.strip_suffix(']')?.parse().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(path: &str, reason: &str) -> String {
        let codes = |entitlement: usize, privilege: usize| {
            Some(["max", "root"].get(entitlement * 10 + privilege)?.to_string())
        };
        lago_key(path, reason, Some(&codes))
    }

    #[test]
    fn the_attribute_names_the_field() {
        assert_eq!(key("feature.code", "value_already_exist"), "code");
        assert_eq!(key("plan.charges[1].charge_model", "value_is_invalid"), "charge_model");
        assert_eq!(key("plan.charges[0].filters[2].values[0].values", "value_is_invalid"), "values");
        assert_eq!(key("customer.metadata[0].key", "value_is_mandatory"), "key");
        assert_eq!(key("per_page", "value_is_out_of_range"), "per_page");
    }

    #[test]
    fn lago_s_own_keys() {
        assert_eq!(key("feature.privileges[3].value_type", "value_is_invalid"), "privilege.value_type");
        assert_eq!(
            key("plan.charges[0].filters[0].values[1].key", "relation_must_exist"),
            "billable_metric_filter"
        );
        assert_eq!(key("customer.shipping_address.country", "not_a_valid_country_code"), "shipping_country");
        assert_eq!(key("feature.privileges", "value_already_exist"), "privilege.code");
    }

    #[test]
    fn privilege_values_are_keyed_by_privilege_code_unless_missing() {
        assert_eq!(key("entitlements[0].privileges[1].value", "value_is_invalid"), "root_privilege_value");
        assert_eq!(
            key("entitlements[0].privileges[0].value", "value_not_in_select_options"),
            "max_privilege_value"
        );
        assert_eq!(key("entitlements[0].privileges[1].value", "value_is_mandatory"), "privilege.value");
        assert_eq!(
            lago_key("entitlements[0].privileges[0].value", "value_is_invalid", None),
            "privilege.value"
        );
    }
}
