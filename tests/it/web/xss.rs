use super::{seed_with_passwords, TestApp};
use crate::common::{backends, FirmBuilder};
use chrono::Utc;
use peiyu::store::firms::{self, FirmChanges};

const EVIL: &str = "<script>alert(1)</script>\" onmouseover=alert(2) x=\"";

fn assert_inert(body: &str, page: &str) {
    assert!(
        !body.contains("<script>alert(1)</script>"),
        "{page}: raw script tag"
    );
    assert!(
        !body.contains("\" onmouseover="),
        "{page}: attribute break-out"
    );
    assert!(
        body.contains("&lt;script&gt;alert(1)&lt;&#x2F;script&gt;")
            || body.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "{page}: the name is shown as text"
    );
}

#[test]
fn a_hostile_firm_name_renders_as_text_on_the_list_and_firm_pages() {
    for db in backends() {
        let s = seed_with_passwords(&db);
        let firm = {
            let mut c = db.conn();
            let f = FirmBuilder::new().create(&mut c, &s.bureau);
            let changes = FirmChanges {
                name: Some(EVIL.to_string()),
                contact_name: Some(Some(EVIL.to_string())),
                ..FirmChanges::default()
            };
            firms::update_with_version(&mut c, f.id, f.version, &changes, Utc::now().naive_utc())
                .unwrap();
            f
        };
        let app = TestApp::spawn(&db);
        app.login_ok("bureau");
        let list = app.get("/firms");
        assert_eq!(list.status, 200);
        assert_inert(&list.body, "list");
        let page = app.get(&format!("/firms/{}", firm.id));
        assert_eq!(page.status, 200, "{}", page.body);
        assert_inert(&page.body, "firm page");

        // A search for the same text is echoed inertly in the search box and the links.
        let q = serde_urlencoded::to_string([("q", EVIL)]).unwrap();
        let searched = app.get(&format!("/firms?{q}"));
        assert_eq!(searched.status, 200);
        assert_inert(&searched.body, "search");
    }
}
