//! Passwords: argon2id hashes in PHC strings, verified without telling an unknown user from
//! a wrong password.

use std::sync::OnceLock;

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};

use crate::ServiceError;

/// Shortest password accepted, in characters.
pub const MIN_PASSWORD_CHARS: usize = 12;
/// Longest password accepted, in characters.
pub const MAX_PASSWORD_CHARS: usize = 1024;

/// Hashes a password with argon2id (default parameters, random salt) into a PHC string.
pub fn hash_password(password: &str) -> Result<String, ServiceError> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|hash| hash.to_string())
        .map_err(|e| ServiceError::Internal(format!("password hashing: {e}")))
}

/// Checks `password` against a PHC string; a malformed hash never matches, after the time
/// of a verification (a user with no password yet — an imported person before their
/// invitation — answers as slowly as a wrong password).
pub fn verify_password(password: &str, hash: &str) -> bool {
    match PasswordHash::new(hash) {
        Ok(parsed) => Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => {
            verify_nothing(password);
            false
        }
    }
}

/// Spends the time of one verification without a user, so an unknown e-mail answers as
/// slowly as a wrong password.
pub(crate) fn verify_nothing(password: &str) {
    static DUMMY: OnceLock<String> = OnceLock::new();
    let hash = DUMMY.get_or_init(|| hash_password("tessera-dummy-password").unwrap_or_default());
    let _ = verify_password(password, hash);
}

/// Checks a new password's length; the error names `field`.
pub fn validate_new_password(field: &str, password: &str) -> Result<(), ServiceError> {
    let chars = password.chars().count();
    if !(MIN_PASSWORD_CHARS..=MAX_PASSWORD_CHARS).contains(&chars) {
        return Err(ServiceError::invalid(
            field,
            format!("a password has {MIN_PASSWORD_CHARS} to 1,024 characters"),
        ));
    }
    Ok(())
}
