//! Contacts: companies and people outside the account, the access they have, who may grant
//! it, their activation, and their sign-in to the client portal.
//!
//! Managing contacts needs `workspace: read` (to see) or `workspace: modify` (to add, edit,
//! delete). Granting or changing access needs `user_management: write` or the "may grant
//! client access" flag on the caller's user.

use chrono::{DateTime, Utc};
use serde_json::json;
use tessera_access::{Level, USER_MANAGEMENT, WORKSPACE};
use tessera_contacts::{
    Access, AccessChange, Activation, ActivationKind, ActivationLink, Contact, ContactError,
    ContactKind, Person, Warning, may_grant,
};
use tessera_core::{AccountId, AuditAction, BearerSecret, UserId, Uuid};

use crate::outbox::message;
use crate::passwords::{self, verify_nothing};
use crate::records::{ContactSession, MessageKind, StoredContact};
use crate::{Actor, Caller, ServiceError, Tessera, Tx, new_secret, random_uuid};

/// A contact to add.
#[derive(Debug, Clone)]
pub struct NewContact {
    /// Company or person.
    pub kind: ContactKind,
    /// The company a person belongs to.
    pub company: Option<Uuid>,
    /// Name.
    pub name: String,
    /// E-mail (needed for access and notifications).
    pub email: Option<String>,
    /// Language of their e-mails (default `en`).
    pub locale: Option<String>,
}

/// Changes to a contact; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct ContactUpdate {
    /// A new name.
    pub name: Option<String>,
    /// A new e-mail address (`Some(None)` removes it; refused while access is on).
    pub email: Option<Option<String>>,
    /// A new company (`Some(None)` takes the person out of theirs).
    pub company: Option<Option<Uuid>>,
    /// A new language for their e-mails.
    pub locale: Option<String>,
}

/// A contact as the API shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactSummary {
    /// Id.
    pub id: Uuid,
    /// Company or person.
    pub kind: ContactKind,
    /// The company a person belongs to.
    pub company: Option<Uuid>,
    /// Name.
    pub name: String,
    /// E-mail.
    pub email: Option<String>,
    /// Access type.
    pub access: Access,
    /// True once the contact activated access (chose a password).
    pub activated: bool,
    /// When the pending activation link stops working, if one is pending.
    pub activation_expires_at: Option<DateTime<Utc>>,
    /// Language of their e-mails.
    pub locale: String,
    /// When added.
    pub created_at: DateTime<Utc>,
}

impl From<StoredContact> for ContactSummary {
    fn from(stored: StoredContact) -> Self {
        let c = stored.contact;
        ContactSummary {
            id: c.id,
            kind: c.kind,
            company: c.company,
            activated: c.signed_up,
            activation_expires_at: c.activation.as_ref().map(|a| a.expires_at),
            name: c.name,
            email: c.email,
            access: c.access,
            locale: c.locale,
            created_at: stored.created_at,
        }
    }
}

/// What changing a contact's access did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessOutcome {
    /// The contact now.
    pub contact: ContactSummary,
    /// What the change called for: `unchanged`, `granted` (an activation e-mail is queued),
    /// `raised`, `lowered` or `revoked` (sessions and reply keys ended).
    pub change: &'static str,
    /// Accepted, but worth knowing.
    pub warnings: Vec<Warning>,
}

/// What a contact's activation link shows before it is used (nothing changes by looking).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActivationView {
    /// The account's name.
    pub account_name: String,
    /// The contact's name.
    pub contact_name: String,
    /// The address the contact will sign in with.
    pub email: String,
    /// When the link stops working.
    pub expires_at: DateTime<Utc>,
    /// A contact's portal access, or a user's sign-in (a person an import added).
    pub kind: ActivationKind,
}

