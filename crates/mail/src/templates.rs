//! Message templates: per message and locale a subject, a plain-text body and an HTML body,
//! embedded in the binary and replaceable, file by file, from an override directory.
//!
//! Rendering is strict (a variable the template uses but the data lacks is an error). HTML
//! bodies escape every `{{value}}`; subjects and text bodies are written verbatim.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use handlebars::Handlebars;
use serde::Serialize;

use crate::MailError;

/// The locale used when the requested one is missing or unknown.
pub const DEFAULT_LOCALE: &str = "en";
/// The locales every message has templates for.
pub const LOCALES: &[&str] = &["en", "de", "fr", "ro"];
/// The invitation to shared workflows; its data is an [`InvitationEmail`].
pub const INVITATION: &str = "invitation";
/// The activation of a contact's access to an account's client portal; its data is a
/// [`ContactActivationEmail`].
pub const CONTACT_ACTIVATION: &str = "contact_activation";
/// A person added to an app of an account (by a bulk import) is invited to choose a password;
/// its data is a [`UserInvitationEmail`].
pub const USER_INVITATION: &str = "user_invitation";
/// A comment, assignment or status change on a task, sent to its followers; its data is a
/// [`TaskNotificationEmail`].
pub const TASK_NOTIFICATION: &str = "task_notification";
/// An automation could not be activated, paused itself, or otherwise needs its user's
/// attention; its data is an [`AutomationNoticeEmail`].
pub const AUTOMATION_NOTICE: &str = "automation_notice";
/// Every message name.
pub const MESSAGES: &[&str] = &[
    INVITATION,
    CONTACT_ACTIVATION,
    USER_INVITATION,
    TASK_NOTIFICATION,
    AUTOMATION_NOTICE,
];

/// Builds the table of embedded templates: for each locale and message, the subject, text and
/// HTML template, keyed by their path relative to `templates/`.
macro_rules! embedded {
    ($($locale:literal / $message:literal),* $(,)?) => {
        &[$(
            (
                concat!($locale, "/", $message, ".subject.hbs"),
                include_str!(concat!("../templates/", $locale, "/", $message, ".subject.hbs")),
            ),
            (
                concat!($locale, "/", $message, ".txt.hbs"),
                include_str!(concat!("../templates/", $locale, "/", $message, ".txt.hbs")),
            ),
            (
                concat!($locale, "/", $message, ".html.hbs"),
                include_str!(concat!("../templates/", $locale, "/", $message, ".html.hbs")),
            ),
        )*]
    };
}

/// Every embedded template: (path relative to the template directory, source).
const EMBEDDED: &[(&str, &str)] = embedded![
    "en" / "invitation",
    "de" / "invitation",
    "fr" / "invitation",
    "ro" / "invitation",
    "en" / "contact_activation",
    "de" / "contact_activation",
    "fr" / "contact_activation",
    "ro" / "contact_activation",
    "en" / "user_invitation",
    "de" / "user_invitation",
    "fr" / "user_invitation",
    "ro" / "user_invitation",
    "en" / "task_notification",
    "de" / "task_notification",
    "fr" / "task_notification",
    "ro" / "task_notification",
    "en" / "automation_notice",
    "de" / "automation_notice",
    "fr" / "automation_notice",
    "ro" / "automation_notice",
];

/// The three parts of a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Part {
    Subject,
    Text,
    Html,
}

impl Part {
    /// The file suffix after the message name.
    const fn suffix(self) -> &'static str {
        match self {
            Part::Subject => "subject.hbs",
            Part::Text => "txt.hbs",
            Part::Html => "html.hbs",
        }
    }

    /// The part a template path is for.
    fn of(path: &str) -> Part {
        if path.ends_with(".html.hbs") {
            Part::Html
        } else if path.ends_with(".txt.hbs") {
            Part::Text
        } else {
            Part::Subject
        }
    }
}

/// The template path (and registered name) of one part of a message in a locale.
fn template_name(locale: &str, message: &str, part: Part) -> String {
    format!("{locale}/{message}.{}", part.suffix())
}

/// The locale templates are rendered in for a requested one: its primary language (`de-AT`
/// and `de_AT` give `de`, any case) if templates exist for it, else [`DEFAULT_LOCALE`].
///
/// ```
/// use tessera_mail::resolve_locale;
/// assert_eq!(resolve_locale("DE-at"), "de");
/// assert_eq!(resolve_locale("ro"), "ro");
/// assert_eq!(resolve_locale("pt-BR"), "en");
/// assert_eq!(resolve_locale(""), "en");
/// ```
pub fn resolve_locale(requested: &str) -> &'static str {
    let primary = requested
        .trim()
        .split(['-', '_'])
        .next()
        .unwrap_or_default();
    LOCALES
        .iter()
        .copied()
        .find(|locale| locale.eq_ignore_ascii_case(primary))
        .unwrap_or(DEFAULT_LOCALE)
}

/// A message rendered in one locale, ready to be put in an envelope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderedMessage {
    /// The subject: one line, whitespace collapsed.
    pub subject: String,
    /// The plain-text body.
    pub text: String,
    /// The HTML body.
    pub html: String,
}

