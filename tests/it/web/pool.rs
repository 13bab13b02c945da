//! The reserve pool, the dashboard's activity lists, and escaping on every new page.

use super::{seed_with_passwords, TestApp};
use crate::common::{backends, FirmBuilder, COUNTY_A, COUNTY_B};
use chrono::{Days, Utc};
use peiyu::app::Principal;
use peiyu::core::stage::Event;
use peiyu::store::credentials::{self, NewCredential};
use peiyu::store::firms::{self, Derived, Firm, FirmChanges};
use peiyu::store::DbConn;

fn placed(
    conn: &mut DbConn,
    who: &Principal,
    name: &str,
    county: &str,
    stage: &str,
    readiness: i32,
) -> Firm {
    let f = FirmBuilder::new().county(county).create(conn, who);
    let now = Utc::now().naive_utc();
    let changes = FirmChanges {
        name: Some(name.to_string()),
        stage: Some(stage.to_string()),
        ..FirmChanges::default()
    };
    firms::update_with_version(conn, f.id, f.version, &changes, now).unwrap();
    firms::set_derived(
        conn,
        f.id,
        &Derived {
            next_stage: None,
            next_ruleset: None,
            next_eligible: None,
            readiness,
            evaluated_at: Some(now),
        },
    )
    .unwrap();
    firms::find_by_id(conn, f.id).unwrap()
}

#[test]
fn the_pool_ranks_by_readiness_filters_by_county_and_keeps_to_the_territory() {
    for db in backends() {
        let s = seed_with_passwords(&db);
        {
            let mut c = db.conn();
            placed(&mut c, &s.bureau, "后备甲", COUNTY_A, "reserve", 30);
            placed(&mut c, &s.bureau, "后备乙", COUNTY_A, "reserve", 80);
            placed(&mut c, &s.bureau, "后备丙", COUNTY_B, "reserve", 55);
            placed(&mut c, &s.bureau, "小企丁", COUNTY_A, "tech_sme", 70);
            placed(&mut c, &s.bureau, "对象戊", COUNTY_A, "prospect", 99);
        }
        let app = TestApp::spawn(&db);
        app.login_ok("bureau");
        let all = app.get("/pool");
        assert_eq!(all.status, 200, "{}", all.body);
        let b = &all.body;
        let pos = |n: &str| b.find(n).unwrap_or_else(|| panic!("{n} missing"));
        assert!(pos("后备乙") < pos("后备丙") && pos("后备丙") < pos("后备甲"));
        assert!(pos("小企丁") > pos("后备甲"), "tech-SMEs in their own part");
        assert!(!b.contains("对象戊"));
        assert!(b.contains("本地默认设置，并非正式公布的认定标准"));
        assert!(b.contains("data-print"));

        let only_b = app.get(&format!("/pool?county={COUNTY_B}"));
        assert!(only_b.body.contains("后备丙"));
        assert!(!only_b.body.contains("后备乙") && !only_b.body.contains("小企丁"));

        let county = app.other_client();
        county.login_ok("county_b");
        let mine = county.get("/pool");
        assert!(mine.body.contains("后备丙"));
        assert!(!mine.body.contains("后备乙"));
        let asked = county.get(&format!("/pool?county={COUNTY_A}"));
        assert!(
            !asked.body.contains("后备乙"),
            "a filter never widens the scope"
        );
    }
}

#[test]
fn the_dashboard_lists_this_months_stage_changes_and_expiring_credentials_in_scope() {
    for db in backends() {
        let s = seed_with_passwords(&db);
        let today = peiyu::app::today();
        {
            let mut c = db.conn();
            let a = FirmBuilder::new()
                .county(COUNTY_A)
                .create(&mut c, &s.bureau);
            peiyu::app::fire_event(
                &mut c,
                a.id,
                None,
                Event::Exit {
                    reason: "迁出".into(),
                },
                &s.bureau,
                today,
            )
            .unwrap();
            let b = placed(
                &mut c,
                &s.bureau,
                "证书将到期公司",
                COUNTY_B,
                "high_tech",
                10,
            );
            credentials::insert(
                &mut c,
                &NewCredential {
                    firm_id: b.id,
                    kind: "hte".into(),
                    number: Some("GR202241000001".into()),
                    issued_on: None,
                    valid_from: today.checked_sub_days(Days::new(900)).unwrap(),
                    valid_until: today.checked_add_days(Days::new(30)),
                    status: "active".into(),
                    created_at: Utc::now().naive_utc(),
                },
            )
            .unwrap();
        }
        let app = TestApp::spawn(&db);
        app.login_ok("bureau");
        let d = app.get("/");
        assert_eq!(d.status, 200, "{}", d.body);
        assert!(d.body.contains("本月阶段变动"));
        assert!(d.body.contains("退出培育"), "{}", d.body);
        assert!(d.body.contains("GR202241000001"));
        assert!(d.body.contains("各阶段企业数"), "the funnel stays");

        let county = app.other_client();
        county.login_ok("county_a");
        let mine = county.get("/");
        assert!(mine.body.contains("退出培育"));
        assert!(
            !mine.body.contains("GR202241000001"),
            "another county's credential"
        );
    }
}

const EVIL: &str = "<script>alert(1)</script>\" onmouseover=alert(2) x=\"";

fn assert_inert(body: &str, page: &str) {
    assert!(!body.contains("<script>alert(1)"), "{page}: raw script tag");
    assert!(
        !body.contains("\" onmouseover="),
        "{page}: attribute break-out"
    );
    assert!(
        body.contains("&lt;script&gt;alert(1)"),
        "{page}: shown as text"
    );
}

#[test]
fn a_hostile_firm_name_is_escaped_on_every_new_page() {
    for db in backends() {
        let s = seed_with_passwords(&db);
        let firm = {
            let mut c = db.conn();
            let f = placed(&mut c, &s.bureau, EVIL, COUNTY_A, "reserve", 40);
            peiyu::app::fire_event(
                &mut c,
                f.id,
                None,
                Event::LeaveReserve {
                    reason: EVIL.into(),
                },
                &s.bureau,
                peiyu::app::today(),
            )
            .unwrap();
            firms::find_by_id(&mut c, f.id).unwrap()
        };
        let app = TestApp::spawn(&db);
        app.login_ok("bureau");
        let id = firm.id;
        for path in [
            format!("/firms/{id}"),
            format!("/firms/{id}/edit"),
            format!("/firms/{id}/years"),
            format!("/firms/{id}/ip/new"),
            format!("/firms/{id}/actions/exit"),
            format!("/firms/{id}/whatif"),
            "/pool".to_string(),
            "/".to_string(),
        ] {
            let r = app.get(&path);
            assert_eq!(r.status, 200, "{path}: {}", r.body);
            assert_inert(&r.body, &path);
        }
        // Typed back into a form that fails.
        let form = app.get(&format!("/firms/{id}/edit"));
        let r = app.post(
            &format!("/firms/{id}/edit"),
            &[
                ("_csrf", form.csrf().as_str()),
                ("version", &firm.version.to_string()),
                ("name", EVIL),
                ("county_code", COUNTY_A),
                ("employees", "-1"),
            ],
        );
        assert_eq!(r.status, 400);
        assert_inert(&r.body, "edit re-render");
        let q = serde_urlencoded::to_string([("employees", EVIL)]).unwrap();
        let w = app.get(&format!("/firms/{id}/whatif?{q}"));
        assert!(!w.body.contains("\" onmouseover="), "what-if echo");
    }
}
