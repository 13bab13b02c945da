//! Data the benchmarks share: plain generated firms with three years of figures each.

use chrono::{NaiveDate, Utc};
use peiyu::core::money::Fen;
use peiyu::core::profile::FirmYear;
use peiyu::core::stage::Stage;
use peiyu::core::uscc::with_check_char;
use peiyu::demo::COUNTIES;
use peiyu::store::firms::{self, FirmFacts, NewFirm};
use peiyu::store::years::{self, FirmYearRow};
use peiyu::store::{DbConn, StoreError};
use std::collections::HashSet;

/// Insert `n` firms spread over the ladder's stages and the demo's counties, with figures for
/// 2023–2025, inside the caller's transaction. Their USCC bodies are `91411100{body}` + a
/// seven-digit number, so a body the demo never uses (`MB`) keeps them apart from demo firms;
/// names start with `name`. Firms already in the database are left alone.
pub fn generate_firms(c: &mut DbConn, n: usize, body: &str, name: &str) -> Result<(), StoreError> {
    let now = Utc::now().naive_utc();
    let stages = [
        Stage::Prospect,
        Stage::TechSme,
        Stage::Reserve,
        Stage::HighTech,
        Stage::Leader,
    ];
    let facts = FirmFacts::default().to_json();
    let before: HashSet<i64> = firms::all_ids(c)?.into_iter().collect();
    for chunk in (0..n).collect::<Vec<_>>().chunks(2_000) {
        let rows: Vec<NewFirm> = chunk
            .iter()
            .map(|&i| NewFirm {
                uscc: with_check_char(&format!("91411100{body}{i:07}")).expect("valid body"),
                name: format!("{name}{i:06}有限公司"),
                county_code: COUNTIES[i % COUNTIES.len()].code.into(),
                sector_code: None,
                founded_on: NaiveDate::from_ymd_opt(2010 + (i % 12) as i32, 1 + (i % 12) as u32, 1),
                stage: stages[i % stages.len()].id().into(),
                advisor_id: None,
                contact_name: None,
                contact_phone: None,
                contact_email: None,
                employees: Some(50 + (i % 400) as i32),
                tech_staff: Some(5 + (i % 120) as i32),
                facts: facts.clone(),
                industry_code: None,
                created_at: now,
                updated_at: now,
            })
            .collect();
        firms::insert_many(c, &rows)?;
    }
    let ids: Vec<i64> = firms::all_ids(c)?
        .into_iter()
        .filter(|id| !before.contains(id))
        .collect();
    for chunk in ids.chunks(1_000) {
        let mut rows = Vec::with_capacity(chunk.len() * 3);
        for &id in chunk {
            let base = 10_000_000 + (id % 997) * 250_000;
            for (k, year) in (2023..=2025).enumerate() {
                let revenue = base + base * k as i64 / 8;
                let fy = FirmYear {
                    year,
                    revenue: Fen::from_yuan(revenue),
                    rd_expense: Fen::from_yuan(revenue * (2 + id % 6) / 100),
                    rd_expense_domestic: Fen::from_yuan(revenue * (2 + id % 6) / 100),
                    high_tech_revenue: Fen::from_yuan(revenue * (40 + id % 50) / 100),
                    total_cost: Fen::from_yuan(revenue * 9 / 10),
                    total_assets: Fen::from_yuan(revenue * 13 / 10),
                    net_assets: Fen::from_yuan(revenue * 6 / 10),
                    total_income: Fen::from_yuan(revenue + revenue / 50),
                };
                rows.push(FirmYearRow::from_core(id, &fy, Some((id % 6) as i32)));
            }
        }
        years::insert_many(c, &rows)?;
    }
    Ok(())
}
