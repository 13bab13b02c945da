use crate::common::{backends, TestDb};
use crate::web::{seed_with_passwords, TestApp};
use std::process::{Command, Output};

fn peiyu(db: &TestDb, args: &[&str], password: Option<&str>) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_peiyu"));
    c.args(args)
        .env("PEIYU_DATABASE_URL", &db.url)
        .env_remove("PEIYU_PASSWORD");
    if let Some(p) = password {
        c.env("PEIYU_PASSWORD", p);
    }
    c.output().unwrap()
}

#[test]
fn peiyu_user_add_creates_a_user_who_can_sign_in_and_tokens_work() {
    for db in backends() {
        seed_with_passwords(&db);
        let out = peiyu(
            &db,
            &[
                "user",
                "add",
                "--username",
                "zhang.san",
                "--role",
                "county",
                "--county",
                "411102",
                "--display-name",
                "张三",
            ],
            Some("a-long-password-1"),
        );
        assert!(
            out.status.success(),
            "{}: {}",
            db.name(),
            String::from_utf8_lossy(&out.stderr)
        );
        let app = TestApp::spawn(&db);
        let r = app.login("zhang.san", "a-long-password-1");
        assert_eq!(r.status, 303, "{}", r.body);

        let no_pw = peiyu(
            &db,
            &["user", "add", "--username", "li", "--role", "bureau"],
            None,
        );
        assert_eq!(
            no_pw.status.code(),
            Some(2),
            "{}",
            String::from_utf8_lossy(&no_pw.stderr)
        );
        let dup = peiyu(
            &db,
            &["user", "add", "--username", "zhang.san", "--role", "bureau"],
            Some("a-long-password-1"),
        );
        assert_eq!(dup.status.code(), Some(1));
        let no_county = peiyu(
            &db,
            &["user", "add", "--username", "wang", "--role", "county"],
            Some("a-long-password-1"),
        );
        assert_eq!(no_county.status.code(), Some(2));
        assert!(String::from_utf8_lossy(&no_county.stderr).contains("county"));

        let out = peiyu(
            &db,
            &["token", "create", "--user", "zhang.san", "--name", "etl"],
            None,
        );
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let token = String::from_utf8(out.stdout).unwrap().trim().to_string();
        let me = app.api_get("/api/v1/me", &token);
        assert_eq!(me.json()["username"], "zhang.san");
        let id = peiyu::store::tokens::find_by_hash(
            &mut db.conn(),
            &peiyu::app::accounts::tokens::token_hash(&token),
        )
        .unwrap()
        .unwrap()
        .id;
        let revoked = peiyu(&db, &["token", "revoke", &id.to_string()], None);
        assert!(
            revoked.status.success(),
            "{}: {:?} {}",
            db.name(),
            revoked.status,
            String::from_utf8_lossy(&revoked.stderr)
        );
        assert_eq!(app.api_get("/api/v1/me", &token).status, 401);
    }
}
