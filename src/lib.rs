//! Peiyu: cultivating innovative firms up the ladder of recognitions.

pub mod app;
pub mod core;
pub mod store;
