//! Intellectual property items of a firm.

use super::dialect::{any_of, table_fns};
use super::schema::firm_ip;
use super::{DbConn, StoreError};
use chrono::NaiveDate;
use diesel::dsl::count_star;
use diesel::prelude::*;

/// Kinds of IP, in the HTE rules' two classes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IpKind {
    /// 发明专利 (class I).
    InventionPatent,
    /// 植物新品种 (class I).
    PlantVariety,
    /// 农作物品种 (class I).
    CropVariety,
    /// 国家新药 (class I).
    NewDrug,
    /// 国家一级中药保护品种 (class I).
    TcmProtected,
    /// 集成电路布图设计专有权 (class I).
    IcLayout,
    /// 实用新型专利 (class II).
    UtilityModel,
    /// 外观设计专利 (class II).
    Design,
    /// 软件著作权 (class II).
    SoftwareCopyright,
}

impl IpKind {
    /// Every kind.
    pub const ALL: [IpKind; 9] = [
        IpKind::InventionPatent,
        IpKind::PlantVariety,
        IpKind::CropVariety,
        IpKind::NewDrug,
        IpKind::TcmProtected,
        IpKind::IcLayout,
        IpKind::UtilityModel,
        IpKind::Design,
        IpKind::SoftwareCopyright,
    ];

    /// Stable id as stored.
    pub fn id(self) -> &'static str {
        match self {
            IpKind::InventionPatent => "invention_patent",
            IpKind::PlantVariety => "plant_variety",
            IpKind::CropVariety => "crop_variety",
            IpKind::NewDrug => "new_drug",
            IpKind::TcmProtected => "tcm_protected",
            IpKind::IcLayout => "ic_layout",
            IpKind::UtilityModel => "utility_model",
            IpKind::Design => "design",
            IpKind::SoftwareCopyright => "software_copyright",
        }
    }

    /// Parse a stable id.
    pub fn parse(s: &str) -> Option<IpKind> {
        IpKind::ALL.into_iter().find(|k| k.id() == s)
    }

    /// Whether the HTE rules count it in class I (class II otherwise).
    pub fn is_class_one(self) -> bool {
        !matches!(
            self,
            IpKind::UtilityModel | IpKind::Design | IpKind::SoftwareCopyright
        )
    }
}

/// How the firm obtained an item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Acquisition {
    /// Own R&D.
    Own,
    /// Transferred, gifted or merged in.
    Transferred,
}

impl Acquisition {
    /// Stable id as stored.
    pub fn id(self) -> &'static str {
        match self {
            Acquisition::Own => "own",
            Acquisition::Transferred => "transferred",
        }
    }

    /// Parse a stable id.
    pub fn parse(s: &str) -> Option<Acquisition> {
        match s {
            "own" => Some(Acquisition::Own),
            "transferred" => Some(Acquisition::Transferred),
            _ => None,
        }
    }
}

/// An IP item as stored.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = firm_ip, check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct IpItem {
    /// Id.
    pub id: i64,
    /// Firm.
    pub firm_id: i64,
    /// [`IpKind`] id.
    pub kind: String,
    /// Registration number.
    pub number: String,
    /// Title.
    pub title: String,
    /// Grant date.
    pub granted_on: Option<NaiveDate>,
    /// [`Acquisition`] id.
    pub acquisition: String,
    /// Already used in an HTE application (class II items count only once).
    pub used_in_hte: bool,
}

/// An item to insert.
#[derive(Debug, Clone, PartialEq, Eq, Insertable)]
#[diesel(table_name = firm_ip)]
pub struct NewIpItem {
    /// Firm.
    pub firm_id: i64,
    /// [`IpKind`] id.
    pub kind: String,
    /// Registration number.
    pub number: String,
    /// Title.
    pub title: String,
    /// Grant date.
    pub granted_on: Option<NaiveDate>,
    /// [`Acquisition`] id.
    pub acquisition: String,
    /// Already used in an HTE application.
    pub used_in_hte: bool,
}

table_fns! {
    /// Insert an item and return its id; the same kind and number twice is `Duplicate("ip_number")`.
    insert firm_ip, NewIpItem
}

/// A firm's items in insertion order.
pub fn list_for_firm(conn: &mut DbConn, firm_id: i64) -> Result<Vec<IpItem>, StoreError> {
    Ok(firm_ip::table
        .filter(firm_ip::firm_id.eq(firm_id))
        .order(firm_ip::id.asc())
        .select(IpItem::as_select())
        .load(conn)?)
}

