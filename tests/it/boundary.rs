//! The layers point one way (ARCHITECTURE.md, DESIGN §1): `cli | web | jobs → app → { core,
//! store }`; `notify` (delivery) → `store`, `i18n`; `app` and `notify` never import each other;
//! `core` depends on nothing of ours and does no I/O. Every `crate::…` (and `super::…` that
//! leaves its top-level module) path in `src/` is an edge between top-level modules, and each
//! edge must be in [`ALLOWED`].

use std::collections::BTreeSet;
use std::path::Path;

/// The edges allowed between top-level modules of `src/`: (from, to, items). Empty `items`
/// allows the whole module; otherwise only those names directly under it (`store::migrate`).
const ALLOWED: &[(&str, &str, &[&str])] = &[
    // The policy core is pure; everyone may use it.
    ("store", "core", &[]),
    ("demo", "core", &[]),
    // Use cases: the core, the store, the demo data they seed, and the settings.
    ("app", "core", &[]),
    ("app", "store", &[]),
    ("app", "demo", &[]),
    ("app", "config", &[]),
    // Delivery of queued mail: reads and marks outbox rows, renders in the user's language.
    ("notify", "store", &[]),
    ("notify", "i18n", &[]),
    ("notify", "config", &[]),
    // The daily loop schedules the tick use case.
    ("jobs", "app", &[]),
    ("jobs", "core", &[]),
    // Pages and the API call use cases and read models.
    ("web", "app", &[]),
    ("web", "core", &[]),
    ("web", "i18n", &[]),
    ("web", "config", &[]),
    // Settings: read once, validated with the parsers of the layers that own them.
    ("config", "store", &["Backend", "storage"]),
    ("config", "web", &["session"]),
    // The application built once (routes, middleware, state, the daily loop, the mail
    // worker) for `serve`, the tests and the benches.
    ("startup", "config", &[]),
    ("startup", "app", &[]),
    ("startup", "web", &[]),
    ("startup", "jobs", &[]),
    ("startup", "notify", &[]),
    (
        "startup",
        "store",
        &["connect_with", "redact_url", "Pool", "PoolOptions"],
    ),
    // The commands. They open the database (connect, migrate) and touch nothing else of the
    // store.
    ("cli", "app", &[]),
    ("cli", "core", &[]),
    ("cli", "i18n", &[]),
    // Use cases write the words of the mail they queue.
    ("app", "i18n", &[]),
    // The catalogs render the texts the core and the use cases hand out.
    ("i18n", "core", &["error"]),
    ("cli", "config", &[]),
    ("cli", "startup", &[]),
    ("cli", "notify", &[]),
    (
        "cli",
        "store",
        &[
            "connect_one",
            "connect_with",
            "PoolOptions",
            "migrate",
            "migration_notes",
            "redact_url",
            "ConnManager",
            "ConnSetup",
        ],
    ),
    ("main", "cli", &[]),
];

/// Crates the core may not name: it does no I/O and uses no framework.
const CORE_FORBIDDEN: &[&str] = &[
    "diesel",
    "actix",
    "lettre",
    "handlebars",
    "std::fs",
    "std::net",
    "std::process",
    "std::env",
    "tokio",
];

/// One use of another top-level module: `from` names `to::item` at `line` of `file`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Edge {
    file: String,
    line: usize,
    from: String,
    to: String,
    item: String,
}

use crate::texts::rust_files;

/// The module path of a file below `src/`: `web/pages/firms.rs` → [web, pages, firms];
/// `web/pages/mod.rs` → [web, pages]; `lib.rs` → [].
fn module_path(rel: &str) -> Vec<String> {
    let rel = rel.trim_end_matches(".rs");
    let mut parts: Vec<String> = rel.split('/').map(str::to_string).collect();
    if parts.last().is_some_and(|p| p == "mod" || p == "lib") {
        parts.pop();
    }
    parts
}

fn ident_at(s: &str) -> &str {
    let end = s
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(s.len());
    &s[..end]
}

/// The first segments of each path in a brace group `{a, b::c, d::{e}}` (nested groups are
/// inside a name already counted).
fn group_heads(group: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut depth = 0;
    let mut start = 0;
    let bytes: Vec<char> = group.chars().collect();
    let mut push = |piece: &str| {
        let piece = piece.trim();
        let head = ident_at(piece).to_string();
        if head.is_empty() {
            return;
        }
        let rest = piece[head.len()..].trim_start();
        let item = rest
            .strip_prefix("::")
            .map(|r| ident_at(r.trim_start()).to_string())
            .unwrap_or_default();
        out.push((head, item));
    };
    for (i, ch) in bytes.iter().enumerate() {
        match ch {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                push(&bytes[start..i].iter().collect::<String>());
                start = i + 1;
            }
            _ => {}
        }
    }
    push(&bytes[start..].iter().collect::<String>());
    out
}

