//! The province's announcement lists (issue 15, part 7) on both backends: a 5,000-row HTE list
//! with 3 unknown firms, 2 name mismatches and 1 malformed certificate number; the dry run; a
//! second import that changes nothing; a list naming firms by name only, recorded through a
//! recommended application, renewals, refusals and numbers held by another firm; a tech-SME
//! list; who may record one.

use crate::common::{attach_required, backends, import_registry, seed, StatementLog, TestDb};
use chrono::{Datelike, Days};
use diesel::prelude::*;
use peiyu::app::applications::act::act;
use peiyu::app::applications::open::open_application;
use peiyu::app::error::AppError;
use peiyu::app::firms::derived::today;
use peiyu::app::imports::announce::{
    import_announcements, AnnounceOptions, AnnouncementReport, EntryOutcome,
};
use peiyu::app::imports::samples::{registry_csv, sample_name, sample_uscc};
use peiyu::app::seed_demo::seed_demo;
use peiyu::app::Principal;
use peiyu::core::application::{Action, Target};
use peiyu::core::stage::Event;
use peiyu::i18n::{render, Lang};
use peiyu::store::schema::{audit_log, credentials, outbox, stage_events};
use peiyu::store::{applications, firms, DbConn};

fn run(conn: &mut DbConn, bytes: &[u8], who: &Principal, dry_run: bool) -> AnnouncementReport {
    import_announcements(
        conn,
        bytes,
        AnnounceOptions { dry_run },
        who,
        &mut |_, _| {},
    )
    .expect("the list is read")
}

/// What recording a list writes, counted.
fn written(conn: &mut DbConn) -> (i64, i64, i64, i64, i64) {
    (
        firms::count(conn).unwrap(),
        stage_events::table.count().get_result(conn).unwrap(),
        credentials::table.count().get_result(conn).unwrap(),
        audit_log::table.count().get_result(conn).unwrap(),
        outbox::table.count().get_result(conn).unwrap(),
    )
}

fn stage_count(conn: &mut DbConn, stage: &str) -> i64 {
    use peiyu::store::schema::firms::dsl as f;
    f::firms
        .filter(f::stage.eq(stage))
        .count()
        .get_result(conn)
        .unwrap()
}

fn csv(rows: &[Vec<String>]) -> Vec<u8> {
    let mut w = csv::WriterBuilder::new()
        .flexible(true)
        .from_writer(Vec::new());
    for r in rows {
        w.write_record(r).unwrap();
    }
    w.into_inner().unwrap()
}

fn xlsx(rows: &[Vec<String>]) -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (i, r) in rows.iter().enumerate() {
        for (j, v) in r.iter().enumerate() {
            // Years as numbers, as Excel keeps them.
            match v.parse::<u16>() {
                Ok(n) if v.len() == 4 => sheet.write_number(i as u32, j as u16, f64::from(n)),
                _ => sheet.write_string(i as u32, j as u16, v),
            }
            .unwrap();
        }
    }
    book.save_to_buffer().unwrap()
}

/// Codes of the outcomes of the entries that need attention, by row.
fn attention(r: &AnnouncementReport) -> Vec<(usize, &'static str)> {
    r.attention().map(|e| (e.row, e.outcome.code())).collect()
}

