//! No internal names in anything a person reads: the visible text of the main pages, in both
//! languages, holds no rule-set id (`reserve-local`), criterion id (`hte.rd_ratio`), sector
//! code (`salt_chem`) or JSON field name (`rd_expense_domestic`, `flags.restricted_industry`).

use super::TestApp;
use crate::common::TestDb;
use peiyu::core::rules::{CriterionId, RuleSet};
use peiyu::i18n::Lang;

/// The text a person sees: outside tags, scripts and styles (attribute values, such as the
/// `value` a form is filled with, are data, not words).
fn visible(html: &str) -> String {
    let mut shown = String::new();
    let mut rest = html;
    while let Some(a) = rest.find("<script").or_else(|| rest.find("<style")) {
        let close = if rest[a..].starts_with("<script") {
            "</script>"
        } else {
            "</style>"
        };
        shown.push_str(&rest[..a]);
        rest = rest[a..]
            .find(close)
            .map_or("", |i| &rest[a + i + close.len()..]);
    }
    shown.push_str(rest);
    let mut text = String::new();
    let mut inside = false;
    for c in shown.chars() {
        match c {
            '<' => inside = true,
            '>' => {
                inside = false;
                text.push(' ');
            }
            _ if !inside => text.push(c),
            _ => {}
        }
    }
    text
}

const FIELDS: &[&str] = &[
    "rd_expense_domestic",
    "rd_expense",
    "high_tech_revenue",
    "total_cost",
    "total_assets",
    "net_assets",
    "total_income",
    "restricted_industry",
    "major_incident",
    "deemed_taxation",
    "key_field",
    "core_ip",
    "firm_uscc",
    "tech_staff",
    "founded_on",
    "valid_hte",
    "active:",
];

#[test]
fn pages_show_names_not_internal_ids_in_both_languages() {
    let db = TestDb::sqlite();
    peiyu::app::seed_demo::seed_demo(
        &mut db.conn(),
        20_251_207,
        40,
        chrono::Utc::now().date_naive(),
    )
    .unwrap();
    let app = TestApp::spawn(&db);
    let firms = peiyu::store::firms::list(
        &mut db.conn(),
        &peiyu::store::firms::FirmFilter {
            limit: Some(10_000),
            ..Default::default()
        },
    )
    .unwrap();
    let mut by_stage = std::collections::BTreeMap::new();
    for f in &firms {
        by_stage.entry(f.stage.clone()).or_insert(f.id);
    }
    let mut paths: Vec<String> = [
        "/",
        "/firms",
        "/pool",
        "/advisors",
        "/agenda",
        "/issues",
        "/account/mail",
        "/admin/users",
        "/admin/mail",
    ]
    .iter()
    .map(|p| p.to_string())
    .collect();
    for id in by_stage.values() {
        paths.push(format!("/firms/{id}"));
        paths.push(format!("/firms/{id}/edit"));
        paths.push(format!("/firms/{id}/whatif"));
        paths.push(format!("/firms/{id}/years"));
    }
    // A code that is also a word of the sector's English name (`agriculture` in "Modern
    // agriculture") is checked on the Chinese pages only.
    let sectors: Vec<(String, String)> = peiyu::demo::SECTORS
        .iter()
        .map(|s| (s.code.to_string(), s.name_en.to_lowercase()))
        .collect();
    let mut found = Vec::new();
    for lang in Lang::ALL {
        app.get(&format!("/lang/{}?next=%2F", lang.tag()));
        if lang == Lang::ZhCn {
            let r = app.login("admin", peiyu::app::seed_demo::DEMO_PASSWORD);
            assert_eq!(r.status, 303, "{}", r.body);
        }
        for path in &paths {
            let page = app.get(path);
            assert_eq!(page.status, 200, "{path}");
            let text = visible(&page.body);
            let mut hit = |what: &str, name: &str| {
                found.push(format!("{} {path}: {what} `{name}`", lang.tag()));
            };
            for r in RuleSet::ALL {
                if text.contains(r.id()) {
                    hit("rule set", r.id());
                }
            }
            for c in CriterionId::all() {
                if text.contains(c.as_str()) {
                    hit("criterion", c.as_str());
                }
            }
            for (s, name_en) in &sectors {
                if lang == Lang::En && name_en.split(' ').any(|w| w == s) {
                    continue;
                }
                if text
                    .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                    .any(|w| w == s)
                {
                    hit("sector code", s);
                }
            }
            for f in FIELDS {
                if text
                    .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == ':'))
                    .any(|w| w == *f || w.ends_with(&format!(".{f}")))
                {
                    hit("field", f);
                }
            }
        }
    }
    found.sort();
    found.dedup();
    assert!(
        found.is_empty(),
        "{} internal names shown:\n{}",
        found.len(),
        found.join("\n")
    );
}

#[test]
fn a_score_reads_as_one_number_when_it_is_one_and_every_number_has_its_unit() {
    let db = TestDb::sqlite();
    peiyu::app::seed_demo::seed_demo(
        &mut db.conn(),
        20_251_207,
        40,
        chrono::Utc::now().date_naive(),
    )
    .unwrap();
    let app = TestApp::spawn(&db);
    assert_eq!(
        app.login("bureau", peiyu::app::seed_demo::DEMO_PASSWORD)
            .status,
        303
    );
    let firms = peiyu::store::firms::list(
        &mut db.conn(),
        &peiyu::store::firms::FirmFilter {
            limit: Some(10_000),
            ..Default::default()
        },
    )
    .unwrap();
    let mut scores = 0;
    for f in firms
        .iter()
        .filter(|f| f.stage == "prospect" || f.stage == "tech_sme")
    {
        let text = visible(&app.get(&format!("/firms/{}", f.id)).body);
        // The summary line: "… · 得分 26 分" (a criterion's table has its own column).
        for (i, _) in text.match_indices("· 得分 ") {
            let shown: String = text[i + "· 得分 ".len()..]
                .chars()
                .take_while(|c| *c != '<')
                .take(12)
                .collect();
            let number = shown.split(' ').next().unwrap_or("");
            if let Some((lo, hi)) = number.split_once('–') {
                assert_ne!(lo, hi, "firm {}: 得分 {shown}", f.id);
            }
            assert!(
                shown.contains(" 分"),
                "firm {}: a score has its unit: {shown}",
                f.id
            );
            scores += 1;
        }
        assert!(!text.contains("尚远"), "firm {}", f.id);
        assert!(
            !text.contains("有效 · ✓"),
            "firm {}: status said twice",
            f.id
        );
    }
    assert!(
        scores > 0,
        "no score shown on any prospect or tech-SME page"
    );
    let agenda = visible(&app.get("/agenda").body);
    assert!(!agenda.contains(" +"), "an overdue count without its unit");
    assert!(
        !visible(&app.get("/").body).contains("服务专员"),
        "one term for the advisor role"
    );
}
