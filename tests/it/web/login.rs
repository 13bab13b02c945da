use super::{seed_with_passwords, TestApp, PASSWORD};
use crate::common::backends;
use diesel::prelude::*;
use peiyu::store::schema::login_attempts;
use peiyu::store::settings;

fn attempts(db: &crate::common::TestDb) -> i64 {
    login_attempts::table
        .count()
        .get_result(&mut *db.conn())
        .unwrap()
}

#[test]
fn unauthenticated_pages_redirect_to_login_with_next() {
    for db in backends() {
        seed_with_passwords(&db);
        let app = TestApp::spawn(&db);
        for (path, next) in [
            ("/", "%2F"),
            ("/firms?stage=reserve", "%2Ffirms%3Fstage%3Dreserve"),
            ("/firms/1", "%2Ffirms%2F1"),
        ] {
            let r = app.get(path);
            assert_eq!(r.status, 302, "{} {path}", db.name());
            assert_eq!(
                r.location.as_deref(),
                Some(format!("/login?next={next}").as_str())
            );
        }
    }
}

#[test]
fn login_succeeds_goes_to_next_and_logout_ends_the_session() {
    for db in backends() {
        seed_with_passwords(&db);
        let app = TestApp::spawn(&db);
        let form = app.get("/login?next=/firms");
        let csrf = form.csrf();
        let r = app.post(
            "/login",
            &[
                ("_csrf", &csrf),
                ("username", "bureau"),
                ("password", PASSWORD),
                ("next", "/firms"),
            ],
        );
        assert_eq!(r.status, 303, "{}: {}", db.name(), r.body);
        assert_eq!(r.location.as_deref(), Some("/firms"));
        let cookie = r.header("set-cookie").unwrap();
        assert!(cookie.contains("HttpOnly"), "{cookie}");
        assert!(cookie.contains("SameSite=Lax"), "{cookie}");
        assert!(!cookie.contains("Secure"), "{cookie}");

        let dash = app.get("/");
        assert_eq!(dash.status, 200, "{}", dash.body);
        assert!(dash.body.contains("bureau"));

        // Logout is a POST with the session's token.
        let csrf = dash.csrf();
        let out = app.post("/logout", &[("_csrf", &csrf)]);
        assert_eq!(out.status, 303);
        assert_eq!(out.location.as_deref(), Some("/login"));
        assert_eq!(app.get("/").status, 302, "{}: still signed in", db.name());
    }
}

#[test]
fn an_offsite_next_is_replaced_by_the_dashboard() {
    let db = crate::common::TestDb::sqlite();
    seed_with_passwords(&db);
    let server = TestApp::spawn(&db);
    for next in [
        "//evil.example/x",
        "https://evil.example/",
        "/\\evil.example",
    ] {
        // A fresh browser each time: signing in rotates the session and its token.
        let app = server.other_client();
        let csrf = app.get("/login").csrf();
        let r = app.post(
            "/login",
            &[
                ("_csrf", &csrf),
                ("username", "bureau"),
                ("password", PASSWORD),
                ("next", next),
            ],
        );
        assert_eq!(r.location.as_deref(), Some("/"), "{next}");
    }
}

#[test]
fn wrong_password_is_refused_in_the_users_language() {
    for db in backends() {
        seed_with_passwords(&db);
        let app = TestApp::spawn(&db);
        let r = app.login("bureau", "wrong");
        assert_eq!(r.status, 401, "{}", db.name());
        assert!(r.body.contains("用户名或密码不正确"), "{}", r.body);
        assert!(r.body.contains("value=\"bureau\""), "username kept");
        let unknown = app.login("nobody", "wrong");
        assert_eq!(unknown.status, 401);
        assert!(unknown.body.contains("用户名或密码不正确"));
        assert_eq!(app.get("/").status, 302);
        assert_eq!(attempts(&db), 2);
    }
}

