use super::token_for;
use crate::common::{backends, FirmBuilder, COUNTY_A, COUNTY_B, SECTOR};
use crate::web::{seed_with_passwords, TestApp};
use peiyu::store::{audit, firms, years};
use serde_json::json;

#[test]
fn firm_reads_follow_the_page_filters_and_the_territory() {
    for db in backends() {
        let s = seed_with_passwords(&db);
        let (a, b) = {
            let mut c = db.conn();
            (
                FirmBuilder::new()
                    .county(COUNTY_A)
                    .create(&mut c, &s.bureau),
                FirmBuilder::new()
                    .county(COUNTY_B)
                    .create(&mut c, &s.bureau),
            )
        };
        let app = TestApp::spawn(&db);
        let t = token_for(&db, "county_a");
        let list = app.api_get("/api/v1/firms", &t);
        assert_eq!(list.status, 200, "{}: {}", db.name(), list.body);
        assert!(list
            .header("content-type")
            .unwrap()
            .starts_with("application/json"));
        let j = list.json();
        assert_eq!(
            (
                j["total"].as_i64(),
                j["page"].as_i64(),
                j["per_page"].as_i64()
            ),
            (Some(1), Some(1), Some(50))
        );
        assert_eq!(j["items"][0]["id"].as_i64(), Some(a.id));

        let bureau = token_for(&db, "bureau");
        let j = app
            .api_get(
                &format!("/api/v1/firms?q={}&per_page=1", &b.uscc[..12]),
                &bureau,
            )
            .json();
        assert_eq!(j["per_page"].as_i64(), Some(1));
        assert!(
            j["items"]
                .as_array()
                .unwrap()
                .iter()
                .any(|f| f["id"].as_i64() == Some(b.id))
                || j["total"].as_i64().unwrap() > 1
        );
        let j = app.api_get("/api/v1/firms?stage=high_tech", &bureau).json();
        assert_eq!(j["total"].as_i64(), Some(0));
        let j = app
            .api_get(&format!("/api/v1/firms?county={COUNTY_B}"), &bureau)
            .json();
        assert_eq!(j["total"].as_i64(), Some(1));

        assert_eq!(
            app.api_get(&format!("/api/v1/firms/{}", a.id), &t).status,
            200
        );
        let hidden = app.api_get(&format!("/api/v1/firms/{}", b.id), &t);
        assert_eq!(
            (hidden.status, hidden.code().as_str()),
            (404, "not_found"),
            "{}",
            hidden.body
        );
        assert!(!hidden.body.contains(&b.uscc));
        for sub in ["years", "ip", "evaluation"] {
            assert_eq!(
                app.api_get(&format!("/api/v1/firms/{}/{sub}", b.id), &t)
                    .status,
                404,
                "{sub}"
            );
            assert_eq!(
                app.api_get(&format!("/api/v1/firms/{}/{sub}", a.id), &t)
                    .status,
                200,
                "{sub}"
            );
        }
        let ev = app
            .api_get(&format!("/api/v1/firms/{}/evaluation", a.id), &t)
            .json();
        assert_eq!(ev["next_stage"], "tech_sme");
        assert_eq!(ev["evaluation"]["ruleset"], "tech-sme-2017");
        assert_eq!(app.api_get("/api/v1/nothing-here", &t).code(), "not_found");
    }
}

