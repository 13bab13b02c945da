//! The records use cases take and hand out: the store's rows and enums, re-exported so that
//! `web`, `cli` and `jobs` reach them through `app` and never call `store` themselves.

pub use crate::store::applications::{Application, StepRow};
pub use crate::store::credentials::{Credential, CredentialKind};
pub use crate::store::events::StageEventRow;
pub use crate::store::firm_query::{FirmQuery, ListedFirm, SortKey, Total};
pub use crate::store::firms::{Firm, FirmFacts, IpFacts};
pub use crate::store::followups::{Followup, FollowupKind};
pub use crate::store::ip::{Acquisition, IpItem, IpKind};
pub use crate::store::issues::{IssueCategory, IssueFilter, IssueStatus};
pub use crate::store::nominations::Nomination;
pub use crate::store::outbox::{ListFilter as OutboxFilter, OutboxRow, Status as OutboxStatus};
pub use crate::store::refdata::{County, Sector};
pub use crate::store::users::{Named, User};
pub use crate::store::years::FirmYearRow;

/// An advisor as a filter or a picker offers them: who, and their county when it is not the
/// viewer's own (an advisor may coach firms of another county; a county officer then sees
/// where they come from).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdvisorChoice {
    /// Id.
    pub id: i64,
    /// Name shown.
    pub display_name: String,
    /// Sign-in name (tells people with the same name apart).
    pub username: String,
    /// Their county, when the viewer has a county and this is another one.
    pub away: Option<County>,
}

/// What a list or a menu shows for each person: the name, and where several people share a
/// name (several 李勇 among the advisors), the name with the unique sign-in name after it
/// (`李勇 · advisor07`), so that everyone can be told apart. By id.
pub fn person_labels<'a>(
    people: impl IntoIterator<Item = (i64, &'a str, &'a str)> + Clone,
) -> std::collections::HashMap<i64, String> {
    let mut seen: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    for (_, name, _) in people.clone() {
        *seen.entry(name).or_default() += 1;
    }
    people
        .into_iter()
        .map(|(id, name, username)| {
            let label = if seen.get(name).copied().unwrap_or(0) > 1 {
                format!("{name} · {username}")
            } else {
                name.to_string()
            };
            (id, label)
        })
        .collect()
}

/// The advisors of a filter or a list as their labels read, by id: [`person_labels`], and for
/// one from another county, where they come from (`李勇（源汇区）`). The firm list and its
/// exports label advisors with this.
pub fn advisor_labels(
    advisors: &[AdvisorChoice],
    lang: crate::i18n::Lang,
) -> std::collections::HashMap<i64, String> {
    use crate::core::error::Text;
    let mut labels = person_labels(
        advisors
            .iter()
            .map(|u| (u.id, u.display_name.as_str(), u.username.as_str())),
    );
    for a in advisors {
        if let (Some(c), Some(label)) = (&a.away, labels.get_mut(&a.id)) {
            *label = crate::i18n::render(
                lang,
                &Text::new("coach.advisor.elsewhere")
                    .plain("name", label.as_str())
                    .plain("county", lang.pick(&c.name_zh, &c.name_en)),
            );
        }
    }
    labels
}

#[cfg(test)]
mod tests {
    #[test]
    fn only_shared_names_carry_the_sign_in_name() {
        let people = [
            (1, "Li Yong", "advisor01"),
            (2, "Wang Min", "advisor02"),
            (3, "Li Yong", "advisor07"),
        ];
        let labels = super::person_labels(people.iter().copied());
        assert_eq!(labels[&1], "Li Yong · advisor01");
        assert_eq!(labels[&2], "Wang Min");
        assert_eq!(labels[&3], "Li Yong · advisor07");
    }
}
