//! The catalog of shareable items the embedding product registers (`workspace: write` to
//! register, `read` to list), and the account's recipient groups (`workspace: read`).

use actix_web::{HttpResponse, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use tessera_core::Uuid;
use tessera_invitations::ItemKind;
use tessera_service::catalog::ItemInput;
use tessera_service::records::{CatalogItem, RecipientGroup};

use crate::auth::User;
use crate::{ApiError, AppState};

/// `PUT /v1/items/{external_id}` body.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ItemBody {
    /// `workflow`, `task` or `wish_list`.
    #[schema(value_type = crate::openapi::ItemKindName)]
    pub kind: ItemKind,
    /// Title.
    #[schema(min_length = 1, max_length = 200)]
    pub title: String,
    /// Description.
    #[serde(default)]
    pub description: String,
    /// Business domain (the external site groups workflows by it).
    #[serde(default)]
    pub business_domain: String,
    /// The app (`workspace/app:<app>`; sharing needs `read` there).
    #[serde(default)]
    pub app: String,
    /// For a wish list: the external ids of its entries, in order (registered before).
    #[serde(default)]
    pub entries: Vec<String>,
}

/// An item on the wire.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ItemView {
    /// Tessera's id.
    pub id: Uuid,
    /// The product's id.
    pub external_id: String,
    /// `workflow`, `task` or `wish_list`.
    #[schema(value_type = crate::openapi::ItemKindName)]
    pub kind: ItemKind,
    /// Title.
    pub title: String,
    /// Description.
    pub description: String,
    /// Business domain.
    pub business_domain: String,
    /// App.
    pub app: String,
    /// Wish-list entries (Tessera ids), in order.
    pub entries: Vec<Uuid>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

impl From<CatalogItem> for ItemView {
    fn from(item: CatalogItem) -> Self {
        ItemView {
            id: item.item.id,
            external_id: item.external_id,
            kind: item.item.kind,
            title: item.item.title,
            description: item.description,
            business_domain: item.business_domain,
            app: item.app,
            entries: item.item.entries,
            updated_at: item.updated_at,
        }
    }
}

/// Registers or replaces an item by the product's id (idempotent).
#[utoipa::path(
    put,
    path = "/v1/items/{external_id}",
    request_body = ItemBody,
    params(("external_id" = String, Path, description = "The product's id for the item")),
    responses(
        (status = 200, body = ItemView),
        (status = 400, description = "Invalid field or unknown wish-list entry", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "Needs `write` on the item's app to create it or change more than its text, `modify` to change its title or description", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "A shared workflow cannot become a task or a wish list (the shares are named), nor a wish list's entry a wish list", body = crate::error::Problem, content_type = "application/problem+json")
    ),
    tag = "sharing",
    security(("session" = []), ("token" = []))
)]
pub async fn put_item(
    state: web::Data<AppState>,
    User(caller): User,
    external_id: web::Path<String>,
    body: crate::Json<ItemBody>,
) -> Result<HttpResponse, ApiError> {
    let (external_id, body) = (external_id.into_inner(), body.into_inner());
    let input = ItemInput {
        kind: body.kind,
        title: body.title,
        description: body.description,
        business_domain: body.business_domain,
        app: body.app,
        entries: body.entries,
    };
    let stored = state
        .run(move |t| t.put_item(&caller, &external_id, input))
        .await?;
    Ok(HttpResponse::Ok().json(ItemView::from(stored)))
}

/// Lists the account's items.
#[utoipa::path(
    get,
    path = "/v1/items",
    responses(
        (status = 200, body = Vec<ItemView>),
        (status = 401, description = "Not signed in", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "Needs `workspace: read`", body = crate::error::Problem, content_type = "application/problem+json")
    ),
    tag = "sharing",
    security(("session" = []), ("token" = []))
)]
pub async fn list_items(
    state: web::Data<AppState>,
    User(caller): User,
) -> Result<HttpResponse, ApiError> {
    let items = state.run(move |t| t.items(&caller)).await?;
    Ok(HttpResponse::Ok().json(items.into_iter().map(ItemView::from).collect::<Vec<_>>()))
}

