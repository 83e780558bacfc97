//! E-mail addresses as the product handles them: trimmed, lowercased, NFC-normalized, and
//! checked against RFC 5322's address syntax by the `email_address` crate, narrowed to the
//! addresses the product delivers to.

use email_address::{EmailAddress, Options};
use unicode_normalization::UnicodeNormalization;

use crate::names::is_forbidden_in_name;

/// Longest accepted address, in bytes (RFC 5321's path limit less the angle brackets).
const MAX_EMAIL_BYTES: usize = 254;
/// Longest accepted local part, in bytes (RFC 5321).
const MAX_LOCAL_BYTES: usize = 64;

/// Trims, lowercases and NFC-normalizes `email`, then checks it is a plain address that mail
/// can be delivered to. `None` when it is not.
///
/// The syntax is checked by the `email_address` crate, without the forms it would otherwise
/// accept: display text (`Ana <ana@example.com>`) and domain literals (`ana@[127.0.0.1]`,
/// `ana@[IPv6:::1]`). Quoted local parts (anything with `"`) are refused too, as are
/// whitespace, control, invisible and direction-changing characters anywhere. On top of that:
/// at most 254 bytes, a local part of 1 to 64 bytes, and a domain that has a dot or is exactly
/// `localhost`, with no empty labels and only letters, digits and hyphens in them.
///
/// ```
/// use tessera_core::normalize_email;
/// assert_eq!(normalize_email("  Ana@Example.COM "), Some("ana@example.com".to_owned()));
/// assert_eq!(normalize_email("admin@localhost"), Some("admin@localhost".to_owned()));
/// assert_eq!(normalize_email("ana@example"), None);
/// assert_eq!(normalize_email("ana example.com"), None);
/// assert_eq!(normalize_email("<script>@example.com"), None);
/// assert_eq!(normalize_email("ana@[127.0.0.1]"), None);
/// ```
pub fn normalize_email(email: &str) -> Option<String> {
    let email: String = email.trim().to_lowercase().nfc().collect();
    if email.len() > MAX_EMAIL_BYTES
        || email
            .chars()
            .any(|c| c == '"' || c.is_whitespace() || is_forbidden_in_name(c))
    {
        return None;
    }
    let options = Options::default()
        .without_display_text()
        .without_domain_literal();
    EmailAddress::parse_with_options(&email, options).ok()?;
    // Without quotes, `@` cannot be in the local part: the address has exactly one.
    let (local, domain) = email.split_once('@')?;
    // RFC 5322 lets a domain label hold any atom character (`/`, `?`, `=` …); host names
    // have only letters, digits and hyphens (internationalized ones: any script's).
    let domain_ok = (domain.contains('.') || domain == "localhost")
        && !domain.split('.').any(str::is_empty)
        && domain
            .chars()
            .all(|c| c == '.' || c == '-' || c.is_alphanumeric());
    (!local.is_empty() && local.len() <= MAX_LOCAL_BYTES && domain_ok).then_some(email)
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

    #[test]
    fn keeps_plain_addresses_trimmed_and_lowercased() {
        for (given, expected) in [
            ("ana@example.com", "ana@example.com"),
            (
                "  Ana.Lima+Tessera@Mail.Example.COM\n",
                "ana.lima+tessera@mail.example.com",
            ),
            ("admin@localhost", "admin@localhost"),
            ("ADMIN@LOCALHOST", "admin@localhost"),
            ("o'brien@example.ie", "o'brien@example.ie"),
            (
                "first_last-1@sub-domain.example.co.uk",
                "first_last-1@sub-domain.example.co.uk",
            ),
            ("jos\u{E9}@exemple.fr", "jos\u{E9}@exemple.fr"),
            ("ana@b\u{FC}cher.example", "ana@b\u{FC}cher.example"),
            ("ana@xn--bcher-kva.example", "ana@xn--bcher-kva.example"),
        ] {
            assert_eq!(normalize_email(given).as_deref(), Some(expected), "{given}");
        }
        let longest_local = format!("{}@example.com", "a".repeat(64));
        assert_eq!(normalize_email(&longest_local), Some(longest_local));
    }

    #[test]
    fn normalizes_to_nfc() {
        assert_eq!(
            normalize_email("Jose\u{301}@Exemple.fr").as_deref(),
            Some("jos\u{E9}@exemple.fr")
        );
    }

    #[test]
    fn refuses_markup_in_the_local_part() {
        for bad in [
            "<script>@x.com",
            "\"<script>\"@x.com",
            "<script>alert(1)</script>@x.com",
            "ana<b>@x.com",
            "ana>@x.com",
        ] {
            assert_eq!(normalize_email(bad), None, "{bad}");
        }
    }

    #[test]
    fn refuses_quoted_local_parts() {
        for bad in [
            "\"ana\"@x.com",
            "\"ana lima\"@x.com",
            "\"a@b\"@x.com",
            "an\"a@x.com",
        ] {
            assert_eq!(normalize_email(bad), None, "{bad}");
        }
    }

    #[test]
    fn refuses_domain_literals() {
        for bad in [
            "ana@[127.0.0.1]",
            "ana@[IPv6:::1]",
            "ana@[ipv6:2001:db8::1]",
            "ana@[example.com]",
        ] {
            assert_eq!(normalize_email(bad), None, "{bad}");
        }
    }

    #[test]
    fn refuses_display_text_and_angle_brackets() {
        for bad in [
            "Ana <ana@x.com>",
            "<ana@x.com>",
            "\"Ana\" <ana@x.com>",
            "ana@x.com <ana@x.com>",
        ] {
            assert_eq!(normalize_email(bad), None, "{bad}");
        }
    }

    #[test]
    fn refuses_hidden_and_special_characters() {
        for bad in [
            "ana lima@x.com",
            "ana\t@x.com",
            "ana@x\n.com",
            "an\u{200B}a@x.com",
            "ana@x\u{202E}moc.com",
            "ana\u{0}@x.com",
            "ana(comment)@x.com",
            "ana,bob@x.com",
            "ana;bob@x.com",
            "ana\\@x.com",
            ".ana@x.com",
            "ana.@x.com",
            "ana..lima@x.com",
        ] {
            assert_eq!(normalize_email(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn refuses_malformed_domains() {
        for bad in [
            "ana@example",
            "ana@localhost.",
            "ana@-example.com",
            "ana@example-.com",
            "ana@exa_mple..com",
            "ana@example.com/path",
            "ana@example.com?x=1",
            "ana@exa_mple.com",
            "ana@exa!mple.com",
            &format!("ana@{}.com", "d".repeat(64)),
        ] {
            assert_eq!(normalize_email(bad), None, "{bad}");
        }
    }

    #[test]
    fn refuses_addresses_over_254_bytes() {
        let label = "d".repeat(60);
        let domain = format!("{label}.{label}.{label}.{label}.com");
        let fits = format!("{}@{domain}", "a".repeat(254 - domain.len() - 1));
        assert_eq!(fits.len(), 254);
        assert_eq!(normalize_email(&fits), Some(fits.clone()));
        let over = format!("a{fits}");
        assert_eq!(normalize_email(&over), None);
    }
}
