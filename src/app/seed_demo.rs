//! Seed the demo city (`peiyu demo`): reference data, users, ~500 firms with their figures
//! and IP, and stage histories fired through the core. All in one transaction; idempotent.

use super::error::{AppError, StoreContext};
use super::principal::Principal;
use crate::app::accounts::password;
use crate::app::firms::create::{create_firm, NewFirmInput};
use crate::app::firms::derived::recompute_firm;
use crate::app::firms::stage::{fire_event_with, FireOptions};
use crate::core::error::Text;
use crate::core::stage::Role;
use crate::demo::{self, DemoFirm};
use crate::store::firms::{self, FirmFacts, IpFacts};
use crate::store::ip::{self, NewIpItem};
use crate::store::refdata::{self, County, Sector};
use crate::store::users::{self, NewUser};
use crate::store::years::{self, FirmYearRow};
use crate::store::{self, settings, DbConn};
use chrono::{NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};

/// The password of every demo account (shown in the README; demo data only).
pub const DEMO_PASSWORD: &str = "peiyu-demo";

/// The settings key that marks a seeded database.
const DEMO_KEY: &str = "demo";

/// What the demo seeded (or found already seeded).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct DemoSummary {
    /// Firms seeded.
    pub firms: usize,
    /// User accounts seeded.
    pub users: usize,
    /// Stage events fired.
    pub events: usize,
    /// Firms per stage id after seeding.
    pub by_stage: BTreeMap<String, usize>,
    /// The generator's seed.
    pub seed: u64,
    /// The date the histories run up to.
    pub today: NaiveDate,
    /// True when the database was already seeded and nothing was written.
    #[serde(default)]
    pub already_seeded: bool,
    /// Advisor assignments seeded (current and ended).
    #[serde(default)]
    pub assignments: usize,
    /// Follow-ups seeded (corrections included).
    #[serde(default)]
    pub followups: usize,
    /// Issues seeded.
    #[serde(default)]
    pub issues: usize,
}

/// Seed `n` demo firms planned from `seed`, with histories up to `today`. A database that is
/// already seeded is left as it is (the stored summary comes back with `already_seeded`); a
/// database holding other firms is refused, so the demo never mixes with real data.
pub fn seed_demo(
    conn: &mut DbConn,
    seed: u64,
    n: usize,
    today: NaiveDate,
) -> Result<DemoSummary, AppError> {
    store::write_tx(conn, |c| {
        if let Some(v) = settings::get(c, DEMO_KEY).ctx("read demo marker")? {
            let mut s: DemoSummary = serde_json::from_value(v)
                .map_err(|e| AppError::Internal(anyhow::anyhow!("corrupt demo marker: {e}")))?;
            s.already_seeded = true;
            return Ok(s);
        }
        let existing = firms::count(c).ctx("count firms")?;
        if existing > 0 {
            return Err(AppError::bad_input(
                "database",
                "database_not_empty",
                Text::new("app.demo.database_not_empty").plain("n", existing),
            ));
        }
        seed_in_tx(c, seed, n, today)
    })
}

