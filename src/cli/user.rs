//! `peiyu user add`: create an account from the command line (the first administrator, or
//! accounts for a script). The password comes from `PEIYU_PASSWORD` or, on a terminal, a
//! prompt without echo; never from a flag, which would land in shell history and `ps`.

use super::CliError;
use crate::app::accounts::users::{self, NewUserInput};
use crate::app::Principal;
use crate::core::error::{InputError, Text};
use crate::i18n::{text, Lang};
use anyhow::Context;
use clap::{Args, Subcommand};
use std::io::IsTerminal;

/// Arguments of `peiyu user`.
#[derive(Debug, Args)]
pub struct UserArgs {
    /// What to do.
    #[command(subcommand)]
    pub command: UserCommand,
}

/// The `user` subcommands.
#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Add a user; the password is read from PEIYU_PASSWORD or prompted for on a terminal.
    Add(AddArgs),
}

/// Arguments of `peiyu user add`.
#[derive(Debug, Args)]
pub struct AddArgs {
    /// Sign-in name.
    #[arg(long)]
    pub username: String,
    /// Role: admin, bureau, county, advisor or firm.
    #[arg(long)]
    pub role: String,
    /// County code (required for county officers).
    #[arg(long)]
    pub county: Option<String>,
    /// The firm of a firm user, by its USCC.
    #[arg(long)]
    pub firm_uscc: Option<String>,
    /// Name shown (default: the username).
    #[arg(long)]
    pub display_name: Option<String>,
    /// Email.
    #[arg(long)]
    pub email: Option<String>,
}

fn read_password() -> Result<String, CliError> {
    if let Some(p) = crate::config::password_from_env() {
        return Ok(p);
    }
    if !std::io::stdin().is_terminal() {
        return Err(CliError::BadInput(InputError::new(
            "PEIYU_PASSWORD",
            "password_required",
            Text::new("cli.user.password_required"),
        )));
    }
    let prompt = |key: &str| format!("{} / {}: ", text(Lang::En, key), text(Lang::ZhCn, key));
    let first =
        rpassword::prompt_password(prompt("cli.user.password")).context("read the password")?;
    let again =
        rpassword::prompt_password(prompt("cli.user.again")).context("read the password")?;
    if first != again {
        return Err(CliError::BadInput(InputError::new(
            "password",
            "password_mismatch",
            Text::new("cli.user.password_mismatch"),
        )));
    }

    Ok(first)
}

/// Run `peiyu user …`.
pub fn run(database_url: &str, args: UserArgs) -> Result<(), CliError> {
    match args.command {
        UserCommand::Add(a) => {
            let password = read_password()?;
            let mut conn = crate::store::connect_one(database_url).context("open the database")?;
            let user = users::add_user(
                &mut conn,
                NewUserInput {
                    username: a.username,
                    role: a.role,
                    county_code: a.county,
                    firm_uscc: a.firm_uscc,
                    display_name: a.display_name,
                    email: a.email,
                    password,
                },
                &Principal::system(),
            )
            .map_err(super::app_error)?;
            println!(
                "added user {} (id {}, role {})",
                user.username, user.id, user.role
            );
            Ok(())
        }
    }
}
