//! Settings read from the environment (`PEIYU_*`), each in one place.

/// The sender when `PEIYU_MAIL_FROM` is unset.
pub const DEFAULT_MAIL_FROM: &str = "Peiyu <noreply@peiyu.localhost>";

/// The sender: `PEIYU_MAIL_FROM`, or [`DEFAULT_MAIL_FROM`].
pub fn mail_from() -> String {
    std::env::var("PEIYU_MAIL_FROM")
        .ok()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| DEFAULT_MAIL_FROM.to_string())
}
