//! The mails `tick` and stage changes queue: who gets them, on which days, once each, and
//! that every template renders them in both languages.

use super::{fire, hte_firm, outbox, tech_sme_firm, tick, with_recipients};
use crate::common::{backends, d, seed, FirmBuilder};
use chrono::NaiveDate;
use peiyu::app::{fire_event, AppError};
use peiyu::core::stage::Event;
use peiyu::jobs::{run_tick, TickOptions, TickOutcome};
use peiyu::store::outbox::OutboxRow;
use peiyu::store::{self, events, mail_prefs, settings, DbConn};
use std::collections::BTreeMap;

/// The rows of one kind of mail, as (recipient, dedup key).
fn of_kind(conn: &mut DbConn, kind: &str) -> Vec<(i64, String)> {
    outbox(conn)
        .into_iter()
        .filter(|r| r.kind == kind)
        .map(|r| (r.to_user, r.dedup_key))
        .collect()
}

/// Tick every day from `from` to `to`; the days on which mails of `kind` were queued, with
/// how many.
fn daily(
    conn: &mut DbConn,
    from: NaiveDate,
    to: NaiveDate,
    kind: &str,
) -> BTreeMap<NaiveDate, usize> {
    let mut out = BTreeMap::new();
    let mut day = from;
    while day <= to {
        let before = of_kind(conn, kind).len();
        tick(conn, day);
        let after = of_kind(conn, kind).len();
        if after > before {
            out.insert(day, after - before);
        }
        day = day.succ_opt().unwrap();
    }
    out
}

/// Render a row with the worker's own renderer (strict mode, the layout's link and footer).
/// Returns (subject, text, html).
fn render(row: &OutboxRow) -> (String, String, String) {
    let composer =
        peiyu::notify::render::Composer::new("Peiyu <noreply@peiyu.test>", "http://peiyu.test")
            .unwrap();
    let r = composer
        .render(row)
        .unwrap_or_else(|e| panic!("{}/{}: {e}\nparams {}", row.template, row.lang, row.params));
    (r.subject, r.text, r.html)
}

/// Render every row and check that subject and bodies say something of `needle`.
fn renders_with(conn: &mut DbConn, kind: &str, needle: &str) -> usize {
    let rows: Vec<OutboxRow> = outbox(conn)
        .into_iter()
        .filter(|r| r.kind == kind)
        .collect();
    for r in &rows {
        let (subject, text, html) = render(r);
        assert!(
            !subject.trim().is_empty() && !subject.contains('\n'),
            "{subject:?}"
        );
        assert!(text.contains(needle), "{kind} text lacks {needle}:\n{text}");
        assert!(html.contains(needle), "{kind} html lacks {needle}:\n{html}");
        assert!(!text.contains("{{") && !html.contains("{{"));
    }
    rows.len()
}

#[test]
fn an_hte_expiry_is_announced_at_180_90_and_30_days_once_each_then_the_stage_change() {
    for db in backends() {
        let mut c = db.conn();
        let s = seed(&mut c);
        // Valid until 14 March 2027 (the certificate runs out on the 15th).
        let id = hte_firm(&mut c, &s, d(2024, 3, 15), None, 1);
        let (advisor, own) = with_recipients(&mut c, id, "a");
        let last = d(2027, 3, 14);
        let sent = daily(&mut c, d(2026, 9, 1), d(2027, 3, 20), "credential_expiring");
        let day = |n: u64| last - chrono::Days::new(n);
        assert_eq!(
            sent,
            BTreeMap::from([(day(180), 2), (day(90), 2), (day(30), 2)]),
            "{}",
            db.name()
        );
        let keys: Vec<String> = of_kind(&mut c, "credential_expiring")
            .into_iter()
            .filter(|(u, _)| *u == advisor)
            .map(|(_, k)| k)
            .collect();
        assert_eq!(
            keys,
            [180, 90, 30]
                .map(|m| format!("credential_expiring:firm{id}:hte:2027-03-14:{m}:user{advisor}"))
        );
        // Expired on the 15th: the stage change goes to both, with the event's id in the key.
        let changed = of_kind(&mut c, "stage_changed");
        let event_id = events::id_of(&mut c, id, 2).unwrap();
        assert_eq!(
            changed,
            [advisor, own].map(|u| (u, format!("stage_changed:event{event_id}:user{u}")))
        );
        assert_eq!(
            renders_with(&mut c, "credential_expiring", "GR202441000001"),
            6
        );
        assert_eq!(renders_with(&mut c, "stage_changed", "2027-03-15"), 2);
        let zh = outbox(&mut c)
            .into_iter()
            .find(|r| r.kind == "credential_expiring" && r.lang == "zh-CN")
            .unwrap();
        let (subject, _, _) = render(&zh);
        assert!(
            subject.contains("高新技术企业证书将于 2027-03-14 到期"),
            "{subject}"
        );
    }
}

