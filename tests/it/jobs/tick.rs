//! `peiyu tick`'s events: on the right day, once, caught up after missed days, one runner.

use super::{fire, hte_firm, stage, tech_sme_firm, tick};
use crate::common::{backends, d, seed, TestDb};
use chrono::{Datelike, NaiveDate};
use peiyu::core::stage::{hte_valid_until, Event};
use peiyu::jobs::{run_tick, TickOptions, TickOutcome};
use peiyu::store::{audit, credentials, events, firms, jobs, DbConn};
use std::collections::BTreeMap;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Barrier};

/// Everything a tick could change about the firms: events, audit rows, versions, credentials.
fn snapshot(conn: &mut DbConn) -> Vec<(i64, i64, i64, i64, Vec<String>)> {
    firms::all_ids(conn)
        .unwrap()
        .into_iter()
        .map(|id| {
            (
                id,
                events::count_for_firm(conn, id).unwrap(),
                audit::count_for_entity(conn, "firm", id).unwrap(),
                firms::find_by_id(conn, id).unwrap().version,
                credentials::list_for_firm(conn, id)
                    .unwrap()
                    .into_iter()
                    .map(|c| c.status)
                    .collect(),
            )
        })
        .collect()
}

/// The firm's events fired by the system: (event, as_of).
fn system_events(conn: &mut DbConn, id: i64) -> Vec<(String, NaiveDate)> {
    events::list_for_firm(conn, id)
        .unwrap()
        .into_iter()
        .filter(|r| r.actor_role == "system")
        .map(|r| (r.event, r.as_of))
        .collect()
}

#[test]
fn across_a_simulated_year_each_expiry_and_lapse_happens_on_its_day() {
    for db in backends() {
        let mut c = db.conn();
        let s = seed(&mut c);
        // Expires 15 March, then its 2026 registration lapses on 1 April.
        let both = hte_firm(&mut c, &s, d(2024, 3, 15), Some(2026), 1);
        // A tech-SME registered for 2026 lapses on 1 April 2027.
        let sme = tech_sme_firm(&mut c, &s, 2026, 2);
        // One that renews for 2027 in March keeps its stage all year.
        let renews = tech_sme_firm(&mut c, &s, 2026, 3);
        // Never registered: expires on 20 August and stays in the reserve.
        let late = hte_firm(&mut c, &s, d(2024, 8, 20), None, 4);
        // Issued on 29 February: expires when the core says.
        let leap = hte_firm(&mut c, &s, d(2024, 2, 29), None, 5);
        // Valid into 2028.
        let young = hte_firm(&mut c, &s, d(2025, 2, 1), Some(2027), 6);
        let names = BTreeMap::from([
            (both, "both"),
            (sme, "sme"),
            (renews, "renews"),
            (late, "late"),
            (leap, "leap"),
            (young, "young"),
        ]);

        let mut stages: BTreeMap<i64, String> =
            names.keys().map(|id| (*id, stage(&mut c, *id))).collect();
        let mut changes = Vec::new();
        let mut fired_per_day = BTreeMap::new();
        let mut day = d(2027, 1, 1);
        while day <= d(2027, 12, 31) {
            if day == d(2027, 3, 20) {
                fire(
                    &mut c,
                    &s,
                    renews,
                    Event::RegisterTechSme {
                        year: 2027,
                        reg_no: "202741110200003".into(),
                    },
                    day,
                );
            }
            let summary = tick(&mut c, day);
            assert_eq!(
                summary.since,
                day,
                "{}: daily runs catch up nothing",
                db.name()
            );
            if summary.events_fired() > 0 {
                fired_per_day.insert(day, summary.events_fired());
            }
            for (id, before) in stages.iter_mut() {
                let now = stage(&mut c, *id);
                if now != *before {
                    changes.push((day, names[id], format!("{before} -> {now}")));
                    *before = now;
                }
            }
            day = day.succ_opt().unwrap();
        }
        let leap_day = hte_valid_until(d(2024, 2, 29));
        let mut want = vec![
            (leap_day, "leap", "high_tech -> reserve".to_string()),
            (d(2027, 3, 15), "both", "high_tech -> reserve".into()),
            (d(2027, 4, 1), "both", "reserve -> prospect".into()),
            (d(2027, 4, 1), "sme", "tech_sme -> prospect".into()),
            (d(2027, 8, 20), "late", "high_tech -> reserve".into()),
        ];
        want.sort();
        changes.sort();
        assert_eq!(changes, want, "{}", db.name());
        assert_eq!(
            fired_per_day,
            BTreeMap::from([
                (leap_day, 1),
                (d(2027, 3, 15), 1),
                (d(2027, 4, 1), 2),
                (d(2027, 8, 20), 1)
            ]),
            "{}",
            db.name()
        );
        // Recorded as the system, each on its day, and the stage is still the replay.
        assert_eq!(
            system_events(&mut c, both),
            [
                ("expire_high_tech".to_string(), d(2027, 3, 15)),
                ("lapse_tech_sme".to_string(), d(2027, 4, 1))
            ]
        );
        assert_eq!(
            system_events(&mut c, sme),
            [("lapse_tech_sme".to_string(), d(2027, 4, 1))]
        );
        assert!(system_events(&mut c, renews).is_empty());
        assert!(system_events(&mut c, young).is_empty());
        for id in names.keys() {
            assert_eq!(
                events::replay_for_firm(&mut c, *id).unwrap().stage.id(),
                stage(&mut c, *id)
            );
        }
        let creds = credentials::list_for_firm(&mut c, sme).unwrap();
        assert!(creds
            .iter()
            .any(|c| c.kind == "tech_sme" && c.status == "lapsed"));
    }
}

