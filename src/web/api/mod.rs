//! The JSON API under `/api/v1` (DESIGN §5): handlers parse, call a use case in `app`, and
//! answer JSON. Callers authenticate with a bearer token or the session cookie ([`auth`]);
//! errors are `{"error": {"code", "message"}}` ([`error`]). The OpenAPI document at
//! `/api/v1/openapi.json` is generated from the handlers' `#[utoipa::path]` annotations.
//!
//! [`ROUTES`] is the one list of routes: [`configure`] registers exactly it, a test checks
//! that every entry is in the OpenAPI document, and the API's access matrix
//! (`tests/it/web/api/matrix.rs`) fails until every entry has a row saying which caller gets
//! which status.

pub mod auth;
pub mod error;
pub mod firms;
pub mod other;

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
}

impl Verb {
    /// Lower-case, as in the OpenAPI document's `paths`.
    pub fn id(self) -> &'static str {
        match self {
            Verb::Get => "get",
            Verb::Post => "post",
            Verb::Put => "put",
            Verb::Patch => "patch",
        }
    }

    fn route(self) -> Route {
        match self {
            Verb::Get => web::get(),
            Verb::Post => web::post(),
            Verb::Put => web::put(),
            Verb::Patch => web::patch(),
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
    info(title = "Peiyu API", description = "Firms, figures, IP, stage events and \
        eligibility for the city science bureau's cultivation programme."),
    paths(
        other::openapi, other::me,
        firms::list, firms::create, firms::show, firms::patch,
        firms::years, firms::put_year, firms::ip_list, firms::ip_add,
        firms::fire, firms::evaluation,
        other::eligibility, other::reserve_pool,
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
        .default_service(web::to(not_found));
    for r in ROUTES {
        scope = scope.route(r.path, (r.handler)(r.verb.route()));
    }
    cfg.service(scope);
}

/// Any other path under `/api/v1`: a JSON 404.
pub async fn not_found() -> Result<HttpResponse, ApiError> {
    Err(ApiError::not_found())
}

/// A 200 with `value` as JSON (`Cache-Control: no-store`, as every answer for a caller, from
/// [`crate::web::middleware::security_headers`]).
pub fn json_ok<T: Serialize>(value: &T) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(value))
}

/// Parse a JSON body into `T`; a failure is a 400 naming the field.
pub fn parse_body<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    let de = &mut serde_json::Deserializer::from_slice(body);
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        let field = if path == "." || path.is_empty() {
            "body".to_string()
        } else {
            path
        };
        let inner = e.into_inner();
        let err = if inner.is_syntax() || inner.is_eof() {
            InputError::new(
                field,
                "malformed_json",
                Text::new("api.input.json_syntax")
                    .plain("line", inner.line())
                    .plain("column", inner.column()),
            )
        } else {
            let text = Text::new("api.input.invalid_value")
                .plain("field", &field)
                .plain("error", &inner);
            InputError::new(field, "invalid_value", text)
        };

        ApiError::from(err)
    })
}

/// A firm id from the path; anything but a number is a 404, as on the pages.
pub fn path_id(raw: &str) -> Result<i64, ApiError> {
    raw.trim().parse().map_err(|_| ApiError::not_found())
}
