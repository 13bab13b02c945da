//! Static assets, embedded in the binary: the stylesheet (screen and print) and a small
//! optional script. Pages work without the script.
//!
//! Each is served under a name that carries a hash of its bytes (`/static/app.3f9a1c2b.css`),
//! computed once from the embedded bytes, so browsers and proxies may keep it for a year: a
//! build with other bytes links another name. Templates link an asset through
//! `{{asset "app.css"}}` ([`path`]). Any other name, the plain `app.css` or a stale hash, is a
//! 404: a hashed name promises exactly its bytes, and a copy served under a name it does not
//! match could be kept by a cache for that year.

use actix_web::http::header;
use actix_web::{web, HttpResponse};
use sha2::{Digest, Sha256};
use std::sync::OnceLock;

/// Every asset: its plain name, its content type and its bytes.
pub const ASSETS: &[(&str, &str, &[u8])] = &[
    (
        "app.css",
        "text/css; charset=utf-8",
        include_bytes!("../../static/app.css"),
    ),
    (
        "app.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../static/app.js"),
    ),
];

/// How long a hashed asset may be kept: a year, unchanged (its name changes with its bytes).
pub const IMMUTABLE: &str = "public, max-age=31536000, immutable";

/// Hex digits of the SHA-256 of the bytes that go into a hashed name.
const HASH_DIGITS: usize = 8;

/// An asset as it is served.
#[derive(Debug)]
pub struct Asset {
    /// The plain name, as templates ask for it (`app.css`).
    pub name: &'static str,
    /// The path it is served under (`/static/app.3f9a1c2b.css`).
    pub path: String,
    /// Its content type.
    pub content_type: &'static str,
    /// Its bytes.
    pub bytes: &'static [u8],
}

/// `app.css` with bytes hashing to `3f9a1c2b…` becomes `app.3f9a1c2b.css`.
fn hashed_name(name: &str, bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    let hash: String = digest
        .iter()
        .take(HASH_DIGITS / 2)
        .map(|b| format!("{b:02x}"))
        .collect();
    match name.rsplit_once('.') {
        Some((stem, ext)) => format!("{stem}.{hash}.{ext}"),
        None => format!("{name}.{hash}"),
    }
}

/// Every asset with its hashed path, computed on first use.
pub fn all() -> &'static [Asset] {
    static ALL: OnceLock<Vec<Asset>> = OnceLock::new();
    ALL.get_or_init(|| {
        ASSETS
            .iter()
            .map(|(name, content_type, bytes)| Asset {
                name,
                path: format!("/static/{}", hashed_name(name, bytes)),
                content_type,
                bytes,
            })
            .collect()
    })
}

/// The path the asset `name` (e.g. `app.css`) is served under; `None` for no such asset.
pub fn path(name: &str) -> Option<&'static str> {
    all()
        .iter()
        .find(|a| a.name == name)
        .map(|a| a.path.as_str())
}

/// `GET /static/{name}`: an asset by its hashed name, to be kept for a year; anything else 404.
pub async fn serve(name: web::Path<String>) -> HttpResponse {
    let wanted = format!("/static/{name}");
    match all().iter().find(|a| a.path == wanted) {
        Some(a) => HttpResponse::Ok()
            .content_type(a.content_type)
            .insert_header((header::CACHE_CONTROL, IMMUTABLE))
            .body(a.bytes),
        None => HttpResponse::NotFound()
            .content_type("text/plain; charset=utf-8")
            .body("not found"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hashed_name_keeps_stem_and_extension_around_eight_hex_digits() {
        let n = hashed_name("app.css", b"body{}");
        let parts: Vec<&str> = n.split('.').collect();
        assert_eq!(parts.len(), 3, "{n}");
        assert_eq!((parts[0], parts[2]), ("app", "css"));
        assert_eq!(parts[1].len(), HASH_DIGITS);
        assert!(parts[1].bytes().all(|b| b.is_ascii_hexdigit()), "{n}");
        assert_ne!(
            n,
            hashed_name("app.css", b"body{ }"),
            "other bytes, other name"
        );
    }

    #[test]
    fn every_asset_has_a_path_and_unknown_ones_none() {
        for (name, _, _) in ASSETS {
            let p = path(name).expect("a path");
            assert!(
                p.starts_with("/static/") && p != format!("/static/{name}"),
                "{p}"
            );
        }
        assert_eq!(path("nope.css"), None);
    }
}
