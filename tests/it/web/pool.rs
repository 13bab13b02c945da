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
    placed_with_margin(conn, who, name, county, stage, readiness, 0)
}

/// [`placed`] with its readiness's tie-break, the score margin.
fn placed_with_margin(
    conn: &mut DbConn,
    who: &Principal,
    name: &str,
    county: &str,
    stage: &str,
    readiness: i32,
    readiness_margin: i32,
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
            readiness_margin,
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

/// The body rows of the `n`th pool table (0: the reserve, 1: tech-SMEs) as cell texts.
fn pool_rows(body: &str, n: usize) -> Vec<Vec<String>> {
    let start = body
        .match_indices("<table class=\"pool\"")
        .nth(n)
        .unwrap_or_else(|| panic!("no pool table {n}"))
        .0;
    let table = &body[start..start + body[start..].find("</table>").unwrap()];
    table
        .split("<tr>")
        .skip(2)
        .map(|tr| {
            tr.split("<td")
                .skip(1)
                .map(|td| {
                    let inner = &td[td.find('>').unwrap() + 1..td.find("</td>").unwrap()];
                    let mut text = String::new();
                    let mut in_tag = false;
                    for ch in inner.chars() {
                        match ch {
                            '<' => in_tag = true,
                            '>' => in_tag = false,
                            c if !in_tag => text.push(c),
                            _ => {}
                        }
                    }
                    super::html::unescape(text.trim())
                })
                .collect()
        })
        .collect()
}

#[test]
fn equal_readiness_is_ranked_by_the_score_margin_on_the_page_the_api_and_the_export() {
    for db in backends() {
        let s = seed_with_passwords(&db);
        {
            let mut c = db.conn();
            // Created first (the lower id), but the smaller margin: id order would list it
            // first, the margin must not.
            placed_with_margin(&mut c, &s.bureau, "边缘甲", COUNTY_A, "reserve", 80, -6);
            placed_with_margin(&mut c, &s.bureau, "稳妥乙", COUNTY_A, "reserve", 80, 4);
            placed_with_margin(&mut c, &s.bureau, "领先丙", COUNTY_A, "reserve", 90, -20);
            placed_with_margin(&mut c, &s.bureau, "落后丁", COUNTY_A, "reserve", 70, 30);
        }
        let app = TestApp::spawn(&db);
        app.login_ok("bureau");
        let page = app.get("/pool");
        assert_eq!(page.status, 200, "{}", page.body);
        let names: Vec<String> = pool_rows(&page.body, 0)
            .into_iter()
            .map(|r| r[1].clone())
            .collect();
        let expected = ["领先丙", "稳妥乙", "边缘甲", "落后丁"];
        assert_eq!(names, expected, "{}", db.name());

        let api = app.get("/api/v1/reserve-pool");
        assert_eq!(api.status, 200, "{}", api.body);
        let v: serde_json::Value = serde_json::from_str(&api.body).unwrap();
        let items = v["items"].as_array().unwrap();
        let api_names: Vec<&str> = items.iter().map(|i| i["name"].as_str().unwrap()).collect();
        assert_eq!(api_names, expected);
        let margins: Vec<i64> = items
            .iter()
            .map(|i| i["readiness_margin"].as_i64().unwrap())
            .collect();
        assert_eq!(margins, [-20, 4, -6, 30]);

        let (_, _, bytes) = app.get_bytes("/pool/export?format=csv");
        let (head, rows) = super::export::read_csv(&bytes);
        assert_eq!(head[8], "分差");
        let csv_names: Vec<&str> = rows.iter().map(|r| r[2].as_str()).collect();
        assert_eq!(csv_names, expected);
        assert_eq!(rows[1][8], "4");
    }
}

#[test]
fn the_pool_walks_a_tie_across_batches_in_one_order() {
    use peiyu::store::firm_query::{self, FirmQuery, ListedFirm, Scope, SortKey};
    for db in backends() {
        let s = seed_with_passwords(&db);
        let mut c = db.conn();
        for (i, (r, m)) in [
            (50, 1),
            (50, 3),
            (50, 3),
            (60, -2),
            (50, -1),
            (50, 3),
            (40, 9),
        ]
        .into_iter()
        .enumerate()
        {
            placed_with_margin(
                &mut c,
                &s.bureau,
                &format!("企业{i}"),
                COUNTY_A,
                "reserve",
                r,
                m,
            );
        }
        let q = FirmQuery {
            stage: Some(peiyu::core::stage::Stage::Reserve),
            sort: SortKey::ReadinessMargin,
            descending: true,
            limit: 100,
            ..FirmQuery::default()
        };
        let whole = firm_query::listed_after(&mut c, &Scope::All, &q, None, 100).unwrap();
        let key = |f: &ListedFirm| (-f.readiness, -f.readiness_margin, f.id);
        let mut sorted = whole.clone();
        sorted.sort_by_key(key);
        assert_eq!(whole, sorted, "readiness, then margin, then id");
        // Two at a time, as an export walks a long list: the same firms in the same order.
        let mut walked: Vec<ListedFirm> = Vec::new();
        loop {
            let batch =
                firm_query::listed_after(&mut c, &Scope::All, &q, walked.last(), 2).unwrap();
            if batch.is_empty() {
                break;
            }
            walked.extend(batch);
        }
        assert_eq!(walked, whole, "{}", db.name());
    }
}

#[test]
fn each_pool_row_says_what_blocks_it_how_long_it_has_been_in_the_pool_and_its_last_contact() {
    use peiyu::core::stage::{Event, Stage};
    use peiyu::store::events::{self, NewStageEvent};
    for db in backends() {
        let s = seed_with_passwords(&db);
        let today = peiyu::app::today();
        let firm = {
            let mut c = db.conn();
            // 5 technical staff of 120: 4.2% against HTE's 10%.
            let f = placed(&mut c, &s.bureau, "差距企业", COUNTY_B, "reserve", 40);
            let v = firms::find_by_id(&mut c, f.id).unwrap().version;
            let changes = FirmChanges {
                tech_staff: Some(Some(5)),
                advisor_id: Some(s.advisor.user_id),
                ..FirmChanges::default()
            };
            firms::update_with_version(&mut c, f.id, v, &changes, Utc::now().naive_utc()).unwrap();
            let event = |from: Stage, to: Stage, event: Event, days: u64| NewStageEvent {
                firm_id: f.id,
                from_stage: from,
                to_stage: to,
                event,
                ruleset: None,
                evaluation: None,
                actor_id: None,
                actor_role: "bureau".into(),
                reason: None,
                as_of: today.checked_sub_days(Days::new(days)).unwrap(),
                occurred_at: Utc::now().naive_utc(),
            };
            let renewal = Event::RegisterTechSme {
                year: 2026,
                reg_no: "202641110200001".into(),
            };
            events::append(
                &mut c,
                &event(Stage::Prospect, Stage::TechSme, renewal.clone(), 400),
            )
            .unwrap();
            events::append(
                &mut c,
                &event(Stage::TechSme, Stage::Reserve, Event::AdmitToReserve, 40),
            )
            .unwrap();
            // A renewal inside the reserve does not restart the clock.
            events::append(&mut c, &event(Stage::Reserve, Stage::Reserve, renewal, 10)).unwrap();
            {
                use diesel::prelude::*;
                use peiyu::store::schema::firms as t;
                diesel::update(t::table.find(f.id))
                    .set(t::last_contact_on.eq(Some(crate::common::d(2026, 11, 3))))
                    .execute(&mut c)
                    .unwrap();
            }
            firms::find_by_id(&mut c, f.id).unwrap()
        };
        let expected_blocking = |lang: peiyu::i18n::Lang| -> Vec<String> {
            let mut c = db.conn();
            let p = peiyu::store::profile::load_profile(&mut c, firm.id).unwrap();
            let ev = peiyu::core::rules::evaluate(
                &p,
                peiyu::core::rules::RuleSet::Hte2016,
                today,
                &peiyu::core::rules::Thresholds::default(),
            )
            .unwrap();
            ev.blocking()
                .iter()
                .take(2)
                .map(|r| peiyu::i18n::render(lang, &r.text))
                .collect()
        };
        let app = TestApp::spawn(&db);
        app.login_ok("bureau");
        let page = app.get("/pool");
        assert_eq!(page.status, 200, "{}", page.body);
        let rows = pool_rows(&page.body, 0);
        let row = rows
            .iter()
            .find(|r| r[1] == "差距企业")
            .expect("the firm's row");
        assert_eq!(row[4], "计算机、通信和其他电子设备制造业", "sector");
        assert_eq!(row[5], "advisor", "advisor");
        let blocking = &row[9];
        assert!(
            blocking.contains("新招科技人员 8 名（或将现有 7 名职工转为科技人员）"),
            "the smallest change, in the firm page's words: {blocking}"
        );
        for line in expected_blocking(peiyu::i18n::Lang::ZhCn) {
            assert!(blocking.contains(&line), "{line} in {blocking}");
        }
        assert!(
            blocking.contains("项条件未满足"),
            "the rest counted: {blocking}"
        );
        assert_eq!(row[10], "40", "days since it entered the reserve");
        assert_eq!(row[11], "2026-11-03", "last contact");

        app.get("/lang/en");
        let en = app.get("/pool");
        let rows = pool_rows(&en.body, 0);
        let row = rows.iter().find(|r| r[1] == "差距企业").unwrap();
        assert!(
            row[9].contains(
                "8 more technical staff if hired (7 if existing employees become technical staff)"
            ),
            "{}",
            row[9]
        );
        for line in expected_blocking(peiyu::i18n::Lang::En) {
            assert!(row[9].contains(&line), "{line} in {}", row[9]);
        }

        let (_, _, bytes) = app.get_bytes("/pool/export?format=csv");
        let (head, csv) = super::export::read_csv(&bytes);
        assert_eq!(
            head[10..],
            [
                "What keeps it from the next stage (smallest change)",
                "Days in stage",
                "Last contact"
            ]
        );
        let r = csv.iter().find(|r| r[2] == "差距企业").unwrap();
        assert_eq!(r[10..], [row[9].clone(), "40".into(), "2026-11-03".into()]);
    }
}

#[test]
fn figures_the_rules_cannot_evaluate_are_what_blocks_a_pool_row() {
    for db in backends() {
        let s = seed_with_passwords(&db);
        let f = {
            let mut c = db.conn();
            let f = placed(&mut c, &s.bureau, "数据有误企业", COUNTY_A, "reserve", 10);
            // Stored past the forms' checks (an old import, a hand edit): a negative revenue.
            use diesel::prelude::*;
            use peiyu::store::schema::firm_years as y;
            diesel::insert_into(y::table)
                .values((
                    y::firm_id.eq(f.id),
                    y::year.eq(2024),
                    y::revenue.eq(Some(-100_i64)),
                ))
                .execute(&mut c)
                .unwrap();
            f
        };
        let error = {
            let p = peiyu::store::profile::load_profile(&mut db.conn(), f.id).unwrap();
            peiyu::core::rules::evaluate(
                &p,
                peiyu::core::rules::RuleSet::Hte2016,
                peiyu::app::today(),
                &peiyu::core::rules::Thresholds::default(),
            )
            .expect_err("a negative revenue cannot be evaluated")
        };
        let app = TestApp::spawn(&db);
        app.login_ok("bureau");
        let page = app.get("/pool");
        let rows = pool_rows(&page.body, 0);
        let row = rows.iter().find(|r| r[1] == "数据有误企业").unwrap();
        assert_eq!(
            row[9],
            peiyu::i18n::render(peiyu::i18n::Lang::ZhCn, &error.text),
            "{}",
            db.name()
        );
        assert!(!row[9].contains("均已满足"));
    }
}
