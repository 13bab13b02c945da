//! Files into grids: CSV (UTF-8, UTF-8 with BOM, UTF-16 with BOM, or GB18030, detected) and
//! XLSX (the first sheet, merged cells filled, dates as dates).

use crate::core::error::Text;
use crate::core::registry::cell::Cell;
use crate::core::registry::{Grid, Merge};
use std::io::Cursor;

/// The text encodings a CSV file is read in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// UTF-8 (with or without a byte-order mark).
    Utf8,
    /// UTF-16 little- or big-endian, with its byte-order mark (Excel's "Unicode text").
    Utf16,
    /// GB18030 (what Excel on a Chinese Windows writes; a superset of GBK and GB2312).
    Gb18030,
}

/// Decide the encoding of CSV bytes and decode them: a UTF-8 byte-order mark means UTF-8, a
/// UTF-16 one UTF-16; bytes that are valid UTF-8 are UTF-8; anything else is GB18030 (which
/// decodes every byte sequence; a file in yet another encoding shows as wrong names and
/// unknown codes in the report, never as silently wrong numbers).
pub fn decode(bytes: &[u8]) -> (String, Encoding) {
    if let Some(rest) = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]) {
        return (String::from_utf8_lossy(rest).into_owned(), Encoding::Utf8);
    }
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        let (text, _, _) = encoding_rs::UTF_16LE.decode(bytes);
        return (text.into_owned(), Encoding::Utf16);
    }
    match std::str::from_utf8(bytes) {
        Ok(s) => (s.to_string(), Encoding::Utf8),
        Err(_) => {
            let (text, _) = encoding_rs::GB18030.decode_without_bom_handling(bytes);
            (text.into_owned(), Encoding::Gb18030)
        }
    }
}

/// The delimiter of a CSV text: tab, semicolon or comma, whichever the first lines hold most.
fn delimiter(text: &str) -> u8 {
    let head: String = text.lines().take(20).collect::<Vec<_>>().join("\n");
    let count = |c: char| head.matches(c).count();
    let (tabs, semis, commas) = (count('\t'), count(';'), count(','));
    if tabs > commas && tabs >= semis {
        b'\t'
    } else if semis > commas {
        b';'
    } else {
        b','
    }
}

/// A CSV file as a grid (every cell text).
pub fn csv_grid(bytes: &[u8]) -> Result<(Grid, Encoding), Text> {
    let (text, encoding) = decode(bytes);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter(&text))
        .from_reader(text.as_bytes());
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record
            .map_err(|e| Text::new("import.error.unreadable").plain("detail", e.to_string()))?;
        rows.push(
            record
                .iter()
                .map(|f| {
                    if f.trim().is_empty() {
                        Cell::Empty
                    } else {
                        Cell::Text(f.to_string())
                    }
                })
                .collect(),
        );
    }
    Ok((Grid { rows }, encoding))
}

/// The first sheet of an XLSX file as a grid, merged regions filled with their top-left value.
pub fn xlsx_grid(bytes: &[u8]) -> Result<Grid, Text> {
    use calamine::{Data, Reader, Xlsx};
    let unreadable = |e: &dyn std::fmt::Display| {
        Text::new("import.error.unreadable").plain("detail", e.to_string())
    };
    let mut book: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).map_err(|e| unreadable(&e))?;
    let range = book
        .worksheet_range_at(0)
        .ok_or_else(|| Text::new("import.error.empty_file"))?
        .map_err(|e| unreadable(&e))?;
    let merges = book
        .worksheet_merge_cells_at(0)
        .transpose()
        .map_err(|e| unreadable(&e))?
        .unwrap_or_default();
    let (top, left) = range.start().unwrap_or((0, 0));
    let (top, left) = (top as usize, left as usize);
    let mut rows: Vec<Vec<Cell>> = vec![Vec::new(); top];
    for r in range.rows() {
        let mut row = vec![Cell::Empty; left];
        row.extend(r.iter().map(|d| match d {
            Data::Empty => Cell::Empty,
            Data::String(s) if s.trim().is_empty() => Cell::Empty,
            Data::String(s) => Cell::Text(s.clone()),
            Data::Int(i) => Cell::Text(i.to_string()),
            Data::Float(f) => Cell::Number(*f),
            Data::Bool(b) => Cell::Text(b.to_string()),
            Data::DateTime(dt) => match dt.as_datetime() {
                Some(t) if dt.is_datetime() => Cell::Date(t.date()),
                // A duration is not a date; its number is shown as such.
                _ => Cell::Number(dt.as_f64()),
            },
            Data::DateTimeIso(s) | Data::DurationIso(s) => Cell::Text(s.clone()),
            Data::Error(e) => Cell::Text(format!("#{e:?}")),
        }));
        rows.push(row);
    }
    let mut grid = Grid { rows };
    let merges: Vec<Merge> = merges
        .iter()
        .map(|d| Merge {
            top: d.start.0 as usize,
            left: d.start.1 as usize,
            bottom: d.end.0 as usize,
            right: d.end.1 as usize,
        })
        .collect();
    grid.fill_merged(&merges);
    Ok(grid)
}

/// Whether bytes are an XLSX file (a zip archive) rather than text.
pub fn is_xlsx(bytes: &[u8]) -> bool {
    bytes.starts_with(b"PK\x03\x04")
}

/// Any supported file as a grid: XLSX by its zip signature, CSV otherwise.
pub fn grid(bytes: &[u8]) -> Result<Grid, Text> {
    if is_xlsx(bytes) {
        xlsx_grid(bytes)
    } else {
        csv_grid(bytes).map(|(g, _)| g)
    }
}
