//! `/admin/users`: accounts and API tokens, for administrators only. Every form carries the
//! CSRF token; every change goes through a use case that writes an audit row. An invitation
//! with an email address is mailed (a one-time link that sets the password); a temporary
//! password (an invitation without an address, or the "temporary password" action) or a new
//! token is shown once, on the page that answers the form.

use crate::app::accounts::login;
use crate::app::accounts::passwords;
use crate::app::accounts::users::{self, Invited, NewUserInput};
use crate::app::{accounts::tokens, firms::read, AppError};
use crate::core::clock::china_minute;
use crate::core::error::Text;
use crate::core::stage::Role;
use crate::web::auth::{AdminUser, CurrentUser};
use crate::web::error::WebError;
use crate::web::forms::{self as kit, Errors, FieldErrors, Message};
use crate::web::pages::render;
use crate::web::session::CsrfForm;
use crate::web::{db, AppState};
use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;
use serde_json::{json, Value};

/// How many of the accounts being tried the page lists.
const TRIED_SHOWN: i64 = 20;
/// Roles an administrator may give.
const ROLES: [Role; 5] = [
    Role::Admin,
    Role::Bureau,
    Role::County,
    Role::Advisor,
    Role::Firm,
];

/// Something to show once at the top of the page.
struct Shown {
    label: String,
    secret: String,
}

async fn page(
    req: &HttpRequest,
    state: &AppState,
    user: &CurrentUser,
    status: StatusCode,
    shown: Option<Shown>,
    error: Option<String>,
) -> Result<HttpResponse, WebError> {
    page_with(req, state, user, status, shown, error, Again::None, None).await
}

/// A form of the page shown again after a refusal: what was typed, and the problems beside
/// their fields (in the user's language).
enum Again {
    /// A fresh page.
    None,
    /// The invitation.
    Invite(InviteForm, Errors),
    /// The token form.
    Token(TokenForm, Errors),
    /// One user's role and county: the user, what was chosen, the problem.
    Change(i64, ChangeForm, String),
}

#[allow(clippy::too_many_arguments)]
async fn page_with(
    req: &HttpRequest,
    state: &AppState,
    user: &CurrentUser,
    status: StatusCode,
    shown: Option<Shown>,
    error: Option<String>,
    again: Again,
    notice: Option<String>,
) -> Result<HttpResponse, WebError> {
    let lang = user.lang;
    let p = user.principal.clone();
    let now = chrono::Utc::now().naive_utc();
    let (users, toks, counties, tried) = db(state, move |c| {
        let users = users::list_users(c, &p)?;
        let toks = tokens::list_tokens(c, &p)?;
        let counties = read::counties(c)?;
        let tried = login::tried_accounts(c, &p, now, TRIED_SHOWN)?;
        Ok((users, toks, counties, tried))
    })
    .await?;
    let county_name = |code: &Option<String>| -> String {
        code.as_ref()
            .map(|c| {
                counties
                    .iter()
                    .find(|k| &k.code == c)
                    .map_or(c.clone(), |k| lang.pick(&k.name_zh, &k.name_en).to_string())
            })
            .unwrap_or_default()
    };
    let rows: Vec<Value> = users
        .iter()
        .map(|u| {
            // A refused change shows the row as chosen, with the problem beside it.
            let (role, county, error) = match &again {
                Again::Change(id, f, message) if *id == u.id => {
                    (f.role.trim(), Some(f.county.trim()), message.as_str())
                }
                _ => (u.role.as_str(), u.county_code.as_deref(), ""),
            };
            json!({
                "id": u.id,
                "username": u.username,
                "display_name": u.display_name,
                "active": u.active,
                "pending": !users::has_password(u),
                "must_change": u.must_change_password,
                "county": county_name(&u.county_code),
                "roles": ROLES.iter().map(|r| json!({"id": r.id(), "selected": r.id() == role})).collect::<Vec<_>>(),
                "counties": counties.iter().map(|c| json!({
                    "value": c.code, "name": lang.pick(&c.name_zh, &c.name_en),
                    "selected": county == Some(c.code.as_str()),
                })).collect::<Vec<_>>(),
                "error": error,
            })
        })
        .collect();
    let token_rows: Vec<Value> = toks
        .iter()
        .map(|(t, username)| {
            json!({
                "id": t.id,
                "name": t.name,
                "username": username,
                "created": china_minute(t.created_at),
                "last_used": t.last_used_at.map(china_minute).unwrap_or_default(),
                "revoked": t.revoked_at.is_some(),
            })
        })
        .collect();
    let tried_rows: Vec<Value> = tried
        .iter()
        .map(|t| {
            json!({
                "username": t.username,
                "exists": t.exists,
                "failures": t.failures,
                "addresses": t.addresses,
                "last": china_minute(t.last_at),
            })
        })
        .collect();
    render(
        req,
        lang,
        Some(user),
        "users",
        "pages/accounts/users",
        status,
        json!({
            "users": rows,
            "tokens": token_rows,
            "tried": tried_rows,
            "roles": ROLES.iter().map(|r| json!({"id": r.id()})).collect::<Vec<_>>(),
            "counties": counties.iter().map(|c| json!({"value": c.code, "name": lang.pick(&c.name_zh, &c.name_en)})).collect::<Vec<_>>(),
            "shown": shown.map(|s| json!({"label": s.label, "secret": s.secret})),
            // The invitation and the token form as typed (empty on a fresh page), their
            // problems by field.
            "invite": match &again { Again::Invite(f, _) => json!(f), _ => json!(InviteForm::default()) },
            "invite_error": match &again { Again::Invite(_, e) => json!(e), _ => json!({}) },
            "token": match &again { Again::Token(f, _) => json!(f), _ => json!(TokenForm::default()) },
            "token_error": match &again { Again::Token(_, e) => json!(e), _ => json!({}) },
            "error": error,
            "notice": notice,
        }),
    )
}

