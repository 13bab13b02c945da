//! Coaching on both backends: assignments (one open row per firm, history, bulk by filter,
//! reassignment, the mail), follow-ups (24-hour edit window, corrections, next contact, the
//! agenda on fixed dates) and the issue ledger (transitions, versions), with territory.

use crate::common::{backends, d, seed, FirmBuilder, Seed, COUNTY_A, COUNTY_B};
use chrono::{Duration, NaiveDate, NaiveDateTime, Utc};
use diesel::prelude::*;
use peiyu::app::coaching::read;
use peiyu::app::{
    self, AppError, AssignTarget, Conflict, FollowupInput, IssueInput, IssueUpdate, Principal,
    ReassignTo,
};
use peiyu::core::stage::Role;
use peiyu::i18n::{render, Lang};
use peiyu::store::assignments::{self, NewAssignment};
use peiyu::store::firm_query::FirmQuery;
use peiyu::store::firms::{self, Firm};
use peiyu::store::followups::{self, FollowupKind};
use peiyu::store::issues::{self, IssueCategory, IssueStatus};
use peiyu::store::schema::users as users_t;
use peiyu::store::users::{self, NewUser};
use peiyu::store::{outbox, DbConn, StoreError};

fn add_advisor(conn: &mut DbConn, name: &str, county: &str) -> Principal {
    let id = users::insert(
        conn,
        &NewUser {
            username: name.to_string(),
            display_name: format!("专员{name}"),
            email: Some(format!("{name}@example.test")),
            role: Role::Advisor.id().to_string(),
            county_code: Some(county.to_string()),
            firm_id: None,
            password_hash: "x".to_string(),
            lang: "zh-CN".to_string(),
            active: true,
            created_at: Utc::now().naive_utc(),
        },
    )
    .unwrap();
    Principal {
        user_id: Some(id),
        role: Role::Advisor,
        county_code: Some(county.to_string()),
        firm_id: None,
    }
}

fn uid(p: &Principal) -> i64 {
    p.user_id.unwrap()
}

fn at(day: NaiveDate, hour: u32) -> NaiveDateTime {
    day.and_hms_opt(hour, 0, 0).unwrap()
}

fn assign(conn: &mut DbConn, firms: &[&Firm], advisor: &Principal, by: &Principal, on: NaiveDate) {
    app::assign_advisor(
        conn,
        AssignTarget::Firms(firms.iter().map(|f| f.id).collect()),
        uid(advisor),
        "",
        by,
        on,
    )
    .unwrap();
}

fn visit(on: NaiveDate, due: Option<NaiveDate>, summary: &str) -> FollowupInput {
    FollowupInput {
        happened_on: on,
        kind: FollowupKind::Visit,
        attendees: "王经理".to_string(),
        summary: summary.to_string(),
        next_action: "补充研发费用辅助账".to_string(),
        due_on: due,
    }
}

fn firm(conn: &mut DbConn, id: i64) -> Firm {
    firms::find_by_id(conn, id).unwrap()
}

