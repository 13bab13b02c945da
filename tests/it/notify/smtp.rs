//! A real SMTP server on loopback for the tests: `scripts/smtp-server` (aiosmtpd) started on a
//! free port, storing what it accepts in a Maildir. Without python3 and aiosmtpd the test
//! fails with a message saying how to install them; it never skips.

#![allow(dead_code)]

use serde::Deserialize;
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

/// One delivered message, decoded by Python's email package.
#[derive(Debug, Clone, Deserialize)]
pub struct Delivered {
    /// Message-ID header.
    pub message_id: String,
    /// From header (decoded).
    pub from: String,
    /// To header (decoded).
    pub to: String,
    /// Subject, decoded.
    pub subject: String,
    /// Subject as on the wire.
    pub raw_subject: String,
    /// Date header.
    pub date: String,
    /// Top-level content type.
    pub content_type: String,
    /// The text/plain part.
    pub text: Option<String>,
    /// The text/html part.
    pub html: Option<String>,
}

/// The server script.
pub fn script() -> PathBuf {
    std::env::var_os("PEIYU_SMTP_SERVER")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/smtp-server"))
}

/// A free loopback port.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A running (or stopped) test SMTP server.
pub struct SmtpServer {
    /// Its port (kept across restarts).
    pub port: u16,
    child: Option<Child>,
    dir: tempfile::TempDir,
    fail_rate: f64,
    seed: u64,
}

impl SmtpServer {
    /// A server that accepts everything into its Maildir.
    pub fn start() -> SmtpServer {
        SmtpServer::flaky(0.0, 0)
    }

    /// A server that answers 451 to a share `fail_rate` of messages (chosen with `seed`).
    pub fn flaky(fail_rate: f64, seed: u64) -> SmtpServer {
        let mut s = SmtpServer {
            port: free_port(),
            child: None,
            dir: tempfile::tempdir().unwrap(),
            fail_rate,
            seed,
        };
        s.spawn();
        s
    }

    fn spawn(&mut self) {
        let mut child = Command::new("python3")
            .arg(script())
            .args(["serve", "--watch-stdin", "--port"])
            .arg(self.port.to_string())
            .arg("--maildir")
            .arg(self.maildir())
            .args(["--fail-rate", &self.fail_rate.to_string()])
            .args(["--seed", &self.seed.to_string()])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot run python3 for the test SMTP server: {e}"));
        let stdout = child.stdout.take().unwrap();
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line).unwrap();
        if !line.starts_with("ready") {
            let _ = child.kill();
            let out = child.wait_with_output().unwrap();
            panic!(
                "the test SMTP server ({}) did not start: {}\n\
                 It needs python3 with aiosmtpd: python3 -m pip install aiosmtpd \
                 (scripts/test installs it).",
                script().display(),
                String::from_utf8_lossy(&out.stderr)
            );
        }
        self.child = Some(child);
    }

    /// `smtp://127.0.0.1:port?tls=none` (the test server speaks no TLS).
    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}?tls=none", self.port)
    }

    /// The Maildir it stores into.
    pub fn maildir(&self) -> PathBuf {
        self.dir.path().join("Maildir")
    }

    /// Stop it (the port then refuses connections).
    pub fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// Start it again on the same port, with the same Maildir.
    pub fn restart(&mut self) {
        self.stop();
        self.spawn();
    }

    /// Every delivered message, decoded.
    pub fn messages(&self) -> Vec<Delivered> {
        let out = Command::new("python3")
            .arg(script())
            .arg("dump")
            .arg(self.maildir())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "smtp-server dump failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap()
    }

    /// How many times each Message-ID arrived, read straight from the Maildir files (fast
    /// enough to call after every step of a test).
    pub fn message_id_counts(&self) -> BTreeMap<String, usize> {
        let mut counts = BTreeMap::new();
        for sub in ["new", "cur"] {
            let Ok(entries) = std::fs::read_dir(self.maildir().join(sub)) else {
                continue;
            };
            for e in entries {
                let text = std::fs::read_to_string(e.unwrap().path()).unwrap();
                let id = text
                    .lines()
                    .take_while(|l| !l.is_empty())
                    .find_map(|l| {
                        let (name, value) = l.split_once(':')?;
                        name.eq_ignore_ascii_case("message-id")
                            .then(|| value.trim().to_string())
                    })
                    .unwrap_or_default();
                *counts.entry(id).or_insert(0) += 1;
            }
        }
        counts
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        self.stop();
    }
}
