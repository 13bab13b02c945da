//! The application machine (DESIGN §4, issue 14): a firm applies to climb, the county reviews,
//! the city decides; for the national targets the city's approval is a recommendation and the
//! outcome (certified or not) is recorded later.
//!
//! [`decide`] is pure: given an application's target and status, the firm's stage, an action
//! and the acting role, it returns the status after the action and the stage event the action
//! fires (if any), or every reason it is refused. Nothing here reads the database: the use
//! case in `app::applications` loads, calls this, and writes the result in one transaction.

use super::error::{Reason, Text};
use super::rules::RuleSet;
use super::stage::{Event, Role, Stage};
use chrono::{Datelike, Days, NaiveDate, Weekday};
use serde::{Deserialize, Serialize};
use std::fmt;

/// What a firm applies for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Target {
    /// Support for the tech-SME registration (national: the result comes from the register).
    TechSme,
    /// Entry into the city's reserve pool (local: the city's approval decides).
    Reserve,
    /// Support for the HTE certification (national: the province's announcement decides).
    HighTech,
    /// Recognition as an innovation leader (local).
    Leader,
}

impl Target {
    /// Every target, in ladder order.
    pub const ALL: [Target; 4] = [
        Target::TechSme,
        Target::Reserve,
        Target::HighTech,
        Target::Leader,
    ];

    /// Stable id, as stored and sent over the API.
    pub fn id(self) -> &'static str {
        match self {
            Target::TechSme => "tech_sme",
            Target::Reserve => "reserve",
            Target::HighTech => "high_tech",
            Target::Leader => "leader",
        }
    }

    /// Parse a stable id.
    pub fn parse(s: &str) -> Option<Target> {
        Target::ALL.into_iter().find(|t| t.id() == s)
    }

    /// National targets: the city's approval is a recommendation, the outcome comes later.
    pub fn is_national(self) -> bool {
        matches!(self, Target::TechSme | Target::HighTech)
    }

    /// The rule set that decides the target.
    pub fn ruleset(self) -> RuleSet {
        match self {
            Target::TechSme => RuleSet::TechSme2017,
            Target::Reserve => RuleSet::ReserveLocal,
            Target::HighTech => RuleSet::Hte2016,
            Target::Leader => RuleSet::LeaderLocal,
        }
    }

    /// The stages a firm may apply from. A tech-SME registration is renewed every year, and
    /// an HTE re-certified every three, so firms above those rungs apply for them too.
    pub fn from_stages(self) -> &'static [Stage] {
        match self {
            Target::TechSme => &[
                Stage::Prospect,
                Stage::TechSme,
                Stage::Reserve,
                Stage::HighTech,
                Stage::Leader,
            ],
            Target::Reserve => &[Stage::TechSme],
            Target::HighTech => &[
                Stage::Prospect,
                Stage::TechSme,
                Stage::Reserve,
                Stage::HighTech,
                Stage::Leader,
            ],
            Target::Leader => &[Stage::HighTech],
        }
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

/// Where an application is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Being prepared by the firm (or its advisor).
    Draft,
    /// Sent; waiting for the county to take it up.
    Submitted,
    /// The county is reviewing it.
    CountyReview,
    /// Recommended by the county; the city is reviewing it.
    CityReview,
    /// Approved by the city (for a national target: recommended).
    Approved,
    /// Refused, with a comment.
    Rejected,
    /// Sent back to the firm with comments; the firm changes it and submits again.
    Returned,
    /// Withdrawn by the firm before a decision.
    Withdrawn,
    /// National target: the recommendation was certified (registered).
    Certified,
    /// National target: the recommendation was not certified.
    NotCertified,
}

impl Status {
    /// Every status, in the order of the path.
    pub const ALL: [Status; 10] = [
        Status::Draft,
        Status::Submitted,
        Status::CountyReview,
        Status::CityReview,
        Status::Approved,
        Status::Rejected,
        Status::Returned,
        Status::Withdrawn,
        Status::Certified,
        Status::NotCertified,
    ];

