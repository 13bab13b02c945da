//! Evidence documents on the application page (issue 14): the checklist with each kind's
//! files and an upload form per kind, the upload (`POST /applications/{aid}/documents`, a
//! multipart form), the removal (`POST /applications/{aid}/documents/{did}/delete`) and the
//! download (`GET /applications/{aid}/documents/{did}`, an attachment).
//!
//! An upload's body is read only after the use case has said the visitor may upload to the
//! application; its `_csrf` field must come before the file (the form puts it first), and the
//! file streams into an anonymous temporary file under the size limit — past it the answer is
//! a 413 and nothing was kept. The use case then decides the type from the bytes and stores
//! them (see `app::applications::documents`).

use super::{load, render_show};
use crate::app::applications::documents::{self as docs, Documents, UploadPlan};
use crate::app::applications::read::ApplicationPage;
use crate::app::error::AppError;
use crate::core::clock::china_minute;
use crate::core::document::{self, human_size, Kind};
use crate::core::error::Text;
use crate::i18n::{self, Lang};
use crate::web::auth::FirmsUser;
use crate::web::error::WebError;
use crate::web::files as upload;
use crate::web::forms::{version, Errors, Values};
use crate::web::pages::{path_id, see_other};
use crate::web::session::CsrfForm;
use crate::web::{db, AppState};
use actix_multipart::Multipart;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;
use serde_json::{json, Value};

/// What the file input accepts (the server decides by content all the same).
const ACCEPT: &str = ".pdf,.png,.jpg,.jpeg,.ofd,.xlsx,.docx";

/// The error key of a kind's upload form on the page.
fn error_key(kind: &str) -> String {
    format!("upload.{kind}")
}

fn file_json(lang: Lang, aid: i64, d: &docs::Document, can_change: bool) -> Value {
    json!({
        "name": d.file_name,
        "size": human_size(u64::try_from(d.size).unwrap_or(0)),
        "at": china_minute(d.uploaded_at),
        "href": format!("/applications/{aid}/documents/{}", d.id),
        "remove_href": format!("/applications/{aid}/documents/{}/delete", d.id),
        "can_remove": can_change,
        "type": document::ContentType::from_mime(&d.content_type).map_or("", |t| t.label()),
        "remove": i18n::text(lang, "document.page.remove"),
    })
}

/// The documents section of the application page: the checklist kind by kind, its files,
/// and an upload form per kind when the viewer may change them; `errors` holds a refused
/// upload's message under its kind (`upload.<kind>`).
pub fn section(page: &ApplicationPage, lang: Lang, errors: &Errors) -> Value {
    let aid = page.application.id;
    let d: &Documents = &page.documents;
    let items: Vec<Value> = d
        .items
        .iter()
        .map(|item| {
            json!({
                "kind": item.kind.id(),
                "label": i18n::text(lang, item.kind.key()),
                "missing": item.documents.is_empty(),
                "error": errors.get(&error_key(item.kind.id())).cloned().unwrap_or_default(),
                "files": item.documents.iter()
                    .map(|f| file_json(lang, aid, f, d.can_change))
                    .collect::<Vec<_>>(),
            })
        })
        .collect();
    json!({
        "items": items,
        "others": d
            .others
            .iter()
            .map(|f| file_json(lang, aid, f, d.can_change))
            .collect::<Vec<_>>(),
        "can_change": d.can_change,
        "hint": i18n::render(lang, &if d.can_change {
            Text::new("document.page.hint").plain("limit", human_size(d.max_bytes))
        } else {
            Text::new("document.page.locked")
        }),
        "limit": human_size(d.max_bytes),
        "accept": ACCEPT,
        "action": format!("/applications/{aid}/documents"),
    })
}