#[test]
fn a_missed_mark_is_sent_late_once_and_the_tech_sme_deadline_is_announced() {
    for db in backends() {
        let mut c = db.conn();
        let s = seed(&mut c);
        // Registered for 2026: renew by 31 March 2027.
        let id = tech_sme_firm(&mut c, &s, 2026, 1);
        let (advisor, _) = with_recipients(&mut c, id, "b");
        let count = |c: &mut DbConn| of_kind(c, "credential_expiring").len();
        tick(&mut c, d(2026, 10, 1));
        assert_eq!(count(&mut c), 0, "{}: 181 days before", db.name());
        // Down on 2 October (the 180-day mark): sent on the next run.
        tick(&mut c, d(2026, 10, 5));
        assert_eq!(count(&mut c), 2);
        tick(&mut c, d(2026, 10, 6));
        tick(&mut c, d(2026, 12, 30));
        assert_eq!(
            count(&mut c),
            2,
            "{}: nothing new before 90 days",
            db.name()
        );
        // The 90-day mark (31 December) missed too, then days 89, 88 …: queued once.
        for day in [d(2027, 1, 1), d(2027, 1, 2), d(2027, 1, 3)] {
            tick(&mut c, day);
        }
        assert_eq!(count(&mut c), 4);
        tick(&mut c, d(2027, 3, 1));
        assert_eq!(count(&mut c), 6);
        let marks: Vec<String> = of_kind(&mut c, "credential_expiring")
            .into_iter()
            .filter(|(u, _)| *u == advisor)
            .map(|(_, k)| k)
            .collect();
        assert_eq!(
            marks,
            [180, 90, 30].map(|m| format!(
                "credential_expiring:firm{id}:tech_sme:2027-03-31:{m}:user{advisor}"
            ))
        );
        assert_eq!(renders_with(&mut c, "credential_expiring", "2027-03-31"), 6);
        let row = outbox(&mut c)
            .into_iter()
            .find(|r| r.kind == "credential_expiring" && r.lang == "en")
            .unwrap();
        let (subject, text, _) = render(&row);
        assert!(subject.contains("for 2027 by 2027-03-31"), "{subject}");
        assert!(text.contains("days left"), "{text}");
        // Lapsed on 1 April: the stage-change mail.
        tick(&mut c, d(2027, 4, 1));
        assert_eq!(of_kind(&mut c, "stage_changed").len(), 2, "{}", db.name());
    }
}

#[test]
fn the_annual_report_reminder_goes_to_htes_certified_before_the_year() {
    for db in backends() {
        let mut c = db.conn();
        let s = seed(&mut c);
        let old = hte_firm(&mut c, &s, d(2025, 6, 1), None, 1);
        with_recipients(&mut c, old, "old");
        // Certified in 2027: no report for 2026.
        let new = hte_firm(&mut c, &s, d(2027, 1, 10), None, 2);
        with_recipients(&mut c, new, "new");
        let sent = daily(&mut c, d(2027, 4, 20), d(2027, 6, 2), "annual_report_due");
        assert_eq!(
            sent,
            BTreeMap::from([(d(2027, 5, 1), 2), (d(2027, 5, 24), 2)]),
            "{}",
            db.name()
        );
        assert!(of_kind(&mut c, "annual_report_due")
            .iter()
            .all(|(_, k)| k.starts_with(&format!("annual_report_due:firm{old}:2026:"))));
        assert_eq!(renders_with(&mut c, "annual_report_due", "2027-05-31"), 4);
    }
}

