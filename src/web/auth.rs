//! Who is asking: the language of the request, and the signed-in user as an extractor.
//!
//! [`CurrentUser`] is the only way a handler learns who is signed in. It checks the signed
//! session, its absolute age and idle timeout, that the account still exists and is active,
//! and slides the idle timeout. Which firms that user sees is decided in
//! [`crate::app::access`]; which pages a role may open, in [`Area::allows`].

use super::error::WebError;
use super::session::{self, Session, TOUCH_AFTER_SECS};
use super::{db, AppState};
use crate::app::access::principal_of;
use crate::app::model::User;
use crate::app::{accounts::login, AppError, Principal};
use crate::core::stage::Role;
use crate::i18n::{Lang, LANG_COOKIE};
use actix_web::dev::Payload;
use actix_web::{web, FromRequest, HttpRequest};
use std::future::Future;
use std::pin::Pin;

/// The language of a request: the `lang` cookie, or Simplified Chinese.
pub fn lang_of(req: &HttpRequest) -> Lang {
    req.cookie(LANG_COOKIE)
        .and_then(|c| Lang::parse(c.value()))
        .unwrap_or_default()
}

/// The path and query of a GET request, to come back to after sign-in; `/` for other methods.
fn return_path(req: &HttpRequest) -> String {
    if req.method() == actix_web::http::Method::GET {
        req.uri()
            .path_and_query()
            .map_or_else(|| "/".to_string(), |pq| pq.as_str().to_string())
    } else {
        "/".to_string()
    }
}

/// A part of the site that only some roles may open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Area {
    /// The dashboard.
    Dashboard,
    /// The firm list and firm pages (each firm is further limited by territory).
    Firms,
    /// Administration (users, settings).
    Admin,
    /// Advisors' workloads, reassignment and bulk assignment (admin, bureau, county officers).
    Advisors,
    /// The follow-up agenda and export (everyone who coaches; not firm users).
    Agenda,
    /// The signed-in user's own settings (mail preferences): every person who signs in.
    Account,
}

impl Area {
    /// Whether `role` may open this area at all: the one table of page access.
    pub fn allows(self, role: Role) -> bool {
        match self {
            Area::Dashboard | Area::Firms => !matches!(role, Role::System),
            Area::Admin => matches!(role, Role::Admin),
            Area::Advisors => matches!(role, Role::Admin | Role::Bureau | Role::County),
            Area::Agenda => matches!(
                role,
                Role::Admin | Role::Bureau | Role::County | Role::Advisor
            ),
            Area::Account => !matches!(role, Role::System),
        }
    }
}

/// The signed-in user of a request.
#[derive(Debug, Clone)]
pub struct CurrentUser {
    /// The account.
    pub user: User,
    /// As the use cases see them.
    pub principal: Principal,
    /// The interface language.
    pub lang: Lang,
}

impl CurrentUser {
    /// `Ok` when the user's role may open `area`, else a 403.
    pub fn require(&self, area: Area) -> Result<(), WebError> {
        if area.allows(self.principal.role) {
            Ok(())
        } else {
            Err(WebError::forbidden())
        }
    }
}

async fn authenticate(req: HttpRequest) -> Result<CurrentUser, WebError> {
    let lang = lang_of(&req);
    let next = return_path(&req);
    let state = req
        .app_data::<web::Data<AppState>>()
        .cloned()
        .ok_or_else(|| WebError::from(AppError::Internal(anyhow::anyhow!("no app state"))))?;
    let Some(s) = session::current(&req) else {
        return Err(WebError::sign_in(next));
    };
    let Some(uid) = s.user_id else {
        return Err(WebError::sign_in(next));
    };
    let now = session::now_secs();
    let signed_out = |req: &HttpRequest| {
        session::clear(req);
        WebError::sign_in(next.clone())
    };
    if s.outlived(now) {
        return Err(signed_out(&req));
    }
    let found = db(&state, move |c| {
        let user = login::signed_in_user(c, uid)?;
        let idle = login::idle_timeout(c)?;
        Ok((user, idle))
    })
    .await?;
    let (Some(user), idle) = found else {
        return Err(signed_out(&req));
    };
    if now - s.seen > idle.num_seconds() || !user.active {
        return Err(signed_out(&req));
    }
    let Some(principal) = principal_of(&user) else {
        return Err(WebError::forbidden());
    };
    if now - s.seen > TOUCH_AFTER_SECS {
        session::set(&req, Session { seen: now, ..s });
    }
    Ok(CurrentUser {
        user,
        principal,
        lang,
    })
}

impl FromRequest for CurrentUser {
    type Error = WebError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        Box::pin(authenticate(req.clone()))
    }
}
