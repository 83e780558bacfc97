//! Permission questions about the caller's account: check, batch check, explain, who can,
//! what can. Anyone may ask about themselves; asking about another user, and who-can, needs
//! `user_management: read` (an API token asks as its user). A request may pass
//! `at_least_version` (a version a write returned) to be answered from state at least that
//! fresh; the server waits briefly for it, then answers 409.

use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};
use tessera_access::{Explanation, Level, PolicyVersion};
use tessera_core::{RoleId, UserId, Uuid};
use tessera_service::checks::{self, Question};

use crate::auth::User;
use crate::{ApiError, AppState};

/// One question.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CheckBody {
    /// Who.
    #[schema(value_type = String, format = Uuid)]
    pub user: UserId,
    /// Feature path.
    #[schema(
        pattern = "^[a-z][a-z0-9_]*(:[A-Za-z0-9_.-]+)?(/[a-z][a-z0-9_]*(:[A-Za-z0-9_.-]+)?)*$",
        max_length = 512
    )]
    pub feature: String,
    /// Level needed (`read`, `modify`, `write`).
    #[schema(value_type = crate::openapi::LevelName)]
    pub level: Level,
    /// Answer from a policy at least this fresh.
    #[serde(default)]
    #[schema(value_type = Option<u64>)]
    pub at_least_version: Option<PolicyVersion>,
    /// Ask within this case: `feature` is then a case feature (`case/feed`, `case/convo`,
    /// `case/events`, `case/notes`) and the user's case role there answers.
    #[serde(default)]
    pub case: Option<Uuid>,
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
    /// For a question within a case: the user's case role there (absent: none).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>, format = Uuid, required = false)]
    pub case_role: Option<RoleId>,
}

/// Answers one check.
#[utoipa::path(
    post,
    path = "/v1/check",
    request_body = CheckBody,
    responses((status = 200, body = CheckAnswer), (status = 400, description = "Unknown feature or bad level", body = crate::error::Problem, content_type = "application/problem+json"), (status = 401, description = "Not signed in", body = crate::error::Problem, content_type = "application/problem+json"), (status = 403, description = "Password change required, or a question about another user without `user_management: read`", body = crate::error::Problem, content_type = "application/problem+json"), (status = 404, description = "Unknown user or case", body = crate::error::Problem, content_type = "application/problem+json"), (status = 409, description = "at_least_version not reached", body = crate::error::Problem, content_type = "application/problem+json")),
    tag = "checks",
    security(("session" = []), ("token" = []))
)]
pub async fn check(
    state: web::Data<AppState>,
    User(caller): User,
    body: crate::Json<CheckBody>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    if let Some(case) = body.case {
        let answer = state
            .run(move |t| t.case_check(&caller, case, body.user, &body.feature, body.level))
            .await?;
        state.metrics.checks_answered(1);
        return Ok(HttpResponse::Ok().json(CheckAnswer {
            allowed: answer.allowed,
            level: answer.level,
            policy_version: answer.policy_version,
            case_role: answer.case_role,
        }));
    }
    let policy = state.policy(caller.account, body.at_least_version).await?;
    let question = Question {
        user: body.user,
        feature: body.feature,
        level: body.level,
    };
    let answer = checks::check(&policy, &caller, &question)?;
    state.metrics.checks_answered(1);
    Ok(HttpResponse::Ok().json(CheckAnswer {
        allowed: answer.allowed,
        level: answer.level,
        policy_version: answer.policy_version,
        case_role: None,
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
    #[schema(
        pattern = "^[a-z][a-z0-9_]*(:[A-Za-z0-9_.-]+)?(/[a-z][a-z0-9_]*(:[A-Za-z0-9_.-]+)?)*$",
        max_length = 512
    )]
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
    #[schema(max_items = 10000)]
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
    responses((status = 200, body = BatchAnswer), (status = 400, description = "A bad item (field `checks[i].…`) or more than 10,000", body = crate::error::Problem, content_type = "application/problem+json"), (status = 401, description = "Not signed in", body = crate::error::Problem, content_type = "application/problem+json"), (status = 403, description = "Password change required, or a question about another user without `user_management: read`", body = crate::error::Problem, content_type = "application/problem+json"), (status = 404, description = "Unknown user", body = crate::error::Problem, content_type = "application/problem+json"), (status = 409, description = "at_least_version not reached", body = crate::error::Problem, content_type = "application/problem+json")),
    tag = "checks",
    security(("session" = []), ("token" = []))
)]
pub async fn batch(
    state: web::Data<AppState>,
    User(caller): User,
    body: crate::Json<BatchBody>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let policy = state.policy(caller.account, body.at_least_version).await?;
    let questions: Vec<Question> = body
        .checks
        .into_iter()
        .map(|item| Question {
            user: item.user,
            feature: item.feature,
            level: item.level,
        })
        .collect();
    let allowed = checks::check_batch(&policy, &caller, &questions)?;
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
    #[schema(
        pattern = "^[a-z][a-z0-9_]*(:[A-Za-z0-9_.-]+)?(/[a-z][a-z0-9_]*(:[A-Za-z0-9_.-]+)?)*$",
        max_length = 512
    )]
    pub feature: String,
    /// Answer from a policy at least this fresh.
    #[serde(default)]
    #[schema(value_type = Option<u64>)]
    pub at_least_version: Option<PolicyVersion>,
    /// Explain within this case (a case feature; the grant names the case role).
    #[serde(default)]
    pub case: Option<Uuid>,
}

