//! The coaching work across firms: `/advisors` (each advisor's load, sortable, and the form to
//! move a leaving advisor's firms), `/agenda` (contacts overdue, due soon, not planned, not
//! made for long), `/issues` (the issue ledger by county and age), `/followups.csv` (the
//! follow-ups export) and `POST /firms/assign` (bulk assignment from the firms list).

use crate::app::coaching::assign_advisor::check_reason;
use crate::app::coaching::read::{self, AgendaRow, Bucket};
use crate::app::firms::list::ListParams;
use crate::app::model::{IssueCategory, IssueFilter, IssueStatus};
use crate::app::today;
use crate::app::{self, AppError, AssignTarget, ReassignTo};
use crate::core::error::{InputError, Text};
use crate::core::stage::Stage;
use crate::i18n::{self, Lang};
use crate::web::auth::{AdvisorsUser, AgendaUser, FirmsUser};
use crate::web::error::WebError;
use crate::web::forms::{FieldErrors, Refused};
use crate::web::pages::firms::BulkAgain;
use crate::web::pages::render;
use crate::web::pages::see_other;
use crate::web::session::CsrfForm;
use crate::web::{db, AppState};
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{Duration, NaiveDate};
use serde::Deserialize;
use serde_json::{json, Value};
use std::collections::HashMap;

fn county_names(counties: &[crate::app::model::County], lang: Lang) -> HashMap<String, String> {
    counties
        .iter()
        .map(|c| {
            (
                c.code.clone(),
                lang.pick(&c.name_zh, &c.name_en).to_string(),
            )
        })
        .collect()
}

// ---- /advisors ----

/// The advisors page's query string.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct AdvisorParams {
    /// `name`, `firms`, `overdue`, `stale` or `last_contact`.
    #[serde(default)]
    pub sort: String,
    /// `asc` or `desc`.
    #[serde(default)]
    pub dir: String,
    /// How many firms the last reassignment moved (shown once).
    #[serde(default)]
    pub moved: String,
}

use read::ADVISOR_SORTS;

/// `GET /advisors`.
pub async fn advisors(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: AdvisorsUser,
    q: web::Query<AdvisorParams>,
) -> Result<HttpResponse, WebError> {
    advisors_page(&req, &state, &user, &q, None).await
}

/// `GET /advisors/export?format=csv|xlsx&sort=…&dir=…`: the advisors' workloads as a file,
/// in the page's order.
pub async fn advisors_export(
    state: web::Data<AppState>,
    user: AdvisorsUser,
    format: web::Query<crate::web::export::FormatParam>,
    q: web::Query<AdvisorParams>,
) -> Result<HttpResponse, WebError> {
    let format = format.parse()?;
    let (lang, day) = (user.lang, today());
    let (sort, desc) = read::advisor_order(&q.sort, &q.dir);
    let p = user.principal.clone();
    let now = chrono::Utc::now().naive_utc();
    crate::web::export::respond(&state, format, move |c, sink| {
        app::coaching::export::advisors(c, &p, day, sort, desc, lang, now, sink)
    })
    .await
    .map_err(WebError::from)
}

/// A refused reassignment, shown again: what was chosen and typed, and the problems by field
/// in the user's language (`""` for the top).
#[derive(Debug, Default)]
struct ReassignAgain {
    from: String,
    to: String,
    spread: Vec<String>,
    reason: String,
    errors: crate::web::forms::Errors,
    status: StatusCode,
}

