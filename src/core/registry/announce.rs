//! The province's yearly announcement lists (issue 15, part 7), read from a grid of cells: the
//! list of newly certified high-tech enterprises (certificate number and issue date) or of
//! registered tech-SMEs (registration number and year). Pure, like the registry reader: the
//! header is found under title rows, blank and totals rows are skipped, and every row is
//! validated into an [`Entry`] or row errors. Which list a sheet is follows from its header: a
//! certificate-number column makes it an HTE list, a registration-number column a tech-SME
//! list.
//!
//! Firms are named by their credit code when the list has that column (each row must then carry
//! a valid one), else by name. A certificate number is checked as the stage machine checks it
//! (`GR`, the issue year, 8 more digits), so a malformed one is a row error here rather than a
//! refusal later; a registration number is letters and digits (8 to 30) and, when it starts
//! with a year, that year must be the registration year.

use super::cell::{self, column_letter, Cell};
use super::headers::{self, Field};
use super::{county_code, is_totals, CountyName, Grid, RowError, HEADER_SEARCH_ROWS};
pub use crate::core::application::Outcome as Announced;
use crate::core::error::Text;
use crate::core::stage::certificate_reasons;
use crate::core::uscc::Uscc;
use chrono::{Datelike, NaiveDate};
use std::collections::HashMap;

/// Which announcement a list is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ListKind {
    /// Newly certified high-tech enterprises (高新技术企业认定名单).
    HighTech,
    /// Registered tech-SMEs (科技型中小企业入库名单).
    TechSme,
}

impl ListKind {
    /// Stable id: `high_tech`, `tech_sme`.
    pub fn id(self) -> &'static str {
        match self {
            ListKind::HighTech => "high_tech",
            ListKind::TechSme => "tech_sme",
        }
    }
}

/// What a column of an announcement list holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ListField {
    /// 序号, read and ignored.
    Serial,
    /// 统一社会信用代码.
    Uscc,
    /// 企业名称.
    Name,
    /// 所属县区.
    County,
    /// 证书编号 (HTE list).
    CertNo,
    /// 发证日期 (HTE list).
    IssuedOn,
    /// 入库登记编号 (tech-SME list).
    RegNo,
    /// 年度 (tech-SME list: the registration year).
    Year,
}

impl ListField {
    /// Every field, in the order the page documents them.
    pub const ALL: [ListField; 8] = [
        ListField::Serial,
        ListField::Uscc,
        ListField::Name,
        ListField::County,
        ListField::CertNo,
        ListField::IssuedOn,
        ListField::RegNo,
        ListField::Year,
    ];

    /// Stable id, also the catalog key's end (`announce.field.<id>`).
    pub fn id(self) -> &'static str {
        match self {
            ListField::Serial => "serial",
            ListField::Uscc => "uscc",
            ListField::Name => "name",
            ListField::County => "county",
            ListField::CertNo => "cert_no",
            ListField::IssuedOn => "issued_on",
            ListField::RegNo => "reg_no",
            ListField::Year => "year",
        }
    }

    /// The header names accepted (matched after [`headers::normalise`]); the first Chinese
    /// and the first English one are the documented ones. The firm's own fields take the
    /// registry's names.
    pub fn names(self) -> &'static [&'static str] {
        match self {
            ListField::Serial => Field::Serial.names(),
            ListField::Uscc => Field::Uscc.names(),
            ListField::Name => Field::Name.names(),
            ListField::County => Field::County.names(),
            ListField::CertNo => headers::CERT_NO_NAMES,
            ListField::IssuedOn => headers::ISSUED_ON_NAMES,
            ListField::RegNo => headers::REG_NO_NAMES,
            ListField::Year => headers::LIST_YEAR_NAMES,
        }
    }

    fn from_name(base: &str) -> Option<ListField> {
        if base.is_empty() {
            return None;
        }
        ListField::ALL
            .into_iter()
            .find(|f| f.names().iter().any(|n| headers::normalise(n).base == base))
    }
}

/// One column the header mapped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListColumn {
    /// Zero-based index.
    pub index: usize,
    /// The header as written.
    pub header: String,
    /// The field.
    pub field: ListField,
}

/// One firm as the list names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The row (1-based).
    pub row: usize,
    /// The credit code, when the list has that column.
    pub uscc: Option<Uscc>,
    /// The name as the list writes it.
    pub name: Option<String>,
    /// The county, when the list names one.
    pub county_code: Option<String>,
    /// What is announced.
    pub announced: Announced,
}

