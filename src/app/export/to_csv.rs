//! A list as CSV: UTF-8 with a byte-order mark (so Excel shows Chinese), CRLF line ends,
//! quoted as RFC 4180 says, a header row in the reader's language and one line per row.
//! Text cells are neutralised against formulas ([`super::safe_cell`]); numbers, amounts in
//! yuan (exact, from integer fen) and dates are written plainly, so a spreadsheet reads them
//! as numbers and dates. No title line: the file reads back as a table.

use super::{bp_text, safe_cell, write_failed, yuan_text, Cell, Sheet, Sink};
use crate::app::error::AppError;
use crate::core::clock;
use std::fmt::Write as _;
use std::io::Write;

/// The UTF-8 byte-order mark.
pub const BOM: &[u8] = b"\xEF\xBB\xBF";

/// `W` with the byte-order mark before its first byte.
pub struct WithBom<W: Write> {
    inner: W,
    pending: bool,
}

impl<W: Write> Write for WithBom<W> {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        if self.pending {
            self.inner.write_all(BOM)?;
            self.pending = false;
        }
        self.inner.write(data)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// Writes a list as CSV to `W` as its rows come.
pub struct CsvSink<W: Write> {
    out: csv::Writer<WithBom<W>>,
    /// A reused buffer for a number or a date.
    buf: String,
}

impl<W: Write> CsvSink<W> {
    /// A sink writing to `out`.
    pub fn new(out: W) -> Self {
        CsvSink {
            out: csv::WriterBuilder::new()
                .terminator(csv::Terminator::CRLF)
                .buffer_capacity(64 * 1024)
                .from_writer(WithBom {
                    inner: out,
                    pending: true,
                }),
            buf: String::with_capacity(32),
        }
    }

    /// Flush what is buffered and hand back the writer.
    pub fn finish(self) -> Result<W, AppError> {
        let mut out = self
            .out
            .into_inner()
            .map_err(|e| write_failed(e.into_error()))?;
        // A list with nothing written still gets its mark.
        if out.pending {
            out.inner.write_all(BOM).map_err(write_failed)?;
        }
        Ok(out.inner)
    }
}

impl<W: Write> Sink for CsvSink<W> {
    fn start(&mut self, sheet: &Sheet) -> Result<(), AppError> {
        self.out.write_record(sheet.headers()).map_err(write_failed)
    }

    fn row(&mut self, cells: &[Cell<'_>]) -> Result<(), AppError> {
        for cell in cells {
            let buf = &mut self.buf;
            buf.clear();
            let field: &str = match cell {
                Cell::Empty => "",
                Cell::Text(s) => {
                    let safe = safe_cell(s);
                    self.out
                        .write_field(safe.as_bytes())
                        .map_err(write_failed)?;
                    continue;
                }
                Cell::Int(n) => {
                    let _ = write!(buf, "{n}");
                    buf
                }
                Cell::Fen(f) => {
                    buf.push_str(&yuan_text(*f));
                    buf
                }
                Cell::Date(d) => {
                    let _ = write!(buf, "{}", d.format("%Y-%m-%d"));
                    buf
                }
                Cell::At(t) => {
                    buf.push_str(&clock::china_minute(*t));
                    buf
                }
                Cell::Bp(b) => {
                    buf.push_str(&bp_text(*b));
                    buf
                }
            };
            self.out
                .write_field(field.as_bytes())
                .map_err(write_failed)?;
        }
        self.out
            .write_record(std::iter::empty::<&[u8]>())
            .map_err(write_failed)
    }
}
