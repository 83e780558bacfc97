//! Contacts — companies and people outside the account — their access to the client portal,
//! the "may grant client access" flag on users, and the activation link a contact follows.

use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize};
use tessera_contacts::{Access, ActivationKind, ContactKind};
use tessera_core::{UserId, Uuid};
use tessera_service::contacts::{ContactSummary, ContactUpdate, NewContact};

use crate::auth::{User, client_addr};
use crate::users::UserView;
use crate::{ApiError, AppState};

/// A field that may be absent (leave it), `null` (clear it) or a value (set it).
pub(crate) fn present<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

/// A contact on the wire.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ContactView {
    /// Id.
    pub id: Uuid,
    /// `company` or `person`.
    #[schema(value_type = crate::openapi::ContactKindName)]
    pub kind: ContactKind,
    /// The company a person belongs to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub company_id: Option<Uuid>,
    /// Name.
    pub name: String,
    /// E-mail.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Access type.
    #[schema(value_type = crate::openapi::AccessName)]
    pub access: Access,
    /// True once the contact activated access (chose a password).
    pub activated: bool,
    /// When the pending activation link stops working.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub activation_expires_at: Option<DateTime<Utc>>,
    /// Language of their e-mails.
    pub locale: String,
    /// When added.
    pub created_at: DateTime<Utc>,
}

impl From<ContactSummary> for ContactView {
    fn from(c: ContactSummary) -> Self {
        ContactView {
            id: c.id,
            kind: c.kind,
            company_id: c.company,
            name: c.name,
            email: c.email,
            access: c.access,
            activated: c.activated,
            activation_expires_at: c.activation_expires_at,
            locale: c.locale,
            created_at: c.created_at,
        }
    }
}

/// `POST /v1/contacts` body.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewContactBody {
    /// `company` or `person`.
    #[schema(value_type = crate::openapi::ContactKindName)]
    pub kind: ContactKind,
    /// The company a person belongs to.
    #[serde(default)]
    pub company_id: Option<Uuid>,
    /// Name.
    #[schema(min_length = 1, max_length = 200)]
    pub name: String,
    /// E-mail (needed for access and notifications; unique among the account's contacts).
    #[serde(default)]
    #[schema(format = "email", max_length = 254)]
    pub email: Option<String>,
    /// Language of their e-mails (`en`, `de`, `fr`, `ro`; default `en`).
    #[serde(default)]
    pub locale: Option<String>,
}

const TAG: &str = "contacts";

/// Adds a company or a person (`workspace: modify`).
#[utoipa::path(
    post,
    path = "/v1/contacts",
    request_body = NewContactBody,
    responses((status = 201, body = ContactView), (status = 409, description = "E-mail taken by another contact", body = crate::error::Problem, content_type = "application/problem+json")),
    tag = TAG,
    security(("session" = []), ("token" = []))
)]
pub async fn create(
    state: web::Data<AppState>,
    User(caller): User,
    body: crate::Json<NewContactBody>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let new = NewContact {
        kind: body.kind,
        company: body.company_id,
        name: body.name,
        email: body.email,
        locale: body.locale,
    };
    let contact = state.run(move |t| t.create_contact(&caller, new)).await?;
    Ok(HttpResponse::Created().json(ContactView::from(contact)))
}

/// Lists the account's contacts, companies first (`workspace: read`).
#[utoipa::path(
    get,
    path = "/v1/contacts",
    responses((status = 200, body = Vec<ContactView>)),
    tag = TAG,
    security(("session" = []), ("token" = []))
)]
pub async fn list(
    state: web::Data<AppState>,
    User(caller): User,
) -> Result<HttpResponse, ApiError> {
    let all = state.run(move |t| t.contacts(&caller)).await?;
    Ok(HttpResponse::Ok().json(all.into_iter().map(ContactView::from).collect::<Vec<_>>()))
}

/// One contact (`workspace: read`).
#[utoipa::path(
    get,
    path = "/v1/contacts/{id}",
    params(("id" = String, Path, description = "Contact id")),
    responses((status = 200, body = ContactView), (status = 404, description = "No such contact in the account", body = crate::error::Problem, content_type = "application/problem+json")),
    tag = TAG,
    security(("session" = []), ("token" = []))
)]
pub async fn get_one(
    state: web::Data<AppState>,
    User(caller): User,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let contact = state.run(move |t| t.contact(&caller, id)).await?;
    Ok(HttpResponse::Ok().json(ContactView::from(contact)))
}

/// `PATCH /v1/contacts/{id}` body: absent fields stay as they are.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ContactPatch {
    /// A new name.
    #[serde(default)]
    #[schema(min_length = 1, max_length = 200)]
    pub name: Option<String>,
    /// A new e-mail; `null` removes it (refused while access is on).
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>, format = "email", max_length = 254)]
    pub email: Option<Option<String>>,
    /// A new company; `null` takes the person out of theirs.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<Uuid>)]
    pub company_id: Option<Option<Uuid>>,
    /// A new language for their e-mails.
    #[serde(default)]
    pub locale: Option<String>,
}