/// A contact who activated access, or a user an import added who chose their password.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Activated {
    /// The account.
    pub account: AccountId,
    /// The contact (or, for [`ActivationKind::User`], the user's id).
    pub contact: Uuid,
    /// The address they sign in with.
    pub email: String,
    /// A contact's portal access, or a user's sign-in.
    pub kind: ActivationKind,
}

/// A new portal session of a contact.
#[derive(Debug, Clone)]
pub struct ContactSignedIn {
    /// The account.
    pub account: AccountId,
    /// The contact.
    pub contact: Uuid,
    /// When the session ends.
    pub expires_at: DateTime<Utc>,
    /// The session's secret, handed out once.
    pub secret: BearerSecret,
}

/// A signed-in contact: every portal use case takes one, and sees only what
/// [`tessera_contacts::visibility`] lets this contact see.
#[derive(Debug, Clone)]
pub struct ContactCaller {
    /// The contact's account: every query is scoped by it.
    pub account: AccountId,
    /// The contact as loaded for this call.
    pub contact: Contact,
    /// SHA-256 (hex) of the session's secret.
    pub token_hash: String,
    /// The client's address as the front door saw it.
    pub client_addr: Option<String>,
}

impl ContactCaller {
    /// The contact as a person on tasks.
    pub fn person(&self) -> Person {
        Person::Contact(self.contact.id)
    }

    pub(crate) fn actor(&self) -> Actor {
        Actor::anonymous(self.account, self.client_addr.clone())
    }
}

fn change_name(change: &AccessChange) -> &'static str {
    match change {
        AccessChange::Unchanged => "unchanged",
        AccessChange::Granted { .. } => "granted",
        AccessChange::Raised => "raised",
        AccessChange::Lowered => "lowered",
        AccessChange::Revoked => "revoked",
    }
}

fn random_nonce() -> [u8; 16] {
    *random_uuid().as_bytes()
}

impl Tessera {
    /// Loads a contact of the account, or not found.
    pub(crate) fn load_contact(
        tx: &mut dyn Tx,
        account: AccountId,
        id: Uuid,
    ) -> Result<StoredContact, ServiceError> {
        tx.contact(account, id)?
            .ok_or(ServiceError::NotFound { what: "contact" })
    }

    /// Checks that `company` is a company of the account; `field` names it in the error.
    pub(crate) fn check_company(
        tx: &mut dyn Tx,
        account: AccountId,
        company: Option<Uuid>,
        field: &str,
    ) -> Result<(), ServiceError> {
        let Some(company) = company else {
            return Ok(());
        };
        match tx.contact(account, company)? {
            Some(found) if found.contact.kind == ContactKind::Company => Ok(()),
            Some(_) => Err(ServiceError::invalid(
                field,
                format!("contact `{company}` is not a company"),
            )),
            None => Err(ServiceError::invalid(
                field,
                format!("no company `{company}` in this account"),
            )),
        }
    }

    fn email_taken(error: crate::StorageError) -> ServiceError {
        match error {
            crate::StorageError::Conflict { .. } => {
                ServiceError::conflict("email", "a contact with this e-mail address exists")
            }
            other => other.into(),
        }
    }

    /// Adds a company or a person (`workspace: modify`).
    pub fn create_contact(
        &self,
        caller: &Caller,
        new: NewContact,
    ) -> Result<ContactSummary, ServiceError> {
        self.authorized(caller, WORKSPACE, Level::Modify)?;
        let locale = new.locale.unwrap_or_else(|| "en".to_owned());
        let locale = tessera_mail::resolve_locale(&locale).to_owned();
        let contact = Contact::new(
            random_uuid(),
            new.kind,
            new.company,
            &new.name,
            new.email.as_deref(),
            &locale,
        )?;
        let now = self.now();
        self.write(|tx| {
            Self::check_company(tx, caller.account, contact.company, "company")?;
            tx.insert_contact(caller.account, &contact, now)
                .map_err(Self::email_taken)?;
            self.record_event(
                tx,
                &Actor::caller(caller),
                AuditAction::ContactCreate,
                contact.id,
                json!({ "kind": contact.kind.as_str() }),
            )?;
            Ok(ContactSummary::from(StoredContact {
                account: caller.account,
                contact: contact.clone(),
                password_hash: None,
                created_at: now,
            }))
        })
    }

