//! Embeds every email template under `templates/email/<template>/<lang>/<part>.hbs` in the
//! binary, so a branch adds a template by adding its files, without touching a list.

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
            "    ({template:?}, {lang:?}, {part:?}, include_str!({path:?})),"
        )?;
    }
    out.push_str("];\n");
    let dest = Path::new(&std::env::var("OUT_DIR")?).join("email_templates.rs");
    std::fs::write(dest, out)?;
    Ok(())
}
