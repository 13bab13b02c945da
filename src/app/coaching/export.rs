//! Exports of the coaching lists (issue 15): the follow-ups (`/followups.csv`, now any
//! format), the agenda and the issue ledger, with the rows their pages read, typed columns
//! (dates as dates, ids and ages as numbers) and the words of the pages.

use super::read::{self, LedgerQuery};
use crate::app::error::AppError;
use crate::app::export::{Cell, Column, Kind, Sheet, Sink};
use crate::app::model::advisor_labels;
use crate::app::principal::Principal;
use crate::core::stage::Stage;
use crate::i18n::{self, Lang};
use crate::store::DbConn;
use chrono::{NaiveDate, NaiveDateTime};

/// The follow-ups' columns (those of `/followups.csv` before, in its order).
pub const FOLLOWUP_COLUMNS: [Column; 13] = [
    Column::of("coach.csv.id", Kind::Integer),
    Column::text("coach.csv.firm", 30.0),
    Column::text("coach.csv.uscc", 22.0),
    Column::of("coach.csv.happened_on", Kind::Date),
    Column::text("coach.csv.kind", 10.0),
    Column::text("coach.csv.attendees", 20.0),
    Column::text("coach.csv.summary", 40.0),
    Column::text("coach.csv.next_action", 30.0),
    Column::of("coach.csv.due_on", Kind::Date),
    Column::text("coach.csv.advisor", 12.0),
    Column::text("coach.csv.author", 12.0),
    Column::of("coach.csv.recorded", Kind::DateTime),
    Column::of("coach.csv.corrects", Kind::Integer),
];

/// The follow-ups `p` may export (an advisor's own; the bureau's all or one advisor's; a
/// county officer's county), logged from `from` to `to`, corrections included.
#[allow(clippy::too_many_arguments)]
pub fn followups(
    conn: &mut DbConn,
    p: &Principal,
    advisor: Option<i64>,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
    lang: Lang,
    now: NaiveDateTime,
    sink: &mut dyn Sink,
) -> Result<(), AppError> {
    let (rows, people) = read::followups_export(conn, p, advisor, from, to)?;
    let name = |id: Option<i64>| {
        id.and_then(|i| people.get(&i))
            .map_or("", |u| u.display_name.as_str())
    };
    let t = |k: &str| i18n::text(lang, k);
    let mut filter = Vec::new();
    if let Some(a) = advisor {
        let label = people
            .get(&a)
            .map_or_else(|| a.to_string(), |u| u.display_name.clone());
        filter.push((t("coach.csv.advisor"), label));
    }
    if let Some(d) = from {
        filter.push((t("export.from"), d.to_string()));
    }
    if let Some(d) = to {
        filter.push((t("export.to"), d.to_string()));
    }
    sink.start(&Sheet {
        title: t("export.followups"),
        slug: "followups",
        filter,
        taken_at: now,
        lang,
        columns: FOLLOWUP_COLUMNS.to_vec(),
    })?;
    for r in &rows {
        let f = &r.followup;
        let kind = i18n::text(lang, &format!("coach.kind.{}", f.kind));
        sink.row(&[
            Cell::Int(f.id),
            Cell::text(&r.firm_name),
            Cell::text(&r.firm_uscc),
            Cell::Date(f.happened_on),
            Cell::text(&kind),
            Cell::text(&f.attendees),
            Cell::text(&f.summary),
            Cell::text(&f.next_action),
            f.due_on.map_or(Cell::Empty, Cell::Date),
            Cell::text(name(f.advisor_id)),
            Cell::text(name(Some(f.created_by))),
            Cell::At(f.created_at),
            f.corrects_id.map_or(Cell::Empty, Cell::Int),
        ])?;
    }
    Ok(())
}

/// The agenda's columns: the bucket, then what each of its rows shows.
pub const AGENDA_COLUMNS: [Column; 7] = [
    Column::text("export.bucket", 16.0),
    Column::text("col.name", 36.0),
    Column::text("col.stage", 14.0),
    Column::text("col.advisor", 12.0),
    Column::of("coach.contact.next", Kind::Date),
    Column::of("coach.contact.last", Kind::Date),
    Column::text("coach.field.next_action", 30.0),
];

/// The agenda of `p` on `today` (one advisor's when `advisor` is given), every bucket in the
/// page's order, each with the firms the page lists (the most urgent first, up to
/// [`read::LIST_LIMIT`]).
#[allow(clippy::too_many_arguments)]
pub fn agenda(
    conn: &mut DbConn,
    p: &Principal,
    advisor: Option<i64>,
    today: NaiveDate,
    lang: Lang,
    now: NaiveDateTime,
    sink: &mut dyn Sink,
) -> Result<(), AppError> {
    let a = read::agenda(conn, p, advisor, today)?;
    let t = |k: &str| i18n::text(lang, k);
    let mut filter = Vec::new();
    if let Some(id) = advisor.filter(|_| !a.advisors.is_empty()) {
        let labels = advisor_labels(&a.advisors, lang);
        filter.push((
            t("col.advisor"),
            labels.get(&id).cloned().unwrap_or_else(|| id.to_string()),
        ));
    }
    sink.start(&Sheet {
        title: t("coach.agenda.title"),
        slug: "agenda",
        filter,
        taken_at: now,
        lang,
        columns: AGENDA_COLUMNS.to_vec(),
    })?;
    for (key, bucket) in [
        ("overdue", &a.overdue),
        ("due_soon", &a.due_soon),
        ("none_planned", &a.none_planned),
        ("stale", &a.stale),
    ] {
        let word = t(&format!("coach.agenda.{key}"));
        for r in &bucket.rows {
            let stage = t(&format!("stage.{}", r.firm.stage));
            sink.row(&[
                Cell::text(&word),
                Cell::text(&r.firm.name),
                Cell::text(&stage),
                Cell::text(&r.advisor),
                r.firm.next_contact_on.map_or(Cell::Empty, Cell::Date),
                r.firm.last_contact_on.map_or(Cell::Empty, Cell::Date),
                Cell::text(&r.next_action),
            ])?;
        }
    }
    Ok(())
}

