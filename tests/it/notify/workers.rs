//! Several workers on one outbox, and workers killed at random points.

use super::delivery::{queue_many, t0};
use super::queue::user_with_email;
use super::smtp::SmtpServer;
use crate::common::TestDb;
use chrono::{Duration, NaiveDateTime};
use peiyu::notify::mailer::Mailer;
use peiyu::notify::worker::{self, WorkerOptions};
use peiyu::store::{outbox, settings};
use rand::{Rng, SeedableRng};
use serde_json::json;
use std::collections::BTreeMap;
use std::process::{Command, Stdio};
use std::sync::{Arc, Barrier};

const MAILS: usize = 1000;

/// Every row sent, and each Message-ID in the mailbox exactly once.
fn assert_each_delivered_once(db: &TestDb, server: &SmtpServer) {
    let rows = outbox::list_all(&mut db.conn()).unwrap();
    assert_eq!(rows.len(), MAILS);
    let not_sent: Vec<_> = rows.iter().filter(|r| r.status != "sent").collect();
    assert!(not_sent.is_empty(), "{}: not sent: {not_sent:?}", db.name());
    let counts = server.message_id_counts();
    let twice: Vec<_> = counts.iter().filter(|(_, n)| **n > 1).collect();
    assert!(
        twice.is_empty(),
        "{}: delivered more than once: {twice:?}",
        db.name()
    );
    assert_eq!(counts.len(), MAILS, "{}", db.name());
    for r in &rows {
        assert_eq!(counts.get(&r.message_id), Some(&1), "{}", db.name());
    }
}

#[test]
fn two_worker_threads_on_postgresql_deliver_1000_mails_each_once() {
    let server = SmtpServer::start();
    let db = TestDb::postgres();
    let u = user_with_email(&mut db.conn(), "u", Some("u@example.com"), "zh-CN");
    queue_many(&mut db.conn(), u, MAILS, "m");
    let start = Arc::new(Barrier::new(2));
    let handles: Vec<_> = ["w1", "w2"]
        .into_iter()
        .map(|w| {
            let pool = db.pool_of(1);
            let url = server.url();
            let start = Arc::clone(&start);
            std::thread::spawn(move || {
                let mut conn = pool.get().unwrap();
                let mailer = Mailer::smtp(&url).unwrap();
                let opts = WorkerOptions {
                    batch: 20,
                    ..WorkerOptions::default()
                };
                start.wait();
                worker::run_pass(&mut conn, &mailer, w, t0(), &opts, None).unwrap()
            })
        })
        .collect();
    let stats: Vec<_> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    assert_eq!(
        stats.iter().map(|s| s.sent).sum::<usize>(),
        MAILS,
        "{stats:?}"
    );
    assert!(
        stats.iter().all(|s| s.sent > 0),
        "both workers should have taken part: {stats:?}"
    );
    assert_each_delivered_once(&db, &server);
}

/// Parse "peiyu notify: N sent, …".
fn sent_of(summary: &str) -> usize {
    summary
        .trim()
        .strip_prefix("peiyu notify: ")
        .and_then(|s| s.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("unexpected summary: {summary}"))
}

fn notify_command(db_url: &str, smtp_url: &str, now: NaiveDateTime) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_peiyu"));
    cmd.args(["--database-url", db_url, "notify", "--batch", "20", "--now"])
        .arg(now.format("%Y-%m-%dT%H:%M:%S").to_string())
        .env("PEIYU_SMTP_URL", smtp_url)
        .env_remove("PEIYU_MAIL_DIR")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    cmd
}

#[test]
fn two_peiyu_notify_processes_on_sqlite_deliver_1000_mails_each_once() {
    let server = SmtpServer::start();
    let db = TestDb::sqlite();
    let u = user_with_email(&mut db.conn(), "u", Some("u@example.com"), "zh-CN");
    queue_many(&mut db.conn(), u, MAILS, "m");
    let children: Vec<_> = (0..2)
        .map(|_| {
            notify_command(&db.url, &server.url(), t0())
                .spawn()
                .unwrap()
        })
        .collect();
    let mut sent = Vec::new();
    for c in children {
        let out = c.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "peiyu notify failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        sent.push(sent_of(&String::from_utf8_lossy(&out.stdout)));
    }
    assert_eq!(sent.iter().sum::<usize>(), MAILS, "{sent:?}");
    assert_each_delivered_once(&db, &server);
}

