//! Web tests: the real app on port 0 against each backend, driven by a blocking HTTP client
//! that keeps cookies (ureq), as a browser without JavaScript would.

mod access;
mod access_matrix;
mod actions;
mod announcements;
mod api;
mod applications;
mod board;
mod browser;
mod caching;
mod coaching;
mod documents;
mod export;
mod forms;
mod health;
mod html;
mod i18n;
mod imports;
mod input;
mod login;
mod pages;
mod passwords;
mod pool;
mod record;
mod robustness;
mod times;
mod words;
mod xss;

use crate::common::{seed, Seed, TestDb};
use peiyu::app::accounts::password;
use peiyu::startup;
use peiyu::store::users;
use peiyu::web::session::{self, SessionKeys};
use peiyu::web::{AppState, WebConfig};
use std::net::TcpListener;
use std::sync::{mpsc, OnceLock};
use std::thread::JoinHandle;
use std::time::Duration;

/// The password of every test user.
pub const PASSWORD: &str = "test-pass-密码";

/// One argon2id hash of [`PASSWORD`] per test process: hashing is deliberately slow.
pub fn password_hash() -> &'static str {
    static H: OnceLock<String> = OnceLock::new();
    H.get_or_init(|| password::hash(PASSWORD).unwrap())
}

/// Seed reference data and users (see `common::seed`) whose password is [`PASSWORD`].
pub fn seed_with_passwords(db: &TestDb) -> Seed {
    let mut conn = db.conn();
    let s = seed(&mut conn);
    for p in [
        &s.admin,
        &s.bureau,
        &s.county_a,
        &s.county_b,
        &s.advisor,
        &s.firm_user,
    ] {
        users::set_password_hash(&mut conn, p.user_id.unwrap(), password_hash()).unwrap();
    }
    s
}

/// A response, read whole.
#[derive(Debug)]
pub struct Resp {
    /// Status code.
    pub status: u16,
    /// `Location`, if any.
    pub location: Option<String>,
    /// All headers, lower-case names.
    pub headers: Vec<(String, String)>,
    /// Body text.
    pub body: String,
}

impl Resp {
    /// The first value of a header.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The `_csrf` value of the first form on the page.
    pub fn csrf(&self) -> String {
        let marker = "name=\"_csrf\" value=\"";
        let start = self.body.find(marker).expect("a form with _csrf") + marker.len();
        let end = self.body[start..].find('"').unwrap() + start;
        self.body[start..end].to_string()
    }
}

/// The app served on 127.0.0.1:0, and a client with its own cookie jar.
pub struct TestApp {
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    agent: ureq::Agent,
    handle: actix_web::dev::ServerHandle,
    thread: Option<JoinHandle<()>>,
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .max_redirects(0)
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(60)))
        .build()
        .into()
}

