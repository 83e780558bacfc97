//! Signing in and out, changing one's password, API tokens — and how many wrong passwords a
//! sign-in takes before it stops trying.

use chrono::{DateTime, Duration, Utc};
use serde_json::json;
use tessera_core::{AccountId, AuditAction, BearerSecret, UserId, Uuid};

use crate::passwords::{self, verify_nothing};
use crate::records::{ApiToken, Session};
use crate::{Actor, AnyCaller, Caller, Credential, ServiceError, Tessera, new_secret, random_uuid};

/// Failed sign-ins allowed per e-mail (whether or not a user has it) per
/// [`SIGN_IN_EMAIL_WINDOW_MINUTES`].
pub const MAX_SIGN_IN_FAILURES_PER_EMAIL: i64 = 10;
/// The window of [`MAX_SIGN_IN_FAILURES_PER_EMAIL`].
pub const SIGN_IN_EMAIL_WINDOW_MINUTES: i64 = 15;
/// Failed sign-ins allowed per client address per [`SIGN_IN_ADDRESS_WINDOW_MINUTES`].
pub const MAX_SIGN_IN_FAILURES_PER_ADDRESS: i64 = 50;
/// The window of [`MAX_SIGN_IN_FAILURES_PER_ADDRESS`].
pub const SIGN_IN_ADDRESS_WINDOW_MINUTES: i64 = 60;

/// Whether a sign-in may try the password, given the failures counted in the windows: `None`
/// when it may, else the seconds after which trying again can succeed.
///
/// ```
/// use tessera_service::session::{MAX_SIGN_IN_FAILURES_PER_EMAIL, sign_in_refusal};
/// assert_eq!(sign_in_refusal(MAX_SIGN_IN_FAILURES_PER_EMAIL - 1, 0), None);
/// assert_eq!(sign_in_refusal(MAX_SIGN_IN_FAILURES_PER_EMAIL, 0), Some(900));
/// ```
pub fn sign_in_refusal(for_email: i64, from_address: i64) -> Option<u32> {
    if for_email >= MAX_SIGN_IN_FAILURES_PER_EMAIL {
        return Some((SIGN_IN_EMAIL_WINDOW_MINUTES * 60) as u32);
    }
    if from_address >= MAX_SIGN_IN_FAILURES_PER_ADDRESS {
        return Some((SIGN_IN_ADDRESS_WINDOW_MINUTES * 60) as u32);
    }
    None
}

/// A new sign-in session.
#[derive(Debug, Clone)]
pub struct SignedIn {
    /// The account.
    pub account: AccountId,
    /// The user.
    pub user: UserId,
    /// When true, only the password change is allowed until the password is replaced.
    pub must_change_password: bool,
    /// When the session ends.
    pub expires_at: DateTime<Utc>,
    /// The session's secret, handed out once (the store keeps only its hash).
    pub secret: BearerSecret,
}

/// A new API token: its secret is shown once and never again.
#[derive(Debug, Clone)]
pub struct CreatedToken {
    /// The token's id (to revoke it).
    pub id: Uuid,
    /// The bearer secret.
    pub secret: BearerSecret,
    /// When it stops working.
    pub expires_at: DateTime<Utc>,
}

/// An API token as its owner sees it (never its secret).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenSummary {
    /// Its id.
    pub id: Uuid,
    /// Its name.
    pub name: String,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it stops (or stopped) working.
    pub expires_at: DateTime<Utc>,
}

/// Longest token name, in characters.
const MAX_TOKEN_NAME_CHARS: usize = 100;
/// Default lifetime of an API token, in days.
pub const DEFAULT_TOKEN_DAYS: i64 = 90;

