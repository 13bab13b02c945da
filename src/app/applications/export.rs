//! The applications page's queues as one file (issue 15): each queue's rows, in the page's
//! order and words, with the queue it is in, the days waited as a number and the dates as
//! dates; and the API's list of applications (`GET /api/v1/applications`, with its filter)
//! as a file in the same columns and words, without the queue.

use super::act::status_words;
use super::read::{self, ApplicationRow, ListFilter};
use crate::app::error::AppError;
use crate::app::export::{Cell, Column, Kind, Sheet, Sink};
use crate::app::principal::Principal;
use crate::i18n::{self, Lang};
use crate::store::DbConn;
use chrono::{NaiveDate, NaiveDateTime};

/// The columns: the queue, then the page's.
pub const COLUMNS: [Column; 9] = [
    Column::text("export.queue", 18.0),
    Column::text("application.page.firm", 30.0),
    Column::text("application.page.county", 12.0),
    Column::text("application.page.target", 20.0),
    Column::text("application.page.status", 16.0),
    Column::of("export.waited_days", Kind::Integer),
    Column::of("application.page.due", Kind::Date),
    Column::of("application.page.created", Kind::DateTime),
    Column::of("export.updated", Kind::DateTime),
];

/// The columns of the API's list: the page's, without the queue.
pub const LIST_COLUMNS: [Column; 8] = [
    COLUMNS[1], COLUMNS[2], COLUMNS[3], COLUMNS[4], COLUMNS[5], COLUMNS[6], COLUMNS[7], COLUMNS[8],
];

/// One application's cells in the page's columns after the queue, in `lang`.
fn write_row(
    sink: &mut dyn Sink,
    lang: Lang,
    queue: Option<&str>,
    r: &ApplicationRow,
) -> Result<(), AppError> {
    let target = i18n::text(lang, &format!("application.target.{}", r.target.id()));
    let status = status_words(lang, r.target, r.status);
    let cells = [
        Cell::text(&r.firm_name),
        Cell::text(lang.pick(&r.county.0, &r.county.1)),
        Cell::text(&target),
        Cell::text(&status),
        Cell::Int(r.waited_days),
        r.application.due_on.map_or(Cell::Empty, Cell::Date),
        Cell::At(r.application.created_at),
        Cell::At(r.application.updated_at),
    ];
    match queue {
        Some(q) => {
            let mut row = vec![Cell::text(q)];
            row.extend(cells);
            sink.row(&row)
        }
        None => sink.row(&cells),
    }
}

/// The queues `p` sees on `/applications` on `today`.
pub fn queues(
    conn: &mut DbConn,
    p: &Principal,
    today: NaiveDate,
    lang: Lang,
    now: NaiveDateTime,
    sink: &mut dyn Sink,
) -> Result<(), AppError> {
    let queues = read::review_queues(conn, p, today, now)?;
    sink.start(&Sheet {
        title: i18n::text(lang, "application.page.title"),
        slug: "applications",
        filter: Vec::new(),
        taken_at: now,
        lang,
        columns: COLUMNS.to_vec(),
    })?;
    for q in &queues {
        let queue = i18n::text(lang, &format!("application.queue.{}", q.id));
        for r in &q.rows {
            write_row(sink, lang, Some(&queue), r)?;
        }
    }
    Ok(())
}

/// Every application `p` sees narrowed by `filter`, as the API lists them
/// ([`read::list_applications`], oldest in its status first), with the filter in words.
pub fn list(
    conn: &mut DbConn,
    p: &Principal,
    filter: ListFilter,
    today: NaiveDate,
    lang: Lang,
    now: NaiveDateTime,
    sink: &mut dyn Sink,
) -> Result<(), AppError> {
    let rows = read::list_applications(conn, p, filter, today, now)?;
    let t = |k: &str| i18n::text(lang, k);
    let mut words = Vec::new();
    if let Some(s) = filter.status {
        words.push((
            t("application.page.status"),
            t(&format!("application.status.{}", s.id())),
        ));
    }
    if let Some(target) = filter.target {
        words.push((
            t("application.page.target"),
            t(&format!("application.target.{}", target.id())),
        ));
    }
    if let Some(id) = filter.firm_id {
        let firm = rows
            .first()
            .map_or_else(|| id.to_string(), |r| r.firm_name.clone());
        words.push((t("application.page.firm"), firm));
    }
    sink.start(&Sheet {
        title: t("application.page.title"),
        slug: "applications",
        filter: words,
        taken_at: now,
        lang,
        columns: LIST_COLUMNS.to_vec(),
    })?;
    for r in &rows {
        write_row(sink, lang, None, r)?;
    }
    Ok(())
}
