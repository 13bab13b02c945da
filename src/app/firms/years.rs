//! Save one fiscal year of a firm's figures.

use crate::app::error::{AppError, StoreContext};
use crate::app::firms::derived::{recompute_in_tx, today};
use crate::app::principal::Principal;
use crate::core::error::{InputError, Text};
use crate::core::profile::FirmYear;
use crate::store::audit::{self, NewAuditEntry};
use crate::store::firms::{self, Firm, FirmChanges};
use crate::store::years::{self, FirmYearRow};
use crate::store::{self, DbConn};
use chrono::Utc;

/// A year's figures (amounts in fen) and conversions of results.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FirmYearInput {
    /// The figures.
    pub figures: FirmYear,
    /// Conversions of results that year.
    pub conversions: Option<u32>,
}

/// Every problem of one year's figures as of `this_year` (China), each naming its field: the
/// figures' own ([`crate::core::profile::FirmYear::problems`]), a year still to come, a count
/// of conversions too large. A form shows them all beside their fields; saving refuses the
/// first.
pub fn year_errors(y: &FirmYearInput, this_year: i32) -> Vec<InputError> {
    let mut out = y.figures.problems("");
    // Figures are of a fiscal year that has begun: not of a year still to come.
    if y.figures.year > this_year && !out.iter().any(|e| e.field == "year") {
        out.push(InputError::new(
            "year",
            "year_in_future",
            Text::new("input.date.year_future")
                .plain("year", y.figures.year)
                .plain("current", this_year),
        ));
    }
    if let Some(n) = y.conversions {
        if i32::try_from(n).is_err() {
            out.push(InputError::new(
                "conversions",
                "too_large",
                Text::new("app.firms.conversions_too_large").plain("n", n),
            ));
        }
    }
    out
}

fn validate(y: &FirmYearInput) -> Result<(), InputError> {
    let this_year = chrono::Datelike::year(&crate::app::firms::derived::today());
    match year_errors(y, this_year).into_iter().next() {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

/// Insert or replace one year of a firm's figures. The firm's version is bumped (its data
/// changed), the derived columns are recomputed and an audit row written, in one transaction.
/// Returns the firm after the change.
pub fn save_firm_year(
    conn: &mut DbConn,
    firm_id: i64,
    input: FirmYearInput,
    principal: &Principal,
) -> Result<Firm, AppError> {
    validate(&input)?;
    store::write_tx(conn, |c| {
        let firm = firms::find_by_id(c, firm_id).ctx("load firm for save_firm_year")?;
        if !principal.can_edit_firm(&firm) {
            return Err(AppError::Forbidden);
        }
        let now = Utc::now().naive_utc();
        firms::update_with_version(c, firm_id, firm.version, &FirmChanges::default(), now)
            .ctx("bump firm version for save_firm_year")?;
        let conversions = input.conversions.and_then(|n| i32::try_from(n).ok());
        let row = FirmYearRow::from_core(firm_id, &input.figures, conversions);
        years::upsert(c, &row).ctx("save firm year")?;
        audit::record(
            c,
            &NewAuditEntry {
                actor_id: principal.user_id,
                actor_role: principal.role.id(),
                action: "save_firm_year",
                entity: "firm",
                entity_id: Some(firm_id),
                detail:
                    serde_json::json!({"year": input.figures, "conversions": input.conversions})
                        .to_string(),
                at: now,
            },
        )
        .ctx("write audit row for save_firm_year")?;
        recompute_in_tx(c, firm_id, today())?;
        firms::find_by_id(c, firm_id).ctx("reload firm after save_firm_year")
    })
}
