//! Registry imports (issue 15, part 6) on both backends: sheets as bureaus keep them, exact
//! amounts, the dry run, all-or-nothing with 17 bad rows, a second import that changes
//! nothing, county officers' territory, and SIGKILL at random points.

use crate::common::{
    backends, d, import_registry, seed, FirmBuilder, Seed, TestDb, COUNTY_A, COUNTY_B,
};
use diesel::prelude::*;
use peiyu::app::imports::samples::{registry_csv, registry_xlsx, sample_uscc, sample_year};
use peiyu::app::imports::{import_firms, ImportOptions, ImportReport, Outcome};
use peiyu::app::Principal;
use peiyu::core::money::Fen;
use peiyu::core::profile::FirmYear;
use peiyu::store::firms::{self, Firm};
use peiyu::store::schema::audit_log;
use peiyu::store::years::{self, FirmYearRow};
use peiyu::store::DbConn;

const YEARS: [i32; 3] = [2023, 2024, 2025];
const COUNTIES: [&str; 2] = ["新华区", "卫东区"];

fn run(conn: &mut DbConn, bytes: &[u8], who: &Principal, opts: ImportOptions) -> ImportReport {
    import_firms(conn, bytes, opts, who, &mut |_, _, _| {}).expect("import runs")
}

/// Everything an import may write, to compare before and after.
#[derive(Debug, PartialEq)]
struct Snapshot {
    firms: Vec<Firm>,
    years: Vec<FirmYearRow>,
    audit_rows: i64,
}

impl Snapshot {
    /// Counts and a hash of everything, to compare without printing 5,000 firms.
    fn digest(&self) -> (usize, usize, i64, u64) {
        use std::hash::{Hash, Hasher};
        let mut h = std::collections::hash_map::DefaultHasher::new();
        format!("{:?}{:?}", self.firms, self.years).hash(&mut h);
        (
            self.firms.len(),
            self.years.len(),
            self.audit_rows,
            h.finish(),
        )
    }
}

fn snapshot(conn: &mut DbConn) -> Snapshot {
    use peiyu::store::schema::firms::dsl as f;
    Snapshot {
        firms: f::firms
            .order(f::id)
            .select(Firm::as_select())
            .load(conn)
            .expect("firms"),
        years: years::list_all(conn).expect("years"),
        audit_rows: audit_log::table.count().get_result(conn).expect("audit"),
    }
}

fn gb18030(text: &str) -> Vec<u8> {
    let (bytes, _, unmappable) = encoding_rs::GB18030.encode(text);
    assert!(!unmappable);
    bytes.into_owned()
}

fn firm(conn: &mut DbConn, uscc: &str) -> Firm {
    firms::find_by_uscc(conn, uscc)
        .expect("look up")
        .unwrap_or_else(|| panic!("{uscc} imported"))
}

fn year(conn: &mut DbConn, uscc: &str, y: i32) -> FirmYearRow {
    let f = firm(conn, uscc);
    years::list_for_firm(conn, f.id)
        .expect("years")
        .into_iter()
        .find(|r| r.year == y)
        .unwrap_or_else(|| panic!("{uscc} has {y}"))
}

#[test]
fn a_generated_registry_imports_as_xlsx_and_as_gb18030_csv_and_again_changes_nothing() {
    let n = 300;
    let csv = gb18030(&registry_csv(n, &YEARS, &COUNTIES));
    let xlsx = registry_xlsx(n, &YEARS, &COUNTIES).expect("xlsx");
    for db in backends() {
        for (kind, bytes) in [("csv", &csv), ("xlsx", &xlsx)] {
            let mut c = db.conn();
            // A fresh city for each file.
            c.transaction::<_, diesel::result::Error, _>(|c| {
                diesel::delete(peiyu::store::schema::firm_years::table).execute(c)?;
                diesel::delete(audit_log::table).execute(c)?;
                diesel::delete(peiyu::store::schema::firms::table).execute(c)?;
                Ok(())
            })
            .expect("empty the tables");
            let s = if kind == "csv" {
                seed(&mut c)
            } else {
                seed_again(&mut c)
            };
            let r = import_registry(&mut c, bytes, &s.bureau);
            assert_eq!(r.errors, vec![], "{} {kind}", db.name());
            assert_eq!((r.new, r.updated, r.unchanged), (n, 0, 0));
            assert_eq!(r.data_rows, n);
            assert_eq!(r.totals_rows.len(), 1, "the totals row is recognised");
            assert!(r.committed);
            assert_eq!(firms::count(&mut c).expect("count"), n as i64);
            assert_eq!(years::list_all(&mut c).expect("years").len(), n * 3);
            // Amounts exactly as generated; the county resolved by its name; derived columns set.
            for i in [0, 17, n - 1] {
                let code = sample_uscc(i);
                let f = firm(&mut c, &code);
                assert_eq!(f.county_code, if i % 2 == 0 { COUNTY_A } else { COUNTY_B });
                assert_eq!(f.stage, "prospect");
                assert_eq!(f.next_stage.as_deref(), Some("tech_sme"));
                assert!(f.evaluated_at.is_some());
                let y = year(&mut c, &code, 2024);
                let (rev, rd, assets) = sample_year(i, 2024);
                assert_eq!(
                    (y.revenue, y.rd_expense, y.total_assets),
                    (Some(rev.0), Some(rd.0), Some(assets.0)),
                    "{} {kind} firm {i}",
                    db.name()
                );
            }
            let before = snapshot(&mut c);
            let again = import_registry(&mut c, bytes, &s.bureau);
            assert_eq!((again.new, again.updated, again.unchanged), (0, 0, n));
            assert!(!again.committed, "nothing to write");
            assert_eq!(snapshot(&mut c), before, "{} {kind}", db.name());
        }
    }
}

