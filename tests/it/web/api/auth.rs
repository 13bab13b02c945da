use super::token_for;
use crate::common::{backends, FirmBuilder, COUNTY_A};
use crate::web::{seed_with_passwords, TestApp};
use chrono::Utc;
use peiyu::app::{accounts::tokens, Principal};
use peiyu::store::firms::{self, FirmChanges};
use serde_json::json;

#[test]
fn no_or_bad_or_revoked_credentials_get_401_json_never_a_redirect() {
    for db in backends() {
        seed_with_passwords(&db);
        let app = TestApp::spawn(&db);
        for r in [
            app.get("/api/v1/firms"),
            app.call("POST", "/api/v1/firms", None, &[], Some("{}")),
            app.api_get("/api/v1/firms", "py_0000"),
            app.call(
                "GET",
                "/api/v1/firms",
                None,
                &[("authorization", "Basic YTpi")],
                None,
            ),
        ] {
            assert_eq!(
                (r.status, r.code().as_str()),
                (401, "unauthenticated"),
                "{}: {}",
                db.name(),
                r.body
            );
            assert!(r.location.is_none());
            assert!(r
                .header("content-type")
                .unwrap()
                .starts_with("application/json"));
        }
        let zh = app.get("/api/v1/me");
        assert!(zh.json()["error"]["message"]
            .as_str()
            .unwrap()
            .contains("登录"));
        let en = app.get_with("/api/v1/me", &[("accept-language", "en")]);
        assert!(en.json()["error"]["message"]
            .as_str()
            .unwrap()
            .contains("Sign in"));

        let created =
            tokens::create_token(&mut db.conn(), "bureau", "etl", &Principal::system()).unwrap();
        assert!(created.token.starts_with("py_") && created.token.len() == 3 + 64);
        assert_ne!(created.row.token_hash, created.token);
        let me = app.api_get("/api/v1/me", &created.token);
        assert_eq!(me.status, 200, "{}", me.body);
        assert_eq!(
            (me.json()["username"].as_str(), me.json()["via"].as_str()),
            (Some("bureau"), Some("bearer"))
        );
        assert!(me.json()["csrf"].is_null());
        tokens::revoke_token(&mut db.conn(), created.row.id, &Principal::system()).unwrap();
        assert_eq!(app.api_get("/api/v1/me", &created.token).status, 401);
    }
}

#[test]
fn cookie_writes_need_the_csrf_header_and_bearer_writes_do_not() {
    for db in backends() {
        let s = seed_with_passwords(&db);
        let firm = FirmBuilder::new().create(&mut db.conn(), &s.bureau);
        let app = TestApp::spawn(&db);
        app.login_ok("county_a");
        let me = app.get("/api/v1/me");
        assert_eq!(me.status, 200, "{}: {}", db.name(), me.body);
        let csrf = me.json()["csrf"].as_str().unwrap().to_string();
        assert_eq!(app.get("/api/v1/firms").json()["total"].as_i64(), Some(1));

        let path = format!("/api/v1/firms/{}", firm.id);
        let body = json!({"version": firm.version, "name": "改名"}).to_string();
        let refused = app.call("PATCH", &path, None, &[], Some(&body));
        assert_eq!(
            (refused.status, refused.code().as_str()),
            (403, "csrf"),
            "{}",
            refused.body
        );
        let wrong = app.call(
            "PATCH",
            &path,
            None,
            &[("x-csrf-token", "0123")],
            Some(&body),
        );
        assert_eq!(wrong.status, 403);
        assert_eq!(
            firms::find_by_id(&mut db.conn(), firm.id).unwrap().version,
            firm.version
        );
        let ok = app.call(
            "PATCH",
            &path,
            None,
            &[("x-csrf-token", &csrf)],
            Some(&body),
        );
        assert_eq!(ok.status, 200, "{}", ok.body);

        let t = token_for(&db, "county_a");
        let other = app.other_client();
        let r = other.api_send(
            "PATCH",
            &path,
            &t,
            &json!({"version": firm.version + 1, "name": "再改"}),
        );
        assert_eq!(r.status, 200, "{}", r.body);
    }
}

