//! The server's options (flags and `TESSERA_*` environment variables), and what they build:
//! the server key, the mailer, the templates.

use std::path::{Path, PathBuf};

use clap::{Parser, Subcommand};
use tessera_core::SecretKey;
use tessera_mail::{FileMailer, Mailer, SmtpMailer, Templates};
use tessera_service::{Tessera, WorkerOptions};
use tessera_store::DieselStore;

/// Access control and sharing for SaaS products.
#[derive(Debug, Parser)]
#[command(version)]
pub struct Options {
    /// Database URL: `sqlite://<file>` (default: a file under ./data/) or `postgres://…`.
    #[arg(
        long,
        env = "TESSERA_DATABASE_URL",
        default_value = "sqlite://data/tessera.db"
    )]
    pub database_url: String,
    /// Address to listen on.
    #[arg(long, env = "TESSERA_BIND", default_value = "127.0.0.1:8080")]
    pub bind: String,
    /// The URL people reach the server at: links in e-mails point here, and cookies are
    /// `Secure` when it is https. Derived from the bind address when absent.
    #[arg(long, env = "TESSERA_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// The server key, 32 bytes in base64; generated once into ./data/secret.key when absent.
    #[arg(long, env = "TESSERA_SECRET_KEY", hide_env_values = true)]
    pub secret_key: Option<String>,
    /// E-mail of the first Admin, created on an empty database.
    #[arg(
        long,
        env = "TESSERA_BOOTSTRAP_ADMIN_EMAIL",
        default_value = "admin@localhost"
    )]
    pub bootstrap_admin_email: String,
    /// Password of the first Admin (generated and printed once when absent).
    #[arg(long, env = "TESSERA_BOOTSTRAP_ADMIN_PASSWORD", hide_env_values = true)]
    pub bootstrap_admin_password: Option<String>,
    /// SMTP server for outgoing e-mail (`smtp://host:port`, `smtps://user:pass@host`,
    /// `smtp+starttls://…`); without it e-mails are written as .eml files under
    /// `<data dir>/outbox/`.
    #[arg(long, env = "TESSERA_SMTP_URL", hide_env_values = true)]
    pub smtp_url: Option<String>,
    /// The sender of outgoing e-mail.
    #[arg(
        long,
        env = "TESSERA_MAIL_FROM",
        default_value = "Tessera <tessera@localhost>"
    )]
    pub mail_from: String,
    /// A directory whose templates replace the embedded ones (same relative paths).
    #[arg(long, env = "TESSERA_TEMPLATES_DIR")]
    pub templates_dir: Option<PathBuf>,
    /// Seconds a message claimed by a sender may stay unconfirmed before it is sent again
    /// with the same Message-ID (covers a sender killed mid-delivery).
    #[arg(long, env = "TESSERA_OUTBOX_LEASE_SECONDS", default_value_t = 120, value_parser = clap::value_parser!(u32).range(2..=86_400))]
    pub outbox_lease_seconds: u32,
    /// Directory for the default SQLite file and the generated key.
    #[arg(long, env = "TESSERA_DATA_DIR", default_value = "data")]
    pub data_dir: PathBuf,
    /// The operator's token (at least 32 characters): whoever presents it as a bearer token
    /// creates and lists accounts (`/v1/accounts`). Without it the operator endpoints answer
    /// 401; `tessera-server account …` works either way.
    #[arg(long, env = "TESSERA_OPERATOR_TOKEN", hide_env_values = true)]
    pub operator_token: Option<String>,
    /// The domain of the reply addresses in task e-mails (`reply+<key>@<domain>`); mail to
    /// it must reach `POST /v1/inbound/email` or `tessera-server inbound`. Default: the
    /// domain of `TESSERA_MAIL_FROM`.
    #[arg(long, env = "TESSERA_REPLY_DOMAIN")]
    pub reply_domain: Option<String>,
    /// The secret (at least 32 characters) an inbound-mail service presents in the
    /// `Tessera-Inbound-Secret` header of `POST /v1/inbound/email`. Without it that endpoint
    /// answers 401; `tessera-server inbound` works either way.
    #[arg(long, env = "TESSERA_INBOUND_SECRET", hide_env_values = true)]
    pub inbound_secret: Option<String>,
    /// Seconds a run taken by the automation runner may go unfinished before another
    /// runner takes it again (covers a server killed mid-run).
    #[arg(long, env = "TESSERA_RUNNER_LEASE_SECONDS", default_value_t = 60, value_parser = clap::value_parser!(u32).range(1..=86_400))]
    pub runner_lease_seconds: u32,
    /// Seconds an automation's webhook call may take.
    #[arg(long, env = "TESSERA_WEBHOOK_TIMEOUT_SECONDS", default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..=300))]
    pub webhook_timeout_seconds: u32,
    /// Lets automations' webhooks call loopback and private addresses (refused by default so
    /// an automation cannot reach services inside the server's network).
    #[arg(long, env = "TESSERA_WEBHOOKS_ALLOW_INTERNAL", default_value_t = false)]
    pub webhooks_allow_internal: bool,
    /// What to do.
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// What the server does.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run migrations, then serve (the default).
    Serve,
    /// Run migrations and exit.
    Migrate,
    /// Read one e-mail from standard input (an MTA's pipe transport) and turn the reply into a
    /// comment, or drop it; exits 0 either way, 75 (EX_TEMPFAIL) when the database cannot be
    /// reached so the MTA tries again.
    Inbound,
    /// Create or list accounts (tenants), then exit.
    Account {
        /// What to do with accounts.
        #[command(subcommand)]
        command: AccountCommand,
    },
    /// Import from a file, then exit.
    Import {
        /// What to import.
        #[command(subcommand)]
        command: ImportCommand,
    },
}

