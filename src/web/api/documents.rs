//! `/api/v1/applications/{id}/documents…` (issue 14): an application's evidence documents
//! over the API — the checklist with each kind's files, an upload (the file as the raw
//! body, its kind and name in the query), a download (the file, as the page serves it), and a
//! removal. The rules are the page's (`app::applications::documents`): the firm's users and
//! its advisor upload and remove while the application is a draft or returned; anyone who
//! may see the application reads and downloads; the type is decided from the bytes.

use super::auth::ApiUser;
use super::error::{ApiError, ErrorBody};
use super::{json_ok, path_id};
use crate::app::applications::documents::{self as docs, Document, Documents};
use crate::core::document;
use crate::core::input;
use crate::i18n::{self, Lang};
use crate::web::files;
use crate::web::{db, AppState};
use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A document as the API shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DocumentOut {
    /// Id.
    pub id: i64,
    /// The application it supports.
    pub application_id: i64,
    /// What it is: `business_licence`, `ip_certificates`, `rd_expense_audit`,
    /// `high_tech_revenue_audit`, `tech_staff_list`, `annual_financial_report`.
    pub kind: String,
    /// The file's name as uploaded (cleaned of path and control characters).
    pub file_name: String,
    /// Its type, decided from its content at upload.
    pub content_type: String,
    /// Bytes.
    pub size: i64,
    /// SHA-256 of the bytes, lower-case hex.
    pub sha256: String,
    /// Who uploaded it (user id).
    pub uploaded_by: Option<i64>,
    /// When: RFC 3339 in UTC (`Z`).
    pub uploaded_at: DateTime<Utc>,
    /// Where to download it.
    pub href: String,
}

impl From<&Document> for DocumentOut {
    fn from(d: &Document) -> DocumentOut {
        DocumentOut {
            id: d.id,
            application_id: d.application_id,
            kind: d.kind.clone(),
            file_name: d.file_name.clone(),
            content_type: d.content_type.clone(),
            size: d.size,
            sha256: d.sha256.clone(),
            uploaded_by: d.uploaded_by,
            uploaded_at: d.uploaded_at.and_utc(),
            href: format!(
                "{}/applications/{}/documents/{}",
                super::PREFIX,
                d.application_id,
                d.id
            ),
        }
    }
}

/// One kind on the checklist, with its files.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ChecklistItemOut {
    /// The kind asked for.
    pub kind: String,
    /// Its name in Chinese.
    pub label_zh: String,
    /// Its name in English.
    pub label_en: String,
    /// No file of this kind yet: the application cannot be submitted.
    pub missing: bool,
    /// Its files, oldest first.
    pub documents: Vec<DocumentOut>,
}

/// An application's documents.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DocumentsOut {
    /// The application's version (send it with a removal).
    pub version: i64,
    /// The checklist of the application's target, kind by kind.
    pub checklist: Vec<ChecklistItemOut>,
    /// Files of kinds the checklist no longer asks for (the setting changed since).
    pub others: Vec<DocumentOut>,
    /// Whether the caller may upload and remove now (the firm's users and its advisor,
    /// while the application is a draft or returned).
    pub can_change: bool,
    /// The largest file accepted, in bytes.
    pub max_bytes: u64,
}

impl DocumentsOut {
    /// The documents of an application at `version`.
    pub fn of(d: &Documents, version: i64) -> DocumentsOut {
        DocumentsOut {
            version,
            checklist: d
                .items
                .iter()
                .map(|item| ChecklistItemOut {
                    kind: item.kind.id().to_string(),
                    label_zh: i18n::text(Lang::ZhCn, item.kind.key()),
                    label_en: i18n::text(Lang::En, item.kind.key()),
                    missing: item.documents.is_empty(),
                    documents: item.documents.iter().map(DocumentOut::from).collect(),
                })
                .collect(),
            others: d.others.iter().map(DocumentOut::from).collect(),
            can_change: d.can_change,
            max_bytes: d.max_bytes,
        }
    }
}

/// `GET /api/v1/applications/{id}/documents`: the application's checklist and files, for
/// anyone who may see it. 404 outside the caller's territory.
#[utoipa::path(get, path = "/api/v1/applications/{id}/documents", tag = "documents",
    params(("id" = i64, Path, description = "Application id")),
    responses((status = 200, body = DocumentsOut), (status = 404, body = ErrorBody)))]
pub async fn list_documents(
    state: web::Data<AppState>,
    user: ApiUser,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = path_id(&id)?;
    let p = user.principal.clone();
    let (app, documents) = db(&state, move |c| docs::application_documents(c, &p, id)).await?;
    json_ok(&DocumentsOut::of(&documents, app.version))
}

/// `?kind=…&file_name=…` of an upload, as sent.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UploadQuery {
    /// The checklist kind the file answers.
    pub kind: String,
    /// The file's name (its extension must agree with its content when it names a type).
    pub file_name: String,
}

