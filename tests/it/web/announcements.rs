//! The announcement-list page: the bureau checks a list as a dry run, then records it; the
//! rows not recorded are listed with why; county officers see no link to it.

use super::{seed_with_passwords, TestApp};
use crate::common::{FirmBuilder, TestDb};
use chrono::{Datelike, Days};
use peiyu::app::firms::derived::today;
use peiyu::store::firms;

fn upload(app: &TestApp, bytes: &[u8], mode: &str) -> super::Resp {
    let page = app.get("/imports/announcements");
    assert_eq!(page.status, 200, "{}", page.body);
    let csrf = page.csrf();
    app.post_multipart(
        "/imports/announcements",
        &[
            ("_csrf", None, csrf.as_bytes()),
            ("mode", None, mode.as_bytes()),
            ("file", Some("list.csv"), bytes),
        ],
    )
}

#[test]
fn the_bureau_checks_a_list_then_records_it_and_sees_what_was_not_recorded() {
    let db = TestDb::sqlite();
    let s = seed_with_passwords(&db);
    let firm = FirmBuilder::new().create(&mut db.conn(), &s.bureau);
    let issued = today().checked_sub_days(Days::new(5)).unwrap();
    let y = issued.year();
    let list = format!(
        "序号,企业名称,统一社会信用代码,证书编号,发证日期\n\
         1,{name},{uscc},GR{y}41000001,{issued}\n\
         2,另一家公司,{uscc2},GR{y}4100,{issued}\n",
        name = firm.name,
        uscc = firm.uscc,
        uscc2 = crate::common::next_uscc(),
    );
    let app = TestApp::spawn(&db);
    let county = app.other_client();
    county.login_ok("county_a");
    assert!(
        !county
            .get("/imports")
            .body
            .contains("/imports/announcements"),
        "no link for a county officer"
    );
    app.login_ok("bureau");
    assert!(app.get("/imports").body.contains("/imports/announcements"));

    let dry = upload(&app, list.as_bytes(), "dry_run");
    assert_eq!(dry.status, 200, "{}", dry.body);
    assert!(
        dry.body.contains("高新技术企业认定名单"),
        "the list's kind is named"
    );
    assert!(dry.body.contains("试运行"), "{}", dry.body);
    // The malformed number is listed with its column and why.
    assert!(dry.body.contains(&format!("GR{y}4100")));
    assert!(dry.body.contains("证书编号"));
    assert!(dry.body.contains("data-outcome=\"applied\""));
    assert_eq!(
        firms::find_by_id(&mut db.conn(), firm.id).unwrap().stage,
        "prospect",
        "a dry run records nothing"
    );

    // The rows not recorded, as a file: the malformed number's row, formula-safe CSV.
    let file = upload(&app, list.as_bytes(), "report_csv");
    assert_eq!(file.status, 200, "{}", file.body);
    assert!(file
        .header("content-disposition")
        .is_some_and(|d| d.contains("list-not-recorded.csv")));
    let text = file.body.trim_start_matches('\u{feff}');
    let rows: Vec<csv::StringRecord> = csv::Reader::from_reader(text.as_bytes())
        .records()
        .map(Result::unwrap)
        .collect();
    assert_eq!(rows.len(), 1, "{text}");
    assert_eq!(&rows[0][0], "3");
    assert_eq!(&rows[0][3], format!("GR{y}4100").as_str());
    assert!(rows[0][4].contains("证书编号"), "{text}");
    assert_eq!(
        firms::find_by_id(&mut db.conn(), firm.id).unwrap().stage,
        "prospect",
        "a download records nothing"
    );

    let done = upload(&app, list.as_bytes(), "commit");
    assert_eq!(done.status, 200, "{}", done.body);
    assert!(done.body.contains("已记录"), "{}", done.body);
    assert_eq!(
        firms::find_by_id(&mut db.conn(), firm.id).unwrap().stage,
        "high_tech"
    );
    let again = upload(&app, list.as_bytes(), "commit");
    assert!(again.body.contains("已记录过1家"), "{}", again.body);

    // A file that is no list at all.
    let none = upload(&app, "a,b\n1,2\n".as_bytes(), "dry_run");
    assert_eq!(none.status, 422);
    assert!(none.body.contains("找不到表头"), "{}", none.body);
}
