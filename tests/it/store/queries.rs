use crate::common::{backends, d, seed, FirmBuilder};
use chrono::Utc;
use peiyu::core::money::Fen;
use peiyu::core::profile::{FirmYear, PlatformLevel};
use peiyu::core::stage::{Credentials, Stage};
use peiyu::store::credentials::{self, CredentialKind, NewCredential};
use peiyu::store::firms::{self, FirmChanges, FirmFacts, NewFirm};
use peiyu::store::ip::{self, NewIpItem};
use peiyu::store::years::{self, FirmYearRow};
use peiyu::store::{self, profile, settings, StoreError};

fn new_firm(uscc: &str) -> NewFirm {
    let now = Utc::now().naive_utc();
    NewFirm {
        uscc: uscc.to_string(),
        name: "测试".to_string(),
        county_code: crate::common::COUNTY_A.to_string(),
        sector_code: None,
        founded_on: Some(d(2019, 1, 2)),
        stage: "prospect".to_string(),
        advisor_id: None,
        contact_name: None,
        contact_phone: None,
        contact_email: None,
        employees: Some(10),
        tech_staff: Some(3),
        facts: "{}".to_string(),
        industry_code: None,
        created_at: now,
        updated_at: now,
    }
}

#[test]
fn firm_round_trips_and_uscc_is_unique() {
    for db in backends() {
        let mut conn = db.conn();
        seed(&mut conn);
        let uscc = crate::common::next_uscc();
        let id = firms::insert(&mut conn, &new_firm(&uscc)).unwrap();
        let f = firms::find_by_id(&mut conn, id).unwrap();
        assert_eq!(
            (f.uscc.as_str(), f.version, f.stage.as_str()),
            (uscc.as_str(), 1, "prospect")
        );
        assert_eq!(f.founded_on, Some(d(2019, 1, 2)));
        assert_eq!(
            firms::find_by_uscc(&mut conn, &uscc.to_lowercase())
                .unwrap()
                .map(|f| f.id),
            Some(id)
        );
        assert!(
            matches!(
                firms::insert(&mut conn, &new_firm(&uscc)),
                Err(StoreError::Duplicate("uscc"))
            ),
            "{}",
            db.name()
        );
        assert!(matches!(
            firms::find_by_id(&mut conn, id + 1000),
            Err(StoreError::NotFound)
        ));
    }
}

#[test]
fn update_with_version_bumps_once_and_refuses_a_stale_version() {
    for db in backends() {
        let mut conn = db.conn();
        seed(&mut conn);
        let id = firms::insert(&mut conn, &new_firm(&crate::common::next_uscc())).unwrap();
        let now = Utc::now().naive_utc();
        let changes = FirmChanges {
            name: Some("新名称".to_string()),
            employees: Some(None),
            ..FirmChanges::default()
        };
        assert_eq!(
            firms::update_with_version(&mut conn, id, 1, &changes, now).unwrap(),
            2
        );
        let f = firms::find_by_id(&mut conn, id).unwrap();
        assert_eq!(
            (f.name.as_str(), f.employees, f.version),
            ("新名称", None, 2)
        );
        assert!(
            matches!(
                firms::update_with_version(&mut conn, id, 1, &changes, now),
                Err(StoreError::StaleVersion)
            ),
            "{}",
            db.name()
        );
        assert!(matches!(
            firms::update_with_version(&mut conn, id + 99, 1, &changes, now),
            Err(StoreError::NotFound)
        ));
        assert_eq!(firms::find_by_id(&mut conn, id).unwrap().version, 2);
    }
}

#[test]
fn foreign_keys_are_enforced() {
    for db in backends() {
        let mut conn = db.conn();
        seed(&mut conn);
        let row = FirmYearRow::from_core(
            424242,
            &FirmYear {
                year: 2024,
                ..FirmYear::default()
            },
            None,
        );
        let e = years::upsert(&mut conn, &row).unwrap_err();
        assert!(
            e.to_string().to_lowercase().contains("foreign key"),
            "{}: {e}",
            db.name()
        );
    }
}

