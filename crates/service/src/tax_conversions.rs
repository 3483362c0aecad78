//! Conversions between the TaxService messages and domain types. Proto -> domain destructures
//! every message, so that a new field is a compile error here until it is handled.

use entitlements::v1 as pb;
use entitlements_domain::{Error, Tax, TaxCreateInput, TaxUpdateInput};

use crate::feature_conversions::{nullable, timestamp};

pub(crate) fn create_input(request: pb::CreateTaxRequest) -> Result<TaxCreateInput, Error> {
    let pb::CreateTaxRequest { tax } = request;
    let pb::TaxCreateInput { code, name, rate, description, applied_to_organization } =
        tax.ok_or_else(|| Error::missing_param("tax"))?;
    Ok(TaxCreateInput { code, name, rate, description, applied_to_organization })
}

/// The update, or `None` when the request carries no `tax` (a 400 once the tax is found).
pub(crate) fn update_input(tax: Option<pb::TaxUpdateInput>) -> Option<TaxUpdateInput> {
    let pb::TaxUpdateInput { code, name, rate, description, applied_to_organization } = tax?;
    Some(TaxUpdateInput {
        code: code.map(nullable),
        name: name.map(nullable),
        rate: rate.map(nullable),
        description: description.map(nullable),
        applied_to_organization,
    })
}

pub(crate) fn tax_to_pb(tax: &Tax) -> pb::Tax {
    pb::Tax {
        id: tax.id.to_string(),
        code: tax.code.clone(),
        name: tax.name.clone(),
        rate: tax.rate,
        description: tax.description.clone(),
        applied_to_organization: tax.applied_to_organization,
        created_at: Some(timestamp(tax.created_at)),
    }
}
