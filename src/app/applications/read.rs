//! Read models: one application with its history and its evaluation then and now, a firm's
//! applications, and the review queues.

use super::act::evaluate_profile;
use super::documents::{documents_of, Documents};
use super::{parsed, party_for};
use crate::app::access::{self, AccessSettings};
use crate::app::error::{AppError, StoreContext};
use crate::app::model::person_labels;
use crate::app::principal::Principal;
use crate::core::application::{self, ActionKind, Party, State, Status, Step, Target};
use crate::core::error::InputError;
use crate::core::money::Fen;
use crate::core::profile::{FirmYear, Profile};
use crate::core::stage::{Role, Stage};
use crate::store::applications::{self, Application, QueueFilter, QueueRow, StepRow};
use crate::store::firms::{self, Firm};
use crate::store::{users, DbConn};
use chrono::{NaiveDate, NaiveDateTime};
use serde_json::Value;
use std::collections::HashMap;

/// One step of the history, with the actor's name.
#[derive(Debug, Clone)]
pub struct StepView {
    /// The step.
    pub step: StepRow,
    /// The actor told apart from namesakes (empty for the system).
    pub actor: String,
}

/// One criterion then and now.
#[derive(Debug, Clone, PartialEq)]
pub struct CriterionPair {
    /// Criterion id (for anchors; never shown).
    pub id: String,
    /// Label, zh and en.
    pub label: (String, String),
    /// At submission: status id and actual value (zh, en); `None` when the criterion was not
    /// evaluated then.
    pub then: Option<(String, String, String)>,
    /// Now: the same.
    pub now: Option<(String, String, String)>,
}

impl CriterionPair {
    /// Whether the status or the value moved since submission.
    pub fn changed(&self) -> bool {
        self.then != self.now
    }
}

/// The application page.
#[derive(Debug, Clone)]
pub struct ApplicationPage {
    /// The application.
    pub application: Application,
    /// Its target.
    pub target: Target,
    /// Its status.
    pub status: Status,
    /// The firm.
    pub firm: Firm,
    /// The firm's stage now.
    pub stage: Stage,
    /// What the viewer may do now (empty for a reader).
    pub actions: Vec<ActionKind>,
    /// The viewer's party (`None`: reads only).
    pub party: Option<Party>,
    /// The history, oldest first.
    pub steps: Vec<StepView>,
    /// The evaluation frozen at the last submission (DESIGN §3 JSON).
    pub frozen: Option<Value>,
    /// The evaluation now (`Null` when the stored figures cannot be evaluated).
    pub current: Value,
    /// Why the stored figures cannot be evaluated now, if so.
    pub data_error: Option<InputError>,
    /// Criterion by criterion, then and now.
    pub pairs: Vec<CriterionPair>,
    /// The figures changed since submission.
    pub changes: Vec<FigureChange>,
    /// Whole days in the current status.
    pub waited_days: i64,
    /// Whether the current review step is past its due date.
    pub overdue: bool,
    /// The evidence documents, kind by kind of the checklist.
    pub documents: Documents,
}

