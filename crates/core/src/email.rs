//! E-mail addresses as the product handles them: trimmed, lowercased, plausibly shaped.

/// Trims and lowercases `email` and checks its shape: `local@domain`, at most 254 characters,
/// no spaces or control characters, a local part of 1 to 64 characters, and a domain with a
/// dot (or `localhost`) and no empty labels. `None` when it is not an address.
///
/// ```
/// use tessera_core::normalize_email;
/// assert_eq!(normalize_email("  Ana@Example.COM "), Some("ana@example.com".to_owned()));
/// assert_eq!(normalize_email("admin@localhost"), Some("admin@localhost".to_owned()));
/// assert_eq!(normalize_email("ana@example"), None);
/// assert_eq!(normalize_email("ana example.com"), None);
/// ```
pub fn normalize_email(email: &str) -> Option<String> {
    let email = email.trim().to_lowercase();
    if email.len() > 254 || email.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return None;
    }
    let (local, domain) = email.split_once('@')?;
    let domain_ok = (domain.contains('.') || domain == "localhost")
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains("..")
        && !domain.contains('@');
    (!local.is_empty() && local.len() <= 64 && domain_ok).then_some(email)
}

#[cfg(test)]
mod tests {
    use super::normalize_email;

    #[test]
    fn refuses_what_is_not_an_address() {
        for bad in [
            "",
            "@example.com",
            "ana@",
            "ana@.example.com",
            "ana@example..com",
            "a@b@c.com",
            "ana@example.com.",
        ] {
            assert_eq!(normalize_email(bad), None, "{bad}");
        }
        assert_eq!(
            normalize_email(&format!("{}@example.com", "a".repeat(65))),
            None
        );
    }
}
