//! The coaching pages as a browser without JavaScript uses them, on both backends: logging a
//! follow-up and finding it on the agenda, the CSV export (BOM, Chinese, quoting, formula
//! injection), the edit window's refusal, the issue form, and bulk assignment by filter.

use super::forms::field_error;
use super::{seed_with_passwords, TestApp};
use crate::common::{backends, d, FirmBuilder, COUNTY_A, COUNTY_B};
use chrono::{Duration, Utc};
use peiyu::app::{self, AssignTarget};
use peiyu::store::followups::{self, NewFollowup};
use peiyu::store::{firms, issues};

fn today() -> chrono::NaiveDate {
    peiyu::core::clock::china_date(Utc::now().naive_utc())
}

#[test]
fn an_advisor_logs_a_followup_sees_it_on_the_agenda_and_exports_it_safely() {
    for db in backends() {
        let s = seed_with_passwords(&db);
        let firm = {
            let mut c = db.conn();
            let f = FirmBuilder::new().create(&mut c, &s.bureau);
            app::assign_advisor(
                &mut c,
                AssignTarget::Firms(vec![f.id]),
                s.advisor.user_id.unwrap(),
                "",
                &s.bureau,
                d(2025, 1, 1),
            )
            .unwrap();
            f
        };
        let web = TestApp::spawn(&db);
        web.login_ok("advisor");
        let page = web.get(&format!("/firms/{}", firm.id));
        assert_eq!(page.status, 200, "{}", page.body);
        assert!(page.body.contains("id=\"followups\""));
        let csrf = page.csrf();
        let due = (today() + Duration::days(3)).to_string();
        let on = today().to_string();
        let r = web.post(
            &format!("/firms/{}/followups/new", firm.id),
            &[
                ("_csrf", csrf.as_str()),
                ("happened_on", on.as_str()),
                ("kind", "visit"),
                ("attendees", "+86 王经理, \"李总\""),
                (
                    "summary",
                    "=HYPERLINK(\"http://evil\",\"点我\")\n第二行：研发费用归集",
                ),
                ("next_action", "@SUM(A1) 补充辅助账"),
                ("due_on", due.as_str()),
            ],
        );
        assert_eq!(r.status, 303, "{}: {}", db.name(), r.body);
        let page = web.get(&format!("/firms/{}", firm.id));
        assert!(page.body.contains("研发费用归集"));
        assert!(page.body.contains("&#x3D;HYPERLINK") || page.body.contains("=HYPERLINK"));
        let agenda = web.get("/agenda");
        assert_eq!(agenda.status, 200, "{}", agenda.body);
        let soon = &agenda.body[agenda.body.find("id=\"due_soon\"").unwrap()..];
        let soon = &soon[..soon.find("</section>").unwrap()];
        assert!(soon.contains(&firm.name), "{soon}");
        assert!(soon.contains(&due));

        let csv = web.get("/followups.csv");
        assert_eq!(csv.status, 200);
        assert!(csv.header("content-type").unwrap().starts_with("text/csv"));
        assert!(csv.body.starts_with('\u{feff}'), "no BOM");
        let text = &csv.body['\u{feff}'.len_utf8()..];
        let mut reader = csv::ReaderBuilder::new().from_reader(text.as_bytes());
        let header = reader.headers().unwrap().clone();
        assert_eq!(&header[1], "企业名称");
        let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.unwrap()).collect();
        assert_eq!(rows.len(), 1, "{text}");
        let row = &rows[0];
        assert_eq!(&row[1], firm.name.as_str());
        assert_eq!(&row[4], "走访");
        assert_eq!(&row[5], "'+86 王经理, \"李总\"");
        assert_eq!(
            &row[6],
            "'=HYPERLINK(\"http://evil\",\"点我\")\n第二行：研发费用归集"
        );
        assert_eq!(&row[7], "'@SUM(A1) 补充辅助账");
        assert_eq!(&row[8], due.as_str());
        // A firm user has no export.
        let other = web.other_client();
        other.login_ok("firm_user");
        assert_eq!(other.get("/followups.csv").status, 403);
    }
}

