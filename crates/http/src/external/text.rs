//! The external site's words: every visible string of its pages, per locale (the invitation
//! e-mails' four: en, de, fr, ro), and how a request picks its locale — an explicit `lang`
//! (the invitation's language, carried by its link and forms), else the browser's
//! `Accept-Language`, else English.
//!
//! Placeholders (`{date}`, `{name}`, `{account}`, `{email}`) are filled by [`fill`] and
//! [`split_fill`]; the values are escaped where the templates print them.

use serde::Serialize;

/// Every visible string of the external site's pages in one language.
#[derive(Debug, Serialize)]
pub(crate) struct Words {
    /// The locale, as `<html lang>` and the `lang` parameter carry it.
    pub lang: &'static str,
    /// The landing page's title.
    pub landing_title: &'static str,
    /// The landing page's heading.
    pub landing_heading: &'static str,
    /// What the landing page is about.
    pub landing_intro: &'static str,
    /// The landing page's button.
    pub landing_button: &'static str,
    /// Before the link to the code form.
    pub landing_code_before: &'static str,
    /// The link to the code form.
    pub landing_code_link: &'static str,
    /// After the link to the code form.
    pub landing_code_after: &'static str,
    /// The code form's title.
    pub verify_title: &'static str,
    /// The code form's heading.
    pub verify_heading: &'static str,
    /// The e-mail field's label.
    pub email_label: &'static str,
    /// The code field's label.
    pub code_label: &'static str,
    /// The code form's button.
    pub verify_button: &'static str,
    /// The refusal page's title.
    pub refused_title: &'static str,
    /// The one refusal, whatever its cause.
    pub refused: &'static str,
    /// The workflows page's title.
    pub workflows_title: &'static str,
    /// The workflows page's heading.
    pub workflows_heading: &'static str,
    /// When access ends; `{date}`.
    pub workflows_expiry: &'static str,
    /// The activation page's title.
    pub activate_title: &'static str,
    /// The activation pages' heading.
    pub activate_heading: &'static str,
    /// A person an import added to an app; `{name}`, `{account}`.
    pub activate_for_user: &'static str,
    /// A contact given portal access; `{name}`, `{account}`.
    pub activate_for_contact: &'static str,
    /// The password to choose; `{email}` (shown bold), `{date}`.
    pub activate_choose: &'static str,
    /// The password field's label.
    pub password_label: &'static str,
    /// The repeated password field's label.
    pub repeat_label: &'static str,
    /// The activation form's button.
    pub activate_button: &'static str,
    /// The two passwords are not the same.
    pub passwords_differ: &'static str,
    /// The password is too short or too long.
    pub password_length: &'static str,
    /// The activated page's title.
    pub activated_title: &'static str,
    /// An imported user's access is active; `{email}` (shown bold).
    pub activated_user: &'static str,
    /// A contact's portal access is active; `{email}` (shown bold).
    pub activated_contact: &'static str,
    /// The unusable activation link's title.
    pub link_invalid_title: &'static str,
    /// The one answer every unusable activation link gets.
    pub link_invalid: &'static str,
}

/// English, and the fallback.
pub(crate) const EN: Words = Words {
    lang: "en",
    landing_title: "Shared workflows",
    landing_heading: "Shared workflows",
    landing_intro: "Someone shared workflows with you. Open them with the button below.",
    landing_button: "Open the shared workflows",
    landing_code_before: "Or ",
    landing_code_link: "enter your e-mail address and verification code",
    landing_code_after: ".",
    verify_title: "Open shared workflows",
    verify_heading: "Open shared workflows",
    email_label: "E-mail address",
    code_label: "Verification code",
    verify_button: "Open",
    refused_title: "Not valid",
    refused: "That link, e-mail address or code does not open anything. Check them, or ask the sender for a new invitation.",
    workflows_title: "Shared workflows",
    workflows_heading: "Workflows shared with you",
    workflows_expiry: "Access is read-only and ends {date}.",
    activate_title: "Activate your access",
    activate_heading: "Activate your access",
    activate_for_user: "{name}, you were added to an app of {account}.",
    activate_for_contact: "{name}, {account} gave you access to its client portal.",
    activate_choose: "Choose a password to sign in as {email}. This link works once, until {date}.",
    password_label: "Password (at least 12 characters)",
    repeat_label: "Password again",
    activate_button: "Activate",
    passwords_differ: "The passwords differ.",
    password_length: "A password has 12 to 1,024 characters.",
    activated_title: "Access activated",
    activated_user: "Your access is active. Sign in as {email} with the password you chose.",
    activated_contact: "Your access is active. Sign in to the client portal as {email} with the password you chose.",
    link_invalid_title: "Link not valid",
    link_invalid: "This activation link is not valid any more. Ask the person who gave you access for a new one.",
};

