//! Accounts: signing in and out, the language switch, and user and token administration.

pub mod admin;
pub mod login;
