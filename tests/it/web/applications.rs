//! Applications through the pages, on the demo city: a firm user applies for the reserve pool,
//! the county returns it with a comment (the form keeps what was typed and says what is
//! missing beside the field), the firm resubmits, the county forwards, the bureau approves,
//! and the firm page shows the firm in the reserve pool. Territory and who decides, by URL.

use super::forms::{field_error, hidden};
use super::TestApp;
use crate::common::backends;
use chrono::Utc;
use diesel::prelude::*;
use peiyu::app::seed_demo::{seed_demo, DEMO_PASSWORD};
use peiyu::store::schema::firms as firms_t;
use peiyu::store::users::{self, NewUser};
use peiyu::store::{firms, DbConn};

fn signed_in(app: &TestApp, username: &str) -> TestApp {
    let client = app.other_client();
    let r = client.login(username, DEMO_PASSWORD);
    assert_eq!(r.status, 303, "sign in as {username}: {}", r.body);
    client
}

/// Take `action` on the application page at `href` with `extra` fields.
fn step(client: &TestApp, href: &str, action: &str, extra: &[(&str, &str)]) -> super::Resp {
    let page = client.get(href);
    assert_eq!(page.status, 200, "{}", page.body);
    let csrf = page.csrf();
    let version = hidden(&page, "version");
    let mut form = vec![
        ("_csrf", csrf.as_str()),
        ("version", version.as_str()),
        ("action", action),
    ];
    form.extend_from_slice(extra);
    client.post(href, &form)
}

fn firm_user_for(conn: &mut DbConn, firm_id: i64) -> String {
    let hash = users::find_by_username(conn, "bureau")
        .unwrap()
        .unwrap()
        .password_hash;
    let username = format!("firm{firm_id}");
    users::insert(
        conn,
        &NewUser {
            username: username.clone(),
            display_name: "企业联系人".to_string(),
            email: Some(format!("{username}@firm.example")),
            role: "firm".to_string(),
            county_code: None,
            firm_id: Some(firm_id),
            password_hash: hash,
            lang: "zh-CN".to_string(),
            active: true,
            created_at: Utc::now().naive_utc(),
        },
    )
    .unwrap();
    username
}

