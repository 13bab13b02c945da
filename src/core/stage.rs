//! The stage machine of DESIGN §2: stages, events, who may fire them, and their guards.
//!
//! [`apply`] is pure: it takes the firm's current state, an event, the actor and the date, plus
//! the firm's profile for the rule guards, and returns either the transition to record or a
//! rejection that names every reason (a code and its [`Text`]). A rejected event changes
//! nothing.

use super::error::{Reason, Text};
use super::eval::Evaluation;
use super::profile::Profile;
use super::rules::{self, RuleSet, Thresholds};
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use std::fmt;

/// A rung of the ladder. A firm is in exactly one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// Not yet registered as a tech-SME.
    Prospect,
    /// 科技型中小企业, registered for the current year.
    TechSme,
    /// 高新技术后备企业, in the reserve pool.
    Reserve,
    /// 高新技术企业, certificate valid.
    HighTech,
    /// 创新龙头企业.
    Leader,
    /// Closed, moved away or merged.
    Exited,
}

impl Stage {
    /// Every stage in ladder order, `exited` last.
    pub const ALL: [Stage; 6] = [
        Stage::Prospect,
        Stage::TechSme,
        Stage::Reserve,
        Stage::HighTech,
        Stage::Leader,
        Stage::Exited,
    ];

    /// Stable id, as stored and sent over the API.
    pub fn id(self) -> &'static str {
        match self {
            Stage::Prospect => "prospect",
            Stage::TechSme => "tech_sme",
            Stage::Reserve => "reserve",
            Stage::HighTech => "high_tech",
            Stage::Leader => "leader",
            Stage::Exited => "exited",
        }
    }

    /// Parse a stable id.
    pub fn parse(s: &str) -> Option<Stage> {
        Stage::ALL.into_iter().find(|st| st.id() == s)
    }

    /// The next rung and the rule set that decides it; `None` at the top or after exit.
    pub fn next(self) -> Option<(Stage, RuleSet)> {
        match self {
            Stage::Prospect => Some((Stage::TechSme, RuleSet::TechSme2017)),
            Stage::TechSme => Some((Stage::Reserve, RuleSet::ReserveLocal)),
            Stage::Reserve => Some((Stage::HighTech, RuleSet::Hte2016)),
            Stage::HighTech => Some((Stage::Leader, RuleSet::LeaderLocal)),
            Stage::Leader | Stage::Exited => None,
        }
    }
}

impl fmt::Display for Stage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

/// What happens to a firm. Data travels with the event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Event {
    /// Registered (or renewed) as a tech-SME for a year.
    RegisterTechSme {
        /// Registration year.
        year: i32,
        /// Registration number.
        reg_no: String,
    },
    /// The registration year ended without renewal.
    LapseTechSme,
    /// Admitted to the reserve pool (county nomination confirmed by the city).
    AdmitToReserve,
    /// Left the reserve pool.
    LeaveReserve {
        /// Why.
        reason: String,
    },
    /// First HTE certificate recorded.
    CertifyHighTech {
        /// Certificate number `GR` + year + province + 6 digits.
        cert_no: String,
        /// Issue date.
        issued_on: NaiveDate,
    },
    /// Re-certification.
    RenewHighTech {
        /// Certificate number.
        cert_no: String,
        /// Issue date.
        issued_on: NaiveDate,
    },
    /// Three years after issue without renewal.
    ExpireHighTech,
    /// Certificate revoked.
    RevokeHighTech {
        /// Why.
        reason: String,
    },
    /// Recognised as an innovation leader.
    RecognizeLeader,
    /// Leader recognition withdrawn.
    DemoteLeader {
        /// Why.
        reason: String,
    },
    /// Closed, moved away, merged.
    Exit {
        /// Why.
        reason: String,
    },
    /// Back in the programme after an exit.
    Reinstate,
}

/// The kind of an event, without its data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    /// See [`Event::RegisterTechSme`].
    RegisterTechSme,
    /// See [`Event::LapseTechSme`].
    LapseTechSme,
    /// See [`Event::AdmitToReserve`].
    AdmitToReserve,
    /// See [`Event::LeaveReserve`].
    LeaveReserve,
    /// See [`Event::CertifyHighTech`].
    CertifyHighTech,
    /// See [`Event::RenewHighTech`].
    RenewHighTech,
    /// See [`Event::ExpireHighTech`].
    ExpireHighTech,
    /// See [`Event::RevokeHighTech`].
    RevokeHighTech,
    /// See [`Event::RecognizeLeader`].
    RecognizeLeader,
    /// See [`Event::DemoteLeader`].
    DemoteLeader,
    /// See [`Event::Exit`].
    Exit,
    /// See [`Event::Reinstate`].
    Reinstate,
}

