//! Bulk import of firm registries (issue 15, part 6): a file read into a grid
//! ([`read`]), the grid into firm records ([`crate::core::registry`]), the records compared
//! with the database ([`plan`]: new, updated field by field, unchanged, rejected), and, unless
//! it is a dry run, written in one transaction ([`import_firms`]).
//!
//! The commit is all-or-nothing: a file with any rejected row writes nothing unless
//! `skip_bad_rows` is set, and then the good rows are written and the report says which were
//! skipped. New firms are created as prospects; existing firms keep their stage (an import
//! records data, it fires no stage event), get the fields the file gives (a blank cell never
//! clears a stored value), one version bump and one audit row each. The derived columns
//! (next stage, eligibility, readiness) are written in the same transaction. A firm the file
//! leaves as it is gets no write at all, so importing the same file twice changes nothing.

pub mod announce;
pub mod read;
pub mod runs;
pub mod samples;

use crate::app::error::{AppError, StoreContext};
use crate::app::firms::derived::{derive, recompute_in_tx, today};
use crate::app::principal::Principal;
use crate::core::error::Text;
use crate::core::money::Fen;
use crate::core::profile::FirmYear;
use crate::core::registry::headers::Field;
use crate::core::registry::{self, Column, CountyName, FirmRecord, RowError};
use crate::core::stage::{Role, Stage};
use crate::store::audit::{self, NewAuditEntry};
use crate::store::firms::{self, DeclaredIp, Firm, FirmChanges, FirmFacts};
use crate::store::registry::{self as reg, NewImportedFirm};
use crate::store::years::{self, FirmYearRow};
use crate::store::{self, profile, refdata, settings, DbConn};
use chrono::Utc;
use std::collections::{HashMap, HashSet};

/// How to run an import.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ImportOptions {
    /// Compare and report, write nothing.
    pub dry_run: bool,
    /// Write the good rows even when some are rejected (and report the rejected ones).
    pub skip_bad_rows: bool,
}

/// One field an import changes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldChange {
    /// The field.
    pub field: Field,
    /// The fiscal year of a yearly figure.
    pub year: Option<i32>,
    /// The stored value, as shown (empty: none).
    pub before: String,
    /// The file's value, as shown.
    pub after: String,
}

impl FieldChange {
    /// The field's words (`import.field.<id>`), with its year in front when it has one.
    pub fn label(&self) -> Text {
        field_text(self.field)
    }
}

/// What an import does to one firm.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Not stored yet: created as a prospect.
    New,
    /// Stored: these fields change.
    Updated(Vec<FieldChange>),
}

/// A firm the import creates or changes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FirmOutcome {
    /// The first row it was read from (1-based).
    pub row: usize,
    /// Its code.
    pub uscc: String,
    /// Its name (the file's, else the stored one).
    pub name: String,
    /// New or updated.
    pub outcome: Outcome,
}

/// Where an import is, for a progress bar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Comparing the file's firms with the database.
    Checking,
    /// Writing.
    Writing,
}

/// The report of an import (or of its dry run).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportReport {
    /// The columns read, with their fields.
    pub columns: Vec<Column>,
    /// Headers not recognised (ignored).
    pub ignored_headers: Vec<String>,
    /// Data rows read (blank and totals rows aside).
    pub data_rows: usize,
    /// Totals rows recognised and skipped (1-based).
    pub totals_rows: Vec<usize>,
    /// Rejected rows (1-based, sorted).
    pub rejected_rows: Vec<usize>,
    /// Every problem, by row.
    pub errors: Vec<RowError>,
    /// Firms created or changed (or that would be, in a dry run), in file order.
    pub changes: Vec<FirmOutcome>,
    /// How many firms are new.
    pub new: usize,
    /// How many stored firms change.
    pub updated: usize,
    /// How many stored firms the file leaves as they are.
    pub unchanged: usize,
    /// Whether anything was written.
    pub committed: bool,
    /// Whether this was a dry run.
    pub dry_run: bool,
}

impl ImportReport {
    /// Whether rows were rejected and, because of them, nothing was written.
    pub fn refused(&self) -> bool {
        !self.dry_run && !self.rejected_rows.is_empty() && !self.committed
    }
}

