//! DESIGN §2: a firm's stored stage and credentials always equal the replay of its recorded
//! events, and a refused event writes nothing. Random event sequences, random data, random
//! roles, fired through `app::fire_event` on both backends.

use crate::common::{d, seed, FirmBuilder, Seed, TestDb};
use chrono::{Datelike, Days, NaiveDate};
use peiyu::app::{fire_event, AppError, Conflict, Principal};
use peiyu::core::stage::{self, Context, Event, EventKind, Stage};
use peiyu::store::credentials::{self, Credential};
use peiyu::store::{audit, events, firms, profile, settings, DbConn};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use std::sync::atomic::{AtomicUsize, Ordering};

/// Accepted and refused events over a whole run, so a run that only ever refused (or only
/// accepted) cannot pass unnoticed.
#[derive(Default)]
struct Tally {
    accepted: AtomicUsize,
    refused: AtomicUsize,
}

#[derive(Debug, Clone)]
struct Step {
    /// Below 7 of 10: pick among the kinds the current stage allows, to get up the ladder;
    /// otherwise any kind.
    legal: u8,
    kind: usize,
    role: usize,
    days: u64,
    variant: u32,
}

fn steps() -> impl Strategy<Value = Vec<Step>> {
    prop::collection::vec(
        (
            0u8..10,
            0..EventKind::ALL.len(),
            0usize..10,
            0u64..500,
            0u32..1000,
        )
            .prop_map(|(legal, kind, role, days, variant)| Step {
                legal,
                kind,
                role,
                days,
                variant,
            }),
        1..20,
    )
}

fn event_for(step: &Step, i: usize, as_of: NaiveDate, stage: Stage) -> Event {
    let v = step.variant;
    let reason = || {
        if v % 10 == 0 {
            " ".to_string()
        } else {
            format!("reason {v}")
        }
    };
    let cert = || {
        let issued_on = if v % 11 == 0 {
            as_of + Days::new(3)
        } else {
            // Mostly within the three-year validity, sometimes past it.
            as_of - Days::new(u64::from(v) * 13 % 1300)
        };
        let year = issued_on.year() + i32::from(v % 13 == 0);
        (
            format!("GR{year}41{:06}", (v * 100 + i as u32) % 1_000_000),
            issued_on,
        )
    };
    let allowed: Vec<EventKind> = EventKind::ALL
        .into_iter()
        .filter(|k| k.from_stages().contains(&stage))
        .collect();
    let kind = if step.legal < 7 && !allowed.is_empty() {
        allowed[step.kind % allowed.len()]
    } else {
        EventKind::ALL[step.kind]
    };
    match kind {
        EventKind::RegisterTechSme => {
            let year = as_of.year() - 2 + (v % 4) as i32;
            let reg_no = if v % 7 == 0 {
                String::new()
            } else {
                format!("{year}411102{v:05}")
            };
            Event::RegisterTechSme { year, reg_no }
        }
        EventKind::LapseTechSme => Event::LapseTechSme,
        EventKind::AdmitToReserve => Event::AdmitToReserve,
        EventKind::LeaveReserve => Event::LeaveReserve { reason: reason() },
        EventKind::CertifyHighTech => {
            let (cert_no, issued_on) = cert();
            Event::CertifyHighTech { cert_no, issued_on }
        }
        EventKind::RenewHighTech => {
            let (cert_no, issued_on) = cert();
            Event::RenewHighTech { cert_no, issued_on }
        }
        EventKind::ExpireHighTech => Event::ExpireHighTech,
        EventKind::RevokeHighTech => Event::RevokeHighTech { reason: reason() },
        EventKind::RecognizeLeader => Event::RecognizeLeader,
        EventKind::DemoteLeader => Event::DemoteLeader { reason: reason() },
        EventKind::Exit => Event::Exit { reason: reason() },
        EventKind::Reinstate => Event::Reinstate,
    }
}

/// Bureau staff half the time (they may fire everything), the other roles otherwise.
fn principal(seed: &Seed, role: usize) -> Principal {
    match role {
        0 => seed.admin.clone(),
        1 => seed.county_a.clone(),
        2 => seed.county_b.clone(),
        3 => seed.advisor.clone(),
        4 => seed.firm_user.clone(),
        5 => Principal::system(),
        _ => seed.bureau.clone(),
    }
}

