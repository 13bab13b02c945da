//! Evidence documents through the use cases, on both backends: who may change them and when,
//! the submission's guard naming what is missing in both languages, a failed transaction
//! that leaves neither row nor file, and the daily sweep of files without a row.

use crate::common::{backends, seed, FirmBuilder, TestDb};
use chrono::Utc;
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use peiyu::app::applications::act::act;
use peiyu::app::applications::documents::{
    for_download, remove_document, upload_document, CHECKLIST_KEY,
};
use peiyu::app::applications::open::open_application;
use peiyu::app::daily::{run_tick, TickOptions, TickOutcome};
use peiyu::app::{today, AppError, Principal};
use peiyu::core::application::{Action, Target};
use peiyu::core::document::samples;
use peiyu::i18n::{render, Lang};
use peiyu::store::firms::{self, FirmChanges};
use peiyu::store::schema::users as users_t;
use peiyu::store::{applications, documents, settings, Backend, DbConn};
use std::time::{Duration, SystemTime};

struct Cast {
    firm_user: Principal,
    advisor: Principal,
    county: Principal,
    other_county: Principal,
    bureau: Principal,
    id: i64,
}

/// A prospect of county A with its user and assigned advisor, and a draft tech-SME
/// application of it.
fn cast(c: &mut DbConn) -> Cast {
    let s = seed(c);
    let firm = FirmBuilder::new().create(c, &s.bureau);
    let advisor_id = s.advisor.user_id.unwrap();
    diesel::update(users_t::table.find(advisor_id))
        .set(users_t::county_code.eq(crate::common::COUNTY_A))
        .execute(c)
        .unwrap();
    firms::update_with_version(
        c,
        firm.id,
        firm.version,
        &FirmChanges {
            advisor_id: Some(Some(advisor_id)),
            ..FirmChanges::default()
        },
        Utc::now().naive_utc(),
    )
    .unwrap();
    let user_id = s.firm_user.user_id.unwrap();
    diesel::update(users_t::table.find(user_id))
        .set(users_t::firm_id.eq(firm.id))
        .execute(c)
        .unwrap();
    let firm_user = Principal {
        firm_id: Some(firm.id),
        ..s.firm_user
    };
    let advisor = Principal {
        county_code: Some(crate::common::COUNTY_A.to_string()),
        ..s.advisor
    };
    let id = open_application(c, &firm_user, firm.id, Target::TechSme, "").unwrap();
    Cast {
        firm_user,
        advisor,
        county: s.county_a,
        other_county: s.county_b,
        bureau: s.bureau,
        id,
    }
}

fn pdf_to(
    c: &mut DbConn,
    db: &TestDb,
    who: &Principal,
    id: i64,
    kind: &str,
) -> Result<i64, AppError> {
    upload_document(
        c,
        &db.storage(),
        who,
        id,
        kind,
        "scan.pdf",
        samples::pdf(128),
    )
}

#[test]
fn only_the_firm_and_its_advisor_change_documents_and_only_before_submission() {
    for db in backends() {
        let mut c = db.conn();
        let k = cast(&mut c);
        let id = k.id;
        for p in [&k.county, &k.bureau] {
            assert!(
                matches!(
                    pdf_to(&mut c, &db, p, id, "business_licence"),
                    Err(AppError::Forbidden)
                ),
                "{:?}",
                p.role
            );
        }
        assert!(matches!(
            pdf_to(&mut c, &db, &k.other_county, id, "business_licence"),
            Err(AppError::NotFound)
        ));
        // A kind the checklist does not ask for is refused beside the kind.
        match pdf_to(&mut c, &db, &k.firm_user, id, "high_tech_revenue_audit") {
            Err(AppError::BadInput(e)) => assert_eq!(e.field, "kind"),
            other => panic!("{other:?}"),
        }
        assert_eq!(documents::count(&mut c).unwrap(), 0);
        assert!(db.stored_keys().is_empty());

        // The advisor on the firm's behalf, the firm itself: each kind once.
        pdf_to(&mut c, &db, &k.advisor, id, "business_licence").unwrap();
        pdf_to(&mut c, &db, &k.firm_user, id, "tech_staff_list").unwrap();
        let t = today();
        let refused = act(&mut c, &k.firm_user, id, None, &Action::Submit, "", t).unwrap_err();
        let AppError::Conflict(conflict) = &refused else {
            panic!("{refused:?}")
        };
        assert_eq!(
            render(Lang::ZhCn, &conflict.text()),
            "不能办理：还缺少必备材料：年度财务会计报告"
        );
        assert_eq!(
            render(Lang::En, &conflict.text()),
            "Not possible: Required documents are missing: Annual financial report"
        );
        let last = pdf_to(&mut c, &db, &k.firm_user, id, "annual_financial_report").unwrap();
        act(&mut c, &k.firm_user, id, None, &Action::Submit, "", t).unwrap();

        // Submitted: nothing changes any more, not even by the firm.
        let locked = pdf_to(&mut c, &db, &k.firm_user, id, "business_licence").unwrap_err();
        assert!(
            matches!(&locked, AppError::Conflict(c) if c.code() == "documents_locked"),
            "{locked:?}"
        );
        let version = applications::find_by_id(&mut c, id).unwrap().version;
        let locked =
            remove_document(&mut c, &db.storage(), &k.firm_user, id, last, version).unwrap_err();
        assert!(matches!(locked, AppError::Conflict(_)), "{locked:?}");
        // Reviewers read them.
        for p in [&k.county, &k.bureau, &k.advisor] {
            assert_eq!(for_download(&mut c, p, id, last).unwrap().id, last);
        }
        assert!(matches!(
            for_download(&mut c, &k.other_county, id, last),
            Err(AppError::NotFound)
        ));

        // Returned: the firm may change them again.
        act(
            &mut c,
            &k.county,
            id,
            None,
            &Action::Return,
            "请更新财务报告",
            t,
        )
        .unwrap();
        let version = applications::find_by_id(&mut c, id).unwrap().version;
        remove_document(&mut c, &db.storage(), &k.firm_user, id, last, version).unwrap();
        assert_eq!(documents::count(&mut c).unwrap(), 2);
        assert_eq!(db.stored_keys().len(), 2);
        assert!(act(&mut c, &k.firm_user, id, None, &Action::Submit, "", t).is_err());
        pdf_to(&mut c, &db, &k.firm_user, id, "annual_financial_report").unwrap();
        act(&mut c, &k.firm_user, id, None, &Action::Submit, "", t).unwrap();
    }
}