/// The words of a field: `import.field.<id>`.
pub fn field_text(field: Field) -> Text {
    Text::new(match field {
        Field::Serial => "import.field.serial",
        Field::Uscc => "import.field.uscc",
        Field::Name => "import.field.name",
        Field::County => "import.field.county",
        Field::FoundedOn => "import.field.founded_on",
        Field::Employees => "import.field.employees",
        Field::TechStaff => "import.field.tech_staff",
        Field::ContactName => "import.field.contact_name",
        Field::ContactPhone => "import.field.contact_phone",
        Field::IndustryCode => "import.field.industry_code",
        Field::InventionPatents => "import.field.invention_patents",
        Field::UtilityModels => "import.field.utility_models",
        Field::Designs => "import.field.designs",
        Field::SoftwareCopyrights => "import.field.software_copyrights",
        Field::Year => "import.field.year",
        Field::Revenue => "import.field.revenue",
        Field::RdExpense => "import.field.rd_expense",
        Field::HighTechRevenue => "import.field.high_tech_revenue",
        Field::TotalIncome => "import.field.total_income",
        Field::TotalCost => "import.field.total_cost",
        Field::TotalAssets => "import.field.total_assets",
        Field::NetAssets => "import.field.net_assets",
    })
}

/// Import the registry in `bytes` (CSV or XLSX, detected) as `principal`: bureau staff and
/// admins anywhere, county officers only for firms of their county (rows of another county
/// are rejected; a new firm without a county is placed in theirs). `progress` hears where the
/// import is (phase, done, total).
pub fn import_firms(
    conn: &mut DbConn,
    bytes: &[u8],
    options: ImportOptions,
    principal: &Principal,
    progress: &mut dyn FnMut(Phase, usize, usize),
) -> Result<ImportReport, AppError> {
    if !matches!(
        principal.role,
        Role::Admin | Role::Bureau | Role::County | Role::System
    ) {
        return Err(AppError::Forbidden);
    }
    let grid = read::grid(bytes).map_err(|t| AppError::bad_input("file", "unreadable", t))?;
    let counties: Vec<CountyName> = refdata::counties(conn)
        .ctx("list counties for an import")?
        .into_iter()
        .map(|c| CountyName {
            code: c.code,
            name_zh: c.name_zh,
            name_en: c.name_en,
        })
        .collect();
    let parsed = registry::parse(
        &grid,
        &registry::Context {
            counties: &counties,
            today: today(),
        },
    );
    drop(grid);
    let mut report = ImportReport {
        columns: parsed
            .layout
            .as_ref()
            .map(|l| l.columns.clone())
            .unwrap_or_default(),
        ignored_headers: parsed
            .layout
            .as_ref()
            .map(|l| l.ignored.clone())
            .unwrap_or_default(),
        data_rows: parsed.data_rows,
        totals_rows: parsed.totals_rows,
        rejected_rows: parsed.rejected_rows,
        errors: parsed.errors,
        dry_run: options.dry_run,
        ..ImportReport::default()
    };
    if parsed.layout.is_none() {
        return Ok(report);
    }
    let records = parsed.firms;
    if options.dry_run {
        let plan = plan(conn, records, principal, &mut report, progress)?;
        finish_rejections(&mut report);
        report.changes = plan.outcomes();
        return Ok(report);
    }
    store::bulk_write_tx(conn, |c| {
        let plan = plan(c, records, principal, &mut report, progress)?;
        finish_rejections(&mut report);
        report.changes = plan.outcomes();
        if !report.rejected_rows.is_empty() && !options.skip_bad_rows {
            return Ok(());
        }
        if plan.is_empty() {
            return Ok(());
        }
        apply(c, &plan, principal, progress)?;
        report.committed = true;
        Ok::<(), AppError>(())
    })?;
    Ok(report)
}

fn finish_rejections(report: &mut ImportReport) {
    report.rejected_rows.sort_unstable();
    report.rejected_rows.dedup();
    report.errors.sort_by_key(|e| e.row);
}

/// One firm to write.
struct Planned {
    record: FirmRecord,
    /// The stored firm, for an update.
    stored: Option<StoredFirm>,
    county_code: String,
    name: String,
    changes: Vec<FieldChange>,
    /// The years to write, whole (the file's figures over the stored ones).
    years: Vec<FirmYearRow>,
    /// The facts JSON to write, when it changes.
    facts: Option<String>,
}

