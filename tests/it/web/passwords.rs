//! A user's own password through the pages: change it, forget it and reset it from the
//! mailed link, the invitation link, and the temporary password that must be changed first.

use super::{seed_with_passwords, Resp, TestApp, PASSWORD};
use crate::common::{backends, FirmBuilder, TestDb, COUNTY_A, COUNTY_B};
use diesel::prelude::*;
use peiyu::app::accounts::passwords;
use peiyu::i18n::{self, Lang};
use peiyu::store::schema::users as users_t;
use peiyu::store::{audit, outbox, users, DbConn};

const NEW_PASSWORD: &str = "墨水瓶里的海 ink-2026";

fn set_email(conn: &mut DbConn, user_id: i64, email: &str) {
    diesel::update(users_t::table.find(user_id))
        .set(users_t::email.eq(Some(email)))
        .execute(conn)
        .unwrap();
}

fn session_cookie(r: &Resp) -> String {
    let set = r.header("set-cookie").expect("a session cookie");
    set.split(';').next().unwrap().to_string()
}

/// The path of the newest queued link mail to `user_id` (`/password/set?token=…`).
fn mailed_link(conn: &mut DbConn, user_id: i64) -> String {
    outbox::list_all(conn)
        .unwrap()
        .into_iter()
        .filter(|r| r.to_user == user_id)
        .max_by_key(|r| r.id)
        .expect("a mail to the user")
        .link
}

fn actions(db: &TestDb, user_id: i64) -> Vec<String> {
    audit::list_for_entity(&mut db.conn(), "user", user_id)
        .unwrap()
        .into_iter()
        .map(|a| a.action)
        .collect()
}

fn zh(key: &str) -> String {
    i18n::text(Lang::ZhCn, key)
}

/// Post the link form of `link` (as opened by `client`) with `password` twice.
fn set_from_link(client: &TestApp, link: &str, password: &str) -> Resp {
    let page = client.get(link);
    let token = link.split("token=").nth(1).unwrap();
    let csrf = if page.status == 200 {
        page.csrf()
    } else {
        client.get("/password/forgot").csrf()
    };
    client.post(
        "/password/set",
        &[
            ("_csrf", &csrf),
            ("token", token),
            ("password", password),
            ("password_again", password),
        ],
    )
}

#[test]
fn changing_the_password_ends_every_other_session_and_keeps_this_one() {
    for db in backends() {
        let s = seed_with_passwords(&db);
        let app = TestApp::spawn(&db);
        let here = app.other_client();
        let there = app.other_client();
        let signed = here.login("bureau", PASSWORD);
        let old_cookie = session_cookie(&signed);
        there.login_ok("bureau");
        assert_eq!(there.get("/").status, 200);

        let form = here.get("/account/password");
        assert_eq!(form.status, 200, "{}", form.body);
        // The current password is checked; nothing changes on a wrong one.
        let wrong = here.post(
            "/account/password",
            &[
                ("_csrf", &form.csrf()),
                ("current_password", "not-my-password"),
                ("password", NEW_PASSWORD),
                ("password_again", NEW_PASSWORD),
            ],
        );
        assert_eq!(wrong.status, 400, "{}", db.name());
        assert!(wrong.body.contains(&format!(
            "id=\"current_password-err\">{}",
            zh("app.accounts.wrong_password")
        )));
        assert_eq!(there.get("/").status, 200, "a refused change ends nothing");

        let done = here.post(
            "/account/password",
            &[
                ("_csrf", &form.csrf()),
                ("current_password", PASSWORD),
                ("password", NEW_PASSWORD),
                ("password_again", NEW_PASSWORD),
            ],
        );
        assert_eq!(done.status, 303, "{}: {}", db.name(), done.body);
        assert_eq!(
            done.location.as_deref(),
            Some("/account/password?done=changed")
        );
        // This browser stays signed in with a fresh cookie ...
        let after = here.get("/account/password?done=changed");
        assert_eq!(after.status, 200);
        assert!(after.body.contains(&zh("account.password.changed")));
        assert_eq!(here.get("/").status, 200);
        // ... the other one is signed out, and the old cookie replayed anywhere is refused.
        let other = there.get("/");
        assert_eq!(other.status, 302, "{}", db.name());
        let replay = app
            .other_client()
            .get_with("/", &[("cookie", old_cookie.as_str())]);
        assert_eq!(replay.status, 302, "{}: a replayed old cookie", db.name());
        let api = app
            .other_client()
            .get_with("/api/v1/me", &[("cookie", old_cookie.as_str())]);
        assert_eq!(api.status, 401);

        assert_eq!(app.other_client().login("bureau", PASSWORD).status, 401);
        assert_eq!(app.other_client().login("bureau", NEW_PASSWORD).status, 303);
        assert_eq!(actions(&db, s.bureau.user_id.unwrap()), ["change_password"]);
    }
}

