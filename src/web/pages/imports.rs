//! The registry import page (issue 15, part 6) for the bureau and county officers:
//! `GET /imports` (the header mapping, the template files, the upload form and the recent
//! runs), `POST /imports` (a multipart upload stored as a run, dry run or commit, started on a
//! thread of this process; 303 to the run), `GET /imports/runs/{id}` (where the run is, the
//! page reloading itself while it runs, then its report), `POST /imports/runs/{id}/commit`
//! (commit the file of a dry run, without a new upload), `GET /imports/runs/{id}/report.csv`
//! and `.xlsx` (the error report, every row) and `GET /imports/template.{csv,xlsx}`.
//!
//! Runs live in the database (`app::imports::runs`), so any process shows any run.

use crate::app::error::AppError;
use crate::app::export::Format;
use crate::app::imports::runs::{self, RunStatus, RunView, StoredReport};
use crate::app::imports::{field_text, ImportOptions};
use crate::app::today;
use crate::core::clock::china_minute;
use crate::core::document::clean_name;
use crate::core::error::Text;
use crate::core::registry::headers::{template_header, Field};
use crate::i18n::{self, Lang};
use crate::web::auth::{Area, ImportsUser};
use crate::web::error::WebError;
use crate::web::export::table;
use crate::web::files;
use crate::web::pages::{path_id, render, see_other};
use crate::web::session::CsrfForm;
use crate::web::{db, AppState};
use actix_multipart::Multipart;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::Datelike;
use serde::Deserialize;
use serde_json::{json, Value};

/// The largest registry file taken (a 100,000-firm XLSX is about 10 MB).
const MAX_BYTES: u64 = 64 * 1024 * 1024;

/// How many row errors a run's page lists (the downloads carry them all).
const LISTED_ERRORS: usize = 500;

/// How often the page of a run in progress reloads itself, in seconds.
const REFRESH_SECONDS: u32 = 2;

fn mapping(lang: Lang) -> Vec<Value> {
    Field::ALL
        .into_iter()
        .map(|f| {
            json!({
                "field": i18n::render(lang, &field_text(f)),
                "names": f.names().join(" / "),
                "amount": f.is_amount(),
            })
        })
        .collect()
}

fn page(
    req: &HttpRequest,
    user: &ImportsUser,
    status: StatusCode,
    runs: &[RunView],
    error: Option<String>,
) -> Result<HttpResponse, WebError> {
    let lang = user.lang;
    render(
        req,
        lang,
        Some(user),
        "imports",
        "pages/imports/show",
        status,
        json!({
            "mapping": mapping(lang),
            "runs": runs.iter().map(|r| run_line(lang, r)).collect::<Vec<_>>(),
            "error": error,
            "county_only": user.principal.county_code.is_some(),
            "announcements": Area::Announcements.allows(user.principal.role),
        }),
    )
}

async fn recent_runs(state: &AppState, user: &ImportsUser) -> Result<Vec<RunView>, WebError> {
    let p = user.principal.clone();
    Ok(db(state, move |c| runs::recent(c, &p)).await?)
}

/// `GET /imports`: the mapping, the templates, the upload form and the recent runs.
pub async fn show(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: ImportsUser,
) -> Result<HttpResponse, WebError> {
    let runs = recent_runs(&state, &user).await?;
    page(&req, &user, StatusCode::OK, &runs, None)
}

fn mode_text(dry_run: bool) -> Text {
    Text::new(if dry_run {
        "import.run.mode.dry_run"
    } else {
        "import.run.mode.commit"
    })
}

/// A run as one line of a list, or the head of its page.
fn run_line(lang: Lang, r: &RunView) -> Value {
    json!({
        "id": r.id,
        "href": format!("/imports/runs/{}", r.id),
        "file_name": r.file_name,
        "by": r.by,
        "size_kb": (r.size + 1023) / 1024,
        "mode": i18n::render(lang, &mode_text(r.dry_run)),
        "status": i18n::render(lang, &r.status.text()),
        "status_id": r.status.id(),
        "created_at": china_minute(r.created_at),
        "updated_at": china_minute(r.updated_at),
    })
}

