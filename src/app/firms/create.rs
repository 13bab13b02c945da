//! Register a new firm as a prospect.

use crate::app::error::{AppError, Conflict, StoreContext};
use crate::app::firms::derived::{recompute_in_tx, today};
use crate::app::firms::record::{self, RecordPatch};
use crate::app::principal::Principal;
use crate::core::error::Text;
use crate::core::stage::Stage;
use crate::core::uscc::Uscc;
use crate::store::audit::{self, NewAuditEntry};
use crate::store::firms::{self, Firm, FirmFacts, NewFirm};
use crate::store::{self, refdata, DbConn, StoreError};
use chrono::{NaiveDate, Utc};

/// What a new firm needs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NewFirmInput {
    /// 统一社会信用代码; validated, check character included.
    pub uscc: String,
    /// Name.
    pub name: String,
    /// County code; must exist.
    pub county_code: String,
    /// Sector code; must exist when given.
    pub sector_code: Option<String>,
    /// Date of registration.
    pub founded_on: Option<NaiveDate>,
    /// Assigned advisor.
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
    /// Yes/no and judged facts. The record flags and direct routes among them are set by
    /// staff only (see [`crate::app::firms::record`]); the valid-HTE route is never taken
    /// from here.
    pub facts: FirmFacts,
    /// GB/T 4754-2017 industry code, e.g. `C1351`.
    pub industry_code: Option<String>,
}

fn validate_counts(employees: Option<i32>, tech_staff: Option<i32>) -> Result<(), AppError> {
    for (field, v) in [("employees", employees), ("tech_staff", tech_staff)] {
        if let Some(n) = v {
            if n < 0 {
                return Err(AppError::bad_input(
                    field,
                    "negative_count",
                    Text::new("app.firms.negative_field")
                        .plain("field", field)
                        .plain("n", n),
                ));
            }
        }
    }
    if let (Some(e), Some(t)) = (employees, tech_staff) {
        if t > e {
            return Err(AppError::bad_input(
                "tech_staff",
                "tech_staff_exceeds_employees",
                Text::new("app.firms.tech_staff_exceeds_employees_field")
                    .plain("t", t)
                    .plain("e", e),
            ));
        }
    }
    Ok(())
}

/// Register a firm as a prospect. Validates the USCC and the county (and sector); a USCC
/// already registered is `Conflict(Duplicate)` naming it. Writes the firm, its derived columns
/// and an audit row in one transaction; returns the stored firm.
pub fn create_firm(
    conn: &mut DbConn,
    input: NewFirmInput,
    principal: &Principal,
) -> Result<Firm, AppError> {
    let uscc = Uscc::parse(&input.uscc)
        .map_err(|e| AppError::bad_input("uscc", "invalid_uscc", e.text()))?;
    let name = input.name.trim().to_string();
    if name.is_empty() {
        return Err(AppError::bad_input(
            "name",
            "name_required",
            Text::new("app.firms.name_required"),
        ));
    }
    validate_counts(input.employees, input.tech_staff)?;
    if let Some(e) = crate::app::firms::update::profile_errors(
        Some(&name),
        input.contact_name.as_deref(),
        input.contact_phone.as_deref(),
        input.contact_email.as_deref(),
        input.founded_on,
        today(),
    )
    .into_iter()
    .next()
    {
        return Err(e.into());
    }
    if !principal.can_create_firm_in(&input.county_code) {
        return Err(AppError::Forbidden);
    }

    let industry_code =
        crate::app::firms::update::industry_change(input.industry_code.as_deref())?.flatten();
    let mut facts = input.facts.clone();
    facts.direct_routes.valid_hte = None;
    let marked = RecordPatch::whole(&facts).changes(&FirmFacts::default());
    if !marked.is_empty() && !record::may_set_record(principal.role) {
        return Err(AppError::Forbidden);
    }

    store::write_tx(conn, |c| {
        if refdata::find_county(c, &input.county_code)
            .ctx("look up county")?
            .is_none()
        {
            let code = &input.county_code;
            return Err(AppError::bad_input(
                "county_code",
                "unknown_county",
                Text::new("app.firms.unknown_county").plain("code", code),
            ));
        }
        if let Some(code) = &input.sector_code {
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
        let duplicate = || {
            AppError::Conflict(Conflict::Duplicate {
                field: "uscc",
                value: uscc.to_string(),
            })
        };
        if firms::find_by_uscc(c, uscc.as_str())
            .ctx("look up USCC")?
            .is_some()
        {
            return Err(duplicate());
        }
        let now = Utc::now().naive_utc();
        let new = NewFirm {
            uscc: uscc.to_string(),
            name: name.clone(),
            county_code: input.county_code.clone(),
            sector_code: input.sector_code.clone(),
            founded_on: input.founded_on,
            stage: Stage::Prospect.id().to_string(),
            advisor_id: input.advisor_id,
            contact_name: input.contact_name.clone(),
            contact_phone: input.contact_phone.clone(),
            contact_email: input.contact_email.clone(),
            employees: input.employees,
            tech_staff: input.tech_staff,
            facts: facts.to_json(),
            industry_code: industry_code.clone(),
            created_at: now,
            updated_at: now,
        };
        // A concurrent insert of the same USCC gets past the look-up and meets the constraint.
        let id = match firms::insert(c, &new) {
            Err(StoreError::Duplicate("uscc")) => return Err(duplicate()),
            other => other.ctx("insert firm")?,
        };
        if let Some(a) = input.advisor_id {
            crate::app::coaching::assign_advisor::check_advisor(c, "advisor_id", a)?;
            crate::app::coaching::assign_advisor::record_assignment(
                c,
                &[id],
                Some(a),
                today(),
                principal,
                "",
                now,
            )?;
        }
        record::mark(c, id, &marked, principal, now)?;
        audit::record(
            c,
            &NewAuditEntry {
                actor_id: principal.user_id,
                actor_role: principal.role.id(),
                action: "create_firm",
                entity: "firm",
                entity_id: Some(id),
                detail: serde_json::json!({"uscc": new.uscc, "name": new.name,
                    "county_code": new.county_code})
                .to_string(),
                at: now,
            },
        )
        .ctx("write audit row for create_firm")?;
        recompute_in_tx(c, id, today())?;
        firms::find_by_id(c, id).ctx("reload created firm")
    })
}
