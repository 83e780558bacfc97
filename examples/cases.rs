//! Apps and cases from Rust, with no web server: the sample app every account starts with, a
//! new app and its first case, a custom case role, users imported from CSV (new people are
//! invited by e-mail to choose a password), a case-scoped check with its explanation, the
//! Administrator who cannot be changed, and the seat count. Run with
//! `cargo run --example cases`.

use std::error::Error;

use tessera::access::Level;
use tessera::access::{FeaturePath, Setting};
use tessera::contacts::cases::{AppUserType, CLIENT_CASE_ROLE};
use tessera::mail::FileMailer;
use tessera::service::import::Importer;
use tessera::service::outbox::OutboxOptions;
use tessera::service::{Tessera, new_key};
use tessera::store::{DatabaseUrl, DieselStore};

fn main() -> Result<(), Box<dyn Error>> {
    let dir = std::env::temp_dir().join(format!("tessera-cases-example-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let url = DatabaseUrl::parse(&format!("sqlite://{}", dir.join("tessera.db").display()))?;
    let (store, _) = DieselStore::open(&url, 4)?;
    let tessera = Tessera::builder(store, new_key(), FileMailer::new(dir.join("outbox")))
        .public_url("https://tessera.example")
        .build()?;
    let account = tessera
        .bootstrap("admin@acme.example", None)?
        .ok_or("the database already had an account")?;
    let admin = tessera.act_as(account.account, account.admin, None)?;

    let sample = tessera.apps(&admin)?;
    println!(
        "a new account has: {:?}",
        sample.iter().map(|a| &a.name).collect::<Vec<_>>()
    );
    let claims = tessera.create_app(&admin, "Claims")?;
    println!(
        "app {} starts with case {:?}",
        claims.app.name, claims.first_case.title
    );
    let app = claims.app.id;

    // A custom case role: reads the whole case, writes the notes.
    let settings = [("case", Setting::Read), ("case/notes", Setting::Write)]
        .into_iter()
        .map(|(path, setting)| Ok((FeaturePath::parse(path)?, setting)))
        .collect::<Result<_, tessera::access::AccessError>>()?;
    let reviewer = tessera.create_case_role(&admin, app, "Reviewer", settings)?;

    // Users from CSV: new people join the account as "Analytics Access" and get an invitation.
    let csv = "email,name,user_type,case,case_role\n\
               ana@client.example,Ana Pop,user,First case,Client\n\
               rex@acme.example,Rex,staff,First case,Reviewer\n\
               not-an-address,Nobody,staff,,\n";
    let report = tessera.import_app_users(
        Importer::Caller(&admin),
        app,
        csv.as_bytes(),
        Some("Analytics Access"),
        &mut |_, _| {},
    )?;
    for row in &report.rows {
        println!(
            "  line {} {:<20} {}",
            row.line,
            row.email,
            row.status.as_str()
        );
    }
    let delivered = tessera.deliver_due(&OutboxOptions::default())?;
    println!("invitations mailed: {}", delivered.total());

    // Ana is a Client of the first case: she may write in the feed, never read the notes.
    let users = tessera.app_users(&admin, app)?;
    let ana = users
        .iter()
        .find(|u| u.email == "ana@client.example")
        .ok_or("Ana was not imported")?;
    let case = claims.first_case.id;
    let feed = tessera.case_check(&admin, case, ana.user, "case/feed", Level::Modify)?;
    let notes = tessera.case_check(&admin, case, ana.user, "case/notes", Level::Read)?;
    let role = match feed.case_role {
        Some(CLIENT_CASE_ROLE) => "Client",
        _ => "another",
    };
    println!(
        "Ana: feed modify {}, notes read {} (case role {role})",
        feed.allowed, notes.allowed
    );
    let why = tessera.case_explain(&admin, case, ana.user, "case/notes")?;
    println!("why: {}", why.summary);
    println!("the Reviewer role is {}", reviewer.name);

    // The Administrator (the app's creator) cannot be changed.
    let refused = tessera.set_app_user(&admin, app, account.admin, AppUserType::Staff);
    println!(
        "changing the Administrator: {}",
        refused.err().map(|e| e.to_string()).unwrap_or_default()
    );

    let seats = tessera.seats(&admin)?;
    println!("billable seats: {} (Ana is a user: not billed)", seats.used);
    std::fs::remove_dir_all(&dir)?;
    Ok(())
}
