//! Peiyu: cultivating innovative firms up the ladder of recognitions.
//!
//! Layers (DESIGN §1): `cli|web → app → core`, `app → store`. The core is pure.

pub mod app;
pub mod cli;
pub mod core;
pub mod demo;
pub mod notify;
pub mod store;
pub mod web;
// The daily work (`peiyu tick`, and the same loop inside `serve`).
pub mod jobs;