/// What an update needs of the stored firm: which row, at which version.
#[derive(Clone, Copy)]
struct StoredFirm {
    id: i64,
    version: i64,
}

struct Plan {
    items: Vec<Planned>,
}

impl Plan {
    fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    fn outcomes(&self) -> Vec<FirmOutcome> {
        self.items
            .iter()
            .map(|p| FirmOutcome {
                row: p.record.row,
                uscc: p.record.uscc.to_string(),
                name: p.name.clone(),
                outcome: if p.stored.is_some() {
                    Outcome::Updated(p.changes.clone())
                } else {
                    Outcome::New
                },
            })
            .collect()
    }
}

fn whole_row_error(
    rec: &FirmRecord,
    field: Field,
    value: String,
    code: &'static str,
    text: Text,
) -> RowError {
    RowError {
        row: rec.row,
        column: String::new(),
        header: field.id().to_string(),
        value,
        text,
        code,
    }
}

fn shown_fen(v: Option<i64>) -> String {
    v.map(|f| Fen(f).wan_text()).unwrap_or_default()
}

fn shown<T: ToString>(v: Option<T>) -> String {
    v.map(|x| x.to_string()).unwrap_or_default()
}

/// Compare the records with the database: each becomes new, updated (with its changes),
/// unchanged (counted, dropped) or rejected (its rows and errors added to `report`).
fn plan(
    conn: &mut DbConn,
    records: Vec<FirmRecord>,
    principal: &Principal,
    report: &mut ImportReport,
    progress: &mut dyn FnMut(Phase, usize, usize),
) -> Result<Plan, AppError> {
    let total = records.len();
    progress(Phase::Checking, 0, total);
    let codes: Vec<&str> = records.iter().map(|r| r.uscc.as_str()).collect();
    let stored = reg::firms_by_uscc(conn, &codes).ctx("look up the file's firms")?;
    let ids: Vec<i64> = stored.values().map(|f| f.id).collect();
    let mut stored_years = reg::years_of(conn, &ids).ctx("read the file's firms' years")?;
    let own_county = match principal.role {
        Role::County => principal.county_code.clone(),
        _ => None,
    };
    let mut items = Vec::with_capacity(total);
    for (i, rec) in records.into_iter().enumerate() {
        if i % 1000 == 0 {
            progress(Phase::Checking, i, total);
        }
        let firm = stored.get(rec.uscc.as_str());
        let mut errors = Vec::new();
        // Territory: a county officer imports the firms of their county only.
        if let Some(own) = &own_county {
            let county = rec
                .county_code
                .clone()
                .or_else(|| firm.map(|f| f.county_code.clone()));
            let outside = county.as_ref().is_some_and(|c| c != own)
                || firm.is_some_and(|f| &f.county_code != own);
            if outside {
                errors.push(whole_row_error(
                    &rec,
                    Field::County,
                    county.unwrap_or_default(),
                    "outside_territory",
                    Text::new("import.error.outside_territory").plain("county", own),
                ));
            }
        }
        let county_code = match (&rec.county_code, firm, &own_county) {
            (Some(c), _, _) => Some(c.clone()),
            (None, Some(f), _) => Some(f.county_code.clone()),
            (None, None, Some(own)) => Some(own.clone()),
            (None, None, None) => None,
        };
        let name = rec.name.clone().or_else(|| firm.map(|f| f.name.clone()));
        if firm.is_none() {
            if county_code.is_none() {
                errors.push(whole_row_error(
                    &rec,
                    Field::County,
                    String::new(),
                    "county_required",
                    Text::new("import.error.county_required"),
                ));
            }
            if name.is_none() {
                errors.push(whole_row_error(
                    &rec,
                    Field::Name,
                    String::new(),
                    "name_required",
                    Text::new("import.error.name_required"),
                ));
            }
        }
        // Head counts as they will stand.
        let employees = rec
            .employees
            .map(|n| i32::try_from(n).unwrap_or(i32::MAX))
            .or_else(|| firm.and_then(|f| f.employees));
        let tech = rec
            .tech_staff
            .map(|n| i32::try_from(n).unwrap_or(i32::MAX))
            .or_else(|| firm.and_then(|f| f.tech_staff));
        for e in crate::app::firms::update::count_errors(employees, tech) {
            errors.push(whole_row_error(
                &rec,
                Field::TechStaff,
                shown(tech),
                e.code,
                e.text,
            ));
        }
        // Years as they will stand: the file's figures over the stored ones.
        let firm_years = firm
            .and_then(|f| stored_years.remove(&f.id))
            .unwrap_or_default();
        let mut changes = Vec::new();
        let mut years_out = Vec::new();
        for (year, y) in &rec.years {
            let before = firm_years.iter().find(|r| r.year == *year);
            let old = before.cloned().unwrap_or(FirmYearRow {
                firm_id: firm.map_or(0, |f| f.id),
                year: *year,
                revenue: None,
                rd_expense: None,
                rd_expense_domestic: None,
                high_tech_revenue: None,
                total_cost: None,
                total_assets: None,
                net_assets: None,
                total_income: None,
                conversions: None,
            });
            let mut merged = old.clone();
            let f = &y.figures;
            let pairs: [(Field, Option<Fen>, &mut Option<i64>); 7] = [
                (Field::Revenue, f.revenue, &mut merged.revenue),
                (Field::RdExpense, f.rd_expense, &mut merged.rd_expense),
                (
                    Field::HighTechRevenue,
                    f.high_tech_revenue,
                    &mut merged.high_tech_revenue,
                ),
                (Field::TotalIncome, f.total_income, &mut merged.total_income),
                (Field::TotalCost, f.total_cost, &mut merged.total_cost),
                (Field::TotalAssets, f.total_assets, &mut merged.total_assets),
                (Field::NetAssets, f.net_assets, &mut merged.net_assets),
            ];
            let mut year_changed = before.is_none() && firm.is_some();
            for (field, new, slot) in pairs {
                let Some(new) = new else { continue };
                if *slot != Some(new.0) {
                    // A new firm's report says "new", not its fields (nor do its IP counts).
                    if firm.is_some() {
                        changes.push(FieldChange {
                            field,
                            year: Some(*year),
                            before: shown_fen(*slot),
                            after: new.wan_text(),
                        });
                    }
                    *slot = Some(new.0);
                    year_changed = true;
                }
            }
            if year_changed || firm.is_none() {
                for e in merged.to_core().problems("") {
                    errors.push(whole_row_error(
                        &rec,
                        Field::Year,
                        year.to_string(),
                        e.code,
                        e.text,
                    ));
                }
                years_out.push(merged);
            }
        }
        if !errors.is_empty() {
            report.rejected_rows.extend(rec.rows.iter().copied());
            report.errors.extend(errors);
            continue;
        }
        let (Some(county_code), Some(name)) = (county_code, name) else {
            continue;
        };
        // Facts: the declared IP counts.
        let mut facts_out = None;
        let mut facts = match firm {
            Some(f) => f.parsed_facts().ctx("read stored facts")?,
            None => FirmFacts::default(),
        };
        if rec.ip.any() {
            let old = facts.declared_ip.unwrap_or_default();
            let mut d = old;
            let ip_pairs: [(Field, Option<u32>, &mut Option<u32>); 4] = [
                (
                    Field::InventionPatents,
                    rec.ip.invention_patents,
                    &mut d.invention_patents,
                ),
                (
                    Field::UtilityModels,
                    rec.ip.utility_models,
                    &mut d.utility_models,
                ),
                (Field::Designs, rec.ip.designs, &mut d.designs),
                (
                    Field::SoftwareCopyrights,
                    rec.ip.software_copyrights,
                    &mut d.software_copyrights,
                ),
            ];
            for (field, new, slot) in ip_pairs {
                let Some(new) = new else { continue };
                if *slot != Some(new) {
                    if firm.is_some() {
                        changes.push(FieldChange {
                            field,
                            year: None,
                            before: shown(*slot),
                            after: new.to_string(),
                        });
                    }
                    *slot = Some(new);
                }
            }
            if d != old || facts.declared_ip.is_none() {
                facts.declared_ip = Some(DeclaredIp { ..d });
                facts_out = Some(facts.to_json());
            }
        }
        match firm {
            None => {
                items.push(Planned {
                    record: rec,
                    stored: None,
                    county_code,
                    name,
                    changes: Vec::new(),
                    years: years_out,
                    // Only what the file gave: the other facts read as unknown from `{}`,
                    // as from the full default (a tenth of the bytes for 100,000 firms).
                    facts: Some(match facts.declared_ip {
                        Some(d) => serde_json::json!({ "declared_ip": d }).to_string(),
                        None => "{}".to_string(),
                    }),
                });
            }
            Some(f) => {
                let mut firm_changes = Vec::new();
                let text_change = |field: Field, new: &Option<String>, old: &Option<String>| {
                    new.as_ref()
                        .filter(|n| Some(*n) != old.as_ref())
                        .map(|n| FieldChange {
                            field,
                            year: None,
                            before: old.clone().unwrap_or_default(),
                            after: n.clone(),
                        })
                };
                firm_changes.extend(text_change(Field::Name, &rec.name, &Some(f.name.clone())));
                firm_changes.extend(text_change(
                    Field::County,
                    &rec.county_code,
                    &Some(f.county_code.clone()),
                ));
                firm_changes.extend(text_change(
                    Field::ContactName,
                    &rec.contact_name,
                    &f.contact_name,
                ));
                firm_changes.extend(text_change(
                    Field::ContactPhone,
                    &rec.contact_phone,
                    &f.contact_phone,
                ));
                firm_changes.extend(text_change(
                    Field::IndustryCode,
                    &rec.industry_code,
                    &f.industry_code,
                ));
                if let Some(d) = rec.founded_on.filter(|d| Some(*d) != f.founded_on) {
                    firm_changes.push(FieldChange {
                        field: Field::FoundedOn,
                        year: None,
                        before: shown(f.founded_on),
                        after: d.to_string(),
                    });
                }
                for (field, new, old) in [
                    (Field::Employees, rec.employees, f.employees),
                    (Field::TechStaff, rec.tech_staff, f.tech_staff),
                ] {
                    if let Some(n) = new.filter(|n| i32::try_from(*n).ok() != old) {
                        firm_changes.push(FieldChange {
                            field,
                            year: None,
                            before: shown(old),
                            after: n.to_string(),
                        });
                    }
                }
                firm_changes.append(&mut changes);
                if firm_changes.is_empty() {
                    report.unchanged += 1;
                    continue;
                }
                items.push(Planned {
                    record: rec,
                    stored: Some(StoredFirm {
                        id: f.id,
                        version: f.version,
                    }),
                    county_code,
                    name,
                    changes: firm_changes,
                    years: years_out,
                    facts: facts_out,
                });
            }
        }
    }
    report.new = items.iter().filter(|p| p.stored.is_none()).count();
    report.updated = items.len() - report.new;
    progress(Phase::Checking, total, total);
    Ok(Plan { items })
}