#[test]
fn a_new_password_must_meet_the_rules_and_the_refusal_stands_beside_its_field() {
    for db in backends() {
        seed_with_passwords(&db);
        let app = TestApp::spawn(&db);
        app.login_ok("county_a");
        let csrf = app.get("/account/password").csrf();
        let post = |new: &str, again: &str| {
            app.post(
                "/account/password",
                &[
                    ("_csrf", &csrf),
                    ("current_password", PASSWORD),
                    ("password", new),
                    ("password_again", again),
                ],
            )
        };
        for (new, again, field, key) in [
            (
                "1qaz2wsx",
                "1qaz2wsx",
                "password",
                "app.accounts.password_common",
            ),
            (
                "88888888",
                "88888888",
                "password",
                "app.accounts.password_repetitive",
            ),
            (
                "county_a2024",
                "county_a2024",
                "password",
                "app.accounts.password_like_name",
            ),
            (
                "短短的密码",
                "短短的密码",
                "password",
                "app.accounts.password_too_short",
            ),
            (
                NEW_PASSWORD,
                "something else",
                "password_again",
                "app.accounts.passwords_differ",
            ),
            (
                PASSWORD,
                PASSWORD,
                "password",
                "app.accounts.password_unchanged",
            ),
        ] {
            let r = post(new, again);
            assert_eq!(r.status, 400, "{}: {new}", db.name());
            let mut text = peiyu::core::error::Text::new(key);
            if key == "app.accounts.password_too_short" {
                text = text.plain("min", peiyu::core::password::MIN_CHARS);
            }
            let words = i18n::render(Lang::ZhCn, &text);
            assert!(
                r.body.contains(&format!("id=\"{field}-err\">{words}")),
                "{}: {new}: no {words:?} beside {field}",
                db.name()
            );
            assert!(!r.body.contains(new), "a password is never echoed back");
        }
        // Still the old password.
        assert_eq!(app.other_client().login("county_a", PASSWORD).status, 303);
    }
}

#[test]
fn a_reset_link_works_once_signs_in_and_ends_the_other_sessions() {
    for db in backends() {
        let s = seed_with_passwords(&db);
        let advisor = s.advisor.user_id.unwrap();
        set_email(&mut db.conn(), advisor, "Advisor@Example.com");
        let app = TestApp::spawn(&db);
        let elsewhere = app.other_client();
        elsewhere.login_ok("advisor");

        let form = app.get("/password/forgot");
        assert_eq!(form.status, 200);
        // The address is found whatever its case.
        let sent = app.post(
            "/password/forgot",
            &[("_csrf", &form.csrf()), ("who", "advisor@example.com")],
        );
        assert_eq!(sent.status, 200, "{}", sent.body);
        let link = mailed_link(&mut db.conn(), advisor);
        assert!(link.starts_with("/password/set?token="), "{link}");

        let browser = app.other_client();
        let page = browser.get(&link);
        assert_eq!(page.status, 200, "{}", page.body);
        assert!(page.body.contains(&zh("set_password.title_reset")));
        assert!(page.body.contains("value=\"advisor\""), "names the account");
        let set = set_from_link(&browser, &link, NEW_PASSWORD);
        assert_eq!(set.status, 303, "{}: {}", db.name(), set.body);
        assert_eq!(set.location.as_deref(), Some("/"));
        assert_eq!(browser.get("/").status, 200, "signed in by the link");
        assert_eq!(elsewhere.get("/").status, 302, "the other session ended");

        // Once only: the page and the form refuse it now.
        let again = browser.get(&link);
        assert_eq!(again.status, 410, "{}", db.name());
        assert!(again.body.contains(&zh("set_password.refused.used")));
        let reuse = set_from_link(&app.other_client(), &link, "another fine password");
        assert_eq!(reuse.status, 410);
        assert_eq!(app.other_client().login("advisor", PASSWORD).status, 401);
        assert_eq!(
            app.other_client().login("advisor", NEW_PASSWORD).status,
            303
        );
        assert_eq!(
            actions(&db, advisor),
            ["request_password_reset", "reset_password"]
        );
    }
}

