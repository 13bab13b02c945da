//! Middleware: request ids with a tracing span and one log line per request, the session
//! cookie's read and write, and the security and caching headers.

use super::session::{CookieChange, SessionSlot};
use super::AppState;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::middleware::{DefaultHeaders, Next};
use actix_web::{web, Error, HttpMessage};
use rand::RngCore;
use std::time::Instant;
use tracing::Instrument;

/// The header that carries the request id, in and out.
pub const REQUEST_ID_HEADER: &str = "x-request-id";

/// The id of a request: the caller's `X-Request-Id` when it is short and plain, else random.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestId(pub String);

fn request_id(req: &ServiceRequest) -> String {
    let given = req
        .headers()
        .get(REQUEST_ID_HEADER)
        .and_then(|v| v.to_str().ok())
        .filter(|v| {
            !v.is_empty()
                && v.len() <= 64
                && v.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        });
    match given {
        Some(v) => v.to_string(),
        None => {
            let mut b = [0u8; 8];
            rand::thread_rng().fill_bytes(&mut b);
            b.iter().map(|x| format!("{x:02x}")).collect()
        }
    }
}

/// Give the request an id, run it inside a `request` span, log its outcome and latency, and
/// echo the id in `X-Request-Id`.
pub async fn request_log(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let id = request_id(&req);
    req.extensions_mut().insert(RequestId(id.clone()));
    let span = tracing::info_span!(
        "request",
        id = %id,
        method = %req.method(),
        path = %req.path(),
    );
    let started = Instant::now();
    let result = next.call(req).instrument(span.clone()).await;
    let ms = started.elapsed().as_secs_f64() * 1000.0;
    let _entered = span.enter();
    match result {
        Ok(mut res) => {
            let status = res.status().as_u16();
            if status >= 500 {
                tracing::error!(status, ms, "served");
            } else {
                tracing::info!(status, ms, "served");
            }
            if let Ok(v) = HeaderValue::from_str(&id) {
                res.headers_mut()
                    .insert(HeaderName::from_static(REQUEST_ID_HEADER), v);
            }
            Ok(res)
        }
        Err(e) => {
            tracing::error!(error = %e, ms, "failed");
            Err(e)
        }
    }
}

/// Read the signed session cookie into the request, and write back whatever the handler or
/// extractor decided (a new session, a touch, or removal).
pub async fn session_layer(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let keys = req
        .app_data::<web::Data<AppState>>()
        .map(|s| s.keys.clone());
    if let Some(k) = &keys {
        let current = k.read(req.request());
        req.extensions_mut().insert(SessionSlot {
            current,
            change: None,
        });
    }
    let mut res = next.call(req).await?;
    if let Some(k) = keys {
        let change = res
            .request()
            .extensions()
            .get::<SessionSlot>()
            .and_then(|s| s.change.clone());
        let cookie = match change {
            Some(CookieChange::Set(s)) => Some(k.cookie(&s)),
            Some(CookieChange::Clear) => Some(k.removal()),
            None => None,
        };
        if let Some(c) = cookie {
            if let Err(e) = res.response_mut().add_cookie(&c) {
                tracing::error!(error = %e, "cannot set the session cookie");
            }
        }
    }
    Ok(res)
}

/// The Content-Security-Policy: everything from this origin only, no inline script, no
/// framing, forms post only here.
pub const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
    img-src 'self' data:; object-src 'none'; base-uri 'self'; form-action 'self'; \
    frame-ancestors 'none'";