#[test]
fn write_tx_rolls_back_on_error() {
    for db in backends() {
        let mut conn = db.conn();
        seed(&mut conn);
        let r: Result<(), StoreError> = store::write_tx(&mut conn, |c| {
            firms::insert(c, &new_firm(&crate::common::next_uscc()))?;
            Err(StoreError::NotFound)
        });
        assert!(r.is_err());
        assert_eq!(firms::count(&mut conn).unwrap(), 0, "{}", db.name());
        // Nested: the inner one is a savepoint.
        let r: Result<i64, StoreError> = store::write_tx(&mut conn, |c| {
            firms::insert(c, &new_firm(&crate::common::next_uscc()))?;
            let _ = store::write_tx(c, |c2| -> Result<(), StoreError> {
                firms::insert(c2, &new_firm(&crate::common::next_uscc()))?;
                Err(StoreError::NotFound)
            });
            firms::count(c)
        });
        assert_eq!(r.unwrap(), 1, "{}", db.name());
        assert_eq!(firms::count(&mut conn).unwrap(), 1);
    }
}

/// SQLite's page cache of the connection, in pages (positive) or KiB (negative).
fn cache_size(conn: &mut store::DbConn) -> i64 {
    use diesel::RunQueryDsl;
    #[derive(diesel::QueryableByName)]
    struct C {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        cache_size: i64,
    }
    diesel::sql_query("PRAGMA cache_size")
        .get_result::<C>(conn)
        .unwrap()
        .cache_size
}

#[test]
fn a_bulk_write_is_one_transaction_and_gives_the_connection_its_cache_back() {
    for db in backends() {
        let mut conn = db.conn();
        seed(&mut conn);
        let sqlite = matches!(*conn, store::DbConn::Sqlite(_));
        let usual = sqlite.then(|| cache_size(&mut conn));
        // Refused midway: nothing of it stays, and the cache is back as it was.
        let r: Result<(), StoreError> = store::bulk_write_tx(&mut conn, |c| {
            if sqlite {
                assert_eq!(cache_size(c), -store::BULK_CACHE_KIB, "while writing");
            }
            firms::insert(c, &new_firm(&crate::common::next_uscc()))?;
            Err(StoreError::NotFound)
        });
        assert!(r.is_err());
        assert_eq!(firms::count(&mut conn).unwrap(), 0, "{}", db.name());
        assert_eq!(usual, sqlite.then(|| cache_size(&mut conn)));
        // Committed: every row stays, and the cache is back again.
        store::bulk_write_tx(&mut conn, |c| -> Result<(), StoreError> {
            firms::insert(c, &new_firm(&crate::common::next_uscc()))?;
            firms::insert(c, &new_firm(&crate::common::next_uscc()))?;
            Ok(())
        })
        .unwrap();
        assert_eq!(firms::count(&mut conn).unwrap(), 2, "{}", db.name());
        assert_eq!(usual, sqlite.then(|| cache_size(&mut conn)));
    }
}

#[test]
fn indexes_suspended_for_a_bulk_insert_come_back_as_they_were_committed_or_not() {
    use peiyu::store::registry;
    for db in backends() {
        let mut conn = db.conn();
        seed(&mut conn);
        let sqlite = matches!(*conn, store::DbConn::Sqlite(_));
        let before = crate::common::indexes(&mut conn, Some("firms"));
        assert!(before.len() > 3, "{}: {before:?}", db.name());
        // Refused midway: the drops are undone with the rest.
        let r: Result<(), StoreError> = store::bulk_write_tx(&mut conn, |c| {
            // A few new firms keep the indexes; many drop them, on SQLite only.
            let few = registry::suspend_firm_indexes(c, registry::SUSPEND_INDEXES_FROM - 1)?;
            assert!(few.is_none());
            assert_eq!(crate::common::indexes(c, Some("firms")), before);
            let suspended = registry::suspend_firm_indexes(c, registry::SUSPEND_INDEXES_FROM)?;
            assert_eq!(suspended.is_some(), sqlite, "{}", db.name());
            let during = crate::common::indexes(c, Some("firms"));
            if sqlite {
                // Only the unique index on the code stays.
                assert_eq!(during.len(), 1, "{during:?}");
                assert_eq!(during[0].1, None);
            } else {
                assert_eq!(during, before, "PostgreSQL keeps its indexes");
            }
            firms::insert(c, &new_firm(&crate::common::next_uscc()))?;
            drop(suspended);
            Err(StoreError::NotFound)
        });
        assert!(r.is_err());
        assert_eq!(firms::count(&mut conn).unwrap(), 0, "{}", db.name());
        assert_eq!(
            crate::common::indexes(&mut conn, Some("firms")),
            before,
            "{}",
            db.name()
        );
        // Committed: the rows are in, the indexes are back, each as it was defined, and a
        // code already taken is still refused.
        let uscc = crate::common::next_uscc();
        store::bulk_write_tx(&mut conn, |c| -> Result<(), StoreError> {
            let suspended = registry::suspend_firm_indexes(c, registry::SUSPEND_INDEXES_FROM)?;
            firms::insert(c, &new_firm(&uscc))?;
            firms::insert(c, &new_firm(&crate::common::next_uscc()))?;
            // (In a savepoint: PostgreSQL refuses the rest of a transaction after an error.)
            assert!(matches!(
                store::write_tx(c, |c| firms::insert(c, &new_firm(&uscc))),
                Err(StoreError::Duplicate(_))
            ));
            suspended.map_or(Ok(()), |s| s.rebuild(c))
        })
        .unwrap();
        assert_eq!(firms::count(&mut conn).unwrap(), 2, "{}", db.name());
        assert_eq!(
            crate::common::indexes(&mut conn, Some("firms")),
            before,
            "{}",
            db.name()
        );
    }
}

