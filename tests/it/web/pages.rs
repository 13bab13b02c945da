use super::{seed_with_passwords, TestApp};
use crate::common::{backends, FirmBuilder, COUNTY_A, COUNTY_B};
use chrono::Utc;
use peiyu::app::fire_event;
use peiyu::core::stage::Event;
use peiyu::store::firms::{self, FirmChanges};

#[test]
fn the_dashboard_counts_firms_by_stage_in_scope() {
    for db in backends() {
        let s = seed_with_passwords(&db);
        {
            let mut c = db.conn();
            for county in [COUNTY_A, COUNTY_A, COUNTY_B] {
                FirmBuilder::new().county(county).create(&mut c, &s.bureau);
            }
        }
        let app = TestApp::spawn(&db);
        app.login_ok("county_a");
        let d = app.get("/");
        assert_eq!(d.status, 200, "{}", d.body);
        assert!(
            d.body.contains("<strong>2</strong>"),
            "{}: {}",
            db.name(),
            d.body
        );
        assert!(d.body.contains("<meter"));
        assert!(
            d.body.contains("href=\"/firms?stage&#x3D;prospect\"")
                || d.body.contains("href=\"/firms?stage=prospect\"")
        );
    }
}

#[test]
fn the_firm_list_filters_searches_sorts_and_keeps_the_filter_in_links() {
    for db in backends() {
        let s = seed_with_passwords(&db);
        let (a, b) = {
            let mut c = db.conn();
            let a = FirmBuilder::new()
                .county(COUNTY_A)
                .create(&mut c, &s.bureau);
            let b = FirmBuilder::new()
                .county(COUNTY_B)
                .create(&mut c, &s.bureau);
            let rename = |c: &mut peiyu::store::DbConn, id: i64, v: i64, name: &str| {
                let ch = FirmChanges {
                    name: Some(name.to_string()),
                    ..FirmChanges::default()
                };
                firms::update_with_version(c, id, v, &ch, Utc::now().naive_utc()).unwrap();
            };
            rename(&mut c, a.id, a.version, "Alpha Photonics 甲");
            rename(&mut c, b.id, b.version, "Beta Robotics 乙");
            (a, b)
        };
        let app = TestApp::spawn(&db);
        app.login_ok("bureau");

        let by_county = app.get(&format!("/firms?county={COUNTY_B}"));
        assert!(by_county.body.contains("Beta Robotics") && !by_county.body.contains("Alpha"));
        // Case-insensitive name search on both backends.
        let by_name = app.get("/firms?q=alpha");
        assert!(by_name.body.contains("Alpha Photonics"), "{}", db.name());
        assert!(!by_name.body.contains("Beta Robotics"));
        // USCC prefix, lower-case typed.
        let prefix = b.uscc[..14].to_lowercase();
        let by_uscc = app.get(&format!("/firms?q={prefix}"));
        assert!(by_uscc.body.contains("Beta Robotics"), "{}", db.name());
        // A LIKE wildcard typed by the user is a literal.
        let wild = app.get("/firms?q=%25");
        assert!(
            !wild.body.contains("Alpha") && !wild.body.contains("Beta"),
            "{}",
            db.name()
        );

        let asc = app.get("/firms?sort=name&dir=asc");
        let (ia, ib) = (
            asc.body.find("Alpha").unwrap(),
            asc.body.find("Beta").unwrap(),
        );
        assert!(ia < ib);
        let desc = app.get("/firms?sort=name&dir=desc");
        let (ia, ib) = (
            desc.body.find("Alpha").unwrap(),
            desc.body.find("Beta").unwrap(),
        );
        assert!(ia > ib);
        // Sort links keep the filter.
        let filtered = app.get(&format!("/firms?county={COUNTY_A}"));
        assert!(
            filtered
                .body
                .contains(&format!("county&#x3D;{COUNTY_A}&amp;sort&#x3D;name")),
            "{}",
            filtered.body
        );
        // Readiness range (clamped to 0..=100): nobody is above 100.
        let none = app.get("/firms?rmin=101");
        assert!(!none.body.contains("Alpha Photonics"));
        let all = app.get("/firms?rmin=0&rmax=100");
        assert!(all.body.contains(&format!("/firms/{}", a.id)));
    }
}

