use crate::common::{backends, next_uscc, seed, FirmBuilder, StatementLog, COUNTY_A, COUNTY_B};
use peiyu::app::{
    add_ip, create_firm, save_firm_year, AppError, Conflict, FirmYearInput, NewFirmInput,
    NewIpInput,
};
use peiyu::core::money::Fen;
use peiyu::core::profile::FirmYear;
use peiyu::i18n::{render, Lang};
use peiyu::store::ip::{Acquisition, IpKind};
use peiyu::store::{audit, firms, profile};

fn input(uscc: &str, county: &str) -> NewFirmInput {
    NewFirmInput {
        uscc: uscc.to_string(),
        name: "平顶山市某某科技有限公司".to_string(),
        county_code: county.to_string(),
        ..NewFirmInput::default()
    }
}

#[test]
fn create_firm_validates_and_refuses_a_duplicate_uscc() {
    for db in backends() {
        let mut conn = db.conn();
        let s = seed(&mut conn);
        let uscc = next_uscc();
        let f = create_firm(
            &mut conn,
            input(&uscc.to_lowercase(), COUNTY_A),
            &s.county_a,
        )
        .unwrap();
        assert_eq!(
            (f.uscc.as_str(), f.stage.as_str(), f.version),
            (uscc.as_str(), "prospect", 1)
        );
        assert_eq!(
            f.next_ruleset.as_deref(),
            Some("tech-sme-2017"),
            "{}",
            db.name()
        );
        assert_eq!(audit::count_for_entity(&mut conn, "firm", f.id).unwrap(), 1);

        match create_firm(&mut conn, input(&uscc, COUNTY_A), &s.bureau) {
            Err(AppError::Conflict(c @ Conflict::Duplicate { .. })) => {
                assert_eq!(c.code(), "duplicate");
                let (zh, en) = (render(Lang::ZhCn, &c.text()), render(Lang::En, &c.text()));
                assert!(zh.contains(&uscc) && en.contains(&uscc), "{en}");
            }
            other => panic!("{}: expected duplicate, got {other:?}", db.name()),
        }
        let mut bad = uscc.clone();
        bad.replace_range(17..18, if uscc.ends_with('0') { "1" } else { "0" });
        match create_firm(&mut conn, input(&bad, COUNTY_A), &s.bureau) {
            Err(AppError::BadInput(e)) => {
                assert_eq!((e.field.as_str(), e.code), ("uscc", "invalid_uscc"))
            }
            other => panic!("expected invalid_uscc, got {other:?}"),
        }
        match create_firm(&mut conn, input(&next_uscc(), "999999"), &s.bureau) {
            Err(AppError::BadInput(e)) => assert_eq!(e.code, "unknown_county"),
            other => panic!("expected unknown_county, got {other:?}"),
        }
        let mut no_name = input(&next_uscc(), COUNTY_A);
        no_name.name = "  ".into();
        assert!(matches!(
            create_firm(&mut conn, no_name, &s.bureau),
            Err(AppError::BadInput(_))
        ));
        let mut staff = input(&next_uscc(), COUNTY_A);
        staff.employees = Some(5);
        staff.tech_staff = Some(6);
        assert!(
            matches!(create_firm(&mut conn, staff, &s.bureau), Err(AppError::BadInput(e)) if e.code == "tech_staff_exceeds_employees")
        );
        assert!(matches!(
            create_firm(&mut conn, input(&next_uscc(), COUNTY_B), &s.county_a),
            Err(AppError::Forbidden)
        ));
        assert!(matches!(
            create_firm(&mut conn, input(&next_uscc(), COUNTY_A), &s.advisor),
            Err(AppError::Forbidden)
        ));
        assert_eq!(firms::count(&mut conn).unwrap(), 1);
    }
}

