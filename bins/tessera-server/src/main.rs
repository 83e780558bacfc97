//! `tessera-server`: reads its options, sets up tracing, opens the database (running
//! migrations), creates the first account on an empty one, and serves `tessera_http` with the
//! service's workers until SIGTERM — nothing else.

mod commands;
mod options;

use clap::Parser;
use options::{Command, Error, Options};
use tessera_store::{DatabaseUrl, DieselStore};

/// The log filter without `RUST_LOG`: `info`, but not actix's own errors about requests it
/// cannot parse (a client's garbage is not the server's error; it answers 400).
const QUIET: &str = "info,actix_http::h1::dispatcher=off";

/// Database connections per process.
const MAX_CONNECTIONS: u32 = 16;

fn main() -> Result<(), Error> {
    limit_malloc_heaps();
    tracing();
    run(Options::parse())
}

#[actix_web::main]
async fn run(options: Options) -> Result<(), Error> {
    std::fs::create_dir_all(&options.data_dir)?;
    let url = DatabaseUrl::parse(&options.database_url)?;
    let (store, applied) = DieselStore::open(&url, MAX_CONNECTIONS)?;
    tracing::info!(?applied, backend = ?url.backend(), "database ready");
    if matches!(options.command, Some(Command::Migrate)) {
        return Ok(());
    }
    let tessera = options.tessera(store)?;
    match options.command {
        Some(Command::Account { command }) => return commands::account(&tessera, command),
        Some(Command::Inbound) => commands::inbound(&tessera),
        Some(Command::Import { command }) => commands::import(&tessera, command),
        _ => {}
    }
    commands::bootstrap(&tessera, &options)?;
    let workers = tessera.start_workers(options.workers())?;
    let (public_url, derived) = options.public_url();
    let source = match derived {
        true => "derived from TESSERA_BIND; set TESSERA_PUBLIC_URL for links people can reach",
        false => "configured",
    };
    tracing::info!(bind = %options.bind, %public_url, public_url_is = source, "serving");
    let secure = public_url.starts_with("https://");
    tessera_http::serve(tessera, &options.bind, secure, workers).await?;
    Ok(())
}

fn tracing() {
    use std::io::IsTerminal;
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| QUIET.into()),
        )
        .init();
}

/// Caps glibc at two malloc heaps, and hands every block of 1 MiB or more straight back to
/// the system when freed. By default glibc keeps one heap per thread (up to 8 per core), each
/// blocking thread that served a database call or a password hash kept its heap resident
/// (155 MB idle after a load run, 57 MB with two heaps); and after the first large block is
/// freed it raises its mmap threshold to that size, so every later argon2 hash (19 MiB) came
/// from a heap and stayed there. A fixed threshold ends that.
#[cfg(target_env = "gnu")]
fn limit_malloc_heaps() {
    // SAFETY: mallopt only sets allocator parameters; it runs first thing in main, before
    // any other thread exists.
    #[expect(unsafe_code, reason = "glibc's mallopt has no safe binding")]
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 2);
        libc::mallopt(libc::M_MMAP_THRESHOLD, 1 << 20);
    }
}

#[cfg(not(target_env = "gnu"))]
fn limit_malloc_heaps() {}
