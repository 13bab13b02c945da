//! The API's access matrix: every route of `peiyu::web::api::ROUTES` × every kind of caller →
//! the status they get, from one table ([`MATRIX`]), as `web::access_matrix` does for pages.
//! The test fails when an API route has no row here (or a row names a route that no longer
//! exists), so a new route cannot ship without someone deciding who may call it.
//!
//! Each role column is called twice, once with a session cookie (minted with the app's own
//! signing key; writes send that session's `X-CSRF-Token`) and once with a bearer token of the
//! same user: how a caller authenticates must not change what they may do, so both answers
//! must be the cell's. The last three columns are callers who must not get in: a disabled
//! account (its cookie and its token, made before it was disabled), a revoked token, and the
//! bureau's cookie on a write without the CSRF header.
//!
//! Every write carries a body that passes validation for a caller who may use it (a fresh
//! USCC or IP number, the firm's current version, the event its stage allows), so a cell
//! measures access, not validation. Every answer must be JSON, every error
//! `{"error": {"code", "message"}}` with the cell's code, and a refused call (or any GET)
//! must write nothing: no audit row, no new version of the firm.
//!
//! Under `/applications/{id}`, `{id}` is the firm's latest application still in progress
//! (each firm has a draft from the start). The rows that open and step applications leave the
//! firms as they found them: the applicants withdraw what they opened. Nominations need
//! tech-SMEs of the counties and waiting nominations, which [`world`] makes.
//!
//! To add a route: add it to `api::ROUTES`, then a row here with the expected status per
//! column and, for a write, a body. A new path parameter needs a value in [`fill`].

use crate::common::{backends, next_uscc, FirmBuilder, TestDb, COUNTY_A, COUNTY_B};
use crate::web::TestApp;
use chrono::Utc;
use diesel::prelude::*;
use peiyu::app::access::ADVISOR_COUNTY_READ_KEY;
use peiyu::app::accounts::{self, tokens};
use peiyu::app::applications::nominations;
use peiyu::app::Principal;
use peiyu::core::stage::Role;
use peiyu::store::applications::{self as applications_store, Application, NewApplication};
use peiyu::store::documents::{self, NewDocument};
use peiyu::store::firms::{self, Firm, FirmChanges};
use peiyu::store::schema::{
    applications as applications_t, audit_log, documents as documents_t, firms as firms_t,
    nominations as nominations_t, users as users_t,
};
use peiyu::store::storage::Storage;
use peiyu::store::users::{self, NewUser};
use peiyu::store::{settings, DbConn};
use peiyu::web::api::{self, Verb};
use peiyu::web::session::{self, Session, SessionKeys};
use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::time::Duration;

/// What a caller gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expect {
    /// 200.
    Ok,
    /// 201 (a firm or an IP item recorded).
    Created,
    /// 200 with a file: an attachment of the type it was stored as (a PDF here), not JSON.
    File,
    /// 401 `unauthenticated`: no valid credentials.
    Unauth,
    /// 403 `forbidden`: the role may not do this (to a firm it can see).
    Forbid,
    /// 403 `csrf`: a cookie-authenticated write without the session's token.
    Csrf,
    /// 404 `not_found`: the firm is outside the caller's territory (as if it did not exist).
    NotFound,
    /// 409 with this code: the caller may do this, but not to this data (a county officer
    /// nominating another county's firm is told which firm and why).
    Refused(&'static str),
}
use Expect::{Created, Csrf, File, Forbid, NotFound, Ok, Refused, Unauth};

impl Expect {
    fn status(self) -> u16 {
        match self {
            Ok | File => 200,
            Created => 201,
            Unauth => 401,
            Forbid | Csrf => 403,
            NotFound => 404,
            Refused(_) => 409,
        }
    }

    /// `error.code` of the answer, for the refusals.
    fn code(self) -> Option<&'static str> {
        match self {
            Ok | Created | File => None,
            Unauth => Some("unauthenticated"),
            Forbid => Some("forbidden"),
            Csrf => Some("csrf"),
            NotFound => Some("not_found"),
            Refused(code) => Some(code),
        }
    }
}

/// Who calls, and about which firm (for routes with `{id}`, and the county a new firm is
/// registered in).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Who {
    Anonymous,
    Admin,
    Bureau,
    /// A county officer of county A about a county-A firm.
    CountyOwn,
    /// The same officer about a county-B firm (and registering one in county B).
    CountyOther,
    /// An advisor (of county A) about a firm assigned to them.
    AdvisorOwn,
    /// The advisor about an unassigned firm of their county (the bureau's default: hidden).
    AdvisorSameCounty,
    /// The same, with the bureau's `advisor_county_read` on: readable, not writable.
    AdvisorCountyRead,
    /// The advisor about a firm of another county.
    AdvisorOtherCounty,
    /// A firm's user about their own firm.
    FirmOwn,
    /// The firm's user about another firm.
    FirmOther,
    /// A disabled account (bureau role) about the advisor's firm.
    Disabled,
    /// A revoked token of the bureau.
    Revoked,
    /// The bureau's session cookie without `X-CSRF-Token`.
    NoCsrf,
}

