//! A contact — a company or a person — and their access to the client portal.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use tessera_core::{SecretKey, Uuid, clean_name, normalize_email};

use crate::{Activation, ContactError};

/// Longest contact or company name.
pub const MAX_CONTACT_NAME_CHARS: usize = 200;

/// A company, or an individual person (who may belong to a company).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ContactKind {
    /// An organisation; people may belong to it, projects name it as counterparty.
    Company,
    /// An individual.
    Person,
}

impl ContactKind {
    /// The lowercase wire name.
    pub const fn as_str(self) -> &'static str {
        match self {
            ContactKind::Company => "company",
            ContactKind::Person => "person",
        }
    }

    /// Reads the wire name back.
    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "company" => Some(ContactKind::Company),
            "person" => Some(ContactKind::Person),
            _ => None,
        }
    }
}

/// What a contact may do beyond receiving e-mail.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Access {
    /// E-mail only: notifications about their tasks; replies become comments.
    None,
    /// A limited client portal (see [`crate::portal`]).
    Basic,
    /// Near-employee access with fixed limits (see [`crate::portal`]).
    Advanced,
}

impl Access {
    /// The lowercase wire name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Access::None => "none",
            Access::Basic => "basic",
            Access::Advanced => "advanced",
        }
    }

    /// Reads the wire name back.
    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "none" => Some(Access::None),
            "basic" => Some(Access::Basic),
            "advanced" => Some(Access::Advanced),
            _ => None,
        }
    }
}

/// Something accepted that the caller should know about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Warning {
    /// Access was granted to a company: everyone of that company shares one sign-in.
    CompanySharesSignIn,
}

impl Warning {
    /// A sentence for people.
    pub const fn message(self) -> &'static str {
        match self {
            Warning::CompanySharesSignIn => {
                "access was granted to a company: every person of the company shares this one sign-in; grant access to individual contacts instead"
            }
        }
    }
}

/// What changing a contact's access calls for. The caller acts on it; it never compares
/// states itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AccessChange {
    /// Nothing changed.
    Unchanged,
    /// Access turned on: mail this activation.
    Granted {
        /// The new activation (its link is derived again from the key when the e-mail is
        /// rendered).
        activation: Activation,
    },
    /// `basic` became `advanced`: nothing to end.
    Raised,
    /// `advanced` became `basic`: end the contact's sessions and reply keys now.
    Lowered,
    /// Access turned off: the sign-in is gone; end sessions and reply keys now.
    Revoked,
}

impl AccessChange {
    /// True when the contact's sessions and reply keys must end.
    pub const fn ends_sessions(&self) -> bool {
        matches!(self, AccessChange::Lowered | AccessChange::Revoked)
    }
}

/// May a user grant or change contact access? Account admins (`user_management: write`) and
/// employees whose card carries the "may grant client access" flag may.
pub fn may_grant(manages_users: bool, may_grant_flag: bool) -> Result<(), ContactError> {
    if manages_users || may_grant_flag {
        Ok(())
    } else {
        Err(ContactError::MayNotGrant)
    }
}

/// A contact as the domain sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contact {
    /// Its id.
    pub id: Uuid,
    /// Company or person.
    pub kind: ContactKind,
    /// The company a person belongs to.
    pub company: Option<Uuid>,
    /// Name (cleaned).
    pub name: String,
    /// E-mail (normalized); needed for access and notifications.
    pub email: Option<String>,
    /// Their access type.
    pub access: Access,
    /// The pending activation, while access is on and no sign-in exists yet.
    pub activation: Option<Activation>,
    /// True once the contact chose a password through an activation.
    pub signed_up: bool,
    /// The locale of their e-mails.
    pub locale: String,
}

