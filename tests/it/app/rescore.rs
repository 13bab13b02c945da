use crate::common::{backends, d, seed, FirmBuilder};
use peiyu::app::{fire_event, recompute_firm, rescore_all_as_of};
use peiyu::core::rules::{self, RuleSet, Thresholds};
use peiyu::core::stage::Event;
use peiyu::store::firms::{self, Derived};
use peiyu::store::profile;

#[test]
fn rescore_all_updates_derived_columns() {
    for db in backends() {
        let mut conn = db.conn();
        let s = seed(&mut conn);
        let prospect = FirmBuilder::new().create(&mut conn, &s.admin);
        let hte = FirmBuilder::new().create(&mut conn, &s.admin);
        fire_event(
            &mut conn,
            hte.id,
            None,
            Event::CertifyHighTech {
                cert_no: "GR202441000123".into(),
                issued_on: d(2024, 12, 1),
            },
            &s.bureau,
            d(2025, 1, 10),
        )
        .unwrap();
        let gone = FirmBuilder::new().create(&mut conn, &s.admin);
        fire_event(
            &mut conn,
            gone.id,
            None,
            Event::Exit {
                reason: "closed".into(),
            },
            &s.bureau,
            d(2025, 1, 10),
        )
        .unwrap();

        // Scribble over the derived columns, then re-score.
        let junk = Derived {
            next_stage: Some("reserve".into()),
            next_ruleset: Some("junk".into()),
            next_eligible: Some(true),
            readiness: 77,
            readiness_margin: 77,
            evaluated_at: None,
        };
        let ids = [prospect.id, hte.id, gone.id];
        let versions: Vec<i64> = ids
            .iter()
            .map(|id| firms::find_by_id(&mut conn, *id).unwrap().version)
            .collect();
        firms::set_derived_many(
            &mut conn,
            &ids.iter().map(|id| (*id, junk.clone())).collect::<Vec<_>>(),
        )
        .unwrap();
        assert_eq!(firms::find_by_id(&mut conn, hte.id).unwrap().readiness, 77);

        let as_of = d(2025, 2, 1);
        assert_eq!(
            rescore_all_as_of(&mut conn, as_of).unwrap(),
            3,
            "{}",
            db.name()
        );
        let expect = |conn: &mut _, id, rs: RuleSet| {
            let p = profile::load_profile(conn, id).unwrap();
            rules::evaluate(&p, rs, as_of, &Thresholds::default())
                .map(|e| (e.eligible, i32::from(e.readiness)))
                .unwrap_or((None, 0))
        };
        // The margin is re-scored with readiness: the prospect's tech-SME score over 60.
        let margin = {
            let p = profile::load_profile(&mut conn, prospect.id).unwrap();
            rules::evaluate(&p, RuleSet::TechSme2017, as_of, &Thresholds::default())
                .ok()
                .and_then(|e| e.score_margin())
                .unwrap_or(0)
        };
        assert_eq!(
            firms::find_by_id(&mut conn, prospect.id)
                .unwrap()
                .readiness_margin,
            margin,
            "{}",
            db.name()
        );
        assert_ne!(margin, 77, "the junk is gone");
        let f = firms::find_by_id(&mut conn, prospect.id).unwrap();
        assert_eq!(
            (f.next_stage.as_deref(), f.next_ruleset.as_deref()),
            (Some("tech_sme"), Some("tech-sme-2017")),
            "{}",
            db.name()
        );
        assert_eq!(
            (f.next_eligible, f.readiness),
            expect(&mut conn, prospect.id, RuleSet::TechSme2017)
        );
        assert!(f.evaluated_at.is_some());
        let f = firms::find_by_id(&mut conn, hte.id).unwrap();
        assert_eq!(
            (f.next_stage.as_deref(), f.next_ruleset.as_deref()),
            (Some("leader"), Some("leader-local"))
        );
        assert_eq!(
            (f.next_eligible, f.readiness),
            expect(&mut conn, hte.id, RuleSet::LeaderLocal)
        );
        let f = firms::find_by_id(&mut conn, gone.id).unwrap();
        assert_eq!(
            (f.next_stage, f.next_ruleset, f.next_eligible, f.readiness),
            (None, None, None, 0)
        );
        assert!(f.evaluated_at.is_some());
        // Derived columns are not an edit: versions stay.
        let after: Vec<i64> = ids
            .iter()
            .map(|id| firms::find_by_id(&mut conn, *id).unwrap().version)
            .collect();
        assert_eq!(after, versions);

        firms::set_derived(&mut conn, prospect.id, &junk).unwrap();
        let derived = recompute_firm(&mut conn, prospect.id).unwrap();
        assert_eq!(derived.next_ruleset.as_deref(), Some("tech-sme-2017"));
        assert_eq!(
            firms::find_by_id(&mut conn, prospect.id)
                .unwrap()
                .next_ruleset
                .as_deref(),
            Some("tech-sme-2017")
        );
    }
}

#[test]
fn a_migration_that_asks_for_a_rescore_gets_one_once() {
    use peiyu::app::firms::derived::{rescore_if_pending, RESCORE_PENDING};
    use peiyu::store::settings;
    for db in backends() {
        let mut conn = db.conn();
        let s = seed(&mut conn);
        let f = FirmBuilder::new().create(&mut conn, &s.admin);
        let scored = firms::find_by_id(&mut conn, f.id).unwrap();
        assert_eq!(rescore_if_pending(&mut conn).unwrap(), None, "none asked");
        let stale = Derived {
            next_stage: scored.next_stage.clone(),
            next_ruleset: scored.next_ruleset.clone(),
            next_eligible: scored.next_eligible,
            readiness: scored.readiness,
            readiness_margin: 55,
            evaluated_at: None,
        };
        firms::set_derived(&mut conn, f.id, &stale).unwrap();
        settings::set(&mut conn, RESCORE_PENDING, &serde_json::json!(true)).unwrap();

        let n = rescore_if_pending(&mut conn).unwrap();
        assert!(n.is_some_and(|n| n >= 1), "{}", db.name());
        let now = firms::find_by_id(&mut conn, f.id).unwrap();
        assert_eq!(
            now.readiness_margin,
            scored.readiness_margin,
            "{}",
            db.name()
        );
        assert_ne!(now.readiness_margin, 55);
        assert_eq!(settings::get(&mut conn, RESCORE_PENDING).unwrap(), None);
        assert_eq!(rescore_if_pending(&mut conn).unwrap(), None, "done once");
    }
}
