//! The few places where SQLite and PostgreSQL need their own SQL. Nothing outside `store`
//! matches on [`DbConn`](super::DbConn).

use super::{DbConn, StoreError};
use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool, Text};

/// Run the same diesel expression on the inner connection of either backend, for DSL that the
/// multi-backend cannot express but both dialects accept (`ON CONFLICT`, batch `INSERT`).
macro_rules! each_backend {
    ($conn:expr, $c:ident => $body:expr) => {
        match $conn {
            $crate::store::DbConn::Pg($c) => $body,
            $crate::store::DbConn::Sqlite($c) => $body,
        }
    };
}
pub(crate) use each_backend;

/// Insert `$rows` (a slice) into `$table` in multi-row statements of `$n` rows, as a count.
/// Each full chunk goes in as an array (`&[T; N]`), whose statement has a fixed shape that the
/// connection prepares once and keeps: SQLite's prepare of a long `INSERT` costs about as
/// much as running it. The remainder goes in as a slice.
macro_rules! insert_in_chunks {
    ($conn:expr, $table:path, $rows:expr, $n:literal) => {{
        let rows = $rows;
        let mut n: usize = 0;
        let mut chunks = rows.chunks_exact($n);
        for chunk in &mut chunks {
            let chunk: &[_; $n] = chunk.try_into().expect("chunks_exact yields full chunks");
            n += $crate::store::dialect::each_backend!($conn, c => diesel::insert_into($table)
                .values(chunk)
                .execute(c))?;
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            n += $crate::store::dialect::each_backend!($conn, c => diesel::insert_into($table)
                .values(rest)
                .execute(c))?;
        }
        Ok::<usize, $crate::store::StoreError>(n)
    }};
}
pub(crate) use insert_in_chunks;

/// A bulk load of `$rows` (a slice) into `$table`, as a count: on PostgreSQL one binary COPY,
/// with no statement to parse and plan for every thousand rows; on SQLite `$sqlite` (its
/// multi-row statements, e.g. [`insert_in_chunks`]). An empty slice writes nothing.
macro_rules! copy_or_insert {
    ($conn:expr, $table:path, $rows:expr, sqlite: $sqlite:expr) => {{
        let rows = $rows;
        if rows.is_empty() {
            Ok::<usize, $crate::store::StoreError>(0)
        } else if let $crate::store::DbConn::Pg(c) = $conn {
            Ok(diesel::copy_from($table).from_insertable(rows).execute(c)?)
        } else {
            $sqlite
        }
    }};
}
pub(crate) use copy_or_insert;

