//! Peiyu: cultivating innovative firms up the ladder of recognitions.
//!
//! Layers (DESIGN §1): `cli|web → app → core`, `app → store`. The core is pure.

pub mod app;
pub mod cli;
pub mod config;
pub mod core;
pub mod demo;
pub mod i18n;
pub mod notify;
pub mod startup;
pub mod store;
pub mod web;
// The daily work (`peiyu tick`, and the same loop inside `serve`).
pub mod jobs;

/// The allocator of every binary built on this library (`peiyu`, its tests and benches):
/// mimalloc. A page render allocates and frees thousands of small JSON values and strings;
/// glibc's malloc spent a fifth of the list page's CPU in locking and consolidating its
/// arenas under 32 concurrent requests (perf, `scripts/bench web`).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
