//! The firm, yearly-figure and IP forms: errors beside the fields, values kept, nothing
//! written on error, stale forms refused, territory and CSRF enforced.

use super::{seed_with_passwords, Resp, TestApp};
use crate::common::{backends, next_uscc, FirmBuilder, COUNTY_A, COUNTY_B};
use chrono::Utc;
use peiyu::app::firms::derived::derive;
use peiyu::store::firms::{self, FirmChanges};
use peiyu::store::{profile, settings, years, DbConn};

/// The value of the hidden `name` field of the page's form.
pub fn hidden(r: &Resp, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = r
        .body
        .find(&marker)
        .unwrap_or_else(|| panic!("no {name} field in {}", r.body))
        + marker.len();
    let end = r.body[start..].find('"').unwrap() + start;
    r.body[start..end].to_string()
}

/// The text of the error beside field `name`, if any.
pub fn field_error(r: &Resp, name: &str) -> Option<String> {
    let marker = format!("id=\"f-{name}-err\">");
    let start = r.body.find(&marker)? + marker.len();
    let end = r.body[start..].find("</strong>")? + start;
    Some(r.body[start..end].to_string())
}

fn firm_count(conn: &mut DbConn) -> i64 {
    firms::count(conn).unwrap()
}

#[test]
fn a_bad_uscc_is_shown_beside_its_field_in_chinese_and_nothing_is_written() {
    for db in backends() {
        seed_with_passwords(&db);
        let app = TestApp::spawn(&db);
        app.login_ok("bureau");
        let form = app.get("/firms/new");
        assert_eq!(form.status, 200, "{}", form.body);
        let good = next_uscc();
        let last = good.chars().last().unwrap();
        let wrong = if last == '0' { '1' } else { '0' };
        let bad = format!("{}{wrong}", &good[..17]);
        let csrf = form.csrf();
        let post = |uscc: &str| {
            app.post(
                "/firms/new",
                &[
                    ("_csrf", csrf.as_str()),
                    ("uscc", uscc),
                    ("name", "平顶山市表单科技有限公司"),
                    ("county_code", COUNTY_A),
                    ("employees", "50"),
                    ("tech_staff", "abc"),
                    ("key_field", "yes"),
                ],
            )
        };
        let r = post(&bad);
        assert_eq!(r.status, 400, "{}: {}", db.name(), r.body);
        let err = field_error(&r, "uscc").expect("an error beside the USCC");
        assert!(err.contains("校验位"), "{err}");
        assert!(
            field_error(&r, "tech_staff").is_some(),
            "every problem is shown"
        );
        assert!(field_error(&r, "name").is_none());
        assert!(
            r.body.contains(&format!("value=\"{bad}\"")),
            "the typed USCC is kept"
        );
        assert!(r.body.contains("value=\"平顶山市表单科技有限公司\""));
        assert!(
            r.body.contains("value=\"yes\" selected"),
            "the yes/no choice is kept"
        );
        assert_eq!(firm_count(&mut db.conn()), 0, "nothing written");

        let csrf = csrf.clone();
        let ok = app.post(
            "/firms/new",
            &[
                ("_csrf", csrf.as_str()),
                ("uscc", good.as_str()),
                ("name", "平顶山市表单科技有限公司"),
                ("county_code", COUNTY_A),
                ("employees", "50"),
                ("tech_staff", "8"),
                ("key_field", "yes"),
            ],
        );
        assert_eq!(ok.status, 303, "{}", ok.body);
        let back = ok.location.unwrap();
        assert!(back.ends_with("?done=firm_created"), "{back}");
        let id: i64 = back
            .trim_end_matches("?done=firm_created")
            .rsplit('/')
            .next()
            .unwrap()
            .parse()
            .unwrap();
        let f = firms::find_by_id(&mut db.conn(), id).unwrap();
        assert_eq!((f.uscc.as_str(), f.tech_staff), (good.as_str(), Some(8)));
        assert_eq!(f.parsed_facts().unwrap().flags.key_field, Some(true));

        // The same USCC again: beside the field, as a duplicate.
        let dup = app.post(
            "/firms/new",
            &[
                ("_csrf", csrf.as_str()),
                ("uscc", good.as_str()),
                ("name", "另一家"),
                ("county_code", COUNTY_A),
            ],
        );
        assert_eq!(dup.status, 409);
        assert!(field_error(&dup, "uscc").unwrap().contains("已存在"));
        assert_eq!(firm_count(&mut db.conn()), 1);
    }
}

