//! Feature create and update commands: the raw input a client sends, and its validation into
//! typed commands in Lago's order (duplicate privilege codes, then the feature's own fields, then
//! the first invalid privilege), so that the same request gets the same error as on Lago.

use std::collections::HashSet;

use crate::error::Error;
use crate::feature::privilege::{
    PRIVILEGE_TEXT_MAX_LENGTH, PrivilegeCode, PrivilegeType, SelectOptions, ValueType, strip,
};
use crate::feature::{FEATURE_DESCRIPTION_MAX_LENGTH, FEATURE_NAME_MAX_LENGTH, Feature, FeatureCode};
use crate::ids::PrivilegeId;
use crate::validation::{ErrorCode, ValidationErrors, check_length};

/// What a client said about a privilege's value type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueTypeInput {
    /// Not given: `string`, the database default in Lago.
    Absent,
    /// Given as null (or the proto's UNSPECIFIED).
    Null,
    Known(ValueType),
    /// Given, but not a type this server knows.
    Unknown,
}

/// A privilege as a client sent it, before validation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrivilegeInput {
    pub code: String,
    /// Outer `None`: not given; `Some(None)`: null.
    pub name: Option<Option<String>>,
    pub value_type: ValueTypeInput,
    /// `Some` when `config.select_options` was given (even empty); `None` for no or blank config.
    pub select_options: Option<Vec<String>>,
}

/// A feature as a client sent it to be created, before validation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeatureCreateInput {
    pub code: String,
    pub name: Option<String>,
    pub description: Option<String>,
    pub privileges: Vec<PrivilegeInput>,
}

/// A partial feature update as a client sent it: `None` keeps a field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeatureUpdateInput {
    pub name: Option<Option<String>>,
    pub description: Option<Option<String>>,
    pub privileges: Vec<PrivilegeInput>,
}

/// A validated privilege to create.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewPrivilege {
    pub code: PrivilegeCode,
    pub name: Option<String>,
    pub privilege_type: PrivilegeType,
}

/// A validated feature to create.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewFeature {
    pub code: FeatureCode,
    pub name: Option<String>,
    pub description: Option<String>,
    pub privileges: Vec<NewPrivilege>,
}

/// A validated change to an existing privilege.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrivilegeUpdate {
    pub id: PrivilegeId,
    pub name: Option<Option<String>>,
    pub privilege_type: PrivilegeType,
}

/// One privilege of a validated update.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PrivilegeChange {
    Update(PrivilegeUpdate),
    Create(NewPrivilege),
}

