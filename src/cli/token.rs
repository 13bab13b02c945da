//! `peiyu token create|revoke|list`: API bearer tokens for integrations.

use super::CliError;
use crate::app::{accounts::tokens, Principal};
use crate::core::error::Text;
use crate::i18n::{render, Lang};
use anyhow::Context;

use clap::{Args, Subcommand};

/// Arguments of `peiyu token`.
#[derive(Debug, Args)]
pub struct TokenArgs {
    /// What to do.
    #[command(subcommand)]
    pub command: TokenCommand,
}

/// The `token` subcommands.
#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Create a token acting as a user; prints it once (keep it: only its hash is stored).
    Create {
        /// The user the token acts as.
        #[arg(long)]
        user: String,
        /// A label saying what it is for.
        #[arg(long)]
        name: String,
    },
    /// Revoke a token by id.
    Revoke {
        /// Token id (see `peiyu token list`).
        id: i64,
    },
    /// List tokens (never the tokens themselves).
    List,
}

/// Run `peiyu token …`.
pub fn run(database_url: &str, args: TokenArgs) -> Result<(), CliError> {
    let mut conn = crate::store::connect_one(database_url).context("open the database")?;
    let system = Principal::system();
    match args.command {
        TokenCommand::Create { user, name } => {
            let t =
                tokens::create_token(&mut conn, &user, &name, &system).map_err(super::app_error)?;
            let created = Text::new("cli.token.created")
                .plain("id", t.row.id)
                .plain("user", &user);
            eprintln!(
                "{} / {}:",
                render(Lang::En, &created),
                render(Lang::ZhCn, &created)
            );
            println!("{}", t.token);
        }
        TokenCommand::Revoke { id } => {
            tokens::revoke_token(&mut conn, id, &system).map_err(super::app_error)?;
            let revoked = Text::new("cli.token.revoked").plain("id", id);
            println!(
                "{} / {}",
                render(Lang::En, &revoked),
                render(Lang::ZhCn, &revoked)
            );
        }
        TokenCommand::List => {
            for (t, username) in
                tokens::list_tokens(&mut conn, &system).map_err(super::app_error)?
            {
                let state = if t.revoked_at.is_some() {
                    "revoked"
                } else {
                    "active"
                };
                let used = t
                    .last_used_at
                    .map_or_else(|| "-".to_string(), crate::core::clock::china_minute);
                println!(
                    "{}\t{username}\t{}\t{state}\tlast used {used}",
                    t.id, t.name
                );
            }
        }
    }
    Ok(())
}