#[test]
fn a_list_of_5000_with_3_unknown_2_mismatched_and_1_malformed_reports_exactly_those() {
    const KNOWN: usize = 4_997;
    // A registry of the known firms first (prospects with three years of figures).
    let registry = registry_csv(KNOWN, &[2023, 2024, 2025], &["新华区", "卫东区"]);
    let issued = today().checked_sub_days(Days::new(20)).unwrap();
    let year = issued.year();
    let cert = |i: usize| format!("GR{year}41{:06}", i + 1);
    let mut rows = vec![
        vec![format!("{year}年度河南省第一批高新技术企业认定名单")],
        vec![],
        [
            "序号",
            "企业名称",
            "统一社会信用代码",
            "证书编号",
            "发证日期",
            "所属县区",
        ]
        .map(String::from)
        .to_vec(),
    ];
    for i in 0..KNOWN {
        let name = match i {
            // Two names the province wrote differently.
            1000 => "漯河市别名科技有限公司".to_string(),
            2000 => format!("{}（漯河）", sample_name(i)),
            _ => sample_name(i),
        };
        let no = if i == 3000 {
            // A digit short.
            format!("GR{year}4100301")
        } else {
            cert(i)
        };
        rows.push(vec![
            (i + 1).to_string(),
            name,
            sample_uscc(i),
            no,
            issued.to_string(),
            "新华区".to_string(),
        ]);
    }
    for k in 0..3 {
        let i = 900_000 + k;
        rows.push(vec![
            (KNOWN + k + 1).to_string(),
            format!("漯河市新认定科技有限公司{k}"),
            sample_uscc(i),
            cert(i),
            issued.to_string(),
            "卫东区".to_string(),
        ]);
    }
    // Full-width brackets and spaces in a stored name read as the same name.
    let list = csv(&rows);
    let first_data_row = 4;
    let row_of = |i: usize| first_data_row + i;

    for db in backends() {
        let mut c = db.conn();
        let s = seed(&mut c);
        let reg = import_registry(&mut c, registry.as_bytes(), &s.bureau);
        assert!(reg.committed);
        let before = written(&mut c);

        // The dry run says what recording does, and writes nothing.
        let dry = run(&mut c, &list, &s.bureau, true);
        assert_eq!(
            written(&mut c),
            before,
            "{}: a dry run writes nothing",
            db.name()
        );
        assert!(!dry.committed);

        let r = run(&mut c, &list, &s.bureau, false);
        for report in [&dry, &r] {
            assert_eq!(report.data_rows, 5_000);
            assert_eq!(
                report
                    .errors
                    .iter()
                    .map(|e| (e.row, e.column.as_str(), e.code))
                    .collect::<Vec<_>>(),
                vec![(row_of(3000), "D", "invalid_cert_no")],
                "{}",
                db.name()
            );
            assert_eq!(report.rejected_rows, vec![row_of(3000)]);
            assert_eq!(
                attention(report),
                vec![
                    (row_of(1000), "name_mismatch"),
                    (row_of(2000), "name_mismatch"),
                    (row_of(KNOWN), "created"),
                    (row_of(KNOWN + 1), "created"),
                    (row_of(KNOWN + 2), "created"),
                ],
                "{}",
                db.name()
            );
            assert_eq!(report.count("applied"), 4_994);
        }
        assert!(r.committed);
        // The mismatch names the stored name; the unknown firms were created and certified.
        let mismatch = r.entries.iter().find(|e| e.row == row_of(1000)).unwrap();
        assert_eq!(
            mismatch.outcome,
            EntryOutcome::NameMismatch {
                stored: sample_name(1000)
            }
        );
        let words = render(Lang::En, &r.summary());
        assert!(
            words.contains("4994 recorded") && words.contains("3 new firms created"),
            "{words}"
        );
        assert_eq!(stage_count(&mut c, "high_tech"), 4_997, "{}", db.name());
        assert_eq!(
            stage_count(&mut c, "prospect"),
            3,
            "the mismatched and malformed"
        );
        let created = firms::find_by_uscc(&mut c, &sample_uscc(900_001))
            .unwrap()
            .expect("an unknown firm is created");
        assert_eq!(
            (created.stage.as_str(), created.county_code.as_str()),
            ("high_tech", "411103")
        );
        let (f0, e0, c0, _, _) = before;
        let (f1, e1, c1, _, _) = written(&mut c);
        assert_eq!((f1 - f0, e1 - e0, c1 - c0), (3, 4_997, 4_997));
        // One certificate each, with the list's number and date.
        let f = firms::find_by_uscc(&mut c, &sample_uscc(42))
            .unwrap()
            .unwrap();
        let creds = peiyu::store::credentials::list_for_firm(&mut c, f.id).unwrap();
        assert_eq!(creds.len(), 1);
        assert_eq!(creds[0].number.as_deref(), Some(cert(42).as_str()));
        assert_eq!(creds[0].issued_on, Some(issued));

        // Again: everything recorded reads as already recorded, and nothing is written.
        let after = written(&mut c);
        let again = run(&mut c, &list, &s.bureau, false);
        assert_eq!(
            written(&mut c),
            after,
            "{}: the second import changes nothing",
            db.name()
        );
        assert_eq!(again.count("unchanged"), 4_997);
        assert_eq!(again.count("applied") + again.count("created"), 0);
        assert_eq!(
            attention(&again),
            vec![
                (row_of(1000), "name_mismatch"),
                (row_of(2000), "name_mismatch")
            ]
        );
        assert_eq!(again.rejected_rows, vec![row_of(3000)]);
    }
}

