//! Evidence documents (`scripts/bench docs`): upload and download of a 10 MB PDF through the
//! running app — the real routes, middleware and use cases in this process, over loopback
//! HTTP, on SQLite, with the default storage (a local directory) — against the floor: copying
//! the same file into and out of the same storage with its own interface (`Storage::put` of
//! the file read from disk, kept as an upload is; `Storage::read` streamed back to a file on
//! disk). Each round runs the floor, then the app. Goal (issue 14): each direction at least
//! half the floor's throughput.
//!
//! The upload is the multipart POST a browser sends, the file streamed from disk into the
//! body, answered once the file is checked, hashed, stored and its row written (303); the
//! download is the GET of the attachment, saved to a file as the floor's copy is.
//! `PEIYU_BENCH_ROUNDS` sets the rounds (default 10); the median of each is reported.

use chrono::Utc;
use futures_util::StreamExt;
use peiyu::core::document::samples;
use peiyu::store::refdata::{self, County};
use peiyu::store::storage::Storage;
use peiyu::store::users::{self, NewUser};
use peiyu::store::{applications, PoolOptions};
use peiyu::web::session::{self, Session, SessionKeys};
use peiyu::web::{AppState, WebConfig};
use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::Path;
use std::sync::mpsc;
use std::time::{Duration, Instant};

const SIZE: usize = 10 * 1024 * 1024;
const BOUNDARY: &str = "----peiyu-bench-3b1f";