/// Above this many updated firms, the derived columns are recomputed from one read of every
/// profile rather than firm by firm.
const RESCORE_ALL_ABOVE: usize = 2_000;

/// From this many new firms on, the planner's statistics are refreshed in the same
/// transaction (see [`reg::analyze`]).
const ANALYZE_FROM: usize = 1_000;

/// New firms written per batch, with their years and audit rows (each batch reports
/// progress; the statements inside keep their own sizes).
const WRITE_BATCH: usize = 2_000;

/// Write the plan inside the caller's transaction.
fn apply(
    conn: &mut DbConn,
    plan: &Plan,
    principal: &Principal,
    progress: &mut dyn FnMut(Phase, usize, usize),
) -> Result<(), AppError> {
    let total = plan.items.len();
    progress(Phase::Writing, 0, total);
    let now = Utc::now().naive_utc();
    let as_of = today();
    let thresholds = settings::thresholds(conn).ctx("load thresholds for an import")?;
    let role = principal.role.id();

    // New firms a batch at a time: the firms, then their years and audit rows. Memory stays
    // the size of a batch, and a long import's progress moves as it writes. Many new firms
    // go in without the table's secondary indexes, built again once they are all in.
    let new: Vec<&Planned> = plan.items.iter().filter(|p| p.stored.is_none()).collect();
    let suspended = reg::suspend_firm_indexes(conn, new.len())
        .ctx("drop the firm indexes for a bulk insert")?;
    let mut rows = Vec::with_capacity(WRITE_BATCH);
    let mut new_years = Vec::new();
    let mut audits = Vec::with_capacity(WRITE_BATCH);
    let mut done = 0;
    for batch in new.chunks(WRITE_BATCH) {
        rows.clear();
        for p in batch {
            rows.push(new_firm_row(p, &thresholds, as_of, now)?);
        }
        let ids = reg::insert_firms(conn, &rows).ctx("insert imported firms")?;
        // The firms are about half of a batch's work; their years and audit rows the rest.
        progress(Phase::Writing, done + batch.len() / 2, total);
        new_years.clear();
        audits.clear();
        for p in batch {
            let code = p.record.uscc.as_str();
            let id = *ids
                .get(code)
                .ok_or_else(|| anyhow::anyhow!("imported firm {code} not found after insert"))?;
            new_years.extend(p.years.iter().map(|y| FirmYearRow {
                firm_id: id,
                ..y.clone()
            }));
            audits.push(NewAuditEntry {
                actor_id: principal.user_id,
                actor_role: role,
                action: "import_create_firm",
                entity: "firm",
                entity_id: Some(id),
                detail: serde_json::json!({"uscc": code, "name": p.name,
                    "county_code": p.county_code, "row": p.record.row})
                .to_string(),
                at: now,
            });
        }
        years::insert_many(conn, &new_years).ctx("insert imported years")?;
        audit::record_many(conn, &audits).ctx("write the import's audit rows")?;
        done += batch.len();
        progress(Phase::Writing, done, total);
    }
    if let Some(s) = suspended {
        s.rebuild(conn).ctx("build the firm indexes again")?;
    }

    // Stored firms that change: the fields the file changes, their years, an audit row each.
    audits.clear();
    let mut touched = Vec::new();
    for p in &plan.items {
        let Some(f) = p.stored else { continue };
        let code = p.record.uscc.as_str();
        let has = |field: Field| {
            p.changes
                .iter()
                .any(|c| c.field == field && c.year.is_none())
        };
        let r = &p.record;
        let changes = FirmChanges {
            name: r.name.clone().filter(|_| has(Field::Name)),
            county_code: r.county_code.clone().filter(|_| has(Field::County)),
            founded_on: r.founded_on.filter(|_| has(Field::FoundedOn)).map(Some),
            contact_name: r
                .contact_name
                .clone()
                .filter(|_| has(Field::ContactName))
                .map(Some),
            contact_phone: r
                .contact_phone
                .clone()
                .filter(|_| has(Field::ContactPhone))
                .map(Some),
            industry_code: r
                .industry_code
                .clone()
                .filter(|_| has(Field::IndustryCode))
                .map(Some),
            employees: r
                .employees
                .filter(|_| has(Field::Employees))
                .map(|n| i32::try_from(n).ok()),
            tech_staff: r
                .tech_staff
                .filter(|_| has(Field::TechStaff))
                .map(|n| i32::try_from(n).ok()),
            facts: p.facts.clone(),
            ..FirmChanges::default()
        };
        firms::update_with_version(conn, f.id, f.version, &changes, now)
            .ctx("update an imported firm")?;
        for y in &p.years {
            years::upsert(
                conn,
                &FirmYearRow {
                    firm_id: f.id,
                    ..y.clone()
                },
            )
            .ctx("save an imported year")?;
        }
        let detail: Vec<serde_json::Value> = p
            .changes
            .iter()
            .map(|c| {
                serde_json::json!({"field": c.field.id(), "year": c.year,
                    "before": c.before, "after": c.after})
            })
            .collect();
        audits.push(NewAuditEntry {
            actor_id: principal.user_id,
            actor_role: role,
            action: "import_update_firm",
            entity: "firm",
            entity_id: Some(f.id),
            detail: serde_json::json!({"uscc": code, "row": p.record.row,
                "changes": detail})
            .to_string(),
            at: now,
        });
        touched.push(f.id);
    }
    audit::record_many(conn, &audits).ctx("write the import's audit rows")?;
    if new.len() >= ANALYZE_FROM {
        reg::analyze(conn).ctx("refresh statistics after an import")?;
    }
    progress(Phase::Writing, total.saturating_sub(touched.len()), total);
    recompute(conn, &touched, as_of)?;
    progress(Phase::Writing, total, total);
    Ok(())
}

