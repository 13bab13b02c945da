//! Credentials recorded beside a firm's stage: tech-SME registrations, HTE certificates,
//! leader recognitions and badges, with their validity and status.

use super::dialect::{any_of, table_fns};
use super::schema::credentials;
use super::{DbConn, StoreError};
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

/// What a credential is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CredentialKind {
    /// 科技型中小企业 registration for a year.
    TechSme,
    /// 高新技术企业 certificate.
    Hte,
    /// 创新龙头企业 recognition.
    Leader,
    /// Gazelle badge for a year.
    Gazelle,
    /// Little-giant badge for a year.
    LittleGiant,
}

impl CredentialKind {
    /// Stable id as stored.
    pub fn id(self) -> &'static str {
        match self {
            CredentialKind::TechSme => "tech_sme",
            CredentialKind::Hte => "hte",
            CredentialKind::Leader => "leader",
            CredentialKind::Gazelle => "gazelle",
            CredentialKind::LittleGiant => "little_giant",
        }
    }
}

/// Where a credential stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CredentialStatus {
    /// In force.
    Active,
    /// Ran out (HTE three years after issue).
    Expired,
    /// Withdrawn.
    Revoked,
    /// Not renewed in time (tech-SME registration).
    Lapsed,
    /// Replaced by a newer one of the same kind.
    Superseded,
}

impl CredentialStatus {
    /// Every status.
    pub const ALL: [CredentialStatus; 5] = [
        CredentialStatus::Active,
        CredentialStatus::Expired,
        CredentialStatus::Revoked,
        CredentialStatus::Lapsed,
        CredentialStatus::Superseded,
    ];

    /// Stable id as stored.
    pub fn id(self) -> &'static str {
        match self {
            CredentialStatus::Active => "active",
            CredentialStatus::Expired => "expired",
            CredentialStatus::Revoked => "revoked",
            CredentialStatus::Lapsed => "lapsed",
            CredentialStatus::Superseded => "superseded",
        }
    }
}

/// A credential as stored.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = credentials, check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct Credential {
    /// Id.
    pub id: i64,
    /// Firm.
    pub firm_id: i64,
    /// [`CredentialKind`] id.
    pub kind: String,
    /// Registration or certificate number.
    pub number: Option<String>,
    /// Issue date.
    pub issued_on: Option<NaiveDate>,
    /// First day in force.
    pub valid_from: NaiveDate,
    /// Last day in force is the day before this; `None`: open-ended.
    pub valid_until: Option<NaiveDate>,
    /// [`CredentialStatus`] id.
    pub status: String,
    /// Recorded (UTC).
    pub created_at: NaiveDateTime,
}

/// A credential to insert.
#[derive(Debug, Clone, PartialEq, Eq, Insertable)]
#[diesel(table_name = credentials)]
pub struct NewCredential {
    /// Firm.
    pub firm_id: i64,
    /// [`CredentialKind`] id.
    pub kind: String,
    /// Number.
    pub number: Option<String>,
    /// Issue date.
    pub issued_on: Option<NaiveDate>,
    /// First day in force.
    pub valid_from: NaiveDate,
    /// End of validity.
    pub valid_until: Option<NaiveDate>,
    /// [`CredentialStatus`] id.
    pub status: String,
    /// Recorded (UTC).
    pub created_at: NaiveDateTime,
}

table_fns! {
    /// Insert a credential and return its id.
    insert credentials, NewCredential
}

/// Insert a credential without reading back its id: one statement.
pub fn add(conn: &mut DbConn, new: &NewCredential) -> Result<(), StoreError> {
    diesel::insert_into(credentials::table)
        .values(new)
        .execute(conn)?;
    Ok(())
}

/// A firm's credentials, oldest first.
pub fn list_for_firm(conn: &mut DbConn, firm_id: i64) -> Result<Vec<Credential>, StoreError> {
    Ok(credentials::table
        .filter(credentials::firm_id.eq(firm_id))
        .order(credentials::id.asc())
        .select(Credential::as_select())
        .load(conn)?)
}

/// The credentials of the firms `ids`, of every kind and status, by id (one query per
/// 1,000 firms).
pub fn list_for_firms(conn: &mut DbConn, ids: &[i64]) -> Result<Vec<Credential>, StoreError> {
    let mut out = Vec::new();
    for chunk in ids.chunks(1000) {
        out.extend(
            credentials::table
                .filter(credentials::firm_id.eq_any(chunk))
                .order(credentials::id.asc())
                .select(Credential::as_select())
                .load(conn)?,
        );
    }
    Ok(out)
}

/// Every active credential of the given kinds, of every firm (for the re-score path).
pub fn list_active(
    conn: &mut DbConn,
    kinds: &[CredentialKind],
) -> Result<Vec<Credential>, StoreError> {
    let ids: Vec<&str> = kinds.iter().map(|k| k.id()).collect();
    Ok(credentials::table
        .filter(credentials::status.eq(CredentialStatus::Active.id()))
        .filter(credentials::kind.eq_any(ids))
        .order(credentials::id.asc())
        .select(Credential::as_select())
        .load(conn)?)
}

/// The active credentials of `kinds` of the firms `ids`, by id.
pub fn list_active_for_firms(
    conn: &mut DbConn,
    kinds: &[CredentialKind],
    ids: &[i64],
) -> Result<Vec<Credential>, StoreError> {
    let kinds: Vec<&str> = kinds.iter().map(|k| k.id()).collect();
    Ok(credentials::table
        .filter(credentials::status.eq(CredentialStatus::Active.id()))
        .filter(any_of(credentials::kind, kinds.iter().copied()))
        .filter(any_of(credentials::firm_id, ids.iter().copied()))
        .order(credentials::id.asc())
        .select(Credential::as_select())
        .load(conn)?)
}

/// Move a firm's credentials of `kind` whose status is one of `from` to status `to`; returns
/// how many changed.
pub fn set_status(
    conn: &mut DbConn,
    firm_id: i64,
    kind: CredentialKind,
    from: &[CredentialStatus],
    to: CredentialStatus,
) -> Result<usize, StoreError> {
    let from: Vec<&str> = from.iter().map(|s| s.id()).collect();
    Ok(diesel::update(
        credentials::table
            .filter(credentials::firm_id.eq(firm_id))
            .filter(credentials::kind.eq(kind.id()))
            .filter(credentials::status.eq_any(from)),
    )
    .set(credentials::status.eq(to.id()))
    .execute(conn)?)
}