    /// Stable id.
    pub fn id(self) -> &'static str {
        match self {
            Status::Draft => "draft",
            Status::Submitted => "submitted",
            Status::CountyReview => "county_review",
            Status::CityReview => "city_review",
            Status::Approved => "approved",
            Status::Rejected => "rejected",
            Status::Returned => "returned",
            Status::Withdrawn => "withdrawn",
            Status::Certified => "certified",
            Status::NotCertified => "not_certified",
        }
    }

    /// Parse a stable id.
    pub fn parse(s: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|st| st.id() == s)
    }

    /// Still in progress: a firm has at most one open application per target.
    pub fn is_open(self) -> bool {
        matches!(
            self,
            Status::Draft
                | Status::Submitted
                | Status::CountyReview
                | Status::CityReview
                | Status::Returned
        )
    }

    /// Waiting for a reviewer: the queues, their due dates and reminders.
    pub fn is_review(self) -> bool {
        matches!(
            self,
            Status::Submitted | Status::CountyReview | Status::CityReview
        )
    }

    /// The review step a status belongs to (`None` outside review).
    pub fn step(self) -> Option<Step> {
        match self {
            Status::Submitted | Status::CountyReview => Some(Step::County),
            Status::CityReview => Some(Step::City),
            _ => None,
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

/// A review step: who holds the application.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Step {
    /// The firm's county office.
    County,
    /// The city bureau.
    City,
}

impl Step {
    /// Stable id.
    pub fn id(self) -> &'static str {
        match self {
            Step::County => "county",
            Step::City => "city",
        }
    }
}

/// The result of a national target, recorded after the city's recommendation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Outcome {
    /// Registered as a tech-SME for `year` under `reg_no`.
    Registered {
        /// Registration year.
        year: i32,
        /// Registration number.
        reg_no: String,
    },
    /// HTE certificate issued.
    Certificate {
        /// Certificate number.
        cert_no: String,
        /// Issue date.
        issued_on: NaiveDate,
    },
}

impl Outcome {
    /// The certificate or registration number.
    pub fn number(&self) -> &str {
        match self {
            Outcome::Registered { reg_no, .. } => reg_no,
            Outcome::Certificate { cert_no, .. } => cert_no,
        }
    }

    /// The stage event that records it for a firm in `stage`: a registration, a first
    /// certificate, or a renewal for a firm that already is an HTE.
    pub fn event(&self, stage: Stage) -> Event {
        match self {
            Outcome::Registered { year, reg_no } => Event::RegisterTechSme {
                year: *year,
                reg_no: reg_no.clone(),
            },
            Outcome::Certificate { cert_no, issued_on } => {
                let (cert_no, issued_on) = (cert_no.clone(), *issued_on);
                if matches!(stage, Stage::HighTech | Stage::Leader) {
                    Event::RenewHighTech { cert_no, issued_on }
                } else {
                    Event::CertifyHighTech { cert_no, issued_on }
                }
            }
        }
    }
}

/// What someone does to an application.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum Action {
    /// Send it for review (first time or after a return).
    Submit,
    /// The county takes it up.
    StartReview,
    /// The county recommends it to the city.
    Forward,
    /// Back to the firm with comments.
    Return,
    /// Refused.
    Reject,
    /// The city approves (national targets: recommends).
    Approve,
    /// The firm withdraws it.
    Withdraw,
    /// National target: the outcome arrived and is positive.
    Certify(Outcome),
    /// National target: the outcome arrived and is negative.
    NotCertify,
    /// A remark on the record, no change of status.
    Comment,
}

/// An action's kind, without data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActionKind {
    /// [`Action::Submit`].
    Submit,
    /// [`Action::StartReview`].
    StartReview,
    /// [`Action::Forward`].
    Forward,
    /// [`Action::Return`].
    Return,
    /// [`Action::Reject`].
    Reject,
    /// [`Action::Approve`].
    Approve,
    /// [`Action::Withdraw`].
    Withdraw,
    /// [`Action::Certify`].
    Certify,
    /// [`Action::NotCertify`].
    NotCertify,
    /// [`Action::Comment`].
    Comment,
}

impl ActionKind {
    /// Every kind.
    pub const ALL: [ActionKind; 10] = [
        ActionKind::Submit,
        ActionKind::StartReview,
        ActionKind::Forward,
        ActionKind::Return,
        ActionKind::Reject,
        ActionKind::Approve,
        ActionKind::Withdraw,
        ActionKind::Certify,
        ActionKind::NotCertify,
        ActionKind::Comment,
    ];

