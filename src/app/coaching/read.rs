//! What the coaching pages show: a firm's advisor, follow-ups and issues; the advisors'
//! workloads; an agenda of contacts due; the issue ledger; the follow-ups export. Each checks
//! access through [`crate::app::access`] and reads in one go; the web layer only formats.

use crate::app::access::{self, AccessSettings, CoachAction, FirmAccess};
use crate::app::coaching::edit_followup::editable_by;
use crate::app::error::{AppError, StoreContext};
use crate::app::model::AdvisorChoice;
use crate::app::principal::Principal;
use crate::core::stage::Role;
use crate::store::assignments::{self, Assignment};
use crate::store::firm_query::{self, AdvisorStat, ContactBucket, FirmQuery, Scope};
use crate::store::firms::{self, Firm};
use crate::store::followups::{self, Followup, FollowupFilter, FollowupWithFirm};
use crate::store::issues::{self, Issue, IssueFilter, IssueStatus, IssueWithFirm};
use crate::store::refdata::{self, County};
use crate::store::users::{self, User};
use crate::store::{settings, DbConn};
use chrono::{Duration, NaiveDate, NaiveDateTime};
use std::collections::{BTreeSet, HashMap};

/// Settings key: how many days ahead the agenda's "due soon" bucket reaches (default 7).
pub const AGENDA_DUE_DAYS_KEY: &str = "agenda_due_days";
/// Settings key: after how many days without contact a firm is "not contacted" (default 60).
pub const AGENDA_STALE_DAYS_KEY: &str = "agenda_stale_days";
/// Default of [`AGENDA_DUE_DAYS_KEY`].
pub const DEFAULT_DUE_DAYS: i64 = 7;
/// Default of [`AGENDA_STALE_DAYS_KEY`].
pub const DEFAULT_STALE_DAYS: i64 = 60;
/// Rows per agenda bucket and ledger page.
pub const LIST_LIMIT: i64 = 200;
/// Most rows of one CSV export.
pub const EXPORT_LIMIT: i64 = 100_000;

/// The agenda's thresholds in force.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AgendaSettings {
    /// Days ahead of "due soon".
    pub due_days: i64,
    /// Days without contact.
    pub stale_days: i64,
}

impl AgendaSettings {
    /// The settings, or their defaults when unset or not a positive whole number.
    pub fn load(conn: &mut DbConn) -> Result<AgendaSettings, AppError> {
        let mut get = |key: &'static str, default: i64| -> Result<i64, AppError> {
            Ok(settings::get(conn, key)
                .ctx("read agenda settings")?
                .and_then(|v| v.as_i64())
                .filter(|n| (1..=3650).contains(n))
                .unwrap_or(default))
        };
        Ok(AgendaSettings {
            due_days: get(AGENDA_DUE_DAYS_KEY, DEFAULT_DUE_DAYS)?,
            stale_days: get(AGENDA_STALE_DAYS_KEY, DEFAULT_STALE_DAYS)?,
        })
    }
}

fn names(
    conn: &mut DbConn,
    ids: impl IntoIterator<Item = i64>,
) -> Result<HashMap<i64, User>, AppError> {
    names_beside(conn, ids, &HashMap::new())
}

/// [`names`], taking the users in `known` from there instead of reading them again.
fn names_beside(
    conn: &mut DbConn,
    ids: impl IntoIterator<Item = i64>,
    known: &HashMap<i64, User>,
) -> Result<HashMap<i64, User>, AppError> {
    let set: BTreeSet<i64> = ids.into_iter().collect();
    let mut out = HashMap::new();
    let mut missing = Vec::new();
    for id in set {
        match known.get(&id) {
            Some(u) => {
                out.insert(id, u.clone());
            }
            None => missing.push(id),
        }
    }
    for chunk in missing.chunks(500) {
        for u in users::find_many(conn, chunk).ctx("load user names")? {
            out.insert(u.id, u);
        }
    }
    Ok(out)
}

