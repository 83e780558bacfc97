//! Errors on the wire: `application/problem+json` (RFC 9457) with a stable `type`, a
//! `title`, and the offending `field` where there is one. One exhaustive mapping from the
//! service's errors to statuses.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use tessera_access::AccessError;
use tessera_automations::{AutomationError, Requirement};
use tessera_contacts::ContactError;
use tessera_contacts::cases::CaseError;
use tessera_invitations::InvitationError;
use tessera_service::{ServiceError, StorageError};

/// Everything a request can fail with: a use case's error, or one of the transport's own.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// The use case refused or failed.
    #[error(transparent)]
    Service(#[from] ServiceError),
    /// The path exists, but not with this method.
    #[error("this path answers only {allow}")]
    MethodNotAllowed {
        /// The methods it answers (the `Allow` header).
        allow: &'static str,
    },
    /// The body is larger than the server accepts.
    #[error("the body is too large: at most {limit} bytes")]
    PayloadTooLarge {
        /// The limit in bytes.
        limit: usize,
    },
    /// The body is not of the content type the endpoint reads.
    #[error("expected a body of type `{expected}`")]
    UnsupportedMediaType {
        /// The content type expected.
        expected: &'static str,
    },
}

impl From<actix_web::error::BlockingError> for ApiError {
    fn from(error: actix_web::error::BlockingError) -> Self {
        ApiError::Service(ServiceError::Internal(error.to_string()))
    }
}