#[test]
fn yearly_figures_are_checked_then_stored_in_fen_and_readiness_recomputed() {
    for db in backends() {
        let s = seed_with_passwords(&db);
        let firm = FirmBuilder::new().create(&mut db.conn(), &s.bureau);
        let app = TestApp::spawn(&db);
        app.login_ok("county_a");
        let form = app.get(&format!("/firms/{}/years?year=2024", firm.id));
        assert_eq!(form.status, 200, "{}", form.body);
        assert!(form.body.contains("万元"), "the unit is labelled");
        let csrf = form.csrf();
        let version = hidden(&form, "version");
        let path = format!("/firms/{}/years", firm.id);
        let post = |revenue: &str| {
            app.post(
                &path,
                &[
                    ("_csrf", csrf.as_str()),
                    ("version", version.as_str()),
                    ("year", "2024"),
                    ("revenue", revenue),
                    ("rd_expense", "300.25"),
                    ("high_tech_revenue", "3,000"),
                    ("total_assets", "9000"),
                    ("net_assets", "-12.5"),
                    ("conversions", "3"),
                ],
            )
        };
        let r = post("-4800");
        assert_eq!(r.status, 400, "{}", r.body);
        assert!(
            field_error(&r, "revenue").unwrap().contains("不能为负数"),
            "{}",
            r.body
        );
        assert!(r.body.contains("value=\"-4800\""));
        assert!(r.body.contains("value=\"300.25\""));
        assert!(years::list_for_firm(&mut db.conn(), firm.id)
            .unwrap()
            .is_empty());
        assert_eq!(
            firms::find_by_id(&mut db.conn(), firm.id).unwrap().version,
            firm.version
        );

        let ok = post("4800.000001");
        assert_eq!(ok.status, 303, "{}", ok.body);
        let mut c = db.conn();
        let rows = years::list_for_firm(&mut c, firm.id).unwrap();
        assert_eq!(rows.len(), 1);
        let y = &rows[0];
        assert_eq!(y.revenue, Some(4_800_000_001));
        assert_eq!(y.rd_expense, Some(300_250_000));
        assert_eq!(y.high_tech_revenue, Some(3_000_000_000));
        assert_eq!(y.net_assets, Some(-12_500_000));
        assert_eq!(y.conversions, Some(3));
        let after = firms::find_by_id(&mut c, firm.id).unwrap();
        assert_eq!(after.version, firm.version + 1);
        let prof = profile::load_profile(&mut c, firm.id).unwrap();
        let t = settings::thresholds(&mut c).unwrap();
        let expect = derive(
            after.current_stage().unwrap(),
            &prof,
            &t,
            peiyu::app::today(),
            Utc::now().naive_utc(),
        );
        assert_eq!(
            (after.readiness, after.next_eligible),
            (expect.readiness, expect.next_eligible)
        );
        assert!(after.evaluated_at > firm.evaluated_at);

        // The form reopens with the stored amounts in 万元.
        let again = app.get(&format!("/firms/{}/years?year=2024", firm.id));
        assert!(
            again.body.contains("value=\"4800.000001\""),
            "{}",
            again.body
        );
        assert!(again.body.contains("value=\"-12.5\""));
    }
}

