//! The pure core: stages, events, rules, scores, explanations. No I/O, no frameworks.

pub mod application;
pub mod clock;
pub mod document;
pub mod error;
pub mod eval;
pub mod input;
pub mod money;
pub mod password;
pub mod profile;
pub mod ratio;
pub mod registry;
pub mod rules;
pub mod schedule;
pub mod stage;
pub mod targets;
pub mod uscc;