/// A use case's refusal shown on the page (bad input, duplicate), or the error page for the
/// rest.
async fn outcome<T>(
    req: &HttpRequest,
    state: &AppState,
    user: &CurrentUser,
    result: Result<T, AppError>,
    ok: impl FnOnce(T) -> Option<Shown>,
) -> Result<HttpResponse, WebError> {
    let lang = user.lang;
    match result {
        Ok(v) => match ok(v) {
            Some(shown) => page(req, state, user, StatusCode::OK, Some(shown), None).await,
            None => Ok(HttpResponse::SeeOther()
                .insert_header((header::LOCATION, "/admin/users"))
                .finish()),
        },
        Err(AppError::BadInput(e)) => {
            let msg = format!("{}: {}", e.field, crate::i18n::render(lang, &e.text));
            page(req, state, user, StatusCode::BAD_REQUEST, None, Some(msg)).await
        }
        Err(AppError::Conflict(c)) => {
            let msg = crate::i18n::render(lang, &c.text());
            page(req, state, user, StatusCode::CONFLICT, None, Some(msg)).await
        }
        Err(e) => Err(WebError::from(e)),
    }
}

/// `GET /admin/users`.
pub async fn users(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: AdminUser,
) -> Result<HttpResponse, WebError> {
    page(&req, &state, &user, StatusCode::OK, None, None).await
}

/// The invitation form.
#[derive(Debug, Clone, Default, Deserialize, serde::Serialize)]
#[serde(default)]
pub struct InviteForm {
    /// Username.
    pub username: String,
    /// Role id.
    pub role: String,
    /// County code.
    pub county: String,
    /// A firm user's firm.
    pub firm_uscc: String,
    /// Name shown.
    pub display_name: String,
    /// Email.
    pub email: String,
}

impl InviteForm {
    /// The problems the form can see by itself, each beside its field: texts that do not
    /// belong, no username, an address that is not one, a role not in the list, a county
    /// officer without a county, a firm user without a firm. Inviting checks everything
    /// again (and what needs the database: a taken username, an unknown county or firm).
    pub fn problems(&self) -> FieldErrors {
        let mut e = FieldErrors::checked(self, &[]);
        e.required("username", &self.username);
        if let Some(mail) = kit::text(&self.email) {
            if let Err(problem) = crate::core::input::email("email", &mail) {
                e.input(&problem);
            }
        }
        let role = e.choice("role", &self.role, |r| {
            Role::parse(r).filter(|r| ROLES.contains(r))
        });
        if role == Some(Role::County) && kit::text(&self.county).is_none() {
            e.add(
                "county",
                Message::Text(Text::new("app.accounts.county_required")),
            );
        }
        if role == Some(Role::Firm) && kit::text(&self.firm_uscc).is_none() {
            e.add(
                "firm_uscc",
                Message::Text(Text::new("app.accounts.firm_required")),
            );
        }
        e
    }
}

