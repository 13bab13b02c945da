//! Files in and out, for the application page and the API alike. An upload (the page's
//! multipart field or the API's raw body) streams into an anonymous temporary file (gone when
//! dropped, even if the process dies) under a size limit, and whatever is left of an
//! over-long body can be read and dropped within a budget, so the client hears the 413
//! instead of a reset. A download is an attachment under a safe name, never sniffed.

use crate::app::applications::documents::{Document, Download};
use crate::app::error::AppError;
use crate::core::document::{ascii_name, ContentType};
use crate::web::error::WebError;
use crate::web::session;
use actix_multipart::{Field, Multipart};
use actix_web::http::header::{
    self, Charset, ContentDisposition, DispositionParam, DispositionType, ExtendedValue,
};
use actix_web::{web, HttpRequest, HttpResponse};
use bytes::Bytes;
use futures_util::{Stream, StreamExt};
use std::fmt::Display;
use std::io::{Read, Seek, Write};

/// Bytes gathered before each write to the temporary file.
const WRITE_CHUNK: usize = 1024 * 1024;

/// How a stream of an upload failed.
#[derive(Debug)]
pub enum Failed {
    /// The client's stream broke or was malformed (a 400).
    Malformed(String),
    /// The temporary file could not be written (a 500).
    Io(AppError),
}

fn io_failed(e: impl Display) -> Failed {
    Failed::Io(AppError::Internal(anyhow::anyhow!(
        "write an upload to a temporary file: {e}"
    )))
}

/// Write `buf` to `file` on the blocking pool, handing both back.
fn write_later(
    mut file: std::fs::File,
    buf: Vec<u8>,
) -> actix_web::rt::task::JoinHandle<std::io::Result<(std::fs::File, Vec<u8>)>> {
    actix_web::rt::task::spawn_blocking(move || file.write_all(&buf).map(|()| (file, buf)))
}

/// Stream `body` into an anonymous temporary file, rewound; `None` when it is larger than
/// `limit` (what was written is dropped with the file). Two buffers: one fills from the
/// network while the other is being written.
pub async fn receive<S, E>(body: &mut S, limit: u64) -> Result<Option<std::fs::File>, Failed>
where
    S: Stream<Item = Result<Bytes, E>> + Unpin,
    E: Display,
{
    let file = web::block(tempfile::tempfile)
        .await
        .map_err(io_failed)?
        .map_err(io_failed)?;
    let mut writing = write_later(file, Vec::with_capacity(WRITE_CHUNK));
    let mut buf: Vec<u8> = Vec::with_capacity(WRITE_CHUNK);
    let mut size: u64 = 0;
    while let Some(chunk) = body.next().await {
        let chunk = chunk.map_err(|e| Failed::Malformed(e.to_string()))?;
        size += u64::try_from(chunk.len()).unwrap_or(u64::MAX);
        if size > limit {
            return Ok(None);
        }
        buf.extend_from_slice(&chunk);
        if buf.len() >= WRITE_CHUNK {
            let (file, mut spare) = writing.await.map_err(io_failed)?.map_err(io_failed)?;
            spare.clear();
            writing = write_later(file, std::mem::replace(&mut buf, spare));
        }
    }
    let (mut file, _) = writing.await.map_err(io_failed)?.map_err(io_failed)?;
    let file = web::block(move || -> std::io::Result<std::fs::File> {
        file.write_all(&buf)?;
        file.rewind()?;
        Ok(file)
    })
    .await
    .map_err(io_failed)?
    .map_err(io_failed)?;
    Ok(Some(file))
}

/// Read and drop what is left of `body`, counting it against `budget`; `false` once the
/// budget is spent (the connection is then closed rather than read further).
pub async fn drain<S, E>(body: &mut S, budget: &mut u64) -> Result<bool, Failed>
where
    S: Stream<Item = Result<Bytes, E>> + Unpin,
    E: Display,
{
    while let Some(chunk) = body.next().await {
        let chunk = chunk.map_err(|e| Failed::Malformed(e.to_string()))?;
        let n = u64::try_from(chunk.len()).unwrap_or(u64::MAX);
        *budget = budget.saturating_sub(n);
        if *budget == 0 {
            return Ok(false);
        }
    }
    Ok(true)
}

/// How much of an over-long body is read and dropped before the connection is closed.
pub fn drain_budget(limit: u64) -> u64 {
    limit.saturating_mul(4).max(1)
}

/// Whether a received file holds nothing.
pub fn is_empty(file: &std::fs::File) -> bool {
    file.metadata().map(|m| m.len() == 0).unwrap_or(false)
}

/// The whole of a received file, in one allocation of its size (no regrowth, no copies).
/// Blocking: call it on the blocking pool.
pub fn read_all(mut file: std::fs::File) -> Result<Vec<u8>, AppError> {
    let len = file.metadata().map_or(0, |m| m.len());
    let mut bytes = Vec::with_capacity(usize::try_from(len).unwrap_or(0));
    file.read_to_end(&mut bytes)
        .map_err(|e| AppError::Internal(anyhow::anyhow!("read an upload back: {e}")))?;
    Ok(bytes)
}

