//! The access matrix: every route the app registers × every kind of visitor → the status they
//! get, from one table ([`MATRIX`]). The test fails when a route in `peiyu::web::ROUTES` has
//! no row here (or a row names a route that no longer exists), so a new route cannot ship
//! without someone deciding who may open it.
//!
//! Visitors carry a session cookie minted with the app's own signing key (no password
//! hashing, no state shared between cells), and every POST carries that session's CSRF
//! secret, so a cell measures access, not the CSRF check.
//!
//! To add a route: add its line to `route_table!` in `src/web/mod.rs`, then a row here with
//! the expected status per column and, for a POST, a form that passes validation for a
//! visitor who may use it (else every column is a 400 and the row proves nothing). A new path
//! parameter needs a value in [`fill`].

use crate::common::{backends, FirmBuilder, TestDb, COUNTY_A, COUNTY_B};
use chrono::Utc;
use diesel::prelude::*;
use peiyu::core::stage::Role;
use peiyu::store::firms::{self, Firm, FirmChanges};
use peiyu::store::schema::users as users_t;
use peiyu::store::users::{self, NewUser};
use peiyu::store::DbConn;
use peiyu::web::session::{self, Session, SessionKeys};
use std::collections::BTreeSet;
use std::time::Duration;

/// What a visitor gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expect {
    /// 200.
    Ok,
    /// 302 to `/login?next=…`.
    Login,
    /// 303 somewhere (a form's or a redirect's success).
    Redirect,
    /// 400: the request reached validation.
    Bad,
    /// 403: the role may not use this page.
    Forbidden,
    /// 404: the firm is outside the visitor's territory (indistinguishable from missing).
    NotFound,
}
use Expect::{Bad, Forbidden, Login, NotFound, Ok, Redirect};

/// Who asks, and about which firm (for routes with `{id}`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Who {
    Anonymous,
    Admin,
    Bureau,
    /// A county officer of county A about a county-A firm.
    CountyOwn,
    /// The same officer about a county-B firm.
    CountyOther,
    /// An advisor (of county A) about a firm assigned to them.
    AdvisorOwn,
    /// The advisor about an unassigned firm of their county (the bureau's default: hidden).
    AdvisorSameCounty,
    /// The advisor about a firm of another county.
    AdvisorOtherCounty,
    /// A firm's user about their own firm.
    FirmOwn,
    /// The firm's user about another firm.
    FirmOther,
}

/// The columns of [`MATRIX`], in order.
const WHO: [Who; 10] = [
    Who::Anonymous,
    Who::Admin,
    Who::Bureau,
    Who::CountyOwn,
    Who::CountyOther,
    Who::AdvisorOwn,
    Who::AdvisorSameCounty,
    Who::AdvisorOtherCounty,
    Who::FirmOwn,
    Who::FirmOther,
];

/// One route's row.
struct Row {
    method: &'static str,
    path: &'static str,
    /// Form fields of a POST (the CSRF field is added).
    form: &'static [(&'static str, &'static str)],
    expect: [Expect; 10],
}

const fn get(path: &'static str, expect: [Expect; 10]) -> Row {
    Row {
        method: "GET",
        path,
        form: &[],
        expect,
    }
}

const fn post(
    path: &'static str,
    form: &'static [(&'static str, &'static str)],
    expect: [Expect; 10],
) -> Row {
    Row {
        method: "POST",
        path,
        form,
        expect,
    }
}