/// The row of a new firm, a prospect, with its derived columns computed from what is written.
fn new_firm_row(
    p: &Planned,
    thresholds: &crate::core::rules::Thresholds,
    as_of: chrono::NaiveDate,
    now: chrono::NaiveDateTime,
) -> Result<NewImportedFirm, AppError> {
    let r = &p.record;
    let firm = Firm {
        id: 0,
        uscc: r.uscc.to_string(),
        name: p.name.clone(),
        county_code: p.county_code.clone(),
        sector_code: None,
        founded_on: r.founded_on,
        stage: Stage::Prospect.id().to_string(),
        version: 1,
        advisor_id: None,
        contact_name: r.contact_name.clone(),
        contact_phone: r.contact_phone.clone(),
        contact_email: None,
        employees: r.employees.and_then(|n| i32::try_from(n).ok()),
        tech_staff: r.tech_staff.and_then(|n| i32::try_from(n).ok()),
        facts: p
            .facts
            .clone()
            .unwrap_or_else(|| FirmFacts::default().to_json()),
        next_stage: None,
        next_ruleset: None,
        next_eligible: None,
        readiness: 0,
        evaluated_at: None,
        created_at: now,
        updated_at: now,
        next_contact_on: None,
        last_contact_on: None,
        industry_code: r.industry_code.clone(),
        readiness_margin: 0,
    };
    let prof = profile::profile_of(&firm, &p.years, &[], &[]).ctx("profile of a new firm")?;
    let d = derive(Stage::Prospect, &prof, thresholds, as_of, now);
    Ok(NewImportedFirm {
        uscc: firm.uscc,
        name: firm.name,
        county_code: firm.county_code,
        founded_on: firm.founded_on,
        stage: firm.stage,
        contact_name: firm.contact_name,
        contact_phone: firm.contact_phone,
        employees: firm.employees,
        tech_staff: firm.tech_staff,
        facts: firm.facts,
        industry_code: firm.industry_code,
        next_stage: d.next_stage,
        next_ruleset: d.next_ruleset,
        next_eligible: d.next_eligible,
        readiness: d.readiness,
        readiness_margin: d.readiness_margin,
        evaluated_at: d.evaluated_at,
        created_at: now,
        updated_at: now,
    })
}

