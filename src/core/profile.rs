//! The firm profile the rules read: DESIGN §3's JSON, validated into exact types.
//!
//! Amounts arrive as whole yuan and are kept as [`Fen`]. Every field is optional: a missing
//! fact makes the criteria that need it `unknown`, never a guess.

use super::error::{InputError, Text};
use super::money::Fen;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Figures for one fiscal year.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FirmYear {
    /// Fiscal year.
    pub year: i32,
    /// Sales revenue (营业收入).
    pub revenue: Option<Fen>,
    /// R&D expense (研发费用).
    pub rd_expense: Option<Fen>,
    /// R&D expense incurred in China.
    pub rd_expense_domestic: Option<Fen>,
    /// Revenue from high-tech products and services.
    pub high_tech_revenue: Option<Fen>,
    /// Total cost and expenses.
    pub total_cost: Option<Fen>,
    /// Total assets.
    pub total_assets: Option<Fen>,
    /// Net assets (may be negative).
    pub net_assets: Option<Fen>,
    /// Total income (总收入 = 收入总额 − 不征税收入): sales plus investment, non-operating and
    /// other income, so never below `revenue`. The denominator of the HTE high-tech revenue
    /// share.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total_income: Option<Fen>,
}

/// Intellectual property counts.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ip {
    /// Class I items (invention patents, plant varieties, new drugs, IC layouts…).
    pub class_one: Option<u32>,
    /// Class II items not yet used in an HTE application (utility models, designs, software).
    pub class_two: Option<u32>,
    /// Whether the IP was obtained by own R&D (`false`: only transferred, gifted or merged).
    pub own_rd: Option<bool>,
    /// Whether the firm led or joined national or industry standards (HTE score bonus).
    pub standards: Option<bool>,
}

/// The four R&D-organisation items of the HTE innovation score.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RdManagement {
    /// Management and R&D accounting system.
    pub system: Option<bool>,
    /// Internal R&D institution and university cooperation.
    pub institution: Option<bool>,
    /// Conversion platform and incentives.
    pub conversion_platform: Option<bool>,
    /// Talent training and rewards.
    pub talent: Option<bool>,
}

/// Yes/no facts about the firm.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Flags {
    /// Core technology in a national key-supported high-tech field.
    pub key_field: Option<bool>,
    /// Owns IP that supports its main products.
    pub core_ip: Option<bool>,
    /// A major safety or quality accident or serious environmental violation in the past year.
    pub major_incident: Option<bool>,
    /// In a prohibited, restricted or phased-out industry.
    pub restricted_industry: Option<bool>,
    /// On the dishonest or abnormal-operation lists.
    pub dishonest: Option<bool>,
    /// Income tax assessed on a deemed basis (核定征收) rather than on audited accounts
    /// (查账征收): bars tech-SME evaluation (国科火字〔2022〕67号).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deemed_taxation: Option<bool>,
}

/// The tech-SME direct routes (any one qualifies without the score).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DirectRoutes {
    /// Holds a valid HTE certificate.
    pub valid_hte: Option<bool>,
    /// Has a provincial-level R&D institution.
    pub provincial_rd_center: Option<bool>,
    /// National S&T award (top three units) in the last five years.
    pub award_5y: Option<bool>,
    /// Led an international, national or industry standard in the last five years.
    pub led_standard_5y: Option<bool>,
}

/// An expert's whole-number sub-scores of the HTE innovation score.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Judged {
    /// IP: technical advancement (0–8).
    pub ip_advancement: Option<u8>,
    /// IP: role supporting core products (0–8).
    pub ip_core_support: Option<u8>,
    /// IP: quantity (0–8, within the band of the counts).
    pub ip_quantity: Option<u8>,
    /// IP: how obtained (1–6, within the band).
    pub ip_acquisition: Option<u8>,
    /// IP: standards bonus (0–2, within the band).
    pub ip_standards: Option<u8>,
    /// Conversion of results (0–30, within the band of the average).
    pub conversion: Option<u8>,
    /// R&D organisation (0–20, within what the present items allow).
    pub rd_organisation: Option<u8>,
    /// Growth of net assets (0–10, within the band).
    pub growth_net_assets: Option<u8>,
    /// Growth of sales (0–10, within the band).
    pub growth_sales: Option<u8>,
}

