//! Delivery through a real SMTP server on loopback: what arrives, outages, the file transport.

use super::queue::user_with_email;
use super::smtp::SmtpServer;
use crate::common::{backends, d};
use chrono::{Duration, NaiveDateTime};
use peiyu::app::mail::{self, MailKind, MailRequest, Queued};
use peiyu::notify::mailer::Mailer;
use peiyu::notify::worker::{self, WorkerOptions};
use peiyu::store::{self, outbox, settings, DbConn};
use serde_json::json;
use std::collections::BTreeSet;

pub fn t0() -> NaiveDateTime {
    d(2026, 11, 25).and_hms_opt(9, 0, 0).unwrap()
}

pub fn test_mail(to: i64, key: &str, firm: &str) -> MailRequest {
    MailRequest {
        kind: MailKind::StageChanged,
        to_user: to,
        dedup_key: key.to_string(),
        template: "test",
        params: json!({"firm": firm, "n": 3}),
        link: "/firms/42".to_string(),
    }
}

/// Queue `n` test mails to `to` in one transaction; returns their ids.
pub fn queue_many(conn: &mut DbConn, to: i64, n: usize, prefix: &str) -> Vec<i64> {
    store::write_tx(conn, |c| {
        (0..n)
            .map(|i| {
                match mail::queue(c, &test_mail(to, &format!("{prefix}{i}"), "测试企业"), t0())?
                {
                    Queued::Queued(id) => Ok(id),
                    other => panic!("queued {other:?}"),
                }
            })
            .collect::<Result<Vec<i64>, peiyu::app::AppError>>()
    })
    .unwrap()
}

#[test]
fn a_mail_arrives_with_its_headers_encoded_chinese_subject_both_bodies_and_the_link() {
    let server = SmtpServer::start();
    let mailer = Mailer::smtp(&server.url()).unwrap();
    for db in backends() {
        let mut conn = db.conn();
        settings::set(
            &mut conn,
            peiyu::notify::worker::BASE_URL_KEY,
            &json!("https://peiyu.example.cn/"),
        )
        .unwrap();
        let zh = user_with_email(&mut conn, "zh", Some("zhang@example.com"), "zh-CN");
        let en = user_with_email(&mut conn, "en", Some("smith@example.com"), "en");
        let firm = "平顶山市<测试>科技有限公司 & Co";
        let key_zh = format!("{}-zh", db.name());
        let key_en = format!("{}-en", db.name());
        mail::queue(&mut conn, &test_mail(zh, &key_zh, firm), t0()).unwrap();
        mail::queue(&mut conn, &test_mail(en, &key_en, firm), t0()).unwrap();

        let stats = worker::run_once(&mut conn, &mailer, "w1", t0()).unwrap();
        assert_eq!(
            (stats.claimed, stats.sent),
            (2, 2),
            "{}: {stats:?} {:?}",
            db.name(),
            outbox::list_all(&mut conn)
                .unwrap()
                .into_iter()
                .map(|r| r.last_error)
                .collect::<Vec<_>>()
        );

        let rows = outbox::list_all(&mut conn).unwrap();
        let delivered = server.messages();
        for (row, subject, text_bits, html_bits) in [
            (
                rows.iter().find(|r| r.dedup_key == key_zh).unwrap(),
                format!("培育平台测试邮件：{firm}"),
                vec![
                    "这是培育平台的一封测试邮件。".to_string(),
                    format!("企业：{firm}"),
                    "查看详情：https://peiyu.example.cn/firms/42".to_string(),
                    "“企业阶段变化”".to_string(),
                    "https://peiyu.example.cn/account/mail".to_string(),
                ],
                vec![
                    "<strong>平顶山市&lt;测试&gt;科技有限公司 &amp; Co</strong>",
                    "<a href=\"https://peiyu.example.cn/firms/42\">查看详情</a>",
                    "<a href=\"https://peiyu.example.cn/account/mail\">更改邮件设置</a>",
                ],
            ),
            (
                rows.iter().find(|r| r.dedup_key == key_en).unwrap(),
                format!("Peiyu test mail: {firm}"),
                vec![
                    "This is a test mail from Peiyu.".to_string(),
                    "Details: https://peiyu.example.cn/firms/42".to_string(),
                    "\"Stage changes\"".to_string(),
                ],
                vec!["<a href=\"https://peiyu.example.cn/firms/42\">View details</a>"],
            ),
        ] {
            assert_eq!(row.status, "sent", "{}", db.name());
            assert!(row.sent_at.is_some());
            let got: Vec<_> = delivered
                .iter()
                .filter(|m| m.message_id == row.message_id)
                .collect();
            assert_eq!(
                got.len(),
                1,
                "{}: {} arrived {} times",
                db.name(),
                row.message_id,
                got.len()
            );
            let m = got[0];
            assert_eq!(m.from, "Peiyu <noreply@peiyu.localhost>");
            assert_eq!(m.to, row.to_address);
            assert_eq!(m.subject, subject, "{}", db.name());
            assert!(!m.date.is_empty());
            if subject.is_ascii() {
                assert_eq!(m.raw_subject, subject);
            } else {
                assert!(
                    m.raw_subject.is_ascii() && m.raw_subject.to_lowercase().contains("=?utf-8?"),
                    "the Chinese subject is not RFC 2047 encoded on the wire: {}",
                    m.raw_subject
                );
            }
            assert_eq!(m.content_type, "multipart/alternative");
            let text = m.text.as_deref().unwrap();
            let html = m.html.as_deref().unwrap();
            for bit in &text_bits {
                assert!(
                    text.contains(bit.as_str()),
                    "{}: text lacks {bit:?}:\n{text}",
                    db.name()
                );
            }
            for bit in &html_bits {
                assert!(
                    html.contains(bit),
                    "{}: html lacks {bit:?}:\n{html}",
                    db.name()
                );
            }
            assert!(
                !html.contains("<测试>"),
                "HTML body must escape the parameters"
            );
        }
    }
}

