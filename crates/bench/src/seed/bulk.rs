//! The bulk part of the seed, written while the server is down: every subscription that is not a
//! template becomes a copy of its template's rows (customer, subscription, override entitlements
//! and their values, change events) with fresh ids, external ids, customer sequential ids and
//! slugs, and change sequences that continue the organization's. Each transaction of
//! `SUBSCRIPTIONS_PER_TRANSACTION` subscriptions also advances `organizations.change_sequence`,
//! so the change log stays gap-free and consistent at every commit.

use std::time::{Duration, Instant};

use entitlements_domain::{OrganizationId, customer_slug};
use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbBackend, QueryResult, Statement,
    TransactionTrait, Value,
};
use uuid::Uuid;

use crate::seed::template_copy::{CopyRow, TemplateCopy};
use crate::seed::{
    TEMPLATES, customer_external_id, has_override, is_template, subscription_external_id, template_of,
};

/// Large transactions amortize commits; 10,000 subscriptions are about 50,000 rows.
const SUBSCRIPTIONS_PER_TRANSACTION: u64 = 10_000;

/// What the bulk seed wrote.
#[derive(Debug, Clone, Copy)]
pub(crate) struct BulkSummary {
    pub(crate) rows: u64,
    pub(crate) elapsed: Duration,
}

/// Copies the templates until there are `subscriptions` subscriptions.
///
/// # Errors
/// When the database refuses, or the templates are not what the API seed created.
pub(crate) async fn copy_templates(database_url: &str, subscriptions: u64) -> Result<BulkSummary, String> {
    let started = Instant::now();
    let connection = connect(database_url).await?;
    let organization = Organization::load(&connection).await?;
    let mut templates = Vec::new();
    for index in (0..TEMPLATES).filter(|index| is_template(*index)) {
        templates.push((index, Template::load(&connection, index).await?));
    }
    let tables = Tables::new(&connection, organization.id, &templates).await?;
    let mut cursor = Cursor {
        sequential_id: last_sequential_id(&connection, organization.id).await? + 1,
        sequence: organization.change_sequence + 1,
    };
    let mut rows = 0;
    let mut reported_tenth = 0;
    for batch_start in (0..subscriptions).step_by(usize::try_from(SUBSCRIPTIONS_PER_TRANSACTION).unwrap_or(1))
    {
        let batch_end = subscriptions.min(batch_start + SUBSCRIPTIONS_PER_TRANSACTION);
        let mut batch = Batch::default();
        for index in (batch_start..batch_end).filter(|index| !is_template(*index)) {
            let template = templates
                .iter()
                .find(|(template_index, _)| *template_index == template_of(index))
                .map(|(_, template)| template)
                .ok_or_else(|| format!("no template for subscription {index}"))?;
            batch.add_copy(index, template, &organization, &mut cursor);
        }
        let transaction = connection.begin().await.map_err(|error| format!("could not begin: {error}"))?;
        rows += tables.insert(&transaction, batch).await?;
        let statement = statement(
            transaction.get_database_backend(),
            "UPDATE organizations SET change_sequence = ? WHERE id = ?",
            [(cursor.sequence - 1).into(), organization.id.into()],
        );
        transaction
            .execute_raw(statement)
            .await
            .map_err(|error| format!("could not advance the sequence: {error}"))?;
        transaction.commit().await.map_err(|error| format!("could not commit: {error}"))?;
        // About ten progress lines, whatever the size.
        let tenth = batch_end * 10 / subscriptions;
        if tenth > reported_tenth {
            reported_tenth = tenth;
            eprintln!(
                "  bulk: {batch_end} / {subscriptions} subscriptions, {rows} rows, {:.1?}",
                started.elapsed()
            );
        }
    }
    if connection.get_database_backend() == DbBackend::Postgres {
        // A database that grew through the API would have been vacuumed and analyzed by
        // autovacuum by now; left to it, that work would run during the measurements.
        connection
            .execute_unprepared("VACUUM ANALYZE")
            .await
            .map_err(|error| format!("could not vacuum: {error}"))?;
    }
    connection.close().await.map_err(|error| format!("could not close the connection: {error}"))?;
    Ok(BulkSummary { rows, elapsed: started.elapsed() })
}

async fn connect(database_url: &str) -> Result<DatabaseConnection, String> {
    let mut options = ConnectOptions::new(database_url.to_owned());
    // One connection, never recycled: the template tables are temporary tables on it.
    options.max_connections(1).idle_timeout(None).max_lifetime(None).sqlx_logging(false);
    options.map_sqlx_sqlite_opts(|sqlite| {
        // The server put the file in WAL mode; keep it so. NORMAL: the seed need not survive a crash.
        sqlite.journal_mode(SqliteJournalMode::Wal).synchronous(SqliteSynchronous::Normal)
    });
    Database::connect(options).await.map_err(|error| format!("could not connect to {database_url}: {error}"))
}