/// The columns of [`MATRIX`], in order.
const WHO: [Who; 14] = [
    Who::Anonymous,
    Who::Admin,
    Who::Bureau,
    Who::CountyOwn,
    Who::CountyOther,
    Who::AdvisorOwn,
    Who::AdvisorSameCounty,
    Who::AdvisorCountyRead,
    Who::AdvisorOtherCounty,
    Who::FirmOwn,
    Who::FirmOther,
    Who::Disabled,
    Who::Revoked,
    Who::NoCsrf,
];

/// What a cell's body may depend on, as stored just before the call.
struct Cell<'a> {
    /// The firm `{id}` stands for.
    firm: &'a Firm,
    /// The application `{id}` stands for under `/applications`: the firm's latest one still
    /// in progress.
    application: &'a Application,
    /// The targets of the firm's applications in progress.
    open: &'a [String],
    /// A tech-SME of the firm's county without a waiting nomination (0: none left).
    candidate: i64,
    /// A nomination waiting for the bureau (0: none).
    pending: i64,
}

/// The note of the applications the open row makes, which the step row withdraws.
const OPENED: &str = "矩阵申请";

/// What a write sends.
#[derive(Clone, Copy)]
enum Body {
    /// A JSON body.
    Json(fn(&Cell) -> Value),
    /// Raw bytes (an uploaded file).
    Raw(fn() -> Vec<u8>),
}

/// What a call sends, made for one cell.
enum Sent {
    Json(Value),
    Raw(Vec<u8>),
}

/// One route's row.
struct Row {
    verb: Verb,
    /// The path below `/api/v1`, exactly as in `api::ROUTES`.
    path: &'static str,
    /// Appended to the filled path.
    query: &'static str,
    /// A query made for the cell (a removal's current version), appended after `query`.
    query_of: Option<fn(&Cell) -> String>,
    /// The body of a POST, PUT or PATCH.
    body: Option<Body>,
    expect: [Expect; 14],
}

const fn get(path: &'static str, expect: [Expect; 14]) -> Row {
    Row {
        verb: Verb::Get,
        path,
        query: "",
        query_of: None,
        body: None,
        expect,
    }
}

const fn send(
    verb: Verb,
    path: &'static str,
    body: fn(&Cell) -> Value,
    expect: [Expect; 14],
) -> Row {
    Row {
        verb,
        path,
        query: "",
        query_of: None,
        body: Some(Body::Json(body)),
        expect,
    }
}

/// An upload of a small PDF as the raw body.
const fn upload(path: &'static str, query: &'static str, expect: [Expect; 14]) -> Row {
    Row {
        verb: Verb::Post,
        path,
        query,
        query_of: None,
        body: Some(Body::Raw(pdf)),
        expect,
    }
}

/// A DELETE, its query made for the cell.
const fn delete(path: &'static str, query: fn(&Cell) -> String, expect: [Expect; 14]) -> Row {
    Row {
        verb: Verb::Delete,
        path,
        query: "",
        query_of: Some(query),
        body: None,
        expect,
    }
}

fn pdf() -> Vec<u8> {
    peiyu::core::document::samples::pdf(0)
}

/// The application's current version, as a removal sends it.
fn current_version(c: &Cell) -> String {
    format!("?version={}", c.application.version)
}

/// A prospect in the county of the cell's firm: the county officer's own or another one.
fn new_firm(c: &Cell) -> Value {
    json!({"uscc": next_uscc(), "name": "矩阵测试科技有限公司", "county_code": c.firm.county_code,
        "sector_code": crate::common::SECTOR, "employees": 30, "tech_staff": 6})
}

fn patch_firm(c: &Cell) -> Value {
    json!({"version": c.firm.version, "contact_name": format!("联系人{}", c.firm.version)})
}

fn year(_: &Cell) -> Value {
    json!({"revenue": 48_000_000, "rd_expense": 2_600_000, "rd_expense_domestic": 2_600_000,
        "total_assets": 30_000_000, "net_assets": 12_000_000, "conversions": 2})
}

fn ip_item(_: &Cell) -> Value {
    json!({"kind": "software_copyright", "number": format!("2024SR{}", next_uscc()),
        "title": "矩阵软件", "granted_on": "2024-03-01"})
}

/// Exit, or reinstate an exited firm: both legal for whoever may fire them, every time.
fn event(c: &Cell) -> Value {
    if c.firm.stage == "exited" {
        json!({"expected_version": c.firm.version, "event": "reinstate"})
    } else {
        json!({"expected_version": c.firm.version, "event": "exit", "reason": "迁出本市"})
    }
}

/// A target the firm (a prospect) may apply for and has nothing in progress for.
fn open_application(c: &Cell) -> Value {
    let target = ["tech_sme", "high_tech"]
        .into_iter()
        .find(|t| !c.open.iter().any(|o| o == t))
        .unwrap_or("tech_sme");
    json!({"target": target, "note": OPENED})
}

