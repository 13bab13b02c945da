//! `app::mail::queue`: dedup keys, the recipient's preferences, mandatory kinds, the digest.

use crate::common::{backends, d};
use chrono::{NaiveDateTime, Utc};
use diesel::ExpressionMethods;
use peiyu::app::mail::{self, MailKind, MailRequest, Queued};
use peiyu::store::users::{self, NewUser};
use peiyu::store::{self, mail_prefs, outbox, settings, DbConn};
use serde_json::json;

/// A user of role `advisor` with this email (or none), in `lang`.
pub fn user_with_email(conn: &mut DbConn, name: &str, email: Option<&str>, lang: &str) -> i64 {
    users::insert(
        conn,
        &NewUser {
            username: name.to_string(),
            display_name: name.to_string(),
            email: email.map(str::to_string),
            role: "advisor".to_string(),
            county_code: None,
            firm_id: None,
            password_hash: "x".to_string(),
            lang: lang.to_string(),
            active: true,
            created_at: Utc::now().naive_utc(),
        },
    )
    .unwrap()
}

fn at(h: u32) -> NaiveDateTime {
    d(2026, 11, 25).and_hms_opt(h, 0, 0).unwrap()
}

fn req(kind: MailKind, to: i64, key: &str) -> MailRequest {
    MailRequest {
        kind,
        to_user: to,
        dedup_key: key.to_string(),
        template: "test",
        params: json!({"firm": "平顶山市测试科技有限公司", "n": 3}),
        link: "/firms/42".to_string(),
    }
}

#[test]
fn same_dedup_key_twice_stores_one_row() {
    for db in backends() {
        let mut conn = db.conn();
        let u = user_with_email(&mut conn, "a", Some("a@example.com"), "zh-CN");
        let r = req(MailKind::StageChanged, u, "stage:firm42:7");
        let first = store::write_tx(&mut conn, |c| mail::queue(c, &r, at(9))).unwrap();
        let Queued::Queued(id) = first else {
            panic!("{}: first queue gave {first:?}", db.name())
        };
        let second = store::write_tx(&mut conn, |c| mail::queue(c, &r, at(10))).unwrap();
        assert_eq!(second, Queued::Duplicate, "{}", db.name());
        let rows = outbox::list_all(&mut conn).unwrap();
        assert_eq!(rows.len(), 1, "{}", db.name());
        let row = &rows[0];
        assert_eq!(row.id, id);
        assert_eq!(
            (
                row.status.as_str(),
                row.kind.as_str(),
                row.to_address.as_str(),
                row.lang.as_str(),
                row.link.as_str(),
                row.attempts
            ),
            (
                "queued",
                "stage_changed",
                "a@example.com",
                "zh-CN",
                "/firms/42",
                0
            ),
            "{}",
            db.name()
        );
        assert_eq!(row.created_at, at(9));
        assert_eq!(row.next_attempt_at, at(9));
        assert_eq!(
            row.params_json().unwrap()["firm"],
            "平顶山市测试科技有限公司"
        );
        assert!(
            row.message_id.starts_with('<') && row.message_id.ends_with('>'),
            "{}",
            row.message_id
        );
    }
}

#[test]
fn a_duplicate_inside_a_transaction_does_not_spoil_it() {
    // On PostgreSQL a unique violation would abort the caller's transaction; the queue must
    // let the change that caused the mail commit.
    for db in backends() {
        let mut conn = db.conn();
        let u = user_with_email(&mut conn, "a", Some("a@example.com"), "en");
        let r = req(MailKind::Assignment, u, "assign:1");
        store::write_tx(&mut conn, |c| mail::queue(c, &r, at(9))).unwrap();
        store::write_tx(&mut conn, |c| {
            assert_eq!(mail::queue(c, &r, at(9))?, Queued::Duplicate);
            settings::set(c, "marker", &json!(1)).unwrap();
            Ok::<_, peiyu::app::AppError>(())
        })
        .unwrap();
        assert_eq!(
            settings::get(&mut conn, "marker").unwrap(),
            Some(json!(1)),
            "{}",
            db.name()
        );
    }
}

#[test]
fn message_ids_differ_between_mails() {
    for db in backends() {
        let mut conn = db.conn();
        let u = user_with_email(&mut conn, "a", Some("a@example.com"), "en");
        for i in 0..20 {
            mail::queue(&mut conn, &req(MailKind::Test, u, &format!("k{i}")), at(9)).unwrap();
        }
        let mut ids: Vec<String> = outbox::list_all(&mut conn)
            .unwrap()
            .into_iter()
            .map(|r| r.message_id)
            .collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), 20, "{}", db.name());
    }
}

#[test]
fn a_user_without_email_gets_nothing_queued() {
    for db in backends() {
        let mut conn = db.conn();
        let none = user_with_email(&mut conn, "none", None, "zh-CN");
        let blank = user_with_email(&mut conn, "blank", Some("  "), "zh-CN");
        for u in [none, blank] {
            assert_eq!(
                mail::queue(
                    &mut conn,
                    &req(MailKind::Assignment, u, &format!("x{u}")),
                    at(9)
                )
                .unwrap(),
                Queued::NoAddress,
                "{}",
                db.name()
            );
        }
        assert!(outbox::list_all(&mut conn).unwrap().is_empty());
    }
}

