//! The JSON API under `/api/v1` (DESIGN §5): handlers parse, call a use case in `app`, and
//! answer JSON. Callers authenticate with a bearer token or the session cookie ([`auth`]);
//! errors are `{"error": {"code", "message"}}` ([`error`]). The OpenAPI document at
//! `/api/v1/openapi.json` is generated from the handlers' `#[utoipa::path]` annotations.
//!
//! [`ROUTES`] is the one list of routes: [`configure`] registers exactly it, a test checks
//! that every entry is in the OpenAPI document, and the API's access matrix
//! (`tests/it/web/api/matrix.rs`) fails until every entry has a row saying which caller gets
//! which status.

pub mod applications;
pub mod auth;
pub mod documents;
pub mod error;
pub mod firms;
pub mod nominations;
pub mod other;
pub mod schema;

use crate::core::error::{InputError, Text};
use actix_web::{web, HttpResponse, Route};
use error::ApiError;
use serde::de::DeserializeOwned;
use serde::Serialize;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

/// Where the API lives.
pub const PREFIX: &str = "/api/v1";

/// An HTTP method of an API route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verb {
    /// GET.
    Get,
    /// POST.
    Post,
    /// PUT.
    Put,
    /// PATCH.
    Patch,
    /// DELETE.
    Delete,
}

impl Verb {
    /// Lower-case, as in the OpenAPI document's `paths`.
    pub fn id(self) -> &'static str {
        match self {
            Verb::Get => "get",
            Verb::Post => "post",
            Verb::Put => "put",
            Verb::Patch => "patch",
            Verb::Delete => "delete",
        }
    }

    fn route(self) -> Route {
        match self {
            Verb::Get => web::get(),
            Verb::Post => web::post(),
            Verb::Put => web::put(),
            Verb::Patch => web::patch(),
            Verb::Delete => web::delete(),
        }
    }
}

/// One API route: method, path below [`PREFIX`], and how to attach its handler.
#[derive(Debug, Clone, Copy)]
pub struct ApiRoute {
    /// Method.
    pub verb: Verb,
    /// Path below [`PREFIX`], in the `{param}` syntax both actix-web and OpenAPI use.
    pub path: &'static str,
    /// Attaches the handler to a route of `verb`.
    pub handler: fn(Route) -> Route,
}

impl ApiRoute {
    /// The full path, as in the OpenAPI document.
    pub fn full_path(&self) -> String {
        format!("{PREFIX}{}", self.path)
    }
}

