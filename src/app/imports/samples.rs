//! Generated registries as bureaus keep them, for tests and benchmarks: a title row, a blank
//! row, a header with units and a column per year, one row per firm, a totals row.

use crate::core::money::Fen;
use crate::core::uscc::with_check_char;
use chrono::NaiveDate;

/// The code of generated firm `i` (county part 411102, serial `i`).
pub fn sample_uscc(i: usize) -> String {
    with_check_char(&format!("91411102MA{:07}", i % 10_000_000)).unwrap_or_default()
}

/// The name of generated firm `i`.
pub fn sample_name(i: usize) -> String {
    format!("漯河样例科技有限公司{i:06}")
}

/// The figures of generated firm `i` in `year`, in fen: revenue, R&D expense, total assets.
pub fn sample_year(i: usize, year: i32) -> (Fen, Fen, Fen) {
    let y = usize::try_from(year).unwrap_or(0);
    // 万元 with two decimals: whole 100..50,099, cents from the serial.
    let wan = 100 + (i * 7919 + y * 13) % 50_000;
    let cents = i % 100;
    let revenue = Fen(i64::try_from(wan * 1_000_000 + cents * 10_000).unwrap_or(0));
    let rd = Fen(revenue.0 / 20 / 10_000 * 10_000);
    let assets = Fen(revenue.0 * 2);
    (revenue, rd, assets)
}

/// The head count, technical staff and founding date of generated firm `i`.
pub fn sample_firm(i: usize) -> (u32, u32, NaiveDate) {
    let employees = 20 + u32::try_from(i % 300).unwrap_or(0);
    let founded = NaiveDate::from_ymd_opt(
        2000 + i32::try_from(i % 24).unwrap_or(0),
        1 + u32::try_from(i % 12).unwrap_or(0),
        1 + u32::try_from(i % 28).unwrap_or(0),
    )
    .unwrap_or_default();
    (employees, employees / 5, founded)
}

/// The header of a generated registry for `years`.
pub fn sample_header(years: &[i32]) -> Vec<String> {
    let mut h: Vec<String> = [
        "序号",
        "企业名称",
        "统一社会信用代码",
        "所属县区",
        "成立日期",
        "职工总数",
        "科技人员数",
        "发明专利",
        "实用新型专利",
    ]
    .iter()
    .map(|s| (*s).to_string())
    .collect();
    for y in years {
        h.push(format!("{y}年营业收入（万元）"));
        h.push(format!("{y}年研发费用（万元）"));
        h.push(format!("{y}年资产总额（万元）"));
    }
    h
}

/// One cell of a generated row.
#[derive(Debug, Clone, PartialEq)]
pub enum SampleCell {
    /// Text.
    Text(String),
    /// A whole number.
    Int(i64),
    /// An amount in 万元, as its decimal text.
    Wan(String),
    /// A date.
    Date(NaiveDate),
}

impl SampleCell {
    /// As CSV text.
    pub fn csv(&self) -> String {
        match self {
            SampleCell::Text(t) | SampleCell::Wan(t) => t.clone(),
            SampleCell::Int(n) => n.to_string(),
            SampleCell::Date(d) => d.to_string(),
        }
    }
}

/// Row `i` (0-based) of a generated registry, its county picked from `counties` in turn.
pub fn sample_row(i: usize, years: &[i32], counties: &[&str]) -> Vec<SampleCell> {
    let (employees, tech, founded) = sample_firm(i);
    let county = counties
        .get(i % counties.len().max(1))
        .copied()
        .unwrap_or("");
    let mut row = vec![
        SampleCell::Int(i64::try_from(i + 1).unwrap_or(0)),
        SampleCell::Text(sample_name(i)),
        SampleCell::Text(sample_uscc(i)),
        SampleCell::Text(county.to_string()),
        SampleCell::Date(founded),
        SampleCell::Int(i64::from(employees)),
        SampleCell::Int(i64::from(tech)),
        SampleCell::Int(i64::try_from(i % 4).unwrap_or(0)),
        SampleCell::Int(i64::try_from(i % 7).unwrap_or(0)),
    ];
    for y in years {
        let (r, d, a) = sample_year(i, *y);
        for v in [r, d, a] {
            row.push(SampleCell::Wan(v.wan_text()));
        }
    }
    row
}

/// The title of a generated registry.
pub const SAMPLE_TITLE: &str = "漯河市高新技术企业后备库名单（2025年）";
/// The first cell of its totals row.
pub const SAMPLE_TOTALS: &str = "合计";

/// A generated registry of `firms` firms as CSV text (UTF-8, no byte-order mark; encode it
/// as the test needs).
pub fn registry_csv(firms: usize, years: &[i32], counties: &[&str]) -> String {
    let mut w = csv::WriterBuilder::new()
        .flexible(true)
        .from_writer(Vec::new());
    let header = sample_header(years);
    let width = header.len();
    let mut title = vec![String::new(); width];
    title[0] = SAMPLE_TITLE.to_string();
    let rows = std::iter::once(title)
        .chain(std::iter::once(vec![String::new(); width]))
        .chain(std::iter::once(header))
        .chain((0..firms).map(|i| {
            sample_row(i, years, counties)
                .iter()
                .map(SampleCell::csv)
                .collect()
        }))
        .chain(std::iter::once({
            let mut t = vec![String::new(); width];
            t[0] = SAMPLE_TOTALS.to_string();
            t[5] = "0".to_string();
            t
        }));
    for r in rows {
        // Writing to a Vec cannot fail.
        let _ = w.write_record(&r);
    }
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
}

/// A generated registry as an XLSX file: the title merged over the header's width, numbers as
/// numbers, dates as dates.
pub fn registry_xlsx(
    firms: usize,
    years: &[i32],
    counties: &[&str],
) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    use rust_xlsxwriter::{Format, Workbook};
    let mut book = Workbook::new();
    let sheet = book.add_worksheet_with_constant_memory();
    let header = sample_header(years);
    let last_col = u16::try_from(header.len() - 1).unwrap_or(0);
    sheet.merge_range(0, 0, 0, last_col, SAMPLE_TITLE, &Format::new())?;
    for (j, h) in header.iter().enumerate() {
        sheet.write_string(2, u16::try_from(j).unwrap_or(0), h)?;
    }
    let date = Format::new().set_num_format("yyyy-mm-dd");
    for i in 0..firms {
        let r = u32::try_from(i + 3).unwrap_or(0);
        for (j, c) in sample_row(i, years, counties).iter().enumerate() {
            let col = u16::try_from(j).unwrap_or(0);
            match c {
                SampleCell::Text(t) => sheet.write_string(r, col, t)?,
                #[allow(clippy::cast_precision_loss)]
                SampleCell::Int(n) => sheet.write_number(r, col, *n as f64)?,
                SampleCell::Wan(t) => {
                    sheet.write_number(r, col, t.parse::<f64>().unwrap_or(0.0))?
                }
                SampleCell::Date(d) => sheet.write_datetime_with_format(r, col, d, &date)?,
            };
        }
    }
    let r = u32::try_from(firms + 3).unwrap_or(0);
    sheet.write_string(r, 0, SAMPLE_TOTALS)?;
    book.save_to_buffer()
}
