use crate::common::backends;
use crate::web::{seed_with_passwords, TestApp};
use peiyu::store::{audit, users};

fn shown_secret(body: &str) -> String {
    let start = body.find("<code>").expect("a secret shown once") + "<code>".len();
    let end = body[start..].find("</code>").unwrap() + start;
    body[start..end].to_string()
}

#[test]
fn an_admin_invites_disables_and_changes_users_with_csrf_and_audit() {
    for db in backends() {
        seed_with_passwords(&db);
        let app = TestApp::spawn(&db);
        let bureau = app.other_client();
        bureau.login_ok("bureau");
        assert_eq!(bureau.get("/admin/users").status, 403);

        app.login_ok("admin");
        let page = app.get("/admin/users");
        assert_eq!(page.status, 200, "{}: {}", db.name(), page.body);
        let csrf = page.csrf();
        let refused = app.post("/admin/users", &[("username", "x1"), ("role", "bureau")]);
        assert_eq!(refused.status, 403, "no CSRF token, no change");

        let r = app.post(
            "/admin/users",
            &[
                ("_csrf", &csrf),
                ("username", "new.officer"),
                ("role", "county"),
                ("county", "411102"),
                ("display_name", "新人"),
            ],
        );
        assert_eq!(r.status, 200, "{}", r.body);
        let temp = shown_secret(&r.body);
        let u = users::find_by_username(&mut db.conn(), "new.officer")
            .unwrap()
            .unwrap();
        assert_eq!(u.role, "county");
        let newcomer = app.other_client();
        assert_eq!(newcomer.login("new.officer", &temp).status, 303);

        let r = app.post(
            &format!("/admin/users/{}", u.id),
            &[
                ("_csrf", &csrf),
                ("action", "role"),
                ("role", "advisor"),
                ("county", ""),
            ],
        );
        assert_eq!(r.status, 303, "{}", r.body);
        let r = app.post(
            &format!("/admin/users/{}", u.id),
            &[("_csrf", &csrf), ("action", "disable")],
        );
        assert_eq!(r.status, 303, "{}", r.body);
        let u = users::find_by_id(&mut db.conn(), u.id).unwrap();
        assert_eq!(
            (u.role.as_str(), u.county_code.as_deref(), u.active),
            ("advisor", None, false)
        );
        assert_eq!(app.other_client().login("new.officer", &temp).status, 401);
        let actions: Vec<String> = audit::list_for_entity(&mut db.conn(), "user", u.id)
            .unwrap()
            .into_iter()
            .map(|a| a.action)
            .collect();
        assert_eq!(actions, ["add_user", "change_user_role", "disable_user"]);

        let r = app.post(
            "/admin/tokens",
            &[("_csrf", &csrf), ("username", "bureau"), ("name", "etl")],
        );
        assert_eq!(r.status, 200, "{}", r.body);
        let token = shown_secret(&r.body);
        assert!(token.starts_with("py_"));
        assert_eq!(
            app.other_client().api_get("/api/v1/me", &token).json()["username"],
            "bureau"
        );
    }
}