#[test]
fn the_weekly_summary_goes_to_bureau_staff_on_its_weekday_or_the_run_after() {
    for db in backends() {
        let mut c = db.conn();
        let s = seed(&mut c);
        let bureau = super::mail_user(&mut c, "chief", "bureau", None, "zh-CN");
        super::mail_user(&mut c, "someone", "advisor", None, "zh-CN");
        // Expires on Wednesday 17 March 2027; Mondays are the 15th and the 22nd.
        hte_firm(&mut c, &s, d(2024, 3, 17), None, 1);
        let sent = daily(&mut c, d(2027, 3, 14), d(2027, 3, 23), "weekly_summary");
        assert_eq!(
            sent,
            BTreeMap::from([(d(2027, 3, 15), 1), (d(2027, 3, 22), 1)]),
            "{}",
            db.name()
        );
        let rows: Vec<OutboxRow> = outbox(&mut c)
            .into_iter()
            .filter(|r| r.kind == "weekly_summary")
            .collect();
        assert!(rows.iter().all(|r| r.to_user == bureau));
        let p = rows[1].params_json().unwrap();
        assert_eq!(
            (p["week_from"].as_str(), p["week_to"].as_str()),
            (Some("2027-03-15"), Some("2027-03-21"))
        );
        assert_eq!(p["stage_changes"], 1);
        assert_eq!(p["changes"][0]["to_zh"], "高新技术后备企业");
        assert_eq!(renders_with(&mut c, "weekly_summary", "2027-03-1"), 2);
        // Monday the 29th missed: Tuesday's run covers it.
        tick(&mut c, d(2027, 3, 30));
        assert_eq!(of_kind(&mut c, "weekly_summary").len(), 3);
        assert!(of_kind(&mut c, "weekly_summary")[2]
            .1
            .starts_with("weekly_summary:2027-03-29:"));
    }
}

#[test]
fn mail_chosen_as_digest_goes_out_in_one_daily_mail_and_is_never_lost() {
    for db in backends() {
        let mut c = db.conn();
        let s = seed(&mut c);
        let a = tech_sme_firm(&mut c, &s, 2026, 1);
        let b = tech_sme_firm(&mut c, &s, 2026, 2);
        let advisor = super::mail_user(&mut c, "digester", "advisor", None, "en");
        super::set_advisor(&mut c, a, advisor);
        super::set_advisor(&mut c, b, advisor);
        for kind in ["stage_changed", "credential_expiring"] {
            mail_prefs::set(&mut c, advisor, kind, "digest").unwrap();
        }
        // 1 March: two 30-day reminders; 1 April: two lapses. Each day one digest.
        tick(&mut c, d(2027, 3, 1));
        tick(&mut c, d(2027, 4, 1));
        let rows = outbox(&mut c);
        let digests: Vec<&OutboxRow> = rows.iter().filter(|r| r.kind == "digest").collect();
        assert_eq!(digests.len(), 2, "{}", db.name());
        assert!(rows
            .iter()
            .filter(|r| r.kind != "digest")
            .all(|r| r.status == "digested"));
        assert_eq!(digests[1].status, "queued");
        let p = digests[1].params_json().unwrap();
        assert_eq!(p["count"], 2);
        assert_eq!(p["items"][0]["kind"], "stage_changed");
        let (subject, text, html) = render(digests[1]);
        assert!(subject.contains("2 notices"), "{subject}");
        assert!(
            text.contains("stage tech-SME → prospect (2027-04-01)"),
            "{text}"
        );
        assert!(
            html.contains(&format!("http://peiyu.test/firms/{a}")),
            "{html}"
        );
        let (_, text, _) = render(digests[0]);
        assert!(
            text.contains("renew the tech-SME registration for 2027"),
            "{text}"
        );

        // A stage change later that day waits for tomorrow's digest, even if tick reruns.
        fire(
            &mut c,
            &s,
            a,
            Event::CertifyHighTech {
                cert_no: "GR202741000009".into(),
                issued_on: d(2027, 4, 1),
            },
            d(2027, 4, 1),
        );
        let rerun = run_tick(
            &mut c,
            &TickOptions {
                rerun: true,
                ..TickOptions::new(d(2027, 4, 1))
            },
        )
        .unwrap();
        assert!(matches!(rerun, TickOutcome::Ran(s) if s.mails_queued() == 0));
        let waiting: Vec<OutboxRow> = outbox(&mut c)
            .into_iter()
            .filter(|r| r.status == "digest")
            .collect();
        assert_eq!(waiting.len(), 1, "{}", db.name());
        tick(&mut c, d(2027, 4, 2));
        assert_eq!(of_kind(&mut c, "digest").len(), 3);
        assert!(outbox(&mut c).iter().all(|r| r.status != "digest"));
    }
}

