use crate::common::{backends, d, seed, FirmBuilder};
use peiyu::app::{fire_event, AppError, Conflict};
use peiyu::core::stage::Event;
use peiyu::store::{audit, events, firms};
use std::sync::{Arc, Barrier};
use std::time::Instant;

const THREADS: usize = 50;

#[test]
fn fifty_writers_one_winner_on_each_backend() {
    for db in backends() {
        let (firm, bureau) = {
            let mut conn = db.conn();
            let s = seed(&mut conn);
            (FirmBuilder::new().create(&mut conn, &s.admin), s.bureau)
        };
        let audits_before = audit::count_for_entity(&mut db.conn(), "firm", firm.id).unwrap();
        let pool = db.pool_of(THREADS as u32);
        // Every thread holds its own connection before the start line.
        let conns: Vec<_> = (0..THREADS)
            .map(|_| pool.get().expect("one pooled connection per thread"))
            .collect();
        let barrier = Arc::new(Barrier::new(THREADS));
        let started = Instant::now();
        let handles: Vec<_> = conns
            .into_iter()
            .enumerate()
            .map(|(i, mut conn)| {
                let barrier = barrier.clone();
                let bureau = bureau.clone();
                let (id, version) = (firm.id, firm.version);
                std::thread::spawn(move || {
                    barrier.wait();
                    let ev = if i % 2 == 0 {
                        Event::Exit {
                            reason: format!("closed ({i})"),
                        }
                    } else {
                        Event::CertifyHighTech {
                            cert_no: "GR202441000123".into(),
                            issued_on: d(2024, 12, 1),
                        }
                    };
                    fire_event(&mut conn, id, Some(version), ev, &bureau, d(2025, 1, 10))
                })
            })
            .collect();
        let results: Vec<_> = handles
            .into_iter()
            .map(|h| h.join().expect("thread"))
            .collect();
        let elapsed = started.elapsed();

        let wins = results.iter().filter(|r| r.is_ok()).count();
        let stale = results
            .iter()
            .filter(|r| matches!(r, Err(AppError::Conflict(Conflict::StaleVersion))))
            .count();
        let others: Vec<_> = results
            .iter()
            .filter_map(|r| r.as_ref().err())
            .filter(|e| !matches!(e, AppError::Conflict(Conflict::StaleVersion)))
            .collect();
        assert!(
            others.is_empty(),
            "{}: unexpected errors {others:?}",
            db.name()
        );
        assert_eq!((wins, stale), (1, THREADS - 1), "{}", db.name());

        let mut conn = db.conn();
        assert_eq!(
            events::count_for_firm(&mut conn, firm.id).unwrap(),
            1,
            "{}",
            db.name()
        );
        assert_eq!(
            audit::count_for_entity(&mut conn, "firm", firm.id).unwrap(),
            audits_before + 1
        );
        let after = firms::find_by_id(&mut conn, firm.id).unwrap();
        assert_eq!(after.version, firm.version + 1);
        let winner = results.into_iter().find_map(Result::ok).unwrap();
        assert_eq!(after.stage, winner.to.id());
        eprintln!(
            "{}: {THREADS} concurrent fire_event calls took {elapsed:?}",
            db.name()
        );
    }
}