#[test]
fn repeated_failures_back_off_the_account_from_that_address_and_never_lock_out_the_real_user() {
    for db in backends() {
        seed_with_passwords(&db);
        settings::set(
            &mut db.conn(),
            "login_throttle",
            &serde_json::json!({"pair": 3, "address": 100, "window_minutes": 15, "backoff_seconds": 30}),
        )
        .unwrap();
        let app = TestApp::spawn_behind_proxy(&db);
        let attacker = "203.0.113.7";
        for _ in 0..3 {
            assert_eq!(app.login_from(attacker, "county_a", "wrong").status, 401);
        }
        // The attacker's address now waits, even with the right password.
        let held = app.login_from(attacker, "county_a", PASSWORD);
        assert_eq!(held.status, 429, "{}: {}", db.name(), held.body);
        assert!(held.body.contains("登录失败次数过多"), "{}", held.body);
        assert!(held.body.contains("秒后再试"), "{}", held.body);
        let wait: i64 = held.header("retry-after").unwrap().parse().unwrap();
        assert!((1..=30).contains(&wait), "retry-after {wait}");
        assert_eq!(app.get("/").status, 302, "a held sign-in must not sign in");

        // A second server process on the same database holds the same pair.
        let second = TestApp::spawn_behind_proxy(&db);
        assert_eq!(
            second.login_from(attacker, "county_a", PASSWORD).status,
            429
        );
        // The real user, from another address, signs in as usual.
        let real = second.other_client();
        assert_eq!(
            real.login_from("198.51.100.20", "county_a", PASSWORD)
                .status,
            303
        );
        assert_eq!(real.get("/").status, 200);
        // Other accounts from the attacker's address are not held.
        let other = app.other_client();
        assert_eq!(other.login_from(attacker, "county_b", PASSWORD).status, 303);
    }
}

#[test]
fn each_further_failure_doubles_the_wait_up_to_the_window() {
    let p = peiyu::app::accounts::login::ThrottlePolicy {
        pair: 3,
        address: 20,
        window_minutes: 15,
        backoff_seconds: 30,
        address_delay_seconds: 3,
    };
    let secs = |n| p.backoff(n).num_seconds();
    assert_eq!((secs(1), secs(2)), (0, 0));
    assert_eq!((secs(3), secs(4), secs(5)), (30, 60, 120));
    assert_eq!(secs(9), 900, "at most the window");
    assert_eq!(secs(1_000), 900);
}

#[test]
fn an_address_failing_across_accounts_is_slowed_not_locked_out() {
    let db = crate::common::TestDb::sqlite();
    seed_with_passwords(&db);
    settings::set(
        &mut db.conn(),
        "login_throttle",
        &serde_json::json!({"pair": 100, "address": 4, "window_minutes": 15, "address_delay_seconds": 2}),
    )
    .unwrap();
    let app = TestApp::spawn_behind_proxy(&db);
    let office = "192.0.2.50";
    for name in ["a1", "a2", "a3", "a4"] {
        assert_eq!(app.login_from(office, name, "guess").status, 401);
    }
    // Someone else behind the same office address still signs in, a little slower.
    let started = std::time::Instant::now();
    let r = app.login_from(office, "bureau", PASSWORD);
    assert_eq!(r.status, 303, "{}", r.body);
    assert!(
        started.elapsed() >= std::time::Duration::from_secs(2),
        "slowed"
    );
    // From elsewhere, no wait.
    let elsewhere = app.other_client();
    let started = std::time::Instant::now();
    assert_eq!(
        elsewhere
            .login_from("198.51.100.21", "county_b", PASSWORD)
            .status,
        303
    );
    assert!(started.elapsed() < std::time::Duration::from_secs(2));
}

