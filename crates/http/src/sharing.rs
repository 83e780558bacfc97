//! Sharing workflows with outsiders: a share creates one invitation per recipient and one
//! outbox message per invitation, in one transaction; the sender and account admins list
//! invitations and may resend or revoke them.

use std::collections::HashMap;

use actix_web::{HttpResponse, web};
use chrono::{DateTime, SubsecRound, Utc};
use serde::{Deserialize, Serialize};
use tessera_access::{Level, Policy};
use tessera_core::{AccountId, Uuid};
use tessera_invitations::{Group, Invitation, InvitationState, Item, plan_share};
use tessera_store::items::{self, CatalogItem};
use tessera_store::sharing::{self, InvitationFilter, OutboxMessage, Share, StoredInvitation};
use tessera_store::{DbConnection, accounts};

use crate::auth::Caller;
use crate::{ApiError, AppState, new_uuid};

/// `POST /v1/shares` body.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ShareBody {
    /// Items to share (workflows and wish lists; tasks are refused).
    pub items: Vec<Uuid>,
    /// Recipient addresses.
    #[serde(default)]
    pub recipients: Vec<String>,
    /// Recipient groups.
    #[serde(default)]
    pub groups: Vec<Uuid>,
    /// Personal message (at most 2,000 characters).
    #[serde(default)]
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
    #[schema(value_type = String)]
    pub state: InvitationState,
    /// When the current link and code were issued.
    pub issued_at: DateTime<Utc>,
    /// When they stop working.
    pub expires_at: DateTime<Utc>,
}

