//! The province's announcement lists (issue 15, part 7): a list of newly certified HTEs or of
//! registered tech-SMEs, read like a registry ([`super::read`] into a grid,
//! [`crate::core::registry::announce`] into entries), then recorded firm by firm through the
//! stage machine in one transaction.
//!
//! Each entry ends as one [`EntryOutcome`]: the event recorded (`certify_high_tech`, or
//! `renew_high_tech` for a firm that already is an HTE; `register_tech_sme`), through the
//! firm's recommended application when it has one (the application then reads certified);
//! already recorded (the same number on the firm: importing a list twice changes nothing);
//! a firm the list names that is not stored, created as a prospect and then given the event
//! like any other (the stage machine may refuse it, e.g. a tech-SME registration for a firm
//! whose figures are unknown); a name that differs from the stored firm's (not applied: the
//! bureau checks which is right); a number already recorded for another firm; or refused by
//! the stage machine, with its reasons (a firm whose stage forbids the event, an expired
//! certificate). Rows the reader rejects (a malformed number) are reported with the rest.
//!
//! Unlike a registry, a list with bad rows still records its good ones: each row is a fact
//! the province published on its own, and holding back the certificates of five thousand
//! firms for one typo helps nobody; the report lists every row that was not applied. A dry
//! run does everything in a transaction that is rolled back, so it shows exactly what the
//! commit would do. Only the bureau and admins record certificates and registrations.

use crate::app::applications::act::act;
use crate::app::error::{AppError, Conflict, StoreContext};
use crate::app::firms::create::{create_firm, NewFirmInput};
use crate::app::firms::derived::today;
use crate::app::firms::stage::{fire_loaded, FireContext, FireOptions, FirmRecord};
use crate::app::principal::Principal;
use crate::core::application::{Action, Status, Target};
use crate::core::error::Text;
use crate::core::registry::announce::{self, Announced, Entry, ListColumn, ListField, ListKind};
use crate::core::registry::{CountyName, RowError};
use crate::core::stage::{Role, Stage};
use crate::store::audit::{self, NewAuditEntry};
use crate::store::credentials::CredentialKind;
use crate::store::firms::Firm;
use crate::store::registry as reg;
use crate::store::{self, refdata, DbConn};
use chrono::Utc;
use std::collections::HashMap;

/// How to run an announcement import.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AnnounceOptions {
    /// Do everything, then roll it back: the report says what a commit would do.
    pub dry_run: bool,
}

/// What became of one entry of the list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EntryOutcome {
    /// The event was recorded: the firm moved `from` → `to` (equal for a renewal), through
    /// its recommended application when one is named.
    Applied {
        /// Stage before.
        from: Stage,
        /// Stage after.
        to: Stage,
        /// The application whose outcome was recorded.
        application_id: Option<i64>,
        /// An application for the same climb still open (in draft or review): moot now, for
        /// its reviewers to close.
        still_open: Option<i64>,
    },
    /// The same number is already recorded for this firm.
    Unchanged,
    /// Not stored: created as a prospect; then the event recorded (`Ok`, the stage reached)
    /// or refused (`Err`, the stage machine's reasons).
    Created(Result<Stage, Vec<Text>>),
    /// Not stored, and the list lacks what a new firm needs (its code or county).
    NotCreated(Text),
    /// The stored firm of this code has another name: not applied.
    NameMismatch {
        /// The stored name.
        stored: String,
    },
    /// The number is already recorded for another firm: not applied.
    HeldByOther {
        /// That firm's code.
        uscc: String,
        /// That firm's name.
        name: String,
    },
    /// The stage machine refused the event (the stage forbids it, the certificate has
    /// expired, the rules are not met), with every reason.
    Refused(Vec<Text>),
}

impl EntryOutcome {
    /// Stable code: `applied`, `unchanged`, `created`, `not_created`, `name_mismatch`,
    /// `held_by_other`, `refused`.
    pub fn code(&self) -> &'static str {
        match self {
            EntryOutcome::Applied { .. } => "applied",
            EntryOutcome::Unchanged => "unchanged",
            EntryOutcome::Created(_) => "created",
            EntryOutcome::NotCreated(_) => "not_created",
            EntryOutcome::NameMismatch { .. } => "name_mismatch",
            EntryOutcome::HeldByOther { .. } => "held_by_other",
            EntryOutcome::Refused(_) => "refused",
        }
    }

    /// Whether the report lists it among the rows to look at (everything but a recorded or
    /// already recorded entry).
    pub fn needs_attention(&self) -> bool {
        !matches!(self, EntryOutcome::Applied { .. } | EntryOutcome::Unchanged)
    }
}