/// The seed's counties exist already: only the users are added again (as new names).
fn seed_again(conn: &mut DbConn) -> Seed {
    use peiyu::store::schema::users::dsl as u;
    diesel::delete(u::users).execute(conn).expect("clear users");
    seed(conn)
}

#[test]
fn a_sheet_as_bureaus_keep_it_imports_without_retyping() {
    use rust_xlsxwriter::{Format, Workbook};
    let (a, b) = (sample_uscc(1), sample_uscc(2));
    let mut book = Workbook::new();
    let ws = book.add_worksheet();
    let f = Format::new();
    ws.merge_range(0, 0, 0, 6, "漯河市高新技术企业后备库名单（2025年）", &f)
        .unwrap();
    ws.merge_range(1, 0, 1, 6, "填报单位：市科技局", &f)
        .unwrap();
    for (j, h) in [
        "序号",
        "企业名称",
        "统一社会信用代码",
        "县（区）",
        "年度",
        "营业收入\n（元）",
        "研发费用（千元）",
    ]
    .iter()
    .enumerate()
    {
        ws.write_string(2, j as u16, *h).unwrap();
    }
    // Firm a over two years, its number, name, code and county merged down.
    ws.merge_range(3, 0, 4, 0, "1", &f).unwrap();
    ws.merge_range(3, 1, 4, 1, "甲科技有限公司", &f).unwrap();
    ws.merge_range(3, 2, 4, 2, &a, &f).unwrap();
    ws.merge_range(3, 3, 4, 3, "新华区", &f).unwrap();
    ws.write_number(3, 4, 2024).unwrap();
    ws.write_number(3, 5, 12_345_678.9).unwrap();
    ws.write_number(3, 6, 1234.56789).unwrap();
    ws.write_string(4, 4, "2023年").unwrap();
    ws.write_number(4, 5, 10_000_000).unwrap();
    // A spacer row, then firm b, then the totals.
    ws.write_string(6, 0, "2").unwrap();
    ws.write_string(6, 1, "乙科技有限公司").unwrap();
    ws.write_string(6, 2, &b).unwrap();
    ws.write_string(6, 3, "411103").unwrap();
    ws.write_number(6, 4, 2024).unwrap();
    ws.write_string(6, 5, "2,000,000.00").unwrap();
    ws.write_string(7, 0, "合 计").unwrap();
    ws.write_number(7, 5, 24_345_678.9).unwrap();
    let bytes = book.save_to_buffer().unwrap();
    for db in backends() {
        let mut c = db.conn();
        let s = seed(&mut c);
        let r = import_registry(&mut c, &bytes, &s.bureau);
        assert_eq!(r.errors, vec![], "{}", db.name());
        assert_eq!(r.new, 2);
        assert_eq!(r.totals_rows, vec![8]);
        let y = year(&mut c, &a, 2024);
        assert_eq!(
            y.revenue,
            Some(1_234_567_890),
            "元 with two decimals, exact"
        );
        assert_eq!(
            y.rd_expense,
            Some(123_456_789),
            "千元 with five decimals, exact"
        );
        assert_eq!(year(&mut c, &a, 2023).revenue, Some(1_000_000_000));
        assert_eq!(year(&mut c, &b, 2024).revenue, Some(200_000_000));
        assert_eq!(firm(&mut c, &b).county_code, COUNTY_B);
        assert_eq!(firm(&mut c, &a).name, "甲科技有限公司");
    }
}

