//! `peiyu firm list` and `peiyu firm show USCC`: the ladder in a terminal.

use super::CliError;
use crate::app::firms::list::ListParams;
use crate::app::firms::read::{self, NextEvaluation};
use crate::app::DbConn;
use crate::app::{AppError, Principal};
use crate::core::money::Fen;
use crate::core::stage::{hte_valid_until, Stage};
use crate::i18n::{self, Lang};
use anyhow::Context;
use clap::{Args, Subcommand};
use serde_json::Value;

/// `peiyu firm …`
#[derive(Debug, Args)]
pub struct FirmArgs {
    /// What to do.
    #[command(subcommand)]
    pub command: FirmCommand,
    /// Language of the output: zh (default) or en.
    #[arg(long, global = true, env = "PEIYU_LANG", default_value = "zh", value_parser = super::parse_lang)]
    pub lang: Lang,
}

/// Firm commands.
#[derive(Debug, Subcommand)]
pub enum FirmCommand {
    /// Firms, most ready for their next stage first.
    List {
        /// Only this stage (prospect, tech_sme, reserve, high_tech, leader, exited).
        #[arg(long)]
        stage: Option<String>,
        /// Only this county code (e.g. 411102).
        #[arg(long)]
        county: Option<String>,
        /// At most this many.
        #[arg(long, default_value_t = 20)]
        limit: i64,
        /// Print only the codes, one per line.
        #[arg(long)]
        uscc_only: bool,
    },
    /// One firm: stage, credentials, figures, history and what it lacks for the next stage.
    Show {
        /// 统一社会信用代码.
        uscc: String,
    },
}

/// Run `peiyu firm …`.
pub fn run(database_url: &str, args: FirmArgs) -> Result<(), CliError> {
    let mut conn = crate::store::connect_one(database_url).context("open the database")?;
    match args.command {
        FirmCommand::List {
            stage,
            county,
            limit,
            uscc_only,
        } => list(&mut conn, args.lang, stage, county, limit, uscc_only),
        FirmCommand::Show { uscc } => show(&mut conn, args.lang, &uscc),
    }
}

fn list(
    conn: &mut DbConn,
    lang: Lang,
    stage: Option<String>,
    county: Option<String>,
    limit: i64,
    uscc_only: bool,
) -> Result<(), CliError> {
    let stage = match stage {
        Some(s) => Some(Stage::parse(s.trim()).ok_or_else(|| {
            crate::core::error::InputError::new(
                "--stage",
                "unknown_stage",
                crate::core::error::Text::new("cli.error.unknown_stage").plain("s", &s),
            )
        })?),
        None => None,
    };
    // The same read model as the API's list, most ready first, over every county.
    let mut query = ListParams::default().to_query();
    query.stage = stage;
    query.county_code = county;
    query.limit = limit.max(0);
    let rows = if query.limit == 0 {
        Vec::new()
    } else {
        read::firm_page_rows(conn, &Principal::system(), &query)
            .map_err(super::app_error)?
            .0
    };
    if uscc_only {
        for f in rows {
            println!("{}", f.uscc);
        }
        return Ok(());
    }
    println!(
        "{:<18}  {:<10}  {:>9}  {:<8}  {}",
        "USCC",
        t(lang, "stage"),
        t(lang, "readiness"),
        t(lang, "eligible_column"),
        t(lang, "name")
    );
    for f in rows {
        let eligible = match f.next_eligible {
            Some(true) => t(lang, "eligible_yes"),
            Some(false) => t(lang, "eligible_no"),
            None => t(lang, "eligible_unknown"),
        };
        println!(
            "{:<18}  {:<10}  {:>9}  {:<8}  {}",
            f.uscc, f.stage, f.readiness, eligible, f.name
        );
    }
    Ok(())
}

/// The text of `cli.firm.<key>` in the catalog of `lang`.
fn t(lang: Lang, key: &str) -> String {
    i18n::text(lang, &format!("cli.firm.{key}"))
}

fn stage_name(lang: Lang, s: &str) -> String {
    match Stage::parse(s) {
        Some(st) => format!(
            "{} ({})",
            i18n::text(lang, &format!("stage.{}", st.id())),
            st.id()
        ),
        None => s.to_string(),
    }
}

fn wan(fen: Option<i64>) -> String {
    match fen {
        Some(f) => Fen(f).wan_fixed(1),
        None => "—".to_string(),
    }
}