fn rounds() -> usize {
    std::env::var("PEIYU_BENCH_ROUNDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .filter(|n| *n > 0)
        .unwrap_or(10)
}

fn median(mut xs: Vec<Duration>) -> Duration {
    xs.sort();
    xs[xs.len() / 2]
}

fn mbps(bytes: usize, d: Duration) -> f64 {
    bytes as f64 / (1024.0 * 1024.0) / d.as_secs_f64()
}

/// One round of the floor: the file from disk into the storage (kept there, as an upload is),
/// and back out to a file on disk.
fn floor(
    rt: &tokio::runtime::Runtime,
    storage: &Storage,
    source: &Path,
    out: &Path,
) -> (Duration, Duration) {
    let key = Storage::new_key();
    let t = Instant::now();
    let bytes = std::fs::read(source).expect("read the source");
    storage.put(&key, bytes).expect("put");
    let up = t.elapsed();
    let t = Instant::now();
    rt.block_on(async {
        let mut d = storage.read(&key).await.expect("read");
        let mut f = std::fs::File::create(out).expect("create the copy");
        while let Some(chunk) = d.body.next().await {
            f.write_all(&chunk.expect("chunk")).expect("write the copy");
        }
    });
    (up, t.elapsed())
}

fn main() {
    let rounds = rounds();
    let dir = tempfile::tempdir().expect("temporary directory");
    let source = dir.path().join("audit.pdf");
    let pdf = samples::pdf(SIZE - 600);
    std::fs::write(&source, &pdf).expect("write the source");
    let size = pdf.len();
    let storage = Storage::local(&dir.path().join("data/documents")).expect("storage");

    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime for the floor's reads");
    let copy = dir.path().join("copy.pdf");
    let download = dir.path().join("download.pdf");

    // The app on a fresh SQLite database: one county, one firm, its user, a draft tech-SME
    // application.
    let url = format!("sqlite://{}", dir.path().join("peiyu.db").display());
    let pool = peiyu::store::connect_with(&url, &PoolOptions::for_server(None)).expect("database");
    let (user, aid) = {
        let mut c = pool.get().expect("connection");
        refdata::upsert_county(
            &mut c,
            &County {
                code: "411102".into(),
                name_zh: "新华区".into(),
                name_en: "Xinhua".into(),
                kind: "district".into(),
            },
        )
        .expect("county");
        let now = Utc::now().naive_utc();
        let bureau = peiyu::app::Principal {
            user_id: None,
            role: peiyu::core::stage::Role::Bureau,
            county_code: None,
            firm_id: None,
        };
        let firm = peiyu::app::create_firm(
            &mut c,
            peiyu::app::NewFirmInput {
                uscc: peiyu::core::uscc::with_check_char("91411102MA0000001").expect("uscc"),
                name: "平顶山市基准科技有限公司".into(),
                county_code: "411102".into(),
                ..peiyu::app::NewFirmInput::default()
            },
            &bureau,
        )
        .expect("firm");
        let uid = users::insert(
            &mut c,
            &NewUser {
                username: "bench_firm".into(),
                display_name: "bench_firm".into(),
                email: None,
                role: "firm".into(),
                county_code: None,
                firm_id: Some(firm.id),
                password_hash: "x".into(),
                lang: "zh-CN".into(),
                active: true,
                created_at: now,
            },
        )
        .expect("user");
        let aid = applications::insert(
            &mut c,
            &applications::NewApplication {
                firm_id: firm.id,
                target: "tech_sme".into(),
                status: "draft".into(),
                on_behalf: false,
                note: String::new(),
                created_by: Some(uid),
                created_at: now,
                status_at: now,
                updated_at: now,
            },
        )
        .expect("application");
        (users::find_by_id(&mut c, uid).expect("user row"), aid)
    };
    let key = session::resolve_key(&mut pool.get().expect("connection"), None).expect("key");
    let keys = SessionKeys::new(key, false);
    let state = AppState {
        pool,
        keys: keys.clone(),
        storage: storage.clone(),
        config: WebConfig::default(),
    };
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("address"));
    let (tx, rx) = mpsc::channel();
    let server = std::thread::spawn(move || {
        actix_web::rt::System::new().block_on(async move {
            let server = peiyu::startup::server(listener, state).expect("serve");
            tx.send(server.handle()).expect("handle");
            server.await.expect("server");
        })
    });
    let handle = rx.recv().expect("server handle");

    let s = Session::signed_in(user.id, user.session_epoch, session::now_secs());
    let c = keys.cookie(&s);
    let cookie = format!("{}={}", c.name(), c.value());
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .max_redirects(0)
        .http_status_as_error(false)
        .build()
        .into();

    let (mut ups, mut downs) = (Vec::new(), Vec::new());
    let (mut floor_ups, mut floor_downs) = (Vec::new(), Vec::new());
    // Rounds alternate the floor and the app, so both meet the machine in the same state.
    for round in 0..=rounds {
        let (floor_up, floor_down) = floor(&rt, &storage, &source, &copy);
        // As a browser does: the file streams from disk inside the multipart body.
        let t = Instant::now();
        let mut head = Vec::new();
        for (name, value) in [("_csrf", s.csrf.as_str()), ("kind", "business_licence")] {
            write!(
                head,
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .expect("body");
        }
        write!(
            head,
            "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"audit.pdf\"\r\n\
             Content-Type: application/pdf\r\n\r\n"
        )
        .expect("body");
        let tail = format!("\r\n--{BOUNDARY}--\r\n");
        let file = std::fs::File::open(&source).expect("open the source");
        let mut body = head.as_slice().chain(file).chain(tail.as_bytes());
        let res = agent
            .post(format!("{base}/applications/{aid}/documents"))
            .header("cookie", &cookie)
            .header(
                "content-type",
                format!("multipart/form-data; boundary={BOUNDARY}"),
            )
            .send(ureq::SendBody::from_reader(&mut body))
            .expect("upload");
        assert_eq!(res.status().as_u16(), 303, "the upload is accepted");
        let up = t.elapsed();

        let did = {
            let mut c = peiyu::store::connect_one(&url).expect("connection");
            peiyu::store::documents::for_application(&mut c, aid)
                .expect("documents")
                .into_iter()
                .map(|d| d.id)
                .max()
                .expect("the upload's row")
        };
        let t = Instant::now();
        let mut res = agent
            .get(format!("{base}/applications/{aid}/documents/{did}"))
            .header("cookie", &cookie)
            .call()
            .expect("download");
        assert_eq!(res.status().as_u16(), 200);
        // As a browser does: the attachment is saved to a file.
        let mut saved = std::fs::File::create(&download).expect("create the download");
        let got = std::io::copy(
            &mut res
                .body_mut()
                .with_config()
                .limit(64 * 1024 * 1024)
                .reader(),
            &mut saved,
        )
        .expect("body");
        let down = t.elapsed();
        assert_eq!(got, size as u64, "the whole file came back");
        // The first round warms the server up.
        if round > 0 {
            ups.push(up);
            downs.push(down);
            floor_ups.push(floor_up);
            floor_downs.push(floor_down);
        }
    }
    actix_web::rt::System::new().block_on(handle.stop(true));
    let _ = server.join();

    let (up_app, down_app) = (median(ups), median(downs));
    let (up_floor, down_floor) = (median(floor_ups), median(floor_downs));
    println!(
        "docs/floor  put {:.0} MB/s, read {:.0} MB/s ({:.1} MB file, local directory, median of {rounds})",
        mbps(size, up_floor),
        mbps(size, down_floor),
        size as f64 / (1024.0 * 1024.0)
    );
    for (what, app, floor) in [
        ("upload", up_app, up_floor),
        ("download", down_app, down_floor),
    ] {
        let ratio = mbps(size, app) / mbps(size, floor);
        println!(
            "docs/{what:<8} {:.0} MB/s = {ratio:.2}x the floor (goal >= 0.5x) {}",
            mbps(size, app),
            if ratio >= 0.5 { "ok" } else { "BELOW GOAL" }
        );
    }
}
