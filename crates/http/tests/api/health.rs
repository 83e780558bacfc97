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
