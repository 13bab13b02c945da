//! Accounts: signing in and out, the language switch, a user's own password (change, forgot,
//! the pages one-time links open), firm users' invitations, and user and token
//! administration.

pub mod admin;
pub mod firm_users;
pub mod login;
pub mod password;
