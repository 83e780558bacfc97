//! What the server does besides serving: the first start's account, and
//! `tessera-server account …` — accounts from the command line, through the same service
//! calls as the operator's API.

use tessera_service::inbound::InboundOutcome;
use tessera_service::{NewAccount, ServiceError, Tessera};

use crate::options::{AccountCommand, Error, Options};

/// On an empty database, creates the first account and its Admin, logging the one-time
/// password when it was generated.
pub fn bootstrap(tessera: &Tessera, options: &Options) -> Result<(), Error> {
    let password = options.bootstrap_admin_password.as_deref();
    let Some(created) = tessera.bootstrap(&options.bootstrap_admin_email, password)? else {
        return Ok(());
    };
    match created.generated_password {
        Some(password) => tracing::warn!(email = %created.admin_email, %password,
            "first start: created the Admin with this one-time password; it must be changed at first sign-in"),
        None => tracing::info!(email = %created.admin_email, "first start: created the Admin"),
    }
    Ok(())
}

/// Reads one message from standard input and hands it to the service as a reply; exits the
/// process with 0 (commented or dropped), 75 when it should be tried again, 1 otherwise.
pub fn inbound(tessera: &Tessera) -> ! {
    use std::io::Read;
    let mut raw = Vec::new();
    let limit = tessera_service::inbound::MAX_INBOUND_BYTES as u64 + 1;
    if let Err(error) = std::io::stdin().take(limit).read_to_end(&mut raw) {
        eprintln!("cannot read the message: {error}");
        std::process::exit(74);
    }
    match tessera.receive_reply(&tessera.local_inbound(), &raw) {
        Ok(InboundOutcome::Commented { task, comment, .. }) => {
            println!("commented: task {task}, comment {comment}");
            std::process::exit(0)
        }
        Ok(InboundOutcome::Dropped { reason }) => {
            println!("dropped: {reason}");
            std::process::exit(0)
        }
        Err(error @ ServiceError::Storage(tessera_service::StorageError::Unavailable(_))) => {
            eprintln!("try again later: {error}");
            std::process::exit(75)
        }
        Err(error) => {
            eprintln!("{error}");
            std::process::exit(1)
        }
    }
}

/// Runs an account command, printing what it made or found.
pub fn account(tessera: &Tessera, command: AccountCommand) -> Result<(), Error> {
    match command {
        AccountCommand::Create {
            name,
            admin_email,
            admin_name,
        } => {
            let created = tessera.create_account(NewAccount {
                name,
                apps: Vec::new(),
                environments: vec!["test".to_owned(), "production".to_owned()],
                admin_email,
                admin_display_name: admin_name,
                admin_password: None,
                must_change_password: true,
            })?;
            println!("account {} ({})", created.account, created.record.name);
            println!("admin {} <{}>", created.admin, created.admin_email);
            if let Some(password) = created.generated_password {
                println!("one-time password: {password} (must be changed at first sign-in)");
            }
        }
        AccountCommand::List => {
            for account in tessera.accounts()? {
                println!(
                    "{}\t{}\t{}",
                    account.id,
                    account.created_at.format("%Y-%m-%d %H:%M UTC"),
                    account.name
                );
            }
        }
    }
    Ok(())
}
