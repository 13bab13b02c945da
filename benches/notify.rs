//! Mail delivery (`scripts/bench notify`): 10,000 queued mails delivered by `peiyu notify` (the
//! bench build of the binary: release settings) to a local aiosmtpd that accepts and discards
//! (`scripts/smtp-server serve --sink`), against the floor set by that server: Python's
//! smtplib sending the same 10,000 rendered messages over one reused connection, measured in
//! the same run. Goals (issue 5): over 500 mails/s, and at least half the bare client's rate.
//!
//! SQLite (the default database). `PEIYU_BENCH_MAILS` changes the count, `PEIYU_BENCH_ROUNDS`
//! the rounds (default 2; the best round of each side is reported), `PEIYU_BENCH_CONNECTIONS`
//! the connections `peiyu notify` sends over (its `--connections`, default 4).

use chrono::Utc;
use diesel::prelude::*;
use peiyu::app::mail::{self, MailKind, MailRequest, Queued};
use peiyu::notify::render::Composer;
use peiyu::store::schema::outbox;
use peiyu::store::users::{self, NewUser};
use peiyu::store::{self, write_tx, DbConn};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Instant;

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default)
}

fn script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/smtp-server")
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

/// The sink server; stops when dropped (its stdin closes).
struct Sink {
    child: Child,
    port: u16,
}

impl Sink {
    fn start() -> Sink {
        let port = free_port();
        let mut child = Command::new("python3")
            .arg(script())
            .args([
                "serve",
                "--sink",
                "--watch-stdin",
                "--port",
                &port.to_string(),
            ])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("run python3 scripts/smtp-server (needs aiosmtpd: scripts/smtp-env)");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("stdout"))
            .read_line(&mut line)
            .expect("read the server's first line");
        assert!(
            line.starts_with("ready"),
            "the SMTP sink did not start (python3 -m pip install aiosmtpd)"
        );
        Sink { child, port }
    }
}

impl Drop for Sink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn populate(conn: &mut DbConn, mails: usize) {
    let now = Utc::now().naive_utc();
    write_tx(conn, |c| {
        let mut ids = Vec::new();
        for i in 0..100 {
            ids.push(users::insert(
                c,
                &NewUser {
                    username: format!("bench{i:03}"),
                    display_name: format!("顾问{i:03}"),
                    email: Some(format!("advisor{i:03}@example.com")),
                    role: "advisor".into(),
                    county_code: None,
                    firm_id: None,
                    password_hash: "x".into(),
                    lang: if i % 4 == 0 { "en" } else { "zh-CN" }.into(),
                    active: true,
                    created_at: now,
                },
            )?);
        }
        for i in 0..mails {
            let req = MailRequest {
                kind: MailKind::StageChanged,
                to_user: ids[i % ids.len()],
                dedup_key: format!("bench:{i}"),
                template: "test",
                params: serde_json::json!({"firm": format!("漯河市基准测试科技有限公司{i:05}"), "n": i % 7}),
                link: format!("/firms/{}", i + 1),
            };
            match mail::queue(c, &req, now) {
                Ok(Queued::Queued(_)) => {}
                other => panic!("queue: {other:?}"),
            }
        }
        Ok::<_, store::StoreError>(())
    })
    .expect("populate");
}

fn requeue(conn: &mut DbConn) {
    diesel::update(outbox::table)
        .set((
            outbox::status.eq("queued"),
            outbox::attempts.eq(0),
            outbox::sent_at.eq(None::<chrono::NaiveDateTime>),
        ))
        .execute(conn)
        .expect("requeue");
}