/// The applicant withdraws what the open row made; anyone else comments.
fn application_step(c: &Cell) -> Value {
    let a = c.application;
    if a.note == OPENED && a.status == "draft" {
        json!({"action": "withdraw", "version": a.version})
    } else {
        json!({"action": "comment", "version": a.version, "comment": "矩阵备注"})
    }
}

fn nominate(c: &Cell) -> Value {
    json!({"items": [{"firm_id": c.candidate, "note": "矩阵提名"}]})
}

fn decide(c: &Cell) -> Value {
    json!({"decisions": [{"id": c.pending, "decision": "decline", "note": "矩阵"}]})
}

fn profile(_: &Cell) -> Value {
    json!({"founded_on": "2018-05-10", "employees": 120, "tech_staff": 18,
        "financials": [{"year": 2024, "revenue": 48_000_000, "rd_expense": 2_600_000}]})
}

/// Every route × every caller. Columns: anonymous, admin, bureau, county own, county other,
/// advisor own, advisor same county, advisor same county with county read on, advisor other
/// county, firm own, firm other, disabled account, revoked token, cookie write without CSRF.
#[rustfmt::skip]
const MATRIX: &[Row] = &[
    //                             anon      admin     bureau    cty-own   cty-oth   adv-own   adv-cty   adv-read  adv-oth   firm-own  firm-oth  disabled  revoked   no-csrf
    // The document describes routes, not data: open to anyone.
    get("/openapi.json",          [Ok,       Ok,       Ok,       Ok,       Ok,       Ok,       Ok,       Ok,       Ok,       Ok,       Ok,       Ok,       Ok,       Ok]),
    get("/me",                    [Unauth,   Ok,       Ok,       Ok,       Ok,       Ok,       Ok,       Ok,       Ok,       Ok,       Ok,       Unauth,   Unauth,   Ok]),
    // Lists answer everyone signed in, each within their territory.
    get("/firms",                 [Unauth,   Ok,       Ok,       Ok,       Ok,       Ok,       Ok,       Ok,       Ok,       Ok,       Ok,       Unauth,   Unauth,   Ok]),
    get("/reserve-pool",          [Unauth,   Ok,       Ok,       Ok,       Ok,       Ok,       Ok,       Ok,       Ok,       Ok,       Ok,       Unauth,   Unauth,   Ok]),
    // Registering: the bureau anywhere, a county officer in their county (in another: 403,
    // the county is no secret); advisors and firms never.
    send(Verb::Post, "/firms", new_firm,
                                  [Unauth,   Created,  Created,  Created,  Forbid,   Forbid,   Forbid,   Forbid,   Forbid,   Forbid,   Forbid,   Unauth,   Unauth,   Csrf]),
    // One firm: outside the territory it does not exist.
    get("/firms/{id}",            [Unauth,   Ok,       Ok,       Ok,       NotFound, Ok,       NotFound, Ok,       NotFound, Ok,       NotFound, Unauth,   Unauth,   Ok]),
    get("/firms/{id}/years",      [Unauth,   Ok,       Ok,       Ok,       NotFound, Ok,       NotFound, Ok,       NotFound, Ok,       NotFound, Unauth,   Unauth,   Ok]),
    get("/firms/{id}/ip",         [Unauth,   Ok,       Ok,       Ok,       NotFound, Ok,       NotFound, Ok,       NotFound, Ok,       NotFound, Unauth,   Unauth,   Ok]),
    get("/firms/{id}/evaluation", [Unauth,   Ok,       Ok,       Ok,       NotFound, Ok,       NotFound, Ok,       NotFound, Ok,       NotFound, Unauth,   Unauth,   Ok]),
    // Its data: whoever may edit the firm (its advisor and its own user too); an advisor who
    // only reads the county may not.
    send(Verb::Patch, "/firms/{id}", patch_firm,
                                  [Unauth,   Ok,       Ok,       Ok,       NotFound, Ok,       NotFound, Forbid,   NotFound, Ok,       NotFound, Unauth,   Unauth,   Csrf]),
    send(Verb::Put, "/firms/{id}/years/{year}", year,
                                  [Unauth,   Ok,       Ok,       Ok,       NotFound, Ok,       NotFound, Forbid,   NotFound, Ok,       NotFound, Unauth,   Unauth,   Csrf]),
    send(Verb::Post, "/firms/{id}/ip", ip_item,
                                  [Unauth,   Created,  Created,  Created,  NotFound, Created,  NotFound, Forbid,   NotFound, Created,  NotFound, Unauth,   Unauth,   Csrf]),
    // Stage events (exit / reinstate here): the bureau everywhere, county officers in their
    // county; advisors and firms fire nothing.
    send(Verb::Post, "/firms/{id}/events", event,
                                  [Unauth,   Ok,       Ok,       Ok,       NotFound, Forbid,   NotFound, Forbid,   NotFound, Forbid,   NotFound, Unauth,   Unauth,   Csrf]),
    // A calculator over a posted profile: anyone signed in, but not the open internet.
    Row { query: "?ruleset=tech-sme-2017&as_of=2025-06-01",
        ..send(Verb::Post, "/eligibility", profile,
                                  [Unauth,   Ok,       Ok,       Ok,       Ok,       Ok,       Ok,       Ok,       Ok,       Ok,       Ok,       Unauth,   Unauth,   Csrf]) },
    // Applications: everyone signed in lists those in their territory; one application is
    // found where its firm is.
    get("/applications",          [Unauth,   Ok,       Ok,       Ok,       Ok,       Ok,       Ok,       Ok,       Ok,       Ok,       Ok,       Unauth,   Unauth,   Ok]),
    get("/applications/{id}",     [Unauth,   Ok,       Ok,       Ok,       NotFound, Ok,       NotFound, Ok,       NotFound, Ok,       NotFound, Unauth,   Unauth,   Ok]),
    // Only the firm's users and its advisor open one; reviewers who see the firm may not.
    send(Verb::Post, "/firms/{id}/applications", open_application,
                                  [Unauth,   Forbid,   Forbid,   Forbid,   NotFound, Created,  NotFound, Forbid,   NotFound, Created,  NotFound, Unauth,   Unauth,   Csrf]),
    // A step (a comment, or the applicant's withdrawal): whoever plays a part in it; an
    // advisor who only reads the county may not.
    send(Verb::Post, "/applications/{id}/steps", application_step,
                                  [Unauth,   Ok,       Ok,       Ok,       NotFound, Ok,       NotFound, Forbid,   NotFound, Ok,       NotFound, Unauth,   Unauth,   Csrf]),
    // Its documents: whoever sees the application lists and downloads them; only the firm's
    // users and its advisor upload and remove (reviewers who see it: 403).
    get("/applications/{id}/documents",
                                  [Unauth,   Ok,       Ok,       Ok,       NotFound, Ok,       NotFound, Ok,       NotFound, Ok,       NotFound, Unauth,   Unauth,   Ok]),
    upload("/applications/{id}/documents", "?kind=business_licence&file_name=matrix.pdf",
                                  [Unauth,   Forbid,   Forbid,   Forbid,   NotFound, Created,  NotFound, Forbid,   NotFound, Created,  NotFound, Unauth,   Unauth,   Csrf]),
    get("/applications/{id}/documents/{did}",
                                  [Unauth,   File,     File,     File,     NotFound, File,     NotFound, File,     NotFound, File,     NotFound, Unauth,   Unauth,   File]),
    delete("/applications/{id}/documents/{did}", current_version,
                                  [Unauth,   Forbid,   Forbid,   Forbid,   NotFound, Ok,       NotFound, Forbid,   NotFound, Ok,       NotFound, Unauth,   Unauth,   Csrf]),
    // Nominations: county officers nominate (another county's firm is refused by name), the
    // bureau decides; advisors and firms have no part.
    get("/nominations",           [Unauth,   Ok,       Ok,       Ok,       Ok,       Forbid,   Forbid,   Forbid,   Forbid,   Forbid,   Forbid,   Unauth,   Unauth,   Ok]),
    send(Verb::Post, "/nominations", nominate,
                                  [Unauth,   Forbid,   Forbid,   Created,  Refused("nomination_refused"),
                                                                                     Forbid,   Forbid,   Forbid,   Forbid,   Forbid,   Forbid,   Unauth,   Unauth,   Csrf]),
    send(Verb::Post, "/nominations/decisions", decide,
                                  [Unauth,   Ok,       Ok,       Forbid,   Forbid,   Forbid,   Forbid,   Forbid,   Forbid,   Forbid,   Forbid,   Unauth,   Unauth,   Csrf]),
];