#[test]
fn settings_round_trip_and_thresholds_default_when_unset() {
    for db in backends() {
        let mut conn = db.conn();
        assert_eq!(settings::get(&mut conn, "x").unwrap(), None);
        assert_eq!(settings::thresholds(&mut conn).unwrap(), Default::default());
        settings::set(&mut conn, "x", &serde_json::json!({"a": 1})).unwrap();
        settings::set(&mut conn, "x", &serde_json::json!({"a": 2, "zh": "阈值"})).unwrap();
        assert_eq!(
            settings::get(&mut conn, "x").unwrap(),
            Some(serde_json::json!({"a": 2, "zh": "阈值"})),
            "{}",
            db.name()
        );
    }
}

#[test]
fn several_settings_read_at_once_come_back_in_the_order_asked() {
    for db in backends() {
        let mut conn = db.conn();
        settings::set(&mut conn, "b", &serde_json::json!(true)).unwrap();
        settings::set(&mut conn, "a", &serde_json::json!({"n": 1})).unwrap();
        assert_eq!(
            settings::get_many(&mut conn, &["a", "unset", "b"]).unwrap(),
            vec![
                Some(serde_json::json!({"n": 1})),
                None,
                Some(serde_json::json!(true))
            ],
            "{}",
            db.name()
        );
        assert_eq!(
            settings::get_many(&mut conn, &[]).unwrap(),
            Vec::<Option<serde_json::Value>>::new()
        );
    }
}

