//! Features and their privileges: reads in a fixed number of indexed queries (never one per
//! feature), writes in one transaction each with their change events.

use std::collections::HashMap;

use entitlements_domain::{
    Error, Feature, FeatureCode, FeatureId, FeatureUpdateInput, NewFeature, NewPrivilege, OrganizationId,
    Page, PageRequest, Privilege, PrivilegeChange, PrivilegeCode, PrivilegeId, PrivilegeType, Resource,
    parse_feature_update,
};
use sea_orm::sea_query::SimpleExpr;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use serde_json::json;
use uuid::Uuid;

use crate::Store;
use crate::change_log::touched::plans_updated;
use crate::change_log::{ChangeEventType, PendingChange};
use crate::db::coded_rows::find_by_code;
use crate::db::error::StoreError;
use crate::db::error::already_exists_or_db_error;
use crate::db::text_search::contains_ignoring_case;
use crate::db::{IN_LIST_CHUNK, in_chunks, page_window};
use crate::entity::entitlement;
use crate::entity::feature;
use crate::entity::privilege;

impl Store {
    /// Creates a validated feature with its privileges.
    ///
    /// # Errors
    /// `Validation` (`code: value_already_exist`) when a feature that is not deleted has the code.
    pub async fn create_feature(
        &self,
        organization_id: OrganizationId,
        new_feature: NewFeature,
    ) -> Result<Feature, StoreError> {
        let transaction = self.begin_write().await?;
        let now = self.now();
        let feature_id = FeatureId::generate();
        let inserted = feature::Entity::insert(feature::ActiveModel {
            id: Set(feature_id.0),
            organization_id: Set(organization_id.0),
            code: Set(new_feature.code.as_str().to_owned()),
            name: Set(new_feature.name.clone()),
            description: Set(new_feature.description.clone()),
            deleted_at: Set(None),
            created_at: Set(now),
            updated_at: Set(now),
        })
        .exec(&transaction)
        .await;
        if let Err(error) = inserted {
            return Err(already_exists_or_db_error(&error, "code"));
        }
        let privileges =
            insert_privileges(&transaction, organization_id, feature_id, new_feature.privileges, now).await?;
        let created = Feature {
            id: feature_id,
            code: new_feature.code,
            name: new_feature.name,
            description: new_feature.description,
            privileges,
            created_at: now,
        };
        self.commit_with_changes(
            transaction,
            organization_id,
            vec![feature_change(ChangeEventType::FeatureCreated, &created)],
        )
        .await?;
        Ok(created)
    }

    /// The feature with exactly this code.
    ///
    /// # Errors
    /// `NotFound(Feature)` when no feature of the organization that is not deleted has it.
    pub async fn feature(&self, organization_id: OrganizationId, code: &str) -> Result<Feature, StoreError> {
        load_feature(self.connection(), organization_id, code, false).await
    }

    /// A page of the organization's features, newest first, optionally filtered by a search term
    /// matched (ignoring case) against code, name and description.
    ///
    /// # Errors
    /// `Unavailable` or `Internal` when the database fails.
    pub async fn list_features(
        &self,
        organization_id: OrganizationId,
        page_request: PageRequest,
        search_term: Option<&str>,
    ) -> Result<Page<Feature>, StoreError> {
        let mut query = feature::Entity::find()
            .filter(feature::Column::OrganizationId.eq(organization_id.0))
            .filter(feature::Column::DeletedAt.is_null());
        if let Some(term) = search_term {
            query = query.filter(contains_ignoring_case(
                [feature::Column::Code, feature::Column::Name, feature::Column::Description],
                term,
            ));
        }
        let total_count = query.clone().count(self.connection()).await?;
        let (offset, limit) = page_window(page_request);
        let rows = query
            .order_by_desc(feature::Column::CreatedAt)
            .order_by_asc(feature::Column::Id)
            .offset(offset)
            .limit(limit)
            .all(self.connection())
            .await?;
        let items = with_privileges(self.connection(), rows).await?;
        Ok(Page { items, total_count })
    }

