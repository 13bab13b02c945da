//! `peiyu demo`'s seeding: a realistic city whose every history replays, seeded once.

use crate::common::{backends, d, TestDb};
use peiyu::app::seed_demo::seed_demo;
use peiyu::app::AppError;
use peiyu::store::{credentials, events, firms, ip, profile, users, years};

#[test]
fn demo_seeds_a_city_whose_stages_are_the_replay_of_their_events() {
    for db in backends() {
        // The full 500 on SQLite; a smaller city on PostgreSQL keeps the suite quick.
        let n = if db.name() == "sqlite" { 500 } else { 80 };
        let mut conn = db.conn();
        let s = seed_demo(&mut conn, 20_251_125, n, d(2026, 11, 25)).unwrap();
        assert!(!s.already_seeded);
        assert_eq!(firms::count(&mut conn).unwrap(), n as i64, "{}", db.name());
        assert_eq!(
            users::list(&mut conn)
                .unwrap()
                .iter()
                .filter(|u| u.role == "advisor")
                .count(),
            50
        );
        for stage in ["prospect", "tech_sme", "reserve", "high_tech"] {
            assert!(
                s.by_stage.get(stage).copied().unwrap_or(0) > 0,
                "{}: no {stage} firms: {:?}",
                db.name(),
                s.by_stage
            );
        }
        if n == 500 {
            assert!(
                s.by_stage.get("leader").copied().unwrap_or(0) > 0,
                "{:?}",
                s.by_stage
            );
            let hte = s.by_stage["high_tech"] + s.by_stage["leader"];
            assert!((100..=160).contains(&hte), "about Luohe's HTE count: {hte}");
        }
        for id in firms::all_ids(&mut conn).unwrap() {
            let firm = firms::find_by_id(&mut conn, id).unwrap();
            let replayed = events::replay_for_firm(&mut conn, id).unwrap();
            assert_eq!(replayed.stage.id(), firm.stage, "{}: firm {id}", db.name());
            // The firm page assembles the profile from the rows it shows; it must be the
            // profile the rules see everywhere else.
            // Its IP counts come from the items it lists, grouped as the database groups them.
            let ip_counts = ip::counts_of(&ip::list_for_firm(&mut conn, id).unwrap());
            let mut grouped = ip::counts(&mut conn, Some(id)).unwrap();
            grouped.sort_by(|a, b| {
                (&a.kind, &a.acquisition, a.used_in_hte).cmp(&(
                    &b.kind,
                    &b.acquisition,
                    b.used_in_hte,
                ))
            });
            assert_eq!(ip_counts, grouped, "{}: firm {id}", db.name());
            let shown = profile::profile_of(
                &firm,
                &years::list_for_firm(&mut conn, id).unwrap(),
                &ip_counts,
                &credentials::list_for_firm(&mut conn, id).unwrap(),
            );
            assert_eq!(
                shown.ok(),
                profile::load_profile(&mut conn, id).ok(),
                "{}: firm {id}",
                db.name()
            );
        }
        // Firms spread over readiness, some eligible for their next stage and some not.
        let all = firms::list(
            &mut conn,
            &firms::FirmFilter {
                limit: Some(10_000),
                ..Default::default()
            },
        )
        .unwrap();
        assert!(all.iter().any(|f| f.next_eligible == Some(true)));
        assert!(all.iter().any(|f| f.next_eligible == Some(false)));
    }
}

#[test]
fn demo_twice_changes_nothing() {
    for db in backends() {
        let mut conn = db.conn();
        let first = seed_demo(&mut conn, 7, 30, d(2026, 11, 25)).unwrap();
        let firms_before = firms::count(&mut conn).unwrap();
        let users_before = users::list(&mut conn).unwrap().len();
        let second = seed_demo(&mut conn, 7, 30, d(2026, 11, 25)).unwrap();
        assert!(second.already_seeded, "{}", db.name());
        assert_eq!(second.firms, first.firms);
        assert_eq!(firms::count(&mut conn).unwrap(), firms_before);
        assert_eq!(users::list(&mut conn).unwrap().len(), users_before);
    }
}

#[test]
fn demo_refuses_a_database_with_other_firms() {
    let db = TestDb::sqlite();
    let mut conn = db.conn();
    let seed = crate::common::seed(&mut conn);
    crate::common::FirmBuilder::new().create(&mut conn, &seed.bureau);
    match seed_demo(&mut conn, 7, 30, d(2026, 11, 25)) {
        Err(AppError::BadInput(e)) => {
            assert_eq!(e.code, "database_not_empty");
            let zh = peiyu::i18n::render(peiyu::i18n::Lang::ZhCn, &e.text);
            assert!(zh.contains("非演示企业"), "{zh}");
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    assert_eq!(firms::count(&mut conn).unwrap(), 1, "nothing half-written");
}

#[test]
fn demo_is_the_same_city_for_the_same_seed() {
    let a = peiyu::demo::generate(42, 120, d(2026, 11, 25));
    let b = peiyu::demo::generate(42, 120, d(2026, 11, 25));
    assert_eq!(
        a.iter().map(|f| (&f.uscc, &f.name)).collect::<Vec<_>>(),
        b.iter().map(|f| (&f.uscc, &f.name)).collect::<Vec<_>>()
    );
    for f in &a {
        assert!(
            peiyu::core::uscc::Uscc::parse(&f.uscc).is_ok(),
            "{}",
            f.uscc
        );
    }
}
