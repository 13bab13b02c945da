//! The daily work as a use case (DESIGN §1 "jobs"): [`run_tick`] fires the time-based stage
//! events through the core and queues the reminders. Only one process runs it at a time (a
//! database lease), and a day that completed is recorded, so running it again does nothing.
//! `jobs` schedules it inside `peiyu serve`; `peiyu tick` runs it once.

pub mod reminders;
pub mod sweep;
pub mod tick;

pub use tick::{run_tick, TickOptions, TickOutcome, TickSummary};