/// German.
const DE: Words = Words {
    lang: "de",
    landing_title: "Geteilte Workflows",
    landing_heading: "Geteilte Workflows",
    landing_intro: "Jemand hat Workflows mit Ihnen geteilt. Öffnen Sie sie mit der Schaltfläche unten.",
    landing_button: "Geteilte Workflows öffnen",
    landing_code_before: "Oder ",
    landing_code_link: "E-Mail-Adresse und Bestätigungscode eingeben",
    landing_code_after: ".",
    verify_title: "Geteilte Workflows öffnen",
    verify_heading: "Geteilte Workflows öffnen",
    email_label: "E-Mail-Adresse",
    code_label: "Bestätigungscode",
    verify_button: "Öffnen",
    refused_title: "Nicht gültig",
    refused: "Dieser Link, diese E-Mail-Adresse oder dieser Code öffnet nichts. Prüfen Sie Ihre Angaben oder bitten Sie den Absender um eine neue Einladung.",
    workflows_title: "Geteilte Workflows",
    workflows_heading: "Mit Ihnen geteilte Workflows",
    workflows_expiry: "Der Zugriff ist schreibgeschützt und endet am {date}.",
    activate_title: "Zugang aktivieren",
    activate_heading: "Zugang aktivieren",
    activate_for_user: "{name}, Sie wurden zu einer App von {account} hinzugefügt.",
    activate_for_contact: "{name}, {account} hat Ihnen Zugang zu seinem Kundenportal gegeben.",
    activate_choose: "Wählen Sie ein Passwort, mit dem Sie sich als {email} anmelden. Dieser Link kann einmal verwendet werden und ist gültig bis {date}.",
    password_label: "Passwort (mindestens 12 Zeichen)",
    repeat_label: "Passwort wiederholen",
    activate_button: "Aktivieren",
    passwords_differ: "Die Passwörter stimmen nicht überein.",
    password_length: "Ein Passwort hat 12 bis 1.024 Zeichen.",
    activated_title: "Zugang aktiviert",
    activated_user: "Ihr Zugang ist aktiv. Melden Sie sich als {email} mit dem gewählten Passwort an.",
    activated_contact: "Ihr Zugang ist aktiv. Melden Sie sich im Kundenportal als {email} mit dem gewählten Passwort an.",
    link_invalid_title: "Link nicht gültig",
    link_invalid: "Dieser Aktivierungslink ist nicht mehr gültig. Bitten Sie die Person, die Ihnen den Zugang gegeben hat, um einen neuen.",
};

/// French.
const FR: Words = Words {
    lang: "fr",
    landing_title: "Workflows partagés",
    landing_heading: "Workflows partagés",
    landing_intro: "Quelqu’un a partagé des workflows avec vous. Ouvrez-les avec le bouton ci-dessous.",
    landing_button: "Ouvrir les workflows partagés",
    landing_code_before: "Ou ",
    landing_code_link: "saisissez votre adresse e-mail et votre code de vérification",
    landing_code_after: ".",
    verify_title: "Ouvrir les workflows partagés",
    verify_heading: "Ouvrir les workflows partagés",
    email_label: "Adresse e-mail",
    code_label: "Code de vérification",
    verify_button: "Ouvrir",
    refused_title: "Non valable",
    refused: "Ce lien, cette adresse e-mail ou ce code ne donne accès à rien. Vérifiez-les ou demandez une nouvelle invitation à l’expéditeur.",
    workflows_title: "Workflows partagés",
    workflows_heading: "Workflows partagés avec vous",
    workflows_expiry: "L’accès est en lecture seule et prend fin le {date}.",
    activate_title: "Activer votre accès",
    activate_heading: "Activer votre accès",
    activate_for_user: "{name}, vous avez été ajouté(e) à une application de {account}.",
    activate_for_contact: "{name}, {account} vous a donné accès à son portail client.",
    activate_choose: "Choisissez un mot de passe pour vous connecter en tant que {email}. Ce lien ne fonctionne qu’une fois, jusqu’au {date}.",
    password_label: "Mot de passe (au moins 12 caractères)",
    repeat_label: "Confirmez le mot de passe",
    activate_button: "Activer",
    passwords_differ: "Les mots de passe ne correspondent pas.",
    password_length: "Un mot de passe compte de 12 à 1\u{a0}024 caractères.",
    activated_title: "Accès activé",
    activated_user: "Votre accès est actif. Connectez-vous en tant que {email} avec le mot de passe choisi.",
    activated_contact: "Votre accès est actif. Connectez-vous au portail client en tant que {email} avec le mot de passe choisi.",
    link_invalid_title: "Lien non valable",
    link_invalid: "Ce lien d’activation n’est plus valable. Demandez-en un nouveau à la personne qui vous a donné accès.",
};