/// Security headers on every response, and `Cache-Control: no-store` on every response that
/// does not set its own. Pages, API answers and error pages depend on who asks (session,
/// bearer token, language), so no browser or proxy may keep them; the only responses that
/// set their own are the static assets under content-hashed names ([`super::assets`]).
pub fn security_headers() -> DefaultHeaders {
    DefaultHeaders::new()
        .add((header::CONTENT_SECURITY_POLICY, CSP))
        .add((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .add((header::X_FRAME_OPTIONS, "DENY"))
        .add((header::REFERRER_POLICY, "same-origin"))
        .add((header::CACHE_CONTROL, "no-store"))
}

/// A request body that must have arrived by a deadline: after it, the next read fails, and
/// the request is answered 408 (see [`body_deadline`]).
struct Deadline {
    inner: actix_web::dev::Payload,
    sleep: std::pin::Pin<Box<actix_web::rt::time::Sleep>>,
    expired: std::rc::Rc<std::cell::Cell<bool>>,
}

impl futures_core::Stream for Deadline {
    type Item = Result<actix_web::web::Bytes, actix_web::error::PayloadError>;

    fn poll_next(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Self::Item>> {
        use std::future::Future;
        use std::task::Poll;
        let this = &mut *self;
        if let Poll::Ready(item) = std::pin::Pin::new(&mut this.inner).poll_next(cx) {
            return Poll::Ready(item);
        }
        if this.sleep.as_mut().poll(cx).is_ready() {
            this.expired.set(true);
            return Poll::Ready(Some(Err(actix_web::error::PayloadError::Io(
                std::io::Error::new(std::io::ErrorKind::TimedOut, "request body timed out"),
            ))));
        }
        Poll::Pending
    }
}

/// Bound the time a request body may take to arrive ([`WebConfig::body_timeout`], counted from
/// the end of the request head): a client that sends the head and part of a body, then stalls,
/// gets a 408 in its language and the connection is closed, instead of holding it forever.
/// The head itself is bounded by the server's client request timeout.
///
/// [`WebConfig::body_timeout`]: super::WebConfig::body_timeout
pub async fn body_deadline(
    mut req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<actix_web::body::EitherBody<impl MessageBody>>, Error> {
    let limit = req
        .app_data::<web::Data<AppState>>()
        .map_or(super::BODY_TIMEOUT, |s| s.config.body_timeout);
    let expired = std::rc::Rc::new(std::cell::Cell::new(false));
    let inner = req.take_payload();
    let bounded = Deadline {
        inner,
        sleep: Box::pin(actix_web::rt::time::sleep(limit)),
        expired: expired.clone(),
    };
    req.set_payload(actix_web::dev::Payload::Stream {
        payload: Box::pin(bounded),
    });
    let res = next.call(req).await?;
    if !expired.get() {
        return Ok(res.map_into_left_body());
    }
    {
        let timed_out = failure(res.request().path(), super::error::Kind::TimedOut);
        let mut answer = ServiceResponse::from_err(timed_out, res.request().clone());
        answer
            .response_mut()
            .head_mut()
            .set_connection_type(actix_web::http::ConnectionType::Close);
        Ok(answer.map_into_right_body())
    }
}

/// Refuse an address whose query parameters hold a control character (a NUL in a search box
/// reached PostgreSQL as an error): a 400 naming the parameter, in the page's or the API's
/// language, the same on both backends. Duplicate or undecodable parameters are left to the
/// handler's own query extractor.
pub async fn plain_query(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<actix_web::body::EitherBody<impl MessageBody>>, Error> {
    let problem = serde_urlencoded::from_str::<Vec<(String, String)>>(req.query_string())
        .ok()
        .and_then(|pairs| {
            pairs.into_iter().find_map(|(k, v)| {
                crate::core::input::check(&k, &format!("{k}{v}"), false, usize::MAX).err()
            })
        });
    let Some(problem) = problem else {
        return Ok(next.call(req).await?.map_into_left_body());
    };
    let text = crate::core::error::Text::new("input.text.in_parameter")
        .plain("name", &problem.field)
        .text("problem", problem.text.clone());
    let bad = crate::app::AppError::BadInput(crate::core::error::InputError::new(
        problem.field.clone(),
        problem.code,
        text,
    ));
    let err = failure(req.path(), super::error::Kind::App(bad));
    let (http, _) = req.into_parts();
    Ok(ServiceResponse::from_err(err, http).map_into_right_body())
}

/// A failure found before any handler ran, in the shape of its address: the API's JSON error
/// under [`super::api::PREFIX`], the error page elsewhere (both rendered by the error layer).
fn failure(path: &str, kind: super::error::Kind) -> Error {
    if path.starts_with(super::api::PREFIX) {
        super::api::error::ApiError { kind }.into()
    } else {
        super::error::WebError { kind }.into()
    }
}
