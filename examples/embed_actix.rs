//! An actix-web application of its own that mounts Tessera under `/tessera` next to its own
//! routes, and starts Tessera's workers (the outbox sender and housekeeping) beside it.
//!
//! `cargo run --example embed_actix` serves on 127.0.0.1:8090 until Ctrl-C;
//! `cargo run --example embed_actix -- --check` serves, asks itself a few questions, and
//! stops.

use std::error::Error;
use std::io::{Read, Write};

use actix_web::{App, HttpResponse, HttpServer, web};
use tessera::http::{AppState, RedactedSpans};
use tessera::mail::FileMailer;
use tessera::service::{Tessera, WorkerOptions, new_key};
use tessera::store::{DatabaseUrl, DieselStore};

const BIND: &str = "127.0.0.1:8090";

/// The application's own route.
async fn home() -> HttpResponse {
    HttpResponse::Ok().body("my product; access control and sharing live under /tessera\n")
}

#[actix_web::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let check = std::env::args().any(|arg| arg == "--check");
    let dir = std::env::temp_dir().join(format!("tessera-embed-example-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let url = DatabaseUrl::parse(&format!("sqlite://{}", dir.join("tessera.db").display()))?;
    let (store, _) = DieselStore::open(&url, 8)?;
    // Links in e-mails point where the services are mounted.
    let tessera = Tessera::builder(store, new_key(), FileMailer::new(dir.join("outbox")))
        .public_url(format!("http://{BIND}/tessera"))
        .build()?;
    if let Some(created) = tessera.bootstrap("admin@example.com", Some("initial-password-1"))? {
        println!(
            "created the Admin {} (password: initial-password-1)",
            created.admin_email
        );
    }
    // The workers are the service's: any embedder starts them with this one call.
    let workers = tessera.start_workers(WorkerOptions::default())?;

    let state = web::Data::new(AppState::new(tessera, false));
    let server = HttpServer::new(move || {
        let state = state.clone();
        App::new()
            .wrap(tracing_actix_web::TracingLogger::<RedactedSpans>::new())
            .route("/", web::get().to(home))
            .service(
                web::scope("/tessera").configure(|config| tessera::http::configure(config, state)),
            )
    })
    .bind(BIND)?
    .run();
    let handle = server.handle();
    println!("serving on http://{BIND}/ and http://{BIND}/tessera/ (API at /tessera/docs/)");
    if check {
        actix_web::rt::spawn(async move {
            let answers = web::block(|| {
                ["/", "/tessera/readyz", "/tessera/v1/users"].map(|path| (path, get(path)))
            })
            .await;
            for (path, status) in answers.into_iter().flatten() {
                println!("GET {path} -> {status}");
            }
            handle.stop(true).await;
        });
    }
    server.await?;
    workers.shutdown();
    std::fs::remove_dir_all(&dir)?;
    Ok(())
}

/// The status line of a GET to the server (a minimal HTTP/1.1 client).
fn get(path: &str) -> String {
    let answer = std::net::TcpStream::connect(BIND).and_then(|mut stream| {
        write!(
            stream,
            "GET {path} HTTP/1.1\r\nHost: {BIND}\r\nConnection: close\r\n\r\n"
        )?;
        let mut text = String::new();
        stream.read_to_string(&mut text)?;
        Ok(text)
    });
    match answer {
        Ok(text) => text.lines().next().unwrap_or_default().to_owned(),
        Err(error) => error.to_string(),
    }
}