/// A tech-SME registration (入库登记编号) with its year.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TechSmeRegistration {
    /// Registration year.
    pub year: i32,
    /// Registration number, if known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reg_no: Option<String>,
}

/// An HTE certificate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HteCertificate {
    /// Certificate number, e.g. `GR202341000123`.
    pub cert_no: String,
    /// Issue date.
    pub issued_on: NaiveDate,
}

/// Level of the firm's best R&D platform (研发平台).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PlatformLevel {
    /// No recognised platform.
    None,
    /// City level (市级).
    City,
    /// Provincial level (省级).
    Provincial,
    /// National level (国家级).
    National,
}

/// A validated firm profile.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Profile {
    /// 统一社会信用代码 as given (validated when present).
    pub uscc: Option<String>,
    /// Firm name.
    pub name: Option<String>,
    /// Date of registration.
    pub founded_on: Option<NaiveDate>,
    /// Head count.
    pub employees: Option<u32>,
    /// Technical staff head count.
    pub tech_staff: Option<u32>,
    /// Yearly figures, sorted by year ascending, one entry per year.
    pub financials: Vec<FirmYear>,
    /// IP counts.
    pub ip: Ip,
    /// Conversions of results by year.
    pub conversions: BTreeMap<i32, u32>,
    /// R&D organisation items.
    pub rd_management: RdManagement,
    /// Yes/no facts.
    pub flags: Flags,
    /// Tech-SME direct routes.
    pub direct_routes: DirectRoutes,
    /// Expert sub-scores.
    pub judged: Judged,
    /// Extension: the firm's latest tech-SME registration.
    pub tech_sme: Option<TechSmeRegistration>,
    /// Extension: the firm's HTE certificate.
    pub hte_certificate: Option<HteCertificate>,
    /// Extension: the level of the firm's best R&D platform.
    pub rd_platform: Option<PlatformLevel>,
    /// The firm's industry code (GB/T 4754-2017), normalised: section letter and 2–4 digits,
    /// e.g. `C1351`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub industry_code: Option<String>,
}

/// The JSON shape as received; converted by [`Profile::from_json`].
#[derive(Debug, Deserialize)]
struct RawProfile {
    uscc: Option<String>,
    name: Option<String>,
    founded_on: Option<NaiveDate>,
    employees: Option<i64>,
    tech_staff: Option<i64>,
    #[serde(default)]
    financials: Vec<RawYear>,
    #[serde(default)]
    ip: RawIp,
    #[serde(default)]
    conversions: BTreeMap<String, i64>,
    #[serde(default)]
    rd_management: RdManagement,
    #[serde(default)]
    flags: Flags,
    #[serde(default)]
    direct_routes: DirectRoutes,
    #[serde(default)]
    judged: BTreeMap<String, i64>,
    tech_sme: Option<TechSmeRegistration>,
    hte_certificate: Option<HteCertificate>,
    rd_platform: Option<PlatformLevel>,
    industry_code: Option<String>,
}

#[derive(Debug, Deserialize)]
struct RawYear {
    year: i64,
    revenue: Option<i64>,
    rd_expense: Option<i64>,
    rd_expense_domestic: Option<i64>,
    high_tech_revenue: Option<i64>,
    total_cost: Option<i64>,
    total_assets: Option<i64>,
    net_assets: Option<i64>,
    total_income: Option<i64>,
}

#[derive(Debug, Default, Deserialize)]
struct RawIp {
    class_one: Option<i64>,
    class_two: Option<i64>,
    own_rd: Option<bool>,
    standards: Option<bool>,
}

/// The largest amount any figure may hold: 10^14 yuan. Beyond it a figure cannot be right, and
/// the rules' exact products stay well inside `i128`.
pub const MAX_AMOUNT: Fen = Fen(100_000_000_000_000 * 100);

