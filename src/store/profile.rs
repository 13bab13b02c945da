//! Build the core's [`Profile`] and [`FirmState`] from the stored rows.
//!
//! The profile comes from the firm row, its years (money in fen), grouped IP counts, its
//! active credentials and the facts JSON. One assembly function serves both the single-firm
//! path and [`load_all_profiles`], which reads every table once (no query per firm).

use super::credentials::{self, Credential, CredentialKind, CredentialStatus};
use super::firms::{parse_stage, Firm, FirmFacts};
use super::ip::{self, IpCount, IpKind};
use super::schema::{credentials as cred_t, firms};
use super::years::{self, FirmYearRow};
use super::{DbConn, StoreError};
use crate::core::profile::{HteCertificate, Ip, Profile, TechSmeRegistration};
use crate::core::stage::{Credentials, FirmState, Stage};
use chrono::NaiveDate;
use diesel::prelude::*;
use std::collections::{BTreeMap, HashMap};

/// The firm columns a profile needs.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = firms, check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
struct ProfileRow {
    id: i64,
    uscc: String,
    name: String,
    founded_on: Option<NaiveDate>,
    stage: String,
    employees: Option<i32>,
    tech_staff: Option<i32>,
    facts: String,
    industry_code: Option<String>,
}

/// One firm's profile with its id and stage, from [`load_all_profiles`].
#[derive(Debug, Clone)]
pub struct FirmProfile {
    /// Firm id.
    pub firm_id: i64,
    /// Current stage.
    pub stage: Stage,
    /// Its profile.
    pub profile: Profile,
}

fn count_u32(field: &str, v: Option<i32>) -> Result<Option<u32>, StoreError> {
    v.map(|n| {
        u32::try_from(n).map_err(|_| StoreError::corrupt(format!("{field} is negative ({n})")))
    })
    .transpose()
}

fn assemble(
    row: &ProfileRow,
    years: &[&FirmYearRow],
    ip_counts: &[&IpCount],
    active: &[&Credential],
) -> Result<Profile, StoreError> {
    let facts = FirmFacts::from_json(&row.facts)?;

    let mut financials: Vec<_> = years.iter().map(|y| y.to_core()).collect();
    financials.sort_by_key(|y| y.year);
    let mut conversions = BTreeMap::new();
    for y in years {
        if let Some(n) = count_u32("firm_years.conversions", y.conversions)? {
            conversions.insert(y.year, n);
        }
    }

    // The IP register is the record: a firm with no items recorded has none to count, and the
    // explanation then tells the advisor which items to record. How they were obtained stays
    // unknown unless the facts say.
    let ip = if ip_counts.is_empty() {
        // Counts a registry declared (an import) stand in until items are recorded.
        let d = facts.declared_ip.unwrap_or_default();
        let class_two = [d.utility_models, d.designs, d.software_copyrights]
            .into_iter()
            .flatten()
            .fold(0u32, u32::saturating_add);
        Ip {
            class_one: Some(d.invention_patents.unwrap_or(0)),
            class_two: Some(class_two),
            own_rd: facts.ip.own_rd,
            standards: facts.ip.standards,
        }
    } else {
        let mut class_one = 0u32;
        let mut class_two = 0u32;
        let mut own = false;
        for c in ip_counts {
            let kind = IpKind::parse(&c.kind)
                .ok_or_else(|| StoreError::corrupt(format!("unknown IP kind '{}'", c.kind)))?;
            let n = u32::try_from(c.count).unwrap_or(u32::MAX);
            if kind.is_class_one() {
                class_one = class_one.saturating_add(n);
            } else if !c.used_in_hte {
                class_two = class_two.saturating_add(n);
            }
            own |= c.acquisition == "own";
        }
        Ip {
            class_one: Some(class_one),
            class_two: Some(class_two),
            own_rd: Some(own),
            standards: facts.ip.standards,
        }
    };

    let latest = |kind: CredentialKind| {
        active
            .iter()
            .filter(|c| c.kind == kind.id())
            .max_by_key(|c| (c.valid_from, c.id))
    };
    let tech_sme = latest(CredentialKind::TechSme).map(|c| TechSmeRegistration {
        year: chrono::Datelike::year(&c.valid_from),
        reg_no: c.number.clone(),
    });
    let hte = latest(CredentialKind::Hte);
    let hte_certificate = hte.and_then(|c| {
        c.issued_on.map(|issued_on| HteCertificate {
            cert_no: c.number.clone().unwrap_or_default(),
            issued_on,
        })
    });
    // The valid-HTE route follows from a recorded certificate, never from a flag anyone sets:
    // a firm without an active HTE credential does not hold one.
    let mut direct_routes = facts.direct_routes.clone();
    direct_routes.valid_hte = Some(hte.is_some());

    Ok(Profile {
        uscc: Some(row.uscc.clone()),
        name: Some(row.name.clone()),
        founded_on: row.founded_on,
        employees: count_u32("firms.employees", row.employees)?,
        tech_staff: count_u32("firms.tech_staff", row.tech_staff)?,
        financials,
        ip,
        conversions,
        rd_management: facts.rd_management,
        flags: facts.flags,
        direct_routes,
        judged: facts.judged,
        tech_sme,
        hte_certificate,
        rd_platform: facts.rd_platform,
        industry_code: row.industry_code.clone(),
    })
}

