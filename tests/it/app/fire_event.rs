use crate::common::{backends, d, import_registry, seed, FirmBuilder, COUNTY_B};
use peiyu::app::firms::derived::derive;
use peiyu::app::imports::samples::{registry_csv, sample_uscc};
use peiyu::app::{fire_event, AppError, Conflict};
use peiyu::core::stage::{Event, EventKind, Stage};
use peiyu::i18n::{render, Lang};
use peiyu::store::{audit, credentials, events, firms, profile, DbConn};

fn certify(no: &str, issued_on: chrono::NaiveDate) -> Event {
    Event::CertifyHighTech {
        cert_no: no.to_string(),
        issued_on,
    }
}

fn counts(conn: &mut DbConn, firm_id: i64) -> (i64, i64, i64, usize) {
    (
        events::count_for_firm(conn, firm_id).unwrap(),
        audit::count_for_entity(conn, "firm", firm_id).unwrap(),
        firms::find_by_id(conn, firm_id).unwrap().version,
        credentials::list_for_firm(conn, firm_id).unwrap().len(),
    )
}

#[test]
fn certify_high_tech_from_prospect_records_everything() {
    for db in backends() {
        let mut conn = db.conn();
        let s = seed(&mut conn);
        let firm = FirmBuilder::new().create(&mut conn, &s.admin);
        let audits_before = audit::count_for_entity(&mut conn, "firm", firm.id).unwrap();
        let ev = certify("GR202441000123", d(2024, 12, 1));
        let fired = fire_event(
            &mut conn,
            firm.id,
            Some(firm.version),
            ev.clone(),
            &s.bureau,
            d(2025, 1, 10),
        )
        .unwrap();
        assert_eq!(
            (fired.from, fired.to, fired.seq),
            (Stage::Prospect, Stage::HighTech, 1),
            "{}",
            db.name()
        );
        assert_eq!(fired.firm.stage, "high_tech");
        assert_eq!(fired.firm.version, firm.version + 1);
        // Derived columns now look at the next rung.
        assert_eq!(fired.firm.next_stage.as_deref(), Some("leader"));
        assert_eq!(fired.firm.next_ruleset.as_deref(), Some("leader-local"));
        assert!(fired.firm.evaluated_at.is_some());

        let rows = events::list_for_firm(&mut conn, firm.id).unwrap();
        assert_eq!(rows.len(), 1);
        let r = &rows[0];
        assert_eq!(
            (
                r.seq,
                r.from_stage.as_str(),
                r.to_stage.as_str(),
                r.event.as_str()
            ),
            (1, "prospect", "high_tech", "certify_high_tech")
        );
        assert_eq!(r.parsed_event().unwrap(), ev);
        assert_eq!(
            (r.actor_id, r.actor_role.as_str(), r.as_of),
            (s.bureau.user_id, "bureau", d(2025, 1, 10))
        );
        // The HTE rules are evaluated and recorded, not required.
        assert_eq!(r.ruleset.as_deref(), Some("hte-2016"));
        let snap: serde_json::Value =
            serde_json::from_str(r.evaluation.as_deref().unwrap()).unwrap();
        assert_eq!(snap["ruleset"], "hte-2016");

        let creds = credentials::list_for_firm(&mut conn, firm.id).unwrap();
        assert_eq!(creds.len(), 1);
        let c = &creds[0];
        assert_eq!(
            (c.kind.as_str(), c.status.as_str(), c.number.as_deref()),
            ("hte", "active", Some("GR202441000123"))
        );
        assert_eq!(
            (c.issued_on, c.valid_from, c.valid_until),
            (Some(d(2024, 12, 1)), d(2024, 12, 1), Some(d(2027, 12, 1)))
        );

        let audits = audit::list_for_entity(&mut conn, "firm", firm.id).unwrap();
        assert_eq!(audits.len() as i64, audits_before + 1);
        let a = audits.last().unwrap();
        assert_eq!(
            (a.action.as_str(), a.actor_id),
            ("fire_event", s.bureau.user_id)
        );
        let detail: serde_json::Value = serde_json::from_str(&a.detail).unwrap();
        assert_eq!(detail["event"]["event"], "certify_high_tech");

        let state = profile::load_state(&mut conn, &fired.firm).unwrap();
        assert_eq!(state, events::replay_for_firm(&mut conn, firm.id).unwrap());
    }
}

