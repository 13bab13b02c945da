//! Load on the web pages (`scripts/bench web`): the demo city plus 100,000 generated firms,
//! served by the real routes in this process, measured with `wrk` (a second process on
//! loopback) at 32 connections. Each page is compared with a floor:
//!
//! - pages against `/__bench/floor`: a fixed body of the list page's size, served through the
//!   same middleware (session cookie, security headers, request log) by the same server, with
//!   no database or template work — what the framework costs for those bytes. Every page is
//!   rendered for every request (nothing identity-dependent is cached);
//! - a sign-in against one bare argon2id verification in this process (the deliberate cost).
//!
//! SQLite always; PostgreSQL too when `PEIYU_BENCH_PG_URL` names a server or the local one on
//! 127.0.0.1:5432 answers (a scratch database is created and dropped). `PEIYU_BENCH_SECS` sets
//! each run's length (default 10), `PEIYU_BENCH_FIRMS` the generated firms (default 100,000),
//! `PEIYU_BENCH_BACKENDS` the backends (`sqlite,postgres`, the default), `PEIYU_BENCH_PARTS`
//! what is measured (`pages,login`, the default), `PEIYU_BENCH_LOGIN_SECS` the length of the
//! one-connection sign-in run and of its floor (default three runs' length). Each line also gives
//! the server's own CPU time per request (this process, from /proc), which the load
//! generator's share of the two cores does not blur.

use actix_web::{web, HttpResponse};
use chrono::Utc;
use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection};
use peiyu::app::seed_demo::{seed_demo, DEMO_PASSWORD};
use peiyu::app::{accounts::password, rescore_all_as_of};
use peiyu::config::ServeSettings;
use peiyu::store::firms::{self, FirmFilter};
use peiyu::store::{self, users, write_tx, DbConn, Pool, PoolOptions, StoreError};
use peiyu::web::session::{self, Session, SessionKeys};
use peiyu::web::{AppState, WebConfig};
use std::net::TcpListener;
use std::process::Command;
use std::sync::{mpsc, Arc, OnceLock};
use std::time::{Duration, Instant};

mod support;

const CONNECTIONS: u32 = 32;

