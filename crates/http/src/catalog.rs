//! The catalog of shareable items the embedding product registers (`workspace: write` to
//! register, `read` to list), and the account's recipient groups (`workspace: read`).

use actix_web::{HttpResponse, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use tessera_access::Level;
use tessera_core::Uuid;
use tessera_invitations::{Item, ItemKind};
use tessera_store::StoreError;
use tessera_store::items::{self, CatalogItem, StoredGroup};

use crate::auth::Caller;
use crate::{ApiError, AppState, new_uuid};

/// Longest title, external id or name, in characters.
const MAX_TEXT: usize = 200;

fn check_text(field: &str, value: &str, max: usize) -> Result<(), ApiError> {
    let chars = value.trim().chars().count();
    if chars == 0 || chars > max {
        return Err(ApiError::InvalidInput {
            field: Some(field.to_owned()),
            detail: format!("`{field}` has 1 to {max} characters"),
        });
    }
    Ok(())
}

/// `PUT /v1/items/{external_id}` body.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ItemBody {
    /// `workflow`, `task` or `wish_list`.
    #[schema(value_type = String)]
    pub kind: ItemKind,
    /// Title.
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
    #[schema(value_type = String)]
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
        (status = 403, description = "Needs `workspace: write`", body = crate::error::Problem, content_type = "application/problem+json")
    ),
    tag = "sharing",
    security(("session" = []), ("token" = []))
)]
pub async fn put_item(
    state: web::Data<AppState>,
    caller: Caller,
    external_id: web::Path<String>,
    body: web::Json<ItemBody>,
) -> Result<HttpResponse, ApiError> {
    let app = state.clone().into_inner();
    app.authorized(&caller, "workspace", Level::Write).await?;
    let external_id = external_id.into_inner();
    let body = body.into_inner();
    check_text("external_id", &external_id, MAX_TEXT)?;
    check_text("title", &body.title, MAX_TEXT)?;
    if body.kind != ItemKind::WishList && !body.entries.is_empty() {
        return Err(ApiError::InvalidInput {
            field: Some("entries".into()),
            detail: "only a wish list has entries".into(),
        });
    }
    let account = caller.account;
    let now = app.clock.now();
    let stored = web::block(move || -> Result<CatalogItem, ApiError> {
        use diesel::Connection;
        let mut db = app.db()?;
        db.transaction::<_, ApiError, _>(|tx| {
            tessera_store::begin_write(tx)?;
            let mut entries = Vec::with_capacity(body.entries.len());
            for (index, entry) in body.entries.iter().enumerate() {
                let found = items::find_by_external_id(tx, account, entry)?.ok_or_else(|| {
                    ApiError::InvalidInput {
                        field: Some(format!("entries[{index}]")),
                        detail: format!("no item `{entry}` is registered"),
                    }
                })?;
                if found.item.kind == ItemKind::WishList {
                    return Err(ApiError::InvalidInput {
                        field: Some(format!("entries[{index}]")),
                        detail: "a wish list cannot contain a wish list".into(),
                    });
                }
                entries.push(found.item.id);
            }
            let item = CatalogItem {
                item: Item {
                    id: new_uuid(),
                    kind: body.kind,
                    title: body.title.trim().to_owned(),
                    entries,
                },
                external_id,
                description: body.description,
                business_domain: body.business_domain,
                app: body.app,
                updated_at: now,
            };
            let id = items::upsert(tx, account, &item)?;
            Ok(items::get(tx, account, id)?)
        })
    })
    .await??;
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
    caller: Caller,
) -> Result<HttpResponse, ApiError> {
    let app = state.clone().into_inner();
    app.authorized(&caller, "workspace", Level::Read).await?;
    let account = caller.account;
    let found = web::block(move || -> Result<Vec<CatalogItem>, ApiError> {
        Ok(items::list(&mut *app.db()?, account)?)
    })
    .await??;
    Ok(HttpResponse::Ok().json(found.into_iter().map(ItemView::from).collect::<Vec<_>>()))
}

/// A recipient group on the wire (also the body of `POST` and `PUT`, without `id`).
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GroupBody {
    /// Its id (ignored in requests).
    #[serde(default, skip_deserializing)]
    pub id: Option<Uuid>,
    /// Name, unique in the account.
    pub name: String,
    /// E-mail addresses (normalized and de-duplicated).
    pub emails: Vec<String>,
}

