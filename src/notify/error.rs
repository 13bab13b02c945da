//! The delivery worker's one error type: the database failed, or a setting is unusable. A
//! mail that cannot be sent is not an error here; it is an outcome recorded on its row.

use crate::store::StoreError;

/// Why a delivery pass stopped.
#[derive(Debug, thiserror::Error)]
pub enum NotifyError {
    /// A database operation failed; says which.
    #[error("{context}: {source}")]
    Store {
        /// What the worker was doing.
        context: &'static str,
        /// The store's error.
        #[source]
        source: StoreError,
    },
    /// A setting or template cannot be used as it is (a bad sender, a non-URL base URL).
    #[error("{0}")]
    Config(String),
}

/// `.ctx("what was being done")` on a store result, as in `app`.
pub(crate) trait StoreContext<T> {
    /// Name what failed.
    fn ctx(self, context: &'static str) -> Result<T, NotifyError>;
}

impl<T> StoreContext<T> for Result<T, StoreError> {
    fn ctx(self, context: &'static str) -> Result<T, NotifyError> {
        self.map_err(|source| NotifyError::Store { context, source })
    }
}