#[test]
fn utf8_with_bom_and_gb18030_csv_in_the_long_form_read_the_same() {
    let a = sample_uscc(5);
    let text = format!(
        "統計表,,,\n\
         统一社会信用代码,企业名称,所属县区,年度,营业收入（万元）,发明专利,Employees\n\
         {a},丙公司,新华区,2024,\"1,200.5\",3,40\n\
         {a},丙公司,新华区,2023年,1000,3,40\n\
         ,,,,,,\n\
         总计,,,,2200.5,,\n"
    );
    let mut bom = vec![0xEF, 0xBB, 0xBF];
    bom.extend_from_slice(text.as_bytes());
    for db in backends() {
        for bytes in [bom.clone(), gb18030(&text)] {
            let mut c = db.conn();
            if firms::count(&mut c).unwrap() == 0 {
                let s = seed(&mut c);
                let r = import_registry(&mut c, &bytes, &s.bureau);
                assert_eq!(r.errors, vec![], "{}", db.name());
                assert_eq!((r.new, r.data_rows, r.totals_rows.len()), (1, 2, 1));
                assert_eq!(year(&mut c, &a, 2024).revenue, Some(1_200_500_000));
                assert_eq!(year(&mut c, &a, 2023).revenue, Some(1_000_000_000));
                let f = firm(&mut c, &a);
                assert_eq!(f.employees, Some(40));
                assert!(f.facts.contains("\"invention_patents\":3"), "{}", f.facts);
            } else {
                // The other encoding of the same file is the same data.
                let r = import_registry(&mut c, &bytes, &Principal::system());
                assert_eq!((r.new, r.updated, r.unchanged), (0, 0, 1), "{}", db.name());
            }
        }
    }
}

#[test]
fn a_dry_run_lists_the_changes_field_by_field_and_the_commit_writes_them_without_a_stage_event() {
    for db in backends() {
        let mut c = db.conn();
        let s = seed(&mut c);
        let existing = FirmBuilder::new()
            .year(
                FirmYear {
                    year: 2024,
                    revenue: Some(Fen::wan(100)),
                    ..FirmYear::default()
                },
                None,
            )
            .create(&mut c, &s.bureau);
        let new_code = sample_uscc(9);
        let text = format!(
            "统一社会信用代码,企业名称,所属县区,2024年营业收入（万元）,2024年研发费用（万元）,职工总数\n\
             {},{},,250,,\n\
             {new_code},新企业,卫东区,80,4,10\n",
            existing.uscc, existing.name
        );
        let before = snapshot(&mut c);
        let dry = run(
            &mut c,
            text.as_bytes(),
            &s.bureau,
            ImportOptions {
                dry_run: true,
                ..ImportOptions::default()
            },
        );
        assert_eq!(snapshot(&mut c), before, "a dry run writes nothing");
        assert_eq!((dry.new, dry.updated, dry.unchanged), (1, 1, 0));
        assert!(!dry.committed);
        let updated = dry
            .changes
            .iter()
            .find(|o| o.uscc == existing.uscc)
            .expect("listed");
        let Outcome::Updated(fields) = &updated.outcome else {
            panic!("an update")
        };
        assert_eq!(fields.len(), 1, "{fields:?}");
        assert_eq!(
            (
                fields[0].year,
                fields[0].before.as_str(),
                fields[0].after.as_str()
            ),
            (Some(2024), "100", "250")
        );
        let audits_before =
            peiyu::store::audit::count_for_entity(&mut c, "firm", existing.id).unwrap();
        let r = import_registry(&mut c, text.as_bytes(), &s.bureau);
        assert!(r.committed);
        let after = firm(&mut c, &existing.uscc);
        assert_eq!(after.version, existing.version + 1);
        assert_eq!(after.stage, existing.stage);
        assert_eq!(
            year(&mut c, &existing.uscc, 2024).revenue,
            Some(Fen::wan(250).0)
        );
        let events: i64 = peiyu::store::schema::stage_events::table
            .count()
            .get_result(&mut c)
            .unwrap();
        assert_eq!(events, 0, "an import fires no stage event");
        let audits = peiyu::store::audit::count_for_entity(&mut c, "firm", after.id).unwrap();
        assert_eq!(audits, audits_before + 1, "one audit row for the import");
    }
}

