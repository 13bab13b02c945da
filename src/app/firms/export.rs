//! Exports of the firm list (with its filter) and the reserve pool (issue 15): the same scope,
//! query, order and words as their pages, every matching row rather than one page, read a
//! batch at a time ([`firm_query::listed_after`]) and pushed into a [`Sink`] as it comes.

use crate::app::access::{self, AccessSettings};
use crate::app::error::{AppError, StoreContext};
use crate::app::export::{Cell, Column, Kind, Sheet, Sink, BATCH};
use crate::app::firms::list::ListParams;
use crate::app::firms::pool;
use crate::app::model::advisor_labels;
use crate::app::principal::Principal;
use crate::core::stage::Stage;
use crate::i18n::{self, Lang};
use crate::store::firm_query::{self, FirmQuery, ListedFirm, Scope};
use crate::store::DbConn;
use chrono::NaiveDateTime;
use std::collections::HashMap;

/// The firm list's columns: those of the page, in its order.
pub const FIRM_COLUMNS: [Column; 8] = [
    Column::text("col.name", 36.0),
    Column::text("col.uscc", 22.0),
    Column::text("col.stage", 14.0),
    Column::text("col.county", 12.0),
    Column::text("col.sector", 18.0),
    Column::text("col.advisor", 14.0),
    Column::of("col.readiness", Kind::Integer),
    Column::text("col.eligible", 12.0),
];

/// The reserve pool's columns: the part (stage), the rank within it, then the page's columns
/// in the page's order (the API's items carry the same fields).
pub const POOL_COLUMNS: [Column; 13] = [
    Column::text("col.stage", 14.0),
    Column::of("pool.rank", Kind::Integer),
    Column::text("col.name", 36.0),
    Column::text("col.uscc", 22.0),
    Column::text("col.county", 12.0),
    Column::text("col.sector", 18.0),
    Column::text("col.advisor", 14.0),
    Column::of("col.readiness", Kind::Integer),
    Column::of("pool.col.margin", Kind::Integer),
    Column::text("col.eligible", 12.0),
    Column::text("pool.col.blocking", 60.0),
    Column::of("pool.col.days_in_stage", Kind::Integer),
    Column::of("pool.col.last_contact", Kind::Date),
];

/// Words every row of a firm list needs, looked up once.
struct Words {
    stages: HashMap<&'static str, String>,
    verdicts: [String; 3],
}

impl Words {
    fn new(lang: Lang) -> Words {
        Words {
            stages: Stage::ALL
                .iter()
                .map(|s| (s.id(), i18n::text(lang, &format!("stage.{}", s.id()))))
                .collect(),
            verdicts: ["pass", "fail", "unknown"]
                .map(|v| i18n::text(lang, &format!("criterion_status.{v}"))),
        }
    }

    fn stage<'a>(&'a self, id: &'a str) -> &'a str {
        self.stages.get(id).map_or(id, String::as_str)
    }

    /// The verdict the page shows: none at the top of the ladder.
    fn verdict(&self, f: &ListedFirm) -> Cell<'_> {
        if f.next_stage.is_none() {
            return Cell::Empty;
        }
        Cell::text(match f.next_eligible {
            Some(true) => &self.verdicts[0],
            Some(false) => &self.verdicts[1],
            None => &self.verdicts[2],
        })
    }
}

/// Push every firm of `scope` matching `q` (in `q`'s order) through `each`, a batch at a
/// time.
fn each_firm(
    conn: &mut DbConn,
    scope: &Scope,
    q: &FirmQuery,
    mut each: impl FnMut(&ListedFirm) -> Result<(), AppError>,
) -> Result<(), AppError> {
    let mut last: Option<ListedFirm> = None;
    loop {
        let batch = firm_query::listed_after(conn, scope, q, last.as_ref(), BATCH)
            .ctx("read a batch of firms")?;
        for f in &batch {
            each(f)?;
        }
        if i64::try_from(batch.len()).unwrap_or(i64::MAX) < BATCH {
            return Ok(());
        }
        last = batch.into_iter().last();
    }
}

