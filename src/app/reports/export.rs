//! The bureau's reports as files (issue 15): the county scorecard and the "should register"
//! list, in their pages' order, through the one export module (`app::export`).

use super::scorecard::{self, Sort};
use super::should_register::{self, Filter};
use crate::app::error::AppError;
use crate::app::export::{Cell, Column, Kind, Sheet, Sink};
use crate::app::principal::Principal;
use crate::app::DbConn;
use crate::core::targets::Metric;
use crate::i18n::{self, Lang};
use chrono::{NaiveDate, NaiveDateTime};

/// The scorecard's columns: the county, each metric's target, count today and net change
/// this year, then contacts, overdue contacts, pending issues by age and firms ready.
fn scorecard_columns() -> Vec<Column> {
    let mut cols = vec![Column::text("board.axis.county", 14.0)];
    for m in Metric::ALL {
        let keys: [&'static str; 3] = match m {
            Metric::HighTech => [
                "scorecard.col.high_tech_target",
                "scorecard.col.high_tech_now",
                "scorecard.col.high_tech_net",
            ],
            Metric::TechSme => [
                "scorecard.col.tech_sme_target",
                "scorecard.col.tech_sme_now",
                "scorecard.col.tech_sme_net",
            ],
            Metric::Reserve => [
                "scorecard.col.reserve_target",
                "scorecard.col.reserve_now",
                "scorecard.col.reserve_net",
            ],
        };
        cols.extend(keys.map(|k| Column::of(k, Kind::Integer)));
    }
    cols.extend([
        Column::of("scorecard.col.assigned", Kind::Integer),
        Column::of("scorecard.col.contacted", Kind::Integer),
        Column::of("scorecard.col.contacted_share", Kind::Ratio),
        Column::of("scorecard.overdue", Kind::Integer),
        Column::of("scorecard.col.issues_new", Kind::Integer),
        Column::of("scorecard.col.issues_mid", Kind::Integer),
        Column::of("scorecard.col.issues_old", Kind::Integer),
        Column::of("scorecard.ready", Kind::Integer),
    ]);
    cols
}

/// The county scorecard of `p` on `today`, sorted as the page is.
#[allow(clippy::too_many_arguments)]
pub fn scorecard(
    conn: &mut DbConn,
    p: &Principal,
    today: NaiveDate,
    sort: Sort,
    desc: bool,
    lang: Lang,
    now: NaiveDateTime,
    sink: &mut dyn Sink,
) -> Result<(), AppError> {
    let rows = scorecard::scorecard(conn, p, today, sort, desc)?;
    sink.start(&Sheet {
        title: i18n::text(lang, "scorecard.title"),
        slug: "scorecard",
        filter: Vec::new(),
        taken_at: now,
        lang,
        columns: scorecard_columns(),
    })?;
    for r in &rows {
        let mut cells = vec![Cell::text(lang.pick(&r.county.name_zh, &r.county.name_en))];
        for c in &r.counts {
            cells.extend([
                c.target.map_or(Cell::Empty, Cell::Int),
                Cell::Int(c.now),
                Cell::Int(c.net),
            ]);
        }
        cells.extend([
            Cell::Int(r.assigned),
            Cell::Int(r.contacted),
            Cell::Bp(r.contacted_bp()),
            Cell::Int(r.overdue),
            Cell::Int(r.issues[0]),
            Cell::Int(r.issues[1]),
            Cell::Int(r.issues[2]),
            Cell::Int(r.ready_not_applied),
        ]);
        sink.row(&cells)?;
    }
    Ok(())
}

/// The "should register" list's columns.
fn should_columns() -> Vec<Column> {
    vec![
        Column::of("should.col.rank", Kind::Integer),
        Column::text("col.name", 30.0),
        Column::text("col.uscc", 22.0),
        Column::text("col.county", 12.0),
        Column::text("col.advisor", 14.0),
        Column::text("col.stage", 16.0),
        Column::text("should.reason", 40.0),
        Column::of("col.readiness", Kind::Integer),
        Column::of("should.last_contact", Kind::Date),
    ]
}

/// The "should register" list of `p` on `today` under `filter`, most ready first.
#[allow(clippy::too_many_arguments)]
pub fn should_register(
    conn: &mut DbConn,
    p: &Principal,
    filter: &Filter,
    today: NaiveDate,
    lang: Lang,
    now: NaiveDateTime,
    sink: &mut dyn Sink,
) -> Result<(), AppError> {
    let page = should_register::should_register_page(conn, p, filter, today)?;
    let county_name = |code: &str| {
        page.menus
            .counties
            .iter()
            .find(|c| c.code == code)
            .map_or(code.to_string(), |c| {
                lang.pick(&c.name_zh, &c.name_en).to_string()
            })
    };
    let mut words = Vec::new();
    if let Some(c) = &filter.county {
        words.push((i18n::text(lang, "col.county"), county_name(c)));
    }
    if let Some(a) = filter.advisor_id {
        let name = page
            .menus
            .advisors
            .iter()
            .find(|x| x.id == a)
            .map_or(a.to_string(), |x| x.display_name.clone());
        words.push((i18n::text(lang, "col.advisor"), name));
    }
    sink.start(&Sheet {
        title: i18n::text(lang, "should.title"),
        slug: "should-register",
        filter: words,
        taken_at: now,
        lang,
        columns: should_columns(),
    })?;
    for (i, e) in page.entries.iter().enumerate() {
        let f = &e.firm;
        let county = county_name(&f.county_code);
        let stage = i18n::text(lang, &format!("stage.{}", f.stage));
        let why = i18n::text(lang, e.why.key());
        sink.row(&[
            Cell::Int(i64::try_from(i + 1).unwrap_or(i64::MAX)),
            Cell::text(&f.name),
            Cell::text(&f.uscc),
            Cell::text(&county),
            Cell::opt_text(e.advisor.as_deref()),
            Cell::text(&stage),
            Cell::text(&why),
            Cell::Int(i64::from(f.readiness)),
            f.last_contact_on.map_or(Cell::Empty, Cell::Date),
        ])?;
    }
    Ok(())
}
