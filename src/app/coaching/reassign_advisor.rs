//! Move the firms of an advisor who leaves (or who has too many) to another advisor, or spread
//! them over several, the least loaded first. Within the principal's territory only: a county
//! officer moves the advisor's firms of their county.

use crate::app::access::{self, AccessSettings};
use crate::app::coaching::assign_advisor::{assign_advisor, check_advisor, AssignTarget};
use crate::app::error::{AppError, StoreContext};
use crate::app::principal::Principal;
use crate::core::error::{InputError, Text};
use crate::store::assignments;
use crate::store::firm_query::{self, FirmQuery};
use crate::store::{self, DbConn};
use chrono::NaiveDate;
use std::collections::HashMap;

/// Where the firms go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReassignTo {
    /// All to this advisor.
    One(i64),
    /// Spread over these advisors: each firm in turn to the one with the fewest firms.
    Spread(Vec<i64>),
}

/// How many firms went to each advisor (advisor id, firms), in the order of `ReassignTo`.
pub type ReassignOutcome = Vec<(i64, usize)>;

/// The problems of moving `from`'s firms as `to` says, naming the field `to`: no advisor to
/// move them to, or the leaving advisor among them. A form shows them beside the field;
/// [`reassign_advisor`] refuses the first.
pub fn target_errors(from: i64, to: &ReassignTo) -> Vec<InputError> {
    let targets: &[i64] = match to {
        ReassignTo::One(a) => std::slice::from_ref(a),
        ReassignTo::Spread(list) => list,
    };
    let mut out = Vec::new();
    if targets.is_empty() {
        out.push(InputError::new(
            "to",
            "no_target_advisor",
            Text::new("app.coaching.no_target_advisor"),
        ));
    }
    if targets.contains(&from) {
        out.push(InputError::new(
            "to",
            "same_advisor",
            Text::new("app.coaching.same_advisor"),
        ));
    }
    out
}

/// Move every firm of `from` in the principal's territory as `to` says, in one transaction
/// (each move as [`assign_advisor`] does it: history, firm row, audit, mail).
pub fn reassign_advisor(
    conn: &mut DbConn,
    from: i64,
    to: ReassignTo,
    reason: &str,
    principal: &Principal,
    on: NaiveDate,
) -> Result<ReassignOutcome, AppError> {
    if !access::may_manage_advisors(principal) {
        return Err(AppError::Forbidden);
    }
    let targets: Vec<i64> = match &to {
        ReassignTo::One(a) => vec![*a],
        ReassignTo::Spread(list) => {
            let mut seen = Vec::new();
            for a in list {
                if !seen.contains(a) {
                    seen.push(*a);
                }
            }
            seen
        }
    };
    if let Some(e) = target_errors(from, &to).into_iter().next() {
        return Err(e.into());
    }
    store::write_tx(conn, |c| {
        let s = AccessSettings::load(c, principal)?;
        check_advisor_exists(c, from)?;
        for t in &targets {
            check_advisor(c, "to", *t)?;
        }
        let scope = access::scope(principal, &s);
        let ids = firm_query::ids(
            c,
            &scope,
            &FirmQuery {
                advisor_id: Some(from),
                ..FirmQuery::default()
            },
        )
        .ctx("list the advisor's firms")?;
        let mut load: HashMap<i64, i64> = assignments::loads(c)
            .ctx("count the advisors' firms")?
            .into_iter()
            .collect();
        let mut plan: Vec<(i64, Vec<i64>)> = targets.iter().map(|t| (*t, Vec::new())).collect();
        for id in ids {
            // The least loaded target, the earliest listed on ties: deterministic.
            let Some(k) =
                (0..plan.len()).min_by_key(|k| (load.get(&plan[*k].0).copied().unwrap_or(0), *k))
            else {
                break;
            };
            plan[k].1.push(id);
            *load.entry(plan[k].0).or_insert(0) += 1;
        }
        let mut out = Vec::with_capacity(plan.len());
        for (advisor, firms) in plan {
            let n = firms.len();
            if n > 0 {
                assign_advisor(
                    c,
                    AssignTarget::Firms(firms),
                    advisor,
                    reason,
                    principal,
                    on,
                )?;
            }
            out.push((advisor, n));
        }
        Ok(out)
    })
}

/// The leaving advisor must exist (a disabled account is fine: that is who leaves).
fn check_advisor_exists(conn: &mut DbConn, id: i64) -> Result<(), AppError> {
    let found = store::users::find_many(conn, &[id]).ctx("look up advisor")?;
    if found
        .iter()
        .any(|u| u.role == crate::core::stage::Role::Advisor.id())
    {
        Ok(())
    } else {
        Err(AppError::bad_input(
            "from",
            "unknown_advisor",
            Text::new("app.coaching.no_such_advisor"),
        ))
    }
}
