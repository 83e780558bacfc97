//! Users: add, list, change role, delete; and how malformed bodies are refused.

use actix_web::http::Method;
use actix_web::http::header::ContentType;
use serde_json::json;
use tessera_access::ADMIN_ROLE;

use crate::support::{USER_INITIAL_PASSWORD, backends, request, unknown_id};

/// Adding users: the e-mail is normalized to lowercase; a chosen initial password is not
/// echoed, a generated one is returned once, signs in, and must then be changed. E-mails are
/// unique (409 on `email`, whatever the case), must be e-mails (400 on `email`), and the
/// role must exist (4xx). Changing the role shows in the list; deleting removes the user,
/// who can no longer sign in; deleting oneself is refused with 409.
#[actix_web::test]
async fn users_are_added_normalized_unique_and_removable() {
    for env in backends().await {
        let admin = env.admin().await;
        let translator = env.role_id(&admin.cred, "Translator").await;
        let publisher = env.role_id(&admin.cred, "Publisher").await;

        // With a chosen initial password.
        let added = env
            .post(
                "/v1/users",
                &admin.cred,
                json!({
                    "email": "  Alice@Example.COM ",
                    "role_id": translator,
                    "initial_password": USER_INITIAL_PASSWORD,
                }),
            )
            .await;
        let body = added.expect(201);
        let alice = body["user"]["id"].as_str().expect("id").to_owned();
        assert_eq!(body["user"]["email"], "alice@example.com", "[{}]", env.name);
        assert_eq!(body["user"]["role_id"], translator, "[{}]", env.name);
        assert_eq!(body["user"]["must_change_password"], true, "[{}]", env.name);
        assert!(
            body.get("initial_password").is_none(),
            "[{}] a chosen password is not echoed: {body}",
            env.name
        );
        assert!(body["policy_version"].is_u64(), "[{}] {body}", env.name);
        assert!(
            !body.to_string().contains("argon2"),
            "[{}] no hash on the wire",
            env.name
        );

        // Without: a generated password, returned once, that signs in and must be changed.
        let generated = env
            .post(
                "/v1/users",
                &admin.cred,
                json!({ "email": "bob@example.com", "role_id": translator }),
            )
            .await;
        let bob = generated.expect(201)["user"]["id"]
            .as_str()
            .expect("id")
            .to_owned();
        let password = generated.str("initial_password");
        assert!(
            password.chars().count() >= 12,
            "[{}] generated password `{password}`",
            env.name
        );
        let bob_session = env.session("bob@example.com", &password).await;
        assert_eq!(bob_session.id, bob, "[{}]", env.name);
        env.get("/v1/features", &bob_session.cred)
            .await
            .problem(403, "password-change-required");
        env.change_password(&bob_session.cred, &password, "bobs-own-password-1")
            .await;
        env.get("/v1/features", &bob_session.cred).await.expect(200);

        // Refusals.
        for email in ["alice@example.com", "ALICE@example.com"] {
            env.post(
                "/v1/users",
                &admin.cred,
                json!({ "email": email, "role_id": translator }),
            )
            .await
            .problem_at(409, "conflict", "email");
        }
        for email in ["not-an-email", "a b@example.com", "@example.com", "x@nodot"] {
            env.post(
                "/v1/users",
                &admin.cred,
                json!({ "email": email, "role_id": translator }),
            )
            .await
            .problem_at(400, "invalid-input", "email");
        }
        env.post(
            "/v1/users",
            &admin.cred,
            json!({ "email": "carol@example.com", "role_id": unknown_id() }),
        )
        .await
        .client_error();
        env.post(
            "/v1/users",
            &admin.cred,
            json!({ "email": "carol@example.com", "role_id": translator, "initial_password": "short" }),
        )
        .await
        .problem_at(400, "invalid-input", "initial_password");

        let list = env.get("/v1/users", &admin.cred).await;
        let emails: Vec<&str> = list
            .expect(200)
            .as_array()
            .expect("array")
            .iter()
            .map(|u| u["email"].as_str().expect("email"))
            .collect();
        assert_eq!(
            emails,
            ["admin@example.com", "alice@example.com", "bob@example.com"],
            "[{}] refused users were not added",
            env.name
        );
        assert!(
            ["password_hash", "initial_password", "argon2"]
                .iter()
                .all(|secret| !list.body.to_string().contains(secret)),
            "[{}] neither passwords nor hashes are listed: {}",
            env.name,
            list.body
        );

        // Change role.
        let changed = env
            .put(
                &format!("/v1/users/{alice}/role"),
                &admin.cred,
                json!({ "role_id": publisher }),
            )
            .await;
        assert!(
            changed.expect(200)["policy_version"].is_u64(),
            "[{}]",
            env.name
        );
        let list = env.get("/v1/users", &admin.cred).await;
        let alice_row = list
            .expect(200)
            .as_array()
            .expect("array")
            .iter()
            .find(|u| u["id"] == alice.as_str())
            .cloned()
            .expect("alice listed");
        assert_eq!(alice_row["role_id"], publisher, "[{}]", env.name);
        env.put(
            &format!("/v1/users/{alice}/role"),
            &admin.cred,
            json!({ "role_id": unknown_id() }),
        )
        .await
        .client_error();
        env.put(
            &format!("/v1/users/{}/role", unknown_id()),
            &admin.cred,
            json!({ "role_id": publisher }),
        )
        .await
        .problem(404, "not-found");
        env.put(
            "/v1/users/not-a-uuid/role",
            &admin.cred,
            json!({ "role_id": publisher }),
        )
        .await
        .problem_at(400, "invalid-input", "id");

        // Delete.
        env.delete(&format!("/v1/users/{}", admin.id), &admin.cred)
            .await
            .problem(409, "conflict");
        let deleted = env.delete(&format!("/v1/users/{bob}"), &admin.cred).await;
        assert!(deleted.deleted_version() > 0, "[{}]", env.name);
        env.delete(&format!("/v1/users/{bob}"), &admin.cred)
            .await
            .problem(404, "not-found");
        env.sign_in("bob@example.com", "bobs-own-password-1")
            .await
            .problem(401, "bad-credentials");
        let list = env.get("/v1/users", &admin.cred).await;
        assert_eq!(
            list.expect(200).as_array().expect("array").len(),
            2,
            "[{}] {}",
            env.name,
            list.body
        );
        // The e-mail is free again.
        env.create_user(&admin.cred, "bob@example.com", &translator)
            .await;
    }
}