#[test]
fn profile_is_built_from_the_rows() {
    for db in backends() {
        let mut conn = db.conn();
        let s = seed(&mut conn);
        let mut facts = FirmFacts::default();
        facts.flags.key_field = Some(true);
        facts.rd_management.system = Some(true);
        facts.judged.conversion = Some(14);
        facts.rd_platform = Some(PlatformLevel::City);
        facts.ip.standards = Some(true);
        facts.ip.own_rd = Some(false);
        let firm = FirmBuilder::new()
            .facts(facts)
            .year(
                FirmYear {
                    year: 2024,
                    revenue: Some(Fen::from_yuan(48_000_000).unwrap()),
                    rd_expense: Some(Fen(260_000_012)),
                    net_assets: Some(Fen(-500)),
                    ..FirmYear::default()
                },
                Some(4),
            )
            .year(
                FirmYear {
                    year: 2023,
                    ..FirmYear::default()
                },
                None,
            )
            .create(&mut conn, &s.admin);

        let p = profile::load_profile(&mut conn, firm.id).unwrap();
        assert_eq!(p.uscc.as_deref(), Some(firm.uscc.as_str()));
        assert_eq!((p.employees, p.tech_staff), (Some(120), Some(18)));
        assert_eq!(
            p.financials.iter().map(|y| y.year).collect::<Vec<_>>(),
            vec![2023, 2024]
        );
        assert_eq!(p.financials[1].revenue, Some(Fen(4_800_000_000)));
        assert_eq!(p.financials[1].rd_expense, Some(Fen(260_000_012)));
        assert_eq!(p.financials[1].net_assets, Some(Fen(-500)));
        assert_eq!(
            p.conversions.into_iter().collect::<Vec<_>>(),
            vec![(2024, 4)]
        );
        assert_eq!(p.flags.key_field, Some(true));
        assert_eq!(p.rd_management.system, Some(true));
        assert_eq!(p.judged.conversion, Some(14));
        assert_eq!(p.rd_platform, Some(PlatformLevel::City));
        // No IP rows: nothing recorded counts as zero; own_rd and standards from the facts.
        assert_eq!(
            (p.ip.class_one, p.ip.class_two, p.ip.own_rd, p.ip.standards),
            (Some(0), Some(0), Some(false), Some(true))
        );
        assert_eq!(
            (p.tech_sme.clone(), p.hte_certificate.clone()),
            (None, None)
        );

        let item = |kind: &str, number: &str, acq: &str, used: bool| NewIpItem {
            firm_id: firm.id,
            kind: kind.to_string(),
            number: number.to_string(),
            title: "t".to_string(),
            granted_on: None,
            acquisition: acq.to_string(),
            used_in_hte: used,
        };
        ip::insert(
            &mut conn,
            &item("invention_patent", "ZL1", "transferred", true),
        )
        .unwrap();
        ip::insert(
            &mut conn,
            &item("utility_model", "ZL2", "transferred", false),
        )
        .unwrap();
        ip::insert(&mut conn, &item("utility_model", "ZL3", "own", true)).unwrap();
        ip::insert(&mut conn, &item("software_copyright", "RZ4", "own", false)).unwrap();
        assert!(matches!(
            ip::insert(&mut conn, &item("software_copyright", "RZ4", "own", false)),
            Err(StoreError::Duplicate("ip_number"))
        ));
        let now = Utc::now().naive_utc();
        let cred = |kind: CredentialKind, number: &str, status: &str, from| NewCredential {
            firm_id: firm.id,
            kind: kind.id().to_string(),
            number: Some(number.to_string()),
            issued_on: Some(from),
            valid_from: from,
            valid_until: None,
            status: status.to_string(),
            created_at: now,
        };
        credentials::insert(
            &mut conn,
            &cred(CredentialKind::TechSme, "2024A", "active", d(2024, 1, 1)),
        )
        .unwrap();
        credentials::insert(
            &mut conn,
            &cred(
                CredentialKind::Hte,
                "GR202341000001",
                "superseded",
                d(2023, 1, 5),
            ),
        )
        .unwrap();
        credentials::insert(
            &mut conn,
            &cred(
                CredentialKind::Hte,
                "GR202441000002",
                "active",
                d(2024, 2, 6),
            ),
        )
        .unwrap();

        let p = profile::load_profile(&mut conn, firm.id).unwrap();
        assert_eq!(
            (p.ip.class_one, p.ip.class_two, p.ip.own_rd),
            (Some(1), Some(2), Some(true)),
            "{}",
            db.name()
        );
        assert_eq!(
            p.tech_sme.as_ref().map(|t| (t.year, t.reg_no.clone())),
            Some((2024, Some("2024A".to_string())))
        );
        assert_eq!(
            p.hte_certificate
                .as_ref()
                .map(|h| (h.cert_no.as_str(), h.issued_on)),
            Some(("GR202441000002", d(2024, 2, 6)))
        );
        assert_eq!(p.direct_routes.valid_hte, Some(true));

        let stored = firms::find_by_id(&mut conn, firm.id).unwrap();
        let state = profile::load_state(&mut conn, &stored).unwrap();
        assert_eq!(state.stage, Stage::Prospect);
        assert_eq!(
            state.credentials,
            Credentials {
                tech_sme: Some((2024, "2024A".to_string())),
                hte: Some(("GR202441000002".to_string(), d(2024, 2, 6))),
                leader_since: None,
            }
        );

        // The bulk path builds the same profile.
        let other = FirmBuilder::new().create(&mut conn, &s.admin);
        let all = profile::load_all_profiles(&mut conn).unwrap();
        assert_eq!(
            all.iter().map(|f| f.firm_id).collect::<Vec<_>>(),
            vec![firm.id, other.id]
        );
        assert_eq!(all[0].profile, p, "{}", db.name());
        assert_eq!(
            all[1].profile,
            profile::load_profile(&mut conn, other.id).unwrap()
        );
    }
}

