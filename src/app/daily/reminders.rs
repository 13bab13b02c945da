//! The reminders `tick` queues (through `mail::queue`, in batches of one transaction each):
//! - credentials running out: an HTE certificate, and a tech-SME's yearly renewal deadline,
//!   at the marks of the `reminders` setting (180, 90 and 30 days before);
//! - the HTE annual report due by 31 May (marks 30 and 7 days before);
//! - the weekly summary for bureau staff, on the setting's weekday;
//! - each advisor's daily digest of follow-ups overdue or due soon (one mail listing them);
//! - each reviewer's daily mail of the applications waiting for them, overdue ones marked;
//! - the daily digest of the mail users chose to receive as a digest (last, so that today's
//!   reminders are in it).
//!
//! A reminder's dedup key names its firm, deadline, mark and recipient, so it is queued once
//! however often `tick` runs; a mark reached while `tick` did not run is sent on the next run,
//! until the next mark supersedes it.

use super::tick::{Lease, TickOptions, TickSummary};
use crate::app::coaching::read::AgendaSettings;
use crate::app::error::{AppError, StoreContext};
use crate::app::mail::notices::{firm_link, stored};
use crate::app::mail::{self, MailKind, MailRequest, Queued};
use crate::core::application::Step;
use crate::core::schedule::{reminder_mark, ReminderSettings};
use crate::core::stage::{EventKind, Role, Stage};
use crate::i18n::{self, Lang};
use crate::store::credentials::{Credential, CredentialKind};
use crate::store::firms::Firm;
use crate::store::{self, assignments, followups, jobs, outbox, settings, users, DbConn};
use chrono::{Datelike, NaiveDate, NaiveDateTime, Utc};
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// The settings key of [`ReminderSettings`].
pub const REMINDERS_KEY: &str = "reminders";

/// The reminder settings in force: the `reminders` setting over the defaults.
pub fn reminder_settings(conn: &mut DbConn) -> Result<ReminderSettings, AppError> {
    match settings::get(conn, REMINDERS_KEY).ctx("read the reminders setting")? {
        None => Ok(ReminderSettings::default()),
        Some(v) => serde_json::from_value(v).map_err(|e| {
            AppError::Internal(anyhow::anyhow!(
                "setting '{REMINDERS_KEY}' is not valid: {e}"
            ))
        }),
    }
}

/// What the reminder phase works with.
pub(super) struct Run<'a> {
    pub conn: &'a mut DbConn,
    pub opts: &'a TickOptions,
    pub lease: &'a mut Lease,
    pub summary: &'a mut TickSummary,
    pub settings: ReminderSettings,
}

fn now() -> NaiveDateTime {
    Utc::now().naive_utc()
}

impl Run<'_> {
    fn today(&self) -> NaiveDate {
        self.opts.today
    }

    /// Queue `reqs` in one transaction, skipping at once the keys already queued; count what
    /// was stored.
    fn send(&mut self, reqs: Vec<MailRequest>) -> Result<(), AppError> {
        if reqs.is_empty() {
            return Ok(());
        }
        let now = now();
        let counted = store::write_tx(self.conn, |c| {
            let keys: Vec<String> = reqs.iter().map(|r| r.dedup_key.clone()).collect();
            let present = jobs::outbox_keys_present(c, &keys).ctx("look up queued reminders")?;
            let mut counted: BTreeMap<&'static str, usize> = BTreeMap::new();
            for r in reqs.iter().filter(|r| !present.contains(&r.dedup_key)) {
                if stored(mail::queue(c, r, now)?) {
                    *counted.entry(r.template).or_insert(0) += 1;
                }
            }
            Ok::<_, AppError>(counted)
        })?;
        for (template, n) in counted {
            *self.summary.mails.entry(template.to_string()).or_insert(0) += n;
        }
        Ok(())
    }

    /// One mail per recipient of each firm (its users and advisor) made by `make`, queued
    /// batch by batch.
    fn send_to_firms(
        &mut self,
        rows: &[(Credential, Firm)],
        make: &dyn Fn(&Credential, &Firm, i64) -> Option<MailRequest>,
    ) -> Result<(), AppError> {
        let ids: Vec<i64> = rows.iter().map(|(_, f)| f.id).collect();
        let mut by_firm: BTreeMap<i64, Vec<i64>> = BTreeMap::new();
        for (firm, user) in assignments::firm_users(self.conn, &ids).ctx("find firm users")? {
            by_firm.entry(firm).or_default().push(user);
        }
        let mut reqs = Vec::new();
        for (cred, firm) in rows {
            let mut to = by_firm.remove(&firm.id).unwrap_or_default();
            to.extend(firm.advisor_id);
            to.sort_unstable();
            to.dedup();
            reqs.extend(to.into_iter().filter_map(|u| make(cred, firm, u)));
        }
        self.send(reqs)
    }

    /// Walk active credentials batch by batch (see [`jobs::active_credentials`]).
    #[allow(clippy::too_many_arguments)]
    fn each_batch(
        &mut self,
        kind: CredentialKind,
        stages: &[Stage],
        until: Option<(NaiveDate, NaiveDate)>,
        from: Option<(NaiveDate, NaiveDate)>,
        issued_before: Option<NaiveDate>,
        make: &dyn Fn(&Credential, &Firm, i64) -> Option<MailRequest>,
    ) -> Result<bool, AppError> {
        let mut after = 0;
        loop {
            if self.opts.stopped() {
                return Ok(false);
            }
            self.lease.renew(self.conn)?;
            let rows = jobs::active_credentials(
                self.conn,
                kind,
                stages,
                until,
                from,
                issued_before,
                after,
                self.opts.batch.max(1),
            )
            .ctx("find credentials to remind of")?;
            let Some((last, _)) = rows.last() else {
                return Ok(true);
            };
            after = last.id;
            self.send_to_firms(&rows, make)?;
        }
    }
}

