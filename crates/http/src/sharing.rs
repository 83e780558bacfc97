//! Sharing workflows with outsiders: a share creates one invitation per recipient and one
//! outbox message per invitation, in one transaction; the sender and account admins list
//! invitations and may resend or revoke them.

use actix_web::{HttpResponse, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use tessera_core::Uuid;
use tessera_invitations::InvitationState;
use tessera_service::sharing::{self, InvitationSummary, ShareRequest};

use crate::auth::User;
use crate::{ApiError, AppState};

/// `POST /v1/shares` body.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ShareBody {
    /// Items to share (workflows and wish lists; tasks are refused).
    #[schema(min_items = 1)]
    pub items: Vec<Uuid>,
    /// Recipient addresses (with the groups' members, 1 to 1,000 in all).
    #[serde(default)]
    #[schema(max_items = 1000)]
    pub recipients: Vec<String>,
    /// Recipient groups.
    #[serde(default)]
    pub groups: Vec<Uuid>,
    /// Personal message (at most 2,000 characters).
    #[serde(default)]
    #[schema(max_length = 2000)]
    pub message: Option<String>,
    /// Language of the e-mails (`en`, `de`, `fr`, `ro`; default `en`).
    #[serde(default)]
    pub locale: Option<String>,
}

/// An invitation on the wire (never its secrets).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct InvitationView {
    /// Id.
    pub id: Uuid,
    /// The share.
    pub share_id: Uuid,
    /// Recipient.
    pub recipient: String,
    /// State now (`expired` read from the clock).
    #[schema(value_type = crate::openapi::InvitationStateName)]
    pub state: InvitationState,
    /// When the current link and code were issued.
    pub issued_at: DateTime<Utc>,
    /// When they stop working.
    pub expires_at: DateTime<Utc>,
}

impl From<InvitationSummary> for InvitationView {
    fn from(summary: InvitationSummary) -> Self {
        InvitationView {
            id: summary.id,
            share_id: summary.share_id,
            recipient: summary.recipient,
            state: summary.state,
            issued_at: summary.issued_at,
            expires_at: summary.expires_at,
        }
    }
}

/// A share as created.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ShareCreated {
    /// The share.
    pub share_id: Uuid,
    /// The workflows shared, in order.
    pub workflows: Vec<Uuid>,
    /// Tasks from wish lists that were left out (tasks are never shared).
    pub left_out_tasks: Vec<Uuid>,
    /// One invitation per recipient.
    pub invitations: Vec<InvitationView>,
}

/// Shares workflows with outside e-mail addresses.
#[utoipa::path(
    post,
    path = "/v1/shares",
    request_body = ShareBody,
    responses(
        (status = 201, body = ShareCreated),
        (status = 400, description = "A task, an unknown item or group, a bad address or message (the field is named)", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "No `read` on an item's app", body = crate::error::Problem, content_type = "application/problem+json")
    ),
    tag = "sharing",
    security(("session" = []), ("token" = []))
)]
pub async fn create_share(
    state: web::Data<AppState>,
    User(caller): User,
    body: crate::Json<ShareBody>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let request = ShareRequest {
        items: body.items,
        recipients: body.recipients,
        groups: body.groups,
        message: body.message,
        locale: body.locale,
    };
    let created = state.run(move |t| t.share(&caller, request)).await?;
    Ok(HttpResponse::Created().json(ShareCreated {
        share_id: created.share_id,
        workflows: created.workflows,
        left_out_tasks: created.left_out_tasks,
        invitations: created.invitations.into_iter().map(Into::into).collect(),
    }))
}

/// `GET /v1/invitations` query.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct InvitationQuery {
    /// Only this share.
    #[serde(default)]
    pub share: Option<Uuid>,
    /// Only this recipient.
    #[serde(default)]
    pub recipient: Option<String>,
    /// Only this state (as of now: `expired` included).
    #[serde(default)]
    #[param(value_type = Option<crate::openapi::InvitationStateName>)]
    pub state: Option<InvitationState>,
}

/// Lists invitations: all of the account for admins, the caller's own shares' otherwise.
#[utoipa::path(
    get,
    path = "/v1/invitations",
    params(InvitationQuery),
    responses((status = 200, body = Vec<InvitationView>), (status = 401, description = "Not signed in", body = crate::error::Problem, content_type = "application/problem+json")),
    tag = "sharing",
    security(("session" = []), ("token" = []))
)]
pub async fn list_invitations(
    state: web::Data<AppState>,
    User(caller): User,
    query: crate::Query<InvitationQuery>,
) -> Result<HttpResponse, ApiError> {
    let query = query.into_inner();
    let query = sharing::InvitationQuery {
        share: query.share,
        recipient: query.recipient,
        state: query.state,
    };
    let found = state.run(move |t| t.invitations(&caller, query)).await?;
    Ok(HttpResponse::Ok().json(
        found
            .into_iter()
            .map(InvitationView::from)
            .collect::<Vec<_>>(),
    ))
}

/// What to do to an invitation.
#[derive(Debug, Clone, Copy, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum InvitationAction {
    /// Issue a new link and code (the old ones stop working) and e-mail them again.
    Resend,
    /// End access at once, external sessions included.
    Revoke,
}

impl From<InvitationAction> for sharing::InvitationAction {
    fn from(action: InvitationAction) -> Self {
        match action {
            InvitationAction::Resend => sharing::InvitationAction::Resend,
            InvitationAction::Revoke => sharing::InvitationAction::Revoke,
        }
    }
}

/// Resends or revokes an invitation.
#[utoipa::path(
    post,
    path = "/v1/invitations/{id}/{action}",
    params(("id" = Uuid, Path, description = "Invitation id"), ("action" = InvitationAction, Path, description = "`resend` or `revoke`")),
    responses(
        (status = 200, body = InvitationView),
        (status = 401, description = "Not signed in", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such invitation of the caller's (or, for admins, the account's)", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "Already revoked", body = crate::error::Problem, content_type = "application/problem+json")
    ),
    tag = "sharing",
    security(("session" = []), ("token" = []))
)]
pub async fn act_on_invitation(
    state: web::Data<AppState>,
    User(caller): User,
    path: web::Path<(Uuid, InvitationAction)>,
) -> Result<HttpResponse, ApiError> {
    let (id, action) = path.into_inner();
    let changed = state
        .run(move |t| t.act_on_invitation(&caller, id, action.into()))
        .await?;
    Ok(HttpResponse::Ok().json(InvitationView::from(changed)))
}
