//! Change a firm's profile under the optimistic lock: the one use case behind the edit form
//! (`forms::replace_profile`, a full replacement) and `PATCH /api/v1/firms/{id}` (a partial one).

use crate::app::access::{self, AccessSettings, FirmAccess};
use crate::app::error::{AppError, StoreContext};
use crate::app::firms::derived::{recompute_in_tx, today};
use crate::app::firms::record::{self, RecordPatch};
use crate::app::principal::Principal;
use crate::core::error::{InputError, Text};
use crate::core::input;
use crate::core::profile::{IndustryCode, RdManagement};
use crate::store::audit::{self, NewAuditEntry};
use crate::store::firms::{self, Firm, FirmChanges, IpFacts};
use crate::store::{self, refdata, DbConn};
use chrono::{NaiveDate, Utc};

/// The yes/no facts a firm user or advisor maintains on the edit form. The record flags and
/// the direct routes are not among them: see [`RecordPatch`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FactsUpdate {
    /// Core technology in a national key-supported field.
    pub key_field: Option<bool>,
    /// Owns IP that supports its main products.
    pub core_ip: Option<bool>,
    /// R&D organisation items.
    pub rd_management: RdManagement,
    /// How the IP was obtained, standards.
    pub ip: IpFacts,
}

/// The fields to change; `None` leaves a field as it is. For the optional text fields an
/// empty string clears the value; `Some(None)` clears the others.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FirmUpdate {
    /// Name (cannot be cleared).
    pub name: Option<String>,
    /// County code (must exist; moving a firm needs the right to create firms there).
    pub county_code: Option<String>,
    /// Sector code (must exist); empty clears.
    pub sector_code: Option<String>,
    /// Date of registration.
    pub founded_on: Option<Option<NaiveDate>>,
    /// Assigned advisor (must be an active advisor; only admins, bureau staff and county officers
    /// may change it).
    pub advisor_id: Option<Option<i64>>,
    /// Contact person; empty clears.
    pub contact_name: Option<String>,
    /// Contact phone; empty clears.
    pub contact_phone: Option<String>,
    /// Contact email; empty clears.
    pub contact_email: Option<String>,
    /// Head count.
    pub employees: Option<Option<i32>>,
    /// Technical staff.
    pub tech_staff: Option<Option<i32>>,
    /// The yes/no facts, replaced whole.
    pub facts: Option<FactsUpdate>,
    /// Record flags and direct routes to set (staff only: changing one as anyone else is
    /// `Forbidden` and writes nothing).
    pub record: Option<RecordPatch>,
    /// GB/T 4754-2017 industry code, e.g. `C1351`; empty clears.
    pub industry_code: Option<String>,
}

/// The earliest founding date the app takes (a typo such as `0719-12-21` is refused).
pub const EARLIEST_FOUNDING: (i32, u32, u32) = (1900, 1, 1);

/// The typed texts and dates of a profile as they stand: one-line fields without control
/// characters or line breaks and within their length, a plausible e-mail address and phone
/// number, a founding date neither in the future (China) nor before 1900. `None` is a field
/// the change leaves alone; an empty text clears and is fine.
pub fn profile_errors(
    name: Option<&str>,
    contact_name: Option<&str>,
    contact_phone: Option<&str>,
    contact_email: Option<&str>,
    founded_on: Option<NaiveDate>,
    today: NaiveDate,
) -> Vec<InputError> {
    let mut out = Vec::new();
    for (field, v) in [("name", name), ("contact_name", contact_name)] {
        if let Some(Err(e)) = v.map(|v| input::line(field, v)) {
            out.push(e);
        }
    }
    if let Some(v) = contact_phone.map(str::trim).filter(|v| !v.is_empty()) {
        if let Err(e) = input::phone("contact_phone", v) {
            out.push(e);
        }
    }
    if let Some(v) = contact_email.map(str::trim).filter(|v| !v.is_empty()) {
        if let Err(e) = input::email("contact_email", v) {
            out.push(e);
        }
    }
    if let Some(d) = founded_on {
        let (y, m, day) = EARLIEST_FOUNDING;
        let earliest = NaiveDate::from_ymd_opt(y, m, day).unwrap_or(d);
        if d > today {
            out.push(InputError::new(
                "founded_on",
                "date_in_future",
                Text::new("input.date.future")
                    .plain("date", d)
                    .plain("today", today),
            ));
        } else if d < earliest {
            out.push(InputError::new(
                "founded_on",
                "date_implausible",
                Text::new("input.date.too_early")
                    .plain("date", d)
                    .plain("earliest", earliest),
            ));
        }
    }
    out
}

