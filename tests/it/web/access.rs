use super::{password_hash, seed_with_passwords, TestApp};
use crate::common::{backends, FirmBuilder, COUNTY_A, COUNTY_B};
use chrono::Utc;
use diesel::prelude::*;
use peiyu::app::access::{self, AccessSettings, FirmAccess};
use peiyu::core::stage::Role;
use peiyu::store::firm_query::{self, FirmQuery, Scope};
use peiyu::store::firms::{self, Firm, FirmChanges};
use peiyu::store::schema::users as users_t;
use peiyu::store::users::{self, NewUser};
use peiyu::store::{settings, DbConn};

fn named(conn: &mut DbConn, who: &peiyu::app::Principal, name: &str, county: &str) -> Firm {
    let f = FirmBuilder::new().county(county).create(conn, who);
    let changes = FirmChanges {
        name: Some(name.to_string()),
        ..FirmChanges::default()
    };
    firms::update_with_version(conn, f.id, f.version, &changes, Utc::now().naive_utc()).unwrap();
    firms::find_by_id(conn, f.id).unwrap()
}

fn assign(conn: &mut DbConn, firm: &Firm, advisor: i64) {
    let changes = FirmChanges {
        advisor_id: Some(Some(advisor)),
        ..FirmChanges::default()
    };
    let f = firms::find_by_id(conn, firm.id).unwrap();
    firms::update_with_version(conn, f.id, f.version, &changes, Utc::now().naive_utc()).unwrap();
}

fn add_user(
    conn: &mut DbConn,
    name: &str,
    role: Role,
    county: Option<&str>,
    firm: Option<i64>,
) -> i64 {
    users::insert(
        conn,
        &NewUser {
            username: name.to_string(),
            display_name: name.to_string(),
            email: None,
            role: role.id().to_string(),
            county_code: county.map(str::to_string),
            firm_id: firm,
            password_hash: password_hash().to_string(),
            lang: "zh-CN".to_string(),
            active: true,
            created_at: Utc::now().naive_utc(),
        },
    )
    .unwrap()
}

#[test]
fn a_county_officer_sees_only_their_county_and_gets_404_elsewhere() {
    for db in backends() {
        let s = seed_with_passwords(&db);
        let (a, b) = {
            let mut c = db.conn();
            (
                named(&mut c, &s.bureau, "新华区甲科技有限公司", COUNTY_A),
                named(&mut c, &s.bureau, "卫东区乙科技有限公司", COUNTY_B),
            )
        };
        let app = TestApp::spawn(&db);
        app.login_ok("county_a");
        assert_eq!(app.get(&format!("/firms/{}", a.id)).status, 200);
        let other = app.get(&format!("/firms/{}", b.id));
        assert_eq!(other.status, 404, "{}: {}", db.name(), other.body);
        assert!(
            !other.body.contains("卫东区乙"),
            "a 404 must not leak the firm"
        );
        assert_eq!(app.get("/firms/999999").status, 404);
        assert_eq!(app.get("/firms/not-a-number").status, 404);

        let list = app.get("/firms");
        assert!(list.body.contains("新华区甲"), "{}", db.name());
        assert!(!list.body.contains("卫东区乙"), "{}", db.name());
        // Asking for the other county by filter still shows nothing of it.
        let filtered = app.get(&format!("/firms?county={COUNTY_B}"));
        assert!(!filtered.body.contains("卫东区乙"));

        let bureau = app.other_client();
        bureau.login_ok("bureau");
        assert_eq!(bureau.get(&format!("/firms/{}", b.id)).status, 200);
        let all = bureau.get("/firms");
        assert!(all.body.contains("新华区甲") && all.body.contains("卫东区乙"));
    }
}