fn secs() -> u64 {
    std::env::var("PEIYU_BENCH_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(10)
}

/// How long the one-connection sign-in and its floor, one bare verification, each run
/// (`PEIYU_BENCH_LOGIN_SECS`, default three times `secs()`). At ~65 sign-ins a second, 10 s
/// gives ~650 samples, so a p99 rests on its 6 slowest; 30 s gives ~2,000 and a p99 that one
/// stray slow sample cannot move by half.
fn login_secs() -> u64 {
    std::env::var("PEIYU_BENCH_LOGIN_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(3 * secs())
}

/// Whether `part` (`pages` or `login`) is to be measured: `PEIYU_BENCH_PARTS`, a comma list,
/// default both.
fn measures(part: &str) -> bool {
    std::env::var("PEIYU_BENCH_PARTS").map_or(true, |v| v.split(',').any(|p| p.trim() == part))
}

fn generated_firms() -> usize {
    std::env::var("PEIYU_BENCH_FIRMS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(100_000)
}

/// Plain firms with three years of figures each, on top of the demo (USCC body `MB…`, which
/// the demo's `MA…` never uses).
fn populate(conn: &mut DbConn, n: usize) -> Result<(), StoreError> {
    write_tx(conn, |c| {
        support::generate_firms(c, n, "MB", "负载测试企业")
    })
}

/// The app as `peiyu serve` builds it (`startup::server_with`: the same state, middleware
/// and routes, with `peiyu serve`'s worker and proxy settings), plus the floor route.
fn serve(
    settings: &ServeSettings,
    pool: Pool,
    keys: SessionKeys,
    floor: Arc<OnceLock<Vec<u8>>>,
) -> (String, Runner) {
    let documents = std::env::temp_dir().join(format!("peiyu-bench-web-{}", std::process::id()));
    let state = AppState {
        pool,
        keys,
        storage: peiyu::store::storage::Storage::local(&documents).expect("document storage"),
        config: WebConfig {
            workers: settings.workers,
            trust_proxy: settings.trust_proxy,
            shutdown_timeout: Duration::from_secs(1),
            ..WebConfig::default()
        },
    };
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("address"));
    let floor_route = move |cfg: &mut web::ServiceConfig| {
        let floor = floor.clone();
        cfg.route(
            "/__bench/floor",
            web::get().to(move || {
                let body = floor.get().cloned().unwrap_or_default();
                async move {
                    HttpResponse::Ok()
                        .content_type("text/html; charset=utf-8")
                        .body(body)
                }
            }),
        );
    };
    let (tx, rx) = mpsc::channel();
    let thread = std::thread::spawn(move || {
        actix_web::rt::System::new().block_on(async move {
            let server =
                peiyu::startup::server_with(listener, state, floor_route).expect("serve the app");
            tx.send(server.handle()).expect("send handle");
            server.await.expect("server");
        })
    });
    let handle = rx.recv().expect("server handle");
    (
        base,
        Runner {
            handle,
            thread: Some(thread),
        },
    )
}

struct Runner {
    handle: actix_web::dev::ServerHandle,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Drop for Runner {
    fn drop(&mut self) {
        if let Some(t) = self.thread.take() {
            actix_web::rt::System::new().block_on(self.handle.stop(true));
            let _ = t.join();
        }
    }
}

/// What `wrk` measured, and the CPU this process (the server) spent per request meanwhile.
#[derive(Debug, Clone, Copy)]
struct Load {
    rps: f64,
    p50_ms: f64,
    p99_ms: f64,
    cpu_ms: f64,
    /// The lowest and highest p99 of the runs this one is the median of.
    p99_range: (f64, f64),
}

/// CPU time (user + system) this process has used, in ms: the server's cost, apart from the
/// load generator's, and steadier than latencies on a machine doing other work.
fn process_cpu_ms() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the command name (which is in parentheses): utime is the 12th, stime 13th.
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let f: Vec<f64> = rest
        .split_whitespace()
        .skip(11)
        .take(2)
        .filter_map(|v| v.parse().ok())
        .collect();
    // Linux reports clock ticks of 1/100 s.
    f.iter().sum::<f64>() * 10.0
}

fn parse_ms(s: &str) -> f64 {
    let s = s.trim();
    let (num, unit) = s.split_at(s.find(|c: char| c.is_ascii_alphabetic()).unwrap_or(s.len()));
    let v: f64 = num.parse().unwrap_or(f64::NAN);
    match unit {
        "us" => v / 1000.0,
        "ms" => v,
        "s" => v * 1000.0,
        "m" => v * 60_000.0,
        _ => f64::NAN,
    }
}

/// Run wrk for `secs` seconds at `conns` connections; `script` is a Lua file (for the POST).
fn wrk(url: &str, conns: u32, secs: u64, cookie: &str, script: Option<&std::path::Path>) -> Load {
    let threads = conns.clamp(1, 2);
    let mut cmd = Command::new("wrk");
    cmd.args([
        format!("-t{threads}"),
        format!("-c{conns}"),
        format!("-d{secs}s"),
        "--latency".into(),
        "--timeout".into(),
        "30s".into(),
    ]);
    if let Some(s) = script {
        cmd.arg("-s").arg(s);
    } else {
        cmd.args(["-H".to_string(), format!("Cookie: {cookie}")]);
    }
    let cpu_before = process_cpu_ms();
    let out = cmd
        .arg(url)
        .output()
        .expect("run wrk (scripts/bench installs it)");
    let cpu = process_cpu_ms() - cpu_before;
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    let field = |prefix: &str| {
        text.lines()
            .map(str::trim)
            .find(|l| l.starts_with(prefix))
            .and_then(|l| l.split_whitespace().nth(1))
            .map(str::to_string)
    };
    if let Some(l) = text.lines().find(|l| l.contains("Non-2xx or 3xx")) {
        eprintln!("  warning: {url}: {}", l.trim());
    }
    let requests: f64 = text
        .lines()
        .find(|l| l.contains(" requests in "))
        .and_then(|l| l.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(f64::NAN);
    Load {
        cpu_ms: cpu / requests,
        rps: field("Requests/sec:")
            .and_then(|v| v.parse().ok())
            .unwrap_or(f64::NAN),
        p50_ms: field("50%").map_or(f64::NAN, |v| parse_ms(&v)),
        p99_ms: field("99%").map_or(f64::NAN, |v| parse_ms(&v)),
        p99_range: (f64::NAN, f64::NAN),
    }
}

/// How many runs a page line and the floor take (`PEIYU_BENCH_RUNS`, default 3).
fn runs() -> usize {
    std::env::var("PEIYU_BENCH_RUNS")
        .ok()
        .and_then(|s| s.parse().ok())
        .filter(|n| *n > 0)
        .unwrap_or(3)
}

/// `runs()` wrk runs of `secs()` each at 32 connections; the run with the median p99, and the
/// range of p99s. On two cores shared with the load generator, one run's p99 depends on how
/// the scheduler happens to place wrk's and the server's threads for that run: the floor's
/// went from 0.5 ms to 3.6 ms between runs of the same code. A median of three is steady
/// where one run is not, and is taken for the floor and the pages alike.
/// Each run gets its own session cookie from `cookie`.
fn wrk_median(url: &str, cookie: &dyn Fn() -> String) -> Load {
    let mut all: Vec<Load> = (0..runs())
        .map(|_| wrk(url, CONNECTIONS, secs(), &cookie(), None))
        .collect();
    all.sort_by(|a, b| a.p99_ms.total_cmp(&b.p99_ms));
    let range = (all[0].p99_ms, all[all.len() - 1].p99_ms);
    Load {
        p99_range: range,
        ..all[all.len() / 2]
    }
}

fn line(name: &str, l: Load, floor: Option<Load>) {
    let ratio = floor.map_or(String::new(), |f| {
        format!(
            "   vs floor: 1/{:.0} of its req/s, p50 x{:.1}, p99 x{:.1}, CPU x{:.0}",
            f.rps / l.rps,
            l.p50_ms / f.p50_ms,
            l.p99_ms / f.p99_ms,
            l.cpu_ms / f.cpu_ms
        )
    });
    let range = if l.p99_range.0.is_nan() {
        String::new()
    } else {
        format!(
            " (p99 of {} runs {:.2}-{:.2})",
            runs(),
            l.p99_range.0,
            l.p99_range.1
        )
    };
    println!(
        "  {name:<42} {:>9.0} req/s   p50 {:>8.2} ms   p99 {:>8.2} ms{range}   server CPU {:.3} ms/req{ratio}",
        l.rps, l.p50_ms, l.p99_ms, l.cpu_ms
    );
}

/// One argon2id verification of the demo password, timed alone, back to back for as long as
/// the one-connection sign-in run lasts (so its p99 rests on as many samples): (p50, p99) in ms.
fn argon2_floor() -> (f64, f64) {
    argon2_verify_ms(1, login_secs())
}

/// The same verification with `n` callers at once, as many as the login load's connections:
/// (p50, p99) in ms of one verification. On 2 cores, 32 at once cannot each take one
/// verification's time; this is the floor a sign-in at that concurrency is measured against.
fn argon2_floor_concurrent(n: usize) -> (f64, f64) {
    argon2_verify_ms(n, secs())
}

/// `callers` threads each verifying the demo password back to back for `secs` seconds (at
/// least 8 times each): (p50, p99) in ms of one verification.
fn argon2_verify_ms(callers: usize, secs: u64) -> (f64, f64) {
    let hash = password::hash(DEMO_PASSWORD).expect("hash");
    let until = Instant::now() + Duration::from_secs(secs);
    let mut ms: Vec<f64> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..callers)
            .map(|_| {
                s.spawn(|| {
                    let mut times = Vec::new();
                    while times.len() < 8 || Instant::now() < until {
                        let t = Instant::now();
                        assert!(password::verify(DEMO_PASSWORD, &hash));
                        times.push(t.elapsed().as_secs_f64() * 1000.0);
                    }
                    times
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("verifier thread"))
            .collect()
    });
    ms.sort_by(f64::total_cmp);
    (ms[ms.len() / 2], ms[ms.len() * 99 / 100])
}

fn cookie_for(keys: &SessionKeys, s: &Session) -> String {
    let c = keys.cookie(s);
    format!("{}={}", c.name(), c.value())
}

fn run_backend(name: &str, url: &str, settings: &ServeSettings) {
    // The pool `peiyu serve` opens (PEIYU_DB_POOL, default twice the cores).
    let pool_options = PoolOptions::for_server(settings.db_pool);
    println!(
        "web/{name}: seeding the demo and {} firms; database {url}, pool of {}",
        generated_firms(),
        pool_options.max_size
    );
    let pool = store::connect_with(url, &pool_options).expect("open the bench database");
    let t = Instant::now();
    {
        let mut c = pool.get().expect("connection");
        let today = Utc::now().date_naive();
        seed_demo(&mut c, 20_251_125, 500, today).expect("seed the demo");
        populate(&mut c, generated_firms()).expect("generate firms");
        rescore_all_as_of(&mut c, today).expect("score the generated firms");
        // Fresh planner statistics, as a running PostgreSQL's autovacuum (off on some CI
        // machines) or SQLite's `PRAGMA optimize` would leave them; VACUUM also sets
        // PostgreSQL's visibility map, which index-only scans need.
        // Then a checkpoint, so the seeding's writes are not still being flushed while the
        // first pages are measured.
        // (One statement per call: PostgreSQL runs a batch as one transaction, and VACUUM
        // refuses to run inside one.)
        let upkeep: &[&str] = if url.starts_with("postgres") {
            &["VACUUM ANALYZE", "CHECKPOINT"]
        } else {
            &["ANALYZE", "PRAGMA wal_checkpoint(TRUNCATE)"]
        };
        for statement in upkeep {
            c.batch_execute(statement)
                .expect("analyze and checkpoint the bench database");
        }
    }
    println!("  seeded in {:.1} s", t.elapsed().as_secs_f64());

    let (bureau, firm_id) = {
        let mut c = pool.get().expect("connection");
        let bureau = users::find_by_username(&mut c, "bureau")
            .expect("find bureau")
            .expect("demo bureau user");
        let demo_firm = firms::list(
            &mut c,
            &FirmFilter {
                limit: Some(1),
                ..FirmFilter::default()
            },
        )
        .expect("a firm")
        .remove(0)
        .id;
        (bureau, demo_firm)
    };
    let key = session::resolve_key(&mut pool.get().expect("connection"), None).expect("key");
    let keys = SessionKeys::new(key, false);
    let signed_in = cookie_for(
        &keys,
        &Session::signed_in(bureau.id, bureau.session_epoch, session::now_secs()),
    );

    let floor_body = Arc::new(OnceLock::new());
    let (base, _server) = serve(settings, pool, keys.clone(), floor_body.clone());
    let list = format!("{base}/firms?stage=tech_sme&sort=readiness&dir=desc&page=1");
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .max_redirects(0)
        .http_status_as_error(false)
        .build()
        .into();
    let mut res = agent
        .get(&list)
        .header("cookie", &signed_in)
        .call()
        .expect("list page");
    assert_eq!(res.status().as_u16(), 200, "the list page answers");
    let page = res.body_mut().read_to_vec().expect("list body");
    println!(
        "  list page: {} bytes; the floor serves as many",
        page.len()
    );
    floor_body.set(page).expect("floor set once");
    if let Ok(secs) = std::env::var("PEIYU_BENCH_HOLD") {
        // For profiling by hand: keep the seeded server up and say how to reach it.
        println!("  holding {base} (database {url}) for {secs} s; cookie: {signed_in}");
        std::thread::sleep(Duration::from_secs(secs.parse().unwrap_or(600)));
        return;
    }

    // Each run gets a session of its own, as a browser holds a fresh cookie (the server
    // renews it every minute): a session older than that would be renewed on every request.
    let fresh = || {
        cookie_for(
            &keys,
            &Session::signed_in(bureau.id, bureau.session_epoch, session::now_secs()),
        )
    };
    if measures("pages") {
        measure_pages(&base, &list, firm_id, &fresh);
    }
    if measures("login") {
        measure_login(&base, &keys);
    }
}

/// The floor, then each page, rendered for every request, at 32 connections.
/// The server's resident memory (this process's VmRSS) in MB, and its threads.
fn resident() -> String {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(f64::NAN)
    };
    format!(
        "{:.0} MB in {} threads",
        field("VmRSS:") / 1024.0,
        field("Threads:")
    )
}

fn measure_pages(base: &str, list: &str, firm_id: i64, fresh: &dyn Fn() -> String) {
    println!(
        "  server resident memory before the page loads: {}",
        resident()
    );
    let floor = wrk_median(&format!("{base}/__bench/floor"), fresh);
    line("floor (same size, no work)", floor, None);
    let mut pages = vec![
        ("GET /firms (stage, by readiness)", list.to_string()),
        ("GET /firms/{id}", format!("{base}/firms/{firm_id}")),
    ];
    if peiyu::web::api::ROUTES
        .iter()
        .any(|r| matches!(r.verb, peiyu::web::api::Verb::Get) && r.full_path() == "/api/v1/firms")
    {
        pages.push((
            "GET /api/v1/firms",
            format!("{base}/api/v1/firms?stage=tech_sme&sort=readiness"),
        ));
    }
    for (name, url) in &pages {
        line(name, wrk_median(url, fresh), Some(floor));
    }
    println!(
        "  server resident memory after the page loads: {}",
        resident()
    );
}

/// A sign-in at one connection, against one bare verification measured just before for as
/// long, and at 32 connections, against 32 bare verifications at once.
fn measure_login(base: &str, keys: &SessionKeys) {
    let anon = Session::anonymous(session::now_secs());
    let dir = tempfile::tempdir().expect("temp dir");
    let script = dir.path().join("login.lua");
    let body = serde_urlencoded::to_string([
        ("_csrf", anon.csrf.as_str()),
        ("username", "bureau"),
        ("password", DEMO_PASSWORD),
        ("next", "/"),
    ])
    .expect("form");
    std::fs::write(
        &script,
        format!(
            "wrk.method = \"POST\"\nwrk.body = \"{body}\"\n\
             wrk.headers[\"Content-Type\"] = \"application/x-www-form-urlencoded\"\n\
             wrk.headers[\"Cookie\"] = \"{}\"\n",
            cookie_for(keys, &anon)
        ),
    )
    .expect("write the login script");
    // The floor measured just before, on the machine as it is now.
    let argon = argon2_floor();
    println!(
        "  argon2id verify alone (m=19 MiB, t=2), {} s back to back: p50 {:.2} ms, p99 {:.2} ms",
        login_secs(),
        argon.0,
        argon.1
    );
    for conns in [1, CONNECTIONS] {
        // One connection runs as long as its floor; 32 queue on the hashing threads.
        let run_secs = if conns == 1 { login_secs() } else { secs() };
        let l = wrk(&format!("{base}/login"), conns, run_secs, "", Some(&script));
        println!(
            "  POST /login, {conns:>2} connection(s)        {:>9.1} req/s   p50 {:>8.2} ms   p99 {:>8.2} ms   \
             vs one argon2id verify: p50 x{:.1}, p99 x{:.1}",
            l.rps,
            l.p50_ms,
            l.p99_ms,
            l.p50_ms / argon.0,
            l.p99_ms / argon.1
        );
        if conns > 1 {
            let bare = argon2_floor_concurrent(conns as usize);
            println!(
                "    argon2id verify, {conns} at once (no server): p50 {:.2} ms, p99 {:.2} ms; \
                 sign-in p99 x{:.2} of it",
                bare.0,
                bare.1,
                l.p99_ms / bare.1
            );
        }
    }
}

/// `PEIYU_BENCH_PG_URL`, or the local server as a same-machine deployment reaches it: over
/// its Unix socket (no TCP, no TLS) when Debian's socket directory has one, else 127.0.0.1.
fn pg_server_url() -> Option<String> {
    let url = std::env::var("PEIYU_BENCH_PG_URL").unwrap_or_else(|_| {
        if std::path::Path::new("/var/run/postgresql/.s.PGSQL.5432").exists() {
            "postgres://postgres@localhost/postgres?host=/var/run/postgresql".to_string()
        } else {
            "postgres://postgres@127.0.0.1:5432/postgres".to_string()
        }
    });
    PgConnection::establish(&url).ok().map(|_| url)
}

fn with_database(url: &str, db: &str) -> String {
    let (head, query) = url.split_once('?').map_or((url, ""), |(h, q)| (h, q));
    let base = head.rsplit_once('/').map_or(head, |(b, _)| b);
    if query.is_empty() {
        format!("{base}/{db}")
    } else {
        format!("{base}/{db}?{query}")
    }
}

fn main() {
    // `cargo bench` passes `--bench`; nothing else is expected.

    // `peiyu serve`'s own settings (PEIYU_DB_POOL, PEIYU_WORKERS, …) as it would read them.
    let (_, settings) = peiyu::config::from_env().unwrap_or_else(|e| e.exit());
    // `PEIYU_BENCH_BACKENDS=sqlite` (or `postgres`) runs one backend only.
    let backends = std::env::var("PEIYU_BENCH_BACKENDS").unwrap_or_default();
    let wanted = |b: &str| backends.is_empty() || backends.split(',').any(|x| x.trim() == b);
    let dir = tempfile::tempdir().expect("temp dir");
    let sqlite = dir.path().join("bench-web.db").display().to_string();
    if wanted("sqlite") {
        run_backend("sqlite", &sqlite, &settings);
    }

    if !wanted("postgres") {
        return;
    }
    match pg_server_url() {
        Some(server) => {
            let db = format!("peiyu_bench_web_{}", std::process::id());
            let mut admin = PgConnection::establish(&server).expect("PostgreSQL");
            admin
                .batch_execute(&format!("CREATE DATABASE \"{db}\""))
                .expect("create the bench database");
            run_backend("postgres", &with_database(&server, &db), &settings);
            let _ = admin.batch_execute(&format!("DROP DATABASE IF EXISTS \"{db}\" WITH (FORCE)"));
        }
        None => println!("web/postgres: skipped, no server (set PEIYU_BENCH_PG_URL)"),
    }
}
