//! Builders and shorthands that keep the rule tests short.

use super::{evaluate, RuleSet, Thresholds};
use crate::core::error::InputError;
use crate::core::eval::{Criterion, Evaluation, Status};
use crate::core::money::Fen;
use crate::core::profile::{FirmYear, HteCertificate, PlatformLevel, Profile, TechSmeRegistration};
use chrono::NaiveDate;

/// The worked example of CRITERIA §6 as profile JSON.
pub const WORKED: &str = include_str!("../../../tests/fixtures/worked_example.json");

/// The criteria of an evaluation's JSON.
pub fn criteria(ev: &serde_json::Value) -> Vec<serde_json::Value> {
    ev["criteria"].as_array().cloned().unwrap_or_default()
}

/// A date.
pub fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).expect("valid test date")
}

/// `n` yuan.
pub fn yuan(n: i64) -> Fen {
    Fen(n * 100)
}

/// Evaluate with default thresholds.
pub fn eval(p: &Profile, rs: RuleSet, as_of: NaiveDate) -> Evaluation {
    evaluate(p, rs, as_of, &Thresholds::default()).expect("evaluates")
}

/// Evaluate with default thresholds, expecting bad input.
pub fn eval_err(p: &Profile, rs: RuleSet, as_of: NaiveDate) -> InputError {
    evaluate(p, rs, as_of, &Thresholds::default()).expect_err("bad input")
}

/// The criterion `id` of an evaluation.
pub fn crit(ev: &Evaluation, id: impl AsRef<str>) -> &Criterion {
    let id = id.as_ref();
    ev.criterion(id)
        .unwrap_or_else(|| panic!("criterion {id} in {}", ev.ruleset.id()))
}

/// The status of criterion `id` under `rs` as of `as_of`.
pub fn status(p: &Profile, rs: RuleSet, as_of: NaiveDate, id: impl AsRef<str>) -> Status {
    crit(&eval(p, rs, as_of), id).status
}

/// The rendered JSON of criterion `id`.
pub fn crit_json(ev: &Evaluation, id: impl AsRef<str>) -> serde_json::Value {
    let id = id.as_ref();
    let json = ev.to_json();
    json["criteria"]
        .as_array()
        .and_then(|a| a.iter().find(|c| c["id"] == id).cloned())
        .unwrap_or_else(|| panic!("criterion {id} in JSON"))
}

/// Builds profiles fluently; amounts are in yuan unless a helper says 万.
#[derive(Default)]
pub struct ProfileBuilder {
    p: Profile,
}

impl ProfileBuilder {
    /// An empty profile: every fact missing.
    pub fn new() -> ProfileBuilder {
        ProfileBuilder::default()
    }

    /// The finished profile.
    pub fn build(self) -> Profile {
        self.p
    }

    /// Founding date.
    pub fn founded(mut self, y: i32, m: u32, day: u32) -> Self {
        self.p.founded_on = Some(d(y, m, day));
        self
    }

    /// Head count and technical staff.
    pub fn staff(mut self, employees: u32, tech: u32) -> Self {
        self.p.employees = Some(employees);
        self.p.tech_staff = Some(tech);
        self
    }

    /// Change (or add) the figures of `year`.
    pub fn year(mut self, year: i32, f: impl FnOnce(&mut FirmYear)) -> Self {
        let i = match self.p.financials.iter().position(|y| y.year == year) {
            Some(i) => i,
            None => {
                self.p.financials.push(FirmYear {
                    year,
                    ..FirmYear::default()
                });
                self.p.financials.sort_by_key(|y| y.year);
                self.p
                    .financials
                    .iter()
                    .position(|y| y.year == year)
                    .expect("just added")
            }
        };
        f(&mut self.p.financials[i]);
        self
    }

    /// Revenue of `year`, in yuan.
    pub fn revenue(self, year: i32, yuan_: i64) -> Self {
        // High-tech revenue is part of revenue: a preset share larger than a new, smaller
        // revenue would be an impossible profile, so it shrinks with it.
        self.year(year, |y| {
            y.revenue = Some(yuan(yuan_));
            y.high_tech_revenue = y.high_tech_revenue.map(|h| h.min(yuan(yuan_)));
            // Total income includes sales: a preset one below a new revenue grows with it.
            y.total_income = y.total_income.map(|t| t.max(yuan(yuan_)));
        })
    }

    /// R&D expense of `year`, in yuan, all of it domestic.
    pub fn rd(self, year: i32, yuan_: i64) -> Self {
        self.year(year, |y| {
            y.rd_expense = Some(yuan(yuan_));
            y.rd_expense_domestic = Some(yuan(yuan_));
        })
    }

    /// Domestic R&D expense of `year`, in yuan.
    pub fn rd_domestic(self, year: i32, yuan_: i64) -> Self {
        self.year(year, |y| y.rd_expense_domestic = Some(yuan(yuan_)))
    }

    /// High-tech revenue of `year`, in yuan.
    pub fn high_tech(self, year: i32, yuan_: i64) -> Self {
        self.year(year, |y| y.high_tech_revenue = Some(yuan(yuan_)))
    }

    /// Total cost of `year`, in yuan.
    pub fn total_cost(self, year: i32, yuan_: i64) -> Self {
        self.year(year, |y| y.total_cost = Some(yuan(yuan_)))
    }

    /// Total assets of `year`, in yuan.
    pub fn total_assets(self, year: i32, yuan_: i64) -> Self {
        self.year(year, |y| y.total_assets = Some(yuan(yuan_)))
    }

    /// Net assets of `year`, in yuan (may be negative).
    pub fn net_assets(self, year: i32, yuan_: i64) -> Self {
        self.year(year, |y| y.net_assets = Some(yuan(yuan_)))
    }