/// The text of `s` from an opening `{` to its matching `}` (exclusive), or `None`.
fn braced(s: &str) -> Option<&str> {
    let mut depth = 0;
    for (i, ch) in s.char_indices() {
        match ch {
            '{' => depth += 1,
            '}' => {
                depth -= 1;
                if depth == 0 {
                    return Some(&s[1..i]);
                }
            }
            _ => {}
        }
    }
    None
}

/// How many inline `mod name { … }` blocks enclose each byte of `code` (a `super::` inside
/// one climbs out of that block first).
fn inline_depths(code: &str) -> Vec<usize> {
    let mut depths = vec![0; code.len() + 1];
    let mut braces = 0usize;
    let mut open: Vec<usize> = Vec::new();
    for (i, b) in code.bytes().enumerate() {
        match b {
            b'{' => {
                braces += 1;
                let mut words = code[..i].trim_end().rsplit(char::is_whitespace);
                let name = words.next().unwrap_or("");
                if words.next() == Some("mod") && !name.is_empty() {
                    open.push(braces);
                }
            }
            b'}' => {
                if open.last() == Some(&braces) {
                    open.pop();
                }
                braces = braces.saturating_sub(1);
            }
            _ => {}
        }
        depths[i] = open.len();
    }
    depths
}

/// Every edge to another top-level module in the source `text` of the file `rel` (a path
/// below `src/`). Line comments and doc comments are skipped; string literals are not
/// expected to hold paths.
fn edges_of(rel: &str, text: &str) -> Vec<Edge> {
    let module = module_path(rel);
    let from = module
        .first()
        .cloned()
        .unwrap_or_else(|| rel.trim_end_matches(".rs").to_string());
    let mut out = Vec::new();
    let code: Vec<String> = text
        .lines()
        .map(|l| l.split("//").next().unwrap_or("").to_string())
        .collect();
    let joined = code.join("\n");
    let line_of = |pos: usize| joined[..pos].matches('\n').count() + 1;
    let mut add = |pos: usize, to: String, item: String| {
        if to != from && !to.is_empty() {
            out.push(Edge {
                file: rel.to_string(),
                line: line_of(pos),
                from: from.clone(),
                to,
                item,
            });
        }
    };
    // `crate::x…` and `crate::{…}`.
    for (pos, _) in joined.match_indices("crate::") {
        let before = joined[..pos].chars().last();
        if before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_') {
            continue;
        }
        let rest = &joined[pos + "crate::".len()..];
        if rest.starts_with('{') {
            for (head, item) in group_heads(braced(rest).unwrap_or("")) {
                if head != "self" {
                    add(pos, head, item);
                }
            }
        } else {
            let head = ident_at(rest).to_string();
            let after = &rest[head.len()..];
            let item = match after.strip_prefix("::") {
                Some(r) if r.starts_with('{') => {
                    // `crate::store::{self, a}`: each name is an item (`self` too, so that a
                    // module allowed only in part cannot be imported whole).
                    for (item, _) in group_heads(braced(r).unwrap_or("")) {
                        add(pos, head.clone(), item);
                    }
                    continue;
                }
                Some(r) => ident_at(r).to_string(),
                None => String::new(),
            };
            add(pos, head, item);
        }
    }
    // `super::…` chains that climb out of the top-level module.
    let inline = inline_depths(&joined);
    for (pos, _) in joined.match_indices("super::") {
        let before = joined[..pos].chars().last();
        if before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':') {
            continue;
        }
        let mut rest = &joined[pos..];
        let mut depth = 0;
        while let Some(r) = rest.strip_prefix("super::") {
            depth += 1;
            rest = r;
        }
        // Inside inline modules the first `super`s only leave them.
        let depth = depth - depth.min(inline[pos]);
        if depth < module.len() {
            continue;
        }
        let head = ident_at(rest).to_string();
        let item = rest[head.len()..]
            .strip_prefix("::")
            .map(|r| ident_at(r).to_string())
            .unwrap_or_default();
        add(pos, head, item);
    }
    out
}

/// The edges of `edges` that [`ALLOWED`] does not list, as readable lines.
fn violations(edges: &[Edge]) -> Vec<String> {
    edges
        .iter()
        .filter(|e| {
            !ALLOWED.iter().any(|(from, to, items)| {
                *from == e.from
                    && *to == e.to
                    && (items.is_empty() || items.contains(&e.item.as_str()))
            })
        })
        .map(|e| {
            format!(
                "{}:{}: {} → {}::{} is not an allowed edge",
                e.file, e.line, e.from, e.to, e.item
            )
        })
        .collect()
}