    /// Stable id.
    pub fn id(self) -> &'static str {
        match self {
            ActionKind::Submit => "submit",
            ActionKind::StartReview => "start_review",
            ActionKind::Forward => "forward",
            ActionKind::Return => "return",
            ActionKind::Reject => "reject",
            ActionKind::Approve => "approve",
            ActionKind::Withdraw => "withdraw",
            ActionKind::Certify => "certify",
            ActionKind::NotCertify => "not_certify",
            ActionKind::Comment => "comment",
        }
    }

    /// Parse a stable id.
    pub fn parse(s: &str) -> Option<ActionKind> {
        ActionKind::ALL.into_iter().find(|k| k.id() == s)
    }

    /// Whether the action needs a comment (a reason the firm reads).
    pub fn needs_comment(self) -> bool {
        matches!(
            self,
            ActionKind::Return | ActionKind::Reject | ActionKind::NotCertify | ActionKind::Comment
        )
    }

    /// Decisions: what an advisor may not do.
    pub fn is_decision(self) -> bool {
        matches!(
            self,
            ActionKind::StartReview
                | ActionKind::Forward
                | ActionKind::Return
                | ActionKind::Reject
                | ActionKind::Approve
                | ActionKind::Certify
                | ActionKind::NotCertify
        )
    }
}

impl Action {
    /// The kind.
    pub fn kind(&self) -> ActionKind {
        match self {
            Action::Submit => ActionKind::Submit,
            Action::StartReview => ActionKind::StartReview,
            Action::Forward => ActionKind::Forward,
            Action::Return => ActionKind::Return,
            Action::Reject => ActionKind::Reject,
            Action::Approve => ActionKind::Approve,
            Action::Withdraw => ActionKind::Withdraw,
            Action::Certify(_) => ActionKind::Certify,
            Action::NotCertify => ActionKind::NotCertify,
            Action::Comment => ActionKind::Comment,
        }
    }
}

/// The acting role's relation to the application, as the use case found it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Party {
    /// A user of the applying firm.
    Firm,
    /// The firm's assigned advisor, acting on its behalf.
    Advisor,
    /// The county office of the firm's county.
    County,
    /// The city bureau (or an administrator).
    City,
}

impl Party {
    /// The party a role plays for a firm it may see (the use case has checked territory).
    pub fn of(role: Role) -> Option<Party> {
        match role {
            Role::Firm => Some(Party::Firm),
            Role::Advisor => Some(Party::Advisor),
            Role::County => Some(Party::County),
            Role::Bureau | Role::Admin => Some(Party::City),
            Role::System => None,
        }
    }
}

/// An application as the machine sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct State {
    /// Target.
    pub target: Target,
    /// Current status.
    pub status: Status,
}

/// An accepted action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    /// Status before.
    pub from: Status,
    /// Status after (equal for a comment).
    pub to: Status,
    /// The stage event the action fires in the same transaction, if any.
    pub event: Option<Event>,
}

fn refuse(code: &'static str, key: &'static str) -> Reason {
    Reason::new(code, Text::new(key))
}

/// Which parties may take `kind` in `status`, and where it leads.
fn transition(
    kind: ActionKind,
    status: Status,
    national: bool,
) -> Option<(&'static [Party], Status)> {
    use Party::*;
    use Status as S;
    const APPLICANT: &[Party] = &[Firm, Advisor];
    const REVIEWERS: &[Party] = &[County, City];
    const CITY: &[Party] = &[City];
    match (kind, status) {
        (ActionKind::Submit, S::Draft | S::Returned) => Some((APPLICANT, S::Submitted)),
        (ActionKind::StartReview, S::Submitted) => Some((REVIEWERS, S::CountyReview)),
        (ActionKind::Forward, S::Submitted | S::CountyReview) => Some((REVIEWERS, S::CityReview)),
        (ActionKind::Return, S::Submitted | S::CountyReview) => Some((REVIEWERS, S::Returned)),
        (ActionKind::Return, S::CityReview) => Some((CITY, S::Returned)),
        (ActionKind::Reject, S::Submitted | S::CountyReview) => Some((REVIEWERS, S::Rejected)),
        (ActionKind::Reject, S::CityReview) => Some((CITY, S::Rejected)),
        (ActionKind::Approve, S::CityReview) => Some((CITY, S::Approved)),
        (ActionKind::Withdraw, s) if s.is_open() => Some((APPLICANT, S::Withdrawn)),
        (ActionKind::Certify, S::Approved) if national => Some((CITY, S::Certified)),
        (ActionKind::NotCertify, S::Approved) if national => Some((CITY, S::NotCertified)),
        (ActionKind::Comment, s) => Some((&[Firm, Advisor, County, City], s)),
        _ => None,
    }
}