/// One entry and what became of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryReport {
    /// The row (1-based).
    pub row: usize,
    /// The code as the list gives it (empty when it gives none).
    pub uscc: String,
    /// The name as the list gives it (else the stored one).
    pub name: String,
    /// The certificate or registration number.
    pub number: String,
    /// The stored (or created) firm.
    pub firm_id: Option<i64>,
    /// What became of it.
    pub outcome: EntryOutcome,
}

/// The report of an announcement import (or of its dry run).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AnnouncementReport {
    /// Which list, when its header was found.
    pub kind: Option<ListKind>,
    /// The columns read.
    pub columns: Vec<ListColumn>,
    /// Headers not recognised (ignored).
    pub ignored_headers: Vec<String>,
    /// Rows read (blank and totals rows aside).
    pub data_rows: usize,
    /// Totals rows skipped (1-based).
    pub totals_rows: Vec<usize>,
    /// Rows the reader rejected (1-based), with every problem in `errors`.
    pub rejected_rows: Vec<usize>,
    /// Problems of rejected rows.
    pub errors: Vec<RowError>,
    /// Every entry read, in file order, with its outcome.
    pub entries: Vec<EntryReport>,
    /// Whether the import ran for real and its transaction committed (not a dry run).
    pub committed: bool,
    /// Whether this was a dry run.
    pub dry_run: bool,
}

impl AnnouncementReport {
    /// How many entries ended with outcome `code` ([`EntryOutcome::code`]).
    pub fn count(&self, code: &str) -> usize {
        self.entries
            .iter()
            .filter(|e| e.outcome.code() == code)
            .count()
    }

    /// The entries to look at, in file order.
    pub fn attention(&self) -> impl Iterator<Item = &EntryReport> {
        self.entries.iter().filter(|e| e.outcome.needs_attention())
    }

    /// The summary line's named values: rows, applied, unchanged, created, mismatched,
    /// refused (refused, held by another firm and not created), rejected.
    pub fn summary(&self) -> Text {
        Text::new("announce.summary")
            .plain("rows", self.data_rows)
            .plain("applied", self.count("applied"))
            .plain("unchanged", self.count("unchanged"))
            .plain("created", self.count("created"))
            .plain("mismatched", self.count("name_mismatch"))
            .plain(
                "refused",
                self.count("refused") + self.count("held_by_other") + self.count("not_created"),
            )
            .plain("rejected", self.rejected_rows.len())
    }
}

/// The words of an entry's outcome, for the report.
pub fn outcome_text(o: &EntryOutcome) -> Text {
    let stage = |s: Stage| format!("stage.{}", s.id());
    match o {
        EntryOutcome::Applied {
            from,
            to,
            application_id: Some(id),
            ..
        } => Text::new("announce.outcome.applied_application")
            .term("from", stage(*from))
            .term("to", stage(*to))
            .plain("id", id),
        EntryOutcome::Applied {
            from,
            to,
            still_open: Some(id),
            ..
        } => Text::new("announce.outcome.applied_still_open")
            .term("from", stage(*from))
            .term("to", stage(*to))
            .plain("id", id),
        EntryOutcome::Applied { from, to, .. } => Text::new("announce.outcome.applied")
            .term("from", stage(*from))
            .term("to", stage(*to)),
        EntryOutcome::Unchanged => Text::new("announce.outcome.unchanged"),
        EntryOutcome::Created(Ok(to)) => {
            Text::new("announce.outcome.created_applied").term("to", stage(*to))
        }
        EntryOutcome::Created(Err(reasons)) => {
            Text::new("announce.outcome.created_refused").list("reasons", reasons.clone())
        }
        EntryOutcome::NotCreated(why) => {
            Text::new("announce.outcome.not_created").text("why", why.clone())
        }
        EntryOutcome::NameMismatch { stored } => {
            Text::new("announce.outcome.name_mismatch").plain("stored", stored)
        }
        EntryOutcome::HeldByOther { uscc, name } => Text::new("announce.outcome.held_by_other")
            .plain("uscc", uscc)
            .plain("name", name),
        EntryOutcome::Refused(reasons) => {
            Text::new("announce.outcome.refused").list("reasons", reasons.clone())
        }
    }
}

