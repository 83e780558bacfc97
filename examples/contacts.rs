//! Contacts from Rust, with no web server: a client company and one of its people, access
//! granted and activated from the e-mailed link, a project with the company as counterparty,
//! a task the client creates for the client manager, a comment mailed to the client with a
//! reply key, and the client's reply by e-mail turned into a comment. Run with
//! `cargo run --example contacts`.

use std::error::Error;

use tessera::contacts::{Access, ContactKind};
use tessera::mail::FileMailer;
use tessera::service::contacts::NewContact;
use tessera::service::inbound::InboundOutcome;
use tessera::service::outbox::OutboxOptions;
use tessera::service::projects::NewProject;
use tessera::service::{Tessera, new_key};
use tessera::store::{DatabaseUrl, DieselStore};

/// The text after `marker` in `text`, up to the first character that cannot be in a token.
fn after<'a>(text: &'a str, marker: &str) -> Option<&'a str> {
    let start = text.find(marker)? + marker.len();
    let rest = &text[start..];
    let end = rest
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_'))
        .unwrap_or(rest.len());
    Some(&rest[..end])
}

/// Every e-mail written so far, unfolded (quoted-printable soft breaks removed).
fn emails(dir: &std::path::Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .filter_map(|entry| std::fs::read_to_string(entry.path()).ok())
                .map(|raw| raw.replace("=\r\n", "").replace("\r\n", "\n"))
                .collect()
        })
        .unwrap_or_default()
}

fn main() -> Result<(), Box<dyn Error>> {
    let dir = std::env::temp_dir().join(format!("tessera-contacts-example-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let outbox = dir.join("outbox");
    let url = DatabaseUrl::parse(&format!("sqlite://{}", dir.join("tessera.db").display()))?;
    let (store, _) = DieselStore::open(&url, 4)?;
    let tessera = Tessera::builder(store, new_key(), FileMailer::new(&outbox))
        .public_url("https://tessera.example")
        .mail_from("Acme Studio <studio@acme.example>")
        .reply_domain("reply.acme.example")
        .build()?;
    let deliver = || tessera.deliver_due(&OutboxOptions::default());

    let account = tessera
        .bootstrap("admin@acme.example", None)?
        .ok_or("the database already had an account")?;
    let admin = tessera.act_as(account.account, account.admin, None)?;

    // A client company and one of its people; access for her, which mails an activation link.
    let globex = tessera.create_contact(
        &admin,
        NewContact {
            kind: ContactKind::Company,
            company: None,
            name: "Globex".into(),
            email: None,
            locale: None,
        },
    )?;
    let ana = tessera.create_contact(
        &admin,
        NewContact {
            kind: ContactKind::Person,
            company: Some(globex.id),
            name: "Ana Pop".into(),
            email: Some("ana@globex.example".into()),
            locale: Some("ro".into()),
        },
    )?;
    let granted = tessera.set_contact_access(&admin, ana.id, Access::Basic)?;
    println!("access for {}: {}", ana.name, granted.change);
    deliver()?;
    let token = emails(&outbox)
        .iter()
        .find_map(|mail| after(mail, "/c/activate/").map(str::to_owned))
        .ok_or("no activation e-mail")?;

    // Ana follows the link and chooses a password; then she signs in to the portal.
    tessera.activate_contact(&token, "globex-ana-password-1", None)?;
    let session = tessera.contact_sign_in("ana@globex.example", "globex-ana-password-1", None)?;
    let portal = tessera.authenticate_contact(&session.secret, None)?;

    // A project with Globex on the other side: Ana sees it, and asks the client manager for
    // something.
    let project = tessera.create_project(
        &admin,
        NewProject {
            name: "Globex website".into(),
            counterparty: Some(globex.id),
            client_manager: Some(account.admin),
            ..NewProject::default()
        },
    )?;
    let seen: Vec<String> = tessera
        .portal_projects(&portal)?
        .into_iter()
        .map(|p| p.name)
        .collect();
    println!("Ana sees: {seen:?}");
    let task =
        tessera.portal_create_task(&portal, project.id, "New logo", "Bigger, please.", None)?;

    // The studio answers; the comment is mailed to Ana with her reply key in Reply-To.
    tessera.comment(&admin, task.id, "Which colour do you prefer?")?;
    deliver()?;
    let reply_to = emails(&outbox)
        .iter()
        .filter(|mail| mail.contains("Which colour"))
        .find_map(|mail| {
            after(mail, "Reply-To: reply+").map(|key| format!("reply+{key}@reply.acme.example"))
        })
        .ok_or("no task e-mail with a reply address")?;
    println!("Ana's e-mail says: reply to {reply_to}");

    // Ana replies from her mail client; the MTA pipes the message to the service.
    let reply = format!(
        "From: Ana Pop <ana@globex.example>\r\nTo: {reply_to}\r\nSubject: Re: New logo\r\n\r\nBlue, like our old one.\r\n\r\nOn Mon, 30 Nov 2026, Acme Studio wrote:\r\n> Which colour do you prefer?\r\n"
    );
    match tessera.receive_reply(&tessera.local_inbound(), reply.as_bytes())? {
        InboundOutcome::Commented { .. } => println!("the reply became a comment"),
        InboundOutcome::Dropped { reason } => return Err(format!("reply dropped: {reason}").into()),
    }
    for comment in tessera.portal_comments(&portal, task.id)? {
        println!("  [{}] {}", comment.via.as_str(), comment.body);
    }
    std::fs::remove_dir_all(&dir)?;
    Ok(())
}