/// A use case's refusal of a form placed beside the form's fields (the use case's `user` is
/// the form's `username`, as is a taken name), in the user's language, with the status; not
/// found, forbidden and internal errors stay errors.
fn placed(e: AppError, lang: crate::i18n::Lang) -> Result<(Errors, StatusCode), WebError> {
    let status = match &e {
        AppError::Conflict(_) => StatusCode::CONFLICT,
        _ => StatusCode::BAD_REQUEST,
    };
    let mut errors = Errors::new();
    match e {
        AppError::BadInput(ie) => {
            let field = match ie.field.as_str() {
                "user" | "" => "username".to_string(),
                f => f.to_string(),
            };
            errors.insert(field, crate::i18n::render(lang, &ie.text));
        }
        AppError::Conflict(c) => {
            errors.insert("username".to_string(), crate::i18n::render(lang, &c.text()));
        }
        other => return Err(other.into()),
    }
    Ok((errors, status))
}

/// `POST /admin/users`: invite a user: with an email address the invitation mail with its
/// one-time link is queued; without one the temporary password is shown once. A refusal
/// shows the form as typed, every problem beside its field.
pub async fn invite(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: AdminUser,
    form: CsrfForm<InviteForm>,
) -> Result<HttpResponse, WebError> {
    let f = form.0;
    let lang = user.lang;
    let problems = f.problems();
    if !problems.is_empty() {
        let again = Again::Invite(f, problems.in_lang(lang));
        let status = StatusCode::BAD_REQUEST;
        return page_with(&req, &state, &user, status, None, None, again, None).await;
    }
    let some = |s: &String| Some(s.clone()).filter(|s| !s.trim().is_empty());
    let input = NewUserInput {
        username: f.username.clone(),
        role: f.role.clone(),
        county_code: some(&f.county),
        firm_uscc: some(&f.firm_uscc),
        display_name: some(&f.display_name),
        email: some(&f.email),
        password: String::new(),
    };
    let p = user.principal.clone();
    let now = chrono::Utc::now().naive_utc();
    // Every problem only the database can tell (county, firm, a taken username) at once,
    // each beside its field; then the use case, which checks again.
    let result = db(&state, move |c| {
        let problems = users::invite_problems(c, &input, &p)?;
        if !problems.is_empty() {
            return Ok(Err(problems));
        }
        users::invite_user(c, input, &p, now).map(Ok)
    })
    .await;
    let result = match result {
        Ok(Err(problems)) => {
            let mut errors = Errors::new();
            for e in problems {
                let field = match e.field.as_str() {
                    "user" | "" => "username".to_string(),
                    f => f.to_string(),
                };
                errors
                    .entry(field)
                    .or_insert_with(|| crate::i18n::render(lang, &e.text));
            }
            let again = Again::Invite(f, errors);
            let status = StatusCode::BAD_REQUEST;
            return page_with(&req, &state, &user, status, None, None, again, None).await;
        }
        Ok(Ok(invited)) => Ok(invited),
        Err(e) => Err(e),
    };
    match result {
        // Mailed: the page says so; without an address the temporary password is shown once.
        Ok(Invited::Mailed(u)) => {
            let notice = crate::i18n::render(
                lang,
                &Text::new("admin.invite.mailed").plain("username", &u.username),
            );
            let status = StatusCode::OK;
            page_with(
                &req,
                &state,
                &user,
                status,
                None,
                None,
                Again::None,
                Some(notice),
            )
            .await
        }
        Ok(Invited::Temporary(u, temp)) => {
            let shown = Shown {
                label: u.username,
                secret: temp,
            };
            page(&req, &state, &user, StatusCode::OK, Some(shown), None).await
        }
        Err(e) => {
            let (errors, status) = placed(e, lang)?;
            let again = Again::Invite(f, errors);
            page_with(&req, &state, &user, status, None, None, again, None).await
        }
    }
}