/// `POST /v1/groups` and `PUT /v1/groups/{id}` body.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GroupBody {
    /// Name, unique in the account.
    #[schema(min_length = 1, max_length = 200)]
    pub name: String,
    /// E-mail addresses (normalized and de-duplicated).
    #[schema(inline, value_type = Vec<String>, format = "email")]
    pub emails: Vec<String>,
}

/// A recipient group on the wire.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct GroupView {
    /// Its id.
    pub id: Uuid,
    /// Name, unique in the account.
    pub name: String,
    /// E-mail addresses, normalized, sorted.
    pub emails: Vec<String>,
}

fn group_view(group: RecipientGroup) -> GroupView {
    GroupView {
        id: group.id,
        name: group.name,
        emails: group.emails,
    }
}

/// Lists the account's recipient groups.
#[utoipa::path(get, path = "/v1/groups", responses((status = 200, body = Vec<GroupView>)), tag = "sharing", security(("session" = []), ("token" = [])))]
pub async fn list_groups(
    state: web::Data<AppState>,
    User(caller): User,
) -> Result<HttpResponse, ApiError> {
    let groups = state.run(move |t| t.groups(&caller)).await?;
    Ok(HttpResponse::Ok().json(groups.into_iter().map(group_view).collect::<Vec<_>>()))
}

/// Creates a recipient group.
#[utoipa::path(post, path = "/v1/groups", request_body = GroupBody, responses((status = 201, body = GroupView), (status = 400, description = "Invalid name or address", body = crate::error::Problem, content_type = "application/problem+json"), (status = 409, description = "Name taken", body = crate::error::Problem, content_type = "application/problem+json")), tag = "sharing", security(("session" = []), ("token" = [])))]
pub async fn create_group(
    state: web::Data<AppState>,
    User(caller): User,
    body: crate::Json<GroupBody>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let group = state
        .run(move |t| t.create_group(&caller, &body.name, &body.emails))
        .await?;
    Ok(HttpResponse::Created().json(group_view(group)))
}

/// Replaces a recipient group's name and addresses.
#[utoipa::path(put, path = "/v1/groups/{id}", request_body = GroupBody, params(("id" = Uuid, Path, description = "Group id")), responses((status = 200, body = GroupView), (status = 404, description = "No such group in the account", body = crate::error::Problem, content_type = "application/problem+json"), (status = 409, description = "Name taken", body = crate::error::Problem, content_type = "application/problem+json")), tag = "sharing", security(("session" = []), ("token" = [])))]
pub async fn update_group(
    state: web::Data<AppState>,
    User(caller): User,
    id: web::Path<Uuid>,
    body: crate::Json<GroupBody>,
) -> Result<HttpResponse, ApiError> {
    let (id, body) = (id.into_inner(), body.into_inner());
    let group = state
        .run(move |t| t.update_group(&caller, id, &body.name, &body.emails))
        .await?;
    Ok(HttpResponse::Ok().json(group_view(group)))
}

/// Deletes a recipient group.
#[utoipa::path(delete, path = "/v1/groups/{id}", params(("id" = Uuid, Path, description = "Group id")), responses((status = 204, description = "Deleted"), (status = 404, description = "No such group in the account", body = crate::error::Problem, content_type = "application/problem+json")), tag = "sharing", security(("session" = []), ("token" = [])))]
pub async fn delete_group(
    state: web::Data<AppState>,
    User(caller): User,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    state.run(move |t| t.delete_group(&caller, id)).await?;
    Ok(crate::deleted(None))
}

/// Deletes an item (`write` on its app); refused while a share or a wish list holds it.
#[utoipa::path(
    delete,
    path = "/v1/items/{external_id}",
    params(("external_id" = String, Path, description = "The product's id for the item")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, description = "Not signed in", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "Needs `write` on the item's app", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such item in the account", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "A share or a wish list holds it (they are named)", body = crate::error::Problem, content_type = "application/problem+json")
    ),
    tag = "sharing",
    security(("session" = []), ("token" = []))
)]
pub async fn delete_item(
    state: web::Data<AppState>,
    User(caller): User,
    external_id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let external_id = external_id.into_inner();
    state
        .run(move |t| t.delete_item(&caller, &external_id))
        .await?;
    Ok(crate::deleted(None))
}