/// Every route of the API. Add a route here, to [`ApiDoc`]'s `paths` and to the access matrix
/// (`tests/it/web/api/matrix.rs`); the OpenAPI test fails for a route registered here but
/// missing from the document, the matrix test for one without a row.
pub static ROUTES: &[ApiRoute] = &[
    ApiRoute {
        verb: Verb::Get,
        path: "/openapi.json",
        handler: |r| r.to(other::openapi),
    },
    ApiRoute {
        verb: Verb::Get,
        path: "/me",
        handler: |r| r.to(other::me),
    },
    ApiRoute {
        verb: Verb::Get,
        path: "/firms",
        handler: |r| r.to(firms::list),
    },
    ApiRoute {
        verb: Verb::Post,
        path: "/firms",
        handler: |r| r.to(firms::create),
    },
    ApiRoute {
        verb: Verb::Get,
        path: "/firms/{id}",
        handler: |r| r.to(firms::show),
    },
    ApiRoute {
        verb: Verb::Patch,
        path: "/firms/{id}",
        handler: |r| r.to(firms::patch),
    },
    ApiRoute {
        verb: Verb::Get,
        path: "/firms/{id}/years",
        handler: |r| r.to(firms::years),
    },
    ApiRoute {
        verb: Verb::Put,
        path: "/firms/{id}/years/{year}",
        handler: |r| r.to(firms::put_year),
    },
    ApiRoute {
        verb: Verb::Get,
        path: "/firms/{id}/ip",
        handler: |r| r.to(firms::ip_list),
    },
    ApiRoute {
        verb: Verb::Post,
        path: "/firms/{id}/ip",
        handler: |r| r.to(firms::ip_add),
    },
    ApiRoute {
        verb: Verb::Post,
        path: "/firms/{id}/events",
        handler: |r| r.to(firms::fire),
    },
    ApiRoute {
        verb: Verb::Get,
        path: "/firms/{id}/evaluation",
        handler: |r| r.to(firms::evaluation),
    },
    ApiRoute {
        verb: Verb::Post,
        path: "/eligibility",
        handler: |r| r.to(other::eligibility),
    },
    ApiRoute {
        verb: Verb::Get,
        path: "/reserve-pool",
        handler: |r| r.to(other::reserve_pool),
    },
    ApiRoute {
        verb: Verb::Get,
        path: "/applications",
        handler: |r| r.to(applications::list_applications),
    },
    ApiRoute {
        verb: Verb::Get,
        path: "/applications/{id}",
        handler: |r| r.to(applications::show_application),
    },
    ApiRoute {
        verb: Verb::Post,
        path: "/firms/{id}/applications",
        handler: |r| r.to(applications::open_application),
    },
    ApiRoute {
        verb: Verb::Post,
        path: "/applications/{id}/steps",
        handler: |r| r.to(applications::step_application),
    },
    ApiRoute {
        verb: Verb::Get,
        path: "/applications/{id}/documents",
        handler: |r| r.to(documents::list_documents),
    },
    ApiRoute {
        verb: Verb::Post,
        path: "/applications/{id}/documents",
        handler: |r| r.to(documents::upload_document),
    },
    ApiRoute {
        verb: Verb::Get,
        path: "/applications/{id}/documents/{did}",
        handler: |r| r.to(documents::download_document),
    },
    ApiRoute {
        verb: Verb::Delete,
        path: "/applications/{id}/documents/{did}",
        handler: |r| r.to(documents::remove_document),
    },
    ApiRoute {
        verb: Verb::Get,
        path: "/nominations",
        handler: |r| r.to(nominations::list_nominations),
    },
    ApiRoute {
        verb: Verb::Post,
        path: "/nominations",
        handler: |r| r.to(nominations::nominate),
    },
    ApiRoute {
        verb: Verb::Post,
        path: "/nominations/decisions",
        handler: |r| r.to(nominations::decide_nominations),
    },
];

struct Security;

impl Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("py_ followed by 64 hex digits")
                    .build(),
            ),
        );
        components.add_security_scheme(
            "cookie",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                crate::web::session::SESSION_COOKIE,
                "The signed session cookie of a signed-in user; writes must also send \
                 X-CSRF-Token (from GET /api/v1/me).",
            ))),
        );
    }
}

/// The OpenAPI document of the API.
#[derive(OpenApi)]
#[openapi(
    info(title = "Peiyu API", description = "Firms, figures, IP, stage events, eligibility, \
        applications with their evidence documents, and reserve-pool nominations for the city science bureau's cultivation \
        programme."),
    paths(
        other::openapi, other::me,
        firms::list, firms::create, firms::show, firms::patch,
        firms::years, firms::put_year, firms::ip_list, firms::ip_add,
        firms::fire, firms::evaluation,
        other::eligibility, other::reserve_pool,
        applications::list_applications, applications::show_application,
        applications::open_application, applications::step_application,
        documents::list_documents, documents::upload_document, documents::download_document,
        documents::remove_document,
        nominations::list_nominations, nominations::nominate, nominations::decide_nominations,
    ),
    components(schemas(error::ErrorBody, error::ErrorDetail)),
    modifiers(&Security),
    security(("bearer" = []), ("cookie" = [])),
)]
pub struct ApiDoc;

/// Register [`ROUTES`], with a JSON 404 for any other path under the prefix.
pub fn configure(cfg: &mut web::ServiceConfig) {
    let mut scope = web::scope(PREFIX)
        .app_data(web::PayloadConfig::new(1024 * 1024))
        // A query that does not read (a parameter given twice, a number that is not one):
        // the API's JSON error, not actix's plain text.
        .app_data(
            web::QueryConfig::default()
                .error_handler(|e, _| ApiError::bad_request(e.to_string()).into()),
        )
        .default_service(web::to(not_found));
    for r in ROUTES {
        scope = scope.route(r.path, (r.handler)(r.verb.route()));
    }
    cfg.service(scope);
}

