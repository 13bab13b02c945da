//! Accounts: signing in (with throttling), password hashing, users and invitations, one-time
//! links, a user's own password (change, reset, temporary) and API tokens.

pub mod links;
pub mod login;
pub mod password;
pub mod passwords;
pub mod tokens;
pub mod users;
