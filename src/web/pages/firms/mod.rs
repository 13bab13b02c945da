//! `GET /firms` (list with filters, search, sort and paging, all in the query string) and
//! `GET /firms/{id}` (the firm page).

pub mod actions;
pub mod forms;
pub mod pool;
pub mod portal;
pub mod whatif;

use super::{render, render_page};
use crate::app::firms::list::{ListParams, PER_PAGE};
use crate::app::firms::read::{self, FirmPage, NextEvaluation};
use crate::app::model::SortKey;
use crate::core::money::Fen;
use crate::core::stage::Stage;
use crate::i18n::{self, Lang};
use crate::web::auth::FirmsUser;
use crate::web::error::WebError;
use crate::web::templates::Html;
use crate::web::{db, AppState};
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Serialize;
use serde_json::{json, Value};
use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};

fn name_of<'a>(lang: Lang, zh: &'a str, en: &'a str) -> &'a str {
    lang.pick(zh, en)
}

/// A row of the firm list, borrowed from what the read model gave.
struct ListRow<'a> {
    id: i64,
    name: &'a str,
    uscc: &'a str,
    stage: &'a str,
    county: &'a str,
    sector: &'a str,
    advisor: &'a str,
    readiness: i32,
    eligible: &'static str,
    next_stage: Option<&'a str>,
    /// Ticked for the bulk assignment (when a refused one is shown again).
    checked: bool,
}

/// The `<tr>`s of the firm list, each with a checkbox for the bulk assignment when `bulk`.
/// Written in Rust (see [`Html`]): with handlebars, fifty rows were most of the page's CPU.
fn list_rows_html(
    rows: &[ListRow<'_>],
    lang: Lang,
    bulk: bool,
) -> Result<String, handlebars::RenderError> {
    let mut h = Html::new(lang, rows.len() * 600);
    for r in rows {
        h.markup("<tr>");
        if bulk {
            h.markup("<td><input type=\"checkbox\" form=\"bulk\" name=\"ids\" value=\"")
                .number(r.id)
                .markup(if r.checked { "\" checked" } else { "\"" })
                .markup(" aria-label=\"")
                .words("coach.bulk.select")?
                .markup(" ")
                .text(r.name)
                .markup("\"></td>");
        }
        h.markup("<td><a href=\"/firms/")
            .number(r.id)
            .markup("\">")
            .text(r.name)
            .markup("</a></td><td><code>")
            .text(r.uscc)
            .markup("</code></td><td>")
            .words(&format!("stage.{}", r.stage))?
            .markup("</td><td>")
            .text(r.county)
            .markup("</td><td>")
            .text(r.sector)
            .markup("</td><td>")
            .text(r.advisor)
            .markup("</td><td class=\"num\">")
            .number(i64::from(r.readiness))
            .markup("</td><td>");
        if r.next_stage.is_some() {
            h.verdict(r.eligible)?;
        } else {
            h.markup("—");
        }
        h.markup("</td></tr>\n");
    }
    Ok(h.finish())
}

/// An `<option>` of a filter (`{{options list}}`).
#[derive(Serialize)]
struct Opt<'a> {
    value: Cow<'a, str>,
    name: Cow<'a, str>,
    selected: bool,
}

#[derive(Serialize)]
struct SortLink {
    href: String,
    mark: &'static str,
}

#[derive(Serialize)]
struct Pager {
    page: i64,
    pages: String,
    prev: Option<String>,
    next: Option<String>,
}

#[derive(Serialize)]
struct ListFilter<'a> {
    q: &'a str,
    rmin: &'a str,
    rmax: &'a str,
    industry: &'a str,
    sort: &'a str,
    dir: &'a str,
}

/// What `templates/pages/firms/list.hbs` shows, serialized once into the page's context.
#[derive(Serialize)]
struct ListView<'a> {
    filter: ListFilter<'a>,
    stages: Vec<Opt<'a>>,
    counties: Vec<Opt<'a>>,
    sectors: Vec<Opt<'a>>,
    advisors: Vec<Opt<'a>>,
    /// The rows, written by [`list_rows_html`].
    rows_html: String,
    total: String,
    sort_links: BTreeMap<&'static str, SortLink>,
    pager: Pager,
    can_create: bool,
    bulk: Value,
    /// The whole list as a file: `csv`, `xlsx`.
    exports: BTreeMap<&'static str, String>,
}