impl EventKind {
    /// Every kind.
    pub const ALL: [EventKind; 12] = [
        EventKind::RegisterTechSme,
        EventKind::LapseTechSme,
        EventKind::AdmitToReserve,
        EventKind::LeaveReserve,
        EventKind::CertifyHighTech,
        EventKind::RenewHighTech,
        EventKind::ExpireHighTech,
        EventKind::RevokeHighTech,
        EventKind::RecognizeLeader,
        EventKind::DemoteLeader,
        EventKind::Exit,
        EventKind::Reinstate,
    ];

    /// Stable id.
    pub fn id(self) -> &'static str {
        match self {
            EventKind::RegisterTechSme => "register_tech_sme",
            EventKind::LapseTechSme => "lapse_tech_sme",
            EventKind::AdmitToReserve => "admit_to_reserve",
            EventKind::LeaveReserve => "leave_reserve",
            EventKind::CertifyHighTech => "certify_high_tech",
            EventKind::RenewHighTech => "renew_high_tech",
            EventKind::ExpireHighTech => "expire_high_tech",
            EventKind::RevokeHighTech => "revoke_high_tech",
            EventKind::RecognizeLeader => "recognize_leader",
            EventKind::DemoteLeader => "demote_leader",
            EventKind::Exit => "exit",
            EventKind::Reinstate => "reinstate",
        }
    }

    /// Parse a stable id.
    pub fn parse(s: &str) -> Option<EventKind> {
        EventKind::ALL.into_iter().find(|k| k.id() == s)
    }

    /// Stages from which the event may be fired (DESIGN §2's "from" column).
    pub fn from_stages(self) -> &'static [Stage] {
        use Stage::*;
        match self {
            EventKind::RegisterTechSme => &[Prospect, TechSme, Reserve, HighTech, Leader],
            EventKind::LapseTechSme => &[TechSme, Reserve],
            EventKind::AdmitToReserve => &[TechSme],
            EventKind::LeaveReserve => &[Reserve],
            EventKind::CertifyHighTech => &[Prospect, TechSme, Reserve],
            EventKind::RenewHighTech => &[HighTech, Leader],
            EventKind::ExpireHighTech => &[HighTech, Leader],
            EventKind::RevokeHighTech => &[HighTech, Leader],
            EventKind::RecognizeLeader => &[HighTech],
            EventKind::DemoteLeader => &[Leader],
            EventKind::Exit => &[Prospect, TechSme, Reserve, HighTech, Leader],
            EventKind::Reinstate => &[Exited],
        }
    }

    /// Whether a role may fire this kind at all (territory is checked by the app layer).
    pub fn allowed_for(self, role: Role) -> bool {
        match role {
            Role::Admin | Role::Bureau => true,
            Role::System => matches!(self, EventKind::LapseTechSme | EventKind::ExpireHighTech),
            Role::County => matches!(
                self,
                EventKind::LeaveReserve | EventKind::Exit | EventKind::Reinstate
            ),
            Role::Advisor | Role::Firm => false,
        }
    }
}

impl fmt::Display for EventKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

impl Event {
    /// The event's kind.
    pub fn kind(&self) -> EventKind {
        match self {
            Event::RegisterTechSme { .. } => EventKind::RegisterTechSme,
            Event::LapseTechSme => EventKind::LapseTechSme,
            Event::AdmitToReserve => EventKind::AdmitToReserve,
            Event::LeaveReserve { .. } => EventKind::LeaveReserve,
            Event::CertifyHighTech { .. } => EventKind::CertifyHighTech,
            Event::RenewHighTech { .. } => EventKind::RenewHighTech,
            Event::ExpireHighTech => EventKind::ExpireHighTech,
            Event::RevokeHighTech { .. } => EventKind::RevokeHighTech,
            Event::RecognizeLeader => EventKind::RecognizeLeader,
            Event::DemoteLeader { .. } => EventKind::DemoteLeader,
            Event::Exit { .. } => EventKind::Exit,
            Event::Reinstate => EventKind::Reinstate,
        }
    }

    /// The free-text reason carried by the event, if any.
    pub fn reason(&self) -> Option<&str> {
        match self {
            Event::LeaveReserve { reason }
            | Event::RevokeHighTech { reason }
            | Event::DemoteLeader { reason }
            | Event::Exit { reason } => Some(reason),
            _ => None,
        }
    }
}