async fn advisors_page(
    req: &HttpRequest,
    state: &AppState,
    user: &crate::web::auth::CurrentUser,
    q: &AdvisorParams,
    again: Option<ReassignAgain>,
) -> Result<HttpResponse, WebError> {
    let lang = user.lang;
    let p = user.principal.clone();
    let day = today();
    let page = db(state, move |c| read::advisors_page(c, &p, day)).await?;
    let counties = county_names(&page.counties, lang);
    let (sort, desc) = read::advisor_order(&q.sort, &q.dir);
    let mut loads = page.loads;
    read::sort_loads(&mut loads, sort, desc);
    let rows: Vec<Value> = loads
        .iter()
        .map(|l| {
            let stages: Vec<Value> = Stage::ALL
                .iter()
                .filter(|s| **s != Stage::Exited)
                .map(|s| {
                    let n = l
                        .stat
                        .by_stage
                        .iter()
                        .find(|(id, _)| id == s.id())
                        .map_or(0, |(_, n)| *n);
                    json!({ "stage": s.id(), "count": n })
                })
                .collect();
            json!({
                "id": l.advisor.id,
                "name": l.advisor.display_name,
                "username": l.advisor.username,
                "county": l.advisor.county_code.as_ref().and_then(|c| counties.get(c)).cloned().unwrap_or_default(),
                "active": l.advisor.active,
                "firms": l.stat.firms,
                "stages": stages,
                "last_contact_on": l.stat.last_contact_on.map(|d| d.to_string()).unwrap_or_default(),
                "overdue": l.stat.overdue,
                "stale": l.stat.stale,
                "agenda_href": format!("/agenda?advisor={}", l.advisor.id),
                "firms_href": format!("/firms?advisor={}", l.advisor.id),
            })
        })
        .collect();
    let sort_links: serde_json::Map<String, Value> = ADVISOR_SORTS
        .iter()
        .map(|k| {
            let dir = if *k == sort && desc { "asc" } else { "desc" };
            let mark = if *k == sort {
                if desc {
                    "▼"
                } else {
                    "▲"
                }
            } else {
                ""
            };
            (
                k.to_string(),
                json!({ "href": format!("/advisors?sort={k}&dir={dir}"), "mark": mark }),
            )
        })
        .collect();
    let choices = crate::app::access::advisor_choices(
        &user.principal,
        &page.counties,
        loads
            .iter()
            .map(|l| crate::app::model::Named::from(&l.advisor))
            .collect(),
    );
    let names = crate::web::forms::advisor_labels(&choices, lang);
    let again = again.unwrap_or_default();
    let label = |l: &crate::app::coaching::read::AdvisorLoad, chosen: &dyn Fn(&str) -> bool| {
        let value = l.advisor.id.to_string();
        json!({
            "selected": chosen(&value),
            "value": value,
            "label": format!("{} ({})", names[&l.advisor.id], l.stat.firms),
        })
    };
    let menu = |chosen: &dyn Fn(&str) -> bool, active_only: bool| -> Vec<Value> {
        loads
            .iter()
            .filter(|l| l.advisor.active || !active_only)
            .map(|l| label(l, chosen))
            .collect()
    };
    let e = |k: &str| again.errors.get(k).cloned().unwrap_or_default();
    render(
        req,
        lang,
        Some(user),
        "advisors",
        "pages/coaching/advisors",
        again.status,
        json!({
            "rows": rows,
            "stages": Stage::ALL.iter().filter(|s| **s != Stage::Exited).map(|s| s.id()).collect::<Vec<_>>(),
            "sort_links": sort_links,
            "from_advisors": menu(&|v| v == again.from.trim(), false),
            "to_advisors": menu(&|v| v == again.to.trim(), true),
            "spread_advisors": menu(&|v| again.spread.iter().any(|s| s.trim() == v), true),
            "reason": again.reason,
            "err": { "from": e("from"), "to": e("to"), "reason": e("reason"), "form": e("") },
            "stale_days": page.settings.stale_days,
            "moved": q.moved.trim().parse::<i64>().ok(),
        }),
    )
}

