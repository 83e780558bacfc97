//! Sending through the file mailer and, for real, through a tiny SMTP server in the test.

#![allow(
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::panic,
    reason = "tests fail loudly"
)]

mod common;

use std::net::TcpListener;
use std::time::Duration;

use common::{CODE, LINK, invitation, parse, scratch_dir};
use tessera_mail::testing::SmtpSink;
use tessera_mail::{
    Delivery, Envelope, FileMailer, INVITATION, MailError, Mailer, SmtpMailer, Templates,
};

const MESSAGE_ID: &str = "0191b0c4-7d3e-7000-8000-00000000002a@tessera";
const REPLY_TO: &str = "reply+k3y-01@tessera.example";

fn envelope(locale: &str) -> Envelope {
    let rendered = Templates::embedded()
        .unwrap()
        .render(
            INVITATION,
            locale,
            &invitation(Some("Bitte bis Freitag prüfen <3")),
        )
        .unwrap();
    Envelope {
        message_id: MESSAGE_ID.into(),
        from: "Tessera <no-reply@tessera.example>".into(),
        to: "bo@example.org".into(),
        reply_to: Some(REPLY_TO.into()),
        rendered,
    }
}

/// Checks a raw message as written or received: headers, both parts, link and code.
fn assert_invitation(raw: &str, subject: &str) {
    let parsed = parse(raw);
    assert_eq!(
        parsed.header("Message-ID").as_deref(),
        Some(format!("<{MESSAGE_ID}>").as_str())
    );
    assert_eq!(parsed.header("Subject").as_deref(), Some(subject));
    assert_eq!(parsed.header("To").as_deref(), Some("bo@example.org"));
    assert!(
        parsed
            .header("From")
            .unwrap()
            .contains("<no-reply@tessera.example>")
    );
    assert!(parsed.header("Date").is_some());
    assert_eq!(parsed.reply_to().as_deref(), Some(REPLY_TO));
    assert!(
        parsed
            .header("Content-Type")
            .unwrap()
            .starts_with("multipart/alternative"),
        "{parsed:?}"
    );
    let text = parsed.part("text/plain").expect("a text part");
    let html = parsed.part("text/html").expect("an html part");
    for (name, part) in [("text", text), ("html", html)] {
        assert!(part.contains(LINK), "{name} lacks the link");
        assert!(part.contains(CODE), "{name} lacks the code");
    }
    assert!(text.contains("Bitte bis Freitag prüfen <3"));
    assert!(html.contains("Bitte bis Freitag prüfen &lt;3"));
    assert!(html.contains(&format!("<a href=\"{LINK}\"")));
    let charset = |mime: &str| {
        parsed
            .parts
            .iter()
            .find(|(content_type, _)| content_type.starts_with(mime))
            .map(|(content_type, _)| content_type.to_ascii_lowercase())
            .unwrap()
    };
    assert!(charset("text/plain").contains("charset=utf-8"));
    assert!(charset("text/html").contains("charset=utf-8"));
}

#[test]
fn the_file_mailer_writes_one_eml_per_message_id() {
    let dir = scratch_dir("file-mailer").join("outbox");
    let mailer = FileMailer::new(&dir);
    let envelope = envelope("de");
    assert_eq!(mailer.send(&envelope).unwrap(), Delivery::Accepted);
    assert_eq!(
        mailer.send(&envelope).unwrap(),
        Delivery::Accepted,
        "a retry"
    );

    let files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().into_string().unwrap())
        .collect();
    assert_eq!(
        files,
        vec![format!("{MESSAGE_ID}.eml")],
        "one file, no temporaries"
    );
    let path = mailer.path_for(MESSAGE_ID);
    assert_eq!(path, dir.join(format!("{MESSAGE_ID}.eml")));
    let raw = std::fs::read_to_string(&path).unwrap();
    assert_invitation(&raw, "Ana Pop hat Workflows mit Ihnen geteilt");

    let romanian = crate::envelope("ro");
    mailer.send(&romanian).unwrap();
    let raw = std::fs::read_to_string(&path).unwrap();
    assert_invitation(&raw, "Ana Pop a partajat fluxuri de lucru cu dumneavoastră");

    let mut other = envelope.clone();
    other.message_id = "another/id@tessera".into();
    mailer.send(&other).unwrap();
    assert!(dir.join("another_id@tessera.eml").is_file());
    std::fs::remove_dir_all(dir.parent().unwrap()).unwrap();
}

