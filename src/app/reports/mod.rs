//! The bureau's reports (issue 15): yearly targets per city and county ([`targets`]) and the
//! dashboard of progress toward them, the funnel by county, the monthly movements between
//! stages and the certificates expiring by month ([`board`]).

pub mod board;
pub mod export;
pub mod scorecard;
pub mod should_register;
pub mod targets;
