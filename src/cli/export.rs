//! `peiyu export <list> --format csv|xlsx [--lang zh|en] [filters] [-o FILE]`: a list as the
//! web pages export it (the same read models, columns and words), over the whole city (the
//! operator's view, as `peiyu firm list` reads it), written as it is read.

use super::CliError;
use crate::app::export::to_csv::CsvSink;
use crate::app::export::to_xlsx::XlsxSink;
use crate::app::export::{Format, Sink};
use crate::app::firms::export;
use crate::app::firms::list::ListParams;
use crate::app::{DbConn, Principal};
use crate::i18n::Lang;
use anyhow::Context;
use clap::{Args, Subcommand};
use std::io::Write;
use std::path::PathBuf;

/// `peiyu export …`
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// Which list.
    #[command(subcommand)]
    pub list: ExportList,
    /// csv (UTF-8 with a byte-order mark, for Excel) or xlsx.
    #[arg(long, global = true, default_value = "csv", value_parser = parse_format)]
    pub format: Format,
    /// Language of the headers and the title line: zh (default) or en.
    #[arg(long, global = true, env = "PEIYU_LANG", default_value = "zh", value_parser = super::parse_lang)]
    pub lang: Lang,
    /// Write to this file instead of standard output.
    #[arg(short = 'o', long, global = true)]
    pub output: Option<PathBuf>,
}

fn parse_format(s: &str) -> Result<Format, String> {
    Format::parse(s).ok_or_else(|| format!("unknown format '{s}': use csv or xlsx"))
}

/// The lists.
// Parsed once per run: the size of the filters' variant costs nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Subcommand)]
pub enum ExportList {
    /// The firm list (every firm matching the filters, in the list's order), as `/firms`
    /// exports it.
    Firms {
        /// Only this stage (prospect, tech_sme, reserve, high_tech, leader, exited).
        #[arg(long, default_value = "")]
        stage: String,
        /// Only this county code (e.g. 411102).
        #[arg(long, default_value = "")]
        county: String,
        /// Only this sector code.
        #[arg(long, default_value = "")]
        sector: String,
        /// Industry code prefix (GB/T 4754-2017: C, C13, 13 …).
        #[arg(long, default_value = "")]
        industry: String,
        /// Only this advisor's firms (user id).
        #[arg(long, default_value = "")]
        advisor: String,
        /// Readiness at least.
        #[arg(long, default_value = "")]
        rmin: String,
        /// Readiness at most.
        #[arg(long, default_value = "")]
        rmax: String,
        /// Name contains, or USCC starts with.
        #[arg(long, default_value = "")]
        q: String,
        /// Sort by readiness (default), name, stage or uscc.
        #[arg(long, default_value = "")]
        sort: String,
        /// asc or desc.
        #[arg(long, default_value = "")]
        dir: String,
    },
    /// The reserve pool (firms in the reserve, then tech-SMEs, each ranked by readiness), as
    /// `/pool` exports it.
    Pool {
        /// Only this county code.
        #[arg(long)]
        county: Option<String>,
    },
}

/// Run `peiyu export …`.
pub fn run(database_url: &str, args: ExportArgs) -> Result<(), CliError> {
    let mut conn = crate::store::connect_one(database_url).context("open the database")?;
    let now = chrono::Utc::now().naive_utc();
    let lang = args.lang;
    let list = args.list;
    let produce = move |c: &mut DbConn, sink: &mut dyn Sink| -> Result<(), CliError> {
        let p = Principal::system();
        match &list {
            ExportList::Firms {
                stage,
                county,
                sector,
                industry,
                advisor,
                rmin,
                rmax,
                q,
                sort,
                dir,
            } => {
                let params = ListParams {
                    stage: stage.clone(),
                    county: county.clone(),
                    sector: sector.clone(),
                    industry: industry.clone(),
                    advisor: advisor.clone(),
                    rmin: rmin.clone(),
                    rmax: rmax.clone(),
                    q: q.clone(),
                    sort: sort.clone(),
                    dir: dir.clone(),
                    ..ListParams::default()
                };
                export::firm_list(c, &p, &params, lang, now, sink)
            }
            ExportList::Pool { county } => {
                export::reserve_pool(c, &p, county.as_deref(), lang, now, sink)
            }
        }
        .map_err(super::app_error)
    };
    match args.format {
        Format::Csv => {
            let out: Box<dyn Write> = match &args.output {
                Some(path) => Box::new(
                    std::fs::File::create(path)
                        .with_context(|| format!("create {}", path.display()))?,
                ),
                None => Box::new(std::io::stdout().lock()),
            };
            let mut sink = CsvSink::new(std::io::BufWriter::new(out));
            produce(&mut conn, &mut sink)?;
            sink.finish()
                .map_err(super::app_error)?
                .flush()
                .context("write the CSV")?;
        }
        Format::Xlsx => {
            let mut sink = XlsxSink::new();
            produce(&mut conn, &mut sink)?;
            match &args.output {
                Some(path) => sink.save(path).map_err(super::app_error)?,
                None => {
                    let tmp = tempfile::NamedTempFile::new().context("make a temporary file")?;
                    sink.save(tmp.path()).map_err(super::app_error)?;
                    let mut file = tmp.reopen().context("open the workbook")?;
                    std::io::copy(&mut file, &mut std::io::stdout().lock())
                        .context("write the workbook")?;
                }
            }
        }
    }
    Ok(())
}
