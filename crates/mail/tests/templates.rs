//! Rendering the embedded and overridden templates.

#![allow(
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::panic,
    reason = "tests fail loudly"
)]

mod common;

use common::{CODE, EXPIRES, LINK, SITE, invitation, scratch_dir};
use tessera_mail::{INVITATION, LOCALES, MESSAGES, MailError, Templates};

#[test]
fn every_message_renders_in_every_locale() {
    let templates = Templates::embedded().unwrap();
    let data = invitation(Some("Have a look before Friday."));
    for message in MESSAGES {
        for locale in LOCALES {
            let mail = templates.render(message, locale, &data).unwrap();
            let context = format!("{message} in {locale}");
            assert!(!mail.subject.is_empty(), "{context}: empty subject");
            assert!(
                !mail.subject.contains('\n'),
                "{context}: multi-line subject"
            );
            assert!(
                mail.subject.contains("Ana Pop"),
                "{context}: {}",
                mail.subject
            );
            for (part, body) in [("text", &mail.text), ("html", &mail.html)] {
                for needle in [
                    LINK,
                    CODE,
                    EXPIRES,
                    SITE,
                    "ana@example.com",
                    "Have a look before Friday.",
                ] {
                    assert!(body.contains(needle), "{context}: {part} lacks {needle:?}");
                }
                for title in ["Supplier onboarding", "Quarterly close"] {
                    assert!(body.contains(title), "{context}: {part} lacks {title:?}");
                }
                assert!(
                    body.contains("Collects documents"),
                    "{context}: {part} lacks description"
                );
            }
            assert!(
                mail.text.lines().any(|line| line == LINK),
                "{context}: the link is not on its own line:\n{}",
                mail.text
            );
            assert!(
                mail.html.contains(&format!("<a href=\"{LINK}\"")),
                "{context}: no link button"
            );
            assert!(
                !mail.text.contains("\n\n\n"),
                "{context}: stray blank lines:\n{}",
                mail.text
            );
        }
    }
}

#[test]
fn the_english_invitation_reads_well() {
    let templates = Templates::embedded().unwrap();
    let mail = templates
        .render(
            INVITATION,
            "en",
            &invitation(Some("Hi Bo,\nplease review.")),
        )
        .unwrap();
    assert_eq!(mail.subject, "Ana Pop shared workflows with you");
    assert!(mail.html.contains(">Access workflows now</a>"));
    let expected = format!(
        "Hello,

Ana Pop (ana@example.com) has shared workflows with you.

Message from Ana Pop:

Hi Bo,
please review.

Shared workflows:

- Supplier onboarding (Procurement)
  Collects documents and approvals for new suppliers.

- Quarterly close (Finance)

Access workflows now:
{LINK}

You can also go to {SITE} and enter your e-mail address and this verification code:

{CODE}

The link and the code are valid until {EXPIRES}.

If you were not expecting this invitation, you can ignore this e-mail.
"
    );
    assert_eq!(mail.text, expected);
}

#[test]
fn the_personal_message_is_shown_only_when_present() {
    let templates = Templates::embedded().unwrap();
    let mail = templates
        .render(INVITATION, "en", &invitation(None))
        .unwrap();
    assert!(!mail.text.contains("Message from"), "{}", mail.text);
    assert!(!mail.html.contains("Message from"));
    assert!(!mail.html.contains("<blockquote"));
    assert!(
        mail.text
            .contains("has shared workflows with you.\n\nShared workflows:\n")
    );
}

#[test]
fn html_is_escaped_and_text_is_verbatim() {
    let templates = Templates::embedded().unwrap();
    let mut data = invitation(Some("<script>alert(1)</script> & \"quotes\""));
    data.sender_name = "Ana <Admin> & Co".into();
    for locale in LOCALES {
        let mail = templates.render(INVITATION, locale, &data).unwrap();
        assert!(
            mail.html
                .contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;quotes&quot;")
        );
        assert!(!mail.html.contains("<script>"));
        assert!(!mail.html.contains("<Admin>"));
        assert!(mail.text.contains("<script>alert(1)</script> & \"quotes\""));
        assert!(
            mail.subject.starts_with("Ana <Admin> & Co "),
            "{}",
            mail.subject
        );
        assert!(mail.text.contains("Ana <Admin> & Co"));
    }
}

#[test]
fn a_missing_variable_is_an_error() {
    let templates = Templates::embedded().unwrap();
    let mut data = serde_json::to_value(invitation(None)).unwrap();
    data.as_object_mut().unwrap().remove("code");
    let error = templates.render(INVITATION, "de", &data).unwrap_err();
    let MailError::Render { name, reason } = &error else {
        panic!("expected a render error, got {error:?}");
    };
    assert!(name.starts_with("de/invitation."), "{name}");
    assert!(reason.contains("code"), "{reason}");

    let mut data = serde_json::to_value(invitation(None)).unwrap();
    data["workflows"][0]
        .as_object_mut()
        .unwrap()
        .remove("title");
    assert!(matches!(
        templates.render(INVITATION, "en", &data),
        Err(MailError::Render { .. })
    ));
}

