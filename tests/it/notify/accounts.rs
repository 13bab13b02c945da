//! Account mails through a real SMTP server: the invitation and the password reset arrive in
//! the recipient's language with a link on the configured base URL, and the link works.

use super::smtp::{Delivered, SmtpServer};
use crate::common::{backends, FirmBuilder};
use crate::web::{seed_with_passwords, TestApp};
use diesel::prelude::*;
use peiyu::app::accounts::passwords;
use peiyu::app::accounts::users::{self, Invited, NewUserInput};
use peiyu::notify::mailer::Mailer;
use peiyu::notify::worker::{self, BASE_URL_KEY};
use peiyu::store::schema::users as users_t;
use peiyu::store::settings;
use serde_json::json;

/// The link in a mail's text that starts with `base`.
fn link_in(mail: &Delivered, base: &str) -> String {
    let text = mail.text.as_deref().expect("a text part");
    let start = text
        .find(&format!("{base}/password/set?token="))
        .unwrap_or_else(|| panic!("no link on {base} in:\n{text}"));
    text[start..].split_whitespace().next().unwrap().to_string()
}

/// Open `url` (on `app`) and set `password` with its form; the form's answer.
fn use_link(app: &TestApp, url: &str, password: &str) -> crate::web::Resp {
    let path = url.strip_prefix(&app.base).expect("a link to this app");
    let client = app.other_client();
    let page = client.get(path);
    assert_eq!(page.status, 200, "{path}: {}", page.body);
    let token = path.split("token=").nth(1).unwrap();
    client.post(
        "/password/set",
        &[
            ("_csrf", &page.csrf()),
            ("token", token),
            ("password", password),
            ("password_again", password),
        ],
    )
}

#[test]
fn the_invitation_and_reset_mails_arrive_with_a_link_that_works() {
    let server = SmtpServer::start();
    let mailer = Mailer::smtp(&server.url()).unwrap();
    for db in backends() {
        let s = seed_with_passwords(&db);
        let firm = FirmBuilder::new().create(&mut db.conn(), &s.bureau);
        let app = TestApp::spawn(&db);
        // Links are built on the configured public base URL.
        settings::set(
            &mut db.conn(),
            BASE_URL_KEY,
            &json!(format!("{}/", app.base)),
        )
        .unwrap();
        let now = chrono::Utc::now().naive_utc();
        let wang = format!("wang.{}@example.com", db.name());
        let invited = users::invite_user(
            &mut db.conn(),
            NewUserInput {
                username: format!("wang.{}", db.name()),
                role: "firm".to_string(),
                firm_uscc: Some(firm.uscc.clone()),
                display_name: Some("王联络".to_string()),
                email: Some(wang.clone()),
                ..NewUserInput::default()
            },
            &s.bureau,
            now,
        )
        .unwrap();
        assert!(matches!(invited, Invited::Mailed(_)));
        // The advisor reads English and forgot their password.
        let smith = format!("smith.{}@example.com", db.name());
        diesel::update(users_t::table.find(s.advisor.user_id.unwrap()))
            .set((users_t::email.eq(Some(&smith)), users_t::lang.eq("en")))
            .execute(&mut db.conn())
            .unwrap();
        passwords::request_reset(&mut db.conn(), &smith, now).unwrap();

        let stats = worker::run_once(&mut db.conn(), &mailer, "accounts", now).unwrap();
        assert_eq!(
            (stats.claimed, stats.sent),
            (2, 2),
            "{}: {stats:?}",
            db.name()
        );
        // Once out, the outbox keeps no token either.
        for row in peiyu::store::outbox::list_all(&mut db.conn()).unwrap() {
            assert_eq!(
                (row.status.as_str(), row.link.as_str()),
                ("sent", ""),
                "{}",
                row.kind
            );
        }
        let mails = server.messages();
        let to = |addr: &str| {
            mails
                .iter()
                .find(|m| m.to.contains(addr))
                .unwrap_or_else(|| panic!("{}: no mail to {addr}", db.name()))
        };

        let invitation = to(&wang);
        assert!(
            invitation.subject.contains("培育平台账号邀请"),
            "{}",
            invitation.subject
        );
        assert!(invitation.subject.contains(&firm.name));
        let text = invitation.text.as_deref().unwrap();
        for bit in [
            "王联络，您好",
            &format!("登录用户名：wang.{}", db.name()),
            "72 小时内有效",
            "这是培育平台的账号邮件，不能退订",
        ] {
            assert!(
                text.contains(bit),
                "{}: the invitation lacks {bit:?}:\n{text}",
                db.name()
            );
        }
        assert!(
            !text.contains("/account/mail"),
            "no mail settings on an account mail"
        );
        let link = link_in(invitation, &app.base);
        let html = invitation.html.as_deref().unwrap();
        // Handlebars escapes `=` in the HTML part; a browser reads the same link.
        let escaped = link.replace('=', "&#x3D;");
        assert!(
            html.contains(&format!("<a href=\"{escaped}\">设置登录密码</a>")),
            "{html}"
        );
        let set = use_link(&app, &link, "一条新的长密码 wang");
        assert_eq!(set.status, 303, "{}: {}", db.name(), set.body);
        assert_eq!(
            app.other_client()
                .login(&format!("wang.{}", db.name()), "一条新的长密码 wang")
                .status,
            303
        );

        let reset = to(&smith);
        assert_eq!(reset.subject, "Peiyu: reset your password");
        let text = reset.text.as_deref().unwrap();
        assert!(text.contains("the Peiyu account \"advisor\""), "{text}");
        assert!(
            text.contains("it works for 1 hour, and only once"),
            "{text}"
        );
        let link = link_in(reset, &app.base);
        assert_eq!(use_link(&app, &link, "a brand new passphrase").status, 303);
        assert_eq!(
            app.other_client()
                .login("advisor", "a brand new passphrase")
                .status,
            303
        );
    }
}
