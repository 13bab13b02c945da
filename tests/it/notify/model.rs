//! A state-machine model of the outbox, checked against the real store functions on SQLite.
//!
//! Random sequences of: enqueue, claim by one of three workers, the server accepting (250),
//! refusing (4xx/5xx), timing out after it may or may not have accepted, a worker crashing
//! (before or right after a 250), a worker handing its claims back, and time passing (so
//! leases expire and backoffs end). After every step the database must equal the model, and:
//! nothing is marked sent that the server did not accept; a row's Message-ID never changes; a
//! live lease is never claimed by another worker. At the end a healthy worker drains the
//! outbox: every mail is sent, or failed after a refusal.

use super::queue::user_with_email;
use crate::common::{d, TestDb};
use chrono::{Duration, NaiveDateTime};
use peiyu::app::mail::{self, MailKind, MailRequest, Queued};
use peiyu::store::outbox::{self, AfterFailure, OutboxRow};
use proptest::prelude::*;
use serde_json::json;
use std::collections::BTreeMap;

const WORKERS: [&str; 3] = ["w0", "w1", "w2"];
const LEASE_SECS: i64 = 120;
const MAX_ATTEMPTS: i32 = 3;

#[derive(Debug, Clone)]
enum Op {
    Enqueue,
    Claim {
        w: usize,
        limit: i64,
    },
    /// The server answers 250, then the worker marks the mail sent.
    SendOk {
        w: usize,
        pick: usize,
    },
    /// The server refuses; permanent for 5xx.
    SendFail {
        w: usize,
        pick: usize,
        permanent: bool,
    },
    /// The connection times out; the server may have accepted the mail all the same.
    Timeout {
        w: usize,
        pick: usize,
        accepted: bool,
    },
    /// The worker dies right after the server's 250, before marking the mail sent.
    CrashAfter250 {
        w: usize,
        pick: usize,
    },
    /// The worker dies: its claims stay in the table until their leases expire.
    Crash {
        w: usize,
    },
    /// The worker hands its untried claims back.
    Release {
        w: usize,
    },
    Advance {
        secs: i64,
    },
}

fn op() -> impl Strategy<Value = Op> {
    let w = 0..WORKERS.len();
    prop_oneof![
        3 => Just(Op::Enqueue),
        3 => (w.clone(), 1..4i64).prop_map(|(w, limit)| Op::Claim { w, limit }),
        4 => (w.clone(), any::<usize>()).prop_map(|(w, pick)| Op::SendOk { w, pick }),
        2 => (w.clone(), any::<usize>(), any::<bool>())
            .prop_map(|(w, pick, permanent)| Op::SendFail { w, pick, permanent }),
        1 => (w.clone(), any::<usize>(), any::<bool>())
            .prop_map(|(w, pick, accepted)| Op::Timeout { w, pick, accepted }),
        1 => (w.clone(), any::<usize>()).prop_map(|(w, pick)| Op::CrashAfter250 { w, pick }),
        1 => w.clone().prop_map(|w| Op::Crash { w }),
        1 => w.prop_map(|w| Op::Release { w }),
        2 => (1..400i64).prop_map(|secs| Op::Advance { secs }),
    ]
}

/// What the model expects of one row.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Expect {
    status: &'static str,
    attempts: i32,
    next_attempt_at: NaiveDateTime,
    claimed_by: Option<String>,
    claimed_until: Option<NaiveDateTime>,
    message_id: String,
    /// How many times the server accepted it.
    accepted: u32,
    /// The server refused it for good, or it ran out of attempts.
    refused: bool,
}

struct Harness {
    db: TestDb,
    user: i64,
    now: NaiveDateTime,
    next_key: usize,
    rows: BTreeMap<i64, Expect>,
    /// What each worker believes it holds (rows as claimed).
    held: Vec<Vec<OutboxRow>>,
}

impl Harness {
    fn new() -> Harness {
        let db = TestDb::sqlite();
        let user = user_with_email(&mut db.conn(), "u", Some("u@example.com"), "zh-CN");
        Harness {
            db,
            user,
            now: d(2026, 11, 25).and_hms_opt(9, 0, 0).unwrap(),
            next_key: 0,
            rows: BTreeMap::new(),
            held: vec![Vec::new(); WORKERS.len()],
        }
    }