/// The firm list `params` asks for, as `p` sees it on `/firms` (every page of it), into
/// `sink` with its words in `lang`, taken at `now`.
pub fn firm_list(
    conn: &mut DbConn,
    p: &Principal,
    params: &ListParams,
    lang: Lang,
    now: NaiveDateTime,
    sink: &mut dyn Sink,
) -> Result<(), AppError> {
    params.check()?;
    let s = AccessSettings::load(conn, p)?;
    let scope = access::scope(p, &s);
    let menus = access::menus(conn, p, &s)?;
    let sectors = &menus.sectors;
    let query = params.to_query();
    let counties: HashMap<&str, &str> = menus
        .counties
        .iter()
        .map(|c| (c.code.as_str(), lang.pick(&c.name_zh, &c.name_en)))
        .collect();
    let sector_names: HashMap<&str, &str> = sectors
        .iter()
        .map(|c| (c.code.as_str(), lang.pick(&c.name_zh, &c.name_en)))
        .collect();
    let advisors = advisor_labels(&menus.advisors, lang);
    let words = Words::new(lang);

    // The filter as it was applied (what did not parse did not filter).
    let t = |k: &str| i18n::text(lang, k);
    let mut filter: Vec<(String, String)> = Vec::new();
    if let Some(q) = &query.q {
        filter.push((t("firms.list.search"), q.clone()));
    }
    if let Some(st) = query.stage {
        filter.push((t("col.stage"), words.stage(st.id()).to_string()));
    }
    if let Some(c) = &query.county_code {
        let name = counties.get(c.as_str()).copied().unwrap_or(c);
        filter.push((t("col.county"), name.to_string()));
    }
    if let Some(c) = &query.sector_code {
        let name = sector_names.get(c.as_str()).copied().unwrap_or(c);
        filter.push((t("col.sector"), name.to_string()));
    }
    if let Some(i) = &query.industry_prefix {
        filter.push((t("firms.list.industry"), i.clone()));
    }
    if let Some(a) = query.advisor_id {
        let name = advisors.get(&a).cloned().unwrap_or_else(|| a.to_string());
        filter.push((t("col.advisor"), name));
    }
    if let Some(m) = query.readiness_min {
        filter.push((t("firms.list.rmin"), m.to_string()));
    }
    if let Some(m) = query.readiness_max {
        filter.push((t("firms.list.rmax"), m.to_string()));
    }
    sink.start(&Sheet {
        title: t("firms.list.title"),
        slug: "firms",
        filter,
        taken_at: now,
        lang,
        columns: FIRM_COLUMNS.to_vec(),
    })?;
    each_firm(conn, &scope, &query, |f| {
        sink.row(&[
            Cell::text(&f.name),
            Cell::text(&f.uscc),
            Cell::text(words.stage(&f.stage)),
            Cell::text(
                counties
                    .get(f.county_code.as_str())
                    .copied()
                    .unwrap_or(&f.county_code),
            ),
            Cell::opt_text(
                f.sector_code
                    .as_deref()
                    .and_then(|s| sector_names.get(s).copied()),
            ),
            Cell::opt_text(
                f.advisor_id
                    .and_then(|a| advisors.get(&a))
                    .map(String::as_str),
            ),
            Cell::Int(i64::from(f.readiness)),
            words.verdict(f),
        ])
    })
}

/// The reserve pool as `p` sees it on `/pool` (of one county when `county` is given): the
/// firms in the reserve, most ready for HTE first, then the tech-SMEs most ready for the
/// reserve, each part in the pool's order (readiness, score margin, id) and ranked from 1,
/// with no limit on its length. Each batch is evaluated as the page evaluates its rows
/// ([`pool::annotate`]), so the blocking criteria read the same.
pub fn reserve_pool(
    conn: &mut DbConn,
    p: &Principal,
    county: Option<&str>,
    lang: Lang,
    now: NaiveDateTime,
    sink: &mut dyn Sink,
) -> Result<(), AppError> {
    let s = AccessSettings::load(conn, p)?;
    let scope = access::scope(p, &s);
    let menus = access::menus(conn, p, &s)?;
    let names = pool::Names::new(&menus, lang);
    let words = Words::new(lang);
    let as_of = crate::core::clock::china_date(now);
    let t = |k: &str| i18n::text(lang, k);
    let filter = county
        .map(|c| (t("col.county"), names.county(c).to_string()))
        .into_iter()
        .collect();
    sink.start(&Sheet {
        title: t("pool.title"),
        slug: "reserve-pool",
        filter,
        taken_at: now,
        lang,
        columns: POOL_COLUMNS.to_vec(),
    })?;
    for stage in pool::PARTS {
        let query = pool::part_query(stage, county);
        let part = words.stage(stage.id());
        let mut rank = 0_usize;
        let mut last: Option<ListedFirm> = None;
        loop {
            let batch = pool::part_batch(conn, &scope, &query, last.as_ref(), BATCH)?;
            let full = i64::try_from(batch.len()).unwrap_or(i64::MAX) >= BATCH;
            last = batch.last().cloned();
            for f in pool::annotate(conn, batch, as_of)? {
                rank += 1;
                let r = names.row(stage, rank, &f, lang);
                sink.row(&[
                    Cell::text(part),
                    Cell::Int(i64::try_from(r.rank).unwrap_or(i64::MAX)),
                    Cell::text(&r.name),
                    Cell::text(&r.uscc),
                    Cell::text(&r.county),
                    Cell::opt_text(r.sector.as_deref()),
                    Cell::opt_text(r.advisor.as_deref()),
                    Cell::Int(i64::from(r.readiness)),
                    Cell::Int(i64::from(r.margin)),
                    words.verdict(&f.firm),
                    Cell::Text(r.blocking.join("\n").into()),
                    r.days_in_stage.map_or(Cell::Empty, Cell::Int),
                    r.last_contact_on.map_or(Cell::Empty, Cell::Date),
                ])?;
            }
            if !full {
                break;
            }
        }
    }
    Ok(())
}