fn max_mark(marks: &[u32]) -> u64 {
    u64::from(marks.iter().copied().max().unwrap_or(0))
}

fn firm_params(firm: &Firm) -> serde_json::Map<String, Value> {
    let mut m = serde_json::Map::new();
    m.insert("firm".into(), Value::from(firm.name.as_str()));
    m.insert("uscc".into(), Value::from(firm.uscc.as_str()));
    m
}

/// HTE certificates whose last valid day is within the largest mark, and tech-SME
/// registrations whose renewal deadline is. Returns false if asked to stop.
pub(super) fn credentials_expiring(run: &mut Run<'_>) -> Result<bool, AppError> {
    let today = run.today();
    let marks = run.settings.credential_days.clone();
    let horizon = today + chrono::Days::new(max_mark(&marks));

    // The last valid day is the day before `valid_until`.
    let hte = |cred: &Credential, firm: &Firm, user: i64| -> Option<MailRequest> {
        let last_day = cred.valid_until?.pred_opt()?;
        let mark = reminder_mark(last_day, today, &marks)?;
        let mut p = firm_params(firm);
        p.insert("credential".into(), Value::from("hte"));
        p.insert("number".into(), Value::from(cred.number.clone()));
        p.insert("deadline".into(), Value::from(last_day.to_string()));
        p.insert(
            "days_left".into(),
            Value::from((last_day - today).num_days()),
        );
        p.insert("mark".into(), Value::from(mark));
        p.insert("renew_year".into(), Value::Null);
        Some(MailRequest {
            kind: MailKind::CredentialExpiring,
            to_user: user,
            dedup_key: format!(
                "credential_expiring:firm{}:hte:{}:{mark}:user{user}",
                firm.id, last_day
            ),
            template: "credential_expiring",
            params: Value::Object(p),
            link: firm_link(firm.id),
        })
    };
    let Some(first) = today.succ_opt() else {
        return Ok(true);
    };
    let Some(until_hi) = horizon.succ_opt() else {
        return Ok(true);
    };
    if !run.each_batch(
        CredentialKind::Hte,
        &[Stage::HighTech, Stage::Leader],
        Some((first, until_hi)),
        None,
        None,
        &hte,
    )? {
        return Ok(false);
    }

    // A registration of year Y must be renewed by the deadline in Y + 1.
    let settings = run.settings.clone();
    for year in (today.year() - 2)..=today.year() {
        let deadline = settings.tech_sme_deadline_after(year);
        if deadline < today || deadline > horizon {
            continue;
        }
        let tech_sme = |cred: &Credential, firm: &Firm, user: i64| -> Option<MailRequest> {
            let mark = reminder_mark(deadline, today, &marks)?;
            let mut p = firm_params(firm);
            p.insert("credential".into(), Value::from("tech_sme"));
            p.insert("number".into(), Value::from(cred.number.clone()));
            p.insert("deadline".into(), Value::from(deadline.to_string()));
            p.insert(
                "days_left".into(),
                Value::from((deadline - today).num_days()),
            );
            p.insert("mark".into(), Value::from(mark));
            p.insert("renew_year".into(), Value::from(year + 1));
            Some(MailRequest {
                kind: MailKind::CredentialExpiring,
                to_user: user,
                dedup_key: format!(
                    "credential_expiring:firm{}:tech_sme:{deadline}:{mark}:user{user}",
                    firm.id
                ),
                template: "credential_expiring",
                params: Value::Object(p),
                link: firm_link(firm.id),
            })
        };
        let (Some(jan1), Some(dec31)) = (
            NaiveDate::from_ymd_opt(year, 1, 1),
            NaiveDate::from_ymd_opt(year, 12, 31),
        ) else {
            continue;
        };
        if !run.each_batch(
            CredentialKind::TechSme,
            &[Stage::TechSme, Stage::Reserve],
            None,
            Some((jan1, dec31)),
            None,
            &tech_sme,
        )? {
            return Ok(false);
        }
    }
    Ok(true)
}