/// How one call authenticates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cred {
    /// An anonymous session's cookie (and its CSRF token): a token alone is no sign-in.
    AnonymousCookie,
    /// The user's session cookie, with `X-CSRF-Token` on writes.
    Cookie,
    /// The user's session cookie, no `X-CSRF-Token`.
    CookieNoCsrf,
    /// `Authorization: Bearer` with the user's token.
    Bearer,
}

/// The firms and users the columns stand for.
struct World {
    own: Firm,
    same_county: Firm,
    other_county: Firm,
    admin: i64,
    bureau: i64,
    county: i64,
    advisor: i64,
    firm_user: i64,
    disabled: i64,
    /// A token per user id.
    tokens: Vec<(i64, String)>,
    /// The bureau's revoked token.
    revoked: String,
}

fn user(conn: &mut DbConn, name: &str, role: Role, county: Option<&str>) -> i64 {
    users::insert(
        conn,
        &NewUser {
            username: name.to_string(),
            display_name: name.to_string(),
            email: None,
            role: role.id().to_string(),
            county_code: county.map(str::to_string),
            firm_id: None,
            // Never checked: callers arrive with a minted session or a token.
            password_hash: "x".to_string(),
            lang: "zh-CN".to_string(),
            active: true,
            created_at: Utc::now().naive_utc(),
        },
    )
    .unwrap()
}