/// `POST /advisors/reassign`: `from`, and either one `to` or several `spread` advisors. A
/// refusal shows the page again with what was chosen and typed, every problem beside its
/// field.
pub async fn reassign(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: AdvisorsUser,
    form: CsrfForm<Vec<(String, String)>>,
) -> Result<HttpResponse, WebError> {
    let pairs = form.0;
    let get = |k: &str| {
        pairs
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let spread_typed: Vec<String> = pairs
        .iter()
        .filter(|(k, _)| k == "spread")
        .map(|(_, v)| v.clone())
        .collect();
    let spread: Vec<i64> = spread_typed
        .iter()
        .filter_map(|v| v.trim().parse().ok())
        .collect();
    let reason = get("reason");
    let mut e = FieldErrors::checked(
        &std::collections::BTreeMap::from([("reason", reason.as_str())]),
        &[],
    );
    if let Err(AppError::BadInput(problem)) = check_reason(&reason) {
        e.input(&problem);
    }
    let from: Option<i64> = get("from").trim().parse().ok();
    if from.is_none() {
        e.key("from", "web.coaching.choose_from");
    }
    let to = match get("to").trim().parse::<i64>() {
        Ok(t) => Some(ReassignTo::One(t)),
        Err(_) if !spread.is_empty() => Some(ReassignTo::Spread(spread)),
        Err(_) => {
            e.key("to", "web.coaching.choose_to");
            None
        }
    };
    if let (Some(from), Some(to)) = (from, &to) {
        for problem in app::coaching::reassign_advisor::target_errors(from, to) {
            e.input(&problem);
        }
    }
    let refused = match (from, to, e.is_empty()) {
        (Some(from), Some(to), true) => {
            let p = user.principal.clone();
            let reason = reason.clone();
            let moved = db(&state, move |c| {
                app::reassign_advisor(c, from, to, &reason, &p, app::today())
            })
            .await;
            match moved {
                Ok(moved) => {
                    let n: usize = moved.iter().map(|(_, n)| n).sum();
                    return Ok(see_other(&format!("/advisors?moved={n}")));
                }
                Err(err) => Refused::place(err)?,
            }
        }
        _ => Refused::from(e),
    };
    let mut errors = refused.errors.in_lang(user.lang);
    let top = refused.top_in(user.lang);
    if !top.is_empty() {
        errors.insert(String::new(), top);
    }
    let again = ReassignAgain {
        from: get("from"),
        to: get("to"),
        spread: spread_typed,
        reason,
        errors,
        status: refused.status,
    };
    advisors_page(&req, &state, &user, &AdvisorParams::default(), Some(again)).await
}

// ---- /agenda ----

/// The agenda's query string.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct AgendaParams {
    /// One advisor's firms (for the bureau and county officers).
    #[serde(default)]
    pub advisor: String,
}

fn bucket_json(b: &Bucket, today: NaiveDate) -> Value {
    let rows: Vec<Value> = b
        .rows
        .iter()
        .map(|r: &AgendaRow| {
            json!({
                "id": r.firm.id,
                // A link of its own: inside the bucket partial, `id` is the bucket's.
                "href": format!("/firms/{}#followups", r.firm.id),
                "name": r.firm.name,
                "stage": r.firm.stage,
                "advisor": r.advisor,
                "next_contact_on": r.firm.next_contact_on.map(|d| d.to_string()).unwrap_or_default(),
                "days_late": r.firm.next_contact_on.map(|d| (today - d).num_days()).filter(|d| *d > 0),
                "last_contact_on": r.firm.last_contact_on.map(|d| d.to_string()).unwrap_or_default(),
                "next_action": r.next_action,
                "log_href": format!("/firms/{}/followups/new", r.firm.id),
            })
        })
        .collect();
    json!({ "rows": rows, "total": b.total, "more": b.total > b.rows.len() as i64 })
}

