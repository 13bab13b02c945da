//! The firm list's filter: the query string of `GET /firms`, the API's `GET /api/v1/firms`
//! and the bulk assignment, turned into the store's query.

use crate::core::error::{InputError, Text};
use crate::core::profile::IndustryCode;
use crate::core::stage::Stage;
use crate::store::firm_query::{FirmQuery, SortKey};
use serde::{Deserialize, Serialize};

/// Rows per page of the firm list.
pub const PER_PAGE: i64 = 50;

/// The highest page number any list accepts: a million pages of even one row each is more
/// than a province holds, and the offset it gives (at most 500 rows a page) cannot overflow.
pub const MAX_PAGE: i64 = 1_000_000;

/// A `page` parameter: empty is page 1; anything else must be a whole number from 1 to
/// [`MAX_PAGE`] (a refusal names the field `page`).
pub fn page_number(raw: &str) -> Result<i64, InputError> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(1);
    }
    match raw.parse::<i64>() {
        Ok(n) if (1..=MAX_PAGE).contains(&n) => Ok(n),
        _ => Err(InputError::new(
            "page",
            "page_out_of_range",
            Text::new("list.page_out_of_range").plain("max", MAX_PAGE),
        )),
    }
}

/// The list's query string. Every field is text so that an empty `?stage=` from the filter
/// form means "any"; values that do not parse are ignored.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct ListParams {
    /// Stage id.
    #[serde(default)]
    pub stage: String,
    /// County code.
    #[serde(default)]
    pub county: String,
    /// Sector code.
    #[serde(default)]
    pub sector: String,
    /// GB/T 4754-2017 industry code prefix: a section letter (`C`), a division (`C13`, `13`),
    /// a group or a class.
    #[serde(default)]
    pub industry: String,
    /// Advisor user id.
    #[serde(default)]
    pub advisor: String,
    /// Readiness at least.
    #[serde(default)]
    pub rmin: String,
    /// Readiness at most.
    #[serde(default)]
    pub rmax: String,
    /// Name or USCC search.
    #[serde(default)]
    pub q: String,
    /// Sort key id.
    #[serde(default)]
    pub sort: String,
    /// `asc` or `desc`.
    #[serde(default)]
    pub dir: String,
    /// Page number from 1.
    #[serde(default)]
    pub page: String,
    /// After a bulk assignment: how many firms were assigned (shown once, not kept in links).
    #[serde(default)]
    pub assigned: String,
    /// After a bulk assignment: how many already had that advisor.
    #[serde(default)]
    pub unchanged: String,
}

fn opt(s: &str) -> Option<String> {
    let t = s.trim();
    (!t.is_empty()).then(|| t.to_string())
}

/// The industry-code prefix a filter text asks for, normalised: a section letter alone, or a
/// division, group or class as [`IndustryCode`] reads it (`13` → `C13`); anything else does not
/// filter.
pub fn industry_prefix(raw: &str) -> Option<String> {
    let t = raw.trim().to_uppercase();
    let mut chars = t.chars();
    if let (Some(c), None) = (chars.next(), chars.next()) {
        return (c.is_ascii_uppercase() && c <= 'T').then_some(t);
    }
    IndustryCode::parse(&t).ok().map(|c| c.as_str().to_string())
}

impl ListParams {
    /// The page asked for, from 1 (see [`page_number`]; one out of range reads as 1 here, so
    /// that the offset never overflows: handlers refuse it first with [`ListParams::check`]).
    pub fn page_no(&self) -> i64 {
        page_number(&self.page).unwrap_or(1)
    }

    /// Refuse parameters that cannot mean anything (a page out of range); the others, when
    /// they do not parse, are ignored.
    pub fn check(&self) -> Result<(), InputError> {
        page_number(&self.page).map(|_| ())
    }

    /// The sort key asked for, or the default.
    pub fn sort_key(&self) -> SortKey {
        SortKey::parse(self.sort.trim()).unwrap_or_default()
    }

    /// Whether the list runs from the highest value down.
    pub fn descending(&self) -> bool {
        match self.dir.trim() {
            "asc" => false,
            "desc" => true,
            // Readiness reads best from the top; names and codes from A.
            _ => self.sort_key() == SortKey::Readiness,
        }
    }

    /// The store query these parameters ask for.
    pub fn to_query(&self) -> FirmQuery {
        let pct = |s: &str| s.trim().parse::<i32>().ok().map(|v| v.clamp(0, 100));
        FirmQuery {
            stage: Stage::parse(self.stage.trim()),
            county_code: opt(&self.county),
            sector_code: opt(&self.sector),
            industry_prefix: industry_prefix(&self.industry),
            advisor_id: self.advisor.trim().parse().ok(),
            readiness_min: pct(&self.rmin),
            readiness_max: pct(&self.rmax),
            q: opt(&self.q),
            sort: self.sort_key(),
            descending: self.descending(),
            limit: PER_PAGE,
            offset: (self.page_no() - 1).saturating_mul(PER_PAGE),
        }
    }

    /// `/firms?…` with these parameters (empty ones left out).
    pub fn href(&self) -> String {
        let q = serde_urlencoded::to_string(self.pairs(true)).unwrap_or_default();
        if q.is_empty() {
            "/firms".to_string()
        } else {
            format!("/firms?{q}")
        }
    }

    /// `/firms/export?format=…&…`: the whole list these parameters filter and sort (no page),
    /// as a file.
    pub fn export_href(&self, format: &str) -> String {
        let mut pairs = vec![("format", format)];
        pairs.extend(self.pairs(false));
        format!(
            "/firms/export?{}",
            serde_urlencoded::to_string(pairs).unwrap_or_default()
        )
    }

    /// The parameters that are set, with the page or without.
    fn pairs(&self, with_page: bool) -> Vec<(&'static str, &str)> {
        [
            ("stage", &self.stage),
            ("county", &self.county),
            ("sector", &self.sector),
            ("industry", &self.industry),
            ("advisor", &self.advisor),
            ("rmin", &self.rmin),
            ("rmax", &self.rmax),
            ("q", &self.q),
            ("sort", &self.sort),
            ("dir", &self.dir),
            ("page", &self.page),
        ]
        .into_iter()
        .filter(|(k, v)| !v.trim().is_empty() && (with_page || *k != "page"))
        .map(|(k, v)| (k, v.as_str()))
        .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::industry_prefix;

    #[test]
    fn industry_prefixes_are_normalised_and_nonsense_does_not_filter() {
        assert_eq!(industry_prefix(" c13 ").as_deref(), Some("C13"));
        assert_eq!(industry_prefix("13").as_deref(), Some("C13"));
        assert_eq!(industry_prefix("C1351").as_deref(), Some("C1351"));
        assert_eq!(industry_prefix("c").as_deref(), Some("C"));
        assert_eq!(industry_prefix(""), None);
        assert_eq!(industry_prefix("Z"), None);
        assert_eq!(industry_prefix("F13"), None, "division 13 is in section C");
        assert_eq!(industry_prefix("C%"), None);
    }
}