    fn take_held(&mut self, w: usize, pick: usize) -> Option<OutboxRow> {
        let held = &mut self.held[w];
        if held.is_empty() {
            return None;
        }
        let i = pick % held.len();
        Some(held.remove(i))
    }

    /// The model's `mark_sent`.
    fn model_sent(&mut self, id: i64) {
        let e = self.rows.get_mut(&id).unwrap();
        if matches!(e.status, "sending" | "queued" | "failed") {
            e.status = "sent";
            e.claimed_by = None;
            e.claimed_until = None;
        }
    }

    /// A failed attempt by worker `w` on `row` (as the worker saw it at claim time).
    fn fail(&mut self, w: usize, row: &OutboxRow, permanent: bool) {
        let give_up = permanent || row.attempts >= MAX_ATTEMPTS;
        let after = if give_up {
            AfterFailure::GiveUp
        } else {
            AfterFailure::RetryAt(self.now + outbox::backoff(row.attempts))
        };
        let changed =
            outbox::mark_failure(&mut self.db.conn(), row.id, WORKERS[w], "refused", &after)
                .unwrap();
        let e = self.rows.get_mut(&row.id).unwrap();
        let mine = e.status == "sending" && e.claimed_by.as_deref() == Some(WORKERS[w]);
        assert_eq!(
            changed, mine,
            "mark_failure changes a row only for its holder"
        );
        if mine {
            e.claimed_by = None;
            e.claimed_until = None;
            match after {
                AfterFailure::GiveUp => {
                    e.status = "failed";
                    e.refused = true;
                }
                AfterFailure::RetryAt(at) => {
                    e.status = "queued";
                    e.next_attempt_at = at;
                }
            }
        }
    }

    fn apply(&mut self, op: &Op) {
        match *op {
            Op::Enqueue => {
                let key = format!("k{}", self.next_key);
                self.next_key += 1;
                let req = MailRequest {
                    kind: MailKind::FollowupDue,
                    to_user: self.user,
                    dedup_key: key,
                    template: "test",
                    params: json!({"firm": "x", "n": 1}),
                    link: "/".into(),
                };
                let Queued::Queued(id) = mail::queue(&mut self.db.conn(), &req, self.now).unwrap()
                else {
                    panic!("not queued")
                };
                let row = outbox::find_by_id(&mut self.db.conn(), id).unwrap();
                self.rows.insert(
                    id,
                    Expect {
                        status: "queued",
                        attempts: 0,
                        next_attempt_at: self.now,
                        claimed_by: None,
                        claimed_until: None,
                        message_id: row.message_id,
                        accepted: 0,
                        refused: false,
                    },
                );
            }
            Op::Claim { w, limit } => {
                let until = self.now + Duration::seconds(LEASE_SECS);
                let mut due: Vec<(NaiveDateTime, i64)> = self
                    .rows
                    .iter()
                    .filter(|(_, e)| {
                        (e.status == "queued" && e.next_attempt_at <= self.now)
                            || (e.status == "sending"
                                && e.claimed_until.is_some_and(|u| u < self.now))
                    })
                    .map(|(id, e)| (e.next_attempt_at, *id))
                    .collect();
                due.sort();
                let expected: Vec<i64> =
                    due.iter().take(limit as usize).map(|(_, id)| *id).collect();
                let got =
                    outbox::claim_due(&mut self.db.conn(), WORKERS[w], self.now, until, limit)
                        .unwrap();
                let got_ids: Vec<i64> = got.iter().map(|r| r.id).collect();
                assert_eq!(got_ids, expected, "claim order and choice");
                for r in &got {
                    let e = self.rows.get_mut(&r.id).unwrap();
                    if e.status == "sending" {
                        let u = e.claimed_until.unwrap();
                        assert!(u < self.now, "a live lease was claimed by another worker");
                    }
                    e.status = "sending";
                    e.attempts += 1;
                    e.claimed_by = Some(WORKERS[w].to_string());
                    e.claimed_until = Some(until);
                    assert_eq!(r.attempts, e.attempts);
                }
                self.held[w].extend(got);
            }
            Op::SendOk { w, pick } => {
                if let Some(row) = self.take_held(w, pick) {
                    self.rows.get_mut(&row.id).unwrap().accepted += 1;
                    outbox::mark_sent(&mut self.db.conn(), row.id, self.now).unwrap();
                    self.model_sent(row.id);
                }
            }
            Op::SendFail { w, pick, permanent } => {
                if let Some(row) = self.take_held(w, pick) {
                    self.fail(w, &row, permanent);
                }
            }
            Op::Timeout { w, pick, accepted } => {
                if let Some(row) = self.take_held(w, pick) {
                    if accepted {
                        self.rows.get_mut(&row.id).unwrap().accepted += 1;
                    }
                    self.fail(w, &row, false);
                }
            }
            Op::CrashAfter250 { w, pick } => {
                if let Some(row) = self.take_held(w, pick) {
                    self.rows.get_mut(&row.id).unwrap().accepted += 1;
                }
                self.held[w].clear();
            }
            Op::Crash { w } => self.held[w].clear(),
            Op::Release { w } => {
                let ids: Vec<i64> = self.held[w].drain(..).map(|r| r.id).collect();
                let n = outbox::release(&mut self.db.conn(), &ids, WORKERS[w]).unwrap();
                let mut expected = 0;
                for id in ids {
                    let e = self.rows.get_mut(&id).unwrap();
                    if e.status == "sending" && e.claimed_by.as_deref() == Some(WORKERS[w]) {
                        e.status = "queued";
                        e.attempts -= 1;
                        e.claimed_by = None;
                        e.claimed_until = None;
                        expected += 1;
                    }
                }
                assert_eq!(n, expected);
            }
            Op::Advance { secs } => self.now += Duration::seconds(secs),
        }
    }

