//! Integration tests: one binary. Store and use-case tests run on both backends.

// Tests may unwrap: a panic is the failure report (STYLE.md: allowed in tests).
#![allow(clippy::unwrap_used)]

mod app;
mod boundary;
mod cli_eval;
mod common;
mod config;
mod notify;
mod store;
mod texts;
mod web;
// The daily job.
mod jobs;