/// The page of application `id` for `principal` on `today`; `NotFound` outside their
/// territory (the same answer as for an id that does not exist).
pub fn application_page(
    conn: &mut DbConn,
    principal: &Principal,
    id: i64,
    today: NaiveDate,
    now: NaiveDateTime,
) -> Result<ApplicationPage, AppError> {
    let application = applications::find_by_id(conn, id).ctx("load application")?;
    let firm = firms::find_by_id(conn, application.firm_id).ctx("load the applying firm")?;
    let party = party_for(conn, principal, &firm)?;
    let (target, status) = parsed(&application)?;
    let stage = firm.current_stage().ctx("read the firm's stage")?;
    let actions = party.map_or_else(Vec::new, |p| {
        application::actions_for(State { target, status }, p)
    });
    let rows = applications::steps(conn, id).ctx("load application steps")?;
    let steps = with_actors(conn, rows)?;
    let frozen = application
        .frozen_evaluation
        .as_deref()
        .and_then(|s| serde_json::from_str::<Value>(s).ok());
    let (now_profile, ev) = evaluate_profile(conn, firm.id, target, today)?;
    let (current, data_error) = match ev {
        Ok(ev) => (ev.to_json(), None),
        Err(e) => (Value::Null, Some(e)),
    };
    let changes = match application
        .frozen_profile
        .as_deref()
        .and_then(|s| serde_json::from_str::<Profile>(s).ok())
    {
        Some(then) => figure_changes(&then, &now_profile),
        None => Vec::new(),
    };
    let pairs = compare(frozen.as_ref(), &current);
    let waited_days = (now - application.status_at).num_days().max(0);
    let overdue = status.is_review() && application.due_on.is_some_and(|d| d < today);
    let documents = documents_of(conn, &application, target, status, party)?;
    Ok(ApplicationPage {
        application,
        target,
        status,
        firm,
        stage,
        actions,
        party,
        steps,
        frozen,
        current,
        data_error,
        pairs,
        changes,
        waited_days,
        overdue,
        documents,
    })
}

fn with_actors(conn: &mut DbConn, rows: Vec<StepRow>) -> Result<Vec<StepView>, AppError> {
    let mut ids: Vec<i64> = rows.iter().filter_map(|r| r.actor_id).collect();
    ids.sort_unstable();
    ids.dedup();
    let people = users::find_many(conn, &ids).ctx("load the actors")?;
    let labels = person_labels(
        people
            .iter()
            .map(|u| (u.id, u.display_name.as_str(), u.username.as_str())),
    );
    Ok(rows
        .into_iter()
        .map(|step| StepView {
            actor: step
                .actor_id
                .and_then(|a| labels.get(&a).cloned())
                .unwrap_or_default(),
            step,
        })
        .collect())
}

