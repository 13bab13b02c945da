//! What the read-only pages show: the dashboard, the firm list and the firm page. Each checks
//! access through [`crate::app::access`] and reads in one go; the web layer only formats.

use crate::app::access::{self, AccessSettings, FirmAccess};
use crate::app::error::{AppError, StoreContext};
use crate::app::firms::derived::today;
use crate::app::model::AdvisorChoice;
use crate::app::principal::Principal;
use crate::core::error::InputError;
use crate::core::profile::{HteCertificate, Profile};
use crate::core::rules;
use crate::core::rules::Thresholds;
use crate::core::stage::{Role, Stage};
use crate::store::credentials::{self, Credential};
use crate::store::events::{self, StageEventRow};
use crate::store::fact_marks::{self, FactMark};
use crate::store::firm_query::{self, FirmQuery, ListedFirm, Total};
use crate::store::firms::{self, Firm};
use crate::store::ip::{self, IpKind};
use crate::store::refdata::{self, County, Sector};
use crate::store::users::{self, User};
use crate::store::years::{self, FirmYearRow};
use crate::store::{profile, settings, DbConn};
use chrono::NaiveDate;
use std::collections::{BTreeMap, HashMap};

/// The dashboard of one principal.
#[derive(Debug, Clone)]
pub struct Dashboard {
    /// Firms in scope per stage, in ladder order (stages with none included, as 0).
    pub by_stage: Vec<(Stage, i64)>,
    /// All firms in scope.
    pub total: i64,
    /// For an advisor: their assigned firms, most ready first (at most 50).
    pub my_firms: Vec<Firm>,
}

/// The dashboard of `p`.
pub fn dashboard(conn: &mut DbConn, p: &Principal) -> Result<Dashboard, AppError> {
    let s = AccessSettings::load(conn, p)?;
    let scope = access::scope(p, &s);
    let counts: HashMap<String, i64> = firm_query::count_by_stage(conn, &scope)
        .ctx("count firms by stage")?
        .into_iter()
        .collect();
    let by_stage: Vec<(Stage, i64)> = Stage::ALL
        .iter()
        .map(|st| (*st, counts.get(st.id()).copied().unwrap_or(0)))
        .collect();
    let total = by_stage.iter().map(|(_, n)| n).sum();
    let my_firms = match (p.role, p.user_id) {
        (Role::Advisor, Some(id)) => firm_query::rows(
            conn,
            &scope,
            &FirmQuery {
                advisor_id: Some(id),
                descending: true,
                limit: 50,
                ..FirmQuery::default()
            },
        )
        .ctx("list the advisor's firms")?,
        _ => Vec::new(),
    };
    Ok(Dashboard {
        by_stage,
        total,
        my_firms,
    })
}

/// A page of the firm list with what the filters offer.
#[derive(Debug, Clone)]
pub struct FirmList {
    /// The firms of this page.
    pub firms: Vec<ListedFirm>,
    /// How many match in all (up to `firm_query::COUNT_CAP`).
    pub total: Total,
    /// The counties of the viewer's territory (for names and the filter).
    pub counties: Vec<County>,
    /// Every sector.
    pub sectors: Vec<Sector>,
    /// The active advisors of the viewer's territory (for names and the filter,
    /// [`access::menus`]).
    pub advisors: Vec<AdvisorChoice>,
}

/// The firms in `p`'s scope matching `q`.
pub fn firm_list(conn: &mut DbConn, p: &Principal, q: &FirmQuery) -> Result<FirmList, AppError> {
    let s = AccessSettings::load(conn, p)?;
    let scope = access::scope(p, &s);
    let (firms, total) = firm_query::listed_page(conn, &scope, q).ctx("list firms")?;
    let menus = access::menus(conn, p, &s)?;
    Ok(FirmList {
        firms,
        total,
        counties: menus.counties,
        sectors: menus.sectors,
        advisors: menus.advisors,
    })
}