/// Changes a contact's name, e-mail, company or language (`workspace: modify`).
#[utoipa::path(
    patch,
    path = "/v1/contacts/{id}",
    request_body = ContactPatch,
    params(("id" = String, Path, description = "Contact id")),
    responses((status = 200, body = ContactView), (status = 404, description = "No such contact in the account", body = crate::error::Problem, content_type = "application/problem+json"), (status = 409, description = "E-mail taken, or the contact signs in with it", body = crate::error::Problem, content_type = "application/problem+json")),
    tag = TAG,
    security(("session" = []), ("token" = []))
)]
pub async fn update(
    state: web::Data<AppState>,
    User(caller): User,
    id: web::Path<Uuid>,
    body: crate::Json<ContactPatch>,
) -> Result<HttpResponse, ApiError> {
    let (id, body) = (id.into_inner(), body.into_inner());
    let update = ContactUpdate {
        name: body.name,
        email: body.email,
        company: body.company_id,
        locale: body.locale,
    };
    let contact = state
        .run(move |t| t.update_contact(&caller, id, update))
        .await?;
    Ok(HttpResponse::Ok().json(ContactView::from(contact)))
}

/// Deletes a contact; their sessions and reply keys end with them (`workspace: modify`).
#[utoipa::path(
    delete,
    path = "/v1/contacts/{id}",
    params(("id" = String, Path, description = "Contact id")),
    responses((status = 204, description = "Deleted"), (status = 404, description = "No such contact in the account", body = crate::error::Problem, content_type = "application/problem+json"), (status = 409, description = "People of this company or projects refer to it", body = crate::error::Problem, content_type = "application/problem+json")),
    tag = TAG,
    security(("session" = []), ("token" = []))
)]
pub async fn delete(
    state: web::Data<AppState>,
    User(caller): User,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    state.run(move |t| t.delete_contact(&caller, id)).await?;
    Ok(crate::deleted(None))
}

/// `PUT /v1/contacts/{id}/access` body.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AccessBody {
    /// The new access type.
    #[schema(value_type = crate::openapi::AccessName)]
    pub access: Access,
}

/// Something accepted that is worth knowing.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct WarningView {
    /// A stable code (`company_shares_sign_in`).
    pub code: String,
    /// A sentence for people.
    pub message: String,
}

/// What changing access did.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AccessChanged {
    /// The contact now.
    pub contact: ContactView,
    /// `unchanged`, `granted` (an activation e-mail is queued), `raised`, `lowered` or
    /// `revoked` (sessions and reply keys ended).
    pub change: String,
    /// Warnings (granting access to a company).
    pub warnings: Vec<WarningView>,
}

/// Sets a contact's access type. Needs `user_management: write` or the "may grant client
/// access" flag. Turning access on mails an activation link (valid 14 days, single use);
/// turning it off or down ends the contact's sessions and reply keys at once.
#[utoipa::path(
    put,
    path = "/v1/contacts/{id}/access",
    request_body = AccessBody,
    params(("id" = String, Path, description = "Contact id")),
    responses((status = 200, body = AccessChanged), (status = 404, description = "No such contact in the account", body = crate::error::Problem, content_type = "application/problem+json"), (status = 409, description = "The contact has no e-mail address", body = crate::error::Problem, content_type = "application/problem+json")),
    tag = TAG,
    security(("session" = []), ("token" = []))
)]
pub async fn set_access(
    state: web::Data<AppState>,
    User(caller): User,
    id: web::Path<Uuid>,
    body: crate::Json<AccessBody>,
) -> Result<HttpResponse, ApiError> {
    let (id, access) = (id.into_inner(), body.into_inner().access);
    let outcome = state
        .run(move |t| t.set_contact_access(&caller, id, access))
        .await?;
    Ok(HttpResponse::Ok().json(AccessChanged {
        contact: outcome.contact.into(),
        change: outcome.change.to_owned(),
        warnings: outcome
            .warnings
            .iter()
            .map(|w| WarningView {
                code: serde_json::to_value(w)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_default(),
                message: w.message().to_owned(),
            })
            .collect(),
    }))
}

/// Sends the activation e-mail again with a new link; the previous link stops working.
#[utoipa::path(
    post,
    path = "/v1/contacts/{id}/activation",
    params(("id" = String, Path, description = "Contact id")),
    responses((status = 200, body = ContactView), (status = 404, description = "No such contact in the account", body = crate::error::Problem, content_type = "application/problem+json"), (status = 409, description = "No activation pending (no access, or already activated)", body = crate::error::Problem, content_type = "application/problem+json")),
    tag = TAG,
    security(("session" = []), ("token" = []))
)]
pub async fn resend_activation(
    state: web::Data<AppState>,
    User(caller): User,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let contact = state
        .run(move |t| t.resend_contact_activation(&caller, id))
        .await?;
    Ok(HttpResponse::Ok().json(ContactView::from(contact)))
}