#[test]
fn a_stale_form_shows_the_conflict_and_overwrites_nothing() {
    for db in backends() {
        let s = seed_with_passwords(&db);
        let firm = FirmBuilder::new().create(&mut db.conn(), &s.bureau);
        let app = TestApp::spawn(&db);
        app.login_ok("bureau");
        let form = app.get(&format!("/firms/{}/edit", firm.id));
        assert_eq!(form.status, 200, "{}", form.body);
        let csrf = form.csrf();
        let version = hidden(&form, "version");
        let year_form = app.get(&format!("/firms/{}/years?year=2024", firm.id));
        let year_version = hidden(&year_form, "version");

        // Someone else saves in between.
        {
            let mut c = db.conn();
            let changes = FirmChanges {
                name: Some("他人修改的名称".to_string()),
                ..FirmChanges::default()
            };
            firms::update_with_version(
                &mut c,
                firm.id,
                firm.version,
                &changes,
                Utc::now().naive_utc(),
            )
            .unwrap();
        }
        let r = app.post(
            &format!("/firms/{}/edit", firm.id),
            &[
                ("_csrf", csrf.as_str()),
                ("version", version.as_str()),
                ("name", "我的修改"),
                ("county_code", COUNTY_A),
                ("employees", "10"),
            ],
        );
        assert_eq!(r.status, 409, "{}", r.body);
        assert!(
            r.body.contains("该企业已被他人修改，请刷新后重试"),
            "{}",
            r.body
        );
        assert!(
            r.body.contains("value=\"我的修改\""),
            "typed values are kept"
        );
        let now = firms::find_by_id(&mut db.conn(), firm.id).unwrap();
        assert_eq!(now.name, "他人修改的名称");
        assert_eq!(now.version, firm.version + 1);

        let y = app.post(
            &format!("/firms/{}/years", firm.id),
            &[
                ("_csrf", csrf.as_str()),
                ("version", year_version.as_str()),
                ("year", "2024"),
                ("revenue", "100"),
            ],
        );
        assert_eq!(y.status, 409);
        assert!(y.body.contains("该企业已被他人修改"));
        assert!(years::list_for_firm(&mut db.conn(), firm.id)
            .unwrap()
            .is_empty());

        // A fresh form saves.
        let fresh = app.get(&format!("/firms/{}/edit", firm.id));
        let ok = app.post(
            &format!("/firms/{}/edit", firm.id),
            &[
                ("_csrf", csrf.as_str()),
                ("version", hidden(&fresh, "version").as_str()),
                ("name", "我的修改"),
                ("county_code", COUNTY_A),
            ],
        );
        assert_eq!(ok.status, 303, "{}", ok.body);
        assert_eq!(
            firms::find_by_id(&mut db.conn(), firm.id).unwrap().name,
            "我的修改"
        );
    }
}

#[test]
fn a_county_officer_cannot_edit_another_countys_firm_and_posts_need_csrf() {
    for db in backends() {
        let s = seed_with_passwords(&db);
        let other = FirmBuilder::new()
            .county(COUNTY_B)
            .create(&mut db.conn(), &s.bureau);
        let own = FirmBuilder::new()
            .county(COUNTY_A)
            .create(&mut db.conn(), &s.bureau);
        let app = TestApp::spawn(&db);
        app.login_ok("county_a");
        for path in ["edit", "years", "ip/new", "whatif", "actions/exit"] {
            let r = app.get(&format!("/firms/{}/{path}", other.id));
            assert_eq!(r.status, 404, "{path}: {}", r.body);
        }
        let csrf = app.get(&format!("/firms/{}/edit", own.id)).csrf();
        let r = app.post(
            &format!("/firms/{}/edit", other.id),
            &[
                ("_csrf", csrf.as_str()),
                ("version", &other.version.to_string()),
                ("name", "越权修改"),
                ("county_code", COUNTY_B),
            ],
        );
        assert_eq!(r.status, 404);
        assert_eq!(
            firms::find_by_id(&mut db.conn(), other.id).unwrap().name,
            other.name
        );
        // Moving its own firm out of the county is refused beside the field.
        let form = app.get(&format!("/firms/{}/edit", own.id));
        let moved = app.post(
            &format!("/firms/{}/edit", own.id),
            &[
                ("_csrf", csrf.as_str()),
                ("version", hidden(&form, "version").as_str()),
                ("name", "新名称"),
                ("county_code", COUNTY_B),
            ],
        );
        assert_eq!(moved.status, 400, "{}", moved.body);
        assert!(field_error(&moved, "county_code").is_some());

        // No token, or a wrong one: 403 and nothing written.
        for token in [None, Some("forged")] {
            let mut form: Vec<(&str, &str)> = vec![
                ("version", "1"),
                ("name", "无令牌"),
                ("county_code", COUNTY_A),
            ];
            if let Some(t) = token {
                form.push(("_csrf", t));
            }
            assert_eq!(
                app.post(&format!("/firms/{}/edit", own.id), &form).status,
                403
            );
            assert_eq!(app.post("/firms/new", &form).status, 403);
            assert_eq!(
                app.post(&format!("/firms/{}/years", own.id), &form).status,
                403
            );
            assert_eq!(
                app.post(&format!("/firms/{}/actions/exit", own.id), &form)
                    .status,
                403
            );
        }
        assert_eq!(
            firms::find_by_id(&mut db.conn(), own.id).unwrap().version,
            own.version
        );
        // Advisors (not assigned) may not open the form: the firm is outside their scope.
        let adv = app.other_client();
        adv.login_ok("advisor");
        assert_eq!(adv.get(&format!("/firms/{}/edit", own.id)).status, 404);
        assert_eq!(adv.get("/firms/new").status, 403);
    }
}

