//! First start: on an empty database, create the first account with the standard tree and
//! roles, and its Admin user, who must change the password at first sign-in.

use chrono::{DateTime, Utc};
use diesel::Connection;
use tessera_access::{ADMIN_ROLE, Policy, standard_tree};
use tessera_core::{AccountId, UserId};
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

/// Creates the first account and its Admin when the database has no account; `None` when
/// it already has one. Environments `test` and `production` are created; apps are added
/// later. `password` is generated when absent.
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
        let policy = Policy::standard(standard_tree(&[], &["test", "production"], &[])?)?;
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
        accounts::bump_policy_version(tx, account)?;
        Ok(Some(Bootstrap {
            account,
            admin_email: email,
            generated_password: generated,
        }))
    })
}