#[test]
fn off_stores_nothing_unless_the_kind_is_mandatory() {
    for db in backends() {
        let mut conn = db.conn();
        let u = user_with_email(&mut conn, "a", Some("a@example.com"), "zh-CN");
        mail_prefs::set(&mut conn, u, "credential_expiring", "off").unwrap();
        mail_prefs::set(&mut conn, u, "stage_changed", "off").unwrap();
        let q = |c: &mut DbConn, kind, key: &str| mail::queue(c, &req(kind, u, key), at(9));
        assert_eq!(
            q(&mut conn, MailKind::CredentialExpiring, "e1").unwrap(),
            Queued::Off
        );
        assert_eq!(
            q(&mut conn, MailKind::StageChanged, "s1").unwrap(),
            Queued::Off
        );
        assert!(matches!(
            q(&mut conn, MailKind::Assignment, "a1").unwrap(),
            Queued::Queued(_)
        ));

        settings::set(
            &mut conn,
            mail::MAIL_MANDATORY_KEY,
            &json!(["credential_expiring", "no_such_kind"]),
        )
        .unwrap();
        assert!(
            matches!(
                q(&mut conn, MailKind::CredentialExpiring, "e2").unwrap(),
                Queued::Queued(_)
            ),
            "{}: a mandatory kind is sent even when turned off",
            db.name()
        );
        assert_eq!(
            q(&mut conn, MailKind::StageChanged, "s2").unwrap(),
            Queued::Off
        );
        let keys: Vec<String> = outbox::list_all(&mut conn)
            .unwrap()
            .into_iter()
            .map(|r| r.dedup_key)
            .collect();
        assert_eq!(keys, ["a1", "e2"], "{}", db.name());
    }
}

#[test]
fn a_bad_mandatory_setting_is_an_error_not_a_silent_default() {
    for db in backends() {
        let mut conn = db.conn();
        let u = user_with_email(&mut conn, "a", Some("a@example.com"), "zh-CN");
        mail_prefs::set(&mut conn, u, "assignment", "off").unwrap();
        settings::set(&mut conn, mail::MAIL_MANDATORY_KEY, &json!("assignment")).unwrap();
        assert!(
            mail::queue(&mut conn, &req(MailKind::Assignment, u, "a"), at(9)).is_err(),
            "{}",
            db.name()
        );
    }
}

#[test]
fn a_deactivated_user_gets_nothing_queued() {
    for db in backends() {
        let mut conn = db.conn();
        let u = user_with_email(&mut conn, "a", Some("a@example.com"), "zh-CN");
        diesel::RunQueryDsl::execute(
            diesel::update(peiyu::store::schema::users::table)
                .set(peiyu::store::schema::users::active.eq(false)),
            &mut conn,
        )
        .unwrap();
        assert_eq!(
            mail::queue(&mut conn, &req(MailKind::Assignment, u, "a"), at(9)).unwrap(),
            Queued::Off,
            "{}",
            db.name()
        );
    }
}

#[test]
fn digest_mode_stores_for_the_digest_and_take_digest_takes_each_once() {
    for db in backends() {
        let mut conn = db.conn();
        let u = user_with_email(&mut conn, "a", Some("a@example.com"), "zh-CN");
        let other = user_with_email(&mut conn, "b", Some("b@example.com"), "en");
        mail_prefs::set(&mut conn, u, "followup_due", "digest").unwrap();
        mail_prefs::set(&mut conn, other, "followup_due", "digest").unwrap();
        // The digest mail itself is never collected into a digest.
        mail_prefs::set(&mut conn, u, "digest", "digest").unwrap();
        let d1 = mail::queue(&mut conn, &req(MailKind::FollowupDue, u, "f1"), at(8)).unwrap();
        let d2 = mail::queue(&mut conn, &req(MailKind::FollowupDue, u, "f2"), at(9)).unwrap();
        mail::queue(&mut conn, &req(MailKind::FollowupDue, other, "f3"), at(9)).unwrap();
        let (Queued::Digest(id1), Queued::Digest(id2)) = (d1, d2) else {
            panic!("{}: {d1:?} {d2:?}", db.name())
        };
        assert_eq!(
            mail::queue(&mut conn, &req(MailKind::FollowupDue, u, "f1"), at(9)).unwrap(),
            Queued::Duplicate
        );
        assert!(matches!(
            mail::queue(&mut conn, &req(MailKind::Digest, u, "digest:a"), at(9)).unwrap(),
            Queued::Queued(_)
        ));

        let taken = store::write_tx(&mut conn, |c| outbox::take_digest(c, u, at(12))).unwrap();
        assert_eq!(
            taken.iter().map(|r| r.id).collect::<Vec<_>>(),
            [id1, id2],
            "{}",
            db.name()
        );
        assert!(taken.iter().all(|r| r.status == "digested"));
        assert!(outbox::take_digest(&mut conn, u, at(13))
            .unwrap()
            .is_empty());
        for id in [id1, id2] {
            assert_eq!(
                outbox::find_by_id(&mut conn, id).unwrap().status,
                "digested"
            );
        }
        assert_eq!(
            outbox::take_digest(&mut conn, other, at(13)).unwrap().len(),
            1,
            "{}: another user's digest is untouched",
            db.name()
        );
    }
}

#[test]
fn a_rolled_back_change_leaves_no_mail() {
    for db in backends() {
        let mut conn = db.conn();
        let u = user_with_email(&mut conn, "a", Some("a@example.com"), "zh-CN");
        let r: Result<(), peiyu::app::AppError> = store::write_tx(&mut conn, |c| {
            mail::queue(c, &req(MailKind::Assignment, u, "a"), at(9))?;
            Err(peiyu::app::AppError::Forbidden)
        });
        assert!(r.is_err());
        assert!(
            outbox::list_all(&mut conn).unwrap().is_empty(),
            "{}",
            db.name()
        );
    }
}
