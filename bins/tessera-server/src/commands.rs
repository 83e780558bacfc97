//! What the server does besides serving: the first start's account,
//! `tessera-server account …` — accounts from the command line, through the same service
//! calls as the operator's API — and `tessera-server import users …`.

use tessera_service::inbound::InboundOutcome;
use tessera_service::{NewAccount, ServiceError, Tessera};

use crate::options::{AccountCommand, Error, ImportCommand, Options};

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

/// Runs an import with a progress bar on standard error and the report, as a table, on
/// standard output; exits 0 when every row was imported, 2 when some were skipped, 1 when
/// the file was refused.
pub fn import(tessera: &Tessera, command: ImportCommand) -> ! {
    let ImportCommand::Users {
        app,
        account_role,
        file,
    } = command;
    let data = match std::fs::read(&file) {
        Ok(data) => data,
        Err(error) => {
            eprintln!("cannot read {}: {error}", file.display());
            std::process::exit(1)
        }
    };
    let bar = indicatif::ProgressBar::new(0).with_style(
        indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} writes {elapsed}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let mut progress = |done: usize, total: usize| {
        bar.set_length(total as u64);
        bar.set_position(done as u64);
    };
    let importer = tessera_service::import::Importer::Operator;
    let imported =
        tessera.import_app_users(importer, app, &data, account_role.as_deref(), &mut progress);
    bar.finish_and_clear();
    match imported {
        Ok(report) => {
            print!("{}", report_table(&report));
            std::process::exit(if report.skipped > 0 { 2 } else { 0 })
        }
        Err(error) => {
            eprintln!("{error}");
            std::process::exit(1)
        }
    }
}

/// The report of an import as an aligned table, then its counts.
fn report_table(report: &tessera_service::import::ImportReport) -> String {
    use tessera_contacts::import::RowStatus;
    let rows: Vec<[String; 4]> = report
        .rows
        .iter()
        .map(|row| {
            let reason = match &row.status {
                RowStatus::Skipped(reason) => reason.to_string(),
                _ => String::new(),
            };
            [
                row.line.to_string(),
                row.email.clone(),
                row.status.as_str().to_owned(),
                reason,
            ]
        })
        .collect();
    let header = ["LINE", "EMAIL", "STATUS", "REASON"].map(str::to_owned);
    let mut widths = header.clone().map(|h| h.chars().count());
    for row in &rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    for row in std::iter::once(&header).chain(&rows) {
        let line: Vec<String> = row
            .iter()
            .zip(widths)
            .map(|(cell, width)| format!("{cell:<width$}"))
            .collect();
        out.push_str(line.join("  ").trim_end());
        out.push('\n');
    }
    out.push_str(&format!(
        "{} created, {} updated, {} unchanged, {} skipped; {} invited; seats {}{}\n",
        report.created,
        report.updated,
        report.unchanged,
        report.skipped,
        report.invited,
        report.seats_used,
        report
            .seat_limit
            .map(|limit| format!(" of {limit}"))
            .unwrap_or_default(),
    ));
    out
}