    /// Every contact of the account, companies first (`workspace: read`).
    pub fn contacts(&self, caller: &Caller) -> Result<Vec<ContactSummary>, ServiceError> {
        self.authorized(caller, WORKSPACE, Level::Read)?;
        let all = self.read(|tx| Ok(tx.contacts(caller.account)?))?;
        Ok(all.into_iter().map(ContactSummary::from).collect())
    }

    /// One contact (`workspace: read`).
    pub fn contact(&self, caller: &Caller, id: Uuid) -> Result<ContactSummary, ServiceError> {
        self.authorized(caller, WORKSPACE, Level::Read)?;
        self.read(|tx| Self::load_contact(tx, caller.account, id).map(ContactSummary::from))
    }

    /// Changes a contact's name, e-mail, company or language (`workspace: modify`). An
    /// address cannot be removed while access is on.
    pub fn update_contact(
        &self,
        caller: &Caller,
        id: Uuid,
        update: ContactUpdate,
    ) -> Result<ContactSummary, ServiceError> {
        self.authorized(caller, WORKSPACE, Level::Modify)?;
        let name = update
            .name
            .as_deref()
            .map(Contact::clean_name)
            .transpose()?;
        let email = update
            .email
            .map(|email| email.as_deref().map(Contact::clean_email).transpose())
            .transpose()?;
        self.write(|tx| {
            let mut stored = Self::load_contact(tx, caller.account, id)?;
            let contact = &mut stored.contact;
            if let Some(name) = name {
                contact.name = name;
            }
            if let Some(email) = email {
                if email.is_none() && contact.access != Access::None {
                    return Err(ContactError::NoEmail.into());
                }
                if email != contact.email && contact.signed_up {
                    return Err(ServiceError::conflict(
                        "email",
                        "the contact signs in with this address: turn access off before changing it",
                    ));
                }
                contact.email = email;
            }
            if let Some(company) = update.company {
                if contact.kind == ContactKind::Company && company.is_some() {
                    return Err(ContactError::CompanyInCompany.into());
                }
                Self::check_company(tx, caller.account, company, "company")?;
                contact.company = company;
            }
            if let Some(locale) = &update.locale {
                contact.locale = tessera_mail::resolve_locale(locale).to_owned();
            }
            tx.update_contact(caller.account, contact)
                .map_err(Self::email_taken)?;
            self.record_event(
                tx,
                &Actor::caller(caller),
                AuditAction::ContactUpdate,
                id,
                json!({}),
            )?;
            Ok(ContactSummary::from(stored))
        })
    }

    /// Deletes a contact (`workspace: modify`): their sessions and reply keys end with them.
    /// Refused while people belong to the company or a project names it as counterparty.
    pub fn delete_contact(&self, caller: &Caller, id: Uuid) -> Result<(), ServiceError> {
        self.authorized(caller, WORKSPACE, Level::Modify)?;
        self.write(|tx| {
            tx.delete_reply_keys(caller.account, &Person::Contact(id))?;
            let deleted = tx
                .delete_contact(caller.account, id)
                .map_err(|error| match error {
                    crate::StorageError::Referenced { .. } => ServiceError::conflict(
                        "id",
                        "people of this company or projects with it as counterparty refer to it",
                    ),
                    other => other.into(),
                })?;
            if !deleted {
                return Err(ServiceError::NotFound { what: "contact" });
            }
            self.record_event(
                tx,
                &Actor::caller(caller),
                AuditAction::ContactDelete,
                id,
                json!({}),
            )
        })
    }