/// Who acts. Roles mirror DESIGN §4's users plus the `system` user that `tick` runs as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Administrator.
    Admin,
    /// City bureau staff.
    Bureau,
    /// County or zone officer.
    County,
    /// Policy advisor.
    Advisor,
    /// A firm's own user.
    Firm,
    /// The daily job.
    System,
}

impl Role {
    /// Stable id.
    pub fn id(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Bureau => "bureau",
            Role::County => "county",
            Role::Advisor => "advisor",
            Role::Firm => "firm",
            Role::System => "system",
        }
    }

    /// Parse a stable id.
    pub fn parse(s: &str) -> Option<Role> {
        [
            Role::Admin,
            Role::Bureau,
            Role::County,
            Role::Advisor,
            Role::Firm,
            Role::System,
        ]
        .into_iter()
        .find(|r| r.id() == s)
    }
}

/// The acting person (or the system).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Actor {
    /// User id; `None` for the system.
    pub user_id: Option<i64>,
    /// Role.
    pub role: Role,
}

impl Actor {
    /// The system user that runs `tick`.
    pub fn system() -> Actor {
        Actor {
            user_id: None,
            role: Role::System,
        }
    }
}

/// A firm's credentials recorded beside its stage.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Credentials {
    /// Latest tech-SME registration (year, number).
    pub tech_sme: Option<(i32, String)>,
    /// Current HTE certificate (number, issue date).
    pub hte: Option<(String, NaiveDate)>,
    /// Date of leader recognition.
    pub leader_since: Option<NaiveDate>,
}

/// What the machine needs to know about a firm.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FirmState {
    /// Current stage.
    pub stage: Stage,
    /// Current credentials.
    pub credentials: Credentials,
}

impl FirmState {
    /// A new firm: a prospect with no credentials.
    pub fn new() -> FirmState {
        FirmState {
            stage: Stage::Prospect,
            credentials: Credentials::default(),
        }
    }
}

impl Default for FirmState {
    fn default() -> Self {
        FirmState::new()
    }
}

/// Whether a tech-SME registration for `year` is still current on `as_of`: it holds for its
/// year and until the end of March of the next (the yearly update deadline).
pub fn tech_sme_current(year: i32, as_of: NaiveDate) -> bool {
    let y = as_of.year();
    year == y || (year == y - 1 && as_of.month() <= 3)
}

/// The date an HTE certificate issued on `issued_on` stops being valid (three years on).
pub fn hte_valid_until(issued_on: NaiveDate) -> NaiveDate {
    issued_on
        .with_year(issued_on.year() + 3)
        .unwrap_or_else(|| issued_on + chrono::Days::new(3 * 365))
}

/// An accepted event: what to record.
#[derive(Debug, Clone)]
pub struct Transition {
    /// Stage before.
    pub from: Stage,
    /// Stage after (may equal `from`, e.g. a renewal).
    pub to: Stage,
    /// The event.
    pub event: Event,
    /// The state after the event.
    pub state: FirmState,
    /// The evaluation the guard ran, to keep as a snapshot.
    pub evaluation: Option<Evaluation>,
}

/// Why an event was refused. Names every reason that applies.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Rejection {
    /// The refused kind.
    pub event: EventKind,
    /// The stage the firm was in.
    pub stage: Stage,
    /// Every reason, in both languages.
    pub reasons: Vec<Reason>,
}

impl fmt::Display for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let texts: Vec<&str> = self.reasons.iter().map(|r| r.code.as_str()).collect();
        write!(f, "{} refused: {}", self.event, texts.join("; "))
    }
}

impl std::error::Error for Rejection {}

/// The event data a rejection's reason (by its code) is about, by field name of the event
/// (the names its JSON and the stage-action forms use): a form shows the reason beside the
/// first of them, and drops it when one of them did not even parse (that problem is shown
/// instead). Empty for reasons about the firm, its stage, its rules or the actor, which are
/// about no one field.
pub fn reason_fields(code: &str) -> &'static [&'static str] {
    match code {
        "reason_required" => &["reason"],
        "reg_no_required" => &["reg_no"],
        "registration_year_out_of_range" | "older_than_current_registration" => &["year"],
        "invalid_cert_no" => &["cert_no"],
        "cert_year_mismatch" | "not_a_newer_certificate" => &["cert_no", "issued_on"],
        "issued_in_future" | "certificate_already_expired" => &["issued_on"],
        _ => &[],
    }
}

/// What the guards read besides the state: the firm's profile and the local thresholds.
#[derive(Debug, Clone, Copy)]
pub struct Context<'a> {
    /// The firm's figures and facts.
    pub profile: &'a Profile,
    /// Local rule thresholds in force.
    pub thresholds: &'a Thresholds,
}

