//! `GET /firms/{id}/whatif?…`: change some figures and see the next stage's verdict, score
//! range and readiness beside today's. The form is a GET: nothing is saved, nothing needs a
//! CSRF token, and the link can be shared.

use crate::app::firms::insights::{self, WhatIfChanges};
use crate::core::error::InputError;
use crate::core::eval::Evaluation;
use crate::i18n::Lang;
use crate::web::auth::FirmsUser;
use crate::web::error::WebError;
use crate::web::forms::{field, values, FieldErrors, Kind, Lists, Shown};
use crate::web::pages::{path_id, render};
use crate::web::{db, AppState};
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

const FIELDS: &[(&str, Kind)] = &[
    ("year", Kind::Int),
    ("revenue", Kind::Money),
    ("rd_expense", Kind::Money),
    ("high_tech_revenue", Kind::Money),
    ("conversions", Kind::Int),
    ("employees", Kind::Int),
    ("tech_staff", Kind::Int),
    ("ip_class_one", Kind::Int),
    ("ip_class_two", Kind::Int),
];

/// The what-if form (a GET), as typed; blank fields keep the recorded values.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct WhatIfForm {
    /// Fiscal year; absent: the year the evaluation uses.
    pub year: Option<String>,
    /// Revenue, in 万元.
    pub revenue: String,
    /// R&D expense, in 万元.
    pub rd_expense: String,
    /// High-tech revenue, in 万元.
    pub high_tech_revenue: String,
    /// Conversions of results.
    pub conversions: String,
    /// Head count.
    pub employees: String,
    /// Technical staff.
    pub tech_staff: String,
    /// Class I IP items.
    pub ip_class_one: String,
    /// Class II IP items.
    pub ip_class_two: String,
}

impl WhatIfForm {
    /// The changes that parsed and the problems with the rest: the page shows the recorded
    /// figures of the typed year even when another field is wrong.
    pub fn read(&self) -> (WhatIfChanges, FieldErrors) {
        let mut e = FieldErrors::checked(self, &[]);
        let changes = WhatIfChanges {
            year: e.int("year", self.year.as_deref().unwrap_or_default(), true),
            revenue: e.money("revenue", &self.revenue, false),
            rd_expense: e.money("rd_expense", &self.rd_expense, false),
            high_tech_revenue: e.money("high_tech_revenue", &self.high_tech_revenue, false),
            employees: e.count("employees", &self.employees),
            tech_staff: e.count("tech_staff", &self.tech_staff),
            ip_class_one: e.count("ip_class_one", &self.ip_class_one),
            ip_class_two: e.count("ip_class_two", &self.ip_class_two),
            conversions: e.count("conversions", &self.conversions),
        };
        (changes, e)
    }
}

fn verdict(e: Option<bool>) -> &'static str {
    match e {
        Some(true) => "pass",
        Some(false) => "fail",
        None => "unknown",
    }
}

fn summary(ev: Option<&Result<Evaluation, InputError>>, lang: Lang) -> Value {
    match ev {
        None => Value::Null,
        Some(Err(e)) => json!({
            "bad_data": crate::i18n::render(lang, &e.text), "eligible": "unknown", "readiness": 0,
            "score": "—",
        }),
        Some(Ok(ev)) => json!({
            "bad_data": "",
            "eligible": verdict(ev.eligible),
            "readiness": ev.readiness,
            "score": ev.score.map_or_else(|| "—".to_string(), |s| if s.low == s.high {
                s.low.to_string()
            } else {
                format!("{}–{}", s.low, s.high)
            }),
        }),
    }
}