/// 17 rows, each wrong in its own way, among good ones.
fn seventeen_bad_rows() -> (String, Vec<usize>) {
    let mut bad_check = sample_uscc(100);
    let last = bad_check.pop().unwrap();
    bad_check.push(if last == '0' { '1' } else { '0' });
    let header = "序号,统一社会信用代码,企业名称,所属县区,成立日期,职工总数,科技人员数,年度,营业收入（元）,研发费用（元）,联系电话,行业代码";
    let good = |i: usize| {
        format!(
            "{i},{},好企业{i},新华区,2015-01-01,50,10,2024,1000000,50000,0395-1234567,C3914",
            sample_uscc(200 + i)
        )
    };
    let bad: Vec<String> = vec![
        format!("b1,{bad_check},坏1,新华区,2015-01-01,50,10,2024,100,1,,"),
        "b2,91411102MA12345,坏2,新华区,2015-01-01,50,10,2024,100,1,,".into(),
        "b3,91411102MA1234567O,坏3,新华区,2015-01-01,50,10,2024,100,1,,".into(),
        "b4,,坏4,新华区,2015-01-01,50,10,2024,100,1,,".into(),
        format!(
            "b5,{},坏5,火星区,2015-01-01,50,10,2024,100,1,,",
            sample_uscc(105)
        ),
        format!(
            "b6,{},坏6,新华区,2015-02-30,50,10,2024,100,1,,",
            sample_uscc(106)
        ),
        format!(
            "b7,{},坏7,新华区,2099-01-01,50,10,2024,100,1,,",
            sample_uscc(107)
        ),
        format!(
            "b8,{},坏8,新华区,2015-01-01,五十,10,2024,100,1,,",
            sample_uscc(108)
        ),
        format!(
            "b9,{},坏9,新华区,2015-01-01,50,60,2024,100,1,,",
            sample_uscc(109)
        ),
        format!(
            "b10,{},坏10,新华区,2015-01-01,50,10,2099,100,1,,",
            sample_uscc(110)
        ),
        format!(
            "b11,{},坏11,新华区,2015-01-01,50,10,二〇二四,100,1,,",
            sample_uscc(111)
        ),
        format!(
            "b12,{},坏12,新华区,2015-01-01,50,10,2024,12.345,1,,",
            sample_uscc(112)
        ),
        format!(
            "b13,{},坏13,新华区,2015-01-01,50,10,2024,abc,1,,",
            sample_uscc(113)
        ),
        format!(
            "b14,{},坏14,新华区,2015-01-01,50,10,2024,-100,1,,",
            sample_uscc(114)
        ),
        format!(
            "b15,{},坏15,新华区,2015-01-01,50,10,2024,100,1,电话号码,",
            sample_uscc(115)
        ),
        format!(
            "b16,{},坏16,新华区,2015-01-01,50,10,2024,100,1,,ZZ99",
            sample_uscc(116)
        ),
        // The first good row again: its year twice.
        format!(
            "b17,{},好企业0,新华区,2015-01-01,50,10,2024,1000000,50000,0395-1234567,C3914",
            sample_uscc(200)
        ),
    ];
    let mut lines = vec![header.to_string()];
    let mut bad_rows = Vec::new();
    let mut b = bad.into_iter();
    for i in 0..40 {
        lines.push(good(i));
        if i % 2 == 1 {
            if let Some(line) = b.next() {
                lines.push(line);
                bad_rows.push(lines.len());
            }
        }
    }
    lines.push("合计,,,,,,,,,,,".into());
    (lines.join("\n"), bad_rows)
}

#[test]
fn seventeen_bad_rows_are_reported_exactly_and_nothing_is_committed_unless_asked() {
    let (text, bad_rows) = seventeen_bad_rows();
    assert_eq!(bad_rows.len(), 17);
    for db in backends() {
        let mut c = db.conn();
        let s = seed(&mut c);
        let before = snapshot(&mut c);
        let r = import_registry(&mut c, text.as_bytes(), &s.bureau);
        assert_eq!(r.rejected_rows, bad_rows, "{}: {:#?}", db.name(), r.errors);
        let mut codes: Vec<&str> = r.errors.iter().map(|e| e.code).collect();
        codes.sort_unstable();
        codes.dedup();
        assert!(codes.len() >= 12, "different kinds: {codes:?}");
        assert!(r.refused() && !r.committed);
        assert_eq!(snapshot(&mut c), before, "nothing committed");
        // The errors name the row and column as Excel shows them, and the value.
        let e = r
            .errors
            .iter()
            .find(|e| e.code == "unknown_county")
            .unwrap();
        assert_eq!((e.column.as_str(), e.value.as_str()), ("D", "火星区"));
        let skip = run(
            &mut c,
            text.as_bytes(),
            &s.bureau,
            ImportOptions {
                skip_bad_rows: true,
                ..ImportOptions::default()
            },
        );
        assert!(skip.committed);
        assert_eq!(skip.rejected_rows, bad_rows);
        assert_eq!(skip.new, 40);
        assert_eq!(firms::count(&mut c).unwrap(), 40);
    }
}