/// Every route × every visitor. Columns: anonymous, admin, bureau, county own, county other,
/// advisor own, advisor same county, advisor other county, firm own, firm other.
#[rustfmt::skip]
const MATRIX: &[Row] = &[
    //                              anon      admin     bureau    cty-own   cty-oth   adv-own   adv-cty   adv-oth   firm-own  firm-oth
    get("/healthz",               [Ok,       Ok,       Ok,       Ok,       Ok,       Ok,       Ok,       Ok,       Ok,       Ok]),
    get("/readyz",                [Ok,       Ok,       Ok,       Ok,       Ok,       Ok,       Ok,       Ok,       Ok,       Ok]),
    get("/static/{name}",         [Ok,       Ok,       Ok,       Ok,       Ok,       Ok,       Ok,       Ok,       Ok,       Ok]),
    // Signed-in visitors are sent on to `next`.
    get("/login",                 [Ok,       Redirect, Redirect, Redirect, Redirect, Redirect, Redirect, Redirect, Redirect, Redirect]),
    // Without a password the form never reaches the credential check.
    post("/login", &[("username", "nobody")],
                                  [Bad,      Bad,      Bad,      Bad,      Bad,      Bad,      Bad,      Bad,      Bad,      Bad]),
    post("/logout", &[],          [Login,    Redirect, Redirect, Redirect, Redirect, Redirect, Redirect, Redirect, Redirect, Redirect]),
    get("/lang/{tag}",            [Redirect, Redirect, Redirect, Redirect, Redirect, Redirect, Redirect, Redirect, Redirect, Redirect]),
    // A user's own password: everyone signed in changes theirs (an empty form: the current
    // password is wrong). Forgot and the link pages are for anyone: the forgot form answers
    // the same whoever asks; without a valid token the link page is not found.
    get("/account/password",      [Login,    Ok,       Ok,       Ok,       Ok,       Ok,       Ok,       Ok,       Ok,       Ok]),
    post("/account/password", &[],[Login,    Bad,      Bad,      Bad,      Bad,      Bad,      Bad,      Bad,      Bad,      Bad]),
    get("/password/forgot",       [Ok,       Ok,       Ok,       Ok,       Ok,       Ok,       Ok,       Ok,       Ok,       Ok]),
    post("/password/forgot", &[("who", "nobody_here")],
                                  [Ok,       Ok,       Ok,       Ok,       Ok,       Ok,       Ok,       Ok,       Ok,       Ok]),
    get("/password/set",          [NotFound, NotFound, NotFound, NotFound, NotFound, NotFound, NotFound, NotFound, NotFound, NotFound]),
    post("/password/set", &[("token", "0000"), ("password", "a long new password"), ("password_again", "a long new password")],
                                  [NotFound, NotFound, NotFound, NotFound, NotFound, NotFound, NotFound, NotFound, NotFound, NotFound]),
    // A firm's user gets the firm portal's home.
    get("/",                      [Login,    Ok,       Ok,       Ok,       Ok,       Ok,       Ok,       Ok,       Ok,       Ok]),
    // The yearly targets: the bureau and administrators (a value that is not a number reaches
    // validation).
    get("/targets",               [Login,    Ok,       Ok,       Forbidden, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden]),
    post("/targets", &[("city.high_tech", "many")],
                                  [Login,    Bad,      Bad,      Forbidden, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden]),
    // The county scorecard: the bureau (every county) and county officers (their own).
    get("/scorecard",             [Login,    Ok,       Ok,       Ok,       Ok,       Forbidden, Forbidden, Forbidden, Forbidden, Forbidden]),
    get("/scorecard/export",      [Login,    Ok,       Ok,       Ok,       Ok,       Forbidden, Forbidden, Forbidden, Forbidden, Forbidden]),
    // The lists of many firms: not for a firm's own user.
    get("/should-register",       [Login,    Ok,       Ok,       Ok,       Ok,       Ok,       Ok,       Ok,       Forbidden, Forbidden]),
    get("/should-register/export",[Login,    Ok,       Ok,       Ok,       Ok,       Ok,       Ok,       Ok,       Forbidden, Forbidden]),
    get("/firms",                 [Login,    Ok,       Ok,       Ok,       Ok,       Ok,       Ok,       Ok,       Forbidden, Forbidden]),
    // The lists as files (CSV when no format is named): the list's own gate.
    get("/firms/export",          [Login,    Ok,       Ok,       Ok,       Ok,       Ok,       Ok,       Ok,       Forbidden, Forbidden]),
    get("/firms/{id}",            [Login,    Ok,       Ok,       Ok,       NotFound, Ok,       NotFound, NotFound, Ok,       NotFound]),
    // Creating firms: the bureau and county officers (in their own county).
    get("/firms/new",             [Login,    Ok,       Ok,       Ok,       Ok,       Forbidden, Forbidden, Forbidden, Forbidden, Forbidden]),
    post("/firms/new", &[],       [Login,    Bad,      Bad,      Bad,      Bad,      Forbidden, Forbidden, Forbidden, Forbidden, Forbidden]),
    // Editing: whoever may edit the firm (its advisor and its own user too); outside the
    // territory the firm does not exist. An empty form reaches validation.
    get("/firms/{id}/edit",       [Login,    Ok,       Ok,       Ok,       NotFound, Ok,       NotFound, NotFound, Ok,       NotFound]),
    post("/firms/{id}/edit", &[], [Login,    Bad,      Bad,      Bad,      NotFound, Bad,      NotFound, NotFound, Bad,      NotFound]),
    get("/firms/{id}/years",      [Login,    Ok,       Ok,       Ok,       NotFound, Ok,       NotFound, NotFound, Ok,       NotFound]),
    post("/firms/{id}/years", &[],[Login,    Bad,      Bad,      Bad,      NotFound, Bad,      NotFound, NotFound, Bad,      NotFound]),
    get("/firms/{id}/ip/new",     [Login,    Ok,       Ok,       Ok,       NotFound, Ok,       NotFound, NotFound, Ok,       NotFound]),
    post("/firms/{id}/ip/new", &[],[Login,   Bad,      Bad,      Bad,      NotFound, Bad,      NotFound, NotFound, Bad,      NotFound]),
    post("/firms/{id}/ip/remove", &[], [Login, Bad,     Bad,      Bad,      NotFound, Bad,      NotFound, NotFound, Bad,      NotFound]),
    // Stage actions (`exit` here): the bureau everywhere, county officers in their county;
    // advisors and firms fire nothing.
    get("/firms/{id}/actions/{event}", [Login, Ok,     Ok,       Ok,       NotFound, Forbidden, NotFound, NotFound, Forbidden, NotFound]),
    post("/firms/{id}/actions/{event}", &[], [Login, Bad, Bad,   Bad,      NotFound, Forbidden, NotFound, NotFound, Forbidden, NotFound]),
    // Applications: the firm's users and its advisor start them; every page of one follows
    // the firm's territory. An empty form reaches validation.
    get("/firms/{id}/applications/new", [Login, Ok,    Ok,       Ok,       NotFound, Ok,       NotFound, NotFound, Ok,       NotFound]),
    post("/firms/{id}/applications/new", &[], [Login, Bad, Bad,  Bad,      NotFound, Bad,      NotFound, NotFound, Bad,      NotFound]),
    // Nominations: county officers nominate, the bureau decides; advisors and firms have none.
    get("/nominations",           [Login,    Ok,       Ok,       Ok,       Ok,       Forbidden, Forbidden, Forbidden, Forbidden, Forbidden]),
    post("/nominations", &[],     [Login,    Forbidden, Forbidden, Bad,    Bad,      Forbidden, Forbidden, Forbidden, Forbidden, Forbidden]),
    post("/nominations/decide", &[], [Login, Ok,       Ok,       Forbidden, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden]),
    get("/applications",          [Login,    Ok,       Ok,       Ok,       Ok,       Ok,       Ok,       Ok,       Ok,       Ok]),
    get("/applications/export",   [Login,    Ok,       Ok,       Ok,       Ok,       Ok,       Ok,       Ok,       Ok,       Ok]),
    get("/applications/{aid}",    [Login,    Ok,       Ok,       Ok,       NotFound, Ok,       NotFound, NotFound, Ok,       NotFound]),
    post("/applications/{aid}", &[], [Login, Bad,      Bad,      Bad,      NotFound, Bad,      NotFound, NotFound, Bad,      NotFound]),
    // Its documents: the firm's users and its advisor upload and remove them (a urlencoded
    // body is not the multipart form, an empty removal form has no version: both 400, after
    // the access check); whoever sees the application downloads them.
    post("/applications/{aid}/documents", &[], [Login, Forbidden, Forbidden, Forbidden, NotFound, Bad, NotFound, NotFound, Bad,  NotFound]),
    get("/applications/{aid}/documents/{did}", [Login, Ok,  Ok,       Ok,       NotFound, Ok,       NotFound, NotFound, Ok,       NotFound]),
    post("/applications/{aid}/documents/{did}/delete", &[], [Login, Forbidden, Forbidden, Forbidden, NotFound, Bad, NotFound, NotFound, Bad, NotFound]),
    get("/firms/{id}/whatif",     [Login,    Ok,       Ok,       Ok,       NotFound, Ok,       NotFound, NotFound, Ok,       NotFound]),
    get("/pool",                  [Login,    Ok,       Ok,       Ok,       Ok,       Ok,       Ok,       Ok,       Forbidden, Forbidden]),
    // Registry imports: the bureau and county officers (their county's rows only). A
    // urlencoded body is not the multipart upload: 400.
    get("/imports",               [Login,    Ok,       Ok,       Ok,       Ok,       Forbidden, Forbidden, Forbidden, Forbidden, Forbidden]),
    post("/imports", &[],         [Login,    Bad,      Bad,      Bad,      Bad,      Forbidden, Forbidden, Forbidden, Forbidden, Forbidden]),
    get("/imports/template.csv",  [Login,    Ok,       Ok,       Ok,       Ok,       Forbidden, Forbidden, Forbidden, Forbidden, Forbidden]),
    get("/imports/template.xlsx", [Login,    Ok,       Ok,       Ok,       Ok,       Forbidden, Forbidden, Forbidden, Forbidden, Forbidden]),
    // The province's announcement lists: the bureau and admins record certificates.
    get("/imports/announcements", [Login,    Ok,       Ok,       Forbidden, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden]),
    post("/imports/announcements", &[], [Login, Bad,   Bad,      Forbidden, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden]),
    // A stored run: the bureau and admins see every run, a county officer their own (the
    // run of a county-B firm's column is the bureau's: 404 to them). The commit of a dry
    // run's file starts a new run (303 to it).
    get("/imports/runs/{rid}",    [Login,    Ok,       Ok,       Ok,       NotFound, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden]),
    post("/imports/runs/{rid}/commit", &[], [Login, Redirect, Redirect, Redirect, NotFound, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden]),
    get("/imports/runs/{rid}/report.csv",  [Login, Ok,  Ok,       Ok,       NotFound, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden]),
    get("/imports/runs/{rid}/report.xlsx", [Login, Ok,  Ok,       Ok,       NotFound, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden]),
    get("/pool/export",           [Login,    Ok,       Ok,       Ok,       Ok,       Ok,       Ok,       Ok,       Forbidden, Forbidden]),
    // Accounts and tokens: administrators only.
    get("/admin/users",           [Login,    Ok,       Forbidden, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden]),
    // Valid forms, so the role check (not validation) answers; an admin's invite shows the
    // temporary password once, re-enabling an active account changes nothing, and tokens
    // for an unknown user or with an unknown id are refused.
    post("/admin/users", &[("username", "matrix_invitee"), ("role", "bureau")],
                                  [Login,    Ok,       Forbidden, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden]),
    post("/admin/users/{id}", &[("action", "enable")],
                                  [Login,    Redirect, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden]),
    post("/admin/tokens", &[("username", "nobody_here"), ("name", "matrix")],
                                  [Login,    Bad,      Forbidden, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden]),
    post("/admin/tokens/{id}/revoke", &[], [Login, NotFound, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden]),
    // Firm users' accounts: admins, the bureau, county officers; an empty invitation reaches
    // validation. `{uid}` is the own firm's user, who has a password already: sending the
    // invitation again is refused as bad input by everyone who may manage them.
    get("/firm-users",            [Login,    Ok,       Ok,       Ok,       Ok,       Forbidden, Forbidden, Forbidden, Forbidden, Forbidden]),
    post("/firm-users", &[],      [Login,    Bad,      Bad,      Bad,      Bad,      Forbidden, Forbidden, Forbidden, Forbidden, Forbidden]),
    post("/firm-users/{uid}/reinvite", &[], [Login, Bad, Bad,    Bad,      Bad,      Forbidden, Forbidden, Forbidden, Forbidden, Forbidden]),
    // Coaching. Assigning an advisor: the bureau, county officers in their county; advisors
    // and firms never. Empty forms reach validation.
    get("/firms/{id}/assign",     [Login,    Ok,       Ok,       Ok,       NotFound, Forbidden, NotFound, NotFound, Forbidden, NotFound]),
    post("/firms/{id}/assign", &[],[Login,   Bad,      Bad,      Bad,      NotFound, Forbidden, NotFound, NotFound, Forbidden, NotFound]),
    // Follow-ups: the bureau, the county officer, the firm's advisor; not the firm itself.
    // `{fid}` is a follow-up of the advisor's own firm: on another firm's path it is absent.
    get("/firms/{id}/followups/new", [Login, Ok,       Ok,       Ok,       NotFound, Ok,       NotFound, NotFound, Forbidden, NotFound]),
    post("/firms/{id}/followups/new", &[], [Login, Bad, Bad,     Bad,      NotFound, Bad,      NotFound, NotFound, Forbidden, NotFound]),
    get("/firms/{id}/followups/{fid}/edit", [Login, Ok, Ok,      Ok,       NotFound, Ok,       NotFound, NotFound, Forbidden, NotFound]),
    post("/firms/{id}/followups/{fid}/edit", &[], [Login, Bad, Bad, Bad,   NotFound, Bad,      NotFound, NotFound, Forbidden, NotFound]),
    get("/firms/{id}/followups/{fid}/correct", [Login, Ok, Ok,   Ok,       NotFound, Ok,       NotFound, NotFound, Forbidden, NotFound]),
    post("/firms/{id}/followups/{fid}/correct", &[], [Login, Bad, Bad, Bad, NotFound, Bad,     NotFound, NotFound, Forbidden, NotFound]),
    // Issues: firms raise their own and read them; only staff move them on.
    get("/firms/{id}/issues/new", [Login,    Ok,       Ok,       Ok,       NotFound, Ok,       NotFound, NotFound, Ok,       NotFound]),
    post("/firms/{id}/issues/new", &[], [Login, Bad,   Bad,      Bad,      NotFound, Bad,      NotFound, NotFound, Bad,      NotFound]),
    get("/firms/{id}/issues/{iid}", [Login,  Ok,       Ok,       Ok,       NotFound, Ok,       NotFound, NotFound, Ok,       NotFound]),
    post("/firms/{id}/issues/{iid}", &[], [Login, Bad, Bad,      Bad,      NotFound, Bad,      NotFound, NotFound, Forbidden, NotFound]),
    // Workloads, bulk and reassignment: the bureau and county officers.
    post("/firms/assign", &[],    [Login,    Bad,      Bad,      Bad,      Bad,      Forbidden, Forbidden, Forbidden, Forbidden, Forbidden]),
    get("/advisors",              [Login,    Ok,       Ok,       Ok,       Ok,       Forbidden, Forbidden, Forbidden, Forbidden, Forbidden]),
    get("/advisors/export",       [Login,    Ok,       Ok,       Ok,       Ok,       Forbidden, Forbidden, Forbidden, Forbidden, Forbidden]),
    post("/advisors/reassign", &[],[Login,   Bad,      Bad,      Bad,      Bad,      Forbidden, Forbidden, Forbidden, Forbidden, Forbidden]),
    // The agenda and the export: everyone who coaches; the ledger: everyone, territory-bound.
    get("/agenda",                [Login,    Ok,       Ok,       Ok,       Ok,       Ok,       Ok,       Ok,       Forbidden, Forbidden]),
    get("/agenda/export",         [Login,    Ok,       Ok,       Ok,       Ok,       Ok,       Ok,       Ok,       Forbidden, Forbidden]),
    get("/issues",                [Login,    Ok,       Ok,       Ok,       Ok,       Ok,       Ok,       Ok,       Ok,       Ok]),
    get("/issues/export",         [Login,    Ok,       Ok,       Ok,       Ok,       Ok,       Ok,       Ok,       Ok,       Ok]),
    get("/followups.csv",         [Login,    Ok,       Ok,       Ok,       Ok,       Ok,       Ok,       Ok,       Forbidden, Forbidden]),
    get("/followups/export",      [Login,    Ok,       Ok,       Ok,       Ok,       Ok,       Ok,       Ok,       Forbidden, Forbidden]),
    // Mail: every signed-in person sets their own preferences; the outbox is the admins'.
    get("/account/mail",          [Login,    Ok,       Ok,       Ok,       Ok,       Ok,       Ok,       Ok,       Ok,       Ok]),
    post("/account/mail", &[("mode_stage_changed", "digest")],
                                  [Login,    Redirect, Redirect, Redirect, Redirect, Redirect, Redirect, Redirect, Redirect, Redirect]),
    // Which kinds nobody may turn off: the bureau's call (and the admins').
    post("/account/mail/mandatory", &[("mandatory", "weekly_summary")],
                                  [Login,    Redirect, Redirect, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden]),
    get("/admin/mail",            [Login,    Ok,       Forbidden, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden]),
    // The matrix's admin has no email address: the test mail is refused as bad input.
    post("/admin/mail/test", &[], [Login,    Bad,      Forbidden, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden]),
    // No failed mail has that id.
    post("/admin/mail/{id}/retry", &[], [Login, NotFound, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden]),
];

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
    /// A follow-up of `own`, logged by the advisor.
    followup: i64,
    /// An issue of `own`.
    issue: i64,
    /// A draft application of each firm, by firm id.
    applications: Vec<(i64, i64)>,
    /// A document of each firm's application, by firm id.
    documents: Vec<(i64, i64)>,
    /// A finished import dry run for each firm's column, by firm id: the county officer's for
    /// the county-A firms, the bureau's for the county-B firm.
    import_runs: Vec<(i64, i64)>,
}