/// The outcome of reading a list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ParsedList {
    /// Which list, when a header was found.
    pub kind: Option<ListKind>,
    /// The columns read.
    pub columns: Vec<ListColumn>,
    /// Headers not recognised (ignored).
    pub ignored: Vec<String>,
    /// Rows read, blank and totals rows aside.
    pub data_rows: usize,
    /// Totals rows recognised and skipped (1-based).
    pub totals_rows: Vec<usize>,
    /// Rows read without problems, in file order.
    pub entries: Vec<Entry>,
    /// Problems, by row.
    pub errors: Vec<RowError>,
    /// Rows rejected (1-based, sorted, each once).
    pub rejected_rows: Vec<usize>,
}

/// Whether two names are the same firm's name as written: spaces dropped, full-width brackets
/// read as ASCII ones, ASCII letters compared without case.
pub fn same_name(a: &str, b: &str) -> bool {
    name_key(a) == name_key(b)
}

/// The form [`same_name`] compares.
pub fn name_key(name: &str) -> String {
    name.chars()
        .filter(|c| !c.is_whitespace() && *c != '\u{3000}')
        .map(|c| match c {
            '（' => '(',
            '）' => ')',
            c => c.to_ascii_lowercase(),
        })
        .collect()
}

/// The problems of one row.
struct RowErrors {
    row: usize,
    list: Vec<RowError>,
}

impl RowErrors {
    fn fail(&mut self, c: &ListColumn, value: String, code: &'static str, text: Text) {
        self.list.push(RowError {
            row: self.row,
            column: column_letter(c.index),
            header: c.header.clone(),
            value,
            text,
            code,
        });
    }
}

struct Header {
    row: usize,
    columns: Vec<ListColumn>,
    ignored: Vec<String>,
    kind: Result<ListKind, &'static str>,
}

/// The header: the first row in the first [`HEADER_SEARCH_ROWS`] that names the firm (code or
/// name) and a certificate or registration number.
fn header(grid: &Grid) -> Option<Header> {
    for (i, row) in grid.rows.iter().take(HEADER_SEARCH_ROWS).enumerate() {
        let mut columns: Vec<ListColumn> = Vec::new();
        let mut ignored = Vec::new();
        for (j, c) in row.iter().enumerate() {
            let raw = match c {
                Cell::Text(t) => t.clone(),
                other => other.shown(),
            };
            if raw.trim().is_empty() {
                continue;
            }
            let h = headers::normalise(&raw);
            // A year in the header ("2025年证书编号") is part of a title, not of the field.
            match ListField::from_name(&h.base) {
                Some(field) if !columns.iter().any(|c| c.field == field) => {
                    columns.push(ListColumn {
                        index: j,
                        header: raw.trim().to_string(),
                        field,
                    })
                }
                Some(_) => {}
                None => ignored.push(raw.trim().to_string()),
            }
        }
        let has = |f: ListField| columns.iter().any(|c| c.field == f);
        let names_firm = has(ListField::Uscc) || has(ListField::Name);
        let kind = match (has(ListField::CertNo), has(ListField::RegNo)) {
            (true, false) => Ok(ListKind::HighTech),
            (false, true) => Ok(ListKind::TechSme),
            (true, true) => Err("list_kind_ambiguous"),
            (false, false) => continue,
        };
        if names_firm {
            return Some(Header {
                row: i,
                columns,
                ignored,
                kind,
            });
        }
    }
    None
}

fn whole_file_error(code: &'static str) -> RowError {
    RowError {
        row: 1,
        column: String::new(),
        header: String::new(),
        value: String::new(),
        text: Text::new(match code {
            "list_kind_ambiguous" => "announce.error.kind_ambiguous",
            _ => "announce.error.no_header",
        }),
        code,
    }
}