#[test]
fn a_rejected_event_writes_nothing() {
    for db in backends() {
        let mut conn = db.conn();
        let s = seed(&mut conn);
        let firm = FirmBuilder::new().create(&mut conn, &s.admin);
        let before = counts(&mut conn, firm.id);
        let tries = [
            Event::Reinstate,
            Event::RenewHighTech {
                cert_no: "GR202441000123".into(),
                issued_on: d(2024, 1, 1),
            },
            certify("GR202341000123", d(2024, 12, 1)),
            certify("GR202441000123", d(2026, 1, 1)),
            Event::Exit {
                reason: "  ".into(),
            },
        ];
        for ev in tries {
            let kind = ev.kind();
            match fire_event(&mut conn, firm.id, None, ev, &s.bureau, d(2025, 1, 10)) {
                Err(AppError::Conflict(Conflict::IllegalTransition(r))) => {
                    assert_eq!(r.event, kind);
                    assert!(!r.reasons.is_empty());
                }
                other => panic!("{}: {kind} should be refused, got {other:?}", db.name()),
            }
            assert_eq!(
                counts(&mut conn, firm.id),
                before,
                "{}: {kind} wrote something",
                db.name()
            );
        }
        let e = fire_event(
            &mut conn,
            firm.id,
            None,
            Event::Reinstate,
            &s.bureau,
            d(2025, 1, 10),
        )
        .unwrap_err();
        assert_eq!(e.code(), "illegal_transition");
        // The system may only expire and lapse.
        let e = fire_event(
            &mut conn,
            firm.id,
            None,
            Event::Exit {
                reason: "closed".into(),
            },
            &peiyu::app::Principal::system(),
            d(2025, 1, 10),
        )
        .unwrap_err();
        assert!(
            matches!(e, AppError::Conflict(Conflict::IllegalTransition(ref r)) if r.reasons.iter().any(|x| x.code == "role_not_allowed")),
            "{e:?}"
        );
        assert_eq!(counts(&mut conn, firm.id), before);
    }
}

#[test]
fn register_tech_sme_needs_the_rules_to_pass() {
    // A firm with no figures at all cannot pass the tech-SME rules, skeleton or real.
    for db in backends() {
        let mut conn = db.conn();
        let s = seed(&mut conn);
        let firm = FirmBuilder::new().no_staff().create(&mut conn, &s.admin);
        let before = counts(&mut conn, firm.id);
        let ev = Event::RegisterTechSme {
            year: 2025,
            reg_no: "202541110200001".into(),
        };
        match fire_event(&mut conn, firm.id, None, ev, &s.bureau, d(2025, 5, 1)) {
            Err(AppError::Conflict(Conflict::IllegalTransition(r))) => {
                assert_eq!(r.event, EventKind::RegisterTechSme);
                assert!(
                    r.reasons
                        .iter()
                        .any(|x| x.code == "rules_not_met" || x.code == "invalid_profile"),
                    "{r:?}"
                );
            }
            other => panic!("{}: expected a refusal, got {other:?}", db.name()),
        }
        assert_eq!(counts(&mut conn, firm.id), before);
    }
}

#[test]
fn stale_version_is_a_conflict() {
    for db in backends() {
        let mut conn = db.conn();
        let s = seed(&mut conn);
        let firm = FirmBuilder::new().create(&mut conn, &s.admin);
        let seen = firm.version;
        fire_event(
            &mut conn,
            firm.id,
            Some(seen),
            Event::Exit {
                reason: "moved away".into(),
            },
            &s.bureau,
            d(2025, 3, 1),
        )
        .unwrap();
        let before = counts(&mut conn, firm.id);
        let e = fire_event(
            &mut conn,
            firm.id,
            Some(seen),
            Event::Reinstate,
            &s.bureau,
            d(2025, 3, 2),
        )
        .unwrap_err();
        match &e {
            AppError::Conflict(c @ Conflict::StaleVersion) => {
                assert_eq!(c.code(), "stale_version");
                assert_eq!(
                    render(Lang::ZhCn, &c.text()),
                    "该企业已被他人修改，请刷新后重试"
                );
                assert_eq!(
                    render(Lang::En, &c.text()),
                    "changed by someone else, reload and try again"
                );
            }
            other => panic!("{}: expected stale_version, got {other:?}", db.name()),
        }
        assert_eq!(counts(&mut conn, firm.id), before);
        // With the current version it goes through.
        fire_event(
            &mut conn,
            firm.id,
            Some(seen + 1),
            Event::Reinstate,
            &s.bureau,
            d(2025, 3, 2),
        )
        .unwrap();
    }
}

