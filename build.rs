//! Embeds every template in the binary, so a branch adds one by adding its file, without
//! touching a list: the email templates under `templates/email/<template>/<lang>/<part>.hbs`,
//! and the pages' `templates/layout.hbs`, `templates/partials/*.hbs` and
//! `templates/pages/**/*.hbs` (registered as `layout`, `partials/nav`, `pages/firms/list` …).

use std::error::Error;
use std::fmt::Write as _;
use std::path::Path;

fn main() -> Result<(), Box<dyn Error>> {
    println!("cargo:rerun-if-changed=templates/email");
    let root = Path::new(&std::env::var("CARGO_MANIFEST_DIR")?).join("templates/email");
    let mut entries = Vec::new();
    for template in std::fs::read_dir(&root)? {
        let template = template?;
        if !template.file_type()?.is_dir() {
            continue;
        }
        for lang in std::fs::read_dir(template.path())? {
            let lang = lang?;
            if !lang.file_type()?.is_dir() {
                continue;
            }
            for part in std::fs::read_dir(lang.path())? {
                let part = part?;
                let name = part.file_name().to_string_lossy().into_owned();
                let Some(stem) = name.strip_suffix(".hbs") else {
                    continue;
                };
                entries.push((
                    template.file_name().to_string_lossy().into_owned(),
                    lang.file_name().to_string_lossy().into_owned(),
                    stem.to_string(),
                    part.path().to_string_lossy().into_owned(),
                ));
            }
        }
    }
    entries.sort();
    let mut out = String::from(
        "/// Every email template: (template, language, part, source).\n\
         pub const EMAIL_SOURCES: &[(&str, &str, &str, &str)] = &[\n",
    );
    for (template, lang, part, path) in &entries {
        writeln!(
            out,
            "    ({template:?}, {lang:?}, {part:?}, {}),",
            embed(path)?
        )?;
    }
    out.push_str("];\n");
    let dest = Path::new(&std::env::var("OUT_DIR")?).join("email_templates.rs");
    std::fs::write(dest, out)?;
    page_templates()
}

/// `include_str!` of `path`, named from the crate's root at compile time rather than as this
/// checkout's absolute path: a build directory shared by several checkouts (the tests' and
/// CI's `CARGO_TARGET_DIR` outside the clone) may reuse this output for another checkout, and
/// must then read that checkout's files, not ones that may be gone.
fn embed(path: &str) -> Result<String, Box<dyn Error>> {
    let root = std::env::var("CARGO_MANIFEST_DIR")?;
    let rel = Path::new(path)
        .strip_prefix(&root)?
        .to_string_lossy()
        .replace('\\', "/");
    Ok(format!(
        "include_str!(concat!(env!(\"CARGO_MANIFEST_DIR\"), {:?}))",
        format!("/{rel}")
    ))
}

/// Every `.hbs` file below `dir`, as (path relative to `base` without `.hbs`, full path).
fn hbs_below(
    base: &Path,
    dir: &Path,
    out: &mut Vec<(String, String)>,
) -> Result<(), Box<dyn Error>> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            hbs_below(base, &path, out)?;
        } else if path.extension().is_some_and(|e| e == "hbs") {
            let rel = path.strip_prefix(base)?.with_extension("");
            let name = rel.to_string_lossy().replace('\\', "/");
            out.push((name, path.to_string_lossy().into_owned()));
        }
    }
    Ok(())
}

fn page_templates() -> Result<(), Box<dyn Error>> {
    let root = Path::new(&std::env::var("CARGO_MANIFEST_DIR")?).join("templates");
    for dir in ["layout.hbs", "partials", "pages"] {
        println!("cargo:rerun-if-changed=templates/{dir}");
    }
    let mut entries = vec![(
        "layout".to_string(),
        root.join("layout.hbs").to_string_lossy().into_owned(),
    )];
    hbs_below(&root, &root.join("partials"), &mut entries)?;
    hbs_below(&root, &root.join("pages"), &mut entries)?;
    entries.sort();
    let mut out = String::from(
        "/// Every page template: its registered name and its source. Pages are `pages/…`,\n\
         /// partials `partials/…`; `layout` wraps every page.\n\
         pub const SOURCES: &[(&str, &str)] = &[\n",
    );
    for (name, path) in &entries {
        writeln!(out, "    ({name:?}, {}),", embed(path)?)?;
    }
    out.push_str("];\n");
    let dest = Path::new(&std::env::var("OUT_DIR")?).join("page_templates.rs");
    std::fs::write(dest, out)?;
    Ok(())
}
