//! Use cases: one function per thing a person or job does. Each runs in one transaction
//! (`store::write_tx`): check permission, load, call the core, write the new state, the history
//! row and the audit row together, and recompute the firm's derived columns.

pub mod access;
pub mod add_ip;
pub mod api_reads;
pub mod create_firm;
pub mod daily;
pub mod edit_firm;
pub mod error;
pub mod fire_event;
pub mod firm_list;
pub mod insights;
pub mod login;
pub mod password;
pub mod principal;
pub mod recompute;
pub mod save_firm_year;
pub mod seed_demo;
pub mod tokens;
pub mod update_firm;
pub mod users_admin;
pub mod views;
// Coaching (issue 5): assignments, follow-ups, the issue ledger.
pub mod assign_advisor;
pub mod coaching_views;
pub mod correct_followup;
pub mod edit_followup;
pub mod log_followup;
pub mod raise_issue;
pub mod reassign_advisor;
pub mod update_issue;
// Queueing mail in the outbox (delivery is `notify`'s), preferences, the outbox page.
pub mod mail;
pub mod model;

/// The database connection every use case takes, and the pool that hands them out.
pub use crate::store::{DbConn, Pool};

pub use add_ip::{add_ip, NewIpInput};
pub use assign_advisor::{assign_advisor, AssignOutcome, AssignTarget};
pub use correct_followup::correct_followup;
pub use create_firm::{create_firm, NewFirmInput};
pub use edit_followup::edit_followup;
pub use error::{AppError, Conflict};
pub use fire_event::{fire_event, fire_event_with, FireOptions, FiredEvent};
pub use log_followup::{log_followup, FollowupInput};
pub use principal::Principal;
pub use raise_issue::{raise_issue, IssueInput};
pub use reassign_advisor::{reassign_advisor, ReassignTo};
pub use recompute::{recompute_firm, rescore_all, rescore_all_as_of, today};
pub use save_firm_year::{save_firm_year, FirmYearInput};
pub use update_firm::{update_firm, FirmUpdate};
pub use update_issue::{update_issue, IssueUpdate};
