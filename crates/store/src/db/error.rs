//! The store's error: a domain outcome (not found, a validation error, ...) or a database failure
//! classified once, here, into the domain's kinds: lost connections are `Unavailable` (the client
//! may retry), everything else is `Internal` (a bug, logged where the request is answered).
//! `?` converts both, so no query maps its error by hand.

use entitlements_domain::{Error, ErrorCode, ValidationErrors};
use sea_orm::{DbErr, RuntimeErr, SqlErr};

/// Why a store call failed; converts into the domain's `Error`, which callers match on.
#[derive(Debug, PartialEq, thiserror::Error)]
#[error(transparent)]
pub struct StoreError(Error);

impl StoreError {
    /// The domain's error.
    pub fn into_domain(self) -> Error {
        self.0
    }
}

impl From<Error> for StoreError {
    fn from(error: Error) -> Self {
        Self(error)
    }
}

impl From<ValidationErrors> for StoreError {
    fn from(errors: ValidationErrors) -> Self {
        Self(Error::Validation(errors))
    }
}

impl From<DbErr> for StoreError {
    fn from(error: DbErr) -> Self {
        Self(from_db_error(&error))
    }
}

impl From<StoreError> for Error {
    fn from(error: StoreError) -> Self {
        error.0
    }
}

fn from_db_error(error: &DbErr) -> Error {
    if is_unavailable(error) {
        Error::Unavailable(error.to_string())
    } else {
        Error::Internal(error.to_string())
    }
}

/// A violated unique index is Lago's `<field>: value_already_exist`; anything else maps as usual.
pub(crate) fn already_exists_or_db_error(error: &DbErr, field: &str) -> StoreError {
    if matches!(error.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) {
        ValidationErrors::single(field, ErrorCode::ValueAlreadyExist).into()
    } else {
        StoreError(from_db_error(error))
    }
}

fn is_unavailable(error: &DbErr) -> bool {
    use sea_orm::sqlx::Error as SqlxError;
    match error {
        DbErr::ConnectionAcquire(_) | DbErr::Conn(_) => true,
        DbErr::Exec(RuntimeErr::SqlxError(sqlx)) | DbErr::Query(RuntimeErr::SqlxError(sqlx)) => match sqlx
            .as_ref()
        {
            SqlxError::Io(_) | SqlxError::PoolTimedOut | SqlxError::PoolClosed | SqlxError::Tls(_) => true,
            SqlxError::Database(database_error) => {
                // PostgreSQL: 57P01 admin shutdown, 57P03 cannot connect now, 08xxx connection
                // exceptions; SQLite: 5 busy, 10 I/O error, 26 not a database.
                let code = database_error.code().unwrap_or_default();
                code.starts_with("08")
                    || matches!(code.as_ref(), "57P01" | "57P02" | "57P03" | "5" | "10" | "26")
            }
            _ => false,
        },
        _ => false,
    }
}
