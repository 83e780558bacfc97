//! Ending access: sign-out, user deletion, API tokens and their revocation.

use actix_web::http::Method;
use serde_json::json;
use tessera_http::SESSION_COOKIE;

use crate::support::{ADMIN_EMAIL, Cred, INITIAL_PASSWORD, backends, request, unknown_id};

/// Signing out ends the session at once: the same cookie is then 401, and the answer
/// clears the cookie. It works even before the forced password change.
#[actix_web::test]
async fn sign_out_ends_the_session_at_once() {
    for env in backends().await {
        let first = env.session(ADMIN_EMAIL, INITIAL_PASSWORD).await;
        let out = env.delete("/v1/session", &first.cred).await;
        out.expect(204);
        let cleared = out
            .cookie(SESSION_COOKIE)
            .unwrap_or_else(|| panic!("[{}] sign-out clears the cookie", env.name));
        assert_eq!(cleared.value(), "", "[{}]", env.name);
        assert!(
            cleared.max_age().is_some_and(|age| age.is_zero()),
            "[{}] {cleared}",
            env.name
        );
        env.post(
            "/v1/session/password",
            &first.cred,
            json!({ "current_password": INITIAL_PASSWORD, "new_password": "whatever-password-1" }),
        )
        .await
        .problem(401, "unauthenticated");

        let admin = env.admin().await;
        env.get("/v1/users", &admin.cred).await.expect(200);
        env.delete("/v1/session", &admin.cred).await.expect(204);
        env.get("/v1/users", &admin.cred)
            .await
            .problem(401, "unauthenticated");
        env.delete("/v1/session", &admin.cred)
            .await
            .problem(401, "unauthenticated");
        env.delete("/v1/session", &Cred::Anonymous)
            .await
            .problem(401, "unauthenticated");
    }
}

/// An API token authenticates as `Authorization: Bearer` until its owner revokes it with
/// `DELETE /v1/tokens/{id}` (then 401); nobody else can revoke it (404), and its name and
/// lifetime are validated.
#[actix_web::test]
async fn api_tokens_work_as_bearer_until_revoked() {
    for env in backends().await {
        let admin = env.admin().await;
        let created = env
            .post(
                "/v1/tokens",
                &admin.cred,
                json!({ "name": "ci", "expires_in_days": 30 }),
            )
            .await;
        let body = created.expect(201);
        let id = created.str("id");
        let token = Cred::Token(created.str("token"));
        assert!(body["expires_at"].is_string(), "[{}] {body}", env.name);

        env.get("/v1/users", &token).await.expect(200);
        let check = env
            .post(
                "/v1/check",
                &token,
                json!({ "user": admin.id, "feature": "settings", "level": "write" }),
            )
            .await;
        assert_eq!(check.expect(200)["allowed"], true, "[{}]", env.name);

        // Validation.
        for (body, field) in [
            (json!({ "name": "" }), "name"),
            (json!({ "name": "  " }), "name"),
            (json!({ "name": "x".repeat(101) }), "name"),
            (
                json!({ "name": "ci", "expires_in_days": 0 }),
                "expires_in_days",
            ),
            (
                json!({ "name": "ci", "expires_in_days": 366 }),
                "expires_in_days",
            ),
            (json!({ "name": "ci", "scope": "all" }), "scope"),
        ] {
            env.post("/v1/tokens", &admin.cred, body)
                .await
                .problem_at(400, "invalid-input", field);
        }

        // Malformed bearer values are no credential.
        for header in ["Bearer not-a-token", "Bearer ", "Basic abc", "bearer x"] {
            let req = request(Method::GET, "/v1/users", &Cred::Anonymous)
                .insert_header(("Authorization", header));
            env.raw(&format!("GET /v1/users ({header})"), req)
                .await
                .problem(401, "unauthenticated");
        }

        // Another user of the account cannot revoke it.
        let translator = env.role_id(&admin.cred, "Translator").await;
        let other = env
            .add_user(&admin.cred, "other@example.com", &translator)
            .await;
        env.delete(&format!("/v1/tokens/{id}"), &other.cred)
            .await
            .problem(404, "not-found");
        env.get("/v1/users", &token).await.expect(200);
        env.delete(&format!("/v1/tokens/{}", unknown_id()), &admin.cred)
            .await
            .problem(404, "not-found");
        env.delete("/v1/tokens/not-a-uuid", &admin.cred)
            .await
            .problem_at(400, "invalid-input", "id");

        // A second token, so revoking one leaves the other.
        let second = env
            .post("/v1/tokens", &admin.cred, json!({ "name": "second" }))
            .await;
        second.expect(201);
        let second_token = Cred::Token(second.str("token"));

        env.delete(&format!("/v1/tokens/{id}"), &admin.cred)
            .await
            .expect(204);
        env.get("/v1/users", &token)
            .await
            .problem(401, "unauthenticated");
        env.delete(&format!("/v1/tokens/{id}"), &admin.cred)
            .await
            .problem(404, "not-found");
        env.get("/v1/users", &second_token).await.expect(200);
        env.get("/v1/users", &admin.cred).await.expect(200);

        // A token may revoke itself.
        let second_id = second.str("id");
        env.delete(&format!("/v1/tokens/{second_id}"), &second_token)
            .await
            .expect(204);
        env.get("/v1/users", &second_token)
            .await
            .problem(401, "unauthenticated");
    }
}

/// Deleting a user ends their session and their API token at once: their very next call
/// is 401, and they can no longer sign in.
#[actix_web::test]
async fn deleting_a_user_ends_their_session_and_tokens_at_once() {
    for env in backends().await {
        let admin = env.admin().await;
        let translator = env.role_id(&admin.cred, "Translator").await;
        let user = env
            .add_user(&admin.cred, "leaver@example.com", &translator)
            .await;
        let created = env
            .post("/v1/tokens", &user.cred, json!({ "name": "laptop" }))
            .await;
        created.expect(201);
        let token = Cred::Token(created.str("token"));
        // Both work, and the policy of the account is cached by now.
        env.get("/v1/features", &user.cred).await.expect(200);
        env.get("/v1/features", &token).await.expect(200);
        let check = env
            .post(
                "/v1/check",
                &token,
                json!({ "user": user.id, "feature": "edit_languages", "level": "write" }),
            )
            .await;
        assert_eq!(check.expect(200)["allowed"], true, "[{}]", env.name);

        env.delete(&format!("/v1/users/{}", user.id), &admin.cred)
            .await
            .deleted_version();
        env.get("/v1/features", &user.cred)
            .await
            .problem(401, "unauthenticated");
        env.get("/v1/features", &token)
            .await
            .problem(401, "unauthenticated");
        env.post(
            "/v1/check",
            &token,
            json!({ "user": user.id, "feature": "edit_languages", "level": "write" }),
        )
        .await
        .problem(401, "unauthenticated");
        env.delete("/v1/session", &user.cred)
            .await
            .problem(401, "unauthenticated");
        env.sign_in(
            "leaver@example.com",
            &crate::support::Env::password_of("leaver@example.com"),
        )
        .await
        .problem(401, "bad-credentials");
        // Questions about the deleted user: unknown now.
        env.post(
            "/v1/check",
            &admin.cred,
            json!({ "user": user.id, "feature": "edit_languages", "level": "read" }),
        )
        .await
        .problem(404, "not-found");
    }
}