#[test]
fn the_checklist_setting_replaces_a_targets_list() {
    for db in backends() {
        let mut c = db.conn();
        let k = cast(&mut c);
        settings::set(
            &mut c,
            CHECKLIST_KEY,
            &serde_json::json!({"tech_sme": ["business_licence"]}),
        )
        .unwrap();
        let t = today();
        assert!(act(&mut c, &k.firm_user, k.id, None, &Action::Submit, "", t).is_err());
        pdf_to(&mut c, &db, &k.firm_user, k.id, "business_licence").unwrap();
        act(&mut c, &k.firm_user, k.id, None, &Action::Submit, "", t).unwrap();
    }
}

#[test]
fn a_failed_transaction_leaves_neither_row_nor_file() {
    for db in backends() {
        let mut c = db.conn();
        let k = cast(&mut c);
        // Make every insert of a document row fail, after the file was stored.
        match db.backend {
            Backend::Sqlite => c.batch_execute(
                "CREATE TRIGGER no_documents BEFORE INSERT ON documents \
                 BEGIN SELECT RAISE(ABORT, 'refused by the test'); END;",
            ),
            Backend::Postgres => c.batch_execute(
                "CREATE FUNCTION no_documents() RETURNS trigger AS $$ \
                 BEGIN RAISE EXCEPTION 'refused by the test'; END $$ LANGUAGE plpgsql; \
                 CREATE TRIGGER no_documents BEFORE INSERT ON documents \
                 FOR EACH ROW EXECUTE FUNCTION no_documents();",
            ),
        }
        .unwrap();
        let version = applications::find_by_id(&mut c, k.id).unwrap().version;
        let e = pdf_to(&mut c, &db, &k.firm_user, k.id, "business_licence").unwrap_err();
        assert!(matches!(e, AppError::Internal(_)), "{e:?}");
        assert_eq!(documents::count(&mut c).unwrap(), 0);
        assert!(db.stored_keys().is_empty(), "{}", db.name());
        assert_eq!(
            applications::find_by_id(&mut c, k.id).unwrap().version,
            version,
            "the application is untouched"
        );
    }
}

/// Make the file of `key` look written `age` ago.
fn age(db: &TestDb, key: &str, age: Duration) {
    let path = db.files.path().join("documents").join(key);
    std::fs::File::options()
        .write(true)
        .open(&path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .set_modified(SystemTime::now() - age)
        .unwrap();
}

#[test]
fn the_daily_sweep_removes_files_without_a_row_once_they_are_a_day_old() {
    for db in backends() {
        let mut c = db.conn();
        let k = cast(&mut c);
        let kept = pdf_to(&mut c, &db, &k.firm_user, k.id, "business_licence").unwrap();
        let kept_key = documents::find_by_id(&mut c, kept).unwrap().storage_key;
        let storage = db.storage();
        let (old, fresh) = (
            peiyu::store::storage::Storage::new_key(),
            peiyu::store::storage::Storage::new_key(),
        );
        storage.put(&old, samples::pdf(0)).unwrap();
        storage.put(&fresh, samples::pdf(0)).unwrap();
        // A file someone else put there, however old, is not the sweep's.
        storage.put("notes/readme.txt", b"kept".to_vec()).unwrap();
        let two_days = Duration::from_secs(2 * 24 * 3600);
        age(&db, "notes/readme.txt", two_days);
        age(&db, &old, two_days);
        age(&db, &kept_key, two_days);
        age(&db, &fresh, Duration::from_secs(3600));

        let opts = TickOptions {
            storage: Some(storage.clone()),
            ..TickOptions::new(today())
        };
        let TickOutcome::Ran(summary) = run_tick(&mut c, &opts).unwrap() else {
            panic!("the tick did not run")
        };
        assert_eq!(summary.swept, 1, "{}", db.name());
        let mut left = db.stored_keys();
        left.sort();
        let mut expected = vec![
            kept_key.clone(),
            fresh.clone(),
            "notes/readme.txt".to_string(),
        ];
        expected.sort();
        assert_eq!(left, expected, "{}", db.name());
        // The document is whole.
        assert_eq!(storage.get(&kept_key).unwrap(), samples::pdf(128));
    }
}
