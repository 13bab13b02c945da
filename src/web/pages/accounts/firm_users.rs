//! `/firm-users`: the accounts of firm users, and the invitation form, for administrators, the
//! bureau and county officers (their county's firms only). An invitation creates the account
//! without a password and mails its user a one-time link to set one; "send again" replaces
//! the link of an invitation not yet taken up.

use crate::app::accounts::users::{self, NewUserInput};
use crate::app::AppError;
use crate::core::clock::china_minute;
use crate::core::stage::Role;
use crate::i18n;
use crate::web::auth::{CurrentUser, FirmAccountsUser};
use crate::web::error::WebError;
use crate::web::pages::{path_id, render, see_other};
use crate::web::session::CsrfForm;
use crate::web::{db, AppState};
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

/// What the page can say was just done (`firm_users.done.<key>` in the catalogs).
const DONE: &[&str] = &["invited", "reinvited"];

/// The invitation form, as typed.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct InviteForm {
    /// Username.
    #[serde(default)]
    pub username: String,
    /// Name shown.
    #[serde(default)]
    pub display_name: String,
    /// Email, where the link goes.
    #[serde(default)]
    pub email: String,
    /// The firm, by USCC.
    #[serde(default)]
    pub firm_uscc: String,
}

/// The page again after a refusal: a message for the whole page, or the form as typed with
/// its problem beside the field.
#[derive(Default)]
struct Again {
    typed: Option<InviteForm>,
    field_errors: crate::web::forms::Errors,
    error: Option<String>,
}

async fn page(
    req: &HttpRequest,
    state: &AppState,
    user: &CurrentUser,
    status: StatusCode,
    done: Option<&str>,
    again: Again,
) -> Result<HttpResponse, WebError> {
    let lang = user.lang;
    let p = user.principal.clone();
    let accounts = db(state, move |c| users::firm_accounts(c, &p)).await?;
    let rows: Vec<Value> = accounts
        .iter()
        .map(|a| {
            json!({
                "id": a.user.id,
                "username": a.user.username,
                "display_name": a.user.display_name,
                "email": a.user.email,
                "firm": a.firm.as_ref().map(|(id, name)| json!({"id": id, "name": name})),
                "pending": a.pending,
                "active": a.user.active,
                "created": china_minute(a.user.created_at),
            })
        })
        .collect();
    let notice = done
        .and_then(|d| DONE.iter().find(|k| **k == d))
        .and_then(|k| i18n::lookup(lang, &format!("firm_users.done.{k}")));
    render(
        req,
        lang,
        Some(user),
        "firm_users",
        "pages/accounts/firm_users",
        status,
        json!({
            "accounts": rows,
            "county_only": user.principal.role == Role::County,
            "notice": notice,
            "error": again.error,
            "invite": again.typed.unwrap_or_default(),
            "invite_error": again.field_errors,
        }),
    )
}

/// `?done=` after an invitation.
#[derive(Debug, Default, Deserialize)]
pub struct Shown {
    /// What was just done.
    #[serde(default)]
    pub done: String,
}

/// `GET /firm-users`.
pub async fn list(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: FirmAccountsUser,
    q: web::Query<Shown>,
) -> Result<HttpResponse, WebError> {
    page(
        &req,
        &state,
        &user,
        StatusCode::OK,
        Some(q.done.trim()),
        Again::default(),
    )
    .await
}

/// `POST /firm-users`: invite a firm user; the mail with the link is queued with the account.
pub async fn invite(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: FirmAccountsUser,
    form: CsrfForm<InviteForm>,
) -> Result<HttpResponse, WebError> {
    let f = form.0;
    let typed = f.clone();
    let some = |s: String| Some(s).filter(|s| !s.trim().is_empty());
    let input = NewUserInput {
        username: f.username,
        role: Role::Firm.id().to_string(),
        county_code: None,
        firm_uscc: some(f.firm_uscc),
        display_name: some(f.display_name),
        email: some(f.email),
        password: String::new(),
    };
    let p = user.principal.clone();
    let lang = user.lang;
    let now = chrono::Utc::now().naive_utc();
    // Every problem first, each beside its field; then the use case, which checks again.
    let result = db(&state, move |c| {
        let problems = users::invite_problems(c, &input, &p)?;
        if !problems.is_empty() {
            return Ok(Err(problems));
        }
        users::invite_user(c, input, &p, now).map(Ok)
    })
    .await;
    let again = |errors: crate::web::forms::Errors| Again {
        typed: Some(typed.clone()),
        field_errors: errors,
        error: None,
    };
    let one = |field: &str, message: String| {
        let mut e = crate::web::forms::Errors::new();
        e.insert(field.to_string(), message);
        e
    };
    match result {
        Ok(Ok(_)) => Ok(see_other("/firm-users?done=invited")),
        Ok(Err(problems)) => {
            let mut errors = crate::web::forms::Errors::new();
            for e in problems {
                errors
                    .entry(e.field.clone())
                    .or_insert_with(|| i18n::render(lang, &e.text));
            }
            page(
                &req,
                &state,
                &user,
                StatusCode::BAD_REQUEST,
                None,
                again(errors),
            )
            .await
        }
        Err(AppError::BadInput(e)) => {
            let a = again(one(&e.field, i18n::render(lang, &e.text)));
            page(&req, &state, &user, StatusCode::BAD_REQUEST, None, a).await
        }
        Err(AppError::Conflict(c)) => {
            let a = again(one("username", i18n::render(lang, &c.text())));
            page(&req, &state, &user, StatusCode::CONFLICT, None, a).await
        }
        Err(e) => Err(e.into()),
    }
}

/// The "send again" form carries only its CSRF token.
#[derive(Debug, Deserialize)]
pub struct Empty {}

/// `POST /firm-users/{uid}/reinvite`: a new link to a user who has not set a password yet;
/// the old link stops working.
pub async fn reinvite(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: FirmAccountsUser,
    uid: web::Path<String>,
    _form: CsrfForm<Empty>,
) -> Result<HttpResponse, WebError> {
    let uid = path_id(&uid)?;
    let p = user.principal.clone();
    let now = chrono::Utc::now().naive_utc();
    match db(&state, move |c| users::reinvite(c, uid, &p, now)).await {
        Ok(_) => Ok(see_other("/firm-users?done=reinvited")),
        Err(AppError::BadInput(e)) => {
            let a = Again {
                error: Some(i18n::render(user.lang, &e.text)),
                ..Again::default()
            };
            page(&req, &state, &user, StatusCode::BAD_REQUEST, None, a).await
        }
        Err(e) => Err(e.into()),
    }
}