fn user(conn: &mut DbConn, name: &str, role: Role, county: Option<&str>, firm: Option<i64>) -> i64 {
    users::insert(
        conn,
        &NewUser {
            username: name.to_string(),
            display_name: name.to_string(),
            email: None,
            role: role.id().to_string(),
            county_code: county.map(str::to_string),
            firm_id: firm,
            // Never checked: visitors arrive with a minted session.
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
    let advisor = user(&mut c, "adv_matrix", Role::Advisor, Some(COUNTY_A), None);
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
    let firm_user = s.firm_user.user_id.unwrap();
    diesel::update(users_t::table.find(firm_user))
        .set(users_t::firm_id.eq(own.id))
        .execute(&mut c)
        .unwrap();
    let adv = peiyu::app::Principal {
        user_id: Some(advisor),
        role: Role::Advisor,
        county_code: Some(COUNTY_A.to_string()),
        firm_id: None,
    };
    let now = Utc::now().naive_utc();
    let followup = peiyu::app::log_followup(
        &mut c,
        own.id,
        peiyu::app::FollowupInput {
            happened_on: peiyu::core::clock::china_date(now),
            kind: peiyu::store::followups::FollowupKind::Visit,
            attendees: String::new(),
            summary: "走访".to_string(),
            next_action: String::new(),
            due_on: None,
        },
        &adv,
        now,
    )
    .unwrap();
    let issue = peiyu::app::raise_issue(
        &mut c,
        own.id,
        peiyu::app::IssueInput {
            category: peiyu::store::issues::IssueCategory::Finance,
            title: "贷款".to_string(),
            detail: String::new(),
            owner_id: None,
        },
        &adv,
        now,
    )
    .unwrap();
    let applications = [&own, &same_county, &other_county]
        .iter()
        .map(|f| {
            let id = peiyu::store::applications::insert(
                &mut c,
                &peiyu::store::applications::NewApplication {
                    firm_id: f.id,
                    target: "tech_sme".to_string(),
                    status: "draft".to_string(),
                    on_behalf: false,
                    note: String::new(),
                    created_by: None,
                    created_at: now,
                    status_at: now,
                    updated_at: now,
                },
            )
            .unwrap();
            (f.id, id)
        })
        .collect::<Vec<_>>();
    let storage = db.storage();
    let documents = applications
        .iter()
        .map(|(firm_id, app_id)| {
            let key = peiyu::store::storage::Storage::new_key();
            let pdf = peiyu::core::document::samples::pdf(0);
            let size = pdf.len() as i64;
            storage.put(&key, pdf).unwrap();
            let id = peiyu::store::documents::insert(
                &mut c,
                &peiyu::store::documents::NewDocument {
                    application_id: *app_id,
                    firm_id: *firm_id,
                    kind: "business_licence".to_string(),
                    file_name: "营业执照.pdf".to_string(),
                    content_type: "application/pdf".to_string(),
                    size,
                    sha256: String::new(),
                    storage_key: key,
                    uploaded_by: None,
                    uploaded_at: now,
                },
            )
            .unwrap();
            (*firm_id, id)
        })
        .collect();
    // Dry runs of a file whose one row is refused (an unknown county), so that a commit from
    // one writes nothing.
    let registry = format!(
        "统一社会信用代码,企业名称,所属县区\n{},甲公司,火星区\n",
        crate::common::next_uscc()
    );
    let run_as = |c: &mut DbConn, p: &peiyu::app::Principal| {
        let options = peiyu::app::imports::ImportOptions {
            dry_run: true,
            skip_bad_rows: false,
        };
        let id = peiyu::app::imports::runs::queue(
            c,
            p,
            "registry.csv",
            registry.as_bytes().to_vec(),
            options,
        )
        .unwrap();
        peiyu::app::imports::runs::execute(&db.pool, id);
        id
    };
    let county_run = run_as(&mut c, &s.county_a);
    let bureau_run = run_as(&mut c, &s.bureau);
    let import_runs = vec![
        (own.id, county_run),
        (same_county.id, county_run),
        (other_county.id, bureau_run),
    ];
    World {
        import_runs,
        applications,
        documents,
        followup,
        issue,
        own,
        same_county,
        other_county,
        admin: s.admin.user_id.unwrap(),
        bureau: s.bureau.user_id.unwrap(),
        county: s.county_a.user_id.unwrap(),
        advisor,
        firm_user,
    }
}

impl World {
    /// The application of `firm`.
    fn application_of(&self, firm: &Firm) -> i64 {
        self.applications
            .iter()
            .find(|(f, _)| *f == firm.id)
            .map(|(_, a)| *a)
            .expect("every firm of the world has an application")
    }

    /// The user (none for anonymous) and the firm `{id}` stands for.
    fn visitor(&self, who: Who) -> (Option<i64>, &Firm) {
        match who {
            Who::Anonymous => (None, &self.own),
            Who::Admin => (Some(self.admin), &self.own),
            Who::Bureau => (Some(self.bureau), &self.own),
            Who::CountyOwn => (Some(self.county), &self.own),
            Who::CountyOther => (Some(self.county), &self.other_county),
            Who::AdvisorOwn => (Some(self.advisor), &self.own),
            Who::AdvisorSameCounty => (Some(self.advisor), &self.same_county),
            Who::AdvisorOtherCounty => (Some(self.advisor), &self.other_county),
            Who::FirmOwn => (Some(self.firm_user), &self.own),
            Who::FirmOther => (Some(self.firm_user), &self.same_county),
        }
    }
}

/// The concrete path for a route pattern.
fn fill(pattern: &str, firm: &Firm, w: &World) -> String {
    let mut out = String::new();
    let mut rest = pattern;
    while let Some(open) = rest.find('{') {
        let close = rest[open..].find('}').unwrap() + open;
        out.push_str(&rest[..open]);
        let value = match &rest[open + 1..close] {
            "id" => firm.id.to_string(),
            // The stylesheet under the hashed name pages link it by.
            "name" => peiyu::web::assets::path("app.css")
                .unwrap()
                .trim_start_matches("/static/")
                .to_string(),
            "tag" => "en".to_string(),
            "event" => "exit".to_string(),
            "fid" => w.followup.to_string(),
            "iid" => w.issue.to_string(),
            // The application of the firm the visitor asks about.
            "aid" => w.application_of(firm).to_string(),
            "uid" => w.firm_user.to_string(),
            // The import run of the firm's column.
            "rid" => w
                .import_runs
                .iter()
                .find(|(f, _)| *f == firm.id)
                .map(|(_, r)| r.to_string())
                .expect("every firm of the world has an import run"),
            // The document of that application.
            "did" => w
                .documents
                .iter()
                .find(|(f, _)| *f == firm.id)
                .map(|(_, d)| d.to_string())
                .expect("every firm of the world has a document"),
            other => panic!(
                "no value for path parameter {{{other}}} of {pattern}: add one in \
                 tests/it/web/access_matrix.rs `fill`"
            ),
        };
        out.push_str(&value);
        rest = &rest[close + 1..];
    }
    out.push_str(rest);
    out
}

fn matches(expect: Expect, status: u16, location: Option<&str>) -> bool {
    match expect {
        Ok => status == 200,
        Login => status == 302 && location.is_some_and(|l| l.starts_with("/login")),
        Redirect => status == 303,
        Bad => status == 400,
        Forbidden => status == 403,
        NotFound => status == 404,
    }
}

/// What one cell got: status, `Location`, `Cache-Control`, and whether `X-Peiyu-Cache` was set.
struct Answer {
    status: u16,
    location: Option<String>,
    cache_control: Option<String>,
    peiyu_cache: bool,
}

/// One request with only the given session cookie: a fresh agent, so nothing carries over.
fn request(base: &str, row: &Row, path: &str, cookie: &str, csrf: &str) -> Answer {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .max_redirects(0)
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(60)))
        .build()
        .into();
    let url = format!("{base}{path}");
    let res = match row.method {
        "GET" => agent.get(&url).header("cookie", cookie).call(),
        "POST" => {
            let mut form: Vec<(&str, &str)> = vec![("_csrf", csrf)];
            form.extend_from_slice(row.form);
            agent.post(&url).header("cookie", cookie).send_form(form)
        }
        m => panic!("the matrix has no client for method {m}: add it in `request`"),
    }
    .unwrap();
    let header = |name: &str| {
        res.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    Answer {
        status: res.status().as_u16(),
        location: header("location"),
        cache_control: header("cache-control"),
        peiyu_cache: res.headers().contains_key("x-peiyu-cache"),
    }
}

#[test]
fn the_matrix_has_one_row_per_registered_route() {
    let registered: BTreeSet<(&str, &str)> = peiyu::web::ROUTES.iter().copied().collect();
    assert_eq!(
        registered.len(),
        peiyu::web::ROUTES.len(),
        "a route is registered twice"
    );
    let rows: Vec<(&str, &str)> = MATRIX.iter().map(|r| (r.method, r.path)).collect();
    let table: BTreeSet<(&str, &str)> = rows.iter().copied().collect();
    assert_eq!(table.len(), rows.len(), "a route has two rows in MATRIX");
    let missing: Vec<_> = registered.difference(&table).collect();
    let stale: Vec<_> = table.difference(&registered).collect();
    assert!(
        missing.is_empty() && stale.is_empty(),
        "routes without a row in tests/it/web/access_matrix.rs MATRIX: {missing:?}; \
         rows for routes the app does not register: {stale:?}"
    );
}

/// `route_table!` is the only place that registers routes: a `.route(`/`.service(`/`#[get(`
/// anywhere else in `src/web` would serve a path the matrix never sees.
#[test]
fn routes_are_registered_only_through_the_route_table() {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/src/web");
    let mut stack = vec![std::path::PathBuf::from(root)];
    let mut offenders = Vec::new();
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            if path.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            for (n, line) in text.lines().enumerate() {
                let l = line.trim();
                let registers = [
                    ".route(",
                    ".service(",
                    "web::resource(",
                    "web::scope(",
                    "#[get(",
                    "#[post(",
                    "#[put(",
                    "#[patch(",
                    "#[delete(",
                    "#[route(",
                ]
                .iter()
                .any(|p| l.contains(p));
                // The API registers from its own one table (`api::ROUTES`, checked against the
                // OpenAPI document by its own test).
                let api_table = path.ends_with("web/api/mod.rs")
                    && (l.starts_with("let mut scope = web::scope(PREFIX)")
                        || l.starts_with("scope = scope.route(r.path")
                        || l.starts_with("cfg.service(scope)"));
                let the_table = l.starts_with("$(cfg.route($path, route_table!") || api_table;
                if registers && !the_table && !l.starts_with("//") {
                    offenders.push(format!("{}:{}: {l}", path.display(), n + 1));
                }
            }
        }
    }
    assert!(
        offenders.is_empty(),
        "register routes in `route_table!` (src/web/mod.rs) so that ROUTES and the access \
         matrix see them:\n{}",
        offenders.join("\n")
    );
}