/// `GET /agenda`.
pub async fn agenda(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: AgendaUser,
    q: web::Query<AgendaParams>,
) -> Result<HttpResponse, WebError> {
    let lang = user.lang;
    let p = user.principal.clone();
    let advisor: Option<i64> = q.advisor.trim().parse().ok();
    let day = today();
    let a = db(&state, move |c| read::agenda(c, &p, advisor, day)).await?;
    let labels = crate::web::forms::advisor_labels(&a.advisors, lang);
    let advisors: Vec<Value> = a
        .advisors
        .iter()
        .map(|u| json!({ "value": u.id.to_string(), "label": labels[&u.id], "selected": Some(u.id) == advisor }))
        .collect();
    let picked = advisor.filter(|_| user.principal.role != crate::core::stage::Role::Advisor);
    let csv = match picked {
        Some(id) => format!("/followups.csv?advisor={id}"),
        None => "/followups.csv".to_string(),
    };
    let exports: HashMap<&str, String> = ["csv", "xlsx"]
        .into_iter()
        .map(|f| {
            let href = match picked {
                Some(id) => format!("/agenda/export?format={f}&advisor={id}"),
                None => format!("/agenda/export?format={f}"),
            };
            (f, href)
        })
        .collect();
    render(
        &req,
        lang,
        Some(&user),
        "agenda",
        "pages/coaching/agenda",
        StatusCode::OK,
        json!({
            "today": a.today.to_string(),
            "week_end": (a.today + Duration::days(a.settings.due_days - 1)).to_string(),
            "due_days": a.settings.due_days,
            "stale_days": a.settings.stale_days,
            "overdue": bucket_json(&a.overdue, a.today),
            "due_soon": bucket_json(&a.due_soon, a.today),
            "none_planned": bucket_json(&a.none_planned, a.today),
            "stale": bucket_json(&a.stale, a.today),
            "advisors": advisors,
            "pick_advisor": !a.advisors.is_empty(),
            "csv_href": csv,
            "exports": exports,
        }),
    )
}

// ---- /issues ----

/// The ledger's query string; empty fields do not filter.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct IssueParams {
    /// `pending` (the default), `all`, or one status id.
    #[serde(default)]
    pub status: String,
    /// Category id.
    #[serde(default)]
    pub category: String,
    /// County code.
    #[serde(default)]
    pub county: String,
    /// Older than this many days.
    #[serde(default)]
    pub older: String,
}

/// The ledger filter `q` asks for on `day`.
fn ledger_filter(q: &IssueParams, day: NaiveDate) -> IssueFilter {
    let statuses = match q.status.trim() {
        "" | "pending" => vec![IssueStatus::Open, IssueStatus::InProgress],
        "all" => Vec::new(),
        s => IssueStatus::parse(s).map(|s| vec![s]).unwrap_or_default(),
    };
    let older: Option<i64> = q.older.trim().parse().ok().filter(|n| *n >= 0);
    IssueFilter {
        statuses,
        category: IssueCategory::parse(&q.category),
        county_code: Some(q.county.trim().to_string()).filter(|c| !c.is_empty()),
        owner_id: None,
        raised_before: older.map(|n| day - Duration::days(n)),
    }
}

/// `/issues/export?format=…&<the ledger's filter>`: the issues the ledger lists, as a file.
pub async fn issues_export(
    state: web::Data<AppState>,
    user: FirmsUser,
    format: web::Query<crate::web::export::FormatParam>,
    q: web::Query<IssueParams>,
) -> Result<HttpResponse, WebError> {
    let format = format.parse()?;
    let (lang, day) = (user.lang, today());
    let filter = ledger_filter(&q, day);
    let t = |k: &str| i18n::text(lang, k);
    let mut words = Vec::new();
    match q.status.trim() {
        "" | "pending" => words.push((t("coach.field.status"), t("coach.issues.pending"))),
        "all" => {}
        s if IssueStatus::parse(s).is_some() => {
            words.push((t("coach.field.status"), t(&format!("coach.status.{s}"))))
        }
        _ => {}
    }
    if let Some(c) = filter.category {
        words.push((
            t("coach.field.category"),
            t(&format!("coach.category.{}", c.id())),
        ));
    }
    if let Some(n) = q.older.trim().parse::<i64>().ok().filter(|n| *n >= 0) {
        words.push((t("coach.issues.older"), n.to_string()));
    }
    let p = user.principal.clone();
    let now = chrono::Utc::now().naive_utc();
    crate::web::export::respond(&state, format, move |c, sink| {
        app::coaching::export::issues(
            c,
            &p,
            &read::LedgerQuery { filter },
            words,
            day,
            lang,
            now,
            sink,
        )
    })
    .await
    .map_err(WebError::from)
}

