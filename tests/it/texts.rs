//! The texts the core and the use cases hand out (`Text`: a catalog key and named values) and
//! the catalogs that render them: every key used in `src/` exists in both languages, the two
//! entries name the same values, each value an entry names is given where the text is built,
//! and the core holds no Chinese words outside the rule sets' sentence code.

use peiyu::core::profile::Profile;
use peiyu::core::rules::Thresholds;
use peiyu::core::stage::{apply, Actor, Context, Event, FirmState, Rejection, Role, Stage};
use peiyu::i18n::{catalog, render, Lang};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

pub(crate) fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read a source folder") {
        let path = entry.expect("a folder entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Every `.rs` file below `src/<sub>`, with its path relative to `src/` and its text.
pub(crate) fn sources(sub: &str) -> Vec<(String, String)> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src.join(sub), &mut files);
    files.sort();
    files
        .into_iter()
        .map(|p| {
            let rel = p
                .strip_prefix(&src)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            (rel, std::fs::read_to_string(&p).unwrap())
        })
        .collect()
}

/// The source without its inline test module (`#[cfg(test)] mod … {`, which ends a file).
pub(crate) fn without_tests(text: &str) -> &str {
    let mut at = 0;
    for line in text.split_inclusive('\n') {
        let next = &text[at + line.len()..];
        if line.trim() == "#[cfg(test)]"
            && next
                .lines()
                .next()
                .is_some_and(|l| l.trim_start().starts_with("mod ") && l.trim_end().ends_with('{'))
        {
            return &text[..at];
        }
        at += line.len();
    }
    text
}

/// The `{name}`s of a catalog entry.
fn placeholders(entry: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut rest = entry;
    while let Some(open) = rest.find('{') {
        let after = &rest[open + 1..];
        let Some(close) = after.find('}') else { break };
        let name = &after[..close];
        if !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            out.insert(name.to_string());
        }
        rest = &after[close + 1..];
    }
    out
}

/// The end of the string literal that starts at `s[0] == '"'` (the index after its closing
/// quote).
pub(crate) fn literal_end(s: &str) -> usize {
    let b = s.as_bytes();
    let mut i = 1;
    while i < b.len() {
        match b[i] {
            b'\\' => i += 2,
            b'"' => return i + 1,
            _ => i += 1,
        }
    }
    b.len()
}

/// The index just after the parenthesis that closes the one at `s[0] == '('`.
fn call_end(s: &str) -> usize {
    let b = s.as_bytes();
    let (mut depth, mut i) = (0usize, 0);
    while i < b.len() {
        match b[i] {
            b'"' => {
                i += literal_end(&s[i..]);
                continue;
            }
            b'(' | b'[' | b'{' => depth += 1,
            b')' | b']' | b'}' => {
                depth -= 1;
                if depth == 0 {
                    return i + 1;
                }
            }
            _ => {}
        }
        i += 1;
    }
    b.len()
}

/// One `Text::new("key")` in the source: where, and the value names its builder chain gives
/// (`.plain("year", …).term("stage", …)…` right after it).
struct Use {
    at: String,
    key: String,
    names: BTreeSet<String>,
}

fn text_uses() -> Vec<Use> {
    const NEW: &str = "Text::new(\"";
    const SETTERS: [&str; 5] = ["plain", "term", "words", "text", "list"];
    let mut out = Vec::new();
    for (rel, text) in sources("") {
        if rel.ends_with("/tests.rs") {
            continue;
        }
        let text = without_tests(&text);
        for (pos, _) in text.match_indices(NEW) {
            let line = text[..pos].matches('\n').count() + 1;
            let open = pos + NEW.len() - 1;
            let key_end = open + literal_end(&text[open..]);
            let key = text[open + 1..key_end - 1].to_string();
            let mut names = BTreeSet::new();
            let mut rest = &text[key_end + 1..];
            loop {
                let trimmed = rest.trim_start();
                let Some(call) = trimmed.strip_prefix('.') else {
                    break;
                };
                let method: String = call
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                let args = &call[method.len()..];
                if !args.starts_with('(') {
                    break;
                }
                let end = call_end(args);
                let first = args[1..].trim_start();
                if SETTERS.contains(&method.as_str()) && first.starts_with('"') {
                    names.insert(first[1..literal_end(first) - 1].to_string());
                }
                rest = &args[end..];
            }
            out.push(Use {
                at: format!("src/{rel}:{line}"),
                key,
                names,
            });
        }
    }
    out
}

