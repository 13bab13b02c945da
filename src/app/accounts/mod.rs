//! Accounts: signing in (with throttling), password hashing, users and API tokens.

pub mod login;
pub mod password;
pub mod tokens;
pub mod users;
