//! Accounts: the operator creates and lists them (`Authorization: Bearer <operator token>`,
//! configured on the server); an account's members read its settings (`settings: read`) and
//! its admins change them (`settings: write`).

use std::future::{Ready, ready};

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest, HttpResponse, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use tessera_access::PolicyVersion;
use tessera_core::{AccountId, UserId};
use tessera_service::records::Account;
use tessera_service::{AccountUpdate, NewAccount, Operator, ServiceError};

use crate::auth::User;
use crate::{ApiError, AppState};

/// The operator, authenticated by the operator token.
pub struct OperatorAuth(pub Operator);

impl FromRequest for OperatorAuth {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(request: &HttpRequest, _: &mut Payload) -> Self::Future {
        let token = request
            .headers()
            .get(actix_web::http::header::AUTHORIZATION)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.strip_prefix("Bearer "));
        let operator = match (request.app_data::<web::Data<AppState>>(), token) {
            (Some(state), Some(token)) => state.tessera.operator(token.trim()),
            _ => Err(ServiceError::Unauthenticated),
        };
        ready(operator.map(OperatorAuth).map_err(ApiError::from))
    }
}

/// An account on the wire.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AccountView {
    /// Id.
    #[schema(value_type = String, format = Uuid)]
    pub id: AccountId,
    /// Display name.
    pub name: String,
    /// How many days invitation links and codes stay valid.
    pub invitation_validity_days: i64,
    /// The plan's limit on billable seats (`null`: no limit).
    pub seat_limit: Option<u32>,
    /// The account's policy version.
    #[schema(value_type = u64)]
    pub policy_version: PolicyVersion,
    /// When it was created.
    pub created_at: DateTime<Utc>,
}

impl From<Account> for AccountView {
    fn from(account: Account) -> Self {
        AccountView {
            id: account.id,
            name: account.name,
            invitation_validity_days: account.invitation_validity_days,
            seat_limit: account.seat_limit,
            policy_version: account.policy_version,
            created_at: account.created_at,
        }
    }
}

/// `POST /v1/accounts` body.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewAccountBody {
    /// Display name.
    #[schema(min_length = 1, max_length = 100)]
    pub name: String,
    /// The first Admin's e-mail.
    #[schema(format = "email")]
    pub admin_email: String,
    /// The first Admin's display name.
    #[serde(default)]
    #[schema(max_length = 100)]
    pub admin_display_name: Option<String>,
    /// Apps of the account's standard tree.
    #[serde(default)]
    pub apps: Vec<String>,
    /// Environments of its standard tree (default `test` and `production`).
    #[serde(default)]
    pub environments: Option<Vec<String>>,
}

/// An account just created, with its first Admin's one-time password.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CreatedAccount {
    /// The account.
    pub account: AccountView,
    /// The first Admin.
    #[schema(value_type = String, format = Uuid)]
    pub admin_id: UserId,
    /// The first Admin's e-mail.
    pub admin_email: String,
    /// Their initial password, shown once; it must be changed at first sign-in.
    pub initial_password: String,
}

/// Creates an account: the standard tree, the predefined roles and a first Admin who must
/// change the generated password at first sign-in.
#[utoipa::path(
    post,
    path = "/v1/accounts",
    request_body = NewAccountBody,
    responses(
        (status = 201, body = CreatedAccount),
        (status = 400, description = "Invalid name or e-mail", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not the operator", body = crate::error::Problem, content_type = "application/problem+json")
    ),
    tag = "accounts",
    security(("operator" = []))
)]
pub async fn create(
    state: web::Data<AppState>,
    OperatorAuth(_operator): OperatorAuth,
    body: crate::Json<NewAccountBody>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let new = NewAccount {
        name: body.name,
        apps: body.apps,
        environments: body
            .environments
            .unwrap_or_else(|| vec!["test".to_owned(), "production".to_owned()]),
        admin_email: body.admin_email,
        admin_display_name: body.admin_display_name,
        admin_password: None,
        must_change_password: true,
    };
    let created = state.run(move |t| t.create_account(new)).await?;
    Ok(HttpResponse::Created().json(CreatedAccount {
        account: created.record.into(),
        admin_id: created.admin,
        admin_email: created.admin_email,
        initial_password: created.generated_password.unwrap_or_default(),
    }))
}

/// Lists every account, oldest first.
#[utoipa::path(
    get,
    path = "/v1/accounts",
    responses(
        (status = 200, body = Vec<AccountView>),
        (status = 401, description = "Not the operator", body = crate::error::Problem, content_type = "application/problem+json")
    ),
    tag = "accounts",
    security(("operator" = []))
)]
pub async fn list(
    state: web::Data<AppState>,
    OperatorAuth(_operator): OperatorAuth,
) -> Result<HttpResponse, ApiError> {
    let accounts = state.run(|t| t.accounts()).await?;
    Ok(HttpResponse::Ok().json(
        accounts
            .into_iter()
            .map(AccountView::from)
            .collect::<Vec<_>>(),
    ))
}

/// The caller's account and its settings.
#[utoipa::path(
    get,
    path = "/v1/account",
    responses(
        (status = 200, body = AccountView),
        (status = 401, description = "Not signed in", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "Password change required, or no `settings: read`", body = crate::error::Problem, content_type = "application/problem+json")
    ),
    tag = "accounts",
    security(("session" = []), ("token" = []))
)]
pub async fn get(state: web::Data<AppState>, User(caller): User) -> Result<HttpResponse, ApiError> {
    let account = state.run(move |t| t.account(&caller)).await?;
    Ok(HttpResponse::Ok().json(AccountView::from(account)))
}

/// `PATCH /v1/account` body: the settings to change.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AccountPatch {
    /// A new display name.
    #[serde(default)]
    #[schema(min_length = 1, max_length = 100)]
    pub name: Option<String>,
    /// How many days invitation links and codes stay valid, from their issue (1 to 90; 14
    /// for a new account). Invitations issued before keep theirs.
    #[serde(default)]
    #[schema(minimum = 1, maximum = 90)]
    pub invitation_validity_days: Option<i64>,
    /// The plan's limit on billable seats; `null` removes it. Lowering it under the seats
    /// taken refuses only new seats.
    #[serde(default, deserialize_with = "crate::contacts::present")]
    #[schema(value_type = Option<u32>, minimum = 0, maximum = 1000000)]
    pub seat_limit: Option<Option<u32>>,
}

/// Changes the caller's account's settings.
#[utoipa::path(
    patch,
    path = "/v1/account",
    request_body = AccountPatch,
    responses(
        (status = 200, body = AccountView),
        (status = 400, description = "Invalid name or validity", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "Password change required, or no `settings: write`", body = crate::error::Problem, content_type = "application/problem+json")
    ),
    tag = "accounts",
    security(("session" = []), ("token" = []))
)]
pub async fn update(
    state: web::Data<AppState>,
    User(caller): User,
    body: crate::Json<AccountPatch>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let update = AccountUpdate {
        name: body.name,
        invitation_validity_days: body.invitation_validity_days,
        seat_limit: body.seat_limit,
    };
    let account = state
        .run(move |t| t.update_account(&caller, update))
        .await?;
    Ok(HttpResponse::Ok().json(AccountView::from(account)))
}
