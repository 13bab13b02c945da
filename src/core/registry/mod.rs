//! Firm registries as bureaus keep them (issue 15, part 6), read from a grid of cells into
//! typed firm records, or row errors. Pure: a reader (`app::imports::read`) turns a CSV or
//! XLSX file into a [`Grid`]; the use case compares the records with the database.
//!
//! What a sheet may hold: title rows above the header (a row is the header when it names at
//! least two known fields, the code or the name among them), blank spacer rows, merged cells
//! (filled with their top-left value by [`Grid::fill_merged`]), amounts with the unit in the
//! header (`营业收入（万元）`, `（元）`, `（千元）`; 万元 when none) converted exactly to fen,
//! one column per year (`2024年营业收入`, `revenue 2024`) or one row per firm and year (a
//! `年度` column), and totals rows (合计, 总计, Total) recognised and not imported. Every row is
//! validated; a row with any problem is rejected whole, with one [`RowError`] per problem.

pub mod announce;
pub mod cell;
pub mod headers;

use crate::core::error::Text;
use crate::core::money::Fen;
use crate::core::profile::FirmYear;
use crate::core::uscc::Uscc;
use cell::{column_letter, Cell, CellError};
use chrono::{Datelike, NaiveDate};
use headers::{Field, Unit};
use std::collections::{BTreeMap, HashMap};

/// A sheet: rows of cells, as read.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Grid {
    /// The rows, the first being the sheet's row 1.
    pub rows: Vec<Vec<Cell>>,
}

/// A merged region, zero-based and inclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Merge {
    /// First row.
    pub top: usize,
    /// First column.
    pub left: usize,
    /// Last row.
    pub bottom: usize,
    /// Last column.
    pub right: usize,
}

impl Grid {
    /// Give every cell of each merged region its top-left value: a firm name merged down over
    /// its year rows then names the firm on each of them.
    pub fn fill_merged(&mut self, merges: &[Merge]) {
        for m in merges {
            let Some(v) = self.rows.get(m.top).and_then(|r| r.get(m.left)).cloned() else {
                continue;
            };
            for r in m.top..=m.bottom.min(self.rows.len().saturating_sub(1)) {
                let row = &mut self.rows[r];
                if row.len() <= m.right {
                    row.resize(m.right + 1, Cell::Empty);
                }
                for (c, cell) in row.iter_mut().enumerate().take(m.right + 1).skip(m.left) {
                    if r != m.top || c != m.left {
                        *cell = v.clone();
                    }
                }
            }
        }
    }
}

/// What the importer needs to know about a county to recognise it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CountyName {
    /// Code, e.g. `411102`.
    pub code: String,
    /// Chinese name.
    pub name_zh: String,
    /// English name.
    pub name_en: String,
}

/// One column the header mapped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    /// Zero-based index.
    pub index: usize,
    /// The header as written.
    pub header: String,
    /// The field.
    pub field: Field,
    /// The unit of an amount.
    pub unit: Unit,
    /// The year of a wide-form column.
    pub year: Option<i32>,
}

/// The header row found and what its columns hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layout {
    /// Zero-based index of the header row.
    pub header_row: usize,
    /// The columns read (unknown headers are left out, and listed in `ignored`).
    pub columns: Vec<Column>,
    /// Headers not recognised (read and ignored), as written.
    pub ignored: Vec<String>,
    /// One row per firm and year (a year column) rather than one per firm.
    pub long_form: bool,
}

/// A problem with one row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    /// The row as the spreadsheet numbers it (1-based).
    pub row: usize,
    /// The column letter (`C`), empty for a problem of the whole row.
    pub column: String,
    /// The column's header as written.
    pub header: String,
    /// The value as found.
    pub value: String,
    /// What is wrong.
    pub text: Text,
    /// Stable code.
    pub code: &'static str,
}

/// One year of figures from the file; `None` is a cell left blank (the stored value stays).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct YearRecord {
    /// The figures (amounts in fen).
    pub figures: FirmYear,
}

