//! `GET /`: the dashboard of the signed-in user: the funnel, this month's stage changes and
//! credentials expiring soon, all within the user's territory; for the bureau and county
//! officers, the targets dashboard above them (`reports::board`).

use super::render;
use crate::app::reports::{board, should_register};
use crate::app::{firms::insights, firms::read};
use crate::core::stage::Role;
use crate::web::auth::DashboardUser;
use crate::web::error::WebError;
use crate::web::{db, AppState};
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::json;

/// `GET /`: counts by stage (a funnel), and for an advisor their firms by readiness. A firm's
/// own user gets the firm portal's home instead (`firms::portal`).
pub async fn show(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: DashboardUser,
) -> Result<HttpResponse, WebError> {
    if user.principal.role == Role::Firm {
        return match user.principal.firm_id {
            Some(id) => super::firms::portal::home(&req, &state, &user, id).await,
            // A firm user whose firm was removed has nothing to see.
            None => Err(WebError::from(crate::app::AppError::NotFound)),
        };
    }
    let lang = user.lang;
    let p = user.principal.clone();
    let (d, activity, board, should) = db(&state, move |c| {
        let today = crate::app::today();
        let board = if board::may_see(&p) {
            Some(board::board(c, &p, today)?)
        } else {
            None
        };
        // An advisor's own firms that should register or apply.
        let should = match (p.role, p.user_id) {
            (Role::Advisor, Some(id)) => {
                let filter = should_register::Filter {
                    county: None,
                    advisor_id: Some(id),
                };
                Some(should_register::should_register_page(
                    c, &p, &filter, today,
                )?)
            }
            _ => None,
        };
        Ok((
            read::dashboard(c, &p)?,
            insights::activity(c, &p, today)?,
            board,
            should,
        ))
    })
    .await?;
    let should_rows: Option<Vec<serde_json::Value>> = should.as_ref().map(|s| {
        s.entries
            .iter()
            .enumerate()
            .map(|(i, e)| {
                super::reports::should_register::entry_json(lang, &s.menus.counties, i + 1, e)
            })
            .collect()
    });
    let changes: Vec<_> = activity
        .changes
        .iter()
        .map(|c| {
            json!({
                "id": c.firm_id, "name": c.firm_name, "event": c.event,
                "from": c.from_stage, "to": c.to_stage, "as_of": c.as_of.to_string(),
            })
        })
        .collect();
    let expiring: Vec<_> = activity
        .expiring
        .iter()
        .map(|c| {
            json!({
                "id": c.firm_id, "name": c.firm_name, "kind": c.kind,
                "number": c.number.clone().unwrap_or_default(),
                "valid_until": c.valid_until.to_string(),
            })
        })
        .collect();
    let max = d.by_stage.iter().map(|(_, n)| *n).max().unwrap_or(0).max(1);
    let stages: Vec<_> = d
        .by_stage
        .iter()
        .map(|(s, n)| json!({ "id": s.id(), "count": n, "max": max, "href": format!("/firms?stage={}", s.id()) }))
        .collect();
    let mine: Vec<_> = d
        .my_firms
        .iter()
        .map(|f| {
            json!({
                "id": f.id, "name": f.name, "uscc": f.uscc, "stage": f.stage,
                "next_stage": f.next_stage, "readiness": f.readiness,
            })
        })
        .collect();
    render(
        &req,
        lang,
        Some(&user),
        "dashboard",
        "pages/dashboard",
        StatusCode::OK,
        json!({
            "total": d.total,
            "stages": stages,
            "is_advisor": user.principal.role == Role::Advisor,
            "my_firms": mine,
            "changes": changes,
            "expiring": expiring,
            "month_start": activity.month_start.to_string(),
            "board": board.as_ref().map(|b| super::reports::board::board_json(b, lang)),
            "should": should_rows,
            "window_end": activity.window_end.to_string(),
        }),
    )
}
