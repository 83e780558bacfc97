//! Accounts (tenants): creating one with its standard tree, predefined roles and first Admin
//! (an operator's act, or the first start's, which adds a small demo catalog so there is
//! something to share at once); listing them for the operator; an account's own settings.

use chrono::{DateTime, Utc};
use serde_json::json;
use tessera_access::{ADMIN_ROLE, Level, Policy, SETTINGS, standard_tree};
use tessera_core::{AccountId, AuditAction, UserId};
use tessera_invitations::{Item, ItemKind, VALIDITY_DAYS};

use crate::records::{Account, CatalogItem, User};
use crate::{Actor, Caller, ServiceError, Tessera, Tx, passwords, random, random_uuid};

/// Longest account name, in characters.
pub const MAX_ACCOUNT_NAME_CHARS: usize = 100;

/// Highest seat limit an account can set.
pub const MAX_SEAT_LIMIT: u32 = 1_000_000;

/// The app the demo catalog belongs to (`workspace/app:demo`).
pub const DEMO_APP: &str = "demo";

/// The demo catalog: `(external id, kind, title, business domain, description)`; the wish
/// list holds [`DEMO_WISH_LIST`], by external id.
const DEMO_ITEMS: [(&str, ItemKind, &str, &str, &str); 5] = [
    (
        "demo-supplier-onboarding",
        ItemKind::Workflow,
        "Supplier onboarding",
        "Procurement",
        "Collects a new supplier's documents, checks them and asks for approval.",
    ),
    (
        "demo-invoice-approval",
        ItemKind::Workflow,
        "Invoice approval",
        "Finance",
        "Routes incoming invoices to their budget owner and records the decision.",
    ),
    (
        "demo-quarterly-close",
        ItemKind::Workflow,
        "Quarterly close",
        "Finance",
        "The steps and sign-offs that close a quarter's books.",
    ),
    (
        "demo-check-documents",
        ItemKind::Task,
        "Check supplier documents",
        "Procurement",
        "A reviewer's task inside supplier onboarding (tasks are never shared outside).",
    ),
    (
        "demo-getting-started",
        ItemKind::WishList,
        "Getting started",
        "",
        "Supplier onboarding, invoice approval and the document check.",
    ),
];

/// External ids of the demo wish list's entries, in order.
const DEMO_WISH_LIST: [&str; 3] = [
    "demo-supplier-onboarding",
    "demo-invoice-approval",
    "demo-check-documents",
];

/// An account to create.
#[derive(Debug, Clone)]
pub struct NewAccount {
    /// Display name.
    pub name: String,
    /// Apps of its standard tree (`workspace/app:<app>`).
    pub apps: Vec<String>,
    /// Environments of its standard tree (`publish_rights/env:<env>`).
    pub environments: Vec<String>,
    /// The first Admin's e-mail.
    pub admin_email: String,
    /// The first Admin's display name, if any.
    pub admin_display_name: Option<String>,
    /// The first Admin's password; generated (and returned once) when absent.
    pub admin_password: Option<String>,
    /// Whether the Admin must replace the password at first sign-in.
    pub must_change_password: bool,
}

/// An account just created.
#[derive(Debug, Clone)]
pub struct CreatedAccount {
    /// The account.
    pub account: AccountId,
    /// The account as stored (name, settings, policy version).
    pub record: Account,
    /// Its first Admin.
    pub admin: UserId,
    /// The Admin's e-mail.
    pub admin_email: String,
    /// The generated password when none was given (to hand over once).
    pub generated_password: Option<String>,
}

impl Tessera {
    /// Creates an account with the standard tree, the predefined roles and its first Admin,
    /// in one transaction.
    pub fn create_account(&self, new: NewAccount) -> Result<CreatedAccount, ServiceError> {
        self.create_account_with(new, false)?
            .ok_or_else(|| ServiceError::Internal("an account was not created".into()))
    }

    /// Creates the first account when the store has none (its Admin must change the password
    /// at first sign-in; environments `test` and `production`; the app [`DEMO_APP`] with a
    /// demo catalog of three workflows, a task and a wish list). `None` when an account
    /// exists already.
    pub fn bootstrap(
        &self,
        admin_email: &str,
        admin_password: Option<&str>,
    ) -> Result<Option<CreatedAccount>, ServiceError> {
        let new = NewAccount {
            name: "Tessera".to_owned(),
            apps: vec![DEMO_APP.to_owned()],
            environments: vec!["test".to_owned(), "production".to_owned()],
            admin_email: admin_email.to_owned(),
            admin_display_name: None,
            admin_password: admin_password.map(str::to_owned),
            must_change_password: true,
        };
        self.create_account_with(new, true)
    }