impl ApiError {
    /// A 400 naming `field`.
    pub fn invalid(field: impl Into<String>, detail: impl Into<String>) -> Self {
        ApiError::Service(ServiceError::invalid(field, detail))
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
    /// `automations-unavailable`: what the account lacks (`plan`, `beta_switch`).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Vec<String>>)]
    pub missing: Option<Vec<tessera_automations::Requirement>>,
    /// `users-still-active`: the users for whom the automation is active.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Vec<String>>)]
    pub users: Option<Vec<tessera_core::UserId>>,
    /// `diagnostics-failed`: each problem found, with how to fix it.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Vec<Object>>)]
    pub problems: Option<Vec<tessera_automations::Problem>>,
}

/// Status, stable type, title and field of a problem.
type Parts = (StatusCode, &'static str, &'static str, Option<String>);

fn bad(field: &str) -> Parts {
    (
        StatusCode::BAD_REQUEST,
        "invalid-input",
        "Invalid input",
        Some(field.to_owned()),
    )
}

const INTERNAL: Parts = (
    StatusCode::INTERNAL_SERVER_ERROR,
    "internal",
    "Internal error",
    None,
);

fn access_parts(error: &AccessError) -> Parts {
    use AccessError as A;
    match error {
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
        A::InvalidRoleName { .. } => bad("name"),
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
        A::InvalidLevel { .. } => bad("level"),
        A::StaleHandle { .. } => (
            StatusCode::CONFLICT,
            "stale-policy-version",
            "Policy version changed",
            None,
        ),
        A::InBatch { index, source } => {
            let (status, kind, title, field) = access_parts(source);
            (
                status,
                kind,
                title,
                field.map(|f| format!("checks[{index}].{f}")),
            )
        }
    }
}

fn invitation_parts(error: &InvitationError) -> Parts {
    use InvitationError as I;
    match error {
        I::NothingToShare | I::UnknownItem { .. } | I::NestedWishList { .. } => bad("items"),
        I::TasksNotShareable { .. } => (
            StatusCode::BAD_REQUEST,
            "tasks-not-shareable",
            "Tasks cannot be shared externally",
            Some("items".to_owned()),
        ),
        I::InvalidEmail { .. } | I::NoRecipients | I::TooManyRecipients { .. } => bad("recipients"),
        I::MessageTooLong { .. } => bad("message"),
        I::InvalidValidity { .. } => bad("invitation_validity_days"),
        I::AlreadyRevoked => (
            StatusCode::CONFLICT,
            "already-revoked",
            "Invitation revoked",
            None,
        ),
        I::Refused => (StatusCode::FORBIDDEN, "refused", "Not valid", None),
        I::NonceReused => INTERNAL,
    }
}

fn contact_parts(error: &ContactError) -> Parts {
    use ContactError as C;
    match error {
        C::MayNotGrant => (StatusCode::FORBIDDEN, "forbidden", "Forbidden", None),
        C::InvalidEmail { .. } => bad("email"),
        C::InvalidName { field, .. } => bad(field),
        C::CompanyInCompany => bad("company"),
        C::NoEmail => (
            StatusCode::CONFLICT,
            "conflict",
            "Conflict",
            Some("email".to_owned()),
        ),
        C::NoPendingActivation { .. } => (StatusCode::CONFLICT, "conflict", "Conflict", None),
        C::ActivationUnusable => (
            StatusCode::GONE,
            "activation-unusable",
            "Activation link not valid",
            None,
        ),
        C::AssigneeNotAllowed | C::NoClientManager => bad("assignee"),
        C::AuditorNeedsConfirmation { .. } => (
            StatusCode::CONFLICT,
            "auditor-needs-confirmation",
            "Auditor needs confirmation",
            Some("confirm_auditor".to_owned()),
        ),
        C::EmptyComment | C::CommentTooLong { .. } => bad("body"),
        C::DuplicatePerson { role, .. } => bad(role),
    }
}

fn case_parts(error: &CaseError) -> Parts {
    match error {
        CaseError::AdministratorImmutable => (
            StatusCode::CONFLICT,
            "administrator-immutable",
            "The Administrator cannot be changed",
            Some("user_type".to_owned()),
        ),
        CaseError::OneAdministrator => (
            StatusCode::CONFLICT,
            "administrator-immutable",
            "Only the creator is Administrator",
            Some("user_type".to_owned()),
        ),
        CaseError::SeatLimitReached { .. } => (
            StatusCode::PAYMENT_REQUIRED,
            "seat-limit-reached",
            "Seat limit reached",
            Some("user_type".to_owned()),
        ),
    }
}

fn automation_parts(error: &AutomationError) -> Parts {
    match error {
        AutomationError::GateClosed { missing, .. } => (
            StatusCode::FORBIDDEN,
            "automations-unavailable",
            "Automations are not available to this account",
            Some(match missing.first() {
                Some(Requirement::BetaSwitch) => "beta".to_owned(),
                _ => "plan".to_owned(),
            }),
        ),
        AutomationError::Invalid { field, .. } => bad(field),
        AutomationError::NotShareable => (
            StatusCode::CONFLICT,
            "not-shareable",
            "Only automations triggered by selected users are shared",
            Some("mode".to_owned()),
        ),
        AutomationError::UsersStillActive { .. } => (
            StatusCode::CONFLICT,
            "users-still-active",
            "The automation is active for some users",
            Some("mode".to_owned()),
        ),
        AutomationError::PermanentlyDeactivated => (
            StatusCode::FORBIDDEN,
            "permanently-deactivated",
            "Deactivated permanently by an admin",
            None,
        ),
        AutomationError::DiagnosticsFailed { .. } => (
            StatusCode::CONFLICT,
            "diagnostics-failed",
            "The diagnostics found problems",
            None,
        ),
    }
}

fn storage_parts(error: &StorageError) -> Parts {
    match error {
        StorageError::Unavailable(_) => (
            StatusCode::SERVICE_UNAVAILABLE,
            "storage-unavailable",
            "Storage unavailable",
            None,
        ),
        StorageError::NotFound => (StatusCode::NOT_FOUND, "not-found", "Not found", None),
        StorageError::Conflict { .. } | StorageError::Referenced { .. } => {
            (StatusCode::CONFLICT, "conflict", "Conflict", None)
        }
        StorageError::Corrupt { .. } | StorageError::Failed(_) => INTERNAL,
    }
}

fn service_parts(error: &ServiceError) -> Parts {
    match error {
        ServiceError::InvalidInput { field, .. } => (
            StatusCode::BAD_REQUEST,
            "invalid-input",
            "Invalid input",
            field.clone(),
        ),
        ServiceError::Unauthenticated => (
            StatusCode::UNAUTHORIZED,
            "unauthenticated",
            "Authentication required",
            None,
        ),
        ServiceError::BadCredentials => (
            StatusCode::UNAUTHORIZED,
            "bad-credentials",
            "Wrong e-mail or password",
            None,
        ),
        ServiceError::TooManyAttempts { .. } => (
            StatusCode::TOO_MANY_REQUESTS,
            "too-many-attempts",
            "Too many failed attempts",
            None,
        ),
        ServiceError::PasswordChangeRequired => (
            StatusCode::FORBIDDEN,
            "password-change-required",
            "Password change required",
            None,
        ),
        ServiceError::Forbidden { .. } => (StatusCode::FORBIDDEN, "forbidden", "Forbidden", None),
        ServiceError::NotFound { .. } => (StatusCode::NOT_FOUND, "not-found", "Not found", None),
        ServiceError::Conflict { field, .. } => {
            (StatusCode::CONFLICT, "conflict", "Conflict", field.clone())
        }
        ServiceError::StaleVersion { .. } => (
            StatusCode::CONFLICT,
            "stale-policy-version",
            "Policy version not reached",
            Some("at_least_version".to_owned()),
        ),
        ServiceError::Access(error) => access_parts(error),
        ServiceError::Invitation(error) => invitation_parts(error),
        ServiceError::Contact(error) => contact_parts(error),
        ServiceError::Case(error) => case_parts(error),
        ServiceError::Automation(error) => automation_parts(error),
        ServiceError::Storage(error) => storage_parts(error),
        ServiceError::Mail(_) => (
            StatusCode::SERVICE_UNAVAILABLE,
            "mail-unavailable",
            "E-mail unavailable",
            None,
        ),
        ServiceError::Internal(_) => INTERNAL,
    }
}

impl ApiError {
    fn parts(&self) -> Parts {
        match self {
            ApiError::Service(error) => service_parts(error),
            ApiError::MethodNotAllowed { .. } => (
                StatusCode::METHOD_NOT_ALLOWED,
                "method-not-allowed",
                "Method not allowed",
                None,
            ),
            ApiError::PayloadTooLarge { .. } => (
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload-too-large",
                "Body too large",
                None,
            ),
            ApiError::UnsupportedMediaType { .. } => (
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported-media-type",
                "Unsupported media type",
                Some("content-type".to_owned()),
            ),
        }
    }

