//! Stage actions from the firm page, and the what-if page.

use super::forms::{field_error, hidden};
use super::{seed_with_passwords, TestApp};
use crate::common::{backends, FirmBuilder};
use chrono::{Datelike, Days};
use peiyu::store::{events, firms};

#[test]
fn the_bureau_certifies_high_tech_with_confirmation_and_the_timeline_shows_it() {
    for db in backends() {
        let s = seed_with_passwords(&db);
        let firm = FirmBuilder::new().create(&mut db.conn(), &s.bureau);
        let app = TestApp::spawn(&db);
        app.login_ok("bureau");
        let page = app.get(&format!("/firms/{}", firm.id));
        let href = format!("/firms/{}/actions/certify_high_tech", firm.id);
        assert!(page.body.contains(&href), "the action is offered");
        assert!(
            !page.body.contains("actions/recognize_leader"),
            "only events possible from the stage"
        );
        let form = app.get(&href);
        assert_eq!(form.status, 200, "{}", form.body);
        let csrf = form.csrf();
        let version = hidden(&form, "version");
        let issued = peiyu::app::today().checked_sub_days(Days::new(1)).unwrap();
        let cert_no = format!("GR{}41000123", issued.year());
        let issued_s = issued.to_string();
        let mut fields = vec![
            ("_csrf", csrf.as_str()),
            ("version", version.as_str()),
            ("cert_no", cert_no.as_str()),
            ("issued_on", issued_s.as_str()),
        ];
        let unconfirmed = app.post(&href, &fields);
        assert_eq!(unconfirmed.status, 400);
        assert!(field_error(&unconfirmed, "confirm")
            .unwrap()
            .contains("我确认"));
        assert!(unconfirmed.body.contains(&format!("value=\"{cert_no}\"")));
        assert_eq!(events::count_for_firm(&mut db.conn(), firm.id).unwrap(), 0);

        fields.push(("confirm", "yes"));
        let done = app.post(&href, &fields);
        assert_eq!(done.status, 303, "{}", done.body);
        assert_eq!(
            done.location.as_deref(),
            Some(format!("/firms/{}?done=event_done#timeline", firm.id).as_str())
        );
        let f = firms::find_by_id(&mut db.conn(), firm.id).unwrap();
        assert_eq!(f.stage, "high_tech");
        // The page it goes back to says that it happened.
        let page = app.get(&format!("/firms/{}?done=event_done", firm.id));
        assert!(
            page.body
                .contains("<p class=\"notice\" role=\"status\">阶段操作已完成"),
            "{}",
            page.body
        );
        assert!(page.body.contains("认定为高新技术企业"), "{}", page.body);
        assert!(page.body.contains(&cert_no));

        // The same form again is stale now.
        let stale = app.post(&href, &fields);
        assert_eq!(stale.status, 409);
        assert!(stale.body.contains("该企业已被他人修改，请刷新后重试"));
        assert_eq!(events::count_for_firm(&mut db.conn(), firm.id).unwrap(), 1);
    }
}

#[test]
fn an_illegal_action_shows_the_cores_reasons_in_both_languages_and_changes_nothing() {
    for db in backends() {
        let s = seed_with_passwords(&db);
        let firm = FirmBuilder::new().create(&mut db.conn(), &s.bureau);
        let app = TestApp::spawn(&db);
        app.login_ok("bureau");
        let href = format!("/firms/{}/actions/admit_to_reserve", firm.id);
        let form = app.get(&href);
        let csrf = form.csrf();
        let version = hidden(&form, "version");
        let fields = [
            ("_csrf", csrf.as_str()),
            ("version", version.as_str()),
            ("confirm", "yes"),
        ];
        let r = app.post(&href, &fields);
        assert_eq!(r.status, 409, "{}", r.body);
        assert!(
            r.body
                .contains("处于“培育对象”阶段的企业不能“纳入高新技术后备库”"),
            "{}",
            r.body
        );
        app.get("/lang/en?next=/");
        let en = app.post(&href, &fields);
        assert_eq!(en.status, 409);
        assert!(
            en.body.contains("a firm in stage prospect cannot"),
            "{}",
            en.body
        );

        // A malformed certificate number: the core says why.
        let cert = format!("/firms/{}/actions/certify_high_tech", firm.id);
        let bad = app.post(
            &cert,
            &[
                ("_csrf", csrf.as_str()),
                ("version", version.as_str()),
                ("cert_no", "XX123"),
                ("issued_on", "2024-01-05"),
                ("confirm", "yes"),
            ],
        );
        assert_eq!(bad.status, 409);
        assert!(bad.body.contains("XX123"), "{}", bad.body);
        let f = firms::find_by_id(&mut db.conn(), firm.id).unwrap();
        assert_eq!((f.stage.as_str(), f.version), ("prospect", firm.version));
        assert_eq!(events::count_for_firm(&mut db.conn(), firm.id).unwrap(), 0);

        // County officers are offered only their events; advisors none, and cannot open one.
        let county = app.other_client();
        county.login_ok("county_a");
        let page = county.get(&format!("/firms/{}", firm.id));
        assert!(page.body.contains("actions/exit"));
        assert!(!page.body.contains("actions/certify_high_tech"));
    }
}