impl FirmYear {
    /// Check one year's figures as a person would: a plausible year, no negative amount (net
    /// assets excepted), nothing beyond [`MAX_AMOUNT`], domestic R&D within total R&D and
    /// high-tech revenue within revenue. Field names in errors start with `prefix`
    /// (`financials[2].` for a profile, empty for a form). The first of [`FirmYear::problems`].
    pub fn validate(&self, prefix: &str) -> Result<(), InputError> {
        match self.problems(prefix).into_iter().next() {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }

    /// Every problem [`FirmYear::validate`] checks for, each naming its field (a form shows
    /// them all beside their fields), at most one per field.
    pub fn problems(&self, prefix: &str) -> Vec<InputError> {
        let f = |name: &str| format!("{prefix}{name}");
        let mut out = Vec::new();
        if !(1900..=2200).contains(&self.year) {
            out.push(invalid_year(f("year"), self.year));
        }
        let amounts = [
            ("revenue", self.revenue),
            ("rd_expense", self.rd_expense),
            ("rd_expense_domestic", self.rd_expense_domestic),
            ("high_tech_revenue", self.high_tech_revenue),
            ("total_cost", self.total_cost),
            ("total_assets", self.total_assets),
            ("net_assets", self.net_assets),
            ("total_income", self.total_income),
        ];
        let mut wrong = Vec::new();
        for (name, v) in amounts {
            let Some(v) = v else { continue };
            if v.0 < 0 && name != "net_assets" {
                let field = f(name);
                wrong.push(name);
                out.push(InputError::new(
                    field.clone(),
                    "negative_amount",
                    Text::new("input.negative_amount")
                        .plain("field", &field)
                        .words("amount", v.zh(), v.en()),
                ));
            } else if v.0.unsigned_abs() > MAX_AMOUNT.0.unsigned_abs() {
                let field = f(name);
                wrong.push(name);
                out.push(InputError::new(
                    field.clone(),
                    "implausible_amount",
                    Text::new("input.implausible_amount").plain("field", &field),
                ));
            }
        }
        // Each relation names its first field, once neither amount is wrong by itself.
        let relations = [
            (
                "rd_expense_domestic",
                "rd_expense",
                self.rd_expense_domestic
                    .zip(self.rd_expense)
                    .is_some_and(|(d, r)| d > r),
                "domestic_exceeds_total",
                "input.domestic_exceeds_total",
            ),
            (
                "total_income",
                "revenue",
                self.total_income
                    .zip(self.revenue)
                    .is_some_and(|(t, r)| t < r),
                "total_income_below_revenue",
                "input.total_income_below_revenue",
            ),
            (
                "high_tech_revenue",
                "revenue",
                self.high_tech_revenue
                    .zip(self.revenue)
                    .is_some_and(|(h, r)| h > r),
                "high_tech_exceeds_revenue",
                "input.high_tech_exceeds_revenue",
            ),
        ];
        for (name, other, broken, code, key) in relations {
            if broken && !wrong.contains(&name) && !wrong.contains(&other) {
                let field = f(name);
                out.push(InputError::new(
                    field.clone(),
                    code,
                    Text::new(key).plain("field", field),
                ));
            }
        }
        out
    }
}

/// An industry code of GB/T 4754-2017 (国民经济行业分类): a section letter and a division
/// (two digits), optionally narrowed to a group (three) or class (four), e.g. `C1351`. The
/// letter may be left out (`1351`); it follows from the division.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndustryCode(String);

/// The sections of GB/T 4754-2017 with their first and last division.
const SECTIONS: [(char, u8, u8); 20] = [
    ('A', 1, 5),
    ('B', 6, 12),
    ('C', 13, 43),
    ('D', 44, 46),
    ('E', 47, 50),
    ('F', 51, 52),
    ('G', 53, 60),
    ('H', 61, 62),
    ('I', 63, 65),
    ('J', 66, 69),
    ('K', 70, 70),
    ('L', 71, 72),
    ('M', 73, 75),
    ('N', 76, 79),
    ('O', 80, 82),
    ('P', 83, 83),
    ('Q', 84, 85),
    ('R', 86, 90),
    ('S', 91, 96),
    ('T', 97, 97),
];

impl IndustryCode {
    /// Parse a code, upper-casing and trimming it; the letter, when given, must be the
    /// division's section.
    pub fn parse(raw: &str) -> Result<IndustryCode, Text> {
        let s = raw.trim().to_uppercase();
        let bad = || Text::new("input.invalid_industry_code").plain("code", raw.trim());
        let (letter, digits) = match s.chars().next() {
            Some(c) if c.is_ascii_alphabetic() => (Some(c), &s[1..]),
            _ => (None, &s[..]),
        };
        if !(2..=4).contains(&digits.len()) || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        let division: u8 = digits[..2].parse().map_err(|_| bad())?;
        let section = SECTIONS
            .iter()
            .find(|(_, lo, hi)| (*lo..=*hi).contains(&division))
            .map(|(c, _, _)| *c)
            .ok_or_else(bad)?;
        if letter.is_some_and(|l| l != section) {
            return Err(bad());
        }
        Ok(IndustryCode(format!("{section}{digits}")))
    }

