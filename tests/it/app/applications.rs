//! Applications through the use cases, on the demo city, both backends: the reserve path with a
//! return and a resubmission, the HTE path through recommendation and certification, territory,
//! who decides, and two reviewers deciding at once.

use crate::common::{attach_required, backends, TestDb};
use chrono::Utc;
use diesel::prelude::*;
use peiyu::app::applications::act::act;
use peiyu::app::applications::open::open_application;
use peiyu::app::applications::read;
use peiyu::app::seed_demo::seed_demo;
use peiyu::app::{today, AppError, Conflict, Principal};
use peiyu::core::application::{Action, Outcome, Target};
use peiyu::store::schema::{firms as firms_t, outbox as outbox_t};
use peiyu::store::users::{self, NewUser};
use peiyu::store::{applications, audit, events, firms, DbConn, PooledConn};

/// The demo city once per backend, with the people around one firm.
struct Cast {
    firm: firms::Firm,
    firm_user: Principal,
    advisor: Principal,
    county: Principal,
    other_county: Principal,
    bureau: Principal,
}

fn principal(conn: &mut DbConn, username: &str) -> Principal {
    let u = users::find_by_username(conn, username).unwrap().unwrap();
    peiyu::app::access::principal_of(&u).unwrap()
}

/// A firm of `stage` whose evaluation for the next rung is `eligible` (null: any), with an
/// advisor; a firm user with an address is added for it.
fn cast(conn: &mut DbConn, stage: &str, eligible: Option<bool>, tag: &str) -> Cast {
    let mut q = firms_t::table
        .filter(firms_t::stage.eq(stage))
        .filter(firms_t::advisor_id.is_not_null())
        .into_boxed();
    q = match eligible {
        Some(e) => q.filter(firms_t::next_eligible.eq(e)),
        None => q.filter(firms_t::next_eligible.is_null()),
    };
    let id: i64 = q
        .order(firms_t::id.asc())
        .select(firms_t::id)
        .first(conn)
        .unwrap_or_else(|e| panic!("a demo firm at {stage}, eligible {eligible:?}: {e}"));
    let firm = firms::find_by_id(conn, id).unwrap();
    let username = format!("firm_{tag}");
    users::insert(
        conn,
        &NewUser {
            username: username.clone(),
            display_name: "企业联系人".to_string(),
            email: Some(format!("{username}@firm.example")),
            role: "firm".to_string(),
            county_code: None,
            firm_id: Some(firm.id),
            password_hash: "x".to_string(),
            lang: "zh-CN".to_string(),
            active: true,
            created_at: Utc::now().naive_utc(),
        },
    )
    .unwrap();
    let advisor_name = users::find_many(conn, &[firm.advisor_id.unwrap()]).unwrap()[0]
        .username
        .clone();
    let other = if firm.county_code == "411102" {
        "county-411103"
    } else {
        "county-411102"
    };
    Cast {
        firm_user: principal(conn, &username),
        advisor: principal(conn, &advisor_name),
        county: principal(conn, &format!("county-{}", firm.county_code.to_lowercase())),
        other_county: principal(conn, other),
        bureau: principal(conn, "bureau"),
        firm,
    }
}

fn demo(db: &TestDb) -> PooledConn {
    let mut conn = db.conn();
    seed_demo(&mut conn, 20_261_207, 150, today()).unwrap();
    conn
}

fn refused_codes(e: &AppError) -> String {
    match e {
        AppError::Conflict(c) => format!(
            "{}: {}",
            c.code(),
            peiyu::i18n::render(peiyu::i18n::Lang::En, &c.text())
        ),
        other => format!("{other:?}"),
    }
}

fn mails_to(conn: &mut DbConn, user: &Principal) -> Vec<String> {
    outbox_t::table
        .filter(outbox_t::to_user.eq(user.user_id.unwrap()))
        .filter(outbox_t::kind.eq("application"))
        .order(outbox_t::id.asc())
        .select(outbox_t::params)
        .load::<String>(conn)
        .unwrap()
}

