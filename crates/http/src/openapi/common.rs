//! What every operation shares, added to the document once instead of on every handler: the
//! answers it can give — 400 for a malformed body, query or path (the field named), 413 for a
//! body too large, 415 for a body that is not JSON, 401 and 403 where a credential is needed,
//! 503 when the database cannot be reached — and the formats of its parameters (`id` path
//! parameters are UUIDs; `action` in the audit query is one of the audited actions). A
//! handler's own description of an answer stays; only missing ones are added.

use serde_json::Value;
use utoipa::openapi::path::{Operation, Parameter, ParameterIn, PathItem};
use utoipa::openapi::schema::{KnownFormat, Schema, SchemaFormat};
use utoipa::openapi::{ContentBuilder, OpenApi, Ref, RefOr, ResponseBuilder};

/// The problem response with `description`.
fn problem(description: &str) -> utoipa::openapi::Response {
    ResponseBuilder::new()
        .description(description)
        .content(
            "application/problem+json",
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name("Problem")))
                .build(),
        )
        .build()
}

fn add(operation: &mut Operation, status: &str, description: &str) {
    let responses = &mut operation.responses.responses;
    if !responses.contains_key(status) {
        responses.insert(status.to_owned(), problem(description).into());
    }
}

fn operations(item: &mut PathItem) -> impl Iterator<Item = &mut Operation> {
    [
        item.get.as_mut(),
        item.put.as_mut(),
        item.post.as_mut(),
        item.delete.as_mut(),
        item.patch.as_mut(),
    ]
    .into_iter()
    .flatten()
}

/// Sets what a parameter's schema says of its format or values.
fn constrain(parameter: &mut Parameter) {
    let Some(RefOr::T(Schema::Object(object))) = parameter.schema.as_mut() else {
        return;
    };
    match (&parameter.parameter_in, parameter.name.as_str()) {
        (ParameterIn::Path, "id") => {
            object.format = Some(SchemaFormat::KnownFormat(KnownFormat::Uuid));
        }
        (ParameterIn::Query, "action") => {
            let names = tessera_core::AuditAction::ALL
                .iter()
                .map(|action| Value::String(action.as_str().to_owned()))
                .collect();
            object.enum_values = Some(names);
        }
        _ => {}
    }
}

/// Adds the common answers and parameter formats to every operation of `openapi`.
pub fn add_common_responses(openapi: &mut OpenApi) {
    for (path, item) in openapi.paths.paths.iter_mut() {
        let in_path = path.contains('{');
        let operational = matches!(path.as_str(), "/healthz" | "/metrics" | "/openapi.json");
        for operation in operations(item) {
            for parameter in operation.parameters.iter_mut().flatten() {
                if let RefOr::T(parameter) = parameter {
                    constrain(parameter);
                }
            }
            let has_body = operation.request_body.is_some();
            let has_query = operation
                .parameters
                .as_ref()
                .is_some_and(|parameters| !parameters.is_empty());
            if has_body || has_query || in_path {
                add(
                    operation,
                    "400",
                    "Malformed input: the problem's `field` names the offending value by its path",
                );
            }
            if has_body {
                add(
                    operation,
                    "413",
                    "The body is larger than the server accepts",
                );
                add(operation, "415", "The body is not `application/json`");
            }
            let secured = operation
                .security
                .as_ref()
                .is_some_and(|requirements| !requirements.is_empty());
            if secured {
                add(operation, "401", "No valid credential");
                add(
                    operation,
                    "403",
                    "Password change required, or the role does not allow it",
                );
            }
            if !operational {
                add(
                    operation,
                    "503",
                    "The database cannot be reached (`Retry-After` says when to try again)",
                );
            }
        }
    }
}