#[test]
fn ip_items_are_added_through_the_form() {
    for db in backends() {
        let s = seed_with_passwords(&db);
        let firm = FirmBuilder::new().create(&mut db.conn(), &s.bureau);
        let app = TestApp::spawn(&db);
        app.login_ok("bureau");
        let form = app.get(&format!("/firms/{}/ip/new", firm.id));
        assert_eq!(form.status, 200, "{}", form.body);
        let csrf = form.csrf();
        let version = hidden(&form, "version");
        let path = format!("/firms/{}/ip/new", firm.id);
        let bad = app.post(
            &path,
            &[
                ("_csrf", csrf.as_str()),
                ("version", version.as_str()),
                ("kind", "invention_patent"),
                ("number", ""),
                ("acquisition", "own"),
                ("granted_on", "2024-13-01"),
            ],
        );
        assert_eq!(bad.status, 400);
        assert!(field_error(&bad, "number").is_some());
        assert!(field_error(&bad, "granted_on").is_some());
        let ok = app.post(
            &path,
            &[
                ("_csrf", csrf.as_str()),
                ("version", version.as_str()),
                ("kind", "invention_patent"),
                ("number", "ZL202410000001.1"),
                ("title", "一种测试方法"),
                ("acquisition", "own"),
                ("granted_on", "2024-03-01"),
                ("used_in_hte", "no"),
            ],
        );
        assert_eq!(ok.status, 303, "{}", ok.body);
        let page = app.get(&format!("/firms/{}", firm.id));
        assert!(page.body.contains("发明专利: 1"), "{}", page.body);
    }
}

#[test]
fn figures_and_ip_show_the_use_cases_checks_with_the_forms_own_all_at_once() {
    for db in backends() {
        let s = seed_with_passwords(&db);
        let firm = FirmBuilder::new().create(&mut db.conn(), &s.bureau);
        let app = TestApp::spawn(&db);
        app.login_ok("bureau");
        let form = app.get(&format!("/firms/{}/years", firm.id));
        let csrf = form.csrf();
        let version = hidden(&form, "version");
        let next_year = (chrono::Datelike::year(&peiyu::app::today()) + 1).to_string();
        let r = app.post(
            &format!("/firms/{}/years", firm.id),
            &[
                ("_csrf", csrf.as_str()),
                ("version", version.as_str()),
                ("year", next_year.as_str()),
                ("revenue", "1000"),
                ("rd_expense", "100"),
                ("rd_expense_domestic", "200"),
                ("high_tech_revenue", "2000"),
                ("total_cost", "abc"),
            ],
        );
        assert_eq!(r.status, 400, "{}", r.body);
        for field in [
            "year",
            "rd_expense_domestic",
            "high_tech_revenue",
            "total_cost",
        ] {
            assert!(field_error(&r, field).is_some(), "{field}: {}", r.body);
        }
        assert!(field_error(&r, "revenue").is_none());
        assert!(r.body.contains("value=\"abc\"") && r.body.contains("value=\"200\""));

        let tomorrow = (peiyu::app::today() + chrono::Days::new(1)).to_string();
        let r = app.post(
            &format!("/firms/{}/ip/new", firm.id),
            &[
                ("_csrf", csrf.as_str()),
                ("version", version.as_str()),
                ("kind", "invention_patent"),
                ("number", " "),
                ("title", "一种测试方法"),
                ("acquisition", "own"),
                ("granted_on", tomorrow.as_str()),
            ],
        );
        assert_eq!(r.status, 400, "{}", r.body);
        assert!(field_error(&r, "number").is_some(), "{}", r.body);
        assert!(field_error(&r, "granted_on").unwrap().contains(&tomorrow));
        assert!(r.body.contains("value=\"一种测试方法\""));
        let after = firms::find_by_id(&mut db.conn(), firm.id).unwrap();
        assert_eq!(after.version, firm.version, "nothing written");
    }
}