#[test]
fn the_reserve_path_with_a_return_ends_with_the_firm_in_the_reserve_pool() {
    for db in backends() {
        let mut c = demo(&db);
        let k = cast(&mut c, "tech_sme", Some(true), "reserve");
        let t = today();

        let id =
            open_application(&mut c, &k.firm_user, k.firm.id, Target::Reserve, "请审核").unwrap();
        // One application per target at a time.
        let again =
            open_application(&mut c, &k.advisor, k.firm.id, Target::Reserve, "").unwrap_err();
        assert!(
            refused_codes(&again).contains("already in progress"),
            "{}",
            refused_codes(&again)
        );
        // Not a target its stage allows.
        let leader =
            open_application(&mut c, &k.firm_user, k.firm.id, Target::Leader, "").unwrap_err();
        assert!(
            refused_codes(&leader).contains("cannot apply for"),
            "{}",
            refused_codes(&leader)
        );
        // Nobody else opens one for the firm.
        for p in [&k.county, &k.bureau] {
            assert!(matches!(
                open_application(&mut c, p, k.firm.id, Target::HighTech, ""),
                Err(AppError::Forbidden)
            ));
        }

        // Nothing to review before submission; the firm submits.
        let err = act(&mut c, &k.county, id, None, &Action::Forward, "", t).unwrap_err();
        assert!(
            refused_codes(&err).contains("does not allow"),
            "{}",
            refused_codes(&err)
        );
        attach_required(&mut c, &db, &k.firm_user, id);
        let done = act(&mut c, &k.firm_user, id, None, &Action::Submit, "", t).unwrap();
        assert_eq!(done.to.id(), "submitted");
        let app = applications::find_by_id(&mut c, id).unwrap();
        assert!(app
            .frozen_evaluation
            .as_deref()
            .unwrap()
            .contains("\"ruleset\":\"reserve-local\""));
        assert!(app.frozen_profile.is_some() && app.submitted_at.is_some());
        assert!(app.due_on.unwrap() > t, "a due date ten working days on");

        // The firm corrects a figure while it waits: the reviewer sees what changed.
        let prof = peiyu::store::profile::load_profile(&mut c, k.firm.id).unwrap();
        let mut latest = prof.financials.last().unwrap().clone();
        let before = latest.revenue.unwrap();
        latest.revenue = Some(peiyu::core::money::Fen(before.0 + 1_000_000));
        let year = latest.year;
        peiyu::app::save_firm_year(
            &mut c,
            k.firm.id,
            peiyu::app::FirmYearInput {
                figures: latest,
                conversions: prof.conversions.get(&year).copied(),
            },
            &k.firm_user,
        )
        .unwrap();
        let page =
            read::application_page(&mut c, &k.county, id, t, Utc::now().naive_utc()).unwrap();
        assert_eq!(page.changes.len(), 1, "{:?}", page.changes);
        let change = &page.changes[0];
        assert_eq!(
            (change.year, change.label),
            (Some(year), "forms.field.revenue")
        );
        assert_eq!(
            change.after,
            peiyu::core::money::Fen(before.0 + 1_000_000).wan_text()
        );

        // Another county's officer does not see it at all; the advisor cannot decide.
        let hidden = act(
            &mut c,
            &k.other_county,
            id,
            None,
            &Action::StartReview,
            "",
            t,
        );
        assert!(matches!(hidden, Err(AppError::NotFound)), "{hidden:?}");
        let adv = act(&mut c, &k.advisor, id, None, &Action::Forward, "ok", t).unwrap_err();
        assert!(
            refused_codes(&adv).contains("not yours"),
            "{}",
            refused_codes(&adv)
        );
        // The advisor may comment.
        act(
            &mut c,
            &k.advisor,
            id,
            None,
            &Action::Comment,
            "材料已核对",
            t,
        )
        .unwrap();

        // The county returns it (a comment is required), the firm resubmits.
        let bare = act(&mut c, &k.county, id, None, &Action::Return, "  ", t).unwrap_err();
        assert!(
            refused_codes(&bare).contains("comment"),
            "{}",
            refused_codes(&bare)
        );
        act(&mut c, &k.county, id, None, &Action::StartReview, "", t).unwrap();
        act(
            &mut c,
            &k.county,
            id,
            None,
            &Action::Return,
            "请补充研发费用明细",
            t,
        )
        .unwrap();
        act(&mut c, &k.firm_user, id, None, &Action::Submit, "", t).unwrap();
        act(&mut c, &k.county, id, None, &Action::Forward, "同意推荐", t).unwrap();
        // The county does not decide at the city step.
        let cty = act(&mut c, &k.county, id, None, &Action::Approve, "", t).unwrap_err();
        assert!(
            refused_codes(&cty).contains("not yours"),
            "{}",
            refused_codes(&cty)
        );

        let events_before = events::count_for_firm(&mut c, k.firm.id).unwrap();
        let done = act(&mut c, &k.bureau, id, None, &Action::Approve, "", t).unwrap();
        assert_eq!(done.to.id(), "approved");
        assert_eq!(done.stage_event.map(|s| s.id()), Some("reserve"));
        let firm = firms::find_by_id(&mut c, k.firm.id).unwrap();
        assert_eq!(firm.stage, "reserve", "{}", db.name());
        assert_eq!(
            events::count_for_firm(&mut c, k.firm.id).unwrap(),
            events_before + 1
        );
        let app = applications::find_by_id(&mut c, id).unwrap();
        assert!(app.stage_event_id.is_some());
        assert_eq!(app.due_on, None, "no step is due after the decision");

        // The history: open, submit, comment, start, return, submit, forward, approve.
        let steps: Vec<String> = applications::steps(&mut c, id)
            .unwrap()
            .into_iter()
            .map(|s| s.action)
            .collect();
        assert_eq!(
            steps,
            [
                "open",
                "submit",
                "comment",
                "start_review",
                "return",
                "submit",
                "forward",
                "approve"
            ]
        );
        assert_eq!(
            audit::count_for_entity(&mut c, "application", id).unwrap(),
            8
        );
        // Every status change reached the firm's user and its advisor; a comment did not.
        for who in [&k.firm_user, &k.advisor] {
            let mails = mails_to(&mut c, who);
            assert_eq!(mails.len(), 6, "{}: {mails:?}", db.name());
            assert!(
                mails[2].contains("请补充研发费用明细"),
                "the return carries its comment"
            );
        }
        // The page shows the evaluation then and now, and the reviewer's name.
        let page =
            read::application_page(&mut c, &k.bureau, id, t, Utc::now().naive_utc()).unwrap();
        assert!(page.frozen.is_some() && !page.pairs.is_empty());
        assert!(
            page.actions.iter().all(|a| a.id() == "comment"),
            "{:?}",
            page.actions
        );
        assert!(page
            .steps
            .iter()
            .any(|s| s.step.comment == "请补充研发费用明细" && !s.actor.is_empty()));
    }
}