#[test]
fn create_and_patch_validate_and_use_the_version() {
    for db in backends() {
        let s = seed_with_passwords(&db);
        let _ = s;
        let app = TestApp::spawn(&db);
        let t = token_for(&db, "county_a");
        let uscc = crate::common::next_uscc();
        let body = json!({"uscc": uscc, "name": "漯河市接口科技有限公司", "county_code": COUNTY_A, "sector_code": SECTOR});
        let r = app.api_send("POST", "/api/v1/firms", &t, &body);
        assert_eq!(r.status, 201, "{}: {}", db.name(), r.body);
        let firm = r.json();
        let id = firm["id"].as_i64().unwrap();
        assert_eq!(
            (firm["stage"].as_str(), firm["version"].as_i64()),
            (Some("prospect"), Some(1))
        );

        let dup = app.api_send("POST", "/api/v1/firms", &t, &body);
        assert_eq!(
            (dup.status, dup.code().as_str()),
            (409, "duplicate"),
            "{}",
            dup.body
        );
        let bad = app.api_send(
            "POST",
            "/api/v1/firms",
            &t,
            &json!({"uscc": "91411100XXXXXXXXX1", "name": "x", "county_code": COUNTY_A}),
        );
        assert_eq!(bad.status, 400, "{}", bad.body);
        assert_eq!(bad.json()["error"]["field"], "uscc");
        let missing = app.api_send("POST", "/api/v1/firms", &t, &json!({"uscc": uscc}));
        assert_eq!(missing.status, 400);
        assert!(
            missing.json()["error"]["message"]
                .as_str()
                .unwrap()
                .contains("name"),
            "{}",
            missing.body
        );
        let other = app.api_send(
            "POST",
            "/api/v1/firms",
            &t,
            &json!({"uscc": crate::common::next_uscc(), "name": "x", "county_code": COUNTY_B}),
        );
        assert_eq!(other.status, 403, "{}", other.body);

        let path = format!("/api/v1/firms/{id}");
        let ok = app.api_send(
            "PATCH",
            &path,
            &t,
            &json!({"version": 1, "name": "新名称", "employees": 30}),
        );
        assert_eq!(ok.status, 200, "{}", ok.body);
        assert_eq!(
            (ok.json()["name"].as_str(), ok.json()["version"].as_i64()),
            (Some("新名称"), Some(2))
        );
        let audits = audit::count_for_entity(&mut db.conn(), "firm", id).unwrap();
        let stale = app.api_send("PATCH", &path, &t, &json!({"version": 1, "name": "旧"}));
        assert_eq!(
            (stale.status, stale.code().as_str()),
            (409, "stale_version"),
            "{}",
            stale.body
        );
        let f = firms::find_by_id(&mut db.conn(), id).unwrap();
        assert_eq!(
            (f.name.as_str(), f.version),
            ("新名称", 2),
            "a stale patch writes nothing"
        );
        assert_eq!(
            audit::count_for_entity(&mut db.conn(), "firm", id).unwrap(),
            audits
        );
        let no_version = app.api_send("PATCH", &path, &t, &json!({"name": "x"}));
        assert_eq!(no_version.status, 400);
        let neg = app.api_send("PATCH", &path, &t, &json!({"version": 2, "employees": -1}));
        assert_eq!(
            (neg.status, neg.json()["error"]["field"].as_str()),
            (400, Some("employees"))
        );
        let advisor = token_for(&db, "advisor");
        assert_eq!(
            app.api_send("PATCH", &path, &advisor, &json!({"version": 2}))
                .status,
            404
        );
    }
}

#[test]
fn years_are_yuan_outside_and_fen_inside_and_ip_is_recorded_once() {
    for db in backends() {
        let s = seed_with_passwords(&db);
        let firm = FirmBuilder::new().create(&mut db.conn(), &s.bureau);
        let app = TestApp::spawn(&db);
        let t = token_for(&db, "county_a");
        let path = format!("/api/v1/firms/{}/years/2024", firm.id);
        let r = app.api_send(
            "PUT",
            &path,
            &t,
            &json!({"revenue": 48000000, "rd_expense": 2600000, "conversions": 3}),
        );
        assert_eq!(r.status, 200, "{}: {}", db.name(), r.body);
        assert_eq!(r.json()["revenue"], 48000000);
        let stored = years::list_for_firm(&mut db.conn(), firm.id).unwrap();
        assert_eq!(stored[0].revenue, Some(4_800_000_000), "stored in fen");
        let list = app
            .api_get(&format!("/api/v1/firms/{}/years", firm.id), &t)
            .json();
        assert_eq!(list[0]["rd_expense"], 2600000);
        let neg = app.api_send("PUT", &path, &t, &json!({"revenue": -5}));
        assert_eq!(
            (neg.status, neg.json()["error"]["field"].as_str()),
            (400, Some("revenue")),
            "{}",
            neg.body
        );
        let typo = app.api_send("PUT", &path, &t, &json!({"revenue": "lots"}));
        assert_eq!(
            (typo.status, typo.json()["error"]["field"].as_str()),
            (400, Some("revenue")),
            "{}",
            typo.body
        );

        let ip = format!("/api/v1/firms/{}/ip", firm.id);
        let item =
            json!({"kind": "invention_patent", "number": "ZL2023100000001", "title": "一种方法"});
        let r = app.api_send("POST", &ip, &t, &item);
        assert_eq!(r.status, 201, "{}", r.body);
        assert_eq!(app.api_send("POST", &ip, &t, &item).code(), "duplicate");
        let bad = app.api_send("POST", &ip, &t, &json!({"kind": "patent", "number": "1"}));
        assert_eq!(
            (bad.status, bad.json()["error"]["field"].as_str()),
            (400, Some("kind"))
        );
        assert_eq!(app.api_get(&ip, &t).json().as_array().unwrap().len(), 1);
        let b = token_for(&db, "county_b");
        assert_eq!(
            app.api_send("PUT", &path, &b, &json!({"revenue": 1}))
                .status,
            404
        );
    }
}