#[test]
fn a_firm_applies_for_the_reserve_pool_is_returned_resubmits_and_is_admitted() {
    for db in backends() {
        let mut c = db.conn();
        seed_demo(&mut c, 20_261_207, 120, peiyu::app::today()).unwrap();
        let firm_id: i64 = firms_t::table
            .filter(firms_t::stage.eq("tech_sme"))
            .filter(firms_t::next_eligible.eq(true))
            .order(firms_t::id.asc())
            .select(firms_t::id)
            .first(&mut c)
            .unwrap();
        let firm = firms::find_by_id(&mut c, firm_id).unwrap();
        let user = firm_user_for(&mut c, firm_id);
        let county_user = format!("county-{}", firm.county_code.to_lowercase());
        let other_county = if firm.county_code == "411102" {
            "county-411103"
        } else {
            "county-411102"
        };
        drop(c);
        let app = TestApp::spawn(&db);

        // The firm starts it from its page.
        let f = signed_in(&app, &user);
        let page = f.get(&format!("/firms/{firm_id}"));
        let new_href = format!("/firms/{firm_id}/applications/new");
        assert!(page.body.contains(&new_href), "offered on the firm page");
        let form = f.get(&new_href);
        assert!(form.body.contains("高新技术后备企业入库"), "{}", form.body);
        let csrf = form.csrf();
        let none = f.post(&new_href, &[("_csrf", csrf.as_str()), ("note", "请审核")]);
        assert_eq!(none.status, 400);
        assert!(field_error(&none, "target").is_some());
        assert!(none.body.contains("请审核"), "the note is kept");
        let made = f.post(
            &new_href,
            &[
                ("_csrf", csrf.as_str()),
                ("target", "reserve"),
                ("note", "请审核"),
            ],
        );
        assert_eq!(made.status, 303, "{}", made.body);
        let href = made.location.clone().unwrap();
        assert!(href.starts_with("/applications/"));

        // The portal's home asks for the documents the draft still lacks, and names them.
        let home = f.get("/");
        assert!(
            home.body.contains(
                "还缺少材料：营业执照；知识产权证书；研发费用专项审计报告；年度财务会计报告"
            ),
            "{}",
            home.body
        );
        // The documents the reserve pool asks for, uploaded from the page.
        for kind in [
            "business_licence",
            "ip_certificates",
            "rd_expense_audit",
            "annual_financial_report",
        ] {
            let csrf = f.get(&href).csrf();
            let r = f.post_multipart(
                &format!("{href}/documents"),
                &[
                    ("_csrf", None, csrf.as_bytes()),
                    ("kind", None, kind.as_bytes()),
                    (
                        "file",
                        Some("材料.pdf"),
                        &peiyu::core::document::samples::pdf(0),
                    ),
                ],
            );
            assert_eq!(r.status, 303, "{kind}: {}", r.body);
        }
        assert!(!f.get("/").body.contains("还缺少材料"), "asked no more");
        let sent = step(&f, &href, "submit", &[]);
        assert_eq!(sent.status, 303, "{}", sent.body);
        let shown = f.get(sent.location.as_deref().unwrap());
        assert!(shown.body.contains("已办理：提交申请"), "{}", shown.body);
        assert!(shown.body.contains("已提交，待县区审核"));
        // A firm user is offered no review step.
        assert!(!shown.body.contains("value=\"forward\""));

        // Another county's officer finds nothing at that address; an advisor's or firm's
        // forged decision is refused.
        let other = signed_in(&app, other_county);
        assert_eq!(other.get(&href).status, 404);
        assert!(!other.get("/applications").body.contains(&href));
        let forged = step(&f, &href, "forward", &[]);
        assert_eq!(forged.status, 409, "{}", forged.body);
        assert!(forged.body.contains("这一步不由您办理"), "{}", forged.body);

        // The county sees it in its queue and returns it; without a comment the form says so
        // beside the field and keeps the choice.
        let county = signed_in(&app, &county_user);
        let queue = county.get("/applications");
        assert!(queue.body.contains(&href), "{}", queue.body);
        assert!(queue.body.contains(&firm.name));
        let bare = step(&county, &href, "return", &[("comment", " ")]);
        assert_eq!(bare.status, 400, "{}", bare.body);
        assert!(field_error(&bare, "comment")
            .unwrap()
            .contains("请填写意见"));
        assert!(
            bare.body.contains("value=\"return\" checked"),
            "the choice is kept"
        );
        let back = step(
            &county,
            &href,
            "return",
            &[("comment", "请补充研发费用明细")],
        );
        assert_eq!(back.status, 303, "{}", back.body);

        // The portal's home asks the firm to act on it, with the comment.
        let home = f.get("/");
        assert!(
            home.body.contains("请按意见修改后重新提交")
                && home.body.contains("请补充研发费用明细"),
            "{}",
            home.body
        );

        // The firm reads the comment and resubmits; the county forwards; the bureau approves.
        let page = f.get(&href);
        assert!(page.body.contains("已退回修改") && page.body.contains("请补充研发费用明细"));
        assert_eq!(step(&f, &href, "submit", &[]).status, 303);
        assert_eq!(
            step(&county, &href, "forward", &[("comment", "同意")]).status,
            303
        );
        let bureau = signed_in(&app, "bureau");
        assert!(bureau.get("/applications").body.contains(&href));
        let ok = step(&bureau, &href, "approve", &[]);
        assert_eq!(ok.status, 303, "{}", ok.body);

        let mut c = db.conn();
        assert_eq!(firms::find_by_id(&mut c, firm_id).unwrap().stage, "reserve");
        let page = f.get(&format!("/firms/{firm_id}"));
        assert!(
            page.body.contains("纳入高新技术后备库"),
            "the timeline shows it"
        );
        assert!(
            page.body.contains("已批准"),
            "the applications section shows it"
        );
        // Both evaluations side by side on the application page.
        let shown = bureau.get(&href);
        assert!(shown.body.contains("提交时") && shown.body.contains("现在"));
    }
}