#[test]
fn every_route_answers_every_visitor_as_the_matrix_says() {
    for db in backends() {
        let w = world(&db);
        let key = session::resolve_key(&mut db.conn(), None).unwrap();
        let keys = SessionKeys::new(key, false);
        let app = super::TestApp::spawn(&db);
        let mut wrong = Vec::new();
        for row in MATRIX {
            for (col, who) in WHO.iter().enumerate() {
                let (uid, firm) = w.visitor(*who);
                let now = session::now_secs();
                let s = match uid {
                    Some(id) => {
                        // The user's current epoch: a `POST /logout` cell ends the
                        // sessions issued before it.
                        let epoch = peiyu::store::users::find_by_id(&mut db.conn(), id)
                            .unwrap()
                            .session_epoch;
                        Session::signed_in(id, epoch, now)
                    }
                    None => Session::anonymous(now),
                };
                let c = keys.cookie(&s);
                let cookie = format!("{}={}", c.name(), c.value());
                let path = fill(row.path, firm, &w);
                let a = request(&app.base, row, &path, &cookie, &s.csrf);
                let expect = row.expect[col];
                if !matches(expect, a.status, a.location.as_deref()) {
                    wrong.push(format!(
                        "{} {} as {who:?}: expected {expect:?}, got {} {}",
                        row.method,
                        path,
                        a.status,
                        a.location.clone().unwrap_or_default()
                    ));
                }
                // Only a hashed static asset may be kept; every other answer (page, redirect,
                // error) is for this visitor alone.
                let cache = if row.path == "/static/{name}" && a.status == 200 {
                    peiyu::web::assets::IMMUTABLE
                } else {
                    "no-store"
                };
                if a.cache_control.as_deref() != Some(cache) || a.peiyu_cache {
                    wrong.push(format!(
                        "{} {} as {who:?}: expected Cache-Control {cache} and no X-Peiyu-Cache, \
                         got {:?}{}",
                        row.method,
                        path,
                        a.cache_control,
                        if a.peiyu_cache {
                            " and X-Peiyu-Cache"
                        } else {
                            ""
                        }
                    ));
                }
            }
        }
        assert!(
            wrong.is_empty(),
            "{}: {} cells differ from MATRIX:\n{}",
            db.name(),
            wrong.len(),
            wrong.join("\n")
        );
    }
}