fn report_json(lang: Lang, r: &StoredReport) -> Value {
    let errors: Vec<Value> = r
        .errors
        .iter()
        .take(LISTED_ERRORS)
        .map(|e| {
            json!({"row": e.row, "column": e.column, "header": e.header, "value": e.value,
                "message": e.message.pick(lang)})
        })
        .collect();
    let changes: Vec<Value> = r
        .changes
        .iter()
        .map(|c| {
            let fields: Vec<Value> = c
                .fields
                .iter()
                .map(|f| {
                    json!({"field": f.field.pick(lang), "year": f.year, "before": f.before,
                        "after": f.after})
                })
                .collect();
            json!({"row": c.row, "uscc": c.uscc, "name": c.name, "new": c.new, "fields": fields})
        })
        .collect();
    let note = if r.dry_run {
        Text::new("import.page.dry_run_done")
    } else if r.committed && r.rejected > 0 {
        Text::new("import.cli.skipped_committed").plain("rejected", r.rejected)
    } else if r.committed {
        Text::new("import.cli.committed")
    } else if r.rejected > 0 {
        Text::new("import.page.nothing_committed").plain("rejected", r.rejected)
    } else {
        Text::new("import.page.nothing_to_do")
    };
    json!({
        "summary": i18n::render(lang, &Text::new("import.cli.summary")
            .plain("rows", r.data_rows)
            .plain("new", r.new)
            .plain("updated", r.updated)
            .plain("unchanged", r.unchanged)
            .plain("rejected", r.rejected)
            .plain("totals", r.totals)),
        "note": i18n::render(lang, &note),
        "refused": r.refused,
        "errors": errors,
        "errors_more": (r.errors.len() > LISTED_ERRORS).then(|| i18n::render(lang,
            &Text::new("import.run.more_errors").plain("n", r.errors.len() - LISTED_ERRORS))),
        "changes": changes,
        "more": (r.changes_total > r.changes.len()).then(|| i18n::render(lang,
            &Text::new("import.cli.more").plain("n", r.changes_total - r.changes.len()))),
        "columns": r.columns.iter().map(|c| json!({
            "header": c.header,
            "field": c.field.pick(lang),
            "year": c.year,
        })).collect::<Vec<_>>(),
        "ignored": r.ignored,
    })
}

/// `POST /imports`: store the uploaded registry as a run, a dry run (`mode=dry_run`, the
/// default) or a commit (`mode=commit`, all-or-nothing unless `skip_bad_rows`), start it on a
/// thread of this process, and send the browser to the run's page.
pub async fn upload(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: ImportsUser,
    payload: Multipart,
) -> Result<HttpResponse, WebError> {
    let lang = user.lang;
    let form = files::upload_form(&req, payload, MAX_BYTES, &["mode", "skip_bad_rows"]).await?;
    let commit = form.text("mode") == "commit";
    let skip_bad_rows = !form.text("skip_bad_rows").is_empty();
    let refusal = if form.too_large.is_some() {
        Some((
            StatusCode::PAYLOAD_TOO_LARGE,
            i18n::render(
                lang,
                &Text::new("import.page.too_large").plain("mb", MAX_BYTES / 1024 / 1024),
            ),
        ))
    } else if form.file.as_ref().is_none_or(|f| files::is_empty(&f.file)) {
        Some((
            StatusCode::BAD_REQUEST,
            i18n::text(lang, "import.error.empty_file"),
        ))
    } else {
        None
    };
    if let Some((status, msg)) = refusal {
        let runs = recent_runs(&state, &user).await?;
        return page(&req, &user, status, &runs, Some(msg));
    }
    let p = user.principal.clone();
    let options = ImportOptions {
        dry_run: !commit,
        skip_bad_rows,
    };
    let Some(file) = form.file else {
        return Err(WebError::bad_request("upload: no file"));
    };
    let name = clean_name(&file.name);
    let id = db(&state, move |c| {
        let bytes = files::read_all(file.file)?;
        runs::queue(c, &p, &name, bytes, options)
    })
    .await?;
    start(&state, id)?;
    Ok(see_other(&format!("/imports/runs/{id}")))
}

/// Run `id` on a thread of this process, with connections of its own: the request answers
/// at once, and the run's page shows where it is.
fn start(state: &AppState, id: i64) -> Result<(), WebError> {
    let pool = state.pool.clone();
    std::thread::Builder::new()
        .name(format!("import-run-{id}"))
        .spawn(move || runs::execute(&pool, id))
        .map_err(|e| AppError::Internal(anyhow::anyhow!("start an import run: {e}")))?;
    Ok(())
}

async fn run_of(state: &AppState, user: &ImportsUser, id: &str) -> Result<RunView, WebError> {
    let id = path_id(id)?;
    let p = user.principal.clone();
    Ok(db(state, move |c| runs::view(c, &p, id)).await?)
}

