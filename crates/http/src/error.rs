//! Errors on the wire: `application/problem+json` (RFC 9457) with a stable `type`, a
//! `title`, and the offending `field` where there is one. One exhaustive mapping from
//! domain and storage errors to statuses.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use tessera_access::{AccessError, CheckError};
use tessera_store::StoreError;

/// Everything a request can fail with.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// The request body or a parameter is malformed.
    #[error("{detail}")]
    InvalidInput {
        /// The offending field (JSON pointer-ish path, e.g. `email` or `checks[3].feature`).
        field: Option<String>,
        /// What is wrong with it.
        detail: String,
    },
    /// The body is larger than the server accepts.
    #[error("the body is too large: at most {limit} bytes")]
    PayloadTooLarge {
        /// The limit in bytes.
        limit: usize,
    },
    /// No valid session or token.
    #[error("sign in first")]
    Unauthenticated,
    /// Wrong e-mail or password (the same answer for both).
    #[error("wrong e-mail or password")]
    BadCredentials,
    /// The path exists, but not with this method.
    #[error("this path answers only {allow}")]
    MethodNotAllowed {
        /// The methods it answers (the `Allow` header).
        allow: &'static str,
    },
    /// Too many failed attempts for this e-mail or from this address; try again later.
    #[error("too many failed attempts: try again in {retry_after_seconds} s")]
    TooManyAttempts {
        /// Seconds until the oldest counted failure leaves the window (at most).
        retry_after_seconds: u32,
    },
    /// The caller must change their initial password before anything else.
    #[error("change your password first")]
    PasswordChangeRequired,
    /// The caller's role does not allow this.
    #[error("your role does not allow this: needs `{level}` on `{feature}`")]
    Forbidden {
        /// The feature checked.
        feature: String,
        /// The level needed.
        level: String,
    },
    /// The thing does not exist in the caller's account.
    #[error("{what} not found")]
    NotFound {
        /// What was looked for.
        what: &'static str,
    },
    /// The change conflicts with the current state.
    #[error("{detail}")]
    Conflict {
        /// The offending field, if any.
        field: Option<String>,
        /// What conflicts.
        detail: String,
    },
    /// The policy did not reach the requested version in time.
    #[error("policy version {wanted} not reached (at {current})")]
    StaleVersion {
        /// The version asked for.
        wanted: u64,
        /// The version available.
        current: u64,
    },
    /// An engine error (bad path, predefined role, …).
    #[error(transparent)]
    Access(#[from] AccessError),
    /// A sharing or invitation error.
    #[error(transparent)]
    Invitation(#[from] tessera_invitations::InvitationError),
    /// A storage error.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// An e-mail could not be rendered or sent.
    #[error(transparent)]
    Mail(#[from] tessera_mail::MailError),
    /// A blocking task could not run.
    #[error("internal error")]
    Internal(String),
}

impl From<CheckError> for ApiError {
    fn from(error: CheckError) -> Self {
        ApiError::Access(error.into())
    }
}

impl From<diesel::result::Error> for ApiError {
    fn from(error: diesel::result::Error) -> Self {
        ApiError::Store(error.into())
    }
}

impl From<actix_web::error::BlockingError> for ApiError {
    fn from(error: actix_web::error::BlockingError) -> Self {
        ApiError::Internal(error.to_string())
    }
}

/// The problem document.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Problem {
    /// Stable problem type (a URI reference).
    #[serde(rename = "type")]
    pub kind: String,
    /// Short summary of the type.
    pub title: &'static str,
    /// HTTP status.
    pub status: u16,
    /// What happened here.
    pub detail: String,
    /// The offending input field, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

impl ApiError {
    /// Status, stable type and title, and field.
    fn parts(&self) -> (StatusCode, &'static str, &'static str, Option<String>) {
        use AccessError as A;
        match self {
            ApiError::InvalidInput { field, .. } => (
                StatusCode::BAD_REQUEST,
                "invalid-input",
                "Invalid input",
                field.clone(),
            ),
            ApiError::PayloadTooLarge { .. } => (
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload-too-large",
                "Body too large",
                None,
            ),
            ApiError::Unauthenticated => (
                StatusCode::UNAUTHORIZED,
                "unauthenticated",
                "Authentication required",
                None,
            ),
            ApiError::BadCredentials => (
                StatusCode::UNAUTHORIZED,
                "bad-credentials",
                "Wrong e-mail or password",
                None,
            ),
            ApiError::MethodNotAllowed { .. } => (
                StatusCode::METHOD_NOT_ALLOWED,
                "method-not-allowed",
                "Method not allowed",
                None,
            ),
            ApiError::TooManyAttempts { .. } => (
                StatusCode::TOO_MANY_REQUESTS,
                "too-many-attempts",
                "Too many failed attempts",
                None,
            ),
            ApiError::PasswordChangeRequired => (
                StatusCode::FORBIDDEN,
                "password-change-required",
                "Password change required",
                None,
            ),
            ApiError::Forbidden { .. } => (StatusCode::FORBIDDEN, "forbidden", "Forbidden", None),
            ApiError::NotFound { .. } => (StatusCode::NOT_FOUND, "not-found", "Not found", None),
            ApiError::Conflict { field, .. } => {
                (StatusCode::CONFLICT, "conflict", "Conflict", field.clone())
            }
            ApiError::StaleVersion { .. } => (
                StatusCode::CONFLICT,
                "stale-policy-version",
                "Policy version not reached",
                Some("at_least_version".to_owned()),
            ),
            ApiError::Access(error) => match error {
                A::InvalidPath { .. } | A::UnknownParent { .. } => (
                    StatusCode::BAD_REQUEST,
                    "invalid-feature-path",
                    "Invalid feature path",
                    Some("feature".into()),
                ),
                A::DuplicateFeature { .. } => (
                    StatusCode::CONFLICT,
                    "duplicate-feature",
                    "Feature already exists",
                    Some("feature".into()),
                ),
                A::UnknownFeature { .. } | A::UnknownFeatureId { .. } => (
                    StatusCode::BAD_REQUEST,
                    "unknown-feature",
                    "Unknown feature",
                    Some("feature".into()),
                ),
                A::UnknownUser { .. } => (
                    StatusCode::NOT_FOUND,
                    "not-found",
                    "Not found",
                    Some("user".into()),
                ),
                A::UnknownRole { .. } => (
                    StatusCode::BAD_REQUEST,
                    "unknown-role",
                    "Unknown role",
                    Some("role".into()),
                ),
                A::DuplicateRole { .. } => (
                    StatusCode::CONFLICT,
                    "duplicate-role",
                    "Role already exists",
                    Some("id".into()),
                ),
                A::DuplicateRoleName { .. } => (
                    StatusCode::CONFLICT,
                    "duplicate-role-name",
                    "Role name taken",
                    Some("name".into()),
                ),
                A::InvalidRoleName { .. } => (
                    StatusCode::BAD_REQUEST,
                    "invalid-input",
                    "Invalid input",
                    Some("name".into()),
                ),
                A::PredefinedRole { .. } => (
                    StatusCode::FORBIDDEN,
                    "predefined-role",
                    "Predefined roles cannot be changed",
                    None,
                ),
                A::RoleInUse { .. } => (
                    StatusCode::CONFLICT,
                    "role-in-use",
                    "Role is assigned",
                    None,
                ),
                A::InvalidLevel { .. } => (
                    StatusCode::BAD_REQUEST,
                    "invalid-input",
                    "Invalid input",
                    Some("level".into()),
                ),
                A::InBatch { index, source } => {
                    let (status, kind, title, field) = ApiError::Access((**source).clone()).parts();
                    let field = field.map(|f| format!("checks[{index}].{f}"));
                    (status, kind, title, field)
                }
            },
            ApiError::Invitation(error) => {
                use tessera_invitations::InvitationError as I;
                let bad = |field: &str| {
                    (
                        StatusCode::BAD_REQUEST,
                        "invalid-input",
                        "Invalid input",
                        Some(field.to_owned()),
                    )
                };
                match error {
                    I::NothingToShare | I::UnknownItem { .. } | I::NestedWishList { .. } => {
                        bad("items")
                    }
                    I::TasksNotShareable { .. } => (
                        StatusCode::BAD_REQUEST,
                        "tasks-not-shareable",
                        "Tasks cannot be shared externally",
                        Some("items".to_owned()),
                    ),
                    I::InvalidEmail { .. } | I::NoRecipients | I::TooManyRecipients { .. } => {
                        bad("recipients")
                    }
                    I::MessageTooLong { .. } => bad("message"),
                    I::InvalidValidity { .. } => bad("invitation_validity_days"),
                    I::AlreadyRevoked => (
                        StatusCode::CONFLICT,
                        "already-revoked",
                        "Invitation revoked",
                        None,
                    ),
                    I::Refused => (StatusCode::FORBIDDEN, "refused", "Not valid", None),
                    I::NonceReused => (
                        StatusCode::INTERNAL_SERVER_ERROR,
                        "internal",
                        "Internal error",
                        None,
                    ),
                }
            }
            ApiError::Store(error) => match error {
                StoreError::NotFound => (StatusCode::NOT_FOUND, "not-found", "Not found", None),
                StoreError::Conflict { .. } => (StatusCode::CONFLICT, "conflict", "Conflict", None),
                StoreError::Referenced { .. } => {
                    (StatusCode::CONFLICT, "conflict", "Conflict", None)
                }
                StoreError::UnsupportedUrl { .. }
                | StoreError::Connection(_)
                | StoreError::Pool(_)
                | StoreError::Migration(_)
                | StoreError::Corrupt { .. }
                | StoreError::Database(_) => (
                    StatusCode::SERVICE_UNAVAILABLE,
                    "storage-unavailable",
                    "Storage unavailable",
                    None,
                ),
            },
            ApiError::Mail(_) => (
                StatusCode::SERVICE_UNAVAILABLE,
                "mail-unavailable",
                "E-mail unavailable",
                None,
            ),
            ApiError::Internal(_) => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                "Internal error",
                None,
            ),
        }
    }

    /// The problem document for this error. Storage and internal details stay in the log.
    pub fn problem(&self) -> Problem {
        let (status, kind, title, field) = self.parts();
        let detail = match self {
            ApiError::Store(_) | ApiError::Internal(_) | ApiError::Mail(_) => title.to_owned(),
            other => other.to_string(),
        };
        Problem {
            kind: format!("/problems/{kind}"),
            title,
            status: status.as_u16(),
            detail,
            field,
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.parts().0
    }

    fn error_response(&self) -> HttpResponse {
        if matches!(
            self,
            ApiError::Store(_) | ApiError::Internal(_) | ApiError::Mail(_)
        ) {
            tracing::error!(error = %self, "request failed");
        }
        let problem = self.problem();
        let mut response = HttpResponse::build(self.status_code());
        match self {
            ApiError::TooManyAttempts {
                retry_after_seconds,
            } => {
                response.insert_header((
                    actix_web::http::header::RETRY_AFTER,
                    retry_after_seconds.to_string(),
                ));
            }
            ApiError::MethodNotAllowed { allow } => {
                response.insert_header((actix_web::http::header::ALLOW, *allow));
            }
            _ => {}
        }
        response
            .content_type("application/problem+json")
            .json(problem)
    }
}

/// Turns actix's JSON and query extractor errors into problem documents naming the field.
pub fn json_error(
    error: actix_web::error::JsonPayloadError,
    _: &actix_web::HttpRequest,
) -> actix_web::Error {
    use actix_web::error::JsonPayloadError as J;
    if matches!(error, J::OverflowKnownLength { .. } | J::Overflow { .. }) {
        return ApiError::PayloadTooLarge {
            limit: crate::MAX_BODY_BYTES,
        }
        .into();
    }
    let detail = match &error {
        J::OverflowKnownLength { .. } | J::Overflow { .. } => "the body is too large".to_owned(),
        J::ContentType => "expected `application/json`".to_owned(),
        J::Deserialize(inner) => inner.to_string(),
        other => other.to_string(),
    };
    let field = match &error {
        J::Deserialize(inner) => field_of(&inner.to_string()),
        _ => None,
    };
    ApiError::InvalidInput { field, detail }.into()
}

/// Turns query-string errors into problem documents.
pub fn query_error(
    error: actix_web::error::QueryPayloadError,
    _: &actix_web::HttpRequest,
) -> actix_web::Error {
    let detail = error.to_string();
    ApiError::InvalidInput {
        field: field_of(&detail),
        detail,
    }
    .into()
}

/// The field serde names in its message (`unknown field `x``, `missing field `x``,
/// `invalid … at …`), best effort.
fn field_of(message: &str) -> Option<String> {
    for marker in ["unknown field `", "missing field `"] {
        if let Some(rest) = message.split(marker).nth(1) {
            return rest.split('`').next().map(str::to_owned);
        }
    }
    None
}