/// A registration number's form: 8 to 30 ASCII letters and digits.
fn reg_no_form(reg_no: &str) -> bool {
    (8..=30).contains(&reg_no.len()) && reg_no.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// The year a registration number starts with, when its first four characters are one.
fn reg_no_year(reg_no: &str) -> Option<i32> {
    reg_no
        .get(..4)
        .filter(|p| p.bytes().all(|b| b.is_ascii_digit()))
        .and_then(|p| p.parse().ok())
        .filter(|y| (2000..=2100).contains(y))
}

/// Read every data row of `grid` as an announcement list. `counties` name the known counties,
/// `today` (China) bounds dates and years.
pub fn parse_list(grid: &Grid, counties: &[CountyName], today: NaiveDate) -> ParsedList {
    let Some(h) = header(grid) else {
        return ParsedList {
            errors: vec![whole_file_error("no_header")],
            rejected_rows: Vec::new(),
            ..ParsedList::default()
        };
    };
    let kind = match h.kind {
        Ok(k) => k,
        Err(code) => {
            return ParsedList {
                columns: h.columns,
                ignored: h.ignored,
                errors: vec![whole_file_error(code)],
                ..ParsedList::default()
            }
        }
    };
    let mut out = ParsedList {
        kind: Some(kind),
        ..ParsedList::default()
    };
    let col = |f: ListField| h.columns.iter().find(|c| c.field == f);
    let by_code = col(ListField::Uscc).is_some();
    // Who was seen where: a firm, and a number, once per list.
    let mut firms_seen: HashMap<String, usize> = HashMap::new();
    let mut numbers_seen: HashMap<String, usize> = HashMap::new();
    for (i, row) in grid.rows.iter().enumerate().skip(h.row + 1) {
        let row_no = i + 1;
        let cell = |c: &ListColumn| row.get(c.index).unwrap_or(&Cell::Empty);
        let meaningful = h
            .columns
            .iter()
            .filter(|c| c.field != ListField::Serial)
            .any(|c| !cell(c).is_blank());
        if !meaningful {
            continue;
        }
        let code_ok = col(ListField::Uscc).is_some_and(|c| Uscc::parse(&cell(c).shown()).is_ok());
        if is_totals(row) && !code_ok {
            out.totals_rows.push(row_no);
            continue;
        }
        out.data_rows += 1;
        let mut errs = RowErrors {
            row: row_no,
            list: Vec::new(),
        };
        let text_of = |c: &ListColumn| -> Result<Option<String>, (String, &'static str, Text)> {
            let t = cell(c).shown();
            if t.is_empty() {
                return Ok(None);
            }
            crate::core::input::line(c.field.id(), &t)
                .map(|()| Some(t.clone()))
                .map_err(|e| (t, e.code, e.text))
        };

        let mut uscc = None;
        if let Some(c) = col(ListField::Uscc) {
            let raw = cell(c).shown();
            match Uscc::parse(&raw) {
                Ok(u) => uscc = Some(u),
                Err(_) if raw.is_empty() => errs.fail(
                    c,
                    raw,
                    "uscc_missing",
                    Text::new("import.error.uscc_missing"),
                ),
                Err(e) => errs.fail(c, raw, "invalid_uscc", e.text()),
            }
        }
        let mut name = None;
        if let Some(c) = col(ListField::Name) {
            match text_of(c) {
                Ok(n) => name = n,
                Err((v, code, text)) => errs.fail(c, v, code, text),
            }
            if name.is_none() && !by_code {
                errs.fail(
                    c,
                    String::new(),
                    "name_missing",
                    Text::new("announce.error.name_missing"),
                );
            }
        }
        let mut county = None;
        if let Some(c) = col(ListField::County) {
            match text_of(c) {
                Ok(Some(t)) => match county_code(counties, &t) {
                    Some(code) => county = Some(code),
                    None => errs.fail(
                        c,
                        t.clone(),
                        "unknown_county",
                        Text::new("import.error.unknown_county").plain("value", t),
                    ),
                },
                Ok(None) => {}
                Err((v, code, text)) => errs.fail(c, v, code, text),
            }
        }

        let announced = match kind {
            ListKind::HighTech => {
                let no_col = col(ListField::CertNo).expect("an HTE list has the column");
                let cert_no: String = cell(no_col)
                    .shown()
                    .chars()
                    .filter(|c| !c.is_whitespace())
                    .collect::<String>()
                    .to_ascii_uppercase();
                let issued_on = match col(ListField::IssuedOn) {
                    None => None,
                    Some(c) => match cell::date(cell(c)) {
                        Ok(Some(d)) if d > today => {
                            errs.fail(
                                c,
                                cell(c).shown(),
                                "date_in_future",
                                Text::new("input.date.future")
                                    .plain("date", d)
                                    .plain("today", today),
                            );
                            None
                        }
                        Ok(Some(d)) => Some(d),
                        Ok(None) => None,
                        Err(e) => {
                            errs.fail(
                                c,
                                cell(c).shown(),
                                e.code(),
                                Text::new("import.error.not_a_date")
                                    .plain("value", cell(c).shown()),
                            );
                            None
                        }
                    },
                };
                if cert_no.is_empty() {
                    errs.fail(
                        no_col,
                        String::new(),
                        "cert_no_missing",
                        Text::new("announce.error.cert_no_missing"),
                    );
                }
                match (issued_on, col(ListField::IssuedOn)) {
                    (Some(d), _) if !cert_no.is_empty() => {
                        // The stage machine's own check of the number's form and year; the
                        // certificate's age is its business when the event is fired.
                        for r in certificate_reasons(&cert_no, d, today) {
                            let code = match r.code.as_str() {
                                "invalid_cert_no" => "invalid_cert_no",
                                "cert_year_mismatch" => "cert_year_mismatch",
                                _ => continue,
                            };
                            errs.fail(no_col, cert_no.clone(), code, r.text);
                        }
                    }
                    (None, Some(c)) if cell(c).is_blank() => errs.fail(
                        c,
                        String::new(),
                        "issued_on_missing",
                        Text::new("announce.error.issued_on_missing"),
                    ),
                    (None, None) => errs.fail(
                        no_col,
                        cert_no.clone(),
                        "issued_on_missing",
                        Text::new("announce.error.issued_on_missing"),
                    ),
                    _ => {}
                }
                issued_on.map(|issued_on| Announced::Certificate { cert_no, issued_on })
            }
            ListKind::TechSme => {
                let no_col = col(ListField::RegNo).expect("a tech-SME list has the column");
                let reg_no: String = cell(no_col)
                    .shown()
                    .chars()
                    .filter(|c| !c.is_whitespace())
                    .collect();
                let mut year = None;
                if let Some(c) = col(ListField::Year) {
                    match cell::year(cell(c)) {
                        Ok(Some(y)) if (2017..=today.year()).contains(&y) => year = Some(y),
                        Ok(Some(y)) => errs.fail(
                            c,
                            cell(c).shown(),
                            "year_out_of_range",
                            Text::new("announce.error.year_out_of_range")
                                .plain("year", y)
                                .plain("current", today.year()),
                        ),
                        Ok(None) => {}
                        Err(e) => errs.fail(
                            c,
                            cell(c).shown(),
                            e.code(),
                            Text::new("import.error.not_a_year").plain("value", cell(c).shown()),
                        ),
                    }
                }
                if reg_no.is_empty() {
                    errs.fail(
                        no_col,
                        String::new(),
                        "reg_no_missing",
                        Text::new("announce.error.reg_no_missing"),
                    );
                } else if !reg_no_form(&reg_no) {
                    errs.fail(
                        no_col,
                        reg_no.clone(),
                        "invalid_reg_no",
                        Text::new("announce.error.invalid_reg_no").plain("reg_no", &reg_no),
                    );
                } else {
                    match (year, reg_no_year(&reg_no)) {
                        (Some(y), Some(p)) if y != p => errs.fail(
                            no_col,
                            reg_no.clone(),
                            "reg_year_mismatch",
                            Text::new("announce.error.reg_year_mismatch")
                                .plain("reg_no", &reg_no)
                                .plain("year", y),
                        ),
                        (None, Some(p)) if (2017..=today.year()).contains(&p) => year = Some(p),
                        (None, _) if col(ListField::Year).is_none_or(|c| cell(c).is_blank()) => {
                            errs.fail(
                                col(ListField::Year).unwrap_or(no_col),
                                String::new(),
                                "year_missing",
                                Text::new("announce.error.year_missing"),
                            )
                        }
                        _ => {}
                    }
                }
                year.map(|year| Announced::Registered { year, reg_no })
            }
        };

        // Once per list: the firm, and the number.
        let firm_key = match (&uscc, &name) {
            (Some(u), _) => Some(u.as_str().to_string()),
            (None, Some(n)) if !by_code => Some(name_key(n)),
            _ => None,
        };
        if errs.list.is_empty() {
            if let (Some(k), Some(c)) = (
                &firm_key,
                col(ListField::Uscc).or_else(|| col(ListField::Name)),
            ) {
                if let Some(first) = firms_seen.get(k) {
                    errs.fail(
                        c,
                        cell(c).shown(),
                        "duplicate_in_list",
                        Text::new("announce.error.duplicate_firm").plain("row", first),
                    );
                }
            }
            if let Some(a) = &announced {
                let no_col = col(ListField::CertNo)
                    .or_else(|| col(ListField::RegNo))
                    .expect("a list has its number column");
                if let Some(first) = numbers_seen.get(a.number()) {
                    errs.fail(
                        no_col,
                        a.number().to_string(),
                        "duplicate_number",
                        Text::new("announce.error.duplicate_number").plain("row", first),
                    );
                }
            }
        }
        match announced {
            Some(a) if errs.list.is_empty() => {
                if let Some(k) = firm_key {
                    firms_seen.insert(k, row_no);
                }
                numbers_seen.insert(a.number().to_string(), row_no);
                out.entries.push(Entry {
                    row: row_no,
                    uscc,
                    name,
                    county_code: county,
                    announced: a,
                });
            }
            _ => {
                out.rejected_rows.push(row_no);
                out.errors.append(&mut errs.list);
            }
        }
    }
    out.columns = h.columns;
    out.ignored = h.ignored;
    out
}