#[test]
fn territory_limits_who_may_fire_events() {
    for db in backends() {
        let mut conn = db.conn();
        let s = seed(&mut conn);
        let firm = FirmBuilder::new().create(&mut conn, &s.admin);
        let exit = || Event::Exit {
            reason: "closed".into(),
        };
        for who in [&s.county_b, &s.advisor, &s.firm_user] {
            let e = fire_event(&mut conn, firm.id, None, exit(), who, d(2025, 3, 1)).unwrap_err();
            assert!(
                matches!(e, AppError::Forbidden),
                "{}: {:?} got {e:?}",
                db.name(),
                who.role
            );
        }
        assert!(matches!(
            fire_event(&mut conn, 999_999, None, exit(), &s.bureau, d(2025, 3, 1)),
            Err(AppError::NotFound)
        ));
        // A county officer may exit and reinstate in their own county, not certify.
        fire_event(&mut conn, firm.id, None, exit(), &s.county_a, d(2025, 3, 1)).unwrap();
        fire_event(
            &mut conn,
            firm.id,
            None,
            Event::Reinstate,
            &s.county_a,
            d(2025, 3, 2),
        )
        .unwrap();
        let e = fire_event(
            &mut conn,
            firm.id,
            None,
            certify("GR202441000123", d(2024, 12, 1)),
            &s.county_a,
            d(2025, 3, 3),
        )
        .unwrap_err();
        assert_eq!(e.code(), "illegal_transition");
        let other = FirmBuilder::new()
            .county(COUNTY_B)
            .create(&mut conn, &s.admin);
        fire_event(
            &mut conn,
            other.id,
            None,
            exit(),
            &s.county_b,
            d(2025, 3, 1),
        )
        .unwrap();
    }
}

#[test]
fn the_ladder_without_rule_guards_keeps_credentials_in_step() {
    for db in backends() {
        let mut conn = db.conn();
        let s = seed(&mut conn);
        let firm = FirmBuilder::new().create(&mut conn, &s.admin);
        let id = firm.id;
        let mut fire = |ev: Event, on| fire_event(&mut conn, id, None, ev, &s.bureau, on);
        fire(certify("GR202141000001", d(2021, 3, 1)), d(2021, 6, 1)).unwrap();
        fire(
            Event::RenewHighTech {
                cert_no: "GR202441000002".into(),
                issued_on: d(2024, 3, 1),
            },
            d(2024, 4, 1),
        )
        .unwrap();
        // Not yet three years after the renewal.
        let e = fire(Event::ExpireHighTech, d(2026, 1, 1)).unwrap_err();
        assert_eq!(e.code(), "illegal_transition");
        let t = fire(Event::ExpireHighTech, d(2027, 3, 1)).unwrap();
        assert_eq!(t.to, Stage::Reserve);
        let t = fire(
            Event::LeaveReserve {
                reason: "declined".into(),
            },
            d(2027, 4, 1),
        )
        .unwrap();
        assert_eq!(t.to, Stage::TechSme);
        let t = fire(Event::LapseTechSme, d(2027, 5, 1)).unwrap();
        assert_eq!(t.to, Stage::Prospect);
        fire(certify("GR202741000003", d(2027, 6, 1)), d(2027, 6, 2)).unwrap();
        let t = fire(
            Event::RevokeHighTech {
                reason: "false filing".into(),
            },
            d(2027, 9, 1),
        )
        .unwrap();
        assert_eq!(t.to, Stage::Prospect);
        let t = fire(
            Event::Exit {
                reason: "merged".into(),
            },
            d(2027, 10, 1),
        )
        .unwrap();
        assert_eq!(
            (t.to, t.seq, t.firm.next_stage.clone()),
            (Stage::Exited, 8, None)
        );

        let statuses: Vec<(String, String, Option<String>)> =
            credentials::list_for_firm(&mut conn, id)
                .unwrap()
                .into_iter()
                .map(|c| (c.kind, c.status, c.number))
                .collect();
        let want =
            |k: &str, st: &str, n: &str| (k.to_string(), st.to_string(), Some(n.to_string()));
        assert_eq!(
            statuses,
            vec![
                want("hte", "superseded", "GR202141000001"),
                want("hte", "expired", "GR202441000002"),
                want("hte", "revoked", "GR202741000003"),
            ],
            "{}",
            db.name()
        );
        let firm = firms::find_by_id(&mut conn, id).unwrap();
        assert_eq!(
            profile::load_state(&mut conn, &firm).unwrap(),
            events::replay_for_firm(&mut conn, id).unwrap()
        );
        let seqs: Vec<i32> = events::list_for_firm(&mut conn, id)
            .unwrap()
            .iter()
            .map(|r| r.seq)
            .collect();
        assert_eq!(seqs, (1..=8).collect::<Vec<_>>());
    }
}

