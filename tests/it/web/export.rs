//! Lists as files (issue 15): each export read back (the csv crate, calamine) equals the list
//! the page shows for the same filter; text that looks like a formula stays text; numbers are
//! numbers; headers and the title line follow the user's language and name the filter; the
//! list's own gate and territory hold.

use super::html::unescape;
use super::{seed_with_passwords, TestApp};
use crate::common::{backends, FirmBuilder, COUNTY_A, COUNTY_B};
use calamine::{Data, Reader, Xlsx};
use chrono::Utc;
use peiyu::app::Principal;
use peiyu::store::firms::{self, Derived, FirmChanges};
use peiyu::store::DbConn;
use std::io::Cursor;

const FORMULA: &str = "=HYPERLINK(\"http://x\")";

/// A firm named `name` in `county` at `stage` with `readiness` (its next stage and verdict as
/// the derived columns would hold them).
fn placed(
    conn: &mut DbConn,
    who: &Principal,
    name: &str,
    county: &str,
    stage: &str,
    readiness: i32,
    eligible: Option<bool>,
) {
    let f = FirmBuilder::new().county(county).create(conn, who);
    let now = Utc::now().naive_utc();
    let changes = FirmChanges {
        name: Some(name.to_string()),
        stage: Some(stage.to_string()),
        ..FirmChanges::default()
    };
    firms::update_with_version(conn, f.id, f.version, &changes, now).unwrap();
    let next = match stage {
        "prospect" => Some("tech_sme"),
        "tech_sme" => Some("reserve"),
        "reserve" => Some("high_tech"),
        _ => None,
    };
    firms::set_derived(
        conn,
        f.id,
        &Derived {
            next_stage: next.map(str::to_string),
            next_ruleset: None,
            next_eligible: eligible,
            readiness,
            readiness_margin: 0,
            evaluated_at: Some(now),
        },
    )
    .unwrap();
}

/// Firms in both counties, one named like a formula, readiness ties included.
fn populate(db: &crate::common::TestDb, s: &crate::common::Seed) {
    let mut c = db.conn();
    let b = &s.bureau;
    placed(&mut c, b, "后备甲", COUNTY_A, "reserve", 30, Some(false));
    placed(&mut c, b, "后备乙", COUNTY_A, "reserve", 80, Some(true));
    placed(&mut c, b, FORMULA, COUNTY_A, "reserve", 80, None);
    placed(
        &mut c,
        b,
        "-负号开头",
        COUNTY_A,
        "tech_sme",
        55,
        Some(false),
    );
    placed(&mut c, b, "后备丙", COUNTY_B, "reserve", 55, Some(true));
    placed(&mut c, b, "龙头丁", COUNTY_A, "leader", 10, None);
}

/// The text of each cell of each body row of the first `<table class="{class}">` after
/// `from` in `html`: tags dropped, entities decoded, a verdict's mark and a "—" left out,
/// the bulk assignment's tick box skipped.
fn screen_rows(html: &str, class: &str, from: usize) -> Vec<Vec<String>> {
    let start = from
        + html[from..]
            .find(&format!("<table class=\"{class}\""))
            .unwrap_or_else(|| panic!("no table {class}"));
    let end = start + html[start..].find("</table>").unwrap();
    let body = &html[start..end];
    let body = &body[body.find("<tbody>").unwrap()..];
    let mut rows = Vec::new();
    for tr in body.split("<tr>").skip(1) {
        let mut cells = Vec::new();
        for td in tr.split("<td").skip(1) {
            let inner = &td[td.find('>').unwrap() + 1..td.find("</td>").unwrap()];
            if inner.contains("<input") {
                continue;
            }
            let mut text = String::new();
            let mut in_tag = false;
            for ch in inner.chars() {
                match ch {
                    '<' => in_tag = true,
                    '>' => in_tag = false,
                    c if !in_tag => text.push(c),
                    _ => {}
                }
            }
            let text = unescape(&text);
            let text = text.trim().trim_start_matches(['✓', '✗', '?']).trim();
            cells.push(if text == "—" {
                String::new()
            } else {
                text.to_string()
            });
        }
        rows.push(cells);
    }
    rows
}

