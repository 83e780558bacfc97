//! What the server does besides serving: the first start's account, and
//! `tessera-server account …` — accounts from the command line, through the same service
//! calls as the operator's API.

use tessera_service::{NewAccount, Tessera};

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
