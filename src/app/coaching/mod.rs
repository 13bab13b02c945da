//! Coaching (挂钩帮扶): pairing firms with advisors, follow-ups with firms, and the issue
//! ledger (诉求台账), with what the coaching pages read.

pub mod assign_advisor;
pub mod correct_followup;
pub mod edit_followup;
pub mod export;
pub mod log_followup;
pub mod raise_issue;
pub mod read;
pub mod reassign_advisor;
pub mod update_issue;
