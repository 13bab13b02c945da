//! The registry import page (issue 15, part 6) for the bureau and county officers:
//! `GET /imports` (the header mapping, the template files and the upload form),
//! `POST /imports` (a multipart upload, run as a dry run or committed; the report on the same
//! page), `GET /imports/template.{csv,xlsx}` and `POST /imports/report` (the error report the
//! page shows, as CSV or XLSX).
//!
//! The page is stateless: a dry run keeps nothing, and the commit is a second upload of the
//! same file (the report says so). A long import answers when it is done; progress on the page
//! is not shown yet.

use crate::app::error::AppError;
use crate::app::export::safe_cell;
use crate::app::imports::{self, field_text, ImportOptions, ImportReport, Outcome};
use crate::app::today;
use crate::core::error::Text;
use crate::core::registry::headers::{template_header, Field};
use crate::i18n::{self, Lang};
use crate::web::auth::{Area, ImportsUser};
use crate::web::error::WebError;
use crate::web::pages::render;
use crate::web::session::{self, CsrfForm};
use crate::web::{db, AppState};
use actix_multipart::Multipart;
use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::Datelike;
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

/// The largest registry file taken (a 100,000-firm XLSX is about 10 MB).
const MAX_BYTES: usize = 64 * 1024 * 1024;

/// How many changed firms the page lists (the counts cover them all).
const LISTED: usize = 200;

/// One row of the error report, as the page shows it and the download carries it.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct ReportRow {
    row: usize,
    column: String,
    header: String,
    value: String,
    message: String,
}

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
    report: Option<Value>,
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
            "report": report,
            "error": error,
            "county_only": user.principal.county_code.is_some(),
            "announcements": Area::Announcements.allows(user.principal.role),
        }),
    )
}

/// `GET /imports`: the mapping, the templates and the upload form.
pub async fn show(req: HttpRequest, user: ImportsUser) -> Result<HttpResponse, WebError> {
    page(&req, &user, StatusCode::OK, None, None)
}

fn report_json(lang: Lang, r: &ImportReport) -> Value {
    let rows: Vec<ReportRow> = r
        .errors
        .iter()
        .map(|e| ReportRow {
            row: e.row,
            column: e.column.clone(),
            header: e.header.clone(),
            value: e.value.clone(),
            message: i18n::render(lang, &e.text),
        })
        .collect();
    let changes: Vec<Value> = r
        .changes
        .iter()
        .take(LISTED)
        .map(|c| {
            let (new, fields) = match &c.outcome {
                Outcome::New => (true, Vec::new()),
                Outcome::Updated(fs) => (
                    false,
                    fs.iter()
                        .map(|f| {
                            json!({
                                "field": i18n::render(lang, &f.label()),
                                "year": f.year,
                                "before": f.before,
                                "after": f.after,
                            })
                        })
                        .collect(),
                ),
            };
            json!({"row": c.row, "uscc": c.uscc, "name": c.name, "new": new, "fields": fields})
        })
        .collect();
    let note = if r.dry_run {
        Text::new("import.page.dry_run_done")
    } else if r.committed && !r.rejected_rows.is_empty() {
        Text::new("import.cli.skipped_committed").plain("rejected", r.rejected_rows.len())
    } else if r.committed {
        Text::new("import.cli.committed")
    } else if !r.rejected_rows.is_empty() {
        Text::new("import.page.nothing_committed").plain("rejected", r.rejected_rows.len())
    } else {
        Text::new("import.page.nothing_to_do")
    };
    json!({
        "summary": i18n::render(lang, &Text::new("import.cli.summary")
            .plain("rows", r.data_rows)
            .plain("new", r.new)
            .plain("updated", r.updated)
            .plain("unchanged", r.unchanged)
            .plain("rejected", r.rejected_rows.len())
            .plain("totals", r.totals_rows.len())),
        "note": i18n::render(lang, &note),
        "refused": r.refused(),
        "errors": rows,
        "errors_json": serde_json::to_string(&rows).unwrap_or_default(),
        "changes": changes,
        "more": (r.changes.len() > LISTED).then(|| i18n::render(lang,
            &Text::new("import.cli.more").plain("n", r.changes.len() - LISTED))),
        "columns": r.columns.iter().map(|c| json!({
            "header": c.header,
            "field": i18n::render(lang, &field_text(c.field)),
            "year": c.year,
        })).collect::<Vec<_>>(),
        "ignored": r.ignored_headers,
    })
}

/// The upload form as read.
#[derive(Default)]
struct Upload {
    bytes: Vec<u8>,
    commit: bool,
    skip_bad_rows: bool,
    too_large: bool,
}

async fn read_upload(req: &HttpRequest, payload: web::Payload) -> Result<Upload, WebError> {
    let malformed = |e: &dyn std::fmt::Display| WebError::bad_request(format!("upload: {e}"));
    let mut multipart = Multipart::new(req.headers(), payload);
    let mut csrf_ok = false;
    let mut form = Upload::default();
    while let Some(field) = multipart.next().await {
        let mut field = field.map_err(|e| malformed(&e))?;
        let name = field.name().unwrap_or("").to_string();
        let mut bytes = Vec::new();
        while let Some(chunk) = field.next().await {
            let chunk = chunk.map_err(|e| malformed(&e))?;
            if name != "file" && bytes.len() + chunk.len() > 256 {
                return Err(WebError::bad_request("upload: a text field is too long"));
            }
            if bytes.len() + chunk.len() > MAX_BYTES {
                form.too_large = true;
                continue;
            }
            if name == "file" && !csrf_ok {
                return Err(WebError::csrf());
            }
            bytes.extend_from_slice(&chunk);
        }
        match name.as_str() {
            "_csrf" => {
                csrf_ok = session::csrf_matches(req, &String::from_utf8_lossy(&bytes));
                if !csrf_ok {
                    return Err(WebError::csrf());
                }
            }
            "mode" => form.commit = bytes == b"commit",
            "skip_bad_rows" => form.skip_bad_rows = !bytes.is_empty(),
            "file" => form.bytes = bytes,
            _ => {}
        }
    }
    if !csrf_ok {
        return Err(WebError::csrf());
    }
    Ok(form)
}