    /// The normalised code, e.g. `C1351`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The section letter and division, e.g. `C13`.
    pub fn division(&self) -> &str {
        &self.0[..3]
    }
}

/// The judged keys with the most any band can allow, for a first range check.
pub const JUDGED_KEYS: [(&str, u8); 9] = [
    ("ip_advancement", 8),
    ("ip_core_support", 8),
    ("ip_quantity", 8),
    ("ip_acquisition", 6),
    ("ip_standards", 2),
    ("conversion", 30),
    ("rd_organisation", 20),
    ("growth_net_assets", 10),
    ("growth_sales", 10),
];

/// A year outside 1900–2200 in `field`.
fn invalid_year(field: String, year: impl ToString) -> InputError {
    let text = Text::new("input.invalid_year")
        .plain("field", &field)
        .plain("year", year);
    InputError::new(field, "invalid_year", text)
}

fn count(field: &str, v: Option<i64>) -> Result<Option<u32>, InputError> {
    match v {
        None => Ok(None),
        Some(n) if n < 0 => Err(InputError::new(
            field,
            "negative_count",
            Text::new("input.negative_count")
                .plain("field", field)
                .plain("n", n),
        )),
        Some(n) if n > u32::MAX as i64 => Err(InputError::new(
            field,
            "too_large",
            Text::new("input.too_large")
                .plain("field", field)
                .plain("n", n),
        )),
        Some(n) => Ok(Some(n as u32)),
    }
}

fn amount(field: String, v: Option<i64>, may_be_negative: bool) -> Result<Option<Fen>, InputError> {
    match v {
        None => Ok(None),
        Some(n) if n < 0 && !may_be_negative => Err(InputError::new(
            field.clone(),
            "negative_amount",
            Text::new("input.negative_yuan")
                .plain("field", &field)
                .plain("n", n),
        )),
        Some(n) => Fen::from_yuan(n).map(Some).ok_or_else(|| {
            InputError::new(
                field.clone(),
                "too_large",
                Text::new("input.too_large_yuan")
                    .plain("field", &field)
                    .plain("n", n),
            )
        }),
    }
}

impl Profile {
    /// Parse and validate DESIGN §3's profile JSON. The error names the offending field.
    pub fn from_json(text: &str) -> Result<Profile, InputError> {
        let de = &mut serde_json::Deserializer::from_str(text);
        let raw: RawProfile = serde_path_to_error::deserialize(de).map_err(|e| {
            let path = e.path().to_string();
            let inner = e.into_inner();
            let field = if path == "." || path.is_empty() {
                "profile".to_string()
            } else {
                path
            };
            let (code, text) = if inner.is_syntax() || inner.is_eof() {
                (
                    "malformed_json",
                    Text::new("input.malformed_json")
                        .plain("line", inner.line())
                        .plain("column", inner.column()),
                )
            } else {
                (
                    "invalid_value",
                    Text::new("input.invalid_value")
                        .plain("field", &field)
                        .plain("detail", &inner),
                )
            };
            InputError::new(field, code, text)
        })?;
        raw.validate()
    }
}

impl RawProfile {
    fn validate(self) -> Result<Profile, InputError> {
        if let Some(u) = &self.uscc {
            if let Err(e) = super::uscc::Uscc::parse(u) {
                return Err(InputError::new("uscc", "invalid_uscc", e.text()));
            }
        }
        let employees = count("employees", self.employees)?;
        let tech_staff = count("tech_staff", self.tech_staff)?;
        let mut financials = Vec::with_capacity(self.financials.len());
        for (i, y) in self.financials.into_iter().enumerate() {
            let f = |name: &str| format!("financials[{i}].{name}");
            if !(1900..=2200).contains(&y.year) {
                return Err(invalid_year(f("year"), y.year));
            }
            let fy = FirmYear {
                year: y.year as i32,
                revenue: amount(f("revenue"), y.revenue, false)?,
                rd_expense: amount(f("rd_expense"), y.rd_expense, false)?,
                rd_expense_domestic: amount(
                    f("rd_expense_domestic"),
                    y.rd_expense_domestic,
                    false,
                )?,
                high_tech_revenue: amount(f("high_tech_revenue"), y.high_tech_revenue, false)?,
                total_cost: amount(f("total_cost"), y.total_cost, false)?,
                total_assets: amount(f("total_assets"), y.total_assets, false)?,
                net_assets: amount(f("net_assets"), y.net_assets, true)?,
                total_income: amount(f("total_income"), y.total_income, false)?,
            };
            financials.push(fy);
        }
        financials.sort_by_key(|y| y.year);

        let ip = Ip {
            class_one: count("ip.class_one", self.ip.class_one)?,
            class_two: count("ip.class_two", self.ip.class_two)?,
            own_rd: self.ip.own_rd,
            standards: self.ip.standards,
        };

        let mut conversions = BTreeMap::new();
        for (k, v) in self.conversions {
            let field = format!("conversions.{k}");
            let year: i32 = k
                .trim()
                .parse()
                .ok()
                .filter(|y| (1900..=2200).contains(y))
                .ok_or_else(|| {
                    InputError::new(
                        field.clone(),
                        "invalid_year",
                        Text::new("input.year_key").plain("field", &field),
                    )
                })?;
            let n = count(&field, Some(v))?.unwrap_or(0);
            conversions.insert(year, n);
        }

        let mut judged = Judged::default();
        for (k, v) in self.judged {
            let field = format!("judged.{k}");
            let Some(&(_, max)) = JUDGED_KEYS.iter().find(|(name, _)| *name == k) else {
                return Err(InputError::new(
                    field.clone(),
                    "unknown_field",
                    Text::new("input.unknown_judged").plain("field", &field),
                ));
            };
            if v < 0 || v > max as i64 {
                return Err(InputError::new(
                    field.clone(),
                    "judged_out_of_range",
                    Text::new("input.judged_out_of_range")
                        .plain("field", &field)
                        .plain("max", max)
                        .plain("value", v),
                ));
            }
            let v = Some(v as u8);
            match k.as_str() {
                "ip_advancement" => judged.ip_advancement = v,
                "ip_core_support" => judged.ip_core_support = v,
                "ip_quantity" => judged.ip_quantity = v,
                "ip_acquisition" => judged.ip_acquisition = v,
                "ip_standards" => judged.ip_standards = v,
                "conversion" => judged.conversion = v,
                "rd_organisation" => judged.rd_organisation = v,
                "growth_net_assets" => judged.growth_net_assets = v,
                _ => judged.growth_sales = v,
            }
        }

        let profile = Profile {
            uscc: self.uscc.map(|u| u.trim().to_uppercase()),
            name: self.name,
            founded_on: self.founded_on,
            employees,
            tech_staff,
            financials,
            ip,
            conversions,
            rd_management: self.rd_management,
            flags: self.flags,
            direct_routes: self.direct_routes,
            judged,
            tech_sme: self.tech_sme,
            hte_certificate: self.hte_certificate,
            rd_platform: self.rd_platform,
            industry_code: match self.industry_code.as_deref().map(str::trim) {
                None | Some("") => None,
                Some(code) => Some(
                    IndustryCode::parse(code)
                        .map_err(|e| InputError::new("industry_code", "invalid_industry_code", e))?
                        .as_str()
                        .to_string(),
                ),
            },
        };
        profile.validate()?;
        Ok(profile)
    }
}

impl Profile {
    /// Refuse figures no rule can use, naming the field: more technical staff than employees,
    /// any year that [`FirmYear::validate`] refuses, a year given twice. [`Profile::from_json`]
    /// runs it; the rules run it again for profiles built in code.
    pub fn validate(&self) -> Result<(), InputError> {
        if let (Some(e), Some(t)) = (self.employees, self.tech_staff) {
            if t > e {
                return Err(InputError::new(
                    "tech_staff",
                    "tech_staff_exceeds_employees",
                    Text::new("input.tech_staff_exceeds_employees")
                        .plain("tech_staff", t)
                        .plain("employees", e),
                ));
            }
        }
        if let Some(code) = &self.industry_code {
            IndustryCode::parse(code)
                .map_err(|e| InputError::new("industry_code", "invalid_industry_code", e))?;
        }
        for (i, y) in self.financials.iter().enumerate() {
            y.validate(&format!("financials[{i}]."))?;
            if self.financials[..i].iter().any(|o| o.year == y.year) {
                let field = format!("financials[{i}].year");
                return Err(InputError::new(
                    field.clone(),
                    "duplicate_year",
                    Text::new("input.duplicate_year")
                        .plain("field", field)
                        .plain("year", y.year),
                ));
            }
        }
        Ok(())
    }

