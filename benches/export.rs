//! Exports of the firm list (`scripts/bench export`, issue 15): 100,000 generated firms on
//! SQLite, exported as XLSX and as CSV through the app's export (the read model of `/firms`,
//! the same columns and words, batches of rows pushed into the writer), each against its floor
//! in the same run:
//!
//! - XLSX against a bare rust_xlsxwriter loop (constant-memory worksheet) writing the same
//!   cells; goal: at least 0.8× the floor's speed, and the export's peak memory under 100 MB;
//! - CSV against the csv crate alone writing the same rows; goal: at least 0.8×.
//!
//! The floors are given the rows already read (one plain query of the same columns, in the
//! same order, timed apart and reported), so a floor is the writer's cost alone, and the
//! export's whole cost (reading the database a batch at a time included) is set against it.
//! Each figure is the best of `PEIYU_BENCH_RUNS` runs (default 3). Peak memory is the export
//! run alone in a child process (this binary again), its VmHWM from /proc at the end, for the
//! full list and for a tenth of it: memory that does not grow with the rows shows the same.
//! `PEIYU_BENCH_FIRMS` sets the number of firms (default 100,000).

use chrono::{NaiveDate, Utc};
use peiyu::app::export::to_csv::CsvSink;
use peiyu::app::export::to_xlsx::XlsxSink;
use peiyu::app::firms::export::firm_list;
use peiyu::app::firms::list::ListParams;
use peiyu::app::{rescore_all_as_of, Principal};
use peiyu::demo::COUNTIES;
use peiyu::i18n::{self, Lang};
use peiyu::store::firm_query::{self, FirmQuery, ListedFirm, Scope};
use peiyu::store::refdata::{self, County};
use peiyu::store::{self, write_tx, DbConn, StoreError};
use rust_xlsxwriter::{Format, Workbook};
use std::collections::HashMap;
use std::io::Write;
use std::path::Path;
use std::process::Command;
use std::time::Instant;

mod support;

const CHILD: &str = "PEIYU_BENCH_EXPORT_CHILD";