#[test]
fn a_stage_change_queues_its_mail_in_the_same_transaction() {
    for db in backends() {
        let mut c = db.conn();
        let s = seed(&mut c);
        let id = FirmBuilder::new().create(&mut c, &s.admin).id;
        let (advisor, own) = with_recipients(&mut c, id, "t");
        let certify = Event::CertifyHighTech {
            cert_no: "GR202541000001".into(),
            issued_on: d(2025, 6, 1),
        };
        // Refused: nothing queued.
        let refused = fire_event(
            &mut c,
            id,
            None,
            Event::LapseTechSme,
            &s.bureau,
            d(2025, 6, 2),
        );
        assert!(refused.is_err());
        // Accepted but rolled back with the caller's transaction: no mail either.
        let rolled_back: Result<(), AppError> = store::write_tx(&mut c, |tx| {
            fire_event(tx, id, None, certify.clone(), &s.bureau, d(2025, 6, 2))?;
            Err(AppError::NotFound)
        });
        assert!(rolled_back.is_err());
        assert!(outbox(&mut c).is_empty(), "{}", db.name());
        // Accepted: one mail each to the advisor and the firm's user, in their languages.
        let fired = fire_event(&mut c, id, None, certify, &s.bureau, d(2025, 6, 2)).unwrap();
        assert_eq!(fired.mails_queued, 2);
        let rows = outbox(&mut c);
        assert_eq!(
            rows.iter()
                .map(|r| (r.to_user, r.lang.as_str(), r.link.as_str()))
                .collect::<Vec<_>>(),
            [
                (advisor, "zh-CN", format!("/firms/{id}").as_str()),
                (own, "en", format!("/firms/{id}").as_str())
            ]
        );
        let (subject, text, _) = render(&rows[0]);
        assert!(subject.contains("培育对象 → 高新技术企业"), "{subject}");
        assert!(text.contains("认定为高新技术企业"), "{text}");
        let (subject, _, _) = render(&rows[1]);
        assert!(
            subject.contains("prospect → high-tech enterprise"),
            "{subject}"
        );
        // A renewal leaves the stage as it was: no mail.
        let renewed = fire_event(
            &mut c,
            id,
            None,
            Event::RenewHighTech {
                cert_no: "GR202641000002".into(),
                issued_on: d(2026, 6, 1),
            },
            &s.bureau,
            d(2026, 6, 2),
        )
        .unwrap();
        assert_eq!(renewed.mails_queued, 0);
        assert_eq!(outbox(&mut c).len(), 2);
    }
}

#[test]
fn a_bad_reminders_setting_stops_the_run_with_its_name() {
    let db = crate::common::TestDb::sqlite();
    let mut c = db.conn();
    settings::set(
        &mut c,
        "reminders",
        &serde_json::json!({"credential_days": "often"}),
    )
    .unwrap();
    let e = run_tick(&mut c, &TickOptions::new(d(2027, 1, 1))).unwrap_err();
    assert!(format!("{e:#}").contains("reminders"), "{e:#}");
    assert!(!peiyu::store::jobs::is_done(&mut c, "tick", d(2027, 1, 1)).unwrap());
}

#[test]
fn demo_then_tick_queues_real_mail_and_a_second_tick_nothing() {
    use peiyu::app::seed_demo::seed_demo;
    for db in backends() {
        let mut c = db.conn();
        let today = d(2026, 11, 25);
        seed_demo(&mut c, 20_251_125, 150, today).unwrap();
        assert!(
            outbox(&mut c).is_empty(),
            "{}: seeding history sends nothing",
            db.name()
        );
        let s = tick(&mut c, today);
        assert_eq!(s.events_fired(), 0, "{}: {s:?}", db.name());
        let rows = outbox(&mut c);
        let count = |pred: &dyn Fn(&OutboxRow) -> bool| rows.iter().filter(|r| pred(r)).count();
        let hte = count(&|r| r.kind == "credential_expiring" && r.params.contains("\"hte\""));
        let tsme = count(&|r| r.kind == "credential_expiring" && r.params.contains("\"tech_sme\""));
        assert!(
            hte >= 3 && tsme >= 20,
            "{}: {hte} HTE, {tsme} tech-SME reminders",
            db.name()
        );
        // Certificates running out at each mark: 180, 90 and 30 days.
        for m in [180, 90, 30] {
            assert!(
                count(&|r| r.params.contains("\"hte\"") && r.dedup_key.contains(&format!(":{m}:")))
                    > 0,
                "{}: no {m}-day HTE reminder",
                db.name()
            );
        }
        // The demo's follow-ups: some due or overdue, one digest per advisor concerned.
        let advisors = count(&|r| r.kind == "followup_due");
        assert!(
            (1..=50).contains(&advisors),
            "{}: {advisors} follow-up digests",
            db.name()
        );
        assert_eq!(s.mails_queued(), rows.len());
        for r in &rows {
            render(r);
        }
        assert_eq!(
            run_tick(&mut c, &TickOptions::new(today)).unwrap(),
            TickOutcome::AlreadyDone(today)
        );
        assert_eq!(outbox(&mut c).len(), rows.len());
    }
}

