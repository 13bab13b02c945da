//! Email delivery from the transactional outbox (DESIGN §1 notify): a worker claims due rows
//! with a lease, renders them (handlebars, the recipient's language) and sends them; a row is
//! marked sent only after the server's 250. Queueing is `app::mail`'s: a use case only inserts
//! a row, and this module never calls a use case.

pub mod error;
pub mod mailer;
pub mod render;
pub mod worker;

pub use error::NotifyError;
