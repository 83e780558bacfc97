//! Managing users and roles needs `user_management`: read to list, write to change.

use serde_json::json;

use crate::support::{Cred, Env, backends};

/// Every call a `user_management` reader may make, and every call that needs write.
async fn user_management_calls(
    env: &Env,
    cred: &Cred,
    other_user: &str,
    role: &str,
) -> (Vec<crate::support::Reply>, Vec<crate::support::Reply>) {
    let reads = vec![
        env.get("/v1/users", cred).await,
        env.get("/v1/roles", cred).await,
        env.get(&format!("/v1/roles/{role}"), cred).await,
    ];
    let writes = vec![
        env.post(
            "/v1/users",
            cred,
            json!({ "email": "new@example.com", "role_id": role }),
        )
        .await,
        env.put(
            &format!("/v1/users/{other_user}/role"),
            cred,
            json!({ "role_id": role }),
        )
        .await,
        env.delete(&format!("/v1/users/{other_user}"), cred).await,
        env.post("/v1/roles", cred, json!({ "name": "Sneaky" }))
            .await,
        env.put(
            &format!("/v1/roles/{role}"),
            cred,
            json!({ "name": "Sneaky" }),
        )
        .await,
        env.delete(&format!("/v1/roles/{role}"), cred).await,
    ];
    (reads, writes)
}

/// A Translator (no `user_management`) gets 403 `forbidden` on every user and role call; a
/// user whose custom role has `user_management: read` can list users and roles but changes
/// nothing (403). Neither is kept from asking permission questions, and nothing changed.
#[actix_web::test]
async fn user_management_level_gates_users_and_roles() {
    for env in backends().await {
        let admin = env.admin().await;
        let translator_role = env.role_id(&admin.cred, "Translator").await;
        let viewer_role = env
            .post(
                "/v1/roles",
                &admin.cred,
                json!({ "name": "User viewer", "settings": { "user_management": "read" } }),
            )
            .await
            .expect(201)["role"]["id"]
            .as_str()
            .expect("id")
            .to_owned();
        let translator = env
            .add_user(&admin.cred, "tr@example.com", &translator_role)
            .await;
        let viewer = env
            .add_user(&admin.cred, "viewer@example.com", &viewer_role)
            .await;
        let version = env.policy_version(&admin.cred).await;

        let (reads, writes) =
            user_management_calls(&env, &translator.cred, &viewer.id, &viewer_role).await;
        for reply in reads.iter().chain(&writes) {
            reply.problem(403, "forbidden");
        }
        // Adding features needs `settings: write`, which a Translator lacks too.
        env.post(
            "/v1/features/apps",
            &translator.cred,
            json!({ "name": "crm" }),
        )
        .await
        .problem(403, "forbidden");

        let (reads, writes) =
            user_management_calls(&env, &viewer.cred, &translator.id, &viewer_role).await;
        for reply in &reads {
            reply.expect(200);
        }
        assert_eq!(
            reads[0].body.as_array().expect("array").len(),
            3,
            "[{}] the reader sees every user",
            env.name
        );
        for reply in &writes {
            reply.problem(403, "forbidden");
        }

        // Any signed-in user may ask permission questions.
        for person in [&translator, &viewer] {
            let check = env
                .post(
                    "/v1/check",
                    &person.cred,
                    json!({ "user": translator.id, "feature": "edit_languages", "level": "write" }),
                )
                .await;
            assert_eq!(check.expect(200)["allowed"], true, "[{}]", env.name);
        }

        assert_eq!(
            env.policy_version(&admin.cred).await,
            version,
            "[{}] refused writes changed the policy",
            env.name
        );
        let users = env.get("/v1/users", &admin.cred).await;
        assert_eq!(
            users.expect(200).as_array().expect("array").len(),
            3,
            "[{}]",
            env.name
        );
    }
}
