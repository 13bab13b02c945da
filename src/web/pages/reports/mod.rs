//! The bureau's reports (issue 15): the yearly targets form (`/targets`) and the targets
//! dashboard drawn into `/` for the bureau and county officers ([`board`]).

pub mod board;
pub mod scorecard;
pub mod should_register;

use crate::app::reports::targets::{self, field, parse_value, Values, CITY, YEARS};
use crate::app::{today, AppError};
use crate::core::targets::Metric;
use crate::i18n::{self, Lang};
use crate::web::auth::TargetsUser;
use crate::web::error::WebError;
use crate::web::forms::Errors;
use crate::web::pages::{render, see_other};
use crate::web::session::CsrfForm;
use crate::web::{db, AppState};
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::Datelike;
use serde::Deserialize;
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// `?year=` of the targets page.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct YearQuery {
    /// The year; this year when absent or not a year.
    pub year: String,
    /// `saved` after a save.
    pub done: String,
}

fn year_or_this(raw: &str) -> i32 {
    raw.trim()
        .parse::<i32>()
        .ok()
        .filter(|y| (YEARS.0..=YEARS.1).contains(y))
        .unwrap_or_else(|| today().year())
}

/// The form's rows: the city, then each county, each with a cell per metric as typed.
fn rows(
    lang: Lang,
    counties: &[crate::app::model::County],
    typed: &BTreeMap<String, String>,
    errors: &Errors,
) -> Vec<Value> {
    let place = |code: &str, name: String| {
        let cells: Vec<Value> = Metric::ALL
            .iter()
            .map(|m| {
                let f = field(code, *m);
                json!({
                    "name": f,
                    "value": typed.get(&f).cloned().unwrap_or_default(),
                    "error": errors.get(&f).cloned().unwrap_or_default(),
                    "label": format!("{name} · {}", i18n::text(lang, m.key())),
                })
            })
            .collect();
        json!({"name": name, "cells": cells})
    };
    std::iter::once(place(CITY, i18n::text(lang, "targets.city")))
        .chain(
            counties
                .iter()
                .map(|c| place(&c.code, lang.pick(&c.name_zh, &c.name_en).to_string())),
        )
        .collect()
}

#[allow(clippy::too_many_arguments)]
fn page(
    req: &HttpRequest,
    user: &TargetsUser,
    status: StatusCode,
    year: i32,
    counties: &[crate::app::model::County],
    typed: &BTreeMap<String, String>,
    errors: &Errors,
    saved: bool,
) -> Result<HttpResponse, WebError> {
    let lang = user.lang;
    let this = today().year();
    render(
        req,
        lang,
        Some(user),
        "targets",
        "pages/reports/targets",
        status,
        json!({
            "year": year,
            "years": (this - 2..=this + 3).collect::<Vec<_>>(),
            "metrics": Metric::ALL.iter().map(|m| i18n::text(lang, m.key())).collect::<Vec<_>>(),
            "rows": rows(lang, counties, typed, errors),
            "err": errors,
            "saved": saved,
        }),
    )
}

/// `GET /targets?year=`: the targets of a year, city and counties, as a form.
pub async fn form(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: TargetsUser,
    q: web::Query<YearQuery>,
) -> Result<HttpResponse, WebError> {
    let year = year_or_this(&q.year);
    let (values, counties) = db(&state, move |c| targets::targets_of(c, year)).await?;
    let typed = values
        .iter()
        .map(|((county, m), v)| (field(county, *m), v.to_string()))
        .collect();
    page(
        &req,
        &user,
        StatusCode::OK,
        year,
        &counties,
        &typed,
        &Errors::new(),
        q.done == "saved",
    )
}

/// `POST /targets`: save a year's targets (blank: none); every field's error at once, beside
/// it, and nothing saved while any is wrong.
pub async fn save(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: TargetsUser,
    form: CsrfForm<BTreeMap<String, String>>,
) -> Result<HttpResponse, WebError> {
    let typed = form.0;
    let year = year_or_this(typed.get("year").map_or("", String::as_str));
    let (_, counties) = db(&state, move |c| targets::targets_of(c, year)).await?;
    let mut values = Values::new();
    let mut errors = Errors::new();
    for code in std::iter::once(CITY).chain(counties.iter().map(|c| c.code.as_str())) {
        for m in Metric::ALL {
            let f = field(code, m);
            match parse_value(&f, typed.get(&f).map_or("", String::as_str)) {
                Ok(Some(v)) => {
                    values.insert((code.to_string(), m), v);
                }
                Ok(None) => {}
                Err(e) => {
                    errors.insert(f, i18n::render(user.lang, &e.text));
                }
            }
        }
    }
    if errors.is_empty() {
        let p = user.principal.clone();
        match db(&state, move |c| targets::set_targets(c, &p, year, &values)).await {
            Ok(()) => return Ok(see_other(&format!("/targets?year={year}&done=saved"))),
            Err(AppError::BadInput(e)) => {
                errors.insert(e.field.clone(), i18n::render(user.lang, &e.text));
            }
            Err(e) => return Err(e.into()),
        }
    }
    errors.insert(
        "form".to_string(),
        i18n::text(user.lang, "targets.error.form"),
    );
    page(
        &req,
        &user,
        StatusCode::BAD_REQUEST,
        year,
        &counties,
        &typed,
        &errors,
        false,
    )
}