#[test]
fn workers_killed_at_random_points_lose_no_mail_and_resend_with_the_same_message_id() {
    // A server that answers 451 to a fifth of the messages, and `peiyu notify` processes
    // killed with SIGKILL at random moments, each run a simulated day after the last (so
    // leases of killed workers have expired and backoffs have passed).
    let server = SmtpServer::flaky(0.2, 42);
    let db = TestDb::sqlite();
    let mut conn = db.conn();
    settings::set(&mut conn, worker::MAX_ATTEMPTS_KEY, &json!(1000)).unwrap();
    let u = user_with_email(&mut conn, "u", Some("u@example.com"), "zh-CN");
    let mut rng = rand::rngs::StdRng::seed_from_u64(20_261_125);
    let mut ids_at_queue: BTreeMap<i64, String> = BTreeMap::new();
    let runs = 50;
    let mut killed_mid_pass = 0;
    let started = std::time::Instant::now();
    for run in 0..runs {
        for id in queue_many(&mut conn, u, 40, &format!("r{run}-")) {
            ids_at_queue.insert(id, outbox::find_by_id(&mut conn, id).unwrap().message_id);
        }
        let now = t0() + Duration::days(run);
        let mut child = notify_command(&db.url, &server.url(), now).spawn().unwrap();
        let delay = rng.gen_range(5..200);
        std::thread::sleep(std::time::Duration::from_millis(delay));
        if child.try_wait().unwrap().is_none() {
            killed_mid_pass += 1;
        }
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        // Never marked sent without the server's 250: every sent row is in the mailbox.
        let delivered = server.message_id_counts();
        for r in outbox::list_all(&mut conn).unwrap() {
            if r.status == "sent" {
                assert!(
                    delivered.contains_key(&r.message_id),
                    "run {run}: row {} is marked sent but the server never accepted it",
                    r.id
                );
            }
        }
    }
    assert!(
        killed_mid_pass >= runs / 3,
        "only {killed_mid_pass} of {runs} workers were killed before they finished"
    );

    // Drain with a live worker (still against the flaky server) until nothing waits.
    let mailer = Mailer::smtp(&server.url()).unwrap();
    let mut at = t0() + Duration::days(runs + 1);
    for _ in 0..100 {
        worker::run_once(&mut conn, &mailer, "drain", at).unwrap();
        let rows = outbox::list_all(&mut conn).unwrap();
        if rows.iter().all(|r| r.status == "sent") {
            break;
        }
        at += Duration::days(1);
    }
    let rows = outbox::list_all(&mut conn).unwrap();
    assert_eq!(rows.len(), ids_at_queue.len());
    let delivered = server.message_id_counts();
    let mut duplicates = 0;
    for r in &rows {
        assert_eq!(r.status, "sent", "mail {} was lost: {r:?}", r.id);
        assert_eq!(
            r.message_id, ids_at_queue[&r.id],
            "row {}'s Message-ID changed",
            r.id
        );
        let n = delivered.get(&r.message_id).copied().unwrap_or(0);
        assert!(n >= 1, "row {} is sent but never arrived", r.id);
        duplicates += n - 1;
    }
    // Every message that arrived carries the Message-ID of a row: a mail sent again after a
    // crash (between the 250 and marking it sent) arrives with the same Message-ID.
    let known: std::collections::BTreeSet<_> = rows.iter().map(|r| &r.message_id).collect();
    for id in delivered.keys() {
        assert!(known.contains(id), "unknown Message-ID {id} arrived");
    }
    eprintln!(
        "crash test: {runs} runs, {killed_mid_pass} killed mid-pass, {} mails, {duplicates} \
         resent after a crash with the same Message-ID, {:.1} s",
        rows.len(),
        started.elapsed().as_secs_f64()
    );
}

#[test]
fn peiyu_serve_delivers_queued_mail_in_the_background_and_stops_on_sigterm() {
    let server = SmtpServer::start();
    let db = TestDb::sqlite();
    let u = user_with_email(&mut db.conn(), "u", Some("u@example.com"), "zh-CN");
    queue_many(&mut db.conn(), u, 30, "s");
    let port = super::smtp::free_port();
    let mut child = Command::new(env!("CARGO_BIN_EXE_peiyu"))
        .args(["--database-url", &db.url, "serve", "--mail-interval", "1"])
        .env("PEIYU_BIND", format!("127.0.0.1:{port}"))
        .env("PEIYU_SMTP_URL", server.url())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while server.message_id_counts().values().sum::<usize>() < 30 {
        assert!(
            std::time::Instant::now() < deadline,
            "serve did not deliver the queued mail"
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    // Mail queued while it runs goes out on a later pass.
    queue_many(&mut db.conn(), u, 5, "later");
    while server.message_id_counts().values().sum::<usize>() < 35 {
        assert!(
            std::time::Instant::now() < deadline,
            "later mail not delivered"
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let stop_deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        assert!(
            std::time::Instant::now() < stop_deadline,
            "serve did not stop on SIGTERM"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    let mut err = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut err).unwrap();
    assert!(status.success(), "serve exited with {status}: {err}");
    assert!(err.contains("mail worker stopped"), "{err}");
    let rows = outbox::list_all(&mut db.conn()).unwrap();
    assert!(rows.iter().all(|r| r.status == "sent"));
    assert!(server.message_id_counts().values().all(|n| *n == 1));
}
