//! The HTTP floor of `benches/http_load/run.sh`: a minimal actix-web server built like
//! `tessera-server` (release, actix's default worker count, keep-alive), answering
//! `POST /v1/check` with a fixed JSON body the size of Tessera's check answer after reading
//! the request body. What it serves per second is what actix and the loopback allow on these
//! cores; Tessera's rate is reported as a fraction of it.
//!
//! Usage: `http_floor <bind address>`.

use actix_web::{App, HttpResponse, HttpServer, web};

/// The size of `{"allowed":true,"level":"write","policy_version":123}`, Tessera's answer.
const ANSWER: &str = r#"{"allowed":true,"level":"write","policy_version":123}"#;

async fn check(body: web::Bytes) -> HttpResponse {
    std::hint::black_box(body);
    HttpResponse::Ok()
        .content_type("application/json")
        .body(ANSWER)
}

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let bind = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:18182".to_owned());
    HttpServer::new(|| App::new().route("/v1/check", web::post().to(check)))
        .bind(bind)?
        .run()
        .await
}