#[test]
fn an_expired_link_and_one_replaced_by_a_newer_link_are_refused() {
    for db in backends() {
        let s = seed_with_passwords(&db);
        let advisor = s.advisor.user_id.unwrap();
        set_email(&mut db.conn(), advisor, "advisor@example.com");
        let app = TestApp::spawn(&db);
        let now = chrono::Utc::now().naive_utc();
        // Asked for two hours ago: the reset link worked for one hour.
        passwords::request_reset(&mut db.conn(), "advisor", now - chrono::Duration::hours(2))
            .unwrap();
        let expired = mailed_link(&mut db.conn(), advisor);
        let r = app.get(&expired);
        assert_eq!(r.status, 410, "{}", db.name());
        assert!(
            r.body.contains(&zh("set_password.refused.expired")),
            "{}",
            r.body
        );
        assert_eq!(set_from_link(&app, &expired, NEW_PASSWORD).status, 410);

        // A newer link voids the older one, which had not expired yet.
        passwords::request_reset(&mut db.conn(), "advisor", now).unwrap();
        let first = mailed_link(&mut db.conn(), advisor);
        passwords::request_reset(&mut db.conn(), "advisor", now).unwrap();
        let second = mailed_link(&mut db.conn(), advisor);
        assert_ne!(first, second);
        assert_eq!(app.get(&first).status, 410);
        assert_eq!(app.get(&second).status, 200);
        // A token nobody made is not found.
        assert_eq!(app.get("/password/set?token=deadbeef").status, 404);
        assert_eq!(app.other_client().login("advisor", PASSWORD).status, 303);
    }
}

#[test]
fn the_forgot_form_answers_byte_for_byte_the_same_for_a_known_and_an_unknown_account() {
    for db in backends() {
        let s = seed_with_passwords(&db);
        let bureau = s.bureau.user_id.unwrap();
        set_email(&mut db.conn(), bureau, "bureau@example.com");
        let app = TestApp::spawn(&db);
        let csrf = app.get("/password/forgot").csrf();
        let ask = |who: &str| app.post("/password/forgot", &[("_csrf", &csrf), ("who", who)]);
        let known = ask("bureau@example.com");
        let unknown = ask("nobody@example.com");
        let known_name = ask("bureau");
        let unknown_name = ask("nobody");
        // An account without an address gets nothing either, with the same answer.
        let no_address = ask("county_a");
        for r in [&unknown, &known_name, &unknown_name, &no_address] {
            assert_eq!(r.status, known.status, "{}", db.name());
            assert_eq!(r.body, known.body, "{}: the answers differ", db.name());
            assert_eq!(r.header("set-cookie"), known.header("set-cookie"));
        }
        assert_eq!(known.status, 200);
        let rows = outbox::list_all(&mut db.conn()).unwrap();
        assert_eq!(rows.len(), 2, "mails only to the known account");
        assert!(rows
            .iter()
            .all(|r| r.to_user == bureau && r.kind == "password_reset"));
        // Blank is a field error, not an answer about accounts.
        let blank = ask("  ");
        assert_eq!(blank.status, 400);
        assert!(blank.body.contains(&format!(
            "id=\"who-err\">{}",
            zh("app.accounts.who_required")
        )));
    }
}

