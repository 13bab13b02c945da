//! The core stays pure (DESIGN §1): no database, web, mail, template or file/network I/O.

use std::path::Path;

fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read src/core") {
        let path = entry.expect("dir entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn core_uses_no_io_and_no_framework() {
    let core = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/core");
    let mut files = Vec::new();
    rust_files(&core, &mut files);
    assert!(files.len() >= 5, "found the core's files");
    let forbidden = [
        "diesel",
        "actix",
        "lettre",
        "handlebars",
        "std::fs",
        "std::net",
        "std::process",
        "std::env",
        "tokio",
        "crate::store",
        "crate::app",
        "crate::web",
        "crate::cli",
    ];
    for file in files {
        let text = std::fs::read_to_string(&file).expect("read");
        for word in forbidden {
            assert!(
                !text.contains(word),
                "{} mentions {word}: the core must stay pure",
                file.display()
            );
        }
    }
}
