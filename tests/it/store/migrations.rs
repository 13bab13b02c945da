use crate::common::{backends, TestDb};
use peiyu::store::{self, dialect};

const TABLES: [&str; 10] = [
    "audit_log",
    "counties",
    "credentials",
    "firm_ip",
    "firm_years",
    "firms",
    "sectors",
    "settings",
    "stage_events",
    "users",
];

#[test]
fn migrations_give_both_backends_the_same_tables_and_columns() {
    let sqlite = TestDb::sqlite();
    let pg = TestDb::postgres();
    let a = dialect::schema_columns(&mut sqlite.conn()).unwrap();
    let b = dialect::schema_columns(&mut pg.conn()).unwrap();
    let tables = |cols: &[dialect::ColumnInfo]| {
        let mut t: Vec<String> = cols.iter().map(|c| c.table_name.clone()).collect();
        t.dedup();
        t
    };
    for t in TABLES {
        assert!(tables(&a).iter().any(|x| x == t), "sqlite lacks {t}");
    }
    assert_eq!(tables(&a), tables(&b));
    let only_a: Vec<_> = a.iter().filter(|c| !b.contains(c)).collect();
    let only_b: Vec<_> = b.iter().filter(|c| !a.contains(c)).collect();
    assert!(
        only_a.is_empty() && only_b.is_empty(),
        "columns differ\nonly in sqlite: {only_a:#?}\nonly in postgres: {only_b:#?}"
    );
}

#[test]
fn migrations_go_up_down_and_up_again() {
    for db in backends() {
        let mut conn = db.conn();
        let before = dialect::schema_columns(&mut conn).unwrap();
        let reverted = store::revert_all(&mut conn).unwrap();
        assert!(!reverted.is_empty(), "{}: nothing reverted", db.name());
        let after_down = dialect::schema_columns(&mut conn).unwrap();
        for t in TABLES {
            assert!(
                !after_down.iter().any(|c| c.table_name == t),
                "{}: {t} survived the down migration",
                db.name()
            );
        }
        let applied = store::migrate(&mut conn).unwrap();
        assert_eq!(applied.len(), reverted.len(), "{}", db.name());
        assert_eq!(
            dialect::schema_columns(&mut conn).unwrap(),
            before,
            "{}",
            db.name()
        );
        assert!(
            store::migrate(&mut conn).unwrap().is_empty(),
            "{}: rerun applied something",
            db.name()
        );
    }
}

#[test]
fn migration_folders_match_between_dialects() {
    let names = |dir: &str| {
        let mut v: Vec<String> =
            std::fs::read_dir(format!("{}/migrations/{dir}", env!("CARGO_MANIFEST_DIR")))
                .unwrap()
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect();
        v.sort();
        v
    };
    assert_eq!(names("sqlite"), names("postgres"));
}
