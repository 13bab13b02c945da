//! The reserve pool (高新技术企业后备库) as one principal sees it, a working list for meetings:
//! the firms in `reserve`, most ready for HTE first, and the tech-SMEs most ready to enter it.
//! Each firm with its sector and advisor, how long it has been in its stage, its last contact,
//! and the one or two criteria that keep it from the next stage with the smallest change that
//! would pass each. One read model for the pool page, the API's `GET /api/v1/reserve-pool` and
//! the exports ([`crate::app::firms::export::reserve_pool`], a batch at a time).
//!
//! The order is readiness, then the score margin, then id, read from the stored derived
//! columns (`readiness`, `readiness_margin`, written by [`crate::app::firms::derived`]) so
//! that one index gives it for a province's 100,000 firms and the 500-per-part limit cuts a
//! total order, never a tie.

use crate::app::access::{self, AccessSettings, Menus};
use crate::app::error::{AppError, StoreContext};
use crate::app::firms::derived::today;
use crate::app::principal::Principal;
use crate::core::error::{Reason, Text};
use crate::core::rules;
use crate::core::stage::Stage;
use crate::i18n::{self, Lang};
use crate::store::firm_query::{self, FirmQuery, ListedFirm, Scope, SortKey};
use crate::store::firms::Firm;
use crate::store::{events, profile, settings, DbConn};
use chrono::NaiveDate;
use std::collections::HashMap;

/// The most firms each part of the pool lists.
pub const POOL_LIMIT: i64 = 500;

/// How many blocking criteria a row shows; the rest are counted.
pub const BLOCKING_SHOWN: usize = 2;

/// The pool's two parts, in the order a list shows them.
pub const PARTS: [Stage; 2] = [Stage::Reserve, Stage::TechSme];

/// One firm of the pool as the working list shows it.
#[derive(Debug, Clone)]
pub struct PoolFirm {
    /// The firm's list columns (stage, county, sector, advisor, readiness, margin, last
    /// contact).
    pub firm: ListedFirm,
    /// When it entered its current stage (the reserve; for a tech-SME, tech-SME), if its
    /// history records it.
    pub in_stage_since: Option<NaiveDate>,
    /// Days from `in_stage_since` to the day the list was read.
    pub days_in_stage: Option<i64>,
    /// What keeps it from the next stage, most certain first ([`Evaluation::blocking`]):
    /// the sentence and the smallest change; what is wrong with its figures when the rules
    /// cannot evaluate them. Empty when it meets every criterion.
    ///
    /// [`Evaluation::blocking`]: crate::core::eval::Evaluation::blocking
    pub blocking: Vec<Reason>,
}

impl PoolFirm {
    /// The blocking criteria a row shows ([`BLOCKING_SHOWN`] at most).
    pub fn blocking_shown(&self) -> &[Reason] {
        &self.blocking[..self.blocking.len().min(BLOCKING_SHOWN)]
    }

    /// How many blocking criteria a row leaves unshown.
    pub fn blocking_more(&self) -> usize {
        self.blocking.len().saturating_sub(BLOCKING_SHOWN)
    }

    /// The blocking column in `lang`, one line each, as the page, the API and the exports
    /// show it: the first criteria's sentences with their smallest change (the firm page's
    /// words), then how many more; "meets every criterion" when none blocks.
    pub fn blocking_lines(&self, lang: Lang) -> Vec<String> {
        if self.blocking.is_empty() {
            return vec![i18n::text(lang, "pool.col.none_blocking")];
        }
        let mut lines: Vec<String> = self
            .blocking_shown()
            .iter()
            .map(|r| i18n::render(lang, &r.text))
            .collect();
        let more = self.blocking_more();
        if more > 0 {
            lines.push(i18n::render(
                lang,
                &Text::new("pool.col.more_blocking").plain("n", more),
            ));
        }
        lines
    }
}

/// The reserve pool in one principal's territory.
#[derive(Debug, Clone)]
pub struct ReservePool {
    /// Firms in the reserve, most ready for HTE first (ties by margin, then id).
    pub reserve: Vec<PoolFirm>,
    /// Tech-SMEs, most ready for the reserve first (ties by margin, then id).
    pub tech_sme: Vec<PoolFirm>,
    /// The counties and advisors `p` may see, and the sectors, to name a row's county,
    /// advisor and sector.
    pub menus: Menus,
    /// The day the list was read (evaluations as of it, days in stage up to it).
    pub as_of: NaiveDate,
}