#[test]
fn tick_twice_on_the_same_day_changes_nothing_more() {
    for db in backends() {
        let mut c = db.conn();
        let s = seed(&mut c);
        let a = hte_firm(&mut c, &s, d(2024, 3, 15), Some(2026), 1);
        let b = tech_sme_firm(&mut c, &s, 2026, 2);
        // And one whose certificate runs out within 30 days: a reminder.
        let r = hte_firm(&mut c, &s, d(2024, 4, 20), None, 3);
        for (id, tag) in [(a, "a"), (b, "b"), (r, "r")] {
            super::with_recipients(&mut c, id, tag);
        }
        let day = d(2027, 4, 2);
        let first = tick(&mut c, day);
        assert_eq!(first.events_fired(), 3, "{}: {first:?}", db.name());
        assert_eq!(
            first.mails,
            BTreeMap::from([
                ("credential_expiring".to_string(), 2),
                ("stage_changed".to_string(), 6)
            ]),
            "{}",
            db.name()
        );
        let after_first = snapshot(&mut c);
        let mails = super::outbox(&mut c).len();

        let again = run_tick(&mut c, &TickOptions::new(day)).unwrap();
        assert_eq!(again, TickOutcome::AlreadyDone(day), "{}", db.name());
        assert_eq!(snapshot(&mut c), after_first);

        // Forced, it looks at everything again and still finds nothing to do.
        let forced = run_tick(
            &mut c,
            &TickOptions {
                rerun: true,
                ..TickOptions::new(day)
            },
        )
        .unwrap();
        match forced {
            TickOutcome::Ran(s) => {
                assert_eq!((s.events_fired(), s.mails_queued()), (0, 0), "{s:?}")
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(snapshot(&mut c), after_first, "{}", db.name());
        assert_eq!(super::outbox(&mut c).len(), mails);
        let runs = jobs::list_runs(&mut c, "tick", 10).unwrap();
        assert_eq!(runs.len(), 1);
        assert!(runs[0].finished_at.is_some());
        let recorded: serde_json::Value =
            serde_json::from_str(runs[0].summary.as_deref().unwrap()).unwrap();
        assert_eq!(recorded["day"], "2027-04-02");
    }
}

#[test]
fn missed_days_are_caught_up_with_each_event_on_its_due_day() {
    for db in backends() {
        let mut c = db.conn();
        let s = seed(&mut c);
        let both = hte_firm(&mut c, &s, d(2024, 3, 15), Some(2026), 1);
        let late = hte_firm(&mut c, &s, d(2024, 3, 20), None, 2);
        assert_eq!(tick(&mut c, d(2027, 3, 10)).events_fired(), 0);
        // The server was down from 11 March to 4 April.
        let s2 = tick(&mut c, d(2027, 4, 5));
        assert_eq!(s2.since, d(2027, 3, 11), "{}", db.name());
        assert_eq!(
            s2.events,
            BTreeMap::from([
                ("expire_high_tech".to_string(), 2),
                ("lapse_tech_sme".to_string(), 1)
            ])
        );
        assert_eq!(
            system_events(&mut c, both),
            [
                ("expire_high_tech".to_string(), d(2027, 3, 15)),
                ("lapse_tech_sme".to_string(), d(2027, 4, 1))
            ],
            "{}",
            db.name()
        );
        assert_eq!(
            system_events(&mut c, late),
            [("expire_high_tech".to_string(), d(2027, 3, 20))]
        );
    }
}

#[test]
fn a_first_run_on_an_old_database_dates_events_on_their_due_days() {
    for db in backends() {
        let mut c = db.conn();
        let s = seed(&mut c);
        let both = hte_firm(&mut c, &s, d(2022, 5, 10), Some(2023), 1);
        let s1 = tick(&mut c, d(2026, 11, 25));
        assert_eq!(s1.since, d(2026, 11, 25));
        // Registration 2023 ended on 1 April 2024, before the certificate ran out on
        // 10 May 2025: the lapse is dated the day the firm reached the reserve.
        assert_eq!(
            system_events(&mut c, both),
            [
                ("expire_high_tech".to_string(), d(2025, 5, 10)),
                ("lapse_tech_sme".to_string(), d(2025, 5, 10))
            ],
            "{}",
            db.name()
        );
        assert_eq!(stage(&mut c, both), "prospect");
    }
}

#[test]
fn a_stopped_run_leaves_the_day_open_for_the_next() {
    for db in backends() {
        let mut c = db.conn();
        let s = seed(&mut c);
        hte_firm(&mut c, &s, d(2024, 3, 15), None, 1);
        let day = d(2027, 4, 2);
        let out = run_tick(
            &mut c,
            &TickOptions {
                stop: Some(Arc::new(AtomicBool::new(true))),
                ..TickOptions::new(day)
            },
        )
        .unwrap();
        assert_eq!(out, TickOutcome::Stopped);
        assert!(!jobs::is_done(&mut c, "tick", day).unwrap());
        assert_eq!(tick(&mut c, day).events_fired(), 1, "{}", db.name());
    }
}

fn concurrent_ticks_fire_each_event_once(db: &TestDb, threads: usize) {
    let n = 30;
    {
        let mut c = db.conn();
        let s = seed(&mut c);
        for i in 0..n {
            tech_sme_firm(&mut c, &s, 2026, i + 1);
        }
    }
    let day = d(2027, 4, 1);
    let pool = db.pool_of(threads as u32);
    let conns: Vec<_> = (0..threads).map(|_| pool.get().unwrap()).collect();
    let barrier = Arc::new(Barrier::new(threads));
    let handles: Vec<_> = conns
        .into_iter()
        .map(|mut conn| {
            let barrier = barrier.clone();
            std::thread::spawn(move || {
                barrier.wait();
                run_tick(&mut conn, &TickOptions::new(day))
            })
        })
        .collect();
    let outcomes: Vec<TickOutcome> = handles
        .into_iter()
        .map(|h| h.join().unwrap().unwrap())
        .collect();
    let ran: Vec<_> = outcomes
        .iter()
        .filter_map(|o| match o {
            TickOutcome::Ran(s) => Some(s),
            _ => None,
        })
        .collect();
    assert_eq!(ran.len(), 1, "{}: {outcomes:?}", db.name());
    assert_eq!(ran[0].events_fired(), n as usize);
    assert!(outcomes.iter().all(|o| matches!(
        o,
        TickOutcome::Ran(_) | TickOutcome::Busy(_) | TickOutcome::AlreadyDone(_)
    )));
    let mut c = db.conn();
    for id in firms::all_ids(&mut c).unwrap() {
        assert_eq!(
            system_events(&mut c, id),
            [("lapse_tech_sme".to_string(), day)],
            "{}: firm {id}",
            db.name()
        );
    }
}

#[test]
fn concurrent_ticks_on_postgres_fire_each_event_once() {
    concurrent_ticks_fire_each_event_once(&TestDb::postgres(), 6);
}

#[test]
fn concurrent_ticks_on_sqlite_fire_each_event_once() {
    concurrent_ticks_fire_each_event_once(&TestDb::sqlite(), 3);
}

#[test]
fn the_serve_loop_runs_todays_tick_at_startup_once_and_stops_promptly() {
    use peiyu::jobs::{DailyLoop, LoopOptions};
    use std::time::{Duration, Instant};
    for db in backends() {
        let today = peiyu::app::today();
        // Expiring today (on 29 February: yesterday, there being no such day three years back).
        let issued = today
            .with_year(today.year() - 3)
            .or_else(|| today.pred_opt()?.with_year(today.year() - 3))
            .unwrap();
        let expires = hte_valid_until(issued);
        let due = {
            let mut c = db.conn();
            let s = seed(&mut c);
            hte_firm(&mut c, &s, issued, None, 1)
        };
        // Two "serve processes" on one database.
        let loops: Vec<DailyLoop> = (0..2)
            .map(|_| DailyLoop::spawn(db.pool_of(2), LoopOptions::default()).unwrap())
            .collect();
        let mut c = db.conn();
        let started = Instant::now();
        while !jobs::is_done(&mut c, "tick", today).unwrap() {
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "{}: no tick",
                db.name()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        let stopping = Instant::now();
        for l in loops {
            l.stop();
        }
        assert!(stopping.elapsed() < Duration::from_secs(10));
        assert_eq!(stage(&mut c, due), "reserve", "{}", db.name());
        assert_eq!(
            system_events(&mut c, due),
            [("expire_high_tech".to_string(), expires)]
        );
        assert_eq!(jobs::list_runs(&mut c, "tick", 10).unwrap().len(), 1);
    }
}

#[test]
fn the_tick_sweeps_the_import_runs_of_a_process_that_died_a_week_ago() {
    use peiyu::store::import_runs::{self, NewImportRun};
    for db in backends() {
        let mut c = db.conn();
        let s = seed(&mut c);
        let then = chrono::Utc::now().naive_utc() - chrono::Duration::days(8);
        let run = |c: &mut DbConn, status: &str| {
            import_runs::insert(
                c,
                &NewImportRun {
                    user_id: s.bureau.user_id.unwrap(),
                    role: "bureau".to_string(),
                    county_code: None,
                    file_name: "registry.csv".to_string(),
                    size: 3,
                    file: Some(b"a,b".to_vec()),
                    dry_run: true,
                    skip_bad_rows: false,
                    source_run_id: None,
                    status: status.to_string(),
                    created_at: then,
                    updated_at: then,
                    heartbeat_at: then,
                },
            )
            .unwrap()
        };
        let dead = run(&mut c, "running");
        let done = run(&mut c, "done");
        let summary = tick(&mut c, d(2027, 4, 2));
        assert_eq!(summary.import_runs_interrupted, 1, "{}", db.name());
        assert_eq!(summary.import_files_removed, 2, "{}", db.name());
        for id in [dead, done] {
            assert_eq!(import_runs::file_of(&mut c, id).unwrap(), None);
        }
        assert_eq!(
            import_runs::find_by_id(&mut c, dead).unwrap().status,
            "interrupted"
        );
        assert_eq!(
            import_runs::find_by_id(&mut c, done).unwrap().status,
            "done"
        );
    }
}