#[test]
fn a_county_officer_imports_only_firms_of_their_county() {
    for db in backends() {
        let mut c = db.conn();
        let s = seed(&mut c);
        let other = FirmBuilder::new()
            .county(COUNTY_B)
            .create(&mut c, &s.bureau);
        let (mine, theirs) = (sample_uscc(301), sample_uscc(302));
        let text = format!(
            "统一社会信用代码,企业名称,所属县区,职工总数\n\
             {mine},本县企业,,10\n\
             {theirs},外县企业,卫东区,10\n\
             {},改名,,200\n",
            other.uscc
        );
        let r = import_registry(&mut c, text.as_bytes(), &s.county_a);
        assert_eq!(r.rejected_rows, vec![3, 4]);
        assert!(
            r.errors.iter().all(|e| e.code == "outside_territory"),
            "{:?}",
            r.errors
        );
        assert!(!r.committed);
        let r = run(
            &mut c,
            text.as_bytes(),
            &s.county_a,
            ImportOptions {
                skip_bad_rows: true,
                ..ImportOptions::default()
            },
        );
        assert_eq!(r.new, 1);
        assert_eq!(
            firm(&mut c, &mine).county_code,
            COUNTY_A,
            "placed in their county"
        );
        assert_eq!(firm(&mut c, &other.uscc).name, other.name);
        assert!(firms::find_by_uscc(&mut c, &theirs).unwrap().is_none());
        let refused = import_firms(
            &mut c,
            text.as_bytes(),
            ImportOptions::default(),
            &s.advisor,
            &mut |_, _, _| {},
        );
        assert!(matches!(refused, Err(peiyu::app::AppError::Forbidden)));
    }
}

#[test]
fn killing_the_import_at_random_points_leaves_the_database_as_it_was() {
    use std::process::{Command, Stdio};
    use std::time::Instant;
    let db = TestDb::sqlite();
    {
        let mut c = db.conn();
        let s = seed(&mut c);
        // Some firms already there, one of them in the file with other figures.
        FirmBuilder::new()
            .uscc(&sample_uscc(3))
            .create(&mut c, &s.bureau);
        FirmBuilder::new().create(&mut c, &s.bureau);
    }
    checkpoint(&db);
    let original = db.url.trim_start_matches("sqlite://").to_string();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("registry.csv");
    std::fs::write(&file, gb18030(&registry_csv(5_000, &YEARS, &COUNTIES))).unwrap();
    // Each run works on its own copy of the database as it was.
    let copy = |name: &str| {
        let path = dir.path().join(name);
        std::fs::copy(&original, &path).unwrap();
        format!("sqlite://{}", path.display())
    };
    let state = |url: &str| {
        let mut c = peiyu::store::connect_one(url).unwrap();
        let ok: Vec<IntegrityRow> = diesel::sql_query("PRAGMA integrity_check")
            .load(&mut c)
            .unwrap();
        assert_eq!(ok.len(), 1);
        assert_eq!(ok[0].integrity_check, "ok");
        // Every index there, as defined (a large import builds the firm indexes again).
        let indexes = crate::common::indexes(&mut c, None);
        (snapshot(&mut c).digest(), indexes)
    };
    let (before, indexes) = state(&copy("before.db"));
    assert!(
        indexes.iter().any(|(n, _)| n == "firms_county"),
        "{indexes:?}"
    );
    let spawn = |url: &str| {
        Command::new(env!("CARGO_BIN_EXE_peiyu"))
            .args(["import", "firms"])
            .arg(&file)
            .env("PEIYU_DATABASE_URL", url)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap()
    };
    // A whole import, timed, to spread the kills over it.
    let full_url = copy("full.db");
    let t = Instant::now();
    assert!(spawn(&full_url).wait().unwrap().success());
    let full = t.elapsed();
    let (after, after_indexes) = state(&full_url);
    assert_eq!(after.0, 5_001, "the import adds 4,999 firms");
    assert_eq!(after_indexes, indexes);
    let mut rng = 0x9E37_79B9_7F4A_7C15_u64;
    let mut killed_before_commit = 0;
    for run in 0..20 {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        let delay = full.mul_f64((rng % 1000) as f64 / 1000.0);
        let url = copy(&format!("run{run}.db"));
        let mut child = spawn(&url);
        std::thread::sleep(delay);
        // SIGKILL: no handler, no clean-up.
        let _ = child.kill();
        let _ = child.wait();
        // All or nothing: the database as it was, or the whole import (a kill can land after
        // the commit, while the report is printed). Its own times differ from the timed
        // run's, so a whole import is compared by its counts.
        let (now, now_indexes) = state(&url);
        assert_eq!(now_indexes, indexes, "run {run} killed after {delay:?}");
        if now == before {
            killed_before_commit += 1;
        } else {
            assert_eq!(
                (now.0, now.1, now.2),
                (after.0, after.1, after.2),
                "run {run} killed after {delay:?}: neither before nor after"
            );
        }
    }
    eprintln!("SIGKILL: {killed_before_commit} of 20 runs killed before their commit");
    assert!(
        killed_before_commit >= 10,
        "most kills land before the commit: {killed_before_commit}"
    );
}

