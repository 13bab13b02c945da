//! Evidence documents through the pages, on both backends: every refused upload (too large,
//! a type not on the list, a `.pdf` that is not a PDF, an empty file, a zip bomb posing as a
//! workbook) says why beside its kind and leaves no file and no row; an accepted one is listed
//! and downloads as an attachment under its exact name; no firm reaches another's document by
//! any address; a submission waits for every required document. The same through the JSON
//! API (`/api/v1/applications/{id}/documents…`): upload as the raw body, list, download,
//! remove, and the same refusals with their codes.

use super::api::token_for;
use super::forms::field_error;
use super::{password_hash, seed_with_passwords, TestApp, PASSWORD};
use crate::common::{backends, FirmBuilder, TestDb};
use chrono::Utc;
use diesel::prelude::*;
use peiyu::app::applications::documents::MAX_BYTES_KEY;
use peiyu::app::applications::open::open_application;
use peiyu::app::Principal;
use peiyu::core::application::Target;
use peiyu::core::document::samples;
use peiyu::core::stage::Role;
use peiyu::store::schema::users as users_t;
use peiyu::store::users::{self, NewUser};
use peiyu::store::{documents, settings};
use sha2::{Digest, Sha256};

/// Two firms of county A, each with a firm user and a draft tech-SME application (whose
/// checklist is the licence, the staff list and the accounts).
struct World {
    app: TestApp,
    own_app: i64,
    other_app: i64,
    /// Signed in as the own firm's user.
    firm: TestApp,
    /// Signed in as the other firm's user.
    other_firm: TestApp,
}

fn firm_principal(id: i64, firm_id: i64) -> Principal {
    Principal {
        user_id: Some(id),
        role: Role::Firm,
        county_code: None,
        firm_id: Some(firm_id),
    }
}

fn world(db: &TestDb) -> World {
    let s = seed_with_passwords(db);
    let mut c = db.conn();
    let own = FirmBuilder::new().create(&mut c, &s.bureau);
    let other = FirmBuilder::new().create(&mut c, &s.bureau);
    let own_user = s.firm_user.user_id.unwrap();
    diesel::update(users_t::table.find(own_user))
        .set(users_t::firm_id.eq(own.id))
        .execute(&mut c)
        .unwrap();
    let other_user = users::insert(
        &mut c,
        &NewUser {
            username: "other_firm".to_string(),
            display_name: "other_firm".to_string(),
            email: None,
            role: "firm".to_string(),
            county_code: None,
            firm_id: Some(other.id),
            password_hash: password_hash().to_string(),
            lang: "zh-CN".to_string(),
            active: true,
            created_at: Utc::now().naive_utc(),
        },
    )
    .unwrap();
    let own_app = open_application(
        &mut c,
        &firm_principal(own_user, own.id),
        own.id,
        Target::TechSme,
        "",
    )
    .unwrap();
    let other_app = open_application(
        &mut c,
        &firm_principal(other_user, other.id),
        other.id,
        Target::TechSme,
        "",
    )
    .unwrap();
    let app = TestApp::spawn(db);
    let firm = app.other_client();
    firm.login_ok("firm_user");
    let other_firm = app.other_client();
    assert_eq!(other_firm.login("other_firm", PASSWORD).status, 303);
    World {
        app,
        own_app,
        other_app,
        firm,
        other_firm,
    }
}

/// Upload `bytes` named `name` as a document of `kind` to application `aid` from its page.
fn upload(client: &TestApp, aid: i64, kind: &str, name: &str, bytes: &[u8]) -> super::Resp {
    let page = client.get(&format!("/applications/{aid}"));
    let csrf = page.csrf();
    client.post_multipart(
        &format!("/applications/{aid}/documents"),
        &[
            ("_csrf", None, csrf.as_bytes()),
            ("kind", None, kind.as_bytes()),
            ("file", Some(name), bytes),
        ],
    )
}