/// One workflow named in an invitation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SharedWorkflow {
    /// Its title.
    pub title: String,
    /// The business domain it belongs to.
    pub business_domain: String,
    /// Its description; left out of the e-mail when empty.
    pub description: String,
}

/// The data of the [`INVITATION`] message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InvitationEmail {
    /// Who shared, as their name is shown.
    pub sender_name: String,
    /// The sharer's e-mail address.
    pub sender_email: String,
    /// The sharer's personal message, shown only when present.
    pub personal_message: Option<String>,
    /// The workflows shared.
    pub workflows: Vec<SharedWorkflow>,
    /// The magic-link URL behind the "Access workflows now" button.
    pub link: String,
    /// The 8-character verification code.
    pub code: String,
    /// When the link and code expire, already formatted for the locale.
    pub expires_on: String,
    /// The external site's URL, where an e-mail address and the code can be entered.
    pub site_url: String,
}

/// The data of the [`CONTACT_ACTIVATION`] message: someone gave a contact access to an
/// account's client portal, and the contact follows the link to choose a password.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ContactActivationEmail {
    /// The contact, as their name is shown in the greeting.
    pub contact_name: String,
    /// Who gave the access, as their name is shown.
    pub granted_by: String,
    /// The account whose client portal the contact may use.
    pub account_name: String,
    /// The access level: `"basic"` or `"advanced"` (any other value reads as basic).
    pub access: String,
    /// The activation URL behind the "Activate access" button.
    pub link: String,
    /// When the link expires, already formatted for the locale.
    pub expires_on: String,
}

/// The data of the [`USER_INVITATION`] message: a bulk import added a person to an app of an
/// account, and the person follows the link to choose a password and sign in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UserInvitationEmail {
    /// The person, as their name is shown in the greeting (their display name, else their
    /// e-mail address).
    pub user_name: String,
    /// Who imported them, as their name is shown.
    pub invited_by: String,
    /// The account the app belongs to.
    pub account_name: String,
    /// The app they were added to.
    pub app_name: String,
    /// Their type in the app: `"administrator"`, `"manager"`, `"staff"`, `"user"` or `"bot"`
    /// (any other value reads as staff).
    pub user_type: String,
    /// The URL behind the "Choose your password" button.
    pub link: String,
    /// When the link expires, already formatted for the locale.
    pub expires_on: String,
}

/// The data of the [`TASK_NOTIFICATION`] message. Its subject is `[<project>] <task>` in
/// every locale, so a mail client threads the notifications of one task; the body says what
/// happened, asks the reader to reply to the e-mail to comment, and links the task when
/// [`task_url`](TaskNotificationEmail::task_url) is set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TaskNotificationEmail {
    /// The project's name.
    pub project: String,
    /// The task's title.
    pub task: String,
    /// Who did it, as their name is shown.
    pub actor: String,
    /// What happened: `"comment"` (a new comment, its text in `comment`), `"assigned"` (the
    /// task was assigned to `assignee`; `None` there means it was unassigned) or `"status"`
    /// (the status changed to `status`). Any other value says only that the task changed.
    pub event: String,
    /// The new comment's text, for `"comment"`.
    pub comment: Option<String>,
    /// The new status, already translated, for `"status"`.
    pub status: Option<String>,
    /// The new assignee's name, for `"assigned"`.
    pub assignee: Option<String>,
    /// The task's page; `None` for recipients who only take part by e-mail.
    pub task_url: Option<String>,
}

/// The data of the [`AUTOMATION_NOTICE`] message: an automation of the user could not be
/// activated or paused itself. The subject names the automation and what happened; the body
/// explains it (listing the problems found, or naming the failing step), says that the user
/// can run the diagnostics and activate the automation again once it is fixed, and links its
/// troubleshooting page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AutomationNoticeEmail {
    /// The user it is for, as their name is shown.
    pub user_name: String,
    /// The automation's name.
    pub automation_name: String,
    /// What happened: `"activation_refused"` (the diagnostics found problems, listed in
    /// `problems`, so the automation could not be activated) or `"paused"` (it paused itself
    /// for the user after nearly every run in 7 days failed; `failing_step` names the step
    /// that failed most). Any other value says only that the automation needs attention.
    pub reason: String,
    /// The problems found, each already a sentence with its fix (for `"activation_refused"`).
    pub problems: Vec<String>,
    /// The failing step, e.g. `"step 2 (call_webhook)"` (for `"paused"`).
    pub failing_step: Option<String>,
    /// The troubleshooting page of the automation.
    pub link: String,
}

/// The compiled templates of every message and locale.
#[derive(Debug)]
pub struct Templates {
    /// Subjects and text bodies: nothing escaped.
    plain: Handlebars<'static>,
    /// HTML bodies: `{{value}}` HTML-escaped.
    html: Handlebars<'static>,
}