    /// The problem document for this error. Storage, mail and internal details stay in the
    /// log.
    pub fn problem(&self) -> Problem {
        let (status, kind, title, field) = self.parts();
        let detail = match self {
            ApiError::Service(error) if error.is_server_side() => title.to_owned(),
            other => other.to_string(),
        };
        let automation = match self {
            ApiError::Service(ServiceError::Automation(error)) => Some(error),
            _ => None,
        };
        Problem {
            kind: format!("/problems/{kind}"),
            title,
            status: status.as_u16(),
            detail,
            field,
            missing: match automation {
                Some(AutomationError::GateClosed { missing, .. }) => Some(missing.clone()),
                _ => None,
            },
            users: match automation {
                Some(AutomationError::UsersStillActive { users }) => Some(users.clone()),
                _ => None,
            },
            problems: match automation {
                Some(AutomationError::DiagnosticsFailed { problems }) => Some(problems.clone()),
                _ => None,
            },
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.parts().0
    }

    fn error_response(&self) -> HttpResponse {
        let status = self.status_code();
        if let ApiError::Service(error) = self
            && error.is_server_side()
        {
            if status.is_server_error() && status != StatusCode::SERVICE_UNAVAILABLE {
                tracing::error!(error = %self, "request failed");
            } else {
                tracing::warn!(error = %self, "request failed");
            }
        }
        let mut response = HttpResponse::build(status);
        match self {
            ApiError::Service(ServiceError::TooManyAttempts {
                retry_after_seconds,
            }) => {
                response.insert_header((
                    actix_web::http::header::RETRY_AFTER,
                    retry_after_seconds.to_string(),
                ));
            }
            ApiError::Service(ServiceError::Storage(StorageError::Unavailable(_))) => {
                response.insert_header((actix_web::http::header::RETRY_AFTER, "1"));
            }
            ApiError::MethodNotAllowed { allow } => {
                response.insert_header((actix_web::http::header::ALLOW, *allow));
            }
            _ => {}
        }
        response
            .content_type("application/problem+json")
            .json(self.problem())
    }
}
