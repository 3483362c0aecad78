//! Conversions between the TaxService messages and domain types. Proto -> domain destructures
//! every message, so that a new field is a compile error here until it is handled.

use entitlements::v1 as pb;
use entitlements_domain::{Error, Tax, TaxCreateInput, TaxUpdateInput};
use prost_types::FieldMask;

use crate::feature_conversions::timestamp;
use crate::update_mask::UpdateMask;

pub(crate) fn create_input(request: pb::CreateTaxRequest) -> Result<TaxCreateInput, Error> {
    let pb::CreateTaxRequest { tax } = request;
    let pb::TaxCreateInput { code, name, rate, description, applied_to_organization } =
        tax.ok_or_else(|| Error::missing_param("tax"))?;
    Ok(TaxCreateInput { code, name, rate, description, applied_to_organization })
}

/// The update as `update_mask` selects it.
///
/// # Errors
/// `BadRequest` when the request carries no `tax`; `update_mask: unknown_field`.
pub(crate) fn update_input(
    tax: Option<pb::TaxUpdateInput>,
    update_mask: Option<FieldMask>,
) -> Result<TaxUpdateInput, Error> {
    let pb::TaxUpdateInput { code, name, rate, description, applied_to_organization } =
        tax.ok_or_else(|| Error::missing_param("tax"))?;
    let mask = UpdateMask::resolve(
        update_mask,
        "update_mask",
        &[
            ("code", code.is_some()),
            ("name", name.is_some()),
            ("rate", rate.is_some()),
            ("description", description.is_some()),
            ("applied_to_organization", applied_to_organization.is_some()),
        ],
    )?;
    Ok(TaxUpdateInput {
        code: mask.field("code", code),
        name: mask.field("name", name),
        rate: mask.field("rate", rate),
        description: mask.field("description", description),
        // The column is not nullable: a cleared flag is false.
        applied_to_organization: mask
            .field("applied_to_organization", applied_to_organization)
            .map(|applied| applied.unwrap_or(false)),
    })
}

/// A rate as decimal text: the shortest digits that read back as the stored number, with no
/// exponent (Rust's `Display` for `f64`) and at least one fractional digit, as Lago shows it.
pub(crate) fn rate_text(rate: f64) -> String {
    let text = rate.to_string();
    if text.contains('.') || !rate.is_finite() { text } else { format!("{text}.0") }
}

pub(crate) fn tax_to_pb(tax: &Tax) -> pb::Tax {
    pb::Tax {
        id: tax.id.to_string(),
        code: tax.code.clone(),
        name: tax.name.clone(),
        rate: rate_text(tax.rate),
        description: tax.description.clone(),
        applied_to_organization: tax.applied_to_organization,
        created_at: Some(timestamp(tax.created_at)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_read_as_lago_shows_them() {
        for (rate, text) in [
            (20.0, "20.0"),
            (5.5, "5.5"),
            (-15.0, "-15.0"),
            (0.0001, "0.0001"),
            (1e21, "1000000000000000000000.0"),
        ] {
            assert_eq!(rate_text(rate), text);
            assert_eq!(text.parse::<f64>(), Ok(rate));
        }
    }
}
