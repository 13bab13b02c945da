use super::{seed_with_passwords, TestApp};
use crate::common::TestDb;
use peiyu::core::stage::{EventKind, Role, Stage};
use peiyu::i18n::{catalog, parse_catalog, Lang};
use peiyu::store::credentials::CredentialStatus;
use peiyu::store::ip::IpKind;
use peiyu::web::templates;
use std::collections::BTreeSet;

#[test]
fn both_catalogs_have_the_same_keys() {
    let zh: BTreeSet<&String> = catalog(Lang::ZhCn).unwrap().keys().collect();
    let en: BTreeSet<&String> = catalog(Lang::En).unwrap().keys().collect();
    let only_zh: Vec<_> = zh.difference(&en).collect();
    let only_en: Vec<_> = en.difference(&zh).collect();
    assert!(
        only_zh.is_empty() && only_en.is_empty(),
        "only in zh-CN: {only_zh:?}\nonly in en: {only_en:?}"
    );
    for lang in Lang::ALL {
        for (k, v) in catalog(lang).unwrap() {
            assert!(!v.trim().is_empty(), "{} {k} is empty", lang.tag());
        }
    }
    assert!(
        parse_catalog("[a]\nb = 1").is_err(),
        "non-text values are refused"
    );
}

/// Every literal key in `{{t "…"}}` across the templates exists in both catalogs; keys built
/// from ids (`{{t "stage" id}}`) are covered by the id lists below.
#[test]
fn every_key_used_in_the_templates_exists() {
    let mut used = BTreeSet::new();
    for (name, src) in templates::SOURCES {
        let mut rest = *src;
        while let Some(i) = rest.find("{{t \"") {
            rest = &rest[i + 5..];
            let end = rest.find('"').unwrap();
            let key = &rest[..end];
            let after = rest[end + 1..].trim_start();
            if after.starts_with("}}") {
                used.insert((name.to_string(), key.to_string()));
            }
        }
    }
    assert!(used.len() > 50, "found only {} keys", used.len());
    let mut ids: Vec<String> = Vec::new();
    ids.extend(Stage::ALL.iter().map(|s| format!("stage.{}", s.id())));
    ids.extend(EventKind::ALL.iter().map(|e| format!("event.{}", e.id())));
    ids.extend(
        [
            Role::Admin,
            Role::Bureau,
            Role::County,
            Role::Advisor,
            Role::Firm,
            Role::System,
        ]
        .iter()
        .map(|r| format!("role.{}", r.id())),
    );
    ids.extend(IpKind::ALL.iter().map(|k| format!("ip_kind.{}", k.id())));
    ids.extend(
        CredentialStatus::ALL
            .iter()
            .map(|s| format!("credential_status.{}", s.id())),
    );
    ids.extend(["pass", "fail", "unknown"].map(|s| format!("criterion_status.{s}")));
    ids.extend(
        ["tech_sme", "hte", "leader", "gazelle", "little_giant"].map(|s| format!("credential.{s}")),
    );
    ids.extend(
        [
            "unauthenticated",
            "csrf",
            "forbidden",
            "bad_request",
            "bad_input",
            "conflict",
            "not_found",
            "rule_failed",
            "internal",
            "illegal_transition",
            "stale_version",
            "duplicate",
        ]
        .map(|c| format!("error.{c}")),
    );
    ids.extend(Lang::ALL.iter().map(|l| format!("lang_name.{}", l.tag())));
    ids.extend(["login.error.bad_credentials", "login.error.throttled"].map(String::from));
    for lang in Lang::ALL {
        let cat = catalog(lang).unwrap();
        for (tpl, key) in &used {
            assert!(
                cat.contains_key(key),
                "{tpl}: '{key}' missing in {}",
                lang.tag()
            );
        }
        for key in &ids {
            assert!(cat.contains_key(key), "'{key}' missing in {}", lang.tag());
        }
    }
}

#[test]
fn a_missing_key_is_a_render_error() {
    let hb = templates::registry().unwrap();
    let r = hb.render_template("{{t \"no.such.key\"}}", &serde_json::json!({"lang": "en"}));
    assert!(r.is_err());
    let ok = hb.render_template(
        "{{t \"stage\" s}}",
        &serde_json::json!({"lang": "en", "s": "reserve"}),
    );
    assert_eq!(ok.unwrap(), "high-tech reserve");
}

