//! What the server does when a client or the database misbehaves: a stalled request body is
//! answered 408 and closed within the bound; a PostgreSQL connection the server killed costs
//! no request; a database that refuses connections gets a 503 within seconds, not a hang.

use super::{seed_with_passwords, TestApp, TEST_BODY_TIMEOUT};
use crate::common::{TestDb, COUNTY_A};
use peiyu::store::{self, PoolOptions};
use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Send `head` and a part of the body it announces, then stall; what the server answers and
/// how long it took until it closed the connection.
fn stall(app: &TestApp, head: &str, part: &str) -> (String, Duration) {
    let addr = app.base.trim_start_matches("http://");
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(TEST_BODY_TIMEOUT * 4)).unwrap();
    let started = Instant::now();
    s.write_all(head.as_bytes()).unwrap();
    s.write_all(part.as_bytes()).unwrap();
    let mut answer = Vec::new();
    // Read until the server closes (EOF); a read timeout here means it never did.
    let closed = s.read_to_end(&mut answer);
    assert!(closed.is_ok(), "the connection was not closed: {closed:?}");
    (
        String::from_utf8_lossy(&answer).into_owned(),
        started.elapsed(),
    )
}

#[test]
fn a_stalled_body_is_answered_408_and_closed_within_the_bound() {
    let db = TestDb::sqlite();
    seed_with_passwords(&db);
    let app = TestApp::spawn(&db);

    let form = "POST /login HTTP/1.1\r\nHost: peiyu\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 200\r\n\r\n";
    let (answer, took) = stall(&app, form, "username=bureau&pass");
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("请求内容在规定时间内未传完"), "{answer}");
    assert!(
        answer.contains("<html lang=\"zh-CN\""),
        "the error page: {answer}"
    );
    assert!(
        took >= TEST_BODY_TIMEOUT && took < TEST_BODY_TIMEOUT + Duration::from_secs(3),
        "closed after {took:?}"
    );

    let token = super::api::token_for(&db, "bureau");
    let json = format!(
        "POST /api/v1/firms HTTP/1.1\r\nHost: peiyu\r\nAuthorization: Bearer {token}\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n"
    );
    let (answer, took) = stall(&app, &json, "{\"name\": \"stalled");
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("\"code\":\"timed_out\""), "{answer}");
    assert!(
        took < TEST_BODY_TIMEOUT + Duration::from_secs(3),
        "closed after {took:?}"
    );

    // A body that arrives at once is unaffected.
    let ok = app.get("/login");
    assert_eq!(ok.status, 200);
}

/// A TCP relay to the PostgreSQL server that can be taken away: afterwards its port refuses.
struct Relay {
    addr: String,
    stop: Arc<AtomicBool>,
    streams: Arc<Mutex<Vec<TcpStream>>>,
}

impl Relay {
    fn to(target: &str) -> Relay {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap().to_string();
        let stop = Arc::new(AtomicBool::new(false));
        let streams: Arc<Mutex<Vec<TcpStream>>> = Arc::default();
        let (target, stop2, streams2) = (target.to_string(), stop.clone(), streams.clone());
        std::thread::spawn(move || {
            for client in listener.incoming() {
                if stop2.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(client) = client else { continue };
                let Ok(server) = TcpStream::connect(&target) else {
                    continue;
                };
                let mut kept = streams2.lock().unwrap();
                kept.push(client.try_clone().unwrap());
                kept.push(server.try_clone().unwrap());
                for (mut from, mut to) in [
                    (client.try_clone().unwrap(), server.try_clone().unwrap()),
                    (server, client),
                ] {
                    std::thread::spawn(move || {
                        let _ = std::io::copy(&mut from, &mut to);
                        let _ = to.shutdown(Shutdown::Both);
                    });
                }
            }
        });
        Relay {
            addr,
            stop,
            streams,
        }
    }

    /// Close every relayed connection and the listening port.
    fn take_away(&self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(&self.addr); // wake the accept loop so it ends
        for s in self.streams.lock().unwrap().drain(..) {
            let _ = s.shutdown(Shutdown::Both);
        }
    }
}

/// `url` with its `host:port` replaced by `addr`.
fn through(url: &str, addr: &str) -> (String, String) {
    let at = url
        .find('@')
        .map_or_else(|| url.find("://").unwrap() + 3, |i| i + 1);
    let end = url[at..].find('/').map_or(url.len(), |i| at + i);
    let target = url[at..end].to_string();
    assert!(
        target.contains(':'),
        "expected host:port in the test URL, got {url}"
    );
    (format!("{}{addr}{}", &url[..at], &url[end..]), target)
}

