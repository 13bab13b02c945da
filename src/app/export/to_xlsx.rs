//! A list as an Excel workbook: one worksheet in rust_xlsxwriter's constant-memory mode (each
//! row goes to a temporary file as soon as the next begins), so a list of any length takes
//! the same memory. Row 1 says what the list is, its filter and when it was taken; row 2 holds
//! the headers in the reader's language, frozen and with an autofilter over the data; text is
//! always a string cell (never a formula), whole numbers and amounts are number cells (amounts
//! in yuan with `#,##0.00`), dates and times are date cells.

use super::{write_failed, Cell, Kind, Sheet, Sink};
use crate::app::error::AppError;
use crate::core::clock;
use rust_xlsxwriter::{Format as XFormat, Workbook, Worksheet, XlsxError};
use std::path::Path;

/// The row of the headers (0-based); the title line is above it.
const HEADER_ROW: u32 = 1;

/// Writes a list into a workbook as its rows come; [`XlsxSink::save`] writes the file.
pub struct XlsxSink {
    book: Workbook,
    kinds: Vec<Kind>,
    next_row: u32,
    yuan: XFormat,
    date: XFormat,
    datetime: XFormat,
    ratio: XFormat,
    integer: XFormat,
}

impl Default for XlsxSink {
    fn default() -> Self {
        Self::new()
    }
}

fn xlsx_failed(e: XlsxError) -> AppError {
    write_failed(e)
}

/// A worksheet's name: at most 31 characters, none of `[]:*?/\`.
fn sheet_name(title: &str) -> String {
    let name: String = title
        .chars()
        .filter(|c| !matches!(c, '[' | ']' | ':' | '*' | '?' | '/' | '\\') && !c.is_control())
        .take(31)
        .collect();
    let name = name.trim_matches('\'').trim().to_string();
    if name.is_empty() {
        "Sheet1".to_string()
    } else {
        name
    }
}

impl XlsxSink {
    /// An empty workbook with one constant-memory worksheet.
    pub fn new() -> Self {
        let mut book = Workbook::new();
        book.add_worksheet_with_constant_memory();
        XlsxSink {
            book,
            kinds: Vec::new(),
            next_row: HEADER_ROW + 1,
            yuan: XFormat::new().set_num_format("#,##0.00"),
            date: XFormat::new().set_num_format("yyyy-mm-dd"),
            datetime: XFormat::new().set_num_format("yyyy-mm-dd hh:mm"),
            ratio: XFormat::new().set_num_format("0.00%"),
            integer: XFormat::new().set_num_format("0"),
        }
    }

    fn sheet(&mut self) -> Result<&mut Worksheet, AppError> {
        self.book.worksheet_from_index(0).map_err(xlsx_failed)
    }

    /// Put the autofilter over the header and the rows written, and write the workbook to
    /// `path`.
    pub fn save(mut self, path: &Path) -> Result<(), AppError> {
        let last_col = u16::try_from(self.kinds.len().saturating_sub(1)).unwrap_or(u16::MAX);
        let last_row = (self.next_row - 1).max(HEADER_ROW);
        if !self.kinds.is_empty() {
            self.sheet()?
                .autofilter(HEADER_ROW, 0, last_row, last_col)
                .map_err(xlsx_failed)?;
        }
        self.book.save(path).map_err(xlsx_failed)
    }
}

impl Sink for XlsxSink {
    fn start(&mut self, sheet: &Sheet) -> Result<(), AppError> {
        self.kinds = sheet.columns.iter().map(|c| c.kind).collect();
        let bold = XFormat::new().set_bold();
        let heading = sheet.heading();
        let headers = sheet.headers();
        let ws = self.sheet()?;
        ws.set_name(sheet_name(&sheet.title)).map_err(xlsx_failed)?;
        for (i, c) in sheet.columns.iter().enumerate() {
            let col = u16::try_from(i).unwrap_or(u16::MAX);
            ws.set_column_width(col, c.width).map_err(xlsx_failed)?;
        }
        ws.write_string_with_format(0, 0, heading, &bold)
            .map_err(xlsx_failed)?;
        for (i, h) in headers.iter().enumerate() {
            let col = u16::try_from(i).unwrap_or(u16::MAX);
            ws.write_string_with_format(HEADER_ROW, col, h, &bold)
                .map_err(xlsx_failed)?;
        }
        ws.set_freeze_panes(HEADER_ROW + 1, 0)
            .map_err(xlsx_failed)?;
        Ok(())
    }

    fn row(&mut self, cells: &[Cell<'_>]) -> Result<(), AppError> {
        let row = self.next_row;
        let XlsxSink {
            book,
            yuan,
            date,
            datetime,
            ratio,
            integer,
            ..
        } = self;
        let ws = book.worksheet_from_index(0).map_err(xlsx_failed)?;
        for (i, cell) in cells.iter().enumerate() {
            let col = u16::try_from(i).unwrap_or(u16::MAX);
            match cell {
                Cell::Empty => continue,
                // A string cell whatever it starts with: only `write_formula` makes formulas.
                Cell::Text(s) => ws.write_string(row, col, s.as_ref()),
                // Whole numbers we hold (counts, readiness, ids) are far inside f64's 2^53.
                Cell::Int(n) => ws.write_number_with_format(row, col, *n as f64, integer),
                // The one place an amount becomes a float: an XLSX number cell is an IEEE
                // double. Fen up to 2^53 (about 90 trillion yuan) are exact as f64, and the
                // division by 100 gives the double nearest the decimal yuan amount, which is
                // what Excel itself stores for that amount typed in; it shows with two
                // decimals. Nothing is computed on the float afterwards.
                Cell::Fen(f) => ws.write_number_with_format(row, col, *f as f64 / 100.0, yuan),
                Cell::Date(d) => ws.write_datetime_with_format(row, col, d, date),
                Cell::At(t) => {
                    ws.write_datetime_with_format(row, col, clock::china_time(*t), datetime)
                }
                // Basis points as a fraction, shown as a percentage.
                Cell::Bp(b) => ws.write_number_with_format(row, col, *b as f64 / 10_000.0, ratio),
            }
            .map_err(xlsx_failed)?;
        }
        self.next_row += 1;
        Ok(())
    }
}
