//! Peiyu: cultivating innovative firms up the ladder of recognitions.

pub mod cli;
pub mod core;
pub mod demo;
