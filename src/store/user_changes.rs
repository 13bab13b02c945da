//! Changes to user accounts made by an administrator: role, county, active.

use super::schema::users;
use super::{DbConn, StoreError};
use diesel::prelude::*;

/// What an administrator may change; `None` leaves a column as it is, and `Some(None)` clears
/// the county.
#[derive(Debug, Clone, Default, PartialEq, Eq, AsChangeset)]
#[diesel(table_name = users)]
pub struct UserChanges {
    /// Role id.
    pub role: Option<String>,
    /// County of a county officer (or an advisor's home county).
    pub county_code: Option<Option<String>>,
    /// May sign in.
    pub active: Option<bool>,
}

/// Apply `changes` to user `id`; `NotFound` if there is no such user.
pub fn update(conn: &mut DbConn, id: i64, changes: &UserChanges) -> Result<(), StoreError> {
    if changes == &UserChanges::default() {
        crate::store::users::find_by_id(conn, id)?;
        return Ok(());
    }
    let n = diesel::update(users::table.find(id))
        .set(changes)
        .execute(conn)?;
    if n == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}
