//! Who is asking: the language of the request, and the signed-in user as an extractor.
//!
//! [`CurrentUser`] is the only way a handler learns who is signed in; a handler of an area
//! that only some roles may open takes its gate instead ([`FirmsUser`], [`AdminUser`], …), so
//! its signature says who may call it. It checks the signed
//! session, its absolute age and idle timeout, that the account still exists and is active,
//! and slides the idle timeout. A user who signed in with a temporary password gets nothing
//! but the change form until they choose their own. Which firms that user sees is decided in
//! [`crate::app::access`]; which pages a role may open, in [`Area::allows`].

use super::error::{WebError, CHANGE_PASSWORD_PATH};
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
use std::marker::PhantomData;
use std::ops::Deref;
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
    /// Firm users' accounts: invitations (admin, bureau, county officers for their county).
    FirmAccounts,
    /// The lists of many firms (the firm list, the reserve pool): everyone but firms' own
    /// users, who see their own firm only.
    Lists,
    /// The yearly targets (admin, bureau).
    Targets,
    /// Bulk imports of firm registries (admin, bureau, county officers for their county).
    Imports,
    /// The province's announcement lists: recording certificates and registrations (admin,
    /// bureau).
    Announcements,
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
            Area::FirmAccounts => matches!(role, Role::Admin | Role::Bureau | Role::County),
            Area::Lists => !matches!(role, Role::System | Role::Firm),
            Area::Targets => matches!(role, Role::Admin | Role::Bureau),
            Area::Imports => matches!(role, Role::Admin | Role::Bureau | Role::County),
            Area::Announcements => matches!(role, Role::Admin | Role::Bureau),
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
    let found = db(&state, move |c| login::signed_in_user_and_idle(c, uid)).await?;
    let (Some(user), idle) = found else {
        return Err(signed_out(&req));
    };
    if now - s.seen > idle.num_seconds() || !user.active || user.session_epoch != s.epoch {
        return Err(signed_out(&req));
    }
    let Some(principal) = principal_of(&user) else {
        return Err(WebError::forbidden());
    };
    // A temporary password: nothing but the change form (and signing out) until it is
    // replaced.
    if user.must_change_password && !matches!(req.path(), CHANGE_PASSWORD_PATH | "/logout") {
        return Err(WebError::password_change());
    }
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

/// An [`Area`] as a type, so that a handler's signature can name it.
pub trait Gate {
    /// The area behind this gate.
    const AREA: Area;
}

/// The signed-in user of a request whose role may open the area `G`. Extracting it signs
/// the visitor in first (like [`CurrentUser`]), then answers 403 for a role the area does not
/// allow, before the handler runs.
#[derive(Debug, Clone)]
pub struct Allowed<G> {
    user: CurrentUser,
    gate: PhantomData<G>,
}

impl<G> Allowed<G> {
    /// The signed-in user.
    pub fn into_inner(self) -> CurrentUser {
        self.user
    }
}

impl<G> Deref for Allowed<G> {
    type Target = CurrentUser;

    fn deref(&self) -> &CurrentUser {
        &self.user
    }
}

impl<G: Gate + 'static> FromRequest for Allowed<G> {
    type Error = WebError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let user = authenticate(req).await?;
            if !G::AREA.allows(user.principal.role) {
                return Err(WebError::forbidden());
            }
            Ok(Allowed {
                user,
                gate: PhantomData,
            })
        })
    }
}

/// The gates, one per [`Area`].
pub mod gate {
    use super::{Area, Gate};

    macro_rules! gates {
        ($($(#[$doc:meta])* $name:ident;)*) => {$(
            $(#[$doc])*
            #[derive(Debug, Clone, Copy)]
            pub struct $name;

            impl Gate for $name {
                const AREA: Area = Area::$name;
            }
        )*};
    }

    gates! {
        /// [`Area::Dashboard`].
        Dashboard;
        /// [`Area::Firms`].
        Firms;
        /// [`Area::Admin`].
        Admin;
        /// [`Area::Advisors`].
        Advisors;
        /// [`Area::Agenda`].
        Agenda;
        /// [`Area::Account`].
        Account;
        /// [`Area::FirmAccounts`].
        FirmAccounts;
        /// [`Area::Lists`].
        Lists;
        /// [`Area::Targets`].
        Targets;
        /// [`Area::Imports`].
        Imports;
        /// [`Area::Announcements`].
        Announcements;
    }
}

/// A user who may open the dashboard.
pub type DashboardUser = Allowed<gate::Dashboard>;
/// A user who may open the firm list and firm pages (each firm is further limited by
/// territory in `app::access`).
pub type FirmsUser = Allowed<gate::Firms>;
/// An administrator.
pub type AdminUser = Allowed<gate::Admin>;
/// A user who may see advisors' workloads and reassign firms.
pub type AdvisorsUser = Allowed<gate::Advisors>;
/// A user who may see the follow-up agenda and export.
pub type AgendaUser = Allowed<gate::Agenda>;
/// A user with settings of their own (everyone who signs in).
pub type AccountUser = Allowed<gate::Account>;
/// A user who may open the lists of many firms (not a firm's own user).
pub type ListsUser = Allowed<gate::Lists>;
/// A user who may set the yearly targets.
pub type TargetsUser = Allowed<gate::Targets>;
/// A user who may import firm registries.
pub type ImportsUser = Allowed<gate::Imports>;
/// A user who may record the province's announcement lists.
pub type AnnouncementsUser = Allowed<gate::Announcements>;
/// A user who may invite firm users and see their accounts.
pub type FirmAccountsUser = Allowed<gate::FirmAccounts>;