    /// Class I and Class II IP counts.
    pub fn ip(mut self, class_one: u32, class_two: u32) -> Self {
        self.p.ip.class_one = Some(class_one);
        self.p.ip.class_two = Some(class_two);
        self
    }

    /// Whether the IP came from own R&D.
    pub fn own_rd(mut self, v: Option<bool>) -> Self {
        self.p.ip.own_rd = v;
        self
    }

    /// Whether the firm led or joined standards.
    pub fn standards(mut self, v: Option<bool>) -> Self {
        self.p.ip.standards = v;
        self
    }

    /// Conversions in `year`.
    pub fn conversions(mut self, year: i32, n: u32) -> Self {
        self.p.conversions.insert(year, n);
        self
    }

    /// All four R&D-organisation items set to `v`.
    pub fn rd_management(mut self, v: Option<bool>) -> Self {
        let m = &mut self.p.rd_management;
        m.system = v;
        m.institution = v;
        m.conversion_platform = v;
        m.talent = v;
        self
    }

    /// The flags: key field, core IP, major incident, restricted industry, dishonest, deemed
    /// taxation (all clean).
    pub fn clean_flags(mut self) -> Self {
        let f = &mut self.p.flags;
        f.key_field = Some(true);
        f.core_ip = Some(true);
        f.major_incident = Some(false);
        f.restricted_industry = Some(false);
        f.dishonest = Some(false);
        f.deemed_taxation = Some(false);
        self
    }

    /// Total income (总收入) of a year.
    pub fn total_income(self, year: i32, yuan_: i64) -> Self {
        self.year(year, |y| y.total_income = Some(yuan(yuan_)))
    }

    /// The industry code (GB/T 4754-2017).
    pub fn industry(mut self, code: &str) -> Self {
        self.p.industry_code = Some(code.to_string());
        self
    }

    /// Change the flags.
    pub fn flags(mut self, f: impl FnOnce(&mut crate::core::profile::Flags)) -> Self {
        f(&mut self.p.flags);
        self
    }

    /// Change the direct routes.
    pub fn routes(mut self, f: impl FnOnce(&mut crate::core::profile::DirectRoutes)) -> Self {
        f(&mut self.p.direct_routes);
        self
    }

    /// All four direct routes known false.
    pub fn no_routes(self) -> Self {
        self.routes(|r| {
            r.valid_hte = Some(false);
            r.award_5y = Some(false);
            r.provincial_rd_center = Some(false);
            r.led_standard_5y = Some(false);
        })
    }

    /// Change the judged sub-scores.
    pub fn judged(mut self, f: impl FnOnce(&mut crate::core::profile::Judged)) -> Self {
        f(&mut self.p.judged);
        self
    }

    /// A tech-SME registration for `year`.
    pub fn tech_sme(mut self, year: i32) -> Self {
        self.p.tech_sme = Some(TechSmeRegistration { year, reg_no: None });
        self
    }

    /// An HTE certificate issued on a date.
    pub fn hte_certificate(mut self, y: i32, m: u32, day: u32) -> Self {
        self.p.hte_certificate = Some(HteCertificate {
            cert_no: format!("GR{y}41000123"),
            issued_on: d(y, m, day),
        });
        self
    }

    /// The best R&D platform.
    pub fn platform(mut self, level: PlatformLevel) -> Self {
        self.p.rd_platform = Some(level);
        self
    }

    /// A USCC.
    pub fn uscc(mut self, code: &str) -> Self {
        self.p.uscc = Some(code.to_string());
        self
    }

    /// CRITERIA §6's worked example.
    pub fn worked_example() -> ProfileBuilder {
        ProfileBuilder::new()
            .founded(2016, 4, 1)
            .staff(120, 18)
            .revenue(2022, 30_000_000)
            .revenue(2023, 40_000_000)
            .revenue(2024, 48_000_000)
            .rd(2022, 1_500_000)
            .rd(2023, 1_900_000)
            .rd(2024, 2_450_000)
            .high_tech(2024, 31_000_000)
            .total_income(2024, 49_000_000)
            .net_assets(2022, 40_000_000)
            .net_assets(2023, 46_000_000)
            .net_assets(2024, 52_000_000)
            .ip(1, 6)
            .own_rd(Some(true))
            .standards(Some(false))
            .conversions(2022, 2)
            .conversions(2023, 3)
            .conversions(2024, 4)
            .rd_management(Some(true))
            .clean_flags()
    }

    /// A firm that meets every HTE condition as of 2025 (flat figures, so growth scores 0;
    /// judged sub-scores put the innovation score at exactly 76).
    pub fn hte_ready() -> ProfileBuilder {
        let mut b = ProfileBuilder::new()
            .founded(2016, 4, 1)
            .staff(100, 20)
            .ip(1, 6)
            .own_rd(Some(true))
            .standards(Some(false))
            .rd_management(Some(true))
            .clean_flags();
        for y in 2022..=2024 {
            b = b
                .revenue(y, 40_000_000)
                .rd(y, 2_500_000)
                .high_tech(y, 30_000_000)
                .total_income(y, 40_000_000)
                .total_cost(y, 30_000_000)
                .total_assets(y, 60_000_000)
                .net_assets(y, 40_000_000)
                .conversions(y, 5);
        }
        b.judged(|j| {
            j.ip_advancement = Some(8);
            j.ip_core_support = Some(8);
            j.ip_quantity = Some(8);
            j.ip_acquisition = Some(6);
            j.conversion = Some(28);
            j.rd_organisation = Some(18);
        })
    }
}
