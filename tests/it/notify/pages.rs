//! The mail pages: `/account/mail` (each user's choice per kind) and `/admin/mail` (the
//! outbox, retry, test mail).

use super::delivery::{queue_many, t0, test_mail};
use crate::common::backends;
use crate::web::{seed_with_passwords, TestApp};
use diesel::prelude::*;
use peiyu::app::mail::{self, MailKind, Queued};
use peiyu::store::outbox::{self, AfterFailure};
use peiyu::store::schema::{audit_log, users};
use peiyu::store::{mail_prefs, settings, DbConn};
use serde_json::json;

fn set_email(conn: &mut DbConn, id: i64, email: &str) {
    diesel::update(users::table.find(id))
        .set(users::email.eq(Some(email)))
        .execute(conn)
        .unwrap();
}

#[test]
fn a_user_chooses_a_mode_per_kind_and_a_mandatory_kind_stays_locked() {
    for db in backends() {
        let s = seed_with_passwords(&db);
        let adv = s.advisor.user_id.unwrap();
        let mut conn = db.conn();
        set_email(&mut conn, adv, "advisor@example.com");
        settings::set(
            &mut conn,
            mail::MAIL_MANDATORY_KEY,
            &json!(["credential_expiring"]),
        )
        .unwrap();
        let app = TestApp::spawn(&db);
        app.login_ok("advisor");
        let page = app.get("/account/mail");
        assert_eq!(page.status, 200, "{}", page.body);
        assert!(page.body.contains("advisor@example.com"));
        assert!(page.body.contains("资质即将到期"));
        assert!(
            page.body.contains(
                r#"name="mode_credential_expiring" value="off" aria-label="资质即将到期: 不接收" disabled"#
            ),
            "{}: a mandatory kind is shown locked\n{}",
            db.name(),
            page.body
        );
        assert!(page.body.contains("必收"));
        assert!(page.body.contains(
            r#"name="mode_stage_changed" value="immediate" aria-label="企业阶段变化: 即时发送" checked"#
        ));

        let csrf = page.csrf();
        let saved = app.post(
            "/account/mail",
            &[
                ("_csrf", csrf.as_str()),
                ("mode_stage_changed", "off"),
                ("mode_followup_due", "digest"),
            ],
        );
        assert_eq!(saved.status, 303, "{}", saved.body);
        assert_eq!(saved.location.as_deref(), Some("/account/mail?saved=1"));
        let again = app.get("/account/mail?saved=1");
        assert!(again.body.contains("已保存邮件设置"));
        assert!(again.body.contains(
            r#"name="mode_stage_changed" value="off" aria-label="企业阶段变化: 不接收" checked"#
        ));
        assert_eq!(
            mail::queue(&mut conn, &test_mail(adv, "s1", "x"), t0()).unwrap(),
            Queued::Off,
            "{}: the saved choice applies to the next mail",
            db.name()
        );
        let mut due = test_mail(adv, "f1", "x");
        due.kind = MailKind::FollowupDue;
        assert!(matches!(
            mail::queue(&mut conn, &due, t0()).unwrap(),
            Queued::Digest(_)
        ));

        // Turning a mandatory kind off is refused, in Chinese, and nothing is saved.
        let refused = app.post(
            "/account/mail",
            &[
                ("_csrf", csrf.as_str()),
                ("mode_stage_changed", "immediate"),
                ("mode_credential_expiring", "off"),
            ],
        );
        assert_eq!(refused.status, 400, "{}", refused.body);
        assert!(refused.body.contains("不能关闭"), "{}", refused.body);
        assert_eq!(
            mail_prefs::get(&mut conn, adv, "stage_changed")
                .unwrap()
                .as_deref(),
            Some("off")
        );
        let bad_mode = app.post(
            "/account/mail",
            &[("_csrf", csrf.as_str()), ("mode_stage_changed", "weekly")],
        );
        assert_eq!(bad_mode.status, 400);
        // Without the CSRF token nothing happens.
        let forged = app.post("/account/mail", &[("mode_stage_changed", "immediate")]);
        assert_eq!(forged.status, 403);
        assert_eq!(
            mail_prefs::get(&mut conn, adv, "stage_changed")
                .unwrap()
                .as_deref(),
            Some("off"),
            "{}",
            db.name()
        );
    }
}