const PROFILE_CREDENTIALS: [CredentialKind; 2] = [CredentialKind::TechSme, CredentialKind::Hte];

/// The profile of one firm.
pub fn load_profile(conn: &mut DbConn, firm_id: i64) -> Result<Profile, StoreError> {
    let firm = super::firms::find_by_id(conn, firm_id)?;
    profile_of(
        &firm,
        &years::list_for_firm(conn, firm_id)?,
        &ip::counts(conn, Some(firm_id))?,
        &credentials::list_for_firm(conn, firm_id)?,
    )
}

/// The profile of `firm` from rows already read for it: its years, its IP counts
/// ([`ip::counts`]) and its credentials (all of them; the active ones that count are picked
/// here). What [`load_profile`] returns, without reading anything again.
pub fn profile_of(
    firm: &Firm,
    years: &[FirmYearRow],
    ip_counts: &[IpCount],
    credentials: &[Credential],
) -> Result<Profile, StoreError> {
    let row = ProfileRow {
        id: firm.id,
        uscc: firm.uscc.clone(),
        name: firm.name.clone(),
        founded_on: firm.founded_on,
        stage: firm.stage.clone(),
        employees: firm.employees,
        tech_staff: firm.tech_staff,
        facts: firm.facts.clone(),
        industry_code: firm.industry_code.clone(),
    };
    let active: Vec<&Credential> = credentials
        .iter()
        .filter(|c| {
            c.status == CredentialStatus::Active.id()
                && PROFILE_CREDENTIALS.iter().any(|k| k.id() == c.kind)
        })
        .collect();
    assemble(
        &row,
        &years.iter().collect::<Vec<_>>(),
        &ip_counts.iter().collect::<Vec<_>>(),
        &active,
    )
}

/// Every firm's profile, read with one query per table, ordered by firm id.
pub fn load_all_profiles(conn: &mut DbConn) -> Result<Vec<FirmProfile>, StoreError> {
    let rows: Vec<ProfileRow> = firms::table
        .order(firms::id.asc())
        .select(ProfileRow::as_select())
        .load(conn)?;
    let all_years = years::list_all(conn)?;
    let all_ip = ip::counts(conn, None)?;
    let all_creds = credentials::list_active(conn, &PROFILE_CREDENTIALS)?;
    assemble_all(&rows, &all_years, &all_ip, &all_creds)
}