fn world(db: &TestDb) -> World {
    let mut c = db.conn();
    let s = crate::common::seed(&mut c);
    let system = Principal::system();
    let advisor = user(&mut c, "adv_apimatrix", Role::Advisor, Some(COUNTY_A));
    let disabled = user(&mut c, "gone_apimatrix", Role::Bureau, None);
    let own = FirmBuilder::new()
        .county(COUNTY_A)
        .create(&mut c, &s.bureau);
    let changes = FirmChanges {
        advisor_id: Some(Some(advisor)),
        ..FirmChanges::default()
    };
    firms::update_with_version(
        &mut c,
        own.id,
        own.version,
        &changes,
        Utc::now().naive_utc(),
    )
    .unwrap();
    let same_county = FirmBuilder::new()
        .county(COUNTY_A)
        .create(&mut c, &s.bureau);
    let other_county = FirmBuilder::new()
        .county(COUNTY_B)
        .create(&mut c, &s.bureau);
    // A draft in progress for each firm (a target none of the rows opens), with a document
    // for the download and removal rows (the upload rows add more).
    for f in [&own, &same_county, &other_county] {
        let now = Utc::now().naive_utc();
        let draft = applications_store::insert(
            &mut c,
            &NewApplication {
                firm_id: f.id,
                target: "reserve".to_string(),
                status: "draft".to_string(),
                on_behalf: false,
                note: "草稿".to_string(),
                created_by: None,
                created_at: now,
                status_at: now,
                updated_at: now,
            },
        )
        .unwrap();
        let pdf = pdf();
        let key = Storage::new_key();
        db.storage().put(&key, pdf.clone()).unwrap();
        documents::insert(
            &mut c,
            &NewDocument {
                application_id: draft,
                firm_id: f.id,
                kind: "business_licence".to_string(),
                file_name: "licence.pdf".to_string(),
                content_type: "application/pdf".to_string(),
                size: i64::try_from(pdf.len()).unwrap(),
                sha256: "0".repeat(64),
                storage_key: key,
                uploaded_by: None,
                uploaded_at: now,
            },
        )
        .unwrap();
    }
    // Tech-SMEs to nominate: six in county A (four of them waiting for the bureau), one in B.
    let mut tech_smes = Vec::new();
    for county in [COUNTY_A; 6].into_iter().chain([COUNTY_B]) {
        let f = FirmBuilder::new().county(county).create(&mut c, &s.bureau);
        diesel::update(firms_t::table.find(f.id))
            .set(firms_t::stage.eq("tech_sme"))
            .execute(&mut c)
            .unwrap();
        tech_smes.push(f.id);
    }
    let items: Vec<(i64, String)> = tech_smes[..4]
        .iter()
        .map(|id| (*id, "待定".to_string()))
        .collect();
    nominations::nominate(&mut c, &s.county_a, &items)
        .unwrap()
        .unwrap();
    let firm_user = s.firm_user.user_id.unwrap();
    diesel::update(users_t::table.find(firm_user))
        .set(users_t::firm_id.eq(own.id))
        .execute(&mut c)
        .unwrap();
    let mut tokens = Vec::new();
    for name in [
        "admin",
        "bureau",
        "county_a",
        "adv_apimatrix",
        "firm_user",
        "gone_apimatrix",
    ] {
        let t = tokens::create_token(&mut c, name, "matrix", &system).unwrap();
        tokens.push((t.row.user_id, t.token));
    }
    accounts::users::set_active(&mut c, disabled, false, &system).unwrap();
    let revoked = tokens::create_token(&mut c, "bureau", "old", &system).unwrap();
    tokens::revoke_token(&mut c, revoked.row.id, &system).unwrap();
    World {
        own,
        same_county,
        other_county,
        admin: s.admin.user_id.unwrap(),
        bureau: s.bureau.user_id.unwrap(),
        county: s.county_a.user_id.unwrap(),
        advisor,
        firm_user,
        disabled,
        tokens,
        revoked: revoked.token,
    }
}

impl World {
    /// The user (none for anonymous), the firm `{id}` stands for, and the ways to call.
    fn visitor(&self, who: Who) -> (Option<i64>, &Firm, &'static [Cred]) {
        const BOTH: &[Cred] = &[Cred::Cookie, Cred::Bearer];
        match who {
            Who::Anonymous => (None, &self.own, &[Cred::AnonymousCookie]),
            Who::Admin => (Some(self.admin), &self.own, BOTH),
            Who::Bureau => (Some(self.bureau), &self.own, BOTH),
            Who::CountyOwn => (Some(self.county), &self.own, BOTH),
            Who::CountyOther => (Some(self.county), &self.other_county, BOTH),
            Who::AdvisorOwn => (Some(self.advisor), &self.own, BOTH),
            Who::AdvisorSameCounty | Who::AdvisorCountyRead => {
                (Some(self.advisor), &self.same_county, BOTH)
            }
            Who::AdvisorOtherCounty => (Some(self.advisor), &self.other_county, BOTH),
            Who::FirmOwn => (Some(self.firm_user), &self.own, BOTH),
            Who::FirmOther => (Some(self.firm_user), &self.same_county, BOTH),
            Who::Disabled => (Some(self.disabled), &self.own, BOTH),
            Who::Revoked => (Some(self.bureau), &self.own, &[Cred::Bearer]),
            Who::NoCsrf => (Some(self.bureau), &self.own, &[Cred::CookieNoCsrf]),
        }
    }

