//! Record an intellectual-property item of a firm.

use crate::app::error::{AppError, Conflict, StoreContext};
use crate::app::firms::derived::{recompute_in_tx, today};
use crate::app::principal::Principal;
use crate::core::error::{InputError, Text};
use crate::store::audit::{self, NewAuditEntry};
use crate::store::firms::{self, FirmChanges};
use crate::store::ip::{self, Acquisition, IpKind, NewIpItem};
use crate::store::{self, DbConn, StoreError};
use chrono::{NaiveDate, Utc};

/// An IP item to record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewIpInput {
    /// Kind.
    pub kind: IpKind,
    /// Registration number (unique per firm and kind).
    pub number: String,
    /// Title.
    pub title: String,
    /// Grant date.
    pub granted_on: Option<NaiveDate>,
    /// How obtained.
    pub acquisition: Acquisition,
    /// Already used in an HTE application.
    pub used_in_hte: bool,
}

/// Every problem of an IP item as typed, as of `today` (China), each naming its field: a
/// number and a title on one line each, a number at all, a grant date not in the future. A
/// form shows them all beside their fields; [`add_ip`] refuses the first.
pub fn item_errors(
    number: &str,
    title: &str,
    granted_on: Option<NaiveDate>,
    today: NaiveDate,
) -> Vec<InputError> {
    let mut out = Vec::new();
    let number = number.trim();
    if let Err(e) = crate::core::input::line("number", number) {
        out.push(e);
    } else if number.is_empty() {
        out.push(InputError::new(
            "number",
            "number_required",
            Text::new("app.firms.ip_number_required"),
        ));
    }
    if let Err(e) = crate::core::input::line("title", title) {
        out.push(e);
    }
    if let Some(d) = granted_on.filter(|d| *d > today) {
        out.push(InputError::new(
            "granted_on",
            "date_in_future",
            Text::new("input.date.future")
                .plain("date", d)
                .plain("today", today),
        ));
    }
    out
}

/// `input` checked (the first problem, as [`item_errors`] finds them) and made the row of
/// firm `firm_id`.
fn checked_item(firm_id: i64, input: &NewIpInput) -> Result<NewIpItem, AppError> {
    let number = input.number.trim().to_string();
    if let Some(e) = item_errors(&number, &input.title, input.granted_on, today())
        .into_iter()
        .next()
    {
        return Err(e.into());
    }
    Ok(NewIpItem {
        firm_id,
        kind: input.kind.id().to_string(),
        number,
        title: input.title.trim().to_string(),
        granted_on: input.granted_on,
        acquisition: input.acquisition.id().to_string(),
        used_in_hte: input.used_in_hte,
    })
}

/// A store result whose unique violation is the firm's item of the same kind and `number`.
fn or_duplicate<T>(
    r: Result<T, StoreError>,
    number: &str,
    what: &'static str,
) -> Result<T, AppError> {
    match r {
        Err(StoreError::Duplicate(_)) => Err(AppError::Conflict(Conflict::Duplicate {
            field: "ip_number",
            value: number.to_string(),
        })),
        other => other.ctx(what),
    }
}

/// One change to firm `firm_id`'s IP in one transaction: check that `principal` edits the
/// firm, bump its version, make the change (`change` returns its result and the audit row's
/// detail), write the audit row `action` and recompute the derived columns.
fn change_ip<T>(
    conn: &mut DbConn,
    firm_id: i64,
    principal: &Principal,
    action: &'static str,
    change: impl FnOnce(&mut DbConn) -> Result<(T, serde_json::Value), AppError>,
) -> Result<T, AppError> {
    store::write_tx(conn, |c| {
        let firm = firms::find_by_id(c, firm_id).ctx("load firm for an IP change")?;
        if !principal.can_edit_firm(&firm) {
            return Err(AppError::Forbidden);
        }
        let now = Utc::now().naive_utc();
        firms::update_with_version(c, firm_id, firm.version, &FirmChanges::default(), now)
            .ctx("bump firm version for an IP change")?;
        let (out, detail) = change(c)?;
        audit::record(
            c,
            &NewAuditEntry {
                actor_id: principal.user_id,
                actor_role: principal.role.id(),
                action,
                entity: "firm",
                entity_id: Some(firm_id),
                detail: detail.to_string(),
                at: now,
            },
        )
        .ctx("write audit row for an IP change")?;
        recompute_in_tx(c, firm_id, today())?;
        Ok(out)
    })
}

/// Record an IP item; returns its id. Bumps the firm's version, recomputes the derived
/// columns and writes an audit row in one transaction. The same kind and number twice is
/// `Conflict(Duplicate)`.
pub fn add_ip(
    conn: &mut DbConn,
    firm_id: i64,
    input: NewIpInput,
    principal: &Principal,
) -> Result<i64, AppError> {
    let new = checked_item(firm_id, &input)?;
    change_ip(conn, firm_id, principal, "add_ip", |c| {
        let id = or_duplicate(ip::insert(c, &new), &new.number, "insert IP item")?;
        let detail = serde_json::json!({"ip_id": id, "kind": new.kind, "number": new.number});
        Ok((id, detail))
    })
}

fn item_json(i: &ip::IpItem) -> serde_json::Value {
    serde_json::json!({
        "ip_id": i.id,
        "kind": i.kind,
        "number": i.number,
        "title": i.title,
        "granted_on": i.granted_on.map(|d| d.to_string()),
        "acquisition": i.acquisition,
        "used_in_hte": i.used_in_hte,
    })
}

/// Change IP item `item_id` of firm `firm_id` to `input`. One transaction: check the editor,
/// bump the firm's version, save, write the audit row with the item before and after, and
/// recompute the derived columns. Another firm's item is `NotFound`; the kind and number of
/// another item of the firm `Conflict(Duplicate)`.
pub fn update_ip(
    conn: &mut DbConn,
    firm_id: i64,
    item_id: i64,
    input: NewIpInput,
    principal: &Principal,
) -> Result<(), AppError> {
    let new = checked_item(firm_id, &input)?;
    change_ip(conn, firm_id, principal, "update_ip", |c| {
        let before = ip::find_for_firm(c, firm_id, item_id).ctx("load the IP item")?;
        or_duplicate(ip::update(c, item_id, &new), &new.number, "update IP item")?;
        let after = ip::find_for_firm(c, firm_id, item_id).ctx("reload the IP item")?;
        let detail = serde_json::json!({"before": item_json(&before), "after": item_json(&after)});
        Ok(((), detail))
    })
}

/// Remove IP item `item_id` of firm `firm_id`; the audit row keeps what it was. Otherwise as
/// [`update_ip`].
pub fn remove_ip(
    conn: &mut DbConn,
    firm_id: i64,
    item_id: i64,
    principal: &Principal,
) -> Result<(), AppError> {
    change_ip(conn, firm_id, principal, "remove_ip", |c| {
        let before = ip::find_for_firm(c, firm_id, item_id).ctx("load the IP item")?;
        ip::delete(c, firm_id, item_id).ctx("remove IP item")?;
        Ok(((), serde_json::json!({"before": item_json(&before)})))
    })
}