/// The column of [`MATRIX`] that answers for `who`'s user about firm `firm_id` (a county
/// officer about any firm of their county is `CountyOwn`, and so on); `None` for a firm the
/// world does not have.
fn column_for(who: Who, w: &World, firm_id: i64) -> Option<Who> {
    let firm = [&w.own, &w.same_county, &w.other_county]
        .into_iter()
        .find(|f| f.id == firm_id)?;
    let own = firm.id == w.own.id;
    let home = firm.county_code == COUNTY_A;
    Some(match who {
        Who::Anonymous | Who::Admin | Who::Bureau => who,
        Who::CountyOwn | Who::CountyOther if home => Who::CountyOwn,
        Who::CountyOwn | Who::CountyOther => Who::CountyOther,
        Who::AdvisorOwn | Who::AdvisorSameCounty | Who::AdvisorOtherCounty if own => {
            Who::AdvisorOwn
        }
        Who::AdvisorOwn | Who::AdvisorSameCounty | Who::AdvisorOtherCounty if home => {
            Who::AdvisorSameCounty
        }
        Who::AdvisorOwn | Who::AdvisorSameCounty | Who::AdvisorOtherCounty => {
            Who::AdvisorOtherCounty
        }
        Who::FirmOwn | Who::FirmOther if own => Who::FirmOwn,
        Who::FirmOwn | Who::FirmOther => Who::FirmOther,
    })
}

