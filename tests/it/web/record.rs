//! Who may declare what: the record flags and the direct routes are set by bureau and county
//! staff only (a firm user is not offered them, a forged form post or API patch is refused and
//! changes nothing), the firm page says who set each and when, and the valid-HTE route follows
//! from a recorded HTE certificate.

use super::api::token_for;
use super::forms::hidden;
use super::{seed_with_passwords, TestApp};
use crate::common::{backends, FirmBuilder, COUNTY_A};
use chrono::{Datelike, Days};
use diesel::prelude::*;
use peiyu::core::rules::{self, RuleSet};
use peiyu::store::schema::users as users_t;
use peiyu::store::{fact_marks, firms, profile, settings};
use serde_json::{json, Value};

fn handlebars_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#x27;")
        .replace('`', "&#x60;")
        .replace('=', "&#x3D;")
}

fn status_of(ev: &Value, id: &str) -> String {
    ev["criteria"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == id)
        .map_or_else(
            || format!("no {id}"),
            |c| c["status"].as_str().unwrap().to_string(),
        )
}

#[test]
fn a_firm_user_cannot_set_record_flags_or_direct_routes_and_staff_marks_show_who() {
    for db in backends() {
        let s = seed_with_passwords(&db);
        let firm = FirmBuilder::new().create(&mut db.conn(), &s.bureau);
        diesel::update(users_t::table.find(s.firm_user.user_id.unwrap()))
            .set(users_t::firm_id.eq(firm.id))
            .execute(&mut db.conn())
            .unwrap();
        let app = TestApp::spawn(&db);
        let edit = format!("/firms/{}/edit", firm.id);

        // The bureau sets a record flag and a direct route through the API: marked.
        let bureau = token_for(&db, "bureau");
        let path = format!("/api/v1/firms/{}", firm.id);
        let r = app.api_send(
            "PATCH",
            &path,
            &bureau,
            &json!({"version": firm.version, "industry_code": "c3911",
                    "record": {"dishonest": false, "award_5y": true}}),
        );
        assert_eq!(r.status, 200, "{}: {}", db.name(), r.body);
        assert_eq!(r.json()["industry_code"], "C3911");
        let staff_set = firms::find_by_id(&mut db.conn(), firm.id).unwrap();
        let marks = fact_marks::list_for_firm(&mut db.conn(), firm.id).unwrap();
        assert_eq!(marks.len(), 2, "{marks:?}");
        assert!(marks
            .iter()
            .all(|m| m.set_by == s.bureau.user_id && m.set_role == "bureau"));

        // The firm user's form offers figures and staff, no record field.
        app.login_ok("firm_user");
        let form = app.get(&edit);
        assert_eq!(form.status, 200, "{}", form.body);
        assert!(form.body.contains("name=\"employees\""));
        for field in [
            "major_incident",
            "restricted_industry",
            "dishonest",
            "deemed_taxation",
            "dr_valid_hte",
            "dr_provincial_rd_center",
            "dr_award_5y",
            "dr_led_standard_5y",
        ] {
            assert!(
                !form.body.contains(&format!("name=\"{field}\"")),
                "{}: {field} offered to a firm user",
                db.name()
            );
        }
        let csrf = form.csrf();
        let version = hidden(&form, "version");
        let base = [
            ("_csrf", csrf.as_str()),
            ("version", version.as_str()),
            ("name", firm.name.as_str()),
            ("county_code", COUNTY_A),
            ("employees", "130"),
            ("tech_staff", "20"),
        ];

        // A forged post setting a flag or a route: 403, nothing written.
        for forged in [
            ("major_incident", "no"),
            ("dishonest", ""),
            ("dr_award_5y", "no"),
            ("dr_provincial_rd_center", "yes"),
        ] {
            let mut fields = base.to_vec();
            fields.push(forged);
            let r = app.post(&edit, &fields);
            assert_eq!(r.status, 403, "{}: {forged:?}: {}", db.name(), r.body);
            let now = firms::find_by_id(&mut db.conn(), firm.id).unwrap();
            assert_eq!(now, staff_set, "{}: {forged:?} changed the firm", db.name());
        }
        // The valid-HTE route is no field at all: posting it does nothing.
        let mut fields = base.to_vec();
        fields.push(("dr_valid_hte", "yes"));
        fields.push(("industry_code", "C1351"));
        let r = app.post(&edit, &fields);
        assert_eq!(r.status, 303, "{}: {}", db.name(), r.body);
        let after = firms::find_by_id(&mut db.conn(), firm.id).unwrap();
        assert_eq!(
            after.employees,
            Some(130),
            "figures stay the firm's to edit"
        );
        assert_eq!(after.industry_code.as_deref(), Some("C1351"));
        let facts = after.parsed_facts().unwrap();
        assert_eq!(facts.direct_routes.valid_hte, None);
        assert_eq!(
            facts.direct_routes.award_5y,
            Some(true),
            "staff values kept"
        );
        assert_eq!(facts.flags.dishonest, Some(false));
        // A bad industry code is a field error.
        let mut fields = base.to_vec();
        fields[1] = ("version", "0");
        fields.push(("industry_code", "Z99"));
        let bad = app.post(&edit, &fields);
        assert_eq!(bad.status, 400, "{}", bad.body);
        assert!(super::forms::field_error(&bad, "industry_code").is_some());

        // The API: a firm user's or the assigned advisor's patch of a record fact is a 403,
        // a valid_hte key a 400.
        let assign = app.api_send(
            "PATCH",
            &path,
            &bureau,
            &json!({"version": after.version, "advisor_id": s.advisor.user_id}),
        );
        assert_eq!(assign.status, 200, "{}", assign.body);
        let after = firms::find_by_id(&mut db.conn(), firm.id).unwrap();
        let advisor = token_for(&db, "advisor");
        let r = app.api_send(
            "PATCH",
            &path,
            &advisor,
            &json!({"version": after.version, "employees": 140,
                    "record": {"led_standard_5y": true}}),
        );
        assert_eq!(
            (r.status, r.code().as_str()),
            (403, "forbidden"),
            "{}",
            r.body
        );
        let own = token_for(&db, "firm_user");
        let r = app.api_send(
            "PATCH",
            &path,
            &own,
            &json!({"version": after.version, "record": {"deemed_taxation": false}}),
        );
        assert_eq!(
            (r.status, r.code().as_str()),
            (403, "forbidden"),
            "{}",
            r.body
        );
        let r = app.api_send(
            "PATCH",
            &path,
            &own,
            &json!({"version": after.version, "record": {"valid_hte": true}}),
        );
        assert_eq!(r.status, 400, "{}", r.body);
        assert_eq!(firms::find_by_id(&mut db.conn(), firm.id).unwrap(), after);

        // The firm page says who set each fact and when; the list filters by industry.
        let page = app.get(&format!("/firms/{}", firm.id));
        assert!(
            page.body.contains("data-fact=\"award_5y\""),
            "{}",
            page.body
        );
        assert!(page.body.contains("bureau ("), "{}", page.body);
        assert!(page.body.contains("<code>C1351</code>"));
        let bureau_list = app.api_get("/api/v1/firms?industry=C13", &bureau).json();
        assert_eq!(bureau_list["total"], 1, "{bureau_list}");
        let none = app.api_get("/api/v1/firms?industry=C39", &bureau).json();
        assert_eq!(none["total"], 0, "{none}");

        // The OpenAPI document names the new fields.
        let doc = app.get("/api/v1/openapi.json").json();
        let schemas = &doc["components"]["schemas"];
        for (schema, field) in [
            ("FirmPatch", "record"),
            ("FirmPatch", "industry_code"),
            ("FirmIn", "industry_code"),
            ("FirmOut", "industry_code"),
            ("RecordIn", "deemed_taxation"),
        ] {
            assert!(
                schemas[schema]["properties"][field].is_object(),
                "{schema}.{field}: {}",
                schemas[schema]
            );
        }
    }
}