/// One follow-up as the firm page lists it.
#[derive(Debug, Clone)]
pub struct FollowupRow {
    /// The row.
    pub followup: Followup,
    /// Its author's name.
    pub author: String,
    /// A newer correction replaces it.
    pub superseded: bool,
    /// The viewer may still edit it (its author, within 24 hours).
    pub editable: bool,
}

/// One issue as the firm page lists it.
#[derive(Debug, Clone)]
pub struct IssueRow {
    /// The issue.
    pub issue: Issue,
    /// Owner's name.
    pub owner: String,
    /// Who raised it.
    pub raised_by: String,
    /// Days since raised (to closing, once closed).
    pub age_days: i64,
    /// The statuses it may move to.
    pub next: Vec<IssueStatus>,
}

/// A firm's coaching: advisor and history, follow-ups, issues, and what the viewer may do.
#[derive(Debug, Clone)]
pub struct FirmCoaching {
    /// The firm.
    pub firm: Firm,
    /// The current advisor.
    pub advisor: Option<User>,
    /// Assignments, newest first, with advisor and assigner names.
    pub history: Vec<(Assignment, String, String)>,
    /// Follow-ups, newest first.
    pub followups: Vec<FollowupRow>,
    /// Issues, pending first.
    pub issues: Vec<IssueRow>,
    /// The active advisors of the viewer's territory (for the assignment form and issue
    /// owners, [`access::menus`]); read by [`firm_coaching`], not by [`firm_coaching_of`]
    /// (the firm page offers no menu of them).
    pub advisors: Vec<AdvisorChoice>,
    /// May assign an advisor.
    pub can_assign: bool,
    /// May log, edit and correct follow-ups.
    pub can_log: bool,
    /// May raise issues.
    pub can_raise: bool,
    /// May change issues.
    pub can_update_issue: bool,
}

/// The coaching of firm `firm_id` as `p` may see it at the UTC instant `now`, with the
/// advisors its forms offer; `NotFound` outside `p`'s territory.
pub fn firm_coaching(
    conn: &mut DbConn,
    p: &Principal,
    firm_id: i64,
    now: NaiveDateTime,
) -> Result<FirmCoaching, AppError> {
    let s = AccessSettings::load(conn, p)?;
    let firm = firms::find_by_id(conn, firm_id).ctx("load firm for its coaching")?;
    let seen = access::require_read(p, &s, &firm)?;
    let mut page = firm_coaching_of(conn, p, firm, seen, now, &HashMap::new())?;
    page.advisors = access::menus(conn, p, &s)?.advisors;
    Ok(page)
}

