//! Database statements as client spans beneath the request that ran them. The store reports each
//! statement after it ran, on the task and in the span that ran it, so the span is made after
//! the fact: it started `elapsed` ago and ends now. Statements outside any traced request (the
//! view's polling, the dispatcher's claims) make no span.

use std::time::SystemTime;

use entitlements_store::{StatementOperation, StatementRecord};
use opentelemetry::KeyValue;
use opentelemetry::global::BoxedTracer;
use opentelemetry::trace::{Span as _, SpanKind, Status, TraceContextExt as _, Tracer as _};
use sea_orm::DbBackend;
use tracing_opentelemetry::OpenTelemetrySpanExt as _;

use super::TRACER_NAME;

/// Makes a span of every statement run inside a traced request.
pub(crate) struct StatementSpans {
    /// `db.system.name`: `sqlite` or `postgresql`.
    system: &'static str,
    tracer: BoxedTracer,
}

impl std::fmt::Debug for StatementSpans {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.debug_struct("StatementSpans").field("system", &self.system).finish_non_exhaustive()
    }
}

impl StatementSpans {
    /// Spans of statements on `backend`, recorded with the global tracer provider.
    pub(crate) fn new(backend: DbBackend) -> Self {
        let system = match backend {
            DbBackend::Postgres => "postgresql",
            DbBackend::Sqlite => "sqlite",
            _ => "other_sql",
        };
        Self { system, tracer: opentelemetry::global::tracer(TRACER_NAME) }
    }

    /// Records `statement` as a span, if it ran inside a traced request.
    pub(crate) fn record(&self, statement: &StatementRecord<'_>) {
        let parent = tracing::Span::current().context();
        if !parent.span().span_context().is_valid() {
            return;
        }
        let end = SystemTime::now();
        let start = end.checked_sub(statement.elapsed).unwrap_or(end);
        let operation = statement.operation.as_str();
        let table = table_name(statement.sql, statement.operation);
        let name = match table {
            Some(table) => format!("{operation} {table}"),
            None => operation.to_owned(),
        };
        let mut attributes = vec![
            KeyValue::new("db.system.name", self.system),
            KeyValue::new("db.operation.name", operation),
            // The store's SQL has placeholders for every value: no value reaches the trace.
            KeyValue::new("db.query.text", statement.sql.to_owned()),
        ];
        if let Some(table) = table {
            attributes.push(KeyValue::new("db.collection.name", table.to_owned()));
        }
        let mut span = self
            .tracer
            .span_builder(name)
            .with_kind(SpanKind::Client)
            .with_start_time(start)
            .with_attributes(attributes)
            .start_with_context(&self.tracer, &parent);
        if statement.failed {
            span.set_status(Status::error("the statement failed"));
        }
        span.end_with_timestamp(end);
    }
}

/// The table a statement reads or writes, from the SQL the store generates (`FROM "features"`,
/// `INSERT INTO "features"`, `UPDATE "features"`): the first table named, or `None`.
fn table_name(sql: &str, operation: StatementOperation) -> Option<&str> {
    let keyword = match operation {
        StatementOperation::Select | StatementOperation::Delete => " FROM ",
        StatementOperation::Insert => " INTO ",
        StatementOperation::Update => "UPDATE ",
        StatementOperation::Other => return None,
    };
    let start = sql.find(keyword).or_else(|| sql.find(&keyword.to_ascii_lowercase()))? + keyword.len();
    let rest = sql[start..].trim_start().trim_start_matches(['"', '`']);
    let end = rest.find(|character: char| !(character.is_ascii_alphanumeric() || character == '_'))?;
    let table = &rest[..end];
    (!table.is_empty()).then_some(table)
}

#[cfg(test)]
mod tests {
    use entitlements_store::StatementOperation;

    use super::table_name;

    #[test]
    fn the_table_is_the_first_one_named() {
        assert_eq!(
            table_name(
                r#"SELECT "features"."id" FROM "features" WHERE "code" = $1"#,
                StatementOperation::Select
            ),
            Some("features")
        );
        assert_eq!(
            table_name(r#"INSERT INTO "webhook_deliveries" ("id") VALUES (?)"#, StatementOperation::Insert),
            Some("webhook_deliveries")
        );
        assert_eq!(
            table_name(r#"UPDATE "plans" SET "name" = ? WHERE 1"#, StatementOperation::Update),
            Some("plans")
        );
        assert_eq!(table_name("delete from taxes where id = ?", StatementOperation::Delete), Some("taxes"));
        assert_eq!(table_name("BEGIN", StatementOperation::Other), None);
        assert_eq!(table_name("SELECT 1", StatementOperation::Select), None);
    }
}