/// What is wrong with a certificate as recorded on `as_of`: its number's form (`GR`, the issue
/// year, eight more digits), a number whose year is not the issue year, an issue date in the
/// future, a certificate already past its three years. Empty when nothing is.
pub fn certificate_reasons(cert_no: &str, issued_on: NaiveDate, as_of: NaiveDate) -> Vec<Reason> {
    let mut out = Vec::new();
    let ok_form = cert_no.len() == 14
        && cert_no.starts_with("GR")
        && cert_no[2..].bytes().all(|b| b.is_ascii_digit());
    if !ok_form {
        out.push(Reason::new(
            "invalid_cert_no",
            Text::new("reason.invalid_cert_no").plain("cert_no", cert_no),
        ));
    } else if cert_no[2..6].parse::<i32>().ok() != Some(issued_on.year()) {
        out.push(Reason::new(
            "cert_year_mismatch",
            Text::new("reason.cert_year_mismatch")
                .plain("cert_no", cert_no)
                .plain("issued_on", issued_on),
        ));
    }
    if issued_on > as_of {
        out.push(Reason::new(
            "issued_in_future",
            Text::new("reason.issued_in_future")
                .plain("issued_on", issued_on)
                .plain("today", as_of),
        ));
    } else if hte_valid_until(issued_on) <= as_of {
        out.push(Reason::new(
            "certificate_already_expired",
            Text::new("reason.certificate_already_expired").plain("issued_on", issued_on),
        ));
    }
    out
}

/// The state after `event`, without any check: what an accepted event does. [`apply`] checks
/// first and then calls this; [`replay`] folds recorded events with it.
pub fn effect(state: &FirmState, event: &Event, as_of: NaiveDate) -> FirmState {
    let mut next = state.clone();
    let from = state.stage;
    next.stage = match event {
        Event::RegisterTechSme { year, reg_no } => {
            next.credentials.tech_sme = Some((*year, reg_no.trim().to_string()));
            if from == Stage::Prospect {
                Stage::TechSme
            } else {
                from
            }
        }
        Event::LapseTechSme => Stage::Prospect,
        Event::AdmitToReserve => Stage::Reserve,
        Event::LeaveReserve { .. } => Stage::TechSme,
        Event::CertifyHighTech { cert_no, issued_on } => {
            next.credentials.hte = Some((cert_no.clone(), *issued_on));
            Stage::HighTech
        }
        Event::RenewHighTech { cert_no, issued_on } => {
            next.credentials.hte = Some((cert_no.clone(), *issued_on));
            from
        }
        Event::ExpireHighTech => {
            next.credentials.hte = None;
            next.credentials.leader_since = None;
            Stage::Reserve
        }
        Event::RevokeHighTech { .. } => {
            next.credentials.hte = None;
            next.credentials.leader_since = None;
            match &state.credentials.tech_sme {
                Some((year, _)) if tech_sme_current(*year, as_of) => Stage::TechSme,
                _ => Stage::Prospect,
            }
        }
        Event::RecognizeLeader => {
            next.credentials.leader_since = Some(as_of);
            Stage::Leader
        }
        Event::DemoteLeader { .. } => {
            next.credentials.leader_since = None;
            Stage::HighTech
        }
        Event::Exit { .. } => Stage::Exited,
        Event::Reinstate => Stage::Prospect,
    };
    next
}