fn src_edges() -> (Vec<Edge>, usize) {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut edges = Vec::new();
    for file in &files {
        let rel = file
            .strip_prefix(&src)
            .expect("below src")
            .to_string_lossy()
            .replace('\\', "/");
        let text = std::fs::read_to_string(file).expect("read a source file");
        edges.extend(edges_of(&rel, &text));
    }
    (edges, files.len())
}

#[test]
fn every_edge_between_top_level_modules_is_allowed() {
    let (edges, files) = src_edges();
    assert!(files >= 100, "read the whole of src/ ({files} files)");
    let pairs: BTreeSet<(String, String)> = edges
        .iter()
        .map(|e| (e.from.clone(), e.to.clone()))
        .collect();
    // The checker sees the edges that must exist, so a broken scan cannot pass silently.
    for (from, to) in [
        ("web", "app"),
        ("app", "store"),
        ("cli", "startup"),
        ("notify", "store"),
    ] {
        assert!(
            pairs.contains(&(from.to_string(), to.to_string())),
            "the scan finds {from} → {to}; found {pairs:?}"
        );
    }
    let bad = violations(&edges);
    assert!(
        bad.is_empty(),
        "edges outside the table:\n{}",
        bad.join("\n")
    );
}

#[test]
fn the_checker_catches_a_forbidden_edge() {
    let cases: &[(&str, &str, &str)] = &[
        // (file, source, the forbidden edge it must report)
        (
            "web/pages/firms.rs",
            "use crate::store::firms::Firm;",
            "web → store::firms",
        ),
        (
            "app/mail/mod.rs",
            "use crate::notify::worker;",
            "app → notify::worker",
        ),
        (
            "notify/render.rs",
            "use crate::{app::AppError, i18n};",
            "notify → app::AppError",
        ),
        (
            "core/stage.rs",
            "let x = crate::store::DbConn::new();",
            "core → store::DbConn",
        ),
        ("web/mod.rs", "use super::store::Pool;", "web → store::Pool"),
        (
            "web/pages/mod.rs",
            "use super::super::jobs;",
            "web → jobs::",
        ),
        (
            "web/pages/mod.rs",
            "mod tests { mod more { use super::super::super::super::jobs; } }",
            "web → jobs::",
        ),
        (
            "cli/firm.rs",
            "use crate::store::firms;",
            "cli → store::firms",
        ),
        (
            "cli/firm.rs",
            "use crate::store::{self, DbConn};",
            "cli → store::self",
        ),
        ("cli/firm.rs", "use crate::store;", "cli → store::"),
        (
            "jobs/daily.rs",
            "use crate::store::{Pool, jobs};",
            "jobs → store::Pool",
        ),
    ];
    for (file, source, expected) in cases {
        let bad = violations(&edges_of(file, source));
        assert!(
            bad.iter().any(|b| b.contains(expected)),
            "{file}: `{source}` must be reported as {expected}; got {bad:?}"
        );
    }
    // And what the table allows, or stays inside its module, passes.
    let fine: &[(&str, &str)] = &[
        (
            "web/pages/firms.rs",
            "use crate::app::firms::read; use super::render;",
        ),
        (
            "cli/migrate.rs",
            "use crate::store::{migrate, ConnManager}; migrate(c);",
        ),
        (
            "notify/worker.rs",
            "use crate::{i18n::Lang, store::outbox};",
        ),
        (
            "app/views.rs",
            "// use crate::web::pages; (a comment)\nuse crate::core::rules;",
        ),
        (
            "core/rules/mod.rs",
            "mod tests { mod p { use super::super::testkit::d; } }",
        ),
    ];
    for (file, source) in fine {
        let bad = violations(&edges_of(file, source));
        assert!(bad.is_empty(), "{file}: `{source}` is allowed; got {bad:?}");
    }
}

#[test]
fn core_uses_no_io_and_no_framework() {
    let core = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/core");
    let mut files = Vec::new();
    rust_files(&core, &mut files);
    assert!(files.len() >= 5, "found the core's files");
    for file in files {
        let text = std::fs::read_to_string(&file).expect("read");
        for word in CORE_FORBIDDEN {
            assert!(
                !text.contains(word),
                "{} mentions {word}: the core must stay pure",
                file.display()
            );
        }
    }
}

