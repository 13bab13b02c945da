use crate::common::TestDb;
use crate::web::TestApp;
use peiyu::web::api::ROUTES;

#[test]
fn the_openapi_document_covers_every_registered_route() {
    let db = TestDb::sqlite();
    let app = TestApp::spawn(&db);
    let r = app.get("/api/v1/openapi.json");
    assert_eq!(r.status, 200, "{}", r.body);
    let doc = r.json();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    assert_eq!(
        doc["components"]["securitySchemes"]["bearer"]["scheme"],
        "bearer"
    );
    let mut missing = Vec::new();
    for route in ROUTES {
        if doc["paths"][route.full_path()][route.verb.id()].is_null() {
            missing.push(format!("{} {}", route.verb.id(), route.full_path()));
        }
        // Every route is really registered: anything but the JSON 404 of unknown paths.
        let probe = route
            .full_path()
            .replace("{id}", "1")
            .replace("{year}", "2024");
        let res = app.call(
            &route.verb.id().to_uppercase(),
            &probe,
            None,
            &[],
            Some("{}"),
        );
        assert_ne!(res.status, 404, "{probe} is not registered: {}", res.body);
    }
    assert!(
        missing.is_empty(),
        "routes missing from openapi.json: {missing:?}"
    );
    let documented: usize = doc["paths"]
        .as_object()
        .unwrap()
        .values()
        .map(|p| p.as_object().unwrap().len())
        .sum();
    assert_eq!(
        documented,
        ROUTES.len(),
        "the document lists a route that is not registered"
    );
}