/// IP counts from the file.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct IpCounts {
    /// 发明专利.
    pub invention_patents: Option<u32>,
    /// 实用新型专利.
    pub utility_models: Option<u32>,
    /// 外观设计专利.
    pub designs: Option<u32>,
    /// 软件著作权.
    pub software_copyrights: Option<u32>,
}

impl IpCounts {
    /// Whether any count is given.
    pub fn any(&self) -> bool {
        self.invention_patents.is_some()
            || self.utility_models.is_some()
            || self.designs.is_some()
            || self.software_copyrights.is_some()
    }
}

/// A firm as the file gives it: every field optional except the code (a blank cell changes
/// nothing).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FirmRecord {
    /// The first row it was read from (1-based).
    pub row: usize,
    /// Every row it was read from.
    pub rows: Vec<usize>,
    /// The code.
    pub uscc: Uscc,
    /// Name.
    pub name: Option<String>,
    /// County code (resolved from a code or a name).
    pub county_code: Option<String>,
    /// Date of registration.
    pub founded_on: Option<NaiveDate>,
    /// Head count.
    pub employees: Option<u32>,
    /// Technical staff.
    pub tech_staff: Option<u32>,
    /// Contact person.
    pub contact_name: Option<String>,
    /// Contact phone.
    pub contact_phone: Option<String>,
    /// Industry code, normalised.
    pub industry_code: Option<String>,
    /// IP counts.
    pub ip: IpCounts,
    /// Years by year.
    pub years: BTreeMap<i32, YearRecord>,
}

/// The outcome of reading a grid.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Parsed {
    /// The layout, when a header was found.
    pub layout: Option<Layout>,
    /// Firms read without problems, in file order.
    pub firms: Vec<FirmRecord>,
    /// Problems, by row then column.
    pub errors: Vec<RowError>,
    /// Rows read (data rows after the header, blank and totals rows aside).
    pub data_rows: usize,
    /// Totals rows recognised and skipped (1-based row numbers).
    pub totals_rows: Vec<usize>,
    /// Rows rejected (1-based, sorted, each once).
    pub rejected_rows: Vec<usize>,
}

/// What reading needs besides the grid.
#[derive(Debug, Clone)]
pub struct Context<'a> {
    /// The counties known.
    pub counties: &'a [CountyName],
    /// Today in China: dates and years after it are refused.
    pub today: NaiveDate,
}

/// How many rows from the top the header is looked for in.
pub const HEADER_SEARCH_ROWS: usize = 15;

fn cell_text(c: &Cell) -> String {
    match c {
        Cell::Text(t) => t.clone(),
        other => other.shown(),
    }
}

/// Find the header row and map its columns. `None` when no row in the first
/// [`HEADER_SEARCH_ROWS`] names the code plus one more known field.
pub fn layout(grid: &Grid) -> Option<Layout> {
    for (i, row) in grid.rows.iter().take(HEADER_SEARCH_ROWS).enumerate() {
        let mut columns = Vec::new();
        let mut ignored = Vec::new();
        for (j, c) in row.iter().enumerate() {
            let raw = cell_text(c);
            if raw.trim().is_empty() {
                continue;
            }
            let h = headers::normalise(&raw);
            match Field::from_name(&h.base) {
                // A year column has no year in its header; a firm field in a year column
                // (`2024年职工总数`) is read as the firm's.
                Some(field) if !(field == Field::Year && h.year.is_some()) => {
                    // Merged header cells repeat: keep the first column of a field and year.
                    if columns.iter().any(|c: &Column| {
                        c.field == field && c.year == h.year.filter(|_| field.is_yearly())
                    }) {
                        continue;
                    }
                    columns.push(Column {
                        index: j,
                        header: raw.trim().to_string(),
                        field,
                        unit: h.unit.unwrap_or(Unit::Wan),
                        year: h.year.filter(|_| field.is_yearly()),
                    });
                }
                _ => ignored.push(raw.trim().to_string()),
            }
        }
        let has = |f: Field| columns.iter().any(|c| c.field == f);
        if has(Field::Uscc) && columns.iter().filter(|c| c.field != Field::Serial).count() >= 2 {
            let long_form = has(Field::Year);
            return Some(Layout {
                header_row: i,
                columns,
                ignored,
                long_form,
            });
        }
    }
    None
}

