//! The audit trail, for the account's admins (`user_management: read`).

use actix_web::{HttpResponse, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use tessera_core::{AuditEvent, UserId, Uuid};
use tessera_service::audit::AuditQuery;

use crate::auth::User;
use crate::{ApiError, AppState};

/// `GET /v1/audit` query.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct AuditParams {
    /// Only what this user did.
    #[serde(default)]
    #[param(value_type = Option<String>, format = Uuid)]
    pub actor: Option<UserId>,
    /// Only this action (`user.add`, `share.create`, `invitation.sent`, …).
    #[serde(default)]
    pub action: Option<String>,
    /// Only what was done to this target (an id or a name).
    #[serde(default)]
    pub target: Option<String>,
    /// Only at or after this instant (RFC 3339).
    #[serde(default)]
    pub since: Option<DateTime<Utc>>,
    /// Only before this instant (RFC 3339).
    #[serde(default)]
    pub until: Option<DateTime<Utc>>,
    /// Events per page, 1 to 500 (default 100).
    #[serde(default)]
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
    /// `next` of the previous page.
    #[serde(default)]
    pub cursor: Option<String>,
}

/// One event.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct EventView {
    /// Id.
    pub id: Uuid,
    /// When.
    pub occurred_at: DateTime<Utc>,
    /// Who, when a user did it (outsiders and the system act without one).
    #[schema(value_type = Option<String>, format = Uuid)]
    pub actor: Option<UserId>,
    /// What.
    pub action: String,
    /// To what (an id or a name).
    pub target: Option<String>,
    /// Details.
    #[schema(value_type = Object)]
    pub detail: serde_json::Value,
    /// From where (the client's address).
    pub client_addr: Option<String>,
}

impl From<AuditEvent> for EventView {
    fn from(event: AuditEvent) -> Self {
        EventView {
            id: event.id,
            occurred_at: event.occurred_at,
            actor: event.actor,
            action: event.action.as_str().to_owned(),
            target: event.target,
            detail: serde_json::from_str(&event.detail).unwrap_or(serde_json::Value::Null),
            client_addr: event.client_addr,
        }
    }
}

/// A page of events.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AuditPage {
    /// Newest first.
    pub events: Vec<EventView>,
    /// Pass as `cursor` for the next (older) page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
}

/// Reads the account's audit trail, newest first, a page at a time.
#[utoipa::path(
    get,
    path = "/v1/audit",
    params(AuditParams),
    responses(
        (status = 200, body = AuditPage),
        (status = 400, description = "A bad filter, limit or cursor (the field is named)", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "Password change required, or no `user_management: read`", body = crate::error::Problem, content_type = "application/problem+json")
    ),
    tag = "audit",
    security(("session" = []), ("token" = []))
)]
pub async fn list(
    state: web::Data<AppState>,
    User(caller): User,
    query: crate::Query<AuditParams>,
) -> Result<HttpResponse, ApiError> {
    let params = query.into_inner();
    let query = AuditQuery {
        actor: params.actor,
        action: params.action,
        target: params.target,
        since: params.since,
        until: params.until,
        limit: params.limit,
        cursor: params.cursor,
    };
    let page = state.run(move |t| t.audit(&caller, query)).await?;
    Ok(HttpResponse::Ok().json(AuditPage {
        events: page.events.into_iter().map(EventView::from).collect(),
        next: page.next,
    }))
}
