//! The account's feature tree: read it (any signed-in user), add an app, environment or
//! system (`write` on `settings`).

use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};
use tessera_access::{FeatureId, Level, Policy, PolicyVersion};
use tessera_store::policies;

use crate::auth::Caller;
use crate::{ApiError, AppState, Audited, change_policy};

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
pub async fn list(state: web::Data<AppState>, caller: Caller) -> Result<HttpResponse, ApiError> {
    let policy = state
        .clone()
        .into_inner()
        .policy(caller.account, None)
        .await?;
    Ok(HttpResponse::Ok().json(Features {
        features: policy
            .tree()
            .paths()
            .iter()
            .map(ToString::to_string)
            .collect(),
        policy_version: policy.version(),
    }))
}

/// `POST /v1/features/{kind}` body.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewName {
    /// The app, environment or system name (letters, digits, `_`, `-`, `.`).
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

impl Kind {
    /// The audit action name.
    fn action(self) -> &'static str {
        match self {
            Kind::Apps => "feature.add_app",
            Kind::Environments => "feature.add_environment",
            Kind::Systems => "feature.add_system",
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
    caller: Caller,
    kind: web::Path<Kind>,
    body: web::Json<NewName>,
) -> Result<HttpResponse, ApiError> {
    state
        .clone()
        .into_inner()
        .authorized(&caller, "settings", Level::Write)
        .await?;
    let (kind, name) = (kind.into_inner(), body.into_inner().name);
    let account = caller.account;
    let (added, version) = change_policy(
        &state,
        &caller,
        Audited::new(kind.action(), &name),
        move |tx, policy| {
            let ids: Vec<FeatureId> = match kind {
                Kind::Apps => vec![policy.add_app(&name)?],
                Kind::Environments => policy.add_environment(&name)?,
                Kind::Systems => policy.add_system(&name)?,
            };
            save(tx, account, policy, &ids)
        },
    )
    .await?;
    Ok(HttpResponse::Created().json(Added {
        added,
        policy_version: version,
    }))
}

fn save(
    tx: &mut tessera_store::DbConnection,
    account: tessera_core::AccountId,
    policy: &Policy,
    ids: &[FeatureId],
) -> Result<Vec<String>, ApiError> {
    let mut added = Vec::with_capacity(ids.len());
    for id in ids {
        let path = policy.tree().path(*id)?;
        policies::insert_feature(tx, account, path, *id)?;
        added.push(path.to_string());
    }
    Ok(added)
}