fn firms_wanted() -> usize {
    std::env::var("PEIYU_BENCH_FIRMS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(100_000)
}

fn runs() -> usize {
    std::env::var("PEIYU_BENCH_RUNS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(3)
        .max(1)
}

fn populate(conn: &mut DbConn, n: usize) -> Result<(), StoreError> {
    write_tx(conn, |c| {
        for k in COUNTIES {
            refdata::upsert_county(
                c,
                &County {
                    code: k.code.into(),
                    name_zh: k.name_zh.into(),
                    name_en: k.name_en.into(),
                    kind: k.kind.into(),
                },
            )?;
        }
        support::generate_firms(c, n, "MA", "导出基准企业")
    })
}

/// The peak resident memory of this process so far, in MB (VmHWM).
fn peak_mb() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

/// The export as `/firms/export?format=…` runs it (the operator's whole-city view, the
/// default order), into `out`.
fn export(conn: &mut DbConn, xlsx: bool, out: &Path, params: &ListParams) {
    let now = Utc::now().naive_utc();
    let p = Principal::system();
    if xlsx {
        let mut sink = XlsxSink::new();
        firm_list(conn, &p, params, Lang::ZhCn, now, &mut sink).expect("export");
        sink.save(out).expect("save");
    } else {
        let file = std::fs::File::create(out).expect("create");
        let mut sink = CsvSink::new(std::io::BufWriter::new(file));
        firm_list(conn, &p, params, Lang::ZhCn, now, &mut sink).expect("export");
        sink.finish().expect("finish").flush().expect("flush");
    }
}

/// In the child: one export, then its peak memory on stdout.
fn child(spec: &str) {
    let mut parts = spec.splitn(4, '|');
    let (kind, db, out, county) = (
        parts.next().expect("kind"),
        parts.next().expect("db"),
        parts.next().expect("out"),
        parts.next().unwrap_or(""),
    );
    let pool = store::connect(db).expect("open SQLite");
    let mut conn = pool.get().expect("connection");
    let params = ListParams {
        county: county.to_string(),
        ..ListParams::default()
    };
    export(&mut conn, kind == "xlsx", Path::new(out), &params);
    println!("{:.1}", peak_mb());
}

/// The rows the floors write: the export's columns, words looked up as the export does.
struct FloorRow {
    name: String,
    uscc: String,
    stage: &'static str,
    county: &'static str,
    readiness: f64,
    verdict: &'static str,
}

fn floor_rows(all: Vec<ListedFirm>, words: &Words) -> Vec<FloorRow> {
    all.into_iter()
        .map(|f| FloorRow {
            stage: words.stage(&f.stage),
            county: words.county(&f.county_code),
            readiness: f64::from(f.readiness),
            verdict: if f.next_stage.is_none() {
                ""
            } else {
                words.verdict(f.next_eligible)
            },
            name: f.name,
            uscc: f.uscc,
        })
        .collect()
}

struct Words {
    stages: HashMap<String, &'static str>,
    counties: HashMap<&'static str, &'static str>,
    verdicts: [&'static str; 3],
}

impl Words {
    fn new() -> Words {
        let leak = |s: String| -> &'static str { Box::leak(s.into_boxed_str()) };
        Words {
            stages: peiyu::core::stage::Stage::ALL
                .iter()
                .map(|s| {
                    (
                        s.id().to_string(),
                        leak(i18n::text(Lang::ZhCn, &format!("stage.{}", s.id()))),
                    )
                })
                .collect(),
            counties: COUNTIES.iter().map(|c| (c.code, c.name_zh)).collect(),
            verdicts: ["pass", "fail", "unknown"]
                .map(|v| leak(i18n::text(Lang::ZhCn, &format!("criterion_status.{v}")))),
        }
    }
    fn stage(&self, s: &str) -> &'static str {
        self.stages.get(s).copied().unwrap_or("")
    }
    fn county(&self, c: &str) -> &'static str {
        self.counties.get(c).copied().unwrap_or("")
    }
    fn verdict(&self, e: Option<bool>) -> &'static str {
        match e {
            Some(true) => self.verdicts[0],
            Some(false) => self.verdicts[1],
            None => self.verdicts[2],
        }
    }
}

const HEADERS: [&str; 8] = [
    "企业名称",
    "统一社会信用代码",
    "阶段",
    "县区",
    "行业",
    "政策辅导员",
    "准备度",
    "是否符合",
];

/// The bare rust_xlsxwriter loop: the same cells, a bold header, nothing else.
fn floor_xlsx(rows: &[FloorRow], out: &Path) {
    let mut book = Workbook::new();
    let ws = book.add_worksheet_with_constant_memory();
    let bold = Format::new().set_bold();
    for (i, h) in HEADERS.iter().enumerate() {
        ws.write_string_with_format(0, i as u16, *h, &bold)
            .expect("cell");
    }
    for (r, f) in rows.iter().enumerate() {
        let r = r as u32 + 1;
        ws.write_string(r, 0, &f.name).expect("cell");
        ws.write_string(r, 1, &f.uscc).expect("cell");
        ws.write_string(r, 2, f.stage).expect("cell");
        ws.write_string(r, 3, f.county).expect("cell");
        ws.write_number(r, 6, f.readiness).expect("cell");
        if !f.verdict.is_empty() {
            ws.write_string(r, 7, f.verdict).expect("cell");
        }
    }
    book.save(out).expect("save");
}

/// The csv crate alone: the same rows.
fn floor_csv(rows: &[FloorRow], out: &Path) {
    let file = std::fs::File::create(out).expect("create");
    let mut w = csv::Writer::from_writer(std::io::BufWriter::new(file));
    w.write_record(HEADERS).expect("row");
    let mut n = String::new();
    for f in rows {
        n.clear();
        use std::fmt::Write as _;
        let _ = write!(n, "{}", f.readiness);
        w.write_record([
            f.name.as_str(),
            f.uscc.as_str(),
            f.stage,
            f.county,
            "",
            "",
            n.as_str(),
            f.verdict,
        ])
        .expect("row");
    }
    w.flush().expect("flush");
}

