//! A headless Chromium driven through chromedriver (WebDriver, via `fantoccini`), behind a
//! blocking API that suits the suite's plain `#[test]` functions.
//!
//! Each [`Browser`] starts its own chromedriver on a free loopback port and its own Chromium
//! with a fresh profile; dropping it ends the session, stops chromedriver and removes the
//! profile. Paths come from `PEIYU_CHROMEDRIVER` and `PEIYU_CHROMIUM` (scripts/test exports
//! them), else Debian's `/usr/bin/chromedriver` and `/usr/bin/chromium`. A missing browser
//! fails the test with a message; it never skips.

use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::{json, Map, Value};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn tool(var: &str, default: &str) -> PathBuf {
    let path = std::env::var_os(var).map_or_else(|| PathBuf::from(default), PathBuf::from);
    assert!(
        path.exists(),
        "browser tests need {} (set {var}, or run scripts/test, which installs Debian's \
         chromium and chromium-driver); they never skip",
        path.display()
    );
    path
}

/// Where screenshots go: `PEIYU_SCREENSHOTS`, else `screenshots/` in the checkout
/// (gitignored), for a person to look at after the run.
pub fn screenshot_dir() -> PathBuf {
    let dir = std::env::var_os("PEIYU_SCREENSHOTS").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("screenshots"),
        PathBuf::from,
    );
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// One headless Chromium pointed at `base`.
pub struct Browser {
    rt: tokio::runtime::Runtime,
    client: Option<Client>,
    driver: Child,
    _profile: tempfile::TempDir,
    base: String,
}

impl Browser {
    /// Start chromedriver and a browser session for the app at `base` (`http://127.0.0.1:N`).
    pub fn start(base: &str) -> Browser {
        let chromedriver = tool("PEIYU_CHROMEDRIVER", "/usr/bin/chromedriver");
        let chromium = tool("PEIYU_CHROMIUM", "/usr/bin/chromium");
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let driver = Command::new(&chromedriver)
            .arg(format!("--port={port}"))
            .arg("--allowed-ips=127.0.0.1")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", chromedriver.display()));
        let profile = tempfile::tempdir().unwrap();
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let mut browser = Browser {
            rt,
            client: None,
            driver,
            _profile: profile,
            base: base.to_string(),
        };
        let url = format!("http://127.0.0.1:{port}");
        browser.wait_for_driver(&url);
        let mut caps = Map::new();
        caps.insert("browserName".into(), json!("chrome"));
        caps.insert(
            "goog:chromeOptions".into(),
            json!({
                "binary": chromium,
                "args": [
                    "--headless",
                    "--no-sandbox",
                    "--disable-gpu",
                    "--disable-quic",
                    "--no-first-run",
                    // This machine's network is closed: without these Chromium keeps trying.
                    "--disable-background-networking",
                    "--disable-component-update",
                    "--disable-sync",
                    "--disable-dev-shm-usage",
                    "--window-size=1280,1000",
                    format!("--user-data-dir={}", browser._profile.path().display()),
                ],
            }),
        );
        let client = browser
            .rt
            .block_on(
                ClientBuilder::new(HttpConnector::new())
                    .capabilities(caps)
                    .connect(&url),
            )
            .unwrap_or_else(|e| panic!("chromedriver would not start Chromium: {e}"));
        browser.client = Some(client);
        browser
    }