/// A CSV export: its BOM, then (header, rows).
pub(super) fn read_csv(bytes: &[u8]) -> (Vec<String>, Vec<Vec<String>>) {
    assert!(
        bytes.starts_with(b"\xEF\xBB\xBF"),
        "UTF-8 with a byte-order mark"
    );
    assert!(bytes.windows(2).any(|w| w == b"\r\n"), "CRLF line ends");
    let mut r = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(&bytes[3..]);
    let header = r.headers().unwrap().iter().map(str::to_string).collect();
    let rows = r
        .records()
        .map(|rec| rec.unwrap().iter().map(str::to_string).collect())
        .collect();
    (header, rows)
}

/// An XLSX export's first sheet as cells.
pub(super) fn read_xlsx(bytes: Vec<u8>) -> Vec<Vec<Data>> {
    let mut book: Xlsx<_> = calamine::open_workbook_from_rs(Cursor::new(bytes)).unwrap();
    let name = book.sheet_names()[0].clone();
    let formulas = book.worksheet_formula(&name).unwrap();
    assert!(
        formulas.used_cells().all(|(_, _, f)| f.is_empty()),
        "no cell is a formula"
    );
    let range = book.worksheet_range(&name).unwrap();
    range.rows().map(<[Data]>::to_vec).collect()
}

fn as_text(d: &Data) -> String {
    match d {
        Data::Empty => String::new(),
        Data::String(s) => s.clone(),
        Data::Float(f) => format!("{f}"),
        Data::Int(i) => i.to_string(),
        other => panic!("unexpected cell {other:?}"),
    }
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> &'a str {
    headers
        .iter()
        .find(|(k, _)| k == name)
        .map_or("", |(_, v)| v.as_str())
}

#[test]
fn the_firm_list_exports_read_back_as_the_page_shows_it() {
    for db in backends() {
        let s = seed_with_passwords(&db);
        populate(&db, &s);
        let app = TestApp::spawn(&db);
        app.login_ok("bureau");
        let filter = format!("county={COUNTY_A}&rmin=20");
        let page = app.get(&format!("/firms?{filter}"));
        assert_eq!(page.status, 200, "{}", page.body);
        let shown = screen_rows(&page.body, "firms", 0);
        assert_eq!(shown.len(), 4, "{shown:?}");
        assert!(
            unescape(&page.body).contains(&format!(
                "/firms/export?format=csv&county={COUNTY_A}&rmin=20"
            )),
            "the page links its export with its filter"
        );

        // CSV: the same rows; the formula-like name neutralised, nothing else changed.
        let (status, headers, bytes) = app.get_bytes(&format!("/firms/export?format=csv&{filter}"));
        assert_eq!(status, 200, "{}", String::from_utf8_lossy(&bytes));
        assert!(header(&headers, "content-type").starts_with("text/csv"));
        let disposition = header(&headers, "content-disposition");
        let date = peiyu::core::clock::china_date(Utc::now().naive_utc());
        assert!(
            disposition.contains(&format!("filename=\"firms-{date}.csv\"")),
            "{disposition}"
        );
        assert!(disposition.contains("filename*=UTF-8''"), "{disposition}");
        let (head, rows) = read_csv(&bytes);
        assert_eq!(
            head,
            [
                "企业名称",
                "统一社会信用代码",
                "阶段",
                "县区",
                "行业",
                "政策辅导员",
                "准备度",
                "是否符合"
            ]
        );
        let expected: Vec<Vec<String>> = shown
            .iter()
            .map(|r| {
                let mut r = r.clone();
                if r[0] == FORMULA || r[0].starts_with('-') {
                    r[0] = format!("'{}", r[0]);
                }
                r
            })
            .collect();
        assert_eq!(rows, expected);
        assert!(rows.iter().any(|r| r[0] == format!("'{FORMULA}")));

        // XLSX: the title line names the list and its filter, the same rows below the
        // headers, the formula-like name a plain string, readiness a number.
        let (status, headers, bytes) =
            app.get_bytes(&format!("/firms/export?format=xlsx&{filter}"));
        assert_eq!(status, 200);
        assert_eq!(
            header(&headers, "content-type"),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        );
        let cells = read_xlsx(bytes);
        let title = as_text(&cells[0][0]);
        assert!(title.starts_with("企业列表"), "{title}");
        assert!(title.contains("县区：新华区"), "{title}");
        assert!(title.contains("准备度不低于：20"), "{title}");
        assert!(title.contains("北京时间"), "{title}");
        assert_eq!(as_text(&cells[1][0]), "企业名称");
        let data: Vec<Vec<String>> = cells[2..]
            .iter()
            .map(|r| r.iter().map(as_text).collect())
            .collect();
        assert_eq!(data, shown);
        let formula_row = cells[2..]
            .iter()
            .find(|r| r[0] == Data::String(FORMULA.to_string()))
            .expect("the formula-like name as a string");
        assert_eq!(formula_row[6], Data::Float(80.0), "readiness is a number");
    }
}

