//! Evidence documents (`documents`): one row per uploaded file, its bytes in the storage
//! ([`super::storage`]) under `storage_key`. The checks (type, size, who) are the use case's.

use super::dialect::{any_of, table_fns};
use super::schema::{applications, documents};
use super::{DbConn, StoreError};
use chrono::NaiveDateTime;
use diesel::prelude::*;

/// A document as stored.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = documents, check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct Document {
    /// Id.
    pub id: i64,
    /// The application it supports.
    pub application_id: i64,
    /// The applying firm.
    pub firm_id: i64,
    /// `core::document::Kind` id.
    pub kind: String,
    /// The name as uploaded, cleaned.
    pub file_name: String,
    /// The media type decided from the content.
    pub content_type: String,
    /// Bytes.
    pub size: i64,
    /// SHA-256 of the bytes, lower-case hex.
    pub sha256: String,
    /// Its key in the storage.
    pub storage_key: String,
    /// Who uploaded it.
    pub uploaded_by: Option<i64>,
    /// When (UTC).
    pub uploaded_at: NaiveDateTime,
}

/// A new document row.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = documents)]
pub struct NewDocument {
    /// Application.
    pub application_id: i64,
    /// Firm.
    pub firm_id: i64,
    /// Kind id.
    pub kind: String,
    /// Name.
    pub file_name: String,
    /// Media type.
    pub content_type: String,
    /// Bytes.
    pub size: i64,
    /// SHA-256, hex.
    pub sha256: String,
    /// Storage key.
    pub storage_key: String,
    /// Who.
    pub uploaded_by: Option<i64>,
    /// When.
    pub uploaded_at: NaiveDateTime,
}

table_fns! {
    /// Insert a document row and return its id.
    insert documents, NewDocument
}

table_fns! {
    /// The document with this id.
    find_by_id documents, Document
}

/// The documents of an application, by kind, oldest first.
pub fn for_application(
    conn: &mut DbConn,
    application_id: i64,
) -> Result<Vec<Document>, StoreError> {
    Ok(documents::table
        .filter(documents::application_id.eq(application_id))
        .order((documents::kind.asc(), documents::id.asc()))
        .select(Document::as_select())
        .load(conn)?)
}

/// The kinds an application has at least one document of.
pub fn kinds_of(conn: &mut DbConn, application_id: i64) -> Result<Vec<String>, StoreError> {
    Ok(documents::table
        .filter(documents::application_id.eq(application_id))
        .select(documents::kind)
        .distinct()
        .load(conn)?)
}

/// Delete the row of document `id`; `NotFound` when there is none.
pub fn delete(conn: &mut DbConn, id: i64) -> Result<(), StoreError> {
    let n = diesel::delete(documents::table.find(id)).execute(conn)?;
    if n == 1 {
        Ok(())
    } else {
        Err(StoreError::NotFound)
    }
}

/// Which of `keys` a row names (for the sweep of objects without a row).
pub fn known_keys(conn: &mut DbConn, keys: &[String]) -> Result<Vec<String>, StoreError> {
    let mut out = Vec::new();
    for chunk in keys.chunks(500) {
        out.extend(
            documents::table
                .filter(documents::storage_key.eq_any(chunk))
                .select(documents::storage_key)
                .load::<String>(conn)?,
        );
    }
    Ok(out)
}

/// Bump the version of application `application_id` if it is still a draft or returned (the
/// statuses whose documents may change); `false` when it is not. The row lock this takes
/// orders the change against a submission of the same application.
pub fn touch_editable(
    conn: &mut DbConn,
    application_id: i64,
    now: NaiveDateTime,
) -> Result<bool, StoreError> {
    let n = diesel::update(
        applications::table
            .filter(applications::id.eq(application_id))
            .filter(any_of(applications::status, ["draft", "returned"])),
    )
    .set((
        applications::version.eq(applications::version + 1),
        applications::updated_at.eq(now),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// How many document rows there are in all (for tests and reports).
pub fn count(conn: &mut DbConn) -> Result<i64, StoreError> {
    Ok(documents::table.count().get_result(conn)?)
}
