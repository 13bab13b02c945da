//! The page cache (`web::page_cache`): a page seen again comes from the cache only while
//! nothing has committed since it was rendered, never for another session, user or language,
//! and never instead of signing a disabled account out.
//!
//! On PostgreSQL the change marker is the server's snapshot, which every committing
//! transaction moves, including the other tests running beside these on the same server. So a
//! hit there is waited for (a few tries), while what must never happen, a stale or foreign
//! page, is asserted on every response.

use super::{seed_with_passwords, Resp, TestApp};
use crate::common::{backends, FirmBuilder, TestDb, COUNTY_A};
use chrono::Utc;
use peiyu::app::accounts::users;
use peiyu::store::firms::{self, FirmChanges};
use peiyu::store::{self, Backend};
use peiyu::web::page_cache::CACHE_HEADER;

fn mark(r: &Resp) -> Option<&str> {
    r.header(CACHE_HEADER)
}

/// GET `path` until the cache answers (at once on SQLite; on PostgreSQL other tests' commits
/// may move the marker between two requests). Every response must equal `expected`.
fn until_hit(db: &TestDb, app: &TestApp, path: &str, expected: &Resp) -> Resp {
    let tries = if db.backend == Backend::Sqlite {
        1
    } else {
        200
    };
    for _ in 0..tries {
        let r = app.get(path);
        assert_eq!(r.status, 200, "{}: {}", db.name(), r.body);
        assert_eq!(
            r.body,
            expected.body,
            "{}: a cached page differs",
            db.name()
        );
        if mark(&r) == Some("hit") {
            return r;
        }
    }
    panic!("{}: {path} never came from the cache", db.name());
}

/// Rename a firm through a connection of its own, as another `peiyu` process would.
fn rename_elsewhere(db: &TestDb, id: i64, name: &str) {
    let mut other = store::connect_one(&db.url).unwrap();
    let f = firms::find_by_id(&mut other, id).unwrap();
    let ch = FirmChanges {
        name: Some(name.to_string()),
        ..FirmChanges::default()
    };
    firms::update_with_version(&mut other, id, f.version, &ch, Utc::now().naive_utc()).unwrap();
}

#[test]
fn a_page_seen_again_comes_from_the_cache_until_anything_commits() {
    for db in backends() {
        let s = seed_with_passwords(&db);
        let firm = FirmBuilder::new()
            .county(COUNTY_A)
            .create(&mut db.conn(), &s.bureau);
        rename_elsewhere(&db, firm.id, "Cached Optics 初名");
        let app = TestApp::spawn(&db);
        app.login_ok("bureau");
        let path = format!("/firms/{}", firm.id);

        let first = app.get(&path);
        assert_eq!(first.status, 200, "{}: {}", db.name(), first.body);
        assert_eq!(mark(&first), Some("miss"), "{}", db.name());
        assert!(first.body.contains("Cached Optics 初名"));
        until_hit(&db, &app, &path, &first);
        let list = app.get("/firms?q=Optics");
        assert!(list.body.contains("Cached Optics 初名"));
        until_hit(&db, &app, "/firms?q=Optics", &list);
        let api = app.get(&format!("/api/v1/firms/{}", firm.id));
        assert!(api.body.contains("Cached Optics 初名"), "{}", api.body);
        until_hit(&db, &app, &format!("/api/v1/firms/{}", firm.id), &api);

        // Another process commits a new name: the very next request renders afresh.
        rename_elsewhere(&db, firm.id, "Renamed Optics 新名");
        for p in [
            path.clone(),
            "/firms?q=Optics".to_string(),
            format!("/api/v1/firms/{}", firm.id),
        ] {
            let after = app.get(&p);
            assert_ne!(
                mark(&after),
                Some("hit"),
                "{}: {p} after a commit",
                db.name()
            );
            assert!(
                after.body.contains("Renamed Optics 新名") && !after.body.contains("初名"),
                "{}: {p} shows the committed name: {}",
                db.name(),
                after.body
            );
        }
    }
}

#[test]
fn the_cache_never_answers_for_another_session_user_or_language() {
    for db in backends() {
        let s = seed_with_passwords(&db);
        let firm = FirmBuilder::new()
            .county(COUNTY_A)
            .create(&mut db.conn(), &s.bureau);
        let path = format!("/firms/{}", firm.id);
        let app = TestApp::spawn(&db);
        app.login_ok("bureau");
        let seen = app.get(&path);
        until_hit(&db, &app, &path, &seen);

        // The other county's officer: the firm is outside their territory, cached or not.
        let county_b = app.other_client();
        county_b.login_ok("county_b");
        let refused = county_b.get(&path);
        assert_eq!(refused.status, 404, "{}: {}", db.name(), refused.body);
        assert_ne!(mark(&refused), Some("hit"));

        // The same user signed in again elsewhere: a session of its own, rendered for it.
        let again = app.other_client();
        again.login_ok("bureau");
        let second = again.get(&path);
        assert_eq!(second.status, 200);
        assert_eq!(mark(&second), Some("miss"), "{}", db.name());
        assert_ne!(
            second.csrf(),
            seen.csrf(),
            "each session has its own form tokens"
        );

        // English after Chinese: the page in the language asked for.
        let switched = app.get(&format!("/lang/en?next={path}"));
        assert_eq!(switched.status, 303);
        let english = app.get(&path);
        assert_eq!(mark(&english), Some("miss"), "{}", db.name());
        assert!(english.body.contains("lang=\"en\""), "{}", english.body);
    }
}

#[test]
fn a_disabled_account_is_signed_out_though_its_pages_were_cached() {
    for db in backends() {
        let s = seed_with_passwords(&db);
        let app = TestApp::spawn(&db);
        app.login_ok("county_a");
        let list = app.get("/firms");
        until_hit(&db, &app, "/firms", &list);
        users::set_active(&mut db.conn(), s.county_a.user_id.unwrap(), false, &s.admin).unwrap();
        let after = app.get("/firms");
        assert_eq!(after.status, 302, "{}: {}", db.name(), after.body);
        assert!(after
            .location
            .as_deref()
            .is_some_and(|l| l.starts_with("/login")));
    }
}

#[test]
fn a_forced_reload_renders_the_page_afresh() {
    for db in backends() {
        let _s = seed_with_passwords(&db);
        let app = TestApp::spawn(&db);
        app.login_ok("bureau");
        let first = app.get("/pool");
        until_hit(&db, &app, "/pool", &first);
        let reload = app.get_with("/pool", &[("Cache-Control", "no-cache")]);
        assert_eq!(reload.status, 200);
        assert_eq!(mark(&reload), None, "{}: passed by, not served", db.name());
        // Forms and other pages are never kept.
        let form = app.get("/firms/new");
        assert_eq!(form.status, 200);
        assert_eq!(mark(&form), None);
    }
}
