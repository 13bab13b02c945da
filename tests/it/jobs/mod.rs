//! The daily job: `peiyu tick`, its lease and its record of completed days.

mod cli;
mod lease;
mod mails;
mod tick;

use crate::common::{d, FirmBuilder, Seed};
use chrono::NaiveDate;
use peiyu::app::fire_event;
use peiyu::core::stage::Event;
use peiyu::jobs::{run_tick, TickOptions, TickOutcome, TickSummary};
use peiyu::store::{firms, DbConn};

/// Fire `event` as bureau staff on `on`.
pub fn fire(conn: &mut DbConn, s: &Seed, firm_id: i64, event: Event, on: NaiveDate) {
    fire_event(conn, firm_id, None, event, &s.bureau, on)
        .unwrap_or_else(|e| panic!("fire on firm {firm_id} at {on}: {e:?}"));
}

fn cert_no(issued_on: NaiveDate, n: u32) -> String {
    use chrono::Datelike;
    format!("GR{}41{:06}", issued_on.year(), n)
}

/// An HTE whose certificate was issued on `issued_on` (recorded the next week), with a tech-SME
/// registration for `registered` if given (recorded on 1 February of that year, while an HTE).
pub fn hte_firm(
    conn: &mut DbConn,
    s: &Seed,
    issued_on: NaiveDate,
    registered: Option<i32>,
    n: u32,
) -> i64 {
    let id = FirmBuilder::new().create(conn, &s.admin).id;
    fire(
        conn,
        s,
        id,
        Event::CertifyHighTech {
            cert_no: cert_no(issued_on, n),
            issued_on,
        },
        issued_on + chrono::Days::new(7),
    );
    if let Some(year) = registered {
        fire(
            conn,
            s,
            id,
            Event::RegisterTechSme {
                year,
                reg_no: format!("{year}411102{n:05}"),
            },
            d(year, 2, 1),
        );
    }
    id
}

/// A tech-SME registered for `year`: reached without the tech-SME rule guard (the test firms
/// have no figures) as an HTE that registers and then loses its certificate.
pub fn tech_sme_firm(conn: &mut DbConn, s: &Seed, year: i32, n: u32) -> i64 {
    let id = hte_firm(conn, s, d(year - 1, 6, 1), Some(year), n);
    fire(
        conn,
        s,
        id,
        Event::RevokeHighTech {
            reason: "test: back to tech-SME".into(),
        },
        d(year, 2, 2),
    );
    assert_eq!(stage(conn, id), "tech_sme");
    id
}

/// The firm's stage id.
pub fn stage(conn: &mut DbConn, id: i64) -> String {
    firms::find_by_id(conn, id).unwrap().stage
}

/// Run the tick for `day` and expect it to run.
pub fn tick(conn: &mut DbConn, day: NaiveDate) -> TickSummary {
    match run_tick(conn, &TickOptions::new(day)).unwrap() {
        TickOutcome::Ran(s) => s,
        other => panic!("tick on {day}: expected a run, got {other:?}"),
    }
}

/// A user with an email address: `role` (`advisor`, `firm`, `bureau` …), of firm `firm_id`
/// for a firm user, writing in `lang`.
pub fn mail_user(
    conn: &mut DbConn,
    name: &str,
    role: &str,
    firm_id: Option<i64>,
    lang: &str,
) -> i64 {
    peiyu::store::users::insert(
        conn,
        &peiyu::store::users::NewUser {
            username: name.to_string(),
            display_name: name.to_string(),
            email: Some(format!("{name}@example.com")),
            role: role.to_string(),
            county_code: None,
            firm_id,
            password_hash: "x".to_string(),
            lang: lang.to_string(),
            active: true,
            created_at: chrono::Utc::now().naive_utc(),
        },
    )
    .unwrap()
}

/// Make `advisor` the firm's current advisor.
pub fn set_advisor(conn: &mut DbConn, firm_id: i64, advisor: i64) {
    use diesel::prelude::*;
    use peiyu::store::schema::firms::dsl;
    diesel::update(dsl::firms.find(firm_id))
        .set(dsl::advisor_id.eq(Some(advisor)))
        .execute(conn)
        .unwrap();
}

/// A firm with an advisor and a firm user, both with email: (advisor, firm user).
pub fn with_recipients(conn: &mut DbConn, firm_id: i64, tag: &str) -> (i64, i64) {
    let advisor = mail_user(conn, &format!("adv-{tag}"), "advisor", None, "zh-CN");
    let own = mail_user(conn, &format!("firm-{tag}"), "firm", Some(firm_id), "en");
    set_advisor(conn, firm_id, advisor);
    (advisor, own)
}

/// Every outbox row.
pub fn outbox(conn: &mut DbConn) -> Vec<peiyu::store::outbox::OutboxRow> {
    peiyu::store::outbox::list_all(conn).unwrap()
}