    fn token(&self, who: Who, uid: i64) -> &str {
        if who == Who::Revoked {
            return &self.revoked;
        }
        self.tokens
            .iter()
            .find(|(id, _)| *id == uid)
            .map(|(_, t)| t.as_str())
            .unwrap()
    }
}

/// The concrete path for a route pattern: `{id}` is the application's under
/// `/applications`, the firm's elsewhere; `{did}` is `document`, a document of the
/// application.
fn fill(pattern: &str, firm: &Firm, application: &Application, document: i64) -> String {
    let id = if pattern.starts_with("/applications/") {
        application.id
    } else {
        firm.id
    };
    let mut out = String::new();
    let mut rest = pattern;
    while let Some(open) = rest.find('{') {
        let close = rest[open..].find('}').unwrap() + open;
        out.push_str(&rest[..open]);
        let value = match &rest[open + 1..close] {
            "id" => id.to_string(),
            "year" => "2024".to_string(),
            "did" => document.to_string(),
            other => panic!(
                "no value for path parameter {{{other}}} of {pattern}: add one in \
                 tests/it/web/api/matrix.rs `fill`"
            ),
        };
        out.push_str(&value);
        rest = &rest[close + 1..];
    }
    out.push_str(rest);
    out
}

/// The newest document of application `id` (0: none).
fn newest_document(db: &TestDb, id: i64) -> i64 {
    documents_t::table
        .filter(documents_t::application_id.eq(id))
        .select(diesel::dsl::max(documents_t::id))
        .first::<Option<i64>>(&mut db.conn())
        .unwrap()
        .unwrap_or(0)
}

/// The firm's latest application in progress, and the targets of all it has in progress.
fn in_progress(db: &TestDb, firm: &Firm) -> (Application, Vec<String>) {
    let mut c = db.conn();
    let open: Vec<(i64, String)> = applications_t::table
        .filter(applications_t::firm_id.eq(firm.id))
        .filter(applications_t::status.eq_any(applications_store::OPEN))
        .order(applications_t::id.desc())
        .select((applications_t::id, applications_t::target))
        .load(&mut c)
        .unwrap();
    let latest = applications_store::find_by_id(&mut c, open[0].0).unwrap();
    (latest, open.into_iter().map(|(_, t)| t).collect())
}

/// A tech-SME of the firm's county without a waiting nomination, and a waiting nomination.
fn nominees(db: &TestDb, firm: &Firm) -> (i64, i64) {
    let mut c = db.conn();
    let waiting: Vec<i64> = nominations_t::table
        .filter(nominations_t::status.eq("pending"))
        .order(nominations_t::id.asc())
        .select(nominations_t::firm_id)
        .load(&mut c)
        .unwrap();
    let candidate = firms_t::table
        .filter(firms_t::stage.eq("tech_sme"))
        .filter(firms_t::county_code.eq(&firm.county_code))
        .filter(firms_t::id.ne_all(&waiting))
        .order(firms_t::id.asc())
        .select(firms_t::id)
        .first(&mut c)
        .unwrap_or(0);
    let pending = nominations_t::table
        .filter(nominations_t::status.eq("pending"))
        .order(nominations_t::id.asc())
        .select(nominations_t::id)
        .first(&mut c)
        .unwrap_or(0);
    (candidate, pending)
}

/// One answer.
struct Answer {
    status: u16,
    content_type: String,
    location: Option<String>,
    disposition: Option<String>,
    www_authenticate: bool,
    body: String,
}

