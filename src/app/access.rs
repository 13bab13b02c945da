//! The one place that decides who sees and edits which firm.
//!
//! Every page, list and (later) API route asks here: [`scope`] gives the `WHERE` for lists and
//! counts, [`firm_access`] the answer for one firm, and both agree because the second is the
//! first applied to a single row. A firm outside the viewer's territory is reported as
//! [`AppError::NotFound`], not `Forbidden`, so that nobody learns which firms exist elsewhere.
//!
//! The filters and pickers of every page offer what the same scope gives ([`menus`]): a county
//! officer sees their county, its advisors and the advisors of its firms, never another
//! county's; the bureau sees everything.

use super::error::{AppError, StoreContext};
use super::model::AdvisorChoice;
use super::principal::Principal;
use crate::core::stage::Role;
use crate::store::firm_query::{self, Scope};
use crate::store::firms::Firm;
use crate::store::refdata::{self, County, Sector};
use crate::store::users::{self, Named, User};
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
    /// The settings in force for `p`. Only an advisor with a county depends on them (see
    /// [`scope`]): for everyone else nothing is read, which spares most pages a statement.
    pub fn load(conn: &mut DbConn, p: &Principal) -> Result<AccessSettings, AppError> {
        if p.role != Role::Advisor || p.county_code.is_none() {
            return Ok(AccessSettings::default());
        }
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

// What the filters and pickers offer (issue 13): the territory's counties and advisors.

/// What the filters and pickers of `p`'s pages offer.
#[derive(Debug, Clone, Default)]
pub struct Menus {
    /// The counties of `p`'s territory: every county for the bureau, a county officer's own,
    /// otherwise the counties of the firms `p` sees.
    pub counties: Vec<County>,
    /// The active advisors relevant to the territory: every one for the bureau; otherwise the
    /// advisors of the county (a county officer's, or an advisor's own when the bureau lets
    /// advisors read their county) and the advisors of any firm in it (with their county when
    /// it is another). An advisor always finds themself.
    pub advisors: Vec<AdvisorChoice>,
    /// Every sector (read with the counties, in the same statement).
    pub sectors: Vec<Sector>,
}

/// The county of `code` among `all`.
fn county_by_code(all: &[County], code: &str) -> Option<County> {
    all.iter().find(|k| k.code == code).cloned()
}

/// The advisors `named` as `p`'s menus show them: the county beside those from another
/// county than `p`'s own.
pub fn advisor_choices(
    p: &Principal,
    all_counties: &[County],
    named: Vec<Named>,
) -> Vec<AdvisorChoice> {
    let home = p.county_code.as_deref();
    named
        .into_iter()
        .map(|u| {
            let away = match (home, u.county_code.as_deref()) {
                (Some(h), Some(c)) if h != c => county_by_code(all_counties, c),
                _ => None,
            };
            AdvisorChoice {
                id: u.id,
                display_name: u.display_name,
                username: u.username,
                away,
            }
        })
        .collect()
}

/// What `p`'s filters and pickers offer (see [`Menus`]); the same scope as the lists, so a
/// menu never offers what the list would then leave out.
pub fn menus(conn: &mut DbConn, p: &Principal, s: &AccessSettings) -> Result<Menus, AppError> {
    let scope = scope(p, s);
    let (all, sectors) = refdata::counties_and_sectors(conn).ctx("load counties and sectors")?;
    let advisor = Role::Advisor.id();
    let (counties, named) = match &scope {
        Scope::All => (
            all.clone(),
            users::names_by_role(conn, advisor).ctx("load advisors")?,
        ),
        Scope::Nothing => (Vec::new(), Vec::new()),
        Scope::County(c) => {
            let ids = firm_query::advisor_ids(conn, &scope).ctx("list the county's advisors")?;
            (
                all.iter().filter(|k| &k.code == c).cloned().collect(),
                users::names_of_role_in(conn, advisor, Some(c), &ids).ctx("load advisors")?,
            )
        }
        Scope::Advisor { county, .. } => seen_menus(conn, p, &scope, &all, county.as_deref())?,
        Scope::Firm(_) => seen_menus(conn, p, &scope, &all, None)?,
    };
    Ok(Menus {
        counties,
        advisors: advisor_choices(p, &all, named),
        sectors,
    })
}

/// The counties and advisors of the firms in `scope` (an advisor's or a firm user's), with
/// `county`'s advisors and the advisor themself.
fn seen_menus(
    conn: &mut DbConn,
    p: &Principal,
    scope: &Scope,
    all: &[County],
    county: Option<&str>,
) -> Result<(Vec<County>, Vec<Named>), AppError> {
    let mut ids = firm_query::advisor_ids(conn, scope).ctx("list the advisors seen")?;
    if p.role == Role::Advisor {
        ids.extend(p.user_id);
    }
    let codes = firm_query::county_codes(conn, scope).ctx("list the counties seen")?;
    let counties = all
        .iter()
        .filter(|k| codes.contains(&k.code) || county == Some(k.code.as_str()))
        .cloned()
        .collect();
    let named =
        users::names_of_role_in(conn, Role::Advisor.id(), county, &ids).ctx("load advisors")?;
    Ok((counties, named))
}