#[test]
fn mail_waits_through_an_outage_and_then_arrives_exactly_once() {
    let mut server = SmtpServer::start();
    let mailer = Mailer::smtp(&server.url()).unwrap();
    for db in backends() {
        let mut conn = db.conn();
        let u = user_with_email(&mut conn, "u", Some("u@example.com"), "zh-CN");
        let prefix = format!("{}-", db.name());
        server.stop();

        // The change that causes the mails succeeds while the server is down.
        let ids = store::write_tx(&mut conn, |c| {
            settings::set(c, "the_change", &json!(true)).unwrap();
            let mut ids = Vec::new();
            for i in 0..25 {
                if let Queued::Queued(id) =
                    mail::queue(c, &test_mail(u, &format!("{prefix}{i}"), "企业"), t0())?
                {
                    ids.push(id);
                }
            }
            Ok::<_, peiyu::app::AppError>(ids)
        })
        .unwrap();
        assert_eq!(ids.len(), 25);
        assert_eq!(
            settings::get(&mut conn, "the_change").unwrap(),
            Some(json!(true))
        );

        let down = worker::run_once(&mut conn, &mailer, "w1", t0()).unwrap();
        assert!(down.unreachable, "{}: {down:?}", db.name());
        assert_eq!(down.sent, 0);
        let rows = outbox::list_all(&mut conn).unwrap();
        assert!(
            rows.iter().all(|r| r.status == "queued"),
            "{}: every mail waits in the outbox: {:?}",
            db.name(),
            rows.iter().map(|r| &r.status).collect::<Vec<_>>()
        );
        let tried = rows.iter().find(|r| r.attempts == 1).unwrap();
        assert!(tried.last_error.is_some());
        assert!(tried.next_attempt_at >= t0() + Duration::minutes(1));
        // A second pass during the outage, later on, still loses nothing.
        worker::run_once(&mut conn, &mailer, "w1", t0() + Duration::minutes(5)).unwrap();

        server.restart();
        let later = t0() + Duration::hours(1);
        let up = worker::run_once(&mut conn, &mailer, "w1", later).unwrap();
        assert_eq!(up.sent, 25, "{}: {up:?}", db.name());
        assert_eq!(
            worker::run_once(&mut conn, &mailer, "w1", later + Duration::hours(1))
                .unwrap()
                .claimed,
            0
        );
        let rows = outbox::list_all(&mut conn).unwrap();
        assert!(rows.iter().all(|r| r.status == "sent"));
        let counts = server.message_id_counts();
        for r in &rows {
            assert_eq!(
                counts.get(&r.message_id),
                Some(&1),
                "{}: {} must arrive exactly once",
                db.name(),
                r.message_id
            );
        }
    }
}

