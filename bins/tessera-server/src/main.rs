//! `tessera-server`: reads configuration, sets up tracing, runs migrations, bootstraps the
//! first account on an empty database, and serves `tessera_http` — nothing else.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use actix_web::{App, HttpServer, web};
use clap::{Parser, Subcommand};
use tessera_core::{Clock, SecretKey, SystemClock};
use tessera_http::AppState;
use tessera_store::DatabaseUrl;

/// Access control and sharing for SaaS products.
#[derive(Debug, Parser)]
#[command(version)]
struct Options {
    /// Database URL: `sqlite://<file>` (default: a file under ./data/) or `postgres://…`.
    #[arg(
        long,
        env = "TESSERA_DATABASE_URL",
        default_value = "sqlite://data/tessera.db"
    )]
    database_url: String,
    /// Address to listen on.
    #[arg(long, env = "TESSERA_BIND", default_value = "127.0.0.1:8080")]
    bind: String,
    /// The URL people reach the server at (cookies are `Secure` when it is https).
    #[arg(
        long,
        env = "TESSERA_PUBLIC_URL",
        default_value = "http://127.0.0.1:8080"
    )]
    public_url: String,
    /// The server key, 32 bytes in base64; generated once into ./data/secret.key when absent.
    #[arg(long, env = "TESSERA_SECRET_KEY", hide_env_values = true)]
    secret_key: Option<String>,
    /// E-mail of the first Admin, created on an empty database.
    #[arg(
        long,
        env = "TESSERA_BOOTSTRAP_ADMIN_EMAIL",
        default_value = "admin@localhost"
    )]
    bootstrap_admin_email: String,
    /// Password of the first Admin (generated and printed once when absent).
    #[arg(long, env = "TESSERA_BOOTSTRAP_ADMIN_PASSWORD", hide_env_values = true)]
    bootstrap_admin_password: Option<String>,
    /// SMTP server for outgoing e-mail (`smtp://host:port`, `smtps://user:pass@host`,
    /// `smtp+starttls://…`); without it e-mails are written as .eml files under
    /// `<data dir>/outbox/`.
    #[arg(long, env = "TESSERA_SMTP_URL", hide_env_values = true)]
    smtp_url: Option<String>,
    /// The sender of outgoing e-mail.
    #[arg(
        long,
        env = "TESSERA_MAIL_FROM",
        default_value = "Tessera <tessera@localhost>"
    )]
    mail_from: String,
    /// A directory whose templates replace the embedded ones (same relative paths).
    #[arg(long, env = "TESSERA_TEMPLATES_DIR")]
    templates_dir: Option<PathBuf>,
    /// Seconds a message claimed by a sender may stay unconfirmed before it is sent again
    /// with the same Message-ID (covers a sender killed mid-delivery).
    #[arg(long, env = "TESSERA_OUTBOX_LEASE_SECONDS", default_value_t = 120, value_parser = clap::value_parser!(u32).range(2..=86_400))]
    outbox_lease_seconds: u32,
    /// Directory for the default SQLite file and the generated key.
    #[arg(long, env = "TESSERA_DATA_DIR", default_value = "data")]
    data_dir: PathBuf,
    /// What to do.
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run migrations, then serve (the default).
    Serve,
    /// Run migrations and exit.
    Migrate,
}

fn secret_key(options: &Options) -> Result<SecretKey, Box<dyn std::error::Error>> {
    if let Some(text) = &options.secret_key {
        return Ok(SecretKey::from_base64(text)?);
    }
    let file = options.data_dir.join("secret.key");
    if let Ok(text) = std::fs::read_to_string(&file) {
        return Ok(SecretKey::from_base64(&text)?);
    }
    let mut bytes = [0u8; 32];
    rand::Rng::fill_bytes(&mut rand::rng(), &mut bytes);
    let key = SecretKey::from_bytes(bytes);
    write_private(&file, &key.to_base64())?;
    tracing::warn!(file = %file.display(), "TESSERA_SECRET_KEY is not set: generated a server key and kept it in this file");
    Ok(key)
}

/// Messages claimed at a time: small, so a batch ends well within the claim lease.
const OUTBOX_BATCH: i64 = 20;

/// Starts the outbox sender: every second, deliver what is due.
fn start_sender(options: &Options, state: Arc<AppState>) -> Result<(), Box<dyn std::error::Error>> {
    let mailer: Box<dyn tessera_mail::Mailer> = match &options.smtp_url {
        Some(url) => Box::new(tessera_mail::SmtpMailer::from_url(url)?),
        None => {
            let dir = options.data_dir.join("outbox");
            tracing::info!(dir = %dir.display(), "TESSERA_SMTP_URL is not set: e-mails are written as .eml files");
            Box::new(tessera_mail::FileMailer::new(dir))
        }
    };
    let templates = match &options.templates_dir {
        Some(dir) => tessera_mail::Templates::with_overrides(dir)?,
        None => tessera_mail::Templates::embedded()?,
    };
    let sender = tessera_http::Sender::new(state, mailer, templates, options.mail_from.clone())
        .with_claim_lease(chrono::Duration::seconds(
            options.outbox_lease_seconds.into(),
        ));
    std::thread::Builder::new()
        .name("tessera-outbox".into())
        .spawn(move || {
            loop {
                match sender.deliver_due(OUTBOX_BATCH) {
                    Ok(done) if done.sent + done.bounced + done.deferred + done.dropped > 0 => {
                        tracing::info!(?done, "outbox");
                    }
                    Ok(_) => std::thread::sleep(std::time::Duration::from_secs(1)),
                    Err(error) => {
                        tracing::warn!(%error, "outbox delivery failed");
                        std::thread::sleep(std::time::Duration::from_secs(1));
                    }
                }
            }
        })?;
    Ok(())
}