/// `GET /firms`.
pub async fn list(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: crate::web::auth::ListsUser,
    params: web::Query<ListParams>,
) -> Result<HttpResponse, WebError> {
    list_page(&req, &state, &user, params.into_inner(), None).await
}

/// `GET /firms/export?format=csv|xlsx&<the list's filter>`: every firm the list shows for
/// that filter (all pages), in its order, as a file in the user's language.
pub async fn export(
    state: web::Data<AppState>,
    user: crate::web::auth::ListsUser,
    format: web::Query<crate::web::export::FormatParam>,
    params: web::Query<ListParams>,
) -> Result<HttpResponse, WebError> {
    let format = format.parse()?;
    let params = params.into_inner();
    params.check().map_err(crate::app::AppError::from)?;
    let (p, lang) = (user.principal.clone(), user.lang);
    let now = chrono::Utc::now().naive_utc();
    crate::web::export::respond(&state, format, move |c, sink| {
        crate::app::firms::export::firm_list(c, &p, &params, lang, now, sink)
    })
    .await
    .map_err(WebError::from)
}

/// A refused bulk assignment, shown again on the list it came from: what was chosen and
/// ticked, and the problems beside their fields (`ids` for the ticks).
#[derive(Debug, Default)]
pub struct BulkAgain {
    /// The firms ticked.
    pub ids: Vec<i64>,
    /// The advisor chosen, as sent.
    pub advisor_id: String,
    /// The reason, as typed.
    pub reason: String,
    /// Problems by field, in the user's language; `""` for the top.
    pub errors: crate::web::forms::Errors,
    /// The page's status.
    pub status: StatusCode,
}