#[test]
fn an_advisor_sees_assigned_firms_and_their_county_only_when_the_bureau_allows_it() {
    for db in backends() {
        let s = seed_with_passwords(&db);
        let (mine, neighbour, far) = {
            let mut c = db.conn();
            let adv = add_user(&mut c, "adv_a", Role::Advisor, Some(COUNTY_A), None);
            let mine = named(&mut c, &s.bureau, "我的企业", COUNTY_B);
            assign(&mut c, &mine, adv);
            (
                mine,
                named(&mut c, &s.bureau, "同县企业", COUNTY_A),
                named(&mut c, &s.bureau, "外县企业", COUNTY_B),
            )
        };
        let app = TestApp::spawn(&db);
        app.login_ok("adv_a");
        assert_eq!(app.get(&format!("/firms/{}", mine.id)).status, 200);
        assert_eq!(app.get(&format!("/firms/{}", neighbour.id)).status, 404);
        let dash = app.get("/");
        assert!(dash.body.contains("我的企业"), "{}", dash.body);

        settings::set(
            &mut db.conn(),
            access::ADVISOR_COUNTY_READ_KEY,
            &serde_json::json!(true),
        )
        .unwrap();
        assert_eq!(
            app.get(&format!("/firms/{}", neighbour.id)).status,
            200,
            "{}",
            db.name()
        );
        assert_eq!(app.get(&format!("/firms/{}", far.id)).status, 404);
        let list = app.get("/firms");
        assert!(list.body.contains("我的企业") && list.body.contains("同县企业"));
        assert!(!list.body.contains("外县企业"));
    }
}

#[test]
fn a_firm_user_lands_on_the_portal_and_sees_only_their_own_firm() {
    for db in backends() {
        let s = seed_with_passwords(&db);
        let (own, other) = {
            let mut c = db.conn();
            let own = named(&mut c, &s.bureau, "自家企业", COUNTY_A);
            let other = named(&mut c, &s.bureau, "别家企业", COUNTY_A);
            diesel::update(users_t::table.find(s.firm_user.user_id.unwrap()))
                .set(users_t::firm_id.eq(own.id))
                .execute(&mut c)
                .unwrap();
            (own, other)
        };
        let app = TestApp::spawn(&db);
        app.login_ok("firm_user");
        // The portal's home is about their firm; the lists of many firms are not theirs.
        let home = app.get("/");
        assert_eq!(home.status, 200);
        assert!(home.body.contains("自家企业") && !home.body.contains("别家企业"));
        assert!(home.body.contains("现在要办的事"), "{}", home.body);
        assert!(!home.body.contains("href=\"/firms\"") && !home.body.contains("href=\"/pool\""));
        assert_eq!(app.get(&format!("/firms/{}", own.id)).status, 200);
        assert_eq!(app.get(&format!("/firms/{}", other.id)).status, 404);
        assert_eq!(app.get("/firms").status, 403);
        assert_eq!(app.get("/pool").status, 403);
    }
}

/// `Scope::admits` (one firm) and the scope's SQL (lists) agree for every role on the same firms.
#[test]
fn the_scope_predicate_and_the_single_firm_check_agree() {
    for db in backends() {
        let s = seed_with_passwords(&db);
        let mut c = db.conn();
        let adv = add_user(&mut c, "adv_x", Role::Advisor, Some(COUNTY_A), None);
        let f1 = named(&mut c, &s.bureau, "f1", COUNTY_A);
        let f2 = named(&mut c, &s.bureau, "f2", COUNTY_B);
        assign(&mut c, &f2, adv);
        let _f3 = named(&mut c, &s.bureau, "f3", COUNTY_B);
        let adv_p = peiyu::app::Principal {
            user_id: Some(adv),
            role: Role::Advisor,
            county_code: Some(COUNTY_A.to_string()),
            firm_id: None,
        };
        let mut firm_p = s.firm_user.clone();
        firm_p.firm_id = Some(f1.id);
        let mut no_county = s.county_a.clone();
        no_county.county_code = None;
        let all: Vec<Firm> = firms::list(&mut c, &Default::default()).unwrap();
        for read in [false, true] {
            let settings = AccessSettings {
                advisor_county_read: read,
            };
            for p in [
                &s.admin,
                &s.bureau,
                &s.county_a,
                &s.county_b,
                &adv_p,
                &firm_p,
                &no_county,
                &s.advisor,
            ] {
                let scope = access::scope(p, &settings);
                let (rows, total) = firm_query::page(
                    &mut c,
                    &scope,
                    &FirmQuery {
                        limit: 100,
                        ..FirmQuery::default()
                    },
                )
                .unwrap();
                let mut listed: Vec<i64> = rows.iter().map(|f| f.id).collect();
                listed.sort_unstable();
                let mut admitted: Vec<i64> = all
                    .iter()
                    .filter(|f| access::firm_access(p, &settings, f) != FirmAccess::Hidden)
                    .map(|f| f.id)
                    .collect();
                admitted.sort_unstable();
                assert_eq!(listed, admitted, "{} {:?} read={read}", db.name(), p.role);
                assert_eq!(total.count, listed.len() as i64);
                assert!(!total.capped);
            }
        }
        assert_eq!(
            access::scope(&no_county, &AccessSettings::default()),
            Scope::Nothing
        );
    }
}