/// Request spans as tracing-actix-web builds them, except on the external site: there the
/// path holds an invitation's token (`/x/{token}`), so its spans carry the route pattern and
/// never the path — nothing logged inside such a request can show the secret.
struct RedactedSpans;

impl tracing_actix_web::RootSpanBuilder for RedactedSpans {
    fn on_request_start(request: &actix_web::dev::ServiceRequest) -> tracing::Span {
        if !request.path().starts_with("/x/") {
            return tracing_actix_web::root_span!(request);
        }
        use actix_web::HttpMessage;
        let request_id = request
            .extensions()
            .get::<tracing_actix_web::RequestId>()
            .map(ToString::to_string)
            .unwrap_or_default();
        tracing::info_span!(
            "HTTP request",
            http.method = %request.method(),
            http.route = %request.match_pattern().unwrap_or_else(|| "default".into()),
            request_id = %request_id,
            http.status_code = tracing::field::Empty,
            otel.status_code = tracing::field::Empty,
            exception.message = tracing::field::Empty,
            exception.details = tracing::field::Empty,
        )
    }

    fn on_request_end<B: actix_web::body::MessageBody>(
        span: tracing::Span,
        outcome: &Result<actix_web::dev::ServiceResponse<B>, actix_web::Error>,
    ) {
        tracing_actix_web::DefaultRootSpanBuilder::on_request_end(span, outcome);
    }
}

/// Starts housekeeping: at start and every ten minutes, remove expired sessions and failure
/// records older than a day (every rate limit looks back at most an hour).
fn start_housekeeping(state: Arc<AppState>) -> std::io::Result<()> {
    std::thread::Builder::new()
        .name("tessera-housekeeping".into())
        .spawn(move || {
            loop {
                let now = state.clock.now();
                let pruned = state.db().map_err(|e| e.to_string()).and_then(|mut db| {
                    tessera_store::housekeeping::prune(
                        &mut db,
                        now,
                        now - chrono::Duration::days(1),
                    )
                    .map_err(|e| e.to_string())
                });
                match pruned {
                    Ok(pruned) if pruned.total() > 0 => tracing::info!(?pruned, "housekeeping"),
                    Ok(_) => {}
                    Err(error) => tracing::warn!(%error, "housekeeping failed"),
                }
                std::thread::sleep(std::time::Duration::from_secs(600));
            }
        })?;
    Ok(())
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

/// Caps glibc at two malloc heaps. By default it keeps one per thread (up to 8 per core), and
/// each blocking thread that served a database call or a password hash kept its heap resident:
/// 155 MB idle after a load run, 57 MB with two heaps, at the same throughput
/// (`benches/http_load/run.sh`).
#[cfg(target_env = "gnu")]
fn limit_malloc_heaps() {
    // SAFETY: mallopt only sets an allocator parameter; it runs first thing in main, before
    // any other thread exists.
    #[expect(unsafe_code, reason = "glibc's M_ARENA_MAX has no safe binding")]
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 2);
    }
}

#[cfg(not(target_env = "gnu"))]
fn limit_malloc_heaps() {}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    limit_malloc_heaps();
    serve()
}

#[actix_web::main]
async fn serve() -> Result<(), Box<dyn std::error::Error>> {
    use std::io::IsTerminal;
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .init();
    let options = Options::parse();
    std::fs::create_dir_all(&options.data_dir)?;
    let url = DatabaseUrl::parse(&options.database_url)?;
    let pool = tessera_store::pool(&url, 16)?;
    {
        let mut connection = pool.get()?;
        let applied = tessera_store::run_migrations(&mut connection)?;
        tracing::info!(?applied, backend = ?url.backend(), "database ready");
        if matches!(options.command, Some(Command::Migrate)) {
            return Ok(());
        }
        let created = tessera_http::bootstrap(
            &mut connection,
            &options.bootstrap_admin_email,
            options.bootstrap_admin_password.as_deref(),
            SystemClock.now(),
        )?;
        if let Some(created) = created {
            match created.generated_password {
                Some(password) => tracing::warn!(
                    email = %created.admin_email,
                    %password,
                    "first start: created the Admin with this one-time password; it must be changed at first sign-in"
                ),
                None => {
                    tracing::info!(email = %created.admin_email, "first start: created the Admin")
                }
            }
        }
    }
    let key = secret_key(&options)?;
    let secure = options.public_url.starts_with("https://");
    let state = web::Data::new(
        AppState::new(pool, key, Arc::new(SystemClock), secure)
            .with_public_url(options.public_url.clone()),
    );
    start_sender(&options, state.clone().into_inner())?;
    start_housekeeping(state.clone().into_inner())?;
    tracing::info!(bind = %options.bind, public_url = %options.public_url, "serving");
    HttpServer::new(move || {
        let state = state.clone();
        App::new()
            .wrap(tracing_actix_web::TracingLogger::<RedactedSpans>::new())
            .configure(move |config| tessera_http::configure(config, state))
    })
    .bind(&options.bind)?
    .run()
    .await?;
    Ok(())
}
