//! What a firm's own user is asked to do now, for the firm portal's home page: an application
//! returned with comments, a draft not yet submitted, the documents an application still
//! lacks, and the yearly figures due.

use super::documents::{editable, missing_kinds};
use super::read::{firm_applications, ApplicationRow};
use crate::app::error::{AppError, StoreContext};
use crate::app::principal::Principal;
use crate::core::application::Status;
use crate::core::document::Kind;
use crate::store::applications;
use crate::store::firms::Firm;
use crate::store::{years, DbConn};
use chrono::{Datelike, NaiveDate, NaiveDateTime};

/// One thing asked of the firm.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ask {
    /// An application came back with comments: change it and submit again.
    Returned {
        /// The application.
        id: i64,
        /// Its target id.
        target: &'static str,
        /// The reviewer's last comment.
        comment: String,
    },
    /// A draft waits to be submitted.
    Draft {
        /// The application.
        id: i64,
        /// Its target id.
        target: &'static str,
    },
    /// An application the firm may still change lacks documents its checklist asks for.
    DocumentsMissing {
        /// The application.
        id: i64,
        /// Its target id.
        target: &'static str,
        /// The kinds without a document, in the checklist's order.
        kinds: Vec<Kind>,
    },
    /// The figures of last year are not entered yet.
    FiguresDue {
        /// The year.
        year: i32,
    },
}

/// What `firm` is asked to do on `today` (China date), with its applications.
pub fn asks(
    conn: &mut DbConn,
    p: &Principal,
    firm: &Firm,
    today: NaiveDate,
    now: NaiveDateTime,
) -> Result<(Vec<Ask>, Vec<ApplicationRow>), AppError> {
    let rows = firm_applications(conn, p, firm, today, now)?;
    let mut out = Vec::new();
    for r in &rows {
        match r.status {
            Status::Returned => {
                let comment = applications::steps(conn, r.application.id)
                    .ctx("load the return's comment")?
                    .into_iter()
                    .rev()
                    .find(|s| s.to_status == Status::Returned.id())
                    .map(|s| s.comment)
                    .unwrap_or_default();
                out.push(Ask::Returned {
                    id: r.application.id,
                    target: r.target.id(),
                    comment,
                });
            }
            Status::Draft => out.push(Ask::Draft {
                id: r.application.id,
                target: r.target.id(),
            }),
            _ => {}
        }
        if editable(r.status) {
            let kinds = missing_kinds(conn, r.application.id, r.target)?;
            if !kinds.is_empty() {
                out.push(Ask::DocumentsMissing {
                    id: r.application.id,
                    target: r.target.id(),
                    kinds,
                });
            }
        }
    }
    let last_year = today.year() - 1;
    let has_last_year = years::list_for_firm(conn, firm.id)
        .ctx("load the firm's years")?
        .iter()
        .any(|y| y.year == last_year);
    if !has_last_year {
        out.push(Ask::FiguresDue { year: last_year });
    }
    Ok((out, rows))
}