/// The text of the error beside the admin page's field `id` (`invite-email`, `token-name`).
fn admin_error(r: &Resp, id: &str) -> Option<String> {
    let marker = format!("id=\"{id}-err\">");
    let start = r.body.find(&marker)? + marker.len();
    let end = r.body[start..].find("</strong>")? + start;
    Some(r.body[start..end].to_string())
}

#[test]
fn the_invitation_and_token_forms_show_every_problem_and_keep_what_was_typed() {
    for db in backends() {
        seed_with_passwords(&db);
        let app = TestApp::spawn(&db);
        app.login_ok("admin");
        let csrf = app.get("/admin/users").csrf();
        let accounts = peiyu::store::users::list(&mut db.conn()).unwrap().len();
        let r = app.post(
            "/admin/users",
            &[
                ("_csrf", csrf.as_str()),
                ("username", ""),
                ("display_name", "新来的区县专员"),
                ("email", "not-an-address"),
                ("role", "county"),
                ("county", ""),
            ],
        );
        assert_eq!(r.status, 400, "{}", r.body);
        for field in ["invite-username", "invite-email", "invite-county"] {
            assert!(admin_error(&r, field).is_some(), "{field}: {}", r.body);
        }
        assert!(r.body.contains("value=\"新来的区县专员\""));
        assert!(r.body.contains("value=\"not-an-address\""));
        assert!(r.body.contains("<option value=\"county\" selected>"));

        let r = app.post(
            "/admin/tokens",
            &[("_csrf", csrf.as_str()), ("username", ""), ("name", "")],
        );
        assert_eq!(r.status, 400, "{}", r.body);
        assert!(admin_error(&r, "token-username").is_some());
        assert!(admin_error(&r, "token-name").is_some());
        let r = app.post(
            "/admin/tokens",
            &[
                ("_csrf", csrf.as_str()),
                ("username", "nobody_here"),
                ("name", "报表同步"),
            ],
        );
        assert_eq!(r.status, 400, "{}", r.body);
        assert!(admin_error(&r, "token-username")
            .unwrap()
            .contains("nobody_here"));
        assert!(r.body.contains("value=\"报表同步\"") && r.body.contains("value=\"nobody_here\""));
        assert_eq!(
            peiyu::store::users::list(&mut db.conn()).unwrap().len(),
            accounts,
            "nobody invited"
        );
        assert!(peiyu::store::tokens::list(&mut db.conn())
            .unwrap()
            .is_empty());
    }
}