fn principal(conn: &mut DbConn, username: &str) -> Principal {
    let u = peiyu::store::users::find_by_username(conn, username)
        .unwrap()
        .unwrap();
    peiyu::app::access::principal_of(&u).unwrap()
}

/// The demo's county officer of `county`.
fn county_officer(conn: &mut DbConn, county: &str) -> Principal {
    use peiyu::store::schema::users::dsl as u;
    let name: String = u::users
        .filter(u::role.eq("county"))
        .filter(u::county_code.eq(county))
        .select(u::username)
        .first(conn)
        .unwrap_or_else(|e| panic!("a county officer of {county}: {e}"));
    principal(conn, &name)
}

/// A demo firm of `stage`, not yet used by this test, with an advisor.
fn demo_firm(conn: &mut DbConn, stage: &str, skip: usize) -> firms::Firm {
    use peiyu::store::schema::firms::dsl as f;
    let id: i64 = f::firms
        .filter(f::stage.eq(stage))
        .filter(f::advisor_id.is_not_null())
        .order(f::id.asc())
        .offset(skip as i64)
        .select(f::id)
        .first(conn)
        .unwrap_or_else(|e| panic!("a demo firm at {stage}: {e}"));
    firms::find_by_id(conn, id).unwrap()
}

fn recommended_hte_application(conn: &mut DbConn, db: &TestDb, firm: &firms::Firm) -> i64 {
    let advisor = peiyu::store::users::find_many(conn, &[firm.advisor_id.unwrap()]).unwrap()[0]
        .username
        .clone();
    let advisor = principal(conn, &advisor);
    let county = county_officer(conn, &firm.county_code);
    let bureau = principal(conn, "bureau");
    let t = today();
    let id = open_application(conn, &advisor, firm.id, Target::HighTech, "").unwrap();
    attach_required(conn, db, &advisor, id);
    act(conn, &advisor, id, None, &Action::Submit, "", t).unwrap();
    act(conn, &county, id, None, &Action::Forward, "", t).unwrap();
    act(conn, &bureau, id, None, &Action::Approve, "", t).unwrap();
    id
}

