//! Rendering the embedded and overridden templates.

#![allow(
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::panic,
    reason = "tests fail loudly"
)]

mod common;

use common::{
    ACTIVATION_LINK, CODE, EXPIRES, FAILING_STEP, LINK, PROBLEMS, SITE, TASK_URL,
    TROUBLESHOOTING_LINK, USER_INVITATION_LINK, automation_notice, contact_activation, invitation,
    sample, scratch_dir, task_notification, user_invitation,
};
use tessera_mail::{
    AUTOMATION_NOTICE, CONTACT_ACTIVATION, INVITATION, LOCALES, MESSAGES, MailError,
    TASK_NOTIFICATION, Templates, USER_INVITATION,
};

#[test]
fn every_message_renders_in_every_locale() {
    let templates = Templates::embedded().unwrap();
    for message in MESSAGES {
        let data = sample(message);
        for locale in LOCALES {
            let mail = templates.render(message, locale, &data).unwrap();
            let context = format!("{message} in {locale}");
            assert!(!mail.subject.is_empty(), "{context}: empty subject");
            assert!(
                !mail.subject.contains('\n'),
                "{context}: multi-line subject"
            );
            assert!(mail.text.ends_with('\n') && !mail.text.ends_with("\n\n"));
            assert!(
                !mail.text.contains("\n\n\n"),
                "{context}: stray blank lines:\n{}",
                mail.text
            );
            assert!(
                mail.html.contains(&format!("<html lang=\"{locale}\">")),
                "{context}: html lang"
            );
            for (part, body) in [
                ("subject", &mail.subject),
                ("text", &mail.text),
                ("html", &mail.html),
            ] {
                assert!(!body.contains("{{"), "{context}: {part} has a raw tag");
            }
        }
    }
}