fn refused_code(e: AppError) -> (&'static str, String, String) {
    match e {
        AppError::Conflict(c @ Conflict::Refused { .. }) => (
            c.code(),
            render(Lang::ZhCn, &c.text()),
            render(Lang::En, &c.text()),
        ),
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[test]
fn a_firm_has_one_open_assignment_and_keeps_its_history() {
    for db in backends() {
        let mut c = db.conn();
        let s = seed(&mut c);
        let a = add_advisor(&mut c, "a", COUNTY_A);
        let b = add_advisor(&mut c, "b", COUNTY_A);
        let f = FirmBuilder::new().create(&mut c, &s.bureau);
        assign(&mut c, &[&f], &a, &s.bureau, d(2026, 1, 5));
        assign(&mut c, &[&f], &b, &s.county_a, d(2026, 6, 1));
        let history = assignments::history(&mut c, f.id).unwrap();
        assert_eq!(history.len(), 2, "{}", db.name());
        assert_eq!(history[0].advisor_id, uid(&b));
        assert_eq!(history[0].ended_on, None);
        assert_eq!(history[0].assigned_by, s.county_a.user_id);
        assert_eq!(history[1].advisor_id, uid(&a));
        assert_eq!(history[1].started_on, d(2026, 1, 5));
        assert_eq!(history[1].ended_on, Some(d(2026, 6, 1)));
        assert_eq!(firm(&mut c, f.id).advisor_id, Some(uid(&b)));
        assert!(assignments::mismatches(&mut c).unwrap().is_empty());
        // The same advisor again changes nothing.
        let again = app::assign_advisor(
            &mut c,
            AssignTarget::Firms(vec![f.id]),
            uid(&b),
            "",
            &s.bureau,
            d(2026, 7, 1),
        )
        .unwrap();
        assert_eq!((again.assigned.len(), again.unchanged), (0, 1));
        assert_eq!(assignments::history(&mut c, f.id).unwrap().len(), 2);
        // The database itself refuses a second open row.
        let second = assignments::insert(
            &mut c,
            &NewAssignment {
                firm_id: f.id,
                advisor_id: uid(&a),
                started_on: d(2026, 8, 1),
                assigned_by: None,
                reason: String::new(),
                created_at: Utc::now().naive_utc(),
            },
        );
        assert!(
            matches!(second, Err(StoreError::Duplicate("open_assignment"))),
            "{}: {second:?}",
            db.name()
        );
        // A back-dated change before the current start is refused and writes nothing.
        let early = app::assign_advisor(
            &mut c,
            AssignTarget::Firms(vec![f.id]),
            uid(&a),
            "",
            &s.bureau,
            d(2026, 5, 1),
        );
        assert!(
            matches!(early, Err(AppError::BadInput(ref e)) if e.code == "assignment_before_current")
        );
        assert_eq!(firm(&mut c, f.id).advisor_id, Some(uid(&b)));
    }
}

#[test]
fn the_edit_form_and_creation_keep_the_history_in_step() {
    for db in backends() {
        let mut c = db.conn();
        let s = seed(&mut c);
        let a = add_advisor(&mut c, "a", COUNTY_A);
        let b = add_advisor(&mut c, "b", COUNTY_A);
        let created = app::create_firm(
            &mut c,
            app::NewFirmInput {
                uscc: crate::common::next_uscc(),
                name: "漯河市挂钩测试有限公司".to_string(),
                county_code: COUNTY_A.to_string(),
                advisor_id: Some(uid(&a)),
                ..app::NewFirmInput::default()
            },
            &s.bureau,
        )
        .unwrap();
        assert_eq!(
            assignments::open_for_firm(&mut c, created.id)
                .unwrap()
                .map(|r| r.advisor_id),
            Some(uid(&a))
        );
        app::update_firm(
            &mut c,
            created.id,
            created.version,
            app::FirmUpdate {
                advisor_id: Some(Some(uid(&b))),
                ..app::FirmUpdate::default()
            },
            &s.bureau,
        )
        .unwrap();
        assert_eq!(assignments::history(&mut c, created.id).unwrap().len(), 2);
        assert!(
            assignments::mismatches(&mut c).unwrap().is_empty(),
            "{}",
            db.name()
        );
    }
}

/// Creating a firm, assigning it and editing it (the form and `PATCH /api/v1/firms/{id}`)
/// all refuse a disabled advisor the same way, and write nothing.
#[test]
fn no_way_of_choosing_an_advisor_accepts_a_disabled_account() {
    for db in backends() {
        let mut c = db.conn();
        let s = seed(&mut c);
        let gone = add_advisor(&mut c, "gone", COUNTY_A);
        app::accounts::users::set_active(&mut c, uid(&gone), false, &Principal::system()).unwrap();
        let f = FirmBuilder::new().create(&mut c, &s.bureau);
        let field_code = |e: AppError| match e {
            AppError::BadInput(i) => (i.field, i.code),
            other => panic!("expected bad input, got {other:?}"),
        };
        let created = app::create_firm(
            &mut c,
            app::NewFirmInput {
                uscc: crate::common::next_uscc(),
                name: "停用专员测试有限公司".to_string(),
                county_code: COUNTY_A.to_string(),
                advisor_id: Some(uid(&gone)),
                ..app::NewFirmInput::default()
            },
            &s.bureau,
        );
        assert_eq!(
            field_code(created.unwrap_err()),
            ("advisor_id".to_string(), "unknown_advisor")
        );
        let assigned = app::assign_advisor(
            &mut c,
            AssignTarget::Firms(vec![f.id]),
            uid(&gone),
            "",
            &s.bureau,
            d(2025, 3, 1),
        );
        assert_eq!(
            field_code(assigned.unwrap_err()),
            ("advisor_id".to_string(), "unknown_advisor")
        );
        let edited = app::update_firm(
            &mut c,
            f.id,
            f.version,
            app::FirmUpdate {
                advisor_id: Some(Some(uid(&gone))),
                ..app::FirmUpdate::default()
            },
            &s.bureau,
        );
        assert_eq!(
            field_code(edited.unwrap_err()),
            ("advisor_id".to_string(), "unknown_advisor"),
            "{}",
            db.name()
        );
        let after = firm(&mut c, f.id);
        assert_eq!((after.version, after.advisor_id), (f.version, None));
        assert!(assignments::history(&mut c, f.id).unwrap().is_empty());
    }
}

#[test]
fn bulk_assignment_by_filter_stays_in_the_territory() {
    for db in backends() {
        let mut c = db.conn();
        let s = seed(&mut c);
        let a = add_advisor(&mut c, "a", COUNTY_A);
        let in_a: Vec<Firm> = (0..5)
            .map(|_| {
                FirmBuilder::new()
                    .county(COUNTY_A)
                    .create(&mut c, &s.bureau)
            })
            .collect();
        let in_b: Vec<Firm> = (0..2)
            .map(|_| {
                FirmBuilder::new()
                    .county(COUNTY_B)
                    .create(&mut c, &s.bureau)
            })
            .collect();
        // "Assign all matching": a county officer's filter covers only their county.
        let out = app::assign_advisor(
            &mut c,
            AssignTarget::Filter(FirmQuery::default()),
            uid(&a),
            "年度挂钩",
            &s.county_a,
            d(2026, 3, 1),
        )
        .unwrap();
        assert_eq!(out.assigned.len(), 5, "{}", db.name());
        for f in &in_a {
            assert_eq!(firm(&mut c, f.id).advisor_id, Some(uid(&a)));
        }
        for f in &in_b {
            assert_eq!(firm(&mut c, f.id).advisor_id, None);
        }
        // The bureau's filter by county B assigns exactly those.
        let out = app::assign_advisor(
            &mut c,
            AssignTarget::Filter(FirmQuery {
                county_code: Some(COUNTY_B.to_string()),
                ..FirmQuery::default()
            }),
            uid(&a),
            "",
            &s.bureau,
            d(2026, 3, 1),
        )
        .unwrap();
        assert_eq!(out.assigned.len(), 2);
        // Naming a firm outside the territory refuses the whole selection.
        let b2 = add_advisor(&mut c, "b2", COUNTY_A);
        let err = app::assign_advisor(
            &mut c,
            AssignTarget::Firms(vec![in_a[0].id, in_b[0].id]),
            uid(&b2),
            "",
            &s.county_a,
            d(2026, 4, 1),
        )
        .unwrap_err();
        assert!(matches!(err, AppError::NotFound), "{err:?}");
        assert_eq!(firm(&mut c, in_a[0].id).advisor_id, Some(uid(&a)));
        // Advisors do not assign.
        let err = app::assign_advisor(
            &mut c,
            AssignTarget::Firms(vec![in_a[0].id]),
            uid(&b2),
            "",
            &a,
            d(2026, 4, 1),
        )
        .unwrap_err();
        assert!(matches!(err, AppError::Forbidden), "{err:?}");
        assert!(assignments::mismatches(&mut c).unwrap().is_empty());
    }
}

#[test]
fn assignment_queues_one_mail_to_the_advisor_and_one_per_firm_user() {
    for db in backends() {
        let mut c = db.conn();
        let s = seed(&mut c);
        let a = add_advisor(&mut c, "a", COUNTY_A);
        let f1 = FirmBuilder::new().create(&mut c, &s.bureau);
        let f2 = FirmBuilder::new().create(&mut c, &s.bureau);
        let fu = s.firm_user.user_id.unwrap();
        diesel::update(users_t::table.find(fu))
            .set((
                users_t::firm_id.eq(f1.id),
                users_t::email.eq("boss@firm.test"),
            ))
            .execute(&mut c)
            .unwrap();
        let out = app::assign_advisor(
            &mut c,
            AssignTarget::Firms(vec![f1.id, f2.id]),
            uid(&a),
            "",
            &s.bureau,
            d(2026, 3, 1),
        )
        .unwrap();
        let mails = outbox::list_all(&mut c).unwrap();
        assert_eq!(mails.len(), 2, "{}: {mails:?}", db.name());
        let to_advisor = mails.iter().find(|m| m.to_user == uid(&a)).unwrap();
        assert_eq!(to_advisor.template, "assignment");
        assert!(to_advisor.params.contains(&f1.name) && to_advisor.params.contains("\"count\":2"));
        let row1 = out.assigned.iter().find(|(f, _)| *f == f1.id).unwrap().1;
        let to_firm = mails.iter().find(|m| m.to_user == fu).unwrap();
        assert_eq!(to_firm.dedup_key, format!("assignment:{row1}:user{fu}"));
        assert_eq!(to_firm.link, format!("/firms/{}", f1.id));
    }
}

#[test]
fn a_leaving_advisors_firms_are_spread_over_the_least_loaded() {
    for db in backends() {
        let mut c = db.conn();
        let s = seed(&mut c);
        let x = add_advisor(&mut c, "x", COUNTY_A);
        let y = add_advisor(&mut c, "y", COUNTY_A);
        let z = add_advisor(&mut c, "z", COUNTY_A);
        let firms: Vec<Firm> = (0..5)
            .map(|_| FirmBuilder::new().create(&mut c, &s.bureau))
            .collect();
        assign(
            &mut c,
            &[&firms[0], &firms[1], &firms[2], &firms[3]],
            &x,
            &s.bureau,
            d(2026, 1, 1),
        );
        assign(&mut c, &[&firms[4]], &y, &s.bureau, d(2026, 1, 1));
        let out = app::reassign_advisor(
            &mut c,
            uid(&x),
            ReassignTo::Spread(vec![uid(&y), uid(&z)]),
            "离岗",
            &s.bureau,
            d(2026, 5, 1),
        )
        .unwrap();
        assert_eq!(out, vec![(uid(&y), 2), (uid(&z), 2)], "{}", db.name());
        let load = |c: &mut DbConn, p: &Principal| {
            firms::list(
                c,
                &firms::FirmFilter {
                    advisor_id: p.user_id,
                    ..Default::default()
                },
            )
            .unwrap()
            .len()
        };
        assert_eq!(load(&mut c, &x), 0);
        assert_eq!(load(&mut c, &y), 3);
        assert_eq!(load(&mut c, &z), 2);
        let h = assignments::history(&mut c, firms[0].id).unwrap();
        assert_eq!(h[1].advisor_id, uid(&x));
        assert_eq!(h[1].ended_on, Some(d(2026, 5, 1)));
        // To one advisor; and not to the one leaving.
        let out = app::reassign_advisor(
            &mut c,
            uid(&y),
            ReassignTo::One(uid(&z)),
            "",
            &s.bureau,
            d(2026, 6, 1),
        )
        .unwrap();
        assert_eq!(out, vec![(uid(&z), 3)]);
        let err = app::reassign_advisor(
            &mut c,
            uid(&z),
            ReassignTo::One(uid(&z)),
            "",
            &s.bureau,
            d(2026, 6, 1),
        )
        .unwrap_err();
        assert!(matches!(err, AppError::BadInput(ref e) if e.code == "same_advisor"));
        assert!(assignments::mismatches(&mut c).unwrap().is_empty());
    }
}

#[test]
fn a_followup_is_editable_for_24_hours_by_its_author_then_only_corrected() {
    for db in backends() {
        let mut c = db.conn();
        let s = seed(&mut c);
        let a = add_advisor(&mut c, "a", COUNTY_A);
        let f = FirmBuilder::new().create(&mut c, &s.bureau);
        assign(&mut c, &[&f], &a, &s.bureau, d(2026, 1, 1));
        let logged_at = at(d(2026, 3, 10), 2);
        let id = app::log_followup(
            &mut c,
            f.id,
            visit(d(2026, 3, 10), Some(d(2026, 3, 20)), "走访研发中心"),
            &a,
            logged_at,
        )
        .unwrap();
        assert_eq!(firm(&mut c, f.id).next_contact_on, Some(d(2026, 3, 20)));
        assert_eq!(firm(&mut c, f.id).last_contact_on, Some(d(2026, 3, 10)));
        // Within 24 hours the author edits in place.
        let edited = app::edit_followup(
            &mut c,
            id,
            visit(d(2026, 3, 10), Some(d(2026, 3, 25)), "走访研发中心并座谈"),
            &a,
            logged_at + Duration::hours(23),
        )
        .unwrap();
        assert_eq!(edited.summary, "走访研发中心并座谈");
        assert_eq!(firm(&mut c, f.id).next_contact_on, Some(d(2026, 3, 25)));
        // Someone else may not edit it, even in time.
        let err = app::edit_followup(
            &mut c,
            id,
            visit(d(2026, 3, 10), None, "改"),
            &s.bureau,
            logged_at + Duration::hours(1),
        )
        .unwrap_err();
        assert_eq!(refused_code(err).0, "followup_not_author");
        // After 24 hours: refused, saying why and what to do.
        let err = app::edit_followup(
            &mut c,
            id,
            visit(d(2026, 3, 10), None, "改"),
            &a,
            logged_at + Duration::hours(25),
        )
        .unwrap_err();
        let (code, zh, en) = refused_code(err);
        assert_eq!(code, "followup_edit_window_closed");
        assert!(zh.contains("24 小时") && zh.contains("更正"), "{zh}");
        assert!(en.contains("24 hours") && en.contains("correction"), "{en}");
        assert_eq!(
            followups::find_by_id(&mut c, id).unwrap().summary,
            "走访研发中心并座谈"
        );
        // A correction is appended; the original stays as recorded.
        let fix = app::correct_followup(
            &mut c,
            id,
            visit(
                d(2026, 3, 9),
                Some(d(2026, 4, 2)),
                "走访研发中心（日期更正）",
            ),
            &a,
            logged_at + Duration::days(3),
        )
        .unwrap();
        let row = followups::find_by_id(&mut c, fix).unwrap();
        assert_eq!(row.corrects_id, Some(id));
        assert_eq!(
            followups::find_by_id(&mut c, id).unwrap().happened_on,
            d(2026, 3, 10)
        );
        assert_eq!(firm(&mut c, f.id).next_contact_on, Some(d(2026, 4, 2)));
        assert_eq!(firm(&mut c, f.id).last_contact_on, Some(d(2026, 3, 9)));
        // A correction of the correction points at the same original.
        let fix2 = app::correct_followup(
            &mut c,
            fix,
            visit(d(2026, 3, 9), None, "走访研发中心（再更正）"),
            &s.bureau,
            logged_at + Duration::days(4),
        )
        .unwrap();
        assert_eq!(
            followups::find_by_id(&mut c, fix2).unwrap().corrects_id,
            Some(id)
        );
        assert_eq!(firm(&mut c, f.id).next_contact_on, None, "{}", db.name());
        let page = read::firm_coaching(&mut c, &a, f.id, logged_at + Duration::days(5)).unwrap();
        let superseded: Vec<i64> = page
            .followups
            .iter()
            .filter(|r| r.superseded)
            .map(|r| r.followup.id)
            .collect();
        assert_eq!(superseded.len(), 2);
        assert!(superseded.contains(&id) && superseded.contains(&fix));
    }
}

#[test]
fn followups_are_validated_with_messages_in_both_languages() {
    for db in backends() {
        let mut c = db.conn();
        let s = seed(&mut c);
        let f = FirmBuilder::new().create(&mut c, &s.bureau);
        let now = at(d(2026, 3, 10), 2);
        let cases = [
            (
                visit(d(2026, 3, 11), None, "明天"),
                "followup_in_future",
                "晚于今天",
            ),
            (
                visit(d(2026, 3, 10), Some(d(2026, 3, 1)), "x"),
                "due_before_followup",
                "早于",
            ),
            (
                visit(d(2026, 3, 10), None, "   "),
                "summary_required",
                "摘要",
            ),
        ];
        for (input, code, zh) in cases {
            match app::log_followup(&mut c, f.id, input, &s.bureau, now) {
                Err(AppError::BadInput(e)) => {
                    assert_eq!(e.code, code);
                    let (words_zh, words_en) =
                        (render(Lang::ZhCn, &e.text), render(Lang::En, &e.text));
                    assert!(words_zh.contains(zh), "{words_zh}");
                    assert!(!words_en.is_empty());
                }
                other => panic!("{}: expected {code}, got {other:?}", db.name()),
            }
        }
        assert!(followups::list_for_firm(&mut c, f.id).unwrap().is_empty());
    }
}

#[test]
fn the_next_contact_follows_the_latest_followup_not_a_back_dated_one() {
    for db in backends() {
        let mut c = db.conn();
        let s = seed(&mut c);
        let f = FirmBuilder::new().create(&mut c, &s.bureau);
        let now = at(d(2026, 3, 10), 2);
        app::log_followup(
            &mut c,
            f.id,
            visit(d(2026, 3, 5), Some(d(2026, 4, 1)), "a"),
            &s.bureau,
            now,
        )
        .unwrap();
        app::log_followup(
            &mut c,
            f.id,
            visit(d(2026, 2, 1), Some(d(2026, 2, 15)), "b"),
            &s.bureau,
            now,
        )
        .unwrap();
        let got = firm(&mut c, f.id);
        assert_eq!(
            (got.last_contact_on, got.next_contact_on),
            (Some(d(2026, 3, 5)), Some(d(2026, 4, 1)))
        );
    }
}

#[test]
fn the_agenda_sorts_firms_into_buckets_on_fixed_dates() {
    for db in backends() {
        let mut c = db.conn();
        let s = seed(&mut c);
        let a = add_advisor(&mut c, "a", COUNTY_A);
        let other = add_advisor(&mut c, "o", COUNTY_A);
        let mk = |c: &mut DbConn| FirmBuilder::new().create(c, &s.bureau);
        let overdue = mk(&mut c);
        let this_week = mk(&mut c);
        let later = mk(&mut c);
        let unplanned = mk(&mut c);
        let stale = mk(&mut c);
        let never = mk(&mut c);
        let not_mine = mk(&mut c);
        assign(
            &mut c,
            &[&overdue, &this_week, &later, &unplanned, &stale, &never],
            &a,
            &s.bureau,
            d(2025, 1, 1),
        );
        assign(&mut c, &[&not_mine], &other, &s.bureau, d(2025, 1, 1));
        let today = d(2026, 3, 10);
        let now = at(today, 2);
        let log = |c: &mut DbConn, f: &Firm, on: NaiveDate, due: Option<NaiveDate>| {
            app::log_followup(c, f.id, visit(on, due, "跟进"), &a, now).unwrap();
        };
        log(&mut c, &overdue, d(2026, 2, 1), Some(d(2026, 3, 9)));
        log(&mut c, &this_week, d(2026, 3, 1), Some(d(2026, 3, 16)));
        log(&mut c, &later, d(2026, 3, 1), Some(d(2026, 3, 17)));
        log(&mut c, &unplanned, d(2026, 3, 1), None);
        log(&mut c, &stale, d(2026, 1, 8), Some(d(2026, 4, 1)));
        app::log_followup(
            &mut c,
            not_mine.id,
            visit(d(2026, 2, 1), Some(d(2026, 3, 1)), "x"),
            &other,
            now,
        )
        .unwrap();
        let ag = read::agenda(&mut c, &a, None, today).unwrap();
        let ids = |b: &read::Bucket| {
            let mut v: Vec<i64> = b.rows.iter().map(|r| r.firm.id).collect();
            v.sort_unstable();
            v
        };
        assert_eq!(ids(&ag.overdue), vec![overdue.id], "{}", db.name());
        assert_eq!(ag.overdue.rows[0].next_action, "补充研发费用辅助账");
        // Due this week: today .. today + 6 (the 7-day default).
        assert_eq!(ids(&ag.due_soon), vec![this_week.id]);
        let mut none = vec![unplanned.id, never.id];
        none.sort_unstable();
        assert_eq!(ids(&ag.none_planned), none);
        // 8 January is 61 days before 10 March; 9 January would be 60.
        let mut stale_ids = vec![stale.id, never.id];
        stale_ids.sort_unstable();
        assert_eq!(ids(&ag.stale), stale_ids);
        // The thresholds are settings.
        peiyu::store::settings::set(&mut c, read::AGENDA_DUE_DAYS_KEY, &serde_json::json!(8))
            .unwrap();
        peiyu::store::settings::set(&mut c, read::AGENDA_STALE_DAYS_KEY, &serde_json::json!(90))
            .unwrap();
        let ag = read::agenda(&mut c, &a, None, today).unwrap();
        assert_eq!(ag.due_soon.total, 2);
        assert_eq!(ids(&ag.stale), vec![never.id]);
        // The bureau sees everybody's, or one advisor's.
        let all = read::agenda(&mut c, &s.bureau, None, today).unwrap();
        assert_eq!(all.overdue.total, 2);
        let one = read::agenda(&mut c, &s.bureau, Some(uid(&other)), today).unwrap();
        assert_eq!(ids(&one.overdue), vec![not_mine.id]);
        // Loads on the advisors page agree.
        let page = read::advisors_page(&mut c, &s.bureau, today).unwrap();
        let mine = page.loads.iter().find(|l| l.advisor.id == uid(&a)).unwrap();
        assert_eq!((mine.stat.firms, mine.stat.overdue), (6, 1));
        assert_eq!(mine.stat.last_contact_on, Some(d(2026, 3, 1)));
        assert!(matches!(
            read::agenda(&mut c, &s.firm_user, None, today),
            Err(AppError::Forbidden)
        ));
    }
}

fn raise(c: &mut DbConn, firm: &Firm, who: &Principal) -> Result<i64, AppError> {
    app::raise_issue(
        c,
        firm.id,
        IssueInput {
            category: IssueCategory::Finance,
            title: "流动资金贷款".to_string(),
            detail: "扩产需要 800 万元".to_string(),
            owner_id: None,
        },
        who,
        at(d(2026, 3, 10), 2),
    )
}

fn to(status: IssueStatus, resolution: &str) -> IssueUpdate {
    IssueUpdate {
        status: Some(status),
        resolution: Some(resolution.to_string()),
        owner_id: None,
    }
}

#[test]
fn issues_move_open_in_progress_resolved_and_refuse_the_rest() {
    for db in backends() {
        let mut c = db.conn();
        let s = seed(&mut c);
        let a = add_advisor(&mut c, "a", COUNTY_A);
        let f = FirmBuilder::new().create(&mut c, &s.bureau);
        assign(&mut c, &[&f], &a, &s.bureau, d(2026, 1, 1));
        let id = raise(&mut c, &f, &a).unwrap();
        let i = issues::find_by_id(&mut c, id).unwrap();
        assert_eq!(
            (i.status.as_str(), i.owner_id, i.version),
            ("open", Some(uid(&a)), 1)
        );
        let now = at(d(2026, 3, 20), 2);
        // Open cannot jump to resolved.
        let err =
            app::update_issue(&mut c, id, 1, to(IssueStatus::Resolved, "ok"), &a, now).unwrap_err();
        let (code, zh, en) = refused_code(err);
        assert_eq!(code, "illegal_issue_transition");
        assert!(zh.contains("待办") && zh.contains("已办结"), "{zh}");
        assert!(en.contains("open") && en.contains("resolved"), "{en}");
        let i = app::update_issue(&mut c, id, 1, to(IssueStatus::InProgress, ""), &a, now).unwrap();
        assert_eq!((i.status.as_str(), i.version), ("in_progress", 2));
        // A stale form is a conflict.
        let err =
            app::update_issue(&mut c, id, 1, to(IssueStatus::Closed, "x"), &a, now).unwrap_err();
        assert!(
            matches!(err, AppError::Conflict(Conflict::StaleVersion)),
            "{err:?}"
        );
        // Resolving needs a resolution.
        let err =
            app::update_issue(&mut c, id, 2, to(IssueStatus::Resolved, "  "), &a, now).unwrap_err();
        assert!(matches!(err, AppError::BadInput(ref e) if e.code == "resolution_required"));
        let i = app::update_issue(
            &mut c,
            id,
            2,
            to(IssueStatus::Resolved, "已协调授信"),
            &a,
            now,
        )
        .unwrap();
        assert_eq!(i.status, "resolved");
        assert_eq!(i.closed_on, Some(d(2026, 3, 20)));
        assert_eq!(i.age_days(d(2026, 12, 1)), 10);
        // Resolved is final.
        let err =
            app::update_issue(&mut c, id, 3, to(IssueStatus::InProgress, ""), &a, now).unwrap_err();
        assert_eq!(refused_code(err).0, "illegal_issue_transition");
        // An open issue may be closed directly, with a reason.
        let id2 = raise(&mut c, &f, &s.bureau).unwrap();
        let i = app::update_issue(
            &mut c,
            id2,
            1,
            to(IssueStatus::Closed, "企业撤回"),
            &s.county_a,
            now,
        )
        .unwrap();
        assert_eq!(i.status, "closed", "{}", db.name());
    }
}

#[test]
fn territory_decides_who_sees_and_keeps_the_ledger() {
    for db in backends() {
        let mut c = db.conn();
        let s: Seed = seed(&mut c);
        let a = add_advisor(&mut c, "a", COUNTY_A);
        let stranger = add_advisor(&mut c, "s", COUNTY_A);
        let f = FirmBuilder::new()
            .county(COUNTY_A)
            .create(&mut c, &s.bureau);
        let g = FirmBuilder::new()
            .county(COUNTY_A)
            .create(&mut c, &s.bureau);
        assign(&mut c, &[&f], &a, &s.bureau, d(2026, 1, 1));
        let now = at(d(2026, 3, 10), 2);
        // A county officer of another county: the firm does not exist for them.
        let err = app::log_followup(
            &mut c,
            f.id,
            visit(d(2026, 3, 1), None, "x"),
            &s.county_b,
            now,
        )
        .unwrap_err();
        assert!(matches!(err, AppError::NotFound), "{err:?}");
        assert!(matches!(
            raise(&mut c, &f, &s.county_b),
            Err(AppError::NotFound)
        ));
        // An advisor not assigned to it: hidden too.
        let err = app::log_followup(
            &mut c,
            f.id,
            visit(d(2026, 3, 1), None, "x"),
            &stranger,
            now,
        )
        .unwrap_err();
        assert!(matches!(err, AppError::NotFound), "{err:?}");
        // A firm's user raises for its own firm only, and cannot move issues or log follow-ups.
        let fu = s.firm_user.user_id.unwrap();
        diesel::update(users_t::table.find(fu))
            .set(users_t::firm_id.eq(f.id))
            .execute(&mut c)
            .unwrap();
        let firm_p = Principal {
            firm_id: Some(f.id),
            ..s.firm_user.clone()
        };
        let id = raise(&mut c, &f, &firm_p).unwrap();
        assert_eq!(
            issues::find_by_id(&mut c, id).unwrap().owner_id,
            Some(uid(&a))
        );
        assert!(matches!(
            raise(&mut c, &g, &firm_p),
            Err(AppError::NotFound)
        ));
        let err = app::update_issue(&mut c, id, 1, to(IssueStatus::InProgress, ""), &firm_p, now)
            .unwrap_err();
        assert!(matches!(err, AppError::Forbidden), "{err:?}");
        let err = app::log_followup(&mut c, f.id, visit(d(2026, 3, 1), None, "x"), &firm_p, now)
            .unwrap_err();
        assert!(matches!(err, AppError::Forbidden), "{err:?}");
        // The ledger: the firm sees its own; county B sees nothing; the bureau all.
        let q = read::LedgerQuery::default();
        assert_eq!(
            read::ledger(&mut c, &firm_p, &q, d(2026, 3, 10))
                .unwrap()
                .total,
            1
        );
        assert_eq!(
            read::ledger(&mut c, &s.county_b, &q, d(2026, 3, 10))
                .unwrap()
                .total,
            0
        );
        let bureau = read::ledger(&mut c, &s.bureau, &q, d(2026, 4, 30)).unwrap();
        assert_eq!(bureau.total, 1, "{}", db.name());
        assert_eq!(bureau.bands.len(), 1);
        assert_eq!(
            (bureau.bands[0].county_code.as_str(), bureau.bands[0].middle),
            (COUNTY_A, 1)
        );
    }
}

#[test]
fn the_demo_has_coaching_work_due_on_its_own_dates() {
    for db in backends() {
        let mut c = db.conn();
        let today = d(2026, 11, 25);
        let s = peiyu::app::seed_demo::seed_demo(&mut c, 20_251_125, 120, today).unwrap();
        assert!(
            s.assignments > 120 && s.followups > 100 && s.issues >= 24,
            "{s:?}"
        );
        assert!(
            assignments::mismatches(&mut c).unwrap().is_empty(),
            "{}",
            db.name()
        );
        let ended = firms::all_ids(&mut c)
            .unwrap()
            .into_iter()
            .filter(|id| assignments::history(&mut c, *id).unwrap().len() > 1)
            .count();
        assert!(ended > 10, "some firms changed advisor: {ended}");
        let bureau = users::find_by_username(&mut c, "bureau").unwrap().unwrap();
        let p = peiyu::app::access::principal_of(&bureau).unwrap();
        let ag = read::agenda(&mut c, &p, None, today).unwrap();
        for (name, n) in [
            ("overdue", ag.overdue.total),
            ("due this week", ag.due_soon.total),
            ("none planned", ag.none_planned.total),
            ("not contacted for 60 days", ag.stale.total),
        ] {
            assert!(n >= 5, "{}: {name}: {n}", db.name());
        }
        let pending = read::ledger(&mut c, &p, &Default::default(), today).unwrap();
        for cat in IssueCategory::ALL {
            assert!(
                pending
                    .rows
                    .iter()
                    .any(|(r, _, _)| r.issue.category == cat.id()),
                "no open {} issue",
                cat.id()
            );
        }
        // What the daily digest will list.
        assert!(!followups::due_contacts(&mut c, today).unwrap().is_empty());
        // Seeding again changes nothing.
        let before = followups::list_with_firms(&mut c, &Default::default(), 100_000)
            .unwrap()
            .len();
        let again = peiyu::app::seed_demo::seed_demo(&mut c, 20_251_125, 120, today).unwrap();
        assert!(again.already_seeded);
        assert_eq!(again.followups, s.followups);
        assert_eq!(
            followups::list_with_firms(&mut c, &Default::default(), 100_000)
                .unwrap()
                .len(),
            before
        );
        // The same seed plans the same coaching.
        let plans = peiyu::demo::generate(20_251_125, 120, today);
        assert_eq!(
            peiyu::demo::coaching::plan(20_251_125, &plans, today),
            peiyu::demo::coaching::plan(20_251_125, &plans, today)
        );
    }
}