/// `POST /api/v1/applications/{id}/documents?kind=…&file_name=…`: upload one file, the raw
/// request body (any `Content-Type`: the type is decided from the bytes). Answers the new
/// document (201, `Location` its download). Refused with nothing kept: a file larger than
/// the limit (413 `document_too_large`), empty, of a type not accepted, named as another
/// type, a zip bomb, or a kind the checklist does not ask for (400 with `error.field`
/// `file` or `kind`); a caller who may not change the documents (403); an application no
/// longer a draft or returned (409 `documents_locked`).
#[utoipa::path(post, path = "/api/v1/applications/{id}/documents", tag = "documents",
    request_body(content = Vec<u8>, content_type = "application/octet-stream",
        description = "The file's bytes: PDF, PNG, JPEG, OFD, XLSX or DOCX, decided from the \
            content, at most the application's `max_bytes`."),
    params(("id" = i64, Path, description = "Application id"),
        ("kind" = String, Query, description = "The checklist kind the file answers"),
        ("file_name" = String, Query, description = "The file's name; an extension that \
            names another type than the content's is refused")),
    responses((status = 201, body = DocumentOut),
        (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "The application is no longer a draft or returned \
            (`documents_locked`).", body = ErrorBody),
        (status = 413, description = "The file is larger than the limit \
            (`document_too_large`).", body = ErrorBody)))]
pub async fn upload_document(
    state: web::Data<AppState>,
    user: ApiUser,
    id: web::Path<String>,
    q: web::Query<UploadQuery>,
    mut payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let id = path_id(&id)?;
    let UploadQuery { kind, file_name } = q.into_inner();
    input::line("kind", &kind)?;
    input::line("file_name", &file_name)?;
    let p = user.principal.clone();
    // Who may not upload, or to an application that no longer takes files, hears so before
    // a byte of the body is read.
    let plan = db(&state, move |c| docs::prepare_upload(c, &p, id)).await?;
    let Some(file) = files::receive(&mut payload, plan.max_bytes)
        .await
        .map_err(failed)?
    else {
        let mut budget = files::drain_budget(plan.max_bytes);
        // An error while draining changes nothing: the answer is the 413 either way.
        let _ = files::drain(&mut payload, &mut budget).await;
        let detail =
            ApiError::from(document::too_large(&file_name, plan.max_bytes)).detail(user.lang);
        return Ok(
            HttpResponse::build(StatusCode::PAYLOAD_TOO_LARGE).json(ErrorBody { error: detail })
        );
    };
    let p = user.principal.clone();
    let storage = state.storage.clone();
    let doc = db(&state, move |c| {
        let bytes = files::read_all(file)?;
        let did = docs::upload_document(c, &storage, &p, id, &kind, &file_name, bytes)?;
        docs::for_download(c, &p, id, did)
    })
    .await?;
    let out = DocumentOut::from(&doc);
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, out.href.clone()))
        .json(out))
}

fn failed(f: files::Failed) -> ApiError {
    match f {
        files::Failed::Malformed(e) => ApiError::bad_request(format!("upload: {e}")),
        files::Failed::Io(e) => e.into(),
    }
}

/// `GET /api/v1/applications/{id}/documents/{did}`: the file, as the application page serves
/// it: an attachment under its name, of the type decided at upload, `nosniff`. For anyone
/// who may see the application; any other document id is a 404.
#[utoipa::path(get, path = "/api/v1/applications/{id}/documents/{did}", tag = "documents",
    params(("id" = i64, Path, description = "Application id"),
        ("did" = i64, Path, description = "Document id")),
    responses((status = 200, description = "The file's bytes (`Content-Disposition: \
            attachment`).", content_type = "application/octet-stream", body = Vec<u8>),
        (status = 404, body = ErrorBody)))]
pub async fn download_document(
    state: web::Data<AppState>,
    user: ApiUser,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let id = path_id(&path.0)?;
    let did = path_id(&path.1)?;
    let p = user.principal.clone();
    let doc = db(&state, move |c| docs::for_download(c, &p, id, did)).await?;
    let content_type = docs::content_type_of(&doc)?;
    let found = files::read_object(&state.storage, &doc).await?;
    Ok(files::attachment(&doc, content_type, found))
}

/// `?version=…` of a removal.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RemoveQuery {
    /// The application's version the caller last saw.
    pub version: i64,
}

/// `DELETE /api/v1/applications/{id}/documents/{did}?version=…`: remove a file while the
/// application is a draft or returned (the firm's users and its advisor). Answers the
/// application's documents after it. A stale `version` is a 409 `stale_version`; an
/// application no longer a draft or returned a 409 `documents_locked`; another
/// application's document a 404.
#[utoipa::path(delete, path = "/api/v1/applications/{id}/documents/{did}", tag = "documents",
    params(("id" = i64, Path, description = "Application id"),
        ("did" = i64, Path, description = "Document id"),
        ("version" = i64, Query, description = "The application's version (from the \
            documents or the application)")),
    responses((status = 200, body = DocumentsOut), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "`version` is stale (`stale_version`), or the \
            application is no longer a draft or returned (`documents_locked`).",
            body = ErrorBody)))]
pub async fn remove_document(
    state: web::Data<AppState>,
    user: ApiUser,
    path: web::Path<(String, String)>,
    q: web::Query<RemoveQuery>,
) -> Result<HttpResponse, ApiError> {
    let id = path_id(&path.0)?;
    let did = path_id(&path.1)?;
    let version = q.version;
    let p = user.principal.clone();
    let storage = state.storage.clone();
    let (app, documents) = db(&state, move |c| {
        docs::remove_document(c, &storage, &p, id, did, version)?;
        docs::application_documents(c, &p, id)
    })
    .await?;
    json_ok(&DocumentsOut::of(&documents, app.version))
}
