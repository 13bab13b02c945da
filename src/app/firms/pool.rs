//! The reserve pool (高新技术企业后备库) as one principal sees it: the firms in `reserve`, most
//! ready for HTE first, and the tech-SMEs most ready to enter it. One read model for the pool
//! page and the API's `GET /api/v1/reserve-pool`.

use crate::app::access::{self, AccessSettings};
use crate::app::error::{AppError, StoreContext};
use crate::app::principal::Principal;
use crate::core::stage::Stage;
use crate::store::firm_query::{self, FirmQuery, SortKey};
use crate::store::firms::Firm;
use crate::store::DbConn;

/// The most firms each part of the pool lists.
pub const POOL_LIMIT: i64 = 500;

/// The reserve pool in one principal's territory.
#[derive(Debug, Clone)]
pub struct ReservePool {
    /// Firms in the reserve, most ready for HTE first (ties by id).
    pub reserve: Vec<Firm>,
    /// Tech-SMEs, most ready for the reserve first (ties by id).
    pub tech_sme: Vec<Firm>,
}

impl ReservePool {
    /// Both parts in one list, most ready first (ties by id): the API's order.
    pub fn ranked(&self) -> Vec<&Firm> {
        let mut all: Vec<&Firm> = self.reserve.iter().chain(&self.tech_sme).collect();
        all.sort_by(|a, b| b.readiness.cmp(&a.readiness).then(a.id.cmp(&b.id)));
        all
    }
}

/// The reserve pool in `p`'s territory, of one county when `county` is given.
pub fn reserve_pool(
    conn: &mut DbConn,
    p: &Principal,
    county: Option<&str>,
) -> Result<ReservePool, AppError> {
    let s = AccessSettings::load(conn)?;
    let scope = access::scope(p, &s);
    let mut ranked = |stage: Stage| {
        firm_query::rows(
            conn,
            &scope,
            &FirmQuery {
                stage: Some(stage),
                county_code: county.map(str::to_string),
                sort: SortKey::Readiness,
                descending: true,
                limit: POOL_LIMIT,
                ..FirmQuery::default()
            },
        )
        .ctx("rank the reserve pool")
    };
    let reserve = ranked(Stage::Reserve)?;
    let tech_sme = ranked(Stage::TechSme)?;
    Ok(ReservePool { reserve, tech_sme })
}