fn seed_in_tx(
    conn: &mut DbConn,
    seed: u64,
    n: usize,
    today: NaiveDate,
) -> Result<DemoSummary, AppError> {
    for c in demo::COUNTIES {
        refdata::upsert_county(
            conn,
            &County {
                code: c.code.into(),
                name_zh: c.name_zh.into(),
                name_en: c.name_en.into(),
                kind: c.kind.into(),
            },
        )
        .ctx("seed counties")?;
    }
    for s in demo::SECTORS {
        refdata::upsert_sector(
            conn,
            &Sector {
                code: s.code.into(),
                name_zh: s.name_zh.into(),
                name_en: s.name_en.into(),
            },
        )
        .ctx("seed sectors")?;
    }

    // One hash for every demo account: hashing is deliberately slow, and the demo password
    // is public anyway.
    let hash = password::hash(DEMO_PASSWORD).map_err(AppError::Internal)?;
    let now = Utc::now().naive_utc();
    let add_user = |conn: &mut DbConn,
                    username: String,
                    display_name: String,
                    role: Role,
                    county: Option<&str>,
                    firm_id: Option<i64>|
     -> Result<i64, AppError> {
        users::insert(
            conn,
            &NewUser {
                email: Some(format!("{username}@kjj.luohe.example")),
                username,
                display_name,
                role: role.id().into(),
                county_code: county.map(str::to_string),
                firm_id,
                password_hash: hash.clone(),
                lang: "zh-CN".into(),
                active: true,
                created_at: now,
            },
        )
        .ctx("seed users")
    };
    add_user(
        conn,
        "admin".into(),
        "系统管理员".into(),
        Role::Admin,
        None,
        None,
    )?;
    let bureau_id = add_user(
        conn,
        "bureau".into(),
        "市科技局 张科长".into(),
        Role::Bureau,
        None,
        None,
    )?;
    add_user(
        conn,
        "bureau2".into(),
        "市科技局 李干事".into(),
        Role::Bureau,
        None,
        None,
    )?;
    let mut county_officers: HashMap<&str, Principal> = HashMap::new();
    for c in demo::COUNTIES {
        let id = add_user(
            conn,
            format!("county-{}", c.code.to_lowercase()),
            format!("{}科技局", c.name_zh),
            Role::County,
            Some(c.code),
            None,
        )?;
        county_officers.insert(
            c.code,
            Principal {
                user_id: Some(id),
                role: Role::County,
                county_code: Some(c.code.to_string()),
                firm_id: None,
            },
        );
    }
    let mut advisor_ids = Vec::new();
    for a in demo::advisors() {
        advisor_ids.push(add_user(
            conn,
            a.username,
            a.display_name,
            Role::Advisor,
            Some(a.county),
            None,
        )?);
    }
    let bureau = Principal {
        user_id: Some(bureau_id),
        role: Role::Bureau,
        county_code: None,
        firm_id: None,
    };

    let plans = demo::generate(seed, n, today);
    let mut events = 0;
    let mut firm_ids = Vec::with_capacity(plans.len());
    for plan in &plans {
        // The advisor comes with the coaching history below, dated in the demo's past.
        let firm_id = seed_firm(conn, plan, None, &bureau)?;
        firm_ids.push(firm_id);
        for (event, on, role) in &plan.plan {
            let who = match role {
                Role::System => Principal::system(),
                Role::County => county_officers
                    .get(plan.county)
                    .cloned()
                    .unwrap_or_else(|| bureau.clone()),
                _ => bureau.clone(),
            };
            // History, not news: no stage-change mails for the seeded past.
            fire_event_with(
                conn,
                firm_id,
                None,
                event.clone(),
                &who,
                *on,
                FireOptions { notify: false },
            )?;
            events += 1;
        }
        // Derived columns as of today, not as of the last event's date.
        recompute_firm(conn, firm_id)?;
    }
    let coaching = seed_coaching(
        conn,
        seed,
        &plans,
        &firm_ids,
        &advisor_ids,
        bureau_id,
        today,
    )?;
    let mut users_count = 3 + demo::COUNTIES.len() + advisor_ids.len();
    // A few firm accounts, for the firm portal.
    for (k, firm_id) in firm_ids.iter().take(5).enumerate() {
        add_user(
            conn,
            format!("firm{}", k + 1),
            plans[k].contact_name.clone(),
            Role::Firm,
            Some(plans[k].county),
            Some(*firm_id),
        )?;
        users_count += 1;
    }

    let by_stage: BTreeMap<String, usize> = firms::count_by_stage(conn)
        .ctx("count firms by stage")?
        .into_iter()
        .map(|(s, n)| (s, n as usize))
        .collect();
    let summary = DemoSummary {
        firms: plans.len(),
        users: users_count,
        events,
        by_stage,
        seed,
        today,
        already_seeded: false,
        assignments: coaching.0,
        followups: coaching.1,
        issues: coaching.2,
    };
    let marker = serde_json::to_value(&summary)
        .map_err(|e| AppError::Internal(anyhow::anyhow!("serialise demo marker: {e}")))?;
    settings::set(conn, DEMO_KEY, &marker).ctx("write demo marker")?;
    Ok(summary)
}

fn seed_firm(
    conn: &mut DbConn,
    plan: &DemoFirm,
    advisor_id: Option<i64>,
    bureau: &Principal,
) -> Result<i64, AppError> {
    let firm = create_firm(
        conn,
        NewFirmInput {
            uscc: plan.uscc.clone(),
            name: plan.name.clone(),
            county_code: plan.county.to_string(),
            sector_code: Some(plan.sector.to_string()),
            founded_on: Some(plan.founded_on),
            advisor_id,
            contact_name: Some(plan.contact_name.clone()),
            contact_phone: Some(plan.contact_phone.clone()),
            contact_email: None,
            employees: Some(plan.employees as i32),
            tech_staff: Some(plan.tech_staff as i32),
            facts: FirmFacts {
                flags: plan.flags.clone(),
                rd_management: plan.rd_management.clone(),
                direct_routes: plan.direct_routes.clone(),
                judged: plan.judged,
                rd_platform: Some(plan.rd_platform),
                ip: IpFacts {
                    own_rd: None,
                    standards: Some(plan.direct_routes.led_standard_5y == Some(true)),
                },
                declared_ip: None,
            },
            industry_code: Some(plan.industry_code.to_string()),
        },
        bureau,
    )?;
    let rows: Vec<FirmYearRow> = plan
        .years
        .iter()
        .map(|y| {
            let conv = plan.conversions.get(&y.year).map(|c| *c as i32);
            FirmYearRow::from_core(firm.id, y, conv)
        })
        .collect();
    years::insert_many(conn, &rows).ctx("seed firm years")?;
    for item in &plan.ip {
        ip::insert(
            conn,
            &NewIpItem {
                firm_id: firm.id,
                kind: item.kind.to_string(),
                number: item.number.clone(),
                title: item.title.clone(),
                granted_on: None,
                acquisition: item.acquisition.to_string(),
                used_in_hte: false,
            },
        )
        .ctx("seed firm IP")?;
    }
    Ok(firm.id)
}

