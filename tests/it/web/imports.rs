//! The registry import page: the mapping and templates, a dry run, the commit, a refused file
//! with its error report as CSV and XLSX, and a county officer's territory.

use super::{seed_with_passwords, TestApp};
use crate::common::TestDb;
use calamine::Reader;
use peiyu::app::imports::samples::sample_uscc;
use peiyu::store::firms;

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

#[test]
fn the_bureau_runs_a_dry_run_then_commits_and_downloads_the_error_report() {
    let db = TestDb::sqlite();
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

    let text = registry();
    // The refused file: the error row is shown, nothing is written.
    let r = upload(&app, text.as_bytes(), "commit", false);
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(r.body.contains("火星区"));
    assert_eq!(firms::count(&mut db.conn()).unwrap(), 0);
    // The error report as the page offers it: formula-safe CSV, and XLSX.
    let marker = "name=\"rows\" value=\"";
    let start = r.body.find(marker).unwrap() + marker.len();
    let end = r.body[start..].find('"').unwrap() + start;
    let rows = unescape(&r.body[start..end]);
    let csrf = r.csrf();
    let csv = app.post(
        "/imports/report",
        &[
            ("_csrf", csrf.as_str()),
            ("format", "csv"),
            ("rows", rows.as_str()),
        ],
    );
    assert_eq!(csv.status, 200, "{}", csv.body);
    assert!(csv.body.contains("未知的县区"), "{}", csv.body);
    assert!(
        csv.body.contains("'=1+1"),
        "a formula is neutralised: {}",
        csv.body
    );
    let xlsx = app.post(
        "/imports/report",
        &[
            ("_csrf", csrf.as_str()),
            ("format", "xlsx"),
            ("rows", rows.as_str()),
        ],
    );
    assert_eq!(xlsx.status, 200);

    // A dry run writes nothing; the commit with skip writes the good row.
    let dry = upload(&app, text.as_bytes(), "dry_run", true);
    assert_eq!(dry.status, 200, "{}", dry.body);
    assert!(dry.body.contains("试运行"));
    assert_eq!(firms::count(&mut db.conn()).unwrap(), 0);
    let done = upload(&app, text.as_bytes(), "commit", true);
    assert_eq!(done.status, 200, "{}", done.body);
    assert_eq!(firms::count(&mut db.conn()).unwrap(), 1);
}

#[test]
fn a_county_officer_imports_their_county_and_an_advisor_cannot_open_the_page() {
    let db = TestDb::sqlite();
    seed_with_passwords(&db);
    let app = TestApp::spawn(&db);
    app.login_ok("county_b");
    // Both rows refused (another county's firm, an unknown county): nothing to write.
    let r = upload(&app, registry().as_bytes(), "commit", true);
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(r.body.contains("只能导入本县区"), "{}", r.body);
    assert_eq!(firms::count(&mut db.conn()).unwrap(), 0);
    let advisor = app.other_client();
    advisor.login_ok("advisor");
    assert_eq!(advisor.get("/imports").status, 403);
}

/// An attribute's value as the browser reads it back from the page's HTML.
fn unescape(s: &str) -> String {
    s.replace("&quot;", "\"")
        .replace("&#x27;", "'")
        .replace("&#x60;", "`")
        .replace("&#x3D;", "=")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}