/// `GET /issues`.
pub async fn issues(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: FirmsUser,
    q: web::Query<IssueParams>,
) -> Result<HttpResponse, WebError> {
    let lang = user.lang;
    let day = today();
    let status = q.status.trim();
    let filter = ledger_filter(&q, day);
    let p = user.principal.clone();
    let ledger = db(&state, move |c| {
        read::ledger(c, &p, &read::LedgerQuery { filter }, day)
    })
    .await?;
    let counties = county_names(&ledger.counties, lang);
    let rows: Vec<Value> = ledger
        .rows
        .iter()
        .map(|(r, owner, age)| {
            json!({
                "id": r.issue.id,
                "href": format!("/firms/{}/issues/{}", r.issue.firm_id, r.issue.id),
                "firm_href": format!("/firms/{}", r.issue.firm_id),
                "firm": r.firm_name,
                "county": counties.get(&r.county_code).cloned().unwrap_or_else(|| r.county_code.clone()),
                "category": r.issue.category,
                "title": r.issue.title,
                "status": r.issue.status,
                "owner": owner,
                "raised_on": r.issue.raised_on.to_string(),
                "age": age,
                "old": *age > 90,
            })
        })
        .collect();
    let bands: Vec<Value> = ledger
        .bands
        .iter()
        .map(|b| {
            json!({
                "county": counties.get(&b.county_code).cloned().unwrap_or_else(|| b.county_code.clone()),
                "recent": b.recent, "middle": b.middle, "old": b.old,
                "total": b.recent + b.middle + b.old,
            })
        })
        .collect();
    let mut status_opts = vec![
        json!({ "value": "pending", "label": i18n::text(lang, "coach.issues.pending"), "selected": status.is_empty() || status == "pending" }),
        json!({ "value": "all", "label": i18n::text(lang, "coach.issues.all"), "selected": status == "all" }),
    ];
    status_opts.extend(IssueStatus::ALL.iter().map(|s| {
        json!({ "value": s.id(), "label": i18n::text(lang, &format!("coach.status.{}", s.id())), "selected": status == s.id() })
    }));
    let category_opts: Vec<Value> = IssueCategory::ALL
        .iter()
        .map(|c| json!({ "value": c.id(), "label": i18n::text(lang, &format!("coach.category.{}", c.id())), "selected": q.category.trim() == c.id() }))
        .collect();
    let county_opts: Vec<Value> = ledger
        .counties
        .iter()
        .map(|c| json!({ "value": c.code, "label": lang.pick(&c.name_zh, &c.name_en), "selected": q.county.trim() == c.code }))
        .collect();
    let exports: HashMap<&str, String> = ["csv", "xlsx"]
        .into_iter()
        .map(|f| {
            let pairs = [
                ("format", f),
                ("status", q.status.trim()),
                ("category", q.category.trim()),
                ("county", q.county.trim()),
                ("older", q.older.trim()),
            ];
            let kept: Vec<(&str, &str)> =
                pairs.into_iter().filter(|(_, v)| !v.is_empty()).collect();
            let query = serde_urlencoded::to_string(kept).unwrap_or_default();
            (f, format!("/issues/export?{query}"))
        })
        .collect();
    render(
        &req,
        lang,
        Some(&user),
        "issues",
        "pages/coaching/issues",
        StatusCode::OK,
        json!({
            "rows": rows,
            "total": ledger.total,
            "more": ledger.total > ledger.rows.len() as i64,
            "bands": bands,
            "statuses": status_opts,
            "categories": category_opts,
            "counties": county_opts,
            "older": q.older.trim(),
            "exports": exports,
        }),
    )
}