/// `doc`'s bytes (`found`, read from the storage) as an attachment under its name (`filename`
/// a plain-ASCII stand-in, `filename*` the exact name), of the type decided at upload, never
/// sniffed (`nosniff`) nor kept (`no-store`).
pub fn attachment(doc: &Document, content_type: ContentType, found: Download) -> HttpResponse {
    let disposition = ContentDisposition {
        disposition: DispositionType::Attachment,
        parameters: vec![
            DispositionParam::Filename(ascii_name(&doc.file_name, &doc.kind, doc.id, content_type)),
            DispositionParam::FilenameExt(ExtendedValue {
                charset: Charset::Ext("UTF-8".to_string()),
                language_tag: None,
                value: doc.file_name.as_bytes().to_vec(),
            }),
        ],
    };
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, content_type.mime()))
        .insert_header(disposition)
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .no_chunking(found.size)
        .streaming(found.body)
}

/// Read document `doc`'s object from `storage`.
pub async fn read_object(
    storage: &crate::app::applications::documents::Storage,
    doc: &Document,
) -> Result<Download, AppError> {
    storage.read(&doc.storage_key).await.map_err(|e| {
        AppError::Internal(anyhow::Error::new(e).context(format!(
            "read the object of document {} ({})",
            doc.id, doc.storage_key
        )))
    })
}

/// The longest text field an upload form carries (a CSRF token, a kind, a mode).
const TEXT_MAX: usize = 256;

/// A file as it arrived: its name as the browser sent it, and the temporary file holding it.
pub struct Received {
    /// The name the browser sent.
    pub name: String,
    /// The bytes, in an anonymous temporary file, rewound.
    pub file: std::fs::File,
}

/// An upload form as read.
pub struct UploadForm {
    /// The text fields asked for, as sent.
    pub fields: std::collections::BTreeMap<String, String>,
    /// The file (`file`), when one came within the limit.
    pub file: Option<Received>,
    /// The name of a file that was larger than the limit (nothing of it was kept).
    pub too_large: Option<String>,
}

impl UploadForm {
    /// A text field as sent; empty when absent.
    pub fn text(&self, name: &str) -> &str {
        self.fields.get(name).map_or("", String::as_str)
    }
}

fn malformed(e: impl std::fmt::Display) -> WebError {
    WebError::bad_request(format!("upload: {e}"))
}

impl From<Failed> for WebError {
    fn from(f: Failed) -> WebError {
        match f {
            Failed::Malformed(e) => malformed(e),
            Failed::Io(e) => e.into(),
        }
    }
}

async fn text_field(field: &mut Field) -> Result<String, WebError> {
    let mut bytes = Vec::new();
    while let Some(chunk) = field.next().await {
        let chunk = chunk.map_err(malformed)?;
        if bytes.len() + chunk.len() > TEXT_MAX {
            return Err(WebError::bad_request("upload: a text field is too long"));
        }
        bytes.extend_from_slice(&chunk);
    }
    String::from_utf8(bytes).map_err(malformed)
}

/// Read a multipart upload form: `_csrf` first (403 if a file comes before it or it does not
/// match the session), the text fields named in `text_fields`, and `file` under `limit`. Past
/// the limit the rest of the body is read and dropped (up to four times the limit), so the
/// browser gets the 413 page. Other fields are read and dropped.
pub async fn upload_form(
    req: &HttpRequest,
    mut payload: Multipart,
    limit: u64,
    text_fields: &[&str],
) -> Result<UploadForm, WebError> {
    let mut csrf_ok = false;
    let mut form = UploadForm {
        fields: std::collections::BTreeMap::new(),
        file: None,
        too_large: None,
    };
    let mut budget = drain_budget(limit);
    while let Some(field) = payload.next().await {
        let mut field = field.map_err(malformed)?;
        if form.too_large.is_some() {
            if !drain(&mut field, &mut budget).await? {
                break;
            }
            continue;
        }
        let name = field.name().unwrap_or("").to_string();
        match name.as_str() {
            "_csrf" => {
                let sent = text_field(&mut field).await?;
                csrf_ok = session::csrf_matches(req, &sent);
                if !csrf_ok {
                    return Err(WebError::csrf());
                }
            }
            "file" if form.file.is_none() => {
                if !csrf_ok {
                    return Err(WebError::csrf());
                }
                let file_name = field
                    .content_disposition()
                    .and_then(|cd| cd.get_filename())
                    .unwrap_or("")
                    .to_string();
                match receive(&mut field, limit).await? {
                    Some(file) => {
                        form.file = Some(Received {
                            name: file_name,
                            file,
                        })
                    }
                    None => {
                        form.too_large = Some(file_name);
                        if !drain(&mut field, &mut budget).await? {
                            break;
                        }
                    }
                }
            }
            n if text_fields.contains(&n) => {
                let v = text_field(&mut field).await?;
                form.fields.insert(name, v);
            }
            _ => {
                if !drain(&mut field, &mut budget).await? {
                    break;
                }
            }
        }
    }
    if !csrf_ok {
        return Err(WebError::csrf());
    }
    Ok(form)
}
