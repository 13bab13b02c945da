//! The export writers (issue 15) on every kind of column: what a spreadsheet reads back.

use calamine::{Data, Reader, Xlsx};
use chrono::NaiveDate;
use peiyu::app::export::to_csv::CsvSink;
use peiyu::app::export::to_xlsx::XlsxSink;
use peiyu::app::export::{Cell, Column, Kind, Sheet, Sink};
use peiyu::i18n::Lang;

fn sheet(lang: Lang) -> Sheet {
    Sheet {
        title: "测试清单".to_string(),
        slug: "test",
        filter: vec![("县区".to_string(), "新华区".to_string())],
        taken_at: NaiveDate::from_ymd_opt(2026, 3, 1)
            .unwrap()
            .and_hms_opt(17, 30, 0)
            .unwrap(),
        lang,
        columns: vec![
            Column::text("col.name", 30.0),
            Column::of("col.readiness", Kind::Integer),
            Column::of("col.name", Kind::Yuan),
            Column::of("col.name", Kind::Date),
            Column::of("col.name", Kind::DateTime),
            Column::of("col.name", Kind::Ratio),
        ],
    }
}

fn rows(sink: &mut dyn Sink) {
    let at = NaiveDate::from_ymd_opt(2026, 3, 1)
        .unwrap()
        .and_hms_opt(17, 30, 0)
        .unwrap();
    sink.start(&sheet(Lang::ZhCn)).unwrap();
    sink.row(&[
        Cell::text("=HYPERLINK(\"http://x\")"),
        Cell::Int(42),
        Cell::Fen(123_456_789),
        Cell::Date(NaiveDate::from_ymd_opt(2025, 12, 31).unwrap()),
        Cell::At(at),
        Cell::Bp(1_250),
    ])
    .unwrap();
    sink.row(&[
        Cell::text("@SUM(A1)"),
        Cell::Int(-3),
        Cell::Fen(-5),
        Cell::Empty,
        Cell::Empty,
        Cell::Empty,
    ])
    .unwrap();
}

#[test]
fn csv_cells_are_neutralised_text_plain_numbers_and_iso_dates() {
    let mut sink = CsvSink::new(Vec::new());
    rows(&mut sink);
    let bytes = sink.finish().unwrap();
    assert!(bytes.starts_with(b"\xEF\xBB\xBF"));
    let text = std::str::from_utf8(&bytes[3..]).unwrap();
    let lines: Vec<&str> = text.split("\r\n").collect();
    assert_eq!(
        lines[0],
        "企业名称,准备度,企业名称,企业名称,企业名称,企业名称"
    );
    assert_eq!(
        lines[1],
        "\"'=HYPERLINK(\"\"http://x\"\")\",42,1234567.89,2025-12-31,2026-03-02 01:30,12.50%"
    );
    // A negative number stays a number: only text is neutralised.
    assert_eq!(lines[2], "'@SUM(A1),-3,-0.05,,,");
}

#[test]
fn xlsx_cells_are_strings_numbers_and_dates_under_a_title_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.xlsx");
    let mut sink = XlsxSink::new();
    rows(&mut sink);
    sink.save(&path).unwrap();
    let mut book: Xlsx<_> = calamine::open_workbook(&path).unwrap();
    assert_eq!(book.sheet_names(), ["测试清单"]);
    let range = book.worksheet_range("测试清单").unwrap();
    let cells: Vec<Vec<Data>> = range.rows().map(<[Data]>::to_vec).collect();
    let Data::String(title) = &cells[0][0] else {
        panic!("{:?}", cells[0][0])
    };
    assert_eq!(
        title,
        "测试清单 · 筛选条件：县区：新华区 · 导出时间：2026-03-02 01:30（北京时间）"
    );
    assert_eq!(cells[1][1], Data::String("准备度".into()));
    let r = &cells[2];
    assert_eq!(r[0], Data::String("=HYPERLINK(\"http://x\")".into()));
    assert_eq!(r[1], Data::Float(42.0));
    assert_eq!(r[2], Data::Float(1_234_567.89));
    let Data::DateTime(d) = &r[3] else {
        panic!("a date cell: {:?}", r[3])
    };
    assert_eq!(
        d.as_datetime().unwrap().date(),
        NaiveDate::from_ymd_opt(2025, 12, 31).unwrap()
    );
    let Data::DateTime(t) = &r[4] else {
        panic!("a date-time cell: {:?}", r[4])
    };
    assert_eq!(
        t.as_datetime()
            .unwrap()
            .format("%Y-%m-%d %H:%M")
            .to_string(),
        "2026-03-02 01:30",
        "China time"
    );
    assert_eq!(r[5], Data::Float(0.125));
    assert_eq!(cells[3][0], Data::String("@SUM(A1)".into()));
    assert_eq!(cells[3][2], Data::Float(-0.05));
    let formulas = book.worksheet_formula("测试清单").unwrap();
    assert!(formulas.used_cells().all(|(_, _, f)| f.is_empty()));
}