#[test]
fn an_old_followup_cannot_be_edited_but_can_be_corrected() {
    for db in backends() {
        let s = seed_with_passwords(&db);
        let (firm, old) = {
            let mut c = db.conn();
            let f = FirmBuilder::new().create(&mut c, &s.bureau);
            let long_ago = Utc::now().naive_utc() - Duration::hours(30);
            let id = followups::insert(
                &mut c,
                &NewFollowup {
                    firm_id: f.id,
                    advisor_id: None,
                    happened_on: today() - Duration::days(2),
                    kind: "call".to_string(),
                    attendees: String::new(),
                    summary: "电话沟通".to_string(),
                    next_action: String::new(),
                    due_on: None,
                    created_by: s.bureau.user_id.unwrap(),
                    created_at: long_ago,
                    corrects_id: None,
                    updated_at: long_ago,
                },
            )
            .unwrap();
            (f, id)
        };
        let web = TestApp::spawn(&db);
        web.login_ok("bureau");
        let edit = format!("/firms/{}/followups/{old}/edit", firm.id);
        let form = web.get(&edit);
        assert_eq!(form.status, 200);
        assert!(form.body.contains("24 小时"), "{}", form.body);
        assert!(form.body.contains(&format!("/followups/{old}/correct")));
        let csrf = web.get(&format!("/firms/{}", firm.id)).csrf();
        let on = (today() - Duration::days(2)).to_string();
        let fields = [
            ("_csrf", csrf.as_str()),
            ("happened_on", on.as_str()),
            ("kind", "call"),
            ("summary", "电话沟通（补记）"),
        ];
        let r = web.post(&edit, &fields);
        assert_eq!(r.status, 409, "{}: {}", db.name(), r.body);
        assert!(r.body.contains("追加更正"));
        let r = web.post(
            &format!("/firms/{}/followups/{old}/correct", firm.id),
            &fields,
        );
        assert_eq!(r.status, 303, "{}", r.body);
        let mut c = db.conn();
        let rows = followups::list_for_firm(&mut c, firm.id).unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(
            followups::find_by_id(&mut c, old).unwrap().summary,
            "电话沟通"
        );
        assert!(rows
            .iter()
            .any(|r| r.corrects_id == Some(old) && r.summary == "电话沟通（补记）"));
    }
}

#[test]
fn issues_are_raised_and_moved_through_the_forms() {
    for db in backends() {
        let s = seed_with_passwords(&db);
        let firm = FirmBuilder::new().create(&mut db.conn(), &s.bureau);
        let web = TestApp::spawn(&db);
        web.login_ok("county_a");
        let form = web.get(&format!("/firms/{}/issues/new", firm.id));
        assert_eq!(form.status, 200);
        let csrf = form.csrf();
        let r = web.post(
            &format!("/firms/{}/issues/new", firm.id),
            &[
                ("_csrf", csrf.as_str()),
                ("category", "land"),
                ("title", ""),
            ],
        );
        assert_eq!(r.status, 400);
        let r = web.post(
            &format!("/firms/{}/issues/new", firm.id),
            &[
                ("_csrf", csrf.as_str()),
                ("category", "land"),
                ("title", "扩建用地 20 亩"),
                ("detail", "二期厂房"),
            ],
        );
        assert_eq!(r.status, 303, "{}", r.body);
        let id = issues::list_for_firm(&mut db.conn(), firm.id).unwrap()[0].id;
        let href = format!("/firms/{}/issues/{id}", firm.id);
        // Straight to resolved is refused with the reason, nothing changes.
        let r = web.post(
            &href,
            &[
                ("_csrf", csrf.as_str()),
                ("version", "1"),
                ("status", "resolved"),
                ("resolution", "ok"),
            ],
        );
        assert_eq!(r.status, 409, "{}", r.body);
        assert!(r.body.contains("不能从"), "{}", r.body);
        let r = web.post(
            &href,
            &[
                ("_csrf", csrf.as_str()),
                ("version", "1"),
                ("status", "in_progress"),
                ("resolution", ""),
            ],
        );
        assert_eq!(r.status, 303, "{}", r.body);
        let issue = issues::find_by_id(&mut db.conn(), id).unwrap();
        assert_eq!((issue.status.as_str(), issue.version), ("in_progress", 2));
        let ledger = web.get("/issues");
        assert_eq!(ledger.status, 200);
        assert!(ledger.body.contains("扩建用地 20 亩"), "{}", db.name());
        // County B's officer neither sees it in the ledger nor on its page.
        let other = web.other_client();
        other.login_ok("county_b");
        assert!(!other.get("/issues").body.contains("扩建用地"));
        assert_eq!(other.get(&href).status, 404);
    }
}