/// Problems with head counts, each naming its field: negative numbers, more technical staff
/// than employees. Forms show them all beside their fields; the use case refuses the first.
pub fn count_errors(employees: Option<i32>, tech_staff: Option<i32>) -> Vec<InputError> {
    let mut out = Vec::new();
    for (field, v) in [("employees", employees), ("tech_staff", tech_staff)] {
        if let Some(n) = v.filter(|n| *n < 0) {
            out.push(InputError::new(
                field,
                "negative_count",
                Text::new("app.firms.negative_count")
                    .plain("field", field)
                    .plain("n", n),
            ));
        }
    }
    if let (Some(e), Some(t)) = (employees, tech_staff) {
        if t > e && t >= 0 && e >= 0 {
            out.push(InputError::new(
                "tech_staff",
                "tech_staff_exceeds_employees",
                Text::new("app.firms.tech_staff_exceeds_employees")
                    .plain("t", t)
                    .plain("e", e),
            ));
        }
    }
    out
}

/// The industry code to store from the text given: `None` leaves it, an empty text clears it,
/// anything else must be a GB/T 4754-2017 code (stored normalised, e.g. `C1351`).
pub fn industry_change(raw: Option<&str>) -> Result<Option<Option<String>>, AppError> {
    match raw.map(str::trim) {
        None => Ok(None),
        Some("") => Ok(Some(None)),
        Some(code) => IndustryCode::parse(code)
            .map(|c| Some(Some(c.as_str().to_string())))
            .map_err(|e| AppError::bad_input("industry_code", "invalid_industry_code", e)),
    }
}

fn clearable(v: &Option<String>) -> Option<Option<String>> {
    v.as_ref().map(|s| {
        let t = s.trim();
        (!t.is_empty()).then(|| t.to_string())
    })
}

