//! Request spans for `tracing-actix-web` that never carry a secret.

use actix_web::HttpMessage;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use tracing_actix_web::{DefaultRootSpanBuilder, RequestId, RootSpanBuilder};

/// Request spans as tracing-actix-web builds them, except on the external site (any path
/// with `/x/`, wherever the services are mounted): there the path holds an invitation's token
/// (`/x/{token}`), so its spans carry the route pattern and never the path — nothing logged inside such a request can show the secret. Use it as
/// `TracingLogger::<RedactedSpans>::new()`.
pub struct RedactedSpans;

impl RootSpanBuilder for RedactedSpans {
    fn on_request_start(request: &ServiceRequest) -> tracing::Span {
        // The span's fields (client address, user agent, host…) cost more to gather than a
        // permission check takes to answer; gather them only where the span is kept.
        if !tracing::enabled!(tracing::Level::INFO) {
            return tracing::Span::none();
        }
        if !request.path().contains("/x/") {
            return tracing_actix_web::root_span!(request);
        }
        let request_id = request
            .extensions()
            .get::<RequestId>()
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

    fn on_request_end<B: MessageBody>(
        span: tracing::Span,
        outcome: &Result<ServiceResponse<B>, actix_web::Error>,
    ) {
        DefaultRootSpanBuilder::on_request_end(span, outcome);
    }
}