#[test]
fn the_firm_page_shows_profile_history_with_who_and_why_and_the_next_stage_evaluation() {
    for db in backends() {
        let s = seed_with_passwords(&db);
        let firm = {
            let mut c = db.conn();
            let f = FirmBuilder::new().create(&mut c, &s.bureau);
            fire_event(
                &mut c,
                f.id,
                None,
                Event::Exit {
                    reason: "迁出本市".to_string(),
                },
                &s.bureau,
                crate::common::d(2024, 3, 1),
            )
            .unwrap();
            fire_event(
                &mut c,
                f.id,
                None,
                Event::Reinstate,
                &s.bureau,
                crate::common::d(2024, 6, 1),
            )
            .unwrap();
            firms::find_by_id(&mut c, f.id).unwrap()
        };
        let app = TestApp::spawn(&db);
        app.login_ok("bureau");
        let p = app.get(&format!("/firms/{}", firm.id));
        assert_eq!(p.status, 200, "{}", p.body);
        let body = &p.body;
        assert!(body.contains(&firm.uscc));
        assert!(body.contains("阶段历程"));
        assert!(
            body.contains("退出培育") && body.contains("恢复培育"),
            "event names"
        );
        assert!(body.contains("迁出本市"), "the reason");
        assert!(body.contains("bureau"), "who");
        assert!(body.contains("在该阶段停留 92 天"), "time in stage: {body}");
        assert!(body.contains("下一阶段评价"));
        assert!(body.contains("科技型中小企业"), "next stage named");
        // Status is text and a symbol, not colour alone.
        assert!(body.contains("status-unknown") && body.contains("待定"));
        assert!(body.contains("2024"), "figures by year");
        // 实际/要求 are in Chinese on the Chinese page.
        assert!(body.contains("职工 120 人"), "Chinese actual: {body}");
        assert!(body.contains("职工 ≤ 500 人"), "Chinese required: {body}");
        assert!(
            !body.contains("120 staff") && !body.contains("valid USCC"),
            "no English actual or required on the Chinese page"
        );
        assert_eq!(p.header("cache-control"), Some("no-store"));
    }
}

#[test]
fn the_admin_menu_links_to_user_administration_and_marks_it_current() {
    let db = crate::common::TestDb::sqlite();
    super::seed_with_passwords(&db);
    let app = super::TestApp::spawn(&db);
    app.login_ok("admin");
    let dash = app.get("/");
    assert!(dash.body.contains("href=\"/admin/users\""), "{}", dash.body);
    let users = app.get("/admin/users");
    assert!(users
        .body
        .contains("href=\"/admin/users\" aria-current=\"page\""));
    let bureau = app.other_client();
    bureau.login_ok("bureau");
    assert!(
        !bureau.get("/").body.contains("href=\"/admin/users\""),
        "only administrators"
    );
}

#[test]
fn advisors_with_the_same_name_are_told_apart_in_every_dropdown() {
    let db = crate::common::TestDb::sqlite();
    let s = super::seed_with_passwords(&db);
    for username in ["liyong1", "liyong2"] {
        peiyu::app::accounts::users::add_user(
            &mut db.conn(),
            peiyu::app::accounts::users::NewUserInput {
                username: username.to_string(),
                role: "advisor".to_string(),
                county_code: Some(crate::common::COUNTY_A.to_string()),
                display_name: Some("李勇".to_string()),
                password: "a-long-enough-password".to_string(),
                ..Default::default()
            },
            &s.admin,
        )
        .unwrap();
    }
    let firm = crate::common::FirmBuilder::new().create(&mut db.conn(), &s.bureau);
    let app = super::TestApp::spawn(&db);
    app.login_ok("bureau");
    for path in [
        format!("/firms/{}/assign", firm.id),
        format!("/firms/{}/edit", firm.id),
        "/agenda".to_string(),
        "/advisors".to_string(),
        "/firms".to_string(),
    ] {
        let page = app.get(&path);
        assert_eq!(page.status, 200, "{path}");
        assert!(
            page.body.contains("李勇 · liyong1") && page.body.contains("李勇 · liyong2"),
            "{path}: {}",
            page.body
        );
    }
}

#[test]
fn every_save_says_so_on_the_page_it_returns_to_and_an_unknown_note_is_ignored() {
    let db = crate::common::TestDb::sqlite();
    let s = super::seed_with_passwords(&db);
    let firm = crate::common::FirmBuilder::new().create(&mut db.conn(), &s.bureau);
    let app = super::TestApp::spawn(&db);
    app.login_ok("bureau");
    // Saving the profile goes back to the firm page, which says it was saved.
    let form = app.get(&format!("/firms/{}/edit", firm.id));
    let csrf = form.csrf();
    let version = firm.version.to_string();
    let r = app.post(
        &format!("/firms/{}/edit", firm.id),
        &[
            ("_csrf", csrf.as_str()),
            ("version", version.as_str()),
            ("name", "漯河市已保存科技有限公司"),
            ("county_code", crate::common::COUNTY_A),
        ],
    );
    assert_eq!(r.status, 303, "{}", r.body);
    let back = r.location.unwrap();
    assert_eq!(back, format!("/firms/{}?done=firm_saved", firm.id));
    let page = app.get(&back);
    assert!(page.body.contains("企业资料已保存。"), "{}", page.body);
    // Every note the handlers send has words in both catalogs; anything else shows nothing.
    for key in peiyu::web::pages::firms::DONE {
        for lang in peiyu::i18n::Lang::ALL {
            assert!(
                peiyu::i18n::lookup(lang, &format!("done.{key}")).is_some(),
                "{key}"
            );
        }
    }
    let odd = app.get(&format!("/firms/{}?done=%3Cscript%3E", firm.id));
    assert_eq!(odd.status, 200);
    assert!(!odd.body.contains("class=\"notice\""));
}