/// Seed the coaching of the demo firms (see `demo::coaching`): assignment histories with the
/// current advisor mirrored in `firms.advisor_id`, follow-ups with the firms' contact dates
/// derived from them, and the issue ledger. Returns (assignments, follow-ups, issues).
fn seed_coaching(
    conn: &mut DbConn,
    seed: u64,
    plans: &[DemoFirm],
    firm_ids: &[i64],
    advisor_ids: &[i64],
    bureau_id: i64,
    today: NaiveDate,
) -> Result<(usize, usize, usize), AppError> {
    use crate::store::assignments::{self, NewAssignment};
    use crate::store::followups::{self, NewFollowup};
    use crate::store::issues::{self, NewIssue};
    let plan = demo::coaching::plan(seed, plans, today);
    let firm = |i: usize| firm_ids.get(i).copied();
    let advisor = |i: usize| advisor_ids.get(i).copied();
    // Recorded at 10:00 China time (02:00 UTC) on the day.
    let at = |d: NaiveDate| d.and_hms_opt(2, 0, 0).unwrap_or_default();
    let mut ended = Vec::new();
    let mut open = Vec::new();
    for a in &plan.assignments {
        let (Some(firm_id), Some(advisor_id)) = (firm(a.firm), advisor(a.advisor)) else {
            continue;
        };
        let row = NewAssignment {
            firm_id,
            advisor_id,
            started_on: a.started_on,
            assigned_by: Some(bureau_id),
            reason: a.reason.to_string(),
            created_at: at(a.started_on),
        };
        match a.ended_on {
            Some(end) => ended.push((row, end)),
            None => open.push(row),
        }
    }
    // Ended rows go in open and are closed at once, so the one-open-row index holds.
    for (row, end) in &ended {
        assignments::insert(conn, row).ctx("seed an earlier assignment")?;
        assignments::end_open(conn, &[row.firm_id], *end).ctx("end an earlier assignment")?;
    }
    assignments::insert_many(conn, &open).ctx("seed assignments")?;
    let now = Utc::now().naive_utc();
    for row in &open {
        assignments::set_firm_advisor(conn, &[row.firm_id], Some(row.advisor_id), now)
            .ctx("set the demo firms' advisors")?;
    }
    let mut inserted: Vec<i64> = Vec::with_capacity(plan.followups.len());
    let mut n_followups = 0;
    for f in &plan.followups {
        let (Some(firm_id), Some(advisor_id)) = (firm(f.firm), advisor(f.advisor)) else {
            inserted.push(0);
            continue;
        };
        let created =
            at(f.happened_on) + chrono::Duration::days(i64::from(f.corrects.is_some()) * 90);
        let id = followups::insert(
            conn,
            &NewFollowup {
                firm_id,
                advisor_id: Some(advisor_id),
                happened_on: f.happened_on,
                kind: f.kind.to_string(),
                attendees: f.attendees.clone(),
                summary: f.summary.clone(),
                next_action: f.next_action.clone(),
                due_on: f.due_on,
                created_by: advisor_id,
                created_at: created,
                corrects_id: f.corrects.and_then(|k| inserted.get(k).copied()),
                updated_at: created,
            },
        )
        .ctx("seed follow-ups")?;
        inserted.push(id);
        n_followups += 1;
    }
    for id in firm_ids {
        followups::refresh_firm_contact(conn, *id).ctx("derive the demo firms' contacts")?;
    }
    let owner_of: std::collections::HashMap<usize, i64> = plan
        .assignments
        .iter()
        .filter(|a| a.ended_on.is_none())
        .filter_map(|a| advisor(a.advisor).map(|id| (a.firm, id)))
        .collect();
    let rows: Vec<NewIssue> = plan
        .issues
        .iter()
        .filter_map(|i| {
            let firm_id = firm(i.firm)?;
            Some(NewIssue {
                firm_id,
                category: i.category.to_string(),
                title: i.title.to_string(),
                detail: i.detail.clone(),
                owner_id: owner_of.get(&i.firm).copied(),
                status: i.status.to_string(),
                resolution: i.resolution.map(str::to_string),
                raised_by: owner_of.get(&i.firm).copied(),
                raised_on: i.raised_on,
                closed_on: i.closed_on,
                created_at: at(i.raised_on),
                updated_at: at(i.closed_on.unwrap_or(i.raised_on)),
            })
        })
        .collect();
    issues::insert_many(conn, &rows).ctx("seed issues")?;
    Ok((ended.len() + open.len(), n_followups, rows.len()))
}