/// Whether a route `pattern` serves `path`, and how literally (the number of literal
/// segments, so that `/firms/new` wins over `/firms/{id}`).
fn route_match(pattern: &str, path: &str) -> Option<usize> {
    let (p, q): (Vec<&str>, Vec<&str>) = (pattern.split('/').collect(), path.split('/').collect());
    if p.len() != q.len() {
        return None;
    }
    let mut literal = 0;
    for (a, b) in p.iter().zip(&q) {
        if a.starts_with('{') && a.ends_with('}') && !b.is_empty() {
            continue;
        }
        if a != b {
            return None;
        }
        literal += 1;
    }
    Some(literal)
}

/// What `who` gets from a control that sends `method` to `target` (a link's `href` or a
/// form's `action`), by [`MATRIX`]: the row of the route it reaches, the column of the firm it
/// names. `Err` names what is wrong with a control that leads nowhere.
fn control_answer(who: Who, w: &World, method: &str, target: &str) -> Result<Expect, String> {
    let path = target.split(['?', '#']).next().unwrap_or_default();
    let row = MATRIX
        .iter()
        .filter(|r| r.method == method)
        .filter_map(|r| route_match(r.path, path).map(|n| (n, r)))
        .max_by_key(|(n, _)| *n)
        .map(|(_, r)| r)
        .ok_or_else(|| format!("no route serves {method} {path}"))?;
    // The firm a path names: its `{id}` under `/firms/`, or the firm of its application.
    let param = |name: &str| {
        row.path
            .split('/')
            .zip(path.split('/'))
            .find(|(p, _)| *p == name)
            .and_then(|(_, v)| v.parse::<i64>().ok())
    };
    let firm = if row.path.starts_with("/firms/{id}") {
        Some(param("{id}").ok_or_else(|| format!("{path}: no firm id"))?)
    } else if row.path.contains("{aid}") {
        let aid = param("{aid}").ok_or_else(|| format!("{path}: no application id"))?;
        let found = w.applications.iter().find(|(_, a)| *a == aid);
        Some(
            found
                .map(|(f, _)| *f)
                .ok_or_else(|| format!("{path}: an unknown application"))?,
        )
    } else if row.path.contains("{rid}") {
        let rid = param("{rid}").ok_or_else(|| format!("{path}: no import run id"))?;
        Some(
            w.import_runs
                .iter()
                .find(|(_, r)| *r == rid)
                .map(|(f, _)| *f)
                .ok_or_else(|| format!("{path}: an unknown import run"))?,
        )
    } else {
        None
    };
    let col = match firm {
        Some(id) => column_for(who, w, id)
            .ok_or_else(|| format!("{path}: a firm the test does not know"))?,
        None => who,
    };
    let i = WHO.iter().position(|c| *c == col).unwrap_or(0);
    Result::Ok(row.expect[i])
}