/// The query of one part of the pool, in the pool's order.
pub fn part_query(stage: Stage, county: Option<&str>) -> FirmQuery {
    FirmQuery {
        stage: Some(stage),
        county_code: county.map(str::to_string),
        sort: SortKey::ReadinessMargin,
        descending: true,
        limit: POOL_LIMIT,
        ..FirmQuery::default()
    }
}

/// The reserve pool in `p`'s territory, of one county when `county` is given, each part
/// limited to [`POOL_LIMIT`].
pub fn reserve_pool(
    conn: &mut DbConn,
    p: &Principal,
    county: Option<&str>,
) -> Result<ReservePool, AppError> {
    let s = AccessSettings::load(conn, p)?;
    let scope = access::scope(p, &s);
    let menus = access::menus(conn, p, &s)?;
    let as_of = today();
    let mut part = |stage: Stage| -> Result<Vec<PoolFirm>, AppError> {
        let firms = part_batch(conn, &scope, &part_query(stage, county), None, POOL_LIMIT)?;
        annotate(conn, firms, as_of)
    };
    let reserve = part(Stage::Reserve)?;
    let tech_sme = part(Stage::TechSme)?;
    Ok(ReservePool {
        reserve,
        tech_sme,
        menus,
        as_of,
    })
}

/// The next `limit` firms of a part after `after`, in the pool's order.
pub fn part_batch(
    conn: &mut DbConn,
    scope: &Scope,
    q: &FirmQuery,
    after: Option<&ListedFirm>,
    limit: i64,
) -> Result<Vec<ListedFirm>, AppError> {
    firm_query::listed_after(conn, scope, q, after, limit).ctx("rank the reserve pool")
}

/// The working-list columns of `firms` as of `as_of`: each evaluated for its next stage (the
/// blocking criteria), and when it entered its stage. A few queries per batch, whatever its
/// length.
pub fn annotate(
    conn: &mut DbConn,
    firms: Vec<ListedFirm>,
    as_of: NaiveDate,
) -> Result<Vec<PoolFirm>, AppError> {
    let ids: Vec<i64> = firms.iter().map(|f| f.id).collect();
    let thresholds = settings::thresholds(conn).ctx("load thresholds for the pool")?;
    let profiles: HashMap<i64, profile::FirmProfile> = profile::load_profiles(conn, &ids)
        .ctx("load the pool's profiles")?
        .into_iter()
        .map(|fp| (fp.firm_id, fp))
        .collect();
    let stages: Vec<(i64, &str)> = firms.iter().map(|f| (f.id, f.stage.as_str())).collect();
    let since =
        events::entered_stage_on(conn, &stages).ctx("read when firms entered their stage")?;
    Ok(firms
        .into_iter()
        .map(|firm| {
            // Figures the rules cannot evaluate block the firm as the firm page says so.
            let blocking = profiles
                .get(&firm.id)
                .and_then(|fp| Some((fp, fp.stage.next()?)))
                .map(|(fp, (_, ruleset))| {
                    match rules::evaluate(&fp.profile, ruleset, as_of, &thresholds) {
                        Ok(ev) => ev.blocking(),
                        Err(e) => vec![Reason::new(e.code, e.text)],
                    }
                })
                .unwrap_or_default();
            let in_stage_since = since.get(&firm.id).copied();
            PoolFirm {
                days_in_stage: in_stage_since.map(|d| (as_of - d).num_days()),
                in_stage_since,
                blocking,
                firm,
            }
        })
        .collect())
}

/// A county officer's tech-SMEs in the pool's order (at most [`POOL_LIMIT`]): the candidates
/// the nominations screen offers.
pub fn tech_sme_candidates(conn: &mut DbConn, p: &Principal) -> Result<Vec<Firm>, AppError> {
    let s = AccessSettings::load(conn, p)?;
    let scope = access::scope(p, &s);
    firm_query::rows(conn, &scope, &part_query(Stage::TechSme, None)).ctx("rank the tech-SMEs")
}

/// One row of the working list in the reader's words: what the page, the API and the exports
/// show, in the same columns and order ([`crate::app::firms::export::POOL_COLUMNS`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PoolRow {
    /// The part: `reserve` or `tech_sme`.
    pub stage: Stage,
    /// Rank within its part, from 1.
    pub rank: usize,
    /// Firm id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// 统一社会信用代码.
    pub uscc: String,
    /// The firm's county.
    pub county: String,
    /// Its sector, if recorded.
    pub sector: Option<String>,
    /// Its advisor (with their county when it is another), if assigned.
    pub advisor: Option<String>,
    /// Readiness 0–100 for the next stage.
    pub readiness: i32,
    /// The score margin (points over the pass mark): readiness's tie-break.
    pub margin: i32,
    /// Whether it meets the next stage's rules: `pass`, `fail` or `unknown`.
    pub eligible: &'static str,
    /// [`PoolFirm::blocking_lines`].
    pub blocking: Vec<String>,
    /// When it entered its stage, if recorded.
    pub in_stage_since: Option<NaiveDate>,
    /// Days in its stage, if known.
    pub days_in_stage: Option<i64>,
    /// The latest contact.
    pub last_contact_on: Option<NaiveDate>,
}