/// Everything a refused event must leave alone.
fn snapshot(conn: &mut DbConn, firm_id: i64) -> (i64, i64, i64, String, Vec<Credential>) {
    let firm = firms::find_by_id(conn, firm_id).unwrap();
    (
        events::count_for_firm(conn, firm_id).unwrap(),
        audit::count_for_entity(conn, "firm", firm_id).unwrap(),
        firm.version,
        firm.stage,
        credentials::list_for_firm(conn, firm_id).unwrap(),
    )
}

fn run_case(
    conn: &mut DbConn,
    seed: &Seed,
    steps: &[Step],
    tally: &Tally,
) -> Result<(), TestCaseError> {
    let firm = FirmBuilder::new().create(conn, &seed.admin);
    let mut as_of = d(2020, 1, 1);
    for (i, step) in steps.iter().enumerate() {
        as_of = as_of + Days::new(step.days);
        let replayed = events::replay_for_firm(conn, firm.id).unwrap();
        let event = event_for(step, i, as_of, replayed.stage);
        let who = principal(seed, step.role);

        // What the core alone says, from the replayed state and the stored profile.
        let before = snapshot(conn, firm.id);
        let current = firms::find_by_id(conn, firm.id).unwrap();
        let prof = profile::load_profile(conn, firm.id).unwrap();
        let thresholds = settings::thresholds(conn).unwrap();
        let ctx = Context {
            profile: &prof,
            thresholds: &thresholds,
        };
        let core_ok = who.can_act_on_firm(&current)
            && stage::apply(&replayed, &event, &who.to_actor(), as_of, &ctx).is_ok();

        let result = fire_event(conn, firm.id, None, event.clone(), &who, as_of);
        let after = snapshot(conn, firm.id);
        match &result {
            Ok(fired) => {
                prop_assert!(
                    core_ok,
                    "step {i}: {event:?} by {:?} accepted, the core refuses it",
                    who.role
                );
                prop_assert_eq!(after.0, before.0 + 1);
                prop_assert_eq!(after.1, before.1 + 1);
                prop_assert_eq!(after.2, before.2 + 1);
                prop_assert_eq!(fired.seq as i64, after.0);
                tally.accepted.fetch_add(1, Ordering::Relaxed);
            }
            Err(AppError::Conflict(Conflict::IllegalTransition(_))) | Err(AppError::Forbidden) => {
                prop_assert!(
                    !core_ok,
                    "step {i}: {event:?} by {:?} refused ({result:?}), the core accepts it",
                    who.role
                );
                prop_assert_eq!(
                    &after,
                    &before,
                    "step {}: a refused {:?} wrote something",
                    i,
                    event
                );
                tally.refused.fetch_add(1, Ordering::Relaxed);
            }
            Err(other) => {
                return Err(TestCaseError::fail(format!(
                    "step {i}: {event:?}: unexpected {other:?}"
                )))
            }
        }

        let firm_now = firms::find_by_id(conn, firm.id).unwrap();
        let stored = profile::load_state(conn, &firm_now).unwrap();
        let replayed = events::replay_for_firm(conn, firm.id).unwrap();
        prop_assert_eq!(
            &stored,
            &replayed,
            "step {}: stored state is not the replay after {:?}",
            i,
            event
        );
        prop_assert_eq!(firm_now.stage.as_str(), replayed.stage.id());
    }
    Ok(())
}

fn check(db: &TestDb, cases: u32) {
    let seed = seed(&mut db.conn());
    let mut runner = TestRunner::new(Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    });
    let tally = Tally::default();
    if let Err(e) = runner.run(&steps(), |s| run_case(&mut db.conn(), &seed, &s, &tally)) {
        panic!("{}: {e}", db.name());
    }
    let (accepted, refused) = (
        tally.accepted.load(Ordering::Relaxed),
        tally.refused.load(Ordering::Relaxed),
    );
    eprintln!(
        "{}: {accepted} events accepted, {refused} refused",
        db.name()
    );
    assert!(
        accepted > 0 && refused > 0,
        "{}: {accepted} accepted, {refused} refused",
        db.name()
    );
}

#[test]
fn stage_and_credentials_equal_the_replay_of_events_on_sqlite() {
    check(&TestDb::sqlite(), 24);
}

#[test]
fn stage_and_credentials_equal_the_replay_of_events_on_postgres() {
    check(&TestDb::postgres(), 8);
}