/// The actions `party` may take on an application in `state` (for the controls a page
/// offers). Whether they succeed still depends on the data ([`decide`]).
pub fn actions_for(state: State, party: Party) -> Vec<ActionKind> {
    ActionKind::ALL
        .into_iter()
        .filter(|k| {
            transition(*k, state.status, state.target.is_national())
                .is_some_and(|(who, _)| who.contains(&party))
        })
        .collect()
}

/// Decide `action` by `party` on an application in `state` of a firm in `stage`, with
/// `comment` as typed (trimmed by the caller). Returns the new status and the stage event to
/// fire, or every reason the action is refused.
pub fn decide(
    state: State,
    stage: Stage,
    action: &Action,
    party: Party,
    comment: &str,
) -> Result<Decision, Vec<Reason>> {
    let kind = action.kind();
    let Some((who, to)) = transition(kind, state.status, state.target.is_national()) else {
        return Err(vec![Reason::new(
            "application_action_not_allowed",
            Text::new("application.reason.action_not_allowed")
                .term("action", format!("application.action.{}", kind.id()))
                .term(
                    "status",
                    format!("application.status.{}", state.status.id()),
                ),
        )]);
    };
    let mut reasons = Vec::new();
    if !who.contains(&party) {
        reasons.push(refuse(
            "application_not_your_step",
            "application.reason.not_your_step",
        ));
    }
    if kind.needs_comment() && comment.trim().is_empty() {
        reasons.push(refuse(
            "application_comment_required",
            "application.reason.comment_required",
        ));
    }
    // The stage may have moved since the application was opened (a lapse, an exit).
    if matches!(
        kind,
        ActionKind::Submit | ActionKind::Approve | ActionKind::Forward
    ) && !state.target.from_stages().contains(&stage)
    {
        reasons.push(stage_reason(state.target, stage));
    }
    let event = match action {
        Action::Approve if !state.target.is_national() => Some(match state.target {
            Target::Reserve => Event::AdmitToReserve,
            _ => Event::RecognizeLeader,
        }),
        Action::Certify(outcome) => match (state.target, outcome) {
            (Target::TechSme, Outcome::Registered { .. })
            | (Target::HighTech, Outcome::Certificate { .. }) => Some(outcome.event(stage)),
            _ => {
                reasons.push(refuse(
                    "application_outcome_mismatch",
                    "application.reason.outcome_mismatch",
                ));
                None
            }
        },
        _ => None,
    };
    if reasons.is_empty() {
        Ok(Decision {
            from: state.status,
            to,
            event,
        })
    } else {
        Err(reasons)
    }
}

fn stage_reason(target: Target, stage: Stage) -> Reason {
    Reason::new(
        "application_wrong_stage",
        Text::new("application.reason.wrong_stage")
            .term("target", format!("application.target.{}", target.id()))
            .term("stage", format!("stage.{}", stage.id())),
    )
}

/// Whether a firm in `stage` may open an application for `target`, given the targets of its
/// applications still open. Every reason when not.
pub fn may_open(target: Target, stage: Stage, open_targets: &[Target]) -> Result<(), Vec<Reason>> {
    let mut reasons = Vec::new();
    if !target.from_stages().contains(&stage) {
        reasons.push(stage_reason(target, stage));
    }
    if open_targets.contains(&target) {
        reasons.push(Reason::new(
            "application_already_open",
            Text::new("application.reason.already_open")
                .term("target", format!("application.target.{}", target.id())),
        ));
    }
    if reasons.is_empty() {
        Ok(())
    } else {
        Err(reasons)
    }
}