/// Why a dry run's transaction ends: to roll it back, carrying its report.
enum Ending {
    App(AppError),
    RolledBack(Box<AnnouncementReport>),
}

impl From<diesel::result::Error> for Ending {
    fn from(e: diesel::result::Error) -> Self {
        Ending::App(e.into())
    }
}

impl From<AppError> for Ending {
    fn from(e: AppError) -> Self {
        Ending::App(e)
    }
}

/// Import the announcement list in `bytes` (CSV or XLSX, detected) as `principal` (bureau or
/// admin). `progress` hears (done, total) as entries are recorded.
pub fn import_announcements(
    conn: &mut DbConn,
    bytes: &[u8],
    options: AnnounceOptions,
    principal: &Principal,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<AnnouncementReport, AppError> {
    if !matches!(principal.role, Role::Admin | Role::Bureau) {
        return Err(AppError::Forbidden);
    }
    let grid =
        super::read::grid(bytes).map_err(|t| AppError::bad_input("file", "unreadable", t))?;
    let counties: Vec<CountyName> = refdata::counties(conn)
        .ctx("list counties for an announcement list")?
        .into_iter()
        .map(|c| CountyName {
            code: c.code,
            name_zh: c.name_zh,
            name_en: c.name_en,
        })
        .collect();
    let as_of = today();
    let parsed = announce::parse_list(&grid, &counties, as_of);
    drop(grid);
    let mut report = AnnouncementReport {
        kind: parsed.kind,
        columns: parsed.columns,
        ignored_headers: parsed.ignored,
        data_rows: parsed.data_rows,
        totals_rows: parsed.totals_rows,
        rejected_rows: parsed.rejected_rows,
        errors: parsed.errors,
        dry_run: options.dry_run,
        ..AnnouncementReport::default()
    };
    let Some(kind) = parsed.kind else {
        return Ok(report);
    };
    let entries = parsed.entries;
    let ended = store::write_tx(conn, move |c| {
        report.entries = record_all(c, kind, &entries, principal, as_of, progress)?;
        if options.dry_run {
            return Err(Ending::RolledBack(Box::new(report)));
        }
        report.committed = true;
        if report.count("applied") + report.count("created") == 0 {
            // Nothing recorded: nothing to write (a list imported again changes nothing).
            return Ok(report);
        }
        let applied: Vec<i64> = report
            .entries
            .iter()
            .filter(|e| {
                matches!(
                    e.outcome,
                    EntryOutcome::Applied { .. } | EntryOutcome::Created(_)
                )
            })
            .filter_map(|e| e.firm_id)
            .collect();
        audit::record(
            c,
            &NewAuditEntry {
                actor_id: principal.user_id,
                actor_role: principal.role.id(),
                action: "import_announcements",
                entity: "import",
                entity_id: None,
                detail: serde_json::json!({
                    "list": kind.id(),
                    "rows": report.data_rows,
                    "applied": report.count("applied"),
                    "unchanged": report.count("unchanged"),
                    "created": report.count("created"),
                    "name_mismatch": report.count("name_mismatch"),
                    "held_by_other": report.count("held_by_other"),
                    "not_created": report.count("not_created"),
                    "refused": report.count("refused"),
                    "rejected_rows": report.rejected_rows,
                    "firm_ids": applied,
                })
                .to_string(),
                at: Utc::now().naive_utc(),
            },
        )
        .ctx("write the announcement import's audit row")?;
        Ok(report)
    });
    match ended {
        Ok(r) => Ok(r),
        Err(Ending::RolledBack(r)) => Ok(*r),
        Err(Ending::App(e)) => Err(e),
    }
}

/// The stage machine's reasons in a refusal, or the error itself when it is something else.
fn refusal(e: AppError) -> Result<Vec<Text>, AppError> {
    match e {
        AppError::Conflict(Conflict::IllegalTransition(r)) => {
            Ok(r.reasons.into_iter().map(|r| r.text).collect())
        }
        AppError::Conflict(Conflict::Reasons { reasons, .. }) => {
            Ok(reasons.into_iter().map(|r| r.text).collect())
        }
        AppError::Conflict(Conflict::Refused { text, .. }) => Ok(vec![text]),
        AppError::RuleFailed(ev) => Ok(ev
            .reasons_not_passing()
            .into_iter()
            .map(|r| r.text)
            .collect()),
        e => Err(e),
    }
}

/// Everything a list needs read at once: the firms it names, the numbers already recorded
/// and the recommended applications.
struct Known {
    by_code: HashMap<String, Firm>,
    by_name: HashMap<String, i64>,
    firms_by_id: HashMap<i64, Firm>,
    /// Number → (firm id) of every credential of the list's kind recorded with it.
    numbers: HashMap<String, Vec<i64>>,
    /// Firm → its recommended application for the list's target.
    recommended: HashMap<i64, i64>,
    /// Firm → its application for the list's target still in draft or review.
    open: HashMap<i64, i64>,
}

fn read_known(conn: &mut DbConn, kind: ListKind, entries: &[Entry]) -> Result<Known, AppError> {
    let codes: Vec<&str> = entries
        .iter()
        .filter_map(|e| e.uscc.as_ref().map(|u| u.as_str()))
        .collect();
    let by_code = reg::firms_by_uscc(conn, &codes).ctx("look up the list's firms")?;
    let mut by_name = HashMap::new();
    let mut firms_by_id: HashMap<i64, Firm> = HashMap::new();
    if entries.iter().any(|e| e.uscc.is_none()) {
        let wanted: std::collections::HashSet<String> = entries
            .iter()
            .filter(|e| e.uscc.is_none())
            .filter_map(|e| e.name.as_deref().map(announce::name_key))
            .collect();
        let mut ids = Vec::new();
        for (id, name) in reg::firm_names(conn).ctx("read firm names")? {
            let key = announce::name_key(&name);
            if wanted.contains(&key) {
                // Two stored firms of one name: the first (oldest) is taken.
                by_name.entry(key).or_insert_with(|| {
                    ids.push(id);
                    id
                });
            }
        }
        firms_by_id = reg::firms_by_id(conn, &ids).ctx("load the list's firms")?;
    }
    for f in by_code.values() {
        firms_by_id.insert(f.id, f.clone());
    }
    let cred_kind = match kind {
        ListKind::HighTech => CredentialKind::Hte,
        ListKind::TechSme => CredentialKind::TechSme,
    };
    let numbers_wanted: Vec<&str> = entries.iter().map(|e| e.announced.number()).collect();
    let mut numbers: HashMap<String, Vec<i64>> = HashMap::new();
    for c in reg::credentials_by_number(conn, cred_kind, &numbers_wanted)
        .ctx("look up the list's numbers")?
    {
        if let Some(n) = c.number {
            numbers.entry(n).or_default().push(c.firm_id);
        }
    }
    let ids: Vec<i64> = firms_by_id.keys().copied().collect();
    let mut recommended = HashMap::new();
    let mut open = HashMap::new();
    let statuses: Vec<&str> = Status::ALL
        .into_iter()
        .filter(|s| *s == Status::Approved || s.is_open())
        .map(Status::id)
        .collect();
    for a in reg::applications_of(conn, &ids, target(kind).id(), &statuses)
        .ctx("look up the list's firms' applications")?
    {
        if a.status == Status::Approved.id() {
            recommended.entry(a.firm_id).or_insert(a.id);
        } else {
            open.entry(a.firm_id).or_insert(a.id);
        }
    }
    Ok(Known {
        by_code,
        by_name,
        firms_by_id,
        numbers,
        recommended,
        open,
    })
}

fn target(kind: ListKind) -> Target {
    match kind {
        ListKind::HighTech => Target::HighTech,
        ListKind::TechSme => Target::TechSme,
    }
}

/// Record every entry inside the caller's transaction.
fn record_all(
    conn: &mut DbConn,
    kind: ListKind,
    entries: &[Entry],
    principal: &Principal,
    as_of: chrono::NaiveDate,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<Vec<EntryReport>, AppError> {
    let known = read_known(conn, kind, entries)?;
    // What firing reads, read once for the whole list rather than once per entry.
    let mut ctx = FireContext::load(conn)?;
    let mut records = FirmRecord::load_many(conn, known.firms_by_id.values().cloned().collect())?;
    let mut firing = Firing {
        ctx: &mut ctx,
        records: &mut records,
    };
    let total = entries.len();
    progress(0, total);
    let mut out = Vec::with_capacity(total);
    for (i, e) in entries.iter().enumerate() {
        if i % 100 == 0 {
            progress(i, total);
        }
        let stored = match &e.uscc {
            Some(u) => known.by_code.get(u.as_str()),
            None => e
                .name
                .as_deref()
                .and_then(|n| known.by_name.get(&announce::name_key(n)))
                .and_then(|id| known.firms_by_id.get(id)),
        };
        let mut rep = EntryReport {
            row: e.row,
            uscc: e
                .uscc
                .as_ref()
                .map(|u| u.as_str().to_string())
                .unwrap_or_default(),
            name: e
                .name
                .clone()
                .or_else(|| stored.map(|f| f.name.clone()))
                .unwrap_or_default(),
            number: e.announced.number().to_string(),
            firm_id: stored.map(|f| f.id),
            outcome: EntryOutcome::Unchanged,
        };
        rep.outcome = match stored {
            Some(f) => record_known(conn, &known, &mut firing, f, e, principal, as_of)?,
            None => {
                let (outcome, id) = record_unknown(conn, &known, &mut firing, e, principal, as_of)?;
                rep.firm_id = id;
                outcome
            }
        };
        out.push(rep);
    }
    progress(total, total);
    Ok(out)
}

fn record_known(
    conn: &mut DbConn,
    known: &Known,
    firing: &mut Firing<'_>,
    firm: &Firm,
    e: &Entry,
    principal: &Principal,
    as_of: chrono::NaiveDate,
) -> Result<EntryOutcome, AppError> {
    if let Some(name) = &e.name {
        if !announce::same_name(name, &firm.name) {
            return Ok(EntryOutcome::NameMismatch {
                stored: firm.name.clone(),
            });
        }
    }
    if let Some(holders) = known.numbers.get(e.announced.number()) {
        if holders.contains(&firm.id) {
            return Ok(EntryOutcome::Unchanged);
        }
        return held_by(conn, known, holders[0]);
    }
    let from = firm.current_stage().ctx("read a listed firm's stage")?;
    Ok(
        match fire(
            conn,
            known,
            firing,
            firm.id,
            from,
            &e.announced,
            principal,
            as_of,
        )? {
            Ok((to, application_id)) => EntryOutcome::Applied {
                from,
                to,
                application_id,
                still_open: known.open.get(&firm.id).copied(),
            },
            Err(reasons) => EntryOutcome::Refused(reasons),
        },
    )
}

/// The number is recorded for firm `holder`: named from the list's firms when it is one of
/// them, else read.
fn held_by(conn: &mut DbConn, known: &Known, holder: i64) -> Result<EntryOutcome, AppError> {
    let (uscc, name) = match known.firms_by_id.get(&holder) {
        Some(f) => (f.uscc.clone(), f.name.clone()),
        None => {
            let f = crate::store::firms::find_by_id(conn, holder)
                .ctx("load the firm holding a number")?;
            (f.uscc, f.name)
        }
    };
    Ok(EntryOutcome::HeldByOther { uscc, name })
}

fn record_unknown(
    conn: &mut DbConn,
    known: &Known,
    firing: &mut Firing<'_>,
    e: &Entry,
    principal: &Principal,
    as_of: chrono::NaiveDate,
) -> Result<(EntryOutcome, Option<i64>), AppError> {
    let Some(uscc) = &e.uscc else {
        return Ok((
            EntryOutcome::NotCreated(Text::new("announce.why.no_code")),
            None,
        ));
    };
    let Some(county) = &e.county_code else {
        return Ok((
            EntryOutcome::NotCreated(Text::new("announce.why.no_county")),
            None,
        ));
    };
    let Some(name) = &e.name else {
        return Ok((
            EntryOutcome::NotCreated(Text::new("announce.why.no_name")),
            None,
        ));
    };
    if let Some(holders) = known.numbers.get(e.announced.number()) {
        return Ok((held_by(conn, known, holders[0])?, None));
    }
    let firm = create_firm(
        conn,
        NewFirmInput {
            uscc: uscc.as_str().to_string(),
            name: name.clone(),
            county_code: county.clone(),
            ..NewFirmInput::default()
        },
        principal,
    )?;
    let fired = fire(
        conn,
        known,
        firing,
        firm.id,
        Stage::Prospect,
        &e.announced,
        principal,
        as_of,
    )?;
    Ok((
        EntryOutcome::Created(fired.map(|(to, _)| to)),
        Some(firm.id),
    ))
}

/// What firing reads, read once for the list: the context, and the records of the firms it
/// names (each used once: a firm the list changes is read again if named again).
struct Firing<'a> {
    ctx: &'a mut FireContext,
    records: &'a mut HashMap<i64, FirmRecord>,
}

/// Record `announced` for firm `firm_id` (in stage `from`): through its recommended
/// application when it has one, else as a stage event. `Ok(Err(reasons))` when refused.
#[allow(clippy::type_complexity, clippy::too_many_arguments)]
fn fire(
    conn: &mut DbConn,
    known: &Known,
    firing: &mut Firing<'_>,
    firm_id: i64,
    from: Stage,
    announced: &Announced,
    principal: &Principal,
    as_of: chrono::NaiveDate,
) -> Result<Result<(Stage, Option<i64>), Vec<Text>>, AppError> {
    let record = firing.records.remove(&firm_id);
    if let Some(&app_id) = known.recommended.get(&firm_id) {
        return match act(
            conn,
            principal,
            app_id,
            None,
            &Action::Certify(announced.clone()),
            "",
            as_of,
        ) {
            Ok(acted) => Ok(Ok((acted.stage_event.unwrap_or(from), Some(app_id)))),
            Err(e) => refusal(e).map(Err),
        };
    }
    let event = announced.event(from);
    let record = match record {
        Some(r) => r,
        None => FirmRecord::load(conn, firm_id)?,
    };
    let opts = FireOptions::default();
    let fired = match fire_loaded(
        conn, firing.ctx, &record, None, &event, principal, as_of, opts,
    ) {
        // Changed by someone else since the list's firms were read: read it again, as a
        // single event would have.
        Err(AppError::Conflict(Conflict::StaleVersion)) => {
            let record = FirmRecord::load(conn, firm_id)?;
            fire_loaded(
                conn, firing.ctx, &record, None, &event, principal, as_of, opts,
            )
        }
        other => other,
    };
    match fired {
        Ok(fired) => Ok(Ok((fired.to, None))),
        Err(e) => refusal(e).map(Err),
    }
}

/// The principal of user `username` for recording a list from the command line: an active
/// bureau or admin user (a certificate is recorded with who recorded it), else a bad input
/// naming the user.
pub fn recording_user(conn: &mut DbConn, username: &str) -> Result<Principal, AppError> {
    let user = crate::store::users::find_by_username(conn, username.trim())
        .ctx("look up the recording user")?;
    user.filter(|u| u.active)
        .and_then(|u| crate::app::access::principal_of(&u))
        .filter(|p| matches!(p.role, Role::Admin | Role::Bureau))
        .ok_or_else(|| {
            AppError::bad_input(
                "as",
                "not_staff",
                Text::new("announce.cli.not_staff").plain("user", username.trim()),
            )
        })
}

/// The words of a list's kind: `announce.kind.<id>`.
pub fn kind_text(kind: ListKind) -> Text {
    Text::new(match kind {
        ListKind::HighTech => "announce.kind.high_tech",
        ListKind::TechSme => "announce.kind.tech_sme",
    })
}

/// The words of a list's field: `announce.field.<id>`.
pub fn field_text(field: ListField) -> Text {
    Text::new(match field {
        ListField::Serial => "announce.field.serial",
        ListField::Uscc => "announce.field.uscc",
        ListField::Name => "announce.field.name",
        ListField::County => "announce.field.county",
        ListField::CertNo => "announce.field.cert_no",
        ListField::IssuedOn => "announce.field.issued_on",
        ListField::RegNo => "announce.field.reg_no",
        ListField::Year => "announce.field.year",
    })
}
