//! Each user's choice per kind of mail: `immediate`, `digest` or `off`. No row means the
//! default (immediate).

use super::dialect::each_backend;
use super::schema::mail_prefs;
use super::{DbConn, StoreError};
use diesel::prelude::*;
use diesel::upsert::excluded;

/// One stored choice.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = mail_prefs, check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct MailPref {
    /// The user.
    pub user_id: i64,
    /// Kind of mail (`notify::MailKind::as_str`).
    pub kind: String,
    /// `immediate`, `digest` or `off`.
    pub mode: String,
}

/// The user's mode for `kind`, if they chose one.
pub fn get(conn: &mut DbConn, user_id: i64, kind: &str) -> Result<Option<String>, StoreError> {
    Ok(mail_prefs::table
        .find((user_id, kind))
        .select(mail_prefs::mode)
        .first(conn)
        .optional()?)
}

/// Every choice the user made, by kind.
pub fn list_for_user(conn: &mut DbConn, user_id: i64) -> Result<Vec<MailPref>, StoreError> {
    Ok(mail_prefs::table
        .filter(mail_prefs::user_id.eq(user_id))
        .order(mail_prefs::kind.asc())
        .select(MailPref::as_select())
        .load(conn)?)
}

/// Store the user's mode for `kind`, replacing an earlier choice.
pub fn set(conn: &mut DbConn, user_id: i64, kind: &str, mode: &str) -> Result<(), StoreError> {
    let row = MailPref {
        user_id,
        kind: kind.to_string(),
        mode: mode.to_string(),
    };
    each_backend!(conn, c => diesel::insert_into(mail_prefs::table)
        .values(&row)
        .on_conflict((mail_prefs::user_id, mail_prefs::kind))
        .do_update()
        .set(mail_prefs::mode.eq(excluded(mail_prefs::mode)))
        .execute(c))?;
    Ok(())
}