    fn wait_for_driver(&self, url: &str) {
        let deadline = Instant::now() + Duration::from_secs(30);
        let status = format!("{url}/status");
        loop {
            if ureq::get(&status).call().is_ok() {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "chromedriver did not answer on {url} within 30 s"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn c(&self) -> &Client {
        self.client.as_ref().unwrap()
    }

    /// Open `path` on the app.
    pub fn goto(&self, path: &str) {
        let url = format!("{}{path}", self.base);
        self.rt.block_on(self.c().goto(&url)).unwrap();
    }

    /// The current path and query.
    pub fn path(&self) -> String {
        let u = self.rt.block_on(self.c().current_url()).unwrap();
        match u.query() {
            Some(q) => format!("{}?{q}", u.path()),
            None => u.path().to_string(),
        }
    }

    /// The first element matching `css`, waiting up to 10 s for it.
    pub fn find(&self, css: &str) -> Element {
        self.rt
            .block_on(
                self.c()
                    .wait()
                    .at_most(Duration::from_secs(10))
                    .for_element(Locator::Css(css)),
            )
            .unwrap_or_else(|e| panic!("no element {css} on {}: {e}", self.path()))
    }

    /// Every element matching `css` (none is fine).
    pub fn find_all(&self, css: &str) -> Vec<Element> {
        self.rt
            .block_on(self.c().find_all(Locator::Css(css)))
            .unwrap()
    }

    /// The visible text of the first `css` element.
    pub fn text(&self, css: &str) -> String {
        let e = self.find(css);
        self.rt.block_on(e.text()).unwrap()
    }

    /// The visible text of an element.
    pub fn text_of(&self, e: &Element) -> String {
        self.rt.block_on(e.text()).unwrap()
    }

    /// An attribute of element `e` (empty when it has none).
    pub fn attr_of(&self, e: &Element, name: &str) -> String {
        self.rt.block_on(e.attr(name)).unwrap().unwrap_or_default()
    }

    /// An attribute of the first `css` element.
    pub fn attr(&self, css: &str, name: &str) -> Option<String> {
        let e = self.find(css);
        self.rt.block_on(e.attr(name)).unwrap()
    }

    /// Type into the first `css` element, replacing what was there.
    pub fn fill(&self, css: &str, text: &str) {
        let e = self.find(css);
        self.rt.block_on(e.clear()).unwrap();
        self.rt.block_on(e.send_keys(text)).unwrap();
    }

    /// Choose the file at `path` in the first `css` file input.
    pub fn choose_file(&self, css: &str, path: &std::path::Path) {
        let e = self.find(css);
        self.rt
            .block_on(e.send_keys(&path.display().to_string()))
            .unwrap();
    }

    /// Pick a date in the first `css` date input. Typing into Chromium's date control follows
    /// the browser's locale (month, day, year in en-US), so set the value the picker would.
    pub fn pick_date(&self, css: &str, date: chrono::NaiveDate) {
        let script = "document.querySelector(arguments[0]).value = arguments[1];";
        self.rt
            .block_on(
                self.c()
                    .execute(script, vec![css.into(), date.to_string().into()]),
            )
            .unwrap();
    }

    /// Click the first `css` element, a link or a submit button, and wait for the page that
    /// follows (see [`Browser::click_and_load`]).
    pub fn click(&self, css: &str) {
        self.click_and_load(css);
    }

    /// Click the first `css` element that changes this page without leaving it (a checkbox,
    /// a `<details>` summary).
    pub fn click_in_page(&self, css: &str) {
        let e = self.find(css);
        self.rt.block_on(e.click()).unwrap();
        self.settle();
    }

    /// Wait until the document has loaded (a click's navigation is asynchronous).
    fn settle(&self) {
        self.wait_for_complete(
            "return document.readyState",
            Duration::from_secs(10),
            "the page did not finish loading",
        );
    }

    /// Poll `script` until it returns `"complete"`, for up to `limit`; a script that fails
    /// (the document is being replaced) counts as not yet.
    fn wait_for_complete(&self, script: &str, limit: Duration, what: &str) {
        let deadline = Instant::now() + limit;
        loop {
            let state = self
                .rt
                .block_on(self.c().execute(script, vec![]))
                .unwrap_or(Value::Null);
            if state == json!("complete") {
                return;
            }
            assert!(Instant::now() < deadline, "{what}");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Make the viewport `width` CSS pixels wide (a phone is about 400), `height` high.
    pub fn set_viewport(&self, width: u32, height: u32) {
        let c = self.c();
        self.rt.block_on(c.set_window_size(width, height)).unwrap();
        // The window includes its frame: correct once to the asked viewport width.
        let inner = self
            .rt
            .block_on(c.execute("return window.innerWidth", vec![]))
            .ok()
            .and_then(|v| v.as_u64())
            .unwrap_or(u64::from(width));
        let outer = u64::from(width) + u64::from(width).saturating_sub(inner);
        self.rt
            .block_on(c.set_window_size(u32::try_from(outer).unwrap_or(width), height))
            .unwrap();
    }

    /// When the current page scrolls sideways (the document is wider than the viewport):
    /// the widths, and the elements that stick out on the right (tag, class, a bit of text).
    pub fn sideways(&self) -> Option<String> {
        let v = self
            .rt
            .block_on(self.c().execute(
                "const vw = document.documentElement.clientWidth;
                 const sw = document.documentElement.scrollWidth;
                 if (sw <= vw) return null;
                 const out = [];
                 for (const e of document.querySelectorAll('body *')) {
                   const r = e.getBoundingClientRect();
                   if (r.right > vw + 1 && out.length < 6) {
                     out.push(e.tagName.toLowerCase() + '.' + e.className + ' \"'
                       + (e.textContent || '').trim().slice(0, 30) + '\" right=' + Math.round(r.right));
                   }
                 }
                 return 'document ' + sw + ' px wide in a ' + vw + ' px viewport: ' + out.join(' | ');",
                vec![],
            ))
            .unwrap();
        v.as_str().map(str::to_string)
    }

    /// `<html lang>` of the current page.
    pub fn lang(&self) -> String {
        self.attr("html", "lang").unwrap_or_default()
    }

    /// Sign in through the login form.
    pub fn sign_in(&self, username: &str, password: &str) {
        self.goto("/login");
        self.fill("#username", username);
        self.fill("#password", password);
        self.click_and_load("form[action='/login'] button[type=submit]");
    }

    /// Sign out with the header's button.
    pub fn sign_out(&self) {
        self.click_and_load("form[action='/logout'] button[type=submit]");
    }

    /// Click an element that submits a form or follows a link, and wait until the next
    /// document has replaced this one and loaded. Right after a click the old document can
    /// still read as loaded, and during the switch a script may fail; so this marks the old
    /// document and waits for a loaded document without the mark.
    pub fn click_and_load(&self, css: &str) {
        let e = self.find(css);
        self.rt
            .block_on(
                self.c()
                    .execute("window.__peiyuOldPage = true; return true", vec![]),
            )
            .unwrap();
        self.rt.block_on(e.click()).unwrap();
        self.wait_for_complete(
            "return window.__peiyuOldPage === true ? 'old' : document.readyState",
            Duration::from_secs(15),
            &format!("clicking {css} did not load another page within 15 s"),
        );
    }

    /// Save a full-window PNG of the current page as `name.png` and return its path.
    pub fn screenshot(&self, name: &str) -> PathBuf {
        let c = self.c();
        // The whole page, not only the first screen: grow the window to the document, plus
        // whatever the window's frame takes from the viewport.
        let height = self
            .rt
            .block_on(c.execute(
                "return document.documentElement.scrollHeight \
                 + window.outerHeight - window.innerHeight",
                vec![],
            ))
            .ok()
            .and_then(|v| v.as_u64())
            .unwrap_or(1000)
            .clamp(600, 6000) as u32;
        self.rt.block_on(c.set_window_size(1280, height)).unwrap();
        let png = self.rt.block_on(c.screenshot()).unwrap();
        self.rt.block_on(c.set_window_size(1280, 1000)).unwrap();
        let path = screenshot_dir().join(format!("{name}.png"));
        std::fs::write(&path, png).unwrap();
        path
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        if let Some(c) = self.client.take() {
            let _ = self.rt.block_on(c.close());
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}