/// The firm list for `params`, with a refused bulk assignment shown again (`again`).
pub async fn list_page(
    req: &HttpRequest,
    state: &AppState,
    user: &crate::web::auth::CurrentUser,
    params: ListParams,
    again: Option<BulkAgain>,
) -> Result<HttpResponse, WebError> {
    let lang = user.lang;
    params.check().map_err(crate::app::AppError::from)?;
    let query = params.to_query();
    let p = user.principal.clone();
    let data = db(state, move |c| read::firm_list(c, &p, &query)).await?;
    let ticked: &[i64] = again.as_ref().map_or(&[], |a| a.ids.as_slice());

    let counties: HashMap<&str, &str> = data
        .counties
        .iter()
        .map(|c| (c.code.as_str(), name_of(lang, &c.name_zh, &c.name_en)))
        .collect();
    let sectors: HashMap<&str, &str> = data
        .sectors
        .iter()
        .map(|s| (s.code.as_str(), name_of(lang, &s.name_zh, &s.name_en)))
        .collect();
    let labels = crate::web::forms::advisor_labels(&data.advisors, lang);
    let advisors: HashMap<i64, &str> = labels.iter().map(|(id, l)| (*id, l.as_str())).collect();
    let rows: Vec<ListRow<'_>> = data
        .firms
        .iter()
        .map(|f| ListRow {
            id: f.id,
            name: &f.name,
            uscc: &f.uscc,
            stage: &f.stage,
            county: counties
                .get(f.county_code.as_str())
                .copied()
                .unwrap_or(&f.county_code),
            sector: f
                .sector_code
                .as_deref()
                .and_then(|s| sectors.get(s).copied())
                .unwrap_or(""),
            advisor: f
                .advisor_id
                .and_then(|a| advisors.get(&a).copied())
                .unwrap_or(""),
            readiness: f.readiness,
            eligible: eligible_key(f.next_eligible),
            next_stage: f.next_stage.as_deref(),
            checked: ticked.contains(&f.id),
        })
        .collect();

    let sort = params.sort_key();
    let desc = params.descending();
    let sort_links: BTreeMap<&'static str, SortLink> = SortKey::ALL
        .iter()
        .map(|k| {
            let mut p = params.clone();
            p.sort = k.id().to_string();
            p.dir = if *k == sort && desc {
                "asc"
            } else if *k == sort {
                "desc"
            } else {
                ""
            }
            .to_string();
            p.page = String::new();
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
                k.id(),
                SortLink {
                    href: p.href(),
                    mark,
                },
            )
        })
        .collect();

    let page_no = params.page_no();
    let total = data.total;
    let pages = ((total.count + PER_PAGE - 1) / PER_PAGE).max(1);
    let page_href = |n: i64| {
        let mut p = params.clone();
        p.page = if n == 1 { String::new() } else { n.to_string() };
        p.href()
    };
    let pager = Pager {
        page: page_no,
        // Past the counting cap the last page is unknown: "200+", and a full page has a next.
        pages: if total.capped {
            format!("{pages}+")
        } else {
            pages.to_string()
        },
        prev: (page_no > 1).then(|| page_href(page_no - 1)),
        next: (page_no < pages || (total.capped && data.firms.len() as i64 == PER_PAGE))
            .then(|| page_href(page_no + 1)),
    };

    let stage_opts: Vec<Opt<'_>> = Stage::ALL
        .iter()
        .map(|s| Opt {
            value: Cow::Borrowed(s.id()),
            name: Cow::Owned(i18n::text(lang, &format!("stage.{}", s.id()))),
            selected: params.stage.trim() == s.id(),
        })
        .collect();
    let county_opts: Vec<Opt<'_>> = data
        .counties
        .iter()
        .map(|c| Opt {
            value: Cow::Borrowed(&c.code),
            name: Cow::Borrowed(name_of(lang, &c.name_zh, &c.name_en)),
            selected: params.county.trim() == c.code,
        })
        .collect();
    let sector_opts: Vec<Opt<'_>> = data
        .sectors
        .iter()
        .map(|s| Opt {
            value: Cow::Borrowed(&s.code),
            name: Cow::Borrowed(name_of(lang, &s.name_zh, &s.name_en)),
            selected: params.sector.trim() == s.code,
        })
        .collect();
    let advisor_opts: Vec<Opt<'_>> = data
        .advisors
        .iter()
        .map(|u| {
            let id = u.id.to_string();
            Opt {
                selected: params.advisor.trim() == id,
                value: Cow::Owned(id),
                name: Cow::Borrowed(labels[&u.id].as_str()),
            }
        })
        .collect();

    let bulk = super::coaching::workload::bulk_form(
        &params,
        &data.advisors,
        data.total,
        &user.principal,
        lang,
        again.as_ref(),
    );
    let view = ListView {
        filter: ListFilter {
            q: &params.q,
            rmin: &params.rmin,
            rmax: &params.rmax,
            industry: &params.industry,
            sort: &params.sort,
            dir: &params.dir,
        },
        stages: stage_opts,
        counties: county_opts,
        sectors: sector_opts,
        advisors: advisor_opts,
        rows_html: list_rows_html(&rows, lang, !bulk.is_null()).map_err(|e| {
            WebError::from(crate::app::AppError::Internal(anyhow::anyhow!(
                "render the firm list's rows: {e}"
            )))
        })?,
        total: if total.capped {
            i18n::text(lang, "firms.list.total_capped").replace("{n}", &total.count.to_string())
        } else {
            total.count.to_string()
        },
        sort_links,
        pager,
        can_create: matches!(
            user.principal.role,
            crate::core::stage::Role::Admin
                | crate::core::stage::Role::Bureau
                | crate::core::stage::Role::County
        ),
        exports: ["csv", "xlsx"]
            .into_iter()
            .map(|f| (f, params.export_href(f)))
            .collect(),
        bulk,
    };
    render_page(
        req,
        lang,
        Some(user),
        "firms",
        "pages/firms/list",
        again.as_ref().map_or(StatusCode::OK, |a| a.status),
        &view,
    )
}

fn eligible_key(e: Option<bool>) -> &'static str {
    match e {
        Some(true) => "pass",
        Some(false) => "fail",
        None => "unknown",
    }
}