impl Tessera {
    /// Counts a sign-in attempt for `email` from `client_addr` before any password is tried,
    /// under a lock per e-mail and address, and — within the limits — loads the candidates
    /// with `load` (given the normalized e-mail). Returns them, the attempt's id (to forget
    /// once the password proves right) and the time. Past the limits:
    /// [`ServiceError::TooManyAttempts`], the refused attempt counted too.
    pub(crate) fn counted_sign_in<T>(
        &self,
        email: &str,
        client_addr: Option<&str>,
        load: impl FnOnce(&mut dyn crate::Tx, &str) -> Result<T, ServiceError>,
    ) -> Result<(T, Uuid, DateTime<Utc>), ServiceError> {
        let normalized = tessera_core::normalize_email(email).unwrap_or_default();
        // What failures are counted under: the address, or what was typed when it is not one.
        let typed = if normalized.is_empty() {
            email.trim().to_lowercase()
        } else {
            normalized.clone()
        };
        let client = client_addr.unwrap_or("unknown");
        let now = self.now();
        let attempt = random_uuid();
        let counted = self.write(|tx| {
            tx.lock_sign_in(&typed, client)?;
            let (for_email, from_address) = tx.sign_in_failures(
                &typed,
                now - Duration::minutes(SIGN_IN_EMAIL_WINDOW_MINUTES),
                client,
                now - Duration::minutes(SIGN_IN_ADDRESS_WINDOW_MINUTES),
            )?;
            tx.record_sign_in_failure(attempt, &typed, client, now)?;
            match sign_in_refusal(for_email, from_address) {
                // Committed: a refused attempt counts too.
                Some(retry_after_seconds) => Ok(Err(retry_after_seconds)),
                None => Ok(Ok(load(tx, &normalized)?)),
            }
        })?;
        let candidates = counted.map_err(|retry_after_seconds| ServiceError::TooManyAttempts {
            retry_after_seconds,
        })?;
        Ok((candidates, attempt, now))
    }

    /// Signs in with e-mail and password. A wrong e-mail and a wrong password get the same
    /// answer after the same work. Every attempt is counted before the password is tried,
    /// under a lock per e-mail and address, so concurrent guesses cannot slip past the limits
    /// ([`MAX_SIGN_IN_FAILURES_PER_EMAIL`], [`MAX_SIGN_IN_FAILURES_PER_ADDRESS`]); past them the
    /// answer is [`ServiceError::TooManyAttempts`] without trying the password, and a right
    /// password removes its own count.
    pub fn sign_in(
        &self,
        email: &str,
        password: &str,
        client_addr: Option<&str>,
    ) -> Result<SignedIn, ServiceError> {
        let (candidates, attempt, now) =
            self.counted_sign_in(email, client_addr, |tx, normalized| {
                Ok(tx.users_by_email(normalized)?)
            })?;
        let found = if candidates.is_empty() {
            verify_nothing(password);
            None
        } else {
            candidates
                .into_iter()
                .find(|(_, user)| passwords::verify_password(password, &user.password_hash))
        };
        let Some((account, user)) = found else {
            return Err(ServiceError::BadCredentials);
        };
        let secret = new_secret();
        let session = Session {
            token_hash: secret.hash(),
            account,
            user: user.id,
            created_at: now,
            expires_at: now + self.session_lifetime(),
        };
        let actor = Actor {
            account,
            user: Some(user.id),
            client_addr: client_addr.map(str::to_owned),
        };
        self.write(|tx| {
            tx.forget_sign_in_failure(attempt)?;
            tx.insert_session(&session)?;
            self.record_event(tx, &actor, AuditAction::SignIn, user.id, json!({}))
        })?;
        Ok(SignedIn {
            account,
            user: user.id,
            must_change_password: user.must_change_password,
            expires_at: session.expires_at,
            secret,
        })
    }

    /// Signs out: ends the caller's session at once (an API token stays valid).
    pub fn sign_out(&self, caller: &AnyCaller) -> Result<(), ServiceError> {
        if let Credential::Session(hash) = &caller.credential {
            self.write(|tx| {
                tx.delete_session(caller.account, hash)?;
                self.record_event(
                    tx,
                    &Actor::caller(caller),
                    AuditAction::SignOut,
                    caller.user,
                    json!({}),
                )
            })?;
        }
        self.0.credentials.forget_user(caller.account, caller.user);
        Ok(())
    }