#[test]
fn exports_follow_the_users_language_and_the_sort() {
    let db = crate::common::TestDb::sqlite();
    let s = seed_with_passwords(&db);
    populate(&db, &s);
    let app = TestApp::spawn(&db);
    app.login_ok("bureau");
    app.get("/lang/en");
    let page = app.get("/firms?sort=name&dir=desc");
    let shown = screen_rows(&page.body, "firms", 0);
    let (_, _, bytes) = app.get_bytes("/firms/export?format=csv&sort=name&dir=desc");
    let (head, rows) = read_csv(&bytes);
    assert_eq!(head[0], "Name");
    assert_eq!(head[5], "Advisor");
    assert_eq!(rows.len(), shown.len());
    let names: Vec<&str> = rows.iter().map(|r| r[0].trim_start_matches('\'')).collect();
    let shown_names: Vec<&str> = shown.iter().map(|r| r[0].as_str()).collect();
    assert_eq!(names, shown_names);
    let (_, _, bytes) = app.get_bytes("/firms/export?format=xlsx");
    let cells = read_xlsx(bytes);
    let title = as_text(&cells[0][0]);
    assert!(title.starts_with("Firms · Filter: none"), "{title}");
    assert!(title.contains("China time"), "{title}");
    // A format nobody knows is refused.
    let bad = app.get("/firms/export?format=xls");
    assert_eq!(bad.status, 400);
}

#[test]
fn the_pool_export_is_the_pool_page_in_one_table() {
    for db in backends() {
        let s = seed_with_passwords(&db);
        populate(&db, &s);
        let app = TestApp::spawn(&db);
        app.login_ok("bureau");
        let page = app.get("/pool");
        assert!(unescape(&page.body).contains("/pool/export?format=xlsx"));
        let reserve = screen_rows(&page.body, "pool", 0);
        let second = page.body.find("<table class=\"pool\"").unwrap() + 10;
        let tech_sme = screen_rows(&page.body, "pool", second);
        let (_, _, bytes) = app.get_bytes("/pool/export?format=csv");
        let (head, rows) = read_csv(&bytes);
        assert_eq!(head[0..2], ["阶段", "排名"]);
        let expected: Vec<Vec<String>> = reserve
            .iter()
            .map(|r| (["高新技术后备企业"], r))
            .chain(tech_sme.iter().map(|r| (["科技型中小企业"], r)))
            .map(|(part, r)| {
                let mut row = vec![part[0].to_string()];
                row.extend(r.iter().cloned());
                if row[2] == FORMULA || row[2].starts_with('-') {
                    row[2] = format!("'{}", row[2]);
                }
                row
            })
            .collect();
        assert_eq!(rows, expected);

        let (_, _, bytes) = app.get_bytes(&format!("/pool/export?format=xlsx&county={COUNTY_B}"));
        let cells = read_xlsx(bytes);
        assert!(as_text(&cells[0][0]).contains("县区：卫东区"));
        assert_eq!(cells.len(), 3, "the title, the headers, one firm");
        assert_eq!(cells[2][2], Data::String("后备丙".into()));
        assert_eq!(cells[2][1], Data::Float(1.0));
    }
}

#[test]
fn an_export_keeps_to_the_lists_gate_and_territory() {
    let db = crate::common::TestDb::sqlite();
    let s = seed_with_passwords(&db);
    populate(&db, &s);
    let app = TestApp::spawn(&db);
    app.login_ok("county_b");
    for path in [
        format!("/firms/export?format=csv&county={COUNTY_A}"),
        "/firms/export?format=csv".to_string(),
        format!("/pool/export?format=csv&county={COUNTY_A}"),
    ] {
        let (status, _, bytes) = app.get_bytes(&path);
        assert_eq!(status, 200);
        let (_, rows) = read_csv(&bytes);
        assert!(
            rows.iter().all(|r| !r.iter().any(|c| c == "新华区")),
            "{path}: {rows:?}"
        );
    }
    let (_, _, bytes) = app.get_bytes("/firms/export?format=csv");
    let (_, rows) = read_csv(&bytes);
    assert_eq!(rows.len(), 1, "county B's one firm");

    let firm = app.other_client();
    firm.login_ok("firm_user");
    assert_eq!(firm.get("/firms/export?format=csv").status, 403);
    assert_eq!(firm.get("/pool/export?format=xlsx").status, 403);
}