/// Any other path under `/api/v1`: a JSON 404.
pub async fn not_found(req: actix_web::HttpRequest) -> Result<HttpResponse, ApiError> {
    let allow = crate::web::allowed_methods(req.path());
    if allow.is_empty() {
        Err(ApiError::not_found())
    } else {
        Err(ApiError {
            kind: crate::web::error::Kind::MethodNotAllowed(allow),
        })
    }
}

/// A 200 with `value` as JSON (`Cache-Control: no-store`, as every answer for a caller, from
/// [`crate::web::middleware::security_headers`]).
pub fn json_ok<T: Serialize>(value: &T) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(value))
}

/// A JSON request body type: which of its fields may hold line breaks, and any check of the
/// body as sent that its type cannot express.
pub trait Body: DeserializeOwned {
    /// Fields of multi-line text (a reason): they may hold line breaks and tabs. A field is
    /// named by its path with the array indices left out: `reason`, `items[].note`. Every
    /// other string of the body, keys included, may hold no control character at all.
    const MULTILINE: &'static [&'static str] = &[];

    /// A check of the body as sent, after it parsed (e.g. fields that the parsed type
    /// would ignore).
    fn check_sent(&self, _sent: &serde_json::Value) -> Result<(), InputError> {
        Ok(())
    }
}

/// Parse a JSON body into `T`, strictly: nothing after the value, no control character in
/// any string (line breaks and tabs only in `T`'s multi-line fields), every field known and
/// well-typed. A number with a zero fraction (`3.0`) is the integer it equals, as in JSON
/// Schema. A failure is a 400 naming the field.
pub fn parse_body<T: Body>(body: &[u8]) -> Result<T, ApiError> {
    let mut value: serde_json::Value = serde_json::from_slice(body).map_err(|e| {
        ApiError::from(InputError::new(
            "body",
            "malformed_json",
            Text::new("api.input.json_syntax")
                .plain("line", e.line())
                .plain("column", e.column()),
        ))
    })?;
    if let Some(problem) = control_character(&value, "", T::MULTILINE) {
        return Err(problem.into());
    }
    integral_numbers(&mut value);
    let parsed: T = serde_path_to_error::deserialize(&value).map_err(|e| {
        let path = e.path().to_string();
        let field = if path == "." || path.is_empty() {
            "body".to_string()
        } else {
            path
        };
        let inner = e.into_inner();
        let text = Text::new("api.input.invalid_value")
            .plain("field", &field)
            .plain("error", &inner);
        ApiError::from(InputError::new(field, "invalid_value", text))
    })?;
    parsed.check_sent(&value)?;
    Ok(parsed)
}