/// Bodies are checked strictly: an unknown or missing JSON field is a 400 naming the field,
/// malformed JSON or a non-JSON content type is a 400, and a body over 2 MiB is refused with
/// a 413 problem, never a 500.
#[actix_web::test]
async fn malformed_bodies_are_problems_naming_the_field() {
    for env in backends().await {
        let admin = env.admin().await;
        let role = ADMIN_ROLE.to_string();

        env.post(
            "/v1/users",
            &admin.cred,
            json!({ "email": "x@example.com", "role_id": role, "nickname": "x" }),
        )
        .await
        .problem_at(400, "invalid-input", "nickname");
        env.post(
            "/v1/users",
            &admin.cred,
            json!({ "email": "x@example.com" }),
        )
        .await
        .problem_at(400, "invalid-input", "role_id");
        env.post(
            "/v1/users",
            &admin.cred,
            json!({ "email": "x@example.com", "role_id": "not-a-uuid" }),
        )
        .await
        .problem(400, "invalid-input");

        let malformed = request(Method::POST, "/v1/users", &admin.cred)
            .insert_header(ContentType::json())
            .set_payload(r#"{"email": "x@example.com", "role_id": "#);
        env.raw("POST /v1/users (malformed JSON)", malformed)
            .await
            .problem(400, "invalid-input");

        let not_json = request(Method::POST, "/v1/users", &admin.cred)
            .insert_header(ContentType::plaintext())
            .set_payload(format!(
                r#"{{"email": "x@example.com", "role_id": "{role}"}}"#
            ));
        env.raw("POST /v1/users (text/plain)", not_json)
            .await
            .problem_at(415, "unsupported-media-type", "content-type");

        let huge = format!(
            r#"{{"email": "x@example.com", "role_id": "{role}", "initial_password": "{}"}}"#,
            "a".repeat(2 * 1024 * 1024 + 1)
        );
        let too_large = request(Method::POST, "/v1/users", &admin.cred)
            .insert_header(ContentType::json())
            .set_payload(huge);
        let reply = env.raw("POST /v1/users (over 2 MiB)", too_large).await;
        assert_eq!(
            reply.status.as_u16(),
            413,
            "{}: {}",
            reply.context,
            reply.body
        );
        assert_eq!(
            reply.body["type"], "/problems/payload-too-large",
            "{}",
            reply.context
        );

        // Nothing above added a user.
        let list = env.get("/v1/users", &admin.cred).await;
        assert_eq!(
            list.expect(200).as_array().expect("array").len(),
            1,
            "[{}]",
            env.name
        );
        // The account is still usable by a proper request.
        env.create_user(&admin.cred, "x@example.com", &role).await;
    }
}