#[test]
fn the_invitation_renders_in_every_locale() {
    let templates = Templates::embedded().unwrap();
    let data = invitation(Some("Have a look before Friday."));
    for locale in LOCALES {
        let mail = templates.render(INVITATION, locale, &data).unwrap();
        let context = format!("invitation in {locale}");
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

/// Whether `text` has any of `words` as a whole word, in any case.
fn has_word(text: &str, words: &[&str]) -> Option<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .find(|word| {
            words
                .iter()
                .any(|english| word.eq_ignore_ascii_case(english))
        })
        .map(str::to_owned)
}

/// English phrases of a message that must not be left in a translation.
fn assert_translated(context: &str, locale: &str, text: &str, english: &[&str]) {
    if locale == "en" {
        return;
    }
    for phrase in english {
        assert!(
            !text.contains(phrase),
            "{context}: English {phrase:?} left in:\n{text}"
        );
    }
}

#[test]
fn the_contact_activation_renders_in_every_locale() {
    let templates = Templates::embedded().unwrap();
    let english = templates
        .render(CONTACT_ACTIVATION, "en", &contact_activation("basic"))
        .unwrap();
    assert_eq!(
        english.subject,
        "Ana Pop gave you access to the Acme Ltd client portal"
    );
    let expected = format!(
        "Hello Bo Berg,

Ana Pop has given you basic access to the client portal of Acme Ltd.

Follow this link to choose your password and activate your access:
{ACTIVATION_LINK}

The link is valid until {EXPIRES}.

If you were not expecting this e-mail, you can ignore it.
"
    );
    assert_eq!(english.text, expected);

    // (locale, button, word for "advanced", word for "basic")
    let locales = [
        ("en", "Activate access", "advanced access", "basic access"),
        (
            "de",
            "Zugang aktivieren",
            "erweiterten Zugang",
            "einfachen Zugang",
        ),
        ("fr", "Activer l’accès", "accès avancé", "accès de base"),
        ("ro", "Activați accesul", "acces avansat", "acces de bază"),
    ];
    assert_eq!(locales.len(), LOCALES.len());
    for (locale, button, advanced, basic) in locales {
        let context = format!("contact activation in {locale}");
        let basic_mail = templates
            .render(CONTACT_ACTIVATION, locale, &contact_activation("basic"))
            .unwrap();
        let advanced_mail = templates
            .render(CONTACT_ACTIVATION, locale, &contact_activation("advanced"))
            .unwrap();
        for (mail, level, other) in [
            (&basic_mail, basic, advanced),
            (&advanced_mail, advanced, basic),
        ] {
            assert!(mail.subject.contains("Ana Pop"), "{context}");
            assert!(mail.subject.contains("Acme Ltd"), "{context}");
            for (part, body) in [("text", &mail.text), ("html", &mail.html)] {
                for needle in [
                    ACTIVATION_LINK,
                    EXPIRES,
                    "Bo Berg",
                    "Ana Pop",
                    "Acme Ltd",
                    level,
                ] {
                    assert!(body.contains(needle), "{context}: {part} lacks {needle:?}");
                }
                assert!(!body.contains(other), "{context}: {part} has {other:?}");
            }
            assert!(
                mail.text.lines().any(|line| line == ACTIVATION_LINK),
                "{context}: the link is not on its own line"
            );
            assert!(
                mail.html
                    .contains(&format!("<a href=\"{ACTIVATION_LINK}\"")),
                "{context}: no button"
            );
            assert!(
                mail.html.contains(&format!(">{button}</a>")),
                "{context}: button {button:?}"
            );
        }
        if locale != "en" {
            assert_ne!(basic_mail.subject, english.subject);
            assert_eq!(
                has_word(
                    &basic_mail.subject,
                    &["gave", "you", "the", "portal", "access"]
                ),
                None,
                "{context}: {}",
                basic_mail.subject
            );
        }
        for body in [&basic_mail.text, &basic_mail.html] {
            assert_translated(
                &context,
                locale,
                body,
                &[
                    "Hello",
                    "has given you",
                    "Follow this link",
                    "valid until",
                    "ignore it",
                    "Activate access",
                    "client portal",
                ],
            );
        }
    }
    let unknown = templates
        .render(CONTACT_ACTIVATION, "en", &contact_activation("weird"))
        .unwrap();
    assert!(
        unknown.text.contains("basic access"),
        "unknown levels read as basic"
    );
}

/// The user types of the [`USER_INVITATION`] message.
const USER_TYPES: [&str; 5] = ["administrator", "manager", "staff", "user", "bot"];

#[test]
fn the_user_invitation_renders_in_every_locale() {
    let templates = Templates::embedded().unwrap();
    let english = templates
        .render(USER_INVITATION, "en", &user_invitation("staff"))
        .unwrap();
    assert_eq!(
        english.subject,
        "Ana Pop added you to Field Service on Acme Ltd"
    );
    let expected = format!(
        "Hello Bo Berg,

Ana Pop has added you to the app Field Service of Acme Ltd as a staff member.

Follow this link to choose your password and sign in:
{USER_INVITATION_LINK}

The link is valid until {EXPIRES} and works once.

If you were not expecting this e-mail, you can ignore it.
"
    );
    assert_eq!(english.text, expected);

    // (locale, button, the end of the sentence for each of `USER_TYPES`)
    let locales = [
        (
            "en",
            "Choose your password",
            [
                " as an administrator.",
                " as a manager.",
                " as a staff member.",
                " as a user.",
                " as a bot.",
            ],
        ),
        (
            "de",
            "Passwort festlegen",
            [
                " als Administrator hinzugefügt.",
                " als Manager hinzugefügt.",
                " als Mitarbeiter hinzugefügt.",
                " als Benutzer hinzugefügt.",
                " als Bot hinzugefügt.",
            ],
        ),
        (
            "fr",
            "Choisir votre mot de passe",
            [
                " en tant qu’administrateur.",
                " en tant que gestionnaire.",
                " en tant que membre du personnel.",
                " en tant qu’utilisateur.",
                " en tant que bot.",
            ],
        ),
        (
            "ro",
            "Alegeți-vă parola",
            [
                " ca administrator.",
                " ca manager.",
                " ca membru al personalului.",
                " ca utilizator.",
                " ca bot.",
            ],
        ),
    ];
    assert_eq!(locales.len(), LOCALES.len());
    for (locale, button, types) in locales {
        for (user_type, phrase) in USER_TYPES.into_iter().zip(types) {
            let context = format!("user invitation of a {user_type} in {locale}");
            let mail = templates
                .render(USER_INVITATION, locale, &user_invitation(user_type))
                .unwrap();
            for needle in ["Ana Pop", "Field Service", "Acme Ltd"] {
                assert!(mail.subject.contains(needle), "{context}: subject");
            }
            for (part, body) in [("text", &mail.text), ("html", &mail.html)] {
                for needle in [
                    USER_INVITATION_LINK,
                    EXPIRES,
                    "Bo Berg",
                    "Ana Pop",
                    "Field Service",
                    "Acme Ltd",
                    phrase,
                ] {
                    assert!(body.contains(needle), "{context}: {part} lacks {needle:?}");
                }
                for other in types.iter().filter(|other| **other != phrase) {
                    assert!(!body.contains(other), "{context}: {part} has {other:?}");
                }
            }
            assert!(
                mail.text.lines().any(|line| line == USER_INVITATION_LINK),
                "{context}: the link is not on its own line"
            );
            assert!(
                mail.html
                    .contains(&format!("<a href=\"{USER_INVITATION_LINK}\"")),
                "{context}: no button"
            );
            assert!(
                mail.html.contains(&format!(">{button}</a>")),
                "{context}: button {button:?}"
            );
            if locale != "en" {
                assert_ne!(mail.subject, english.subject);
                assert_eq!(
                    has_word(&mail.subject, &["added", "you", "to", "on"]),
                    None,
                    "{context}: {}",
                    mail.subject
                );
            }
            for body in [&mail.text, &mail.html] {
                assert_translated(
                    &context,
                    locale,
                    body,
                    &[
                        "Hello",
                        "has added you",
                        "the app",
                        "Follow this link",
                        "sign in",
                        "valid until",
                        "works once",
                        "ignore it",
                        "Choose your password",
                        "staff member",
                    ],
                );
            }
        }
        let unknown = templates
            .render(USER_INVITATION, locale, &user_invitation("owner"))
            .unwrap();
        let staff = templates
            .render(USER_INVITATION, locale, &user_invitation("staff"))
            .unwrap();
        assert_eq!(unknown, staff, "unknown types read as staff in {locale}");
    }
}

#[test]
fn the_english_user_invitation_has_its_subject_link_and_escaped_html() {
    let templates = Templates::embedded().unwrap();
    let mut data = user_invitation("manager");
    data.app_name = "<b>Field</b> Service".into();
    let mail = templates.render(USER_INVITATION, "en", &data).unwrap();
    assert_eq!(
        mail.subject,
        "Ana Pop added you to <b>Field</b> Service on Acme Ltd"
    );
    assert!(
        mail.text
            .contains(&format!(":\n{USER_INVITATION_LINK}\n\n")),
        "the link is not on its own line:\n{}",
        mail.text
    );
    assert!(
        mail.text
            .contains("the app <b>Field</b> Service of Acme Ltd"),
        "{}",
        mail.text
    );
    assert!(
        mail.html
            .contains("the app &lt;b&gt;Field&lt;/b&gt; Service of Acme Ltd"),
        "{}",
        mail.html
    );
    assert!(!mail.html.contains("<b>"), "{}", mail.html);
}

#[test]
fn the_task_notification_renders_every_event_in_every_locale() {
    let templates = Templates::embedded().unwrap();
    // (locale, comment, assigned, status, reply line, link label, button)
    let locales = [
        (
            "en",
            "Ana Pop commented on the task “Collect documents” in Supplier onboarding:",
            "Ana Pop assigned the task “Collect documents” in Supplier onboarding to Bo Berg.",
            "Ana Pop changed the status of the task “Collect documents” in Supplier onboarding to “In review”.",
            "Reply to this e-mail to add a comment to the task.",
            "Open the task:",
            "Open task",
        ),
        (
            "de",
            "Ana Pop hat die Aufgabe „Collect documents“ im Projekt Supplier onboarding kommentiert:",
            "Ana Pop hat die Aufgabe „Collect documents“ im Projekt Supplier onboarding Bo Berg zugewiesen.",
            "Ana Pop hat den Status der Aufgabe „Collect documents“ im Projekt Supplier onboarding auf „In review“ geändert.",
            "Antworten Sie auf diese E-Mail, um die Aufgabe zu kommentieren.",
            "Aufgabe öffnen:",
            "Aufgabe öffnen",
        ),
        (
            "fr",
            "Ana Pop a commenté la tâche « Collect documents » du projet Supplier onboarding :",
            "Ana Pop a attribué la tâche « Collect documents » du projet Supplier onboarding à Bo Berg.",
            "Ana Pop a changé le statut de la tâche « Collect documents » du projet Supplier onboarding en « In review ».",
            "Répondez à cet e-mail pour ajouter un commentaire à la tâche.",
            "Ouvrir la tâche :",
            "Ouvrir la tâche",
        ),
        (
            "ro",
            "Ana Pop a comentat sarcina „Collect documents” din proiectul Supplier onboarding:",
            "Ana Pop i-a atribuit lui Bo Berg sarcina „Collect documents” din proiectul Supplier onboarding.",
            "Ana Pop a schimbat starea sarcinii „Collect documents” din proiectul Supplier onboarding în „In review”.",
            "Răspundeți la acest e-mail pentru a adăuga un comentariu la sarcină.",
            "Deschideți sarcina:",
            "Deschideți sarcina",
        ),
    ];
    assert_eq!(locales.len(), LOCALES.len());
    for (locale, comment, assigned, status, reply, open, button) in locales {
        for (event, sentence) in [
            ("comment", comment),
            ("assigned", assigned),
            ("status", status),
        ] {
            for with_url in [true, false] {
                let context = format!("task {event} in {locale}, url: {with_url}");
                let mail = templates
                    .render(
                        TASK_NOTIFICATION,
                        locale,
                        &task_notification(event, with_url),
                    )
                    .unwrap();
                assert_eq!(
                    mail.subject, "[Supplier onboarding] Collect documents",
                    "{context}"
                );
                assert!(
                    mail.text.starts_with(&format!("{sentence}\n")),
                    "{context}:\n{}",
                    mail.text
                );
                assert!(mail.html.contains(sentence), "{context}: html");
                assert!(mail.text.contains(&format!("\n\n{reply}\n")), "{context}");
                assert!(mail.html.contains(reply), "{context}: html reply line");
                let has_comment = mail
                    .text
                    .contains("Please upload the signed contract.\nThanks!");
                assert_eq!(has_comment, event == "comment", "{context}: comment");
                assert_eq!(
                    mail.html.contains("<blockquote"),
                    event == "comment",
                    "{context}: html comment"
                );
                assert_eq!(
                    mail.text.contains(&format!("{open}\n{TASK_URL}\n")),
                    with_url,
                    "{context}: link\n{}",
                    mail.text
                );
                assert_eq!(
                    mail.html.contains(&format!("<a href=\"{TASK_URL}\"")),
                    with_url,
                    "{context}: button"
                );
                assert_eq!(mail.html.contains(&format!(">{button}</a>")), with_url);
                assert_translated(
                    &context,
                    locale,
                    &mail.text,
                    &[
                        "commented on",
                        "assigned the task",
                        "changed the status",
                        "Reply to this e-mail",
                        "Open the task",
                    ],
                );
            }
        }
    }
}

#[test]
fn the_english_task_comment_reads_well() {
    let templates = Templates::embedded().unwrap();
    let mail = templates
        .render(TASK_NOTIFICATION, "en", &task_notification("comment", true))
        .unwrap();
    let expected = format!(
        "Ana Pop commented on the task “Collect documents” in Supplier onboarding:

Please upload the signed contract.
Thanks!

Reply to this e-mail to add a comment to the task.

Open the task:
{TASK_URL}
"
    );
    assert_eq!(mail.text, expected);
}

#[test]
fn task_events_without_their_details_still_read_well() {
    let templates = Templates::embedded().unwrap();
    let mut data = task_notification("assigned", false);
    data.assignee = None;
    let mail = templates.render(TASK_NOTIFICATION, "en", &data).unwrap();
    assert!(
        mail.text.starts_with(
            "Ana Pop removed the assignee of the task “Collect documents” in Supplier onboarding.\n"
        ),
        "{}",
        mail.text
    );
    let mut data = task_notification("status", false);
    data.status = None;
    let mail = templates.render(TASK_NOTIFICATION, "de", &data).unwrap();
    assert!(mail.text.starts_with(
        "Ana Pop hat den Status der Aufgabe „Collect documents“ im Projekt Supplier onboarding geändert.\n"
    ));
    let mut data = task_notification("comment", false);
    data.comment = None;
    let mail = templates.render(TASK_NOTIFICATION, "fr", &data).unwrap();
    assert!(!mail.text.contains("\n\n\n"), "{}", mail.text);
    assert!(!mail.html.contains("<blockquote"));
    let mail = templates
        .render(
            TASK_NOTIFICATION,
            "ro",
            &task_notification("archived", true),
        )
        .unwrap();
    assert!(
        mail.text.starts_with(
            "Ana Pop a actualizat sarcina „Collect documents” din proiectul Supplier onboarding.\n"
        ),
        "{}",
        mail.text
    );
}

#[test]
fn task_comments_are_escaped_in_html() {
    let templates = Templates::embedded().unwrap();
    let mut data = task_notification("comment", true);
    data.comment = Some("<img src=x onerror=alert(1)> & \"q\"".into());
    data.task = "<b>T</b>".into();
    for locale in LOCALES {
        let mail = templates.render(TASK_NOTIFICATION, locale, &data).unwrap();
        assert!(
            mail.html
                .contains("&lt;img src&#x3D;x onerror&#x3D;alert(1)&gt; &amp; &quot;q&quot;"),
            "{}",
            mail.html
        );
        assert!(!mail.html.contains("<img"));
        assert!(!mail.html.contains("<b>T</b>"));
        assert!(mail.text.contains("<img src=x onerror=alert(1)> & \"q\""));
        assert_eq!(mail.subject, "[Supplier onboarding] <b>T</b>");
    }
}

#[test]
fn new_messages_need_their_variables() {
    let templates = Templates::embedded().unwrap();
    let mut data = serde_json::to_value(task_notification("comment", true)).unwrap();
    data.as_object_mut().unwrap().remove("actor");
    assert!(matches!(
        templates.render(TASK_NOTIFICATION, "en", &data),
        Err(MailError::Render { name, .. }) if name.starts_with("en/task_notification.")
    ));
    let mut data = serde_json::to_value(contact_activation("basic")).unwrap();
    data.as_object_mut().unwrap().remove("link");
    assert!(matches!(
        templates.render(CONTACT_ACTIVATION, "ro", &data),
        Err(MailError::Render { .. })
    ));
    let mut data = serde_json::to_value(user_invitation("user")).unwrap();
    data.as_object_mut().unwrap().remove("app_name");
    assert!(matches!(
        templates.render(USER_INVITATION, "fr", &data),
        Err(MailError::Render { name, .. }) if name.starts_with("fr/user_invitation.")
    ));
    for field in ["user_name", "automation_name", "link"] {
        let mut data = serde_json::to_value(automation_notice("paused")).unwrap();
        data.as_object_mut().unwrap().remove(field);
        assert!(
            matches!(
                templates.render(AUTOMATION_NOTICE, "de", &data),
                Err(MailError::Render { name, .. }) if name.starts_with("de/automation_notice.")
            ),
            "{field}"
        );
    }
}

/// The reasons of the [`AUTOMATION_NOTICE`] message, and one it does not know.
const AUTOMATION_REASONS: [&str; 3] = ["activation_refused", "paused", "archived"];

#[test]
fn the_automation_notice_renders_every_reason_in_every_locale() {
    let templates = Templates::embedded().unwrap();
    // (locale, greeting, subject for each of `AUTOMATION_REASONS`, problems heading,
    // failing-step label, the closing sentence, link label, button)
    let locales = [
        (
            "en",
            "Hello Bo Berg,",
            [
                "Your automation \"Invoice reminders\" could not be activated",
                "Your automation \"Invoice reminders\" was paused",
                "Your automation \"Invoice reminders\" needs attention",
            ],
            "Problems found:",
            "The step that failed most often:",
            "Once you have fixed it, you can run the diagnostics again and activate the automation again.",
            "Open the troubleshooting page:",
            "Open troubleshooting",
        ),
        (
            "de",
            "Guten Tag Bo Berg,",
            [
                "Ihre Automatisierung „Invoice reminders“ konnte nicht aktiviert werden",
                "Ihre Automatisierung „Invoice reminders“ wurde pausiert",
                "Ihre Automatisierung „Invoice reminders“ erfordert Ihre Aufmerksamkeit",
            ],
            "Gefundene Probleme:",
            "Am häufigsten fehlgeschlagener Schritt:",
            "Sobald Sie das Problem behoben haben, können Sie die Diagnose erneut ausführen und die Automatisierung wieder aktivieren.",
            "Seite zur Fehlerbehebung öffnen:",
            "Fehlerbehebung öffnen",
        ),
        (
            "fr",
            "Bonjour Bo Berg,",
            [
                "Votre automatisation « Invoice reminders » n’a pas pu être activée",
                "Votre automatisation « Invoice reminders » a été mise en pause",
                "Votre automatisation « Invoice reminders » requiert votre attention",
            ],
            "Problèmes détectés :",
            "Étape la plus souvent en échec :",
            "Une fois le problème corrigé, vous pourrez relancer le diagnostic et réactiver l’automatisation.",
            "Ouvrir la page de dépannage :",
            "Ouvrir le dépannage",
        ),
        (
            "ro",
            "Bună ziua, Bo Berg,",
            [
                "Automatizarea dumneavoastră „Invoice reminders” nu a putut fi activată",
                "Automatizarea dumneavoastră „Invoice reminders” a fost întreruptă temporar",
                "Automatizarea dumneavoastră „Invoice reminders” necesită atenție",
            ],
            "Probleme găsite:",
            "Pasul care a eșuat cel mai des:",
            "După ce remediați problema, puteți rula din nou diagnosticarea și reactiva automatizarea.",
            "Deschideți pagina de depanare:",
            "Deschideți depanarea",
        ),
    ];
    assert_eq!(locales.len(), LOCALES.len());
    for (locale, greeting, subjects, heading, step_label, closing, open, button) in locales {
        for (reason, subject) in AUTOMATION_REASONS.into_iter().zip(subjects) {
            let context = format!("automation notice ({reason}) in {locale}");
            let mail = templates
                .render(AUTOMATION_NOTICE, locale, &automation_notice(reason))
                .unwrap();
            assert_eq!(mail.subject, subject, "{context}");
            assert!(
                !mail.subject.contains('\n'),
                "{context}: multi-line subject"
            );
            assert!(
                mail.subject.contains("Invoice reminders"),
                "{context}: subject"
            );
            assert!(
                mail.text.starts_with(&format!("{greeting}\n\n")),
                "{context}:\n{}",
                mail.text
            );
            assert!(mail.html.contains(greeting), "{context}: html greeting");
            for (part, body) in [("text", &mail.text), ("html", &mail.html)] {
                for needle in [TROUBLESHOOTING_LINK, "Invoice reminders", closing] {
                    assert!(body.contains(needle), "{context}: {part} lacks {needle:?}");
                }
            }
            assert!(
                mail.text.contains(&format!(
                    "\n\n{closing}\n\n{open}\n{TROUBLESHOOTING_LINK}\n"
                )),
                "{context}: the link is not on its own line:\n{}",
                mail.text
            );
            assert!(
                mail.html
                    .contains(&format!("<a href=\"{TROUBLESHOOTING_LINK}\"")),
                "{context}: no button"
            );
            assert!(
                mail.html.contains(&format!(">{button}</a>")),
                "{context}: button {button:?}"
            );

            let refused = reason == "activation_refused";
            assert_eq!(
                mail.text.contains(&format!(
                    "\n\n{heading}\n- {}\n- {}\n\n",
                    PROBLEMS[0], PROBLEMS[1]
                )),
                refused,
                "{context}: problems\n{}",
                mail.text
            );
            for problem in PROBLEMS {
                assert_eq!(
                    mail.html.contains(&format!(">{problem}</li>")),
                    refused,
                    "{context}: html problem {problem:?}"
                );
            }
            assert_eq!(mail.html.contains("<ul"), refused, "{context}: html list");
            assert_eq!(mail.html.contains(heading), refused, "{context}: heading");

            let paused = reason == "paused";
            assert_eq!(
                mail.text
                    .contains(&format!("\n\n{step_label} {FAILING_STEP}\n\n")),
                paused,
                "{context}: failing step\n{}",
                mail.text
            );
            assert_eq!(
                mail.html
                    .contains(&format!("{step_label} <strong>{FAILING_STEP}</strong>")),
                paused,
                "{context}: html failing step"
            );

            if locale != "en" {
                assert_eq!(
                    has_word(
                        &mail.subject,
                        &["your", "automation", "could", "not", "was", "needs"]
                    ),
                    None,
                    "{context}: {}",
                    mail.subject
                );
            }
            for body in [&mail.text, &mail.html] {
                assert_translated(
                    &context,
                    locale,
                    body,
                    &[
                        "Hello",
                        "Your automation",
                        "could not be activated",
                        "diagnostics found",
                        "Problems found",
                        "paused itself",
                        "failed most often",
                        "needs your attention",
                        "Once you have fixed it",
                        "the troubleshooting page",
                        "Open troubleshooting",
                    ],
                );
            }
        }
    }
}

#[test]
fn the_english_automation_notice_reads_well() {
    let templates = Templates::embedded().unwrap();
    let mail = templates
        .render(
            AUTOMATION_NOTICE,
            "en",
            &automation_notice("activation_refused"),
        )
        .unwrap();
    let expected = format!(
        "Hello Bo Berg,

Your automation “Invoice reminders” could not be activated because the diagnostics found problems.

Problems found:
- {}
- {}

Once you have fixed it, you can run the diagnostics again and activate the automation again.

Open the troubleshooting page:
{TROUBLESHOOTING_LINK}
",
        PROBLEMS[0], PROBLEMS[1]
    );
    assert_eq!(mail.text, expected);

    let mail = templates
        .render(AUTOMATION_NOTICE, "en", &automation_notice("paused"))
        .unwrap();
    let expected = format!(
        "Hello Bo Berg,

Your automation “Invoice reminders” paused itself because nearly every run in the last 7 days failed.

The step that failed most often: {FAILING_STEP}

Once you have fixed it, you can run the diagnostics again and activate the automation again.

Open the troubleshooting page:
{TROUBLESHOOTING_LINK}
"
    );
    assert_eq!(mail.text, expected);
}

#[test]
fn automation_notices_without_their_details_still_read_well() {
    let templates = Templates::embedded().unwrap();
    for locale in LOCALES {
        for reason in AUTOMATION_REASONS {
            let context = format!("automation notice ({reason}) in {locale}");
            let mut data = automation_notice(reason);
            data.problems.clear();
            data.failing_step = None;
            let mail = templates.render(AUTOMATION_NOTICE, locale, &data).unwrap();
            assert!(
                !mail.text.contains("\n\n\n"),
                "{context}: stray blank lines:\n{}",
                mail.text
            );
            assert!(!mail.text.contains("\n- "), "{context}:\n{}", mail.text);
            assert!(!mail.text.contains(FAILING_STEP), "{context}");
            assert!(!mail.html.contains("<ul"), "{context}: empty list");
            assert!(!mail.html.contains("<strong>"), "{context}: empty step");
            assert!(mail.text.contains(TROUBLESHOOTING_LINK), "{context}: link");
        }
    }
    let mut data = automation_notice("activation_refused");
    data.problems.clear();
    let mail = templates.render(AUTOMATION_NOTICE, "en", &data).unwrap();
    assert!(!mail.text.contains("Problems found"), "{}", mail.text);
}

#[test]
fn automation_notices_are_escaped_in_html() {
    let templates = Templates::embedded().unwrap();
    let mut data = automation_notice("activation_refused");
    data.automation_name = "<script>alert(1)</script> & Co".into();
    data.problems = vec!["Step <script>x()</script> has no \"url\".".into()];
    for locale in LOCALES {
        let mail = templates.render(AUTOMATION_NOTICE, locale, &data).unwrap();
        assert!(
            mail.html
                .contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; Co"),
            "{locale}: {}",
            mail.html
        );
        assert!(
            mail.html
                .contains("Step &lt;script&gt;x()&lt;/script&gt; has no &quot;url&quot;."),
            "{locale}: {}",
            mail.html
        );
        assert!(!mail.html.contains("<script>"), "{locale}");
        assert!(
            mail.text
                .contains("\n- Step <script>x()</script> has no \"url\".\n"),
            "{locale}: {}",
            mail.text
        );
        assert!(mail.text.contains("<script>alert(1)</script> & Co"));
        assert!(
            mail.subject.contains("<script>alert(1)</script> & Co"),
            "{locale}: {}",
            mail.subject
        );
    }
    let mut data = automation_notice("paused");
    data.failing_step = Some("<b>step 2</b>".into());
    let mail = templates.render(AUTOMATION_NOTICE, "fr", &data).unwrap();
    assert!(
        mail.html
            .contains("<strong>&lt;b&gt;step 2&lt;/b&gt;</strong>")
    );
    assert!(mail.text.contains("<b>step 2</b>"));
}