/// The HTE annual report (for the year before) due by the setting's day: to every HTE and
/// leader certified before that year began. Returns false if asked to stop.
pub(super) fn annual_report_due(run: &mut Run<'_>) -> Result<bool, AppError> {
    let today = run.today();
    let marks = run.settings.annual_report_days.clone();
    let due = run.settings.annual_report_due.in_year(today.year());
    let Some(mark) = reminder_mark(due, today, &marks) else {
        return Ok(true);
    };
    let Some(jan1) = NaiveDate::from_ymd_opt(today.year(), 1, 1) else {
        return Ok(true);
    };
    let report_year = today.year() - 1;
    let make = |_: &Credential, firm: &Firm, user: i64| -> Option<MailRequest> {
        let mut p = firm_params(firm);
        p.insert("report_year".into(), Value::from(report_year));
        p.insert("due".into(), Value::from(due.to_string()));
        p.insert("days_left".into(), Value::from((due - today).num_days()));
        Some(MailRequest {
            kind: MailKind::AnnualReportDue,
            to_user: user,
            dedup_key: format!(
                "annual_report_due:firm{}:{report_year}:{mark}:user{user}",
                firm.id
            ),
            template: "annual_report_due",
            params: Value::Object(p),
            link: firm_link(firm.id),
        })
    };
    run.each_batch(
        CredentialKind::Hte,
        &[Stage::HighTech, Stage::Leader],
        None,
        None,
        Some(jan1),
        &make,
    )
}

/// The weekly summary, to every active bureau user, when the setting's weekday fell within
/// the days this run covers: the week before that day.
pub(super) fn weekly_summary(run: &mut Run<'_>) -> Result<(), AppError> {
    let mut day = run.today();
    while !run.settings.is_summary_day(day) {
        match day.pred_opt() {
            Some(d) if d >= run.summary.since => day = d,
            _ => return Ok(()),
        }
    }
    let (Some(week_to), Some(week_from)) =
        (day.pred_opt(), day.checked_sub_days(chrono::Days::new(7)))
    else {
        return Ok(());
    };
    let (rows, total) = jobs::stage_changes_between(run.conn, week_from, week_to, 20)
        .ctx("list the week's stage changes")?;
    let lang = |zh: bool| if zh { Lang::ZhCn } else { Lang::En };
    let stage_name = |id: &str, zh: bool| -> String {
        match Stage::parse(id) {
            Some(st) => i18n::text(lang(zh), &format!("stage.{}", st.id())),
            None => id.to_string(),
        }
    };
    let event_name = |id: &str, zh: bool| -> String {
        match EventKind::parse(id) {
            Some(k) => i18n::text(lang(zh), &format!("event.{}", k.id())),
            None => id.to_string(),
        }
    };
    let changes: Vec<Value> = rows
        .iter()
        .map(|(e, firm)| {
            json!({
                "firm": firm,
                "firm_id": e.firm_id,
                "as_of": e.as_of.to_string(),
                "event_zh": event_name(&e.event, true),
                "event_en": event_name(&e.event, false),
                "from_zh": stage_name(&e.from_stage, true),
                "from_en": stage_name(&e.from_stage, false),
                "to_zh": stage_name(&e.to_stage, true),
                "to_en": stage_name(&e.to_stage, false),
            })
        })
        .collect();
    let horizon = day + chrono::Days::new(90);
    let mut expiring = 0usize;
    let mut after = 0;
    loop {
        let batch = jobs::active_credentials(
            run.conn,
            CredentialKind::Hte,
            &[Stage::HighTech, Stage::Leader],
            Some((day, horizon)),
            None,
            None,
            after,
            10_000,
        )
        .ctx("count certificates running out")?;
        let Some((last, _)) = batch.last() else { break };
        after = last.id;
        expiring += batch.len();
    }
    let (issues_raised, issues_pending) =
        jobs::issue_counts(run.conn, week_from, week_to).ctx("count the week's issues")?;
    let overdue = followups::due_contacts(run.conn, week_to)
        .ctx("count overdue follow-ups")?
        .len();
    let params = json!({
        "week_from": week_from.to_string(),
        "week_to": week_to.to_string(),
        "stage_changes": total,
        "changes": changes,
        "more": (total - rows.len() as i64).max(0),
        "hte_expiring_90": expiring,
        "issues_raised": issues_raised,
        "issues_pending": issues_pending,
        "followups_overdue": overdue,
    });
    let bureau = users::list_by_role(run.conn, Role::Bureau.id()).ctx("list bureau staff")?;
    let reqs = bureau
        .iter()
        .map(|u| MailRequest {
            kind: MailKind::WeeklySummary,
            to_user: u.id,
            dedup_key: format!("weekly_summary:{day}:user{}", u.id),
            template: "weekly_summary",
            params: params.clone(),
            link: "/".to_string(),
        })
        .collect();
    run.send(reqs)
}