/// Imports from the command line.
#[derive(Debug, Subcommand)]
pub enum ImportCommand {
    /// Import an app's users from CSV (header `email,name,user_type[,case,case_role]`), with
    /// a progress bar and a report of every row; exits 1 when the file is refused, 2 when
    /// some rows were skipped.
    Users {
        /// The app (its id).
        #[arg(long)]
        app: tessera_core::Uuid,
        /// The account role (id or name) people new to the account join with; they are
        /// e-mailed an invitation to choose a password. Without it their rows are skipped.
        #[arg(long)]
        account_role: Option<String>,
        /// The CSV file.
        file: std::path::PathBuf,
    },
}

/// Accounts from the command line.
#[derive(Debug, Subcommand)]
pub enum AccountCommand {
    /// Create an account with the standard tree, the predefined roles and a first Admin, who
    /// gets a one-time password (printed) to replace at first sign-in.
    Create {
        /// The account's name.
        #[arg(long)]
        name: String,
        /// The first Admin's e-mail.
        #[arg(long)]
        admin_email: String,
        /// The first Admin's display name.
        #[arg(long)]
        admin_name: Option<String>,
    },
    /// List every account.
    List,
}

/// A boxed error for `main`.
pub type Error = Box<dyn std::error::Error>;

impl Options {
    /// The server key: given, or read from (or generated once into) `<data dir>/secret.key`.
    pub fn secret_key(&self) -> Result<SecretKey, Error> {
        if let Some(text) = &self.secret_key {
            return Ok(SecretKey::from_base64(text)?);
        }
        let file = self.data_dir.join("secret.key");
        if let Ok(text) = std::fs::read_to_string(&file) {
            return Ok(SecretKey::from_base64(&text)?);
        }
        let key = tessera_service::new_key();
        write_private(&file, &key.to_base64())?;
        tracing::warn!(file = %file.display(), "TESSERA_SECRET_KEY is not set: generated a server key and kept it in this file");
        Ok(key)
    }

    /// SMTP when configured, else `.eml` files under `<data dir>/outbox/`.
    pub fn mailer(&self) -> Result<Box<dyn Mailer>, Error> {
        Ok(match &self.smtp_url {
            Some(url) => Box::new(SmtpMailer::from_url(url)?),
            None => {
                let dir = self.data_dir.join("outbox");
                tracing::info!(dir = %dir.display(), "TESSERA_SMTP_URL is not set: e-mails are written as .eml files");
                Box::new(FileMailer::new(dir))
            }
        })
    }

    /// The embedded templates, or those with the override directory's replacements.
    pub fn templates(&self) -> Result<Templates, Error> {
        Ok(match &self.templates_dir {
            Some(dir) => Templates::with_overrides(dir)?,
            None => Templates::embedded()?,
        })
    }

    /// The public URL, and whether it was derived from the bind address (the configured one
    /// otherwise). An unspecified bind address (`0.0.0.0`, `[::]`) is shown as `127.0.0.1`.
    pub fn public_url(&self) -> (String, bool) {
        match &self.public_url {
            Some(url) => (url.trim_end_matches('/').to_owned(), false),
            None => {
                let bind = self
                    .bind
                    .replace("0.0.0.0", "127.0.0.1")
                    .replace("[::]", "[::1]");
                (format!("http://{bind}"), true)
            }
        }
    }

    /// The service over `store`, as the options configure it.
    pub fn tessera(&self, store: DieselStore) -> Result<Tessera, Error> {
        let mut builder = Tessera::builder(store, self.secret_key()?, self.mailer()?)
            .templates(self.templates()?)
            .public_url(self.public_url().0)
            .mail_from(&self.mail_from);
        if let Some(token) = &self.operator_token {
            builder = builder.operator_token(token)?;
        }
        if let Some(domain) = &self.reply_domain {
            builder = builder.reply_domain(domain);
        }
        if let Some(secret) = &self.inbound_secret {
            builder = builder.inbound_secret(secret)?;
        }
        builder = builder.webhooks(
            std::time::Duration::from_secs(self.webhook_timeout_seconds.into()),
            self.webhooks_allow_internal,
        );
        Ok(builder.build()?)
    }

    /// The workers' settings.
    pub fn workers(&self) -> WorkerOptions {
        let mut options = WorkerOptions::default();
        options.outbox.lease = chrono::Duration::seconds(self.outbox_lease_seconds.into());
        options.runner.lease = chrono::Duration::seconds(self.runner_lease_seconds.into());
        options
    }
}

fn write_private(file: &Path, content: &str) -> std::io::Result<()> {
    use std::io::Write;
    #[cfg(unix)]
    use std::os::unix::fs::OpenOptionsExt;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    options.mode(0o600);
    options.open(file)?.write_all(content.as_bytes())
}
