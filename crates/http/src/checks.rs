//! Permission questions about the caller's account: check, batch check, explain, who can,
//! what can. Any signed-in user or API token of the account may ask. A request may pass
//! `at_least_version` (a version a write returned) to be answered from state at least that
//! fresh; the server waits briefly for it, then answers 409.

use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};
use tessera_access::{CheckQuery, Explanation, Level, PolicyVersion};
use tessera_core::UserId;

use crate::auth::Caller;
use crate::{ApiError, AppState};

/// Most checks in one batch.
pub const MAX_BATCH: usize = 10_000;

/// One question.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CheckBody {
    /// Who.
    #[schema(value_type = String, format = Uuid)]
    pub user: UserId,
    /// Feature path.
    pub feature: String,
    /// Level needed (`read`, `modify`, `write`).
    #[schema(value_type = crate::openapi::LevelName)]
    pub level: Level,
    /// Answer from a policy at least this fresh.
    #[serde(default)]
    #[schema(value_type = Option<u64>)]
    pub at_least_version: Option<PolicyVersion>,
}

/// The answer.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CheckAnswer {
    /// Whether the user has at least the level.
    pub allowed: bool,
    /// The user's effective level.
    #[schema(value_type = crate::openapi::LevelName)]
    pub level: Level,
    /// The policy version that answered.
    #[schema(value_type = u64)]
    pub policy_version: PolicyVersion,
}

/// Answers one check.
#[utoipa::path(
    post,
    path = "/v1/check",
    request_body = CheckBody,
    responses((status = 200, body = CheckAnswer), (status = 400, description = "Unknown feature or bad level", body = crate::error::Problem, content_type = "application/problem+json"), (status = 401, description = "Not signed in", body = crate::error::Problem, content_type = "application/problem+json"), (status = 403, description = "Password change required, or the role does not allow it", body = crate::error::Problem, content_type = "application/problem+json"), (status = 404, description = "Unknown user", body = crate::error::Problem, content_type = "application/problem+json"), (status = 409, description = "at_least_version not reached", body = crate::error::Problem, content_type = "application/problem+json")),
    tag = "checks",
    security(("session" = []), ("token" = []))
)]
pub async fn check(
    state: web::Data<AppState>,
    caller: Caller,
    body: web::Json<CheckBody>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let policy = state
        .clone()
        .into_inner()
        .policy(caller.account, body.at_least_version)
        .await?;
    let feature = policy.feature(&body.feature)?;
    let level = policy.level(body.user, feature)?;
    state.metrics.checks_answered(1);
    Ok(HttpResponse::Ok().json(CheckAnswer {
        allowed: level.allows(body.level),
        level,
        policy_version: policy.version(),
    }))
}

/// One question of a batch.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BatchItem {
    /// Who.
    #[schema(value_type = String, format = Uuid)]
    pub user: UserId,
    /// Feature path.
    pub feature: String,
    /// Level needed.
    #[schema(value_type = crate::openapi::LevelName)]
    pub level: Level,
}

/// `POST /v1/checks` body.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BatchBody {
    /// Up to 10,000 checks.
    pub checks: Vec<BatchItem>,
    /// Answer from a policy at least this fresh.
    #[serde(default)]
    #[schema(value_type = Option<u64>)]
    pub at_least_version: Option<PolicyVersion>,
}

/// Answers, in the order asked.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct BatchAnswer {
    /// One answer per check.
    pub allowed: Vec<bool>,
    /// The policy version that answered.
    #[schema(value_type = u64)]
    pub policy_version: PolicyVersion,
}

/// Answers many checks; a bad item fails the batch, naming `checks[i].field`.
#[utoipa::path(
    post,
    path = "/v1/checks",
    request_body = BatchBody,
    responses((status = 200, body = BatchAnswer), (status = 400, description = "A bad item (field `checks[i].…`) or more than 10,000", body = crate::error::Problem, content_type = "application/problem+json"), (status = 401, description = "Not signed in", body = crate::error::Problem, content_type = "application/problem+json"), (status = 403, description = "Password change required, or the role does not allow it", body = crate::error::Problem, content_type = "application/problem+json"), (status = 404, description = "Unknown user", body = crate::error::Problem, content_type = "application/problem+json"), (status = 409, description = "at_least_version not reached", body = crate::error::Problem, content_type = "application/problem+json")),
    tag = "checks",
    security(("session" = []), ("token" = []))
)]
pub async fn batch(
    state: web::Data<AppState>,
    caller: Caller,
    body: web::Json<BatchBody>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    if body.checks.len() > MAX_BATCH {
        return Err(ApiError::InvalidInput {
            field: Some("checks".into()),
            detail: format!("at most {MAX_BATCH} checks per request"),
        });
    }
    let policy = state
        .clone()
        .into_inner()
        .policy(caller.account, body.at_least_version)
        .await?;
    let mut queries = Vec::with_capacity(body.checks.len());
    for (index, item) in body.checks.iter().enumerate() {
        let feature = policy
            .feature(&item.feature)
            .map_err(|error| ApiError::InvalidInput {
                field: Some(format!("checks[{index}].feature")),
                detail: error.to_string(),
            })?;
        queries.push(CheckQuery {
            user: item.user,
            feature,
            at_least: item.level,
        });
    }
    let allowed = policy.check_batch(&queries)?;
    state.metrics.checks_answered(allowed.len());
    Ok(HttpResponse::Ok().json(BatchAnswer {
        allowed,
        policy_version: policy.version(),
    }))
}

