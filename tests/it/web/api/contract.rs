//! The API does what its OpenAPI document says (scripts/api-contract runs schemathesis over
//! all of it; these are the fixes it asked for, one by one).

use super::token_for;
use crate::common::{backends, FirmBuilder, TestDb};
use crate::web::{seed_with_passwords, Resp, TestApp};
use chrono::{DateTime, Datelike};
use peiyu::store::firms;
use serde_json::{json, Value};

/// A 400 in the JSON error shape naming `field`, with `code`.
fn refused(r: &Resp, field: &str, code: &str) {
    assert_eq!(r.status, 400, "{}", r.body);
    assert!(
        r.header("content-type")
            .unwrap()
            .starts_with("application/json"),
        "{}",
        r.body
    );
    assert_eq!(
        (r.json()["error"]["field"].as_str(), r.code().as_str()),
        (Some(field), code),
        "{}",
        r.body
    );
}

#[test]
fn timestamps_are_rfc3339_with_the_utc_offset() {
    for db in backends() {
        let s = seed_with_passwords(&db);
        let firm = FirmBuilder::new().create(&mut db.conn(), &s.bureau);
        let app = TestApp::spawn(&db);
        let t = token_for(&db, "bureau");
        let j = app
            .api_get(&format!("/api/v1/firms/{}", firm.id), &t)
            .json();
        let stored = firms::find_by_id(&mut db.conn(), firm.id).unwrap();
        for (field, at) in [
            ("created_at", stored.created_at),
            ("updated_at", stored.updated_at),
        ] {
            let text = j[field].as_str().unwrap();
            assert!(text.ends_with('Z'), "{}: {field} {text}", db.name());
            let read = DateTime::parse_from_rfc3339(text).unwrap();
            assert_eq!(read.naive_utc(), at, "{field}: the stored UTC time");
        }
        let listed = app.api_get("/api/v1/firms", &t).json();
        let text = listed["items"][0]["created_at"].as_str().unwrap();
        assert!(DateTime::parse_from_rfc3339(text).is_ok(), "{text}");
    }
}

#[test]
fn a_value_above_a_declared_maximum_is_a_json_400_naming_it() {
    for db in backends() {
        let s = seed_with_passwords(&db);
        let firm = FirmBuilder::new().create(&mut db.conn(), &s.bureau);
        let app = TestApp::spawn(&db);
        let t = token_for(&db, "bureau");
        refused(
            &app.api_get("/api/v1/firms?per_page=501", &t),
            "per_page",
            "out_of_range",
        );
        refused(
            &app.api_get("/api/v1/firms?rmax=101", &t),
            "rmax",
            "out_of_range",
        );
        refused(
            &app.api_get("/api/v1/firms?page=", &t),
            "page",
            "out_of_range",
        );
        let j = app.api_get("/api/v1/firms?per_page=500&rmin=0", &t).json();
        assert_eq!(j["per_page"].as_i64(), Some(500), "{}", db.name());

        let year = format!("/api/v1/firms/{}/years/2024", firm.id);
        let over = 100_000_000_000_001_i64;
        refused(
            &app.api_send("PUT", &year, &t, &json!({ "revenue": over })),
            "revenue",
            "implausible_amount",
        );
        refused(
            &app.api_send("PUT", &year, &t, &json!({ "net_assets": -over })),
            "net_assets",
            "implausible_amount",
        );
        let r = app.api_send("PUT", &year, &t, &json!({ "revenue": over - 1 }));
        assert_eq!(r.status, 200, "{}: {}", db.name(), r.body);

        // The document's year bound is this year, as the code's.
        let doc = app.api_get("/api/v1/openapi.json", &t).json();
        let params = doc["paths"]["/api/v1/firms/{id}/years/{year}"]["put"]["parameters"]
            .as_array()
            .unwrap()
            .clone();
        let y = params.iter().find(|p| p["name"] == "year").unwrap();
        let this_year = i64::from(chrono::Utc::now().date_naive().year());
        assert!(
            (this_year..=this_year + 1).contains(&y["schema"]["maximum"].as_i64().unwrap()),
            "{y}"
        );
        assert_eq!(y["schema"]["minimum"], 1900);
    }
}

