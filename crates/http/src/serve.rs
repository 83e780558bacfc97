//! Serving Tessera on its own: an actix-web server with [`configure`](crate::configure) and
//! request tracing, that shuts down gracefully with its workers.

use actix_web::{App, HttpServer, web};
use tessera_service::{Tessera, Workers};

use crate::{AppState, RedactedSpans};

/// Serves `tessera` on `bind` until SIGTERM or SIGINT. Then the workers stop starting new
/// work at once, the server stops accepting connections and finishes the requests in
/// flight, and the workers finish the messages in flight before this returns.
pub async fn serve(
    tessera: Tessera,
    bind: &str,
    secure_cookies: bool,
    workers: Workers,
) -> std::io::Result<()> {
    let state = web::Data::new(AppState::new(tessera, secure_cookies));
    let stopping = workers.stopper();
    let server = HttpServer::new(move || {
        let state = state.clone();
        App::new()
            .wrap(tracing_actix_web::TracingLogger::<RedactedSpans>::new())
            .configure(move |config| crate::configure(config, state))
    })
    .shutdown_signal(async move {
        termination().await;
        tracing::info!("stopping: no new work; finishing what is in flight");
        stopping.stop();
    })
    .bind(bind)?
    .run();
    let served = server.await;
    workers.shutdown();
    served
}

/// Resolves at the first SIGTERM or SIGINT (Ctrl-C).
async fn termination() {
    #[cfg(unix)]
    {
        use actix_web::rt::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut terminate) => {
                tokio_select(terminate.recv(), actix_web::rt::signal::ctrl_c()).await;
            }
            Err(error) => {
                tracing::warn!(%error, "cannot watch SIGTERM; stopping on Ctrl-C only");
                let _ = actix_web::rt::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = actix_web::rt::signal::ctrl_c().await;
    }
}

/// Waits for whichever of two futures finishes first.
async fn tokio_select<A: std::future::Future, B: std::future::Future>(a: A, b: B) {
    let (mut a, mut b) = (std::pin::pin!(a), std::pin::pin!(b));
    std::future::poll_fn(|cx| {
        if a.as_mut().poll(cx).is_ready() || b.as_mut().poll(cx).is_ready() {
            std::task::Poll::Ready(())
        } else {
            std::task::Poll::Pending
        }
    })
    .await;
}