/// Keys whose two entries deliberately show different values (a term in Chinese, the id in
/// English, as the words did before the catalogs), with the names each language uses.
const DIFFERENT_NAMES: &[(&str, &[&str], &[&str])] = &[
    (
        "conflict.illegal_transition",
        &["event", "reasons"],
        &["event_id", "reasons"],
    ),
    (
        "conflict.issue_transition",
        &["from", "to"],
        &["from_id", "to_id"],
    ),
    (
        "reason.cert_year_mismatch",
        &["issued_on"],
        &["cert_no", "issued_on"],
    ),
    // The English names the field; the Chinese says "人数" (head count) instead.
    ("app.firms.negative_count", &["n"], &["field", "n"]),
    // Command lines printed in both languages: the values stand once, in the English half.
    (
        "cli.demo.seeded",
        &[],
        &["db", "events", "firms", "secs", "users"],
    ),
    ("cli.token.created", &[], &["id", "user"]),
    ("cli.token.revoked", &[], &["id"]),
];

#[test]
fn every_text_key_used_in_src_exists_in_both_catalogs_with_the_same_placeholders() {
    let uses = text_uses();
    assert!(uses.len() > 40, "found only {} texts", uses.len());
    let (zh, en) = (catalog(Lang::ZhCn).unwrap(), catalog(Lang::En).unwrap());
    let different: BTreeMap<&str, (BTreeSet<String>, BTreeSet<String>)> = DIFFERENT_NAMES
        .iter()
        .map(|(k, z, e)| {
            let set = |v: &[&str]| v.iter().map(|s| s.to_string()).collect();
            (*k, (set(z), set(e)))
        })
        .collect();
    let mut problems = Vec::new();
    for u in uses.iter().filter(|u| u.key != "{w}") {
        let (Some(z), Some(e)) = (zh.get(&u.key), en.get(&u.key)) else {
            problems.push(format!("{}: '{}' is missing in a catalog", u.at, u.key));
            continue;
        };
        let (pz, pe) = (placeholders(z), placeholders(e));
        match different.get(u.key.as_str()) {
            Some((wz, we)) if (&pz, &pe) != (wz, we) => problems.push(format!(
                "{}: '{}' names {pz:?} in zh-CN and {pe:?} in en, expected {wz:?} and {we:?}",
                u.at, u.key
            )),
            Some(_) => {}
            None if pz != pe => problems.push(format!(
                "{}: '{}' names {pz:?} in zh-CN but {pe:?} in en",
                u.at, u.key
            )),
            None => {}
        }
        // A chain that gives values gives every one its entries name (a text built without
        // values in one expression gets them elsewhere, and is not checked here).
        if !u.names.is_empty() {
            let missing: Vec<&String> = pz.union(&pe).filter(|n| !u.names.contains(*n)).collect();
            if !missing.is_empty() {
                problems.push(format!(
                    "{}: '{}' is built without {missing:?}",
                    u.at, u.key
                ));
            }
        }
    }
    for key in different.keys() {
        assert!(
            uses.iter().any(|u| u.key == *key),
            "{key} is listed in DIFFERENT_NAMES but no longer used"
        );
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// Whether `c` is a Chinese character (CJK ideographs and their extensions).
pub(crate) fn han(c: char) -> bool {
    matches!(c as u32, 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x3134F)
}

fn rejection(state: &FirmState, event: Event, role: Role, as_of: &str) -> Rejection {
    let profile = Profile::default();
    let thresholds = Thresholds::default();
    let ctx = Context {
        profile: &profile,
        thresholds: &thresholds,
    };
    let actor = Actor {
        user_id: Some(1),
        role,
    };
    apply(state, &event, &actor, as_of.parse().unwrap(), &ctx).unwrap_err()
}

fn rendered(r: &Rejection, lang: Lang) -> Vec<String> {
    r.reasons.iter().map(|x| render(lang, &x.text)).collect()
}

/// The stage machine's reasons read word for word as they did when the core wrote them.
#[test]
fn the_stage_machines_reasons_read_as_before_in_both_languages() {
    let r = rejection(
        &FirmState::new(),
        Event::CertifyHighTech {
            cert_no: "XX1".into(),
            issued_on: "2024-01-01".parse().unwrap(),
        },
        Role::Advisor,
        "2024-03-01",
    );
    assert_eq!(
        rendered(&r, Lang::ZhCn),
        [
            "角色“advisor”无权执行“认定为高新技术企业”",
            "证书编号“XX1”格式不正确，应为 GR + 4位年份 + 2位省份代码 + 6位序号",
        ]
    );
    assert_eq!(
        rendered(&r, Lang::En),
        [
            "the role 'advisor' may not certify as high-tech enterprise",
            "certificate number 'XX1' should be GR + 4-digit year + 2-digit province + 6 digits",
        ]
    );

    let mut high_tech = FirmState::new();
    high_tech.stage = Stage::HighTech;
    high_tech.credentials.hte = Some(("GR202341000001".into(), "2023-06-01".parse().unwrap()));
    high_tech.credentials.tech_sme = Some((2025, "R1".into()));
    let r = rejection(
        &high_tech,
        Event::RenewHighTech {
            cert_no: "GR202141000002".into(),
            issued_on: "2023-01-05".parse().unwrap(),
        },
        Role::Bureau,
        "2025-06-01",
    );
    assert_eq!(
        rendered(&r, Lang::ZhCn),
        [
            "证书编号中的年份与发证日期 2023-01-05 不一致",
            "新证书须晚于现有证书 GR202341000001（2023-06-01）",
        ]
    );
    assert_eq!(
        rendered(&r, Lang::En),
        [
            "the year in certificate number GR202141000002 does not match the issue date 2023-01-05",
            "the new certificate must be newer than GR202341000001 (2023-06-01)",
        ]
    );
    let r = rejection(
        &high_tech,
        Event::ExpireHighTech,
        Role::System,
        "2025-06-01",
    );
    assert_eq!(
        rendered(&r, Lang::ZhCn),
        ["证书 GR202341000001 有效期至 2026-06-01，尚未到期"]
    );
    assert_eq!(
        rendered(&r, Lang::En),
        ["certificate GR202341000001 is valid until 2026-06-01"]
    );
    let r = rejection(
        &high_tech,
        Event::AdmitToReserve,
        Role::Bureau,
        "2025-06-01",
    );
    assert_eq!(
        rendered(&r, Lang::ZhCn),
        ["处于“高新技术企业”阶段的企业不能“纳入高新技术后备库”"]
    );
    assert_eq!(
        rendered(&r, Lang::En),
        ["a firm in stage high-tech enterprise cannot admit to the reserve pool"]
    );
    let r = rejection(
        &high_tech,
        Event::RegisterTechSme {
            year: 2023,
            reg_no: " ".into(),
        },
        Role::Bureau,
        "2025-06-01",
    );
    assert_eq!(
        rendered(&r, Lang::ZhCn),
        [
            "请填写入库登记编号",
            "登记年度 2023 应为今年或上一年",
            "已有 2025 年度的登记，不能登记更早的 2023 年度",
        ]
    );
    assert_eq!(
        rendered(&r, Lang::En),
        [
            "a registration number is required",
            "registration year 2023 must be this year or last",
            "already registered for 2025; cannot record the older year 2023",
        ]
    );
    let r = rejection(
        &high_tech,
        Event::RevokeHighTech { reason: "".into() },
        Role::Bureau,
        "2025-06-01",
    );
    assert_eq!(rendered(&r, Lang::ZhCn), ["请填写原因"]);
    assert_eq!(rendered(&r, Lang::En), ["a reason is required"]);

    let mut tech_sme = FirmState::new();
    tech_sme.stage = Stage::TechSme;
    tech_sme.credentials.tech_sme = Some((2025, "R1".into()));
    let r = rejection(&tech_sme, Event::LapseTechSme, Role::System, "2025-06-01");
    assert_eq!(
        rendered(&r, Lang::ZhCn),
        ["2025 年度的科技型中小企业登记仍然有效"]
    );
    assert_eq!(
        rendered(&r, Lang::En),
        ["the 2025 tech-SME registration is still current"]
    );
    let r = rejection(
        &FirmState::new(),
        Event::CertifyHighTech {
            cert_no: "GR202641000001".into(),
            issued_on: "2026-01-05".parse().unwrap(),
        },
        Role::Bureau,
        "2025-06-01",
    );
    assert_eq!(
        rendered(&r, Lang::ZhCn),
        ["发证日期 2026-01-05 晚于今天 2025-06-01"]
    );
    assert_eq!(
        rendered(&r, Lang::En),
        ["issue date 2026-01-05 is after today (2025-06-01)"]
    );
    let r = rejection(
        &FirmState::new(),
        Event::CertifyHighTech {
            cert_no: "GR202141000001".into(),
            issued_on: "2021-01-05".parse().unwrap(),
        },
        Role::Bureau,
        "2025-06-01",
    );
    assert_eq!(
        rendered(&r, Lang::ZhCn),
        ["发证日期 2021-01-05 的证书已超过三年有效期"]
    );
    assert_eq!(
        rendered(&r, Lang::En),
        ["a certificate issued on 2021-01-05 is past its three-year validity"]
    );
    // A rule guard: the rules not met, then each failing criterion's own sentence.
    let r = rejection(
        &FirmState::new(),
        Event::RegisterTechSme {
            year: 2025,
            reg_no: "R1".into(),
        },
        Role::Bureau,
        "2025-06-01",
    );
    assert_eq!(rendered(&r, Lang::ZhCn)[0], "不符合 tech-sme-2017 规则：");
    assert_eq!(
        rendered(&r, Lang::En)[0],
        "the tech-sme-2017 rules are not met:"
    );
}

/// A text's values render in the reader's language inside the entry: an amount, a fact.
#[test]
fn the_cores_input_errors_read_as_before_in_both_languages() {
    let e = Profile::from_json(r#"{"financials": [{"year": 2024, "revenue": -5}]}"#).unwrap_err();
    assert_eq!(
        render(Lang::ZhCn, &e.text),
        "financials[0].revenue 金额不能为负数（-5元）"
    );
    assert_eq!(
        render(Lang::En, &e.text),
        "financials[0].revenue must not be a negative amount (got -5 yuan)"
    );
    let mut p = Profile::default();
    p.financials.push(peiyu::core::profile::FirmYear {
        year: 2024,
        revenue: Some(peiyu::core::money::Fen::wan(-4800)),
        ..Default::default()
    });
    let e = p.validate().unwrap_err();
    assert_eq!(e.code, "negative_amount");
    let amount = peiyu::core::money::Fen::wan(-4800);
    assert_eq!(
        render(Lang::ZhCn, &e.text),
        format!("financials[0].revenue 金额不能为负数（{}）", amount.zh())
    );
    assert_eq!(
        render(Lang::En, &e.text),
        format!(
            "financials[0].revenue must not be a negative amount (got {})",
            amount.en()
        )
    );
    let e = peiyu::core::rules::RuleSet::parse("nope").unwrap_err();
    assert_eq!(
        render(Lang::ZhCn, &e.text),
        "未知的规则集“nope”，可用：hte-2016、tech-sme-2017、reserve-local、leader-local、gazelle-henan-2023、little-giant-henan-2017"
    );
    assert_eq!(
        render(Lang::En, &e.text),
        "unknown rule set 'nope'; known: hte-2016, tech-sme-2017, reserve-local, leader-local, gazelle-henan-2023, little-giant-henan-2017"
    );
}

/// Every catalog key written as a literal in `src/` (`Text::new("app.firms.name_required")`,
/// `text(lang, "cli.migrate.up_to_date")`) exists in both catalogs, or is the prefix of keys
/// built from ids (`"coach.kind"`): a use case's error never renders as its bare key.
#[test]
fn every_key_written_in_the_code_exists() {
    let zh = catalog(Lang::ZhCn).unwrap();
    let sections: BTreeSet<&str> = zh.keys().filter_map(|k| k.split('.').next()).collect();
    let key_shaped = |s: &str| {
        s.contains('.')
            && !s.starts_with('.')
            && !s.ends_with('.')
            && !s.contains("..")
            && s.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '.')
            && sections.contains(s.split('.').next().unwrap())
    };
    let mut checked = 0;
    let mut missing = Vec::new();
    // The store names columns (`firms.employees`) and may not read the catalogs anyway.
    for (rel, text) in sources("")
        .into_iter()
        .filter(|(r, _)| !r.starts_with("store/"))
    {
        // The unit tests at the end of a file use keys of their own making.
        let code = without_tests(&text);
        for line in code.lines().filter(|l| !l.trim_start().starts_with("//")) {
            let parts: Vec<&str> = line.split('"').collect();
            for literal in parts.iter().skip(1).step_by(2) {
                if !key_shaped(literal) || literal.ends_with(".css") || literal.ends_with(".js") {
                    continue;
                }
                checked += 1;
                for lang in Lang::ALL {
                    let cat = catalog(lang).unwrap();
                    let prefix = format!("{literal}.");
                    if !cat.contains_key(*literal) && !cat.keys().any(|k| k.starts_with(&prefix)) {
                        missing.push(format!("src/{rel}: '{literal}' missing in {}", lang.tag()));
                    }
                }
            }
        }
    }
    assert!(checked > 50, "found only {checked} keys");
    assert!(missing.is_empty(), "{}", missing.join("\n"));
}
