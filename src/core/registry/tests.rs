use super::*;
use crate::core::uscc::with_check_char;

fn t(s: &str) -> Cell {
    if s.is_empty() {
        Cell::Empty
    } else {
        Cell::Text(s.to_string())
    }
}

fn row(cells: &[&str]) -> Vec<Cell> {
    cells.iter().map(|c| t(c)).collect()
}

fn code(n: u32) -> String {
    with_check_char(&format!("91411102MA{n:07}")).unwrap_or_default()
}

fn counties() -> Vec<CountyName> {
    vec![CountyName {
        code: "411102".into(),
        name_zh: "源汇区".into(),
        name_en: "Yuanhui".into(),
    }]
}

fn ctx(c: &[CountyName]) -> Context<'_> {
    Context {
        counties: c,
        today: NaiveDate::from_ymd_opt(2026, 6, 1).unwrap_or_default(),
    }
}

#[test]
fn a_wide_sheet_with_a_title_units_a_spacer_and_a_totals_row_reads_exactly() {
    let (a, b) = (code(1), code(2));
    let grid = Grid {
        rows: vec![
            row(&["漯河市高新技术企业后备库名单（2025年）", "", "", "", ""]),
            row(&["", "", "", "", ""]),
            row(&[
                "序号",
                "企业名称",
                "统一社会信用代码",
                "所属县区",
                "2024年营业收入（万元）",
                "2023年营业收入（元）",
            ]),
            row(&["1", "甲公司", &a, "源汇区", "1,234.56", "100000.50"]),
            row(&["", "", "", "", "", ""]),
            row(&["2", "乙公司", &b, "411102", "8", ""]),
            row(&["合计", "", "", "", "1242.56", "100000.50"]),
        ],
    };
    let c = counties();
    let p = parse(&grid, &ctx(&c));
    assert_eq!(p.errors, vec![]);
    assert_eq!(p.totals_rows, vec![7]);
    assert_eq!(p.data_rows, 2);
    assert_eq!(p.firms.len(), 2);
    let f = &p.firms[0];
    assert_eq!(f.row, 4);
    assert_eq!(f.county_code.as_deref(), Some("411102"));
    assert_eq!(f.years[&2024].figures.revenue, Some(Fen(1_234_560_000)));
    assert_eq!(f.years[&2023].figures.revenue, Some(Fen(10_000_050)));
    assert!(!p.firms[1].years.contains_key(&2023));
}

#[test]
fn the_long_form_merges_a_firms_rows_and_rejects_a_repeated_year() {
    let a = code(3);
    let mut grid = Grid {
        rows: vec![
            row(&["USCC", "Name", "Year", "Revenue (yuan)"]),
            row(&[&a, "Alpha", "2024", "100"]),
            row(&["", "", "2023", "90"]),
            row(&["", "", "2023", "80"]),
        ],
    };
    grid.fill_merged(&[
        Merge {
            top: 1,
            left: 0,
            bottom: 3,
            right: 0,
        },
        Merge {
            top: 1,
            left: 1,
            bottom: 3,
            right: 1,
        },
    ]);
    let c = counties();
    let p = parse(&grid, &ctx(&c));
    assert_eq!(p.firms.len(), 1);
    assert_eq!(p.firms[0].rows, vec![2, 3]);
    assert_eq!(p.firms[0].years[&2023].figures.revenue, Some(Fen(9000)));
    assert_eq!(p.rejected_rows, vec![4]);
    assert_eq!(p.errors[0].code, "duplicate_year");
}

#[test]
fn each_bad_cell_is_reported_with_its_row_column_and_value() {
    let mut bad = code(4);
    bad.pop();
    bad.push(if code(4).ends_with('0') { '1' } else { '0' });
    let grid = Grid {
        rows: vec![
            row(&[
                "统一社会信用代码",
                "企业名称",
                "县区",
                "职工总数",
                "成立日期",
            ]),
            row(&[&bad, "甲", "源汇区", "10", "2015-01-01"]),
            row(&[&code(5), "乙", "火星区", "10", "2015-01-01"]),
            row(&[&code(6), "丙", "源汇区", "十", "2015-13-01"]),
        ],
    };
    let c = counties();
    let p = parse(&grid, &ctx(&c));
    assert_eq!(p.firms.len(), 0);
    assert_eq!(p.rejected_rows, vec![2, 3, 4]);
    let codes: Vec<_> = p
        .errors
        .iter()
        .map(|e| (e.row, e.column.as_str(), e.code))
        .collect();
    assert_eq!(
        codes,
        vec![
            (2, "A", "invalid_uscc"),
            (3, "C", "unknown_county"),
            (4, "D", "not_a_count"),
            (4, "E", "not_a_date"),
        ]
    );
}

