//! Settings: a key → JSON value table (local rule thresholds and the like).

use super::dialect::{any_of, each_backend};
use super::schema::settings;
use super::{DbConn, StoreError};
use crate::core::rules::Thresholds;
use chrono::Utc;
use diesel::prelude::*;
use diesel::upsert::excluded;

/// The key of the local rule thresholds.
pub const THRESHOLDS_KEY: &str = "thresholds";

/// The value stored under `key`, if any.
pub fn get(conn: &mut DbConn, key: &str) -> Result<Option<serde_json::Value>, StoreError> {
    // By key, without `first`'s `LIMIT ?` (see the `store` module).
    let text: Option<String> = settings::table
        .find(key)
        .select(settings::value)
        .get_result(conn)
        .optional()?;
    text.map(|t| {
        serde_json::from_str(&t)
            .map_err(|e| StoreError::corrupt(format!("setting '{key}' is not valid JSON: {e}")))
    })
    .transpose()
}

/// The values stored under `keys`, in one read: `None` for a key that is unset.
pub fn get_many(
    conn: &mut DbConn,
    keys: &[&str],
) -> Result<Vec<Option<serde_json::Value>>, StoreError> {
    let rows: Vec<(String, String)> = settings::table
        .filter(any_of(settings::key, keys.iter().copied()))
        .select((settings::key, settings::value))
        .load(conn)?;
    keys.iter()
        .map(|key| {
            rows.iter()
                .find(|(k, _)| k == key)
                .map(|(_, t)| {
                    serde_json::from_str(t).map_err(|e| {
                        StoreError::corrupt(format!("setting '{key}' is not valid JSON: {e}"))
                    })
                })
                .transpose()
        })
        .collect()
}

/// Store `value` under `key`, replacing what was there.
pub fn set(conn: &mut DbConn, key: &str, value: &serde_json::Value) -> Result<(), StoreError> {
    let now = Utc::now().naive_utc();
    let text = value.to_string();
    each_backend!(conn, c => diesel::insert_into(settings::table)
        .values((
            settings::key.eq(key),
            settings::value.eq(&text),
            settings::updated_at.eq(now),
        ))
        .on_conflict(settings::key)
        .do_update()
        .set((
            settings::value.eq(excluded(settings::value)),
            settings::updated_at.eq(excluded(settings::updated_at)),
        ))
        .execute(c))?;
    Ok(())
}

/// Remove `key`; returns whether it was set.
pub fn delete(conn: &mut DbConn, key: &str) -> Result<bool, StoreError> {
    Ok(diesel::delete(settings::table.find(key)).execute(conn)? > 0)
}

/// Store `value` under `key` only if the key is unset, and return what is stored afterwards:
/// of several processes racing to set it, all read back the one value that won.
pub fn get_or_insert(
    conn: &mut DbConn,
    key: &str,
    value: &serde_json::Value,
) -> Result<serde_json::Value, StoreError> {
    let now = Utc::now().naive_utc();
    let text = value.to_string();
    each_backend!(conn, c => diesel::insert_into(settings::table)
        .values((
            settings::key.eq(key),
            settings::value.eq(&text),
            settings::updated_at.eq(now),
        ))
        .on_conflict(settings::key)
        .do_nothing()
        .execute(c))?;
    get(conn, key)?.ok_or(StoreError::NotFound)
}

/// The local rule thresholds in force: the `thresholds` setting, or the defaults when unset.
pub fn thresholds(conn: &mut DbConn) -> Result<Thresholds, StoreError> {
    thresholds_of(get(conn, THRESHOLDS_KEY)?)
}

/// The thresholds a stored `thresholds` value (already read) gives: the defaults when unset.
pub fn thresholds_of(value: Option<serde_json::Value>) -> Result<Thresholds, StoreError> {
    match value {
        None => Ok(Thresholds::default()),
        Some(v) => serde_json::from_value(v).map_err(|e| {
            StoreError::corrupt(format!(
                "setting '{THRESHOLDS_KEY}' is not valid thresholds: {e}"
            ))
        }),
    }
}
