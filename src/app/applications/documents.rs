//! Evidence documents of an application (issue 14): the checklist of each target (setting
//! [`CHECKLIST_KEY`] over `core::document::default_checklist`), uploads and removals by the
//! firm's users and its advisor while the application is a draft or returned, and downloads
//! for anyone who may see the application.
//!
//! An upload is decided before anything is written: the type from the content
//! (`core::document::accept`: type, name, size, zip bomb); then the bytes go to the storage
//! under a new random key (hashed with SHA-256 meanwhile), then the row and its audit row are
//! written in one transaction. Should that transaction fail, the object is deleted again;
//! should that fail too, the daily job's sweep ([`crate::app::daily::sweep`]) removes it
//! later, as it removes anything else the storage holds without a row.

use super::{parsed, party_for, stale};
use crate::app::error::{AppError, Conflict, StoreContext};
use crate::app::principal::Principal;
use crate::config::Settings;
use crate::core::application::{Party, Status, Target};
use crate::core::document::{self, ContentType, Kind};
use crate::core::error::{Reason, Text};
use crate::store::applications::{self, Application};
use crate::store::audit::{self, NewAuditEntry};
use crate::store::documents::{self, NewDocument};
use crate::store::firms;
use crate::store::{self, settings, DbConn};
use chrono::Utc;
use serde_json::json;
use sha2::{Digest, Sha256};

pub use crate::store::documents::Document;
pub use crate::store::storage::{ByteStream, Download, Location, Storage};

/// Setting: the documents each target requires, `{"high_tech": ["business_licence", …], …}`
/// (a target left out keeps its default list).
pub const CHECKLIST_KEY: &str = "document_checklist";

/// Setting: the largest upload in bytes (default 20 MB).
pub const MAX_BYTES_KEY: &str = "document_max_bytes";

/// The storage the settings name: `PEIYU_STORAGE_URL`, or `PEIYU_DATA_DIR/documents`.
pub fn open_storage(settings: &Settings) -> Result<Storage, AppError> {
    let location = Location::parse(settings.storage_url.as_deref(), &settings.data_dir)
        .map_err(|e| AppError::Internal(anyhow::anyhow!(e)))?;
    Storage::open(&location).map_err(|e| AppError::Internal(anyhow::Error::new(e)))
}

/// The checklist of `target` (setting [`CHECKLIST_KEY`]).
pub fn checklist(conn: &mut DbConn, target: Target) -> Result<Vec<Kind>, AppError> {
    let setting = settings::get(conn, CHECKLIST_KEY).ctx("read document_checklist")?;
    Ok(document::checklist(setting.as_ref(), target))
}

/// The upload limit in bytes (setting [`MAX_BYTES_KEY`]).
pub fn max_bytes(conn: &mut DbConn) -> Result<u64, AppError> {
    let setting = settings::get(conn, MAX_BYTES_KEY).ctx("read document_max_bytes")?;
    Ok(document::max_bytes(setting.as_ref()))
}

/// Whether documents of an application in `status` may change (a draft, or returned).
pub fn editable(status: Status) -> bool {
    matches!(status, Status::Draft | Status::Returned)
}

/// Load application `id` for a change of its documents by `principal`: `NotFound` outside
/// their territory, `Forbidden` unless they are the firm's user or its advisor, a conflict
/// once it has been submitted.
fn for_change(
    conn: &mut DbConn,
    principal: &Principal,
    id: i64,
) -> Result<(Application, Target), AppError> {
    let app = applications::find_by_id(conn, id).ctx("load application")?;
    let firm = firms::find_by_id(conn, app.firm_id).ctx("load the applying firm")?;
    if !matches!(
        party_for(conn, principal, &firm)?,
        Some(Party::Firm | Party::Advisor)
    ) {
        return Err(AppError::Forbidden);
    }
    let (target, status) = parsed(&app)?;
    if !editable(status) {
        return Err(locked(status));
    }
    Ok((app, target))
}

fn locked(status: Status) -> AppError {
    AppError::Conflict(Conflict::Refused {
        code: "documents_locked",
        text: Text::new("document.error.locked")
            .term("status", format!("application.status.{}", status.id())),
    })
}

/// What an upload form needs before the body is read: the limit and the kinds asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadPlan {
    /// The largest file accepted, in bytes.
    pub max_bytes: u64,
    /// The kinds this application's checklist asks for.
    pub kinds: Vec<Kind>,
}

/// Check that `principal` may upload to application `id` now (see [`for_change`]'s answers),
/// before a byte of the file is read.
pub fn prepare_upload(
    conn: &mut DbConn,
    principal: &Principal,
    id: i64,
) -> Result<UploadPlan, AppError> {
    let (_, target) = for_change(conn, principal, id)?;
    Ok(UploadPlan {
        max_bytes: max_bytes(conn)?,
        kinds: checklist(conn, target)?,
    })
}