#[test]
fn bad_envelopes_are_refused_before_sending() {
    let dir = scratch_dir("file-mailer-bad");
    let mailer = FileMailer::new(&dir);
    let mut bad_id = envelope("en");
    bad_id.message_id = format!("<{MESSAGE_ID}>");
    assert!(matches!(
        mailer.send(&bad_id),
        Err(MailError::InvalidMessageId { .. })
    ));
    let mut bad_to = envelope("en");
    bad_to.to = "not an address".into();
    let error = mailer.send(&bad_to).unwrap_err();
    assert!(
        matches!(&error, MailError::InvalidAddress { address, .. } if address == "not an address")
    );
    assert!(
        error
            .to_string()
            .starts_with("`not an address` is not an e-mail address")
    );
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 0);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn reply_to_is_optional_and_checked() {
    let mut envelope = envelope("en");
    envelope.reply_to = None;
    let raw = String::from_utf8(envelope.message().unwrap().formatted()).unwrap();
    assert_eq!(parse(&raw).reply_to(), None);
    assert!(!raw.contains("Reply-To"));

    envelope.reply_to = Some("Tessera <reply+abc@tessera.example>".into());
    let raw = String::from_utf8(envelope.message().unwrap().formatted()).unwrap();
    assert_eq!(
        parse(&raw).reply_to().as_deref(),
        Some("Tessera <reply+abc@tessera.example>")
    );
    // What we send reads back through the inbound parser.
    let inbound = tessera_mail::parse_inbound(raw.as_bytes()).unwrap();
    assert_eq!(inbound.from, "no-reply@tessera.example");
    assert_eq!(inbound.message_id.as_deref(), Some(MESSAGE_ID));
    assert_eq!(inbound.subject, "Ana Pop shared workflows with you");
    assert_eq!(inbound.automatic, None);
    assert!(inbound.reply_keys.is_empty());
    assert_eq!(inbound.body, envelope.rendered.text.trim_end());

    envelope.reply_to = Some("not an address".into());
    assert!(matches!(
        envelope.message(),
        Err(MailError::InvalidAddress { address, .. }) if address == "not an address"
    ));
}

#[test]
fn smtp_delivers_the_message_with_its_id() {
    let sink = SmtpSink::start().unwrap();
    let mailer = SmtpMailer::from_url(&sink.url()).unwrap();
    let envelope = envelope("en");
    assert_eq!(mailer.send(&envelope).unwrap(), Delivery::Accepted);
    let raw = sink.messages().remove(0);
    assert_invitation(&raw, "Ana Pop shared workflows with you");

    assert_eq!(
        mailer.send(&envelope).unwrap(),
        Delivery::Accepted,
        "a retry"
    );
    let retried = sink.wait_for(2, Duration::from_secs(10)).remove(1);
    assert_eq!(
        parse(&retried).header("Message-ID"),
        parse(&raw).header("Message-ID"),
        "a retry keeps the Message-ID"
    );
}

#[test]
fn smtp_5xx_is_a_permanent_rejection() {
    let sink =
        SmtpSink::start_with("550 5.1.1 <bo@example.org>: no such user", Duration::ZERO).unwrap();
    let mailer = SmtpMailer::from_url(&sink.url()).unwrap();
    let delivery = mailer.send(&envelope("en")).unwrap();
    let Delivery::Rejected { permanent, reason } = delivery else {
        panic!("expected a rejection, got {delivery:?}");
    };
    assert!(permanent);
    assert!(reason.contains("no such user"), "{reason}");
    assert!(sink.messages().is_empty(), "no message was sent");
}

#[test]
fn smtp_4xx_is_a_temporary_rejection() {
    let sink = SmtpSink::start_with("451 4.3.0 try again later", Duration::ZERO).unwrap();
    let mailer = SmtpMailer::from_url(&sink.url()).unwrap();
    let delivery = mailer.send(&envelope("en")).unwrap();
    assert!(
        matches!(&delivery, Delivery::Rejected { permanent: false, reason } if reason.contains("try again")),
        "{delivery:?}"
    );
}

#[test]
fn an_unreachable_server_is_a_transport_error() {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mailer = SmtpMailer::from_url(&format!("smtp://127.0.0.1:{port}")).unwrap();
    let error = mailer.send(&envelope("en")).unwrap_err();
    assert!(matches!(error, MailError::Transport { .. }), "{error:?}");
}

#[test]
fn smtp_urls_are_checked_and_passwords_hidden() {
    for url in [
        "smtp://127.0.0.1:2525",
        "smtps://user:p%40ss@mail.example.com:465",
        "smtp+starttls://user:pass@mail.example.com:587",
        "smtp+starttls://mail.example.com",
    ] {
        SmtpMailer::from_url(url).unwrap_or_else(|error| panic!("{url}: {error}"));
    }
    let mailer = SmtpMailer::from_url("smtps://user:hunter2@mail.example.com").unwrap();
    assert!(!format!("{mailer:?}").contains("hunter2"));
    for url in [
        "mail.example.com",
        "http://user:hunter2@mail.example.com",
        "smtp://",
    ] {
        let error = SmtpMailer::from_url(url).unwrap_err();
        assert!(
            matches!(error, MailError::InvalidUrl { .. }),
            "{url}: {error:?}"
        );
        assert!(!error.to_string().contains("hunter2"), "{error}");
    }
}