/// `POST /v1/explain` body.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExplainBody {
    /// Who.
    #[schema(value_type = String, format = Uuid)]
    pub user: UserId,
    /// Feature path.
    pub feature: String,
    /// Answer from a policy at least this fresh.
    #[serde(default)]
    #[schema(value_type = Option<u64>)]
    pub at_least_version: Option<PolicyVersion>,
}

/// Why a user has their level on a feature.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ExplainAnswer {
    /// The explanation: user, feature, level, grant, `set_on`, `inherited_through`.
    #[serde(flatten)]
    #[schema(inline, value_type = crate::openapi::ExplanationSchema)]
    pub explanation: Explanation,
    /// The same, as a sentence.
    pub summary: String,
    /// The policy version that answered.
    #[schema(value_type = u64)]
    pub policy_version: PolicyVersion,
}

/// Explains a user's level on a feature.
#[utoipa::path(
    post,
    path = "/v1/explain",
    request_body = ExplainBody,
    responses((status = 200, body = ExplainAnswer), (status = 400, description = "Unknown feature", body = crate::error::Problem, content_type = "application/problem+json"), (status = 401, description = "Not signed in", body = crate::error::Problem, content_type = "application/problem+json"), (status = 403, description = "Password change required, or the role does not allow it", body = crate::error::Problem, content_type = "application/problem+json"), (status = 404, description = "Unknown user", body = crate::error::Problem, content_type = "application/problem+json"), (status = 409, description = "at_least_version not reached", body = crate::error::Problem, content_type = "application/problem+json")),
    tag = "checks",
    security(("session" = []), ("token" = []))
)]
pub async fn explain(
    state: web::Data<AppState>,
    caller: Caller,
    body: web::Json<ExplainBody>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let policy = state
        .clone()
        .into_inner()
        .policy(caller.account, body.at_least_version)
        .await?;
    let feature = policy.feature(&body.feature)?;
    let explanation = policy.explain(body.user, feature)?;
    Ok(HttpResponse::Ok().json(ExplainAnswer {
        summary: explanation.to_string(),
        explanation,
        policy_version: policy.version(),
    }))
}

/// `GET /v1/who-can` query.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct WhoCanQuery {
    /// Feature path.
    pub feature: String,
    /// Level needed.
    #[param(value_type = crate::openapi::LevelName)]
    pub level: Level,
}

/// Users with at least the level.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct WhoCanAnswer {
    /// The users.
    #[schema(value_type = Vec<String>)]
    pub users: Vec<UserId>,
    /// The policy version that answered.
    #[schema(value_type = u64)]
    pub policy_version: PolicyVersion,
}

/// Who has at least a level on a feature (account-wide roles).
#[utoipa::path(
    get,
    path = "/v1/who-can",
    params(WhoCanQuery),
    responses((status = 200, body = WhoCanAnswer), (status = 400, description = "Unknown feature or bad level", body = crate::error::Problem, content_type = "application/problem+json"), (status = 401, description = "Not signed in", body = crate::error::Problem, content_type = "application/problem+json"), (status = 403, description = "Password change required, or the role does not allow it", body = crate::error::Problem, content_type = "application/problem+json")),
    tag = "checks",
    security(("session" = []), ("token" = []))
)]
pub async fn who_can(
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<WhoCanQuery>,
) -> Result<HttpResponse, ApiError> {
    let policy = state
        .clone()
        .into_inner()
        .policy(caller.account, None)
        .await?;
    let feature = policy.feature(&query.feature)?;
    let mut users = policy.who_can(feature, query.level)?;
    users.sort();
    Ok(HttpResponse::Ok().json(WhoCanAnswer {
        users,
        policy_version: policy.version(),
    }))
}

/// `GET /v1/what-can` query.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct WhatCanQuery {
    /// Who.
    #[param(value_type = String, format = Uuid)]
    pub user: UserId,
    /// Level needed.
    #[param(value_type = crate::openapi::LevelName)]
    pub level: Level,
}

/// A feature reached and the level there.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Reach {
    /// Feature path.
    pub feature: String,
    /// Effective level.
    #[schema(value_type = crate::openapi::LevelName)]
    pub level: Level,
}

/// Features reached.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct WhatCanAnswer {
    /// Every feature with at least the level, parents first.
    pub features: Vec<Reach>,
    /// The policy version that answered.
    #[schema(value_type = u64)]
    pub policy_version: PolicyVersion,
}

/// What a user reaches at a level.
#[utoipa::path(
    get,
    path = "/v1/what-can",
    params(WhatCanQuery),
    responses((status = 200, body = WhatCanAnswer), (status = 400, description = "Bad level", body = crate::error::Problem, content_type = "application/problem+json"), (status = 401, description = "Not signed in", body = crate::error::Problem, content_type = "application/problem+json"), (status = 403, description = "Password change required, or the role does not allow it", body = crate::error::Problem, content_type = "application/problem+json"), (status = 404, description = "Unknown user", body = crate::error::Problem, content_type = "application/problem+json")),
    tag = "checks",
    security(("session" = []), ("token" = []))
)]
pub async fn what_can(
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<WhatCanQuery>,
) -> Result<HttpResponse, ApiError> {
    let policy = state
        .clone()
        .into_inner()
        .policy(caller.account, None)
        .await?;
    let features = policy
        .what_can(query.user, query.level)?
        .into_iter()
        .map(|(feature, level)| {
            Ok(Reach {
                feature: policy.tree().path(feature)?.to_string(),
                level,
            })
        })
        .collect::<Result<Vec<_>, ApiError>>()?;
    Ok(HttpResponse::Ok().json(WhatCanAnswer {
        features,
        policy_version: policy.version(),
    }))
}