fn view(stored: &StoredInvitation, now: DateTime<Utc>) -> InvitationView {
    let inv = &stored.invitation;
    InvitationView {
        id: Uuid::from_bytes(inv.id),
        share_id: stored.share,
        recipient: inv.recipient.clone(),
        state: inv.state_at(now),
        issued_at: inv.issued_at,
        expires_at: inv.expires_at,
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

fn random_nonce() -> [u8; 16] {
    *new_uuid().as_bytes()
}

/// The feature whose `read` sharing an item needs.
fn item_feature(item: &CatalogItem) -> String {
    if item.app.is_empty() {
        "workspace".to_owned()
    } else {
        format!("workspace/app:{}", item.app)
    }
}

fn outbox_message(
    account: AccountId,
    invitation: Uuid,
    recipient: &str,
    locale: &str,
    now: DateTime<Utc>,
) -> OutboxMessage {
    let id = new_uuid();
    OutboxMessage {
        id,
        account,
        message_id: format!("{id}@tessera"),
        invitation: Some(invitation),
        recipient: recipient.to_owned(),
        locale: locale.to_owned(),
        template: "invitation".to_owned(),
        payload: serde_json::json!({ "invitation": invitation }).to_string(),
        attempts: 0,
        created_at: now,
    }
}

fn audit(
    tx: &mut DbConnection,
    caller: &Caller,
    action: &str,
    target: Uuid,
    detail: serde_json::Value,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    let event = tessera_store::audit::AuditEvent {
        id: new_uuid(),
        account: caller.account,
        occurred_at: now,
        actor: Some(caller.user),
        action: action.to_owned(),
        target: Some(target.to_string()),
        detail: detail.to_string(),
        client_addr: caller.client_addr.clone(),
    };
    Ok(tessera_store::audit::insert(tx, &event)?)
}

/// Records an invitation's transition made by its recipient or by the system (no actor;
/// the recipient's client address when there is one).
pub(crate) fn invitation_event(
    tx: &mut DbConnection,
    account: AccountId,
    invitation: Uuid,
    action: &str,
    detail: serde_json::Value,
    client_addr: Option<String>,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    let event = tessera_store::audit::AuditEvent {
        id: new_uuid(),
        account,
        occurred_at: now,
        actor: None,
        action: action.to_owned(),
        target: Some(invitation.to_string()),
        detail: detail.to_string(),
        client_addr,
    };
    Ok(tessera_store::audit::insert(tx, &event)?)
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
    caller: Caller,
    body: web::Json<ShareBody>,
) -> Result<HttpResponse, ApiError> {
    let app = state.clone().into_inner();
    let policy = app.policy(caller.account, None).await?;
    let body = body.into_inner();
    let locale = tessera_mail::resolve_locale(body.locale.as_deref().unwrap_or("en")).to_owned();
    // Microseconds: what both databases keep, so answers match later reads.
    let now = app.clock.now().trunc_subsecs(6);
    let created = web::block(move || -> Result<ShareCreated, ApiError> {
        use diesel::Connection;
        let mut db = app.db()?;
        db.transaction::<_, ApiError, _>(|tx| {
            tessera_store::begin_write(tx)?;
            share_in(tx, &app, &caller, &policy, body, &locale, now)
        })
    })
    .await??;
    Ok(HttpResponse::Created().json(created))
}

fn share_in(
    tx: &mut DbConnection,
    app: &AppState,
    caller: &Caller,
    policy: &Policy,
    body: ShareBody,
    locale: &str,
    now: DateTime<Utc>,
) -> Result<ShareCreated, ApiError> {
    let account = caller.account;
    let mut catalog: HashMap<Uuid, CatalogItem> = HashMap::new();
    let mut selected: Vec<Item> = Vec::with_capacity(body.items.len());
    for (index, id) in body.items.iter().enumerate() {
        let item = items::get(tx, account, *id).map_err(|_| ApiError::InvalidInput {
            field: Some(format!("items[{index}]")),
            detail: format!("no item `{id}` in the account"),
        })?;
        for entry in &item.item.entries {
            let found = items::get(tx, account, *entry)?;
            catalog.insert(found.item.id, found);
        }
        selected.push(item.item.clone());
        catalog.insert(item.item.id, item);
    }
    let all_groups = items::groups(tx, account)?;
    let mut groups = Vec::with_capacity(body.groups.len());
    for (index, id) in body.groups.iter().enumerate() {
        let group =
            all_groups
                .iter()
                .find(|g| g.id == *id)
                .ok_or_else(|| ApiError::InvalidInput {
                    field: Some(format!("groups[{index}]")),
                    detail: format!("no group `{id}` in the account"),
                })?;
        groups.push(Group {
            name: group.name.clone(),
            emails: group.emails.clone(),
        });
    }
    let plan = plan_share(
        &selected,
        |id| catalog.get(&id).map(|c| &c.item),
        &body.recipients,
        &groups,
        body.message.as_deref(),
    )?;
    for workflow in &plan.workflows {
        if let Some(item) = catalog.get(workflow) {
            caller.require(policy, &item_feature(item), Level::Read)?;
        }
    }
    let days = accounts::invitation_validity_days(tx, account)?;
    let share = Share {
        id: new_uuid(),
        sender: caller.user,
        message: plan.message.clone(),
        items: plan.workflows.clone(),
        created_at: now,
    };
    sharing::insert_share(tx, account, &share)?;
    let mut invitations = Vec::with_capacity(plan.recipients.len());
    for recipient in &plan.recipients {
        invitations.push(Invitation::issue(
            &app.key,
            *new_uuid().as_bytes(),
            recipient.clone(),
            random_nonce(),
            now,
            days,
        )?);
    }
    sharing::insert_invitations(tx, account, share.id, locale, &invitations)?;
    let messages: Vec<OutboxMessage> = invitations
        .iter()
        .map(|inv| {
            outbox_message(
                account,
                Uuid::from_bytes(inv.id),
                &inv.recipient,
                locale,
                now,
            )
        })
        .collect();
    sharing::enqueue(tx, &messages)?;
    audit(
        tx,
        caller,
        "share.create",
        share.id,
        serde_json::json!({ "recipients": invitations.len(), "workflows": plan.workflows.len() }),
        now,
    )?;
    Ok(ShareCreated {
        share_id: share.id,
        workflows: plan.workflows,
        left_out_tasks: plan.left_out_tasks,
        invitations: invitations
            .iter()
            .map(|inv| {
                view(
                    &StoredInvitation {
                        account,
                        share: share.id,
                        invitation: inv.clone(),
                        locale: locale.to_owned(),
                    },
                    now,
                )
            })
            .collect(),
    })
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
    #[param(value_type = Option<String>)]
    pub state: Option<InvitationState>,
}

/// Whether the caller may see and manage invitations of this share: account admins
/// (`user_management: read`) and the share's sender.
fn may_manage(
    tx: &mut DbConnection,
    caller: &Caller,
    policy: &Policy,
    share: Uuid,
) -> Result<bool, ApiError> {
    if caller
        .require(policy, "user_management", Level::Read)
        .is_ok()
    {
        return Ok(true);
    }
    Ok(sharing::share_ids_by_sender(tx, caller.account, caller.user)?.contains(&share))
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
    caller: Caller,
    query: web::Query<InvitationQuery>,
) -> Result<HttpResponse, ApiError> {
    let app = state.clone().into_inner();
    let policy = app.policy(caller.account, None).await?;
    let query = query.into_inner();
    // Microseconds: what both databases keep, so answers match later reads.
    let now = app.clock.now().trunc_subsecs(6);
    let found = web::block(move || -> Result<Vec<InvitationView>, ApiError> {
        let mut db = app.db()?;
        let recipient = query
            .recipient
            .as_deref()
            .map(|r| tessera_core::normalize_email(r).unwrap_or_else(|| r.to_owned()));
        let filter = InvitationFilter {
            share: query.share,
            recipient,
            states: None,
        };
        let admin = caller
            .require(&policy, "user_management", Level::Read)
            .is_ok();
        let own = if admin {
            Vec::new()
        } else {
            sharing::share_ids_by_sender(&mut db, caller.account, caller.user)?
        };
        Ok(sharing::list_invitations(&mut db, caller.account, &filter)?
            .iter()
            .filter(|stored| admin || own.contains(&stored.share))
            .map(|stored| view(stored, now))
            .filter(|v| query.state.is_none_or(|state| v.state == state))
            .collect())
    })
    .await??;
    Ok(HttpResponse::Ok().json(found))
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
    caller: Caller,
    path: web::Path<(Uuid, InvitationAction)>,
) -> Result<HttpResponse, ApiError> {
    let app = state.clone().into_inner();
    let policy = app.policy(caller.account, None).await?;
    let (id, action) = path.into_inner();
    // Microseconds: what both databases keep, so answers match later reads.
    let now = app.clock.now().trunc_subsecs(6);
    let changed = web::block(move || -> Result<InvitationView, ApiError> {
        use diesel::Connection;
        let mut db = app.db()?;
        db.transaction::<_, ApiError, _>(|tx| {
            tessera_store::begin_write(tx)?;
            let account = caller.account;
            let mut stored = sharing::get_invitation(tx, account, id)
                .map_err(|_| ApiError::NotFound { what: "invitation" })?;
            if !may_manage(tx, &caller, &policy, stored.share)? {
                return Err(ApiError::NotFound { what: "invitation" });
            }
            match action {
                InvitationAction::Revoke => {
                    stored.invitation.revoke()?;
                    sharing::end_external_sessions(tx, account, id)?;
                }
                InvitationAction::Resend => {
                    let days = accounts::invitation_validity_days(tx, account)?;
                    stored
                        .invitation
                        .resend(&app.key, random_nonce(), now, days)?;
                    sharing::end_external_sessions(tx, account, id)?;
                    let message = outbox_message(
                        account,
                        id,
                        &stored.invitation.recipient,
                        &stored.locale,
                        now,
                    );
                    sharing::enqueue(tx, &[message])?;
                }
            }
            sharing::update_invitation(tx, account, &stored.invitation)?;
            let name = match action {
                InvitationAction::Revoke => "invitation.revoke",
                InvitationAction::Resend => "invitation.resend",
            };
            audit(
                tx,
                &caller,
                name,
                id,
                serde_json::json!({ "recipient": stored.invitation.recipient }),
                now,
            )?;
            Ok(view(&stored, now))
        })
    })
    .await??;
    Ok(HttpResponse::Ok().json(changed))
}