/// Recompute the derived columns of the updated firms (their stage stays).
fn recompute(conn: &mut DbConn, ids: &[i64], as_of: chrono::NaiveDate) -> Result<(), AppError> {
    if ids.len() <= RESCORE_ALL_ABOVE {
        for id in ids {
            recompute_in_tx(conn, *id, as_of)?;
        }
        return Ok(());
    }
    let wanted: HashSet<i64> = ids.iter().copied().collect();
    let thresholds = settings::thresholds(conn).ctx("load thresholds to recompute")?;
    let now = Utc::now().naive_utc();
    let rows: Vec<(i64, firms::Derived)> = profile::load_all_profiles(conn)
        .ctx("load profiles to recompute")?
        .into_iter()
        .filter(|fp| wanted.contains(&fp.firm_id))
        .map(|fp| {
            (
                fp.firm_id,
                derive(fp.stage, &fp.profile, &thresholds, as_of, now),
            )
        })
        .collect();
    firms::set_derived_many(conn, &rows).ctx("write derived columns of imported firms")?;
    Ok(())
}

/// The years of a record as the core's figures (for a report or a test).
pub fn record_years(rec: &FirmRecord) -> Vec<FirmYear> {
    rec.years.values().map(|y| y.figures.clone()).collect()
}

/// Counts by code of how many rows a report rejected per error code (for a summary).
pub fn errors_by_code(report: &ImportReport) -> HashMap<&'static str, usize> {
    let mut m = HashMap::new();
    for e in &report.errors {
        *m.entry(e.code).or_insert(0) += 1;
    }
    m
}
