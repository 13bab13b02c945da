//! Text input is checked at the boundary, the same on both backends: a NUL or another control
//! character, a line break in a one-line field, an over-long text, a malformed e-mail address
//! or phone number, an implausible date get a field error (a NUL used to be a 500 on
//! PostgreSQL and stored as is on SQLite); full-width digits are read as digits; the API takes
//! strict JSON only, and answers every refusal in its JSON error shape.

use super::api::token_for;
use super::{seed_with_passwords, Resp, TestApp};
use crate::common::{backends, next_uscc, FirmBuilder, TestDb, COUNTY_A};
use serde_json::json;
use std::io::{Read, Write};

fn firm_count(db: &TestDb) -> i64 {
    peiyu::store::firms::count(&mut db.conn()).unwrap()
}

#[test]
fn control_characters_get_field_errors_on_both_backends_and_nothing_is_written() {
    for db in backends() {
        let s = seed_with_passwords(&db);
        let firm = FirmBuilder::new().create(&mut db.conn(), &s.bureau);
        let app = TestApp::spawn(&db);

        // Signing in: a NUL in the username is refused on the login page, not a 500.
        let r = app.login("bureau\u{0}", "x");
        assert_eq!(r.status, 400, "{}: {}", db.name(), r.body);
        assert!(r.body.contains("控制字符"), "{}", r.body);

        app.login_ok("bureau");
        // A search box and the API's filters.
        let page = app.get("/firms?q=%00abc");
        assert_eq!(page.status, 400, "{}", db.name());
        assert!(page.body.contains("地址参数 q"), "{}", page.body);
        let token = token_for(&db, "bureau");
        let api = app.api_get("/api/v1/firms?q=a%07b", &token);
        assert_eq!(
            (api.status, api.code()),
            (400, "control_character".to_string()),
            "{}",
            api.body
        );

        // A form: the field error stands beside the name, what was typed is kept.
        let form = app.get(&format!("/firms/{}/edit", firm.id));
        let csrf = form.csrf();
        let version = firm.version.to_string();
        let r = app.post(
            &format!("/firms/{}/edit", firm.id),
            &[
                ("_csrf", csrf.as_str()),
                ("version", version.as_str()),
                ("name", "漯河\u{0}公司"),
                ("county_code", COUNTY_A),
                ("contact_name", "王\u{7}敏"),
            ],
        );
        assert_eq!(r.status, 400, "{}", db.name());
        assert!(
            r.body.contains("含有不可见的控制字符（U+0000）"),
            "{}",
            r.body
        );
        assert!(
            r.body.contains("U+0007"),
            "the second field too: {}",
            r.body
        );
        let after = peiyu::store::firms::find_by_id(&mut db.conn(), firm.id).unwrap();
        assert_eq!(after.name, firm.name, "nothing written");

        // The API: a control character anywhere in the body names its field; a line break in
        // a one-line field too; nothing is written.
        let before = firm_count(&db);
        for (name, code) in [
            ("a\u{0}b", "control_character"),
            ("两行\n名称", "line_break"),
        ] {
            let body = json!({"uscc": next_uscc(), "name": name, "county_code": COUNTY_A});
            let r = app.api_send("POST", "/api/v1/firms", &token, &body);
            assert_eq!(r.status, 400, "{}: {}", db.name(), r.body);
            assert_eq!(r.json()["error"]["field"], "name", "{}", r.body);
            assert_eq!(r.code(), code, "{}", r.body);
        }
        assert_eq!(firm_count(&db), before, "{}: nothing written", db.name());
    }
}

#[test]
fn lengths_emails_phones_and_dates_are_checked_beside_their_fields() {
    let db = TestDb::sqlite();
    let s = seed_with_passwords(&db);
    let firm = FirmBuilder::new().create(&mut db.conn(), &s.bureau);
    let app = TestApp::spawn(&db);
    app.login_ok("bureau");
    let token = token_for(&db, "bureau");

    let long = "长".repeat(100_000);
    let body = json!({"uscc": next_uscc(), "name": long, "county_code": COUNTY_A});
    let r = app.api_send("POST", "/api/v1/firms", &token, &body);
    assert_eq!(r.status, 400, "{}", r.body);
    assert_eq!(r.json()["error"]["field"], "name");

    let form = app.get(&format!("/firms/{}/edit", firm.id));
    let csrf = form.csrf();
    let version = firm.version.to_string();
    let r = app.post(
        &format!("/firms/{}/edit", firm.id),
        &[
            ("_csrf", csrf.as_str()),
            ("version", version.as_str()),
            ("name", "漯河市示例科技有限公司"),
            ("county_code", COUNTY_A),
            ("founded_on", "0719-12-21"),
            ("contact_phone", "电话"),
            ("contact_email", "li@example"),
            ("employees", "１２０"),
            ("tech_staff", "１８"),
        ],
    );
    assert_eq!(r.status, 400);
    assert!(r.body.contains("早于 1900-01-01"), "{}", r.body);
    assert!(r.body.contains("电话号码格式不正确"), "{}", r.body);
    assert!(r.body.contains("电子邮箱格式不正确"), "{}", r.body);
    assert!(
        !r.body.contains("请输入整数"),
        "full-width digits are digits: {}",
        r.body
    );

    let tomorrow = (chrono::Utc::now() + chrono::Duration::days(2)).date_naive();
    let patch = json!({"founded_on": tomorrow.to_string()});
    let r = app.api_send(
        "PATCH",
        &format!("/api/v1/firms/{}?version={}", firm.id, firm.version),
        &token,
        &patch,
    );
    assert_eq!(r.status, 400, "{}", r.body);

    // An invitation whose e-mail address carries a line break is refused at once.
    let admin = app.other_client();
    admin.login_ok("admin");
    let page = admin.get("/admin/users");
    let csrf = page.csrf();
    let r = admin.post(
        "/admin/users",
        &[
            ("_csrf", csrf.as_str()),
            ("username", "newbie"),
            ("role", "advisor"),
            ("county", COUNTY_A),
            ("email", "a@x.cn\r\nBcc: z@y.cn"),
        ],
    );
    assert_eq!(r.status, 400, "{}", r.body);
    // The form comes back as typed, with the problem beside the e-mail field.
    assert!(r.body.contains("value=\"newbie\""), "{}", r.body);
    assert!(
        r.body.contains("id=\"invite-email-err\">此项只能填写一行"),
        "{}",
        r.body
    );
    assert!(
        peiyu::store::users::find_by_username(&mut db.conn(), "newbie")
            .unwrap()
            .is_none()
    );
}