#[test]
fn a_temporary_password_sends_its_user_to_the_change_form_first() {
    for db in backends() {
        seed_with_passwords(&db);
        let app = TestApp::spawn(&db);
        app.login_ok("admin");
        let csrf = app.get("/admin/users").csrf();
        // No email address: a temporary password, shown once.
        let r = app.post(
            "/admin/users",
            &[
                ("_csrf", &csrf),
                ("username", "temp.user"),
                ("role", "advisor"),
            ],
        );
        assert_eq!(r.status, 200, "{}", r.body);
        let start = r.body.find("<code>").unwrap() + "<code>".len();
        let temp = r.body[start..start + r.body[start..].find("</code>").unwrap()].to_string();
        let user = users::find_by_username(&mut db.conn(), "temp.user")
            .unwrap()
            .unwrap();
        assert!(user.must_change_password);

        let newcomer = app.other_client();
        assert_eq!(newcomer.login("temp.user", &temp).status, 303);
        for page in ["/", "/firms", "/agenda", "/account/mail"] {
            let r = newcomer.get(page);
            assert_eq!(r.status, 303, "{}: {page}", db.name());
            assert_eq!(r.location.as_deref(), Some("/account/password"), "{page}");
        }
        let api = newcomer.get("/api/v1/me");
        assert_eq!(api.status, 403, "{}", api.body);
        let body: serde_json::Value = serde_json::from_str(&api.body).unwrap();
        assert_eq!(body["error"]["code"], "password_change_required");
        assert_eq!(
            body["error"]["message"],
            i18n::text(Lang::ZhCn, "api.error.password_change_required")
        );
        // Static assets and the change form itself still answer.
        let css = peiyu::web::assets::path("app.css").unwrap();
        assert_eq!(newcomer.get(css).status, 200);
        let form = newcomer.get("/account/password");
        assert_eq!(form.status, 200);
        assert!(form.body.contains(&zh("account.password.forced")));
        let done = newcomer.post(
            "/account/password",
            &[
                ("_csrf", &form.csrf()),
                ("current_password", &temp),
                ("password", NEW_PASSWORD),
                ("password_again", NEW_PASSWORD),
            ],
        );
        assert_eq!(done.status, 303, "{}", done.body);
        assert_eq!(done.location.as_deref(), Some("/"));
        assert_eq!(newcomer.get("/").status, 200, "free to go on");
        assert_eq!(newcomer.get("/api/v1/me").status, 200);
        assert_eq!(
            actions(&db, user.id),
            ["add_user", "forced_password_change"]
        );

        // The per-user action does the same to an existing account.
        let r = app.post(
            &format!("/admin/users/{}", user.id),
            &[("_csrf", &csrf), ("action", "temp_password")],
        );
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(newcomer.get("/").status, 302, "the user's sessions ended");
        assert!(
            users::find_by_id(&mut db.conn(), user.id)
                .unwrap()
                .must_change_password
        );
    }
}

#[test]
fn the_bureau_invites_a_firm_user_and_county_officers_only_for_their_county() {
    for db in backends() {
        let s = seed_with_passwords(&db);
        let own = FirmBuilder::new()
            .county(COUNTY_A)
            .create(&mut db.conn(), &s.bureau);
        let other = FirmBuilder::new()
            .county(COUNTY_B)
            .create(&mut db.conn(), &s.bureau);
        let app = TestApp::spawn(&db);
        app.login_ok("county_a");
        let page = app.get("/firm-users");
        assert_eq!(page.status, 200, "{}", page.body);
        let csrf = page.csrf();
        let invite = |uscc: &str, username: &str, email: &str| {
            app.post(
                "/firm-users",
                &[
                    ("_csrf", &csrf),
                    ("firm_uscc", uscc),
                    ("username", username),
                    ("display_name", "李会计"),
                    ("email", email),
                ],
            )
        };
        // Another county's firm is as unknown as a missing one; what was typed stays.
        let r = invite(&other.uscc, "li.other", "li@example.com");
        assert_eq!(r.status, 400, "{}", db.name());
        assert!(r.body.contains("id=\"invite-firm_uscc-err\""), "{}", r.body);
        assert!(r.body.contains("value=\"li.other\""));
        assert!(r.body.contains("value=\"li@example.com\""));
        // The address is required: the link goes there.
        let r = invite(&own.uscc, "li.own", "");
        assert_eq!(r.status, 400);
        assert!(r.body.contains(&format!(
            "id=\"invite-email-err\">{}",
            zh("app.accounts.email_required")
        )));
        assert!(users::find_by_username(&mut db.conn(), "li.own")
            .unwrap()
            .is_none());

        let r = invite(&own.uscc, "li.own", "li@example.com");
        assert_eq!(r.status, 303, "{}", r.body);
        assert_eq!(r.location.as_deref(), Some("/firm-users?done=invited"));
        let invited = users::find_by_username(&mut db.conn(), "li.own")
            .unwrap()
            .unwrap();
        assert_eq!(
            (invited.role.as_str(), invited.firm_id),
            ("firm", Some(own.id))
        );
        // No password yet: signing in does not work.
        assert_eq!(
            app.other_client().login("li.own", "anything at all").status,
            401
        );
        let list = app.get("/firm-users?done=invited");
        assert!(list.body.contains(&zh("firm_users.done.invited")));
        assert!(list.body.contains(&zh("firm_users.pending")));
        let first = mailed_link(&mut db.conn(), invited.id);

        // Sending it again voids the first link.
        let r = app.post(
            &format!("/firm-users/{}/reinvite", invited.id),
            &[("_csrf", &csrf)],
        );
        assert_eq!(r.status, 303, "{}", r.body);
        let second = mailed_link(&mut db.conn(), invited.id);
        assert_ne!(first, second);
        assert_eq!(app.get(&first).status, 410);
        // The other county's officer does not find the user at all.
        let b = app.other_client();
        b.login_ok("county_b");
        let csrf_b = b.get("/firm-users").csrf();
        assert!(!b.get("/firm-users").body.contains("li.own"));
        let r = b.post(
            &format!("/firm-users/{}/reinvite", invited.id),
            &[("_csrf", &csrf_b)],
        );
        assert_eq!(r.status, 404);

        // The link sets the password and signs the new user in, on their firm's page.
        let newcomer = app.other_client();
        let page = newcomer.get(&second);
        assert_eq!(page.status, 200);
        assert!(page.body.contains(&zh("set_password.title_invite")));
        let set = set_from_link(&newcomer, &second, NEW_PASSWORD);
        assert_eq!(set.status, 303, "{}", set.body);
        let home = newcomer.get("/");
        assert_eq!(home.location, Some(format!("/firms/{}", own.id)));
        assert_eq!(newcomer.get(&format!("/firms/{}", own.id)).status, 200);
        assert_eq!(
            actions(&db, invited.id),
            ["invite_user", "reinvite_user", "set_password"]
        );
        // Taken up: no more invitations.
        let r = app.post(
            &format!("/firm-users/{}/reinvite", invited.id),
            &[("_csrf", &csrf)],
        );
        assert_eq!(r.status, 400);
        // The bureau and county officers invite firm users only, whatever the form says.
        for who in [&s.bureau, &s.county_a] {
            let r = peiyu::app::accounts::users::invite_user(
                &mut db.conn(),
                peiyu::app::accounts::users::NewUserInput {
                    username: "would.be.admin".to_string(),
                    role: "admin".to_string(),
                    email: Some("x@example.com".to_string()),
                    ..Default::default()
                },
                who,
                chrono::Utc::now().naive_utc(),
            );
            assert!(matches!(r, Err(peiyu::app::AppError::Forbidden)), "{r:?}");
        }
    }
}