#[derive(QueryableByName)]
struct IntegrityRow {
    #[diesel(sql_type = diesel::sql_types::Text)]
    integrity_check: String,
}

fn checkpoint(db: &TestDb) {
    use diesel::connection::SimpleConnection;
    let mut c = db.conn();
    c.batch_execute("PRAGMA wal_checkpoint(TRUNCATE)").unwrap();
}

#[test]
fn dates_in_a_long_form_sheet_and_a_title_merged_over_the_header_width() {
    // A long form registry from the generator's figures, read back: covered above; here a
    // header merged over two columns keeps its first column.
    let a = sample_uscc(400);
    let text = format!(
        "统一社会信用代码,企业名称,企业名称,所属县区,成立日期\n{a},丁公司,丁公司,新华区,2015年3月2日\n"
    );
    for db in backends() {
        let mut c = db.conn();
        let s = seed(&mut c);
        let r = import_registry(&mut c, text.as_bytes(), &s.bureau);
        assert_eq!(r.errors, vec![]);
        assert_eq!(firm(&mut c, &a).founded_on, Some(d(2015, 3, 2)));
    }
}

#[test]
fn a_long_commit_reports_its_writing_progress_batch_by_batch() {
    use peiyu::app::imports::Phase;
    for db in backends() {
        let mut c = db.conn();
        let s = seed(&mut c);
        let bytes = registry_csv(5_000, &YEARS, &COUNTIES).into_bytes();
        let mut heard = Vec::new();
        let report = import_firms(
            &mut c,
            &bytes,
            ImportOptions {
                dry_run: false,
                skip_bad_rows: true,
            },
            &s.bureau,
            &mut |phase, done, total| heard.push((phase, done, total)),
        )
        .unwrap();
        assert!(report.committed);
        let writing: Vec<usize> = heard
            .iter()
            .filter(|(p, _, _)| *p == Phase::Writing)
            .map(|(_, done, total)| {
                assert_eq!(*total, report.new, "{}", db.name());
                *done
            })
            .collect();
        assert!(
            writing.windows(2).all(|w| w[0] <= w[1]),
            "{}: {writing:?}",
            db.name()
        );
        assert_eq!(writing.last(), Some(&report.new));
        let mut steps = writing.clone();
        steps.dedup();
        // 0, then each of three batches twice (its firms, then their years), the end.
        assert!(steps.len() >= 7, "{}: {steps:?}", db.name());
    }
}

mod runs {
    //! Imports as stored runs: queued, run, shown to whom may see them, committed from a dry
    //! run's stored file, swept.

    use super::*;
    use peiyu::app::imports::runs::{self, RunStatus};
    use peiyu::app::AppError;

    fn queue(conn: &mut DbConn, who: &Principal, bytes: &[u8], dry_run: bool) -> i64 {
        let options = ImportOptions {
            dry_run,
            skip_bad_rows: false,
        };
        runs::queue(conn, who, "名单.csv", bytes.to_vec(), options).unwrap()
    }

    fn csv(codes: &[usize]) -> Vec<u8> {
        let mut text = String::from("统一社会信用代码,企业名称,所属县区\n");
        for i in codes {
            text.push_str(&format!("{},公司{i},新华区\n", sample_uscc(*i)));
        }
        text.into_bytes()
    }