/// A raw HTTP/1.1 request; the answer as text.
fn raw(app: &TestApp, request: &str) -> String {
    let mut s = std::net::TcpStream::connect(app.base.trim_start_matches("http://")).unwrap();
    s.set_read_timeout(Some(std::time::Duration::from_secs(10)))
        .unwrap();
    s.write_all(request.as_bytes()).unwrap();
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out);
    String::from_utf8_lossy(&out).into_owned()
}

#[test]
fn the_api_takes_strict_json_and_answers_every_refusal_as_json() {
    let db = TestDb::sqlite();
    seed_with_passwords(&db);
    let app = TestApp::spawn(&db);
    let token = token_for(&db, "bureau");
    let body = format!(
        r#"{{"uscc": "{}", "name": "漯河市严格科技有限公司", "county_code": "{COUNTY_A}"}}"#,
        next_uscc()
    );

    let trailing: Resp = app.call(
        "POST",
        "/api/v1/firms",
        Some(&token),
        &[],
        Some(&format!("{body} garbage")),
    );
    assert_eq!(
        (trailing.status, trailing.code()),
        (400, "malformed_json".into()),
        "{}",
        trailing.body
    );

    let plain = raw(
        &app,
        &format!(
            "POST /api/v1/firms HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\nContent-Type: text/plain\r\nConnection: close\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        ),
    );
    assert!(plain.starts_with("HTTP/1.1 415"), "{plain}");
    assert!(
        plain.contains("\"code\":\"unsupported_media_type\""),
        "{plain}"
    );

    let big = format!("{{\"name\": \"{}\"}}", "x".repeat(1_100_000));
    let r = app.call("POST", "/api/v1/firms", Some(&token), &[], Some(&big));
    assert_eq!(
        (r.status, r.code()),
        (413, "too_large".into()),
        "{}",
        &r.body[..r.body.len().min(300)]
    );

    let twice = app.api_get("/api/v1/firms?stage=reserve&stage=leader", &token);
    assert_eq!(
        (twice.status, twice.code()),
        (400, "bad_request".into()),
        "{}",
        twice.body
    );

    let ok = app.call("POST", "/api/v1/firms", Some(&token), &[], Some(&body));
    assert_eq!(ok.status, 201, "{}", ok.body);
}

#[test]
fn figures_of_a_year_to_come_and_an_ip_item_granted_tomorrow_are_refused() {
    let db = TestDb::sqlite();
    let s = seed_with_passwords(&db);
    let firm = FirmBuilder::new().create(&mut db.conn(), &s.bureau);
    let app = TestApp::spawn(&db);
    let token = token_for(&db, "bureau");
    let next_year = chrono::Datelike::year(&chrono::Utc::now().date_naive()) + 1;
    let r = app.api_send(
        "PUT",
        &format!("/api/v1/firms/{}/years/{next_year}", firm.id),
        &token,
        &json!({"revenue": 1000}),
    );
    assert_eq!(r.status, 400, "{}", r.body);
    assert_eq!(
        (r.json()["error"]["field"].as_str(), r.code().as_str()),
        (Some("year"), "year_in_future")
    );

    let tomorrow = chrono::Utc::now().date_naive() + chrono::Duration::days(2);
    let ip = json!({"kind": "invention_patent", "number": "ZL2026100001", "title": "一种方法",
                    "granted_on": tomorrow.to_string(), "used_in_hte": false});
    let r = app.api_send(
        "POST",
        &format!("/api/v1/firms/{}/ip", firm.id),
        &token,
        &ip,
    );
    assert_eq!(
        (r.status, r.code()),
        (400, "date_in_future".to_string()),
        "{}",
        r.body
    );
    let ok = json!({"kind": "invention_patent", "number": "ZL2026100001", "title": "一种方法",
                    "granted_on": "2024-05-01", "used_in_hte": false});
    let r = app.api_send(
        "POST",
        &format!("/api/v1/firms/{}/ip", firm.id),
        &token,
        &ok,
    );
    assert_eq!(r.status, 201, "{}", r.body);
}
