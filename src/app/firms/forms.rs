//! Change a firm's data from a form that was opened at a known version: its profile, a year of
//! figures, an IP item. Each checks territory through [`crate::app::access`] (outside it: not found;
//! read-only: forbidden) and the version the form carried (someone else changed the firm since:
//! `Conflict(StaleVersion)`), and writes nothing on any error.

use crate::app::access::{self, AccessSettings, FirmAccess};
use crate::app::error::{AppError, Conflict, StoreContext};
use crate::app::firms::record::RecordPatch;
use crate::app::firms::update::{update_firm, FactsUpdate, FirmUpdate};
use crate::app::model::AdvisorChoice;
use crate::app::principal::Principal;
use crate::app::{add_ip, save_firm_year, FirmYearInput, NewIpInput};
use crate::core::profile::RdManagement;
use crate::core::stage::{EventKind, Role};
use crate::store::firms::{self, Firm, IpFacts};
use crate::store::refdata::{self, County, Sector};
use crate::store::users::{self, Named};
use crate::store::years::{self, FirmYearRow};
use crate::store::{self, DbConn};
use chrono::NaiveDate;

/// The editable profile of a firm (the USCC is its identity and is not edited here).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EditFirmInput {
    /// Name.
    pub name: String,
    /// County code; must exist, and lie in the editor's territory.
    pub county_code: String,
    /// Sector code; must exist when given.
    pub sector_code: Option<String>,
    /// Date of registration.
    pub founded_on: Option<NaiveDate>,
    /// Assigned advisor (must be an active advisor); `None` leaves it as it is (a form that
    /// does not offer it), `Some(None)` clears it.
    pub advisor_id: Option<Option<i64>>,
    /// Contact person.
    pub contact_name: Option<String>,
    /// Contact phone.
    pub contact_phone: Option<String>,
    /// Contact email.
    pub contact_email: Option<String>,
    /// Head count.
    pub employees: Option<i32>,
    /// Technical staff.
    pub tech_staff: Option<i32>,
    /// GB/T 4754-2017 industry code; empty clears.
    pub industry_code: Option<String>,
    /// Core technology in a national key-supported field.
    pub key_field: Option<bool>,
    /// Owns IP that supports its main products.
    pub core_ip: Option<bool>,
    /// R&D organisation items.
    pub rd_management: RdManagement,
    /// IP facts.
    pub ip: IpFacts,
    /// The record flags and direct routes the form carried (staff forms only; `None` leaves
    /// them as they are).
    pub record: Option<RecordPatch>,
}

/// Everything a form about an existing firm shows besides the firm.
#[derive(Debug, Clone)]
pub struct EditContext {
    /// The firm as loaded (its version goes into the form).
    pub firm: Firm,
    /// What its menus offer.
    pub lists: ReferenceLists,
    /// The firm's years, oldest first.
    pub years: Vec<FirmYearRow>,
    /// The firm's IP items, in the order they were recorded.
    pub ip_items: Vec<crate::store::ip::IpItem>,
}

/// What a firm form's menus offer one principal: only choices the save then accepts from them.
#[derive(Debug, Clone, Default)]
pub struct ReferenceLists {
    /// The counties a firm may be registered in or moved to by the principal (and, editing,
    /// the firm's own).
    pub counties: Vec<County>,
    /// Every sector.
    pub sectors: Vec<Sector>,
    /// The advisors of the principal's territory (and, editing, the firm's own), when the
    /// principal may choose the advisor at all ([`ReferenceLists::choose_advisor`]).
    pub advisors: Vec<AdvisorChoice>,
    /// Whether the form offers the advisor: admins, bureau staff and county officers
    /// ([`Principal::can_assign_advisors`]); for the others the advisor stays as it is.
    pub choose_advisor: bool,
}