#[test]
fn every_firm_matching_the_filter_is_assigned_from_the_list() {
    for db in backends() {
        let s = seed_with_passwords(&db);
        let (a_ids, b_ids) = {
            let mut c = db.conn();
            let a: Vec<i64> = (0..3)
                .map(|_| {
                    FirmBuilder::new()
                        .county(COUNTY_A)
                        .create(&mut c, &s.bureau)
                        .id
                })
                .collect();
            let b: Vec<i64> = (0..2)
                .map(|_| {
                    FirmBuilder::new()
                        .county(COUNTY_B)
                        .create(&mut c, &s.bureau)
                        .id
                })
                .collect();
            (a, b)
        };
        let web = TestApp::spawn(&db);
        web.login_ok("bureau");
        let list = web.get(&format!("/firms?county={COUNTY_B}"));
        assert!(list.body.contains("action=\"/firms/assign\""));
        let csrf = list.csrf();
        let advisor = s.advisor.user_id.unwrap().to_string();
        let r = web.post(
            "/firms/assign",
            &[
                ("_csrf", csrf.as_str()),
                ("county", COUNTY_B),
                ("advisor_id", advisor.as_str()),
                ("scope", "filter"),
            ],
        );
        assert_eq!(r.status, 303, "{}", r.body);
        assert!(r.location.as_deref().unwrap().contains("assigned=2"));
        let mut c = db.conn();
        for id in &b_ids {
            assert_eq!(
                firms::find_by_id(&mut c, *id).unwrap().advisor_id,
                s.advisor.user_id
            );
        }
        for id in &a_ids {
            assert_eq!(firms::find_by_id(&mut c, *id).unwrap().advisor_id, None);
        }
        // Selected ones only.
        let one = a_ids[0].to_string();
        let r = web.post(
            "/firms/assign",
            &[
                ("_csrf", csrf.as_str()),
                ("advisor_id", advisor.as_str()),
                ("scope", "selected"),
                ("ids", one.as_str()),
            ],
        );
        assert_eq!(r.status, 303);
        assert_eq!(
            firms::find_by_id(&mut c, a_ids[0]).unwrap().advisor_id,
            s.advisor.user_id
        );
        assert_eq!(
            firms::find_by_id(&mut c, a_ids[1]).unwrap().advisor_id,
            None
        );
        let page = web.get("/advisors");
        assert_eq!(page.status, 200);
        // Handlebars escapes `=` in attributes; the browser reads it back.
        assert!(
            page.body
                .contains(&format!("/agenda?advisor&#x3D;{advisor}")),
            "{}",
            db.name()
        );
    }
}