#[test]
fn the_language_switch_changes_the_page_language_and_is_remembered() {
    let db = TestDb::sqlite();
    seed_with_passwords(&db);
    let app = TestApp::spawn(&db);
    let zh = app.get("/login");
    assert!(zh.body.contains("<html lang=\"zh-CN\">"));
    assert!(zh.body.contains("用户名"));
    assert!(
        zh.body.contains("/lang/en?next&#x3D;%2Flogin")
            || zh.body.contains("/lang/en?next=%2Flogin"),
        "{}",
        zh.body
    );

    let sw = app.get("/lang/en?next=%2Flogin");
    assert_eq!(sw.status, 303);
    assert_eq!(sw.location.as_deref(), Some("/login"));
    let cookie = sw.header("set-cookie").unwrap();
    assert!(
        cookie.starts_with("lang=en") && cookie.contains("Max-Age"),
        "{cookie}"
    );

    let en = app.get("/login");
    assert!(en.body.contains("<html lang=\"en\">"));
    assert!(en.body.contains("Username") && !en.body.contains("用户名"));
    // Errors follow the language too.
    let bad = app.login("bureau", "wrong");
    assert!(
        bad.body.contains("Wrong username or password"),
        "{}",
        bad.body
    );
    assert!(app.get("/nope").body.contains("No such page"));

    assert_eq!(app.get("/lang/fr").status, 400);
    let offsite = app.get("/lang/zh-CN?next=//evil.example");
    assert_eq!(offsite.location.as_deref(), Some("/"));
}

#[test]
fn a_handlers_error_is_shown_in_the_users_language() {
    let db = TestDb::sqlite();
    seed_with_passwords(&db);
    let app = TestApp::spawn(&db);
    app.get("/lang/en?next=%2Flogin");
    app.login_ok("advisor");
    let forbidden = app.get("/admin/users");
    assert_eq!(forbidden.status, 403);
    let says = |r: &super::Resp, lang: Lang, key: &str| {
        let text = peiyu::i18n::text(lang, key);
        assert!(r.body.contains(&text), "{text}: {}", r.body);
    };
    says(&forbidden, Lang::En, "error.forbidden");
    // A use case's error, passed on with `?`.
    let missing = app.get("/firms/999999");
    assert_eq!(missing.status, 404);
    says(&missing, Lang::En, "error.not_found");
    let zh = app.other_client();
    zh.login_ok("advisor");
    let missing = zh.get("/firms/999999");
    assert_eq!(missing.status, 404);
    says(&missing, Lang::ZhCn, "error.not_found");
}

/// Every error page is the HTML page in the layout, in the visitor's language, with the
/// language switch coming back to the same address (not a plain-text fallback).
#[test]
fn error_pages_render_as_html_in_both_languages() {
    let db = TestDb::sqlite();
    seed_with_passwords(&db);
    for lang in Lang::ALL {
        let app = TestApp::spawn(&db);
        app.get(&format!("/lang/{}?next=%2Flogin", lang.tag()));
        let anonymous_404 = app.get("/no-such-page");
        app.login_ok("advisor");
        let cases = [
            (anonymous_404, 404, "error.not_found", "/no-such-page"),
            (
                app.get("/admin/users"),
                403,
                "error.forbidden",
                "/admin/users",
            ),
            (
                app.get("/firms/999999"),
                404,
                "error.not_found",
                "/firms/999999",
            ),
        ];
        for (r, status, key, here) in cases {
            assert_eq!(r.status, status, "{}: {here}", lang.tag());
            let content_type = r.header("content-type").unwrap_or("");
            assert!(
                content_type.starts_with("text/html"),
                "{} {here}: {content_type}",
                lang.tag()
            );
            assert!(
                r.body.contains(&format!("<html lang=\"{}\"", lang.tag())),
                "{} {here}: the layout in its language: {}",
                lang.tag(),
                r.body
            );
            assert!(r.body.contains(&peiyu::i18n::text(lang, key)), "{}", r.body);
            // Handlebars escapes `=` in attributes.
            let switch = format!(
                "/lang/{}?next&#x3D;{}",
                lang.other().tag(),
                here.replace('/', "%2F")
            );
            assert!(
                r.body.contains(&switch),
                "{} {here}: the switch comes back here ({switch}): {}",
                lang.tag(),
                r.body
            );
        }
    }
}