#[test]
fn a_killed_postgresql_connection_costs_no_request() {
    let db = TestDb::postgres();
    seed_with_passwords(&db);
    let name = format!("peiyu_kill_{}", std::process::id());
    let url = format!("{}&application_name={name}", db.url);
    let pool = store::connect_with(&url, &PoolOptions::for_server(Some(2))).unwrap();
    let app = TestApp::spawn_with_pool(pool, &db);
    app.login_ok("bureau");
    assert_eq!(app.get("/firms").status, 200);

    let mut admin = db.conn();
    use diesel::prelude::*;
    use diesel::sql_types::Text;
    #[derive(QueryableByName)]
    struct Killed {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let killed: Killed = diesel::sql_query(
        "SELECT count(pg_terminate_backend(pid)) AS n FROM pg_stat_activity WHERE application_name = $1",
    )
    .bind::<Text, _>(&name)
    .get_result(&mut admin)
    .unwrap();
    assert!(
        killed.n >= 1,
        "no connection of the app's pool was found to kill"
    );

    for _ in 0..3 {
        let page = app.get("/firms");
        assert_eq!(page.status, 200, "{}", page.body);
    }
    let api = app.get(&format!("/api/v1/firms?county={COUNTY_A}"));
    assert_eq!(api.status, 200, "{}", api.body);
}

#[test]
fn a_database_that_refuses_connections_answers_503_within_5_seconds() {
    let db = TestDb::postgres();
    seed_with_passwords(&db);
    let (_, target) = through(&db.url, "unused");
    let relay = Relay::to(&target);
    let (url, _) = through(&db.url, &relay.addr);
    let pool = store::connect_with(&url, &PoolOptions::for_server(Some(2))).unwrap();
    let app = TestApp::spawn_with_pool(pool, &db);
    app.login_ok("bureau");
    assert_eq!(app.get("/firms").status, 200);

    relay.take_away();
    let started = Instant::now();
    let page = app.get("/firms");
    let took = started.elapsed();
    assert_eq!(page.status, 503, "{}", page.body);
    assert!(page.body.contains("服务暂时不可用"), "{}", page.body);
    assert!(
        page.body.contains("<html lang=\"zh-CN\""),
        "the error page: {}",
        page.body
    );
    assert!(took < Duration::from_secs(5), "answered after {took:?}");

    let started = Instant::now();
    let api = app.get("/api/v1/firms");
    assert_eq!(api.status, 503, "{}", api.body);
    assert!(
        api.body.contains("\"code\":\"unavailable\""),
        "{}",
        api.body
    );
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[test]
fn a_page_number_out_of_range_is_refused_not_wrapped() {
    let db = TestDb::sqlite();
    seed_with_passwords(&db);
    let app = TestApp::spawn(&db);
    app.login_ok("bureau");
    for page in ["9223372036854775807", "0", "-3", "1000001", "abc"] {
        let api = app.get(&format!("/api/v1/firms?page={page}"));
        assert_eq!(api.status, 400, "page={page}: {}", api.body);
        assert!(api.body.contains("\"field\":\"page\""), "{}", api.body);
        let html = app.get(&format!("/firms?page={page}"));
        assert_eq!(html.status, 400, "page={page}");
        assert!(
            html.body.contains("页码应为 1 到 1000000 之间的整数"),
            "{}",
            html.body
        );
    }
    let last = app.get("/api/v1/firms?page=1000000&per_page=500");
    assert_eq!(last.status, 200, "{}", last.body);
    assert!(last.body.contains("\"page\":1000000"), "{}", last.body);
    assert_eq!(
        app.get("/admin/mail?page=99999999999").status,
        403,
        "bureau is not admin"
    );
    let admin = app.other_client();
    admin.login_ok("admin");
    assert_eq!(
        admin.get("/admin/mail?page=9223372036854775807").status,
        400
    );
    assert_eq!(admin.get("/admin/mail?page=2").status, 200);
}

#[test]
fn a_method_a_route_lacks_answers_405_with_allow_pages_and_api_alike() {
    let db = TestDb::sqlite();
    seed_with_passwords(&db);
    let app = TestApp::spawn(&db);
    app.login_ok("bureau");
    let token = super::api::token_for(&db, "bureau");

    // A page path with GET only, and one with GET and POST.
    let r = app.call("PUT", "/firms", None, &[], Some(""));
    assert_eq!(r.status, 405, "{}", r.body);
    assert_eq!(r.header("allow"), Some("GET"));
    assert!(r.body.contains("此地址不支持该请求方法"), "{}", r.body);
    let r = app.call("PATCH", "/firms/new", None, &[], Some(""));
    assert_eq!((r.status, r.header("allow")), (405, Some("GET, POST")));

    // The API: JSON, with Allow.
    let r = app.call("PUT", "/api/v1/firms", Some(&token), &[], Some("{}"));
    assert_eq!(r.status, 405, "{}", r.body);
    assert_eq!(r.header("allow"), Some("GET, POST"));
    assert!(
        r.body.contains("\"code\":\"method_not_allowed\""),
        "{}",
        r.body
    );

    // A path no route has stays a 404.
    assert_eq!(
        app.call("PUT", "/no-such-page", None, &[], Some("")).status,
        404
    );
    assert_eq!(app.api_get("/api/v1/no-such", &token).status, 404);
}