fn run_peiyu(db_url: &str, smtp_port: u16, mails: usize) -> f64 {
    let t = Instant::now();
    let connections = env_usize("PEIYU_BENCH_CONNECTIONS", 4).to_string();
    let out = Command::new(env!("CARGO_BIN_EXE_peiyu"))
        .args([
            "--database-url",
            db_url,
            "notify",
            "--connections",
            &connections,
        ])
        .env(
            "PEIYU_SMTP_URL",
            format!("smtp://127.0.0.1:{smtp_port}?tls=none"),
        )
        .output()
        .expect("run peiyu notify");
    let secs = t.elapsed().as_secs_f64();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && stdout.starts_with(&format!("peiyu notify: {mails} sent")),
        "peiyu notify: {stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    secs
}

fn run_smtplib(dir: &Path, smtp_port: u16, mails: usize) -> f64 {
    let out = Command::new("python3")
        .arg(script())
        .args(["blast", "--port", &smtp_port.to_string(), "--dir"])
        .arg(dir)
        .output()
        .expect("run the smtplib client");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let secs = stdout
        .trim()
        .strip_prefix(&format!("sent {mails} in "))
        .and_then(|s| s.strip_suffix(" seconds"))
        .and_then(|s| s.parse::<f64>().ok());
    secs.unwrap_or_else(|| {
        panic!(
            "smtplib client: {stdout}{}",
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

fn main() {
    // `cargo bench` passes `--bench`; this harness has no options of its own.
    let mails = env_usize("PEIYU_BENCH_MAILS", 10_000);
    let rounds = env_usize("PEIYU_BENCH_ROUNDS", 2).max(1);
    // The sender `peiyu notify` reads too (PEIYU_MAIL_FROM), for the mails queued here.
    let (settings, _) = peiyu::config::from_env().unwrap_or_else(|e| e.exit());
    peiyu::config::set_mail_from(&settings.mail.mail_from);
    let dir = tempfile::tempdir().expect("temp dir");
    let db_url = dir.path().join("bench.db").display().to_string();
    let mut conn = store::connect_one(&db_url).expect("open SQLite");
    let t = Instant::now();
    populate(&mut conn, mails);
    eprintln!("queued {mails} mails in {:.2} s", t.elapsed().as_secs_f64());

    // The same messages, rendered once, for the bare client.
    let eml = dir.path().join("eml");
    std::fs::create_dir_all(&eml).expect("eml dir");
    let composer = Composer::new(
        &peiyu::config::mail_from(),
        peiyu::notify::worker::DEFAULT_BASE_URL,
    )
    .expect("composer");
    let rows = store::outbox::list_all(&mut conn).expect("rows");
    for r in &rows {
        let m = composer.compose(r).expect("compose");
        std::fs::write(eml.join(format!("{:06}.eml", r.id)), m.formatted()).expect("write eml");
    }

    let sink = Sink::start();
    let (mut best_peiyu, mut best_py) = (f64::MAX, f64::MAX);
    for round in 1..=rounds {
        requeue(&mut conn);
        let p = run_peiyu(&db_url, sink.port, mails);
        let unsent: i64 = outbox::table
            .filter(outbox::status.ne("sent"))
            .count()
            .get_result(&mut conn)
            .expect("count");
        assert_eq!(unsent, 0, "every mail is marked sent");
        let s = run_smtplib(&eml, sink.port, mails);
        println!(
            "notify round {round}: peiyu notify {:.0} mails/s ({p:.2} s), smtplib {:.0} mails/s ({s:.2} s)",
            mails as f64 / p,
            mails as f64 / s
        );
        best_peiyu = best_peiyu.min(p);
        best_py = best_py.min(s);
    }
    let rate = mails as f64 / best_peiyu;
    let floor = mails as f64 / best_py;
    let ratio = rate / floor;
    println!(
        "notify/sqlite: peiyu notify {rate:.0} mails/s, bare smtplib client {floor:.0} mails/s, \
         ratio {ratio:.2} (goals: > 500 mails/s {}, >= 0.5x {})",
        if rate > 500.0 { "met" } else { "MISSED" },
        if ratio >= 0.5 { "met" } else { "MISSED" }
    );
}