/// Romanian.
const RO: Words = Words {
    lang: "ro",
    landing_title: "Fluxuri de lucru partajate",
    landing_heading: "Fluxuri de lucru partajate",
    landing_intro: "Cineva a partajat fluxuri de lucru cu dumneavoastră. Deschideți-le cu butonul de mai jos.",
    landing_button: "Deschideți fluxurile de lucru partajate",
    landing_code_before: "Sau ",
    landing_code_link: "introduceți adresa de e-mail și codul de verificare",
    landing_code_after: ".",
    verify_title: "Deschideți fluxurile de lucru partajate",
    verify_heading: "Deschideți fluxurile de lucru partajate",
    email_label: "Adresa de e-mail",
    code_label: "Codul de verificare",
    verify_button: "Deschideți",
    refused_title: "Nu este valabil",
    refused: "Acest link, această adresă de e-mail sau acest cod nu deschide nimic. Verificați-le sau cereți expeditorului o invitație nouă.",
    workflows_title: "Fluxuri de lucru partajate",
    workflows_heading: "Fluxuri de lucru partajate cu dumneavoastră",
    workflows_expiry: "Accesul este doar pentru citire și se încheie la data de {date}.",
    activate_title: "Activați-vă accesul",
    activate_heading: "Activați-vă accesul",
    activate_for_user: "{name}, ați fost adăugat(ă) la o aplicație din {account}.",
    activate_for_contact: "{name}, {account} v-a oferit acces la portalul său de clienți.",
    activate_choose: "Alegeți o parolă pentru a vă conecta ca {email}. Acest link funcționează o singură dată, până la data de {date}.",
    password_label: "Parolă (cel puțin 12 caractere)",
    repeat_label: "Repetați parola",
    activate_button: "Activați",
    passwords_differ: "Parolele nu coincid.",
    password_length: "O parolă are între 12 și 1.024 de caractere.",
    activated_title: "Acces activat",
    activated_user: "Accesul dumneavoastră este activ. Conectați-vă ca {email} cu parola aleasă.",
    activated_contact: "Accesul dumneavoastră este activ. Conectați-vă la portalul de clienți ca {email} cu parola aleasă.",
    link_invalid_title: "Link nevalabil",
    link_invalid: "Acest link de activare nu mai este valabil. Cereți unul nou persoanei care v-a oferit accesul.",
};

/// Every locale the site speaks, English first (the fallback).
const TABLE: [&Words; 4] = [&EN, &DE, &FR, &RO];

/// The most `Accept-Language` entries looked at; the rest are ignored.
const MAX_RANGES: usize = 32;

/// The words of a locale tag (`de`, `de-AT`, `FR_ch`: its primary subtag, any case);
/// `None` for a locale the site does not speak.
pub(crate) fn by_tag(tag: &str) -> Option<&'static Words> {
    let primary = tag.trim().split(['-', '_']).next()?;
    TABLE
        .iter()
        .copied()
        .find(|words| words.lang.eq_ignore_ascii_case(primary))
}