/// The one organization, bootstrapped by the server from its API key.
#[derive(Debug)]
struct Organization {
    id: Uuid,
    name: String,
    change_sequence: i64,
}

impl Organization {
    async fn load(connection: &DatabaseConnection) -> Result<Self, String> {
        let rows = query(connection, "SELECT id, name, change_sequence FROM organizations", []).await?;
        let [row] = rows.as_slice() else {
            return Err(format!("expected one organization, found {}", rows.len()));
        };
        Ok(Self {
            id: get(row, "id")?,
            name: get(row, "name")?,
            change_sequence: get(row, "change_sequence")?,
        })
    }
}

/// The rows of a subscription created through the API.
#[derive(Debug)]
struct Template {
    subscription_id: Uuid,
    customer_id: Uuid,
    /// Its own entitlements (its overrides), each with its value rows.
    entitlements: Vec<(Uuid, Vec<Uuid>)>,
    /// The sequences of its and its customer's change events, in order, with their object id.
    events: Vec<(i64, Uuid)>,
}

impl Template {
    async fn load(connection: &DatabaseConnection, index: u64) -> Result<Self, String> {
        let external_id = subscription_external_id(index);
        let rows = query(
            connection,
            "SELECT id, customer_id FROM subscriptions WHERE external_id = ?",
            [external_id.clone().into()],
        )
        .await?;
        let [row] = rows.as_slice() else {
            return Err(format!("expected one subscription {external_id}, found {}", rows.len()));
        };
        let subscription_id: Uuid = get(row, "id")?;
        let customer_id: Uuid = get(row, "customer_id")?;
        let mut entitlements = Vec::new();
        let sql = "SELECT id FROM entitlement_entitlements WHERE subscription_id = ? ORDER BY id";
        for entitlement in query(connection, sql, [subscription_id.into()]).await? {
            let entitlement_id: Uuid = get(&entitlement, "id")?;
            let sql = "SELECT id FROM entitlement_entitlement_values WHERE entitlement_entitlement_id = ? ORDER BY id";
            let values = query(connection, sql, [entitlement_id.into()])
                .await?
                .iter()
                .map(|value| get(value, "id"))
                .collect::<Result<Vec<Uuid>, String>>()?;
            entitlements.push((entitlement_id, values));
        }
        if has_override(index) == entitlements.is_empty() {
            return Err(format!("template {external_id} has {} overrides", entitlements.len()));
        }
        let sql = "SELECT sequence, object_id FROM change_events WHERE object_id = ? OR object_id = ? ORDER BY sequence";
        let events = query(connection, sql, [subscription_id.into(), customer_id.into()])
            .await?
            .iter()
            .map(|event| Ok((get(event, "sequence")?, get(event, "object_id")?)))
            .collect::<Result<Vec<(i64, Uuid)>, String>>()?;
        Ok(Self { subscription_id, customer_id, entitlements, events })
    }
}

/// The next customer sequential id and change sequence to hand out.
#[derive(Debug)]
struct Cursor {
    sequential_id: i64,
    sequence: i64,
}

/// The copies of one transaction, per table.
#[derive(Debug, Default)]
struct Batch {
    customers: Vec<CopyRow>,
    subscriptions: Vec<CopyRow>,
    entitlements: Vec<CopyRow>,
    values: Vec<CopyRow>,
    events: Vec<CopyRow>,
}

impl Batch {
    fn add_copy(
        &mut self,
        index: u64,
        template: &Template,
        organization: &Organization,
        cursor: &mut Cursor,
    ) {
        let customer_id = Uuid::now_v7();
        let subscription_id = Uuid::now_v7();
        let customer_code = customer_external_id(index);
        let subscription_code = subscription_external_id(index);
        let slug = customer_slug(&organization.name, OrganizationId(organization.id), cursor.sequential_id);
        self.customers.push(CopyRow {
            template_key: template.customer_id.into(),
            values: vec![
                customer_id.into(),
                customer_code.clone().into(),
                cursor.sequential_id.into(),
                slug.into(),
            ],
        });
        cursor.sequential_id += 1;
        self.subscriptions.push(CopyRow {
            template_key: template.subscription_id.into(),
            values: vec![subscription_id.into(), customer_id.into(), subscription_code.clone().into()],
        });
        for (template_entitlement, template_values) in &template.entitlements {
            let entitlement_id = Uuid::now_v7();
            self.entitlements.push(CopyRow {
                template_key: (*template_entitlement).into(),
                values: vec![entitlement_id.into(), subscription_id.into()],
            });
            for template_value in template_values {
                self.values.push(CopyRow {
                    template_key: (*template_value).into(),
                    values: vec![Uuid::now_v7().into(), entitlement_id.into()],
                });
            }
        }
        for (template_sequence, object_id) in &template.events {
            let (object_id, object_code) = if *object_id == template.customer_id {
                (customer_id, customer_code.clone())
            } else {
                (subscription_id, subscription_code.clone())
            };
            self.events.push(CopyRow {
                template_key: (*template_sequence).into(),
                values: vec![cursor.sequence.into(), object_id.into(), object_code.into()],
            });
            cursor.sequence += 1;
        }
    }
}

