//! Lago's `search_term`: a case-insensitive substring match on any of a table's text columns,
//! with `%`, `_` and `\` in the term matched literally. Both databases lower-case the column and
//! the term the same way for ASCII; SQLite's `lower` leaves other letters as they are.

use sea_orm::sea_query::{Expr, ExprTrait, Func, LikeExpr};
use sea_orm::{ColumnTrait, Condition};

/// Rows whose value in at least one of `columns` contains `term`, ignoring case.
pub(crate) fn contains_ignoring_case<C: ColumnTrait>(
    columns: impl IntoIterator<Item = C>,
    term: &str,
) -> Condition {
    let escaped = term.to_lowercase().replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
    let pattern = format!("%{escaped}%");
    columns.into_iter().fold(Condition::any(), |condition, column| {
        condition
            .add(Expr::expr(Func::lower(Expr::col(column))).like(LikeExpr::new(pattern.clone()).escape('\\')))
    })
}
