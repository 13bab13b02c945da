//! `peiyu eval`: a profile on stdin, an evaluation on stdout (DESIGN §3).

use super::CliError;
use crate::core::error::{InputError, Text};
use crate::core::profile::Profile;
use crate::core::rules::{self, RuleSet, Thresholds};
use anyhow::Context;
use clap::Args;
use std::io::{Read, Write};
use std::path::PathBuf;

const PROFILE_HELP: &str = "\
The profile is JSON on stdin (amounts in whole yuan); every field is optional, and a missing
fact makes the criteria that need it `unknown`. Staff counts are of the latest fiscal year:
employees (total staff) is the average of the monthly head counts, including part-time and
seconded staff who worked 183 days or more; tech_staff (technical staff) counts those in R&D and
related technical work with 183 days or more in the year, and is at most employees.

  uscc, name, founded_on (YYYY-MM-DD), employees, tech_staff,
  industry_code (GB/T 4754-2017, e.g. \"C1351\"; the letter may be left out),
  financials: [{year, revenue, rd_expense, rd_expense_domestic, high_tech_revenue,
                total_cost, total_assets, net_assets, total_income}],
  ip: {class_one, class_two, own_rd (bool: obtained by own R&D),
       standards (bool: led or joined national/industry standards)},
  conversions: {\"2023\": 4, …},
  rd_management: {system, institution, conversion_platform, talent},
  flags: {key_field, core_ip, major_incident, restricted_industry, dishonest,
          deemed_taxation},
  direct_routes: {valid_hte, provincial_rd_center, award_5y, led_standard_5y},
  judged: {ip_advancement, ip_core_support, ip_quantity, ip_acquisition, ip_standards,
           conversion, rd_organisation, growth_net_assets, growth_sales}

  revenue is sales: the denominator of the R&D ratio and of sales growth.
  total_income is total income: all income less non-taxable income (sales plus investment,
    non-operating and other income; never below revenue): the denominator of the HTE high-tech revenue share
    (hte.high_tech_revenue_share). Without it a share of revenue below 60% fails, and one at
    or above 60% is unknown until total_income is entered.
  flags.deemed_taxation: true when income tax is assessed on a deemed basis, which
    fails tsme.tax_collection (the 2022 tech-SME guideline); false for audited accounts.
  industry_code: tsme.not_restricted also fails for the divisions excluded from the R&D super
    deduction (Caishui [2015] No. 119, art. 4): C16, F51, F52, H61, H62, K70, L71, L72, R90. Without a
    code the flag alone decides and the evaluation lists the assumption industry_not_checked.
  conversions: a year of the window with no entry is unknown (not zero): the conversion part
    is the range its possible averages allow (assumption conversion_years_missing).

The official terms and clauses behind each field are in shared/CRITERIA.md.

Fields beyond DESIGN §3 that the local rule sets read:
  tech_sme: {year, reg_no}          the latest tech-SME registration (reserve, gazelle)
  hte_certificate: {cert_no, issued_on}   the HTE certificate (leader, gazelle)
  rd_platform: none|city|provincial|national   best R&D platform (leader, little giant)

Readings the official text leaves open (growth from two years of figures, net assets ≤ 0 in
a denominator, a zero first year) are listed under `assumptions` when used.

Bad input (malformed JSON, a negative amount, total_income below revenue, a malformed
industry_code, an unknown rule set, a judged score outside its band, zero employees) exits
with status 2 and one line on stderr. No sales in a year or in the whole window is data, not
bad input: the criteria that cannot be met fail with a sentence that says why.";

/// Arguments of `peiyu eval`.
#[derive(Debug, Args)]
#[command(after_long_help = PROFILE_HELP)]
pub struct EvalArgs {
    /// Rule set: hte-2016, tech-sme-2017, reserve-local, leader-local, gazelle-henan-2023,
    /// little-giant-henan-2017.
    #[arg(long)]
    pub ruleset: String,

    /// Evaluate as of this date (YYYY-MM-DD); default today (China time).
    #[arg(long)]
    pub as_of: Option<String>,

    /// JSON file overriding the local rule thresholds (defaults: CRITERIA.md).
    #[arg(long)]
    pub thresholds: Option<PathBuf>,
}

/// Run `peiyu eval`.
pub fn run(args: EvalArgs) -> Result<(), CliError> {
    let ruleset = RuleSet::parse(&args.ruleset)?;
    let as_of = super::parse_date_arg("--as-of", args.as_of.as_deref())?;
    let thresholds = match &args.thresholds {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("read thresholds file {}", path.display()))?;
            serde_json::from_str::<Thresholds>(&text).map_err(|e| {
                InputError::new(
                    "--thresholds",
                    "invalid_thresholds",
                    Text::new("cli.eval.invalid_thresholds").plain("error", e),
                )
            })?
        }
        None => Thresholds::default(),
    };
    let mut input = String::new();
    std::io::stdin().read_to_string(&mut input).map_err(|e| {
        InputError::new(
            "profile",
            "unreadable_input",
            Text::new("cli.eval.unreadable_input").plain("error", e),
        )
    })?;
    let profile = Profile::from_json(&input)?;
    let evaluation = rules::evaluate(&profile, ruleset, as_of, &thresholds)?;
    let mut out = std::io::stdout().lock();
    serde_json::to_writer_pretty(&mut out, &evaluation.to_json()).context("write evaluation")?;
    writeln!(out).context("write evaluation")?;
    Ok(())
}
