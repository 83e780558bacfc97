//! Replies by e-mail: an inbound-mail service posts each received message here, raw, with the
//! configured secret; the reply becomes a comment on its task or is dropped.

use actix_web::http::header::CONTENT_TYPE;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Serialize;
use tessera_core::Uuid;
use tessera_service::inbound::InboundOutcome;

use crate::{ApiError, AppState};

/// The header carrying the inbound secret (`TESSERA_INBOUND_SECRET`).
pub const INBOUND_SECRET_HEADER: &str = "Tessera-Inbound-Secret";

/// Largest message accepted: the parser's limit plus room for the transport's own framing.
pub const MAX_INBOUND_BODY_BYTES: usize = tessera_service::inbound::MAX_INBOUND_BYTES + 64 * 1024;

/// What became of a message.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct InboundResult {
    /// `commented` or `dropped`.
    pub result: String,
    /// Why it was dropped: `unparseable`, `no-key`, `unknown-key`, `automatic`,
    /// `sender-mismatch`, `not-on-task`, `empty`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The task commented on.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub task_id: Option<Uuid>,
    /// The new comment.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comment_id: Option<Uuid>,
}

/// Takes one received message (RFC 5322, as inbound-mail services deliver it). Its reply key
/// (`reply+<key>@…`) names the task and author; the sender must be the author. Automatic
/// replies, bounces, and unknown, revoked or mismatched keys are dropped (answered 200 with
/// the reason, so the service does not retry) and never create anything.
#[utoipa::path(
    post,
    path = "/v1/inbound/email",
    request_body(content = String, content_type = "text/plain", description = "The raw message; sent as `message/rfc822`, `text/plain` or `application/octet-stream`"),
    params(("Tessera-Inbound-Secret" = String, Header, description = "The inbound secret configured on the server")),
    responses((status = 200, body = InboundResult), (status = 401, description = "No or wrong inbound secret", body = crate::error::Problem, content_type = "application/problem+json")),
    tag = "contacts"
)]
pub async fn receive(
    state: web::Data<AppState>,
    request: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let secret = request
        .headers()
        .get(INBOUND_SECRET_HEADER)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let sender = state.tessera.inbound(&secret)?;
    if let Some(kind) = request.headers().get(CONTENT_TYPE) {
        let kind = kind.to_str().unwrap_or_default().to_ascii_lowercase();
        let accepted = ["message/rfc822", "text/plain", "application/octet-stream"];
        if !accepted.iter().any(|a| kind.starts_with(a)) {
            return Err(ApiError::UnsupportedMediaType {
                expected: "message/rfc822",
            });
        }
    }
    let outcome = state.run(move |t| t.receive_reply(&sender, &body)).await?;
    Ok(HttpResponse::Ok().json(match outcome {
        InboundOutcome::Commented { task, comment, .. } => InboundResult {
            result: "commented".into(),
            reason: None,
            task_id: Some(task),
            comment_id: Some(comment),
        },
        InboundOutcome::Dropped { reason } => InboundResult {
            result: "dropped".into(),
            reason: Some(reason.into()),
            task_id: None,
            comment_id: None,
        },
    }))
}
