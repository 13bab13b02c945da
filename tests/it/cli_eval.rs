//! `peiyu eval` as outside checks call it: JSON on stdin, evaluation on stdout, exit 2 on bad input.

use serde_json::Value;
use std::io::Write;
use std::process::{Command, Output, Stdio};

const WORKED: &str = include_str!("../fixtures/worked_example.json");

fn eval(args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_peiyu"))
        .arg("eval")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn peiyu");
    let written = child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stdin.as_bytes());
    // A command that refuses its arguments (an unknown rule set) may exit before it reads
    // its input; the pipe then breaks, and the exit status and stderr still tell the outcome.
    if let Err(e) = written {
        assert_eq!(e.kind(), std::io::ErrorKind::BrokenPipe, "write stdin: {e}");
    }
    child.wait_with_output().expect("wait")
}

fn bad_input(args: &[&str], stdin: &str) -> String {
    let out = eval(args, stdin);
    assert_eq!(
        out.status.code(),
        Some(2),
        "stdout: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(out.stdout.is_empty(), "no partial result on stdout");
    let err = String::from_utf8(out.stderr).expect("utf-8 stderr");
    assert_eq!(
        err.trim_end().lines().count(),
        1,
        "one line on stderr: {err}"
    );
    assert!(!err.contains("panicked"), "{err}");
    err
}

fn criterion<'a>(ev: &'a Value, id: &str) -> &'a Value {
    ev["criteria"]
        .as_array()
        .expect("criteria array")
        .iter()
        .find(|c| c["id"] == id)
        .unwrap_or_else(|| panic!("criterion {id} missing"))
}

#[test]
fn worked_example_fails_on_rd_ratio_with_score_range_35_to_80() {
    let out = eval(&["--ruleset", "hte-2016", "--as-of", "2025-05-31"], WORKED);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let ev: Value = serde_json::from_slice(&out.stdout).expect("JSON on stdout");
    assert_eq!(ev["ruleset"], "hte-2016");
    assert_eq!(ev["as_of"], "2025-05-31");
    assert_eq!(ev["eligible"], false);
    assert_eq!(ev["score"]["low"], 35);
    assert_eq!(ev["score"]["high"], 80);
    let rd = criterion(&ev, "hte.rd_ratio");
    assert_eq!(rd["status"], "fail");
    assert!(
        rd["actual"].as_str().unwrap_or_default().contains("4.96"),
        "{rd}"
    );
    assert_eq!(criterion(&ev, "hte.innovation_score")["status"], "unknown");
    assert_eq!(criterion(&ev, "hte.tech_staff_ratio")["status"], "pass");
    assert_eq!(
        criterion(&ev, "hte.high_tech_revenue_share")["status"],
        "pass"
    );
    let r = ev["readiness"].as_u64().expect("readiness");
    assert!(r < 100, "not eligible, so not 100: {r}");
}

#[test]
fn every_rule_set_evaluates_the_worked_example() {
    for rs in [
        "hte-2016",
        "tech-sme-2017",
        "reserve-local",
        "leader-local",
        "gazelle-henan-2023",
        "little-giant-henan-2017",
    ] {
        let out = eval(&["--ruleset", rs, "--as-of", "2025-05-31"], WORKED);
        assert!(
            out.status.success(),
            "{rs}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let ev: Value = serde_json::from_slice(&out.stdout).expect("JSON");
        assert_eq!(ev["ruleset"], rs);
        for c in ev["criteria"].as_array().expect("criteria") {
            for key in [
                "id",
                "status",
                "actual",
                "required",
                "explain_zh",
                "explain_en",
            ] {
                assert!(c.get(key).is_some(), "{rs}: {key} missing in {c}");
            }
        }
    }
}

#[test]
fn malformed_json_exits_2_with_one_line() {
    let err = bad_input(&["--ruleset", "hte-2016"], "{\"employees\": 12,");
    assert!(err.contains("JSON"), "{err}");
}

#[test]
fn negative_amount_exits_2_naming_the_field() {
    let text = WORKED.replace("\"revenue\": 40000000", "\"revenue\": -40000000");
    let err = bad_input(&["--ruleset", "hte-2016", "--as-of", "2025-05-31"], &text);
    assert!(err.contains("financials[1].revenue"), "{err}");
}

#[test]
fn unknown_rule_set_exits_2_naming_the_known_ones() {
    let err = bad_input(&["--ruleset", "hte-2099"], WORKED);
    assert!(err.contains("ruleset") && err.contains("hte-2016"), "{err}");
}

#[test]
fn judged_score_outside_its_band_exits_2_naming_the_field() {
    // The average of 2, 3, 4 conversions is 3, whose band is 13–18: 28 is outside it.
    let text = WORKED.replacen('{', "{\"judged\": {\"conversion\": 28},", 1);
    let err = bad_input(&["--ruleset", "hte-2016", "--as-of", "2025-05-31"], &text);
    assert!(err.contains("judged.conversion"), "{err}");
    assert!(err.contains("13") && err.contains("18"), "{err}");
}

#[test]
fn bad_date_and_empty_input_exit_2() {
    bad_input(&["--ruleset", "hte-2016", "--as-of", "2025-13-01"], WORKED);
    bad_input(&["--ruleset", "hte-2016"], "");
    bad_input(&["--ruleset", "hte-2016"], "[1,2]");
}

#[test]
fn help_documents_total_income_industry_code_and_deemed_taxation() {
    let out = Command::new(env!("CARGO_BIN_EXE_peiyu"))
        .args(["eval", "--help"])
        .output()
        .expect("run peiyu eval --help");
    assert!(out.status.success());
    let help = String::from_utf8(out.stdout).expect("utf-8");
    for field in ["total_income", "industry_code", "deemed_taxation"] {
        assert!(
            help.contains(field),
            "--help does not mention {field}:\n{help}"
        );
    }
}

#[test]
fn zero_sales_is_evaluated_not_refused() {
    let profile = r#"{"uscc": "914403001922038216", "founded_on": "2016-04-01",
        "employees": 20, "tech_staff": 5,
        "financials": [
          {"year": 2022, "revenue": 0, "rd_expense": 0, "rd_expense_domestic": 0, "total_cost": 0},
          {"year": 2023, "revenue": 0, "rd_expense": 0, "rd_expense_domestic": 0, "total_cost": 0},
          {"year": 2024, "revenue": 0, "rd_expense": 0, "rd_expense_domestic": 0,
           "high_tech_revenue": 0, "total_cost": 0, "total_assets": 1000000}]}"#;
    for rs in [
        "hte-2016",
        "tech-sme-2017",
        "reserve-local",
        "leader-local",
        "gazelle-henan-2023",
        "little-giant-henan-2017",
    ] {
        let out = eval(&["--ruleset", rs, "--as-of", "2025-05-31"], profile);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{rs}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let ev: Value = serde_json::from_slice(&out.stdout).expect("JSON");
        assert_ne!(ev["eligible"], true, "{rs}");
    }
    let out = eval(&["--ruleset", "hte-2016", "--as-of", "2025-05-31"], profile);
    let ev: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let rd = criterion(&ev, "hte.rd_ratio");
    assert_eq!(rd["status"], "fail");
    assert!(rd["explain_en"]
        .as_str()
        .is_some_and(|s| s.contains("revenue is zero in 2022–2024")));
}