/// Pages that only serve files or move the visitor on: not walked.
const NOT_PAGES: [&str; 19] = [
    "/healthz",
    "/readyz",
    "/static/{name}",
    "/login",
    "/lang/{tag}",
    "/followups.csv",
    "/imports/template.csv",
    "/imports/template.xlsx",
    "/imports/runs/{rid}/report.csv",
    "/imports/runs/{rid}/report.xlsx",
    "/firms/export",
    "/pool/export",
    "/agenda/export",
    "/issues/export",
    "/followups/export",
    "/applications/export",
    "/advisors/export",
    "/scorecard/export",
    "/should-register/export",
];

/// Every page a visitor may open, walked as that visitor: every link and every form on it
/// leads to a route that visitor may use (by [`MATRIX`], so no control ends in a 403 or a
/// 404). And every menu of a form about a record (one that carries the record's `version`)
/// may be set to each of its choices without a 403: such a form is sent with each choice
/// and a version the record never had, so it is refused as stale (or for bad input), never
/// forbidden, and nothing is written.
#[test]
fn every_control_on_every_page_leads_where_its_visitor_may_go() {
    for db in backends() {
        let w = world(&db);
        let key = session::resolve_key(&mut db.conn(), None).unwrap();
        let keys = SessionKeys::new(key, false);
        let app = super::TestApp::spawn(&db);
        let mut wrong = Vec::new();
        let mut walked = 0;
        for (col, who) in WHO.iter().enumerate() {
            let (Some(uid), firm) = w.visitor(*who) else {
                continue;
            };
            let epoch = peiyu::store::users::find_by_id(&mut db.conn(), uid)
                .unwrap()
                .session_epoch;
            let s = Session::signed_in(uid, epoch, session::now_secs());
            let c = keys.cookie(&s);
            let cookie = format!("{}={}", c.name(), c.value());
            for row in MATRIX.iter().filter(|r| {
                r.method == "GET" && r.expect[col] == Ok && !NOT_PAGES.contains(&r.path)
            }) {
                let page_path = fill(row.path, firm, &w);
                let (status, body) = fetch(&app.base, &page_path, &cookie);
                assert_eq!(status, 200, "{page_path} as {who:?}");
                walked += 1;
                let mut controls: Vec<(String, String, &str)> = super::html::links(&body)
                    .into_iter()
                    .map(|href| ("GET".to_string(), href, "link"))
                    .collect();
                for form in super::html::forms(&body) {
                    let method = form.method.to_ascii_uppercase();
                    if method == "POST" && form.input("version").is_some() {
                        wrong.extend(menus_forbidden(&app.base, &cookie, &form, *who));
                    }
                    controls.push((method, form.action, "form"));
                }
                for (method, target, what) in controls {
                    if !target.starts_with('/') {
                        continue;
                    }
                    let answer = control_answer(*who, &w, &method, &target);
                    if !matches!(answer, Result::Ok(Ok | Redirect | Bad)) {
                        wrong.push(format!(
                            "{page_path} as {who:?}: {what} {method} {target} → {answer:?}"
                        ));
                    }
                }
            }
        }
        assert!(walked > 100, "{walked} pages walked");
        assert!(
            wrong.is_empty(),
            "{}: controls that end in a refusal for their visitor:\n{}",
            db.name(),
            wrong.join("\n")
        );
    }
}

