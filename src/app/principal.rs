//! Who is acting, and on which firms they may act.

use crate::core::stage::{Actor, Role};
use crate::store::firms::Firm;

/// The signed-in user (or the system) as the use cases see them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    /// User id; `None` for the system.
    pub user_id: Option<i64>,
    /// Role.
    pub role: Role,
    /// County of a county officer.
    pub county_code: Option<String>,
    /// Firm of a firm user.
    pub firm_id: Option<i64>,
}

impl Principal {
    /// The system user that `tick` runs as.
    pub fn system() -> Principal {
        Principal {
            user_id: None,
            role: Role::System,
            county_code: None,
            firm_id: None,
        }
    }

    /// The actor the stage machine sees.
    pub fn to_actor(&self) -> Actor {
        Actor {
            user_id: self.user_id,
            role: self.role,
        }
    }

    /// Whether this principal may fire stage events on `firm` at all (the stage machine then
    /// checks the event kind): admins, bureau staff and the system everywhere; county officers
    /// only in their own county; advisors and firms never.
    pub fn can_act_on_firm(&self, firm: &Firm) -> bool {
        match self.role {
            Role::Admin | Role::Bureau | Role::System => true,
            Role::County => self.in_county(&firm.county_code),
            Role::Advisor | Role::Firm => false,
        }
    }

    /// Whether this principal may edit the firm's data (figures, IP): admins and bureau staff
    /// everywhere, county officers in their county, the firm's assigned advisor, the firm's own
    /// users.
    pub fn can_edit_firm(&self, firm: &Firm) -> bool {
        match self.role {
            Role::Admin | Role::Bureau => true,
            Role::County => self.in_county(&firm.county_code),
            Role::Advisor => self.user_id.is_some() && self.user_id == firm.advisor_id,
            Role::Firm => self.firm_id == Some(firm.id),
            Role::System => false,
        }
    }

    /// Whether this principal may choose a firm's advisor (on the firm's form, or by
    /// assigning): admins, bureau staff and county officers (within their county, which the
    /// territory checks decide).
    pub fn can_assign_advisors(&self) -> bool {
        matches!(self.role, Role::Admin | Role::Bureau | Role::County)
    }

    /// Whether this principal may register a new firm in `county_code`.
    pub fn can_create_firm_in(&self, county_code: &str) -> bool {
        match self.role {
            Role::Admin | Role::Bureau => true,
            Role::County => self.in_county(county_code),
            Role::Advisor | Role::Firm | Role::System => false,
        }
    }

    fn in_county(&self, county_code: &str) -> bool {
        self.county_code.as_deref() == Some(county_code)
    }
}
