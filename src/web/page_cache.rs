//! A cache of the busiest pages as this process last rendered them for one session, served
//! again only while the database provably has not changed since.
//!
//! The pages it keeps (dashboard, firm list, firm page, reserve pool, advisors, agenda, issue
//! ledger, and the API's firm list, firm and reserve pool) are functions of the database, the
//! session (user, CSRF secret), the language, the path and query, and the clock. So an entry
//! is keyed by session, language, path and query and the day (China time), and is served only
//! when all of these hold:
//!
//! - the database's change [`Marker`] read for this request equals the one read before the
//!   entry was rendered: no transaction committed since, in any process (see
//!   [`crate::store::changes`]). Signing out elsewhere, disabling the account, a new setting
//!   or a new figure all commit, so none of them is ever hidden by a copy;
//! - the entry is younger than [`TTL`], which bounds how long a time-dependent detail (a
//!   follow-up's 24-hour edit window) can lag the clock;
//! - the session is signed in, within its absolute age, and was seen in the last
//!   [`TOUCH_AFTER_SECS`]: a session due for its sliding renewal (or past its idle timeout,
//!   which is longer) goes to the handler, which renews it or signs it out;
//! - the request carries no `Authorization` header and does not ask `Cache-Control: no-cache`
//!   (a browser's forced reload).
//!
//! Only 200 responses that set no cookie are kept. Each response says `X-Peiyu-Cache: hit`
//! or `miss`. Nothing here is needed by another process: each keeps its own copies, and each
//! checks them against the shared database on every request.

use super::session::{SessionSlot, TOUCH_AFTER_SECS};
use super::AppState;
use crate::store::changes::{ChangeWatcher, Marker};
use actix_web::body::{to_bytes, BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::web::Bytes;
use actix_web::{web, Error, HttpMessage, HttpResponse};
use std::collections::HashMap;
use std::sync::{mpsc, Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::oneshot;

/// The header that says whether a response came from the cache.
pub const CACHE_HEADER: &str = "x-peiyu-cache";
/// The longest an entry is served, however still the database.
pub const TTL: Duration = Duration::from_secs(30);
/// The default memory budget for entries (`PEIYU_PAGE_CACHE_MB`).
pub const DEFAULT_BUDGET_MB: usize = 64;

/// The pages worth keeping: GET routes read over and over. Every other route is never cached.
fn cached_route(path: &str) -> bool {
    let id_under = |prefix: &str| {
        path.strip_prefix(prefix)
            .is_some_and(|id| !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit()))
    };
    matches!(
        path,
        "/" | "/firms"
            | "/pool"
            | "/advisors"
            | "/agenda"
            | "/issues"
            | "/api/v1/firms"
            | "/api/v1/reserve-pool"
    ) || id_under("/firms/")
        || id_under("/api/v1/firms/")
}

struct Entry {
    created: Instant,
    headers: Vec<(HeaderName, HeaderValue)>,
    body: Bytes,
}

#[derive(Default)]
struct Entries {
    /// The marker every entry was rendered under; entries of an older one are gone.
    marker: Option<Marker>,
    map: HashMap<String, Entry>,
    bytes: usize,
}

impl Entries {
    /// Drop everything when the database moved on.
    fn align(&mut self, marker: &Marker) {
        if self.marker.as_ref() != Some(marker) {
            self.map.clear();
            self.bytes = 0;
            self.marker = Some(marker.clone());
        }
    }
}

/// The rendered-page cache of one process (see the module docs).
pub struct PageCache {
    /// The thread that owns the database's change watcher and reads markers for every
    /// request; none when the cache is off.
    reader: Option<mpsc::Sender<MarkerWanted>>,
    budget: usize,
    entries: Mutex<Entries>,
}

impl std::fmt::Debug for PageCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PageCache")
            .field("on", &self.is_on())
            .field("budget", &self.budget)
            .finish_non_exhaustive()
    }
}

impl PageCache {
    /// No cache: every request goes to its handler.
    pub fn off() -> Arc<PageCache> {
        Arc::new(PageCache {
            reader: None,
            budget: 0,
            entries: Mutex::new(Entries::default()),
        })
    }

    /// A cache of at most `budget_mb` MiB of pages for the database `url`. Off when
    /// `budget_mb` is 0 or the database is an in-memory one; a database that cannot be
    /// watched is an error.
    pub fn open(url: &str, budget_mb: usize) -> Result<Arc<PageCache>, crate::store::StoreError> {
        if budget_mb == 0 {
            return Ok(PageCache::off());
        }
        let reader = match ChangeWatcher::open(url)? {
            Some(watcher) => Some(spawn_reader(watcher)?),
            None => None,
        };
        Ok(Arc::new(PageCache {
            reader,
            budget: budget_mb.saturating_mul(1024 * 1024),
            entries: Mutex::new(Entries::default()),
        }))
    }