#[test]
fn a_list_by_name_records_through_the_recommendation_renews_and_says_why_the_rest_was_not() {
    for db in backends() {
        let mut c = db.conn();
        seed_demo(&mut c, 20_261_207, 150, today()).unwrap();
        let bureau = principal(&mut c, "bureau");
        let t = today();
        let issued = t.checked_sub_days(Days::new(3)).unwrap();
        let y = issued.year();

        let recommended = demo_firm(&mut c, "reserve", 0);
        let app_id = recommended_hte_application(&mut c, &db, &recommended);
        let plain = demo_firm(&mut c, "tech_sme", 0);
        // A draft of its own for the same climb, which the certificate makes moot.
        let draft = {
            let advisor = peiyu::store::users::find_many(&mut c, &[plain.advisor_id.unwrap()])
                .unwrap()[0]
                .username
                .clone();
            let advisor = principal(&mut c, &advisor);
            open_application(&mut c, &advisor, plain.id, Target::HighTech, "").unwrap()
        };
        let hte = demo_firm(&mut c, "high_tech", 0);
        let renewing = demo_firm(&mut c, "high_tech", 1);
        let exited = demo_firm(&mut c, "prospect", 0);
        peiyu::app::fire_event(
            &mut c,
            exited.id,
            None,
            Event::Exit {
                reason: "moved away".into(),
            },
            &bureau,
            t,
        )
        .unwrap();
        let cert_of = |c: &mut DbConn, id: i64| {
            peiyu::store::credentials::list_for_firm(c, id)
                .unwrap()
                .into_iter()
                .rfind(|c| c.kind == "hte")
                .and_then(|c| Some((c.number?, c.issued_on?)))
                .expect("a demo HTE has its certificate")
        };
        let (hte_cert, hte_issued) = cert_of(&mut c, hte.id);
        let (old_cert, old_issued) = cert_of(&mut c, renewing.id);

        // Names as the province writes them: spaces and full-width brackets do not matter.
        let spaced = |n: &str| format!(" {} ", n.replace('(', "（").replace(')', "）"));
        let rows = vec![
            ["企业名称", "证书编号", "发证日期"]
                .map(String::from)
                .to_vec(),
            vec![
                spaced(&recommended.name),
                format!("GR{y}41900001"),
                issued.to_string(),
            ],
            vec![
                plain.name.clone(),
                format!("GR{y}41900002"),
                issued.to_string(),
            ],
            vec![hte.name.clone(), hte_cert.clone(), hte_issued.to_string()],
            vec![
                renewing.name.clone(),
                format!("GR{y}41900004"),
                issued.to_string(),
            ],
            vec![
                exited.name.clone(),
                format!("GR{y}41900005"),
                issued.to_string(),
            ],
            vec![
                "不存在的企业有限公司".into(),
                format!("GR{y}41900006"),
                issued.to_string(),
            ],
            // Another firm's certificate number.
            vec![
                demo_firm(&mut c, "reserve", 1).name,
                old_cert.clone(),
                old_issued.to_string(),
            ],
        ];
        let mails_before: i64 = outbox::table.count().get_result(&mut c).unwrap();
        let r = run(&mut c, &csv(&rows), &bureau, false);
        assert_eq!(r.errors, vec![], "{}", db.name());
        let by_row: Vec<(usize, &str)> = r
            .entries
            .iter()
            .map(|e| (e.row, e.outcome.code()))
            .collect();
        assert_eq!(
            by_row,
            vec![
                (2, "applied"),
                (3, "applied"),
                (4, "unchanged"),
                (5, "applied"),
                (6, "refused"),
                (7, "not_created"),
                (8, "held_by_other"),
            ],
            "{}",
            db.name()
        );
        // Through the recommendation: the application reads certified, the firm is an HTE.
        assert_eq!(
            r.entries[0].outcome,
            EntryOutcome::Applied {
                from: peiyu::core::stage::Stage::Reserve,
                to: peiyu::core::stage::Stage::HighTech,
                application_id: Some(app_id),
                still_open: None,
            }
        );
        let app = applications::find_by_id(&mut c, app_id).unwrap();
        assert_eq!(app.status, "certified");
        assert!(app.outcome.unwrap().contains(&format!("GR{y}41900001")));
        assert_eq!(
            firms::find_by_id(&mut c, plain.id).unwrap().stage,
            "high_tech"
        );
        assert_eq!(
            r.entries[1].outcome,
            EntryOutcome::Applied {
                from: peiyu::core::stage::Stage::TechSme,
                to: peiyu::core::stage::Stage::HighTech,
                application_id: None,
                still_open: Some(draft),
            },
            "{}: the open draft is named",
            db.name()
        );
        // A renewal keeps the stage and replaces the certificate.
        assert_eq!(
            r.entries[3].outcome,
            EntryOutcome::Applied {
                from: peiyu::core::stage::Stage::HighTech,
                to: peiyu::core::stage::Stage::HighTech,
                application_id: None,
                still_open: None,
            }
        );
        let words =
            |e: &EntryOutcome| render(Lang::En, &peiyu::app::imports::announce::outcome_text(e));
        let refused = words(&r.entries[4].outcome);
        assert!(refused.contains("exited"), "{refused}");
        assert!(words(&r.entries[5].outcome).contains("no USCC"));
        let held = words(&r.entries[6].outcome);
        assert!(
            held.contains(&renewing.name) && held.contains(&renewing.uscc),
            "{held}"
        );
        // The firms' users and advisors hear of the new stage as with any stage change.
        let mails_after: i64 = outbox::table.count().get_result(&mut c).unwrap();
        assert!(mails_after > mails_before, "stage-change mails queued");
    }
}