#[test]
fn recording_an_hte_certificate_makes_the_tech_sme_direct_route_pass() {
    for db in backends() {
        let s = seed_with_passwords(&db);
        let firm = FirmBuilder::new().create(&mut db.conn(), &s.bureau);
        let app = TestApp::spawn(&db);
        let bureau = token_for(&db, "bureau");
        let before = app
            .api_get(&format!("/api/v1/firms/{}/evaluation", firm.id), &bureau)
            .json();
        assert_eq!(before["next_stage"], "tech_sme", "{before}");
        assert_ne!(
            status_of(&before["evaluation"], "tsme.direct_route"),
            "pass"
        );
        assert_ne!(status_of(&before["evaluation"], "tsme.score"), "pass");
        // No industry code recorded: the evaluation says the exclusion list was not checked,
        // on the page as in the API.
        let codes = |ev: &Value| -> Vec<String> {
            ev["assumptions"]
                .as_array()
                .unwrap()
                .iter()
                .map(|a| a["code"].as_str().unwrap().to_string())
                .collect()
        };
        assert!(codes(&before["evaluation"]).contains(&"industry_not_checked".to_string()));
        let not_checked = before["evaluation"]["assumptions"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["code"] == "industry_not_checked")
            .unwrap()["zh"]
            .as_str()
            .unwrap()
            .to_string();
        app.login_ok("bureau");
        let page = app.get(&format!("/firms/{}", firm.id));
        assert!(
            page.body.contains(&handlebars_escape(&not_checked)),
            "{}",
            page.body
        );
        let set = app.api_send(
            "PATCH",
            &format!("/api/v1/firms/{}", firm.id),
            &bureau,
            &json!({"version": firm.version, "industry_code": "C3911"}),
        );
        assert_eq!(set.status, 200, "{}", set.body);
        let with_code = app
            .api_get(&format!("/api/v1/firms/{}/evaluation", firm.id), &bureau)
            .json();
        assert!(!codes(&with_code["evaluation"]).contains(&"industry_not_checked".to_string()));

        // The bureau records the certificate through the stage action.
        let href = format!("/firms/{}/actions/certify_high_tech", firm.id);
        let form = app.get(&href);
        let csrf = form.csrf();
        let version = hidden(&form, "version");
        let issued = peiyu::app::today().checked_sub_days(Days::new(1)).unwrap();
        let cert_no = format!("GR{}41000777", issued.year());
        let issued_s = issued.to_string();
        let done = app.post(
            &href,
            &[
                ("_csrf", csrf.as_str()),
                ("version", version.as_str()),
                ("cert_no", cert_no.as_str()),
                ("issued_on", issued_s.as_str()),
                ("confirm", "yes"),
            ],
        );
        assert_eq!(done.status, 303, "{}: {}", db.name(), done.body);

        // The profile the app builds now holds the route, and the tech-SME score passes by it.
        let prof = profile::load_profile(&mut db.conn(), firm.id).unwrap();
        assert_eq!(prof.direct_routes.valid_hte, Some(true));
        let thresholds = settings::thresholds(&mut db.conn()).unwrap();
        let ev = rules::evaluate(
            &prof,
            RuleSet::TechSme2017,
            peiyu::app::today(),
            &thresholds,
        )
        .unwrap()
        .to_json();
        assert_eq!(status_of(&ev, "tsme.direct_route"), "pass", "{ev}");
        assert_eq!(status_of(&ev, "tsme.score"), "pass", "{ev}");
        // The firm page states the route and the certificate it follows from.
        let page = app.get(&format!("/firms/{}", firm.id));
        assert!(page.body.contains("class=\"hte-route\""), "{}", page.body);
        assert!(page.body.contains(&cert_no));
    }
}