#[test]
fn the_hte_path_is_recommended_then_certified_and_the_firm_becomes_high_tech() {
    for db in backends() {
        let mut c = demo(&db);
        let k = cast(&mut c, "reserve", None, "hte");
        let t = today();
        let id = open_application(&mut c, &k.advisor, k.firm.id, Target::HighTech, "").unwrap();
        assert!(
            applications::find_by_id(&mut c, id).unwrap().on_behalf,
            "marked as the advisor's"
        );
        attach_required(&mut c, &db, &k.advisor, id);
        act(&mut c, &k.advisor, id, None, &Action::Submit, "", t).unwrap();
        act(&mut c, &k.county, id, None, &Action::Forward, "", t).unwrap();
        let rec = act(&mut c, &k.bureau, id, None, &Action::Approve, "", t).unwrap();
        assert_eq!(
            (rec.to.id(), rec.stage_event),
            ("approved", None),
            "a recommendation only"
        );
        assert_eq!(
            firms::find_by_id(&mut c, k.firm.id).unwrap().stage,
            "reserve"
        );
        // The queue of recommendations waiting for a result holds it.
        let queues = read::review_queues(&mut c, &k.bureau, t, Utc::now().naive_utc()).unwrap();
        let outcome = queues.iter().find(|q| q.id == "outcome").unwrap();
        assert!(outcome.rows.iter().any(|r| r.application.id == id));

        // A malformed certificate number is the stage machine's refusal, and changes nothing.
        let bad = Action::Certify(Outcome::Certificate {
            cert_no: "GR2026".into(),
            issued_on: t,
        });
        let err = act(&mut c, &k.bureau, id, None, &bad, "", t).unwrap_err();
        assert!(
            matches!(err, AppError::Conflict(Conflict::IllegalTransition(_))),
            "{err:?}"
        );
        assert_eq!(
            applications::find_by_id(&mut c, id).unwrap().status,
            "approved"
        );

        let cert_no = format!("GR{}41000777", chrono::Datelike::year(&t));
        let good = Action::Certify(Outcome::Certificate {
            cert_no: cert_no.clone(),
            issued_on: t,
        });
        let done = act(&mut c, &k.bureau, id, None, &good, "", t).unwrap();
        assert_eq!(done.to.id(), "certified");
        let firm = firms::find_by_id(&mut c, k.firm.id).unwrap();
        assert_eq!(firm.stage, "high_tech", "{}", db.name());
        let app = applications::find_by_id(&mut c, id).unwrap();
        assert!(app.outcome.unwrap().contains(&cert_no));
    }
}

