//! Scheduling the daily work (DESIGN §1 "jobs"): [`daily::DailyLoop`] runs the tick use case
//! ([`crate::app::daily`]) once a day inside `peiyu serve`.

pub mod daily;

pub use crate::app::daily::{run_tick, TickOptions, TickOutcome, TickSummary};
pub use daily::{DailyLoop, LoopOptions};
