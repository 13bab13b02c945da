//! Applications and reserve-pool nominations through the JSON API, on the demo city, both
//! backends: the reserve path from opening to the firm in the reserve pool, territory by id,
//! who decides, stale versions, rules not met, and a batch of nominations and decisions with
//! one failure among successes.

use super::token_for;
use crate::common::{backends, TestDb};
use crate::web::TestApp;
use chrono::Utc;
use diesel::prelude::*;
use peiyu::app::seed_demo::seed_demo;
use peiyu::store::schema::{
    application_steps as steps_t, applications as applications_t, firms as firms_t,
    nominations as nominations_t,
};
use peiyu::store::users::{self, NewUser};
use peiyu::store::{firms, DbConn};
use serde_json::{json, Value};

/// Upload every required document to application `id` as a user of its firm.
fn attach(db: &TestDb, id: i64) {
    let mut c = db.conn();
    let app = peiyu::store::applications::find_by_id(&mut c, id).unwrap();
    // A user of the firm, else its advisor.
    let advisor = firms::find_by_id(&mut c, app.firm_id).unwrap().advisor_id;
    let user = users::list(&mut c)
        .unwrap()
        .into_iter()
        .find(|u| (u.role == "firm" && u.firm_id == Some(app.firm_id)) || Some(u.id) == advisor)
        .expect("a user of the firm or its advisor");
    let who = peiyu::app::access::principal_of(&user).unwrap();
    crate::common::attach_required(&mut c, db, &who, id);
}

fn demo(db: &TestDb, firms: usize) {
    seed_demo(&mut db.conn(), 20_261_207, firms, peiyu::app::today()).unwrap();
}

/// The first demo firm of `stage` with an advisor whose next-stage evaluation is `eligible`.
fn demo_firm(conn: &mut DbConn, stage: &str, eligible: bool) -> firms::Firm {
    let id: i64 = firms_t::table
        .filter(firms_t::stage.eq(stage))
        .filter(firms_t::next_eligible.eq(eligible))
        .filter(firms_t::advisor_id.is_not_null())
        .order(firms_t::id.asc())
        .select(firms_t::id)
        .first(conn)
        .unwrap_or_else(|e| panic!("a demo firm at {stage}, eligible {eligible}: {e}"));
    firms::find_by_id(conn, id).unwrap()
}

/// A firm user of `firm_id` (named after it) and a token for them.
fn firm_token(db: &TestDb, firm_id: i64) -> String {
    let username = format!("apiapp{firm_id}");
    users::insert(
        &mut db.conn(),
        &NewUser {
            username: username.clone(),
            display_name: "企业联系人".to_string(),
            email: None,
            role: "firm".to_string(),
            county_code: None,
            firm_id: Some(firm_id),
            password_hash: "x".to_string(),
            lang: "zh-CN".to_string(),
            active: true,
            created_at: Utc::now().naive_utc(),
        },
    )
    .unwrap();
    token_for(db, &username)
}

fn county_token(db: &TestDb, county: &str) -> String {
    token_for(db, &format!("county-{}", county.to_lowercase()))
}

fn advisor_token(db: &TestDb, firm: &firms::Firm) -> String {
    let advisor = users::find_many(&mut db.conn(), &[firm.advisor_id.unwrap()]).unwrap();
    token_for(db, &advisor[0].username)
}

fn other_county(county: &str) -> &'static str {
    if county == "411102" {
        "411103"
    } else {
        "411102"
    }
}

fn steps_of(db: &TestDb, id: i64) -> i64 {
    steps_t::table
        .filter(steps_t::application_id.eq(id))
        .count()
        .get_result(&mut db.conn())
        .unwrap()
}

/// A step on application `id` at its current version, as the caller sees it.
fn step(app: &TestApp, token: &str, id: i64, body: Value) -> crate::web::Resp {
    let shown = app.api_get(&format!("/api/v1/applications/{id}"), token);
    assert_eq!(shown.status, 200, "{}", shown.body);
    let mut body = body;
    body["version"] = shown.json()["application"]["version"].clone();
    app.api_send(
        "POST",
        &format!("/api/v1/applications/{id}/steps"),
        token,
        &body,
    )
}

