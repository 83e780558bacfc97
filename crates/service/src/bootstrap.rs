//! Accounts: creating one with its standard tree, predefined roles and first Admin; and the
//! first start, which creates the first account with a small demo catalog so there is
//! something to share at once.

use chrono::{DateTime, Utc};
use tessera_access::{ADMIN_ROLE, Policy, standard_tree};
use tessera_core::{AccountId, UserId};
use tessera_invitations::{Item, ItemKind};

use crate::records::{CatalogItem, User};
use crate::{ServiceError, Tessera, Tx, passwords, random, random_uuid};

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
    /// The first Admin's password; generated (and returned once) when absent.
    pub admin_password: Option<String>,
    /// Whether the Admin must replace the password at first sign-in.
    pub must_change_password: bool,
}

/// An account just created.
#[derive(Debug, Clone)]
pub struct Bootstrap {
    /// The account.
    pub account: AccountId,
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
    pub fn create_account(&self, new: NewAccount) -> Result<Bootstrap, ServiceError> {
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
    ) -> Result<Option<Bootstrap>, ServiceError> {
        let new = NewAccount {
            name: "Tessera".to_owned(),
            apps: vec![DEMO_APP.to_owned()],
            environments: vec!["test".to_owned(), "production".to_owned()],
            admin_email: admin_email.to_owned(),
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
    ) -> Result<Option<Bootstrap>, ServiceError> {
        let admin_email = crate::normalize_email("admin_email", &new.admin_email)?;
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
            must_change_password: new.must_change_password,
            role: ADMIN_ROLE,
            created_at: now,
        };
        let created = self.write(|tx| {
            if first && tx.count_accounts()? > 0 {
                return Ok(false);
            }
            tx.create_account(account, &new.name, now)?;
            tx.insert_policy(account, &policy, now)?;
            tx.insert_user(account, &admin)?;
            if first {
                demo_catalog(tx, account, now)?;
            }
            tx.bump_policy_version(account)?;
            Ok(true)
        })?;
        Ok(created.then_some(Bootstrap {
            account,
            admin: admin.id,
            admin_email,
            generated_password: generated,
        }))
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
