//! `/metrics` in the Prometheus text format: requests by status class, a latency histogram,
//! permission checks answered, and the connection pool. Counted with atomics, no registry.

use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{HttpResponse, web};

use crate::AppState;

/// Upper bounds of the latency buckets, in seconds.
const BUCKETS: [f64; 12] = [
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 2.5,
];

/// The counters.
#[derive(Debug, Default)]
pub struct Metrics {
    by_class: [AtomicU64; 5],
    buckets: [AtomicU64; BUCKETS.len()],
    latency_count: AtomicU64,
    latency_sum_nanos: AtomicU64,
    checks: AtomicU64,
}

impl Metrics {
    /// Counts one finished request.
    pub fn record(&self, status: u16, seconds: f64) {
        let class = usize::from(status / 100).clamp(1, 5) - 1;
        self.by_class[class].fetch_add(1, Ordering::Relaxed);
        if let Some(bucket) = BUCKETS.iter().position(|bound| seconds <= *bound) {
            self.buckets[bucket].fetch_add(1, Ordering::Relaxed);
        }
        self.latency_count.fetch_add(1, Ordering::Relaxed);
        self.latency_sum_nanos
            .fetch_add((seconds * 1e9) as u64, Ordering::Relaxed);
    }

    /// Counts `n` permission checks answered.
    pub fn checks_answered(&self, n: usize) {
        self.checks.fetch_add(n as u64, Ordering::Relaxed);
    }

    /// The text exposition.
    pub fn render(&self, connections: tessera_service::Connections) -> String {
        let mut out = String::new();
        let load = |a: &AtomicU64| a.load(Ordering::Relaxed);
        let _ = writeln!(
            out,
            "# HELP tessera_http_requests_total HTTP requests answered, by status class."
        );
        let _ = writeln!(out, "# TYPE tessera_http_requests_total counter");
        for (i, counter) in self.by_class.iter().enumerate() {
            let _ = writeln!(
                out,
                "tessera_http_requests_total{{class=\"{}xx\"}} {}",
                i + 1,
                load(counter)
            );
        }
        let _ = writeln!(
            out,
            "# HELP tessera_http_request_duration_seconds Time to answer a request."
        );
        let _ = writeln!(
            out,
            "# TYPE tessera_http_request_duration_seconds histogram"
        );
        let mut cumulative = 0;
        for (bound, counter) in BUCKETS.iter().zip(&self.buckets) {
            cumulative += load(counter);
            let _ = writeln!(
                out,
                "tessera_http_request_duration_seconds_bucket{{le=\"{bound}\"}} {cumulative}"
            );
        }
        let count = load(&self.latency_count);
        let _ = writeln!(
            out,
            "tessera_http_request_duration_seconds_bucket{{le=\"+Inf\"}} {count}"
        );
        let _ = writeln!(
            out,
            "tessera_http_request_duration_seconds_sum {}",
            load(&self.latency_sum_nanos) as f64 / 1e9
        );
        let _ = writeln!(out, "tessera_http_request_duration_seconds_count {count}");
        let _ = writeln!(
            out,
            "# HELP tessera_checks_total Permission checks answered (a batch counts each item)."
        );
        let _ = writeln!(out, "# TYPE tessera_checks_total counter");
        let _ = writeln!(out, "tessera_checks_total {}", load(&self.checks));
        let _ = writeln!(
            out,
            "# HELP tessera_db_pool_connections Database connections open, by state."
        );
        let _ = writeln!(out, "# TYPE tessera_db_pool_connections gauge");
        let _ = writeln!(
            out,
            "tessera_db_pool_connections{{state=\"idle\"}} {}",
            connections.idle
        );
        let _ = writeln!(
            out,
            "tessera_db_pool_connections{{state=\"in_use\"}} {}",
            connections.in_use
        );
        let _ = writeln!(out, "tessera_db_pool_max_connections {}", connections.max);
        out
    }
}

/// Middleware: times every request and counts it by status class.
pub async fn track(
    request: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = Instant::now();
    let state = request.app_data::<web::Data<AppState>>().cloned();
    let response = next.call(request).await;
    if let Some(state) = state {
        let status = match &response {
            Ok(response) => response.status().as_u16(),
            Err(error) => error.as_response_error().status_code().as_u16(),
        };
        state
            .metrics
            .record(status, started.elapsed().as_secs_f64());
    }
    response
}

/// `GET /metrics`.
#[utoipa::path(
    get,
    path = "/metrics",
    responses((status = 200, description = "Prometheus text format", content_type = "text/plain")),
    tag = "operations"
)]
pub async fn metrics(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(state.metrics.render(state.tessera.store().connections()))
}