#[test]
fn the_api_answers_its_lists_as_files_when_asked_and_json_otherwise() {
    for db in backends() {
        let s = seed_with_passwords(&db);
        populate(&db, &s);
        let app = TestApp::spawn(&db);
        app.login_ok("bureau");
        let filter = format!("county={COUNTY_A}&sort=name");
        let (_, _, page_csv) = app.get_bytes(&format!("/firms/export?format=csv&{filter}"));
        let by_accept = app.get_with(
            &format!("/api/v1/firms?{filter}"),
            &[("accept", "text/csv")],
        );
        assert_eq!(by_accept.status, 200, "{}", by_accept.body);
        assert!(by_accept
            .header("content-type")
            .unwrap_or("")
            .starts_with("text/csv"));
        let (_, api_csv) = read_csv(by_accept.body.as_bytes());
        let (_, page_rows) = read_csv(&page_csv);
        assert_eq!(api_csv, page_rows, "the API's file is the page's export");

        let (status, headers, bytes) =
            app.get_bytes(&format!("/api/v1/firms?{filter}&format=xlsx"));
        assert_eq!(status, 200);
        assert_eq!(
            header(&headers, "content-type"),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        );
        assert_eq!(read_xlsx(bytes).len(), 2 + page_rows.len());

        let json = app.get(&format!("/api/v1/firms?{filter}"));
        assert!(json
            .header("content-type")
            .unwrap_or("")
            .starts_with("application/json"));
        assert!(json.body.contains("\"items\""));
        let asked_json = app.get_with(
            "/api/v1/reserve-pool",
            &[("accept", "application/json, text/csv")],
        );
        assert!(
            asked_json.body.contains("\"items\""),
            "the first media type named wins"
        );

        let (status, _, bytes) = app.get_bytes("/api/v1/reserve-pool?format=csv");
        assert_eq!(status, 200);
        let (head, rows) = read_csv(&bytes);
        assert_eq!(head[1], "排名");
        assert_eq!(rows.len(), 5);

        assert_eq!(app.get("/api/v1/firms?format=xml").status, 400);
        assert_eq!(app.get("/api/v1/firms?format=").status, 400);
        assert_eq!(app.get("/api/v1/reserve-pool?format=CSV").status, 400);
    }
}