#[test]
fn saving_a_year_and_adding_ip_bump_the_version_and_feed_the_profile() {
    for db in backends() {
        let mut conn = db.conn();
        let s = seed(&mut conn);
        let firm = FirmBuilder::new().create(&mut conn, &s.admin);
        let year = |revenue| FirmYearInput {
            figures: FirmYear {
                year: 2024,
                revenue: Some(Fen(revenue)),
                rd_expense: Some(Fen(10)),
                ..FirmYear::default()
            },
            conversions: Some(3),
        };
        let f = save_firm_year(&mut conn, firm.id, year(1_000), &s.county_a).unwrap();
        assert_eq!(f.version, firm.version + 1);
        let f = save_firm_year(&mut conn, firm.id, year(2_000), &s.bureau).unwrap();
        assert_eq!(f.version, firm.version + 2);
        let p = profile::load_profile(&mut conn, firm.id).unwrap();
        assert_eq!(p.financials.len(), 1, "{}", db.name());
        assert_eq!(p.financials[0].revenue, Some(Fen(2_000)));
        assert_eq!(p.conversions.get(&2024), Some(&3));

        let mut bad = year(5);
        bad.figures.rd_expense_domestic = Some(Fen(11));
        assert!(
            matches!(save_firm_year(&mut conn, firm.id, bad, &s.bureau), Err(AppError::BadInput(e)) if e.code == "domestic_exceeds_total")
        );
        assert!(matches!(
            save_firm_year(&mut conn, firm.id, year(5), &s.county_b),
            Err(AppError::Forbidden)
        ));
        assert!(matches!(
            save_firm_year(&mut conn, firm.id, year(5), &s.advisor),
            Err(AppError::Forbidden)
        ));

        let item = |number: &str| NewIpInput {
            kind: IpKind::InventionPatent,
            number: number.to_string(),
            title: "一种装置".to_string(),
            granted_on: None,
            acquisition: Acquisition::Own,
            used_in_hte: false,
        };
        add_ip(&mut conn, firm.id, item("ZL202410000001"), &s.bureau).unwrap();
        match add_ip(&mut conn, firm.id, item("ZL202410000001"), &s.bureau) {
            Err(AppError::Conflict(Conflict::Duplicate { field, .. })) => {
                assert_eq!(field, "ip_number")
            }
            other => panic!("{}: expected duplicate, got {other:?}", db.name()),
        }
        let f = firms::find_by_id(&mut conn, firm.id).unwrap();
        assert_eq!(f.version, firm.version + 3);
        let p = profile::load_profile(&mut conn, firm.id).unwrap();
        assert_eq!(
            (p.ip.class_one, p.ip.class_two, p.ip.own_rd),
            (Some(1), Some(0), Some(true))
        );
        // create + two years + one item
        assert_eq!(
            audit::count_for_entity(&mut conn, "firm", firm.id).unwrap(),
            4
        );
    }
}

#[test]
fn a_second_view_of_the_firm_page_and_the_lists_prepares_no_statement_again() {
    // A statement the connection does not keep is prepared on every view (on SQLite, about
    // as costly as running it): every statement of these pages is kept after the first view.
    use peiyu::app::access::principal_of;
    use peiyu::app::accounts::login::signed_in_user_and_idle;
    use peiyu::app::firms::read;
    use peiyu::store::firm_query::{FirmQuery, SortKey};
    use peiyu::store::users;
    for db in backends() {
        let mut c = db.conn();
        peiyu::app::seed_demo::seed_demo(&mut c, 7, 60, crate::common::d(2026, 11, 25)).unwrap();
        let bureau = users::find_by_username(&mut c, "bureau").unwrap().unwrap();
        let p = principal_of(&bureau).unwrap();
        let firm_ids: Vec<i64> = firms::list(&mut c, &firms::FirmFilter::default())
            .unwrap()
            .iter()
            .filter(|f| f.advisor_id.is_some())
            .map(|f| f.id)
            .take(3)
            .collect();
        let list = FirmQuery {
            stage: Some(peiyu::core::stage::Stage::TechSme),
            sort: SortKey::Readiness,
            descending: true,
            limit: 50,
            ..FirmQuery::default()
        };
        let now = chrono::Utc::now().naive_utc();
        // A new connection, which has prepared nothing yet.
        drop(c);
        let fresh = db.pool_of(1);
        let mut c = fresh.get().unwrap();
        let recorder = StatementLog::default();
        diesel::Connection::set_instrumentation(&mut *c, recorder.clone());
        let views = |c: &mut peiyu::store::DbConn, id: i64| {
            signed_in_user_and_idle(c, bureau.id).unwrap();
            let page = read::firm_page(c, &p, id).unwrap();
            peiyu::app::coaching::read::firm_coaching_of(
                c,
                &p,
                page.firm.clone(),
                page.access,
                now,
                &page.actors,
            )
            .unwrap();
            peiyu::web::pages::applications::firm_section_data(c, &p, &page.firm, now).unwrap();
            read::firm_list(c, &p, &list).unwrap();
            read::firm_page_rows(c, &p, &list).unwrap();
        };
        views(&mut c, firm_ids[0]);
        let first = recorder.take();
        for id in &firm_ids {
            views(&mut c, *id);
        }
        diesel::Connection::set_instrumentation(&mut *c, StatementLog::default());
        let again = recorder.take();
        assert!(first.sent.len() >= 10, "{}: {:?}", db.name(), first.sent);
        let kept = |s: &String| first.kept.contains(s) || again.kept.contains(s);
        let not_kept: Vec<&String> = again.sent.iter().filter(|s| !kept(s)).collect();
        assert!(
            not_kept.is_empty(),
            "{}: prepared on every view: {not_kept:#?}",
            db.name()
        );
    }
}