fn show(conn: &mut DbConn, lang: Lang, raw: &str) -> Result<(), CliError> {
    let code = raw.trim().to_uppercase();
    // The firm page's read model, seen by the system (every county).
    let page = match read::firm_page_by_uscc(conn, &Principal::system(), &code) {
        Err(AppError::NotFound) => {
            return Err(CliError::from(crate::core::error::InputError::new(
                "USCC",
                "firm_not_found",
                crate::core::error::Text::new("cli.error.firm_not_found").plain("code", &code),
            )))
        }
        other => other.map_err(super::app_error)?,
    };
    let firm = &page.firm;

    println!("{}  {}", firm.name, firm.uscc);
    println!(
        "{} {} · {} {} · {} {} · {} {}",
        t(lang, "county"),
        page.county
            .as_ref()
            .map_or(firm.county_code.clone(), |c| lang
                .pick(&c.name_zh, &c.name_en)
                .to_string()),
        t(lang, "sector"),
        page.sector.as_ref().map_or("—".to_string(), |s| lang
            .pick(&s.name_zh, &s.name_en)
            .to_string()),
        t(lang, "founded"),
        firm.founded_on.map_or("—".into(), |d| d.to_string()),
        t(lang, "advisor"),
        page.advisor.as_ref().map_or("—".into(), |a| format!(
            "{} ({})",
            a.display_name, a.username
        )),
    );
    println!(
        "{} {}   {} {}",
        t(lang, "current_stage"),
        stage_name(lang, &firm.stage),
        t(lang, "version"),
        firm.version
    );

    println!("\n{}", t(lang, "credentials"));
    if page.credentials.is_empty() {
        println!("  {}", t(lang, "none"));
    }
    for c in &page.credentials {
        println!(
            "  {:<12} {:<16} {} → {}  {}",
            c.kind,
            c.number.clone().unwrap_or_default(),
            c.valid_from,
            c.valid_until.map_or("—".into(), |d| d.to_string()),
            c.status
        );
    }

    println!("\n{}", t(lang, "figures_wan"));
    println!(
        "  {:<6} {:>10} {:>10} {:>10} {:>10} {:>5}",
        t(lang, "year"),
        t(lang, "revenue"),
        t(lang, "rd"),
        t(lang, "high_tech"),
        t(lang, "net_assets"),
        t(lang, "conv")
    );
    for y in &page.years {
        println!(
            "  {:<6} {:>10} {:>10} {:>10} {:>10} {:>5}",
            y.year,
            wan(y.revenue),
            wan(y.rd_expense),
            wan(y.high_tech_revenue),
            wan(y.net_assets),
            y.conversions.map_or("—".into(), |c| c.to_string())
        );
    }
    let (class_one, class_two) = page.ip_class_counts();
    println!(
        "  {} {} · {} {} · {} {}/{}",
        t(lang, "employees"),
        firm.employees.map_or("—".into(), |n| n.to_string()),
        t(lang, "tech_staff"),
        firm.tech_staff.map_or("—".into(), |n| n.to_string()),
        t(lang, "ip_class_i_ii"),
        class_one,
        class_two
    );

    println!("\n{}", t(lang, "history"));
    if page.events.is_empty() {
        println!("  {}", t(lang, "none"));
    }
    for e in &page.events {
        let who = match e.actor_id {
            Some(id) => page
                .actors
                .get(&id)
                .map_or_else(|| id.to_string(), |u| u.username.clone()),
            None => e.actor_role.clone(),
        };
        let kind = crate::core::stage::EventKind::parse(&e.event);
        println!(
            "  {}  {:<9} → {:<9}  {}  {} {}{}",
            e.as_of,
            e.from_stage,
            e.to_stage,
            kind.map_or(e.event.clone(), |k| i18n::text(
                lang,
                &format!("event.{}", k.id())
            )),
            t(lang, "by"),
            who,
            e.reason
                .as_deref()
                .map_or(String::new(), |r| format!(" — {r}"))
        );
    }

    let (next, outcome) = match &page.next {
        NextEvaluation::None => {
            println!("\n{}", t(lang, "at_the_top"));
            return Ok(());
        }
        NextEvaluation::Evaluated { stage, json } => (*stage, Ok(json)),
        NextEvaluation::BadData { stage, error } => (*stage, Err(error)),
    };
    let ruleset = Stage::parse(&firm.stage)
        .and_then(|s| s.next())
        .map_or("", |(_, r)| r.id());
    println!(
        "\n{} {} ({}, {} {})",
        t(lang, "next_stage"),
        i18n::text(lang, &format!("stage.{}", next.id())),
        ruleset,
        t(lang, "as_of"),
        page.as_of
    );
    if let Some(cert) = &page.hte_certificate {
        println!(
            "  {} {} {} {}",
            t(lang, "hte_certificate"),
            cert.cert_no,
            t(lang, "valid_until"),
            hte_valid_until(cert.issued_on)
        );
    }
    match outcome {
        Ok(ev) => print_evaluation(lang, ev),
        Err(e) => println!(
            "  {} {}: {}",
            t(lang, "cannot_evaluate"),
            e.field,
            crate::i18n::render(lang, &e.text)
        ),
    }
    Ok(())
}

fn print_evaluation(lang: Lang, ev: &Value) {
    let verdict = match ev["eligible"].as_bool() {
        Some(true) => t(lang, "verdict_eligible"),
        Some(false) => t(lang, "verdict_not_yet"),
        None => t(lang, "undecided"),
    };
    let score = match (&ev["score"]["low"], &ev["score"]["high"]) {
        (Value::Number(l), Value::Number(h)) if l == h => {
            format!(" · {} {l}", t(lang, "score"))
        }
        (Value::Number(l), Value::Number(h)) => {
            format!(" · {} {l}–{h}", t(lang, "score"))
        }
        _ => String::new(),
    };
    println!(
        "  {verdict}{score} · {} {}/100",
        t(lang, "readiness"),
        ev["readiness"]
    );
    for c in ev["criteria"].as_array().into_iter().flatten() {
        let (mark, status) = match c["status"].as_str() {
            Some("pass") => ("✓", t(lang, "status_pass")),
            Some("fail") => ("✗", t(lang, "status_fail")),
            _ => ("?", t(lang, "status_unknown")),
        };
        let text = |key: &str| {
            c[format!("{key}_{}", lang.code())]
                .as_str()
                .unwrap_or("")
                .to_string()
        };
        println!(
            "  {mark} {:<8} {:<28} {} / {}",
            status,
            c["id"].as_str().unwrap_or(""),
            c["actual"].as_str().unwrap_or("—"),
            c["required"].as_str().unwrap_or("—")
        );
        let explain = text("explain");
        if !explain.is_empty() {
            println!("      {explain}");
        }
        let gap = text("gap");
        if !gap.is_empty() {
            println!("      → {gap}");
        }
    }
}
