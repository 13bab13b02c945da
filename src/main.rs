//! The `peiyu` binary: parse the command line, run, map errors to exit codes.

use clap::Parser;

fn main() {
    let cli = peiyu::cli::Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new(cli.log_filter()))
        .with_writer(std::io::stderr)
        .init();
    if let Err(e) = peiyu::cli::run(cli) {
        eprintln!("peiyu: {e}");
        std::process::exit(e.exit_code());
    }
}