    #[test]
    fn a_dry_run_is_committed_from_its_stored_file_and_shown_only_to_whom_may_see_it() {
        for db in backends() {
            let mut c = db.conn();
            let s = seed(&mut c);
            let dry = queue(&mut c, &s.county_a, &csv(&[1, 2]), true);
            let queued = runs::view(&mut c, &s.county_a, dry).unwrap();
            assert_eq!(queued.status, RunStatus::Queued, "{}", db.name());
            assert!(queued.report.is_none());
            runs::execute(&db.pool, dry);
            let done = runs::view(&mut c, &s.county_a, dry).unwrap();
            assert_eq!(done.status, RunStatus::Done, "{}", db.name());
            let report = done.report.clone().unwrap();
            assert_eq!((report.new, report.dry_run), (2, true));
            assert!(done.can_commit());
            assert_eq!(firms::count(&mut c).unwrap(), 0);
            // Executing it again does nothing: it is no longer queued.
            runs::execute(&db.pool, dry);
            assert_eq!(runs::view(&mut c, &s.county_a, dry).unwrap(), done);

            // The bureau and admins see it; another county's officer and advisors do not.
            assert!(runs::view(&mut c, &s.bureau, dry).is_ok());
            assert!(runs::view(&mut c, &s.admin, dry).is_ok());
            assert!(matches!(
                runs::view(&mut c, &s.county_b, dry),
                Err(AppError::NotFound)
            ));
            assert!(matches!(
                runs::queue_commit(&mut c, &s.county_b, dry, false),
                Err(AppError::NotFound)
            ));
            assert!(matches!(
                runs::view(&mut c, &s.advisor, dry),
                Err(AppError::Forbidden)
            ));
            assert!(runs::recent(&mut c, &s.county_b).unwrap().is_empty());
            assert_eq!(runs::recent(&mut c, &s.bureau).unwrap().len(), 1);

            // The commit, from the stored file.
            let commit = runs::queue_commit(&mut c, &s.county_a, dry, false).unwrap();
            runs::execute(&db.pool, commit);
            let committed = runs::view(&mut c, &s.county_a, commit).unwrap();
            assert_eq!(committed.status, RunStatus::Done);
            assert_eq!(committed.source_run_id, Some(dry));
            assert!(committed.report.unwrap().committed);
            assert!(!committed.dry_run);
            assert_eq!(firms::count(&mut c).unwrap(), 2, "{}", db.name());
            // A commit is not a dry run: nothing to commit from it.
            assert!(matches!(
                runs::queue_commit(&mut c, &s.county_a, commit, false),
                Err(AppError::BadInput(_))
            ));
            let listed: Vec<i64> = runs::recent(&mut c, &s.county_a)
                .unwrap()
                .iter()
                .map(|r| r.id)
                .collect();
            assert_eq!(listed, vec![commit, dry], "newest first");
        }
    }

    #[test]
    fn an_unreadable_file_fails_with_its_reason_in_both_languages() {
        for db in backends() {
            let mut c = db.conn();
            let s = seed(&mut c);
            let id = queue(&mut c, &s.bureau, b"PK\x03\x04 not a workbook", false);
            runs::execute(&db.pool, id);
            let v = runs::view(&mut c, &s.bureau, id).unwrap();
            assert_eq!(v.status, RunStatus::Failed, "{}", db.name());
            let failure = v.failure.clone().unwrap();
            assert!(!failure.zh.is_empty() && !failure.en.is_empty());
            assert_ne!(failure.zh, failure.en);
            assert!(!v.can_commit());
        }
    }

    #[test]
    fn the_sweep_removes_files_after_a_week_and_marks_dead_runs_interrupted() {
        for db in backends() {
            let mut c = db.conn();
            let s = seed(&mut c);
            let dry = queue(&mut c, &s.bureau, &csv(&[5]), true);
            runs::execute(&db.pool, dry);
            // Never started: its process died before taking it.
            let orphan = queue(&mut c, &s.bureau, &csv(&[6]), false);
            let now = chrono::Utc::now().naive_utc();
            // The next day: the dead run is interrupted, the files are kept.
            let swept = peiyu::app::daily::sweep::sweep_import_runs(
                &mut c,
                now + chrono::Duration::days(1),
            )
            .unwrap();
            assert_eq!((swept.interrupted, swept.files_removed), (1, 0));
            assert!(runs::view(&mut c, &s.bureau, dry).unwrap().can_commit());
            // After a week, both files are gone; the report stays.
            let swept = peiyu::app::daily::sweep::sweep_import_runs(
                &mut c,
                now + runs::KEEP_FILES + chrono::Duration::hours(1),
            )
            .unwrap();
            assert_eq!(
                (swept.interrupted, swept.files_removed),
                (0, 2),
                "{}",
                db.name()
            );
            let v = runs::view(&mut c, &s.bureau, dry).unwrap();
            assert!(!v.has_file && !v.can_commit());
            assert_eq!(v.report.unwrap().new, 1);
            assert!(matches!(
                runs::queue_commit(&mut c, &s.bureau, dry, false),
                Err(AppError::BadInput(e)) if e.code == "file_removed"
            ));
            assert_eq!(
                runs::view(&mut c, &s.bureau, orphan).unwrap().status,
                RunStatus::Interrupted
            );
            assert_eq!(firms::count(&mut c).unwrap(), 0);
        }
    }
}

