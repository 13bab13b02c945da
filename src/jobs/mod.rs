//! The daily work (DESIGN §1 "jobs"): `peiyu tick` fires the time-based stage events through
//! the core and queues the reminders; [`daily::DailyLoop`] runs it once a day inside
//! `peiyu serve`. Only one process runs it at a time (a database lease), and a day that
//! completed is recorded, so running it again does nothing.

pub mod daily;
pub mod reminders;
pub mod tick;

pub use daily::{DailyLoop, LoopOptions};
pub use tick::{run_tick, TickOptions, TickOutcome, TickSummary};