#[test]
fn an_unknown_id_is_refused_naming_the_known_ones() {
    for db in backends() {
        let s = seed_with_passwords(&db);
        let firm = FirmBuilder::new().create(&mut db.conn(), &s.bureau);
        let app = TestApp::spawn(&db);
        let t = token_for(&db, "bureau");
        let r = app.api_get("/api/v1/firms?stage=hightech", &t);
        refused(&r, "stage", "unknown_value");
        assert!(
            r.json()["error"]["message"]
                .as_str()
                .unwrap()
                .contains("high_tech"),
            "{}",
            r.body
        );
        refused(
            &app.api_get("/api/v1/firms?sort=size", &t),
            "sort",
            "unknown_value",
        );
        refused(
            &app.api_get("/api/v1/firms?dir=up", &t),
            "dir",
            "unknown_value",
        );

        let r = app.api_send(
            "POST",
            "/api/v1/eligibility?ruleset=hte-2099",
            &t,
            &json!({}),
        );
        refused(&r, "ruleset", "unknown_ruleset");
        let message = r.json()["error"]["message"].as_str().unwrap().to_string();
        for known in ["hte-2016", "tech-sme-2017"] {
            assert!(message.contains(known), "{message}");
        }
        refused(
            &app.api_send(
                "POST",
                "/api/v1/eligibility?ruleset=hte-2016&as_of=2024-1-5",
                &t,
                &json!({}),
            ),
            "as_of",
            "invalid_date",
        );

        let ip = format!("/api/v1/firms/{}/ip", firm.id);
        let item = |acquisition: Value| json!({"kind": "invention_patent", "number": "ZL2023100000009", "acquisition": acquisition});
        refused(
            &app.api_send("POST", &ip, &t, &item(json!(" own"))),
            "acquisition",
            "unknown_acquisition",
        );
        refused(
            &app.api_send("POST", &ip, &t, &item(json!(""))),
            "acquisition",
            "unknown_acquisition",
        );
        let r = app.api_send("POST", &ip, &t, &item(json!("transferred")));
        assert_eq!(r.status, 201, "{}: {}", db.name(), r.body);
        assert_eq!(r.json()["acquisition"], "transferred");
    }
}

#[test]
fn an_event_body_takes_its_own_fields_only_and_a_reason_may_run_over_lines() {
    for db in backends() {
        let s = seed_with_passwords(&db);
        let firm = FirmBuilder::new().create(&mut db.conn(), &s.bureau);
        let app = TestApp::spawn(&db);
        let t = token_for(&db, "bureau");
        let path = format!("/api/v1/firms/{}/events", firm.id);
        let v = firm.version;
        refused(
            &app.api_send(
                "POST",
                &path,
                &t,
                &json!({"event": "reinstate", "expected_version": v, "reason": "x"}),
            ),
            "reason",
            "unknown_field",
        );
        refused(
            &app.api_send(
                "POST",
                &path,
                &t,
                &json!({"event": "exit", "expected_version": v, "reason": "x".repeat(10_001)}),
            ),
            "reason",
            "too_long",
        );
        refused(
            &app.api_send(
                "POST",
                &path,
                &t,
                &json!({"event": "exit", "expected_version": v, "reason": "a\u{7}b"}),
            ),
            "reason",
            "control_character",
        );
        let r = app.api_send(
            "POST",
            &path,
            &t,
            &json!({"event": "exit", "expected_version": v, "reason": "迁出本市。\n已注销"}),
        );
        assert_eq!(r.status, 200, "{}: {}", db.name(), r.body);
        assert_eq!(r.json()["stage"], "exited");
    }
}

#[test]
fn one_line_fields_refuse_tabs_and_line_breaks_and_whole_floats_are_integers() {
    for db in backends() {
        let s = seed_with_passwords(&db);
        let firm = FirmBuilder::new().create(&mut db.conn(), &s.bureau);
        let app = TestApp::spawn(&db);
        let t = token_for(&db, "bureau");
        let path = format!("/api/v1/firms/{}", firm.id);
        let v = firm.version;
        // Trimmed before its check, so only the body's own check refuses it.
        refused(
            &app.api_send(
                "PATCH",
                &path,
                &t,
                &json!({"version": v, "contact_phone": "0395-1234567\n"}),
            ),
            "contact_phone",
            "line_break",
        );
        let r = app.api_send(
            "PATCH",
            &path,
            &t,
            &json!({"version": v as f64, "employees": 30.0, "tech_staff": 3}),
        );
        assert_eq!(r.status, 200, "{}: {}", db.name(), r.body);
        assert_eq!(r.json()["employees"], 30);
        refused(
            &app.api_send(
                "PATCH",
                &path,
                &t,
                &json!({"version": v + 1, "employees": 30.5}),
            ),
            "employees",
            "invalid_value",
        );
    }
}