/// The profiles of the firms `ids` (a list's batch), read with one query per table, ordered
/// by firm id; an id with no firm is left out.
pub fn load_profiles(conn: &mut DbConn, ids: &[i64]) -> Result<Vec<FirmProfile>, StoreError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let rows: Vec<ProfileRow> = firms::table
        .filter(firms::id.eq_any(ids))
        .order(firms::id.asc())
        .select(ProfileRow::as_select())
        .load(conn)?;
    let all_years = years::list_for_firms(conn, ids)?;
    let all_ip = ip::counts_for_firms(conn, ids)?;
    let all_creds = credentials::list_active_for_firms(conn, &PROFILE_CREDENTIALS, ids)?;
    assemble_all(&rows, &all_years, &all_ip, &all_creds)
}

/// The profiles of `rows` from the rows of the other tables read for them.
fn assemble_all(
    rows: &[ProfileRow],
    all_years: &[FirmYearRow],
    all_ip: &[IpCount],
    all_creds: &[Credential],
) -> Result<Vec<FirmProfile>, StoreError> {
    let mut years_by: HashMap<i64, Vec<&FirmYearRow>> = HashMap::new();
    for y in all_years {
        years_by.entry(y.firm_id).or_default().push(y);
    }
    let mut ip_by: HashMap<i64, Vec<&IpCount>> = HashMap::new();
    for c in all_ip {
        ip_by.entry(c.firm_id).or_default().push(c);
    }
    let mut creds_by: HashMap<i64, Vec<&Credential>> = HashMap::new();
    for c in all_creds {
        creds_by.entry(c.firm_id).or_default().push(c);
    }

    let none_y: Vec<&FirmYearRow> = Vec::new();
    let none_i: Vec<&IpCount> = Vec::new();
    let none_c: Vec<&Credential> = Vec::new();
    rows.iter()
        .map(|r| {
            let profile = assemble(
                r,
                years_by.get(&r.id).unwrap_or(&none_y),
                ip_by.get(&r.id).unwrap_or(&none_i),
                creds_by.get(&r.id).unwrap_or(&none_c),
            )?;
            Ok(FirmProfile {
                firm_id: r.id,
                stage: parse_stage(&r.stage)?,
                profile,
            })
        })
        .collect()
}

/// The stage machine's view of a firm: its stage and credentials. The tech-SME registration is
/// the latest one not superseded (a lapsed registration stays the firm's latest, as in
/// [`crate::core::stage::effect`]); the HTE certificate and leader recognition are the active ones.
pub fn load_state(conn: &mut DbConn, firm: &Firm) -> Result<FirmState, StoreError> {
    let creds: Vec<Credential> = cred_t::table
        .filter(cred_t::firm_id.eq(firm.id))
        .filter(cred_t::status.ne(CredentialStatus::Superseded.id()))
        .select(Credential::as_select())
        .load(conn)?;
    state_of(firm, &creds)
}

/// [`load_state`] from the firm's credentials already read (all of them, or those not
/// superseded: superseded ones are left out here).
pub fn state_of(firm: &Firm, credentials: &[Credential]) -> Result<FirmState, StoreError> {
    let stage = firm.current_stage()?;
    let pick = |kind: CredentialKind, active_only: bool| {
        credentials
            .iter()
            .filter(|c| c.kind == kind.id())
            .filter(|c| c.status != CredentialStatus::Superseded.id())
            .filter(|c| !active_only || c.status == CredentialStatus::Active.id())
            .max_by_key(|c| (c.valid_from, c.id))
    };
    let tech_sme = pick(CredentialKind::TechSme, false).map(|c| {
        (
            chrono::Datelike::year(&c.valid_from),
            c.number.clone().unwrap_or_default(),
        )
    });
    let hte = pick(CredentialKind::Hte, true).map(|c| {
        (
            c.number.clone().unwrap_or_default(),
            c.issued_on.unwrap_or(c.valid_from),
        )
    });
    let leader_since = pick(CredentialKind::Leader, true).map(|c| c.valid_from);
    Ok(FirmState {
        stage,
        credentials: Credentials {
            tech_sme,
            hte,
            leader_since,
        },
    })
}
