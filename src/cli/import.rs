//! `peiyu import firms FILE`: a registry (CSV or XLSX) into the database, with a progress bar
//! on a terminal and plain lines otherwise.

use super::CliError;
use crate::app::imports::announce::{self, AnnounceOptions};
use crate::app::imports::{self, ImportOptions, ImportReport, Outcome, Phase};
use crate::app::Principal;
use crate::core::error::Text;
use crate::i18n::{render, Lang};
use anyhow::Context;
use clap::{Args, Subcommand};
use std::io::IsTerminal;

/// `peiyu import …`
#[derive(Debug, Args)]
pub struct ImportArgs {
    /// What to import.
    #[command(subcommand)]
    pub command: ImportCommand,
    /// Language of the output: zh (default) or en.
    #[arg(long, global = true, env = "PEIYU_LANG", default_value = "zh", value_parser = super::parse_lang)]
    pub lang: Lang,
}

/// What can be imported.
#[derive(Debug, Subcommand)]
pub enum ImportCommand {
    /// A registry of firms (CSV in UTF-8 or GB18030, or XLSX): firms upserted by their code
    /// with their yearly figures and IP counts. Headers in Chinese or English (序号, 统一社会信用代码,
    /// 企业名称, 所属县区, 成立日期, 职工总数, 科技人员数, 联系人, 联系电话, 行业代码, 发明专利,
    /// 实用新型专利, 外观设计专利, 软件著作权, 年度, and amounts 营业收入, 研发费用,
    /// 高新技术产品（服务）收入, 总收入, 成本费用总额, 资产总额, 净资产 with a unit (万元 by default,
    /// 元, 千元) and a year ("2024年营业收入") or a 年度 column). Nothing is written when a row is
    /// rejected, unless --skip-bad-rows.
    Firms {
        /// The file.
        file: std::path::PathBuf,
        /// Compare and report; write nothing.
        #[arg(long)]
        dry_run: bool,
        /// Write the good rows even when some are rejected.
        #[arg(long)]
        skip_bad_rows: bool,
    },
    /// The province's announcement list of newly certified high-tech enterprises (证书编号,
    /// 发证日期) or of registered tech-SMEs (入库登记编号, 年度), CSV or XLSX, which list
    /// it is read from the header. Firms are found by 统一社会信用代码 (else by 企业名称);
    /// each certificate or registration is recorded through the stage machine (and the
    /// outcome of the firm's recommended application with it); firms not in the system
    /// are created from 所属县区. Rows with problems, name mismatches and refusals are listed
    /// and left out; the rest is recorded in one transaction. Recording the same list again
    /// changes nothing.
    Announcements {
        /// The file.
        file: std::path::PathBuf,
        /// The bureau or admin user (username) the certificates are recorded by.
        #[arg(long = "as", value_name = "USERNAME")]
        as_user: String,
        /// Show what recording would do; write nothing.
        #[arg(long)]
        dry_run: bool,
    },
}

/// How many changes and errors are listed before "… and N more".
const LISTED: usize = 50;

/// Run `peiyu import …`.
pub fn run(database_url: &str, args: ImportArgs) -> Result<(), CliError> {
    let lang = args.lang;
    let (file, dry_run, skip_bad_rows) = match args.command {
        ImportCommand::Firms {
            file,
            dry_run,
            skip_bad_rows,
        } => (file, dry_run, skip_bad_rows),
        ImportCommand::Announcements {
            file,
            as_user,
            dry_run,
        } => return run_announcements(database_url, lang, &file, &as_user, dry_run),
    };
    let bytes = std::fs::read(&file).with_context(|| format!("read {}", file.display()))?;
    let mut conn = crate::store::connect_one(database_url).context("open the database")?;
    let (tty, bar) = progress_bar();
    let mut last_phase = None;
    let mut progress = |phase: Phase, done: usize, total: usize| {
        let key = match phase {
            Phase::Checking => "import.cli.checking",
            Phase::Writing => "import.cli.writing",
        };
        if tty {
            bar.set_message(render(lang, &Text::new(key)));
            bar.set_length(total as u64);
            bar.set_position(done as u64);
        } else if last_phase != Some((phase, done == total)) {
            // Plain lines: each phase's start and end, once.
            eprintln!("{} {done}/{total}", render(lang, &Text::new(key)));
            last_phase = Some((phase, done == total));
        }
    };
    let report = imports::import_firms(
        &mut conn,
        &bytes,
        ImportOptions {
            dry_run,
            skip_bad_rows,
        },
        &Principal::system(),
        &mut progress,
    )
    .map_err(super::app_error)?;
    bar.finish_and_clear();
    print_report(lang, &report);
    if report.refused() {
        return Err(CliError::Failed(anyhow::anyhow!(
            "{}",
            render(
                lang,
                &Text::new("import.cli.nothing_committed")
                    .plain("rejected", report.rejected_rows.len())
            )
        )));
    }
    Ok(())
}

