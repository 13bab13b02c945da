//! `peiyu firm list` and `peiyu firm show USCC`: the ladder in a terminal.

use super::CliError;
use crate::app::firms::list::ListParams;
use crate::app::firms::read::{self, NextEvaluation};
use crate::app::DbConn;
use crate::app::{AppError, Principal};
use crate::core::money::Fen;
use crate::core::stage::{hte_valid_until, Stage};
use crate::i18n::Lang;
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
                format!("未知阶段“{s}”：prospect、tech_sme、reserve、high_tech、leader、exited"),
                format!(
                    "unknown stage '{s}': prospect, tech_sme, reserve, high_tech, leader, exited"
                ),
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
        lang.pick("阶段", "stage"),
        lang.pick("准备度", "readiness"),
        lang.pick("可晋级", "eligible"),
        lang.pick("企业名称", "name")
    );
    for f in rows {
        let eligible = match f.next_eligible {
            Some(true) => lang.pick("是", "yes"),
            Some(false) => lang.pick("否", "no"),
            None => lang.pick("待定", "unknown"),
        };
        println!(
            "{:<18}  {:<10}  {:>9}  {:<8}  {}",
            f.uscc, f.stage, f.readiness, eligible, f.name
        );
    }
    Ok(())
}

fn stage_name(lang: Lang, s: &str) -> String {
    match Stage::parse(s) {
        Some(st) => format!("{} ({})", lang.pick(st.zh(), st.en()), st.id()),
        None => s.to_string(),
    }
}

fn wan(lang: Lang, fen: Option<i64>) -> String {
    match fen {
        Some(f) => Fen(f).wan_fixed(1),
        None => lang.pick("—", "—").to_string(),
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
                format!("没有统一社会信用代码为 {code} 的企业"),
                format!("no firm with the code {code}"),
            )))
        }
        other => other.map_err(super::app_error)?,
    };
    let firm = &page.firm;

    println!("{}  {}", firm.name, firm.uscc);
    println!(
        "{} {} · {} {} · {} {} · {} {}",
        lang.pick("区县", "County"),
        page.county
            .as_ref()
            .map_or(firm.county_code.clone(), |c| lang
                .pick(&c.name_zh, &c.name_en)
                .to_string()),
        lang.pick("行业", "Sector"),
        page.sector.as_ref().map_or("—".to_string(), |s| lang
            .pick(&s.name_zh, &s.name_en)
            .to_string()),
        lang.pick("成立", "Founded"),
        firm.founded_on.map_or("—".into(), |d| d.to_string()),
        lang.pick("辅导员", "Advisor"),
        page.advisor.as_ref().map_or("—".into(), |a| format!(
            "{} ({})",
            a.display_name, a.username
        )),
    );
    println!(
        "{} {}   {} {}",
        lang.pick("当前阶段", "Stage"),
        stage_name(lang, &firm.stage),
        lang.pick("版本", "version"),
        firm.version
    );

    println!("\n{}", lang.pick("资质", "Credentials"));
    if page.credentials.is_empty() {
        println!("  {}", lang.pick("（无）", "(none)"));
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

    println!(
        "\n{}",
        lang.pick("年度数据（万元）", "Figures (10,000 yuan)")
    );
    println!(
        "  {:<6} {:>10} {:>10} {:>10} {:>10} {:>5}",
        lang.pick("年度", "year"),
        lang.pick("营业收入", "revenue"),
        lang.pick("研发费用", "R&D"),
        lang.pick("高新收入", "high-tech"),
        lang.pick("净资产", "net assets"),
        lang.pick("转化", "conv.")
    );
    for y in &page.years {
        println!(
            "  {:<6} {:>10} {:>10} {:>10} {:>10} {:>5}",
            y.year,
            wan(lang, y.revenue),
            wan(lang, y.rd_expense),
            wan(lang, y.high_tech_revenue),
            wan(lang, y.net_assets),
            y.conversions.map_or("—".into(), |c| c.to_string())
        );
    }
    let (class_one, class_two) = page.ip_class_counts();
    println!(
        "  {} {} · {} {} · {} {}/{}",
        lang.pick("职工", "employees"),
        firm.employees.map_or("—".into(), |n| n.to_string()),
        lang.pick("科技人员", "tech staff"),
        firm.tech_staff.map_or("—".into(), |n| n.to_string()),
        lang.pick("知识产权 Ⅰ类/Ⅱ类", "IP class I/II"),
        class_one,
        class_two
    );

    println!("\n{}", lang.pick("阶段历史", "History"));
    if page.events.is_empty() {
        println!("  {}", lang.pick("（无）", "(none)"));
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
            kind.map_or(e.event.clone(), |k| lang.pick(k.zh(), k.en()).to_string()),
            lang.pick("经办", "by"),
            who,
            e.reason
                .as_deref()
                .map_or(String::new(), |r| format!(" — {r}"))
        );
    }

    let (next, outcome) = match &page.next {
        NextEvaluation::None => {
            println!(
                "\n{}",
                lang.pick(
                    "已在最高阶段或已退出。",
                    "At the top of the ladder, or exited."
                )
            );
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
        lang.pick("晋级评价：", "Next stage:"),
        lang.pick(next.zh(), next.en()),
        ruleset,
        lang.pick("评价日", "as of"),
        page.as_of
    );
    if let Some(cert) = &page.hte_certificate {
        println!(
            "  {} {} {}",
            lang.pick("高企证书", "HTE certificate"),
            cert.cert_no,
            lang.pick(
                &format!("有效期至 {}", hte_valid_until(cert.issued_on)),
                &format!("valid until {}", hte_valid_until(cert.issued_on))
            )
        );
    }
    match outcome {
        Ok(ev) => print_evaluation(lang, ev),
        Err(e) => println!(
            "  {} {}: {}",
            lang.pick("无法评价", "cannot evaluate"),
            e.field,
            lang.pick(&e.zh, &e.en)
        ),
    }
    Ok(())
}

fn print_evaluation(lang: Lang, ev: &Value) {
    let verdict = match ev["eligible"].as_bool() {
        Some(true) => lang.pick("符合条件", "eligible"),
        Some(false) => lang.pick("尚不符合", "not yet eligible"),
        None => lang.pick(
            "待定（数据不全或需专家评分）",
            "undecided (data missing or expert judgement)",
        ),
    };
    let score = match (&ev["score"]["low"], &ev["score"]["high"]) {
        (Value::Number(l), Value::Number(h)) if l == h => {
            format!(" · {} {l}", lang.pick("得分", "score"))
        }
        (Value::Number(l), Value::Number(h)) => {
            format!(" · {} {l}–{h}", lang.pick("得分", "score"))
        }
        _ => String::new(),
    };
    println!(
        "  {verdict}{score} · {} {}/100",
        lang.pick("准备度", "readiness"),
        ev["readiness"]
    );
    for c in ev["criteria"].as_array().into_iter().flatten() {
        let (mark, status) = match c["status"].as_str() {
            Some("pass") => ("✓", lang.pick("通过", "PASS")),
            Some("fail") => ("✗", lang.pick("未通过", "FAIL")),
            _ => ("?", lang.pick("待定", "UNKNOWN")),
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