struct RowReader {
    row: usize,
    errors: Vec<RowError>,
}

impl RowReader {
    fn fail(&mut self, col: &Column, value: String, code: &'static str, text: Text) {
        self.errors.push(RowError {
            row: self.row,
            column: column_letter(col.index),
            header: col.header.clone(),
            value,
            text,
            code,
        });
    }

    fn cell_error(&mut self, col: &Column, cell: &Cell, e: CellError) {
        let key = match e {
            CellError::NotANumber => "import.error.not_a_number",
            CellError::TooPrecise => "import.error.too_precise",
            CellError::TooLarge => "import.error.too_large",
            CellError::NotACount => "import.error.not_a_count",
            CellError::NotADate => "import.error.not_a_date",
            CellError::NotAYear => "import.error.not_a_year",
        };
        let text = Text::new(key).plain("value", cell.shown());
        self.fail(col, cell.shown(), e.code(), text);
    }

    fn text(&mut self, col: &Column, cell: &Cell) -> Option<String> {
        let t = cell.shown();
        if t.is_empty() {
            return None;
        }
        match crate::core::input::line(col.field.id(), &t) {
            Ok(()) => Some(t),
            Err(e) => {
                self.fail(col, t, e.code, e.text);
                None
            }
        }
    }
}

/// Whether a row is a totals row: one of its first text cells says 合计/总计/小计/Total.
fn is_totals(row: &[Cell]) -> bool {
    row.iter()
        .filter_map(|c| match c {
            Cell::Text(t) if !t.trim().is_empty() => Some(t),
            _ => None,
        })
        .take(3)
        .any(|t| headers::is_totals_word(t))
}

fn county_code(counties: &[CountyName], raw: &str) -> Option<String> {
    let t = raw.trim();
    counties
        .iter()
        .find(|c| c.code == t || c.name_zh == t || c.name_en.eq_ignore_ascii_case(t))
        .map(|c| c.code.clone())
}