/// One call on a fresh agent, so nothing carries over between cells.
fn call(url: &str, verb: Verb, headers: &[(&str, String)], body: Option<&Sent>) -> Answer {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .max_redirects(0)
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(60)))
        .build()
        .into();
    macro_rules! with_headers {
        ($req:expr) => {{
            let mut r = $req;
            for (k, v) in headers {
                r = r.header(*k, v.as_str());
            }
            r
        }};
    }
    let (content_type, bytes): (&str, Vec<u8>) = match body {
        Some(Sent::Raw(b)) => ("application/octet-stream", b.clone()),
        Some(Sent::Json(v)) => ("application/json", v.to_string().into_bytes()),
        None => ("application/json", Vec::new()),
    };
    let res = match verb {
        Verb::Get => with_headers!(agent.get(url)).call(),
        Verb::Delete => with_headers!(agent.delete(url)).call(),
        Verb::Post => with_headers!(agent.post(url))
            .header("content-type", content_type)
            .send(&bytes[..]),
        Verb::Put => with_headers!(agent.put(url))
            .header("content-type", content_type)
            .send(&bytes[..]),
        Verb::Patch => with_headers!(agent.patch(url))
            .header("content-type", content_type)
            .send(&bytes[..]),
    };
    let mut res = res.unwrap();
    let header = |name: &str| {
        res.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    let content_type = header("content-type").unwrap_or_default();
    let location = header("location");
    let disposition = header("content-disposition");
    let www_authenticate = header("www-authenticate").is_some();
    Answer {
        status: res.status().as_u16(),
        content_type,
        location,
        disposition,
        www_authenticate,
        body: res.body_mut().read_to_string().unwrap_or_default(),
    }
}

/// What is wrong with an answer, if anything, besides its status.
fn shape_problem(expect: Expect, a: &Answer) -> Option<String> {
    if expect == File {
        let attachment = a
            .disposition
            .as_deref()
            .is_some_and(|d| d.starts_with("attachment"));
        return (a.content_type != "application/pdf" || !attachment).then(|| {
            format!(
                "not a PDF attachment: {:?}, {:?}",
                a.content_type, a.disposition
            )
        });
    }
    if !a.content_type.starts_with("application/json") {
        return Some(format!("content-type {:?}, not JSON", a.content_type));
    }
    let v: Value = match serde_json::from_str(&a.body) {
        std::result::Result::Ok(v) => v,
        Err(e) => return Some(format!("body is not JSON ({e})")),
    };
    let Some(code) = expect.code() else {
        return (!v.is_object() && !v.is_array()).then(|| "not a JSON object or array".into());
    };
    let err = &v["error"];
    if err["code"].as_str() != Some(code) {
        return Some(format!("error.code {} instead of {code:?}", err["code"]));
    }
    if err["message"].as_str().is_none_or(|m| m.trim().is_empty()) {
        return Some("no error.message".into());
    }
    if a.location.is_some() {
        return Some(format!("a refusal with a Location ({:?})", a.location));
    }
    if expect == Unauth && !a.www_authenticate {
        return Some("a 401 without WWW-Authenticate".into());
    }
    None
}

/// What a refused call or a read must leave alone: the audit log, and the three firms' and
/// the firm count's state.
fn footprint(db: &TestDb) -> (i64, i64, Vec<(i64, i64)>) {
    let mut c = db.conn();
    let audit: i64 = audit_log::table.count().get_result(&mut c).unwrap();
    let count: i64 = firms_t::table.count().get_result(&mut c).unwrap();
    let versions: Vec<(i64, i64)> = firms_t::table
        .select((firms_t::id, firms_t::version))
        .order(firms_t::id)
        .load(&mut c)
        .unwrap();
    (audit, count, versions)
}

#[test]
fn the_api_matrix_has_one_row_per_api_route() {
    let registered: Vec<(&str, &str)> = api::ROUTES.iter().map(|r| (r.verb.id(), r.path)).collect();
    let routes: BTreeSet<(&str, &str)> = registered.iter().copied().collect();
    assert_eq!(
        routes.len(),
        registered.len(),
        "an API route is registered twice"
    );
    let rows: Vec<(&str, &str)> = MATRIX.iter().map(|r| (r.verb.id(), r.path)).collect();
    let table: BTreeSet<(&str, &str)> = rows.iter().copied().collect();
    assert_eq!(
        table.len(),
        rows.len(),
        "an API route has two rows in MATRIX"
    );
    let missing: Vec<_> = routes.difference(&table).collect();
    let stale: Vec<_> = table.difference(&routes).collect();
    assert!(
        missing.is_empty() && stale.is_empty(),
        "API routes without a row in tests/it/web/api/matrix.rs MATRIX: {missing:?}; rows for \
         routes api::ROUTES does not have: {stale:?}"
    );
    for row in MATRIX {
        assert_eq!(
            row.body.is_some(),
            matches!(row.verb, Verb::Post | Verb::Put | Verb::Patch),
            "{} {}: a POST, PUT or PATCH needs a body, a GET or DELETE none",
            row.verb.id(),
            row.path
        );
    }
}