/// The derived columns a recompute from the stored rows gives a firm as of `as_of` (every
/// one but the time it was computed).
fn recomputed(
    conn: &mut DbConn,
    id: i64,
    as_of: chrono::NaiveDate,
) -> (Option<String>, Option<String>, Option<bool>, i32, i32) {
    let firm = firms::find_by_id(conn, id).unwrap();
    let p = profile::load_profile(conn, id).unwrap();
    let t = peiyu::store::settings::thresholds(conn).unwrap();
    let now = chrono::Utc::now().naive_utc();
    let d = derive(firm.current_stage().unwrap(), &p, &t, as_of, now);
    (
        d.next_stage,
        d.next_ruleset,
        d.next_eligible,
        d.readiness,
        d.readiness_margin,
    )
}

fn stored_derived(f: &firms::Firm) -> (Option<String>, Option<String>, Option<bool>, i32, i32) {
    (
        f.next_stage.clone(),
        f.next_ruleset.clone(),
        f.next_eligible,
        f.readiness,
        f.readiness_margin,
    )
}

#[test]
fn each_event_writes_the_derived_columns_a_recompute_gives_and_returns_the_firm_as_stored() {
    let registry = registry_csv(1, &[2022, 2023, 2024], &["新华区"]);
    for db in backends() {
        let mut conn = db.conn();
        let s = seed(&mut conn);
        import_registry(&mut conn, registry.as_bytes(), &s.bureau);
        let id = firms::find_by_uscc(&mut conn, &sample_uscc(0))
            .unwrap()
            .unwrap()
            .id;
        let ladder = [
            (certify("GR202141000001", d(2021, 3, 1)), d(2021, 6, 1)),
            (
                Event::RenewHighTech {
                    cert_no: "GR202441000002".into(),
                    issued_on: d(2024, 3, 1),
                },
                d(2025, 4, 1),
            ),
            (Event::ExpireHighTech, d(2027, 3, 1)),
            (
                Event::LeaveReserve {
                    reason: "declined".into(),
                },
                d(2027, 4, 1),
            ),
            (Event::LapseTechSme, d(2027, 5, 1)),
            (certify("GR202741000003", d(2027, 6, 1)), d(2027, 6, 2)),
            (
                Event::RevokeHighTech {
                    reason: "false filing".into(),
                },
                d(2027, 9, 1),
            ),
            (
                Event::Exit {
                    reason: "merged".into(),
                },
                d(2027, 10, 1),
            ),
            (Event::Reinstate, d(2028, 1, 1)),
        ];
        let mut readiness = Vec::new();
        for (ev, on) in ladder {
            let kind = ev.kind();
            let fired = fire_event(&mut conn, id, None, ev, &s.bureau, on)
                .unwrap_or_else(|e| panic!("{}: {kind}: {e:?}", db.name()));
            let stored = firms::find_by_id(&mut conn, id).unwrap();
            assert_eq!(fired.firm, stored, "{}: {kind}", db.name());
            assert_eq!(
                stored_derived(&stored),
                recomputed(&mut conn, id, on),
                "{}: {kind}",
                db.name()
            );
            readiness.push(stored.readiness);
        }
        // The firm has figures: the columns compared are not all empty.
        assert!(readiness.iter().any(|r| *r > 0), "{readiness:?}");
    }
}