/// Read every data row of `grid` into firm records and row errors. Rows of the same code
/// (the long form, or a firm listed twice) are merged into one record; a field given twice
/// with different values, or the same year twice, is an error of the later row.
pub fn parse(grid: &Grid, ctx: &Context<'_>) -> Parsed {
    let Some(layout) = layout(grid) else {
        return Parsed {
            errors: vec![RowError {
                row: 1,
                column: String::new(),
                header: String::new(),
                value: String::new(),
                text: Text::new("import.error.no_header"),
                code: "no_header",
            }],
            ..Parsed::default()
        };
    };
    let mut out = Parsed::default();
    let mut by_uscc: HashMap<String, usize> = HashMap::new();
    let mut firms: Vec<FirmRecord> = Vec::new();
    let mut rejected = Vec::new();
    let this_year = ctx.today.year();

    for (i, row) in grid.rows.iter().enumerate().skip(layout.header_row + 1) {
        let cell = |c: &Column| row.get(c.index).unwrap_or(&Cell::Empty);
        let row_no = i + 1;
        let uscc_col = layout.columns.iter().find(|c| c.field == Field::Uscc);
        let uscc_raw = uscc_col.map(|c| cell(c).shown()).unwrap_or_default();
        if is_totals(row) && Uscc::parse(&uscc_raw).is_err() {
            out.totals_rows.push(row_no);
            continue;
        }
        let meaningful = layout
            .columns
            .iter()
            .filter(|c| c.field != Field::Serial)
            .any(|c| !cell(c).is_blank());
        if !meaningful {
            continue;
        }
        out.data_rows += 1;
        let mut r = RowReader {
            row: row_no,
            errors: Vec::new(),
        };
        let mut rec = FirmRecord {
            row: row_no,
            rows: vec![row_no],
            // Replaced by the row's own code; a row without one is rejected, never kept.
            uscc: Uscc::all_zero(),
            name: None,
            county_code: None,
            founded_on: None,
            employees: None,
            tech_staff: None,
            contact_name: None,
            contact_phone: None,
            industry_code: None,
            ip: IpCounts::default(),
            years: BTreeMap::new(),
        };
        let mut uscc_ok = false;
        let mut row_year: Option<i32> = None;
        let mut year_missing = false;
        // The year column first: the row's amounts belong to it.
        if let Some(col) = layout.columns.iter().find(|c| c.field == Field::Year) {
            let c = cell(col);
            match cell::year(c) {
                Ok(Some(y)) if (1990..=this_year).contains(&y) => row_year = Some(y),
                Ok(Some(y)) => r.fail(
                    col,
                    c.shown(),
                    "year_out_of_range",
                    Text::new("import.error.year_out_of_range")
                        .plain("year", y)
                        .plain("current", this_year),
                ),
                Ok(None) => year_missing = true,
                Err(e) => r.cell_error(col, c, e),
            }
        }
        // Where each year's amount came from, to name the column of a problem found later (a
        // row has a few dozen at most: a list, not a hashed map, on every row).
        let mut amount_cols: Vec<((i32, Field), &Column)> = Vec::new();
        for col in &layout.columns {
            let c = cell(col);
            match col.field {
                Field::Serial | Field::Year => {}
                Field::Uscc => match Uscc::parse(&c.shown()) {
                    Ok(u) => {
                        rec.uscc = u;
                        uscc_ok = true;
                    }
                    Err(_) if c.is_blank() => r.fail(
                        col,
                        String::new(),
                        "uscc_missing",
                        Text::new("import.error.uscc_missing"),
                    ),
                    Err(e) => {
                        let text = e.text();
                        r.fail(col, c.shown(), "invalid_uscc", text);
                    }
                },
                Field::Name => rec.name = r.text(col, c),
                Field::ContactName => rec.contact_name = r.text(col, c),
                Field::ContactPhone => {
                    if let Some(t) = r.text(col, c) {
                        match crate::core::input::phone("contact_phone", &t) {
                            Ok(()) => rec.contact_phone = Some(t),
                            Err(e) => r.fail(col, t, e.code, e.text),
                        }
                    }
                }
                Field::County => {
                    if let Some(t) = r.text(col, c) {
                        match county_code(ctx.counties, &t) {
                            Some(code) => rec.county_code = Some(code),
                            None => r.fail(
                                col,
                                t.clone(),
                                "unknown_county",
                                Text::new("import.error.unknown_county").plain("value", t),
                            ),
                        }
                    }
                }
                Field::IndustryCode => {
                    if let Some(t) = r.text(col, c) {
                        match crate::core::profile::IndustryCode::parse(&t) {
                            Ok(code) => rec.industry_code = Some(code.as_str().to_string()),
                            Err(text) => r.fail(col, t, "invalid_industry_code", text),
                        }
                    }
                }
                Field::FoundedOn => match cell::date(c) {
                    Ok(Some(d)) if d > ctx.today => r.fail(
                        col,
                        c.shown(),
                        "date_in_future",
                        Text::new("input.date.future")
                            .plain("date", d)
                            .plain("today", ctx.today),
                    ),
                    Ok(Some(d)) if d.year() < 1900 => r.fail(
                        col,
                        c.shown(),
                        "date_implausible",
                        Text::new("import.error.date_too_early").plain("date", d),
                    ),
                    Ok(d) => rec.founded_on = d,
                    Err(e) => r.cell_error(col, c, e),
                },
                Field::Employees
                | Field::TechStaff
                | Field::InventionPatents
                | Field::UtilityModels
                | Field::Designs
                | Field::SoftwareCopyrights => match cell::count(c) {
                    Ok(n) => match col.field {
                        Field::Employees => rec.employees = n,
                        Field::TechStaff => rec.tech_staff = n,
                        Field::InventionPatents => rec.ip.invention_patents = n,
                        Field::UtilityModels => rec.ip.utility_models = n,
                        Field::Designs => rec.ip.designs = n,
                        _ => rec.ip.software_copyrights = n,
                    },
                    Err(e) => r.cell_error(col, c, e),
                },
                f => {
                    // An amount of a year: the header's year (wide form) or the row's (long).
                    let amount = match cell::amount(c, col.unit) {
                        Ok(a) => a,
                        Err(e) => {
                            r.cell_error(col, c, e);
                            continue;
                        }
                    };
                    let Some(a) = amount else { continue };
                    let year = match (col.year, row_year) {
                        (Some(y), _) => y,
                        (None, Some(y)) => y,
                        (None, None) => {
                            if year_missing {
                                if let Some(ycol) =
                                    layout.columns.iter().find(|c| c.field == Field::Year)
                                {
                                    r.fail(
                                        ycol,
                                        String::new(),
                                        "year_missing",
                                        Text::new("import.error.year_missing"),
                                    );
                                    year_missing = false;
                                }
                            } else if !layout.long_form {
                                r.fail(
                                    col,
                                    c.shown(),
                                    "year_missing",
                                    Text::new("import.error.column_without_year"),
                                );
                            }
                            continue;
                        }
                    };
                    if col.year.is_some() && !(1990..=this_year).contains(&year) {
                        r.fail(
                            col,
                            c.shown(),
                            "year_out_of_range",
                            Text::new("import.error.year_out_of_range")
                                .plain("year", year)
                                .plain("current", this_year),
                        );
                        continue;
                    }
                    let y = rec.years.entry(year).or_insert_with(|| YearRecord {
                        figures: FirmYear {
                            year,
                            ..FirmYear::default()
                        },
                    });
                    let slot = match f {
                        Field::Revenue => &mut y.figures.revenue,
                        Field::RdExpense => &mut y.figures.rd_expense,
                        Field::HighTechRevenue => &mut y.figures.high_tech_revenue,
                        Field::TotalIncome => &mut y.figures.total_income,
                        Field::TotalCost => &mut y.figures.total_cost,
                        Field::TotalAssets => &mut y.figures.total_assets,
                        _ => &mut y.figures.net_assets,
                    };
                    *slot = Some(a);
                    amount_cols.push(((year, f), col));
                }
            }
        }
        // A long-form row with a year but no figures still names the year.
        if let Some(y) = row_year {
            rec.years.entry(y).or_insert_with(|| YearRecord {
                figures: FirmYear {
                    year: y,
                    ..FirmYear::default()
                },
            });
        }
        if let (Some(e), Some(t)) = (rec.employees, rec.tech_staff) {
            if t > e {
                if let Some(col) = layout.columns.iter().find(|c| c.field == Field::TechStaff) {
                    r.fail(
                        col,
                        t.to_string(),
                        "tech_staff_exceeds_employees",
                        Text::new("app.firms.tech_staff_exceeds_employees")
                            .plain("t", t)
                            .plain("e", e),
                    );
                }
            }
        }
        for (year, y) in &rec.years {
            for e in y.figures.problems("") {
                let field = match e.field.as_str() {
                    "revenue" => Field::Revenue,
                    "rd_expense" => Field::RdExpense,
                    "high_tech_revenue" => Field::HighTechRevenue,
                    "total_income" => Field::TotalIncome,
                    "total_cost" => Field::TotalCost,
                    "total_assets" => Field::TotalAssets,
                    _ => Field::NetAssets,
                };
                // The last column that gave it, as a map would keep.
                if let Some((_, col)) = amount_cols.iter().rev().find(|(k, _)| *k == (*year, field))
                {
                    let value = cell(col).shown();
                    r.fail(col, value, e.code, e.text);
                }
            }
        }
        // Merge with an earlier row of the same firm.
        if uscc_ok && r.errors.is_empty() {
            if let Some(&k) = by_uscc.get(rec.uscc.as_str()) {
                merge_into(&mut firms[k], rec, &layout, &mut r);
                if !r.errors.is_empty() {
                    rejected.push(row_no);
                    out.errors.append(&mut r.errors);
                }
                continue;
            }
            by_uscc.insert(rec.uscc.as_str().to_string(), firms.len());
            firms.push(rec);
        } else {
            rejected.push(row_no);
            out.errors.append(&mut r.errors);
        }
    }
    out.firms = firms;
    rejected.sort_unstable();
    rejected.dedup();
    out.rejected_rows = rejected;
    out.layout = Some(layout);
    out
}