#[test]
fn each_advisor_gets_one_daily_mail_listing_follow_ups_due_and_overdue() {
    use peiyu::app::{assign_advisor, log_followup, AssignTarget, FollowupInput, Principal};
    use peiyu::core::stage::Role;
    use peiyu::store::followups::FollowupKind;
    for db in backends() {
        let mut c = db.conn();
        let s = seed(&mut c);
        let advisor = super::mail_user(&mut c, "coach", "advisor", None, "zh-CN");
        let other = super::mail_user(&mut c, "idle", "advisor", None, "zh-CN");
        let a = FirmBuilder::new().create(&mut c, &s.admin).id;
        let b = FirmBuilder::new().create(&mut c, &s.admin).id;
        let quiet = FirmBuilder::new().create(&mut c, &s.admin).id;
        assign_advisor(
            &mut c,
            AssignTarget::Firms(vec![a, b]),
            advisor,
            "test",
            &s.bureau,
            d(2027, 3, 1),
        )
        .unwrap();
        assign_advisor(
            &mut c,
            AssignTarget::Firms(vec![quiet]),
            other,
            "test",
            &s.bureau,
            d(2027, 3, 1),
        )
        .unwrap();
        let me = Principal {
            user_id: Some(advisor),
            role: Role::Advisor,
            county_code: None,
            firm_id: None,
        };
        for (firm, due, action) in [
            (a, d(2027, 3, 10), "送达申报材料清单"),
            (b, d(2027, 3, 20), "复核研发费用"),
        ] {
            log_followup(
                &mut c,
                firm,
                FollowupInput {
                    happened_on: d(2027, 3, 1),
                    kind: FollowupKind::Visit,
                    attendees: "财务负责人".into(),
                    summary: "走访".into(),
                    next_action: action.into(),
                    due_on: Some(due),
                },
                &me,
                d(2027, 3, 1).and_hms_opt(4, 0, 0).unwrap(),
            )
            .unwrap();
        }
        // Due within 7 days from 3 March (firm a) and 13 March (firm b): one mail a day.
        let sent = daily(&mut c, d(2027, 3, 1), d(2027, 3, 14), "followup_due");
        let want: BTreeMap<NaiveDate, usize> = (3..=14).map(|day| (d(2027, 3, day), 1)).collect();
        assert_eq!(sent, want, "{}", db.name());
        let rows: Vec<OutboxRow> = outbox(&mut c)
            .into_iter()
            .filter(|r| r.kind == "followup_due")
            .collect();
        assert!(rows
            .iter()
            .all(|r| r.to_user == advisor && r.link == "/agenda"));
        let last = rows.last().unwrap();
        let p = last.params_json().unwrap();
        assert_eq!(
            (p["overdue_count"].as_u64(), p["due_count"].as_u64()),
            (Some(1), Some(1))
        );
        assert_eq!(p["overdue"][0]["days"], 4);
        let (subject, text, html) = render(last);
        assert!(subject.contains("逾期 1 家"), "{subject}");
        assert!(
            text.contains("送达申报材料清单") && text.contains("复核研发费用"),
            "{text}"
        );
        assert!(
            html.contains(&format!("http://peiyu.test/firms/{a}")),
            "{html}"
        );
        // Monday's weekly summary counts the contact overdue at the end of the week.
        let bureau = super::mail_user(&mut c, "chief", "bureau", None, "en");
        tick(&mut c, d(2027, 3, 15));
        let summary = outbox(&mut c)
            .into_iter()
            .find(|r| r.kind == "weekly_summary")
            .unwrap();
        assert_eq!(summary.to_user, bureau);
        assert_eq!(summary.params_json().unwrap()["followups_overdue"], 1);
        let (_, text, _) = render(&summary);
        assert!(
            text.contains("Firms whose planned contact is overdue: 1"),
            "{text}"
        );
    }
}