/// The date `days` working days (Monday to Friday) after `from`. Public holidays are not
/// known here; a bureau that needs them sets a longer period.
pub fn add_working_days(from: NaiveDate, days: u32) -> NaiveDate {
    let mut d = from;
    let mut left = days;
    while left > 0 {
        d = d + Days::new(1);
        if !matches!(d.weekday(), Weekday::Sat | Weekday::Sun) {
            left -= 1;
        }
    }
    d
}

#[cfg(test)]
mod tests {
    use super::*;

    fn st(target: Target, status: Status) -> State {
        State { target, status }
    }

    #[test]
    fn the_reserve_path_from_draft_to_approval_fires_admit_to_reserve() {
        let mut s = st(Target::Reserve, Status::Draft);
        for (action, party, to) in [
            (Action::Submit, Party::Firm, Status::Submitted),
            (Action::StartReview, Party::County, Status::CountyReview),
            (Action::Forward, Party::County, Status::CityReview),
        ] {
            let d = decide(s, Stage::TechSme, &action, party, "").unwrap();
            assert_eq!(d.to, to);
            assert_eq!(d.event, None);
            s.status = d.to;
        }
        let d = decide(s, Stage::TechSme, &Action::Approve, Party::City, "").unwrap();
        assert_eq!(d.to, Status::Approved);
        assert_eq!(d.event, Some(Event::AdmitToReserve));
        // A local target ends at approval.
        assert!(
            actions_for(st(Target::Reserve, Status::Approved), Party::City)
                .iter()
                .all(|k| *k == ActionKind::Comment)
        );
    }

    #[test]
    fn a_national_approval_is_a_recommendation_and_the_certificate_fires_the_event() {
        let s = st(Target::HighTech, Status::CityReview);
        let d = decide(s, Stage::Reserve, &Action::Approve, Party::City, "").unwrap();
        assert_eq!((d.to, d.event), (Status::Approved, None));
        let issued_on = NaiveDate::from_ymd_opt(2026, 11, 20).unwrap();
        let outcome = Outcome::Certificate {
            cert_no: "GR202641000123".into(),
            issued_on,
        };
        let s = st(Target::HighTech, Status::Approved);
        let d = decide(
            s,
            Stage::Reserve,
            &Action::Certify(outcome.clone()),
            Party::City,
            "",
        )
        .unwrap();
        assert_eq!(d.to, Status::Certified);
        assert!(matches!(d.event, Some(Event::CertifyHighTech { .. })));
        // A firm already high-tech renews.
        let d = decide(
            s,
            Stage::HighTech,
            &Action::Certify(outcome),
            Party::City,
            "",
        )
        .unwrap();
        assert!(matches!(d.event, Some(Event::RenewHighTech { .. })));
        // The wrong kind of outcome for the target is refused.
        let wrong = Outcome::Registered {
            year: 2026,
            reg_no: "2026411100A0001".into(),
        };
        let err = decide(s, Stage::Reserve, &Action::Certify(wrong), Party::City, "").unwrap_err();
        assert_eq!(err[0].code, "application_outcome_mismatch");
        // Not certified needs a comment, and then ends it.
        let err = decide(s, Stage::Reserve, &Action::NotCertify, Party::City, " ").unwrap_err();
        assert_eq!(err[0].code, "application_comment_required");
        let d = decide(
            s,
            Stage::Reserve,
            &Action::NotCertify,
            Party::City,
            "not on the list",
        )
        .unwrap();
        assert_eq!((d.to, d.event), (Status::NotCertified, None));
    }

    #[test]
    fn a_local_target_has_no_outcome_step() {
        let s = st(Target::Reserve, Status::Approved);
        let err = decide(s, Stage::Reserve, &Action::NotCertify, Party::City, "x").unwrap_err();
        assert_eq!(err[0].code, "application_action_not_allowed");
    }

    #[test]
    fn advisors_and_firms_comment_but_do_not_decide() {
        let s = st(Target::Reserve, Status::CountyReview);
        for party in [Party::Firm, Party::Advisor] {
            for action in [Action::Forward, Action::Return, Action::Reject] {
                let err = decide(s, Stage::TechSme, &action, party, "ok").unwrap_err();
                assert_eq!(
                    err[0].code, "application_not_your_step",
                    "{party:?} {action:?}"
                );
            }
            assert_eq!(
                actions_for(s, party),
                vec![ActionKind::Withdraw, ActionKind::Comment]
            );
            let d = decide(s, Stage::TechSme, &Action::Comment, party, "see the audit").unwrap();
            assert_eq!(d.to, Status::CountyReview);
        }
    }

