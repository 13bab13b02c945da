//! The one place that decides who sees and edits which firm.
//!
//! Every page, list and (later) API route asks here: [`scope`] gives the `WHERE` for lists and
//! counts, [`firm_access`] the answer for one firm, and both agree because the second is the
//! first applied to a single row. A firm outside the viewer's territory is reported as
//! [`AppError::NotFound`], not `Forbidden`, so that nobody learns which firms exist elsewhere.

use super::error::{AppError, StoreContext};
use super::principal::Principal;
use crate::core::stage::Role;
use crate::store::firm_query::Scope;
use crate::store::firms::Firm;
use crate::store::users::User;
use crate::store::{settings, DbConn};

/// The settings key: whether advisors may read (not edit) every firm of their county.
pub const ADVISOR_COUNTY_READ_KEY: &str = "advisor_county_read";

/// Bureau settings that widen or narrow access.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AccessSettings {
    /// Advisors read the rest of their county (setting `advisor_county_read`, default false).
    pub advisor_county_read: bool,
}

impl AccessSettings {
    /// The settings in force.
    pub fn load(conn: &mut DbConn) -> Result<AccessSettings, AppError> {
        let v = settings::get(conn, ADVISOR_COUNTY_READ_KEY).ctx("read advisor_county_read")?;
        Ok(AccessSettings::of(v))
    }

    /// The settings a stored `advisor_county_read` value (already read) gives.
    pub fn of(advisor_county_read: Option<serde_json::Value>) -> AccessSettings {
        AccessSettings {
            advisor_county_read: advisor_county_read
                .and_then(|v| v.as_bool())
                .unwrap_or(false),
        }
    }
}

/// What a principal may do with one firm.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum FirmAccess {
    /// Outside the principal's territory: treat as absent (404).
    Hidden,
    /// May look.
    Read,
    /// May change its data.
    Edit,
}

/// The firms `p` may see: admin, bureau and the system all; a county officer their county (none
/// without one); an advisor their assigned firms, plus their county read-only when the bureau
/// allows it; a firm user their own firm.
pub fn scope(p: &Principal, s: &AccessSettings) -> Scope {
    match p.role {
        Role::Admin | Role::Bureau | Role::System => Scope::All,
        Role::County => match &p.county_code {
            Some(c) => Scope::County(c.clone()),
            None => Scope::Nothing,
        },
        Role::Advisor => match p.user_id {
            Some(id) => Scope::Advisor {
                user_id: id,
                county: if s.advisor_county_read {
                    p.county_code.clone()
                } else {
                    None
                },
            },
            None => Scope::Nothing,
        },
        Role::Firm => match p.firm_id {
            Some(id) => Scope::Firm(id),
            None => Scope::Nothing,
        },
    }
}

/// What `p` may do with `firm`: hidden outside [`scope`], otherwise edit where
/// [`Principal::can_edit_firm`] allows and read elsewhere.
pub fn firm_access(p: &Principal, s: &AccessSettings, firm: &Firm) -> FirmAccess {
    if !scope(p, s).admits(firm.id, &firm.county_code, firm.advisor_id) {
        FirmAccess::Hidden
    } else if p.can_edit_firm(firm) {
        FirmAccess::Edit
    } else {
        FirmAccess::Read
    }
}

/// `Ok` when `p` may at least read `firm`; `NotFound` otherwise (see the module comment).
pub fn require_read(
    p: &Principal,
    s: &AccessSettings,
    firm: &Firm,
) -> Result<FirmAccess, AppError> {
    match firm_access(p, s, firm) {
        FirmAccess::Hidden => Err(AppError::NotFound),
        a => Ok(a),
    }
}

/// The principal a signed-in user acts as; `None` for a user whose stored role is unknown or
/// `system` (which nobody signs in as).
pub fn principal_of(user: &User) -> Option<Principal> {
    let role = Role::parse(&user.role).filter(|r| *r != Role::System)?;
    Some(Principal {
        user_id: Some(user.id),
        role,
        county_code: user.county_code.clone(),
        firm_id: user.firm_id,
    })
}

// Coaching (issue 5): who may assign advisors, log follow-ups and keep the issue ledger.

/// A coaching action on one firm.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CoachAction {
    /// Pair the firm with an advisor (or move it to another).
    Assign,
    /// Log, edit or correct a follow-up.
    LogFollowup,
    /// Raise an issue for the firm.
    RaiseIssue,
    /// Change an issue's status, owner or resolution.
    UpdateIssue,
}

/// Whether `p` may do `action` on a firm it can see: admins and bureau staff everything;
/// county officers everything within their county; the firm's assigned advisor follow-ups
/// and issues (not assignments); the firm's own users may raise issues (and read them).
pub fn may_coach(p: &Principal, firm: &Firm, action: CoachAction) -> bool {
    let in_county = p.county_code.as_deref() == Some(firm.county_code.as_str());
    let assigned = p.user_id.is_some() && p.user_id == firm.advisor_id;
    match p.role {
        Role::Admin | Role::Bureau => true,
        Role::County => in_county,
        Role::Advisor => assigned && action != CoachAction::Assign,
        Role::Firm => action == CoachAction::RaiseIssue && p.firm_id == Some(firm.id),
        Role::System => action == CoachAction::Assign,
    }
}

/// `Ok` when `p` may do `action` on `firm`: `NotFound` outside `p`'s territory (see the module
/// comment), `Forbidden` inside it without the right.
pub fn require_coach(
    p: &Principal,
    s: &AccessSettings,
    firm: &Firm,
    action: CoachAction,
) -> Result<(), AppError> {
    require_read(p, s, firm)?;
    if may_coach(p, firm, action) {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

/// Whether `p` sees advisors' workloads and may move firms between advisors (admins, bureau
/// staff, county officers within their county).
pub fn may_manage_advisors(p: &Principal) -> bool {
    matches!(p.role, Role::Admin | Role::Bureau)
        || (p.role == Role::County && p.county_code.is_some())
}

/// Whether `p` has an agenda or exports follow-ups: everyone who coaches (not firm users).
pub fn may_follow_up(p: &Principal) -> bool {
    matches!(
        p.role,
        Role::Admin | Role::Bureau | Role::County | Role::Advisor
    )
}
