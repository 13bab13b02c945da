//! Lists as files (issue 15), for the pages and the API: a list's export read model
//! (`app::firms::export`, …) run on a pooled connection on the blocking pool, its rows written
//! as they come. CSV streams to the client through a small bounded channel (the writer waits
//! when the client reads slowly); XLSX is written to a temporary file (a zip needs its
//! directory at the end) and then streamed from it. Neither holds the list in memory.
//!
//! An error before the first row (a bad filter, no connection) is answered as any error is;
//! one after the CSV has begun can only cut the download short, and is logged.

use crate::app::export::to_csv::CsvSink;
use crate::app::export::to_xlsx::XlsxSink;
use crate::app::export::{Cell, Format, Sheet, Sink};
use crate::app::{AppError, DbConn};
use crate::core::error::{InputError, Text};
use crate::web::AppState;
use actix_web::http::header::{
    self, Charset, ContentDisposition, DispositionParam, DispositionType, ExtendedValue,
};
use actix_web::HttpResponse;
use bytes::Bytes;
use serde::Deserialize;
use std::io::{self, Read, Write};
use tokio::sync::{mpsc, oneshot};

/// The `format` of an export's query string (`?format=csv|xlsx`).
#[derive(Debug, Default, Deserialize)]
pub struct FormatParam {
    /// `csv` or `xlsx`.
    #[serde(default)]
    pub format: String,
}

impl FormatParam {
    /// The format asked for, CSV when none is; anything else is refused on the field
    /// `format`.
    pub fn parse(&self) -> Result<Format, AppError> {
        if self.format.is_empty() {
            return Ok(Format::Csv);
        }
        Format::parse(&self.format).ok_or_else(|| {
            AppError::from(InputError::new(
                "format",
                "format_unknown",
                Text::new("export.format_unknown"),
            ))
        })
    }
}

/// What an API list answers with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    /// The JSON page.
    Json,
    /// The whole list as a file.
    File(Format),
}

/// The answer an API list gives: `?format=json|csv|xlsx` when given (anything else is a 400
/// naming `format`), else the first of JSON, CSV and XLSX that `Accept` names (`*/*` and no
/// `Accept`: JSON). Quality values are not weighed: the order is the client's preference.
pub fn negotiate(format: Option<&str>, accept: Option<&str>) -> Result<Answer, AppError> {
    if let Some(format) = format {
        if format == "json" {
            return Ok(Answer::Json);
        }
        // Unlike a page's link, the API names its format: an empty one is refused too.
        return Format::parse(format).map(Answer::File).ok_or_else(|| {
            AppError::from(InputError::new(
                "format",
                "format_unknown",
                Text::new("export.format_unknown"),
            ))
        });
    }
    for media in accept.unwrap_or("").split(',') {
        let media = media.split(';').next().unwrap_or("").trim();
        if media.eq_ignore_ascii_case("text/csv") {
            return Ok(Answer::File(Format::Csv));
        }
        if media.eq_ignore_ascii_case(crate::app::export::XLSX_MIME) {
            return Ok(Answer::File(Format::Xlsx));
        }
        if media.eq_ignore_ascii_case("application/json") || media == "*/*" {
            return Ok(Answer::Json);
        }
    }
    Ok(Answer::Json)
}

/// How much CSV is gathered before it goes to the client as one chunk.
const CHUNK: usize = 64 * 1024;

/// Chunks in flight between the writer and the client: with [`CHUNK`], at most a few hundred
/// kilobytes whatever the list's length.
const IN_FLIGHT: usize = 4;

type Chunk = Result<Bytes, io::Error>;

/// Bytes written on the blocking pool, sent to the response as chunks.
struct ChannelWriter {
    tx: mpsc::Sender<Chunk>,
    buf: Vec<u8>,
}

impl ChannelWriter {
    fn send(&mut self) -> io::Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let chunk = Bytes::from(std::mem::replace(&mut self.buf, Vec::with_capacity(CHUNK)));
        self.tx
            .blocking_send(Ok(chunk))
            .map_err(|_| io::Error::new(io::ErrorKind::BrokenPipe, "the client went away"))
    }
}