#[test]
fn the_coaching_lists_export_with_dates_as_dates_and_the_pages_rows() {
    use peiyu::app::model::IssueCategory;
    use peiyu::store::followups::{self, NewFollowup};
    let db = crate::common::TestDb::sqlite();
    let s = seed_with_passwords(&db);
    let day = peiyu::app::today();
    let firm = {
        let mut c = db.conn();
        let f = FirmBuilder::new().create(&mut c, &s.bureau);
        let now = Utc::now().naive_utc();
        followups::insert(
            &mut c,
            &NewFollowup {
                firm_id: f.id,
                advisor_id: None,
                happened_on: day,
                kind: "call".to_string(),
                attendees: String::new(),
                summary: FORMULA.to_string(),
                next_action: String::new(),
                due_on: Some(day + chrono::Duration::days(3)),
                created_by: s.bureau.user_id.unwrap(),
                created_at: now,
                corrects_id: None,
                updated_at: now,
            },
        )
        .unwrap();
        peiyu::app::raise_issue(
            &mut c,
            f.id,
            peiyu::app::IssueInput {
                category: IssueCategory::ALL[0],
                title: "+缺少研发辅助账".to_string(),
                detail: String::new(),
                owner_id: None,
            },
            &s.bureau,
            now,
        )
        .unwrap();
        f
    };
    let app = TestApp::spawn(&db);
    app.login_ok("bureau");

    // The follow-ups: the old URL still answers CSV; XLSX has its dates as date cells.
    let old = app.get("/followups.csv");
    assert_eq!(old.status, 200);
    assert!(old
        .body
        .contains(&format!("'{FORMULA}").replace('"', "\"\"")));
    let (status, _, bytes) = app.get_bytes("/followups/export?format=xlsx");
    assert_eq!(status, 200);
    let cells = read_xlsx(bytes);
    let row = &cells[2];
    assert!(matches!(row[0], Data::Float(_)), "the id is a number");
    let Data::DateTime(d) = &row[3] else {
        panic!("a date cell: {:?}", row[3])
    };
    assert_eq!(d.as_datetime().unwrap().date(), day);
    assert_eq!(row[6], Data::String(FORMULA.into()));

    // The issue ledger: the page's rows, the age a number.
    let page = app.get("/issues");
    assert!(unescape(&page.body).contains("/issues/export?format=csv"));
    let shown = screen_rows(&page.body, "issues", 0);
    let (_, _, bytes) = app.get_bytes("/issues/export?format=csv");
    let (head, rows) = read_csv(&bytes);
    assert_eq!(head[0], "诉求标题");
    assert_eq!(rows.len(), shown.len());
    assert_eq!(rows[0][0], "'+缺少研发辅助账");
    assert_eq!(rows[0][1], firm.name);
    assert_eq!(rows[0][6], day.to_string());
    let (_, _, bytes) = app.get_bytes("/issues/export?format=xlsx");
    let cells = read_xlsx(bytes);
    assert!(as_text(&cells[0][0]).contains("状态：未办结"));
    let (_, _, bytes) = app.get_bytes(&format!("/issues/export?format=xlsx&county={COUNTY_A}"));
    let cells = read_xlsx(bytes);
    assert!(
        as_text(&cells[0][0]).contains("县区：新华区"),
        "{:?}",
        cells[0][0]
    );
    assert_eq!(cells.len(), 3, "the firm is in county A");
    assert_eq!(cells[2][7], Data::Float(0.0), "raised today");

    // The agenda: one row per firm in a bucket, its planned contact a date.
    let (status, _, bytes) = app.get_bytes("/agenda/export?format=csv");
    assert_eq!(status, 200);
    let (head, rows) = read_csv(&bytes);
    assert_eq!(head[0], "分组");
    assert!(rows.iter().any(|r| r[1] == firm.name));

    // The applications page links its queues as a file (none yet: the title and headers).
    assert!(app
        .get("/applications")
        .body
        .contains("/applications/export?format"));
    let (status, _, bytes) = app.get_bytes("/applications/export?format=xlsx");
    assert_eq!(status, 200);
    let cells = read_xlsx(bytes);
    assert!(as_text(&cells[0][0]).starts_with("申请与审核"));
    assert_eq!(as_text(&cells[1][0]), "队列");
}

#[test]
fn peiyu_export_writes_what_the_page_exports_for_the_whole_city() {
    let db = crate::common::TestDb::sqlite();
    let s = seed_with_passwords(&db);
    populate(&db, &s);
    let app = TestApp::spawn(&db);
    app.login_ok("bureau");
    let run = |args: &[&str]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_peiyu"))
            .arg("export")
            .args(args)
            .env("PEIYU_DATABASE_URL", &db.url)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        out.stdout
    };
    let cli = run(&["firms", "--county", COUNTY_A, "--sort", "name"]);
    let (_, _, page) = app.get_bytes(&format!(
        "/firms/export?format=csv&county={COUNTY_A}&sort=name"
    ));
    assert_eq!(read_csv(&cli), read_csv(&page));

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("pool.xlsx");
    run(&[
        "pool",
        "--format",
        "xlsx",
        "--lang",
        "en",
        "-o",
        path.to_str().unwrap(),
    ]);
    let cells = read_xlsx(std::fs::read(&path).unwrap());
    assert!(as_text(&cells[0][0]).starts_with("High-tech reserve pool · Filter: none"));
    assert_eq!(as_text(&cells[1][1]), "Rank");
    assert_eq!(cells.len(), 2 + 5);
}

#[test]
fn the_advisors_workloads_export_in_the_pages_order() {
    let db = crate::common::TestDb::sqlite();
    let s = seed_with_passwords(&db);
    {
        let mut c = db.conn();
        let f = FirmBuilder::new().create(&mut c, &s.bureau);
        peiyu::app::assign_advisor(
            &mut c,
            peiyu::app::AssignTarget::Firms(vec![f.id]),
            s.advisor.user_id.unwrap(),
            "分工",
            &s.bureau,
            peiyu::app::today(),
        )
        .unwrap();
    }
    let app = TestApp::spawn(&db);
    app.login_ok("bureau");
    let page = app.get("/advisors");
    assert!(unescape(&page.body).contains("/advisors/export?format=csv"));
    let shown = screen_rows(&page.body, "advisors", 0);
    let (status, _, bytes) = app.get_bytes("/advisors/export?format=xlsx");
    assert_eq!(status, 200);
    let cells = read_xlsx(bytes);
    assert_eq!(as_text(&cells[1][0]), "政策辅导员");
    assert_eq!(cells.len() - 2, shown.len());
    let mine = cells[2..]
        .iter()
        .find(|r| r[0] == Data::String("advisor".into()))
        .expect("the advisor's row");
    assert_eq!(mine[2], Data::Float(1.0), "one firm, a number");
}