#[test]
fn what_if_changes_the_verdict_without_writing_anything() {
    for db in backends() {
        let s = seed_with_passwords(&db);
        let firm = FirmBuilder::new().create(&mut db.conn(), &s.bureau);
        let app = TestApp::spawn(&db);
        app.login_ok("county_a");
        let plain = app.get(&format!("/firms/{}/whatif", firm.id));
        assert_eq!(plain.status, 200, "{}", plain.body);
        let cell = |body: &str, id: &str| {
            let m = format!("id=\"{id}\">");
            let start = body.find(&m).unwrap() + m.len();
            body[start..start + body[start..].find("</td>").unwrap()].to_string()
        };
        let today = cell(&plain.body, "today-verdict");
        let r = app.get(&format!(
            "/firms/{}/whatif?employees=1200&revenue=",
            firm.id
        ));
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(cell(&r.body, "today-verdict"), today);
        let changed = cell(&r.body, "changed-verdict");
        assert!(changed.contains("不符合"), "{changed}");
        assert_ne!(changed, today);
        assert!(r.body.contains("value=\"1200\""));
        assert!(
            r.body.contains("职工 1200 人"),
            "Chinese actual: {}",
            r.body
        );
        assert!(!r.body.contains("1200 staff"), "no English actual");
        let bad = app.get(&format!("/firms/{}/whatif?revenue=abc", firm.id));
        assert!(field_error(&bad, "revenue").is_some());
        let after = firms::find_by_id(&mut db.conn(), firm.id).unwrap();
        assert_eq!(after.version, firm.version, "nothing written");
        assert_eq!(after.employees, Some(120));
    }
}

#[test]
fn a_stage_action_shows_every_problem_beside_its_field_on_the_first_submit() {
    for db in backends() {
        let s = seed_with_passwords(&db);
        let firm = FirmBuilder::new().create(&mut db.conn(), &s.bureau);
        let app = TestApp::spawn(&db);
        app.login_ok("bureau");
        let href = format!("/firms/{}/actions/certify_high_tech", firm.id);
        let form = app.get(&href);
        let csrf = form.csrf();
        let version = hidden(&form, "version");
        // A malformed number, a date in the future and no confirmation, all at once.
        let future = (peiyu::app::today() + Days::new(30)).to_string();
        let r = app.post(
            &href,
            &[
                ("_csrf", csrf.as_str()),
                ("version", version.as_str()),
                ("cert_no", "xx123"),
                ("issued_on", future.as_str()),
            ],
        );
        assert_eq!(r.status, 400, "{}", r.body);
        let cert = field_error(&r, "cert_no").expect("beside the number");
        assert!(
            cert.contains("XX123") && cert.contains("格式不正确"),
            "{cert}"
        );
        let issued = field_error(&r, "issued_on").expect("beside the date");
        assert!(
            issued.contains(&future) && issued.contains("晚于今天"),
            "{issued}"
        );
        assert!(field_error(&r, "confirm").unwrap().contains("我确认"));
        assert!(r.body.contains("value=\"xx123\""), "the number as typed");
        assert!(r.body.contains(&format!("value=\"{future}\"")));

        // The firm's stage and the missing reason: the stage at the top, the reason beside
        // its field, the confirmation beside the box; what was typed stays.
        let leave = format!("/firms/{}/actions/leave_reserve", firm.id);
        let r = app.post(
            &leave,
            &[
                ("_csrf", csrf.as_str()),
                ("version", version.as_str()),
                ("reason", " "),
            ],
        );
        assert_eq!(r.status, 400, "{}", r.body);
        let top = &r.body[r.body.find("class=\"form-error\"").expect("a summary")..];
        let top = &top[..top.find("</div>").unwrap()];
        assert!(top.contains("不能“移出后备库”"), "{top}");
        assert!(
            !top.contains("请填写原因"),
            "the reason stands beside its field: {top}"
        );
        assert_eq!(field_error(&r, "reason").as_deref(), Some("请填写原因"));
        assert!(field_error(&r, "confirm").is_some());

        // A year that is no number, no registration number: both beside their fields.
        let register = format!("/firms/{}/actions/register_tech_sme", firm.id);
        let r = app.post(
            &register,
            &[
                ("_csrf", csrf.as_str()),
                ("version", version.as_str()),
                ("year", "二〇二五"),
                ("reg_no", ""),
                ("confirm", "yes"),
            ],
        );
        assert_eq!(r.status, 400, "{}", r.body);
        assert!(field_error(&r, "year").is_some(), "{}", r.body);
        assert_eq!(
            field_error(&r, "reg_no").as_deref(),
            Some("请填写入库登记编号")
        );
        assert!(r.body.contains("value=\"二〇二五\""));
        assert!(r
            .body
            .contains("id=\"f-confirm\" name=\"confirm\" value=\"yes\" checked"));

        let f = firms::find_by_id(&mut db.conn(), firm.id).unwrap();
        assert_eq!((f.stage.as_str(), f.version), ("prospect", firm.version));
        assert_eq!(events::count_for_firm(&mut db.conn(), firm.id).unwrap(), 0);
    }
}