#[test]
fn events_answer_with_the_new_stage_or_the_core_reasons() {
    for db in backends() {
        let s = seed_with_passwords(&db);
        let firm = FirmBuilder::new().create(&mut db.conn(), &s.bureau);
        let app = TestApp::spawn(&db);
        let path = format!("/api/v1/firms/{}/events", firm.id);
        let bureau = token_for(&db, "bureau");
        let certify = |v: i64| json!({"event": "certify_high_tech", "cert_no": "GR202441000123", "issued_on": "2024-12-01", "expected_version": v});

        let county = token_for(&db, "county_a");
        let r = app.api_send("POST", &path, &county, &certify(firm.version));
        assert_eq!(
            (r.status, r.code().as_str()),
            (403, "forbidden"),
            "{}: {}",
            db.name(),
            r.body
        );
        let advisor = token_for(&db, "advisor");
        assert_eq!(
            app.api_send("POST", &path, &advisor, &certify(firm.version))
                .status,
            404
        );

        let illegal = app.api_send(
            "POST",
            &path,
            &bureau,
            &json!({"event": "reinstate", "expected_version": firm.version}),
        );
        assert_eq!(
            (illegal.status, illegal.code().as_str()),
            (409, "illegal_transition"),
            "{}",
            illegal.body
        );
        let reasons = illegal.json()["error"]["reasons"].clone();
        assert!(
            reasons[0]["zh"].is_string() && reasons[0]["en"].is_string(),
            "{reasons}"
        );

        let r = app.api_send("POST", &path, &bureau, &certify(firm.version));
        assert_eq!(r.status, 200, "{}", r.body);
        let j = r.json();
        assert_eq!(
            (j["stage"].as_str(), j["from"].as_str(), j["seq"].as_i64()),
            (Some("high_tech"), Some("prospect"), Some(1))
        );
        assert_eq!(j["version"].as_i64(), Some(firm.version + 1));

        let stale = app.api_send("POST", &path, &bureau, &certify(firm.version));
        assert_eq!(
            (stale.status, stale.code().as_str()),
            (409, "stale_version")
        );
        let bad = app.api_send(
            "POST",
            &path,
            &bureau,
            &json!({"event": "fly_to_moon", "expected_version": 2}),
        );
        assert_eq!(bad.status, 400, "{}", bad.body);

        let en = app.call(
            "POST",
            &path,
            Some(&bureau),
            &[("accept-language", "en-US,en;q=0.9")],
            Some(&json!({"event": "reinstate", "expected_version": 2}).to_string()),
        );
        assert!(
            en.json()["error"]["message"].as_str().unwrap().is_ascii(),
            "{}",
            en.body
        );
    }
}

#[test]
fn the_reserve_pool_ranks_tech_smes_and_reserve_firms_in_the_territory() {
    for db in backends() {
        let s = seed_with_passwords(&db);
        let (a, b) = {
            let mut c = db.conn();
            let a = FirmBuilder::new().create(&mut c, &s.bureau);
            let b = FirmBuilder::new()
                .county(COUNTY_B)
                .create(&mut c, &s.bureau);
            for f in [&a, &b] {
                let ch = firms::FirmChanges {
                    stage: Some("tech_sme".into()),
                    ..Default::default()
                };
                firms::update_with_version(
                    &mut c,
                    f.id,
                    f.version,
                    &ch,
                    chrono::Utc::now().naive_utc(),
                )
                .unwrap();
            }
            (a, b)
        };
        let app = TestApp::spawn(&db);
        let t = token_for(&db, "county_a");
        let j = app.api_get("/api/v1/reserve-pool", &t).json();
        let ids: Vec<i64> = j["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["id"].as_i64().unwrap())
            .collect();
        assert_eq!(ids, vec![a.id], "{}", db.name());
        let bureau = token_for(&db, "bureau");
        let j = app
            .api_get(&format!("/api/v1/reserve-pool?county={COUNTY_B}"), &bureau)
            .json();
        assert_eq!(j["items"][0]["id"].as_i64(), Some(b.id));
        assert_eq!(j["total"].as_i64(), Some(1));
    }
}