/// [`firm_coaching`] of a firm already read, which `p` sees with access `seen` (as
/// [`access::require_read`] decided): the firm page reads the firm once for both. Users in
/// `known` (those the caller already read) are not read again.
pub fn firm_coaching_of(
    conn: &mut DbConn,
    p: &Principal,
    firm: Firm,
    seen: FirmAccess,
    now: NaiveDateTime,
    known: &HashMap<i64, User>,
) -> Result<FirmCoaching, AppError> {
    let firm_id = firm.id;
    let may = |a| seen != FirmAccess::Hidden && access::may_coach(p, &firm, a);
    let history = assignments::history(conn, firm_id).ctx("load assignment history")?;
    let rows = followups::list_for_firm(conn, firm_id).ctx("load follow-ups")?;
    let issue_list = issues::list_for_firm(conn, firm_id).ctx("load issues")?;
    let people = names_beside(
        conn,
        history
            .iter()
            .flat_map(|a| [Some(a.advisor_id), a.assigned_by])
            .chain(rows.iter().map(|f| Some(f.created_by)))
            .chain(issue_list.iter().flat_map(|i| [i.owner_id, i.raised_by]))
            .chain([firm.advisor_id])
            .flatten(),
        known,
    )?;
    let name = |id: Option<i64>| {
        id.and_then(|i| people.get(&i))
            .map_or_else(String::new, |u| u.display_name.clone())
    };
    let newest_of_chain: HashMap<i64, i64> = rows.iter().fold(HashMap::new(), |mut m, f| {
        let e = m.entry(f.root_id()).or_insert(f.id);
        *e = (*e).max(f.id);
        m
    });
    let can_log = may(CoachAction::LogFollowup);
    let today = crate::core::clock::china_date(now);
    Ok(FirmCoaching {
        advisor: firm.advisor_id.and_then(|a| people.get(&a).cloned()),
        history: history
            .into_iter()
            .map(|a| {
                let adv = name(Some(a.advisor_id));
                let by = name(a.assigned_by);
                (a, adv, by)
            })
            .collect(),
        followups: rows
            .into_iter()
            .map(|f| FollowupRow {
                author: name(Some(f.created_by)),
                superseded: newest_of_chain
                    .get(&f.root_id())
                    .is_some_and(|n| *n != f.id),
                editable: can_log && editable_by(&f, p, now),
                followup: f,
            })
            .collect(),
        issues: issue_list
            .into_iter()
            .map(|i| {
                let next = i
                    .current_status()
                    .map(|s| s.successors().to_vec())
                    .unwrap_or_default();
                IssueRow {
                    owner: name(i.owner_id),
                    raised_by: name(i.raised_by),
                    age_days: i.age_days(today),
                    next,
                    issue: i,
                }
            })
            .collect(),
        advisors: Vec::new(),
        can_assign: may(CoachAction::Assign),
        can_log,
        can_raise: may(CoachAction::RaiseIssue),
        can_update_issue: may(CoachAction::UpdateIssue),
        firm,
    })
}

/// One follow-up with its firm, for the edit and correction forms.
pub fn followup_for_form(
    conn: &mut DbConn,
    p: &Principal,
    firm_id: i64,
    followup_id: i64,
) -> Result<(Firm, Followup), AppError> {
    let s = AccessSettings::load(conn, p)?;
    let f = followups::find_by_id(conn, followup_id).ctx("load follow-up")?;
    if f.firm_id != firm_id {
        return Err(AppError::NotFound);
    }
    let firm = firms::find_by_id(conn, firm_id).ctx("load firm")?;
    access::require_coach(p, &s, &firm, CoachAction::LogFollowup)?;
    Ok((firm, f))
}

/// One issue with its firm and row, for the status form; firm users may read it.
pub fn issue_for_form(
    conn: &mut DbConn,
    p: &Principal,
    firm_id: i64,
    issue_id: i64,
    now: NaiveDateTime,
) -> Result<(FirmCoaching, IssueRow), AppError> {
    let page = firm_coaching(conn, p, firm_id, now)?;
    let row = page
        .issues
        .iter()
        .find(|r| r.issue.id == issue_id)
        .cloned()
        .ok_or(AppError::NotFound)?;
    Ok((page, row))
}

/// A firm the viewer may act on (for a form page): `NotFound` outside the territory,
/// `Forbidden` without the right to `action`.
pub fn firm_for(
    conn: &mut DbConn,
    p: &Principal,
    firm_id: i64,
    action: CoachAction,
) -> Result<Firm, AppError> {
    let s = AccessSettings::load(conn, p)?;
    let firm = firms::find_by_id(conn, firm_id).ctx("load firm")?;
    access::require_coach(p, &s, &firm, action)?;
    Ok(firm)
}

/// One advisor's load.
#[derive(Debug, Clone)]
pub struct AdvisorLoad {
    /// The advisor.
    pub advisor: User,
    /// Their firms in the viewer's territory.
    pub stat: AdvisorStat,
}

/// The advisors page.
#[derive(Debug, Clone)]
pub struct AdvisorsPage {
    /// Every advisor the viewer manages (those of their county, and any with firms there).
    pub loads: Vec<AdvisorLoad>,
    /// Counties, for names.
    pub counties: Vec<County>,
    /// The thresholds used.
    pub settings: AgendaSettings,
}

