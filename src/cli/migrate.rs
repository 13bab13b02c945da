//! `peiyu migrate`: apply the embedded migrations and say what was applied.

use super::CliError;
use crate::i18n::{text, Lang};

use crate::store::ConnManager;
use anyhow::Context;

/// Run `peiyu migrate`.
pub fn run(database_url: &str) -> Result<(), CliError> {
    let manager = ConnManager::new(database_url).context("database URL")?;
    let mut conn = manager.establish().context("open the database")?;
    crate::store::ConnSetup {
        busy_timeout: std::time::Duration::from_secs(5),
    }
    .apply(&mut conn)
    .context("set up the connection")?;
    let applied = crate::store::migrate(&mut conn).context("apply migrations")?;
    let db = crate::store::redact_url(database_url);
    if applied.is_empty() {
        let key = "cli.migrate.up_to_date";
        println!("{db}: {} / {}", text(Lang::En, key), text(Lang::ZhCn, key));
    } else {
        for m in &applied {
            println!("{db}: applied {m}");
        }
        if let Some(note) =
            crate::store::migration_notes(&mut conn, &applied).context("read migration notes")?
        {
            println!("{db}: valid-HTE flag moved to certificates: {note}");
        }
    }
    if let Some(n) =
        crate::app::firms::derived::rescore_if_pending(&mut conn).map_err(super::app_error)?
    {
        let t = crate::core::error::Text::new("cli.migrate.note.rescored").plain("n", n);
        println!(
            "{db}: {} / {}",
            crate::i18n::render(Lang::En, &t),
            crate::i18n::render(Lang::ZhCn, &t)
        );
    }
    Ok(())
}
