//! Applications (issue 14): a firm (or its advisor on its behalf) applies for a target; the
//! county reviews; the city decides. The status machine is `core::application`; here are the
//! use cases that load, ask it, and write the answer with its step row, audit row, mails and —
//! where the decision is the recognition — the stage event, in one transaction.
//!
//! - [`open::open_application`]: start a draft.
//! - [`act::act`]: every later step (submit, review, decide, withdraw, record the result, comment).
//! - [`read`]: the application page (frozen and current evaluation side by side), a firm's
//!   applications, and the review queues.

pub mod act;
pub mod documents;
pub mod export;
pub mod nominations;
pub mod open;
pub mod portal;
pub mod read;

use super::access::{self, AccessSettings, FirmAccess};
use super::error::{AppError, Conflict, StoreContext};
use super::principal::Principal;
use crate::core::application::{Party, Status, Step, Target};
use crate::core::error::{Reason, Text};
use crate::store::applications::Application;
use crate::store::firms::Firm;
use crate::store::{settings, DbConn};

/// Setting: working days each review step has, `{"county": 10, "city": 10}`.
pub const REVIEW_DAYS_KEY: &str = "application_review_days";

/// Working days per review step when the setting is absent.
pub const DEFAULT_REVIEW_DAYS: u32 = 10;

/// The working days a review step has (setting [`REVIEW_DAYS_KEY`]).
pub fn review_days(conn: &mut DbConn, step: Step) -> Result<u32, AppError> {
    let v = settings::get(conn, REVIEW_DAYS_KEY).ctx("read application_review_days")?;
    Ok(v.as_ref()
        .and_then(|v| v.get(step.id()))
        .and_then(|d| d.as_u64())
        .and_then(|d| u32::try_from(d).ok())
        .filter(|d| (1..=365).contains(d))
        .unwrap_or(DEFAULT_REVIEW_DAYS))
}

/// The party `principal` plays for `firm`'s applications: `None` when they may only read
/// (an advisor reading the rest of their county), `NotFound` when they may not see the firm.
pub fn party_for(
    conn: &mut DbConn,
    principal: &Principal,
    firm: &Firm,
) -> Result<Option<Party>, AppError> {
    let settings = AccessSettings::load(conn, principal)?;
    Ok(match access::require_read(principal, &settings, firm)? {
        FirmAccess::Edit => Party::of(principal.role),
        _ => None,
    })
}

/// The stored target and status of `app`, parsed.
pub fn parsed(app: &Application) -> Result<(Target, Status), AppError> {
    let target = Target::parse(&app.target);
    let status = Status::parse(&app.status);
    match (target, status) {
        (Some(t), Some(s)) => Ok((t, s)),
        _ => Err(AppError::Internal(anyhow::anyhow!(
            "application {} has an unknown target or status: {} {}",
            app.id,
            app.target,
            app.status
        ))),
    }
}

/// The 409 for every reason the machine gave (`application_refused`, each reason with its
/// own code).
pub fn refused(reasons: Vec<Reason>) -> AppError {
    AppError::Conflict(Conflict::Reasons {
        code: "application_refused",
        text: Text::new("application.error.refused")
            .list("reasons", reasons.iter().map(|r| r.text.clone()).collect()),
        reasons,
    })
}

/// The 409 when someone else changed the application first.
pub fn stale() -> AppError {
    AppError::Conflict(Conflict::Refused {
        code: "stale_version",
        text: Text::new("application.error.stale"),
    })
}