fn stored_group(id: Uuid, body: GroupBody) -> Result<StoredGroup, ApiError> {
    check_text("name", &body.name, MAX_TEXT)?;
    let mut emails = Vec::with_capacity(body.emails.len());
    for (index, email) in body.emails.iter().enumerate() {
        let email = tessera_core::normalize_email(email).ok_or_else(|| ApiError::InvalidInput {
            field: Some(format!("emails[{index}]")),
            detail: format!("`{}` is not an e-mail address", email.trim()),
        })?;
        if !emails.contains(&email) {
            emails.push(email);
        }
    }
    emails.sort();
    Ok(StoredGroup {
        id,
        name: body.name.trim().to_owned(),
        emails,
    })
}

fn group_view(group: StoredGroup) -> GroupBody {
    GroupBody {
        id: Some(group.id),
        name: group.name,
        emails: group.emails,
    }
}

async fn save_group(
    state: &web::Data<AppState>,
    caller: &Caller,
    group: StoredGroup,
    must_exist: bool,
) -> Result<StoredGroup, ApiError> {
    let app = state.clone().into_inner();
    app.authorized(caller, "workspace", Level::Read).await?;
    let account = caller.account;
    web::block(move || -> Result<StoredGroup, ApiError> {
        use diesel::Connection;
        let mut db = app.db()?;
        db.transaction::<_, ApiError, _>(|tx| {
            tessera_store::begin_write(tx)?;
            if must_exist && !items::groups(tx, account)?.iter().any(|g| g.id == group.id) {
                return Err(ApiError::NotFound { what: "group" });
            }
            items::save_group(tx, account, &group).map_err(|error| match error {
                StoreError::Conflict { .. } => ApiError::Conflict {
                    field: Some("name".into()),
                    detail: format!("a group named `{}` already exists", group.name),
                },
                other => other.into(),
            })?;
            Ok(group)
        })
    })
    .await?
}

/// Lists the account's recipient groups.
#[utoipa::path(get, path = "/v1/groups", responses((status = 200, body = Vec<GroupBody>)), tag = "sharing", security(("session" = []), ("token" = [])))]
pub async fn list_groups(
    state: web::Data<AppState>,
    caller: Caller,
) -> Result<HttpResponse, ApiError> {
    let app = state.clone().into_inner();
    app.authorized(&caller, "workspace", Level::Read).await?;
    let account = caller.account;
    let groups = web::block(move || -> Result<Vec<StoredGroup>, ApiError> {
        Ok(items::groups(&mut *app.db()?, account)?)
    })
    .await??;
    Ok(HttpResponse::Ok().json(groups.into_iter().map(group_view).collect::<Vec<_>>()))
}

/// Creates a recipient group.
#[utoipa::path(post, path = "/v1/groups", request_body = GroupBody, responses((status = 201, body = GroupBody), (status = 400, description = "Invalid name or address", body = crate::error::Problem, content_type = "application/problem+json"), (status = 409, description = "Name taken", body = crate::error::Problem, content_type = "application/problem+json")), tag = "sharing", security(("session" = []), ("token" = [])))]
pub async fn create_group(
    state: web::Data<AppState>,
    caller: Caller,
    body: web::Json<GroupBody>,
) -> Result<HttpResponse, ApiError> {
    let group = stored_group(new_uuid(), body.into_inner())?;
    let saved = save_group(&state, &caller, group, false).await?;
    Ok(HttpResponse::Created().json(group_view(saved)))
}

/// Replaces a recipient group's name and addresses.
#[utoipa::path(put, path = "/v1/groups/{id}", request_body = GroupBody, params(("id" = Uuid, Path, description = "Group id")), responses((status = 200, body = GroupBody), (status = 404, description = "No such group in the account", body = crate::error::Problem, content_type = "application/problem+json")), tag = "sharing", security(("session" = []), ("token" = [])))]
pub async fn update_group(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: web::Json<GroupBody>,
) -> Result<HttpResponse, ApiError> {
    let group = stored_group(id.into_inner(), body.into_inner())?;
    let saved = save_group(&state, &caller, group, true).await?;
    Ok(HttpResponse::Ok().json(group_view(saved)))
}

/// Deletes a recipient group.
#[utoipa::path(delete, path = "/v1/groups/{id}", params(("id" = Uuid, Path, description = "Group id")), responses((status = 204, description = "Deleted"), (status = 404, description = "No such group in the account", body = crate::error::Problem, content_type = "application/problem+json")), tag = "sharing", security(("session" = []), ("token" = [])))]
pub async fn delete_group(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let app = state.clone().into_inner();
    app.authorized(&caller, "workspace", Level::Read).await?;
    let (account, id) = (caller.account, id.into_inner());
    web::block(move || -> Result<(), ApiError> {
        Ok(items::delete_group(&mut *app.db()?, account, id)?)
    })
    .await??;
    Ok(HttpResponse::NoContent().finish())
}