fn print_report(lang: Lang, r: &ImportReport) {
    print_errors(lang, &r.errors);
    for c in r.changes.iter().take(LISTED) {
        let t = match &c.outcome {
            Outcome::New => Text::new("import.cli.new_firm")
                .plain("uscc", &c.uscc)
                .plain("name", &c.name),
            Outcome::Updated(changes) => {
                let list = changes
                    .iter()
                    .map(|f| {
                        let label = render(lang, &f.label());
                        let year = f.year.map(|y| format!("{y} ")).unwrap_or_default();
                        format!("{year}{label} {} → {}", f.before, f.after)
                    })
                    .collect::<Vec<_>>()
                    .join("; ");
                Text::new("import.cli.updated_firm")
                    .plain("uscc", &c.uscc)
                    .plain("name", &c.name)
                    .plain("changes", list)
            }
        };
        println!("{}", render(lang, &t));
    }
    if r.changes.len() > LISTED {
        more(lang, r.changes.len() - LISTED);
    }
    println!(
        "{}",
        render(
            lang,
            &Text::new("import.cli.summary")
                .plain("rows", r.data_rows)
                .plain("new", r.new)
                .plain("updated", r.updated)
                .plain("unchanged", r.unchanged)
                .plain("rejected", r.rejected_rows.len())
                .plain("totals", r.totals_rows.len())
        )
    );
    let note = if r.dry_run {
        Some(Text::new("import.cli.dry_run"))
    } else if r.committed && !r.rejected_rows.is_empty() {
        Some(Text::new("import.cli.skipped_committed").plain("rejected", r.rejected_rows.len()))
    } else if r.committed {
        Some(Text::new("import.cli.committed"))
    } else {
        None
    };
    if let Some(t) = note {
        println!("{}", render(lang, &t));
    }
}

fn more(lang: Lang, n: usize) {
    println!(
        "{}",
        render(lang, &Text::new("import.cli.more").plain("n", n))
    );
}

/// A progress bar on a terminal (stderr), hidden otherwise; and whether it is a terminal.
fn progress_bar() -> (bool, indicatif::ProgressBar) {
    let tty = std::io::stderr().is_terminal();
    let bar = indicatif::ProgressBar::new(0);
    if tty {
        bar.set_style(
            indicatif::ProgressStyle::with_template("{msg:8} [{bar:40}] {pos}/{len}")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
                .progress_chars("=> "),
        );
    } else {
        bar.set_draw_target(indicatif::ProgressDrawTarget::hidden());
    }
    (tty, bar)
}

/// `peiyu import announcements FILE --as USER [--dry-run]`.
fn run_announcements(
    database_url: &str,
    lang: Lang,
    file: &std::path::Path,
    as_user: &str,
    dry_run: bool,
) -> Result<(), CliError> {
    let bytes = std::fs::read(file).with_context(|| format!("read {}", file.display()))?;
    let mut conn = crate::store::connect_one(database_url).context("open the database")?;
    let principal = announce::recording_user(&mut conn, as_user).map_err(super::app_error)?;
    let (tty, bar) = progress_bar();
    let key = "import.cli.writing";
    let mut started = false;
    let mut progress = |done: usize, total: usize| {
        if tty {
            bar.set_message(render(lang, &Text::new(key)));
            bar.set_length(total as u64);
            bar.set_position(done as u64);
        } else if !started || done == total {
            eprintln!("{} {done}/{total}", render(lang, &Text::new(key)));
            started = true;
        }
    };
    let report = announce::import_announcements(
        &mut conn,
        &bytes,
        AnnounceOptions { dry_run },
        &principal,
        &mut progress,
    )
    .map_err(super::app_error)?;
    bar.finish_and_clear();
    print_errors(lang, &report.errors);
    let attention: Vec<_> = report.attention().collect();
    for e in attention.iter().take(LISTED) {
        println!(
            "{}",
            render(
                lang,
                &Text::new("announce.cli.attention_line")
                    .plain("row", e.row)
                    .plain("uscc", &e.uscc)
                    .plain("name", &e.name)
                    .plain("number", &e.number)
                    .text("outcome", announce::outcome_text(&e.outcome))
            )
        );
    }
    if attention.len() > LISTED {
        more(lang, attention.len() - LISTED);
    }
    if let Some(kind) = report.kind {
        println!("{}", render(lang, &announce::kind_text(kind)));
    }
    println!("{}", render(lang, &report.summary()));
    let note = if report.dry_run {
        "announce.dry_run"
    } else if report.committed {
        "announce.committed"
    } else {
        "announce.nothing_read"
    };
    println!("{}", render(lang, &Text::new(note)));
    if report.kind.is_none() {
        return Err(CliError::Failed(anyhow::anyhow!(
            "{}",
            render(lang, &Text::new("announce.nothing_read"))
        )));
    }
    Ok(())
}

/// The rows with problems, up to [`LISTED`].
fn print_errors(lang: Lang, errors: &[crate::core::registry::RowError]) {
    for e in errors.iter().take(LISTED) {
        println!(
            "{}",
            render(
                lang,
                &Text::new("import.cli.error_line")
                    .plain("row", e.row)
                    .plain("column", &e.column)
                    .plain("header", &e.header)
                    .plain("value", &e.value)
                    .text("message", e.text.clone())
            )
        );
    }
    if errors.len() > LISTED {
        more(lang, errors.len() - LISTED);
    }
}