/// `POST /applications/{aid}/documents`: upload one file of one kind; back to the page at its
/// checklist, or the page again with the refusal beside that kind's form (413 too large,
/// 400 any other refusal, 409 when the application can no longer change). Nothing is kept
/// of a refused file.
pub async fn upload(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: FirmsUser,
    aid: web::Path<String>,
    payload: Multipart,
) -> Result<HttpResponse, WebError> {
    let aid = path_id(&aid)?;
    let lang = user.lang;
    let p = user.principal.clone();
    let plan: UploadPlan = db(&state, move |c| docs::prepare_upload(c, &p, aid)).await?;
    let form = upload::upload_form(&req, payload, plan.max_bytes, &["kind"]).await?;
    let kind = form.text("kind").trim().to_string();
    let (status, message) = if let Some(name) = &form.too_large {
        (
            StatusCode::PAYLOAD_TOO_LARGE,
            i18n::render(lang, &document::too_large(name, plan.max_bytes).text),
        )
    } else {
        match form.file {
            Some(upload::Received { name, file })
                if !(name.is_empty() && upload::is_empty(&file)) =>
            {
                let p = user.principal.clone();
                let storage = state.storage.clone();
                let k = kind.clone();
                let done = db(&state, move |c| {
                    let bytes = upload::read_all(file)?;
                    docs::upload_document(c, &storage, &p, aid, &k, &name, bytes)
                })
                .await;
                match done {
                    Ok(_) => {
                        return Ok(see_other(&format!(
                            "/applications/{aid}?done=uploaded#documents"
                        )))
                    }
                    Err(AppError::BadInput(e)) => {
                        (StatusCode::BAD_REQUEST, i18n::render(lang, &e.text))
                    }
                    Err(AppError::Conflict(c)) => {
                        (StatusCode::CONFLICT, i18n::render(lang, &c.text()))
                    }
                    Err(e) => return Err(e.into()),
                }
            }
            _ => (
                StatusCode::BAD_REQUEST,
                i18n::text(lang, "document.error.no_file"),
            ),
        }
    };
    let mut errors = Errors::new();
    let beside = Kind::parse(&kind).filter(|k| plan.kinds.contains(k));
    match beside {
        Some(k) if status != StatusCode::CONFLICT => errors.insert(error_key(k.id()), message),
        _ => errors.insert(String::new(), message),
    };
    let page = load(&state, &user, aid).await?;
    render_show(&req, &user, status, &page, &Values::new(), &errors, None)
}

/// The removal form: the application's version the page showed.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct RemoveForm {
    /// The application's version.
    pub version: String,
}

/// `POST /applications/{aid}/documents/{did}/delete`: remove a document while the
/// application is a draft or returned; back to the page at its checklist.
pub async fn remove(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: FirmsUser,
    path: web::Path<(String, String)>,
    form: CsrfForm<RemoveForm>,
) -> Result<HttpResponse, WebError> {
    let aid = path_id(&path.0)?;
    let did = path_id(&path.1)?;
    let p = user.principal.clone();
    let Ok(expected) = version(&form.0.version) else {
        // Who may not remove hears so before a malformed form is reported.
        db(&state, move |c| docs::prepare_upload(c, &p, aid)).await?;
        return Err(WebError::bad_request("version"));
    };
    let storage = state.storage.clone();
    match db(&state, move |c| {
        docs::remove_document(c, &storage, &p, aid, did, expected)
    })
    .await
    {
        Ok(()) => Ok(see_other(&format!(
            "/applications/{aid}?done=removed#documents"
        ))),
        Err(AppError::Conflict(c)) => {
            let mut errors = Errors::new();
            errors.insert(String::new(), i18n::render(user.lang, &c.text()));
            let page = load(&state, &user, aid).await?;
            render_show(
                &req,
                &user,
                StatusCode::CONFLICT,
                &page,
                &Values::new(),
                &errors,
                None,
            )
        }
        Err(e) => Err(e.into()),
    }
}

/// `GET /applications/{aid}/documents/{did}`: the file, as an attachment under its name
/// (`filename` a plain-ASCII stand-in, `filename*` the exact name), of the type decided at
/// upload, never sniffed (`nosniff`) nor kept (`no-store`). For anyone who may see the
/// application; any other document id is a 404.
pub async fn download(
    state: web::Data<AppState>,
    user: FirmsUser,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, WebError> {
    let aid = path_id(&path.0)?;
    let did = path_id(&path.1)?;
    let p = user.principal.clone();
    let doc = db(&state, move |c| docs::for_download(c, &p, aid, did)).await?;
    let content_type = docs::content_type_of(&doc)?;
    let found = upload::read_object(&state.storage, &doc).await?;
    Ok(upload::attachment(&doc, content_type, found))
}