fn merge_into(into: &mut FirmRecord, rec: FirmRecord, layout: &Layout, r: &mut RowReader) {
    fn same<T: PartialEq + Clone + ToString>(
        slot: &mut Option<T>,
        v: Option<T>,
        field: Field,
        layout: &Layout,
        r: &mut RowReader,
        first_row: usize,
    ) {
        match (slot.as_ref(), v) {
            (_, None) => {}
            (None, Some(v)) => *slot = Some(v),
            (Some(a), Some(b)) if *a == b => {}
            (Some(_), Some(b)) => {
                if let Some(col) = layout.columns.iter().find(|c| c.field == field) {
                    r.fail(
                        col,
                        b.to_string(),
                        "conflicting_value",
                        Text::new("import.error.conflicting_value").plain("row", first_row),
                    );
                }
            }
        }
    }
    let first = into.row;
    let mut next = into.clone();
    same(&mut next.name, rec.name, Field::Name, layout, r, first);
    same(
        &mut next.county_code,
        rec.county_code,
        Field::County,
        layout,
        r,
        first,
    );
    same(
        &mut next.founded_on,
        rec.founded_on,
        Field::FoundedOn,
        layout,
        r,
        first,
    );
    same(
        &mut next.employees,
        rec.employees,
        Field::Employees,
        layout,
        r,
        first,
    );
    same(
        &mut next.tech_staff,
        rec.tech_staff,
        Field::TechStaff,
        layout,
        r,
        first,
    );
    same(
        &mut next.contact_name,
        rec.contact_name,
        Field::ContactName,
        layout,
        r,
        first,
    );
    same(
        &mut next.contact_phone,
        rec.contact_phone,
        Field::ContactPhone,
        layout,
        r,
        first,
    );
    same(
        &mut next.industry_code,
        rec.industry_code,
        Field::IndustryCode,
        layout,
        r,
        first,
    );
    same(
        &mut next.ip.invention_patents,
        rec.ip.invention_patents,
        Field::InventionPatents,
        layout,
        r,
        first,
    );
    same(
        &mut next.ip.utility_models,
        rec.ip.utility_models,
        Field::UtilityModels,
        layout,
        r,
        first,
    );
    same(
        &mut next.ip.designs,
        rec.ip.designs,
        Field::Designs,
        layout,
        r,
        first,
    );
    same(
        &mut next.ip.software_copyrights,
        rec.ip.software_copyrights,
        Field::SoftwareCopyrights,
        layout,
        r,
        first,
    );
    for (year, y) in rec.years {
        if let std::collections::btree_map::Entry::Vacant(slot) = next.years.entry(year) {
            slot.insert(y);
        } else {
            let col = layout
                .columns
                .iter()
                .find(|c| c.field == Field::Year)
                .or_else(|| layout.columns.iter().find(|c| c.field == Field::Uscc));
            if let Some(col) = col {
                r.fail(
                    col,
                    year.to_string(),
                    "duplicate_year",
                    Text::new("import.error.duplicate_year")
                        .plain("year", year)
                        .plain("row", first),
                );
            }
        }
    }
    if r.errors.is_empty() {
        next.rows.push(r.row);
        *into = next;
    }
}

/// Fen for a report: the amount in 万元 as typed in the app's forms.
pub fn wan(f: Fen) -> String {
    f.wan_text()
}

#[cfg(test)]
mod tests;