fn read(mut r: ureq::http::Response<ureq::Body>) -> Resp {
    let headers = r
        .headers()
        .iter()
        .map(|(k, v)| {
            (
                k.as_str().to_ascii_lowercase(),
                v.to_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    let location = r
        .headers()
        .get("location")
        .map(|v| v.to_str().unwrap().to_string());
    Resp {
        status: r.status().as_u16(),
        location,
        headers,
        body: r.body_mut().read_to_string().unwrap_or_default(),
    }
}

/// A response with its body as bytes (up to 64 MB): status, headers (lower-case names), body.
pub fn read_bytes(
    mut r: ureq::http::Response<ureq::Body>,
) -> (u16, Vec<(String, String)>, Vec<u8>) {
    let headers = r
        .headers()
        .iter()
        .map(|(k, v)| {
            (
                k.as_str().to_ascii_lowercase(),
                v.to_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    let body = r
        .body_mut()
        .with_config()
        .limit(64 * 1024 * 1024)
        .read_to_vec()
        .unwrap();
    (r.status().as_u16(), headers, body)
}

/// How long a test app waits for a request body (`WebConfig::body_timeout`): short, so the
/// stalled-body test is quick; every other test sends its body at once.
pub const TEST_BODY_TIMEOUT: Duration = Duration::from_secs(3);

impl TestApp {
    /// Serve the app on `db` as `peiyu serve` builds it (`startup::server`), with the signing
    /// key kept in its settings (as `peiyu serve` does when PEIYU_SECRET_KEY is unset).
    pub fn spawn(db: &TestDb) -> TestApp {
        TestApp::spawn_with_pool(db.pool.clone(), db)
    }

    /// [`TestApp::spawn`] serving through `pool` (a pool on another address, for tests that
    /// take the database away), with `db`'s session key.
    pub fn spawn_with_pool(pool: peiyu::store::Pool, db: &TestDb) -> TestApp {
        TestApp::start(pool, db, false)
    }

    /// [`TestApp::spawn`] configured as behind a proxy: the client address is taken from
    /// `X-Forwarded-For` (see [`TestApp::login_from`]).
    pub fn spawn_behind_proxy(db: &TestDb) -> TestApp {
        TestApp::start(db.pool.clone(), db, true)
    }

    fn start(pool: peiyu::store::Pool, db: &TestDb, trust_proxy: bool) -> TestApp {
        let key = session::resolve_key(&mut db.conn(), None).unwrap();
        let state = AppState {
            pool,
            keys: SessionKeys::new(key, false),
            storage: db.storage(),
            config: WebConfig {
                workers: Some(1),
                trust_proxy,
                shutdown_timeout: Duration::from_secs(1),
                body_timeout: TEST_BODY_TIMEOUT,
            },
        };
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let (tx, rx) = mpsc::channel();
        let thread = std::thread::spawn(move || {
            actix_web::rt::System::new().block_on(async move {
                let server = startup::server(listener, state).unwrap();
                tx.send(server.handle()).unwrap();
                server.await.unwrap();
            })
        });
        let handle = rx.recv().unwrap();
        TestApp {
            base,
            agent: agent(),
            handle,
            thread: Some(thread),
        }
    }

    /// A second browser on the same server (its own cookies).
    pub fn other_client(&self) -> TestApp {
        TestApp {
            base: self.base.clone(),
            agent: agent(),
            handle: self.handle.clone(),
            thread: None,
        }
    }

    /// `GET path`.
    pub fn get(&self, path: &str) -> Resp {
        read(
            self.agent
                .get(format!("{}{path}", self.base))
                .call()
                .unwrap(),
        )
    }

    /// `GET path` with extra request headers.
    pub fn get_with(&self, path: &str, headers: &[(&str, &str)]) -> Resp {
        let mut req = self.agent.get(format!("{}{path}", self.base));
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        read(req.call().unwrap())
    }

    /// `POST path` with a urlencoded form.
    pub fn post(&self, path: &str, form: &[(&str, &str)]) -> Resp {
        read(
            self.agent
                .post(format!("{}{path}", self.base))
                .send_form(form.iter().copied())
                .unwrap(),
        )
    }

    /// `POST path` as a `multipart/form-data` body of `parts` in order: `(name, None, value)`
    /// is a text field, `(name, Some(file_name), bytes)` a file.
    pub fn post_multipart(&self, path: &str, parts: &[(&str, Option<&str>, &[u8])]) -> Resp {
        const BOUNDARY: &str = "----peiyu-test-7d9f1c2a";
        let mut body = Vec::new();
        for (name, file_name, value) in parts {
            body.extend_from_slice(format!("--{BOUNDARY}\r\n").as_bytes());
            match file_name {
                Some(f) => body.extend_from_slice(
                    format!(
                        "Content-Disposition: form-data; name=\"{name}\"; filename=\"{f}\"\r\n\
                         Content-Type: application/octet-stream\r\n\r\n"
                    )
                    .as_bytes(),
                ),
                None => body.extend_from_slice(
                    format!("Content-Disposition: form-data; name=\"{name}\"\r\n\r\n").as_bytes(),
                ),
            }
            body.extend_from_slice(value);
            body.extend_from_slice(b"\r\n");
        }
        body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
        read(
            self.agent
                .post(format!("{}{path}", self.base))
                .header(
                    "content-type",
                    format!("multipart/form-data; boundary={BOUNDARY}"),
                )
                .send(&body[..])
                .unwrap(),
        )
    }

    /// `GET path`, with the body as bytes: status, headers (lower-case names), body.
    pub fn get_bytes(&self, path: &str) -> (u16, Vec<(String, String)>, Vec<u8>) {
        read_bytes(
            self.agent
                .get(format!("{}{path}", self.base))
                .call()
                .unwrap(),
        )
    }

    /// Sign in through the login form; returns the POST's response.
    pub fn login(&self, username: &str, password: &str) -> Resp {
        let form = self.get("/login");
        assert_eq!(form.status, 200, "{}", form.body);
        let csrf = form.csrf();
        self.post(
            "/login",
            &[
                ("_csrf", csrf.as_str()),
                ("username", username),
                ("password", password),
                ("next", "/"),
            ],
        )
    }

    /// Sign in from the client address `address` (an app from
    /// [`TestApp::spawn_behind_proxy`]); returns the POST's response.
    pub fn login_from(&self, address: &str, username: &str, password: &str) -> Resp {
        let form = self.get("/login");
        let csrf = form.csrf();
        read(
            self.agent
                .post(format!("{}/login", self.base))
                .header("x-forwarded-for", address)
                .send_form([
                    ("_csrf", csrf.as_str()),
                    ("username", username),
                    ("password", password),
                    ("next", "/"),
                ])
                .unwrap(),
        )
    }

    /// Sign in and insist it worked.
    pub fn login_ok(&self, username: &str) {
        let r = self.login(username, PASSWORD);
        assert_eq!(r.status, 303, "login as {username}: {}", r.body);
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(t) = self.thread.take() {
            actix_web::rt::System::new().block_on(self.handle.stop(true));
            let _ = t.join();
        }
    }
}
