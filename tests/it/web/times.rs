//! Times are stored in UTC and shown in China time (UTC+8) on every page and in every CSV: a
//! follow-up recorded at 17:30 UTC on 1 March reads 2 March 01:30.

use super::{seed_with_passwords, TestApp};
use crate::common::{backends, FirmBuilder};
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use peiyu::core::stage::Event;
use peiyu::store::schema::{stage_events, users};
use peiyu::store::tokens::api_tokens;

fn at(h: u32, m: u32) -> NaiveDateTime {
    NaiveDate::from_ymd_opt(2026, 3, 1)
        .unwrap()
        .and_hms_opt(h, m, 0)
        .unwrap()
}

#[test]
fn pages_and_csv_show_china_time_for_times_near_utc_midnight() {
    for db in backends() {
        let s = seed_with_passwords(&db);
        let firm = {
            let mut c = db.conn();
            let f = FirmBuilder::new().create(&mut c, &s.bureau);
            peiyu::app::log_followup(
                &mut c,
                f.id,
                peiyu::app::FollowupInput {
                    happened_on: NaiveDate::from_ymd_opt(2026, 3, 1).unwrap(),
                    kind: peiyu::store::followups::FollowupKind::Visit,
                    attendees: String::new(),
                    summary: "深夜走访记录".to_string(),
                    next_action: String::new(),
                    due_on: None,
                },
                &s.bureau,
                at(17, 30),
            )
            .unwrap();
            peiyu::app::fire_event(
                &mut c,
                f.id,
                None,
                Event::Exit {
                    reason: "迁出本市".to_string(),
                },
                &s.bureau,
                NaiveDate::from_ymd_opt(2026, 3, 2).unwrap(),
            )
            .unwrap();
            diesel::update(stage_events::table.filter(stage_events::firm_id.eq(f.id)))
                .set(stage_events::occurred_at.eq(at(17, 45)))
                .execute(&mut c)
                .unwrap();
            peiyu::app::accounts::tokens::create_token(
                &mut c,
                "bureau",
                "夜间令牌",
                &peiyu::app::Principal::system(),
            )
            .unwrap();
            diesel::update(api_tokens::table)
                .set(api_tokens::created_at.eq(at(16, 10)))
                .execute(&mut c)
                .unwrap();
            let admin_id = s.admin.user_id.unwrap();
            diesel::update(users::table.find(admin_id))
                .set(users::email.eq("admin@example.org"))
                .execute(&mut c)
                .unwrap();
            let queued = peiyu::app::mail::queue(
                &mut c,
                &peiyu::app::mail::MailRequest {
                    kind: peiyu::app::mail::MailKind::Test,
                    to_user: admin_id,
                    dedup_key: "times-test".to_string(),
                    template: "test",
                    params: serde_json::json!({}),
                    link: "/".to_string(),
                },
                at(23, 59),
            )
            .unwrap();
            assert!(
                matches!(queued, peiyu::app::mail::Queued::Queued(_)),
                "{queued:?}"
            );
            f
        };
        let app = TestApp::spawn(&db);
        app.login_ok("admin");
        let page = app.get(&format!("/firms/{}", firm.id));
        assert_eq!(page.status, 200);
        assert!(
            page.body.contains("2026-03-02 01:30"),
            "follow-up: {}",
            db.name()
        );
        assert!(
            page.body.contains("2026-03-02 01:45"),
            "timeline: {}",
            db.name()
        );
        assert!(
            !page.body.contains("2026-03-01 17:"),
            "no UTC clock time on the page"
        );

        let csv = app.get("/followups.csv?from=2026-03-01&to=2026-03-02");
        assert_eq!(csv.status, 200, "{}", csv.body);
        assert!(csv.body.contains("2026-03-02 01:30"), "csv: {}", csv.body);
        assert!(!csv.body.contains("17:30"), "csv: {}", csv.body);

        let users = app.get("/admin/users");
        assert!(users.body.contains("2026-03-02 00:10"), "token created");
        let mail = app.get("/admin/mail");
        assert!(
            mail.body.contains("2026-03-02 07:59:00"),
            "outbox: {}",
            mail.body
        );
    }
}
