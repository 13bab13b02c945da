//! Change a firm's profile fields under the optimistic lock.

use super::access::{self, AccessSettings, FirmAccess};
use super::error::{AppError, StoreContext};
use super::principal::Principal;
use super::recompute::{recompute_in_tx, today};
use crate::core::error::InputError;
use crate::core::stage::Role;
use crate::store::audit::{self, NewAuditEntry};
use crate::store::firms::{self, Firm, FirmChanges};
use crate::store::{self, refdata, DbConn};
use chrono::{NaiveDate, Utc};

/// The fields to change; `None` leaves a field as it is. For the optional text fields an
/// empty string clears the value.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FirmUpdate {
    /// Name (cannot be cleared).
    pub name: Option<String>,
    /// County code (must exist; moving a firm needs the right to create firms there).
    pub county_code: Option<String>,
    /// Sector code (must exist); empty clears.
    pub sector_code: Option<String>,
    /// Date of registration.
    pub founded_on: Option<NaiveDate>,
    /// Assigned advisor (admins, bureau staff and county officers only).
    pub advisor_id: Option<i64>,
    /// Contact person; empty clears.
    pub contact_name: Option<String>,
    /// Contact phone; empty clears.
    pub contact_phone: Option<String>,
    /// Contact email; empty clears.
    pub contact_email: Option<String>,
    /// Head count.
    pub employees: Option<i32>,
    /// Technical staff.
    pub tech_staff: Option<i32>,
}

fn bad(field: &str, code: &'static str, zh: String, en: String) -> AppError {
    AppError::BadInput(InputError::new(field, code, zh, en))
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
            return Err(bad(
                "name",
                "name_required",
                "请填写企业名称".to_string(),
                "a firm name is required".to_string(),
            ));
        }
    }
    for (field, v) in [
        ("employees", update.employees),
        ("tech_staff", update.tech_staff),
    ] {
        if let Some(n) = v.filter(|n| *n < 0) {
            return Err(bad(
                field,
                "negative_count",
                format!("{field} 不能为负数（{n}）"),
                format!("{field} must not be negative (got {n})"),
            ));
        }
    }
    store::write_tx(conn, |c| {
        let s = AccessSettings::load(c)?;
        let firm = firms::find_by_id(c, firm_id).ctx("load firm for update_firm")?;
        if access::require_read(principal, &s, &firm)? != FirmAccess::Edit {
            return Err(AppError::Forbidden);
        }
        if let Some(code) = &update.county_code {
            if *code != firm.county_code && !principal.can_create_firm_in(code) {
                return Err(AppError::Forbidden);
            }
            if refdata::find_county(c, code)
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
        }
        let sector = clearable(&update.sector_code);
        if let Some(Some(code)) = &sector {
            if refdata::find_sector(c, code)
                .ctx("look up sector")?
                .is_none()
            {
                return Err(bad(
                    "sector_code",
                    "unknown_sector",
                    format!("未知的行业代码“{code}”"),
                    format!("unknown sector code '{code}'"),
                ));
            }
        }
        if update.advisor_id.is_some()
            && !matches!(principal.role, Role::Admin | Role::Bureau | Role::County)
        {
            return Err(AppError::Forbidden);
        }
        let employees = update.employees.or(firm.employees);
        let tech = update.tech_staff.or(firm.tech_staff);
        if let (Some(e), Some(t)) = (employees, tech) {
            if t > e {
                return Err(bad(
                    "tech_staff",
                    "tech_staff_exceeds_employees",
                    format!("科技人员数（{t}）不能超过职工总数（{e}）"),
                    format!("tech_staff ({t}) cannot exceed employees ({e})"),
                ));
            }
        }
        let changes = FirmChanges {
            name: update.name.as_deref().map(|n| n.trim().to_string()),
            county_code: update.county_code.clone(),
            sector_code: sector,
            founded_on: update.founded_on.map(Some),
            advisor_id: update.advisor_id.map(Some),
            contact_name: clearable(&update.contact_name),
            contact_phone: clearable(&update.contact_phone),
            contact_email: clearable(&update.contact_email),
            employees: update.employees.map(Some),
            tech_staff: update.tech_staff.map(Some),
            ..FirmChanges::default()
        };
        let now = Utc::now().naive_utc();
        let version = firms::update_with_version(c, firm_id, expected_version, &changes, now)
            .ctx("save firm changes")?;
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