impl Write for ChannelWriter {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        self.buf.extend_from_slice(data);
        if self.buf.len() >= CHUNK {
            self.send()?;
        }
        Ok(data.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.send()
    }
}

/// The file's names (ASCII stand-in, exact), known once the list has started.
type Names = (String, String);

/// A sink that notes the file's names when the list starts (and tells a waiting handler),
/// and passes everything on.
struct Announce<S> {
    inner: S,
    format: Format,
    names: Option<Names>,
    started: Option<oneshot::Sender<Result<Names, AppError>>>,
}

impl<S: Sink> Sink for Announce<S> {
    fn start(&mut self, sheet: &Sheet) -> Result<(), AppError> {
        self.inner.start(sheet)?;
        let names = sheet.file_names(self.format);
        if let Some(tx) = self.started.take() {
            let _ = tx.send(Ok(names.clone()));
        }
        self.names = Some(names);
        Ok(())
    }

    fn row(&mut self, cells: &[Cell<'_>]) -> Result<(), AppError> {
        self.inner.row(cells)
    }
}

fn internal(e: impl std::error::Error + Send + Sync + 'static, what: &'static str) -> AppError {
    AppError::Internal(anyhow::Error::new(e).context(what))
}

fn attachment(format: Format, (ascii, exact): Names) -> [(header::HeaderName, String); 2] {
    let disposition = ContentDisposition {
        disposition: DispositionType::Attachment,
        parameters: vec![
            DispositionParam::Filename(ascii),
            DispositionParam::FilenameExt(ExtendedValue {
                charset: Charset::Ext("UTF-8".to_string()),
                language_tag: None,
                value: exact.into_bytes(),
            }),
        ],
    };
    [
        (header::CONTENT_TYPE, format.mime().to_string()),
        (header::CONTENT_DISPOSITION, disposition.to_string()),
    ]
}

/// Answer with the list `produce` writes, as `format` (an error before its first row is the
/// caller's to answer: a page's or the API's).
pub async fn respond<F>(
    state: &AppState,
    format: Format,
    produce: F,
) -> Result<HttpResponse, AppError>
where
    F: FnOnce(&mut DbConn, &mut dyn Sink) -> Result<(), AppError> + Send + 'static,
{
    match format {
        Format::Csv => csv_stream(state, produce).await,
        Format::Xlsx => xlsx_file(state, produce).await,
    }
}

/// A pooled connection, or the error that says the database is out of reach.
macro_rules! connection {
    ($pool:expr) => {
        $pool
            .get()
            .map_err(|e| AppError::Unavailable(format!("no database connection: {e}")))
    };
}

async fn csv_stream<F>(state: &AppState, produce: F) -> Result<HttpResponse, AppError>
where
    F: FnOnce(&mut DbConn, &mut dyn Sink) -> Result<(), AppError> + Send + 'static,
{
    let (tx, rx) = mpsc::channel::<Chunk>(IN_FLIGHT);
    let (started_tx, started_rx) = oneshot::channel();
    let pool = state.pool.clone();
    actix_web::rt::task::spawn_blocking(move || {
        let writer = ChannelWriter {
            tx: tx.clone(),
            buf: Vec::with_capacity(CHUNK),
        };
        let mut sink = Announce {
            inner: CsvSink::new(writer),
            format: Format::Csv,
            names: None,
            started: Some(started_tx),
        };
        let result = connection!(pool).and_then(|mut conn| produce(&mut conn, &mut sink));
        let Announce { inner, started, .. } = sink;
        let result = result.and_then(|()| {
            inner
                .finish()?
                .flush()
                .map_err(|e| internal(e, "send the last of the CSV"))
        });
        if let Err(e) = result {
            match started {
                // Nothing sent yet: the handler answers with the error.
                Some(s) => {
                    let _ = s.send(Err(e));
                }
                None => {
                    tracing::error!(error = %e, "a CSV export stopped midway");
                    let _ = tx.blocking_send(Err(io::Error::other(e.to_string())));
                }
            }
        }
    });
    let names = started_rx.await.map_err(|e| {
        AppError::Internal(anyhow::Error::new(e).context("the export stopped before its first row"))
    })??;
    let body = futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|chunk| (chunk, rx))
    });
    let mut res = HttpResponse::Ok();
    for h in attachment(Format::Csv, names) {
        res.insert_header(h);
    }
    Ok(res
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .streaming(body))
}