/// Mark items as used in an HTE application.
pub fn mark_used_in_hte(conn: &mut DbConn, firm_id: i64, ids: &[i64]) -> Result<usize, StoreError> {
    Ok(diesel::update(
        firm_ip::table
            .filter(firm_ip::firm_id.eq(firm_id))
            .filter(firm_ip::id.eq_any(ids)),
    )
    .set(firm_ip::used_in_hte.eq(true))
    .execute(conn)?)
}

/// How many items of a kind, acquisition and use a firm has: the grouped counts the profile
/// is built from.
#[derive(Debug, Clone, PartialEq, Eq, Queryable)]
pub struct IpCount {
    /// Firm.
    pub firm_id: i64,
    /// [`IpKind`] id.
    pub kind: String,
    /// [`Acquisition`] id.
    pub acquisition: String,
    /// Used in an HTE application.
    pub used_in_hte: bool,
    /// Number of items.
    pub count: i64,
}

/// Grouped counts for one firm, or for every firm when `firm_id` is `None`.
pub fn counts(conn: &mut DbConn, firm_id: Option<i64>) -> Result<Vec<IpCount>, StoreError> {
    grouped_counts(conn, firm_id.as_ref().map(std::slice::from_ref))
}

/// The grouped counts of `items` (one firm's, as [`list_for_firm`] gave them), as [`counts`]
/// would read them: a page that shows the items needs no second statement for their counts.
pub fn counts_of(items: &[IpItem]) -> Vec<IpCount> {
    let mut groups: std::collections::BTreeMap<(i64, &str, &str, bool), i64> =
        std::collections::BTreeMap::new();
    for i in items {
        *groups
            .entry((i.firm_id, &i.kind, &i.acquisition, i.used_in_hte))
            .or_default() += 1;
    }
    groups
        .into_iter()
        .map(
            |((firm_id, kind, acquisition, used_in_hte), count)| IpCount {
                firm_id,
                kind: kind.to_string(),
                acquisition: acquisition.to_string(),
                used_in_hte,
                count,
            },
        )
        .collect()
}

/// Grouped counts of the firms `ids` (for a list that evaluates a batch of firms).
pub fn counts_for_firms(conn: &mut DbConn, ids: &[i64]) -> Result<Vec<IpCount>, StoreError> {
    grouped_counts(conn, Some(ids))
}

/// The IP rows of the firms `ids` (all firms: `None`) grouped by firm, kind, acquisition and
/// HTE use, with their counts.
fn grouped_counts(conn: &mut DbConn, ids: Option<&[i64]>) -> Result<Vec<IpCount>, StoreError> {
    let mut q = firm_ip::table
        .group_by((
            firm_ip::firm_id,
            firm_ip::kind,
            firm_ip::acquisition,
            firm_ip::used_in_hte,
        ))
        .select((
            firm_ip::firm_id,
            firm_ip::kind,
            firm_ip::acquisition,
            firm_ip::used_in_hte,
            count_star(),
        ))
        .into_boxed();
    q = match ids {
        Some([id]) => q.filter(firm_ip::firm_id.eq(*id)),
        Some(ids) => q.filter(any_of(firm_ip::firm_id, ids.iter().copied())),
        None => q,
    };
    Ok(q.load(conn)?)
}

/// The item `id` of firm `firm_id` (`NotFound` for another firm's item).
pub fn find_for_firm(conn: &mut DbConn, firm_id: i64, id: i64) -> Result<IpItem, StoreError> {
    Ok(firm_ip::table
        .find(id)
        .filter(firm_ip::firm_id.eq(firm_id))
        .select(IpItem::as_select())
        .get_result(conn)?)
}

/// Replace item `id`'s fields with `item`'s (its firm stays); the same kind and number as
/// another item of the firm is `Duplicate("ip_number")`.
pub fn update(conn: &mut DbConn, id: i64, item: &NewIpItem) -> Result<(), StoreError> {
    let n = diesel::update(
        firm_ip::table
            .find(id)
            .filter(firm_ip::firm_id.eq(item.firm_id)),
    )
    .set((
        firm_ip::kind.eq(&item.kind),
        firm_ip::number.eq(&item.number),
        firm_ip::title.eq(&item.title),
        firm_ip::granted_on.eq(item.granted_on),
        firm_ip::acquisition.eq(&item.acquisition),
        firm_ip::used_in_hte.eq(item.used_in_hte),
    ))
    .execute(conn)?;
    if n == 1 {
        Ok(())
    } else {
        Err(StoreError::NotFound)
    }
}

/// Remove item `id` of firm `firm_id`.
pub fn delete(conn: &mut DbConn, firm_id: i64, id: i64) -> Result<(), StoreError> {
    let n = diesel::delete(firm_ip::table.find(id).filter(firm_ip::firm_id.eq(firm_id)))
        .execute(conn)?;
    if n == 1 {
        Ok(())
    } else {
        Err(StoreError::NotFound)
    }
}
