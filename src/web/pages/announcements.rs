//! The announcement-list page (issue 15, part 7) for the bureau and admins:
//! `GET /imports/announcements` (the columns read and the upload form) and
//! `POST /imports/announcements` (a multipart upload, checked as a dry run or recorded; the
//! report on the same page). A list of 5,000 firms is recorded in seconds, so the answer
//! waits for it.

use crate::app::error::AppError;
use crate::app::export::Format;
use crate::app::imports::announce::{
    self, field_text, kind_text, outcome_text, AnnounceOptions, AnnouncementReport,
};
use crate::core::error::Text;
use crate::core::registry::announce::ListField;
use crate::i18n::{self, Lang};
use crate::web::auth::AnnouncementsUser;
use crate::web::error::WebError;
use crate::web::export::table;
use crate::web::files as upload;
use crate::web::pages::render;
use crate::web::{db, AppState};
use actix_multipart::Multipart;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::{json, Value};

/// The largest list taken (a list of 100,000 firms as XLSX is a few MB).
const MAX_BYTES: u64 = 32 * 1024 * 1024;

/// How many recorded firms the page lists (the counts cover them all; every row that needs
/// attention is listed).
const LISTED: usize = 200;

fn mapping(lang: Lang) -> Vec<Value> {
    ListField::ALL
        .into_iter()
        .map(|f| {
            json!({
                "field": i18n::render(lang, &field_text(f)),
                "names": f.names().join(" / "),
            })
        })
        .collect()
}

fn page(
    req: &HttpRequest,
    user: &AnnouncementsUser,
    status: StatusCode,
    report: Option<Value>,
    error: Option<String>,
) -> Result<HttpResponse, WebError> {
    let lang = user.lang;
    render(
        req,
        lang,
        Some(user),
        "imports",
        "pages/imports/announcements",
        status,
        json!({
            "mapping": mapping(lang),
            "report": report,
            "error": error,
        }),
    )
}

/// `GET /imports/announcements`: the columns read and the upload form.
pub async fn show(req: HttpRequest, user: AnnouncementsUser) -> Result<HttpResponse, WebError> {
    page(&req, &user, StatusCode::OK, None, None)
}

fn report_json(lang: Lang, r: &AnnouncementReport) -> Value {
    let entry = |e: &announce::EntryReport| {
        json!({
            "row": e.row,
            "uscc": e.uscc,
            "name": e.name,
            "number": e.number,
            "firm_id": e.firm_id,
            "code": e.outcome.code(),
            "outcome": i18n::render(lang, &outcome_text(&e.outcome)),
        })
    };
    let applied: Vec<&announce::EntryReport> = r
        .entries
        .iter()
        .filter(|e| matches!(e.outcome, announce::EntryOutcome::Applied { .. }))
        .collect();
    let note = if r.dry_run {
        "announce.dry_run"
    } else if r.committed {
        "announce.committed"
    } else {
        "announce.nothing_read"
    };
    json!({
        "kind": r.kind.map(|k| i18n::render(lang, &kind_text(k))),
        "summary": i18n::render(lang, &r.summary()),
        "note": i18n::text(lang, note),
        "errors": r.errors.iter().map(|e| json!({
            "row": e.row,
            "column": e.column,
            "header": e.header,
            "value": e.value,
            "message": i18n::render(lang, &e.text),
        })).collect::<Vec<_>>(),
        "attention": r.attention().map(entry).collect::<Vec<_>>(),
        "applied": applied.iter().take(LISTED).map(|e| entry(e)).collect::<Vec<_>>(),
        "more": (applied.len() > LISTED).then(|| i18n::render(lang,
            &Text::new("import.cli.more").plain("n", applied.len() - LISTED))),
        "columns": r.columns.iter().map(|c| json!({
            "header": c.header,
            "field": i18n::render(lang, &field_text(c.field)),
        })).collect::<Vec<_>>(),
        "ignored": r.ignored_headers,
    })
}

/// The rows of a list not recorded or to check, for a download: the rows with problems and
/// the entries that need attention, in file order, under one header.
fn not_recorded(lang: Lang, r: &AnnouncementReport) -> Vec<Vec<String>> {
    let t = |key: &'static str| i18n::text(lang, key);
    let mut rows: Vec<(usize, Vec<String>)> = r
        .errors
        .iter()
        .map(|e| {
            let message = i18n::render(lang, &e.text);
            (
                e.row,
                vec![
                    e.row.to_string(),
                    String::new(),
                    String::new(),
                    e.value.clone(),
                    format!("{} {}: {message}", e.column, e.header),
                ],
            )
        })
        .chain(r.attention().map(|e| {
            (
                e.row,
                vec![
                    e.row.to_string(),
                    e.uscc.clone(),
                    e.name.clone(),
                    e.number.clone(),
                    i18n::render(lang, &outcome_text(&e.outcome)),
                ],
            )
        }))
        .collect();
    rows.sort_by_key(|(row, _)| *row);
    let header = vec![
        t("import.report.row"),
        t("import.field.uscc"),
        t("import.field.name"),
        t("announce.page.number"),
        t("announce.page.outcome"),
    ];
    std::iter::once(header)
        .chain(rows.into_iter().map(|(_, r)| r))
        .collect()
}

/// `POST /imports/announcements`: check the uploaded list (`mode=dry_run`, the default) or
/// record it (`mode=commit`); the page again with the report. `mode=report_csv` or
/// `report_xlsx` checks it and answers the rows not recorded as a file.
pub async fn upload(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: AnnouncementsUser,
    payload: Multipart,
) -> Result<HttpResponse, WebError> {
    let lang = user.lang;
    let form = upload::upload_form(&req, payload, MAX_BYTES, &["mode"]).await?;
    if form.too_large.is_some() {
        let msg = i18n::render(
            lang,
            &Text::new("announce.page.too_large").plain("mb", MAX_BYTES / 1024 / 1024),
        );
        return page(&req, &user, StatusCode::PAYLOAD_TOO_LARGE, None, Some(msg));
    }
    let mode = form.text("mode").to_string();
    let options = AnnounceOptions {
        // A download of the rows not recorded checks the list as a dry run.
        dry_run: mode != "commit",
    };
    let Some(file) = form.file.filter(|f| !upload::is_empty(&f.file)) else {
        let msg = i18n::text(lang, "import.error.empty_file");
        return page(&req, &user, StatusCode::BAD_REQUEST, None, Some(msg));
    };
    let p = user.principal.clone();
    let done = db(&state, move |c| {
        let bytes = upload::read_all(file.file)?;
        announce::import_announcements(c, &bytes, options, &p, &mut |_, _| {})
    })
    .await;
    match done {
        Ok(r) if r.kind.is_some() && matches!(mode.as_str(), "report_csv" | "report_xlsx") => {
            let format = if mode == "report_csv" {
                Format::Csv
            } else {
                Format::Xlsx
            };
            table::download(format, "list-not-recorded", &not_recorded(lang, &r))
        }
        Ok(r) => {
            let status = if r.kind.is_none() {
                StatusCode::UNPROCESSABLE_ENTITY
            } else {
                StatusCode::OK
            };
            page(&req, &user, status, Some(report_json(lang, &r)), None)
        }
        Err(AppError::BadInput(e)) => {
            let msg = i18n::render(lang, &e.text);
            page(&req, &user, StatusCode::BAD_REQUEST, None, Some(msg))
        }
        Err(e) => Err(e.into()),
    }
}