    /// May the caller grant client access? Admins and flagged employees may.
    fn require_grant(&self, tx: &mut dyn Tx, caller: &Caller) -> Result<(), ServiceError> {
        let policy = self.policy(caller.account, None)?;
        let manages_users = policy
            .feature(USER_MANAGEMENT)
            .ok()
            .and_then(|feature| policy.check(caller.user, feature, Level::Write).ok())
            .unwrap_or(false);
        let flagged = tx
            .user(caller.account, caller.user)?
            .is_some_and(|user| user.may_grant_client_access);
        Ok(may_grant(manages_users, flagged)?)
    }

    /// Sets a contact's access type. Turning it on queues an activation e-mail; turning it
    /// off or down ends the contact's sessions and reply keys in the same transaction.
    pub fn set_contact_access(
        &self,
        caller: &Caller,
        id: Uuid,
        access: Access,
    ) -> Result<AccessOutcome, ServiceError> {
        let now = self.now();
        self.write(|tx| {
            self.require_grant(tx, caller)?;
            let mut stored = Self::load_contact(tx, caller.account, id)?;
            let before = stored.contact.access;
            let warnings = stored.contact.warnings(access);
            let change = stored
                .contact
                .set_access(access, self.key(), random_nonce(), now)?;
            if change != AccessChange::Unchanged {
                tx.update_contact(caller.account, &stored.contact)?;
                if change.ends_sessions() {
                    tx.end_contact_sessions(caller.account, id)?;
                    tx.delete_reply_keys(caller.account, &Person::Contact(id))?;
                }
                if let AccessChange::Granted { .. } = change {
                    self.queue_activation(tx, caller, &stored.contact, now)?;
                }
                self.record_event(
                    tx,
                    &Actor::caller(caller),
                    AuditAction::ContactAccess,
                    id,
                    json!({ "from": before.as_str(), "to": access.as_str() }),
                )?;
            }
            if change.ends_sessions() {
                stored.password_hash = None;
            }
            Ok(AccessOutcome {
                change: change_name(&change),
                contact: ContactSummary::from(stored),
                warnings,
            })
        })
    }

    fn queue_activation(
        &self,
        tx: &mut dyn Tx,
        caller: &Caller,
        contact: &Contact,
        now: DateTime<Utc>,
    ) -> Result<(), ServiceError> {
        let account = caller.account;
        let Some(email) = &contact.email else {
            return Err(ContactError::NoEmail.into());
        };
        let kind = MessageKind::ContactActivation {
            contact: contact.id,
            granted_by: Some(caller.user),
        };
        tx.enqueue(&[message(account, kind, email, &contact.locale, now)])?;
        Ok(())
    }

    /// Sends a contact's activation again with a new link; the old one stops working.
    pub fn resend_contact_activation(
        &self,
        caller: &Caller,
        id: Uuid,
    ) -> Result<ContactSummary, ServiceError> {
        let now = self.now();
        self.write(|tx| {
            self.require_grant(tx, caller)?;
            let mut stored = Self::load_contact(tx, caller.account, id)?;
            stored
                .contact
                .reissue_activation(self.key(), random_nonce(), now)?;
            tx.update_contact(caller.account, &stored.contact)?;
            self.queue_activation(tx, caller, &stored.contact, now)?;
            self.record_event(
                tx,
                &Actor::caller(caller),
                AuditAction::ContactActivationResend,
                id,
                json!({}),
            )?;
            Ok(ContactSummary::from(stored))
        })
    }

    /// Sets or clears a user's "may grant client access" flag (`user_management: write`).
    pub fn set_may_grant_client_access(
        &self,
        caller: &Caller,
        user: UserId,
        may_grant: bool,
    ) -> Result<crate::UserSummary, ServiceError> {
        self.authorized(caller, USER_MANAGEMENT, Level::Write)?;
        self.write(|tx| {
            tx.set_may_grant_client_access(caller.account, user, may_grant)
                .map_err(|error| match error {
                    crate::StorageError::NotFound => ServiceError::NotFound { what: "user" },
                    other => other.into(),
                })?;
            self.record_event(
                tx,
                &Actor::caller(caller),
                AuditAction::UserClientAccessFlag,
                user,
                json!({ "may_grant_client_access": may_grant }),
            )?;
            tx.user(caller.account, user)?
                .map(crate::UserSummary::from)
                .ok_or(ServiceError::NotFound { what: "user" })
        })
    }

