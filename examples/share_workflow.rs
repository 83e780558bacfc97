//! Sharing a workflow from Rust, with no web server: the service over SQLite in a temporary
//! folder, a share to two addresses, the e-mails written as `.eml` files, the link and code
//! read from one of them, and the recipient's side — the code verified, the shared workflows
//! listed. Run with `cargo run --example share_workflow`.

use std::error::Error;

use tessera::mail::FileMailer;
use tessera::service::outbox::OutboxOptions;
use tessera::service::sharing::ShareRequest;
use tessera::service::{Tessera, new_key};
use tessera::store::{DatabaseUrl, DieselStore};

fn main() -> Result<(), Box<dyn Error>> {
    let dir = std::env::temp_dir().join(format!("tessera-share-example-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let outbox = dir.join("outbox");

    // The service over SQLite: the store runs its migrations on open. The key signs links and
    // codes; keep it (here it is random, so this run's links work only in this run).
    let url = DatabaseUrl::parse(&format!("sqlite://{}", dir.join("tessera.db").display()))?;
    let (store, _) = DieselStore::open(&url, 4)?;
    let tessera = Tessera::builder(store, new_key(), FileMailer::new(&outbox))
        .public_url("https://tessera.example")
        .build()?;

    // A first account with its Admin and a demo catalog; the embedding application vouches
    // for its own users, so it acts as the Admin without a Tessera session.
    let account = tessera
        .bootstrap("admin@example.com", None)?
        .ok_or("the database already had an account")?;
    let admin = tessera.act_as(account.account, account.admin, None)?;

    let workflow = tessera
        .items(&admin)?
        .into_iter()
        .find(|item| item.external_id == "demo-supplier-onboarding")
        .ok_or("the demo catalog has no supplier onboarding")?;
    let share = tessera.share(
        &admin,
        ShareRequest {
            items: vec![workflow.item.id],
            recipients: vec!["ana@example.com".into(), "bob@example.com".into()],
            message: Some("Here is how we onboard suppliers.".into()),
            ..ShareRequest::default()
        },
    )?;
    println!(
        "shared `{}` with {} recipients",
        workflow.item.title,
        share.invitations.len()
    );

    // The outbox: what the workers do every second, done once here.
    let delivered = tessera.deliver_due(&OutboxOptions::default())?;
    println!("delivered: {delivered:?}");
    let mut files: Vec<_> = std::fs::read_dir(&outbox)?
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .collect();
    files.sort();
    for file in &files {
        println!("wrote {}", file.display());
    }

    // Ana's e-mail: its link and code.
    let (link, code) = files
        .iter()
        .filter_map(|file| std::fs::read_to_string(file).ok())
        .filter_map(|raw| tessera::mail::testing::parse(&raw))
        .find(|mail| mail.header("To").is_some_and(|to| to.contains("ana@")))
        .and_then(|mail| link_and_code(mail.part("text/plain")?))
        .ok_or("no e-mail to ana@example.com")?;
    println!("ana's link: {link}");
    println!("ana's code: {code}");

    // Ana types her code on the external site: a read-only session on what was shared.
    let session = tessera
        .verify_code("ana@example.com", &code, None)?
        .ok_or("the code was refused")?;
    let shared = tessera
        .shared_workflows(&session.secret)?
        .ok_or("the session shows nothing")?;
    for (domain, workflows) in &shared.domains {
        for workflow in workflows {
            println!("ana sees [{domain}] {}", workflow.title);
        }
    }

    std::fs::remove_dir_all(&dir)?;
    Ok(())
}

/// The "Access workflows now" link and the verification code of an invitation's text body.
fn link_and_code(text: &str) -> Option<(String, String)> {
    let link = text
        .lines()
        .find(|line| line.contains("/x/"))?
        .trim()
        .to_owned();
    let lines: Vec<&str> = text.lines().collect();
    let after = lines
        .iter()
        .position(|line| line.contains("verification code"))?;
    let code = lines[after + 1..]
        .iter()
        .map(|line| line.trim())
        .find(|line| !line.is_empty())?
        .to_owned();
    Some((link, code))
}