/// The locale an `Accept-Language` header prefers among those the site speaks: entries by
/// descending q-value (ties in the header's order), the first whose primary subtag is
/// spoken. `*`, entries with `q=0` and malformed entries are skipped; `None` when nothing
/// spoken is acceptable.
pub(crate) fn accept_language(header: &str) -> Option<&'static str> {
    let mut ranges: Vec<(u16, &str)> = header
        .split(',')
        .take(MAX_RANGES)
        .filter_map(|entry| {
            let mut parts = entry.split(';');
            let range = parts.next()?.trim();
            let mut quality = 1000;
            for parameter in parts {
                let (name, value) = parameter.split_once('=')?;
                if name.trim().eq_ignore_ascii_case("q") {
                    quality = qvalue(value.trim())?;
                }
            }
            let valid = !range.is_empty()
                && range
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '*');
            (valid && quality > 0 && range != "*").then_some((quality, range))
        })
        .collect();
    // Stable: equal q-values keep the header's order.
    ranges.sort_by_key(|&(quality, _)| std::cmp::Reverse(quality));
    ranges
        .into_iter()
        .find_map(|(_, range)| by_tag(range))
        .map(|words| words.lang)
}

/// An RFC 9110 qvalue (`0`, `0.5`, `0.875`, `1`, `1.000`) in thousandths; `None` when
/// malformed or above 1.
fn qvalue(text: &str) -> Option<u16> {
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    if fraction.len() > 3 || !fraction.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    // Three places, the missing ones zero: "5" is 500 thousandths.
    let thousandths = fraction
        .bytes()
        .chain(std::iter::repeat(b'0'))
        .take(3)
        .fold(0u16, |sum, digit| sum * 10 + u16::from(digit - b'0'));
    match whole {
        "0" => Some(thousandths),
        "1" if thousandths == 0 => Some(1000),
        _ => None,
    }
}

/// The words a page speaks: `explicit` (a `lang` from the invitation's link or a form) when
/// the site speaks it, else the best of the `Accept-Language` `header`, else English.
pub(crate) fn pick(explicit: Option<&str>, header: Option<&str>) -> &'static Words {
    explicit
        .and_then(by_tag)
        .or_else(|| header.and_then(accept_language).and_then(by_tag))
        .unwrap_or(&EN)
}