/// `PUT /v1/users/{id}/may-grant-client-access` body.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MayGrantBody {
    /// Whether the user may grant and change contact access.
    pub may_grant_client_access: bool,
}

/// Sets or clears a user's "may grant client access" flag (`user_management: write`).
#[utoipa::path(
    put,
    path = "/v1/users/{id}/may-grant-client-access",
    request_body = MayGrantBody,
    params(("id" = String, Path, description = "User id")),
    responses((status = 200, body = UserView), (status = 404, description = "No such user in the account", body = crate::error::Problem, content_type = "application/problem+json")),
    tag = "users",
    security(("session" = []), ("token" = []))
)]
pub async fn set_may_grant(
    state: web::Data<AppState>,
    User(caller): User,
    id: web::Path<UserId>,
    body: crate::Json<MayGrantBody>,
) -> Result<HttpResponse, ApiError> {
    let (id, flag) = (id.into_inner(), body.into_inner().may_grant_client_access);
    let user = state
        .run(move |t| t.set_may_grant_client_access(&caller, id, flag))
        .await?;
    Ok(HttpResponse::Ok().json(UserView::from(user)))
}

/// What an activation link shows before it is used.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ActivationView {
    /// The account's name.
    pub account_name: String,
    /// The contact's name.
    pub contact_name: String,
    /// The address the contact will sign in with.
    pub email: String,
    /// When the link stops working.
    pub expires_at: DateTime<Utc>,
    /// `contact` (access to the client portal) or `user` (a person an import added to an
    /// app, choosing their password).
    pub kind: &'static str,
}

/// The wire name of an activation's kind.
fn kind_name(kind: ActivationKind) -> &'static str {
    match kind {
        ActivationKind::Contact => "contact",
        ActivationKind::User => "user",
    }
}

/// Shows an activation link's contact (or invited user) and account; changes nothing.
#[utoipa::path(
    get,
    path = "/v1/activation/{token}",
    params(("token" = String, Path, description = "The link's token")),
    responses((status = 200, body = ActivationView), (status = 410, description = "The link is unknown, used, expired or withdrawn", body = crate::error::Problem, content_type = "application/problem+json")),
    tag = TAG
)]
pub async fn activation(
    state: web::Data<AppState>,
    token: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let token = token.into_inner();
    let view = state.run(move |t| t.activation(&token)).await?;
    Ok(HttpResponse::Ok().json(ActivationView {
        account_name: view.account_name,
        contact_name: view.contact_name,
        email: view.email,
        expires_at: view.expires_at,
        kind: kind_name(view.kind),
    }))
}

/// `POST /v1/activation/{token}` body.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ActivateBody {
    /// The password the contact chooses (same rules as users').
    #[schema(min_length = 12, max_length = 1024)]
    pub password: String,
}

/// A contact who activated access, or an invited user who chose their password.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ActivatedView {
    /// The contact (absent for a user).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(required = false)]
    pub contact_id: Option<Uuid>,
    /// The user (absent for a contact).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(required = false)]
    pub user_id: Option<Uuid>,
    /// The address they sign in with: at `POST /v1/portal/session` (a contact) or
    /// `POST /v1/session` (a user).
    pub email: String,
}

/// Uses an activation link: the contact chooses a password and can sign in to the client
/// portal. The link works once.
#[utoipa::path(
    post,
    path = "/v1/activation/{token}",
    request_body = ActivateBody,
    params(("token" = String, Path, description = "The link's token")),
    responses((status = 201, body = ActivatedView), (status = 410, description = "The link is unknown, used, expired or withdrawn", body = crate::error::Problem, content_type = "application/problem+json")),
    tag = TAG
)]
pub async fn activate(
    state: web::Data<AppState>,
    request: HttpRequest,
    token: web::Path<String>,
    body: crate::Json<ActivateBody>,
) -> Result<HttpResponse, ApiError> {
    let (token, password) = (token.into_inner(), body.into_inner().password);
    let client = client_addr(&request);
    let activated = state
        .run(move |t| t.activate_contact(&token, &password, client.as_deref()))
        .await?;
    let (contact_id, user_id) = match activated.kind {
        ActivationKind::Contact => (Some(activated.contact), None),
        ActivationKind::User => (None, Some(activated.contact)),
    };
    Ok(HttpResponse::Created().json(ActivatedView {
        contact_id,
        user_id,
        email: activated.email,
    }))
}