#[test]
fn list_totals_count_exactly_up_to_the_cap_and_say_more_beyond_it() {
    use peiyu::store::firm_query::{self, FirmQuery, Scope};
    for db in backends() {
        let mut conn = db.conn();
        seed(&mut conn);
        for _ in 0..7 {
            firms::insert(&mut conn, &new_firm(&crate::common::next_uscc())).unwrap();
        }
        let all = FirmQuery {
            limit: 2,
            ..FirmQuery::default()
        };
        let mut count = |cap| firm_query::total(&mut conn, &Scope::All, &all, cap).unwrap();
        let exact = count(7);
        assert_eq!((exact.count, exact.capped), (7, false), "{}", db.name());
        let capped = count(6);
        assert_eq!((capped.count, capped.capped), (6, true), "{}", db.name());
        // A page of 2 out of 7: the page's total is the full count.
        let (rows, total) = firm_query::page(&mut conn, &Scope::All, &all).unwrap();
        assert_eq!((rows.len(), total.count, total.capped), (2, 7, false));
        // A county with none: an empty first page needs no count.
        let none = FirmQuery {
            county_code: Some(crate::common::COUNTY_B.to_string()),
            ..all.clone()
        };
        let (rows, total) = firm_query::page(&mut conn, &Scope::All, &none).unwrap();
        assert_eq!((rows.len(), total.count), (0, 0));
    }
}

#[test]
fn an_export_walks_every_order_of_the_list_in_batches_as_one_page_would_show_it() {
    use peiyu::store::firm_query::{self, FirmQuery, Scope, SortKey};
    for db in backends() {
        let mut conn = db.conn();
        seed(&mut conn);
        // Ties in readiness, stage and name, so that every order leans on its last column.
        let stages = ["prospect", "tech_sme", "reserve", "high_tech", "leader"];
        for i in 0..23 {
            let mut f = new_firm(&crate::common::next_uscc());
            f.name = format!("企业{}", i % 4);
            f.stage = stages[i % stages.len()].to_string();
            let id = firms::insert(&mut conn, &f).unwrap();
            firms::set_derived(
                &mut conn,
                id,
                &firms::Derived {
                    next_stage: None,
                    next_ruleset: None,
                    next_eligible: None,
                    readiness: (i % 3) as i32 * 10,
                    readiness_margin: 0,
                    evaluated_at: None,
                },
            )
            .unwrap();
        }
        for sort in SortKey::ALL {
            for descending in [false, true] {
                let q = FirmQuery {
                    sort,
                    descending,
                    limit: 1_000,
                    ..FirmQuery::default()
                };
                let (whole, _) = firm_query::listed_page(&mut conn, &Scope::All, &q).unwrap();
                let mut walked = Vec::new();
                let mut last = None;
                loop {
                    let batch =
                        firm_query::listed_after(&mut conn, &Scope::All, &q, last.as_ref(), 4)
                            .unwrap();
                    let done = batch.len() < 4;
                    walked.extend(batch.iter().map(|f| f.id));
                    last = batch.into_iter().last();
                    if done {
                        break;
                    }
                }
                let ids: Vec<i64> = whole.iter().map(|f| f.id).collect();
                assert_eq!(walked, ids, "{sort:?} desc={descending} on {}", db.name());
            }
        }
    }
}

#[test]
fn counties_and_sectors_read_together_equal_each_read_alone() {
    use peiyu::store::refdata::{self, Sector};
    for db in backends() {
        let mut conn = db.conn();
        seed(&mut conn);
        // A sector whose code sorts between the others, so the order is tested, not given.
        refdata::upsert_sector(
            &mut conn,
            &Sector {
                code: "b_middle".to_string(),
                name_zh: "中间".to_string(),
                name_en: "Middle".to_string(),
            },
        )
        .unwrap();
        let (counties, sectors) = refdata::counties_and_sectors(&mut conn).unwrap();
        assert!(!counties.is_empty() && sectors.len() > 1, "{}", db.name());
        assert_eq!(
            counties,
            refdata::counties(&mut conn).unwrap(),
            "{}",
            db.name()
        );
        assert_eq!(
            sectors,
            refdata::sectors(&mut conn).unwrap(),
            "{}",
            db.name()
        );
    }
}
