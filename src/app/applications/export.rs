//! The applications page's queues as one file (issue 15): each queue's rows, in the page's
//! order and words, with the queue it is in, the days waited as a number and the dates as
//! dates.

use super::act::status_words;
use super::read;
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
            let target = i18n::text(lang, &format!("application.target.{}", r.target.id()));
            let status = status_words(lang, r.target, r.status);
            sink.row(&[
                Cell::text(&queue),
                Cell::text(&r.firm_name),
                Cell::text(lang.pick(&r.county.0, &r.county.1)),
                Cell::text(&target),
                Cell::text(&status),
                Cell::Int(r.waited_days),
                r.application.due_on.map_or(Cell::Empty, Cell::Date),
                Cell::At(r.application.created_at),
                Cell::At(r.application.updated_at),
            ])?;
        }
    }
    Ok(())
}
