//! Change a firm's data from a form that was opened at a known version: its profile, a year of
//! figures, an IP item. Each checks territory through [`super::access`] (outside it: not found;
//! read-only: forbidden) and the version the form carried (someone else changed the firm since:
//! `Conflict(StaleVersion)`), and writes nothing on any error.

use super::access::{self, AccessSettings, FirmAccess};
use super::error::{AppError, Conflict, StoreContext};
use super::principal::Principal;
use super::recompute::{recompute_in_tx, today};
use super::{add_ip, save_firm_year, FirmYearInput, NewIpInput};
use crate::core::error::InputError;
use crate::core::profile::{DirectRoutes, Flags, RdManagement};
use crate::core::stage::{EventKind, Role};
use crate::store::audit::{self, NewAuditEntry};
use crate::store::firms::{self, Firm, FirmChanges, IpFacts};
use crate::store::refdata::{self, County, Sector};
use crate::store::users::{self, User};
use crate::store::years::{self, FirmYearRow};
use crate::store::{self, DbConn};
use chrono::{NaiveDate, Utc};

/// The editable profile of a firm (the USCC is its identity and is not edited here).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EditFirmInput {
    /// Name.
    pub name: String,
    /// County code; must exist, and lie in the editor's territory.
    pub county_code: String,
    /// Sector code; must exist when given.
    pub sector_code: Option<String>,
    /// Date of registration.
    pub founded_on: Option<NaiveDate>,
    /// Assigned advisor; must be an advisor.
    pub advisor_id: Option<i64>,
    /// Contact person.
    pub contact_name: Option<String>,
    /// Contact phone.
    pub contact_phone: Option<String>,
    /// Contact email.
    pub contact_email: Option<String>,
    /// Head count.
    pub employees: Option<i32>,
    /// Technical staff.
    pub tech_staff: Option<i32>,
    /// Yes/no facts.
    pub flags: Flags,
    /// R&D organisation items.
    pub rd_management: RdManagement,
    /// Tech-SME direct routes.
    pub direct_routes: DirectRoutes,
    /// IP facts.
    pub ip: IpFacts,
}

/// Everything a form about an existing firm shows besides the firm.
#[derive(Debug, Clone)]
pub struct EditContext {
    /// The firm as loaded (its version goes into the form).
    pub firm: Firm,
    /// Every county.
    pub counties: Vec<County>,
    /// Every sector.
    pub sectors: Vec<Sector>,
    /// Active advisors.
    pub advisors: Vec<User>,
    /// The firm's years, oldest first.
    pub years: Vec<FirmYearRow>,
}

/// Counties, sectors and advisors, as every firm form offers them.
pub type ReferenceLists = (Vec<County>, Vec<Sector>, Vec<User>);

fn bad(field: &str, code: &'static str, zh: String, en: String) -> AppError {
    AppError::BadInput(InputError::new(field, code, zh, en))
}

/// `Ok` when `p` may edit `firm`; `NotFound` outside the territory, `Forbidden` when read-only.
pub fn require_edit(conn: &mut DbConn, p: &Principal, firm: &Firm) -> Result<(), AppError> {
    let s = AccessSettings::load(conn)?;
    match access::firm_access(p, &s, firm) {
        FirmAccess::Hidden => Err(AppError::NotFound),
        FirmAccess::Read => Err(AppError::Forbidden),
        FirmAccess::Edit => Ok(()),
    }
}

/// The reference lists every firm form offers.
pub fn reference_lists(conn: &mut DbConn) -> Result<ReferenceLists, AppError> {
    Ok((
        refdata::counties(conn).ctx("load counties")?,
        refdata::sectors(conn).ctx("load sectors")?,
        users::list_by_role(conn, Role::Advisor.id()).ctx("load advisors")?,
    ))
}

/// What the new-firm form needs; `Forbidden` for roles that do not register firms.
pub fn create_context(conn: &mut DbConn, p: &Principal) -> Result<ReferenceLists, AppError> {
    if !matches!(p.role, Role::Admin | Role::Bureau | Role::County) {
        return Err(AppError::Forbidden);
    }
    reference_lists(conn)
}

