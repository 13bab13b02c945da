//! Exports of lists (issue 15): one shape for every list a page shows, written as CSV or XLSX.
//!
//! A list is its [`Sheet`] (what it is, its filter in words, when it was taken, its
//! [`Column`]s) and rows of [`Cell`]s pushed into a [`Sink`] one at a time: the list's read
//! model (`app::firms::export`, `app::coaching::export`, …) reads the database a batch at a time
//! and pushes each row as it goes, and the sink writes it on ([`to_csv::CsvSink`] to any
//! `Write`, [`to_xlsx::XlsxSink`] to a constant-memory worksheet), so memory does not grow with
//! the number of rows. The edge that knows the reader (a page, the API, the CLI) passes the
//! language in and decides where the bytes go.
//!
//! Amounts stay integer fen up to the writer: CSV writes them as exact decimal yuan, XLSX
//! converts each to a number cell at the last moment (see [`to_xlsx`]).

pub mod to_csv;
pub mod to_xlsx;

use crate::app::error::AppError;
use crate::core::clock;
use crate::core::error::Text;
use crate::i18n::{self, Lang};
use chrono::{NaiveDate, NaiveDateTime};
use std::borrow::Cow;

/// The two file formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// UTF-8 with a byte-order mark, CRLF, RFC 4180 quoting, formulas neutralised.
    Csv,
    /// An Excel workbook.
    Xlsx,
}

/// The media type of an XLSX file.
pub const XLSX_MIME: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

impl Format {
    /// `csv` or `xlsx`, exactly; anything else is `None`.
    pub fn parse(s: &str) -> Option<Format> {
        match s {
            "csv" => Some(Format::Csv),
            "xlsx" => Some(Format::Xlsx),
            _ => None,
        }
    }

    /// The file name extension, without the dot.
    pub fn ext(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Xlsx => "xlsx",
        }
    }

    /// The media type.
    pub fn mime(self) -> &'static str {
        match self {
            Format::Csv => "text/csv; charset=utf-8",
            Format::Xlsx => XLSX_MIME,
        }
    }
}

/// What a column holds, which decides how each writer writes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Words (neutralised against formulas in CSV, a string cell in XLSX).
    Text,
    /// A whole number.
    Integer,
    /// An amount held in fen, shown in yuan with two decimals.
    Yuan,
    /// A calendar date.
    Date,
    /// A UTC instant, shown in China time to the minute.
    DateTime,
    /// A share, held in basis points (1/10,000), shown as a percentage.
    Ratio,
}

/// One column of a list: its header (a catalog key) and what it holds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Column {
    /// The header's catalog key (`col.name`).
    pub key: &'static str,
    /// What its cells hold.
    pub kind: Kind,
    /// Its width in XLSX, in characters.
    pub width: f64,
}

impl Column {
    /// A text column `width` characters wide.
    pub const fn text(key: &'static str, width: f64) -> Column {
        Column {
            key,
            kind: Kind::Text,
            width,
        }
    }

    /// A column of `kind` at its usual width.
    pub const fn of(key: &'static str, kind: Kind) -> Column {
        let width = match kind {
            Kind::Text => 16.0,
            Kind::Integer => 10.0,
            Kind::Yuan => 18.0,
            Kind::Date => 12.0,
            Kind::DateTime => 17.0,
            Kind::Ratio => 10.0,
        };
        Column { key, kind, width }
    }
}

/// One cell of a row; [`Cell::Empty`] fits any column.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell<'a> {
    /// Nothing.
    Empty,
    /// Words.
    Text(Cow<'a, str>),
    /// A whole number.
    Int(i64),
    /// An amount in fen.
    Fen(i64),
    /// A date.
    Date(NaiveDate),
    /// A UTC instant.
    At(NaiveDateTime),
    /// Basis points.
    Bp(i64),
}