/// The state a firm is in after its recorded events, oldest first, each with the date it took
/// effect. The stored stage must always equal this.
pub fn replay<'a, I>(events: I) -> FirmState
where
    I: IntoIterator<Item = (&'a Event, NaiveDate)>,
{
    events
        .into_iter()
        .fold(FirmState::new(), |s, (e, d)| effect(&s, e, d))
}

fn rules_guard(
    ruleset: RuleSet,
    ctx: &Context<'_>,
    as_of: NaiveDate,
    reasons: &mut Vec<Reason>,
) -> Option<Evaluation> {
    match rules::evaluate(ctx.profile, ruleset, as_of, ctx.thresholds) {
        Ok(ev) => {
            if ev.eligible != Some(true) {
                reasons.push(Reason::new(
                    "rules_not_met",
                    Text::new("reason.rules_not_met").plain("ruleset", ruleset.id()),
                ));
                reasons.extend(ev.reasons_not_passing());
            }
            Some(ev)
        }
        Err(e) => {
            reasons.push(Reason::new(
                "invalid_profile",
                Text::new("reason.invalid_profile").text("error", e.text),
            ));
            None
        }
    }
}

/// Apply `event` to `state` on `as_of`. Either every check passes and the transition is
/// returned, or nothing changes and the rejection lists every reason.
pub fn apply(
    state: &FirmState,
    event: &Event,
    actor: &Actor,
    as_of: NaiveDate,
    ctx: &Context<'_>,
) -> Result<Transition, Rejection> {
    let kind = event.kind();
    let from = state.stage;
    let mut reasons = Vec::new();

    if !kind.allowed_for(actor.role) {
        reasons.push(Reason::new(
            "role_not_allowed",
            Text::new("reason.role_not_allowed")
                .plain("role", actor.role.id())
                .term("event", format!("event.{}", kind.id())),
        ));
    }
    if !kind.from_stages().contains(&from) {
        reasons.push(Reason::new(
            "not_allowed_from_stage",
            Text::new("reason.not_allowed_from_stage")
                .term("stage", format!("stage.{}", from.id()))
                .term("event", format!("event.{}", kind.id())),
        ));
    }
    if let Some(r) = event.reason() {
        if r.trim().is_empty() {
            reasons.push(Reason::new(
                "reason_required",
                Text::new("reason.reason_required"),
            ));
        }
    }

    let mut evaluation = None;
    let stage_ok = kind.from_stages().contains(&from);
    match event {
        Event::RegisterTechSme { year, reg_no } => {
            if reg_no.trim().is_empty() {
                reasons.push(Reason::new(
                    "reg_no_required",
                    Text::new("reason.reg_no_required"),
                ));
            }
            if *year > as_of.year() || *year < as_of.year() - 1 {
                reasons.push(Reason::new(
                    "registration_year_out_of_range",
                    Text::new("reason.registration_year_out_of_range").plain("year", year),
                ));
            }
            if let Some((prev, _)) = &state.credentials.tech_sme {
                if *prev > *year {
                    reasons.push(Reason::new(
                        "older_than_current_registration",
                        Text::new("reason.older_than_current_registration")
                            .plain("prev", prev)
                            .plain("year", year),
                    ));
                }
            }
            if stage_ok && from == Stage::Prospect {
                evaluation = rules_guard(RuleSet::TechSme2017, ctx, as_of, &mut reasons);
            }
        }
        Event::LapseTechSme => {
            if let Some((year, _)) = &state.credentials.tech_sme {
                if tech_sme_current(*year, as_of) {
                    reasons.push(Reason::new(
                        "registration_still_current",
                        Text::new("reason.registration_still_current").plain("year", year),
                    ));
                }
            }
        }
        Event::AdmitToReserve => {
            if stage_ok {
                evaluation = rules_guard(RuleSet::ReserveLocal, ctx, as_of, &mut reasons);
            }
        }
        Event::CertifyHighTech { cert_no, issued_on } => {
            reasons.extend(certificate_reasons(cert_no, *issued_on, as_of));
            if stage_ok {
                // Recorded, not required: the certificate itself is the official decision.
                evaluation =
                    rules::evaluate(ctx.profile, RuleSet::Hte2016, as_of, ctx.thresholds).ok();
            }
        }
        Event::RenewHighTech { cert_no, issued_on } => {
            reasons.extend(certificate_reasons(cert_no, *issued_on, as_of));
            if let Some((old_no, old_on)) = &state.credentials.hte {
                if *issued_on <= *old_on || old_no == cert_no {
                    reasons.push(Reason::new(
                        "not_a_newer_certificate",
                        Text::new("reason.not_a_newer_certificate")
                            .plain("old_no", old_no)
                            .plain("old_on", old_on),
                    ));
                }
            }
            if stage_ok {
                evaluation =
                    rules::evaluate(ctx.profile, RuleSet::Hte2016, as_of, ctx.thresholds).ok();
            }
        }
        Event::ExpireHighTech => {
            if let Some((no, on)) = &state.credentials.hte {
                let until = hte_valid_until(*on);
                if as_of < until {
                    reasons.push(Reason::new(
                        "certificate_still_valid",
                        Text::new("reason.certificate_still_valid")
                            .plain("cert_no", no)
                            .plain("until", until),
                    ));
                }
            }
        }
        Event::RecognizeLeader => {
            if stage_ok {
                evaluation = rules_guard(RuleSet::LeaderLocal, ctx, as_of, &mut reasons);
            }
        }
        Event::LeaveReserve { .. }
        | Event::RevokeHighTech { .. }
        | Event::DemoteLeader { .. }
        | Event::Exit { .. }
        | Event::Reinstate => {}
    }

    if !reasons.is_empty() {
        return Err(Rejection {
            event: kind,
            stage: from,
            reasons,
        });
    }
    let next = effect(state, event, as_of);
    Ok(Transition {
        from,
        to: next.stage,
        event: event.clone(),
        state: next,
        evaluation,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn bureau() -> Actor {
        Actor {
            user_id: Some(1),
            role: Role::Bureau,
        }
    }

    fn ctx_apply(
        state: &FirmState,
        event: &Event,
        actor: &Actor,
        as_of: NaiveDate,
    ) -> Result<Transition, Rejection> {
        let profile = Profile::default();
        let thresholds = Thresholds::default();
        apply(
            state,
            event,
            actor,
            as_of,
            &Context {
                profile: &profile,
                thresholds: &thresholds,
            },
        )
    }

    #[test]
    fn certify_from_prospect_reaches_high_tech_with_its_certificate() {
        let t = ctx_apply(
            &FirmState::new(),
            &Event::CertifyHighTech {
                cert_no: "GR202341000123".into(),
                issued_on: d("2023-11-20"),
            },
            &bureau(),
            d("2024-01-05"),
        )
        .unwrap();
        assert_eq!(t.to, Stage::HighTech);
        assert_eq!(
            t.state.credentials.hte,
            Some(("GR202341000123".into(), d("2023-11-20")))
        );
    }

    #[test]
    fn rejection_names_every_reason() {
        // Wrong role, wrong stage and a malformed certificate all at once.
        let advisor = Actor {
            user_id: Some(7),
            role: Role::Advisor,
        };
        let state = FirmState {
            stage: Stage::Exited,
            credentials: Credentials::default(),
        };
        let r = ctx_apply(
            &state,
            &Event::CertifyHighTech {
                cert_no: "XX1".into(),
                issued_on: d("2024-01-01"),
            },
            &advisor,
            d("2024-03-01"),
        )
        .unwrap_err();
        let codes: Vec<&str> = r.reasons.iter().map(|r| r.code.as_str()).collect();
        assert_eq!(
            codes,
            [
                "role_not_allowed",
                "not_allowed_from_stage",
                "invalid_cert_no"
            ]
        );
        assert!(r
            .reasons
            .iter()
            .all(|r| !r.text.sketch(true).is_empty() && !r.text.sketch(false).is_empty()));
    }

    #[test]
    fn expiry_waits_three_years_to_the_day() {
        let mut s = FirmState::new();
        s.stage = Stage::HighTech;
        s.credentials.hte = Some(("GR202241000001".into(), d("2022-12-01")));
        let sys = Actor::system();
        assert!(ctx_apply(&s, &Event::ExpireHighTech, &sys, d("2025-11-30")).is_err());
        let t = ctx_apply(&s, &Event::ExpireHighTech, &sys, d("2025-12-01")).unwrap();
        assert_eq!(t.to, Stage::Reserve);
        assert_eq!(t.state.credentials.hte, None);
    }

    #[test]
    fn tech_sme_registration_holds_until_end_of_march_next_year() {
        assert!(tech_sme_current(2024, d("2024-01-01")));
        assert!(tech_sme_current(2024, d("2025-03-31")));
        assert!(!tech_sme_current(2024, d("2025-04-01")));
        assert!(!tech_sme_current(2023, d("2025-01-01")));
    }

    #[test]
    fn revocation_falls_back_to_tech_sme_only_with_a_current_registration() {
        let mut s = FirmState::new();
        s.stage = Stage::HighTech;
        s.credentials.hte = Some(("GR202341000001".into(), d("2023-06-01")));
        s.credentials.tech_sme = Some((2024, "2024411100A0001".into()));
        let ev = Event::RevokeHighTech {
            reason: "fraud found in audit".into(),
        };
        assert_eq!(
            ctx_apply(&s, &ev, &bureau(), d("2024-09-01")).unwrap().to,
            Stage::TechSme
        );
        assert_eq!(
            ctx_apply(&s, &ev, &bureau(), d("2025-09-01")).unwrap().to,
            Stage::Prospect
        );
    }

    #[test]
    fn every_reason_about_event_data_names_a_field_the_event_has() {
        // Bad data of every kind: each reason that names fields names the event's own.
        let mut hte = FirmState::new();
        hte.stage = Stage::HighTech;
        hte.credentials.hte = Some(("GR202341000123".into(), d("2023-11-20")));
        hte.credentials.tech_sme = Some((2024, "R1".into()));
        let cases = [
            (
                FirmState::new(),
                Event::RegisterTechSme {
                    year: 2019,
                    reg_no: " ".into(),
                },
            ),
            (
                hte.clone(),
                Event::RegisterTechSme {
                    year: 2023,
                    reg_no: "R2".into(),
                },
            ),
            (
                FirmState::new(),
                Event::CertifyHighTech {
                    cert_no: "GR202241000123".into(),
                    issued_on: d("2030-01-01"),
                },
            ),
            (
                FirmState::new(),
                Event::CertifyHighTech {
                    cert_no: "X".into(),
                    issued_on: d("2019-01-01"),
                },
            ),
            (
                hte.clone(),
                Event::RenewHighTech {
                    cert_no: "GR202341000123".into(),
                    issued_on: d("2023-11-20"),
                },
            ),
            (hte, Event::RevokeHighTech { reason: "".into() }),
        ];
        let mut seen = std::collections::BTreeSet::new();
        for (state, event) in cases {
            let json = serde_json::to_value(&event).unwrap();
            let r = ctx_apply(&state, &event, &bureau(), d("2024-03-01")).unwrap_err();
            for reason in &r.reasons {
                for field in reason_fields(&reason.code) {
                    assert!(json.get(field).is_some(), "{} names {field}", reason.code);
                    seen.insert(reason.code.clone());
                }
            }
        }
        assert_eq!(seen.len(), 9, "every mapped code came up: {seen:?}");
        assert!(reason_fields("not_allowed_from_stage").is_empty());
        assert!(reason_fields("rules_not_met").is_empty());
    }

    #[test]
    fn a_reason_is_required_where_the_event_carries_one() {
        let r = ctx_apply(
            &FirmState::new(),
            &Event::Exit {
                reason: "  ".into(),
            },
            &bureau(),
            d("2024-01-01"),
        )
        .unwrap_err();
        assert_eq!(r.reasons[0].code, "reason_required");
    }

    fn arb_event() -> impl Strategy<Value = Event> {
        let reason = prop_oneof![Just(String::new()), Just("closed".to_string())];
        let cert = (2019i32..2027, 1u32..13, 1u32..29, prop::bool::weighted(0.9)).prop_map(
            |(y, m, day, good)| {
                let issued = NaiveDate::from_ymd_opt(y, m, day).unwrap();
                let no = if good {
                    format!("GR{y}41{:06}", m * 100 + day)
                } else {
                    "GR1".to_string()
                };
                (no, issued)
            },
        );
        prop_oneof![
            (2019i32..2027).prop_map(|year| Event::RegisterTechSme {
                year,
                reg_no: format!("{year}4111000{year}")
            }),
            Just(Event::LapseTechSme),
            Just(Event::AdmitToReserve),
            reason
                .clone()
                .prop_map(|reason| Event::LeaveReserve { reason }),
            cert.clone()
                .prop_map(|(cert_no, issued_on)| Event::CertifyHighTech { cert_no, issued_on }),
            cert.prop_map(|(cert_no, issued_on)| Event::RenewHighTech { cert_no, issued_on }),
            Just(Event::ExpireHighTech),
            reason
                .clone()
                .prop_map(|reason| Event::RevokeHighTech { reason }),
            Just(Event::RecognizeLeader),
            reason
                .clone()
                .prop_map(|reason| Event::DemoteLeader { reason }),
            reason.prop_map(|reason| Event::Exit { reason }),
            Just(Event::Reinstate),
        ]
    }

    fn arb_role() -> impl Strategy<Value = Role> {
        prop_oneof![
            4 => Just(Role::Bureau),
            1 => Just(Role::Admin),
            1 => Just(Role::County),
            1 => Just(Role::Advisor),
            1 => Just(Role::Firm),
            1 => Just(Role::System),
        ]
    }

    /// A firm's figures for the property test: none, a strong small firm (passes the tech-SME,
    /// reserve and HTE rules) or a big one (passes the leader rules), with the credentials of
    /// its current state, as the store builds them.
    fn profile_for(kind: u8, state: &FirmState) -> Profile {
        use crate::core::money::Fen;
        use crate::core::profile::{FirmYear, Flags, HteCertificate, Ip, Judged, RdManagement};
        use crate::core::profile::{PlatformLevel, TechSmeRegistration};
        if kind == 0 {
            return Profile::default();
        }
        let revenue: i64 = if kind == 1 { 50_000_000 } else { 400_000_000 };
        let financials = (2010..=2040)
            .map(|year| FirmYear {
                year,
                revenue: Fen::from_yuan(revenue),
                rd_expense: Fen::from_yuan(revenue * 7 / 100),
                rd_expense_domestic: Fen::from_yuan(revenue * 7 / 100),
                high_tech_revenue: Fen::from_yuan(revenue * 8 / 10),
                total_cost: Fen::from_yuan(revenue * 9 / 10),
                total_assets: Fen::from_yuan(revenue),
                net_assets: Fen::from_yuan(revenue / 2),
                total_income: Fen::from_yuan(revenue),
            })
            .collect();
        Profile {
            uscc: Some("914403001922038216".into()),
            founded_on: Some(d("2005-01-01")),
            employees: Some(100),
            tech_staff: Some(40),
            financials,
            ip: Ip {
                class_one: Some(3),
                class_two: Some(10),
                own_rd: Some(true),
                standards: Some(false),
            },
            conversions: (2010..=2040).map(|y| (y, 6)).collect(),
            rd_management: RdManagement {
                system: Some(true),
                institution: Some(true),
                conversion_platform: Some(true),
                talent: Some(true),
            },
            flags: Flags {
                key_field: Some(true),
                core_ip: Some(true),
                major_incident: Some(false),
                restricted_industry: Some(false),
                dishonest: Some(false),
                deemed_taxation: Some(false),
            },
            judged: Judged {
                ip_advancement: Some(8),
                ip_core_support: Some(8),
                ..Judged::default()
            },
            rd_platform: Some(PlatformLevel::Provincial),
            tech_sme: state
                .credentials
                .tech_sme
                .as_ref()
                .map(|(year, no)| TechSmeRegistration {
                    year: *year,
                    reg_no: Some(no.clone()),
                }),
            hte_certificate: state
                .credentials
                .hte
                .as_ref()
                .map(|(no, on)| HteCertificate {
                    cert_no: no.clone(),
                    issued_on: *on,
                }),
            ..Profile::default()
        }
    }

    proptest! {
        /// Random sequences: the state always equals the replay of the accepted events, no
        /// accepted event falls outside the transition table or its role's rights, and a
        /// rejected event leaves the state as it was. Firms with no figures, strong small
        /// figures and big figures alternate, so the rule guards both pass and refuse.
        #[test]
        fn state_is_the_replay_of_accepted_events(
            steps in prop::collection::vec((arb_event(), arb_role(), 0i64..400, 0u8..3), 1..40)
        ) {
            let mut state = FirmState::new();
            let mut day = d("2019-01-01");
            let mut accepted: Vec<(Event, NaiveDate)> = Vec::new();
            let thresholds = Thresholds::default();
            for (event, role, gap, figures) in steps {
                day = day + chrono::Days::new(gap as u64);
                let actor = Actor { user_id: Some(1), role };
                let before = state.clone();
                let profile = profile_for(figures, &state);
                let ctx = Context { profile: &profile, thresholds: &thresholds };
                match apply(&state, &event, &actor, day, &ctx) {
                    Ok(t) => {
                        prop_assert!(event.kind().from_stages().contains(&before.stage));
                        prop_assert!(event.kind().allowed_for(role));
                        prop_assert_eq!(t.from, before.stage);
                        prop_assert_eq!(t.to, t.state.stage);
                        state = t.state;
                        accepted.push((event, day));
                    }
                    Err(r) => {
                        prop_assert!(!r.reasons.is_empty());
                        prop_assert_eq!(&state, &before);
                    }
                }
                let replayed = replay(accepted.iter().map(|(e, d)| (e, *d)));
                prop_assert_eq!(&replayed, &state);
            }
        }
    }

    #[test]
    fn strong_figures_pass_every_rule_guard_of_the_ladder() {
        // The property test's figures reach every stage through its guards, so the guarded
        // paths are exercised, not only refused.
        let b = bureau();
        let t = Thresholds::default();
        let mut s = FirmState::new();
        let steps = [
            (
                Event::RegisterTechSme {
                    year: 2024,
                    reg_no: "2024411100A0001".into(),
                },
                "2024-04-01",
                1,
            ),
            (Event::AdmitToReserve, "2024-09-01", 1),
            (
                Event::CertifyHighTech {
                    cert_no: "GR202441000001".into(),
                    issued_on: d("2024-12-01"),
                },
                "2024-12-10",
                1,
            ),
            (Event::RecognizeLeader, "2025-06-01", 2),
        ];
        for (event, on, figures) in steps {
            let p = profile_for(figures, &s);
            let ctx = Context {
                profile: &p,
                thresholds: &t,
            };
            s = apply(&s, &event, &b, d(on), &ctx)
                .unwrap_or_else(|r| panic!("{r}"))
                .state;
        }
        assert_eq!(s.stage, Stage::Leader);
    }
}