#[test]
fn every_new_form_refuses_a_post_without_its_csrf_token() {
    for db in backends() {
        let s = seed_with_passwords(&db);
        let firm = FirmBuilder::new()
            .county(COUNTY_A)
            .create(&mut db.conn(), &s.bureau);
        set_email(
            &mut db.conn(),
            s.bureau.user_id.unwrap(),
            "bureau@example.com",
        );
        let app = TestApp::spawn(&db);
        app.login_ok("bureau");
        app.get("/firm-users");
        let forms: [(&str, Vec<(&str, String)>); 5] = [
            (
                "/account/password",
                vec![
                    ("current_password", PASSWORD.to_string()),
                    ("password", NEW_PASSWORD.to_string()),
                    ("password_again", NEW_PASSWORD.to_string()),
                ],
            ),
            ("/password/forgot", vec![("who", "bureau".to_string())]),
            (
                "/password/set",
                vec![
                    ("token", "0".repeat(64)),
                    ("password", NEW_PASSWORD.to_string()),
                    ("password_again", NEW_PASSWORD.to_string()),
                ],
            ),
            (
                "/firm-users",
                vec![
                    ("firm_uscc", firm.uscc.clone()),
                    ("username", "no.csrf".to_string()),
                    ("email", "x@example.com".to_string()),
                ],
            ),
            ("/firm-users/1/reinvite", vec![]),
        ];
        for (path, fields) in &forms {
            for csrf in [None, Some("0123456789abcdef0123456789abcdef")] {
                let mut form: Vec<(&str, &str)> =
                    fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
                if let Some(c) = csrf {
                    form.push(("_csrf", c));
                }
                let r = app.post(path, &form);
                assert_eq!(r.status, 403, "{}: {path} with {csrf:?}", db.name());
            }
        }
        assert!(
            outbox::list_all(&mut db.conn()).unwrap().is_empty(),
            "nothing queued"
        );
        assert!(users::find_by_username(&mut db.conn(), "no.csrf")
            .unwrap()
            .is_none());
        assert_eq!(app.other_client().login("bureau", PASSWORD).status, 303);
    }
}