mod announce_lists {
    use super::{code, counties, row};
    use crate::core::registry::announce::{parse_list, same_name, Announced, ListKind};
    use crate::core::registry::Grid;
    use chrono::NaiveDate;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 6, 1).unwrap_or_default()
    }

    #[test]
    fn an_hte_list_under_a_title_reads_its_certificates_and_refuses_a_malformed_number() {
        let grid = Grid {
            rows: vec![
                row(&["2026年河南省第一批高新技术企业名单", "", "", ""]),
                row(&["序号", "企业名称", "证书编号", "发证日期"]),
                row(&["1", "甲公司", "GR202641000001", "2026年5月20日"]),
                row(&["2", "乙公司", "GR202541000002", "2026-05-20"]),
                row(&["3", "丙公司", "gr 2026 41 000003", "2026/5/20"]),
                row(&["", "", "", ""]),
                row(&["合计", "3家", "", ""]),
            ],
        };
        let p = parse_list(&grid, &counties(), today());
        assert_eq!(p.kind, Some(ListKind::HighTech));
        assert_eq!(p.data_rows, 3);
        assert_eq!(p.totals_rows, vec![7]);
        assert_eq!(
            p.errors
                .iter()
                .map(|e| (e.row, e.column.as_str(), e.code))
                .collect::<Vec<_>>(),
            vec![(4, "C", "cert_year_mismatch")]
        );
        let issued = NaiveDate::from_ymd_opt(2026, 5, 20).unwrap_or_default();
        assert_eq!(
            p.entries
                .iter()
                .map(|e| (e.row, e.name.as_deref(), e.announced.clone()))
                .collect::<Vec<_>>(),
            vec![
                (
                    3,
                    Some("甲公司"),
                    Announced::Certificate {
                        cert_no: "GR202641000001".into(),
                        issued_on: issued
                    }
                ),
                (
                    5,
                    Some("丙公司"),
                    Announced::Certificate {
                        cert_no: "GR202641000003".into(),
                        issued_on: issued
                    }
                ),
            ]
        );
    }

    #[test]
    fn a_tech_sme_list_takes_the_year_from_its_column_or_its_number() {
        let (a, b, c) = (code(1), code(2), code(3));
        let grid = Grid {
            rows: vec![
                row(&[
                    "统一社会信用代码",
                    "企业名称",
                    "入库登记编号",
                    "入库年度",
                    "所属县区",
                ]),
                row(&[&a, "甲", "20264111020001", "", "源汇区"]),
                row(&[&b, "乙", "4111020002", "2026", "火星区"]),
                row(&[&c, "丙", "20254111020003", "2026年", ""]),
                row(&[&a, "甲", "20264111020004", "2026", ""]),
                row(&["", "丁", "20264111020005", "2026", ""]),
            ],
        };
        let p = parse_list(&grid, &counties(), today());
        assert_eq!(p.kind, Some(ListKind::TechSme));
        assert_eq!(
            p.errors.iter().map(|e| (e.row, e.code)).collect::<Vec<_>>(),
            vec![
                (3, "unknown_county"),
                (4, "reg_year_mismatch"),
                (5, "duplicate_in_list"),
                (6, "uscc_missing"),
            ]
        );
        assert_eq!(p.rejected_rows, vec![3, 4, 5, 6]);
        assert_eq!(p.entries.len(), 1);
        assert_eq!(p.entries[0].county_code.as_deref(), Some("411102"));
        assert_eq!(
            p.entries[0].announced,
            Announced::Registered {
                year: 2026,
                reg_no: "20264111020001".into()
            }
        );
    }

    #[test]
    fn a_header_with_both_numbers_or_neither_is_no_list() {
        let both = Grid {
            rows: vec![row(&["企业名称", "证书编号", "入库登记编号"])],
        };
        let p = parse_list(&both, &counties(), today());
        assert_eq!((p.kind, p.errors[0].code), (None, "list_kind_ambiguous"));
        let neither = Grid {
            rows: vec![row(&["企业名称", "营业收入"])],
        };
        let p = parse_list(&neither, &counties(), today());
        assert_eq!((p.kind, p.errors[0].code), (None, "no_header"));
    }

    #[test]
    fn names_compare_without_spaces_bracket_width_or_case() {
        assert!(same_name(
            "漯河 Abc（科技）有限公司",
            "漯河abc(科技)有限公司"
        ));
        assert!(!same_name("漯河甲公司", "漯河乙公司"));
    }
}