/// Every advisor's load in `p`'s territory on `today` (admins, bureau staff, county officers).
pub fn advisors_page(
    conn: &mut DbConn,
    p: &Principal,
    today: NaiveDate,
) -> Result<AdvisorsPage, AppError> {
    if !access::may_manage_advisors(p) {
        return Err(AppError::Forbidden);
    }
    let s = AccessSettings::load(conn, p)?;
    let agenda = AgendaSettings::load(conn)?;
    let scope = access::scope(p, &s);
    let stats = firm_query::advisor_stats(
        conn,
        &scope,
        today,
        today - Duration::days(agenda.stale_days),
    )
    .ctx("count the advisors' firms")?;
    let mut by_id: HashMap<i64, AdvisorStat> =
        stats.into_iter().map(|s| (s.advisor_id, s)).collect();
    let everyone = users::list(conn).ctx("load users")?;
    let county = match &scope {
        Scope::County(c) => Some(c.clone()),
        _ => None,
    };
    let loads = everyone
        .into_iter()
        .filter(|u| u.role == Role::Advisor.id())
        .filter_map(|u| {
            let stat = by_id.remove(&u.id);
            let mine = match &county {
                None => u.active || stat.is_some(),
                Some(c) => stat.is_some() || (u.active && u.county_code.as_deref() == Some(c)),
            };
            mine.then(|| AdvisorLoad {
                stat: stat.unwrap_or(AdvisorStat {
                    advisor_id: u.id,
                    ..AdvisorStat::default()
                }),
                advisor: u,
            })
        })
        .collect();
    Ok(AdvisorsPage {
        loads,
        counties: refdata::counties(conn).ctx("load counties")?,
        settings: agenda,
    })
}

/// The orders of the advisors page: by `name`, `firms`, `overdue`, `stale` or
/// `last_contact`.
pub const ADVISOR_SORTS: [&str; 5] = ["name", "firms", "overdue", "stale", "last_contact"];

/// The advisors page's order from its `sort` and `dir` parameters (firms, most first, by
/// default; names from A): the sort key and whether it runs from the highest down.
pub fn advisor_order(sort: &str, dir: &str) -> (&'static str, bool) {
    let sort = ADVISOR_SORTS
        .iter()
        .find(|k| **k == sort.trim())
        .copied()
        .unwrap_or("firms");
    let desc = match dir.trim() {
        "asc" => false,
        "desc" => true,
        _ => sort != "name",
    };
    (sort, desc)
}

/// Sort `loads` as the advisors page shows them (ties by id).
pub fn sort_loads(loads: &mut [AdvisorLoad], sort: &str, desc: bool) {
    loads.sort_by(|a, b| {
        let o = match sort {
            "name" => a.advisor.display_name.cmp(&b.advisor.display_name),
            "overdue" => a.stat.overdue.cmp(&b.stat.overdue),
            "stale" => a.stat.stale.cmp(&b.stat.stale),
            "last_contact" => a.stat.last_contact_on.cmp(&b.stat.last_contact_on),
            _ => a.stat.firms.cmp(&b.stat.firms),
        };
        let o = if desc { o.reverse() } else { o };
        o.then(a.advisor.id.cmp(&b.advisor.id))
    });
}

/// A firm on the agenda.
#[derive(Debug, Clone)]
pub struct AgendaRow {
    /// The firm.
    pub firm: Firm,
    /// Its advisor's name.
    pub advisor: String,
    /// The agreed next action of its latest follow-up.
    pub next_action: String,
}

/// One bucket: up to [`LIST_LIMIT`] firms and how many in all.
#[derive(Debug, Clone, Default)]
pub struct Bucket {
    /// The firms, most urgent first.
    pub rows: Vec<AgendaRow>,
    /// How many in all.
    pub total: i64,
}

/// The agenda: contacts overdue, due soon, not planned, and firms not contacted for long.
#[derive(Debug, Clone)]
pub struct Agenda {
    /// Planned contact before today.
    pub overdue: Bucket,
    /// Planned contact from today to before today + `due_days`.
    pub due_soon: Bucket,
    /// No contact planned.
    pub none_planned: Bucket,
    /// No contact for `stale_days` (or never).
    pub stale: Bucket,
    /// The thresholds used.
    pub settings: AgendaSettings,
    /// The date it is for.
    pub today: NaiveDate,
    /// Advisors the viewer may pick (empty for an advisor, who sees their own firms): those of
    /// the viewer's territory ([`access::menus`]).
    pub advisors: Vec<AdvisorChoice>,
}