#[test]
fn the_reserve_path_through_the_api_ends_with_the_firm_in_the_reserve_pool() {
    for db in backends() {
        demo(&db, 150);
        let firm = demo_firm(&mut db.conn(), "tech_sme", true);
        let app = TestApp::spawn(&db);
        let f = firm_token(&db, firm.id);
        let county = county_token(&db, &firm.county_code);
        let bureau = token_for(&db, "bureau");

        // The firm opens it: 201, its address, the draft with what the firm may do.
        let r = app.api_send(
            "POST",
            &format!("/api/v1/firms/{}/applications", firm.id),
            &f,
            &json!({"target": "reserve", "note": "请审核。\n附研发台账"}),
        );
        assert_eq!(r.status, 201, "{}: {}", db.name(), r.body);
        let j = r.json();
        let id = j["application"]["id"].as_i64().unwrap();
        assert_eq!(
            r.header("location"),
            Some(format!("/api/v1/applications/{id}").as_str())
        );
        assert_eq!(j["application"]["status"], "draft");
        assert_eq!(j["application"]["note"], "请审核。\n附研发台账");
        assert_eq!(j["party"], "firm");
        assert_eq!(j["actions"], json!(["submit", "withdraw", "comment"]));
        assert!(j["frozen_evaluation"].is_null());
        assert_eq!(j["current_evaluation"]["ruleset"], "reserve-local");

        // A second one for the same target is refused with the reason's code; a county
        // officer may not open one at all.
        let again = app.api_send(
            "POST",
            &format!("/api/v1/firms/{}/applications", firm.id),
            &f,
            &json!({"target": "reserve"}),
        );
        assert_eq!(
            (again.status, again.code().as_str()),
            (409, "application_refused")
        );
        let reasons = &again.json()["error"]["reasons"];
        assert_eq!(
            reasons[0]["code"], "application_already_open",
            "{}",
            again.body
        );
        assert!(!reasons[0]["zh"].as_str().unwrap().is_empty());
        let county_open = app.api_send(
            "POST",
            &format!("/api/v1/firms/{}/applications", firm.id),
            &county,
            &json!({"target": "high_tech"}),
        );
        assert_eq!(
            (county_open.status, county_open.code().as_str()),
            (403, "forbidden")
        );

        // Submit: the evaluation is frozen; the county sees it in its list at its step.
        attach(&db, id);
        let sent = step(&app, &f, id, json!({"action": "submit"}));
        assert_eq!(sent.status, 200, "{}: {}", db.name(), sent.body);
        let j = sent.json();
        assert_eq!(j["application"]["status"], "submitted");
        assert_eq!(j["application"]["step"], "county");
        assert_eq!(j["frozen_evaluation"]["ruleset"], "reserve-local");
        assert!(j["criteria"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| !c["then"].is_null()));
        let listed = app
            .api_get(
                "/api/v1/applications?status=submitted&target=reserve",
                &county,
            )
            .json();
        assert!(
            listed["items"]
                .as_array()
                .unwrap()
                .iter()
                .any(|a| a["id"] == id),
            "{listed}"
        );
        let elsewhere = county_token(&db, other_county(&firm.county_code));
        let theirs = app.api_get("/api/v1/applications", &elsewhere).json();
        assert!(theirs["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|a| a["id"] != id));

        // The county forwards it; the county may not approve at the city step.
        let fwd = step(
            &app,
            &county,
            id,
            json!({"action": "forward", "comment": "同意推荐"}),
        );
        assert_eq!(fwd.status, 200, "{}", fwd.body);
        assert_eq!(fwd.json()["application"]["status"], "city_review");
        let early = step(&app, &county, id, json!({"action": "approve"}));
        assert_eq!(
            (early.status, early.code().as_str()),
            (409, "application_refused")
        );

        // The bureau approves: the firm is in the reserve pool.
        let done = step(
            &app,
            &bureau,
            id,
            json!({"action": "approve", "comment": ""}),
        );
        assert_eq!(done.status, 200, "{}: {}", db.name(), done.body);
        let j = done.json();
        assert_eq!(j["application"]["status"], "approved");
        assert_eq!(j["firm_stage"], "reserve");
        assert!(j["application"]["stage_event_id"].is_i64());
        assert_eq!(j["actions"], json!(["comment"]));
        let shown = app
            .api_get(&format!("/api/v1/firms/{}", firm.id), &f)
            .json();
        assert_eq!(shown["stage"], "reserve", "{}", db.name());

        // The history names each actor and keeps the county's comment.
        let detail = app
            .api_get(&format!("/api/v1/applications/{id}"), &f)
            .json();
        let actions: Vec<&str> = detail["steps"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["action"].as_str().unwrap())
            .collect();
        assert_eq!(actions, ["open", "submit", "forward", "approve"]);
        let forward = &detail["steps"][2];
        assert_eq!(forward["comment"], "同意推荐");
        assert_eq!(forward["actor_role"], "county");
        assert!(!forward["actor"].as_str().unwrap().is_empty());
        assert!(forward["evaluation"]["criteria"].is_array());
        assert!(detail["party"].as_str() == Some("firm"));
    }
}

#[test]
fn applications_outside_the_territory_are_not_found_and_readers_may_not_act() {
    for db in backends() {
        demo(&db, 150);
        let mut c = db.conn();
        let mine = demo_firm(&mut c, "tech_sme", true);
        let theirs = firms_t::table
            .filter(firms_t::stage.eq("tech_sme"))
            .filter(firms_t::id.ne(mine.id))
            .select(firms_t::id)
            .first::<i64>(&mut c)
            .unwrap();
        drop(c);
        let app = TestApp::spawn(&db);
        let own = firm_token(&db, mine.id);
        let other = firm_token(&db, theirs);
        let r = app.api_send(
            "POST",
            &format!("/api/v1/firms/{theirs}/applications"),
            &other,
            &json!({"target": "high_tech"}),
        );
        assert_eq!(r.status, 201, "{}", r.body);
        let id = r.json()["application"]["id"].as_i64().unwrap();

        // Another firm's user: as if it did not exist, to read, to act and in lists.
        for r in [
            app.api_get(&format!("/api/v1/applications/{id}"), &own),
            app.api_send(
                "POST",
                &format!("/api/v1/applications/{id}/steps"),
                &own,
                &json!({"action": "comment", "version": 1, "comment": "看看"}),
            ),
            app.api_send(
                "POST",
                &format!("/api/v1/firms/{theirs}/applications"),
                &own,
                &json!({"target": "tech_sme"}),
            ),
        ] {
            assert_eq!(
                (r.status, r.code().as_str()),
                (404, "not_found"),
                "{}",
                r.body
            );
        }
        assert_eq!(
            app.api_get("/api/v1/applications/999999", &own).code(),
            "not_found"
        );
        let listed = app
            .api_get(&format!("/api/v1/applications?firm_id={theirs}"), &own)
            .json();
        assert_eq!(listed["total"], 0, "{}: {listed}", db.name());
        let all = app.api_get("/api/v1/applications", &other).json();
        assert_eq!(all["total"], 1);
        assert_eq!(all["items"][0]["firm_id"], theirs);
        assert_eq!(steps_of(&db, id), 1, "nothing written by the refused calls");

        // A filter that does not read is a 400 naming it.
        for (q, field) in [
            ("status=open", "status"),
            ("target=hte", "target"),
            ("firm_id=0", "firm_id"),
        ] {
            let r = app.api_get(&format!("/api/v1/applications?{q}"), &own);
            assert_eq!(r.status, 400, "{q}: {}", r.body);
            assert_eq!(r.json()["error"]["field"], field);
        }
    }
}

#[test]
fn an_advisors_decision_is_refused_with_its_reasons_and_a_stale_version_is_a_conflict() {
    for db in backends() {
        demo(&db, 150);
        let firm = demo_firm(&mut db.conn(), "tech_sme", true);
        let app = TestApp::spawn(&db);
        let advisor = advisor_token(&db, &firm);
        let county = county_token(&db, &firm.county_code);
        // The advisor opens and submits on the firm's behalf.
        let r = app.api_send(
            "POST",
            &format!("/api/v1/firms/{}/applications", firm.id),
            &advisor,
            &json!({"target": "reserve"}),
        );
        assert_eq!(r.status, 201, "{}", r.body);
        let j = r.json();
        let id = j["application"]["id"].as_i64().unwrap();
        assert_eq!(
            (j["application"]["on_behalf"].as_bool(), j["party"].as_str()),
            (Some(true), Some("advisor"))
        );
        attach(&db, id);
        assert_eq!(
            step(&app, &advisor, id, json!({"action": "submit"})).status,
            200
        );

        // The advisor may not decide: every reason, each with its code, in both languages.
        let before = steps_of(&db, id);
        let r = step(&app, &advisor, id, json!({"action": "reject"}));
        assert_eq!(
            (r.status, r.code().as_str()),
            (409, "application_refused"),
            "{}",
            r.body
        );
        let codes: Vec<String> = r.json()["error"]["reasons"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| {
                assert!(
                    !x["en"].as_str().unwrap().is_empty() && !x["zh"].as_str().unwrap().is_empty()
                );
                x["code"].as_str().unwrap().to_string()
            })
            .collect();
        assert_eq!(
            codes,
            ["application_not_your_step", "application_comment_required"],
            "{}",
            db.name()
        );

        // A stale version: 409, and nothing changes.
        let shown = app
            .api_get(&format!("/api/v1/applications/{id}"), &county)
            .json();
        let v = shown["application"]["version"].as_i64().unwrap();
        let path = format!("/api/v1/applications/{id}/steps");
        let stale = app.api_send(
            "POST",
            &path,
            &county,
            &json!({"action": "start_review", "version": v - 1}),
        );
        assert_eq!(
            (stale.status, stale.code().as_str()),
            (409, "stale_version"),
            "{}",
            stale.body
        );
        assert_eq!(steps_of(&db, id), before, "{}", db.name());
        let status: String = applications_t::table
            .find(id)
            .select(applications_t::status)
            .first(&mut db.conn())
            .unwrap();
        assert_eq!(status, "submitted");

        // Bad input: a result for an action that takes none, a certification without one.
        let r = app.api_send(
            "POST",
            &path,
            &county,
            &json!({"action": "forward", "version": v,
                "outcome": {"outcome": "registered", "year": 2025, "reg_no": "x"}}),
        );
        assert_eq!(
            (r.status, r.json()["error"]["field"].as_str()),
            (400, Some("outcome"))
        );
        let r = app.api_send(
            "POST",
            &path,
            &county,
            &json!({"action": "certify", "version": v}),
        );
        assert_eq!(r.code(), "outcome_required", "{}", r.body);
        let r = app.api_send(
            "POST",
            &path,
            &county,
            &json!({"action": "promote", "version": v}),
        );
        assert_eq!(
            (r.status, r.json()["error"]["field"].as_str()),
            (400, Some("action"))
        );
        assert_eq!(steps_of(&db, id), before);
    }
}

#[test]
fn submitting_when_the_rules_are_not_met_is_a_422_and_figures_that_cannot_be_evaluated_a_409() {
    for db in backends() {
        demo(&db, 150);
        let firm = demo_firm(&mut db.conn(), "tech_sme", false);
        let app = TestApp::spawn(&db);
        let f = firm_token(&db, firm.id);
        let r = app.api_send(
            "POST",
            &format!("/api/v1/firms/{}/applications", firm.id),
            &f,
            &json!({"target": "reserve"}),
        );
        assert_eq!(r.status, 201, "{}", r.body);
        let id = r.json()["application"]["id"].as_i64().unwrap();
        attach(&db, id);
        let r = step(&app, &f, id, json!({"action": "submit"}));
        assert_eq!(
            (r.status, r.code().as_str()),
            (422, "rule_failed"),
            "{}: {}",
            db.name(),
            r.body
        );
        let ev = &r.json()["error"]["evaluation"];
        assert_eq!(
            (ev["ruleset"].as_str(), ev["eligible"].as_bool()),
            (Some("reserve-local"), Some(false))
        );
        assert_eq!(steps_of(&db, id), 1, "still a draft, nothing written");

        // No employees: the HTE staff ratio cannot be computed. The application still reads,
        // saying why there is no evaluation now, and submitting is refused with that reason.
        let r = app.api_send(
            "POST",
            &format!("/api/v1/firms/{}/applications", firm.id),
            &f,
            &json!({"target": "high_tech"}),
        );
        assert_eq!(r.status, 201, "{}", r.body);
        let hte = r.json()["application"]["id"].as_i64().unwrap();
        let shown = app
            .api_get(&format!("/api/v1/firms/{}", firm.id), &f)
            .json();
        let r = app.api_send(
            "PATCH",
            &format!("/api/v1/firms/{}", firm.id),
            &f,
            &json!({"version": shown["version"], "employees": 0, "tech_staff": 0}),
        );
        assert_eq!(r.status, 200, "{}", r.body);
        let j = app
            .api_get(&format!("/api/v1/applications/{hte}"), &f)
            .json();
        assert!(j["current_evaluation"].is_null(), "{j}");
        assert_eq!(j["data_error"]["code"], "zero_denominator", "{j}");
        attach(&db, hte);
        let r = step(&app, &f, hte, json!({"action": "submit"}));
        assert_eq!(
            (r.status, r.code().as_str()),
            (409, "data_not_evaluable"),
            "{}: {}",
            db.name(),
            r.body
        );
        assert_eq!(steps_of(&db, hte), 1);
    }
}

#[test]
fn nominations_through_the_api_refuse_the_batch_and_decide_each_on_its_own() {
    for db in backends() {
        demo(&db, 200);
        let mut c = db.conn();
        // The county with the most ready tech-SMEs, two of them and one that is not ready.
        let county: String = firms_t::table
            .filter(firms_t::stage.eq("tech_sme"))
            .filter(firms_t::next_eligible.eq(true))
            .group_by(firms_t::county_code)
            .order(diesel::dsl::count_star().desc())
            .select(firms_t::county_code)
            .first(&mut c)
            .unwrap();
        let tech_smes = |c: &mut DbConn, eligible: bool, n: i64| -> Vec<i64> {
            firms_t::table
                .filter(firms_t::stage.eq("tech_sme"))
                .filter(firms_t::county_code.eq(&county))
                .filter(firms_t::next_eligible.eq(eligible))
                .order(firms_t::id.asc())
                .limit(n)
                .select(firms_t::id)
                .load(c)
                .unwrap()
        };
        let ready = tech_smes(&mut c, true, 2);
        let not_ready = tech_smes(&mut c, false, 1);
        assert_eq!((ready.len(), not_ready.len()), (2, 1), "{}", db.name());
        let elsewhere: i64 = firms_t::table
            .filter(firms_t::stage.eq("tech_sme"))
            .filter(firms_t::county_code.ne(&county))
            .select(firms_t::id)
            .first(&mut c)
            .unwrap();
        drop(c);
        let app = TestApp::spawn(&db);
        let officer = county_token(&db, &county);
        let bureau = token_for(&db, "bureau");
        let count = || -> i64 {
            nominations_t::table
                .count()
                .get_result(&mut db.conn())
                .unwrap()
        };

        // The county's candidates are its tech-SMEs.
        let page = app.api_get("/api/v1/nominations", &officer).json();
        let candidates: Vec<i64> = page["candidates"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["id"].as_i64().unwrap())
            .collect();
        assert!(ready.iter().all(|id| candidates.contains(id)), "{page}");
        assert!(!candidates.contains(&elsewhere));

        // One firm of another county spoils the batch: nothing written, that firm named.
        let mut items: Vec<Value> = ready
            .iter()
            .chain(&not_ready)
            .map(|id| json!({"firm_id": id, "note": format!("推荐 {id}\n研发投入稳定")}))
            .collect();
        items.push(json!({"firm_id": elsewhere}));
        let r = app.api_send(
            "POST",
            "/api/v1/nominations",
            &officer,
            &json!({ "items": items }),
        );
        assert_eq!(
            (r.status, r.code().as_str()),
            (409, "nomination_refused"),
            "{}",
            r.body
        );
        let reasons = r.json()["error"]["reasons"].clone();
        assert_eq!(reasons.as_array().unwrap().len(), 1, "{reasons}");
        assert_eq!(reasons[0]["firm_id"], elsewhere);
        assert_eq!(reasons[0]["code"], "not_in_county");
        assert!(!reasons[0]["en"].as_str().unwrap().is_empty());
        assert_eq!(count(), 0, "{}", db.name());
        // The bureau does not nominate; an empty batch is bad input.
        let r = app.api_send(
            "POST",
            "/api/v1/nominations",
            &bureau,
            &json!({ "items": items }),
        );
        assert_eq!(r.status, 403);
        let r = app.api_send(
            "POST",
            "/api/v1/nominations",
            &officer,
            &json!({"items": []}),
        );
        assert_eq!(
            (r.status, r.json()["error"]["field"].as_str()),
            (400, Some("items"))
        );

        items.pop();
        let r = app.api_send(
            "POST",
            "/api/v1/nominations",
            &officer,
            &json!({ "items": items }),
        );
        assert_eq!(r.status, 201, "{}: {}", db.name(), r.body);
        let made: Vec<(i64, i64)> = r.json()["nominated"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| (n["id"].as_i64().unwrap(), n["firm_id"].as_i64().unwrap()))
            .collect();
        let firms_sent: Vec<i64> = made.iter().map(|(_, f)| *f).collect();
        assert_eq!(firms_sent, [ready[0], ready[1], not_ready[0]]);
        assert_eq!(count(), 3);

        // The bureau sees them waiting, each with its evaluation; the county may not decide.
        let page = app.api_get("/api/v1/nominations", &bureau).json();
        let pending = page["pending"].as_array().unwrap();
        assert_eq!(pending.len(), 3);
        assert!(pending
            .iter()
            .all(|n| n["evaluation"]["ruleset"] == "reserve-local"));
        assert!(pending
            .iter()
            .any(|n| n["note"].as_str().unwrap().contains('\n')));
        let decisions: Vec<Value> = made
            .iter()
            .map(|(id, _)| json!({"id": id, "decision": "confirm"}))
            .collect();
        let r = app.api_send(
            "POST",
            "/api/v1/nominations/decisions",
            &officer,
            &json!({ "decisions": decisions }),
        );
        assert_eq!(r.status, 403);

        // Each on its own: the two ready firms are admitted, the third fails with the stage
        // machine's reasons and keeps waiting; a decline without a note fails by itself.
        let mut decisions = decisions;
        decisions.push(json!({"id": made[2].0, "decision": "decline", "note": " "}));
        let r = app.api_send(
            "POST",
            "/api/v1/nominations/decisions",
            &bureau,
            &json!({ "decisions": decisions }),
        );
        assert_eq!(r.status, 200, "{}: {}", db.name(), r.body);
        let results = r.json()["results"].clone();
        let ok: Vec<bool> = results
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x["ok"].as_bool().unwrap())
            .collect();
        assert_eq!(ok, [true, true, false, false], "{}: {results}", db.name());
        assert_eq!(results[0]["status"], "confirmed");
        assert_eq!(
            results[2]["error"]["code"], "illegal_transition",
            "{results}"
        );
        assert!(!results[2]["error"]["reasons"]
            .as_array()
            .unwrap()
            .is_empty());
        assert_eq!(results[3]["error"]["code"], "note_required");
        let mut c = db.conn();
        for id in &ready {
            assert_eq!(firms::find_by_id(&mut c, *id).unwrap().stage, "reserve");
        }
        assert_eq!(
            firms::find_by_id(&mut c, not_ready[0]).unwrap().stage,
            "tech_sme"
        );
        drop(c);
        let page = app.api_get("/api/v1/nominations", &bureau).json();
        assert_eq!(page["pending"].as_array().unwrap().len(), 1);
        assert_eq!(page["decided"].as_array().unwrap().len(), 2);
        // Deciding one again says so.
        let r = app.api_send(
            "POST",
            "/api/v1/nominations/decisions",
            &bureau,
            &json!({"decisions": [{"id": made[0].0, "decision": "decline", "note": "重复"}]}),
        );
        assert_eq!(
            r.json()["results"][0]["error"]["code"],
            "already_decided",
            "{}",
            r.body
        );
        // Firm users and advisors have no nominations screen.
        let f = firm_token(&db, ready[0]);
        assert_eq!(app.api_get("/api/v1/nominations", &f).status, 403);
    }
}