#[test]
fn hostile_names_come_back_as_plain_json_strings() {
    const EVIL: &str = "<script>alert(1)</script>\" onmouseover=alert(2) x=\"&amp;";
    for db in backends() {
        let s = seed_with_passwords(&db);
        let firm = {
            let mut c = db.conn();
            let f = FirmBuilder::new().create(&mut c, &s.bureau);
            let ch = FirmChanges {
                name: Some(EVIL.to_string()),
                ..FirmChanges::default()
            };
            firms::update_with_version(&mut c, f.id, f.version, &ch, Utc::now().naive_utc())
                .unwrap();
            f
        };
        let app = TestApp::spawn(&db);
        let t = token_for(&db, "bureau");
        for path in [
            format!("/api/v1/firms/{}", firm.id),
            "/api/v1/firms".to_string(),
        ] {
            let r = app.api_get(&path, &t);
            assert_eq!(r.header("content-type"), Some("application/json"), "{path}");
            assert_eq!(r.header("x-content-type-options"), Some("nosniff"));
            let j = r.json();
            let name = if j["items"].is_array() {
                j["items"][0]["name"].clone()
            } else {
                j["name"].clone()
            };
            assert_eq!(name.as_str(), Some(EVIL), "{}: {path}", db.name());
            assert!(!r.body.contains("&lt;"), "no HTML escaping in JSON");
        }
    }
}

#[test]
fn eligibility_evaluates_a_posted_profile_like_peiyu_eval() {
    for db in backends() {
        seed_with_passwords(&db);
        let app = TestApp::spawn(&db);
        let t = token_for(&db, "advisor");
        let profile = json!({"founded_on": "2018-05-10", "employees": 120, "tech_staff": 18,
            "financials": [{"year": 2024, "revenue": 48000000, "rd_expense": 2600000}]});
        let r = app.api_send(
            "POST",
            "/api/v1/eligibility?ruleset=tech-sme-2017&as_of=2025-06-01",
            &t,
            &profile,
        );
        assert_eq!(r.status, 200, "{}: {}", db.name(), r.body);
        let j = r.json();
        assert_eq!(
            (j["ruleset"].as_str(), j["as_of"].as_str()),
            (Some("tech-sme-2017"), Some("2025-06-01"))
        );
        assert!(j["criteria"].as_array().is_some_and(|c| !c.is_empty()));

        let neg = json!({"financials": [{"year": 2024, "revenue": -1}]});
        let bad = app.api_send(
            "POST",
            "/api/v1/eligibility?ruleset=tech-sme-2017",
            &t,
            &neg,
        );
        assert_eq!(bad.status, 400, "{}", bad.body);
        let line = bad.json()["error"]["line"].as_str().unwrap().to_string();
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_peiyu"))
            .args(["eval", "--ruleset", "tech-sme-2017"])
            .stdin(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .and_then(|mut c| {
                use std::io::Write;
                c.stdin
                    .take()
                    .unwrap()
                    .write_all(neg.to_string().as_bytes())?;
                c.wait_with_output()
            })
            .unwrap();
        assert_eq!(out.status.code(), Some(2));
        assert_eq!(
            String::from_utf8_lossy(&out.stderr).trim(),
            format!("peiyu: {line}")
        );
        let unknown = app.api_send("POST", "/api/v1/eligibility?ruleset=nope", &t, &profile);
        assert_eq!(
            (unknown.status, unknown.json()["error"]["field"].as_str()),
            (400, Some("ruleset")),
            "{}",
            unknown.body
        );
        assert_eq!(
            app.call(
                "POST",
                "/api/v1/eligibility?ruleset=hte-2016",
                None,
                &[],
                Some("{}")
            )
            .status,
            401
        );
        let _ = COUNTY_A;
    }
}