    #[test]
    fn the_county_does_not_decide_at_the_city_step() {
        let s = st(Target::Reserve, Status::CityReview);
        for action in [Action::Approve, Action::Return, Action::Reject] {
            let err = decide(s, Stage::TechSme, &action, Party::County, "x").unwrap_err();
            assert_eq!(err[0].code, "application_not_your_step");
        }
        assert!(decide(s, Stage::TechSme, &Action::Approve, Party::City, "").is_ok());
    }

    #[test]
    fn returning_and_rejecting_need_a_comment_and_every_reason_is_named() {
        let s = st(Target::Reserve, Status::CountyReview);
        let err = decide(s, Stage::TechSme, &Action::Return, Party::Firm, "").unwrap_err();
        let codes: Vec<&str> = err.iter().map(|r| r.code.as_str()).collect();
        assert_eq!(
            codes,
            ["application_not_your_step", "application_comment_required"]
        );
        let d = decide(
            s,
            Stage::TechSme,
            &Action::Return,
            Party::County,
            "fix 2025 R&D",
        )
        .unwrap();
        assert_eq!(d.to, Status::Returned);
        let s = st(Target::Reserve, Status::Returned);
        let d = decide(s, Stage::TechSme, &Action::Submit, Party::Firm, "").unwrap();
        assert_eq!(d.to, Status::Submitted);
    }

    #[test]
    fn withdrawal_only_before_a_decision() {
        for status in Status::ALL {
            let s = st(Target::HighTech, status);
            let ok = decide(s, Stage::Reserve, &Action::Withdraw, Party::Firm, "").is_ok();
            assert_eq!(ok, status.is_open(), "{status}");
        }
    }

    #[test]
    fn a_firm_whose_stage_moved_cannot_be_approved() {
        let s = st(Target::Reserve, Status::CityReview);
        let err = decide(s, Stage::Prospect, &Action::Approve, Party::City, "").unwrap_err();
        assert_eq!(err[0].code, "application_wrong_stage");
    }

    #[test]
    fn one_open_application_per_target_and_only_from_the_right_stage() {
        assert!(may_open(Target::Reserve, Stage::TechSme, &[Target::HighTech]).is_ok());
        let err = may_open(Target::Reserve, Stage::Prospect, &[Target::Reserve]).unwrap_err();
        let codes: Vec<&str> = err.iter().map(|r| r.code.as_str()).collect();
        assert_eq!(
            codes,
            ["application_wrong_stage", "application_already_open"]
        );
        assert!(may_open(Target::Leader, Stage::HighTech, &[]).is_ok());
        assert!(may_open(Target::Leader, Stage::Reserve, &[]).is_err());
        assert!(may_open(Target::TechSme, Stage::Exited, &[]).is_err());
    }

    #[test]
    fn working_days_skip_weekends() {
        let fri = NaiveDate::from_ymd_opt(2026, 12, 4).unwrap();
        assert_eq!(
            add_working_days(fri, 1),
            NaiveDate::from_ymd_opt(2026, 12, 7).unwrap()
        );
        assert_eq!(
            add_working_days(fri, 10),
            NaiveDate::from_ymd_opt(2026, 12, 18).unwrap()
        );
        assert_eq!(add_working_days(fri, 0), fri);
        let sat = NaiveDate::from_ymd_opt(2026, 12, 5).unwrap();
        assert_eq!(
            add_working_days(sat, 1),
            NaiveDate::from_ymd_opt(2026, 12, 7).unwrap()
        );
    }

    #[test]
    fn ids_round_trip() {
        for t in Target::ALL {
            assert_eq!(Target::parse(t.id()), Some(t));
        }
        for s in Status::ALL {
            assert_eq!(Status::parse(s.id()), Some(s));
        }
        for k in ActionKind::ALL {
            assert_eq!(ActionKind::parse(k.id()), Some(k));
        }
    }
}