    /// Whether this cache keeps anything at all.
    pub fn is_on(&self) -> bool {
        self.reader.is_some() && self.budget > 0
    }

    fn get(&self, key: &str, marker: &Marker) -> Option<(Vec<(HeaderName, HeaderValue)>, Bytes)> {
        let mut e = self.entries.lock().ok()?;
        e.align(marker);
        let entry = e.map.get(key)?;
        if entry.created.elapsed() > TTL {
            return None;
        }
        Some((entry.headers.clone(), entry.body.clone()))
    }

    fn put(
        &self,
        key: String,
        marker: &Marker,
        headers: Vec<(HeaderName, HeaderValue)>,
        body: Bytes,
    ) {
        let Ok(mut e) = self.entries.lock() else {
            return;
        };
        // Rendered under an older marker (a commit landed meanwhile): a newer request already
        // moved the cache on, and this copy may predate that commit.
        if e.marker.as_ref().is_some_and(|m| m != marker) {
            return;
        }
        e.align(marker);
        let size = body.len() + key.len();
        if size > self.budget {
            return;
        }
        if e.bytes + size > self.budget {
            e.map.retain(|_, v| v.created.elapsed() <= TTL);
            e.bytes = e.map.iter().map(|(k, v)| k.len() + v.body.len()).sum();
            if e.bytes + size > self.budget {
                e.map.clear();
                e.bytes = 0;
            }
        }
        let entry = Entry {
            created: Instant::now(),
            headers,
            body,
        };
        let key_len = key.len();
        if let Some(old) = e.map.insert(key, entry) {
            e.bytes -= key_len + old.body.len();
        }
        e.bytes += size;
    }

    /// The database's marker now, or `None` (logged) when it cannot be read: then the request
    /// goes to its handler and nothing is kept.
    async fn marker(&self) -> Option<Marker> {
        let (reply, answer) = oneshot::channel();
        self.reader.as_ref()?.send(reply).ok()?;
        answer.await.ok().flatten()
    }
}

/// One read of the marker, a failure logged.
fn read_marker(watcher: &mut ChangeWatcher) -> Option<Marker> {
    watcher
        .marker()
        .map_err(|e| tracing::warn!(error = %e, "page cache: cannot read the change marker"))
        .ok()
}

/// A request's wish for a marker read that begins after it was made.
type MarkerWanted = oneshot::Sender<Option<Marker>>;

/// The thread that reads the marker for every request of this process: it takes all the
/// wishes queued so far, reads once, and answers them all. Every wish in a batch was made
/// before that read began, so each request gets a marker at least as new as itself (what
/// correctness needs). Under load one read serves many requests, off the async workers: on
/// PostgreSQL one round trip; on SQLite a pragma on the watcher's one connection, which the
/// async workers used to read in place under a mutex, blocking each other (this thread gave
/// 65,000-89,000 cached pages a second on SQLite where that gave 62,000-79,000). The thread
/// owns the watcher: nothing else reads it.
fn spawn_reader(
    mut watcher: ChangeWatcher,
) -> Result<mpsc::Sender<MarkerWanted>, crate::store::StoreError> {
    let (tx, rx) = mpsc::channel::<MarkerWanted>();
    std::thread::Builder::new()
        .name("peiyu-page-cache".to_string())
        .spawn(move || {
            while let Ok(first) = rx.recv() {
                let mut batch = vec![first];
                batch.extend(rx.try_iter());
                let marker = read_marker(&mut watcher);
                for wish in batch {
                    // The request may have gone (client disconnected): nothing to do then.
                    let _ = wish.send(marker.clone());
                }
            }
        })
        .map_err(|e| {
            crate::store::StoreError::Connect(format!("start the page cache's marker reader: {e}"))
        })?;
    Ok(tx)
}

/// The key of a request that may be served from the cache, or `None` when it must go to its
/// handler (see the module docs for the conditions).
fn key_of(req: &ServiceRequest) -> Option<String> {
    if req.method() != Method::GET || !cached_route(req.path()) {
        return None;
    }
    let headers = req.headers();
    if headers.contains_key(header::AUTHORIZATION)
        || headers
            .get(header::CACHE_CONTROL)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.to_ascii_lowercase().contains("no-cache"))
    {
        return None;
    }
    let s = req.extensions().get::<SessionSlot>()?.current.clone()?;
    let user = s.user_id?;
    let now = super::session::now_secs();
    if s.outlived(now) || now - s.seen > TOUCH_AFTER_SECS {
        return None;
    }
    let lang = super::auth::lang_of(req.request());
    let day = crate::core::clock::china_date(chrono::Utc::now().naive_utc());
    let pq = req.uri().path_and_query().map_or("/", |pq| pq.as_str());
    Some(format!(
        "{user}.{}.{}.{}.{day}.{pq}",
        s.issued,
        s.csrf,
        lang.tag()
    ))
}