/// The names a row needs, looked up once per list.
#[derive(Debug, Clone, Default)]
pub struct Names {
    counties: HashMap<String, String>,
    sectors: HashMap<String, String>,
    advisors: HashMap<i64, String>,
}

impl Names {
    /// The names of `menus`' counties and advisors and of `sectors`, in `lang`.
    pub fn new(menus: &Menus, lang: Lang) -> Names {
        Names {
            counties: menus
                .counties
                .iter()
                .map(|c| {
                    (
                        c.code.clone(),
                        lang.pick(&c.name_zh, &c.name_en).to_string(),
                    )
                })
                .collect(),
            sectors: menus
                .sectors
                .iter()
                .map(|s| {
                    (
                        s.code.clone(),
                        lang.pick(&s.name_zh, &s.name_en).to_string(),
                    )
                })
                .collect(),
            advisors: crate::app::model::advisor_labels(&menus.advisors, lang),
        }
    }

    /// A county's name (its code when unknown).
    pub fn county<'a>(&'a self, code: &'a str) -> &'a str {
        self.counties.get(code).map_or(code, String::as_str)
    }

    /// One firm of part `stage` at `rank` as a row in `lang`.
    pub fn row(&self, stage: Stage, rank: usize, f: &PoolFirm, lang: Lang) -> PoolRow {
        let l = &f.firm;
        PoolRow {
            stage,
            rank,
            id: l.id,
            name: l.name.clone(),
            uscc: l.uscc.clone(),
            county: self.county(&l.county_code).to_string(),
            sector: l
                .sector_code
                .as_ref()
                .map(|c| self.sectors.get(c).cloned().unwrap_or_else(|| c.clone())),
            advisor: l.advisor_id.and_then(|a| self.advisors.get(&a).cloned()),
            readiness: l.readiness,
            margin: l.readiness_margin,
            eligible: match l.next_eligible {
                Some(true) => "pass",
                Some(false) => "fail",
                None => "unknown",
            },
            blocking: f.blocking_lines(lang),
            in_stage_since: f.in_stage_since,
            days_in_stage: f.days_in_stage,
            last_contact_on: l.last_contact_on,
        }
    }
}

impl ReservePool {
    /// The names of this pool's rows in `lang`.
    pub fn names(&self, lang: Lang) -> Names {
        Names::new(&self.menus, lang)
    }

    /// One part (`reserve` or `tech_sme`) as rows in `lang`, ranked from 1.
    pub fn rows(&self, stage: Stage, lang: Lang) -> Vec<PoolRow> {
        let names = self.names(lang);
        let part = if stage == Stage::Reserve {
            &self.reserve
        } else {
            &self.tech_sme
        };
        part.iter()
            .enumerate()
            .map(|(i, f)| names.row(stage, i + 1, f, lang))
            .collect()
    }

    /// Both parts in one list, most ready first (ties by margin, then id), each row with its
    /// rank in its part: the API's order.
    pub fn ranked_rows(&self, lang: Lang) -> Vec<PoolRow> {
        let mut all: Vec<PoolRow> = PARTS.iter().flat_map(|s| self.rows(*s, lang)).collect();
        all.sort_by(|a, b| {
            b.readiness
                .cmp(&a.readiness)
                .then(b.margin.cmp(&a.margin))
                .then(a.id.cmp(&b.id))
        });
        all
    }
}

/// The stored rows of the pool's firms, by id: what the API shows of each firm beside the
/// working-list columns.
pub fn firm_rows(conn: &mut DbConn, pool: &ReservePool) -> Result<HashMap<i64, Firm>, AppError> {
    let ids: Vec<i64> = pool
        .reserve
        .iter()
        .chain(&pool.tech_sme)
        .map(|f| f.firm.id)
        .collect();
    Ok(crate::store::firms::find_many(conn, &ids)
        .ctx("load the pool's firms")?
        .into_iter()
        .map(|f| (f.id, f))
        .collect())
}
