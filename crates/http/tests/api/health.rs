//! Probes and unknown routes.

use serde_json::json;

use crate::support::{Cred, backends};

/// `/healthz` and `/readyz` answer 200 without credentials (`/readyz` reached the
/// database); an unknown route, at the top or under `/v1`, is a 404 problem.
#[actix_web::test]
async fn probes_answer_and_unknown_routes_are_404_problems() {
    for env in backends().await {
        let anonymous = Cred::Anonymous;
        let health = env.get("/healthz", &anonymous).await;
        assert_eq!(
            health.expect(200),
            &json!({ "status": "ok" }),
            "{}",
            env.name
        );
        let ready = env.get("/readyz", &anonymous).await;
        assert_eq!(
            ready.expect(200),
            &json!({ "status": "ready" }),
            "{}",
            env.name
        );

        env.get("/no-such-route", &anonymous)
            .await
            .problem(404, "not-found");
        env.get("/v1/no-such-route", &anonymous)
            .await
            .problem(404, "not-found");
        env.post("/v2/users", &anonymous, json!({}))
            .await
            .problem(404, "not-found");
    }
}

/// A known path with a method it does not answer is a 405 problem whose `Allow` header names
/// the methods it does answer — before any credential is asked for.
#[actix_web::test]
async fn a_known_path_with_another_method_is_405() {
    for env in backends().await {
        let admin = env.admin().await;
        for (method, path, allow) in [
            ("DELETE", "/v1/users", "GET, POST"),
            ("GET", "/v1/session/password", "POST"),
            (
                "PATCH",
                "/v1/roles/00000000-0000-0000-0000-000000000001",
                "GET, PUT, DELETE",
            ),
            ("PUT", "/healthz", "GET"),
            ("DELETE", "/x/verify", "GET, POST"),
        ] {
            let method = actix_web::http::Method::from_bytes(method.as_bytes()).expect("method");
            let reply = env
                .raw(
                    &format!("{method} {path}"),
                    crate::support::request(method.clone(), path, &admin.cred),
                )
                .await;
            reply.problem(405, "method-not-allowed");
            assert_eq!(
                reply.headers.get("allow").and_then(|v| v.to_str().ok()),
                Some(allow),
                "{}",
                reply.context
            );
        }
    }
}