/// What a form about firm `firm_id` needs, after checking that `p` may edit it.
pub fn edit_context(
    conn: &mut DbConn,
    p: &Principal,
    firm_id: i64,
) -> Result<EditContext, AppError> {
    let firm = firms::find_by_id(conn, firm_id).ctx("load firm for a form")?;
    require_edit(conn, p, &firm)?;
    let (counties, sectors, advisors) = reference_lists(conn)?;
    let years = years::list_for_firm(conn, firm_id).ctx("load years for a form")?;
    Ok(EditContext {
        firm,
        counties,
        sectors,
        advisors,
        years,
    })
}

/// The stage events `p` may offer on `firm`: allowed for the role, possible from the firm's
/// stage, and only where `p` acts on the firm at all.
pub fn available_events(p: &Principal, firm: &Firm) -> Vec<EventKind> {
    let Ok(stage) = firm.current_stage() else {
        return Vec::new();
    };
    if !p.can_act_on_firm(firm) {
        return Vec::new();
    }
    EventKind::ALL
        .into_iter()
        .filter(|k| k.allowed_for(p.role) && k.from_stages().contains(&stage))
        .collect()
}

/// Every problem with the head counts, field by field.
pub fn count_errors(employees: Option<i32>, tech_staff: Option<i32>) -> Vec<InputError> {
    let mut out = Vec::new();
    for (field, v) in [("employees", employees), ("tech_staff", tech_staff)] {
        if let Some(n) = v.filter(|n| *n < 0) {
            out.push(InputError::new(
                field,
                "negative_count",
                format!("人数不能为负数（{n}）"),
                format!("must not be negative (got {n})"),
            ));
        }
    }
    if let (Some(e), Some(t)) = (employees, tech_staff) {
        if t > e && t >= 0 && e >= 0 {
            out.push(InputError::new(
                "tech_staff",
                "tech_staff_exceeds_employees",
                format!("科技人员数（{t}）不能超过职工总数（{e}）"),
                format!("technical staff ({t}) cannot exceed employees ({e})"),
            ));
        }
    }
    out
}