#[test]
fn a_followup_shows_every_problem_beside_its_field_and_keeps_what_was_typed() {
    for db in backends() {
        let s = seed_with_passwords(&db);
        let firm = FirmBuilder::new().create(&mut db.conn(), &s.bureau);
        let web = TestApp::spawn(&db);
        web.login_ok("county_a");
        let form = web.get(&format!("/firms/{}/followups/new", firm.id));
        assert_eq!(form.status, 200, "{}", form.body);
        let csrf = form.csrf();
        // Tomorrow, due before it, no summary, an attendee list too long: each at once.
        let tomorrow = (today() + Duration::days(1)).to_string();
        let due = today().to_string();
        let crowd = "王".repeat(501);
        let r = web.post(
            &format!("/firms/{}/followups/new", firm.id),
            &[
                ("_csrf", csrf.as_str()),
                ("happened_on", tomorrow.as_str()),
                ("kind", "call"),
                ("attendees", crowd.as_str()),
                ("summary", "  "),
                ("next_action", "补充研发辅助账"),
                ("due_on", due.as_str()),
            ],
        );
        assert_eq!(r.status, 400, "{}", r.body);
        let happened = field_error(&r, "happened_on").expect("beside the date");
        assert!(happened.contains(&tomorrow), "{happened}");
        let due_err = field_error(&r, "due_on").expect("beside the due date");
        assert!(due_err.contains(&due), "{due_err}");
        assert!(field_error(&r, "summary").is_some(), "{}", r.body);
        assert!(field_error(&r, "attendees").is_some(), "{}", r.body);
        assert!(field_error(&r, "next_action").is_none());
        // What was typed is all still there.
        assert!(r.body.contains(&format!("value=\"{tomorrow}\"")));
        assert!(r.body.contains(&format!("value=\"{due}\"")));
        assert!(r.body.contains("value=\"补充研发辅助账\""));
        assert!(r.body.contains(&crowd));
        assert!(r.body.contains("<option value=\"call\" selected>"));
        assert!(followups::list_for_firm(&mut db.conn(), firm.id)
            .unwrap()
            .is_empty());
        let f = firms::find_by_id(&mut db.conn(), firm.id).unwrap();
        assert_eq!(f.version, firm.version, "nothing written");
    }
}

#[test]
fn refused_assignments_and_issues_come_back_as_typed_with_every_problem_beside_its_field() {
    for db in backends() {
        let s = seed_with_passwords(&db);
        let firm = FirmBuilder::new().create(&mut db.conn(), &s.bureau);
        let web = TestApp::spawn(&db);
        web.login_ok("county_a");
        let list = web.get("/firms");
        let csrf = list.csrf();
        let id = firm.id.to_string();
        let long = "理".repeat(501);

        // Bulk from the list: no advisor, a reason too long; the tick and the filter stay.
        let r = web.post(
            "/firms/assign",
            &[
                ("_csrf", csrf.as_str()),
                ("county", COUNTY_A),
                ("advisor_id", ""),
                ("reason", long.as_str()),
                ("scope", "selected"),
                ("ids", id.as_str()),
            ],
        );
        assert_eq!(r.status, 400, "{}", r.body);
        assert!(field_error(&r, "advisor_id").is_some(), "{}", r.body);
        assert!(field_error(&r, "reason").is_some());
        assert!(r.body.contains(&format!("value=\"{id}\" checked")));
        assert!(r.body.contains(&long));
        // Nothing ticked: said beside the ticks.
        let r = web.post(
            "/firms/assign",
            &[("_csrf", csrf.as_str()), ("scope", "selected")],
        );
        assert_eq!(r.status, 400);
        assert!(field_error(&r, "ids").is_some() && field_error(&r, "advisor_id").is_some());

        // Reassigning: neither advisor chosen, the reason kept.
        let r = web.post(
            "/advisors/reassign",
            &[
                ("_csrf", csrf.as_str()),
                ("from", ""),
                ("to", ""),
                ("reason", "调岗"),
            ],
        );
        assert_eq!(r.status, 400, "{}", r.body);
        assert!(field_error(&r, "from").is_some() && field_error(&r, "to").is_some());
        assert!(r.body.contains("value=\"调岗\""));

        // An issue without a title, with details too long and an owner not in the list.
        let long_detail = "细".repeat(4001);
        let r = web.post(
            &format!("/firms/{}/issues/new", firm.id),
            &[
                ("_csrf", csrf.as_str()),
                ("category", "finance"),
                ("title", ""),
                ("detail", long_detail.as_str()),
                ("owner_id", "somebody"),
            ],
        );
        assert_eq!(r.status, 400, "{}", r.body);
        for field in ["title", "detail", "owner_id"] {
            assert!(field_error(&r, field).is_some(), "{field}: {}", r.body);
        }
        assert!(r.body.contains(&long_detail));
        assert!(r.body.contains("<option value=\"finance\" selected>"));
        assert_eq!(
            firms::find_by_id(&mut db.conn(), firm.id)
                .unwrap()
                .advisor_id,
            None
        );
        assert!(issues::list_for_firm(&mut db.conn(), firm.id)
            .unwrap()
            .is_empty());
    }
}
