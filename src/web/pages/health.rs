//! Health checks for load balancers and orchestrators.

use crate::web::AppState;
use actix_web::{web, HttpResponse};
use diesel::RunQueryDsl;
use std::time::Duration;

/// `GET /healthz`: the process is up.
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/plain; charset=utf-8")
        .body("ok")
}

/// `GET /readyz`: the database answers `SELECT 1` within a few seconds; 503 otherwise.
pub async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    let pool = state.pool.clone();
    let r = web::block(move || -> Result<(), String> {
        let mut c = pool
            .get_timeout(Duration::from_secs(3))
            .map_err(|e| e.to_string())?;
        diesel::sql_query("SELECT 1")
            .execute(&mut *c)
            .map(|_| ())
            .map_err(|e| e.to_string())
    })
    .await;
    match r {
        Ok(Ok(())) => HttpResponse::Ok()
            .content_type("text/plain; charset=utf-8")
            .body("ready"),
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "not ready");
            HttpResponse::ServiceUnavailable()
                .content_type("text/plain; charset=utf-8")
                .body("database unavailable")
        }
        Err(e) => {
            tracing::warn!(error = %e, "not ready");
            HttpResponse::ServiceUnavailable()
                .content_type("text/plain; charset=utf-8")
                .body("database unavailable")
        }
    }
}