/// The status and body of `GET path` as the visitor with `cookie`.
fn fetch(base: &str, path: &str, cookie: &str) -> (u16, String) {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .max_redirects(0)
        .http_status_as_error(false)
        .build()
        .into();
    let mut res = agent
        .get(format!("{base}{path}"))
        .header("cookie", cookie)
        .call()
        .unwrap();
    let status = res.status().as_u16();
    // A download (a document) is bytes, not a page: nothing on it to follow.
    let bytes = res.body_mut().read_to_vec().unwrap();
    (status, String::from_utf8(bytes).unwrap_or_default())
}

/// Send `form` (about a versioned record) once per choice of each of its single menus, at a
/// version the record never had; a 403 for any choice is a menu offering what its visitor may
/// not do.
fn menus_forbidden(base: &str, cookie: &str, form: &super::html::Form, who: Who) -> Vec<String> {
    use super::html::Field;
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .max_redirects(0)
        .http_status_as_error(false)
        .build()
        .into();
    let shown = form.as_shown();
    let mut out = Vec::new();
    for field in &form.fields {
        let Field::Select {
            name,
            options,
            multiple: false,
        } = field
        else {
            continue;
        };
        for (value, selected) in options {
            if *selected {
                continue;
            }
            let sent: Vec<(&str, &str)> = shown
                .iter()
                .map(|(k, v)| match k.as_str() {
                    "version" => (k.as_str(), "987654321"),
                    k2 if k2 == name => (k.as_str(), value.as_str()),
                    _ => (k.as_str(), v.as_str()),
                })
                .collect();
            let status = agent
                .post(format!("{base}{}", form.action))
                .header("cookie", cookie)
                .send_form(sent)
                .unwrap()
                .status()
                .as_u16();
            if status == 403 {
                out.push(format!(
                    "{} as {who:?}: choosing {name}={value:?} is forbidden",
                    form.action
                ));
            }
        }
    }
    out
}