/// A change to one user.
#[derive(Debug, Clone, Deserialize)]
pub struct ChangeForm {
    /// `role`, `disable`, `enable`, `reinvite` (send the invitation again) or `temp_password`
    /// (a temporary password, shown once).
    pub action: String,
    /// New role (for `role`).
    #[serde(default)]
    pub role: String,
    /// New county (for `role`; empty clears).
    #[serde(default)]
    pub county: String,
}

/// `POST /admin/users/{id}`: change role and county, disable or enable, send the invitation
/// again, or set a temporary password (shown once; the user must change it at sign-in).
pub async fn change(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: AdminUser,
    id: web::Path<String>,
    form: CsrfForm<ChangeForm>,
) -> Result<HttpResponse, WebError> {
    let id = crate::web::pages::path_id(&id)?;
    let f = form.0;
    let p = user.principal.clone();
    let now = chrono::Utc::now().naive_utc();
    if f.action == "temp_password" {
        let result = db(&state, move |c| {
            passwords::set_temporary_password(c, id, &p, now)
        })
        .await;
        return outcome(&req, &state, &user, result, |(u, temp)| {
            Some(Shown {
                label: u.username,
                secret: temp,
            })
        })
        .await;
    }
    let typed = f.clone();
    let result = db(&state, move |c| match f.action.as_str() {
        "reinvite" => users::reinvite(c, id, &p, now).map(|_| ()),
        "disable" => users::set_active(c, id, false, &p).map(|_| ()),
        "enable" => users::set_active(c, id, true, &p).map(|_| ()),
        "role" => users::change_role(c, id, &f.role, Some(&f.county), &p).map(|_| ()),
        other => Err(AppError::bad_input(
            "action",
            "unknown_action",
            crate::core::error::Text::new("web.admin.unknown_action").plain("action", other),
        )),
    })
    .await;
    match result {
        // A refused role change: that user's row as chosen, the problem beside it.
        Err(e @ (AppError::BadInput(_) | AppError::Conflict(_))) if typed.action == "role" => {
            let (errors, status) = placed(e, user.lang)?;
            let message = errors.into_values().collect::<Vec<_>>().join(" ");
            let again = Again::Change(id, typed, message);
            page_with(&req, &state, &user, status, None, None, again, None).await
        }
        other => outcome(&req, &state, &user, other, |()| None).await,
    }
}

/// The token form.
#[derive(Debug, Clone, Default, Deserialize, serde::Serialize)]
#[serde(default)]
pub struct TokenForm {
    /// The user the token acts as.
    pub username: String,
    /// Its label.
    pub name: String,
}

/// `POST /admin/tokens`: create an API token; it is shown once. A refusal shows the form as
/// typed, every problem beside its field.
pub async fn create_token(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: AdminUser,
    form: CsrfForm<TokenForm>,
) -> Result<HttpResponse, WebError> {
    let f = form.0;
    let lang = user.lang;
    let mut problems = FieldErrors::checked(&f, &[]);
    problems.required("username", &f.username);
    problems.required("name", &f.name);
    if !problems.is_empty() {
        let again = Again::Token(f, problems.in_lang(lang));
        let status = StatusCode::BAD_REQUEST;
        return page_with(&req, &state, &user, status, None, None, again, None).await;
    }
    let (username, name) = (f.username.clone(), f.name.clone());
    let p = user.principal.clone();
    match db(&state, move |c| {
        tokens::create_token(c, &username, &name, &p)
    })
    .await
    {
        Ok(t) => {
            let shown = Shown {
                label: t.row.name,
                secret: t.token,
            };
            page(&req, &state, &user, StatusCode::OK, Some(shown), None).await
        }
        Err(e) => {
            let (errors, status) = placed(e, lang)?;
            let again = Again::Token(f, errors);
            page_with(&req, &state, &user, status, None, None, again, None).await
        }
    }
}

/// The revoke form carries only its CSRF token.
#[derive(Debug, Deserialize)]
pub struct Empty {}

/// `POST /admin/tokens/{id}/revoke`.
pub async fn revoke_token(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: AdminUser,
    id: web::Path<String>,
    _form: CsrfForm<Empty>,
) -> Result<HttpResponse, WebError> {
    let id = crate::web::pages::path_id(&id)?;
    let p = user.principal.clone();
    let result = db(&state, move |c| tokens::revoke_token(c, id, &p)).await;
    outcome(&req, &state, &user, result, |()| None).await
}
