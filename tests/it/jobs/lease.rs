//! The job lease: one holder at a time, taken over only after it expires.

use crate::common::{backends, d};
use chrono::{Duration, NaiveDateTime};
use peiyu::jobs::{run_tick, TickOptions, TickOutcome};
use peiyu::store::jobs;

fn at(h: u32, m: u32) -> NaiveDateTime {
    d(2026, 11, 25).and_hms_opt(h, m, 0).unwrap()
}

#[test]
fn a_lease_has_one_holder_until_it_expires() {
    for db in backends() {
        let mut c = db.conn();
        let until = at(10, 10);
        assert!(jobs::try_acquire(&mut c, "tick", "a", at(10, 0), until).unwrap());
        // Held: b cannot take it, even a second before it expires.
        assert!(!jobs::try_acquire(&mut c, "tick", "b", at(10, 5), at(10, 15)).unwrap());
        assert!(!jobs::try_acquire(
            &mut c,
            "tick",
            "b",
            until - Duration::seconds(1),
            at(10, 20)
        )
        .unwrap());
        // The holder may extend it.
        assert!(jobs::try_acquire(&mut c, "tick", "a", at(10, 6), at(10, 16)).unwrap());
        assert!(!jobs::try_acquire(&mut c, "tick", "b", at(10, 12), at(10, 22)).unwrap());
        // Expired: b takes it, and a finds it lost.
        assert!(jobs::try_acquire(&mut c, "tick", "b", at(10, 16), at(10, 26)).unwrap());
        assert!(
            !jobs::renew(&mut c, "tick", "a", at(10, 30)).unwrap(),
            "{}",
            db.name()
        );
        let lease = jobs::find_lease(&mut c, "tick").unwrap().unwrap();
        assert_eq!((lease.holder.as_str(), lease.expires_at), ("b", at(10, 26)));
        // Released, it is free at once; other leases are separate.
        jobs::release(&mut c, "tick", "b", at(10, 17)).unwrap();
        assert!(jobs::try_acquire(&mut c, "tick", "c", at(10, 17), at(10, 27)).unwrap());
        assert!(jobs::try_acquire(&mut c, "other", "a", at(10, 17), at(10, 27)).unwrap());
        // Releasing a lease one no longer holds changes nothing.
        jobs::release(&mut c, "tick", "b", at(10, 18)).unwrap();
        assert!(!jobs::try_acquire(&mut c, "tick", "b", at(10, 18), at(10, 28)).unwrap());
    }
}

#[test]
fn tick_does_nothing_while_another_process_holds_the_lease() {
    for db in backends() {
        let mut c = db.conn();
        let now = chrono::Utc::now().naive_utc();
        assert!(
            jobs::try_acquire(&mut c, "tick", "elsewhere", now, now + Duration::minutes(5))
                .unwrap()
        );
        let day = d(2026, 11, 25);
        let out = run_tick(&mut c, &TickOptions::new(day)).unwrap();
        assert_eq!(out, TickOutcome::Busy("elsewhere".into()), "{}", db.name());
        assert!(!jobs::is_done(&mut c, "tick", day).unwrap());
        // Once it has expired (the holder died), the next run takes over.
        jobs::release(&mut c, "tick", "elsewhere", now).unwrap();
        assert!(matches!(
            run_tick(&mut c, &TickOptions::new(day)).unwrap(),
            TickOutcome::Ran(_)
        ));
        assert!(jobs::is_done(&mut c, "tick", day).unwrap());
    }
}