    /// The figures for `year`, if any.
    pub fn year(&self, year: i32) -> Option<&FirmYear> {
        self.financials.iter().find(|y| y.year == year)
    }

    /// Up to `n` most recent fiscal years strictly before `as_of_year`, oldest first.
    pub fn years_before(&self, as_of_year: i32, n: usize) -> &[FirmYear] {
        let end = self.financials.partition_point(|y| y.year < as_of_year);
        let start = end.saturating_sub(n);
        &self.financials[start..end]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn malformed_json_names_the_problem() {
        let e = Profile::from_json("{\"employees\": 12,").unwrap_err();
        assert_eq!(e.code, "malformed_json");
    }

    #[test]
    fn negative_amount_names_the_field() {
        let e = Profile::from_json(r#"{"financials":[{"year":2024,"revenue":-5}]}"#).unwrap_err();
        assert_eq!(e.field, "financials[0].revenue");
        assert_eq!(e.code, "negative_amount");
        assert!(e.text.sketch(false).contains("financials[0].revenue"));
    }

    #[test]
    fn wrong_type_names_the_field() {
        let e =
            Profile::from_json(r#"{"financials":[{"year":2024,"revenue":"lots"}]}"#).unwrap_err();
        assert_eq!(e.field, "financials[0].revenue");
    }

    #[test]
    fn negative_net_assets_are_allowed() {
        let p = Profile::from_json(r#"{"financials":[{"year":2024,"net_assets":-5}]}"#).unwrap();
        assert_eq!(p.financials[0].net_assets, Some(Fen(-500)));
    }

    #[test]
    fn judged_beyond_its_maximum_is_refused() {
        let e = Profile::from_json(r#"{"judged":{"conversion":31}}"#).unwrap_err();
        assert_eq!(e.field, "judged.conversion");
        let e = Profile::from_json(r#"{"judged":{"convertion":3}}"#).unwrap_err();
        assert_eq!(e.code, "unknown_field");
    }

    #[test]
    fn years_are_sorted_and_windowed() {
        let p = Profile::from_json(
            r#"{"financials":[{"year":2024},{"year":2021},{"year":2023},{"year":2022},{"year":2025}]}"#,
        )
        .unwrap();
        let w: Vec<i32> = p.years_before(2025, 3).iter().map(|y| y.year).collect();
        assert_eq!(w, vec![2022, 2023, 2024]);
        let w: Vec<i32> = p.years_before(2022, 3).iter().map(|y| y.year).collect();
        assert_eq!(w, vec![2021]);
    }
}