/// Save `update` on firm `firm_id` if it is still at `expected_version`. In one transaction:
/// check territory (outside it: `NotFound`) and the right to edit (`Forbidden`), validate,
/// save with the version check (`Conflict(StaleVersion)` and nothing written when someone
/// else changed it), write the audit row and recompute the derived columns. Returns the firm.
pub fn update_firm(
    conn: &mut DbConn,
    firm_id: i64,
    expected_version: i64,
    update: FirmUpdate,
    principal: &Principal,
) -> Result<Firm, AppError> {
    if let Some(n) = &update.name {
        if n.trim().is_empty() {
            return Err(AppError::bad_input(
                "name",
                "name_required",
                Text::new("app.firms.name_required"),
            ));
        }
    }
    if let Some(e) = profile_errors(
        update.name.as_deref(),
        update.contact_name.as_deref(),
        update.contact_phone.as_deref(),
        update.contact_email.as_deref(),
        update.founded_on.flatten(),
        today(),
    )
    .into_iter()
    .next()
    {
        return Err(e.into());
    }
    store::write_tx(conn, |c| {
        let s = AccessSettings::load(c, principal)?;
        let firm = firms::find_by_id(c, firm_id).ctx("load firm for update_firm")?;
        if access::require_read(principal, &s, &firm)? != FirmAccess::Edit {
            return Err(AppError::Forbidden);
        }
        if let Some(code) = &update.county_code {
            if refdata::find_county(c, code)
                .ctx("look up county")?
                .is_none()
            {
                return Err(AppError::bad_input(
                    "county_code",
                    "unknown_county",
                    Text::new("app.firms.unknown_county").plain("code", code),
                ));
            }
            if *code != firm.county_code && !principal.can_create_firm_in(code) {
                return Err(AppError::bad_input(
                    "county_code",
                    "county_outside_territory",
                    Text::new("app.firms.county_outside_territory"),
                ));
            }
        }
        let sector = clearable(&update.sector_code);
        let industry = industry_change(update.industry_code.as_deref())?;
        if let Some(Some(code)) = &sector {
            if refdata::find_sector(c, code)
                .ctx("look up sector")?
                .is_none()
            {
                return Err(AppError::bad_input(
                    "sector_code",
                    "unknown_sector",
                    Text::new("app.firms.unknown_sector").plain("code", code),
                ));
            }
        }
        if let Some(advisor) = update.advisor_id.filter(|a| *a != firm.advisor_id) {
            if !principal.can_assign_advisors() {
                return Err(AppError::Forbidden);
            }
            // The same check as creation and assignment: an advisor, and an active one.
            if let Some(a) = advisor {
                crate::app::coaching::assign_advisor::check_advisor(c, "advisor_id", a)?;
            }
        }
        let employees = update.employees.unwrap_or(firm.employees);
        let tech = update.tech_staff.unwrap_or(firm.tech_staff);
        if let Some(e) = count_errors(employees, tech).into_iter().next() {
            return Err(AppError::BadInput(e));
        }
        let mut marked = Vec::new();
        let facts = if update.facts.is_some() || update.record.is_some() {
            let mut facts = firm.parsed_facts().ctx("read firm facts")?;
            if let Some(f) = &update.facts {
                facts.flags.key_field = f.key_field;
                facts.flags.core_ip = f.core_ip;
                facts.rd_management = f.rd_management.clone();
                facts.ip = f.ip.clone();
            }
            if let Some(r) = &update.record {
                marked = record::apply(&mut facts, r, principal)?;
            }
            Some(facts.to_json())
        } else {
            None
        };
        let changes = FirmChanges {
            name: update.name.as_deref().map(|n| n.trim().to_string()),
            county_code: update.county_code.clone(),
            sector_code: sector,
            founded_on: update.founded_on,
            advisor_id: update.advisor_id,
            contact_name: clearable(&update.contact_name),
            contact_phone: clearable(&update.contact_phone),
            contact_email: clearable(&update.contact_email),
            employees: update.employees,
            tech_staff: update.tech_staff,
            facts,
            stage: None,
            industry_code: industry,
        };
        let now = Utc::now().naive_utc();
        let version = firms::update_with_version(c, firm_id, expected_version, &changes, now)
            .ctx("save firm changes")?;
        if let Some(advisor) = changes.advisor_id.filter(|a| *a != firm.advisor_id) {
            crate::app::coaching::assign_advisor::record_assignment(
                c,
                &[firm_id],
                advisor,
                today(),
                principal,
                "",
                now,
            )?;
        }
        record::mark(c, firm_id, &marked, principal, now)?;
        let record_changed: serde_json::Map<String, serde_json::Value> = marked
            .iter()
            .map(|(f, v)| ((*f).to_string(), serde_json::json!(v)))
            .collect();
        audit::record(
            c,
            &NewAuditEntry {
                actor_id: principal.user_id,
                actor_role: principal.role.id(),
                action: "update_firm",
                entity: "firm",
                entity_id: Some(firm_id),
                detail: serde_json::json!({
                    "version": version,
                    "name": changes.name, "county_code": changes.county_code,
                    "sector_code": changes.sector_code, "founded_on": changes.founded_on,
                    "advisor_id": changes.advisor_id, "contact_name": changes.contact_name,
                    "contact_phone": changes.contact_phone, "contact_email": changes.contact_email,
                    "employees": changes.employees, "tech_staff": changes.tech_staff,
                    "facts_changed": changes.facts.is_some(), "from_version": expected_version,
                    "industry_code": changes.industry_code, "record": record_changed,
                })
                .to_string(),
                at: now,
            },
        )
        .ctx("write audit row for update_firm")?;
        recompute_in_tx(c, firm_id, today())?;
        firms::find_by_id(c, firm_id).ctx("reload firm after update_firm")
    })
}