/// The firms in `p`'s scope matching `q`, and how many match: the list without what the
/// filter form offers (the JSON API's list).
pub fn firm_page_rows(
    conn: &mut DbConn,
    p: &Principal,
    q: &FirmQuery,
) -> Result<(Vec<Firm>, Total), AppError> {
    let s = AccessSettings::load(conn, p)?;
    let scope = access::scope(p, &s);
    firm_query::page(conn, &scope, q).ctx("list firms")
}

/// The next stage's evaluation on the firm page.
#[derive(Debug, Clone)]
pub enum NextEvaluation {
    /// At the top of the ladder or exited: nothing to evaluate.
    None,
    /// The evaluation JSON of DESIGN §3 (criteria with status, actual, required, explanations).
    Evaluated {
        /// The stage evaluated for.
        stage: Stage,
        /// `Evaluation::to_json()`.
        json: serde_json::Value,
    },
    /// The stored data cannot be evaluated; says why.
    BadData {
        /// The stage that would be next.
        stage: Stage,
        /// What is wrong.
        error: InputError,
    },
}

impl NextEvaluation {
    /// The evaluation of the stage after `stage`, as of `as_of`, under the rules and
    /// thresholds of that climb; `inputs` (the profile and the thresholds in force) is asked
    /// for only when there is a next stage.
    pub fn of(
        stage: Stage,
        as_of: NaiveDate,
        inputs: impl FnOnce() -> Result<(Profile, Thresholds), AppError>,
    ) -> Result<NextEvaluation, AppError> {
        let Some((next_stage, ruleset)) = stage.next() else {
            return Ok(NextEvaluation::None);
        };
        let (prof, thresholds) = inputs()?;
        Ok(match rules::evaluate(&prof, ruleset, as_of, &thresholds) {
            Ok(ev) => NextEvaluation::Evaluated {
                stage: next_stage,
                json: ev.to_json(),
            },
            Err(error) => NextEvaluation::BadData {
                stage: next_stage,
                error,
            },
        })
    }
}

/// Everything the firm page shows.
#[derive(Debug, Clone)]
pub struct FirmPage {
    /// The firm.
    pub firm: Firm,
    /// What the viewer may do with it.
    pub access: FirmAccess,
    /// Its county.
    pub county: Option<County>,
    /// Its sector.
    pub sector: Option<Sector>,
    /// Its advisor.
    pub advisor: Option<User>,
    /// Yearly figures, oldest first.
    pub years: Vec<FirmYearRow>,
    /// IP items per kind (kinds with none left out).
    pub ip_counts: BTreeMap<&'static str, i64>,
    /// The IP items, in the order they were recorded.
    pub ip_items: Vec<ip::IpItem>,
    /// Credentials, oldest first.
    pub credentials: Vec<Credential>,
    /// The stage history, in order.
    pub events: Vec<StageEventRow>,
    /// Who set each record flag and direct route, and when (their users are in `actors`).
    pub fact_marks: Vec<FactMark>,
    /// The users named in the history (and the advisor), by id.
    pub actors: HashMap<i64, User>,
    /// The next stage's evaluation as of [`FirmPage::as_of`].
    pub next: NextEvaluation,
    /// The date of the evaluation (today in China).
    pub as_of: NaiveDate,
    /// The current HTE certificate as the evaluation saw it (`None` when nothing was
    /// evaluated).
    pub hte_certificate: Option<HteCertificate>,
}