/// Fen as 万元 with two decimals, computed on integers; `—` when absent.
pub fn wan(fen: Option<i64>) -> String {
    fen.map_or_else(|| "—".to_string(), |f| Fen(f).wan_fixed(2))
}

/// A JSON value of an evaluation (`actual`, `required`) as text.
fn show_value(v: Option<&Value>) -> String {
    match v {
        None | Some(Value::Null) => "—".to_string(),
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
    }
}

/// `actual_zh`/`actual_en` (or `required_…`) for the language, falling back to the plain
/// English field for evaluations stored before both languages were rendered.
pub(crate) fn value_in(v: &Value, base: &str, lang: Lang) -> String {
    let key = format!("{base}_{}", lang.pick("zh", "en"));
    match v.get(&key) {
        Some(Value::String(s)) if !s.is_empty() => s.clone(),
        _ => show_value(v.get(base)),
    }
}

fn text_field(v: &Value, base: &str, lang: Lang) -> String {
    let key = format!(
        "{base}_{}",
        match lang {
            Lang::ZhCn => "zh",
            Lang::En => "en",
        }
    );
    v.get(&key)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

/// The `zh` or `en` field of an evaluation's entry, for the language.
fn text_of_lang(v: &Value, lang: Lang) -> String {
    v.get(lang.pick("zh", "en"))
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

fn evaluation_view(next: &NextEvaluation, lang: Lang) -> Value {
    match next {
        NextEvaluation::None => Value::Null,
        NextEvaluation::BadData { stage, error } => json!({
            "stage": stage.id(),
            "bad_data": crate::i18n::render(lang, &error.text),
            "criteria": [],
            "eligible": "unknown",
            "readiness": 0,
            "ruleset": "",
            "score": null,
        }),
        NextEvaluation::Evaluated { stage, json: ev } => {
            let criteria: Vec<Value> = ev
                .get("criteria")
                .and_then(Value::as_array)
                .map(|cs| {
                    cs.iter()
                        .map(|c| {
                            let status = match c.get("status").and_then(Value::as_str) {
                                Some("pass") => "pass",
                                Some("fail") => "fail",
                                _ => "unknown",
                            };
                            json!({
                                "id": c.get("id").and_then(Value::as_str).unwrap_or(""),
                                "status": status,
                                "label": text_field(c, "label", lang),
                                "actual": value_in(c, "actual", lang),
                                "required": value_in(c, "required", lang),
                                "explain": text_field(c, "explain", lang),
                                "gap": text_field(c, "gap", lang),
                            })
                        })
                        .collect()
                })
                .unwrap_or_default();
            let score = ev.get("score").filter(|s| !s.is_null()).map(|s| {
                json!({ "low": s.get("low").cloned().unwrap_or(Value::Null), "high": s.get("high").cloned().unwrap_or(Value::Null) })
            });
            // The readings the evaluation made (e.g. no industry code: the exclusion list was
            // not checked), in the reader's language.
            let assumptions: Vec<Value> = ev
                .get("assumptions")
                .and_then(Value::as_array)
                .map(|a| a.iter().map(|x| json!(text_of_lang(x, lang))).collect())
                .unwrap_or_default();
            let mut view = json!({
                "stage": stage.id(),
                "bad_data": null,
                "assumptions": assumptions,
                "ruleset": ev.get("ruleset").and_then(Value::as_str).unwrap_or(""),
                "eligible": eligible_key(ev.get("eligible").and_then(Value::as_bool)),
                "readiness": ev.get("readiness").cloned().unwrap_or(json!(0)),
                "score": score,
            });
            view["criteria"] = Value::Array(criteria);
            view
        }
    }
}

pub(crate) fn firm_view(page: &FirmPage, lang: Lang) -> Value {
    let f = &page.firm;
    let years: Vec<Value> = page
        .years
        .iter()
        .map(|y| {
            json!({
                "year": y.year,
                "revenue": wan(y.revenue),
                "rd_expense": wan(y.rd_expense),
                "high_tech_revenue": wan(y.high_tech_revenue),
                "total_cost": wan(y.total_cost),
                "total_assets": wan(y.total_assets),
                "net_assets": wan(y.net_assets),
                "total_income": wan(y.total_income),
                "conversions": y.conversions.map_or("—".to_string(), |c| c.to_string()),
            })
        })
        .collect();
    let ip: Vec<Value> = page
        .ip_counts
        .iter()
        .map(|(k, n)| json!({ "kind": k, "count": n }))
        .collect();
    let credentials: Vec<Value> = page
        .credentials
        .iter()
        .map(|c| {
            let in_force = c.status == "active"
                && c.valid_from <= page.as_of
                && c.valid_until.is_none_or(|u| page.as_of < u);
            json!({
                "kind": c.kind,
                "number": c.number.clone().unwrap_or_default(),
                "issued_on": c.issued_on.map(|d| d.to_string()).unwrap_or_default(),
                "valid_from": c.valid_from.to_string(),
                "valid_until": c.valid_until.map(|d| d.to_string()).unwrap_or_default(),
                "status": c.status,
                "in_force": in_force,
            })
        })
        .collect();
    let timeline: Vec<Value> = page
        .events
        .iter()
        .enumerate()
        .map(|(i, e)| {
            let until = page.events.get(i + 1).map_or(page.as_of, |n| n.as_of);
            let actor = match e.actor_id {
                Some(id) => page
                    .actors
                    .get(&id)
                    .map_or_else(|| format!("#{id}"), |u| u.display_name.clone()),
                None => String::new(),
            };
            json!({
                "seq": e.seq,
                "event": e.event,
                "from": e.from_stage,
                "to": e.to_stage,
                "as_of": e.as_of.to_string(),
                "recorded": crate::core::clock::china_minute(e.occurred_at),
                "actor": actor,
                "role": e.actor_role,
                "reason": e.reason.clone().unwrap_or_default(),
                "days": (until - e.as_of).num_days().max(0),
                "current": i + 1 == page.events.len(),
            })
        })
        .collect();
    let mut view = json!({
        "firm": {
            "id": f.id,
            "name": f.name,
            "uscc": f.uscc,
            "stage": f.stage,
            "version": f.version,
            "county": page.county.as_ref().map_or(f.county_code.clone(), |c| name_of(lang, &c.name_zh, &c.name_en).to_string()),
            "sector": page.sector.as_ref().map_or(String::new(), |s| name_of(lang, &s.name_zh, &s.name_en).to_string()),
            "founded_on": f.founded_on.map(|d| d.to_string()).unwrap_or_default(),
            "advisor": page.advisor.as_ref().map_or(String::new(), |u| u.display_name.clone()),
            "contact_name": f.contact_name.clone().unwrap_or_default(),
            "contact_phone": f.contact_phone.clone().unwrap_or_default(),
            "contact_email": f.contact_email.clone().unwrap_or_default(),
            "employees": f.employees.map_or("—".to_string(), |n| n.to_string()),
            "tech_staff": f.tech_staff.map_or("—".to_string(), |n| n.to_string()),
            "readiness": f.readiness,
            "industry_code": f.industry_code.clone().unwrap_or_default(),
        },
        "record": record_view(page),
        "hte_route": hte_route(page),
        "can_edit": page.access == crate::app::access::FirmAccess::Edit,
        "as_of": page.as_of.to_string(),
    });
    // Moved in, not through `json!`, which would copy each of them once more.
    view["years"] = Value::Array(years);
    view["ip"] = Value::Array(ip);
    view["ip_items"] = Value::Array(
        page.ip_items
            .iter()
            .map(|i| {
                json!({
                    "id": i.id,
                    "kind": i.kind,
                    "number": i.number,
                    "title": i.title,
                    "granted_on": i.granted_on.map(|d| d.to_string()).unwrap_or_default(),
                    "acquisition": i.acquisition,
                })
            })
            .collect(),
    );
    view["credentials"] = Value::Array(credentials);
    view["timeline"] = Value::Array(timeline);
    view["evaluation"] = evaluation_view(&page.next, lang);
    view
}

/// The record flags and direct routes that are set, each with who set it and when (a value
/// set before marks were kept shows no one).
fn record_view(page: &FirmPage) -> Vec<Value> {
    let facts = page.firm.parsed_facts().unwrap_or_default();
    crate::app::firms::record::RECORD_FACTS
        .iter()
        .filter_map(|fact| {
            let value = crate::app::firms::record::value_of(&facts, fact)?;
            let mark = page
                .fact_marks
                .iter()
                .find(|m| m.fact == *fact && m.value == Some(value));
            let by = mark.and_then(|m| m.set_by).map(|id| {
                page.actors
                    .get(&id)
                    .map_or_else(|| format!("#{id}"), |u| u.display_name.clone())
            });
            Some(json!({
                "fact": fact,
                "value": if value { "yes" } else { "no" },
                "marked": mark.is_some(),
                "by": by.unwrap_or_default(),
                "role": mark.map(|m| m.set_role.clone()).unwrap_or_default(),
                "at": mark.map(|m| crate::core::clock::china_minute(m.set_at)).unwrap_or_default(),
            }))
        })
        .collect()
}

/// The valid-HTE direct route as recorded: the number of the active HTE certificate, if any.
fn hte_route(page: &FirmPage) -> Value {
    page.credentials
        .iter()
        .filter(|c| c.kind == "hte" && c.status == "active")
        .max_by_key(|c| (c.valid_from, c.id))
        .map_or(
            Value::Null,
            |c| json!({ "number": c.number.clone().unwrap_or_default() }),
        )
}

/// `GET /firms/{id}`: 404 for a firm that does not exist or is outside the viewer's territory.
/// `?done=…` on the firm page, after a form or a stage action sent the browser back to it.
#[derive(Debug, Default, serde::Deserialize)]
pub struct Shown {
    /// What was just done: one of [`DONE`].
    #[serde(default)]
    pub done: String,
}

/// What the firm page can say was just done (`done.<key>` in the catalogs).
pub const DONE: &[&str] = &[
    "firm_created",
    "firm_saved",
    "year_saved",
    "ip_added",
    "ip_updated",
    "ip_removed",
    "event_done",
    "followup_logged",
    "followup_changed",
    "advisor_assigned",
    "issue_raised",
    "issue_updated",
];

/// The firm page at `anchor` saying `done` (one of [`DONE`]).
pub fn done_href(id: i64, done: &str, anchor: &str) -> String {
    if anchor.is_empty() {
        format!("/firms/{id}?done={done}")
    } else {
        format!("/firms/{id}?done={done}#{anchor}")
    }
}

pub async fn show(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: FirmsUser,
    id: web::Path<String>,
    shown: web::Query<Shown>,
) -> Result<HttpResponse, WebError> {
    let lang = user.lang;
    let id = super::path_id(&id)?;
    let p = user.principal.clone();
    let now = chrono::Utc::now().naive_utc();
    let (page, coaching, applications) = db(&state, move |c| {
        let page = read::firm_page(c, &p, id)?;
        let coaching = crate::app::coaching::read::firm_coaching_of(
            c,
            &p,
            page.firm.clone(),
            page.access,
            now,
            &page.actors,
        )?;
        let applications = super::applications::firm_section_data(c, &p, &page.firm, now)?;
        Ok((page, coaching, applications))
    })
    .await?;
    let mut data = firm_view(&page, lang);
    data["tools"] = super::firms::forms::tools(&page, &user.principal);
    // After a save or a stage event: say what happened (a key the catalogs know; another is
    // ignored).
    if let Some(words) = DONE
        .iter()
        .find(|k| **k == shown.done.trim())
        .and_then(|k| crate::i18n::lookup(lang, &format!("done.{k}")))
    {
        data["notice"] = json!(words);
    }
    data["coaching"] =
        super::coaching::firm_section(&coaching, lang, crate::core::clock::china_date(now));
    data["applications"] = super::applications::firm_section(&applications, lang);
    render(
        &req,
        lang,
        Some(&user),
        "firms",
        "pages/firms/show",
        StatusCode::OK,
        data,
    )
}