#[test]
fn an_admin_lists_filters_and_retries_failed_mail_and_queues_a_test_mail() {
    for db in backends() {
        let s = seed_with_passwords(&db);
        let admin = s.admin.user_id.unwrap();
        let adv = s.advisor.user_id.unwrap();
        let mut conn = db.conn();
        set_email(&mut conn, admin, "admin@example.com");
        set_email(&mut conn, adv, "advisor@example.com");
        let ids = queue_many(&mut conn, adv, 3, "p");
        // One of them fails for good.
        let claimed = outbox::claim_due(&mut conn, "w", t0(), t0(), 1).unwrap();
        outbox::mark_failure(
            &mut conn,
            claimed[0].id,
            "w",
            "550 5.1.1 <advisor@example.com>: mailbox unavailable",
            &AfterFailure::GiveUp,
        )
        .unwrap();
        let failed_id = claimed[0].id;
        assert!(ids.contains(&failed_id));

        let app = TestApp::spawn(&db);
        app.login_ok("bureau");
        assert_eq!(app.get("/admin/mail").status, 403);

        let app = TestApp::spawn(&db);
        app.login_ok("admin");
        let all = app.get("/admin/mail");
        assert_eq!(all.status, 200, "{}", all.body);
        assert!(all.body.contains("advisor@example.com"));
        assert!(all.body.contains("待发送</a>: 2"), "{}", all.body);
        assert!(all.body.contains("发送失败</a>: 1"));
        let failed = app.get("/admin/mail?status=failed");
        assert!(failed.body.contains("mailbox unavailable"));
        assert!(failed
            .body
            .contains(&format!(r#"action="/admin/mail/{failed_id}/retry""#)));
        let queued = app.get("/admin/mail?status=queued");
        assert!(!queued.body.contains("mailbox unavailable"));
        assert!(!queued.body.contains("/retry"));
        let nobody = app.get("/admin/mail?q=nobody");
        assert!(nobody.body.contains("没有符合条件的邮件"));

        let csrf = failed.csrf();
        let r = app.post(
            &format!("/admin/mail/{failed_id}/retry"),
            &[("_csrf", csrf.as_str())],
        );
        assert_eq!(r.status, 303, "{}", r.body);
        let row = outbox::find_by_id(&mut conn, failed_id).unwrap();
        assert_eq!((row.status.as_str(), row.attempts), ("queued", 0));
        let audited: i64 = audit_log::table
            .filter(audit_log::action.eq("retry_mail"))
            .filter(audit_log::entity_id.eq(failed_id))
            .count()
            .get_result(&mut conn)
            .unwrap();
        assert_eq!(audited, 1);
        // A mail that is not failed cannot be retried.
        let again = app.post(
            &format!("/admin/mail/{failed_id}/retry"),
            &[("_csrf", csrf.as_str())],
        );
        assert_eq!(again.status, 404);

        let t = app.post("/admin/mail/test", &[("_csrf", csrf.as_str())]);
        assert_eq!(t.status, 303, "{}", t.body);
        let test_rows: Vec<_> = outbox::list_all(&mut conn)
            .unwrap()
            .into_iter()
            .filter(|r| r.kind == "test")
            .collect();
        assert_eq!(test_rows.len(), 1, "{}", db.name());
        assert_eq!(test_rows[0].to_address, "admin@example.com");
        assert!(app
            .get("/admin/mail?queued=1")
            .body
            .contains("测试邮件已加入队列"));
    }
}

#[test]
fn the_bureau_marks_a_kind_mandatory_and_nobody_can_turn_it_off_then() {
    for db in backends() {
        let s = seed_with_passwords(&db);
        let adv = s.advisor.user_id.unwrap();
        let app = TestApp::spawn(&db);

        // An advisor has no say over what is mandatory: no form, and a post is refused.
        app.login_ok("advisor");
        let page = app.get("/account/mail");
        assert!(
            !page.body.contains("/account/mail/mandatory"),
            "{}",
            db.name()
        );
        let refused = app.post(
            "/account/mail/mandatory",
            &[
                ("_csrf", page.csrf().as_str()),
                ("mandatory", "stage_changed"),
            ],
        );
        assert_eq!(refused.status, 403, "{}", db.name());
        assert_eq!(
            settings::get(&mut db.conn(), mail::MAIL_MANDATORY_KEY).unwrap(),
            None
        );

        // The bureau ticks one kind; an unknown kind is bad input and saves nothing.
        let bureau = TestApp::spawn(&db);
        bureau.login_ok("bureau");
        let page = bureau.get("/account/mail");
        assert!(
            page.body.contains("必收邮件（科技局设定）"),
            "{}",
            page.body
        );
        let csrf = page.csrf();
        let bad = bureau.post(
            "/account/mail/mandatory",
            &[
                ("_csrf", csrf.as_str()),
                ("mandatory", "stage_changed"),
                ("mandatory", "spam"),
            ],
        );
        assert_eq!(bad.status, 400, "{}", bad.body);
        assert!(bad.body.contains("未知的邮件类别"), "{}", bad.body);
        assert_eq!(
            settings::get(&mut db.conn(), mail::MAIL_MANDATORY_KEY).unwrap(),
            None
        );
        let ok = bureau.post(
            "/account/mail/mandatory",
            &[("_csrf", csrf.as_str()), ("mandatory", "stage_changed")],
        );
        assert_eq!(ok.status, 303, "{}", ok.body);
        assert_eq!(
            settings::get(&mut db.conn(), mail::MAIL_MANDATORY_KEY).unwrap(),
            Some(json!(["stage_changed"]))
        );
        let audited: i64 = audit_log::table
            .filter(audit_log::action.eq("set_mandatory_mail"))
            .count()
            .get_result(&mut db.conn())
            .unwrap();
        assert_eq!(audited, 1);

        // Now the advisor cannot turn stage-change mail off.
        let page = app.get("/account/mail");
        let off = app.post(
            "/account/mail",
            &[
                ("_csrf", page.csrf().as_str()),
                ("mode_stage_changed", "off"),
            ],
        );
        assert_eq!(off.status, 400, "{}", off.body);
        assert_eq!(
            mail::chosen_mode(&mut db.conn(), adv, MailKind::StageChanged).unwrap(),
            mail::MailMode::Immediate
        );
    }
}