    /// The link of a contact's pending activation (what the e-mail carries), derived again
    /// from the key.
    pub(crate) fn activation_link(&self, contact: &Contact) -> Option<ActivationLink> {
        let activation: &Activation = contact.activation.as_ref()?;
        Some(activation.link(self.key(), contact.id.as_bytes()))
    }

    /// The tags a token would have as a contact's activation and as a user's invitation.
    fn activation_tags(&self, token: &str) -> Result<([u8; 32], [u8; 32]), ServiceError> {
        let secret = BearerSecret::parse(token.trim()).ok_or(ContactError::ActivationUnusable)?;
        let link = ActivationLink(secret);
        Ok((
            link.tag(self.key()),
            link.tag_for(ActivationKind::User, self.key()),
        ))
    }

    /// What an activation link shows before it is used; changes nothing. The same links
    /// serve contacts turning on their access and people an import added to an app.
    pub fn activation(&self, token: &str) -> Result<ActivationView, ServiceError> {
        let (tag, user_tag) = self.activation_tags(token)?;
        let now = self.now();
        self.read(|tx| {
            let Some(stored) = tx.contact_by_activation_tag_locked(&tag)? else {
                let invitation = tx
                    .user_invitation_by_tag_locked(&user_tag)?
                    .filter(|i| i.activation.matches(&user_tag) && i.activation.usable_at(now))
                    .ok_or(ContactError::ActivationUnusable)?;
                let user = tx
                    .user(invitation.account, invitation.user)?
                    .ok_or(ContactError::ActivationUnusable)?;
                let account = tx
                    .account(invitation.account)?
                    .ok_or(ContactError::ActivationUnusable)?;
                return Ok(ActivationView {
                    account_name: account.name,
                    contact_name: user.shown_name().to_owned(),
                    email: user.email,
                    expires_at: invitation.activation.expires_at,
                    kind: ActivationKind::User,
                });
            };
            let activation = stored
                .contact
                .activation
                .as_ref()
                .filter(|a| a.matches(&tag) && a.usable_at(now))
                .ok_or(ContactError::ActivationUnusable)?;
            let account = tx
                .account(stored.account)?
                .ok_or(ContactError::ActivationUnusable)?;
            Ok(ActivationView {
                account_name: account.name,
                contact_name: stored.contact.name.clone(),
                email: stored.contact.email.clone().unwrap_or_default(),
                expires_at: activation.expires_at,
                kind: ActivationKind::Contact,
            })
        })
    }