#[test]
fn unknown_locales_fall_back_to_english() {
    let templates = Templates::embedded().unwrap();
    let data = invitation(None);
    let english = templates.render(INVITATION, "en", &data).unwrap();
    for locale in ["", "pt-BR", "xx", "english"] {
        assert_eq!(
            templates.render(INVITATION, locale, &data).unwrap(),
            english,
            "{locale:?}"
        );
    }
    let german = templates.render(INVITATION, "de", &data).unwrap();
    assert_eq!(
        templates.render(INVITATION, "de-AT", &data).unwrap(),
        german
    );
    assert_eq!(
        templates.render(INVITATION, "DE_ch", &data).unwrap(),
        german
    );
    assert_ne!(german, english);
    assert_eq!(german.subject, "Ana Pop hat Workflows mit Ihnen geteilt");
}

#[test]
fn unknown_messages_are_an_error() {
    let templates = Templates::embedded().unwrap();
    let error = templates
        .render("welcome", "en", &invitation(None))
        .unwrap_err();
    assert!(matches!(&error, MailError::UnknownMessage { message } if message == "welcome"));
    assert_eq!(error.to_string(), "unknown message `welcome`");
}

#[test]
fn an_override_replaces_one_template() {
    let dir = scratch_dir("override");
    std::fs::create_dir_all(dir.join("fr")).unwrap();
    std::fs::write(
        dir.join("fr/invitation.subject.hbs"),
        "Invitation de {{sender_name}} ({{len workflows}} workflows)\n",
    )
    .unwrap();
    let templates = Templates::with_overrides(&dir).unwrap();
    let data = invitation(None);
    let french = templates.render(INVITATION, "fr", &data).unwrap();
    assert_eq!(french.subject, "Invitation de Ana Pop (2 workflows)");
    let embedded = Templates::embedded().unwrap();
    let original = embedded.render(INVITATION, "fr", &data).unwrap();
    assert_eq!(french.text, original.text, "other parts stay embedded");
    assert_eq!(
        templates.render(INVITATION, "en", &data).unwrap(),
        embedded.render(INVITATION, "en", &data).unwrap()
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn an_empty_override_dir_changes_nothing() {
    let dir = scratch_dir("override-empty");
    let templates = Templates::with_overrides(&dir).unwrap();
    let data = invitation(Some("Hello"));
    assert_eq!(
        templates.render(INVITATION, "ro", &data).unwrap(),
        Templates::embedded()
            .unwrap()
            .render(INVITATION, "ro", &data)
            .unwrap()
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn an_unknown_override_file_is_named() {
    let dir = scratch_dir("override-unknown");
    std::fs::create_dir_all(dir.join("en")).unwrap();
    std::fs::write(dir.join("en/invitation.subject.hbs"), "Hi {{sender_name}}").unwrap();
    std::fs::write(dir.join("en/invitaton.txt.hbs"), "typo").unwrap();
    let error = Templates::with_overrides(&dir).unwrap_err();
    assert!(
        matches!(&error, MailError::UnknownOverride { path } if path.ends_with("en/invitaton.txt.hbs")),
        "{error:?}"
    );
    assert!(
        error.to_string().contains("`en/invitaton.txt.hbs`"),
        "{error}"
    );

    std::fs::remove_file(dir.join("en/invitaton.txt.hbs")).unwrap();
    std::fs::create_dir_all(dir.join("es")).unwrap();
    std::fs::write(dir.join("es/invitation.subject.hbs"), "Hola").unwrap();
    assert!(matches!(
        Templates::with_overrides(&dir),
        Err(MailError::UnknownOverride { .. })
    ));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_broken_override_is_a_syntax_error() {
    let dir = scratch_dir("override-broken");
    std::fs::create_dir_all(dir.join("en")).unwrap();
    std::fs::write(dir.join("en/invitation.html.hbs"), "{{#if link}}unclosed").unwrap();
    let error = Templates::with_overrides(&dir).unwrap_err();
    assert!(
        matches!(&error, MailError::TemplateSyntax { name, .. } if name == "en/invitation.html.hbs"),
        "{error:?}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_missing_override_dir_is_an_io_error() {
    let dir = std::env::temp_dir().join("tessera-mail-no-such-dir-7f3a");
    assert!(matches!(
        Templates::with_overrides(&dir),
        Err(MailError::Io { .. })
    ));
}
