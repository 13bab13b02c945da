//! The firm portal's home page (`GET /` for a firm's own user): the firm's stage and
//! credentials, what is asked of it now, the next stage with the live evaluation (every
//! criterion explained, the smallest change that passes), its applications, and its advisor
//! with contact details.

use super::firm_view;
use crate::app::applications::portal::{asks, Ask};
use crate::app::firms::read;
use crate::app::today;
use crate::core::error::Text;
use crate::i18n::{self, Lang};
use crate::web::auth::CurrentUser;
use crate::web::error::WebError;
use crate::web::pages::applications::{firm_section, firm_section_data};
use crate::web::pages::render;
use crate::web::{db, AppState};
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::Utc;
use serde_json::{json, Value};

fn ask_json(a: &Ask, lang: Lang, firm_id: i64) -> Value {
    let target = |t: &str| i18n::text(lang, &format!("application.target.{t}"));
    match a {
        Ask::Returned {
            id,
            target: t,
            comment,
        } => json!({
            "text": i18n::render(lang, &Text::new("portal.ask.returned").plain("target", target(t))),
            "comment": comment,
            "href": format!("/applications/{id}"),
        }),
        Ask::Draft { id, target: t } => json!({
            "text": i18n::render(lang, &Text::new("portal.ask.draft").plain("target", target(t))),
            "href": format!("/applications/{id}"),
        }),
        Ask::DocumentsMissing {
            id,
            target: t,
            kinds,
        } => json!({
            "text": i18n::render(lang, &Text::new("portal.ask.documents")
                .plain("target", target(t))
                .list("kinds", kinds.iter().map(|k| Text::new(k.key())).collect())),
            "href": format!("/applications/{id}#documents"),
        }),
        Ask::FiguresDue { year } => json!({
            "text": i18n::render(lang, &Text::new("portal.ask.figures").plain("year", year)),
            "href": format!("/firms/{firm_id}/years?year={year}"),
        }),
    }
}

/// The portal's home for `user`, a firm's own user of firm `firm_id`.
pub async fn home(
    req: &HttpRequest,
    state: &web::Data<AppState>,
    user: &CurrentUser,
    firm_id: i64,
) -> Result<HttpResponse, WebError> {
    let lang = user.lang;
    let p = user.principal.clone();
    let now = Utc::now().naive_utc();
    let (page, section, asked) = db(state, move |c| {
        let page = read::firm_page(c, &p, firm_id)?;
        let section = firm_section_data(c, &p, &page.firm, now)?;
        let (asked, _) = asks(c, &p, &page.firm, today(), now)?;
        Ok((page, section, asked))
    })
    .await?;
    let mut data = firm_view(&page, lang);
    data["applications"] = firm_section(&section, lang);
    data["asks"] = Value::Array(asked.iter().map(|a| ask_json(a, lang, firm_id)).collect());
    data["advisor"] = match &page.advisor {
        Some(u) => json!({
            "name": u.display_name,
            "email": u.email.clone().unwrap_or_default(),
        }),
        None => Value::Null,
    };
    render(
        req,
        lang,
        Some(user),
        "dashboard",
        "pages/firms/portal",
        StatusCode::OK,
        data,
    )
}