/// Items listed in one follow-up digest per list; the rest are counted.
const DIGEST_LISTED: usize = 100;

/// The advisors' daily digest of follow-ups: one mail per advisor listing the firms whose
/// planned contact is overdue or due within the agenda's "due soon" days (setting
/// `agenda_due_days`), not one mail per item.
pub(super) fn followup_digest(run: &mut Run<'_>) -> Result<(), AppError> {
    let today = run.today();
    let due_days = AgendaSettings::load(run.conn)?.due_days;
    let up_to = today + chrono::Duration::days(due_days);
    let due = followups::due_contacts(run.conn, up_to).ctx("list due follow-ups")?;
    let mut by_advisor: BTreeMap<i64, Vec<followups::DueContact>> = BTreeMap::new();
    for d in due {
        by_advisor.entry(d.advisor_id).or_default().push(d);
    }
    let item = |d: &followups::DueContact| {
        json!({
            "firm": d.firm_name,
            "firm_id": d.firm_id,
            "due_on": d.due_on.to_string(),
            "days": (d.due_on - today).num_days().abs(),
            "next_action": d.next_action,
        })
    };
    let mut reqs = Vec::new();
    for (advisor, items) in by_advisor {
        let (overdue, soon): (Vec<_>, Vec<_>) = items.iter().partition(|d| d.due_on < today);
        let list = |v: &[&followups::DueContact]| -> Vec<Value> {
            v.iter().take(DIGEST_LISTED).map(|d| item(d)).collect()
        };
        reqs.push(MailRequest {
            kind: MailKind::FollowupDue,
            to_user: advisor,
            dedup_key: format!("followup_due:{today}:user{advisor}"),
            template: "followup_digest",
            params: json!({
                "date": today.to_string(),
                "due_days": due_days,
                "overdue": list(&overdue),
                "overdue_count": overdue.len(),
                "overdue_more": overdue.len().saturating_sub(DIGEST_LISTED),
                "due": list(&soon),
                "due_count": soon.len(),
                "due_more": soon.len().saturating_sub(DIGEST_LISTED),
            }),
            link: "/agenda".to_string(),
        });
        if reqs.len() >= 200 {
            run.lease.renew(run.conn)?;
            run.send(std::mem::take(&mut reqs))?;
        }
    }
    run.send(reqs)
}