fn criteria(
    today: Option<&Result<Evaluation, InputError>>,
    changed: Option<&Result<Evaluation, InputError>>,
    lang: Lang,
) -> Vec<Value> {
    let json_of = |e: Option<&Result<Evaluation, InputError>>| match e {
        Some(Ok(ev)) => ev.to_json(),
        _ => Value::Null,
    };
    let (t, c) = (json_of(today), json_of(changed));
    let list = |v: &Value| v.get("criteria").and_then(Value::as_array).cloned();
    let (Some(ts), cs) = (list(&t), list(&c)) else {
        return Vec::new();
    };
    let cs = cs.unwrap_or_default();
    let text = |v: &Value, k: &str| {
        let key = format!("{k}_{}", lang.pick("zh", "en"));
        v.get(&key)
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string()
    };
    let status = |v: Option<&Value>| match v.and_then(|x| x.get("status")).and_then(Value::as_str) {
        Some("pass") => "pass",
        Some("fail") => "fail",
        _ => "unknown",
    };
    let actual = |v: Option<&Value>| match v {
        Some(x) => crate::web::pages::firms::value_in(x, "actual", lang),
        None => "—".to_string(),
    };
    ts.iter()
        .map(|tc| {
            let id = tc.get("id").and_then(Value::as_str).unwrap_or("");
            let cc = cs
                .iter()
                .find(|x| x.get("id").and_then(Value::as_str) == Some(id));
            let (st, sc) = (status(Some(tc)), status(cc));
            json!({
                "id": id,
                "label": text(tc, "label"),
                "today": st,
                "today_actual": actual(Some(tc)),
                "changed": sc,
                "changed_actual": actual(cc),
                "differs": st != sc,
                "explain": cc.map(|x| text(x, "explain")).unwrap_or_default(),
            })
        })
        .collect()
}

/// `GET /firms/{id}/whatif`: the what-if form and, side by side, the evaluation as recorded
/// and with the typed changes (blank fields keep the recorded values).
pub async fn show(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: FirmsUser,
    id: web::Path<String>,
    q: web::Query<WhatIfForm>,
) -> Result<HttpResponse, WebError> {
    let lang = user.lang;
    let id = path_id(&id)?;
    let form = q.into_inner();
    let (changes, problems) = form.read();
    let errors = problems.in_lang(lang);
    let p = user.principal.clone();
    let asked = changes.clone();
    let w = db(&state, move |c| insights::what_if(c, &p, id, &asked)).await?;
    let year = w.year;
    let recorded_year = w.profile.financials.iter().find(|y| y.year == year);
    let wan = |f: Option<crate::core::money::Fen>| crate::web::pages::firms::wan(f.map(|x| x.0));
    let count = |n: Option<u32>| n.map_or_else(|| "—".to_string(), |v| v.to_string());
    let hints: [(&str, String); 9] = [
        ("year", String::new()),
        ("revenue", wan(recorded_year.and_then(|y| y.revenue))),
        ("rd_expense", wan(recorded_year.and_then(|y| y.rd_expense))),
        (
            "high_tech_revenue",
            wan(recorded_year.and_then(|y| y.high_tech_revenue)),
        ),
        (
            "conversions",
            count(w.profile.conversions.get(&year).copied()),
        ),
        ("employees", count(w.profile.employees)),
        ("tech_staff", count(w.profile.tech_staff)),
        ("ip_class_one", count(w.profile.ip.class_one)),
        ("ip_class_two", count(w.profile.ip.class_two)),
    ];
    let mut typed = values(&form);
    if form.year.is_none() {
        typed.insert("year".to_string(), year.to_string());
    }
    let shown = Shown {
        values: &typed,
        errors: &errors,
        lang,
        lists: &Lists::default(),
    };
    let fields: Vec<Value> = FIELDS
        .iter()
        .map(|(n, k)| {
            let mut f = field(n, *k, shown);
            if let Some((_, h)) = hints.iter().find(|(hn, _)| hn == n) {
                f["hint"] = Value::String(h.clone());
            }
            f
        })
        .collect();
    let changed = if errors.is_empty() && !changes.is_empty() {
        w.changed.as_ref()
    } else {
        None
    };
    render(
        &req,
        lang,
        Some(&user),
        "firms",
        "pages/firms/whatif",
        StatusCode::OK,
        json!({
            "firm": { "id": w.firm.id, "name": w.firm.name, "uscc": w.firm.uscc, "stage": w.firm.stage, "version": w.firm.version },
            "action": format!("/firms/{}/whatif", w.firm.id),
            "next_stage": w.next.map(|(s, _)| s.id()).unwrap_or(""),
            "ruleset": w.next.map(|(_, r)| r.id()).unwrap_or(""),
            "as_of": w.as_of.to_string(),
            "fields": fields,
            "has_changes": changed.is_some(),
            "today": summary(w.today.as_ref(), lang),
            "changed": summary(changed, lang),
            "criteria": criteria(w.today.as_ref(), changed, lang),
        }),
    )
}