/// A firm in `county` named `name` with `who` (an advisor) as its advisor, who opens a
/// tech-SME application for it on its behalf.
fn applying(conn: &mut DbConn, s: &crate::common::Seed, name: &str, county: &str) -> i64 {
    use peiyu::app::applications::open::open_application;
    use peiyu::core::application::Target;
    let f = FirmBuilder::new().county(county).create(conn, &s.bureau);
    let changes = FirmChanges {
        name: Some(name.to_string()),
        advisor_id: Some(s.advisor.user_id),
        ..FirmChanges::default()
    };
    firms::update_with_version(conn, f.id, f.version, &changes, Utc::now().naive_utc()).unwrap();
    open_application(conn, &s.advisor, f.id, Target::TechSme, "").unwrap();
    f.id
}

#[test]
fn the_api_answers_its_list_of_applications_as_a_file_when_asked() {
    for db in backends() {
        let s = seed_with_passwords(&db);
        let (a, _) = {
            let mut c = db.conn();
            (
                applying(&mut c, &s, "申请甲", COUNTY_A),
                applying(&mut c, &s, FORMULA, COUNTY_B),
            )
        };
        let app = TestApp::spawn(&db);
        app.login_ok("bureau");
        let json = app.get("/api/v1/applications");
        assert_eq!(json.status, 200, "{}", json.body);
        let listed: serde_json::Value = serde_json::from_str(&json.body).unwrap();
        let ids: Vec<i64> = listed["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["firm_id"].as_i64().unwrap())
            .collect();
        assert_eq!(ids.len(), 2);

        // Asked by Accept: the same rows, in the JSON's order, in the page export's words.
        let by_accept = app.get_with("/api/v1/applications", &[("accept", "text/csv")]);
        assert_eq!(by_accept.status, 200, "{}", by_accept.body);
        assert!(by_accept
            .header("content-type")
            .unwrap_or("")
            .starts_with("text/csv"));
        let (head, rows) = read_csv(by_accept.body.as_bytes());
        assert_eq!(
            head[0], "企业",
            "the page's columns without the queue: {head:?}"
        );
        let names: Vec<&str> = rows.iter().map(|r| r[0].as_str()).collect();
        let expected: Vec<String> = ids
            .iter()
            .map(|id| {
                let name = firms::find_by_id(&mut db.conn(), *id).unwrap().name;
                if name == FORMULA {
                    format!("'{name}")
                } else {
                    name
                }
            })
            .collect();
        assert_eq!(names, expected, "{}", db.name());
        assert!(rows.iter().all(|r| r[3] == "草稿"), "{rows:?}");

        // Filtered, as XLSX: the filter in words on the title line, one row.
        let (status, headers, bytes) = app.get_bytes(&format!(
            "/api/v1/applications?format=xlsx&target=tech_sme&firm_id={a}"
        ));
        assert_eq!(status, 200);
        assert_eq!(
            header(&headers, "content-type"),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        );
        let cells = read_xlsx(bytes);
        assert!(
            as_text(&cells[0][0]).contains("申请甲"),
            "{:?}",
            cells[0][0]
        );
        assert_eq!(cells.len(), 3, "the title, the headers, one application");
        assert_eq!(cells[2][0], Data::String("申请甲".into()));
        assert_eq!(cells[2][4], Data::Float(0.0), "days waited, a number");

        // The territory holds in the file too; a bad format is a 400.
        let county = app.other_client();
        county.login_ok("county_b");
        let (_, _, bytes) = county.get_bytes("/api/v1/applications?format=csv");
        let (_, rows) = read_csv(&bytes);
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0][0], format!("'{FORMULA}"));
        assert_eq!(app.get("/api/v1/applications?format=pdf").status, 400);
        assert_eq!(
            app.get("/api/v1/applications?status=nope&format=csv")
                .status,
            400
        );
    }
}