#[test]
fn the_administrators_see_which_accounts_are_being_tried() {
    let db = crate::common::TestDb::sqlite();
    seed_with_passwords(&db);
    let app = TestApp::spawn_behind_proxy(&db);
    for addr in ["203.0.113.1", "203.0.113.2", "203.0.113.3"] {
        assert_eq!(app.login_from(addr, "county_a", "wrong").status, 401);
    }
    assert_eq!(
        app.login_from("203.0.113.1", "ghost<b>", "wrong").status,
        401
    );
    let admin = app.other_client();
    admin.login_ok("admin");
    let page = admin.get("/admin/users");
    assert_eq!(page.status, 200);
    let part = &page.body[page.body.find("正在被尝试登录的账户").expect("the list")..];
    let row = &part[part.find("<td>county_a").expect("county_a listed")..];
    let row = &row[..row.find("</tr>").unwrap()];
    assert!(
        row.contains("<td>3</td><td>3</td>"),
        "3 failures from 3 addresses: {row}"
    );
    assert!(part.contains("ghost&lt;b&gt;"), "escaped");
    assert!(part.contains("无此账户"));
}

#[test]
fn a_form_post_without_the_csrf_token_is_refused_and_changes_nothing() {
    for db in backends() {
        seed_with_passwords(&db);
        let app = TestApp::spawn(&db);
        app.get("/login");
        let r = app.post(
            "/login",
            &[
                ("username", "bureau"),
                ("password", PASSWORD),
                ("next", "/"),
            ],
        );
        assert_eq!(r.status, 403, "{}", db.name());
        assert!(r.body.contains("表单已过期"), "{}", r.body);
        assert_eq!(
            attempts(&db),
            0,
            "a refused form must not reach the use case"
        );
        assert_eq!(app.get("/").status, 302);

        let wrong = app.post(
            "/login",
            &[
                ("_csrf", "00000000000000000000000000000000"),
                ("username", "bureau"),
                ("password", PASSWORD),
            ],
        );
        assert_eq!(wrong.status, 403);

        // Signed in, a logout without the token does not sign out.
        app.login_ok("bureau");
        assert_eq!(app.post("/logout", &[]).status, 403);
        assert_eq!(
            app.get("/").status,
            200,
            "{}: the session survived",
            db.name()
        );

        // A token from another browser's session is not this session's token.
        let other = app.other_client();
        let foreign = other.get("/login").csrf();
        assert_eq!(app.post("/logout", &[("_csrf", &foreign)]).status, 403);
        assert_eq!(app.get("/").status, 200);
    }
}

#[test]
fn a_tampered_session_cookie_is_not_a_session() {
    let db = crate::common::TestDb::sqlite();
    let s = seed_with_passwords(&db);
    let app = TestApp::spawn(&db);
    let uid = s.admin.user_id.unwrap();
    let forged = format!("peiyu_session=AAAA{uid}.0.9999999999.00000000000000000000000000000000");
    let r = app.get_with("/", &[("Cookie", &forged)]);
    assert_eq!(r.status, 302);
}

#[test]
fn a_disabled_account_cannot_sign_in_and_loses_its_session() {
    for db in backends() {
        let s = seed_with_passwords(&db);
        let app = TestApp::spawn(&db);
        app.login_ok("bureau");
        assert_eq!(app.get("/").status, 200);
        diesel::update(peiyu::store::schema::users::table.find(s.bureau.user_id.unwrap()))
            .set(peiyu::store::schema::users::active.eq(false))
            .execute(&mut *db.conn())
            .unwrap();
        assert_eq!(app.get("/").status, 302, "{}", db.name());
        assert_eq!(app.login("bureau", PASSWORD).status, 401);
    }
}