    /// Creates an account; with `first`, only when the store has none, and with the demo
    /// catalog.
    fn create_account_with(
        &self,
        new: NewAccount,
        first: bool,
    ) -> Result<Option<CreatedAccount>, ServiceError> {
        let name = crate::names::clean("name", &new.name, MAX_ACCOUNT_NAME_CHARS)?;
        let admin_email = crate::normalize_email("admin_email", &new.admin_email)?;
        let display_name = new
            .admin_display_name
            .as_deref()
            .map(|shown| {
                crate::names::clean(
                    "admin_display_name",
                    shown,
                    crate::users::MAX_DISPLAY_NAME_CHARS,
                )
            })
            .transpose()?;
        let generated = new.admin_password.is_none().then(random::password);
        let password = new
            .admin_password
            .or_else(|| generated.clone())
            .unwrap_or_default();
        passwords::validate_new_password("admin_password", &password)?;
        let hash = passwords::hash_password(&password)?;
        let apps: Vec<&str> = new.apps.iter().map(String::as_str).collect();
        let environments: Vec<&str> = new.environments.iter().map(String::as_str).collect();
        let policy = Policy::standard(standard_tree(&apps, &environments, &[])?)?;
        let account = AccountId::from_uuid(random_uuid());
        let now = self.now();
        let admin = User {
            id: UserId::from_uuid(random_uuid()),
            email: admin_email.clone(),
            password_hash: hash,
            display_name,
            must_change_password: new.must_change_password,
            role: ADMIN_ROLE,
            created_at: now,
            may_grant_client_access: false,
        };
        let created = self.write(|tx| {
            if first && tx.count_accounts()? > 0 {
                return Ok(None);
            }
            tx.create_account(account, &name, now)?;
            tx.insert_policy(account, &policy, now)?;
            tx.insert_user(account, &admin)?;
            crate::apps::insert_app(tx, account, crate::apps::SAMPLE_APP, admin.id, now)?;
            if first {
                demo_catalog(tx, account, now)?;
            }
            tx.bump_policy_version(account)?;
            let actor = Actor::anonymous(account, None);
            let detail = json!({ "name": name, "admin": admin.id });
            self.record_event(tx, &actor, AuditAction::AccountCreate, account, detail)?;
            Ok(tx.account(account)?)
        })?;
        Ok(created.map(|record| CreatedAccount {
            account,
            record,
            admin: admin.id,
            admin_email,
            generated_password: generated,
        }))
    }
}

/// Changes to an account's settings; `None` leaves a setting as it is.
#[derive(Debug, Clone, Default)]
pub struct AccountUpdate {
    /// A new display name.
    pub name: Option<String>,
    /// How many days invitation links and codes stay valid (1 to 90).
    pub invitation_validity_days: Option<i64>,
    /// The plan's limit on billable seats (`Some(None)` removes it). Lowering it under the
    /// seats taken refuses only new seats; nobody loses theirs.
    pub seat_limit: Option<Option<u32>>,
}

impl Tessera {
    /// Every account, oldest first. For an operator: front doors authenticate one before
    /// calling (see [`Tessera::operator`]).
    pub fn accounts(&self) -> Result<Vec<Account>, ServiceError> {
        self.read(|tx| Ok(tx.accounts()?))
    }

    /// The caller's account and its settings (`settings: read`).
    pub fn account(&self, caller: &Caller) -> Result<Account, ServiceError> {
        self.authorized(caller, SETTINGS, Level::Read)?;
        self.read(|tx| {
            tx.account(caller.account)?
                .ok_or(ServiceError::NotFound { what: "account" })
        })
    }

    /// Changes the caller's account's settings (`settings: write`). Invitations issued from
    /// now on get the new validity; those issued before keep theirs.
    pub fn update_account(
        &self,
        caller: &Caller,
        update: AccountUpdate,
    ) -> Result<Account, ServiceError> {
        self.authorized(caller, SETTINGS, Level::Write)?;
        let name = update
            .name
            .as_deref()
            .map(|name| crate::names::clean("name", name, MAX_ACCOUNT_NAME_CHARS))
            .transpose()?;
        if let Some(days) = update.invitation_validity_days
            && !VALIDITY_DAYS.contains(&days)
        {
            return Err(ServiceError::invalid(
                "invitation_validity_days",
                format!("invitations are valid 1 to 90 days, not {days}"),
            ));
        }
        if let Some(Some(limit)) = update.seat_limit
            && limit > MAX_SEAT_LIMIT
        {
            return Err(ServiceError::invalid(
                "seat_limit",
                format!("a seat limit is 0 to {MAX_SEAT_LIMIT}, not {limit}"),
            ));
        }
        self.write(|tx| {
            let current = tx
                .account(caller.account)?
                .ok_or(ServiceError::NotFound { what: "account" })?;
            let name = name.unwrap_or(current.name);
            let days = update
                .invitation_validity_days
                .unwrap_or(current.invitation_validity_days);
            let seat_limit = update.seat_limit.unwrap_or(current.seat_limit);
            tx.update_account(caller.account, &name, days, seat_limit)?;
            let detail = json!({
                "name": name,
                "invitation_validity_days": days,
                "seat_limit": seat_limit,
            });
            self.record_event(
                tx,
                &Actor::caller(caller),
                AuditAction::AccountUpdate,
                caller.account,
                detail,
            )?;
            tx.account(caller.account)?
                .ok_or(ServiceError::NotFound { what: "account" })
        })
    }
}

/// Registers the demo catalog in `account` (app [`DEMO_APP`]).
fn demo_catalog(
    tx: &mut dyn Tx,
    account: AccountId,
    now: DateTime<Utc>,
) -> Result<(), ServiceError> {
    let mut ids = Vec::with_capacity(DEMO_ITEMS.len());
    for (external_id, kind, title, business_domain, description) in DEMO_ITEMS {
        let entries = if kind == ItemKind::WishList {
            DEMO_WISH_LIST
                .iter()
                .filter_map(|entry| {
                    let index = DEMO_ITEMS.iter().position(|item| item.0 == *entry)?;
                    ids.get(index).copied()
                })
                .collect()
        } else {
            Vec::new()
        };
        let item = CatalogItem {
            item: Item {
                id: random_uuid(),
                kind,
                title: title.to_owned(),
                entries,
            },
            external_id: external_id.to_owned(),
            description: description.to_owned(),
            business_domain: business_domain.to_owned(),
            app: DEMO_APP.to_owned(),
            updated_at: now,
        };
        ids.push(tx.upsert_item(account, &item)?);
    }
    Ok(())
}
