//! The records use cases take and hand out: the store's rows and enums, re-exported so that
//! `web`, `cli` and `jobs` reach them through `app` and never call `store` themselves.

pub use crate::store::credentials::{Credential, CredentialKind};
pub use crate::store::events::StageEventRow;
pub use crate::store::firm_query::{FirmQuery, ListedFirm, SortKey, Total};
pub use crate::store::firms::{Firm, FirmFacts, IpFacts};
pub use crate::store::followups::{Followup, FollowupKind};
pub use crate::store::ip::{Acquisition, IpItem, IpKind};
pub use crate::store::issues::{IssueCategory, IssueFilter, IssueStatus};
pub use crate::store::outbox::{ListFilter as OutboxFilter, OutboxRow, Status as OutboxStatus};
pub use crate::store::refdata::{County, Sector};
pub use crate::store::users::{Named, User};
pub use crate::store::years::FirmYearRow;
