//! Save one fiscal year of a firm's figures.

use super::error::{AppError, StoreContext};
use super::principal::Principal;
use super::recompute::{recompute_in_tx, today};
use crate::core::error::InputError;
use crate::core::money::Fen;
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

fn validate(y: &FirmYearInput) -> Result<(), InputError> {
    let f = &y.figures;
    if !(1900..=2200).contains(&f.year) {
        return Err(InputError::new(
            "year",
            "invalid_year",
            format!("年份无效（{}）", f.year),
            format!("{} is not a plausible year", f.year),
        ));
    }
    let non_negative = [
        ("revenue", f.revenue),
        ("rd_expense", f.rd_expense),
        ("rd_expense_domestic", f.rd_expense_domestic),
        ("high_tech_revenue", f.high_tech_revenue),
        ("total_cost", f.total_cost),
        ("total_assets", f.total_assets),
    ];
    for (field, v) in non_negative {
        if let Some(Fen(n)) = v {
            if n < 0 {
                return Err(InputError::new(
                    field,
                    "negative_amount",
                    format!("{field} 金额不能为负数"),
                    format!("{field} must not be a negative amount"),
                ));
            }
        }
    }
    if let (Some(d), Some(r)) = (f.rd_expense_domestic, f.rd_expense) {
        if d > r {
            return Err(InputError::new(
                "rd_expense_domestic",
                "domestic_exceeds_total",
                "境内研发费用不能超过研发费用总额",
                "rd_expense_domestic cannot exceed rd_expense",
            ));
        }
    }
    if let (Some(h), Some(r)) = (f.high_tech_revenue, f.revenue) {
        if h > r {
            return Err(InputError::new(
                "high_tech_revenue",
                "high_tech_exceeds_revenue",
                "高新技术产品收入不能超过营业收入",
                "high_tech_revenue cannot exceed revenue",
            ));
        }
    }
    if let Some(n) = y.conversions {
        if i32::try_from(n).is_err() {
            return Err(InputError::new(
                "conversions",
                "too_large",
                format!("成果转化数过大（{n}）"),
                format!("conversions is too large ({n})"),
            ));
        }
    }
    Ok(())
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