#[test]
fn a_firm_user_changes_and_removes_an_ip_item_and_the_audit_keeps_what_was_there() {
    for db in backends() {
        let s = seed_with_passwords(&db);
        let firm = FirmBuilder::new().create(&mut db.conn(), &s.bureau);
        let other = FirmBuilder::new().create(&mut db.conn(), &s.bureau);
        {
            use diesel::prelude::*;
            use peiyu::store::schema::users as users_t;
            diesel::update(users_t::table.find(s.firm_user.user_id.unwrap()))
                .set(users_t::firm_id.eq(firm.id))
                .execute(&mut db.conn())
                .unwrap();
        }
        let add = |firm_id: i64, number: &str| {
            peiyu::app::add_ip(
                &mut db.conn(),
                firm_id,
                peiyu::app::NewIpInput {
                    kind: peiyu::app::model::IpKind::InventionPatent,
                    number: number.to_string(),
                    title: "一种装置".to_string(),
                    granted_on: None,
                    acquisition: peiyu::app::model::Acquisition::Own,
                    used_in_hte: false,
                },
                &s.bureau,
            )
            .unwrap()
        };
        let item = add(firm.id, "ZL202310000001.1");
        let foreign = add(other.id, "ZL202310000002.1");
        let app = TestApp::spawn(&db);
        app.login_ok("firm_user");

        // The firm page lists the item with its controls; the form shows its values.
        let page = app.get(&format!("/firms/{}", firm.id));
        let edit = format!("/firms/{}/ip/new?item={item}", firm.id);
        assert!(page.body.contains(&edit.replace('&', "&amp;")) || page.body.contains(&edit));
        let form = app.get(&edit);
        assert_eq!(form.status, 200, "{}", form.body);
        assert!(form.body.contains("ZL202310000001.1"));
        // Another firm's item by its id is not there.
        assert_eq!(
            app.get(&format!("/firms/{}/ip/new?item={foreign}", firm.id))
                .status,
            404
        );
        let csrf = form.csrf();
        let version = hidden(&form, "version");
        let changed = app.post(
            &edit,
            &[
                ("_csrf", csrf.as_str()),
                ("version", version.as_str()),
                ("kind", "invention_patent"),
                ("number", "ZL202310000001.X"),
                ("title", "一种改进的装置"),
                ("acquisition", "own"),
                ("used_in_hte", "no"),
            ],
        );
        assert_eq!(changed.status, 303, "{}", changed.body);
        let items = peiyu::store::ip::list_for_firm(&mut db.conn(), firm.id).unwrap();
        assert_eq!(items.len(), 1);
        assert_eq!(items[0].number, "ZL202310000001.X");

        let page = app.get(&format!("/firms/{}", firm.id));
        let version = peiyu::store::firms::find_by_id(&mut db.conn(), firm.id)
            .unwrap()
            .version
            .to_string();
        assert!(page
            .body
            .contains(&format!("name=\"version\" value=\"{version}\"")));
        let item_s = item.to_string();
        let removed = app.post(
            &format!("/firms/{}/ip/remove", firm.id),
            &[
                ("_csrf", page.csrf().as_str()),
                ("version", version.as_str()),
                ("item", item_s.as_str()),
            ],
        );
        assert_eq!(removed.status, 303, "{}", removed.body);
        assert!(peiyu::store::ip::list_for_firm(&mut db.conn(), firm.id)
            .unwrap()
            .is_empty());
        // The audit keeps what was there, before and after each change.
        let audits = peiyu::store::audit::list_for_entity(&mut db.conn(), "firm", firm.id).unwrap();
        let update = audits.iter().find(|a| a.action == "update_ip").unwrap();
        assert!(
            update.detail.contains("ZL202310000001.1")
                && update.detail.contains("ZL202310000001.X")
        );
        let remove = audits.iter().find(|a| a.action == "remove_ip").unwrap();
        assert!(remove.detail.contains("一种改进的装置"));
        // Removing the other firm's item through this firm's address finds nothing.
        let foreign_s = foreign.to_string();
        let page = app.get(&format!("/firms/{}", firm.id));
        let version = peiyu::store::firms::find_by_id(&mut db.conn(), firm.id)
            .unwrap()
            .version
            .to_string();
        let r = app.post(
            &format!("/firms/{}/ip/remove", firm.id),
            &[
                ("_csrf", page.csrf().as_str()),
                ("version", version.as_str()),
                ("item", foreign_s.as_str()),
            ],
        );
        assert_eq!(r.status, 404);
        assert_eq!(
            peiyu::store::ip::list_for_firm(&mut db.conn(), other.id)
                .unwrap()
                .len(),
            1
        );
    }
}

#[test]
fn both_invitation_forms_show_what_only_the_database_knows_all_at_once() {
    for db in backends() {
        seed_with_passwords(&db);
        let app = TestApp::spawn(&db);
        app.login_ok("admin");
        let csrf = app.get("/admin/users").csrf();
        let accounts = peiyu::store::users::list(&mut db.conn()).unwrap().len();
        // A taken username and an unknown county, in one answer.
        let r = app.post(
            "/admin/users",
            &[
                ("_csrf", csrf.as_str()),
                ("username", "bureau"),
                ("display_name", "新专员"),
                ("email", "new@example.com"),
                ("role", "county"),
                ("county", "999999"),
            ],
        );
        assert_eq!(r.status, 400, "{}", r.body);
        assert!(admin_error(&r, "invite-username")
            .unwrap()
            .contains("bureau"));
        assert!(admin_error(&r, "invite-county").unwrap().contains("999999"));
        // The firm-user form: a taken username and an unknown firm, in one answer.
        let form = app.get("/firm-users");
        let r = app.post(
            "/firm-users",
            &[
                ("_csrf", form.csrf().as_str()),
                ("firm_uscc", "91411100MA00000000"),
                ("username", "admin"),
                ("display_name", "企业联系人"),
                ("email", "contact@firm.example"),
            ],
        );
        assert_eq!(r.status, 400, "{}", r.body);
        assert!(admin_error(&r, "invite-username").is_some(), "{}", r.body);
        assert!(admin_error(&r, "invite-firm_uscc").is_some(), "{}", r.body);
        assert!(r.body.contains("value=\"企业联系人\""));
        assert_eq!(
            peiyu::store::users::list(&mut db.conn()).unwrap().len(),
            accounts,
            "nothing written"
        );
    }
}
