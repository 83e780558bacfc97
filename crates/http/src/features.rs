//! The account's feature tree: read it (any signed-in user), add an app, environment or
//! system (`write` on `settings`).

use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};
use tessera_access::PolicyVersion;
use tessera_service::FeatureKind;

use crate::auth::User;
use crate::{ApiError, AppState};

/// The tree.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Features {
    /// Every feature path, parents first.
    pub features: Vec<String>,
    /// The version read.
    #[schema(value_type = u64)]
    pub policy_version: PolicyVersion,
}

/// Reads the feature tree.
#[utoipa::path(
    get,
    path = "/v1/features",
    responses((status = 200, body = Features), (status = 401, description = "Not signed in", body = crate::error::Problem, content_type = "application/problem+json"), (status = 403, description = "Password change required, or the role does not allow it", body = crate::error::Problem, content_type = "application/problem+json")),
    tag = "features",
    security(("session" = []), ("token" = []))
)]
pub async fn list(
    state: web::Data<AppState>,
    User(caller): User,
) -> Result<HttpResponse, ApiError> {
    let list = state.run(move |t| t.features(&caller)).await?;
    Ok(HttpResponse::Ok().json(Features {
        features: list.features,
        policy_version: list.policy_version,
    }))
}

/// `POST /v1/features/{kind}` body.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewName {
    /// The app, environment or system name (letters, digits, `_`, `-`, `.`).
    #[schema(pattern = "^[A-Za-z0-9_.-]+$", min_length = 1, max_length = 64)]
    pub name: String,
}

/// The features added.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Added {
    /// Their paths, parents first.
    pub added: Vec<String>,
    /// The policy version that includes them.
    #[schema(value_type = u64)]
    pub policy_version: PolicyVersion,
}

/// What to add.
#[derive(Debug, Clone, Copy, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// `workspace/app:<name>`.
    Apps,
    /// `publish_rights/env:<name>`, or under every system.
    Environments,
    /// `publish_rights/system:<name>` with every known environment.
    Systems,
}

impl From<Kind> for FeatureKind {
    fn from(kind: Kind) -> Self {
        match kind {
            Kind::Apps => FeatureKind::App,
            Kind::Environments => FeatureKind::Environment,
            Kind::Systems => FeatureKind::System,
        }
    }
}

/// Adds an app, environment or system to the standard tree.
#[utoipa::path(
    post,
    path = "/v1/features/{kind}",
    request_body = NewName,
    params(("kind" = Kind, Path, description = "`apps`, `environments` or `systems`")),
    responses((status = 201, body = Added), (status = 400, description = "Invalid name", body = crate::error::Problem, content_type = "application/problem+json"), (status = 401, description = "Not signed in", body = crate::error::Problem, content_type = "application/problem+json"), (status = 403, description = "Password change required, or the role does not allow it", body = crate::error::Problem, content_type = "application/problem+json"), (status = 409, description = "Already exists", body = crate::error::Problem, content_type = "application/problem+json")),
    tag = "features",
    security(("session" = []), ("token" = []))
)]
pub async fn add(
    state: web::Data<AppState>,
    User(caller): User,
    kind: web::Path<Kind>,
    body: crate::Json<NewName>,
) -> Result<HttpResponse, ApiError> {
    let (kind, name) = (FeatureKind::from(kind.into_inner()), body.into_inner().name);
    let added = state
        .run(move |t| t.add_features(&caller, kind, &name))
        .await?;
    Ok(HttpResponse::Created().json(Added {
        added: added.features,
        policy_version: added.policy_version,
    }))
}