/// `POST /imports`: run the uploaded registry as a dry run (`mode=dry_run`, the default) or
/// commit it (`mode=commit`, all-or-nothing unless `skip_bad_rows`); the page again with the
/// report (422 when rows were rejected and nothing was written).
pub async fn upload(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: ImportsUser,
    payload: web::Payload,
) -> Result<HttpResponse, WebError> {
    let lang = user.lang;
    let form = read_upload(&req, payload).await?;
    if form.too_large {
        let msg = i18n::render(
            lang,
            &Text::new("import.page.too_large").plain("mb", MAX_BYTES / 1024 / 1024),
        );
        return page(&req, &user, StatusCode::PAYLOAD_TOO_LARGE, None, Some(msg));
    }
    if form.bytes.is_empty() {
        let msg = i18n::text(lang, "import.error.empty_file");
        return page(&req, &user, StatusCode::BAD_REQUEST, None, Some(msg));
    }
    let p = user.principal.clone();
    let options = ImportOptions {
        dry_run: !form.commit,
        skip_bad_rows: form.skip_bad_rows,
    };
    let bytes = form.bytes;
    let done = db(&state, move |c| {
        imports::import_firms(c, &bytes, options, &p, &mut |_, _, _| {})
    })
    .await;
    match done {
        Ok(r) => {
            let status = if r.refused() {
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

fn attachment(content_type: &str, name: &str, body: Vec<u8>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(content_type)
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{name}\""),
        ))
        .body(body)
}

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

fn internal(e: impl std::fmt::Display) -> WebError {
    WebError::from(AppError::Internal(anyhow::anyhow!("write a file: {e}")))
}

fn csv_bytes(rows: &[Vec<String>]) -> Result<Vec<u8>, WebError> {
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    for r in rows {
        w.write_record(r.iter().map(|c| safe_cell(c).into_owned()))
            .map_err(internal)?;
    }
    let body = w.into_inner().map_err(internal)?;
    let mut out = Vec::with_capacity(body.len() + 3);
    out.extend_from_slice(b"\xEF\xBB\xBF");
    out.extend_from_slice(&body);
    Ok(out)
}

fn xlsx_bytes(rows: &[Vec<String>]) -> Result<Vec<u8>, WebError> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    let bold = rust_xlsxwriter::Format::new().set_bold();
    for (i, r) in rows.iter().enumerate() {
        let row = u32::try_from(i).map_err(internal)?;
        for (j, c) in r.iter().enumerate() {
            let col = u16::try_from(j).map_err(internal)?;
            if i == 0 {
                sheet.write_string_with_format(row, col, c, &bold)
            } else {
                sheet.write_string(row, col, c)
            }
            .map_err(internal)?;
        }
    }
    sheet.set_freeze_panes(1, 0).map_err(internal)?;
    book.save_to_buffer().map_err(internal)
}

fn template_rows(lang: Lang) -> Vec<Vec<String>> {
    vec![template_header(lang == Lang::ZhCn, today().year() - 1)]
}

/// `GET /imports/template.csv`: the header the importer reads, in the user's language (UTF-8
/// with a byte-order mark, so Excel shows Chinese).
pub async fn template_csv(user: ImportsUser) -> Result<HttpResponse, WebError> {
    let body = csv_bytes(&template_rows(user.lang))?;
    Ok(attachment(
        "text/csv; charset=utf-8",
        "registry-template.csv",
        body,
    ))
}

/// `GET /imports/template.xlsx`: the same header as an XLSX file.
pub async fn template_xlsx(user: ImportsUser) -> Result<HttpResponse, WebError> {
    let body = xlsx_bytes(&template_rows(user.lang))?;
    Ok(attachment(XLSX, "registry-template.xlsx", body))
}

/// The error report form on the page: its rows as JSON and the format.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ReportForm {
    /// `csv` or `xlsx`.
    format: String,
    /// The rows, as the page received them.
    rows: String,
}

/// `POST /imports/report`: the error report the page shows, as CSV (`format=csv`) or XLSX;
/// the rows come back from the page (nothing is kept between requests), formula-safe.
pub async fn report(
    user: ImportsUser,
    form: CsrfForm<ReportForm>,
) -> Result<HttpResponse, WebError> {
    let lang = user.lang;
    let form = form.0;
    let rows: Vec<ReportRow> = serde_json::from_str(&form.rows)
        .map_err(|_| WebError::bad_request("report: the rows are not a report"))?;
    let t = |k: &str| i18n::text(lang, &format!("import.report.{k}"));
    let mut table = vec![vec![
        t("row"),
        t("column"),
        t("header"),
        t("value"),
        t("message"),
    ]];
    table.extend(
        rows.into_iter()
            .map(|r| vec![r.row.to_string(), r.column, r.header, r.value, r.message]),
    );
    match form.format.as_str() {
        "csv" => Ok(attachment(
            "text/csv; charset=utf-8",
            "import-errors.csv",
            csv_bytes(&table)?,
        )),
        "xlsx" => Ok(attachment(XLSX, "import-errors.xlsx", xlsx_bytes(&table)?)),
        _ => Err(WebError::bad_request("report: format is csv or xlsx")),
    }
}