    /// Applies a partial update to the feature with this code.
    ///
    /// # Errors
    /// `NotFound(Feature)`; `Validation` with Lago's fields and codes.
    pub async fn update_feature(
        &self,
        organization_id: OrganizationId,
        code: &str,
        update: FeatureUpdateInput,
    ) -> Result<Feature, StoreError> {
        let transaction = self.begin_write().await?;
        let current = load_feature(&transaction, organization_id, code, true).await?;
        let changes = parse_feature_update(&current, &update)?;
        let now = self.now();
        let mut feature_row =
            feature::ActiveModel { id: Set(current.id.0), updated_at: Set(now), ..Default::default() };
        if let Some(name) = update.name {
            feature_row.name = Set(name);
        }
        if let Some(description) = update.description {
            feature_row.description = Set(description);
        }
        feature::Entity::update(feature_row).exec(&transaction).await?;
        let mut new_privileges = Vec::new();
        for change in changes {
            match change {
                PrivilegeChange::Create(new_privilege) => new_privileges.push(new_privilege),
                PrivilegeChange::Update(privilege_update) => {
                    let mut row = privilege::ActiveModel {
                        id: Set(privilege_update.id.0),
                        config: Set(config_json(&privilege_update.privilege_type)),
                        updated_at: Set(now),
                        ..Default::default()
                    };
                    if let Some(name) = privilege_update.name {
                        row.name = Set(name);
                    }
                    privilege::Entity::update(row).exec(&transaction).await?;
                }
            }
        }
        insert_privileges(&transaction, organization_id, current.id, new_privileges, now).await?;
        let updated = load_feature(&transaction, organization_id, code, false).await?;
        // Lago's order: `plan.updated` for each plan granting the feature, then `feature.updated`.
        let mut changes =
            plans_updated(&transaction, plans_with_feature(&transaction, updated.id).await?).await?;
        changes.push(feature_change(ChangeEventType::FeatureUpdated, &updated));
        self.commit_with_changes(transaction, organization_id, changes).await?;
        Ok(updated)
    }
}

pub(crate) fn feature_change(event_type: ChangeEventType, feature: &Feature) -> PendingChange {
    PendingChange { event_type, object_id: feature.id.0, object_code: feature.code.as_str().to_owned() }
}

/// Loads a feature that is not deleted, with its privileges; `for_update` locks its row (on
/// PostgreSQL; SQLite write transactions hold the database lock already).
pub(crate) async fn load_feature(
    connection: &impl ConnectionTrait,
    organization_id: OrganizationId,
    code: &str,
    for_update: bool,
) -> Result<Feature, StoreError> {
    let mut query = find_by_code::<feature::Entity>(organization_id, code);
    if for_update {
        query = query.lock_exclusive();
    }
    let row = query.one(connection).await?.ok_or(Error::not_found(Resource::Feature, code))?;
    Ok(with_privileges(connection, vec![row])
        .await?
        .pop()
        .ok_or_else(|| Error::Internal("loaded feature lost".to_owned()))?)
}

/// The organization's features (not deleted) with these ids, with their privileges, in no
/// particular order; unknown ids are absent. Two queries per thousand ids.
pub(crate) async fn features_by_ids(
    connection: &impl ConnectionTrait,
    organization_id: OrganizationId,
    ids: &[uuid::Uuid],
) -> Result<Vec<Feature>, StoreError> {
    let rows = in_chunks(ids, |chunk| {
        features_where(organization_id, feature::Column::Id.is_in(chunk.iter().copied())).all(connection)
    })
    .await?;
    with_privileges(connection, rows).await
}

/// The organization's features with these ids, deleted ones included, in no particular order;
/// unknown ids are absent. A deleted feature shows the privileges it had when it was deleted:
/// what its `feature.deleted` webhook carries.
pub(crate) async fn features_by_ids_with_deleted(
    connection: &impl ConnectionTrait,
    organization_id: OrganizationId,
    ids: &[uuid::Uuid],
) -> Result<Vec<Feature>, StoreError> {
    let rows = in_chunks(ids, |chunk| {
        feature::Entity::find()
            .filter(feature::Column::OrganizationId.eq(organization_id.0))
            .filter(feature::Column::Id.is_in(chunk.iter().copied()))
            .all(connection)
    })
    .await?;
    with_privileges(connection, rows).await
}

/// Every feature of the organization (not deleted), with its privileges, in no particular order:
/// two queries per thousand features.
pub(crate) async fn all_features(
    connection: &impl ConnectionTrait,
    organization_id: OrganizationId,
) -> Result<Vec<Feature>, StoreError> {
    let rows = feature::Entity::find()
        .filter(feature::Column::OrganizationId.eq(organization_id.0))
        .filter(feature::Column::DeletedAt.is_null())
        .all(connection)
        .await?;
    with_privileges(connection, rows).await
}

/// The organization's features (not deleted) with these codes, with their privileges, locked
/// against deletion until the transaction ends (on PostgreSQL; SQLite write transactions hold the
/// database lock already), so that nothing is attached to a feature being deleted.
pub(crate) async fn features_by_codes_for_share(
    connection: &impl ConnectionTrait,
    organization_id: OrganizationId,
    codes: &[String],
) -> Result<Vec<Feature>, StoreError> {
    let rows = in_chunks(codes, |chunk| {
        features_where(organization_id, feature::Column::Code.is_in(chunk.iter().cloned()))
            .lock_shared()
            .all(connection)
    })
    .await?;
    with_privileges(connection, rows).await
}

fn features_where(
    organization_id: OrganizationId,
    condition: SimpleExpr,
) -> sea_orm::Select<feature::Entity> {
    feature::Entity::find()
        .filter(feature::Column::OrganizationId.eq(organization_id.0))
        .filter(feature::Column::DeletedAt.is_null())
        .filter(condition)
}