#[test]
fn nominations_through_the_pages_say_which_succeeded_and_which_failed() {
    let db = crate::common::TestDb::sqlite();
    let mut c = db.conn();
    seed_demo(&mut c, 20_261_207, 200, peiyu::app::today()).unwrap();
    let pick = |c: &mut DbConn, county: &str, eligible: bool| -> Option<(i64, String)> {
        firms_t::table
            .filter(firms_t::stage.eq("tech_sme"))
            .filter(firms_t::next_eligible.eq(eligible))
            .filter(firms_t::county_code.eq(county))
            .order(firms_t::id.asc())
            .select((firms_t::id, firms_t::name))
            .first(c)
            .ok()
    };
    // A county with a tech-SME ready for the reserve and one that is not.
    let counties: Vec<String> = firms_t::table
        .select(firms_t::county_code)
        .distinct()
        .load(&mut c)
        .unwrap();
    let (county_code, (good, good_name), (bad, bad_name)) = counties
        .iter()
        .find_map(|k| Some((k.clone(), pick(&mut c, k, true)?, pick(&mut c, k, false)?)))
        .expect("a county with both kinds");
    drop(c);
    let app = TestApp::spawn(&db);
    let county = signed_in(&app, &format!("county-{}", county_code.to_lowercase()));
    let page = county.get("/nominations");
    assert_eq!(page.status, 200);
    assert!(
        page.body.contains(&format!("name=\"pick_{good}\"")),
        "a candidate"
    );
    let csrf = page.csrf();
    let (g, b) = (format!("pick_{good}"), format!("pick_{bad}"));
    let (gn, bn) = (format!("note_{good}"), format!("note_{bad}"));
    let none = county.post(
        "/nominations",
        &[("_csrf", csrf.as_str()), (gn.as_str(), "好")],
    );
    assert_eq!(none.status, 400, "nothing ticked");
    let done = county.post(
        "/nominations",
        &[
            ("_csrf", csrf.as_str()),
            (g.as_str(), "1"),
            (gn.as_str(), "研发投入高"),
            (b.as_str(), "1"),
            (bn.as_str(), "潜力大"),
        ],
    );
    assert_eq!(done.status, 303, "{}", done.body);
    let page = county.get(done.location.as_deref().unwrap());
    assert!(page.body.contains("已提名 2 家企业"), "{}", page.body);

    let bureau = signed_in(&app, "bureau");
    let page = bureau.get("/nominations");
    assert!(page.body.contains("研发投入高") && page.body.contains(&bad_name));
    let ids: Vec<String> = page
        .body
        .match_indices("name=\"decision_")
        .map(|(i, _)| {
            let rest = &page.body[i + "name=\"decision_".len()..];
            rest[..rest.find('"').unwrap()].to_string()
        })
        .collect();
    let mut form: Vec<(String, String)> = vec![("_csrf".into(), page.csrf())];
    for id in ids.iter().collect::<std::collections::BTreeSet<_>>() {
        form.push((format!("decision_{id}"), "confirm".into()));
    }
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let r = bureau.post("/nominations/decide", &form);
    assert_eq!(r.status, 409, "one failed: {}", r.body);
    assert!(
        r.body
            .contains(&format!("{good_name}：已纳入高新技术后备库")),
        "{}",
        r.body
    );
    assert!(
        r.body.contains(&format!("{bad_name}：未能处理")),
        "{}",
        r.body
    );
    let mut c = db.conn();
    assert_eq!(firms::find_by_id(&mut c, good).unwrap().stage, "reserve");
    assert_eq!(firms::find_by_id(&mut c, bad).unwrap().stage, "tech_sme");
}