/// `GET /imports/runs/{id}`: where the run is (phase, a progress bar, "n of m"), reloading
/// itself every few seconds while it runs, then its report; a dry run's report offers to
/// commit the same file.
pub async fn run(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: ImportsUser,
    id: web::Path<String>,
) -> Result<HttpResponse, WebError> {
    let lang = user.lang;
    let r = run_of(&state, &user, &id).await?;
    let progress = r.phase.map(|phase| {
        json!({
            "phase": i18n::render(lang, &runs::phase_text(phase)),
            "done": r.done,
            "total": r.total,
            "of": i18n::render(lang, &Text::new("import.run.n_of_m")
                .plain("n", r.done)
                .plain("m", r.total)),
        })
    });
    render(
        &req,
        lang,
        Some(&user),
        "imports",
        "pages/imports/run",
        StatusCode::OK,
        json!({
            "refresh": r.status.in_flight().then_some(REFRESH_SECONDS),
            "run": run_line(lang, &r),
            "in_flight": r.status.in_flight(),
            "interrupted": r.status == RunStatus::Interrupted,
            "interrupted_commit": r.status == RunStatus::Interrupted && !r.dry_run,
            "progress": progress,
            "failure": r.failure.as_ref().map(|w| w.pick(lang).to_string()),
            "report": r.report.as_ref().map(|rep| report_json(lang, rep)),
            "has_errors": r.report.as_ref().is_some_and(|rep| !rep.errors.is_empty()),
            "can_commit": r.can_commit(),
            "skip_bad_rows": r.skip_bad_rows,
            "source": r.source_run_id.map(|s| format!("/imports/runs/{s}")),
            "file_removed": (r.dry_run && r.status == RunStatus::Done && !r.has_file).then(|| {
                i18n::render(lang, &Text::new("import.run.file_removed")
                    .plain("days", runs::KEEP_FILES.num_days()))
            }),
        }),
    )
}

/// The commit form of a dry run's report.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct CommitForm {
    /// Write the good rows even when some are rejected (a checkbox: present or not).
    skip_bad_rows: Option<String>,
}

/// `POST /imports/runs/{id}/commit`: commit the file of dry run `id`, without a new upload;
/// 303 to the new run.
pub async fn commit(
    state: web::Data<AppState>,
    user: ImportsUser,
    id: web::Path<String>,
    form: CsrfForm<CommitForm>,
) -> Result<HttpResponse, WebError> {
    let from = path_id(&id)?;
    let skip = form.0.skip_bad_rows.is_some_and(|v| !v.is_empty());
    let p = user.principal.clone();
    let id = db(&state, move |c| runs::queue_commit(c, &p, from, skip)).await?;
    start(&state, id)?;
    Ok(see_other(&format!("/imports/runs/{id}")))
}

fn template_rows(lang: Lang) -> Vec<Vec<String>> {
    vec![template_header(lang == Lang::ZhCn, today().year() - 1)]
}

/// `GET /imports/template.csv`: the header the importer reads, in the user's language (UTF-8
/// with a byte-order mark, so Excel shows Chinese).
pub async fn template_csv(user: ImportsUser) -> Result<HttpResponse, WebError> {
    table::download(Format::Csv, "registry-template", &template_rows(user.lang))
}

/// `GET /imports/template.xlsx`: the same header as an XLSX file.
pub async fn template_xlsx(user: ImportsUser) -> Result<HttpResponse, WebError> {
    table::download(Format::Xlsx, "registry-template", &template_rows(user.lang))
}

fn report_rows(lang: Lang, r: &RunView) -> Result<Vec<Vec<String>>, WebError> {
    let Some(report) = &r.report else {
        return Err(WebError::not_found());
    };
    let t = |k: &str| i18n::text(lang, &format!("import.report.{k}"));
    let mut table = vec![vec![
        t("row"),
        t("column"),
        t("header"),
        t("value"),
        t("message"),
    ]];
    table.extend(report.errors.iter().map(|e| {
        vec![
            e.row.to_string(),
            e.column.clone(),
            e.header.clone(),
            e.value.clone(),
            e.message.pick(lang).to_string(),
        ]
    }));
    Ok(table)
}

/// `GET /imports/runs/{id}/report.csv`: every row error of a finished run, formula-safe CSV
/// (404 until the run has a report).
pub async fn report_csv(
    state: web::Data<AppState>,
    user: ImportsUser,
    id: web::Path<String>,
) -> Result<HttpResponse, WebError> {
    report_file(&state, &user, &id, Format::Csv).await
}

/// `GET /imports/runs/{id}/report.xlsx`: the same as an XLSX file.
pub async fn report_xlsx(
    state: web::Data<AppState>,
    user: ImportsUser,
    id: web::Path<String>,
) -> Result<HttpResponse, WebError> {
    report_file(&state, &user, &id, Format::Xlsx).await
}

async fn report_file(
    state: &AppState,
    user: &ImportsUser,
    id: &str,
    format: Format,
) -> Result<HttpResponse, WebError> {
    let r = run_of(state, user, id).await?;
    let rows = report_rows(user.lang, &r)?;
    table::download(format, &format!("import-{}-errors", r.id), &rows)
}