/// `Ok` when `p` may edit `firm`; `NotFound` outside the territory, `Forbidden` when read-only.
pub fn require_edit(conn: &mut DbConn, p: &Principal, firm: &Firm) -> Result<(), AppError> {
    let s = AccessSettings::load(conn, p)?;
    match access::firm_access(p, &s, firm) {
        FirmAccess::Hidden => Err(AppError::NotFound),
        FirmAccess::Read => Err(AppError::Forbidden),
        FirmAccess::Edit => Ok(()),
    }
}

/// What a firm form offers `p`: for a new firm (`firm` `None`) or about `firm`.
pub fn reference_lists(
    conn: &mut DbConn,
    p: &Principal,
    firm: Option<&Firm>,
) -> Result<ReferenceLists, AppError> {
    let all = refdata::counties(conn).ctx("load counties")?;
    let counties = all
        .iter()
        .filter(|c| p.can_create_firm_in(&c.code) || firm.is_some_and(|f| f.county_code == c.code))
        .cloned()
        .collect();
    let choose_advisor = p.can_assign_advisors();
    let mut advisors = Vec::new();
    if choose_advisor {
        let s = AccessSettings::load(conn, p)?;
        advisors = access::menus(conn, p, &s)?.advisors;
        // The firm's own advisor stays selectable (even one who left), so that saving the
        // form as shown never changes it.
        if let Some(current) = firm.and_then(|f| f.advisor_id) {
            if !advisors.iter().any(|a| a.id == current) {
                let named: Vec<Named> = users::find_many(conn, &[current])
                    .ctx("load the firm's advisor")?
                    .iter()
                    .map(Named::from)
                    .collect();
                advisors.extend(access::advisor_choices(p, &all, named));
            }
        }
    }
    Ok(ReferenceLists {
        counties,
        sectors: refdata::sectors(conn).ctx("load sectors")?,
        advisors,
        choose_advisor,
    })
}

/// What the new-firm form needs; `Forbidden` for roles that do not register firms.
pub fn create_context(conn: &mut DbConn, p: &Principal) -> Result<ReferenceLists, AppError> {
    if !matches!(p.role, Role::Admin | Role::Bureau | Role::County) {
        return Err(AppError::Forbidden);
    }
    reference_lists(conn, p, None)
}

/// What a form about firm `firm_id` needs, after checking that `p` may edit it.
pub fn edit_context(
    conn: &mut DbConn,
    p: &Principal,
    firm_id: i64,
) -> Result<EditContext, AppError> {
    let firm = firms::find_by_id(conn, firm_id).ctx("load firm for a form")?;
    require_edit(conn, p, &firm)?;
    let lists = reference_lists(conn, p, Some(&firm))?;
    let years = years::list_for_firm(conn, firm_id).ctx("load years for a form")?;
    let ip_items = crate::store::ip::list_for_firm(conn, firm_id).ctx("load IP for a form")?;
    Ok(EditContext {
        firm,
        lists,
        years,
        ip_items,
    })
}

/// The stage events `p` may offer on `firm`: allowed for the role, possible from the firm's
/// stage, and only where `p` acts on the firm at all.
pub fn available_events(p: &Principal, firm: &Firm) -> Vec<EventKind> {
    let Ok(stage) = firm.current_stage() else {
        return Vec::new();
    };
    if !p.can_act_on_firm(firm) {
        return Vec::new();
    }
    EventKind::ALL
        .into_iter()
        .filter(|k| k.allowed_for(p.role) && k.from_stages().contains(&stage))
        .collect()
}

/// Head-count problems, each naming its field (see [`crate::app::firms::update::count_errors`]).
pub use crate::app::firms::update::{count_errors, profile_errors};