/// Reviewers' daily mail of the applications waiting for them, oldest first, the overdue
/// ones marked: county officers their county's applications at the county step, bureau staff
/// those at the city step. Nobody with nothing waiting gets one.
pub(super) fn reviews_waiting(run: &mut Run<'_>) -> Result<(), AppError> {
    let today = run.today();
    let waiting = crate::app::applications::read::waiting_for_review(run.conn, today, now())?;
    let item = |r: &crate::app::applications::read::ApplicationRow| {
        let t = format!("application.target.{}", r.target.id());
        json!({
            "firm": r.firm_name,
            "id": r.application.id,
            "target_zh": i18n::text(Lang::ZhCn, &t),
            "target_en": i18n::text(Lang::En, &t),
            "waited_days": r.waited_days,
            "due_on": r.application.due_on.map(|d| d.to_string()).unwrap_or_default(),
            "overdue": r.overdue,
        })
    };
    let county_officers =
        users::list_by_role(run.conn, Role::County.id()).ctx("list county officers")?;
    let bureau = users::list_by_role(run.conn, Role::Bureau.id()).ctx("list bureau staff")?;
    let mut reqs = Vec::new();
    let mut add = |user: i64, rows: Vec<&crate::app::applications::read::ApplicationRow>| {
        if rows.is_empty() {
            return;
        }
        let overdue = rows.iter().filter(|r| r.overdue).count();
        reqs.push(MailRequest {
            kind: MailKind::ReviewsWaiting,
            to_user: user,
            dedup_key: format!("reviews_waiting:{today}:user{user}"),
            template: "reviews_waiting",
            params: json!({
                "date": today.to_string(),
                "count": rows.len(),
                "overdue": overdue,
                "items": rows.iter().take(DIGEST_LISTED).map(|r| item(r)).collect::<Vec<_>>(),
                "more": rows.len().saturating_sub(DIGEST_LISTED),
            }),
            link: "/applications".to_string(),
        });
    };
    for u in &county_officers {
        let Some(county) = u.county_code.as_deref() else {
            continue;
        };
        add(
            u.id,
            waiting
                .iter()
                .filter(|r| r.status.step() == Some(Step::County) && r.county_code == county)
                .collect(),
        );
    }
    for u in &bureau {
        add(
            u.id,
            waiting
                .iter()
                .filter(|r| r.status.step() == Some(Step::City))
                .collect(),
        );
    }
    run.send(reqs)
}

/// The daily digest: for each user with mail waiting as `digest`, one mail listing it (taken
/// and queued in one transaction; if today's digest was already queued, the rows wait for
/// tomorrow's).
pub(super) fn daily_digest(run: &mut Run<'_>) -> Result<(), AppError> {
    let today = run.today();
    for user in jobs::users_with_digest(run.conn).ctx("find users with a digest")? {
        run.lease.renew(run.conn)?;
        let key = format!("digest:{today}:user{user}");
        if !jobs::outbox_keys_present(run.conn, std::slice::from_ref(&key))
            .ctx("look up today's digest")?
            .is_empty()
        {
            continue;
        }
        let now = now();
        let queued = store::write_tx(run.conn, |c| {
            let rows = outbox::take_digest(c, user, now).ctx("take the digest")?;
            if rows.is_empty() {
                return Ok(false);
            }
            let mut items = Vec::with_capacity(rows.len());
            for r in &rows {
                items.push(json!({
                    "kind": r.kind,
                    "template": r.template,
                    "link": r.link,
                    "queued_at": crate::core::clock::china_minute(r.created_at),
                    "params": r.params_json().ctx("read a digest item")?,
                }));
            }
            let req = MailRequest {
                kind: MailKind::Digest,
                to_user: user,
                dedup_key: key.clone(),
                template: "digest",
                params: json!({ "date": today.to_string(), "count": items.len(), "items": items }),
                link: "/".to_string(),
            };
            match mail::queue(c, &req, now)? {
                Queued::Queued(_) | Queued::Digest(_) => Ok(true),
                // Nothing went out: roll back, so the rows wait for the next digest.
                Queued::Duplicate | Queued::Off | Queued::NoAddress => Err(DigestError::NotQueued),
            }
        });
        match queued {
            Ok(true) => *run.summary.mails.entry("digest".into()).or_insert(0) += 1,
            Ok(false) | Err(DigestError::NotQueued) => {}
            Err(DigestError::App(e)) => return Err(e),
        }
    }
    Ok(())
}

/// Why a digest transaction rolled back.
enum DigestError {
    /// The digest mail was not stored; its rows must wait.
    NotQueued,
    /// A real error.
    App(AppError),
}

impl From<AppError> for DigestError {
    fn from(e: AppError) -> Self {
        DigestError::App(e)
    }
}

impl From<diesel::result::Error> for DigestError {
    fn from(e: diesel::result::Error) -> Self {
        DigestError::App(e.into())
    }
}