/// Sessions signed with the stored key: a recent one is accepted, one idle past the timeout
/// (setting session_idle_minutes) or older than the absolute cap is not.
#[test]
fn sessions_end_after_the_idle_timeout_and_the_absolute_cap() {
    use peiyu::web::session::{self, Session, SessionKeys};
    for db in backends() {
        let s = seed_with_passwords(&db);
        settings::set(
            &mut db.conn(),
            "session_idle_minutes",
            &serde_json::json!(5),
        )
        .unwrap();
        let app = TestApp::spawn(&db);
        let keys = SessionKeys::new(session::resolve_key(&mut db.conn(), None).unwrap(), false);
        let uid = s.bureau.user_id.unwrap();
        let now = session::now_secs();
        let cookie = |issued: i64, seen: i64| {
            let mut sess = Session::signed_in(uid, 0, issued);
            sess.seen = seen;
            let c = keys.cookie(&sess);
            format!("{}={}", c.name(), c.value())
        };
        let fresh = app
            .other_client()
            .get_with("/", &[("Cookie", &cookie(now - 120, now - 120))]);
        assert_eq!(fresh.status, 200, "{}: {}", db.name(), fresh.body);
        assert!(
            fresh
                .header("set-cookie")
                .is_some_and(|c| c.starts_with("peiyu_session=")),
            "a session seen two minutes ago is re-issued (sliding timeout)"
        );
        let idle = app
            .other_client()
            .get_with("/", &[("Cookie", &cookie(now - 600, now - 400))]);
        assert_eq!(
            idle.status,
            302,
            "{}: idle for 400 s with a 5 min timeout",
            db.name()
        );
        let old = app
            .other_client()
            .get_with("/", &[("Cookie", &cookie(now - 13 * 3600, now))]);
        assert_eq!(old.status, 302, "{}: past the 12 h cap", db.name());
    }
}

/// The `name=value` of the session cookie a response sets.
fn session_cookie(r: &super::Resp) -> String {
    let set = r.header("set-cookie").expect("a session cookie");
    set.split(';').next().unwrap().to_string()
}

#[test]
fn a_copied_cookie_is_refused_after_logout_and_after_the_account_is_disabled_in_every_process() {
    for db in backends() {
        let s = seed_with_passwords(&db);
        let app = TestApp::spawn(&db);
        let r = app.login("county_a", PASSWORD);
        assert_eq!(r.status, 303);
        let copied = session_cookie(&r);
        // A second process on the same database honours the copy while the session lasts.
        let second = TestApp::spawn(&db);
        let thief = second.other_client();
        let seen = thief.get_with("/", &[("cookie", copied.as_str())]);
        assert_eq!(
            seen.status,
            200,
            "{}: the copy works before logout",
            db.name()
        );
        let api = thief.get_with("/api/v1/me", &[("cookie", copied.as_str())]);
        assert_eq!(api.status, 200, "{}", api.body);

        let dash = app.get("/");
        let out = app.post("/logout", &[("_csrf", &dash.csrf())]);
        assert_eq!(out.status, 303);
        for who in [&thief, &app.other_client()] {
            let page = who.get_with("/", &[("cookie", copied.as_str())]);
            assert_eq!(
                page.status,
                302,
                "{}: a copied cookie after logout",
                db.name()
            );
            let api = who.get_with("/api/v1/me", &[("cookie", copied.as_str())]);
            assert_eq!(api.status, 401, "{}", api.body);
        }

        // Disabling the account ends its sessions too.
        let again = app.login("county_a", PASSWORD);
        let copied = session_cookie(&again);
        assert_eq!(
            thief.get_with("/", &[("cookie", copied.as_str())]).status,
            200
        );
        peiyu::app::accounts::users::set_active(
            &mut db.conn(),
            s.county_a.user_id.unwrap(),
            false,
            &s.admin,
        )
        .unwrap();
        peiyu::app::accounts::users::set_active(
            &mut db.conn(),
            s.county_a.user_id.unwrap(),
            true,
            &s.admin,
        )
        .unwrap();
        let after = thief.get_with("/", &[("cookie", copied.as_str())]);
        assert_eq!(
            after.status,
            302,
            "{}: disabled once, the old session stays ended",
            db.name()
        );
    }
}