impl Contact {
    /// A new contact without access. `company` must be a company's id (checked by the
    /// caller, who can see it); a company cannot be in a company.
    pub fn new(
        id: Uuid,
        kind: ContactKind,
        company: Option<Uuid>,
        name: &str,
        email: Option<&str>,
        locale: &str,
    ) -> Result<Self, ContactError> {
        if kind == ContactKind::Company && company.is_some() {
            return Err(ContactError::CompanyInCompany);
        }
        Ok(Contact {
            id,
            kind,
            company,
            name: Self::clean_name(name)?,
            email: email.map(Self::clean_email).transpose()?,
            access: Access::None,
            activation: None,
            signed_up: false,
            locale: locale.to_owned(),
        })
    }

    /// A name as stored, or why not.
    pub fn clean_name(name: &str) -> Result<String, ContactError> {
        clean_name(name, MAX_CONTACT_NAME_CHARS).map_err(|error| ContactError::InvalidName {
            field: "name",
            reason: error.to_string(),
        })
    }

    /// An e-mail address as stored, or why not.
    pub fn clean_email(email: &str) -> Result<String, ContactError> {
        normalize_email(email).ok_or_else(|| ContactError::InvalidEmail {
            email: email.to_owned(),
        })
    }

    /// The company whose projects this contact sees as counterparty: their company, or
    /// themselves when the contact is a company.
    pub fn company_scope(&self) -> Option<Uuid> {
        match self.kind {
            ContactKind::Company => Some(self.id),
            ContactKind::Person => self.company,
        }
    }

    /// Warnings that go with `access` on this contact.
    pub fn warnings(&self, access: Access) -> Vec<Warning> {
        if self.kind == ContactKind::Company && access != Access::None {
            vec![Warning::CompanySharesSignIn]
        } else {
            Vec::new()
        }
    }

    /// Sets the access type. Turning it on issues an activation (with `nonce`, 16 random
    /// bytes); turning it off drops the sign-in and any pending activation.
    pub fn set_access(
        &mut self,
        access: Access,
        key: &SecretKey,
        nonce: [u8; 16],
        now: DateTime<Utc>,
    ) -> Result<AccessChange, ContactError> {
        if access == self.access {
            return Ok(AccessChange::Unchanged);
        }
        if access != Access::None && self.email.is_none() {
            return Err(ContactError::NoEmail);
        }
        let before = self.access;
        self.access = access;
        Ok(match (before, access) {
            (_, Access::None) => {
                self.activation = None;
                self.signed_up = false;
                AccessChange::Revoked
            }
            (Access::None, _) => {
                let activation = Activation::issue(key, self.id.as_bytes(), nonce, now);
                self.activation = Some(activation.clone());
                AccessChange::Granted { activation }
            }
            (Access::Basic, Access::Advanced) => AccessChange::Raised,
            _ => AccessChange::Lowered,
        })
    }

    /// Issues a new activation for a contact with access who has not signed up yet; the
    /// previous link stops working.
    pub fn reissue_activation(
        &mut self,
        key: &SecretKey,
        nonce: [u8; 16],
        now: DateTime<Utc>,
    ) -> Result<Activation, ContactError> {
        if self.access == Access::None {
            return Err(ContactError::NoPendingActivation {
                reason: "the contact has no access",
            });
        }
        if self.signed_up {
            return Err(ContactError::NoPendingActivation {
                reason: "the contact already activated their access",
            });
        }
        let activation = Activation::issue(key, self.id.as_bytes(), nonce, now);
        self.activation = Some(activation.clone());
        Ok(activation)
    }

    /// Uses the activation whose link has HMAC `tag`: the contact signs up (the caller stores
    /// their password hash in the same write). Refused — with one answer for every reason —
    /// when there is no such activation, it expired, or access is off.
    pub fn activate(&mut self, tag: &[u8; 32], now: DateTime<Utc>) -> Result<(), ContactError> {
        let usable = self.access != Access::None
            && !self.signed_up
            && self
                .activation
                .as_ref()
                .is_some_and(|activation| activation.matches(tag) && activation.usable_at(now));
        if !usable {
            return Err(ContactError::ActivationUnusable);
        }
        self.activation = None;
        self.signed_up = true;
        Ok(())
    }
}