async fn xlsx_file<F>(state: &AppState, produce: F) -> Result<HttpResponse, AppError>
where
    F: FnOnce(&mut DbConn, &mut dyn Sink) -> Result<(), AppError> + Send + 'static,
{
    let pool = state.pool.clone();
    let (names, file) = actix_web::web::block(move || -> Result<_, AppError> {
        let mut sink = Announce {
            inner: XlsxSink::new(),
            format: Format::Xlsx,
            names: None,
            started: None,
        };
        {
            let mut conn = connection!(pool)?;
            produce(&mut conn, &mut sink)?;
        }
        let names = sink
            .names
            .take()
            .ok_or_else(|| AppError::Internal(anyhow::anyhow!("the export wrote no sheet")))?;
        let file =
            tempfile::NamedTempFile::new().map_err(|e| internal(e, "make a temporary file"))?;
        sink.inner.save(file.path())?;
        Ok((names, file))
    })
    .await
    .map_err(|e| AppError::Internal(anyhow::anyhow!("blocking task failed: {e}")))??;
    let size = file
        .as_file()
        .metadata()
        .map_err(|e| internal(e, "size the workbook"))?
        .len();
    let mut reader = file
        .reopen()
        .map_err(|e| internal(e, "open the workbook"))?;
    let (tx, rx) = mpsc::channel::<Chunk>(IN_FLIGHT);
    actix_web::rt::task::spawn_blocking(move || {
        // The temporary file lives until it has been read (then it is deleted).
        let _file = file;
        loop {
            let mut buf = vec![0_u8; CHUNK];
            match reader.read(&mut buf) {
                Ok(0) => return,
                Ok(n) => {
                    buf.truncate(n);
                    if tx.blocking_send(Ok(Bytes::from(buf))).is_err() {
                        return;
                    }
                }
                Err(e) => {
                    let _ = tx.blocking_send(Err(e));
                    return;
                }
            }
        }
    });
    let body = futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|chunk| (chunk, rx))
    });
    let mut res = HttpResponse::Ok();
    for h in attachment(Format::Xlsx, names) {
        res.insert_header(h);
    }
    Ok(res
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .no_chunking(size)
        .streaming(body))
}

/// Small tables of text held in memory (an import's error report, a template, the rows of an
/// announcement list not recorded) as CSV or XLSX downloads.
pub mod table {
    use crate::app::error::AppError;
    use crate::app::export::{safe_cell, Format};
    use crate::web::error::WebError;
    use actix_web::http::header;
    use actix_web::HttpResponse;

    /// `rows` (the first the header) as a download in `format`, named `stem` (ASCII) with the
    /// format's extension.
    pub fn download(
        format: Format,
        stem: &str,
        rows: &[Vec<String>],
    ) -> Result<HttpResponse, WebError> {
        let body = match format {
            Format::Csv => csv_bytes(rows)?,
            Format::Xlsx => xlsx_bytes(rows)?,
        };
        Ok(HttpResponse::Ok()
            .content_type(format.mime())
            .insert_header((
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{stem}.{}\"", format.ext()),
            ))
            .body(body))
    }

    fn internal(e: impl std::fmt::Display) -> WebError {
        WebError::from(AppError::Internal(anyhow::anyhow!("write a file: {e}")))
    }

    /// `rows` (the first the header) as formula-safe CSV: UTF-8 with a BOM, CRLF.
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

    /// `rows` (the first the header, bold and frozen) as an XLSX workbook of text cells.
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
}