/// Numbers with a zero fraction that fit an integer become that integer: JSON Schema's
/// `integer` takes `3.0`, and so does the API.
fn integral_numbers(v: &mut serde_json::Value) {
    use serde_json::Value;
    match v {
        Value::Number(n) if n.is_f64() => {
            if let Some(f) = n.as_f64() {
                // -2^63 and 2^63 are exact in f64, and each is also where a whole number just
                // beyond i64 rounds to (-2^63 - 1 reads as -2^63): both ends are left out, so
                // such a number stays too large for an integer field. A JSON integer within
                // i64 never arrives here (serde_json reads it as one).
                if f.fract() == 0.0 && f > -9.223_372_036_854_776e18 && f < 9.223_372_036_854_776e18
                {
                    #[allow(clippy::cast_possible_truncation)]
                    let i = f as i64;
                    *v = Value::from(i);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(integral_numbers),
        Value::Object(map) => map.values_mut().for_each(integral_numbers),
        _ => {}
    }
}

/// The first string of `v` (keys included) holding a control character, as an input error
/// naming its path (`contacts[0].name`); a line break or tab is allowed only in the top-level
/// fields named in `multiline`.
fn control_character(v: &serde_json::Value, path: &str, multiline: &[&str]) -> Option<InputError> {
    use serde_json::Value;
    let here = |p: &str| {
        if p.is_empty() {
            "body".to_string()
        } else {
            p.to_string()
        }
    };
    match v {
        Value::String(s) => {
            let block = multiline.contains(&without_indices(path).as_str());
            crate::core::input::check(&here(path), s, block, usize::MAX).err()
        }
        Value::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(i, x)| control_character(x, &format!("{path}[{i}]"), multiline)),
        Value::Object(map) => map.iter().find_map(|(k, x)| {
            let p = if path.is_empty() {
                k.clone()
            } else {
                format!("{path}.{k}")
            };
            crate::core::input::check(&here(&p), k, false, usize::MAX)
                .err()
                .or_else(|| control_character(x, &p, multiline))
        }),
        _ => None,
    }
}

/// A field's path with its array indices left out: `items[2].note` → `items[].note`.
fn without_indices(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    let mut in_index = false;
    for c in path.chars() {
        match c {
            '[' => {
                in_index = true;
                out.push('[');
            }
            ']' => {
                in_index = false;
                out.push(']');
            }
            _ if in_index => {}
            c => out.push(c),
        }
    }
    out
}

/// A JSON request body read as `T` ([`parse_body`]): a body that is not
/// `application/json` (or `…+json`) is a 415, one over the route's limit a 413, both in the
/// API's JSON error shape.
#[derive(Debug)]
pub struct JsonBody<T>(pub T);

impl<T: Body + 'static> actix_web::FromRequest for JsonBody<T> {
    type Error = ApiError;
    type Future = std::pin::Pin<Box<dyn std::future::Future<Output = Result<Self, ApiError>>>>;

    fn from_request(
        req: &actix_web::HttpRequest,
        payload: &mut actix_web::dev::Payload,
    ) -> Self::Future {
        let body = json_bytes(req, payload);
        Box::pin(async move { parse_body(&body.await?).map(JsonBody) })
    }
}

/// A JSON request body as text, for the routes that hand it to the core's own parser (the
/// eligibility check): the same 415 and 413 as [`JsonBody`], and a 400 for bytes that are
/// not UTF-8.
#[derive(Debug)]
pub struct JsonText(pub String);

impl actix_web::FromRequest for JsonText {
    type Error = ApiError;
    type Future = std::pin::Pin<Box<dyn std::future::Future<Output = Result<Self, ApiError>>>>;

    fn from_request(
        req: &actix_web::HttpRequest,
        payload: &mut actix_web::dev::Payload,
    ) -> Self::Future {
        let body = json_bytes(req, payload);
        Box::pin(async move {
            let bytes = body.await?;
            let text = std::str::from_utf8(&bytes).map_err(|_| {
                ApiError::from(InputError::new(
                    "profile",
                    "unreadable_input",
                    Text::new("api.input.body_not_utf8"),
                ))
            })?;
            Ok(JsonText(text.to_string()))
        })
    }
}

/// The body of a JSON request: 415 unless it says `application/json` (or `…+json`), 413 over
/// the route's limit.
fn json_bytes(
    req: &actix_web::HttpRequest,
    payload: &mut actix_web::dev::Payload,
) -> impl std::future::Future<Output = Result<web::Bytes, ApiError>> {
    let json = req
        .headers()
        .get(actix_web::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            let mime = v
                .split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase();
            mime == "application/json" || mime.ends_with("+json")
        });
    let bytes = <web::Bytes as actix_web::FromRequest>::from_request(req, payload);
    async move {
        if !json {
            return Err(ApiError::unsupported_media_type());
        }
        bytes.await.map_err(|e| {
            let overflow = e
                .as_error::<actix_web::error::PayloadError>()
                .is_some_and(|p| matches!(p, actix_web::error::PayloadError::Overflow));
            if overflow {
                ApiError::too_large()
            } else {
                ApiError::bad_request(e.to_string())
            }
        })
    }
}

/// An id from the path (a firm's, an application's); anything but a number is a 404, as on
/// the pages.
pub fn path_id(raw: &str) -> Result<i64, ApiError> {
    raw.trim().parse().map_err(|_| ApiError::not_found())
}