#[test]
fn two_reviewers_deciding_at_once_one_wins_and_one_stage_event_is_written() {
    for db in backends() {
        let mut c = demo(&db);
        let k = cast(&mut c, "tech_sme", Some(true), "race");
        let t = today();
        let id = open_application(&mut c, &k.firm_user, k.firm.id, Target::Reserve, "").unwrap();
        attach_required(&mut c, &db, &k.firm_user, id);
        act(&mut c, &k.firm_user, id, None, &Action::Submit, "", t).unwrap();
        act(&mut c, &k.county, id, None, &Action::Forward, "", t).unwrap();
        let version = applications::find_by_id(&mut c, id).unwrap().version;
        let events_before = events::count_for_firm(&mut c, k.firm.id).unwrap();
        let bureau2 = principal(&mut c, "bureau2");
        let pool = db.pool_of(2);
        let results: Vec<Result<_, AppError>> = std::thread::scope(|s| {
            let handles: Vec<_> = [k.bureau.clone(), bureau2]
                .into_iter()
                .map(|p| {
                    let pool = pool.clone();
                    s.spawn(move || {
                        let mut c = pool.get().unwrap();
                        act(&mut c, &p, id, Some(version), &Action::Approve, "", t)
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        let won = results.iter().filter(|r| r.is_ok()).count();
        assert_eq!(won, 1, "{}: {results:?}", db.name());
        let lost = results.iter().find_map(|r| r.as_ref().err()).unwrap();
        assert!(
            refused_codes(lost).contains("Someone else has just acted"),
            "{}: {}",
            db.name(),
            refused_codes(lost)
        );
        assert_eq!(
            events::count_for_firm(&mut c, k.firm.id).unwrap(),
            events_before + 1
        );
    }
}

#[test]
fn reviewers_get_one_daily_mail_of_what_waits_for_them_with_the_overdue_marked() {
    for db in backends() {
        let mut c = demo(&db);
        let k = cast(&mut c, "tech_sme", Some(true), "digest");
        let t = today();
        let id = open_application(&mut c, &k.firm_user, k.firm.id, Target::Reserve, "").unwrap();
        attach_required(&mut c, &db, &k.firm_user, id);
        act(&mut c, &k.firm_user, id, None, &Action::Submit, "", t).unwrap();
        // Its county step was due yesterday.
        diesel::update(peiyu::store::schema::applications::table.find(id))
            .set(peiyu::store::schema::applications::due_on.eq(t.pred_opt()))
            .execute(&mut c)
            .unwrap();
        crate::jobs::tick(&mut c, t);
        let mails = |c: &mut DbConn, p: &Principal| -> Vec<String> {
            outbox_t::table
                .filter(outbox_t::to_user.eq(p.user_id.unwrap()))
                .filter(outbox_t::kind.eq("reviews_waiting"))
                .select(outbox_t::params)
                .load::<String>(c)
                .unwrap()
        };
        let county = mails(&mut c, &k.county);
        assert_eq!(county.len(), 1, "{}", db.name());
        let params: serde_json::Value = serde_json::from_str(&county[0]).unwrap();
        assert_eq!(
            (params["count"].as_u64(), params["overdue"].as_u64()),
            (Some(1), Some(1))
        );
        assert_eq!(params["items"][0]["id"].as_i64(), Some(id));
        // Nothing waits at the city step or in the other county.
        assert!(mails(&mut c, &k.bureau).is_empty());
        assert!(mails(&mut c, &k.other_county).is_empty());
        // A second tick the same day queues nothing more.
        peiyu::app::daily::run_tick(&mut c, &{
            let mut o = peiyu::app::daily::TickOptions::new(t);
            o.rerun = true;
            o
        })
        .unwrap();
        assert_eq!(mails(&mut c, &k.county).len(), 1);
    }
}

#[test]
fn figures_the_rules_cannot_evaluate_block_moving_on_but_not_sending_back() {
    for db in backends() {
        let mut c = demo(&db);
        let k = cast(&mut c, "tech_sme", Some(true), "zero");
        let t = today();
        let id = open_application(&mut c, &k.firm_user, k.firm.id, Target::Reserve, "").unwrap();
        attach_required(&mut c, &db, &k.firm_user, id);
        act(&mut c, &k.firm_user, id, None, &Action::Submit, "", t).unwrap();
        // No employees: the staff ratio cannot be computed.
        diesel::update(firms_t::table.find(k.firm.id))
            .set((
                firms_t::employees.eq(Some(0)),
                firms_t::tech_staff.eq(Some(0)),
            ))
            .execute(&mut c)
            .unwrap();
        let err = act(&mut c, &k.county, id, None, &Action::Forward, "", t).unwrap_err();
        assert_eq!(
            match &err {
                AppError::Conflict(c) => c.code(),
                _ => "other",
            },
            "data_not_evaluable",
            "{}: {err:?}",
            db.name()
        );
        let back = act(
            &mut c,
            &k.county,
            id,
            None,
            &Action::Return,
            "请更正职工人数",
            t,
        );
        assert!(back.is_ok(), "{}: {back:?}", db.name());
    }
}
