//! `billable_metrics`, soft-deleted so that a deleted code can be reused. Enumerations are stored
//! in Lago's spelling (`sum_agg`, `seconds`, `round`).
#![allow(
    clippy::enum_variant_names,
    reason = "DeriveActiveEnum names a generated enum's variants after the stored values, which all end in `_agg`"
)]

use entitlements_domain as domain;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "billable_metrics")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub organization_id: Uuid,
    pub code: String,
    pub name: String,
    pub description: Option<String>,
    pub aggregation_type: AggregationType,
    pub field_name: Option<String>,
    pub recurring: bool,
    pub weighted_interval: Option<WeightedInterval>,
    pub rounding_function: Option<RoundingFunction>,
    pub rounding_precision: Option<i32>,
    pub expression: Option<String>,
    pub deleted_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

plain_entity!();

stored_enum! {
    /// `billable_metrics.aggregation_type`, in Lago's spelling.
    AggregationType <=> domain::MetricAggregation {
        Count = "count_agg",
        Sum = "sum_agg",
        Max = "max_agg",
        UniqueCount = "unique_count_agg",
        WeightedSum = "weighted_sum_agg",
        Latest = "latest_agg",
        Custom = "custom_agg",
    }
}

stored_enum! {
    /// `billable_metrics.weighted_interval`, in Lago's spelling.
    WeightedInterval <=> domain::WeightedInterval { Seconds = "seconds" }
}

stored_enum! {
    /// `billable_metrics.rounding_function`, in Lago's spelling.
    RoundingFunction <=> domain::RoundingFunction { Round = "round", Ceil = "ceil", Floor = "floor" }
}

#[cfg(test)]
mod tests {
    use sea_orm::{ActiveValue::Set, Database, DbBackend, Statement};
    use sea_orm_migration::MigratorTrait;

    use super::*;
    use crate::entity::organization;
    use crate::entity::tests::assert_stored_enum;
    use crate::migration::Migrator;

    #[test]
    fn aggregation_type_is_stored_in_lago_spelling_and_converts_both_ways() {
        assert_stored_enum::<AggregationType, domain::MetricAggregation>(
            Column::AggregationType,
            &[
                "count_agg",
                "sum_agg",
                "max_agg",
                "unique_count_agg",
                "weighted_sum_agg",
                "latest_agg",
                "custom_agg",
            ],
            &domain::MetricAggregation::ALL,
            domain::MetricAggregation::as_str,
        );
    }

    #[test]
    fn weighted_interval_is_stored_in_lago_spelling_and_converts_both_ways() {
        assert_stored_enum::<WeightedInterval, domain::WeightedInterval>(
            Column::WeightedInterval,
            &["seconds"],
            &[domain::WeightedInterval::Seconds],
            domain::WeightedInterval::as_str,
        );
    }

    #[test]
    fn rounding_function_is_stored_in_lago_spelling_and_converts_both_ways() {
        assert_stored_enum::<RoundingFunction, domain::RoundingFunction>(
            Column::RoundingFunction,
            &["round", "ceil", "floor"],
            &[
                domain::RoundingFunction::Round,
                domain::RoundingFunction::Ceil,
                domain::RoundingFunction::Floor,
            ],
            domain::RoundingFunction::as_str,
        );
    }

    /// Rows written before the columns became enums hold the same text, and read back.
    #[tokio::test]
    async fn stored_text_reads_back_as_enums_and_enums_write_the_same_text() {
        let connection = Database::connect("sqlite::memory:").await.expect("an in-memory database");
        Migrator::up(&connection, None).await.expect("the migrations");
        let now = chrono::Utc::now();
        let organization_id = Uuid::new_v4();
        organization::ActiveModel {
            id: Set(organization_id),
            name: Set("organization".to_owned()),
            change_sequence: Set(0),
            created_at: Set(now),
            updated_at: Set(now),
        }
        .insert(&connection)
        .await
        .expect("an organization");
        ActiveModel {
            id: Set(Uuid::new_v4()),
            organization_id: Set(organization_id),
            code: Set("storage".to_owned()),
            name: Set("Storage".to_owned()),
            description: Set(None),
            aggregation_type: Set(AggregationType::WeightedSum),
            field_name: Set(Some("gigabytes".to_owned())),
            recurring: Set(true),
            weighted_interval: Set(Some(WeightedInterval::Seconds)),
            rounding_function: Set(Some(RoundingFunction::Ceil)),
            rounding_precision: Set(Some(2)),
            expression: Set(None),
            deleted_at: Set(None),
            created_at: Set(now),
            updated_at: Set(now),
        }
        .insert(&connection)
        .await
        .expect("a metric");

        let select = "SELECT aggregation_type, weighted_interval, rounding_function FROM billable_metrics";
        let row = connection
            .query_one_raw(Statement::from_string(DbBackend::Sqlite, select))
            .await
            .expect("the query")
            .expect("the metric");
        let text = |column: &str| row.try_get::<Option<String>>("", column).expect("a text column");
        assert_eq!(text("aggregation_type").as_deref(), Some("weighted_sum_agg"));
        assert_eq!(text("weighted_interval").as_deref(), Some("seconds"));
        assert_eq!(text("rounding_function").as_deref(), Some("ceil"));

        connection
            .execute_unprepared(
                "UPDATE billable_metrics \
                 SET aggregation_type = 'latest_agg', weighted_interval = NULL, rounding_function = 'floor'",
            )
            .await
            .expect("the update");
        let metric = Entity::find().one(&connection).await.expect("the query").expect("the metric");
        assert_eq!(metric.aggregation_type, AggregationType::Latest);
        assert_eq!(metric.weighted_interval, None);
        assert_eq!(metric.rounding_function, Some(RoundingFunction::Floor));

        connection
            .execute_unprepared("UPDATE billable_metrics SET rounding_function = 'truncate'")
            .await
            .expect("the update");
        assert!(Entity::find().one(&connection).await.is_err(), "unknown text is an error, not a guess");
    }
}