// ---- /followups.csv ----

/// The export's query string.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ExportParams {
    /// One advisor's (the bureau; an advisor always gets their own).
    #[serde(default)]
    pub advisor: String,
    /// From this date.
    #[serde(default)]
    pub from: String,
    /// To this date.
    #[serde(default)]
    pub to: String,
}

/// `GET /followups.csv`: UTF-8 with a byte-order mark (so Excel shows Chinese), quoted as
/// RFC 4180 says, formula-safe; corrections included and marked. The same as
/// `/followups/export?format=csv`.
pub async fn followups_csv(
    state: web::Data<AppState>,
    user: AgendaUser,
    q: web::Query<ExportParams>,
) -> Result<HttpResponse, WebError> {
    followups_file(state, user, q.into_inner(), crate::app::export::Format::Csv).await
}

/// `GET /followups/export?format=csv|xlsx&advisor=…&from=…&to=…`: the follow-ups as a file.
pub async fn followups_export(
    state: web::Data<AppState>,
    user: AgendaUser,
    format: web::Query<crate::web::export::FormatParam>,
    q: web::Query<ExportParams>,
) -> Result<HttpResponse, WebError> {
    let format = format.parse()?;
    followups_file(state, user, q.into_inner(), format).await
}

async fn followups_file(
    state: web::Data<AppState>,
    user: AgendaUser,
    q: ExportParams,
    format: crate::app::export::Format,
) -> Result<HttpResponse, WebError> {
    let lang = user.lang;
    let advisor: Option<i64> = q.advisor.trim().parse().ok();
    let parse = |s: &str| NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").ok();
    let (from, to) = (parse(&q.from), parse(&q.to));
    let p = user.principal.clone();
    let now = chrono::Utc::now().naive_utc();
    crate::web::export::respond(&state, format, move |c, sink| {
        app::coaching::export::followups(c, &p, advisor, from, to, lang, now, sink)
    })
    .await
    .map_err(WebError::from)
}

/// `GET /agenda/export?format=csv|xlsx&advisor=…`: the agenda's buckets as one file.
pub async fn agenda_export(
    state: web::Data<AppState>,
    user: AgendaUser,
    format: web::Query<crate::web::export::FormatParam>,
    q: web::Query<AgendaParams>,
) -> Result<HttpResponse, WebError> {
    let format = format.parse()?;
    let (lang, day) = (user.lang, today());
    let advisor: Option<i64> = q.advisor.trim().parse().ok();
    let p = user.principal.clone();
    let now = chrono::Utc::now().naive_utc();
    crate::web::export::respond(&state, format, move |c, sink| {
        app::coaching::export::agenda(c, &p, advisor, day, lang, now, sink)
    })
    .await
    .map_err(WebError::from)
}

// ---- POST /firms/assign ----