/// The firm page of firm `firm_id` for `p`; `NotFound` when it does not exist or lies outside
/// `p`'s territory.
pub fn firm_page(conn: &mut DbConn, p: &Principal, firm_id: i64) -> Result<FirmPage, AppError> {
    // The two settings the page needs, in one read (about 20 statements make this page).
    let [county_read, thresholds] = settings::get_many(
        conn,
        &[access::ADVISOR_COUNTY_READ_KEY, settings::THRESHOLDS_KEY],
    )
    .ctx("read settings for the firm page")?
    .try_into()
    .map_err(|_| AppError::Internal(anyhow::anyhow!("settings read gave the wrong count")))?;
    let s = AccessSettings::of(county_read);
    // The firm with its county's and sector's names, in one read.
    let (firm, county, sector) =
        firms::find_with_places(conn, firm_id).ctx("load firm for its page")?;
    let access = access::require_read(p, &s, &firm)?;
    let years = years::list_for_firm(conn, firm.id).ctx("load years")?;
    let ip_items = ip::list_for_firm(conn, firm.id).ctx("load IP items")?;
    let ip_rows = ip::counts_of(&ip_items);
    let mut ip_counts: BTreeMap<&'static str, i64> = BTreeMap::new();
    for c in &ip_rows {
        if let Some(k) = IpKind::parse(&c.kind) {
            *ip_counts.entry(k.id()).or_default() += c.count;
        }
    }
    let credentials = credentials::list_for_firm(conn, firm.id).ctx("load credentials")?;
    let events = events::list_for_firm(conn, firm.id).ctx("load stage events")?;
    let fact_marks = fact_marks::list_for_firm(conn, firm.id).ctx("load fact marks")?;
    // The advisor and everyone named in the history, in one read.
    let mut user_ids: Vec<i64> = events.iter().filter_map(|e| e.actor_id).collect();
    user_ids.extend(firm.advisor_id);
    user_ids.extend(fact_marks.iter().filter_map(|m| m.set_by));
    user_ids.sort_unstable();
    user_ids.dedup();
    let actors: HashMap<i64, User> = users::find_many(conn, &user_ids)
        .ctx("load advisor and actors")?
        .into_iter()
        .map(|u| (u.id, u))
        .collect();
    let advisor = firm.advisor_id.and_then(|id| actors.get(&id).cloned());
    let as_of = today();
    let stage = firm.current_stage().ctx("read stage")?;
    let mut hte_certificate = None;
    let next = NextEvaluation::of(stage, as_of, || {
        // The profile from the rows this page already read.
        let prof =
            profile::profile_of(&firm, &years, &ip_rows, &credentials).ctx("assemble profile")?;
        hte_certificate.clone_from(&prof.hte_certificate);
        Ok((
            prof,
            settings::thresholds_of(thresholds).ctx("load thresholds")?,
        ))
    })?;
    Ok(FirmPage {
        firm,
        access,
        county,
        sector,
        advisor,
        years,
        ip_counts,
        ip_items,
        credentials,
        events,
        fact_marks,
        actors,
        next,
        as_of,
        hte_certificate,
    })
}

impl FirmPage {
    /// The firm's IP items as (class I, class II) counts, as the HTE rules count them.
    pub fn ip_class_counts(&self) -> (i64, i64) {
        self.ip_counts.iter().fold((0, 0), |(one, two), (kind, n)| {
            if IpKind::parse(kind).is_some_and(|k| k.is_class_one()) {
                (one + n, two)
            } else {
                (one, two + n)
            }
        })
    }
}

/// The firm page of the firm with this 统一社会信用代码 (any case, spaces trimmed), for `p`;
/// `NotFound` when there is none or it lies outside `p`'s territory (`peiyu firm show`).
pub fn firm_page_by_uscc(
    conn: &mut DbConn,
    p: &Principal,
    uscc: &str,
) -> Result<FirmPage, AppError> {
    let firm = firms::find_by_uscc(conn, uscc)
        .ctx("find firm by USCC")?
        .ok_or(AppError::NotFound)?;
    firm_page(conn, p, firm.id)
}

/// Every county and zone, in code order (the administrators' forms name them).
pub fn counties(conn: &mut DbConn) -> Result<Vec<County>, AppError> {
    refdata::counties(conn).ctx("load counties")
}

/// The counties of `p`'s territory, as its filters offer them ([`access::menus`]).
pub fn territory_counties(conn: &mut DbConn, p: &Principal) -> Result<Vec<County>, AppError> {
    let s = AccessSettings::load(conn, p)?;
    Ok(access::menus(conn, p, &s)?.counties)
}