/// Every string schema under `v`, with its path.
fn strings<'a>(v: &'a Value, path: String, out: &mut Vec<(String, &'a Value)>) {
    if v["type"] == "string"
        || v["type"]
            .as_array()
            .is_some_and(|t| t.contains(&json!("string")))
    {
        out.push((path.clone(), v));
    }
    for (key, child) in v["properties"].as_object().into_iter().flatten() {
        strings(child, format!("{path}.{key}"), out);
    }
    for (i, child) in v["oneOf"].as_array().into_iter().flatten().enumerate() {
        strings(child, format!("{path}[{i}]"), out);
    }
}

#[test]
fn the_document_states_the_rules_of_everything_the_api_reads() {
    let db = TestDb::sqlite();
    let app = TestApp::spawn(&db);
    let doc = app.get("/api/v1/openapi.json").json();
    let schemas = &doc["components"]["schemas"];

    // Every text the API reads has a pattern (control characters), an enumeration or a format.
    let mut read = Vec::new();
    for name in [
        "FirmIn",
        "FirmPatch",
        "YearIn",
        "IpIn",
        "EventIn",
        "ApplicationIn",
        "StepIn",
        "NominateItem",
        "DecisionIn",
    ] {
        strings(&schemas[name], name.to_string(), &mut read);
    }
    for (path, ops) in doc["paths"].as_object().unwrap() {
        for (method, op) in ops.as_object().unwrap() {
            for p in op["parameters"].as_array().into_iter().flatten() {
                strings(
                    &p["schema"],
                    format!("{method} {path} {}", p["name"]),
                    &mut read,
                );
            }
        }
    }
    assert!(read.len() > 20, "{}", read.len());
    let loose: Vec<&String> = read
        .iter()
        .filter(|(_, s)| s["pattern"].is_null() && s["enum"].is_null() && s["format"].is_null())
        .map(|(p, _)| p)
        .collect();
    assert!(loose.is_empty(), "texts without a rule: {loose:?}");

    // The ids come from the code's lists.
    let stages: Vec<&str> = peiyu::core::stage::Stage::ALL
        .iter()
        .map(|s| s.id())
        .collect();
    assert_eq!(
        schemas["FirmOut"]["properties"]["stage"]["enum"],
        json!(stages)
    );
    let uscc = schemas["FirmIn"]["properties"]["uscc"]["pattern"]
        .as_str()
        .unwrap();
    assert!(uscc.contains("[0-9A-HJ-NP-RTUWXY"), "{uscc}");
    assert_eq!(
        schemas["FirmIn"]["required"],
        json!(["uscc", "name", "county_code"])
    );
    let events: Vec<&str> = schemas["EventIn"]["oneOf"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["properties"]["event"]["enum"][0].as_str().unwrap())
        .collect();
    let kinds: Vec<&str> = peiyu::core::stage::EventKind::ALL
        .iter()
        .map(|k| k.id())
        .collect();
    assert_eq!(events, kinds);
    let ruleset = doc["paths"]["/api/v1/eligibility"]["post"]["parameters"][0].clone();
    assert_eq!(
        (ruleset["name"].as_str(), ruleset["required"].as_bool()),
        (Some("ruleset"), Some(true))
    );
    assert!(ruleset["schema"]["enum"]
        .as_array()
        .unwrap()
        .contains(&json!("hte-2016")));

    // Every route says what it answers when things go wrong, in the JSON error shape.
    for (path, ops) in doc["paths"].as_object().unwrap() {
        for (method, op) in ops.as_object().unwrap() {
            let responses = op["responses"].as_object().unwrap();
            let mut want = vec![];
            if path != "/api/v1/openapi.json" {
                want.extend(["401", "500", "503"]);
            }
            if !op["requestBody"].is_null() {
                want.extend(["400", "403", "408", "413"]);
            }
            // A JSON body of another type is refused; an upload takes any type (its content
            // decides).
            if !op["requestBody"]["content"]["application/json"].is_null() {
                want.push("415");
            }
            if path.contains("{id}") {
                want.push("404");
            }
            for status in want {
                let r = &responses
                    .get(status)
                    .unwrap_or_else(|| panic!("{method} {path} lacks {status}"));
                assert_eq!(
                    r["content"]["application/json"]["schema"]["$ref"],
                    "#/components/schemas/ErrorBody",
                    "{method} {path} {status}"
                );
                assert!(r["description"].as_str().unwrap().len() > 10);
            }
        }
    }
}