/// The agenda of `p` on `today`: an advisor's own firms; for the bureau and county officers
/// the firms of their territory, or of one advisor. Firm users have none (`Forbidden`).
pub fn agenda(
    conn: &mut DbConn,
    p: &Principal,
    advisor: Option<i64>,
    today: NaiveDate,
) -> Result<Agenda, AppError> {
    if !access::may_follow_up(p) {
        return Err(AppError::Forbidden);
    }
    let s = AccessSettings::load(conn, p)?;
    let settings = AgendaSettings::load(conn)?;
    let scope = access::scope(p, &s);
    let advisor = if p.role == Role::Advisor {
        p.user_id
    } else {
        advisor
    };
    let mut bucket = |b: ContactBucket| -> Result<Bucket, AppError> {
        let (firms, total) =
            firm_query::contact_bucket(conn, &scope, advisor, b, today, LIST_LIMIT)
                .ctx("list the agenda")?;
        Ok(Bucket {
            rows: firms
                .into_iter()
                .map(|firm| AgendaRow {
                    firm,
                    advisor: String::new(),
                    next_action: String::new(),
                })
                .collect(),
            total,
        })
    };
    let mut out = Agenda {
        overdue: bucket(ContactBucket::Overdue)?,
        due_soon: bucket(ContactBucket::DueBefore(
            today + Duration::days(settings.due_days),
        ))?,
        none_planned: bucket(ContactBucket::NonePlanned)?,
        stale: bucket(ContactBucket::NoContactSince(
            today - Duration::days(settings.stale_days),
        ))?,
        settings,
        today,
        advisors: if p.role == Role::Advisor {
            Vec::new()
        } else {
            access::menus(conn, p, &s)?.advisors
        },
    };
    let all_rows = [&out.overdue, &out.due_soon, &out.none_planned, &out.stale];
    let firm_ids: Vec<i64> = all_rows
        .iter()
        .flat_map(|b| b.rows.iter().map(|r| r.firm.id))
        .collect();
    let advisor_names = names(
        conn,
        all_rows
            .iter()
            .flat_map(|b| b.rows.iter().filter_map(|r| r.firm.advisor_id)),
    )?;
    let actions = followups::latest_actions(conn, &firm_ids).ctx("load next actions")?;
    for b in [
        &mut out.overdue,
        &mut out.due_soon,
        &mut out.none_planned,
        &mut out.stale,
    ] {
        for r in &mut b.rows {
            r.advisor = r
                .firm
                .advisor_id
                .and_then(|a| advisor_names.get(&a))
                .map_or_else(String::new, |u| u.display_name.clone());
            r.next_action = actions.get(&r.firm.id).cloned().unwrap_or_default();
        }
    }
    Ok(out)
}

/// The issue ledger's filters (empty: every pending issue in the territory).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LedgerQuery {
    /// The store filter (status, category, county, owner, raised before).
    pub filter: IssueFilter,
}

/// Open issues per county and age band (0–30, 31–90, over 90 days).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AgeBands {
    /// County code.
    pub county_code: String,
    /// Raised within 30 days.
    pub recent: i64,
    /// 31 to 90 days.
    pub middle: i64,
    /// Over 90 days.
    pub old: i64,
}

/// The ledger page.
#[derive(Debug, Clone)]
pub struct Ledger {
    /// Issues matching, oldest first (at most [`LIST_LIMIT`]).
    pub rows: Vec<(IssueWithFirm, String, i64)>,
    /// How many match in all.
    pub total: i64,
    /// Pending issues of the territory by county and age (whatever the filter).
    pub bands: Vec<AgeBands>,
    /// The counties of the viewer's territory, for names and the filter.
    pub counties: Vec<County>,
}