impl<'a> Cell<'a> {
    /// Borrowed words.
    pub fn text(s: &'a str) -> Cell<'a> {
        Cell::Text(Cow::Borrowed(s))
    }

    /// Words, or nothing when `None`.
    pub fn opt_text(s: Option<&'a str>) -> Cell<'a> {
        s.map_or(Cell::Empty, Cell::text)
    }
}

/// What a list is, as its title line and its file name say it, with its columns.
#[derive(Debug, Clone)]
pub struct Sheet {
    /// The list's name in the reader's language (`企业列表`).
    pub title: String,
    /// The file name's stem in ASCII (`firms`).
    pub slug: &'static str,
    /// The filter, as (label, value) in the reader's language; empty: the whole list.
    pub filter: Vec<(String, String)>,
    /// When it was taken (UTC).
    pub taken_at: NaiveDateTime,
    /// The reader's language.
    pub lang: Lang,
    /// The columns, in order.
    pub columns: Vec<Column>,
}

impl Sheet {
    /// The filter in words: `阶段：后备库；县区：源汇区`, or the word for "all".
    pub fn filter_words(&self) -> String {
        if self.filter.is_empty() {
            return i18n::text(self.lang, "export.unfiltered");
        }
        let sep = self.lang.pick("；", "; ");
        let colon = self.lang.pick("：", ": ");
        self.filter
            .iter()
            .map(|(k, v)| format!("{k}{colon}{v}"))
            .collect::<Vec<_>>()
            .join(sep)
    }

    /// The title line: what the list is, its filter and when it was taken (China time).
    pub fn heading(&self) -> String {
        i18n::render(
            self.lang,
            &Text::new("export.heading")
                .plain("list", &self.title)
                .plain("filter", self.filter_words())
                .plain("at", clock::china_minute(self.taken_at)),
        )
    }

    /// The headers in the reader's language.
    pub fn headers(&self) -> Vec<String> {
        self.columns
            .iter()
            .map(|c| i18n::text(self.lang, c.key))
            .collect()
    }

    /// The file name: `{slug}-{China date}.{ext}` in ASCII, and `{title}-{date}.{ext}` as the
    /// exact (UTF-8) name.
    pub fn file_names(&self, format: Format) -> (String, String) {
        let date = clock::china_date(self.taken_at).format("%Y-%m-%d");
        let ext = format.ext();
        let title: String = self
            .title
            .chars()
            .map(|c| {
                if c.is_control()
                    || matches!(c, '/' | '\\' | '"' | ':' | '*' | '?' | '<' | '>' | '|')
                {
                    '_'
                } else {
                    c
                }
            })
            .collect();
        (
            format!("{}-{date}.{ext}", self.slug),
            format!("{title}-{date}.{ext}"),
        )
    }
}

/// Where a list's rows go.
pub trait Sink {
    /// The list's title, filter and columns, once before any row.
    fn start(&mut self, sheet: &Sheet) -> Result<(), AppError>;
    /// One row, as many cells as the sheet has columns.
    fn row(&mut self, cells: &[Cell<'_>]) -> Result<(), AppError>;
}

/// A write failure as the app's error: nothing the reader did wrong.
pub(crate) fn write_failed(e: impl std::error::Error + Send + Sync + 'static) -> AppError {
    AppError::Internal(anyhow::Error::new(e).context("write the export"))
}

/// A text cell made safe for a spreadsheet: one starting with `=`, `+`, `-`, `@`, a tab or a
/// carriage return is prefixed with `'`, so that Excel shows it as text instead of running it
/// as a formula (CSV injection).
pub fn safe_cell(text: &str) -> Cow<'_, str> {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        Cow::Owned(format!("'{text}"))
    } else {
        Cow::Borrowed(text)
    }
}

/// Fen as yuan with two decimals, on integers: `-1234.05`. No grouping, so that every
/// spreadsheet reads it as a number.
pub fn yuan_text(fen: i64) -> String {
    let sign = if fen < 0 { "-" } else { "" };
    let abs = fen.unsigned_abs();
    format!("{sign}{}.{:02}", abs / 100, abs % 100)
}

/// Basis points as a percentage with two decimals, on integers: `12.34%`.
pub fn bp_text(bp: i64) -> String {
    let sign = if bp < 0 { "-" } else { "" };
    let abs = bp.unsigned_abs();
    format!("{sign}{}.{:02}%", abs / 100, abs % 100)
}

/// Rows read per query by an export: enough to make each query's cost small beside its rows,
/// few enough that a batch is a few hundred kilobytes whatever the list's length.
pub const BATCH: i64 = 1_000;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_neutralised_and_plain_text_is_not() {
        assert_eq!(
            safe_cell("=HYPERLINK(\"http://x\")"),
            "'=HYPERLINK(\"http://x\")"
        );
        for s in ["+1", "-1", "@a", "\tx", "\rx"] {
            assert!(safe_cell(s).starts_with('\''), "{s:?}");
        }
        assert_eq!(safe_cell("漯河"), "漯河");
        assert_eq!(safe_cell(""), "");
    }

    #[test]
    fn amounts_and_shares_are_written_on_integers() {
        assert_eq!(yuan_text(123_405), "1234.05");
        assert_eq!(yuan_text(-5), "-0.05");
        assert_eq!(yuan_text(0), "0.00");
        assert_eq!(yuan_text(i64::MIN), "-92233720368547758.08");
        assert_eq!(bp_text(1_234), "12.34%");
        assert_eq!(bp_text(-1), "-0.01%");
    }

    #[test]
    fn formats_are_named_exactly() {
        assert_eq!(Format::parse("csv"), Some(Format::Csv));
        assert_eq!(Format::parse("xlsx"), Some(Format::Xlsx));
        assert_eq!(Format::parse("CSV"), None);
        assert_eq!(Format::parse(" xlsx"), None);
        assert_eq!(Format::parse("xls"), None);
    }
}