mod runs_long {
    //! A run longer than a heartbeat, watched from another connection while it runs.

    use super::*;
    use peiyu::app::imports::runs::{self, RunStatus};
    use std::sync::atomic::{AtomicBool, Ordering};

    #[test]
    fn a_run_longer_than_its_heartbeat_is_seen_running_then_done_on_both_backends() {
        for db in backends() {
            let mut c = db.conn();
            let s = seed(&mut c);
            let bytes = registry_csv(5_000, &YEARS, &COUNTIES).into_bytes();
            for dry_run in [true, false] {
                let id = runs::queue(
                    &mut c,
                    &s.bureau,
                    "registry.csv",
                    bytes.clone(),
                    ImportOptions {
                        dry_run,
                        skip_bad_rows: true,
                    },
                )
                .unwrap();
                let stop = AtomicBool::new(false);
                // Another reader while it runs (on SQLite, while the commit holds the one
                // writer's lock and the heartbeat waits for it).
                let seen = std::thread::scope(|sc| {
                    let watcher = sc.spawn(|| {
                        let mut c = db.conn();
                        let mut seen = Vec::new();
                        while !stop.load(Ordering::Relaxed) {
                            seen.push(runs::view(&mut c, &s.bureau, id).unwrap().status);
                            std::thread::sleep(std::time::Duration::from_millis(20));
                        }
                        seen
                    });
                    runs::execute(&db.pool, id);
                    stop.store(true, Ordering::Relaxed);
                    watcher.join().unwrap()
                });
                assert!(
                    seen.contains(&RunStatus::Running),
                    "{}: {seen:?}",
                    db.name()
                );
                let v = runs::view(&mut c, &s.bureau, id).unwrap();
                assert_eq!(v.status, RunStatus::Done, "{}", db.name());
                assert_eq!(v.report.unwrap().committed, !dry_run);
            }
            assert_eq!(firms::count(&mut c).unwrap(), 5_000, "{}", db.name());
        }
    }
    #[test]
    fn one_process_runs_one_import_at_a_time_and_the_other_waits_queued() {
        for db in backends() {
            let mut c = db.conn();
            let s = seed(&mut c);
            let bytes = registry_csv(5_000, &YEARS, &COUNTIES).into_bytes();
            let ids: Vec<i64> = (0..2)
                .map(|_| {
                    runs::queue(
                        &mut c,
                        &s.bureau,
                        "registry.csv",
                        bytes.clone(),
                        ImportOptions {
                            dry_run: true,
                            skip_bad_rows: true,
                        },
                    )
                    .unwrap()
                })
                .collect();
            let stop = AtomicBool::new(false);
            let seen = std::thread::scope(|sc| {
                let watcher = sc.spawn(|| {
                    let mut c = db.conn();
                    let mut seen = Vec::new();
                    while !stop.load(Ordering::Relaxed) {
                        let a = runs::view(&mut c, &s.bureau, ids[0]).unwrap().status;
                        let b = runs::view(&mut c, &s.bureau, ids[1]).unwrap().status;
                        seen.push((a, b));
                        std::thread::sleep(std::time::Duration::from_millis(20));
                    }
                    seen
                });
                let workers: Vec<_> = ids
                    .iter()
                    .map(|id| sc.spawn(|| runs::execute(&db.pool, *id)))
                    .collect();
                for w in workers {
                    w.join().unwrap();
                }
                stop.store(true, Ordering::Relaxed);
                watcher.join().unwrap()
            });
            use RunStatus::{Queued, Running};
            assert!(
                !seen.contains(&(Running, Running)),
                "{}: both ran at once",
                db.name()
            );
            assert!(
                seen.iter()
                    .any(|p| *p == (Running, Queued) || *p == (Queued, Running)),
                "{}: one waited for the other: {seen:?}",
                db.name()
            );
            for id in ids {
                let v = runs::view(&mut c, &s.bureau, id).unwrap();
                assert_eq!(v.status, RunStatus::Done, "{}", db.name());
            }
        }
    }
}