fn best(mut f: impl FnMut()) -> f64 {
    (0..runs())
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed().as_secs_f64() * 1000.0
        })
        .fold(f64::INFINITY, f64::min)
}

fn main() {
    if let Ok(spec) = std::env::var(CHILD) {
        child(&spec);
        return;
    }
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let n = firms_wanted();
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("bench.db").display().to_string();
    let pool = store::connect(&db).expect("open SQLite");
    let mut conn = pool.get().expect("connection");
    let t = Instant::now();
    populate(&mut conn, n).expect("populate");
    let as_of = NaiveDate::from_ymd_opt(2026, 6, 1).expect("date");
    rescore_all_as_of(&mut conn, as_of).expect("rescore");
    eprintln!(
        "export/setup: {n} firms generated and scored in {:.1} s",
        t.elapsed().as_secs_f64()
    );

    let params = ListParams::default();
    let out = |name: &str| dir.path().join(name);
    let query = FirmQuery {
        sort: params.sort_key(),
        descending: params.descending(),
        ..FirmQuery::default()
    };
    let words = Words::new();
    let mut rows = Vec::new();
    let read_ms = best(|| {
        let all =
            firm_query::listed_after(&mut conn, &Scope::All, &query, None, i64::MAX).expect("read");
        rows = floor_rows(all, &words);
    });
    assert_eq!(rows.len(), n);

    let floor_x = best(|| floor_xlsx(&rows, &out("floor.xlsx")));
    let ours_x = best(|| export(&mut conn, true, &out("ours.xlsx"), &params));
    let floor_c = best(|| floor_csv(&rows, &out("floor.csv")));
    let ours_c = best(|| export(&mut conn, false, &out("ours.csv"), &params));
    let size = |p: &str| std::fs::metadata(out(p)).map_or(0, |m| m.len()) as f64 / 1e6;

    println!("export/read: the {n} rows in one plain query: {read_ms:.0} ms (not in the floors)");
    println!(
        "export/xlsx: ours {ours_x:.0} ms ({:.1} MB), floor (bare rust_xlsxwriter, rows in memory) {floor_x:.0} ms ({:.1} MB): {:.2}x the floor's speed (goal >= 0.8x)",
        size("ours.xlsx"),
        size("floor.xlsx"),
        floor_x / ours_x
    );
    println!(
        "export/csv:  ours {ours_c:.0} ms ({:.1} MB), floor (csv crate alone, rows in memory) {floor_c:.0} ms ({:.1} MB): {:.2}x the floor's speed (goal >= 0.8x)",
        size("ours.csv"),
        size("floor.csv"),
        floor_c / ours_c
    );
    println!(
        "export/with-read: against the floors plus the plain read: xlsx {:.2}x, csv {:.2}x",
        (floor_x + read_ms) / ours_x,
        (floor_c + read_ms) / ours_c
    );
    drop(rows);
    drop(conn);

    // Peak memory: the export alone in a child, for every firm and for one county's (an
    // eighth of them).
    let me = std::env::current_exe().expect("this binary");
    for (kind, county, what) in [
        ("xlsx", "", "every firm"),
        ("xlsx", COUNTIES[0].code, "one county"),
        ("csv", "", "every firm"),
    ] {
        let target = out(&format!("child.{kind}"));
        let spec = format!("{kind}|{db}|{}|{county}", target.display());
        let t = Instant::now();
        let res = Command::new(&me)
            .env(CHILD, spec)
            .output()
            .expect("run the child");
        assert!(
            res.status.success(),
            "{}",
            String::from_utf8_lossy(&res.stderr)
        );
        let peak = String::from_utf8_lossy(&res.stdout).trim().to_string();
        let rows = if county.is_empty() {
            n
        } else {
            n / COUNTIES.len()
        };
        println!(
            "export/memory: {kind} of {what} (~{rows} rows) peaked at {peak} MB resident in its own process ({:.0} ms){}",
            t.elapsed().as_secs_f64() * 1000.0,
            if kind == "xlsx" && county.is_empty() { " (goal < 100 MB)" } else { "" }
        );
    }
}