#[test]
fn every_api_route_answers_every_caller_as_the_matrix_says() {
    for db in backends() {
        let w = world(&db);
        let key = session::resolve_key(&mut db.conn(), None).unwrap();
        let keys = SessionKeys::new(key, false);
        let app = TestApp::spawn(&db);
        let mut wrong = Vec::new();
        let mut calls = 0;
        // Column by column: the advisor's county-read column needs the bureau's setting on.
        for (col, who) in WHO.iter().enumerate() {
            let county_read = *who == Who::AdvisorCountyRead;
            settings::set(&mut db.conn(), ADVISOR_COUNTY_READ_KEY, &json!(county_read)).unwrap();
            let (uid, target, creds) = w.visitor(*who);
            for row in MATRIX {
                for cred in creds {
                    let firm = firms::find_by_id(&mut db.conn(), target.id).unwrap();
                    let (application, open) = in_progress(&db, &firm);
                    let (candidate, pending) = nominees(&db, &firm);
                    let now = session::now_secs();
                    let s = match (cred, uid) {
                        (Cred::AnonymousCookie, _) | (_, None) => Session::anonymous(now),
                        (_, Some(id)) => {
                            // The user's current epoch: a `POST /logout` cell ends the
                            // sessions issued before it.
                            let epoch = peiyu::store::users::find_by_id(&mut db.conn(), id)
                                .unwrap()
                                .session_epoch;
                            Session::signed_in(id, epoch, now)
                        }
                    };
                    let c = keys.cookie(&s);
                    let mut headers = Vec::new();
                    match cred {
                        Cred::Bearer => headers.push((
                            "authorization",
                            format!("Bearer {}", w.token(*who, uid.unwrap())),
                        )),
                        _ => headers.push(("cookie", format!("{}={}", c.name(), c.value()))),
                    }
                    if matches!(cred, Cred::Cookie | Cred::AnonymousCookie) && row.verb != Verb::Get
                    {
                        headers.push(("x-csrf-token", s.csrf.clone()));
                    }
                    let cell = Cell {
                        firm: &firm,
                        application: &application,
                        open: &open,
                        candidate,
                        pending,
                    };
                    let body = row.body.map(|b| match b {
                        Body::Json(f) => Sent::Json(f(&cell)),
                        Body::Raw(f) => Sent::Raw(f()),
                    });
                    let document = newest_document(&db, application.id);
                    let path = format!(
                        "{}{}{}{}",
                        api::PREFIX,
                        fill(row.path, &firm, &application, document),
                        row.query,
                        row.query_of.map(|q| q(&cell)).unwrap_or_default()
                    );
                    let before = footprint(&db);
                    let a = call(
                        &format!("{}{path}", app.base),
                        row.verb,
                        &headers,
                        body.as_ref(),
                    );
                    calls += 1;
                    let expect = row.expect[col];
                    let cell = format!("{} {path} as {who:?} ({cred:?})", row.verb.id());
                    if a.status != expect.status() {
                        wrong.push(format!(
                            "{cell}: expected {expect:?}, got {} {}",
                            a.status, a.body
                        ));
                    } else if let Some(p) = shape_problem(expect, &a) {
                        wrong.push(format!("{cell}: {p}: {}", a.body));
                    }
                    let refused = expect.code().is_some() || a.status >= 400;
                    if (refused || row.verb == Verb::Get) && footprint(&db) != before {
                        wrong.push(format!("{cell}: answered {} but wrote", a.status));
                    }
                }
            }
        }
        settings::set(&mut db.conn(), ADVISOR_COUNTY_READ_KEY, &json!(false)).unwrap();
        assert!(calls > MATRIX.len() * WHO.len());
        assert!(
            wrong.is_empty(),
            "{}: {} calls differ from MATRIX:\n{}",
            db.name(),
            wrong.len(),
            wrong.join("\n")
        );
    }
}

/// A method a route does not have is refused with a JSON error like any other API miss (today
/// a 404; a 405 would do as well), never served and never an empty or HTML answer.
#[test]
fn methods_a_route_does_not_have_get_a_json_error() {
    for db in backends() {
        let w = world(&db);
        let app = TestApp::spawn(&db);
        let token = w.token(Who::Bureau, w.bureau).to_string();
        let headers = [("authorization", format!("Bearer {token}"))];
        let paths: BTreeSet<&str> = api::ROUTES.iter().map(|r| r.path).collect();
        let mut wrong = Vec::new();
        let (application, _) = in_progress(&db, &w.own);
        let document = newest_document(&db, application.id);
        for path in paths {
            let url = format!(
                "{}{}{}",
                app.base,
                api::PREFIX,
                fill(path, &w.own, &application, document)
            );
            for verb in [Verb::Get, Verb::Post, Verb::Put, Verb::Patch, Verb::Delete] {
                if api::ROUTES.iter().any(|r| r.path == path && r.verb == verb) {
                    continue;
                }
                let before = footprint(&db);
                let a = call(&url, verb, &headers, Some(&Sent::Json(json!({}))));
                let code = serde_json::from_str::<Value>(&a.body)
                    .ok()
                    .and_then(|v| v["error"]["code"].as_str().map(str::to_string));
                if !matches!(a.status, 404 | 405)
                    || !a.content_type.starts_with("application/json")
                    || code.is_none()
                    || footprint(&db) != before
                {
                    wrong.push(format!("{} {url}: {} {}", verb.id(), a.status, a.body));
                }
            }
        }
        assert!(wrong.is_empty(), "{}:\n{}", db.name(), wrong.join("\n"));
    }
}