/// The issue ledger's columns, as its page shows them.
pub const ISSUE_COLUMNS: [Column; 8] = [
    Column::text("coach.field.title", 36.0),
    Column::text("col.name", 30.0),
    Column::text("col.county", 12.0),
    Column::text("coach.field.category", 14.0),
    Column::text("coach.field.status", 10.0),
    Column::text("coach.field.owner", 12.0),
    Column::of("coach.issue.raised_on", Kind::Date),
    Column::of("export.age_days", Kind::Integer),
];

/// The issue ledger of `p` for `q` on `today`: the issues its page lists, oldest first (up to
/// [`read::LIST_LIMIT`]), with `filter` (the page's filter in words, its county aside, which
/// is named here) on the title line.
#[allow(clippy::too_many_arguments)]
pub fn issues(
    conn: &mut DbConn,
    p: &Principal,
    q: &LedgerQuery,
    filter: Vec<(String, String)>,
    today: NaiveDate,
    lang: Lang,
    now: NaiveDateTime,
    sink: &mut dyn Sink,
) -> Result<(), AppError> {
    let ledger = read::ledger(conn, p, q, today)?;
    let t = |k: &str| i18n::text(lang, k);
    let mut filter = filter;
    if let Some(code) = &q.filter.county_code {
        let name = ledger
            .counties
            .iter()
            .find(|c| &c.code == code)
            .map_or(code.as_str(), |c| lang.pick(&c.name_zh, &c.name_en));
        filter.push((t("col.county"), name.to_string()));
    }
    sink.start(&Sheet {
        title: t("coach.issues.title"),
        slug: "issues",
        filter,
        taken_at: now,
        lang,
        columns: ISSUE_COLUMNS.to_vec(),
    })?;
    for (r, owner, age) in &ledger.rows {
        let county = ledger
            .counties
            .iter()
            .find(|c| c.code == r.county_code)
            .map_or(r.county_code.as_str(), |c| {
                lang.pick(&c.name_zh, &c.name_en)
            });
        let category = t(&format!("coach.category.{}", r.issue.category));
        let status = t(&format!("coach.status.{}", r.issue.status));
        sink.row(&[
            Cell::text(&r.issue.title),
            Cell::text(&r.firm_name),
            Cell::text(county),
            Cell::text(&category),
            Cell::text(&status),
            Cell::text(owner),
            Cell::Date(r.issue.raised_on),
            Cell::Int(*age),
        ])?;
    }
    Ok(())
}

/// The catalog key of a stage's name.
fn stage_key(s: Stage) -> &'static str {
    match s {
        Stage::Prospect => "stage.prospect",
        Stage::TechSme => "stage.tech_sme",
        Stage::Reserve => "stage.reserve",
        Stage::HighTech => "stage.high_tech",
        Stage::Leader => "stage.leader",
        Stage::Exited => "stage.exited",
    }
}

/// The advisors page's columns: the advisor, their county, their firms in all and by stage,
/// the latest contact, overdue follow-ups and firms long without contact.
pub fn advisor_columns() -> Vec<Column> {
    let mut cols = vec![
        Column::text("col.advisor", 16.0),
        Column::text("col.county", 12.0),
        Column::of("coach.advisors.firms", Kind::Integer),
    ];
    cols.extend(
        Stage::ALL
            .iter()
            .filter(|s| **s != Stage::Exited)
            .map(|s| Column::of(stage_key(*s), Kind::Integer)),
    );
    cols.extend([
        Column::of("coach.contact.last", Kind::Date),
        Column::of("coach.advisors.overdue", Kind::Integer),
        Column::of("coach.advisors.stale", Kind::Integer),
    ]);
    cols
}

/// The advisors' workloads in `p`'s territory on `today`, in the page's order.
#[allow(clippy::too_many_arguments)]
pub fn advisors(
    conn: &mut DbConn,
    p: &Principal,
    today: NaiveDate,
    sort: &str,
    desc: bool,
    lang: Lang,
    now: NaiveDateTime,
    sink: &mut dyn Sink,
) -> Result<(), AppError> {
    let page = read::advisors_page(conn, p, today)?;
    let mut loads = page.loads;
    read::sort_loads(&mut loads, sort, desc);
    sink.start(&Sheet {
        title: i18n::text(lang, "coach.advisors.title"),
        slug: "advisors",
        filter: Vec::new(),
        taken_at: now,
        lang,
        columns: advisor_columns(),
    })?;
    for l in &loads {
        let county = l
            .advisor
            .county_code
            .as_deref()
            .and_then(|c| page.counties.iter().find(|k| k.code == c))
            .map_or("", |k| lang.pick(&k.name_zh, &k.name_en));
        let mut cells = vec![
            Cell::text(&l.advisor.display_name),
            Cell::text(county),
            Cell::Int(l.stat.firms),
        ];
        cells.extend(Stage::ALL.iter().filter(|s| **s != Stage::Exited).map(|s| {
            Cell::Int(
                l.stat
                    .by_stage
                    .iter()
                    .find(|(id, _)| id == s.id())
                    .map_or(0, |(_, n)| *n),
            )
        }));
        cells.extend([
            l.stat.last_contact_on.map_or(Cell::Empty, Cell::Date),
            Cell::Int(l.stat.overdue),
            Cell::Int(l.stat.stale),
        ]);
        sink.row(&cells)?;
    }
    Ok(())
}
