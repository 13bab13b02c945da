//! The settings (`src/config.rs`): what `peiyu serve --help` lists is what the README's
//! Configuration section lists, a bad value stops the command naming its variable, and no
//! module but `config` and the command line reads a `PEIYU_*` variable.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Every `PEIYU_…` name in `text`.
fn peiyu_names(text: &str) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    let mut rest = text;
    while let Some(i) = rest.find("PEIYU_") {
        let tail = &rest[i..];
        let end = tail
            .find(|c: char| !(c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_'))
            .unwrap_or(tail.len());
        names.insert(tail[..end].trim_end_matches('_').to_string());
        rest = &tail[end..];
    }
    names
}

/// The README's `## Configuration` section, up to the next section.
fn readme_configuration() -> String {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let start = readme
        .find("\n## Configuration\n")
        .expect("README.md has a ## Configuration section");
    let body = &readme[start + 1..];
    let end = body[3..].find("\n## ").map_or(body.len(), |i| i + 3);
    body[..end].to_string()
}

#[test]
fn serve_help_and_the_readme_list_the_same_settings() {
    let out = Command::new(env!("CARGO_BIN_EXE_peiyu"))
        .args(["serve", "--help"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let help = String::from_utf8(out.stdout).unwrap();
    let listed = peiyu_names(&help);
    assert!(
        listed.contains("PEIYU_DATABASE_URL") && listed.contains("PEIYU_BIND"),
        "{help}"
    );
    // Two single-command inputs the section names in passing, not settings of `serve`.
    let mut documented = peiyu_names(&readme_configuration());
    documented.remove("PEIYU_PASSWORD");
    documented.remove("PEIYU_LANG");
    let undocumented: Vec<_> = listed.difference(&documented).collect();
    let unknown: Vec<_> = documented.difference(&listed).collect();
    assert!(
        undocumented.is_empty() && unknown.is_empty(),
        "`peiyu serve --help` lists {undocumented:?} that README.md's Configuration section \
         does not; the section lists {unknown:?} that `peiyu serve --help` does not"
    );
}

#[test]
fn a_bad_setting_stops_the_command_naming_its_variable() {
    for (var, value) in [
        ("PEIYU_DB_POOL", "0"),
        ("PEIYU_WORKERS", "many"),
        ("PEIYU_MAIL_INTERVAL", "-1"),
        ("PEIYU_NO_TICK", "maybe"),
        ("PEIYU_MAIL_FROM", "not an address"),
        ("PEIYU_SECRET_KEY", "too-short"),
        ("PEIYU_LOG", "peiyu=loud"),
        ("PEIYU_DATABASE_URL", "mysql://localhost/peiyu"),
        ("PEIYU_STORAGE_URL", "ftp://files.example/peiyu"),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let mut child = Command::new(env!("CARGO_BIN_EXE_peiyu"))
            .args(["serve", "--bind", "127.0.0.1:0"])
            .env("PEIYU_DATABASE_URL", dir.path().join("unused.db"))
            .env(var, value)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // A setting that passed would serve until stopped.
        let deadline = Instant::now() + Duration::from_secs(30);
        while child.try_wait().unwrap().is_none() {
            if Instant::now() > deadline {
                child.kill().unwrap();
                panic!("{var}={value}: serve started");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let out = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{var}={value}: {stderr}");
        assert!(stderr.contains(var), "{var}={value}: {stderr}");
    }
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn only_config_and_the_command_line_read_peiyu_variables() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut offenders = Vec::new();
    for file in files {
        let rel = file.strip_prefix(&src).unwrap();
        if rel == Path::new("config.rs") || rel.starts_with("cli") {
            continue;
        }
        let text = std::fs::read_to_string(&file).unwrap();
        for (n, line) in text.lines().enumerate() {
            let code = line.trim_start();
            if code.starts_with("//") {
                continue;
            }
            let compact: String = code.chars().filter(|c| !c.is_whitespace()).collect();
            let reads = [
                "var(\"PEIYU_",
                "var_os(\"PEIYU_",
                "from_env(\"PEIYU_",
                "env=\"PEIYU_",
                "env!(\"PEIYU_",
            ]
            .iter()
            .any(|p| compact.contains(p));
            if reads {
                offenders.push(format!("src/{}:{}: {}", rel.display(), n + 1, code));
            }
        }
    }
    assert!(
        offenders.is_empty(),
        "read PEIYU_* settings in src/config.rs only:\n{}",
        offenders.join("\n")
    );
}

/// Staff counts say how to count them wherever they are entered: `peiyu eval --help`, the API
/// document and the firm form.
#[test]
fn staff_counts_say_how_to_count_them() {
    let out = Command::new(env!("CARGO_BIN_EXE_peiyu"))
        .args(["eval", "--help"])
        .output()
        .unwrap();
    let help = String::from_utf8(out.stdout).unwrap();
    assert!(
        help.contains("average of the monthly head counts"),
        "{help}"
    );
    assert!(help.contains("183 days or more in the year"), "{help}");

    let db = crate::common::TestDb::sqlite();
    let seed = crate::web::seed_with_passwords(&db);
    let app = crate::web::TestApp::spawn(&db);
    let doc = app.get("/api/v1/openapi.json").json();
    let firm_in = &doc["components"]["schemas"]["FirmIn"]["properties"];
    let words = |f: &str| firm_in[f]["description"].as_str().unwrap_or("").to_string();
    assert!(
        words("employees").contains("monthly head counts"),
        "{firm_in}"
    );
    assert!(words("tech_staff").contains("183 days"), "{firm_in}");

    app.login_ok("bureau");
    let firm = crate::common::FirmBuilder::new().create(&mut db.conn(), &seed.bureau);
    let form = app.get(&format!("/firms/{}/edit", firm.id));
    assert!(form.body.contains("月平均人数"), "{}", form.body);
    assert!(
        form.body.contains("全年累计实际工作满 183 天"),
        "{}",
        form.body
    );
    assert!(form.body.contains("aria-describedby=\"f-tech_staff-help\""));
}