/// The kind named in a form, if the checklist asks for it (else bad input beside `kind`).
fn asked_kind(raw: &str, asked: &[Kind]) -> Result<Kind, AppError> {
    Kind::parse(raw.trim())
        .filter(|k| asked.contains(k))
        .ok_or_else(|| {
            AppError::bad_input(
                "kind",
                "document_kind",
                Text::new("document.error.kind_not_asked"),
            )
        })
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Upload `bytes`, named `file_name` by the browser, as a document of `kind` (a form's id) to
/// application `id`. Returns the new document's id. Refused, with nothing written, when the
/// principal may not change the application's documents now, the checklist does not ask for
/// the kind, or the file is not accepted (`core::document::accept`).
pub fn upload_document(
    conn: &mut DbConn,
    storage: &Storage,
    principal: &Principal,
    id: i64,
    kind: &str,
    file_name: &str,
    bytes: Vec<u8>,
) -> Result<i64, AppError> {
    let plan = prepare_upload(conn, principal, id)?;
    let kind = asked_kind(kind, &plan.kinds)?;
    let accepted = document::accept(file_name, &bytes, plan.max_bytes)?;
    let size = i64::try_from(bytes.len())
        .map_err(|_| AppError::Internal(anyhow::anyhow!("an upload larger than i64")))?;
    let key = Storage::new_key();
    // Accepted: hash it while the storage writes it (the hash goes into the row only).
    let bytes = bytes::Bytes::from(bytes);
    let (stored, sha256) = storage.put_while(&key, bytes.clone(), || hex(&Sha256::digest(&bytes)));
    stored.map_err(|e| AppError::Internal(anyhow::Error::new(e).context("store the upload")))?;
    let now = Utc::now().naive_utc();
    let written = store::write_tx(conn, |c| {
        let (app, _) = for_change(c, principal, id)?;
        // Bump the application's version while it is still editable: a submission racing this
        // upload either sees the document or finds the application changed.
        if !documents::touch_editable(c, id, now).ctx("lock the application")? {
            let (_, status) = parsed(&applications::find_by_id(c, id).ctx("reload")?)?;
            return Err(locked(status));
        }
        let doc_id = documents::insert(
            c,
            &NewDocument {
                application_id: id,
                firm_id: app.firm_id,
                kind: kind.id().to_string(),
                file_name: accepted.name.clone(),
                content_type: accepted.content_type.mime().to_string(),
                size,
                sha256: sha256.clone(),
                storage_key: key.clone(),
                uploaded_by: principal.user_id,
                uploaded_at: now,
            },
        )
        .ctx("insert the document row")?;
        audit::record(
            c,
            &NewAuditEntry {
                actor_id: principal.user_id,
                actor_role: principal.role.id(),
                action: "upload_document",
                entity: "document",
                entity_id: Some(doc_id),
                detail: json!({
                    "application_id": id,
                    "firm_id": app.firm_id,
                    "kind": kind.id(),
                    "file_name": accepted.name,
                    "content_type": accepted.content_type.mime(),
                    "size": size,
                    "sha256": sha256,
                })
                .to_string(),
                at: now,
            },
        )
        .ctx("write audit row for upload_document")?;
        Ok(doc_id)
    });
    if written.is_err() {
        if let Err(e) = storage.delete(&key) {
            tracing::warn!(error = %e, key, "upload without a row left in storage for the sweep");
        }
    }
    written
}

/// Remove document `document_id` of application `id`, as seen on a page of the application
/// at `expected_version`: its row and audit row in one transaction, then its object (left to
/// the daily sweep if the storage fails now). The same people and statuses as an upload; a
/// document of another application is `NotFound`; a page out of date is a conflict.
pub fn remove_document(
    conn: &mut DbConn,
    storage: &Storage,
    principal: &Principal,
    id: i64,
    document_id: i64,
    expected_version: i64,
) -> Result<(), AppError> {
    let now = Utc::now().naive_utc();
    let key = store::write_tx(conn, |c| {
        let (app, _) = for_change(c, principal, id)?;
        if app.version != expected_version {
            return Err(stale());
        }
        let doc = documents::find_by_id(c, document_id).ctx("load the document")?;
        if doc.application_id != id || doc.firm_id != app.firm_id {
            return Err(AppError::NotFound);
        }
        if !documents::touch_editable(c, id, now).ctx("lock the application")? {
            let (_, status) = parsed(&applications::find_by_id(c, id).ctx("reload")?)?;
            return Err(locked(status));
        }
        documents::delete(c, document_id).ctx("delete the document row")?;
        audit::record(
            c,
            &NewAuditEntry {
                actor_id: principal.user_id,
                actor_role: principal.role.id(),
                action: "remove_document",
                entity: "document",
                entity_id: Some(document_id),
                detail: json!({
                    "application_id": id,
                    "firm_id": app.firm_id,
                    "kind": doc.kind,
                    "file_name": doc.file_name,
                    "sha256": doc.sha256,
                })
                .to_string(),
                at: now,
            },
        )
        .ctx("write audit row for remove_document")?;
        Ok(doc.storage_key)
    })?;
    if let Err(e) = storage.delete(&key) {
        tracing::warn!(error = %e, key, "removed document left in storage for the sweep");
    }
    Ok(())
}

/// A document to download: document `document_id` of application `id`, for anyone who may
/// see the application. Outside their territory, or a document of another application or
/// firm, it is `NotFound` — the same answer as an id that does not exist.
pub fn for_download(
    conn: &mut DbConn,
    principal: &Principal,
    id: i64,
    document_id: i64,
) -> Result<Document, AppError> {
    let app = applications::find_by_id(conn, id).ctx("load application")?;
    let firm = firms::find_by_id(conn, app.firm_id).ctx("load the applying firm")?;
    party_for(conn, principal, &firm)?;
    let doc = documents::find_by_id(conn, document_id).ctx("load the document")?;
    if doc.application_id != app.id || doc.firm_id != app.firm_id {
        return Err(AppError::NotFound);
    }
    Ok(doc)
}

/// The type a stored document was decided to be.
pub fn content_type_of(doc: &Document) -> Result<ContentType, AppError> {
    ContentType::from_mime(&doc.content_type).ok_or_else(|| {
        AppError::Internal(anyhow::anyhow!(
            "document {} has an unknown content type {}",
            doc.id,
            doc.content_type
        ))
    })
}

/// One line of an application's checklist: a kind asked for, and its documents.
#[derive(Debug, Clone)]
pub struct ChecklistItem {
    /// The kind.
    pub kind: Kind,
    /// Its documents, oldest first.
    pub documents: Vec<Document>,
}

/// An application's documents as its page shows them.
#[derive(Debug, Clone)]
pub struct Documents {
    /// The checklist, kind by kind.
    pub items: Vec<ChecklistItem>,
    /// Documents of kinds the checklist no longer asks for (the setting changed).
    pub others: Vec<Document>,
    /// Whether the viewer may upload and remove now.
    pub can_change: bool,
    /// The upload limit, in bytes.
    pub max_bytes: u64,
}

impl Documents {
    /// The kinds asked for that have no document yet.
    pub fn missing(&self) -> Vec<Kind> {
        self.items
            .iter()
            .filter(|i| i.documents.is_empty())
            .map(|i| i.kind)
            .collect()
    }
}

/// The documents of `app` (of `target`, in `status`) for a viewer who plays `party`.
pub fn documents_of(
    conn: &mut DbConn,
    app: &Application,
    target: Target,
    status: Status,
    party: Option<Party>,
) -> Result<Documents, AppError> {
    let kinds = checklist(conn, target)?;
    let mut all = documents::for_application(conn, app.id).ctx("load the documents")?;
    let items = kinds
        .iter()
        .map(|k| ChecklistItem {
            kind: *k,
            documents: all.iter().filter(|d| d.kind == k.id()).cloned().collect(),
        })
        .collect();
    all.retain(|d| !kinds.iter().any(|k| k.id() == d.kind));
    Ok(Documents {
        items,
        others: all,
        can_change: editable(status) && matches!(party, Some(Party::Firm | Party::Advisor)),
        max_bytes: max_bytes(conn)?,
    })
}

/// The kinds on `target`'s checklist that application `application_id` has no document of,
/// in the checklist's order.
pub fn missing_kinds(
    conn: &mut DbConn,
    application_id: i64,
    target: Target,
) -> Result<Vec<Kind>, AppError> {
    let required = checklist(conn, target)?;
    let present: Vec<Kind> = documents::kinds_of(conn, application_id)
        .ctx("load the document kinds")?
        .iter()
        .filter_map(|k| Kind::parse(k))
        .collect();
    Ok(document::missing(&required, &present))
}

/// The refusal of a submission while a kind on the checklist has no document, naming them.
pub fn missing_reason(
    conn: &mut DbConn,
    application_id: i64,
    target: Target,
) -> Result<Option<Reason>, AppError> {
    let missing = missing_kinds(conn, application_id, target)?;
    Ok((!missing.is_empty()).then(|| {
        Reason::new(
            "application_documents_missing",
            Text::new("application.reason.documents_missing").list(
                "kinds",
                missing.iter().map(|k| Text::new(k.key())).collect(),
            ),
        )
    }))
}

/// The documents of application `id` as `principal` sees them, with the application (for its
/// version); `NotFound` outside their territory.
pub fn application_documents(
    conn: &mut DbConn,
    principal: &Principal,
    id: i64,
) -> Result<(Application, Documents), AppError> {
    let app = applications::find_by_id(conn, id).ctx("load application")?;
    let firm = firms::find_by_id(conn, app.firm_id).ctx("load the applying firm")?;
    let party = party_for(conn, principal, &firm)?;
    let (target, status) = parsed(&app)?;
    let documents = documents_of(conn, &app, target, status, party)?;
    Ok((app, documents))
}