/// Save a firm's profile from a form opened at `expected_version`. Returns the firm after the
/// change. Errors: `NotFound`, `Forbidden`, `BadInput` naming the field, `Conflict(StaleVersion)`.
pub fn edit_firm(
    conn: &mut DbConn,
    firm_id: i64,
    expected_version: i64,
    input: EditFirmInput,
    p: &Principal,
) -> Result<Firm, AppError> {
    let name = input.name.trim().to_string();
    if name.is_empty() {
        return Err(bad(
            "name",
            "name_required",
            "请填写企业名称".to_string(),
            "a firm name is required".to_string(),
        ));
    }
    if let Some(e) = count_errors(input.employees, input.tech_staff)
        .into_iter()
        .next()
    {
        return Err(AppError::BadInput(e));
    }
    store::write_tx(conn, |c| {
        let firm = firms::find_by_id(c, firm_id).ctx("load firm for edit_firm")?;
        require_edit(c, p, &firm)?;
        if firm.version != expected_version {
            return Err(AppError::Conflict(Conflict::StaleVersion));
        }
        let code = input.county_code.trim().to_string();
        if refdata::find_county(c, &code)
            .ctx("look up county")?
            .is_none()
        {
            return Err(bad(
                "county_code",
                "unknown_county",
                format!("未知的区县代码“{code}”"),
                format!("unknown county code '{code}'"),
            ));
        }
        if code != firm.county_code && !p.can_create_firm_in(&code) {
            return Err(bad(
                "county_code",
                "county_outside_territory",
                "不能将企业移到您管辖范围以外的区县".to_string(),
                "you cannot move the firm to a county outside your territory".to_string(),
            ));
        }
        if let Some(s) = &input.sector_code {
            if refdata::find_sector(c, s).ctx("look up sector")?.is_none() {
                return Err(bad(
                    "sector_code",
                    "unknown_sector",
                    format!("未知的行业代码“{s}”"),
                    format!("unknown sector code '{s}'"),
                ));
            }
        }
        if let Some(a) = input.advisor_id {
            let found = users::find_many(c, &[a]).ctx("look up advisor")?;
            if !found.iter().any(|u| u.role == Role::Advisor.id()) {
                return Err(bad(
                    "advisor_id",
                    "unknown_advisor",
                    "所选服务专员不存在".to_string(),
                    "no such advisor".to_string(),
                ));
            }
        }
        let mut facts = firm.parsed_facts().ctx("read firm facts")?;
        facts.flags = input.flags.clone();
        facts.rd_management = input.rd_management.clone();
        facts.direct_routes = input.direct_routes.clone();
        facts.ip = input.ip.clone();
        let changes = FirmChanges {
            name: Some(name.clone()),
            county_code: Some(code.clone()),
            sector_code: Some(input.sector_code.clone()),
            founded_on: Some(input.founded_on),
            advisor_id: Some(input.advisor_id),
            contact_name: Some(input.contact_name.clone()),
            contact_phone: Some(input.contact_phone.clone()),
            contact_email: Some(input.contact_email.clone()),
            employees: Some(input.employees),
            tech_staff: Some(input.tech_staff),
            facts: Some(facts.to_json()),
            stage: None,
        };
        let now = Utc::now().naive_utc();
        firms::update_with_version(c, firm_id, expected_version, &changes, now)
            .ctx("save firm profile")?;
        audit::record(
            c,
            &NewAuditEntry {
                actor_id: p.user_id,
                actor_role: p.role.id(),
                action: "edit_firm",
                entity: "firm",
                entity_id: Some(firm_id),
                detail: serde_json::json!({"name": name, "county_code": code,
                    "from_version": expected_version})
                .to_string(),
                at: now,
            },
        )
        .ctx("write audit row for edit_firm")?;
        recompute_in_tx(c, firm_id, today())?;
        firms::find_by_id(c, firm_id).ctx("reload firm after edit_firm")
    })
}

/// Run `f` on firm `firm_id` in one transaction after checking that `p` may edit it and that
/// it is still at `expected_version`.
fn at_version<T>(
    conn: &mut DbConn,
    firm_id: i64,
    expected_version: i64,
    p: &Principal,
    f: impl FnOnce(&mut DbConn) -> Result<T, AppError>,
) -> Result<T, AppError> {
    store::write_tx(conn, |c| {
        let firm = firms::find_by_id(c, firm_id).ctx("load firm for a versioned change")?;
        require_edit(c, p, &firm)?;
        if firm.version != expected_version {
            return Err(AppError::Conflict(Conflict::StaleVersion));
        }
        f(c)
    })
}

/// [`save_firm_year`] from a form opened at `expected_version`.
pub fn save_year_at(
    conn: &mut DbConn,
    firm_id: i64,
    expected_version: i64,
    input: FirmYearInput,
    p: &Principal,
) -> Result<Firm, AppError> {
    at_version(conn, firm_id, expected_version, p, |c| {
        save_firm_year(c, firm_id, input, p)
    })
}

/// [`add_ip`] from a form opened at `expected_version`; returns the item's id.
pub fn add_ip_at(
    conn: &mut DbConn,
    firm_id: i64,
    expected_version: i64,
    input: NewIpInput,
    p: &Principal,
) -> Result<i64, AppError> {
    at_version(conn, firm_id, expected_version, p, |c| {
        add_ip(c, firm_id, input, p)
    })
}

/// Firm `firm_id` for a stage-action form: `NotFound` outside `p`'s territory, `Forbidden`
/// when `p` fires no events on it.
pub fn action_context(conn: &mut DbConn, p: &Principal, firm_id: i64) -> Result<Firm, AppError> {
    let s = AccessSettings::load(conn)?;
    let firm = firms::find_by_id(conn, firm_id).ctx("load firm for an action")?;
    access::require_read(p, &s, &firm)?;
    if !p.can_act_on_firm(&firm) {
        return Err(AppError::Forbidden);
    }
    Ok(firm)
}