#[test]
fn a_page_a_role_may_not_open_is_403() {
    use peiyu::web::auth::Area;
    for role in [
        Role::Admin,
        Role::Bureau,
        Role::County,
        Role::Advisor,
        Role::Firm,
    ] {
        assert!(Area::Firms.allows(role));
        assert!(Area::Dashboard.allows(role));
        assert_eq!(Area::Admin.allows(role), role == Role::Admin);
    }
}

/// The values every menu called `name` on the page offers (empty values left out).
fn menu_values(body: &str, name: &str) -> Vec<String> {
    let mut out: Vec<String> = super::html::forms(body)
        .into_iter()
        .flat_map(|f| f.fields)
        .filter_map(|f| match f {
            super::html::Field::Select {
                name: n, options, ..
            } if n == name => Some(options),
            _ => None,
        })
        .flatten()
        .map(|(v, _)| v)
        .filter(|v| !v.is_empty())
        .collect();
    out.sort();
    out.dedup();
    out
}

#[test]
fn a_county_officers_menus_offer_their_county_its_advisors_and_its_firms_advisors() {
    for db in backends() {
        let s = seed_with_passwords(&db);
        let (a, home, away, other) = {
            let mut c = db.conn();
            let a = named(&mut c, &s.bureau, "新华区甲科技有限公司", COUNTY_A);
            let b = named(&mut c, &s.bureau, "卫东区乙科技有限公司", COUNTY_B);
            let home = add_user(&mut c, "本区辅导员", Role::Advisor, Some(COUNTY_A), None);
            let away = add_user(&mut c, "外区辅导员", Role::Advisor, Some(COUNTY_B), None);
            let other = add_user(&mut c, "他区辅导员", Role::Advisor, Some(COUNTY_B), None);
            assign(&mut c, &a, away);
            assign(&mut c, &b, other);
            (a, home, away, other)
        };
        let mut county_advisors = vec![home.to_string(), away.to_string()];
        county_advisors.sort();
        let app = TestApp::spawn(&db);
        app.login_ok("county_a");
        let pages = [
            "/firms".to_string(),
            "/pool".to_string(),
            "/issues".to_string(),
            "/agenda".to_string(),
            "/firms/new".to_string(),
            format!("/firms/{}/edit", a.id),
            format!("/firms/{}/assign", a.id),
            format!("/firms/{}/issues/new", a.id),
        ];
        for page in &pages {
            let r = app.get(page);
            assert_eq!(r.status, 200, "{page}: {}", r.body);
            for name in ["county", "county_code"] {
                let offered = menu_values(&r.body, name);
                assert!(
                    offered.iter().all(|c| c == COUNTY_A),
                    "{}: {page} offers counties {offered:?}",
                    db.name()
                );
            }
            for name in ["advisor", "advisor_id", "owner_id"] {
                let offered = menu_values(&r.body, name);
                assert!(
                    offered.is_empty() || offered == county_advisors,
                    "{}: {page} offers {name} {offered:?}, not {county_advisors:?}",
                    db.name()
                );
            }
            assert!(!r.body.contains("他区辅导员"), "{page}");
        }
        // The advisor from elsewhere is named with their county.
        let list = app.get("/firms");
        assert_eq!(
            menu_values(&list.body, "county"),
            vec![COUNTY_A.to_string()]
        );
        assert!(list.body.contains("外区辅导员（卫东区）"), "{}", list.body);
        assert!(!list.body.contains("本区辅导员（"));
        // Another county's advisor typed into the address shows nothing of that county.
        let typed = app.get(&format!("/firms?advisor={other}"));
        assert!(!typed.body.contains("卫东区乙"));
        assert_eq!(app.get(&format!("/agenda?advisor={other}")).status, 200);
        assert!(!app
            .get(&format!("/pool?county={COUNTY_B}"))
            .body
            .contains("卫东区乙"));

        // The bureau is offered everything, without counties beside the names.
        let bureau = app.other_client();
        bureau.login_ok("bureau");
        let all = bureau.get("/firms");
        assert_eq!(
            menu_values(&all.body, "county"),
            vec![COUNTY_A.to_string(), COUNTY_B.to_string()]
        );
        assert!(menu_values(&all.body, "advisor").contains(&other.to_string()));
        assert!(!all.body.contains("外区辅导员（"));
    }
}
