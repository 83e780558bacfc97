//! What every benchmark binary here shares: where criterion writes, reading its medians
//! back for the one-line summary, and calling the in-process HTTP app.

#![allow(dead_code, reason = "each bench uses part of it")]

use std::path::{Path, PathBuf};

use actix_web::dev::{Service, ServiceResponse};
use actix_web::http::Method;
use actix_web::test::{self, TestRequest};
use serde_json::Value;
use tessera_http::SESSION_COOKIE;

/// Criterion's output directory under the (possibly relocated) target directory.
pub fn criterion_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("..")
                .join("target")
        });
    target.join("criterion")
}

/// Criterion's median estimate (ns) for `group/function`, if that benchmark ran.
pub fn median_ns(dir: &Path, group: &str, function: &str) -> Option<f64> {
    let file = dir
        .join(group)
        .join(function)
        .join("new")
        .join("estimates.json");
    let json: serde_json::Value = serde_json::from_slice(&std::fs::read(file).ok()?).ok()?;
    json["median"]["point_estimate"].as_f64()
}

/// A request from a loopback client.
pub fn request(method: Method, path: &str) -> TestRequest {
    TestRequest::default()
        .method(method)
        .uri(path)
        .peer_addr(([127, 0, 0, 1], 40_000).into())
}

/// Sends `request` to the in-process app: the status, the body as JSON (`Null` when it is
/// not), and the session cookie's value when one is set.
pub async fn json_body<S, B>(app: &S, request: TestRequest) -> (u16, Value, Option<String>)
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: actix_web::body::MessageBody,
{
    let response = test::call_service(app, request.to_request()).await;
    let status = response.status().as_u16();
    let session = response
        .response()
        .cookies()
        .find(|c| c.name() == SESSION_COOKIE)
        .map(|c| c.value().to_owned());
    let body = test::read_body(response).await;
    (
        status,
        serde_json::from_slice(&body).unwrap_or(Value::Null),
        session,
    )
}

/// A small deterministic generator (a 64-bit LCG): fixtures are the same on every run.
pub struct Lcg(pub u64);

impl Lcg {
    /// A number below `n`.
    pub fn below(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        ((self.0 >> 33) % n as u64) as usize
    }
}

/// The `p` quantile of sorted durations, in milliseconds.
pub fn percentile_ms(sorted: &[std::time::Duration], p: f64) -> f64 {
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index].as_secs_f64() * 1e3
}

/// Signs the bootstrap Admin in with `password`, replaces the one-time password, and returns
/// the session cookie with the sign-in's answer (`account_id`, `user_id`, …).
pub async fn admin_session<S, B>(
    app: &S,
    email: &str,
    password: &str,
) -> (actix_web::cookie::Cookie<'static>, Value)
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: actix_web::body::MessageBody,
{
    let sign_in = serde_json::json!({ "email": email, "password": password });
    let (status, body, session) =
        json_body(app, request(Method::POST, "/v1/session").set_json(sign_in)).await;
    assert_eq!(status, 200, "{body}");
    let cookie = actix_web::cookie::Cookie::new(SESSION_COOKIE, session.expect("session cookie"));
    let change =
        serde_json::json!({ "current_password": password, "new_password": "bench-password-22" });
    let (status, _, _) = json_body(
        app,
        request(Method::POST, "/v1/session/password")
            .cookie(cookie.clone())
            .set_json(change),
    )
    .await;
    assert_eq!(status, 204);
    (cookie, body)
}