fn nothing_kept(db: &TestDb) {
    assert_eq!(
        documents::count(&mut db.conn()).unwrap(),
        0,
        "{}: a row was left",
        db.name()
    );
    assert_eq!(
        db.stored_keys(),
        Vec::<String>::new(),
        "{}: a file was left",
        db.name()
    );
}

/// The id of the newest document of `aid`.
fn last_document(db: &TestDb, aid: i64) -> documents::Document {
    documents::for_application(&mut db.conn(), aid)
        .unwrap()
        .into_iter()
        .max_by_key(|d| d.id)
        .expect("a document")
}

/// A refused file: its name, its bytes, the status, the API's error code and words of the
/// message.
type Refused = (&'static str, Vec<u8>, u16, &'static str, &'static str);

/// Files every upload refuses under a limit of 256 KB: too large, a type not on the list, a
/// `.pdf` that is not a PDF, an empty file, a zip bomb posing as a workbook.
fn refused_files() -> Vec<Refused> {
    vec![
        (
            "营业执照.pdf",
            samples::pdf(300 * 1024),
            413,
            "document_too_large",
            "超过了 256 KB 的大小上限",
        ),
        (
            "营业执照.gif",
            b"GIF89a\x01\x00\x01\x00\x00\x00\x00;".to_vec(),
            400,
            "document_type",
            "不是可接受的文件类型",
        ),
        (
            "营业执照.pdf",
            b"<html>not a pdf</html>".to_vec(),
            400,
            "document_not_what_named",
            "内容不是 PDF",
        ),
        (
            "营业执照.pdf",
            Vec::new(),
            400,
            "document_empty",
            "是空文件",
        ),
        (
            "营业执照.xlsx",
            samples::zip_bomb_xlsx(20 * 1024 * 1024),
            400,
            "document_zip_bomb",
            "疑似压缩炸弹",
        ),
    ]
}

#[test]
fn every_refused_upload_says_why_beside_its_kind_and_keeps_nothing() {
    for db in backends() {
        let w = world(&db);
        settings::set(
            &mut db.conn(),
            MAX_BYTES_KEY,
            &serde_json::json!(256 * 1024),
        )
        .unwrap();
        let aid = w.own_app;
        for (name, bytes, status, _, words) in refused_files() {
            let r = upload(&w.firm, aid, "business_licence", name, &bytes);
            assert_eq!(r.status, status, "{}: {name}: {}", db.name(), r.body);
            let said = field_error(&r, "file-business_licence")
                .unwrap_or_else(|| panic!("{name}: no message beside the field: {}", r.body));
            assert!(said.contains(words), "{name}: {said}");
            assert!(
                said.contains(name),
                "{name}: the message names the file: {said}"
            );
            nothing_kept(&db);
        }
        // In English too.
        let en = w.firm.other_client();
        en.login_ok("firm_user");
        en.get("/lang/en?next=/");
        let r = upload(&en, aid, "business_licence", "licence.pdf", b"");
        assert!(field_error(&r, "file-business_licence")
            .unwrap()
            .contains("is empty (0 bytes)"));
        // A form posted without choosing a file.
        let r = upload(&w.firm, aid, "business_licence", "", b"");
        assert_eq!(r.status, 400);
        assert!(field_error(&r, "file-business_licence")
            .unwrap()
            .contains("请先选择"));
        nothing_kept(&db);
    }
}

#[test]
fn an_upload_is_listed_and_downloads_as_an_attachment_under_its_exact_name() {
    for db in backends() {
        let w = world(&db);
        let aid = w.own_app;
        let pdf = samples::pdf(4096);
        let r = upload(&w.firm, aid, "business_licence", "营业执照 副本.pdf", &pdf);
        assert_eq!(r.status, 303, "{}", r.body);
        assert_eq!(
            r.location.as_deref(),
            Some(format!("/applications/{aid}?done=uploaded#documents").as_str())
        );
        let page = w.firm.get(&format!("/applications/{aid}?done=uploaded"));
        assert!(page.body.contains("材料已上传"), "{}", page.body);
        assert!(page.body.contains("营业执照 副本.pdf"));
        let doc = last_document(&db, aid);
        assert_eq!(doc.content_type, "application/pdf");
        assert_eq!(doc.size, pdf.len() as i64);
        let sha: String = Sha256::digest(&pdf)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(doc.sha256, sha);
        assert_eq!(db.stored_keys(), vec![doc.storage_key.clone()]);
        assert!(!doc.storage_key.contains("pdf"), "keys are not file names");

        let href = format!("/applications/{aid}/documents/{}", doc.id);
        assert!(page.body.contains(&href), "a download link");
        let (status, headers, body) = w.firm.get_bytes(&href);
        assert_eq!(status, 200);
        assert_eq!(body, pdf);
        let h = |n: &str| {
            headers
                .iter()
                .find(|(k, _)| k == n)
                .map(|(_, v)| v.as_str())
                .unwrap_or("")
        };
        assert_eq!(h("content-type"), "application/pdf");
        assert_eq!(h("x-content-type-options"), "nosniff");
        assert_eq!(h("cache-control"), "no-store");
        assert_eq!(h("content-length"), pdf.len().to_string());
        let cd = h("content-disposition");
        assert!(cd.starts_with("attachment"), "{cd}");
        assert!(
            cd.contains(&format!("filename=\"business_licence-{}.pdf\"", doc.id)),
            "{cd}"
        );
        assert!(
            cd.contains(
                "filename*=UTF-8''%E8%90%A5%E4%B8%9A%E6%89%A7%E7%85%A7%20%E5%89%AF%E6%9C%AC.pdf"
            ),
            "{cd}"
        );

        // The county's officer and the bureau read it; the other county's officer finds nothing.
        for (who, status) in [("county_a", 200), ("bureau", 200), ("county_b", 404)] {
            let client = w.app.other_client();
            client.login_ok(who);
            assert_eq!(client.get_bytes(&href).0, status, "{who}");
        }
    }
}

#[test]
fn a_firm_never_reaches_another_firms_document_by_any_address() {
    for db in backends() {
        let w = world(&db);
        let r = upload(
            &w.other_firm,
            w.other_app,
            "business_licence",
            "a.pdf",
            &samples::pdf(0),
        );
        assert_eq!(r.status, 303, "{}", r.body);
        let theirs = last_document(&db, w.other_app);
        let r = upload(
            &w.firm,
            w.own_app,
            "business_licence",
            "b.pdf",
            &samples::pdf(0),
        );
        assert_eq!(r.status, 303, "{}", r.body);
        let mine = last_document(&db, w.own_app);
        let (own, other, did) = (w.own_app, w.other_app, theirs.id);
        for path in [
            format!("/applications/{other}/documents/{did}"),
            // Their document under my application's address.
            format!("/applications/{own}/documents/{did}"),
            // My document under their application's address.
            format!("/applications/{other}/documents/{}", mine.id),
            format!("/applications/{own}/documents/{}", did + 1000),
        ] {
            assert_eq!(w.firm.get_bytes(&path).0, 404, "{path}");
        }
        // Nor upload to or remove from their application, nor remove theirs through mine.
        let page = w.firm.get(&format!("/applications/{own}"));
        let csrf = page.csrf();
        let r = w.firm.post_multipart(
            &format!("/applications/{other}/documents"),
            &[
                ("_csrf", None, csrf.as_bytes()),
                ("kind", None, b"business_licence"),
                ("file", Some("x.pdf"), &samples::pdf(0)),
            ],
        );
        assert_eq!(r.status, 404);
        let version = super::forms::hidden(&page, "version");
        for path in [
            format!("/applications/{other}/documents/{did}/delete"),
            format!("/applications/{own}/documents/{did}/delete"),
        ] {
            let r = w.firm.post(
                &path,
                &[("_csrf", csrf.as_str()), ("version", version.as_str())],
            );
            assert_eq!(r.status, 404, "{path}");
        }
        assert_eq!(documents::count(&mut db.conn()).unwrap(), 2);
        assert_eq!(db.stored_keys().len(), 2);
        // The owner still has theirs.
        assert_eq!(
            w.other_firm
                .get_bytes(&format!("/applications/{other}/documents/{did}"))
                .0,
            200
        );
    }
}

fn submit(client: &TestApp, aid: i64) -> super::Resp {
    let page = client.get(&format!("/applications/{aid}"));
    let csrf = page.csrf();
    let version = super::forms::hidden(&page, "version");
    client.post(
        &format!("/applications/{aid}"),
        &[
            ("_csrf", csrf.as_str()),
            ("version", version.as_str()),
            ("action", "submit"),
        ],
    )
}

#[test]
fn a_submission_waits_for_every_required_document_and_then_locks_them() {
    for db in backends() {
        let w = world(&db);
        let aid = w.own_app;
        let page = w.firm.get(&format!("/applications/{aid}"));
        for words in ["营业执照", "科技人员名单", "年度财务会计报告", "尚未上传"]
        {
            assert!(page.body.contains(words), "{words}: {}", page.body);
        }
        let r = upload(
            &w.firm,
            aid,
            "business_licence",
            "licence.pdf",
            &samples::pdf(0),
        );
        assert_eq!(r.status, 303);
        let refused = submit(&w.firm, aid);
        assert_eq!(refused.status, 409, "{}", refused.body);
        assert!(
            refused
                .body
                .contains("还缺少必备材料：科技人员名单；年度财务会计报告"),
            "{}",
            refused.body
        );
        for (kind, name, bytes) in [
            ("tech_staff_list", "staff.xlsx", samples::xlsx()),
            ("annual_financial_report", "accounts.ofd", samples::ofd()),
        ] {
            let r = upload(&w.firm, aid, kind, name, &bytes);
            assert_eq!(r.status, 303, "{kind}: {}", r.body);
        }
        let sent = submit(&w.firm, aid);
        assert_eq!(sent.status, 303, "{}", sent.body);

        // Submitted: no upload form, and a forged upload or removal is refused.
        let page = w.firm.get(&format!("/applications/{aid}"));
        assert!(!page.body.contains("multipart/form-data"));
        assert!(page.body.contains("材料只能在草稿或退回修改时增删"));
        let r = w.firm.post_multipart(
            &format!("/applications/{aid}/documents"),
            &[
                ("_csrf", None, page.csrf().as_bytes()),
                ("kind", None, b"business_licence"),
                ("file", Some("late.pdf"), &samples::pdf(0)),
            ],
        );
        assert_eq!(r.status, 409, "{}", r.body);
        assert!(r.body.contains("材料不能再增删"), "{}", r.body);
        assert_eq!(documents::count(&mut db.conn()).unwrap(), 3);
        assert_eq!(db.stored_keys().len(), 3);
    }
}

#[test]
fn an_upload_needs_its_csrf_field_before_the_file() {
    for db in backends() {
        let w = world(&db);
        let aid = w.own_app;
        let csrf = w.firm.get(&format!("/applications/{aid}")).csrf();
        let pdf = samples::pdf(0);
        let late = w.firm.post_multipart(
            &format!("/applications/{aid}/documents"),
            &[
                ("kind", None, b"business_licence"),
                ("file", Some("a.pdf"), &pdf),
                ("_csrf", None, csrf.as_bytes()),
            ],
        );
        assert_eq!(late.status, 403);
        let wrong = w.firm.post_multipart(
            &format!("/applications/{aid}/documents"),
            &[
                ("_csrf", None, b"0123456789abcdef0123456789abcdef"),
                ("kind", None, b"business_licence"),
                ("file", Some("a.pdf"), &pdf),
            ],
        );
        assert_eq!(wrong.status, 403);
        nothing_kept(&db);
    }
}

#[test]
fn a_document_is_removed_from_the_page_of_a_draft() {
    for db in backends() {
        let w = world(&db);
        let aid = w.own_app;
        assert_eq!(
            upload(&w.firm, aid, "business_licence", "a.png", &samples::png()).status,
            303
        );
        let doc = last_document(&db, aid);
        assert_eq!(doc.content_type, "image/png");
        let page = w.firm.get(&format!("/applications/{aid}"));
        let remove = format!("/applications/{aid}/documents/{}/delete", doc.id);
        assert!(page.body.contains(&remove));
        let csrf = page.csrf();
        let version = super::forms::hidden(&page, "version");
        // A page out of date is refused.
        let stale = w
            .firm
            .post(&remove, &[("_csrf", csrf.as_str()), ("version", "1")]);
        assert_eq!(stale.status, 409, "{}", stale.body);
        let r = w.firm.post(
            &remove,
            &[("_csrf", csrf.as_str()), ("version", version.as_str())],
        );
        assert_eq!(r.status, 303, "{}", r.body);
        assert!(w
            .firm
            .get(r.location.as_deref().unwrap())
            .body
            .contains("材料已删除"));
        nothing_kept(&db);
    }
}

/// The path of application `aid`'s documents in the API.
fn api_docs(aid: i64) -> String {
    format!("/api/v1/applications/{aid}/documents")
}

/// Upload through the API as the holder of `token`.
fn api_upload(
    app: &TestApp,
    token: &str,
    aid: i64,
    kind: &str,
    name: &str,
    bytes: &[u8],
) -> super::Resp {
    let q: String = serde_urlencoded::to_string([("kind", kind), ("file_name", name)]).unwrap();
    app.api_upload(&format!("{}?{q}", api_docs(aid)), token, bytes)
}

#[test]
fn documents_through_the_api_upload_list_download_and_remove() {
    for db in backends() {
        let w = world(&db);
        let aid = w.own_app;
        let firm = token_for(&db, "firm_user");
        let listed = w.app.api_get(&api_docs(aid), &firm);
        assert_eq!(listed.status, 200, "{}", listed.body);
        let v = listed.json();
        let kinds: Vec<&str> = v["checklist"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["kind"].as_str().unwrap())
            .collect();
        assert_eq!(
            kinds,
            [
                "business_licence",
                "tech_staff_list",
                "annual_financial_report"
            ]
        );
        assert!(v["checklist"]
            .as_array()
            .unwrap()
            .iter()
            .all(|i| i["missing"] == true));
        assert_eq!(v["can_change"], true);
        assert_eq!(v["checklist"][0]["label_zh"], "营业执照");

        let pdf = samples::pdf(10_000);
        let r = api_upload(
            &w.app,
            &firm,
            aid,
            "business_licence",
            "营业执照 副本.pdf",
            &pdf,
        );
        assert_eq!(r.status, 201, "{}: {}", db.name(), r.body);
        let doc = r.json();
        let href = doc["href"].as_str().unwrap().to_string();
        assert_eq!(r.location.as_deref(), Some(href.as_str()));
        assert_eq!(doc["file_name"], "营业执照 副本.pdf");
        assert_eq!(doc["content_type"], "application/pdf");
        assert_eq!(doc["size"], pdf.len() as i64);
        let sha: String = Sha256::digest(&pdf)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(doc["sha256"], sha.as_str());
        assert_eq!(db.stored_keys().len(), 1);

        // Listed under its kind, and in the application as the API shows it.
        let v = w.app.api_get(&api_docs(aid), &firm).json();
        assert_eq!(v["checklist"][0]["missing"], false);
        assert_eq!(v["checklist"][0]["documents"][0]["id"], doc["id"]);
        let shown = w
            .app
            .api_get(&format!("/api/v1/applications/{aid}"), &firm)
            .json();
        assert_eq!(
            shown["documents"]["checklist"][0]["documents"][0]["id"],
            doc["id"]
        );

        // Downloaded as the page serves it, by the firm and by the county's officer.
        for who in ["firm_user", "county_a", "bureau"] {
            let (status, headers, body) = w.app.api_get_bytes(&href, &token_for(&db, who));
            assert_eq!(status, 200, "{who}");
            assert_eq!(body, pdf, "{who}");
            let h = |n: &str| headers.iter().find(|(k, _)| k == n).map(|(_, v)| v.clone());
            assert_eq!(h("content-type").as_deref(), Some("application/pdf"));
            assert_eq!(h("x-content-type-options").as_deref(), Some("nosniff"));
            assert!(h("content-disposition").unwrap().starts_with("attachment"));
        }
        assert_eq!(
            w.app.api_get_bytes(&href, &token_for(&db, "county_b")).0,
            404
        );

        // Removal: a stale version is a conflict, the current one removes row and file.
        let id = doc["id"].as_i64().unwrap();
        let gone = format!("{}/{id}", api_docs(aid));
        let stale = w.app.call(
            "DELETE",
            &format!("{gone}?version=0"),
            Some(&firm),
            &[],
            None,
        );
        assert_eq!(stale.status, 409, "{}", stale.body);
        assert_eq!(stale.code(), "stale_version");
        let version = v["version"].as_i64().unwrap();
        let r = w.app.call(
            "DELETE",
            &format!("{gone}?version={version}"),
            Some(&firm),
            &[],
            None,
        );
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(r.json()["checklist"][0]["missing"], true);
        assert_eq!(w.app.api_get_bytes(&href, &firm).0, 404);
        nothing_kept(&db);
    }
}

#[test]
fn refused_uploads_through_the_api_say_why_and_keep_nothing() {
    for db in backends() {
        let w = world(&db);
        settings::set(
            &mut db.conn(),
            MAX_BYTES_KEY,
            &serde_json::json!(256 * 1024),
        )
        .unwrap();
        let aid = w.own_app;
        let firm = token_for(&db, "firm_user");
        let mut cases: Vec<(&str, Refused)> = refused_files()
            .into_iter()
            .map(|r| ("business_licence", r))
            .collect();
        // A kind the tech-SME checklist does not ask for.
        cases.push((
            "rd_expense_audit",
            ("审计报告.pdf", samples::pdf(0), 400, "document_kind", ""),
        ));
        for (kind, (name, bytes, status, code, words)) in cases {
            let r = api_upload(&w.app, &firm, aid, kind, name, &bytes);
            assert_eq!(r.status, status, "{}: {name}: {}", db.name(), r.body);
            let e = &r.json()["error"];
            assert_eq!(e["code"], code, "{name}: {}", r.body);
            assert!(
                e["message"].as_str().unwrap().contains(words),
                "{name}: {}",
                r.body
            );
            nothing_kept(&db);
        }
        // A county officer reads but does not upload; another firm's user finds nothing.
        let county = token_for(&db, "county_a");
        assert_eq!(
            api_upload(
                &w.app,
                &county,
                aid,
                "business_licence",
                "a.pdf",
                &samples::pdf(0)
            )
            .status,
            403
        );
        let other = token_for(&db, "other_firm");
        for r in [
            api_upload(
                &w.app,
                &other,
                aid,
                "business_licence",
                "a.pdf",
                &samples::pdf(0),
            ),
            w.app.api_get(&api_docs(aid), &other),
            w.app.call(
                "DELETE",
                &format!("{}/1?version=1", api_docs(aid)),
                Some(&other),
                &[],
                None,
            ),
        ] {
            assert_eq!(r.status, 404, "{}", r.body);
        }
        nothing_kept(&db);
        // Their own document under my application's address is not found either.
        let r = api_upload(
            &w.app,
            &other,
            w.other_app,
            "business_licence",
            "b.pdf",
            &samples::pdf(0),
        );
        assert_eq!(r.status, 201, "{}", r.body);
        let theirs = r.json()["id"].as_i64().unwrap();
        for path in [
            format!("{}/{theirs}", api_docs(aid)),
            format!("{}/{theirs}", api_docs(w.other_app)),
        ] {
            assert_eq!(w.app.api_get_bytes(&path, &firm).0, 404, "{path}");
        }
    }
}
