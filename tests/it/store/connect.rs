use crate::common::pg_base_url;
use peiyu::store::{self, Backend, ConnManager, StoreError};

#[test]
fn backend_is_picked_from_the_url() {
    let pg = |u| Backend::from_url(u).unwrap();
    assert_eq!(pg("postgres://u:p@h/db"), Backend::Postgres);
    assert_eq!(pg("postgresql://h/db"), Backend::Postgres);
    assert_eq!(pg("sqlite://./x.db"), Backend::Sqlite);
    assert_eq!(pg("file:x.db?mode=rwc"), Backend::Sqlite);
    assert_eq!(pg("./peiyu.db"), Backend::Sqlite);
    assert_eq!(pg("/var/lib/peiyu/peiyu.db"), Backend::Sqlite);
    assert_eq!(store::sqlite_target("sqlite://"), "./peiyu.db");
    assert_eq!(store::sqlite_target("sqlite:///tmp/a.db"), "/tmp/a.db");
    assert_eq!(store::sqlite_target("/tmp/a.db"), "/tmp/a.db");
    let e = Backend::from_url("mysql://root@localhost/x").unwrap_err();
    assert!(
        e.to_string()
            .contains("unsupported database URL scheme 'mysql://'"),
        "{e}"
    );
}

#[test]
fn passwords_are_redacted_in_messages() {
    assert_eq!(
        store::redact_url("postgres://peiyu:s3cret@db:5432/peiyu"),
        "postgres://peiyu:***@db:5432/peiyu"
    );
    assert_eq!(
        store::redact_url("postgres://db/peiyu"),
        "postgres://db/peiyu"
    );
}

fn connect_error(url: &str) -> String {
    match store::connect(url) {
        Ok(_) => panic!("connecting to {url} should fail"),
        Err(e @ StoreError::Connect(_)) => e.to_string(),
        Err(other) => panic!("expected a connect error for {url}, got {other:?}"),
    }
}

#[test]
fn a_server_that_is_down_is_reported_as_such() {
    let msg = connect_error("postgres://postgres:wrong@127.0.0.1:1/peiyu");
    assert!(msg.to_lowercase().contains("connection refused"), "{msg}");
    assert!(!msg.contains("Invalid connection url"), "{msg}");
    assert!(!msg.contains("wrong"), "the password leaked: {msg}");
}

/// `scheme://`, `user[:password]@` (or empty) and `host:port` of the test server.
fn pg_server() -> (String, String, String) {
    let base = pg_base_url();
    let (scheme, rest) = base.split_once("://").unwrap();
    let (user, rest) = match rest.split_once('@') {
        Some((u, r)) => (format!("{u}@"), r),
        None => (String::new(), rest),
    };
    let host = rest.split(['/', '?']).next().unwrap();
    (format!("{scheme}://"), user, host.to_string())
}

#[test]
fn a_missing_database_or_role_is_reported_by_name() {
    let (scheme, user, host) = pg_server();
    let msg = connect_error(&format!("{scheme}{user}{host}/peiyu_no_such_db_4711"));
    assert!(
        msg.contains("peiyu_no_such_db_4711") && msg.contains("does not exist"),
        "{msg}"
    );

    let msg = connect_error(&format!("{scheme}peiyu_no_such_role:pw@{host}/postgres"));
    assert!(msg.contains("peiyu_no_such_role"), "{msg}");
    assert!(!msg.contains("Invalid connection url"), "{msg}");
}

#[test]
fn an_unopenable_sqlite_path_is_reported() {
    let msg = connect_error("/nonexistent-dir-4711/sub/peiyu.db");
    assert!(
        msg.to_lowercase()
            .contains("unable to open the database file"),
        "{msg}"
    );
    assert!(msg.contains("sqlite"), "{msg}");
}

#[test]
fn the_manager_opens_only_the_backend_the_url_names() {
    let m = ConnManager::new("sqlite://:memory:").unwrap();
    assert_eq!(m.backend(), Backend::Sqlite);
    let m = ConnManager::new(&pg_base_url()).unwrap();
    assert_eq!(m.backend(), Backend::Postgres);
}