/// Save the edit form: every field replaced, the facts included, if the firm is still at
/// `expected_version`. The same use case as the API's partial update ([`update_firm`]), so
/// both check territory, references and head counts alike and write nothing on any error.
pub fn replace_profile(
    conn: &mut DbConn,
    firm_id: i64,
    expected_version: i64,
    input: EditFirmInput,
    p: &Principal,
) -> Result<Firm, AppError> {
    let text = |v: Option<String>| Some(v.unwrap_or_default());
    update_firm(
        conn,
        firm_id,
        expected_version,
        FirmUpdate {
            name: Some(input.name),
            county_code: Some(input.county_code.trim().to_string()),
            sector_code: text(input.sector_code),
            founded_on: Some(input.founded_on),
            advisor_id: input.advisor_id,
            contact_name: text(input.contact_name),
            contact_phone: text(input.contact_phone),
            contact_email: text(input.contact_email),
            employees: Some(input.employees),
            tech_staff: Some(input.tech_staff),
            facts: Some(FactsUpdate {
                key_field: input.key_field,
                core_ip: input.core_ip,
                rd_management: input.rd_management,
                ip: input.ip,
            }),
            record: input.record,
            industry_code: text(input.industry_code),
        },
        p,
    )
}

/// Run `f` on firm `firm_id` in one transaction after checking that `p` may edit it and that
/// it is still at `expected_version`.
fn at_version<T>(
    conn: &mut DbConn,
    firm_id: i64,
    expected_version: i64,
    p: &Principal,
    f: impl FnOnce(&mut DbConn) -> Result<T, AppError>,
) -> Result<T, AppError> {
    store::write_tx(conn, |c| {
        let firm = firms::find_by_id(c, firm_id).ctx("load firm for a versioned change")?;
        require_edit(c, p, &firm)?;
        if firm.version != expected_version {
            return Err(AppError::Conflict(Conflict::StaleVersion));
        }
        f(c)
    })
}

/// [`save_firm_year`] from a form opened at `expected_version`.
pub fn save_year_at(
    conn: &mut DbConn,
    firm_id: i64,
    expected_version: i64,
    input: FirmYearInput,
    p: &Principal,
) -> Result<Firm, AppError> {
    at_version(conn, firm_id, expected_version, p, |c| {
        save_firm_year(c, firm_id, input, p)
    })
}

/// [`add_ip`] from a form opened at `expected_version`; returns the item's id.
pub fn add_ip_at(
    conn: &mut DbConn,
    firm_id: i64,
    expected_version: i64,
    input: NewIpInput,
    p: &Principal,
) -> Result<i64, AppError> {
    at_version(conn, firm_id, expected_version, p, |c| {
        add_ip(c, firm_id, input, p)
    })
}

/// [`update_ip`](crate::app::firms::ip::update_ip) from a form opened at `expected_version`.
pub fn update_ip_at(
    conn: &mut DbConn,
    firm_id: i64,
    expected_version: i64,
    (item_id, input): (i64, NewIpInput),
    p: &Principal,
) -> Result<(), AppError> {
    at_version(conn, firm_id, expected_version, p, |c| {
        crate::app::firms::ip::update_ip(c, firm_id, item_id, input, p)
    })
}

/// [`remove_ip`](crate::app::firms::ip::remove_ip) from a page shown at `expected_version`.
pub fn remove_ip_at(
    conn: &mut DbConn,
    firm_id: i64,
    expected_version: i64,
    item_id: i64,
    p: &Principal,
) -> Result<(), AppError> {
    at_version(conn, firm_id, expected_version, p, |c| {
        crate::app::firms::ip::remove_ip(c, firm_id, item_id, p)
    })
}

/// Firm `firm_id` for a stage-action form: `NotFound` outside `p`'s territory, `Forbidden`
/// when `p` fires no events on it.
pub fn action_context(conn: &mut DbConn, p: &Principal, firm_id: i64) -> Result<Firm, AppError> {
    let s = AccessSettings::load(conn, p)?;
    let firm = firms::find_by_id(conn, firm_id).ctx("load firm for an action")?;
    access::require_read(p, &s, &firm)?;
    if !p.can_act_on_firm(&firm) {
        return Err(AppError::Forbidden);
    }
    Ok(firm)
}