/// How each table is copied.
#[derive(Debug)]
struct Tables {
    customers: TemplateCopy,
    subscriptions: TemplateCopy,
    entitlements: TemplateCopy,
    values: TemplateCopy,
    events: TemplateCopy,
}

impl Tables {
    async fn new(
        connection: &DatabaseConnection,
        organization_id: Uuid,
        templates: &[(u64, Template)],
    ) -> Result<Self, String> {
        let templates: Vec<&Template> = templates.iter().map(|(_, template)| template).collect();
        let keys =
            |key: fn(&Template) -> Vec<Value>| templates.iter().flat_map(|template| key(template)).collect();
        let customers = keys(|template| vec![template.customer_id.into()]);
        let subscriptions = keys(|template| vec![template.subscription_id.into()]);
        let entitlements =
            keys(|template| template.entitlements.iter().map(|(id, _)| (*id).into()).collect());
        let values = keys(|template| {
            template
                .entitlements
                .iter()
                .flat_map(|(_, values)| values.iter().map(|id| (*id).into()))
                .collect()
        });
        let events =
            keys(|template| template.events.iter().map(|(sequence, _)| (*sequence).into()).collect());
        let copy = |table, key, replaced, template_keys| {
            TemplateCopy::new(connection, table, key, replaced, organization_id, template_keys)
        };
        Ok(Self {
            customers: copy("customers", "id", &["id", "external_id", "sequential_id", "slug"], customers)
                .await?,
            subscriptions: copy("subscriptions", "id", &["id", "customer_id", "external_id"], subscriptions)
                .await?,
            entitlements: copy("entitlement_entitlements", "id", &["id", "subscription_id"], entitlements)
                .await?,
            values: copy(
                "entitlement_entitlement_values",
                "id",
                &["id", "entitlement_entitlement_id"],
                values,
            )
            .await?,
            events: copy("change_events", "sequence", &["sequence", "object_id", "object_code"], events)
                .await?,
        })
    }

    /// Inserts the batch, parents first; answers the rows written.
    async fn insert(&self, connection: &impl ConnectionTrait, batch: Batch) -> Result<u64, String> {
        Ok(self.customers.insert(connection, batch.customers).await?
            + self.subscriptions.insert(connection, batch.subscriptions).await?
            + self.entitlements.insert(connection, batch.entitlements).await?
            + self.values.insert(connection, batch.values).await?
            + self.events.insert(connection, batch.events).await?)
    }
}

async fn last_sequential_id(connection: &DatabaseConnection, organization_id: Uuid) -> Result<i64, String> {
    let sql = "SELECT MAX(sequential_id) AS last FROM customers WHERE organization_id = ?";
    let rows = query(connection, sql, [organization_id.into()]).await?;
    let last: Option<i64> = match rows.first() {
        Some(row) => get(row, "last")?,
        None => None,
    };
    Ok(last.unwrap_or(0))
}

/// `sql` with `?` placeholders, numbered (`$1`, ...) on PostgreSQL.
fn statement(backend: DbBackend, sql: &str, values: impl IntoIterator<Item = Value>) -> Statement {
    let sql = match backend {
        DbBackend::Postgres => {
            let mut numbered = String::with_capacity(sql.len() + 8);
            let mut count = 0;
            for character in sql.chars() {
                if character == '?' {
                    count += 1;
                    numbered.push_str(&format!("${count}"));
                } else {
                    numbered.push(character);
                }
            }
            numbered
        }
        _ => sql.to_owned(),
    };
    Statement::from_sql_and_values(backend, sql, values)
}

async fn query(
    connection: &DatabaseConnection,
    sql: &str,
    values: impl IntoIterator<Item = Value>,
) -> Result<Vec<QueryResult>, String> {
    connection
        .query_all_raw(statement(connection.get_database_backend(), sql, values))
        .await
        .map_err(|error| format!("{sql}: {error}"))
}

fn get<T: sea_orm::TryGetable>(row: &QueryResult, column: &str) -> Result<T, String> {
    row.try_get("", column).map_err(|error| format!("column {column}: {error}"))
}