fn criterion_cells(ev: &Value) -> HashMap<String, (String, String, String)> {
    ev.get("criteria")
        .and_then(Value::as_array)
        .map(|cs| {
            cs.iter()
                .filter_map(|c| {
                    let s = |k: &str| c.get(k).and_then(Value::as_str).unwrap_or("").to_string();
                    Some((
                        c.get("id")?.as_str()?.to_string(),
                        (s("status"), s("actual_zh"), s("actual_en")),
                    ))
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Criterion by criterion, the evaluation at submission beside the one now, in the order of
/// the current evaluation (criteria that only the frozen one has come last).
pub fn compare(frozen: Option<&Value>, current: &Value) -> Vec<CriterionPair> {
    let then = frozen.map(criterion_cells).unwrap_or_default();
    let now = criterion_cells(current);
    let mut out = Vec::new();
    let mut seen = Vec::new();
    for ev in [Some(current), frozen].into_iter().flatten() {
        for c in ev
            .get("criteria")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let Some(id) = c.get("id").and_then(Value::as_str) else {
                continue;
            };
            if seen.iter().any(|s: &String| s == id) {
                continue;
            }
            seen.push(id.to_string());
            let s = |k: &str| c.get(k).and_then(Value::as_str).unwrap_or("").to_string();
            out.push(CriterionPair {
                id: id.to_string(),
                label: (s("label_zh"), s("label_en")),
                then: then.get(id).cloned(),
                now: now.get(id).cloned(),
            });
        }
    }
    out
}

/// A row of a list or queue of applications.
#[derive(Debug, Clone)]
pub struct ApplicationRow {
    /// The application.
    pub application: Application,
    /// Target.
    pub target: Target,
    /// Status.
    pub status: Status,
    /// Firm name.
    pub firm_name: String,
    /// Firm county code.
    pub county_code: String,
    /// The county's name, zh and en.
    pub county: (String, String),
    /// Whole days in the current status.
    pub waited_days: i64,
    /// Past its due date.
    pub overdue: bool,
}

fn row_of(r: QueueRow, today: NaiveDate, now: NaiveDateTime) -> Result<ApplicationRow, AppError> {
    let (target, status) = parsed(&r.application)?;
    Ok(ApplicationRow {
        waited_days: (now - r.application.status_at).num_days().max(0),
        overdue: status.is_review() && r.application.due_on.is_some_and(|d| d < today),
        application: r.application,
        target,
        status,
        firm_name: r.firm_name,
        county_code: r.county_code,
        county: r.county,
    })
}

/// A firm's applications, newest first, for anyone who may see the firm.
pub fn firm_applications(
    conn: &mut DbConn,
    principal: &Principal,
    firm: &Firm,
    today: NaiveDate,
    now: NaiveDateTime,
) -> Result<Vec<ApplicationRow>, AppError> {
    access::require_read(principal, &AccessSettings::load(conn, principal)?, firm)?;
    let mut rows = load_rows(
        conn,
        &ALL_STATUSES,
        QueueFilter {
            firm_id: Some(firm.id),
            ..QueueFilter::default()
        },
        today,
        now,
    )?;
    rows.sort_by_key(|r| std::cmp::Reverse(r.application.created_at));
    Ok(rows)
}

const ALL_STATUSES: [&str; 10] = [
    "draft",
    "submitted",
    "county_review",
    "city_review",
    "approved",
    "rejected",
    "returned",
    "withdrawn",
    "certified",
    "not_certified",
];

fn load_rows(
    conn: &mut DbConn,
    statuses: &[&str],
    filter: QueueFilter<'_>,
    today: NaiveDate,
    now: NaiveDateTime,
) -> Result<Vec<ApplicationRow>, AppError> {
    applications::queue(conn, statuses, filter)
        .ctx("load applications")?
        .into_iter()
        .map(|r| row_of(r, today, now))
        .collect()
}

/// The firm `firm_id` when `principal` may see it (`NotFound` otherwise).
pub fn firm_for_read(
    conn: &mut DbConn,
    principal: &Principal,
    firm_id: i64,
) -> Result<Firm, AppError> {
    let firm = firms::find_by_id(conn, firm_id).ctx("load firm")?;
    access::require_read(principal, &AccessSettings::load(conn, principal)?, &firm)?;
    Ok(firm)
}

/// The targets the viewer may open an application for on `firm` now (empty unless they are
/// the firm's user or assigned advisor).
pub fn targets_to_open(
    conn: &mut DbConn,
    principal: &Principal,
    firm: &Firm,
) -> Result<Vec<Target>, AppError> {
    if !matches!(
        party_for(conn, principal, firm)?,
        Some(Party::Firm | Party::Advisor)
    ) {
        return Ok(Vec::new());
    }
    let stage = firm.current_stage().ctx("read the firm's stage")?;
    let open: Vec<Target> = applications::open_targets(conn, firm.id)
        .ctx("load open applications")?
        .iter()
        .filter_map(|t| Target::parse(t))
        .collect();
    Ok(Target::ALL
        .into_iter()
        .filter(|t| application::may_open(*t, stage, &open).is_ok())
        .collect())
}

/// What the API's list of applications narrows to (`None`: any).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ListFilter {
    /// Only this status.
    pub status: Option<Status>,
    /// Only this target.
    pub target: Option<Target>,
    /// Only this firm's (a firm outside the viewer's scope lists nothing).
    pub firm_id: Option<i64>,
}

/// Every application `principal` sees, of any status, oldest in its status first, narrowed by
/// `filter`: the same scope as [`review_queues`] (a county officer their county's, bureau
/// staff and administrators every county's, a firm user their firm's, an advisor those of
/// their assigned firms).
pub fn list_applications(
    conn: &mut DbConn,
    principal: &Principal,
    filter: ListFilter,
    today: NaiveDate,
    now: NaiveDateTime,
) -> Result<Vec<ApplicationRow>, AppError> {
    let county: Vec<String> = principal.county_code.clone().into_iter().collect();
    let mut scope = QueueFilter::default();
    match principal.role {
        Role::Admin | Role::Bureau => {}
        Role::County => scope.counties = Some(&county),
        Role::Firm => match principal.firm_id {
            Some(f) => scope.firm_id = Some(f),
            None => return Ok(Vec::new()),
        },
        Role::Advisor => match principal.user_id {
            Some(a) => scope.advisor_id = Some(a),
            None => return Ok(Vec::new()),
        },
        Role::System => return Err(AppError::Forbidden),
    }
    if let Some(f) = filter.firm_id {
        if scope.firm_id.is_some_and(|own| own != f) {
            return Ok(Vec::new());
        }
        scope.firm_id = Some(f);
    }
    let statuses: Vec<&str> = match filter.status {
        Some(s) => vec![s.id()],
        None => ALL_STATUSES.to_vec(),
    };
    let rows = load_rows(conn, &statuses, scope, today, now)?;
    Ok(rows
        .into_iter()
        .filter(|r| filter.target.is_none_or(|t| t == r.target))
        .collect())
}

/// One queue of the review page.
#[derive(Debug, Clone)]
pub struct Queue {
    /// `county`, `city` or `outcome` (national recommendations waiting for their result).
    pub id: &'static str,
    /// Whether the viewer acts on this queue (others are shown for information).
    pub mine: bool,
    /// Oldest first.
    pub rows: Vec<ApplicationRow>,
}

/// The queues `principal` sees on the applications page: a county officer their county's
/// applications at the county step (theirs) and at the city step; bureau staff every county's,
/// the city step being theirs, and the national recommendations waiting for a result. A firm
/// user sees their firm's applications, an advisor those of their assigned firms, as one list.
pub fn review_queues(
    conn: &mut DbConn,
    principal: &Principal,
    today: NaiveDate,
    now: NaiveDateTime,
) -> Result<Vec<Queue>, AppError> {
    let own = match principal.role {
        Role::Firm => principal.firm_id.map(|f| QueueFilter {
            firm_id: Some(f),
            ..QueueFilter::default()
        }),
        Role::Advisor => principal.user_id.map(|a| QueueFilter {
            advisor_id: Some(a),
            ..QueueFilter::default()
        }),
        _ => None,
    };
    if matches!(principal.role, Role::Firm | Role::Advisor) {
        let rows = match own {
            Some(filter) => load_rows(conn, &ALL_STATUSES, filter, today, now)?,
            None => Vec::new(),
        };
        return Ok(vec![Queue {
            id: "own",
            mine: true,
            rows,
        }]);
    }
    let counties: Option<Vec<String>> = match principal.role {
        Role::Admin | Role::Bureau => None,
        Role::County => Some(principal.county_code.clone().into_iter().collect()),
        _ => return Err(AppError::Forbidden),
    };
    let city = counties.is_none();
    let filter = QueueFilter {
        counties: counties.as_deref(),
        ..QueueFilter::default()
    };
    let county_rows = load_rows(
        conn,
        &[Status::Submitted.id(), Status::CountyReview.id()],
        filter,
        today,
        now,
    )?;
    let city_rows = load_rows(conn, &[Status::CityReview.id()], filter, today, now)?;
    let outcome_rows: Vec<ApplicationRow> =
        load_rows(conn, &[Status::Approved.id()], filter, today, now)?
            .into_iter()
            .filter(|r| r.target.is_national())
            .collect();
    Ok(vec![
        Queue {
            id: Step::County.id(),
            // The bureau may act at the county step too, but it is the county's queue.
            mine: !city,
            rows: county_rows,
        },
        Queue {
            id: Step::City.id(),
            mine: city,
            rows: city_rows,
        },
        Queue {
            id: "outcome",
            mine: city,
            rows: outcome_rows,
        },
    ])
}

/// Every application waiting at a review step (county or city), oldest first, for the
/// reviewers' daily mail.
pub fn waiting_for_review(
    conn: &mut DbConn,
    today: NaiveDate,
    now: NaiveDateTime,
) -> Result<Vec<ApplicationRow>, AppError> {
    load_rows(
        conn,
        &[
            Status::Submitted.id(),
            Status::CountyReview.id(),
            Status::CityReview.id(),
        ],
        QueueFilter::default(),
        today,
        now,
    )
}

/// Reads one amount of a year of figures.
type YearField = fn(&FirmYear) -> Option<Fen>;

/// One figure that changed since submission.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FigureChange {
    /// The year of figures (`None`: head counts and IP).
    pub year: Option<i32>,
    /// The catalog key of its label (`forms.field.rd_expense`, …).
    pub label: &'static str,
    /// Whether the values are amounts in 万元 (else counts).
    pub amount: bool,
    /// At submission (empty: not entered).
    pub before: String,
    /// Now.
    pub after: String,
}

/// The figures that differ between the profile frozen at submission and the profile now:
/// head counts, each year's amounts (in 万元) and conversions, and the IP counts.
pub fn figure_changes(frozen: &Profile, now: &Profile) -> Vec<FigureChange> {
    fn amt(v: Option<Fen>) -> String {
        v.map(Fen::wan_text).unwrap_or_default()
    }
    fn num(v: Option<u32>) -> String {
        v.map(|n| n.to_string()).unwrap_or_default()
    }
    let mut out = Vec::new();
    let mut push = |year, label, amount, before: String, after: String| {
        if before != after {
            out.push(FigureChange {
                year,
                label,
                amount,
                before,
                after,
            });
        }
    };
    push(
        None,
        "forms.field.employees",
        false,
        num(frozen.employees),
        num(now.employees),
    );
    push(
        None,
        "forms.field.tech_staff",
        false,
        num(frozen.tech_staff),
        num(now.tech_staff),
    );
    push(
        None,
        "application.page.ip_class_one",
        false,
        num(frozen.ip.class_one),
        num(now.ip.class_one),
    );
    push(
        None,
        "application.page.ip_class_two",
        false,
        num(frozen.ip.class_two),
        num(now.ip.class_two),
    );
    let mut years: Vec<i32> = frozen
        .financials
        .iter()
        .chain(&now.financials)
        .map(|y| y.year)
        .chain(
            frozen
                .conversions
                .keys()
                .chain(now.conversions.keys())
                .copied(),
        )
        .collect();
    years.sort_unstable();
    years.dedup();
    let empty = FirmYear::default();
    for y in years {
        let find = |p: &Profile| p.financials.iter().find(|f| f.year == y).cloned();
        let (a, b) = (find(frozen), find(now));
        let (a, b) = (a.as_ref().unwrap_or(&empty), b.as_ref().unwrap_or(&empty));
        let fields: [(&'static str, YearField); 8] = [
            ("forms.field.revenue", |f| f.revenue),
            ("forms.field.total_income", |f| f.total_income),
            ("forms.field.rd_expense", |f| f.rd_expense),
            ("forms.field.rd_expense_domestic", |f| f.rd_expense_domestic),
            ("forms.field.high_tech_revenue", |f| f.high_tech_revenue),
            ("forms.field.total_cost", |f| f.total_cost),
            ("forms.field.total_assets", |f| f.total_assets),
            ("forms.field.net_assets", |f| f.net_assets),
        ];
        for (label, get) in fields {
            push(Some(y), label, true, amt(get(a)), amt(get(b)));
        }
        push(
            Some(y),
            "forms.field.conversions",
            false,
            num(frozen.conversions.get(&y).copied()),
            num(now.conversions.get(&y).copied()),
        );
    }
    out
}
