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
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckBody {
    /// Who.
    pub user: UserId,
    /// Feature path.
    pub feature: String,
    /// Level needed (`read`, `modify`, `write`).
    pub level: Level,
    /// Answer from a policy at least this fresh.
    #[serde(default)]
    pub at_least_version: Option<PolicyVersion>,
}

/// The answer.
#[derive(Debug, Serialize)]
pub struct CheckAnswer {
    /// Whether the user has at least the level.
    pub allowed: bool,
    /// The user's effective level.
    pub level: Level,
    /// The policy version that answered.
    pub policy_version: PolicyVersion,
}

/// Answers one check.
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
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BatchItem {
    /// Who.
    pub user: UserId,
    /// Feature path.
    pub feature: String,
    /// Level needed.
    pub level: Level,
}

/// `POST /v1/checks` body.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BatchBody {
    /// Up to 10,000 checks.
    pub checks: Vec<BatchItem>,
    /// Answer from a policy at least this fresh.
    #[serde(default)]
    pub at_least_version: Option<PolicyVersion>,
}

/// Answers, in the order asked.
#[derive(Debug, Serialize)]
pub struct BatchAnswer {
    /// One answer per check.
    pub allowed: Vec<bool>,
    /// The policy version that answered.
    pub policy_version: PolicyVersion,
}

/// Answers many checks; a bad item fails the batch, naming `checks[i].field`.
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
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExplainBody {
    /// Who.
    pub user: UserId,
    /// Feature path.
    pub feature: String,
    /// Answer from a policy at least this fresh.
    #[serde(default)]
    pub at_least_version: Option<PolicyVersion>,
}

/// Why a user has their level on a feature.
#[derive(Debug, Serialize)]
pub struct ExplainAnswer {
    /// The explanation.
    #[serde(flatten)]
    pub explanation: Explanation,
    /// The same, as a sentence.
    pub summary: String,
    /// The policy version that answered.
    pub policy_version: PolicyVersion,
}

/// Explains a user's level on a feature.
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
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WhoCanQuery {
    /// Feature path.
    pub feature: String,
    /// Level needed.
    pub level: Level,
}

/// Users with at least the level.
#[derive(Debug, Serialize)]
pub struct WhoCanAnswer {
    /// The users.
    pub users: Vec<UserId>,
    /// The policy version that answered.
    pub policy_version: PolicyVersion,
}

/// Who has at least a level on a feature (account-wide roles).
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
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WhatCanQuery {
    /// Who.
    pub user: UserId,
    /// Level needed.
    pub level: Level,
}

/// A feature reached and the level there.
#[derive(Debug, Serialize)]
pub struct Reach {
    /// Feature path.
    pub feature: String,
    /// Effective level.
    pub level: Level,
}

/// Features reached.
#[derive(Debug, Serialize)]
pub struct WhatCanAnswer {
    /// Every feature with at least the level, parents first.
    pub features: Vec<Reach>,
    /// The policy version that answered.
    pub policy_version: PolicyVersion,
}

/// What a user reaches at a level.
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