/// `POST /firms/assign` from the firms list: `advisor_id`, `reason`, and either the checked
/// `ids` (`scope=selected`) or every firm matching the list's filter fields (`scope=filter`).
/// Back to the list with how many were assigned; a refusal shows the list again with what was
/// chosen and ticked, every problem beside its field.
pub async fn bulk_assign(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: AdvisorsUser,
    form: CsrfForm<Vec<(String, String)>>,
) -> Result<HttpResponse, WebError> {
    let pairs = form.0;
    let get = |k: &str| {
        pairs
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let params = ListParams {
        stage: get("stage"),
        county: get("county"),
        sector: get("sector"),
        advisor: get("advisor"),
        rmin: get("rmin"),
        rmax: get("rmax"),
        q: get("q"),
        ..ListParams::default()
    };
    let back = params.href();
    let ids: Vec<i64> = pairs
        .iter()
        .filter(|(k, _)| k == "ids")
        .filter_map(|(_, v)| v.trim().parse().ok())
        .collect();
    let by_filter = get("scope") == "filter";
    let reason = get("reason");
    let mut e = FieldErrors::checked(
        &std::collections::BTreeMap::from([("reason", reason.as_str())]),
        &[],
    );
    if let Err(AppError::BadInput(problem)) = check_reason(&reason) {
        e.input(&problem);
    }
    let advisor: Option<i64> = get("advisor_id").trim().parse().ok();
    if advisor.is_none() {
        e.key("advisor_id", "web.coaching.choose_advisor");
    }
    if !by_filter && ids.is_empty() {
        e.input(&InputError::new(
            "ids",
            "no_firms_selected",
            Text::new("app.coaching.no_firms_selected"),
        ));
    }
    let refused = match (advisor, e.is_empty()) {
        (Some(advisor), true) => {
            let target = if by_filter {
                AssignTarget::Filter(params.to_query())
            } else {
                AssignTarget::Firms(ids.clone())
            };
            let p = user.principal.clone();
            let reason = reason.clone();
            let outcome = db(&state, move |c| {
                app::assign_advisor(c, target, advisor, &reason, &p, app::today())
            })
            .await;
            match outcome {
                Ok(outcome) => {
                    let sep = if back.contains('?') { '&' } else { '?' };
                    return Ok(see_other(&format!(
                        "{back}{sep}assigned={}&unchanged={}",
                        outcome.assigned.len(),
                        outcome.unchanged
                    )));
                }
                Err(err) => Refused::place(err)?,
            }
        }
        _ => Refused::from(e),
    };
    let mut errors = refused.errors.in_lang(user.lang);
    let top = refused.top_in(user.lang);
    if !top.is_empty() {
        errors.insert(String::new(), top);
    }
    let again = BulkAgain {
        ids,
        advisor_id: get("advisor_id"),
        reason,
        errors,
        status: refused.status,
    };
    crate::web::pages::firms::list_page(&req, &state, &user, params, Some(again)).await
}

/// The bulk-assignment form of the firms list: for those who may assign, the advisors to
/// choose from, the list's filter (to assign every matching firm) and the count.
pub fn bulk_form(
    params: &ListParams,
    advisors: &[crate::app::model::AdvisorChoice],
    total: crate::app::model::Total,
    p: &crate::app::Principal,
    lang: Lang,
    again: Option<&BulkAgain>,
) -> Value {
    if !crate::app::access::may_manage_advisors(p) {
        return Value::Null;
    }
    let labels = crate::web::forms::advisor_labels(advisors, lang);
    let chosen = again.map_or("", |a| a.advisor_id.trim());
    let options: Vec<Value> = advisors
        .iter()
        .map(|u| {
            let value = u.id.to_string();
            json!({ "selected": value == chosen, "value": value, "name": labels[&u.id] })
        })
        .collect();
    let err = |k: &str| {
        again
            .and_then(|a| a.errors.get(k))
            .cloned()
            .unwrap_or_default()
    };
    json!({
        "advisors": options,
        // Past the counting cap: "1000+" (assigning by filter takes them all).
        "total": if total.capped { format!("{}+", total.count) } else { total.count.to_string() },
        "filter": {
            "stage": params.stage, "county": params.county, "sector": params.sector,
            "advisor": params.advisor, "rmin": params.rmin, "rmax": params.rmax, "q": params.q,
        },
        "assigned": params.assigned.trim().parse::<i64>().ok(),
        "unchanged": params.unchanged.trim().parse::<i64>().unwrap_or(0),
        "reason": again.map_or("", |a| a.reason.as_str()),
        "err": {
            "advisor_id": err("advisor_id"), "reason": err("reason"), "ids": err("ids"),
            "form": err(""),
        },
    })
}