/// Why a user has their level on a feature.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ExplainAnswer {
    /// The explanation: user, feature, level, grant, `set_on`, `inherited_through`.
    #[serde(flatten)]
    #[schema(inline, value_type = crate::openapi::ExplanationSchema)]
    pub explanation: Explanation,
    /// The user as people know them: their display name, else their e-mail.
    pub user_name: String,
    /// The same, as a sentence naming the user that way.
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
    responses((status = 200, body = ExplainAnswer), (status = 400, description = "Unknown feature", body = crate::error::Problem, content_type = "application/problem+json"), (status = 401, description = "Not signed in", body = crate::error::Problem, content_type = "application/problem+json"), (status = 403, description = "Password change required, or a question about another user without `user_management: read`", body = crate::error::Problem, content_type = "application/problem+json"), (status = 404, description = "Unknown user or case", body = crate::error::Problem, content_type = "application/problem+json"), (status = 409, description = "at_least_version not reached", body = crate::error::Problem, content_type = "application/problem+json")),
    tag = "checks",
    security(("session" = []), ("token" = []))
)]
pub async fn explain(
    state: web::Data<AppState>,
    User(caller): User,
    body: crate::Json<ExplainBody>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let named = state
        .run(move |t| match body.case {
            Some(case) => t.case_explain(&caller, case, body.user, &body.feature),
            None => t.explain(&caller, body.user, &body.feature, body.at_least_version),
        })
        .await?;
    Ok(HttpResponse::Ok().json(ExplainAnswer {
        explanation: named.explanation,
        user_name: named.who,
        summary: named.summary,
        policy_version: named.policy_version,
    }))
}

/// `GET /v1/who-can` query.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct WhoCanQuery {
    /// Feature path.
    #[param(
        pattern = "^[a-z][a-z0-9_]*(:[A-Za-z0-9_.-]+)?(/[a-z][a-z0-9_]*(:[A-Za-z0-9_.-]+)?)*$",
        max_length = 512
    )]
    pub feature: String,
    /// Level needed.
    #[param(value_type = crate::openapi::LevelName)]
    pub level: Level,
    /// Ask within this case (a case feature; the users assigned to the case answer).
    pub case: Option<Uuid>,
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
    responses((status = 200, body = WhoCanAnswer), (status = 400, description = "Unknown feature or bad level", body = crate::error::Problem, content_type = "application/problem+json"), (status = 401, description = "Not signed in", body = crate::error::Problem, content_type = "application/problem+json"), (status = 403, description = "Password change required, or who-can needs `user_management: read`", body = crate::error::Problem, content_type = "application/problem+json"), (status = 404, description = "Unknown case", body = crate::error::Problem, content_type = "application/problem+json")),
    tag = "checks",
    security(("session" = []), ("token" = []))
)]
pub async fn who_can(
    state: web::Data<AppState>,
    User(caller): User,
    query: crate::Query<WhoCanQuery>,
) -> Result<HttpResponse, ApiError> {
    let query = query.into_inner();
    if let Some(case) = query.case {
        let (users, policy_version) = state
            .run(move |t| t.case_who_can(&caller, case, &query.feature, query.level))
            .await?;
        return Ok(HttpResponse::Ok().json(WhoCanAnswer {
            users,
            policy_version,
        }));
    }
    let policy = state.policy(caller.account, None).await?;
    let users = checks::who_can(&policy, &caller, &query.feature, query.level)?;
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
    #[schema(
        pattern = "^[a-z][a-z0-9_]*(:[A-Za-z0-9_.-]+)?(/[a-z][a-z0-9_]*(:[A-Za-z0-9_.-]+)?)*$",
        max_length = 512
    )]
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
    responses((status = 200, body = WhatCanAnswer), (status = 400, description = "Bad level", body = crate::error::Problem, content_type = "application/problem+json"), (status = 401, description = "Not signed in", body = crate::error::Problem, content_type = "application/problem+json"), (status = 403, description = "Password change required, or a question about another user without `user_management: read`", body = crate::error::Problem, content_type = "application/problem+json"), (status = 404, description = "Unknown user", body = crate::error::Problem, content_type = "application/problem+json")),
    tag = "checks",
    security(("session" = []), ("token" = []))
)]
pub async fn what_can(
    state: web::Data<AppState>,
    User(caller): User,
    query: crate::Query<WhatCanQuery>,
) -> Result<HttpResponse, ApiError> {
    let policy = state.policy(caller.account, None).await?;
    let features = checks::what_can(&policy, &caller, query.user, query.level)?
        .into_iter()
        .map(|(feature, level)| Reach { feature, level })
        .collect();
    Ok(HttpResponse::Ok().json(WhatCanAnswer {
        features,
        policy_version: policy.version(),
    }))
}
