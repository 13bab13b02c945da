//! The registry import page on both backends: the mapping and templates; an upload stored as
//! a run whose page shows where it is, then its report; a dry run committed from its report
//! without a new upload; a refused file with its error report as CSV and XLSX (every row, far
//! beyond what a form could carry); a county officer's territory and runs; a run whose process
//! died reads as interrupted, with nothing written.

use super::{seed_with_passwords, TestApp};
use crate::common::{backends, TestDb};
use calamine::Reader;
use peiyu::app::imports::runs;
use peiyu::app::imports::samples::sample_uscc;
use peiyu::app::imports::ImportOptions;
use peiyu::store::firms;
use peiyu::store::import_runs;
use std::time::{Duration, Instant};

/// Upload `bytes` as `mode` from the import page; the response (a 303 to the run).
fn upload(app: &TestApp, bytes: &[u8], mode: &str, skip: bool) -> super::Resp {
    let page = app.get("/imports");
    assert_eq!(page.status, 200, "{}", page.body);
    let csrf = page.csrf();
    let mut parts: Vec<(&str, Option<&str>, &[u8])> = vec![("_csrf", None, csrf.as_bytes())];
    if skip {
        parts.push(("skip_bad_rows", None, b"1"));
    }
    parts.push(("mode", None, mode.as_bytes()));
    parts.push(("file", Some("registry.csv"), bytes));
    app.post_multipart("/imports", &parts)
}

/// The run a 303 leads to: its path.
fn run_path(r: &super::Resp) -> String {
    assert_eq!(r.status, 303, "{}", r.body);
    let to = r.location.clone().unwrap();
    assert!(to.starts_with("/imports/runs/"), "{to}");
    to
}