/// `text` with each `{key}` of `values` replaced by its value, in one pass: a value that
/// itself holds a `{…}` is not filled again. Unknown placeholders stay as they are.
pub(crate) fn fill(text: &str, values: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let replaced = after.find('}').and_then(|close| {
            let key = &after[..close];
            values
                .iter()
                .find(|(name, _)| *name == key)
                .map(|(_, value)| (*value, close))
        });
        match replaced {
            Some((value, close)) => {
                out.push_str(value);
                rest = &after[close + 1..];
            }
            None => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// `text` split around its `{at}` placeholder (which the page prints in its own markup),
/// both halves [`fill`]ed with `values`; the whole text and an empty half when it has none.
pub(crate) fn split_fill(text: &str, at: &str, values: &[(&str, &str)]) -> (String, String) {
    let marker = format!("{{{at}}}");
    let (before, after) = text.split_once(&marker).unwrap_or((text, ""));
    (fill(before, values), fill(after, values))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_site_speaks_the_e_mails_locales() {
        let spoken: Vec<&str> = TABLE.iter().map(|w| w.lang).collect();
        assert_eq!(spoken, tessera_mail::LOCALES);
        assert_eq!(EN.lang, tessera_mail::DEFAULT_LOCALE);
        for tag in ["en", "de-AT", "FR_ch", " ro ", "RO"] {
            assert_eq!(
                by_tag(tag).map(|w| w.lang),
                Some(tessera_mail::resolve_locale(tag)),
                "{tag}"
            );
        }
        for unknown in ["", "xx", "pt-BR", "-", "english"] {
            assert!(by_tag(unknown).is_none(), "{unknown}");
        }
    }

    #[test]
    fn every_locale_has_every_string_with_the_same_placeholders() {
        let placeholders = |text: &str| -> Vec<String> {
            let mut found: Vec<String> = text
                .split('{')
                .skip(1)
                .filter_map(|part| part.split_once('}').map(|(key, _)| key.to_owned()))
                .collect();
            found.sort();
            found
        };
        let english = serde_json::to_value(&EN).expect("json");
        let english = english.as_object().expect("object");
        for words in TABLE {
            let value = serde_json::to_value(words).expect("json");
            let fields = value.as_object().expect("object");
            assert_eq!(fields.len(), english.len());
            for (key, text) in fields {
                let text = text.as_str().expect("a string");
                assert!(!text.trim().is_empty() || key.ends_with("_after"), "{key}");
                let expected = english[key].as_str().expect("a string");
                assert_eq!(
                    placeholders(text),
                    placeholders(expected),
                    "{}: {key}",
                    words.lang
                );
            }
            let min = tessera_service::MIN_PASSWORD_CHARS.to_string();
            assert!(words.password_label.contains(&min), "{}", words.lang);
            assert!(words.password_length.contains(&min), "{}", words.lang);
        }
        assert_eq!(tessera_service::MAX_PASSWORD_CHARS, 1024);
    }

    #[test]
    fn accept_language_respects_q_values() {
        let cases: &[(&str, Option<&str>)] = &[
            ("fr-CH, fr;q=0.9, en;q=0.8", Some("fr")),
            ("pt", None),
            ("pt-BR, pt;q=0.9", None),
            ("ro", Some("ro")),
            ("de-DE", Some("de")),
            ("en;q=0.5, de;q=0.8", Some("de")),
            ("en;q=0.5, de;q=0.5", Some("en")),
            ("pt, ro;q=0.2, fr;q=0.1", Some("ro")),
            ("de;q=0, en;q=0.1", Some("en")),
            ("de;q=0.000", None),
            ("*", None),
            ("*;q=1, fr;q=0.5", Some("fr")),
            ("DE", Some("de")),
            ("  de ; q = 0.7 ,en;q=0.6", Some("de")),
            ("en;q=0.9, fr;q=1.0", Some("fr")),
            ("en;q=0.999, fr;q=1.000", Some("fr")),
            ("", None),
            (",,,", None),
        ];
        for (header, expected) in cases {
            assert_eq!(accept_language(header), *expected, "{header:?}");
        }
    }

    #[test]
    fn accept_language_skips_what_is_malformed() {
        let cases: &[(&str, Option<&str>)] = &[
            ("de;q=2, fr", Some("fr")),
            ("de;q=1.5, fr", Some("fr")),
            ("de;q=0.1234, fr;q=0.1", Some("fr")),
            ("de;q=abc, fr;q=0.1", Some("fr")),
            ("de;q=, ro;q=0.3", Some("ro")),
            ("de;q=-0.5, ro;q=0.3", Some("ro")),
            ("de;q, ro;q=0.3", Some("ro")),
            ("d<e>, fr;q=0.2", Some("fr")),
            ("de;level=1, ro;q=0.3", Some("de")),
        ];
        for (header, expected) in cases {
            assert_eq!(accept_language(header), *expected, "{header:?}");
        }
        // Only the first entries count: a huge header costs little.
        let long = format!("{}fr", "pt;q=0.9,".repeat(MAX_RANGES));
        assert_eq!(accept_language(&long), None);
    }

    #[test]
    fn qvalues_parse_as_thousandths() {
        for (text, expected) in [
            ("0", Some(0)),
            ("0.", Some(0)),
            ("0.5", Some(500)),
            ("0.05", Some(50)),
            ("0.875", Some(875)),
            ("1", Some(1000)),
            ("1.000", Some(1000)),
            ("1.001", None),
            ("2", None),
            (".5", None),
            ("0.5555", None),
            ("", None),
        ] {
            assert_eq!(qvalue(text), expected, "{text:?}");
        }
    }

    #[test]
    fn an_explicit_lang_wins_then_the_header_then_english() {
        assert_eq!(pick(Some("de"), Some("fr")).lang, "de");
        assert_eq!(pick(Some("xx"), Some("fr;q=0.4, pt")).lang, "fr");
        assert_eq!(pick(Some(""), None).lang, "en");
        assert_eq!(pick(None, Some("ro-RO")).lang, "ro");
        assert_eq!(pick(None, Some("pt")).lang, "en");
        assert_eq!(pick(None, None).lang, "en");
    }

    #[test]
    fn placeholders_fill_once() {
        assert_eq!(
            fill(
                "{name}, {account} gave you access.",
                &[("name", "Ana {account}"), ("account", "Acme")]
            ),
            "Ana {account}, Acme gave you access."
        );
        assert_eq!(fill("{unknown} {", &[("name", "x")]), "{unknown} {");
        assert_eq!(
            fill("ends {date}.", &[("date", "2030-01-02 03:04 UTC")]),
            "ends 2030-01-02 03:04 UTC."
        );
        assert_eq!(
            split_fill(
                "Sign in as {email}, until {date}.",
                "email",
                &[("date", "D")]
            ),
            ("Sign in as ".to_owned(), ", until D.".to_owned())
        );
        assert_eq!(
            split_fill("No marker", "email", &[]),
            ("No marker".to_owned(), String::new())
        );
    }
}