    /// Uses an activation link: the contact chooses `password` (same rules as users) and
    /// their sign-in exists from now on. The link works once: of concurrent attempts exactly
    /// one succeeds, the others get [`ContactError::ActivationUnusable`].
    pub fn activate_contact(
        &self,
        token: &str,
        password: &str,
        client_addr: Option<&str>,
    ) -> Result<Activated, ServiceError> {
        passwords::validate_new_password("password", password)?;
        let (tag, user_tag) = self.activation_tags(token)?;
        let hash = passwords::hash_password(password)?;
        let now = self.now();
        self.write(|tx| {
            let Some(mut stored) = tx.contact_by_activation_tag_locked(&tag)? else {
                let invitation = tx
                    .user_invitation_by_tag_locked(&user_tag)?
                    .filter(|i| i.activation.matches(&user_tag) && i.activation.usable_at(now))
                    .ok_or(ContactError::ActivationUnusable)?;
                let (account, user) = (invitation.account, invitation.user);
                let record = tx
                    .user(account, user)?
                    .ok_or(ContactError::ActivationUnusable)?;
                tx.set_password(account, user, &hash, false)?;
                tx.delete_user_invitation(account, user)?;
                self.record_event(
                    tx,
                    &Actor::anonymous(account, client_addr.map(str::to_owned)),
                    AuditAction::UserInvitationAccept,
                    user,
                    json!({}),
                )?;
                return Ok(Activated {
                    account,
                    contact: user.as_uuid(),
                    email: record.email,
                    kind: ActivationKind::User,
                });
            };
            stored.contact.activate(&tag, now)?;
            tx.update_contact(stored.account, &stored.contact)?;
            tx.set_contact_password(stored.account, stored.contact.id, &hash)?;
            self.record_event(
                tx,
                &Actor::anonymous(stored.account, client_addr.map(str::to_owned)),
                AuditAction::ContactActivate,
                stored.contact.id,
                json!({}),
            )?;
            Ok(Activated {
                account: stored.account,
                contact: stored.contact.id,
                email: stored.contact.email.clone().unwrap_or_default(),
                kind: ActivationKind::Contact,
            })
        })
    }

    /// Signs a contact in to the client portal. The same limits and answers as a user's
    /// sign-in: a wrong address and a wrong password look alike.
    pub fn contact_sign_in(
        &self,
        email: &str,
        password: &str,
        client_addr: Option<&str>,
    ) -> Result<ContactSignedIn, ServiceError> {
        let (candidates, attempt, now) =
            self.counted_sign_in(email, client_addr, |tx, normalized| {
                Ok(tx.contacts_by_email(normalized)?)
            })?;
        let candidates: Vec<StoredContact> = candidates
            .into_iter()
            .filter(|c| c.contact.access != Access::None)
            .collect();
        let found = if candidates.is_empty() {
            verify_nothing(password);
            None
        } else {
            candidates.into_iter().find(|c| {
                c.password_hash
                    .as_deref()
                    .is_some_and(|hash| passwords::verify_password(password, hash))
            })
        };
        let Some(stored) = found else {
            return Err(ServiceError::BadCredentials);
        };
        let secret = new_secret();
        let session = ContactSession {
            token_hash: secret.hash(),
            account: stored.account,
            contact: stored.contact.id,
            created_at: now,
            expires_at: now + self.session_lifetime(),
        };
        self.write(|tx| {
            tx.forget_sign_in_failure(attempt)?;
            tx.insert_contact_session(&session)?;
            self.record_event(
                tx,
                &Actor::anonymous(stored.account, client_addr.map(str::to_owned)),
                AuditAction::ContactSignIn,
                stored.contact.id,
                json!({}),
            )
        })?;
        Ok(ContactSignedIn {
            account: stored.account,
            contact: stored.contact.id,
            expires_at: session.expires_at,
            secret,
        })
    }

    /// The contact behind a portal session's secret, if the session is valid and the
    /// contact still has access.
    pub fn authenticate_contact(
        &self,
        secret: &BearerSecret,
        client_addr: Option<String>,
    ) -> Result<ContactCaller, ServiceError> {
        let hash = secret.hash();
        let now = self.now();
        self.read(|tx| {
            let (session, stored) = tx
                .valid_contact_session(&hash, now)?
                .filter(|(_, c)| c.contact.access != Access::None && c.contact.signed_up)
                .ok_or(ServiceError::Unauthenticated)?;
            Ok(ContactCaller {
                account: session.account,
                contact: stored.contact,
                token_hash: hash,
                client_addr,
            })
        })
    }

    /// Ends the contact's portal session.
    pub fn contact_sign_out(&self, caller: &ContactCaller) -> Result<(), ServiceError> {
        self.write(|tx| {
            tx.delete_contact_session(caller.account, &caller.token_hash)?;
            self.record_event(
                tx,
                &caller.actor(),
                AuditAction::ContactSignOut,
                caller.contact.id,
                json!({}),
            )
        })
    }
}