#[test]
fn every_event_the_document_describes_is_one_the_api_reads() {
    let db = TestDb::sqlite();
    let s = seed_with_passwords(&db);
    let firm = FirmBuilder::new().create(&mut db.conn(), &s.bureau);
    let app = TestApp::spawn(&db);
    let t = token_for(&db, "bureau");
    let doc = app.get("/api/v1/openapi.json").json();
    let path = format!("/api/v1/firms/{}/events", firm.id);
    for variant in doc["components"]["schemas"]["EventIn"]["oneOf"]
        .as_array()
        .unwrap()
    {
        let mut body = json!({});
        for (name, field) in variant["properties"].as_object().unwrap() {
            body[name] = match (name.as_str(), field["type"].as_str()) {
                ("event", _) => field["enum"][0].clone(),
                ("expected_version", _) => json!(firm.version + 1),
                ("cert_no", _) => json!("GR202441000123"),
                (_, Some("integer")) => json!(2024),
                (_, _) if field["format"] == "date" => json!("2024-12-01"),
                _ => json!("文字"),
            };
        }
        // A stale version: the body read, and nothing changed.
        let r = app.api_send("POST", &path, &t, &body);
        assert_eq!(
            (r.status, r.code().as_str()),
            (409, "stale_version"),
            "{body}: {}",
            r.body
        );
    }
}

/// A value for a string or integer field of the document, as its schema describes it.
fn example(name: &str, field: &Value) -> Value {
    match (name, field["type"].as_str()) {
        (_, _) if field["enum"].is_array() => field["enum"][0].clone(),
        ("cert_no", _) => json!("GR202441000123"),
        (_, Some("integer")) => json!(2024),
        (_, _) if field["format"] == "date" => json!("2024-12-01"),
        ("comment", _) => json!("文字\n第二行"),
        _ => json!("文字"),
    }
}

#[test]
fn every_application_step_the_document_describes_is_one_the_api_reads() {
    let db = TestDb::sqlite();
    let s = seed_with_passwords(&db);
    let firm = FirmBuilder::new().create(&mut db.conn(), &s.bureau);
    let now = chrono::Utc::now().naive_utc();
    let id = peiyu::store::applications::insert(
        &mut db.conn(),
        &peiyu::store::applications::NewApplication {
            firm_id: firm.id,
            target: "high_tech".to_string(),
            status: "draft".to_string(),
            on_behalf: false,
            note: String::new(),
            created_by: None,
            created_at: now,
            status_at: now,
            updated_at: now,
        },
    )
    .unwrap();
    let app = TestApp::spawn(&db);
    let t = token_for(&db, "bureau");
    let doc = app.get("/api/v1/openapi.json").json();
    let path = format!("/api/v1/applications/{id}/steps");
    let mut sent = 0;
    for variant in doc["components"]["schemas"]["StepIn"]["oneOf"]
        .as_array()
        .unwrap()
    {
        let mut body = json!({});
        let mut outcomes = vec![Value::Null];
        for (name, field) in variant["properties"].as_object().unwrap() {
            body[name] = match name.as_str() {
                "version" => json!(99),
                "outcome" => {
                    outcomes = field["oneOf"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|o| {
                            let mut v = json!({});
                            for (n, f) in o["properties"].as_object().unwrap() {
                                v[n] = example(n, f);
                            }
                            v
                        })
                        .collect();
                    continue;
                }
                _ => example(name, field),
            };
        }
        for outcome in outcomes {
            let mut body = body.clone();
            if !outcome.is_null() {
                body["outcome"] = outcome;
            }
            // A stale version: the body read, and nothing changed.
            let r = app.api_send("POST", &path, &t, &body);
            assert_eq!(
                (r.status, r.code().as_str()),
                (409, "stale_version"),
                "{body}: {}",
                r.body
            );
            sent += 1;
        }
    }
    assert_eq!(sent, peiyu::core::application::ActionKind::ALL.len() + 1);
}