/// Attaches their privileges to features, in one query per thousand features: those not
/// deleted, and for a deleted feature those deleted with it (in its deletion's transaction).
async fn with_privileges(
    connection: &impl ConnectionTrait,
    rows: Vec<feature::Model>,
) -> Result<Vec<Feature>, StoreError> {
    let mut privileges_by_feature: HashMap<uuid::Uuid, Vec<Privilege>> = HashMap::new();
    let ids: Vec<uuid::Uuid> = rows.iter().map(|row| row.id).collect();
    let deleted_at: HashMap<uuid::Uuid, chrono::DateTime<chrono::Utc>> =
        rows.iter().filter_map(|row| Some((row.id, row.deleted_at?))).collect();
    for chunk in ids.chunks(IN_LIST_CHUNK) {
        let mut query = privilege::Entity::find()
            .filter(privilege::Column::EntitlementFeatureId.is_in(chunk.iter().copied()));
        // Only deleted features need deleted privileges: the usual read leaves them out in SQL.
        if deleted_at.is_empty() {
            query = query.filter(privilege::Column::DeletedAt.is_null());
        }
        let privilege_rows = query
            .order_by_asc(privilege::Column::CreatedAt)
            .order_by_asc(privilege::Column::Id)
            .all(connection)
            .await?;
        for row in privilege_rows {
            if row.deleted_at.is_some()
                && row.deleted_at != deleted_at.get(&row.entitlement_feature_id).copied()
            {
                continue;
            }
            privileges_by_feature
                .entry(row.entitlement_feature_id)
                .or_default()
                .push(privilege_from_row(row)?);
        }
    }
    Ok(rows
        .into_iter()
        .map(|row| Feature {
            id: FeatureId(row.id),
            privileges: privileges_by_feature.remove(&row.id).unwrap_or_default(),
            code: FeatureCode::from_stored(row.code),
            name: row.name,
            description: row.description,
            created_at: row.created_at,
        })
        .collect())
}

async fn insert_privileges(
    connection: &impl ConnectionTrait,
    organization_id: OrganizationId,
    feature_id: FeatureId,
    new_privileges: Vec<NewPrivilege>,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Vec<Privilege>, StoreError> {
    if new_privileges.is_empty() {
        return Ok(Vec::new());
    }
    let privileges: Vec<Privilege> = new_privileges
        .into_iter()
        .map(|new_privilege| Privilege {
            id: PrivilegeId::generate(),
            code: new_privilege.code,
            name: new_privilege.name,
            privilege_type: new_privilege.privilege_type,
            created_at: now,
        })
        .collect();
    let rows = privileges.iter().map(|privilege| privilege::ActiveModel {
        id: Set(privilege.id.0),
        organization_id: Set(organization_id.0),
        entitlement_feature_id: Set(feature_id.0),
        code: Set(privilege.code.as_str().to_owned()),
        name: Set(privilege.name.clone()),
        value_type: Set(privilege.privilege_type.value_type().into()),
        config: Set(config_json(&privilege.privilege_type)),
        deleted_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    });
    match privilege::Entity::insert_many(rows).exec(connection).await {
        Ok(_) => Ok(privileges),
        // A concurrent write took one of the codes; which one the database does not say.
        Err(error) => Err(already_exists_or_db_error(&error, "privileges")),
    }
}

/// Lago's stored config: `{"select_options": [...]}` for select privileges, `{}` otherwise.
fn config_json(privilege_type: &PrivilegeType) -> serde_json::Value {
    match privilege_type {
        PrivilegeType::Select(options) => json!({ "select_options": options.as_slice() }),
        _ => json!({}),
    }
}

fn privilege_from_row(row: privilege::Model) -> Result<Privilege, StoreError> {
    let corrupt = || Error::Internal(format!("privilege {} has an invalid type or config", row.id));
    let select_options: Vec<String> = match row.config.get("select_options") {
        Some(options) => serde_json::from_value(options.clone()).map_err(|_| corrupt())?,
        None => Vec::new(),
    };
    let privilege_type =
        PrivilegeType::from_parts(row.value_type.into(), select_options).ok_or_else(corrupt)?;
    Ok(Privilege {
        id: PrivilegeId(row.id),
        code: PrivilegeCode::from_stored(row.code),
        name: row.name,
        privilege_type,
        created_at: row.created_at,
    })
}

/// The plans that grant a feature (their `plan.updated` follows any change of it).
pub(crate) async fn plans_with_feature(
    connection: &impl ConnectionTrait,
    feature_id: FeatureId,
) -> Result<Vec<Uuid>, StoreError> {
    let rows = entitlement::Entity::find()
        .filter(entitlement::Column::EntitlementFeatureId.eq(feature_id.0))
        .filter(entitlement::Column::PlanId.is_not_null())
        .all(connection)
        .await?;
    Ok(rows.iter().filter_map(|row| row.plan_id).collect())
}
