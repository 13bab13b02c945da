//! `peiyu tick` as a command: two processes at once, a repeated day, a bad date.

use super::tech_sme_firm;
use crate::common::{backends, d, seed};
use peiyu::store::{events, firms};
use std::process::{Command, Output};

fn peiyu_tick(url: &str, args: &[&str]) -> std::process::Child {
    Command::new(env!("CARGO_BIN_EXE_peiyu"))
        .arg("tick")
        .args(args)
        .env("PEIYU_DATABASE_URL", url)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap()
}

fn text(out: &Output) -> String {
    format!(
        "status {:?}\nstdout: {}\nstderr: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

#[test]
fn two_tick_processes_at_once_fire_each_event_once_and_a_rerun_does_nothing() {
    for db in backends() {
        let n = 12;
        {
            let mut c = db.conn();
            let s = seed(&mut c);
            for i in 0..n {
                tech_sme_firm(&mut c, &s, 2026, i + 1);
            }
        }
        let a = peiyu_tick(&db.url, &["--today", "2027-04-01"]);
        let b = peiyu_tick(&db.url, &["--today", "2027-04-01"]);
        let outs = [a.wait_with_output().unwrap(), b.wait_with_output().unwrap()];
        for o in &outs {
            assert!(o.status.success(), "{}: {}", db.name(), text(o));
        }
        let ran = outs
            .iter()
            .filter(|o| String::from_utf8_lossy(&o.stdout).contains(&format!("{n} events fired")))
            .count();
        assert_eq!(
            ran,
            1,
            "{}: {}\n{}",
            db.name(),
            text(&outs[0]),
            text(&outs[1])
        );

        let mut c = db.conn();
        for id in firms::all_ids(&mut c).unwrap() {
            let lapses = events::list_for_firm(&mut c, id)
                .unwrap()
                .into_iter()
                .filter(|r| r.event == "lapse_tech_sme")
                .map(|r| r.as_of)
                .collect::<Vec<_>>();
            assert_eq!(lapses, [d(2027, 4, 1)], "{}: firm {id}", db.name());
        }

        let again = peiyu_tick(&db.url, &["--today", "2027-04-01"])
            .wait_with_output()
            .unwrap();
        assert!(again.status.success(), "{}", text(&again));
        assert!(
            String::from_utf8_lossy(&again.stdout).contains("already ran"),
            "{}",
            text(&again)
        );
        let forced = peiyu_tick(&db.url, &["--today", "2027-04-01", "--rerun"])
            .wait_with_output()
            .unwrap();
        assert!(
            String::from_utf8_lossy(&forced.stdout).contains("0 events fired, 0 mails queued"),
            "{}",
            text(&forced)
        );
    }
}

#[test]
fn a_bad_date_is_bad_input() {
    let db = crate::common::TestDb::sqlite();
    let out = peiyu_tick(&db.url, &["--today", "2027-02-30"])
        .wait_with_output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("--today"),
        "{}",
        text(&out)
    );
}

fn peiyu(url: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_peiyu"))
        .args(args)
        .env("PEIYU_DATABASE_URL", url)
        .output()
        .unwrap()
}

#[test]
fn firm_list_and_show_print_what_the_firm_page_reads() {
    for db in backends() {
        let (uscc, name) = {
            let mut c = db.conn();
            let s = seed(&mut c);
            let id = tech_sme_firm(&mut c, &s, 2026, 1);
            let f = firms::find_by_id(&mut c, id).unwrap();
            (f.uscc, f.name)
        };
        let list = peiyu(
            &db.url,
            &["firm", "list", "--lang", "en", "--stage", "tech_sme"],
        );
        assert!(list.status.success(), "{}", text(&list));
        let out = String::from_utf8_lossy(&list.stdout);
        assert!(
            out.contains(&uscc) && out.contains(&name),
            "{}",
            text(&list)
        );

        let show = peiyu(
            &db.url,
            &["firm", "show", &uscc.to_lowercase(), "--lang", "en"],
        );
        assert!(show.status.success(), "{}", text(&show));
        let out = String::from_utf8_lossy(&show.stdout);
        for expected in [
            name.as_str(),
            "Stage Tech-SME",
            "Credentials",
            "History",
            "revoke",
            "Next stage:",
            "readiness",
        ] {
            assert!(
                out.to_lowercase().contains(&expected.to_lowercase()),
                "{}: `firm show` prints {expected:?}: {}",
                db.name(),
                text(&show)
            );
        }

        let missing = peiyu(
            &db.url,
            &["firm", "show", "91411100MA00000000", "--lang", "en"],
        );
        assert_eq!(missing.status.code(), Some(2), "{}", text(&missing));
        assert!(
            String::from_utf8_lossy(&missing.stderr).contains("no firm with the code"),
            "{}",
            text(&missing)
        );
    }
}