/// The firms an issue query must stay within for `scope`: `None` for everything, a county
/// filter for a county, the ids otherwise.
fn issue_territory(
    conn: &mut DbConn,
    scope: &Scope,
    filter: &mut IssueFilter,
) -> Result<Option<Vec<i64>>, AppError> {
    match scope {
        Scope::All => Ok(None),
        Scope::County(c) => {
            if filter.county_code.as_ref().is_some_and(|f| f != c) {
                return Ok(Some(Vec::new()));
            }
            filter.county_code = Some(c.clone());
            Ok(None)
        }
        other => Ok(Some(
            firm_query::ids(conn, other, &FirmQuery::default()).ctx("list firms in territory")?,
        )),
    }
}

/// The issue ledger of `p` on `today`: the bureau every issue, a county officer their
/// county's, an advisor their firms', a firm user its own.
pub fn ledger(
    conn: &mut DbConn,
    p: &Principal,
    q: &LedgerQuery,
    today: NaiveDate,
) -> Result<Ledger, AppError> {
    let s = AccessSettings::load(conn, p)?;
    let scope = access::scope(p, &s);
    let mut filter = q.filter.clone();
    let ids = issue_territory(conn, &scope, &mut filter)?;
    let rows =
        issues::list_with_firms(conn, &filter, ids.as_deref(), LIST_LIMIT).ctx("list issues")?;
    let total = issues::count(conn, &filter, ids.as_deref()).ctx("count issues")?;
    let mut pending = IssueFilter {
        statuses: vec![IssueStatus::Open, IssueStatus::InProgress],
        ..IssueFilter::default()
    };
    let band_ids = issue_territory(conn, &scope, &mut pending)?;
    let all_pending = issues::list_with_firms(conn, &pending, band_ids.as_deref(), i64::MAX)
        .ctx("list pending issues")?;
    let mut bands: std::collections::BTreeMap<String, AgeBands> = Default::default();
    for r in &all_pending {
        let b = bands
            .entry(r.county_code.clone())
            .or_insert_with(|| AgeBands {
                county_code: r.county_code.clone(),
                ..AgeBands::default()
            });
        match r.issue.age_days(today) {
            0..=30 => b.recent += 1,
            31..=90 => b.middle += 1,
            _ => b.old += 1,
        }
    }
    let people = names(conn, rows.iter().filter_map(|r| r.issue.owner_id))?;
    Ok(Ledger {
        rows: rows
            .into_iter()
            .map(|r| {
                let owner = r
                    .issue
                    .owner_id
                    .and_then(|o| people.get(&o))
                    .map_or_else(String::new, |u| u.display_name.clone());
                let age = r.issue.age_days(today);
                (r, owner, age)
            })
            .collect(),
        total,
        bands: bands.into_values().collect(),
        counties: access::menus(conn, p, &s)?.counties,
    })
}

/// The follow-ups export: an advisor's own (those logged for them); for the bureau every
/// follow-up or one advisor's; for a county officer their county's. With author names.
pub fn followups_export(
    conn: &mut DbConn,
    p: &Principal,
    advisor: Option<i64>,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
) -> Result<(Vec<FollowupWithFirm>, HashMap<i64, User>), AppError> {
    if !access::may_follow_up(p) {
        return Err(AppError::Forbidden);
    }
    let mut f = FollowupFilter {
        advisor_id: advisor,
        county_code: None,
        from,
        to,
    };
    match p.role {
        Role::Advisor => f.advisor_id = p.user_id,
        Role::County => f.county_code = Some(p.county_code.clone().ok_or(AppError::Forbidden)?),
        _ => {}
    }
    let rows = followups::list_with_firms(conn, &f, EXPORT_LIMIT).ctx("list follow-ups")?;
    let people = names(
        conn,
        rows.iter()
            .flat_map(|r| [Some(r.followup.created_by), r.followup.advisor_id])
            .flatten(),
    )?;
    Ok((rows, people))
}