/// Open the run's page until it no longer reloads itself (the run ended); that page.
fn finished(app: &TestApp, path: &str) -> super::Resp {
    let start = Instant::now();
    loop {
        let page = app.get(path);
        assert_eq!(page.status, 200, "{}", page.body);
        if !page.body.contains("http-equiv=\"refresh\"") {
            return page;
        }
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "the run at {path} did not finish: {}",
            page.body
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Upload and wait for the run's report: (the run's path, its finished page).
fn run(app: &TestApp, bytes: &[u8], mode: &str, skip: bool) -> (String, super::Resp) {
    let path = run_path(&upload(app, bytes, mode, skip));
    let page = finished(app, &path);
    (path, page)
}

fn registry() -> String {
    format!(
        "漯河市企业名单（2025年）,,,\n\
         统一社会信用代码,企业名称,所属县区,2024年营业收入（万元）\n\
         {},甲公司,新华区,12.5\n\
         {},乙公司,火星区,=1+1\n\
         合计,,,12.5\n",
        sample_uscc(1),
        sample_uscc(2)
    )
}

fn run_id(path: &str) -> i64 {
    path.rsplit('/').next().unwrap().parse().unwrap()
}

#[test]
fn the_bureau_runs_a_dry_run_then_commits_it_from_the_run_without_uploading_again() {
    for db in backends() {
        seed_with_passwords(&db);
        let app = TestApp::spawn(&db);
        app.login_ok("bureau");
        let page = app.get("/imports");
        assert!(
            page.body.contains("统一社会信用代码"),
            "the mapping is shown"
        );
        assert!(page.body.contains("/imports/template.xlsx"));
        let (status, _, xlsx) = app.get_bytes("/imports/template.xlsx");
        assert_eq!(status, 200);
        let mut book: calamine::Xlsx<_> = calamine::Xlsx::new(std::io::Cursor::new(xlsx)).unwrap();
        let range = book.worksheet_range_at(0).unwrap().unwrap();
        let header: Vec<String> = range
            .rows()
            .next()
            .unwrap()
            .iter()
            .map(|c| c.to_string())
            .collect();
        assert_eq!(header[1], "统一社会信用代码");

        // An empty file is refused on the spot: no run.
        let empty = upload(&app, b"", "dry_run", false);
        assert_eq!(empty.status, 400, "{}", empty.body);
        assert!(empty.body.contains("文件中没有数据"), "{}", empty.body);
        assert!(!empty.body.contains("/imports/runs/"), "{}", empty.body);

        let text = registry();
        // The refused file: the run ends with the error row shown, nothing is written.
        let (refused, r) = run(&app, text.as_bytes(), "commit", false);
        assert!(r.body.contains("已完成"), "{}", r.body);
        assert!(r.body.contains("火星区"), "{}", r.body);
        assert!(r.body.contains("class=\"error\" role=\"alert\""));
        assert!(
            !r.body.contains("/commit\""),
            "a commit offers no commit: {}",
            r.body
        );
        assert_eq!(firms::count(&mut db.conn()).unwrap(), 0, "{}", db.name());
        // Its error report, from the run: formula-safe CSV, and XLSX.
        let csv = app.get(&format!("{refused}/report.csv"));
        assert_eq!(csv.status, 200, "{}", csv.body);
        assert!(csv.body.contains("未知的县区"), "{}", csv.body);
        assert!(
            csv.body.contains("'=1+1"),
            "a formula is neutralised: {}",
            csv.body
        );
        let (status, _, _) = app.get_bytes(&format!("{refused}/report.xlsx"));
        assert_eq!(status, 200);

        // A dry run writes nothing and offers to commit the same file.
        let (dry, page) = run(&app, text.as_bytes(), "dry_run", true);
        assert!(page.body.contains("试运行"), "{}", page.body);
        assert!(page.body.contains("新增 1 家"), "{}", page.body);
        assert_eq!(firms::count(&mut db.conn()).unwrap(), 0, "{}", db.name());
        let action = format!("action=\"{dry}/commit\"");
        assert!(page.body.contains(&action), "{}", page.body);
        // The commit, from the dry run's report: no file is sent.
        let csrf = page.csrf();
        let started = app.post(
            &format!("{dry}/commit"),
            &[("_csrf", csrf.as_str()), ("skip_bad_rows", "1")],
        );
        let commit = run_path(&started);
        assert_ne!(commit, dry);
        let done = finished(&app, &commit);
        assert!(done.body.contains("已完成"), "{}", done.body);
        assert!(
            done.body.contains(&format!("href=\"{dry}\"")),
            "{}",
            done.body
        );
        assert_eq!(firms::count(&mut db.conn()).unwrap(), 1, "{}", db.name());
        assert!(
            !done.body.contains("/commit\""),
            "a commit offers no commit again"
        );
        // The runs are listed on the import page, newest first.
        let list = app.get("/imports");
        let (a, b, c) = (
            list.body.find(&format!("href=\"{commit}\"")).unwrap(),
            list.body.find(&format!("href=\"{dry}\"")).unwrap(),
            list.body.find(&format!("href=\"{refused}\"")).unwrap(),
        );
        assert!(a < b && b < c, "{}", list.body);
    }
}

#[test]
fn a_dry_runs_commit_plans_again_against_the_database_as_it_is_then() {
    for db in backends() {
        seed_with_passwords(&db);
        let app = TestApp::spawn(&db);
        app.login_ok("bureau");
        let text = format!(
            "统一社会信用代码,企业名称,所属县区\n{},甲公司,新华区\n",
            sample_uscc(7)
        );
        let (dry, page) = run(&app, text.as_bytes(), "dry_run", false);
        assert!(page.body.contains("新增 1 家"), "{}", page.body);
        // The same firm arrives by another way between the dry run and its commit.
        let (_, first) = run(&app, text.as_bytes(), "commit", false);
        assert!(first.body.contains("新增 1 家"), "{}", first.body);
        let csrf = page.csrf();
        let commit = run_path(&app.post(&format!("{dry}/commit"), &[("_csrf", csrf.as_str())]));
        let done = finished(&app, &commit);
        assert!(done.body.contains("新增 0 家"), "{}", done.body);
        assert!(done.body.contains("未变 1 家"), "{}", done.body);
        assert_eq!(firms::count(&mut db.conn()).unwrap(), 1, "{}", db.name());
    }
}

#[test]
fn a_county_officer_sees_their_own_runs_only_and_an_advisor_cannot_open_the_page() {
    for db in backends() {
        seed_with_passwords(&db);
        let app = TestApp::spawn(&db);
        app.login_ok("county_b");
        // Both rows refused (another county's firm, an unknown county): nothing to write.
        let (mine, r) = run(&app, registry().as_bytes(), "commit", true);
        assert!(r.body.contains("只能导入本县区"), "{}", r.body);
        assert_eq!(firms::count(&mut db.conn()).unwrap(), 0, "{}", db.name());
        // Another county's officer: the run does not exist for them.
        let other = app.other_client();
        other.login_ok("county_a");
        for path in [
            mine.clone(),
            format!("{mine}/report.csv"),
            format!("{mine}/report.xlsx"),
        ] {
            assert_eq!(other.get(&path).status, 404, "{path}");
        }
        let csrf = other.get("/imports").csrf();
        let commit = other.post(&format!("{mine}/commit"), &[("_csrf", csrf.as_str())]);
        assert_eq!(commit.status, 404);
        assert!(!other.get("/imports").body.contains(&mine));
        assert_eq!(other.get("/imports/runs/999999").status, 404);
        // The bureau sees it.
        let bureau = app.other_client();
        bureau.login_ok("bureau");
        let seen = bureau.get(&mine);
        assert_eq!(seen.status, 200);
        assert!(
            seen.body.contains("· county_b</dd>"),
            "who ran it: {}",
            seen.body
        );
        let list = bureau.get("/imports").body;
        assert!(list.contains(&mine));
        assert!(list.contains("<td>county_b</td>"), "{list}");
        // Advisors have no import page, nor runs.
        let advisor = app.other_client();
        advisor.login_ok("advisor");
        assert_eq!(advisor.get("/imports").status, 403);
        assert_eq!(advisor.get(&mine).status, 403);
    }
}

#[test]
fn the_error_report_downloads_every_row_of_a_large_file() {
    for db in backends() {
        seed_with_passwords(&db);
        let app = TestApp::spawn(&db);
        app.login_ok("bureau");
        // 4,000 rows with an unknown county, each named at length: a report of well over the
        // 256 KB a form field could carry back.
        let rows = 4_000;
        let mut text = String::from("统一社会信用代码,企业名称,所属县区\n");
        for i in 0..rows {
            text.push_str(&format!(
                "{},公司{i},不存在的县区名称{i:0>40}\n",
                sample_uscc(100 + i)
            ));
        }
        let (path, page) = run(&app, text.as_bytes(), "dry_run", false);
        assert!(page.body.contains("另有 3500 个问题"), "{}", page.body);
        let (status, headers, body) = app.get_bytes(&format!("{path}/report.csv"));
        assert_eq!(status, 200);
        assert!(headers
            .iter()
            .any(|(k, v)| k == "content-disposition" && v.contains("attachment")));
        assert!(body.len() > 256 * 1024, "{} bytes", body.len());
        let csv = String::from_utf8(body).unwrap();
        assert_eq!(csv.lines().count(), rows + 1, "a header and every row");
        assert!(csv.contains(&format!("不存在的县区名称{:0>40}", rows - 1)));
        let (status, _, xlsx) = app.get_bytes(&format!("{path}/report.xlsx"));
        assert_eq!(status, 200);
        let mut book: calamine::Xlsx<_> = calamine::Xlsx::new(std::io::Cursor::new(xlsx)).unwrap();
        let range = book.worksheet_range_at(0).unwrap().unwrap();
        assert_eq!(range.rows().count(), rows + 1);
    }
}

/// A commit run stored as if a process had claimed it and reported `done` of `total` at
/// `at`, then (when `at` is old) died.
fn running_commit(db: &TestDb, at: chrono::NaiveDateTime, done: i64, total: i64) -> String {
    let mut c = db.conn();
    let bureau = peiyu::app::Principal {
        user_id: Some(
            peiyu::store::users::find_by_username(&mut c, "bureau")
                .unwrap()
                .unwrap()
                .id,
        ),
        role: peiyu::core::stage::Role::Bureau,
        county_code: None,
        firm_id: None,
    };
    let id = runs::queue(
        &mut c,
        &bureau,
        "registry.csv",
        registry().into_bytes(),
        ImportOptions {
            dry_run: false,
            skip_bad_rows: true,
        },
    )
    .unwrap();
    assert!(import_runs::claim(&mut c, id, "elsewhere:1:0", at).unwrap());
    import_runs::beat(&mut c, id, "writing", done, total, at).unwrap();
    format!("/imports/runs/{id}")
}

#[test]
fn a_running_run_shows_its_progress_and_reloads_itself() {
    for db in backends() {
        seed_with_passwords(&db);
        let app = TestApp::spawn(&db);
        app.login_ok("bureau");
        let path = running_commit(&db, chrono::Utc::now().naive_utc(), 40, 100);
        let page = app.get(&path);
        assert_eq!(page.status, 200, "{}", page.body);
        assert!(
            page.body
                .contains("<meta http-equiv=\"refresh\" content=\"2\">"),
            "{}",
            page.body
        );
        assert!(page.body.contains("运行中"), "{}", page.body);
        assert!(page.body.contains("正在写入"), "{}", page.body);
        assert!(
            page.body
                .contains("<progress id=\"run-progress\" max=\"100\" value=\"40\">"),
            "{}",
            page.body
        );
        assert!(page.body.contains("40 / 100"), "{}", page.body);
    }
}

#[test]
fn a_run_whose_process_died_reads_as_interrupted_and_wrote_nothing() {
    for db in backends() {
        seed_with_passwords(&db);
        let app = TestApp::spawn(&db);
        app.login_ok("bureau");
        let then =
            chrono::Utc::now().naive_utc() - runs::STALE_AFTER - chrono::Duration::seconds(5);
        let path = running_commit(&db, then, 1, 2);
        let page = app.get(&path);
        assert_eq!(page.status, 200, "{}", page.body);
        assert!(
            !page.body.contains("http-equiv=\"refresh\""),
            "{}",
            page.body
        );
        assert!(page.body.contains("已中断"), "{}", page.body);
        assert!(page.body.contains("没有写入任何数据"), "{}", page.body);
        assert_eq!(firms::count(&mut db.conn()).unwrap(), 0, "{}", db.name());
        // The daily sweep records it as interrupted; a run that is still alive stays running.
        let alive = running_commit(&db, chrono::Utc::now().naive_utc(), 1, 2);
        let swept = peiyu::app::daily::sweep::sweep_import_runs(
            &mut db.conn(),
            chrono::Utc::now().naive_utc(),
        )
        .unwrap();
        assert_eq!(swept.interrupted, 1, "{}", db.name());
        let stored = |p: &str| {
            import_runs::find_by_id(&mut db.conn(), run_id(p))
                .unwrap()
                .status
        };
        assert_eq!(stored(&path), "interrupted");
        assert_eq!(stored(&alive), "running");
    }
}
