//! The notifier: the outbox queue, rendering, transports, the worker, and delivery through a
//! real SMTP server on loopback.

mod accounts;
mod delivery;
mod model;
mod pages;
mod queue;
pub mod smtp;
mod workers;
