//! What deleting a tax does: it leaves every plan, charge, minimum commitment and customer that
//! applied it, inside the caller's transaction, and answers the `plan.updated` and
//! `customer.updated` changes to record.

use std::collections::BTreeSet;

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use crate::change_log::{ChangeEventType, PendingChange};
use crate::db::IN_LIST_CHUNK;
use crate::db::error::StoreError;
use crate::entity::applied_tax;
use crate::entity::charge;
use crate::entity::customer;
use crate::entity::minimum_commitment;

use crate::change_log::touched::plans_updated;

/// Removes a deleted tax from every plan, charge, minimum commitment and customer it applied to.
pub(crate) async fn unapply_tax(
    connection: &impl ConnectionTrait,
    tax_id: Uuid,
) -> Result<Vec<PendingChange>, StoreError> {
    let owners: Vec<Uuid> = applied_tax::Entity::find()
        .filter(applied_tax::Column::TaxId.eq(tax_id))
        .all(connection)
        .await?
        .into_iter()
        .map(|row| row.owner_id)
        .collect();
    if owners.is_empty() {
        return Ok(Vec::new());
    }
    applied_tax::Entity::delete_many().filter(applied_tax::Column::TaxId.eq(tax_id)).exec(connection).await?;
    let mut plan_ids = BTreeSet::new();
    let mut customers = Vec::new();
    for chunk in owners.chunks(IN_LIST_CHUNK) {
        customers.extend(
            customer::Entity::find()
                .filter(customer::Column::Id.is_in(chunk.iter().copied()))
                .filter(customer::Column::DeletedAt.is_null())
                .all(connection)
                .await?,
        );
        let charges = charge::Entity::find()
            .filter(charge::Column::Id.is_in(chunk.iter().copied()))
            .filter(charge::Column::DeletedAt.is_null())
            .all(connection)
            .await?;
        let commitments = minimum_commitment::Entity::find()
            .filter(minimum_commitment::Column::Id.is_in(chunk.iter().copied()))
            .all(connection)
            .await?;
        // The owners that are none of these are plans; `plans_updated` keeps those that exist.
        plan_ids.extend(chunk.iter().copied());
        plan_ids.extend(charges.into_iter().map(|charge| charge.plan_id));
        plan_ids.extend(commitments.into_iter().map(|commitment| commitment.plan_id));
    }
    let mut changes = plans_updated(connection, plan_ids).await?;
    customers.sort_by(|left, right| left.external_id.cmp(&right.external_id));
    changes.extend(customers.into_iter().map(|customer| PendingChange {
        event_type: ChangeEventType::CustomerUpdated,
        object_id: customer.id,
        object_code: customer.external_id,
    }));
    Ok(changes)
}