impl NewFeature {
    /// Validates a create request.
    ///
    /// # Errors
    /// `Validation` with Lago's fields and codes. The uniqueness of the feature code is the
    /// store's to check.
    pub fn parse(input: FeatureCreateInput) -> Result<Self, Error> {
        reject_duplicate_privilege_codes(&input.privileges)?;
        let mut errors = ValidationErrors::new();
        let code = FeatureCode::parse(&input.code).inspect_err(|codes| errors.add_all("code", codes));
        check_feature_texts(&mut errors, input.name.as_deref(), input.description.as_deref());
        let (Ok(code), true) = (code, errors.is_empty()) else { return Err(errors.into()) };
        let privileges = input
            .privileges
            .into_iter()
            .enumerate()
            .map(|(index, privilege)| {
                parse_new_privilege(privilege).map_err(|errors| errors.prefixed(&privilege_path(index)))
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self { code, name: input.name, description: input.description, privileges })
    }
}

/// Validates a partial update of `feature`: existing privileges are matched by exact code, others
/// are created.
///
/// # Errors
/// `Validation` with Lago's fields and codes; `privilege.code: value_already_exist` when a new
/// privilege's stripped code is already taken.
pub fn parse_feature_update(
    feature: &Feature,
    input: &FeatureUpdateInput,
) -> Result<Vec<PrivilegeChange>, Error> {
    reject_duplicate_privilege_codes(&input.privileges)?;
    let mut errors = ValidationErrors::new();
    check_feature_texts(
        &mut errors,
        input.name.as_ref().and_then(Option::as_deref),
        input.description.as_ref().and_then(Option::as_deref),
    );
    errors.into_result()?;
    let mut changes = Vec::with_capacity(input.privileges.len());
    for (index, privilege_input) in input.privileges.iter().enumerate() {
        let change = match feature.privilege(&privilege_input.code) {
            Some(existing) => parse_privilege_update(existing.id, &existing.privilege_type, privilege_input)
                .map(PrivilegeChange::Update),
            None => parse_new_privilege(privilege_input.clone()).and_then(|new_privilege| {
                if feature.privilege(new_privilege.code.as_str()).is_some() {
                    Err(ValidationErrors::single("code", ErrorCode::ValueAlreadyExist))
                } else {
                    Ok(PrivilegeChange::Create(new_privilege))
                }
            }),
        };
        changes.push(change.map_err(|errors| errors.prefixed(&privilege_path(index)))?);
    }
    Ok(changes)
}

/// Where the `index`th privilege of a request sits, as a field path prefix: `privileges[1].`.
fn privilege_path(index: usize) -> String {
    format!("privileges[{index}].")
}

/// Two privileges of one request may not share a code (compared once stripped, so that `a` and
/// ` a` are reported here rather than as a conflict with the feature code, as Lago does). The
/// error names the first privilege that repeats an earlier code.
fn reject_duplicate_privilege_codes(privileges: &[PrivilegeInput]) -> Result<(), Error> {
    let mut seen = HashSet::with_capacity(privileges.len());
    match privileges.iter().position(|privilege| !seen.insert(strip(&privilege.code))) {
        None => Ok(()),
        Some(index) => {
            let field = format!("{}code", privilege_path(index));
            Err(ValidationErrors::single(field, ErrorCode::ValueIsDuplicated).into())
        }
    }
}

fn check_feature_texts(errors: &mut ValidationErrors, name: Option<&str>, description: Option<&str>) {
    check_length(errors, "name", name, FEATURE_NAME_MAX_LENGTH);
    check_length(errors, "description", description, FEATURE_DESCRIPTION_MAX_LENGTH);
}

/// Validates a new privilege in Lago's field order: code, name, value_type, config.
fn parse_new_privilege(input: PrivilegeInput) -> Result<NewPrivilege, ValidationErrors> {
    let mut errors = ValidationErrors::new();
    let code = PrivilegeCode::parse(&input.code).inspect_err(|codes| errors.add_all("code", codes));
    let name = input.name.flatten();
    check_length(&mut errors, "name", name.as_deref(), PRIVILEGE_TEXT_MAX_LENGTH);
    let value_type = match input.value_type {
        ValueTypeInput::Absent => Some(ValueType::String),
        ValueTypeInput::Known(value_type) => Some(value_type),
        ValueTypeInput::Null => {
            errors.add("value_type", ErrorCode::ValueIsMandatory);
            errors.add("value_type", ErrorCode::ValueIsInvalid);
            None
        }
        ValueTypeInput::Unknown => {
            errors.add("value_type", ErrorCode::ValueIsInvalid);
            None
        }
    };
    let privilege_type = privilege_type_from_config(value_type, input.select_options);
    if privilege_type.is_none() {
        errors.add("config", ErrorCode::InvalidFormat);
    }
    match (code, privilege_type, errors.is_empty()) {
        (Ok(code), Some(Some(privilege_type)), true) => Ok(NewPrivilege { code, name, privilege_type }),
        _ => Err(errors),
    }
}

/// Lago's config rule: a select privilege needs non-empty `select_options`, every other type a
/// blank config. Outer `None`: the config is invalid; inner `None`: the type itself is invalid.
fn privilege_type_from_config(
    value_type: Option<ValueType>,
    select_options: Option<Vec<String>>,
) -> Option<Option<PrivilegeType>> {
    match (value_type, select_options) {
        (Some(ValueType::Select), options) => SelectOptions::new(options.unwrap_or_default())
            .map(|options| Some(PrivilegeType::Select(options))),
        (_, Some(_)) => None,
        (None, None) => Some(None),
        (Some(value_type), None) => PrivilegeType::from_parts(value_type, Vec::new()).map(Some),
    }
}

/// Validates a change to an existing privilege: the name, and select options to append. The
/// value type never changes, so `value_type` is ignored as in Lago.
fn parse_privilege_update(
    id: PrivilegeId,
    current_type: &PrivilegeType,
    input: &PrivilegeInput,
) -> Result<PrivilegeUpdate, ValidationErrors> {
    let mut errors = ValidationErrors::new();
    check_length(
        &mut errors,
        "name",
        input.name.as_ref().and_then(Option::as_deref),
        PRIVILEGE_TEXT_MAX_LENGTH,
    );
    let privilege_type = match (current_type, &input.select_options) {
        (_, None) => current_type.clone(),
        (PrivilegeType::Select(options), Some(additional)) => {
            PrivilegeType::Select(options.union(additional))
        }
        (_, Some(_)) => {
            errors.add("config", ErrorCode::InvalidFormat);
            current_type.clone()
        }
    };
    errors.into_result()?;
    Ok(PrivilegeUpdate { id, name: input.name.clone(), privilege_type })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn privilege(code: &str) -> PrivilegeInput {
        PrivilegeInput {
            code: code.to_owned(),
            name: None,
            value_type: ValueTypeInput::Absent,
            select_options: None,
        }
    }

    fn create(code: &str, privileges: Vec<PrivilegeInput>) -> FeatureCreateInput {
        FeatureCreateInput { code: code.to_owned(), name: None, description: None, privileges }
    }

    fn validation_error(result: Result<NewFeature, Error>) -> String {
        match result {
            Err(Error::Validation(errors)) => errors.to_string(),
            other => panic!("expected a validation error, got {other:?}"),
        }
    }

    #[test]
    fn codes_are_stripped_and_types_default_to_string() {
        let feature =
            NewFeature::parse(create("  seats  ", vec![privilege("  test ")])).expect("valid feature");
        assert_eq!(feature.code.as_str(), "seats");
        assert_eq!(feature.privileges[0].code.as_str(), "test");
        assert_eq!(feature.privileges[0].privilege_type, PrivilegeType::String);
    }

    #[test]
    fn duplicates_are_checked_before_the_feature() {
        let input = create("", vec![privilege("a"), privilege(" a")]);
        assert_eq!(validation_error(NewFeature::parse(input)), "privileges[1].code: value_is_duplicated");
    }

    #[test]
    fn feature_errors_are_reported_together() {
        let mut input = create(" ", vec![]);
        input.description = Some("d".repeat(601));
        assert_eq!(
            validation_error(NewFeature::parse(input)),
            "code: value_is_mandatory, description: value_is_too_long"
        );
    }

    #[test]
    fn value_type_null_and_unknown() {
        let mut null_type = privilege("p");
        null_type.value_type = ValueTypeInput::Null;
        assert_eq!(
            validation_error(NewFeature::parse(create("f", vec![null_type]))),
            "privileges[0].value_type: value_is_mandatory|value_is_invalid"
        );
        let mut unknown_type = privilege("p");
        unknown_type.value_type = ValueTypeInput::Unknown;
        assert_eq!(
            validation_error(NewFeature::parse(create("f", vec![unknown_type]))),
            "privileges[0].value_type: value_is_invalid"
        );
    }

    #[test]
    fn select_config_rules() {
        let mut select_without_options = privilege("p");
        select_without_options.value_type = ValueTypeInput::Known(ValueType::Select);
        assert_eq!(
            validation_error(NewFeature::parse(create("f", vec![select_without_options.clone()]))),
            "privileges[0].config: invalid_format"
        );
        select_without_options.select_options = Some(vec![]);
        assert_eq!(
            validation_error(NewFeature::parse(create("f", vec![select_without_options]))),
            "privileges[0].config: invalid_format"
        );
        let mut integer_with_options = privilege("p");
        integer_with_options.value_type = ValueTypeInput::Known(ValueType::Integer);
        integer_with_options.select_options = Some(vec![]);
        assert_eq!(
            validation_error(NewFeature::parse(create("f", vec![integer_with_options]))),
            "privileges[0].config: invalid_format"
        );
    }

    #[test]
    fn select_options_are_appended_as_a_union() {
        let options = SelectOptions::new(vec!["zero".into(), "one".into()]).expect("non-empty");
        let union = options.union(&["one".into(), "two".into(), "three".into()]);
        assert_eq!(union.as_slice(), ["zero", "one", "two", "three"]);
    }
}