fn with_mark<B>(mut res: ServiceResponse<B>, mark: &'static str) -> ServiceResponse<B> {
    res.headers_mut().insert(
        HeaderName::from_static(CACHE_HEADER),
        HeaderValue::from_static(mark),
    );
    res
}

/// The middleware: serve a cached copy when it is still the page the handler would render,
/// otherwise let the handler render it and keep the result. Sits inside the session layer.
pub async fn layer(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let state = req.app_data::<web::Data<AppState>>().cloned();
    let (Some(state), Some(key)) = (state.filter(|s| s.cache.is_on()), key_of(&req)) else {
        return Ok(next.call(req).await?.map_into_boxed_body());
    };
    let cache = state.cache.clone();
    let Some(marker) = cache.marker().await else {
        return Ok(next.call(req).await?.map_into_boxed_body());
    };
    if let Some((headers, body)) = cache.get(&key, &marker) {
        let mut res = HttpResponse::Ok();
        for h in headers {
            res.insert_header(h);
        }
        return Ok(with_mark(req.into_response(res.body(body)), "hit"));
    }
    let res = next.call(req).await?;
    let session_changed = res
        .request()
        .extensions()
        .get::<SessionSlot>()
        .is_some_and(|s| s.change.is_some());
    if res.status() != StatusCode::OK
        || session_changed
        || res.headers().contains_key(header::SET_COOKIE)
    {
        return Ok(res.map_into_boxed_body());
    }
    let (req, res) = res.into_parts();
    let (head, body) = res.into_parts();
    let body = match to_bytes(body).await {
        Ok(b) => b,
        Err(_) => {
            return Err(actix_web::error::ErrorInternalServerError(
                "cannot read the rendered page",
            ))
        }
    };
    let headers: Vec<(HeaderName, HeaderValue)> = head
        .headers()
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    cache.put(key, &marker, headers, body.clone());
    let res = head.set_body(body).map_into_boxed_body();
    Ok(with_mark(ServiceResponse::new(req, res), "miss"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cache(budget: usize) -> PageCache {
        PageCache {
            reader: None,
            budget,
            entries: Mutex::new(Entries::default()),
        }
    }

    fn body(n: usize) -> Bytes {
        Bytes::from(vec![b'x'; n])
    }

    #[test]
    fn only_the_busy_read_routes_are_kept() {
        for p in [
            "/",
            "/firms",
            "/firms/12",
            "/pool",
            "/api/v1/firms",
            "/api/v1/firms/7",
        ] {
            assert!(cached_route(p), "{p}");
        }
        for p in [
            "/firms/new",
            "/firms/12/edit",
            "/firms/",
            "/login",
            "/readyz",
            "/followups.csv",
            "/api/v1/me",
            "/admin/users",
        ] {
            assert!(!cached_route(p), "{p}");
        }
    }

    #[test]
    fn an_entry_is_served_only_under_the_marker_it_was_rendered_under() {
        let c = cache(1 << 20);
        let m1 = Marker::Version(1);
        let m2 = Marker::Version(2);
        c.put("k".into(), &m1, vec![], body(10));
        assert!(c.get("k", &m1).is_some());
        assert!(c.get("k", &m2).is_none(), "the database moved on");
        // A page rendered before the move arrives late: not kept.
        c.put("late".into(), &m1, vec![], body(10));
        assert!(c.get("late", &m2).is_none());
        assert!(
            c.get("k", &m1).is_none(),
            "copies of an older marker are gone"
        );
        assert!(c.get("late", &m1).is_none());
    }

    #[test]
    fn the_memory_budget_holds() {
        let c = cache(1000);
        let m = Marker::Snapshot("5:9:6,7".into());
        for i in 0..50 {
            c.put(format!("page-{i}"), &m, vec![], body(90));
            let e = c.entries.lock().unwrap();
            let counted: usize = e.map.iter().map(|(k, v)| k.len() + v.body.len()).sum();
            assert_eq!(e.bytes, counted, "accounting after {i}");
            assert!(e.bytes <= 1000, "{} bytes kept", e.bytes);
        }
        // Replacing a page keeps the count exact; a page larger than the budget is not kept.
        c.put("page-49".into(), &m, vec![], body(20));
        c.put("huge".into(), &m, vec![], body(5000));
        let e = c.entries.lock().unwrap();
        let counted: usize = e.map.iter().map(|(k, v)| k.len() + v.body.len()).sum();
        assert_eq!(e.bytes, counted);
        assert!(!e.map.contains_key("huge"));
    }
}