#[test]
fn a_refusing_server_is_retried_with_backoff_then_the_mail_fails_with_the_error() {
    // Every message answered 451.
    let server = SmtpServer::flaky(1.0, 7);
    let mailer = Mailer::smtp(&server.url()).unwrap();
    for db in backends() {
        let mut conn = db.conn();
        settings::set(&mut conn, worker::MAX_ATTEMPTS_KEY, &json!(3)).unwrap();
        let u = user_with_email(&mut conn, "u", Some("u@example.com"), "en");
        let [id] = queue_many(&mut conn, u, 1, db.name())[..] else {
            unreachable!()
        };
        let mut at = t0();
        let mut waits = Vec::new();
        for attempt in 1..=3 {
            let s = worker::run_once(&mut conn, &mailer, "w", at).unwrap();
            assert_eq!(s.claimed, 1, "{}: attempt {attempt}", db.name());
            let row = outbox::find_by_id(&mut conn, id).unwrap();
            assert_eq!(row.attempts, attempt);
            assert!(
                row.last_error.as_deref().unwrap().contains("451"),
                "{:?}",
                row.last_error
            );
            if attempt < 3 {
                assert_eq!(row.status, "queued");
                // Not due before its backoff.
                assert_eq!(
                    worker::run_once(&mut conn, &mailer, "w", at)
                        .unwrap()
                        .claimed,
                    0
                );
                waits.push((row.next_attempt_at - at).num_seconds());
                at = row.next_attempt_at;
            } else {
                assert_eq!(row.status, "failed", "{}", db.name());
            }
        }
        assert!(waits[0] >= 60 && waits[1] >= 2 * waits[0] - 1, "{waits:?}");
        assert_eq!(
            worker::run_once(&mut conn, &mailer, "w", at + Duration::days(30))
                .unwrap()
                .claimed,
            0,
            "a failed mail is not tried again by itself"
        );
        assert!(outbox::retry_failed(&mut conn, id, at).unwrap());
        let row = outbox::find_by_id(&mut conn, id).unwrap();
        assert_eq!((row.status.as_str(), row.attempts), ("queued", 0));
    }
    assert!(server.message_id_counts().is_empty());
}

#[test]
fn the_file_transport_writes_eml_files_when_no_server_is_configured() {
    let dir = tempfile::tempdir().unwrap();
    let mail_dir = dir.path().join("mail");
    let mailer = Mailer::dir(&mail_dir).unwrap();
    for db in backends() {
        let mut conn = db.conn();
        let u = user_with_email(&mut conn, "u", Some("u@example.com"), "zh-CN");
        queue_many(&mut conn, u, 3, db.name());
        let s = worker::run_once(&mut conn, &mailer, "w", t0()).unwrap();
        assert_eq!(s.sent, 3, "{}", db.name());
    }
    let files: Vec<_> = std::fs::read_dir(&mail_dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(files.len(), 6);
    let all: String = files
        .iter()
        .map(|p| std::fs::read_to_string(p).unwrap())
        .collect();
    assert!(all.contains("Message-ID: <"));
    assert!(all.contains("multipart/alternative"));
}

#[test]
fn a_bad_address_or_template_fails_at_once_and_other_mail_still_goes() {
    let server = SmtpServer::start();
    let mailer = Mailer::smtp(&server.url()).unwrap();
    for db in backends() {
        let mut conn = db.conn();
        let bad = user_with_email(&mut conn, "bad", Some("not an address"), "zh-CN");
        let good = user_with_email(&mut conn, "good", Some("good@example.com"), "zh-CN");
        let k = |s: &str| format!("{}{s}", db.name());
        mail::queue(&mut conn, &test_mail(bad, &k("bad"), "x"), t0()).unwrap();
        let mut missing = test_mail(good, &k("missing"), "x");
        missing.template = "no_such_template";
        mail::queue(&mut conn, &missing, t0()).unwrap();
        mail::queue(&mut conn, &test_mail(good, &k("good"), "x"), t0()).unwrap();
        let s = worker::run_pass(
            &mut conn,
            &mailer,
            "w",
            t0(),
            &WorkerOptions::default(),
            None,
        )
        .unwrap();
        assert_eq!((s.sent, s.failed), (1, 2), "{}: {s:?}", db.name());
        let mut by_key = |key: String| outbox::find_by_dedup_key(&mut conn, &key).unwrap().unwrap();
        let bad_row = by_key(k("bad"));
        assert_eq!(bad_row.status, "failed");
        assert!(bad_row.last_error.unwrap().contains("not an address"));
        assert!(by_key(k("missing"))
            .last_error
            .unwrap()
            .contains("no_such_template"));
        assert_eq!(by_key(k("good")).status, "sent");
    }
}

#[test]
fn every_email_template_has_all_parts_in_both_languages() {
    peiyu::notify::render::check_templates().unwrap();
    let names: BTreeSet<_> = peiyu::notify::render::template_names()
        .into_iter()
        .collect();
    assert!(names.contains("test"), "{names:?}");
}
