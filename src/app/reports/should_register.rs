//! The "should register" list (应评尽评、应入尽入): firms that could climb today but have not
//! asked — prospects whose own figures already meet the tech-SME rules; reserve firms
//! without a tech-SME registration of their own in force (the reserve presumes one); and
//! reserve firms that meet the HTE rules with no HTE application in progress or waiting for
//! the national result. Most ready first, within the viewer's territory, filterable by county
//! and advisor.

use crate::app::access::{self, AccessSettings, Menus};
use crate::app::error::{AppError, StoreContext};
use crate::app::model::person_labels;
use crate::app::principal::Principal;
use crate::core::stage::Stage;
use crate::store::reports::{self, Candidate};
use crate::store::{users, DbConn};
use chrono::NaiveDate;
use std::collections::HashSet;

/// Why a firm is on the list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Why {
    /// Its figures meet the tech-SME rules; it holds no registration.
    TechSme,
    /// A reserve firm without a tech-SME registration of its own in force.
    RegistrationMissing,
    /// A reserve firm meeting the HTE rules that has not applied.
    HighTech,
}

impl Why {
    /// Stable id.
    pub fn id(self) -> &'static str {
        match self {
            Why::TechSme => "tech_sme",
            Why::RegistrationMissing => "registration_missing",
            Why::HighTech => "high_tech",
        }
    }

    /// The catalog key of its words.
    pub fn key(self) -> &'static str {
        match self {
            Why::TechSme => "should.why.tech_sme",
            Why::RegistrationMissing => "should.why.registration_missing",
            Why::HighTech => "should.why.high_tech",
        }
    }
}

/// One firm on the list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The firm.
    pub firm: Candidate,
    /// Why it is here.
    pub why: Why,
    /// Its advisor's name, told apart from namesakes.
    pub advisor: Option<String>,
}

/// What the list is narrowed to.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    /// One county.
    pub county: Option<String>,
    /// One advisor.
    pub advisor_id: Option<i64>,
}

/// The list with what its filters offer.
#[derive(Debug, Clone)]
pub struct Page {
    /// The firms, most ready first.
    pub entries: Vec<Entry>,
    /// The counties and advisors of the viewer's territory.
    pub menus: Menus,
}

/// The list for `p` on `today` with the filters' menus.
pub fn should_register_page(
    conn: &mut DbConn,
    p: &Principal,
    filter: &Filter,
    today: NaiveDate,
) -> Result<Page, AppError> {
    let settings = AccessSettings::load(conn, p)?;
    Ok(Page {
        entries: should_register(conn, p, filter, today)?,
        menus: access::menus(conn, p, &settings)?,
    })
}

/// The list for `p` on `today`, most ready first.
pub fn should_register(
    conn: &mut DbConn,
    p: &Principal,
    filter: &Filter,
    today: NaiveDate,
) -> Result<Vec<Entry>, AppError> {
    let settings = AccessSettings::load(conn, p)?;
    let scope = access::scope(p, &settings);
    let registered: HashSet<i64> = reports::holders_on(conn, "tech_sme", today)
        .ctx("load the tech-SME registrations in force")?
        .into_iter()
        .map(|h| h.firm_id)
        .collect();
    let applying: HashSet<i64> = reports::firms_applying(conn, "high_tech")
        .ctx("load the HTE applications")?
        .into_iter()
        .collect();
    let mut out = Vec::new();
    for f in reports::register_candidates(conn).ctx("load the candidates")? {
        if !scope.admits(f.id, &f.county_code, f.advisor_id)
            || filter.county.as_ref().is_some_and(|c| c != &f.county_code)
            || filter.advisor_id.is_some_and(|a| f.advisor_id != Some(a))
        {
            continue;
        }
        let eligible = f.next_eligible == Some(true);
        let why = if f.stage == Stage::Prospect.id() {
            eligible.then_some(Why::TechSme)
        } else if eligible && !applying.contains(&f.id) {
            Some(Why::HighTech)
        } else if !registered.contains(&f.id) {
            Some(Why::RegistrationMissing)
        } else {
            None
        };
        if let Some(why) = why {
            out.push(Entry {
                firm: f,
                why,
                advisor: None,
            });
        }
    }
    let mut ids: Vec<i64> = out.iter().filter_map(|e| e.firm.advisor_id).collect();
    ids.sort_unstable();
    ids.dedup();
    let people = users::find_many(conn, &ids).ctx("load the advisors")?;
    let labels = person_labels(
        people
            .iter()
            .map(|u| (u.id, u.display_name.as_str(), u.username.as_str())),
    );
    for e in &mut out {
        e.advisor = e.firm.advisor_id.and_then(|a| labels.get(&a).cloned());
    }
    Ok(out)
}
