//! Where mail goes: an SMTP server (`PEIYU_SMTP_URL`) over a pool of reused connections, or
//! `.eml` files in a directory (`PEIYU_MAIL_DIR`, default `./mail`) so the demo works offline.
//!
//! SMTP URLs: `smtp://host:587` upgrades with STARTTLS and fails when the server cannot (the
//! same as `?tls=required`); `?tls=opportunistic` upgrades only when the server offers it;
//! `?tls=none` stays plain (a relay on the same machine, tests); `smtps://host:465` is TLS from
//! the first byte. Credentials go in the URL (`smtps://user:password@host`), percent-encoded.
//! Beyond the STARTTLS default this is lettre's `SmtpTransport::from_url`.

use crate::config::{MailSettings, DEFAULT_MAIL_DIR};
use lettre::transport::smtp::{PoolConfig, SmtpTransport};
use lettre::{FileTransport, Message, Transport};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Most SMTP connections kept open (and mails sent at once by one worker).
pub const MAX_CONNECTIONS: usize = 16;

/// How long one SMTP command may take before the attempt counts as failed.
const SMTP_TIMEOUT: Duration = Duration::from_secs(30);

/// `url` as lettre reads it: an `smtp://` URL without a `tls` parameter asks for STARTTLS
/// (`tls=required`); `tls=none` means plain SMTP, which lettre spells as no parameter.
fn with_tls_default(url: &str) -> String {
    if !url.starts_with("smtp://") {
        return url.to_string();
    }
    let (head, query) = url.split_once('?').unwrap_or((url, ""));
    let params = query.split('&').filter(|p| !p.is_empty());
    let (tls, mut rest): (Vec<&str>, Vec<&str>) = params.partition(|p| p.starts_with("tls="));
    match tls.first().copied() {
        None => rest.push("tls=required"),
        Some("tls=none") => {}
        Some(given) => rest.push(given),
    }
    if rest.is_empty() {
        head.to_string()
    } else {
        format!("{head}?{}", rest.join("&"))
    }
}

/// How a send failed, which decides what the worker does next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailureClass {
    /// The server refused for good (5xx): give up on this mail.
    Permanent,
    /// The server refused for now (4xx) or the client could not send it: retry later.
    Transient,
    /// No server to talk to (connection refused, timeout, TLS): retry later, and stop the pass,
    /// since the next mails would fail the same way.
    Unreachable,
}

/// A failed send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendFailure {
    /// What kind of failure.
    pub class: FailureClass,
    /// The error, for `last_error`.
    pub message: String,
}

/// A transport.
#[derive(Clone)]
pub enum Mailer {
    /// An SMTP server, with a pool of connections kept open between mails.
    Smtp {
        /// The transport.
        transport: SmtpTransport,
        /// The URL with any password hidden, for messages.
        url: String,
    },
    /// `.eml` files in a directory.
    Dir {
        /// The transport.
        transport: FileTransport,
        /// The directory.
        dir: PathBuf,
    },
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.describe())
    }
}

impl Mailer {
    /// The transport the settings name: SMTP when a server is set, else `.eml` files in the
    /// directory. Opens no connection; a URL that cannot be used is an error naming
    /// `PEIYU_SMTP_URL`.
    pub fn from_settings(mail: &MailSettings) -> Result<Mailer, String> {
        match mail.smtp_url.as_deref().map(str::trim) {
            Some(url) if !url.is_empty() => Mailer::smtp(url),
            _ if mail.mail_dir.as_os_str().is_empty() => Mailer::dir(Path::new(DEFAULT_MAIL_DIR)),
            _ => Mailer::dir(&mail.mail_dir),
        }
    }

    /// An SMTP transport for `url` (see the module comment). Opens no connection yet.
    pub fn smtp(url: &str) -> Result<Mailer, String> {
        let shown = crate::store::redact_url(url);
        let url = with_tls_default(url);
        let transport = SmtpTransport::from_url(&url)
            .map_err(|e| format!("PEIYU_SMTP_URL {shown}: {e}"))?
            .timeout(Some(SMTP_TIMEOUT))
            .pool_config(
                PoolConfig::new()
                    .min_idle(0)
                    .max_size(MAX_CONNECTIONS as u32)
                    .idle_timeout(Duration::from_secs(60)),
            )
            .build();
        Ok(Mailer::Smtp {
            transport,
            url: shown,
        })
    }

    /// A transport writing `<uuid>.eml` files into `dir`, which is created at the first mail.
    pub fn dir(dir: &Path) -> Result<Mailer, String> {
        Ok(Mailer::Dir {
            transport: FileTransport::new(dir),
            dir: dir.to_path_buf(),
        })
    }

    /// Where mail goes, for messages: the redacted URL or the directory.
    pub fn describe(&self) -> String {
        match self {
            Mailer::Smtp { url, .. } => url.clone(),
            Mailer::Dir { dir, .. } => format!("{} (.eml files)", dir.display()),
        }
    }

    /// Send one message. `Ok` means the server answered 250 to the end of DATA (or the file
    /// was written).
    pub fn send(&self, message: &Message) -> Result<(), SendFailure> {
        match self {
            Mailer::Smtp { transport, .. } => transport.send(message).map(|_| ()).map_err(|e| {
                let class = if e.is_permanent() {
                    FailureClass::Permanent
                } else if e.is_transient() || e.is_client() {
                    FailureClass::Transient
                } else {
                    FailureClass::Unreachable
                };
                SendFailure {
                    class,
                    message: error_chain(&e),
                }
            }),
            Mailer::Dir { transport, dir } => {
                if !dir.is_dir() {
                    std::fs::create_dir_all(dir).map_err(|e| SendFailure {
                        class: FailureClass::Transient,
                        message: format!("cannot create the mail directory {}: {e}", dir.display()),
                    })?;
                }
                transport
                    .send(message)
                    .map(|_| ())
                    .map_err(|e| SendFailure {
                        class: FailureClass::Transient,
                        message: error_chain(&e),
                    })
            }
        }
    }
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut src = e.source();
    while let Some(inner) = src {
        let t = inner.to_string();
        if !s.contains(&t) {
            s.push_str(": ");
            s.push_str(&t);
        }
        src = inner.source();
    }
    s
}

#[cfg(test)]
mod tls_default_tests {
    use super::with_tls_default;

    #[test]
    fn smtp_urls_ask_for_starttls_unless_told_otherwise() {
        assert_eq!(
            with_tls_default("smtp://mail.example:587"),
            "smtp://mail.example:587?tls=required"
        );
        assert_eq!(
            with_tls_default("smtp://u:p@mail.example:587?tls=opportunistic"),
            "smtp://u:p@mail.example:587?tls=opportunistic"
        );
        assert_eq!(
            with_tls_default("smtp://127.0.0.1:2525?tls=none"),
            "smtp://127.0.0.1:2525"
        );
        assert_eq!(
            with_tls_default("smtps://u:p@mail.example"),
            "smtps://u:p@mail.example"
        );
        assert_eq!(with_tls_default("smtp://h?tls=none&x=1"), "smtp://h?x=1");
    }
}
