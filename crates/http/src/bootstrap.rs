//! First start: on an empty database, create the first account with the standard tree and
//! roles, its Admin user, who must change the password at first sign-in, and a small demo
//! catalog so there is something to share at once.

use chrono::{DateTime, Utc};
use diesel::Connection;
use tessera_access::{ADMIN_ROLE, Policy, standard_tree};
use tessera_core::{AccountId, UserId};
use tessera_invitations::{Item, ItemKind};
use tessera_store::items::{self, CatalogItem};
use tessera_store::users::User;
use tessera_store::{DbConnection, accounts, policies, users};

use crate::{ApiError, auth, new_uuid, normalize_email};

/// What the first start created.
#[derive(Debug, Clone)]
pub struct Bootstrap {
    /// The new account.
    pub account: AccountId,
    /// The Admin's e-mail.
    pub admin_email: String,
    /// The generated password when none was configured (to print once).
    pub generated_password: Option<String>,
}

/// The app the demo catalog belongs to (`workspace/app:demo`).
pub const DEMO_APP: &str = "demo";

/// The demo catalog: `(external id, kind, title, business domain, description)`; the wish
/// list holds the entries after it, by external id.
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

/// Registers the demo catalog in `account` (app [`DEMO_APP`]).
fn demo_catalog(
    tx: &mut DbConnection,
    account: AccountId,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
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
                id: new_uuid(),
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
        ids.push(items::upsert(tx, account, &item)?);
    }
    Ok(())
}

/// Creates the first account and its Admin when the database has no account; `None` when
/// it already has one. Environments `test` and `production` and the app [`DEMO_APP`] are
/// created, with a demo catalog of three workflows, a task and a wish list. `password` is
/// generated when absent.
pub fn bootstrap(
    connection: &mut DbConnection,
    email: &str,
    password: Option<&str>,
    now: DateTime<Utc>,
) -> Result<Option<Bootstrap>, ApiError> {
    let email = normalize_email(email)?;
    let generated = password.is_none().then(|| {
        use rand::Rng;
        let mut bytes = [0u8; 18];
        rand::rng().fill_bytes(&mut bytes);
        bytes.iter().map(|b| format!("{b:02x}")).collect::<String>()
    });
    let password = password
        .map(str::to_owned)
        .or_else(|| generated.clone())
        .unwrap_or_default();
    auth::validate_new_password("TESSERA_BOOTSTRAP_ADMIN_PASSWORD", &password)?;
    let hash = auth::hash_password(&password)?;
    connection.transaction::<_, ApiError, _>(|tx| {
        tessera_store::begin_write(tx)?;
        if accounts::count(tx)? > 0 {
            return Ok(None);
        }
        let account = AccountId::from_uuid(new_uuid());
        let policy = Policy::standard(standard_tree(&[DEMO_APP], &["test", "production"], &[])?)?;
        accounts::create(tx, account, "Tessera", now)?;
        policies::insert_policy(tx, account, &policy, now)?;
        let admin = User {
            id: UserId::from_uuid(new_uuid()),
            email: email.clone(),
            password_hash: hash,
            must_change_password: true,
            role: ADMIN_ROLE,
            created_at: now,
        };
        users::insert(tx, account, &admin)?;
        demo_catalog(tx, account, now)?;
        accounts::bump_policy_version(tx, account)?;
        Ok(Some(Bootstrap {
            account,
            admin_email: email,
            generated_password: generated,
        }))
    })
}