/// No Chinese string literal in `src/` outside the rule sets' sentence code (explanations that
/// carry numbers, zh and en side by side, with the amount formatting they use), the demo data
/// and tests: every other word a person reads comes from the catalogs.
#[test]
fn no_chinese_literal_outside_the_sentence_code_the_demo_data_and_tests() {
    let allowed = |rel: &str| {
        rel.ends_with("/explain.rs")
            || rel.ends_with("/tests.rs")
            || [
                "core/rules/words.rs",
                "core/rules/detail.rs",
                "core/rules/testkit.rs",
                "core/money.rs",
                // The header names and unit words found in real registries: data matched
                // against sheets, not words shown (the page shows the catalog's names).
                "core/registry/headers.rs",
                "core/registry/cell.rs",
                "app/imports/samples.rs",
                "app/seed_demo.rs",
            ]
            .contains(&rel)
            || rel.starts_with("demo/")
    };
    let mut found = Vec::new();
    for (rel, text) in crate::texts::sources("") {
        if allowed(&rel) {
            continue;
        }
        for (line, literal) in string_literals(crate::texts::without_tests(&text)) {
            if literal.chars().any(crate::texts::han) {
                let shown: String = literal.chars().take(60).collect();
                found.push(format!("src/{rel}:{line}: {shown}"));
            }
        }
    }
    assert!(found.is_empty(), "{}", found.join("\n"));
}

/// The string literals of Rust source `text` (normal and raw, over several lines too), each
/// with the line it starts on; comments, char literals and lifetimes are passed over.
fn string_literals(text: &str) -> Vec<(usize, String)> {
    let c: Vec<char> = text.chars().collect();
    let (mut i, mut line, mut out) = (0, 1, Vec::new());
    let at = |k: usize| c.get(k).copied().unwrap_or('\0');
    while i < c.len() {
        match c[i] {
            '\n' => line += 1,
            '/' if at(i + 1) == '/' => {
                while i < c.len() && c[i] != '\n' {
                    i += 1;
                }
                continue;
            }
            '/' if at(i + 1) == '*' => {
                i += 2;
                while i < c.len() && !(c[i] == '*' && at(i + 1) == '/') {
                    line += usize::from(c[i] == '\n');
                    i += 1;
                }
                i += 2;
                continue;
            }
            '\'' => {
                // A char literal ('x', '\n', '\u{..}', '"'); otherwise a lifetime.
                if at(i + 1) == '\\' {
                    let mut k = i + 2;
                    while k < c.len() && c[k] != '\'' {
                        k += 1;
                    }
                    i = k + 1;
                    continue;
                }
                if at(i + 2) == '\'' {
                    i += 3;
                    continue;
                }
            }
            'r' if (at(i + 1) == '"' || at(i + 1) == '#')
                && !(i > 0 && (c[i - 1].is_alphanumeric() || c[i - 1] == '_')) =>
            {
                let mut k = i + 1;
                let mut hashes = 0;
                while at(k) == '#' {
                    hashes += 1;
                    k += 1;
                }
                if at(k) == '"' {
                    let start = line;
                    let mut lit = String::new();
                    k += 1;
                    loop {
                        if k >= c.len() {
                            break;
                        }
                        if c[k] == '"' && (1..=hashes).all(|h| at(k + h) == '#') {
                            k += 1 + hashes;
                            break;
                        }
                        line += usize::from(c[k] == '\n');
                        lit.push(c[k]);
                        k += 1;
                    }
                    out.push((start, lit));
                    i = k;
                    continue;
                }
            }
            '"' => {
                let start = line;
                let mut lit = String::new();
                let mut k = i + 1;
                while k < c.len() && c[k] != '"' {
                    if c[k] == '\\' {
                        lit.push(c[k]);
                        k += 1;
                    }
                    if k < c.len() {
                        line += usize::from(c[k] == '\n');
                        lit.push(c[k]);
                    }
                    k += 1;
                }
                out.push((start, lit));
                i = k + 1;
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    out
}

#[test]
fn the_literal_scanner_reads_multi_line_and_raw_strings_and_skips_comments_and_chars() {
    let src = "let a = '\"'; // \"注释\"\n/* \"块\" */ let b = \"一\n二\";\nlet c = r#\"三\"#; fn f<'a>(x: &'a str) {}\nlet d = \"\\\"四\\\"\";";
    let found = string_literals(src);
    let texts: Vec<&str> = found.iter().map(|(_, s)| s.as_str()).collect();
    assert_eq!(texts, vec!["一\n二", "三", "\\\"四\\\""], "{found:?}");
    assert_eq!(
        found.iter().map(|(l, _)| *l).collect::<Vec<_>>(),
        vec![2, 4, 5]
    );
}
