//! Firms: registering one, changing its profile, figures and IP under the optimistic lock,
//! firing stage events through the core, the derived next-stage columns, and what the firm
//! pages, lists and the API read.

pub mod api;
pub mod create;
pub mod derived;
pub mod export;
pub mod forms;
pub mod insights;
pub mod ip;
pub mod list;
pub mod pool;
pub mod read;
pub mod record;
pub mod stage;
pub mod update;
pub mod years;