/// A demo prospect whose evaluation for the tech-SME rules is `eligible`.
fn demo_prospect(conn: &mut DbConn, eligible: bool) -> firms::Firm {
    use peiyu::store::schema::firms::dsl as f;
    let id: i64 = f::firms
        .filter(f::stage.eq("prospect"))
        .filter(f::next_eligible.eq(eligible))
        .order(f::id.asc())
        .select(f::id)
        .first(conn)
        .unwrap_or_else(|e| panic!("a demo prospect, eligible {eligible}: {e}"));
    firms::find_by_id(conn, id).unwrap()
}

#[test]
fn a_tech_sme_list_registers_and_refuses_a_firm_the_rules_do_not_pass() {
    for db in backends() {
        let mut c = db.conn();
        seed_demo(&mut c, 20_261_207, 150, today()).unwrap();
        let bureau = principal(&mut c, "bureau");
        let y = today().year();
        let good = demo_prospect(&mut c, true);
        let bare = demo_prospect(&mut c, false);
        let row =
            |f: &firms::Firm, no: String| vec![f.uscc.clone(), f.name.clone(), no, y.to_string()];
        let rows = vec![
            vec!["科技型中小企业入库名单".to_string()],
            ["统一社会信用代码", "企业名称", "入库登记编号", "年度"]
                .map(String::from)
                .to_vec(),
            row(&good, format!("{y}4111020001")),
            row(&bare, format!("{y}4111020002")),
            // A number that does not start with its year, and one with a dash in it.
            vec![
                sample_uscc(7),
                "甲公司".into(),
                format!("{}4111020003", y - 1),
                y.to_string(),
            ],
            vec![
                sample_uscc(8),
                "乙公司".into(),
                format!("{y}-4111-02"),
                y.to_string(),
            ],
            vec![],
            vec!["合计".into(), String::new(), String::new(), String::new()],
        ];
        // A county officer does not record registrations.
        let county = county_officer(&mut c, &good.county_code);
        let err = import_announcements(
            &mut c,
            &csv(&rows),
            AnnounceOptions::default(),
            &county,
            &mut |_, _| {},
        )
        .unwrap_err();
        assert!(matches!(err, AppError::Forbidden), "{err:?}");

        // The same list as an XLSX file reads the same (checked as a dry run).
        let dry = run(&mut c, &xlsx(&rows), &bureau, true);
        let r = run(&mut c, &csv(&rows), &bureau, false);
        assert_eq!(
            (&dry.entries, &dry.errors, &dry.totals_rows),
            (&r.entries, &r.errors, &r.totals_rows),
            "{}: XLSX and CSV",
            db.name()
        );
        assert_eq!(r.kind.map(|k| k.id()), Some("tech_sme"));
        assert_eq!(r.totals_rows, vec![8]);
        assert_eq!(
            r.errors.iter().map(|e| (e.row, e.code)).collect::<Vec<_>>(),
            vec![(5, "reg_year_mismatch"), (6, "invalid_reg_no")],
            "{}",
            db.name()
        );
        assert_eq!(
            r.entries
                .iter()
                .map(|e| (e.row, e.outcome.code()))
                .collect::<Vec<_>>(),
            vec![(3, "applied"), (4, "refused")]
        );
        assert_eq!(
            firms::find_by_id(&mut c, good.id).unwrap().stage,
            "tech_sme"
        );
        assert_eq!(
            firms::find_by_id(&mut c, bare.id).unwrap().stage,
            "prospect"
        );
        let why = render(
            Lang::ZhCn,
            &peiyu::app::imports::announce::outcome_text(&r.entries[1].outcome),
        );
        assert!(why.starts_with("未能记录"), "{why}");
    }
}

