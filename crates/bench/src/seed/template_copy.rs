//! Copies of rows the store wrote: `INSERT INTO t (...) SELECT ... FROM template_t JOIN (VALUES
//! ...)`, each new row taking every column from its template row except the few given (ids,
//! external ids, sequence numbers). The column list is read from the schema, so a column a later
//! migration adds is copied too, with whatever the store wrote into it; the seeded rows stay
//! exactly what the store writes without this module knowing them.
//!
//! The template rows are first copied into a temporary table (`template_t`, on the seed's one
//! connection): joining the copies with the growing table itself would let PostgreSQL's
//! planner, whose statistics lag behind a bulk load, scan the whole table for every statement.

use sea_orm::{ConnectionTrait, DbBackend, Statement, Value};

/// Rows per statement: 1,000, fewer when that would pass SQLite's 32,766 bound parameters.
const MAX_ROWS_PER_STATEMENT: usize = 1_000;
const MAX_PARAMETERS: usize = 30_000;

/// How to copy rows of one table.
#[derive(Debug)]
pub(crate) struct TemplateCopy {
    table: &'static str,
    /// The column that finds the template row.
    key_column: &'static str,
    /// The columns each copy sets, in the order of `CopyRow::values`.
    replaced: &'static [&'static str],
    /// Every column of the table, in schema order.
    columns: Vec<String>,
}

/// One new row: its template's key and the values of the replaced columns.
#[derive(Debug)]
pub(crate) struct CopyRow {
    pub(crate) template_key: Value,
    pub(crate) values: Vec<Value>,
}

impl TemplateCopy {
    /// Reads the table's columns and copies the organization's rows whose `key_column` is one of
    /// `template_keys` into the temporary table.
    ///
    /// # Errors
    /// When the table is unknown or lacks the key or a replaced column.
    pub(crate) async fn new(
        connection: &impl ConnectionTrait,
        table: &'static str,
        key_column: &'static str,
        replaced: &'static [&'static str],
        organization_id: uuid::Uuid,
        template_keys: Vec<Value>,
    ) -> Result<Self, String> {
        let backend = connection.get_database_backend();
        let sql = match backend {
            DbBackend::Postgres => {
                "SELECT column_name::text AS name FROM information_schema.columns \
                 WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position"
            }
            _ => "SELECT name FROM pragma_table_info(?) ORDER BY cid",
        };
        let rows = connection
            .query_all_raw(Statement::from_sql_and_values(backend, sql, [table.into()]))
            .await
            .map_err(|error| format!("could not read the columns of {table}: {error}"))?;
        let columns = rows
            .iter()
            .map(|row| row.try_get::<String>("", "name"))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|error| format!("could not read the columns of {table}: {error}"))?;
        for needed in replaced.iter().chain([&key_column, &"organization_id"]) {
            if !columns.iter().any(|column| column == needed) {
                return Err(format!("{table} has no column {needed} (columns: {})", columns.join(", ")));
            }
        }
        let copy = Self { table, key_column, replaced, columns };
        copy.create_template_table(connection, organization_id, template_keys).await?;
        Ok(copy)
    }

    async fn create_template_table(
        &self,
        connection: &impl ConnectionTrait,
        organization_id: uuid::Uuid,
        template_keys: Vec<Value>,
    ) -> Result<(), String> {
        if template_keys.is_empty() {
            return Err(format!("no template rows of {} to copy", self.table));
        }
        let backend = connection.get_database_backend();
        let mut parameters = template_keys;
        parameters.push(organization_id.into());
        let placeholders: Vec<String> = (1..=parameters.len())
            .map(|number| match backend {
                DbBackend::Postgres => format!("${number}"),
                _ => "?".to_owned(),
            })
            .collect();
        let (keys, organization) = placeholders.split_at(placeholders.len() - 1);
        let sql = format!(
            "CREATE TEMPORARY TABLE \"template_{table}\" AS SELECT * FROM \"{table}\" \
             WHERE \"{key}\" IN ({keys}) AND organization_id = {organization}",
            table = self.table,
            key = self.key_column,
            keys = keys.join(", "),
            organization = organization.join(""),
        );
        connection
            .execute_raw(Statement::from_sql_and_values(backend, sql, parameters))
            .await
            .map_err(|error| format!("could not read the templates of {}: {error}", self.table))?;
        Ok(())
    }

    /// Inserts `copies` of the template rows; answers how many rows it wrote.
    ///
    /// # Errors
    /// When the database refuses a statement, or a copy has the wrong number of values.
    pub(crate) async fn insert(
        &self,
        connection: &impl ConnectionTrait,
        copies: Vec<CopyRow>,
    ) -> Result<u64, String> {
        let per_row = self.replaced.len() + 1;
        let rows_per_statement = (MAX_PARAMETERS / per_row).clamp(1, MAX_ROWS_PER_STATEMENT);
        let mut written = 0;
        let mut copies = copies.into_iter().peekable();
        while copies.peek().is_some() {
            let chunk: Vec<CopyRow> = copies.by_ref().take(rows_per_statement).collect();
            if let Some(bad) = chunk.iter().find(|copy| copy.values.len() != self.replaced.len()) {
                return Err(format!(
                    "a copy into {} has {} values for {:?}",
                    self.table,
                    bad.values.len(),
                    self.replaced
                ));
            }
            let backend = connection.get_database_backend();
            let statement = self.statement(backend, chunk);
            let result = connection
                .execute_raw(statement)
                .await
                .map_err(|error| format!("could not copy rows into {}: {error}", self.table))?;
            written += result.rows_affected();
        }
        Ok(written)
    }

    /// `INSERT INTO t (c...) SELECT template_row.c or copy_row.columnN FROM template_t AS
    /// template_row JOIN (VALUES (key, v...), ...) AS copy_row ON template_row.key =
    /// copy_row.column1`. Both databases name VALUES columns `column1`, ...
    fn statement(&self, backend: DbBackend, chunk: Vec<CopyRow>) -> Statement {
        let mut parameters: Vec<Value> = Vec::with_capacity(chunk.len() * (self.replaced.len() + 1));
        let mut placeholder = |value: Value| {
            parameters.push(value);
            match backend {
                DbBackend::Postgres => format!("${}", parameters.len()),
                _ => "?".to_owned(),
            }
        };
        let tuples: Vec<String> = chunk
            .into_iter()
            .map(|copy| {
                let mut cells = vec![placeholder(copy.template_key)];
                cells.extend(copy.values.into_iter().map(&mut placeholder));
                format!("({})", cells.join(", "))
            })
            .collect();
        let selected: Vec<String> = self
            .columns
            .iter()
            .map(|column| match self.replaced.iter().position(|replaced| replaced == column) {
                Some(position) => format!("copy_row.column{}", position + 2),
                None => format!("template_row.\"{column}\""),
            })
            .collect();
        let column_list: Vec<String> = self.columns.iter().map(|column| format!("\"{column}\"")).collect();
        let sql = format!(
            "INSERT INTO \"{table}\" ({columns}) SELECT {selected} FROM \"template_{table}\" AS template_row \
             JOIN (VALUES {tuples}) AS copy_row ON template_row.\"{key}\" = copy_row.column1",
            table = self.table,
            columns = column_list.join(", "),
            selected = selected.join(", "),
            tuples = tuples.join(", "),
            key = self.key_column,
        );
        Statement::from_sql_and_values(backend, sql, parameters)
    }
}