impl Templates {
    /// The embedded templates.
    ///
    /// ```
    /// use tessera_mail::{InvitationEmail, SharedWorkflow, Templates, INVITATION};
    ///
    /// let templates = Templates::embedded().unwrap();
    /// let data = InvitationEmail {
    ///     sender_name: "Ana Pop".into(),
    ///     sender_email: "ana@example.com".into(),
    ///     personal_message: None,
    ///     workflows: vec![SharedWorkflow {
    ///         title: "Onboarding".into(),
    ///         business_domain: "HR".into(),
    ///         description: String::new(),
    ///     }],
    ///     link: "https://share.example.com/i/abc".into(),
    ///     code: "ZW014D2P".into(),
    ///     expires_on: "14 March 2027".into(),
    ///     site_url: "https://share.example.com".into(),
    /// };
    /// let mail = templates.render(INVITATION, "en-GB", &data).unwrap();
    /// assert_eq!(mail.subject, "Ana Pop shared workflows with you");
    /// assert!(mail.text.contains("\nhttps://share.example.com/i/abc\n"));
    /// ```
    pub fn embedded() -> Result<Self, MailError> {
        Self::compile(
            EMBEDDED
                .iter()
                .map(|(name, source)| (*name, (*source).to_owned())),
        )
    }

    /// The embedded templates, with every file under `dir` replacing the embedded template
    /// of the same relative path (e.g. `dir/de/invitation.html.hbs`). A file that replaces
    /// no embedded template is an error naming it, so a misspelt override is not silently
    /// ignored.
    pub fn with_overrides(dir: &Path) -> Result<Self, MailError> {
        let mut sources: BTreeMap<&'static str, String> = EMBEDDED
            .iter()
            .map(|(name, source)| (*name, (*source).to_owned()))
            .collect();
        for relative in files_under(dir)? {
            let known = relative
                .to_str()
                .map(|path| path.replace(std::path::MAIN_SEPARATOR, "/"))
                .and_then(|path| EMBEDDED.iter().find(|(name, _)| *name == path))
                .map(|(name, _)| *name);
            let Some(name) = known else {
                return Err(MailError::UnknownOverride { path: relative });
            };
            let path = dir.join(&relative);
            let source =
                fs::read_to_string(&path).map_err(|source| MailError::Io { path, source })?;
            sources.insert(name, source);
        }
        Self::compile(sources.into_iter())
    }

    /// Compiles templates given as (relative path, source) into the two registries.
    fn compile(sources: impl Iterator<Item = (&'static str, String)>) -> Result<Self, MailError> {
        let mut plain = Handlebars::new();
        plain.set_strict_mode(true);
        plain.register_escape_fn(handlebars::no_escape);
        let mut html = Handlebars::new();
        html.set_strict_mode(true);
        for (name, source) in sources {
            let registry = match Part::of(name) {
                Part::Html => &mut html,
                Part::Subject | Part::Text => &mut plain,
            };
            registry
                .register_template_string(name, source)
                .map_err(|error| MailError::TemplateSyntax {
                    name: name.to_owned(),
                    reason: error.to_string(),
                })?;
        }
        Ok(Templates { plain, html })
    }

    /// Renders `message` in `locale` (see [`resolve_locale`]: unknown or empty locales fall
    /// back to [`DEFAULT_LOCALE`]) with `data`. Fails on an unknown message and on data that
    /// lacks a variable a template uses.
    pub fn render(
        &self,
        message: &str,
        locale: &str,
        data: &impl Serialize,
    ) -> Result<RenderedMessage, MailError> {
        if !MESSAGES.contains(&message) {
            return Err(MailError::UnknownMessage {
                message: message.to_owned(),
            });
        }
        let locale = resolve_locale(locale);
        let data = handlebars::to_json(data);
        let render = |part: Part| {
            let name = template_name(locale, message, part);
            let registry = match part {
                Part::Html => &self.html,
                Part::Subject | Part::Text => &self.plain,
            };
            registry
                .render(&name, &data)
                .map_err(|error| MailError::Render {
                    name,
                    reason: error.to_string(),
                })
        };
        let subject = render(Part::Subject)?
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        let mut text = render(Part::Text)?.trim_end().to_owned();
        text.push('\n');
        Ok(RenderedMessage {
            subject,
            text,
            html: render(Part::Html)?,
        })
    }
}

/// Every file under `dir`, recursively, as paths relative to `dir`, sorted.
fn files_under(dir: &Path) -> Result<Vec<PathBuf>, MailError> {
    let mut files = Vec::new();
    let mut pending = vec![PathBuf::new()];
    while let Some(relative) = pending.pop() {
        let path = dir.join(&relative);
        let io = |source| MailError::Io {
            path: path.clone(),
            source,
        };
        for entry in fs::read_dir(&path).map_err(io)? {
            let entry = entry.map_err(io)?;
            let child = relative.join(entry.file_name());
            let is_dir = fs::metadata(entry.path())
                .map_err(|source| MailError::Io {
                    path: entry.path(),
                    source,
                })?
                .is_dir();
            if is_dir {
                pending.push(child);
            } else {
                files.push(child);
            }
        }
    }
    files.sort();
    Ok(files)
}