/// The plain accessors most tables have, written once:
///
/// - `insert(conn, &new) -> id`: one `INSERT`, then the id it generated.
/// - `insert_many(conn, &rows) -> count`: multi-row `INSERT`s of `chunk` rows each (chosen so a
///   statement stays under either dialect's bind-parameter limit).
/// - `find_by_id(conn, id) -> row`: `NotFound` when there is none.
///
/// Each arm takes the doc comment of the function it makes.
macro_rules! table_fns {
    ($(#[$doc:meta])* insert $table:ident, $new:ty) => {
        $(#[$doc])*
        pub fn insert(conn: &mut DbConn, new: &$new) -> Result<i64, StoreError> {
            diesel::insert_into($table::table).values(new).execute(conn)?;
            $crate::store::dialect::last_insert_id(conn)
        }
    };
    ($(#[$doc:meta])* insert_many $table:ident, $new:ty, chunk $chunk:literal) => {
        $(#[$doc])*
        pub fn insert_many(conn: &mut DbConn, rows: &[$new]) -> Result<usize, StoreError> {
            $crate::store::dialect::insert_in_chunks!(conn, $table::table, rows, $chunk)
        }
    };
    ($(#[$doc:meta])* find_by_id $table:ident, $row:ty) => {
        $(#[$doc])*
        // `get_result`, not `first`: a key matches one row at most, and the `LIMIT ?` of
        // `first` makes SQLite re-prepare the statement on every run (see the
        // `store` module's documentation).
        pub fn find_by_id(conn: &mut DbConn, id: i64) -> Result<$row, StoreError> {
            Ok($table::table.find(id).select(<$row>::as_select()).get_result(conn)?)
        }
    };
}
pub(crate) use table_fns;

/// The id the last `INSERT` on this connection generated (no `RETURNING` on the multi
/// backend). Both are per-connection, so concurrent inserts elsewhere do not interfere.
pub fn last_insert_id(conn: &mut DbConn) -> Result<i64, StoreError> {
    let id = match conn {
        DbConn::Pg(c) => diesel::select(sql::<BigInt>("lastval()")).get_result::<i64>(c),
        DbConn::Sqlite(c) => {
            diesel::select(sql::<BigInt>("last_insert_rowid()")).get_result::<i64>(c)
        }
    };
    Ok(id?)
}

/// Let the current transaction commit without waiting for its write-ahead log to reach the
/// disk (PostgreSQL's `synchronous_commit = off`, for this transaction only): for records
/// whose loss in a crash costs nothing (sign-in attempts), never for the firms' data. A crash
/// can forget the last such commits but never corrupts anything. SQLite in WAL mode with
/// `synchronous = NORMAL` already commits without a sync.
pub fn relaxed_commit(conn: &mut DbConn) -> Result<(), StoreError> {
    use diesel::connection::SimpleConnection;
    match conn {
        DbConn::Pg(c) => c.batch_execute("SET LOCAL synchronous_commit TO OFF")?,
        DbConn::Sqlite(_) => {}
    }
    Ok(())
}

/// One column of a table as the database reports it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, QueryableByName)]
pub struct ColumnInfo {
    /// Table name.
    #[diesel(sql_type = Text)]
    pub table_name: String,
    /// Column name.
    #[diesel(sql_type = Text)]
    pub column_name: String,
    /// Whether NULL is allowed (primary-key columns count as NOT NULL on both).
    #[diesel(sql_type = Bool)]
    pub nullable: bool,
}

/// Every column of every table of the application (the migrations bookkeeping table
/// included), sorted, so the two dialects' migrations can be compared.
pub fn schema_columns(conn: &mut DbConn) -> Result<Vec<ColumnInfo>, StoreError> {
    let mut cols = match conn {
        DbConn::Pg(c) => diesel::sql_query(
            "SELECT table_name::text AS table_name, column_name::text AS column_name, \
                    (is_nullable = 'YES') AS nullable \
             FROM information_schema.columns \
             WHERE table_schema = current_schema()",
        )
        .load::<ColumnInfo>(c)?,
        DbConn::Sqlite(c) => diesel::sql_query(
            "SELECT m.name AS table_name, p.name AS column_name, \
                    (p.\"notnull\" = 0 AND p.pk = 0) AS nullable \
             FROM sqlite_master m JOIN pragma_table_info(m.name) p \
             WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%'",
        )
        .load::<ColumnInfo>(c)?,
    };
    cols.sort();
    Ok(cols)
}

/// `column IN (values)` written so that its SQL does not depend on how many values there are,
/// and the connection prepares the statement once and keeps it: on PostgreSQL
/// `column = ANY($1)` with the values as one array (what diesel's `eq_any` writes there too);
/// on SQLite `column IN (SELECT value FROM json_each(?))` with the values as one JSON array.
/// diesel's `eq_any` writes one `?` per value on SQLite, a statement it never caches, so every
/// run paid SQLite's prepare (on the firm page, more than the reads themselves). For a column
/// that is not null; no values matches nothing, as with `eq_any`.
pub fn any_of<C, T>(column: C, values: impl IntoIterator<Item = T>) -> AnyOf<C, T>
where
    T: serde::Serialize,
{
    let values: Vec<T> = values.into_iter().collect();
    // Numbers and strings, which always serialise.
    let json = serde_json::to_string(&values).unwrap_or_else(|_| "[]".to_owned());
    AnyOf {
        column,
        values,
        json,
    }
}

/// The expression [`any_of`] makes.
#[derive(Debug, Clone)]
pub struct AnyOf<C, T> {
    column: C,
    values: Vec<T>,
    json: String,
}

mod any_of_impls {
    use super::AnyOf;
    use crate::store::MultiBackend;
    use diesel::expression::{AppearsOnTable, Expression, SelectableExpression, ValidGrouping};
    use diesel::pg::Pg;
    use diesel::query_builder::{AstPass, QueryFragment, QueryId};
    use diesel::serialize::ToSql;
    use diesel::sql_types::{Array, Bool, Text};
    use diesel::sqlite::Sqlite;
    use diesel::QueryResult;

    impl<C: Expression, T> Expression for AnyOf<C, T> {
        type SqlType = Bool;
    }

    impl<C, T, QS> AppearsOnTable<QS> for AnyOf<C, T>
    where
        C: AppearsOnTable<QS>,
        Self: Expression,
    {
    }

    impl<C, T, QS> SelectableExpression<QS> for AnyOf<C, T>
    where
        C: SelectableExpression<QS>,
        Self: AppearsOnTable<QS>,
    {
    }

    impl<C: ValidGrouping<GB>, T, GB> ValidGrouping<GB> for AnyOf<C, T> {
        type IsAggregate = C::IsAggregate;
    }

    /// Its SQL depends on the column alone, never on the values.
    impl<C: QueryId, T> QueryId for AnyOf<C, T> {
        type QueryId = AnyOf<C::QueryId, ()>;
        const HAS_STATIC_QUERY_ID: bool = C::HAS_STATIC_QUERY_ID;
    }

    impl<C, T> QueryFragment<Pg> for AnyOf<C, T>
    where
        C: Expression + QueryFragment<Pg>,
        C::SqlType: 'static,
        Vec<T>: ToSql<Array<C::SqlType>, Pg>,
        Pg: diesel::sql_types::HasSqlType<Array<C::SqlType>>,
    {
        fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
            self.column.walk_ast(out.reborrow())?;
            out.push_sql(" = ANY(");
            out.push_bind_param::<Array<C::SqlType>, Vec<T>>(&self.values)?;
            out.push_sql(")");
            Ok(())
        }
    }

    impl<C, T> QueryFragment<Sqlite> for AnyOf<C, T>
    where
        C: QueryFragment<Sqlite>,
    {
        fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Sqlite>) -> QueryResult<()> {
            self.column.walk_ast(out.reborrow())?;
            out.push_sql(" IN (SELECT value FROM json_each(");
            out.push_bind_param::<Text, String>(&self.json)?;
            out.push_sql("))");
            Ok(())
        }
    }

    impl<C, T> QueryFragment<MultiBackend> for AnyOf<C, T>
    where
        Self: QueryFragment<Pg> + QueryFragment<Sqlite>,
    {
        fn walk_ast<'b>(&'b self, pass: AstPass<'_, 'b, MultiBackend>) -> QueryResult<()> {
            MultiBackend::walk_variant_ast(self, pass)
        }
    }
}