#[test]
fn the_command_line_records_a_list_as_a_named_bureau_user_and_refuses_anyone_else() {
    use std::process::Command;
    let db = TestDb::sqlite();
    let firm = {
        let mut c = db.conn();
        let s = seed(&mut c);
        crate::common::FirmBuilder::new().create(&mut c, &s.bureau)
    };
    let issued = today().checked_sub_days(Days::new(1)).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("list.csv");
    std::fs::write(
        &file,
        csv(&[
            ["统一社会信用代码", "企业名称", "证书编号", "发证日期"]
                .map(String::from)
                .to_vec(),
            vec![
                firm.uscc.clone(),
                firm.name.clone(),
                format!("GR{}41000009", issued.year()),
                issued.to_string(),
            ],
        ]),
    )
    .unwrap();
    let run = |who: &str, extra: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_peiyu"))
            .args(["import", "announcements", "--lang", "en", "--as", who])
            .args(extra)
            .arg(&file)
            .env("PEIYU_DATABASE_URL", &db.url)
            .output()
            .unwrap()
    };
    let advisor = run("advisor", &[]);
    assert!(!advisor.status.success());
    assert!(
        String::from_utf8_lossy(&advisor.stderr).contains("advisor is not a bureau or admin user"),
        "{}",
        String::from_utf8_lossy(&advisor.stderr)
    );
    let dry = run("bureau", &["--dry-run"]);
    let out = String::from_utf8_lossy(&dry.stdout);
    assert!(dry.status.success(), "{out}");
    assert!(
        out.contains("1 recorded") && out.contains("Dry run"),
        "{out}"
    );
    assert_eq!(
        firms::find_by_id(&mut db.conn(), firm.id).unwrap().stage,
        "prospect"
    );
    let done = run("bureau", &[]);
    let out = String::from_utf8_lossy(&done.stdout);
    assert!(done.status.success(), "{out}");
    assert!(
        out.contains("List of newly certified high-tech enterprises"),
        "{out}"
    );
    assert_eq!(
        firms::find_by_id(&mut db.conn(), firm.id).unwrap().stage,
        "high_tech"
    );
}

#[test]
fn each_entry_of_a_list_costs_four_statements_whatever_its_length() {
    // What a list reads, it reads for all its firms at once; an entry then writes the firm,
    // its certificate, its event and its audit row, and reads nothing.
    let issued = today().checked_sub_days(Days::new(20)).unwrap();
    let year = issued.year();
    let list = |n: usize| {
        let mut rows = vec![[
            "序号",
            "企业名称",
            "统一社会信用代码",
            "证书编号",
            "发证日期",
        ]
        .map(String::from)
        .to_vec()];
        rows.extend((0..n).map(|i| {
            vec![
                (i + 1).to_string(),
                sample_name(i),
                sample_uscc(i),
                format!("GR{year}41{:06}", i + 1),
                issued.to_string(),
            ]
        }));
        csv(&rows)
    };
    let registry = registry_csv(300, &[2023, 2024, 2025], &["新华区"]);
    for db in backends() {
        let mut c = db.conn();
        let s = seed(&mut c);
        import_registry(&mut c, registry.as_bytes(), &s.bureau);
        let mut statements = |n: usize, dry_run: bool| {
            let log = StatementLog::default();
            diesel::Connection::set_instrumentation(&mut *c, log.clone());
            let r = run(&mut c, &list(n), &s.bureau, dry_run);
            diesel::Connection::set_instrumentation(&mut *c, StatementLog::default());
            assert_eq!(r.count("applied"), n, "{}", db.name());
            log.take().sent.len()
        };
        let (short, long) = (statements(100, true), statements(200, true));
        assert_eq!(long - short, 4 * 100, "{}: {short} and {long}", db.name());
        assert!(short < 4 * 100 + 30, "{}: {short}", db.name());
    }
}