    fn check(&mut self) {
        let rows = outbox::list_all(&mut self.db.conn()).unwrap();
        assert_eq!(rows.len(), self.rows.len(), "no mail appears or disappears");
        for r in rows {
            let e = &self.rows[&r.id];
            assert_eq!(r.message_id, e.message_id, "a Message-ID never changes");
            assert_eq!(
                (
                    r.status.as_str(),
                    r.attempts,
                    r.claimed_by.as_deref(),
                    r.claimed_until
                ),
                (
                    e.status,
                    e.attempts,
                    e.claimed_by.as_deref(),
                    e.claimed_until
                ),
                "row {} differs from the model",
                r.id
            );
            if e.status == "queued" {
                assert_eq!(r.next_attempt_at, e.next_attempt_at);
            }
            if r.status == "sent" {
                assert!(e.accepted >= 1, "row {} marked sent without a 250", r.id);
                assert!(r.sent_at.is_some());
            }
            if r.status == "failed" {
                assert!(e.refused && r.last_error.is_some());
            }
        }
    }

    /// A healthy worker, long after: everything not refused gets sent.
    fn drain(&mut self) {
        self.now += Duration::days(2);
        for w in 0..WORKERS.len() {
            self.held[w].clear();
        }
        loop {
            self.apply(&Op::Claim { w: 0, limit: 50 });
            if self.held[0].is_empty() {
                break;
            }
            while !self.held[0].is_empty() {
                self.apply(&Op::SendOk { w: 0, pick: 0 });
            }
        }
        self.check();
        for (id, e) in &self.rows {
            assert!(
                e.status == "sent" || (e.status == "failed" && e.refused),
                "mail {id} was lost: {e:?}"
            );
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(32),
        ..ProptestConfig::default()
    })]

    #[test]
    fn the_outbox_behaves_like_its_model(ops in prop::collection::vec(op(), 1..60)) {
        let mut h = Harness::new();
        peiyu::store::settings::set(
            &mut h.db.conn(),
            peiyu::notify::worker::MAX_ATTEMPTS_KEY,
            &json!(MAX_ATTEMPTS),
        )
        .unwrap();
        for op in &ops {
            h.apply(op);
            h.check();
        }
        h.drain();
    }
}