    /// Replaces the caller's password and lifts the must-change flag. The user's other
    /// sessions end; the one making the change stays.
    pub fn change_password(
        &self,
        caller: &AnyCaller,
        current: &str,
        new: &str,
    ) -> Result<(), ServiceError> {
        passwords::validate_new_password("new_password", new)?;
        if new == current {
            return Err(ServiceError::invalid(
                "new_password",
                "the new password must differ from the current one",
            ));
        }
        let user = self
            .read(|tx| Ok(tx.user(caller.account, caller.user)?))?
            .ok_or(ServiceError::Unauthenticated)?;
        if !passwords::verify_password(current, &user.password_hash) {
            return Err(ServiceError::invalid(
                "current_password",
                "the current password is wrong",
            ));
        }
        let hash = passwords::hash_password(new)?;
        let keep = match &caller.credential {
            Credential::Session(hash) => Some(hash.as_str()),
            Credential::Token(_) | Credential::Embedder => None,
        };
        self.write(|tx| {
            tx.set_password(caller.account, caller.user, &hash, false)?;
            tx.delete_sessions(caller.account, caller.user, keep)?;
            self.record_event(
                tx,
                &Actor::caller(caller),
                AuditAction::PasswordChange,
                caller.user,
                json!({}),
            )
        })?;
        self.0.credentials.forget_user(caller.account, caller.user);
        Ok(())
    }

    /// Creates an API token acting as the caller: a name of 1 to 100 characters, a lifetime
    /// of 1 to 365 days ([`DEFAULT_TOKEN_DAYS`] when not given).
    pub fn create_token(
        &self,
        caller: &Caller,
        name: &str,
        expires_in_days: Option<i64>,
    ) -> Result<CreatedToken, ServiceError> {
        let name = crate::names::clean("name", name, MAX_TOKEN_NAME_CHARS)?;
        let days = expires_in_days.unwrap_or(DEFAULT_TOKEN_DAYS);
        if !(1..=365).contains(&days) {
            return Err(ServiceError::invalid(
                "expires_in_days",
                "a token lives 1 to 365 days",
            ));
        }
        let secret = new_secret();
        let now = self.now();
        let token = ApiToken {
            id: random_uuid(),
            account: caller.account,
            user: caller.user,
            name,
            token_hash: secret.hash(),
            created_at: now,
            expires_at: now + Duration::days(days),
        };
        self.write(|tx| {
            tx.insert_token(&token)?;
            self.record_event(
                tx,
                &Actor::caller(caller),
                AuditAction::TokenCreate,
                token.id,
                json!({ "name": token.name }),
            )
        })?;
        Ok(CreatedToken {
            id: token.id,
            secret,
            expires_at: token.expires_at,
        })
    }

    /// The caller's own API tokens, oldest first (expired ones included, secrets never).
    pub fn tokens(&self, caller: &Caller) -> Result<Vec<TokenSummary>, ServiceError> {
        let tokens = self.read(|tx| Ok(tx.tokens(caller.account, caller.user)?))?;
        Ok(tokens
            .into_iter()
            .map(|token| TokenSummary {
                id: token.id,
                name: token.name,
                created_at: token.created_at,
                expires_at: token.expires_at,
            })
            .collect())
    }

    /// Revokes one of the caller's API tokens ([`ServiceError::NotFound`] for anyone else's).
    pub fn revoke_token(&self, caller: &Caller, id: Uuid) -> Result<(), ServiceError> {
        self.write(|tx| {
            if !tx.delete_token(caller.account, caller.user, id)? {
                return Err(ServiceError::NotFound { what: "token" });
            }
            self.record_event(
                tx,
                &Actor::caller(caller),
                AuditAction::TokenRevoke,
                id,
                json!({}),
            )
        })?;
        self.0.credentials.forget_user(caller.account, caller.user);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_email_limit_comes_first_then_the_address_limit() {
        assert_eq!(sign_in_refusal(0, 0), None);
        assert_eq!(
            sign_in_refusal(
                MAX_SIGN_IN_FAILURES_PER_EMAIL,
                MAX_SIGN_IN_FAILURES_PER_ADDRESS
            ),
            Some(900)
        );
        assert_eq!(
            sign_in_refusal(0, MAX_SIGN_IN_FAILURES_PER_ADDRESS),
            Some(3_600)
        );
        assert_eq!(
            sign_in_refusal(0, MAX_SIGN_IN_FAILURES_PER_ADDRESS - 1),
            None
        );
    }
}
