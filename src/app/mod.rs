//! Use cases and read models, grouped by area: one function per thing a person or job does.
//! Each write runs in one transaction (`store::write_tx`): check permission, load, call the
//! core, write the new state, the history row, the audit row and any outbox mail together,
//! and recompute the firm's derived columns. Reads check access the same way and read in one
//! go; `web`, `cli` and `jobs` only format what they return.
//!
//! - [`firms`]: the register, profiles, figures, IP, stage events, the firm page and lists,
//!   the reserve pool and what-if.
//! - [`coaching`]: advisors and assignments, follow-ups, the issue ledger (诉求台账).
//! - [`accounts`]: signing in, passwords, users, API tokens.
//! - [`mail`]: queueing mail in the outbox (delivery is `notify`'s), preferences.
//! - [`daily`]: the daily tick and its reminders.
//!
//! Shared by all: [`access`] (who sees which firm), [`principal`], [`error`], [`model`] (the
//! records use cases hand out).

pub mod access;
pub mod accounts;
pub mod applications;
pub mod coaching;
pub mod daily;
pub mod error;
pub mod export;
pub mod firms;
pub mod imports;
pub mod mail;
pub mod model;
pub mod principal;
pub mod reports;
pub mod seed_demo;

/// The database connection every use case takes, and the pool that hands them out.
pub use crate::store::{DbConn, Pool};

pub use coaching::assign_advisor::{assign_advisor, AssignOutcome, AssignTarget};
pub use coaching::correct_followup::correct_followup;
pub use coaching::edit_followup::edit_followup;
pub use coaching::log_followup::{log_followup, FollowupInput};
pub use coaching::raise_issue::{raise_issue, IssueInput};
pub use coaching::reassign_advisor::{reassign_advisor, ReassignTo};
pub use coaching::update_issue::{update_issue, IssueUpdate};
pub use error::{AppError, Conflict};
pub use firms::create::{create_firm, NewFirmInput};
pub use firms::derived::{recompute_firm, rescore_all, rescore_all_as_of, today};
pub use firms::ip::{add_ip, NewIpInput};
pub use firms::stage::{check_event, fire_event, fire_event_with, FireOptions, FiredEvent};
pub use firms::update::{update_firm, FirmUpdate};
pub use firms::years::{save_firm_year, FirmYearInput};
pub use principal::Principal;
